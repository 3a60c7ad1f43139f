/* SPDX-License-Identifier: MIT */
/*
 * Verifiable message traffic between two csctp associations on the simulated
 * link, shared by the transfer tests and csctp-demo.
 *
 * Every message is derived from (seed, direction, id): its length, stream,
 * ordered/unordered flag and content. The id travels as the PPID, so even a
 * 1-byte message can be checked: the receiver regenerates the message from
 * its id and compares every byte, marks the id seen (exactly once) and, for
 * ordered messages, checks that ids rise per stream (send order).
 */
#ifndef CSCTP_TEST_TRAFFIC_H
#define CSCTP_TEST_TRAFFIC_H

#include <csctp/sctp.h>
#include <stddef.h>
#include <stdint.h>

#include "simlink.h"

/** A size band: a message falls in it with probability weight / sum of weights. */
typedef struct csctp_traffic_band {
  uint32_t weight;
  uint32_t lo, hi; /**< uniform length in [lo, hi] */
} csctp_traffic_band;

/** What one direction sends. */
typedef struct csctp_traffic_config {
  uint64_t seed;
  uint32_t messages;               /**< messages per direction */
  uint16_t streams;                /**< streams 0..streams-1 are used */
  uint32_t unordered_permille;     /**< share of unordered messages */
  const csctp_traffic_band *bands; /**< NULL: csctp_traffic_default_bands */
  size_t nbands;
} csctp_traffic_config;

/**
 * The default size mix: mostly small messages, with a real share of
 * multi-fragment ones and a few close to 256 KiB (mean about 1.5 KiB).
 */
extern const csctp_traffic_band csctp_traffic_default_bands[];
extern const size_t csctp_traffic_default_nbands;

/** One message as derived from its id. */
typedef struct csctp_traffic_msg {
  uint32_t len;
  uint16_t stream;
  int unordered;
} csctp_traffic_msg;

/** Derives message `id` of direction `dir` (0: A to B, 1: B to A). */
void csctp_traffic_describe(const csctp_traffic_config *cfg, int dir, uint32_t id,
                            csctp_traffic_msg *m);

/** Writes the `len` content bytes of message `id` of direction `dir` into `buf`. */
void csctp_traffic_fill(uint8_t *buf, size_t len, const csctp_traffic_config *cfg, int dir,
                        uint32_t id);

/** The sending half: sends ids 0..messages-1 in order, retrying on back-pressure. */
typedef struct csctp_traffic_tx {
  csctp_traffic_config cfg;
  int dir;
  uint32_t next_id;
  uint8_t *buf;        /* largest message of the mix */
  uint64_t bytes_sent; /* accepted by csctp_assoc_send */
  uint64_t would_block;
  int error; /* first unexpected error of csctp_assoc_send, else 0 */
} csctp_traffic_tx;

/** Initialises `tx` (copying `cfg`). Returns 0 or CSCTP_ERR_NOMEM. */
int csctp_traffic_tx_init(csctp_traffic_tx *tx, const csctp_traffic_config *cfg, int dir);
/** Frees what csctp_traffic_tx_init allocated. */
void csctp_traffic_tx_free(csctp_traffic_tx *tx);
/**
 * Sends as many messages as `a` accepts now. Returns 0 (all sent, or the send
 * buffer is full: call again after SEND_BUFFER_LOW), or the first other error
 * of csctp_assoc_send (also kept in tx->error; nothing more is sent then).
 */
int csctp_traffic_tx_pump(csctp_traffic_tx *tx, csctp_assoc *a, csctp_tstamp now);
/** Returns non-zero when every message has been accepted by the engine. */
int csctp_traffic_tx_done(const csctp_traffic_tx *tx);

/** The receiving half: checks what arrives from direction `dir`. */
typedef struct csctp_traffic_rx {
  csctp_traffic_config cfg;
  int dir;
  uint8_t *seen;          /* per id */
  uint32_t *next_ordered; /* per stream: lowest id an ordered message may have (last + 1) */
  uint64_t received;      /* distinct ids */
  uint64_t bytes;
  uint64_t duplicates, corrupt, misordered, unknown;
  char failure[256]; /* the first problem, "" if none */
} csctp_traffic_rx;

/** Initialises `rx` (copying `cfg`). Returns 0 or CSCTP_ERR_NOMEM. */
int csctp_traffic_rx_init(csctp_traffic_rx *rx, const csctp_traffic_config *cfg, int dir);
/** Frees what csctp_traffic_rx_init allocated. */
void csctp_traffic_rx_free(csctp_traffic_rx *rx);
/** Checks one MESSAGE event; problems are counted and the first is described. */
void csctp_traffic_rx_on_message(csctp_traffic_rx *rx, const csctp_event *ev);
/** Non-zero when every id arrived. */
int csctp_traffic_rx_complete(const csctp_traffic_rx *rx);

/** One whole exchange: handshake, traffic both ways, graceful shutdown. */
typedef struct csctp_transfer_params {
  uint64_t seed; /**< seeds both associations' random bytes */
  csctp_simlink_config link;
  csctp_config assoc;           /**< both sides (rand is set by the runner) */
  csctp_traffic_config traffic; /**< per direction; seed is taken from `seed` when 0 */
  int both_connect;             /**< both sides call connect at once (INIT collision) */
  int shutdown_side;            /**< who shuts down: CSCTP_SIMLINK_A or _B */
  csctp_tstamp time_budget;     /**< virtual time allowed for each phase */
} csctp_transfer_params;

/** Phases of an exchange, in order; the result says how far it got. */
typedef enum csctp_transfer_phase {
  CSCTP_TRANSFER_SETUP = 0,
  CSCTP_TRANSFER_HANDSHAKE,
  CSCTP_TRANSFER_DATA,
  CSCTP_TRANSFER_SHUTDOWN,
  CSCTP_TRANSFER_DONE,
} csctp_transfer_phase;

/** What one side saw. */
typedef struct csctp_transfer_side {
  int connected, restarted, got_shutdown, closed, peer_errors;
  csctp_close_reason close_reason;
  csctp_tstamp t_connected, t_closed;
  csctp_stats stats;
  uint64_t msgs_in, bytes_in; /* verified distinct messages received */
  uint64_t duplicates, corrupt, misordered, unknown;
  uint64_t would_block;
} csctp_transfer_side;

typedef struct csctp_transfer_result {
  int ok; /**< everything arrived intact, once, in order; both CLOSED by SHUTDOWN */
  csctp_transfer_phase phase;               /**< the phase reached (DONE when ok) */
  csctp_simlink_stop stop;                  /**< why the last run stopped */
  csctp_tstamp t_start, t_data_done, t_end; /**< virtual times */
  csctp_transfer_side side[2];
  csctp_simlink_counters link[2];
  char failure[320]; /**< the first problem, "" when ok */
} csctp_transfer_result;

/** Fills `p` with a clean 50 ms RTT link, engine defaults with short RTOs and the default mix. */
void csctp_transfer_params_default(csctp_transfer_params *p);

/** Runs one exchange as `p` says and fills `r`. Returns r->ok. */
int csctp_transfer_run(const csctp_transfer_params *p, csctp_transfer_result *r);

#endif
