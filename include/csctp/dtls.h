/* SPDX-License-Identifier: MIT */
/**
 * @file
 * csctp — DTLS 1.2 for WebRTC (RFC 6347, RFC 8261, RFC 5764, RFC 8122, RFC 7983), sans-IO.
 *
 * A csctp_dtls endpoint runs OpenSSL over in-memory datagram queues: it never
 * opens a socket, reads a clock, starts a thread or calls back into the
 * application except through the key-log and log hooks. The caller:
 *   - starts it with csctp_dtls_start() (the client sends its ClientHello),
 *   - feeds every inbound datagram with csctp_dtls_read_datagram(),
 *   - pulls outbound datagrams into its own buffers with
 *     csctp_dtls_write_datagram() until it returns 0,
 *   - polls events with csctp_dtls_poll_event() until it returns 0,
 *   - asks for the next retransmission deadline with csctp_dtls_expiry() and
 *     calls csctp_dtls_handle_expiry() when it has passed.
 *
 * The peer is authenticated by the fingerprint of its self-signed certificate
 * (from SDP a=fingerprint), checked while its Certificate message is
 * processed: a mismatch fails the handshake with CSCTP_ERR_FINGERPRINT and a
 * bad_certificate alert to the peer, never silently.
 *
 * Also here: certificates and fingerprints, the DTLS-SRTP keys and a libsrtp
 * helper, the RFC 7983 first-byte classifier, and csctp_dtls_sctp, the SCTP
 * association carried over DTLS (RFC 8261).
 *
 * Times are microseconds on the caller's monotonic clock (csctp_tstamp).
 *
 * Thread safety: sans-IO, no global state of its own, no locks. A csctp_dtls, a
 * csctp_dtls_sctp (with the association inside it) or a csctp_srtp is used by one
 * thread at a time; different objects may be used on different threads at the
 * same time. A csctp_dtls_cert is read-only once created: endpoints on several
 * threads may be created from it at once (each takes its own reference); delete
 * it from one thread, once no csctp_dtls_new() with it is running. The key-log
 * and log hooks run on the thread of the call that produced the line. libsrtp
 * is initialised once per process, thread-safely, by the first csctp_srtp_new();
 * OpenSSL 3 needs no initialisation from the caller.
 */
#ifndef CSCTP_DTLS_H
#define CSCTP_DTLS_H

#include <csctp/common.h>
#include <csctp/sctp.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ demultiplexing */

/** What a datagram on a WebRTC 5-tuple is, by its first byte (RFC 7983 §7). */
typedef enum csctp_packet_kind {
  CSCTP_PACKET_UNKNOWN = 0, /**< empty, or a first byte outside the ranges below */
  CSCTP_PACKET_STUN,        /**< 0..3 */
  CSCTP_PACKET_DTLS,        /**< 20..63 */
  CSCTP_PACKET_RTP,         /**< 128..191: RTP or RTCP */
} csctp_packet_kind;

/** Classifies a datagram by its first byte. `data` may be NULL when `len` is 0. */
CSCTP_EXTERN csctp_packet_kind csctp_packet_classify(const uint8_t *data, size_t len);

/* ------------------------------------------------------------------ fingerprints */

/** Hash functions of certificate fingerprints (RFC 8122 §5). */
typedef enum csctp_dtls_hash {
  CSCTP_DTLS_HASH_SHA1 = 1,
  CSCTP_DTLS_HASH_SHA224,
  CSCTP_DTLS_HASH_SHA256,
  CSCTP_DTLS_HASH_SHA384,
  CSCTP_DTLS_HASH_SHA512,
} csctp_dtls_hash;

/** Longest digest (SHA-512). */
#define CSCTP_DTLS_FINGERPRINT_MAX 64
/** Room for the longest SDP form, "sha-512 " + 64 "XX:" groups, with its NUL. */
#define CSCTP_DTLS_FINGERPRINT_TEXT_MAX 200

/** A certificate fingerprint: a hash function and its digest of the DER certificate. */
typedef struct csctp_dtls_fingerprint {
  /** the hash function */
  csctp_dtls_hash hash;
  uint8_t len; /**< digest bytes */
  /** the digest, `len` bytes */
  uint8_t value[CSCTP_DTLS_FINGERPRINT_MAX];
} csctp_dtls_fingerprint;

/**
 * Parses the SDP form "sha-256 AB:CD:..." (RFC 8122 §5: hash name, one or
 * more spaces, colon-separated hex pairs of the digest's exact length; hash
 * name and hex are case-insensitive, surrounding white space is allowed), or
 * the value of an "a=fingerprint:" line. Returns 0, or CSCTP_ERR_INVALID_ARGUMENT
 * (unknown hash, bad hex, wrong length); *fp is then unchanged.
 */
CSCTP_EXTERN int csctp_dtls_fingerprint_parse(csctp_dtls_fingerprint *fp, const char *text);

/**
 * Writes `fp` in SDP form ("sha-256 AB:CD:...", upper-case hex) with a NUL
 * into `buf`. Returns the length without the NUL, CSCTP_ERR_NOBUF when `cap`
 * is too small (CSCTP_DTLS_FINGERPRINT_TEXT_MAX always suffices) or
 * CSCTP_ERR_INVALID_ARGUMENT.
 */
CSCTP_EXTERN csctp_ssize csctp_dtls_fingerprint_format(const csctp_dtls_fingerprint *fp, char *buf,
                                                       size_t cap);

/** Returns 1 when `a` and `b` have the same hash and digest, else 0. */
CSCTP_EXTERN int csctp_dtls_fingerprint_equal(const csctp_dtls_fingerprint *a,
                                              const csctp_dtls_fingerprint *b);

/* ------------------------------------------------------------------ certificates */

/** A certificate and its private key. */
typedef struct csctp_dtls_cert csctp_dtls_cert;

