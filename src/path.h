/* SPDX-License-Identifier: MIT */
/*
 * A path (RFC 9260 §6.4, §8.2, §8.3): one transport address of the peer and what the
 * association keeps about it. Path 0 is embedded in the association (csctp_assoc.p0) and
 * holds the fields a single-homed association always had (heartbeat, idle timer); its send
 * side half (cwnd, RTO, RTT probe) is csctp_tx.p0 (tx.h). A multi-homed association
 * (csctp_config.max_paths > 1) has a csctp_assoc_mp besides (assoc_path.c): the addresses,
 * the other paths, and the send-side state of every path but the data path's, which is
 * csctp_tx.p0 while it is the data path (swapped when new data moves to another path).
 */
#ifndef CSCTP_PATH_H
#define CSCTP_PATH_H

#include <stdint.h>

#include <csctp/sctp.h>

#include "tx.h"

/* csctp_path.flags */
#define CSCTP_PATHF_HB_DUE 0x01  /* a HEARTBEAT is to be written to it (multi-homed) */
#define CSCTP_PATHF_HBACK_Q 0x02 /* a HEARTBEAT ACK to it waits in the output queue */
#define CSCTP_PATHF_GAVE_UP 0x04 /* unconfirmed, verification given up: no more probes */

typedef struct csctp_path {
  uint8_t state;          /* csctp_path_state, 0 = free slot (deleted by the peer's ASCONF) */
  uint8_t gen;            /* slot generation, carried in the HEARTBEAT Info (multi-homed) */
  uint8_t flags;          /* CSCTP_PATHF_* */
  uint8_t hb_outstanding; /* a HEARTBEAT is unanswered */
  uint32_t error_count;   /* §8.2; a single-path association counts in its own */
  csctp_tstamp hb_timer;  /* next HEARTBEAT (or its timeout), CSCTP_TSTAMP_NONE; in a
                           * multi-homed association p0's is the earliest of all paths' */
  csctp_tstamp hb_sent;   /* when the outstanding HEARTBEAT left */
  uint64_t hb_nonce;      /* its nonce (§8.3) */
  csctp_tstamp last_sent; /* last DATA sent here, for the idle-path heartbeat */
} csctp_path;

/* Per-path counters (csctp_path_info). */
typedef struct csctp_path_stats {
  uint64_t packets_out, packets_in, heartbeats_out, heartbeat_acks_in, t3_expiries, state_changes;
} csctp_path_stats;

struct csctp_asconf;

/* Counters of csctp_stats version 5 kept here, so that csctp_assoc does not grow for them
 * (a single-homed association has none of them to count). */
typedef struct csctp_mp_stats {
  uint64_t restart_new_addr_aborts, hb_dropped_ack_queued, paths_unverified, dormant_entered;
} csctp_mp_stats;

/* The multi-homed part of an association, allocated when max_paths > 1. */
typedef struct csctp_assoc_mp {
  uint8_t n;          /* paths in use: 0 .. n-1 */
  uint8_t primary;    /* §6.4 primary path */
  uint8_t data_path;  /* where new data goes; its send state is csctp_tx.p0 */
  uint8_t rtx_path;   /* where retransmissions go (another active path after a T3, §6.4.1) */
  uint8_t src;        /* the path of the packet being read */
  uint8_t src_local;  /* and the local address it arrived at */
  uint8_t reply_path; /* the active path the peer's last accepted packet came from (§6.4) */
  uint8_t n_laddrs;
  uint8_t writing;        /* csctp_assoc_write_packet_via is writing: the plain call may */
  uint8_t hb_burst;       /* HEARTBEATs to unconfirmed paths in this RTO window (§5.4) */
  uint8_t dormant;        /* every confirmed path is inactive: data goes on to data_path */
  csctp_tstamp hb_window; /* when that window ends */
  csctp_tstamp hbt[CSCTP_PATHS_MAX]; /* each path's own HEARTBEAT deadline */
  csctp_addr addr[CSCTP_PATHS_MAX];
  uint8_t local[CSCTP_PATHS_MAX];
  csctp_path px[CSCTP_PATHS_MAX - 1]; /* paths 1.. (path 0 is csctp_assoc.p0) */
  csctp_tx_path tp[CSCTP_PATHS_MAX];  /* send state; tp[data_path] is stale (tx.p0) */
  csctp_path_stats st[CSCTP_PATHS_MAX];
  csctp_addr laddrs[CSCTP_PATHS_MAX];     /* our addresses, listed in INIT / INIT ACK */
  struct csctp_asconf *asc;               /* RFC 5061 state with cfg.asconf (assoc_asconf.c) */
  uint32_t inactive_seq[CSCTP_PATHS_MAX]; /* order in which the paths last became inactive */
  uint32_t inactive_n;
  csctp_mp_stats v5;
} csctp_assoc_mp;

#endif
