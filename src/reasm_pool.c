/* SPDX-License-Identifier: MIT */
/*
 * Fragment node pool and the open-addressing map used by reassembly. Nodes
 * are recycled through free lists, so steady-state reception allocates
 * nothing; maps grow by doubling and never shrink while the object lives.
 */
#include "reasm_pool.h"

#include <string.h>

#include "mem.h"

void csctp_reasm_pool_init(csctp_reasm_pool *p, const csctp_mem *mem) {
  memset(p, 0, sizeof(*p));
  p->mem = mem;
}

static void pool_free_list(csctp_reasm_pool *p, struct csctp_reasm_frag **head) {
  while (*head) {
    struct csctp_reasm_frag *f = *head;
    *head = f->next;
    p->mem_bytes -= CSCTP_REASM_NODE_BYTES(f->large);
    p->free_bytes -= CSCTP_REASM_NODE_BYTES(f->large);
    csctp_free(p->mem, f);
    p->n_nodes--;
    p->n_free--;
  }
}

void csctp_reasm_pool_free(csctp_reasm_pool *p) {
  pool_free_list(p, &p->free_small);
  pool_free_list(p, &p->free_large);
}

struct csctp_reasm_frag *csctp_reasm_pool_get_any(csctp_reasm_pool *p, size_t len) {
  int large = len > CSCTP_REASM_SMALL_INLINE;
  struct csctp_reasm_frag **head = large ? &p->free_large : &p->free_small;
  struct csctp_reasm_frag *f = *head;
  uint8_t *big = NULL;
  if (len > CSCTP_REASM_LARGE_INLINE) {
    big = csctp_malloc(p->mem, len);
    if (!big) return NULL;
    p->big_allocs++;
    p->mem_bytes += len;
  }
  if (f) {
    *head = f->next;
    p->n_free--;
    p->free_bytes -= CSCTP_REASM_NODE_BYTES(large);
  } else {
    size_t cap = large ? CSCTP_REASM_LARGE_INLINE : CSCTP_REASM_SMALL_INLINE;
    f = csctp_malloc(p->mem, sizeof(*f) + cap);
    if (!f) {
      if (big) p->mem_bytes -= len;
      csctp_free(p->mem, big);
      return NULL;
    }
    p->mem_bytes += sizeof(*f) + cap;
    p->n_nodes++;
    p->node_allocs++;
  }
  memset(f, 0, sizeof(*f));
  f->large = (uint8_t)large;
  f->data = big ? big : f->inline_data;
  f->len = (uint32_t)len;
  return f;
}

void csctp_reasm_pool_put_any(csctp_reasm_pool *p, struct csctp_reasm_frag *f) {
  if (f->data != f->inline_data) {
    p->mem_bytes -= f->len; /* an oversized buffer is exactly len bytes */
    csctp_free(p->mem, f->data);
  }
  f->data = NULL;
  struct csctp_reasm_frag **head = f->large ? &p->free_large : &p->free_small;
  f->next = *head;
  *head = f;
  p->n_free++;
  p->free_bytes += CSCTP_REASM_NODE_BYTES(f->large);
}

/* ---- map ---- */

/* Fibonacci hashing: consecutive TSNs and stream ids spread over the table. */
static uint32_t map_index(const csctp_reasm_map *m, uint32_t key) {
  return (uint32_t)(key * 2654435769u) >> m->shift;
}

void csctp_reasm_map_init(csctp_reasm_map *m) { memset(m, 0, sizeof(*m)); }

void csctp_reasm_map_free(csctp_reasm_map *m, const csctp_mem *mem) {
  csctp_free(mem, m->slots);
  memset(m, 0, sizeof(*m));
}

void csctp_reasm_map_reset(csctp_reasm_map *m) {
  if (m->slots) memset(m->slots, 0, (size_t)m->cap * sizeof(m->slots[0]));
  m->count = 0;
}

static void map_insert(csctp_reasm_slot *slots, uint32_t mask, uint32_t shift, uint32_t key,
                       void *val) {
  uint32_t i = (uint32_t)(key * 2654435769u) >> shift;
  while (slots[i].val) i = (i + 1) & mask;
  slots[i].key = key;
  slots[i].val = val;
}

int csctp_reasm_map_reserve(csctp_reasm_map *m, const csctp_mem *mem, uint32_t extra) {
  uint64_t need = ((uint64_t)m->count + extra) * 2;
  if (m->cap && need <= m->cap) return 0;
  uint32_t bits = 4;
  while (((uint64_t)1 << bits) < need) bits++;
  if (bits > 31) return CSCTP_ERR_NOMEM;
  uint32_t cap = (uint32_t)1 << bits;
  csctp_reasm_slot *slots = csctp_calloc(mem, cap, sizeof(*slots));
  if (!slots) return CSCTP_ERR_NOMEM;
  for (uint32_t i = 0; i < m->cap; i++)
    if (m->slots[i].val) map_insert(slots, cap - 1, 32 - bits, m->slots[i].key, m->slots[i].val);
  csctp_free(mem, m->slots);
  m->slots = slots;
  m->cap = cap;
  m->shift = 32 - bits;
  return 0;
}

static uint32_t map_find(const csctp_reasm_map *m, uint32_t key, int *found) {
  *found = 0;
  if (!m->cap) return 0;
  uint32_t mask = m->cap - 1;
  uint32_t i = map_index(m, key);
  while (m->slots[i].val) {
    if (m->slots[i].key == key) {
      *found = 1;
      return i;
    }
    i = (i + 1) & mask;
  }
  return i;
}

void *csctp_reasm_map_get(const csctp_reasm_map *m, uint32_t key) {
  int found;
  uint32_t i = map_find(m, key, &found);
  return found ? m->slots[i].val : NULL;
}

void csctp_reasm_map_put(csctp_reasm_map *m, uint32_t key, void *val) {
  map_insert(m->slots, m->cap - 1, m->shift, key, val);
  m->count++;
}

void *csctp_reasm_map_del(csctp_reasm_map *m, uint32_t key) {
  int found;
  uint32_t i = map_find(m, key, &found);
  if (!found) return NULL;
  void *val = m->slots[i].val;
  uint32_t mask = m->cap - 1;
  /* Backward-shift deletion keeps linear probing correct without tombstones. */
  uint32_t j = i;
  for (;;) {
    j = (j + 1) & mask;
    if (!m->slots[j].val) break;
    uint32_t home = map_index(m, m->slots[j].key);
    /* Entry j may move to the hole at i unless its home lies cyclically in (i, j]. */
    int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (stays) continue;
    m->slots[i] = m->slots[j];
    i = j;
  }
  m->slots[i].val = NULL;
  m->count--;
  return val;
}
