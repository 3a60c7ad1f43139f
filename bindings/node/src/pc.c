/* SPDX-License-Identifier: MIT */
/*
 * WebRTC peers (include/csctp/peer.h) as JavaScript tokens for lib/peerconnection.js: a
 * plain object wrapping an npc, on the addon's GMainContext. Every event of a peer goes to
 * the addon's dispatcher as (token, type, ...), on the JavaScript thread. A token is held
 * strongly while its C peer exists (events may come), weakly once the peer is deleted;
 * the wrapper is freed when JavaScript lets the token go.
 *
 * A live peer keeps Node's loop alive: from creation until it is CLOSED or FAILED, or
 * until the graceful close that pcClose starts has ended (or its deadline passed). Then
 * the C peer is deleted, from the next iteration of the context (never inside its own
 * callback, where its last packets are not yet out). Channels are named by their
 * csctp_dc_channel handles. What comes from the network reaches JavaScript only through
 * the peer's events, already checked by the layers below; lengths are always given, so
 * a label or message with a NUL byte stays whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csctp/peer.h>

#include "addon.h"
#include "pc_opts.h"

typedef struct npc {
  addon *ad;
  csctp_peer *p;     /* NULL once deleted */
  napi_ref token;    /* strong while p exists */
  GSource *deadline; /* when the peer is deleted (pc_forget_later), or NULL */
} npc;

/* How long a graceful close (SCTP SHUTDOWN, DTLS close_notify) may keep the peer. */
#define PC_CLOSE_DEADLINE_MS 1500

/* ---------------------------------------------------------------- helpers */

static npc *pc_of(napi_env env, napi_value token) {
  void *p = NULL;
  if (napi_unwrap(env, token, &p) != napi_ok) return NULL;
  return p;
}

/* The peer of args[0], not yet deleted; NULL (nothing thrown) otherwise. */
static npc *pc_arg(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  if (napi_get_cb_info(env, info, argc, argv, NULL, NULL) != napi_ok || *argc < 1) return NULL;
  npc *np = pc_of(env, argv[0]);
  return np && np->p ? np : NULL;
}

static void pc_log_stderr(uint32_t category, csctp_log_level level, const char *text, void *ud) {
  (void)category;
  (void)ud;
  fprintf(stderr, "csctp: %s: %s\n", csctp_log_level_name(level), text);
}

/* Deletes the C peer: no more events; the token becomes weak; Node may exit. Allowed in
 * the peer's own callback (peer.h). */
static void pc_forget(npc *np) {
  if (!np->p) return;
  addon *ad = np->ad;
  csctp_peer *p = np->p;
  np->p = NULL;
  if (np->deadline) {
    g_source_destroy(np->deadline);
    g_source_unref(np->deadline);
    np->deadline = NULL;
  }
  ad->pcs = g_list_remove(ad->pcs, np);
  csctp_peer_del(p);
  node_live(ad, -1);
  if (!ad->closing) napi_reference_unref(ad->env, np->token, NULL);
}

/* The graceful close took too long, or the peer reached CLOSED or FAILED: it goes. */
static gboolean pc_deadline(gpointer data) {
  npc *np = data;
  if (np->deadline) {
    g_source_unref(np->deadline);
    np->deadline = NULL;
  }
  pc_forget(np);
  return G_SOURCE_REMOVE;
}

/* Deletes the peer from the next iteration of the context (0 ms) or after `ms`: never
 * from inside its callback, where its last packets (SHUTDOWN COMPLETE, close_notify) are
 * not yet sent. */
static void pc_forget_later(npc *np, guint ms) {
  if (np->deadline) {
    g_source_destroy(np->deadline);
    g_source_unref(np->deadline);
  }
  np->deadline = ms ? g_timeout_source_new(ms) : g_idle_source_new();
  g_source_set_callback(np->deadline, pc_deadline, np, NULL);
  g_source_attach(np->deadline, np->ad->ctx);
}

/* ---------------------------------------------------------------- events */

