/* SPDX-License-Identifier: MIT */
/* Tests for reassembly and ordered/unordered delivery (src/reasm.c). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "prng.h"
#include "reasm_util.h"

Test(reasm, single_fragment) {
  csctp_reasm *r = new_reasm(65536);
  char msg[] = "hello";
  cr_assert_eq(add(r, B | E, 7, 3, 0, msg, 5), 0);
  cr_assert_eq(csctp_reasm_bytes(r), 5u);
  msg[0] = 'X'; /* the chunk's payload was copied */
  cr_assert(csctp_reasm_has_ready(r));
  expect_msg(r, 3, 0, 0, "hello", 5);
  cr_assert_eq(csctp_reasm_bytes(r), 5u); /* popped, not released */
  csctp_reasm_release(r);
  cr_assert_eq(csctp_reasm_bytes(r), 0u);
  expect_none(r);
  del_reasm(r);
}

Test(reasm, multi_fragment_any_order) {
  csctp_reasm *r = new_reasm(65536);
  cr_assert_eq(add(r, E, 12, 1, 0, "ghi", 3), 0);
  cr_assert_eq(add(r, B, 10, 1, 0, "abc", 3), 0);
  cr_assert(!csctp_reasm_has_ready(r));
  cr_assert_eq(csctp_reasm_bytes(r), 6u);
  cr_assert_eq(add(r, 0, 11, 1, 0, "def", 3), 0);
  cr_assert(csctp_reasm_has_ready(r));
  expect_msg(r, 1, 0, 0, "abcdefghi", 9);
  cr_assert_eq(csctp_reasm_bytes(r), 9u);
  expect_none(r); /* pop releases the previous message */
  cr_assert_eq(csctp_reasm_bytes(r), 0u);
  csctp_reasm_stats st;
  csctp_reasm_get_stats(r, &st);
  cr_assert_eq(st.fragments, 0u);
  del_reasm(r);
}

Test(reasm, ordered_held_until_earlier_ssn_completes) {
  csctp_reasm *r = new_reasm(65536);
  /* Stream 2: SSN 0 = TSN 1..2, SSN 1 = TSN 3, SSN 2 = TSN 4. */
  cr_assert_eq(add(r, B | E, 4, 2, 2, "C", 1), 0);
  cr_assert_eq(add(r, B | E, 3, 2, 1, "B", 1), 0);
  cr_assert_eq(add(r, B, 1, 2, 0, "a", 1), 0);
  expect_none(r);
  cr_assert_eq(add(r, E, 2, 2, 0, "A", 1), 0);
  expect_msg(r, 2, 0, 0, "aA", 2);
  expect_msg(r, 2, 1, 0, "B", 1);
  expect_msg(r, 2, 2, 0, "C", 1);
  expect_none(r);
  cr_assert_eq(csctp_reasm_bytes(r), 0u);
  del_reasm(r);
}

Test(reasm, unordered_delivered_early) {
  csctp_reasm *r = new_reasm(65536);
  cr_assert_eq(add(r, B, 1, 5, 0, "or", 2), 0);     /* ordered SSN 0, TSN 2 missing */
  cr_assert_eq(add(r, B | E, 3, 5, 1, "s1", 2), 0); /* ordered SSN 1, held back */
  /* Unordered 3-fragment message; its SSN fields differ and carry no meaning. */
  cr_assert_eq(add(r, U | E, 6, 5, 9, "z", 1), 0);
  cr_assert_eq(add(r, U | B, 4, 5, 7, "x", 1), 0);
  expect_none(r);
  cr_assert_eq(add(r, U, 5, 5, 8, "y", 1), 0);
  expect_msg(r, 5, 0, 1, "xyz", 3);
  expect_none(r);
  cr_assert_eq(add(r, U | B | E, 7, 5, 0, "u", 1), 0);
  expect_msg(r, 5, 0, 1, "u", 1);
  expect_none(r);
  cr_assert_eq(add(r, E, 2, 5, 0, "d", 1), 0);
  expect_msg(r, 5, 0, 0, "ord", 3);
  expect_msg(r, 5, 1, 0, "s1", 2);
  expect_none(r);
  del_reasm(r);
}

