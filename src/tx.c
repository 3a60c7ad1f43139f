/* SPDX-License-Identifier: MIT */
/*
 * The send side (see tx.h): lifecycle, enqueueing, and writing DATA chunks
 * into the packet being built. SACK processing is in tx_sack.c, congestion
 * control in tx_cc.c, the send buffer in tx_queue.c, the ring in tx_ring.c.
 */
#include "tx.h"

#include <string.h>

#include <csctp/sctp.h>

#include "copy.h"
#include "mem.h"
#include "tx_priv.h"

#define TX_RING_INITIAL 64

int csctp_tx_init(csctp_tx *tx, const csctp_mem *mem, const csctp_tx_config *cfg) {
  /* A DATA chunk header must fit with at least 4 payload bytes; the length field is 16 bits. */
  if (!cfg || cfg->mtu < CSCTP_COMMON_HDR_LEN + CSCTP_DATA_HDR_LEN + 4 || cfg->mtu > 65535)
    return CSCTP_ERR_INVALID_ARGUMENT;
  memset(tx, 0, sizeof(*tx));
  tx->mem = mem ? mem : csctp_mem_default();
  tx->cfg = *cfg;
  csctp_rto_init(&tx->p0.rto, cfg->rto_initial, cfg->rto_min, cfg->rto_max);
  csctp_tx_priv *p = csctp_calloc(tx->mem, 1, sizeof(*p));
  if (!p) return CSCTP_ERR_NOMEM;
  if (csctp_tx_ring_init(&p->ring, tx->mem, TX_RING_INITIAL)) {
    csctp_free(tx->mem, p);
    return CSCTP_ERR_NOMEM;
  }
  csctp_tx_queue_init(&p->q, tx->mem);
  p->q.spare_limit = tx->cfg.sndbuf / 2;
  tx->t3 = CSCTP_TSTAMP_NONE;
  tx->retry = CSCTP_TSTAMP_NONE;
  /* The largest payload whose padded chunk fits an empty packet (the MTU need not be a multiple of
   * 4). */
  p->max_payload = (cfg->mtu - CSCTP_COMMON_HDR_LEN - CSCTP_DATA_HDR_LEN) & ~3u;
  p->max_payload_i = (cfg->mtu - CSCTP_COMMON_HDR_LEN - CSCTP_IDATA_HDR_LEN) & ~3u;
  p->max_new = p->max_payload;
  tx->buf_cap = cfg->mtu;
  tx->priv = p;
  return 0;
}

/* The payload limits of new chunks from the MTU and the overhead the association adds. */
static void tx_set_payloads(csctp_tx *tx) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  uint32_t room = tx->cfg.mtu - tx->overhead;
  p->max_payload = (room - CSCTP_COMMON_HDR_LEN - CSCTP_DATA_HDR_LEN) & ~3u;
  p->max_payload_i = (room - CSCTP_COMMON_HDR_LEN - CSCTP_IDATA_HDR_LEN) & ~3u;
  p->max_new = tx->idata ? p->max_payload_i : p->max_payload;
}

void csctp_tx_set_mtu(csctp_tx *tx, uint32_t mtu, uint32_t buf_cap) {
  tx->cfg.mtu = mtu;
  tx->buf_cap = buf_cap > mtu ? buf_cap : mtu;
  tx_set_payloads(tx);
}

void csctp_tx_set_overhead(csctp_tx *tx, uint32_t bytes) {
  tx->overhead = bytes;
  tx_set_payloads(tx);
}

/* Frees every message referenced by the ring or being fragmented, empties the ring. */
static void tx_drop_outstanding(csctp_tx *tx) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  /* A message leaves the ring with its last fragment: free it there, once. */
  for (uint32_t i = 0; i < p->ring.count; i++) {
    csctp_tx_chunk *c = csctp_tx_ring_at(&p->ring, i);
    if (!(c->state & CSCTP_TXC_ABANDONED)) c->msg->st->buffered -= c->len;
    if (csctp_tx_chunk_frees_msg(c)) csctp_tx_msg_free(&p->q, c->msg);
  }
  if (p->cur) {
    p->cur->st->buffered -= p->cur->len - p->cur->sent;
    csctp_tx_msg_free(&p->q, p->cur);
    p->cur = NULL;
  }
  csctp_tx_ring_clear(&p->ring);
}

size_t csctp_tx_trim(csctp_tx *tx) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (!p) return 0;
  return csctp_tx_ring_trim(&p->ring) + csctp_tx_queue_trim(&p->q);
}

