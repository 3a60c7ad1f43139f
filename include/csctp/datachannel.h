/* SPDX-License-Identifier: MIT */
/**
 * @file
 * csctp — WebRTC data channels (RFC 8831) and DCEP (RFC 8832) over one SCTP
 * association, sans-IO.
 *
 * A csctp_dc sits on one csctp_assoc that it BORROWS: the caller creates the
 * association, keeps driving its I/O directly (csctp_assoc_read_packet,
 * csctp_assoc_write_packet, csctp_assoc_expiry, csctp_assoc_handle_expiry, as
 * in sctp.h) and deletes it after csctp_dc_del(). The layer adds no timer and
 * no packet path of its own, so there is nothing to pass through. What
 * changes is events: once a csctp_dc is attached, poll events ONLY with
 * csctp_dc_poll_event(), never csctp_assoc_poll_event(). The layer consumes
 * the association's MESSAGE and STREAMS_RESET events and hands every other
 * association event (CONNECTED, CLOSED, ...) on as CSCTP_DC_EVENT_ASSOC.
 *
 * A loop therefore reads: feed packets and run timers on the association,
 * drain csctp_dc_poll_event() (any csctp_dc_* or csctp_assoc_* call is allowed
 * while handling an event), then drain csctp_assoc_write_packet().
 *
 * Channels are named by csctp_dc_channel handles, never by pointers: a handle
 * stays valid until its CLOSED event has been polled; a stale handle is
 * refused with CSCTP_ERR_INVALID_ARGUMENT, never dereferenced. The SCTP
 * stream id and PPIDs stay hidden unless asked for (csctp_dc_get_info).
 *
 * Stream ids (RFC 8832 §6): the DTLS client opens even ids, the DTLS server
 * odd ones; set the role before the association is established. A peer's
 * DATA_CHANNEL_OPEN on an id of our parity is accepted when that id is free
 * (some stacks, e.g. aiortc after an ICE role conflict, pick ids by ICE role;
 * libwebrtc, aiortc and GStreamer accept such OPENs too), counted in
 * open_our_parity and logged; our own channels then skip that id. Only a
 * real collision (the id already carries a channel of ours, or one being
 * opened or closed) is refused, and every refusal is logged. Channels
 * opened before that wait (state CONNECTING) and get their id, send their
 * DATA_CHANNEL_OPEN and report OPEN when the CONNECTED event passes through
 * csctp_dc_poll_event(). Create the csctp_dc before the association is
 * established, so that it sees CONNECTED and the negotiated stream counts.
 *
 * Thread safety: sans-IO, no global state, no locks. A csctp_dc and the
 * association it borrows count as one object: one thread at a time for every
 * csctp_dc_* and csctp_assoc_* call on either. Different csctp_dc objects may be
 * used on different threads at the same time.
 */
#ifndef CSCTP_DATACHANNEL_H
#define CSCTP_DATACHANNEL_H

#include <csctp/common.h>
#include <csctp/sctp.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The data-channel layer over one association. */
typedef struct csctp_dc csctp_dc;

/** A channel handle. 0 is never a valid handle. */
typedef uint32_t csctp_dc_channel;

/** DTLS role of this side: decides the parity of the stream ids we choose. */
typedef enum csctp_dc_role {
  CSCTP_DC_ROLE_CLIENT = 0, /**< DTLS client: even stream ids */
  CSCTP_DC_ROLE_SERVER = 1, /**< DTLS server: odd stream ids */
} csctp_dc_role;

/** DCEP channel types (RFC 8832 §5.1, §8.2.2); 0x80 is the unordered bit. */
enum {
  CSCTP_DC_TYPE_RELIABLE = 0x00,
  CSCTP_DC_TYPE_PARTIAL_RELIABLE_REXMIT = 0x01,
  CSCTP_DC_TYPE_PARTIAL_RELIABLE_TIMED = 0x02,
  CSCTP_DC_TYPE_UNORDERED = 0x80,
};

