/* SPDX-License-Identifier: MIT */
/*
 * Sending I-DATA (RFC 8260 §2): when the association negotiated it
 * (tx->idata), new data goes out as I-DATA chunks and the scheduler chooses
 * a stream for every fragment, so a small message on one stream does not
 * wait behind a large one on another (RFC 8260 §1). Each stream has at most
 * one message in progress: it stays at the head of its FIFO until its last
 * fragment is cut (tx_sched.h). MIDs count per stream, ordered and unordered
 * apart (§2.1), taken at a message's first fragment; the FSN of each fragment
 * is kept in its ring record so a retransmission repeats it. The rest (ring,
 * SACK, congestion control, T3) is the DATA path's, by TSN.
 */
#include <string.h>

#include <csctp/sctp.h>

#include "tx_priv.h"

#include "copy.h"

void csctp_tx_put_idata(csctp_wr *w, const csctp_tx_msg *m, uint8_t flags, uint32_t off,
                        uint32_t len, uint32_t fsn, csctp_tsn tsn) {
  csctp_idata_chunk d;
  d.flags = flags;
  d.tsn = tsn;
  d.stream = m->st->id;
  d.mid = m->mid;
  d.ppid = m->ppid; /* §2.1: in the first fragment only, where the FSN is implicitly 0 */
  d.fsn = fsn;
  d.len = len;
  uint8_t *o = w->buf + w->len;
  csctp_idata_write_header(o, &d);
  uint32_t size = csctp_tx_ichunk_size(len);
  memset(o + size - 4, 0, 4); /* the pad bytes (len >= 1: past the header) */
  csctp_copy(o + CSCTP_IDATA_HDR_LEN, m->data + off, len);
  w->len += size;
}

size_t csctp_tx_write_new_i(csctp_tx *tx, csctp_wr *w, csctp_tstamp now) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  size_t n = 0;
  if (!csctp_tx_may_send_new(tx, p)) {
    csctp_tx_burst_spent(tx, p);
    return 0;
  }
  csctp_tx_sched_set_frag(&p->q, p->max_payload_i); /* turns cost fragments */
  p->max_new = p->max_payload_i;
  for (;;) {
    csctp_tx_stream *st = csctp_tx_sched_pick(&p->q);
    if (!st) break;
    csctp_tx_msg *m = st->head;
    int fresh = m->sent == 0;
    if (!fresh && tx->pr_used && tx->pr_enabled && m->pr_policy == CSCTP_PR_TTL &&
        now > m->expires) {
      /* RFC 7496: in progress past its lifetime: cut short (an I-FORWARD-TSN follows). */
      csctp_tx_abandon_i(tx, m);
      csctp_tx_advance_apap(tx);
      continue;
    }
    if (fresh && tx->pr_used && tx->pr_enabled && m->pr_policy == CSCTP_PR_TTL &&
        now > m->expires) {
      /* RFC 7496: past its lifetime before its first fragment: dropped, no TSN or MID used. */
      csctp_tx_sched_sent(&p->q, st, 0, 1);
      st->buffered -= m->len;
      tx->buffered -= m->len;
      tx->stats.abandoned_msgs++;
      csctp_tx_msg_free(&p->q, m);
      continue;
    }
    size_t left = csctp_wr_left(w);
    if (left < CSCTP_IDATA_HDR_LEN + 4) break;
    uint32_t room = (uint32_t)((left - CSCTP_IDATA_HDR_LEN) & ~(size_t)3);
    uint32_t rem = m->len - m->sent;
    uint32_t len = rem < p->max_payload_i ? rem : p->max_payload_i;
    if (len > room) {
      /* As DATA: split to fill the packet, but not into fragments under a quarter of the
       * maximum payload (then the packet is closed). */
      uint32_t q = p->max_payload_i / 4;
      if (room < q || (rem - room < q && rem <= p->max_payload_i)) break;
      len = room;
    }
    /* RFC 9260 §6.1 rule A; never shrink a chunk to fit a small window (silly window). */
    int probe = 0;
    if (len > tx->peer_rwnd) {
      if (tx->outstanding_bytes > 0) break;
      probe = 1; /* zero window probe: one chunk */
    }
    csctp_tx_chunk *c = csctp_tx_ring_push(&p->ring);
    if (!c) { /* out of memory: the data waits, and a timer says when to try again */
      if (tx->retry == CSCTP_TSTAMP_NONE) tx->retry = now + CSCTP_TX_NOMEM_RETRY;
      break;
    }
    if (fresh) {
      /* RFC 8260 §2.1: MIDs taken at the first fragment (queued messages can be dropped),
       * ordered and unordered counted apart; the first fragment's FSN is 0. */
      m->mid = m->unordered ? st->next_umid++ : st->next_mid++;
      st->fsn_next = 0;
    }
    uint32_t off = m->sent;
    int last = off + len == m->len;
    uint8_t flags = (uint8_t)((off == 0 ? CSCTP_DATA_FLAG_B : 0) | (last ? CSCTP_DATA_FLAG_E : 0) |
                              (m->unordered ? CSCTP_DATA_FLAG_U : 0));
    c->msg = m;
    c->off = off;
    c->len = len;
    c->flags = flags;
    c->sent = now;
    c->tx_count = 1;
    c->fsn = st->fsn_next++;
    csctp_tsn tsn = tx->next_tsn++;
    csctp_tx_put_idata(w, m, flags, off, len, c->fsn, tsn);
    m->sent = off + len;
    csctp_tx_sched_sent(&p->q, st, len, last); /* the turn moves on (the message leaves if last) */
    if (last) tx->stats.messages_out++;
    tx->outstanding_bytes += len;
    csctp_tx_rwnd_take(tx, len);
    tx->stats.data_chunks_out++;
    tx->stats.bytes_out += len;
    if (!tx->p0.rtt_on) { /* RFC 9260 §6.3.1 C4: one measurement per round trip */
      tx->p0.rtt_on = 1;
      tx->p0.rtt_tsn = tsn;
    }
    n++;
    if (probe) break;
  }
  /* The message in progress stays queued until its last fragment is cut: none left, none. */
  if (n) {
    if (__builtin_expect(p->sack_req, 0)) csctp_tx_mark_requested(p, w, n, 1);
    if (p->q.n_msgs == 0) csctp_tx_mark_idle(p, w, 1);
  }
  if (n && p->burst) p->burst--;
  return n;
}
