/* SPDX-License-Identifier: MIT */
/**
 * @file
 * csctp — the ICE agent (RFC 8445) on libnice, for one WebRTC transport.
 *
 * An I/O layer: it runs on a GMainContext given by the caller, starts no
 * thread, and calls its single event callback only from that context (while
 * the caller iterates it, or from inside a csctp_ice_agent_* call). The agent
 * has one stream with one component (BUNDLE and rtcp-mux: every datagram of
 * the peer connection goes through it) over UDP only.
 *
 * Typical use:
 *   1. csctp_ice_config_default(), set on_event, controlling (the offerer is
 *      controlling) and the addresses / servers; csctp_ice_agent_new().
 *   2. csctp_ice_agent_gather(): local candidates arrive as
 *      CSCTP_ICE_EVENT_CANDIDATE events (trickle them or put them in the SDP),
 *      then CSCTP_ICE_EVENT_GATHERING_DONE (a=end-of-candidates).
 *   3. From the remote description: csctp_ice_agent_set_remote_credentials(),
 *      then csctp_ice_agent_add_remote_candidate() for each candidate, at any
 *      time, and csctp_ice_agent_end_of_remote_candidates() when the peer says
 *      so (a=end-of-candidates, or a complete description without trickle).
 *   4. CSCTP_ICE_EVENT_STATE reports CHECKING, CONNECTED, then possibly
 *      FAILED (checks failed, the connect timeout passed, or consent was lost,
 *      RFC 7675). Once CONNECTED, csctp_ice_agent_send() sends datagrams and
 *      CSCTP_ICE_EVENT_DATAGRAM delivers them (STUN is consumed by libnice;
 *      what arrives is DTLS, or RTP/RTCP, to be demultiplexed per RFC 7983).
 *      On a host or server-reflexive UDP pair the data queued behind a
 *      datagram from the selected remote is read in batches of up to 16
 *      (two system calls a batch) and delivered as consecutive events.
 *
 * Thread safety: an I/O layer on GLib. A csctp_ice_agent belongs to the
 * GMainContext it was created with: call its functions only from the thread
 * that iterates that context (the one that owns it), and its event callback is
 * called on that thread. Agents on different contexts may live on different
 * threads. csctp_ice_config_default(), csctp_ice_state_name(),
 * csctp_ice_gathering_state_name() and csctp_ice_server_parse() keep no state
 * and may be called from any thread.
 */
#ifndef CSCTP_ICE_H
#define CSCTP_ICE_H

#include <csctp/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* GLib's main context (GMainContext); declared here so that this header does
 * not need GLib's include paths. */
struct _GMainContext;

/**
 * An ICE agent (opaque) on a GMainContext: created by csctp_ice_agent_new(),
 * freed by csctp_ice_agent_del().
 */
typedef struct csctp_ice_agent csctp_ice_agent;

/**
 * Connection state of the agent's one component. The names are those of the W3C
 * RTCIceConnectionState; of its seven values the agent reports four: "new",
 * "checking", "connected" and "failed" (never "completed", "disconnected" or
 * "closed": libnice keeps checking after success, consent loss is FAILED, and
 * a deleted agent reports nothing).
 */
typedef enum csctp_ice_state {
  CSCTP_ICE_STATE_NEW = 0,   /**< created, possibly gathering; no checks yet */
  CSCTP_ICE_STATE_CHECKING,  /**< connectivity checks are running */
  CSCTP_ICE_STATE_CONNECTED, /**< a pair works: datagrams can be sent */
  CSCTP_ICE_STATE_FAILED,    /**< terminal: no pair works, timeout, or consent lost */
} csctp_ice_state;

/** Returns the state's name ("new", "checking", "connected", "failed"), as
 *  RTCIceConnectionState spells it; "unknown" for a value out of range. */
CSCTP_EXTERN const char *csctp_ice_state_name(csctp_ice_state state);

/** Gathering state of the agent (W3C RTCIceGatheringState). */
typedef enum csctp_ice_gathering_state {
  CSCTP_ICE_GATHERING_NEW = 0,   /**< csctp_ice_agent_gather() not called yet */
  CSCTP_ICE_GATHERING_GATHERING, /**< gathering (or resolving the servers' names first) */
  CSCTP_ICE_GATHERING_COMPLETE,  /**< GATHERING_DONE was reported */
} csctp_ice_gathering_state;

