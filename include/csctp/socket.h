/* SPDX-License-Identifier: MIT */
/**
 * @file
 * csctp — a socket API in the spirit of Node's net.Socket, over raw IP
 * (protocol 132, needs root or CAP_NET_RAW) or UDP (RFC 6951), on a GLib
 * main context given by the caller. It keeps the interface of the original
 * Node.js `sctp` module: createServer / listen / connection, connect with
 * {host, port, localAddress, localPort, MIS, OS, passive, ppid, udpTransport,
 * udpPeer}, createStream(id, ppid), write with a per-message PPID, the events
 * connect, data, stream, drain, end, close, error, and defaults() named after
 * Linux's net.sctp sysctls.
 *
 * Thread safety: an I/O layer on GLib. A socket or server belongs to the
 * GMainContext it was created on (a server's connections, to the server's):
 * every function on it must be called on the thread that runs that context's
 * main loop, and every callback arrives there. No hidden threads. Callbacks
 * may call any function of this API, including destroying the socket or
 * server that raised them. Sockets on different contexts may live on
 * different threads. The one process-wide state is csctp_defaults(), which is
 * thread-safe (behind a lock); csctp_connect_opts_init(), csctp_ppid_name()
 * and csctp_ppid_lookup() keep no state.
 *
 * Environment: CSCTP_DEBUG (log categories, common.h) and CSCTP_CAPTURE are
 * read when a socket or server is created. `CSCTP_CAPTURE=<prefix>` makes each
 * client socket, and each server with all its associations, write the SCTP
 * packets it reads and writes to `<prefix>-<pid>-<n>.pcapng` (sctp.h, "Capture";
 * a file that cannot be created is one g_warning, not an error).
 */
#ifndef CSCTP_SOCKET_H
#define CSCTP_SOCKET_H

#include <csctp/sctp.h>
#include <glib.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A listening server (opaque; sctp.createServer): created by
 * csctp_server_new(), freed by csctp_server_del().
 */
typedef struct csctp_server csctp_server;
/**
 * One association seen as a socket (opaque; net.Socket): from
 * csctp_socket_connect() or a server's connection callback; freed after its
 * close callback returns, or at once by csctp_socket_destroy().
 */
typedef struct csctp_socket csctp_socket;
/**
 * A write handle for one stream and PPID of a socket (opaque;
 * socket.createStream), from csctp_socket_create_stream(); it belongs to its
 * socket.
 */
typedef struct csctp_stream csctp_stream;

/* ---------------------------------------------------------------- defaults */

/**
 * Protocol defaults for new sockets, named after Linux's net.sctp sysctls
 * (milliseconds for durations). Process-wide.
 */
typedef struct csctp_defaults_t {
  /** initial, smallest and largest retransmission timeout (net.sctp.rto_*) @{ */
  uint32_t rto_initial, rto_min, rto_max;
  /** @} */
  /** delayed SACK timeout, and packets per SACK @{ */
  uint32_t sack_timeout, sack_freq;
  /** @} */
  /** heartbeat interval on an idle path; 0 = off */
  uint32_t hb_interval;
  /** packets sent per write opportunity */
  uint32_t max_burst;
  /** retransmissions before the association is given up */
  uint32_t association_max_retrans;
  /** INIT retransmissions before a connect fails */
  uint32_t max_init_retransmits;
  /** lifetime of a state cookie */
  uint32_t valid_cookie_life;
  uint32_t sndbuf; /**< send buffer per association, bytes */
  uint32_t rcvbuf; /**< receive window per association, bytes */
} csctp_defaults_t;

/**
 * Like sctp.defaults(params): every non-zero field of `set` (may be NULL)
 * replaces the process-wide default; the resulting defaults are copied to
 * `out` (may be NULL). Thread-safe. Values are checked when a socket is
 * created (an impossible combination makes that fail with
 * CSCTP_ERR_INVALID_ARGUMENT).
 */
CSCTP_EXTERN void csctp_defaults(const csctp_defaults_t *set, csctp_defaults_t *out);