Test(reasm, streams_served_round_robin) {
  csctp_reasm *r = new_reasm(65536);
  uint32_t tsn = 100;
  const char *names[3][3] = {{"a0", "a1", "a2"}, {"b0", "b1", "b2"}, {"c0", "c1", "c2"}};
  for (uint16_t s = 0; s < 3; s++)
    for (uint16_t n = 0; n < 3; n++)
      cr_assert_eq(add(r, B | E, tsn++, (uint16_t)(10 + s), n, names[s][n], 2), 0);
  for (uint16_t n = 0; n < 3; n++)
    for (uint16_t s = 0; s < 3; s++) expect_msg(r, (uint16_t)(10 + s), n, 0, names[s][n], 2);
  expect_none(r);
  del_reasm(r);
}

/* A stream alone in the ready FIFO keeps its place while it has more (csctp_reasm_pop's fast
 * path leaves it there); a stream that joins meanwhile is served after its next message, as if
 * the first had gone to the back after each one. */
Test(reasm, lone_stream_then_another_joins) {
  csctp_reasm *r = new_reasm(65536);
  uint32_t tsn = 500;
  cr_assert_eq(add(r, B | E, tsn++, 10, 0, "a0", 2), 0);
  cr_assert_eq(add(r, B | E, tsn++, 10, 1, "a1", 2), 0);
  cr_assert_eq(add(r, B | E, tsn++, 10, 2, "a2", 2), 0);
  expect_msg(r, 10, 0, 0, "a0", 2);
  cr_assert_eq(add(r, B | E, tsn++, 11, 0, "b0", 2), 0);
  cr_assert_eq(add(r, B | E | U, tsn++, 11, 0, "bu", 2), 0);
  expect_msg(r, 10, 1, 0, "a1", 2);
  expect_msg(r, 11, 0, 0, "b0", 2);
  expect_msg(r, 10, 2, 0, "a2", 2);
  expect_msg(r, 11, 0, 1, "bu", 2);
  expect_none(r);
  cr_assert_eq(add(r, B | E, tsn++, 10, 3, "a3", 2), 0);
  expect_msg(r, 10, 3, 0, "a3", 2);
  expect_none(r);
  csctp_reasm_release(r);
  cr_assert_eq(csctp_reasm_bytes(r), 0u);
  del_reasm(r);
}

Test(reasm, streams_allocated_on_first_use) {
  csctp_reasm *r = new_reasm(65536);
  cr_assert_eq(add(r, B | E, 1, 0, 0, "a", 1), 0);
  cr_assert_eq(add(r, B | E, 2, 30000, 0, "b", 1), 0);
  cr_assert_eq(add(r, B | E, 3, 65535, 0, "c", 1), 0);
  cr_assert_eq(add(r, B | E, 4, 65535, 1, "d", 1), 0);
  csctp_reasm_stats st;
  csctp_reasm_get_stats(r, &st);
  cr_assert_eq(st.streams, 3u);
  cr_assert_lt(cnt.live, 20); /* nothing sized by the stream count */
  expect_msg(r, 0, 0, 0, "a", 1);
  expect_msg(r, 30000, 0, 0, "b", 1);
  expect_msg(r, 65535, 0, 0, "c", 1);
  expect_msg(r, 65535, 1, 0, "d", 1);
  del_reasm(r);
}

Test(reasm, ssn_wraps_past_65535) {
  csctp_reasm *r = new_reasm(65536);
  uint32_t tsn = 0xfffff000u; /* TSNs wrap too on the way */
  uint8_t b[2];
  for (uint32_t n = 0; n < 65534; n++) {
    b[0] = (uint8_t)n;
    cr_assert_eq(add(r, B | E, tsn++, 4, (uint16_t)n, b, 1), 0);
    expect_msg(r, 4, (uint16_t)n, 0, b, 1);
  }
  /* SSNs 65534, 65535, 0, 1 arrive in reverse order. */
  uint16_t ssns[4] = {65534, 65535, 0, 1};
  for (int i = 3; i >= 0; i--) {
    b[0] = (uint8_t)(0xa0 + i);
    cr_assert_eq(add(r, B | E, tsn + (uint32_t)i, 4, ssns[i], b, 1), 0);
    if (i) expect_none(r);
  }
  for (int i = 0; i < 4; i++) {
    b[0] = (uint8_t)(0xa0 + i);
    expect_msg(r, 4, ssns[i], 0, b, 1);
  }
  expect_none(r);
  cr_assert_eq(csctp_reasm_bytes(r), 0u);
  del_reasm(r);
}

