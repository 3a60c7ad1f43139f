/* SPDX-License-Identifier: MIT */
/*
 * Stream reconfiguration (RFC 6525), our side: the requests we send (Outgoing
 * and Incoming SSN Reset, Add Outgoing and Incoming Streams), one RE-CONFIG
 * chunk of one or two requests in flight, retransmitted on its own timer,
 * later requests merged and queued; the responses to them; and the intake of
 * a RE-CONFIG chunk (the peer's requests are assoc_reconfig_peer.c). Also the
 * extension state set up at establishment and the small queries of sctp.h
 * about extensions and streams.
 */
#include <string.h>

#include "assoc.h"
#include "mem.h"

/* ---- stream sets ---- */

int csctp_assoc_streams_add(csctp_assoc *a, csctp_assoc_streams *s, const uint16_t *ids, size_t n) {
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
    s->cap = (uint32_t)cap;
  }
  for (size_t i = 0; i < n; i++) {
    size_t k = 0;
    while (k < s->n && s->ids[k] != ids[i]) k++;
    if (k == s->n) s->ids[s->n++] = ids[i];
  }
  return 0;
}

int csctp_assoc_streams_has(const csctp_assoc_streams *s, uint16_t id) {
  if (s->all) return 1;
  for (size_t i = 0; i < s->n; i++)
    if (s->ids[i] == id) return 1;
  return 0;
}

void csctp_assoc_streams_clear(csctp_assoc_streams *s) {
  s->n = 0;
  s->all = 0;
}

static int streams_empty(const csctp_assoc_streams *s) { return !s->all && s->n == 0; }

const uint16_t *csctp_assoc_streams_ids(const csctp_assoc_streams *s) {
  return s->all ? NULL : s->ids;
}
size_t csctp_assoc_streams_n(const csctp_assoc_streams *s) { return s->all ? 0 : s->n; }

/* Moves up to one request's worth of `from` into the empty `to`. */
static int streams_take(csctp_assoc *a, csctp_assoc_streams *to, csctp_assoc_streams *from) {
  csctp_assoc_streams_clear(to);
  if (from->all) {
    to->all = 1;
    csctp_assoc_streams_clear(from);
    return 0;
  }
  size_t take = from->n, max = csctp_assoc_reconfig_max_streams(a);
  if (take > max) take = max;
  if (csctp_assoc_streams_add(a, to, from->ids, take)) return CSCTP_ERR_NOMEM;
  memmove(from->ids, from->ids + take, (from->n - take) * sizeof(uint16_t));
  from->n -= take;
  return 0;
}

size_t csctp_assoc_reconfig_max_streams(const csctp_assoc *a) {
  /* An Outgoing SSN Reset Request (16 + 2n) plus an Incoming one of the same size. */
  return (csctp_assoc_ctrl_mtu(a) - CSCTP_COMMON_HDR_LEN - CSCTP_CHUNK_HDR_LEN - 16 - 8) / 4;
}

/* ---- events ---- */

void csctp_assoc_reconfig_event(csctp_assoc *a, csctp_event_type type, int incoming,
                                uint32_t result, csctp_assoc_streams *s) {
  csctp_event ev = {.type = type};
  size_t n = csctp_assoc_streams_n(s);
  ev.u.streams_reset.incoming = incoming;
  ev.u.streams_reset.result = result;
  ev.u.streams_reset.n_streams = n;
  if (n <= CSCTP_ASSOC_EV_IDS) { /* in the queue itself; `s` keeps its buffer for the next */
    csctp_assoc_push_event_ids(a, &ev, s->ids, n);
    csctp_assoc_streams_clear(s);
    return;
  }
  uint16_t *ids = s->ids; /* a longer list: the event takes it over */
  s->ids = NULL;
  s->cap = 0;
  csctp_assoc_streams_clear(s);
  ev.u.streams_reset.streams = ids;
  csctp_assoc_push_event_owned(a, &ev, 0, ids);
}

void csctp_assoc_streams_changed_event(csctp_assoc *a, uint32_t result) {
  csctp_event ev = {.type = CSCTP_EVENT_STREAMS_CHANGED};
  ev.u.streams_changed.result = result;
  ev.u.streams_changed.inbound_streams = a->num_in;
  ev.u.streams_changed.outbound_streams = a->num_out;
  csctp_assoc_push_event(a, &ev, 0);
}

