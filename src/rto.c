/* SPDX-License-Identifier: MIT */
/* Retransmission timeout computation (RFC 9260 §6.3.1). All values in microseconds. */
#include "rto.h"

/* Clock granularity G of §6.3.1 C1/C2: our timestamps are microseconds, timers fire in ms. */
#define RTO_G CSCTP_MILLISECONDS

static csctp_tstamp rto_clamp(const csctp_rto *r, csctp_tstamp v) {
  if (v < r->rto_min) v = r->rto_min; /* C6 */
  if (v > r->rto_max) v = r->rto_max; /* C7 */
  return v;
}

void csctp_rto_init(csctp_rto *r, uint32_t rto_initial_ms, uint32_t rto_min_ms,
                    uint32_t rto_max_ms) {
  r->rto_min = (csctp_tstamp)rto_min_ms * CSCTP_MILLISECONDS;
  r->rto_max = (csctp_tstamp)rto_max_ms * CSCTP_MILLISECONDS;
  if (r->rto_max < r->rto_min) r->rto_max = r->rto_min;
  r->rto_initial = (csctp_tstamp)rto_initial_ms * CSCTP_MILLISECONDS;
  r->srtt = r->rttvar = 0;
  r->measured = 0;
  r->rto = rto_clamp(r, r->rto_initial); /* C1: RTO.Initial until measured */
  r->backed_off = 0;
}

/* §6.3.1 C3: SRTT + 4 * RTTVAR, the variance term at least G. */
static csctp_tstamp rto_computed(const csctp_rto *r) {
  csctp_tstamp var4 = 4 * r->rttvar;
  return rto_clamp(r, r->srtt + (var4 > RTO_G ? var4 : RTO_G));
}

void csctp_rto_update(csctp_rto *r, csctp_tstamp rtt) {
  if (!r->measured) {
    /* C2: first measurement. */
    r->srtt = rtt;
    r->rttvar = rtt / 2;
    r->measured = 1;
  } else {
    /* C3: RTTVAR first (with the old SRTT), beta = 1/4, alpha = 1/8. */
    csctp_tstamp diff = r->srtt > rtt ? r->srtt - rtt : rtt - r->srtt;
    r->rttvar = (3 * r->rttvar + diff) / 4;
    r->srtt = (7 * r->srtt + rtt) / 8;
  }
  /* C3: an RTTVAR of 0 is raised to the clock granularity G. */
  if (r->rttvar == 0) r->rttvar = RTO_G;
  r->rto = rto_computed(r);
  r->backed_off = 0;
}

void csctp_rto_backoff(csctp_rto *r) {
  /* E2 of §6.3.3: RTO = RTO * 2, bounded by RTO.Max. */
  csctp_tstamp v = r->rto * 2;
  r->rto = v > r->rto_max ? r->rto_max : v;
  r->backed_off = 1;
}

void csctp_rto_restore_any(csctp_rto *r) {
  /*
   * RFC 6298 §5 lets a new measurement collapse the backed-off RTO; Karn's
   * rule keeps the back-off only until a segment sent once is acknowledged.
   * SCTP times one chunk per round trip (§6.3.1 C4), so the ack of any other
   * chunk sent once ends the back-off too, with the current estimate.
   */
  r->rto = r->measured ? rto_computed(r) : rto_clamp(r, r->rto_initial);
  r->backed_off = 0;
}