static void pc_emit(npc *np, const char *type, size_t argc, const napi_value *argv) {
  napi_value token;
  if (napi_get_reference_value(np->ad->env, np->token, &token) != napi_ok || !token) return;
  node_emit(np->ad, token, type, argc, argv);
}

/* {label, protocol, id, ordered, maxRetransmits, maxPacketLifeTime, negotiated, priority,
 * byPeer, state, maxMessageSize} of a channel, or undefined for a stale handle. */
static napi_value pc_channel_obj(napi_env env, npc *np, csctp_dc_channel ch) {
  csctp_dc_info in;
  napi_value o, v;
  if (!np->p || csctp_peer_channel_info(np->p, ch, &in) != 0) return NULL;
  if (napi_create_object(env, &o) != napi_ok) return NULL;
  int kind = in.channel_type & 0x7f;
  napi_value null;
  napi_get_null(env, &null);
#define SET(name, val) \
  v = (val);           \
  if (v) napi_set_named_property(env, o, name, v);
  SET("label", node_strn(env, in.label, in.label_len))
  SET("protocol", node_strn(env, in.protocol, in.protocol_len))
  SET("id", in.has_stream ? node_u32(env, in.stream) : null)
  SET("ordered", node_bool(env, !(in.channel_type & CSCTP_DC_TYPE_UNORDERED)))
  SET("maxRetransmits",
      kind == CSCTP_DC_TYPE_PARTIAL_RELIABLE_REXMIT ? node_u32(env, in.reliability_param) : null)
  SET("maxPacketLifeTime",
      kind == CSCTP_DC_TYPE_PARTIAL_RELIABLE_TIMED ? node_u32(env, in.reliability_param) : null)
  SET("negotiated", node_bool(env, in.negotiated))
  SET("priority", node_u32(env, in.priority))
  SET("byPeer", node_bool(env, in.by_peer))
  SET("state", node_u32(env, (uint32_t)in.state))
  SET("maxMessageSize", node_u32(env, in.max_message_size))
#undef SET
  return o;
}

static void pc_on_channel(npc *np, napi_env env, const csctp_dc_event *ev) {
  napi_value a[4];
  a[0] = node_u32(env, ev->channel);
  switch (ev->type) {
  case CSCTP_DC_EVENT_OPEN:
    a[1] = pc_channel_obj(env, np, ev->channel);
    if (!a[1]) napi_get_undefined(env, &a[1]);
    pc_emit(np, "open", 2, a);
    break;
  case CSCTP_DC_EVENT_MESSAGE: {
    const csctp_dc_event *m = ev;
    size_t len = m->u.message.len;
    napi_status st;
    if (m->u.message.is_text) {
      st = napi_create_string_utf8(env, len ? (const char *)m->u.message.data : "", len, &a[1]);
    } else if (len) {
      st = napi_create_buffer_copy(env, len, m->u.message.data, NULL, &a[1]);
    } else {
      void *unused;
      st = napi_create_buffer(env, 0, &unused, &a[1]);
    }
    if (st != napi_ok) { /* out of memory in V8: the message is lost, JavaScript is told */
      bool pending = false;
      napi_value exc;
      if (napi_is_exception_pending(env, &pending) == napi_ok && pending)
        napi_get_and_clear_last_exception(env, &exc);
      a[1] = node_i32(env, CSCTP_ERR_NOMEM);
      pc_emit(np, "error", 2, a);
      break;
    }
    a[2] = node_bool(env, m->u.message.is_text);
    pc_emit(np, "message", 3, a);
    break;
  }
  case CSCTP_DC_EVENT_BUFFERED_AMOUNT_LOW: pc_emit(np, "bufferedamountlow", 1, a); break;
  case CSCTP_DC_EVENT_CLOSING: pc_emit(np, "closing", 1, a); break;
  case CSCTP_DC_EVENT_CLOSED: pc_emit(np, "closed", 1, a); break;
  case CSCTP_DC_EVENT_ERROR:
    a[1] = node_i32(env, (int32_t)ev->u.error.reason);
    a[2] = node_i32(env, ev->u.error.error);
    pc_emit(np, "error", 3, a);
    break;
  default: break;
  }
}

