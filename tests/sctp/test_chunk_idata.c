/* SPDX-License-Identifier: MIT */
/*
 * src/chunk_idata.c and the inline I-DATA decoders in src/chunk.h (RFC 8260):
 * I-DATA is a 20-byte header (TSN, stream, 16 reserved bits, MID, then the PPID
 * in a first fragment or the FSN in any other) and the payload; I-FORWARD-TSN is
 * the New Cumulative TSN then 8 bytes per (stream, U, MID) entry. Byte layouts
 * are written out here by hand from the RFC's figures, not by the encoder.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <csctp/common.h>

#include "chunk.h"

/* RFC 8260 §2.1 figure: a first fragment (B) on stream 0x0102 with MID 0x0a0b0c0d and PPID 51. */
static const uint8_t first_fragment[] = {
    0x40, 0x02, 0x00, 0x17, /* type 64, flags B, length 23 */
    0x11, 0x22, 0x33, 0x44, /* TSN */
    0x01, 0x02, 0xff, 0xff, /* stream, reserved (ignored) */
    0x0a, 0x0b, 0x0c, 0x0d, /* MID */
    0x00, 0x00, 0x00, 0x33, /* PPID 51 */
    'a',  'b',  'c',  0x00, /* payload, one byte of padding */
};

Test(chunk_idata, first_fragment_carries_the_ppid) {
  csctp_chunk ch = {
      .type = 64, .flags = 2, .length = 23, .value = first_fragment + 4, .value_len = 19};
  csctp_idata_chunk d;
  cr_assert_eq(csctp_idata_decode(&ch, &d), 0);
  cr_assert_eq(d.tsn, 0x11223344u);
  cr_assert_eq(d.stream, 0x0102);
  cr_assert_eq(d.mid, 0x0a0b0c0du);
  cr_assert_eq(d.ppid, 51);
  cr_assert_eq(d.fsn, 0, "the first fragment's FSN is 0 (§2.1)");
  cr_assert_eq(d.len, 3);
  cr_assert_eq(memcmp(d.data, "abc", 3), 0);
  /* The encoder writes the same bytes, reserved bits zero. */
  uint8_t out[64];
  csctp_wr w;
  csctp_wr_init(&w, out, sizeof out);
  csctp_idata_write(&w, &d);
  cr_assert(!w.overflow);
  cr_assert_eq(w.len, sizeof first_fragment);
  uint8_t want[sizeof first_fragment];
  memcpy(want, first_fragment, sizeof want);
  want[10] = want[11] = 0;
  cr_assert_eq(memcmp(out, want, sizeof want), 0);
}

Test(chunk_idata, later_fragment_carries_the_fsn_and_the_iterator_agrees) {
  uint8_t pkt[] = {
      0,    0,    0,    0,    0, 0, 0, 0, 0, 0, 0, 0, /* the common header, unread */
      0x40, 0x05, 0x00, 0x18,                         /* flags U|E, length 24 */
      0,    0,    0,    9,                            /* TSN 9 */
      0,    7,    0,    0,                            /* stream 7 */
      0xff, 0xff, 0xff, 0xff,                         /* MID 2^32 - 1 */
      0,    0,    0,    3,                            /* FSN 3 */
      1,    2,    3,    4,                            /* payload */
      0x40, 0x03, 0x00, 0x14, /* an I-DATA without payload: the iterator leaves it */
      0,    0,    0,    10,   0, 7, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
  };
  csctp_chunk_iter it;
  csctp_chunk_iter_init(&it, pkt, sizeof pkt);
  csctp_idata_chunk d;
  cr_assert_eq(csctp_chunk_next_idata(&it, &d), 1);
  cr_assert_eq(d.flags, CSCTP_DATA_FLAG_U | CSCTP_DATA_FLAG_E);
  cr_assert_eq(d.tsn, 9);
  cr_assert_eq(d.stream, 7);
  cr_assert_eq(d.mid, 0xffffffffu);
  cr_assert_eq(d.fsn, 3);
  cr_assert_eq(d.ppid, 0);
  cr_assert_eq(d.len, 4);
  cr_assert_eq(csctp_chunk_next_idata(&it, &d), 0, "no payload: for the general walk");
  csctp_chunk ch;
  cr_assert_eq(csctp_chunk_next(&it, &ch), 1);
  cr_assert_eq(ch.type, CSCTP_CHUNK_IDATA);
  cr_assert_eq(csctp_idata_decode(&ch, &d), 0);
  cr_assert_eq(d.len, 0, "empty I-DATA decodes: the association answers No User Data");
  cr_assert_eq(d.ppid, 0, "B|E: the field is the PPID, here 0");
}

