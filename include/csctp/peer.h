/* SPDX-License-Identifier: MIT */
/**
 * @file
 * csctp — the WebRTC peer. This part: session descriptions for data channels
 * (JSEP, RFC 8829; SDP, RFC 8866; SCTP over DTLS in SDP, RFC 8841; ICE in
 * SDP, RFC 8839; BUNDLE, RFC 8843; DTLS setup and fingerprint, RFC 8842 and
 * RFC 8122).
 *
 * Parsing and writing are pure: no I/O, no allocation, no global state. A
 * description is one fixed-size csctp_sdp structure (about 20 KiB: keep it on
 * the heap or in a larger object). The parser accepts any bytes and never
 * reads outside them; a malformed description gives CSCTP_ERR_MALFORMED and
 * a csctp_sdp_error naming the line and what is wrong with it.
 *
 * Only the data-channel part is modelled: the first m=application section
 * with UDP/DTLS/SCTP webrtc-datachannel (or the legacy `DTLS/SCTP <port>` with
 * a=sctpmap, as aiortc offers), its ICE and DTLS transport (taken from the
 * section itself, else from the BUNDLE group's first section, else from the
 * session level) and its SCTP parameters. Every other m-section keeps only
 * what an answer needs to reject it (media, proto, first format, mid).
 *
 * Thread safety: the SDP functions (csctp_sdp_*) are pure: a csctp_sdp is used
 * by one thread at a time and different ones on different threads freely. A
 * csctp_peer is an I/O object on GLib: it belongs to the GMainContext given to
 * csctp_peer_new(), its functions are called only from the thread that
 * iterates that context, and its event callback is called on that thread.
 * Peers on different contexts may live on different threads; many peers may
 * share one context. The functions that take no object
 * (csctp_peer_config_default(), csctp_peer_state_name(), ...) may be called
 * from any thread.
 *
 * Environment: when a peer starts DTLS (or is imported from a handover), it
 * reads SSLKEYLOGFILE (the DTLS keys for Wireshark) and CSCTP_CAPTURE: a
 * prefix that makes the peer write its decrypted SCTP packets to
 * `<prefix>-<pid>-<n>.pcapng` (sctp.h, "Capture"; a file that cannot be
 * created is one WARN line in the peer's log, not an error).
 */
#ifndef CSCTP_PEER_H
#define CSCTP_PEER_H

#include <csctp/common.h>
#include <csctp/datachannel.h>
#include <csctp/dtls.h>
#include <csctp/ice.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Limits of a parsed description (beyond them: an error, or dropped candidates). */
#define CSCTP_SDP_MAX_MEDIA 16       /**< m-sections */
#define CSCTP_SDP_MAX_CANDIDATES 32  /**< candidates kept; more are counted, not kept */
#define CSCTP_SDP_MAX_FINGERPRINTS 4 /**< a=fingerprint lines kept; more are ignored */
#define CSCTP_SDP_MID_MAX 64         /**< longest a=mid value */
#define CSCTP_SDP_ICE_MAX 256        /**< longest ice-ufrag / ice-pwd (RFC 8839) */
#define CSCTP_SDP_CANDIDATE_MAX 256  /**< longest candidate attribute value */
#define CSCTP_SDP_FINGERPRINT_MAX 64 /**< largest digest, bytes (SHA-512) */
#define CSCTP_SDP_SCTP_INIT_MAX 512  /**< largest a=sctp-init INIT chunk, bytes (decoded) */
/** A buffer of this size always holds csctp_sdp_write()'s output. */
#define CSCTP_SDP_TEXT_MAX 32768

/** The default SCTP port when a description has none (RFC 8841). */
#define CSCTP_SDP_DEFAULT_SCTP_PORT 5000
/** The default a=max-message-size when a description has none (RFC 8841 §6.1). */
#define CSCTP_SDP_DEFAULT_MAX_MESSAGE_SIZE 65536

/** a=setup (RFC 4145, RFC 8842). */
typedef enum csctp_sdp_setup {
  CSCTP_SDP_SETUP_NONE = 0, /**< absent */
  CSCTP_SDP_SETUP_ACTPASS,  /**< offerer: either role */
  CSCTP_SDP_SETUP_ACTIVE,   /**< DTLS client */
  CSCTP_SDP_SETUP_PASSIVE,  /**< DTLS server */
  CSCTP_SDP_SETUP_HOLDCONN,
} csctp_sdp_setup;

/** Returns "actpass", "active", "passive", "holdconn" or "none". */
CSCTP_EXTERN const char *csctp_sdp_setup_name(csctp_sdp_setup setup);

/** One a=fingerprint (RFC 8122): hash function name, lower case, and digest. */
typedef struct csctp_sdp_fingerprint {
  char algorithm[16]; /**< e.g. "sha-256" */
  /** the digest, `len` bytes */
  uint8_t value[CSCTP_SDP_FINGERPRINT_MAX];
  /** bytes of `value` */
  size_t len;
} csctp_sdp_fingerprint;

/** The transport protocol of a candidate. */
typedef enum csctp_sdp_transport {
  CSCTP_SDP_TRANSPORT_UDP = 0,
  CSCTP_SDP_TRANSPORT_TCP, /**< ICE-TCP (RFC 6544): a UDP-only agent ignores it */
  CSCTP_SDP_TRANSPORT_OTHER,
} csctp_sdp_transport;

/** Candidate types (RFC 8445 §5.1.1): host, server reflexive, peer reflexive, relayed. */
typedef enum csctp_sdp_candidate_type {
  CSCTP_SDP_CANDIDATE_HOST = 0,
  CSCTP_SDP_CANDIDATE_SRFLX,
  CSCTP_SDP_CANDIDATE_PRFLX,
  CSCTP_SDP_CANDIDATE_RELAY,
  CSCTP_SDP_CANDIDATE_OTHER,
} csctp_sdp_candidate_type;

/** One ICE candidate (RFC 8839 §5.1), as text and its main fields. */
typedef struct csctp_sdp_candidate {
  /** The attribute value, "candidate:...", trimmed: what a=candidate
   *  carries and what a trickled candidate message carries. */
  char attr[CSCTP_SDP_CANDIDATE_MAX];
  /** the foundation (1-32 ice-chars) */
  char foundation[33];
  /** the component id (1: RTP, or everything with rtcp-mux and BUNDLE) */
  uint32_t component;
  /** UDP, TCP or another transport */
  csctp_sdp_transport transport;
  /** the candidate's priority */
  uint32_t priority;
  char address[CSCTP_SDP_CANDIDATE_MAX]; /**< IP address, or a name (mDNS) */
  /** the port */
  uint16_t port;
  /** host, srflx, prflx, relay or another type */
  csctp_sdp_candidate_type type;
} csctp_sdp_candidate;

/** One m-section, as far as an answer needs it. */
typedef struct csctp_sdp_media {
  char media[16];                  /**< "application", "audio", "video", ... */
  uint16_t port;                   /**< 0: rejected (unless bundle_only) */
  char proto[32];                  /**< e.g. "UDP/DTLS/SCTP", "UDP/TLS/RTP/SAVPF" */
  char fmt[32];                    /**< the first format: "webrtc-datachannel", "111", "5000" */
  char mid[CSCTP_SDP_MID_MAX + 1]; /**< a=mid, "" when absent */
  int bundle_only;                 /**< a=bundle-only */
  int datachannel;                 /**< SCTP over DTLS for data channels */
  int legacy;                      /**< the legacy form: `DTLS/SCTP <port>` with a=sctpmap */
} csctp_sdp_media;

