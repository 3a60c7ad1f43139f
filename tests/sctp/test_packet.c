/* SPDX-License-Identifier: MIT */
/* Common header and chunk / TLV framing (RFC 9260 §3.1, §3.2). */
#include <criterion/criterion.h>
#include <string.h>

#include <csctp/common.h>

#include "packet.h"

/* A 12-byte common header (ports 1 -> 2, tag 0xdeadbeef, checksum 0) then `body`. */
static size_t mkpkt(uint8_t *out, const uint8_t *body, size_t n) {
  static const uint8_t hdr[12] = {0, 1, 0, 2, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0};
  memcpy(out, hdr, 12);
  memcpy(out + 12, body, n);
  return 12 + n;
}

Test(packet, header_fields_big_endian) {
  static const uint8_t p[16] = {0x13, 0x88, 0x0f, 0xa0, 0x01, 0x02, 0x03, 0x04,
                                0xa1, 0xb2, 0xc3, 0xd4, 0x0b, 0x00, 0x00, 0x04};
  csctp_common_hdr h;
  cr_assert_eq(csctp_packet_parse_header(p, sizeof(p), &h), 0);
  cr_assert_eq(h.src_port, 5000);
  cr_assert_eq(h.dst_port, 4000);
  cr_assert_eq(h.vtag, 0x01020304u);
  cr_assert_eq(h.checksum, 0xa1b2c3d4u);
}

Test(packet, header_too_short) {
  uint8_t p[16] = {0};
  csctp_common_hdr h;
  for (size_t len = 0; len < 16; len++)
    cr_assert_eq(csctp_packet_parse_header(p, len, &h), CSCTP_ERR_MALFORMED, "len %zu", len);
  cr_assert_eq(csctp_packet_parse_header(p, 16, &h), 0);
}

Test(packet, write_header) {
  uint8_t b[12];
  csctp_wr w;
  csctp_wr_init(&w, b, sizeof(b));
  memset(b, 0x55, sizeof(b));
  csctp_packet_write_header(&w, 5000, 5001, 0x11223344u);
  static const uint8_t want[12] = {0x13, 0x88, 0x13, 0x89, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0};
  cr_assert_eq(w.len, 12);
  cr_assert(!w.overflow);
  cr_assert_eq(memcmp(b, want, 12), 0);
  csctp_packet_write_header(&w, 1, 2, 3);
  cr_assert(w.overflow);
}

Test(packet, crc_short_packets) {
  uint8_t p[12] = {0};
  cr_assert(!csctp_packet_check_crc(p, 11));
  csctp_packet_set_crc(p, 11); /* ignored */
  cr_assert_eq(p[8] | p[9] | p[10] | p[11], 0);
}

/* Collects the iterator's results: returns the final code, fills types/lens. */
static int iterate(const uint8_t *p, size_t len, csctp_chunk *out, int max, int *n) {
  csctp_chunk_iter it;
  csctp_chunk_iter_init(&it, p, len);
  *n = 0;
  int rc;
  while ((rc = csctp_chunk_next(&it, &out[*n])) == 1) {
    (*n)++;
    cr_assert_lt(*n, max);
  }
  /* The end and errors are sticky. */
  csctp_chunk again;
  cr_assert_eq(csctp_chunk_next(&it, &again), rc);
  return rc;
}

Test(packet, two_chunks_odd_padding) {
  /* DATA-like type 0xaa with length 5 (1 value byte, 3 pad), then COOKIE ACK. */
  static const uint8_t body[] = {0xaa, 0x07, 0x00, 0x05, 0x42, 0, 0, 0, 0x0b, 0x00, 0x00, 0x04};
  uint8_t p[64];
  size_t len = mkpkt(p, body, sizeof(body));
  csctp_chunk c[4];
  int n;
  cr_assert_eq(iterate(p, len, c, 4, &n), 0);
  cr_assert_eq(n, 2);
  cr_assert_eq(c[0].type, 0xaa);
  cr_assert_eq(c[0].flags, 0x07);
  cr_assert_eq(c[0].length, 5);
  cr_assert_eq(c[0].value_len, 1);
  cr_assert_eq(c[0].value, p + 16);
  cr_assert_eq(c[0].value[0], 0x42);
  cr_assert_eq(c[1].type, CSCTP_CHUNK_COOKIE_ACK);
  cr_assert_eq(c[1].length, 4);
  cr_assert_eq(c[1].value_len, 0);
}

