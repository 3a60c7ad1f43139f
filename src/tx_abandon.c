/* SPDX-License-Identifier: MIT */
/*
 * Partial reliability on the send side (RFC 3758 §3.5, RFC 7496): abandoning
 * messages by lifetime or retransmission count, the Advanced.Peer.Ack.Point,
 * the FORWARD TSN; and the stream pauses of a stream reset (RFC 6525 §5.1.2).
 */
#include <csctp/sctp.h>

#include "tx_priv.h"

#define TX_FWD_MAX_PAIRS 256 /* (stream, SSN) pairs per FORWARD TSN built on the stack */

static int tx_msg_expired(const csctp_tx_msg *m, csctp_tstamp now) {
  return m->pr_policy == CSCTP_PR_TTL && now > m->expires;
}

/* RFC 7496 §4: one more transmission would exceed the allowed retransmissions. */
static int tx_chunk_over_rtx(const csctp_tx_chunk *c) {
  return c->msg->pr_policy == CSCTP_PR_RTX && (uint32_t)c->tx_count > c->msg->pr_value;
}

/*
 * Abandons the message of ring record i: every record of it (its fragments
 * have consecutive TSNs, §6.9) leaves the flight and the send buffer and is
 * never sent again; the part not yet cut into chunks is dropped.
 */
static void tx_abandon_at(csctp_tx *tx, uint32_t i) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  csctp_tx_msg *m = csctp_tx_ring_at(&p->ring, i)->msg;
  uint32_t lo = i, hi = i;
  while (lo > 0 && csctp_tx_ring_at(&p->ring, lo - 1)->msg == m) lo--;
  while (hi + 1 < p->ring.count && csctp_tx_ring_at(&p->ring, hi + 1)->msg == m) hi++;
  for (uint32_t j = lo; j <= hi; j++) {
    csctp_tx_chunk *c = csctp_tx_ring_at(&p->ring, j);
    csctp_tx_abandon_record(tx, p, c, j);
  }
  if (p->cur == m) {
    uint32_t rest = m->len - m->sent;
    m->st->buffered -= rest;
    tx->buffered -= rest;
    m->sent = m->len;
    p->cur = NULL;
    /*
     * Cut short: a never-sent, abandoned end record takes the next TSN, so the
     * Advanced.Peer.Ack.Point passes it and a FORWARD TSN always tells the peer
     * to drop the pieces and skip the SSN, even if every piece sent arrived. It
     * frees the message, as the E fragment would have.
     */
    csctp_tx_chunk *e = csctp_tx_ring_push(&p->ring);
    if (e) {
      e->msg = m;
      e->off = m->len;
      e->len = 0;
      e->flags = (uint8_t)(CSCTP_DATA_FLAG_E | (m->unordered ? CSCTP_DATA_FLAG_U : 0));
      e->state = CSCTP_TXC_ABANDONED;
      e->tx_count = 0;
      tx->next_tsn++;
    } else {
      csctp_tx_ring_at(&p->ring, hi)->state |= CSCTP_TXC_FREE_MSG; /* out of memory */
    }
  }
  tx->stats.abandoned_msgs++;
}

/* Moves the Advanced.Peer.Ack.Point over abandoned records (§3.5 A1, A2). */
void csctp_tx_advance_apap(csctp_tx *tx) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (csctp_tsn_lt(p->apap, tx->cum_tsn_ack)) p->apap = tx->cum_tsn_ack;
  uint32_t i = p->apap - tx->cum_tsn_ack;
  while (i < p->ring.count && (csctp_tx_ring_at(&p->ring, i)->state & CSCTP_TXC_ABANDONED)) i++;
  p->apap = tx->cum_tsn_ack + i;
  if (csctp_tsn_lt(p->fwd_sent, tx->cum_tsn_ack)) p->fwd_sent = tx->cum_tsn_ack;
  /* §3.5 A3: a new point is announced at once. */
  if (csctp_tsn_gt(p->apap, p->fwd_sent)) p->fwd_needed = 1;
}