/** DCEP priorities (RFC 8832 §5.1), as used by browsers. */
enum {
  CSCTP_DC_PRIORITY_BELOW_NORMAL = 128,
  CSCTP_DC_PRIORITY_NORMAL = 256,
  CSCTP_DC_PRIORITY_HIGH = 512,
  CSCTP_DC_PRIORITY_EXTRA_HIGH = 1024,
};

/** Longest label or protocol, bytes (the DCEP length fields are 16 bits). */
#define CSCTP_DC_MAX_STRING 65535u

/**
 * Layer configuration: start from csctp_dc_config_default().
 */
typedef struct csctp_dc_config {
  csctp_dc_role role;        /**< default CLIENT; csctp_dc_set_role() may change it later */
  uint32_t max_message_size; /**< largest message we send on a channel: the peer's
                                  a=max-message-size (default 65536, RFC 8841 §6.1) */
  uint32_t max_partial_size; /**< largest message reassembled from the deprecated partial
                                  PPIDs 52/54 (default 262144); larger ones are dropped */
  const csctp_mem *mem;      /**< allocator; NULL = csctp_mem_default() */
  csctp_log_fn log;          /**< optional logging hook (CSCTP_LOG_DC): DCEP decisions,
                                  e.g. every rejected DATA_CHANNEL_OPEN and why */
  /** Passed unchanged to `log`. */
  void *log_user_data;
  uint32_t log_mask; /**< categories to log, e.g. csctp_log_mask_parse(getenv("CSCTP_DEBUG")) */
  /**
   * Optional: per level, the categories logged at that level (csctp_log_levels_parse(),
   * csctp_log_levels_set()). A line reaches `log` when its category is in `log_mask` and, unless
   * this array is all zero (the default: every level), in `log_levels[level]`.
   */
  uint32_t log_levels[CSCTP_LOG_LEVELS];
} csctp_dc_config;

/** Versions of csctp_dc_config's layout; CSCTP_DC_CONFIG_VERSION is this header's. */
#define CSCTP_DC_CONFIG_V1 1
/** The layout version this header describes (pass it to the _versioned functions). */
#define CSCTP_DC_CONFIG_VERSION CSCTP_DC_CONFIG_V1

/**
 * Fills `cfg`, laid out as version `config_version`, with the defaults
 * documented above. Returns 0, or CSCTP_ERR_INVALID_ARGUMENT (cfg NULL, an
 * unknown version) writing nothing. Call it through csctp_dc_config_default().
 */
CSCTP_EXTERN int csctp_dc_config_default_versioned(int config_version, csctp_dc_config *cfg);
/** csctp_dc_config_default_versioned() for this header's layout. */
#define csctp_dc_config_default(CFG) \
  csctp_dc_config_default_versioned(CSCTP_DC_CONFIG_VERSION, (CFG))

/**
 * Options of a new channel, after RTCDataChannelInit. Zero-initialised
 * options (with a label) give an in-band, ordered, reliable channel.
 */
typedef struct csctp_dc_init {
  const char *label;         /**< UTF-8, NUL-terminated; NULL = "" (copied) */
  const char *protocol;      /**< UTF-8, NUL-terminated; NULL = "" (copied) */
  int unordered;             /**< non-zero: messages may arrive out of order */
  csctp_pr_policy pr_policy; /**< CSCTP_PR_NONE, _RTX (maxRetransmits), _TTL (maxPacketLifeTime) */
  uint32_t pr_value;         /**< retransmissions, or lifetime in milliseconds */
  uint16_t priority;         /**< DCEP priority; 0 = CSCTP_DC_PRIORITY_NORMAL */
  int negotiated;            /**< non-zero: no DCEP, both sides create the channel with `id` */
  uint16_t id;               /**< stream id of a negotiated channel (0..65534) */
} csctp_dc_init;

