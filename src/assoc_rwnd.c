/*
 * The receive window changed while the association lives: an application that holds
 * messages it has taken (a paused socket) counts them against the window, so the peer
 * sees the window close as if the engine still held them (RFC 9260 §6.2: the window
 * is the buffer space the receiver has left), and open again when they are consumed.
 */
#include "assoc.h"

int csctp_assoc_set_rwnd(csctp_assoc *a, uint32_t rwnd) {
  if (!a) return CSCTP_ERR_INVALID_ARGUMENT;
  if (rwnd == a->cfg.rwnd) return 0;
  int grew = rwnd > a->cfg.rwnd;
  a->cfg.rwnd = rwnd;
  /* A shrinking window is advertised by the next SACK; a window that opened far enough
   * beyond the last one advertised is announced at once (window update, §6.2). */
  if (grew) csctp_assoc_check_window_update(a);
  csctp_assoc_mark(a);
  return 0;
}
