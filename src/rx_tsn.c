/* SPDX-License-Identifier: MIT */
/*
 * Received-TSN tracking: the cumulative ack point plus a small sorted array of
 * merged ranges above it, from which the SACK's gap blocks are read directly
 * (RFC 9260 §6.2, §3.3.4). All comparisons use serial arithmetic (tsn.h).
 */
#include "rx_tsn.h"

#include <csctp/common.h>
#include <string.h>

#include "packet.h"

#define RX_TSN_MAX_OFFSET 65535u /* gap block offsets are 16-bit (§3.3.4) */
#define RX_TSN_SACK_FIXED 16u    /* chunk header + cum, a_rwnd, two counts */

void csctp_rx_tsn_init(csctp_rx_tsn *t, csctp_tsn peer_initial_tsn) {
  memset(t, 0, sizeof(*t));
  t->cum = peer_initial_tsn - 1;
  t->highest = t->cum;
}

/*
 * Index of the first block whose start is above tsn (binary search over the
 * sorted blocks; offsets from cum make the comparison a plain unsigned one).
 */
static uint32_t rx_tsn_upper(const csctp_rx_tsn *t, csctp_tsn tsn) {
  uint32_t lo = 0, hi = t->n_blocks;
  uint32_t off = tsn - t->cum;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (t->blocks[mid].start - t->cum > off)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

/* Classification shared by check and add; *pos receives rx_tsn_upper(). */
static int rx_tsn_classify(const csctp_rx_tsn *t, csctp_tsn tsn, uint32_t *pos) {
  *pos = 0;
  if (csctp_tsn_le(tsn, t->cum)) return CSCTP_RX_TSN_DUP;
  uint32_t off = tsn - t->cum;
  if (off > RX_TSN_MAX_OFFSET) return CSCTP_RX_TSN_NO_ROOM;
  if (off == 1) return CSCTP_RX_TSN_NEW; /* advances cum: never needs a block */
  uint32_t i = rx_tsn_upper(t, tsn);
  *pos = i;
  if (i > 0 && csctp_tsn_le(tsn, t->blocks[i - 1].end)) return CSCTP_RX_TSN_DUP;
  int joins_prev = i > 0 && t->blocks[i - 1].end + 1 == tsn;
  int joins_next = i < t->n_blocks && t->blocks[i].start == tsn + 1;
  if (!joins_prev && !joins_next && t->n_blocks == CSCTP_RX_MAX_BLOCKS) return CSCTP_RX_TSN_NO_ROOM;
  return CSCTP_RX_TSN_NEW;
}

int csctp_rx_tsn_check_any(const csctp_rx_tsn *t, csctp_tsn tsn) {
  uint32_t pos;
  return rx_tsn_classify(t, tsn, &pos);
}

static void rx_tsn_remove_blocks(csctp_rx_tsn *t, uint32_t i, uint32_t n) {
  memmove(&t->blocks[i], &t->blocks[i + n], (t->n_blocks - i - n) * sizeof(t->blocks[0]));
  t->n_blocks -= n;
}

/* After cum moved: absorb a first block that now touches or overlaps it. */
static void rx_tsn_absorb_front(csctp_rx_tsn *t) {
  uint32_t drop = 0;
  while (drop < t->n_blocks && csctp_tsn_le(t->blocks[drop].end, t->cum)) drop++;
  if (drop < t->n_blocks && csctp_tsn_le(t->blocks[drop].start, t->cum + 1)) {
    t->cum = t->blocks[drop].end;
    drop++;
  }
  if (drop) rx_tsn_remove_blocks(t, 0, drop);
}

int csctp_rx_tsn_add_any(csctp_rx_tsn *t, csctp_tsn tsn) {
  uint32_t i;
  int c = rx_tsn_classify(t, tsn, &i);
  if (c == CSCTP_RX_TSN_DUP) {
    /* §6.2: every duplicate received before the next SACK is reported. */
    if (t->n_dups < CSCTP_RX_MAX_DUPS) t->dups[t->n_dups++] = tsn;
    return c;
  }
  if (c == CSCTP_RX_TSN_NO_ROOM) return c;
  if (csctp_tsn_gt(tsn, t->highest)) t->highest = tsn;
  if (tsn == t->cum + 1) {
    t->cum = tsn;
    if (t->n_blocks && t->blocks[0].start == tsn + 1) {
      t->cum = t->blocks[0].end;
      rx_tsn_remove_blocks(t, 0, 1);
    }
    return c;
  }
  int joins_prev = i > 0 && t->blocks[i - 1].end + 1 == tsn;
  int joins_next = i < t->n_blocks && t->blocks[i].start == tsn + 1;
  if (joins_prev && joins_next) {
    t->blocks[i - 1].end = t->blocks[i].end;
    rx_tsn_remove_blocks(t, i, 1);
  } else if (joins_prev) {
    t->blocks[i - 1].end = tsn;
  } else if (joins_next) {
    t->blocks[i].start = tsn;
  } else {
    memmove(&t->blocks[i + 1], &t->blocks[i], (t->n_blocks - i) * sizeof(t->blocks[0]));
    t->blocks[i].start = tsn;
    t->blocks[i].end = tsn;
    t->n_blocks++;
  }
  return c;
}

int csctp_rx_tsn_write_sack(csctp_rx_tsn *t, csctp_wr *w, uint32_t a_rwnd) {
  if (w->overflow || csctp_wr_left(w) < RX_TSN_SACK_FIXED) return CSCTP_ERR_NOBUF;
  /* Keep the lowest blocks (they unblock the peer's cum ack soonest), then dups. */
  size_t room = (csctp_wr_left(w) - RX_TSN_SACK_FIXED) / 4;
  uint32_t n_gaps = t->n_blocks < room ? t->n_blocks : (uint32_t)room;
  room -= n_gaps;
  uint32_t n_dups = t->n_dups < room ? t->n_dups : (uint32_t)room;

  /* Room for all of it was counted above: written in place. */
  uint8_t *b = w->buf + w->len;
  size_t n = RX_TSN_SACK_FIXED + 4 * ((size_t)n_gaps + n_dups);
  b[0] = CSCTP_CHUNK_SACK;
  b[1] = 0;
  csctp_put_u16(b + 2, (uint16_t)n);
  csctp_put_u32(b + 4, t->cum);
  csctp_put_u32(b + 8, a_rwnd);
  csctp_put_u16(b + 12, (uint16_t)n_gaps);
  csctp_put_u16(b + 14, (uint16_t)n_dups);
  b += RX_TSN_SACK_FIXED;
  for (uint32_t i = 0; i < n_gaps; i++, b += 4) {
    csctp_put_u16(b, (uint16_t)(t->blocks[i].start - t->cum));
    csctp_put_u16(b + 2, (uint16_t)(t->blocks[i].end - t->cum));
  }
  for (uint32_t i = 0; i < n_dups; i++, b += 4) csctp_put_u32(b, t->dups[i]);
  w->len += n;
  t->n_dups = 0;
  return 0;
}

void csctp_rx_tsn_forward(csctp_rx_tsn *t, csctp_tsn new_cum) {
  if (!csctp_tsn_gt(new_cum, t->cum)) return;
  t->cum = new_cum;
  rx_tsn_absorb_front(t);
  if (csctp_tsn_gt(t->cum, t->highest)) t->highest = t->cum;
}
