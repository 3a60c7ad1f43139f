/* SPDX-License-Identifier: MIT */
/*
 * Chunk encoders and decoders: DATA, SACK, HEARTBEAT, ABORT/ERROR and causes,
 * SHUTDOWN, COOKIE ECHO and empty chunks. Every expected encoding is written
 * by hand from the RFC 9260 §3.3 figures. INIT is in test_chunk_init.c.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <csctp/common.h>

#include "chunk.h"

static void expect_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len) {
  if (got_len != want_len || memcmp(got, want, want_len) != 0) {
    for (size_t i = 0; i < got_len; i++) fprintf(stderr, "%02x%s", got[i], (i % 4 == 3) ? " " : "");
    fprintf(stderr, "\n");
  }
  cr_assert_eq(got_len, want_len, "length %zu, expected %zu", got_len, want_len);
  cr_assert_eq(memcmp(got, want, want_len), 0, "bytes differ");
}

/* Frames `bytes` as the only chunk of a packet in pkt and returns its view. */
static csctp_chunk one_chunk(uint8_t *pkt, const uint8_t *bytes, size_t len) {
  memset(pkt, 0, 12);
  memcpy(pkt + 12, bytes, len);
  csctp_chunk_iter it;
  csctp_chunk_iter_init(&it, pkt, 12 + len);
  csctp_chunk ch;
  cr_assert_eq(csctp_chunk_next(&it, &ch), 1);
  csctp_chunk end;
  cr_assert_eq(csctp_chunk_next(&it, &end), 0);
  return ch;
}

/* ---- DATA ---- */

static const uint8_t data_wire[24] = {
    0x00, 0x07, 0x00, 0x15, /* type 0, flags U|B|E, length 16 + 5 */
    0x01, 0x02, 0x03, 0x04, /* TSN */
    0x00, 0x05, 0x00, 0x06, /* stream 5, SSN 6 */
    0x00, 0x00, 0x00, 0x33, /* PPID 51 (WebRTC string) */
    'h',  'e',  'l',  'l',  'o', 0, 0, 0};

Test(data, encode) {
  csctp_data_chunk d = {.flags = CSCTP_DATA_FLAG_U | CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E,
                        .tsn = 0x01020304,
                        .stream = 5,
                        .ssn = 6,
                        .ppid = 51,
                        .data = (const uint8_t *)"hello",
                        .len = 5};
  uint8_t b[64];
  memset(b, 0xee, sizeof(b));
  csctp_wr w;
  csctp_wr_init(&w, b, sizeof(b));
  csctp_data_write(&w, &d);
  cr_assert(!w.overflow);
  expect_bytes(b, w.len, data_wire, sizeof(data_wire));
  uint8_t h[16];
  csctp_data_write_header(h, &d);
  expect_bytes(h, 16, data_wire, 16);
}

Test(data, decode) {
  uint8_t pkt[64];
  csctp_chunk ch = one_chunk(pkt, data_wire, sizeof(data_wire));
  csctp_data_chunk d;
  cr_assert_eq(csctp_data_decode(&ch, &d), 0);
  cr_assert_eq(d.flags, 0x07);
  cr_assert_eq(d.tsn, 0x01020304u);
  cr_assert_eq(d.stream, 5);
  cr_assert_eq(d.ssn, 6);
  cr_assert_eq(d.ppid, 51);
  cr_assert_eq(d.len, 5);
  cr_assert_eq(memcmp(d.data, "hello", 5), 0);
  cr_assert_eq(d.data, pkt + 12 + 16);
}

