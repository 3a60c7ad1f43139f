/* SPDX-License-Identifier: MIT */
/*
 * In-order assembly: the fast path for messages of several fragments
 * (RFC 9260 §6.9) that arrive in TSN order, the common case.
 *
 * The fragments of a message carry consecutive TSNs. When the B fragment of
 * a message that is next in line arrives (ordered: its stream's expected SSN;
 * unordered: any) and no assembly is open, its payload is copied into one
 * growing buffer, and so is every following fragment whose TSN continues it.
 * At the E fragment the buffer is the message: it is queued for hand-out as
 * it is, so a received byte is copied once (packet -> buffer) instead of
 * twice (packet -> fragment node -> delivery buffer), and no fragment is
 * indexed, looked up or freed. Buffers are recycled and sized from the last
 * message, so steady state allocates nothing.
 *
 * Fragments that do not continue it (a gap after a loss) take the general
 * path (reasm.c). When the missing TSN arrives and continues the assembly,
 * the run already held behind it is moved into the buffer. One assembly is
 * open at a time; other multi-fragment messages take the general path.
 */
#include <string.h>

#include "mem.h"
#include "reasm_priv.h"

/* A finished buffer up to this size is kept for the next message. */
#define REASM_SPARE_MAX (1u << 20)
/* The first buffer of an assembly holds this many fragments of the first one's size. */
#define REASM_FIRST_FRAGS 8

static size_t asm_max(size_t a, size_t b) { return a > b ? a : b; }

/*
 * Room reserved ahead stops here: at the largest message, or, with partial
 * delivery, at two pieces (a message larger than that leaves in pieces).
 */
static size_t asm_limit(const csctp_reasm *r) {
  const reasm_state *s = r->priv;
  size_t lim = r->max_message_size;
  if (s->pd_point && (size_t)s->pd_point * 2 < lim) lim = (size_t)s->pd_point * 2;
  return lim;
}

/* Makes the open buffer hold `need` bytes (need <= max message size). 0 or NOMEM. */
static int asm_reserve(csctp_reasm *r, reasm_asm *as, size_t need) {
  if (need <= as->cap) return 0;
  size_t cap = asm_max(asm_max(need, as->cap * 2), as->hint);
  if (cap > asm_limit(r)) cap = asm_max(need, asm_limit(r));
  uint8_t *b = csctp_realloc(r->mem, as->buf, cap);
  if (!b) return CSCTP_ERR_NOMEM;
  as->mem += cap - as->cap;
  as->buf = b;
  as->cap = cap;
  if (cap > as->hint && cap <= REASM_SPARE_MAX) as->hint = cap;
  return 0;
}

/*
 * A buffer for a new assembly of at least `need` bytes: an idle one, or a new
 * one while fewer than CSCTP_REASM_ASM_BUFS exist. 0, 1 (none may be had) or NOMEM.
 */
static int asm_take_buffer(csctp_reasm *r, reasm_asm *as, size_t need, size_t first_len, int any) {
  if (as->n_spare) {
    uint32_t i = as->n_spare - 1;
    as->buf = as->spare[i];
    as->cap = as->spare_cap[i];
    size_t was = as->cap;
    if (asm_reserve(r, as, need) != 0) {
      as->buf = NULL; /* the idle buffer stays as it was */
      as->cap = 0;
      return CSCTP_ERR_NOMEM;
    }
    as->n_spare = i;
    as->spare_mem -= was;
    return 0;
  }
  if (as->n_bufs >= CSCTP_REASM_ASM_BUFS && !any) return 1;
  size_t cap = asm_max(asm_max(need, as->hint), first_len * REASM_FIRST_FRAGS);
  if (cap > asm_limit(r)) cap = asm_max(need, asm_limit(r));
  uint8_t *b = csctp_malloc(r->mem, cap);
  if (!b) return CSCTP_ERR_NOMEM;
  if (cap > as->hint && cap <= REASM_SPARE_MAX) as->hint = cap;
  as->mem += cap;
  as->n_bufs++;
  as->buf = b;
  as->cap = cap;
  return 0;
}

/* Gives a buffer back: kept idle unless it is too big (then freed). */
static void asm_give_back(const csctp_mem *mem, reasm_asm *as, uint8_t *buf, size_t cap) {
  if (cap <= REASM_SPARE_MAX && as->n_spare < CSCTP_REASM_ASM_SPARES) {
    as->spare[as->n_spare] = buf;
    as->spare_cap[as->n_spare] = cap;
    as->n_spare++;
    as->spare_mem += cap;
    return;
  }
  as->mem -= cap;
  as->n_bufs--;
  csctp_free(mem, buf);
}