static void pc_on_event(csctp_peer *peer, const csctp_peer_event *ev, void *ud) {
  (void)peer;
  npc *np = ud;
  napi_env env = np->ad->env;
  if (!np->p) return;
  NODE_SCOPE_OPEN(env);
  napi_value a[2];
  switch (ev->type) {
  case CSCTP_PEER_EVENT_CANDIDATE:
    a[0] = node_str(env, ev->u.candidate);
    pc_emit(np, "candidate", 1, a);
    break;
  case CSCTP_PEER_EVENT_STATE:
    a[0] = node_str(env, csctp_peer_state_name(ev->u.state.state));
    a[1] = node_i32(env, ev->u.state.error);
    pc_emit(np, "state", 2, a);
    /* Terminal: nothing more will happen; the peer goes (JavaScript keeps what it saw). */
    if (ev->u.state.state == CSCTP_PEER_STATE_CLOSED ||
        ev->u.state.state == CSCTP_PEER_STATE_FAILED)
      pc_forget_later(np, 0);
    break;
  case CSCTP_PEER_EVENT_CHANNEL: pc_on_channel(np, env, ev->u.channel); break;
  }
  NODE_SCOPE_CLOSE(env);
}

/* ---------------------------------------------------------------- the peer */

static void pc_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  npc *np = data;
  if (np->p) return; /* a live peer holds its token: never finalized while it exists */
  g_free(np);
}

/* pcNew(opts) -> token. */
static napi_value pc_new(napi_env env, napi_callback_info info) {
  addon *ad = node_addon(env);
  size_t argc = 1;
  napi_value arg = NULL, token;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, &arg, NULL, NULL));
  napi_valuetype t = napi_undefined;
  if (argc >= 1) NAPI_OK(env, napi_typeof(env, arg, &t));
  csctp_peer_config cfg;
  csctp_peer_config_default(&cfg);
  pc_strings ss;
  memset(&ss, 0, sizeof(ss));
  ss.keep = g_ptr_array_new_with_free_func(g_free);
  if (t == napi_object && pc_config(env, arg, &cfg, &ss) != 0) {
    g_ptr_array_unref(ss.keep);
    return NULL;
  }
  const char *dbg = getenv("CSCTP_DEBUG");
  cfg.log_mask = csctp_log_mask_parse(dbg);
  csctp_log_levels_parse(dbg, cfg.log_levels);
  if (cfg.log_mask) cfg.log = pc_log_stderr;
  npc *np = g_new0(npc, 1);
  np->ad = ad;
  cfg.on_event = pc_on_event;
  cfg.user_data = np;
  if (napi_create_object(env, &token) != napi_ok ||
      napi_wrap(env, token, np, pc_finalize, NULL, &np->token) != napi_ok) {
    g_free(np);
    g_ptr_array_unref(ss.keep);
    napi_throw_error(env, NULL, "RTCPeerConnection: out of memory");
    return NULL;
  }
  int rv = csctp_peer_new(&np->p, ad->ctx, &cfg);
  g_ptr_array_unref(ss.keep);
  if (rv) {
    np->p = NULL; /* the token is weak: np goes with it */
    node_throw(env, rv, NULL);
    return NULL;
  }
  ad->pcs = g_list_prepend(ad->pcs, np);
  napi_reference_ref(env, np->token, NULL);
  node_live(ad, 1); /* and the loop watches the peer's sources */
  return token;
}

