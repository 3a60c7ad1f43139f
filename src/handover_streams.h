/* SPDX-License-Identifier: MIT */
/*
 * Per-stream state of a quiescent association, read out of the tx and the
 * reassembly and written back into fresh ones (handover, assoc_handover.c):
 * the outgoing streams' next SSN and priority, the incoming streams' expected
 * SSN, and whether the tx and the reassembly hold anything.
 */
#ifndef CSCTP_HANDOVER_STREAMS_H
#define CSCTP_HANDOVER_STREAMS_H

#include <stdint.h>

#include <csctp/common.h>

#include "reasm.h"
#include "tx.h"

/* One stream's state: the SSN (next to send, or next expected) and, outgoing, its priority. */
typedef struct csctp_ho_stream {
  uint16_t id, ssn, priority;
} csctp_ho_stream;

/*
 * The outgoing streams that differ from a stream never used (next SSN 0, default priority),
 * sorted by id, into *out (allocated from mem, NULL when none; the caller frees it).
 * Returns their number or CSCTP_ERR_NOMEM.
 */
csctp_ssize csctp_tx_streams_list(const csctp_tx *tx, const csctp_mem *mem, csctp_ho_stream **out);
/* Creates outgoing stream `id` with that next SSN and priority. Returns 0 or CSCTP_ERR_NOMEM. */
int csctp_tx_stream_restore(csctp_tx *tx, uint16_t id, uint16_t ssn, uint16_t priority);
/* The scheduler quantum of the tx (bytes per round at the default priority). */
uint32_t csctp_tx_quantum(const csctp_tx *tx);
/* 1 when messages wait to be sent (queued, or one being cut into chunks), else 0. */
int csctp_tx_has_queued(const csctp_tx *tx);
/* 1 when the Advanced.Peer.Ack.Point is ahead of the cum ack (a FORWARD TSN is owed). */
int csctp_tx_forward_pending(const csctp_tx *tx);

/* The incoming streams whose expected SSN is not 0, sorted by id (as csctp_tx_streams_list). */
csctp_ssize csctp_reasm_streams_list(const csctp_reasm *r, const csctp_mem *mem,
                                     csctp_ho_stream **out);
/* Creates incoming stream `id` expecting SSN `ssn`. Returns 0 or CSCTP_ERR_NOMEM. */
int csctp_reasm_stream_restore(csctp_reasm *r, uint16_t id, uint16_t ssn);
/* 1 when the reassembly holds nothing but the message handed out last: no fragment, no
 * message, none in pieces. */
int csctp_reasm_quiescent(const csctp_reasm *r);

#endif