void csctp_tx_free(csctp_tx *tx) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (!p) return;
  tx_drop_outstanding(tx);
  csctp_tx_queue_free(&p->q);
  csctp_tx_ring_free(&p->ring);
  csctp_free(tx->mem, p);
  tx->priv = NULL;
}

size_t csctp_tx_start(csctp_tx *tx, csctp_tsn initial_tsn, uint32_t peer_rwnd,
                      uint16_t num_streams) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  size_t bytes = 0;
  size_t dropped = csctp_tx_queue_drop(&p->q, num_streams, &bytes);
  tx->buffered -= bytes;
  tx->next_tsn = initial_tsn;
  tx->cum_tsn_ack = initial_tsn - 1;
  tx->peer_rwnd = peer_rwnd;
  tx->outstanding_bytes = 0;
  tx->num_streams = num_streams;
  tx->started = 1;
  csctp_tx_cc_start(tx);
  tx->t3 = CSCTP_TSTAMP_NONE;
  p->rtx_count = 0;
  p->rtx_from = initial_tsn;
  p->burst = tx->cfg.max_burst;
  p->fast_rtx_pending = p->in_fast_recovery = 0;
  p->t3_state = CSCTP_TX_T3_IDLE;
  tx->p0.rtt_on = p->gap_on = 0;
  p->apap = p->fwd_sent = initial_tsn - 1;
  p->fwd_needed = 0;
  /* DATA until csctp_tx_write_new_i runs (tx->idata is the negotiation's, set after). */
  csctp_tx_sched_set_frag(&p->q, 0);
  p->max_new = p->max_payload;
  return dropped;
}

void csctp_tx_restart(csctp_tx *tx, csctp_tsn initial_tsn, uint32_t peer_rwnd,
                      uint16_t num_streams) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  size_t bytes = 0;
  tx_drop_outstanding(tx);
  csctp_tx_queue_drop(&p->q, 0, &bytes);
  csctp_tx_queue_reset_ssn(&p->q);
  tx->buffered = 0;
  csctp_tx_start(tx, initial_tsn, peer_rwnd, num_streams);
}

int csctp_tx_enqueue(csctp_tx *tx, uint16_t stream, uint32_t ppid, int unordered,
                     const uint8_t *data, size_t len) {
  return csctp_tx_enqueue_pr(tx, stream, ppid, unordered, CSCTP_PR_NONE, 0, 0, data, len);
}

/* csctp_tx_enqueue_pr once `data` and `len` are known good (data set, 1 <= len <=
 * max_message_size). */
static inline __attribute__((always_inline)) int tx_enqueue_valid(csctp_tx *tx, uint16_t stream,
                                                                  uint32_t ppid, int unordered,
                                                                  int policy, uint32_t value,
                                                                  int sack_now, csctp_tstamp now,
                                                                  const uint8_t *data, size_t len) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (policy != CSCTP_PR_NONE && policy != CSCTP_PR_TTL && policy != CSCTP_PR_RTX)
    return CSCTP_ERR_INVALID_ARGUMENT;
  if (policy != CSCTP_PR_NONE) tx->pr_used = 1; /* from now on csctp_tx_pr_check has work */
  if (tx->started && stream >= tx->num_streams) return CSCTP_ERR_STREAM_ID;
  if (tx->buffered > 0 && tx->buffered + len > tx->cfg.sndbuf) return CSCTP_ERR_WOULD_BLOCK;
  csctp_tx_msg *m = csctp_tx_msg_new(&p->q, data, len);
  if (!m) return CSCTP_ERR_NOMEM;
  csctp_tx_stream *st;
  if (csctp_tx_queue_stream(&p->q, stream, &st)) {
    csctp_tx_msg_free(&p->q, m);
    return CSCTP_ERR_NOMEM;
  }
  m->st = st;
  m->ppid = ppid;
  m->bits = (csctp_tx_msg_bits){.unordered = unordered ? 1 : 0, .sack_now = sack_now ? 1 : 0};
  if (sack_now) p->sack_req = 1;
  m->pr_policy = (uint8_t)policy;
  m->pr_value = value;
  if (policy == CSCTP_PR_TTL) m->expires = now + (csctp_tstamp)value * CSCTP_MILLISECONDS;
  csctp_tx_queue_push(&p->q, m);
  st->buffered += len;
  tx->buffered += len;
  return 0;
}

