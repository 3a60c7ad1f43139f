/* SPDX-License-Identifier: MIT */
/*
 * The send side of an association (RFC 9260 §6, §7): the send buffer of whole
 * messages (copied in once), the stream scheduler (deficit round-robin with priorities),
 * fragmentation at first transmission, the outstanding-DATA ring indexed by
 * TSN - (cum_tsn_ack + 1), SACK processing, T3-rtx, fast retransmit and fast
 * recovery, cwnd/ssthresh/partial_bytes_acked, max_burst, peer rwnd tracking,
 * sender silly-window avoidance and zero-window probing.
 */
#ifndef CSCTP_TX_H
#define CSCTP_TX_H

#include <stddef.h>
#include <stdint.h>

#include <csctp/common.h>

#include "chunk.h"
#include "rto.h"
#include "tsn.h"
#include "wr.h"

typedef struct csctp_tx_config {
  uint32_t mtu;    /* largest SCTP packet, common header included */
  uint32_t sndbuf; /* bytes of user data queued + outstanding */
  uint32_t max_message_size;
  uint32_t max_burst;                     /* packets per write opportunity */
  uint32_t rto_initial, rto_min, rto_max; /* ms */
} csctp_tx_config;

typedef struct csctp_tx_stats {
  uint64_t data_chunks_out;
  uint64_t messages_out; /* messages whose last fragment was first sent */
  uint64_t bytes_out;    /* payload bytes first sent */
  uint64_t retransmissions;
  uint64_t fast_retransmits;
  uint64_t t3_expiries;
  uint64_t abandoned_msgs; /* messages abandoned (RFC 3758), sent in part or not at all */
  uint64_t forward_tsns;   /* FORWARD TSN chunks written */
} csctp_tx_stats;

/*
 * The send side's half of a path (RFC 9260 §6.4, §7: RTO, cwnd and ssthresh are kept per
 * destination). Path 0 is csctp_tx.p0, the only one of a single-homed association; the rest
 * of a path (heartbeats, its address) is csctp_path (path.h).
 */
typedef struct csctp_tx_path {
  csctp_rto rto; /* path 0's is shared with the association (T1, T2, heartbeat) */
  uint32_t cwnd, ssthresh, partial_bytes_acked;
  int rtt_on; /* a chunk sent here is being timed (one per round trip, §6.3.1 C4) */
  csctp_tsn rtt_tsn;
} csctp_tx_path;

/* Fields marked private belong to tx.c and its helpers. */
typedef struct csctp_tx {
  const csctp_mem *mem;
  csctp_tx_config cfg;
  csctp_tx_path p0; /* path 0: the one of a single-homed association */
  csctp_tx_stats stats;
  csctp_tstamp t3;    /* T3-rtx deadline (§6.3.2) or CSCTP_TSTAMP_NONE */
  uint32_t peer_rwnd; /* a_rwnd minus outstanding (§6.2.1) */
  /*
   * Payload in flight (the flightsize of §7): sent, not acknowledged (neither
   * cumulatively nor by a gap block) and not marked for retransmission. Peer
   * rwnd and cwnd are reckoned against it, as in §6.2.1 and §7.2.
   */
  uint32_t outstanding_bytes;
  size_t buffered;       /* payload queued + outstanding */
  csctp_tsn next_tsn;    /* TSN of the next new chunk */
  csctp_tsn cum_tsn_ack; /* last cumulatively acknowledged TSN */
  uint16_t num_streams;  /* negotiated outbound streams (0 before start) */
  int started;
  int pr_enabled; /* the peer supports FORWARD TSN: PR policies apply (RFC 3758) */
  int pr_used;    /* a message with a PR policy was queued once: PR checks are due */
  int idata;      /* RFC 8260 I-DATA negotiated (csctp_tx_set_idata): I-DATA, interleaved */
  /* idata, or the RR_PACKET scheduler: csctp_tx_write_data tests this alone on the way of plain
   * DATA. Kept by csctp_tx_set_idata and csctp_tx_set_scheduler. */
  uint8_t write_other;
  csctp_tstamp retry; /* new DATA found no memory: when to try again (csctp_tx_retry_deadline) */
  /* The caller's buffer (the largest packet ever allowed, csctp_tx_set_mtu): a chunk first sent
   * when the MTU was larger goes alone in a packet of up to this size when retransmitted. */
  uint32_t buf_cap;
  uint32_t overhead; /* bytes of each packet left to a chunk added after (csctp_tx_set_overhead) */
  /* Multi-homed association (assoc_multi.c): the path bits retransmitted records get, and 1
   * while a packet goes to a path that takes retransmissions only (§6.4.1). 0 otherwise. */
  uint8_t dest_bits;
  uint8_t rtx_only;
  void *priv; /* private: queues, streams, ring */
} csctp_tx;

