/*
 * Stream reconfiguration (RFC 6525): our Outgoing SSN Reset Requests (one in
 * flight, retransmitted on their own timer, later ones merged and queued) and
 * the peer's requests (sequence numbers, deferred reset processing, "In
 * progress", duplicates); every request type we do not perform is denied.
 * Also the extension state set up at establishment and the small queries of
 * sctp.h about extensions and streams.
 */
#include <string.h>

#include "assoc.h"
#include "mem.h"

/* ---- stream sets ---- */

/* Adds ids (n = 0: every stream). Grows first: on NOMEM nothing changed. */
static int streams_add(csctp_assoc *a, csctp_assoc_streams *s, const uint16_t *ids, size_t n) {
  if (n == 0) {
    s->all = 1;
    s->n = 0;
    return 0;
  }
  if (s->all) return 0;
  if (s->n + n > s->cap) {
    size_t cap = s->cap ? s->cap : 8;
    while (cap < s->n + n) cap *= 2;
    uint16_t *x = csctp_realloc(a->mem, s->ids, cap * sizeof(*x));
    if (!x) return CSCTP_ERR_NOMEM;
    s->ids = x;
    s->cap = cap;
  }
  for (size_t i = 0; i < n; i++) {
    size_t k = 0;
    while (k < s->n && s->ids[k] != ids[i]) k++;
    if (k == s->n) s->ids[s->n++] = ids[i];
  }
  return 0;
}

static int streams_has(const csctp_assoc_streams *s, uint16_t id) {
  if (s->all) return 1;
  for (size_t i = 0; i < s->n; i++)
    if (s->ids[i] == id) return 1;
  return 0;
}

static void streams_clear(csctp_assoc_streams *s) {
  s->n = 0;
  s->all = 0;
}

/* Ids and count as the wire and the tx see them (0 = all). */
static const uint16_t *streams_ids(const csctp_assoc_streams *s) { return s->all ? NULL : s->ids; }
static size_t streams_n(const csctp_assoc_streams *s) { return s->all ? 0 : s->n; }

/* Streams whose ids fit in one Outgoing SSN Reset Request in a packet. */
static size_t reconfig_max_streams(const csctp_assoc *a) {
  return (a->cfg.mtu - CSCTP_COMMON_HDR_LEN - CSCTP_CHUNK_HDR_LEN - 16) / 2;
}

/* Emits STREAMS_RESET with a copy of the stream list (freed after the event is taken). */
static void reconfig_event(csctp_assoc *a, int incoming, uint32_t result,
                           const csctp_assoc_streams *s) {
  csctp_event ev = {.type = CSCTP_EVENT_STREAMS_RESET};
  uint16_t *copy = NULL;
  size_t n = streams_n(s);
  if (n) {
    copy = csctp_malloc(a->mem, n * sizeof(*copy));
    if (!copy) return; /* out of memory: the event is lost, the reset still happened */
    memcpy(copy, s->ids, n * sizeof(*copy));
  }
  ev.u.streams_reset.incoming = incoming;
  ev.u.streams_reset.result = result;
  ev.u.streams_reset.streams = copy;
  ev.u.streams_reset.n_streams = n;
  csctp_assoc_push_event_owned(a, &ev, 0, copy);
}

/* ---- set-up ---- */

void csctp_assoc_ext_start(csctp_assoc *a, csctp_tsn peer_initial_tsn) {
  csctp_assoc_reconfig *rc = &a->rc;
  a->tx.pr_enabled = a->peer_forward_tsn;
  /* A restart starts over: nothing paused, no request in flight. */
  csctp_tx_resume_streams(&a->tx, NULL, 0, 0);
  rc->next_seq = a->local_initial_tsn; /* §5.1.1: the first request number is the initial TSN */
  rc->inflight = rc->sent = rc->send = rc->in_progress = 0;
  streams_clear(&rc->cur);
  streams_clear(&rc->pending);
  rc->timer = CSCTP_TSTAMP_NONE;
  rc->peer_next_seq = peer_initial_tsn;
  rc->peer_seen = 0;
  rc->deferred = 0;
  streams_clear(&rc->deferred_streams);
}

void csctp_assoc_reconfig_free(csctp_assoc *a) {
  csctp_free(a->mem, a->rc.cur.ids);
  csctp_free(a->mem, a->rc.pending.ids);
  csctp_free(a->mem, a->rc.deferred_streams.ids);
  memset(&a->rc.cur, 0, sizeof(a->rc.cur));
  memset(&a->rc.pending, 0, sizeof(a->rc.pending));
  memset(&a->rc.deferred_streams, 0, sizeof(a->rc.deferred_streams));
}

