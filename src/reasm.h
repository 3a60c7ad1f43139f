/* SPDX-License-Identifier: MIT */
/*
 * Reassembly and ordered delivery of received DATA (RFC 9260 §6.5, §6.6, §6.9):
 * fragments kept per stream in TSN order, complete messages handed out as one
 * contiguous buffer. Stream state is allocated when a stream is first used.
 */
#ifndef CSCTP_REASM_H
#define CSCTP_REASM_H

#include <stddef.h>
#include <stdint.h>

#include <csctp/common.h>
#include <csctp/sctp.h>

#include "chunk.h"
#include "tsn.h"

typedef struct csctp_rx_msg {
  uint16_t stream;
  uint16_t ssn;
  uint32_t ppid;
  int unordered;
  uint32_t mid;        /* I-DATA (ireasm.c): the Message Identifier; not set for DATA */
  const uint8_t *data; /* valid until the next pop, release, clear or free */
  size_t len;
  uint32_t flags; /* CSCTP_MSG_*: 0 for a whole message */
} csctp_rx_msg;

typedef struct csctp_reasm_frag csctp_reasm_frag;
typedef struct csctp_reasm_stream csctp_reasm_stream;

/* Fields are private to reasm.c. */
typedef struct csctp_reasm {
  const csctp_mem *mem;
  uint32_t max_message_size;
  size_t bytes; /* payload bytes held */
  void *priv;   /* implementation state (streams, pool, ready list, delivery buffer) */
} csctp_reasm;

/* max_message_size bounds a reassembled message. Returns 0 or CSCTP_ERR_NOMEM. */
int csctp_reasm_init(csctp_reasm *r, const csctp_mem *mem, uint32_t max_message_size);
void csctp_reasm_free(csctp_reasm *r);

/*
 * Stores a copy of the payload of a DATA chunk that the TSN tracker accepted
 * as new (d->len > 0). Pooled storage: no allocation per chunk in steady
 * state. A B fragment right after a message whose end never came drops what
 * is held of that message, which can never complete (the sender stopped it,
 * RFC 3758), with CSCTP_MSG_ABORTED when it was in pieces. Returns 0,
 * CSCTP_ERR_NOMEM, CSCTP_ERR_MSG_TOO_LARGE (the message grows past
 * max_message_size: the caller aborts the association), or
 * CSCTP_ERR_MALFORMED (a fragment contradicts those around it, e.g. a middle
 * fragment whose stream or SSN differs from its message's).
 */
int csctp_reasm_add(csctp_reasm *r, const csctp_data_chunk *d);

/*
 * Takes the next complete deliverable message: ordered ones in SSN order per
 * stream, unordered ones as soon as complete, streams served round-robin.
 * Releases the previous popped message first. Returns 1 (msg filled), 0 when
 * none is ready, or CSCTP_ERR_NOMEM.
 */
int csctp_reasm_pop(csctp_reasm *r, csctp_rx_msg *msg);

/*
 * Partial delivery (RFC 9260 §6.9): `point` bytes (0 = off, the default).
 * When on, pop also hands out the notice of a message abandoned after some of
 * its pieces were handed out (CSCTP_MSG_ABORTED, len 0).
 */
void csctp_reasm_set_partial(csctp_reasm *r, uint32_t point);

/*
 * Makes the hashes of the keys a peer chooses (stream ids; stream and SSN of ordered messages
 * waiting for their turn) secret, so that no set of them shares a probe run (hmap.h). Call it
 * before the first chunk, with a seed the peer cannot know.
 */
void csctp_reasm_set_hash_seed(csctp_reasm *r, uint64_t seed);

/*
 * Partial delivery, when pop found nothing: hands out what has arrived of the
 * message that holds the receiver back, the one whose fragments run up to
 * `cum` (the cumulative TSN; everything below it has arrived, so this is the
 * only message that can be incomplete without a hole below it), when it is
 * next in line on its stream and at least the partial delivery point of it is
 * here (any amount when `force`, the window being nearly full). The piece has
 * CSCTP_MSG_MORE (and CSCTP_MSG_CONTINUED after the first); the rest of the
 * message follows it, its last piece through pop with CSCTP_MSG_CONTINUED.
 * Until then no other message of its stream is handed out. The piece is
 * released like a popped message. Returns 1 (msg filled), 0, or
 * CSCTP_ERR_NOMEM (nothing changed).
 */