Test(data, decode_short_and_empty) {
  uint8_t pkt[64];
  /* Length 15: 11 value bytes, one short of the DATA header. */
  static const uint8_t short_wire[16] = {0x00, 0x03, 0x00, 0x0f, 0, 0, 0, 1,
                                         0,    0,    0,    0,    0, 0, 0, 0};
  csctp_chunk ch = one_chunk(pkt, short_wire, sizeof(short_wire));
  csctp_data_chunk d;
  cr_assert_eq(csctp_data_decode(&ch, &d), CSCTP_ERR_MALFORMED);
  /* Length 16, no user data: decodes; the association answers it (§6.2). */
  static const uint8_t empty_wire[16] = {0x00, 0x03, 0x00, 0x10, 0, 0, 0, 9,
                                         0,    1,    0,    2,    0, 0, 0, 0};
  ch = one_chunk(pkt, empty_wire, sizeof(empty_wire));
  cr_assert_eq(csctp_data_decode(&ch, &d), 0);
  cr_assert_eq(d.len, 0);
  cr_assert_eq(d.tsn, 9);
  cr_assert_neq(d.data, NULL);
}

/* Compares csctp_chunk_next_data with csctp_chunk_next + csctp_data_decode at the start of
 * the chunks `c` (n bytes): the same DATA chunk and position, or 0 with the iterator left for
 * csctp_chunk_next to take. */
static void expect_next_data_agrees(const uint8_t *c, size_t n) {
  uint8_t pkt[96];
  memset(pkt, 0, 12);
  memcpy(pkt + 12, c, n);
  csctp_chunk_iter a, b;
  csctp_chunk_iter_init(&a, pkt, 12 + n);
  b = a;
  csctp_data_chunk da, db;
  csctp_chunk ch;
  int fused = csctp_chunk_next_data(&a, &da);
  int rv = csctp_chunk_next(&b, &ch);
  int whole = rv == 1 && ch.type == CSCTP_CHUNK_DATA && csctp_data_decode(&ch, &db) == 0 && db.len;
  cr_assert_eq(fused, whole, "%zu bytes: fused %d, two steps %d", n, fused, whole);
  if (!fused) {
    cr_assert_eq(a.rd.pos, 0);
    cr_assert_eq(a.rd.bad, 0);
    return;
  }
  cr_assert_eq(a.rd.pos, b.rd.pos);
  cr_assert_eq(da.flags, db.flags);
  cr_assert_eq(da.tsn, db.tsn);
  cr_assert_eq(da.stream, db.stream);
  cr_assert_eq(da.ssn, db.ssn);
  cr_assert_eq(da.ppid, db.ppid);
  cr_assert_eq(da.data, db.data);
  cr_assert_eq(da.len, db.len);
}

Test(data, next_data_agrees_with_next_and_decode) {
  uint8_t c[64];
  /* Every truncation of a DATA chunk, its padding or a second chunk after it. */
  for (size_t n = 0; n <= sizeof(data_wire); n++) expect_next_data_agrees(data_wire, n);
  /* Every length field over a full buffer, and other chunk types. */
  for (unsigned len = 0; len <= 40; len++) {
    for (unsigned type = 0; type <= 3; type += 3) {
      memcpy(c, data_wire, sizeof(data_wire));
      memset(c + sizeof(data_wire), 0, sizeof(c) - sizeof(data_wire));
      c[0] = (uint8_t)type;
      c[3] = (uint8_t)len;
      expect_next_data_agrees(c, 24);
      expect_next_data_agrees(c, 40);
    }
  }
}

Test(data, overflow_and_rollback) {
  uint8_t b[23];
  csctp_wr w;
  csctp_wr_init(&w, b, sizeof(b));
  csctp_data_chunk d = {.tsn = 1, .data = (const uint8_t *)"hello", .len = 5};
  csctp_data_write(&w, &d);
  cr_assert(w.overflow);
  csctp_wr_rollback(&w, 0);
  cr_assert(!w.overflow);
  cr_assert_eq(w.len, 0);
  /* A payload the 16-bit length cannot describe. */
  static uint8_t big[70000];
  uint8_t out[70016 + 4];
  csctp_wr_init(&w, out, sizeof(out));
  d.data = big;
  d.len = 65536 - 16;
  csctp_data_write(&w, &d);
  cr_assert(w.overflow);
  csctp_wr_init(&w, out, sizeof(out));
  d.len = 65535 - 16;
  csctp_data_write(&w, &d);
  cr_assert(!w.overflow);
  cr_assert_eq(out[2], 0xff);
  cr_assert_eq(out[3], 0xff);
}

