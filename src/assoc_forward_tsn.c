/* SPDX-License-Identifier: MIT */
/* FORWARD TSN and I-FORWARD-TSN intake: the receiver side of partial reliability (RFC 3758
 * §3.6, RFC 8260 §2.3.1). */
#include "assoc.h"

/*
 * What both share: state, the new cumulative TSN (out of date: a SACK now; beyond anything the
 * peer can have sent: ignored and counted), then the TSN tracker moves. Returns 1 when the
 * reassembly is to skip what the chunk lists, 0 when the chunk is done with.
 */
static int forward_begin(csctp_assoc *a, csctp_tsn new_cum, int *counts_as_data) {
  if (!a->rx_started || a->state < CSCTP_STATE_ESTABLISHED) {
    a->stats.drop_unexpected++;
    return 0;
  }
  /* §3.6: whatever it says, SACK rules treat it as a DATA chunk. */
  *counts_as_data = 1;
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
  return 1;
}

int csctp_assoc_on_forward_tsn(csctp_assoc *a, const csctp_chunk *ch, int *counts_as_data,
                               csctp_tstamp now) {
  csctp_forward_tsn_chunk f;
  (void)now;
  if (csctp_forward_tsn_decode(ch, &f) != 0) return 1;
  if (a->peer_idata) {
    /* RFC 8260 §2.3.1: with I-DATA, FORWARD TSN must not be used. */
    csctp_assoc_abort_with(a, CSCTP_CAUSE_PROTOCOL_VIOLATION,
                           "FORWARD TSN on an I-DATA association", CSCTP_CLOSE_PROTOCOL_ERROR);
    return 1;
  }
  csctp_tsn new_cum = f.new_cum_tsn;
  if (!forward_begin(a, new_cum, counts_as_data)) return 0;
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

int csctp_assoc_on_iforward_tsn(csctp_assoc *a, const csctp_chunk *ch, int *counts_as_data,
                                csctp_tstamp now) {
  csctp_iforward_tsn_chunk f;
  (void)now;
  if (csctp_iforward_tsn_decode(ch, &f) != 0) return 1;
  if (!(a->peer_idata & CSCTP_IDATA_IFWD)) {
    csctp_assoc_abort_with(a, CSCTP_CAUSE_PROTOCOL_VIOLATION, "I-FORWARD-TSN not negotiated",
                           CSCTP_CLOSE_PROTOCOL_ERROR);
    return 1;
  }
  if (!forward_begin(a, f.new_cum_tsn, counts_as_data)) return 0;
  /* Nothing is dropped by TSN: with interleaving, fragments of other messages at or below
   * the new cumulative TSN are live. Each entry names what was abandoned. */
  for (size_t i = 0; i < f.n_entries; i++) {
    csctp_iforward_entry e = csctp_iforward_tsn_entry(&f, i);
    if (e.stream >= a->num_in) continue; /* a stream we never accepted data on */
    int rv = csctp_ireasm_skip(&a->ireasm, e.stream, e.unordered, e.mid);
    if (rv) return rv;
  }
  csctp_assoc_rx_sync(a); /* abandoned fragments are given back */
  csctp_assoc_check_window_update(a);
  return 0;
}
