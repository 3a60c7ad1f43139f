/* SPDX-License-Identifier: MIT */
/*
 * Interleaved reassembly (ireasm.c), what leaves it other than by delivery: messages a
 * peer abandoned (I-FORWARD-TSN, RFC 8260 §2.3.1), streams reset (RFC 6525 with §2.3.2),
 * and the memory: clearing, trimming, freeing, what is held.
 */
#include <string.h>

#include "ireasm.h"
#include "ireasm_priv.h"
#include "mem.h"

/* ---- dropping ---- */

static void ireasm_free_chain(csctp_ireasm *r, ireasm_state *s, csctp_reasm_frag *f) {
  for (csctp_reasm_frag *next; f; f = next) {
    next = f->next;
    r->bytes -= f->len;
    s->n_frags--;
    csctp_reasm_pool_put(&s->pool, f);
  }
}

/* Drops an incomplete message (the ABORTED notice follows when it was in pieces). */
static void ireasm_drop_msg(csctp_ireasm *r, ireasm_state *s, ireasm_stream *st, ireasm_msg *m) {
  ireasm_free_chain(r, s, m->head);
  for (csctp_reasm_frag *f = m->loose; f; f = f->next) {
    uint32_t key = ireasm_frag_key(m, f->tsn), pos = CSCTP_HMAP_END;
    while (csctp_hmap_next(&s->frags, key, &pos) != CSCTP_HMAP_END)
      if (s->frags.slots[pos].val == f) {
        csctp_hmap_del_at(&s->frags, pos);
        break;
      }
  }
  ireasm_free_chain(r, s, m->loose);
  if (m->pd) { /* the stream stays held until pop has handed out the notice */
    s->pd_aborted = 1;
    s->pd_ab_unordered = m->unordered;
    s->pd_msg = NULL;
  }
  csctp_ireasm_msg_release(s, st, m);
}

/* Sorts a list of headers (linked by next) by MID from `base` on (merge sort, no memory). */
static ireasm_msg *ireasm_sort(ireasm_msg *l, uint32_t base) {
  if (!l || !l->next) return l;
  ireasm_msg *a = NULL, *b = NULL;
  for (int k = 0; l; k ^= 1) {
    ireasm_msg *n = l->next;
    if (k) {
      l->next = b;
      b = l;
    } else {
      l->next = a;
      a = l;
    }
    l = n;
  }
  a = ireasm_sort(a, base);
  b = ireasm_sort(b, base);
  ireasm_msg head = {0}, *t = &head;
  while (a && b) {
    if (a->mid - base <= b->mid - base) {
      t->next = a;
      a = a->next;
    } else {
      t->next = b;
      b = b->next;
    }
    t = t->next;
  }
  t->next = a ? a : b;
  return head.next;
}

int csctp_ireasm_skip(csctp_ireasm *r, uint16_t stream, int unordered, uint32_t mid) {
  ireasm_state *s = csctp_ireasm_state_get(r);
  if (!s) return CSCTP_ERR_NOMEM;
  ireasm_stream *st = csctp_ireasm_stream_get(r, s, stream);
  if (!st) return CSCTP_ERR_NOMEM;
  if (unordered) { /* §2.3.1: that message; a complete one was queued already */
    ireasm_msg *m = st->n_open ? csctp_ireasm_msg_find(s, stream, 1, mid) : NULL;
    if (m && !m->complete) ireasm_drop_msg(r, s, st, m);
    return 0;
  }
  if (ireasm_mid_lt(mid, st->next_mid)) return 0; /* behind: already past it */
  /* The ordered headers of the stream with MIDs in [next_mid, mid]: by walking the MIDs when
   * the range is short, else by scanning the index. */
  uint32_t base = st->next_mid, span = mid - base + 1; /* <= 2^31 */
  ireasm_msg *list = NULL;
  if (st->n_ord && span <= 4u * st->n_ord + 64) {
    ireasm_msg *tail = NULL;
    uint32_t found = 0;
    for (uint32_t k = 0; k < span && found < st->n_ord; k++) {
      ireasm_msg *m = csctp_ireasm_msg_find(s, stream, 0, base + k);
      if (!m) continue;
      found++;
      m->next = NULL;
      if (tail)
        tail->next = m;
      else
        list = m;
      tail = m;
    }
  } else if (st->n_ord) {
    for (uint32_t i = 0; i < s->msgs.cap; i++) {
      ireasm_msg *m = s->msgs.slots[i].val;
      if (!m || m->stream != stream || m->unordered || m->mid - base >= span) continue;
      m->next = list;
      list = m;
    }
    list = ireasm_sort(list, base);
  }
  while (list) {
    ireasm_msg *m = list;
    list = m->next;
    if (m->complete)
      csctp_ireasm_queue(st, csctp_ireasm_take(s, st, m)); /* delivered in MID order */
    else
      ireasm_drop_msg(r, s, st, m);
  }
  st->next_mid = mid + 1;
  csctp_ireasm_ord_check(s, st);
  if (st->uhead || st->ord_ready) csctp_ireasm_make_ready(s, st);
  return 0;
}

static int ireasm_stream_busy(const ireasm_stream *st) { return st && (st->n_open || st->uhead); }

