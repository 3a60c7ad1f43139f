/* SPDX-License-Identifier: MIT */
/*
 * Reassembly and delivery (RFC 9260 §6.5, §6.6, §6.9).
 *
 * Every held fragment is indexed by TSN. Because the fragments of a message
 * carry strictly consecutive TSNs (§6.9), a new fragment can only join the
 * runs ending at tsn - 1 and starting at tsn + 1: two lookups, O(1) per
 * chunk whatever the arrival order. A run from a B to an E fragment is a
 * complete message. Complete unordered messages queue on their stream;
 * complete ordered ones are indexed by (stream, SSN) and a stream is ready
 * when the message with its expected SSN is complete. Ready streams are
 * served round-robin from a FIFO.
 *
 * Fast path: a single-chunk message (B and E) arriving while no fragment is
 * held, and, when ordered, carrying its stream's expected SSN, is complete
 * and next in line: it goes straight onto its stream's hand-out queue
 * (marked REASM_DIRECT, not indexed by TSN) and the expected SSN advances.
 * The TSN tracker has already rejected duplicates, and with nothing held
 * there are no neighbours to check it against.
 */
#include "reasm.h"

#include <string.h>

#include "mem.h"
#include "packet.h"
#include "reasm_priv.h"

static void reasm_drop_run(csctp_reasm *r, csctp_reasm_frag *start);
static void reasm_flush_ordered(reasm_state *s, csctp_reasm_stream *st, uint16_t ssn);

static uint32_t reasm_ord_key(uint16_t stream, uint16_t ssn) {
  return (uint32_t)stream << 16 | ssn;
}

int csctp_reasm_init(csctp_reasm *r, const csctp_mem *mem, uint32_t max_message_size) {
  memset(r, 0, sizeof(*r));
  reasm_state *s = csctp_calloc(mem, 1, sizeof(*s));
  if (!s) return CSCTP_ERR_NOMEM;
  csctp_reasm_pool_init(&s->pool, mem);
  csctp_reasm_map_init(&s->frags);
  csctp_reasm_map_init(&s->streams);
  csctp_reasm_map_init(&s->ordered);
  r->mem = mem;
  r->max_message_size = max_message_size;
  r->priv = s;
  return 0;
}

/* Drops all fragments, messages and streams; keeps pool nodes and map capacity. */
static void reasm_drop_all(csctp_reasm *r) {
  reasm_state *s = r->priv;
  csctp_reasm_asm_drop(r);
  /* Fast-path messages first: they are only on their streams' queues (the map's nodes after). */
  for (uint32_t i = 0; i < s->streams.cap; i++) {
    csctp_reasm_stream *st = s->streams.slots[i].val;
    for (csctp_reasm_frag *f = st ? st->uhead : NULL, *next; f; f = next) {
      next = f->msg_next;
      if (f->flags & REASM_ABUF) csctp_reasm_asm_recycle(s, f);
      if (f->flags & REASM_DIRECT) csctp_reasm_pool_put(&s->pool, f);
    }
  }
  s->n_direct = 0;
  s->have_direct = 0;
  s->last_st = NULL;
  s->pd_st = NULL;
  s->pd_aborted = 0;
  csctp_reasm_map *m = &s->frags;
  for (uint32_t i = 0; i < m->cap; i++)
    if (m->slots[i].val) csctp_reasm_pool_put(&s->pool, m->slots[i].val);
  csctp_reasm_map_reset(m);
  m = &s->streams;
  for (uint32_t i = 0; i < m->cap; i++)
    if (m->slots[i].val) csctp_free(r->mem, m->slots[i].val);
  csctp_reasm_map_reset(m);
  csctp_reasm_map_reset(&s->ordered);
  if (s->popped_node) {
    if (s->popped_node->flags & REASM_ABUF) csctp_reasm_asm_recycle(s, s->popped_node);
    csctp_reasm_pool_put(&s->pool, s->popped_node);
  }
  s->popped_node = NULL;
  s->popped_bytes = 0;
  s->ready_head = s->ready_tail = NULL;
  r->bytes = 0;
}

size_t csctp_reasm_held(const csctp_reasm *r) {
  const reasm_state *s = r->priv;
  /* The open assembly counts what it holds, not the room reserved ahead (at most one
   * message's worth, max_message_size): charged for its room, a message would close the
   * window at half its size. */
  size_t ahead = s->as.open ? s->as.cap - s->as.len : 0;
  return (s->pool.mem_bytes - s->pool.free_bytes) + (s->as.mem - s->as.spare_mem - ahead);
}

