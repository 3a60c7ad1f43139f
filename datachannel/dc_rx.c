/* SPDX-License-Identifier: MIT */
/* The data-channel layer's reactions: association events, DCEP (RFC 8832 §6),
 * messages (RFC 8831 §6.6), closing by stream reset (RFC 8831 §6.7). */
#include <string.h>

#include "dc_priv.h"
#include "dcep.h"

static void dc_set_pending(csctp_dc *dc, dc_chan *c, uint8_t *flag) {
  int before = c->open_pending || c->ack_pending || c->reset_pending;
  *flag = 1;
  if (!before) dc->pending++;
}

static void dc_clear_pending(csctp_dc *dc, dc_chan *c, uint8_t *flag) {
  *flag = 0;
  if (!(c->open_pending || c->ack_pending || c->reset_pending)) dc->pending--;
}

int csctp_dc_queue_error(csctp_dc *dc, dc_chan *c, csctp_dc_error_reason reason, int error) {
  if (c->hidden) return 0;
  csctp_dc_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.type = CSCTP_DC_EVENT_ERROR;
  ev.channel = csctp_dc_chan_handle(dc, c);
  ev.u.error.reason = reason;
  ev.u.error.error = error;
  return csctp_dc_queue(dc, &ev);
}

static int dc_send_dcep(csctp_dc *dc, dc_chan *c, const uint8_t *msg, size_t len,
                        csctp_tstamp now) {
  /* RFC 8832 §6: DCEP messages are sent ordered and reliably, on the channel's stream. */
  csctp_send_opts o;
  memset(&o, 0, sizeof(o));
  o.stream = c->stream;
  o.ppid = CSCTP_PPID_WEBRTC_DCEP;
  return csctp_assoc_send(dc->assoc, &o, msg, len, now);
}

int csctp_dc_send_open(csctp_dc *dc, dc_chan *c, csctp_tstamp now) {
  csctp_dcep_msg m;
  memset(&m, 0, sizeof(m));
  m.channel_type = c->channel_type;
  m.priority = c->priority;
  m.reliability_param = c->reliability_param;
  m.label = (const uint8_t *)c->strings;
  m.label_len = (uint16_t)c->label_len;
  m.protocol = (const uint8_t *)c->strings + c->label_len + 1;
  m.protocol_len = (uint16_t)c->protocol_len;
  size_t n = csctp_dcep_open_size(&m);
  uint8_t small[256];
  uint8_t *buf = n <= sizeof(small) ? small : dc->mem->malloc(n, dc->mem->user_data);
  if (!buf) return CSCTP_ERR_NOMEM;
  csctp_dcep_write_open(buf, &m);
  int rv = dc_send_dcep(dc, c, buf, n, now);
  if (buf != small) dc->mem->free(buf, dc->mem->user_data);
  return rv;
}

static int dc_send_ack(csctp_dc *dc, dc_chan *c, csctp_tstamp now) {
  static const uint8_t ack = CSCTP_DCEP_ACK;
  return dc_send_dcep(dc, c, &ack, 1, now);
}

int csctp_dc_chan_opened(csctp_dc *dc, dc_chan *c) {
  c->state = CSCTP_DC_STATE_OPEN;
  csctp_dc_event ev;
  csctp_dc_fill_open_event(dc, c, &ev);
  return csctp_dc_queue(dc, &ev);
}

int csctp_dc_finish_close(csctp_dc *dc, dc_chan *c) {
  csctp_dc_unbind_stream(dc, c);
  csctp_dc_partial_clear(dc, c);
  if (c->open_pending) dc_clear_pending(dc, c, &c->open_pending);
  if (c->ack_pending) dc_clear_pending(dc, c, &c->ack_pending);
  if (c->reset_pending) dc_clear_pending(dc, c, &c->reset_pending);
  c->state = CSCTP_DC_STATE_CLOSED;
  if (c->hidden) {
    csctp_dc_chan_release(dc, c);
    return 0;
  }
  dc->st.channels_closed++;
  csctp_dc_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.type = CSCTP_DC_EVENT_CLOSED;
  ev.channel = csctp_dc_chan_handle(dc, c);
  return csctp_dc_queue(dc, &ev);
}