/**
 * A session description restricted to data channels. Filled by
 * csctp_sdp_parse(), csctp_sdp_create_offer() or csctp_sdp_create_answer();
 * written by csctp_sdp_write(). Transport and SCTP fields describe the data
 * m-section (media[data_index]); they are meaningless when data_index < 0.
 */
typedef struct csctp_sdp {
  char origin_username[CSCTP_SDP_MID_MAX + 1]; /**< o= username, "-" usually */
  /** @{ */
  uint64_t session_id, session_version; /**< o= */
  /** @} */
  int ice_lite; /**< a=ice-lite */
  /** The first a=group:BUNDLE's mids, in order (the first is the tag). */
  char bundle[CSCTP_SDP_MAX_MEDIA][CSCTP_SDP_MID_MAX + 1];
  /** entries in `bundle` */
  size_t n_bundle;
  /** the m-sections, in order */
  csctp_sdp_media media[CSCTP_SDP_MAX_MEDIA];
  /** entries in `media` */
  size_t n_media;
  int data_index; /**< index of the data-channel m-section, -1 when none */

  /* The data m-section's transport (effective values: see the file comment). */
  char ice_ufrag[CSCTP_SDP_ICE_MAX + 1]; /**< "" when absent */
  char ice_pwd[CSCTP_SDP_ICE_MAX + 1];   /**< "" when absent */
  int ice_trickle;                       /**< a=ice-options includes trickle */
  /** a=fingerprint lines */
  csctp_sdp_fingerprint fingerprints[CSCTP_SDP_MAX_FINGERPRINTS];
  /** entries in `fingerprints` */
  size_t n_fingerprints;
  /** a=setup */
  csctp_sdp_setup setup;
  /** a=candidate lines */
  csctp_sdp_candidate candidates[CSCTP_SDP_MAX_CANDIDATES];
  /** entries in `candidates` */
  size_t n_candidates;
  size_t n_candidates_dropped; /**< beyond CSCTP_SDP_MAX_CANDIDATES */
  int end_of_candidates;       /**< a=end-of-candidates */

  /* The data m-section's SCTP parameters (RFC 8841). */
  uint16_t sctp_port; /**< a=sctp-port (or the legacy format); 5000 when absent */
  /** 1 when the description gave the SCTP port */
  int has_sctp_port;
  uint64_t max_message_size; /**< a=max-message-size; 65536 when absent; 0 = no limit */
  /** 1 when the description had a=max-message-size */
  int has_max_message_size;
  /** a=ice-pacing (RFC 8839 §5.8, session level): the Ta in ms the sender proposes for
   *  its connectivity checks; 0 when absent (RFC 8445 §14.2 then counts 50 ms). */
  uint32_t ice_pacing_ms;
  /** a=sctp-init of the data m-section (SNAP, draft-hancke-tsvwg-snap): the sender's SCTP
   *  INIT chunk, base64-decoded (its validity as an INIT is the SCTP layer's to check). */
  uint8_t sctp_init[CSCTP_SDP_SCTP_INIT_MAX];
  size_t sctp_init_len; /**< bytes in `sctp_init`; 0 when absent */
} csctp_sdp;

/** Where and why a description did not parse. */
typedef struct csctp_sdp_error {
  size_t line;       /**< 1-based line number; 0 when not about one line */
  char message[192]; /**< e.g. "line 12: a=sctp-port: not a port number: \"x\"" */
} csctp_sdp_error;

/**
 * Parses `len` bytes of `text` (CRLF or LF line ends; need not be
 * NUL-terminated) into `out`. Lines of types other than v, o, m and a are
 * accepted without looking inside them; unknown attributes are ignored; the
 * attributes this header models are checked.
 *
 * Returns 0, or CSCTP_ERR_MALFORMED with `*err` (optional) naming the line:
 * not a "x=value" line, v= not first or not 0, a bad o= or m= line, too many
 * m-sections, and bad values of the modelled attributes (a=candidate,
 * a=fingerprint, a=setup, a=ice-ufrag, a=ice-pwd, a=mid, a=group,
 * a=sctp-port, a=sctpmap, a=max-message-size, a=ice-pacing, a=sctp-init: base64 of at
 * most CSCTP_SDP_SCTP_INIT_MAX bytes); CSCTP_ERR_INVALID_ARGUMENT
 * for NULL `out` or `text`. A description without a data m-section parses
 * (data_index is -1). `out` is fully overwritten, also on error.
 */
CSCTP_EXTERN int csctp_sdp_parse(csctp_sdp *out, const char *text, size_t len,
                                 csctp_sdp_error *err);

/**
 * Parses one candidate: "candidate:...", "a=candidate:..." or with a
 * trailing CR/LF (a trickled candidate message or an SDP line), `len` bytes.
 * Returns 0, or CSCTP_ERR_MALFORMED with `*err` (optional) saying why.
 * An empty string (end of candidates in a trickle message) is malformed here:
 * test for it first.
 */
CSCTP_EXTERN int csctp_sdp_candidate_parse(csctp_sdp_candidate *out, const char *text, size_t len,
                                           csctp_sdp_error *err);

/**
 * Writes `sdp` as SDP text with CRLF line ends and a terminating NUL into
 * `buf`: session lines, the BUNDLE group, the data m-section with every
 * modelled attribute, and each other m-section as rejected (port as stored,
 * normally 0, and its a=mid). Returns the length (without the NUL), or
 * CSCTP_ERR_NOBUF when `cap` is too small (CSCTP_SDP_TEXT_MAX always
 * suffices), CSCTP_ERR_INVALID_ARGUMENT for NULL arguments.
 */
CSCTP_EXTERN csctp_ssize csctp_sdp_write(const csctp_sdp *sdp, char *buf, size_t cap);

/** What the local side puts into its offer or answer. */
typedef struct csctp_sdp_local {
  uint64_t session_id;      /**< o= session id: random, below 2^63 (JSEP §5.2.1) */
  uint64_t session_version; /**< o= version; default 2 */
  const char *ice_ufrag;    /**< required: 4-256 ice-chars */
  const char *ice_pwd;      /**< required: 22-256 ice-chars */
  const csctp_sdp_fingerprint *fingerprints; /**< required: at least one */
  /** entries in `fingerprints` */
  size_t n_fingerprints;
  uint16_t sctp_port;        /**< default 5000 */
  uint64_t max_message_size; /**< advertised; default 262144; 0 = no limit */
  int ice_trickle;           /**< a=ice-options:trickle; default 1 */
  uint32_t ice_pacing_ms;    /**< a=ice-pacing, 5 or more; 0 (default) = not written */
  /** SNAP: our SCTP INIT chunk for a=sctp-init (csctp_assoc_snap_init()); NULL (default) =
   *  not written. At most CSCTP_SDP_SCTP_INIT_MAX bytes. */
  const uint8_t *sctp_init;
  size_t sctp_init_len; /**< bytes at `sctp_init` */
} csctp_sdp_local;

/** Fills `local` with the defaults above (no credentials, no fingerprint). */
CSCTP_EXTERN void csctp_sdp_local_default(csctp_sdp_local *local);

