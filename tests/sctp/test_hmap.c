/* SPDX-License-Identifier: MIT */
/*
 * src/hmap.c, the open-addressing multimap under the reassembly and the
 * endpoint: checked against a plain reference model (an array of (key, value)
 * pairs) under deterministic mixes of puts and deletes, with keys chosen to
 * collide, to wrap around the end of the table and to repeat, so that the
 * backward-shift deletion must keep every remaining entry reachable.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

#include <csctp/common.h>
#include <csctp/sctp.h>

#include "hmap.h"

/* Values are pointers into this array: val(i) is distinct and non-NULL for every i. */
static char vals[8192];
#define VAL(i) ((void *)&vals[(i)])

/* The reference: the multiset of (key, value) pairs the map must hold. */
typedef struct {
  uint32_t key;
  void *val;
} pair;

typedef struct {
  pair p[4096];
  size_t n;
} model;

static void model_del(model *r, uint32_t key, void *val) {
  for (size_t i = 0; i < r->n; i++)
    if (r->p[i].key == key && r->p[i].val == val) {
      r->p[i] = r->p[--r->n];
      return;
    }
  cr_assert_fail("model has no (%u, %p)", key, val);
}

/* Every entry of the model is found under its key, and nothing else is. */
static void check(const csctp_hmap *m, const model *r) {
  cr_assert_eq(m->count, r->n);
  for (size_t i = 0; i < r->n; i++) {
    uint32_t key = r->p[i].key;
    size_t want = 0, got = 0, found = 0;
    for (size_t j = 0; j < r->n; j++) want += r->p[j].key == key;
    uint32_t pos = CSCTP_HMAP_END;
    while (csctp_hmap_next(m, key, &pos) != CSCTP_HMAP_END) {
      got++;
      cr_assert_eq(m->slots[pos].key, key);
      found += m->slots[pos].val == r->p[i].val;
    }
    cr_assert_eq(got, want, "key %u: %zu entries found, %zu stored", key, got, want);
    cr_assert_eq(found, 1, "key %u: value %p not reachable", key, r->p[i].val);
    cr_assert_not_null(csctp_hmap_get(m, key));
  }
}

/* A key whose Fibonacci home is `home` in a table of 2^bits slots. */
static uint32_t key_at(uint32_t bits, uint32_t home, uint32_t skip) {
  for (uint32_t k = 0;; k++) {
    if ((uint32_t)(k * 2654435769u) >> (32 - bits) == home && skip-- == 0) return k;
  }
}

Test(hmap, empty_map_finds_nothing) {
  csctp_hmap m;
  csctp_hmap_init(&m);
  cr_assert_null(csctp_hmap_get(&m, 0));
  cr_assert_null(csctp_hmap_del(&m, 7));
  uint32_t pos = CSCTP_HMAP_END;
  cr_assert_eq(csctp_hmap_next(&m, 7, &pos), CSCTP_HMAP_END);
  csctp_hmap_free(&m, csctp_mem_default());
  csctp_hmap_free(&m, csctp_mem_default()); /* freeing twice is harmless */
}

Test(hmap, reserve_keeps_load_at_most_half_and_never_shrinks) {
  const csctp_mem *mem = csctp_mem_default();
  csctp_hmap m;
  csctp_hmap_init(&m);
  cr_assert_eq(csctp_hmap_reserve(&m, mem, 1), 0);
  cr_assert_geq(m.cap, 2);
  for (uint32_t total = 1; total <= 1000; total++) {
    cr_assert_eq(csctp_hmap_reserve(&m, mem, total), 0);
    cr_assert_geq(m.cap, 2 * total, "cap %u for %u entries", m.cap, total);
    cr_assert_eq(m.cap & (m.cap - 1), 0, "cap %u not a power of two", m.cap);
    if (m.count < total) csctp_hmap_put(&m, total * 7919u, VAL(total));
  }
  uint32_t cap = m.cap;
  cr_assert_eq(csctp_hmap_reserve(&m, mem, 3), 0);
  cr_assert_eq(m.cap, cap);
  /* Growth rehashes: every entry is still there. */
  for (uint32_t total = 1; total <= 1000; total++)
    cr_assert_eq(csctp_hmap_get(&m, total * 7919u), VAL(total));
  csctp_hmap_free(&m, mem);
  cr_assert_eq(m.cap, 0);
  cr_assert_null(m.slots);
}