int csctp_dc_close_begin(csctp_dc *dc, dc_chan *c, csctp_tstamp now) {
  if (!c->has_stream || c->open_pending) {
    /* Nothing of this channel reached the wire (or only its id is reserved). */
    return csctp_dc_finish_close(dc, c);
  }
  c->state = CSCTP_DC_STATE_CLOSING;
  csctp_dc_partial_clear(dc, c);
  if (c->ack_pending) dc_clear_pending(dc, c, &c->ack_pending);
  if (!c->out_reset_requested && !c->out_reset_done) dc_set_pending(dc, c, &c->reset_pending);
  return csctp_dc_flush_resets(dc, now);
}

int csctp_dc_flush_resets(csctp_dc *dc, csctp_tstamp now) {
  if (!dc->pending) return 0;
  uint32_t n = 0;
  for (uint32_t i = 0; i < dc->nslots; i++) {
    const dc_chan *c = &dc->slots[i];
    if (!c->in_use || !c->reset_pending) continue;
    if (n == dc->scratch_cap) {
      uint32_t cap = dc->scratch_cap ? dc->scratch_cap * 2 : 16;
      uint16_t *s = dc->mem->realloc(dc->scratch, cap * sizeof(*s), dc->mem->user_data);
      if (!s) return CSCTP_ERR_NOMEM;
      dc->scratch = s;
      dc->scratch_cap = cap;
    }
    dc->scratch[n++] = c->stream;
  }
  if (!n) return 0;
  csctp_peer_features f = {0, 0};
  csctp_assoc_get_peer_features(dc->assoc, &f);
  int rv = dc->dead || !f.reconfig ? CSCTP_ERR_INVALID_STATE
                                   : csctp_assoc_reset_streams(dc->assoc, dc->scratch, n, now);
  if (rv <= CSCTP_ERR_FATAL) return rv;
  for (uint32_t i = 0; i < dc->nslots; i++) {
    dc_chan *c = &dc->slots[i];
    if (!c->in_use || !c->reset_pending) continue;
    dc_clear_pending(dc, c, &c->reset_pending);
    if (rv == 0) {
      c->out_reset_requested = 1;
    } else {
      /* No stream reconfiguration with this peer (or no association): close locally. */
      int r2 = csctp_dc_finish_close(dc, c);
      if (r2 < 0) return r2;
    }
  }
  return 0;
}

/* ---- inbound DCEP ---- */

static const char *dc_role_name(const csctp_dc *dc) {
  return dc->cfg.role == CSCTP_DC_ROLE_CLIENT ? "client" : "server";
}

/* A hidden channel on `stream` in `state`: it holds the id while the stream is reset, and no
 * event of it reaches the application. 0 and *pc, or an error (nothing allocated). */
static int dc_hidden_new(csctp_dc *dc, uint16_t stream, uint8_t state, dc_chan **pc) {
  dc_chan *c = csctp_dc_chan_alloc(dc);
  if (!c) return CSCTP_ERR_NOMEM;
  c->hidden = 1;
  c->by_peer = 1;
  c->state = state;
  int rv = csctp_dc_bind_stream(dc, c, stream);
  if (rv != 0) {
    csctp_dc_chan_release(dc, c);
    return rv;
  }
  *pc = c;
  return 0;
}

static int dc_reject_open(csctp_dc *dc, uint16_t stream, const char *why, csctp_tstamp now) {
  /* RFC 8832 §6: no ACK; close the channel, i.e. reset our outgoing stream. A hidden
   * channel holds the id until both directions are reset. */
  dc->st.open_rejected++;
  csctp_dc_log(dc, CSCTP_LOG_WARN,
               "dc: DATA_CHANNEL_OPEN on stream %u rejected (%s): stream reset, no ACK", stream,
               why);
  dc_chan *c;
  int rv = dc_hidden_new(dc, stream, CSCTP_DC_STATE_OPEN, &c);
  return rv ? rv : csctp_dc_close_begin(dc, c, now);
}

