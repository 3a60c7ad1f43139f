/* SPDX-License-Identifier: MIT */
/*
 * One open-addressing hash table from 32-bit keys to non-NULL pointers
 * (hmap.c): linear probing from a multiplicative hash (multiply-shift), backward-shift
 * deletion (no tombstones), grown by doubling so that the load stays at or under 1/2,
 * never shrunk while the owner lives. Keys may repeat (a multimap): lookups walk the
 * probe sequence with csctp_hmap_next(). Only csctp_hmap_reserve() allocates.
 * Used by the reassembly (reasm_pool.h) and the endpoint (endpoint_map.h).
 *
 * The multiplier is the 64-bit golden ratio (Fibonacci hashing: consecutive keys, such as
 * TSNs, spread evenly) unless csctp_hmap_set_seed() makes it secret: keys a peer chooses
 * freely (stream and SSN, MIDs and FSNs) must go to a seeded map, or the peer computes keys
 * that all land in one probe run and makes every lookup walk it (a CPU exhaustion attack).
 */
#ifndef CSCTP_HMAP_H
#define CSCTP_HMAP_H

#include <stddef.h>
#include <stdint.h>

#include "mem.h"

#define CSCTP_HMAP_END UINT32_MAX

/* A slot: empty when val is NULL. */
typedef struct csctp_hmap_slot {
  uint32_t key;
  void *val;
} csctp_hmap_slot;

typedef struct csctp_hmap {
  csctp_hmap_slot *slots;
  uint64_t mult; /* odd: CSCTP_HMAP_GOLDEN (also for 0, a zeroed map), or secret */
  uint32_t cap;  /* 0 or a power of two */
  uint32_t count;
  uint32_t shift; /* 64 - log2(cap) */
} csctp_hmap;

/* 2^64 / the golden ratio, odd: Fibonacci hashing. */
#define CSCTP_HMAP_GOLDEN 0x9e3779b97f4a7c15ull

/* Multiply-shift: the top bits of key * mult (a 2-universal family over random odd mult). */
static inline uint32_t csctp_hmap_home(const csctp_hmap *m, uint32_t key) {
  return (uint32_t)(((uint64_t)key * m->mult) >> m->shift);
}

void csctp_hmap_init(csctp_hmap *m);
/*
 * Makes the hash secret: the multiplier becomes `seed` made odd (a seed of 0 keeps Fibonacci
 * hashing). Call it while the map is empty; a seed drawn at random (or derived one-way from a
 * secret) per map owner keeps a peer from finding keys that share a home.
 */
void csctp_hmap_set_seed(csctp_hmap *m, uint64_t seed);
/* The i-th of several maps' seeds from one secret (0 stays 0: Fibonacci hashing). */
static inline uint64_t csctp_hmap_subseed(uint64_t seed, unsigned i) {
  return seed ? seed ^ (uint64_t)i * CSCTP_HMAP_GOLDEN : 0;
}
/* The longest run of occupied slots (the worst probe sequence), O(cap): for tests and stats. */
uint32_t csctp_hmap_longest_run(const csctp_hmap *m);
void csctp_hmap_free(csctp_hmap *m, const csctp_mem *mem);
/* Empties the map, keeping its capacity. */
void csctp_hmap_reset(csctp_hmap *m);
/* Makes room for `total` entries in all: 0 or CSCTP_ERR_NOMEM. */
int csctp_hmap_reserve(csctp_hmap *m, const csctp_mem *mem, uint32_t total);
/* Adds (key, val), val not NULL; room must have been reserved. */
void csctp_hmap_put(csctp_hmap *m, uint32_t key, void *val);
/* Removes the entry in slot `i` (a position from csctp_hmap_next). */
void csctp_hmap_del_at(csctp_hmap *m, uint32_t i);

/*
 * The position of the next entry stored under `key`, or CSCTP_HMAP_END;
 * *pos starts at CSCTP_HMAP_END and is updated.
 */
static inline uint32_t csctp_hmap_next(const csctp_hmap *m, uint32_t key, uint32_t *pos) {
  if (!m->count) return CSCTP_HMAP_END;
  uint32_t mask = m->cap - 1;
  uint32_t i = *pos == CSCTP_HMAP_END ? csctp_hmap_home(m, key) : (*pos + 1) & mask;
  for (; m->slots[i].val; i = (i + 1) & mask) {
    if (m->slots[i].key == key) return *pos = i;
  }
  return CSCTP_HMAP_END;
}

/* The value of the first entry under `key`, or NULL. */
static inline void *csctp_hmap_get(const csctp_hmap *m, uint32_t key) {
  if (!m->count) return NULL;
  uint32_t mask = m->cap - 1;
  for (uint32_t i = csctp_hmap_home(m, key); m->slots[i].val; i = (i + 1) & mask)
    if (m->slots[i].key == key) return m->slots[i].val;
  return NULL;
}

/* Removes the first entry under `key` and returns its value (NULL when absent). */
static inline void *csctp_hmap_del(csctp_hmap *m, uint32_t key) {
  uint32_t pos = CSCTP_HMAP_END;
  uint32_t i = csctp_hmap_next(m, key, &pos);
  if (i == CSCTP_HMAP_END) return NULL;
  void *val = m->slots[i].val;
  csctp_hmap_del_at(m, i);
  return val;
}

#endif
