/* SPDX-License-Identifier: MIT */
/*
 * Recovery after a T3-rtx expiry (src/tx_sack.c, src/rto.c): the back-off of
 * RFC 9260 §6.3.3 E2 ends as soon as a chunk that was sent only once is newly
 * acknowledged (Karn; RFC 6298 §5: the RTO collapses back to the value computed
 * from SRTT and RTTVAR), not at the next timed RTT sample; the ack of a
 * retransmitted chunk is ambiguous and keeps the back-off. And a fast
 * retransmission that is lost is sent again once three SACKs ack data sent
 * after it, as usrsctp does, rather than left to T3 and its back-off.
 *
 * RTO.Min is 100 ms here so that the computed RTO shows: one sample of 100 ms
 * gives SRTT 100, RTTVAR 50, RTO 100 + 4 * 50 = 300 ms.
 */
#include "tx_util.h"

static tpkt P;

static csctp_tx_config rec_config(void) {
  csctp_tx_config c = t_config();
  c.rto_min = 100;
  return c;
}

/* One chunk timed and acked after 100 ms (RTO 300 ms), then TSNs 2..5 sent at 1 s. */
static void rec_measured_then_four_out(csctp_tx *tx) {
  csctp_tx_config cfg = rec_config();
  t_init(tx, &cfg, 1, 1 << 20);
  t_enqueue(tx, 0, 0, 100, 0);
  cr_assert_eq(t_write(tx, &P, 0), 1u);
  cr_assert_eq(t_sack(tx, 1, 1 << 20, NULL, 0, 100 * T_MS, NULL), 0);
  cr_assert_eq(tx->p0.rto.rto, 300 * T_MS);
  for (int i = 0; i < 4; i++) t_enqueue(tx, 0, 0, 1000, (uint8_t)(i + 1));
  for (int i = 0; i < 4; i++) cr_assert_eq(t_write(tx, &P, 1000 * T_MS), 1u);
  cr_assert_eq(csctp_tx_t3_deadline(tx), 1300 * T_MS);
}

/* T3 fires at 1.3 s (RTO doubled to 600 ms); TSN 2 is retransmitted at once. */
static csctp_tstamp rec_t3_and_retransmit(csctp_tx *tx) {
  csctp_tstamp t = 1300 * T_MS;
  csctp_tx_on_t3_expiry(tx, t);
  cr_assert_eq(tx->p0.rto.rto, 600 * T_MS);
  cr_assert_eq(t_write(tx, &P, t), 1u);
  cr_assert_eq(P.c[0].tsn, 2u);
  cr_assert_eq(csctp_tx_t3_deadline(tx), t + 600 * T_MS);
  return t;
}

Test(tx_recovery, once_sent_chunk_acked_restores_rto) {
  csctp_tx tx;
  rec_measured_then_four_out(&tx);
  csctp_tstamp t = rec_t3_and_retransmit(&tx);
  /*
   * The SACK acks TSN 2 (retransmitted) and TSN 3, which was marked by the
   * timeout but never sent again: its first transmission arrived, the path
   * works at the estimated RTT. The back-off ends and the T3 restarted by the
   * cum ack (R3) runs with the computed 300 ms, not the doubled 600 ms.
   */
  csctp_tstamp now = t + 80 * T_MS;
  cr_assert_eq(t_sack(&tx, 3, 1 << 20, NULL, 0, now, NULL), 0);
  cr_assert_eq(tx.p0.rto.rto, 300 * T_MS);
  cr_assert_eq(tx.p0.rto.srtt, 100 * T_MS, "no RTT sample was taken");
  cr_assert_eq(tx.p0.rto.rttvar, 50 * T_MS);
  cr_assert_eq(csctp_tx_t3_deadline(&tx), now + 300 * T_MS);
  csctp_tx_free(&tx);
}

Test(tx_recovery, retransmitted_chunk_ack_keeps_backoff) {
  csctp_tx tx;
  rec_measured_then_four_out(&tx);
  csctp_tstamp t = rec_t3_and_retransmit(&tx);
  /* Karn: only TSN 2, sent twice, is acked: which copy arrived is unknown. */
  csctp_tstamp now = t + 80 * T_MS;
  csctp_tx_sack_result r;
  cr_assert_eq(t_sack(&tx, 2, 1 << 20, NULL, 0, now, &r), 0);
  cr_assert(r.new_cum_ack);
  cr_assert_eq(tx.p0.rto.rto, 600 * T_MS);
  cr_assert_eq(csctp_tx_t3_deadline(&tx), now + 600 * T_MS);
  /* Then TSN 3 is retransmitted too and acked: still ambiguous, still backed off. */
  cr_assert_eq(t_write(&tx, &P, now), 1u);
  cr_assert_eq(P.c[0].tsn, 3u);
  cr_assert_eq(t_sack(&tx, 3, 1 << 20, NULL, 0, now + 80 * T_MS, NULL), 0);
  cr_assert_eq(tx.p0.rto.rto, 600 * T_MS);
  /* A second timeout doubles again from the backed-off value. */
  csctp_tx_on_t3_expiry(&tx, csctp_tx_t3_deadline(&tx));
  cr_assert_eq(tx.p0.rto.rto, 1200 * T_MS);
  csctp_tx_free(&tx);
}

