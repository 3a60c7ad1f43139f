/* SPDX-License-Identifier: MIT */
/*
 * The SSN/TSN Reset Request (RFC 6525 §4.3), the reset of the whole association, both roles.
 * Ours (§5.1.4): user data is queued and no TSN assigned from the call on (E1), the request
 * goes once nothing of ours is queued before it or in flight, and the response moves our
 * next TSN to its Receiver's Next TSN and the receive side to its Sender's Next TSN. The
 * peer's (§5.2.4): performed only when csctp_config.accept_assoc_reset allows it and nothing
 * of ours is in flight or held for reassembly ("In progress" until then), else Denied. The
 * request and its response travel in the RE-CONFIG chunk of assoc_reconfig.c.
 */
#include "assoc.h"

static void tsn_reset_event(csctp_assoc *a, int incoming, uint32_t result, csctp_tsn local_next,
                            csctp_tsn remote_next) {
  csctp_event ev = {.type = CSCTP_EVENT_ASSOC_RESET};
  ev.u.assoc_reset.incoming = incoming;
  ev.u.assoc_reset.result = result;
  ev.u.assoc_reset.local_next_tsn = local_next;
  ev.u.assoc_reset.remote_next_tsn = remote_next;
  /* After the messages of before the reset: those of after it follow the event. */
  csctp_assoc_push_event(a, &ev, 1);
}

int csctp_assoc_reset_assoc(csctp_assoc *a, csctp_tstamp now) {
  (void)now;
  if (!a) return CSCTP_ERR_INVALID_ARGUMENT;
  if (a->state != CSCTP_STATE_ESTABLISHED || !a->peer_reconfig) return CSCTP_ERR_INVALID_STATE;
  csctp_assoc_reconfig_ext *x = &a->rcx;
  /* One at a time; and the receive side of the last one must be done. */
  if (x->tsn_pending || x->tsn || (a->rc.deferred & CSCTP_RC_DEFER_RX))
    return CSCTP_ERR_INVALID_STATE;
  /* §5.1.4 E1: queue user data, no new TSN until the answer (queued messages still go). */
  int rv = csctp_tx_pause_streams(&a->tx, NULL, 0);
  if (rv) return rv;
  x->tsn_pending = 1;
  csctp_assoc_reconfig_start_next(a);
  csctp_assoc_mark(a);
  return 0;
}

int csctp_assoc_tsn_reset_ready(const csctp_assoc *a) {
  return csctp_tx_streams_drained(&a->tx, NULL, 0) && csctp_tx_reset_tsn_ok(&a->tx);
}

/* Where the receive side is reset, by either role: the peer's next DATA has `next_tsn`. Fails
 * (nothing changed) while the reassembly holds messages the application has not taken. */
static int rx_reset(csctp_assoc *a, csctp_tsn next_tsn) {
  int rv = a->peer_idata ? csctp_ireasm_reset_streams(&a->ireasm, NULL, 0)
                         : csctp_reasm_reset_streams(&a->reasm, NULL, 0);
  if (rv) return rv;
  csctp_rx_tsn_init(&a->rxt, next_tsn); /* every TSN of before is now old: a duplicate */
  return 0;
}

void csctp_assoc_tsn_reset_rx_try(csctp_assoc *a) {
  if (!(a->rc.deferred & CSCTP_RC_DEFER_RX)) return;
  if (a->have_popped) csctp_assoc_release_popped_any(a);
  /* As a FORWARD TSN over all streams (§5.2.4 G4 on the peer's side): a message of before
   * that is not complete will never be. */
  if (!a->peer_idata) csctp_reasm_forward(&a->reasm, a->rxt.highest);
  if (rx_reset(a, a->rcx.rx_reset_tsn)) {
    int ready =
        a->peer_idata ? csctp_ireasm_has_ready(&a->ireasm) : csctp_reasm_has_ready(&a->reasm);
    if (ready) return; /* the application takes them first (csctp_assoc_poll_event) */
    /* What is left can never be delivered (held behind a missing message): dropped. */
    csctp_reasm_clear(&a->reasm);
    csctp_ireasm_clear(&a->ireasm);
    csctp_rx_tsn_init(&a->rxt, a->rcx.rx_reset_tsn);
  }
  csctp_assoc_rx_sync(a);
  a->rc.deferred &= ~CSCTP_RC_DEFER_RX;
}

