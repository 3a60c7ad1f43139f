/* SPDX-License-Identifier: MIT */
/*
 * Sockets and servers of the socket API (include/csctp/socket.h) as JavaScript tokens: a
 * plain object wrapping an nsock or nserver, which lib/socket.js and lib/server.js keep.
 * Every event goes to the addon's dispatcher as (token, type, ...). A token is held
 * strongly while its C object is open (events may come), weakly once it is closed; the C
 * object itself is freed by the socket API (after its close event, or by destroy), the
 * wrapper when JavaScript lets the token go.
 */
#include <stdio.h>
#include <string.h>

#include "addon.h"

struct nsock {
  addon *ad;
  csctp_socket *s; /* NULL once closed or destroyed */
  nserver *srv;    /* the server that accepted it, or NULL */
  napi_ref token;  /* strong while s is open */
  napi_ref out;    /* external transport: function(buf) that sends a packet, or NULL */
};

struct nserver {
  addon *ad;
  csctp_server *srv; /* NULL once closed */
  napi_ref token;    /* strong while listening */
  int listening;
};

/* ns->s while csctp_socket_connect runs (the socket is not known yet). */
static const char sock_pending_mark;
#define SOCK_PENDING ((csctp_socket *)(uintptr_t)&sock_pending_mark)

/* ---------------------------------------------------------------- helpers */

/* Property `name` of `o` as a string into buf: 1 present, 0 absent, -1 thrown. */
static int opt_str(napi_env env, napi_value o, const char *name, char *buf, size_t cap) {
  napi_value v;
  napi_valuetype t;
  if (napi_get_named_property(env, o, name, &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok)
    return -1;
  if (t == napi_undefined || t == napi_null) return 0;
  size_t n = 0;
  if (t != napi_string || napi_get_value_string_utf8(env, v, buf, cap, &n) != napi_ok ||
      n + 1 >= cap) {
    char m[96];
    snprintf(m, sizeof(m), "option %s: an IP address string", name);
    napi_throw_type_error(env, NULL, m);
    return -1;
  }
  return 1;
}

static nsock *sock_of(napi_env env, napi_value token) {
  void *p = NULL;
  if (napi_unwrap(env, token, &p) != napi_ok) return NULL;
  return p;
}

/* The socket of args[0], open; NULL (nothing thrown) when closed. */
static nsock *sock_arg(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  if (napi_get_cb_info(env, info, argc, argv, NULL, NULL) != napi_ok || *argc < 1) return NULL;
  nsock *ns = sock_of(env, argv[0]);
  return ns && ns->s && ns->s != SOCK_PENDING ? ns : NULL;
}

static void sock_emit(nsock *ns, const char *type, size_t argc, const napi_value *argv) {
  napi_value token;
  if (napi_get_reference_value(ns->ad->env, ns->token, &token) != napi_ok || !token) return;
  node_emit(ns->ad, token, type, argc, argv);
}

/* The C socket is gone: no more events; the token becomes weak. */
static void sock_forget(nsock *ns) {
  if (!ns->s) return;
  ns->s = NULL;
  addon *ad = ns->ad;
  ad->socks = g_list_remove(ad->socks, ns);
  node_live(ad, -1);
  /* ns->out stays: the last packets (a SHUTDOWN COMPLETE, an ABORT) go out after the close
   * event, when the socket API frees the association. */
  if (!ad->closing) napi_reference_unref(ad->env, ns->token, NULL);
}

/* ---------------------------------------------------------------- events */

static void sk_connect(csctp_socket *s, void *ud) {
  nsock *ns = ud;
  napi_env env = ns->ad->env;
  NODE_SCOPE_OPEN(env);
  napi_value a[2] = {node_u32(env, csctp_socket_outbound_streams(s)),
                     node_u32(env, csctp_socket_inbound_streams(s))};
  sock_emit(ns, "connect", 2, a);
  NODE_SCOPE_CLOSE(env);
}

static void sk_data(csctp_socket *s, const csctp_message *m, void *ud) {
  (void)s;
  nsock *ns = ud;
  napi_env env = ns->ad->env;
  NODE_SCOPE_OPEN(env);
  napi_value a[4];
  if (napi_create_buffer_copy(env, m->len, m->data, NULL, &a[0]) == napi_ok) {
    a[1] = node_u32(env, m->stream);
    a[2] = node_u32(env, m->ppid);
    napi_get_boolean(env, m->unordered != 0, &a[3]);
    sock_emit(ns, "data", 4, a);
  }
  NODE_SCOPE_CLOSE(env);
}

static void sk_simple(nsock *ns, const char *type) {
  napi_env env = ns->ad->env;
  NODE_SCOPE_OPEN(env);
  sock_emit(ns, type, 0, NULL);
  NODE_SCOPE_CLOSE(env);
}
static void sk_drain(csctp_socket *s, void *ud) {
  (void)s;
  sk_simple(ud, "drain");
}
static void sk_end(csctp_socket *s, void *ud) {
  (void)s;
  sk_simple(ud, "end");
}

static void sk_error(csctp_socket *s, int err, const char *msg, void *ud) {
  (void)s;
  nsock *ns = ud;
  napi_env env = ns->ad->env;
  NODE_SCOPE_OPEN(env);
  napi_value a[2];
  napi_create_int32(env, err, &a[0]);
  a[1] = node_str(env, msg);
  sock_emit(ns, "error", 2, a);
  NODE_SCOPE_CLOSE(env);
}

static void sk_close(csctp_socket *s, int had_error, void *ud) {
  (void)s;
  nsock *ns = ud;
  napi_env env = ns->ad->env;
  napi_handle_scope hs;
  if (napi_open_handle_scope(env, &hs) != napi_ok) {
    sock_forget(ns);
    return;
  }
  napi_value token = NULL, a[1];
  napi_get_reference_value(env, ns->token, &token);
  sock_forget(ns); /* the socket is freed when this returns */
  napi_get_boolean(env, had_error != 0, &a[0]);
  if (token) node_emit(ns->ad, token, "close", 1, a);
  napi_close_handle_scope(env, hs);
}

static const csctp_socket_events sock_events = {
    .connect = sk_connect,
    .data = sk_data,
    .drain = sk_drain,
    .end = sk_end,
    .error = sk_error,
    .close = sk_close,
};

/* External transport: a packet to send goes to the socket's JavaScript output function. */
static void sk_out(const uint8_t *pkt, size_t len, void *ud) {
  nsock *ns = ud;
  addon *ad = ns->ad;
  if (ad->closing || !ns->out) return;
  napi_env env = ad->env;
  NODE_SCOPE_OPEN(env);
  napi_value fn, recv, buf;
  if (napi_get_reference_value(env, ns->out, &fn) == napi_ok && fn &&
      napi_create_buffer_copy(env, len, pkt, NULL, &buf) == napi_ok &&
      napi_get_undefined(env, &recv) == napi_ok &&
      napi_call_function(env, recv, fn, 1, &buf, NULL) == napi_pending_exception) {
    napi_value exc;
    if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
  }
  NODE_SCOPE_CLOSE(env);
}

static void sock_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  nsock *ns = data;
  if (ns->s) return; /* an open socket holds its token: never finalized while open */
  if (ns->out) napi_delete_reference(env, ns->out);
  napi_delete_reference(env, ns->token); /* napi_wrap's, ours to delete */
  g_free(ns);
}

