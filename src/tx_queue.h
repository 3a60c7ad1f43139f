/*
 * The send buffer of the tx (RFC 9260 §6.1): whole messages, each held in one
 * allocation with its bytes (chunks are views into it, never allocations);
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

typedef struct csctp_tx_queue {
  const csctp_mem *mem;
  csctp_tx_stream **map; /* open addressing, linear probing, power-of-two size */
  size_t map_cap, n_streams;
  csctp_tx_stream *rr_head, *rr_tail;
  size_t n_msgs;  /* queued messages */
  int pause_new;  /* streams created from now on start paused (a reset of all streams) */
} csctp_tx_queue;

void csctp_tx_queue_init(csctp_tx_queue *q, const csctp_mem *mem);
/* Frees every queued message and every stream. */
void csctp_tx_queue_free(csctp_tx_queue *q);

/* The stream `id`, or NULL when it was never used. */
csctp_tx_stream *csctp_tx_queue_find(const csctp_tx_queue *q, uint16_t id);
/* The stream `id`, created when needed. Returns 0 or CSCTP_ERR_NOMEM (nothing changed). */
int csctp_tx_queue_stream(csctp_tx_queue *q, uint16_t id, csctp_tx_stream **out);

/* Allocates a message and copies `len` bytes into it (NULL on NOMEM). */
csctp_tx_msg *csctp_tx_msg_new(const csctp_mem *mem, const uint8_t *data, size_t len);
void csctp_tx_msg_free(const csctp_mem *mem, csctp_tx_msg *m);

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
