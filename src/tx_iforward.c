/* SPDX-License-Identifier: MIT */
/*
 * Partial reliability with I-DATA (RFC 8260 §2.3.1, RFC 3758, RFC 7496):
 * abandoning a message whose fragments are interleaved with other messages'
 * (its ring records are not contiguous), and the I-FORWARD-TSN that tells the
 * peer: for ordered messages the highest abandoned MID of each stream, for
 * unordered ones each abandoned MID. The Advanced.Peer.Ack.Point and the
 * timing of the chunk are tx_abandon.c's, by TSN, as for DATA.
 */
#include <csctp/sctp.h>

#include "tx_priv.h"

#define TX_IFWD_MAX 256 /* entries per I-FORWARD-TSN built on the stack (2 KiB) */

static int txi_expired(const csctp_tx_msg *m, csctp_tstamp now) {
  return m->pr_policy == CSCTP_PR_TTL && now > m->expires;
}

/* RFC 7496 §4: one more transmission would exceed the allowed retransmissions. */
static int txi_over_rtx(const csctp_tx_chunk *c) {
  return c->msg->pr_policy == CSCTP_PR_RTX && (uint32_t)c->tx_count > c->msg->pr_value;
}

void csctp_tx_abandon_i(csctp_tx *tx, csctp_tx_msg *m) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  uint32_t last = UINT32_MAX; /* its last record */
  for (uint32_t j = 0; j < p->ring.count; j++) {
    csctp_tx_chunk *c = csctp_tx_ring_at(&p->ring, j);
    if (c->msg != m) continue;
    last = j;
    csctp_tx_abandon_record(tx, p, c, j);
  }
  csctp_tx_stream *st = m->st;
  if (csctp_tx_stream_cur(st) == m) {
    /* In progress: the rest is never sent; it leaves its FIFO outside its turn. */
    uint32_t rest = m->len - m->sent;
    st->buffered -= rest;
    tx->buffered -= rest;
    m->sent = m->len;
    csctp_tx_sched_drop_head(&p->q, st);
    /* As for DATA (tx_abandon.c): a never-sent, abandoned end record takes the next TSN so the
     * Advanced.Peer.Ack.Point passes it, and frees the message when it leaves the ring. */
    csctp_tx_chunk *e = csctp_tx_ring_push(&p->ring);
    if (e) {
      e->msg = m;
      e->off = m->len;
      e->len = 0;
      e->flags = (uint8_t)(CSCTP_DATA_FLAG_E | (m->unordered ? CSCTP_DATA_FLAG_U : 0));
      e->state = CSCTP_TXC_ABANDONED;
      e->tx_count = 0;
      e->fsn = st->fsn_next++;
      tx->next_tsn++;
    } else if (last != UINT32_MAX) {
      csctp_tx_ring_at(&p->ring, last)->state |= CSCTP_TXC_FREE_MSG; /* out of memory */
    } else {
      csctp_tx_msg_free(&p->q, m); /* no record refers to it any more */
    }
  }
  tx->stats.abandoned_msgs++;
}

int csctp_tx_pr_check_i(csctp_tx *tx, csctp_tstamp now) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  int changed = 0;
  /* §3.5 C1 / RFC 7496 §4: a chunk due for retransmission is checked first. Messages in
   * progress past their lifetime are cut when their stream's turn comes
   * (csctp_tx_write_new_i), unsent ones dropped there. */
  for (uint32_t i = 0; i < p->ring.count && p->rtx_count; i++) {
    csctp_tx_chunk *c = csctp_tx_ring_at(&p->ring, i);
    if (!(c->state & CSCTP_TXC_RTX)) continue;
    if (txi_expired(c->msg, now) || txi_over_rtx(c)) {
      csctp_tx_abandon_i(tx, c->msg);
      changed = 1;
    }
  }
  if (changed) csctp_tx_advance_apap(tx);
  return changed;
}

int csctp_tx_write_iforward_tsn(csctp_tx *tx, csctp_wr *w, csctp_tstamp now) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (!csctp_tx_forward_tsn_due(tx)) return 0;
  if (csctp_wr_left(w) < 8) return 0;
  csctp_iforward_entry e[TX_IFWD_MAX];
  size_t room = (csctp_wr_left(w) - 8) / 8, n = 0;
  if (room > TX_IFWD_MAX) room = TX_IFWD_MAX;
  uint32_t count = p->apap - tx->cum_tsn_ack, i;
  for (i = 0; i < count; i++) {
    const csctp_tx_chunk *c = csctp_tx_ring_at(&p->ring, i);
    const csctp_tx_msg *m = c->msg;
    /* With interleaving a record may belong to a message that was not abandoned. */
    if (!(c->state & CSCTP_TXC_ABANDONED)) continue;
    size_t k = 0;
    /* Ordered: one entry per stream, its highest MID (MIDs grow with TSNs on a stream);
     * unordered: one per message. */
    while (k < n && !(e[k].stream == m->st->id && e[k].unordered == m->unordered &&
                      (!m->unordered || e[k].mid == m->mid)))
      k++;
    if (k == n) {
      if (n == room) break; /* cut before this record: the rest goes in the next one */
      e[n].stream = m->st->id;
      e[n].unordered = m->unordered;
      n++;
    }
    e[k].mid = m->mid;
  }
  if (i == 0) return 0;
  csctp_tsn new_cum = tx->cum_tsn_ack + i;
  size_t mark = w->len;
  csctp_iforward_tsn_write(w, new_cum, e, n);
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