/** Returns "new", "gathering" or "complete", as RTCIceGatheringState spells them;
 *  "unknown" for a value out of range. */
CSCTP_EXTERN const char *csctp_ice_gathering_state_name(csctp_ice_gathering_state state);

/** Kinds of ICE server. */
typedef enum csctp_ice_server_type {
  CSCTP_ICE_SERVER_STUN = 0, /**< server-reflexive candidates */
  CSCTP_ICE_SERVER_TURN_UDP, /**< relayed candidates, TURN over UDP */
  CSCTP_ICE_SERVER_TURN_TCP, /**< relayed candidates, TURN over TCP */
  CSCTP_ICE_SERVER_TURN_TLS, /**< relayed candidates, TURN over TLS (turns:) */
} csctp_ice_server_type;

/**
 * A STUN or TURN server. `address` is a numeric IPv4 or IPv6 address or a host
 * name; the agent resolves names (GResolver, asynchronously on its context,
 * never blocking a call) when it is created, and csctp_ice_agent_gather()
 * waits for the answers, until at most CSCTP_ICE_RESOLVE_TIMEOUT_MS after the
 * agent's creation, before gathering (remote candidates and credentials may be
 * given meanwhile: they are paired once the local candidates exist). A name that does not resolve
 * in time is left out with a log line (CSCTP_LOG_ICE, warning); the agent then gathers with the
 * servers that remain (host candidates at least). A name that resolves to several addresses is used
 * at its first IPv4 one (else its first IPv6 one).
 *
 * libnice asks one STUN server per agent: the first STUN server whose address
 * is usable is used, the others are not (a name that fails falls through to the
 * next). Every TURN server gives relayed candidates.
 *
 * csctp_ice_server_parse() fills one from a "stun:" or "turn:" URL.
 */
typedef struct csctp_ice_server {
  /** STUN, or TURN over UDP, TCP or TLS */
  csctp_ice_server_type type;
  const char *address;  /**< numeric IP address or host name */
  uint16_t port;        /**< 0 = 3478 (5349 for TURN over TLS) */
  const char *username; /**< TURN only */
  const char *password; /**< TURN only */
} csctp_ice_server;

/** The longest host name a server may have (RFC 1035: 253 characters). */
#define CSCTP_ICE_HOST_MAX 253

/** How long after its creation an agent waits for server names to resolve, in ms. */
#define CSCTP_ICE_RESOLVE_TIMEOUT_MS 5000

/**
 * Parses one STUN or TURN server URL, as an entry of RTCIceServer.urls gives it
 * (RFC 7064, RFC 7065): "stun:" host [":" port], "turn:" or "turns:" host
 * [":" port] ["?transport=udp" or "?transport=tcp"]; the scheme in any case;
 * host a name (letters, digits, '-', '.', '_'; at most CSCTP_ICE_HOST_MAX), an
 * IPv4 address, or an IPv6 address in brackets; port 1 to 65535, by default
 * 3478 (5349 for turns:). turn: is TURN over UDP unless ?transport=tcp; turns:
 * is TURN over TLS (over TCP).
 *
 * Fills `*out`: `address` points to the host, written NUL-terminated (without
 * brackets) into `buf` (`cap` bytes; CSCTP_ICE_HOST_MAX + 1 always suffice);
 * `username` and `password` are `username` and `credential` themselves (TURN),
 * NULL for STUN. So `*out` is valid as long as `buf` and the credentials are:
 * the URL itself may go at once.
 *
 * Errors, `*out` then unchanged: CSCTP_ERR_INVALID_ARGUMENT (out, url or buf NULL,
 * cap 0; a TURN URL without username or credential; a well-formed URL libnice
 * cannot use: "stuns:" (STUN over TLS), "turns:...?transport=udp" (TURN over
 * DTLS)), CSCTP_ERR_MALFORMED (not such a URL: no or another scheme, an empty
 * or invalid host, an unterminated '[', a bad port, a query other than the
 * transport, anything after), CSCTP_ERR_NOBUF (the host does not fit in `cap`).
 * Reads `url` up to its NUL, nothing more; keeps no state (any thread).
 */
CSCTP_EXTERN int csctp_ice_server_parse(csctp_ice_server *out, const char *url,
                                        const char *username, const char *credential, char *buf,
                                        size_t cap);