Test(reasm, malformed_fragments_leave_state_usable) {
  csctp_reasm *r = new_reasm(65536);
  cr_assert_eq(add(r, B, 1, 1, 0, "ab", 2), 0);
  size_t bytes = csctp_reasm_bytes(r);
  /* A middle fragment of another stream right after a message's first. */
  cr_assert_eq(add(r, 0, 2, 2, 0, "XX", 2), CSCTP_ERR_MALFORMED);
  /* Same stream, other SSN. */
  cr_assert_eq(add(r, E, 2, 1, 1, "XX", 2), CSCTP_ERR_MALFORMED);
  /* Ordered vs unordered. */
  cr_assert_eq(add(r, U | E, 2, 1, 0, "XX", 2), CSCTP_ERR_MALFORMED);
  /* The same TSN twice. */
  cr_assert_eq(add(r, B, 1, 1, 0, "ab", 2), CSCTP_ERR_MALFORMED);
  cr_assert_eq(csctp_reasm_bytes(r), bytes);
  expect_none(r);
  cr_assert_eq(add(r, E, 2, 1, 0, "cd", 2), 0);
  expect_msg(r, 1, 0, 0, "abcd", 4);

  /* After an E, the next TSN must begin a message. */
  cr_assert_eq(add(r, B | E, 10, 1, 1, "e", 1), 0);
  cr_assert_eq(add(r, E, 11, 1, 2, "X", 1), CSCTP_ERR_MALFORMED);
  /* Two complete messages with one SSN. */
  cr_assert_eq(add(r, B | E, 12, 1, 1, "X", 1), CSCTP_ERR_MALFORMED);
  /* An SSN already delivered. */
  cr_assert_eq(add(r, B | E, 13, 1, 0, "X", 1), CSCTP_ERR_MALFORMED);
  /* Empty payloads are the association's business (No User Data). */
  cr_assert_eq(add(r, B | E, 14, 1, 2, "", 0), CSCTP_ERR_INVALID_ARGUMENT);
  expect_msg(r, 1, 1, 0, "e", 1);
  cr_assert_eq(add(r, B | E, 11, 1, 2, "f", 1), 0);
  expect_msg(r, 1, 2, 0, "f", 1);
  expect_none(r);
  cr_assert_eq(csctp_reasm_bytes(r), 0u);
  del_reasm(r);
}

Test(reasm, too_large_leaves_state_usable) {
  csctp_reasm *r = new_reasm(3000);
  static uint8_t big[4000];
  for (size_t i = 0; i < sizeof(big); i++) big[i] = (uint8_t)(i * 7);
  cr_assert_eq(add(r, B | E, 1, 0, 0, big, 3001), CSCTP_ERR_MSG_TOO_LARGE);
  cr_assert_eq(add(r, B, 2, 0, 0, big, 1000), 0);
  cr_assert_eq(add(r, E, 5, 0, 0, big + 3000, 1), 0);
  cr_assert_eq(add(r, 0, 3, 0, 0, big + 1000, 1000), 0);
  /* Joining both sides would make 3001 bytes. */
  cr_assert_eq(add(r, 0, 4, 0, 0, big + 2000, 1000), CSCTP_ERR_MSG_TOO_LARGE);
  cr_assert_eq(csctp_reasm_bytes(r), 2001u);
  expect_none(r);
  /* Exactly the maximum is fine. */
  cr_assert_eq(add(r, B | E, 6, 9, 0, big, 3000), 0);
  expect_msg(r, 9, 0, 0, big, 3000);
  cr_assert_eq(add(r, 0, 4, 0, 0, big + 2000, 999), 0);
  static uint8_t want[3000];
  memcpy(want, big, 2999);
  want[2999] = big[3000];
  expect_msg(r, 0, 0, 0, want, 3000);
  expect_none(r);
  cr_assert_eq(csctp_reasm_bytes(r), 0u);
  del_reasm(r);
}