int csctp_tx_enqueue_pr(csctp_tx *tx, uint16_t stream, uint32_t ppid, int unordered, int policy,
                        uint32_t value, csctp_tstamp now, const uint8_t *data, size_t len) {
  if (len == 0 || !data) return CSCTP_ERR_INVALID_ARGUMENT;
  if (policy != CSCTP_PR_NONE && policy != CSCTP_PR_TTL && policy != CSCTP_PR_RTX)
    return CSCTP_ERR_INVALID_ARGUMENT;
  if (len > tx->cfg.max_message_size || len > UINT32_MAX) return CSCTP_ERR_MSG_TOO_LARGE;
  return tx_enqueue_valid(tx, stream, ppid, unordered, policy, value, 0, now, data, len);
}

int csctp_tx_send(csctp_tx *tx, const csctp_send_opts *o, csctp_tstamp now, const uint8_t *data,
                  size_t len) {
  return tx_enqueue_valid(tx, o->stream, o->ppid, o->unordered, (int)o->pr_policy, o->pr_value, 0,
                          now, data, len);
}

int csctp_tx_send_flags(csctp_tx *tx, const csctp_send_opts *o, unsigned flags, csctp_tstamp now,
                        const uint8_t *data, size_t len) {
  return tx_enqueue_valid(tx, o->stream, o->ppid, o->unordered, (int)o->pr_policy, o->pr_value,
                          (flags & CSCTP_SEND_SACK_IMMEDIATELY) != 0, now, data, len);
}

__attribute__((noinline)) void csctp_tx_mark_requested(csctp_tx_priv *p, csctp_wr *w, uint32_t n,
                                                       int idata) {
  size_t end = w->len, hdr = idata ? CSCTP_IDATA_HDR_LEN : CSCTP_DATA_HDR_LEN;
  for (uint32_t k = 0; k < n; k++) {
    csctp_tx_chunk *c = csctp_tx_ring_at(&p->ring, p->ring.count - 1 - k);
    end -= hdr + ((c->len + 3u) & ~3u);
    if ((c->flags & CSCTP_DATA_FLAG_E) && c->msg->sack_now) {
      w->buf[end + 1] |= CSCTP_DATA_FLAG_I;
      c->flags |= CSCTP_DATA_FLAG_I;
    }
  }
  /* Every such message is out once nothing is queued (DATA: nor being cut). */
  if (p->q.n_msgs == 0 && (idata || !p->cur)) p->sack_req = 0;
}

/* Payload of the next new chunk when it starts an empty packet. */
static uint32_t tx_next_new_len(const csctp_tx_priv *p) {
  const csctp_tx_msg *m = p->cur ? p->cur : csctp_tx_queue_peek(&p->q);
  if (!m) return 0;
  uint32_t rem = m->len - m->sent;
  return rem < p->max_new ? rem : p->max_new;
}

static int tx_may_send_rtx(const csctp_tx *tx, const csctp_tx_priv *p) {
  if (p->t3_state == CSCTP_TX_T3_HOLD) return 0;
  return p->fast_rtx_pending || tx->outstanding_bytes < tx->p0.cwnd;
}

static int tx_may_send_new(const csctp_tx *tx, const csctp_tx_priv *p) {
  /* §7.2.1: a new packet only while flightsize < cwnd (it may overshoot by < 1 MTU). */
  if (tx->outstanding_bytes >= tx->p0.cwnd) return 0;
  /* §6.1 Max.Burst: packets of new data per write opportunity. */
  return tx->cfg.max_burst == 0 || p->burst > 0;
}

int csctp_tx_wants_to_send(const csctp_tx *tx, csctp_tstamp now) {
  const csctp_tx_priv *p = csctp_tx_priv_of(tx);
  (void)now;
  if (!tx->started) return 0;
  if (p->rtx_count) return tx_may_send_rtx(tx, p);
  uint32_t len = tx_next_new_len(p);
  if (!len || !tx_may_send_new(tx, p)) return 0;
  /* §6.1 rule A: no new data beyond rwnd, except a probe when nothing is in flight. */
  return len <= tx->peer_rwnd || tx->outstanding_bytes == 0;
}

/* Writes the DATA chunk of `len` (>= 1) bytes at `off` in m with these flags and TSN (the
 * values given, not reread from a record after the header's byte stores). */