/** Event types (see csctp_ice_event). */
typedef enum csctp_ice_event_type {
  /** A new local candidate: u.candidate. Send it to the peer (trickle) or put
   *  it in the description. */
  CSCTP_ICE_EVENT_CANDIDATE = 1,
  /** Local gathering is complete: no more CANDIDATE events (send
   *  end-of-candidates: a=end-of-candidates, or an empty trickle candidate). */
  CSCTP_ICE_EVENT_GATHERING_DONE,
  /** The connection state changed: u.state. */
  CSCTP_ICE_EVENT_STATE,
  /** The pair used for sending changed: u.pair. */
  CSCTP_ICE_EVENT_SELECTED_PAIR,
  /** A datagram from the peer (not STUN): u.datagram. */
  CSCTP_ICE_EVENT_DATAGRAM,
} csctp_ice_event_type;

/**
 * An event. Every pointer in it is valid only during the callback; copy what
 * you keep.
 */
typedef struct csctp_ice_event {
  /** What happened: says which member of `u` is set. */
  csctp_ice_event_type type;
  /**
   * The details of each kind of event, named after it (CANDIDATE: `candidate`,
   * STATE: `state`, SELECTED_PAIR: `pair`, DATAGRAM: `datagram`).
   */
  union {
    struct {
      /** The SDP attribute line, "a=candidate:...". */
      const char *sdp_line;
      /** The same without "a=": "candidate:...", the form of a trickled
       *  candidate (RTCIceCandidate.candidate). Points into sdp_line. */
      const char *candidate;
    } candidate;
    /** the new connection state */
    csctp_ice_state state;
    struct {
      const char *local;  /**< local candidate, "candidate:..." */
      const char *remote; /**< remote candidate, "candidate:..." */
    } pair;
    struct {
      /** the datagram */
      const uint8_t *data;
      /** its length in bytes */
      size_t len;
    } datagram;
  } u;
} csctp_ice_event;

/**
 * The event callback, called on the agent's GMainContext. It may call any
 * csctp_ice_agent_* function, including csctp_ice_agent_del() on `agent`
 * (the memory is then released once the callback has returned).
 */
typedef void (*csctp_ice_event_fn)(csctp_ice_agent *agent, const csctp_ice_event *ev,
                                   void *user_data);

/**
 * Agent configuration. Start from csctp_ice_config_default(). Strings and
 * arrays are copied (or passed to libnice) by csctp_ice_agent_new(): they need
 * not outlive the call.
 */
typedef struct csctp_ice_config {
  /** Controlling (1) or controlled (0): the offerer controls (RFC 8445
   *  §6.1.1). Can be changed with csctp_ice_agent_set_controlling() until
   *  gathering starts. Default 0. */
  int controlling;
  /** Numeric IP addresses to gather host candidates on. When
   *  n_local_addresses is 0 (the default) the agent uses every interface
   *  address that libnice enumerates, which excludes loopback. */
  const char *const *local_addresses;
  /** Entries in `local_addresses`. */
  size_t n_local_addresses;
  /** With enumerated addresses: also gather on 127.0.0.1 (libnice leaves
   *  loopback out). Default 0. */
  int include_loopback;
  /** Local UDP port range for host candidates; 0, 0 (default) = any. @{ */
  uint16_t port_min, port_max;
  /** @} */
  /** STUN / TURN servers; none by default. */
  const csctp_ice_server *servers;
  /** Entries in `servers`. */
  size_t n_servers;
  /** Local ICE credentials (ice-char, ufrag 4-256 and pwd 22-256
   *  characters); NULL (default) = random ones from libnice. @{ */
  const char *local_ufrag, *local_pwd;
  /** @} */
  /** Fail when no pair works this long after the remote credentials were
   *  set, in milliseconds; 0 = only when libnice fails the checks (which,
   *  with trickle ICE, waits for end-of-candidates). Default 30000. */
  uint32_t connect_timeout_ms;
  /** RFC 7675 consent freshness: lose the connection (FAILED) when the peer
   *  stops answering consent checks for 30 s. Default 1. */
  int consent_freshness;
  /** Required: receives every event, on the agent's context. */
  csctp_ice_event_fn on_event;
  /** Passed unchanged to `on_event`. */
  void *user_data;
  const csctp_mem *mem; /**< allocator for the wrapper; NULL = default */
  csctp_log_fn log;     /**< optional logging hook (CSCTP_LOG_ICE) */
  /** Passed unchanged to `log`. */
  void *log_user_data;
  /** Categories passed to `log`. */
  uint32_t log_mask;
  /**
   * Optional: per level, the categories logged at that level (csctp_log_levels_parse(),
   * csctp_log_levels_set()). A line reaches `log` when its category is in `log_mask` and, unless
   * this array is all zero (the default: every level), in `log_levels[level]`.
   */
  uint32_t log_levels[CSCTP_LOG_LEVELS];
} csctp_ice_config;

