/* SPDX-License-Identifier: MIT */
/*
 * The association's face of the send scheduler (deficit round-robin over
 * streams, src/tx_queue.c): stream priorities and the quantum.
 */
#include <csctp/sctp.h>

#include "assoc.h"
#include "tx_priv.h"

_Static_assert(CSCTP_STREAM_PRIORITY_DEFAULT == CSCTP_TX_PRIORITY_DEFAULT,
               "public and tx default priorities differ");
_Static_assert(CSCTP_SCHED_QUANTUM_DEFAULT == CSCTP_TX_QUANTUM_DEFAULT,
               "public and tx default quanta differ");

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