/**
 * The PPID table of the original module (IANA names: "IUA", "M2UA", ...,
 * "WEBRTC_DCEP", "WEBRTC_STRING", "WEBRTC_BINARY", ...). Returns the constant
 * name of `ppid`, or NULL when it has none.
 */
CSCTP_EXTERN const char *csctp_ppid_name(uint32_t ppid);
/**
 * Looks a PPID up by name (case-insensitive). Returns 0 and *ppid (`ppid` may
 * be NULL), or CSCTP_ERR_INVALID_ARGUMENT when `name` is NULL or no PPID has
 * that name (*ppid unchanged).
 */
CSCTP_EXTERN int csctp_ppid_lookup(const char *name, uint32_t *ppid);

/* ---------------------------------------------------------------- events */

/** A received message; `data` is valid only during the callback. */
typedef struct csctp_message {
  /** the stream it arrived on */
  uint16_t stream;
  /** its payload protocol identifier */
  uint32_t ppid;
  /** 1 when it was sent unordered */
  int unordered;
  /** the message */
  const uint8_t *data;
  /** its length in bytes */
  size_t len;
} csctp_message;

/** Socket events; every member may be NULL. */
typedef struct csctp_socket_events {
  /** The association is established (for a client; server sockets arrive established). */
  void (*connect)(csctp_socket *s, void *user_data);
  /** A message arrived. */
  void (*data)(csctp_socket *s, const csctp_message *m, void *user_data);
  /** The first message on an inbound stream not seen before arrives (before its data event). */
  void (*stream)(csctp_socket *s, uint16_t stream_id, void *user_data);
  /** The send buffer fell below its low mark after a write reported it above its high mark. */
  void (*drain)(csctp_socket *s, void *user_data);
  /** The peer shut down: no more data will arrive. */
  void (*end)(csctp_socket *s, void *user_data);
  /**
   * Why the association failed, as a csctp_error, and a message (valid during
   * the call): CSCTP_ERR_TIMEOUT (no answer to INIT, association_max_retrans
   * exceeded, or the connect timeout), CSCTP_ERR_UNREACHABLE (ICMP port or
   * protocol unreachable), CSCTP_ERR_PEER_ABORT, CSCTP_ERR_PROTOCOL (we
   * aborted: the peer violated the protocol or exhausted a limit),
   * CSCTP_ERR_CLOSED (csctp_socket_end before it was established). A close
   * event follows.
   */
  void (*error)(csctp_socket *s, int err, const char *msg, void *user_data);
  /**
   * The socket is closed (had_error: aborted, timed out or failed). The socket
   * is freed when this callback returns: do not use it afterwards.
   */
  void (*close)(csctp_socket *s, int had_error, void *user_data);
} csctp_socket_events;

/* ---------------------------------------------------------------- options */

