/* SPDX-License-Identifier: MIT */
/*
 * SACK processing of the tx (RFC 9260 §6.2.1, §6.3, §7.2.4): cumulative and
 * gap acknowledgements applied to the outstanding ring, RTT measurement,
 * miss indications and fast retransmit marks, peer rwnd and T3.
 */
#include "tx_priv.h"

typedef struct sack_acc {
  uint32_t bytes; /* newly acked payload */
  int any;        /* some chunk newly acked */
  int once;       /* some chunk sent only once newly acked (Karn) */
  csctp_tsn htna; /* highest newly acked TSN */
} sack_acc;

/* Checks the SACK against what we sent before anything changes. */
static int sack_check(const csctp_tx *tx, const csctp_sack_chunk *s, int *gaps_usable) {
  csctp_tsn cum = s->cum_tsn_ack;
  /* Highest gap offset that names a TSN we sent: next_tsn - 1 - cum. */
  uint32_t max_off = tx->next_tsn - 1 - cum;
  if (!csctp_tsn_lt(cum, tx->next_tsn)) return CSCTP_ERR_MALFORMED;
  uint32_t prev_end = 0;
  *gaps_usable = 1;
  for (size_t i = 0; i < s->num_gap_blocks; i++) {
    uint16_t start, end;
    csctp_sack_gap(s, i, &start, &end);
    /* A block must not name a TSN never sent (§6.2.1), whatever its shape. */
    if ((start <= end ? end : start) > max_off) return CSCTP_ERR_MALFORMED;
    /* Blocks are ordered and disjoint (§3.3.4); otherwise we use none of them. */
    if (start == 0 || start > end || start <= prev_end) *gaps_usable = 0;
    prev_end = end;
  }
  return 0;
}

/* Inlined: run once per acknowledged chunk, from the two walks below. */
static inline __attribute__((always_inline)) void sack_newly_acked(csctp_tx *tx, csctp_tx_chunk *c,
                                                                   csctp_tsn tsn, csctp_tstamp now,
                                                                   sack_acc *acc) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (c->state & CSCTP_TXC_ABANDONED) {
    /* RFC 3758 §3.5: no credit to cwnd; it already left the flight. */
    acc->any = 1;
    acc->htna = tsn;
    return;
  }
  if (c->state & CSCTP_TXC_RTX) {
    c->state &= (uint8_t)~CSCTP_TXC_RTX;
    p->rtx_count--;
  } else {
    tx->outstanding_bytes -= c->len;
  }
  acc->bytes += c->len;
  acc->any = 1;
  acc->htna = tsn;
  if (c->tx_count == 1) acc->once = 1;
  if (tx->p0.rtt_on && tx->p0.rtt_tsn == tsn) {
    /* Karn (§6.3.1 C5): only a chunk sent once gives an RTT sample. */
    if (c->tx_count == 1 && now >= c->sent) csctp_rto_update(&tx->p0.rto, now - c->sent);
    tx->p0.rtt_on = 0;
  }
}

/* Pops the chunks up to the new cum ack; frees each message with its last fragment. */
static size_t sack_cum(csctp_tx *tx, csctp_tsn cum, csctp_tstamp now, sack_acc *acc) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  size_t freed = 0;
  /* The TSN walked kept in a local: the stores below may alias tx (same types). */
  for (csctp_tsn tsn = tx->cum_tsn_ack + 1; csctp_tsn_le(tsn, cum); tsn++) {
    csctp_tx_chunk *c = csctp_tx_ring_at(&p->ring, 0);
    if (!(c->state & CSCTP_TXC_ACKED)) sack_newly_acked(tx, c, tsn, now, acc);
    if (!(c->state & CSCTP_TXC_ABANDONED)) { /* abandoned bytes left the buffer already */
      c->msg->st->buffered -= c->len;
      freed += c->len;
    }
    if (csctp_tx_chunk_frees_msg(c)) csctp_tx_msg_free(&p->q, c->msg);
    csctp_tx_ring_pop(&p->ring);
  }
  tx->buffered -= freed;
  if (csctp_tsn_lt(tx->cum_tsn_ack, cum)) tx->cum_tsn_ack = cum;
  return freed;
}

/*
 * Walks offsets 1..walk (TSN cum+1..cum+walk) against the gap blocks: marks
 * newly gap-acked chunks, unmarks those no longer reported (renege, §6.2.1).
 */
