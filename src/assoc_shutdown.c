/* SPDX-License-Identifier: MIT */
/* Graceful shutdown and ABORT (RFC 9260 §9.1, §9.2). */
#include "assoc.h"

static void start_t2(csctp_assoc *a, csctp_tstamp now) {
  a->t2_rto = csctp_rto_get(&a->tx.p0.rto);
  a->t2 = now + a->t2_rto;
}

/* §9.2: the sender of SHUTDOWN bounds the whole procedure by T5-shutdown-guard, 5 x RTO.Max;
 * the sender of SHUTDOWN ACK is bounded by Association.Max.Retrans (its T2 retransmissions). */
static void start_t5(csctp_assoc *a, csctp_tstamp now) {
  if (a->t5 == CSCTP_TSTAMP_NONE)
    a->t5 = now + 5 * (csctp_tstamp)a->cfg.rto_max * CSCTP_MILLISECONDS;
}

void csctp_assoc_shutdown_progress(csctp_assoc *a, csctp_tstamp now) {
  if (!csctp_tx_idle(&a->tx)) return;
  if (a->state == CSCTP_STATE_SHUTDOWN_PENDING) {
    a->state = CSCTP_STATE_SHUTDOWN_SENT;
    a->send_shutdown = 1;
    start_t2(a, now);
    start_t5(a, now);
    csctp_assoc_log(a, CSCTP_LOG_INFO, "SHUTDOWN-PENDING -> SHUTDOWN-SENT");
  } else if (a->state == CSCTP_STATE_SHUTDOWN_RECEIVED) {
    a->state = CSCTP_STATE_SHUTDOWN_ACK_SENT;
    a->send_shutdown_ack = 1;
    start_t2(a, now);
    csctp_assoc_log(a, CSCTP_LOG_INFO, "SHUTDOWN-RECEIVED -> SHUTDOWN-ACK-SENT");
  }
}

int csctp_assoc_shutdown(csctp_assoc *a, csctp_tstamp now) {
  csctp_assoc_mark(a); /* output or a timer may follow */
  switch (a->state) {
  case CSCTP_STATE_ESTABLISHED:
    a->state = CSCTP_STATE_SHUTDOWN_PENDING;
    csctp_assoc_log(a, CSCTP_LOG_INFO, "ESTABLISHED -> SHUTDOWN-PENDING");
    csctp_assoc_shutdown_progress(a, now);
    return 0;
  case CSCTP_STATE_COOKIE_WAIT:
  case CSCTP_STATE_COOKIE_ECHOED:
    /* Nothing established yet: §9.1 says the TCB is simply deleted; tell the peer. */
    csctp_assoc_abort_with(a, CSCTP_CAUSE_USER_ABORT, "shutdown during set-up",
                           CSCTP_CLOSE_LOCAL_ABORT);
    return 0;
  case CSCTP_STATE_SHUTDOWN_PENDING:
  case CSCTP_STATE_SHUTDOWN_SENT:
  case CSCTP_STATE_SHUTDOWN_RECEIVED:
  case CSCTP_STATE_SHUTDOWN_ACK_SENT: return 0; /* already under way */
  default: return CSCTP_ERR_INVALID_STATE;
  }
}

void csctp_assoc_on_shutdown(csctp_assoc *a, const csctp_chunk *ch, csctp_tstamp now) {
  uint32_t cum;
  if (csctp_shutdown_decode(ch, &cum) != 0) return;
  if (a->state < CSCTP_STATE_ESTABLISHED) {
    a->stats.drop_unexpected++;
    return;
  }
  /* The cumulative TSN ack acts as a SACK without gap information (§9.2). */
  csctp_tx_sack_result res = {0};
  int rv = csctp_tx_on_cum_ack(&a->tx, cum, now, &res);
  if (rv == CSCTP_ERR_MALFORMED) {
    /* It acks a TSN we never sent. pion/sctp 1.8 puts its own TSNs there (about half of its
     * graceful closes): the value tells us nothing, but the peer asks to close, which is
     * better honoured than answered with an ABORT. Our data still needs a SACK to go. */
    a->stats.drop_malformed++;
    csctp_assoc_log(a, CSCTP_LOG_WARN, "SHUTDOWN acks TSN %u, never sent: its ack is ignored", cum);
  }
  if (res.new_data_acked) a->error_count = 0;
  switch (a->state) {
  case CSCTP_STATE_ESTABLISHED:
  case CSCTP_STATE_SHUTDOWN_PENDING: {
    a->state = CSCTP_STATE_SHUTDOWN_RECEIVED;
    csctp_event ev = {.type = CSCTP_EVENT_SHUTDOWN};
    csctp_assoc_push_event(a, &ev, 1);
    csctp_assoc_log(a, CSCTP_LOG_INFO, "-> SHUTDOWN-RECEIVED");
    csctp_assoc_shutdown_progress(a, now);
    break;
  }
  case CSCTP_STATE_SHUTDOWN_SENT:
    /* Both sides shut down at once (§9.2): answer with SHUTDOWN ACK. */
    a->state = CSCTP_STATE_SHUTDOWN_ACK_SENT;
    a->send_shutdown_ack = 1;
    a->send_shutdown = 0;
    start_t2(a, now);
    break;
  case CSCTP_STATE_SHUTDOWN_RECEIVED: csctp_assoc_shutdown_progress(a, now); break;
  default: break;
  }
}

void csctp_assoc_on_shutdown_ack(csctp_assoc *a, const csctp_common_hdr *h, csctp_tstamp now) {
  if (a->state != CSCTP_STATE_SHUTDOWN_SENT && a->state != CSCTP_STATE_SHUTDOWN_ACK_SENT) {
    a->stats.drop_unexpected++;
    return;
  }
  /* §9.2: stop T2, send SHUTDOWN COMPLETE, delete the TCB. */
  uint8_t c[4];
  csctp_wr w;
  csctp_wr_init(&w, c, sizeof(c));
  csctp_chunk_write_empty(&w, CSCTP_CHUNK_SHUTDOWN_COMPLETE, 0);
  csctp_assoc_queue_packet(a, a->peer_tag, c, w.len);
  (void)h;
  (void)now;
  csctp_assoc_enter_closed(a, CSCTP_CLOSE_SHUTDOWN, 0);
}

void csctp_assoc_on_shutdown_complete(csctp_assoc *a, csctp_tstamp now) {
  (void)now;
  if (a->state != CSCTP_STATE_SHUTDOWN_ACK_SENT) {
    a->stats.drop_unexpected++;
    return;
  }
  csctp_assoc_enter_closed(a, CSCTP_CLOSE_SHUTDOWN, 0);
}

void csctp_assoc_on_abort(csctp_assoc *a, const csctp_chunk *ch) {
  uint16_t cause = csctp_cause_first(ch);
  csctp_assoc_log(a, CSCTP_LOG_WARN, "ABORT received (cause %u)", cause);
  csctp_assoc_enter_closed(a, CSCTP_CLOSE_PEER_ABORT, cause);
}
