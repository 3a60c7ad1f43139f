/* SPDX-License-Identifier: MIT */
/*
 * src/chunk_forward_tsn.c (RFC 3758 §3.2): FORWARD TSN is the New Cumulative
 * TSN then 4 bytes per (Stream, Stream Sequence) pair, under a 16-bit Chunk
 * Length: at most 16381 pairs (8 + 4 * 16381 = 65532). A chunk that is not 4
 * + a multiple of 4 bytes is malformed.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <csctp/common.h>

#include "chunk.h"

#define BIG (70 * 1024)

Test(chunk_forward_tsn, largest_chunk_round_trips_and_one_more_pair_is_refused) {
  static uint16_t pairs[16382][2];
  for (size_t i = 0; i < 16382; i++) {
    pairs[i][0] = (uint16_t)i;
    pairs[i][1] = (uint16_t)(65535 - i);
  }
  uint8_t *b = calloc(1, BIG);
  cr_assert_not_null(b);
  csctp_wr w;
  csctp_wr_init(&w, b, BIG);
  csctp_forward_tsn_write(&w, 0xfffffffeu, pairs, 16381);
  cr_assert(!w.overflow);
  cr_assert_eq(b[0], CSCTP_CHUNK_FORWARD_TSN);
  cr_assert_eq(csctp_get_u16(b + 2), 65532);
  csctp_chunk ch = {.type = b[0], .length = 65532, .value = b + 4, .value_len = 65528};
  csctp_forward_tsn_chunk f;
  cr_assert_eq(csctp_forward_tsn_decode(&ch, &f), 0);
  cr_assert_eq(f.new_cum_tsn, 0xfffffffeu);
  cr_assert_eq(f.n_pairs, 16381);
  uint16_t s, ssn;
  csctp_forward_tsn_pair(&f, 16380, &s, &ssn);
  cr_assert(s == 16380 && ssn == 65535 - 16380);

  csctp_wr_init(&w, b, BIG);
  csctp_forward_tsn_write(&w, 1, pairs, 16382);
  cr_assert(w.overflow);
  free(b);
}

Test(chunk_forward_tsn, lengths_not_4_plus_4n_are_malformed) {
  uint8_t v[16];
  for (size_t i = 0; i < sizeof(v); i++) v[i] = (uint8_t)(i + 1);
  for (size_t len = 0; len <= sizeof(v); len++) {
    csctp_chunk ch = {.type = CSCTP_CHUNK_FORWARD_TSN,
                      .length = (uint16_t)(4 + len),
                      .value = v,
                      .value_len = len};
    csctp_forward_tsn_chunk f;
    int ok = len >= 4 && len % 4 == 0;
    cr_assert_eq(csctp_forward_tsn_decode(&ch, &f), ok ? 0 : CSCTP_ERR_MALFORMED, "%zu bytes", len);
    if (ok) {
      cr_assert_eq(f.new_cum_tsn, 0x01020304u);
      cr_assert_eq(f.n_pairs, (len - 4) / 4);
    }
  }
}
