/* SPDX-License-Identifier: MIT */
/*
 * The outstanding-DATA ring of the tx: one record per DATA chunk sent and not
 * yet cumulatively acknowledged, indexed by TSN - (cum_tsn_ack + 1). Records
 * are views into their message (offset, length); the array is allocated at
 * the first push (an idle association holds none), grows by doubling when
 * full and never allocates per chunk.
 */
#ifndef CSCTP_TX_RING_H
#define CSCTP_TX_RING_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <csctp/common.h>

#include "tx_queue.h"

/* Record state bits. */
#define CSCTP_TXC_ACKED 0x01     /* acked by a gap block (may be reneged, §6.2.1) */
#define CSCTP_TXC_RTX 0x02       /* marked for retransmission, not in flight */
#define CSCTP_TXC_FAST_DONE 0x04 /* already fast-retransmitted once (§7.2.4) */
#define CSCTP_TXC_ABANDONED 0x08 /* RFC 3758: never sent again, not in flight, bytes released */
#define CSCTP_TXC_FREE_MSG 0x10  /* last record of an abandoned message cut short: frees it */
/* Bits 5..7: the path the record was last sent on (always 0 on a single-homed association). */
#define CSCTP_TXC_PATH_SHIFT 5
#define CSCTP_TXC_PATH_MASK 0xE0

typedef struct csctp_tx_chunk {
  csctp_tx_msg *msg; /* stream, SSN and PPID live in the message */
  csctp_tstamp sent; /* first transmission */
  uint32_t off;      /* payload offset in msg->data */
  uint32_t len;      /* payload length (kept on retransmission) */
  uint8_t flags;     /* wire flags: CSCTP_DATA_FLAG_B/E/U */
  uint8_t state;     /* CSCTP_TXC_* */
  uint8_t misses;    /* miss indications (§7.2.4) */
  uint8_t tx_count;  /* transmissions, saturating at 255 */
  uint32_t fsn;      /* I-DATA: Fragment Sequence Number (RFC 8260 §2.1); unused by DATA */
} csctp_tx_chunk;
_Static_assert(sizeof(csctp_tx_chunk) == 32,
               "csctp_tx_chunk is 32 bytes (the FSN fills its padding)");

/* The path record c was last sent on (CSCTP_TXC_PATH_MASK bits). */
static inline unsigned csctp_tx_chunk_path(const csctp_tx_chunk *c) {
  return (unsigned)(c->state & CSCTP_TXC_PATH_MASK) >> CSCTP_TXC_PATH_SHIFT;
}

typedef struct csctp_tx_ring {
  const csctp_mem *mem;
  csctp_tx_chunk *slots;
  uint32_t cap;      /* power of two, 0 until the first push */
  uint32_t init_cap; /* capacity of the first allocation */
  uint32_t head;     /* slot of TSN cum_tsn_ack + 1 */
  uint32_t count;    /* records in use */
  uint32_t grows;    /* times the ring doubled (tests, stats) */
} csctp_tx_ring;

/* cap: capacity of the first allocation (made by the first push), rounded up to a power of two.
 * Allocates nothing; returns 0. */
int csctp_tx_ring_init(csctp_tx_ring *r, const csctp_mem *mem, uint32_t cap);
void csctp_tx_ring_free(csctp_tx_ring *r);
/* Frees the records' array when the ring is empty (the next push allocates it). Returns bytes. */
size_t csctp_tx_ring_trim(csctp_tx_ring *r);

/* The record at offset i (0 = TSN cum_tsn_ack + 1); i < count. */
static inline csctp_tx_chunk *csctp_tx_ring_at(const csctp_tx_ring *r, uint32_t i) {
  return &r->slots[(r->head + i) & (r->cap - 1)];
}

/* csctp_tx_ring_push when the ring is full: allocates or doubles it first. */
csctp_tx_chunk *csctp_tx_ring_push_grow(csctp_tx_ring *r);

/* Appends a zeroed record (doubling when full). NULL on NOMEM (nothing changed). */
static inline csctp_tx_chunk *csctp_tx_ring_push(csctp_tx_ring *r) {
  if (r->count == r->cap) return csctp_tx_ring_push_grow(r);
  csctp_tx_chunk *c = &r->slots[(r->head + r->count) & (r->cap - 1)];
  memset(c, 0, sizeof(*c));
  r->count++;
  return c;
}

/* Removes the first record. */
static inline void csctp_tx_ring_pop(csctp_tx_ring *r) {
  r->head = (r->head + 1) & (r->cap - 1);
  r->count--;
}

static inline void csctp_tx_ring_clear(csctp_tx_ring *r) {
  r->head = 0;
  r->count = 0;
}

#endif
