/* SPDX-License-Identifier: MIT */
/**
 * @file
 * csctp — the SCTP association engine (RFC 9260), sans-IO.
 *
 * The engine never reads a clock, opens a socket, starts a thread or calls
 * back into the application. The caller:
 *   - feeds inbound SCTP packets with csctp_assoc_read_packet(),
 *   - pulls outbound packets into its own buffers with
 *     csctp_assoc_write_packet() until it returns 0,
 *   - polls events with csctp_assoc_poll_event() until it returns 0,
 *   - asks for the next deadline with csctp_assoc_expiry() and calls
 *     csctp_assoc_handle_expiry() when it has passed.
 * Any function may be called from anywhere, including while handling an event.
 *
 * Thread safety: the engine has no global state, no locks and no threads. An
 * object (a csctp_assoc, or a csctp_endpoint together with the associations it
 * owns) is used by one thread at a time: calls on one object are never made
 * concurrently, but the object may move between threads between calls (e.g. in
 * a pool of workers, with the caller's own hand-over). Different objects may be
 * used on different threads at the same time. Associations that share one
 * csctp_rx_budget count as one object. The functions that take no object
 * (csctp_config_default(), csctp_assoc_state_name(), ...) may be called from any
 * thread.
 */
#ifndef CSCTP_SCTP_H
#define CSCTP_SCTP_H

#include <csctp/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Payload protocol identifiers (IANA registry); WebRTC uses 50-57. */
enum {
  CSCTP_PPID_NONE = 0,
  CSCTP_PPID_IUA = 1,
  CSCTP_PPID_M2UA = 2,
  CSCTP_PPID_M3UA = 3,
  CSCTP_PPID_SUA = 4,
  CSCTP_PPID_M2PA = 5,
  CSCTP_PPID_V5UA = 6,
  CSCTP_PPID_H248 = 7,
  CSCTP_PPID_BICC = 8,
  CSCTP_PPID_TALI = 9,
  CSCTP_PPID_DUA = 10,
  CSCTP_PPID_ASAP = 11,
  CSCTP_PPID_ENRP = 12,
  CSCTP_PPID_H323 = 13,
  CSCTP_PPID_QIPC = 14,
  CSCTP_PPID_SIMCO = 15,
  CSCTP_PPID_DDP_SEGMENT = 16,
  CSCTP_PPID_DDP_STREAM = 17,
  CSCTP_PPID_S1AP = 18,
  CSCTP_PPID_RUA = 19,
  CSCTP_PPID_HNBAP = 20,
  CSCTP_PPID_FORCES_HP = 21,
  CSCTP_PPID_FORCES_MP = 22,
  CSCTP_PPID_FORCES_LP = 23,
  CSCTP_PPID_SBC_AP = 24,
  CSCTP_PPID_NBAP = 25,
  CSCTP_PPID_X2AP = 27,
  CSCTP_PPID_IRCP = 28,
  CSCTP_PPID_LCS_AP = 29,
  CSCTP_PPID_MPICH2 = 30,
  CSCTP_PPID_SABP = 31,
  CSCTP_PPID_FGP = 32,
  CSCTP_PPID_PPP = 33,
  CSCTP_PPID_CALCAPP = 34,
  CSCTP_PPID_SSP = 35,
  CSCTP_PPID_NPMP_CONTROL = 36,
  CSCTP_PPID_NPMP_DATA = 37,
  CSCTP_PPID_ECHO = 38,
  CSCTP_PPID_DISCARD = 39,
  CSCTP_PPID_DAYTIME = 40,
  CSCTP_PPID_CHARGEN = 41,
  CSCTP_PPID_3GPP_RNA = 42,
  CSCTP_PPID_3GPP_M2AP = 43,
  CSCTP_PPID_3GPP_M3AP = 44,
  CSCTP_PPID_SSH = 45,
  CSCTP_PPID_DIAMETER = 46,
  CSCTP_PPID_DIAMETER_DTLS = 47,
  CSCTP_PPID_R14P = 48,
  CSCTP_PPID_WEBRTC_DCEP = 50,
  CSCTP_PPID_WEBRTC_STRING = 51,
  CSCTP_PPID_WEBRTC_BINARY_PARTIAL = 52, /* deprecated */
  CSCTP_PPID_WEBRTC_BINARY = 53,
  CSCTP_PPID_WEBRTC_STRING_PARTIAL = 54, /* deprecated */
  CSCTP_PPID_WEBRTC_STRING_EMPTY = 56,
  CSCTP_PPID_WEBRTC_BINARY_EMPTY = 57,
};

/** Random-bytes source: fill `buf` with `len` bytes; return 0 or non-zero on failure. */
typedef int (*csctp_rand_fn)(uint8_t *buf, size_t len, void *user_data);

/** Length of the per-endpoint secret that signs state cookies. */
#define CSCTP_COOKIE_SECRET_LEN 32

/**
 * A receive-memory budget shared by several associations (an endpoint's, or
 * one the application sets in the config of its own associations): the most
 * bytes all of them together may hold for reassembly and out-of-order data.
 * Each association charges what it holds to `used` and gives it back when it
 * is delivered, dropped or the association is freed; DATA whose payload would
 * take `used` past `limit` is dropped (counted in csctp_stats.drop_rx_budget)
 * and the peer sends it again. The chunk taken last may carry `used` past
 * `limit` by its own bookkeeping (a fragment node, or the growth of the buffer
 * a message is assembled in: at most max_message_size), never further. Not thread-safe: the
 * associations sharing one budget are driven from one thread. Owned by the caller; it must outlive
 * every association that uses it.
 */
typedef struct csctp_rx_budget {
  size_t limit; /**< most bytes held in all; 0 = no limit */
  size_t used;  /**< bytes held now (maintained by the associations) */
  size_t peak;  /**< highest `used` seen */
} csctp_rx_budget;

/**
 * A peer address as the caller names it: opaque bytes compared with memcmp
 * (e.g. a struct in_addr or in6_addr). The endpoint only stores and returns
 * it. Over UDP, either leave the UDP port out or put it last and declare its
 * length with csctp_endpoint_set_addr_port_len, so that a peer whose UDP port
 * changes (RFC 6951 §5) is still recognised.
 */
typedef struct csctp_addr {
  uint8_t len; /**< bytes used in `data`, at most 28 */
  /** the address, `len` bytes, the rest unused */
  uint8_t data[28];
} csctp_addr;

/**
 * Association configuration. Start from csctp_config_default() and change
 * what you need. Durations are in milliseconds and named after Linux's
 * net.sctp sysctls.
 */
typedef struct csctp_config {
  uint16_t local_port;          /**< our SCTP port (default 5000) */
  uint16_t remote_port;         /**< the peer's SCTP port (default 5000) */
  uint16_t outbound_streams;    /**< OS we request (default 65535) */
  uint16_t max_inbound_streams; /**< MIS we accept (default 65535) */
  uint32_t rwnd;                /**< receive window, bytes (default 1 MiB); at least
                                     max_message_size unless partial_delivery_point is
                                     set, since a message is otherwise handed out whole
                                     and must fit in the window */
  uint32_t sndbuf;              /**< send buffer, bytes (default 1 MiB) */
  uint32_t max_message_size;    /**< largest message sent or received (default 256 KiB) */
  /**
   * Partial delivery point (RFC 9260 §6.9, RFC 6458 SCTP_PARTIAL_DELIVERY_POINT),
   * bytes; 0 (the default) = off: every message is handed out whole. When set,
   * a message that is next in line for delivery but not yet complete is handed
   * out in pieces (CSCTP_EVENT_MESSAGE with CSCTP_MSG_MORE) once at least this
   * many of its bytes have arrived in order, or sooner when the window is nearly
   * full, so rwnd may be smaller than max_message_size: what the association
   * holds stays bounded by the window, however large the message. Values above
   * rwnd / 2 act as rwnd / 2.
   */
  uint32_t partial_delivery_point;
  uint32_t mtu;                     /**< largest SCTP packet written, bytes (default 1200) */
  uint32_t rto_initial;             /**< default 3000 */
  uint32_t rto_min;                 /**< default 1000 */
  uint32_t rto_max;                 /**< default 60000 */
  uint32_t sack_timeout;            /**< delayed SACK, default 200 */
  uint32_t sack_freq;               /**< packets per SACK, default 2 */
  uint32_t max_burst;               /**< packets per write opportunity, default 4 */
  uint32_t association_max_retrans; /**< default 10 */
  uint32_t max_init_retransmits;    /**< default 8 */
  uint32_t valid_cookie_life;       /**< default 60000 */
  uint32_t hb_interval; /**< heartbeat interval on an idle path, default 30000; 0 = off */
  int no_bundle;        /**< never bundle DATA with control chunks */
  /** Random bytes for tags, initial TSNs and the cookie secret. Required. */
  csctp_rand_fn rand;
  /** Passed unchanged to `rand`. */
  void *rand_user_data;
  /**
   * Optional cookie-signing secret shared by the associations of one
   * endpoint (CSCTP_COOKIE_SECRET_LEN bytes, copied at creation); when NULL
   * the association draws its own from `rand`.
   */
  const uint8_t *cookie_secret;
  const csctp_mem *mem; /**< allocator; NULL = csctp_mem_default() */
  csctp_log_fn log;     /**< optional logging hook */
  /** Passed unchanged to `log`. */
  void *log_user_data;
  uint32_t log_mask; /**< categories passed to `log` */
  /**
   * RFC 9653 zero checksum: the Error Detection Method Identifier of the
   * lower layer that already protects every packet, announced in the Zero
   * Checksum Acceptable parameter of our INIT and INIT ACK. 0
   * (CSCTP_EDMID_NONE, the default) announces nothing and keeps CRC32c on
   * every packet. CSCTP_EDMID_DTLS (1) only when the packets travel inside
   * DTLS (RFC 8261), as in a WebRTC peer: never over raw IP or UDP. Once
   * announced, a zero checksum is accepted from the peer (RFC 9653 §5.3);
   * packets are sent with a zero checksum only when the peer announced the
   * same identifier (§5.2), except those the RFC keeps on CRC32c.
   */
  uint32_t zero_checksum_edmid;
  /**
   * Optional receive-memory budget shared with other associations (see
   * csctp_rx_budget); NULL = only this association's own window bounds it.
   * An endpoint sets its own here for the associations it creates.
   */
  csctp_rx_budget *rx_budget;
  /**
   * Optional: per level, the categories logged at that level (csctp_log_levels_parse(),
   * csctp_log_levels_set()). A line reaches `log` when its category is in `log_mask` and, unless
   * this array is all zero (the default: every level), in `log_levels[level]`.
   */
  uint32_t log_levels[CSCTP_LOG_LEVELS];
  /* Version 2: */
  /**
   * User message interleaving (RFC 8260): non-zero announces I-DATA, and
   * I-FORWARD-TSN with PR-SCTP, in INIT / INIT ACK. Messages are then sent and
   * received as I-DATA when the peer lists them too, so that a small message
   * on one stream need not wait behind a large one on another; DATA otherwise.
   * Default 0 (the WebRTC peer sets 1).
   */
  int interleaving;
  /** The send scheduler, a csctp_sched (default CSCTP_SCHED_WFQ). */
  int scheduler;
  /* Version 3: */
  /**
   * Packetization Layer Path MTU Discovery (RFC 8899 §6.2): the largest SCTP
   * packet to probe for, in bytes (common header included, the headers below
   * SCTP not); 0 (the default) = off, every packet fits `mtu`. When set (at
   * least `mtu`, at most 65535), `mtu` is the BASE_PLPMTU the association
   * starts from and confirms, then larger sizes are probed with HEARTBEATs
   * padded by a PAD chunk (RFC 4820), at most one probe in flight, and packets
   * grow to the largest size acknowledged (csctp_assoc_get_pmtu()). Data that
   * stops being acknowledged (two retransmission timeouts in a row without
   * progress) sends the size back to `mtu` and the search starts again. The
   * buffer given to csctp_assoc_write_packet() must then hold `plpmtud_max`
   * bytes, and every packet is sent with IP fragmentation forbidden (IPv4 DF,
   * the probes must find the path's limit) except those
   * csctp_assoc_packet_fragmentable() names. The WebRTC peer leaves it off.
   */
  uint32_t plpmtud_max;
  /** RFC 8899 PROBE_TIMER: how long a probe may go unanswered, ms (default 15000, at
   *  least 1000); a size fails after 3 unanswered probes (MAX_PROBES). */
  uint32_t plpmtud_probe_timer;
  /** RFC 8899 PMTU_RAISE_TIMER: the wait before looking for a larger size again once the
   *  search is complete, ms (default 600000, at least 1000). */
  uint32_t plpmtud_raise_timer;
  /**
   * Non-zero performs the peer's SSN/TSN Reset Request (RFC 6525 §5.2.4, the reset of the
   * whole association: every stream's sequence numbers and the TSNs, both ways) once nothing
   * of ours is in flight; 0, the default (and the WebRTC profile's), answers it Denied.
   * Our own request of it does not depend on this.
   */
  int accept_assoc_reset;
  /**
   * Authenticated chunks (RFC 4895): non-zero puts a 32-byte RANDOM, a CHUNKS
   * list (the types set in `auth_chunks`) and an HMAC-ALGO list (`auth_hmac`)
   * in our INIT and INIT ACK. AUTH is in use when the peer sends all three
   * too: every chunk of a type the peer listed then goes after an AUTH chunk,
   * and a chunk of a type we listed is taken only after a valid AUTH in the
   * same packet (others are dropped, csctp_stats.auth_drop_missing). The
   * shared keys are set with csctp_assoc_auth_set_key(); key 0, the empty
   * key, exists from the start and is the active one. Default 0: nothing is
   * announced and no packet pays anything for it.
   */
  int auth;
  /**
   * The chunk types we ask the peer to authenticate, as a bit set: type t is
   * bit (t % 8) of byte t / 8 (set them with CSCTP_AUTH_CHUNK_SET). INIT,
   * INIT ACK, SHUTDOWN COMPLETE and AUTH are never listed (RFC 4895 §3.2).
   * Default: none.
   */
  uint8_t auth_chunks[32];
  /** The HMAC-ALGO list we send, a csctp_auth_hmac (default CSCTP_AUTH_HMAC_SHA256_SHA1; another
   *  value makes csctp_assoc_new() fail with CSCTP_ERR_INVALID_ARGUMENT). */
  int auth_hmac;
  /* Version 4: */
  /**
   * Explicit Congestion Notification (RFC 9260 Appendix A, draft-stewart-tsvwg-sctpecn):
   * non-zero puts the ECN Capable parameter in our INIT and INIT ACK. ECN is in use when the
   * peer sends it too: packets with new DATA may then leave marked ECT(0)
   * (csctp_assoc_packet_ecn() says which), a DATA packet that arrived marked CE
   * (csctp_assoc_read_packet_ecn()) is echoed in ECNE chunks until the peer's CWR, and the
   * peer's ECNE halves our congestion window at most once per window of data, without a
   * retransmission. Only over raw IP or UDP, where the caller reads and writes the IP header's
   * ECN field. Default 0, as in the WebRTC profile: nothing is announced or marked.
   */
  int ecn;
  /* Version 4, continued: multi-homing (RFC 9260 §6.4, §8) */
  /**
   * Peer transport addresses (paths) the association may use, 1 to CSCTP_PATHS_MAX. Default 1:
   * single-homed, as before: no address listed in INIT / INIT ACK, the peer's ignored. With more,
   * the association learns the peer's addresses (the source of its packets and the IPv4/IPv6
   * Address parameters of its INIT or INIT ACK, up to max_paths), verifies each new one with a
   * HEARTBEAT before anything else goes there (§5.4), sends new data to the primary path while
   * it is active and retransmits to another active path (§6.4), and marks a path inactive after
   * path_max_retrans unanswered retransmissions or heartbeats in a row (§8.2). Addresses reach
   * it through the _via calls (csctp_assoc_read_packet_via(), csctp_assoc_write_packet_via())
   * and csctp_assoc_add_peer_addr(), in IP form (csctp_addr_ip4()). Refused with
   * zero_checksum_edmid CSCTP_EDMID_DTLS (SCTP over DTLS is single-path).
   */
  uint32_t max_paths;
  /** Our addresses in IP form (with addr_port_len port bytes), listed in our INIT and INIT ACK
   *  when max_paths > 1; copied at creation (the array is not kept). NULL: none listed. */
  const csctp_addr *local_addrs;
  /** Entries in local_addrs, at most CSCTP_PATHS_MAX. */
  uint32_t n_local_addrs;
  /** UDP port bytes at the end of every IP-form address: 0 (raw IP, default) or 2 (RFC 6951). */
  uint8_t addr_port_len;
  /** Path.Max.Retrans (RFC 9260 §8.2, §16): errors in a row a path takes before it is marked
   *  inactive (default 5). */
  uint32_t path_max_retrans;
  /** HB.Max.Burst (§5.4, §16): HEARTBEATs to unconfirmed addresses per RTO (default 1, at
   *  least 1). */
  uint32_t hb_max_burst;
  /**
   * SCTP-PF (RFC 7829) PotentiallyFailed.Max.Retrans: an active path whose error counter
   * exceeds it (but not path_max_retrans) is potentially failed: new data goes to another
   * active path at once and the path is probed with a HEARTBEAT per RTO until it answers.
   * Default 0 (RFC 7829 §4: quick failover); path_max_retrans or more turns PF off.
   */
  uint32_t pf_max_retrans;
  /**
   * RFC 7829 §5 Primary.Switchover.Max.Retrans: the primary whose error counter exceeds it
   * is replaced by an active path for good (no switching back). Default CSCTP_PS_OFF.
   */
  uint32_t ps_max_retrans;
  /* Version 5: ASCONF (RFC 5061) */
  /**
   * Dynamic address reconfiguration (RFC 5061) with RFC 5062's protections: ASCONF and
   * ASCONF-ACK are announced in Supported Extensions and added to the chunks the peer must
   * authenticate; the peer's authenticated ASCONF may add an address (a path verified by a
   * HEARTBEAT before any data goes there), delete one (never the last one or the packet's
   * source) or set our primary to a confirmed path. An ASCONF not authenticated, or from a peer
   * that did not negotiate AUTH and ASCONF, is dropped (csctp_stats.asconf_drop_unauth).
   * Needs auth and max_paths > 1 (else csctp_assoc_new() returns CSCTP_ERR_INVALID_ARGUMENT).
   * Default 0.
   */
  int asconf;
} csctp_config;

