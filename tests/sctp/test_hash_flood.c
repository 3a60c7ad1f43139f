/* SPDX-License-Identifier: MIT */
/*
 * Hash flooding: a peer that chooses the keys of our hash tables (stream and SSN of ordered
 * messages waiting for their turn, I-DATA MIDs and FSNs) can compute, for a public hash, a set
 * of keys that all land in one probe run of the open-addressing table (src/hmap.c), so that
 * every insertion and lookup walks the whole run: quadratic CPU for linear memory. The tables
 * whose keys a peer chooses take a secret seed (csctp_hmap_set_seed, csctp_reasm_set_hash_seed,
 * csctp_ireasm.hash_seed). Each test builds keys that collide under the unseeded hash (the
 * attack, shown to work there) and checks that the seeded table spreads them.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "failing_mem.h"
#include "hmap.h"
#include "ireasm.h"
#include "ireasm_priv.h"
#include "mem.h"
#include "packet.h"
#include "reasm.h"
#include "reasm_priv.h"

#define N 1000                     /* keys: a table of 2,048 slots holds them */
#define SEED 0x243f6a8885a308d3ull /* any secret */
#define SPREAD_MAX 48              /* longest run expected of 1,000 random keys in 2,048 */
#define HOME_BITS 11               /* log2 of the table's final size */

/* Home of `key` in a table of 2^HOME_BITS slots under the unseeded (public) hash. */
static uint32_t public_home(uint32_t key) {
  return (uint32_t)(((uint64_t)key * CSCTP_HMAP_GOLDEN) >> (64 - HOME_BITS));
}

/* The first n values v >= from with public_home(key_of(v)) == 0: the attacker's choice. */
static void colliding(uint32_t (*key_of)(uint32_t v, const void *ctx), const void *ctx,
                      uint32_t from, uint32_t *out, int n) {
  int k = 0;
  for (uint32_t v = from; k < n; v++) {
    cr_assert_neq(v, UINT32_MAX, "not enough colliding keys");
    if (public_home(key_of(v, ctx)) == 0) out[k++] = v;
  }
}

static uint32_t key_itself(uint32_t v, const void *ctx) {
  (void)ctx;
  return v;
}

static failing_mem cnt;

/* ---- the table itself ---- */

static uint32_t fill_map(csctp_hmap *m, const uint32_t *keys, int n) {
  static int vals[N];
  for (int i = 0; i < n; i++) {
    cr_assert_eq(csctp_hmap_reserve(m, &cnt.mem, m->count + 1), 0);
    csctp_hmap_put(m, keys[i], &vals[i]);
  }
  for (int i = 0; i < n; i++) cr_assert_eq(csctp_hmap_get(m, keys[i]), &vals[i]);
  return csctp_hmap_longest_run(m);
}

Test(hash_flood, seeded_map_spreads_keys_chosen_against_the_public_hash) {
  static uint32_t keys[N];
  colliding(key_itself, NULL, 1, keys, N);
  failing_mem_init(&cnt, 0);
  csctp_hmap plain, seeded;
  csctp_hmap_init(&plain);
  csctp_hmap_init(&seeded);
  csctp_hmap_set_seed(&seeded, SEED);
  uint32_t run_plain = fill_map(&plain, keys, N), run_seeded = fill_map(&seeded, keys, N);
  cr_assert_eq(plain.cap, 1u << HOME_BITS);
  cr_assert_geq(run_plain, N, "the attack: one run of %u", run_plain);
  cr_assert_leq(run_seeded, SPREAD_MAX, "seeded: a run of %u", run_seeded);
  csctp_hmap_free(&plain, &cnt.mem);
  csctp_hmap_free(&seeded, &cnt.mem);
  cr_assert_eq(cnt.live, 0);
}

/* A table that was only zeroed (calloc'ed inside its owner) hashes as an initialized one. */
Test(hash_flood, zeroed_map_is_an_initialized_one) {
  failing_mem_init(&cnt, 0);
  csctp_hmap z, init;
  memset(&z, 0, sizeof(z));
  csctp_hmap_init(&init);
  static uint32_t keys[N];
  for (int i = 0; i < N; i++) keys[i] = 5000u + (uint32_t)i; /* consecutive, as TSNs */
  uint32_t run_z = fill_map(&z, keys, N), run_init = fill_map(&init, keys, N);
  cr_assert_eq(run_z, run_init);
  cr_assert_leq(run_z, 4, "Fibonacci hashing spreads consecutive keys: a run of %u", run_z);
  csctp_hmap_free(&z, &cnt.mem);
  csctp_hmap_free(&init, &cnt.mem);
  cr_assert_eq(cnt.live, 0);
}

/* Seeding a table that holds keys would move their homes: refused, the table stays usable. */
Test(hash_flood, seed_only_while_empty) {
  failing_mem_init(&cnt, 0);
  csctp_hmap m;
  csctp_hmap_init(&m);
  static int v;
  cr_assert_eq(csctp_hmap_reserve(&m, &cnt.mem, 1), 0);
  csctp_hmap_put(&m, 42, &v);
  csctp_hmap_set_seed(&m, SEED);
  cr_assert_eq(m.mult, CSCTP_HMAP_GOLDEN);
  cr_assert_eq(csctp_hmap_get(&m, 42), &v);
  csctp_hmap_free(&m, &cnt.mem);
}

/* ---- ordered DATA messages waiting for their turn (stream << 16 | SSN) ---- */

static uint32_t ordered_key(uint32_t v, const void *ctx) {
  (void)ctx;
  return v; /* the key is the pair itself */
}

/* Adds N complete ordered messages whose (stream, SSN) collide publicly, SSN ahead of the next
 * expected (0) by 1 to 32767: none is deliverable. Returns the ordered map's longest run. */
