/* SPDX-License-Identifier: MIT */
/*
 * Received TSNs above the cumulative ack point, as a bounded sorted set of
 * merged ranges, and the SACK built from it (RFC 9260 §6.2, §3.3.4).
 */
#ifndef CSCTP_RX_TSN_H
#define CSCTP_RX_TSN_H

#include <stdint.h>

#include <csctp/common.h>

#include "tsn.h"
#include "wr.h"

#define CSCTP_RX_MAX_BLOCKS 64 /* ranges kept above the cumulative TSN */
#define CSCTP_RX_MAX_DUPS 32   /* duplicates remembered for the next SACK */

typedef struct csctp_rx_range {
  csctp_tsn start, end; /* inclusive, absolute TSNs */
} csctp_rx_range;

typedef struct csctp_rx_tsn {
  csctp_tsn cum;     /* cumulative TSN ack point */
  csctp_tsn highest; /* highest TSN received (== cum when none above) */
  uint32_t n_blocks;
  csctp_rx_range blocks[CSCTP_RX_MAX_BLOCKS]; /* sorted, disjoint, non-adjacent, > cum + 1 */
  uint32_t n_dups;
  csctp_tsn dups[CSCTP_RX_MAX_DUPS];
} csctp_rx_tsn;

enum {
  CSCTP_RX_TSN_NEW = 0,     /* not seen before (recorded by _add) */
  CSCTP_RX_TSN_DUP = 1,     /* at or below cum, or already in a range */
  CSCTP_RX_TSN_NO_ROOM = 2, /* new, but cannot be tracked (too far ahead, too many ranges) */
};

/* Starts with cum = peer_initial_tsn - 1. */
void csctp_rx_tsn_init(csctp_rx_tsn *t, csctp_tsn peer_initial_tsn);

/* The general cases of csctp_rx_tsn_check and csctp_rx_tsn_add (rx_tsn.c). */
int csctp_rx_tsn_check_any(const csctp_rx_tsn *t, csctp_tsn tsn);
int csctp_rx_tsn_add_any(csctp_rx_tsn *t, csctp_tsn tsn);

/* Classifies `tsn` without recording anything. The next TSN in order is answered inline. */
static inline int csctp_rx_tsn_check(const csctp_rx_tsn *t, csctp_tsn tsn) {
  return tsn == t->cum + 1 ? CSCTP_RX_TSN_NEW : csctp_rx_tsn_check_any(t, tsn);
}

/*
 * Classifies and records `tsn`: NEW is added (cum advances over any range it
 * joins); DUP is remembered for the next SACK's duplicate list (up to
 * CSCTP_RX_MAX_DUPS); NO_ROOM changes nothing (the caller drops the chunk and
 * the peer retransmits). A TSN more than 65535 above cum is NO_ROOM (gap
 * offsets are 16-bit).
 */
static inline int csctp_rx_tsn_add(csctp_rx_tsn *t, csctp_tsn tsn) {
  if (tsn == t->cum + 1 && t->n_blocks == 0) { /* in order, nothing held above: inline */
    t->cum = tsn;
    if (csctp_tsn_gt(tsn, t->highest)) t->highest = tsn;
    return CSCTP_RX_TSN_NEW;
  }
  return csctp_rx_tsn_add_any(t, tsn);
}

static inline int csctp_rx_tsn_has_gaps(const csctp_rx_tsn *t) { return t->n_blocks != 0; }
static inline int csctp_rx_tsn_has_dups(const csctp_rx_tsn *t) { return t->n_dups != 0; }

/*
 * Appends a SACK chunk with the cumulative TSN, `a_rwnd`, the gap blocks and
 * the duplicates, dropping the highest blocks and the last duplicates that
 * do not fit in the writer. Clears the duplicate list. Returns 0, or
 * CSCTP_ERR_NOBUF (nothing written) when not even the 16-byte fixed part fits.
 */
int csctp_rx_tsn_write_sack(csctp_rx_tsn *t, csctp_wr *w, uint32_t a_rwnd);

/* Moves cum forward to new_cum if ahead (FORWARD TSN, RFC 3758), dropping ranges below it. */
void csctp_rx_tsn_forward(csctp_rx_tsn *t, csctp_tsn new_cum);

#endif
