/* SPDX-License-Identifier: MIT */
/*
 * Handover of an established association to another process (sctp.h,
 * csctp_assoc_handover_*): at a quiescent moment the state that outlives
 * the buffers travels in an authenticated blob and a new association goes on
 * from it. The blob, big-endian:
 *
 *   magic "CSHO", version u16, reserved u16 (0), created u64,
 *   local port, remote port (u16), local tag, peer tag, local initial TSN, peer
 *   initial TSN, next TSN to send, cumulative TSN received (u32), outbound and
 *   inbound stream counts (u16), peer a_rwnd from its INIT, peer rwnd, cwnd,
 *   ssthresh, partial_bytes_acked (u32), SRTT, RTTVAR, RTO (u64, µs),
 *   measured, features, peer requests seen, reserved (u8), max message size,
 *   zero checksum EDMID, our next RE-CONFIG request number, the peer's next, the
 *   results of its last two (u32), Tie-Tags (u32 x 2), scheduler quantum (u32),
 *   n outgoing streams (u32) then (id, next SSN, priority) u16 each,
 *   n incoming streams (u32) then (id, expected SSN) u16 each,
 *   HMAC-SHA-256 of everything before it.
 *
 * Nothing in flight, queued or held travels (csctp_assoc_handover_readiness),
 * so the blob is small and exact.
 */
#include <string.h>

#include "assoc.h"
#include "handover_streams.h"
#include "hmac.h"
#include "mem.h"
#include "rd.h"
#include "wr.h"

#define HO_MAGIC 0x4353484fu /* "CSHO" */
#define HO_VERSION 1
#define HO_FIXED 140 /* bytes before the stream lists' entries, MAC excluded */
#define HO_FUTURE_SLACK CSCTP_SECONDS
#define HO_RTT_MAX (3600 * CSCTP_SECONDS) /* larger SRTT, RTTVAR or RTO values are nonsense */

/* features bits */
#define HO_F_PEER_FWD 0x01u
#define HO_F_PEER_RECONFIG 0x02u
#define HO_F_ANN_FWD 0x04u
#define HO_F_ANN_RECONFIG 0x08u
#define HO_F_ZC_ACCEPT 0x10u
#define HO_F_ZC_PEER 0x20u
#define HO_F_ALL 0x3fu

_Static_assert(CSCTP_HANDOVER_MAX == HO_FIXED + CSCTP_HMAC_LEN + 65535u * 10u,
               "CSCTP_HANDOVER_MAX matches the format");

static int ho_reconfig_busy(const csctp_assoc *a) {
  const csctp_assoc_reconfig *rc = &a->rc;
  const csctp_assoc_reconfig_ext *x = &a->rcx;
  return rc->inflight || rc->send || rc->in_progress || rc->start_nomem || rc->deferred ||
         rc->pending.n || rc->pending.all || rc->timer != CSCTP_TSTAMP_NONE || x->out || x->in ||
         x->add_out || x->add_in || x->add_out_pending || x->add_in_pending || x->answer_in ||
         x->tsn || x->tsn_pending || x->in_pending.n || x->in_pending.all;
}

int csctp_assoc_handover_readiness(const csctp_assoc *a) {
  if (!a) return CSCTP_HANDOVER_NOT_ESTABLISHED;
  int r = 0;
  if (a->state != CSCTP_STATE_ESTABLISHED || a->dead || a->handed_over)
    r |= CSCTP_HANDOVER_NOT_ESTABLISHED;
  if (a->watch) r |= CSCTP_HANDOVER_ENDPOINT;
  if (csctp_tx_has_outstanding(&a->tx) || a->tx.outstanding_bytes)
    r |= CSCTP_HANDOVER_DATA_IN_FLIGHT;
  if (csctp_tx_has_queued(&a->tx)) r |= CSCTP_HANDOVER_DATA_QUEUED;
  int ready = csctp_reasm_has_ready(&a->reasm);
  if (ready || a->evq_len) r |= CSCTP_HANDOVER_DELIVERY;
  if (csctp_rx_tsn_has_gaps(&a->rxt) || (!ready && !csctp_reasm_quiescent(&a->reasm)))
    r |= CSCTP_HANDOVER_REASSEMBLY;
  if (ho_reconfig_busy(a)) r |= CSCTP_HANDOVER_RECONFIG;
  if (a->opkt_head || a->ctrl_len || a->send_init || a->send_cookie_echo || a->send_shutdown ||
      a->send_shutdown_ack || a->send_heartbeat || a->sack_now || a->window_update ||
      a->sack_timer != CSCTP_TSTAMP_NONE)
    r |= CSCTP_HANDOVER_OUTPUT;
  if (csctp_tx_forward_pending(&a->tx)) r |= CSCTP_HANDOVER_FORWARD_TSN;
  if (a->peer_idata) r |= CSCTP_HANDOVER_INTERLEAVING;
  if (a->auth_on) r |= CSCTP_HANDOVER_AUTH;
  if (a->ecn_on) r |= CSCTP_HANDOVER_ECN;
  return r;
}