void csctp_reasm_clear(csctp_reasm *r) {
  if (r->priv) reasm_drop_all(r);
}

void csctp_reasm_free(csctp_reasm *r) {
  reasm_state *s = r->priv;
  if (!s) return;
  reasm_drop_all(r);
  csctp_reasm_asm_free(r);
  csctp_reasm_pool_free(&s->pool);
  csctp_reasm_map_free(&s->frags, r->mem);
  csctp_reasm_map_free(&s->streams, r->mem);
  csctp_reasm_map_free(&s->ordered, r->mem);
  csctp_free(r->mem, s->dbuf);
  csctp_free(r->mem, s);
  r->priv = NULL;
}

/*
 * Checks how `d` fits between its TSN neighbours `left` (tsn - 1, the end of
 * a run) and `right` (tsn + 1, the start of a run): 0 with *join_* set, or
 * MALFORMED when a neighbour says the message boundary is elsewhere. A
 * fragment without E next to a B is accepted unjoined: under partial
 * reliability the sender may stop a message part way (RFC 3758).
 */
static int reasm_fit(const csctp_reasm_frag *left, const csctp_reasm_frag *right,
                     const csctp_data_chunk *d, int *join_left, int *join_right) {
  *join_left = *join_right = 0;
  if (left) {
    int left_ends = (left->flags & FLAG_E) != 0, begins = (d->flags & FLAG_B) != 0;
    /* A message cut short (abandoned, RFC 3758) may be followed by a B: no join, the
     * FORWARD TSN drops it. An E followed by a non-B cannot happen. */
    if (left_ends && !begins) return CSCTP_ERR_MALFORMED;
    if (!begins && !left_ends) {
      if (!csctp_reasm_same_msg(left, d)) return CSCTP_ERR_MALFORMED;
      *join_left = 1;
    }
  }
  if (right) {
    int ends = (d->flags & FLAG_E) != 0, right_begins = (right->flags & FLAG_B) != 0;
    if (ends && !right_begins) return CSCTP_ERR_MALFORMED;
    if (!ends && !right_begins) {
      if (!csctp_reasm_same_msg(right, d)) return CSCTP_ERR_MALFORMED;
      *join_right = 1;
    }
  }
  return 0;
}

static csctp_reasm_stream *reasm_stream_any(reasm_state *s, uint16_t id) {
  csctp_reasm_stream *st = csctp_reasm_map_get(&s->streams, id);
  if (st) s->last_st = st;
  return st;
}

/* The stream `id` (NULL when it has no state); the one asked for last is answered inline. */
static inline csctp_reasm_stream *reasm_stream(reasm_state *s, uint16_t id) {
  if (s->last_st && s->last_st->id == id) return s->last_st;
  return reasm_stream_any(s, id);
}

/* The stream's state, created on its first fragment (NULL on allocation failure). */
static csctp_reasm_stream *reasm_stream_get_or_new(csctp_reasm *r, uint16_t id) {
  reasm_state *s = r->priv;
  csctp_reasm_stream *st = reasm_stream(s, id);
  if (st) return st;
  if (csctp_reasm_map_reserve(&s->streams, r->mem, 1) != 0) return NULL;
  st = csctp_calloc(r->mem, 1, sizeof(*st));
  if (!st) return NULL;
  st->id = id;
  csctp_reasm_map_put(&s->streams, id, st);
  return st;
}

void csctp_reasm_set_partial(csctp_reasm *r, uint32_t point) {
  reasm_state *s = r->priv;
  s->pd_point = point;
}

void csctp_reasm_set_hash_seed(csctp_reasm *r, uint64_t seed) {
  reasm_state *s = r->priv;
  /* TSNs keep Fibonacci hashing: they are consecutive, and the window bounds them. */
  csctp_hmap_set_seed(&s->streams, csctp_hmap_subseed(seed, 0));
  csctp_hmap_set_seed(&s->ordered, csctp_hmap_subseed(seed, 1));
}

void csctp_reasm_pd_end(reasm_state *s, csctp_reasm_stream *st, int aborted, int unordered) {
  if (aborted) { /* the stream stays held until pop has handed out the notice */
    s->pd_aborted = 1;
    s->pd_aborted_unordered = (uint8_t)(unordered != 0);
    return;
  }
  st->in_ready = 0; /* held no more (see csctp_reasm_hold) */
  s->pd_st = NULL;
  /* What the stream completed meanwhile may go now (after the last piece, queued first). */
  if (st->uhead || st->ord_ready) csctp_reasm_make_ready(s, st);
}