Test(reasm, oversized_payload_gets_own_buffer) {
  csctp_reasm *r = new_reasm(65536);
  static uint8_t big[3000];
  for (size_t i = 0; i < sizeof(big); i++) big[i] = (uint8_t)(i ^ (i >> 8));
  cr_assert_eq(add(r, B | E, 1, 0, 0, big, 1500), 0);
  /* Out of order (E first, then B with a message on another stream open before it): the
   * general path, not the in-order assembly (tests/sctp/test_reasm_asm.c). */
  cr_assert_eq(add(r, E, 3, 0, 1, big + 1452, 1548), 0);
  cr_assert_eq(add(r, B, 100, 9, 0, "z", 1), 0); /* opens the assembly on stream 9 */
  cr_assert_eq(add(r, B, 2, 0, 1, big, 1452), 0);
  csctp_reasm_stats st;
  csctp_reasm_get_stats(r, &st);
  cr_assert_eq(st.big_allocs, 3u);
  size_t held_mem = st.mem_bytes;
  expect_msg(r, 0, 0, 0, big, 1500);
  expect_msg(r, 0, 1, 0, big, 3000);
  expect_none(r);
  /* The three own buffers are gone; the nodes stay pooled. */
  csctp_reasm_get_stats(r, &st);
  cr_assert_eq(st.mem_bytes, held_mem - 1500 - 1452 - 1548);
  csctp_reasm_forward(r, 100); /* drops the open assembly: no node was used for it */
  cr_assert_eq(st.nodes, 3u);
  cr_assert_eq(st.nodes_free, 3u);
  del_reasm(r);
}

Test(reasm, clear_forgets_everything) {
  csctp_reasm *r = new_reasm(65536);
  cr_assert_eq(add(r, B | E, 1, 1, 0, "a", 1), 0);
  cr_assert_eq(add(r, B | E, 2, 1, 1, "b", 1), 0);
  cr_assert_eq(add(r, B, 3, 2, 0, "c", 1), 0);
  cr_assert_eq(add(r, U | B, 5, 2, 0, "d", 1), 0);
  expect_msg(r, 1, 0, 0, "a", 1); /* popped, not released */
  csctp_reasm_clear(r);
  cr_assert_eq(csctp_reasm_bytes(r), 0u);
  expect_none(r);
  csctp_reasm_stats st;
  csctp_reasm_get_stats(r, &st);
  cr_assert_eq(st.streams, 0u);
  cr_assert_eq(st.fragments, 0u);
  /* Stream 1 starts again at SSN 0; the old TSNs are free. */
  cr_assert_eq(add(r, B | E, 1, 1, 0, "x", 1), 0);
  expect_msg(r, 1, 0, 0, "x", 1);
  del_reasm(r);
}

Test(reasm, out_of_memory_changes_nothing) {
  csctp_reasm *r = new_reasm(65536);
  /* An assembly open on stream 9 sends the message below down the general path. */
  cr_assert_eq(add(r, B, 100, 9, 0, "z", 1), 0);
  cr_assert_eq(csctp_reasm_bytes(r), 1u);
  cnt.fail_all = 1;
  cr_assert_eq(add(r, B, 1, 1, 0, "ab", 2), CSCTP_ERR_NOMEM);
  cr_assert_eq(csctp_reasm_bytes(r), 1u);
  cnt.fail_all = 0;
  cr_assert_eq(add(r, B, 1, 1, 0, "ab", 2), 0);
  cnt.fail_all = 1;
  cr_assert_eq(add(r, E, 2, 1, 0, "cd", 2), CSCTP_ERR_NOMEM); /* no free node yet */
  cr_assert_eq(csctp_reasm_bytes(r), 3u);
  cnt.fail_all = 0;
  cr_assert_eq(add(r, E, 2, 1, 0, "cd", 2), 0);
  /* The delivery buffer cannot be grown: the message stays queued. */
  cnt.fail_all = 1;
  csctp_rx_msg m;
  cr_assert_eq(csctp_reasm_pop(r, &m), CSCTP_ERR_NOMEM);
  cr_assert(csctp_reasm_has_ready(r));
  cnt.fail_all = 0;
  expect_msg(r, 1, 0, 0, "abcd", 4);
  expect_none(r);
  del_reasm(r);
}

/* ---- randomized: many messages on several streams, fragments shuffled ---- */