/* ---- set-up ---- */

void csctp_assoc_ext_start(csctp_assoc *a, csctp_tsn peer_initial_tsn) {
  csctp_assoc_reconfig *rc = &a->rc;
  csctp_assoc_reconfig_ext *x = &a->rcx;
  /* RFC 8260 §2.3.1: with I-DATA, PR-SCTP needs I-FORWARD-TSN (FORWARD TSN must not be used). */
  a->tx.pr_enabled = a->peer_forward_tsn && (!a->peer_idata || (a->peer_idata & CSCTP_IDATA_IFWD));
  csctp_tx_set_idata(&a->tx, (a->peer_idata & CSCTP_IDATA_ON) != 0);
  if (a->peer_idata) {
    csctp_assoc_log(a, CSCTP_LOG_INFO, "interleaving negotiated (I-DATA%s)",
                    a->peer_idata & CSCTP_IDATA_IFWD ? ", I-FORWARD-TSN" : "");
  }
  /* A restart starts over: nothing paused, no request in flight or queued. */
  csctp_tx_resume_streams(&a->tx, NULL, 0, 0);
  rc->next_seq = a->local_initial_tsn; /* §5.1.1: the first request number is the initial TSN */
  rc->inflight = rc->sent = rc->send = rc->in_progress = 0;
  csctp_assoc_streams_clear(&rc->cur);
  csctp_assoc_streams_clear(&rc->pending);
  rc->timer = CSCTP_TSTAMP_NONE;
  rc->peer_next_seq = peer_initial_tsn;
  rc->peer_seen = 0;
  rc->deferred = 0;
  csctp_assoc_streams_clear(&rc->deferred_streams);
  x->out = x->out_answers = x->in = x->answer_in = 0;
  x->add_out = x->add_in = 0;
  x->tsn_pending = x->tsn = x->tsn_old_valid = 0;
  x->tsn_answers[0].valid = x->tsn_answers[1].valid = 0;
  x->add_out_pending = x->add_in_pending = 0;
  csctp_assoc_streams_clear(&x->in_cur);
  csctp_assoc_streams_clear(&x->in_pending);
}

void csctp_assoc_reconfig_free(csctp_assoc *a) {
  csctp_assoc_streams *sets[] = {&a->rc.cur, &a->rc.pending, &a->rc.deferred_streams,
                                 &a->rcx.in_cur, &a->rcx.in_pending};
  for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
    csctp_free(a->mem, sets[i]->ids);
    memset(sets[i], 0, sizeof(*sets[i]));
  }
}

/* ---- our requests (§5.1) ---- */

static int reconfig_unanswered(const csctp_assoc *a) {
  const csctp_assoc_reconfig_ext *x = &a->rcx;
  return x->out || x->in || x->add_out || x->add_in || x->tsn;
}

/*
 * Starts the next request chunk (§5.1.1: one outstanding at a time): queued stream resets
 * first, an Outgoing and an Incoming SSN Reset Request together (§3.1), else the queued
 * stream additions, Add Outgoing and Add Incoming together, else an SSN/TSN Reset Request
 * alone (assoc_reset_assoc.c).
 */