/** Adds chunk type `TYPE` to csctp_config.auth_chunks of `*CFG`. */
#define CSCTP_AUTH_CHUNK_SET(CFG, TYPE) \
  ((CFG)->auth_chunks[(uint8_t)(TYPE) / 8] |= (uint8_t)(1u << ((uint8_t)(TYPE) % 8)))

/** The HMAC-ALGO lists we may send (RFC 4895 §3.3; SHA-1 is always in it). */
typedef enum csctp_auth_hmac {
  /** HMAC-SHA-256, then HMAC-SHA-1 (the default). */
  CSCTP_AUTH_HMAC_SHA256_SHA1 = 0,
  /** HMAC-SHA-1 alone. */
  CSCTP_AUTH_HMAC_SHA1 = 1,
} csctp_auth_hmac;

/**
 * Send schedulers (RFC 8260 §3): how streams that have messages queued share
 * the association. With I-DATA they take turns by fragment, without it by
 * message (a message begun is sent whole).
 */
typedef enum csctp_sched {
  /** Weighted fair queueing (§3.6), the default: deficit round-robin, each
   *  stream's share of bytes proportional to its priority (256 = weight 1). */
  CSCTP_SCHED_WFQ = 0,
  /** First come, first served (§3.1): messages in the order they were sent, across streams. */
  CSCTP_SCHED_FCFS,
  /** Round robin per message (§3.2): each stream with data sends one message in turn. */
  CSCTP_SCHED_RR,
  /** Round robin per packet (§3.3): each stream with data fills one packet in turn. */
  CSCTP_SCHED_RR_PACKET,
  /** Strict priority (§3.4): the highest priority with data goes first; round robin within it. */
  CSCTP_SCHED_PRIORITY,
  /** Fair bandwidth (§3.5): equal shares of bytes, priorities ignored. */
  CSCTP_SCHED_FAIR,
  /** The number of schedulers (not one). */
  CSCTP_SCHED_COUNT
} csctp_sched;

/** RFC 9653 §8 Error Detection Method Identifiers for csctp_config.zero_checksum_edmid. */
#define CSCTP_EDMID_NONE 0u
#define CSCTP_EDMID_DTLS 1u /**< SCTP over DTLS (RFC 8261), RFC 9653 §6 */

/**
 * Versions of csctp_config's layout (the ngtcp2 scheme, see common.h):
 * CSCTP_CONFIG_VERSION is the one this header describes.
 */
#define CSCTP_CONFIG_V1 1
/** Version 2 appends interleaving and scheduler. */
#define CSCTP_CONFIG_V2 2
/** Version 3 appends plpmtud_max, plpmtud_probe_timer, plpmtud_raise_timer,
 *  accept_assoc_reset, auth, auth_chunks and auth_hmac. */
#define CSCTP_CONFIG_V3 3
/** Version 4 appends ecn and the multi-homing fields (max_paths to ps_max_retrans). */
#define CSCTP_CONFIG_V4 4
/** Version 5 appends asconf. */
#define CSCTP_CONFIG_V5 5
/** The layout version this header describes (pass it to the _versioned functions). */
#define CSCTP_CONFIG_VERSION CSCTP_CONFIG_V5

/**
 * Fills `cfg`, laid out as version `config_version`, with the defaults
 * documented above (rand is NULL: set it). Returns 0, or
 * CSCTP_ERR_INVALID_ARGUMENT (cfg NULL, a version this library does not
 * know) writing nothing. Call it through csctp_config_default().
 */
CSCTP_EXTERN int csctp_config_default_versioned(int config_version, csctp_config *cfg);
/** csctp_config_default_versioned() for this header's layout. */
#define csctp_config_default(CFG) csctp_config_default_versioned(CSCTP_CONFIG_VERSION, (CFG))

/**
 * An SCTP association (opaque): created by csctp_assoc_new() or by an
 * endpoint, freed by csctp_assoc_del() (or with its endpoint).
 */
typedef struct csctp_assoc csctp_assoc;

/** Association states (RFC 9260 §4). */
typedef enum csctp_assoc_state {
  CSCTP_STATE_CLOSED = 0,
  CSCTP_STATE_COOKIE_WAIT,
  CSCTP_STATE_COOKIE_ECHOED,
  CSCTP_STATE_ESTABLISHED,
  CSCTP_STATE_SHUTDOWN_PENDING,
  CSCTP_STATE_SHUTDOWN_SENT,
  CSCTP_STATE_SHUTDOWN_RECEIVED,
  CSCTP_STATE_SHUTDOWN_ACK_SENT,
} csctp_assoc_state;

/** Why an association closed. */
typedef enum csctp_close_reason {
  CSCTP_CLOSE_SHUTDOWN = 0,   /**< graceful shutdown completed */
  CSCTP_CLOSE_PEER_ABORT,     /**< the peer sent ABORT */
  CSCTP_CLOSE_LOCAL_ABORT,    /**< csctp_assoc_abort() */
  CSCTP_CLOSE_TIMEOUT,        /**< association_max_retrans exceeded */
  CSCTP_CLOSE_INIT_FAILED,    /**< max_init_retransmits exceeded */
  CSCTP_CLOSE_PROTOCOL_ERROR, /**< we aborted: peer violated the protocol or ran us out of resources
                               */
  CSCTP_CLOSE_UNREACHABLE,    /**< an ICMP error said nobody runs SCTP there any more
                                   (csctp_assoc_on_unreachable) */
} csctp_close_reason;

/**
 * Result codes of an RFC 6525 Re-configuration Response (§4.4), as carried by
 * the `result` of the STREAMS_RESET, INCOMING_RESET_RESULT and STREAMS_CHANGED
 * events. Those events give CSCTP_RECONFIG_RESULT_SUCCESS_NOTHING_TO_DO (0) for
 * either success; a request the peer answers with IN_PROGRESS is asked again by
 * the association and not reported until it is answered otherwise.
 */
typedef enum csctp_reconfig_result {
  CSCTP_RECONFIG_RESULT_SUCCESS_NOTHING_TO_DO = 0,             /**< Success - Nothing to do */
  CSCTP_RECONFIG_RESULT_SUCCESS_PERFORMED = 1,                 /**< Success - Performed */
  CSCTP_RECONFIG_RESULT_DENIED = 2,                            /**< Denied */
  CSCTP_RECONFIG_RESULT_ERROR_WRONG_SSN = 3,                   /**< Error - Wrong SSN */
  CSCTP_RECONFIG_RESULT_ERROR_REQUEST_ALREADY_IN_PROGRESS = 4, /**< Error - Request already
                                                                 in progress: ask again */
  CSCTP_RECONFIG_RESULT_ERROR_BAD_SEQUENCE_NUMBER = 5,         /**< Error - Bad Sequence Number */
  CSCTP_RECONFIG_RESULT_IN_PROGRESS = 6,                       /**< In progress */
} csctp_reconfig_result;

/** Kinds of csctp_event, in csctp_event.type. */
typedef enum csctp_event_type {
  /** No event (never returned by csctp_assoc_poll_event()). */
  CSCTP_EVENT_NONE = 0,
  /** The association is established (COMMUNICATION UP). */
  CSCTP_EVENT_CONNECTED,
  /** The peer restarted (RFC 9260 §5.2.4): old data is gone, streams start over. */
  CSCTP_EVENT_RESTARTED,
  /** A complete message arrived (or, with partial delivery, a piece of one: CSCTP_MSG_*). */
  CSCTP_EVENT_MESSAGE,
  /** The peer started a graceful shutdown: no more data will arrive. */
  CSCTP_EVENT_SHUTDOWN,
  /** The association is closed; nothing more will happen on it. */
  CSCTP_EVENT_CLOSED,
  /** Buffered outbound data fell to or below the send-buffer-low threshold. */
  CSCTP_EVENT_SEND_BUFFER_LOW,
  /** The peer reported an error cause in an ERROR chunk. */
  CSCTP_EVENT_PEER_ERROR,
  /**
   * Streams were reset (RFC 6525): `incoming` streams by the peer (their
   * sequence numbers start over; no more data from before the reset will
   * arrive on them), or our outgoing reset request completed (`result`
   * CSCTP_RECONFIG_RESULT_SUCCESS_NOTHING_TO_DO, 0) or was refused (`result`
   * another csctp_reconfig_result, e.g. DENIED). Our outgoing
   * resets are those of csctp_assoc_reset_streams and those the peer asked
   * for (its Incoming SSN Reset Request, RFC 6525 §5.2.3): both are reported
   * the same way.
   */
  CSCTP_EVENT_STREAMS_RESET,
  /**
   * Our request that the peer reset its outgoing streams
   * (csctp_assoc_reset_incoming_streams) was answered, in u.streams_reset
   * (`incoming` 1): `result` 0 (CSCTP_RECONFIG_RESULT_SUCCESS_NOTHING_TO_DO)
   * when the peer agreed (its reset then arrives as STREAMS_RESET with
   * incoming = 1, or already did), else the csctp_reconfig_result of its
   * refusal (nothing was reset).
   */
  CSCTP_EVENT_INCOMING_RESET_RESULT,
  /**
   * The stream counts changed (RFC 6525 Add Streams, by us or by the peer),
   * or our csctp_assoc_add_streams request was refused: u.streams_changed.
   */
  CSCTP_EVENT_STREAMS_CHANGED,
  /**
   * The association was reset (RFC 6525 SSN/TSN Reset), in u.assoc_reset: by the peer's
   * request (`incoming` 1, `result` 0), or our csctp_assoc_reset_assoc request was answered
   * (`incoming` 0; `result` 0 when performed, else the csctp_reconfig_result of the refusal,
   * nothing reset). When performed, every stream's sequence numbers start over both ways, and
   * no data of before the reset is delivered after this event.
   */
  CSCTP_EVENT_ASSOC_RESET,
  /**
   * A path of a multi-homed association (csctp_config.max_paths > 1) was added or changed
   * state, in u.path; never on a single-homed one.
   */
  CSCTP_EVENT_PATH_CHANGED,
} csctp_event_type;

/**
 * csctp_event.u.message.flags, set only with partial delivery
 * (csctp_config.partial_delivery_point). A message handed out in pieces comes
 * as one or more events with CSCTP_MSG_MORE, then its last piece without it;
 * every piece after the first carries CSCTP_MSG_CONTINUED. Between the first
 * and the last piece no other message of the same stream is handed out, and
 * at most one message of the association is in pieces at a time.
 */
#define CSCTP_MSG_MORE 0x1u      /**< more pieces of this message follow */
#define CSCTP_MSG_CONTINUED 0x2u /**< continues the message of the previous pieces */
/**
 * The peer abandoned the message whose first pieces were handed out (RFC 3758:
 * a FORWARD TSN past it, or another message begun right after its last
 * fragment): the pieces so far are not a message; len is 0, data NULL.
 */
