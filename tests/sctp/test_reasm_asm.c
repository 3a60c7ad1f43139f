/* SPDX-License-Identifier: MIT */
/* Tests for the in-order assembly fast path of reassembly (src/reasm_asm.c). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "prng.h"
#include "reasm_util.h"

static uint8_t pay[20 * 1200];

static void fill_pay(void) {
  for (size_t i = 0; i < sizeof(pay); i++) pay[i] = (uint8_t)(i * 31 + (i >> 9));
}

/* Adds fragment k (0-based) of a message of n fragments of `f` bytes starting at `tsn0`. */
static int add_frag(csctp_reasm *r, uint32_t tsn0, int k, int n, uint16_t stream, uint16_t ssn,
                    uint8_t extra, size_t f) {
  uint8_t fl = (uint8_t)((k == 0 ? B : 0) | (k == n - 1 ? E : 0) | extra);
  return add(r, fl, tsn0 + (uint32_t)k, stream, ssn, pay + (size_t)k * f, f);
}

/* In TSN order: no fragment node is used for the payload (one small node carries the
 * finished buffer to the hand-out queue) and the bytes arrive intact. */
Test(reasm_asm, in_order_message_uses_no_fragment_nodes) {
  fill_pay();
  csctp_reasm *r = new_reasm(65536);
  for (int k = 0; k < 8; k++) {
    cr_assert_eq(add_frag(r, 10, k, 8, 2, 0, 0, 1200), 0);
    csctp_reasm_stats st;
    csctp_reasm_get_stats(r, &st);
    cr_assert_eq(st.fragments, 1u, "the open assembly counts as one");
    cr_assert_eq(csctp_reasm_bytes(r), (size_t)(k + 1) * 1200);
    if (k < 7) cr_assert(!csctp_reasm_has_ready(r));
  }
  csctp_reasm_stats st;
  csctp_reasm_get_stats(r, &st);
  cr_assert_eq(st.nodes, 1u);
  cr_assert_eq(st.big_allocs, 0u);
  cr_assert_geq(st.mem_bytes, 8u * 1200);
  expect_msg(r, 2, 0, 0, pay, 8 * 1200);
  csctp_reasm_release(r);
  cr_assert_eq(csctp_reasm_bytes(r), 0u);
  /* The next message reuses the buffer: no allocation at all. */
  long before = cnt.allocs;
  for (int k = 0; k < 8; k++) cr_assert_eq(add_frag(r, 18, k, 8, 2, 1, 0, 1200), 0);
  expect_msg(r, 2, 1, 0, pay, 8 * 1200);
  cr_assert_eq(cnt.allocs, before);
  del_reasm(r);
}

/* A lost middle fragment: the ones after it are held on the general path and moved into
 * the buffer when the retransmission fills the gap. */
Test(reasm_asm, gap_filled_later) {
  fill_pay();
  csctp_reasm *r = new_reasm(65536);
  int order[] = {0, 1, 3, 4, 5, 2};
  for (int i = 0; i < 6; i++) {
    cr_assert_eq(add_frag(r, 50, order[i], 6, 1, 0, 0, 1000), 0);
    if (i < 5) cr_assert(!csctp_reasm_has_ready(r));
  }
  expect_msg(r, 1, 0, 0, pay, 6000);
  csctp_reasm_release(r);
  csctp_reasm_stats st;
  csctp_reasm_get_stats(r, &st);
  cr_assert_eq(st.fragments, 0u);
  cr_assert_eq(st.nodes, st.nodes_free);
  cr_assert_eq(csctp_reasm_bytes(r), 0u);
  del_reasm(r);
}

/* Ordered: a later message completed while this one waited for a fragment is handed out
 * right after it, in SSN order. */
Test(reasm_asm, later_message_waits_for_the_assembly) {
  fill_pay();
  csctp_reasm *r = new_reasm(65536);
  cr_assert_eq(add_frag(r, 1, 0, 3, 4, 0, 0, 100), 0);
  cr_assert_eq(add_frag(r, 1, 1, 3, 4, 0, 0, 100), 0);
  cr_assert_eq(add(r, B | E, 4, 4, 1, "next", 4), 0); /* SSN 1 complete, SSN 0 is not */
  cr_assert_eq(add(r, B, 5, 4, 2, "ab", 2), 0);
  cr_assert_eq(add(r, E, 6, 4, 2, "cd", 2), 0); /* SSN 2 complete too */
  cr_assert(!csctp_reasm_has_ready(r));
  cr_assert_eq(add_frag(r, 1, 2, 3, 4, 0, 0, 100), 0);
  expect_msg(r, 4, 0, 0, pay, 300);
  expect_msg(r, 4, 1, 0, "next", 4);
  expect_msg(r, 4, 2, 0, "abcd", 4);
  expect_none(r);
  del_reasm(r);
}