/* createOffer(token) / createAnswer(token) -> SDP text; throws (err.errno) on error. */
static napi_value pc_describe(napi_env env, napi_callback_info info, int offer) {
  size_t argc = 1;
  napi_value a, r;
  npc *np = pc_arg(env, info, &argc, &a);
  if (!np) {
    node_throw(env, CSCTP_ERR_INVALID_STATE, "the peer connection is closed");
    return NULL;
  }
  char *buf = g_malloc(CSCTP_SDP_TEXT_MAX);
  csctp_ssize n = offer ? csctp_peer_create_offer(np->p, buf, CSCTP_SDP_TEXT_MAX)
                        : csctp_peer_create_answer(np->p, buf, CSCTP_SDP_TEXT_MAX);
  if (n < 0) {
    g_free(buf);
    node_throw(env, (int)n, NULL);
    return NULL;
  }
  napi_status st = napi_create_string_utf8(env, buf, (size_t)n, &r);
  g_free(buf);
  NAPI_OK(env, st);
  node_loop_kick(np->ad->loop);
  return r;
}
static napi_value pc_create_offer(napi_env env, napi_callback_info info) {
  return pc_describe(env, info, 1);
}
static napi_value pc_create_answer(napi_env env, napi_callback_info info) {
  return pc_describe(env, info, 0);
}

/* setRemote(token, isAnswer, sdp): throws (err.errno, the line in the message) on error. */
static napi_value pc_set_remote(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value a[3];
  npc *np = pc_arg(env, info, &argc, a);
  if (!np || argc < 3) {
    node_throw(env, CSCTP_ERR_INVALID_STATE, "the peer connection is closed");
    return NULL;
  }
  bool answer = false;
  napi_get_value_bool(env, a[1], &answer);
  char *sdp = pc_dup_str(env, a[2], "sdp");
  if (!sdp) return NULL;
  csctp_sdp_error e;
  memset(&e, 0, sizeof(e));
  int rv = csctp_peer_set_remote_description(
      np->p, answer ? CSCTP_PEER_SDP_ANSWER : CSCTP_PEER_SDP_OFFER, sdp, strlen(sdp), &e);
  g_free(sdp);
  if (rv) {
    char m[256];
    snprintf(m, sizeof(m), "%s%s%s", csctp_strerror(rv), e.message[0] ? ": " : "", e.message);
    node_throw(env, rv, m);
    return NULL;
  }
  node_loop_kick(np->ad->loop);
  return NULL;
}

/* addCandidate(token, "candidate:..." or "" for the end) -> 1 added, 0 ignored; throws. */
static napi_value pc_add_candidate(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2];
  npc *np = pc_arg(env, info, &argc, a);
  if (!np || argc < 2) {
    node_throw(env, CSCTP_ERR_INVALID_STATE, "the peer connection is closed");
    return NULL;
  }
  char *c = pc_dup_str(env, a[1], "candidate");
  if (!c) return NULL;
  int rv = csctp_peer_add_remote_candidate(np->p, c);
  g_free(c);
  if (rv < 0) {
    node_throw(env, rv, NULL);
    return NULL;
  }
  node_loop_kick(np->ad->loop);
  return node_i32(env, rv);
}

/* states(token) -> {connection, iceConnection, iceGathering} or undefined once deleted. */
static napi_value pc_states(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a, o;
  npc *np = pc_arg(env, info, &argc, &a);
  if (!np) return NULL;
  NAPI_OK(env, napi_create_object(env, &o));
  napi_set_named_property(env, o, "connection",
                          node_str(env, csctp_peer_state_name(csctp_peer_get_state(np->p))));
  napi_set_named_property(
      env, o, "iceConnection",
      node_str(env, csctp_ice_state_name(csctp_peer_ice_connection_state(np->p))));
  napi_set_named_property(
      env, o, "iceGathering",
      node_str(env, csctp_ice_gathering_state_name(csctp_peer_ice_gathering_state(np->p))));
  csctp_peer_transport tr;
  if (csctp_peer_get_transport(np->p, &tr) == 0)
    napi_set_named_property(env, o, "remoteMaxMessageSize",
                            node_u32(env, tr.remote_max_message_size));
  return o;
}