Test(tx_recovery, gap_ack_of_once_sent_chunk_restores_rto) {
  csctp_tx tx;
  rec_measured_then_four_out(&tx);
  csctp_tstamp t = rec_t3_and_retransmit(&tx);
  csctp_tx_on_t3_expiry(&tx, csctp_tx_t3_deadline(&tx)); /* a second timeout: 1.2 s */
  cr_assert_eq(tx.p0.rto.rto, 1200 * T_MS);
  /* A gap block acks TSN 4 (sent once); the cum ack stays at 1. */
  const uint16_t g[1][2] = {{3, 3}};
  csctp_tx_sack_result r;
  cr_assert_eq(t_sack(&tx, 1, 1 << 20, g, 1, t + 700 * T_MS, &r), 0);
  cr_assert(!r.new_cum_ack);
  cr_assert(r.new_data_acked);
  cr_assert_eq(tx.p0.rto.rto, 300 * T_MS);
  csctp_tx_free(&tx);
}

Test(tx_recovery, no_measurement_restores_rto_initial) {
  csctp_tx_config cfg = rec_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  t_enqueue(&tx, 0, 0, 1000, 0);
  t_enqueue(&tx, 0, 0, 1000, 1);
  cr_assert_eq(t_write(&tx, &P, 0), 1u);
  cr_assert_eq(t_write(&tx, &P, 0), 1u);
  csctp_tstamp t = 3000 * T_MS; /* RTO.Initial */
  csctp_tx_on_t3_expiry(&tx, t);
  cr_assert_eq(tx.p0.rto.rto, 6000 * T_MS);
  cr_assert_eq(t_write(&tx, &P, t), 1u); /* TSN 1 again */
  /* TSN 2 (sent once, untimed: Karn stopped the timing at the timeout) is gap-acked. */
  const uint16_t g[1][2] = {{2, 2}};
  cr_assert_eq(t_sack(&tx, 0, 1 << 20, g, 1, t + 50 * T_MS, NULL), 0);
  cr_assert_eq(tx.p0.rto.measured, 0);
  cr_assert_eq(tx.p0.rto.rto, 3000 * T_MS, "back to RTO.Initial (C1), not the doubled 6 s");
  csctp_tx_free(&tx);
}

Test(tx_recovery, shutdown_cum_ack_of_once_sent_chunk_restores_rto) {
  csctp_tx tx;
  rec_measured_then_four_out(&tx);
  csctp_tstamp t = rec_t3_and_retransmit(&tx);
  /* The Cumulative TSN Ack of a SHUTDOWN (§9.2) covering TSN 3 counts like a SACK. */
  csctp_tx_sack_result r;
  cr_assert_eq(csctp_tx_on_cum_ack(&tx, 3, t + 80 * T_MS, &r), 0);
  cr_assert(r.new_cum_ack);
  cr_assert_eq(tx.p0.rto.rto, 300 * T_MS);
  csctp_tx_free(&tx);
}

Test(tx_recovery, duplicate_sack_changes_nothing) {
  csctp_tx tx;
  rec_measured_then_four_out(&tx);
  csctp_tstamp t = rec_t3_and_retransmit(&tx);
  /* Nothing newly acked (the cum ack of 1 was already known): the back-off stays. */
  cr_assert_eq(t_sack(&tx, 1, 1 << 20, NULL, 0, t + 80 * T_MS, NULL), 0);
  cr_assert_eq(tx.p0.rto.rto, 600 * T_MS);
  csctp_tx_free(&tx);
}

/* TSNs 1..5 (1000 bytes each, one per packet); gap acks of 2, 2-3, 2-4 fast-retransmit TSN 1. */
static void rec_fast_retransmit_first(csctp_tx *tx) {
  csctp_tx_config cfg = t_config();
  t_init(tx, &cfg, 1, 1 << 20);
  for (int i = 0; i < 12; i++) t_enqueue(tx, 0, 0, 1000, (uint8_t)i);
  for (int i = 0; i < 5; i++) cr_assert_eq(t_write(tx, &P, 0), 1u);
  for (uint16_t e = 2; e <= 4; e++) {
    const uint16_t g[1][2] = {{2, e}};
    cr_assert_eq(t_sack(tx, 0, 1 << 20, g, 1, 10 * T_MS, NULL), 0);
  }
  cr_assert_eq(tx->stats.fast_retransmits, 1u);
  cr_assert_eq(tx->p0.cwnd, 4800u); /* max(4380 / 2, 4 * MTU) */
  cr_assert_eq(t_write(tx, &P, 10 * T_MS), 1u);
  cr_assert_eq(P.c[0].tsn, 1u);
}

