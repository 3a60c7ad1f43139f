/* SPDX-License-Identifier: MIT */
/*
 * The vector copy of csctp_copy(): four 32-byte loads and stores per step, the last (partial)
 * step done as an overlapping copy of the last 128 bytes, so there is no byte tail.
 */
#include "copy.h"

#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

__attribute__((target("avx2"))) static void copy_avx2(uint8_t *d, const uint8_t *s, size_t n) {
  /* n >= 128 */
  const uint8_t *last = s + n - 128;
  uint8_t *dlast = d + n - 128;
  for (; s < last; s += 128, d += 128) {
    __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)s);
    __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(s + 32));
    __m256i c = _mm256_loadu_si256((const __m256i *)(const void *)(s + 64));
    __m256i e = _mm256_loadu_si256((const __m256i *)(const void *)(s + 96));
    _mm256_storeu_si256((__m256i *)(void *)d, a);
    _mm256_storeu_si256((__m256i *)(void *)(d + 32), b);
    _mm256_storeu_si256((__m256i *)(void *)(d + 64), c);
    _mm256_storeu_si256((__m256i *)(void *)(d + 96), e);
  }
  __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)last);
  __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(last + 32));
  __m256i c = _mm256_loadu_si256((const __m256i *)(const void *)(last + 64));
  __m256i e = _mm256_loadu_si256((const __m256i *)(const void *)(last + 96));
  _mm256_storeu_si256((__m256i *)(void *)dlast, a);
  _mm256_storeu_si256((__m256i *)(void *)(dlast + 32), b);
  _mm256_storeu_si256((__m256i *)(void *)(dlast + 64), c);
  _mm256_storeu_si256((__m256i *)(void *)(dlast + 96), e);
}

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