Test(hmap, reserve_refuses_what_cannot_fit_in_32_bits) {
  csctp_hmap m;
  csctp_hmap_init(&m);
  cr_assert_eq(csctp_hmap_reserve(&m, csctp_mem_default(), UINT32_MAX), CSCTP_ERR_NOMEM);
  cr_assert_eq(m.cap, 0);
}

static void *fail_calloc(size_t k, size_t n, void *u) {
  (void)k;
  (void)n;
  (void)u;
  return NULL;
}

Test(hmap, reserve_reports_allocation_failure_and_keeps_the_map) {
  const csctp_mem *def = csctp_mem_default();
  csctp_hmap m;
  csctp_hmap_init(&m);
  cr_assert_eq(csctp_hmap_reserve(&m, def, 4), 0);
  csctp_hmap_put(&m, 1, VAL(1));
  uint32_t cap = m.cap;
  csctp_mem failing = *def;
  failing.calloc = fail_calloc;
  cr_assert_eq(csctp_hmap_reserve(&m, &failing, 1000), CSCTP_ERR_NOMEM);
  cr_assert_eq(m.cap, cap);
  cr_assert_eq(csctp_hmap_get(&m, 1), VAL(1));
  csctp_hmap_free(&m, def);
}

Test(hmap, repeated_keys_are_a_multimap) {
  const csctp_mem *mem = csctp_mem_default();
  csctp_hmap m;
  csctp_hmap_init(&m);
  cr_assert_eq(csctp_hmap_reserve(&m, mem, 8), 0);
  for (int i = 0; i < 5; i++) csctp_hmap_put(&m, 42, VAL(i));
  csctp_hmap_put(&m, 43, VAL(9));
  int seen[5] = {0};
  uint32_t pos = CSCTP_HMAP_END, n = 0;
  while (csctp_hmap_next(&m, 42, &pos) != CSCTP_HMAP_END) {
    ptrdiff_t v = (char *)m.slots[pos].val - vals;
    cr_assert(v >= 0 && v < 5);
    seen[v]++;
    n++;
  }
  cr_assert_eq(n, 5);
  for (int i = 0; i < 5; i++) cr_assert_eq(seen[i], 1);
  /* del removes one entry at a time, until none is left. */
  for (int i = 0; i < 5; i++) cr_assert_not_null(csctp_hmap_del(&m, 42));
  cr_assert_null(csctp_hmap_del(&m, 42));
  cr_assert_eq(csctp_hmap_get(&m, 43), VAL(9));
  cr_assert_eq(m.count, 1);
  csctp_hmap_free(&m, mem);
}

/*
 * A cluster that wraps from the last slot to the first: deleting its head must
 * pull the wrapped entries back, not strand them behind an empty slot.
 */
Test(hmap, deletion_in_a_cluster_that_wraps_around) {
  const csctp_mem *mem = csctp_mem_default();
  csctp_hmap m;
  csctp_hmap_init(&m);
  cr_assert_eq(csctp_hmap_reserve(&m, mem, 8), 0); /* 16 slots */
  cr_assert_eq(m.cap, 16);
  model r = {.n = 0};
  /* Four keys homed at slot 14, two at 15, one at 0: they fill 14, 15, 0, 1, 2, 3, 4. */
  uint32_t keys[7] = {key_at(4, 14, 0), key_at(4, 14, 1), key_at(4, 14, 2), key_at(4, 14, 3),
                      key_at(4, 15, 0), key_at(4, 15, 1), key_at(4, 0, 0)};
  for (int i = 0; i < 7; i++) {
    csctp_hmap_put(&m, keys[i], VAL(i));
    r.p[r.n++] = (pair){keys[i], VAL(i)};
  }
  check(&m, &r);
  /* Delete each in turn, from the head of the cluster, its middle and its wrapped tail. */
  int order[7] = {0, 4, 6, 2, 1, 5, 3};
  for (int i = 0; i < 7; i++) {
    uint32_t k = keys[order[i]];
    uint32_t pos = CSCTP_HMAP_END;
    uint32_t at;
    while ((at = csctp_hmap_next(&m, k, &pos)) != CSCTP_HMAP_END &&
           m.slots[at].val != VAL(order[i]))
      ;
    cr_assert_neq(at, CSCTP_HMAP_END);
    csctp_hmap_del_at(&m, at);
    model_del(&r, k, VAL(order[i]));
    check(&m, &r);
  }
  for (uint32_t i = 0; i < m.cap; i++) cr_assert_null(m.slots[i].val);
  csctp_hmap_free(&m, mem);
}