/* The peer reset its side of the stream and our reset of ours is on its way or answered
 * but the answer not yet here: the peer, which performs our request before it answers,
 * may already count the id free and open a new channel on it (webrtcbin does so when the
 * answer travels in a later packet than the OPEN). The old channel's close is over as far
 * as both directions go: the engine holds what we send on the stream until the reset is
 * done and numbers it from SSN 0, which is what the peer expects. */
static int dc_closing_reused(const dc_chan *c) {
  return c->state == CSCTP_DC_STATE_CLOSING && c->in_reset_done && c->out_reset_requested &&
         !c->out_reset_done;
}

static int dc_on_open(csctp_dc *dc, uint16_t stream, const csctp_dcep_msg *m, csctp_tstamp now) {
  dc_chan *c = csctp_dc_chan_by_stream(dc, stream);
  if (c && dc_closing_reused(c)) {
    csctp_dc_log(dc, CSCTP_LOG_INFO,
                 "dc: DATA_CHANNEL_OPEN on stream %u before the answer to our reset of it: the "
                 "peer reused the id of a closed channel, the old one is closed now",
                 stream);
    int rv = csctp_dc_finish_close(dc, c);
    if (rv < 0) return rv;
    c = NULL;
  }
  if (c) {
    /* A real collision: the id carries a channel (ours, opening or open; the peer's;
     * or one closing). RFC 8832 §6: an OPEN on a stream already in use closes it. */
    dc->st.open_rejected++;
    int closing = c->state == CSCTP_DC_STATE_CLOSING || c->state == CSCTP_DC_STATE_CLOSED;
    csctp_dc_log(dc, CSCTP_LOG_WARN,
                 "dc: DATA_CHANNEL_OPEN on stream %u rejected: the id is in use by %s%s channel "
                 "(%s)%s",
                 stream,
                 c->hidden    ? "a rejected"
                 : c->by_peer ? "the peer's"
                              : "our",
                 c->negotiated ? " negotiated" : "",
                 c->state == CSCTP_DC_STATE_CONNECTING ? "opening"
                 : closing                             ? "closing"
                                                       : "open",
                 closing ? "" : ": closing it (RFC 8832 §6)");
    if (closing) return 0;
    int rv = csctp_dc_queue_error(dc, c, CSCTP_DC_ERR_OPEN_COLLISION, 0);
    return rv < 0 ? rv : csctp_dc_close_begin(dc, c, now);
  }
  if (stream > DC_MAX_STREAM || (dc->connected && stream >= dc->max_streams))
    return dc_reject_open(dc, stream, "beyond the negotiated streams", now);
  /* RFC 8832 §6 gives the peer the other parity than ours. A peer that picked ids
   * by its ICE role instead (aiortc after a role conflict) still gets its channel
   * when the id is free, as libwebrtc, aiortc and GStreamer do; our own channels
   * skip ids in use (csctp_dc_alloc_stream_id). */
  int peer_odd = dc->cfg.role == CSCTP_DC_ROLE_CLIENT;
  if ((stream & 1) != peer_odd) {
    dc->st.open_our_parity++;
    csctp_dc_log(dc, CSCTP_LOG_WARN,
                 "dc: DATA_CHANNEL_OPEN on stream %u, an %s id although we are the DTLS %s (the "
                 "peer should use %s ids): the id is free, accepted",
                 stream, (stream & 1) ? "odd" : "even", dc_role_name(dc),
                 peer_odd ? "odd" : "even");
  }
  c = csctp_dc_chan_alloc(dc);
  if (!c) return CSCTP_ERR_NOMEM;
  c->by_peer = 1;
  c->acked = 1; /* the peer has spoken on this channel: unordered sends are allowed */
  c->channel_type = m->channel_type;
  c->priority = m->priority;
  c->reliability_param = m->reliability_param;
  int rv = csctp_dc_chan_set_strings(dc, c, m->label, m->label_len, m->protocol, m->protocol_len);
  if (rv == 0) rv = csctp_dc_bind_stream(dc, c, stream);
  if (rv != 0) {
    csctp_dc_chan_release(dc, c);
    return rv;
  }
  dc->st.channels_opened_remote++;
  rv = dc_send_ack(dc, c, now);
  if (rv == CSCTP_ERR_WOULD_BLOCK) {
    dc_set_pending(dc, c, &c->ack_pending);
  } else if (rv != 0) {
    if (rv <= CSCTP_ERR_FATAL) return rv;
    c->state = CSCTP_DC_STATE_OPEN;
    c->hidden = 1; /* never announced */
    return csctp_dc_close_begin(dc, c, now);
  }
  return csctp_dc_chan_opened(dc, c);
}