void csctp_reasm_asm_recycle(reasm_state *s, csctp_reasm_frag *f) {
  asm_give_back(s->pool.mem, &s->as, f->data, f->buf_cap); /* the pool's mem is the reasm's */
  f->data = f->inline_data;
  f->flags &= (uint8_t)~REASM_ABUF;
}

void csctp_reasm_asm_drop(csctp_reasm *r) {
  reasm_state *s = r->priv;
  reasm_asm *as = &s->as;
  if (!as->open) return;
  r->bytes -= as->len;
  as->st->n_frags--;
  if (as->buf) asm_give_back(r->mem, as, as->buf, as->cap); /* none right after a piece */
  as->buf = NULL;
  as->cap = as->len = 0;
  as->open = 0;
  if (as->delivered) csctp_reasm_pd_end(s, as->st, 1, as->unordered);
  as->delivered = 0;
}

void csctp_reasm_asm_piece(csctp_reasm *r, csctp_reasm_frag *node, csctp_rx_msg *msg) {
  reasm_state *s = r->priv;
  reasm_asm *as = &s->as;
  node->data = as->buf;
  node->len = (uint32_t)as->len;
  node->buf_cap = (uint32_t)as->cap;
  node->flags = REASM_DIRECT | REASM_ABUF;
  msg->stream = as->st->id;
  msg->ssn = as->ssn;
  msg->ppid = as->ppid;
  msg->unordered = as->unordered;
  msg->data = as->buf;
  msg->len = as->len;
  msg->flags = CSCTP_MSG_MORE | (as->delivered ? CSCTP_MSG_CONTINUED : 0);
  as->delivered += as->len;
  /* The next fragment takes a buffer of its own (asm_add): this one is the application's. */
  as->buf = NULL;
  as->cap = as->len = 0;
  csctp_reasm_hold(as->st);
  s->pd_st = as->st;
  s->pd_ordered = !as->unordered;
  s->pd_ssn = as->ssn;
}

size_t csctp_reasm_asm_trim(csctp_reasm *r) {
  reasm_state *s = r->priv;
  reasm_asm *as = &s->as;
  size_t bytes = as->spare_mem;
  while (as->n_spare) {
    as->n_spare--;
    as->mem -= as->spare_cap[as->n_spare];
    as->spare_mem -= as->spare_cap[as->n_spare];
    as->n_bufs--;
    csctp_free(r->mem, as->spare[as->n_spare]);
  }
  return bytes;
}

void csctp_reasm_asm_free(csctp_reasm *r) {
  csctp_reasm_asm_drop(r);
  csctp_reasm_asm_trim(r);
}

/*
 * How `d` (which does not begin a message when it continues one) fits the run
 * starting at TSN d->tsn + 1, if one is held: 0 with *right set to the run to
 * move behind it (or NULL), or MALFORMED.
 */
static int asm_fit_right(reasm_state *s, const csctp_data_chunk *d, csctp_reasm_frag **right) {
  *right = NULL;
  if (s->frags.count == 0) return 0;
  if (csctp_reasm_map_get(&s->frags, d->tsn)) return CSCTP_ERR_MALFORMED;
  csctp_reasm_frag *f = csctp_reasm_map_get(&s->frags, d->tsn + 1);
  if (!f) return 0;
  int ends = (d->flags & FLAG_E) != 0, f_begins = (f->flags & FLAG_B) != 0;
  if (ends && !f_begins) return CSCTP_ERR_MALFORMED; /* an E followed by a non-B */
  if (!ends && !f_begins) {
    if (!csctp_reasm_same_msg(f, d)) return CSCTP_ERR_MALFORMED;
    *right = f;
  }
  /* Not ending and followed by a B: the sender stopped this message (RFC 3758). */
  return 0;
}

/* Appends the payload of `d` and then the held run `right` (removed from the map). */
static void asm_append(reasm_state *s, reasm_asm *as, const csctp_data_chunk *d,
                       csctp_reasm_frag *right) {
  csctp_copy(as->buf + as->len, d->data, d->len);
  as->len += d->len;
  as->last = d->tsn;
  for (csctp_reasm_frag *f = right, *next; f; f = next) {
    next = f->next;
    memcpy(as->buf + as->len, f->data, f->len);
    as->len += f->len;
    as->last = f->tsn;
    csctp_reasm_map_del(&s->frags, f->tsn);
    as->st->n_frags--;
    csctp_reasm_pool_put(&s->pool, f);
  }
}

