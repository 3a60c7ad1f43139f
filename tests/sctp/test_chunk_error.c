/* SPDX-License-Identifier: MIT */
/*
 * src/chunk_error.c at its limits: an error cause is a TLV whose Cause Length
 * is 16 bits (RFC 9260 §3.3.10), so a cause that would need more than 65535
 * bytes cannot be written at all. The writers must refuse it (overflow, which
 * the caller rolls back) rather than emit a truncated length that the peer
 * would parse as a different cause. The sizes at which each cause stops
 * fitting come from the RFC's layouts: Missing Mandatory Parameter is 8 + 2n
 * bytes (§3.3.10.2), Unrecognized Chunk Type is 4 + the chunk (§3.3.10.6),
 * Unrecognized Parameters is 4 + the padded parameters (§3.3.10.8).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <csctp/common.h>

#include "chunk.h"

#define BIG (70 * 1024)

static uint8_t *buf(void) {
  uint8_t *b = calloc(1, BIG);
  cr_assert_not_null(b);
  return b;
}

/* The one cause in b[0..len): its code and declared length, checked against what was written. */
static void one_cause(const uint8_t *b, size_t len, uint16_t code, size_t want_len) {
  cr_assert_eq(csctp_get_u16(b), code);
  cr_assert_eq(csctp_get_u16(b + 2), want_len, "cause length %u, expected %zu",
               csctp_get_u16(b + 2), want_len);
  cr_assert_eq(len, (want_len + 3) & ~(size_t)3, "written %zu bytes for a cause of %zu", len,
               want_len);
}

Test(chunk_error, missing_params_up_to_what_the_length_field_holds) {
  uint8_t *b = buf();
  uint16_t *types = calloc(40000, sizeof(*types));
  cr_assert_not_null(types);
  for (size_t i = 0; i < 40000; i++) types[i] = (uint16_t)(i + 1);
  csctp_wr w;
  /* 32763 types: 8 + 2 * 32763 = 65534 bytes, the largest that fits. */
  csctp_wr_init(&w, b, BIG);
  csctp_cause_write_missing_params(&w, types, 32763);
  cr_assert(!w.overflow);
  one_cause(b, w.len, CSCTP_CAUSE_MISSING_PARAM, 65534);
  cr_assert_eq(csctp_get_u32(b + 4), 32763); /* Number of missing params */
  cr_assert_eq(csctp_get_u16(b + 8), 1);
  cr_assert_eq(csctp_get_u16(b + 8 + 2 * 32762), 32763);
  /* One more would need 65536. */
  csctp_wr_init(&w, b, BIG);
  csctp_cause_write_missing_params(&w, types, 32764);
  cr_assert(w.overflow);
  csctp_wr_rollback(&w, 0);
  cr_assert_eq(w.len, 0);
  /* None missing: the count alone. */
  csctp_wr_init(&w, b, BIG);
  csctp_cause_write_missing_params(&w, types, 0);
  one_cause(b, w.len, CSCTP_CAUSE_MISSING_PARAM, 8);
  cr_assert_eq(csctp_get_u32(b + 4), 0);
  free(types);
  free(b);
}

Test(chunk_error, unrecognized_chunk_too_big_to_echo_is_refused) {
  uint8_t *b = buf();
  uint8_t *value = calloc(1, 65535);
  cr_assert_not_null(value);
  for (size_t i = 0; i < 65535; i++) value[i] = (uint8_t)(i * 7);
  csctp_wr w;
  /* A received chunk of length 65531 is echoed whole in a cause of 65535. */
  csctp_chunk ch = {
      .type = 0xbf, .flags = 0x5a, .length = 65531, .value = value, .value_len = 65527};
  csctp_wr_init(&w, b, BIG);
  csctp_cause_write_unrecognized_chunk(&w, &ch);
  cr_assert(!w.overflow);
  one_cause(b, w.len, CSCTP_CAUSE_UNRECOGNIZED_CHUNK, 65535);
  cr_assert_eq(b[4], 0xbf); /* the chunk as received, header included */
  cr_assert_eq(b[5], 0x5a);
  cr_assert_eq(csctp_get_u16(b + 6), 65531);
  cr_assert_eq(memcmp(b + 8, value, 65527), 0);
  cr_assert_eq(b[8 + 65527], 0); /* padding is zero */
  /* The largest chunks on the wire (length 65532..65535) cannot be echoed. */
  for (uint32_t len = 65532; len <= 65535; len++) {
    ch.length = (uint16_t)len;
    ch.value_len = len - 4;
    csctp_wr_init(&w, b, BIG);
    size_t off = csctp_error_write_begin(&w);
    csctp_cause_write_unrecognized_chunk(&w, &ch);
    cr_assert(w.overflow, "chunk of %u echoed in a 16-bit cause length", len);
    csctp_wr_tlv_end(&w, off);
    csctp_wr_rollback(&w, 0);
    cr_assert_eq(w.len, 0);
  }
  free(value);
  free(b);
}