/* Any TLV (a chunk, a parameter, an error cause): a length over 65535 is an overflow, never a
 * 16-bit length that wrapped (RFC 9260 §3.2: the Length field is 16 bits). */
Test(wr, tlv_longer_than_its_length_field_overflows) {
  static uint8_t out[80000];
  static const uint8_t zeros[65535];
  csctp_wr w;
  csctp_wr_init(&w, out, sizeof(out));
  size_t off = csctp_wr_tlv_begin(&w, 0x1234);
  csctp_wr_bytes(&w, zeros, 65535 - 4);
  csctp_wr_tlv_end(&w, off);
  cr_assert(!w.overflow);
  cr_assert_eq(out[2], 0xff);
  cr_assert_eq(out[3], 0xff);
  csctp_wr_init(&w, out, sizeof(out));
  off = csctp_wr_tlv_begin(&w, 0x1234);
  csctp_wr_bytes(&w, zeros, 65536 - 4);
  csctp_wr_tlv_end(&w, off);
  cr_assert(w.overflow, "a 65536-byte TLV was written with a wrapped length");
  /* Nested: a parameter that fits inside a chunk that does not. */
  csctp_wr_init(&w, out, sizeof(out));
  size_t chunk = csctp_wr_chunk_begin(&w, 130, 0);
  size_t p1 = csctp_wr_tlv_begin(&w, 0x000d);
  csctp_wr_bytes(&w, zeros, 40000);
  csctp_wr_tlv_end(&w, p1);
  size_t p2 = csctp_wr_tlv_begin(&w, 0x000d);
  csctp_wr_bytes(&w, zeros, 30000);
  csctp_wr_tlv_end(&w, p2);
  cr_assert(!w.overflow);
  csctp_wr_tlv_end(&w, chunk);
  cr_assert(w.overflow, "a chunk over 65535 bytes was written with a wrapped length");
}

/* ---- SACK ---- */

static const uint8_t sack_wire[28] = {
    0x03, 0x00, 0x00, 0x1c, /* length 28 */
    0x00, 0x00, 0x00, 0x10, /* cumulative TSN ack 16 */
    0x00, 0x01, 0x00, 0x00, /* a_rwnd 65536 */
    0x00, 0x02, 0x00, 0x01, /* 2 gap blocks, 1 duplicate */
    0x00, 0x02, 0x00, 0x03, /* gap 1: +2..+3 */
    0x00, 0x05, 0x00, 0x05, /* gap 2: +5..+5 */
    0x00, 0x00, 0x00, 0x0c, /* duplicate TSN 12 */
};

Test(sack, encode) {
  const uint16_t gaps[2][2] = {{2, 3}, {5, 5}};
  const uint32_t dups[1] = {12};
  uint8_t b[64];
  csctp_wr w;
  csctp_wr_init(&w, b, sizeof(b));
  csctp_sack_write(&w, 16, 65536, gaps, 2, dups, 1);
  cr_assert(!w.overflow);
  expect_bytes(b, w.len, sack_wire, sizeof(sack_wire));
  /* No gaps, no duplicates. */
  static const uint8_t bare[16] = {0x03, 0, 0,    0x10, 0xff, 0xff, 0xff, 0xff,
                                   0,    0, 0x10, 0,    0,    0,    0,    0};
  csctp_wr_init(&w, b, sizeof(b));
  csctp_sack_write(&w, 0xffffffffu, 4096, NULL, 0, NULL, 0);
  expect_bytes(b, w.len, bare, sizeof(bare));
}

Test(sack, decode) {
  uint8_t pkt[64];
  csctp_chunk ch = one_chunk(pkt, sack_wire, sizeof(sack_wire));
  csctp_sack_chunk s;
  cr_assert_eq(csctp_sack_decode(&ch, &s), 0);
  cr_assert_eq(s.cum_tsn_ack, 16);
  cr_assert_eq(s.a_rwnd, 65536);
  cr_assert_eq(s.num_gap_blocks, 2);
  cr_assert_eq(s.num_dup_tsns, 1);
  uint16_t a, z;
  csctp_sack_gap(&s, 0, &a, &z);
  cr_assert(a == 2 && z == 3);
  csctp_sack_gap(&s, 1, &a, &z);
  cr_assert(a == 5 && z == 5);
  cr_assert_eq(csctp_sack_dup(&s, 0), 12);
}

