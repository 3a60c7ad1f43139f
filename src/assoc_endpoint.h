/* SPDX-License-Identifier: MIT */
/*
 * What the endpoint (endpoint.c, endpoint_out.c) may know of an association
 * beyond the public API: its routing tag, liveness, path acceptance, the
 * owner's watch list and the packets it queued. Nothing else of csctp_assoc is
 * read or written by the endpoint. Inline: these run on every routed packet.
 */
#ifndef CSCTP_ASSOC_ENDPOINT_H
#define CSCTP_ASSOC_ENDPOINT_H

#include "assoc.h"
#include "mem.h"

/* The verification tag the peer puts on its packets (changes on a restart). */
static inline uint32_t csctp_assoc_ep_local_tag(const csctp_assoc *a) { return a->local_tag; }
/* Closed after having lived: only answers out-of-the-blue packets. */
static inline int csctp_assoc_ep_dead(const csctp_assoc *a) { return a->dead; }
static inline int csctp_assoc_ep_state(const csctp_assoc *a) { return a->state; }
/* The buffer a packet of the association needs (its mtu, or plpmtud_max with PLPMTUD). */
static inline size_t csctp_assoc_ep_mtu(const csctp_assoc *a) { return csctp_assoc_buf_need(a); }
/* Moves each time a packet passed the association's checks (the path may follow it). */
static inline uint32_t csctp_assoc_ep_accepted(const csctp_assoc *a) { return a->rx_accepted; }
/* Multi-homed: how many paths and which are confirmed, as one value that changes when
 * either does (the endpoint re-indexes them then); 0 for a single-homed association. */
uint16_t csctp_assoc_ep_paths_sig_mp(const csctp_assoc *a);
static inline uint16_t csctp_assoc_ep_paths_sig(const csctp_assoc *a) {
  return __builtin_expect(a->mp == NULL, 1) ? 0 : csctp_assoc_ep_paths_sig_mp(a);
}
/* Whether events wait to be polled. */
static inline int csctp_assoc_ep_has_events(const csctp_assoc *a) { return a->evq_len != 0; }

/* Puts `a` under the owner's watch list `w` (NULL: no owner any more). */
static inline void csctp_assoc_ep_watch(csctp_assoc *a, csctp_assoc_watch *w) { a->watch = w; }
/* Takes the first association off `w` (NULL when empty). */
static inline csctp_assoc *csctp_assoc_ep_watch_pop(csctp_assoc_watch *w) {
  csctp_assoc *a = w->head;
  if (!a) return NULL;
  w->head = a->watch_next;
  a->watch_next = NULL;
  a->watch_marked = 0;
  return a;
}
/* Keeps `a` off the watch list during a call the owner follows itself; returns what
 * csctp_assoc_ep_watch_restore() needs. */
static inline uint8_t csctp_assoc_ep_watch_hold(csctp_assoc *a) {
  uint8_t marked = a->watch_marked;
  a->watch_marked = 1;
  return marked;
}
static inline void csctp_assoc_ep_watch_restore(csctp_assoc *a, uint8_t marked) {
  a->watch_marked = marked;
}

/* ---- whole packets queued for the peer (the output list) ---- */

/* The current end of the output list, to take what is queued after it. */
static inline csctp_assoc_opkt *csctp_assoc_ep_out_mark(const csctp_assoc *a) {
  return a->opkt_tail;
}
/* Unlinks and returns the packets queued after `mark` (NULL: all of them). */
static inline csctp_assoc_opkt *csctp_assoc_ep_out_take(csctp_assoc *a, csctp_assoc_opkt *mark) {
  csctp_assoc_opkt *p = mark ? mark->next : a->opkt_head;
  if (mark)
    mark->next = NULL;
  else
    a->opkt_head = NULL;
  a->opkt_tail = mark;
  return p;
}
/* Frees a taken packet; `sent`: the owner sent it on the association's behalf (counted). */
static inline void csctp_assoc_ep_out_done(csctp_assoc *a, csctp_assoc_opkt *p, int sent) {
  if (sent) {
    a->stats.packets_out++;
    a->stats.chunks_out++;
  }
  csctp_free(a->mem, p);
}

#endif
