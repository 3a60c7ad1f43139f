/* SPDX-License-Identifier: MIT */
/*
 * Stream reconfiguration (RFC 6525), the peer's requests (§5.2): request
 * sequence numbers and the answers kept for retransmissions (§5.2.1), the
 * Outgoing SSN Reset Request performed or deferred until its data arrived
 * (§5.2.2), the Incoming SSN Reset Request performed by an Outgoing one of
 * ours (§5.2.3), Add Outgoing Streams (§5.2.5) and Add Incoming Streams,
 * performed by an Add Outgoing Streams request of ours (§5.2.6). The SSN/TSN
 * Reset Request (§5.2.4) is assoc_reset_assoc.c's.
 */
#include "assoc.h"

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
  if (rc->deferred & CSCTP_RC_DEFER_RX) csctp_assoc_tsn_reset_rx_try(a);
  if (!(rc->deferred & CSCTP_RC_DEFER_OUT) || csctp_tsn_gt(rc->deferred_tsn, a->rxt.cum)) return;
  /* §5.2.2: everything up to the peer's last TSN arrived; the old messages must be taken. */
  csctp_assoc_streams *s = &rc->deferred_streams;
  /* RFC 8260 §2.3.2: with I-DATA the stream's MIDs start over instead. */
  int rv = a->peer_idata ? csctp_ireasm_reset_streams(&a->ireasm, csctp_assoc_streams_ids(s),
                                                      csctp_assoc_streams_n(s))
                         : csctp_reasm_reset_streams(&a->reasm, csctp_assoc_streams_ids(s),
                                                     csctp_assoc_streams_n(s));
  if (rv != 0) return;
  rc->deferred &= ~CSCTP_RC_DEFER_OUT;
  peer_update(rc, rc->deferred_seq, CSCTP_RECONFIG_SUCCESS);
  csctp_assoc_reconfig_event(a, CSCTP_EVENT_STREAMS_RESET, 1, 0, s);
}

int csctp_assoc_reconfig_holds(const csctp_assoc *a, uint16_t stream, csctp_tsn tsn) {
  const csctp_assoc_reconfig *rc = &a->rc;
  /* Our SSN/TSN Reset Request is out (the peer may have performed it, and its DATA of after
   * the reset may come before the answer), or it was performed and the receive side still
   * holds messages of before it: nothing can be taken yet; the peer sends it again. */
  if (rc->deferred & (CSCTP_RC_DEFER_RX | CSCTP_RC_DEFER_ASK)) return 1;
  return (rc->deferred & CSCTP_RC_DEFER_OUT) && csctp_tsn_gt(tsn, rc->deferred_tsn) &&
         csctp_assoc_streams_has(&rc->deferred_streams, stream);
}

/* A fresh Outgoing SSN Reset Request: reset now or defer (§5.2.2). Returns the result. */
static uint32_t peer_out_reset(csctp_assoc *a, const csctp_reconfig_param *p) {
  csctp_assoc_reconfig *rc = &a->rc;
  if (rc->deferred) return CSCTP_RECONFIG_ERR_IN_PROGRESS; /* one at a time */
  csctp_assoc_streams_clear(&rc->deferred_streams);
  for (size_t i = 0; i < p->n_streams; i++) {
    uint16_t id = csctp_reconfig_stream(p, i);
    /* Out of memory: "In progress", not deferred; the peer's retransmission retries it. */
    if (csctp_assoc_streams_add(a, &rc->deferred_streams, &id, 1)) {
      csctp_assoc_streams_clear(&rc->deferred_streams);
      return CSCTP_RECONFIG_IN_PROGRESS;
    }
  }
  if (p->n_streams == 0) rc->deferred_streams.all = 1;
  rc->deferred |= CSCTP_RC_DEFER_OUT;
  rc->deferred_seq = p->seq;
  rc->deferred_tsn = p->last_tsn;
  return CSCTP_RECONFIG_IN_PROGRESS;
}

