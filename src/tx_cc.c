/* SPDX-License-Identifier: MIT */
/*
 * Congestion control of the tx (RFC 9260 §7.2): slow start, congestion
 * avoidance, fast recovery, and the reaction to a T3-rtx expiry (§6.3.3).
 * Byte counts are DATA payload bytes, as for the peer's rwnd.
 */
#include "tx_priv.h"

static uint32_t cc_min(uint32_t a, uint32_t b) { return a < b ? a : b; }
static uint32_t cc_max(uint32_t a, uint32_t b) { return a > b ? a : b; }

void csctp_tx_cc_start(csctp_tx *tx) {
  uint32_t mtu = tx->cfg.mtu;
  /* §7.2.1: min(4*MTU, max(2*MTU, 4380 bytes)); ssthresh MAY be arbitrarily high: peer rwnd. */
  tx->p0.cwnd = cc_min(4 * mtu, cc_max(2 * mtu, 4380));
  tx->p0.ssthresh = tx->peer_rwnd;
  tx->p0.partial_bytes_acked = 0;
}

void csctp_tx_cc_on_ack(csctp_tx *tx, uint32_t flight_before, uint32_t acked, int cum_advanced) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  uint32_t mtu = tx->cfg.mtu;
  /* "Fully utilized": the sender was held back by cwnd when the SACK arrived. */
  int full = flight_before >= tx->p0.cwnd;
  if (acked == 0 || p->in_fast_recovery) return;
  if (tx->p0.cwnd <= tx->p0.ssthresh) {
    /* §7.2.1: only when cwnd is full and the cum ack advances; at most one MTU. */
    if (full && cum_advanced) tx->p0.cwnd += cc_min(acked, mtu);
    return;
  }
  /* §7.2.2: partial_bytes_acked counts cum- and gap-acked bytes. */
  tx->p0.partial_bytes_acked += acked;
  if (tx->p0.partial_bytes_acked >= tx->p0.cwnd) {
    if (full) {
      tx->p0.partial_bytes_acked -= tx->p0.cwnd;
      tx->p0.cwnd += mtu;
    } else {
      tx->p0.partial_bytes_acked = tx->p0.cwnd;
    }
  }
}

void csctp_tx_cc_on_fast_rtx(csctp_tx *tx) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  p->fast_rtx_pending = 1;
  tx->stats.fast_retransmits++;
  if (p->in_fast_recovery) return; /* §7.2.4: cwnd is reduced once per recovery */
  tx->p0.ssthresh = cc_max(tx->p0.cwnd / 2, 4 * tx->cfg.mtu);
  tx->p0.cwnd = tx->p0.ssthresh;
  tx->p0.partial_bytes_acked = 0;
  p->in_fast_recovery = 1;
  p->recovery_exit = tx->next_tsn - 1;
}

void csctp_tx_cc_on_cum_ack(csctp_tx *tx) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (p->in_fast_recovery && csctp_tsn_ge(tx->cum_tsn_ack, p->recovery_exit))
    p->in_fast_recovery = 0;
}

void csctp_tx_on_t3_expiry(csctp_tx *tx, csctp_tstamp now) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (!tx->started || tx->t3 == CSCTP_TSTAMP_NONE) return;
  tx->t3 = CSCTP_TSTAMP_NONE;
  if (p->ring.count == 0) return;
  tx->stats.t3_expiries++;
  /* §7.2.3 */
  tx->p0.ssthresh = cc_max(tx->p0.cwnd / 2, 4 * tx->cfg.mtu);
  tx->p0.cwnd = tx->cfg.mtu;
  tx->p0.partial_bytes_acked = 0;
  p->in_fast_recovery = 0;
  p->fast_rtx_pending = 0;
  p->t3_state = CSCTP_TX_T3_EXPIRED;
  /* §6.3.3 E2 */
  csctp_rto_backoff(&tx->p0.rto);
  /* Karn (§6.3.1 C5): no RTT from a chunk that may be sent again. */
  tx->p0.rtt_on = 0;
  /*
   * E3: every outstanding chunk is marked; a gap-acked chunk stays acked (it
   * is held by the peer), except the first one: the peer cannot hold TSN
   * cum+1 without acking it cumulatively, so it must have reneged.
   */
  for (uint32_t i = 0; i < p->ring.count; i++) {
    csctp_tx_chunk *c = csctp_tx_ring_at(&p->ring, i);
    if (c->state & CSCTP_TXC_ABANDONED) continue; /* RFC 3758: never retransmitted */
    if (i == 0 && (c->state & CSCTP_TXC_ACKED))
      c->state &= (uint8_t)~CSCTP_TXC_ACKED;
    else if (c->state & (CSCTP_TXC_ACKED | CSCTP_TXC_RTX))
      continue;
    else {
      /* §6.2.1: a chunk marked for retransmission gives its bytes back to rwnd. */
      tx->outstanding_bytes -= c->len;
      tx->peer_rwnd += c->len;
    }
    /* Sent again by the timer, it may be fast retransmitted once more (§7.2.4). */
    c->state = (uint8_t)((c->state | CSCTP_TXC_RTX) & ~CSCTP_TXC_FAST_DONE);
    c->misses = 0;
    p->rtx_count++;
  }
  p->rtx_from = tx->cum_tsn_ack + 1;
  csctp_tx_pr_after_ack(tx, 1, now); /* RFC 3758 §3.5 A3 / C2: the FORWARD TSN goes again */
}
