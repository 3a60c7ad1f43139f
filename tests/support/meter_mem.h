/* SPDX-License-Identifier: MIT */
/*
 * csctp_mem hooks that measure what is live and its peak, in bytes, for the
 * tests that bound the memory a peer can make csctp hold. Each block keeps its
 * size in front of it; freed memory is filled with 0xdd first, so a later read
 * of it shows (a use after free that no crash reveals).
 */
#ifndef CSCTP_TEST_METER_MEM_H
#define CSCTP_TEST_METER_MEM_H

#include <csctp/common.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct meter_mem {
  csctp_mem mem; /* hand &mem to the code under test */
  size_t live, peak;
} meter_mem;

#define METER_HDR 16 /* the block's size, keeping 16-byte alignment */

static inline void *meter_note(meter_mem *m, uint8_t *p, size_t n) {
  if (!p) return NULL;
  memcpy(p, &n, sizeof(n));
  m->live += n;
  if (m->live > m->peak) m->peak = m->live;
  return p + METER_HDR;
}

static inline void *meter_malloc(size_t n, void *u) {
  return meter_note(u, malloc(n + METER_HDR), n);
}

static inline void *meter_calloc(size_t k, size_t n, void *u) {
  if (n && k > (SIZE_MAX - METER_HDR) / n) return NULL;
  return meter_note(u, calloc(1, k * n + METER_HDR), k * n);
}

static inline void meter_free(void *p, void *u) {
  if (!p) return;
  meter_mem *m = u;
  uint8_t *b = (uint8_t *)p - METER_HDR;
  size_t n;
  memcpy(&n, b, sizeof(n));
  m->live -= n;
  memset(b + METER_HDR, 0xdd, n);
  free(b);
}

static inline void *meter_realloc(void *p, size_t n, void *u) {
  meter_mem *m = u;
  if (!p) return meter_malloc(n, u);
  uint8_t *b = (uint8_t *)p - METER_HDR;
  size_t old;
  memcpy(&old, b, sizeof(old));
  uint8_t *q = realloc(b, n + METER_HDR);
  if (!q) return NULL;
  m->live -= old;
  return meter_note(m, q, n);
}

/* Zeroes the counters and sets the hooks. */
static inline void meter_mem_init(meter_mem *m) {
  memset(m, 0, sizeof(*m));
  m->mem = (csctp_mem){m, meter_malloc, meter_free, meter_calloc, meter_realloc};
}

#endif