static int dc_on_dcep(csctp_dc *dc, uint16_t stream, const uint8_t *data, size_t len,
                      csctp_tstamp now) {
  csctp_dcep_msg m;
  switch (csctp_dcep_parse(data, len, &m)) {
  case CSCTP_DCEP_MALFORMED:
    dc->st.dcep_malformed++;
    /* A broken OPEN is still an OPEN attempt: reject it as §6 says. */
    if (len > 0 && data[0] == CSCTP_DCEP_OPEN && !csctp_dc_chan_by_stream(dc, stream))
      return dc_reject_open(dc, stream, "malformed", now);
    csctp_dc_log(dc, CSCTP_LOG_WARN,
                 "dc: malformed DCEP message (%zu bytes) on stream %u: discarded", len, stream);
    return 0;
  case CSCTP_DCEP_UNKNOWN_TYPE: dc->st.dcep_unknown_type++; return 0;
  case CSCTP_DCEP_BAD_CHANNEL_TYPE:
    if (csctp_dc_chan_by_stream(dc, stream)) return dc_on_open(dc, stream, &m, now);
    return dc_reject_open(dc, stream, "reserved channel type", now);
  case CSCTP_DCEP_OK: break;
  }
  if (m.type == CSCTP_DCEP_OPEN) return dc_on_open(dc, stream, &m, now);
  dc_chan *c = csctp_dc_chan_by_stream(dc, stream);
  if (!c || c->by_peer || c->negotiated || c->acked) {
    dc->st.ack_unexpected++;
    return 0;
  }
  c->acked = 1;
  return 0;
}

/* ---- inbound user messages ---- */

static int dc_partial_append(csctp_dc *dc, dc_chan *c, const uint8_t *data, size_t len) {
  if (len > dc->cfg.max_partial_size - c->partial_len ||
      c->partial_len > dc->cfg.max_partial_size) {
    dc->st.partial_dropped++;
    csctp_dc_partial_clear(dc, c);
    return 1;
  }
  if (c->partial_len + len > c->partial_cap) {
    size_t cap = c->partial_cap ? c->partial_cap : 1024;
    while (cap < c->partial_len + len) cap *= 2;
    uint8_t *p = dc->mem->realloc(c->partial, cap, dc->mem->user_data);
    if (!p) return CSCTP_ERR_NOMEM;
    c->partial = p;
    c->partial_cap = cap;
  }
  memcpy(c->partial + c->partial_len, data, len);
  c->partial_len += len;
  return 0;
}