/** Lower-layer and association options common to connect and listen. */
typedef struct csctp_connect_opts {
  const char *host;          /**< remote IP literal (connect; passive: the peer to accept) */
  uint16_t port;             /**< remote SCTP port (connect), default 5000 */
  const char *local_address; /**< local IP literal, default "0.0.0.0" */
  uint16_t local_port;       /**< local SCTP port (default: 5000 to listen, random to connect) */
  /** @{ */
  uint16_t MIS, OS; /**< max inbound / outbound streams, default 65535 / 65535 */
  /** @} */
  int passive;                  /**< connect: wait for `host`:`port` to connect to us instead */
  uint32_t ppid;                /**< default PPID of write(), default 0 */
  int udp_transport;            /**< 1: UDP encapsulation (RFC 6951); 0: raw IP */
  uint16_t udp_local_port;      /**< UDP: local UDP port, default 9899; 0: any free one */
  const char *udp_peer_address; /**< UDP: the peer's IP (the original's udpPeer.address),
                                     default `host` */
  uint16_t udp_peer_port;       /**< UDP: the peer's UDP port, default 9899 */
  uint32_t mtu;                 /**< largest SCTP packet, default 1200 */
  /**
   * Active connect: how long the handshake may take, in ms, before the socket
   * gives up with error CSCTP_ERR_TIMEOUT ("connect timed out ...") and closes
   * (sending an ABORT). 0 means CSCTP_CONNECT_TIMEOUT_DEFAULT (30 s: an INIT
   * lost on the way still gets its retransmissions at 3, 9 and 21 s with the
   * default rto_initial; without the timeout, max_init_retransmits 8 with
   * rto_max 60 s takes about 5.5 minutes); CSCTP_CONNECT_TIMEOUT_NONE leaves
   * it to max_init_retransmits alone. A peer whose host answers with ICMP
   * port or protocol unreachable fails at once (CSCTP_ERR_UNREACHABLE) whatever this
   * is. Not used by a passive connect, which waits for its peer.
   */
  uint32_t connect_timeout_ms;
  /** Send buffer per association, bytes (0: csctp_defaults().sndbuf): the most
   *  that writes may queue; see csctp_socket_write. */
  uint32_t sndbuf;
  /** Receive window per association, bytes (0: csctp_defaults().rcvbuf); also the
   *  most a paused socket keeps (csctp_socket_pause). */
  uint32_t rcvbuf;
  /* Version 2: */
  /**
   * Path MTU discovery by probing (RFC 8899 PLPMTUD, csctp_config.plpmtud_max):
   * the largest SCTP packet to look for, at most 9216; 0 (the default) = off,
   * packets of `mtu` bytes. When set, `mtu` is where the search starts, every
   * packet leaves with IP fragmentation forbidden (IPv4 DF) but the
   * retransmissions the engine marks fragmentable, and csctp_socket_pmtu()
   * says what was found.
   */
  uint32_t plpmtud_max;
  /** PLPMTUD's PROBE_TIMER in ms (0: the engine's default, 15000; else at least 1000). */
  uint32_t plpmtud_probe_timer;
  /* Version 3: */
  /**
   * Non-zero: Explicit Congestion Notification (csctp_config.ecn, RFC 9260
   * Appendix A): announced in the handshake and, when the peer announces it
   * too, packets with new DATA leave marked ECT(0), a CE mark on what arrives
   * is echoed to the peer, and the peer's echo reduces the congestion window
   * without a loss. The codepoints are read and written per packet
   * (IP_TOS / IPV6_TCLASS over UDP and raw IP). Default 0: off.
   */
  int ecn;
  /* Version 4: multi-homing (RFC 9260 §6.4, §8; SCTP-PF, RFC 7829) */
  /**
   * Our IP literals (1 to CSCTP_PATHS_MAX, all of one IP version) for a multi-homed
   * association: the socket binds that version's wildcard address (local_address is then
   * ignored), takes only packets sent to these addresses, sends each path's packets from
   * the address the peer reaches it at, and lists them in its INIT / INIT ACK. NULL / 0
   * (the default): one address, local_address. The array is read during the call only.
   */
  const char *const *local_addresses;
  size_t n_local_addresses; /**< entries in local_addresses */
  /**
   * Connect to a multi-homed peer: its IP literals (1 to CSCTP_PATHS_MAX, of the local
   * addresses' IP version), the first the primary path; host / udp_peer_address are then
   * ignored (every address has the UDP port udp_peer_port). All are confirmed from the start
   * (RFC 9260 §5.4); addresses the peer lists in its INIT ACK are verified by HEARTBEAT
   * before use. Ignored by passive sockets and servers.
   */
  const char *const *hosts;
  size_t n_hosts; /**< entries in hosts */
  /** Path.Max.Retrans (csctp_config.path_max_retrans): errors in a row before a path is
   *  inactive; default 5. With local_addresses or hosts only, as the next two. */
  uint32_t path_max_retrans;
  /** PotentiallyFailed.Max.Retrans (RFC 7829, csctp_config.pf_max_retrans); default 0: new
   *  data leaves a path at its first timeout. path_max_retrans or more turns SCTP-PF off. */
  uint32_t pf_max_retrans;
  /** Primary.Switchover.Max.Retrans (RFC 7829 §5); default CSCTP_PS_OFF: data returns to the
   *  primary path when it answers again. */
  uint32_t ps_max_retrans;
  /**
   * Non-zero: dynamic address reconfiguration (RFC 5061 ASCONF, with RFC 4895 AUTH
   * authenticating ASCONF and ASCONF-ACK: csctp_config.auth and .asconf) for a multi-homed
   * association: the peer may add and delete its addresses and set our primary path while the
   * association is up; added paths are verified by HEARTBEAT before use and reported to the
   * path callback (CSCTP_PATH_ADDED, CSCTP_PATH_REMOVED). With local_addresses or hosts only;
   * default 0: off.
   */
  int asconf;
} csctp_connect_opts;

