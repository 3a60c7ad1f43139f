/* SPDX-License-Identifier: MIT */
/* Tests for interleaved reassembly of I-DATA (src/ireasm.c, RFC 8260 §2). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "failing_mem.h"
#include "ireasm.h"
#include "mem.h"
#include "packet.h"
#include "prng.h"
#include "reasm_pool.h"

#define B CSCTP_DATA_FLAG_B
#define E CSCTP_DATA_FLAG_E
#define U CSCTP_DATA_FLAG_U

static failing_mem cnt;
static csctp_ireasm rr;
static uint32_t next_tsn;

static csctp_ireasm *new_ir(uint32_t max) {
  failing_mem_init(&cnt, 0);
  next_tsn = 1;
  cr_assert_eq(csctp_ireasm_init(&rr, &cnt.mem, max), 0);
  cr_assert_eq(cnt.calls, 0, "init allocates nothing");
  return &rr;
}

static void del_ir(csctp_ireasm *r) {
  csctp_ireasm_free(r);
  cr_assert_eq(cnt.live, 0, "leaked %ld blocks", cnt.live);
}

static int frag(csctp_ireasm *r, uint8_t flags, uint16_t stream, uint32_t mid, uint32_t fsn,
                const void *data, size_t len) {
  csctp_idata_chunk d = {flags, next_tsn++, stream, mid, 0, 0, data, len};
  if (flags & B)
    d.ppid = 0x1000u + stream;
  else
    d.fsn = fsn;
  return csctp_ireasm_add(r, &d);
}

static void expect_msg(csctp_ireasm *r, uint16_t stream, uint32_t mid, int unordered,
                       const void *data, size_t len) {
  csctp_rx_msg m;
  cr_assert_eq(csctp_ireasm_pop(r, &m), 1, "no message for stream %u mid %u", stream, mid);
  cr_assert_eq(m.stream, stream, "stream %u, expected %u", m.stream, stream);
  cr_assert_eq(m.mid, mid, "mid %u, expected %u", m.mid, mid);
  cr_assert_eq(m.ssn, (uint16_t)mid);
  cr_assert_eq(m.unordered, unordered);
  cr_assert_eq(m.flags, 0u);
  cr_assert_eq(m.ppid, 0x1000u + stream);
  cr_assert_eq(m.len, len, "len %zu, expected %zu", m.len, len);
  cr_assert_arr_eq(m.data, data, len);
}

static void expect_none(csctp_ireasm *r) {
  csctp_rx_msg m;
  cr_assert(!csctp_ireasm_has_ready(r));
  cr_assert_eq(csctp_ireasm_pop(r, &m), 0);
}

/* Byte k of message (stream, u, mid). */
static uint8_t pat(uint16_t stream, int u, uint32_t mid, size_t k) {
  return (uint8_t)(stream * 7u + (unsigned)u * 101u + mid * 13u + k * 31u + (k >> 8));
}

static void fill(uint8_t *p, uint16_t stream, int u, uint32_t mid, size_t len) {
  for (size_t k = 0; k < len; k++) p[k] = pat(stream, u, mid, k);
}

/* Adds `n` fragments of `per` bytes of message (stream, u, mid), in FSN order or reversed. */
static void add_msg(csctp_ireasm *r, uint16_t stream, int u, uint32_t mid, uint32_t n, size_t per,
                    int reversed) {
  uint8_t buf[4096];
  cr_assert(n * per <= sizeof(buf));
  fill(buf, stream, u, mid, n * per);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t fsn = reversed ? n - 1 - i : i;
    uint8_t fl = (uint8_t)((fsn == 0 ? B : 0) | (fsn == n - 1 ? E : 0) | (u ? U : 0));
    int rc = frag(r, fl, stream, mid, fsn, buf + fsn * per, per);
    cr_assert_eq(rc, 0, "fsn %u: %d", fsn, rc);
  }
}

static void expect_pat(csctp_ireasm *r, uint16_t stream, int u, uint32_t mid, size_t len) {
  uint8_t buf[4096];
  fill(buf, stream, u, mid, len);
  expect_msg(r, stream, mid, u, buf, len);
}

Test(ireasm, single_fragment_direct) {
  csctp_ireasm *r = new_ir(65536);
  char msg[] = "hello";
  cr_assert_eq(csctp_ireasm_held(r), 0u);
  cr_assert_eq(frag(r, B | E, 3, 0, 0, msg, 5), 0);
  msg[0] = 'X'; /* copied */
  cr_assert_eq(csctp_ireasm_bytes(r), 5u);
  cr_assert_gt(csctp_ireasm_held(r), 5u);
  size_t peak;
  cr_assert_eq(csctp_ireasm_open_msgs(r, &peak), 0u);
  cr_assert_eq(peak, 0u, "a single-fragment message takes no header");
  expect_msg(r, 3, 0, 0, "hello", 5);
  cr_assert_eq(csctp_ireasm_bytes(r), 5u); /* popped, not released */
  csctp_ireasm_release(r);
  cr_assert_eq(csctp_ireasm_bytes(r), 0u);
  cr_assert_eq(csctp_ireasm_held(r), 0u);
  /* Unordered ones, any MID, and the next ordered one. */
  cr_assert_eq(frag(r, U | B | E, 3, 77, 0, "u", 1), 0);
  cr_assert_eq(frag(r, B | E, 3, 1, 0, "o", 1), 0);
  expect_msg(r, 3, 77, 1, "u", 1);
  expect_msg(r, 3, 1, 0, "o", 1);
  expect_none(r);
  cr_assert_eq(csctp_ireasm_bytes(r), 0u); /* pop released the previous one */
  del_ir(r);
}