/* A new nsock with its token (returned in *token), not yet tied to a C socket. */
static nsock *sock_new(napi_env env, addon *ad, napi_value *token) {
  nsock *ns = g_new0(nsock, 1);
  ns->ad = ad;
  if (napi_create_object(env, token) != napi_ok ||
      napi_wrap(env, *token, ns, sock_finalize, NULL, &ns->token) != napi_ok) {
    g_free(ns);
    return NULL;
  }
  return ns;
}

/* The C socket is open: events may come, the token stays. */
static void sock_open(nsock *ns, csctp_socket *s) {
  ns->s = s;
  ns->ad->socks = g_list_prepend(ns->ad->socks, ns);
  napi_reference_ref(ns->ad->env, ns->token, NULL);
  node_live(ns->ad, 1);
}

/* ---------------------------------------------------------------- socket functions */

/* Reads the options shared by connect and listen into o (strings into the buffers). */
static int sock_opts(napi_env env, napi_value obj, csctp_connect_opts *o, char host[64],
                     char local[64], char upeer[64]) {
  double d;
  int r;
  if ((r = opt_str(env, obj, "host", host, 64)) < 0) return -1;
  if (r) o->host = host;
  if ((r = opt_str(env, obj, "localAddress", local, 64)) < 0) return -1;
  if (r) o->local_address = local;
  if ((r = opt_str(env, obj, "udpPeerAddress", upeer, 64)) < 0) return -1;
  if (r) o->udp_peer_address = upeer;
#define NUM(name, field, lo, hi, type)                               \
  if ((r = node_opt_num(env, obj, name, lo, hi, &d)) < 0) return -1; \
  if (r) o->field = (type)d;
  NUM("port", port, 1, 65535, uint16_t)
  NUM("localPort", local_port, 0, 65535, uint16_t)
  NUM("MIS", MIS, 1, 65535, uint16_t)
  NUM("OS", OS, 1, 65535, uint16_t)
  NUM("passive", passive, 0, 1, int)
  NUM("ppid", ppid, 0, 4294967295.0, uint32_t)
  NUM("udp", udp_transport, 0, 1, int)
  NUM("udpLocalPort", udp_local_port, 0, 65535, uint16_t)
  NUM("udpPeerPort", udp_peer_port, 0, 65535, uint16_t)
  NUM("mtu", mtu, 576, 9216, uint32_t)
  NUM("connectTimeout", connect_timeout_ms, 1, 4294967295.0, uint32_t)
  NUM("sndbuf", sndbuf, 1024, 1 << 30, uint32_t)
  NUM("rcvbuf", rcvbuf, 1500, 1 << 30, uint32_t)
#undef NUM
  return 0;
}

