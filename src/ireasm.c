/* SPDX-License-Identifier: MIT */
/*
 * Interleaved reassembly (RFC 8260 §2.1, §2.2): fragments of a message share
 * (stream, U, MID) and count up by FSN from the B fragment's implicit 0; TSNs
 * say nothing about which message a fragment belongs to.
 *
 * A message being assembled has a header (ireasm_msg), indexed by (stream, U,
 * MID) in `msgs`. Its fragments with FSNs 0..pfx_end-1 form the prefix, a
 * list in FSN order; a fragment that arrives beyond it is "loose", indexed by
 * (message, FSN) in `frags` and absorbed into the prefix when the gap before
 * it fills, so every fragment is placed in O(1) expected whatever the
 * arrival order, and the usual arrival (FSN order, interleaved with other
 * streams) touches no index at all: the stream remembers the message it saw
 * last. The message is complete when its E is known and the prefix reaches
 * it. A complete message becomes a chain of nodes (the first holds the
 * message's identity and length) on its stream's hand-out queue, or, when
 * ordered and not next, waits in `msgs` until its MID is the stream's next.
 *
 * Fast path: a single-fragment (B|E) message with no header on its stream,
 * unordered or with the stream's next MID, is one pool node straight onto the
 * hand-out queue (no header, no index), and goes out without a copy.
 */
#include "ireasm.h"

#include <assert.h>
#include <string.h>

#include "copy.h"
#include "ireasm_priv.h"
#include "mem.h"

/* ---- state, streams, headers ---- */

int csctp_ireasm_init(csctp_ireasm *r, const csctp_mem *mem, uint32_t max_message_size) {
  memset(r, 0, sizeof(*r));
  r->mem = mem;
  r->max_message_size = max_message_size;
  return 0;
}

ireasm_state *csctp_ireasm_state_get(csctp_ireasm *r) {
  if (r->priv) return r->priv;
  ireasm_state *s = csctp_calloc(r->mem, 1, sizeof(*s));
  if (!s) return NULL;
  csctp_reasm_pool_init(&s->pool, r->mem);
  csctp_hmap_init(&s->streams);
  csctp_hmap_init(&s->msgs);
  csctp_hmap_init(&s->frags);
  csctp_hmap_set_seed(&s->streams, csctp_hmap_subseed(r->hash_seed, 2));
  csctp_hmap_set_seed(&s->msgs, csctp_hmap_subseed(r->hash_seed, 3));
  csctp_hmap_set_seed(&s->frags, csctp_hmap_subseed(r->hash_seed, 4));
  r->priv = s;
  return s;
}

ireasm_stream *csctp_ireasm_stream_get(csctp_ireasm *r, ireasm_state *s, uint16_t id) {
  ireasm_stream *st = ireasm_stream_find(s, id);
  if (st) return st;
  if (csctp_hmap_reserve(&s->streams, r->mem, s->streams.count + 1) != 0) return NULL;
  st = csctp_calloc(r->mem, 1, sizeof(*st));
  if (!st) return NULL;
  st->id = id;
  csctp_hmap_put(&s->streams, id, st);
  return s->last_st = st;
}

ireasm_msg *csctp_ireasm_msg_find(const ireasm_state *s, uint16_t stream, int u, uint32_t mid) {
  uint32_t key = ireasm_key(stream, u, mid), pos = CSCTP_HMAP_END;
  while (csctp_hmap_next(&s->msgs, key, &pos) != CSCTP_HMAP_END) {
    ireasm_msg *m = s->msgs.slots[pos].val;
    if (m->mid == mid && m->stream == stream && m->unordered == (u != 0)) return m;
  }
  return NULL;
}

static csctp_reasm_frag *ireasm_loose_find(const ireasm_state *s, const ireasm_msg *m, uint32_t fsn,
                                           uint32_t *at) {
  uint32_t key = ireasm_frag_key(m, fsn), pos = CSCTP_HMAP_END;
  while (csctp_hmap_next(&s->frags, key, &pos) != CSCTP_HMAP_END) {
    csctp_reasm_frag *f = s->frags.slots[pos].val;
    if (f->tsn == fsn && f->ppid == m->mid && f->stream == m->stream &&
        !!(f->flags & FLAG_U) == m->unordered) {
      if (at) *at = pos;
      return f;
    }
  }
  return NULL;
}