Test(ireasm, in_order_and_reversed) {
  csctp_ireasm *r = new_ir(65536);
  add_msg(r, 1, 0, 0, 10, 100, 0);
  expect_pat(r, 1, 0, 0, 1000);
  add_msg(r, 1, 0, 1, 10, 100, 1);
  expect_pat(r, 1, 0, 1, 1000);
  add_msg(r, 1, 1, 0, 7, 300, 1);
  expect_pat(r, 1, 1, 0, 2100);
  expect_none(r);
  cr_assert_eq(csctp_ireasm_bytes(r), 0u);
  cr_assert_eq(csctp_ireasm_held(r), 0u);
  csctp_reasm_stats st;
  csctp_ireasm_get_stats(r, &st);
  cr_assert_eq(st.fragments, 0u);
  cr_assert_eq(csctp_ireasm_open_msgs(r, NULL), 0u);
  del_ir(r);
}

Test(ireasm, incomplete_until_every_fsn) {
  csctp_ireasm *r = new_ir(65536);
  cr_assert_eq(frag(r, B, 0, 0, 0, "ab", 2), 0);
  cr_assert_eq(frag(r, E, 0, 0, 3, "gh", 2), 0);
  cr_assert_eq(frag(r, 0, 0, 0, 1, "cd", 2), 0);
  expect_none(r);
  cr_assert_eq(csctp_ireasm_open_msgs(r, NULL), 1u);
  cr_assert_eq(frag(r, 0, 0, 0, 2, "ef", 2), 0);
  expect_msg(r, 0, 0, 0, "abcdefgh", 8);
  /* B last: every other fragment waits loose. */
  cr_assert_eq(frag(r, E, 0, 1, 2, "5", 1), 0);
  cr_assert_eq(frag(r, 0, 0, 1, 1, "4", 1), 0);
  expect_none(r);
  cr_assert_eq(frag(r, B, 0, 1, 0, "3", 1), 0);
  expect_msg(r, 0, 1, 0, "345", 3);
  del_ir(r);
}

/* Two streams: a large message on one, small ones on the other between its fragments. */
Test(ireasm, two_streams_interleaved) {
  csctp_ireasm *r = new_ir(1 << 20);
  uint8_t big[2000];
  fill(big, 1, 0, 0, sizeof(big));
  for (uint32_t i = 0; i < 20; i++) {
    uint8_t fl = (uint8_t)((i == 0 ? B : 0) | (i == 19 ? E : 0));
    cr_assert_eq(frag(r, fl, 1, 0, i, big + i * 100, 100), 0);
    char c = (char)('a' + i);
    cr_assert_eq(frag(r, B | E, 2, i, 0, &c, 1), 0);
    if (i == 19) expect_msg(r, 1, 0, 0, big, sizeof(big)); /* completed first */
    expect_msg(r, 2, i, 0, &c, 1); /* no head-of-line blocking behind stream 1 */
    expect_none(r);
  }
  del_ir(r);
}

Test(ireasm, many_streams_round_robin) {
  csctp_ireasm *r = new_ir(65536);
  for (uint32_t mid = 0; mid < 3; mid++)
    for (uint16_t s = 10; s < 14; s++) add_msg(r, s, 0, mid, 2, 5, mid & 1);
  /* Ready streams take turns: one message each per round. */
  for (uint32_t mid = 0; mid < 3; mid++)
    for (uint16_t s = 10; s < 14; s++) expect_pat(r, s, 0, mid, 10);
  expect_none(r);
  del_ir(r);
}

Test(ireasm, ordered_by_mid_with_holes) {
  csctp_ireasm *r = new_ir(65536);
  add_msg(r, 4, 0, 2, 3, 10, 0);
  cr_assert_eq(frag(r, B | E, 4, 3, 0, "3", 1), 0); /* ahead: waits with a header */
  add_msg(r, 4, 0, 1, 2, 10, 1);
  expect_none(r);
  cr_assert_eq(frag(r, B, 4, 0, 0, "x", 1), 0);
  expect_none(r);
  cr_assert_eq(frag(r, E, 4, 0, 1, "y", 1), 0);
  expect_msg(r, 4, 0, 0, "xy", 2);
  expect_pat(r, 4, 0, 1, 20);
  expect_pat(r, 4, 0, 2, 30);
  expect_msg(r, 4, 3, 0, "3", 1);
  expect_none(r);
  cr_assert_eq(frag(r, B | E, 4, 4, 0, "4", 1), 0);
  expect_msg(r, 4, 4, 0, "4", 1);
  del_ir(r);
}

Test(ireasm, unordered_out_of_order) {
  csctp_ireasm *r = new_ir(65536);
  cr_assert_eq(frag(r, B, 5, 0, 0, "or", 2), 0); /* ordered MID 0, incomplete */
  cr_assert_eq(frag(r, B | E, 5, 1, 0, "s1", 2), 0);
  cr_assert_eq(frag(r, U | E, 5, 9, 2, "z", 1), 0);
  cr_assert_eq(frag(r, U | B, 5, 9, 0, "x", 1), 0);
  cr_assert_eq(frag(r, U | B | E, 5, 4, 0, "w", 1), 0);
  expect_msg(r, 5, 4, 1, "w", 1);
  expect_none(r);
  cr_assert_eq(frag(r, U, 5, 9, 1, "y", 1), 0);
  expect_msg(r, 5, 9, 1, "xyz", 3);
  /* Unordered MID 0 and ordered MID 0 are different messages (§2.1: separate counters). */
  cr_assert_eq(frag(r, U | B, 5, 0, 0, "U0", 2), 0);
  cr_assert_eq(frag(r, E, 5, 0, 1, "d", 1), 0);
  expect_msg(r, 5, 0, 0, "ord", 3);
  expect_msg(r, 5, 1, 0, "s1", 2);
  expect_none(r);
  cr_assert_eq(frag(r, U | E, 5, 0, 1, "!", 1), 0);
  expect_msg(r, 5, 0, 1, "U0!", 3);
  del_ir(r);
}