Test(tx_recovery, lost_fast_retransmission_is_fast_retransmitted_again) {
  csctp_tx tx;
  rec_fast_retransmit_first(&tx);
  /* New data after the retransmission: TSN 6, 7, 8 (flight 2000 -> 5000 >= cwnd 4800). */
  for (uint32_t tsn = 6; tsn <= 8; tsn++) {
    cr_assert_eq(t_write(&tx, &P, 10 * T_MS), 1u);
    cr_assert_eq(P.c[0].tsn, tsn);
  }
  /* TSN 5 was sent before the retransmission of TSN 1: its ack says nothing about it. */
  const uint16_t g5[1][2] = {{2, 5}};
  cr_assert_eq(t_sack(&tx, 0, 1 << 20, g5, 1, 20 * T_MS, NULL), 0);
  /* Acks of TSN 6 and 7, sent after it, while TSN 1 is still missing: two misses. */
  for (uint16_t e = 6; e <= 7; e++) {
    const uint16_t g[1][2] = {{2, e}};
    cr_assert_eq(t_sack(&tx, 0, 1 << 20, g, 1, 20 * T_MS, NULL), 0);
  }
  cr_assert_eq(tx.stats.fast_retransmits, 1u);
  cr_assert_eq(tx.stats.retransmissions, 1u);
  /* The third: TSN 1's retransmission was lost; it goes again without waiting for T3. */
  const uint16_t g8[1][2] = {{2, 8}};
  cr_assert_eq(t_sack(&tx, 0, 1 << 20, g8, 1, 20 * T_MS, NULL), 0);
  cr_assert_eq(tx.stats.fast_retransmits, 2u);
  cr_assert_eq(tx.p0.cwnd, 4800u, "one cwnd reduction per fast recovery (§7.2.4)");
  cr_assert_eq(tx.stats.t3_expiries, 0u);
  cr_assert_eq(t_write(&tx, &P, 20 * T_MS), 1u);
  cr_assert_eq(P.c[0].tsn, 1u);
  cr_assert_eq(tx.stats.retransmissions, 2u);
  csctp_tx_free(&tx);
}

Test(tx_recovery, fast_retransmission_not_repeated_without_later_data_acked) {
  csctp_tx tx;
  rec_fast_retransmit_first(&tx);
  /* Nothing new was sent after the retransmission; acks of TSN 5 (sent before it)
   * and duplicates never count against it: only T3 sends it again. */
  const uint16_t g5[1][2] = {{2, 5}};
  for (int i = 0; i < 4; i++) cr_assert_eq(t_sack(&tx, 0, 1 << 20, g5, 1, 20 * T_MS, NULL), 0);
  cr_assert_eq(tx.stats.fast_retransmits, 1u);
  cr_assert_eq(tx.stats.retransmissions, 1u);
  csctp_tx_free(&tx);
}

Test(tx_recovery, t3_retransmission_may_be_fast_retransmitted) {
  csctp_tx tx;
  rec_fast_retransmit_first(&tx);
  /* T3 sends TSN 1 a third time (TSN 5 is marked too; 2-4 stay gap-acked). */
  csctp_tstamp t = csctp_tx_t3_deadline(&tx);
  csctp_tx_on_t3_expiry(&tx, t);
  cr_assert_eq(t_write(&tx, &P, t), 1u);
  cr_assert_eq(P.c[0].tsn, 1u);
  cr_assert_eq(tx.stats.retransmissions, 2u);
  /*
   * Sent by the timer, TSN 1 is eligible for one fast retransmit again, counted
   * from every SACK that newly acks a higher TSN (HTNA), TSN 5 included though
   * it was sent before the first fast retransmission.
   */
  const uint16_t g5[1][2] = {{2, 5}};
  cr_assert_eq(t_sack(&tx, 0, 1 << 20, g5, 1, t + 10 * T_MS, NULL), 0);
  for (uint32_t tsn = 6; tsn <= 7; tsn++) {
    cr_assert_eq(t_write(&tx, &P, t + 10 * T_MS), 1u);
    cr_assert_eq(P.c[0].tsn, tsn);
    const uint16_t g[1][2] = {{2, (uint16_t)tsn}};
    cr_assert_eq(t_sack(&tx, 0, 1 << 20, g, 1, t + 20 * T_MS, NULL), 0);
  }
  cr_assert_eq(tx.stats.fast_retransmits, 2u);
  cr_assert_eq(t_write(&tx, &P, t + 20 * T_MS), 1u);
  cr_assert_eq(P.c[0].tsn, 1u);
  csctp_tx_free(&tx);
}
