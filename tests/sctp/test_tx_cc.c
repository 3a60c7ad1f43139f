/* SPDX-License-Identifier: MIT */
/*
 * Congestion control, retransmission and windows of the tx (src/tx_cc.c,
 * src/tx_sack.c): values derived by hand from RFC 9260 §6.1, §6.2.1, §6.3,
 * §7.2 at MTU 1200 (full chunk 1172 bytes, initial cwnd min(4800, max(2400,
 * 4380)) = 4380).
 */
#include "tx_util.h"

static tpkt P;

Test(tx_cc, initial_cwnd_limits_first_flight) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  cr_assert_eq(tx.p0.cwnd, 4380u);
  cr_assert_eq(tx.p0.ssthresh, 1u << 20);
  for (int i = 0; i < 10; i++) t_enqueue(&tx, 0, 0, 1000, (uint8_t)i);
  /* One 1000-byte message per packet; a packet may start while flight < 4380:
   * at 0, 1000, 2000, 3000, 4000 -> five packets, then 5000 >= 4380. */
  for (int i = 0; i < 5; i++) cr_assert_eq(t_write(&tx, &P, 0), 1u, "packet %d", i);
  cr_assert_eq(tx.outstanding_bytes, 5000u);
  cr_assert(!csctp_tx_wants_to_send(&tx, 0));
  cr_assert_eq(t_write(&tx, &P, 0), 0u);
  csctp_tx_free(&tx);
}

Test(tx_cc, max_burst_limits_packets_per_opportunity) {
  csctp_tx_config cfg = t_config();
  cfg.max_burst = 2;
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  for (int i = 0; i < 10; i++) t_enqueue(&tx, 0, 0, 1000, (uint8_t)i);
  cr_assert_eq(t_write(&tx, &P, 0), 1u);
  cr_assert_eq(t_write(&tx, &P, 0), 1u);
  cr_assert(!csctp_tx_wants_to_send(&tx, 0));
  cr_assert_eq(t_write(&tx, &P, 0), 0u);
  csctp_tx_new_burst(&tx);
  cr_assert(csctp_tx_wants_to_send(&tx, 0));
  cr_assert_eq(t_write(&tx, &P, 0), 1u);
  csctp_tx_free(&tx);
}

Test(tx_cc, slow_start_growth) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  t_enqueue(&tx, 0, 0, 20 * T_MAXP, 0);
  for (int i = 0; i < 4; i++) cr_assert_eq(t_write(&tx, &P, 0), 1u);
  cr_assert_eq(t_write(&tx, &P, 0), 0u); /* 4688 >= 4380 */
  /* Cum ack of 2 chunks (2344 bytes) with cwnd fully used: + min(2344, 1200). */
  cr_assert_eq(t_sack(&tx, 2, 1 << 20, NULL, 0, 0, NULL), 0);
  cr_assert_eq(tx.p0.cwnd, 5580u);
  cr_assert_eq(tx.outstanding_bytes, 2344u);
  /* Flight was 2344 < 5580 before this one: not fully used, no growth. */
  cr_assert_eq(t_sack(&tx, 3, 1 << 20, NULL, 0, 0, NULL), 0);
  cr_assert_eq(tx.p0.cwnd, 5580u);
  /* Fill again: flight 1172 -> packets at 1172, 2344, 3516, 4688 (< 5580) -> 5860. */
  int n = 0;
  while (t_write(&tx, &P, 0)) n++;
  cr_assert_eq(n, 4);
  cr_assert_eq(tx.outstanding_bytes, 5860u);
  /* TSNs 4..8 outstanding. A gap-only SACK (TSN 5) with cwnd full: no growth
   * in slow start, the cum ack must move. */
  const uint16_t g[1][2] = {{2, 2}};
  cr_assert_eq(t_sack(&tx, 3, 1 << 20, g, 1, 0, NULL), 0);
  cr_assert_eq(tx.p0.cwnd, 5580u);
  cr_assert_eq(tx.outstanding_bytes, 4688u);
  /* Cum ack 4 while flight (4688) < cwnd: not fully used, no growth. */
  const uint16_t g1[1][2] = {{1, 1}}; /* TSN 5 again, now offset 1 */
  cr_assert_eq(t_sack(&tx, 4, 1 << 20, g1, 1, 0, NULL), 0);
  cr_assert_eq(tx.p0.cwnd, 5580u);
  /* Refill: 3516 -> 4688 -> 5860 >= 5580. */
  n = 0;
  while (t_write(&tx, &P, 0)) n++;
  cr_assert_eq(n, 2);
  cr_assert_eq(tx.outstanding_bytes, 5860u);
  /* Cum ack 6 newly acks TSN 6 only (5 was gap-acked): + min(1172, 1200). */
  cr_assert_eq(t_sack(&tx, 6, 1 << 20, NULL, 0, 0, NULL), 0);
  cr_assert_eq(tx.p0.cwnd, 5580u + 1172u);
  csctp_tx_free(&tx);
}