/* Hands out the notice that the message in pieces was abandoned, and frees its stream. */
static int reasm_pop_aborted(reasm_state *s, csctp_rx_msg *msg) {
  csctp_reasm_stream *st = s->pd_st;
  s->pd_aborted = 0;
  memset(msg, 0, sizeof(*msg));
  msg->stream = st->id;
  msg->unordered = s->pd_aborted_unordered;
  msg->flags = CSCTP_MSG_ABORTED;
  st->in_ready = 0; /* held no more (see csctp_reasm_hold) */
  s->pd_st = NULL;
  if (st->uhead || st->ord_ready) csctp_reasm_make_ready(s, st);
  return 1;
}

static void reasm_complete(reasm_state *s, csctp_reasm_stream *st, csctp_reasm_frag *start) {
  if (start->flags & REASM_PD) {
    /* The rest of a message in pieces: its last piece, before anything else of the stream. */
    start->msg_next = st->uhead;
    st->uhead = start;
    if (!st->utail) st->utail = start;
    if (!(start->flags & FLAG_U)) {
      st->next_ssn++; /* handed to the queue in order: wraps (§3.3.1) */
      st->ord_ready = csctp_reasm_map_get(&s->ordered, reasm_ord_key(st->id, st->next_ssn)) != NULL;
    }
    csctp_reasm_pd_end(s, st, 0, start->flags & FLAG_U);
    return;
  }
  if (start->flags & FLAG_U) {
    start->msg_next = NULL;
    if (st->utail)
      st->utail->msg_next = start;
    else
      st->uhead = start;
    st->utail = start;
    csctp_reasm_make_ready(s, st);
    return;
  }
  csctp_reasm_map_put(&s->ordered, reasm_ord_key(st->id, start->ssn), start);
  st->n_ord++;
  if (start->ssn == st->next_ssn) {
    st->ord_ready = 1;
    csctp_reasm_make_ready(s, st);
  }
}

/* The fast path (see the top of the file): `st` exists, nothing is held. Returns 0 or NOMEM. */
static inline __attribute__((always_inline)) int reasm_add_direct(csctp_reasm *r,
                                                                  csctp_reasm_stream *st,
                                                                  const csctp_data_chunk *d) {
  reasm_state *s = r->priv;
  csctp_reasm_frag *f = csctp_reasm_pool_get(&s->pool, d->len);
  if (!f) return CSCTP_ERR_NOMEM;
  csctp_copy(f->data, d->data, d->len);
  f->len = (uint32_t)d->len;
  f->tsn = d->tsn;
  f->ppid = d->ppid;
  f->stream = d->stream;
  f->ssn = d->ssn;
  f->flags = (uint8_t)((d->flags & (FLAG_B | FLAG_E | FLAG_U)) | REASM_DIRECT);
  f->other = f;
  f->run_bytes = d->len;
  f->msg_next = NULL;
  if (st->utail)
    st->utail->msg_next = f;
  else
    st->uhead = f;
  st->utail = f;
  if (!(d->flags & FLAG_U)) st->next_ssn++; /* handed to the queue in order: wraps (§3.3.1) */
  st->n_frags++;
  s->n_direct++;
  s->direct_tsn = d->tsn;
  s->have_direct = 1;
  r->bytes += d->len;
  csctp_reasm_make_ready(s, st);
  return 0;
}

/*
 * A message begins at `tsn` right after one whose end never came: the sender
 * stopped that one part way (RFC 3758 abandonment) and, its fragments having
 * consecutive TSNs, it can never complete. It is dropped now (with the
 * ABORTED notice when it was in pieces) rather than held until a FORWARD TSN
 * that may never come (its TSNs may all have arrived).
 */
static void reasm_drop_stopped(csctp_reasm *r, csctp_tsn tsn) {
  reasm_state *s = r->priv;
  csctp_reasm_stream *st;
  uint16_t ssn;
  if (s->as.open && s->as.last == tsn - 1) {
    st = s->as.st;
    ssn = s->as.ssn;
    int ordered = !s->as.unordered;
    csctp_reasm_asm_drop(r);
    if (!ordered) return;
  } else {
    csctp_reasm_frag *left = s->frags.count ? csctp_reasm_map_get(&s->frags, tsn - 1) : NULL;
    if (!left || (left->flags & FLAG_E)) return;
    csctp_reasm_frag *start = left->other;
    int ordered = !(start->flags & FLAG_U) && (start->flags & FLAG_B);
    st = reasm_stream(s, start->stream);
    ssn = start->ssn;
    reasm_drop_run(r, start);
    if (!ordered || !st) return;
  }
  /* The stream's next message was the stopped one: the ones after it may flow (as a
   * FORWARD TSN's skip would do; a FORWARD TSN for it may well be out of date). */
  if (ssn == st->next_ssn) reasm_flush_ordered(s, st, ssn);
}