/** Channel states (as RTCDataChannel.readyState). */
/** The state of a channel (RTCDataChannel.readyState). */
typedef enum csctp_dc_state {
  CSCTP_DC_STATE_CONNECTING = 0, /**< waiting for the association */
  CSCTP_DC_STATE_OPEN,
  CSCTP_DC_STATE_CLOSING, /**< stream reset in progress */
  CSCTP_DC_STATE_CLOSED,  /**< CLOSED event queued, handle not yet released */
} csctp_dc_state;

/** What a channel is; see csctp_dc_get_info(). */
typedef struct csctp_dc_info {
  /** where the channel is in its life */
  csctp_dc_state state;
  int has_stream;       /**< 0 while CONNECTING without an id */
  uint16_t stream;      /**< SCTP stream id */
  uint8_t channel_type; /**< RFC 8832 channel type byte */
  /** RFC 8832 priority */
  uint16_t priority;
  /** RFC 8832 reliability parameter: retransmissions or milliseconds, by channel type */
  uint32_t reliability_param;
  /** 1: negotiated out of band (no DCEP), both sides chose the id */
  int negotiated;
  int by_peer; /**< opened by the peer's DATA_CHANNEL_OPEN */
  int acked;   /**< in-band channel we opened: ACK (or a first message) received */
  /** largest message csctp_dc_send() accepts on the channel */
  uint32_t max_message_size;
  const char *label; /**< NUL-terminated; valid while the handle is */
  /** bytes of `label`, without the NUL */
  size_t label_len;
  const char *protocol; /**< NUL-terminated; valid while the handle is */
  /** bytes of `protocol`, without the NUL */
  size_t protocol_len;
} csctp_dc_info;

/** Why an ERROR event was raised. */
typedef enum csctp_dc_error_reason {
  CSCTP_DC_ERR_NO_STREAM = 1,  /**< no stream id available (or a negotiated id beyond the
                                    negotiated streams): the channel closes */
  CSCTP_DC_ERR_SEND_FAILED,    /**< a DCEP message could not be queued (`error` says why):
                                    the channel closes */
  CSCTP_DC_ERR_RESET_REFUSED,  /**< the peer refused our stream reset (`error` holds its
                                    csctp_reconfig_result, e.g. CSCTP_RECONFIG_RESULT_DENIED):
                                    the channel closes locally */
  CSCTP_DC_ERR_OPEN_COLLISION, /**< the peer sent DATA_CHANNEL_OPEN on this channel's stream
                                    (RFC 8832 §6): the channel closes */
} csctp_dc_error_reason;

/** Kinds of csctp_dc_event, in csctp_dc_event.type. */
typedef enum csctp_dc_event_type {
  /** No event (never returned by csctp_dc_poll_event()). */
  CSCTP_DC_EVENT_NONE = 0,
  /** An association event other than MESSAGE and STREAMS_RESET, in u.assoc. */
  CSCTP_DC_EVENT_ASSOC,
  /** A channel is open: opened by the peer (DATA_CHANNEL_OPEN received and ACK queued),
   *  or by us (our DATA_CHANNEL_OPEN is queued, or a negotiated channel's association is
   *  up). Sending is allowed from now on. */
  CSCTP_DC_EVENT_OPEN,
  /** A complete message. */
  CSCTP_DC_EVENT_MESSAGE,
  /** The channel's buffered amount fell to or below its low threshold. */
  CSCTP_DC_EVENT_BUFFERED_AMOUNT_LOW,
  /** The peer started closing the channel (its stream reset arrived); we reset ours. */
  CSCTP_DC_EVENT_CLOSING,
  /** The channel is closed (both directions reset, or the association went away). The
   *  handle is released at the next csctp_dc_* call. */
  CSCTP_DC_EVENT_CLOSED,
  /** A channel-level problem (u.error); a CLOSED event follows when it closes the channel. */
  CSCTP_DC_EVENT_ERROR,
} csctp_dc_event_type;

/**
 * An event. Pointers inside it (label, protocol, message data) stay valid
 * until the next call of any function on the csctp_dc or its association.
 */