static void sack_gaps(csctp_tx *tx, const csctp_sack_chunk *s, int usable, uint32_t walk,
                      csctp_tstamp now, sack_acc *acc) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  size_t b = 0, nb = usable ? s->num_gap_blocks : 0;
  uint16_t start = 0, end = 0;
  if (nb) csctp_sack_gap(s, 0, &start, &end);
  p->gap_on = 0;
  for (uint32_t off = 1; off <= walk; off++) {
    while (b < nb && end < off)
      if (++b < nb) csctp_sack_gap(s, b, &start, &end);
    int in = b < nb && off >= start;
    csctp_tx_chunk *c = csctp_tx_ring_at(&p->ring, off - 1);
    csctp_tsn tsn = tx->cum_tsn_ack + off;
    if (in) {
      if (!(c->state & CSCTP_TXC_ACKED)) {
        sack_newly_acked(tx, c, tsn, now, acc);
        c->state |= CSCTP_TXC_ACKED;
      }
      p->gap_on = 1;
      p->gap_hi = tsn;
    } else if (c->state & CSCTP_TXC_ACKED) {
      /* Reneged: back in flight, for T3 to cover. */
      c->state &= (uint8_t)~CSCTP_TXC_ACKED;
      c->misses = 0;
      if (!(c->state & CSCTP_TXC_ABANDONED)) tx->outstanding_bytes += c->len;
    }
  }
}

/*
 * The TSN of the first chunk sent after a chunk's fast retransmission (the
 * next TSN when it was marked: retransmissions go before new data). Kept in
 * the record's `sent`: a chunk marked for retransmission is never timed
 * again (Karn), so the time of its first transmission is no longer needed.
 */
static csctp_tsn fr_boundary(const csctp_tx_chunk *c) { return (csctp_tsn)c->sent; }

/*
 * §7.2.4: one miss indication for each chunk still missing below `limit`
 * (HTNA); at the third, mark it for fast retransmit. A chunk already fast
 * retransmitted counts misses again only from SACKs that newly ack a chunk
 * first sent after that retransmission: then the retransmission itself was
 * lost, and three such SACKs send it again instead of waiting for T3 with
 * its back-off. This departs from §7.2.4 step 5 (one fast retransmit per
 * chunk) as usrsctp does; the cwnd is still cut once per recovery.
 * Returns 1 when some chunk was marked.
 */
static int sack_misses(csctp_tx *tx, csctp_tsn limit, const sack_acc *acc) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  int marked = 0;
  if (!csctp_tsn_gt(limit, tx->cum_tsn_ack)) return 0;
  uint32_t n = limit - tx->cum_tsn_ack - 1; /* offsets below limit */
  if (n > p->ring.count) n = p->ring.count;
  for (uint32_t i = 0; i < n; i++) {
    csctp_tx_chunk *c = csctp_tx_ring_at(&p->ring, i);
    if (c->state & (CSCTP_TXC_ACKED | CSCTP_TXC_RTX | CSCTP_TXC_ABANDONED)) continue;
    if ((c->state & CSCTP_TXC_FAST_DONE) && (!acc->any || csctp_tsn_lt(acc->htna, fr_boundary(c))))
      continue;
    if (c->misses < 255) c->misses++;
    if (c->misses >= 3) {
      csctp_tsn tsn = tx->cum_tsn_ack + 1 + i;
      if (p->rtx_count == 0 || csctp_tsn_lt(tsn, p->rtx_from)) p->rtx_from = tsn;
      c->state |= CSCTP_TXC_RTX | CSCTP_TXC_FAST_DONE;
      c->sent = tx->next_tsn; /* fr_boundary */
      /* §6.2.1: marked bytes leave the flight and come back to rwnd. */
      tx->outstanding_bytes -= c->len;
      p->rtx_count++;
      if (tx->p0.rtt_on && tx->p0.rtt_tsn == tsn) tx->p0.rtt_on = 0;
      marked = 1;
    }
  }
  return marked;
}

