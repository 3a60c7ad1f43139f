/* SPDX-License-Identifier: MIT */
/* Two engines joined in memory, for the engine and data-channel consumers.
 * Uses only the installed public header <csctp/sctp.h>. */
#ifndef CONSUMER_PAIR_H
#define CONSUMER_PAIR_H

#include <csctp/sctp.h>
#include <stdio.h>
#include <stdlib.h>

/* A tiny deterministic generator: the consumers need tags, not secrecy. */
static int pair_rand(uint8_t *buf, size_t len, void *user_data) {
  uint64_t *s = user_data;
  for (size_t i = 0; i < len; i++) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    buf[i] = (uint8_t)*s;
  }
  return 0;
}

static csctp_assoc *pair_assoc_new(uint64_t *seed) {
  csctp_config cfg;
  csctp_config_default(&cfg);
  cfg.rand = pair_rand;
  cfg.rand_user_data = seed;
  csctp_assoc *a = NULL;
  int rc = csctp_assoc_new(&a, &cfg);
  if (rc != 0) {
    fprintf(stderr, "csctp_assoc_new: %s\n", csctp_strerror(rc));
    exit(1);
  }
  return a;
}

/* Moves every due packet from `from` to `to`; returns how many. */
static int pair_flush(csctp_assoc *from, csctp_assoc *to, csctp_tstamp now) {
  uint8_t pkt[1500];
  int n = 0;
  csctp_ssize len;
  while ((len = csctp_assoc_write_packet(from, pkt, sizeof pkt, now)) > 0) {
    if (csctp_assoc_read_packet(to, pkt, (size_t)len, now) < 0) exit(1);
    n++;
  }
  if (len < 0) {
    fprintf(stderr, "csctp_assoc_write_packet: %s\n", csctp_strerror((int)len));
    exit(1);
  }
  return n;
}

#endif
