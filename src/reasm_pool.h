/* SPDX-License-Identifier: MIT */
/*
 * Storage behind reassembly (reasm.c): recycled fragment nodes in two size
 * classes, and a small open-addressing map from a 32-bit key to a pointer.
 * Internal to reasm.c and reasm_pool.c.
 */
#ifndef CSCTP_REASM_POOL_H
#define CSCTP_REASM_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <csctp/common.h>

#include "hmap.h"
#include "tsn.h"

/*
 * Inline payload capacity of the two node classes. LARGE holds a whole DATA
 * payload of a 1200-byte path MTU (1200 - 12 common header - 16 DATA header,
 * rounded up); SMALL keeps short messages (and a peer sending one-byte chunks)
 * from costing a large node each. Bigger payloads get their own allocation.
 */
#define CSCTP_REASM_SMALL_INLINE 128
#define CSCTP_REASM_LARGE_INLINE 1200

/*
 * One received DATA fragment. Fragments with consecutive TSNs that belong to
 * the same message are linked into a run (prev/next, TSN order); the first
 * and last node of a run point at each other through `other`, and the first
 * holds the run's byte total. A complete message is a run from B to E.
 */
struct csctp_reasm_frag {
  struct csctp_reasm_frag *prev, *next; /* run links; next is the free-list link */
  struct csctp_reasm_frag *other;       /* run start <-> run end */
  struct csctp_reasm_frag *msg_next;    /* run start: queue of complete unordered */
  size_t run_bytes;                     /* run start: payload bytes in the run */
  uint8_t *data;                        /* inline[] or its own allocation */
  uint32_t len;
  uint32_t buf_cap; /* data's capacity when it is an assembly buffer (reasm_asm.c) */
  csctp_tsn tsn;
  uint32_t ppid;
  uint16_t stream;
  uint16_t ssn;
  uint8_t flags;         /* CSCTP_DATA_FLAG_B/E/U */
  uint8_t large;         /* size class: inline capacity is LARGE_INLINE when set */
  uint8_t inline_data[]; /* SMALL_INLINE or LARGE_INLINE bytes */
};

typedef struct csctp_reasm_pool {
  const csctp_mem *mem;
  struct csctp_reasm_frag *free_small, *free_large;
  size_t n_nodes;       /* nodes allocated and not yet given back to mem */
  size_t n_free;        /* of which on the free lists */
  uint64_t node_allocs; /* lifetime counters */
  uint64_t big_allocs;
  size_t mem_bytes;  /* bytes allocated for nodes (live and free) and oversized payloads */
  size_t free_bytes; /* of which nodes on the free lists */
} csctp_reasm_pool;

/* Bytes of one node of the class that holds `large` payloads (its header and inline room). */
#define CSCTP_REASM_NODE_BYTES(large) \
  (sizeof(struct csctp_reasm_frag) +  \
   ((large) ? CSCTP_REASM_LARGE_INLINE : CSCTP_REASM_SMALL_INLINE))

void csctp_reasm_pool_init(csctp_reasm_pool *p, const csctp_mem *mem);
/* Returns every node on the free lists to mem (live nodes must be put first). */
void csctp_reasm_pool_free(csctp_reasm_pool *p);
/* The general cases of csctp_reasm_pool_get and _put (reasm_pool.c). */
struct csctp_reasm_frag *csctp_reasm_pool_get_any(csctp_reasm_pool *p, size_t len);
void csctp_reasm_pool_put_any(csctp_reasm_pool *p, struct csctp_reasm_frag *f);

/*
 * A node able to hold len payload bytes (data and len set, other fields zero), or NULL.
 * A small one from the free list is taken inline.
 */
static inline struct csctp_reasm_frag *csctp_reasm_pool_get(csctp_reasm_pool *p, size_t len) {
  struct csctp_reasm_frag *f = p->free_small;
  if (len > CSCTP_REASM_SMALL_INLINE || !f) return csctp_reasm_pool_get_any(p, len);
  p->free_small = f->next;
  p->n_free--;
  p->free_bytes -= CSCTP_REASM_NODE_BYTES(0);
  memset(f, 0, sizeof(*f));
  f->data = f->inline_data;
  f->len = (uint32_t)len;
  return f;
}

/* Recycles a node; an oversized payload's own buffer is freed. */
static inline void csctp_reasm_pool_put(csctp_reasm_pool *p, struct csctp_reasm_frag *f) {
  if (f->data != f->inline_data || f->large) {
    csctp_reasm_pool_put_any(p, f);
    return;
  }
  f->data = NULL;
  f->next = p->free_small;
  p->free_small = f;
  p->n_free++;
  p->free_bytes += CSCTP_REASM_NODE_BYTES(0);
}

/* Reassembly maps (TSN, stream id, stream id << 16 | SSN -> pointer): the shared hash table. */
typedef csctp_hmap csctp_reasm_map;

static inline void csctp_reasm_map_init(csctp_reasm_map *m) { csctp_hmap_init(m); }
static inline void csctp_reasm_map_free(csctp_reasm_map *m, const csctp_mem *mem) {
  csctp_hmap_free(m, mem);
}
/* Makes room for `extra` more entries (load kept at or under 1/2): 0 or CSCTP_ERR_NOMEM. */
static inline int csctp_reasm_map_reserve(csctp_reasm_map *m, const csctp_mem *mem,
                                          uint32_t extra) {
  return csctp_hmap_reserve(m, mem, m->count + extra);
}
static inline void *csctp_reasm_map_get(const csctp_reasm_map *m, uint32_t key) {
  return csctp_hmap_get(m, key);
}
/* Inserts a key not present; room must have been reserved. */
static inline void csctp_reasm_map_put(csctp_reasm_map *m, uint32_t key, void *val) {
  csctp_hmap_put(m, key, val);
}
/* Removes key if present and returns its value (NULL when absent). */
static inline void *csctp_reasm_map_del(csctp_reasm_map *m, uint32_t key) {
  return csctp_hmap_del(m, key);
}
/* Empties the map, keeping its capacity. */
static inline void csctp_reasm_map_reset(csctp_reasm_map *m) { csctp_hmap_reset(m); }

#endif
