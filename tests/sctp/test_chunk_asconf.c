/* SPDX-License-Identifier: MIT */
/*
 * src/chunk_asconf.c: ASCONF and ASCONF-ACK (RFC 5061 §4.1) decoded from hand-built bytes laid
 * out as the RFC draws them (not made by our writer), every parameter of §4.2/§4.3, and each
 * wrong length refused; then our writer's bytes compared with the same hand-built ones.
 */
#include <criterion/criterion.h>
#include <string.h>

#include <csctp/common.h>

#include "chunk.h"
#include "chunk_asconf.h"

static csctp_chunk chunk_at(const uint8_t *b, size_t len) {
  csctp_chunk ch = {b[0], b[1], csctp_get_u16(b + 2), b + 4, len - 4};
  return ch;
}

/* ASCONF serial 0x01020304, address 10.0.0.1, then Add IP 10.0.0.2 (corr 7), Delete IP
 * 2001:db8::5 (corr 8), Set Primary 10.0.0.2 (corr 9), Adaptation Layer Indication, and an
 * unknown parameter 0x4321 (action bits 01) of 4 bytes. */
static const uint8_t asconf_bytes[] = {
    0xc1, 0x00, 0x00, 0x58,                               /* ASCONF, length 88 */
    0x01, 0x02, 0x03, 0x04,                               /* serial */
    0x00, 0x05, 0x00, 0x08, 10,   0,    0,    1,          /* IPv4 10.0.0.1 */
    0xc0, 0x01, 0x00, 0x10, 0x00, 0x00, 0x00, 0x07,       /* Add IP, corr 7 */
    0x00, 0x05, 0x00, 0x08, 10,   0,    0,    2,          /*   10.0.0.2 */
    0xc0, 0x02, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x08,       /* Delete IP, corr 8 */
    0x00, 0x06, 0x00, 0x14, 0x20, 0x01, 0x0d, 0xb8, 0, 0, /*   2001:db8::5 */
    0,    0,    0,    0,    0,    0,    0,    0,    0, 5, /* */
    0xc0, 0x04, 0x00, 0x10, 0x00, 0x00, 0x00, 0x09,       /* Set Primary, corr 9 */
    0x00, 0x05, 0x00, 0x08, 10,   0,    0,    2,          /*   10.0.0.2 */
    0xc0, 0x06, 0x00, 0x08, 0xaa, 0xbb, 0xcc, 0xdd,       /* Adaptation Layer Indication */
    0x43, 0x21, 0x00, 0x04,                               /* unknown, empty */
};

Test(chunk_asconf, asconf_from_hand_built_bytes) {
  cr_assert_eq(sizeof asconf_bytes, 88);
  csctp_chunk ch = chunk_at(asconf_bytes, sizeof asconf_bytes);
  csctp_asconf_chunk c;
  cr_assert_eq(csctp_asconf_decode(&ch, &c), 0);
  cr_assert_eq(c.serial, 0x01020304u);
  cr_assert(c.has_addr);
  cr_assert_eq(c.addr.fam, 4);
  cr_assert_arr_eq(c.addr.ip, ((uint8_t[]){10, 0, 0, 1}), 4);
  cr_assert_eq(c.n_params, 5);

  csctp_rd r;
  csctp_asconf_params(&c, &r);
  csctp_asconf_param p;
  cr_assert_eq(csctp_asconf_param_next(&r, &p), 1);
  cr_assert_eq(p.type, CSCTP_ASCONF_ADD_IP);
  cr_assert_eq(p.corr_id, 7);
  cr_assert_eq(p.addr.fam, 4);
  cr_assert_arr_eq(p.addr.ip, ((uint8_t[]){10, 0, 0, 2}), 4);
  cr_assert_eq(p.raw.raw, asconf_bytes + 16);
  cr_assert_eq(p.raw.length, 16);

  cr_assert_eq(csctp_asconf_param_next(&r, &p), 1);
  cr_assert_eq(p.type, CSCTP_ASCONF_DEL_IP);
  cr_assert_eq(p.corr_id, 8);
  cr_assert_eq(p.addr.fam, 6);
  cr_assert_eq(p.addr.ip[0], 0x20);
  cr_assert_eq(p.addr.ip[15], 5);

  cr_assert_eq(csctp_asconf_param_next(&r, &p), 1);
  cr_assert_eq(p.type, CSCTP_ASCONF_SET_PRIMARY);
  cr_assert_eq(p.corr_id, 9);
  cr_assert_eq(p.addr.fam, 4);

  cr_assert_eq(csctp_asconf_param_next(&r, &p), 1);
  cr_assert_eq(p.type, CSCTP_ASCONF_ADAPTATION);
  cr_assert_eq(p.corr_id, 0xaabbccddu);

  cr_assert_eq(csctp_asconf_param_next(&r, &p), 1);
  cr_assert_eq(p.type, 0x4321);
  cr_assert_eq(p.raw.length, 4);
  cr_assert_eq(csctp_asconf_param_next(&r, &p), 0);
}