/*
 * A deterministic random walk of puts and deletes with at most `max_live`
 * entries, checked against the model after every step: small tables make
 * clusters that wrap around the end; few distinct keys make them repeat.
 */
static void walk(uint32_t max_live, int steps, uint32_t seed) {
  const csctp_mem *mem = csctp_mem_default();
  csctp_hmap m;
  csctp_hmap_init(&m);
  static model r;
  r.n = 0;
  uint32_t next_val = 0;
  for (int step = 0; step < steps; step++) {
    seed = seed * 1103515245u + 12345u;
    uint32_t x = seed >> 8;
    /* 0 and UINT32_MAX are keys like any other. */
    uint32_t key = (x % 5 == 0) ? (x & 1 ? 0 : UINT32_MAX) : (x >> 4) % 97;
    if (r.n < max_live && (r.n < max_live / 2 || (x & 0x100))) {
      cr_assert_eq(csctp_hmap_reserve(&m, mem, m.count + 1), 0);
      cr_assert_lt(next_val, sizeof(vals));
      void *v = VAL(next_val++);
      csctp_hmap_put(&m, key, v);
      r.p[r.n++] = (pair){key, v};
    } else if (r.n) {
      pair victim = r.p[x % r.n];
      void *got = csctp_hmap_del(&m, victim.key);
      cr_assert_not_null(got);
      model_del(&r, victim.key, got);
    }
    cr_assert_leq(2 * m.count, m.cap);
    check(&m, &r);
  }
  csctp_hmap_reset(&m);
  cr_assert_eq(m.count, 0);
  for (uint32_t k = 0; k < 97; k++) cr_assert_null(csctp_hmap_get(&m, k));
  cr_assert_null(csctp_hmap_get(&m, UINT32_MAX));
  csctp_hmap_free(&m, mem);
}

Test(hmap, random_operations_in_a_16_slot_table) { walk(8, 3000, 1); }
Test(hmap, random_operations_in_a_64_slot_table) { walk(32, 3000, 2); }
Test(hmap, random_operations_in_a_large_table) { walk(300, 2000, 3); }

/* An entry at its home just past the end of the table stays when the slot before it empties. */
Test(hmap, entry_at_home_after_the_wrap_stays) {
  const csctp_mem *mem = csctp_mem_default();
  csctp_hmap m;
  csctp_hmap_init(&m);
  cr_assert_eq(csctp_hmap_reserve(&m, mem, 8), 0);
  cr_assert_eq(m.cap, 16);
  uint32_t k14 = key_at(4, 14, 0), k15 = key_at(4, 15, 0), k0 = key_at(4, 0, 0);
  csctp_hmap_put(&m, k14, VAL(14));
  csctp_hmap_put(&m, k15, VAL(15));
  csctp_hmap_put(&m, k0, VAL(0));
  cr_assert_eq(csctp_hmap_del(&m, k15), VAL(15));
  cr_assert_eq(csctp_hmap_get(&m, k0), VAL(0));
  cr_assert_eq(csctp_hmap_get(&m, k14), VAL(14));
  cr_assert_null(csctp_hmap_get(&m, k15));
  csctp_hmap_free(&m, mem);
}
