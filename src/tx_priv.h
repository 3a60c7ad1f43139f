/* SPDX-License-Identifier: MIT */
/*
 * Private state of the tx (the object behind csctp_tx.priv), shared by its
 * files: tx.c (API, writing DATA), tx_sack.c (SACK processing) and tx_cc.c
 * (congestion control, T3 reaction). Nobody else includes this.
 */
#ifndef CSCTP_TX_PRIV_H
#define CSCTP_TX_PRIV_H

#include "tx.h"
#include "tx_queue.h"
#include "tx_ring.h"
#include "tx_sched.h"

enum {
  CSCTP_TX_T3_IDLE = 0, /* no timeout being recovered from */
  CSCTP_TX_T3_EXPIRED,  /* T3 fired: the next packet of retransmissions may go */
  CSCTP_TX_T3_HOLD,     /* that packet went: the rest waits for a SACK acking new data */
};

typedef struct csctp_tx_priv {
  csctp_tx_queue q;
  csctp_tx_ring ring;
  csctp_tx_msg *cur;      /* message being fragmented: off its queue, not finished */
  uint32_t max_payload;   /* MTU - common header - DATA header */
  uint32_t max_payload_i; /* the same for I-DATA's 20-byte header */
  uint32_t max_new;       /* the one of the two new data goes out with */
  uint32_t rtx_count;     /* records marked CSCTP_TXC_RTX */
  csctp_tsn rtx_from;     /* no record below this TSN is marked */
  uint32_t burst;         /* packets of new data that may still go (Max.Burst credit, §6.1) */
  int fast_rtx_pending;   /* one packet of fast retransmissions may ignore cwnd */
  int t3_state;           /* CSCTP_TX_T3_*: one packet after a timeout (§6.3.3 E3) */
  int in_fast_recovery;
  csctp_tsn recovery_exit; /* §7.2.4: highest outstanding TSN when it began */
  int gap_on;              /* some record is gap-acked; gap_hi is the highest */
  csctp_tsn gap_hi;
  /* RFC 3758 §3.5 */
  csctp_tsn apap;        /* Advanced.Peer.Ack.Point */
  csctp_tsn fwd_sent;    /* New Cumulative TSN of the last FORWARD TSN written */
  csctp_tstamp fwd_time; /* when it was written */
  int fwd_needed;        /* write a FORWARD TSN at the next opportunity */
  int sack_req;          /* a queued message asks for the I bit (csctp_tx_send_flags) */
} csctp_tx_priv;

static inline csctp_tx_priv *csctp_tx_priv_of(const csctp_tx *tx) {
  return (csctp_tx_priv *)tx->priv;
}

/* 4-byte padded size of a DATA chunk carrying len payload bytes. */
static inline uint32_t csctp_tx_chunk_size(uint32_t len) {
  return (uint32_t)CSCTP_DATA_HDR_LEN + ((len + 3u) & ~3u);
}

/* 1 when this record's leaving the ring frees its message (its last fragment). */
static inline int csctp_tx_chunk_frees_msg(const csctp_tx_chunk *c) {
  return (c->flags & CSCTP_DATA_FLAG_E) || (c->state & CSCTP_TXC_FREE_MSG);
}

/* 4-byte padded size of an I-DATA chunk carrying len payload bytes. */
static inline uint32_t csctp_tx_ichunk_size(uint32_t len) {
  return (uint32_t)CSCTP_IDATA_HDR_LEN + ((len + 3u) & ~3u);
}

/* tx.c's own copies of the next two keep the DATA path's code as it was. */
static inline void csctp_tx_rwnd_take(csctp_tx *tx, uint32_t len) {
  tx->peer_rwnd = tx->peer_rwnd > len ? tx->peer_rwnd - len : 0;
}

/*
 * A write opportunity that cwnd closed: the Max.Burst credit of the packets that arrived
 * before it is spent (§6.1: Max.Burst packets per opportunity). Kept, it would pile up over
 * every arrival while cwnd stays full (up to TX_BURST_CREDIT_MAX opportunities' worth) and go
 * out as one burst when a SACK opens cwnd: tens of packets at once, which a receiver's socket
 * buffer drops whole.
 */
static inline void csctp_tx_burst_spent(const csctp_tx *tx, csctp_tx_priv *p) {
  if (tx->outstanding_bytes >= tx->p0.cwnd) p->burst = 0;
}

static inline int csctp_tx_may_send_new(const csctp_tx *tx, const csctp_tx_priv *p) {
  /* §7.2.1: a new packet only while flightsize < cwnd (it may overshoot by < 1 MTU). */
  if (tx->outstanding_bytes >= tx->p0.cwnd) return 0;
  /* §6.1 Max.Burst: packets of new data per write opportunity. */
  return tx->cfg.max_burst == 0 || p->burst > 0;
}

/* Marks ring record j (c) of an abandoned message (RFC 3758): out of the flight or the
 * retransmission queue, its bytes out of the send buffer, its RTT sample dropped. Once only. */