/** Versions of csctp_ice_config's layout; CSCTP_ICE_CONFIG_VERSION is this header's. */
#define CSCTP_ICE_CONFIG_V1 1
/** The layout version this header describes (pass it to the _versioned functions). */
#define CSCTP_ICE_CONFIG_VERSION CSCTP_ICE_CONFIG_V1

/**
 * Fills `cfg`, laid out as version `config_version`, with the defaults
 * documented above. Returns 0, or CSCTP_ERR_INVALID_ARGUMENT (cfg NULL, an
 * unknown version) writing nothing. Call it through csctp_ice_config_default().
 */
CSCTP_EXTERN int csctp_ice_config_default_versioned(int config_version, csctp_ice_config *cfg);
/** csctp_ice_config_default_versioned() for this header's layout. */
#define csctp_ice_config_default(CFG) \
  csctp_ice_config_default_versioned(CSCTP_ICE_CONFIG_VERSION, (CFG))

/**
 * Creates an agent on `ctx` (a GMainContext*; NULL = the global default
 * context), with full ICE, trickle, regular nomination (RFC 8445) and one
 * UDP component. Sockets are opened by csctp_ice_agent_gather(), not here.
 * The agent holds a reference on `ctx` until csctp_ice_agent_del().
 *
 * The agent's own sources (libnice's sockets and timers) are not attached to
 * `ctx` itself but to a small private context shared by a few agents, which
 * one source on `ctx` serves from an epoll set and a deadline heap: thousands
 * of agents on one context cost per event what a few do. Callbacks still
 * arrive on the thread that iterates `ctx`.
 *
 * Errors: CSCTP_ERR_INVALID_ARGUMENT (no on_event, a local address that is not a
 * numeric IP, bad credentials, port_min > port_max, a server whose address is
 * neither a numeric IP nor a host name, a TURN server without credentials),
 * an unknown `config_version`), CSCTP_ERR_NOMEM, CSCTP_ERR_INVALID_STATE
 * (libnice refused the stream), CSCTP_ERR_NO_DESCRIPTORS (fewer than four
 * file descriptors left in the process: GLib would abort the process when
 * libnice makes its component's context).
 * On success `*out` owns the agent; free it with csctp_ice_agent_del().
 */
CSCTP_EXTERN int csctp_ice_agent_new_versioned(csctp_ice_agent **out, struct _GMainContext *ctx,
                                               int config_version, const csctp_ice_config *cfg);
/** csctp_ice_agent_new_versioned() with this header's csctp_ice_config layout. */
#define csctp_ice_agent_new(OUT, CTX, CFG) \
  csctp_ice_agent_new_versioned((OUT), (CTX), CSCTP_ICE_CONFIG_VERSION, (CFG))

/**
 * Closes the agent's sockets and frees it; no event follows. NULL is
 * accepted. Allowed inside the agent's own callback.
 */
CSCTP_EXTERN void csctp_ice_agent_del(csctp_ice_agent *agent);

/**
 * The private context the agent's sources run on (see csctp_ice_agent_new):
 * attach a source there, rather than to the caller's context, to have it served
 * at the agent's cost instead of at every iteration of the caller's context.
 * Borrowed: valid until csctp_ice_agent_del(); iterate it only through the
 * caller's context. For a resumed agent (csctp_ice_agent_handover_import()) it is
 * the caller's context itself.
 */
CSCTP_EXTERN struct _GMainContext *csctp_ice_agent_context(const csctp_ice_agent *agent);

/**
 * Local ICE credentials (for a=ice-ufrag / a=ice-pwd). The strings belong to
 * the agent and live as long as it does.
 */
CSCTP_EXTERN const char *csctp_ice_agent_local_ufrag(const csctp_ice_agent *agent);
/** The local ICE password (a=ice-pwd), like csctp_ice_agent_local_ufrag(). */
CSCTP_EXTERN const char *csctp_ice_agent_local_pwd(const csctp_ice_agent *agent);