/* ASCONF-ACK serial 5: Success for corr 7, Error Cause Indication for corr 8 carrying
 * "Request to Delete Source IP Address" whose body is the Delete IP request. */
static const uint8_t ack_bytes[] = {
    0x80, 0x00, 0x00, 0x2c,                         /* ASCONF-ACK, length 44 */
    0x00, 0x00, 0x00, 0x05,                         /* serial */
    0xc0, 0x05, 0x00, 0x08, 0x00, 0x00, 0x00, 0x07, /* Success Indication, corr 7 */
    0xc0, 0x03, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x08, /* Error Cause Indication, corr 8 */
    0x00, 0xa2, 0x00, 0x14,                         /*   cause 0xa2, length 20 */
    0xc0, 0x02, 0x00, 0x10, 0x00, 0x00, 0x00, 0x08, /*   Delete IP, corr 8 */
    0x00, 0x05, 0x00, 0x08, 192,  0,    2,    1,    /*   192.0.2.1 */
};

Test(chunk_asconf, asconf_ack_from_hand_built_bytes) {
  csctp_chunk ch = chunk_at(ack_bytes, sizeof ack_bytes);
  csctp_asconf_chunk c;
  cr_assert_eq(csctp_asconf_decode(&ch, &c), 0);
  cr_assert_eq(c.serial, 5);
  cr_assert_not(c.has_addr);
  cr_assert_eq(c.n_params, 2);
  csctp_rd r;
  csctp_asconf_params(&c, &r);
  csctp_asconf_param p;
  cr_assert_eq(csctp_asconf_param_next(&r, &p), 1);
  cr_assert_eq(p.type, CSCTP_ASCONF_SUCCESS_IND);
  cr_assert_eq(p.corr_id, 7);
  cr_assert_eq(csctp_asconf_param_next(&r, &p), 1);
  cr_assert_eq(p.type, CSCTP_ASCONF_ERROR_IND);
  cr_assert_eq(p.corr_id, 8);
  cr_assert_eq(p.causes_len, 20);
  cr_assert_eq(csctp_get_u16(p.causes), CSCTP_CAUSE_DEL_SOURCE_ADDR);
  cr_assert_eq(csctp_asconf_param_next(&r, &p), 0);
}

