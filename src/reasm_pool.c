/* SPDX-License-Identifier: MIT */
/*
 * Fragment node pool used by reassembly (its maps are the shared hash table,
 * hmap.c). Nodes are recycled through free lists, so steady-state reception
 * allocates nothing.
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
