/* SPDX-License-Identifier: MIT */
/* The endpoint's deadline heap and FIFO list (endpoint_map.h; its multimap is hmap.c). */
#include "endpoint_map.h"

#include <string.h>

/* ---- heap ---- */

int csctp_ep_heap_reserve(csctp_ep_heap *hp, const csctp_mem *mem, uint32_t ids) {
  if (ids <= hp->cap) return 0;
  uint32_t cap = hp->cap ? hp->cap : 8;
  while (cap < ids) cap *= 2;
  csctp_ep_heap_node *h = csctp_realloc(mem, hp->h, (size_t)cap * sizeof(*h));
  if (!h) return CSCTP_ERR_NOMEM;
  hp->h = h;
  uint32_t *pos = csctp_realloc(mem, hp->pos, (size_t)cap * sizeof(*pos));
  if (!pos) return CSCTP_ERR_NOMEM;
  for (uint32_t i = hp->cap; i < cap; i++) pos[i] = CSCTP_EP_NONE;
  hp->pos = pos;
  hp->cap = cap;
  return 0;
}

static void heap_place(csctp_ep_heap *hp, uint32_t i, csctp_ep_heap_node x) {
  hp->h[i] = x;
  hp->pos[x.id] = i;
}

static void heap_up(csctp_ep_heap *hp, uint32_t i) {
  csctp_ep_heap_node x = hp->h[i];
  while (i > 0) {
    uint32_t p = (i - 1) / 2;
    if (hp->h[p].t <= x.t) break;
    heap_place(hp, i, hp->h[p]);
    i = p;
  }
  heap_place(hp, i, x);
}

static void heap_down(csctp_ep_heap *hp, uint32_t i) {
  csctp_ep_heap_node x = hp->h[i];
  for (;;) {
    uint32_t c = 2 * i + 1;
    if (c >= hp->n) break;
    if (c + 1 < hp->n && hp->h[c + 1].t < hp->h[c].t) c++;
    if (x.t <= hp->h[c].t) break;
    heap_place(hp, i, hp->h[c]);
    i = c;
  }
  heap_place(hp, i, x);
}

void csctp_ep_heap_move(csctp_ep_heap *hp, uint32_t id, csctp_tstamp t) {
  uint32_t i = hp->pos[id];
  if (i == CSCTP_EP_NONE) {
    if (t == CSCTP_TSTAMP_NONE) return;
    i = hp->n++;
    heap_place(hp, i, (csctp_ep_heap_node){t, id});
    heap_up(hp, i);
    return;
  }
  if (t == CSCTP_TSTAMP_NONE) { /* remove: the last node fills the hole */
    hp->pos[id] = CSCTP_EP_NONE;
    if (i == --hp->n) return;
    heap_place(hp, i, hp->h[hp->n]);
    heap_up(hp, i);
    heap_down(hp, i); /* a no-op when heap_up moved it */
    return;
  }
  csctp_tstamp old = hp->h[i].t;
  hp->h[i].t = t;
  if (t < old)
    heap_up(hp, i);
  else if (t > old)
    heap_down(hp, i);
}

void csctp_ep_heap_free(csctp_ep_heap *hp, const csctp_mem *mem) {
  csctp_free(mem, hp->h);
  csctp_free(mem, hp->pos);
  memset(hp, 0, sizeof(*hp));
}

/* ---- list ---- */

#define LIST_OUT (CSCTP_EP_NONE - 1)

void csctp_ep_list_init(csctp_ep_list *l) {
  memset(l, 0, sizeof(*l));
  l->head = l->tail = CSCTP_EP_NONE;
}

int csctp_ep_list_reserve(csctp_ep_list *l, const csctp_mem *mem, uint32_t ids) {
  if (ids <= l->cap) return 0;
  uint32_t cap = l->cap ? l->cap : 8;
  while (cap < ids) cap *= 2;
  uint32_t *next = csctp_realloc(mem, l->next, (size_t)cap * sizeof(*next));
  if (!next) return CSCTP_ERR_NOMEM;
  l->next = next;
  uint32_t *prev = csctp_realloc(mem, l->prev, (size_t)cap * sizeof(*prev));
  if (!prev) return CSCTP_ERR_NOMEM;
  for (uint32_t i = l->cap; i < cap; i++) prev[i] = LIST_OUT;
  l->prev = prev;
  l->cap = cap;
  return 0;
}

void csctp_ep_list_append(csctp_ep_list *l, uint32_t id) {
  l->next[id] = CSCTP_EP_NONE;
  l->prev[id] = l->tail;
  if (l->tail != CSCTP_EP_NONE)
    l->next[l->tail] = id;
  else
    l->head = id;
  l->tail = id;
}

void csctp_ep_list_del(csctp_ep_list *l, uint32_t id) {
  if (id >= l->cap || l->prev[id] == LIST_OUT) return;
  uint32_t p = l->prev[id], n = l->next[id];
  if (p != CSCTP_EP_NONE)
    l->next[p] = n;
  else
    l->head = n;
  if (n != CSCTP_EP_NONE)
    l->prev[n] = p;
  else
    l->tail = p;
  l->prev[id] = LIST_OUT;
}

void csctp_ep_list_free(csctp_ep_list *l, const csctp_mem *mem) {
  csctp_free(mem, l->next);
  csctp_free(mem, l->prev);
  csctp_ep_list_init(l);
}
