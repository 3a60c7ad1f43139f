/* SPDX-License-Identifier: MIT */
/*
 * State of the interleaved reassembly (ireasm.c): message headers, streams,
 * the indexes, and the identity hashes. Internal to ireasm.c.
 */
#ifndef CSCTP_IREASM_PRIV_H
#define CSCTP_IREASM_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "hmap.h"
#include "ireasm.h"
#include "reasm_pool.h"

#define FLAG_B CSCTP_DATA_FLAG_B
#define FLAG_E CSCTP_DATA_FLAG_E
#define FLAG_U CSCTP_DATA_FLAG_U
#define IR_PD 0x20 /* queued node flag: the last piece of a message handed out in pieces */

/* Node fields as used here: tsn = FSN (loose) or MID (a queued message's first node), ppid
 * = MID (loose) or PPID (queued), next = prefix / chain link (loose: list link with prev),
 * msg_next = hand-out queue link, run_bytes = the queued message's length. */

typedef struct ireasm_msg {
  struct ireasm_msg *next;            /* free list; lists collected by skip */
  struct ireasm_msg *s_prev, *s_next; /* begun and incomplete (pieces candidates), oldest first */
  csctp_reasm_frag *head, *tail;      /* prefix: FSNs [pfx_end - n, pfx_end) in order */
  csctp_reasm_frag *loose;            /* fragments beyond the prefix (prev/next list, in frags) */
  size_t pfx_bytes;                   /* payload in the prefix */
  size_t bytes;                       /* payload held (prefix and loose) */
  size_t delivered;                   /* handed out in pieces */
  uint32_t mid, ppid;
  uint32_t pfx_end;  /* FSN the prefix continues with (0: no B yet) */
  uint32_t top;      /* highest FSN seen + 1 */
  uint32_t last_fsn; /* the E fragment's FSN, with has_e */
  uint32_t n_loose;
  uint16_t stream;
  uint8_t unordered, has_e, complete, pd, begun;
} ireasm_msg;

typedef struct ireasm_stream {
  uint16_t id;
  uint8_t in_ready;  /* in the ready FIFO, or held (a message of it in pieces) */
  uint8_t ord_ready; /* the ordered message with next_mid is complete */
  uint32_t next_mid; /* MID of the next ordered message (§2.1: MIDs per stream and U) */
  uint32_t n_open;   /* headers of this stream (incomplete, or ordered complete waiting) */
  uint32_t n_ord;    /* of which ordered */
  uint32_t n_queued; /* messages on the hand-out queue */
  csctp_reasm_frag *uhead, *utail; /* hand-out queue (first nodes of messages) */
  ireasm_msg *cur;                 /* the header this stream's last fragment went to */
  struct ireasm_stream *ready_next;
} ireasm_stream;

typedef struct ireasm_state {
  csctp_reasm_pool pool;
  csctp_hmap streams, msgs, frags;
  ireasm_stream *last_st;
  ireasm_stream *ready_head, *ready_tail;
  ireasm_msg *hdr_free;
  size_t n_hdr, n_hdr_free;
  ireasm_msg *begun_head, *begun_tail;
  size_t n_open, open_peak; /* incomplete messages */
  size_t n_frags;
  csctp_reasm_frag *popped_node; /* a one-node message or piece handed out without a copy */
  size_t popped_bytes;
  uint8_t *dbuf;
  size_t dbuf_cap;
  ireasm_msg *pd_msg;   /* the message in pieces */
  ireasm_stream *pd_st; /* its stream, held, until its last piece or the ABORTED notice */
  int pd_aborted;
  uint8_t pd_ab_unordered;
} ireasm_state;

static inline int ireasm_mid_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }

static inline uint32_t ireasm_key(uint16_t stream, int u, uint32_t mid) {
  return mid * 0x85ebca6bu ^ ((uint32_t)stream << 1 | (uint32_t)(u != 0)) * 0xc2b2ae35u;
}

static inline uint32_t ireasm_frag_key(const ireasm_msg *m, uint32_t fsn) {
  return ireasm_key(m->stream, m->unordered, m->mid) ^ fsn * 0x27d4eb2fu;
}

static inline ireasm_stream *ireasm_stream_find(ireasm_state *s, uint16_t id) {
  if (s->last_st && s->last_st->id == id) return s->last_st;
  ireasm_stream *st = csctp_hmap_get(&s->streams, id);
  if (st) s->last_st = st;
  return st;
}

/* ---- shared by ireasm.c and ireasm_drop.c ---- */
ireasm_state *csctp_ireasm_state_get(csctp_ireasm *r); /* allocated at first use; NULL: no memory */
ireasm_stream *csctp_ireasm_stream_get(csctp_ireasm *r, ireasm_state *s, uint16_t id);
ireasm_msg *csctp_ireasm_msg_find(const ireasm_state *s, uint16_t stream, int u, uint32_t mid);
void csctp_ireasm_msg_release(ireasm_state *s, ireasm_stream *st, ireasm_msg *m);
void csctp_ireasm_hdr_put(ireasm_state *s, ireasm_msg *m);
void csctp_ireasm_make_ready(ireasm_state *s, ireasm_stream *st);
void csctp_ireasm_queue(ireasm_stream *st, csctp_reasm_frag *f);
void csctp_ireasm_ord_check(ireasm_state *s, ireasm_stream *st);
csctp_reasm_frag *csctp_ireasm_take(ireasm_state *s, ireasm_stream *st, ireasm_msg *m);

#endif