int csctp_tx_init(csctp_tx *tx, const csctp_mem *mem, const csctp_tx_config *cfg);
void csctp_tx_free(csctp_tx *tx);
/* Gives back what an idle sender does not need: the outstanding ring when empty, the send
 * buffer's slab when no message lives in it, spare large messages. Returns bytes. */
size_t csctp_tx_trim(csctp_tx *tx);

/*
 * Begins sending (association established): our initial TSN, the peer's
 * a_rwnd from its INIT/INIT ACK, the negotiated outbound stream count.
 * Queued messages for streams >= num_streams are dropped (counted in the
 * returned value). cwnd = min(4*MTU, max(2*MTU, 4380)), ssthresh = peer_rwnd.
 */
size_t csctp_tx_start(csctp_tx *tx, csctp_tsn initial_tsn, uint32_t peer_rwnd,
                      uint16_t num_streams);

/*
 * Drops everything queued and outstanding and starts again as after
 * csctp_tx_start (peer restart, §5.2.4: the peer lost it all). Stream
 * sequence numbers start at 0 again.
 */
void csctp_tx_restart(csctp_tx *tx, csctp_tsn initial_tsn, uint32_t peer_rwnd,
                      uint16_t num_streams);

/*
 * Copies one message (1 <= len <= max_message_size) into the send buffer.
 * Returns 0, CSCTP_ERR_WOULD_BLOCK (buffered + len > sndbuf; an empty buffer
 * always accepts one message), CSCTP_ERR_MSG_TOO_LARGE or CSCTP_ERR_NOMEM.
 */
int csctp_tx_enqueue(csctp_tx *tx, uint16_t stream, uint32_t ppid, int unordered,
                     const uint8_t *data, size_t len);

/*
 * csctp_tx_enqueue with a partial reliability policy (RFC 7496):
 * CSCTP_PR_TTL abandons the message when it would be sent or retransmitted
 * more than `value` ms after `now`; CSCTP_PR_RTX when a chunk of it would be
 * retransmitted more than `value` times. Policies apply only while
 * tx->pr_enabled (else the message is sent reliably). Same errors, plus
 * CSCTP_ERR_INVALID_ARGUMENT for an unknown policy.
 */
int csctp_tx_enqueue_pr(csctp_tx *tx, uint16_t stream, uint32_t ppid, int unordered, int policy,
                        uint32_t value, csctp_tstamp now, const uint8_t *data, size_t len);
/* csctp_tx_enqueue_pr with the fields of a csctp_send_opts (csctp_assoc_send's path: one
 * pointer rather than six arguments), for a caller that has checked `data` and `len` (data
 * set, 1 <= len <= max_message_size): those checks are not made again. */
struct csctp_send_opts;
int csctp_tx_send(csctp_tx *tx, const struct csctp_send_opts *o, csctp_tstamp now,
                  const uint8_t *data, size_t len);
/* csctp_tx_send with CSCTP_SEND_* flags (CSCTP_SEND_SACK_IMMEDIATELY: the message's last
 * fragment carries the RFC 7053 I bit); unknown bits are the caller's to refuse. */
int csctp_tx_send_flags(csctp_tx *tx, const struct csctp_send_opts *o, unsigned flags,
                        csctp_tstamp now, const uint8_t *data, size_t len);

/* ---- Partial reliability, sender side (RFC 3758 §3.5), tx_abandon.c ---- */

/*
 * Applies the policies before a packet is built: drops unsent messages whose
 * lifetime is over (no TSN used), abandons the message being fragmented when
 * its lifetime is over, and abandons every message of which a chunk marked
 * for retransmission is over its lifetime or retransmission limit (all its
 * chunks, sent or not, RFC 7496 §4). Abandoned bytes leave the send buffer.
 * Advances the Advanced.Peer.Ack.Point. Does nothing unless pr_enabled and
 * pr_used. Returns 1 when it dropped or abandoned something, else 0.
 */
int csctp_tx_pr_check(csctp_tx *tx, csctp_tstamp now);

/* 1 when a FORWARD TSN is due (the Advanced.Peer.Ack.Point is ahead of the cum ack). */
int csctp_tx_forward_tsn_due(const csctp_tx *tx);