#define CSCTP_MSG_ABORTED 0x4u

/**
 * An event. Pointers inside it stay valid until the next call of any function
 * on the same association.
 */
typedef struct csctp_event {
  /** What happened: says which member of `u` is set. */
  csctp_event_type type;
  /**
   * The details of each kind of event, named after it (CONNECTED:
   * `connected`, MESSAGE: `message`, ...).
   */
  union {
    struct {
      uint16_t inbound_streams;  /**< negotiated: streams the peer may send on */
      uint16_t outbound_streams; /**< negotiated: streams we may send on */
      /** 1 when message interleaving (RFC 8260 I-DATA) was negotiated, else 0 */
      uint8_t interleaving;
    } connected; /**< CONNECTED and RESTARTED */
    struct {
      /** the stream the message arrived on */
      uint16_t stream;
      /** its payload protocol identifier */
      uint32_t ppid;
      /** 1 when it was sent unordered */
      int unordered;
      /** the message (or piece): valid until the next call on the association */
      const uint8_t *data;
      /** its length in bytes */
      size_t len;
      uint32_t flags; /**< CSCTP_MSG_*: 0 for a whole message */
    } message;
    struct {
      /** why the association closed */
      csctp_close_reason reason;
      uint16_t cause; /**< RFC 9260 §3.3.10 cause code from or to the peer, 0 if none */
    } closed;
    struct {
      uint16_t cause; /**< RFC 9260 §3.3.10 cause code */
    } peer_error;
    struct {
      size_t buffered; /**< bytes still buffered */
    } send_buffer_low;
    struct {
      int incoming;            /**< 1: the peer reset these streams toward us */
      uint32_t result;         /**< outgoing: 0 done, else a csctp_reconfig_result */
      const uint16_t *streams; /**< the stream ids (empty list = all streams) */
      /** the number of ids in `streams` */
      size_t n_streams;
    } streams_reset; /**< STREAMS_RESET and INCOMING_RESET_RESULT */
    struct {
      uint32_t result;           /**< 0: counts changed, else the csctp_reconfig_result of
                                      the refusal of our request (counts unchanged) */
      uint16_t inbound_streams;  /**< now: streams the peer may send on */
      uint16_t outbound_streams; /**< now: streams we may send on */
    } streams_changed;
    struct {
      int incoming;             /**< 1: the peer asked for the reset, 0: we did */
      uint32_t result;          /**< 0 performed, else a csctp_reconfig_result */
      uint32_t local_next_tsn;  /**< performed: the TSN of our next DATA chunk */
      uint32_t remote_next_tsn; /**< performed: the TSN the peer's next DATA chunk has */
    } assoc_reset;              /**< ASSOC_RESET */
    struct {
      csctp_addr peer;    /**< the peer's address of the path (IP form) */
      uint8_t path;       /**< its index (csctp_assoc_get_path()) */
      uint8_t state;      /**< now: a csctp_path_state */
      uint8_t prev_state; /**< before (0 when the path was just added) */
      uint8_t reason;     /**< a csctp_path_reason */
    } path;               /**< PATH_CHANGED */
  } u;
} csctp_event;

/** Partial reliability policies (RFC 3758, RFC 7496). */
typedef enum csctp_pr_policy {
  CSCTP_PR_NONE = 0, /**< fully reliable */
  CSCTP_PR_TTL,      /**< abandon after `pr_value` milliseconds from send */
  CSCTP_PR_RTX,      /**< abandon after `pr_value` retransmissions (0: sent once) */
} csctp_pr_policy;

/** Per-message send options. Zero-initialised options mean: stream 0, PPID 0, ordered, reliable. */
typedef struct csctp_send_opts {
  /** Stream to send on: below the negotiated outbound stream count. */
  uint16_t stream;
  /** Payload protocol identifier carried with the message (CSCTP_PPID_*, or any value). */
  uint32_t ppid;
  /** 1: deliver as soon as it arrives, ahead of earlier messages of the stream. */
  int unordered;
  /**
   * Needs the peer's Forward-TSN support, else sent reliably. A TTL message
   * is abandoned when it would be sent or retransmitted more than pr_value ms
   * after csctp_assoc_send (unsent ones are dropped without using a TSN); an
   * RTX message when a chunk of it would be retransmitted more than pr_value
   * times. An abandoned message is never delivered in part, but one whose
   * chunks had all left may still be delivered whole.
   */
  csctp_pr_policy pr_policy;
  /** Milliseconds (CSCTP_PR_TTL) or retransmissions (CSCTP_PR_RTX); unused with CSCTP_PR_NONE. */
  uint32_t pr_value;
} csctp_send_opts;

/** Counters and path figures. */
typedef struct csctp_stats {
  /** SCTP packets received and sent @{ */
  uint64_t packets_in, packets_out;
  /** @} */
  /** chunks received and sent @{ */
  uint64_t chunks_in, chunks_out;
  /** @} */
  /** DATA chunks received and sent @{ */
  uint64_t data_chunks_in, data_chunks_out;
  /** @} */
  /** user messages delivered and sent @{ */
  uint64_t messages_in, messages_out;
  /** @} */
  /** user payload bytes delivered and sent @{ */
  uint64_t bytes_in, bytes_out; /**< user payload bytes */
  /** @} */
  uint64_t retransmissions;  /**< DATA chunks sent again */
  uint64_t fast_retransmits; /**< fast retransmit events */
  /** retransmission timer (T3-rtx) expiries */
  uint64_t t3_expiries;
  uint64_t duplicate_tsns; /**< DATA received twice */
  /** SACK chunks received and sent @{ */
  uint64_t sacks_in, sacks_out;
  /** @} */
  /** HEARTBEAT chunks sent */
  uint64_t heartbeats_out;
  /* packets dropped, and why */
  /** packets dropped: wrong checksum */
  uint64_t drop_bad_crc;
  /** packets dropped: verification tag not the association's */
  uint64_t drop_bad_vtag;
  /** packets dropped: malformed packet or chunk */
  uint64_t drop_malformed;
  /** packets dropped: ports not the association's */
  uint64_t drop_bad_port;
  uint64_t drop_out_of_window; /**< DATA outside what we can accept */
  uint64_t drop_rx_budget;     /**< DATA dropped: the shared csctp_rx_budget was full */
  uint64_t partial_pieces;     /**< pieces handed out by partial delivery (not the last) */
  uint64_t partial_aborted;    /**< messages abandoned after pieces were handed out */
  uint64_t drop_unexpected;    /**< chunks not valid in the current state */
  /** ERROR and ABORT chunks sent @{ */
  uint64_t errors_sent, aborts_sent;
  /** @} */
  uint64_t events_dropped; /**< PEER_ERROR events past the 64 waiting to be
                                polled, or an event that found no memory */
  /* path */
  /**
   * smoothed round-trip time, its variation and the retransmission timeout,
   * ms (RFC 9260 §6.3.1) @{
   */
  uint32_t srtt_ms, rttvar_ms, rto_ms;
  /** @} */
  /** congestion window, slow-start threshold, the peer's advertised window and ours, bytes @{ */
  uint32_t cwnd, ssthresh, peer_rwnd, local_rwnd;
  /** @} */
  /** bytes sent and not yet acknowledged */
  uint32_t bytes_outstanding;
  size_t bytes_buffered; /**< queued to send, incl. outstanding */
  /* RFC 9653 zero checksum */
  uint64_t zero_checksum_in;  /**< packets accepted with a zero checksum */
  uint64_t zero_checksum_out; /**< packets sent with a zero checksum */
  uint8_t zero_checksum;      /**< 1 when negotiated: both sides announced the
                                   same EDMID, so we send zero checksums */
  /* ICMP errors handed in by csctp_assoc_on_unreachable */
  uint64_t icmp_in;      /**< handed in while the association was open */
  uint64_t icmp_ignored; /**< not acted on: quoted packet not ours (tag, ports) or code ignored */
  /* Version 2: */
  /** DATA (or I-DATA) chunks sent and not yet cumulatively acknowledged (RFC 6458's
   *  sstat_unackdata, RTCSctpTransportStats.unackData) */
  uint32_t unacked_chunks;
  /** 1 when message interleaving (RFC 8260 I-DATA) was negotiated: user messages go as I-DATA
   *  both ways */
  uint8_t interleaving;
  /** the send scheduler in use, a csctp_sched */
  uint8_t scheduler;
  /* Version 3: RFC 4895 AUTH */
  /** 1 when AUTH is in use: both sides sent RANDOM, CHUNKS and HMAC-ALGO */
  uint8_t auth;
  /** AUTH chunks sent, and received with a valid HMAC @{ */
  uint64_t auth_out, auth_in;
  /** @} */
  /** chunks dropped: a type we listed in CHUNKS without a valid AUTH before it in its packet */
  uint64_t auth_drop_missing;
  /** AUTH chunks whose HMAC did not verify: it and every chunk after it dropped */
  uint64_t auth_drop_bad_hmac;
  /** AUTH chunks naming a Shared Key Identifier we have no key for: dropped with what follows */
  uint64_t auth_drop_key_id;
  /** AUTH chunks with an HMAC Identifier we did not list: dropped with what follows, answered
   *  with an Unsupported HMAC Identifier ERROR */
  uint64_t auth_drop_hmac_id;
  /* Version 4: ECN (RFC 9260 Appendix A, draft-stewart-tsvwg-sctpecn) */
  /** 1 when ECN is in use: both sides sent the ECN Capable parameter */
  uint8_t ecn;
  /** packets with DATA that arrived marked CE (Congestion Experienced) */
  uint64_t ecn_ce_in;
  /** packets written that csctp_assoc_packet_ecn() said to mark ECT(0) */
  uint64_t ecn_ect_out;
  /** ECNE chunks sent and received @{ */
  uint64_t ecne_out, ecne_in;
  /** @} */
  /** CWR chunks sent and received @{ */
  uint64_t cwr_out, cwr_in;
  /** @} */
  /** congestion window reductions for an ECNE (at most one per window of data) */
  uint64_t ecn_cwnd_reductions;
  /** ECNE chunks ignored: a TSN we never sent */
  uint64_t ecne_ignored;
  /** CWR chunks ignored: no ECNE of ours outstanding that they cover */
  uint64_t cwr_ignored;
  /** ECNE or CWR chunks while ECN was not negotiated (handled as unrecognized chunks) */
  uint64_t ecn_unexpected;
  /* Version 4, continued: multi-homing (all 0 or 1 on a single-homed association) */
  uint8_t n_paths;          /**< paths known (csctp_assoc_path_count()) */
  uint8_t primary_path;     /**< the primary path's index */
  uint8_t data_path;        /**< where new data goes now; srtt_ms to ssthresh above are its own */
  uint64_t path_failovers;  /**< new data moved to another path (the last one failed) */
  uint64_t path_inactive;   /**< paths marked inactive (§8.2) */
  uint64_t paths_confirmed; /**< paths verified by a HEARTBEAT ACK (§5.4) */
  /** peer addresses not used: over max_paths, malformed, wildcard, multicast, loopback from a
   *  non-loopback peer, duplicates, or ours */
  uint64_t peer_addrs_ignored;
  /** packets dropped by csctp_assoc_read_packet_via(): from an address that is not a path */
  uint64_t drop_unknown_source;
  /** HEARTBEATs sent to unconfirmed addresses (path verification) */
  uint64_t hb_unconfirmed_out;
  /** active paths found potentially failed (RFC 7829) */
  uint64_t pf_transitions;
  /* Version 5: ASCONF (RFC 5061; all 0 unless csctp_config.asconf) */
  /** 1 when ASCONF is in use: both sides listed ASCONF and ASCONF-ACK, and AUTH is on */
  uint8_t asconf;
  /** ASCONF chunks taken (a new serial number) and answered */
  uint64_t asconf_in;
  /** ASCONF chunks with the last serial number again, answered from the cached ASCONF-ACK */
  uint64_t asconf_dup_in;
  /** ASCONF chunks dropped: without AUTH, or ASCONF not negotiated (RFC 5061 §4.1.1, RFC 5062) */
  uint64_t asconf_drop_unauth;
  /** ASCONF chunks dropped: a serial number neither the next nor the last (RFC 5061 §5.2) */
  uint64_t asconf_drop_serial;
  /** peer addresses added by ASCONF (each verified by a HEARTBEAT before use) */
  uint64_t asconf_addrs_added;
  /** peer addresses deleted by ASCONF */
  uint64_t asconf_addrs_deleted;
  /** primary paths set by the peer's ASCONF */
  uint64_t asconf_primary_set;
  /** ASCONF requests answered with an Error Cause Indication */
  uint64_t asconf_refused;
  /** our ASCONF chunks sent (first transmissions) and retransmitted (RTO expired) @{ */
  uint64_t asconf_out, asconf_retransmits;
  /** @} */
  /** ASCONF-ACKs taken for our outstanding ASCONF */
  uint64_t asconf_acks_in;
  /** our requests the peer refused (an Error Cause Indication, or none after one) */
  uint64_t asconf_requests_failed;
  /* Version 5, continued: multi-homing (all 0 on a single-homed association) */
  /** peer restarts refused because their INIT or COOKIE ECHO added addresses: answered with
   *  an ABORT listing them (RFC 9260 §5.2.2, cause 11), the association left as it was */
  uint64_t restart_new_addr_aborts;
  /** HEARTBEATs not answered because a HEARTBEAT ACK to the same path was still waiting to
   *  be written (one at a time per path bounds a HEARTBEAT flood) */
  uint64_t hb_dropped_ack_queued;
  /** unconfirmed addresses given up: Path.Max.Retrans + 1 verification HEARTBEATs went
   *  unanswered; they stay unconfirmed, unused and are no longer probed */
  uint64_t paths_unverified;
  /** times every confirmed path became inactive: data went on to the most recently active
   *  one (RFC 7829 §4 dormant state) until a path answers or Association.Max.Retrans */
  uint64_t dormant_entered;
  /** 1 while the association is dormant (every confirmed path inactive) */
  uint8_t dormant;
} csctp_stats;

/** Versions of csctp_stats's layout; CSCTP_STATS_VERSION is this header's. */
#define CSCTP_STATS_V1 1
/** Version 2 appends unacked_chunks, interleaving and scheduler. */
#define CSCTP_STATS_V2 2
/** Version 3 appends the AUTH fields (auth to auth_drop_hmac_id). */
#define CSCTP_STATS_V3 3
/** Version 4 appends the ECN fields (ecn to ecn_unexpected) and the multi-homing fields
 *  (n_paths to pf_transitions). */