static void sock_throw_rv(napi_env env, int rv, char *err) {
  node_throw(env, rv, err ? err : csctp_strerror(rv));
  g_free(err);
}

/* connect(opts[, output]) -> token. With `output` (a function(buf)), the socket is on the
 * caller's transport (csctp_socket_connect_transport) and input(token, buf) feeds it. */
static napi_value sock_connect(napi_env env, napi_callback_info info) {
  addon *ad = node_addon(env);
  size_t argc = 2;
  napi_value argv[2], token;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "connect: options");
    return NULL;
  }
  napi_valuetype t = napi_undefined;
  if (argc >= 2) NAPI_OK(env, napi_typeof(env, argv[1], &t));
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  char host[64], local[64], upeer[64];
  if (sock_opts(env, argv[0], &o, host, local, upeer) != 0) return NULL;
  nsock *ns = sock_new(env, ad, &token);
  if (!ns) {
    napi_throw_error(env, NULL, "connect: out of memory");
    return NULL;
  }
  if (t == napi_function) NAPI_OK(env, napi_create_reference(env, argv[1], 1, &ns->out));
  csctp_socket *s = NULL;
  char *err = NULL;
  /* Open before the call returns: the INIT's output, even a close event, may come from
   * inside it. */
  sock_open(ns, SOCK_PENDING);
  int rv = ns->out
               ? csctp_socket_connect_transport(ad->ctx, &o, sk_out, ns, &sock_events, ns, &s, &err)
               : csctp_socket_connect(ad->ctx, &o, &sock_events, ns, &s, &err);
  if (rv) {
    sock_forget(ns);
    sock_throw_rv(env, rv, err);
    return NULL;
  }
  if (ns->s == SOCK_PENDING) ns->s = s; /* else it closed already, from inside the call */
  node_loop_kick(ad->loop);
  return token;
}

/* input(token, buf): a packet from the caller's transport. */
static napi_value sock_input(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  nsock *ns = sock_arg(env, info, &argc, argv);
  void *data;
  size_t len;
  if (!ns || argc < 2 || napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok || !len)
    return NULL;
  csctp_socket_input(ns->s, data, len > 9216 ? 0 : len);
  return NULL;
}

/* write(token, buf, stream, ppid, unordered) -> bytes buffered (>= 0) or a csctp_error. */
static napi_value sock_write(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], r;
  nsock *ns = sock_arg(env, info, &argc, argv);
  csctp_ssize n = CSCTP_ERR_CLOSED;
  void *data;
  size_t len;
  if (ns && argc >= 5 && napi_get_buffer_info(env, argv[1], &data, &len) == napi_ok) {
    uint32_t stream = 0, ppid = 0;
    bool un = false;
    napi_get_value_uint32(env, argv[2], &stream);
    napi_get_value_uint32(env, argv[3], &ppid);
    napi_get_value_bool(env, argv[4], &un);
    csctp_write_opts o = {stream > 65535 ? 65535 : (uint16_t)stream, ppid, un};
    n = stream > 65535 ? CSCTP_ERR_STREAM_ID : csctp_socket_write(ns->s, data, len, &o);
  }
  NAPI_OK(env, napi_create_double(env, (double)n, &r));
  return r;
}