/**
 * Generates an ECDSA P-256 key and a self-signed certificate for it, as
 * browsers do: random serial, subject and issuer CN=`common_name` (NULL:
 * "csctp"), valid from `unix_now` - 1 day to `unix_now` + 30 days, signed
 * with ECDSA-SHA256. `unix_now` is wall-clock seconds since 1970 (the library
 * reads no clock). Randomness comes from OpenSSL's generator. `mem` NULL means
 * csctp_mem_default(). Returns 0 and *pc (free with csctp_dtls_cert_del), or
 * CSCTP_ERR_INVALID_ARGUMENT, CSCTP_ERR_NOMEM, CSCTP_ERR_CRYPTO.
 */
CSCTP_EXTERN int csctp_dtls_cert_generate(csctp_dtls_cert **pc, const char *common_name,
                                          int64_t unix_now, const csctp_mem *mem);

/**
 * Loads a certificate and its private key from PEM text (`cert_pem` and
 * `key_pem` may be the same buffer; the key must not be encrypted; ECDSA and
 * RSA keys are accepted). The buffers are only read during the call. Returns
 * 0 and *pc, or CSCTP_ERR_INVALID_ARGUMENT (unparsable PEM, or a key that
 * does not match the certificate), CSCTP_ERR_NOMEM.
 */
CSCTP_EXTERN int csctp_dtls_cert_from_pem(csctp_dtls_cert **pc, const char *cert_pem,
                                          size_t cert_len, const char *key_pem, size_t key_len,
                                          const csctp_mem *mem);

/**
 * Writes the certificate (`key` 0) or its unencrypted PKCS#8 private key
 * (`key` 1) as PEM text with a NUL into `buf`. Returns the length without the
 * NUL, CSCTP_ERR_NOBUF (4096 bytes suffice for P-256), CSCTP_ERR_CRYPTO.
 */
CSCTP_EXTERN csctp_ssize csctp_dtls_cert_to_pem(const csctp_dtls_cert *c, int key, char *buf,
                                                size_t cap);

/**
 * Computes the fingerprint of the certificate with `hash` (SHA-256 is what
 * browsers use). Returns 0, CSCTP_ERR_INVALID_ARGUMENT or CSCTP_ERR_CRYPTO.
 */
CSCTP_EXTERN int csctp_dtls_cert_fingerprint(const csctp_dtls_cert *c, csctp_dtls_hash hash,
                                             csctp_dtls_fingerprint *fp);

/** Frees the certificate. Endpoints created with it keep their own reference. NULL is allowed. */
CSCTP_EXTERN void csctp_dtls_cert_del(csctp_dtls_cert *c);

/* ------------------------------------------------------------------ the endpoint */

/** Which side of the DTLS handshake an endpoint plays (from SDP a=setup). */
typedef enum csctp_dtls_role {
  CSCTP_DTLS_CLIENT = 0, /**< a=setup:active: sends the ClientHello */
  CSCTP_DTLS_SERVER,     /**< a=setup:passive: answers it */
} csctp_dtls_role;

/** DTLS-SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2); values are the IANA ids. */
typedef enum csctp_srtp_profile {
  CSCTP_SRTP_NONE = 0,
  CSCTP_SRTP_AES128_CM_SHA1_80 = 0x0001,
  CSCTP_SRTP_AES128_CM_SHA1_32 = 0x0002,
  CSCTP_SRTP_AEAD_AES_128_GCM = 0x0007,
  CSCTP_SRTP_AEAD_AES_256_GCM = 0x0008,
} csctp_srtp_profile;

/** Key-log hook: one NSS key log line (no newline), valid only during the call. */
typedef void (*csctp_dtls_keylog_fn)(const char *line, void *user_data);

/**
 * A csctp_dtls_keylog_fn that appends `line` and a newline to the file whose
 * path is `user_data` (a NUL-terminated string), creating it if needed: the
 * SSLKEYLOGFILE format Wireshark reads. The file is opened and closed on each
 * line. The I/O layer passes getenv("SSLKEYLOGFILE"); the core never reads
 * the environment.
 */
CSCTP_EXTERN void csctp_dtls_keylog_file(const char *line, void *user_data);

/** Endpoint configuration: start from csctp_dtls_config_default(). */
typedef struct csctp_dtls_config {
  /** Client or server (default CSCTP_DTLS_CLIENT). */
  csctp_dtls_role role;
  /** Our certificate and key. Required; referenced (not copied) by the endpoint. */
  const csctp_dtls_cert *cert;
  /**
   * Fingerprints the peer's certificate may match (one match suffices);
   * copied at creation. They may also be given later with
   * csctp_dtls_set_remote_fingerprints(), up to the moment the peer's
   * certificate arrives; with none by then the handshake fails with
   * CSCTP_ERR_FINGERPRINT.
   */
  const csctp_dtls_fingerprint *remote_fingerprints;
  /** Entries in `remote_fingerprints` (0: none yet). */
  size_t remote_fingerprint_count;
  /** Largest datagram written, bytes (default 1200; at least 256). */
  uint32_t mtu;
  /** Server only: answer a ClientHello without cookie with HelloVerifyRequest (default 0). */
  int cookie_exchange;
  /** Offer / accept use_srtp with AEAD_AES_128_GCM and AES128_CM_SHA1_80 (default 1). */
  int srtp;
  /**
   * With srtp: the profiles offered (client) or accepted (server), in
   * OpenSSL's colon-separated names, in order of preference. NULL:
   * "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80".
   */
  const char *srtp_profiles;
  /** First handshake retransmission timeout, ms (default 1000, RFC 6347 §4.2.4.1). */
  uint32_t retransmit_initial_ms;
  /** Largest retransmission timeout after doubling, ms (default 60000). */
  uint32_t retransmit_max_ms;
  /**
   * OpenSSL cipher list for DTLS 1.2. NULL: ECDHE-ECDSA-AES128-GCM-SHA256,
   * ECDHE-ECDSA-CHACHA20-POLY1305, ECDHE-RSA-AES128-GCM-SHA256,
   * ECDHE-RSA-CHACHA20-POLY1305, ECDHE-ECDSA-AES256-GCM-SHA384,
   * ECDHE-RSA-AES256-GCM-SHA384, in that order of preference.
   */
  const char *cipher_list;
  /** Random bytes for the cookie secret; NULL: OpenSSL's generator. */
  csctp_rand_fn rand;
  /** Passed unchanged to `rand`. */
  void *rand_user_data;
  /** Optional: receives the NSS key log lines (e.g. csctp_dtls_keylog_file). */
  csctp_dtls_keylog_fn keylog;
  /** Passed unchanged to `keylog` (for csctp_dtls_keylog_file: the path). */
  void *keylog_user_data;
  const csctp_mem *mem; /**< allocator; NULL = csctp_mem_default() */
  csctp_log_fn log;     /**< optional logging hook */
  /** Passed unchanged to `log`. */
  void *log_user_data;
  /** Categories passed to `log` (CSCTP_LOG_DTLS). */
  uint32_t log_mask;
  /**
   * Optional: per level, the categories logged at that level (csctp_log_levels_parse(),
   * csctp_log_levels_set()). A line reaches `log` when its category is in `log_mask` and, unless
   * this array is all zero (the default: every level), in `log_levels[level]`.
   */
  uint32_t log_levels[CSCTP_LOG_LEVELS];
} csctp_dtls_config;