int csctp_tx_pr_check(csctp_tx *tx, csctp_tstamp now) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (!tx->started || !tx->pr_enabled || !tx->pr_used) return 0;
  if (tx->idata) return csctp_tx_pr_check_i(tx, now); /* RFC 8260 §2.3.1: tx_iforward.c */
  /* Unsent messages past their lifetime go without using a TSN. */
  csctp_tx_msg *m;
  int dropped = 0, changed = 0;
  while (!p->cur && (m = csctp_tx_queue_peek(&p->q)) && tx_msg_expired(m, now)) {
    csctp_tx_queue_pop(&p->q);
    m->st->buffered -= m->len;
    tx->buffered -= m->len;
    tx->stats.abandoned_msgs++;
    csctp_tx_msg_free(&csctp_tx_priv_of(tx)->q, m);
    dropped = 1;
  }
  if (p->cur && tx_msg_expired(p->cur, now) && p->ring.count) {
    tx_abandon_at(tx, p->ring.count - 1);
    changed = 1;
  }
  /* §3.5 C1 / RFC 7496 §4: a chunk due for retransmission is checked first. */
  for (uint32_t i = 0; i < p->ring.count && p->rtx_count; i++) {
    csctp_tx_chunk *c = csctp_tx_ring_at(&p->ring, i);
    if (!(c->state & CSCTP_TXC_RTX)) continue;
    if (tx_msg_expired(c->msg, now) || tx_chunk_over_rtx(c)) {
      tx_abandon_at(tx, i);
      changed = 1;
    }
  }
  if (changed) csctp_tx_advance_apap(tx);
  return changed || dropped;
}

void csctp_tx_pr_after_ack(csctp_tx *tx, int t3, csctp_tstamp now) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (!tx->pr_enabled || !tx->pr_used) return; /* nothing was ever abandoned */
  csctp_tx_advance_apap(tx);
  if (!csctp_tsn_gt(p->apap, tx->cum_tsn_ack)) {
    p->fwd_needed = 0;
    return;
  }
  /*
   * §3.5 A3 / C2: the peer's cum ack is still behind the point. After a T3,
   * or a SACK arriving a round trip after the last FORWARD TSN, it was lost.
   */
  csctp_tstamp srtt = tx->p0.rto.srtt ? tx->p0.rto.srtt : csctp_rto_get(&tx->p0.rto);
  if (t3 || now - p->fwd_time >= srtt) p->fwd_needed = 1;
}

int csctp_tx_forward_tsn_due(const csctp_tx *tx) {
  const csctp_tx_priv *p = csctp_tx_priv_of(tx);
  return p && tx->started && p->fwd_needed && csctp_tsn_gt(p->apap, tx->cum_tsn_ack);
}

csctp_tsn csctp_tx_adv_peer_ack_point(const csctp_tx *tx) {
  const csctp_tx_priv *p = csctp_tx_priv_of(tx);
  return csctp_tsn_gt(p->apap, tx->cum_tsn_ack) ? p->apap : tx->cum_tsn_ack;
}

int csctp_tx_write_forward_tsn(csctp_tx *tx, csctp_wr *w, csctp_tstamp now) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (tx->idata) return csctp_tx_write_iforward_tsn(tx, w, now); /* RFC 8260 §2.3.1 */
  if (!csctp_tx_forward_tsn_due(tx)) return 0;
  if (csctp_wr_left(w) < 8) return 0;
  uint16_t pairs[TX_FWD_MAX_PAIRS][2];
  size_t room = (csctp_wr_left(w) - 8) / 4, n = 0;
  if (room > TX_FWD_MAX_PAIRS) room = TX_FWD_MAX_PAIRS;
  uint32_t count = p->apap - tx->cum_tsn_ack, i;
  for (i = 0; i < count; i++) {
    const csctp_tx_chunk *c = csctp_tx_ring_at(&p->ring, i);
    const csctp_tx_msg *m = c->msg;
    /* §3.2: ordered only; any record names its message (the B may be acked already). */
    if (m->unordered) continue;
    size_t k = 0;
    while (k < n && pairs[k][0] != m->st->id) k++;
    if (k == n) {
      if (n == room) break; /* cut before this message: the rest goes in the next one */
      pairs[n][0] = m->st->id;
      n++;
    }
    pairs[k][1] = m->ssn; /* SSNs grow with TSNs on a stream: the last is the highest */
  }
  if (i == 0) return 0;
  csctp_tsn new_cum = tx->cum_tsn_ack + i;
  size_t mark = w->len;
  csctp_forward_tsn_write(w, new_cum, (const uint16_t(*)[2])pairs, n);
  if (w->overflow) {
    csctp_wr_rollback(w, mark);
    return 0;
  }
  p->fwd_sent = new_cum;
  p->fwd_time = now;
  p->fwd_needed = i < count; /* cut short: the rest follows */
  tx->stats.forward_tsns++;
  if (tx->t3 == CSCTP_TSTAMP_NONE) tx->t3 = now + csctp_rto_get(&tx->p0.rto); /* §3.5 C4 */
  return 1;
}