static ireasm_msg *ireasm_hdr_get(csctp_ireasm *r, ireasm_state *s) {
  ireasm_msg *m = s->hdr_free;
  if (m) {
    s->hdr_free = m->next;
    s->n_hdr_free--;
  } else {
    if (!(m = csctp_malloc(r->mem, sizeof(*m)))) return NULL;
    s->n_hdr++;
  }
  memset(m, 0, sizeof(*m));
  return m;
}

void csctp_ireasm_hdr_put(ireasm_state *s, ireasm_msg *m) {
  m->next = s->hdr_free;
  s->hdr_free = m;
  s->n_hdr_free++;
}

static void ireasm_begun_unlink(ireasm_state *s, ireasm_msg *m) {
  if (!m->begun) return;
  m->begun = 0;
  if (m->s_prev)
    m->s_prev->s_next = m->s_next;
  else
    s->begun_head = m->s_next;
  if (m->s_next)
    m->s_next->s_prev = m->s_prev;
  else
    s->begun_tail = m->s_prev;
}

/* The header leaves the index and its stream (its nodes are gone or taken). */
void csctp_ireasm_msg_release(ireasm_state *s, ireasm_stream *st, ireasm_msg *m) {
  uint32_t key = ireasm_key(m->stream, m->unordered, m->mid), pos = CSCTP_HMAP_END;
  while (csctp_hmap_next(&s->msgs, key, &pos) != CSCTP_HMAP_END)
    if (s->msgs.slots[pos].val == m) {
      csctp_hmap_del_at(&s->msgs, pos);
      break;
    }
  ireasm_begun_unlink(s, m);
  if (!m->complete) s->n_open--;
  st->n_open--;
  if (!m->unordered) st->n_ord--;
  if (st->cur == m) st->cur = NULL;
  csctp_ireasm_hdr_put(s, m);
}

/* ---- hand-out queue and ready FIFO ---- */

void csctp_ireasm_make_ready(ireasm_state *s, ireasm_stream *st) {
  if (st->in_ready) return;
  st->in_ready = 1;
  st->ready_next = NULL;
  if (s->ready_tail)
    s->ready_tail->ready_next = st;
  else
    s->ready_head = st;
  s->ready_tail = st;
}

void csctp_ireasm_queue(ireasm_stream *st, csctp_reasm_frag *f) {
  f->msg_next = NULL;
  if (st->utail)
    st->utail->msg_next = f;
  else
    st->uhead = f;
  st->utail = f;
  st->n_queued++;
}

/* Whether the ordered message with the stream's next MID is complete. */
void csctp_ireasm_ord_check(ireasm_state *s, ireasm_stream *st) {
  ireasm_msg *m = st->n_ord ? csctp_ireasm_msg_find(s, st->id, 0, st->next_mid) : NULL;
  st->ord_ready = m && m->complete;
}

/* A complete message's header becomes the chain of its prefix nodes; returns the first. */
csctp_reasm_frag *csctp_ireasm_take(ireasm_state *s, ireasm_stream *st, ireasm_msg *m) {
  csctp_reasm_frag *f = m->head;
  f->tsn = m->mid;
  f->ppid = m->ppid;
  f->stream = m->stream;
  f->flags = (uint8_t)((m->unordered ? FLAG_U : 0) | (m->pd ? IR_PD : 0));
  f->run_bytes = m->pfx_bytes;
  csctp_ireasm_msg_release(s, st, m);
  return f;
}

static void ireasm_pd_end(ireasm_state *s, ireasm_stream *st) {
  st->in_ready = 0; /* held no more */
  s->pd_msg = NULL;
  s->pd_st = NULL;
  if (st->uhead || st->ord_ready) csctp_ireasm_make_ready(s, st);
}

