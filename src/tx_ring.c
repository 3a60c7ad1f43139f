/* SPDX-License-Identifier: MIT */
/* The outstanding-DATA ring (see tx_ring.h). */
#include "tx_ring.h"

#include <string.h>

#include "mem.h"

int csctp_tx_ring_init(csctp_tx_ring *r, const csctp_mem *mem, uint32_t cap) {
  uint32_t c = 1;
  while (c < cap) c <<= 1;
  memset(r, 0, sizeof(*r));
  r->mem = mem;
  r->init_cap = c; /* allocated by the first push: an idle association holds no ring */
  return 0;
}

void csctp_tx_ring_free(csctp_tx_ring *r) {
  csctp_free(r->mem, r->slots);
  r->slots = NULL;
  r->cap = r->count = r->head = 0;
}

size_t csctp_tx_ring_trim(csctp_tx_ring *r) {
  if (r->count || !r->slots) return 0;
  size_t bytes = (size_t)r->cap * sizeof(*r->slots);
  csctp_tx_ring_free(r);
  return bytes;
}

/* The ring is full (or not yet allocated): allocate or double it, then append. */
csctp_tx_chunk *csctp_tx_ring_push_grow(csctp_tx_ring *r) {
  if (r->cap > UINT32_MAX / 4) return NULL;
  uint32_t cap = r->cap ? r->cap * 2 : r->init_cap;
  csctp_tx_chunk *s = csctp_malloc(r->mem, (size_t)cap * sizeof(*s));
  if (!s) return NULL;
  /* Unwrap into the new array so offsets keep their meaning. */
  uint32_t first = r->cap - r->head;
  if (first > r->count) first = r->count;
  if (r->count) {
    memcpy(s, r->slots + r->head, (size_t)first * sizeof(*s));
    memcpy(s + first, r->slots, (size_t)(r->count - first) * sizeof(*s));
  }
  csctp_free(r->mem, r->slots);
  if (r->cap) r->grows++; /* the first allocation is not a growth */
  r->slots = s;
  r->cap = cap;
  r->head = 0;
  csctp_tx_chunk *c = &r->slots[(r->head + r->count) & (r->cap - 1)];
  memset(c, 0, sizeof(*c));
  r->count++;
  return c;
}