/**
 * Sets the role (the offer/answer decides it: the offerer controls, RFC 8445
 * §6.1.1). libnice fixes the role once gathering has started (it would log
 * "role switch requested but conncheck already started" and keep the old
 * one, and the checks would end in a role conflict), so a change is only
 * possible before csctp_ice_agent_gather(): decide the role at creation
 * (csctp_ice_config.controlling) when you can. Asking for the current role
 * always returns 0. Errors: CSCTP_ERR_INVALID_STATE for a change after
 * gathering started or once the remote credentials are set (nothing changes).
 */
CSCTP_EXTERN int csctp_ice_agent_set_controlling(csctp_ice_agent *agent, int controlling);

/**
 * Returns 1 when the agent is controlling, 0 when controlled: the role it
 * runs its checks with. (A role conflict during the checks, RFC 8445
 * §7.3.1.1, may still switch it inside libnice, which does not report it.)
 */
CSCTP_EXTERN int csctp_ice_agent_get_controlling(const csctp_ice_agent *agent);

/**
 * Starts gathering local candidates (host, and server-reflexive / relayed
 * when servers are configured). Candidates come as CANDIDATE events, then
 * one GATHERING_DONE, on the context (the first ones possibly from inside
 * this call). When server names are still being resolved, gathering starts once
 * they are (or CSCTP_ICE_RESOLVE_TIMEOUT_MS has passed), from the context; if
 * libnice cannot gather then, the agent goes to FAILED (STATE event).
 * Errors: CSCTP_ERR_INVALID_STATE when called twice or when
 * libnice could not gather (e.g. no usable local address);
 * CSCTP_ERR_ADDRESS_IN_USE when it could not because no UDP port was free (in
 * port_min..port_max, or among the ephemeral ports: a gateway's port budget);
 * CSCTP_ERR_NO_DESCRIPTORS when no socket could be made.
 */
CSCTP_EXTERN int csctp_ice_agent_gather(csctp_ice_agent *agent);

/**
 * Sets the peer's a=ice-ufrag / a=ice-pwd (copied) and lets connectivity
 * checks start; remote candidates added before are used from now on.
 * Errors: CSCTP_ERR_INVALID_ARGUMENT (NULL, empty or too long),
 * CSCTP_ERR_INVALID_STATE (already set: an ICE restart is not supported).
 */
CSCTP_EXTERN int csctp_ice_agent_set_remote_credentials(csctp_ice_agent *agent, const char *ufrag,
                                                        const char *pwd);

/**
 * Adds one remote candidate, given as "candidate:..." or "a=candidate:..."
 * (a trailing CR/LF is allowed), at any time, before or after the
 * credentials. Returns 1 when added, 0 when ignored as unusable by a UDP-only
 * agent of one component (TCP candidates, component 2, unresolved names such
 * as mDNS ".local"), or CSCTP_ERR_INVALID_ARGUMENT when it does not parse,
 * CSCTP_ERR_INVALID_STATE after end-of-candidates or FAILED. `candidate` is
 * copied.
 */
CSCTP_EXTERN int csctp_ice_agent_add_remote_candidate(csctp_ice_agent *agent,
                                                      const char *candidate);

/**
 * Tells the agent that the peer has no more candidates (a=end-of-candidates,
 * an empty trickled candidate, or a complete description from a peer that
 * does not trickle), so that it can fail when all pairs have failed.
 * Idempotent.
 */
CSCTP_EXTERN int csctp_ice_agent_end_of_remote_candidates(csctp_ice_agent *agent);

/**
 * Sends one datagram to the peer on the selected pair. Returns `len`, or
 * CSCTP_ERR_INVALID_STATE when not CONNECTED, CSCTP_ERR_WOULD_BLOCK when the
 * socket refused it now (drop it or retry: the protocols above recover),
 * CSCTP_ERR_INVALID_ARGUMENT for len 0 or over 65535. `data` is not kept.
 */
CSCTP_EXTERN csctp_ssize csctp_ice_agent_send(csctp_ice_agent *agent, const uint8_t *data,
                                              size_t len);

/**
 * Sends `n` datagrams to the peer on the selected pair in one call (one
 * sendmmsg() where the socket allows it; on a host or server-reflexive UDP
 * pair, runs of datagrams of one length leave with UDP segmentation offload
 * where the kernel and device have it, and through libnice otherwise):
 * datagram i is `data[i]`, `len[i]` bytes. Returns how many were sent,
 * from the first, 0..n (those after the count were refused by the socket
 * now: drop them or retry, the protocols above recover);
 * CSCTP_ERR_INVALID_STATE when not CONNECTED; CSCTP_ERR_INVALID_ARGUMENT for
 * n 0 or over 64, a NULL datagram, or a length of 0 or over 65535. Nothing
 * is kept.
 */