static int dc_on_user_message(csctp_dc *dc, const csctp_event *aev) {
  uint32_t ppid = aev->u.message.ppid;
  dc_chan *c = csctp_dc_chan_by_stream(dc, aev->u.message.stream);
  if (!c || c->hidden || c->state != CSCTP_DC_STATE_OPEN) {
    dc->st.msgs_no_channel++;
    return 0;
  }
  c->acked = 1; /* the first message from the peer counts as its ACK (as browsers do) */
  const uint8_t *data = aev->u.message.data;
  size_t len = aev->u.message.len;
  int is_text = ppid == CSCTP_PPID_WEBRTC_STRING || ppid == CSCTP_PPID_WEBRTC_STRING_EMPTY ||
                ppid == CSCTP_PPID_WEBRTC_STRING_PARTIAL;
  int empty = ppid == CSCTP_PPID_WEBRTC_STRING_EMPTY || ppid == CSCTP_PPID_WEBRTC_BINARY_EMPTY;
  int partial =
      ppid == CSCTP_PPID_WEBRTC_STRING_PARTIAL || ppid == CSCTP_PPID_WEBRTC_BINARY_PARTIAL;
  uint32_t partial_kind =
      is_text ? CSCTP_PPID_WEBRTC_STRING_PARTIAL : CSCTP_PPID_WEBRTC_BINARY_PARTIAL;
  if (c->partial_ppid && c->partial_ppid != partial_kind) {
    dc->st.partial_dropped++; /* text and binary fragments mixed */
    csctp_dc_partial_clear(dc, c);
  }
  if (partial) {
    /* Deprecated (RFC 8831 §8): fragments joined until the next non-partial message. */
    int rv = dc_partial_append(dc, c, data, len);
    if (rv < 0) return rv;
    if (rv == 0) c->partial_ppid = partial_kind;
    return 0;
  }
  if (c->partial_ppid) {
    int rv = dc_partial_append(dc, c, data, empty ? 0 : len);
    if (rv < 0) return rv;
    if (rv > 0) return 0;
    data = c->partial;
    len = c->partial_len;
    c->partial_ppid = 0;
    c->partial_len = 0; /* buffer kept: the event points into it until the next call */
  } else if (empty) {
    data = NULL;
    len = 0;
  }
  dc->st.messages_in++;
  dc->st.bytes_in += len;
  c->msgs_in++;
  c->bytes_in += len;
  csctp_dc_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.type = CSCTP_DC_EVENT_MESSAGE;
  ev.channel = csctp_dc_chan_handle(dc, c);
  ev.u.message.is_text = is_text;
  ev.u.message.data = len ? data : NULL;
  ev.u.message.len = len;
  return csctp_dc_queue(dc, &ev);
}

/* Up to this much of a joined message's buffer is kept for the next one. */
#define DC_PIECES_KEEP (256u * 1024)

void csctp_dc_pieces_release(csctp_dc *dc) {
  dc->pieces_release = 0;
  dc->pieces_len = 0;
  if (dc->pieces_cap <= DC_PIECES_KEEP) return;
  dc->mem->free(dc->pieces, dc->mem->user_data);
  dc->pieces = NULL;
  dc->pieces_cap = 0;
}

static int dc_on_message(csctp_dc *dc, const csctp_event *aev, csctp_tstamp now);

/*
 * A piece of a message the association hands out in pieces (partial delivery,
 * csctp_config.partial_delivery_point): joined into one buffer, at most
 * the association's max_message_size (the engine refuses more), and handed on
 * whole with its last piece. The buffer is the message's data until the
 * application polls again once the queue has emptied.
 */
static int dc_on_piece(csctp_dc *dc, const csctp_event *aev, csctp_tstamp now) {
  uint32_t f = aev->u.message.flags;
  if (f & CSCTP_MSG_ABORTED) {
    csctp_dc_log(dc, CSCTP_LOG_DEBUG,
                 "message on stream %u abandoned by the peer after %zu bytes in pieces",
                 aev->u.message.stream, dc->pieces_len);
    dc->st.pieces_aborted++;
    dc->pieces_len = 0;
    return 0;
  }
  if (!(f & CSCTP_MSG_CONTINUED)) dc->pieces_len = 0; /* the first piece */
  size_t len = aev->u.message.len, need = dc->pieces_len + len;
  if (need > dc->pieces_cap) {
    size_t cap = dc->pieces_cap ? dc->pieces_cap : 64u * 1024;
    while (cap < need) cap *= 2;
    uint8_t *b = dc->mem->realloc(dc->pieces, cap, dc->mem->user_data);
    if (!b) return CSCTP_ERR_NOMEM;
    dc->pieces = b;
    dc->pieces_cap = cap;
  }
  if (len) memcpy(dc->pieces + dc->pieces_len, aev->u.message.data, len);
  dc->pieces_len = need;
  if (f & CSCTP_MSG_MORE) return 0;
  csctp_event whole = *aev;
  whole.u.message.flags = 0;
  whole.u.message.data = dc->pieces;
  whole.u.message.len = dc->pieces_len;
  dc->st.pieces_joined++;
  dc->pieces_release = 1;
  return dc_on_message(dc, &whole, now);
}

