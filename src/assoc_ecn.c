/* SPDX-License-Identifier: MIT */
/*
 * Explicit Congestion Notification (RFC 9260 Appendix A, draft-stewart-tsvwg-sctpecn): the
 * receiver's echo of a CE mark (ECNE until the peer's CWR covers it), the sender's reaction
 * (the congestion window halved at most once per window of data, as for a loss but without a
 * retransmission, then a CWR), and the read function that takes a packet's ECN codepoint.
 * Negotiation (the ECN Capable parameter) is in assoc_handshake.c; which packets leave
 * ECT(0) is decided by the write path in assoc.c.
 */
#include "assoc.h"

#include "packet.h"

void csctp_assoc_ecn_set(csctp_assoc *a, int on) {
  a->ecn_on = (uint8_t)(on != 0);
  a->stats.ecn = a->ecn_on;
  a->ecne_owed = a->ecne_fresh = a->cwr_owed = a->ecn_reduced = 0;
  a->ecne_count = 0;
  a->ecn_tsn_base = a->local_initial_tsn;
  if (on) csctp_assoc_log(a, CSCTP_LOG_INFO, "ECN negotiated");
}

void csctp_assoc_ecn_tsn_reset(csctp_assoc *a) {
  a->ecn_tsn_base = a->tx.next_tsn;
  a->ecn_reduced = a->cwr_owed = 0; /* TSNs of before compare with nothing sent from now on */
}

/* The lowest TSN of the DATA / I-DATA chunks of a packet: 1 and *tsn, or 0 when it has none. */
static int ecn_lowest_tsn(const uint8_t *pkt, size_t len, csctp_tsn *tsn) {
  csctp_chunk_iter it;
  csctp_chunk ch;
  int found = 0;
  csctp_chunk_iter_init(&it, pkt, len);
  while (csctp_chunk_next(&it, &ch) == 1) {
    if ((ch.type != CSCTP_CHUNK_DATA && ch.type != CSCTP_CHUNK_IDATA) || ch.value_len < 4) continue;
    csctp_tsn t = csctp_get_u32(ch.value);
    if (!found || csctp_tsn_lt(t, *tsn)) *tsn = t;
    found = 1;
  }
  return found;
}

void csctp_assoc_ecn_after_read(csctp_assoc *a, const uint8_t *pkt, size_t len,
                                uint32_t accepted_before) {
  csctp_tsn tsn = 0;
  /* Not before ESTABLISHED: an echo then would go ahead of our COOKIE ECHO, which must lead. */
  if (!a->ecn_on || a->rx_accepted == accepted_before || a->state < CSCTP_STATE_ESTABLISHED ||
      len < CSCTP_COMMON_HDR_LEN || !ecn_lowest_tsn(pkt, len, &tsn))
    return;
  a->stats.ecn_ce_in++;
  if (!a->ecne_owed) {
    a->ecne_owed = a->ecne_fresh = 1;
    a->ecne_tsn = tsn;
    a->ecne_count = 1;
  } else {
    /* Another CE before the CWR: the echo names the newest mark, so that only a CWR sent
     * after it stops the echo. */
    if (csctp_tsn_gt(tsn, a->ecne_tsn)) a->ecne_tsn = tsn;
    if (a->ecne_count < UINT32_MAX) a->ecne_count++;
  }
  csctp_assoc_mark(a);
}

int csctp_assoc_read_packet_ecn(csctp_assoc *a, const uint8_t *pkt, size_t len, int ecn,
                                csctp_tstamp now) {
  if ((ecn & 3) != CSCTP_ECN_CE || !a || !pkt) return csctp_assoc_read_packet(a, pkt, len, now);
  uint32_t accepted = a->rx_accepted;
  int rv = csctp_assoc_read_packet(a, pkt, len, now);
  if (rv >= 0) csctp_assoc_ecn_after_read(a, pkt, len, accepted);
  return rv;
}

int csctp_assoc_packet_ecn(const csctp_assoc *a) {
  return a && a->ecn_mark ? CSCTP_ECN_ECT0 : CSCTP_ECN_NOT_ECT;
}

