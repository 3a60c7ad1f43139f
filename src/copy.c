/* SPDX-License-Identifier: MIT */
/*
 * The vector copy of csctp_copy(): 32-byte loads and stores, the last (partial) step done as
 * an overlapping copy of the last 128 bytes, so there is no byte tail.
 */
#include "copy.h"

#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define COPY_V(k) \
  __m256i v##k = _mm256_loadu_si256((const __m256i *)(const void *)(s + i + 32 * (k)))
#define COPY_ST(k) _mm256_storeu_si256((__m256i *)(void *)(d + i + 32 * (k)), v##k)

/* n >= 128: eight loads and stores per step, then at most one step of four, then the last 128
 * bytes (overlapping what is already copied). */
__attribute__((target("avx2"))) static void copy_avx2(uint8_t *d, const uint8_t *s, size_t n) {
  size_t i = 0;
  for (; n - i >= 256; i += 256) {
    COPY_V(0);
    COPY_V(1);
    COPY_V(2);
    COPY_V(3);
    COPY_V(4);
    COPY_V(5);
    COPY_V(6);
    COPY_V(7);
    COPY_ST(0);
    COPY_ST(1);
    COPY_ST(2);
    COPY_ST(3);
    COPY_ST(4);
    COPY_ST(5);
    COPY_ST(6);
    COPY_ST(7);
  }
  if (n - i > 128) {
    COPY_V(0);
    COPY_V(1);
    COPY_V(2);
    COPY_V(3);
    COPY_ST(0);
    COPY_ST(1);
    COPY_ST(2);
    COPY_ST(3);
  }
  i = n - 128;
  COPY_V(0);
  COPY_V(1);
  COPY_V(2);
  COPY_V(3);
  COPY_ST(0);
  COPY_ST(1);
  COPY_ST(2);
  COPY_ST(3);
}
#undef COPY_V
#undef COPY_ST

int csctp_copy_vec_available(void) { return __builtin_cpu_supports("avx2") ? 1 : 0; }

void csctp_copy_large(void *dst, const void *src, size_t n) {
  if (n >= 128 && __builtin_cpu_supports("avx2")) {
    copy_avx2(dst, src, n);
    return;
  }
  memcpy(dst, src, n);
}

#else /* no vector loop on this target */

int csctp_copy_vec_available(void) { return 0; }

void csctp_copy_large(void *dst, const void *src, size_t n) { memcpy(dst, src, n); }

#endif
