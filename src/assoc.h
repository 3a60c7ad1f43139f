/*
 * The association object, shared by the files that implement its parts:
 * assoc.c (API, packet intake and output), assoc_handshake.c (INIT, INIT ACK,
 * COOKIE ECHO/ACK, §5), assoc_shutdown.c (SHUTDOWN family, ABORT, §9),
 * assoc_data.c (DATA intake, SACK, §6), assoc_timer.c (timers, heartbeat),
 * assoc_event.c (the event queue).
 */
#ifndef CSCTP_ASSOC_H
#define CSCTP_ASSOC_H

#include <csctp/sctp.h>

#include "chunk.h"
#include "cookie.h"
#include "reasm.h"
#include "rx_tsn.h"
#include "tx.h"

/* A queued event and whether it must wait until the messages before it are taken. */
typedef struct csctp_assoc_qev {
  csctp_event ev;
  int after_data;
} csctp_assoc_qev;

/* A whole packet built while reading input (stateless replies), sent as is. */
typedef struct csctp_assoc_opkt {
  struct csctp_assoc_opkt *next;
  size_t len;
  uint8_t data[];
} csctp_assoc_opkt;

struct csctp_assoc {
  const csctp_mem *mem;
  csctp_config cfg;
  uint8_t secret[CSCTP_COOKIE_SECRET_LEN];
  csctp_assoc_state state;
  int dead; /* closed after having lived: answers out-of-the-blue packets only */

  uint32_t local_tag, peer_tag;
  csctp_tsn local_initial_tsn;
  uint16_t num_out, num_in; /* negotiated stream counts (0 before) */
  uint32_t peer_a_rwnd;     /* from the INIT/INIT ACK */

  /* Handshake. */
  uint8_t *cookie; /* the cookie we echo (COOKIE-ECHOED) */
  size_t cookie_len;
  uint8_t *init_ack_err; /* ERROR causes to bundle with the COOKIE ECHO (unrecognized params) */
  size_t init_ack_err_len;
  unsigned init_retrans;
  csctp_tstamp t1_rto;

  /* Pending output. */
  csctp_assoc_opkt *opkt_head, *opkt_tail; /* complete packets first */
  uint8_t *ctrl;                           /* control chunks for the peer, bundled first */
  size_t ctrl_len, ctrl_cap;
  unsigned send_init : 1, send_cookie_echo : 1, send_shutdown : 1, send_shutdown_ack : 1,
      send_heartbeat : 1, sack_now : 1, window_update : 1;

  /* Timers (absolute deadlines, CSCTP_TSTAMP_NONE when stopped). */
  csctp_tstamp t1, t2, t5, sack_timer, hb_timer;
  csctp_tstamp t2_rto;
  unsigned error_count;

  /* Heartbeat. */
  uint64_t hb_nonce;
  csctp_tstamp hb_sent;
  int hb_outstanding;
  csctp_tstamp last_activity; /* last DATA sent, for the idle-path heartbeat */

  /* Receive side. */
  csctp_rx_tsn rxt;
  csctp_reasm reasm;
  int rx_started;
  unsigned packets_since_sack;
  uint32_t last_adv_rwnd;
  int have_popped; /* a message is handed out and must be released on the next call */

  /* Send side. */
  csctp_tx tx;
  size_t send_low_threshold;
  int send_low_armed;

  /* Events. */
  csctp_assoc_qev *evq;
  size_t evq_head, evq_len, evq_cap;

  csctp_stats stats;
};

/* assoc.c */
void csctp_assoc_log(csctp_assoc *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint32_t csctp_assoc_a_rwnd(const csctp_assoc *a);
int csctp_assoc_random_u32(csctp_assoc *a, uint32_t *v, int nonzero);
/* Queues a whole packet: header (vtag) + the chunk bytes given. Returns 0 or CSCTP_ERR_NOMEM. */
int csctp_assoc_queue_packet(csctp_assoc *a, uint32_t vtag, const uint8_t *chunks, size_t len);
/* Queues control chunk bytes to bundle at the front of the next packet to the peer. */
int csctp_assoc_queue_ctrl(csctp_assoc *a, const uint8_t *chunk, size_t len);
/* Enters CLOSED: stops timers, emits CLOSED(reason, cause). */
void csctp_assoc_enter_closed(csctp_assoc *a, csctp_close_reason reason, uint16_t cause);
/* Sends an ABORT (our peer_tag) with one cause, then closes with `reason`. */
void csctp_assoc_abort_with(csctp_assoc *a, uint16_t cause, const char *text,
                            csctp_close_reason reason);
/* Sets up tx/rx for a new or restarted association from cookie-like parameters. */
int csctp_assoc_establish(csctp_assoc *a, const csctp_cookie *c, int restart, csctp_tstamp now);

/* assoc_handshake.c */
int csctp_assoc_on_init(csctp_assoc *a, const csctp_common_hdr *h, const csctp_chunk *ch,
                        csctp_tstamp now);
int csctp_assoc_on_init_ack(csctp_assoc *a, const csctp_common_hdr *h, const csctp_chunk *ch,
                            csctp_tstamp now);
int csctp_assoc_on_cookie_echo(csctp_assoc *a, const csctp_common_hdr *h, const csctp_chunk *ch,
                               csctp_tstamp now);
void csctp_assoc_on_cookie_ack(csctp_assoc *a, csctp_tstamp now);
size_t csctp_assoc_write_init(csctp_assoc *a, csctp_wr *w);

/* assoc_shutdown.c */
void csctp_assoc_on_shutdown(csctp_assoc *a, const csctp_chunk *ch, csctp_tstamp now);
void csctp_assoc_on_shutdown_ack(csctp_assoc *a, const csctp_common_hdr *h, csctp_tstamp now);
void csctp_assoc_on_shutdown_complete(csctp_assoc *a, csctp_tstamp now);
void csctp_assoc_on_abort(csctp_assoc *a, const csctp_chunk *ch);
/* Moves SHUTDOWN-PENDING / SHUTDOWN-RECEIVED on once all data is acked. */
void csctp_assoc_shutdown_progress(csctp_assoc *a, csctp_tstamp now);

/* assoc_data.c */
int csctp_assoc_on_data(csctp_assoc *a, const csctp_chunk *ch, csctp_tstamp now);
int csctp_assoc_on_sack(csctp_assoc *a, const csctp_chunk *ch, csctp_tstamp now);
void csctp_assoc_after_data_packet(csctp_assoc *a, int had_data, int immediate, csctp_tstamp now);
void csctp_assoc_check_window_update(csctp_assoc *a);

/* assoc_timer.c */
void csctp_assoc_on_heartbeat(csctp_assoc *a, const csctp_chunk *ch);
void csctp_assoc_on_heartbeat_ack(csctp_assoc *a, const csctp_chunk *ch, csctp_tstamp now);
int csctp_assoc_timers_run(csctp_assoc *a, csctp_tstamp now);
csctp_tstamp csctp_assoc_timers_next(const csctp_assoc *a);
void csctp_assoc_hb_schedule(csctp_assoc *a, csctp_tstamp now);
/* Counts one error (T3, T2, heartbeat); closes when over association_max_retrans. Returns 1 if closed. */
int csctp_assoc_count_error(csctp_assoc *a);

/* assoc_event.c */
void csctp_assoc_push_event(csctp_assoc *a, const csctp_event *ev, int after_data);
int csctp_assoc_pop_event(csctp_assoc *a, csctp_event *ev);
void csctp_assoc_events_free(csctp_assoc *a);

#endif