/* ---- our requests (§5.1.2) ---- */

/* Moves the queued streams into a new request, as many as fit in a packet. */
static void reconfig_start_next(csctp_assoc *a) {
  csctp_assoc_reconfig *rc = &a->rc;
  if (rc->inflight || (!rc->pending.all && rc->pending.n == 0)) return;
  streams_clear(&rc->cur);
  if (rc->pending.all) {
    rc->cur.all = 1;
    streams_clear(&rc->pending);
  } else {
    size_t take = rc->pending.n, max = reconfig_max_streams(a);
    if (take > max) take = max;
    if (streams_add(a, &rc->cur, rc->pending.ids, take)) return; /* NOMEM: next call tries */
    memmove(rc->pending.ids, rc->pending.ids + take, (rc->pending.n - take) * sizeof(uint16_t));
    rc->pending.n -= take;
  }
  rc->inflight = 1;
  rc->sent = rc->in_progress = 0;
  rc->send = 1;
  rc->seq = rc->next_seq++;
}

int csctp_assoc_reset_streams(csctp_assoc *a, const uint16_t *streams, size_t n,
                              csctp_tstamp now) {
  csctp_assoc_reconfig *rc = &a->rc;
  (void)now;
  if (a->state != CSCTP_STATE_ESTABLISHED || !a->peer_reconfig) return CSCTP_ERR_INVALID_STATE;
  if (n && !streams) return CSCTP_ERR_INVALID_ARGUMENT;
  reconfig_start_next(a); /* retries a start that ran out of memory */
  for (size_t i = 0; i < n; i++)
    if (streams[i] >= a->num_out) return CSCTP_ERR_STREAM_ID;
  int rv = streams_add(a, &rc->pending, streams, n);
  if (rv) return rv;
  /* Data queued now still goes before the reset; later sends wait for it (sctp.h). */
  rv = csctp_tx_pause_streams(&a->tx, streams, n);
  if (rv) return rv;
  reconfig_start_next(a);
  return 0;
}

void csctp_assoc_reconfig_write(csctp_assoc *a, csctp_wr *w, csctp_tstamp now) {
  csctp_assoc_reconfig *rc = &a->rc;
  if (!rc->inflight || !rc->send) return;
  const uint16_t *ids = streams_ids(&rc->cur);
  size_t n = streams_n(&rc->cur);
  /* §5.1.2: the request goes once the data queued before it has its TSNs. */
  if (!rc->sent && !csctp_tx_streams_drained(&a->tx, ids, n)) return;
  csctp_tsn last = rc->sent ? rc->last_tsn : a->tx.next_tsn - 1;
  csctp_reconfig_param p = {0};
  p.type = CSCTP_PARAM_OUT_SSN_RESET;
  p.seq = rc->seq;
  p.resp_seq = rc->peer_next_seq - 1; /* §4.1: no Incoming request answered */
  p.last_tsn = last;
  p.n_streams = n;
  size_t mark = w->len;
  size_t off = csctp_reconfig_write_begin(w);
  csctp_reconfig_param_write(w, &p, ids);
  csctp_wr_tlv_end(w, off);
  if (w->overflow) {
    csctp_wr_rollback(w, mark);
    return;
  }
  rc->last_tsn = last;
  rc->sent = 1;
  rc->send = 0;
  rc->timer = now + csctp_rto_get(&a->tx.rto);
  a->stats.chunks_out++;
}

int csctp_assoc_reconfig_timer(csctp_assoc *a, csctp_tstamp now) {
  csctp_assoc_reconfig *rc = &a->rc;
  if (rc->timer > now) return 0;
  rc->timer = CSCTP_TSTAMP_NONE;
  if (!rc->inflight) return 0;
  if (rc->in_progress) {
    rc->in_progress = 0; /* the peer is there: ask again, no error */
  } else {
    /* Lost: counted like T3 (§5.1.1), with the RTO backed off. */
    if (csctp_assoc_count_error(a)) return 1;
    csctp_rto_backoff(&a->tx.rto);
  }
  rc->send = 1;
  return 0;
}