#define CSCTP_STATS_V4 4
/** Version 5 appends the ASCONF fields (asconf to asconf_requests_failed) and multi-homing's
 *  restart_new_addr_aborts to dormant. */
#define CSCTP_STATS_V5 5
/** The layout version this header describes (pass it to the _versioned functions). */
#define CSCTP_STATS_VERSION CSCTP_STATS_V5

/**
 * Creates an association in the CLOSED state, copying what it needs from
 * `cfg`. It answers an incoming INIT without keeping state (the state cookie)
 * and becomes established on a valid COOKIE ECHO, or initiates with
 * csctp_assoc_connect().
 * Returns 0 and stores the new object in *pa (free with csctp_assoc_del), or
 * CSCTP_ERR_INVALID_ARGUMENT (missing rand, impossible values, a
 * `config_version` this library does not know),
 * CSCTP_ERR_NOMEM, CSCTP_ERR_RANDOM.
 */
CSCTP_EXTERN int csctp_assoc_new_versioned(csctp_assoc **pa, int config_version,
                                           const csctp_config *cfg);
/** csctp_assoc_new_versioned() with this header's csctp_config layout. */
#define csctp_assoc_new(PA, CFG) csctp_assoc_new_versioned((PA), CSCTP_CONFIG_VERSION, (CFG))

/** Frees the association and everything it owns. NULL is allowed. */
CSCTP_EXTERN void csctp_assoc_del(csctp_assoc *a);

/**
 * Starts the 4-way handshake (sends INIT). Only in CLOSED; both sides may
 * call it at once (INIT collision is handled). Returns 0 or
 * CSCTP_ERR_INVALID_STATE, CSCTP_ERR_RANDOM.
 */
CSCTP_EXTERN int csctp_assoc_connect(csctp_assoc *a, csctp_tstamp now);

/**
 * SNAP (draft-hancke-tsvwg-snap), for SCTP over DTLS only: writes into `buf`
 * the INIT chunk this association would send (chunk header, fields and
 * parameters, no common header) for the peer to receive out of band, e.g. as
 * SDP a=sctp-init. The first call picks our tag and initial TSN; later calls
 * write the same chunk. Changes no state and starts no timer. Returns its
 * length, or CSCTP_ERR_INVALID_STATE (not CLOSED), CSCTP_ERR_NOBUF (`cap`
 * too small; 64 bytes always suffice), CSCTP_ERR_INVALID_ARGUMENT,
 * CSCTP_ERR_RANDOM.
 */
CSCTP_EXTERN csctp_ssize csctp_assoc_snap_init(csctp_assoc *a, uint8_t *buf, size_t cap);

/**
 * SNAP: enters ESTABLISHED from the peer's INIT chunk `init` (`len` bytes, as
 * csctp_assoc_snap_init() writes one, padding allowed) once the DTLS handshake
 * has completed, without any packet: the peer, which got ours, does the same.
 * A CONNECTED event follows. Returns 0, or CSCTP_ERR_MALFORMED (not a valid
 * INIT chunk: see csctp_snap_init_check()), CSCTP_ERR_INVALID_ARGUMENT (`init`
 * NULL, or our own INIT handed back, as a peer that does not know SNAP but
 * echoes unknown attributes would: use csctp_assoc_connect() then),
 * CSCTP_ERR_INVALID_STATE (not CLOSED, or csctp_assoc_snap_init() was never
 * called, so the peer cannot know our tag).
 */
CSCTP_EXTERN int csctp_assoc_snap_establish(csctp_assoc *a, const uint8_t *init, size_t len,
                                            csctp_tstamp now);

/* ----------------------------------------------------------------------
 * Handover: moving an established association to another process (the
 * "handover state" of dcsctp). At a quiescent moment (nothing in flight,
 * queued, held for reassembly or delivery, no stream reset under way, no
 * output owed) the association is exported as a small authenticated blob of
 * its state, and imported elsewhere as an ESTABLISHED association that goes
 * on where this one stopped; the peer sees nothing. No buffered data travels.
 * -------------------------------------------------------------------- */

/**
 * Why an association cannot be handed over now: the bits of
 * csctp_assoc_handover_readiness(). Each goes away by itself as the
 * exchange goes on (or, DELIVERY, once the application polls its events),
 * except NOT_ESTABLISHED and ENDPOINT.
 */
typedef enum csctp_handover_reason {
  /** Not ESTABLISHED (handshake, shutdown, closed, or handed over already). */
  CSCTP_HANDOVER_NOT_ESTABLISHED = 1 << 0,
  /** DATA sent and not yet cumulatively acknowledged by the peer. */
  CSCTP_HANDOVER_DATA_IN_FLIGHT = 1 << 1,
  /** Messages queued and not yet sent (or one only partly cut into chunks). */
  CSCTP_HANDOVER_DATA_QUEUED = 1 << 2,
  /** Received DATA held: out-of-order TSNs (gaps) or fragments of incomplete messages. */
  CSCTP_HANDOVER_REASSEMBLY = 1 << 3,
  /** Messages or events not yet taken by csctp_assoc_poll_event(). */
  CSCTP_HANDOVER_DELIVERY = 1 << 4,
  /** A stream reconfiguration (RFC 6525) in progress either way, or queued. */
  CSCTP_HANDOVER_RECONFIG = 1 << 5,
  /** Output owed: packets, control chunks or a SACK not yet written (a delayed SACK
   *  included: its timer must pass, or csctp_assoc_input_drained() be called). */
  CSCTP_HANDOVER_OUTPUT = 1 << 6,
  /** An abandoned message (RFC 3758) still to be skipped by a FORWARD TSN. */
  CSCTP_HANDOVER_FORWARD_TSN = 1 << 7,
  /** The association belongs to a csctp_endpoint (only standalone ones move). */
  CSCTP_HANDOVER_ENDPOINT = 1 << 8,
  /** message interleaving (RFC 8260 I-DATA) was negotiated: the blob does not carry
   *  message identifiers yet, so such an association stays where it is */
  CSCTP_HANDOVER_INTERLEAVING = 1 << 9,
  /** RFC 4895 AUTH is in use: the blob does not carry its keys, so such an association stays
   *  where it is */
  CSCTP_HANDOVER_AUTH = 1 << 10,
  /** ECN is in use (csctp_config.ecn): the blob does not carry its state, so such an
   *  association stays where it is */
  CSCTP_HANDOVER_ECN = 1 << 11,
} csctp_handover_reason;

/** Least length of the key that authenticates a handover blob, bytes. */
#define CSCTP_HANDOVER_KEY_MIN 16
/** Largest handover blob, bytes: 172 plus 10 per stream used (65535 streams each way). */
#define CSCTP_HANDOVER_MAX (172u + 65535u * 10u)

/**
 * Returns 0 when `a` may be handed over now (csctp_assoc_handover_export()
 * would succeed), else a bitmask of csctp_handover_reason saying what stands
 * in the way (CSCTP_HANDOVER_NOT_ESTABLISHED for `a` NULL). Changes nothing.
 */
CSCTP_EXTERN int csctp_assoc_handover_readiness(const csctp_assoc *a);

/**
 * Exports the state of a quiescent association into `buf` and hands it
 * over: from then on `a` writes no packet (not even an ABORT), ignores every
 * packet read (counted in csctp_stats.packets_in and drop_unexpected),
 * refuses send, shutdown, abort and stream requests with
 * CSCTP_ERR_INVALID_STATE, reports CSCTP_STATE_CLOSED without a CLOSED event,
 * runs no timer, and is only good for csctp_assoc_del().
 *
 * The blob (at most CSCTP_HANDOVER_MAX bytes; its size depends on how many
 * streams were used) holds a magic, the format version, `now` as its
 * creation time, the association's state (ports, verification tags, TSNs and
 * cumulative acks both ways, stream counts and the SSNs of the streams used,
 * stream priorities and the scheduler quantum, negotiated extensions, RE-CONFIG
 * request numbers both ways, peer window, cwnd, ssthresh, RTO state,
 * maximum message size), and an HMAC-SHA-256 of all of it under `key`
 * (`key_len` >= CSCTP_HANDOVER_KEY_MIN bytes; only read during the call). It
 * is not encrypted: it carries the verification tags, which let whoever
 * reads it inject packets into the association, so keep it as secret as the
 * key. With `buf` NULL and `cap` 0 it returns the size the blob would have,
 * changing nothing.
 *
 * Returns the blob's length, or CSCTP_ERR_INVALID_ARGUMENT (`a` NULL, `key`
 * NULL or shorter than CSCTP_HANDOVER_KEY_MIN, `buf` NULL with `cap` > 0),
 * CSCTP_ERR_INVALID_STATE (csctp_assoc_handover_readiness() is not 0),
 * CSCTP_ERR_NOBUF (`cap` too small), CSCTP_ERR_NOMEM, CSCTP_ERR_CRYPTO; on
 * error nothing changes and the association goes on.
 */
CSCTP_EXTERN csctp_ssize csctp_assoc_handover_export(csctp_assoc *a, const uint8_t *key,
                                                     size_t key_len, csctp_tstamp now, uint8_t *buf,
                                                     size_t cap);

/**
 * Creates, from a blob of csctp_assoc_handover_export() (`len` bytes, only
 * read during the call), an ESTABLISHED association that goes on exactly
 * where the exported one stopped, configured by `cfg` (as csctp_assoc_new();
 * its ports must be the blob's, and its max_inbound_streams must allow the
 * blob's inbound streams). No CONNECTED event is queued; the heartbeat timer
 * starts at `now`. The MAC is checked first (constant time), before any other
 * byte is looked at; then the version, the age (`now` minus the creation time
 * at most `max_age`, the creation time at most 1 s ahead of `now`: both
 * processes must share one clock, e.g. CLOCK_MONOTONIC), then every field.
 *
 * Returns 0 and stores the association in *out (free with csctp_assoc_del),
 * or: CSCTP_ERR_INVALID_ARGUMENT (a NULL pointer, a key shorter than
 * CSCTP_HANDOVER_KEY_MIN, a `cfg` that csctp_assoc_new() refuses or that
 * disagrees with the blob: ports, inbound streams, zero checksum EDMID),
 * CSCTP_ERR_HANDOVER_AUTH (wrong key, altered or truncated blob),
 * CSCTP_ERR_HANDOVER_VERSION, CSCTP_ERR_HANDOVER_STALE, CSCTP_ERR_MALFORMED
 * (authentic but inconsistent content), CSCTP_ERR_NOMEM, CSCTP_ERR_CRYPTO,
 * CSCTP_ERR_RANDOM; on error *out is untouched and nothing is created.
 */
CSCTP_EXTERN int csctp_assoc_handover_import(csctp_assoc **out, const csctp_config *cfg,
                                             const uint8_t *key, size_t key_len,
                                             const uint8_t *blob, size_t len, csctp_tstamp now,
                                             csctp_tstamp max_age);

/**
 * Checks that `init` (`len` bytes) is an INIT chunk SNAP can use: type 1, a
 * length within `len` with at most 3 zero bytes of padding after it, a valid
 * parameter list, and the mandatory fields of RFC 9260 §3.3.2 (tag not 0,
 * streams not 0, a_rwnd at least 1500). Returns 0, CSCTP_ERR_MALFORMED or
 * CSCTP_ERR_INVALID_ARGUMENT (NULL). Pure.
 */
CSCTP_EXTERN int csctp_snap_init_check(const uint8_t *init, size_t len);

/**
 * Processes one inbound SCTP packet (`pkt` is only read during the call).
 * Malformed or unexpected packets are dropped or answered as RFC 9260 says
 * and counted in the statistics; that is not an error for the caller.
 * Returns 0, or a fatal error (CSCTP_ERR_NOMEM).
 */
CSCTP_EXTERN int csctp_assoc_read_packet(csctp_assoc *a, const uint8_t *pkt, size_t len,
                                         csctp_tstamp now);

/**
 * Writes the next outbound packet into `buf` (at most `cap` bytes, at most
 * the configured MTU). Returns its length, 0 when nothing is due now, or
 * CSCTP_ERR_NOBUF when `cap` is smaller than the MTU. Call it until it
 * returns 0 after every other call.
 */
CSCTP_EXTERN csctp_ssize csctp_assoc_write_packet(csctp_assoc *a, uint8_t *buf, size_t cap,
                                                  csctp_tstamp now);

/* ---- Multi-homing (RFC 9260 §5.1.2, §5.4, §6.4, §8.2, §8.3; csctp_config.max_paths) ---- */

/** csctp_config.ps_max_retrans: no primary switchover (RFC 7829 §5). */
#define CSCTP_PS_OFF 0xFFFFu
/** Peer addresses (paths) an association may use at most. */
#define CSCTP_PATHS_MAX 8
/** csctp_route.local: no local address named (the OS chooses the source). */
#define CSCTP_LOCAL_ANY 0xFF

/**
 * Builds `*a` in IP form from an IPv4 address in network order: the 4 bytes, then `port_len`
 * (0, or 2 over UDP: RFC 6951) bytes of `udp_port`, big-endian. Pure. Returns 0, or
 * CSCTP_ERR_INVALID_ARGUMENT (a or ip NULL, port_len not 0 or 2) writing nothing.
 */
CSCTP_EXTERN int csctp_addr_ip4(csctp_addr *a, const uint8_t ip[4], uint16_t udp_port,
                                uint8_t port_len);
/** The same for an IPv6 address (16 bytes, network order). */
CSCTP_EXTERN int csctp_addr_ip6(csctp_addr *a, const uint8_t ip[16], uint16_t udp_port,
                                uint8_t port_len);
/**
 * The family of an IP-form address with `port_len` port bytes: 4, 6, or 0 when `a` is not in
 * IP form. When non-NULL, *ip points into `a` at the IP bytes and *udp_port gets the port (0
 * without port bytes). Pure.
 */
CSCTP_EXTERN int csctp_addr_family(const csctp_addr *a, uint8_t port_len, const uint8_t **ip,
                                   uint16_t *udp_port);

/** Where a packet came from or goes to, for a multi-homed association. */
typedef struct csctp_route {
  csctp_addr peer;      /**< the peer's address in IP form (its UDP port last, addr_port_len 2) */
  uint8_t local;        /**< in: index in local_addrs of the address the packet arrived at, or
                             CSCTP_LOCAL_ANY; out: the one to send from, or CSCTP_LOCAL_ANY */
  uint8_t path;         /**< out: the path's index; ignored in */
  uint8_t fragmentable; /**< out: csctp_assoc_packet_fragmentable() of this packet */
} csctp_route;

