/* SPDX-License-Identifier: MIT */
/*
 * Two csctp_dtls endpoints joined in memory on a virtual clock, with seeded
 * datagram loss and a fixed one-way delay: the test driver of tests/dtls/.
 */
#ifndef CSCTP_TEST_DTLS_PAIR_H
#define CSCTP_TEST_DTLS_PAIR_H

#include <csctp/dtls.h>

#include "prng.h"

#define DTLS_PAIR_MAX_FLIGHT 256
#define DTLS_PAIR_MAX_DATA 64

typedef struct dtls_pair_dgram {
  csctp_tstamp at;
  int to;
  size_t len;
  uint8_t data[1500];
} dtls_pair_dgram;

typedef struct dtls_pair_side {
  csctp_dtls *ep;
  csctp_dtls_cert *cert;
  int connected, closed, closed_by_peer, failed;
  csctp_dtls_event error; /* the ERROR event, if any */
  char cipher[96];
  csctp_srtp_profile srtp;
  /* application data received, concatenated per record up to 64 records */
  size_t ndata;
  size_t data_len[DTLS_PAIR_MAX_DATA];
  uint8_t data[DTLS_PAIR_MAX_DATA][1500];
  uint64_t dropped; /* datagrams this side sent that the link lost */
  uint64_t sent;
  size_t largest; /* largest datagram this side wrote */
} dtls_pair_side;

typedef struct dtls_pair {
  dtls_pair_side side[2]; /* 0: client, 1: server */
  csctp_tstamp now;
  csctp_tstamp delay;
  double loss;
  csctp_prng rng;
  size_t nflight;
  dtls_pair_dgram flight[DTLS_PAIR_MAX_FLIGHT];
} dtls_pair;

/* Options for dtls_pair_init: NULL entries keep the defaults. */
typedef struct dtls_pair_opts {
  uint64_t seed;
  double loss;
  int cookie_exchange;
  int srtp;                 /* -1: default (on) */
  int wrong_fingerprint[2]; /* side i expects a fingerprint that is not its peer's */
  const char *cipher_list[2];
  const char *srtp_profiles[2];
  csctp_dtls_keylog_fn keylog;
  void *keylog_user_data;
  uint32_t mtu;     /* 0: default */
  csctp_log_fn log; /* both sides' log hook, filtered by log_spec (CSCTP_DEBUG syntax) */
  void *log_user_data;
  const char *log_spec;
} dtls_pair_opts;

/* Creates both endpoints (certificates generated) and starts them. Returns 0 or an error. */
int dtls_pair_init(dtls_pair *p, const dtls_pair_opts *o);
void dtls_pair_free(dtls_pair *p);

typedef int (*dtls_pair_pred)(dtls_pair *p);

/*
 * Runs until pred holds (checked after every step), nothing can happen, or
 * `max` microseconds of virtual time pass. Returns 1 when pred held.
 */
int dtls_pair_run(dtls_pair *p, dtls_pair_pred pred, csctp_tstamp max);

int dtls_pair_both_connected(dtls_pair *p);
int dtls_pair_both_done(dtls_pair *p); /* each side connected, failed or closed */

#endif
