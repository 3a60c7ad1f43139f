/* SPDX-License-Identifier: MIT */
/* Helpers of the handover tests: two engines on a virtual clock exchanging numbered messages. */
#ifndef CSCTP_TEST_HANDOVER_UTIL_H
#define CSCTP_TEST_HANDOVER_UTIL_H

#include <criterion/criterion.h>
#include <csctp/sctp.h>
#include <stdio.h>
#include <string.h>

#include "assoc.h"
#include "hmac.h"
#include "prng.h"

#define NSTREAMS 6  /* 0..3 ordered, 4..5 unordered */
#define MAXSEQ 4096 /* messages per stream and direction */
#define HPKT 1500
#define MS CSCTP_MILLISECONDS

static const uint8_t key[32] = "handover test key, 32 bytes....";

typedef struct end {
  csctp_assoc *a;
  csctp_prng rng;
  csctp_config cfg;
  uint32_t tx_seq[NSTREAMS];  /* next message number to send per stream */
  uint32_t rx_next[NSTREAMS]; /* next expected per ordered stream */
  uint8_t rx_seen[NSTREAMS][MAXSEQ];
  uint32_t rx_count;
  uint32_t other;  /* messages on streams >= NSTREAMS */
  uint32_t resets; /* STREAMS_RESET and INCOMING_RESET_RESULT events, all successful */
  int bad_events;  /* any event but messages, CONNECTED and successful stream changes */
  int connected;
} end;

static inline void end_new(end *e, uint64_t seed, uint32_t edmid) {
  memset(e, 0, sizeof(*e));
  csctp_config_default(&e->cfg);
  csctp_prng_seed(&e->rng, seed);
  e->cfg.rand = csctp_prng_rand_fn;
  e->cfg.rand_user_data = &e->rng;
  e->cfg.rto_initial = 1000;
  e->cfg.rto_min = 400; /* above sack_timeout: no T3 on a zero-delay link */
  e->cfg.rto_max = 4000;
  e->cfg.zero_checksum_edmid = edmid;
  e->cfg.outbound_streams = 16;
  e->cfg.max_inbound_streams = 16;
  cr_assert_eq(csctp_assoc_new(&e->a, &e->cfg), 0);
}

/* Message i of stream s: its size varies (some are fragmented at the 1200-byte MTU). */
static inline size_t msg_make(uint8_t *b, uint16_t s, uint32_t i) {
  size_t len = 8 + (i * 37 + s * 11) % 3000;
  memset(b, (int)(i + s), len);
  b[0] = (uint8_t)s;
  b[1] = (uint8_t)(i >> 16);
  b[2] = (uint8_t)(i >> 8);
  b[3] = (uint8_t)i;
  return len;
}

static inline void send_some(end *e, int n, csctp_tstamp now) {
  uint8_t b[4096];
  for (int k = 0; k < n; k++) {
    uint16_t s = (uint16_t)(k % NSTREAMS);
    csctp_send_opts o = {.stream = s, .ppid = 51, .unordered = s >= 4};
    size_t len = msg_make(b, s, e->tx_seq[s]);
    cr_assert_eq(csctp_assoc_send(e->a, &o, b, len, now), 0);
    e->tx_seq[s]++;
  }
}

