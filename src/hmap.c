/* SPDX-License-Identifier: MIT */
/* The open-addressing hash table shared by the reassembly and the endpoint (hmap.h). */
#include "hmap.h"

#include <csctp/sctp.h>
#include <string.h>

void csctp_hmap_init(csctp_hmap *m) {
  memset(m, 0, sizeof(*m));
  m->mult = CSCTP_HMAP_GOLDEN;
}

void csctp_hmap_set_seed(csctp_hmap *m, uint64_t seed) {
  if (m->count) return; /* the homes of stored keys would change */
  m->mult = seed ? seed | 1 : CSCTP_HMAP_GOLDEN;
}

uint32_t csctp_hmap_longest_run(const csctp_hmap *m) {
  if (!m->count) return 0;
  uint32_t start = 0; /* an empty slot to start from: the load is at most 1/2 */
  while (m->slots[start].val) start++;
  uint32_t run = 0, longest = 0;
  for (uint32_t k = 1; k <= m->cap; k++) {
    run = m->slots[(start + k) & (m->cap - 1)].val ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return longest;
}

void csctp_hmap_free(csctp_hmap *m, const csctp_mem *mem) {
  uint64_t mult = m->mult;
  csctp_free(mem, m->slots);
  memset(m, 0, sizeof(*m));
  m->mult = mult;
}

void csctp_hmap_reset(csctp_hmap *m) {
  if (m->slots) memset(m->slots, 0, (size_t)m->cap * sizeof(m->slots[0]));
  m->count = 0;
}

static void hmap_insert(csctp_hmap_slot *slots, uint32_t mask, uint64_t mult, uint32_t shift,
                        uint32_t key, void *val) {
  uint32_t i = (uint32_t)(((uint64_t)key * mult) >> shift);
  while (slots[i].val) i = (i + 1) & mask;
  slots[i].key = key;
  slots[i].val = val;
}

int csctp_hmap_reserve(csctp_hmap *m, const csctp_mem *mem, uint32_t total) {
  if (!m->mult) m->mult = CSCTP_HMAP_GOLDEN; /* a zeroed map (calloc) is an initialized one */
  uint64_t need = (uint64_t)total * 2;
  if (m->cap && need <= m->cap) return 0;
  uint32_t bits = 4;
  while (((uint64_t)1 << bits) < need) bits++;
  if (bits > 31) return CSCTP_ERR_NOMEM;
  uint32_t cap = (uint32_t)1 << bits;
  csctp_hmap_slot *slots = csctp_calloc(mem, cap, sizeof(*slots));
  if (!slots) return CSCTP_ERR_NOMEM;
  for (uint32_t i = 0; i < m->cap; i++)
    if (m->slots[i].val)
      hmap_insert(slots, cap - 1, m->mult, 64 - bits, m->slots[i].key, m->slots[i].val);
  csctp_free(mem, m->slots);
  m->slots = slots;
  m->cap = cap;
  m->shift = 64 - bits;
  return 0;
}

void csctp_hmap_put(csctp_hmap *m, uint32_t key, void *val) {
  hmap_insert(m->slots, m->cap - 1, m->mult, m->shift, key, val);
  m->count++;
}

void csctp_hmap_del_at(csctp_hmap *m, uint32_t i) {
  uint32_t mask = m->cap - 1;
  /* Backward-shift deletion keeps linear probing correct without tombstones. */
  uint32_t j = i;
  for (;;) {
    j = (j + 1) & mask;
    if (!m->slots[j].val) break;
    uint32_t home = csctp_hmap_home(m, m->slots[j].key);
    /* Entry j may move to the hole at i unless its home lies cyclically in (i, j]. */
    int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (stays) continue;
    m->slots[i] = m->slots[j];
    i = j;
  }
  m->slots[i].val = NULL;
  m->count--;
}