/* The general case of csctp_reasm_add (out of line, so that the common cases save few
 * registers); `st` is the chunk's stream, NULL when it has no state yet. */
__attribute__((noinline)) static int reasm_add_any(csctp_reasm *r, csctp_reasm_stream *st,
                                                   const csctp_data_chunk *d) {
  reasm_state *s = r->priv;
  int rc;
  int ordered = !(d->flags & FLAG_U);
  /*
   * An ordered fragment whose SSN is behind the expected one belongs to a
   * message already delivered: holding it would leak it forever.
   */
  uint16_t next_ssn = st ? st->next_ssn : 0;
  if (ordered && csctp_ssn_lt(d->ssn, next_ssn)) return CSCTP_ERR_MALFORMED;
  /* Two messages with one SSN: this one and the one being assembled, or in pieces. */
  if (ordered && (d->flags & FLAG_B) && s->as.open && s->as.st == st && !s->as.unordered &&
      d->ssn == s->as.ssn)
    return CSCTP_ERR_MALFORMED;
  if (ordered && (d->flags & FLAG_B) && s->pd_st && s->pd_st == st && s->pd_ordered &&
      d->ssn == s->pd_ssn)
    return CSCTP_ERR_MALFORMED;
  if (d->flags & FLAG_B) {
    reasm_drop_stopped(r, d->tsn);
    /* The stopped message may have been its stream's next: its SSN is skipped now, and a
     * message that reuses it is behind the expected one as well. */
    next_ssn = st ? st->next_ssn : 0;
    if (ordered && csctp_ssn_lt(d->ssn, next_ssn)) return CSCTP_ERR_MALFORMED;
  }
  if ((d->flags & (FLAG_B | FLAG_E)) == (FLAG_B | FLAG_E)) {
    if (s->frags.count == 0 && (!ordered || d->ssn == next_ssn)) {
      if (!st && !(st = reasm_stream_get_or_new(r, d->stream))) return CSCTP_ERR_NOMEM;
      return reasm_add_direct(r, st, d);
    }
  } else {
    if (!st && !(st = reasm_stream_get_or_new(r, d->stream))) return CSCTP_ERR_NOMEM;
    rc = csctp_reasm_asm_add(r, st, d);
    if (rc != 1) return rc;
  }
  if (csctp_reasm_map_get(&s->frags, d->tsn)) return CSCTP_ERR_MALFORMED;
  /* What follows a whole message must begin one (it is not in the map to be found as left). */
  if (!(d->flags & FLAG_B) && s->have_direct && d->tsn - 1 == s->direct_tsn)
    return CSCTP_ERR_MALFORMED;

  csctp_reasm_frag *left = csctp_reasm_map_get(&s->frags, d->tsn - 1);
  csctp_reasm_frag *right = csctp_reasm_map_get(&s->frags, d->tsn + 1);
  int join_left, join_right;
  rc = reasm_fit(left, right, d, &join_left, &join_right);
  if (rc) return rc;
  csctp_reasm_frag *start = join_left ? left->other : NULL;
  csctp_reasm_frag *end = join_right ? right->other : NULL;
  size_t total = d->len + (start ? start->run_bytes : 0) + (join_right ? right->run_bytes : 0);
  size_t done = start && (start->flags & REASM_PD) ? start->buf_cap : 0; /* handed out */
  if (total > r->max_message_size - done) return CSCTP_ERR_MSG_TOO_LARGE;
  int begins = start ? (start->flags & FLAG_B) : (d->flags & FLAG_B);
  int ends = end ? (end->flags & FLAG_E) : (d->flags & FLAG_E);
  int complete = begins && ends;
  if (complete && ordered && csctp_reasm_map_get(&s->ordered, reasm_ord_key(d->stream, d->ssn)))
    return CSCTP_ERR_MALFORMED; /* two complete messages with one SSN */
  /* Or this one completes while another with its SSN is in pieces (its B came first). */
  if (complete && ordered && s->pd_st && s->pd_st == st && s->pd_ordered && d->ssn == s->pd_ssn &&
      !(start && (start->flags & REASM_PD)))
    return CSCTP_ERR_MALFORMED;

  /* Everything that can fail is done before the first change. */
  st = reasm_stream_get_or_new(r, d->stream);
  if (!st) return CSCTP_ERR_NOMEM;
  if (csctp_reasm_map_reserve(&s->frags, r->mem, 1) != 0) return CSCTP_ERR_NOMEM;
  if (complete && !(d->flags & FLAG_U) && csctp_reasm_map_reserve(&s->ordered, r->mem, 1) != 0)
    return CSCTP_ERR_NOMEM;
  csctp_reasm_frag *f = csctp_reasm_pool_get(&s->pool, d->len);
  if (!f) return CSCTP_ERR_NOMEM;

  csctp_copy(f->data, d->data, d->len);
  f->len = (uint32_t)d->len;
  f->tsn = d->tsn;
  f->ppid = d->ppid;
  f->stream = d->stream;
  f->ssn = d->ssn;
  f->flags = d->flags & (FLAG_B | FLAG_E | FLAG_U);
  if (join_left) {
    left->next = f;
    f->prev = left;
  }
  if (join_right) {
    f->next = right;
    right->prev = f;
  }
  if (!start) start = f;
  if (!end) end = f;
  start->other = end;
  end->other = start;
  start->run_bytes = total;
  csctp_reasm_map_put(&s->frags, f->tsn, f);
  st->n_frags++;
  r->bytes += d->len;
  if (complete) reasm_complete(s, st, start);
  return 0;
}