/** Versions of csctp_connect_opts's layout; CSCTP_CONNECT_OPTS_VERSION is this header's. */
#define CSCTP_CONNECT_OPTS_V1 1
/** Version 2 appends plpmtud_max and plpmtud_probe_timer. */
#define CSCTP_CONNECT_OPTS_V2 2
/** Version 3 appends ecn. */
#define CSCTP_CONNECT_OPTS_V3 3
/** Version 4 appends the multi-homing options, local_addresses to asconf. */
#define CSCTP_CONNECT_OPTS_V4 4
/** The layout version this header describes (pass it to the _versioned functions). */
#define CSCTP_CONNECT_OPTS_VERSION CSCTP_CONNECT_OPTS_V4

/** Default csctp_connect_opts.connect_timeout_ms: 30 s. */
#define CSCTP_CONNECT_TIMEOUT_DEFAULT 30000u
/** csctp_connect_opts.connect_timeout_ms: no timeout of the socket's own. */
#define CSCTP_CONNECT_TIMEOUT_NONE UINT32_MAX

/**
 * Fills `o`, laid out as version `opts_version`, with the defaults above
 * (host NULL). Returns 0, or CSCTP_ERR_INVALID_ARGUMENT (o NULL, an unknown
 * version) writing nothing. Call it through csctp_connect_opts_init().
 */
CSCTP_EXTERN int csctp_connect_opts_init_versioned(int opts_version, csctp_connect_opts *o);
/** csctp_connect_opts_init_versioned() for this header's layout. */
#define csctp_connect_opts_init(O) \
  csctp_connect_opts_init_versioned(CSCTP_CONNECT_OPTS_VERSION, (O))

/* ---------------------------------------------------------------- sockets */

/**
 * Connects (or, with passive, waits for the given peer). The socket is
 * returned at once; the connect event follows, or error + close. `ctx` NULL
 * is the default context. Returns 0 and *ps, or CSCTP_ERR_INVALID_ARGUMENT
 * (bad address or option, or a local address not of this host), or an error
 * from opening the lower layer: CSCTP_ERR_PERMISSION (raw IP without
 * CAP_NET_RAW), CSCTP_ERR_ADDRESS_IN_USE, CSCTP_ERR_NOMEM, CSCTP_ERR_SOCKET
 * (another errno of socket() or bind()). `*err_msg` then says why (with the
 * OS's text), g_free it; err_msg may be NULL.
 * `events` is copied; `user_data` is passed to every callback.
 */
CSCTP_EXTERN int csctp_socket_connect_versioned(GMainContext *ctx, int opts_version,
                                                const csctp_connect_opts *o,
                                                const csctp_socket_events *events, void *user_data,
                                                csctp_socket **ps, char **err_msg);
/** csctp_socket_connect_versioned() with this header's csctp_connect_opts layout. */
#define csctp_socket_connect(CTX, O, EVENTS, USER_DATA, PS, ERR_MSG)                            \
  csctp_socket_connect_versioned((CTX), CSCTP_CONNECT_OPTS_VERSION, (O), (EVENTS), (USER_DATA), \
                                 (PS), (ERR_MSG))