void csctp_assoc_reconfig_start_next(csctp_assoc *a) {
  csctp_assoc_reconfig *rc = &a->rc;
  csctp_assoc_reconfig_ext *x = &a->rcx;
  if (rc->inflight) return;
  rc->start_nomem = 0;
  if (!streams_empty(&rc->pending) || !streams_empty(&x->in_pending)) {
    /* Allocation first, so that running out of memory changes nothing: the next call, or the
     * association's timer for it (start_nomem, assoc_timer.c), retries. */
    rc->start_nomem = 1;
    if (!streams_empty(&rc->pending) && streams_take(a, &rc->cur, &rc->pending)) return;
    if (!streams_empty(&x->in_pending) && streams_take(a, &x->in_cur, &x->in_pending)) {
      /* Put the outgoing part back in front (capacity is there: it came from there). */
      if (!streams_empty(&rc->cur)) {
        csctp_assoc_streams_add(a, &rc->pending, csctp_assoc_streams_ids(&rc->cur),
                                csctp_assoc_streams_n(&rc->cur));
        csctp_assoc_streams_clear(&rc->cur);
      }
      return;
    }
    rc->start_nomem = 0;
    x->out = !streams_empty(&rc->cur);
    x->in = !streams_empty(&x->in_cur);
    if (x->out) rc->seq = rc->next_seq++;
    if (x->in) x->in_seq = rc->next_seq++;
    /* §5.2.3: the first Outgoing request after performing the peer's Incoming one answers it. */
    x->out_answers = x->out && x->answer_in;
    x->out_resp_seq = x->answer_in_seq;
    x->answer_in = 0;
  } else if (x->add_out_pending || x->add_in_pending) {
    x->add_out = (uint16_t)x->add_out_pending;
    x->add_in = (uint16_t)x->add_in_pending;
    x->add_out_pending = x->add_in_pending = 0;
    if (x->add_out) x->add_out_seq = rc->next_seq++;
    if (x->add_in) x->add_in_seq = rc->next_seq++;
  } else if (x->tsn_pending) {
    x->tsn_pending = 0;
    x->tsn = 1;
    x->tsn_seq = rc->next_seq++;
  } else {
    return;
  }
  rc->inflight = 1;
  rc->sent = rc->in_progress = 0;
  rc->send = 1;
}

static int reconfig_usable(const csctp_assoc *a) {
  return a->state == CSCTP_STATE_ESTABLISHED && a->peer_reconfig;
}

int csctp_assoc_reset_streams(csctp_assoc *a, const uint16_t *streams, size_t n, csctp_tstamp now) {
  csctp_assoc_reconfig *rc = &a->rc;
  (void)now;
  if (!reconfig_usable(a)) return CSCTP_ERR_INVALID_STATE;
  if (n && !streams) return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_assoc_reconfig_start_next(a); /* retries a start that ran out of memory */
  for (size_t i = 0; i < n; i++)
    if (streams[i] >= a->num_out) return CSCTP_ERR_STREAM_ID;
  int rv = csctp_assoc_streams_add(a, &rc->pending, streams, n);
  if (rv) return rv;
  /* Data queued now still goes before the reset; later sends wait for it (sctp.h). */
  rv = csctp_tx_pause_streams(&a->tx, streams, n);
  if (rv) return rv;
  csctp_assoc_reconfig_start_next(a);
  csctp_assoc_mark(a);
  return 0;
}

int csctp_assoc_reset_incoming_streams(csctp_assoc *a, const uint16_t *streams, size_t n,
                                       csctp_tstamp now) {
  (void)now;
  if (!a || (n && !streams)) return CSCTP_ERR_INVALID_ARGUMENT;
  if (!reconfig_usable(a)) return CSCTP_ERR_INVALID_STATE;
  for (size_t i = 0; i < n; i++)
    if (streams[i] >= a->num_in) return CSCTP_ERR_STREAM_ID;
  int rv = csctp_assoc_streams_add(a, &a->rcx.in_pending, streams, n);
  if (rv) return rv;
  csctp_assoc_reconfig_start_next(a);
  csctp_assoc_mark(a);
  return 0;
}

int csctp_assoc_add_streams(csctp_assoc *a, uint16_t n_out, uint16_t n_in, csctp_tstamp now) {
  (void)now;
  if (!a || (n_out == 0 && n_in == 0)) return CSCTP_ERR_INVALID_ARGUMENT;
  if (!reconfig_usable(a)) return CSCTP_ERR_INVALID_STATE;
  const csctp_assoc_reconfig_ext *x = &a->rcx;
  /* What is asked but not yet answered counts: the totals must stay possible. */
  uint32_t out = (uint32_t)a->num_out + x->add_out + x->add_out_pending + n_out;
  uint32_t in = (uint32_t)a->num_in + x->add_in + x->add_in_pending + n_in;
  if (out > UINT16_MAX || in > a->cfg.max_inbound_streams) return CSCTP_ERR_INVALID_ARGUMENT;
  a->rcx.add_out_pending += n_out;
  a->rcx.add_in_pending += n_in;
  csctp_assoc_reconfig_start_next(a);
  csctp_assoc_mark(a);
  return 0;
}

void csctp_assoc_get_stream_counts(const csctp_assoc *a, uint16_t *in, uint16_t *out) {
  if (in) *in = a->num_in;
  if (out) *out = a->num_out;
}

