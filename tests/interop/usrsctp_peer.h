/* SPDX-License-Identifier: MIT */
/*
 * A usrsctp endpoint in AF_CONN mode for in-memory interop tests.
 *
 * usrsctp keeps process-wide state and runs its own timer thread, which calls
 * conn_output for retransmissions; every outbound packet is therefore copied
 * into a mutex-protected queue that the test thread drains. Everything else
 * (sockets, options, recvv polling with MSG_DONTWAIT) runs on the test thread,
 * so no callback other than conn_output ever runs on usrsctp's threads.
 *
 * Each peer registers its own address (the peer struct itself): usrsctp uses
 * one AF_CONN pointer as both local and remote address of a connection, and
 * hands it back to conn_output, which is how packets find their queue.
 */
#ifndef CSCTP_TEST_USRSCTP_PEER_H
#define CSCTP_TEST_USRSCTP_PEER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct socket;

/** One packet emitted by usrsctp. */
typedef struct usrsctp_peer_pkt {
  struct usrsctp_peer_pkt *next;
  uint8_t tos; /* the IP TOS usrsctp asked for (its low two bits: the ECN codepoint) */
  size_t len;
  uint8_t data[];
} usrsctp_peer_pkt;

/** Process-wide settings applied by usrsctp_peer_global_init. */
typedef struct usrsctp_peer_tuning {
  uint32_t rto_min_ms, rto_initial_ms, rto_max_ms, init_rto_max_ms;
  uint32_t delayed_sack_ms;
  uint32_t hb_interval_ms; /* 0: usrsctp's default (30 s) */
  /** Keep usrsctp's defaults for AUTH, ASCONF and ECN (WebRTC stacks turn them off). */
  int all_features;
} usrsctp_peer_tuning;

/** Per-socket settings. */
typedef struct usrsctp_peer_opts {
  uint16_t port, remote_port;
  uint16_t ostreams, max_instreams; /* SCTP_INITMSG */
  uint32_t mtu;                     /* largest packet written, PMTUD off */
  int passive;                      /* listen and accept instead of connect */
  int stream_reset;                 /* SCTP_ENABLE_STREAM_RESET (accept the peer's requests) */
  /** RFC 8260: SCTP_FRAGMENT_INTERLEAVE 2, then SCTP_INTERLEAVING_SUPPORTED 1 (announce
   *  I-DATA), before connect or listen. Reads may then interleave pieces of messages of
   *  different streams: usrsctp_peer_recv() joins them per stream (part[]). */
  int interleaving;
  /** Non-zero: SCTP_PLUGGABLE_SS = `ss` (an SCTP_SS_* value) before connect or listen. */
  int set_ss;
  uint32_t ss;
  uint32_t sndbuf, rcvbuf; /* SO_SNDBUF, SO_RCVBUF (0: 1 MiB); the PD point is rcvbuf / 2 */
} usrsctp_peer_opts;

/** A complete message read from usrsctp; data is valid until the next recv. */
typedef struct usrsctp_peer_msg {
  uint16_t sid;
  uint32_t ppid; /* host byte order */
  int unordered;
  const uint8_t *data;
  size_t len;
} usrsctp_peer_msg;

typedef struct usrsctp_peer {
  const char *name; /* for diagnostics */
  int registered;   /* our address is registered with usrsctp */
  struct socket *listener, *sock;
  usrsctp_peer_opts opts;
  /* conn_output -> test thread */
  pthread_mutex_t mu;
  usrsctp_peer_pkt *head, *tail;
  uint64_t pkts_out;
  /* reassembly of MSG_EOR-terminated partial reads */
  uint8_t *rx;
  size_t rx_len, rx_cap;
  int rx_reset; /* the last message was handed out: start over on the next read */
  /* with interleaving: messages being read in pieces, one per (stream, U flag) */
  struct usrsctp_peer_part {
    int used, unordered;
    uint16_t sid;
    uint8_t *buf;
    size_t len, cap;
  } part[8];
  int part_done;              /* 1 + the slot handed out by the last recv, 0 if none */
  uint64_t interleaved_reads; /* pieces read while another stream's message was open */
  uint64_t partial_reads;
  /* what the notifications and reads said */
  int comm_up, comm_lost, restart, shutdown_comp, cant_start, shutdown_event, eof;
  uint16_t in_streams, out_streams; /* from COMM_UP */
  uint16_t lost_error;              /* sac_error of COMM_LOST (first cause code of an ABORT) */
  int remote_errors, send_failed;
  uint16_t last_remote_error;
  /* SCTP_STREAM_RESET_EVENT: how many, and the flags and streams of the last one */
  int strreset_events;
  uint16_t strreset_flags;
  uint16_t strreset_streams[16];
  size_t strreset_n;
  /* SCTP_ASSOC_RESET_EVENT (SSN/TSN Reset): how many, and the last one's flags and TSNs */
  int assocreset_events;
  uint16_t assocreset_flags;
  uint32_t assocreset_local_tsn, assocreset_remote_tsn;
  int error; /* errno of the first unexpected socket failure, 0 if none */
  char failure[160];
} usrsctp_peer;