/**
 * Sends one SCTP packet over the caller's own transport (a socket from
 * csctp_socket_connect_transport()): `pkt` (`len` bytes, at most 9216) is
 * valid during the call only, so copy it or send it at once. Called on the
 * context's thread, from the main loop and from inside calls of this API on
 * the socket (a write, end, destroy, or csctp_socket_input of the reply). It
 * must not free the socket; it may feed packets to other sockets.
 */
typedef void (*csctp_socket_output_fn)(const uint8_t *pkt, size_t len, void *user_data);

/**
 * Like csctp_socket_connect(), over a transport the caller owns instead of an
 * OS socket: a UDP socket the application already has (the original module's
 * `udpTransport`), a DTLS connection, or a test's in-memory pipe. Every
 * packet the association sends goes to `out` (with `out_user_data`); every
 * packet that arrives from the peer is given to csctp_socket_input(). The
 * transport has one peer, so `host`, `local_address`, `udp_transport`,
 * `udp_local_port` and `udp_peer_port` of `o` are not used to send;
 * `udp_peer_address` (or else `host`, both optional) and `udp_peer_port` only
 * name the peer in csctp_socket_remote(). `port`, `local_port`, `passive`,
 * MIS, OS, ppid, mtu, timeouts and buffers are as for csctp_socket_connect.
 * `out` is called for the first time (the INIT) before this returns.
 * Returns 0 and *ps, or CSCTP_ERR_INVALID_ARGUMENT (`out` or `ps` NULL, a bad
 * option; *err_msg says why as for csctp_socket_connect), CSCTP_ERR_NOMEM.
 * `events` is copied; `user_data` is passed to every callback.
 */
CSCTP_EXTERN int csctp_socket_connect_transport_versioned(
    GMainContext *ctx, int opts_version, const csctp_connect_opts *o, csctp_socket_output_fn out,
    void *out_user_data, const csctp_socket_events *events, void *user_data, csctp_socket **ps,
    char **err_msg);
/** csctp_socket_connect_transport_versioned() with this header's csctp_connect_opts layout. */
#define csctp_socket_connect_transport(CTX, O, OUT, OUT_USER_DATA, EVENTS, USER_DATA, PS, ERR_MSG) \
  csctp_socket_connect_transport_versioned((CTX), CSCTP_CONNECT_OPTS_VERSION, (O), (OUT),          \
                                           (OUT_USER_DATA), (EVENTS), (USER_DATA), (PS),           \
                                           (ERR_MSG))

/**
 * Feeds one packet that arrived from the peer on the caller's transport to a
 * socket of csctp_socket_connect_transport(); `pkt` is copied, untrusted
 * (checked as any packet from the network: a bad one is dropped and counted).
 * Callbacks run from inside this call, or from the main loop when it is
 * called from inside one of the socket's callbacks. Returns 0, or
 * CSCTP_ERR_INVALID_ARGUMENT (s or pkt NULL, len 0 or over 9216, or a socket
 * on an OS socket), CSCTP_ERR_CLOSED (closed or destroyed).
 */
CSCTP_EXTERN int csctp_socket_input(csctp_socket *s, const uint8_t *pkt, size_t len);

/** Replaces the callbacks of a socket (e.g. one accepted by a server). `events` is copied. */
CSCTP_EXTERN void csctp_socket_set_events(csctp_socket *s, const csctp_socket_events *events,
                                          void *user_data);

/** Per-write options; NULL means the socket's default PPID on stream 0, ordered. */
typedef struct csctp_write_opts {
  /** stream to send on */
  uint16_t stream;
  /** payload protocol identifier of the message */
  uint32_t ppid;
  /** 1: unordered delivery */
  int unordered;
} csctp_write_opts;

/**
 * Queues one message (copied). Returns the bytes now buffered on the socket
 * (>= 0). When that exceeds the high mark (half the send buffer) a drain
 * event will follow once it falls back to a quarter: this is net.Socket's
 * write() returning false (csctp_socket_writable_need_drain then returns 1),
 * and a writer should wait for drain. The send buffer (sndbuf) bounds what is
 * queued: past it the write returns CSCTP_ERR_WOULD_BLOCK, queues nothing,
 * and drain follows; at most sndbuf bytes plus one message are ever buffered
 * per association, however long the peer does not acknowledge. Other errors:
 * CSCTP_ERR_CLOSED, CSCTP_ERR_STREAM_ID, CSCTP_ERR_MSG_TOO_LARGE,
 * CSCTP_ERR_INVALID_ARGUMENT (empty message). Data written before the
 * connect event waits for it.
 */
