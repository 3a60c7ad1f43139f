/* SPDX-License-Identifier: MIT */
/*
 * The association object, shared by the files that implement its parts:
 * assoc.c (API, packet intake and output), assoc_handshake.c (INIT, INIT ACK,
 * COOKIE ECHO/ACK, §5), assoc_shutdown.c (SHUTDOWN family, ABORT, §9),
 * assoc_data.c (DATA intake, SACK, §6), assoc_timer.c (timers, heartbeat),
 * assoc_event.c (the event queue), assoc_forward_tsn.c (FORWARD TSN intake,
 * RFC 3758 §3.6), assoc_reconfig.c (stream reconfiguration, RFC 6525).
 */
#ifndef CSCTP_ASSOC_H
#define CSCTP_ASSOC_H

#include <csctp/sctp.h>

#include "chunk.h"
#include "cookie.h"
#include "ireasm.h"
#include "path.h"
#include "plpmtud.h"
#include "reasm.h"
#include "rx_tsn.h"
#include "tx.h"

/* A queued event and whether it must wait until the messages before it are taken. */
#define CSCTP_ASSOC_EV_IDS 4 /* stream ids a STREAMS_RESET event carries without allocating */

/*
 * The counters the association keeps (csctp_stats's fields of the same names; the others are
 * computed when asked, csctp_assoc_get_stats). A list of its own rather than an embedded
 * csctp_stats, so that fields appended to the public struct for counters kept elsewhere (a
 * feature's own block) do not grow every association.
 */
/* clang-format off */
#define CSCTP_ASSOC_COUNTERS(X) \
  X(packets_in) X(packets_out) X(chunks_in) X(chunks_out) \
  X(data_chunks_in) X(messages_in) X(messages_out) X(bytes_in) \
  X(duplicate_tsns) X(sacks_in) X(sacks_out) X(heartbeats_out) \
  X(drop_bad_crc) X(drop_bad_vtag) X(drop_malformed) X(drop_bad_port) \
  X(drop_out_of_window) X(drop_rx_budget) X(partial_pieces) X(partial_aborted) \
  X(drop_unexpected) X(errors_sent) X(aborts_sent) X(events_dropped) \
  X(zero_checksum_in) X(zero_checksum_out) X(icmp_in) X(icmp_ignored) \
  X(auth_out) X(auth_in) X(auth_drop_missing) X(auth_drop_bad_hmac) \
  X(auth_drop_key_id) X(auth_drop_hmac_id) X(ecn_ce_in) X(ecn_ect_out) \
  X(ecne_out) X(ecne_in) X(cwr_out) X(cwr_in) \
  X(ecn_cwnd_reductions) X(ecne_ignored) X(cwr_ignored) X(ecn_unexpected) \
  X(path_failovers) X(path_inactive) X(paths_confirmed) X(peer_addrs_ignored) \
  X(drop_unknown_source) X(hb_unconfirmed_out) X(pf_transitions)
/* clang-format on */
typedef struct csctp_assoc_counters {
#define CSCTP_COUNTER_FIELD(f) uint64_t f;
  CSCTP_ASSOC_COUNTERS(CSCTP_COUNTER_FIELD)
#undef CSCTP_COUNTER_FIELD
  uint8_t zero_checksum, auth, ecn; /* csctp_stats's flags of the same names */
} csctp_assoc_counters;

typedef struct csctp_assoc_qev {
  csctp_event ev;
  int after_data;
  void *owned; /* memory the event points into, freed after the event is handed out */
  uint16_t ids[CSCTP_ASSOC_EV_IDS]; /* the stream list of a short reset event (n <= 4) */
} csctp_assoc_qev;

/* A set of stream ids (RFC 6525 requests); `all` means every stream (the wire's empty list). */
typedef struct csctp_assoc_streams {
  uint16_t *ids;
  uint32_t n, cap; /* ids held and room for (distinct ids: at most 65,536) */
  int all;
} csctp_assoc_streams;

/* Stream reconfiguration state (RFC 6525), assoc_reconfig.c. */
typedef struct csctp_assoc_reconfig {
  /* Our Outgoing SSN Reset Requests: one in flight, later ones merged into `pending`. */
  uint32_t next_seq;   /* sequence number of our next request (§5.1.1: initial TSN) */
  uint8_t inflight;    /* `cur` is being sent or awaits its response */
  uint8_t sent;        /* it was sent at least once (last_tsn fixed) */
  uint8_t send;        /* write it at the next opportunity its streams allow */
  uint8_t in_progress; /* the peer answered "In progress": retry at the timer */
  uint8_t start_nomem; /* starting the next request ran out of memory: retried by a timer */
  uint32_t seq;        /* its sequence number */
  csctp_tsn last_tsn;  /* its Sender's Last Assigned TSN */
  csctp_assoc_streams cur, pending;
  csctp_tstamp timer; /* retransmission deadline, CSCTP_TSTAMP_NONE when stopped */
  /* The peer's requests (§5.2.1): the next expected sequence number, the last two results. */
  uint32_t peer_next_seq;
  uint32_t peer_results[2]; /* [0]: peer_next_seq - 1, [1]: peer_next_seq - 2 */
  unsigned peer_seen;       /* requests processed (0, 1, 2 = both results valid) */
  /* Deferred reset processing, CSCTP_RC_DEFER_* bits: the peer's Outgoing SSN Reset Request
   * waiting for its data (§5.2.2 E2); our SSN/TSN Reset performed, the receive side waiting
   * for the application to take the messages of before it (assoc_reset_assoc.c). */
  int deferred;
  uint32_t deferred_seq;
  csctp_tsn deferred_tsn;
  csctp_assoc_streams deferred_streams;
} csctp_assoc_reconfig;

