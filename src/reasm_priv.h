/* SPDX-License-Identifier: MIT */
/*
 * State of reassembly shared by reasm.c (fragments indexed by TSN, delivery)
 * and reasm_asm.c (the in-order assembly fast path). Internal to those two.
 */
#ifndef CSCTP_REASM_PRIV_H
#define CSCTP_REASM_PRIV_H

#include <string.h>

#include "copy.h"
#include "reasm.h"
#include "reasm_pool.h"

struct csctp_reasm_stream {
  uint16_t id;
  uint16_t next_ssn;               /* SSN of the next ordered message to deliver (§6.5) */
  uint8_t ord_ready;               /* the message with next_ssn is complete */
  uint8_t in_ready;                /* linked in the ready FIFO, or held (csctp_reasm_hold) */
  uint32_t n_frags;                /* fragments held (complete or not, not yet popped); an
                                      open or queued assembly counts as one */
  uint32_t n_ord;                  /* complete ordered messages waiting in the ordered map */
  csctp_reasm_frag *uhead, *utail; /* messages to hand out in this order (run starts) */
  csctp_reasm_stream *ready_next;
};

/*
 * At most this many assembly buffers exist (open, complete and not yet taken
 * by the application, idle): past it, messages take the general path. A
 * caller that reads a long batch of packets before taking messages may hold
 * several complete ones; the receive window bounds their bytes. At most
 * CSCTP_REASM_ASM_SPARES idle ones are kept.
 */
#define CSCTP_REASM_ASM_BUFS 16
#define CSCTP_REASM_ASM_SPARES 4

/* The message being assembled in one contiguous buffer (reasm_asm.c). */
typedef struct reasm_asm {
  int open;
  uint8_t *buf;
  size_t cap, len;
  csctp_tsn first, last; /* TSNs of its first and last fragment so far */
  uint32_t ppid;
  uint16_t ssn;
  uint8_t unordered;
  size_t delivered; /* bytes of this message already handed out in pieces */
  csctp_reasm_stream *st;
  uint8_t *spare[CSCTP_REASM_ASM_SPARES]; /* idle buffers kept for the next messages */
  size_t spare_cap[CSCTP_REASM_ASM_SPARES];
  uint32_t n_spare;
  uint32_t n_bufs;  /* buffers allocated: open, queued, handed out and spare */
  size_t hint;      /* largest buffer so far (up to the idle limit): new buffers' size */
  size_t mem;       /* bytes allocated for assembly buffers */
  size_t spare_mem; /* of which idle (spare[]) */
} reasm_asm;

typedef struct reasm_state {
  csctp_reasm_pool pool;
  csctp_reasm_map frags;   /* TSN -> fragment, for every held and unpopped fragment */
  csctp_reasm_map streams; /* stream id -> stream, created on first use */
  csctp_reasm_map ordered; /* stream << 16 | SSN -> run start of a complete ordered message */
  csctp_reasm_stream *ready_head, *ready_tail;
  csctp_reasm_frag *popped_node; /* single-buffer message handed out without a copy */
  size_t popped_bytes;           /* bytes of the message handed out, until release */
  uint8_t *dbuf;                 /* delivery buffer for multi-fragment messages */
  size_t dbuf_cap;
  size_t n_direct;      /* messages queued by a fast path (held, not in frags) */
  csctp_tsn direct_tsn; /* TSN of the last of them, while have_direct */
  int have_direct;
  csctp_reasm_stream *last_st; /* the stream found last (one-entry cache of `streams`) */
  uint32_t pd_point;           /* partial delivery point, bytes; 0 = off */
  csctp_reasm_stream *pd_st;   /* the stream whose message is in pieces, or NULL */
  uint16_t pd_ssn;             /* that message's SSN, when pd_ordered */
  uint8_t pd_ordered;
  int pd_aborted; /* that message was abandoned: notice to hand out */
  uint8_t pd_aborted_unordered;
  reasm_asm as;
} reasm_state;

#define FLAG_B CSCTP_DATA_FLAG_B
#define FLAG_E CSCTP_DATA_FLAG_E
#define FLAG_U CSCTP_DATA_FLAG_U
#define REASM_DIRECT 0x80 /* node flag: queued by a fast path, not in the fragment map */
#define REASM_ABUF 0x40   /* node flag: data is an assembly buffer of buf_cap bytes */
/*
 * Node flag: the rest of a message whose first pieces were handed out. On a
 * run start in the fragment map (an anchor: no payload, buf_cap = the bytes
 * handed out) it joins the next fragments; on a queued message it marks the
 * last piece.
 */