CSCTP_EXTERN csctp_ssize csctp_ice_agent_send_batch(csctp_ice_agent *agent,
                                                    const uint8_t *const *data, const size_t *len,
                                                    size_t n);

/**
 * Sets Ta, the interval between this agent's connectivity checks (RFC 8445
 * §14.2), in milliseconds: 5 to 1000. The RFC's default is 50 ms; an agent
 * that uses another value proposes it to its peer (a=ice-pacing, RFC 8839
 * §5.8) and both then use the larger of the two proposals, counting 50 for a
 * peer that proposed none (csctp_peer does that). Takes effect from the next
 * check. Returns 0, or CSCTP_ERR_INVALID_ARGUMENT (a value out of range).
 * Before this call the agent paces at libnice's 20 ms.
 */
CSCTP_EXTERN int csctp_ice_agent_set_pacing(csctp_ice_agent *agent, uint32_t ta_ms);

/**
 * With `on` non-zero, datagrams leave the selected pair's UDP socket with IP
 * fragmentation forbidden and the kernel's path MTU estimate ignored
 * (IP_MTU_DISCOVER = IP_PMTUDISC_PROBE, IPV6_MTU_DISCOVER = IPV6_PMTUDISC_PROBE):
 * a datagram too large for a link on the path is dropped there, as path MTU
 * discovery by probing (RFC 8899) needs; only the local interface's MTU limits
 * what is sent. Set on the socket now and on the socket of every pair selected
 * later; it applies to libnice's sends on that socket too. 0 (the default)
 * leaves the sockets as the system sets them. Returns 0 or
 * CSCTP_ERR_INVALID_ARGUMENT (`agent` NULL).
 */
CSCTP_EXTERN int csctp_ice_agent_set_no_fragment(csctp_ice_agent *agent, int on);

/**
 * As csctp_ice_agent_send(), with IP fragmentation allowed for this datagram
 * alone when csctp_ice_agent_set_no_fragment() forbids it (for IPv6 the
 * source fragments it to 1280 bytes): for a packet cut when the path carried
 * more than now, which cannot be cut again (csctp_assoc_packet_fragmentable()).
 * Without set_no_fragment, or on a resumed agent, exactly csctp_ice_agent_send().
 * Returns what csctp_ice_agent_send() returns.
 */
CSCTP_EXTERN csctp_ssize csctp_ice_agent_send_fragmentable(csctp_ice_agent *agent,
                                                           const uint8_t *data, size_t len);

/** Returns the agent's current Ta in milliseconds (csctp_ice_agent_set_pacing()). */
CSCTP_EXTERN uint32_t csctp_ice_agent_get_pacing(const csctp_ice_agent *agent);

/** Returns the current state. */
CSCTP_EXTERN csctp_ice_state csctp_ice_agent_state(const csctp_ice_agent *agent);

/** Returns the gathering state (NEW for a resumed agent, which gathers nothing). */
CSCTP_EXTERN csctp_ice_gathering_state
csctp_ice_agent_gathering_state(const csctp_ice_agent *agent);

/** One end of the selected candidate pair (RTCIceCandidateStats). */
typedef struct csctp_ice_candidate_stats {
  /** numeric IP address, NUL-terminated */
  char address[46];
  /** UDP or TCP port */
  uint16_t port;
  /** "udp" or "tcp", NUL-terminated */
  char protocol[4];
  /** "host", "srflx", "prflx" or "relay"; "" when unknown (a resumed agent's) */
  char type[8];
  /** RFC 8445 §5.1.2 priority; 0 when unknown */
  uint32_t priority;
  /** the candidate's foundation, NUL-terminated; "" when unknown */
  char foundation[33];
} csctp_ice_candidate_stats;

/**
 * The selected candidate pair (RTCIceCandidatePairStats). The counters are the
 * application's datagrams only, as the W3C defines them: what
 * csctp_ice_agent_send*() sent on the pair and what DATAGRAM events delivered,
 * never STUN checks, consent or keepalives.
 */