int csctp_assoc_handover_drop(csctp_assoc *a) {
  a->stats.packets_in++;
  a->stats.drop_unexpected++;
  return 0;
}

static void ho_write(const csctp_assoc *a, csctp_tstamp now, const csctp_ho_stream *out,
                     size_t n_out, const csctp_ho_stream *in, size_t n_in, csctp_wr *w) {
  const csctp_tx *tx = &a->tx;
  csctp_wr_u32(w, HO_MAGIC);
  csctp_wr_u16(w, HO_VERSION);
  csctp_wr_u16(w, 0);
  csctp_wr_u64(w, now);
  csctp_wr_u16(w, a->cfg.local_port);
  csctp_wr_u16(w, a->cfg.remote_port);
  csctp_wr_u32(w, a->local_tag);
  csctp_wr_u32(w, a->peer_tag);
  csctp_wr_u32(w, a->local_initial_tsn);
  csctp_wr_u32(w, a->peer_initial_tsn);
  csctp_wr_u32(w, tx->next_tsn);
  csctp_wr_u32(w, a->rxt.cum);
  csctp_wr_u16(w, a->num_out);
  csctp_wr_u16(w, a->num_in);
  csctp_wr_u32(w, a->peer_a_rwnd);
  csctp_wr_u32(w, tx->peer_rwnd);
  csctp_wr_u32(w, tx->p0.cwnd);
  csctp_wr_u32(w, tx->p0.ssthresh);
  csctp_wr_u32(w, tx->p0.partial_bytes_acked);
  const csctp_tstamp rtt[3] = {tx->p0.rto.srtt, tx->p0.rto.rttvar, tx->p0.rto.rto};
  for (int i = 0; i < 3; i++) csctp_wr_u64(w, rtt[i]);
  csctp_wr_u8(w, tx->p0.rto.measured ? 1 : 0);
  csctp_wr_u8(w, (uint8_t)((a->peer_forward_tsn ? HO_F_PEER_FWD : 0) |
                           (a->peer_reconfig ? HO_F_PEER_RECONFIG : 0) |
                           (a->announce_forward_tsn ? HO_F_ANN_FWD : 0) |
                           (a->announce_reconfig ? HO_F_ANN_RECONFIG : 0) |
                           (a->zc_accept ? HO_F_ZC_ACCEPT : 0) | (a->zc_peer ? HO_F_ZC_PEER : 0)));
  csctp_wr_u8(w, (uint8_t)(a->rc.peer_seen > 2 ? 2 : a->rc.peer_seen));
  csctp_wr_u8(w, 0);
  csctp_wr_u32(w, a->cfg.max_message_size);
  csctp_wr_u32(w, a->cfg.zero_checksum_edmid);
  csctp_wr_u32(w, a->rc.next_seq);
  csctp_wr_u32(w, a->rc.peer_next_seq);
  csctp_wr_u32(w, a->rc.peer_results[0]);
  csctp_wr_u32(w, a->rc.peer_results[1]);
  csctp_wr_u32(w, a->tie_local);
  csctp_wr_u32(w, a->tie_peer);
  csctp_wr_u32(w, csctp_tx_quantum(tx));
  csctp_wr_u32(w, (uint32_t)n_out);
  for (size_t i = 0; i < n_out; i++) {
    csctp_wr_u16(w, out[i].id);
    csctp_wr_u16(w, out[i].ssn);
    csctp_wr_u16(w, out[i].priority);
  }
  csctp_wr_u32(w, (uint32_t)n_in);
  for (size_t i = 0; i < n_in; i++) {
    csctp_wr_u16(w, in[i].id);
    csctp_wr_u16(w, in[i].ssn);
  }
}

