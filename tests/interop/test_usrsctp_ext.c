/* SPDX-License-Identifier: MIT */
/*
 * Interop with usrsctp for partial reliability (RFC 3758 FORWARD TSN, RFC 7496
 * policies) and stream reset (RFC 6525), on the harness of ext_harness.h (side 0
 * is our engine, side 1 usrsctp).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <usrsctp.h>

#include "ext_harness.h"

/* ---------- partial reliability ---------- */

static int ep_drained(ext_harness *h, int side) {
  if (h->tx_next[side] < h->tx_total[side]) return 0;
  if (side == 0) {
    csctp_stats st;
    csctp_assoc_get_stats(h->a, &st);
    return st.bytes_outstanding == 0 && st.bytes_buffered == 0;
  }
  int state;
  uint32_t rwnd;
  uint16_t unacked, pending;
  return usrsctp_peer_status(&h->up, &state, &rwnd, &unacked, &pending) == 0 && unacked == 0 &&
         pending == 0;
}

/* Every reliable tail message arrived and both senders hold nothing more. */
static int pr_done(ext_harness *h) {
  for (int i = 0; i < 2; i++) {
    const interop_rx *rx = &h->rx[1 - i];
    if (rx->bad || h->tx_error[i]) return 1;
    for (uint32_t id = h->pr_count[i]; id < h->tx_total[i]; id++)
      if (!rx->seen[id]) return 0;
    if (!ep_drained(h, i)) return 0;
  }
  return 1;
}

/*
 * Each side sends `n` messages (1 B to 256 KiB, 8 streams, ordered and unordered)
 * under its policy at `loss`, then 8 small reliable ones on the same streams:
 * those must all arrive (a receiver that did not move its cumulative TSN past
 * the abandoned ones, or kept waiting for an abandoned SSN, would stall them).
 */
static void pr_both_ways(ext_harness *h, double loss, csctp_pr_policy ours, uint32_t our_value,
                         uint16_t theirs, uint32_t their_value, uint32_t n) {
  ext_establish(h, 0);
  csctp_stats st0;
  csctp_assoc_get_stats(h->a, &st0);
  const char *l = getenv("CSCTP_INTEROP_LOSS"); /* overrides the test's loss */
  h->loss = l ? atof(l) : loss;
  h->policy[0] = (uint16_t)ours, h->value[0] = our_value;
  h->policy[1] = theirs, h->value[1] = their_value;
  for (int i = 0; i < 2; i++) {
    h->pr_count[i] = n;
    h->tx_total[i] = n + 8;
    h->txbuf[i] = malloc(INTEROP_MAX_MSG);
    interop_rx_init(&h->rx[1 - i], i, h->tx_total[i]);
  }
  csctp_tstamp t0 = ext_now_us();
  int ok = ext_run_until(h, pr_done, 60000);
  ext_report(h);
  fprintf(stderr, "done in %llu ms; delivered under PR: csctp %u/%u, usrsctp %u/%u\n",
          (unsigned long long)(ext_now_us() - t0) / 1000, h->rx[0].received - 8, n,
          h->rx[1].received - 8, n);
  for (int i = 0; i < 2; i++) {
    fprintf(stderr, "%s did not get ids:", i == 0 ? "csctp" : "usrsctp");
    for (uint32_t id = 0; id < h->rx[i].expected; id++)
      if (!h->rx[i].seen[id]) fprintf(stderr, " %u", id);
    fprintf(stderr, "\n");
  }
  for (int i = 0; i < 2; i++) {
    cr_expect_eq(h->tx_error[i], 0, "side %d: send failed", i);
    cr_expect_eq(h->rx[i].bad, 0, "side %d received: %s", i, h->rx[i].failure);
  }
  cr_assert(ok, "stalled: the reliable tail did not arrive, or a sender did not drain, in 60 s");
  /* Able to fail: abandonment really happened both ways and was signalled on the wire. */
  cr_expect_gt(h->chunks[0][CHUNK_FORWARD_TSN], 0, "csctp sent no FORWARD TSN");
  cr_expect_gt(h->chunks[1][CHUNK_FORWARD_TSN], 0, "usrsctp sent no FORWARD TSN");
  cr_expect_lt(h->rx[1].received, h->tx_total[0], "nothing of ours was abandoned");
  cr_expect_lt(h->rx[0].received, h->tx_total[1], "nothing of usrsctp's was abandoned");
  /* Receive buffers drained: our window is whole again; usrsctp's close to it. */
  csctp_stats st;
  csctp_assoc_get_stats(h->a, &st);
  cr_expect_eq(st.local_rwnd, st0.local_rwnd, "csctp rwnd %u, was %u", st.local_rwnd,
               st0.local_rwnd);
  cr_expect_eq(h->chunks[0][9] + h->chunks[1][9], 0, "an ERROR chunk was sent");
  cr_expect_eq(h->up.remote_errors + h->peer_errors, 0);
}

