/* SPDX-License-Identifier: MIT */
/*
 * src/chunk_sack.c at the limits of the SACK layout (RFC 9260 §3.3.4): a
 * 16-byte fixed part, then 4 bytes per Gap Ack Block and per Duplicate TSN,
 * all under a 16-bit Chunk Length. So at most 16379 blocks and duplicates
 * together fit (16 + 4 * 16379 = 65532); the writer must refuse more rather
 * than write a Chunk Length that wrapped, and what it writes at the limit must
 * decode back. Ordinary encodings are in test_chunk.c.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <csctp/common.h>

#include "chunk.h"

#define BIG (70 * 1024)

Test(chunk_sack, largest_sack_round_trips) {
  static uint16_t gaps[16379][2];
  static uint32_t dups[16379];
  for (size_t i = 0; i < 16379; i++) {
    gaps[i][0] = (uint16_t)(2 * i + 2);
    gaps[i][1] = (uint16_t)(2 * i + 2);
    dups[i] = (uint32_t)i * 3;
  }
  uint8_t *b = calloc(1, BIG);
  cr_assert_not_null(b);
  /* 10000 blocks and 6379 duplicates: exactly 65532 bytes. */
  csctp_wr w;
  csctp_wr_init(&w, b, BIG);
  csctp_sack_write(&w, 1000, 65536, gaps, 10000, dups, 6379);
  cr_assert(!w.overflow);
  cr_assert_eq(w.len, 65532);
  cr_assert_eq(csctp_get_u16(b + 2), 65532);
  csctp_chunk ch = {
      .type = b[0], .flags = b[1], .length = 65532, .value = b + 4, .value_len = 65528};
  csctp_sack_chunk s;
  cr_assert_eq(csctp_sack_decode(&ch, &s), 0);
  cr_assert_eq(s.cum_tsn_ack, 1000);
  cr_assert_eq(s.num_gap_blocks, 10000);
  cr_assert_eq(s.num_dup_tsns, 6379);
  uint16_t a, z;
  csctp_sack_gap(&s, 9999, &a, &z);
  cr_assert(a == 20000 && z == 20000);
  cr_assert_eq(csctp_sack_dup(&s, 6378), 6378u * 3);
  free(b);
}

Test(chunk_sack, too_many_blocks_or_duplicates_are_refused) {
  static uint16_t gaps[65536][2];
  static uint32_t dups[65536];
  uint8_t *b = calloc(1, BIG);
  cr_assert_not_null(b);
  static const struct {
    size_t gaps, dups;
  } over[] = {{16380, 0}, {0, 16380}, {8190, 8190}, {65536, 0}, {0, 65536}};
  for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
    csctp_wr w;
    csctp_wr_init(&w, b, BIG);
    csctp_sack_write(&w, 1, 2, gaps, over[i].gaps, dups, over[i].dups);
    cr_assert(w.overflow, "%zu blocks and %zu duplicates written", over[i].gaps, over[i].dups);
  }
  free(b);
}

/* Hostile counts: the decoder never reads past the chunk, whatever it announces. */
Test(chunk_sack, counts_past_the_chunk_are_malformed) {
  uint8_t v[16 + 8] = {0};
  csctp_put_u32(v, 7);
  csctp_put_u32(v + 4, 1500);
  for (unsigned g = 0; g <= 3; g++)
    for (unsigned d = 0; d <= 3; d++) {
      csctp_put_u16(v + 8, (uint16_t)g);
      csctp_put_u16(v + 10, (uint16_t)d);
      for (size_t len = 0; len <= sizeof(v) - 4; len++) {
        csctp_chunk ch = {
            .type = CSCTP_CHUNK_SACK, .length = (uint16_t)(4 + len), .value = v, .value_len = len};
        csctp_sack_chunk s;
        int fits = len >= 12 + 4 * (g + d);
        cr_assert_eq(csctp_sack_decode(&ch, &s), fits ? 0 : CSCTP_ERR_MALFORMED,
                     "%u blocks, %u dups in %zu bytes", g, d, len);
      }
    }
}