/*
 * The peer's Incoming SSN Reset Request (§5.2.3): performed by an Outgoing SSN Reset Request
 * of ours for those streams, whose Re-configuration Response Sequence Number is this request's
 * number (§4.1): the implicit response. It waits, like a local reset, until the data queued
 * on the streams has its TSNs. While a request of ours is outstanding a second one cannot go
 * (§5.1.1): "Error - Request already in progress", as Linux and usrsctp answer; the peer may
 * ask again.
 */
static uint32_t peer_in_reset(csctp_assoc *a, const csctp_reconfig_param *p) {
  csctp_assoc_reconfig *rc = &a->rc;
  if (a->state != CSCTP_STATE_ESTABLISHED) return CSCTP_RECONFIG_DENIED; /* shutting down */
  /* Our Outgoing request must fit in one packet (Linux once overflowed building it). */
  if (p->n_streams > csctp_assoc_reconfig_max_streams(a)) return CSCTP_RECONFIG_DENIED;
  for (size_t i = 0; i < p->n_streams; i++)
    if (csctp_reconfig_stream(p, i) >= a->num_out) return CSCTP_RECONFIG_DENIED; /* not ours */
  if (rc->inflight) return CSCTP_RECONFIG_ERR_IN_PROGRESS;
  csctp_assoc_streams *s = &rc->pending; /* may hold streams whose request ran out of memory */
  size_t n_before = s->n;
  int all_before = s->all;
  int rv = p->n_streams ? 0 : csctp_assoc_streams_add(a, s, NULL, 0);
  for (size_t i = 0; i < p->n_streams && !rv; i++) {
    uint16_t id = csctp_reconfig_stream(p, i);
    rv = csctp_assoc_streams_add(a, s, &id, 1);
  }
  if (!rv)
    rv = csctp_tx_pause_streams(&a->tx, csctp_assoc_streams_ids(s), csctp_assoc_streams_n(s));
  if (rv) {
    s->n = n_before;
    s->all = all_before;
    return CSCTP_RECONFIG_DENIED;
  }
  a->rcx.answer_in = 1;
  a->rcx.answer_in_seq = p->seq;
  csctp_assoc_reconfig_start_next(a);
  return CSCTP_RECONFIG_SUCCESS;
}

/* §5.2.5: the peer adds outgoing streams, up to the inbound streams we accept. */
static uint32_t peer_add_out(csctp_assoc *a, const csctp_reconfig_param *p) {
  /* An Add Outgoing request answers our Add Incoming one (§5.2.6); Linux sends nothing else. */
  if (a->rcx.add_in && a->rc.sent) {
    csctp_assoc_reconfig_add_in_done(a, CSCTP_RECONFIG_SUCCESS);
    csctp_assoc_reconfig_check_done(a);
  }
  if (p->n_new_streams == 0) return CSCTP_RECONFIG_SUCCESS_NOP;
  if ((uint32_t)a->num_in + p->n_new_streams > a->cfg.max_inbound_streams)
    return CSCTP_RECONFIG_DENIED;
  a->num_in = (uint16_t)(a->num_in + p->n_new_streams);
  csctp_assoc_streams_changed_event(a, 0);
  return CSCTP_RECONFIG_SUCCESS;
}

/*
 * §5.2.6: the peer asks us to add outgoing streams: we send an Add Outgoing Streams Request,
 * and answer this one "Performed" as well (usrsctp waits for that answer; Linux takes our
 * request as the answer and ignores the response).
 */
static uint32_t peer_add_in(csctp_assoc *a, const csctp_reconfig_param *p) {
  if (p->n_new_streams == 0) return CSCTP_RECONFIG_SUCCESS_NOP;
  if (a->state != CSCTP_STATE_ESTABLISHED) return CSCTP_RECONFIG_DENIED; /* shutting down */
  if ((uint32_t)a->num_out + p->n_new_streams > UINT16_MAX) return CSCTP_RECONFIG_DENIED;
  if (a->rc.inflight) return CSCTP_RECONFIG_ERR_IN_PROGRESS; /* §5.1.1, as in peer_in_reset */
  a->rcx.add_out_pending += p->n_new_streams;
  csctp_assoc_reconfig_start_next(a);
  return CSCTP_RECONFIG_SUCCESS;
}