/* Every contradiction is refused and changes nothing. */
Test(ireasm, malformed) {
  csctp_ireasm *r = new_ir(65536);
  cr_assert_eq(frag(r, B, 1, 0, 0, "a", 1), 0);
  cr_assert_eq(frag(r, 0, 1, 0, 1, "b", 1), 0);
  cr_assert_eq(frag(r, 0, 1, 0, 4, "e", 1), 0);
  size_t bytes = csctp_ireasm_bytes(r), held = csctp_ireasm_held(r);
  cr_assert_eq(frag(r, 0, 1, 0, 1, "B", 1), CSCTP_ERR_MALFORMED, "FSN twice (prefix)");
  cr_assert_eq(frag(r, 0, 1, 0, 4, "E", 1), CSCTP_ERR_MALFORMED, "FSN twice (loose)");
  cr_assert_eq(frag(r, B, 1, 0, 0, "A", 1), CSCTP_ERR_MALFORMED, "a second B");
  cr_assert_eq(frag(r, 0, 1, 0, 0, "0", 1), CSCTP_ERR_MALFORMED, "FSN 0 without B");
  cr_assert_eq(frag(r, E, 1, 0, 3, "E", 1), CSCTP_ERR_MALFORMED, "E below FSN 4");
  cr_assert_eq(frag(r, E, 1, 0, 6, "f", 1), 0);
  bytes++;
  cr_assert_eq(frag(r, E, 1, 0, 7, "g", 1), CSCTP_ERR_MALFORMED, "a second E");
  cr_assert_eq(frag(r, 0, 1, 0, 8, "h", 1), CSCTP_ERR_MALFORMED, "FSN beyond the E");
  cr_assert_eq(frag(r, 0, 1, 0, 6, "h", 1), CSCTP_ERR_MALFORMED, "the E's FSN twice");
  cr_assert_eq(csctp_ireasm_bytes(r), bytes);
  cr_assert_gt(csctp_ireasm_held(r), held);
  /* Behind MID 0 on a stream never seen: 0xffffffff is 0 - 1 in serial arithmetic. */
  cr_assert_eq(frag(r, B | E, 6, 0xffffffffu, 0, "x", 1), CSCTP_ERR_MALFORMED);
  cr_assert_eq(frag(r, B, 6, 0x80000000u, 0, "x", 1), CSCTP_ERR_MALFORMED);
  /* A non-B fragment with FSN 0 is refused even before any B. */
  cr_assert_eq(frag(r, 0, 2, 0, 0, "0", 1), CSCTP_ERR_MALFORMED);
  cr_assert_eq(frag(r, U, 2, 0, 0, "0", 1), CSCTP_ERR_MALFORMED);
  /* A fragment of a complete ordered message waiting for its turn. */
  cr_assert_eq(frag(r, B | E, 1, 5, 0, "5", 1), 0);
  cr_assert_eq(frag(r, B | E, 1, 5, 0, "5", 1), CSCTP_ERR_MALFORMED);
  cr_assert_eq(frag(r, E, 1, 5, 1, "5", 1), CSCTP_ERR_MALFORMED);
  cr_assert_eq(frag(r, B | E, 1, 0, 0, "x", 1), CSCTP_ERR_MALFORMED, "MID 0 is open");
  bytes = csctp_ireasm_bytes(r);
  cr_assert_eq(frag(r, 0, 1, 0, 2, "c", 1), 0);
  cr_assert_eq(frag(r, 0, 1, 0, 3, "d", 1), 0);
  cr_assert_eq(frag(r, 0, 1, 0, 5, "e", 1), 0);
  expect_msg(r, 1, 0, 0, "abcdeef", 7);
  expect_none(r);
  /* Ordered MIDs already delivered. */
  cr_assert_eq(frag(r, B | E, 1, 0, 0, "x", 1), CSCTP_ERR_MALFORMED);
  cr_assert_eq(frag(r, 0, 1, 0, 1, "x", 1), CSCTP_ERR_MALFORMED);
  cr_assert_eq(frag(r, B, 1, 0xffffffffu, 0, "x", 1), CSCTP_ERR_MALFORMED);
  cr_assert_eq(frag(r, B | E, 1, 1, 0, "1", 1), 0);
  expect_msg(r, 1, 1, 0, "1", 1);
  cr_assert_eq(frag(r, B | E, 1, 2, 0, "2", 1), 0);
  cr_assert_eq(frag(r, B | E, 1, 3, 0, "3", 1), 0);
  cr_assert_eq(frag(r, B | E, 1, 4, 0, "4", 1), 0);
  cr_assert_eq(frag(r, B | E, 1, 4, 0, "4", 1), CSCTP_ERR_MALFORMED, "queued, behind next");
  expect_msg(r, 1, 2, 0, "2", 1);
  expect_msg(r, 1, 3, 0, "3", 1);
  expect_msg(r, 1, 4, 0, "4", 1);
  expect_msg(r, 1, 5, 0, "5", 1);
  expect_none(r);
  cr_assert_eq(frag(r, B, 1, 0, 0, "", 0), CSCTP_ERR_INVALID_ARGUMENT);
  del_ir(r);
}

