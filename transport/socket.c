/* SPDX-License-Identifier: MIT */
/*
 * The socket API on a GMainContext: a "host" is one link (UDP or raw IP) and
 * one endpoint with its timer; a server owns a host with many sockets, a
 * client socket owns a host with one (host.h). Everything runs from sources on
 * the caller's context: the link's readable source, the host's pump (timers,
 * and output coalesced after API calls) and a socket's connect timer.
 * Callbacks run from host_process(); objects destroyed inside a callback are
 * freed when it unwinds. Receive back-pressure is in socket_pause.c, the
 * connect timeout and ICMP errors in socket_live.c.
 */
#include <csctp/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "host.h"
#include "link.h"
#include "versioned.h"

#define PKT_MAX 9216

static int os_random(uint8_t *buf, size_t len, void *user_data) {
  (void)user_data;
  return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

static void log_stderr(uint32_t category, csctp_log_level level, const char *text,
                       void *user_data) {
  (void)user_data;
  (void)category;
  fprintf(stderr, "csctp: %s: %s\n", csctp_log_level_name(level), text);
}

csctp_tstamp csctp_host_now(void) { return (csctp_tstamp)g_get_monotonic_time(); }
#define now_us csctp_host_now

static void host_process(host *h);
static void host_free(host *h);

/* One SCTP packet of the host's into the capture file, if there is one. */
static void host_capture(host *h, int inbound, const uint8_t *pkt, size_t len, csctp_tstamp now) {
  if (h->capture && csctp_capture_packet(h->capture, inbound, pkt, len, now) == 1)
    g_warning("csctp: capture %s: size limit reached, no more packets",
              csctp_capture_path(h->capture));
}

/* ---------------------------------------------------------------- pump */

typedef struct pump_source {
  GSource base;
  host *h;
} pump_source;

static gboolean pump_dispatch_real(GSource *src, GSourceFunc cb, gpointer user_data) {
  (void)cb;
  (void)user_data;
  host *h = ((pump_source *)src)->h;
  g_source_set_ready_time(src, -1);
  host_process(h);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs pump_funcs = {NULL, NULL, pump_dispatch_real, NULL, NULL, NULL};

static void host_rearm(host *h) {
  if (h->doomed || !h->pump) return;
  if (h->dirty || h->flushq.length) {
    g_source_set_ready_time(h->pump, 0);
    return;
  }
  csctp_tstamp t = csctp_endpoint_expiry(h->ep);
  g_source_set_ready_time(h->pump, t == CSCTP_TSTAMP_NONE ? -1 : (gint64)t);
}

void csctp_host_kick(host *h) {
  h->dirty = 1;
  if (!h->depth) host_process(h);
}
#define host_kick csctp_host_kick

void csctp_host_defer(host *h) {
  h->dirty = 1;
  if (!h->depth && !h->doomed && h->pump) g_source_set_ready_time(h->pump, 0);
}

/* ---------------------------------------------------------------- sockets */

static csctp_socket *socket_alloc(host *h) {
  csctp_socket *s = g_new0(csctp_socket, 1);
  s->h = h;
  s->streams = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  if (h->srv) s->path_cb = h->srv->path_cb;
  return s;
}

static void socket_free(csctp_socket *s) {
  csctp_host_connect_timer_stop(s);
  csctp_host_drop_held(s);
  if (s->in_flushq) g_queue_remove(&s->h->flushq, s);
  g_hash_table_destroy(s->streams);
  g_free(s->seen);
  g_free(s);
}

static void socket_attach(csctp_socket *s, csctp_assoc *a) {
  s->a = a;
  csctp_endpoint_assoc_peer(s->h->ep, a, &s->peer, &s->peer_port);
  /* Back-pressure marks: writes report "above" past half the send buffer, drain at a quarter. */
  s->high_mark = s->h->sndbuf / 2;
  csctp_assoc_set_send_buffer_low(a, s->high_mark / 2);
  s->base_rwnd = s->h->rwnd; /* a paused socket lowers the window by what it keeps */
  g_hash_table_insert(s->h->socks, a, s);
}

/* Detaches the association (flushing its last packets first) and retires the socket. */
static void socket_retire(csctp_socket *s) {
  host *h = s->h;
  if (s->a) {
    uint8_t buf[PKT_MAX];
    csctp_ssize n;
    csctp_tstamp now = now_us();
    csctp_endpoint_assoc_peer(h->ep, s->a, &s->peer, NULL); /* its UDP port may have moved */
    csctp_route to;
    while ((n = h->multi ? csctp_assoc_write_packet_via(s->a, buf, sizeof(buf), now, &to)
                         : csctp_assoc_write_packet(s->a, buf, sizeof(buf), now)) > 0) {
      host_capture(h, 0, buf, (size_t)n, now);
      if (h->multi)
        csctp_host_send_via(h, &to, buf, (size_t)n, csctp_assoc_packet_ecn(s->a));
      else if (csctp_assoc_packet_fragmentable(s->a))
        csctp_link_send_fragmentable(h->link, &s->peer, buf, (size_t)n);
      else
        csctp_link_send_ecn(h->link, &s->peer, buf, (size_t)n, csctp_assoc_packet_ecn(s->a));
    }
    csctp_assoc_get_stats(s->a, &s->last_stats);
    s->last_pmtu = csctp_assoc_get_pmtu(s->a);
    g_hash_table_remove(h->socks, s->a);
    csctp_endpoint_remove(h->ep, s->a);
    s->a = NULL;
  }
  if (!s->zombie) {
    s->zombie = 1;
    g_ptr_array_add(h->zombies, s);
  }
}

void csctp_host_socket_closed(csctp_socket *s, int had_error, const char *why, int err) {
  if (s->closed) return;
  s->closed = 1;
  csctp_host_connect_timer_stop(s);
  if (had_error) csctp_host_drop_held(s); /* an abort loses what was not read, as net.Socket */
  socket_retire(s);
  if (had_error && s->ev.error) s->ev.error(s, err, why, s->ud);
  if (s->ev.close) s->ev.close(s, had_error, s->ud);
  if (s->h->client == s) s->h->doomed = 1;
}

static const char *close_text(csctp_close_reason r) {
  switch (r) {
  case CSCTP_CLOSE_SHUTDOWN: return "shut down";
  case CSCTP_CLOSE_PEER_ABORT: return "aborted by the peer";
  case CSCTP_CLOSE_LOCAL_ABORT: return "aborted";
  case CSCTP_CLOSE_TIMEOUT: return "peer unreachable (association_max_retrans exceeded)";
  case CSCTP_CLOSE_INIT_FAILED: return "connection failed (no answer to INIT)";
  case CSCTP_CLOSE_PROTOCOL_ERROR: return "protocol error";
  case CSCTP_CLOSE_UNREACHABLE: return "peer unreachable (ICMP)";
  }
  return "closed";
}

/* The csctp_error of the error event for an association that closed with `r`. */
static int close_error(csctp_close_reason r) {
  switch (r) {
  case CSCTP_CLOSE_SHUTDOWN: return 0;
  case CSCTP_CLOSE_PEER_ABORT: return CSCTP_ERR_PEER_ABORT;
  case CSCTP_CLOSE_TIMEOUT:
  case CSCTP_CLOSE_INIT_FAILED: return CSCTP_ERR_TIMEOUT;
  case CSCTP_CLOSE_UNREACHABLE: return CSCTP_ERR_UNREACHABLE;
  case CSCTP_CLOSE_PROTOCOL_ERROR: return CSCTP_ERR_PROTOCOL;
  case CSCTP_CLOSE_LOCAL_ABORT: break; /* ended before established (csctp_socket_end) */
  }
  return CSCTP_ERR_CLOSED;
}

void csctp_host_deliver(csctp_socket *s, const csctp_message *m) {
  if (!s->seen) s->seen = g_malloc0(8192);
  if (!(s->seen[m->stream >> 3] & (1u << (m->stream & 7)))) {
    s->seen[m->stream >> 3] |= (uint8_t)(1u << (m->stream & 7));
    if (s->ev.stream) s->ev.stream(s, m->stream, s->ud);
    if (s->zombie) return;
  }
  if (s->ev.data) s->ev.data(s, m, s->ud);
}

void csctp_host_socket_event(host *h, csctp_socket *s, csctp_assoc *a, csctp_event *ev) {
  if ((ev->type == CSCTP_EVENT_MESSAGE || ev->type == CSCTP_EVENT_SHUTDOWN ||
       ev->type == CSCTP_EVENT_CLOSED) &&
      csctp_host_hold(h, s, ev))
    return; /* kept in order behind what a paused socket holds */
  switch (ev->type) {
  case CSCTP_EVENT_CONNECTED:
    s->connected = 1;
    csctp_host_connect_timer_stop(s);
    if (h->srv && !s->announced) {
      s->announced = 1;
      if (h->srv->ev.connection) h->srv->ev.connection(h->srv, s, h->srv->ud);
    } else if (s->ev.connect) {
      s->ev.connect(s, s->ud);
    }
    break;
  case CSCTP_EVENT_RESTARTED:
    /* The peer restarted: its streams start over, so "stream" events may come again; over
     * UDP it may have come back on another UDP port (RFC 6951 §5). */
    if (s->seen) memset(s->seen, 0, 8192);
    csctp_endpoint_assoc_peer(h->ep, a, &s->peer, NULL);
    break;
  case CSCTP_EVENT_PATH_CHANGED: csctp_host_path_event(s, ev); break;
  case CSCTP_EVENT_MESSAGE: {
    /* Copied: the engine's buffer dies at the next call on `a`, e.g. the echo's write. */
    g_byte_array_set_size(h->msgcopy, 0);
    g_byte_array_append(h->msgcopy, ev->u.message.data, (guint)ev->u.message.len);
    csctp_message m = {ev->u.message.stream, ev->u.message.ppid, ev->u.message.unordered,
                       h->msgcopy->data, ev->u.message.len};
    csctp_host_deliver(s, &m);
    break;
  }
  case CSCTP_EVENT_SHUTDOWN:
    if (s->ev.end) s->ev.end(s, s->ud);
    break;
  case CSCTP_EVENT_SEND_BUFFER_LOW:
    if (s->want_drain) {
      s->want_drain = 0;
      if (s->ev.drain) s->ev.drain(s, s->ud);
    }
    break;
  case CSCTP_EVENT_CLOSED: {
    int had_error = ev->u.closed.reason != CSCTP_CLOSE_SHUTDOWN;
    if (s->h->srv && !s->announced) { /* never announced: drop quietly */
      socket_retire(s);
      s->closed = 1;
      break;
    }
    if (!had_error && s->ev.end && !s->connected) s->ev.end(s, s->ud);
    char why[200];
    if (ev->u.closed.reason == CSCTP_CLOSE_UNREACHABLE)
      csctp_host_unreach_text(s, why, sizeof(why));
    else
      snprintf(why, sizeof(why), "%s", close_text(ev->u.closed.reason));
    csctp_host_socket_closed(s, had_error, why, close_error(ev->u.closed.reason));
    break;
  }
  default: break;
  }
}

/* ---------------------------------------------------------------- host */

/* Frees the sockets retired during a dispatch. */
static void host_reap(host *h) {
  for (guint i = 0; i < h->zombies->len; i++) {
    if (h->zombies->pdata[i] == h->client) h->client = NULL;
    socket_free(h->zombies->pdata[i]);
  }
  g_ptr_array_set_size(h->zombies, 0);
}

static void host_recv(void *user_data, const csctp_addr *from, const uint8_t *pkt, size_t len) {
  host *h = user_data;
  if (h->doomed) return;
  csctp_assoc *a = NULL;
  csctp_tstamp now = now_us();
  host_capture(h, 1, pkt, len, now);
  int rv;
  if (h->multi) {
    csctp_route via = {.peer = *from, .local = csctp_link_rx_local(h->link)};
    rv = csctp_endpoint_read_packet_via_ecn(h->ep, &via, pkt, len, csctp_link_rx_ecn(h->link), now,
                                            &a);
  } else {
    rv = csctp_endpoint_read_packet_ecn(h->ep, from, pkt, len, csctp_link_rx_ecn(h->link), now, &a);
  }
  if (rv) {
    g_warning("csctp: endpoint: %s", csctp_strerror(rv));
    return;
  }
  if (a && !g_hash_table_lookup(h->socks, a)) {
    if (h->client && !h->client->a && !h->client->closed) {
      socket_attach(h->client, a); /* passive connect: our peer arrived */
    } else if (h->srv) {
      csctp_socket *s = socket_alloc(h);
      socket_attach(s, a);
    } else {
      csctp_assoc_abort(a, "unexpected association", now_us());
    }
  }
  h->dirty = 1;
}

static void host_batch(void *user_data) {
  host *h = user_data;
  if (h->depth) /* fed from inside a callback (csctp_socket_input): from the pump */
    csctp_host_defer(h);
  else
    host_process(h);
}

/* Queues every packet that is due on the link (sent at the next csctp_link_flush). */
static void host_write(host *h) {
  uint8_t buf[PKT_MAX];
  csctp_addr to;
  csctp_ssize n;
  csctp_tstamp now = now_us();
  csctp_assoc *a;
  if (h->multi) {
    csctp_route via;
    while ((n = csctp_endpoint_write_packet_via(h->ep, buf, sizeof(buf), now, &via, &a)) > 0) {
      host_capture(h, 0, buf, (size_t)n, now);
      csctp_host_send_via(h, &via, buf, (size_t)n, a ? csctp_assoc_packet_ecn(a) : 0);
    }
    return;
  }
  while ((n = csctp_endpoint_write_packet(h->ep, buf, sizeof(buf), now, &to, &a)) > 0) {
    host_capture(h, 0, buf, (size_t)n, now);
    if (a && csctp_assoc_packet_fragmentable(a))
      csctp_link_send_fragmentable(h->link, &to, buf, (size_t)n);
    else
      csctp_link_send_ecn(h->link, &to, buf, (size_t)n, csctp_assoc_packet_ecn(a));
  }
}

static void host_process(host *h) {
  if (h->doomed && !h->depth) {
    host_free(h);
    return;
  }
  h->depth++;
  csctp_tstamp now = now_us();
  if (csctp_endpoint_expiry(h->ep) <= now) csctp_endpoint_handle_expiry(h->ep, now);
  for (int round = 0; round < 64 && !h->doomed; round++) {
    h->dirty = 0;
    int any = 0;
    if (h->flushq.length) {
      any = 1;
      csctp_host_flush_held(h);
      if (h->doomed) break;
    }
    csctp_assoc *a;
    csctp_event ev;
    while (!h->doomed && csctp_endpoint_poll_event(h->ep, &a, &ev)) {
      any = 1;
      csctp_socket *s = g_hash_table_lookup(h->socks, a);
      if (!s) { /* an association without a socket (never happens): take it out */
        if (ev.type == CSCTP_EVENT_CLOSED) csctp_endpoint_remove(h->ep, a);
        continue;
      }
      csctp_host_socket_event(h, s, a, &ev);
    }
    if (h->doomed) break;
    host_write(h);
    if (!any && !h->dirty) break;
  }
  csctp_link_flush(h->link);
  h->depth--;
  if (!h->depth) {
    host_reap(h);
    if (h->doomed) {
      host_free(h);
      return;
    }
  }
  h->dirty = 0;
  host_rearm(h);
}

/* `ext`: the caller's transport (csctp_socket_connect_transport), or NULL for an OS socket. */
static int host_new(host **ph, GMainContext *ctx, const csctp_connect_opts *o, int listen,
                    uint16_t local_port, const csctp_host_ext *ext, char **err_msg) {
  host *h = g_new0(host, 1);
  h->ctx = ctx ? ctx : g_main_context_default();
  g_main_context_ref(h->ctx);
  h->socks = g_hash_table_new(g_direct_hash, g_direct_equal);
  h->zombies = g_ptr_array_new();
  h->msgcopy = g_byte_array_new();
  h->mtu = o->mtu ? o->mtu : 1200;
  csctp_config cfg;
  csctp_config_default(&cfg);
  csctp_host_apply_defaults(&cfg);
  if (o->sndbuf) cfg.sndbuf = o->sndbuf;
  if (o->rcvbuf) cfg.rwnd = o->rcvbuf;
  if (cfg.max_message_size > cfg.rwnd) cfg.max_message_size = cfg.rwnd;
  cfg.rand = os_random;
  cfg.local_port = local_port;
  cfg.remote_port = o->port ? o->port : 5000;
  cfg.mtu = h->mtu > PKT_MAX ? PKT_MAX : h->mtu;
  if (o->MIS) cfg.max_inbound_streams = o->MIS;
  if (o->OS) cfg.outbound_streams = o->OS;
  if (o->plpmtud_max) { /* RFC 8899; out-of-range values are refused by the engine */
    cfg.plpmtud_max = o->plpmtud_max > PKT_MAX ? PKT_MAX : o->plpmtud_max;
    if (o->plpmtud_probe_timer) cfg.plpmtud_probe_timer = o->plpmtud_probe_timer;
  }
  cfg.ecn = o->ecn != 0; /* ECN: announced, and the link reads and writes the codepoints */
  const char *local_ip = o->local_address;
  int rv = ext && (o->n_local_addresses || o->n_hosts > 1) ? CSCTP_ERR_INVALID_ARGUMENT : 0;
  if (rv && err_msg) *err_msg = g_strdup("several addresses need an OS socket, not a transport");
  if (!rv) rv = csctp_host_multi_config(h, o, &cfg, &local_ip, err_msg);
  if (rv) {
    host_free(h);
    return rv;
  }
  const char *dbg = getenv("CSCTP_DEBUG");
  cfg.log_mask = csctp_log_mask_parse(dbg);
  csctp_log_levels_parse(dbg, cfg.log_levels);
  if (cfg.log_mask) cfg.log = log_stderr;
  h->sndbuf = cfg.sndbuf;
  h->rwnd = cfg.rwnd;
  rv = csctp_endpoint_new(&h->ep, &cfg);
  if (rv) {
    if (err_msg) *err_msg = g_strdup_printf("endpoint: %s", csctp_strerror(rv));
    host_free(h);
    return rv;
  }
  csctp_endpoint_listen(h->ep, listen);
  const char *cap = getenv("CSCTP_CAPTURE");
  if (cap && *cap) {
    rv = csctp_capture_open_prefix(&h->capture, cap, NULL);
    if (rv)
      g_warning("csctp: capture %s: %s", cap, csctp_strerror(rv));
    else /* wall-clock times in the file: now_us() is GLib's monotonic clock */
      csctp_capture_set_clock_offset(h->capture, g_get_real_time() - g_get_monotonic_time());
  }
  /* link.c's addresses end with the UDP port (0 over raw IP): a peer is its IP and SCTP port. */
  csctp_endpoint_set_addr_port_len(h->ep, 2);
  char *err = NULL;
  uint16_t udp_port = o->udp_local_port; /* 0: any free port */
  if (ext)
    rv = csctp_link_new_external(&h->link, &ext->peer, ext->out, ext->out_user_data, host_recv,
                                 host_batch, h);
  else if (h->dual)
    rv = csctp_link_new_dual(&h->link, h->ctx, udp_port, host_recv, host_batch, h, &err);
  else
    rv = csctp_link_new(&h->link, h->ctx, o->udp_transport, local_ip, udp_port, host_recv,
                        host_batch, h, &err);
  if (!rv) rv = csctp_host_multi_attach(h, o, &err);
  if (!rv && !ext)
    (void)csctp_link_addr_parse(local_ip && *local_ip ? local_ip : "0.0.0.0",
                                csctp_link_is_udp(h->link) ? csctp_link_udp_port(h->link) : 0,
                                &h->bound);
  if (rv) {
    if (err_msg)
      *err_msg = err;
    else
      g_free(err);
    host_free(h);
    return rv;
  }
  csctp_link_set_unreach(h->link, csctp_host_unreach);
  csctp_link_set_plpmtud(h->link, cfg.plpmtud_max != 0);
  csctp_link_set_ecn(h->link, cfg.ecn);
  pump_source *ps = (pump_source *)g_source_new(&pump_funcs, sizeof(pump_source));
  ps->h = h;
  h->pump = &ps->base;
  g_source_attach(h->pump, h->ctx);
  *ph = h;
  return 0;
}

static void host_free(host *h) {
  if (h->depth) { /* inside a callback: later */
    h->doomed = 1;
    return;
  }
  if (h->ep) {
    /* Abort what is still open, send the ABORTs, free the sockets without callbacks. */
    GHashTableIter it;
    gpointer k, v;
    GPtrArray *all = g_ptr_array_new();
    g_hash_table_iter_init(&it, h->socks);
    while (g_hash_table_iter_next(&it, &k, &v)) g_ptr_array_add(all, v);
    for (guint i = 0; i < all->len; i++) {
      csctp_socket *s = all->pdata[i];
      if (s->a && csctp_assoc_get_state(s->a) != CSCTP_STATE_CLOSED)
        csctp_assoc_abort(s->a, "closing", now_us());
      if (h->link) socket_retire(s);
    }
    g_ptr_array_free(all, TRUE);
    if (h->link) csctp_link_flush(h->link);
  }
  if (h->client && !h->client->zombie) {
    h->client->zombie = 1;
    g_ptr_array_add(h->zombies, h->client);
  }
  host_reap(h);
  g_ptr_array_free(h->zombies, TRUE);
  if (h->pump) {
    g_source_destroy(h->pump);
    g_source_unref(h->pump);
  }
  csctp_link_del(h->link);
  csctp_endpoint_del(h->ep);
  csctp_capture_close(h->capture);
  g_hash_table_destroy(h->socks);
  g_byte_array_free(h->msgcopy, TRUE);
  g_free(h->srv);
  g_main_context_unref(h->ctx);
  g_free(h);
}

/* ---------------------------------------------------------------- public: sockets */

int csctp_socket_connect_versioned(GMainContext *ctx, int opts_version,
                                   const csctp_connect_opts *uo, const csctp_socket_events *events,
                                   void *user_data, csctp_socket **ps, char **err_msg) {
  return csctp_host_connect(ctx, opts_version, uo, NULL, events, user_data, ps, err_msg);
}

int csctp_host_connect(GMainContext *ctx, int opts_version, const csctp_connect_opts *uo,
                       csctp_host_ext *ext, const csctp_socket_events *events, void *user_data,
                       csctp_socket **ps, char **err_msg) {
  if (err_msg) *err_msg = NULL;
  csctp_connect_opts buf;
  const csctp_connect_opts *o = csctp_versioned_in(uo, csctp_host_opts_size(opts_version), &buf,
                                                   sizeof buf, csctp_host_opts_default);
  if (!o || !ps || (!o->host && !(o->n_hosts && o->hosts) && !ext))
    return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_addr peer;
  const char *peer_ip = o->udp_transport && o->udp_peer_address ? o->udp_peer_address : o->host;
  if (o->n_hosts && o->hosts && !ext) peer_ip = o->hosts[0];
  uint16_t peer_udp = o->udp_transport ? (o->udp_peer_port ? o->udp_peer_port : 9899) : 0;
  if (ext) { /* the caller's transport: the peer's address only names it */
    peer_ip = o->udp_peer_address ? o->udp_peer_address : o->host ? o->host : "0.0.0.0";
    peer_udp = o->udp_peer_port;
  }
  if (csctp_link_addr_parse(peer_ip, peer_udp, &peer) != 0) {
    if (err_msg) *err_msg = g_strdup_printf("not an IP address: '%s'", peer_ip);
    return CSCTP_ERR_INVALID_ARGUMENT;
  }
  if (ext) ext->peer = peer;
  uint16_t lport = o->local_port ? o->local_port : (uint16_t)g_random_int_range(10000, 60000);
  host *h;
  int rv = host_new(&h, ctx, o, o->passive, lport, ext, err_msg);
  if (rv) return rv;
  csctp_socket *s = socket_alloc(h);
  h->client = s;
  s->default_ppid = o->ppid;
  if (events) s->ev = *events;
  s->ud = user_data;
  s->peer = peer;
  s->peer_port = o->port ? o->port : 5000;
  if (o->passive) {
    /* Over UDP the peer's UDP port is learned, so accept it from any UDP port. */
    csctp_addr only = peer;
    if (o->udp_transport) {
      csctp_endpoint_restrict(h->ep, NULL, s->peer_port);
    } else {
      csctp_endpoint_restrict(h->ep, &only, s->peer_port);
    }
  } else {
    csctp_assoc *a;
    csctp_addr peers[CSCTP_PATHS_MAX];
    size_t np = 0;
    if (!h->multi)
      rv = csctp_endpoint_connect(h->ep, &peer, s->peer_port, NULL, now_us(), &a);
    else if ((rv = csctp_host_multi_peers(o, &peer, peers, &np, err_msg)) == 0)
      rv = csctp_endpoint_connectx(h->ep, peers, np, s->peer_port, NULL, now_us(), &a);
    if (rv) {
      if (err_msg && !*err_msg) *err_msg = g_strdup_printf("connect: %s", csctp_strerror(rv));
      host_free(h);
      return rv;
    }
    socket_attach(s, a);
    uint32_t t = o->connect_timeout_ms ? o->connect_timeout_ms : CSCTP_CONNECT_TIMEOUT_DEFAULT;
    if (t != CSCTP_CONNECT_TIMEOUT_NONE) csctp_host_connect_timer_start(s, t);
  }
  *ps = s;
  host_kick(h);
  return 0;
}

void csctp_socket_set_events(csctp_socket *s, const csctp_socket_events *events, void *user_data) {
  if (events)
    s->ev = *events;
  else
    memset(&s->ev, 0, sizeof(s->ev));
  s->ud = user_data;
}

csctp_ssize csctp_socket_write(csctp_socket *s, const uint8_t *data, size_t len,
                               const csctp_write_opts *opts) {
  if (!s || s->zombie || s->closed) return CSCTP_ERR_CLOSED;
  if (!s->a) return CSCTP_ERR_INVALID_STATE;
  csctp_send_opts so = {0};
  if (opts) {
    so.stream = opts->stream;
    so.ppid = opts->ppid;
    so.unordered = opts->unordered;
  } else {
    so.ppid = s->default_ppid;
  }
  int rv = csctp_assoc_send(s->a, &so, data, len, now_us());
  if (rv == CSCTP_ERR_WOULD_BLOCK) s->want_drain = 1;
  if (rv) return rv;
  size_t b = csctp_assoc_buffered_amount(s->a);
  if (b > s->high_mark) s->want_drain = 1;
  host_kick(s->h);
  return (csctp_ssize)b;
}

csctp_stream *csctp_socket_create_stream(csctp_socket *s, uint16_t id, uint32_t ppid) {
  if (!s) return NULL;
  uint16_t out = csctp_socket_outbound_streams(s);
  if (out && id >= out) return NULL;
  csctp_stream *st = g_hash_table_lookup(s->streams, GUINT_TO_POINTER((guint)id));
  if (!st) {
    st = g_new0(csctp_stream, 1);
    st->s = s;
    st->id = id;
    g_hash_table_insert(s->streams, GUINT_TO_POINTER((guint)id), st);
  }
  st->ppid = ppid;
  return st;
}

csctp_ssize csctp_stream_write(csctp_stream *st, const uint8_t *data, size_t len) {
  csctp_write_opts o = {st->id, st->ppid, 0};
  return csctp_socket_write(st->s, data, len, &o);
}

size_t csctp_socket_buffered(const csctp_socket *s) {
  return s && s->a ? csctp_assoc_buffered_amount(s->a) : 0;
}

int csctp_socket_writable_need_drain(const csctp_socket *s) { return s && s->want_drain; }

void csctp_socket_end(csctp_socket *s) {
  if (!s || s->closed || s->zombie) return;
  if (!s->a) { /* a passive socket still waiting: nothing to shut down */
    csctp_host_socket_closed(s, 0, NULL, 0);
    host_kick(s->h);
    return;
  }
  csctp_assoc_state st = csctp_assoc_get_state(s->a);
  if (st == CSCTP_STATE_COOKIE_WAIT || st == CSCTP_STATE_COOKIE_ECHOED) {
    csctp_assoc_abort(s->a, "closed before established", now_us());
  } else {
    /* What is due goes out first: a SACK owed for data that just arrived (end() is often
     * called from a data callback) would otherwise be folded into the SHUTDOWN's cumulative
     * ack, which some peers ignore (the Node.js sctp module keeps retransmitting). */
    host_write(s->h);
    csctp_assoc_shutdown(s->a, now_us());
  }
  host_kick(s->h);
}

void csctp_socket_destroy(csctp_socket *s) {
  if (!s || s->zombie) return;
  host *h = s->h;
  s->closed = 1;
  memset(&s->ev, 0, sizeof(s->ev));
  if (s->a && csctp_assoc_get_state(s->a) != CSCTP_STATE_CLOSED)
    csctp_assoc_abort(s->a, "destroyed", now_us());
  socket_retire(s);
  if (h->client == s) {
    h->doomed = 1;
    if (!h->depth) host_free(h);
    return;
  }
  if (!h->depth) {
    csctp_link_flush(h->link);
    host_reap(h);
  }
}

const char *csctp_socket_remote(const csctp_socket *s, char *buf, size_t cap) {
  char a[80];
  csctp_link_addr_str(&s->peer, a, sizeof(a));
  snprintf(buf, cap, "%s sctp %u", a, s->peer_port);
  return buf;
}

int csctp_socket_get_stats_versioned(const csctp_socket *s, int stats_version, csctp_stats *st) {
  if (!s) return CSCTP_ERR_INVALID_ARGUMENT;
  if (s->a) return csctp_assoc_get_stats_versioned(s->a, stats_version, st);
  return csctp_versioned_out(st, csctp_stats_size(stats_version), &s->last_stats);
}

uint32_t csctp_socket_pmtu(const csctp_socket *s) {
  if (!s) return 0;
  return s->a ? csctp_assoc_get_pmtu(s->a) : s->last_pmtu;
}

uint16_t csctp_socket_outbound_streams(const csctp_socket *s) {
  uint16_t in = 0, out = 0;
  if (s->a) csctp_assoc_get_stream_counts(s->a, &in, &out);
  return out;
}

uint16_t csctp_socket_inbound_streams(const csctp_socket *s) {
  uint16_t in = 0, out = 0;
  if (s->a) csctp_assoc_get_stream_counts(s->a, &in, &out);
  return in;
}

/* ---------------------------------------------------------------- public: servers */

int csctp_server_new(GMainContext *ctx, const csctp_server_events *events, void *user_data,
                     csctp_server **ps) {
  csctp_server *srv = g_new0(csctp_server, 1);
  if (events) srv->ev = *events;
  srv->ud = user_data;
  srv->ctx = ctx;
  *ps = srv;
  return 0;
}

int csctp_server_listen_versioned(csctp_server *srv, int opts_version, const csctp_connect_opts *uo,
                                  char **err_msg) {
  if (err_msg) *err_msg = NULL;
  csctp_connect_opts buf;
  const csctp_connect_opts *o = csctp_versioned_in(uo, csctp_host_opts_size(opts_version), &buf,
                                                   sizeof buf, csctp_host_opts_default);
  if (!srv || !o) return CSCTP_ERR_INVALID_ARGUMENT;
  if (srv->h) return CSCTP_ERR_INVALID_STATE;
  host *h;
  int rv = host_new(&h, srv->ctx, o, 1, o->local_port ? o->local_port : 5000, NULL, err_msg);
  if (rv) {
    if (srv->ev.error) srv->ev.error(srv, rv, err_msg && *err_msg ? *err_msg : "listen", srv->ud);
    return rv;
  }
  h->srv = srv;
  srv->h = h;
  return 0;
}

size_t csctp_server_connections(const csctp_server *srv) {
  return srv->h ? g_hash_table_size(srv->h->socks) : 0;
}

uint16_t csctp_server_udp_port(const csctp_server *srv) {
  return srv->h ? csctp_link_udp_port(srv->h->link) : 0;
}

void csctp_server_del(csctp_server *srv) {
  if (!srv) return;
  if (!srv->h) {
    g_free(srv);
    return;
  }
  host *h = srv->h;
  srv->ev.connection = NULL;
  srv->ev.error = NULL;
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, h->socks);
  while (g_hash_table_iter_next(&it, &k, &v))
    memset(&((csctp_socket *)v)->ev, 0, sizeof(csctp_socket_events));
  host_free(h); /* frees srv too (now or when the dispatch unwinds) */
}