void csctp_assoc_tsn_reset_done(csctp_assoc *a, const csctp_reconfig_param *p) {
  csctp_assoc_reconfig *rc = &a->rc;
  csctp_assoc_reconfig_ext *x = &a->rcx;
  x->tsn = 0;
  csctp_tsn old_cum = a->tx.cum_tsn_ack;
  int ok = p->result == CSCTP_RECONFIG_SUCCESS && p->has_tsns &&
           csctp_tx_reset_tsn(&a->tx, p->receiver_next_tsn) == 0;
  if (ok) csctp_assoc_ecn_tsn_reset(a);
  /* Streams resume; on success numbered from SSN 0 (reset by csctp_tx_reset_tsn). */
  csctp_tx_resume_streams(&a->tx, NULL, 0, 0);
  if (rc->pending.n || rc->pending.all) /* still waiting for their own request */
    csctp_tx_pause_streams(&a->tx, csctp_assoc_streams_ids(&rc->pending),
                           csctp_assoc_streams_n(&rc->pending));
  if (!ok) {
    uint32_t r = p->result == CSCTP_RECONFIG_SUCCESS ? CSCTP_RECONFIG_DENIED : p->result;
    tsn_reset_event(a, 0, r == CSCTP_RECONFIG_SUCCESS_NOP ? CSCTP_RECONFIG_DENIED : r, 0, 0);
    return;
  }
  /* The receive side takes the Sender's Next TSN once the messages of before are taken; until
   * then DATA is not accepted (csctp_assoc_reconfig_holds): the peer sends it again. */
  x->rx_reset_tsn = p->sender_next_tsn;
  x->tsn_old_valid = 1;
  x->tsn_old_cum = old_cum;
  rc->deferred |= CSCTP_RC_DEFER_RX;
  csctp_assoc_tsn_reset_rx_try(a);
  tsn_reset_event(a, 0, 0, p->receiver_next_tsn, p->sender_next_tsn);
}

int csctp_assoc_tsn_reset_stale(const csctp_assoc *a, csctp_tsn cum) {
  const csctp_assoc_reconfig_ext *x = &a->rcx;
  /* Our TSNs jumped by about 2^31: a cumulative TSN up to a quarter of the space below the
   * old one reads as far ahead of the new one, never as a TSN of after the reset. */
  return x->tsn_old_valid && csctp_tsn_le(cum, x->tsn_old_cum) &&
         csctp_tsn_gt(cum, x->tsn_old_cum - 0x40000000u);
}

static csctp_assoc_tsn_answer *answer_slot(csctp_assoc *a, uint32_t seq) {
  for (int i = 0; i < 2; i++)
    if (a->rcx.tsn_answers[i].valid && a->rcx.tsn_answers[i].seq == seq)
      return &a->rcx.tsn_answers[i];
  return NULL;
}

void csctp_assoc_tsn_reset_answer(const csctp_assoc *a, csctp_reconfig_param *r) {
  /* usrsctp ignores a response to this request without the two fields, whatever its result;
   * they are 0 when it was not performed (as Linux sends them). */
  r->has_tsns = 1;
  r->sender_next_tsn = r->receiver_next_tsn = 0;
  if (r->result != CSCTP_RECONFIG_SUCCESS) return;
  const csctp_assoc_tsn_answer *t = answer_slot((csctp_assoc *)a, r->seq);
  if (!t) return;
  r->sender_next_tsn = t->snd_next;
  r->receiver_next_tsn = t->rcv_next;
}

uint32_t csctp_assoc_peer_tsn_reset(csctp_assoc *a, const csctp_reconfig_param *p) {
  csctp_assoc_reconfig_ext *x = &a->rcx;
  if (!a->cfg.accept_assoc_reset || a->state != CSCTP_STATE_ESTABLISHED)
    return CSCTP_RECONFIG_DENIED;
  /* A request of ours outstanding, or a reset the peer asked for still waiting: ask again. */
  if (a->rc.inflight || x->tsn_pending || a->rc.deferred) return CSCTP_RECONFIG_ERR_IN_PROGRESS;
  /* Our side must be quiet first: nothing of ours in flight or cut in part (what is only
   * queued goes after the reset), no hole in what the peer sent, nothing held for the
   * application. "In progress": the peer asks again (§5.2.2's answer for data in transit). */
  if (!csctp_tx_reset_tsn_ok(&a->tx) || csctp_rx_tsn_has_gaps(&a->rxt))
    return CSCTP_RECONFIG_IN_PROGRESS;
  /* G1: the peer's next TSN, the smallest one we have not acknowledged plus 2^31, so that
   * nothing of before it can pass for new. G2: ours stays (the next one). */
  csctp_tsn rcv_next = a->rxt.cum + 1 + 0x80000000u;
  csctp_tsn snd_next = a->tx.next_tsn;
  /* G4, G5 (incoming): all or nothing, so it goes first. */
  if (rx_reset(a, rcv_next)) return CSCTP_RECONFIG_IN_PROGRESS;
  /* G3 (nothing is outstanding, so nothing to acknowledge), G5 (outgoing). */
  csctp_tx_reset_tsn(&a->tx, snd_next);
  csctp_assoc_ecn_tsn_reset(a);
  x->tsn_answers[1] = x->tsn_answers[0];
  x->tsn_answers[0] = (csctp_assoc_tsn_answer){
      .seq = p->seq, .snd_next = snd_next, .rcv_next = rcv_next, .valid = 1};
  tsn_reset_event(a, 1, 0, snd_next, rcv_next);
  return CSCTP_RECONFIG_SUCCESS;
}
