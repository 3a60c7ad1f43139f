/* The event queue of an association (events other than messages). */
#include "assoc.h"
#include "mem.h"

void csctp_assoc_push_event(csctp_assoc *a, const csctp_event *ev, int after_data) {
  csctp_assoc_push_event_owned(a, ev, after_data, NULL);
}

void csctp_assoc_push_event_owned(csctp_assoc *a, const csctp_event *ev, int after_data,
                                  void *owned) {
  if (a->evq_len == a->evq_cap) {
    size_t cap = a->evq_cap ? a->evq_cap * 2 : 8;
    csctp_assoc_qev *q = csctp_malloc(a->mem, cap * sizeof(*q));
    if (!q) { /* out of memory: the event is lost, the state is still queryable */
      csctp_free(a->mem, owned);
      return;
    }
    for (size_t i = 0; i < a->evq_len; i++) q[i] = a->evq[(a->evq_head + i) % a->evq_cap];
    csctp_free(a->mem, a->evq);
    a->evq = q;
    a->evq_cap = cap;
    a->evq_head = 0;
  }
  csctp_assoc_qev *slot = &a->evq[(a->evq_head + a->evq_len) % a->evq_cap];
  slot->ev = *ev;
  slot->after_data = after_data;
  slot->owned = owned;
  a->evq_len++;
}

int csctp_assoc_pop_event(csctp_assoc *a, csctp_event *ev) {
  if (!a->evq_len) return 0;
  *ev = a->evq[a->evq_head].ev;
  /* The event's memory lives until the next call on the association. */
  csctp_free(a->mem, a->ev_owned);
  a->ev_owned = a->evq[a->evq_head].owned;
  a->evq_head = (a->evq_head + 1) % a->evq_cap;
  a->evq_len--;
  return 1;
}

void csctp_assoc_events_free(csctp_assoc *a) {
  for (size_t i = 0; i < a->evq_len; i++)
    csctp_free(a->mem, a->evq[(a->evq_head + i) % a->evq_cap].owned);
  csctp_free(a->mem, a->ev_owned);
  a->ev_owned = NULL;
  csctp_free(a->mem, a->evq);
  a->evq = NULL;
  a->evq_len = a->evq_cap = a->evq_head = 0;
}
