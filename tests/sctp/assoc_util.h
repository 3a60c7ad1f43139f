/* SPDX-License-Identifier: MIT */
/* Helpers for association tests: two engines joined by hand on a virtual clock. */
#ifndef CSCTP_TEST_ASSOC_UTIL_H
#define CSCTP_TEST_ASSOC_UTIL_H

#include <criterion/criterion.h>
#include <csctp/sctp.h>
#include <string.h>

#include "assoc.h"
#include "chunk.h"
#include "packet.h"
#include "prng.h"

#define PKT_MAX 1500

typedef struct side {
  csctp_assoc *a;
  csctp_prng rng;
  csctp_event evs[64];
  uint8_t evdata[64][2048]; /* copies of message payloads (first 2 KiB) */
  int nev;
} side;

typedef struct pkt {
  uint8_t b[PKT_MAX];
  size_t len;
} pkt;

static inline csctp_config test_config(side *s, uint64_t seed) {
  csctp_config cfg;
  csctp_config_default(&cfg);
  csctp_prng_seed(&s->rng, seed);
  cfg.rand = csctp_prng_rand_fn;
  cfg.rand_user_data = &s->rng;
  cfg.rto_initial = 300;
  cfg.rto_min = 100;
  cfg.rto_max = 2000;
  cfg.max_init_retransmits = 4;
  cfg.association_max_retrans = 4;
  return cfg;
}

static inline void side_new(side *s, uint64_t seed) {
  memset(s, 0, sizeof(*s));
  csctp_config cfg = test_config(s, seed);
  cr_assert_eq(csctp_assoc_new(&s->a, &cfg), 0);
}

static inline void side_new_cfg(side *s, uint64_t seed, void (*tweak)(csctp_config *)) {
  memset(s, 0, sizeof(*s));
  csctp_config cfg = test_config(s, seed);
  if (tweak) tweak(&cfg);
  cr_assert_eq(csctp_assoc_new(&s->a, &cfg), 0);
}

/* Pulls every pending packet of s into out[] (at most max). */
static inline int side_pull(side *s, pkt *out, int max, csctp_tstamp now) {
  int n = 0;
  for (;;) {
    uint8_t buf[PKT_MAX];
    csctp_ssize len = csctp_assoc_write_packet(s->a, buf, sizeof(buf), now);
    cr_assert(len >= 0, "write_packet failed: %d", (int)len);
    if (len == 0) break;
    cr_assert(n < max, "too many packets");
    memcpy(out[n].b, buf, (size_t)len);
    out[n].len = (size_t)len;
    n++;
  }
  return n;
}

static inline void side_drain_events(side *s) {
  csctp_event ev;
  while (csctp_assoc_poll_event(s->a, &ev) == 1) {
    if (s->nev < 64) {
      if (ev.type == CSCTP_EVENT_MESSAGE) {
        size_t n = ev.u.message.len < 2048 ? ev.u.message.len : 2048;
        memcpy(s->evdata[s->nev], ev.u.message.data, n);
        ev.u.message.data = s->evdata[s->nev];
      }
      s->evs[s->nev++] = ev;
    }
  }
}

static inline int side_has_event(const side *s, csctp_event_type t) {
  for (int i = 0; i < s->nev; i++)
    if (s->evs[i].type == t) return 1;
  return 0;
}

static inline const csctp_event *side_find_event(const side *s, csctp_event_type t) {
  for (int i = 0; i < s->nev; i++)
    if (s->evs[i].type == t) return &s->evs[i];
  return NULL;
}

/* Moves packets both ways until neither side has anything to send; returns packets moved. */
static inline int exchange(side *x, side *y, csctp_tstamp now) {
  int total = 0;
  if (csctp_assoc_expiry(x->a) <= now) csctp_assoc_handle_expiry(x->a, now);
  if (csctp_assoc_expiry(y->a) <= now) csctp_assoc_handle_expiry(y->a, now);
  for (int round = 0; round < 100; round++) {
    pkt p[64];
    int n1 = side_pull(x, p, 64, now);
    for (int i = 0; i < n1; i++)
      cr_assert_eq(csctp_assoc_read_packet(y->a, p[i].b, p[i].len, now), 0);
    int n2 = side_pull(y, p, 64, now);
    for (int i = 0; i < n2; i++)
      cr_assert_eq(csctp_assoc_read_packet(x->a, p[i].b, p[i].len, now), 0);
    side_drain_events(x);
    side_drain_events(y);
    total += n1 + n2;
    if (n1 == 0 && n2 == 0) break;
  }
  return total;
}

/* Establishes x (initiator) with y (passive). */
static inline void establish(side *x, side *y, csctp_tstamp now) {
  cr_assert_eq(csctp_assoc_connect(x->a, now), 0);
  exchange(x, y, now);
  cr_assert_eq(csctp_assoc_get_state(x->a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_get_state(y->a), CSCTP_STATE_ESTABLISHED);
}

/* The first chunk of a packet. */
static inline int first_chunk(const pkt *p, csctp_chunk *ch) {
  csctp_chunk_iter it;
  csctp_chunk_iter_init(&it, p->b, p->len);
  return csctp_chunk_next(&it, ch) == 1;
}

/* 1 when packet p holds a chunk of `type`; *out gets it. */
static inline int find_chunk(const pkt *p, uint8_t type, csctp_chunk *out) {
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, p->b, p->len);
  while (csctp_chunk_next(&it, &ch) == 1)
    if (ch.type == type) {
      if (out) *out = ch;
      return 1;
    }
  return 0;
}

static inline uint32_t pkt_vtag(const pkt *p) { return csctp_get_u32(p->b + 4); }

/* Builds a packet: header with the given tag and ports 5000/5000, then chunk bytes; sets the CRC.
 */
static inline void build_pkt(pkt *p, uint32_t vtag, const uint8_t *chunks, size_t len) {
  csctp_wr w;
  csctp_wr_init(&w, p->b, sizeof(p->b));
  csctp_packet_write_header(&w, 5000, 5000, vtag);
  csctp_wr_bytes(&w, chunks, len);
  csctp_packet_set_crc(p->b, w.len);
  p->len = w.len;
}

/* Clears the RFC 7053 I bit of every DATA / I-DATA chunk of p (a sender that never sets it, as
 * usrsctp by default) and sets the CRC again. Returns how many chunks had it. */
static inline int pkt_clear_i_bit(pkt *p) {
  int n = 0;
  size_t off = CSCTP_COMMON_HDR_LEN;
  while (off + 4 <= p->len) {
    size_t clen = csctp_get_u16(p->b + off + 2);
    if (clen < 4) break;
    if ((p->b[off] == CSCTP_CHUNK_DATA || p->b[off] == CSCTP_CHUNK_IDATA) &&
        (p->b[off + 1] & CSCTP_DATA_FLAG_I)) {
      p->b[off + 1] &= (uint8_t)~CSCTP_DATA_FLAG_I;
      n++;
    }
    off += (clen + 3) & ~(size_t)3;
  }
  csctp_packet_set_crc(p->b, p->len);
  return n;
}

#endif