/** Versions of csctp_dtls_config's layout; CSCTP_DTLS_CONFIG_VERSION is this header's. */
#define CSCTP_DTLS_CONFIG_V1 1
/** The layout version this header describes (pass it to the _versioned functions). */
#define CSCTP_DTLS_CONFIG_VERSION CSCTP_DTLS_CONFIG_V1

/**
 * Fills `cfg`, laid out as version `config_version`, with the defaults
 * documented above (cert is NULL: set it). Returns 0, or
 * CSCTP_ERR_INVALID_ARGUMENT (cfg NULL, an unknown version) writing nothing.
 * Call it through csctp_dtls_config_default().
 */
CSCTP_EXTERN int csctp_dtls_config_default_versioned(int config_version, csctp_dtls_config *cfg);
/** csctp_dtls_config_default_versioned() for this header's layout. */
#define csctp_dtls_config_default(CFG) \
  csctp_dtls_config_default_versioned(CSCTP_DTLS_CONFIG_VERSION, (CFG))

/** A DTLS endpoint (opaque): created by csctp_dtls_new(), freed by csctp_dtls_del(). */
typedef struct csctp_dtls csctp_dtls;

/** The state of a DTLS endpoint. */
typedef enum csctp_dtls_state {
  CSCTP_DTLS_STATE_NEW = 0, /**< created, not started */
  CSCTP_DTLS_STATE_HANDSHAKING,
  CSCTP_DTLS_STATE_CONNECTED, /**< application data flows */
  CSCTP_DTLS_STATE_CLOSED,    /**< close_notify sent or received */
  CSCTP_DTLS_STATE_FAILED,    /**< handshake or connection failed: see the ERROR event */
} csctp_dtls_state;

/** Kinds of csctp_dtls_event, in csctp_dtls_event.type. */
typedef enum csctp_dtls_event_type {
  /** No event (never returned by csctp_dtls_poll_event()). */
  CSCTP_DTLS_EVENT_NONE = 0,
  /** The handshake completed and the peer's fingerprint matched. */
  CSCTP_DTLS_EVENT_CONNECTED,
  /** One record of application data. */
  CSCTP_DTLS_EVENT_DATA,
  /** The connection closed with close_notify (ours or the peer's). */
  CSCTP_DTLS_EVENT_CLOSED,
  /** The handshake or the connection failed; nothing more will happen. */
  CSCTP_DTLS_EVENT_ERROR,
} csctp_dtls_event_type;

/** An event. Pointers inside stay valid until the next call on the same endpoint. */
typedef struct csctp_dtls_event {
  /** What happened: says which member of `u` is set. */
  csctp_dtls_event_type type;
  /**
   * The details of each kind of event, named after it (CONNECTED: `connected`,
   * DATA: `data`, ...).
   */
  union {
    struct {
      const char *cipher; /**< IANA name, e.g. TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
      csctp_srtp_profile srtp_profile; /**< CSCTP_SRTP_NONE when use_srtp was not negotiated */
    } connected;
    struct {
      /** the record's plaintext */
      const uint8_t *data;
      /** its length in bytes */
      size_t len;
    } data;
    struct {
      int by_peer; /**< 1: the peer sent close_notify; 0: we did */
    } closed;
    struct {
      int error;         /**< CSCTP_ERR_DTLS_HANDSHAKE, _FINGERPRINT, _DTLS_ALERT, _NOMEM, ... */
      int alert;         /**< TLS alert description sent or received (RFC 5246 §7.2), -1 if none */
      int alert_by_peer; /**< 1: the peer sent `alert`; 0: we sent it */
    } error;
  } u;
} csctp_dtls_event;

/** Counters. */
typedef struct csctp_dtls_stats {
  /** datagrams read and written @{ */
  uint64_t datagrams_in, datagrams_out;
  /** @} */
  /** datagram bytes read and written @{ */
  uint64_t bytes_in, bytes_out; /**< datagram bytes */
  /** @} */
  /** application data records received and sent @{ */
  uint64_t records_in, records_out; /**< application data records */
  /** @} */
  /** application data bytes received and sent @{ */
  uint64_t app_bytes_in, app_bytes_out; /**< application data bytes */
  /** @} */
  uint64_t retransmit_timeouts; /**< handshake flights sent again on our timer */
  uint64_t dropped_not_dtls;    /**< datagrams whose first byte is not 20..63 */
  uint64_t dropped_oversize;    /**< records larger than the MTU (never expected) */
  /** the largest datagram written, bytes */
  uint32_t largest_datagram_out;
  /* Version 2: */
  /** Records of an imported endpoint (csctp_dtls_handover_import) dropped: seen already or
   *  older than the replay window; not authentic; handshake or another epoch. @{ */
  uint64_t dropped_replay, dropped_auth, dropped_other;
  /** @} */
} csctp_dtls_stats;

