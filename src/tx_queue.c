/* SPDX-License-Identifier: MIT */
/* The tx send buffer: messages, per-stream FIFOs, stream map (the scheduler: tx_sched.c). */
#include "tx_queue.h"

#include <string.h>

#include "copy.h"
#include "mem.h"
#include "tx_sched.h"

#define TXQ_MAP_INITIAL 8

static size_t txq_hash(uint16_t id, size_t cap) {
  /* Fibonacci hashing spreads consecutive ids (WebRTC uses 0, 2, 4, ...). */
  return (size_t)(((uint32_t)id * 2654435761u) >> 8) & (cap - 1);
}

void csctp_tx_queue_init(csctp_tx_queue *q, const csctp_mem *mem) {
  memset(q, 0, sizeof(*q));
  q->mem = mem;
  q->quantum = CSCTP_TX_QUANTUM_DEFAULT;
}

static size_t txq_free_spares(csctp_tx_queue *q) {
  size_t bytes = q->spare_bytes;
  while (q->spare) {
    csctp_tx_msg *n = q->spare->next;
    csctp_free(q->mem, q->spare);
    q->spare = n;
  }
  q->spare_bytes = 0;
  return bytes;
}

size_t csctp_tx_queue_trim(csctp_tx_queue *q) {
  size_t bytes = txq_free_spares(q);
  if (q->slab && !q->slab->live) {
    bytes += sizeof(*q->slab) + q->slab->cap;
    csctp_free(q->mem, q->slab);
    q->slab = NULL;
  }
  return bytes;
}

void csctp_tx_queue_free(csctp_tx_queue *q) {
  for (size_t i = 0; i < q->map_cap; i++) {
    csctp_tx_stream *st = q->map[i];
    if (!st) continue;
    csctp_tx_msg *m = st->head;
    while (m) {
      csctp_tx_msg *n = m->next;
      csctp_tx_msg_free(q, m);
      m = n;
    }
    csctp_free(q->mem, st);
  }
  csctp_free(q->mem, q->map);
  csctp_free(q->mem, q->slab);
  txq_free_spares(q);
  const csctp_mem *mem = q->mem;
  uint32_t quantum = q->quantum;
  size_t spare_limit = q->spare_limit;
  uint8_t kind = q->kind, scan = q->scan;
  csctp_tx_queue_init(q, mem);
  q->quantum = quantum;
  q->kind = kind;
  q->scan = scan;
  q->spare_limit = spare_limit;
}

csctp_tx_stream *csctp_tx_queue_find(const csctp_tx_queue *q, uint16_t id) {
  if (q->last && q->last->id == id) return q->last;
  if (!q->map_cap) return NULL;
  for (size_t i = txq_hash(id, q->map_cap);; i = (i + 1) & (q->map_cap - 1)) {
    csctp_tx_stream *st = q->map[i];
    if (!st) return NULL;
    if (st->id == id) return st;
  }
}

static void txq_map_insert(csctp_tx_stream **map, size_t cap, csctp_tx_stream *st) {
  size_t i = txq_hash(st->id, cap);
  while (map[i]) i = (i + 1) & (cap - 1);
  map[i] = st;
}

int csctp_tx_queue_stream_any(csctp_tx_queue *q, uint16_t id, csctp_tx_stream **out) {
  csctp_tx_stream *st = csctp_tx_queue_find(q, id);
  if (st) {
    q->last = st;
    *out = st;
    return 0;
  }
  st = csctp_calloc(q->mem, 1, sizeof(*st));
  if (!st) return CSCTP_ERR_NOMEM;
  /* Keep the load at most 1/2 so probes stay short. */
  if (2 * (q->n_streams + 1) > q->map_cap) {
    size_t cap = q->map_cap ? 2 * q->map_cap : TXQ_MAP_INITIAL;
    csctp_tx_stream **map = csctp_calloc(q->mem, cap, sizeof(*map));
    if (!map) {
      csctp_free(q->mem, st);
      return CSCTP_ERR_NOMEM;
    }
    for (size_t i = 0; i < q->map_cap; i++)
      if (q->map[i]) txq_map_insert(map, cap, q->map[i]);
    csctp_free(q->mem, q->map);
    q->map = map;
    q->map_cap = cap;
  }
  st->id = id;
  st->priority = CSCTP_TX_PRIORITY_DEFAULT;
  st->paused = q->pause_new ? 1 : 0;
  txq_map_insert(q->map, q->map_cap, st);
  q->n_streams++;
  q->last = st;
  *out = st;
  return 0;
}