Test(usrsctp_ext, forward_tsn_ttl_both_ways_15pct_loss, .init = ext_setup, .fini = ext_teardown,
     .timeout = 120) {
  pr_both_ways(&ext_h, 0.15, CSCTP_PR_TTL, 150, SCTP_PR_SCTP_TTL, 150, 2 * INTEROP_NSIZES);
}

Test(usrsctp_ext, forward_tsn_rtx_both_ways_20pct_loss, .init = ext_setup, .fini = ext_teardown,
     .timeout = 120) {
  pr_both_ways(&ext_h, 0.20, CSCTP_PR_RTX, 0, SCTP_PR_SCTP_RTX, 0, INTEROP_NSIZES);
}

Test(usrsctp_ext, forward_tsn_rtx1_both_ways_10pct_loss, .init = ext_setup, .fini = ext_teardown,
     .timeout = 120) {
  pr_both_ways(&ext_h, 0.10, CSCTP_PR_RTX, 1, SCTP_PR_SCTP_RTX, 1, INTEROP_NSIZES);
}

/* ---------- stream reset (RFC 6525) ---------- */

#define RS_SID 3

/* Side `from` sends "<tag><i>" for i in [0, n) on RS_SID, ordered, PPID 7. */
static void rs_send(ext_harness *h, int from, char tag, int n) {
  for (int i = 0; i < n; i++) {
    char b[8];
    int len = snprintf(b, sizeof b, "%c%d", tag, i);
    int r;
    if (from == 0) {
      csctp_send_opts o = {.stream = RS_SID, .ppid = 7};
      r = csctp_assoc_send(h->a, &o, (const uint8_t *)b, (size_t)len, ext_now_us());
    } else {
      r = usrsctp_peer_send(&h->up, RS_SID, 7, 0, b, (size_t)len);
    }
    cr_assert_eq(r, 0, "side %d: send %s: %d", from, b, r);
  }
}

static int rs_want;
static int got_rs_want(ext_harness *h) { return h->nlog[0] + h->nlog[1] >= rs_want; }
static int reset_done_by_usrsctp(ext_harness *h) {
  return h->rs_in > 0 && h->up.strreset_events > 0;
}
static int reset_done_by_csctp(ext_harness *h) {
  return h->rs_out > 0 && h->up.strreset_events > 0;
}

/* The messages side `to` received: "a0".."a<n_a-1>" then "b0".."b<n_b-1>", in that order. */
static void rs_check_log(const ext_harness *h, int to, int n_a, int n_b) {
  cr_assert_eq(h->nlog[to], n_a + n_b, "side %d received %d messages", to, h->nlog[to]);
  for (int i = 0; i < n_a + n_b; i++) {
    char b[8];
    int len = snprintf(b, sizeof b, "%c%d", i < n_a ? 'a' : 'b', i < n_a ? i : i - n_a);
    const ext_rx_msg *m = &h->log[to][i];
    cr_expect_eq(m->sid, RS_SID);
    cr_expect(m->len == (size_t)len && memcmp(m->data, b, (size_t)len) == 0,
              "side %d message %d: expected %s, got %.*s", to, i, b, (int)m->len, m->data);
  }
}