/* pause/resume/end/destroy(token): the socket API's functions of the same names. */
static napi_value sock_pause(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a;
  nsock *ns = sock_arg(env, info, &argc, &a);
  if (ns) csctp_socket_pause(ns->s);
  return NULL;
}
static napi_value sock_resume(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a;
  nsock *ns = sock_arg(env, info, &argc, &a);
  if (ns) csctp_socket_resume(ns->s);
  return NULL;
}
static napi_value sock_end(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a;
  nsock *ns = sock_arg(env, info, &argc, &a);
  if (!ns) return NULL;
  addon *ad = ns->ad;
  csctp_socket_end(ns->s); /* may close it (a passive socket still waiting) */
  node_loop_kick(ad->loop);
  return NULL;
}
static napi_value sock_destroy(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a;
  nsock *ns = sock_arg(env, info, &argc, &a);
  if (!ns) return NULL;
  csctp_socket *s = ns->s;
  sock_forget(ns); /* no callbacks from here on */
  csctp_socket_destroy(s);
  node_loop_kick(ns->ad->loop); /* its descriptor is no longer watched */
  return NULL;
}

/* info(token) -> {remote, OS, MIS, buffered, needDrain, paused, stats...} or undefined. */
static napi_value sock_info(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a, o;
  nsock *ns = sock_arg(env, info, &argc, &a);
  if (!ns) return NULL;
  char r[128];
  csctp_socket_remote(ns->s, r, sizeof(r));
  csctp_stats st;
  memset(&st, 0, sizeof(st));
  csctp_socket_get_stats(ns->s, &st);
  NAPI_OK(env, napi_create_object(env, &o));
  napi_value v;
#define SET(name, val) \
  v = (val);           \
  if (v) NAPI_OK(env, napi_set_named_property(env, o, name, v));
  SET("remote", node_str(env, r))
  SET("OS", node_u32(env, csctp_socket_outbound_streams(ns->s)))
  SET("MIS", node_u32(env, csctp_socket_inbound_streams(ns->s)))
  SET("buffered", node_u32(env, (uint32_t)csctp_socket_buffered(ns->s)))
  SET("needDrain", node_u32(env, (uint32_t)csctp_socket_writable_need_drain(ns->s)))
  SET("paused", node_u32(env, (uint32_t)csctp_socket_is_paused(ns->s)))
  SET("packetsIn", node_u32(env, (uint32_t)st.packets_in))
  SET("packetsOut", node_u32(env, (uint32_t)st.packets_out))
  SET("retransmissions", node_u32(env, (uint32_t)st.retransmissions))
  SET("peerRwnd", node_u32(env, st.peer_rwnd))
#undef SET
  return o;
}

/* ---------------------------------------------------------------- servers */

static void sv_emit(nserver *nv, const char *type, size_t argc, const napi_value *argv) {
  napi_value token;
  if (napi_get_reference_value(nv->ad->env, nv->token, &token) != napi_ok || !token) return;
  node_emit(nv->ad, token, type, argc, argv);
}

static void sv_connection(csctp_server *srv, csctp_socket *s, void *ud) {
  (void)srv;
  nserver *nv = ud;
  napi_env env = nv->ad->env;
  NODE_SCOPE_OPEN(env);
  napi_value token;
  nsock *ns = sock_new(env, nv->ad, &token);
  if (!ns) {
    csctp_socket_destroy(s);
    NODE_SCOPE_CLOSE(env);
    return;
  }
  ns->srv = nv;
  sock_open(ns, s);
  csctp_socket_set_events(s, &sock_events, ns);
  char r[128];
  csctp_socket_remote(s, r, sizeof(r));
  napi_value a[4] = {token, node_u32(env, csctp_socket_outbound_streams(s)),
                     node_u32(env, csctp_socket_inbound_streams(s)), node_str(env, r)};
  sv_emit(nv, "connection", 4, a);
  NODE_SCOPE_CLOSE(env);
}

static void sv_error(csctp_server *srv, int err, const char *msg, void *ud) {
  (void)srv;
  nserver *nv = ud;
  if (!nv->listening) return; /* a failed listen throws instead */
  napi_env env = nv->ad->env;
  NODE_SCOPE_OPEN(env);
  napi_value a[2];
  napi_create_int32(env, err, &a[0]);
  a[1] = node_str(env, msg);
  sv_emit(nv, "error", 2, a);
  NODE_SCOPE_CLOSE(env);
}

static const csctp_server_events server_events = {.connection = sv_connection, .error = sv_error};

static void server_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  nserver *nv = data;
  if (nv->listening) return;              /* a listening server holds its token: never finalized */
  if (nv->srv) csctp_server_del(nv->srv); /* never listened: frees it */
  napi_delete_reference(env, nv->token);
  g_free(nv);
}

