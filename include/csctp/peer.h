/*
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
 * with UDP/DTLS/SCTP webrtc-datachannel (or the legacy DTLS/SCTP <port> with
 * a=sctpmap, as aiortc offers), its ICE and DTLS transport (taken from the
 * section itself, else from the BUNDLE group's first section, else from the
 * session level) and its SCTP parameters. Every other m-section keeps only
 * what an answer needs to reject it (media, proto, first format, mid).
 */
#ifndef CSCTP_PEER_H
#define CSCTP_PEER_H

#include <csctp/common.h>

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
/** A buffer of this size always holds csctp_sdp_write()'s output. */
#define CSCTP_SDP_TEXT_MAX 32768

/** The default SCTP port and message size when a description has none (RFC 8841). */
#define CSCTP_SDP_DEFAULT_SCTP_PORT 5000
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
  uint8_t value[CSCTP_SDP_FINGERPRINT_MAX];
  size_t len;
} csctp_sdp_fingerprint;

typedef enum csctp_sdp_transport {
  CSCTP_SDP_TRANSPORT_UDP = 0,
  CSCTP_SDP_TRANSPORT_TCP, /**< ICE-TCP (RFC 6544): a UDP-only agent ignores it */
  CSCTP_SDP_TRANSPORT_OTHER,
} csctp_sdp_transport;

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
  char foundation[33];
  uint32_t component;
  csctp_sdp_transport transport;
  uint32_t priority;
  char address[CSCTP_SDP_CANDIDATE_MAX]; /**< IP address, or a name (mDNS) */
  uint16_t port;
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
  int legacy;                      /**< the legacy form: DTLS/SCTP <port> with a=sctpmap */
} csctp_sdp_media;

/**
 * A session description restricted to data channels. Filled by
 * csctp_sdp_parse(), csctp_sdp_create_offer() or csctp_sdp_create_answer();
 * written by csctp_sdp_write(). Transport and SCTP fields describe the data
 * m-section (media[data_index]); they are meaningless when data_index < 0.
 */
typedef struct csctp_sdp {
  char origin_username[CSCTP_SDP_MID_MAX + 1]; /**< o= username, "-" usually */
  uint64_t session_id, session_version;        /**< o= */
  int ice_lite;                                /**< a=ice-lite */
  /** The first a=group:BUNDLE's mids, in order (the first is the tag). */
  char bundle[CSCTP_SDP_MAX_MEDIA][CSCTP_SDP_MID_MAX + 1];
  size_t n_bundle;
  csctp_sdp_media media[CSCTP_SDP_MAX_MEDIA];
  size_t n_media;
  int data_index; /**< index of the data-channel m-section, -1 when none */

  /* The data m-section's transport (effective values: see the file comment). */
  char ice_ufrag[CSCTP_SDP_ICE_MAX + 1]; /**< "" when absent */
  char ice_pwd[CSCTP_SDP_ICE_MAX + 1];   /**< "" when absent */
  int ice_trickle;                       /**< a=ice-options includes trickle */
  csctp_sdp_fingerprint fingerprints[CSCTP_SDP_MAX_FINGERPRINTS];
  size_t n_fingerprints;
  csctp_sdp_setup setup;
  csctp_sdp_candidate candidates[CSCTP_SDP_MAX_CANDIDATES];
  size_t n_candidates;
  size_t n_candidates_dropped; /**< beyond CSCTP_SDP_MAX_CANDIDATES */
  int end_of_candidates;       /**< a=end-of-candidates */

  /* The data m-section's SCTP parameters (RFC 8841). */
  uint16_t sctp_port; /**< a=sctp-port (or the legacy format); 5000 when absent */
  int has_sctp_port;
  uint64_t max_message_size; /**< a=max-message-size; 65536 when absent; 0 = no limit */
  int has_max_message_size;
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
 * a=sctp-port, a=sctpmap, a=max-message-size); CSCTP_ERR_INVALID_ARGUMENT
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
  size_t n_fingerprints;
  uint16_t sctp_port;        /**< default 5000 */
  uint64_t max_message_size; /**< advertised; default 262144; 0 = no limit */
  int ice_trickle;           /**< a=ice-options:trickle; default 1 */
} csctp_sdp_local;

/** Fills `local` with the defaults above (no credentials, no fingerprint). */
CSCTP_EXTERN void csctp_sdp_local_default(csctp_sdp_local *local);

/**
 * Makes an offer for data channels only: one m=application section, mid "0",
 * BUNDLE 0, a=setup:actpass, no candidates yet (add them with
 * csctp_sdp_add_candidate(), then write). Returns 0 or
 * CSCTP_ERR_INVALID_ARGUMENT (NULL, missing or invalid credentials or
 * fingerprint).
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

#ifdef __cplusplus
}
#endif

#endif