/*
 * Writes the due FORWARD TSN: New Cumulative TSN = Advanced.Peer.Ack.Point
 * (cut at a message boundary when the (stream, SSN) pairs of the skipped
 * ordered messages would not fit), one pair per stream with its highest
 * skipped SSN; starts T3 when not running (§3.5 C4). Returns 1 when written,
 * 0 when nothing was due or it did not fit (w unchanged).
 */
int csctp_tx_write_forward_tsn(csctp_tx *tx, csctp_wr *w, csctp_tstamp now);

/* The Advanced.Peer.Ack.Point (the cum ack when nothing is abandoned). */
csctp_tsn csctp_tx_adv_peer_ack_point(const csctp_tx *tx);

/* ---- Stream reset support (RFC 6525), tx_queue.c / tx_abandon.c ---- */

/*
 * Pauses outgoing streams (n = 0: every stream, also those first used later):
 * messages already queued on them still go, later ones wait until
 * csctp_tx_resume_streams. Returns 0 or CSCTP_ERR_NOMEM.
 */
int csctp_tx_pause_streams(csctp_tx *tx, const uint16_t *ids, size_t n);

/*
 * Ends the pause of the streams (n = 0: all); with reset_ssn, their next SSN
 * becomes 0 (the reset was performed).
 */
void csctp_tx_resume_streams(csctp_tx *tx, const uint16_t *ids, size_t n, int reset_ssn);

/* 1 when every message queued on the streams before their pause has been cut into chunks. */
int csctp_tx_streams_drained(const csctp_tx *tx, const uint16_t *ids, size_t n);

/*
 * SSN/TSN Reset (RFC 6525 §5.1.4, §5.2.4): the next new chunk gets `next_tsn`, the cum ack
 * becomes next_tsn - 1, and every outgoing stream's next SSN (and MIDs) becomes 0. Queued
 * messages stay. Returns 0, or CSCTP_ERR_INVALID_STATE, changing nothing, while a chunk is
 * outstanding, a FORWARD TSN is owed or a message has been cut in part.
 */
int csctp_tx_reset_tsn(csctp_tx *tx, csctp_tsn next_tsn);
/* 1 when csctp_tx_reset_tsn would succeed now. */
int csctp_tx_reset_tsn_ok(const csctp_tx *tx);

/*
 * Switches the send scheduler to `kind`, a csctp_sched value (CSCTP_SCHED_WFQ, the
 * default, ... below CSCTP_SCHED_COUNT), at any time: the streams that have messages queued
 * are placed again, no message is lost or reordered within its stream. Returns 0 or
 * CSCTP_ERR_INVALID_ARGUMENT (unknown kind; nothing changed).
 */
int csctp_tx_set_scheduler(csctp_tx *tx, int kind);
/* RFC 8260: whether I-DATA was negotiated (set once the association is up, before data). */
void csctp_tx_set_idata(csctp_tx *tx, int on);
/* The largest packet from now on (RFC 8899 PLPMTU, >= 508), and `buf_cap` the caller's buffer
 * (>= every MTU ever set): new chunks are cut to the new size; chunks already sent keep theirs. */
void csctp_tx_set_mtu(csctp_tx *tx, uint32_t mtu, uint32_t buf_cap);
/* Leaves `bytes` of every packet to a chunk added after the DATA is written (RFC 4895 AUTH):
 * DATA and I-DATA fragments are cut that much smaller from now on. */
void csctp_tx_set_overhead(csctp_tx *tx, uint32_t bytes);
/* The send scheduler in use, a csctp_sched value. */
int csctp_tx_get_scheduler(const csctp_tx *tx);

/* 1 when csctp_tx_write_data would write at least one chunk now. */
int csctp_tx_wants_to_send(const csctp_tx *tx, csctp_tstamp now);

/*
 * Appends DATA chunks to the packet being built in `w` (w->cap already
 * limited to the MTU): chunks marked for retransmission first (fast
 * retransmit allows one packet beyond cwnd), then new data as cwnd, peer rwnd,
 * max_burst and silly-window avoidance allow; with peer rwnd 0 and nothing
 * outstanding one chunk goes as a zero-window probe. New messages are split
 * into fragments at first transmission. Starts T3 when it is not running.
 * Returns the number of chunks written (0 when nothing was due or nothing fit).
 */
size_t csctp_tx_write_data(csctp_tx *tx, csctp_wr *w, csctp_tstamp now);

/* Grants Max.Burst more packets of new data (up to 16 times that): call when a packet
 * arrives or a timer fires. */
void csctp_tx_new_burst(csctp_tx *tx);