/* close(token): SCTP SHUTDOWN and DTLS close_notify, then the peer is deleted (at its
 * CLOSED event, or after PC_CLOSE_DEADLINE_MS); at once when it was not connected. */
static napi_value pc_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a;
  npc *np = pc_arg(env, info, &argc, &a);
  if (!np || np->deadline) return NULL; /* going already */
  addon *ad = np->ad;
  if (csctp_peer_close(np->p) != 0 || csctp_peer_get_state(np->p) == CSCTP_PEER_STATE_CLOSED)
    pc_forget(np); /* it was not connected: nothing to wait for */
  else
    pc_forget_later(np, PC_CLOSE_DEADLINE_MS);
  node_loop_kick(ad->loop);
  return NULL;
}

/* ---------------------------------------------------------------- channels */

/* createChannel(token, label, opts{protocol, ordered, maxRetransmits, maxPacketLifeTime,
 * negotiated, id, priority}) -> handle; throws (err.errno). lib/ checks the W3C rules. */
static napi_value pc_create_channel(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value a[3], v;
  npc *np = pc_arg(env, info, &argc, a);
  if (!np || argc < 3) {
    node_throw(env, CSCTP_ERR_INVALID_STATE, "the peer connection is closed");
    return NULL;
  }
  csctp_dc_init init;
  memset(&init, 0, sizeof(init));
  char *label = pc_dup_str(env, a[1], "label"), *protocol = NULL;
  if (!label) return NULL;
  if (pc_prop(env, a[2], "protocol", &v) && !(protocol = pc_dup_str(env, v, "protocol"))) {
    g_free(label);
    return NULL;
  }
  init.label = label;
  init.protocol = protocol;
  double d;
  int r = 0, rv = 0;
  csctp_dc_channel ch = 0;
  if ((r = node_opt_num(env, a[2], "ordered", 0, 1, &d)) < 0) goto out;
  init.unordered = r && d == 0;
  if ((r = node_opt_num(env, a[2], "maxRetransmits", 0, 65535, &d)) < 0) goto out;
  if (r) {
    init.pr_policy = CSCTP_PR_RTX;
    init.pr_value = (uint32_t)d;
  }
  if ((r = node_opt_num(env, a[2], "maxPacketLifeTime", 0, 65535, &d)) < 0) goto out;
  if (r) {
    init.pr_policy = CSCTP_PR_TTL;
    init.pr_value = (uint32_t)d;
  }
  if ((r = node_opt_num(env, a[2], "negotiated", 0, 1, &d)) < 0) goto out;
  init.negotiated = r && d != 0;
  if ((r = node_opt_num(env, a[2], "id", 0, 65534, &d)) < 0) goto out;
  if (r) init.id = (uint16_t)d;
  if ((r = node_opt_num(env, a[2], "priority", 0, 65535, &d)) < 0) goto out;
  if (r) init.priority = (uint16_t)d;
  rv = csctp_peer_create_channel(np->p, &init, &ch);
  g_free(label);
  g_free(protocol);
  if (rv) {
    node_throw(env, rv, NULL);
    return NULL;
  }
  node_loop_kick(np->ad->loop);
  return node_u32(env, ch);
out:
  g_free(label);
  g_free(protocol);
  return NULL;
}

/* The channel handle of args[1]. */
static csctp_dc_channel pc_handle(napi_env env, size_t argc, napi_value *a) {
  uint32_t h = 0;
  if (argc >= 2) napi_get_value_uint32(env, a[1], &h);
  return h;
}

/* send(token, handle, isText, buffer) -> 0 or a csctp_error (never throws). */
static napi_value pc_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value a[4];
  npc *np = pc_arg(env, info, &argc, a);
  int rv = CSCTP_ERR_CLOSED;
  void *data = NULL;
  size_t len = 0;
  if (np && argc >= 4 && napi_get_buffer_info(env, a[3], &data, &len) == napi_ok) {
    bool text = false;
    napi_get_value_bool(env, a[2], &text);
    rv = csctp_peer_send(np->p, pc_handle(env, argc, a), text, len ? data : "", len);
  }
  return node_i32(env, rv);
}