static inline __attribute__((always_inline)) void tx_put_data(csctp_wr *w, const csctp_tx_msg *m,
                                                              uint8_t flags, uint32_t off,
                                                              uint32_t len, csctp_tsn tsn) {
  csctp_data_chunk d;
  d.flags = flags;
  d.tsn = tsn;
  d.stream = m->st->id;
  d.ssn = m->unordered ? 0 : m->ssn;
  d.ppid = m->ppid;
  d.len = len;
  uint8_t *o = w->buf + w->len;
  csctp_data_write_header(o, &d);
  uint32_t size = csctp_tx_chunk_size(len);
  /* The 0..3 pad bytes: the last word of the chunk zeroed, then the payload over its start
   * (len >= 1, so that word lies after the header). */
  memset(o + size - 4, 0, 4);
  csctp_copy(o + CSCTP_DATA_HDR_LEN, m->data + off, len);
  w->len += size;
}

/* A retransmission: the record's chunk again, DATA or I-DATA (the same fragment, FSN). */
static inline __attribute__((always_inline)) void tx_put_chunk(const csctp_tx *tx, csctp_wr *w,
                                                               const csctp_tx_chunk *c,
                                                               csctp_tsn tsn) {
  if (tx->idata)
    csctp_tx_put_idata(w, c->msg, c->flags, c->off, c->len, c->fsn, tsn);
  else
    tx_put_data(w, c->msg, c->flags, c->off, c->len, tsn);
}

static void tx_rwnd_take(csctp_tx *tx, uint32_t len) {
  tx->peer_rwnd = tx->peer_rwnd > len ? tx->peer_rwnd - len : 0;
}

/* Marked chunks, lowest TSN first, as many as fit; they keep their size. */
static size_t tx_write_rtx(csctp_tx *tx, csctp_wr *w, csctp_tstamp now) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  size_t n = 0;
  uint32_t i = csctp_tsn_gt(p->rtx_from, tx->cum_tsn_ack) ? p->rtx_from - tx->cum_tsn_ack - 1 : 0;
  for (; i < p->ring.count && p->rtx_count; i++) {
    csctp_tx_chunk *c = csctp_tx_ring_at(&p->ring, i);
    if (!(c->state & CSCTP_TXC_RTX)) continue;
    size_t need = csctp_tx_chunk_size(c->len) + (tx->idata ? 4u : 0u);
    int over = need > csctp_wr_left(w);
    if (over) {
      /* Cut for a larger PLPMTU than today's (RFC 8899 black hole): the first DATA of a packet
       * that the lower layer sends with fragmentation allowed, and the last (RFC 9260 §7.3:
       * a TSN is never split again). */
      if (n || w->len + need + tx->overhead > tx->buf_cap) break;
      w->cap = w->len + need;
    }
    csctp_tsn tsn = tx->cum_tsn_ack + 1 + i;
    tx_put_chunk(tx, w, c, tsn);
    /* Unmarked, and on the path this packet goes to (0 unless multi-homed). */
    c->state = (uint8_t)((c->state & ~(CSCTP_TXC_RTX | CSCTP_TXC_PATH_MASK)) | tx->dest_bits);
    c->misses = 0;
    if (c->tx_count < 255) c->tx_count++;
    p->rtx_count--;
    tx->outstanding_bytes += c->len;
    tx_rwnd_take(tx, c->len);
    tx->stats.retransmissions++;
    tx->stats.data_chunks_out++;
    /* §7.2.4 step 4: restart T3 when the first outstanding chunk is fast-retransmitted. */
    if (i == 0 && p->fast_rtx_pending) tx->t3 = now + csctp_rto_get(&tx->p0.rto);
    n++;
    if (over) {
      i++;
      break;
    }
  }
  p->rtx_from = tx->cum_tsn_ack + 1 + i;
  return n;
}

