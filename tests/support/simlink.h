/* SPDX-License-Identifier: MIT */
/*
 * A seeded, simulated link between two endpoints on a virtual clock, for
 * tests, tools and benchmarks.
 *
 * Each direction has its own impairments: loss, duplication, reordering,
 * one-way delay and jitter, an MTU and a bandwidth with a bounded tail-drop
 * queue. Packets are copied into an in-flight queue ordered by delivery time.
 * The driver csctp_simlink_run_until() pulls packets from both endpoints,
 * advances the virtual clock to the next delivery or timer deadline, delivers
 * packets, runs timers and hands events to a per-side handler, until a
 * predicate holds or a time or step limit is hit. Everything is deterministic
 * for a given seed: no real clock is read.
 *
 * Endpoints are reached through csctp_simlink_ops, so the link can be tested
 * with fake endpoints; csctp_simlink_attach_assocs() attaches two csctp
 * associations.
 */
#ifndef CSCTP_TEST_SIMLINK_H
#define CSCTP_TEST_SIMLINK_H

#include <csctp/sctp.h>
#include <stddef.h>
#include <stdint.h>

/** Sides and directions: side 0 ("A") sends in direction 0, side 1 ("B") in direction 1. */
enum { CSCTP_SIMLINK_A = 0, CSCTP_SIMLINK_B = 1 };

/** Impairments of one direction. Times are microseconds of virtual time. */
typedef struct csctp_simlink_dir_config {
  double loss;                /**< probability that a packet is lost on the wire */
  double duplicate;           /**< probability that a packet is delivered twice */
  double reorder;             /**< probability that a packet is held back by extra delay */
  csctp_tstamp reorder_delay; /**< the extra delay is uniform in [1, reorder_delay] */
  csctp_tstamp delay;         /**< one-way propagation delay */
  csctp_tstamp jitter;        /**< extra delay uniform in [0, jitter]; order is kept */
  uint32_t mtu;               /**< larger packets are dropped and counted; 0 = no limit */
  uint64_t bandwidth;         /**< bytes per second; 0 = infinite (no serialisation) */
  uint32_t queue_bytes;       /**< bottleneck queue limit, tail drop; 0 = unbounded */
  /** ECN marking (RFC 3168 AQM): a packet sent ECT(0) or ECT(1) that the loss or the queue
   *  limit would drop is delivered marked CE instead; Not-ECT packets are still dropped. */
  int ecn_mark;
  double ce_mark; /**< probability that an ECT packet is marked CE (on top of ecn_mark) */
} csctp_simlink_dir_config;

/** Paths of a multi-path link at most. */
#define CSCTP_SIMLINK_PATHS 4

/** Link configuration: start from csctp_simlink_config_default(). */
typedef struct csctp_simlink_config {
  uint64_t seed;                   /**< seeds every random choice of the link */
  csctp_tstamp start;              /**< virtual time at creation (default 1 s) */
  uint64_t max_steps;              /**< step limit of one run_until call (default 50,000,000) */
  csctp_simlink_dir_config dir[2]; /**< [0]: A to B, [1]: B to A */
  /**
   * 0 (default): one path, `dir`, the ops without addresses. 1..CSCTP_SIMLINK_PATHS: that many
   * paths, path i between side A's address 10.0.i.1 and side B's 10.0.i.2
   * (csctp_simlink_addr()), each with its own impairments (`path`) and counters; the sides are
   * driven through write_packet_via / read_packet_via, a packet goes on the path of its
   * destination address (none: path 0) and arrives from the sender's address of that path.
   */
  uint8_t n_paths;
  uint8_t port_len; /**< UDP port bytes in the addresses (0 or 2, port 9899) */
  /** bit i set: path i's addresses are IPv6, fd00::i:1 and fd00::i:2 (csctp_simlink_addr6()) */
  uint8_t v6_paths;
  csctp_simlink_dir_config path[CSCTP_SIMLINK_PATHS][2]; /**< each path's [dir] impairments */
} csctp_simlink_config;