/**
 * Makes an offer for data channels only: one m=application section, mid "0",
 * BUNDLE 0, a=setup:actpass, no candidates yet (add them with
 * csctp_sdp_add_candidate(), then write). Returns 0 or
 * CSCTP_ERR_INVALID_ARGUMENT (NULL, missing or invalid credentials or
 * fingerprint, an ice_pacing_ms from 1 to 4, an sctp_init over
 * CSCTP_SDP_SCTP_INIT_MAX bytes).
 */
CSCTP_EXTERN int csctp_sdp_create_offer(csctp_sdp *out, const csctp_sdp_local *local);

/**
 * Makes the answer to `offer`: its data m-section accepted (same mid, same
 * legacy or current format; a=setup active when the offer says actpass or
 * passive, passive when it says active or nothing), every other m-section
 * rejected with port 0 (not an error), the BUNDLE group reduced to the data
 * mid when the offer bundled it. Returns 0, or CSCTP_ERR_INVALID_ARGUMENT for
 * bad `local` values or an offer without a usable data m-section (none, port
 * 0 without bundle-only, or a=setup:holdconn). `out` may not alias `offer`.
 */
CSCTP_EXTERN int csctp_sdp_create_answer(csctp_sdp *out, const csctp_sdp *offer,
                                         const csctp_sdp_local *local);

/**
 * Adds one local candidate ("candidate:..." or "a=candidate:...", as the ICE
 * agent gives it) to the data m-section of `sdp`. Returns 0,
 * CSCTP_ERR_MALFORMED when it does not parse, CSCTP_ERR_NOBUF when
 * CSCTP_SDP_MAX_CANDIDATES are already there, CSCTP_ERR_INVALID_STATE when
 * `sdp` has no data m-section.
 */
CSCTP_EXTERN int csctp_sdp_add_candidate(csctp_sdp *sdp, const char *candidate);

/* ======================================================================
 * The peer: ICE -> DTLS -> SCTP -> data channels, in the spirit of
 * RTCPeerConnection, on a caller-given GMainContext.
 *
 * An I/O object: it starts no thread and calls its event callback only from
 * its context (while the caller iterates it, or from inside a csctp_peer_*
 * call that delivers events). The sans-IO cores below it (DTLS, the SCTP
 * association, the data-channel layer) are driven with g_get_monotonic_time()
 * and one timer at their earliest deadline. Many peers share one context.
 *
 * Typical answerer:  csctp_peer_new(); on the remote offer
 * csctp_peer_set_remote_description(OFFER) then csctp_peer_create_answer()
 * (once csctp_peer_gathering_done(), or send it at once and trickle the
 * CANDIDATE events); channels arrive as CHANNEL events (OPEN by_peer 1).
 * Typical offerer: csctp_peer_new(), csctp_peer_create_channel(),
 * csctp_peer_create_offer(), then csctp_peer_set_remote_description(ANSWER).
 * ==================================================================== */

/**
 * A WebRTC peer connection for data channels (opaque) on a GMainContext:
 * created by csctp_peer_new(), freed by csctp_peer_del().
 */
typedef struct csctp_peer csctp_peer;

/**
 * Peer connection state. The names are those of the W3C RTCPeerConnectionState,
 * of which the peer reports five: "new", "connecting", "connected", "failed",
 * "closed" (never "disconnected": a lost ICE consent is FAILED).
 * csctp_peer_ice_connection_state() and csctp_peer_ice_gathering_state() give
 * RTCIceConnectionState and RTCIceGatheringState.
 */
typedef enum csctp_peer_state {
  CSCTP_PEER_STATE_NEW = 0,    /**< no remote description yet, or ICE not started */
  CSCTP_PEER_STATE_CONNECTING, /**< ICE checks, DTLS handshake or SCTP association running */
  CSCTP_PEER_STATE_CONNECTED,  /**< SCTP association established: channels open */
  CSCTP_PEER_STATE_FAILED,     /**< terminal: ICE, DTLS or SCTP failed (the STATE event's
                                    error says which) */
  CSCTP_PEER_STATE_CLOSED,     /**< terminal: closed by csctp_peer_close() or by the peer */
} csctp_peer_state;

/** Returns "new", "connecting", "connected", "failed" or "closed" (RTCPeerConnectionState's
 *  spelling); "unknown" for a value out of range. */
CSCTP_EXTERN const char *csctp_peer_state_name(csctp_peer_state state);

/**
 * The ICE agent's connection state (RTCPeerConnection.iceConnectionState; names by
 * csctp_ice_state_name()). CONNECTED for a peer resumed from a handover.
 */
CSCTP_EXTERN csctp_ice_state csctp_peer_ice_connection_state(const csctp_peer *peer);

/**
 * The ICE agent's gathering state (RTCPeerConnection.iceGatheringState; names by
 * csctp_ice_gathering_state_name()): NEW until the context first runs after
 * csctp_peer_new(), GATHERING, then COMPLETE with the CANDIDATE event "".
 * A peer resumed from a handover reports NEW.
 */
CSCTP_EXTERN csctp_ice_gathering_state csctp_peer_ice_gathering_state(const csctp_peer *peer);

/** What a description is. */
typedef enum csctp_peer_sdp_type {
  CSCTP_PEER_SDP_OFFER = 0,
  CSCTP_PEER_SDP_ANSWER,
} csctp_peer_sdp_type;

/** Kinds of csctp_peer_event, in csctp_peer_event.type. */
typedef enum csctp_peer_event_type {
  /** A local ICE candidate: u.candidate ("candidate:..."), to trickle to the
   *  peer; "" once gathering is complete (the end-of-candidates form of a
   *  trickled candidate). Descriptions written after it include it. */
  CSCTP_PEER_EVENT_CANDIDATE = 1,
  /** The connection state changed: u.state (and u.error for FAILED). */
  CSCTP_PEER_EVENT_STATE,
  /** A data-channel event (open, message, buffered amount low, closing,
   *  closed, error): u.channel, the data-channel layer's event as
   *  documented in datachannel.h (ASSOC events are not passed on). */
  CSCTP_PEER_EVENT_CHANNEL,
} csctp_peer_event_type;

/** An event. Every pointer in it is valid only during the callback. */
typedef struct csctp_peer_event {
  /** What happened: says which member of `u` is set. */
  csctp_peer_event_type type;
  /** The details of each kind of event: `candidate`, `state` or `channel`, after the type. */
  union {
    /** CANDIDATE: "candidate:...", or "" at the end of gathering */
    const char *candidate;
    struct {
      /** the new state */
      csctp_peer_state state;
      /**
       * FAILED: what failed, as a csctp_error, else 0:
       * CSCTP_ERR_ICE_FAILED (no candidate pair worked, the ICE connect
       * timeout passed, consent was lost, or libnice could not gather);
       * CSCTP_ERR_DTLS_HANDSHAKE, CSCTP_ERR_FINGERPRINT, CSCTP_ERR_DTLS_ALERT
       * (DTLS); CSCTP_ERR_TIMEOUT (the SCTP peer stopped answering: INIT or
       * association_max_retrans), CSCTP_ERR_UNREACHABLE, CSCTP_ERR_PROTOCOL
       * (we aborted the association: the peer violated SCTP or a limit);
       * CSCTP_ERR_NOMEM, CSCTP_ERR_CRYPTO or another fatal error of a layer
       * (passed on as that layer returned it).
       */
      int error;
    } state;
    /** CHANNEL: the data-channel event */
    const csctp_dc_event *channel;
  } u;
} csctp_peer_event;