int csctp_ireasm_reset_streams(csctp_ireasm *r, const uint16_t *ids, size_t n) {
  ireasm_state *s = r->priv;
  if (!s) return 0;
  if (n == 0) {
    for (uint32_t i = 0; i < s->streams.cap; i++)
      if (ireasm_stream_busy(s->streams.slots[i].val)) return CSCTP_ERR_INVALID_STATE;
    for (uint32_t i = 0; i < s->streams.cap; i++) {
      ireasm_stream *st = s->streams.slots[i].val;
      if (st) st->next_mid = 0, st->ord_ready = 0;
    }
    return 0;
  }
  for (size_t i = 0; i < n; i++)
    if (ireasm_stream_busy(ireasm_stream_find(s, ids[i]))) return CSCTP_ERR_INVALID_STATE;
  for (size_t i = 0; i < n; i++) {
    ireasm_stream *st = ireasm_stream_find(s, ids[i]);
    if (st) st->next_mid = 0, st->ord_ready = 0;
  }
  return 0;
}

/* ---- memory ---- */

static void ireasm_drop_all(csctp_ireasm *r) {
  ireasm_state *s = r->priv;
  for (uint32_t i = 0; i < s->msgs.cap; i++) {
    ireasm_msg *m = s->msgs.slots[i].val;
    if (!m) continue;
    ireasm_free_chain(r, s, m->head);
    ireasm_free_chain(r, s, m->loose);
    csctp_ireasm_hdr_put(s, m);
  }
  csctp_hmap_reset(&s->msgs);
  csctp_hmap_reset(&s->frags);
  for (uint32_t i = 0; i < s->streams.cap; i++) {
    ireasm_stream *st = s->streams.slots[i].val;
    if (!st) continue;
    for (csctp_reasm_frag *f = st->uhead, *next; f; f = next) {
      next = f->msg_next;
      ireasm_free_chain(r, s, f);
    }
    csctp_free(r->mem, st);
  }
  csctp_hmap_reset(&s->streams);
  if (s->popped_node) csctp_reasm_pool_put(&s->pool, s->popped_node);
  s->popped_node = NULL;
  s->popped_bytes = 0;
  s->last_st = NULL;
  s->ready_head = s->ready_tail = NULL;
  s->begun_head = s->begun_tail = NULL;
  s->pd_msg = NULL;
  s->pd_st = NULL;
  s->pd_aborted = 0;
  s->n_open = 0;
  s->n_frags = 0;
  r->bytes = 0;
}

void csctp_ireasm_clear(csctp_ireasm *r) {
  if (r->priv) ireasm_drop_all(r);
}

size_t csctp_ireasm_trim(csctp_ireasm *r) {
  ireasm_state *s = r->priv;
  if (!s) return 0;
  size_t bytes = s->pool.free_bytes + s->n_hdr_free * sizeof(ireasm_msg);
  csctp_reasm_pool_free(&s->pool); /* its free lists only */
  while (s->hdr_free) {
    ireasm_msg *m = s->hdr_free;
    s->hdr_free = m->next;
    csctp_free(r->mem, m);
  }
  s->n_hdr -= s->n_hdr_free;
  s->n_hdr_free = 0;
  if (s->dbuf && !s->popped_bytes) {
    bytes += s->dbuf_cap;
    csctp_free(r->mem, s->dbuf);
    s->dbuf = NULL;
    s->dbuf_cap = 0;
  }
  return bytes;
}

void csctp_ireasm_free(csctp_ireasm *r) {
  ireasm_state *s = r->priv;
  if (!s) return;
  ireasm_drop_all(r);
  csctp_ireasm_trim(r);
  csctp_free(r->mem, s->dbuf);
  csctp_hmap_free(&s->streams, r->mem);
  csctp_hmap_free(&s->msgs, r->mem);
  csctp_hmap_free(&s->frags, r->mem);
  csctp_free(r->mem, s);
  r->priv = NULL;
}

size_t csctp_ireasm_held(const csctp_ireasm *r) {
  const ireasm_state *s = r->priv;
  if (!s) return 0;
  return (s->pool.mem_bytes - s->pool.free_bytes) +
         (s->n_hdr - s->n_hdr_free) * sizeof(ireasm_msg) +
         (size_t)(s->msgs.count + s->frags.count) * 2 * sizeof(csctp_hmap_slot);
}

void csctp_ireasm_get_stats(const csctp_ireasm *r, csctp_reasm_stats *out) {
  const ireasm_state *s = r->priv;
  memset(out, 0, sizeof(*out));
  if (!s) return;
  out->fragments = s->n_frags;
  out->streams = s->streams.count;
  out->nodes = s->pool.n_nodes;
  out->nodes_free = s->pool.n_free;
  out->node_allocs = s->pool.node_allocs;
  out->big_allocs = s->pool.big_allocs;
  out->mem_bytes = s->pool.mem_bytes + s->n_hdr * sizeof(ireasm_msg);
}

size_t csctp_ireasm_open_msgs(const csctp_ireasm *r, size_t *peak) {
  const ireasm_state *s = r->priv;
  if (peak) *peak = s ? s->open_peak : 0;
  return s ? s->n_open : 0;
}