typedef struct csctp_ice_pair_stats {
  /** 1 once a pair is selected (the candidates below are then set) */
  int selected;
  /** times a (new) pair was selected; 1 for a resumed agent */
  uint32_t selected_pair_changes;
  /** the local and remote candidates of the pair @{ */
  csctp_ice_candidate_stats local, remote;
  /** @} */
  /** datagrams and their bytes sent and received @{ */
  uint64_t packets_sent, bytes_sent, packets_received, bytes_received;
  /** @} */
  /** datagrams the socket refused to send (would block): not sent, not counted above */
  uint64_t packets_discarded_on_send;
  /** when a datagram was last sent and received: microseconds of the realtime clock
   *  (g_get_real_time(), since the Unix epoch); 0 for never @{ */
  int64_t last_packet_sent_us, last_packet_received_us;
  /** @} */
} csctp_ice_pair_stats;

/** Versions of csctp_ice_pair_stats's layout; CSCTP_ICE_PAIR_STATS_VERSION is this header's. */
#define CSCTP_ICE_PAIR_STATS_V1 1
/** The layout version this header describes (pass it to the _versioned functions). */
#define CSCTP_ICE_PAIR_STATS_VERSION CSCTP_ICE_PAIR_STATS_V1

/**
 * Copies the selected pair's figures into *st, laid out as version
 * `stats_version`; before a pair is selected `selected` is 0 and the rest
 * zero. Counting starts when the agent is created (or imported). Returns 0,
 * or CSCTP_ERR_INVALID_ARGUMENT (a NULL argument, an unknown version) writing
 * nothing. Call it through csctp_ice_agent_get_pair_stats().
 */
CSCTP_EXTERN int csctp_ice_agent_get_pair_stats_versioned(const csctp_ice_agent *agent,
                                                          int stats_version,
                                                          csctp_ice_pair_stats *st);
/** csctp_ice_agent_get_pair_stats_versioned() with this header's layout. */
#define csctp_ice_agent_get_pair_stats(A, ST) \
  csctp_ice_agent_get_pair_stats_versioned((A), CSCTP_ICE_PAIR_STATS_VERSION, (ST))

/* ---- Handover (issue 14): moving a connected agent to another process ----
 *
 * A gateway can move an established peer to another process without the remote
 * noticing: csctp_ice_agent_handover_export() gives a blob and a duplicate of the
 * selected pair's UDP socket; the application passes both to the other process (the
 * descriptor with SCM_RIGHTS), which calls csctp_ice_agent_handover_import() and
 * goes on with a "resumed" agent: CONNECTED at once, on the same socket and address,
 * without libnice. It delivers the remote's datagrams, sends to it, answers its
 * connectivity and consent checks (RFC 8445 §7.3, with the local credentials) and,
 * with consent_freshness, checks consent itself (RFC 7675: a check every 5 s, FAILED
 * after 30 s without a valid response). A resumed agent is used through the same
 * functions, except csctp_ice_agent_gather(), csctp_ice_agent_set_remote_credentials(),
 * csctp_ice_agent_add_remote_candidate(), csctp_ice_agent_end_of_remote_candidates()
 * and csctp_ice_agent_set_pacing(), which return CSCTP_ERR_INVALID_STATE; it can be
 * handed over again. Only host and server-reflexive UDP pairs can move (a relayed
 * pair's allocation belongs to the TURN client in libnice).
 */

/** Why an agent cannot be handed over now: bits of csctp_ice_agent_handover_readiness(). */
typedef enum csctp_ice_handover_reason {
  /** not CONNECTED, or no selected pair (also for a NULL or deleted agent) */
  CSCTP_ICE_HANDOVER_NOT_CONNECTED = 1 << 0,
  /** the selected pair uses a TURN relay or TCP: no socket to move */
  CSCTP_ICE_HANDOVER_RELAYED = 1 << 1,
  /** handed over already (exported) */
  CSCTP_ICE_HANDOVER_RESUMED = 1 << 2,
} csctp_ice_handover_reason;

/** The largest blob csctp_ice_agent_handover_export() writes: four credentials of 256
 *  characters, two addresses. */
#define CSCTP_ICE_HANDOVER_MAX 1140

/**
 * Returns 0 when csctp_ice_agent_handover_export() can run now, else the
 * csctp_ice_handover_reason bits in the way. Changes nothing.
 */
CSCTP_EXTERN int csctp_ice_agent_handover_readiness(const csctp_ice_agent *agent);