Test(tx_cc, congestion_avoidance_partial_bytes_acked) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  tx.p0.ssthresh = 4000; /* cwnd 4380 > ssthresh: congestion avoidance */
  t_enqueue(&tx, 0, 0, 20 * T_MAXP, 0);
  while (t_write(&tx, &P, 0)) {}
  cr_assert_eq(tx.outstanding_bytes, 4688u);
  /* Two chunks: pba = 2344 < cwnd. */
  cr_assert_eq(t_sack(&tx, 2, 1 << 20, NULL, 0, 0, NULL), 0);
  cr_assert_eq(tx.p0.partial_bytes_acked, 2344u);
  cr_assert_eq(tx.p0.cwnd, 4380u);
  /* Refill to flight >= cwnd: 2344 -> 3516 -> 4688. */
  while (t_write(&tx, &P, 0)) {}
  cr_assert_eq(tx.outstanding_bytes, 4688u);
  /* Two more: pba = 4688 >= 4380 with cwnd fully used: pba = 308, cwnd + MTU. */
  cr_assert_eq(t_sack(&tx, 4, 1 << 20, NULL, 0, 0, NULL), 0);
  cr_assert_eq(tx.p0.cwnd, 5580u);
  cr_assert_eq(tx.p0.partial_bytes_acked, 308u);
  /* Everything acked: pba back to 0 (§7.2.2). */
  cr_assert_eq(t_sack(&tx, tx.next_tsn - 1, 1 << 20, NULL, 0, 0, NULL), 0);
  cr_assert_eq(tx.p0.partial_bytes_acked, 0u);
  csctp_tx_free(&tx);
}

Test(tx_cc, fast_retransmit_on_third_miss) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 100, 1 << 20);
  for (int i = 0; i < 20; i++) t_enqueue(&tx, 0, 0, 500, (uint8_t)i);
  /* Two 500-byte chunks per packet (516 + 516 + 12 = 1044; 156 left < 293):
   * flight 0, 1000, ..., 4000 -> 5 packets, TSNs 100..109. */
  int pk = 0;
  while (t_write(&tx, &P, 0)) pk++;
  cr_assert_eq(pk, 5);
  cr_assert_eq(tx.next_tsn, 110u);
  /* TSN 100 is lost; SACKs report 101, then 101-102, then 101-103. */
  const uint16_t g1[1][2] = {{2, 2}}, g2[1][2] = {{2, 3}}, g3[1][2] = {{2, 4}};
  cr_assert_eq(t_sack(&tx, 99, 1 << 20, g1, 1, 0, NULL), 0);
  cr_assert_eq(t_sack(&tx, 99, 1 << 20, g1, 1, 0, NULL), 0); /* nothing new: no miss (HTNA) */
  cr_assert_eq(t_sack(&tx, 99, 1 << 20, g2, 1, 0, NULL), 0);
  cr_assert_eq(tx.stats.fast_retransmits, 0u);
  cr_assert_eq(t_sack(&tx, 99, 1 << 20, g3, 1, 0, NULL), 0);
  cr_assert_eq(tx.stats.fast_retransmits, 1u);
  /* §7.2.3: ssthresh = max(4380/2, 4*1200) = 4800 = cwnd. */
  cr_assert_eq(tx.p0.ssthresh, 4800u);
  cr_assert_eq(tx.p0.cwnd, 4800u);
  /* In flight: 104..109 (3000); 100 is marked, 101-103 gap-acked. */
  cr_assert_eq(tx.outstanding_bytes, 3000u);
  cr_assert(csctp_tx_wants_to_send(&tx, 0));
  cr_assert_eq(t_write(&tx, &P, 0), 2u);
  cr_assert_eq(P.c[0].tsn, 100u, "the lost TSN goes first");
  cr_assert_eq(P.c[0].len, 500u);
  cr_assert_eq(P.c[0].data[0], 0); /* message 0's bytes */
  cr_assert_eq(P.c[1].tsn, 110u, "then new data");
  cr_assert_eq(tx.stats.retransmissions, 1u);
  /* More SACKs still missing 100 do not fast-retransmit it again. */
  const uint16_t g4[1][2] = {{2, 6}}, g5[1][2] = {{2, 8}}, g6[1][2] = {{2, 10}};
  cr_assert_eq(t_sack(&tx, 99, 1 << 20, g4, 1, 0, NULL), 0);
  cr_assert_eq(t_sack(&tx, 99, 1 << 20, g5, 1, 0, NULL), 0);
  cr_assert_eq(t_sack(&tx, 99, 1 << 20, g6, 1, 0, NULL), 0);
  cr_assert_eq(tx.stats.fast_retransmits, 1u);
  cr_assert_eq(tx.stats.retransmissions, 1u);
  /* The retransmission arrives: cum jumps to 109 (fast recovery exit point). */
  csctp_tx_sack_result r;
  cr_assert_eq(t_sack(&tx, 109, 1 << 20, NULL, 0, 0, &r), 0);
  cr_assert_eq(r.bytes_freed, 5000u);
  cr_assert(r.new_cum_ack);
  csctp_tx_free(&tx);
}

