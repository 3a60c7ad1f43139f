/* SPDX-License-Identifier: MIT */
/*
 * The event queue of an association (events other than messages).
 *
 * It is allocated with the association, and grown before it fills, so that
 * the events the layers above depend on (CONNECTED, CLOSED, stream resets,
 * ...) find a slot even when memory runs out once: EVQ_RESERVE slots are kept
 * free for them, and only when growing failed that many times in a row is one
 * lost (counted in events_dropped). PEER_ERROR events, which a peer can cause
 * at will (an ERROR chunk costs it nothing), never take the reserved slots and
 * at most EVQ_MAX_NOTICES of them wait at once: more are counted and dropped,
 * so a peer cannot grow the queue of an application that reads slowly.
 */
#include <string.h>

#include "assoc.h"
#include "mem.h"

#define EVQ_INITIAL 4
#define EVQ_RESERVE 2
#define EVQ_MAX_NOTICES 64

static int evq_is_notice(csctp_event_type t) { return t == CSCTP_EVENT_PEER_ERROR; }

static int evq_grow(csctp_assoc *a, size_t cap) {
  csctp_assoc_qev *q = csctp_malloc(a->mem, cap * sizeof(*q));
  if (!q) return CSCTP_ERR_NOMEM;
  for (size_t i = 0; i < a->evq_len; i++) q[i] = a->evq[(a->evq_head + i) % a->evq_cap];
  csctp_free(a->mem, a->evq);
  a->evq = q;
  a->evq_cap = cap;
  a->evq_head = 0;
  return 0;
}

int csctp_assoc_events_init(csctp_assoc *a) { return evq_grow(a, EVQ_INITIAL); }

void csctp_assoc_push_event(csctp_assoc *a, const csctp_event *ev, int after_data) {
  csctp_assoc_push_event_owned(a, ev, after_data, NULL);
}

/* Queues `ev`; returns its slot, or NULL when it was dropped (`owned` is freed then). */
static csctp_assoc_qev *evq_push(csctp_assoc *a, const csctp_event *ev, int after_data,
                                 void *owned) {
  int notice = evq_is_notice(ev->type);
  if (a->evq_len + EVQ_RESERVE >= a->evq_cap && !(notice && a->evq_notices >= EVQ_MAX_NOTICES))
    (void)evq_grow(a, a->evq_cap ? a->evq_cap * 2 : EVQ_INITIAL); /* a reserved slot if it fails */
  size_t room = a->evq_cap - a->evq_len;
  if (room == 0 || (notice && (room <= EVQ_RESERVE || a->evq_notices >= EVQ_MAX_NOTICES))) {
    a->stats.events_dropped++;
    csctp_free(a->mem, owned);
    return NULL;
  }
  csctp_assoc_qev *slot = &a->evq[(a->evq_head + a->evq_len) % a->evq_cap];
  slot->ev = *ev;
  slot->after_data = after_data;
  slot->owned = owned;
  a->evq_len++;
  a->evq_notices += (size_t)notice;
  return slot;
}

void csctp_assoc_push_event_owned(csctp_assoc *a, const csctp_event *ev, int after_data,
                                  void *owned) {
  evq_push(a, ev, after_data, owned);
}

void csctp_assoc_push_event_ids(csctp_assoc *a, const csctp_event *ev, const uint16_t *ids,
                                size_t n) {
  csctp_assoc_qev *slot = evq_push(a, ev, 0, NULL);
  if (slot && n) memcpy(slot->ids, ids, n * sizeof(*ids)); /* n <= CSCTP_ASSOC_EV_IDS */
}

int csctp_assoc_pop_event(csctp_assoc *a, csctp_event *ev) {
  if (!a->evq_len) return 0;
  *ev = a->evq[a->evq_head].ev;
  /* The event's memory lives until the next call on the association. */
  csctp_free(a->mem, a->ev_owned);
  a->ev_owned = a->evq[a->evq_head].owned;
  if ((ev->type == CSCTP_EVENT_STREAMS_RESET || ev->type == CSCTP_EVENT_INCOMING_RESET_RESULT) &&
      !a->ev_owned && ev->u.streams_reset.n_streams) {
    memcpy(a->ev_ids, a->evq[a->evq_head].ids, ev->u.streams_reset.n_streams * sizeof(uint16_t));
    ev->u.streams_reset.streams = a->ev_ids; /* valid until the next call, as owned memory */
  }
  a->evq_head = (a->evq_head + 1) % a->evq_cap;
  a->evq_len--;
  a->evq_notices -= (size_t)evq_is_notice(ev->type);
  return 1;
}

void csctp_assoc_events_free(csctp_assoc *a) {
  for (size_t i = 0; i < a->evq_len; i++)
    csctp_free(a->mem, a->evq[(a->evq_head + i) % a->evq_cap].owned);
  csctp_free(a->mem, a->ev_owned);
  a->ev_owned = NULL;
  csctp_free(a->mem, a->evq);
  a->evq = NULL;
  a->evq_len = a->evq_cap = a->evq_head = a->evq_notices = 0;
}