Test(sack, counts_exceed_chunk) {
  uint8_t pkt[64], w[28];
  csctp_sack_chunk s;
  /* 3 gap blocks announced, room for 2 blocks + 1 dup only if dups were 0. */
  memcpy(w, sack_wire, sizeof(w));
  w[13] = 3;
  csctp_chunk ch = one_chunk(pkt, w, sizeof(w));
  cr_assert_eq(csctp_sack_decode(&ch, &s), CSCTP_ERR_MALFORMED);
  /* 2 duplicates announced, 1 present. */
  memcpy(w, sack_wire, sizeof(w));
  w[15] = 2;
  ch = one_chunk(pkt, w, sizeof(w));
  cr_assert_eq(csctp_sack_decode(&ch, &s), CSCTP_ERR_MALFORMED);
  /* Counts at their maximum. */
  memcpy(w, sack_wire, sizeof(w));
  w[12] = w[13] = w[14] = w[15] = 0xff;
  ch = one_chunk(pkt, w, sizeof(w));
  cr_assert_eq(csctp_sack_decode(&ch, &s), CSCTP_ERR_MALFORMED);
  /* Fixed part short: length 15. */
  memcpy(w, sack_wire, sizeof(w));
  w[3] = 15;
  ch = one_chunk(pkt, w, 16);
  cr_assert_eq(csctp_sack_decode(&ch, &s), CSCTP_ERR_MALFORMED);
  /* Counts that fit, with 4 extra bytes after: tolerated. */
  memcpy(w, sack_wire, sizeof(w));
  w[13] = 1;
  w[15] = 0;
  ch = one_chunk(pkt, w, sizeof(w));
  cr_assert_eq(csctp_sack_decode(&ch, &s), 0);
  cr_assert_eq(s.num_gap_blocks, 1);
}

/* ---- HEARTBEAT ---- */

Test(heartbeat, encode_decode) {
  /* Info of 5 bytes: parameter length 9, padded to 12 (the encoder counts the
   * parameter's padding in the chunk length; §3.2 lets receivers take either). */
  static const uint8_t want[16] = {0x04, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00, 0x09,
                                   'a',  'b',  'c',  'd',  'e',  0,    0,    0};
  uint8_t b[32];
  csctp_wr w;
  csctp_wr_init(&w, b, sizeof(b));
  csctp_heartbeat_write(&w, CSCTP_CHUNK_HEARTBEAT, (const uint8_t *)"abcde", 5);
  expect_bytes(b, w.len, want, sizeof(want));
  csctp_wr_init(&w, b, sizeof(b));
  csctp_heartbeat_write(&w, CSCTP_CHUNK_HEARTBEAT_ACK, (const uint8_t *)"abcde", 5);
  cr_assert_eq(b[0], 5);
  cr_assert_eq(memcmp(b + 1, want + 1, 15), 0);

  uint8_t pkt[64];
  csctp_chunk ch = one_chunk(pkt, want, sizeof(want));
  const uint8_t *info;
  size_t n;
  cr_assert_eq(csctp_heartbeat_decode(&ch, &info, &n), 0);
  cr_assert_eq(n, 5);
  cr_assert_eq(memcmp(info, "abcde", 5), 0);
  /* The same with the chunk length excluding the last parameter's padding. */
  uint8_t alt[16];
  memcpy(alt, want, sizeof(alt));
  alt[3] = 0x0d;
  ch = one_chunk(pkt, alt, sizeof(alt));
  cr_assert_eq(csctp_heartbeat_decode(&ch, &info, &n), 0);
  cr_assert_eq(n, 5);
}