/* A SACK, or (shutdown) the bare cumulative ack of a SHUTDOWN chunk. */
static int tx_ack(csctp_tx *tx, const csctp_sack_chunk *s, int shutdown, csctp_tstamp now,
                  csctp_tx_sack_result *res) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  csctp_tx_sack_result local;
  if (!res) res = &local;
  res->new_cum_ack = res->new_data_acked = 0;
  res->bytes_freed = 0;
  if (!tx->started) return 0;
  /* §6.2.1 D i: a SACK older than our cum ack arrived out of order: ignore it. */
  if (csctp_tsn_lt(s->cum_tsn_ack, tx->cum_tsn_ack)) return 0;
  int usable;
  int rv = sack_check(tx, s, &usable);
  if (rv) return rv;

  uint32_t flight_before = tx->outstanding_bytes;
  sack_acc acc = {0, 0, 0, 0};
  int cum_advanced = s->cum_tsn_ack != tx->cum_tsn_ack;
  int rtx_before = p->rtx_count > 0;
  res->bytes_freed = sack_cum(tx, s->cum_tsn_ack, now, &acc);

  /*
   * Without gap blocks, now or before (gap_on), there is nothing above the cum ack to
   * walk, and every limit below is at or under it: no miss to count. Else walk as far as
   * this SACK reports, and as far as earlier gap acks went.
   */
  int marked = 0;
  if (s->num_gap_blocks || p->gap_on) {
    uint32_t walk = 0;
    csctp_tsn reported_hi = tx->cum_tsn_ack;
    if (usable && s->num_gap_blocks) {
      uint16_t st, en;
      csctp_sack_gap(s, s->num_gap_blocks - 1, &st, &en);
      walk = en;
      reported_hi = tx->cum_tsn_ack + en;
    }
    if (p->gap_on && csctp_tsn_gt(p->gap_hi, tx->cum_tsn_ack) && p->gap_hi - tx->cum_tsn_ack > walk)
      walk = p->gap_hi - tx->cum_tsn_ack;
    if (walk > p->ring.count) walk = p->ring.count;
    /* A SHUTDOWN says nothing about gaps: that is no renege. */
    if (!shutdown) sack_gaps(tx, s, usable, walk, now, &acc);

    /* HTNA; in fast recovery a SACK that moves the cum ack counts all reported holes. */
    csctp_tsn limit = acc.any ? acc.htna : tx->cum_tsn_ack;
    if (p->in_fast_recovery && cum_advanced) limit = reported_hi;
    marked = sack_misses(tx, limit, &acc);
  }

  if (cum_advanced) csctp_tx_cc_on_cum_ack(tx);
  csctp_tx_cc_on_ack(tx, flight_before, acc.bytes, cum_advanced);
  if (marked) csctp_tx_cc_on_fast_rtx(tx);
  if (acc.any) p->t3_state = CSCTP_TX_T3_IDLE;

  /* §6.2.1 D iv (a SHUTDOWN carries no a_rwnd: keep the last estimate) */
  if (!shutdown)
    tx->peer_rwnd = s->a_rwnd > tx->outstanding_bytes ? s->a_rwnd - tx->outstanding_bytes : 0;

  /*
   * The back-off of §6.3.3 E2 ends when a chunk sent once is acknowledged
   * (Karn; RFC 6298 §5): the path delivers again within the estimated RTT.
   * Before R3 restarts T3, so the restarted timer no longer waits a doubled
   * RTO. A retransmitted chunk's ack is ambiguous and changes nothing.
   */
  if (acc.once) csctp_rto_restore(&tx->p0.rto);

  /* §6.3.2 R2/R3 */
  if (p->ring.count == 0) {
    tx->t3 = CSCTP_TSTAMP_NONE;
    tx->p0.partial_bytes_acked = 0; /* §7.2.2: all data acknowledged */
    p->rtx_count = 0;
  } else if (cum_advanced || (tx->t3 == CSCTP_TSTAMP_NONE && !rtx_before && !p->rtx_count)) {
    tx->t3 = now + csctp_rto_get(&tx->p0.rto);
  }
  res->new_cum_ack = cum_advanced;
  res->new_data_acked = acc.any;
  csctp_tx_pr_after_ack(tx, 0, now);
  return 0;
}

int csctp_tx_on_sack(csctp_tx *tx, const csctp_sack_chunk *s, csctp_tstamp now,
                     csctp_tx_sack_result *res) {
  return tx_ack(tx, s, 0, now, res);
}

int csctp_tx_on_cum_ack(csctp_tx *tx, csctp_tsn cum, csctp_tstamp now, csctp_tx_sack_result *res) {
  csctp_sack_chunk s = {0};
  s.cum_tsn_ack = cum;
  return tx_ack(tx, &s, 1, now, res);
}