/* Our request is answered: streams resume (SSNs from 0 on success), the next request starts. */
static void reconfig_finish(csctp_assoc *a, uint32_t result) {
  csctp_assoc_reconfig *rc = &a->rc;
  int ok = result == CSCTP_RECONFIG_SUCCESS || result == CSCTP_RECONFIG_SUCCESS_NOP;
  csctp_tx_resume_streams(&a->tx, streams_ids(&rc->cur), streams_n(&rc->cur), ok);
  /* Streams also waiting for the next request stay paused. */
  if (rc->pending.all || rc->pending.n)
    csctp_tx_pause_streams(&a->tx, streams_ids(&rc->pending), streams_n(&rc->pending));
  reconfig_event(a, 0, ok ? 0 : result, &rc->cur);
  rc->inflight = rc->sent = rc->send = rc->in_progress = 0;
  rc->timer = CSCTP_TSTAMP_NONE;
  streams_clear(&rc->cur);
  reconfig_start_next(a);
}

static void reconfig_on_response(csctp_assoc *a, const csctp_reconfig_param *p,
                                 csctp_tstamp now) {
  csctp_assoc_reconfig *rc = &a->rc;
  if (!rc->inflight || !rc->sent || p->seq != rc->seq) {
    a->stats.drop_unexpected++; /* stale or unsolicited */
    return;
  }
  a->error_count = 0;
  if (p->result == CSCTP_RECONFIG_IN_PROGRESS) {
    /* §5.2.2: the peer waits for our data; ask again after an RTO. */
    rc->in_progress = 1;
    rc->send = 0;
    rc->timer = now + csctp_rto_get(&a->tx.rto);
    return;
  }
  reconfig_finish(a, p->result);
}

/* ---- the peer's requests (§5.2) ---- */

/* Result recorded for a recent request number, or -1. */
static int64_t peer_result(const csctp_assoc_reconfig *rc, uint32_t seq) {
  if (rc->peer_seen >= 1 && seq == rc->peer_next_seq - 1) return rc->peer_results[0];
  if (rc->peer_seen >= 2 && seq == rc->peer_next_seq - 2) return rc->peer_results[1];
  return -1;
}

static void peer_record(csctp_assoc_reconfig *rc, uint32_t result) {
  rc->peer_results[1] = rc->peer_results[0];
  rc->peer_results[0] = result;
  rc->peer_next_seq++;
  if (rc->peer_seen < 2) rc->peer_seen++;
}

static void peer_update(csctp_assoc_reconfig *rc, uint32_t seq, uint32_t result) {
  if (rc->peer_seen >= 1 && seq == rc->peer_next_seq - 1)
    rc->peer_results[0] = result;
  else if (rc->peer_seen >= 2 && seq == rc->peer_next_seq - 2)
    rc->peer_results[1] = result;
}

void csctp_assoc_reconfig_progress(csctp_assoc *a) {
  csctp_assoc_reconfig *rc = &a->rc;
  if (!rc->deferred || csctp_tsn_gt(rc->deferred_tsn, a->rxt.cum)) return;
  /* §5.2.2: everything up to the peer's last TSN arrived; the old messages must be taken. */
  const csctp_assoc_streams *s = &rc->deferred_streams;
  if (csctp_reasm_reset_streams(&a->reasm, streams_ids(s), streams_n(s)) != 0) return;
  rc->deferred = 0;
  peer_update(rc, rc->deferred_seq, CSCTP_RECONFIG_SUCCESS);
  reconfig_event(a, 1, 0, s);
}

int csctp_assoc_reconfig_holds(const csctp_assoc *a, uint16_t stream, csctp_tsn tsn) {
  const csctp_assoc_reconfig *rc = &a->rc;
  return rc->deferred && csctp_tsn_gt(tsn, rc->deferred_tsn) &&
         streams_has(&rc->deferred_streams, stream);
}

/* A fresh Outgoing SSN Reset Request: reset now or defer (§5.2.2). Returns the result. */
static uint32_t peer_out_reset(csctp_assoc *a, const csctp_reconfig_param *p) {
  csctp_assoc_reconfig *rc = &a->rc;
  if (rc->deferred) return CSCTP_RECONFIG_ERR_IN_PROGRESS; /* one at a time */
  streams_clear(&rc->deferred_streams);
  for (size_t i = 0; i < p->n_streams; i++) {
    uint16_t id = csctp_reconfig_stream(p, i);
    if (streams_add(a, &rc->deferred_streams, &id, 1)) return CSCTP_RECONFIG_DENIED;
  }
  if (p->n_streams == 0) rc->deferred_streams.all = 1;
  rc->deferred = 1;
  rc->deferred_seq = p->seq;
  rc->deferred_tsn = p->last_tsn;
  return CSCTP_RECONFIG_IN_PROGRESS;
}