static inline void csctp_tx_abandon_record(csctp_tx *tx, csctp_tx_priv *p, csctp_tx_chunk *c,
                                           uint32_t j) {
  if (c->state & CSCTP_TXC_ABANDONED) return;
  if (c->state & CSCTP_TXC_RTX) {
    c->state &= (uint8_t)~CSCTP_TXC_RTX;
    p->rtx_count--;
  } else if (!(c->state & CSCTP_TXC_ACKED)) {
    tx->outstanding_bytes -= c->len; /* it leaves the flight */
  }
  c->state |= CSCTP_TXC_ABANDONED;
  c->msg->st->buffered -= c->len;
  tx->buffered -= c->len;
  if (tx->p0.rtt_on && tx->p0.rtt_tsn == tx->cum_tsn_ack + 1 + j) tx->p0.rtt_on = 0;
}

/*
 * RFC 7053: the last chunk just written (the ring's newest record, ending where w does, of
 * `size` bytes for its payload length) goes before we go idle (nothing is left queued): it
 * asks for its SACK at once instead of after the peer's delayed-SACK timer. Done once per
 * packet after the chunks are written, nothing per chunk.
 */
static inline void csctp_tx_mark_idle(csctp_tx_priv *p, csctp_wr *w, int idata) {
  csctp_tx_chunk *c = csctp_tx_ring_at(&p->ring, p->ring.count - 1);
  uint32_t pad = (c->len + 3u) & ~3u;
  w->buf[w->len - pad - (idata ? CSCTP_IDATA_HDR_LEN : CSCTP_DATA_HDR_LEN) + 1] |=
      CSCTP_DATA_FLAG_I;
  c->flags |= CSCTP_DATA_FLAG_I;
}

/*
 * RFC 7053 on request: of the `n` chunks just written (the ring's newest records, ending where
 * w does), the last fragment of each message sent with CSCTP_SEND_SACK_IMMEDIATELY gets the I
 * bit. Runs only while such a message is queued (p->sack_req), once per packet; clears
 * p->sack_req once the queue is empty.
 */
void csctp_tx_mark_requested(csctp_tx_priv *p, csctp_wr *w, uint32_t n, int idata);

/* ---- tx_idata.c: sending I-DATA (RFC 8260 §2) ---- */

/* Writes the I-DATA chunk of `len` (>= 1) bytes at `off` in m with these flags, FSN and TSN. */
void csctp_tx_put_idata(csctp_wr *w, const csctp_tx_msg *m, uint8_t flags, uint32_t off,
                        uint32_t len, uint32_t fsn, csctp_tsn tsn);
/* tx_write_new's I-DATA twin: new fragments, the scheduler choosing a stream for each. */
size_t csctp_tx_write_new_i(csctp_tx *tx, csctp_wr *w, csctp_tstamp now);

/* ---- tx_iforward.c: PR-SCTP with I-DATA (RFC 8260 §2.3.1) ---- */

/* Abandons message m: all its records (interleaved with others': walks the ring), and its
 * unsent part when in progress (cut short by a zero-length end record, as for DATA). */
void csctp_tx_abandon_i(csctp_tx *tx, csctp_tx_msg *m);
/* csctp_tx_pr_check with I-DATA. */
int csctp_tx_pr_check_i(csctp_tx *tx, csctp_tstamp now);
/* csctp_tx_write_forward_tsn with I-DATA: an I-FORWARD-TSN. */
int csctp_tx_write_iforward_tsn(csctp_tx *tx, csctp_wr *w, csctp_tstamp now);

/* ---- tx_abandon.c ---- */

/* Moves the Advanced.Peer.Ack.Point over abandoned records (RFC 3758 §3.5 A1, A2). */
void csctp_tx_advance_apap(csctp_tx *tx);
/* After a SACK or T3: moves the Advanced.Peer.Ack.Point and decides on a FORWARD TSN. */
void csctp_tx_pr_after_ack(csctp_tx *tx, int t3, csctp_tstamp now);

/* ---- tx_cc.c: congestion control (§7.2) ---- */

/* Initial cwnd and ssthresh (§7.2.1). */
void csctp_tx_cc_start(csctp_tx *tx);
/*
 * A SACK acknowledged `acked` new bytes; `flight_before` was the flightsize
 * before it and `cum_advanced` tells whether the cumulative ack moved.
 * Slow start (§7.2.1) or congestion avoidance (§7.2.2).
 */
void csctp_tx_cc_on_ack(csctp_tx *tx, uint32_t flight_before, uint32_t acked, int cum_advanced);
/* Fast retransmit marked chunks (§7.2.4): enters fast recovery if not in it. */
void csctp_tx_cc_on_fast_rtx(csctp_tx *tx);
/* Leaves fast recovery once the cum ack reaches its exit point. */
void csctp_tx_cc_on_cum_ack(csctp_tx *tx);

#endif