static int dc_on_message(csctp_dc *dc, const csctp_event *aev, csctp_tstamp now) {
  if (aev->u.message.flags) return dc_on_piece(dc, aev, now);
  switch (aev->u.message.ppid) {
  case CSCTP_PPID_WEBRTC_DCEP:
    return dc_on_dcep(dc, aev->u.message.stream, aev->u.message.data, aev->u.message.len, now);
  case CSCTP_PPID_WEBRTC_STRING:
  case CSCTP_PPID_WEBRTC_BINARY:
  case CSCTP_PPID_WEBRTC_STRING_EMPTY:
  case CSCTP_PPID_WEBRTC_BINARY_EMPTY:
  case CSCTP_PPID_WEBRTC_STRING_PARTIAL:
  case CSCTP_PPID_WEBRTC_BINARY_PARTIAL: return dc_on_user_message(dc, aev);
  default: dc->st.msgs_bad_ppid++; return 0;
  }
}

/* ---- stream reset (RFC 8831 §6.7) ---- */

static int dc_reset_matches(const csctp_event *ev, uint16_t stream) {
  if (ev->u.streams_reset.n_streams == 0) return 1;
  for (size_t i = 0; i < ev->u.streams_reset.n_streams; i++)
    if (ev->u.streams_reset.streams[i] == stream) return 1;
  return 0;
}

/* The peer reset its outgoing stream `stream`, which carries no channel here: an OPEN we
 * never received (webrtcbin can lose one when a channel is closed right after it is
 * created) or a channel already gone. RFC 8831 §6.7 pairs the directions per stream, and
 * the peer's channel stays "closing" until our side of the stream is reset too: reset it
 * through a hidden channel that holds the id until both directions are done. */
static int dc_mirror_orphan_reset(csctp_dc *dc, uint16_t stream) {
  if (stream > DC_MAX_STREAM || (dc->connected && stream >= dc->max_streams)) return 0;
  dc->st.resets_no_channel++;
  csctp_dc_log(dc, CSCTP_LOG_INFO,
               "dc: the peer reset its stream %u, which carries no channel here: resetting "
               "ours (RFC 8831 §6.7)",
               stream);
  dc_chan *c;
  int rv = dc_hidden_new(dc, stream, CSCTP_DC_STATE_CLOSING, &c);
  if (rv) return rv;
  c->in_reset_done = 1;
  dc_set_pending(dc, c, &c->reset_pending);
  return 0;
}

