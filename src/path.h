/* SPDX-License-Identifier: MIT */
/*
 * A path (RFC 9260 §6.4, §8.2, §8.3): one transport address of the peer and what the
 * association keeps about it. Path 0 is embedded in the association (csctp_assoc.p0) and
 * holds the fields a single-homed association always had (heartbeat, idle timer); its send
 * side half (cwnd, RTO, RTT probe) is csctp_tx.p0 (tx.h). Further paths, for a multi-homed
 * association, come in later work.
 */
#ifndef CSCTP_PATH_H
#define CSCTP_PATH_H

#include <stdint.h>

#include <csctp/common.h>

/* Paths an association may use: the three spare bits of csctp_tx_chunk.state name one. */
#define CSCTP_PATHS_MAX 8

/* csctp_path.state: 0 is a free slot. */
enum {
  CSCTP_PATH_S_FREE = 0,
  CSCTP_PATH_S_UNCONFIRMED, /* §5.4: not verified, nothing but HEARTBEAT goes there */
  CSCTP_PATH_S_ACTIVE,
  CSCTP_PATH_S_PF,       /* RFC 7829 */
  CSCTP_PATH_S_INACTIVE, /* §8.2: error_count went over Path.Max.Retrans */
};

typedef struct csctp_path {
  uint8_t state;          /* CSCTP_PATH_S_* */
  uint8_t gen;            /* slot generation: bumped when the slot is reused */
  uint8_t flags;          /* reserved for the multi-homed paths */
  uint8_t hb_outstanding; /* a HEARTBEAT is unanswered */
  uint32_t error_count;   /* §8.2; a single-path association counts in its own */
  csctp_tstamp hb_timer;  /* next HEARTBEAT (or its timeout), CSCTP_TSTAMP_NONE */
  csctp_tstamp hb_sent;   /* when the outstanding HEARTBEAT left */
  uint64_t hb_nonce;      /* its nonce (§8.3) */
  csctp_tstamp last_sent; /* last DATA sent here, for the idle-path heartbeat */
} csctp_path;

#endif
