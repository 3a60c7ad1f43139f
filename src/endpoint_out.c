/* SPDX-License-Identifier: MIT */
/* The endpoint's output, events, timers, removal and queries (endpoint.c has the rest). */
#include <string.h>

#include "endpoint_priv.h"
#include "mem.h"
#include "versioned.h"

/* ---- output, events, timers ---- */

/* The next packet and its route; `rt` NULL: the plain call (the peer address alone). */
static inline __attribute__((always_inline)) csctp_ssize ep_write(csctp_endpoint *e, uint8_t *buf,
                                                                  size_t cap, csctp_tstamp now,
                                                                  csctp_addr *to, csctp_route *rt,
                                                                  csctp_assoc **pa) {
  if (pa) *pa = NULL;
  csctp_ep_settle(e);
  if (e->out_head) {
    ep_pkt *p = e->out_head;
    if (cap < p->len) return CSCTP_ERR_NOBUF;
    memcpy(buf, p->data, p->len);
    *to = p->to;
    if (rt) rt->local = p->local;
    csctp_ssize n = (csctp_ssize)p->len;
    e->out_head = p->next;
    if (!e->out_head) e->out_tail = NULL;
    csctp_free(e->mem, p);
    return n;
  }
  /* Round-robin: a writer goes to the back of the list, so that none starves the others. */
  uint32_t id;
  while ((id = e->out.head) != CSCTP_EP_NONE) {
    csctp_assoc *a = e->v[id].a;
    csctp_route r;
    csctp_ssize n;
    if (__builtin_expect(a->mp != NULL, 0)) { /* multi-homed: the path chooses the address */
      n = csctp_assoc_write_packet_via(a, buf, cap, now, &r);
    } else {
      n = csctp_assoc_write_packet(a, buf, cap, now);
      r.peer.len = 0;
      if (rt && n > 0) r.fragmentable = (uint8_t)csctp_assoc_packet_fragmentable(a);
    }
    if (n < 0) return n;
    csctp_ep_list_del(&e->out, id);
    csctp_ep_heap_set(&e->timers, id, csctp_assoc_timers_next(a)); /* T3 may have started */
    if (csctp_assoc_ep_has_events(a)) csctp_ep_list_push(&e->evs, id);
    if (n > 0) {
      csctp_ep_list_push(&e->out, id);
      if (r.peer.len) {
        *to = r.peer;
        if (rt) rt->local = r.local, rt->path = r.path, rt->fragmentable = r.fragmentable;
      } else {
        *to = e->v[id].peer;
        if (rt) rt->local = e->v[id].local, rt->path = 0, rt->fragmentable = r.fragmentable;
      }
      if (pa) *pa = a;
      return n;
    }
  }
  return 0;
}

csctp_ssize csctp_endpoint_write_packet(csctp_endpoint *e, uint8_t *buf, size_t cap,
                                        csctp_tstamp now, csctp_addr *to, csctp_assoc **pa) {
  if (!buf || !to) return CSCTP_ERR_INVALID_ARGUMENT;
  return ep_write(e, buf, cap, now, to, NULL, pa);
}

csctp_ssize csctp_endpoint_write_packet_via(csctp_endpoint *e, uint8_t *buf, size_t cap,
                                            csctp_tstamp now, csctp_route *to, csctp_assoc **pa) {
  if (!e || !buf || !to) return CSCTP_ERR_INVALID_ARGUMENT;
  memset(to, 0, sizeof(*to));
  to->local = CSCTP_LOCAL_ANY;
  return ep_write(e, buf, cap, now, &to->peer, to, pa);
}

int csctp_endpoint_poll_event(csctp_endpoint *e, csctp_assoc **pa, csctp_event *ev) {
  csctp_ep_settle(e);
  uint32_t id;
  while ((id = e->evs.head) != CSCTP_EP_NONE) {
    csctp_assoc *a = e->v[id].a;
    /* Looked at again below: the association need not mark itself for this call. */
    uint8_t marked = csctp_assoc_ep_watch_hold(a);
    int got = csctp_assoc_poll_event(a, ev);
    csctp_assoc_ep_watch_restore(a, marked);
    /* Taking a message may open the window (a SACK to send) or complete a deferred reset. */
    csctp_ep_heap_set(&e->timers, id, csctp_assoc_timers_next(a));
    csctp_ep_list_push(&e->out, id);
    if (got) { /* it stays at the head: it may have more */
      if (pa) *pa = a;
      e->last = id;
      return 1;
    }
    csctp_ep_list_del(&e->evs, id);
  }
  return 0;
}