/*
 * Side `from` sends 5 messages on RS_SID, resets that outgoing stream, and sends
 * 3 more; with `immediate` the reset and the 3 follow at once (the reset waits
 * for the 5 in flight: the receiver may answer "In progress"), otherwise after
 * the 5 were delivered. All 8 arrive in order, and on the wire the 3 carry
 * SSNs 0, 1, 2.
 */
static void reset_by(ext_harness *h, int from, int immediate) {
  ext_establish(h, 0);
  const char *l = getenv("CSCTP_INTEROP_LOSS");
  h->loss = l ? atof(l) : 0.10;
  h->raw = 1;
  int to = 1 - from;
  rs_send(h, from, 'a', 5);
  if (!immediate) {
    rs_want = 5;
    cr_assert(ext_run_until(h, got_rs_want, 10000), "the first 5 messages did not arrive");
  }
  uint16_t sid = RS_SID;
  if (from == 0)
    cr_assert_eq(csctp_assoc_reset_streams(h->a, &sid, 1, ext_now_us()), 0);
  else
    cr_assert_eq(usrsctp_peer_reset_streams(&h->up, &sid, 1), 0, "SCTP_RESET_STREAMS: %s",
                 strerror(errno));
  /* Ours queue behind the reset (numbered from SSN 0); usrsctp refuses sends on a
   * stream with a reset pending (EAGAIN), so its 3 wait for the reset to complete. */
  if (immediate && from == 0) rs_send(h, from, 'b', 3);
  int ok = ext_run_until(h, from == 0 ? reset_done_by_csctp : reset_done_by_usrsctp, 15000);
  ext_report(h);
  cr_assert(ok, "the reset did not complete in 15 s (csctp in %d out %d, usrsctp events %d)",
            h->rs_in, h->rs_out, h->up.strreset_events);
  if (from == 0) {
    cr_expect_eq(h->rs_result, 0, "usrsctp refused our reset: result %u", h->rs_result);
    cr_expect(h->up.strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN, "usrsctp flags 0x%x",
              h->up.strreset_flags);
  } else {
    cr_expect(h->up.strreset_flags & SCTP_STREAM_RESET_OUTGOING_SSN, "usrsctp flags 0x%x",
              h->up.strreset_flags);
    cr_expect_eq(h->rs_in, 1);
  }
  cr_expect_eq(h->up.strreset_flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED), 0,
               "usrsctp flags 0x%x", h->up.strreset_flags);
  cr_expect_eq(h->up.strreset_n, 1);
  cr_expect_eq(h->up.strreset_streams[0], RS_SID);
  cr_expect_eq(h->rs_n, 1);
  cr_expect_eq(h->rs_streams[0], RS_SID);
  if (!immediate || from == 1) rs_send(h, from, 'b', 3);
  rs_want = 8;
  ok = ext_run_until(h, got_rs_want, 10000);
  ext_report(h);
  cr_assert(ok, "%d of 8 messages arrived after the reset", h->nlog[to]);
  rs_check_log(h, to, 5, 3);
  cr_expect_eq(h->nlog[from], 0);
  for (int i = 0; i < 5; i++)
    cr_expect_eq(h->ssn_of[from][0][i], i, "a%d went with SSN %d", i, h->ssn_of[from][0][i]);
  for (int i = 0; i < 3; i++)
    cr_expect_eq(h->ssn_of[from][1][i], i, "b%d (after the reset) went with SSN %d", i,
                 h->ssn_of[from][1][i]);
  cr_expect_eq(h->chunks[0][9] + h->chunks[1][9], 0, "an ERROR chunk was sent");
}

Test(usrsctp_ext, reset_by_usrsctp_10pct_loss, .init = ext_setup, .fini = ext_teardown,
     .timeout = 60) {
  reset_by(&ext_h, 1, 0);
}