Test(tx_cc, t3_expiry_marks_all_and_cwnd_one_mtu) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  t_enqueue(&tx, 0, 0, 10 * T_MAXP, 0);
  cr_assert_eq(csctp_tx_t3_deadline(&tx), CSCTP_TSTAMP_NONE);
  for (int i = 0; i < 4; i++) cr_assert_eq(t_write(&tx, &P, 1000), 1u);
  cr_assert_eq(csctp_tx_t3_deadline(&tx), 1000 + 3000 * T_MS); /* RTO.Initial */
  csctp_tstamp t = 1000 + 3000 * T_MS;
  csctp_tx_on_t3_expiry(&tx, t);
  cr_assert_eq(tx.stats.t3_expiries, 1u);
  cr_assert_eq(tx.p0.cwnd, 1200u);
  cr_assert_eq(tx.p0.ssthresh, 4800u); /* max(4380/2, 4*1200) */
  cr_assert_eq(tx.p0.rto.rto, 6000 * T_MS);
  cr_assert_eq(tx.outstanding_bytes, 0u, "all four marked, none in flight");
  cr_assert_eq(csctp_tx_t3_deadline(&tx), CSCTP_TSTAMP_NONE);
  /* One packet of retransmission: the earliest TSN, same size; restarts T3. */
  cr_assert_eq(t_write(&tx, &P, t), 1u);
  cr_assert_eq(P.c[0].tsn, 1u);
  cr_assert_eq(P.c[0].len, 1172u);
  cr_assert_eq(P.c[0].flags, 2);
  cr_assert_eq(csctp_tx_t3_deadline(&tx), t + 6000 * T_MS);
  cr_assert(!csctp_tx_wants_to_send(&tx, t));
  cr_assert_eq(t_write(&tx, &P, t), 0u);
  /* The SACK for it releases the others, lowest TSN first, before new data. */
  cr_assert_eq(t_sack(&tx, 1, 1 << 20, NULL, 0, t + 100 * T_MS, NULL), 0);
  cr_assert_eq(t_write(&tx, &P, t + 100 * T_MS), 1u);
  cr_assert_eq(P.c[0].tsn, 2u);
  cr_assert_eq(tx.stats.retransmissions, 2u);
  /* Karn: the retransmitted TSN 1 gave no RTT sample. */
  cr_assert_eq(tx.p0.rto.measured, 0);
  csctp_tx_free(&tx);
}