CSCTP_EXTERN csctp_ssize csctp_socket_write(csctp_socket *s, const uint8_t *data, size_t len,
                                            const csctp_write_opts *opts);

/**
 * A handle for writing on one stream with a PPID, like socket.createStream(id, ppid).
 * Owned by the socket (freed with it); the same id returns the same handle
 * (its PPID updated). NULL on a bad id when streams are known.
 */
CSCTP_EXTERN csctp_stream *csctp_socket_create_stream(csctp_socket *s, uint16_t id, uint32_t ppid);
/** Writes one message on the stream with its PPID; as csctp_socket_write. */
CSCTP_EXTERN csctp_ssize csctp_stream_write(csctp_stream *st, const uint8_t *data, size_t len);

/** Bytes queued or in flight, not yet acknowledged. */
CSCTP_EXTERN size_t csctp_socket_buffered(const csctp_socket *s);

/**
 * 1 when a write went past the high mark (or was refused with
 * CSCTP_ERR_WOULD_BLOCK) and its drain event has not come yet (net.Socket's
 * writableNeedDrain), else 0.
 */
CSCTP_EXTERN int csctp_socket_writable_need_drain(const csctp_socket *s);

/**
 * Receive back-pressure, as net.Socket's pause(): no data events (nor the
 * end event, nor a graceful close, which wait behind the data) until
 * csctp_socket_resume. Messages that arrive meanwhile are kept by the socket
 * in order and counted against the association's receive window (rcvbuf), so
 * the window the peer sees closes as they arrive and the peer stops sending:
 * what a paused socket holds is bounded by its receive window. An error
 * (abort, timeout, unreachable) is still reported at once, and what was kept
 * is dropped. Allowed in any state, also from a callback; pausing a paused
 * socket does nothing.
 */
CSCTP_EXTERN void csctp_socket_pause(csctp_socket *s);

/**
 * Ends a pause: what the socket kept is handed out, in order, from the main
 * loop (never from inside this call), and the receive window opens again as
 * it is (a window update tells the peer). Resuming a socket that is not
 * paused does nothing.
 */
CSCTP_EXTERN void csctp_socket_resume(csctp_socket *s);

/** 1 while paused (csctp_socket_pause), else 0. */
CSCTP_EXTERN int csctp_socket_is_paused(const csctp_socket *s);

/**
 * Graceful close (socket.end()): queued data is delivered, then SHUTDOWN;
 * end / close events follow.
 */
CSCTP_EXTERN void csctp_socket_end(csctp_socket *s);

/**
 * Aborts the association (ABORT to the peer) and frees the socket now; no
 * more callbacks. Safe inside a callback of this socket.
 */
CSCTP_EXTERN void csctp_socket_destroy(csctp_socket *s);

/**
 * Writes the peer's address into `buf` (at most `cap` bytes with the NUL) as
 * "IP sctp PORT", or over UDP "IP:UDPPORT sctp PORT" (IPv6 in brackets), and
 * returns `buf`. There is no getter for the local address.
 */
CSCTP_EXTERN const char *csctp_socket_remote(const csctp_socket *s, char *buf, size_t cap);

/**
 * The largest SCTP packet the association sends now (csctp_assoc_get_pmtu):
 * with csctp_connect_opts.plpmtud_max, what PLPMTUD found so far, else the
 * `mtu` option. Once the association is gone, its last value; 0 before it
 * exists or for NULL.
 */
CSCTP_EXTERN uint32_t csctp_socket_pmtu(const csctp_socket *s);

