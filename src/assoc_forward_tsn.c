/* SPDX-License-Identifier: MIT */
/* FORWARD TSN intake: the receiver side of partial reliability (RFC 3758 §3.6). */
#include "assoc.h"

int csctp_assoc_on_forward_tsn(csctp_assoc *a, const csctp_chunk *ch, int *counts_as_data,
                               csctp_tstamp now) {
  csctp_forward_tsn_chunk f;
  (void)now;
  if (csctp_forward_tsn_decode(ch, &f) != 0) return 1;
  if (!a->rx_started || a->state < CSCTP_STATE_ESTABLISHED) {
    a->stats.drop_unexpected++;
    return 0;
  }
  /* §3.6: whatever it says, SACK rules treat it as a DATA chunk. */
  *counts_as_data = 1;
  csctp_tsn new_cum = f.new_cum_tsn;
  if (!csctp_tsn_gt(new_cum, a->rxt.cum)) {
    /* Out of date: our SACK was probably lost; send one now. */
    a->sack_now = 1;
    return 0;
  }
  /*
   * The peer cannot have assigned TSNs further ahead than the data our window
   * lets it have in flight (a byte per chunk at worst) plus what we track:
   * anything beyond is not a TSN it sent. Ignored, and counted.
   */
  uint32_t bound = a->cfg.rwnd + 65536u;
  if (new_cum - a->rxt.cum > bound) {
    a->stats.drop_malformed++;
    return 0;
  }
  csctp_rx_tsn_forward(&a->rxt, new_cum);
  /* RFC 3758 §3.6: only fragments at or below the New Cumulative TSN go;
   * newer ones past it (an incomplete later message) must stay. */
  csctp_reasm_forward(&a->reasm, new_cum);
  for (size_t i = 0; i < f.n_pairs; i++) {
    uint16_t stream, ssn;
    csctp_forward_tsn_pair(&f, i, &stream, &ssn);
    if (stream >= a->num_in) continue; /* a stream we never accepted data on */
    int rv = csctp_reasm_skip(&a->reasm, stream, ssn);
    if (rv) return rv;
  }
  csctp_assoc_rx_sync(a); /* abandoned fragments are given back */
  csctp_assoc_check_window_update(a);
  return 0;
}