int csctp_reasm_add(csctp_reasm *r, const csctp_data_chunk *d) {
  reasm_state *s = r->priv;
  if (d->len == 0 || (!d->data && d->len)) return CSCTP_ERR_INVALID_ARGUMENT;
  if (d->len > r->max_message_size) return CSCTP_ERR_MSG_TOO_LARGE;
  if (csctp_reasm_asm_append_fast(r, s, d)) return 0;
  csctp_reasm_stream *st = reasm_stream(s, d->stream);
  /*
   * The common case: a whole message while nothing is held, assembled or in pieces (so no
   * neighbour, no stopped message and no SSN in use to check it against), next in line on
   * a stream that exists. Every check of the general path passes; it goes straight out.
   */
  if ((d->flags & (FLAG_B | FLAG_E)) == (FLAG_B | FLAG_E) && st && s->frags.count == 0 &&
      !s->as.open && !s->pd_st && ((d->flags & FLAG_U) || d->ssn == st->next_ssn))
    return reasm_add_direct(r, st, d);
  return reasm_add_any(r, st, d);
}

int csctp_reasm_has_ready(const csctp_reasm *r) {
  const reasm_state *s = r->priv;
  return s && s->ready_head != NULL;
}

void csctp_reasm_release(csctp_reasm *r) {
  reasm_state *s = r->priv;
  if (!s) return;
  if (s->popped_node) {
    if (s->popped_node->flags & REASM_ABUF) csctp_reasm_asm_recycle(s, s->popped_node);
    csctp_reasm_pool_put(&s->pool, s->popped_node);
  }
  s->popped_node = NULL;
  r->bytes -= s->popped_bytes;
  s->popped_bytes = 0;
}

size_t csctp_reasm_trim(csctp_reasm *r) {
  reasm_state *s = r->priv;
  if (!s) return 0;
  size_t bytes = s->pool.free_bytes + csctp_reasm_asm_trim(r);
  csctp_reasm_pool_free(&s->pool); /* its free lists only: nodes in use stay */
  if (s->dbuf && !s->popped_bytes && !s->popped_node) {
    bytes += s->dbuf_cap;
    csctp_free(r->mem, s->dbuf);
    s->dbuf = NULL;
    s->dbuf_cap = 0;
  }
  return bytes;
}

/* Makes the delivery buffer hold `n` bytes. 0 or NOMEM (nothing changed). */
static int reasm_dbuf_reserve(csctp_reasm *r, size_t n) {
  reasm_state *s = r->priv;
  if (n <= s->dbuf_cap) return 0;
  uint8_t *b = csctp_realloc(r->mem, s->dbuf, n);
  if (!b) return CSCTP_ERR_NOMEM;
  s->dbuf = b;
  s->dbuf_cap = n;
  return 0;
}