/**
 * csctp_assoc_read_packet() for a packet that came from `from->peer`. On a multi-homed
 * association (max_paths > 1) the source names the path: the first packet's source becomes
 * path 0 while the association is not established; afterwards a packet from an address that
 * is no path is dropped (csctp_stats.drop_unknown_source). With max_paths 1 the address is
 * ignored. `from` and `pkt` are only read during the call. Returns as csctp_assoc_read_packet,
 * or CSCTP_ERR_INVALID_ARGUMENT (from NULL).
 */
CSCTP_EXTERN int csctp_assoc_read_packet_via(csctp_assoc *a, const csctp_route *from,
                                             const uint8_t *pkt, size_t len, csctp_tstamp now);
/**
 * csctp_assoc_write_packet() that also says where the packet goes: `*to` gets the path's
 * address (len 0 when no address is known: send where csctp_assoc_read_packet would have it
 * go), the local address to send from and whether it may be fragmented. Only a HEARTBEAT or a
 * HEARTBEAT ACK ever goes to an unconfirmed address (§5.4). Returns as
 * csctp_assoc_write_packet, or CSCTP_ERR_INVALID_ARGUMENT (to NULL).
 */
CSCTP_EXTERN csctp_ssize csctp_assoc_write_packet_via(csctp_assoc *a, uint8_t *buf, size_t cap,
                                                      csctp_tstamp now, csctp_route *to);
/**
 * Gives a peer address (IP form) to an association in the CLOSED state, before
 * csctp_assoc_connect(): the first becomes path 0, where the INIT goes; each is confirmed
 * (§5.4: given by the user). Returns 0, or CSCTP_ERR_INVALID_ARGUMENT (not in IP form, a
 * duplicate, max_paths reached or 1), CSCTP_ERR_INVALID_STATE (not CLOSED).
 */
CSCTP_EXTERN int csctp_assoc_add_peer_addr(csctp_assoc *a, const csctp_addr *peer);

/** The state of a path. */
typedef enum csctp_path_state {
  CSCTP_PATH_UNCONFIRMED = 1, /**< not verified yet: nothing but HEARTBEAT goes there (§5.4) */
  CSCTP_PATH_ACTIVE,          /**< verified and reachable */
  CSCTP_PATH_PF,              /**< potentially failed (RFC 7829): probed, no new data */
  CSCTP_PATH_INACTIVE,        /**< unreachable: errors over path_max_retrans (§8.2) */
} csctp_path_state;

/** Why a CSCTP_EVENT_PATH_CHANGED came. */
typedef enum csctp_path_reason {
  CSCTP_PATH_ADDED = 1,          /**< learnt from the handshake (INIT / INIT ACK) or given */
  CSCTP_PATH_CONFIRMED,          /**< a HEARTBEAT ACK with our nonce came back (§5.4) */
  CSCTP_PATH_FAILED,             /**< its error counter went over path_max_retrans (§8.2) */
  CSCTP_PATH_RECOVERED,          /**< an inactive path answered a HEARTBEAT (§8.2) */
  CSCTP_PATH_PRIMARY,            /**< it became the primary path (csctp_assoc_set_primary()) */
  CSCTP_PATH_POTENTIALLY_FAILED, /**< its error counter went over pf_max_retrans (RFC 7829) */
  CSCTP_PATH_SWITCHOVER,         /**< it became the primary: the old one went over ps_max_retrans */
  CSCTP_PATH_REMOVED,            /**< the peer deleted the address (RFC 5061 ASCONF); state 0 */
} csctp_path_reason;

/** What csctp_assoc_get_path() tells of a path. */
typedef struct csctp_path_info {
  csctp_addr peer;            /**< the peer's address (IP form) */
  uint8_t path;               /**< its index */
  uint8_t local;              /**< the local address its packets arrive at, or CSCTP_LOCAL_ANY */
  uint8_t state;              /**< a csctp_path_state */
  uint8_t primary;            /**< 1 for the primary path */
  uint8_t data_path;          /**< 1 when new data goes there now */
  uint32_t error_count;       /**< errors in a row (§8.2) */
  uint32_t srtt_ms;           /**< its smoothed RTT (§6.3.1) */
  uint32_t rttvar_ms;         /**< its RTT variation */
  uint32_t rto_ms;            /**< its retransmission timeout */
  uint32_t cwnd;              /**< its congestion window (§7.2) */
  uint32_t ssthresh;          /**< its slow-start threshold */
  uint64_t packets_out;       /**< packets written to it */
  uint64_t packets_in;        /**< packets read from it */
  uint64_t heartbeats_out;    /**< HEARTBEATs sent there */
  uint64_t heartbeat_acks_in; /**< of them, answered */
  uint64_t t3_expiries;       /**< retransmission timeouts of data sent there */
  uint64_t state_changes;     /**< CSCTP_EVENT_PATH_CHANGED events it caused */
} csctp_path_info;
/** Versions of csctp_path_info's layout. */
#define CSCTP_PATH_INFO_V1 1
/** The layout version this header describes. */
#define CSCTP_PATH_INFO_VERSION CSCTP_PATH_INFO_V1

/** Paths known (indexes 0 to the result - 1): 1 for a single-homed association. */
CSCTP_EXTERN size_t csctp_assoc_path_count(const csctp_assoc *a);
/**
 * Fills `*out` (layout `version`) with path `path`'s figures. Returns 0, or
 * CSCTP_ERR_INVALID_ARGUMENT (no such path, out NULL, unknown version) writing nothing.
 */
CSCTP_EXTERN int csctp_assoc_get_path_versioned(const csctp_assoc *a, int version, unsigned path,
                                                csctp_path_info *out);
/** csctp_assoc_get_path_versioned() for this header's layout. */
#define csctp_assoc_get_path(A, P, OUT) \
  csctp_assoc_get_path_versioned((A), CSCTP_PATH_INFO_VERSION, (P), (OUT))
/**
 * Makes path `path` the primary (§6.4): new data goes there whenever it is active. Returns 0,
 * or CSCTP_ERR_INVALID_ARGUMENT (no such path), CSCTP_ERR_INVALID_STATE (the path is
 * unconfirmed: §5.4 forbids data there).
 */
CSCTP_EXTERN int csctp_assoc_set_primary(csctp_assoc *a, unsigned path, csctp_tstamp now);

/**
 * RFC 5061 (csctp_config.asconf): asks the peer to add `local` (one of our addresses, IP form
 * with addr_port_len port bytes) to the association. Requests are queued (at most
 * CSCTP_ASCONF_QUEUE_MAX) and sent in one authenticated ASCONF at a time, retransmitted on the
 * RTO (each expiry counts against Association.Max.Retrans); the peer verifies the address with a
 * HEARTBEAT before using it. On success the address joins the list our INIT / INIT ACK named.
 * Returns 0, CSCTP_ERR_INVALID_ARGUMENT (a NULL, not an IPv4/IPv6 address), CSCTP_ERR_INVALID_STATE
 * (not ESTABLISHED, or ASCONF not negotiated: see csctp_stats.asconf), CSCTP_ERR_WOULD_BLOCK (the
 * queue is full). `local` is copied.
 */
CSCTP_EXTERN int csctp_assoc_add_local_addr(csctp_assoc *a, const csctp_addr *local,
                                            csctp_tstamp now);
/** The same for deleting `local` from the association (the peer refuses its last address and
 *  the source of the ASCONF, which leaves from the data path). */
CSCTP_EXTERN int csctp_assoc_del_local_addr(csctp_assoc *a, const csctp_addr *local,
                                            csctp_tstamp now);
/** The same for asking the peer to make `local` its primary path to us (RFC 5061 Set Primary
 *  Address; the peer takes only a confirmed one). */
CSCTP_EXTERN int csctp_assoc_set_peer_primary(csctp_assoc *a, const csctp_addr *local,
                                              csctp_tstamp now);
/** Requests csctp_assoc_add_local_addr() and its two siblings may queue. */
#define CSCTP_ASCONF_QUEUE_MAX 8
/** The primary path's index (0 for a single-homed association). */
CSCTP_EXTERN int csctp_assoc_get_primary(const csctp_assoc *a);

/**
 * Takes the next event into *ev. Returns 1 when an event was stored, 0 when
 * there is none. Message data in *ev stays valid until the next call on `a`.
 */
CSCTP_EXTERN int csctp_assoc_poll_event(csctp_assoc *a, csctp_event *ev);

/**
 * Returns when the caller must come back: 0 (already due) while a call since
 * csctp_assoc_write_packet() last returned 0 may have produced output (a
 * packet read, a timer run, a message sent or taken, a shutdown, ...), so a
 * loop that waits until this deadline never leaves output unsent, whatever it
 * did while handling events; else the earliest timer deadline, or
 * CSCTP_TSTAMP_NONE. Calling csctp_assoc_handle_expiry() when nothing is due
 * is harmless.
 */
CSCTP_EXTERN csctp_tstamp csctp_assoc_expiry(const csctp_assoc *a);

/**
 * The earliest timer deadline alone (or CSCTP_TSTAMP_NONE), without the
 * "due now" of pending output that csctp_assoc_expiry() adds: for a caller
 * that cannot write yet (e.g. SCTP inside a DTLS connection still in its
 * handshake) or that drains output on its own schedule.
 */
CSCTP_EXTERN csctp_tstamp csctp_assoc_timer_expiry(const csctp_assoc *a);

/** Runs the timers whose deadline is at or before `now`. Returns 0 or a fatal error. */
CSCTP_EXTERN int csctp_assoc_handle_expiry(csctp_assoc *a, csctp_tstamp now);

/**
 * Gives back the memory an idle association does not need: the outstanding
 * ring when nothing is in flight, the send buffer's block when no message
 * lives in it, the allocations kept for the next large messages, the
 * receive side's recycled nodes, idle assembly buffers and delivery buffer,
 * kept packet buffers, and an empty control-chunk buffer. What is in use is
 * kept; the next traffic allocates the rest again (which is why the hot path
 * does not do this by itself). Like every call it ends the life of the
 * message csctp_assoc_poll_event() handed out last. Call it when the
 * association has been idle for a while (csctp_peer does after 1 s without
 * traffic). Returns the bytes given back.
 */
CSCTP_EXTERN size_t csctp_assoc_trim(csctp_assoc *a);

/**
 * Tells the association that the caller has read every inbound packet that
 * was waiting (its socket is drained for now). A SACK that the delayed-SACK
 * rule would hold back (an odd last DATA packet, RFC 9260 §6.2) then goes out
 * at the next csctp_assoc_write_packet instead of sack_timeout later, which
 * the RFC allows at any time. Without it a sender that waits for the
 * acknowledgement of its last packet before sending more (usrsctp under
 * GStreamer's sctpenc: it sleeps up to 100 ms each time) stalls at the end of
 * every burst. Costs at most one SACK per batch of reads. Returns 0, or
 * CSCTP_ERR_INVALID_ARGUMENT (`a` NULL).
 */
CSCTP_EXTERN int csctp_assoc_input_drained(csctp_assoc *a);

/**
 * Queues one message, copying `data` once into the send buffer. May be called
 * before the association is established (the data waits for it).
 * Returns 0 or: CSCTP_ERR_STREAM_ID (stream not negotiated),
 * CSCTP_ERR_MSG_TOO_LARGE (over max_message_size; len 0 is also refused with
 * CSCTP_ERR_INVALID_ARGUMENT, as SCTP cannot carry an empty message),
 * CSCTP_ERR_WOULD_BLOCK (send buffer full), CSCTP_ERR_CLOSED (shutting down or
 * closed), CSCTP_ERR_NOMEM. On error nothing changes.
 */
CSCTP_EXTERN int csctp_assoc_send(csctp_assoc *a, const csctp_send_opts *opts, const uint8_t *data,
                                  size_t len, csctp_tstamp now);

/** Flags of csctp_assoc_send_ex(). */
typedef enum csctp_send_flag {
  /**
   * RFC 7053: the message's last DATA (or I-DATA) chunk carries the I bit,
   * asking the peer to acknowledge it at once rather than after its delayed
   * SACK timer; for a sender about to wait on that acknowledgement (the last
   * message of a request, before a shutdown). The last message queued before
   * the sender goes idle carries it anyway.
   */
  CSCTP_SEND_SACK_IMMEDIATELY = 1u << 0,
} csctp_send_flag;

/**
 * csctp_assoc_send() with `flags`, a set of csctp_send_flag bits. Returns
 * what csctp_assoc_send() returns, and CSCTP_ERR_INVALID_ARGUMENT for a bit
 * that is not a csctp_send_flag; on error nothing changes.
 */
CSCTP_EXTERN int csctp_assoc_send_ex(csctp_assoc *a, const csctp_send_opts *opts, unsigned flags,
                                     const uint8_t *data, size_t len, csctp_tstamp now);

/**
 * Starts a graceful shutdown: queued data is still delivered, then
 * SHUTDOWN / SHUTDOWN ACK / SHUTDOWN COMPLETE. A CLOSED event follows.
 * Returns 0 or CSCTP_ERR_INVALID_STATE.
 */
CSCTP_EXTERN int csctp_assoc_shutdown(csctp_assoc *a, csctp_tstamp now);

/**
 * Aborts: an ABORT with a User-Initiated Abort cause carrying `reason` (may
 * be NULL) is written by the next write_packet, then the association is
 * closed. Returns 0 or CSCTP_ERR_INVALID_STATE when already closed.
 */
CSCTP_EXTERN int csctp_assoc_abort(csctp_assoc *a, const char *reason, csctp_tstamp now);

/**
 * Resets our outgoing streams (RFC 6525 Outgoing SSN Reset Request): data
 * already queued on them is sent first, then their sequence numbers start
 * over; a STREAMS_RESET event (incoming = 0) reports the outcome. `n` = 0
 * resets every stream. Messages sent on these streams after this call are
 * accepted and wait: they go after the reset, numbered from SSN 0 (or, if
 * the peer refuses, where the numbering left off). One request is in flight
 * at a time; further calls are merged into the next one (and very long lists
 * are split over several requests). The request is retransmitted on its own
 * timer with the RTO backed off (each loss counts toward
 * association_max_retrans), and asked again while the peer answers "In
 * progress". Returns 0, CSCTP_ERR_INVALID_STATE (not established, or the
 * peer did not announce stream reconfiguration), CSCTP_ERR_STREAM_ID,
 * CSCTP_ERR_INVALID_ARGUMENT (`streams` NULL with n > 0), CSCTP_ERR_NOMEM.
 * The ids are copied.
 */
CSCTP_EXTERN int csctp_assoc_reset_streams(csctp_assoc *a, const uint16_t *streams, size_t n,
                                           csctp_tstamp now);

