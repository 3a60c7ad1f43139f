/* SPDX-License-Identifier: MIT */
/*
 * src/chunk_simple.c: COOKIE ECHO carries the State Cookie as its whole value
 * (RFC 9260 §3.3.11), so a cookie of more than 65531 bytes cannot be echoed;
 * SHUTDOWN's Length is 8 exactly (§3.3.8). Ordinary encodings are in
 * test_chunk.c.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <csctp/common.h>

#include "chunk.h"

#define BIG (70 * 1024)

Test(chunk_simple, largest_cookie_echo_and_one_byte_more) {
  uint8_t *cookie = malloc(65532);
  uint8_t *b = calloc(1, BIG);
  cr_assert(cookie && b);
  for (size_t i = 0; i < 65532; i++) cookie[i] = (uint8_t)(i * 13);
  csctp_wr w;
  csctp_wr_init(&w, b, BIG);
  csctp_cookie_echo_write(&w, cookie, 65531);
  cr_assert(!w.overflow);
  cr_assert_eq(b[0], CSCTP_CHUNK_COOKIE_ECHO);
  cr_assert_eq(csctp_get_u16(b + 2), 65535);
  cr_assert_eq(memcmp(b + 4, cookie, 65531), 0);
  cr_assert_eq(w.len, 65536); /* padded to 4 */

  csctp_wr_init(&w, b, BIG);
  csctp_cookie_echo_write(&w, cookie, 65532);
  cr_assert(w.overflow);
  free(cookie);
  free(b);
}

Test(chunk_simple, shutdown_of_any_other_length_is_malformed) {
  static const uint8_t v[8] = {0x12, 0x34, 0x56, 0x78, 9, 9, 9, 9};
  for (size_t len = 0; len <= sizeof(v); len++) {
    csctp_chunk ch = {
        .type = CSCTP_CHUNK_SHUTDOWN, .length = (uint16_t)(4 + len), .value = v, .value_len = len};
    uint32_t cum = 0;
    int rc = csctp_shutdown_decode(&ch, &cum);
    cr_assert_eq(rc, len == 4 ? 0 : CSCTP_ERR_MALFORMED, "%zu bytes", len);
    if (len == 4) cr_assert_eq(cum, 0x12345678u);
  }
}