Test(tx_cc, t3_skips_gap_acked_chunks) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  t_enqueue(&tx, 0, 0, 10 * T_MAXP, 0);
  for (int i = 0; i < 4; i++) cr_assert_eq(t_write(&tx, &P, 0), 1u); /* 1..4 */
  const uint16_t g[1][2] = {{2, 2}};                                 /* TSN 2 */
  cr_assert_eq(t_sack(&tx, 0, 1 << 20, g, 1, 0, NULL), 0);
  cr_assert_eq(tx.outstanding_bytes, 3u * 1172u);
  csctp_tx_on_t3_expiry(&tx, 3000 * T_MS);
  csctp_tstamp t = 3000 * T_MS;
  cr_assert_eq(t_write(&tx, &P, t), 1u);
  cr_assert_eq(P.c[0].tsn, 1u);
  /* TSN 2 is still held by the peer (offset 1 from cum 1). */
  const uint16_t g2[1][2] = {{1, 1}};
  cr_assert_eq(t_sack(&tx, 1, 1 << 20, g2, 1, t, NULL), 0);
  uint32_t sent[8];
  int n = 0;
  for (int k = 0; k < 4 && n < 8; k++) {
    while (t_write(&tx, &P, t) && n < 8)
      for (size_t i = 0; i < P.n; i++) sent[n++] = P.c[i].tsn;
    csctp_tx_new_burst(&tx);
  }
  cr_assert_geq(n, 2);
  cr_assert_eq(sent[0], 3u);
  cr_assert_eq(sent[1], 4u);
  for (int i = 0; i < n; i++) cr_assert_neq(sent[i], 2u, "gap-acked TSN 2 is not resent");
  cr_assert_eq(tx.stats.retransmissions, 3u);
  csctp_tx_free(&tx);
}

Test(tx_cc, renege_puts_chunk_back_in_flight) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  t_enqueue(&tx, 0, 0, 10 * T_MAXP, 0);
  for (int i = 0; i < 4; i++) cr_assert_eq(t_write(&tx, &P, 0), 1u);
  const uint16_t g[1][2] = {{2, 3}};
  cr_assert_eq(t_sack(&tx, 0, 100000, g, 1, 0, NULL), 0);
  cr_assert_eq(tx.outstanding_bytes, 2u * 1172u);
  cr_assert_eq(tx.peer_rwnd, 100000u - 2344u);
  cr_assert_eq(tx.buffered, 10u * 1172u, "gap-acked bytes stay buffered");
  /* The next SACK reports only TSN 3: TSN 2 was reneged. */
  const uint16_t g2[1][2] = {{3, 3}};
  cr_assert_eq(t_sack(&tx, 0, 100000, g2, 1, 0, NULL), 0);
  cr_assert_eq(tx.outstanding_bytes, 3u * 1172u);
  cr_assert_eq(tx.peer_rwnd, 100000u - 3516u);
  /* And none at all. */
  cr_assert_eq(t_sack(&tx, 0, 100000, NULL, 0, 0, NULL), 0);
  cr_assert_eq(tx.outstanding_bytes, 4688u);
  csctp_tx_free(&tx);
}

Test(tx_cc, zero_window_probe) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 0);
  t_enqueue(&tx, 0, 0, 100, 0);
  t_enqueue(&tx, 0, 0, 100, 1);
  cr_assert(csctp_tx_wants_to_send(&tx, 0));
  cr_assert_eq(t_write(&tx, &P, 0), 1u, "exactly one probe chunk");
  cr_assert(!csctp_tx_wants_to_send(&tx, 0));
  cr_assert_eq(t_write(&tx, &P, 0), 0u, "none while it is outstanding");
  csctp_tx_sack_result r;
  cr_assert_eq(t_sack(&tx, 1, 0, NULL, 0, 0, &r), 0);
  cr_assert(r.new_cum_ack);
  cr_assert_eq(tx.peer_rwnd, 0u);
  cr_assert_eq(t_write(&tx, &P, 0), 1u, "next probe once nothing is outstanding");
  cr_assert_eq(P.c[0].tsn, 2u);
  csctp_tx_free(&tx);
}