/**
 * Counters and path figures of the association (zeros before it exists),
 * laid out as version `stats_version`. Returns 0, or
 * CSCTP_ERR_INVALID_ARGUMENT (a NULL argument, an unknown version) writing
 * nothing. Call it through csctp_socket_get_stats().
 */
CSCTP_EXTERN int csctp_socket_get_stats_versioned(const csctp_socket *s, int stats_version,
                                                  csctp_stats *st);
/** csctp_socket_get_stats_versioned() with this header's csctp_stats layout. */
#define csctp_socket_get_stats(S, ST) \
  csctp_socket_get_stats_versioned((S), CSCTP_STATS_VERSION, (ST))

/** Negotiated outbound streams (0 before connect). */
CSCTP_EXTERN uint16_t csctp_socket_outbound_streams(const csctp_socket *s);
/** Negotiated inbound streams (0 before connect, and after close). */
CSCTP_EXTERN uint16_t csctp_socket_inbound_streams(const csctp_socket *s);

/* ---------------------------------------------------------------- paths (multi-homing) */

/**
 * A path of a multi-homed socket's association changed (CSCTP_EVENT_PATH_CHANGED): its index
 * (csctp_socket_get_path()), the peer's address as text ("10.1.2.2:9899" over UDP, "10.1.2.2"
 * over raw IP; valid during the call), its new csctp_path_state and the csctp_path_reason.
 * `user_data` is the socket's (csctp_socket_set_events()).
 */
typedef void (*csctp_socket_path_fn)(csctp_socket *s, unsigned path, const char *address, int state,
                                     int reason, void *user_data);
/** Calls `fn` (NULL: nobody) on every path change of the socket's association. */
CSCTP_EXTERN void csctp_socket_on_path(csctp_socket *s, csctp_socket_path_fn fn);
/** csctp_socket_on_path() for every socket the server accepts from now on, from its handshake
 *  on (so a change may come before the connection callback, with user_data NULL). */
CSCTP_EXTERN void csctp_server_on_path(csctp_server *srv, csctp_socket_path_fn fn);
/** Paths of the socket's association (0 before it exists and after it closed). */
CSCTP_EXTERN size_t csctp_socket_path_count(const csctp_socket *s);
/**
 * Path `path`'s figures (csctp_assoc_get_path(), layout `version`) into *out and, when `addr`
 * is not NULL, its address as text into addr (cap bytes, 64 are enough). Returns 0, or
 * CSCTP_ERR_INVALID_ARGUMENT (no such path, out NULL, unknown version) or
 * CSCTP_ERR_INVALID_STATE (no association).
 */
CSCTP_EXTERN int csctp_socket_get_path_versioned(const csctp_socket *s, int version, unsigned path,
                                                 csctp_path_info *out, char *addr, size_t cap);
/** csctp_socket_get_path_versioned() with this header's csctp_path_info layout. */
#define csctp_socket_get_path(S, P, OUT, ADDR, CAP) \
  csctp_socket_get_path_versioned((S), CSCTP_PATH_INFO_VERSION, (P), (OUT), (ADDR), (CAP))
/**
 * Makes the path to the peer's address `ip` (an IP literal) the primary: new data goes there
 * while it is active (csctp_assoc_set_primary()). Returns 0, CSCTP_ERR_INVALID_ARGUMENT (not
 * one of the association's paths), CSCTP_ERR_INVALID_STATE (no association, or the path is
 * not confirmed yet).
 */
CSCTP_EXTERN int csctp_socket_set_primary(csctp_socket *s, const char *ip);
/**
 * RFC 5061: serves one more local address `ip` (an IP literal of the socket's IP version) and
 * asks the peer to add it to the association (csctp_assoc_add_local_addr(), an authenticated
 * ASCONF Add IP); the peer verifies it with a HEARTBEAT before using it. For a socket made with
 * local_addresses and asconf, whose peer negotiated ASCONF; the address stays served by the
 * socket (and, for a server's socket, by the server) until it is closed. Returns 0,
 * CSCTP_ERR_INVALID_ARGUMENT (s or ip NULL, not an address, already served, CSCTP_PATHS_MAX
 * served), CSCTP_ERR_INVALID_STATE (no association, no local_addresses, ASCONF not in use),
 * CSCTP_ERR_WOULD_BLOCK (too many requests queued).
 */