/** Versions of csctp_dtls_stats's layout; CSCTP_DTLS_STATS_VERSION is this header's. */
#define CSCTP_DTLS_STATS_V1 1
/** Version 2 adds dropped_replay, dropped_auth and dropped_other. */
#define CSCTP_DTLS_STATS_V2 2
/** The layout version this header describes (pass it to the _versioned functions). */
#define CSCTP_DTLS_STATS_VERSION CSCTP_DTLS_STATS_V2

/**
 * Creates an endpoint from `cfg` (copied; the certificate is referenced by
 * OpenSSL and may be freed afterwards). Returns 0 and *pd (free with
 * csctp_dtls_del), or CSCTP_ERR_INVALID_ARGUMENT (no cert, MTU below 256,
 * unusable cipher list, a `config_version` this library does not know),
 * CSCTP_ERR_NOMEM, CSCTP_ERR_RANDOM, CSCTP_ERR_CRYPTO.
 */
CSCTP_EXTERN int csctp_dtls_new_versioned(csctp_dtls **pd, int config_version,
                                          const csctp_dtls_config *cfg);
/** csctp_dtls_new_versioned() with this header's csctp_dtls_config layout. */
#define csctp_dtls_new(PD, CFG) csctp_dtls_new_versioned((PD), CSCTP_DTLS_CONFIG_VERSION, (CFG))

/** Frees the endpoint (no alert is sent: call csctp_dtls_close first for that). NULL is allowed. */
CSCTP_EXTERN void csctp_dtls_del(csctp_dtls *d);

/**
 * Replaces the expected remote fingerprints (copied). Allowed until the
 * peer's certificate has been checked. Returns 0, CSCTP_ERR_INVALID_STATE
 * (already checked), CSCTP_ERR_INVALID_ARGUMENT, CSCTP_ERR_NOMEM.
 */
CSCTP_EXTERN int csctp_dtls_set_remote_fingerprints(csctp_dtls *d,
                                                    const csctp_dtls_fingerprint *fps,
                                                    size_t count);

/**
 * Starts the handshake: a client queues its ClientHello; a server starts
 * waiting for one (a server also starts on its first datagram). Returns 0 or
 * CSCTP_ERR_INVALID_STATE (already started).
 */
CSCTP_EXTERN int csctp_dtls_start(csctp_dtls *d, csctp_tstamp now);

/**
 * Processes one inbound datagram (only read during the call): it may hold
 * several records. Datagrams that are not DTLS (RFC 7983), malformed,
 * replayed or unauthenticated records are dropped and counted, as DTLS says;
 * a fatal handshake or alert outcome is reported by an ERROR event. Returns 0
 * or a fatal error (CSCTP_ERR_NOMEM).
 */
CSCTP_EXTERN int csctp_dtls_read_datagram(csctp_dtls *d, const uint8_t *data, size_t len,
                                          csctp_tstamp now);

/**
 * Writes the next outbound datagram (one or more whole records, at most the
 * MTU) into `buf`. Returns its length, 0 when nothing is due, or
 * CSCTP_ERR_NOBUF when `cap` is below the MTU. Call it until it returns 0
 * after every other call.
 */
CSCTP_EXTERN csctp_ssize csctp_dtls_write_datagram(csctp_dtls *d, uint8_t *buf, size_t cap,
                                                   csctp_tstamp now);

/** Takes the next event into *ev: 1 when stored, 0 when none. */
CSCTP_EXTERN int csctp_dtls_poll_event(csctp_dtls *d, csctp_dtls_event *ev);

/** Returns the handshake retransmission deadline, or CSCTP_TSTAMP_NONE. */
CSCTP_EXTERN csctp_tstamp csctp_dtls_expiry(const csctp_dtls *d);

/**
 * Retransmits the last handshake flight when the deadline has passed (the
 * timeout doubles, up to retransmit_max_ms; OpenSSL gives up after 12
 * timeouts of one flight: an ERROR event with CSCTP_ERR_DTLS_HANDSHAKE).
 * Returns 0 or a fatal error.
 */
CSCTP_EXTERN int csctp_dtls_handle_expiry(csctp_dtls *d, csctp_tstamp now);

/**
 * Sends `len` bytes (copied) as one application data record. Returns 0, or
 * CSCTP_ERR_INVALID_STATE (not connected), CSCTP_ERR_CLOSED,
 * CSCTP_ERR_MSG_TOO_LARGE (over csctp_dtls_data_mtu), CSCTP_ERR_WOULD_BLOCK
 * (too much output not yet pulled with write_datagram), CSCTP_ERR_NOMEM.
 */
CSCTP_EXTERN int csctp_dtls_send(csctp_dtls *d, const uint8_t *data, size_t len, csctp_tstamp now);

/**
 * Sends close_notify (write_datagram delivers it) and moves to CLOSED with a
 * CLOSED event. Returns 0 or CSCTP_ERR_INVALID_STATE (not connected).
 */
CSCTP_EXTERN int csctp_dtls_close(csctp_dtls *d, csctp_tstamp now);

/**
 * Largest application record that fits one datagram: the MTU minus the
 * record overhead of the negotiated cipher (before the handshake, of the
 * costliest allowed AEAD cipher: CSCTP_DTLS_MAX_RECORD_OVERHEAD).
 */
CSCTP_EXTERN size_t csctp_dtls_data_mtu(const csctp_dtls *d);