Test(heartbeat, malformed) {
  uint8_t pkt[64];
  const uint8_t *info;
  size_t n;
  static const uint8_t empty[4] = {0x04, 0, 0, 4};
  csctp_chunk ch = one_chunk(pkt, empty, sizeof(empty));
  cr_assert_eq(csctp_heartbeat_decode(&ch, &info, &n), CSCTP_ERR_MALFORMED);
  static const uint8_t other[8] = {0x04, 0, 0, 8, 0x00, 0x02, 0x00, 0x04};
  ch = one_chunk(pkt, other, sizeof(other));
  cr_assert_eq(csctp_heartbeat_decode(&ch, &info, &n), CSCTP_ERR_MALFORMED);
  static const uint8_t overrun[12] = {0x04, 0, 0, 12, 0x00, 0x01, 0x00, 0x09, 1, 2, 3, 4};
  ch = one_chunk(pkt, overrun, sizeof(overrun));
  cr_assert_eq(csctp_heartbeat_decode(&ch, &info, &n), CSCTP_ERR_MALFORMED);
  /* An empty info after another parameter is found. */
  static const uint8_t later[12] = {0x04, 0, 0, 12, 0x80, 0x02, 0x00, 0x04, 0x00, 0x01, 0x00, 0x04};
  ch = one_chunk(pkt, later, sizeof(later));
  cr_assert_eq(csctp_heartbeat_decode(&ch, &info, &n), 0);
  cr_assert_eq(n, 0);
}

/* ---- ABORT, ERROR and causes ---- */