/* Handles one request parameter; returns the result to answer with. */
static uint32_t peer_request(csctp_assoc *a, const csctp_reconfig_param *p) {
  csctp_assoc_reconfig *rc = &a->rc;
  if (p->seq != rc->peer_next_seq) {
    /* §5.2.1: a retransmission gets the earlier answer, anything else is out of sequence. */
    if (rc->deferred && p->seq == rc->deferred_seq) csctp_assoc_reconfig_progress(a);
    int64_t r = peer_result(rc, p->seq);
    return r >= 0 ? (uint32_t)r : CSCTP_RECONFIG_ERR_BAD_SEQ;
  }
  uint32_t result = CSCTP_RECONFIG_DENIED; /* 14, 15, 17, 18: not performed by us */
  if (p->type == CSCTP_PARAM_OUT_SSN_RESET) result = peer_out_reset(a, p);
  peer_record(rc, result);
  if (result == CSCTP_RECONFIG_IN_PROGRESS) {
    csctp_assoc_reconfig_progress(a);
    result = (uint32_t)peer_result(rc, p->seq);
  }
  return result;
}

static void report_unknown_param(csctp_assoc *a, const csctp_tlv *t) {
  uint8_t buf[512];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof(buf));
  size_t off = csctp_error_write_begin(&w);
  csctp_cause_write_unrecognized_params(&w, t, 1);
  csctp_wr_tlv_end(&w, off);
  if (!w.overflow && csctp_assoc_queue_ctrl(a, buf, w.len) == 0) a->stats.errors_sent++;
}

int csctp_assoc_on_reconfig(csctp_assoc *a, const csctp_chunk *ch, csctp_tstamp now) {
  csctp_reconfig_chunk rq;
  if (csctp_reconfig_decode(ch, &rq) != 0) return 1;
  if (a->state < CSCTP_STATE_ESTABLISHED) {
    a->stats.drop_unexpected++;
    return 0;
  }
  uint8_t buf[64];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof(buf));
  size_t off = csctp_reconfig_write_begin(&w);
  size_t n_resp = 0;
  for (size_t i = 0; i < rq.n_params; i++) {
    const csctp_reconfig_param *p = &rq.params[i];
    switch (p->type) {
    case CSCTP_PARAM_OUT_SSN_RESET:
    case CSCTP_PARAM_IN_SSN_RESET:
    case CSCTP_PARAM_SSN_TSN_RESET:
    case CSCTP_PARAM_ADD_OUT_STREAMS:
    case CSCTP_PARAM_ADD_IN_STREAMS: {
      csctp_reconfig_param r = {0};
      r.type = CSCTP_PARAM_RECONFIG_RESP;
      r.seq = p->seq;
      r.result = peer_request(a, p);
      csctp_reconfig_param_write(&w, &r, NULL);
      n_resp++;
      break;
    }
    case CSCTP_PARAM_RECONFIG_RESP: reconfig_on_response(a, p, now); break;
    default: {
      /* RFC 6525 §4, RFC 9260 §3.2.1: the parameter type's upper bits decide. */
      int act = csctp_unknown_action((unsigned)(p->type >> 8));
      if (act == CSCTP_UNK_STOP_REPORT || act == CSCTP_UNK_SKIP_REPORT)
        report_unknown_param(a, &p->raw);
      if (act == CSCTP_UNK_STOP || act == CSCTP_UNK_STOP_REPORT) i = rq.n_params;
      break;
    }
    }
    if (a->state == CSCTP_STATE_CLOSED) return 1;
  }
  if (n_resp) {
    csctp_wr_tlv_end(&w, off);
    if (!w.overflow && csctp_assoc_queue_ctrl(a, buf, w.len) != 0) return CSCTP_ERR_NOMEM;
  }
  return 0;
}

/* ---- queries of sctp.h ---- */

void csctp_assoc_get_peer_features(const csctp_assoc *a, csctp_peer_features *f) {
  memset(f, 0, sizeof(*f));
  if (a->state < CSCTP_STATE_ESTABLISHED && !a->dead) return;
  f->forward_tsn = a->peer_forward_tsn;
  f->reconfig = a->peer_reconfig;
}

size_t csctp_assoc_stream_buffered_amount(const csctp_assoc *a, uint16_t stream) {
  return csctp_tx_stream_buffered(&a->tx, stream);
}
