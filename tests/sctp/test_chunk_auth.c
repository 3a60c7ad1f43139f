/* SPDX-License-Identifier: MIT */
/* chunk_auth.c and the RFC 4895 parameters of chunk_init.c: the AUTH chunk and the
 * Unsupported HMAC Identifier cause, written and read back; short values refused. */
#include <criterion/criterion.h>
#include <string.h>

#include "chunk.h"

static csctp_chunk chunk_at(const uint8_t *b, size_t len) {
  csctp_chunk ch = {b[0], b[1], csctp_get_u16(b + 2), b + 4, len - 4};
  return ch;
}

Test(chunk_auth, write_then_decode) {
  uint8_t buf[64];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof buf);
  csctp_auth_write(&w, 0x1234, CSCTP_HMAC_ID_SHA256, 32);
  cr_assert_not(w.overflow);
  cr_assert_eq(w.len, 40);
  cr_assert_eq(buf[0], CSCTP_CHUNK_AUTH);
  cr_assert_eq(csctp_get_u16(buf + 2), 40);
  csctp_auth_chunk a;
  csctp_chunk ch = chunk_at(buf, w.len);
  cr_assert_eq(csctp_auth_decode(&ch, &a), 0);
  cr_assert_eq(a.key_id, 0x1234);
  cr_assert_eq(a.hmac_id, 3);
  cr_assert_eq(a.hmac_len, 32);
  for (size_t i = 0; i < 32; i++) cr_assert_eq(a.hmac[i], 0);
  /* Too small for the caller's buffer: overflow, nothing half-written counted. */
  csctp_wr_init(&w, buf, 20);
  csctp_auth_write(&w, 1, 1, 20);
  cr_assert(w.overflow);
}

Test(chunk_auth, short_value_is_malformed) {
  const uint8_t b[] = {CSCTP_CHUNK_AUTH, 0, 0, 7, 0, 1, 0};
  csctp_chunk ch = chunk_at(b, sizeof b);
  csctp_auth_chunk a;
  cr_assert_eq(csctp_auth_decode(&ch, &a), CSCTP_ERR_MALFORMED);
  const uint8_t ok[] = {CSCTP_CHUNK_AUTH, 0, 0, 8, 0, 1, 0, 1};
  ch = chunk_at(ok, sizeof ok);
  cr_assert_eq(csctp_auth_decode(&ch, &a), 0);
  cr_assert_eq(a.hmac_len, 0);
}

Test(chunk_auth, unsupported_hmac_cause) {
  uint8_t buf[16];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof buf);
  csctp_cause_write_unsupported_hmac(&w, 9);
  cr_assert_eq(w.len, 8); /* 6 and its padding */
  cr_assert_eq(csctp_get_u16(buf), 0x0105);
  cr_assert_eq(csctp_get_u16(buf + 2), 6);
  cr_assert_eq(csctp_get_u16(buf + 4), 9);
}

Test(chunk_auth, init_keeps_the_first_random_chunks_hmac_algo) {
  uint8_t buf[128];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof buf);
  csctp_init_chunk f = {.initiate_tag = 1,
                        .a_rwnd = 5000,
                        .num_outbound_streams = 1,
                        .num_inbound_streams = 1,
                        .initial_tsn = 1};
  size_t off = csctp_init_write_begin(&w, CSCTP_CHUNK_INIT, &f);
  uint8_t rnd[32] = {1, 2, 3}, chunks[3] = {0, 3, 9}, hmacs[4] = {0, 3, 0, 1};
  csctp_param_write(&w, CSCTP_PARAM_RANDOM, rnd, sizeof rnd);
  csctp_param_write(&w, CSCTP_PARAM_CHUNKS, chunks, sizeof chunks);
  csctp_param_write(&w, CSCTP_PARAM_HMAC_ALGO, hmacs, sizeof hmacs);
  csctp_param_write(&w, CSCTP_PARAM_RANDOM, chunks, 1); /* a second one: ignored */
  csctp_wr_tlv_end(&w, off);
  csctp_init_chunk in;
  csctp_chunk ch = chunk_at(buf, w.len);
  cr_assert_eq(csctp_init_decode(&ch, &in), 0);
  cr_assert_eq(in.auth_random.type, CSCTP_PARAM_RANDOM);
  cr_assert_eq(in.auth_random.value_len, 32);
  cr_assert_eq(in.auth_chunks.value_len, 3);
  cr_assert_eq(in.auth_chunks.length, 7);
  cr_assert_eq(in.auth_hmac_algo.value_len, 4);
  cr_assert_eq(in.n_unrecognized, 0);
}
