/* SPDX-License-Identifier: MIT */
/*
 * The send buffer of the tx (RFC 9260 §6.1): whole messages, each held in one
 * allocation with its bytes (chunks are views into it, never allocations;
 * small messages' blocks are recycled);
 * per-stream FIFO queues created when a stream is first used and found through
 * a small hash map keyed by stream id. The scheduler that picks the next
 * stream (tx_sched.h) keeps its state in these structs.
 */
#ifndef CSCTP_TX_QUEUE_H
#define CSCTP_TX_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <csctp/common.h>

#include "copy.h"

typedef struct csctp_tx_stream csctp_tx_stream;
typedef struct csctp_tx_slab csctp_tx_slab;

/* One message and its bytes, one allocation. */
/* A message's flags, as one byte (see csctp_tx_msg); `spare` named so that an initializer
 * writes the whole byte. */
typedef struct csctp_tx_msg_bits {
  uint8_t unordered : 1;
  uint8_t sack_now : 1;
  uint8_t spare : 6;
} csctp_tx_msg_bits;

typedef struct csctp_tx_msg {
  struct csctp_tx_msg *next; /* FIFO link inside its stream */
  csctp_tx_stream *st;       /* the stream it belongs to (lives as long as the queue) */
  uint32_t len;
  uint32_t sent; /* bytes already cut into chunks (first transmissions) */
  uint32_t ppid;
  uint16_t ssn; /* assigned at first transmission; ordered only */
  union { /* both bits written at once through `bits` (C11 6.5.2.3: common initial sequence) */
    csctp_tx_msg_bits bits;
    struct {
      uint8_t unordered : 1;
      uint8_t sack_now : 1; /* RFC 7053 on request: its last fragment carries the I bit */
      uint8_t spare : 6;
    };
  };
  uint8_t pr_policy; /* csctp_pr_policy (RFC 7496) */
  uint32_t pr_value; /* RTX: retransmissions allowed */
  uint32_t cap;      /* bytes `data` has room for: a message of its own allocation */
  uint32_t order;    /* FCFS queue order number (serial, wraps), stamped under FCFS only */
  uint32_t mid; /* I-DATA (RFC 8260 §2.1): Message Identifier, assigned at the first fragment */
  csctp_tstamp expires; /* TTL: abandoned when sent or retransmitted after this */
  csctp_tx_slab *slab;  /* the slab holding a small message, NULL for its own allocation */
  uint8_t data[];
} csctp_tx_msg;
/* Small messages are carved from slabs with their header: keep it within a cache line. */
_Static_assert(sizeof(csctp_tx_msg) <= 64, "csctp_tx_msg grew past 64 bytes");

/* Where a stream is in the scheduler. */
enum {
  CSCTP_TXS_IDLE = 0, /* on no list: nothing it may send (deficit 0) */
  CSCTP_TXS_READY,    /* its head message fits its deficit: served this round */
  CSCTP_TXS_WAITING,  /* its head message does not fit: gains quanta at round starts */
  CSCTP_TXS_SCAN,     /* PRIORITY: on the list it scans (the WAITING list's links) */
  CSCTP_TXS_FCFS_ON,  /* FCFS: on that list too; each push stamps the message's order */
};

struct csctp_tx_stream {
  uint16_t id;
  uint16_t next_ssn;
  uint16_t priority; /* weight: quantum * priority / CSCTP_TX_PRIORITY_DEFAULT */
  /*
   * I-DATA (RFC 8260 §2.1): the next ordered and unordered MIDs, and the FSN of the next
   * fragment of the message in progress. With I-DATA that message stays at the head of
   * the FIFO (sent > 0) until its last fragment is cut (csctp_tx_stream_cur).
   */
  uint32_t next_mid, next_umid, fsn_next;
  uint8_t sched;             /* CSCTP_TXS_* */
  csctp_tx_msg *head, *tail; /* queued, not yet started */
  csctp_tx_stream *rr_next;  /* next on its scheduler list */
  uint64_t deficit;          /* bytes it may still send (DRR deficit counter) */
  uint32_t round;            /* the scheduler round in which it last got its quantum */
  size_t buffered;           /* payload queued + outstanding on this stream */
  uint32_t n_queued;         /* messages in the FIFO */
  /*
   * Paused for a stream reset (RFC 6525): only the first `hold` queued
   * messages (those queued before the reset was asked for) may still go.
   */
  uint8_t paused;
  uint32_t hold;
};

