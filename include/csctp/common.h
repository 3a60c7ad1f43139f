/* SPDX-License-Identifier: MIT */
/**
 * @file
 * csctp — common definitions shared by every layer: error codes, time,
 * allocator hooks and logging.
 *
 * Thread safety: nothing here keeps state. csctp_strerror(), csctp_err_is_fatal(),
 * csctp_mem_default(), csctp_log_mask_parse() and csctp_version() may be called
 * from any thread at any time. The library as a whole holds no global mutable
 * state, with two exceptions that are safe from any thread: socket.h's
 * process-wide csctp_defaults() (behind a lock) and the one-time initialisation
 * of libsrtp by csctp_srtp_new() (dtls.h, pthread_once). Each header says how
 * its own objects may be shared between threads.
 */
#ifndef CSCTP_COMMON_H
#define CSCTP_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <csctp/version.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @def CSCTP_EXTERN
 * Marks the functions a library exports: empty for the users of the headers
 * (and with CSCTP_STATIC, which the static libraries' CMake targets define),
 * default visibility while the library itself is built (BUILDING_CSCTP),
 * where every other symbol is hidden.
 */
#if defined(CSCTP_STATIC)
#define CSCTP_EXTERN
#elif defined(BUILDING_CSCTP)
#define CSCTP_EXTERN __attribute__((visibility("default")))
#else
#define CSCTP_EXTERN
#endif

/**
 * Time in microseconds on a monotonic clock chosen by the caller. Every
 * function of the library that needs the time takes it as an argument; the
 * library never reads a clock itself.
 */
typedef uint64_t csctp_tstamp;

/** A deadline that never comes: returned by expiry functions when no timer runs. */
#define CSCTP_TSTAMP_NONE UINT64_MAX
/** Microseconds in one millisecond. */
#define CSCTP_MILLISECONDS ((csctp_tstamp)1000)
/** Microseconds in one second. */
#define CSCTP_SECONDS ((csctp_tstamp)1000000)

/** Signed size: a length, or a negative csctp_error. */
typedef ptrdiff_t csctp_ssize;

/**
 * Errors returned to the caller. 0 is success; every error is negative, and
 * no public function returns a negative errno or a bare -1.
 *
 * Errors above CSCTP_ERR_FATAL refuse one call (the object is unchanged and
 * stays usable) or report a lower layer the OS refused (nothing was created).
 * Errors at or below CSCTP_ERR_FATAL (csctp_err_is_fatal) say that the
 * object that returned or reported them is finished: it failed (memory,
 * cryptography) or its connection ended (DTLS, ICE, the peer's ABORT, a
 * timeout, an unreachable peer, a protocol violation); only its deletion is
 * left. Bad input from the network is never reported through these: it is
 * dropped or answered as the RFC says and counted in the statistics; that a
 * connection ended because of it is reported by the layer above the engine
 * (csctp_socket's error event, csctp_peer's FAILED state).
 */
typedef enum csctp_error {
  CSCTP_OK = 0,
  /** An argument is out of range or NULL where it may not be. */
  CSCTP_ERR_INVALID_ARGUMENT = -201,
  /** The object is in a state where this call is not allowed. */
  CSCTP_ERR_INVALID_STATE = -202,
  /** A stream identifier outside the negotiated range. */
  CSCTP_ERR_STREAM_ID = -203,
  /** A message larger than the configured or negotiated maximum. */
  CSCTP_ERR_MSG_TOO_LARGE = -204,
  /** The send buffer is full: try again after a send-buffer-low event. */
  CSCTP_ERR_WOULD_BLOCK = -205,
  /** The buffer given by the caller is too small. */
  CSCTP_ERR_NOBUF = -206,
  /** The association is shutting down or closed: no new data accepted. */
  CSCTP_ERR_CLOSED = -207,
  /** The random-bytes callback failed. */
  CSCTP_ERR_RANDOM = -208,
  /** A packet or message from the network is malformed (internal use). */
  CSCTP_ERR_MALFORMED = -209,
  /** The OS refused the local address: in use (EADDRINUSE). */
  CSCTP_ERR_ADDRESS_IN_USE = -210,
  /** The OS refused the operation for lack of privilege (EPERM, EACCES: raw IP
   *  sockets need root or CAP_NET_RAW). */
  CSCTP_ERR_PERMISSION = -211,
  /** Another OS socket call failed (the accompanying message names it and its errno). */
  CSCTP_ERR_SOCKET = -212,
  /** The process is out of file descriptors (EMFILE, ENFILE): raise RLIMIT_NOFILE
   *  (`ulimit -n`), or create fewer peers. Nothing was created. */
  CSCTP_ERR_NO_DESCRIPTORS = -213,
  /** A handover blob failed its authentication: wrong key, or altered or truncated
   *  bytes (csctp_assoc_handover_import). Nothing was created. */
  CSCTP_ERR_HANDOVER_AUTH = -214,
  /** A handover blob is older than the age allowed, or made in the future. Nothing was
   *  created. */
  CSCTP_ERR_HANDOVER_STALE = -215,
  /** A handover blob of a format version this library does not read. Nothing was created. */
  CSCTP_ERR_HANDOVER_VERSION = -216,
  /** Threshold: this and lower values are fatal. */
  CSCTP_ERR_FATAL = -500,
  /** Memory allocation failed. */
  CSCTP_ERR_NOMEM = -501,
  /** A cryptographic primitive failed. */
  CSCTP_ERR_CRYPTO = -502,
  /** DTLS: the handshake failed (no common cipher or version, timeout, bad message). */
  CSCTP_ERR_DTLS_HANDSHAKE = -503,
  /** DTLS: the peer's certificate matches none of the expected fingerprints. */
  CSCTP_ERR_FINGERPRINT = -504,
  /** DTLS: the peer sent a fatal alert (the event carries its description). */
  CSCTP_ERR_DTLS_ALERT = -505,
  /** ICE: no candidate pair worked, the connect timeout passed or consent was lost. */
  CSCTP_ERR_ICE_FAILED = -506,
  /** The peer did not answer in time (INIT, retransmissions, a connect timeout). */
  CSCTP_ERR_TIMEOUT = -507,
  /** The peer's host is unreachable or runs no SCTP there (ICMP unreachable). */
  CSCTP_ERR_UNREACHABLE = -508,
  /** The peer aborted the association (an ABORT chunk). */
  CSCTP_ERR_PEER_ABORT = -509,
  /** We aborted the association: the peer violated the protocol or exceeded a limit. */
  CSCTP_ERR_PROTOCOL = -510,
} csctp_error;

/**
 * Returns a constant, human-readable description of an error code (never NULL;
 * unknown codes give "unknown error").
 */
CSCTP_EXTERN const char *csctp_strerror(int err);

/**
 * Returns 1 when `err` is at or below CSCTP_ERR_FATAL (the object that
 * returned or reported it is finished: delete it), else 0 (0 itself, any
 * other error, and non-negative values such as lengths).
 */
CSCTP_EXTERN int csctp_err_is_fatal(int err);

/*
 * Versioned structs (the scheme of ngtcp2). Configuration and statistics
 * structs that a later release may extend (csctp_config, csctp_stats,
 * csctp_endpoint_stats, csctp_dc_config, csctp_dc_stats, csctp_dtls_config,
 * csctp_dtls_stats, csctp_ice_config, csctp_peer_config, csctp_connect_opts)
 * each have a layout version: CSCTP_<NAME>_V1, ... and CSCTP_<NAME>_VERSION,
 * the one the header describes. The functions that read or fill such a struct
 * take the version of the caller's layout (csctp_assoc_new_versioned(),
 * csctp_assoc_get_stats_versioned(), ...); the usual names are macros that
 * pass the header's version, so code calls csctp_assoc_new(&a, &cfg) as it
 * always did. A later release only appends fields, under a new version: a
 * program built against an older header keeps working with the newer
 * library, which reads and writes only the fields that program knows and
 * takes defaults for the rest. An unknown version is CSCTP_ERR_INVALID_ARGUMENT.
 */

/**
 * The version of the running library, from csctp_version(). The structure may
 * grow at its end in later versions; `age` (CSCTP_VERSION_AGE) says how many
 * fields it has.
 */
typedef struct csctp_info {
  /** Age of the structure: 1 has the fields below. */
  int age;
  /** Version of the library as 0xMMmmpp, like CSCTP_VERSION_NUM. */
  int version_num;
  /** Version of the library as "MAJOR.MINOR.PATCH", like CSCTP_VERSION. */
  const char *version_str;
} csctp_info;

/**
 * Returns the version of the running library (static storage, never to be
 * freed), or NULL when it is older than `least_version` (0xMMmmpp, e.g.
 * CSCTP_VERSION_NUM: the version a program was compiled against). 0 always
 * returns the structure. The headers' version is CSCTP_VERSION (version.h);
 * the shared library loaded at run time may differ from it.
 */
CSCTP_EXTERN const csctp_info *csctp_version(int least_version);

/**
 * Allocator hooks. Every object created by the library stores a pointer to
 * the csctp_mem it was created with and allocates only through it; the
 * structure must outlive those objects.
 */
typedef struct csctp_mem {
  /** Passed unchanged as the last argument of each hook. */
  void *user_data;
  /** Like malloc(3): `size` bytes, or NULL. */
  void *(*malloc)(size_t size, void *user_data);
  /** Like free(3): `ptr` from these hooks, or NULL. */
  void (*free)(void *ptr, void *user_data);
  /** Like calloc(3): `nmemb` * `size` zeroed bytes, or NULL. */
  void *(*calloc)(size_t nmemb, size_t size, void *user_data);
  /** Like realloc(3): `ptr` (or NULL) resized to `size`, or NULL with `ptr` untouched. */
  void *(*realloc)(void *ptr, size_t size, void *user_data);
} csctp_mem;

/** Returns the allocator that uses libc's malloc family (static storage). */
CSCTP_EXTERN const csctp_mem *csctp_mem_default(void);

/** Log categories, one bit each. */
typedef enum csctp_log_category {
  CSCTP_LOG_SCTP = 1u << 0,
  CSCTP_LOG_DTLS = 1u << 1,
  CSCTP_LOG_ICE = 1u << 2,
  CSCTP_LOG_DC = 1u << 3,
  CSCTP_LOG_PEER = 1u << 4,
  CSCTP_LOG_ALL = 0xffffffffu,
} csctp_log_category;

/**
 * Log levels, most severe first. A line of level L passes a threshold T when
 * L <= T: a threshold of CSCTP_LOG_WARN lets ERROR and WARN lines through.
 */
typedef enum csctp_log_level {
  /** An association, handshake, agent or peer ends in failure. */
  CSCTP_LOG_ERROR = 0,
  /** Input from the network dropped (e.g. a packet with a wrong verification tag), a refusal, a
   * retry or retransmission. */
  CSCTP_LOG_WARN = 1,
  /** A state change (e.g. COOKIE-ECHOED -> ESTABLISHED) or a negotiated parameter. */
  CSCTP_LOG_INFO = 2,
  /** Detail per packet, chunk or candidate. */
  CSCTP_LOG_DEBUG = 3,
} csctp_log_level;

/** Number of levels: the size of the `log_levels` arrays of the config structs. */
#define CSCTP_LOG_LEVELS 4

/**
 * Logging hook: receives one line of text (no trailing newline), its category
 * (one csctp_log_category bit) and its level. It must not call back into the
 * library. `text` is valid only during the call. Lines are filtered before they
 * are formatted: the hook sees only those its config lets through.
 */
typedef void (*csctp_log_fn)(uint32_t category, csctp_log_level level, const char *text,
                             void *user_data);

/**
 * Returns the name of a level as CSCTP_DEBUG spells it ("error", "warn",
 * "info", "debug"), or "?" for a value out of range (static storage).
 */
CSCTP_EXTERN const char *csctp_log_level_name(csctp_log_level level);

/**
 * Parses a category list such as "sctp,dtls" or "*" (the format of the
 * CSCTP_DEBUG environment variable) into a mask of csctp_log_category bits.
 * An item may carry a level, "sctp:info" (see csctp_log_levels_parse()); it
 * counts here as its category. Names match in any case. Unknown names and
 * items with an unknown level are ignored; NULL or "" gives 0. The library
 * never reads the environment itself: the caller passes getenv("CSCTP_DEBUG").
 */
CSCTP_EXTERN uint32_t csctp_log_mask_parse(const char *spec);

/**
 * Parses the same list into per-level masks for the `log_levels` field of the
 * config structs: `levels[L]` receives the categories whose lines of level L are
 * logged. An item without a level ("sctp", "*") logs every level of its
 * categories, as before levels existed; "sctp:warn" logs ERROR and WARN lines;
 * the level names are error, warn, info and debug (any case). Items apply in
 * order, so "*:warn,sctp:debug" gives SCTP at every level and the others at
 * WARN. Unknown names and items with an unknown level are ignored. `levels` is
 * overwritten (all zero for NULL or "").
 */
CSCTP_EXTERN void csctp_log_levels_parse(const char *spec, uint32_t levels[CSCTP_LOG_LEVELS]);

/**
 * Sets the threshold of `categories` in `levels` (a config's `log_levels`): their
 * lines of level `threshold` and more severe are logged, less severe ones are not.
 * Other categories are left as they are.
 */
CSCTP_EXTERN void csctp_log_levels_set(uint32_t levels[CSCTP_LOG_LEVELS], uint32_t categories,
                                       csctp_log_level threshold);

#ifdef __cplusplus
}
#endif

#endif
