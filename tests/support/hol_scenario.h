/* SPDX-License-Identifier: MIT */
/*
 * Head-of-line blocking scenarios on the simulated link (issue 16, RFC 8260),
 * shared by tests/sim/test_idata_latency.c and bench/bench_idata_latency.c.
 *
 * Latency: side A sends 1 MiB messages back to back on stream 1 (its queue is
 * kept full) and a 100-byte message every 10 ms on stream 2; side B records,
 * for each small message, delivered_at - sent_at on the virtual clock.
 *
 * WFQ shares: side A keeps four streams at priorities 128, 256, 512 and 1024
 * saturated with 64 KiB messages; the user payload bytes each stream puts on
 * the wire during the measured window are compared with the weights 1, 2, 4
 * and 8 fifteenths.
 *
 * Both also say whether the I-DATA path was really used: the association
 * negotiated interleaving (csctp_stats.interleaving) and the first chunk
 * carrying user data that side A wrote was an I-DATA (type 64).
 */
#ifndef CSCTP_TEST_HOL_SCENARIO_H
#define CSCTP_TEST_HOL_SCENARIO_H

#include <csctp/sctp.h>
#include <stddef.h>
#include <stdint.h>

/** Chunk types of user data on the wire. */
#define CSCTP_HOL_CHUNK_DATA 0
#define CSCTP_HOL_CHUNK_IDATA 64

/** The link and the engines of one run. */
typedef struct csctp_hol_params {
  uint64_t seed;          /**< seeds the link and both engines */
  int interleaving;       /**< csctp_config.interleaving on both sides */
  double loss;            /**< random loss, each direction */
  csctp_tstamp delay;     /**< one-way delay, microseconds (default 25 ms) */
  uint64_t bandwidth;     /**< bytes per second, each direction (default 4,000,000: 32 Mbit/s) */
  uint32_t queue_bytes;   /**< bottleneck queue, tail drop (default 0: unbounded) */
  uint32_t rwnd;          /**< both receivers' window (default 200 KiB, about the path's
                               bandwidth-delay product of 200 kB): what is in flight fills
                               the link and leaves at most a few kB queued at the bottleneck,
                               so there is no congestion loss and no bufferbloat */
  uint32_t pd_point;      /**< csctp_config.partial_delivery_point (default 64 KiB, as the
                               WebRTC peer): lets rwnd be below the 1 MiB messages */
  csctp_tstamp duration;  /**< virtual time during which traffic is offered */
  csctp_tstamp warmup;    /**< WFQ only: saturated time before the measured window */
  uint32_t sched_quantum; /**< csctp_assoc_set_sched_quantum on side A; 0: the default */
  int scheduler;          /**< csctp_config.scheduler (default CSCTP_SCHED_WFQ) */
  uint32_t big_len;       /**< latency: the bulk stream's message size (default 1 MiB); a
                               size below one chunk gives the no-blocking control run */
} csctp_hol_params;

/** What the wire and the association said about the I-DATA path. */
typedef struct csctp_hol_path {
  int negotiated;        /**< csctp_stats.interleaving of side A once connected */
  int first_data_type;   /**< type of the first user-data chunk A wrote; -1 if none */
  uint64_t data_chunks;  /**< DATA chunks written by A */
  uint64_t idata_chunks; /**< I-DATA chunks written by A */
  uint64_t ifwd_chunks;  /**< I-FORWARD-TSN chunks written by A */
} csctp_hol_path;

/** Result of the latency scenario. Times in milliseconds. */
typedef struct csctp_hol_latency {
  int ok;            /**< ran to the end, every message intact, every small one delivered */
  char failure[256]; /**< the first problem when not ok */
  csctp_hol_path path;
  uint32_t small_sent, small_delivered;
  uint32_t big_sent, big_delivered;
  double p50, p99, max, mean, min;
  uint64_t dropped_loss, dropped_queue;                    /**< A to B */
  uint64_t retransmissions, t3_expiries, fast_retransmits; /**< side A */
} csctp_hol_latency;

/** Result of the WFQ scenario. */
typedef struct csctp_hol_wfq {
  int ok;
  char failure[256];
  csctp_hol_path path;
  uint16_t priority[4]; /**< 128, 256, 512, 1024 on streams 1..4 */
  double weight[4];     /**< 1/15, 2/15, 4/15, 8/15 */
  uint64_t bytes[4];    /**< user payload written by A per stream in the window */
  double share[4];      /**< bytes[i] / sum */
  uint64_t total;
} csctp_hol_wfq;

/** Defaults: seed 1, DATA, no loss, 25 ms, 32 Mbit/s, 200 KiB rwnd, 10 s after 1 s, WFQ. */
void csctp_hol_params_default(csctp_hol_params *p);

/** Runs the latency scenario. Returns r->ok. */
int csctp_hol_latency_run(const csctp_hol_params *p, csctp_hol_latency *r);

/** Runs the WFQ scenario (duration is the measured window, after warmup). Returns r->ok. */
int csctp_hol_wfq_run(const csctp_hol_params *p, csctp_hol_wfq *r);

/** Non-zero when the run really used I-DATA (negotiated and type 64 on the wire). */
int csctp_hol_idata_active(const csctp_hol_path *path);

#endif