#define CSCTP_RC_DEFER_OUT 1 /* rc.deferred: the peer's Outgoing SSN Reset Request */
#define CSCTP_RC_DEFER_RX 2  /* rc.deferred: the receive side of our SSN/TSN Reset */
#define CSCTP_RC_DEFER_ASK 4 /* rc.deferred: our SSN/TSN Reset Request sent, not answered */

/* The peer's SSN/TSN Reset Request we performed: its answer, kept for its retransmissions. */
typedef struct csctp_assoc_tsn_answer {
  uint32_t seq;
  csctp_tsn snd_next, rcv_next; /* Sender's and Receiver's Next TSN (RFC 6525 §4.4) */
  int valid;
} csctp_assoc_tsn_answer;

/*
 * Stream reconfiguration beyond our Outgoing SSN Reset Requests (RFC 6525 §5.1.3, §5.1.5,
 * §5.1.6, §5.2.3, §5.2.5, §5.2.6), assoc_reconfig.c and assoc_reconfig_peer.c. Our request
 * chunk in flight (rc.inflight) carries one or two request parameters (§3.1: Outgoing and/or
 * Incoming SSN Reset, or Add Outgoing and/or Add Incoming Streams); a flag below stays set
 * until its parameter is answered.
 */
typedef struct csctp_assoc_reconfig_ext {
  int out;               /* an Outgoing SSN Reset Request (rc.cur, rc.seq) is unanswered */
  int out_answers;       /* it answers the peer's Incoming SSN Reset Request out_resp_seq */
  uint32_t out_resp_seq; /* §4.1: that request's number (else set when written) */
  int in;                /* an Incoming SSN Reset Request (in_cur, in_seq) is unanswered */
  uint32_t in_seq;
  csctp_assoc_streams in_cur, in_pending; /* in flight; queued for the next request */
  uint16_t add_out, add_in;               /* Add Outgoing / Incoming Streams unanswered (0: none) */
  uint32_t add_out_seq, add_in_seq;
  uint32_t add_out_pending, add_in_pending; /* queued for the next request */
  /* The peer's Incoming SSN Reset Request we perform by our Outgoing one (§5.2.3). */
  int answer_in;
  uint32_t answer_in_seq;
  /* Our SSN/TSN Reset Request (§5.1.4, assoc_reset_assoc.c): asked and not started, or in
   * the chunk in flight and unanswered (its number); once performed, the peer's next TSN,
   * which the receive side takes with CSCTP_RC_DEFER_RX. */
  int tsn_pending, tsn;
  uint32_t tsn_seq;
  csctp_tsn rx_reset_tsn;
  /* Once ours was performed, our cumulative TSN of before it: a late SACK of before the reset
   * is told from one that acknowledges a TSN never sent (csctp_assoc_tsn_reset_stale). */
  int tsn_old_valid;
  csctp_tsn tsn_old_cum;
  /* The peer's SSN/TSN Reset Requests we performed, the last two (§5.2.1 retransmissions). */
  csctp_assoc_tsn_answer tsn_answers[2];
} csctp_assoc_reconfig_ext;