/**
 * The event callback, on the peer's context. It may call any csctp_peer_*
 * function, including csctp_peer_del() on `peer` (released once the
 * callback has returned).
 */
typedef void (*csctp_peer_event_fn)(csctp_peer *peer, const csctp_peer_event *ev, void *user_data);

/**
 * One entry of RTCConfiguration.iceServers: one or more "stun:" / "turn:" /
 * "turns:" URLs (csctp_ice_server_parse(), ice.h) sharing one username and
 * credential (required when a URL is TURN, unused for STUN).
 */
typedef struct csctp_peer_ice_server {
  const char *const *urls; /**< the URLs (RTCIceServer.urls) */
  size_t n_urls;           /**< entries in `urls` */
  const char *username;    /**< RTCIceServer.username; NULL for STUN */
  const char *credential;  /**< RTCIceServer.credential; NULL for STUN */
} csctp_peer_ice_server;

/**
 * Peer configuration: start from csctp_peer_config_default(). Strings and
 * arrays are copied by csctp_peer_new() (the certificate is referenced).
 */
typedef struct csctp_peer_config {
  /** Required: receives every event, on the peer's context. */
  csctp_peer_event_fn on_event;
  /** Passed unchanged to `on_event`. */
  void *user_data;
  /** ICE host addresses (numeric); none = every interface libnice finds. */
  const char *const *local_addresses;
  /** Entries in `local_addresses`. */
  size_t n_local_addresses;
  /** With enumerated addresses, also gather on 127.0.0.1. Default 0. */
  int include_loopback;
  /** @{ */
  uint16_t port_min, port_max; /**< UDP port range; 0, 0 = any */
  /** @} */
  /** STUN / TURN servers as structures (see ice.h); ice_servers (V3) takes them
   *  as URLs. Both may be given: these come first. */
  const csctp_ice_server *servers;
  /** Entries in `servers`. */
  size_t n_servers;
  /**
   * 1 when this peer will make the offer (csctp_peer_create_offer()). JSEP and
   * RFC 8445 §6.1.1 make the offerer the controlling ICE agent, and libnice
   * fixes the ICE role once gathering has started, which csctp_peer_new()
   * starts on the context's first iteration: so the role is set here, at
   * creation. Default 0 (answerer: controlled). A peer created with 0 may still
   * offer; it becomes controlling if csctp_peer_create_offer() comes before the
   * context first runs, else it stays controlled (logged) and the two agents
   * settle the role by a conflict (RFC 8445 §7.3.1.1), which costs a round
   * trip and confuses stacks that pick channel ids by ICE role. A peer created
   * with 1 refuses a remote offer.
   */
  int offerer;
  /** Our DTLS certificate; NULL (default) = a fresh ECDSA P-256 one. */
  const csctp_dtls_cert *cert;
  /**
   * DTLS-SRTP (RFC 5764 §4.1.1): offer (as DTLS client) or accept (as server)
   * the use_srtp extension with CSCTP_PEER_SRTP_PROFILES, the profiles browsers
   * offer. Data channels never use SRTP, and RFC 8261 does not ask for it, but
   * every browser negotiates it and GStreamer's webrtcbin fails a handshake
   * that has none ("no SRTP capabilities negotiated"). Default 1; 0 leaves the
   * extension out (csctp_peer_get_transport() then reports CSCTP_SRTP_NONE).
   */
  int dtls_srtp;
  /**
   * Our a=max-message-size (RFC 8841 §6): the largest message we accept, and
   * also the largest we send (the association's max_message_size; what we send
   * is further bounded by the peer's a=max-message-size). Default
   * CSCTP_PEER_DEFAULT_MAX_MESSAGE_SIZE (1 MiB); 0 = the default. A message
   * larger than the receive window is received all the same: the association
   * hands it out in pieces (partial delivery, RFC 9260 §6.9) that the
   * data-channel layer joins, and the application gets it whole; the SCTP
   * layer's memory stays bounded by sctp_rwnd whatever this is, and the
   * message being joined takes at most this much. A message we send is queued
   * whole and must fit an empty send buffer: sctp_sndbuf is raised to at least
   * max_message_size.
   */
  uint32_t max_message_size;
  uint16_t sctp_port; /**< our a=sctp-port (default 5000) */
  /**
   * SCTP receive window, bytes (default 4 MiB). Memory: the association holds
   * at most rwnd + 256 KiB of received data (reassembly and out-of-order,
   * counted with its overhead); a message larger than 256 KiB that holds the
   * window back is handed on in pieces and joined by the data-channel layer
   * (up to max_message_size); and a message handed to the application is
   * first copied into a buffer of the peer (grown to the messages seen, up
   * to 64 KiB kept while the peer is busy; a larger one only during the
   * callback). A peer that had no datagram in or out for 1 s gives back its
   * send batch, this buffer and DTLS's event queue.
   */
  uint32_t sctp_rwnd;
  /**
   * SCTP send buffer, bytes (default 4 MiB; at least max_message_size): whole
   * messages queued or in flight, held until acknowledged. With the defaults a
   * peer holds at most 8.25 MiB of SCTP data in all, plus 2 MiB while a 1 MiB
   * message is joined from pieces and handed to its callback (besides its
   * fixed buffers, and the 4 MiB kernel socket buffers the ICE agent asks for).
   */
  uint32_t sctp_sndbuf;
  uint32_t ice_connect_timeout_ms; /**< see csctp_ice_config (default 30000) */
  const csctp_mem *mem;            /**< NULL = csctp_mem_default() */
  csctp_log_fn log;                /**< optional logging hook, all layers */
  /** Passed unchanged to `log`. */
  void *log_user_data;
  uint32_t log_mask; /**< e.g. csctp_log_mask_parse(getenv("CSCTP_DEBUG")) */
  /**
   * Optional: per level, the categories logged at that level (csctp_log_levels_parse(),
   * csctp_log_levels_set()). A line reaches `log` when its category is in `log_mask` and, unless
   * this array is all zero (the default: every level), in `log_levels[level]`.
   */
  uint32_t log_levels[CSCTP_LOG_LEVELS];

  /* ---- CSCTP_PEER_CONFIG_V2 ---- */
  /**
   * Ta, the pacing of ICE connectivity checks we propose (RFC 8445 §14.2), in ms:
   * written as a=ice-pacing in our descriptions (RFC 8839 §5.8). Both agents then
   * pace at the larger of the two proposals, counting RFC 8445's default, 50 ms,
   * for a peer that proposes none (browsers today). Default
   * CSCTP_PEER_DEFAULT_ICE_PACING_MS (5, the RFC's floor: a data channel's checks
   * are few and small); 5 to 1000; 0 = the default.
   */
  uint32_t ice_pacing_ms;
  /**
   * OpenSSL cipher list for DTLS 1.2 (csctp_dtls_config.cipher_list); NULL
   * (default) = the DTLS layer's default (ECDHE-ECDSA-AES128-GCM-SHA256 first).
   * Copied by csctp_peer_new().
   */
  const char *dtls_cipher_list;
  /**
   * SNAP (draft-hancke-tsvwg-snap): offer our SCTP INIT in a=sctp-init, answer an offer
   * that carries one with ours, and when both descriptions have one, start the
   * association from them when DTLS is up, without the SCTP handshake (two round trips
   * less). A peer that does not answer with its own (browsers without the field trial,
   * libdatachannel, aiortc, GStreamer) gets the usual handshake. Default 1; 0 = off.
   */
  int snap;

  /* ---- CSCTP_PEER_CONFIG_V3 ---- */
  /**
   * ICE servers as RTCConfiguration.iceServers gives them: URLs with host names,
   * several of each kind, e.g. {{(const char *[]){"stun:stun.example.org"}, 1},
   * {(const char *[]){"turn:turn.example.org?transport=tcp",
   * "turns:turn.example.org"}, 2, "user", "secret"}}. Parsed and copied by
   * csctp_peer_new(): a URL that does not parse (or a TURN URL without username
   * and credential, or "stuns:", which libnice cannot use) makes it fail with
   * CSCTP_ERR_INVALID_ARGUMENT, as RTCPeerConnection's constructor throws. Names
   * are resolved by the ICE agent before gathering, without blocking (see
   * csctp_ice_server in ice.h: one STUN server is used, the first that resolves;
   * every TURN server is). Default none.
   */
  const csctp_peer_ice_server *ice_servers;
  /** Entries in `ice_servers`. */
  size_t n_ice_servers;

  /* ---- CSCTP_PEER_CONFIG_V4 ---- */
  /**
   * Message interleaving (RFC 8260 I-DATA, csctp_config.interleaving): 1 lists
   * I-DATA and I-FORWARD-TSN in our SCTP INIT / INIT ACK, and uses them when the
   * other side lists them too (Firefox does by default; Chromium behind the
   * field trial WebRTC-DataChannelMessageInterleaving), so that a small message
   * on one channel never waits behind a large one on another; DATA with every
   * other stack. A peer that interleaves cannot be handed over
   * (csctp_peer_handover_readiness). Default 1; 0 = off.
   */
  int interleaving;
  /**
   * How channels with messages queued share the association, a csctp_sched
   * (sctp.h): CSCTP_SCHED_WFQ (the default) gives each channel bytes in
   * proportion to its priority (RTCPriorityType very-low, low, medium, high:
   * 128, 256, 512, 1024, weights 0.5 : 1 : 2 : 4, RFC 8831 §6.4); with
   * interleaving the shares hold within a few packets. See also
   * csctp_peer_set_scheduler().
   */
  int scheduler;

  /* ---- CSCTP_PEER_CONFIG_V5 ---- */
  /**
   * Path MTU discovery over DTLS (RFC 8899 PLPMTUD, csctp_config.plpmtud_max):
   * the largest datagram to probe for, in bytes (the UDP payload: one DTLS
   * record, CSCTP_DTLS_MAX_RECORD_OVERHEAD bytes of it around the SCTP
   * packet). 0, the default, is off: every datagram is at most
   * CSCTP_PEER_DTLS_MTU bytes (SCTP packets of 1163). When set (1200 to
   * CSCTP_PEER_PLPMTUD_LIMIT, 2048: see there), the handshake and the first SCTP packets keep
   * to 1200 bytes, datagrams leave with IP fragmentation forbidden
   * (csctp_ice_agent_set_no_fragment()), and the association probes with
   * HEARTBEATs padded by a PAD chunk for larger SCTP packets, at most
   * `plpmtud_max` minus CSCTP_DTLS_MAX_RECORD_OVERHEAD; data that stops being
   * acknowledged sends it back to 1163 (black-hole detection). The size found
   * is the "mtu" of csctp_peer_stats_report()'s sctp-transport. The remote
   * must answer HEARTBEATs of any size up to the probe: csctp and
   * libdatachannel do (see README). Keep it at most the local interface's MTU
   * less the IP and UDP headers (1472 for IPv4 on Ethernet, 1452 for IPv6).
   */
  uint32_t plpmtud_max;
  /**
   * With plpmtud_max: how long a probe may go unanswered, ms (RFC 8899
   * PROBE_TIMER; a size fails after 3); 0 = the engine's default (15000); at
   * least 1000.
   */
  uint32_t plpmtud_probe_timer_ms;
} csctp_peer_config;