/* Room for `size` bytes in the current slab, or in a new one (NULL on NOMEM). */
static csctp_tx_slab *txq_slab_room(csctp_tx_queue *q, size_t size) {
  csctp_tx_slab *sl = q->slab;
  if (sl && sl->used + size <= sl->cap) return sl;
  size_t cap = CSCTP_TX_SLAB_MIN;
  if (sl) {
    cap = sl->live && sl->cap < CSCTP_TX_SLAB_MAX ? sl->cap * 2 : sl->cap;
    if (!sl->live && size <= sl->cap) { /* empty: reuse it from its start */
      sl->used = 0;
      return sl;
    }
  }
  /* A small message with its header may exceed the smallest slab. */
  while (cap < size) cap *= 2;
  if (sl && !sl->live) { /* empty and too small: replace it */
    csctp_free(q->mem, sl);
    sl = q->slab = NULL;
  }
  csctp_tx_slab *n = csctp_malloc(q->mem, sizeof(*n) + cap);
  if (!n) return NULL;
  n->cap = cap;
  n->used = n->live = 0;
  q->slabs++;
  q->slab = n; /* the old one goes back to mem with its last message */
  return n;
}

csctp_tx_msg *csctp_tx_msg_new_any(csctp_tx_queue *q, const uint8_t *data, size_t len) {
  csctp_tx_msg *m;
  csctp_tx_slab *sl = NULL;
  uint32_t cap = 0; /* a message of its own allocation: what its data can hold */
  if (len <= CSCTP_TX_MSG_SMALL) {
    size_t size = (sizeof(*m) + len + 7) & ~(size_t)7;
    sl = txq_slab_room(q, size);
    if (!sl) return NULL;
    m = (csctp_tx_msg *)(void *)(sl->mem + sl->used);
    sl->used += size;
    sl->live++;
  } else if (q->spare && q->spare->cap >= len) {
    m = q->spare; /* the head: all spares are usually of the one size a sender uses */
    q->spare = m->next;
    q->spare_bytes -= m->cap;
    cap = m->cap;
  } else {
    m = csctp_malloc(q->mem, sizeof(*m) + len);
    if (!m) return NULL;
    cap = (uint32_t)len;
  }
  memset(m, 0, sizeof(*m));
  m->cap = cap;
  m->slab = sl;
  m->len = (uint32_t)len;
  csctp_copy(m->data, data, len);
  return m;
}

void csctp_tx_msg_free_any(csctp_tx_queue *q, csctp_tx_msg *m) {
  csctp_tx_slab *sl = m->slab;
  if (!sl) {
    if (q->n_msgs > 0 && q->spare_bytes + m->cap <= q->spare_limit) {
      m->next = q->spare;
      q->spare = m;
      q->spare_bytes += m->cap;
      return;
    }
    csctp_free(q->mem, m);
    if (q->n_msgs == 0) txq_free_spares(q);
    return;
  }
  /* its slab's last live message (csctp_tx_msg_free took it off live) */
  if (sl == q->slab)
    sl->used = 0; /* the current slab is reused from its start */
  else
    csctp_free(q->mem, sl);
}

/* Frees a stream's queued messages. Returns how many; adds their bytes to *bytes. */
static size_t txq_empty_stream(csctp_tx_queue *q, csctp_tx_stream *st, size_t *bytes) {
  size_t n = 0;
  csctp_tx_msg *m = st->head;
  while (m) {
    csctp_tx_msg *mn = m->next;
    /* I-DATA: the head may be in progress; its sent part left with the ring's records. */
    *bytes += m->len - m->sent;
    st->buffered -= m->len - m->sent;
    q->n_msgs--; /* first: the last one freed gives the spare back */
    csctp_tx_msg_free(q, m);
    n++;
    m = mn;
  }
  st->head = st->tail = NULL;
  st->n_queued = st->hold = 0;
  return n;
}

size_t csctp_tx_queue_drop(csctp_tx_queue *q, uint32_t min_stream, size_t *bytes) {
  size_t n = 0;
  /* Every stream, also paused ones off the lists (their held messages go too). */
  for (size_t i = 0; i < q->map_cap; i++)
    if (q->map[i] && q->map[i]->id >= min_stream) n += txq_empty_stream(q, q->map[i], bytes);
  csctp_tx_sched_replace(q); /* keeps the round-robin order and the deficits */
  return n;
}

void csctp_tx_queue_reset_ssn(csctp_tx_queue *q) {
  for (size_t i = 0; i < q->map_cap; i++)
    if (q->map[i]) {
      q->map[i]->next_ssn = 0;
      q->map[i]->next_mid = q->map[i]->next_umid = 0; /* RFC 8260 §2.3.2 */
    }
}

void csctp_tx_queue_pause(csctp_tx_queue *q, csctp_tx_stream *st) {
  if (st->paused) return;
  st->paused = 1;
  st->hold = st->n_queued;
  (void)q;
}

void csctp_tx_queue_unpause(csctp_tx_queue *q, csctp_tx_stream *st) {
  st->paused = 0;
  st->hold = 0;
  csctp_tx_queue_join(q, st);
}