/* Unordered messages are assembled too, whatever their SSN. */
Test(reasm_asm, unordered_message) {
  fill_pay();
  csctp_reasm *r = new_reasm(65536);
  for (int k = 0; k < 4; k++) cr_assert_eq(add_frag(r, 7, k, 4, 3, 77, U, 500), 0);
  expect_msg(r, 3, 0, 1, pay, 2000);
  del_reasm(r);
}

/* A fragment continuing the assembly's TSN must belong to its message. */
Test(reasm_asm, continuation_of_another_message_is_malformed) {
  fill_pay();
  csctp_reasm *r = new_reasm(65536);
  cr_assert_eq(add_frag(r, 1, 0, 3, 1, 0, 0, 100), 0);
  cr_assert_eq(add(r, E, 2, 2, 0, "x", 1), CSCTP_ERR_MALFORMED);     /* other stream */
  cr_assert_eq(add(r, E, 2, 1, 5, "x", 1), CSCTP_ERR_MALFORMED);     /* other SSN */
  cr_assert_eq(add(r, E | U, 2, 1, 0, "x", 1), CSCTP_ERR_MALFORMED); /* unordered */
  cr_assert_eq(add(r, B | E, 9, 1, 0, "x", 1), CSCTP_ERR_MALFORMED); /* same SSN again */
  cr_assert_eq(add(r, B, 9, 1, 0, "x", 1), CSCTP_ERR_MALFORMED);     /* same SSN again */
  cr_assert_eq(csctp_reasm_bytes(r), 100u);
  cr_assert_eq(add_frag(r, 1, 1, 3, 1, 0, 0, 100), 0);
  /* An E fragment followed by a held non-B fragment: malformed, nothing changes. */
  cr_assert_eq(add(r, 0, 4, 1, 0, "y", 1), 0);
  cr_assert_eq(add_frag(r, 1, 2, 3, 1, 0, 0, 100), CSCTP_ERR_MALFORMED);
  cr_assert_eq(csctp_reasm_bytes(r), 201u);
  cr_assert(!csctp_reasm_has_ready(r));
  del_reasm(r);
}

/* A message growing past the limit is refused before anything changes. */
Test(reasm_asm, too_large) {
  fill_pay();
  csctp_reasm *r = new_reasm(2500);
  cr_assert_eq(add_frag(r, 1, 0, 3, 0, 0, 0, 1000), 0);
  cr_assert_eq(add_frag(r, 1, 1, 3, 0, 0, 0, 1000), 0);
  cr_assert_eq(add_frag(r, 1, 2, 3, 0, 0, 0, 1000), CSCTP_ERR_MSG_TOO_LARGE);
  cr_assert_eq(csctp_reasm_bytes(r), 2000u);
  del_reasm(r);
}

/* FORWARD TSN past the assembly's first fragment drops it (RFC 3758 §3.6), the stream can
 * then be reset, and the next message is assembled again. */
Test(reasm_asm, forward_tsn_drops_the_assembly) {
  fill_pay();
  csctp_reasm *r = new_reasm(65536);
  cr_assert_eq(add_frag(r, 1, 0, 4, 6, 0, 0, 300), 0);
  cr_assert_eq(add_frag(r, 1, 1, 4, 6, 0, 0, 300), 0);
  cr_assert_eq(csctp_reasm_reset_stream(r, 6), CSCTP_ERR_INVALID_STATE);
  csctp_reasm_forward(r, 0); /* before it: kept */
  cr_assert_eq(csctp_reasm_bytes(r), 600u);
  csctp_reasm_forward(r, 4);
  cr_assert_eq(csctp_reasm_skip(r, 6, 0), 0);
  cr_assert_eq(csctp_reasm_bytes(r), 0u);
  csctp_reasm_stats st;
  csctp_reasm_get_stats(r, &st);
  cr_assert_eq(st.fragments, 0u);
  for (int k = 0; k < 4; k++) cr_assert_eq(add_frag(r, 5, k, 4, 6, 1, 0, 300), 0);
  expect_msg(r, 6, 1, 0, pay, 1200);
  csctp_reasm_release(r);
  cr_assert_eq(csctp_reasm_reset_stream(r, 6), 0);
  del_reasm(r);
}

