/* SPDX-License-Identifier: MIT */
/* chunk_ecn.c: ECNE (12-byte form and RFC 2960's 8-byte one) and CWR, written and read back;
 * every other length refused. */
#include <criterion/criterion.h>
#include <string.h>

#include "chunk.h"

static csctp_chunk chunk_at(const uint8_t *b, size_t len) {
  csctp_chunk ch = {b[0], b[1], csctp_get_u16(b + 2), b + 4, len - 4};
  return ch;
}

Test(chunk_ecn, ecne_write_then_decode) {
  uint8_t buf[16];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof buf);
  csctp_ecne_write(&w, 0xfffffff0u, 7);
  cr_assert_not(w.overflow);
  cr_assert_eq(w.len, 12);
  const uint8_t want[] = {12, 0, 0, 12, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 7};
  cr_assert_arr_eq(buf, want, sizeof want);
  csctp_chunk ch = chunk_at(buf, w.len);
  uint32_t tsn = 0, count = 0;
  cr_assert_eq(csctp_ecne_decode(&ch, &tsn, &count), 0);
  cr_assert_eq(tsn, 0xfffffff0u);
  cr_assert_eq(count, 7);
  csctp_wr_init(&w, buf, 11); /* no room: overflow */
  csctp_ecne_write(&w, 1, 1);
  cr_assert(w.overflow);
}

Test(chunk_ecn, ecne_old_form_counts_one) {
  const uint8_t b[] = {12, 0, 0, 8, 0, 0, 0x12, 0x34};
  csctp_chunk ch = chunk_at(b, sizeof b);
  uint32_t tsn = 0, count = 0;
  cr_assert_eq(csctp_ecne_decode(&ch, &tsn, &count), 0);
  cr_assert_eq(tsn, 0x1234);
  cr_assert_eq(count, 1);
}

Test(chunk_ecn, ecne_other_lengths_malformed) {
  uint8_t b[20] = {12, 0, 0, 0};
  uint32_t tsn, count;
  for (size_t len = 4; len <= 20; len++) {
    if (len == 8 || len == 12) continue;
    csctp_put_u16(b + 2, (uint16_t)len);
    csctp_chunk ch = chunk_at(b, len);
    cr_assert_eq(csctp_ecne_decode(&ch, &tsn, &count), CSCTP_ERR_MALFORMED, "length %zu", len);
  }
}

Test(chunk_ecn, cwr_write_then_decode_and_bad_lengths) {
  uint8_t buf[16];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof buf);
  csctp_cwr_write(&w, 0x01020304u);
  cr_assert_eq(w.len, 8);
  const uint8_t want[] = {13, 0, 0, 8, 1, 2, 3, 4};
  cr_assert_arr_eq(buf, want, sizeof want);
  csctp_chunk ch = chunk_at(buf, w.len);
  uint32_t tsn = 0;
  cr_assert_eq(csctp_cwr_decode(&ch, &tsn), 0);
  cr_assert_eq(tsn, 0x01020304u);
  uint8_t b[16] = {13, 0, 0, 0};
  for (size_t len = 4; len <= 16; len++) {
    if (len == 8) continue;
    csctp_chunk c2 = chunk_at(b, len);
    cr_assert_eq(csctp_cwr_decode(&c2, &tsn), CSCTP_ERR_MALFORMED, "length %zu", len);
  }
}
