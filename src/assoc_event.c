/* The event queue of an association (events other than messages). */
#include "assoc.h"
#include "mem.h"

void csctp_assoc_push_event(csctp_assoc *a, const csctp_event *ev, int after_data) {
  if (a->evq_len == a->evq_cap) {
    size_t cap = a->evq_cap ? a->evq_cap * 2 : 8;
    csctp_assoc_qev *q = csctp_malloc(a->mem, cap * sizeof(*q));
    if (!q) return; /* out of memory: the event is lost, the state is still queryable */
    for (size_t i = 0; i < a->evq_len; i++) q[i] = a->evq[(a->evq_head + i) % a->evq_cap];
    csctp_free(a->mem, a->evq);
    a->evq = q;
    a->evq_cap = cap;
    a->evq_head = 0;
  }
  csctp_assoc_qev *slot = &a->evq[(a->evq_head + a->evq_len) % a->evq_cap];
  slot->ev = *ev;
  slot->after_data = after_data;
  a->evq_len++;
}

int csctp_assoc_pop_event(csctp_assoc *a, csctp_event *ev) {
  if (!a->evq_len) return 0;
  *ev = a->evq[a->evq_head].ev;
  a->evq_head = (a->evq_head + 1) % a->evq_cap;
  a->evq_len--;
  return 1;
}

void csctp_assoc_events_free(csctp_assoc *a) {
  csctp_free(a->mem, a->evq);
  a->evq = NULL;
  a->evq_len = a->evq_cap = a->evq_head = 0;
}
