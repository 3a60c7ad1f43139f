/* SPDX-License-Identifier: MIT */
/* The tx send buffer: messages, per-stream FIFOs, stream map, deficit round-robin scheduler. */
#include "tx_queue.h"

#include <string.h>

#include "copy.h"
#include "mem.h"

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
  csctp_tx_queue_init(q, mem);
  q->quantum = quantum;
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

/* A stream may be handed out by the scheduler: it has a message that is not held by a pause. */
static int txq_eligible(const csctp_tx_stream *st) {
  return st->head && (!st->paused || st->hold > 0);
}

/* The stream's quantum: the queue's, weighted by priority / 256 (at least 1 byte). */
static uint64_t txq_quantum(const csctp_tx_queue *q, const csctp_tx_stream *st) {
  uint64_t v = ((uint64_t)q->quantum * st->priority) / CSCTP_TX_PRIORITY_DEFAULT;
  return v ? v : 1;
}

/* Rounds until a WAITING stream's head fits its deficit (>= 1). */
static uint64_t txq_rounds(const csctp_tx_queue *q, const csctp_tx_stream *st) {
  uint64_t qs = txq_quantum(q, st);
  return (st->head->len - st->deficit + qs - 1) / qs;
}

static void txq_append(csctp_tx_stream **head, csctp_tx_stream **tail, csctp_tx_stream *st) {
  st->rr_next = NULL;
  if (*tail)
    (*tail)->rr_next = st;
  else
    *head = st;
  *tail = st;
}

/* Puts an eligible stream on the list its deficit calls for. */
static void txq_place(csctp_tx_queue *q, csctp_tx_stream *st) {
  if (st->head->len <= st->deficit) {
    st->sched = CSCTP_TXS_READY;
    txq_append(&q->ready_head, &q->ready_tail, st);
    return;
  }
  st->sched = CSCTP_TXS_WAITING;
  txq_append(&q->wait_head, &q->wait_tail, st);
  /* Behind every other WAITING stream: it goes first only if it needs fewer rounds. */
  if (!q->wait_best || txq_rounds(q, st) < txq_rounds(q, q->wait_best)) q->wait_best = st;
}

/*
 * An IDLE stream that becomes eligible joins the current round with one
 * quantum, or with none if it had its quantum in this round already (so that
 * emptying and refilling does not buy extra turns). With nothing scheduled,
 * the round is over and a new one begins.
 */
static void txq_join(csctp_tx_queue *q, csctp_tx_stream *st) {
  if (st->sched != CSCTP_TXS_IDLE || !txq_eligible(st)) return;
  if (!q->ready_head && !q->wait_head) q->round++;
  st->deficit = st->round == q->round ? 0 : txq_quantum(q, st);
  st->round = q->round;
  txq_place(q, st);
}

static void txq_idle(csctp_tx_stream *st) {
  st->sched = CSCTP_TXS_IDLE;
  st->deficit = 0; /* DRR: a stream with nothing to send keeps no credit */
  st->rr_next = NULL;
}

/* The WAITING stream that fits first: fewest rounds, earliest on the list. O(WAITING). */
static void txq_find_best(csctp_tx_queue *q) {
  q->wait_best = NULL;
  uint64_t best = 0;
  for (csctp_tx_stream *st = q->wait_head; st; st = st->rr_next) {
    uint64_t r = txq_rounds(q, st);
    if (!q->wait_best || r < best) {
      q->wait_best = st;
      best = r;
    }
  }
}

/*
 * No stream is READY: the rounds until the best WAITING stream fits pass at
 * once, each WAITING stream gaining that many quanta; those that fit become
 * READY in WAITING order (the best is the first of them).
 */
static void txq_new_round(csctp_tx_queue *q) {
  uint64_t k = txq_rounds(q, q->wait_best);
  csctp_tx_stream *st = q->wait_head;
  q->wait_head = q->wait_tail = q->wait_best = NULL;
  q->round++;
  while (st) {
    csctp_tx_stream *next = st->rr_next;
    st->deficit += k * txq_quantum(q, st); /* k <= its rounds: no overflow */
    st->round = q->round;
    txq_place(q, st);
    st = next;
  }
}