static void ireasm_complete(ireasm_state *s, ireasm_stream *st, ireasm_msg *m) {
  m->complete = 1;
  s->n_open--;
  ireasm_begun_unlink(s, m);
  int ordered = !m->unordered;
  if (m->pd) {
    /* Its last piece, before anything else of its stream. */
    csctp_reasm_frag *f = csctp_ireasm_take(s, st, m);
    f->msg_next = st->uhead;
    st->uhead = f;
    if (!st->utail) st->utail = f;
    st->n_queued++;
    if (ordered) {
      st->next_mid++;
      csctp_ireasm_ord_check(s, st);
    }
    ireasm_pd_end(s, st);
  } else if (!ordered) {
    csctp_ireasm_queue(st, csctp_ireasm_take(s, st, m));
    csctp_ireasm_make_ready(s, st);
  } else if (m->mid == st->next_mid) {
    st->ord_ready = 1;
    csctp_ireasm_make_ready(s, st);
  }
}

/* ---- add ---- */

static void ireasm_pfx_append(ireasm_msg *m, csctp_reasm_frag *f) {
  f->next = NULL;
  if (m->tail)
    m->tail->next = f;
  else
    m->head = f;
  m->tail = f;
  m->pfx_bytes += f->len;
  m->pfx_end++;
}

/* Loose fragments that the prefix now reaches join it. */
static void ireasm_absorb(ireasm_state *s, ireasm_msg *m) {
  uint32_t at;
  csctp_reasm_frag *f;
  while (m->n_loose && (f = ireasm_loose_find(s, m, m->pfx_end, &at))) {
    csctp_hmap_del_at(&s->frags, at);
    if (f->prev)
      f->prev->next = f->next;
    else
      m->loose = f->next;
    if (f->next) f->next->prev = f->prev;
    f->prev = NULL;
    m->n_loose--;
    ireasm_pfx_append(m, f);
  }
}

/* The fast path (see the top): `st` exists, the message is next or unordered. 0 or NOMEM. */
static inline __attribute__((always_inline)) int ireasm_add_direct(csctp_ireasm *r, ireasm_state *s,
                                                                   ireasm_stream *st,
                                                                   const csctp_idata_chunk *d) {
  csctp_reasm_frag *f = csctp_reasm_pool_get(&s->pool, d->len);
  if (!f) return CSCTP_ERR_NOMEM;
  csctp_copy(f->data, d->data, d->len);
  f->len = (uint32_t)d->len;
  f->tsn = d->mid;
  f->ppid = d->ppid;
  f->stream = d->stream;
  f->flags = d->flags & FLAG_U;
  f->run_bytes = d->len;
  csctp_ireasm_queue(st, f);
  if (!(d->flags & FLAG_U)) {
    st->next_mid++; /* wraps (serial, §2.1) */
    if (st->n_ord) csctp_ireasm_ord_check(s, st);
  }
  s->n_frags++;
  r->bytes += d->len;
  csctp_ireasm_make_ready(s, st);
  return 0;
}