Test(tx_cc, small_window_no_shrunk_chunks) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1500);
  t_enqueue(&tx, 0, 0, 1000, 0);
  t_enqueue(&tx, 0, 0, 1000, 1);
  cr_assert_eq(t_write(&tx, &P, 0), 1u);
  cr_assert_eq(tx.peer_rwnd, 500u);
  /* 500 bytes of window, a 1000-byte chunk waiting, data outstanding: wait. */
  cr_assert(!csctp_tx_wants_to_send(&tx, 0));
  cr_assert_eq(t_write(&tx, &P, 0), 0u);
  /* Acked with a 600-byte window: nothing outstanding, so a whole 1000-byte
   * chunk goes as a probe (never cut to 600). */
  cr_assert_eq(t_sack(&tx, 1, 600, NULL, 0, 0, NULL), 0);
  cr_assert_eq(t_write(&tx, &P, 0), 1u);
  cr_assert_eq(P.c[0].len, 1000u);
  cr_assert_eq(P.c[0].flags, 3 | 8); /* the last queued: RFC 7053 I bit */
  csctp_tx_free(&tx);
}

Test(tx_cc, rtt_measured_once_per_round_trip) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  t_enqueue(&tx, 0, 0, 100, 0);
  t_enqueue(&tx, 0, 0, 100, 1);
  cr_assert_eq(t_write(&tx, &P, 0), 2u);
  cr_assert_eq(t_sack(&tx, 2, 1 << 20, NULL, 0, 100 * T_MS, NULL), 0);
  /* One sample R = 100 ms: SRTT 100, RTTVAR 50, RTO max(300 ms, 1 s). */
  cr_assert_eq(tx.p0.rto.srtt, 100 * T_MS);
  cr_assert_eq(tx.p0.rto.rttvar, 50 * T_MS);
  cr_assert_eq(tx.p0.rto.rto, 1000 * T_MS);
  cr_assert_eq(csctp_tx_t3_deadline(&tx), CSCTP_TSTAMP_NONE, "nothing outstanding");
  /* Next round: sent at 200 ms, acked at 400 ms: R' = 200 ms. */
  t_enqueue(&tx, 0, 0, 100, 2);
  cr_assert_eq(t_write(&tx, &P, 200 * T_MS), 1u);
  cr_assert_eq(csctp_tx_t3_deadline(&tx), 1200 * T_MS);
  cr_assert_eq(t_sack(&tx, 3, 1 << 20, NULL, 0, 400 * T_MS, NULL), 0);
  cr_assert_eq(tx.p0.rto.srtt, 112500);
  cr_assert_eq(tx.p0.rto.rttvar, 62500);
  csctp_tx_free(&tx);
}

Test(tx_cc, t3_restarted_on_cum_ack_advance) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  for (int i = 0; i < 3; i++) t_enqueue(&tx, 0, 0, 1000, (uint8_t)i);
  for (int i = 0; i < 3; i++) cr_assert_eq(t_write(&tx, &P, 0), 1u);
  cr_assert_eq(csctp_tx_t3_deadline(&tx), 3000 * T_MS);
  /* Gap-only SACK: the cum ack did not move, T3 keeps its deadline. */
  const uint16_t g[1][2] = {{2, 2}};
  cr_assert_eq(t_sack(&tx, 0, 1 << 20, g, 1, 500 * T_MS, NULL), 0);
  cr_assert_eq(csctp_tx_t3_deadline(&tx), 3000 * T_MS);
  /* Cum ack moves with data left: T3 restarts with the new RTO. TSN 1, the
   * first chunk sent, is the one timed; it is acked at 700 ms. */
  cr_assert_eq(t_sack(&tx, 1, 1 << 20, g, 1, 700 * T_MS, NULL), 0);
  /* R = 700 ms: RTO = 700 + 4*350 = 2100 ms. */
  cr_assert_eq(tx.p0.rto.rto, 2100 * T_MS);
  cr_assert_eq(csctp_tx_t3_deadline(&tx), 700 * T_MS + 2100 * T_MS);
  cr_assert_eq(t_sack(&tx, 3, 1 << 20, NULL, 0, 800 * T_MS, NULL), 0);
  cr_assert_eq(csctp_tx_t3_deadline(&tx), CSCTP_TSTAMP_NONE);
  csctp_tx_free(&tx);
}