/**
 * Asks the peer to reset its outgoing streams toward us (RFC 6525 Incoming
 * SSN Reset Request, §5.1.3): `streams` are ids of our inbound streams, `n`
 * = 0 asks for all. The peer performs it by an Outgoing SSN Reset Request of
 * its own once its queued data on them is sent: then a STREAMS_RESET event
 * (incoming = 1) says their sequence numbers start over. An
 * INCOMING_RESET_RESULT event reports the answer (result 0: agreed, else the
 * peer's refusal, e.g. CSCTP_RECONFIG_RESULT_ERROR_REQUEST_ALREADY_IN_PROGRESS
 * while a request of its own is outstanding: ask again later). Requests are sent one at a time and
 * together with our own Outgoing SSN Reset Requests (csctp_assoc_reset_streams), the two in one
 * RE-CONFIG chunk when both wait; further calls are merged into the next
 * request. Retransmitted like csctp_assoc_reset_streams. Returns 0,
 * CSCTP_ERR_INVALID_STATE (not established, or the peer did not announce
 * stream reconfiguration), CSCTP_ERR_STREAM_ID (an id not below the inbound
 * stream count), CSCTP_ERR_INVALID_ARGUMENT (`a` NULL, or `streams` NULL
 * with n > 0), CSCTP_ERR_NOMEM; on error nothing changes. The ids are copied.
 */
CSCTP_EXTERN int csctp_assoc_reset_incoming_streams(csctp_assoc *a, const uint16_t *streams,
                                                    size_t n, csctp_tstamp now);

/**
 * Adds streams to the association (RFC 6525 §5.1.5, §5.1.6): `n_out`
 * outbound streams (Add Outgoing Streams Request: usable once the peer
 * agreed, when STREAMS_CHANGED reports the new outbound count; until then a
 * send on them fails with CSCTP_ERR_STREAM_ID) and `n_in` inbound streams
 * (Add Incoming Streams Request: the peer adds its outgoing streams by a
 * request of its own, reported by STREAMS_CHANGED when it arrives). The two
 * go in one RE-CONFIG chunk. A refusal is reported by STREAMS_CHANGED with
 * a non-zero csctp_reconfig_result. The peer adding streams on its own is reported the same
 * way; it may add outgoing streams up to our max_inbound_streams. One request
 * is in flight at a time; calls made meanwhile are added up into the next
 * one. Returns 0, CSCTP_ERR_INVALID_STATE (not established, or the peer did
 * not announce stream reconfiguration), CSCTP_ERR_INVALID_ARGUMENT (`a`
 * NULL, both counts 0, the outbound count would pass 65535 or the inbound
 * count max_inbound_streams, counting requests not yet answered); on error
 * nothing changes.
 */
CSCTP_EXTERN int csctp_assoc_add_streams(csctp_assoc *a, uint16_t n_out, uint16_t n_in,
                                         csctp_tstamp now);

/**
 * Resets the whole association (RFC 6525 §5.1.4, SSN/TSN Reset Request): the sequence numbers
 * of every stream, both ways, start over at 0, and the TSNs of both directions jump to new
 * values the peer chooses. Data already queued is sent and acknowledged first; messages sent
 * after this call are accepted and wait until the peer answers (§5.1.4 E1: no new TSN is
 * assigned meanwhile); then they go numbered from SSN 0 (or, if the peer refuses, where the
 * numbering left off). An ASSOC_RESET event reports the outcome. The request goes alone in
 * its RE-CONFIG chunk, after any stream reset or addition asked before it, and is
 * retransmitted and asked again on "In progress" like csctp_assoc_reset_streams. Whether the
 * peer performs it is its choice (ours: csctp_config.accept_assoc_reset). Returns 0,
 * CSCTP_ERR_INVALID_ARGUMENT (`a` NULL), CSCTP_ERR_INVALID_STATE (not established, the peer
 * did not announce stream reconfiguration, or an association reset asked earlier is not yet
 * answered), CSCTP_ERR_NOMEM; on error nothing changes. Nothing is kept of the caller's.
 */
CSCTP_EXTERN int csctp_assoc_reset_assoc(csctp_assoc *a, csctp_tstamp now);

/**
 * The current stream counts: *in (may be NULL) streams the peer may send on,
 * *out (may be NULL) streams we may send on; 0 before the handshake.
 */
CSCTP_EXTERN void csctp_assoc_get_stream_counts(const csctp_assoc *a, uint16_t *in, uint16_t *out);

/** Extensions the peer announced in its INIT / INIT ACK. */
typedef struct csctp_peer_features {
  int forward_tsn; /**< RFC 3758 partial reliability */
  int reconfig;    /**< RFC 6525 stream reconfiguration */
} csctp_peer_features;

/** Fills *f once established (zeros before). */
CSCTP_EXTERN void csctp_assoc_get_peer_features(const csctp_assoc *a, csctp_peer_features *f);

/* ----------------------------------------------------------------------
 * Authenticated chunks (RFC 4895), with csctp_config.auth set. An endpoint
 * pair shared key is named by a 16-bit Shared Key Identifier; the key the
 * HMAC of each AUTH chunk is computed with is the shared key followed by
 * both sides' RANDOM, CHUNKS and HMAC-ALGO parameters (RFC 4895 §6.1). Key 0,
 * the empty key, exists from creation and is active until another is.
 * -------------------------------------------------------------------- */

/** Most shared keys an association holds at once (key 0 included). */
#define CSCTP_AUTH_MAX_KEYS 16

/**
 * Adds the endpoint pair shared key `key_id` (`len` bytes of `key`, copied;
 * `key` may be NULL when len is 0), or replaces the key of that id. AUTH
 * chunks we receive may name any key we hold; those we send name the active
 * one (csctp_assoc_auth_activate_key). Returns 0, CSCTP_ERR_INVALID_STATE
 * (csctp_config.auth was 0), CSCTP_ERR_INVALID_ARGUMENT (`a` NULL, `key`
 * NULL with len > 0, len over 65535), CSCTP_ERR_NOBUF (CSCTP_AUTH_MAX_KEYS
 * held already), CSCTP_ERR_NOMEM; on error nothing changes.
 */
CSCTP_EXTERN int csctp_assoc_auth_set_key(csctp_assoc *a, uint16_t key_id, const uint8_t *key,
                                          size_t len);

/**
 * Makes `key_id` the key of the AUTH chunks we send from now on; the others
 * held stay valid for what we receive until deleted, so that the peer may
 * change keys at its own pace. Returns 0, CSCTP_ERR_INVALID_STATE (no AUTH
 * configured), CSCTP_ERR_INVALID_ARGUMENT (`a` NULL, no such key).
 */
CSCTP_EXTERN int csctp_assoc_auth_activate_key(csctp_assoc *a, uint16_t key_id);

/**
 * Deletes the shared key `key_id`: AUTH chunks naming it are dropped from
 * now on (csctp_stats.auth_drop_key_id). The active key cannot be deleted:
 * activate another first. Returns 0, CSCTP_ERR_INVALID_STATE (no AUTH
 * configured, or `key_id` is the active key), CSCTP_ERR_INVALID_ARGUMENT
 * (`a` NULL, no such key).
 */
CSCTP_EXTERN int csctp_assoc_auth_delete_key(csctp_assoc *a, uint16_t key_id);

/** Bytes queued or in flight on one outgoing stream, not yet acknowledged. */
CSCTP_EXTERN size_t csctp_assoc_stream_buffered_amount(const csctp_assoc *a, uint16_t stream);

/** What an ICMP (or ICMPv6) Destination Unreachable message said, for csctp_assoc_on_unreachable.
 */
typedef enum csctp_unreach_kind {
  CSCTP_UNREACH_PORT = 1, /**< port unreachable (SCTP over UDP: nobody listens on that UDP port) */
  CSCTP_UNREACH_PROTOCOL, /**< protocol unreachable / ICMPv6 unrecognized next header */
  CSCTP_UNREACH_OTHER,    /**< host, network, administratively prohibited, ... */
} csctp_unreach_kind;

/**
 * Hands the association an ICMP Destination Unreachable error about one of
 * the packets it sent (RFC 9260 Appendix C; over UDP, RFC 6951 §5.5): the
 * lower layer that receives the ICMP message passes the quoted SCTP packet
 * (`quoted`, `len` bytes from its common header on, only read during the
 * call; ICMP may quote only part of it). The error is acted on only when the
 * quoted packet is provably this association's: its ports are ours and its
 * Verification Tag is the peer's, or it is our INIT (tag 0) whose Initiate
 * Tag is ours; anything else, a quote too short to tell, and kinds other
 * than PORT and PROTOCOL are ignored (counted in csctp_stats.icmp_ignored).
 * A matching PORT or PROTOCOL error is treated as an ABORT from the peer in
 * every state (COOKIE-WAIT included): the association closes at once with
 * CSCTP_CLOSE_UNREACHABLE, sending nothing. Returns 1 when it closed the
 * association, 0 when the error was ignored, CSCTP_ERR_INVALID_ARGUMENT
 * (`a` NULL, or `quoted` NULL with len > 0).
 */
CSCTP_EXTERN int csctp_assoc_on_unreachable(csctp_assoc *a, csctp_unreach_kind kind,
                                            const uint8_t *quoted, size_t len, csctp_tstamp now);

/** Returns the current state. */
CSCTP_EXTERN csctp_assoc_state csctp_assoc_get_state(const csctp_assoc *a);

/**
 * Returns the largest SCTP packet the association writes now: the PLPMTU that
 * RFC 8899 discovery settled on when csctp_config.plpmtud_max is set, else
 * csctp_config.mtu; 0 for NULL. A packet csctp_assoc_write_packet() returns
 * longer than this (a retransmission cut for a larger PLPMTU) is to be sent
 * with IP fragmentation allowed.
 */
CSCTP_EXTERN uint32_t csctp_assoc_get_pmtu(const csctp_assoc *a);

/**
 * Returns 1 when the packet that the last csctp_assoc_write_packet() call
 * returned may be fragmented by IP: a retransmission of a chunk cut when the
 * PLPMTU was larger than now (RFC 9260 §7.3: its TSN cannot be split again;
 * send it with IPv4 DF clear, or let IPv6 fragment it at the source). 0 for
 * every other packet, PLPMTUD probes included, which are sent unfragmented
 * (RFC 8899 §3), and always 0 without csctp_config.plpmtud_max; 0 for NULL.
 */
CSCTP_EXTERN int csctp_assoc_packet_fragmentable(const csctp_assoc *a);

/** The IP header's ECN codepoints (RFC 3168 §5), the low two bits of the IPv4 TOS or IPv6
 *  Traffic Class byte. */
#define CSCTP_ECN_NOT_ECT 0 /**< not ECN-capable transport */
#define CSCTP_ECN_ECT1 1    /**< ECN-capable transport, ECT(1) */
#define CSCTP_ECN_ECT0 2    /**< ECN-capable transport, ECT(0) */
#define CSCTP_ECN_CE 3      /**< Congestion Experienced */

/**
 * Returns the ECN codepoint to put in the IP header of the packet that the
 * last csctp_assoc_write_packet() call returned: CSCTP_ECN_ECT0 for a packet
 * carrying new DATA and no retransmission once ECN is in use
 * (csctp_config.ecn), CSCTP_ECN_NOT_ECT for every other packet (control
 * chunks alone, retransmissions, handshake), always without ECN; 0 for NULL.
 */
CSCTP_EXTERN int csctp_assoc_packet_ecn(const csctp_assoc *a);

/**
 * csctp_assoc_read_packet() for a packet that arrived with the ECN codepoint
 * `ecn` (CSCTP_ECN_*, the low two bits of its IP TOS / Traffic Class; other
 * bits ignored). A packet with DATA marked CSCTP_ECN_CE, once ECN is in use,
 * is echoed to the peer in ECNE chunks until it answers with a CWR. Returns
 * what csctp_assoc_read_packet() returns.
 */
CSCTP_EXTERN int csctp_assoc_read_packet_ecn(csctp_assoc *a, const uint8_t *pkt, size_t len,
                                             int ecn, csctp_tstamp now);

/**
 * Copies the counters and path figures into *st, laid out as version
 * `stats_version` (CSCTP_STATS_V1, ...). Returns 0, or
 * CSCTP_ERR_INVALID_ARGUMENT (a NULL argument, an unknown version) writing
 * nothing. Call it through csctp_assoc_get_stats().
 */
CSCTP_EXTERN int csctp_assoc_get_stats_versioned(const csctp_assoc *a, int stats_version,
                                                 csctp_stats *st);
/** csctp_assoc_get_stats_versioned() with this header's csctp_stats layout. */
#define csctp_assoc_get_stats(A, ST) csctp_assoc_get_stats_versioned((A), CSCTP_STATS_VERSION, (ST))

/** Bytes queued or in flight, not yet acknowledged. */
CSCTP_EXTERN size_t csctp_assoc_buffered_amount(const csctp_assoc *a);

/**
 * Changes the receive window (csctp_config.rwnd, bytes) of a live
 * association. The window advertised to the peer is this minus what the
 * association holds for reassembly, so lowering it closes the advertised
 * window (the peer stops sending once it is 0; DATA beyond it is dropped, as
 * RFC 9260 §6.2 says) and raising it opens the window again, with a window
 * update SACK when it opened by at least min(rwnd/2, MTU). An application
 * that keeps messages it has taken (e.g. a paused socket) lowers it by what
 * it keeps, so its memory stays bounded by the window it configured. A
 * window below max_message_size can hold back a message larger than it
 * until the window grows again. Returns 0 or CSCTP_ERR_INVALID_ARGUMENT
 * (`a` NULL).
 */
CSCTP_EXTERN int csctp_assoc_set_rwnd(csctp_assoc *a, uint32_t rwnd);

/** Sets the threshold of the SEND_BUFFER_LOW event (default 0). */
CSCTP_EXTERN void csctp_assoc_set_send_buffer_low(csctp_assoc *a, size_t threshold);

/** Returns a constant name for a state, e.g. "ESTABLISHED". */
CSCTP_EXTERN const char *csctp_assoc_state_name(csctp_assoc_state st);

/** Priority of a stream that was never given one (weight 1 in the scheduler). */
#define CSCTP_STREAM_PRIORITY_DEFAULT 256

