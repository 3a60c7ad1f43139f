/*
 * The send buffer of the tx (RFC 9260 §6.1): whole messages, each held in one
 * allocation with its bytes (chunks are views into it, never allocations;
 * small messages' blocks are recycled);
 * per-stream FIFO queues created when a stream is first used and found through
 * a small hash map keyed by stream id; a round-robin scheduler over the
 * streams that have queued messages, O(1) per message.
 */
#ifndef CSCTP_TX_QUEUE_H
#define CSCTP_TX_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include <csctp/common.h>

typedef struct csctp_tx_stream csctp_tx_stream;
typedef struct csctp_tx_slab csctp_tx_slab;

/* One message and its bytes, one allocation. */
typedef struct csctp_tx_msg {
  struct csctp_tx_msg *next; /* FIFO link inside its stream */
  csctp_tx_stream *st;       /* the stream it belongs to (lives as long as the queue) */
  uint32_t len;
  uint32_t sent; /* bytes already cut into chunks (first transmissions) */
  uint32_t ppid;
  uint16_t ssn; /* assigned at first transmission; ordered only */
  uint8_t unordered;
  uint8_t pr_policy;    /* csctp_pr_policy (RFC 7496) */
  uint32_t pr_value;    /* RTX: retransmissions allowed */
  csctp_tstamp expires; /* TTL: abandoned when sent or retransmitted after this */
  csctp_tx_slab *slab;  /* the slab holding a small message, NULL for its own allocation */
  uint8_t data[];
} csctp_tx_msg;

struct csctp_tx_stream {
  uint16_t id;
  uint16_t next_ssn;
  int scheduled;             /* on the round-robin list */
  csctp_tx_msg *head, *tail; /* queued, not yet started */
  csctp_tx_stream *rr_next;
  size_t buffered;   /* payload queued + outstanding on this stream */
  uint32_t n_queued; /* messages in the FIFO */
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

typedef struct csctp_tx_queue {
  const csctp_mem *mem;
  csctp_tx_slab *slab; /* current slab small messages are carved from, or NULL */
  size_t slabs;        /* slabs allocated (stats, tests) */
  csctp_tx_stream **map; /* open addressing, linear probing, power-of-two size */
  csctp_tx_stream *last; /* the stream last asked for (streams live as long as the queue) */
  size_t map_cap, n_streams;
  csctp_tx_stream *rr_head, *rr_tail;
  size_t n_msgs;  /* queued messages */
  int pause_new;  /* streams created from now on start paused (a reset of all streams) */
} csctp_tx_queue;

void csctp_tx_queue_init(csctp_tx_queue *q, const csctp_mem *mem);
/* Frees every queued message and every stream (messages still referenced elsewhere, e.g. by
 * the outstanding ring, must have been freed first: the current slab goes too). */
void csctp_tx_queue_free(csctp_tx_queue *q);

/* The stream `id`, or NULL when it was never used. */
csctp_tx_stream *csctp_tx_queue_find(const csctp_tx_queue *q, uint16_t id);
/* The stream `id`, created when needed. Returns 0 or CSCTP_ERR_NOMEM (nothing changed). */
int csctp_tx_queue_stream(csctp_tx_queue *q, uint16_t id, csctp_tx_stream **out);

/*
 * A message with a copy of `len` bytes (NULL on NOMEM); one up to
 * CSCTP_TX_MSG_SMALL bytes is carved from the current slab, so small messages
 * cost no allocation in steady state.
 */
csctp_tx_msg *csctp_tx_msg_new(csctp_tx_queue *q, const uint8_t *data, size_t len);
/* Frees a message of q (a slab goes back to mem with its last message, unless current). */
void csctp_tx_msg_free(csctp_tx_queue *q, csctp_tx_msg *m);

/* Appends m to its stream (m->st set) and schedules the stream. */
void csctp_tx_queue_push(csctp_tx_queue *q, csctp_tx_msg *m);
/* The message the scheduler will hand out next, or NULL. */
csctp_tx_msg *csctp_tx_queue_peek(const csctp_tx_queue *q);
/* Takes that message; its stream goes to the back of the round-robin. */
csctp_tx_msg *csctp_tx_queue_pop(csctp_tx_queue *q);

/*
 * Frees the queued messages of streams >= min_stream (0: all), subtracting
 * their bytes from the streams' buffered counts. Returns how many were
 * dropped and adds their bytes to *bytes.
 */
size_t csctp_tx_queue_drop(csctp_tx_queue *q, uint32_t min_stream, size_t *bytes);

/* Every stream's next SSN back to 0 (association restart). */
void csctp_tx_queue_reset_ssn(csctp_tx_queue *q);

/* Pauses a stream: the messages queued now may still go, later ones wait (no-op if paused). */
void csctp_tx_queue_pause(csctp_tx_queue *q, csctp_tx_stream *st);
/* Ends a pause: the stream is scheduled again if it has messages. */
void csctp_tx_queue_unpause(csctp_tx_queue *q, csctp_tx_stream *st);

#endif
