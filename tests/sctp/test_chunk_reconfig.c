/* SPDX-License-Identifier: MIT */
/*
 * src/chunk_reconfig.c at its limits (RFC 6525 §4.1, §4.2): an Outgoing SSN
 * Reset Request is 16 bytes + 2 per stream and an Incoming one 8 + 2 per
 * stream, under a 16-bit Parameter Length; a request whose list does not fit
 * must be refused, not written with a wrapped length. Only the six parameter
 * types of §4 can be written. A RE-CONFIG chunk holds one or two parameters
 * (§3.1). Round trips and malformed lengths are in test_reconfig.c.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <csctp/common.h>

#include "chunk.h"

#define BIG (70 * 1024)

Test(chunk_reconfig, longest_stream_list_and_one_more) {
  static uint16_t ids[40000];
  for (size_t i = 0; i < 40000; i++) ids[i] = (uint16_t)(i + 1);
  uint8_t *b = calloc(1, BIG);
  cr_assert_not_null(b);
  csctp_reconfig_param p = {.type = CSCTP_PARAM_OUT_SSN_RESET,
                            .seq = 5,
                            .resp_seq = 4,
                            .last_tsn = 99,
                            .n_streams = 32759};
  csctp_wr w;
  csctp_wr_init(&w, b, BIG);
  csctp_reconfig_param_write(&w, &p, ids);
  cr_assert(!w.overflow);
  cr_assert_eq(csctp_get_u16(b), CSCTP_PARAM_OUT_SSN_RESET);
  cr_assert_eq(csctp_get_u16(b + 2), 16 + 2 * 32759); /* 65534 */
  cr_assert_eq(csctp_get_u16(b + 16 + 2 * 32758), 32759);

  p.n_streams = 32760; /* 65536 */
  csctp_wr_init(&w, b, BIG);
  csctp_reconfig_param_write(&w, &p, ids);
  cr_assert(w.overflow);

  p.type = CSCTP_PARAM_IN_SSN_RESET;
  p.n_streams = 32764; /* 8 + 2 * 32764 = 65536 */
  csctp_wr_init(&w, b, BIG);
  csctp_reconfig_param_write(&w, &p, ids);
  cr_assert(w.overflow);
  free(b);
}

Test(chunk_reconfig, only_known_parameter_types_are_written) {
  uint8_t b[64];
  static const uint16_t unknown[] = {0, 1, 12, 19, 0x8000, 0xc00d, 0xffff};
  for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
    csctp_reconfig_param p = {.type = unknown[i], .seq = 1};
    csctp_wr w;
    csctp_wr_init(&w, b, sizeof(b));
    csctp_reconfig_param_write(&w, &p, NULL);
    cr_assert(w.overflow, "parameter type %u written", unknown[i]);
  }
}

/* §3.1: one or two parameters; none or three is malformed, whatever they are. */
Test(chunk_reconfig, chunk_with_zero_or_three_parameters_is_malformed) {
  /* Three SSN/TSN Reset Requests (type 15, length 8). */
  static const uint8_t v[24] = {0, 15, 0, 8, 0, 0,  0, 1, 0, 15, 0, 8,
                                0, 0,  0, 2, 0, 15, 0, 8, 0, 0,  0, 3};
  for (size_t n = 0; n <= 3; n++) {
    csctp_chunk ch = {.type = CSCTP_CHUNK_RECONFIG,
                      .length = (uint16_t)(4 + 8 * n),
                      .value = v,
                      .value_len = 8 * n};
    csctp_reconfig_chunk rc;
    int ok = n == 1 || n == 2;
    cr_assert_eq(csctp_reconfig_decode(&ch, &rc), ok ? 0 : CSCTP_ERR_MALFORMED, "%zu params", n);
    if (ok) {
      cr_assert_eq(rc.n_params, n);
      cr_assert_eq(rc.params[n - 1].seq, n);
    }
  }
}