/* A whole packet built while reading input (stateless replies), sent as is. */
typedef struct csctp_assoc_opkt {
  struct csctp_assoc_opkt *next;
  size_t len;
  uint32_t cap;   /* bytes of data[] */
  uint8_t path;   /* multi-homed: the path it goes to (the source of what it answers) */
  uint8_t hback;  /* multi-homed: a HEARTBEAT ACK, which may go to an unconfirmed path */
  uint8_t to_src; /* multi-homed: goes to `path` (a confirmed one) from `local` (where what
                   * it answers arrived), not to the data path */
  uint8_t local;
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
  csctp_tsn peer_initial_tsn;

  /* Extensions: what we announce (tests may switch them off before connecting) and what
   * the peer announced (RFC 3758 Forward-TSN, RFC 6525 RE-CONFIG). */
  uint8_t announce_forward_tsn, announce_reconfig;
  uint8_t peer_forward_tsn, peer_reconfig;
  /* RFC 8260: we list I-DATA (and I-FORWARD-TSN with Forward-TSN) when configured; what was
   * negotiated, CSCTP_IDATA_* bits (0: DATA). */
  uint8_t announce_idata, peer_idata;
  /* The chunk type a packet of one chunk must have for the DATA fast path (assoc_input.c):
   * CSCTP_CHUNK_DATA, or a value no chunk type has once I-DATA is negotiated, so that the path
   * needs no test of its own. Set with peer_idata by csctp_assoc_set_peer_idata. */
  uint16_t lone_data_type;
  csctp_assoc_reconfig rc;
  void *ev_owned; /* memory of the last event handed out, freed at the next call */
  uint16_t ev_ids[CSCTP_ASSOC_EV_IDS]; /* stream list of the last event handed out, if short */

  /* Handshake. */
  uint8_t *cookie; /* the cookie we echo (COOKIE-ECHOED) */
  size_t cookie_len;
  uint8_t *init_ack_err; /* ERROR causes to bundle with the COOKIE ECHO (unrecognized params) */
  size_t init_ack_err_len;
  unsigned init_retrans;
  csctp_tstamp t1_rto;

  /* Pending output. */
  csctp_assoc_opkt *opkt_head, *opkt_tail; /* complete packets first */
  csctp_assoc_opkt *opkt_spare; /* sent packets' small buffers kept for the next (SACKs) */
  uint8_t n_opkt_spare;
  /* (Single bytes kept together, in the room n_opkt_spare leaves before the next pointer.) */
  uint8_t write_ext;  /* PLPMTUD, ECN or multi-homed: csctp_assoc_write_packet's one test */
  uint8_t pl_frag_ok; /* the packet last written may be fragmented (see mtu_now) */
  /* Exported by csctp_assoc_handover_export (assoc_handover.c): another process owns the
   * association now; this one writes nothing, ignores input and refuses every request. */
  uint8_t handed_over;
  uint8_t *ctrl; /* control chunks for the peer, bundled first */
  size_t ctrl_len, ctrl_cap;
  unsigned send_init : 1, send_cookie_echo : 1, send_shutdown : 1, send_shutdown_ack : 1,
      send_heartbeat : 1, sack_now : 1, window_update : 1,
      sack_urgent : 1; /* the owed SACK reports loss (gap, duplicate, filled hole, I bit) */

  /* Timers (absolute deadlines, CSCTP_TSTAMP_NONE when stopped). */
  csctp_tstamp t1, t2, t5, sack_timer;
  csctp_tstamp t2_rto;
  unsigned error_count;
  /* Packets that passed the checksum, tag and chunk checks and were processed: every
   * packet but INIT (which proves nothing) and a COOKIE ECHO whose cookie was not taken.
   * Only such a packet may move a path (endpoint.c; RFC 6951 §5.4). */
  uint32_t rx_accepted;

  /* Path 0, the one of a single-homed association: its heartbeat (timer, nonce, when sent),
   * its last DATA sent (for the idle-path heartbeat). Its send side is tx.p0. */
  csctp_path p0;
  csctp_assoc_mp *mp; /* multi-homed (cfg.max_paths > 1): the other paths, NULL otherwise */

  /* Receive side. */
  csctp_rx_tsn rxt;
  csctp_reasm reasm;
  csctp_ireasm ireasm; /* RFC 8260: reassembly of I-DATA, used instead when peer_idata */
  int rx_started;
  int snap_local; /* csctp_assoc_snap_init() chose our tag and TSN for a SNAP INIT */
  unsigned packets_since_sack;
  uint32_t last_adv_rwnd;
  int have_popped;    /* a message is handed out and must be released on the next call */
  int send_low_armed; /* (send side: csctp_assoc_set_send_buffer_low's event is armed) */
  size_t rx_charged;  /* what this association counts in cfg.rx_budget->used */

  /* Send side. */
  csctp_tx tx;
  size_t send_low_threshold;

  /* Events. */
  csctp_assoc_qev *evq;
  size_t evq_head, evq_len, evq_cap;
  size_t evq_notices; /* PEER_ERROR events queued (assoc_event.c bounds them) */

  csctp_assoc_counters stats;

  /* RFC 9653 zero checksum (assoc_checksum.c decides, assoc_handshake.c negotiates). */
  uint8_t zc_accept; /* we announced cfg.zero_checksum_edmid in our INIT or INIT ACK of this
                      * association: a zero checksum is accepted from the peer (§5.3) */
  uint8_t zc_peer;   /* the peer announced the same EDMID: we may send zero checksums (§5.2) */
  /* ECN's flags (see its block at the end), in the room before the next pointer. */
  uint8_t ecn_on, ecn_mark, ecne_owed, ecne_fresh, cwr_owed, ecn_reduced;

  /* RFC 6525 Incoming SSN Reset and Add Streams requests, both ways (assoc_reconfig.c,
   * assoc_reconfig_peer.c); see csctp_assoc_reconfig_ext. */
  csctp_assoc_reconfig_ext rcx;

  /* The endpoint that owns this association, if any (endpoint.c): the application's direct
   * calls that may give it output or move its timers link it into the owner's list, which
   * the endpoint looks at on its next call (no call back, no scan). */
  struct csctp_assoc_watch *watch;
  csctp_assoc *watch_next;
  uint8_t watch_marked;
  /* A call since write_packet last returned 0 may have given us output: expiry says "now"
   * until the caller has written it (csctp_assoc_expiry). */
  uint8_t out_dirty;

  /* The largest packet written now: cfg.mtu, or the PLPMTU with RFC 8899 PLPMTUD, whose state
   * (assoc_plpmtud.c) is allocated only when cfg.plpmtud_max is set; whether the packet last
   * written may be fragmented (csctp_assoc_packet_fragmentable). */
  uint32_t mtu_now;
  struct csctp_assoc_pl *pl;

  /* State cookies (assoc_handshake.c, cookie.c): the secrets that sign them (an endpoint's,
   * which it rotates; NULL: `secret` alone), the peer they are bound to (set by the
   * endpoint, csctp_assoc_cookie_bind), and the Tie-Tags of §5.2.2 (random nonces, drawn
   * at the first INIT that needs them, never the verification tags; 0: none yet). */
  const csctp_cookie_keys *keys;
  csctp_cookie_peer cookie_peer;
  uint32_t tie_local, tie_peer;

  /* RFC 4895 (assoc_auth.c): NULL unless cfg.auth. auth_on: negotiated; auth_tx_len: the bytes
   * an AUTH chunk takes in a packet we send (0: none is ever added). */
  struct csctp_auth *auth;
  uint8_t auth_on;
  uint16_t auth_tx_len;

  /* ECN (assoc_ecn.c, RFC 9260 Appendix A, draft-stewart-tsvwg-sctpecn; configured, the write
   * path goes through assoc_write_packet_ext: write_ext). ecn_on: negotiated.
   * ecn_mark: the packet last written may carry ECT(0). Receiver: ecne_owed while a CE is not
   * answered by a CWR covering ecne_tsn (ecne_fresh: not sent yet, so sent alone if need be),
   * ecne_count CE packets since. Sender: cwr_owed with cwr_tsn; ecn_window_end, the highest
   * TSN sent at our last reduction (valid once ecn_reduced): ECNEs up to it reduce no more.
   * (The flags are next to zc_peer.) */
  csctp_tsn ecne_tsn, cwr_tsn, ecn_window_end;
  csctp_tsn ecn_tsn_base; /* our first TSN of this TSN space (the initial one, or after a reset) */
  uint32_t ecne_count;
};