static void reconfig_write_param(csctp_wr *w, uint16_t type, uint32_t seq,
                                 const csctp_assoc_streams *s, uint16_t n_new) {
  csctp_reconfig_param p = {0};
  p.type = type;
  p.seq = seq;
  p.n_streams = s ? csctp_assoc_streams_n(s) : 0;
  p.n_new_streams = n_new;
  csctp_reconfig_param_write(w, &p, s ? csctp_assoc_streams_ids(s) : NULL);
}

void csctp_assoc_reconfig_write(csctp_assoc *a, csctp_wr *w, csctp_tstamp now) {
  csctp_assoc_reconfig *rc = &a->rc;
  csctp_assoc_reconfig_ext *x = &a->rcx;
  if (!rc->inflight || !rc->send) return;
  const uint16_t *ids = csctp_assoc_streams_ids(&rc->cur);
  size_t n = csctp_assoc_streams_n(&rc->cur);
  /* §5.1.2: the Outgoing request goes once the data queued before it has its TSNs. */
  if (x->out && !rc->sent && !csctp_tx_streams_drained(&a->tx, ids, n)) return;
  /* §5.1.4: the SSN/TSN Reset Request once nothing of ours is queued before it or in flight. */
  if (x->tsn && !rc->sent && !csctp_assoc_tsn_reset_ready(a)) return;
  csctp_tsn last = rc->sent ? rc->last_tsn : a->tx.next_tsn - 1;
  size_t mark = w->len;
  size_t off = csctp_reconfig_write_begin(w);
  /* Retransmissions carry the unanswered requests with their numbers (§5.1.1). */
  if (x->out) {
    csctp_reconfig_param p = {0};
    p.type = CSCTP_PARAM_OUT_SSN_RESET;
    p.seq = rc->seq;
    /* §4.1: the number of the peer's Incoming request it answers, else the last one seen. */
    p.resp_seq = x->out_answers ? x->out_resp_seq : rc->peer_next_seq - 1;
    p.last_tsn = last;
    p.n_streams = n;
    csctp_reconfig_param_write(w, &p, ids);
  }
  if (x->in) reconfig_write_param(w, CSCTP_PARAM_IN_SSN_RESET, x->in_seq, &x->in_cur, 0);
  if (x->add_out)
    reconfig_write_param(w, CSCTP_PARAM_ADD_OUT_STREAMS, x->add_out_seq, NULL, x->add_out);
  if (x->add_in)
    reconfig_write_param(w, CSCTP_PARAM_ADD_IN_STREAMS, x->add_in_seq, NULL, x->add_in);
  if (x->tsn) reconfig_write_param(w, CSCTP_PARAM_SSN_TSN_RESET, x->tsn_seq, NULL, 0);
  csctp_wr_tlv_end(w, off);
  if (w->overflow) {
    csctp_wr_rollback(w, mark);
    return;
  }
  rc->last_tsn = last;
  if (x->tsn) rc->deferred |= CSCTP_RC_DEFER_ASK; /* until answered: assoc_reset_assoc.c */
  rc->sent = 1;
  rc->send = 0;
  rc->timer = now + csctp_rto_get(&a->tx.p0.rto);
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
    csctp_rto_backoff(&a->tx.p0.rto);
  }
  rc->send = 1;
  return 0;
}

static int result_ok(uint32_t result) {
  return result == CSCTP_RECONFIG_SUCCESS || result == CSCTP_RECONFIG_SUCCESS_NOP;
}

/* Our Outgoing request is answered: streams resume (SSNs from 0 on success). */
static void reconfig_out_done(csctp_assoc *a, uint32_t result) {
  csctp_assoc_reconfig *rc = &a->rc;
  int ok = result_ok(result);
  csctp_tx_resume_streams(&a->tx, csctp_assoc_streams_ids(&rc->cur),
                          csctp_assoc_streams_n(&rc->cur), ok);
  /* Streams also waiting for the next request stay paused; all of them for an SSN/TSN Reset. */
  if (!streams_empty(&rc->pending))
    csctp_tx_pause_streams(&a->tx, csctp_assoc_streams_ids(&rc->pending),
                           csctp_assoc_streams_n(&rc->pending));
  if (a->rcx.tsn_pending) csctp_tx_pause_streams(&a->tx, NULL, 0);
  csctp_assoc_reconfig_event(a, CSCTP_EVENT_STREAMS_RESET, 0, ok ? 0 : result, &rc->cur);
  a->rcx.out = a->rcx.out_answers = 0;
  csctp_assoc_streams_clear(&rc->cur);
}