csctp_ssize csctp_assoc_handover_export(csctp_assoc *a, const uint8_t *key, size_t key_len,
                                        csctp_tstamp now, uint8_t *buf, size_t cap) {
  if (!a || !key || key_len < CSCTP_HANDOVER_KEY_MIN || (!buf && cap))
    return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_assoc_release_popped(a); /* the message handed out last is taken */
  if (csctp_assoc_handover_readiness(a)) return CSCTP_ERR_INVALID_STATE;
  csctp_ho_stream *out = NULL, *in = NULL;
  csctp_ssize n_out = csctp_tx_streams_list(&a->tx, a->mem, &out);
  if (n_out < 0) return n_out;
  csctp_ssize n_in = csctp_reasm_streams_list(&a->reasm, a->mem, &in);
  csctp_ssize rv = n_in;
  if (n_in < 0) goto done;
  size_t size = HO_FIXED + (size_t)n_out * 6 + (size_t)n_in * 4 + CSCTP_HMAC_LEN;
  rv = (csctp_ssize)size;
  if (!buf) goto done; /* the size asked for */
  rv = CSCTP_ERR_NOBUF;
  if (cap < size) goto done;
  csctp_wr w;
  csctp_wr_init(&w, buf, size - CSCTP_HMAC_LEN);
  ho_write(a, now, out, (size_t)n_out, in, (size_t)n_in, &w);
  if (w.overflow || w.len != size - CSCTP_HMAC_LEN) { /* the format and HO_FIXED disagree */
    rv = CSCTP_ERR_NOBUF;
    goto done;
  }
  rv = csctp_hmac_sha256(key, key_len, buf, w.len, buf + w.len);
  if (rv) goto done;
  /* Handed over: never another packet, timer or event from this one (no ABORT either). */
  a->handed_over = 1;
  a->dead = 1;
  a->state = CSCTP_STATE_CLOSED;
  a->p0.hb_timer = a->sack_timer = a->t1 = a->t2 = a->t5 = a->rc.timer = CSCTP_TSTAMP_NONE;
  a->out_dirty = 0;
  csctp_assoc_log(a, CSCTP_LOG_INFO, "handed over (%zu bytes, %zd + %zd streams)", size, n_out,
                  n_in);
  rv = (csctp_ssize)size;
done:
  csctp_free(a->mem, out);
  csctp_free(a->mem, in);
  return rv;
}

/* The blob's fields, as read (checked by ho_check and ho_apply). */
typedef struct ho_state {
  uint16_t local_port, remote_port, num_out, num_in;
  uint32_t local_tag, peer_tag, local_initial_tsn, peer_initial_tsn, next_tsn, rx_cum;
  uint32_t peer_a_rwnd, peer_rwnd, cwnd, ssthresh, pba;
  csctp_tstamp srtt, rttvar, rto;
  uint8_t measured, features, peer_seen;
  uint32_t mms, edmid, next_seq, peer_next_seq, results[2], tie_local, tie_peer, quantum;
  const uint8_t *out, *in; /* the stream lists' entries */
  uint32_t n_out, n_in;
} ho_state;

/* Reads the fields after version and time; MALFORMED when short or trailing bytes remain. */
static int ho_read(csctp_rd *r, ho_state *s) {
  s->local_port = csctp_rd_u16(r);
  s->remote_port = csctp_rd_u16(r);
  s->local_tag = csctp_rd_u32(r);
  s->peer_tag = csctp_rd_u32(r);
  s->local_initial_tsn = csctp_rd_u32(r);
  s->peer_initial_tsn = csctp_rd_u32(r);
  s->next_tsn = csctp_rd_u32(r);
  s->rx_cum = csctp_rd_u32(r);
  s->num_out = csctp_rd_u16(r);
  s->num_in = csctp_rd_u16(r);
  s->peer_a_rwnd = csctp_rd_u32(r);
  s->peer_rwnd = csctp_rd_u32(r);
  s->cwnd = csctp_rd_u32(r);
  s->ssthresh = csctp_rd_u32(r);
  s->pba = csctp_rd_u32(r);
  s->srtt = csctp_rd_u64(r);
  s->rttvar = csctp_rd_u64(r);
  s->rto = csctp_rd_u64(r);
  s->measured = csctp_rd_u8(r);
  s->features = csctp_rd_u8(r);
  s->peer_seen = csctp_rd_u8(r);
  uint8_t reserved = csctp_rd_u8(r);
  s->mms = csctp_rd_u32(r);
  s->edmid = csctp_rd_u32(r);
  s->next_seq = csctp_rd_u32(r);
  s->peer_next_seq = csctp_rd_u32(r);
  s->results[0] = csctp_rd_u32(r);
  s->results[1] = csctp_rd_u32(r);
  s->tie_local = csctp_rd_u32(r);
  s->tie_peer = csctp_rd_u32(r);
  s->quantum = csctp_rd_u32(r);
  s->n_out = csctp_rd_u32(r);
  if (r->bad || s->n_out > 65535) return CSCTP_ERR_MALFORMED;
  s->out = csctp_rd_bytes(r, (size_t)s->n_out * 6);
  s->n_in = csctp_rd_u32(r);
  if (r->bad || s->n_in > 65535) return CSCTP_ERR_MALFORMED;
  s->in = csctp_rd_bytes(r, (size_t)s->n_in * 4);
  if (r->bad || csctp_rd_left(r) != 0 || reserved) return CSCTP_ERR_MALFORMED;
  return 0;
}