/**
 * Keeps the handshake's datagrams, and any datagram that joins several records,
 * within `mtu` bytes (OpenSSL's link MTU), while one application data record may
 * still fill the configured MTU (csctp_dtls_config.mtu): for path MTU discovery
 * (RFC 8899) above DTLS, where only a base size is known to cross the path and
 * the application probes for more (OpenSSL's MTU setting only fragments handshake
 * messages; it never limits an application record). Call it before the handshake
 * starts. Returns 0, CSCTP_ERR_INVALID_ARGUMENT (`d` NULL, `mtu` below 256 or
 * above the configured MTU), CSCTP_ERR_INVALID_STATE (the handshake has started,
 * or `d` was imported).
 */
CSCTP_EXTERN int csctp_dtls_set_handshake_mtu(csctp_dtls *d, size_t mtu);

/**
 * Gives back the buffers an idle endpoint does not need: the event queue,
 * when every event has been polled (up to 32 KiB once a record was read).
 * The next datagram or event allocates it again. Call it when the endpoint
 * has been idle for a while (csctp_peer does after 1 s); never needed for
 * correctness. Returns the bytes given back.
 */
CSCTP_EXTERN size_t csctp_dtls_trim(csctp_dtls *d);

/* ----------------------------------------------------------------------
 * Handover: moving a connected endpoint to another process, with the
 * association above it (csctp_assoc_handover_export(), sctp.h). The
 * session's master secret, the hello randoms, the cipher suite and the
 * sequence numbers both ways travel in an encrypted, authenticated blob;
 * the importing process protects and opens application data records itself
 * (AES-128/256-GCM or ChaCha20-Poly1305, the suites WebRTC stacks
 * negotiate), with no OpenSSL session, and the peer sees the same
 * connection go on. No handshake message can follow on either side (DTLS
 * 1.2 in WebRTC never renegotiates).
 * -------------------------------------------------------------------- */

/** Why an endpoint cannot be handed over now: the bits of csctp_dtls_handover_readiness(). */
typedef enum csctp_dtls_handover_reason {
  /** Not CONNECTED (handshake, closed, failed, or handed over already). */
  CSCTP_DTLS_HANDOVER_NOT_CONNECTED = 1 << 0,
  /** Server only: no application data from the client yet, so nothing shows that it
   *  received our last flight; a lost Finished would need OpenSSL to send it again. */
  CSCTP_DTLS_HANDOVER_UNCONFIRMED = 1 << 1,
  /** The negotiated suite is not one the importer can continue (see above). */
  CSCTP_DTLS_HANDOVER_CIPHER = 1 << 2,
  /** Datagrams not yet taken by csctp_dtls_write_datagram(). */
  CSCTP_DTLS_HANDOVER_OUTPUT = 1 << 3,
  /** Events not yet taken by csctp_dtls_poll_event(). */
  CSCTP_DTLS_HANDOVER_EVENTS = 1 << 4,
} csctp_dtls_handover_reason;

/** Length of every version-1 handover blob, bytes. */
#define CSCTP_DTLS_HANDOVER_SIZE 190

/**
 * Returns 0 when `d` may be handed over now (csctp_dtls_handover_export() would
 * succeed), else a bitmask of csctp_dtls_handover_reason (NOT_CONNECTED for `d`
 * NULL). Changes nothing.
 */
CSCTP_EXTERN int csctp_dtls_handover_readiness(const csctp_dtls *d);

/**
 * Exports the session of a connected endpoint into `buf` (`cap` bytes, the
 * caller's) and hands it over: from then on `d` writes nothing (no alert either),
 * ignores every datagram (counted in datagrams_in), refuses send and close with
 * CSCTP_ERR_INVALID_STATE, reports CSCTP_DTLS_STATE_CLOSED without an event and
 * is only good for csctp_dtls_del(). The blob (CSCTP_DTLS_HANDOVER_SIZE bytes):
 * magic "CSDT", version 1, `now` as its creation time and a random nonce in
 * clear; then, encrypted with AES-256-GCM under a key derived from `key`
 * (`key_len` >= CSCTP_HANDOVER_KEY_MIN bytes, only read during the call), the
 * role, the cipher suite, the SRTP profile, the master secret, both hello
 * randoms, the next sequence number we write and the replay window of what we
 * read; then the tag, which authenticates all of it. Whoever holds the key can
 * read and write the connection: keep the key secret. With `buf` NULL and `cap`
 * 0 it returns the size, changing nothing. Returns the blob's length, or
 * CSCTP_ERR_INVALID_ARGUMENT (`d` or `key` NULL, short key, `buf` NULL with
 * `cap` > 0), CSCTP_ERR_INVALID_STATE (readiness not 0), CSCTP_ERR_NOBUF,
 * CSCTP_ERR_RANDOM, CSCTP_ERR_CRYPTO; on error nothing changes.
 */
CSCTP_EXTERN csctp_ssize csctp_dtls_handover_export(csctp_dtls *d, const uint8_t *key,
                                                    size_t key_len, csctp_tstamp now, uint8_t *buf,
                                                    size_t cap);

/**
 * Creates, from a blob of csctp_dtls_handover_export() (`len` bytes, only read
 * during the call), a CONNECTED endpoint that goes on with the exported session:
 * csctp_dtls_send() protects records with the session's keys from the next
 * sequence number on, csctp_dtls_read_datagram() opens the peer's (records
 * already seen or older than the 64-record window are dropped and counted in
 * dropped_replay, records that do not authenticate in dropped_auth, handshake
 * records and other epochs in dropped_other), a close_notify from the peer
 * closes it (CLOSED event) and csctp_dtls_close() sends ours. No CONNECTED
 * event is queued. `cfg` (may be NULL: the defaults) gives the allocator, the
 * MTU and the log hook; its certificate, role and fingerprints are not needed
 * (the role comes from the blob). csctp_dtls_export_srtp_keys() answers from
 * the master secret as before. The tag is checked first, over every byte; then
 * the magic and version, the age (`now` minus the creation time at most
 * `max_age`, at most 1 s ahead: both processes on one clock), then every field.
 * Returns 0 and *pd (free with csctp_dtls_del), or CSCTP_ERR_INVALID_ARGUMENT
 * (NULL `pd`, `key` or `blob`, short key, a `cfg` refused as by
 * csctp_dtls_new() other than for its certificate), CSCTP_ERR_HANDOVER_AUTH
 * (wrong key, altered or truncated blob), CSCTP_ERR_HANDOVER_VERSION,
 * CSCTP_ERR_HANDOVER_STALE, CSCTP_ERR_MALFORMED (authentic but inconsistent),
 * CSCTP_ERR_NOMEM, CSCTP_ERR_CRYPTO; on error *pd is untouched.
 */