Test(packet, missing_final_pad_tolerated) {
  static const uint8_t body[] = {0x0b, 0x00, 0x00, 0x04, 0xaa, 0x00, 0x00, 0x06, 1, 2};
  uint8_t p[64];
  csctp_chunk c[4];
  int n;
  /* No pad at all after a 6-byte last chunk. */
  size_t len = mkpkt(p, body, sizeof(body));
  cr_assert_eq(iterate(p, len, c, 4, &n), 0);
  cr_assert_eq(n, 2);
  cr_assert_eq(c[1].value_len, 2);
  /* One of its two pad bytes. */
  static const uint8_t body2[] = {0xaa, 0x00, 0x00, 0x05, 9, 0};
  len = mkpkt(p, body2, sizeof(body2));
  cr_assert_eq(iterate(p, len, c, 4, &n), 0);
  cr_assert_eq(n, 1);
}

Test(packet, chunk_length_below_header) {
  for (uint8_t l = 0; l < 4; l++) {
    uint8_t body[8] = {0x0b, 0x00, 0x00, l, 0, 0, 0, 0};
    uint8_t p[64];
    size_t len = mkpkt(p, body, sizeof(body));
    csctp_chunk c[4];
    int n;
    cr_assert_eq(iterate(p, len, c, 4, &n), CSCTP_ERR_MALFORMED, "length %u", l);
    cr_assert_eq(n, 0);
  }
}

Test(packet, chunk_length_past_end) {
  /* Declares 12 bytes, only 8 present. */
  static const uint8_t body[] = {0x00, 0x03, 0x00, 0x0c, 1, 2, 3, 4};
  uint8_t p[64];
  size_t len = mkpkt(p, body, sizeof(body));
  csctp_chunk c[4];
  int n;
  cr_assert_eq(iterate(p, len, c, 4, &n), CSCTP_ERR_MALFORMED);
  cr_assert_eq(n, 0);
  /* One byte short, after a good chunk. */
  static const uint8_t body2[] = {0x0b, 0, 0, 4, 0x07, 0, 0, 8, 0, 0, 0};
  len = mkpkt(p, body2, sizeof(body2));
  cr_assert_eq(iterate(p, len, c, 4, &n), CSCTP_ERR_MALFORMED);
  cr_assert_eq(n, 1);
}

Test(packet, trailing_garbage) {
  uint8_t p[64];
  csctp_chunk c[4];
  int n;
  /* 1..3 bytes after a complete, padded chunk cannot be a chunk header. */
  for (size_t extra = 1; extra <= 3; extra++) {
    uint8_t body[8 + 3] = {0x0b, 0, 0, 4, 0x0e, 0, 0, 4, 0xff, 0xff, 0xff};
    size_t len = mkpkt(p, body, 8 + extra);
    cr_assert_eq(iterate(p, len, c, 4, &n), CSCTP_ERR_MALFORMED, "extra %zu", extra);
    cr_assert_eq(n, 2);
  }
  /* Padding of 4 zero bytes (more than 3) reads as a chunk of length 0. */
  static const uint8_t body4[] = {0x0b, 0, 0, 4, 0, 0, 0, 0};
  size_t len = mkpkt(p, body4, sizeof(body4));
  cr_assert_eq(iterate(p, len, c, 4, &n), CSCTP_ERR_MALFORMED);
  cr_assert_eq(n, 1);
  /* Odd chunk with 3 pad bytes then 4 more zeros. */
  static const uint8_t body7[] = {0xaa, 0, 0, 5, 1, 0, 0, 0, 0, 0, 0, 0};
  len = mkpkt(p, body7, sizeof(body7));
  cr_assert_eq(iterate(p, len, c, 4, &n), CSCTP_ERR_MALFORMED);
  cr_assert_eq(n, 1);
}

