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
/* Largest datagram we write without PLPMTUD, the base with it (the DTLS MTU); the SCTP
 * packet is this minus 37. */
#define PEER_DTLS_MTU CSCTP_PEER_DTLS_MTU
/* Datagrams handed to ICE in one call (one sendmmsg). The batch is allocated when the
 * peer first has output and given back after PEER_IDLE_US without any. */
#define PEER_BATCH 16
#define PEER_IDLE_US (1000 * 1000)
/* In a datagram callback, output waits for the end of the burst of input only while it is
 * this small (SACKs, the odd packet): more goes at once, so that the peer does not get a
 * whole window in one clump (a browser's 128 KiB socket buffer overflows while its network
 * thread is busy). */
#define PEER_DEFER_MAX 4

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
  csctp_dtls_sctp *ds;    /* DTLS + SCTP (RFC 8261), created once our DTLS role is known */
  csctp_capture *capture; /* CSCTP_CAPTURE's file of the SCTP packets, or NULL */
  csctp_dtls *dtls;       /* ds's DTLS endpoint (borrowed): its state, SRTP profile */
  csctp_dtls_role role;
  csctp_sdp *remote; /* the remote description, from set until no longer needed */
  uint64_t session_id;
  uint32_t remote_max_message_size; /* the peer's a=max-message-size, once known */
  int remote_type;                  /* -1 none, else csctp_peer_sdp_type */
  int local_offer;                  /* we wrote an offer */
  GPtrArray *local_candidates;      /* "candidate:..." strings */
  int gathering_done;
  GPtrArray *early; /* GBytes: DTLS datagrams before the DTLS endpoint exists */
  int ice_connected, dtls_started, sctp_up, closing;
  csctp_peer_state state;
  /* The pump's two sources are polled (prepare/check read the fields below), so that
   * arming them never writes to the context's wakeup fd: that was a write() per datagram. */
  GSource *timer;   /* the cores' deadline, a kick, or a batch left to send */
  GSource *drained; /* below the sockets' priority: runs once every datagram waiting was read */
  GSource *gather_idle;
  gint64 deadline;  /* monotonic µs of the cores' next deadline, -1 none */
  int kicked;       /* run the pump at the next iteration */
  int drain_due;    /* datagrams were read since `drained` last ran */
  int in_rx;        /* in a datagram callback: a partial batch waits */
  uint8_t *batch;   /* PEER_BATCH datagrams of dgram_max bytes, or NULL */
  size_t dgram_max; /* largest datagram: PEER_DTLS_MTU, or cfg.plpmtud_max */
  size_t batch_n;   /* datagrams in it not yet sent */
  size_t batch_len[PEER_BATCH];
  csctp_tstamp active_at; /* when a datagram last came in or went out */
  int trim_due;           /* buffers may be held: give them back once idle (peer_trim_idle) */
  int depth, dead, in_run;
  uint64_t dropped_out;  /* datagrams ICE refused (ds counts the SCTP packets DTLS refused) */
  char *cipher_list;     /* copy of cfg.dtls_cipher_list, or NULL */
  uint8_t snap_init[64]; /* SNAP: our INIT chunk as put in a=sctp-init */
  size_t snap_init_len;  /* 0: none made (SNAP off, or the offer had none) */
  int snap;              /* SNAP negotiated: the association starts from the peer's INIT */
  uint8_t *rx_copy;      /* the application's copy of a message (peer_emit_channel) */
  size_t rx_copy_cap;
  int handed_over; /* exported (peer_handover.c): inert */
};

/* peer.c */
void csctp_peer_log(const csctp_peer *p, csctp_log_level level, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
/* Opens the capture file CSCTP_CAPTURE asks for (once) and hands it to p->ds. */
void csctp_peer_capture_start(csctp_peer *p);
/* Creates the DTLS endpoint for p->role with the remote fingerprints, feeds
 * the early datagrams, starts it when ICE is up. 0 or an error. */
int csctp_peer_start_dtls(csctp_peer *p, const csctp_dtls_fingerprint *fps, size_t n);
/* Replaces the association and data-channel layer (a remote SCTP port other
 * than the one they were made for). 0 or an error. */
int csctp_peer_remake_assoc(csctp_peer *p, uint16_t remote_port);
/* Runs timers, events and output soon, from the context. */
void csctp_peer_kick(csctp_peer *p);
/* A peer without ICE, association or sources: the configuration copied, the SCTP
 * configuration made, a certificate when `with_cert` (or the caller's). 0 or an error. */
int csctp_peer_alloc(csctp_peer **out, GMainContext *ctx, const csctp_peer_config *cfg,
                     int with_cert);
/* The largest SCTP packet in one DTLS datagram of `datagram` bytes (any cipher). */
uint32_t csctp_peer_sctp_max(uint32_t datagram);
/* The largest datagram the peer writes: PEER_DTLS_MTU, or cfg->plpmtud_max. */
size_t csctp_peer_datagram_max(const csctp_peer_config *cfg);
/* The ICE agent's configuration for `p` from the caller's `cfg`. */
void csctp_peer_ice_config(const csctp_peer *p, const csctp_peer_config *cfg, csctp_ice_config *ic);
/* Attaches the pump's sources to the ICE agent's context (p->ice set). */
void csctp_peer_attach_sources(csctp_peer *p);
/* Stops the pump's sources (before the ICE agent goes). */
void csctp_peer_detach_sources(csctp_peer *p);
/* Frees everything at once (not from inside a callback: csctp_peer_del). */
void csctp_peer_free(csctp_peer *p);

/** The ICE servers of `cfg`: `servers` followed by those parsed from the URLs of
 *  `ice_servers`, in one block allocated with p->mem (`*out`, free it after
 *  csctp_ice_agent_new, which copies them); `*out` NULL when `cfg` has no URLs (use
 *  cfg->servers). Errors: CSCTP_ERR_INVALID_ARGUMENT (a URL refused: logged),
 *  CSCTP_ERR_NOMEM. */
int csctp_peer_ice_servers(const csctp_peer *p, const csctp_peer_config *cfg,
                           csctp_ice_server **out, size_t *n_out);
/* The ICE agent's event callback. */
void csctp_peer_on_ice(csctp_ice_agent *agent, const csctp_ice_event *ev, void *user_data);
/* The caller's config of layout `config_version` as a complete current one, or NULL. */
const csctp_peer_config *csctp_peer_config_in(int config_version, const csctp_peer_config *cfg,
                                              csctp_peer_config *buf);
/* Pulls every due datagram and sends it (peer.c). */
void csctp_peer_flush(csctp_peer *p, csctp_tstamp now);
/* Sets the timer source's deadline from the cores' (peer.c). */
void csctp_peer_schedule(csctp_peer *p, csctp_tstamp now);
/* Sends what the output batch holds. */
void csctp_peer_send_batch(csctp_peer *p);

/* peer_sdp.c */
void csctp_peer_sdp_local(const csctp_peer *p, csctp_sdp_local *loc, csctp_sdp_fingerprint *fp);
/* Frees the remote description once nothing needs it (the offer after we are connected, the
 * answer once applied). */
void csctp_peer_drop_remote(csctp_peer *p);

#endif