/* The owner's list of associations marked by direct calls (endpoint.c). */
typedef struct csctp_assoc_watch {
  csctp_assoc *head;
} csctp_assoc_watch;

/* Links `a` into its owner's list, once (nothing without an owner). */
static inline void csctp_assoc_mark(csctp_assoc *a) {
  a->out_dirty = 1;
  if (!a->watch || a->watch_marked) return;
  a->watch_marked = 1;
  a->watch_next = a->watch->head;
  a->watch->head = a;
}

/*
 * Nothing is owed to the peer by way of acknowledgement any more: a SACK, or
 * a SHUTDOWN carrying the cumulative ack (RFC 9260 §9.2), has been written.
 */
static inline void csctp_assoc_ack_sent(csctp_assoc *a) {
  a->sack_now = a->sack_urgent = a->window_update = 0;
  a->sack_timer = CSCTP_TSTAMP_NONE;
  a->packets_since_sack = 0;
}

/* A SACK advertising `rwnd` has been written. */
static inline void csctp_assoc_sack_sent(csctp_assoc *a, uint32_t rwnd) {
  csctp_assoc_ack_sent(a);
  a->last_adv_rwnd = rwnd;
  a->stats.sacks_out++;
}

/* assoc_auth.c (RFC 4895) */
int csctp_assoc_auth_init(csctp_assoc *a);
void csctp_assoc_auth_free(csctp_assoc *a);
/* Our RANDOM (`random`, or our own when NULL), CHUNKS and HMAC-ALGO into an INIT / INIT ACK. */
void csctp_assoc_auth_write_init_params(const csctp_assoc *a, const uint8_t *random, csctp_wr *w);
/* Fills the AUTH part of a cookie for the INIT `in`: a new RANDOM when `fresh` (no association
 * yet), else ours. 0 or CSCTP_ERR_RANDOM. */
int csctp_assoc_auth_cookie(csctp_assoc *a, const csctp_init_chunk *in, csctp_cookie *c, int fresh);
/* Negotiation from the peer's INIT ACK, or from our cookie. 0 or CSCTP_ERR_NOMEM. */
int csctp_assoc_auth_from_init_ack(csctp_assoc *a, const csctp_init_chunk *in);
int csctp_assoc_auth_from_cookie(csctp_assoc *a, const csctp_cookie *c);
/* csctp_auth_seal for a finished packet (room for auth_tx_len more bytes). */
csctp_ssize csctp_assoc_auth_seal(csctp_assoc *a, uint8_t *pkt, size_t len);
/* An AUTH chunk received (AUTH in use): 1 when valid (the chunks after it are authenticated),
 * 0 when it and the rest of the packet are to be dropped (counted, answered when §6.3 asks),
 * or CSCTP_ERR_CRYPTO. */
int csctp_assoc_on_auth(csctp_assoc *a, const uint8_t *pkt, size_t len, const csctp_chunk *ch);

/* assoc_ecn.c */
/* ECN negotiated or not (from the INIT ACK or the cookie). */
void csctp_assoc_ecn_set(csctp_assoc *a, int on);
/* Our TSNs were reset (RFC 6525 SSN/TSN Reset): the TSNs sent before belong to another space. */
void csctp_assoc_ecn_tsn_reset(csctp_assoc *a);
/* ECNE / CWR received (validated): 0, or 1 when the chunk is unknown to us (not negotiated:
 * the caller applies §3.2). */
int csctp_assoc_on_ecne(csctp_assoc *a, const csctp_chunk *ch);
int csctp_assoc_on_cwr(csctp_assoc *a, const csctp_chunk *ch);
/* Before a packet is written: queues the ECNE / CWR owed as control chunks (`busy`: something
 * else may go in the packet, so a repeated ECNE may ride along). Returns 1 when it queued a
 * repeated ECNE (the caller withholds a packet that would carry nothing else), else 0. */
int csctp_assoc_ecn_before_write(csctp_assoc *a, int busy);
/* After a packet marked CE was read: echoed when ECN is on, the packet was accepted (rx_accepted
 * moved from `accepted_before`) and it carried DATA. */
void csctp_assoc_ecn_after_read(csctp_assoc *a, const uint8_t *pkt, size_t len,
                                uint32_t accepted_before);

