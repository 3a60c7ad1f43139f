/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the tx tests: a tx on its own, packets written into plain
 * buffers and read back with byte reads, SACKs built by hand as bytes
 * (RFC 9260 §3.3.4) and decoded like a received chunk.
 */
#ifndef CSCTP_TEST_TX_UTIL_H
#define CSCTP_TEST_TX_UTIL_H

#include <criterion/criterion.h>
#include <string.h>

#include "chunk.h"
#include "tx.h"

#define T_MTU 1200
#define T_MAXP (T_MTU - 12 - 16) /* 1172 payload bytes per full chunk */
#define T_MS CSCTP_MILLISECONDS

typedef struct tchunk {
  uint8_t flags;
  uint32_t tsn;
  uint16_t stream, ssn;
  uint32_t ppid;
  const uint8_t *data;
  uint32_t len;
} tchunk;

typedef struct tpkt {
  uint8_t buf[T_MTU];
  size_t len;
  size_t n;
  tchunk c[128];
} tpkt;

static inline uint32_t t_be32(const uint8_t *b) {
  return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}
static inline uint16_t t_be16(const uint8_t *b) { return (uint16_t)((b[0] << 8) | b[1]); }
static inline void t_put16(uint8_t *b, uint16_t v) {
  b[0] = (uint8_t)(v >> 8);
  b[1] = (uint8_t)v;
}
static inline void t_put32(uint8_t *b, uint32_t v) {
  t_put16(b, (uint16_t)(v >> 16));
  t_put16(b + 2, (uint16_t)v);
}

static inline csctp_tx_config t_config(void) {
  csctp_tx_config c = {.mtu = T_MTU,
                       .sndbuf = 1u << 20,
                       .max_message_size = 256 * 1024,
                       .max_burst = 100,
                       .rto_initial = 3000,
                       .rto_min = 1000,
                       .rto_max = 60000};
  return c;
}

static inline void t_init(csctp_tx *tx, const csctp_tx_config *cfg, uint32_t itsn, uint32_t rwnd) {
  cr_assert_eq(csctp_tx_init(tx, csctp_mem_default(), cfg), 0);
  csctp_tx_start(tx, itsn, rwnd, 16);
}

static inline void t_fill(uint8_t *b, size_t n, uint8_t seed) {
  for (size_t i = 0; i < n; i++) b[i] = (uint8_t)(seed + i * 7);
}

static inline void t_enqueue(csctp_tx *tx, uint16_t stream, int unordered, size_t len,
                             uint8_t seed) {
  static uint8_t b[256 * 1024];
  t_fill(b, len, seed);
  cr_assert_eq(csctp_tx_enqueue(tx, stream, 1000u + stream, unordered, b, len), 0);
}

/*
 * One packet: a 12-byte (zero) common header, then whatever write_data puts
 * in; the DATA chunks are parsed back with byte reads and checked for framing.
 */
static inline size_t t_write(csctp_tx *tx, tpkt *p, csctp_tstamp now) {
  csctp_wr w;
  memset(p->buf, 0xee, sizeof(p->buf));
  csctp_wr_init(&w, p->buf, tx->cfg.mtu < T_MTU ? tx->cfg.mtu : T_MTU);
  memset(p->buf, 0, 12);
  w.len = 12;
  size_t n = csctp_tx_write_data(tx, &w, now);
  cr_assert(!w.overflow);
  cr_assert_leq(w.len, (size_t)T_MTU);
  p->len = w.len;
  p->n = 0;
  size_t o = 12;
  while (o < w.len) {
    cr_assert_geq(w.len - o, 16u);
    const uint8_t *c = p->buf + o;
    cr_assert_eq(c[0], 0, "chunk type %u", c[0]);
    uint16_t clen = t_be16(c + 2);
    cr_assert_geq(clen, 17u);
    size_t padded = (clen + 3u) & ~3u;
    cr_assert_leq(o + padded, w.len);
    for (size_t i = clen; i < padded; i++) cr_assert_eq(c[i], 0, "padding");
    tchunk *t = &p->c[p->n++];
    t->flags = c[1];
    t->tsn = t_be32(c + 4);
    t->stream = t_be16(c + 8);
    t->ssn = t_be16(c + 10);
    t->ppid = t_be32(c + 12);
    t->data = c + 16;
    t->len = clen - 16u;
    o += padded;
  }
  cr_assert_eq(o, w.len);
  cr_assert_eq(p->n, n);
  return n;
}

/* A SACK as bytes: header, cum, a_rwnd, gap blocks (start, end offsets), no dups. */
static inline int t_sack(csctp_tx *tx, uint32_t cum, uint32_t a_rwnd, const uint16_t (*gaps)[2],
                         size_t ngaps, csctp_tstamp now, csctp_tx_sack_result *res) {
  uint8_t b[16 + 4 * 64];
  size_t len = 16 + 4 * ngaps;
  b[0] = 3;
  b[1] = 0;
  t_put16(b + 2, (uint16_t)len);
  t_put32(b + 4, cum);
  t_put32(b + 8, a_rwnd);
  t_put16(b + 12, (uint16_t)ngaps);
  t_put16(b + 14, 0);
  for (size_t i = 0; i < ngaps; i++) {
    t_put16(b + 16 + 4 * i, gaps[i][0]);
    t_put16(b + 18 + 4 * i, gaps[i][1]);
  }
  csctp_chunk ch = {
      .type = b[0], .flags = b[1], .length = (uint16_t)len, .value = b + 4, .value_len = len - 4};
  csctp_sack_chunk s;
  cr_assert_eq(csctp_sack_decode(&ch, &s), 0);
  csctp_tx_sack_result r;
  /* The packet that carries it arrives: a Max.Burst opportunity, as the association gives. */
  csctp_tx_new_burst(tx);
  return csctp_tx_on_sack(tx, &s, now, res ? res : &r);
}

#endif