Test(chunk_error, unrecognized_params_too_big_together_are_refused) {
  uint8_t *b = buf();
  uint8_t *raw = calloc(2, 32768);
  cr_assert_not_null(raw);
  /* Two parameters of 32762 bytes: each padded to 32764, 4 + 2 * 32764 = 65532 fits. */
  csctp_tlv t[2];
  for (int i = 0; i < 2; i++) {
    uint8_t *p = raw + i * 32768;
    csctp_put_u16(p, (uint16_t)(0xc100 + i));
    csctp_put_u16(p + 2, 32762);
    memset(p + 4, 0x11 * (i + 1), 32758);
    t[i] = (csctp_tlv){.type = (uint16_t)(0xc100 + i),
                       .length = 32762,
                       .value = p + 4,
                       .value_len = 32758,
                       .raw = p};
  }
  csctp_wr w;
  csctp_wr_init(&w, b, BIG);
  csctp_cause_write_unrecognized_params(&w, t, 2);
  cr_assert(!w.overflow);
  /* The last parameter's padding is not counted in the cause (§3.2). */
  one_cause(b, w.len, CSCTP_CAUSE_UNRECOGNIZED_PARAMS, 4 + 32764 + 32762);
  cr_assert_eq(csctp_get_u16(b + 4), 0xc100);
  cr_assert_eq(csctp_get_u16(b + 6), 32762);
  cr_assert_eq(b[4 + 32762], 0); /* padding between the two */
  cr_assert_eq(b[4 + 32763], 0);
  cr_assert_eq(csctp_get_u16(b + 4 + 32764), 0xc101);
  cr_assert_eq(b[4 + 32764 + 4], 0x22);
  /* Two of 32766 (padded 32768): 4 + 65536 does not fit. */
  for (int i = 0; i < 2; i++) {
    t[i].length = 32766;
    t[i].value_len = 32762;
  }
  csctp_wr_init(&w, b, BIG);
  csctp_cause_write_unrecognized_params(&w, t, 2);
  cr_assert(w.overflow);
  /* Zero parameters: an empty cause. */
  csctp_wr_init(&w, b, BIG);
  csctp_cause_write_unrecognized_params(&w, t, 0);
  cr_assert(!w.overflow);
  one_cause(b, w.len, CSCTP_CAUSE_UNRECOGNIZED_PARAMS, 4);
  free(raw);
  free(b);
}

Test(chunk_error, text_cause_without_text_is_empty) {
  uint8_t b[16];
  csctp_wr w;
  csctp_wr_init(&w, b, sizeof(b));
  csctp_cause_write_text(&w, CSCTP_CAUSE_USER_ABORT, NULL);
  cr_assert(!w.overflow);
  one_cause(b, w.len, CSCTP_CAUSE_USER_ABORT, 4);
}

/* csctp_cause_first on hostile ERROR chunks: it names the first well-formed cause or 0. */
Test(chunk_error, cause_first_of_hostile_chunks) {
  static const struct {
    uint8_t v[12];
    size_t len;
    uint16_t want;
  } cases[] = {
      {{0}, 0, 0},                                                   /* no cause */
      {{0x00, 0x01}, 2, 0},                                          /* half a header */
      {{0x00, 0x0d, 0x00, 0x02}, 4, 0},                              /* length below 4 */
      {{0x00, 0x0d, 0x00, 0x09, 'a', 'b'}, 6, 0},                    /* length past the chunk */
      {{0x00, 0x0d, 0x00, 0x04}, 4, CSCTP_CAUSE_PROTOCOL_VIOLATION}, /* empty body is fine */
      {{0xff, 0xff, 0x00, 0x05, 1}, 5, 0xffff}, /* unknown codes are still named */
      {{0x00, 0x09, 0x00, 0x08, 0, 0, 0, 1, 0x00, 0x01, 0x00, 0x01}, 12, 9}, /* bad 2nd cause */
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    csctp_chunk ch = {.type = CSCTP_CHUNK_ERROR,
                      .length = (uint16_t)(4 + cases[i].len),
                      .value = cases[i].v,
                      .value_len = cases[i].len};
    cr_assert_eq(csctp_cause_first(&ch), cases[i].want, "case %zu", i);
  }
}