CSCTP_EXTERN int csctp_dtls_handover_import_versioned(csctp_dtls **pd, int config_version,
                                                      const csctp_dtls_config *cfg,
                                                      const uint8_t *key, size_t key_len,
                                                      const uint8_t *blob, size_t len,
                                                      csctp_tstamp now, csctp_tstamp max_age);
/** csctp_dtls_handover_import_versioned() with this header's csctp_dtls_config layout. */
#define csctp_dtls_handover_import(PD, CFG, KEY, KLEN, BLOB, LEN, NOW, AGE)                   \
  csctp_dtls_handover_import_versioned((PD), CSCTP_DTLS_CONFIG_VERSION, (CFG), (KEY), (KLEN), \
                                       (BLOB), (LEN), (NOW), (AGE))

/** Record header (13) + explicit nonce (8) + tag (16) of AES-GCM, the costliest AEAD we allow. */
#define CSCTP_DTLS_MAX_RECORD_OVERHEAD 37

/** The endpoint's state. */
CSCTP_EXTERN csctp_dtls_state csctp_dtls_get_state(const csctp_dtls *d);
/** The endpoint's role (from its config). */
CSCTP_EXTERN csctp_dtls_role csctp_dtls_get_role(const csctp_dtls *d);
/** The negotiated cipher's IANA name (static storage), or NULL before the handshake. */
CSCTP_EXTERN const char *csctp_dtls_get_cipher(const csctp_dtls *d);
/** The negotiated SRTP profile, or CSCTP_SRTP_NONE. */
CSCTP_EXTERN csctp_srtp_profile csctp_dtls_get_srtp_profile(const csctp_dtls *d);
/**
 * Copies the counters into *st, laid out as version `stats_version`. Returns
 * 0, or CSCTP_ERR_INVALID_ARGUMENT (a NULL argument, an unknown version)
 * writing nothing. Call it through csctp_dtls_get_stats().
 */
CSCTP_EXTERN int csctp_dtls_get_stats_versioned(const csctp_dtls *d, int stats_version,
                                                csctp_dtls_stats *st);
/** csctp_dtls_get_stats_versioned() with this header's csctp_dtls_stats layout. */
#define csctp_dtls_get_stats(D, ST) \
  csctp_dtls_get_stats_versioned((D), CSCTP_DTLS_STATS_VERSION, (ST))
/** A constant name for a state, e.g. "CONNECTED". */
CSCTP_EXTERN const char *csctp_dtls_state_name(csctp_dtls_state st);
/** A constant name for a TLS alert description, e.g. "bad certificate". */
CSCTP_EXTERN const char *csctp_dtls_alert_name(int alert);
/** A constant name for an SRTP profile, e.g. "SRTP_AEAD_AES_128_GCM"; "none". */
CSCTP_EXTERN const char *csctp_srtp_profile_name(csctp_srtp_profile p);

/* ------------------------------------------------------------------ DTLS-SRTP keys */

/** Longest SRTP master key of the supported profiles (AES-256-GCM). */
#define CSCTP_SRTP_MAX_KEY 32
/** Longest SRTP master salt of the supported profiles (AES-CM). */
#define CSCTP_SRTP_MAX_SALT 14

/**
 * The SRTP master keys and salts exported from the DTLS session (RFC 5764
 * §4.2: "EXTRACTOR-dtls_srtp", laid out client key, server key, client salt,
 * server salt). The client protects with client_*, the server with server_*.
 */
typedef struct csctp_srtp_keys {
  /** the negotiated protection profile */
  csctp_srtp_profile profile;
  csctp_dtls_role role; /**< the role of the endpoint that exported them */
  /** bytes used of each key and of each salt @{ */
  size_t key_len, salt_len;
  /** @} */
  /** master keys of the client and of the server, `key_len` bytes each @{ */
  uint8_t client_key[CSCTP_SRTP_MAX_KEY], server_key[CSCTP_SRTP_MAX_KEY];
  /** @} */
  /** master salts of the client and of the server, `salt_len` bytes each @{ */
  uint8_t client_salt[CSCTP_SRTP_MAX_SALT], server_salt[CSCTP_SRTP_MAX_SALT];
  /** @} */
} csctp_srtp_keys;

/**
 * Exports the SRTP keys of a connected endpoint. Returns 0, or
 * CSCTP_ERR_INVALID_STATE (not connected, or use_srtp not negotiated),
 * CSCTP_ERR_CRYPTO. The caller should wipe *keys when done.
 */
CSCTP_EXTERN int csctp_dtls_export_srtp_keys(const csctp_dtls *d, csctp_srtp_keys *keys);

/** Bytes of the master key of a profile (0 for unknown profiles). */
CSCTP_EXTERN size_t csctp_srtp_profile_key_len(csctp_srtp_profile p);
/** Bytes of the master salt of a profile (0 for unknown profiles). */
CSCTP_EXTERN size_t csctp_srtp_profile_salt_len(csctp_srtp_profile p);

/* ------------------------------------------------------------------ libsrtp helper */

/**
 * An outbound and an inbound libsrtp session keyed from csctp_srtp_keys: the
 * outbound one with our role's key and salt (any SSRC we send), the inbound
 * one with the peer's (any SSRC we receive). Each protects / unprotects both
 * RTP and RTCP. Like the rest of the layer it does no I/O; libsrtp's own
 * library initialisation (srtp_init) runs once per process.
 */