Test(tx_cc, shutdown_cum_ack_is_no_renege) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  t_enqueue(&tx, 0, 0, 10 * T_MAXP, 0);
  for (int i = 0; i < 4; i++) cr_assert_eq(t_write(&tx, &P, 0), 1u);
  const uint16_t g[1][2] = {{3, 3}}; /* TSN 3 */
  cr_assert_eq(t_sack(&tx, 0, 50000, g, 1, 0, NULL), 0);
  cr_assert_eq(tx.outstanding_bytes, 3u * 1172u);
  uint32_t rwnd = tx.peer_rwnd;
  csctp_tx_sack_result r;
  cr_assert_eq(csctp_tx_on_cum_ack(&tx, 1, 10, &r), 0);
  cr_assert(r.new_cum_ack);
  cr_assert_eq(r.bytes_freed, 1172u);
  /* TSN 2 and 4 in flight, 3 still gap-acked. */
  cr_assert_eq(tx.outstanding_bytes, 2u * 1172u);
  cr_assert_eq(tx.peer_rwnd, rwnd);
  cr_assert_eq(csctp_tx_on_cum_ack(&tx, 9, 10, &r), CSCTP_ERR_MALFORMED);
  csctp_tx_free(&tx);
}

/* §6.1 Max.Burst per packet that arrived: a caller that reads three packets before writing gets
 * three opportunities' worth at once (cwnd permitting), and an idle sender keeps no credit. */
Test(tx_cc, max_burst_credit_per_arrival) {
  csctp_tx_config cfg = t_config();
  cfg.max_burst = 2;
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  tx.p0.cwnd = 1 << 20; /* only Max.Burst limits here */
  /* Idle: arrivals leave one opportunity, not three. */
  csctp_tx_new_burst(&tx);
  csctp_tx_new_burst(&tx);
  csctp_tx_new_burst(&tx);
  for (int i = 0; i < 20; i++) t_enqueue(&tx, 0, 0, 1000, (uint8_t)i);
  cr_assert_eq(t_write(&tx, &P, 0), 1u);
  cr_assert_eq(t_write(&tx, &P, 0), 1u);
  cr_assert_eq(t_write(&tx, &P, 0), 0u);
  /* Busy: three arrivals, six packets. */
  csctp_tx_new_burst(&tx);
  csctp_tx_new_burst(&tx);
  csctp_tx_new_burst(&tx);
  for (int i = 0; i < 6; i++) cr_assert_eq(t_write(&tx, &P, 0), 1u, "packet %d", i);
  cr_assert_eq(t_write(&tx, &P, 0), 0u);
  /* Bounded: many arrivals give at most 8 opportunities (16 packets): a browser's 208 KiB
   * socket buffer dropped bursts of 16 opportunities' worth on loopback. */
  for (int i = 0; i < 40; i++) t_enqueue(&tx, 1, 0, 1000, (uint8_t)i);
  for (int i = 0; i < 100; i++) csctp_tx_new_burst(&tx);
  int n = 0;
  while (t_write(&tx, &P, 0)) n++;
  cr_assert_eq(n, 16);
  csctp_tx_free(&tx);
}

/* §6.1: the credit of arrivals is spent by the write opportunity that follows them, also when
 * cwnd leaves nothing to send then: it does not pile up while cwnd is full and go out as one
 * burst when a SACK opens it (64 packets at once were seen, which a browser dropped whole). */
Test(tx_cc, max_burst_credit_spent_while_cwnd_is_full) {
  csctp_tx_config cfg = t_config();
  cfg.max_burst = 2;
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  for (int i = 0; i < 60; i++) t_enqueue(&tx, 0, 0, 1000, (uint8_t)i);
  tx.p0.cwnd = 1 << 20;
  csctp_tx_new_burst(&tx);
  cr_assert_eq(t_write(&tx, &P, 0), 1u);
  cr_assert_eq(t_write(&tx, &P, 0), 1u);
  /* cwnd full: many arrivals, each followed by a write opportunity that sends nothing */
  tx.p0.cwnd = tx.outstanding_bytes;
  for (int i = 0; i < 30; i++) {
    csctp_tx_new_burst(&tx);
    cr_assert_eq(t_write(&tx, &P, 0), 0u, "cwnd is full");
  }
  /* cwnd opens with the next arrival: one opportunity's worth, Max.Burst packets */
  tx.p0.cwnd = 1 << 20;
  csctp_tx_new_burst(&tx);
  int n = 0;
  while (t_write(&tx, &P, 0)) n++;
  cr_assert_eq(n, 2, "%d packets in one burst", n);
  csctp_tx_free(&tx);
}
