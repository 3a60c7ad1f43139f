/* SPDX-License-Identifier: MIT */
/* Retransmission timeout computation, RFC 9260 §6.3.1. */
#ifndef CSCTP_RTO_H
#define CSCTP_RTO_H

#include <stdint.h>

#include <csctp/common.h>

typedef struct csctp_rto {
  csctp_tstamp rto_initial, rto_min, rto_max; /* microseconds */
  csctp_tstamp srtt, rttvar;                  /* 0 until the first measurement */
  csctp_tstamp rto;
  int measured;
  int backed_off; /* rto was doubled since it was last computed (csctp_rto_restore's work) */
} csctp_rto;

/* Arguments in milliseconds (net.sctp names). */
void csctp_rto_init(csctp_rto *r, uint32_t rto_initial_ms, uint32_t rto_min_ms,
                    uint32_t rto_max_ms);
/* Feeds one RTT measurement (C1-C3, RTO.Alpha 1/8, RTO.Beta 1/4, clamped). */
void csctp_rto_update(csctp_rto *r, csctp_tstamp rtt);
/* Doubles the RTO up to rto_max (timer back-off, §6.3.3 E2). */
void csctp_rto_backoff(csctp_rto *r);
/*
 * Ends a back-off without a new measurement: the RTO becomes again the value
 * computed from SRTT and RTTVAR (RTO.Initial before any measurement). For an
 * acknowledgement of a chunk that was sent once (Karn: it proves the path and
 * the estimate; a retransmitted chunk's ack proves neither).
 */
void csctp_rto_restore_any(csctp_rto *r);
static inline void csctp_rto_restore(csctp_rto *r) {
  if (r->backed_off) csctp_rto_restore_any(r); /* nothing to undo on the usual ack */
}
static inline csctp_tstamp csctp_rto_get(const csctp_rto *r) { return r->rto; }

#endif
