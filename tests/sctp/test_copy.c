/* SPDX-License-Identifier: MIT */
/* csctp_copy(): both paths against memcpy over seeded random lengths and alignments. */
#include <criterion/criterion.h>
#include <string.h>

#include "copy.h"
#include "prng.h"

#define COPY_MAX (3 * 4096 + 300) /* > 4096 + 65: the largest edge length below */
#define GUARD 64

static uint8_t src_buf[COPY_MAX + 2 * GUARD];
static uint8_t dst_buf[COPY_MAX + 2 * GUARD];
static uint8_t want[COPY_MAX + 2 * GUARD];

/* Copies n bytes from src_buf + so to dst_buf + GUARD + doff with fn and checks every byte of
 * dst_buf: the n copied ones and the untouched ones around them. */
static void check_copy(void (*fn)(void *, const void *, size_t), size_t so, size_t doff, size_t n,
                       uint8_t fill) {
  memset(dst_buf, fill, sizeof dst_buf);
  memcpy(want, dst_buf, sizeof want);
  memcpy(want + GUARD + doff, src_buf + so, n);
  fn(dst_buf + GUARD + doff, src_buf + so, n);
  cr_assert(memcmp(dst_buf, want, sizeof want) == 0, "len %zu src+%zu dst+%zu", n, so, doff);
}

static void fill_src(csctp_prng *rng) {
  for (size_t i = 0; i < sizeof src_buf; i++) src_buf[i] = (uint8_t)csctp_prng_next(rng);
}

Test(copy, random_lengths_and_alignments) {
  csctp_prng rng;
  csctp_prng_seed(&rng, 0xc0b7);
  fill_src(&rng);
  for (int i = 0; i < 3000; i++) {
    size_t n = (size_t)(csctp_prng_next(&rng) % (COPY_MAX + 1));
    size_t so = (size_t)(csctp_prng_next(&rng) % GUARD);
    size_t doff = (size_t)(csctp_prng_next(&rng) % GUARD);
    uint8_t fill = (uint8_t)csctp_prng_next(&rng);
    check_copy(csctp_copy, so, doff, n, fill);
    check_copy(csctp_copy_large, so, doff, n, fill);
  }
}

/* Every length around the edges of the vector loop: its 128- and 256-byte steps and the switch
 * to it. */
Test(copy, edge_lengths) {
  csctp_prng rng;
  csctp_prng_seed(&rng, 0xed9e);
  fill_src(&rng);
  static const size_t base[] = {
      0, 128, 256, 384, 512, 640, 4096, CSCTP_COPY_LARGE, 2 * CSCTP_COPY_LARGE};
  for (size_t b = 0; b < sizeof base / sizeof base[0]; b++)
    for (size_t d = 0; d < 130; d++) {
      size_t n = base[b] >= 65 ? base[b] + d - 65 : d;
      check_copy(csctp_copy, d % 33, d % 31, n, 0xa5);
      check_copy(csctp_copy_large, d % 29, d % 37, n, 0x5a);
    }
}

/* The vector path is the one taken on CPUs that have it (where this test runs, mostly). */
Test(copy, vector_path_reported) {
#if defined(__x86_64__)
  cr_assert_eq(csctp_copy_vec_available(), __builtin_cpu_supports("avx2") ? 1 : 0);
#else
  cr_assert_eq(csctp_copy_vec_available(), 0);
#endif
}
