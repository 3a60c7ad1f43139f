/* SPDX-License-Identifier: MIT */
/*
 * The harness of the usrsctp extension tests (test_usrsctp_ext.c, test_usrsctp_dcep.c):
 * our engine (side 0, optionally with the data-channel layer) against one usrsctp
 * socket (side 1) in memory, on real time with wall-clock deadlines, with loss drawn
 * from a seeded PRNG per direction, and a few lines of usrsctp-side DCEP.
 * CSCTP_INTEROP_SEED=N replays another loss pattern, CSCTP_INTEROP_LOSS overrides the
 * tests' loss, CSCTP_INTEROP_TRACE=1 prints every packet in text2pcap form (see
 * test_usrsctp.c), CSCTP_DEBUG=sctp turns on the engine's log.
 */
#ifndef CSCTP_TEST_EXT_HARNESS_H
#define CSCTP_TEST_EXT_HARNESS_H

#include <csctp/datachannel.h>
#include <csctp/sctp.h>
#include <stddef.h>
#include <stdint.h>

#include "interop_traffic.h"
#include "prng.h"
#include "usrsctp_peer.h"

#define PORT 5000
#define MTU 1200
#define CHUNK_FORWARD_TSN 192
#define PPID_DCEP 50
#define PPID_STRING 51
#define PPID_BINARY 53
#define MAX_LOG 32

typedef struct ext_rx_msg {
  uint16_t sid;
  uint32_t ppid;
  int text; /* csctp side: is_text */
  size_t len;
  uint8_t data[64];
} ext_rx_msg;

typedef struct ext_harness {
  csctp_assoc *a;
  csctp_dc *dc;
  csctp_prng rng;
  usrsctp_peer up;
  int up_open;
  csctp_prng loss_rng[2];
  double loss;
  int trace;
  uint64_t pkts[2], dropped[2];
  uint32_t chunks[2][256];
  /* SSN on the wire of the single-chunk message "<a|b><digit>" per sender (-1: not seen) */
  int32_t ssn_of[2][2][10];
  /* our engine's events */
  int connected, closed, peer_errors;
  int rs_in, rs_out;
  uint32_t rs_result;
  uint16_t rs_streams[16];
  size_t rs_n;
  csctp_peer_features feat;
  /* traffic: sender i sends direction i, received by side 1 - i into rx[1 - i] */
  uint32_t tx_total[2], tx_next[2], tx_ready[2], pr_count[2];
  uint16_t policy[2]; /* usrsctp's SCTP_PR_SCTP_* (side 1) or csctp_pr_policy (side 0) */
  uint32_t value[2];
  int tx_error[2];
  uint8_t *txbuf[2];
  interop_rx rx[2];
  /* stream-reset and DCEP tests: messages received by each side, and the channel events */
  int raw; /* our engine's messages go to log[0] instead of rx[0] */
  int dcep;
  ext_rx_msg log[2][MAX_LOG];
  int nlog[2];
  csctp_dc_channel ch_open[4], ch_closing[4], ch_closed[4];
  int n_open, n_closing, n_closed, dc_errors, open_by_peer;
  char open_label[32];
  /* extra drops by content (reproductions): returns non-zero to drop */
  int (*drop_fn)(struct ext_harness *h, int from, const uint8_t *pkt, size_t len);
  int drop_state;
  /* ECN (test_usrsctp_ecn.c): every ce_every[from]-th packet side `from` sends ECT is delivered
   * marked CE (0: never); what crossed: ECT packets, and those marked. */
  uint32_t ce_every[2];
  uint64_t ect[2], ce[2];
  uint8_t pkt[2048];
} ext_harness;

/** The one harness of the running test (Criterion runs each test in its own process). */
extern ext_harness ext_h;

csctp_tstamp ext_now_us(void);
/** Records a message received by `side` (0: us, 1: usrsctp) in log[side]. */
void ext_log_msg(ext_harness *h, int side, uint16_t sid, uint32_t ppid, int text, const uint8_t *d,
                 size_t len);
/** Writes a DATA_CHANNEL_OPEN (RFC 8832 §5.1, no protocol) into b; returns its length. */
size_t ext_dcep_open_msg(uint8_t *b, uint8_t type, uint32_t rel, const char *label);
/** Moves packets (with loss), runs timers, polls events and reads, sends traffic. */
int ext_step(ext_harness *h);
typedef int (*ext_pred_fn)(ext_harness *h);
/** Steps until `pred` holds (1) or `timeout_ms` of wall time passed (0). */
int ext_run_until(ext_harness *h, ext_pred_fn pred, int timeout_ms);
/** Our engine's configuration in these tests: PORT both ways, MTU, RTO 300 ms (100 ms to
 *  2 s), random numbers from h->rng seeded with `seed`, the log when CSCTP_DEBUG is set. */
csctp_config ext_config(ext_harness *h, uint64_t seed);
/** Criterion .init / .fini. */
void ext_setup(void);
void ext_teardown(void);
/** Our engine (with the data-channel layer if `with_dc`) connects to a listening usrsctp. */
void ext_establish(ext_harness *h, int with_dc);
void ext_report(const ext_harness *h);

#endif