Test(cause, every_writer) {
  static const uint8_t want[] = {
      0x06, 0x01, 0x00, 0x70, /* ABORT, T bit, length 112 */
      /* Invalid Stream Identifier 7 + reserved */
      0x00, 0x01, 0x00, 0x08, 0x00, 0x07, 0x00, 0x00,
      /* Missing Mandatory Parameter: 2 of them, State Cookie and 9 */
      0x00, 0x02, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x02, 0x00, 0x07, 0x00, 0x09,
      /* Missing Mandatory Parameter: 1, padded */
      0x00, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x07, 0x00, 0x00,
      /* Stale Cookie: 1 s */
      0x00, 0x03, 0x00, 0x08, 0x00, 0x0f, 0x42, 0x40,
      /* No User Data: TSN */
      0x00, 0x09, 0x00, 0x08, 0x12, 0x34, 0x56, 0x78,
      /* Unrecognized Chunk Type: chunk 0x7f/0x01, length 6, aa bb */
      0x00, 0x06, 0x00, 0x0a, 0x7f, 0x01, 0x00, 0x06, 0xaa, 0xbb, 0x00, 0x00,
      /* Unrecognized Parameters: c123 (len 5, 1 pad) and 4001 (len 4) */
      0x00, 0x08, 0x00, 0x10, 0xc1, 0x23, 0x00, 0x05, 0x11, 0x00, 0x00, 0x00, 0x40, 0x01, 0x00,
      0x04,
      /* User-Initiated Abort "bye" */
      0x00, 0x0c, 0x00, 0x07, 'b', 'y', 'e', 0x00,
      /* Protocol Violation "x" */
      0x00, 0x0d, 0x00, 0x05, 'x', 0x00, 0x00, 0x00,
      /* Out of Resource, no body */
      0x00, 0x04, 0x00, 0x04,
      /* Cookie Received While Shutting Down, through the raw writer */
      0x00, 0x0a, 0x00, 0x04,
      /* Restart with new addresses, raw body of 3 bytes */
      0x00, 0x0b, 0x00, 0x07, 0x01, 0x02, 0x03, 0x00};
  uint8_t b[256];
  csctp_wr w;
  csctp_wr_init(&w, b, sizeof(b));
  size_t off = csctp_abort_write_begin(&w, 1);
  csctp_cause_write_invalid_stream(&w, 7);
  const uint16_t two[2] = {CSCTP_PARAM_STATE_COOKIE, 9};
  csctp_cause_write_missing_params(&w, two, 2);
  csctp_cause_write_missing_params(&w, two, 1);
  csctp_cause_write_stale_cookie(&w, 1000000);
  csctp_cause_write_no_user_data(&w, 0x12345678);
  static const uint8_t unk[8] = {0x7f, 0x01, 0x00, 0x06, 0xaa, 0xbb, 0, 0};
  uint8_t pkt[64];
  csctp_chunk uch = one_chunk(pkt, unk, sizeof(unk));
  csctp_cause_write_unrecognized_chunk(&w, &uch);
  static const uint8_t params[12] = {0xc1, 0x23, 0x00, 0x05, 0x11, 0, 0, 0, 0x40, 0x01, 0x00, 0x04};
  csctp_rd r;
  csctp_rd_init(&r, params, sizeof(params));
  csctp_tlv t[2];
  cr_assert_eq(csctp_tlv_next(&r, &t[0]), 1);
  cr_assert_eq(csctp_tlv_next(&r, &t[1]), 1);
  csctp_cause_write_unrecognized_params(&w, t, 2);
  csctp_cause_write_text(&w, CSCTP_CAUSE_USER_ABORT, "bye");
  csctp_cause_write_text(&w, CSCTP_CAUSE_PROTOCOL_VIOLATION, "x");
  csctp_cause_write(&w, CSCTP_CAUSE_OUT_OF_RESOURCE, NULL, 0);
  csctp_cause_write(&w, CSCTP_CAUSE_COOKIE_WHILE_SHUTTING_DOWN, NULL, 0);
  csctp_cause_write(&w, CSCTP_CAUSE_RESTART_NEW_ADDRESSES, (const uint8_t *)"\1\2\3", 3);
  csctp_wr_tlv_end(&w, off);
  cr_assert(!w.overflow);
  expect_bytes(b, w.len, want, sizeof(want));

  /* Decode: the causes come back in order with their bodies. */
  uint8_t pkt2[300];
  csctp_chunk ch = one_chunk(pkt2, want, sizeof(want));
  cr_assert_eq(ch.type, CSCTP_CHUNK_ABORT);
  cr_assert_eq(ch.flags & CSCTP_FLAG_T, CSCTP_FLAG_T);
  cr_assert_eq(csctp_cause_first(&ch), CSCTP_CAUSE_INVALID_STREAM);
  static const uint16_t codes[] = {1, 2, 2, 3, 9, 6, 8, 12, 13, 4, 10, 11};
  csctp_rd_init(&r, ch.value, ch.value_len);
  csctp_tlv c;
  size_t i = 0;
  while (csctp_tlv_next(&r, &c) == 1) {
    cr_assert_lt(i, sizeof(codes) / sizeof(codes[0]));
    cr_assert_eq(c.type, codes[i], "cause %zu", i);
    i++;
  }
  cr_assert_eq(i, sizeof(codes) / sizeof(codes[0]));
}

Test(cause, error_chunk_and_first) {
  static const uint8_t want[12] = {0x09, 0x00, 0x00, 0x0c, 0x00, 0x01,
                                   0x00, 0x08, 0xff, 0xff, 0x00, 0x00};
  uint8_t b[32];
  csctp_wr w;
  csctp_wr_init(&w, b, sizeof(b));
  size_t off = csctp_error_write_begin(&w);
  csctp_cause_write_invalid_stream(&w, 0xffff);
  csctp_wr_tlv_end(&w, off);
  expect_bytes(b, w.len, want, sizeof(want));
  /* ABORT without the T bit and without causes. */
  static const uint8_t bare[4] = {0x06, 0x00, 0x00, 0x04};
  csctp_wr_init(&w, b, sizeof(b));
  off = csctp_abort_write_begin(&w, 0);
  csctp_wr_tlv_end(&w, off);
  expect_bytes(b, w.len, bare, sizeof(bare));
  uint8_t pkt[64];
  csctp_chunk ch = one_chunk(pkt, bare, sizeof(bare));
  cr_assert_eq(csctp_cause_first(&ch), 0);
  /* A malformed first cause (length 3) gives 0. */
  static const uint8_t bad[8] = {0x06, 0x00, 0x00, 0x08, 0x00, 0x0c, 0x00, 0x03};
  ch = one_chunk(pkt, bad, sizeof(bad));
  cr_assert_eq(csctp_cause_first(&ch), 0);
}