Test(usrsctp_ext, reset_by_csctp_10pct_loss, .init = ext_setup, .fini = ext_teardown,
     .timeout = 60) {
  reset_by(&ext_h, 0, 0);
}

Test(usrsctp_ext, reset_by_usrsctp_with_data_in_flight, .init = ext_setup, .fini = ext_teardown,
     .timeout = 60) {
  reset_by(&ext_h, 1, 1);
}

Test(usrsctp_ext, reset_by_csctp_with_data_in_flight, .init = ext_setup, .fini = ext_teardown,
     .timeout = 60) {
  reset_by(&ext_h, 0, 1);
}

/* ---------- reproduction: FORWARD TSN purges a newer partial message ---------- */

/* First transmission only: the middle fragment of PPID 100 and the last of PPID 101. */
static int drop_a_mid_b_end(ext_harness *h, int from, const uint8_t *p, size_t len) {
  if (from != 1 || len < 28 || p[12] != 0) return 0;
  uint32_t ppid = (uint32_t)p[24] << 24 | (uint32_t)p[25] << 16 | (uint32_t)p[26] << 8 | p[27];
  int be = p[13] & 0x03;
  if (ppid == 100 && be == 0 && !(h->drop_state & 1)) return h->drop_state |= 1, 1;
  if (ppid == 101 && be == 1 && !(h->drop_state & 2)) return h->drop_state |= 2, 1;
  return 0;
}

static int got3(ext_harness *h) { return h->nlog[0] >= 3; }

/*
 * usrsctp sends A (3 fragments, stream 2, RTX 0), B (3 fragments, stream 7,
 * reliable) and C (1 byte, stream 7); A's middle and B's last fragment are lost
 * once. usrsctp abandons A: FORWARD TSN with New Cumulative TSN = A's last TSN,
 * arriving while B's first two fragments wait for the third. RFC 3758 §3.6 lets
 * the receiver drop only fragments with TSNs up to the New Cumulative TSN; B
 * must be delivered once its last fragment is retransmitted, then C.
 * Regression test: csctp_assoc_on_forward_tsn once purged the reassembly queue
 * up to the cumulative TSN *after* advancing it over B's fragments, so B's head
 * was discarded and stream 7 stalled at B's SSN forever.
 */
Test(usrsctp_ext, forward_tsn_keeps_newer_partial_message, .init = ext_setup, .fini = ext_teardown,
     .timeout = 60) {
  ext_harness *h = &ext_h;
  ext_establish(h, 0);
  h->raw = 1;
  h->drop_fn = drop_a_mid_b_end;
  static uint8_t a[3000], b[3000];
  memset(a, 'A', sizeof a);
  memset(b, 'B', sizeof b);
  cr_assert_eq(usrsctp_peer_send_pr(&h->up, 2, 100, 0, SCTP_PR_SCTP_RTX, 0, a, sizeof a), 0);
  cr_assert_eq(usrsctp_peer_send(&h->up, 7, 101, 0, b, sizeof b), 0);
  cr_assert_eq(usrsctp_peer_send(&h->up, 7, 102, 0, "C", 1), 0);
  ext_run_until(h, got3, 5000);
  ext_report(h);
  cr_expect_eq(h->drop_state, 3, "the planned losses did not happen (0x%x)", h->drop_state);
  cr_expect_gt(h->chunks[1][CHUNK_FORWARD_TSN], 0, "usrsctp sent no FORWARD TSN");
  int got_b = 0, got_c = 0;
  for (int i = 0; i < h->nlog[0]; i++) {
    cr_expect_neq(h->log[0][i].ppid, 100, "A was abandoned, yet delivered");
    got_b += h->log[0][i].ppid == 101 && h->log[0][i].len == sizeof b;
    got_c += h->log[0][i].ppid == 102;
  }
  cr_expect_eq(got_b, 1, "B (stream 7, reliable) was not delivered");
  cr_expect_eq(got_c, 1, "C (stream 7, after B) was not delivered");
}