/* Copies the run from `start` into the delivery buffer and gives its nodes back. */
static void reasm_take_run(reasm_state *s, csctp_reasm_stream *st, csctp_reasm_frag *start) {
  size_t off = 0;
  for (csctp_reasm_frag *f = start, *next; f; f = next) {
    next = f->next;
    memcpy(s->dbuf + off, f->data, f->len);
    off += f->len;
    st->n_frags--;
    csctp_reasm_map_del(&s->frags, f->tsn);
    csctp_reasm_pool_put(&s->pool, f);
  }
}

/* The message the head stream would deliver next (unordered first: §6.6). */
static csctp_reasm_frag *reasm_peek(reasm_state *s, csctp_reasm_stream *st) {
  if (st->uhead) return st->uhead;
  return csctp_reasm_map_get(&s->ordered, reasm_ord_key(st->id, st->next_ssn));
}

/* The general case of csctp_reasm_pop (out of line, so that the common case saves few
 * registers). */
__attribute__((noinline)) static int reasm_pop_any(csctp_reasm *r, csctp_rx_msg *msg) {
  reasm_state *s = r->priv;
  if (s->popped_node || s->popped_bytes) csctp_reasm_release(r);
  csctp_reasm_stream *st = s->ready_head;
  if (!st) return s->pd_aborted ? reasm_pop_aborted(s, msg) : 0;
  csctp_reasm_frag *start = reasm_peek(s, st);
  int single = start->other == start;
  /* Grow the delivery buffer before anything moves, so NOMEM loses nothing. */
  if (!single && reasm_dbuf_reserve(r, start->run_bytes) != 0) return CSCTP_ERR_NOMEM;

  if (start == st->uhead) { /* unordered, or ordered ones flushed by a FORWARD TSN */
    st->uhead = start->msg_next;
    if (!st->uhead) st->utail = NULL;
  } else {
    csctp_reasm_map_del(&s->ordered, reasm_ord_key(st->id, st->next_ssn));
    st->n_ord--;
    st->next_ssn++; /* wraps at 65535 (§3.3.1) */
    st->ord_ready = csctp_reasm_map_get(&s->ordered, reasm_ord_key(st->id, st->next_ssn)) != NULL;
  }
  /* Round-robin: the stream goes to the back of the FIFO if it has more. */
  s->ready_head = st->ready_next;
  if (!s->ready_head) s->ready_tail = NULL;
  st->in_ready = 0;
  if (st->uhead || st->ord_ready) csctp_reasm_make_ready(s, st);

  msg->stream = start->stream;
  msg->ssn = start->ssn;
  msg->ppid = start->ppid;
  msg->unordered = (start->flags & FLAG_U) != 0;
  msg->flags = (uint32_t)(start->flags & REASM_PD) / (REASM_PD / CSCTP_MSG_CONTINUED);
  msg->len = start->run_bytes;
  s->popped_bytes = start->run_bytes;
  if (single) {
    st->n_frags--;
    if (start->flags & REASM_DIRECT)
      s->n_direct--;
    else
      csctp_reasm_map_del(&s->frags, start->tsn);
    s->popped_node = start;
    msg->data = start->data;
    return 1;
  }
  reasm_take_run(s, st, start);
  msg->data = s->dbuf;
  return 1;
}

/*
 * The common case out of line of the rest (few registers to save): the previous message, if
 * any, a pool node (released here), and the next message a single node that a fast path queued
 * (reasm_add_direct, the assembly's whole message). A stream that is alone in the ready FIFO and
 * has more stays where it is, which is where moving it to the back would put it.
 */
int csctp_reasm_pop(csctp_reasm *r, csctp_rx_msg *msg) {
  reasm_state *s = r->priv;
  csctp_reasm_frag *f = s->popped_node;
  if (f && !(f->flags & REASM_ABUF)) { /* the previous message, released inline (a pool node) */
    csctp_reasm_pool_put(&s->pool, f);
    s->popped_node = NULL;
    r->bytes -= s->popped_bytes;
    s->popped_bytes = 0;
  }
  csctp_reasm_stream *st = s->ready_head;
  if (!st || s->popped_node || s->popped_bytes || !(f = st->uhead) || f->other != f ||
      !(f->flags & REASM_DIRECT))
    return reasm_pop_any(r, msg);
  st->uhead = f->msg_next;
  if (!st->uhead) st->utail = NULL;
  if (!(st->uhead || st->ord_ready) || st != s->ready_tail) {
    s->ready_head = st->ready_next;
    if (!s->ready_head) s->ready_tail = NULL;
    st->in_ready = 0;
    if (st->uhead || st->ord_ready) csctp_reasm_make_ready(s, st);
  }
  msg->stream = f->stream;
  msg->ssn = f->ssn;
  msg->ppid = f->ppid;
  msg->unordered = (f->flags & FLAG_U) != 0;
  msg->flags = (uint32_t)(f->flags & REASM_PD) / (REASM_PD / CSCTP_MSG_CONTINUED);
  msg->len = f->run_bytes;
  msg->data = f->data;
  s->popped_bytes = f->run_bytes;
  s->popped_node = f;
  st->n_frags--;
  s->n_direct--;
  return 1;
}