Test(chunk_asconf, writer_matches_hand_built_bytes) {
  uint8_t b[128];
  csctp_wr w;
  csctp_wr_init(&w, b, sizeof b);
  size_t off = csctp_asconf_ack_write_begin(&w, 5);
  csctp_asconf_success_write(&w, 7);
  csctp_asconf_error_write(&w, 8, CSCTP_CAUSE_DEL_SOURCE_ADDR, ack_bytes + 28, 16);
  csctp_wr_tlv_end(&w, off);
  cr_assert_not(w.overflow);
  cr_assert_eq(w.len, sizeof ack_bytes);
  cr_assert_arr_eq(b, ack_bytes, sizeof ack_bytes);

  /* The first 76 bytes of asconf_bytes: header, address, Add, Delete, Set Primary. */
  static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 5};
  csctp_wr_init(&w, b, sizeof b);
  off = csctp_asconf_write_begin(&w, 0x01020304u, 4, (const uint8_t[]){10, 0, 0, 1});
  csctp_asconf_request_write(&w, CSCTP_ASCONF_ADD_IP, 7, 4, (const uint8_t[]){10, 0, 0, 2});
  csctp_asconf_request_write(&w, CSCTP_ASCONF_DEL_IP, 8, 6, v6);
  csctp_asconf_request_write(&w, CSCTP_ASCONF_SET_PRIMARY, 9, 4, (const uint8_t[]){10, 0, 0, 2});
  csctp_wr_tlv_end(&w, off);
  cr_assert_not(w.overflow);
  cr_assert_eq(w.len, 76);
  cr_assert_eq(csctp_get_u16(b + 2), 76);
  cr_assert_arr_eq(b + 4, asconf_bytes + 4, 72);
}

Test(chunk_asconf, writer_refuses_what_it_cannot_frame) {
  uint8_t b[64];
  csctp_wr w;
  csctp_wr_init(&w, b, sizeof b);
  csctp_asconf_request_write(&w, CSCTP_ASCONF_SUCCESS_IND, 1, 4, (const uint8_t[]){1, 2, 3, 4});
  cr_assert(w.overflow, "a response type written as a request");
  csctp_wr_init(&w, b, sizeof b);
  csctp_asconf_request_write(&w, CSCTP_ASCONF_ADD_IP, 1, 5, (const uint8_t[]){1, 2, 3, 4});
  cr_assert(w.overflow, "an address family other than 4 or 6");
  csctp_wr_init(&w, b, 15); /* Add IP with an IPv4 address is 16 bytes */
  csctp_asconf_request_write(&w, CSCTP_ASCONF_ADD_IP, 1, 4, (const uint8_t[]){1, 2, 3, 4});
  cr_assert(w.overflow);
}

/* Decodes a copy of `src` with byte `at` set to `v` (and the chunk length kept). */
static int decode_patched(const uint8_t *src, size_t n, size_t at, uint8_t v) {
  uint8_t b[128];
  memcpy(b, src, n);
  b[at] = v;
  csctp_chunk ch = chunk_at(b, n);
  csctp_asconf_chunk c;
  return csctp_asconf_decode(&ch, &c);
}