/* The message is whole: its buffer goes to its stream's hand-out queue in `node`. */
static void asm_finish(reasm_state *s, reasm_asm *as, csctp_reasm_frag *node) {
  csctp_reasm_stream *st = as->st;
  node->data = as->buf;
  node->len = (uint32_t)as->len;
  node->buf_cap = (uint32_t)as->cap;
  node->tsn = as->last;
  node->ppid = as->ppid;
  node->stream = st->id;
  node->ssn = as->ssn;
  node->flags =
      (uint8_t)(FLAG_B | FLAG_E | (as->unordered ? FLAG_U : 0) | REASM_DIRECT | REASM_ABUF);
  node->other = node;
  node->run_bytes = as->len;
  node->msg_next = NULL;
  if (as->delivered) {
    /* The last piece of a message in pieces: before anything else its stream queued. */
    node->flags |= REASM_PD;
    node->msg_next = st->uhead;
    st->uhead = node;
    if (!st->utail) st->utail = node;
  } else if (st->utail) {
    st->utail->msg_next = node;
    st->utail = node;
  } else {
    st->uhead = st->utail = node;
  }
  if (!as->unordered && as->ssn == st->next_ssn) {
    st->next_ssn++; /* handed to the queue in order: wraps (§3.3.1) */
    /* Later messages of the stream may have completed while this one was missing a piece. */
    if (st->n_ord && csctp_reasm_map_get(&s->ordered, (uint32_t)st->id << 16 | st->next_ssn))
      st->ord_ready = 1;
  }
  s->n_direct++;
  s->direct_tsn = as->last;
  s->have_direct = 1;
  as->buf = NULL;
  as->cap = as->len = 0;
  as->open = 0;
  if (as->delivered) csctp_reasm_pd_end(s, st, 0, as->unordered);
  as->delivered = 0;
  csctp_reasm_make_ready(s, st);
}

int csctp_reasm_asm_add(csctp_reasm *r, csctp_reasm_stream *st, const csctp_data_chunk *d) {
  reasm_state *s = r->priv;
  reasm_asm *as = &s->as;
  int begins = (d->flags & FLAG_B) != 0, ordered = !(d->flags & FLAG_U);
  int cont = as->open && !begins && d->tsn == as->last + 1;
  if (!cont) {
    if (as->open || !begins || (d->flags & FLAG_E)) return 1;
    if (ordered &&
        (d->ssn != st->next_ssn ||
         (st->n_ord && csctp_reasm_map_get(&s->ordered, (uint32_t)st->id << 16 | d->ssn))))
      return 1;
  } else if (st != as->st || (!ordered) != as->unordered || (ordered && d->ssn != as->ssn)) {
    return CSCTP_ERR_MALFORMED; /* a middle or last fragment of another message */
  }
  csctp_reasm_frag *right;
  int rc = asm_fit_right(s, d, &right);
  if (rc) return rc;
  size_t have = cont ? as->len : 0;
  size_t total = have + d->len + (right ? right->run_bytes : 0);
  if (total > r->max_message_size - (cont ? as->delivered : 0)) return CSCTP_ERR_MSG_TOO_LARGE;
  int complete = (d->flags & FLAG_E) || (right && (right->other->flags & FLAG_E));
  /* Two messages with one SSN: this one completes while another is in pieces. */
  if (complete && ordered && s->pd_st == st && s->pd_ordered &&
      s->pd_ssn == (cont ? as->ssn : d->ssn) && !(cont && as->delivered))
    return CSCTP_ERR_MALFORMED;
  /* Everything that can fail is done before the first change. */
  csctp_reasm_frag *node = NULL;
  if (complete && !(node = csctp_reasm_pool_get(&s->pool, 0))) return CSCTP_ERR_NOMEM;
  if (cont && as->buf)
    rc = asm_reserve(r, as, total);
  else /* a new message, or one whose last piece went to the application */
    rc = asm_take_buffer(r, as, total, d->len, cont);
  if (rc) { /* NOMEM, or 1: no buffer for a new assembly, the general path takes it */
    if (node) csctp_reasm_pool_put(&s->pool, node);
    return rc;
  }
  if (!cont) {
    as->open = 1;
    as->len = 0;
    as->first = d->tsn;
    as->ppid = d->ppid;
    as->ssn = d->ssn;
    as->unordered = !ordered;
    as->delivered = 0;
    as->st = st;
    st->n_frags++;
  }
  r->bytes += d->len;
  asm_append(s, as, d, right);
  if (node) asm_finish(s, as, node);
  return 0;
}