static int dc_on_streams_reset(csctp_dc *dc, const csctp_event *ev, csctp_tstamp now) {
  int incoming = ev->u.streams_reset.incoming;
  uint32_t result = ev->u.streams_reset.result;
  if (incoming) {
    for (size_t i = 0; i < ev->u.streams_reset.n_streams; i++) {
      uint16_t s = ev->u.streams_reset.streams[i];
      if (csctp_dc_chan_by_stream(dc, s)) continue;
      int rv = dc_mirror_orphan_reset(dc, s);
      if (rv < 0) return rv;
    }
  }
  for (uint32_t i = 0; i < dc->nslots; i++) {
    dc_chan *c = &dc->slots[i];
    if (!c->in_use || !c->has_stream || !dc_reset_matches(ev, c->stream)) continue;
    int rv = 0;
    if (incoming) {
      if (c->in_reset_done) continue;
      c->in_reset_done = 1;
      if (c->state == CSCTP_DC_STATE_OPEN || c->state == CSCTP_DC_STATE_CONNECTING) {
        if (!c->hidden) {
          csctp_dc_event ce;
          memset(&ce, 0, sizeof(ce));
          ce.type = CSCTP_DC_EVENT_CLOSING;
          ce.channel = csctp_dc_chan_handle(dc, c);
          rv = csctp_dc_queue(dc, &ce);
          if (rv < 0) return rv;
        }
        c->state = CSCTP_DC_STATE_CLOSING;
        csctp_dc_partial_clear(dc, c);
        if (c->ack_pending) dc_clear_pending(dc, c, &c->ack_pending);
        if (c->open_pending) dc_clear_pending(dc, c, &c->open_pending);
        if (!c->out_reset_requested) dc_set_pending(dc, c, &c->reset_pending);
      }
    } else {
      if (!c->out_reset_requested || c->out_reset_done) continue;
      if (result == CSCTP_RECONFIG_RESULT_SUCCESS_NOTHING_TO_DO ||
          result == CSCTP_RECONFIG_RESULT_SUCCESS_PERFORMED) {
        c->out_reset_done = 1;
      } else if (result == CSCTP_RECONFIG_RESULT_IN_PROGRESS ||
                 result == CSCTP_RECONFIG_RESULT_ERROR_REQUEST_ALREADY_IN_PROGRESS) {
        /* the peer is busy with a request of its own: ask again */
        c->out_reset_requested = 0;
        dc_set_pending(dc, c, &c->reset_pending);
        continue;
      } else {
        rv = csctp_dc_queue_error(dc, c, CSCTP_DC_ERR_RESET_REFUSED, (int)result);
        if (rv < 0) return rv;
        c->out_reset_done = c->in_reset_done = 1;
      }
    }
    if (c->out_reset_done && c->in_reset_done) {
      rv = csctp_dc_finish_close(dc, c);
      if (rv < 0) return rv;
    }
  }
  return csctp_dc_flush_resets(dc, now);
}

/* ---- association state ---- */

static int dc_on_connected(csctp_dc *dc, const csctp_event *ev, csctp_tstamp now) {
  uint32_t in = ev->u.connected.inbound_streams, out = ev->u.connected.outbound_streams;
  dc->max_streams = in < out ? in : out;
  dc->connected = 1;
  for (uint32_t i = 0; i < dc->nslots; i++) {
    dc_chan *c = &dc->slots[i];
    if (!c->in_use || c->state != CSCTP_DC_STATE_CONNECTING || c->open_pending) continue;
    int rv = 0;
    if (c->negotiated) {
      if (c->stream >= dc->max_streams) {
        rv = csctp_dc_queue_error(dc, c, CSCTP_DC_ERR_NO_STREAM, CSCTP_ERR_STREAM_ID);
        if (rv == 0) rv = csctp_dc_finish_close(dc, c);
      } else {
        rv = csctp_dc_chan_opened(dc, c);
      }
    } else {
      int sid = csctp_dc_alloc_stream_id(dc);
      dc->ids_assigned = 1;
      if (sid < 0) {
        rv = csctp_dc_queue_error(dc, c, CSCTP_DC_ERR_NO_STREAM, CSCTP_ERR_STREAM_ID);
        if (rv == 0) rv = csctp_dc_finish_close(dc, c);
      } else {
        rv = csctp_dc_bind_stream(dc, c, (uint16_t)sid);
        if (rv == 0) rv = csctp_dc_send_open(dc, c, now);
        if (rv == CSCTP_ERR_WOULD_BLOCK) {
          dc_set_pending(dc, c, &c->open_pending);
          rv = 0;
        } else if (rv == 0) {
          rv = csctp_dc_chan_opened(dc, c);
        } else if (rv > CSCTP_ERR_FATAL) {
          int r2 = csctp_dc_queue_error(dc, c, CSCTP_DC_ERR_SEND_FAILED, rv);
          rv = r2 ? r2 : csctp_dc_finish_close(dc, c);
        }
      }
    }
    if (rv < 0) return rv;
  }
  return 0;
}

