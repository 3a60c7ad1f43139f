/* SPDX-License-Identifier: MIT */
/*
 * src/chunk_heartbeat.c (RFC 9260 §3.3.5, §3.3.6): HEARTBEAT and HEARTBEAT
 * ACK carry one Heartbeat Info TLV under a 16-bit Chunk Length, after the
 * chunk header (4) and the parameter header (4). The ACK echoes the info as
 * received; hostile HEARTBEATs must not be read past their end.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <csctp/common.h>

#include "chunk.h"

#define BIG (70 * 1024)

/*
 * Around the limit, every HEARTBEAT is either refused or written with a Chunk
 * Length that holds the whole Heartbeat Info: 8 + n, or 8 + n rounded up to
 * 4 when the parameter's padding is counted (both are allowed, §3.2). It is
 * never written with a Length that wrapped past 65535. The writer counts the
 * padding, so the largest info it can send is 65524 bytes.
 */
Test(chunk_heartbeat, info_near_the_length_limit_is_whole_or_refused) {
  uint8_t *info = malloc(65536);
  uint8_t *b = calloc(1, BIG);
  cr_assert(info && b);
  for (size_t i = 0; i < 65536; i++) info[i] = (uint8_t)(i ^ (i >> 8));
  for (size_t n = 65516; n <= 65536; n++) {
    csctp_wr w;
    csctp_wr_init(&w, b, BIG);
    csctp_heartbeat_write(&w, CSCTP_CHUNK_HEARTBEAT_ACK, info, n);
    if (n <= 65524) cr_assert(!w.overflow, "info of %zu bytes refused", n);
    if (w.overflow) continue;
    size_t len = csctp_get_u16(b + 2);
    cr_assert(len == 8 + n || len == ((8 + n + 3) & ~(size_t)3),
              "info of %zu bytes in a chunk of Length %zu", n, len);
    cr_assert_eq(csctp_get_u16(b + 6), 4 + n);
    csctp_chunk ch = {.type = b[0], .length = (uint16_t)len, .value = b + 4, .value_len = len - 4};
    const uint8_t *got;
    size_t got_n;
    cr_assert_eq(csctp_heartbeat_decode(&ch, &got, &got_n), 0);
    cr_assert_eq(got_n, n);
    cr_assert_eq(memcmp(got, info, n), 0);
  }
  free(info);
  free(b);
}

/* Every truncation of a valid HEARTBEAT: the info is found only when it is whole. */
Test(chunk_heartbeat, truncated_heartbeats_are_malformed) {
  static const uint8_t v[12] = {0x00, 0x01, 0x00, 0x0b, 'p', 'a', 't', 'h', '-', '1', '!', 0};
  for (size_t len = 0; len <= sizeof(v); len++) {
    csctp_chunk ch = {
        .type = CSCTP_CHUNK_HEARTBEAT, .length = (uint16_t)(4 + len), .value = v, .value_len = len};
    const uint8_t *info = NULL;
    size_t n = 0;
    int rc = csctp_heartbeat_decode(&ch, &info, &n);
    if (len < 11) {
      cr_assert_eq(rc, CSCTP_ERR_MALFORMED, "%zu bytes", len);
    } else {
      cr_assert_eq(rc, 0, "%zu bytes", len);
      cr_assert_eq(n, 7);
      cr_assert_eq(memcmp(info, "path-1!", 7), 0);
    }
  }
}