/** usrsctp_init (no UDP encapsulation) plus sysctls; once per process. */
void usrsctp_peer_global_init(const usrsctp_peer_tuning *t);
/** usrsctp_finish, retried for at most `max_ms`. Returns 0 when usrsctp finished. */
int usrsctp_peer_global_finish(int max_ms);

/** Sets up `p` (name is kept, not copied) and opens, configures and binds its socket. */
int usrsctp_peer_open(usrsctp_peer *p, const char *name, const usrsctp_peer_opts *o);
/** Non-blocking connect to opts.remote_port. Returns 0 or -errno. */
int usrsctp_peer_connect(usrsctp_peer *p);
/** Feeds one inbound packet (usrsctp_conninput). */
void usrsctp_peer_input(usrsctp_peer *p, const uint8_t *pkt, size_t len);
/** usrsctp_peer_input for a packet that arrived with the IP ECN codepoint `ecn` (0..3). */
void usrsctp_peer_input_ecn(usrsctp_peer *p, const uint8_t *pkt, size_t len, uint8_t ecn);
/** Takes the oldest packet usrsctp emitted (free() it), or NULL. */
usrsctp_peer_pkt *usrsctp_peer_pop(usrsctp_peer *p);
/**
 * Accepts a pending connection when passive, then reads what is ready:
 * notifications update the fields above. Returns 1 with a complete message
 * in *m, 0 when nothing more is ready, -errno on an unexpected failure.
 */
int usrsctp_peer_recv(usrsctp_peer *p, usrsctp_peer_msg *m);
/** Sends one message. Returns 0, -EWOULDBLOCK (retry later) or another -errno. */
int usrsctp_peer_send(usrsctp_peer *p, uint16_t sid, uint32_t ppid, int unordered, const void *data,
                      size_t len);
/**
 * Sends one message with a PR-SCTP policy (SCTP_PR_SCTP_TTL: `value` ms,
 * SCTP_PR_SCTP_RTX: `value` retransmissions). Returns as usrsctp_peer_send.
 */
int usrsctp_peer_send_pr(usrsctp_peer *p, uint16_t sid, uint32_t ppid, int unordered,
                         uint16_t policy, uint32_t value, const void *data, size_t len);
/** SCTP_SS_VALUE of outgoing stream `sid` (the scheduler's priority or weight). Returns 0 or
 * -errno. */
int usrsctp_peer_set_stream_value(usrsctp_peer *p, uint16_t sid, uint16_t value);
/** SCTP_RESET_STREAMS of our outgoing streams (`n` 0: all). Returns 0 or -errno. */
int usrsctp_peer_reset_streams(usrsctp_peer *p, const uint16_t *sids, size_t n);
/** SCTP_STATUS: state, peer rwnd, unacked and pending chunks. Returns 0 or -errno. */
int usrsctp_peer_status(usrsctp_peer *p, int *state, uint32_t *rwnd, uint16_t *unacked,
                        uint16_t *pending);
/** usrsctp_shutdown(SHUT_WR): graceful shutdown once queued data is acknowledged. */
int usrsctp_peer_shutdown(usrsctp_peer *p);
/**
 * Closes the sockets (with `abort`, SO_LINGER 0 first so usrsctp sends ABORT)
 * and deregisters the address. Idempotent.
 */
void usrsctp_peer_close(usrsctp_peer *p, int abort);
/**
 * Frees the packet queue and buffers. Call only after usrsctp_peer_global_finish
 * succeeded: usrsctp may call conn_output for a closed socket until then.
 */
void usrsctp_peer_free(usrsctp_peer *p);

#endif