Test(chunk_asconf, wrong_lengths_are_malformed) {
  size_t n = sizeof asconf_bytes;
  /* The chunk's own Address Parameter: IPv4 of 12 bytes, or absent (a request first). */
  cr_assert_eq(decode_patched(asconf_bytes, n, 11, 12), CSCTP_ERR_MALFORMED);
  cr_assert_eq(decode_patched(asconf_bytes, n, 9, 0x0b), CSCTP_ERR_MALFORMED); /* host name */
  /* Add IP longer than its address parameter; and an IPv4 address of 7 bytes inside. */
  cr_assert_eq(decode_patched(asconf_bytes, n, 19, 0x14), CSCTP_ERR_MALFORMED);
  cr_assert_eq(decode_patched(asconf_bytes, n, 27, 7), CSCTP_ERR_MALFORMED);
  /* Delete IP's address claims IPv4 while 20 bytes long. */
  cr_assert_eq(decode_patched(asconf_bytes, n, 41, 5), CSCTP_ERR_MALFORMED);
  /* Adaptation Layer Indication of 12 bytes runs into the next parameter. */
  cr_assert_eq(decode_patched(asconf_bytes, n, 79, 12), CSCTP_ERR_MALFORMED);
  /* A parameter length below 4. */
  cr_assert_eq(decode_patched(asconf_bytes, n, 87, 2), CSCTP_ERR_MALFORMED);
  /* Error Cause Indication whose cause runs past it; a Success Indication of 12 bytes. */
  cr_assert_eq(decode_patched(ack_bytes, sizeof ack_bytes, 27, 0x18), CSCTP_ERR_MALFORMED);
  cr_assert_eq(decode_patched(ack_bytes, sizeof ack_bytes, 11, 12), CSCTP_ERR_MALFORMED);
  /* A chunk of another type; a value shorter than the serial. */
  cr_assert_eq(decode_patched(ack_bytes, sizeof ack_bytes, 0, 0x81), CSCTP_ERR_MALFORMED);
  const uint8_t shortc[] = {0x80, 0, 0, 7, 0, 0, 0};
  csctp_chunk ch = chunk_at(shortc, sizeof shortc);
  csctp_asconf_chunk c;
  cr_assert_eq(csctp_asconf_decode(&ch, &c), CSCTP_ERR_MALFORMED);
  /* An ASCONF with a serial and no address at all. */
  const uint8_t noaddr[] = {0xc1, 0, 0, 8, 0, 0, 0, 1};
  ch = chunk_at(noaddr, sizeof noaddr);
  cr_assert_eq(csctp_asconf_decode(&ch, &c), CSCTP_ERR_MALFORMED);
  /* An ASCONF-ACK with no response is fine (§4.1.2: zero or more). */
  const uint8_t empty_ack[] = {0x80, 0, 0, 8, 0, 0, 0, 1};
  ch = chunk_at(empty_ack, sizeof empty_ack);
  cr_assert_eq(csctp_asconf_decode(&ch, &c), 0);
  cr_assert_eq(c.n_params, 0);
}

Test(chunk_asconf, unresolvable_address_kind_is_kept_not_refused) {
  /* Add IP whose address is a Host Name parameter (type 11): fam 0, raw kept. */
  const uint8_t b[] = {0xc1, 0, 0, 32, 0, 0, 0, 1, 0, 5,  0, 8, 1,   2,   3,   4,
                       0xc0, 1, 0, 16, 0, 0, 0, 3, 0, 11, 0, 8, 'a', 'b', 'c', 0};
  csctp_chunk ch = chunk_at(b, sizeof b);
  csctp_asconf_chunk c;
  cr_assert_eq(csctp_asconf_decode(&ch, &c), 0);
  csctp_rd r;
  csctp_asconf_params(&c, &r);
  csctp_asconf_param p;
  cr_assert_eq(csctp_asconf_param_next(&r, &p), 1);
  cr_assert_eq(p.addr.fam, 0);
  cr_assert_null(p.addr.ip);
  cr_assert_eq(p.addr.raw.type, 11);
}

Test(chunk_asconf, parameter_count_is_bounded) {
  /* CSCTP_ASCONF_MAX_PARAMS Success Indications pass, one more is malformed. */
  uint8_t b[8 + 8 * (CSCTP_ASCONF_MAX_PARAMS + 1)];
  for (size_t extra = 0; extra <= 1; extra++) {
    size_t n = CSCTP_ASCONF_MAX_PARAMS + extra;
    size_t len = 8 + 8 * n;
    memset(b, 0, sizeof b);
    b[0] = 0x80;
    csctp_put_u16(b + 2, (uint16_t)len);
    for (size_t i = 0; i < n; i++) {
      csctp_put_u16(b + 8 + 8 * i, CSCTP_ASCONF_SUCCESS_IND);
      csctp_put_u16(b + 10 + 8 * i, 8);
      csctp_put_u32(b + 12 + 8 * i, (uint32_t)i);
    }
    csctp_chunk ch = chunk_at(b, len);
    csctp_asconf_chunk c;
    cr_assert_eq(csctp_asconf_decode(&ch, &c), extra ? CSCTP_ERR_MALFORMED : 0, "%zu params", n);
  }
}