/* Our Incoming request is answered, by a response or by the peer's Outgoing request (§5.2.3). */
void csctp_assoc_reconfig_in_done(csctp_assoc *a, uint32_t result) {
  csctp_assoc_reconfig_ext *x = &a->rcx;
  csctp_assoc_reconfig_event(a, CSCTP_EVENT_INCOMING_RESET_RESULT, 1,
                             result_ok(result) ? 0 : result, &x->in_cur);
  x->in = 0;
  csctp_assoc_streams_clear(&x->in_cur);
}

/* Our Add Outgoing request is answered: §5.1.5, the new streams may be used once performed. */
static void reconfig_add_out_done(csctp_assoc *a, uint32_t result) {
  if (result == CSCTP_RECONFIG_SUCCESS) {
    a->num_out = (uint16_t)(a->num_out + a->rcx.add_out);
    a->tx.num_streams = a->num_out;
  }
  a->rcx.add_out = 0;
  csctp_assoc_streams_changed_event(a, result_ok(result) ? 0 : result);
}

/* Our Add Incoming request is answered; on success the peer's Add Outgoing request follows. */
void csctp_assoc_reconfig_add_in_done(csctp_assoc *a, uint32_t result) {
  a->rcx.add_in = 0;
  if (!result_ok(result)) csctp_assoc_streams_changed_event(a, result);
}

/* The chunk in flight is answered in full: stop its timer, start the next one. */
void csctp_assoc_reconfig_check_done(csctp_assoc *a) {
  csctp_assoc_reconfig *rc = &a->rc;
  if (!rc->inflight || reconfig_unanswered(a)) return;
  rc->inflight = rc->sent = rc->send = rc->in_progress = 0;
  rc->timer = CSCTP_TSTAMP_NONE;
  csctp_assoc_reconfig_start_next(a);
}

static void reconfig_on_response(csctp_assoc *a, const csctp_reconfig_param *p, csctp_tstamp now) {
  csctp_assoc_reconfig *rc = &a->rc;
  csctp_assoc_reconfig_ext *x = &a->rcx;
  int which = 0; /* 1 out, 2 in, 3 add out, 4 add in, 5 SSN/TSN */
  if (rc->inflight && rc->sent) {
    if (x->out && p->seq == rc->seq)
      which = 1;
    else if (x->in && p->seq == x->in_seq)
      which = 2;
    else if (x->add_out && p->seq == x->add_out_seq)
      which = 3;
    else if (x->add_in && p->seq == x->add_in_seq)
      which = 4;
    else if (x->tsn && p->seq == x->tsn_seq)
      which = 5;
  }
  /* §4.4: performing it without the next TSNs cannot be followed: asked again at the timer. */
  if (which == 5 && p->result == CSCTP_RECONFIG_SUCCESS && !p->has_tsns) which = 0;
  if (!which) {
    a->stats.drop_unexpected++; /* stale or unsolicited */
    return;
  }
  a->error_count = 0;
  if (which == 5) rc->deferred &= ~CSCTP_RC_DEFER_ASK;
  if (p->result == CSCTP_RECONFIG_IN_PROGRESS) {
    /* §5.2.2: the peer waits for our data; ask again after an RTO. */
    rc->in_progress = 1;
    rc->send = 0;
    rc->timer = now + csctp_rto_get(&a->tx.p0.rto);
    return;
  }
  switch (which) {
  case 1: reconfig_out_done(a, p->result); break;
  case 2: csctp_assoc_reconfig_in_done(a, p->result); break;
  case 3: reconfig_add_out_done(a, p->result); break;
  case 4: csctp_assoc_reconfig_add_in_done(a, p->result); break;
  default: csctp_assoc_tsn_reset_done(a, p); break;
  }
  csctp_assoc_reconfig_check_done(a);
}

/* ---- intake ---- */

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
      r.result = csctp_assoc_reconfig_peer_request(a, p);
      if (r.result == CSCTP_RECONFIG_NO_RESPONSE) break;
      if (p->type == CSCTP_PARAM_SSN_TSN_RESET) csctp_assoc_tsn_reset_answer(a, &r);
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