/** Versions of csctp_peer_config's layout; CSCTP_PEER_CONFIG_VERSION is this header's.
 *  V2 appended ice_pacing_ms, dtls_cipher_list and snap; V3 ice_servers and
 *  n_ice_servers; V4 interleaving and scheduler; V5 plpmtud_max and
 *  plpmtud_probe_timer_ms. @{ */
#define CSCTP_PEER_CONFIG_V1 1
#define CSCTP_PEER_CONFIG_V2 2
#define CSCTP_PEER_CONFIG_V3 3
#define CSCTP_PEER_CONFIG_V4 4
#define CSCTP_PEER_CONFIG_V5 5
/** @} */
/** The layout version this header describes (pass it to the _versioned functions). */
#define CSCTP_PEER_CONFIG_VERSION CSCTP_PEER_CONFIG_V5

/** The datagram size of the peer's DTLS without PLPMTUD, and its base with it: bytes. */
#define CSCTP_PEER_DTLS_MTU 1200
/**
 * Largest csctp_peer_config.plpmtud_max, bytes. Chromium 156 stops taking any datagram of
 * the connection after one DTLS datagram a little over 2048 bytes (its data channel then
 * stalls for good, which no black-hole detection undoes: measured with a 2093-byte probe);
 * up to 2048 it answers them. libdatachannel takes up to 4096, aiortc records of up to 1500.
 */
#define CSCTP_PEER_PLPMTUD_LIMIT 2048

/** csctp_peer_config.ice_pacing_ms by default, in ms. */
#define CSCTP_PEER_DEFAULT_ICE_PACING_MS 5

/**
 * Fills `cfg`, laid out as version `config_version`, with the defaults
 * documented above (on_event NULL: set it). Returns 0, or
 * CSCTP_ERR_INVALID_ARGUMENT (cfg NULL, an unknown version) writing nothing.
 * Call it through csctp_peer_config_default().
 */
CSCTP_EXTERN int csctp_peer_config_default_versioned(int config_version, csctp_peer_config *cfg);
/** csctp_peer_config_default_versioned() for this header's layout. */
#define csctp_peer_config_default(CFG) \
  csctp_peer_config_default_versioned(CSCTP_PEER_CONFIG_VERSION, (CFG))

/** csctp_peer_config.max_message_size by default: 1 MiB. */
#define CSCTP_PEER_DEFAULT_MAX_MESSAGE_SIZE (1u << 20)

/**
 * The use_srtp profiles the peer offers or accepts with csctp_peer_config.dtls_srtp,
 * in OpenSSL's names and in order of preference: those of Chromium and Firefox
 * (AES-128-GCM, AES-256-GCM, AES128_CM_HMAC_SHA1_80; GStreamer 1.22 offers the
 * last one).
 */
#define CSCTP_PEER_SRTP_PROFILES \
  "SRTP_AEAD_AES_128_GCM:SRTP_AEAD_AES_256_GCM:SRTP_AES128_CM_SHA1_80"

/**
 * Creates a peer on `ctx` (a GMainContext*; NULL = the global default
 * context) and starts gathering ICE candidates (CANDIDATE events follow on
 * the context). The SCTP association and the data-channel layer exist from
 * now on, so channels may be created before any description; they open once
 * connected. Returns 0 and *out (free with csctp_peer_del), or
 * CSCTP_ERR_INVALID_ARGUMENT (no on_event, bad ICE settings, an unknown
 * `config_version`),
 * CSCTP_ERR_NOMEM, CSCTP_ERR_CRYPTO (certificate), CSCTP_ERR_RANDOM,
 * CSCTP_ERR_ICE_FAILED (libnice refused the stream), CSCTP_ERR_NO_DESCRIPTORS
 * (the process is nearly out of file descriptors: each peer holds two, its
 * UDP socket and libnice's eventfd; raise RLIMIT_NOFILE).
 */