Test(chunk_idata, short_values_are_malformed_and_data_is_not_idata) {
  uint8_t v[16] = {0};
  for (size_t len = 0; len < 16; len++) {
    csctp_chunk ch = {.type = 64, .length = (uint16_t)(4 + len), .value = v, .value_len = len};
    csctp_idata_chunk d;
    cr_assert_eq(csctp_idata_decode(&ch, &d), CSCTP_ERR_MALFORMED, "%zu bytes", len);
  }
  /* A DATA chunk is never taken by the I-DATA iterator (nor the reverse). */
  uint8_t data_pkt[12 + 20] = {0};
  const uint8_t data_chunk[] = {0x00, 0x03, 0x00, 0x11, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 'x'};
  memcpy(data_pkt + 12, data_chunk, sizeof data_chunk);
  csctp_chunk_iter it;
  csctp_chunk_iter_init(&it, data_pkt, sizeof data_pkt);
  csctp_idata_chunk d;
  cr_assert_eq(csctp_chunk_next_idata(&it, &d), 0);
  csctp_data_chunk dd;
  cr_assert_eq(csctp_chunk_next_data(&it, &dd), 1, "the DATA walk takes it");
  uint8_t idata_pkt[12 + sizeof first_fragment] = {0};
  memcpy(idata_pkt + 12, first_fragment, sizeof first_fragment);
  csctp_chunk_iter_init(&it, idata_pkt, sizeof idata_pkt);
  cr_assert_eq(csctp_chunk_next_data(&it, &dd), 0);
  cr_assert_eq(csctp_chunk_next_idata(&it, &d), 1);
  cr_assert_eq(d.ppid, 51);
}

Test(chunk_idata, payload_bounded_by_the_length_field) {
  size_t cap = 70000;
  uint8_t *b = calloc(1, cap), *payload = calloc(1, cap);
  csctp_wr w;
  csctp_wr_init(&w, b, cap);
  csctp_idata_chunk d = {.flags = 3, .len = UINT16_MAX - CSCTP_IDATA_HDR_LEN, .data = payload};
  csctp_idata_write(&w, &d);
  cr_assert(!w.overflow);
  cr_assert_eq(csctp_get_u16(b + 2), UINT16_MAX);
  csctp_wr_init(&w, b, cap);
  d.len++;
  csctp_idata_write(&w, &d);
  cr_assert(w.overflow);
  free(b);
  free(payload);
}

/* RFC 8260 §2.3.1 figure: New Cumulative TSN, then (stream, reserved, U, MID) entries. */
Test(chunk_idata, iforward_tsn_entries) {
  uint8_t v[] = {
      0,    0,    1,    0,    /* new cumulative TSN 256 */
      0,    5,    0x00, 0x00, /* stream 5, ordered */
      0,    0,    0,    42,   /* MID 42 */
      0xff, 0xff, 0xff, 0xff, /* stream 65535, reserved bits set (ignored), U */
      0x80, 0,    0,    1,    /* MID 2^31 + 1 */
  };
  csctp_chunk ch = {
      .type = CSCTP_CHUNK_IFORWARD_TSN, .length = 24, .value = v, .value_len = sizeof v};
  csctp_iforward_tsn_chunk f;
  cr_assert_eq(csctp_iforward_tsn_decode(&ch, &f), 0);
  cr_assert_eq(f.new_cum_tsn, 256);
  cr_assert_eq(f.n_entries, 2);
  csctp_iforward_entry e0 = csctp_iforward_tsn_entry(&f, 0), e1 = csctp_iforward_tsn_entry(&f, 1);
  cr_assert(e0.stream == 5 && e0.unordered == 0 && e0.mid == 42);
  cr_assert(e1.stream == 65535 && e1.unordered == 1 && e1.mid == 0x80000001u);
  /* the encoder: same entries, reserved bits zero */
  uint8_t out[64];
  csctp_wr w;
  csctp_wr_init(&w, out, sizeof out);
  csctp_iforward_entry es[2] = {e0, e1};
  csctp_iforward_tsn_write(&w, 256, es, 2);
  cr_assert_eq(w.len, 24);
  cr_assert_eq(out[0], 194);
  cr_assert_eq(csctp_get_u16(out + 2), 24);
  uint8_t want[sizeof v];
  memcpy(want, v, sizeof v);
  want[14] = 0;
  want[15] = 1;
  cr_assert_eq(memcmp(out + 4, want, sizeof want), 0);
}

Test(chunk_idata, iforward_tsn_lengths_not_4_plus_8n_are_malformed) {
  uint8_t v[28] = {0};
  for (size_t len = 0; len <= sizeof v; len++) {
    csctp_chunk ch = {.type = CSCTP_CHUNK_IFORWARD_TSN,
                      .length = (uint16_t)(4 + len),
                      .value = v,
                      .value_len = len};
    csctp_iforward_tsn_chunk f;
    int ok = len >= 4 && (len - 4) % 8 == 0;
    cr_assert_eq(csctp_iforward_tsn_decode(&ch, &f), ok ? 0 : CSCTP_ERR_MALFORMED, "%zu", len);
    if (ok) cr_assert_eq(f.n_entries, (len - 4) / 8);
  }
  /* the largest chunk: (65535 - 8) / 8 entries; one more overflows */
  size_t n = (UINT16_MAX - 8) / 8;
  csctp_iforward_entry *es = calloc(n + 1, sizeof *es);
  uint8_t *b = calloc(1, 70000);
  csctp_wr w;
  csctp_wr_init(&w, b, 70000);
  csctp_iforward_tsn_write(&w, 1, es, n);
  cr_assert(!w.overflow);
  csctp_wr_init(&w, b, 70000);
  csctp_iforward_tsn_write(&w, 1, es, n + 1);
  cr_assert(w.overflow);
  free(es);
  free(b);
}
