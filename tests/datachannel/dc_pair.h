/* SPDX-License-Identifier: MIT */
/* Test harness: two engines on the simulated link, each with a data-channel layer
 * (or side B left bare, to see the wire as a raw SCTP peer would). */
#ifndef CSCTP_TEST_DC_PAIR_H
#define CSCTP_TEST_DC_PAIR_H

#include <csctp/datachannel.h>
#include <csctp/sctp.h>

#include "prng.h"
#include "simlink.h"

typedef struct dc_rec {
  csctp_dc_event ev; /* pointers cleared; see copies below */
  char label[64], protocol[64];
  uint8_t data[64]; /* first bytes of a message */
  csctp_event raw;  /* bare side: the association's event */
} dc_rec;

struct dc_pair;
typedef void (*dc_hook_fn)(struct dc_pair *p, int side, const csctp_dc_event *ev);
typedef void (*raw_hook_fn)(struct dc_pair *p, const csctp_event *ev);

typedef struct dc_side {
  csctp_assoc *a;
  csctp_dc *dc; /* NULL for a bare side */
  csctp_prng rng;
  dc_rec *recs;
  size_t nrec, cap;
  int record; /* keep a copy of every event (default 1) */
  struct dc_pair *pair;
  int idx;
} dc_side;

typedef struct dc_pair {
  csctp_simlink *link;
  dc_side s[2];
  dc_hook_fn hook;      /* called for every data-channel event, after recording */
  raw_hook_fn raw_hook; /* for a bare side B */
  void *user;
} dc_pair;

/* Creates a pair on a link of `lcfg` (NULL: clean default) with association config
 * tweaks `tweak` (may be NULL); bare_b leaves side B without a data-channel layer.
 * Side A is the DTLS client (even ids), B the server. `mem` (may be NULL) is used by
 * both associations and layers. Does not connect. */
void dc_pair_new(dc_pair *p, const csctp_simlink_config *lcfg, void (*tweak)(csctp_config *),
                 int bare_b, const csctp_mem *mem);
void dc_pair_del(dc_pair *p);
/* A connects, runs until both are established (asserts). */
void dc_pair_connect(dc_pair *p);
/* Runs until pred or `dur` of virtual time; returns the stop reason. */
csctp_simlink_stop dc_pair_run(dc_pair *p, csctp_simlink_pred_fn pred, csctp_tstamp dur);
csctp_tstamp dc_pair_now(const dc_pair *p);
void dc_pair_clear(dc_pair *p);
/* The n-th recorded event of `type` on a side (NULL when fewer). */
const dc_rec *dc_pair_find(const dc_pair *p, int side, csctp_dc_event_type type, int n);
int dc_pair_count(const dc_pair *p, int side, csctp_dc_event_type type);
/* Bare side B: n-th recorded association event of `type`. */
const dc_rec *dc_pair_find_raw(const dc_pair *p, csctp_event_type type, int n);

/* 1 when the engine implements stream reset / partial reliability (weak reference: the
 * engine work is landing; tests that need it skip until then). */
int dc_engine_has_reset(void);
int dc_engine_has_pr(void);
/* Bare side B sends one message. */
void dc_raw_send(dc_pair *p, uint16_t stream, uint32_t ppid, int unordered, const void *data,
                 size_t len);

#endif