static size_t tx_write_new(csctp_tx *tx, csctp_wr *w, csctp_tstamp now) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  size_t n = 0;
  if (!tx_may_send_new(tx, p)) {
    csctp_tx_burst_spent(tx, p);
    return 0;
  }
  for (;;) {
    csctp_tx_msg *m = p->cur;
    int fresh = !m;
    if (fresh && !(m = csctp_tx_queue_peek(&p->q))) break;
    if (fresh && tx->pr_used && tx->pr_enabled && m->pr_policy == CSCTP_PR_TTL &&
        now > m->expires) {
      /* RFC 7496: past its lifetime before its first chunk: dropped, no TSN used. */
      csctp_tx_queue_pop(&p->q);
      m->st->buffered -= m->len;
      tx->buffered -= m->len;
      tx->stats.abandoned_msgs++;
      csctp_tx_msg_free(&p->q, m);
      continue;
    }
    size_t left = csctp_wr_left(w);
    if (left < CSCTP_DATA_HDR_LEN + 4) break;
    uint32_t room = (uint32_t)((left - CSCTP_DATA_HDR_LEN) & ~(size_t)3);
    uint32_t rem = m->len - m->sent;
    uint32_t len = rem < p->max_payload ? rem : p->max_payload;
    if (len > room) {
      /*
       * Split to fill the packet, but not into fragments under a quarter of
       * the maximum payload: then close the packet instead.
       */
      uint32_t q = p->max_payload / 4;
      if (room < q || (rem - room < q && rem <= p->max_payload)) break;
      len = room;
    }
    /* §6.1 rule A; never shrink a chunk to fit a small window (silly window). */
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
      csctp_tx_queue_pop(&p->q);
      /* The SSN is taken at first transmission so queued messages can be dropped. */
      if (!m->unordered) m->ssn = m->st->next_ssn++;
      p->cur = m;
    }
    uint32_t off = m->sent;
    uint8_t flags = (uint8_t)((off == 0 ? CSCTP_DATA_FLAG_B : 0) |
                              (off + len == m->len ? CSCTP_DATA_FLAG_E : 0) |
                              (m->unordered ? CSCTP_DATA_FLAG_U : 0));
    c->msg = m;
    c->off = off;
    c->len = len;
    c->flags = flags;
    c->sent = now;
    c->tx_count = 1;
    csctp_tsn tsn = tx->next_tsn++;
    tx_put_data(w, m, flags, off, len, tsn);
    m->sent = off + len;
    if (off + len == m->len) {
      p->cur = NULL; /* §6.9: its fragments went out with consecutive TSNs */
      tx->stats.messages_out++;
    }
    tx->outstanding_bytes += len;
    tx_rwnd_take(tx, len);
    tx->stats.data_chunks_out++;
    tx->stats.bytes_out += len;
    if (!tx->p0.rtt_on) { /* §6.3.1 C4: one measurement per round trip */
      tx->p0.rtt_on = 1;
      tx->p0.rtt_tsn = tsn;
    }
    n++;
    if (probe) break;
  }
  if (n) {
    if (__builtin_expect(p->sack_req, 0)) csctp_tx_mark_requested(p, w, n, 0);
    if (!p->cur && p->q.n_msgs == 0) csctp_tx_mark_idle(p, w, 0);
  }
  if (n && p->burst) p->burst--;
  return n;
}

static void tx_update_write_other(csctp_tx *tx) {
  const csctp_tx_priv *p = csctp_tx_priv_of(tx);
  tx->write_other = tx->idata || (p && p->q.kind == CSCTP_TXS_RR_PACKET);
}

void csctp_tx_set_idata(csctp_tx *tx, int on) {
  tx->idata = on ? 1 : 0;
  tx_update_write_other(tx);
}

size_t csctp_tx_write_data(csctp_tx *tx, csctp_wr *w, csctp_tstamp now) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  size_t n = 0;
  if (!tx->started || w->overflow) return 0;
  if (p->rtx_count) {
    if (tx_may_send_rtx(tx, p)) {
      n = tx_write_rtx(tx, w, now);
      if (n) {
        p->fast_rtx_pending = 0;
        /* §6.3.3 E3: after a timeout, one packet; the rest waits for a SACK. */
        if (p->t3_state == CSCTP_TX_T3_EXPIRED) p->t3_state = CSCTP_TX_T3_HOLD;
      }
    }
    /* Retransmissions go before any new data (and alone to a retransmission path). */
    if (p->rtx_count || tx->rtx_only) goto out;
  }
  if (__builtin_expect(tx->write_other, 0)) { /* one test for plain DATA */
    csctp_tx_sched_packet_begin(&p->q);       /* RR_PACKET (RFC 8260 §3.3) */
    if (tx->idata) {
      n += csctp_tx_write_new_i(tx, w, now); /* RFC 8260: interleaved I-DATA */
      goto out;
    }
  }
  n += tx_write_new(tx, w, now);
out:
  if (n && tx->t3 == CSCTP_TSTAMP_NONE) tx->t3 = now + csctp_rto_get(&tx->p0.rto); /* §6.3.2 R1 */
  return n;
}

