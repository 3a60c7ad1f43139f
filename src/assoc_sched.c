/* SPDX-License-Identifier: MIT */
/*
 * The association's face of the send scheduler (RFC 8260 §3, src/tx_sched.c):
 * the kind, stream priorities and the quantum.
 */
#include <csctp/sctp.h>

#include "assoc.h"
#include "tx_priv.h"

_Static_assert(CSCTP_STREAM_PRIORITY_DEFAULT == CSCTP_TX_PRIORITY_DEFAULT,
               "public and tx default priorities differ");
_Static_assert(CSCTP_SCHED_QUANTUM_DEFAULT == CSCTP_TX_QUANTUM_DEFAULT,
               "public and tx default quanta differ");
_Static_assert((int)CSCTP_SCHED_WFQ == CSCTP_TXS_WFQ && (int)CSCTP_SCHED_FCFS == CSCTP_TXS_FCFS &&
                   (int)CSCTP_SCHED_RR == CSCTP_TXS_RR &&
                   (int)CSCTP_SCHED_RR_PACKET == CSCTP_TXS_RR_PACKET &&
                   (int)CSCTP_SCHED_PRIORITY == CSCTP_TXS_PRIORITY &&
                   (int)CSCTP_SCHED_FAIR == CSCTP_TXS_FAIR &&
                   (int)CSCTP_SCHED_COUNT == CSCTP_TXS_KINDS,
               "public and tx scheduler kinds differ");

int csctp_assoc_set_stream_priority(csctp_assoc *a, uint16_t stream, uint16_t priority) {
  if (!a || priority == 0) return CSCTP_ERR_INVALID_ARGUMENT;
  /* The limit csctp_assoc_send applies. */
  uint16_t limit = a->num_out ? a->num_out : a->cfg.outbound_streams;
  if (stream >= limit) return CSCTP_ERR_STREAM_ID;
  csctp_tx_priv *p = csctp_tx_priv_of(&a->tx);
  csctp_tx_stream *st;
  if (csctp_tx_queue_stream(&p->q, stream, &st)) return CSCTP_ERR_NOMEM;
  csctp_tx_queue_set_priority(&p->q, st, priority);
  return 0;
}

int csctp_assoc_set_sched_quantum(csctp_assoc *a, uint32_t quantum) {
  if (!a) return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_tx_queue_set_quantum(&csctp_tx_priv_of(&a->tx)->q, quantum);
  return 0;
}

int csctp_assoc_set_scheduler(csctp_assoc *a, csctp_sched s) {
  if (!a) return CSCTP_ERR_INVALID_ARGUMENT;
  return csctp_tx_set_scheduler(&a->tx, (int)s);
}

csctp_sched csctp_assoc_get_scheduler(const csctp_assoc *a) {
  return a ? (csctp_sched)csctp_tx_get_scheduler(&a->tx) : CSCTP_SCHED_WFQ;
}