/* ---- stream pauses for RFC 6525 ---- */

int csctp_tx_pause_streams(csctp_tx *tx, const uint16_t *ids, size_t n) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (n == 0) {
    for (size_t i = 0; i < p->q.map_cap; i++)
      if (p->q.map[i]) csctp_tx_queue_pause(&p->q, p->q.map[i]);
    p->q.pause_new = 1;
    return 0;
  }
  for (size_t i = 0; i < n; i++) {
    csctp_tx_stream *st;
    if (csctp_tx_queue_stream(&p->q, ids[i], &st)) return CSCTP_ERR_NOMEM;
    csctp_tx_queue_pause(&p->q, st);
  }
  return 0;
}

void csctp_tx_resume_streams(csctp_tx *tx, const uint16_t *ids, size_t n, int reset_ssn) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (n == 0) {
    p->q.pause_new = 0;
    for (size_t i = 0; i < p->q.map_cap; i++) {
      csctp_tx_stream *st = p->q.map[i];
      if (!st) continue;
      if (reset_ssn) st->next_ssn = 0;
      if (reset_ssn) st->next_mid = st->next_umid = 0; /* RFC 8260 §2.3.2 */
      csctp_tx_queue_unpause(&p->q, st);
    }
    return;
  }
  for (size_t i = 0; i < n; i++) {
    csctp_tx_stream *st = csctp_tx_queue_find(&p->q, ids[i]);
    if (!st) continue;
    if (reset_ssn) st->next_ssn = 0;                 /* RFC 6525 §5.1.2 */
    if (reset_ssn) st->next_mid = st->next_umid = 0; /* RFC 8260 §2.3.2: both MIDs */
    csctp_tx_queue_unpause(&p->q, st);
  }
}

/* I-DATA: a message in progress is the FIFO head and counts in hold until its last fragment is
 * cut, so hold == 0 also means no fragment of the stream is left to send (RFC 8260 §2.3.2). */
static int tx_stream_drained(const csctp_tx_priv *p, const csctp_tx_stream *st) {
  return (!st->paused || st->hold == 0) && !(p->cur && p->cur->st == st) &&
         !csctp_tx_stream_cur(st);
}

int csctp_tx_streams_drained(const csctp_tx *tx, const uint16_t *ids, size_t n) {
  const csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (n == 0) {
    for (size_t i = 0; i < p->q.map_cap; i++)
      if (p->q.map[i] && !tx_stream_drained(p, p->q.map[i])) return 0;
    return 1;
  }
  for (size_t i = 0; i < n; i++) {
    const csctp_tx_stream *st = csctp_tx_queue_find(&p->q, ids[i]);
    if (st && !tx_stream_drained(p, st)) return 0;
  }
  return 1;
}

/* ---- SSN/TSN Reset (RFC 6525 §5.1.4, §5.2.4) ---- */

int csctp_tx_reset_tsn_ok(const csctp_tx *tx) {
  const csctp_tx_priv *p = csctp_tx_priv_of(tx);
  /* Nothing in flight, no FORWARD TSN owed, no message cut in part: no chunk of the old TSN
   * or SSN space is left to send, retransmit or abandon. */
  if (!p || p->ring.count || p->cur || csctp_tsn_gt(p->apap, tx->cum_tsn_ack)) return 0;
  for (size_t i = 0; i < p->q.map_cap; i++)
    if (p->q.map[i] && csctp_tx_stream_cur(p->q.map[i])) return 0;
  return 1;
}

int csctp_tx_reset_tsn(csctp_tx *tx, csctp_tsn next_tsn) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (!csctp_tx_reset_tsn_ok(tx)) return CSCTP_ERR_INVALID_STATE;
  tx->next_tsn = next_tsn;
  tx->cum_tsn_ack = next_tsn - 1;
  p->apap = p->fwd_sent = next_tsn - 1;
  p->fwd_needed = 0;
  p->rtx_from = next_tsn;
  tx->p0.rtt_on = p->gap_on = 0;
  tx->t3 = CSCTP_TSTAMP_NONE;
  csctp_tx_queue_reset_ssn(&p->q); /* §5.2.4 G5: every outgoing stream starts at SSN 0 */
  return 0;
}