/** Per-direction counters. */
typedef struct csctp_simlink_counters {
  uint64_t sent; /**< packets offered to the link by the sender */
  uint64_t bytes_sent;
  uint64_t delivered; /**< packets handed to the receiver (duplicates included) */
  uint64_t bytes_delivered;
  uint64_t dropped_loss;
  uint64_t dropped_mtu;
  uint64_t dropped_queue;    /**< tail drops at the bandwidth bottleneck */
  uint64_t dropped_tap;      /**< dropped by the tap callback */
  uint64_t duplicated;       /**< extra copies put on the link */
  uint64_t reordered;        /**< packets held back by the reordering delay */
  uint64_t dropped_down;     /**< multi-path: sent while the path was down */
  uint64_t dropped_no_route; /**< multi-path: to an address that is no path's (path 0's) */
  uint64_t ect;              /**< packets offered with an ECT codepoint */
  uint64_t marked_ce;        /**< ECT packets delivered marked CE (ecn_mark, ce_mark) */
} csctp_simlink_counters;

/** Why csctp_simlink_run_until() returned. */
typedef enum csctp_simlink_stop {
  CSCTP_SIMLINK_DONE = 0,   /**< the predicate returned non-zero */
  CSCTP_SIMLINK_IDLE,       /**< nothing in flight and no timer pending: nothing can happen */
  CSCTP_SIMLINK_TIME_LIMIT, /**< the virtual time budget ran out */
  CSCTP_SIMLINK_STEP_LIMIT, /**< max_steps iterations ran (a livelock guard) */
  CSCTP_SIMLINK_ERROR,      /**< an endpoint returned an error: csctp_simlink_last_error() */
} csctp_simlink_stop;

/**
 * How the driver reaches an endpoint (`ep` is the pointer given to
 * csctp_simlink_attach). The functions have the meaning and return values of
 * the csctp_assoc_* functions of the same name. poll_event may be NULL.
 */
typedef struct csctp_simlink_ops {
  csctp_ssize (*write_packet)(void *ep, uint8_t *buf, size_t cap, csctp_tstamp now);
  int (*read_packet)(void *ep, const uint8_t *pkt, size_t len, csctp_tstamp now);
  csctp_tstamp (*expiry)(const void *ep);
  int (*handle_expiry)(void *ep, csctp_tstamp now);
  int (*poll_event)(void *ep, csctp_event *ev);
  /** Optional: the ECN codepoint (CSCTP_ECN_*) of the packet write_packet returned last. */
  int (*packet_ecn)(const void *ep);
  /** Optional: read_packet with the codepoint the packet arrived with (used when set). */
  int (*read_packet_ecn)(void *ep, const uint8_t *pkt, size_t len, int ecn, csctp_tstamp now);
  /** Multi-path links: csctp_assoc_write_packet_via / read_packet_via. */
  csctp_ssize (*write_packet_via)(void *ep, uint8_t *buf, size_t cap, csctp_tstamp now,
                                  csctp_route *to);
  int (*read_packet_via)(void *ep, const csctp_route *from, const uint8_t *pkt, size_t len,
                         csctp_tstamp now);
} csctp_simlink_ops;

typedef struct csctp_simlink csctp_simlink;

/**
 * Event handler of one side, called by the driver for every polled event.
 * It may call any function of the endpoint (send, shutdown, ...), using
 * csctp_simlink_now() as the time; `ev` and its data are valid only during
 * the call.
 */
typedef void (*csctp_simlink_event_fn)(csctp_simlink *link, int side, const csctp_event *ev,
                                       void *user);

/**
 * Tap: sees each packet offered by side `dir` before any impairment. It may
 * change the packet in place (at most `cap` bytes, new length in *len) and
 * returns non-zero to drop it (counted in dropped_tap). It must not call
 * csctp_simlink_inject().
 */
typedef int (*csctp_simlink_tap_fn)(csctp_simlink *link, int dir, uint8_t *pkt, size_t *len,
                                    size_t cap, void *user);

/** Path tap (multi-path links): sees each packet side `dir` offers to `path` (read only);
 *  non-zero drops it (counted in dropped_tap). */
typedef int (*csctp_simlink_path_tap_fn)(csctp_simlink *link, int dir, int path, const uint8_t *pkt,
                                         size_t len, void *user);

/** Stop condition for run_until: returns non-zero to stop. */
typedef int (*csctp_simlink_pred_fn)(csctp_simlink *link, void *user);

/**
 * Fills `cfg` with a clean link: seed 1, start 1 s, 25 ms one-way delay each
 * way, no jitter, loss, duplication or reordering, MTU 1200, infinite
 * bandwidth.
 */
void csctp_simlink_config_default(csctp_simlink_config *cfg);
/**
 * csctp_simlink_config_default() with `n` paths as the multi-homing tests use them: path j
 * delayed 20 + j * step_ms ms each way, 1 MB/s, 64 KiB queues.
 */
void csctp_simlink_config_paths(csctp_simlink_config *cfg, unsigned n, unsigned step_ms);