Test(ireasm, max_message_size) {
  csctp_ireasm *r = new_ir(100);
  uint8_t buf[101] = {0};
  cr_assert_eq(frag(r, B | E, 0, 0, 0, buf, 101), CSCTP_ERR_MSG_TOO_LARGE);
  cr_assert_eq(frag(r, B | E, 0, 0, 0, buf, 100), 0);
  cr_assert_eq(frag(r, B, 0, 1, 0, buf, 60), 0);
  cr_assert_eq(frag(r, 0, 0, 1, 2, buf, 30), 0);
  cr_assert_eq(frag(r, 0, 0, 1, 1, buf, 11), CSCTP_ERR_MSG_TOO_LARGE);
  cr_assert_eq(frag(r, 0, 0, 1, 1, buf, 10), 0);
  cr_assert_eq(frag(r, E, 0, 1, 3, buf, 1), CSCTP_ERR_MSG_TOO_LARGE);
  /* Each fragment carries a byte: FSN 100 means more than 100 bytes. */
  cr_assert_eq(frag(r, 0, 0, 2, 100, buf, 1), CSCTP_ERR_MSG_TOO_LARGE);
  cr_assert_eq(frag(r, U, 0, 2, 0xffffffffu, buf, 1), CSCTP_ERR_MSG_TOO_LARGE);
  cr_assert_eq(frag(r, 0, 0, 2, 99, buf, 1), 0);
  csctp_ireasm_clear(r);
  cr_assert_eq(csctp_ireasm_bytes(r), 0u);
  cr_assert_eq(csctp_ireasm_held(r), 0u);
  del_ir(r);
}

/* MIDs are serial 32-bit numbers (RFC 1982): 0xfffffffe, 0xffffffff, 0, 1 in that order. */
Test(ireasm, mid_wraps) {
  csctp_ireasm *r = new_ir(65536);
  /* Skips (I-FORWARD-TSN) reach the top of the space; in serial arithmetic 0xfffffffd is
   * behind 0, so it takes two steps of less than 2^31. */
  cr_assert_eq(csctp_ireasm_skip(r, 9, 0, 0xfffffffdu), 0); /* behind 0: nothing */
  cr_assert_eq(frag(r, B | E, 9, 0, 0, "0", 1), 0);
  expect_msg(r, 9, 0, 0, "0", 1);
  cr_assert_eq(csctp_ireasm_skip(r, 9, 0, 0x7ffffffeu), 0);
  cr_assert_eq(csctp_ireasm_skip(r, 9, 0, 0xfffffffdu), 0);
  cr_assert_eq(frag(r, B | E, 9, 0xfffffffdu, 0, "x", 1), CSCTP_ERR_MALFORMED);
  add_msg(r, 9, 0, 1, 2, 3, 1);
  cr_assert_eq(frag(r, B | E, 9, 0, 0, "0", 1), 0);
  add_msg(r, 9, 0, 0xffffffffu, 3, 2, 1);
  expect_none(r);
  cr_assert_eq(frag(r, B | E, 9, 0xfffffffeu, 0, "e", 1), 0);
  expect_msg(r, 9, 0xfffffffeu, 0, "e", 1);
  expect_pat(r, 9, 0, 0xffffffffu, 6);
  expect_msg(r, 9, 0, 0, "0", 1);
  expect_pat(r, 9, 0, 1, 6);
  expect_none(r);
  cr_assert_eq(frag(r, B | E, 9, 0xffffffffu, 0, "x", 1), CSCTP_ERR_MALFORMED); /* behind 2 */
  cr_assert_eq(frag(r, B | E, 9, 2, 0, "2", 1), 0);
  expect_msg(r, 9, 2, 0, "2", 1);
  del_ir(r);
}

Test(ireasm, skip_ordered) {
  csctp_ireasm *r = new_ir(65536);
  cr_assert_eq(frag(r, B, 2, 0, 0, "0", 1), 0);     /* incomplete */
  cr_assert_eq(frag(r, B | E, 2, 1, 0, "1", 1), 0); /* complete */
  cr_assert_eq(frag(r, E, 2, 2, 3, "2", 1), 0);     /* incomplete, loose */
  cr_assert_eq(frag(r, B | E, 2, 3, 0, "3", 1), 0); /* complete, after the skip point */
  cr_assert_eq(frag(r, B | E, 2, 5, 0, "5", 1), 0); /* behind a hole at 4 */
  cr_assert_eq(frag(r, B, 7, 0, 0, "other", 5), 0); /* another stream: untouched */
  cr_assert_eq(frag(r, U | B, 2, 1, 0, "u", 1), 0); /* unordered: untouched */
  cr_assert_eq(csctp_ireasm_bytes(r), 11u);
  cr_assert_eq(csctp_ireasm_skip(r, 2, 0, 2), 0);
  cr_assert_eq(csctp_ireasm_bytes(r), 9u);
  expect_msg(r, 2, 1, 0, "1", 1);
  expect_msg(r, 2, 3, 0, "3", 1);
  expect_none(r);
  cr_assert_eq(csctp_ireasm_skip(r, 2, 0, 1), 0); /* behind: nothing */
  cr_assert_eq(csctp_ireasm_bytes(r), 7u);        /* (3 released by expect_none's pop) */
  cr_assert_eq(frag(r, B | E, 2, 2, 0, "x", 1), CSCTP_ERR_MALFORMED);
  cr_assert_eq(frag(r, B | E, 2, 4, 0, "4", 1), 0);
  expect_msg(r, 2, 4, 0, "4", 1);
  expect_msg(r, 2, 5, 0, "5", 1);
  expect_none(r);
  cr_assert_eq(frag(r, E, 7, 0, 1, "!", 1), 0);
  cr_assert_eq(frag(r, U | E, 2, 1, 1, "v", 1), 0);
  expect_msg(r, 7, 0, 0, "other!", 6);
  expect_msg(r, 2, 1, 1, "uv", 2);
  expect_none(r);
  /* A skip on a stream never seen sets its next MID. */
  cr_assert_eq(csctp_ireasm_skip(r, 8, 0, 41), 0);
  cr_assert_eq(frag(r, B | E, 8, 41, 0, "x", 1), CSCTP_ERR_MALFORMED);
  cr_assert_eq(frag(r, B | E, 8, 42, 0, "y", 1), 0);
  expect_msg(r, 8, 42, 0, "y", 1);
  expect_none(r);
  cr_assert_eq(csctp_ireasm_held(r), 0u);
  del_ir(r);
}