__attribute__((noinline)) static int ireasm_add_any(csctp_ireasm *r, ireasm_state *s,
                                                    ireasm_stream *st, const csctp_idata_chunk *d) {
  uint8_t fl = d->flags & (FLAG_B | FLAG_E | FLAG_U);
  int u = (fl & FLAG_U) != 0;
  uint32_t fsn = (fl & FLAG_B) ? 0 : d->fsn;
  if (!(fl & FLAG_B) && fsn == 0) return CSCTP_ERR_MALFORMED;     /* FSN 0 is the B's (§2.1) */
  if (fsn >= r->max_message_size) return CSCTP_ERR_MSG_TOO_LARGE; /* >= 1 byte a fragment */
  if (!u && ireasm_mid_lt(d->mid, st ? st->next_mid : 0))
    return CSCTP_ERR_MALFORMED; /* delivered */
  ireasm_msg *m = st && st->n_open ? csctp_ireasm_msg_find(s, d->stream, u, d->mid) : NULL;
  if (m) {
    if (m->complete || fsn < m->pfx_end) return CSCTP_ERR_MALFORMED; /* held twice, or B twice */
    if (fl & FLAG_E) {
      if (m->has_e || fsn + 1 < m->top) return CSCTP_ERR_MALFORMED;
    } else if (m->has_e && fsn >= m->last_fsn) {
      return CSCTP_ERR_MALFORMED;
    }
    if (fsn != m->pfx_end && m->n_loose && ireasm_loose_find(s, m, fsn, NULL))
      return CSCTP_ERR_MALFORMED;
    if (d->len > r->max_message_size - m->bytes - m->delivered) return CSCTP_ERR_MSG_TOO_LARGE;
  } else if ((fl & (FLAG_B | FLAG_E)) == (FLAG_B | FLAG_E) &&
             (u || d->mid == (st ? st->next_mid : 0))) {
    if (!st && !(st = csctp_ireasm_stream_get(r, s, d->stream))) return CSCTP_ERR_NOMEM;
    return ireasm_add_direct(r, s, st, d);
  }
  /* Everything that can fail comes before the first change. */
  if (!st && !(st = csctp_ireasm_stream_get(r, s, d->stream))) return CSCTP_ERR_NOMEM;
  int loose = fsn != (m ? m->pfx_end : 0);
  if (!m && csctp_hmap_reserve(&s->msgs, r->mem, s->msgs.count + 1) != 0) return CSCTP_ERR_NOMEM;
  if (loose && csctp_hmap_reserve(&s->frags, r->mem, s->frags.count + 1) != 0)
    return CSCTP_ERR_NOMEM;
  ireasm_msg *nm = NULL;
  if (!m && !(nm = ireasm_hdr_get(r, s))) return CSCTP_ERR_NOMEM;
  csctp_reasm_frag *f = csctp_reasm_pool_get(&s->pool, d->len);
  if (!f) {
    if (nm) csctp_ireasm_hdr_put(s, nm);
    return CSCTP_ERR_NOMEM;
  }
  if (nm) {
    m = nm;
    m->mid = d->mid;
    m->stream = d->stream;
    m->unordered = (uint8_t)u;
    csctp_hmap_put(&s->msgs, ireasm_key(d->stream, u, d->mid), m);
    st->n_open++;
    if (!u) st->n_ord++;
    if (++s->n_open > s->open_peak) s->open_peak = s->n_open;
  }
  st->cur = m;
  csctp_copy(f->data, d->data, d->len);
  f->len = (uint32_t)d->len;
  f->stream = d->stream;
  f->flags = (uint8_t)(u ? FLAG_U : 0);
  if (fl & FLAG_B) m->ppid = d->ppid;
  if (fl & FLAG_E) {
    m->has_e = 1;
    m->last_fsn = fsn;
  }
  if (fsn + 1 > m->top) m->top = fsn + 1;
  m->bytes += d->len;
  r->bytes += d->len;
  s->n_frags++;
  if (loose) {
    f->tsn = fsn;
    f->ppid = m->mid;
    f->prev = NULL;
    f->next = m->loose;
    if (m->loose) m->loose->prev = f;
    m->loose = f;
    m->n_loose++;
    csctp_hmap_put(&s->frags, ireasm_frag_key(m, fsn), f);
  } else {
    ireasm_pfx_append(m, f);
    if (fl & FLAG_B) { /* begun: a candidate for pieces, oldest first */
      m->begun = 1;
      m->s_next = NULL;
      m->s_prev = s->begun_tail;
      if (s->begun_tail)
        s->begun_tail->s_next = m;
      else
        s->begun_head = m;
      s->begun_tail = m;
    }
    ireasm_absorb(s, m);
  }
  if (m->has_e && m->pfx_end == m->last_fsn + 1) ireasm_complete(s, st, m);
  return 0;
}

/* A fragment that is not a whole message: the next, in FSN order, of the message this stream's
 * last one went to, or the general case. */
__attribute__((noinline)) static int ireasm_add_next(csctp_ireasm *r, ireasm_state *s,
                                                     ireasm_stream *st,
                                                     const csctp_idata_chunk *d) {
  ireasm_msg *m = st->cur;
  if (!m || (d->flags & FLAG_B) || d->mid != m->mid || !!(d->flags & FLAG_U) != m->unordered ||
      d->fsn != m->pfx_end || !m->pfx_end || m->n_loose || m->complete ||
      d->len > r->max_message_size - m->bytes - m->delivered)
    return ireasm_add_any(r, s, st, d);
  /* No loose fragment: nothing above pfx_end was seen, so no E either (it would be complete). */
  csctp_reasm_frag *f = csctp_reasm_pool_get(&s->pool, d->len);
  if (!f) return CSCTP_ERR_NOMEM;
  csctp_copy(f->data, d->data, d->len);
  f->len = (uint32_t)d->len;
  f->stream = d->stream;
  f->flags = (uint8_t)(m->unordered ? FLAG_U : 0);
  ireasm_pfx_append(m, f);
  m->top = m->pfx_end;
  m->bytes += d->len;
  r->bytes += d->len;
  s->n_frags++;
  if (d->flags & FLAG_E) {
    m->has_e = 1;
    m->last_fsn = d->fsn;
    ireasm_complete(s, st, m);
  }
  return 0;
}

