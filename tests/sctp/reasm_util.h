/* SPDX-License-Identifier: MIT */
/*
 * Shared by the reassembly tests (test_reasm.c, test_reasm_asm.c): the
 * counting allocator `cnt` (failing_mem.h; cnt.fail_all makes it fail) and
 * helpers to add fragments and check what comes out.
 */
#ifndef CSCTP_TEST_REASM_UTIL_H
#define CSCTP_TEST_REASM_UTIL_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "failing_mem.h"
#include "mem.h"
#include "packet.h"
#include "reasm.h"

/* ---- a counting allocator that can be told to fail (cnt.fail_all) ---- */

static failing_mem cnt;

static inline csctp_reasm *new_reasm(uint32_t max) {
  static csctp_reasm r;
  failing_mem_init(&cnt, 0);
  cr_assert_eq(csctp_reasm_init(&r, &cnt.mem, max), 0);
  return &r;
}

static inline void del_reasm(csctp_reasm *r) {
  csctp_reasm_free(r);
  cr_assert_eq(cnt.live, 0, "leaked %ld blocks", cnt.live);
}

#define B CSCTP_DATA_FLAG_B
#define E CSCTP_DATA_FLAG_E
#define U CSCTP_DATA_FLAG_U

static inline int add(csctp_reasm *r, uint8_t flags, uint32_t tsn, uint16_t stream, uint16_t ssn,
                      const void *data, size_t len) {
  csctp_data_chunk d = {flags, tsn, stream, ssn, 0x1000u + stream, data, len};
  return csctp_reasm_add(r, &d);
}

/* Pops one message and checks it against the expected fields and bytes. */
static inline void expect_msg(csctp_reasm *r, uint16_t stream, uint16_t ssn, int unordered,
                              const void *data, size_t len) {
  csctp_rx_msg m;
  cr_assert_eq(csctp_reasm_pop(r, &m), 1, "no message for stream %u ssn %u", stream, ssn);
  cr_assert_eq(m.stream, stream);
  if (!unordered) cr_assert_eq(m.ssn, ssn);
  cr_assert_eq(m.unordered, unordered);
  cr_assert_eq(m.ppid, 0x1000u + stream);
  cr_assert_eq(m.len, len);
  cr_assert_arr_eq(m.data, data, len);
}

static inline void expect_none(csctp_reasm *r) {
  csctp_rx_msg m;
  cr_assert(!csctp_reasm_has_ready(r));
  cr_assert_eq(csctp_reasm_pop(r, &m), 0);
}

#endif