/* Headers far apart: the skip scans the index instead of walking MIDs, in MID order. */
Test(ireasm, skip_ordered_wide) {
  csctp_ireasm *r = new_ir(65536);
  cr_assert_eq(frag(r, B | E, 3, 900000, 0, "c", 1), 0);
  cr_assert_eq(frag(r, B | E, 3, 100, 0, "a", 1), 0);
  cr_assert_eq(frag(r, B, 3, 500, 0, "x", 1), 0);
  cr_assert_eq(frag(r, B | E, 3, 700, 0, "b", 1), 0);
  cr_assert_eq(frag(r, B | E, 3, 3000000, 0, "z", 1), 0);
  cr_assert_eq(frag(r, 0, 3, 3000001, 5, "y", 1), 0);
  cr_assert_eq(csctp_ireasm_skip(r, 3, 0, 2000000), 0);
  expect_msg(r, 3, 100, 0, "a", 1);
  expect_msg(r, 3, 700, 0, "b", 1);
  expect_msg(r, 3, 900000, 0, "c", 1);
  expect_none(r);
  cr_assert_eq(csctp_ireasm_open_msgs(r, NULL), 1u); /* 3000001 */
  cr_assert_eq(csctp_ireasm_skip(r, 3, 0, 2999999), 0);
  expect_msg(r, 3, 3000000, 0, "z", 1);
  expect_none(r);
  del_ir(r);
}

Test(ireasm, skip_unordered) {
  csctp_ireasm *r = new_ir(65536);
  cr_assert_eq(frag(r, U | B, 1, 7, 0, "a", 1), 0);
  cr_assert_eq(frag(r, U | E, 1, 7, 2, "c", 1), 0);
  cr_assert_eq(frag(r, U | B, 1, 8, 0, "k", 1), 0);
  cr_assert_eq(frag(r, B, 1, 7, 0, "o", 1), 0); /* ordered 7 is not the unordered 7 */
  cr_assert_eq(csctp_ireasm_skip(r, 1, 1, 7), 0);
  cr_assert_eq(csctp_ireasm_bytes(r), 2u);
  cr_assert_eq(csctp_ireasm_open_msgs(r, NULL), 2u);
  cr_assert_eq(frag(r, U | E, 1, 8, 1, "l", 1), 0);
  cr_assert_eq(csctp_ireasm_skip(r, 1, 1, 8), 0); /* complete: stays */
  cr_assert_eq(csctp_ireasm_skip(r, 1, 1, 9), 0); /* unknown: nothing */
  expect_msg(r, 1, 8, 1, "kl", 2);
  expect_none(r);
  del_ir(r);
}

Test(ireasm, reset_streams) {
  csctp_ireasm *r = new_ir(65536);
  uint16_t one = 1, both[2] = {1, 2};
  cr_assert_eq(csctp_ireasm_reset_streams(r, &one, 1), 0); /* no state at all */
  cr_assert_eq(frag(r, B | E, 1, 0, 0, "a", 1), 0);
  cr_assert_eq(frag(r, B | E, 2, 0, 0, "b", 1), 0);
  cr_assert_eq(csctp_ireasm_reset_streams(r, &one, 1), CSCTP_ERR_INVALID_STATE); /* undelivered */
  expect_msg(r, 1, 0, 0, "a", 1);
  cr_assert_eq(frag(r, U | B, 1, 3, 0, "x", 1), 0);
  cr_assert_eq(csctp_ireasm_reset_streams(r, &one, 1), CSCTP_ERR_INVALID_STATE); /* fragment */
  cr_assert_eq(csctp_ireasm_skip(r, 1, 1, 3), 0);
  cr_assert_eq(csctp_ireasm_reset_streams(r, both, 2), CSCTP_ERR_INVALID_STATE); /* 2 busy */
  cr_assert_eq(csctp_ireasm_reset_streams(r, NULL, 0), CSCTP_ERR_INVALID_STATE);
  /* All or none: stream 1 was not reset, MID 0 is still behind. */
  cr_assert_eq(frag(r, B | E, 1, 0, 0, "x", 1), CSCTP_ERR_MALFORMED);
  cr_assert_eq(csctp_ireasm_reset_streams(r, &one, 1), 0);
  cr_assert_eq(frag(r, B | E, 1, 0, 0, "c", 1), 0);
  expect_msg(r, 2, 0, 0, "b", 1);
  expect_msg(r, 1, 0, 0, "c", 1);
  expect_none(r);
  cr_assert_eq(frag(r, B | E, 2, 1, 0, "d", 1), 0);
  cr_assert_eq(frag(r, B | E, 2, 3, 0, "f", 1), 0); /* complete, waiting: refused too */
  expect_msg(r, 2, 1, 0, "d", 1);
  cr_assert_eq(csctp_ireasm_reset_streams(r, NULL, 0), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_ireasm_skip(r, 2, 0, 2), 0);
  expect_msg(r, 2, 3, 0, "f", 1);
  expect_none(r);
  cr_assert_eq(csctp_ireasm_reset_streams(r, NULL, 0), 0);
  cr_assert_eq(frag(r, B | E, 1, 0, 0, "g", 1), 0);
  cr_assert_eq(frag(r, B | E, 2, 0, 0, "h", 1), 0);
  expect_msg(r, 1, 0, 0, "g", 1);
  expect_msg(r, 2, 0, 0, "h", 1);
  del_ir(r);
}