static int dc_close_all(csctp_dc *dc) {
  for (uint32_t i = 0; i < dc->nslots; i++) {
    dc_chan *c = &dc->slots[i];
    if (!c->in_use || c->state == CSCTP_DC_STATE_CLOSED) continue;
    int rv = csctp_dc_finish_close(dc, c);
    if (rv < 0) return rv;
  }
  return 0;
}

int csctp_dc_on_assoc_event(csctp_dc *dc, const csctp_event *ev, csctp_tstamp now) {
  int rv = 0;
  switch (ev->type) {
  case CSCTP_EVENT_MESSAGE: return dc_on_message(dc, ev, now);
  case CSCTP_EVENT_STREAMS_RESET: return dc_on_streams_reset(dc, ev, now);
  case CSCTP_EVENT_CONNECTED: rv = dc_on_connected(dc, ev, now); break;
  case CSCTP_EVENT_RESTARTED: /* the peer's channels are gone with its old state */
    rv = dc_close_all(dc);
    if (rv == 0) rv = dc_on_connected(dc, ev, now);
    break;
  case CSCTP_EVENT_CLOSED:
    dc->dead = 1;
    rv = dc_close_all(dc);
    break;
  default: break;
  }
  if (rv < 0) return rv;
  csctp_dc_event de;
  memset(&de, 0, sizeof(de));
  de.type = CSCTP_DC_EVENT_ASSOC;
  de.u.assoc = *ev;
  return csctp_dc_queue(dc, &de);
}

int csctp_dc_retry_pending(csctp_dc *dc, csctp_tstamp now) {
  if (!dc->pending) return 0;
  for (uint32_t i = 0; i < dc->nslots; i++) {
    dc_chan *c = &dc->slots[i];
    if (!c->in_use) continue;
    int rv = 0;
    if (c->open_pending) {
      rv = csctp_dc_send_open(dc, c, now);
      if (rv == CSCTP_ERR_WOULD_BLOCK) return 0; /* the buffer is still full */
      dc_clear_pending(dc, c, &c->open_pending);
      if (rv == 0) {
        rv = csctp_dc_chan_opened(dc, c);
      } else if (rv > CSCTP_ERR_FATAL) {
        rv = csctp_dc_queue_error(dc, c, CSCTP_DC_ERR_SEND_FAILED, rv);
        if (rv == 0) rv = csctp_dc_finish_close(dc, c);
      }
    } else if (c->ack_pending) {
      rv = dc_send_ack(dc, c, now);
      if (rv == CSCTP_ERR_WOULD_BLOCK) return 0;
      dc_clear_pending(dc, c, &c->ack_pending);
      if (rv > CSCTP_ERR_FATAL && rv < 0) rv = csctp_dc_close_begin(dc, c, now);
    }
    if (rv < 0) return rv;
  }
  return csctp_dc_flush_resets(dc, now);
}

int csctp_dc_check_low(csctp_dc *dc) {
  for (uint32_t i = 0; i < dc->nslots; i++) {
    dc_chan *c = &dc->slots[i];
    if (!c->in_use || !c->above_low || !c->has_stream) continue;
    size_t amt = csctp_assoc_stream_buffered_amount(dc->assoc, c->stream);
    if (amt > c->low_threshold) continue;
    c->above_low = 0;
    if (c->hidden || c->state == CSCTP_DC_STATE_CLOSED) continue;
    csctp_dc_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = CSCTP_DC_EVENT_BUFFERED_AMOUNT_LOW;
    ev.channel = csctp_dc_chan_handle(dc, c);
    ev.u.buffered_amount_low.buffered = amt;
    int rv = csctp_dc_queue(dc, &ev);
    if (rv < 0) return rv;
  }
  return 0;
}