typedef struct csctp_dc_event {
  /** What happened: says which member of `u` is set. */
  csctp_dc_event_type type;
  csctp_dc_channel channel; /**< 0 for ASSOC */
  /** The details of each kind of event, named after it (OPEN: `open`, ASSOC: `assoc`, ...). */
  union {
    struct {
      int by_peer;
      const char *label; /**< NUL-terminated */
      size_t label_len;
      const char *protocol; /**< NUL-terminated */
      size_t protocol_len;
      uint8_t channel_type;
      uint16_t priority;
      uint32_t reliability_param;
    } open;
    struct {
      int is_text;
      const uint8_t *data; /**< NULL when len is 0 */
      size_t len;
    } message;
    struct {
      size_t buffered;
    } buffered_amount_low;
    struct {
      csctp_dc_error_reason reason;
      int error; /**< a csctp_error (negative), or for RESET_REFUSED the peer's
                      csctp_reconfig_result (positive) */
    } error;
    csctp_event assoc;
  } u;
} csctp_dc_event;

/** Counters of the layer. Every peer mistake is counted here, never returned. */
typedef struct csctp_dc_stats {
  /** channels opened by us, opened by the peer, and closed @{ */
  uint64_t channels_opened_local, channels_opened_remote, channels_closed;
  /** @} */
  /** user messages and their bytes sent and received @{ */
  uint64_t messages_out, bytes_out, messages_in, bytes_in;
  /** @} */
  uint64_t dcep_malformed;    /**< too short, label/protocol past the end, bad UTF-8 */
  uint64_t dcep_unknown_type; /**< message types other than OPEN and ACK (discarded) */
  uint64_t open_rejected;     /**< OPENs answered by a stream reset instead of an ACK */
  uint64_t open_our_parity;   /**< OPENs accepted on a free id of our parity (the one
                                   the peer's DTLS role does not give it; file comment) */
  uint64_t ack_unexpected;    /**< ACKs on a stream that awaits none (discarded) */
  uint64_t msgs_no_channel;   /**< user messages on a stream without an open channel */
  uint64_t msgs_bad_ppid;     /**< PPIDs outside 50-57 or 55 (discarded) */
  uint64_t partial_dropped;   /**< 52/54 reassemblies over max_partial_size or mixed types */
  uint64_t pieces_joined;     /**< messages the association handed out in pieces, joined */
  uint64_t pieces_aborted;    /**< of those, abandoned by the peer part way (dropped) */
  uint64_t resets_no_channel; /**< peer stream resets on an id without a channel, answered
                                   by resetting ours (RFC 8831 §6.7) */
} csctp_dc_stats;

/** Versions of csctp_dc_stats's layout; CSCTP_DC_STATS_VERSION is this header's. */
#define CSCTP_DC_STATS_V1 1
/** The layout version this header describes (pass it to the _versioned functions). */
#define CSCTP_DC_STATS_VERSION CSCTP_DC_STATS_V1

/**
 * Creates the layer over `assoc`, which it borrows: `assoc` must outlive the
 * csctp_dc, and from now on its events must be polled through
 * csctp_dc_poll_event(). `cfg` may be NULL (defaults); it is copied.
 * Returns 0 and stores the object in *pdc (free with csctp_dc_del), or
 * CSCTP_ERR_INVALID_ARGUMENT (also for a `config_version` this library does
 * not know), CSCTP_ERR_NOMEM.
 */
CSCTP_EXTERN int csctp_dc_new_versioned(csctp_dc **pdc, csctp_assoc *assoc, int config_version,
                                        const csctp_dc_config *cfg);
/** csctp_dc_new_versioned() with this header's csctp_dc_config layout. */
#define csctp_dc_new(PDC, ASSOC, CFG) \
  csctp_dc_new_versioned((PDC), (ASSOC), CSCTP_DC_CONFIG_VERSION, (CFG))

/**
 * Frees the layer and every channel, without touching the association (no
 * stream is reset: close channels first for a graceful end). NULL is allowed.
 */
CSCTP_EXTERN void csctp_dc_del(csctp_dc *dc);