typedef struct csctp_srtp csctp_srtp;

/**
 * Creates the two sessions. Returns 0 and *ps (free with csctp_srtp_del), or
 * CSCTP_ERR_INVALID_ARGUMENT (unsupported profile), CSCTP_ERR_NOMEM,
 * CSCTP_ERR_CRYPTO (libsrtp failed).
 */
CSCTP_EXTERN int csctp_srtp_new(csctp_srtp **ps, const csctp_srtp_keys *keys, const csctp_mem *mem);

/** Frees both sessions. NULL is allowed. */
CSCTP_EXTERN void csctp_srtp_del(csctp_srtp *s);

/** Extra bytes protection may add (auth tag, SRTCP index): the room `cap` needs above `len`. */
#define CSCTP_SRTP_MAX_TRAILER 148

/**
 * Protects an RTP (`rtcp` 0) or RTCP (`rtcp` 1) packet in place: `pkt` holds
 * `len` bytes in a buffer of `cap`; the protected length is returned.
 * Returns CSCTP_ERR_NOBUF when cap < len + CSCTP_SRTP_MAX_TRAILER,
 * CSCTP_ERR_MALFORMED (not a valid packet), CSCTP_ERR_CRYPTO.
 */
CSCTP_EXTERN csctp_ssize csctp_srtp_protect(csctp_srtp *s, int rtcp, uint8_t *pkt, size_t len,
                                            size_t cap);

/**
 * Unprotects an SRTP (`rtcp` 0) or SRTCP (`rtcp` 1) packet in place and
 * returns the plain length. Returns CSCTP_ERR_MALFORMED for a packet that
 * fails authentication, is replayed or malformed (the caller drops it).
 */
CSCTP_EXTERN csctp_ssize csctp_srtp_unprotect(csctp_srtp *s, int rtcp, uint8_t *pkt, size_t len);

/** The libsrtp session (an srtp_t) for `outbound` 1 or inbound 0; owned by `s`. */
CSCTP_EXTERN void *csctp_srtp_session(csctp_srtp *s, int outbound);

/* ------------------------------------------------------------------ SCTP over DTLS */

/**
 * An SCTP association carried over a DTLS endpoint (RFC 8261): each SCTP
 * packet is one application data record, without IP addressing. The
 * association is created with the DTLS endpoint, so messages may be queued
 * at once; it is started when the handshake completes. Its MTU is the DTLS
 * MTU minus CSCTP_DTLS_MAX_RECORD_OVERHEAD (or the configured SCTP MTU if
 * smaller). The object has the engine's shape: datagrams in and out, SCTP
 * events polled, one expiry for both layers.
 */
typedef struct csctp_dtls_sctp csctp_dtls_sctp;

/**
 * Creates the DTLS endpoint from `dcfg` and the association from `scfg`
 * (both copied). With `passive` 0 both sides send INIT when the handshake
 * completes, as browsers do (the engine resolves the collision); with 1 only
 * the DTLS client does and the server waits for INIT. Returns 0 and *pt
 * (free with csctp_dtls_sctp_del) or the errors of csctp_dtls_new and
 * csctp_assoc_new.
 */
CSCTP_EXTERN int csctp_dtls_sctp_new_versioned(csctp_dtls_sctp **pt, int dtls_config_version,
                                               const csctp_dtls_config *dcfg, int config_version,
                                               const csctp_config *scfg, int passive);
/** csctp_dtls_sctp_new_versioned() with this header's config layouts. */
#define csctp_dtls_sctp_new(PT, DCFG, SCFG, PASSIVE)                                           \
  csctp_dtls_sctp_new_versioned((PT), CSCTP_DTLS_CONFIG_VERSION, (DCFG), CSCTP_CONFIG_VERSION, \
                                (SCFG), (PASSIVE))

/**
 * As csctp_dtls_sctp_new, over an association the caller already made (for
 * instance one whose messages and channels were queued before the remote
 * fingerprints, hence the DTLS role, were known). On success `t` owns
 * `assoc`: csctp_dtls_sctp_del frees it; on error it stays the caller's. Its
 * MTU (csctp_config.mtu) must be at most dcfg->mtu minus
 * CSCTP_DTLS_MAX_RECORD_OVERHEAD, or csctp_dtls_sctp_write_datagram returns
 * CSCTP_ERR_NOBUF. Errors: CSCTP_ERR_INVALID_ARGUMENT (a NULL argument, an
 * unknown `dtls_config_version`) and those of csctp_dtls_new.
 */
CSCTP_EXTERN int csctp_dtls_sctp_new_with_assoc_versioned(csctp_dtls_sctp **pt,
                                                          int dtls_config_version,
                                                          const csctp_dtls_config *dcfg,
                                                          csctp_assoc *assoc, int passive);
/** csctp_dtls_sctp_new_with_assoc_versioned() with this header's csctp_dtls_config layout. */
#define csctp_dtls_sctp_new_with_assoc(PT, DCFG, ASSOC, PASSIVE)                             \
  csctp_dtls_sctp_new_with_assoc_versioned((PT), CSCTP_DTLS_CONFIG_VERSION, (DCFG), (ASSOC), \
                                           (PASSIVE))

/**
 * Composes a CONNECTED endpoint and an ESTABLISHED association, both taken over
 * from another process (csctp_dtls_handover_import(), csctp_assoc_handover_import()
 * or csctp_dc_handover_import()): no handshake and no INIT follow, records go
 * straight to the association. On success both belong to `*pt` (csctp_dtls_sctp_del
 * frees them); on error they stay the caller's. The association's MTU must fit one
 * record (csctp_dtls_data_mtu()). Returns 0, CSCTP_ERR_INVALID_ARGUMENT (a NULL
 * argument, an endpoint not CONNECTED) or CSCTP_ERR_NOMEM.
 */