/**
 * Exports the connected agent for csctp_ice_agent_handover_import() in another
 * process (or this one). Writes the blob (at most CSCTP_ICE_HANDOVER_MAX bytes:
 * role, both sides' credentials, the pair's local and remote addresses, a
 * tie-breaker, the creation time on g_get_monotonic_time(), HMAC-SHA-256 with `key`)
 * into `buf` (`cap` bytes) and stores in `*fd_out` a new descriptor (close-on-exec)
 * of the selected pair's UDP socket, which the caller owns (pass it with
 * SCM_RIGHTS, then close it). `key` (`key_len` >= CSCTP_HANDOVER_KEY_MIN, sctp.h) is
 * only read during the call; the blob is authenticated, not encrypted: it holds
 * the ICE passwords, so carry it over a private channel.
 *
 * From then on the agent is handed over: it sends nothing (csctp_ice_agent_send()
 * and csctp_ice_agent_send_batch() return CSCTP_ERR_INVALID_STATE), delivers no
 * event and reads nothing from the socket (libnice's stream is removed, which closes
 * libnice's descriptor; a resumed agent's sources are removed); only
 * csctp_ice_agent_del() remains useful, and the accessors. Call it outside the
 * agent's event callback.
 *
 * With `buf` NULL and `cap` 0 returns the blob's size, changing nothing (`fd_out`
 * may then be NULL). Returns the blob's length, or CSCTP_ERR_INVALID_ARGUMENT (NULL
 * agent, key or fd_out, a short key, `buf` NULL with `cap` > 0),
 * CSCTP_ERR_INVALID_STATE (csctp_ice_agent_handover_readiness() is not 0),
 * CSCTP_ERR_NOBUF (`cap` too small), CSCTP_ERR_NO_DESCRIPTORS (the descriptor could
 * not be duplicated), CSCTP_ERR_NOMEM; on an error nothing changes.
 */
CSCTP_EXTERN csctp_ssize csctp_ice_agent_handover_export(csctp_ice_agent *agent, const uint8_t *key,
                                                         size_t key_len, uint8_t *buf, size_t cap,
                                                         int *fd_out);

/**
 * Creates on `ctx` (a GMainContext*; NULL = the global default context, referenced
 * until csctp_ice_agent_del(), and returned by csctp_ice_agent_context()) a resumed
 * agent from a blob of csctp_ice_agent_handover_export() and the socket `fd` it
 * gave. The agent is CONNECTED at once (no STATE event for that); of `cfg` (layout
 * `config_version`) it uses on_event (required), user_data, the log fields, mem and
 * consent_freshness, and ignores the rest (the role and credentials come from the
 * blob). `key` is only read during the call; `blob` is not kept.
 *
 * Checks the MAC first (constant time), then the magic and version, the age (created
 * at most `max_age_ms` ago, at most 1 s in the future, on g_get_monotonic_time():
 * both processes must run on one host), then every field, then that `fd` is a UDP
 * socket of the blob's address family. On success the agent owns `fd` (closed by
 * csctp_ice_agent_del()) and `*out` owns the agent; on an error `fd` stays the
 * caller's, untouched, and nothing is created.
 *
 * Errors: CSCTP_ERR_INVALID_ARGUMENT (NULL out, cfg, on_event or key, a short key,
 * an unknown `config_version`, `fd` < 0 or not a UDP socket of the blob's family),
 * CSCTP_ERR_HANDOVER_AUTH (wrong key, altered or truncated blob),
 * CSCTP_ERR_HANDOVER_VERSION (a format this library does not know),
 * CSCTP_ERR_HANDOVER_STALE (too old, or from the future), CSCTP_ERR_MALFORMED
 * (authentic but inconsistent content), CSCTP_ERR_NOMEM.
 */
CSCTP_EXTERN int csctp_ice_agent_handover_import_versioned(
    csctp_ice_agent **out, struct _GMainContext *ctx, int config_version,
    const csctp_ice_config *cfg, const uint8_t *key, size_t key_len, const uint8_t *blob,
    size_t len, int fd, uint32_t max_age_ms);
/** csctp_ice_agent_handover_import_versioned() with this header's csctp_ice_config layout. */
#define csctp_ice_agent_handover_import(OUT, CTX, CFG, KEY, KLEN, BLOB, LEN, FD, AGE)             \
  csctp_ice_agent_handover_import_versioned((OUT), (CTX), CSCTP_ICE_CONFIG_VERSION, (CFG), (KEY), \
                                            (KLEN), (BLOB), (LEN), (FD), (AGE))

#ifdef __cplusplus
}
#endif

#endif