/* assoc.c */
void csctp_assoc_log(csctp_assoc *a, csctp_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * Brings cfg.rx_budget (when set) up to date with what the reassembly holds
 * now. Called wherever that changes: DATA added, a message taken or released,
 * fragments abandoned (FORWARD TSN), everything dropped (restart); freeing the
 * association gives its share back.
 */
void csctp_assoc_rx_sync_budget(csctp_assoc *a); /* assoc_data.c */
static inline void csctp_assoc_rx_sync(csctp_assoc *a) {
  if (a->cfg.rx_budget) csctp_assoc_rx_sync_budget(a);
}

/* Memory the reassembly holds (RFC 9260 §6.2: what the window is charged); with I-DATA
 * negotiated the interleaved reassembly's too. */
size_t csctp_assoc_held_both(const csctp_assoc *a); /* both reassemblies: assoc_data.c */
static inline size_t csctp_assoc_held(const csctp_assoc *a) {
  /* No value lives across a call on the DATA path: its callers keep their registers. */
  if (__builtin_expect(a->peer_idata != 0, 0)) return csctp_assoc_held_both(a);
  return csctp_reasm_held(&a->reasm);
}

/* The receive window we advertise: rwnd less what is held (memory, not only payload, §6.2).
 * Inline: every SACK and every window check asks. */
static inline uint32_t csctp_assoc_a_rwnd(const csctp_assoc *a) {
  size_t held = csctp_assoc_held(a);
  if (held >= a->cfg.rwnd) return 0;
  uint32_t free_space = a->cfg.rwnd - (uint32_t)held;
  /* Receiver silly-window avoidance (RFC 9260 §6.2 with RFC 1122 4.2.3.3): a
   * window smaller than min(rwnd/2, MTU) is advertised as 0. */
  uint32_t floor = a->cfg.rwnd / 2 < a->cfg.mtu ? a->cfg.rwnd / 2 : a->cfg.mtu;
  return free_space < floor ? 0 : free_space;
}
/* The partial delivery point in effect: 0 (off) or 1..rwnd/2 (assoc_rwnd.c). */
uint32_t csctp_assoc_pd_point(const csctp_config *cfg);
int csctp_assoc_random_u32(csctp_assoc *a, uint32_t *v, int nonzero);
/* Releases the message poll_event handed out last, if any (every public call begins so):
 * the check inline, the release in assoc.c. */
void csctp_assoc_release_popped_any(csctp_assoc *a);
static inline void csctp_assoc_release_popped(csctp_assoc *a) {
  if (a->have_popped) csctp_assoc_release_popped_any(a);
}
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
/* Our INIT; with auth_params, our RFC 4895 parameters when configured (not in SNAP's). */
size_t csctp_assoc_write_init(csctp_assoc *a, csctp_wr *w, int auth_params);
/* Checks the mandatory fields of INIT / INIT ACK (§3.3.2): streams, a_rwnd (not the tag,
 * whose 0 each caller answers its own way). Returns a cause or 0. */
uint16_t csctp_assoc_init_fields_invalid(const csctp_init_chunk *in);
/* The peer's half of a cookie from its INIT: tag, TSN, window, streams, features. */
void csctp_assoc_cookie_from_init(const csctp_assoc *a, const csctp_init_chunk *in,
                                  csctp_cookie *c);
/* Signs and verifies the cookies of `a` with `keys` (owned by the caller, outliving `a`)
 * and binds them to the peer address `peer` (len bytes, copied; at most 28). */
void csctp_assoc_cookie_bind(csctp_assoc *a, const csctp_cookie_keys *keys, const uint8_t *peer,
                             size_t len);

/* assoc_shutdown.c */
void csctp_assoc_on_shutdown(csctp_assoc *a, const csctp_chunk *ch, csctp_tstamp now);
void csctp_assoc_on_shutdown_ack(csctp_assoc *a, const csctp_common_hdr *h, csctp_tstamp now);
void csctp_assoc_on_shutdown_complete(csctp_assoc *a, csctp_tstamp now);
void csctp_assoc_on_abort(csctp_assoc *a, const csctp_chunk *ch);
/* Moves SHUTDOWN-PENDING / SHUTDOWN-RECEIVED on once all data is acked. */
void csctp_assoc_shutdown_progress(csctp_assoc *a, csctp_tstamp now);

/* assoc_data.c */
int csctp_assoc_on_data(csctp_assoc *a, const csctp_data_chunk *dc, csctp_tstamp now);
/* csctp_assoc_on_data for a caller that knows I-DATA was not negotiated (the DATA fast path). */
int csctp_assoc_on_data_plain(csctp_assoc *a, const csctp_data_chunk *dc);
/* Records what was negotiated of RFC 8260 (CSCTP_IDATA_* bits, 0: DATA). */
static inline void csctp_assoc_set_peer_idata(csctp_assoc *a, uint8_t bits) {
  a->peer_idata = bits;
  a->lone_data_type = bits ? 0x100 : CSCTP_CHUNK_DATA;
}
/* csctp_assoc_on_data for each of `n` decoded DATA chunks of one packet, in order, until one
 * ends the processing of the packet; sets *immediate when one has the I bit. Returns 0 or a
 * fatal error. */
int csctp_assoc_on_data_run(csctp_assoc *a, const csctp_data_chunk *dcs, size_t n, int *immediate,
                            csctp_tstamp now);
/* One I-DATA chunk (RFC 8260 §2.2): as DATA, into the interleaved reassembly; a protocol
 * violation ABORT when I-DATA was not negotiated. 0, 1 (stop processing the packet) or a fatal
 * error. */
int csctp_assoc_on_idata(csctp_assoc *a, const csctp_idata_chunk *dc, csctp_tstamp now);
int csctp_assoc_on_sack(csctp_assoc *a, const csctp_chunk *ch, csctp_tstamp now);
/* The same for a SACK chunk decoded already. */
int csctp_assoc_on_sack_decoded(csctp_assoc *a, const csctp_sack_chunk *sc, csctp_tstamp now);
void csctp_assoc_after_data_packet(csctp_assoc *a, int had_data, int immediate, csctp_tstamp now);
/* The general case of csctp_assoc_check_window_update. */
void csctp_assoc_check_window_update_any(csctp_assoc *a);
/* 1 when csctp_assoc_check_window_update does nothing, whatever the reassembly holds (at least
 * half the window was advertised last). */
static inline int csctp_assoc_window_settled(const csctp_assoc *a) {
  return a->last_adv_rwnd >= a->cfg.rwnd / 2;
}
/* Sets window_update when the receive window opened enough to be announced (called per message
 * delivered: the cheap test inline, and the rest only while less than half was advertised). */
static inline void csctp_assoc_check_window_update(csctp_assoc *a) {
  if (csctp_assoc_window_settled(a)) return;
  csctp_assoc_check_window_update_any(a);
}

/* assoc_timer.c */
void csctp_assoc_on_heartbeat(csctp_assoc *a, const csctp_chunk *ch);
void csctp_assoc_on_heartbeat_ack(csctp_assoc *a, const csctp_chunk *ch, csctp_tstamp now);
int csctp_assoc_timers_run(csctp_assoc *a, csctp_tstamp now);
csctp_tstamp csctp_assoc_timers_next(const csctp_assoc *a);
void csctp_assoc_hb_schedule(csctp_assoc *a, csctp_tstamp now);
/* Counts one error (T3, T2, heartbeat); closes when over association_max_retrans. Returns 1 if
 * closed. */
int csctp_assoc_count_error(csctp_assoc *a);

/* assoc_forward_tsn.c */
/* Handles a FORWARD TSN (RFC 3758 §3.6). Returns 0, 1 (stop processing the packet) or a fatal
 * error; *counts_as_data is set when SACK rules must treat it as DATA. */
int csctp_assoc_on_forward_tsn(csctp_assoc *a, const csctp_chunk *ch, int *counts_as_data,
                               csctp_tstamp now);
/* The same for an I-FORWARD-TSN (RFC 8260 §2.3.1); a protocol violation ABORT when it was not
 * negotiated. */
int csctp_assoc_on_iforward_tsn(csctp_assoc *a, const csctp_chunk *ch, int *counts_as_data,
                                csctp_tstamp now);

/* assoc_reconfig.c */
/* Starts the extension state of a new or restarted association (request sequence numbers). */
void csctp_assoc_ext_start(csctp_assoc *a, csctp_tsn peer_initial_tsn);
/* Frees the memory of the reconfiguration state. */
void csctp_assoc_reconfig_free(csctp_assoc *a);
/* Handles a RE-CONFIG chunk (RFC 6525 §5.2). Returns 0, 1 (stop processing) or a fatal error. */
int csctp_assoc_on_reconfig(csctp_assoc *a, const csctp_chunk *ch, csctp_tstamp now);
/* Completes a deferred incoming reset once its data has arrived and been taken. */
void csctp_assoc_reconfig_progress(csctp_assoc *a);
/* 1 when DATA with this TSN on this stream must wait for a deferred reset (§5.2.2 E2). */
int csctp_assoc_reconfig_holds(const csctp_assoc *a, uint16_t stream, csctp_tsn tsn);
/* Writes our pending RE-CONFIG request when its streams have drained. */
void csctp_assoc_reconfig_write(csctp_assoc *a, csctp_wr *w, csctp_tstamp now);
/* The reconfiguration timer: retransmits the request. Returns 1 when the association closed. */
int csctp_assoc_reconfig_timer(csctp_assoc *a, csctp_tstamp now);
/* Stream sets of the requests (assoc_reconfig.c): add ids (n = 0: all; 0 or CSCTP_ERR_NOMEM,
 * nothing changed), membership, clear, and the ids / count as the wire sees them (0 = all). */
int csctp_assoc_streams_add(csctp_assoc *a, csctp_assoc_streams *s, const uint16_t *ids, size_t n);
int csctp_assoc_streams_has(const csctp_assoc_streams *s, uint16_t id);
void csctp_assoc_streams_clear(csctp_assoc_streams *s);
const uint16_t *csctp_assoc_streams_ids(const csctp_assoc_streams *s);
size_t csctp_assoc_streams_n(const csctp_assoc_streams *s);
/* Stream ids that fit in one reset request in a packet. */
size_t csctp_assoc_reconfig_max_streams(const csctp_assoc *a);
/* Starts our next request chunk from what is queued, when none is in flight. */
void csctp_assoc_reconfig_start_next(csctp_assoc *a);
/*
 * Emits STREAMS_RESET or INCOMING_RESET_RESULT (`type`) with the stream list of `s`, and
 * empties `s`. Nothing is allocated, so the event cannot be lost: up to
 * CSCTP_ASSOC_EV_IDS ids travel in the event queue, a longer list is taken over from `s`.
 */
void csctp_assoc_reconfig_event(csctp_assoc *a, csctp_event_type type, int incoming,
                                uint32_t result, csctp_assoc_streams *s);
/* Our requests answered (also implicitly, by the peer's request, §5.2.3, §5.2.6): the
 * Incoming SSN Reset, the Add Incoming Streams; then the check that the chunk is done. */
void csctp_assoc_reconfig_in_done(csctp_assoc *a, uint32_t result);
void csctp_assoc_reconfig_add_in_done(csctp_assoc *a, uint32_t result);
void csctp_assoc_reconfig_check_done(csctp_assoc *a);
/* Emits STREAMS_CHANGED with the current stream counts. */
void csctp_assoc_streams_changed_event(csctp_assoc *a, uint32_t result);

/* assoc_reconfig_peer.c */
/* Handles one of the peer's request parameters (§5.2); returns the result to answer with, or
 * CSCTP_RECONFIG_NO_RESPONSE when our own request answers it (§5.2.3). */
uint32_t csctp_assoc_reconfig_peer_request(csctp_assoc *a, const csctp_reconfig_param *p);
#define CSCTP_RECONFIG_NO_RESPONSE UINT32_MAX

/* assoc_reset_assoc.c: the SSN/TSN Reset Request (RFC 6525 §5.1.4, §5.2.4) */
/* 1 when our request may go (first time): nothing of ours queued before it or in flight. */
int csctp_assoc_tsn_reset_ready(const csctp_assoc *a);
/* The response to our request (not "In progress"). */
void csctp_assoc_tsn_reset_done(csctp_assoc *a, const csctp_reconfig_param *p);
/* The receive side of our performed request: done once the old messages are taken. */
void csctp_assoc_tsn_reset_rx_try(csctp_assoc *a);
/* The peer's request (new, or again after "In progress"): the result to answer with. */
uint32_t csctp_assoc_peer_tsn_reset(csctp_assoc *a, const csctp_reconfig_param *p);
/* Fills the TSN fields of the response `r` to the peer's request (§4.4: always present). */
void csctp_assoc_tsn_reset_answer(const csctp_assoc *a, csctp_reconfig_param *r);
/* 1 when a SACK's cumulative TSN that acknowledges a TSN never sent is one of before our
 * performed reset (a late copy): dropped, not a protocol violation. */
int csctp_assoc_tsn_reset_stale(const csctp_assoc *a, csctp_tsn cum);

/* assoc_handover.c */
/* A packet read after the handover: counted, never answered. */
int csctp_assoc_handover_drop(csctp_assoc *a);

/* assoc_event.c */
void csctp_assoc_push_event(csctp_assoc *a, const csctp_event *ev, int after_data);
/* Same, with memory `owned` that the event points into (freed once the event is handed out). */
void csctp_assoc_push_event_owned(csctp_assoc *a, const csctp_event *ev, int after_data,
                                  void *owned);
int csctp_assoc_pop_event(csctp_assoc *a, csctp_event *ev);
void csctp_assoc_events_free(csctp_assoc *a);
/* Queues a STREAMS_RESET / INCOMING_RESET_RESULT event whose n <= CSCTP_ASSOC_EV_IDS
 * stream ids are kept in the queue itself (no allocation). */
void csctp_assoc_push_event_ids(csctp_assoc *a, const csctp_event *ev, const uint16_t *ids,
                                size_t n);
/* Allocates the event queue (at creation): 0 or CSCTP_ERR_NOMEM. */
int csctp_assoc_events_init(csctp_assoc *a);

/* ---- PLPMTUD (assoc_plpmtud.c, RFC 8899) ---- */
/* The machine, the probe in flight (its nonce and when it was sent), and the retransmission
 * timeouts in a row at one cumulative TSN. */
typedef struct csctp_assoc_pl {
  csctp_pl m;
  uint64_t nonce;
  csctp_tstamp sent;
  csctp_tsn t3_cum;
  uint8_t t3_streak;
} csctp_assoc_pl;
/* The machine from the config (nothing allocated when plpmtud_max is 0). 0 or CSCTP_ERR_NOMEM. */
int csctp_assoc_pl_init(csctp_assoc *a);
/* Frees it. */
void csctp_assoc_pl_free(csctp_assoc *a);
/* The largest control chunk we build (ERROR causes, stream lists): cfg.mtu, or with PLPMTUD
 * the size it may fall to in its ERROR state, so that such a chunk always fits a packet. */
static inline uint32_t csctp_assoc_ctrl_mtu(const csctp_assoc *a) {
  return a->cfg.plpmtud_max && a->cfg.mtu > CSCTP_PL_MIN ? CSCTP_PL_MIN : a->cfg.mtu;
}
/* The PLPMTUD deadline, CSCTP_TSTAMP_NONE without PLPMTUD. */
static inline csctp_tstamp csctp_assoc_pl_deadline(const csctp_assoc *a) {
  return a->pl ? a->pl->m.timer : CSCTP_TSTAMP_NONE;
}
/* Bytes csctp_assoc_write_packet needs in the caller's buffer. */
static inline size_t csctp_assoc_buf_need(const csctp_assoc *a) {
  return a->cfg.plpmtud_max ? a->cfg.plpmtud_max : a->cfg.mtu;
}
/* ESTABLISHED: probing starts. */
void csctp_assoc_pl_start(csctp_assoc *a, csctp_tstamp now);
/* Writes the probe a->pl asks for into buf (room for its size); its length, or 0. */
csctp_ssize csctp_assoc_pl_write_probe(csctp_assoc *a, uint8_t *buf, csctp_tstamp now);
/* A HEARTBEAT ACK's Info: 1 when it is a probe's (handled), 0 when not. */
int csctp_assoc_pl_on_ack(csctp_assoc *a, const uint8_t *info, size_t len, csctp_tstamp now);
/* The PLPMTUD deadline passed. */
void csctp_assoc_pl_timer(csctp_assoc *a, csctp_tstamp now);
/* T3-rtx expired: the black-hole signal. */
void csctp_assoc_pl_on_t3(csctp_assoc *a, csctp_tstamp now);
/* Multi-homed: new data moved to another path. The search follows it: back to BASE_PLPMTU,
 * confirmed on the new path, then searched again; the old path's probe answers nothing. */
void csctp_assoc_pl_new_path(csctp_assoc *a);

/* ---- Multi-homing (assoc_path.c, assoc_addr.c, assoc_multi.c) ---- */
/* 1 when the association has more than one path: the multi-homed code runs. */
static inline int csctp_assoc_multi(const csctp_assoc *a) { return a->mp && a->mp->n > 1; }
/* Path i (< csctp_assoc_path_count). */
static inline csctp_path *csctp_assoc_path(csctp_assoc *a, unsigned i) {
  return i ? &a->mp->px[i - 1] : &a->p0;
}
/* The send-side state of path i: tx.p0 for the data path (and for a single-homed one). */
static inline csctp_tx_path *csctp_assoc_txpath(csctp_assoc *a, unsigned i) {
  return !a->mp || i == a->mp->data_path ? &a->tx.p0 : &a->mp->tp[i];
}
/* Allocates a->mp when cfg.max_paths > 1 (the local addresses copied). 0 or CSCTP_ERR_NOMEM. */
int csctp_assoc_mp_init(csctp_assoc *a);
void csctp_assoc_mp_free(csctp_assoc *a);
/* RFC 5061 Delete IP: frees path i (not 0): its address forgotten, its timers stopped, new data
 * and the primary moved off it, a PATH_CHANGED event with reason CSCTP_PATH_REMOVED. 0, or -1
 * (no such live path, or path 0). The slot is taken again by the next csctp_assoc_path_add. */
int csctp_assoc_path_remove(csctp_assoc *a, unsigned i);
/* A path added while the association runs (RFC 5061 Add IP): its verification HEARTBEAT is due
 * now (§5.4), within HB.Max.Burst. */
void csctp_assoc_mp_path_started(csctp_assoc *a, unsigned i, csctp_tstamp now);
/* The path whose address has the IP of `addr` (UDP port not compared), or -1. */
int csctp_assoc_path_find(const csctp_assoc *a, const csctp_addr *addr);
/* Adds a path in `state` (an event says so when the association is multi-homed): its index, or
 * -1 when max_paths is reached (counted in peer_addrs_ignored). */
int csctp_assoc_path_add(csctp_assoc *a, const csctp_addr *addr, uint8_t state, csctp_tstamp now);
/* Path i's state becomes `st` for `reason`: event, counters, and a new choice of data path. */
void csctp_assoc_path_set_state(csctp_assoc *a, unsigned i, uint8_t st, uint8_t reason);
/* An error on path i (T3 of data sent there, or an unanswered HEARTBEAT): §8.2. */
void csctp_assoc_path_strike(csctp_assoc *a, unsigned i, csctp_tstamp now);
/* Path i answered (§8.2: its error counter is cleared); by_hb: a HEARTBEAT ACK (which alone
 * confirms an unconfirmed path, §5.4, and brings an inactive one back). */
void csctp_assoc_path_heard(csctp_assoc *a, unsigned i, int by_hb, csctp_tstamp now);
/* Chooses the data path again (§6.4): the primary while active, else another active path. */
void csctp_assoc_path_select(csctp_assoc *a);
/* Same IP bytes (UDP ports not compared). */
int csctp_assoc_addr_same_ip(const csctp_assoc *a, const csctp_addr *x, const csctp_addr *y);
/* Our IPv4/IPv6 Address parameters for INIT / INIT ACK (nothing when single-homed), of the
 * families in `types` (CSCTP_ADDR_TYPES_*); with CSCTP_ADDR_TYPES_PRESENT (an INIT) also the
 * Supported Address Types parameter naming the families of our addresses (§5.1.2). */
void csctp_assoc_write_addr_params(const csctp_assoc *a, csctp_wr *w, uint8_t types);
/* The address families an INIT ACK may list for the INIT `in`: those of its Supported Address
 * Types parameter and that of the INIT's source; both when it has none. */
uint8_t csctp_assoc_addr_types_for(const csctp_assoc *a, const csctp_init_chunk *in);
/* The peer's addresses in its INIT / INIT ACK that pass §5.1.2's filter, as cookie records,
 * at most `max` (the rest counted in peer_addrs_ignored); `src` (the packet's source) left out. */
size_t csctp_assoc_peer_addr_list(csctp_assoc *a, const csctp_init_chunk *in, const csctp_addr *src,
                                  uint8_t out[][CSCTP_ADDR_REC], size_t max);
/* RFC 5061 Add IP: 1 when the address (fam 4 or 6) is one the peer cannot have (the §5.1.2
 * filter of csctp_assoc_peer_addr_list: any, multicast, broadcast, loopback from a non-loopback
 * source, IPv6 link-local, or one of ours), else 0. */
int csctp_assoc_addr_refused(const csctp_assoc *a, int fam, const uint8_t *ip,
                             const csctp_addr *src);
/* A cookie record as an address, with the UDP port of `src`. */
int csctp_assoc_addr_from_rec(const csctp_assoc *a, const uint8_t rec[CSCTP_ADDR_REC],
                              const csctp_addr *src, csctp_addr *out);
/* The handshake: the INIT's source and list into the cookie (passive side). */
void csctp_assoc_mp_cookie(csctp_assoc *a, const csctp_init_chunk *in, csctp_cookie *c);
/* The paths of an association just established from a cookie (passive side). */
void csctp_assoc_mp_from_cookie(csctp_assoc *a, const csctp_cookie *c, int restart,
                                csctp_tstamp now);
/* The INIT ACK's list (active side). */
void csctp_assoc_mp_from_init_ack(csctp_assoc *a, const csctp_init_chunk *in, csctp_tstamp now);
/* RFC 9260 §5.2.2: an unexpected INIT of a live association that lists addresses that are no
 * path is answered with an ABORT (cause 11, the new addresses listed, the INIT's Initiate Tag)
 * and changes nothing: 1 when it did so (no INIT ACK then), 0 when the INIT adds nothing. */
int csctp_assoc_mp_restart_init(csctp_assoc *a, const csctp_init_chunk *in);
/* The same for the COOKIE ECHO of a peer restart (§5.2.4 action A): 1 when refused. */
int csctp_assoc_mp_restart_cookie(csctp_assoc *a, const csctp_cookie *c);
/* The packet just queued answers the packet being read (INIT ACK, ABORT to an INIT): it goes
 * to that packet's source path when that one is confirmed, else to the data path. */
void csctp_assoc_mp_reply_to_src(csctp_assoc *a);
/* ESTABLISHED: verification of unconfirmed paths starts (§5.4). */
void csctp_assoc_mp_start(csctp_assoc *a, csctp_tstamp now);
/* The multi-homed heartbeat timers (§5.4, §8.3): 1 when the association closed. */
int csctp_assoc_mp_hb_run(csctp_assoc *a, csctp_tstamp now);
/* A HEARTBEAT: the ACK goes back to its source path. */
void csctp_assoc_mp_on_heartbeat(csctp_assoc *a, const uint8_t *info, size_t len);
/* A HEARTBEAT ACK of a multi-homed association's HEARTBEAT: 1 when it was one (handled). */
int csctp_assoc_mp_on_hb_ack(csctp_assoc *a, const uint8_t *info, size_t len, csctp_tstamp now);
/* T3-rtx expired (after the tx reacted): the strike, and retransmissions to another path. */
void csctp_assoc_mp_on_t3(csctp_assoc *a, csctp_tstamp now);

#endif