int csctp_assoc_on_ecne(csctp_assoc *a, const csctp_chunk *ch) {
  if (!a->ecn_on) {
    a->stats.ecn_unexpected++;
    return 1;
  }
  uint32_t tsn, count;
  csctp_ecne_decode(ch, &tsn, &count); /* validated by the caller: cannot fail */
  a->stats.ecne_in++;
  csctp_tx *tx = &a->tx;
  csctp_tsn highest = tx->next_tsn - 1;
  /* A TSN we never sent (ahead of the highest, or before the first): no congestion of ours. */
  if (!tx->started || tx->next_tsn == a->ecn_tsn_base ||
      (uint32_t)(tsn - a->ecn_tsn_base) > (uint32_t)(highest - a->ecn_tsn_base)) {
    a->stats.ecne_ignored++;
    return 0;
  }
  /* Once per window: an ECNE for a TSN sent before our last reduction reduces nothing more.
   * Counted back from the highest TSN, which neither passes: serial arithmetic would take a
   * window end 2^31 TSNs old for a newer one, and ignore every echo for the next 2^31. */
  if (!a->ecn_reduced || (uint32_t)(highest - tsn) < (uint32_t)(highest - a->ecn_window_end)) {
    /* The data path's window (tx.p0 holds it; with several paths, the one new data goes to). */
    csctp_tx_path *tp = &tx->p0;
    uint32_t half = tp->cwnd / 2, floor = 4 * tx->cfg.mtu;
    tp->ssthresh = half > floor ? half : floor;
    if (tp->cwnd > tp->ssthresh) tp->cwnd = tp->ssthresh;
    tp->partial_bytes_acked = 0;
    a->ecn_reduced = 1;
    a->ecn_window_end = highest;
    a->stats.ecn_cwnd_reductions++;
    csctp_assoc_log(a, CSCTP_LOG_DEBUG, "ECNE for TSN %u: cwnd %u, ssthresh %u", tsn, tp->cwnd,
                    tp->ssthresh);
  }
  /* The CWR answers the newest ECNE, also one of the same window (the peer stops echoing). */
  if (!a->cwr_owed || csctp_tsn_gt(tsn, a->cwr_tsn)) a->cwr_tsn = tsn;
  a->cwr_owed = 1;
  return 0;
}

int csctp_assoc_on_cwr(csctp_assoc *a, const csctp_chunk *ch) {
  if (!a->ecn_on) {
    a->stats.ecn_unexpected++;
    return 1;
  }
  uint32_t tsn;
  csctp_cwr_decode(ch, &tsn); /* validated by the caller: cannot fail */
  a->stats.cwr_in++;
  /* It covers our echo when it names its TSN or a later one, or says (usrsctp's override flag)
   * that the TSN was acknowledged before the echo reached it: it names an older reduction then,
   * and our echo would otherwise never stop. */
  if (!a->ecne_owed || (csctp_tsn_lt(tsn, a->ecne_tsn) && !(ch->flags & CSCTP_CWR_FLAG_OVERRIDE))) {
    a->stats.cwr_ignored++; /* covers no echo of ours (none, or an older one) */
    return 0;
  }
  a->ecne_owed = a->ecne_fresh = 0;
  a->ecne_count = 0;
  return 0;
}

int csctp_assoc_ecn_before_write(csctp_assoc *a, int busy) {
  uint8_t c[CSCTP_ECNE_LEN];
  int repeat = 0;
  csctp_wr w;
  if (a->cwr_owed) {
    csctp_wr_init(&w, c, sizeof(c));
    csctp_cwr_write(&w, a->cwr_tsn);
    if (csctp_assoc_queue_ctrl(a, c, w.len) == 0) {
      a->cwr_owed = 0;
      a->stats.cwr_out++;
      busy = 1;
    }
  }
  /* The first echo goes at once, alone if need be; its repeats ride on packets sent anyway. */
  if (a->ecne_owed && (a->ecne_fresh || busy)) {
    csctp_wr_init(&w, c, sizeof(c));
    csctp_ecne_write(&w, a->ecne_tsn, a->ecne_count);
    repeat = !a->ecne_fresh;
    if (csctp_assoc_queue_ctrl(a, c, w.len) == 0) {
      a->ecne_fresh = 0;
      a->stats.ecne_out++;
    } else {
      repeat = 0;
    }
  }
  return repeat;
}