/**
 * Sets the priority of outgoing stream `stream` for the send scheduler, in
 * the units of the WebRTC data channel priority (RFC 8832 §5.1: 128, 256,
 * 512, 1024 as browsers use them). Under CSCTP_SCHED_WFQ, the default (see
 * csctp_assoc_set_scheduler; CSCTP_SCHED_PRIORITY serves the highest value
 * first, the other kinds ignore priorities), streams that have messages
 * queued share the link by deficit round-robin, decided at message
 * boundaries (without I-DATA a message is sent whole once begun): each round
 * a stream may send
 * quantum * priority / 256 bytes (see csctp_assoc_set_sched_quantum), so
 * while both have data queued a stream of priority 512 gets twice the bytes
 * of one of priority 256, whatever the sizes of their messages. Every stream
 * starts at CSCTP_STREAM_PRIORITY_DEFAULT. Takes effect from the next
 * scheduling decision and lasts as long as the association (also across
 * stream resets). Allowed in any state.
 * Returns 0 or CSCTP_ERR_INVALID_ARGUMENT (`a` NULL or priority 0),
 * CSCTP_ERR_STREAM_ID (stream not below the negotiated, or before the
 * handshake the configured, outbound stream count), CSCTP_ERR_NOMEM (nothing
 * changed).
 */
CSCTP_EXTERN int csctp_assoc_set_stream_priority(csctp_assoc *a, uint16_t stream,
                                                 uint16_t priority);

/** Default scheduler quantum, bytes per round at the default priority. */
#define CSCTP_SCHED_QUANTUM_DEFAULT 16384u

/**
 * Sets the send scheduler's quantum: the bytes a stream of priority 256 may
 * send per round (0 restores CSCTP_SCHED_QUANTUM_DEFAULT). Shares between
 * streams do not depend on it; it sets how finely they are kept: a stream is
 * never ahead of its share by more than about one quantum plus one message.
 * Messages up to the quantum cost O(1) scheduling work each; a larger one
 * waits ceil(len / quantum) rounds, which the scheduler skips in one step
 * when nothing else can go. Returns 0 or CSCTP_ERR_INVALID_ARGUMENT (`a`
 * NULL).
 */
CSCTP_EXTERN int csctp_assoc_set_sched_quantum(csctp_assoc *a, uint32_t quantum);

/**
 * Chooses the send scheduler (RFC 8260 §3), how the streams that have
 * messages queued share the association: CSCTP_SCHED_WFQ (the default; byte
 * shares weighted by stream priority, see csctp_assoc_set_stream_priority),
 * CSCTP_SCHED_FAIR (equal byte shares, priorities ignored), CSCTP_SCHED_RR
 * (one message per stream in turn), CSCTP_SCHED_RR_PACKET (one packet per
 * stream in turn: the new data of a packet comes from one stream while it has
 * some), CSCTP_SCHED_PRIORITY (strict: the stream with the highest priority
 * value that has data goes first, round robin among equals; bigger is more
 * important, as with data channel priorities, unlike usrsctp's
 * SCTP_SS_PRIORITY) or CSCTP_SCHED_FCFS (messages in the order they were sent,
 * across streams). csctp_config.scheduler sets it at creation. Allowed in any
 * state and switchable at any time: streams with queued messages take their
 * turns under the new kind from the next decision, no message is lost or
 * reordered within its stream. Without I-DATA a message, once begun, is sent
 * whole before the next decision. PRIORITY and FCFS cost O(streams with data)
 * per message, the others O(1).
 * Returns 0 or CSCTP_ERR_INVALID_ARGUMENT (`a` NULL, or `s` not below
 * CSCTP_SCHED_COUNT; nothing changed).
 */
CSCTP_EXTERN int csctp_assoc_set_scheduler(csctp_assoc *a, csctp_sched s);

/** The send scheduler in use (CSCTP_SCHED_WFQ for a NULL `a`). */
CSCTP_EXTERN csctp_sched csctp_assoc_get_scheduler(const csctp_assoc *a);

/* ======================================================================
 * Endpoint: many associations on one local SCTP port (sans-IO).
 *
 * An endpoint owns the cookie secret of a local port, answers INIT without
 * keeping state (a signed state cookie in the INIT ACK), creates an
 * association only on a valid COOKIE ECHO (RFC 9260 §5.1, RFC 5062), routes
 * every packet to the association that its peer address and SCTP ports
 * identify (§8.5; one association per peer address and port), which then
 * checks the verification tag: a wrong tag is dropped in silence and counted,
 * and a peer restart (§5.2.4) reaches the association it restarts.
 *
 * What may move a path. Associations are single-homed: the peer's IP address
 * never changes, and a packet from another address is not the association's,
 * even with its tag (dropped, csctp_endpoint_stats.drop_unknown_peer), since
 * an address is moved only by the RFC's own means (multi-homing, ASCONF with
 * AUTH), which csctp does not offer. Over UDP (csctp_endpoint_set_addr_port_len)
 * the UDP port is a lower-layer detail that NATs rewrite: it follows the peer
 * (RFC 6951 §5.4), but only after a packet from the peer's IP that passed its
 * checksum, its verification tag and its chunk checks and that the association
 * accepted (a COOKIE ECHO only when its cookie was taken; an INIT never). A
 * packet with a bad checksum or a wrong tag changes nothing, not even timers.
 *
 * The endpoint never opens a socket or reads a clock: the caller feeds packets
 * with the address they came from and sends what it pulls out to the address
 * it is given. The caller may call into the associations it gets from the
 * endpoint (send, shutdown, abort, stream resets, poll_event): such a call
 * marks the association for its endpoint, whose next call takes it into
 * account, so no output or timer is missed. Packets, timers and removal go
 * through the endpoint.
 * ==================================================================== */

/**
 * An SCTP endpoint (opaque): one local port, its cookie secret and its associations; created by
 * csctp_endpoint_new(), freed by csctp_endpoint_del().
 */
typedef struct csctp_endpoint csctp_endpoint;

/** Endpoint counters (packets the endpoint handled itself, not its associations'). */
typedef struct csctp_endpoint_stats {
  /** packets read by the endpoint */
  uint64_t packets_in;
  uint64_t stateless_out;  /**< INIT ACK, ABORT, ERROR sent without an association */
  uint64_t assocs_created; /**< by connect or by a valid COOKIE ECHO */
  uint64_t drop_malformed; /**< too short, or not an SCTP packet */
  /** dropped: bad CRC32c */
  uint64_t drop_bad_crc;
  uint64_t drop_bad_port;     /**< destination port is not ours */
  uint64_t drop_bad_cookie;   /**< COOKIE ECHO with a cookie we did not sign */
  uint64_t drop_refused;      /**< INIT or COOKIE ECHO while not listening / from a refused peer */
  uint64_t drop_unknown_peer; /**< an association's tag from an address that is not its peer's */
  uint64_t drop_port_zero;    /**< source or destination SCTP port 0 (RFC 9260 §3.1) */
  uint64_t other_port;        /**< for an SCTP port we do not serve, answered as out of the blue */
  uint64_t drop_assoc_limit;  /**< COOKIE ECHO refused: csctp_endpoint_limits.max_assocs held */
  uint64_t rx_memory_used;    /**< bytes the associations hold now (their csctp_rx_budget) */
  uint64_t rx_memory_peak;    /**< the most they held */
} csctp_endpoint_stats;

/** Versions of csctp_endpoint_stats's layout; CSCTP_ENDPOINT_STATS_VERSION is this header's. */
#define CSCTP_ENDPOINT_STATS_V1 1
/** The layout version this header describes (pass it to the _versioned functions). */
#define CSCTP_ENDPOINT_STATS_VERSION CSCTP_ENDPOINT_STATS_V1

/**
 * Creates an endpoint on `cfg->local_port`. `cfg` is the template of every
 * association (copied); its cookie_secret, if set, becomes the endpoint's
 * first, else one is drawn from cfg->rand. The secret is replaced from
 * cfg->rand every valid_cookie_life (counted from the first packet read), and
 * the one before still verifies the cookies it signed for one more lifetime.
 * A state cookie is bound to the peer's address (without the UDP port) and
 * ports, and holds no live verification tag (its Tie-Tags are random nonces,
 * RFC 9260 §5.2.2). The endpoint does not listen until
 * csctp_endpoint_listen(). Returns 0 and *pe (free with csctp_endpoint_del),
 * CSCTP_ERR_INVALID_ARGUMENT (same rules as csctp_assoc_new), CSCTP_ERR_NOMEM,
 * CSCTP_ERR_RANDOM.
 */
CSCTP_EXTERN int csctp_endpoint_new_versioned(csctp_endpoint **pe, int config_version,
                                              const csctp_config *cfg);
/** csctp_endpoint_new_versioned() with this header's csctp_config layout. */
#define csctp_endpoint_new(PE, CFG) csctp_endpoint_new_versioned((PE), CSCTP_CONFIG_VERSION, (CFG))

/** Frees the endpoint and every association it holds. NULL is allowed. */
CSCTP_EXTERN void csctp_endpoint_del(csctp_endpoint *e);

/**
 * Accepts incoming associations (`on` non-zero) or refuses them: an INIT is
 * then answered with an ABORT (§8.4). Off by default.
 */
CSCTP_EXTERN void csctp_endpoint_listen(csctp_endpoint *e, int on);

/**
 * Accepts incoming associations only from `peer` (NULL: anyone) and, when
 * `remote_port` is non-zero, only from that SCTP port: the passive connect of
 * the original socket API. `peer` is copied.
 */
CSCTP_EXTERN void csctp_endpoint_restrict(csctp_endpoint *e, const csctp_addr *peer,
                                          uint16_t remote_port);

/**
 * Declares that the last `len` bytes of every csctp_addr given to this
 * endpoint are the peer's UDP port (RFC 6951; 2 with transport/link.c's
 * addresses, 0 by default): packets still go to the whole address, but the
 * peer of an association is its address without those bytes plus its SCTP
 * port, so that an INIT from a peer that comes back from another UDP port is
 * recognised as that association's peer (collision or restart, RFC 9260
 * §5.2) and answered at the port it came from, and csctp_endpoint_restrict
 * compares addresses without them. Call before the first association.
 * Returns 0, CSCTP_ERR_INVALID_ARGUMENT (len above 28) or
 * CSCTP_ERR_INVALID_STATE (associations exist).
 */
CSCTP_EXTERN int csctp_endpoint_set_addr_port_len(csctp_endpoint *e, uint8_t len);

/**
 * What peers can make an endpoint hold, for a gateway facing the Internet.
 * Every field has a safe default (csctp_endpoint_new); 0 means no limit.
 */
typedef struct csctp_endpoint_limits {
  /**
   * Associations held at most, in any state (closed ones count until
   * csctp_endpoint_remove). A valid COOKIE ECHO that would create one more is
   * answered with an ABORT carrying the Out of Resource cause (RFC 9260
   * §3.3.10.4) and counted in csctp_endpoint_stats.drop_assoc_limit; nothing is
   * allocated for it. csctp_endpoint_connect is not bounded by it (the
   * application decides). Default CSCTP_ENDPOINT_MAX_ASSOCS_DEFAULT: an idle
   * association costs some 18 KiB, so 10,000 of them hold some 180 MB.
   */
  uint32_t max_assocs;
  /**
   * Bytes all associations together may hold for reassembly and out-of-order
   * data: the limit of the endpoint's csctp_rx_budget, which it puts in the
   * config of every association it creates (unless the config given to
   * csctp_endpoint_connect names its own). DATA past it is dropped (the peer
   * sends it again) and counted in each association's drop_rx_budget. When the
   * template config of csctp_endpoint_new names a budget, that one is the
   * endpoint's and this sets its limit. Default
   * CSCTP_ENDPOINT_RX_MEMORY_DEFAULT (64 MiB).
   */
  size_t rx_memory;
} csctp_endpoint_limits;

/** Default csctp_endpoint_limits.max_assocs. */
#define CSCTP_ENDPOINT_MAX_ASSOCS_DEFAULT 10000u
/** Default csctp_endpoint_limits.rx_memory, bytes. */
#define CSCTP_ENDPOINT_RX_MEMORY_DEFAULT ((size_t)64 << 20)

/** The endpoint's limits into *lim. */
CSCTP_EXTERN void csctp_endpoint_get_limits(const csctp_endpoint *e, csctp_endpoint_limits *lim);

/**
 * Sets the endpoint's limits (*lim is copied; start from
 * csctp_endpoint_get_limits). A lower limit never takes anything away: it
 * applies to what comes next. Returns 0 or CSCTP_ERR_INVALID_ARGUMENT (NULL).
 */
CSCTP_EXTERN int csctp_endpoint_set_limits(csctp_endpoint *e, const csctp_endpoint_limits *lim);

/**
 * Whether packets that reach the endpoint for another SCTP port are answered
 * as out of the blue (RFC 9260 §8.4: an INIT gets an ABORT, rule 8 an ABORT
 * with the T bit, ...) instead of dropped (csctp_endpoint_stats.drop_bad_port).
 * On by default, and then only for packets that came over UDP: the address
 * ends with a non-zero UDP port (csctp_endpoint_set_addr_port_len), since a
 * UDP socket's packets are all this endpoint's. Over raw IP (no port in the
 * address, or port 0 as transport/link.c gives) the host's other SCTP stacks
 * and endpoints see the same packets, so they are never answered; a caller
 * whose raw-IP addresses carry a non-zero port must switch this off.
 */
CSCTP_EXTERN void csctp_endpoint_answer_other_ports(csctp_endpoint *e, int on);

/**
 * Creates an association to `peer`:`remote_port` and starts its handshake.
 * `cfg` overrides the template (NULL: the template); its local_port and
 * cookie_secret are replaced by the endpoint's. The association belongs to
 * the endpoint (valid until csctp_endpoint_remove or _del). Returns 0 and *pa,
 * CSCTP_ERR_INVALID_STATE when an association with `peer` (its address without
 * the UDP port) and `remote_port` exists and is not closed (one association per
 * peer, RFC 9260 §8.5), or the errors of csctp_assoc_new / csctp_assoc_connect.
 */
CSCTP_EXTERN int csctp_endpoint_connect(csctp_endpoint *e, const csctp_addr *peer,
                                        uint16_t remote_port, const csctp_config *cfg,
                                        csctp_tstamp now, csctp_assoc **pa);

/**
 * Processes one inbound packet that came from `from` (only read during the
 * call). *pa (may be NULL) receives the association the packet went to, which
 * is new when a COOKIE ECHO created it, or NULL when the endpoint answered or
 * dropped it itself. Malformed packets and packets for another port are
 * dropped and counted. Returns 0 or a fatal error (CSCTP_ERR_NOMEM).
 */
CSCTP_EXTERN int csctp_endpoint_read_packet(csctp_endpoint *e, const csctp_addr *from,
                                            const uint8_t *pkt, size_t len, csctp_tstamp now,
                                            csctp_assoc **pa);