int csctp_ireasm_add(csctp_ireasm *r, const csctp_idata_chunk *d) {
  if (d->len == 0 || !d->data) return CSCTP_ERR_INVALID_ARGUMENT;
  if (d->len > r->max_message_size) return CSCTP_ERR_MSG_TOO_LARGE;
  ireasm_state *s = r->priv;
  if (!s && !(s = csctp_ireasm_state_get(r))) return CSCTP_ERR_NOMEM;
  ireasm_stream *st = ireasm_stream_find(s, d->stream);
  if (!st) return ireasm_add_any(r, s, st, d);
  if ((d->flags & (FLAG_B | FLAG_E)) != (FLAG_B | FLAG_E)) return ireasm_add_next(r, s, st, d);
  if (!st->n_open && ((d->flags & FLAG_U) || d->mid == st->next_mid))
    return ireasm_add_direct(r, s, st, d);
  return ireasm_add_any(r, s, st, d);
}

/* ---- delivery ---- */

int csctp_ireasm_has_ready(const csctp_ireasm *r) {
  const ireasm_state *s = r->priv;
  return s && s->ready_head != NULL;
}

void csctp_ireasm_release(csctp_ireasm *r) {
  ireasm_state *s = r->priv;
  if (!s) return;
  if (s->popped_node) csctp_reasm_pool_put(&s->pool, s->popped_node);
  s->popped_node = NULL;
  r->bytes -= s->popped_bytes;
  s->popped_bytes = 0;
}

static int ireasm_dbuf_reserve(csctp_ireasm *r, ireasm_state *s, size_t n) {
  if (n <= s->dbuf_cap) return 0;
  uint8_t *b = csctp_realloc(r->mem, s->dbuf, n);
  if (!b) return CSCTP_ERR_NOMEM;
  s->dbuf = b;
  s->dbuf_cap = n;
  return 0;
}

/* Copies the chain from `f` into dbuf (reserved by the caller) and gives its nodes back. */
__attribute__((noinline)) static void ireasm_copy_out(ireasm_state *s, csctp_reasm_frag *f,
                                                      csctp_rx_msg *msg) {
  size_t off = 0;
  for (csctp_reasm_frag *next; f; f = next) {
    next = f->next;
    memcpy(s->dbuf + off, f->data, f->len);
    off += f->len;
    s->n_frags--;
    csctp_reasm_pool_put(&s->pool, f);
  }
  msg->data = s->dbuf;
}

/* Hands out the chain from `f` (`bytes` long): one node as it is, more copied into dbuf. */
static inline void ireasm_hand_out(ireasm_state *s, csctp_reasm_frag *f, size_t bytes,
                                   csctp_rx_msg *msg) {
  msg->len = bytes;
  s->popped_bytes = bytes;
  if (f->next) {
    ireasm_copy_out(s, f, msg);
    return;
  }
  s->n_frags--;
  s->popped_node = f;
  msg->data = f->data;
}

static int ireasm_pop_aborted(ireasm_state *s, csctp_rx_msg *msg) {
  ireasm_stream *st = s->pd_st;
  memset(msg, 0, sizeof(*msg));
  msg->stream = st->id;
  msg->unordered = s->pd_ab_unordered;
  msg->flags = CSCTP_MSG_ABORTED;
  s->pd_aborted = 0;
  ireasm_pd_end(s, st);
  return 1;
}