int csctp_reasm_pop_piece(csctp_reasm *r, csctp_tsn cum, int force, csctp_rx_msg *msg) {
  reasm_state *s = r->priv;
  if (!s->pd_point || s->ready_head) return 0;
  if (s->popped_node || s->popped_bytes) csctp_reasm_release(r);
  reasm_asm *as = &s->as;
  if (as->open && as->last == cum) { /* the message is being assembled in order */
    /* While a message is in pieces, only that message may give more. */
    if ((s->pd_st && (s->pd_st != as->st || !as->delivered)) ||
        (!as->unordered && as->ssn != as->st->next_ssn))
      return 0;
    if (as->len == 0 || (as->len < s->pd_point && !force)) return 0;
    csctp_reasm_frag *node = csctp_reasm_pool_get(&s->pool, 0);
    if (!node) return CSCTP_ERR_NOMEM;
    csctp_reasm_asm_piece(r, node, msg);
    s->popped_node = node;
    s->popped_bytes = msg->len;
    return 1;
  }
  /* Or its fragments are held in the map: the run that ends at cum. */
  csctp_reasm_frag *end = s->frags.count ? csctp_reasm_map_get(&s->frags, cum) : NULL;
  if (!end || (end->flags & FLAG_E)) return 0;
  csctp_reasm_frag *start = end->other;
  csctp_reasm_stream *st = reasm_stream(s, start->stream);
  if (!(start->flags & FLAG_B) || !st) return 0;
  if (s->pd_st && (s->pd_st != st || !(start->flags & REASM_PD))) return 0; /* only that one */
  if (!(start->flags & FLAG_U) && start->ssn != st->next_ssn) return 0;
  size_t bytes = start->run_bytes;
  if (bytes == 0 || (bytes < s->pd_point && !force)) return 0;
  if (reasm_dbuf_reserve(r, bytes) != 0) return CSCTP_ERR_NOMEM;
  /* What is left of the message is an anchor at cum that the next fragments join. */
  csctp_reasm_frag *anchor = csctp_reasm_pool_get(&s->pool, 0);
  if (!anchor) return CSCTP_ERR_NOMEM;
  size_t done = start->flags & REASM_PD ? start->buf_cap : 0;
  anchor->tsn = cum;
  anchor->ppid = start->ppid;
  anchor->stream = start->stream;
  anchor->ssn = start->ssn;
  anchor->flags = (uint8_t)(FLAG_B | (start->flags & FLAG_U) | REASM_PD);
  anchor->other = anchor;
  anchor->buf_cap = (uint32_t)(done + bytes); /* <= max_message_size */
  msg->stream = start->stream;
  msg->ssn = start->ssn;
  msg->ppid = start->ppid;
  msg->unordered = (start->flags & FLAG_U) != 0;
  msg->flags = CSCTP_MSG_MORE | (done ? CSCTP_MSG_CONTINUED : 0);
  reasm_take_run(s, st, start);
  csctp_reasm_map_put(&s->frags, cum, anchor); /* room: entries were just removed */
  st->n_frags++;
  msg->data = s->dbuf;
  msg->len = bytes;
  s->popped_bytes = bytes;
  s->pd_ordered = !msg->unordered;
  s->pd_ssn = msg->ssn;
  csctp_reasm_hold(st);
  s->pd_st = st;
  return 1;
}

/* Drops the run starting at `start` (not linked anywhere but the fragment map). */
static void reasm_drop_run(csctp_reasm *r, csctp_reasm_frag *start) {
  reasm_state *s = r->priv;
  csctp_reasm_stream *st = reasm_stream(s, start->stream);
  if (st && (start->flags & REASM_PD)) csctp_reasm_pd_end(s, st, 1, start->flags & FLAG_U);
  for (csctp_reasm_frag *f = start, *next; f; f = next) {
    next = f->next;
    csctp_reasm_map_del(&s->frags, f->tsn);
    r->bytes -= f->len;
    if (st) st->n_frags--;
    csctp_reasm_pool_put(&s->pool, f);
  }
}

