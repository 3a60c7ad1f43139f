/* SPDX-License-Identifier: MIT */
/*
 * Reassembly and delivery of received I-DATA (RFC 8260 §2.1, §2.2; RFC 9260
 * §6.5, §6.6, §6.9): fragments of one message are identified by (stream,
 * U, MID) and ordered by FSN, not by TSN, so fragments of many messages may
 * interleave. Ordered messages are handed out in MID order per stream,
 * unordered ones as soon as complete, ready streams round-robin. The contract
 * mirrors reasm.h (same csctp_rx_msg, same partial-delivery flags, same
 * memory accounting); differences are said below.
 */
#ifndef CSCTP_IREASM_H
#define CSCTP_IREASM_H

#include <stddef.h>
#include <stdint.h>

#include <csctp/common.h>

#include "chunk.h"
#include "reasm.h"

/* Fields are private to ireasm.c. */
typedef struct csctp_ireasm {
  const csctp_mem *mem;
  uint32_t max_message_size;
  uint32_t pd_point; /* partial delivery point, bytes; 0 = off (kept here: priv may not exist) */
  size_t bytes;      /* payload bytes held (as csctp_reasm.bytes) */
  /* The secret of the hashes of stream ids, MIDs and FSNs, all chosen by the peer (hmap.h);
   * set before the first chunk (0: Fibonacci hashing, for tests only). */
  uint64_t hash_seed;
  void *priv; /* implementation state, allocated with the first chunk or skip */
} csctp_ireasm;

/* Allocates nothing (the state comes with the first chunk). Returns 0. */
int csctp_ireasm_init(csctp_ireasm *r, const csctp_mem *mem, uint32_t max_message_size);
void csctp_ireasm_free(csctp_ireasm *r);

/*
 * Stores a copy of the payload of an I-DATA chunk that the TSN tracker
 * accepted as new (d->len > 0; d->fsn is ignored with B, whose FSN is 0).
 * No allocation per chunk in steady state; O(1) expected per chunk in any
 * arrival order. Returns 0, CSCTP_ERR_NOMEM (nothing changed),
 * CSCTP_ERR_MSG_TOO_LARGE (the message grows past max_message_size, or an
 * FSN >= max_message_size says it must, each fragment carrying a byte: the
 * caller aborts), CSCTP_ERR_MALFORMED (the fragment contradicts what is
 * known of its message: an FSN held twice, a second B or E, an FSN beyond
 * the E's, an E below a fragment already seen, a fragment without B and
 * with FSN 0, a fragment of a complete message, or an ordered MID behind
 * the stream's next one, i.e. already delivered or skipped), or
 * CSCTP_ERR_INVALID_ARGUMENT (len 0). An unordered MID cannot be checked
 * against delivered ones: a fragment of one already delivered opens a new
 * message, which is charged like any other (held()).
 */
int csctp_ireasm_add(csctp_ireasm *r, const csctp_idata_chunk *d);

/*
 * Takes the next deliverable message: ordered ones in MID order per stream
 * (MID 0 first, serial 32-bit arithmetic), unordered ones as soon as
 * complete, streams round-robin. Releases the previous popped message
 * first. msg->ssn is the MID's low 16 bits, msg->mid the MID. Returns 1,
 * 0 when none is ready, or CSCTP_ERR_NOMEM (nothing changed). With partial
 * delivery, also hands out a CSCTP_MSG_ABORTED notice (len 0) for a message
 * in pieces that was skipped, once no stream has a message ready.
 */
int csctp_ireasm_pop(csctp_ireasm *r, csctp_rx_msg *msg);

/* Partial delivery (RFC 9260 §6.9): `point` bytes (0 = off, the default). */
void csctp_ireasm_set_partial(csctp_ireasm *r, uint32_t point);

/*
 * Partial delivery, when pop found nothing: hands out the contiguous FSN
 * prefix held of a message that is next in line (ordered: its stream's next
 * MID; or unordered) once at least the point of it is here, any amount when
 * `force` (the window nearly full). The one chosen is the oldest begun (its
 * B arrived first). The piece has CSCTP_MSG_MORE (and CSCTP_MSG_CONTINUED
 * after the first); the last piece comes through pop with CONTINUED. At most
 * one message is in pieces at a time: until it ends, only it gives pieces,
 * and no other message of its stream is handed out (other streams' whole
 * messages are). Cost O(messages begun and incomplete) per call. Returns 1,
 * 0, or CSCTP_ERR_NOMEM (nothing changed).
 */
int csctp_ireasm_pop_piece(csctp_ireasm *r, int force, csctp_rx_msg *msg);

/* Releases the last popped message's buffer (its bytes leave the count). */
void csctp_ireasm_release(csctp_ireasm *r);

/* 1 when pop would return a message (not counting an ABORTED notice). */
int csctp_ireasm_has_ready(const csctp_ireasm *r);

/* Payload bytes held: incomplete, complete and not yet released. */
static inline size_t csctp_ireasm_bytes(const csctp_ireasm *r) { return r->bytes; }

/*
 * Memory held for what the peer sent and the application has not released,
 * as csctp_reasm_held: fragment nodes in use (header and inline room),
 * payloads too big for a node, plus here a message header per open message
 * and two hash slots per indexed message or out-of-order fragment. What the
 * receive window and a csctp_rx_budget are charged. 0 when nothing is held.
 */
size_t csctp_ireasm_held(const csctp_ireasm *r);

/* Gives back recycled nodes and headers, and the idle delivery buffer. Returns bytes. */
size_t csctp_ireasm_trim(csctp_ireasm *r);

/* Drops everything and forgets all streams (peer restart). */
void csctp_ireasm_clear(csctp_ireasm *r);

/*
 * One I-FORWARD-TSN entry (RFC 8260 §2.3.1). Ordered: every incomplete
 * ordered message of `stream` with MID <= mid is dropped, the complete ones
 * up to mid are queued for delivery in MID order, and mid + 1 becomes the
 * next MID when that is ahead (an entry behind changes nothing). Unordered:
 * that message is dropped if incomplete (a complete one is delivered). A
 * dropped message in pieces yields one CSCTP_MSG_ABORTED notice (see pop).
 * Nothing is dropped by TSN: other messages' fragments below the new
 * cumulative TSN are live. Returns 0 or CSCTP_ERR_NOMEM (nothing changed).
 */
int csctp_ireasm_skip(csctp_ireasm *r, uint16_t stream, int unordered, uint32_t mid);

/*
 * Resets the incoming streams `ids` (n = 0: every stream): next ordered MID
 * 0 (RFC 8260 §2.3.2), all or none: CSCTP_ERR_INVALID_STATE, changing
 * nothing, while one of them holds fragments or undelivered messages.
 */
int csctp_ireasm_reset_streams(csctp_ireasm *r, const uint16_t *ids, size_t n);

/* Counters, as csctp_reasm_get_stats; mem_bytes includes message headers. */
void csctp_ireasm_get_stats(const csctp_ireasm *r, csctp_reasm_stats *out);

/* Messages begun and not complete (open), and the most there were at once (*peak, may be NULL). */
size_t csctp_ireasm_open_msgs(const csctp_ireasm *r, size_t *peak);

#endif
