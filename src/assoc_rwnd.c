/* SPDX-License-Identifier: MIT */
/*
 * The receive window changed while the association lives: an application that holds
 * messages it has taken (a paused socket) counts them against the window, so the peer
 * sees the window close as if the engine still held them (RFC 9260 §6.2: the window
 * is the buffer space the receiver has left), and open again when they are consumed.
 */
#include "assoc.h"

uint32_t csctp_assoc_pd_point(const csctp_config *cfg) {
  uint32_t p = cfg->partial_delivery_point;
  if (!p) return 0;
  if (p > cfg->rwnd / 2) p = cfg->rwnd / 2;
  return p ? p : 1;
}

int csctp_assoc_set_rwnd(csctp_assoc *a, uint32_t rwnd) {
  if (!a) return CSCTP_ERR_INVALID_ARGUMENT;
  if (rwnd == a->cfg.rwnd) return 0;
  int grew = rwnd > a->cfg.rwnd;
  a->cfg.rwnd = rwnd;
  csctp_reasm_set_partial(&a->reasm, csctp_assoc_pd_point(&a->cfg));
  csctp_ireasm_set_partial(&a->ireasm, csctp_assoc_pd_point(&a->cfg));
  /* A shrinking window is advertised by the next SACK; a window that opened far enough
   * beyond the last one advertised is announced at once (window update, §6.2). */
  if (grew) csctp_assoc_check_window_update(a);
  csctp_assoc_mark(a);
  return 0;
}