/**
 * Sets the DTLS role (parity of the ids we choose). Returns 0, or
 * CSCTP_ERR_INVALID_STATE once an in-band channel has been given an id.
 */
CSCTP_EXTERN int csctp_dc_set_role(csctp_dc *dc, csctp_dc_role role);

/**
 * Sets the largest message we send, for every channel, existing and future
 * (the peer's a=max-message-size; 0 is taken as 65536). Never fails.
 */
CSCTP_EXTERN void csctp_dc_set_max_message_size(csctp_dc *dc, uint32_t size);

/**
 * Chooses the send scheduler of the association under `dc` (RFC 8260 §3,
 * see csctp_assoc_set_scheduler). Each channel's priority is its stream's:
 * the W3C RTCPriorityType values map to the DCEP ones (RFC 8831 §6.4, RFC
 * 8832 §5.1) as "very-low" = CSCTP_DC_PRIORITY_BELOW_NORMAL (128), "low" =
 * CSCTP_DC_PRIORITY_NORMAL (256), "medium" = CSCTP_DC_PRIORITY_HIGH (512)
 * and "high" = CSCTP_DC_PRIORITY_EXTRA_HIGH (1024). Under CSCTP_SCHED_WFQ,
 * the default, channels with data queued share the bytes in the weights
 * 0.5 : 1 : 2 : 4 of those levels (each twice the one below, as the W3C
 * specification asks); CSCTP_SCHED_PRIORITY serves the highest level first;
 * CSCTP_SCHED_FAIR, RR, RR_PACKET and FCFS ignore priorities. Switchable at
 * any time. Returns 0 or CSCTP_ERR_INVALID_ARGUMENT (`dc` NULL or an unknown
 * scheduler; nothing changed).
 */
CSCTP_EXTERN int csctp_dc_set_scheduler(csctp_dc *dc, csctp_sched s);

/**
 * Opens a channel. In-band channels (init->negotiated == 0) get a stream id
 * of our parity and send DATA_CHANNEL_OPEN; negotiated ones use init->id and
 * send nothing. If the association is not established yet, the channel waits
 * in CONNECTING. An OPEN event (by_peer 0) follows, or ERROR + CLOSED.
 * Returns 0 and the handle in *out, or CSCTP_ERR_INVALID_ARGUMENT (NULL init,
 * label or protocol over 65535 bytes or not UTF-8, id 65535, unknown
 * pr_policy), CSCTP_ERR_STREAM_ID (negotiated id already used, or no free
 * id), CSCTP_ERR_CLOSED (association closed or shutting down),
 * CSCTP_ERR_WOULD_BLOCK / CSCTP_ERR_NOMEM (nothing changed).
 */
CSCTP_EXTERN int csctp_dc_open(csctp_dc *dc, const csctp_dc_init *init, csctp_tstamp now,
                               csctp_dc_channel *out);

/**
 * Sends one message on an OPEN channel: text (PPID 51) or binary (53); an
 * empty message travels as one zero byte with PPID 56 / 57 (RFC 8831 §6.6).
 * `data` is copied once by the engine. Before the peer's ACK (or any message
 * from the peer) on a channel we opened, messages go ordered (RFC 8832 §6).
 * Returns 0 or: CSCTP_ERR_INVALID_ARGUMENT (unknown or stale handle, NULL data
 * with len > 0), CSCTP_ERR_INVALID_STATE (still CONNECTING),
 * CSCTP_ERR_CLOSED (closing or closed), CSCTP_ERR_MSG_TOO_LARGE (over the
 * channel's maximum message size, or the engine's), CSCTP_ERR_WOULD_BLOCK,
 * CSCTP_ERR_NOMEM. On error nothing is sent.
 */
CSCTP_EXTERN int csctp_dc_send(csctp_dc *dc, csctp_dc_channel ch, int is_text, const void *data,
                               size_t len, csctp_tstamp now);

