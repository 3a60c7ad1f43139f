/* SPDX-License-Identifier: MIT */
/*
 * The agent's structure, shared by ice_agent.c (the libnice agent), ice_handover.c
 * (export and import) and ice_resume.c (an agent resumed from a handover, without
 * libnice).
 */
#ifndef CSCTP_ICE_AGENT_H
#define CSCTP_ICE_AGENT_H

#include <csctp/ice.h>
#include <nice/agent.h>

#include "ice_loop.h"
#include "ice_resolve.h"
#include "log.h"

typedef struct ice_resumed ice_resumed;

#define ICE_COMPONENT 1
#define ICE_CRED_MAX 256
#define ICE_TA_IDLE_MS 1000 /* Ta while libnice's idle check timer runs out */
#define ICE_MAX_DATAGRAM 65535
/* Most datagrams in one csctp_ice_agent_send_batch() call (the vectors are on the stack). */
#define ICE_MAX_BATCH 64
/* Socket buffers of the selected pair: a browser's burst of unacknowledged
 * datagrams (partially reliable channels, bulk windows of several MiB) would
 * overflow Linux's default 208 KiB and be lost before SCTP sees it. */
#define ICE_SOCKET_BUFFER (4 << 20)

struct csctp_ice_agent {
  const csctp_mem *mem;
  GMainContext *ctx;
  NiceAgent *nice;
  guint stream;
  csctp_ice_event_fn on_event;
  void *user_data;
  csctp_log_fn log;
  void *log_user_data;
  uint32_t log_mask;
  uint32_t log_levels[CSCTP_LOG_LEVELS];
  csctp_ice_state state;
  int controlling;      /* the role given to libnice */
  int gathering;        /* csctp_ice_agent_gather() was called */
  int gather_deferred;  /* ... while server names were resolving: libnice gathers later */
  int gathering_done;   /* GATHERING_DONE was reported */
  ice_servers *servers; /* the STUN / TURN servers, resolved (ice_resolve.h) */
  int remote_creds;     /* remote credentials set: checks may run */
  int remote_done;      /* end-of-candidates from the peer */
  int gso_off;          /* the selected pair's socket cannot offload segmentation */
  int rx_batch;         /* the selected pair's socket is read in batches (ice_rx.c) */
  int no_fragment;      /* csctp_ice_agent_set_no_fragment(): DF on the selected socket */
  uint32_t connect_timeout_ms;
  ice_group *group;   /* whose private context a->ctx is (ice_loop.h) */
  GSource *timeout;   /* the connect timeout, while it runs */
  guint ta_saved;     /* the configured Ta (ms) while ICE_TA_IDLE_MS stands in; 0 otherwise */
  GPtrArray *pending; /* NiceCandidate* received before the credentials */
  unsigned depth;     /* callbacks in progress */
  int dead;           /* deleted from inside a callback: free when unwound */
  char ufrag[ICE_CRED_MAX + 1];
  char pwd[ICE_CRED_MAX + 1];
  uint16_t port_min, port_max;   /* the configured range (0, 0: any) */
  char first_addr[64];           /* the first configured local address, "" for none */
  char rufrag[ICE_CRED_MAX + 1]; /* the remote credentials (a handover carries them) */
  char rpwd[ICE_CRED_MAX + 1];
  int handed_over;           /* exported (ice_handover.c): silent, sends and reads nothing */
  ice_resumed *resumed;      /* a resumed agent (ice_resume.c): no libnice, nice == NULL */
  csctp_ice_pair_stats pair; /* csctp_ice_agent_get_pair_stats(); times in monotonic µs */
};

/** Counts `n` datagrams of `bytes` in all delivered to the application. */
static inline void ice_count_rx(csctp_ice_agent *a, size_t n, size_t bytes) {
  a->pair.packets_received += n;
  a->pair.bytes_received += bytes;
  a->pair.last_packet_received_us = g_get_monotonic_time();
}

/** Logs on the agent's hook when the level and category are on. */
/* ice_df.c: DF set (`on`) or the system's default on the UDP socket `s` (logged on error). */
void ice_socket_no_fragment(csctp_ice_agent *a, GSocket *s, int on);
__attribute__((format(printf, 3, 4))) void ice_log(const csctp_ice_agent *a, csctp_log_level level,
                                                   const char *fmt, ...);

/** Calls the event callback (not once deleted), counting the depth for csctp_ice_agent_del(). */
void ice_emit(csctp_ice_agent *a, const csctp_ice_event *ev);

/** Sets the state and reports it (FAILED is terminal). */
void ice_set_state(csctp_ice_agent *a, csctp_ice_state state);

/** Stops every signal and source of the libnice agent that could reach `a`. */
void ice_quiesce(csctp_ice_agent *a);

/** The caller's configuration of layout `version` (completed into `buf` when older); NULL for an
 *  unknown version or NULL. */
const csctp_ice_config *ice_config_in(int version, const csctp_ice_config *cfg,
                                      csctp_ice_config *buf);

/** Whether `s` is 1..ICE_CRED_MAX ice-chars (RFC 8839 §5.4), at least `min` of them. */
int ice_valid_cred(const char *s, size_t min);

#endif