CSCTP_EXTERN int csctp_peer_new_versioned(csctp_peer **out, struct _GMainContext *ctx,
                                          int config_version, const csctp_peer_config *cfg);
/** csctp_peer_new_versioned() with this header's csctp_peer_config layout. */
#define csctp_peer_new(OUT, CTX, CFG) \
  csctp_peer_new_versioned((OUT), (CTX), CSCTP_PEER_CONFIG_VERSION, (CFG))

/**
 * Frees the peer at once: no ABORT or close_notify is sent (call
 * csctp_peer_close() and iterate the context a little first for that), no
 * event follows. NULL is accepted; allowed inside the peer's callback.
 */
CSCTP_EXTERN void csctp_peer_del(csctp_peer *peer);

/**
 * Writes our offer (one data m-section, a=setup:actpass, the candidates
 * gathered so far and a=end-of-candidates once gathering is done) as SDP
 * text with a NUL into `buf`; makes us the ICE controlling agent when that is
 * still possible (see csctp_peer_config.offerer: set it). May be
 * called again (same session, later candidates). Returns the length, or
 * CSCTP_ERR_NOBUF (CSCTP_SDP_TEXT_MAX always suffices),
 * CSCTP_ERR_INVALID_STATE (a remote offer was set: answer it instead).
 */
CSCTP_EXTERN csctp_ssize csctp_peer_create_offer(csctp_peer *peer, char *buf, size_t cap);

/**
 * Writes our answer to the remote offer (a=setup:active when the offer says
 * actpass: we are the DTLS client) into `buf`, as csctp_peer_create_offer()
 * does. Returns the length, or CSCTP_ERR_NOBUF, CSCTP_ERR_INVALID_STATE (no
 * remote offer, or the peer is connected: the offer is released then; keep
 * the answer you sent if you need it later), CSCTP_ERR_NOMEM.
 */
CSCTP_EXTERN csctp_ssize csctp_peer_create_answer(csctp_peer *peer, char *buf, size_t cap);

/**
 * Applies the peer's description (`len` bytes of SDP text, only read during
 * the call): ICE credentials and candidates, DTLS role and fingerprints,
 * SCTP port and maximum message size. One offer or one answer per peer (no
 * renegotiation). Returns 0, or CSCTP_ERR_MALFORMED (with `*err`, optional,
 * naming the line), CSCTP_ERR_INVALID_ARGUMENT (no usable data m-section,
 * no fingerprint or ICE credentials, a setup that conflicts with ours, an
 * SCTP port other than 5000 once channels exist), CSCTP_ERR_INVALID_STATE
 * (a description of that type is not expected now, e.g. an offer to a peer
 * created with csctp_peer_config.offerer). On error nothing
 * changes and the peer may be given another description.
 */
CSCTP_EXTERN int csctp_peer_set_remote_description(csctp_peer *peer, csctp_peer_sdp_type type,
                                                   const char *sdp, size_t len,
                                                   csctp_sdp_error *err);

/**
 * Adds a trickled remote candidate ("candidate:..." or "a=candidate:...");
 * "" (or NULL) means end of candidates. Allowed at any time after
 * csctp_peer_new(); unusable ones (TCP, mDNS names, component 2) are ignored.
 * Returns 1 when added, 0 when ignored, CSCTP_ERR_MALFORMED when it does not
 * parse, CSCTP_ERR_INVALID_STATE after end of candidates or failure.
 */
CSCTP_EXTERN int csctp_peer_add_remote_candidate(csctp_peer *peer, const char *candidate);

/** 1 once local ICE gathering is complete (all candidates are in our descriptions). */
CSCTP_EXTERN int csctp_peer_gathering_done(const csctp_peer *peer);

/** The current connection state. */
CSCTP_EXTERN csctp_peer_state csctp_peer_get_state(const csctp_peer *peer);

/**
 * Creates a data channel (csctp_dc_open: label, protocol, ordering,
 * reliability, negotiated id). Before the connection is up it waits and
 * opens once connected (an OPEN channel event follows, or ERROR + CLOSED).
 * Returns 0 and the handle in *out, or the errors of csctp_dc_open.
 */
CSCTP_EXTERN int csctp_peer_create_channel(csctp_peer *peer, const csctp_dc_init *init,
                                           csctp_dc_channel *out);

/**
 * Sends one message on an open channel (csctp_dc_send: text or binary, empty
 * allowed; `data` is copied). Returns 0 or the errors of csctp_dc_send, among
 * them CSCTP_ERR_WOULD_BLOCK when the send buffer is full (wait for a
 * BUFFERED_AMOUNT_LOW event: see csctp_peer_set_buffered_amount_low).
 */
CSCTP_EXTERN int csctp_peer_send(csctp_peer *peer, csctp_dc_channel ch, int is_text,
                                 const void *data, size_t len);

/**
 * Closes a channel (csctp_dc_close: our stream is reset once queued data is
 * sent; CLOSED follows when the peer has reset its own). Returns 0 or the
 * errors of csctp_dc_close.
 */
CSCTP_EXTERN int csctp_peer_close_channel(csctp_peer *peer, csctp_dc_channel ch);

/** Describes a channel (csctp_dc_get_info). Returns 0 or CSCTP_ERR_INVALID_ARGUMENT. */
CSCTP_EXTERN int csctp_peer_channel_info(const csctp_peer *peer, csctp_dc_channel ch,
                                         csctp_dc_info *info);

/** Bytes of the channel queued or in flight (csctp_dc_buffered_amount). */
CSCTP_EXTERN size_t csctp_peer_buffered_amount(const csctp_peer *peer, csctp_dc_channel ch);

/** Sets the channel's buffered-amount-low threshold. Returns 0 or CSCTP_ERR_INVALID_ARGUMENT. */
CSCTP_EXTERN int csctp_peer_set_buffered_amount_low(csctp_peer *peer, csctp_dc_channel ch,
                                                    size_t threshold);

/**
 * Closes the connection gracefully: SCTP SHUTDOWN (queued data still goes
 * out), then DTLS close_notify; the state becomes CLOSED (event) when done,
 * or at once when not connected. Iterate the context until then. Returns 0
 * or CSCTP_ERR_INVALID_STATE (already closed or failed).
 */
CSCTP_EXTERN int csctp_peer_close(csctp_peer *peer);

/**
 * Switches the send scheduler (csctp_sched, csctp_peer_config.scheduler) now,
 * with messages queued or not, and for an association made later. Returns 0,
 * or CSCTP_ERR_INVALID_ARGUMENT (NULL, an unknown scheduler),
 * CSCTP_ERR_INVALID_STATE (handed over).
 */
CSCTP_EXTERN int csctp_peer_set_scheduler(csctp_peer *peer, int scheduler);