void csctp_tx_queue_join(csctp_tx_queue *q, csctp_tx_stream *st) { txq_join(q, st); }

csctp_tx_msg *csctp_tx_queue_pop_any(csctp_tx_queue *q) {
  if (!q->ready_head) {
    if (!q->wait_best) return NULL;
    txq_new_round(q);
  }
  csctp_tx_stream *st = q->ready_head;
  csctp_tx_msg *m = st->head;
  st->head = m->next;
  if (!st->head) st->tail = NULL;
  m->next = NULL;
  q->n_msgs--;
  st->n_queued--;
  if (st->paused && st->hold) st->hold--;
  st->deficit -= m->len;
  int more = txq_eligible(st);
  if (more && st->head->len <= st->deficit) {
    /* Still READY: one message per turn, to the back (where it is already when alone). */
    if (st != q->ready_tail) {
      q->ready_head = st->rr_next;
      st->rr_next = NULL;
      q->ready_tail->rr_next = st;
      q->ready_tail = st;
    }
    return m;
  }
  q->ready_head = st->rr_next;
  if (!q->ready_head) q->ready_tail = NULL;
  if (more)
    txq_place(q, st); /* WAITING */
  else
    txq_idle(st);
  return m;
}

void csctp_tx_queue_set_quantum(csctp_tx_queue *q, uint32_t quantum) {
  q->quantum = quantum ? quantum : CSCTP_TX_QUANTUM_DEFAULT;
  txq_find_best(q);
}

void csctp_tx_queue_set_priority(csctp_tx_queue *q, csctp_tx_stream *st, uint16_t priority) {
  st->priority = priority ? priority : 1;
  if (st->sched == CSCTP_TXS_WAITING) txq_find_best(q);
}

/* Frees a stream's queued messages. Returns how many; adds their bytes to *bytes. */
static size_t txq_empty_stream(csctp_tx_queue *q, csctp_tx_stream *st, size_t *bytes) {
  size_t n = 0;
  csctp_tx_msg *m = st->head;
  while (m) {
    csctp_tx_msg *mn = m->next;
    *bytes += m->len;
    st->buffered -= m->len;
    q->n_msgs--; /* first: the last one freed gives the spare back */
    csctp_tx_msg_free(q, m);
    n++;
    m = mn;
  }
  st->head = st->tail = NULL;
  st->n_queued = st->hold = 0;
  return n;
}

/* Keeps the streams of a list that are still eligible, in order, on the list each needs. */
static void txq_replace_list(csctp_tx_queue *q, csctp_tx_stream *st) {
  while (st) {
    csctp_tx_stream *next = st->rr_next;
    if (txq_eligible(st))
      txq_place(q, st);
    else
      txq_idle(st);
    st = next;
  }
}

size_t csctp_tx_queue_drop(csctp_tx_queue *q, uint32_t min_stream, size_t *bytes) {
  size_t n = 0;
  /* Every stream, also paused ones off the lists (their held messages go too). */
  for (size_t i = 0; i < q->map_cap; i++)
    if (q->map[i] && q->map[i]->id >= min_stream) n += txq_empty_stream(q, q->map[i], bytes);
  csctp_tx_stream *ready = q->ready_head, *wait = q->wait_head;
  q->ready_head = q->ready_tail = q->wait_head = q->wait_tail = q->wait_best = NULL;
  txq_replace_list(q, ready); /* keeps the round-robin order and the deficits */
  txq_replace_list(q, wait);
  return n;
}

void csctp_tx_queue_reset_ssn(csctp_tx_queue *q) {
  for (size_t i = 0; i < q->map_cap; i++)
    if (q->map[i]) q->map[i]->next_ssn = 0;
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
  txq_join(q, st);
}