/* Tiny fragments of many open messages: charged what they cost, and all given back. */
Test(ireasm, held_counts_memory) {
  csctp_ireasm *r = new_ir(65536);
  size_t prev = 0;
  for (uint32_t i = 0; i < 200; i++) {
    cr_assert_eq(frag(r, 0, (uint16_t)(i % 5), i, 1 + i, "x", 1), 0);
    size_t h = csctp_ireasm_held(r);
    cr_assert_gt(h, prev);
    prev = h;
  }
  cr_assert_eq(csctp_ireasm_bytes(r), 200u);
  /* Each open message: a node, a header (> 64 bytes) and two index entries (2 x 2 slots of 16
   * bytes, the load kept at 1/2), far more than its byte. */
  cr_assert_geq(csctp_ireasm_held(r), 200u * (CSCTP_REASM_NODE_BYTES(0) + 64 + 64));
  size_t peak;
  cr_assert_eq(csctp_ireasm_open_msgs(r, &peak), 200u);
  cr_assert_eq(peak, 200u);
  csctp_ireasm_clear(r);
  cr_assert_eq(csctp_ireasm_held(r), 0u);
  cr_assert_eq(csctp_ireasm_bytes(r), 0u);
  cr_assert_eq(csctp_ireasm_open_msgs(r, NULL), 0u);
  /* Delivered and released: back to 0 as well, and trim gives the idle memory back. */
  add_msg(r, 1, 0, 0, 20, 100, 1);
  cr_assert_gt(csctp_ireasm_held(r), 2000u);
  expect_pat(r, 1, 0, 0, 2000);
  csctp_ireasm_release(r);
  cr_assert_eq(csctp_ireasm_held(r), 0u);
  cr_assert_gt(csctp_ireasm_trim(r), 0u);
  csctp_reasm_stats st;
  csctp_ireasm_get_stats(r, &st);
  cr_assert_eq(st.nodes, 0u);
  cr_assert_eq(csctp_ireasm_held(r), 0u);
  del_ir(r);
}

#define expect_piece(...) expect_piece_at(__LINE__, __VA_ARGS__)
static void expect_piece_at(int line, csctp_ireasm *r, int force, uint16_t stream, uint32_t mid,
                            uint32_t flags, const void *data, size_t len) {
  csctp_rx_msg m;
  cr_assert_eq(csctp_ireasm_pop(r, &m), 0, "line %d", line);
  cr_assert_eq(csctp_ireasm_pop_piece(r, force, &m), 1, "line %d", line);
  cr_assert_eq(m.stream, stream);
  cr_assert_eq(m.mid, mid);
  cr_assert_eq(m.flags, flags);
  cr_assert_eq(m.ppid, 0x1000u + stream);
  cr_assert_eq(m.len, len);
  cr_assert_arr_eq(m.data, data, len);
}

Test(ireasm, partial_delivery) {
  csctp_ireasm *r = new_ir(65536);
  csctp_rx_msg m;
  cr_assert_eq(csctp_ireasm_pop_piece(r, 1, &m), 0); /* off, and nothing */
  csctp_ireasm_set_partial(r, 4);
  cr_assert_eq(frag(r, B, 1, 0, 0, "ab", 2), 0);
  cr_assert_eq(frag(r, 0, 1, 0, 1, "c", 1), 0);
  cr_assert_eq(frag(r, 0, 1, 0, 3, "ef", 2), 0); /* loose: not in the prefix */
  cr_assert_eq(frag(r, B, 2, 0, 0, "XY", 2), 0);
  cr_assert_eq(csctp_ireasm_pop_piece(r, 0, &m), 0);  /* 3 < 4 */
  expect_piece(r, 1, 1, 0, CSCTP_MSG_MORE, "abc", 3); /* forced: the oldest begun */
  cr_assert_eq(csctp_ireasm_bytes(r), 7u);
  /* Only the message in pieces gives more, even forced. */
  cr_assert_eq(frag(r, 0, 2, 0, 1, "Z!", 2), 0);
  cr_assert_eq(csctp_ireasm_pop_piece(r, 1, &m), 0);
  cr_assert_eq(csctp_ireasm_bytes(r), 6u); /* the piece was released */
  /* A whole message of its stream waits; other streams' go out between pieces. */
  cr_assert_eq(frag(r, U | B | E, 1, 0, 0, "u", 1), 0);
  cr_assert_eq(frag(r, B | E, 3, 0, 0, "w", 1), 0);
  expect_msg(r, 3, 0, 0, "w", 1);
  expect_none(r);
  cr_assert_eq(frag(r, 0, 1, 0, 2, "dd", 2), 0); /* absorbs 3 */
  expect_piece(r, 0, 1, 0, CSCTP_MSG_MORE | CSCTP_MSG_CONTINUED, "ddef", 4);
  cr_assert_eq(frag(r, E, 1, 0, 4, "g", 1), 0);
  /* The last piece, then what its stream completed meanwhile. */
  cr_assert_eq(csctp_ireasm_pop(r, &m), 1);
  cr_assert_eq(m.flags, CSCTP_MSG_CONTINUED);
  cr_assert_eq(m.stream, 1);
  cr_assert_eq(m.len, 1u);
  cr_assert_eq(m.data[0], 'g');
  expect_msg(r, 1, 0, 1, "u", 1);
  expect_none(r);
  /* Now stream 2's message may go in pieces (the point reached without force). */
  expect_piece(r, 0, 2, 0, CSCTP_MSG_MORE, "XYZ!", 4);
  cr_assert_eq(frag(r, E, 2, 0, 2, "?", 1), 0);
  cr_assert_eq(csctp_ireasm_pop(r, &m), 1);
  cr_assert_eq(m.flags, CSCTP_MSG_CONTINUED);
  expect_none(r);
  /* An ordered message not next in line never goes in pieces. */
  cr_assert_eq(frag(r, B, 4, 1, 0, "later", 5), 0);
  cr_assert_eq(csctp_ireasm_pop_piece(r, 1, &m), 0);
  cr_assert_eq(frag(r, B | E, 4, 0, 0, "now", 3), 0);
  expect_msg(r, 4, 0, 0, "now", 3);
  expect_piece(r, 0, 4, 1, CSCTP_MSG_MORE, "later", 5);
  csctp_ireasm_clear(r);
  cr_assert_eq(csctp_ireasm_held(r), 0u);
  del_ir(r);
}