/* Closes the C server: its sockets are aborted without callbacks, so they are told here. */
static void server_close(nserver *nv) {
  if (!nv->srv) return;
  addon *ad = nv->ad;
  csctp_server *srv = nv->srv;
  nv->srv = NULL;
  GList *mine = NULL;
  for (GList *it = ad->socks; it; it = it->next)
    if (((nsock *)it->data)->srv == nv) mine = g_list_prepend(mine, it->data);
  csctp_server_del(srv);
  for (GList *it = mine; it; it = it->next) {
    nsock *ns = it->data;
    napi_value token = NULL, a[1];
    if (!ad->closing) napi_get_reference_value(ad->env, ns->token, &token);
    sock_forget(ns);
    if (token && napi_get_boolean(ad->env, true, &a[0]) == napi_ok)
      node_emit(ad, token, "close", 1, a);
  }
  g_list_free(mine);
  if (nv->listening) {
    nv->listening = 0;
    ad->servers = g_list_remove(ad->servers, nv);
    node_live(ad, -1);
    if (!ad->closing) napi_reference_unref(ad->env, nv->token, NULL);
  }
}

/* serverNew() -> token. */
static napi_value server_new(napi_env env, napi_callback_info info) {
  (void)info;
  addon *ad = node_addon(env);
  nserver *nv = g_new0(nserver, 1);
  nv->ad = ad;
  napi_value token;
  if (csctp_server_new(ad->ctx, &server_events, nv, &nv->srv) != 0) {
    g_free(nv);
    node_throw(env, CSCTP_ERR_NOMEM, NULL);
    return NULL;
  }
  if (napi_create_object(env, &token) != napi_ok ||
      napi_wrap(env, token, nv, server_finalize, NULL, &nv->token) != napi_ok) {
    csctp_server_del(nv->srv);
    g_free(nv);
    napi_throw_error(env, NULL, "createServer: out of memory");
    return NULL;
  }
  return token;
}

/* listen(token, opts) -> the bound UDP port (0 over raw IP); throws when it fails. */
static napi_value server_listen(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], r;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *p = NULL;
  if (argc < 2 || napi_unwrap(env, argv[0], &p) != napi_ok || !((nserver *)p)->srv) {
    node_throw(env, CSCTP_ERR_INVALID_STATE, "listen: the server is closed");
    return NULL;
  }
  nserver *nv = p;
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  char host[64], local[64], upeer[64];
  if (sock_opts(env, argv[1], &o, host, local, upeer) != 0) return NULL;
  char *err = NULL;
  int rv = csctp_server_listen(nv->srv, &o, &err);
  if (rv) {
    sock_throw_rv(env, rv, err);
    return NULL;
  }
  nv->listening = 1;
  nv->ad->servers = g_list_prepend(nv->ad->servers, nv);
  napi_reference_ref(env, nv->token, NULL);
  node_live(nv->ad, 1); /* and the loop watches its socket */
  NAPI_OK(env, napi_create_uint32(env, csctp_server_udp_port(nv->srv), &r));
  return r;
}

/* serverClose(token): stops listening and aborts what is still open. */
static napi_value server_close_js(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a;
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, &a, NULL, NULL));
  void *p = NULL;
  if (argc >= 1 && napi_unwrap(env, a, &p) == napi_ok && p) {
    nserver *nv = p;
    if (nv->listening) server_close(nv);
    node_loop_kick(nv->ad->loop);
  }
  return NULL;
}

void node_sock_close_all(addon *ad) {
  while (ad->servers) server_close(ad->servers->data);
  while (ad->socks) {
    nsock *ns = ad->socks->data;
    csctp_socket *s = ns->s;
    sock_forget(ns);
    csctp_socket_destroy(s);
  }
}

napi_status node_sock_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"connect", NULL, sock_connect, NULL, NULL, NULL, napi_default, NULL},
      {"input", NULL, sock_input, NULL, NULL, NULL, napi_default, NULL},
      {"write", NULL, sock_write, NULL, NULL, NULL, napi_default, NULL},
      {"pause", NULL, sock_pause, NULL, NULL, NULL, napi_default, NULL},
      {"resume", NULL, sock_resume, NULL, NULL, NULL, napi_default, NULL},
      {"end", NULL, sock_end, NULL, NULL, NULL, napi_default, NULL},
      {"destroy", NULL, sock_destroy, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, sock_info, NULL, NULL, NULL, napi_default, NULL},
      {"serverNew", NULL, server_new, NULL, NULL, NULL, napi_default, NULL},
      {"listen", NULL, server_listen, NULL, NULL, NULL, napi_default, NULL},
      {"serverClose", NULL, server_close_js, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}