#define REASM_PD 0x20

/* Links `st` at the back of the ready FIFO unless it is there already (or held). */
static inline void csctp_reasm_make_ready(reasm_state *s, csctp_reasm_stream *st) {
  if (st->in_ready) return;
  st->in_ready = 1;
  st->ready_next = NULL;
  if (s->ready_tail)
    s->ready_tail->ready_next = st;
  else
    s->ready_head = st;
  s->ready_tail = st;
}

/*
 * A message of `st` is being handed out in pieces: no other message of the stream is
 * ready until it ends. The stream is out of the ready FIFO then (pieces are only handed
 * out when nothing is ready); marking it in_ready without linking it keeps
 * csctp_reasm_make_ready away at no cost to the hot path. Cleared when the message ends.
 */
static inline void csctp_reasm_hold(csctp_reasm_stream *st) { st->in_ready = 1; }

/* Two fragments with adjacent TSNs inside one message must agree on its identity. */
static inline int csctp_reasm_same_msg(const csctp_reasm_frag *f, const csctp_data_chunk *d) {
  if (f->stream != d->stream) return 0;
  if ((f->flags & FLAG_U) != (d->flags & FLAG_U)) return 0;
  /* §3.3.1: the SSN of unordered fragments carries no meaning. */
  if (!(d->flags & FLAG_U) && f->ssn != d->ssn) return 0;
  return 1;
}

/*
 * The assembly fast path for a fragment of a multi-fragment message: the
 * continuation of the open assembly, or the B fragment of a message that is
 * next in line (ordered: its stream's expected SSN) while none is open.
 * `st` is the fragment's stream (it exists). Returns 1 when the fragment is
 * not for this path or no buffer may be had (nothing changed), 0 when added, or MALFORMED,
 * MSG_TOO_LARGE, NOMEM with nothing changed.
 */
int csctp_reasm_asm_add(csctp_reasm *r, csctp_reasm_stream *st, const csctp_data_chunk *d);

/*
 * The hot case of csctp_reasm_asm_add, inline: a middle fragment continuing
 * the open assembly with room in its buffer and nothing held in the TSN map.
 * Returns 1 when it appended `d`, 0 when the full path must decide.
 */
static inline int csctp_reasm_asm_append_fast(csctp_reasm *r, reasm_state *s,
                                              const csctp_data_chunk *d) {
  reasm_asm *as = &s->as;
  if (!as->open || d->tsn != as->last + 1 || (d->flags & (FLAG_B | FLAG_E)) ||
      s->frags.count != 0 || d->stream != as->st->id ||
      ((d->flags & FLAG_U) != 0) != as->unordered || (!as->unordered && d->ssn != as->ssn) ||
      d->len > as->cap - as->len || d->len > r->max_message_size - as->delivered - as->len)
    return 0;
  csctp_copy(as->buf + as->len, d->data, d->len);
  as->len += d->len;
  as->last = d->tsn;
  r->bytes += d->len;
  return 1;
}

/* Drops the open assembly (FORWARD TSN, or everything dropped). */
void csctp_reasm_asm_drop(csctp_reasm *r);

/*
 * Hands out what the open assembly holds as a piece (partial delivery): the
 * buffer goes to `node` (popped), the assembly goes on with none. `st` is its stream.
 */
void csctp_reasm_asm_piece(csctp_reasm *r, csctp_reasm_frag *node, csctp_rx_msg *msg);

/* A message in pieces ended (its last piece is queued) or was dropped (`aborted`). */
void csctp_reasm_pd_end(reasm_state *s, csctp_reasm_stream *st, int aborted, int unordered);

/* Recycles the buffer of a REASM_ABUF node before the node goes back to the pool. */
void csctp_reasm_asm_recycle(reasm_state *s, csctp_reasm_frag *f);

/* Frees the idle buffers (when the reassembly is freed). */
void csctp_reasm_asm_free(csctp_reasm *r);
/* Frees the idle assembly buffers. Returns bytes. */
size_t csctp_reasm_asm_trim(csctp_reasm *r);

#endif
