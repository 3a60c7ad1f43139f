/* SPDX-License-Identifier: MIT */
/* Helpers for the extension tests (PR-SCTP, stream reset): a lossy, clocked exchange. */
#ifndef CSCTP_TEST_EXT_UTIL_H
#define CSCTP_TEST_EXT_UTIL_H

#include "assoc_util.h"

#define T0 ((csctp_tstamp)1000000)
#define MS CSCTP_MILLISECONDS

/* Optional event hook of run_lossy (else events are kept in side.evs). */
typedef void (*ev_fn)(int side_idx, const csctp_event *ev, void *user);
static ev_fn ext_ev_hook;

/* Decides the fate of a packet from side `from` (0 = x, 1 = y): return 1 to drop it. */
typedef int (*drop_fn)(int from, const pkt *p, void *user);

/*
 * Runs x and y until `until` (virtual time from *now), moving packets with a
 * 10 ms one-way delay in steps: each step delivers what was written in the
 * previous one, runs due timers and drains events. Returns packets moved.
 */
static inline int run_lossy(side *x, side *y, csctp_tstamp *now, csctp_tstamp until, drop_fn drop,
                            void *user) {
  int moved = 0;
  static pkt q[2][256];
  static int nq[2]; /* packets in flight stay in flight between calls */
  while (*now < until) {
    side *s[2] = {x, y};
    for (int d = 0; d < 2; d++) {
      for (int i = 0; i < nq[d]; i++)
        cr_assert_eq(csctp_assoc_read_packet(s[1 - d]->a, q[d][i].b, q[d][i].len, *now), 0);
      nq[d] = 0;
    }
    for (int d = 0; d < 2; d++) {
      if (csctp_assoc_expiry(s[d]->a) <= *now) csctp_assoc_handle_expiry(s[d]->a, *now);
      pkt tmp[64];
      int n = side_pull(s[d], tmp, 64, *now);
      for (int i = 0; i < n; i++) {
        moved++;
        if (drop && drop(d, &tmp[i], user)) continue;
        if (nq[d] < 256) q[d][nq[d]++] = tmp[i];
      }
    }
    if (ext_ev_hook) {
      csctp_event ev;
      for (int d = 0; d < 2; d++)
        while (csctp_assoc_poll_event(s[d]->a, &ev) == 1) ext_ev_hook(d, &ev, user);
    } else {
      side_drain_events(x);
      side_drain_events(y);
    }
    *now += 10 * MS;
  }
  return moved;
}

/* Counts the chunks of `type` in packet p. */
static inline int count_chunks(const pkt *p, uint8_t type) {
  csctp_chunk_iter it;
  csctp_chunk ch;
  int n = 0;
  csctp_chunk_iter_init(&it, p->b, p->len);
  while (csctp_chunk_next(&it, &ch) == 1) n += ch.type == type;
  return n;
}

static inline int count_events(const side *s, csctp_event_type t) {
  int n = 0;
  for (int i = 0; i < s->nev; i++) n += s->evs[i].type == t;
  return n;
}

/* The k-th MESSAGE event kept by side_drain_events (NULL when fewer). */
static inline const csctp_event *msg_at(const side *s, int k) {
  for (int i = 0; i < s->nev; i++)
    if (s->evs[i].type == CSCTP_EVENT_MESSAGE && k-- == 0) return &s->evs[i];
  return NULL;
}

#endif