/* Every allocation the path needs fails in turn: NOMEM with nothing changed, then it
 * succeeds when memory is back. */
Test(reasm_asm, out_of_memory_changes_nothing) {
  fill_pay();
  csctp_reasm *r = new_reasm(65536);
  cr_assert_eq(add(r, B | E, 1, 0, 0, "s", 1), 0); /* the stream exists */
  /* Handed out and held: its node is not free, so the pool has none. */
  expect_msg(r, 0, 0, 0, "s", 1);
  cnt.fail_all = 1;
  cr_assert_eq(add_frag(r, 2, 0, 20, 0, 1, 0, 1000), CSCTP_ERR_NOMEM); /* the buffer */
  cr_assert_eq(csctp_reasm_bytes(r), 1u);
  cnt.fail_all = 0;
  for (int k = 0; k < 19; k++) {
    /* Growing it fails first, then works. */
    if (k == 8) {
      cnt.fail_all = 1;
      cr_assert_eq(add_frag(r, 2, k, 20, 0, 1, 0, 1000), CSCTP_ERR_NOMEM);
      cr_assert_eq(csctp_reasm_bytes(r), 1 + (size_t)k * 1000);
      cnt.fail_all = 0;
    }
    cr_assert_eq(add_frag(r, 2, k, 20, 0, 1, 0, 1000), 0);
  }
  cnt.fail_all = 1; /* the node that carries the finished message */
  cr_assert_eq(add_frag(r, 2, 19, 20, 0, 1, 0, 1000), CSCTP_ERR_NOMEM);
  cr_assert_eq(csctp_reasm_bytes(r), 19001u);
  cr_assert(!csctp_reasm_has_ready(r));
  cnt.fail_all = 0;
  cr_assert_eq(add_frag(r, 2, 19, 20, 0, 1, 0, 1000), 0);
  expect_msg(r, 0, 1, 0, pay, 20000);
  del_reasm(r);
}

/* More finished messages than assembly buffers, none taken yet: the rest take the general
 * path, and all come out intact and in order; memory stays bounded. */
Test(reasm_asm, buffers_are_bounded) {
  fill_pay();
  csctp_reasm *r = new_reasm(65536);
  uint32_t tsn = 1;
  for (uint16_t ssn = 0; ssn < 20; ssn++, tsn += 3)
    for (int k = 0; k < 3; k++) cr_assert_eq(add_frag(r, tsn, k, 3, 5, ssn, 0, 1000), 0);
  csctp_reasm_stats st;
  csctp_reasm_get_stats(r, &st);
  /* 16 assembled (one unit each), the other 4 held as 3 fragments each on the general path. */
  cr_assert_eq(st.fragments, 16u + 4u * 3u);
  for (uint16_t ssn = 0; ssn < 20; ssn++) expect_msg(r, 5, ssn, 0, pay, 3000);
  expect_none(r);
  csctp_reasm_release(r);
  cr_assert_eq(csctp_reasm_bytes(r), 0u);
  del_reasm(r);
}

/* Peer restart: everything held, the open assembly included, is forgotten. */
Test(reasm_asm, clear_drops_the_assembly) {
  fill_pay();
  csctp_reasm *r = new_reasm(65536);
  for (int k = 0; k < 3; k++) cr_assert_eq(add_frag(r, 1, k, 3, 1, 0, 0, 500), 0);
  cr_assert_eq(add_frag(r, 4, 0, 3, 1, 1, 0, 500), 0);
  expect_msg(r, 1, 0, 0, pay, 1500); /* handed out, then cleared */
  csctp_reasm_clear(r);
  cr_assert_eq(csctp_reasm_bytes(r), 0u);
  csctp_reasm_stats st;
  csctp_reasm_get_stats(r, &st);
  cr_assert_eq(st.fragments, 0u);
  for (int k = 0; k < 3; k++) cr_assert_eq(add_frag(r, 100, k, 3, 1, 0, 0, 500), 0);
  expect_msg(r, 1, 0, 0, pay, 1500);
  del_reasm(r);
}