CSCTP_EXTERN int csctp_socket_add_local_address(csctp_socket *s, const char *ip);
/**
 * RFC 5061: asks the peer to delete our address `ip` (one the socket serves) from the
 * association (csctp_assoc_del_local_addr(), an authenticated ASCONF Delete IP; the peer refuses
 * its last address of ours and the ASCONF's source). The socket keeps serving the address until
 * it is closed. Returns 0, CSCTP_ERR_INVALID_ARGUMENT (s or ip NULL, not an address the socket
 * serves), CSCTP_ERR_INVALID_STATE (no association, no local_addresses, ASCONF not in use),
 * CSCTP_ERR_WOULD_BLOCK (too many requests queued).
 */
CSCTP_EXTERN int csctp_socket_del_local_address(csctp_socket *s, const char *ip);
/** Our addresses the socket serves (the original's localAddresses): its local_addresses and
 *  those added since, or the one address it is bound to; 0 for NULL. */
CSCTP_EXTERN size_t csctp_socket_local_address_count(const csctp_socket *s);
/**
 * Our address `i` (0 to csctp_socket_local_address_count() - 1) as text into buf (cap bytes, 64
 * are enough; "10.1.1.1:9899" over UDP, "10.1.1.1" over raw IP, "0.0.0.0" when bound to the
 * wildcard). Returns 0, or CSCTP_ERR_INVALID_ARGUMENT (no such address, a NULL argument).
 */
CSCTP_EXTERN int csctp_socket_get_local_address(const csctp_socket *s, unsigned i, char *buf,
                                                size_t cap);

/* ---------------------------------------------------------------- servers */

/** Server callbacks (csctp_server_new()); every member may be NULL. */
typedef struct csctp_server_events {
  /** A new association is established: the socket belongs to the server until its close. */
  void (*connection)(csctp_server *srv, csctp_socket *s, void *user_data);
  /** An error (e.g. the listen failed): a csctp_error and a message. */
  void (*error)(csctp_server *srv, int err, const char *msg, void *user_data);
} csctp_server_events;

/** Creates a server (sctp.createServer). `events` copied. Returns 0 or CSCTP_ERR_NOMEM. */
CSCTP_EXTERN int csctp_server_new(GMainContext *ctx, const csctp_server_events *events,
                                  void *user_data, csctp_server **ps);

/**
 * Starts listening (server.listen): local_address / local_port (default 5000),
 * MIS, OS, udp_transport, udp_local_port (default 9899), mtu of `o` are used.
 * Returns 0, CSCTP_ERR_INVALID_STATE (already listening), or the errors of
 * opening the lower layer as csctp_socket_connect (CSCTP_ERR_ADDRESS_IN_USE,
 * CSCTP_ERR_PERMISSION for raw IP without CAP_NET_RAW, ...; `*err_msg` says
 * why, g_free it); the error event reports them too.
 */
CSCTP_EXTERN int csctp_server_listen_versioned(csctp_server *srv, int opts_version,
                                               const csctp_connect_opts *o, char **err_msg);
/** csctp_server_listen_versioned() with this header's csctp_connect_opts layout. */
#define csctp_server_listen(SRV, O, ERR_MSG) \
  csctp_server_listen_versioned((SRV), CSCTP_CONNECT_OPTS_VERSION, (O), (ERR_MSG))

/** Number of open sockets (associations) of the server. */
CSCTP_EXTERN size_t csctp_server_connections(const csctp_server *srv);

/** The UDP port the server is bound to (useful when listening on port 0). */
CSCTP_EXTERN uint16_t csctp_server_udp_port(const csctp_server *srv);

/**
 * Closes the server: every socket is aborted and freed without callbacks,
 * then the server is freed. Safe inside a callback.
 */
CSCTP_EXTERN void csctp_server_del(csctp_server *srv);

#ifdef __cplusplus
}
#endif

#endif