Test(cause, overflow) {
  uint8_t b[10];
  csctp_wr w;
  csctp_wr_init(&w, b, sizeof(b));
  size_t off = csctp_abort_write_begin(&w, 0);
  csctp_cause_write_text(&w, CSCTP_CAUSE_PROTOCOL_VIOLATION, "too long for this");
  csctp_wr_tlv_end(&w, off);
  cr_assert(w.overflow);
  csctp_wr_rollback(&w, 0);
  cr_assert_eq(w.len, 0);
  cr_assert(!w.overflow);
}

/* ---- SHUTDOWN, COOKIE ECHO, empty chunks ---- */

Test(simple, shutdown) {
  static const uint8_t want[8] = {0x07, 0x00, 0x00, 0x08, 0xfe, 0xdc, 0xba, 0x98};
  uint8_t b[16];
  csctp_wr w;
  csctp_wr_init(&w, b, sizeof(b));
  csctp_shutdown_write(&w, 0xfedcba98u);
  expect_bytes(b, w.len, want, sizeof(want));
  uint8_t pkt[64];
  csctp_chunk ch = one_chunk(pkt, want, sizeof(want));
  uint32_t cum = 0;
  cr_assert_eq(csctp_shutdown_decode(&ch, &cum), 0);
  cr_assert_eq(cum, 0xfedcba98u);
  static const uint8_t short7[8] = {0x07, 0x00, 0x00, 0x07, 1, 2, 3, 0};
  ch = one_chunk(pkt, short7, sizeof(short7));
  cr_assert_eq(csctp_shutdown_decode(&ch, &cum), CSCTP_ERR_MALFORMED);
  static const uint8_t long12[12] = {0x07, 0x00, 0x00, 0x0c, 1, 2, 3, 4, 5, 6, 7, 8};
  ch = one_chunk(pkt, long12, sizeof(long12));
  cr_assert_eq(csctp_shutdown_decode(&ch, &cum), CSCTP_ERR_MALFORMED);
}

Test(simple, cookie_echo) {
  static const uint8_t want[8] = {0x0a, 0x00, 0x00, 0x07, 0xc0, 0x0c, 0x1e, 0x00};
  uint8_t b[16];
  csctp_wr w;
  csctp_wr_init(&w, b, sizeof(b));
  csctp_cookie_echo_write(&w, (const uint8_t *)"\xc0\x0c\x1e", 3);
  expect_bytes(b, w.len, want, sizeof(want));
  uint8_t pkt[64];
  csctp_chunk ch = one_chunk(pkt, want, sizeof(want));
  cr_assert_eq(ch.type, CSCTP_CHUNK_COOKIE_ECHO);
  cr_assert_eq(ch.value_len, 3);
  cr_assert_eq(memcmp(ch.value, "\xc0\x0c\x1e", 3), 0);
}

Test(simple, empty_chunks) {
  static const uint8_t want[12] = {0x0b, 0x00, 0x00, 0x04, 0x08, 0x00,
                                   0x00, 0x04, 0x0e, 0x01, 0x00, 0x04};
  uint8_t b[12];
  csctp_wr w;
  csctp_wr_init(&w, b, sizeof(b));
  csctp_chunk_write_empty(&w, CSCTP_CHUNK_COOKIE_ACK, 0);
  csctp_chunk_write_empty(&w, CSCTP_CHUNK_SHUTDOWN_ACK, 0);
  csctp_chunk_write_empty(&w, CSCTP_CHUNK_SHUTDOWN_COMPLETE, CSCTP_FLAG_T);
  expect_bytes(b, w.len, want, sizeof(want));
  csctp_chunk_write_empty(&w, CSCTP_CHUNK_COOKIE_ACK, 0);
  cr_assert(w.overflow);
}