/**
 * csctp_endpoint_read_packet() for a packet that arrived with the ECN
 * codepoint `ecn` (CSCTP_ECN_*): the association it goes to reacts to a CE
 * mark as csctp_assoc_read_packet_ecn() says. Returns what
 * csctp_endpoint_read_packet() returns.
 */
CSCTP_EXTERN int csctp_endpoint_read_packet_ecn(csctp_endpoint *e, const csctp_addr *from,
                                                const uint8_t *pkt, size_t len, int ecn,
                                                csctp_tstamp now, csctp_assoc **pa);

/**
 * Writes the next outbound packet of the endpoint or of any of its
 * associations into `buf` and its destination address into *to (the SCTP
 * ports are in the packet); *pa (may be NULL) gets the association, NULL for a
 * stateless reply.
 * Returns its length, 0 when nothing is due, or CSCTP_ERR_NOBUF (`cap` below
 * the MTU). Call until it returns 0 after every other call.
 */
CSCTP_EXTERN csctp_ssize csctp_endpoint_write_packet(csctp_endpoint *e, uint8_t *buf, size_t cap,
                                                     csctp_tstamp now, csctp_addr *to,
                                                     csctp_assoc **pa);

/**
 * Multi-homing (csctp_config.max_paths > 1, addresses in IP form, csctp_addr_ip4()): the
 * endpoint's own addresses, listed in the INIT and INIT ACK of its associations (RFC 9260
 * §5.1.2) and numbered for csctp_route.local; `addrs` (n of them, at most CSCTP_PATHS_MAX) is
 * copied. Returns 0, CSCTP_ERR_INVALID_ARGUMENT (too many, not in IP form for the endpoint's
 * csctp_endpoint_set_addr_port_len()) or CSCTP_ERR_INVALID_STATE (the endpoint's
 * max_paths is 1, or it has associations already).
 */
CSCTP_EXTERN int csctp_endpoint_set_local_addrs(csctp_endpoint *e, const csctp_addr *addrs,
                                                size_t n);

/**
 * csctp_endpoint_connect() to a multi-homed peer: `peers` (n, 1..CSCTP_PATHS_MAX, IP form)
 * are all its addresses the user knows, confirmed from the start (RFC 9260 §5.4 rule 1);
 * the INIT goes to peers[0], path 0. Needs max_paths > 1 (of `cfg`, else of the endpoint's
 * configuration). Returns what csctp_endpoint_connect() returns, or
 * CSCTP_ERR_INVALID_ARGUMENT for an address not in IP form or more than max_paths.
 */
CSCTP_EXTERN int csctp_endpoint_connectx(csctp_endpoint *e, const csctp_addr *peers, size_t n,
                                         uint16_t remote_port, const csctp_config *cfg,
                                         csctp_tstamp now, csctp_assoc **pa);

/**
 * csctp_endpoint_read_packet() that also says which local address the packet arrived at
 * (`from->local`, an index in the endpoint's local addresses, or CSCTP_LOCAL_ANY). A packet
 * from any confirmed address of a multi-homed association goes to it; from an address it
 * has not confirmed only with its own verification tag (RFC 5062 §3: a merely listed
 * address routes no INIT or COOKIE ECHO, and no other association's packets); stateless
 * answers go back from `from->local`. Returns what csctp_endpoint_read_packet() returns.
 */
CSCTP_EXTERN int csctp_endpoint_read_packet_via(csctp_endpoint *e, const csctp_route *from,
                                                const uint8_t *pkt, size_t len, csctp_tstamp now,
                                                csctp_assoc **pa);

/**
 * csctp_endpoint_read_packet_via() for a packet that arrived with the ECN codepoint `ecn`
 * (CSCTP_ECN_*), as csctp_endpoint_read_packet_ecn() takes it. Returns what
 * csctp_endpoint_read_packet_via() returns.
 */
CSCTP_EXTERN int csctp_endpoint_read_packet_via_ecn(csctp_endpoint *e, const csctp_route *from,
                                                    const uint8_t *pkt, size_t len, int ecn,
                                                    csctp_tstamp now, csctp_assoc **pa);

/**
 * csctp_endpoint_write_packet() with the whole route in *to: the peer address of the path
 * the packet goes on (its UDP port that path's, RFC 6951 §5.3), the local address to send
 * it from (CSCTP_LOCAL_ANY: the system chooses), the association's path index (0 for a
 * stateless answer) and whether it may be fragmented (the plain call gives the peer
 * address alone). Returns what csctp_endpoint_write_packet() returns.
 */
CSCTP_EXTERN csctp_ssize csctp_endpoint_write_packet_via(csctp_endpoint *e, uint8_t *buf,
                                                         size_t cap, csctp_tstamp now,
                                                         csctp_route *to, csctp_assoc **pa);

/**
 * Takes the next event of any association into *ev and the association into
 * *pa. Returns 1 or 0 when no association has one. Pointers in *ev are valid
 * until the next call on that association.
 */
CSCTP_EXTERN int csctp_endpoint_poll_event(csctp_endpoint *e, csctp_assoc **pa, csctp_event *ev);

/**
 * 0 (already due) while output may be waiting to be written (a packet queued,
 * or an association called since csctp_endpoint_write_packet() last found it
 * with nothing to send), as csctp_assoc_expiry(); else the earliest timer
 * deadline of all associations, or CSCTP_TSTAMP_NONE.
 */
CSCTP_EXTERN csctp_tstamp csctp_endpoint_expiry(const csctp_endpoint *e);

/** Runs the due timers of every association. Returns 0 or a fatal error. */
CSCTP_EXTERN int csctp_endpoint_handle_expiry(csctp_endpoint *e, csctp_tstamp now);

/**
 * Removes an association from the endpoint and frees it (usually after its
 * CLOSED event; an association not yet closed disappears without a word to
 * its peer: abort it first). Returns 0 or CSCTP_ERR_INVALID_ARGUMENT when
 * `a` is not one of this endpoint's.
 */
CSCTP_EXTERN int csctp_endpoint_remove(csctp_endpoint *e, csctp_assoc *a);

/**
 * The peer address and SCTP port of one of the endpoint's associations: where
 * its packets go (over UDP, the UDP port of the last packet it accepted; see
 * "What may move a path" above). Returns 0 or CSCTP_ERR_INVALID_ARGUMENT.
 */
CSCTP_EXTERN int csctp_endpoint_assoc_peer(const csctp_endpoint *e, const csctp_assoc *a,
                                           csctp_addr *peer, uint16_t *remote_port);

/** Number of associations held (any state). */
CSCTP_EXTERN size_t csctp_endpoint_count(const csctp_endpoint *e);

/** The local SCTP port. */
CSCTP_EXTERN uint16_t csctp_endpoint_port(const csctp_endpoint *e);

/**
 * Copies the endpoint's counters into *st, laid out as version
 * `stats_version`. Returns 0, or CSCTP_ERR_INVALID_ARGUMENT (a NULL argument,
 * an unknown version) writing nothing. Call it through csctp_endpoint_get_stats().
 */
CSCTP_EXTERN int csctp_endpoint_get_stats_versioned(const csctp_endpoint *e, int stats_version,
                                                    csctp_endpoint_stats *st);
/** csctp_endpoint_get_stats_versioned() with this header's layout. */
#define csctp_endpoint_get_stats(E, ST) \
  csctp_endpoint_get_stats_versioned((E), CSCTP_ENDPOINT_STATS_VERSION, (ST))

/*
 * Capture (pcapng). The SCTP packets of an association, as the engine reads and writes them
 * (decrypted, before DTLS or UDP encapsulation), in a file Wireshark and tshark open: a
 * Section Header Block, one Interface Description Block of link type IPv4 (LINKTYPE_IPV4,
 * 228; snap length 65535, timestamps in microseconds) and one Enhanced Packet Block per
 * packet, the SCTP packet inside a synthetic IPv4 header (protocol 132, a valid header
 * checksum) from 10.0.0.1 (us) to 10.0.0.2 (the peer), or back for inbound packets. The
 * timestamps are the `now` given with each packet (the caller's clock, often monotonic),
 * plus an offset the caller may set (csctp_capture_set_clock_offset()) to show wall-clock
 * times.
 *
 * csctp_pcapng_header() and csctp_pcapng_packet() only format bytes into the caller's
 * buffer (sans-IO, for a program that writes its captures itself). csctp_capture is the
 * file writer built on them, the one the peer (peer.h) and the socket API (socket.h) open
 * when the environment variable CSCTP_CAPTURE holds a path prefix: each peer and each
 * socket host (a client socket, or a server with all its associations) writes
 * `<prefix>-<pid>-<n>.pcapng`. The engine itself never reads the environment and never
 * captures on its own: a program that drives csctp_assoc or csctp_endpoint itself passes
 * each packet it reads or writes to csctp_capture_packet().
 *
 * A csctp_capture is used by one thread at a time, like the association whose packets it
 * writes.
 */

/** Bytes csctp_pcapng_header() writes: a Section Header Block and an Interface Description Block.
 */
#define CSCTP_PCAPNG_HEADER_LEN 48

/** The most bytes csctp_pcapng_packet() writes for an SCTP packet of `len` bytes. */
#define CSCTP_PCAPNG_PACKET_MAX(len) ((size_t)52 + (((size_t)(len) + 3) & ~(size_t)3))

/**
 * Writes the file header of a capture (CSCTP_PCAPNG_HEADER_LEN bytes) into `buf`. Returns
 * its length, CSCTP_ERR_NOBUF when `cap` is smaller (nothing written) or
 * CSCTP_ERR_INVALID_ARGUMENT for a NULL `buf`. The caller owns `buf`.
 */
CSCTP_EXTERN csctp_ssize csctp_pcapng_header(uint8_t *buf, size_t cap);

/**
 * Writes one Enhanced Packet Block holding the SCTP packet `pkt` (`len` bytes, borrowed for
 * the call) in its synthetic IPv4 header into `buf`: `inbound` non-zero for a packet from the
 * peer, 0 for one of ours; `now` its timestamp in microseconds. A packet longer than 65,515
 * bytes (the most an IPv4 total length holds) is stored truncated, its original length
 * recorded. Returns the block's length (at most CSCTP_PCAPNG_PACKET_MAX(len)),
 * CSCTP_ERR_NOBUF when it does not fit `cap` (nothing written), or
 * CSCTP_ERR_INVALID_ARGUMENT for a NULL `buf`, or a NULL `pkt` with a non-zero `len`.
 */
CSCTP_EXTERN csctp_ssize csctp_pcapng_packet(uint8_t *buf, size_t cap, int inbound,
                                             const uint8_t *pkt, size_t len, csctp_tstamp now);

/** A capture file being written (csctp_capture_open()). */
typedef struct csctp_capture csctp_capture;

/** The size limit a new capture file starts with: 64 MiB (csctp_capture_set_max_bytes()). */
#define CSCTP_CAPTURE_MAX_BYTES_DEFAULT ((uint64_t)64 << 20)

/** What a capture has written and refused (csctp_capture_counters()). */
typedef struct csctp_capture_counts {
  uint64_t packets;      /**< packets written */
  uint64_t bytes;        /**< bytes in the file, its header included */
  uint64_t dropped;      /**< packets not written: past the size limit, or after a short write */
  uint64_t write_errors; /**< writes the OS refused or cut short (never fatal) */
  int full;              /**< 1 once the size limit refused a packet */
} csctp_capture_counts;

/**
 * Creates (or truncates) the file `path`, mode 0600 (it holds decrypted application data),
 * and writes the capture's header into it. On success *pc receives the capture (free it with
 * csctp_capture_close()); `path` is copied. `mem` (NULL: csctp_mem_default()) serves the one
 * allocation and must outlive the capture. Returns 0, CSCTP_ERR_INVALID_ARGUMENT (a NULL or
 * empty argument, or a path the OS cannot create, such as one in a missing directory),
 * CSCTP_ERR_PERMISSION, CSCTP_ERR_NO_DESCRIPTORS or CSCTP_ERR_NOMEM; nothing is created on
 * error. A failed write of the header is counted in write_errors, and the capture then
 * writes nothing.
 */
CSCTP_EXTERN int csctp_capture_open(csctp_capture **pc, const char *path, const csctp_mem *mem);

/**
 * As csctp_capture_open(), at `<prefix>-<pid>-<n>.pcapng` with the smallest n from 1 whose
 * file does not exist yet (created exclusively, so that the peers and sockets of one process,
 * and other processes, never share a file). `prefix` may name a directory
 * ("/tmp/cap/run"); the directory must exist. csctp_capture_path() gives the name chosen.
 */
CSCTP_EXTERN int csctp_capture_open_prefix(csctp_capture **pc, const char *prefix,
                                           const csctp_mem *mem);

/**
 * Sets the file's size limit in bytes, its header included (0: no limit). A packet whose
 * block would take the file past it is not written, and neither is any packet after it.
 */
CSCTP_EXTERN void csctp_capture_set_max_bytes(csctp_capture *c, uint64_t max_bytes);

/**
 * Sets microseconds added to every later packet's `now` in the file (0 at first), so that
 * a caller whose clock is monotonic can give the file wall-clock times: the peer and the
 * socket API pass g_get_real_time() - g_get_monotonic_time(), taken when the file opens.
 */
CSCTP_EXTERN void csctp_capture_set_clock_offset(csctp_capture *c, int64_t offset);

/**
 * Appends one SCTP packet (`pkt`, `len` bytes, borrowed for the call; `inbound` and `now` as
 * for csctp_pcapng_packet()) to the file, with one writev() and no allocation. Returns 0 when
 * the packet was written or counted as dropped or as a write error (a failed write is never
 * an error for the caller), 1 for the packet that first found the file at its size limit
 * (the caller may log that once; later packets return 0), or CSCTP_ERR_INVALID_ARGUMENT
 * for a NULL `c`, or a NULL `pkt` with a non-zero `len`.
 */
CSCTP_EXTERN int csctp_capture_packet(csctp_capture *c, int inbound, const uint8_t *pkt, size_t len,
                                      csctp_tstamp now);

/** The file's name (owned by `c`, valid until csctp_capture_close()), or NULL for NULL. */
CSCTP_EXTERN const char *csctp_capture_path(const csctp_capture *c);

/** Copies the capture's counters into *out (nothing for a NULL argument). */
CSCTP_EXTERN void csctp_capture_counters(const csctp_capture *c, csctp_capture_counts *out);

/** Closes the file and frees the capture. NULL is a no-op. */
CSCTP_EXTERN void csctp_capture_close(csctp_capture *c);

#ifdef __cplusplus
}
#endif

#endif