/** What the transports below the channels have settled (csctp_peer_get_transport). */
typedef struct csctp_peer_transport {
  /** 1: our ICE agent is the controlling one (the role it runs its checks with). */
  int ice_controlling;
  /** The ICE agent's connection state. */
  csctp_ice_state ice_state;
  /** 1 once the remote description has set our DTLS role; dtls_* are 0 before. */
  int has_dtls;
  /** Our DTLS role (with has_dtls). */
  csctp_dtls_role dtls_role;
  /** The DTLS endpoint's state (with has_dtls). */
  csctp_dtls_state dtls_state;
  /** The DTLS-SRTP profile the handshake agreed on; CSCTP_SRTP_NONE before the
   *  handshake ends, or when either side left use_srtp out. */
  csctp_srtp_profile srtp_profile;
  /** Our a=max-message-size (the largest message we receive and send). */
  uint32_t max_message_size;
  /** The peer's a=max-message-size, capped at UINT32_MAX (0 = no limit is
   *  given as UINT32_MAX); 0 before its description. */
  uint32_t remote_max_message_size;
} csctp_peer_transport;

/**
 * Describes the transports: ICE role and state, DTLS role and state, the
 * negotiated SRTP profile, the message size limits. Returns 0, or
 * CSCTP_ERR_INVALID_ARGUMENT for a NULL argument or a deleted peer.
 */
CSCTP_EXTERN int csctp_peer_get_transport(const csctp_peer *peer, csctp_peer_transport *out);

/**
 * Counters of the layers (either pointer may be NULL), laid out as versions
 * `stats_version` (csctp_stats) and `dc_stats_version` (csctp_dc_stats).
 * Returns 0, or CSCTP_ERR_INVALID_ARGUMENT (peer NULL, an unknown version of
 * a struct asked for) writing nothing. Call it through csctp_peer_get_stats().
 */
CSCTP_EXTERN int csctp_peer_get_stats_versioned(const csctp_peer *peer, int stats_version,
                                                csctp_stats *sctp, int dc_stats_version,
                                                csctp_dc_stats *dc);
/** csctp_peer_get_stats_versioned() with this header's layouts. */
#define csctp_peer_get_stats(PEER, SCTP, DC) \
  csctp_peer_get_stats_versioned((PEER), CSCTP_STATS_VERSION, (SCTP), CSCTP_DC_STATS_VERSION, (DC))

/*
 * Statistics like RTCStats: the figures of every layer through the peer, and
 * all of them at once as a JSON report shaped like a browser's RTCStatsReport.
 */

/**
 * The selected ICE candidate pair's figures (csctp_ice_pair_stats, ice.h),
 * laid out as version `stats_version`. Returns 0, or CSCTP_ERR_INVALID_ARGUMENT
 * (a NULL argument, an unknown version), CSCTP_ERR_INVALID_STATE (handed over).
 * Call it through csctp_peer_get_pair_stats().
 */
CSCTP_EXTERN int csctp_peer_get_pair_stats_versioned(const csctp_peer *peer, int stats_version,
                                                     csctp_ice_pair_stats *st);
/** csctp_peer_get_pair_stats_versioned() with this header's layout. */
#define csctp_peer_get_pair_stats(PEER, ST) \
  csctp_peer_get_pair_stats_versioned((PEER), CSCTP_ICE_PAIR_STATS_VERSION, (ST))

/**
 * The DTLS transport's counters (csctp_dtls_stats, dtls.h: datagrams and
 * bytes each way, records, drops), laid out as version `stats_version`; all
 * zero before the remote description has made the DTLS endpoint. Returns 0,
 * or CSCTP_ERR_INVALID_ARGUMENT, CSCTP_ERR_INVALID_STATE (handed over). Call
 * it through csctp_peer_get_dtls_stats().
 */
CSCTP_EXTERN int csctp_peer_get_dtls_stats_versioned(const csctp_peer *peer, int stats_version,
                                                     csctp_dtls_stats *st);
/** csctp_peer_get_dtls_stats_versioned() with this header's layout. */
#define csctp_peer_get_dtls_stats(PEER, ST) \
  csctp_peer_get_dtls_stats_versioned((PEER), CSCTP_DTLS_STATS_VERSION, (ST))

/** The negotiated DTLS cipher suite's IANA name (static storage), or NULL before
 *  the handshake has ended (and for a NULL or handed-over peer). */
CSCTP_EXTERN const char *csctp_peer_dtls_cipher(const csctp_peer *peer);

/**
 * Channel `ch`'s counters (csctp_dc_channel_stats, datachannel.h: messages and
 * bytes each way, buffered amount), laid out as version `stats_version`.
 * Returns 0, or CSCTP_ERR_INVALID_ARGUMENT (a NULL argument, an unknown handle
 * or version), CSCTP_ERR_INVALID_STATE (handed over). Call it through
 * csctp_peer_get_channel_stats().
 */
CSCTP_EXTERN int csctp_peer_get_channel_stats_versioned(const csctp_peer *peer, csctp_dc_channel ch,
                                                        int stats_version,
                                                        csctp_dc_channel_stats *st);
/** csctp_peer_get_channel_stats_versioned() with this header's layout. */
#define csctp_peer_get_channel_stats(PEER, CH, ST) \
  csctp_peer_get_channel_stats_versioned((PEER), (CH), CSCTP_DC_CHANNEL_STATS_VERSION, (ST))

/**
 * Writes every figure above into `buf` as one JSON object, NUL-terminated,
 * shaped like `Object.fromEntries(await pc.getStats())` in a browser: stats
 * objects keyed by their `id`, each with `id`, `type` and `timestamp`
 * (milliseconds since the Unix epoch), named as the W3C webrtc-stats spec
 * names them:
 *  - "peer-connection": dataChannelsOpened (channels created or accepted),
 *    dataChannelsClosed, connectionState;
 *  - "transport": bytesSent, bytesReceived, packetsSent, packetsReceived (the
 *    DTLS datagrams), iceRole, iceState, dtlsState, dtlsRole, tlsVersion
 *    ("FEFD"), dtlsCipher, srtpCipher (when negotiated),
 *    selectedCandidatePairId, selectedCandidatePairChanges;
 *  - "candidate-pair", "local-candidate", "remote-candidate" once a pair is
 *    selected (csctp_ice_pair_stats's figures);
 *  - "sctp-transport": smoothedRoundTripTime and rto (seconds),
 *    congestionWindow, receiverWindow (the peer's), mtu, unackData, then csctp_stats's
 *    counters in the same style (retransmissions, packetsDroppedBadChecksum, ...),
 *    interleaving (RFC 8260 negotiated) and scheduler ("wfq", "fcfs", "rr",
 *    "rr-packet", "priority", "fair");
 *  - "data-channel" for every channel with a stream id that is not yet
 *    released: label, protocol, dataChannelIdentifier, state, messagesSent,
 *    bytesSent, messagesReceived, bytesReceived, bufferedAmount.
 * Strings are escaped (a label is the peer's text). With `buf` NULL and `cap`
 * 0 it returns the length the report has now, without the NUL; counters may
 * widen before the next call, so leave room. Returns the report's length
 * (without the NUL), or CSCTP_ERR_INVALID_ARGUMENT (peer NULL, `buf` NULL with
 * `cap` > 0), CSCTP_ERR_INVALID_STATE (handed over), CSCTP_ERR_NOBUF (`cap`
 * too small: nothing usable was written).
 */
CSCTP_EXTERN csctp_ssize csctp_peer_stats_report(const csctp_peer *peer, char *buf, size_t cap);