static uint32_t flood_ordered(uint64_t seed) {
  static uint32_t pairs[N], cand[3 * N];
  int n = 0;
  colliding(ordered_key, NULL, 1u << 16, cand, 3 * N);
  for (int i = 0; i < 3 * N && n < N; i++)
    if ((cand[i] & 0xffff) != 0 && (cand[i] & 0xffff) < 0x8000) pairs[n++] = cand[i];
  cr_assert_eq(n, N);
  failing_mem_init(&cnt, 0);
  csctp_reasm r;
  cr_assert_eq(csctp_reasm_init(&r, &cnt.mem, 1 << 20), 0);
  if (seed) csctp_reasm_set_hash_seed(&r, seed);
  const uint8_t byte = 'x';
  for (int i = 0; i < N; i++) {
    csctp_data_chunk d = {CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E,
                          1000u + (uint32_t)i,
                          (uint16_t)(pairs[i] >> 16),
                          (uint16_t)pairs[i],
                          7,
                          &byte,
                          1};
    int rv = csctp_reasm_add(&r, &d);
    cr_assert_eq(rv, 0, "message %d (stream %u, SSN %u): %d", i, d.stream, d.ssn, rv);
  }
  const reasm_state *s = r.priv;
  cr_assert_eq(s->ordered.count, (uint32_t)N, "every message waits in the ordered map");
  cr_assert(!csctp_reasm_has_ready(&r), "none is deliverable");
  uint32_t run = csctp_hmap_longest_run(&s->ordered);
  csctp_reasm_free(&r);
  cr_assert_eq(cnt.live, 0);
  return run;
}

Test(hash_flood, ordered_messages_with_chosen_stream_and_ssn) {
  uint32_t run_plain = flood_ordered(0), run_seeded = flood_ordered(SEED);
  cr_assert_geq(run_plain, N, "the attack: one run of %u", run_plain);
  cr_assert_leq(run_seeded, SPREAD_MAX, "seeded: a run of %u", run_seeded);
}

/* ---- I-DATA: messages by (stream, U, MID), loose fragments by FSN ---- */

static uint32_t mid_key(uint32_t mid, const void *ctx) {
  (void)ctx;
  return ireasm_key(1, 1, mid);
}

/* N first fragments (B, not E) of unordered messages on stream 1 with publicly colliding MIDs:
 * each message stays open, keyed in the message map. Returns that map's longest run. */
static uint32_t flood_mids(uint64_t seed) {
  static uint32_t mids[N];
  colliding(mid_key, NULL, 0, mids, N);
  failing_mem_init(&cnt, 0);
  csctp_ireasm r;
  cr_assert_eq(csctp_ireasm_init(&r, &cnt.mem, 1 << 20), 0);
  r.hash_seed = seed;
  const uint8_t byte = 'x';
  for (int i = 0; i < N; i++) {
    csctp_idata_chunk d = {
        CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_U, 1000u + (uint32_t)i, 1, mids[i], 7, 0, &byte, 1};
    cr_assert_eq(csctp_ireasm_add(&r, &d), 0);
  }
  const ireasm_state *s = r.priv;
  cr_assert_eq(s->msgs.count, (uint32_t)N);
  uint32_t run = csctp_hmap_longest_run(&s->msgs);
  csctp_ireasm_free(&r);
  cr_assert_eq(cnt.live, 0);
  return run;
}

Test(hash_flood, idata_messages_with_chosen_mids) {
  uint32_t run_plain = flood_mids(0), run_seeded = flood_mids(SEED);
  cr_assert_geq(run_plain, N, "the attack: one run of %u", run_plain);
  cr_assert_leq(run_seeded, SPREAD_MAX, "seeded: a run of %u", run_seeded);
}

static uint32_t fsn_key(uint32_t fsn, const void *ctx) {
  const ireasm_msg *m = ctx;
  return ireasm_frag_key(m, fsn);
}

/* One message (stream 1, unordered, MID 9) whose first fragment is withheld, and N later
 * fragments with publicly colliding FSNs: each is loose, keyed in the fragment map. */
static uint32_t flood_fsns(uint64_t seed) {
  ireasm_msg key_of = {0};
  key_of.stream = 1;
  key_of.unordered = 1;
  key_of.mid = 9;
  static uint32_t fsns[N];
  colliding(fsn_key, &key_of, 1, fsns, N);
  failing_mem_init(&cnt, 0);
  csctp_ireasm r;
  cr_assert_eq(csctp_ireasm_init(&r, &cnt.mem, 1 << 24), 0);
  r.hash_seed = seed;
  const uint8_t byte = 'x';
  for (int i = 0; i < N; i++) {
    csctp_idata_chunk d = {CSCTP_DATA_FLAG_U, 1000u + (uint32_t)i, 1, 9, 0, fsns[i], &byte, 1};
    cr_assert_eq(csctp_ireasm_add(&r, &d), 0, "fragment %d (FSN %u)", i, fsns[i]);
  }
  const ireasm_state *s = r.priv;
  cr_assert_eq(s->frags.count, (uint32_t)N);
  uint32_t run = csctp_hmap_longest_run(&s->frags);
  csctp_ireasm_free(&r);
  cr_assert_eq(cnt.live, 0);
  return run;
}

Test(hash_flood, idata_fragments_with_chosen_fsns) {
  uint32_t run_plain = flood_fsns(0), run_seeded = flood_fsns(SEED);
  cr_assert_geq(run_plain, N, "the attack: one run of %u", run_plain);
  cr_assert_leq(run_seeded, SPREAD_MAX, "seeded: a run of %u", run_seeded);
}