/* Checks each field's range and the stream lists (ids increasing, within the counts). */
static int ho_check(const ho_state *s) {
  if (!s->local_tag || !s->peer_tag || !s->num_out || !s->num_in || !s->local_port ||
      !s->remote_port || !s->cwnd || s->pba > s->cwnd || s->measured > 1 ||
      (s->features & ~HO_F_ALL) || s->peer_seen > 2 || !s->mms || s->mms > INT32_MAX ||
      s->srtt > HO_RTT_MAX || s->rttvar > HO_RTT_MAX || !s->rto || s->rto > HO_RTT_MAX ||
      (!s->measured && (s->srtt || s->rttvar)) || s->n_out > s->num_out || s->n_in > s->num_in)
    return CSCTP_ERR_MALFORMED;
  if ((s->features & (HO_F_ZC_ACCEPT | HO_F_ZC_PEER)) && s->edmid == CSCTP_EDMID_NONE)
    return CSCTP_ERR_MALFORMED;
  for (uint32_t i = 0; i < s->n_out; i++) {
    const uint8_t *e = s->out + (size_t)i * 6;
    uint16_t id = csctp_get_u16(e);
    if (id >= s->num_out || (i && id <= csctp_get_u16(e - 6)) || !csctp_get_u16(e + 4))
      return CSCTP_ERR_MALFORMED;
  }
  for (uint32_t i = 0; i < s->n_in; i++) {
    const uint8_t *e = s->in + (size_t)i * 4;
    uint16_t id = csctp_get_u16(e);
    if (id >= s->num_in || (i && id <= csctp_get_u16(e - 4))) return CSCTP_ERR_MALFORMED;
  }
  return 0;
}

/* The blob's settings that the importer's configuration must share. */
static int ho_check_cfg(const ho_state *s, const csctp_config *cfg) {
  if (s->local_port != cfg->local_port || s->remote_port != cfg->remote_port ||
      s->num_in > cfg->max_inbound_streams ||
      ((s->features & (HO_F_ZC_ACCEPT | HO_F_ZC_PEER)) && s->edmid != cfg->zero_checksum_edmid) ||
      (s->mms > cfg->rwnd && !cfg->partial_delivery_point))
    return CSCTP_ERR_INVALID_ARGUMENT;
  return 0;
}