/*
 * Messages up to CSCTP_TX_MSG_SMALL bytes are carved one after another from
 * slabs (contiguous, in sending order: no allocation per message, few cache
 * misses); a slab goes back to mem when its last message is freed, except
 * the current one, which is reused from its start. Slabs start at
 * CSCTP_TX_SLAB_MIN bytes and double, up to CSCTP_TX_SLAB_MAX, each time one
 * fills while the previous still holds messages.
 */
#define CSCTP_TX_MSG_SMALL 2048
#define CSCTP_TX_SLAB_MIN 2048
#define CSCTP_TX_SLAB_MAX 65536

struct csctp_tx_slab {
  size_t cap, used; /* bytes of mem[] */
  size_t live;      /* messages in it not yet freed */
  _Alignas(8) uint8_t mem[];
};

/* Stream priority of weight 1 (the scheduler quantum * priority / 256, tx_sched.h). */
#define CSCTP_TX_PRIORITY_DEFAULT 256
/*
 * Default quantum: 16 KiB, the message size WebRTC senders have long split
 * their data into for interoperability. Streams whose messages are at most
 * this big send at least one per round, so rounds cost O(1) per message (the
 * DRR condition quantum >= largest packet); fairness between backlogged
 * streams holds within one quantum plus one message. Larger messages (up to
 * the 256 KiB default max_message_size: 16 rounds) wait on the WAITING list.
 */
#define CSCTP_TX_QUANTUM_DEFAULT 16384

typedef struct csctp_tx_queue {
  const csctp_mem *mem;
  csctp_tx_slab *slab;   /* current slab small messages are carved from, or NULL */
  size_t slabs;          /* slabs allocated (stats, tests) */
  csctp_tx_stream **map; /* open addressing, linear probing, power-of-two size */
  csctp_tx_stream *last; /* the stream last asked for (streams live as long as the queue) */
  size_t map_cap, n_streams;
  csctp_tx_stream *ready_head, *ready_tail; /* CSCTP_TXS_READY, served in turn */
  csctp_tx_stream *wait_head, *wait_tail;   /* CSCTP_TXS_WAITING */
  csctp_tx_stream *wait_best; /* the WAITING stream that fits first (NULL when none) */
  csctp_tx_stream *pkt_st;    /* RR_PACKET: the stream that served the current packet */
  csctp_tx_stream *served;    /* I-DATA: had the last turn but is first in line, being alone */
  uint32_t quantum;           /* bytes per round at the default priority */
  uint32_t round;             /* current round (counts round starts; wraps) */
  uint32_t order;             /* queue order number of the next message pushed */
  uint8_t kind;               /* scheduler, CSCTP_TXS_WFQ... (tx_sched.h) */
  uint8_t scan;               /* kind is PRIORITY or FCFS: streams on the scanned list */
  uint32_t frag; /* I-DATA: largest fragment; the scheduler charges fragments (0: DATA) */
  size_t n_msgs; /* queued messages */
  int pause_new; /* streams created from now on start paused (a reset of all streams) */
  /* Allocations of large messages freed while others were queued, for the next ones
   * (linked by `next`, largest capacity not sorted): a sender of large messages reuses
   * warm memory instead of the allocator's, whose heap trimming makes every new one
   * fault its pages in. At most spare_limit bytes; all given back when a message is
   * freed with none queued, so an idle queue holds none. */
  csctp_tx_msg *spare;
  size_t spare_bytes, spare_limit;
} csctp_tx_queue;

void csctp_tx_queue_init(csctp_tx_queue *q, const csctp_mem *mem);
/* Frees every queued message and every stream (messages still referenced elsewhere, e.g. by
 * the outstanding ring, must have been freed first: the current slab goes too). */
void csctp_tx_queue_free(csctp_tx_queue *q);
/* Frees the current slab when no message lives in it, and the spare large messages. Returns
 * bytes. */
size_t csctp_tx_queue_trim(csctp_tx_queue *q);

/* The stream `id`, or NULL when it was never used. */
csctp_tx_stream *csctp_tx_queue_find(const csctp_tx_queue *q, uint16_t id);
/* The general case of csctp_tx_queue_stream (tx_queue.c). */
int csctp_tx_queue_stream_any(csctp_tx_queue *q, uint16_t id, csctp_tx_stream **out);
/*
 * The stream `id`, created when needed. Returns 0 or CSCTP_ERR_NOMEM (nothing changed).
 * The stream asked for last is answered inline.
 */
