/* SPDX-License-Identifier: MIT */
/*
 * The endpoint's indexes (endpoint_map.c), all over small integer ids (the
 * slots of the endpoint's association table), so that routing and timers cost
 * O(1) or O(log n) whatever the number of associations:
 *
 * - csctp_ep_map: multimap from a 32-bit hash to ids, over the shared
 *   open-addressing table (hmap.h). The
 *   caller hashes its key and checks each candidate id against its own entry,
 *   so equal keys and hash collisions are both allowed.
 * - csctp_ep_heap: min-heap of (deadline, id) with each id's position kept,
 *   so that a deadline is changed or removed in O(log n).
 * - csctp_ep_list: FIFO of ids, each id at most once, O(1) push, pop and
 *   removal (the endpoint's "may have output" and "may have events" lists).
 *
 * Nothing allocates except the _reserve functions: once an id below `n` is
 * reserved, puts, sets and pushes for it cannot fail.
 */
#ifndef CSCTP_ENDPOINT_MAP_H
#define CSCTP_ENDPOINT_MAP_H

#include <csctp/sctp.h>

#include "hmap.h"
#include "mem.h"

#define CSCTP_EP_NONE UINT32_MAX

/* The shared hash table (hmap.h) with id + 1 as the value. */
typedef csctp_hmap csctp_ep_map;

/* Makes room for `count` entries in all (at most half load). Returns 0 or CSCTP_ERR_NOMEM. */
static inline int csctp_ep_map_reserve(csctp_ep_map *m, const csctp_mem *mem, uint32_t count) {
  return csctp_hmap_reserve(m, mem, count);
}
/* Adds (hash, id); room must have been reserved. */
static inline void csctp_ep_map_put(csctp_ep_map *m, uint32_t hash, uint32_t id) {
  csctp_hmap_put(m, hash, (void *)((uintptr_t)id + 1));
}
/* Removes (hash, id), which must be present. */
static inline void csctp_ep_map_del(csctp_ep_map *m, uint32_t hash, uint32_t id) {
  uint32_t pos = CSCTP_HMAP_END;
  while (csctp_hmap_next(m, hash, &pos) != CSCTP_HMAP_END)
    if ((uintptr_t)m->slots[pos].val == (uintptr_t)id + 1) break;
  csctp_hmap_del_at(m, pos);
}
/* The next id stored under `hash`, or CSCTP_EP_NONE; *pos starts at CSCTP_EP_NONE. */
static inline uint32_t csctp_ep_map_next(const csctp_ep_map *m, uint32_t hash, uint32_t *pos) {
  uint32_t i = csctp_hmap_next(m, hash, pos);
  return i == CSCTP_HMAP_END ? CSCTP_EP_NONE : (uint32_t)((uintptr_t)m->slots[i].val - 1);
}
static inline void csctp_ep_map_free(csctp_ep_map *m, const csctp_mem *mem) {
  csctp_hmap_free(m, mem);
}

typedef struct csctp_ep_heap_node {
  csctp_tstamp t;
  uint32_t id;
} csctp_ep_heap_node;

typedef struct csctp_ep_heap {
  csctp_ep_heap_node *h;
  uint32_t *pos; /* id -> index in h, CSCTP_EP_NONE when absent */
  uint32_t n, cap;
} csctp_ep_heap;

/* Makes room for ids below `ids`. Returns 0 or CSCTP_ERR_NOMEM. */
int csctp_ep_heap_reserve(csctp_ep_heap *hp, const csctp_mem *mem, uint32_t ids);
void csctp_ep_heap_move(csctp_ep_heap *hp, uint32_t id, csctp_tstamp t);
/* Sets the deadline of `id` (CSCTP_TSTAMP_NONE removes it); unchanged costs a compare. */
static inline void csctp_ep_heap_set(csctp_ep_heap *hp, uint32_t id, csctp_tstamp t) {
  uint32_t i = hp->pos[id];
  if (i == CSCTP_EP_NONE ? t != CSCTP_TSTAMP_NONE : hp->h[i].t != t) csctp_ep_heap_move(hp, id, t);
}
/* The earliest deadline (CSCTP_TSTAMP_NONE when empty) and its id. */
static inline csctp_tstamp csctp_ep_heap_top(const csctp_ep_heap *hp, uint32_t *id) {
  if (!hp->n) return CSCTP_TSTAMP_NONE;
  if (id) *id = hp->h[0].id;
  return hp->h[0].t;
}
/* The deadline stored for `id`, or CSCTP_TSTAMP_NONE. */
static inline csctp_tstamp csctp_ep_heap_get(const csctp_ep_heap *hp, uint32_t id) {
  return id < hp->cap && hp->pos[id] != CSCTP_EP_NONE ? hp->h[hp->pos[id]].t : CSCTP_TSTAMP_NONE;
}
void csctp_ep_heap_free(csctp_ep_heap *hp, const csctp_mem *mem);

typedef struct csctp_ep_list {
  uint32_t *next, *prev; /* prev[id] == CSCTP_EP_NONE - 1: not in the list */
  uint32_t head, tail, cap;
} csctp_ep_list;

int csctp_ep_list_reserve(csctp_ep_list *l, const csctp_mem *mem, uint32_t ids);
void csctp_ep_list_init(csctp_ep_list *l);
static inline int csctp_ep_list_has(const csctp_ep_list *l, uint32_t id) {
  return l->prev[id] != CSCTP_EP_NONE - 1;
}
void csctp_ep_list_append(csctp_ep_list *l, uint32_t id);
/* Appends `id` unless it is already in the list. */
static inline void csctp_ep_list_push(csctp_ep_list *l, uint32_t id) {
  if (!csctp_ep_list_has(l, id)) csctp_ep_list_append(l, id);
}
/* Removes `id` if present. */
void csctp_ep_list_del(csctp_ep_list *l, uint32_t id);
void csctp_ep_list_free(csctp_ep_list *l, const csctp_mem *mem);

#endif