/**
 * Closes a channel (RFC 8831 §6.7): messages already queued are still sent,
 * then our outgoing stream is reset; the channel is CLOSED (event) once the
 * peer has reset its own. If the peer did not announce stream reconfiguration
 * the channel closes at once, locally. A CONNECTING channel without an id
 * closes at once. Returns 0, CSCTP_ERR_INVALID_ARGUMENT (unknown or stale
 * handle), CSCTP_ERR_CLOSED (already closing or closed), or CSCTP_ERR_NOMEM
 * (nothing changed). A stream reset request that finds no memory is not an
 * error here: it stays pending and csctp_dc_poll_event() asks again.
 */
CSCTP_EXTERN int csctp_dc_close(csctp_dc *dc, csctp_dc_channel ch, csctp_tstamp now);

/**
 * Takes the next event into *ev: 1 when one was stored, 0 when there is
 * none, or a fatal error (CSCTP_ERR_NOMEM). It pulls the association's
 * events, answers DCEP (ACKs, resets) and checks buffered amounts, so call
 * csctp_assoc_write_packet() after it. Pointers in *ev: see csctp_dc_event.
 */
CSCTP_EXTERN int csctp_dc_poll_event(csctp_dc *dc, csctp_dc_event *ev, csctp_tstamp now);

/**
 * Bytes of this channel queued or in flight and not yet acknowledged (0 for
 * an unknown handle or a channel without a stream).
 */
CSCTP_EXTERN size_t csctp_dc_buffered_amount(const csctp_dc *dc, csctp_dc_channel ch);

/**
 * Sets the channel's low threshold (default 0): a BUFFERED_AMOUNT_LOW event
 * is raised when the buffered amount falls from above it to at or below it.
 * Returns 0 or CSCTP_ERR_INVALID_ARGUMENT.
 */
CSCTP_EXTERN int csctp_dc_set_buffered_amount_low_threshold(csctp_dc *dc, csctp_dc_channel ch,
                                                            size_t threshold);

/**
 * Sets one channel's largest outgoing message (0 = the layer's value).
 * Returns 0 or CSCTP_ERR_INVALID_ARGUMENT.
 */
CSCTP_EXTERN int csctp_dc_set_channel_max_message_size(csctp_dc *dc, csctp_dc_channel ch,
                                                       uint32_t size);

/**
 * Describes a channel into *info (string pointers valid while the handle is).
 * Returns 0 or CSCTP_ERR_INVALID_ARGUMENT.
 */
CSCTP_EXTERN int csctp_dc_get_info(const csctp_dc *dc, csctp_dc_channel ch, csctp_dc_info *info);

/** Number of channels not yet released (any state). */
CSCTP_EXTERN size_t csctp_dc_channel_count(const csctp_dc *dc);

/**
 * Copies the layer's counters into *st, laid out as version `stats_version`.
 * Returns 0, or CSCTP_ERR_INVALID_ARGUMENT (a NULL argument, an unknown
 * version) writing nothing. Call it through csctp_dc_get_stats().
 */
CSCTP_EXTERN int csctp_dc_get_stats_versioned(const csctp_dc *dc, int stats_version,
                                              csctp_dc_stats *st);
/** csctp_dc_get_stats_versioned() with this header's csctp_dc_stats layout. */
#define csctp_dc_get_stats(DC, ST) csctp_dc_get_stats_versioned((DC), CSCTP_DC_STATS_VERSION, (ST))

/**
 * One channel's counters (RTCDataChannelStats): user messages and their bytes
 * accepted by csctp_dc_send() and delivered by MESSAGE events on this channel
 * (an empty message counts as a message of 0 bytes), and its buffered amount.
 */
typedef struct csctp_dc_channel_stats {
  /** messages and bytes sent and received @{ */
  uint64_t messages_sent, bytes_sent, messages_received, bytes_received;
  /** @} */
  /** csctp_dc_buffered_amount() at the time of the call */
  size_t buffered_amount;
} csctp_dc_channel_stats;