static inline void drain(end *e) {
  csctp_event ev;
  while (csctp_assoc_poll_event(e->a, &ev) == 1) {
    if (ev.type == CSCTP_EVENT_CONNECTED) {
      e->connected++;
      continue;
    }
    if (ev.type == CSCTP_EVENT_STREAMS_RESET || ev.type == CSCTP_EVENT_INCOMING_RESET_RESULT) {
      if (ev.u.streams_reset.result) e->bad_events++; /* refused */
      e->resets++;
      continue;
    }
    if (ev.type != CSCTP_EVENT_MESSAGE) {
      if (ev.type == CSCTP_EVENT_SEND_BUFFER_LOW) continue;
      if (ev.type != CSCTP_EVENT_STREAMS_CHANGED || ev.u.streams_changed.result) e->bad_events++;
      continue;
    }
    const uint8_t *d = ev.u.message.data;
    uint16_t s = ev.u.message.stream;
    if (s >= NSTREAMS) { /* the readiness tests' own messages */
      e->other++;
      continue;
    }
    cr_assert(ev.u.message.len >= 8 && d[0] == s);
    uint32_t i = (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
    uint8_t ref[4096];
    size_t len = msg_make(ref, s, i);
    cr_assert_eq(ev.u.message.len, len);
    cr_assert(memcmp(ref, d, len) == 0, "payload of stream %u message %u", s, i);
    cr_assert_eq(ev.u.message.unordered, s >= 4);
    cr_assert(i < MAXSEQ && !e->rx_seen[s][i], "stream %u message %u twice", s, i);
    e->rx_seen[s][i] = 1;
    if (s < 4) {
      cr_assert_eq(i, e->rx_next[s], "stream %u: message %u, expected %u", s, i, e->rx_next[s]);
      e->rx_next[s]++;
    }
    e->rx_count++;
  }
}

/* Moves packets x -> y (dropping them when y is NULL); returns how many. */
static inline int move(end *x, end *y, csctp_tstamp now) {
  int n = 0;
  uint8_t b[HPKT];
  csctp_ssize len;
  while ((len = csctp_assoc_write_packet(x->a, b, sizeof b, now)) > 0) {
    if (y) cr_assert_eq(csctp_assoc_read_packet(y->a, b, (size_t)len, now), 0);
    n++;
  }
  cr_assert(len == 0);
  return n;
}

static inline void pump(end *x, end *y, csctp_tstamp now) {
  for (int r = 0; r < 1000; r++) {
    if (csctp_assoc_expiry(x->a) <= now) csctp_assoc_handle_expiry(x->a, now);
    if (csctp_assoc_expiry(y->a) <= now) csctp_assoc_handle_expiry(y->a, now);
    int n = move(x, y, now) + move(y, x, now);
    drain(x);
    drain(y);
    if (!n) return;
  }
  cr_assert_fail("pump did not settle");
}

/* Runs the clock in 10 ms steps until both ends are quiescent. */
static inline void settle(end *x, end *y, csctp_tstamp *now) {
  for (int i = 0; i < 2000; i++) {
    pump(x, y, *now);
    if (!csctp_assoc_handover_readiness(x->a) && !csctp_assoc_handover_readiness(y->a)) return;
    *now += 10 * MS;
  }
  cr_assert_fail("never quiescent: %#x %#x", csctp_assoc_handover_readiness(x->a),
                 csctp_assoc_handover_readiness(y->a));
}

static inline void establish_pair(end *a, end *b, uint32_t edmid, csctp_tstamp now) {
  end_new(a, 1, edmid);
  end_new(b, 2, edmid);
  cr_assert_eq(csctp_assoc_connect(a->a, now), 0);
  pump(a, b, now);
  cr_assert_eq(csctp_assoc_get_state(a->a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_get_state(b->a), CSCTP_STATE_ESTABLISHED);
}

/* Exports e->a (which must be ready), checks the size query, deletes it, imports the blob. */
static inline void hand_over(end *e, csctp_tstamp now, uint8_t *blob, size_t *len_out) {
  cr_assert_eq(csctp_assoc_handover_readiness(e->a), 0);
  csctp_ssize need = csctp_assoc_handover_export(e->a, key, sizeof key, now, NULL, 0);
  cr_assert(need > 0 && (size_t)need <= CSCTP_HANDOVER_MAX);
  csctp_ssize n = csctp_assoc_handover_export(e->a, key, sizeof key, now, blob, 65536);
  cr_assert_eq(n, need);
  csctp_assoc_del(e->a);
  e->a = NULL;
  cr_assert_eq(csctp_assoc_handover_import(&e->a, &e->cfg, key, sizeof key, blob, (size_t)n, now,
                                           5 * CSCTP_SECONDS),
               0);
  cr_assert_eq(csctp_assoc_get_state(e->a), CSCTP_STATE_ESTABLISHED);
  if (len_out) *len_out = (size_t)n;
}

#endif