/* Makes `a` (new, CLOSED) the association the blob describes. Returns 0 or NOMEM. */
static int ho_apply(csctp_assoc *a, const ho_state *s, csctp_tstamp now) {
  csctp_cookie c = {0};
  c.local_port = s->local_port;
  c.remote_port = s->remote_port;
  c.local_tag = s->local_tag;
  c.peer_tag = s->peer_tag;
  c.local_initial_tsn = s->next_tsn; /* the tx starts at the next TSN, all acknowledged */
  c.peer_initial_tsn = s->rx_cum + 1;
  c.peer_a_rwnd = s->peer_a_rwnd;
  c.num_outbound = s->num_out;
  c.num_inbound = s->num_in;
  c.peer_forward_tsn = (s->features & HO_F_PEER_FWD) != 0;
  c.peer_reconfig = (s->features & HO_F_PEER_RECONFIG) != 0;
  c.peer_zero_checksum = (s->features & HO_F_ZC_PEER) != 0;
  int rv = csctp_assoc_establish(a, &c, 0, now);
  if (rv) return rv;
  a->evq_head = a->evq_len = 0; /* no CONNECTED (it owns nothing): the association was up */
  a->local_initial_tsn = s->local_initial_tsn;
  a->peer_initial_tsn = s->peer_initial_tsn;
  a->announce_forward_tsn = (s->features & HO_F_ANN_FWD) != 0;
  a->announce_reconfig = (s->features & HO_F_ANN_RECONFIG) != 0;
  a->zc_accept = (s->features & HO_F_ZC_ACCEPT) != 0;
  a->zc_peer = (s->features & HO_F_ZC_PEER) != 0;
  a->rc.next_seq = s->next_seq;
  a->rc.peer_next_seq = s->peer_next_seq;
  a->rc.peer_results[0] = s->results[0];
  a->rc.peer_results[1] = s->results[1];
  a->rc.peer_seen = s->peer_seen;
  a->tie_local = s->tie_local;
  a->tie_peer = s->tie_peer;
  a->cfg.max_message_size = s->mms;
  a->tx.cfg.max_message_size = s->mms;
  a->reasm.max_message_size = s->mms;
  csctp_tx *tx = &a->tx;
  tx->peer_rwnd = s->peer_rwnd;
  tx->p0.cwnd = s->cwnd;
  tx->p0.ssthresh = s->ssthresh;
  tx->p0.partial_bytes_acked = s->pba;
  tx->p0.rto.srtt = s->srtt;
  tx->p0.rto.rttvar = s->rttvar;
  tx->p0.rto.measured = s->measured;
  tx->p0.rto.backed_off = 0;
  csctp_tstamp rto = s->rto;
  if (rto < tx->p0.rto.rto_min) rto = tx->p0.rto.rto_min; /* this process's bounds */
  if (rto > tx->p0.rto.rto_max) rto = tx->p0.rto.rto_max;
  tx->p0.rto.rto = rto;
  csctp_assoc_set_sched_quantum(a, s->quantum);
  for (uint32_t i = 0; i < s->n_out; i++) {
    const uint8_t *e = s->out + (size_t)i * 6;
    rv = csctp_tx_stream_restore(tx, csctp_get_u16(e), csctp_get_u16(e + 2), csctp_get_u16(e + 4));
    if (rv) return rv;
  }
  for (uint32_t i = 0; i < s->n_in; i++) {
    const uint8_t *e = s->in + (size_t)i * 4;
    rv = csctp_reasm_stream_restore(&a->reasm, csctp_get_u16(e), csctp_get_u16(e + 2));
    if (rv) return rv;
  }
  csctp_assoc_hb_schedule(a, now); /* after the RTO is known */
  a->p0.last_sent = now;
  a->last_adv_rwnd = csctp_assoc_a_rwnd(a);
  a->out_dirty = 0;
  csctp_assoc_log(a, CSCTP_LOG_INFO, "ESTABLISHED by handover (out %u, in %u)", a->num_out,
                  a->num_in);
  return 0;
}

int csctp_assoc_handover_import(csctp_assoc **out, const csctp_config *cfg, const uint8_t *key,
                                size_t key_len, const uint8_t *blob, size_t len, csctp_tstamp now,
                                csctp_tstamp max_age) {
  if (!out || !cfg || !key || key_len < CSCTP_HANDOVER_KEY_MIN || (!blob && len))
    return CSCTP_ERR_INVALID_ARGUMENT;
  /* The MAC first: nothing else of the blob is looked at before it is proven ours. */
  if (len < CSCTP_HMAC_LEN) return CSCTP_ERR_HANDOVER_AUTH;
  uint8_t mac[CSCTP_HMAC_LEN];
  size_t body = len - CSCTP_HMAC_LEN;
  int rv = csctp_hmac_sha256(key, key_len, blob, body, mac);
  if (rv) return rv;
  if (!csctp_hmac_equal(mac, blob + body, CSCTP_HMAC_LEN)) return CSCTP_ERR_HANDOVER_AUTH;
  csctp_rd r;
  csctp_rd_init(&r, blob, body);
  uint32_t magic = csctp_rd_u32(&r);
  uint16_t version = csctp_rd_u16(&r);
  if (r.bad || magic != HO_MAGIC) return CSCTP_ERR_MALFORMED;
  if (version != HO_VERSION) return CSCTP_ERR_HANDOVER_VERSION;
  uint16_t reserved = csctp_rd_u16(&r);
  csctp_tstamp created = csctp_rd_u64(&r);
  if (r.bad || reserved) return CSCTP_ERR_MALFORMED;
  if (created > now ? created - now > HO_FUTURE_SLACK : now - created > max_age)
    return CSCTP_ERR_HANDOVER_STALE;
  ho_state s;
  if ((rv = ho_read(&r, &s)) != 0 || (rv = ho_check(&s)) != 0 || (rv = ho_check_cfg(&s, cfg)))
    return rv;
  csctp_assoc *a;
  rv = csctp_assoc_new(&a, cfg);
  if (rv) return rv;
  rv = ho_apply(a, &s, now);
  if (rv) {
    csctp_assoc_del(a);
    return rv;
  }
  *out = a;
  return 0;
}