typedef struct gen_msg {
  uint16_t stream, ssn;
  int unordered;
  uint8_t *data;
  size_t len;
  int delivered;
} gen_msg;

typedef struct gen_frag {
  uint32_t tsn;
  uint8_t flags;
  uint32_t msg;
  size_t off, len;
} gen_frag;

enum { NSTREAMS = 6, NMSG = 600, FRAG = 1100 };

static void random_run(uint64_t seed, uint32_t first_tsn) {
  csctp_reasm *r = new_reasm(1 << 20);
  csctp_prng g;
  csctp_prng_seed(&g, seed);
  static gen_msg msgs[NMSG];
  static gen_frag frags[NMSG * 8];
  uint16_t next_ssn[NSTREAMS] = {0}, want_ssn[NSTREAMS] = {0};
  size_t nfrag = 0;
  uint32_t tsn = first_tsn;
  for (uint32_t i = 0; i < NMSG; i++) {
    gen_msg *m = &msgs[i];
    uint32_t s = (uint32_t)csctp_prng_below(&g, NSTREAMS);
    m->stream = (uint16_t)(s * 9000 + 1);
    m->unordered = csctp_prng_chance(&g, 0.3);
    m->ssn = m->unordered ? (uint16_t)i : next_ssn[s]++;
    m->len = 1 + (size_t)csctp_prng_below(&g, csctp_prng_chance(&g, 0.5) ? 200 : 7000);
    m->data = malloc(m->len);
    for (size_t k = 0; k < m->len; k++) m->data[k] = (uint8_t)csctp_prng_next(&g);
    m->delivered = 0;
    for (size_t off = 0; off < m->len; off += FRAG) {
      gen_frag *f = &frags[nfrag++];
      f->tsn = tsn++;
      f->msg = i;
      f->off = off;
      f->len = m->len - off < FRAG ? m->len - off : FRAG;
      f->flags =
          (uint8_t)((off == 0 ? B : 0) | (off + f->len == m->len ? E : 0) | (m->unordered ? U : 0));
    }
  }
  for (size_t i = nfrag - 1; i > 0; i--) { /* Fisher-Yates */
    size_t j = (size_t)csctp_prng_below(&g, i + 1);
    gen_frag t = frags[i];
    frags[i] = frags[j];
    frags[j] = t;
  }
  size_t model_bytes = 0, delivered = 0;
  for (size_t i = 0; i < nfrag; i++) {
    gen_frag *f = &frags[i];
    gen_msg *m = &msgs[f->msg];
    csctp_data_chunk d = {f->flags,         f->tsn, m->stream, m->ssn, 0x1000u + m->stream,
                          m->data + f->off, f->len};
    cr_assert_eq(csctp_reasm_add(r, &d), 0);
    model_bytes += f->len;
    cr_assert_eq(csctp_reasm_bytes(r), model_bytes);
    csctp_rx_msg out;
    while (csctp_reasm_pop(r, &out) == 1) {
      uint32_t s = out.stream / 9000;
      cr_assert_eq(out.stream % 9000, 1);
      gen_msg *want = NULL;
      if (out.unordered) {
        cr_assert_lt(out.ssn, NMSG);
        want = &msgs[out.ssn];
      } else {
        cr_assert_eq(out.ssn, want_ssn[s], "stream %u: SSN %u before %u", out.stream, out.ssn,
                     want_ssn[s]);
        want_ssn[s]++;
        for (uint32_t k = 0; k < NMSG && !want; k++)
          if (!msgs[k].unordered && msgs[k].stream == out.stream && msgs[k].ssn == out.ssn)
            want = &msgs[k];
      }
      cr_assert_not_null(want);
      cr_assert_eq(want->unordered, out.unordered);
      cr_assert_eq(want->stream, out.stream);
      cr_assert_eq(want->delivered, 0, "delivered twice");
      cr_assert_eq(out.len, want->len);
      cr_assert_arr_eq(out.data, want->data, want->len);
      cr_assert_eq(out.ppid, 0x1000u + out.stream);
      want->delivered = 1;
      delivered++;
      csctp_reasm_release(r);
      model_bytes -= out.len;
      cr_assert_eq(csctp_reasm_bytes(r), model_bytes);
    }
  }
  cr_assert_eq(delivered, (size_t)NMSG);
  for (uint32_t s = 0; s < NSTREAMS; s++) cr_assert_eq(want_ssn[s], next_ssn[s]);
  cr_assert_eq(csctp_reasm_bytes(r), 0u);
  csctp_reasm_stats st;
  csctp_reasm_get_stats(r, &st);
  cr_assert_eq(st.fragments, 0u);
  cr_assert_eq(st.nodes, st.nodes_free);
  for (uint32_t i = 0; i < NMSG; i++) free(msgs[i].data);
  del_reasm(r);
}

