/* SPDX-License-Identifier: MIT */
/* A seeded pseudo-random generator for tests, tools and fuzzing (splitmix64). */
#ifndef CSCTP_TEST_PRNG_H
#define CSCTP_TEST_PRNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct csctp_prng {
  uint64_t s;
} csctp_prng;

static inline void csctp_prng_seed(csctp_prng *g, uint64_t seed) { g->s = seed; }

static inline uint64_t csctp_prng_next(csctp_prng *g) {
  uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Uniform in [0, n) (n > 0). */
static inline uint64_t csctp_prng_below(csctp_prng *g, uint64_t n) {
  return csctp_prng_next(g) % n;
}

/* 1 with probability p (0..1). */
static inline int csctp_prng_chance(csctp_prng *g, double p) {
  return (double)(csctp_prng_next(g) >> 11) * (1.0 / 9007199254740992.0) < p;
}

/* A csctp_rand_fn over a csctp_prng passed as user_data. */
static inline int csctp_prng_rand_fn(uint8_t *buf, size_t len, void *user_data) {
  csctp_prng *g = (csctp_prng *)user_data;
  for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)csctp_prng_next(g);
  return 0;
}

#endif