CSCTP_EXTERN int csctp_dtls_sctp_new_connected(csctp_dtls_sctp **pt, csctp_dtls *dtls,
                                               csctp_assoc *assoc);

/** Frees the association and the DTLS endpoint. NULL is allowed. */
CSCTP_EXTERN void csctp_dtls_sctp_del(csctp_dtls_sctp *t);

/** Starts the DTLS handshake (csctp_dtls_start). */
CSCTP_EXTERN int csctp_dtls_sctp_start(csctp_dtls_sctp *t, csctp_tstamp now);

/**
 * Processes one inbound datagram: DTLS records, then the SCTP packets they
 * carry. Returns 0 or a fatal error.
 */
CSCTP_EXTERN int csctp_dtls_sctp_read_datagram(csctp_dtls_sctp *t, const uint8_t *data, size_t len,
                                               csctp_tstamp now);

/**
 * Writes the next outbound datagram into `buf` (DTLS handshake output first,
 * then SCTP packets, each in its own record). Returns its length, 0 when
 * nothing is due, CSCTP_ERR_NOBUF when `cap` is below the DTLS MTU.
 */
CSCTP_EXTERN csctp_ssize csctp_dtls_sctp_write_datagram(csctp_dtls_sctp *t, uint8_t *buf,
                                                        size_t cap, csctp_tstamp now);

/*
 * A layer that owns the association's events (a csctp_dc attached to
 * csctp_dtls_sctp_assoc()) polls them itself, with csctp_dc_poll_event, in
 * place of csctp_dtls_sctp_poll_event; the datagram, expiry and DTLS event
 * calls stay the same. Output that such a layer or the application queues
 * while handling events goes out with the next write_datagram calls: a caller
 * handling a long run of events may write between them to keep the wire busy.
 */
/** Takes the next SCTP event of the association (csctp_assoc_poll_event). */
CSCTP_EXTERN int csctp_dtls_sctp_poll_event(csctp_dtls_sctp *t, csctp_event *ev);

/**
 * Takes the next DTLS event other than DATA (CONNECTED, CLOSED, ERROR): 1
 * when stored, 0 when none. A DTLS failure does not close the association by
 * itself; the caller decides (usually csctp_assoc_abort or deletion).
 */
CSCTP_EXTERN int csctp_dtls_sctp_poll_dtls_event(csctp_dtls_sctp *t, csctp_dtls_event *ev);

/** The earlier of the DTLS and SCTP deadlines, or CSCTP_TSTAMP_NONE. */
CSCTP_EXTERN csctp_tstamp csctp_dtls_sctp_expiry(const csctp_dtls_sctp *t);

/** Runs the due timers of both layers. Returns 0 or a fatal error. */
CSCTP_EXTERN int csctp_dtls_sctp_handle_expiry(csctp_dtls_sctp *t, csctp_tstamp now);

/**
 * Ends the DTLS side: close_notify when the handshake has completed
 * (csctp_dtls_close; write_datagram delivers it and a CLOSED event follows
 * through csctp_dtls_sctp_poll_dtls_event), and from now on a handshake that
 * completes starts no association. For after the association closed (its
 * CSCTP_EVENT_CLOSED), or in place of an SCTP SHUTDOWN when the association
 * never came up. Returns 0, or CSCTP_ERR_INVALID_STATE when DTLS was not
 * connected (only the second part then applies).
 */
CSCTP_EXTERN int csctp_dtls_sctp_close(csctp_dtls_sctp *t, csctp_tstamp now);

/**
 * SNAP (draft-hancke-tsvwg-snap): when the DTLS handshake completes, the
 * association enters ESTABLISHED from the peer's INIT chunk `init` (`len`
 * bytes, from its description's a=sctp-init) with
 * csctp_assoc_snap_establish() instead of sending an INIT. The peer must have
 * been given ours (csctp_assoc_snap_init() on the association). Should the
 * association refuse it then (our own INIT handed back), an INIT is sent as
 * without SNAP. Copies `init`. Call before the handshake completes. Returns 0,
 * CSCTP_ERR_MALFORMED (csctp_snap_init_check() refuses it),
 * CSCTP_ERR_INVALID_STATE (the handshake has completed),
 * CSCTP_ERR_INVALID_ARGUMENT, CSCTP_ERR_NOMEM.
 */
CSCTP_EXTERN int csctp_dtls_sctp_set_snap(csctp_dtls_sctp *t, const uint8_t *init, size_t len);

/**
 * SCTP packets the DTLS endpoint refused on their way out (csctp_dtls_send
 * failed, e.g. CSCTP_ERR_WOULD_BLOCK): lost like a datagram on the wire,
 * SCTP retransmits them.
 */
CSCTP_EXTERN uint64_t csctp_dtls_sctp_get_packets_dropped(const csctp_dtls_sctp *t);

/** The association (owned by `t`): send, shutdown, stats, ... through sctp.h. */
CSCTP_EXTERN csctp_assoc *csctp_dtls_sctp_assoc(csctp_dtls_sctp *t);

/** The DTLS endpoint (owned by `t`): fingerprints, SRTP keys, stats; do not read or poll it. */
CSCTP_EXTERN csctp_dtls *csctp_dtls_sctp_dtls(csctp_dtls_sctp *t);

/**
 * Writes every SCTP packet the association reads (after decryption) and writes (before
 * encryption) to `cap` (sctp.h's capture file; NULL stops). `cap` stays the caller's: it
 * must outlive `t` or be unset first. When the file reaches its size limit, one WARN line
 * in the DTLS category says so. The peer (peer.h) sets one when CSCTP_CAPTURE is set.
 */
CSCTP_EXTERN void csctp_dtls_sctp_set_capture(csctp_dtls_sctp *t, csctp_capture *cap);

#ifdef __cplusplus
}
#endif

#endif