Test(ireasm, skip_after_pieces_aborts) {
  csctp_ireasm *r = new_ir(65536);
  csctp_rx_msg m;
  csctp_ireasm_set_partial(r, 2);
  cr_assert_eq(frag(r, B, 1, 0, 0, "ab", 2), 0);
  expect_piece(r, 0, 1, 0, CSCTP_MSG_MORE, "ab", 2);
  cr_assert_eq(frag(r, 0, 1, 0, 1, "c", 1), 0);
  cr_assert_eq(frag(r, B | E, 1, 1, 0, "1", 1), 0); /* its stream: waits */
  cr_assert_eq(frag(r, B | E, 2, 0, 0, "x", 1), 0); /* another stream */
  cr_assert_eq(csctp_ireasm_skip(r, 1, 0, 0), 0);
  cr_assert_eq(csctp_ireasm_bytes(r), 4u);           /* the piece (not released), 1 and x */
  cr_assert_eq(csctp_ireasm_pop_piece(r, 1, &m), 0); /* the notice comes first */
  expect_msg(r, 2, 0, 0, "x", 1);                    /* other streams before the notice */
  cr_assert_eq(csctp_ireasm_pop(r, &m), 1);
  cr_assert_eq(m.flags, CSCTP_MSG_ABORTED);
  cr_assert_eq(m.stream, 1);
  cr_assert_eq(m.len, 0u);
  expect_msg(r, 1, 1, 0, "1", 1);
  expect_none(r);
  /* Unordered, too. */
  cr_assert_eq(frag(r, U | B, 3, 5, 0, "uv", 2), 0);
  expect_piece(r, 0, 3, 5, CSCTP_MSG_MORE, "uv", 2);
  cr_assert_eq(csctp_ireasm_skip(r, 3, 1, 5), 0);
  cr_assert_eq(csctp_ireasm_pop(r, &m), 1);
  cr_assert_eq(m.flags, CSCTP_MSG_ABORTED);
  cr_assert_eq(m.unordered, 1);
  expect_none(r);
  cr_assert_eq(csctp_ireasm_held(r), 0u);
  cr_assert_eq(csctp_ireasm_bytes(r), 0u);
  del_ir(r);
}

/* ---- random arrival across streams, ordered and unordered ---- */

#define RND_STREAMS 4
#define RND_MSGS 24 /* per stream and kind */

typedef struct rnd_frag {
  uint16_t stream;
  uint8_t u, flags;
  uint32_t mid, fsn, off, len;
} rnd_frag;

static uint32_t rnd_len[RND_STREAMS][2][RND_MSGS];
static uint8_t rnd_got[RND_STREAMS][2][RND_MSGS];

static void rnd_check(csctp_ireasm *r, uint32_t *next) {
  csctp_rx_msg m;
  static uint8_t buf[8192];
  while (csctp_ireasm_pop(r, &m) == 1) {
    cr_assert_lt(m.stream, RND_STREAMS);
    cr_assert_lt(m.mid, RND_MSGS);
    cr_assert_eq(m.flags, 0u);
    cr_assert(!rnd_got[m.stream][m.unordered][m.mid], "delivered twice");
    rnd_got[m.stream][m.unordered][m.mid] = 1;
    if (!m.unordered) cr_assert_eq(m.mid, next[m.stream]++, "out of MID order");
    cr_assert_eq(m.len, rnd_len[m.stream][m.unordered][m.mid]);
    fill(buf, m.stream, m.unordered, m.mid, m.len);
    cr_assert_arr_eq(m.data, buf, m.len);
  }
}

Test(ireasm, random_order) {
  static rnd_frag fr[RND_STREAMS * 2 * RND_MSGS * 64];
  static uint8_t buf[8192];
  for (uint64_t seed = 1; seed <= 20; seed++) {
    csctp_ireasm *r = new_ir(1 << 20);
    csctp_prng g;
    csctp_prng_seed(&g, seed);
    size_t n = 0;
    memset(rnd_got, 0, sizeof(rnd_got));
    for (uint16_t s = 0; s < RND_STREAMS; s++)
      for (int u = 0; u < 2; u++)
        for (uint32_t mid = 0; mid < RND_MSGS; mid++) {
          uint32_t len = 1 + (uint32_t)csctp_prng_below(&g, seed & 1 ? 3000 : 400);
          uint32_t per = 1 + (uint32_t)csctp_prng_below(&g, 200);
          rnd_len[s][u][mid] = len;
          for (uint32_t off = 0, fsn = 0; off < len; off += per, fsn++) {
            uint32_t l = len - off < per ? len - off : per;
            fr[n++] =
                (rnd_frag){s,
                           (uint8_t)u,
                           (uint8_t)((off == 0 ? B : 0) | (off + l == len ? E : 0) | (u ? U : 0)),
                           mid,
                           fsn,
                           off,
                           l};
          }
        }
    /* Shuffled; with even seeds only nearby fragments swap (the usual, mostly in order). */
    for (size_t i = n - 1; i > 0; i--) {
      size_t j = seed & 2 ? (size_t)csctp_prng_below(&g, i + 1)
                          : i - (size_t)csctp_prng_below(&g, i < 8 ? i + 1 : 8);
      rnd_frag t = fr[i];
      fr[i] = fr[j];
      fr[j] = t;
    }
    uint32_t next[RND_STREAMS] = {0};
    for (size_t i = 0; i < n; i++) {
      const rnd_frag *f = &fr[i];
      fill(buf, f->stream, f->u, f->mid, f->off + f->len);
      cr_assert_eq(frag(r, f->flags, f->stream, f->mid, f->fsn, buf + f->off, f->len), 0);
      if (csctp_prng_chance(&g, 0.3)) rnd_check(r, next);
    }
    rnd_check(r, next);
    for (uint16_t s = 0; s < RND_STREAMS; s++) cr_assert_eq(next[s], RND_MSGS);
    for (size_t k = 0; k < sizeof(rnd_got); k++) cr_assert(((uint8_t *)rnd_got)[k]);
    csctp_ireasm_release(r);
    cr_assert_eq(csctp_ireasm_bytes(r), 0u);
    cr_assert_eq(csctp_ireasm_held(r), 0u);
    cr_assert_eq(csctp_ireasm_open_msgs(r, NULL), 0u);
    del_ir(r);
  }
}

