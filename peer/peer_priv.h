/* SPDX-License-Identifier: MIT */
/* Internals of the peer, shared by peer.c (object, I/O, pump) and peer_sdp.c
 * (offer/answer). */
#ifndef CSCTP_PEER_PRIV_H
#define CSCTP_PEER_PRIV_H

#include <csctp/peer.h>
#include <glib.h>

/* DTLS datagrams kept while the remote description (our DTLS role) is not known. */
#define PEER_EARLY_MAX 16
/* Messages up to this size are handed to the application from one buffer kept by the
 * peer; larger ones from a buffer allocated for the callback (peer_emit_channel). */
#define PEER_RX_COPY_KEEP (64u << 10)
/* Partial delivery point of the association (csctp_config): messages up to this size
 * always leave the engine whole; larger ones that hold the window back, in pieces. */
#define PEER_PARTIAL_DELIVERY_POINT (256u << 10)
/* Largest datagram we write (the DTLS MTU); the SCTP packet is this minus 37. */
#define PEER_DTLS_MTU 1200

typedef struct peer_source {
  GSource src;
  csctp_peer *peer;
} peer_source;

struct csctp_peer {
  const csctp_mem *mem;
  GMainContext *ctx;
  csctp_peer_config cfg;
  csctp_ice_agent *ice;
  csctp_dtls_cert *own_cert; /* generated here; NULL when the caller gave one */
  const csctp_dtls_cert *cert;
  csctp_dtls_fingerprint local_fp;
  csctp_config scfg;
  csctp_assoc *assoc; /* the peer's until ds exists, then owned by ds */
  csctp_dc *dc;
  csctp_dtls_sctp *ds; /* DTLS + SCTP (RFC 8261), created once our DTLS role is known */
  csctp_dtls *dtls;    /* ds's DTLS endpoint (borrowed): its state, SRTP profile */
  csctp_dtls_role role;
  csctp_sdp *remote; /* the remote description, once set */
  csctp_sdp *local;  /* scratch for writing ours */
  uint64_t session_id;
  uint32_t remote_max_message_size; /* the peer's a=max-message-size, once known */
  int remote_type;                  /* -1 none, else csctp_peer_sdp_type */
  int local_offer;                  /* we wrote an offer */
  GPtrArray *local_candidates;      /* "candidate:..." strings */
  int gathering_done;
  GPtrArray *early; /* GBytes: DTLS datagrams before the DTLS endpoint exists */
  int ice_connected, dtls_started, sctp_up, closing;
  csctp_peer_state state;
  GSource *timer;
  GSource *gather_idle;
  GSource *drained; /* below the sockets' priority: runs once every datagram waiting was read */
  int depth, dead, in_run;
  uint64_t dropped_out; /* datagrams ICE refused (ds counts the SCTP packets DTLS refused) */
  uint8_t *rx_copy;     /* the application's copy of a message (peer_emit_channel) */
  size_t rx_copy_cap;
  uint8_t dgram[PEER_DTLS_MTU];
};

/* peer.c */
void csctp_peer_log(const csctp_peer *p, csctp_log_level level, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
/* Creates the DTLS endpoint for p->role with the remote fingerprints, feeds
 * the early datagrams, starts it when ICE is up. 0 or an error. */
int csctp_peer_start_dtls(csctp_peer *p, const csctp_dtls_fingerprint *fps, size_t n);
/* Replaces the association and data-channel layer (a remote SCTP port other
 * than the one they were made for). 0 or an error. */
int csctp_peer_remake_assoc(csctp_peer *p, uint16_t remote_port);
/* Runs timers, events and output soon, from the context. */
void csctp_peer_kick(csctp_peer *p);

/* peer_sdp.c */
void csctp_peer_sdp_local(const csctp_peer *p, csctp_sdp_local *loc, csctp_sdp_fingerprint *fp);

#endif