/**
 * Creates a link (copying `cfg`). Returns NULL when out of memory. Free with
 * csctp_simlink_del(); the endpoints stay owned by the caller.
 */
csctp_simlink *csctp_simlink_new(const csctp_simlink_config *cfg);

/** Frees the link and the packets still in flight. NULL is allowed. */
void csctp_simlink_del(csctp_simlink *link);

/**
 * Attaches endpoint `ep` with operations `ops` (static or outliving the
 * link) as `side` (CSCTP_SIMLINK_A or _B).
 */
void csctp_simlink_attach(csctp_simlink *link, int side, const csctp_simlink_ops *ops, void *ep);

/** Attaches two csctp associations as sides A and B (they stay owned by the caller). */
void csctp_simlink_attach_assocs(csctp_simlink *link, csctp_assoc *a, csctp_assoc *b);

/** Returns the association attached to `side` by csctp_simlink_attach_assocs (else its ep). */
void *csctp_simlink_endpoint(const csctp_simlink *link, int side);

/** Sets the event handler of `side` (NULL: events are polled and discarded). */
void csctp_simlink_set_event_handler(csctp_simlink *link, int side, csctp_simlink_event_fn fn,
                                     void *user);

/** Sets the tap (NULL removes it). */
void csctp_simlink_set_tap(csctp_simlink *link, csctp_simlink_tap_fn fn, void *user);

/** Replaces the impairments of direction `dir` from now on (packets in flight keep theirs). */
void csctp_simlink_set_dir_config(csctp_simlink *link, int dir, const csctp_simlink_dir_config *dc);

/**
 * Offers one packet (copied) to direction `dir` at the current virtual time,
 * through the tap and every impairment, as if side `dir` had written it.
 */
void csctp_simlink_inject(csctp_simlink *link, int dir, const uint8_t *pkt, size_t len);

/**
 * Runs the two endpoints across the link until `pred` (may be NULL) returns
 * non-zero, nothing more can happen, `max_duration` microseconds of virtual
 * time have passed since the call, the step limit is reached, or an
 * endpoint returns an error. Each step: drain events and outbound packets of
 * both sides, advance the clock to the earliest delivery or timer deadline,
 * deliver due packets (draining the receiver after each), run due timers.
 * The predicate is checked whenever both sides have been drained.
 */
csctp_simlink_stop csctp_simlink_run_until(csctp_simlink *link, csctp_simlink_pred_fn pred,
                                           void *user, csctp_tstamp max_duration);

/** Returns the current virtual time. */
csctp_tstamp csctp_simlink_now(const csctp_simlink *link);

/** Steps run by every run_until call so far. */
uint64_t csctp_simlink_steps(const csctp_simlink *link);

/** Packets currently in flight (both directions). */
size_t csctp_simlink_in_flight(const csctp_simlink *link);

/** Returns the counters of direction `dir`. */
const csctp_simlink_counters *csctp_simlink_counters_get(const csctp_simlink *link, int dir);

/** The error that stopped the last run with CSCTP_SIMLINK_ERROR, else 0. */
int csctp_simlink_last_error(const csctp_simlink *link);

/** Attaches two associations as sides A and B of a multi-path link (the _via calls). */
void csctp_simlink_attach_assocs_mh(csctp_simlink *link, csctp_assoc *a, csctp_assoc *b);

/** Side `side`'s address on path `path`: 10.0.path.(side + 1), then port 9899 when port_len 2. */
void csctp_simlink_addr(int side, int path, uint8_t port_len, csctp_addr *out);

/** Side `side`'s IPv6 address on path `path` (a path of csctp_simlink_config.v6_paths):
 *  fd00::path:(side + 1), then port 9899 when port_len 2. */
void csctp_simlink_addr6(int side, int path, uint8_t port_len, csctp_addr *out);

/** Takes path `path` down (every packet of both directions dropped, dropped_down) or up. */
void csctp_simlink_set_path_up(csctp_simlink *link, int path, int up);

/** The counters of path `path`, direction `dir`, of a multi-path link. */
const csctp_simlink_counters *csctp_simlink_path_counters(const csctp_simlink *link, int path,
                                                          int dir);

/** Sets the path tap (NULL removes it). */
void csctp_simlink_set_path_tap(csctp_simlink *link, csctp_simlink_path_tap_fn fn, void *user);

/** A constant name for a stop reason, e.g. "DONE". */
const char *csctp_simlink_stop_name(csctp_simlink_stop s);

#endif