/** Versions of csctp_dc_channel_stats's layout; CSCTP_DC_CHANNEL_STATS_VERSION is this header's. */
#define CSCTP_DC_CHANNEL_STATS_V1 1
/** The layout version this header describes (pass it to the _versioned functions). */
#define CSCTP_DC_CHANNEL_STATS_VERSION CSCTP_DC_CHANNEL_STATS_V1

/**
 * Copies channel `ch`'s counters into *st, laid out as version
 * `stats_version`. They count from the channel's creation (or from its import,
 * csctp_dc_handover_import) and stay readable until its handle is released.
 * Returns 0, or CSCTP_ERR_INVALID_ARGUMENT (a NULL argument, an unknown handle,
 * an unknown version) writing nothing. Call it through csctp_dc_get_channel_stats().
 */
CSCTP_EXTERN int csctp_dc_get_channel_stats_versioned(const csctp_dc *dc, csctp_dc_channel ch,
                                                      int stats_version,
                                                      csctp_dc_channel_stats *st);
/** csctp_dc_get_channel_stats_versioned() with this header's layout. */
#define csctp_dc_get_channel_stats(DC, CH, ST) \
  csctp_dc_get_channel_stats_versioned((DC), (CH), CSCTP_DC_CHANNEL_STATS_VERSION, (ST))

/**
 * Handover of the layer with its association to another process: the data-channel step
 * on top of csctp_assoc_handover_export() (sctp.h). Reasons of
 * csctp_dc_handover_readiness() beyond the association's csctp_handover_reason bits
 * (which it reports too, shifted nowhere: the two sets do not overlap).
 */
typedef enum csctp_dc_handover_reason {
  /** A channel not OPEN (CONNECTING, CLOSING, CLOSED but not released, a rejected OPEN
   *  being reset), or one of ours still waiting for the peer's DATA_CHANNEL_ACK, or a
   *  DATA_CHANNEL_OPEN / ACK / stream reset not yet queued. */
  CSCTP_DC_HANDOVER_CHANNEL = 1 << 16,
  /** Events of the layer not yet taken by csctp_dc_poll_event() (or a
   *  BUFFERED_AMOUNT_LOW it still owes). */
  CSCTP_DC_HANDOVER_EVENTS = 1 << 17,
  /** A message being joined: deprecated partial PPIDs 52/54, or pieces of partial
   *  delivery. */
  CSCTP_DC_HANDOVER_PARTIAL = 1 << 18,
} csctp_dc_handover_reason;

/**
 * Returns 0 when `dc` and its association may be handed over now
 * (csctp_dc_handover_export() would succeed), else a bitmask of
 * csctp_handover_reason (the association's, from csctp_assoc_handover_readiness();
 * CSCTP_HANDOVER_NOT_ESTABLISHED also for `dc` NULL, a layer that has not seen
 * the association established, or one handed over already) and
 * csctp_dc_handover_reason. Changes nothing; `dc` is only read during the call.
 */
CSCTP_EXTERN int csctp_dc_handover_readiness(const csctp_dc *dc);

/**
 * Exports the layer and its association into `buf` (`cap` bytes, owned by
 * the caller) as one blob and hands both over: from then on the association
 * writes nothing and ignores input (as after csctp_assoc_handover_export()),
 * and csctp_dc_open(), csctp_dc_send() and csctp_dc_close() refuse with
 * CSCTP_ERR_INVALID_STATE; delete both (csctp_dc_del(), then
 * csctp_assoc_del()) when done. The blob holds a magic "CSDC", the format
 * version (1), `now` as its creation time, the layer's role (id parity) and
 * maximum message size, the association's own blob, and for every channel
 * (all OPEN) its stream id, label, protocol, channel type, priority,
 * reliability parameter, negotiated and by-peer flags, maximum message size
 * and low threshold; then HMAC-SHA-256 over all of it with `key` (`key_len` >=
 * CSCTP_HANDOVER_KEY_MIN, only read during the call). Authenticated, not
 * encrypted: keep it as secret as the key. Counters (csctp_dc_stats) and
 * handles do not travel. With `buf` NULL and `cap` 0 it returns the size the
 * blob would have, changing nothing. Returns the blob's length, or
 * CSCTP_ERR_INVALID_ARGUMENT (`dc` or `key` NULL, `key` too short, `buf` NULL
 * with `cap` > 0), CSCTP_ERR_INVALID_STATE (csctp_dc_handover_readiness() is
 * not 0), CSCTP_ERR_NOBUF (`cap` too small), CSCTP_ERR_NOMEM,
 * CSCTP_ERR_CRYPTO; on those errors nothing changes (CSCTP_ERR_CRYPTO from the
 * final MAC excepted: both are then handed over and the blob is unusable).
 */