csctp_tstamp csctp_endpoint_expiry(const csctp_endpoint *e) {
  /* Output not yet written is due now: packets queued, associations that were called
   * since they last had nothing to write (directly, e->watch, or through us, e->out). */
  if (e->out_head || e->out.head != CSCTP_EP_NONE || e->watch.head) return 0;
  csctp_tstamp t = csctp_ep_heap_top(&e->timers, NULL);
  if (e->last != CSCTP_EP_NONE) {
    csctp_tstamp x = csctp_assoc_expiry(e->v[e->last].a); /* with its own pending output */
    if (x < t) t = x;
  }
  return t;
}

int csctp_endpoint_handle_expiry(csctp_endpoint *e, csctp_tstamp now) {
  csctp_ep_settle(e);
  /* Take every due association out first: each runs once per call, as before. */
  uint32_t k = 0, id = 0;
  while (e->timers.n && csctp_ep_heap_top(&e->timers, &id) <= now) {
    csctp_ep_heap_set(&e->timers, id, CSCTP_TSTAMP_NONE);
    e->due[k++] = id;
  }
  int rv = 0;
  for (uint32_t i = 0; i < k; i++) {
    csctp_assoc *a = e->v[e->due[i]].a;
    if (!rv) rv = csctp_assoc_handle_expiry(a, now);
    csctp_ep_sync(e, e->due[i]);
  }
  return rv;
}

int csctp_endpoint_remove(csctp_endpoint *e, csctp_assoc *a) {
  uint32_t id = csctp_ep_id_of(e, a);
  if (id == CSCTP_EP_NONE) return CSCTP_ERR_INVALID_ARGUMENT;
  if (e->last == id) e->last = CSCTP_EP_NONE;
  csctp_ep_settle(e);
  ep_entry *en = &e->v[id];
  csctp_ep_paths_unindex(e, id);
  csctp_free(e->mem, en->x);
  en->x = NULL;
  csctp_ep_map_del(&e->by_ltag, en->h_ltag, id);
  csctp_ep_map_del(&e->by_addr, en->h_addr, id);
  csctp_ep_map_del(&e->by_ptr, en->h_ptr, id);
  csctp_ep_heap_set(&e->timers, id, CSCTP_TSTAMP_NONE);
  csctp_ep_list_del(&e->out, id);
  csctp_ep_list_del(&e->evs, id);
  csctp_assoc_ep_watch(a, NULL); /* not on e->watch: ep_settle emptied it */
  csctp_assoc_del(a);
  en->a = NULL;
  en->next_free = e->free_head;
  e->free_head = id;
  e->n--;
  return 0;
}

int csctp_endpoint_assoc_peer(const csctp_endpoint *e, const csctp_assoc *a, csctp_addr *peer,
                              uint16_t *remote_port) {
  uint32_t id = csctp_ep_id_of(e, a);
  if (id == CSCTP_EP_NONE) return CSCTP_ERR_INVALID_ARGUMENT;
  if (peer) *peer = e->v[id].peer;
  if (remote_port) *remote_port = e->v[id].rport;
  return 0;
}

size_t csctp_endpoint_count(const csctp_endpoint *e) { return e->n; }

uint16_t csctp_endpoint_port(const csctp_endpoint *e) { return e->cfg.local_port; }

int csctp_endpoint_get_stats_versioned(const csctp_endpoint *e, int stats_version,
                                       csctp_endpoint_stats *st) {
  if (!e) return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_endpoint_stats full = e->stats;
  full.rx_memory_used = e->rxb->used;
  full.rx_memory_peak = e->rxb->peak;
  return csctp_versioned_out(st, stats_version == CSCTP_ENDPOINT_STATS_V1 ? sizeof full : 0, &full);
}