/*
 * Max.Burst credit kept for a caller that reads several packets before writing: 8 opportunities
 * (32 packets at the default Max.Burst). With 16 (64 packets at once), Firefox's UDP socket
 * (208 KiB receive buffer) dropped hundreds of datagrams a run of webrtc_idata on loopback,
 * whole bursts among them (retransmission timeouts in 5 of 6 runs with I-DATA); with 8, none
 * in 6 runs and fewer drops, with the same peer-to-peer throughput. 4 did as well for the
 * browser but cost a caller that reads in batches more write calls per message.
 */
#define TX_BURST_CREDIT_MAX 8

void csctp_tx_new_burst(csctp_tx *tx) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (!p) return;
  /*
   * §6.1: Max.Burst packets of new data per opportunity. Each arriving packet is one: a
   * caller that reads several before writing gets what it would have got writing after
   * each (up to TX_BURST_CREDIT_MAX times Max.Burst); cwnd still bounds the flight.
   */
  uint32_t cap = tx->cfg.max_burst * TX_BURST_CREDIT_MAX;
  if (p->ring.count == 0 && tx->buffered == 0)
    p->burst = tx->cfg.max_burst; /* idle: no credit piles up for a later burst */
  else
    p->burst = p->burst + tx->cfg.max_burst > cap ? cap : p->burst + tx->cfg.max_burst;
}

csctp_tstamp csctp_tx_t3_deadline(const csctp_tx *tx) {
  const csctp_tx_priv *p = csctp_tx_priv_of(tx);
  return p && tx->started ? tx->t3 : CSCTP_TSTAMP_NONE;
}

uint32_t csctp_tx_unacked_chunks(const csctp_tx *tx) {
  const csctp_tx_priv *p = tx->priv;
  return p ? p->ring.count : 0;
}

int csctp_tx_has_outstanding(const csctp_tx *tx) {
  const csctp_tx_priv *p = csctp_tx_priv_of(tx);
  return p && p->ring.count > 0;
}

int csctp_tx_set_scheduler(csctp_tx *tx, int kind) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (!p || kind < 0 || kind >= CSCTP_TXS_KINDS) return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_tx_sched_set_kind(&p->q, kind);
  tx_update_write_other(tx);
  return 0;
}

int csctp_tx_get_scheduler(const csctp_tx *tx) {
  const csctp_tx_priv *p = csctp_tx_priv_of(tx);
  return p ? p->q.kind : CSCTP_TXS_WFQ;
}

size_t csctp_tx_stream_buffered(const csctp_tx *tx, uint16_t stream) {
  const csctp_tx_priv *p = csctp_tx_priv_of(tx);
  const csctp_tx_stream *st = p ? csctp_tx_queue_find(&p->q, stream) : NULL;
  return st ? st->buffered : 0;
}

int csctp_tx_rtx_pending(const csctp_tx *tx) {
  const csctp_tx_priv *p = csctp_tx_priv_of(tx);
  return p && p->rtx_count != 0;
}

int csctp_tx_record_path(const csctp_tx *tx, csctp_tsn tsn) {
  const csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (!p || !tx->started || !csctp_tsn_gt(tsn, tx->cum_tsn_ack)) return -1;
  uint32_t i = tsn - tx->cum_tsn_ack - 1;
  if (i >= p->ring.count) return -1;
  return (int)csctp_tx_chunk_path(csctp_tx_ring_at(&p->ring, i));
}

int csctp_tx_record_path_live(const csctp_tx *tx, csctp_tsn tsn) {
  const csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (!p || !tx->started || !csctp_tsn_gt(tsn, tx->cum_tsn_ack)) return -1;
  uint32_t i = tsn - tx->cum_tsn_ack - 1;
  if (i >= p->ring.count) return -1;
  const csctp_tx_chunk *c = csctp_tx_ring_at(&p->ring, i);
  return c->state & CSCTP_TXC_RTX ? -1 : (int)csctp_tx_chunk_path(c);
}

void csctp_tx_mark_path(csctp_tx *tx, csctp_tsn from, unsigned path) {
  csctp_tx_priv *p = csctp_tx_priv_of(tx);
  if (!p || !csctp_tsn_gt(from, tx->cum_tsn_ack)) return;
  uint8_t bits = (uint8_t)((path << CSCTP_TXC_PATH_SHIFT) & CSCTP_TXC_PATH_MASK);
  for (uint32_t i = from - tx->cum_tsn_ack - 1; i < p->ring.count; i++) {
    csctp_tx_chunk *c = csctp_tx_ring_at(&p->ring, i);
    c->state = (uint8_t)((c->state & ~CSCTP_TXC_PATH_MASK) | bits);
  }
}