Test(reasm, random_permutations) {
  for (uint64_t seed = 1; seed <= 8; seed++) random_run(seed, (uint32_t)(seed * 0x2f000000u));
  random_run(99, 0xfffffe00u); /* TSNs wrap mid-run */
}

/* ---- steady state: no allocation per chunk or per message ---- */

/* Feeds `count` messages in batches of 8, fragments shuffled inside a batch. */
static void steady_batches(csctp_reasm *r, csctp_prng *g, uint32_t *tsn, uint16_t *ssn, int count,
                           int worst_first) {
  static uint8_t payload[4 * FRAG];
  for (size_t i = 0; i < sizeof(payload); i++) payload[i] = (uint8_t)(i * 13);
  for (int done = 0; done < count; done += 8) {
    csctp_data_chunk d[32];
    size_t lens[8];
    int n = 0;
    for (int k = 0; k < 8; k++) {
      uint16_t stream = (uint16_t)(k % 3);
      int unordered = (k == 7);
      size_t len;
      if (worst_first == 1)
        len = 4 * FRAG; /* 32 large nodes held */
      else if (worst_first == 2)
        len = 1 + (size_t)(k * 17); /* 8 small nodes */
      else
        len = csctp_prng_chance(g, 0.5) ? 1 + (size_t)csctp_prng_below(g, 128)
                                        : 1 + (size_t)csctp_prng_below(g, 4 * FRAG);
      lens[k] = len;
      uint16_t s_ssn = unordered ? 0 : ssn[stream]++;
      for (size_t off = 0; off < len; off += FRAG) {
        size_t fl = len - off < FRAG ? len - off : FRAG;
        uint8_t fg =
            (uint8_t)((off == 0 ? B : 0) | (off + fl == len ? E : 0) | (unordered ? U : 0));
        d[n++] = (csctp_data_chunk){fg, (*tsn)++, stream, s_ssn, 51, payload + off, fl};
      }
    }
    /* The worst case arrives last fragment first: every fragment is held in the TSN map
     * before the B fragments let the messages complete. */
    for (int i = n - 1; i > 0 && worst_first != 1; i--) {
      int j = (int)csctp_prng_below(g, (uint64_t)i + 1);
      csctp_data_chunk t = d[i];
      d[i] = d[j];
      d[j] = t;
    }
    for (int i = 0; i < n; i++)
      cr_assert_eq(csctp_reasm_add(r, &d[worst_first == 1 ? n - 1 - i : i]), 0);
    csctp_rx_msg m;
    int got = 0;
    size_t total = 0, want_total = 0;
    while (csctp_reasm_pop(r, &m) == 1) {
      cr_assert_arr_eq(m.data, payload, m.len);
      total += m.len;
      got++;
    }
    for (int k = 0; k < 8; k++) want_total += lens[k];
    cr_assert_eq(got, 8);
    cr_assert_eq(total, want_total);
    cr_assert_eq(csctp_reasm_bytes(r), 0u);
  }
}

Test(reasm, no_allocation_in_steady_state) {
  csctp_reasm *r = new_reasm(65536);
  csctp_prng g;
  csctp_prng_seed(&g, 7);
  uint32_t tsn = 1;
  uint16_t ssn[3] = {0, 0, 0};
  steady_batches(r, &g, &tsn, ssn, 8, 1);
  steady_batches(r, &g, &tsn, ssn, 8, 2);
  steady_batches(r, &g, &tsn, ssn, 5000, 0); /* pool, maps and assembly buffers at their peak */
  long before = cnt.allocs;
  cr_assert_gt(before, 0);
  steady_batches(r, &g, &tsn, ssn, 10000, 0);
  cr_assert_eq(cnt.allocs, before, "%ld allocations after warm-up", cnt.allocs - before);
  del_reasm(r);
}