/* Moves the complete ordered messages of `st` with SSN in [next_ssn, ssn] to its hand-out queue. */
static void reasm_flush_ordered(reasm_state *s, csctp_reasm_stream *st, uint16_t ssn) {
  /* Walk the SSNs only while messages remain in the map for this range. */
  uint32_t span = (uint16_t)(ssn - st->next_ssn) + 1u;
  for (uint32_t k = 0; k < span && st->n_ord; k++) {
    uint16_t x = (uint16_t)(st->next_ssn + k);
    csctp_reasm_frag *m = csctp_reasm_map_del(&s->ordered, reasm_ord_key(st->id, x));
    if (!m) continue;
    st->n_ord--;
    m->msg_next = NULL;
    if (st->utail)
      st->utail->msg_next = m;
    else
      st->uhead = m;
    st->utail = m;
  }
  st->next_ssn = (uint16_t)(ssn + 1);
  st->ord_ready = csctp_reasm_map_get(&s->ordered, reasm_ord_key(st->id, st->next_ssn)) != NULL;
  if (st->uhead || st->ord_ready) csctp_reasm_make_ready(s, st);
}

void csctp_reasm_forward(csctp_reasm *r, csctp_tsn new_cum) {
  reasm_state *s = r->priv;
  if (s->as.open && csctp_tsn_le(s->as.first, new_cum)) csctp_reasm_asm_drop(r);
  /* Collect incomplete runs that start at or below new_cum (msg_next links them). */
  csctp_reasm_frag *drop = NULL;
  for (uint32_t i = 0; i < s->frags.cap; i++) {
    csctp_reasm_frag *f = s->frags.slots[i].val;
    if (!f || f->prev || csctp_tsn_gt(f->tsn, new_cum)) continue;
    if ((f->flags & FLAG_B) && (f->other->flags & FLAG_E)) continue; /* complete: kept */
    f->msg_next = drop;
    drop = f;
  }
  while (drop) {
    csctp_reasm_frag *next = drop->msg_next;
    reasm_drop_run(r, drop);
    drop = next;
  }
}

int csctp_reasm_skip(csctp_reasm *r, uint16_t stream, uint16_t ssn) {
  csctp_reasm_stream *st = reasm_stream_get_or_new(r, stream);
  if (!st) return CSCTP_ERR_NOMEM;
  if (csctp_ssn_lt(ssn, st->next_ssn)) return 0; /* already past it */
  reasm_flush_ordered(r->priv, st, ssn);
  return 0;
}

int csctp_reasm_reset_stream(csctp_reasm *r, uint16_t id) {
  reasm_state *s = r->priv;
  csctp_reasm_stream *st = reasm_stream(s, id);
  if (!st) return 0;
  /* Held messages are keyed by their old SSNs: they must leave first. */
  if (st->n_frags) return CSCTP_ERR_INVALID_STATE;
  st->next_ssn = 0;
  return 0;
}

int csctp_reasm_reset_streams(csctp_reasm *r, const uint16_t *ids, size_t n) {
  reasm_state *s = r->priv;
  if (n == 0) {
    for (uint32_t i = 0; i < s->streams.cap; i++) {
      csctp_reasm_stream *st = s->streams.slots[i].val;
      if (st && st->n_frags) return CSCTP_ERR_INVALID_STATE;
    }
    for (uint32_t i = 0; i < s->streams.cap; i++) {
      csctp_reasm_stream *st = s->streams.slots[i].val;
      if (st) st->next_ssn = 0;
    }
    return 0;
  }
  for (size_t i = 0; i < n; i++) {
    csctp_reasm_stream *st = reasm_stream(s, ids[i]);
    if (st && st->n_frags) return CSCTP_ERR_INVALID_STATE;
  }
  for (size_t i = 0; i < n; i++) csctp_reasm_reset_stream(r, ids[i]);
  return 0;
}

void csctp_reasm_get_stats(const csctp_reasm *r, csctp_reasm_stats *out) {
  const reasm_state *s = r->priv;
  memset(out, 0, sizeof(*out));
  if (!s) return;
  out->fragments = s->frags.count + s->n_direct + (size_t)s->as.open;
  out->streams = s->streams.count;
  out->nodes = s->pool.n_nodes;
  out->nodes_free = s->pool.n_free;
  out->node_allocs = s->pool.node_allocs;
  out->big_allocs = s->pool.big_allocs;
  out->mem_bytes = s->pool.mem_bytes + s->as.mem;
}