/**
 * Returns the largest SCTP packet the peer's association writes now (bytes, the DTLS
 * record's 37 not counted): with csctp_peer_config.plpmtud_max, what path MTU discovery
 * has confirmed so far (1160 until a larger probe is answered); 1163 without it; 0 for
 * NULL or a peer handed over.
 */
CSCTP_EXTERN uint32_t csctp_peer_get_pmtu(const csctp_peer *peer);

/* ----------------------------------------------------------------------
 * Handover: moving a connected peer to another process while the remote
 * browser goes on as if nothing happened. At a quiescent moment (see
 * csctp_peer_handover_readiness) the whole stack is exported: the data
 * channels and their association (csctp_dc_handover_export), the DTLS session
 * (csctp_dtls_handover_export) and the ICE pair with its UDP socket
 * (csctp_ice_agent_handover_export); the socket's descriptor goes to the other
 * process with SCM_RIGHTS, the blob by any means. Nothing in flight travels:
 * datagrams that arrive meanwhile wait in the socket's queue.
 * -------------------------------------------------------------------- */

/** Reasons of csctp_peer_handover_readiness() beyond the data-channel layer's and the
 *  association's (csctp_dc_handover_reason, csctp_handover_reason), which it reports too. */
typedef enum csctp_peer_handover_reason {
  /** The peer is not CONNECTED (still connecting, closing, closed, failed, handed over). */
  CSCTP_PEER_HANDOVER_STATE = 1 << 24,
  /** The ICE agent cannot be handed over (csctp_ice_agent_handover_readiness): a relayed
   *  pair, for instance. */
  CSCTP_PEER_HANDOVER_ICE = 1 << 25,
  /** The DTLS endpoint cannot be handed over yet (csctp_dtls_handover_readiness): its
   *  output or events not yet taken, or, as server, no record from the client yet. */
  CSCTP_PEER_HANDOVER_DTLS = 1 << 26,
  /** Datagrams of the peer's output batch not yet sent. */
  CSCTP_PEER_HANDOVER_OUTPUT = 1 << 27,
} csctp_peer_handover_reason;

/**
 * Returns 0 when `peer` may be handed over now (csctp_peer_handover_export()
 * would succeed), else a bitmask of csctp_peer_handover_reason,
 * csctp_dc_handover_reason and csctp_handover_reason (CSCTP_PEER_HANDOVER_STATE
 * for NULL). Each reason but STATE and ICE goes away as the exchange goes on:
 * call it again after the context ran (e.g. from a short timer) and export once
 * it is 0. Changes nothing.
 */
CSCTP_EXTERN int csctp_peer_handover_readiness(const csctp_peer *peer);

/**
 * Exports a quiescent peer into `buf` (`cap` bytes, the caller's) and hands it
 * over: its ICE agent is deleted (libnice's copy of the socket closed) after a
 * duplicate of the selected pair's UDP socket is stored in *fd_out (the
 * caller's: pass it to the importer, e.g. with SCM_RIGHTS, then close it); from
 * then on the peer sends and reads nothing, delivers no event, reports
 * CSCTP_PEER_STATE_CLOSED, refuses every call with CSCTP_ERR_INVALID_STATE (but
 * csctp_peer_get_state(), csctp_peer_get_stats(), which give the counters up to
 * the export, and csctp_peer_buffered_amount(), 0) and is only good for
 * csctp_peer_del(). The blob: magic "CSPR", version 1, the
 * creation time (g_get_monotonic_time()), the DTLS role, session id, SCTP
 * ports and the remote a=max-message-size, then the ICE, DTLS and data-channel
 * blobs of those layers (each authenticated, the DTLS one encrypted, with
 * `key`), then an HMAC-SHA-256 of all of it under `key` (`key_len` >=
 * CSCTP_HANDOVER_KEY_MIN, only read during the call). It carries the session's
 * keys: keep it and the key secret. With `buf` NULL and `cap` 0 it returns the
 * size, changing nothing (and `fd_out` may be NULL). Call it from the peer's
 * context thread, outside the peer's callbacks (from a timer or idle source).
 *
 * Returns the blob's length, or CSCTP_ERR_INVALID_ARGUMENT (`peer`, `key` or
 * `fd_out` NULL, short key, `buf` NULL with `cap` > 0), CSCTP_ERR_INVALID_STATE
 * (readiness not 0, or called from inside a callback of this peer), CSCTP_ERR_NOBUF (`cap` too
 * small: nothing changes), or an error of a layer's export (CSCTP_ERR_NOMEM, CSCTP_ERR_CRYPTO,
 * CSCTP_ERR_RANDOM: the peer is then handed over in part and unusable; delete
 * it).
 */
CSCTP_EXTERN csctp_ssize csctp_peer_handover_export(csctp_peer *peer, const uint8_t *key,
                                                    size_t key_len, uint8_t *buf, size_t cap,
                                                    int *fd_out);

/**
 * Creates on `ctx` (NULL: the global default context), from a blob of
 * csctp_peer_handover_export() (`len` bytes, only read during the call) and
 * the socket `fd` that came with it, a CONNECTED peer that goes on where the
 * exported one stopped: the same channels, open (no event: their handles are
 * new, find them with csctp_peer_channel_by_stream()), the same DTLS session
 * and SCTP association, ICE on the same socket and pair, answering the remote
 * agent's consent checks and sending its own. `cfg` is as for csctp_peer_new()
 * (on_event is required; the addresses, servers, certificate and offerer flag
 * are not used: the blob says what was negotiated). The MAC is checked first,
 * then the version and age (at most `max_age_ms`, on g_get_monotonic_time():
 * both processes on one host), then each layer's blob (same key). On success
 * the peer owns `fd`; on error it stays the caller's, untouched. Returns 0 and
 * *out (free with csctp_peer_del), or CSCTP_ERR_INVALID_ARGUMENT (NULL
 * argument, short key, bad config), CSCTP_ERR_HANDOVER_AUTH,
 * CSCTP_ERR_HANDOVER_VERSION, CSCTP_ERR_HANDOVER_STALE, CSCTP_ERR_MALFORMED,
 * CSCTP_ERR_NOMEM, CSCTP_ERR_CRYPTO, CSCTP_ERR_RANDOM.
 */
CSCTP_EXTERN int csctp_peer_handover_import_versioned(csctp_peer **out, struct _GMainContext *ctx,
                                                      int config_version,
                                                      const csctp_peer_config *cfg,
                                                      const uint8_t *key, size_t key_len,
                                                      const uint8_t *blob, size_t len, int fd,
                                                      uint32_t max_age_ms);
/** csctp_peer_handover_import_versioned() with this header's csctp_peer_config layout. */
#define csctp_peer_handover_import(OUT, CTX, CFG, KEY, KLEN, BLOB, LEN, FD, AGE)              \
  csctp_peer_handover_import_versioned((OUT), (CTX), CSCTP_PEER_CONFIG_VERSION, (CFG), (KEY), \
                                       (KLEN), (BLOB), (LEN), (FD), (AGE))

/**
 * Finds the channel on SCTP stream `stream` (after an import, for instance).
 * Returns 0 and its handle in *out, or CSCTP_ERR_INVALID_ARGUMENT (NULL
 * argument, deleted peer, no channel there).
 */
CSCTP_EXTERN int csctp_peer_channel_by_stream(const csctp_peer *peer, uint16_t stream,
                                              csctp_dc_channel *out);

#ifdef __cplusplus
}
#endif

#endif