int csctp_ireasm_pop(csctp_ireasm *r, csctp_rx_msg *msg) {
  ireasm_state *s = r->priv;
  if (!s) return 0;
  if (s->popped_node) { /* the previous message, released inline */
    csctp_reasm_pool_put(&s->pool, s->popped_node);
    s->popped_node = NULL;
  }
  r->bytes -= s->popped_bytes;
  s->popped_bytes = 0;
  ireasm_stream *st = s->ready_head;
  if (!st) return s->pd_aborted ? ireasm_pop_aborted(s, msg) : 0;
  csctp_reasm_frag *f = st->uhead;
  ireasm_msg *m = NULL;
  if (!f) m = csctp_ireasm_msg_find(s, st->id, 0, st->next_mid); /* ord_ready: complete */
  assert(f || (m && m->complete));
  size_t bytes = f ? f->run_bytes : m->pfx_bytes;
  int multi = f ? f->next != NULL : m->head != m->tail;
  /* Grow the delivery buffer before anything moves, so NOMEM loses nothing. */
  if (multi && ireasm_dbuf_reserve(r, s, bytes) != 0) return CSCTP_ERR_NOMEM;
  if (f) {
    st->uhead = f->msg_next;
    if (!st->uhead) st->utail = NULL;
    st->n_queued--;
  } else {
    f = csctp_ireasm_take(s, st, m);
    st->next_mid++; /* wraps (serial, §2.1) */
    csctp_ireasm_ord_check(s, st);
  }
  /* Round-robin: the stream goes to the back of the FIFO if it has more (where it is, when
   * it is alone). */
  if (!(st->uhead || st->ord_ready) || st != s->ready_tail) {
    s->ready_head = st->ready_next;
    if (!s->ready_head) s->ready_tail = NULL;
    st->in_ready = 0;
    if (st->uhead || st->ord_ready) csctp_ireasm_make_ready(s, st);
  }
  msg->stream = f->stream;
  msg->mid = f->tsn;
  msg->ssn = (uint16_t)f->tsn;
  msg->ppid = f->ppid;
  msg->unordered = (f->flags & FLAG_U) != 0;
  msg->flags = (f->flags & IR_PD) ? CSCTP_MSG_CONTINUED : 0;
  ireasm_hand_out(s, f, bytes, msg);
  return 1;
}

void csctp_ireasm_set_partial(csctp_ireasm *r, uint32_t point) { r->pd_point = point; }

int csctp_ireasm_pop_piece(csctp_ireasm *r, int force, csctp_rx_msg *msg) {
  ireasm_state *s = r->priv;
  if (!s || !r->pd_point || s->ready_head || s->pd_aborted) return 0;
  if (s->popped_node || s->popped_bytes) csctp_ireasm_release(r);
  ireasm_msg *m = s->pd_msg; /* while a message is in pieces, only it gives more */
  if (!m) {
    for (m = s->begun_head; m; m = m->s_next) {
      if (!m->pfx_bytes || (m->pfx_bytes < r->pd_point && !force)) continue;
      if (m->unordered) break;
      ireasm_stream *st = ireasm_stream_find(s, m->stream);
      if (m->mid == st->next_mid && !st->in_ready) break;
    }
    if (!m) return 0;
  } else if (!m->pfx_bytes || (m->pfx_bytes < r->pd_point && !force)) {
    return 0;
  }
  if (m->head != m->tail && ireasm_dbuf_reserve(r, s, m->pfx_bytes) != 0) return CSCTP_ERR_NOMEM;
  ireasm_stream *st = ireasm_stream_find(s, m->stream);
  msg->stream = m->stream;
  msg->mid = m->mid;
  msg->ssn = (uint16_t)m->mid;
  msg->ppid = m->ppid;
  msg->unordered = m->unordered;
  msg->flags = CSCTP_MSG_MORE | (m->pd ? CSCTP_MSG_CONTINUED : 0);
  size_t bytes = m->pfx_bytes;
  csctp_reasm_frag *f = m->head;
  m->head = m->tail = NULL;
  m->pfx_bytes = 0;
  m->bytes -= bytes;
  m->delivered += bytes;
  ireasm_hand_out(s, f, bytes, msg);
  if (!m->pd) {
    m->pd = 1;
    s->pd_msg = m;
    s->pd_st = st;
    st->in_ready = 1; /* held: out of the FIFO (nothing was ready) until the message ends */
  }
  return 1;
}