Test(reasm, stream_reset_restarts_ssn) {
  csctp_reasm *r = new_reasm(65536);
  cr_assert_eq(csctp_reasm_reset_stream(r, 8), 0); /* never used: nothing to do */
  cr_assert_eq(add(r, B | E, 1, 8, 0, "a", 1), 0);
  cr_assert_eq(add(r, B, 2, 8, 1, "b", 1), 0);
  cr_assert_eq(csctp_reasm_reset_stream(r, 8), CSCTP_ERR_INVALID_STATE);
  expect_msg(r, 8, 0, 0, "a", 1);
  cr_assert_eq(csctp_reasm_reset_stream(r, 8), CSCTP_ERR_INVALID_STATE); /* TSN 2 held */
  cr_assert_eq(add(r, E, 3, 8, 1, "c", 1), 0);
  expect_msg(r, 8, 1, 0, "bc", 2);
  /* SSN 0 is now behind the stream's expected SSN 2... */
  cr_assert_eq(add(r, B | E, 4, 8, 0, "x", 1), CSCTP_ERR_MALFORMED);
  /* ...until the reset. */
  cr_assert_eq(csctp_reasm_reset_stream(r, 8), 0);
  cr_assert_eq(add(r, B | E, 4, 8, 0, "x", 1), 0);
  expect_msg(r, 8, 0, 0, "x", 1);
  expect_none(r);
  del_reasm(r);
}

/*
 * Under partial reliability (RFC 3758) a sender may stop a message part way:
 * the next TSN then begins a new message although the previous fragment has
 * no E. Such fragments are kept unjoined (a FORWARD TSN drops them later).
 */
Test(reasm, message_cut_short_is_not_joined) {
  csctp_reasm *r = new_reasm(65536);
  cr_assert_eq(add(r, B, 1, 1, 0, "ab", 2), 0);
  cr_assert_eq(csctp_reasm_bytes(r), 2);
  /* SSN 1 begins right after SSN 0 without its E: the sender stopped SSN 0 (RFC 3758), which
   * can never complete. It goes at once and SSN 1 follows, without waiting for a FORWARD TSN
   * (which, every TSN having arrived, may be out of date and ignored). */
  cr_assert_eq(add(r, B | E, 2, 1, 1, "next", 4), 0);
  cr_assert_eq(csctp_reasm_bytes(r), 4);
  expect_msg(r, 1, 1, 0, "next", 4);
  cr_assert_eq(add(r, U | B | E, 4, 2, 0, "u", 1), 0);
  cr_assert_eq(add(r, U | B, 5, 2, 0, "v", 1), 0);
  cr_assert_eq(add(r, U | B | E, 6, 2, 0, "w", 1), 0); /* after a B without its E: v goes */
  expect_msg(r, 2, 0, 1, "u", 1);
  expect_msg(r, 2, 0, 1, "w", 1);
  /* A FORWARD TSN to 5 skipping SSN 0 of stream 1 finds nothing left to do. */
  csctp_reasm_forward(r, 5);
  cr_assert_eq(csctp_reasm_skip(r, 1, 0), 0);
  expect_none(r);
  csctp_reasm_release(r);
  cr_assert_eq(csctp_reasm_bytes(r), 0);
  del_reasm(r);
}