/* The peer's Outgoing request whose response number is our Incoming request's answers it. */
static void peer_implicit_answer(csctp_assoc *a, const csctp_reconfig_param *p) {
  csctp_assoc_reconfig_ext *x = &a->rcx;
  if (!x->in || !a->rc.sent || p->resp_seq != x->in_seq) return;
  csctp_assoc_reconfig_in_done(a, CSCTP_RECONFIG_SUCCESS);
  csctp_assoc_reconfig_check_done(a);
}

uint32_t csctp_assoc_reconfig_peer_request(csctp_assoc *a, const csctp_reconfig_param *p) {
  csctp_assoc_reconfig *rc = &a->rc;
  if (p->type == CSCTP_PARAM_OUT_SSN_RESET) peer_implicit_answer(a, p);
  if (p->seq != rc->peer_next_seq) {
    /* §5.2.1: a retransmission gets the earlier answer, anything else is out of sequence. */
    if ((rc->deferred & CSCTP_RC_DEFER_OUT) && p->seq == rc->deferred_seq)
      csctp_assoc_reconfig_progress(a);
    int64_t r = peer_result(rc, p->seq);
    if (r < 0) return CSCTP_RECONFIG_ERR_BAD_SEQ;
    if (r == CSCTP_RECONFIG_IN_PROGRESS && p->type == CSCTP_PARAM_SSN_TSN_RESET &&
        p->seq == rc->peer_next_seq - 1) {
      /* §5.2.4: asked again after "In progress": performed now if our side is quiet. */
      uint32_t res = csctp_assoc_peer_tsn_reset(a, p);
      peer_update(rc, p->seq, res);
      return res;
    }
    if (r == CSCTP_RECONFIG_IN_PROGRESS && !(rc->deferred & CSCTP_RC_DEFER_OUT) &&
        p->type == CSCTP_PARAM_OUT_SSN_RESET && p->seq == rc->peer_next_seq - 1) {
      /* Its first try ran out of memory (peer_out_reset): try again. */
      uint32_t res = peer_out_reset(a, p);
      peer_update(rc, p->seq, res);
      if (res == CSCTP_RECONFIG_IN_PROGRESS && (rc->deferred & CSCTP_RC_DEFER_OUT)) {
        csctp_assoc_reconfig_progress(a);
        res = (uint32_t)peer_result(rc, p->seq);
      }
      return res;
    }
    if (p->type == CSCTP_PARAM_IN_SSN_RESET && r == CSCTP_RECONFIG_SUCCESS) {
      /* Our Outgoing request is the answer: send it again now if it went and is unanswered. */
      const csctp_assoc_reconfig_ext *x = &a->rcx;
      if (rc->inflight && rc->sent && x->out && x->out_answers && x->out_resp_seq == p->seq)
        rc->send = 1;
      csctp_assoc_reconfig_start_next(a); /* retries a start that ran out of memory */
      return CSCTP_RECONFIG_NO_RESPONSE;
    }
    return (uint32_t)r;
  }
  uint32_t result;
  switch (p->type) {
  case CSCTP_PARAM_OUT_SSN_RESET: result = peer_out_reset(a, p); break;
  case CSCTP_PARAM_IN_SSN_RESET: result = peer_in_reset(a, p); break;
  case CSCTP_PARAM_ADD_OUT_STREAMS: result = peer_add_out(a, p); break;
  case CSCTP_PARAM_ADD_IN_STREAMS: result = peer_add_in(a, p); break;
  default: result = csctp_assoc_peer_tsn_reset(a, p); break;
  }
  peer_record(rc, result);
  if (result == CSCTP_RECONFIG_IN_PROGRESS && p->type == CSCTP_PARAM_OUT_SSN_RESET) {
    csctp_assoc_reconfig_progress(a);
    result = (uint32_t)peer_result(rc, p->seq);
  }
  if (p->type == CSCTP_PARAM_IN_SSN_RESET && result == CSCTP_RECONFIG_SUCCESS)
    return CSCTP_RECONFIG_NO_RESPONSE; /* §5.2.3: our Outgoing request answers it */
  return result;
}