Test(packet, no_chunks_and_short_iter) {
  uint8_t p[12] = {0};
  csctp_chunk c;
  csctp_chunk_iter it;
  csctp_chunk_iter_init(&it, p, 12);
  cr_assert_eq(csctp_chunk_next(&it, &c), 0);
  csctp_chunk_iter_init(&it, p, 5);
  cr_assert_eq(csctp_chunk_next(&it, &c), CSCTP_ERR_MALFORMED);
}

Test(packet, max_length_chunk) {
  static uint8_t p[12 + 65536];
  memset(p, 0, sizeof(p));
  p[12] = 0x00;
  p[14] = 0xff;
  p[15] = 0xff; /* 65535: 65531 value bytes + 1 pad */
  csctp_chunk c[2];
  int n;
  cr_assert_eq(iterate(p, sizeof(p), c, 2, &n), 0);
  cr_assert_eq(n, 1);
  cr_assert_eq(c[0].value_len, 65531);
  cr_assert_eq(iterate(p, sizeof(p) - 1, c, 2, &n), 0); /* pad missing */
  cr_assert_eq(iterate(p, sizeof(p) - 2, c, 2, &n), CSCTP_ERR_MALFORMED);
}

/* ---- TLVs ---- */

static int tlv_all(const uint8_t *b, size_t len, csctp_tlv *out, int *n) {
  csctp_rd r;
  csctp_rd_init(&r, b, len);
  *n = 0;
  int rc;
  while ((rc = csctp_tlv_next(&r, &out[*n])) == 1) (*n)++;
  return rc;
}

Test(tlv, padding_and_views) {
  /* Host Name "ab\0" (length 7, 1 pad), then Forward-TSN-Supported, then a
   * 5-byte parameter with no final pad. */
  static const uint8_t b[] = {0x00, 0x0b, 0x00, 0x07, 'a',  'b',  0,    0,   0xc0,
                              0x00, 0x00, 0x04, 0x80, 0x0a, 0x00, 0x05, 0x33};
  csctp_tlv t[4];
  int n;
  cr_assert_eq(tlv_all(b, sizeof(b), t, &n), 0);
  cr_assert_eq(n, 3);
  cr_assert_eq(t[0].type, 11);
  cr_assert_eq(t[0].length, 7);
  cr_assert_eq(t[0].value_len, 3);
  cr_assert_eq(t[0].value, b + 4);
  cr_assert_eq(t[0].raw, b);
  cr_assert_eq(t[1].type, 0xc000);
  cr_assert_eq(t[1].value_len, 0);
  cr_assert_eq(t[1].raw, b + 8);
  cr_assert_eq(t[2].type, 0x800a);
  cr_assert_eq(t[2].value_len, 1);
  cr_assert_eq(t[2].value[0], 0x33);
}

Test(tlv, malformed) {
  csctp_tlv t[4];
  int n;
  static const uint8_t short_len[] = {0x00, 0x05, 0x00, 0x03, 0, 0, 0, 0};
  cr_assert_eq(tlv_all(short_len, sizeof(short_len), t, &n), CSCTP_ERR_MALFORMED);
  static const uint8_t zero_len[] = {0x00, 0x05, 0x00, 0x00};
  cr_assert_eq(tlv_all(zero_len, sizeof(zero_len), t, &n), CSCTP_ERR_MALFORMED);
  static const uint8_t past[] = {0x00, 0x05, 0x00, 0x08, 1, 2, 3};
  cr_assert_eq(tlv_all(past, sizeof(past), t, &n), CSCTP_ERR_MALFORMED);
  static const uint8_t trail[] = {0xc0, 0x00, 0x00, 0x04, 0xc0, 0x00};
  cr_assert_eq(tlv_all(trail, sizeof(trail), t, &n), CSCTP_ERR_MALFORMED);
  cr_assert_eq(n, 1);
  cr_assert_eq(tlv_all(trail, 0, t, &n), 0);
  cr_assert_eq(n, 0);
}