/* The fast path (whole messages next in line, nothing held) and its meeting with the slow one. */
Test(reasm, fast_path_mixes_with_held_fragments) {
  csctp_reasm *r = new_reasm(65536);
  /* Direct: ordered SSN 0 and 1, an unordered one, on stream 4. */
  cr_assert_eq(add(r, B | E, 100, 4, 0, "a", 1), 0);
  cr_assert_eq(add(r, B | E, 101, 4, 1, "b", 1), 0);
  cr_assert_eq(add(r, U | B | E, 102, 4, 0, "u", 1), 0);
  csctp_reasm_stats st;
  csctp_reasm_get_stats(r, &st);
  cr_assert_eq(st.fragments, 3u);
  /* A middle fragment right after a whole message contradicts it. */
  cr_assert_eq(add(r, 0, 103, 4, 2, "x", 1), CSCTP_ERR_MALFORMED);
  /* An SSN already handed to the queue is behind the expected one. */
  cr_assert_eq(add(r, B | E, 103, 4, 1, "x", 1), CSCTP_ERR_MALFORMED);
  /* SSN 3 arrives before SSN 2 (held), then SSN 2 in two fragments. */
  cr_assert_eq(add(r, B | E, 106, 4, 3, "d", 1), 0);
  cr_assert_eq(add(r, E, 105, 4, 2, "2", 1), 0);
  cr_assert_eq(add(r, B, 104, 4, 2, "c", 1), 0);
  /* While fragments are held, a whole message takes the slow path. */
  cr_assert_eq(add(r, B | E, 107, 4, 4, "e", 1), 0);
  expect_msg(r, 4, 0, 0, "a", 1);
  expect_msg(r, 4, 1, 0, "b", 1);
  expect_msg(r, 4, 0, 1, "u", 1);
  expect_msg(r, 4, 2, 0, "c2", 2);
  expect_msg(r, 4, 3, 0, "d", 1);
  expect_msg(r, 4, 4, 0, "e", 1);
  expect_none(r);
  /* A stream reset waits for direct messages too, and clear frees them. */
  cr_assert_eq(add(r, B | E, 108, 4, 5, "f", 1), 0);
  cr_assert_eq(csctp_reasm_reset_stream(r, 4), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(add(r, B | E, 109, 5, 0, "g", 1), 0);
  csctp_reasm_clear(r);
  csctp_reasm_get_stats(r, &st);
  cr_assert_eq(st.fragments, 0u);
  cr_assert_eq(csctp_reasm_bytes(r), 0u);
  expect_none(r);
  del_reasm(r);
}

/*
 * Two ordered messages with one SSN on one stream, the first handed out in pieces (§6.9)
 * before the second completes: the second is refused (MALFORMED: the association aborts),
 * never handed out after the first (found by fuzz/reasm.c). The second is held in the
 * fragment map (`in_asm` 0) or in the in-order assembly (`in_asm` 1).
 */
static void same_ssn_while_in_pieces(int in_asm) {
  csctp_reasm *r = new_reasm(4096);
  csctp_reasm_set_partial(r, 16);
  uint8_t p[40];
  memset(p, 7, sizeof p);
  cr_assert_eq(add(r, B, 1, 0, 0, p, 40), 0); /* stream 0 takes the assembly */
  cr_assert_eq(add(r, B, 3, 1, 0, p, 40), 0); /* stream 1, SSN 0: in the map */
  cr_assert_eq(add(r, 0, 4, 1, 0, p, 40), 0);
  if (!in_asm) { /* the second SSN 0 arrives while the assembly is still busy: the map */
    cr_assert_eq(add(r, B, 6, 1, 0, p, 40), 0);
    cr_assert_eq(add(r, 0, 7, 1, 0, p, 40), 0);
  }
  cr_assert_eq(add(r, E, 2, 0, 0, p, 40), 0);
  csctp_rx_msg m;
  cr_assert_eq(csctp_reasm_pop(r, &m), 1);
  cr_assert_eq(m.stream, 0);
  csctp_reasm_release(r);
  if (in_asm) { /* the assembly is free again: the second SSN 0 takes it */
    cr_assert_eq(add(r, B, 6, 1, 0, p, 40), 0);
    cr_assert_eq(add(r, 0, 7, 1, 0, p, 40), 0);
  }
  cr_assert_eq(csctp_reasm_pop_piece(r, 4, 1, &m), 1); /* the first SSN 0 in pieces */
  cr_assert_eq(m.stream, 1);
  cr_assert_eq(m.ssn, 0);
  cr_assert(m.flags & CSCTP_MSG_MORE);
  size_t before = csctp_reasm_bytes(r);
  cr_assert_eq(add(r, E, 8, 1, 0, p, 40), CSCTP_ERR_MALFORMED, "in_asm %d", in_asm);
  cr_assert_eq(csctp_reasm_bytes(r), before, "refused: nothing changed");
  csctp_reasm_release(r);
  cr_assert_eq(csctp_reasm_pop(r, &m), 0, "the second SSN 0 is never handed out");
  del_reasm(r);
}

Test(reasm, same_ssn_completing_while_another_is_in_pieces_is_refused) {
  same_ssn_while_in_pieces(0);
  same_ssn_while_in_pieces(1);
}