/* In-order arrival allocates nothing once the pool is warm. */
Test(ireasm, steady_state_allocates_nothing) {
  csctp_ireasm *r = new_ir(1 << 20);
  for (uint32_t mid = 0; mid < 50; mid++) {
    if (mid == 10) cnt.fail_all = 1;
    for (uint16_t s = 0; s < 3; s++) add_msg(r, s, 0, mid, 12, 100, 0);
    cr_assert_eq(frag(r, U | B | E, 3, mid, 0, "u", 1), 0);
    for (uint16_t s = 0; s < 3; s++) expect_pat(r, s, 0, mid, 1200);
    expect_msg(r, 3, mid, 1, "u", 1);
    csctp_ireasm_release(r);
  }
  cnt.fail_all = 0;
  del_ir(r);
}

/* ---- allocation failures: each allocation fails in turn ---- */

/* A scenario whose every step is retried after NOMEM: the result must be as without failures. */
static long alloc_run(long k, void *user) {
  (void)user;
  failing_mem_init(&cnt, k);
  csctp_ireasm r;
  cr_assert_eq(csctp_ireasm_init(&r, &cnt.mem, 65536), 0);
  csctp_ireasm_set_partial(&r, 150);
  uint8_t buf[2000];
  uint32_t tsn = 1;
  char out[65];
  size_t n_out = 0;
  enum { F, SKIP, PIECE, POP };
  static const struct {
    int op;
    uint8_t flags;
    uint16_t stream;
    uint32_t mid, fsn, len;
  } steps[] = {
      {F, B | E, 1, 0, 0, 10},  {F, U | B | E, 2, 4, 0, 300}, {F, B, 3, 0, 0, 200},
      {F, 0, 3, 0, 2, 100},     {F, B | E, 1, 2, 0, 5},       {POP, 0, 0, 0, 0, 0},
      {POP, 0, 0, 0, 0, 0},     {F, 0, 3, 0, 1, 100},         {PIECE, 0, 0, 0, 0, 0},
      {F, U, 4, 1, 3, 10},      {F, E, 3, 0, 3, 150},         {F, B | E, 1, 1, 0, 1500},
      {SKIP, 0, 4, 1, 1, 0},    {SKIP, 0, 5, 0, 70, 0},       {F, B, 1, 5, 0, 400},
      {F, E, 1, 5, 1, 400},     {SKIP, 0, 1, 0, 4, 0},        {POP, 0, 0, 0, 0, 0},
      {POP, 0, 0, 0, 0, 0},     {POP, 0, 0, 0, 0, 0},         {POP, 0, 0, 0, 0, 0},
      {F, U | B, 6, 0, 0, 200}, {F, U, 6, 0, 1, 100},         {PIECE, 0, 0, 0, 0, 0},
      {F, B | E, 6, 3, 0, 30},  {SKIP, 0, 6, 1, 0, 0},        {F, B | E, 5, 71, 0, 3},
  };
  for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    int rc;
    csctp_rx_msg m;
    do {
      switch (steps[i].op) {
      case F: {
        csctp_idata_chunk d = {steps[i].flags, tsn, steps[i].stream, steps[i].mid, 7,
                               steps[i].fsn,   buf, steps[i].len};
        memset(buf, (int)i, steps[i].len);
        rc = csctp_ireasm_add(&r, &d);
        break;
      }
      case SKIP: rc = csctp_ireasm_skip(&r, steps[i].stream, steps[i].mid, steps[i].fsn); break;
      case PIECE: rc = csctp_ireasm_pop_piece(&r, 1, &m); break;
      default: rc = csctp_ireasm_pop(&r, &m); break;
      }
      cr_assert(rc >= 0 || rc == CSCTP_ERR_NOMEM, "step %zu: %d", i, rc);
    } while (rc == CSCTP_ERR_NOMEM);
    tsn++;
    if (rc == 1 && n_out < sizeof(out)) out[n_out++] = (char)('0' + m.stream);
  }
  for (;;) {
    csctp_rx_msg m;
    int rc = csctp_ireasm_pop(&r, &m);
    if (rc == CSCTP_ERR_NOMEM) continue;
    if (rc == 0) break;
    cr_assert(m.len == 0 || m.data[0] != 0xee);
    if (n_out < sizeof(out)) out[n_out++] = (char)('0' + m.stream);
  }
  out[n_out] = 0;
  cr_assert_str_eq(out, "1233111656", "k=%ld: %s", k, out); /* as without failures */
  cr_assert_eq(csctp_ireasm_open_msgs(&r, NULL), 0u);
  csctp_ireasm_clear(&r);
  cr_assert_eq(csctp_ireasm_held(&r), 0u);
  csctp_ireasm_free(&r);
  cr_assert_eq(cnt.live, 0, "k=%ld: leaked %ld blocks", k, cnt.live);
  return cnt.calls;
}

Test(ireasm, allocation_failures) {
  long total = alloc_run(0, NULL);
  cr_assert_gt(total, 10);
  cr_assert_eq(failing_mem_replay(total, alloc_run, NULL), total);
}