/* What a SACK did. */
typedef struct csctp_tx_sack_result {
  int new_cum_ack;    /* the cumulative ack point advanced */
  int new_data_acked; /* any new TSN acked, cumulatively or by a gap */
  size_t bytes_freed; /* payload bytes that left the send buffer */
} csctp_tx_sack_result;

/*
 * Applies a SACK (§6.2.1, §7.2): frees cumulatively acked chunks and
 * messages, marks gap-acked ones, measures RTT on chunks sent once (Karn),
 * counts miss indications and marks fast retransmits (3 misses), updates
 * cwnd/ssthresh/partial_bytes_acked and fast recovery, peer rwnd, and T3
 * (stopped when nothing is outstanding, restarted when the cum ack advanced).
 * A SACK older than the current cum ack is ignored. Returns 0, or
 * CSCTP_ERR_MALFORMED when it acknowledges a TSN never sent (the caller aborts
 * with a Protocol Violation).
 */
int csctp_tx_on_sack(csctp_tx *tx, const csctp_sack_chunk *s, csctp_tstamp now,
                     csctp_tx_sack_result *res);

/*
 * Applies the Cumulative TSN Ack of a SHUTDOWN chunk (§9.2) as a SACK
 * without gap information: unlike csctp_tx_on_sack with no gap blocks, it
 * does not treat gap-acked chunks as reneged and keeps the peer rwnd
 * estimate. Same results and errors as csctp_tx_on_sack.
 */
int csctp_tx_on_cum_ack(csctp_tx *tx, csctp_tsn cum, csctp_tstamp now, csctp_tx_sack_result *res);

/* T3-rtx deadline, or CSCTP_TSTAMP_NONE. */
csctp_tstamp csctp_tx_t3_deadline(const csctp_tx *tx);

/* ---- Paths (multi-homing) ---- */
/* 1 when records are marked for retransmission. */
int csctp_tx_rtx_pending(const csctp_tx *tx);
/* The path the outstanding record of TSN `tsn` was last sent on, or -1 (no such record). */
int csctp_tx_record_path(const csctp_tx *tx, csctp_tsn tsn);
/* As csctp_tx_record_path, but -1 also when the record is marked for retransmission: presumed
 * lost on that path, its acknowledgement says nothing of the path now. */
int csctp_tx_record_path_live(const csctp_tx *tx, csctp_tsn tsn);
/* Records from TSN `from` to the newest were sent on path `path`. */
void csctp_tx_mark_path(csctp_tx *tx, csctp_tsn from, unsigned path);

/*
 * When new DATA could not be recorded for lack of memory, the moment to try
 * again (CSCTP_TX_NOMEM_RETRY later), else CSCTP_TSTAMP_NONE: without it the
 * data would wait for an event (a SACK, a call) that may never come. The
 * association includes it in its expiry and clears it when it passes; the
 * write that follows tries again.
 */
#define CSCTP_TX_NOMEM_RETRY (10 * CSCTP_MILLISECONDS)
static inline csctp_tstamp csctp_tx_retry_deadline(const csctp_tx *tx) { return tx->retry; }
static inline void csctp_tx_retry_clear(csctp_tx *tx) { tx->retry = CSCTP_TSTAMP_NONE; }

/*
 * T3-rtx expired (§6.3.3): ssthresh = max(cwnd/2, 4*MTU), cwnd = MTU, RTO
 * backed off, every outstanding chunk marked for retransmission (except
 * gap-acked ones the peer still holds), T3 restarted when the retransmission
 * is written. One packet of retransmissions goes out, the rest after a SACK
 * acknowledges new data (E3). Does nothing unless T3 was running.
 */
void csctp_tx_on_t3_expiry(csctp_tx *tx, csctp_tstamp now);

/* 1 when nothing is queued and nothing is outstanding. */
static inline int csctp_tx_idle(const csctp_tx *tx) { return tx->buffered == 0; }

/* 1 when some DATA chunk is not yet cumulatively acknowledged (in flight, gap-acked or marked). */
int csctp_tx_has_outstanding(const csctp_tx *tx);
/* Chunks sent and not cumulatively acknowledged (the outstanding ring's records). */
uint32_t csctp_tx_unacked_chunks(const csctp_tx *tx);

/* Payload bytes queued or outstanding on one stream (0 for a stream never used). */
size_t csctp_tx_stream_buffered(const csctp_tx *tx, uint16_t stream);

/* Cumulative TSN the peer has acked, used for SHUTDOWN checks. */
static inline csctp_tsn csctp_tx_cum_ack(const csctp_tx *tx) { return tx->cum_tsn_ack; }

#endif