static inline int csctp_tx_queue_stream(csctp_tx_queue *q, uint16_t id, csctp_tx_stream **out) {
  if (q->last && q->last->id == id) {
    *out = q->last;
    return 0;
  }
  return csctp_tx_queue_stream_any(q, id, out);
}

/* The general case of csctp_tx_msg_new (tx_queue.c). */
csctp_tx_msg *csctp_tx_msg_new_any(csctp_tx_queue *q, const uint8_t *data, size_t len);
/*
 * A message with a copy of `len` bytes (NULL on NOMEM); one up to
 * CSCTP_TX_MSG_SMALL bytes is carved from the current slab, so small messages
 * cost no allocation in steady state (inline while the current slab has room).
 */
static inline csctp_tx_msg *csctp_tx_msg_new(csctp_tx_queue *q, const uint8_t *data, size_t len) {
  csctp_tx_slab *sl = q->slab;
  size_t size = (sizeof(csctp_tx_msg) + len + 7) & ~(size_t)7;
  if (len > CSCTP_TX_MSG_SMALL || !sl || sl->used + size > sl->cap)
    return csctp_tx_msg_new_any(q, data, len);
  csctp_tx_msg *m = (csctp_tx_msg *)(void *)(sl->mem + sl->used);
  sl->used += size;
  sl->live++;
  memset(m, 0, sizeof(*m));
  m->slab = sl;
  m->len = (uint32_t)len;
  csctp_copy(m->data, data, len);
  return m;
}
/* The general case of csctp_tx_msg_free (tx_queue.c): a message of its own, or its slab's last. */
void csctp_tx_msg_free_any(csctp_tx_queue *q, csctp_tx_msg *m);
/* Frees a message of q (a slab goes back to mem with its last message, unless current). */
static inline void csctp_tx_msg_free(csctp_tx_queue *q, csctp_tx_msg *m) {
  csctp_tx_slab *sl = m->slab;
  if (sl && --sl->live) return;
  csctp_tx_msg_free_any(q, m);
}

/* I-DATA: the message of st being fragmented (its FIFO head once begun), or NULL. */
static inline csctp_tx_msg *csctp_tx_stream_cur(const csctp_tx_stream *st) {
  return st->head && st->head->sent ? st->head : NULL;
}

/* Schedules a stream that got its first message (tx_sched.c). */
void csctp_tx_queue_join(csctp_tx_queue *q, csctp_tx_stream *st);
/* csctp_tx_queue_join after a push (FCFS stamps the order of the message pushed, the tail). */
void csctp_tx_queue_join_push(csctp_tx_queue *q, csctp_tx_stream *st);

/* Appends m to its stream (m->st set) and schedules the stream. */
static inline void csctp_tx_queue_push(csctp_tx_queue *q, csctp_tx_msg *m) {
  csctp_tx_stream *st = m->st;
  m->next = NULL;
  if (st->tail)
    st->tail->next = m;
  else
    st->head = m;
  st->tail = m;
  q->n_msgs++;
  st->n_queued++;
  /* IDLE (0) or FCFS_ON (4): one test. */
  if (!(st->sched & 3)) csctp_tx_queue_join_push(q, st);
}
/*
 * Frees the queued messages of streams >= min_stream (0: all), those a pause
 * holds back included, subtracting their bytes from the streams' buffered
 * counts. Returns how many were dropped and adds their bytes to *bytes. The
 * other streams keep their place in the scheduler and their deficits.
 */
size_t csctp_tx_queue_drop(csctp_tx_queue *q, uint32_t min_stream, size_t *bytes);

/* Every stream's next SSN and MIDs back to 0 (association restart). */
void csctp_tx_queue_reset_ssn(csctp_tx_queue *q);

/* Pauses a stream: the messages queued now may still go, later ones wait (no-op if paused). */
void csctp_tx_queue_pause(csctp_tx_queue *q, csctp_tx_stream *st);
/* Ends a pause: the stream is scheduled again if it has messages. */
void csctp_tx_queue_unpause(csctp_tx_queue *q, csctp_tx_stream *st);

#endif