CSCTP_EXTERN csctp_ssize csctp_dc_handover_export(csctp_dc *dc, const uint8_t *key, size_t key_len,
                                                  csctp_tstamp now, uint8_t *buf, size_t cap);

/**
 * Creates, from a blob of csctp_dc_handover_export() (`len` bytes, only read
 * during the call), an ESTABLISHED association (as
 * csctp_assoc_handover_import(), configured by `scfg`) and a layer over it
 * (configured by `dcfg`, may be NULL, as csctp_dc_new(); the role and the
 * maximum message size come from the blob) holding every channel of the
 * blob, OPEN. No event is queued for them (nothing happened on the wire):
 * their handles are new, allocated in stream order; find them with
 * csctp_dc_channel_list() or csctp_dc_channel_by_stream(). The MAC is checked
 * first, in constant time, then the version and age (`max_age`, as the
 * association's), then the embedded association blob (same key), then every
 * channel (UTF-8 strings, valid channel types, stream ids below the
 * negotiated stream counts, in order, no duplicates). On success *out and
 * *assoc_out receive two objects the caller owns, related as after
 * csctp_dc_new(): the layer borrows the association; free with csctp_dc_del()
 * and then csctp_assoc_del(). Returns 0, or CSCTP_ERR_INVALID_ARGUMENT (a
 * NULL argument other than `dcfg`, a short key, a config refused as by
 * csctp_assoc_handover_import() or csctp_dc_new()), CSCTP_ERR_HANDOVER_AUTH
 * (wrong key, altered or truncated blob), CSCTP_ERR_HANDOVER_VERSION,
 * CSCTP_ERR_HANDOVER_STALE, CSCTP_ERR_MALFORMED (authentic but inconsistent
 * content), CSCTP_ERR_NOMEM, CSCTP_ERR_CRYPTO, CSCTP_ERR_RANDOM; on error
 * *out and *assoc_out are untouched and nothing is created.
 */
CSCTP_EXTERN int csctp_dc_handover_import(csctp_dc **out, csctp_assoc **assoc_out,
                                          const csctp_config *scfg, const csctp_dc_config *dcfg,
                                          const uint8_t *key, size_t key_len, const uint8_t *blob,
                                          size_t len, csctp_tstamp now, csctp_tstamp max_age);

/**
 * Finds the channel on SCTP stream `stream` (any state but a rejected OPEN
 * being reset). Returns 0 and its handle in *out, or
 * CSCTP_ERR_INVALID_ARGUMENT (`dc` or `out` NULL, no channel there).
 */
CSCTP_EXTERN int csctp_dc_channel_by_stream(const csctp_dc *dc, uint16_t stream,
                                            csctp_dc_channel *out);

/**
 * Lists the handles of the channels that have a stream id, in stream order:
 * stores the first `cap` of them into `out` (caller's array; NULL allowed
 * with `cap` 0) and returns how many there are (0 for `dc` NULL).
 */
CSCTP_EXTERN size_t csctp_dc_channel_list(const csctp_dc *dc, csctp_dc_channel *out, size_t cap);

/** The association the layer sits on. */
CSCTP_EXTERN csctp_assoc *csctp_dc_assoc(const csctp_dc *dc);

#ifdef __cplusplus
}
#endif

#endif