/* closeChannel(token, handle) -> 0 or a csctp_error. */
static napi_value pc_close_channel(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2];
  npc *np = pc_arg(env, info, &argc, a);
  int rv = CSCTP_ERR_CLOSED;
  if (np) {
    rv = csctp_peer_close_channel(np->p, pc_handle(env, argc, a));
    if (np->p) node_loop_kick(np->ad->loop);
  }
  return node_i32(env, rv);
}

/* channelInfo(token, handle) -> the object of pc_channel_obj, or undefined. */
static napi_value pc_channel_info(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2];
  npc *np = pc_arg(env, info, &argc, a);
  return np ? pc_channel_obj(env, np, pc_handle(env, argc, a)) : NULL;
}

/* buffered(token, handle) -> bytes queued or in flight (0 once gone). */
static napi_value pc_buffered(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2], r;
  npc *np = pc_arg(env, info, &argc, a);
  size_t n = np ? csctp_peer_buffered_amount(np->p, pc_handle(env, argc, a)) : 0;
  NAPI_OK(env, napi_create_double(env, (double)n, &r));
  return r;
}

/* setLow(token, handle, bytes): the buffered-amount-low threshold. */
static napi_value pc_set_low(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value a[3];
  npc *np = pc_arg(env, info, &argc, a);
  double d = 0;
  if (np && argc >= 3 && napi_get_value_double(env, a[2], &d) == napi_ok && d >= 0)
    csctp_peer_set_buffered_amount_low(np->p, pc_handle(env, argc, a),
                                       d > (double)SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)d);
  return NULL;
}

/* stats(token) -> the JSON text of csctp_peer_stats_report, or undefined. */
static napi_value pc_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a, r = NULL;
  npc *np = pc_arg(env, info, &argc, &a);
  if (!np) return NULL;
  csctp_ssize n = csctp_peer_stats_report(np->p, NULL, 0);
  if (n < 0) return NULL;
  size_t cap = (size_t)n + 4096; /* counters may widen between the two calls */
  char *buf = g_malloc(cap);
  n = csctp_peer_stats_report(np->p, buf, cap);
  if (n >= 0) napi_create_string_utf8(env, buf, (size_t)n, &r);
  g_free(buf);
  return r;
}

void node_pc_close_all(addon *ad) {
  while (ad->pcs) pc_forget(ad->pcs->data);
}

napi_status node_pc_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"pcNew", NULL, pc_new, NULL, NULL, NULL, napi_default, NULL},
      {"pcCreateOffer", NULL, pc_create_offer, NULL, NULL, NULL, napi_default, NULL},
      {"pcCreateAnswer", NULL, pc_create_answer, NULL, NULL, NULL, napi_default, NULL},
      {"pcSetRemote", NULL, pc_set_remote, NULL, NULL, NULL, napi_default, NULL},
      {"pcAddCandidate", NULL, pc_add_candidate, NULL, NULL, NULL, napi_default, NULL},
      {"pcStates", NULL, pc_states, NULL, NULL, NULL, napi_default, NULL},
      {"pcClose", NULL, pc_close, NULL, NULL, NULL, napi_default, NULL},
      {"pcCreateChannel", NULL, pc_create_channel, NULL, NULL, NULL, napi_default, NULL},
      {"pcSend", NULL, pc_send, NULL, NULL, NULL, napi_default, NULL},
      {"pcCloseChannel", NULL, pc_close_channel, NULL, NULL, NULL, napi_default, NULL},
      {"pcChannelInfo", NULL, pc_channel_info, NULL, NULL, NULL, napi_default, NULL},
      {"pcBuffered", NULL, pc_buffered, NULL, NULL, NULL, napi_default, NULL},
      {"pcSetLow", NULL, pc_set_low, NULL, NULL, NULL, napi_default, NULL},
      {"pcStats", NULL, pc_stats, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}