int csctp_reasm_pop_piece(csctp_reasm *r, csctp_tsn cum, int force, csctp_rx_msg *msg);

/* Releases the last popped message's buffer (its bytes leave the count). */
void csctp_reasm_release(csctp_reasm *r);

/* 1 when pop would return a message. */
int csctp_reasm_has_ready(const csctp_reasm *r);

/* Payload bytes held: incomplete, complete and not yet released. */
static inline size_t csctp_reasm_bytes(const csctp_reasm *r) { return r->bytes; }

/*
 * Memory held for what the peer sent and the application has not released:
 * the nodes of held fragments and queued messages (their headers and inline
 * room, not only the payload), payloads too big for a node, and assembly
 * buffers in use (the open one for what it holds so far). Recycled nodes and
 * idle buffers are not counted. This is
 * what the receive window and a csctp_rx_budget are charged (RFC 9260 §6.2:
 * what the window cannot hold is dropped), so a peer sending tiny chunks
 * cannot hold more memory than the window says.
 */
size_t csctp_reasm_held(const csctp_reasm *r);

/*
 * Gives back what idle reassembly does not need: recycled nodes, idle assembly buffers, and
 * the delivery buffer unless a message handed out from it is not yet released. Returns bytes.
 */
size_t csctp_reasm_trim(csctp_reasm *r);

/* Drops everything and forgets all streams (peer restart). */
void csctp_reasm_clear(csctp_reasm *r);

/*
 * Resets the expected SSN of incoming stream `id` to 0 (RFC 6525 §5.2.2, the
 * peer reset its outgoing stream). Returns 0, or CSCTP_ERR_INVALID_STATE,
 * changing nothing, while the stream still holds fragments or undelivered
 * messages: the caller delivers them first (or answers "in progress").
 */
int csctp_reasm_reset_stream(csctp_reasm *r, uint16_t id);

/*
 * FORWARD TSN, first step (RFC 3758 §3.6): drops every fragment at or below
 * `new_cum` that belongs to an incomplete message, with the rest of its run.
 * Complete messages stay. A partial message is never handed out; when pieces
 * of it were (partial delivery), pop hands out CSCTP_MSG_ABORTED once no
 * other stream has a message ready (nothing of its own stream comes before).
 */
void csctp_reasm_forward(csctp_reasm *r, csctp_tsn new_cum);

/*
 * FORWARD TSN, second step, per (stream, SSN) pair: the complete ordered
 * messages of the stream up to `ssn` are handed out in SSN order (the
 * missing ones were abandoned) and `ssn` + 1 becomes the next expected SSN,
 * so later messages flow. An SSN behind the expected one changes nothing.
 * Returns 0 or CSCTP_ERR_NOMEM (the stream's state could not be created).
 */
int csctp_reasm_skip(csctp_reasm *r, uint16_t stream, uint16_t ssn);

/*
 * Resets the expected SSN of the incoming streams `ids` (n = 0: every
 * stream) to 0, all or none: CSCTP_ERR_INVALID_STATE, changing nothing,
 * while one of them still holds fragments or undelivered messages.
 */
int csctp_reasm_reset_streams(csctp_reasm *r, const uint16_t *ids, size_t n);

typedef struct csctp_reasm_stats {
  size_t fragments;     /* fragments held, not counting a popped message */
  size_t streams;       /* streams with state (used at least once) */
  size_t nodes;         /* fragment nodes allocated (in use + free) */
  size_t nodes_free;    /* of which recycled and idle */
  uint64_t node_allocs; /* lifetime node allocations */
  uint64_t big_allocs;  /* lifetime allocations for payloads over a node's inline size */
  size_t mem_bytes;     /* memory held for fragments: nodes (in use and free) and oversized
                           payloads; with many tiny chunks it exceeds `bytes` by a node
                           header per chunk, which a receiver may want to bound */
} csctp_reasm_stats;

/* Fills `out` with counters (for the association's statistics and tests). */
void csctp_reasm_get_stats(const csctp_reasm *r, csctp_reasm_stats *out);

#endif
