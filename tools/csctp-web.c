/*
 * csctp-web: the browser demo. Serves a page on http://127.0.0.1:8080 and
 * answers its WebRTC offers (one HTTP POST /offer per visitor, complete
 * descriptions, no outside service); each visitor gets its own csctp_peer on
 * the one main context, with two channels: "chat" (text echoed as
 * "echo: ...") and "file" (binary echoed back, for the page's round trip
 * with progress bars and throughput).
 *
 *   csctp-web [--port N] [--bind IP] [--assets DIR] [--exit-on-result] [--timeout S]
 *
 * --exit-on-result (what `./dev demo` uses in CI): the page, opened with
 * ?auto=MiB, round-trips a random file of that size and POSTs its report to
 * /result; the program prints it and exits 0 when the round trip matched,
 * 1 otherwise or after --timeout seconds (default 120).
 */
#include <libsoup/soup.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csctp/peer.h>

#include "peer_tool.h"

#ifndef CSCTP_DEMO_DIR
#define CSCTP_DEMO_DIR "tools/demo"
#endif

typedef struct web {
  GMainLoop *loop;
  const char *assets;
  int exit_on_result;
  int status;
  unsigned next_id;
} web;

typedef struct session {
  web *w;
  unsigned id;
  csctp_peer *peer;
  SoupServerMessage *msg; /* the /offer request, paused until our answer is ready */
  int answered;
  GQueue backlog; /* echoes the send buffer refused: GBytes with the channel in front */
  guint timer;
  csctp_dc_channel chat, file;
  uint64_t file_bytes;
} session;

typedef struct echo {
  csctp_dc_channel ch;
  GBytes *data;
} echo;

static void respond(SoupServerMessage *msg, guint status, const char *type, const char *body,
                    size_t len) {
  soup_server_message_set_status(msg, status, NULL);
  soup_server_message_set_response(msg, type, SOUP_MEMORY_COPY, body, len);
}

static void session_answer(session *s, int ok) {
  if (!s->msg) return;
  static char sdp[CSCTP_SDP_TEXT_MAX];
  csctp_ssize n = ok ? csctp_peer_create_answer(s->peer, sdp, sizeof sdp) : -1;
  if (n > 0) {
    respond(s->msg, 200, "application/sdp", sdp, (size_t)n);
  } else {
    const char *e = "no answer";
    respond(s->msg, 500, "text/plain", e, strlen(e));
  }
  s->answered = 1;
  soup_server_message_unpause(s->msg);
  g_object_unref(s->msg);
  s->msg = NULL;
}

static void echo_free(gpointer p) {
  echo *e = p;
  g_bytes_unref(e->data);
  g_free(e);
}

static void session_free(session *s) {
  session_answer(s, 0);
  if (s->timer) g_source_remove(s->timer);
  g_queue_clear_full(&s->backlog, echo_free);
  g_free(s);
}

static void backlog_drain(session *s) {
  echo *e;
  while ((e = g_queue_peek_head(&s->backlog))) {
    gsize len;
    const void *d = g_bytes_get_data(e->data, &len);
    int rv = csctp_peer_send(s->peer, e->ch, 0, d, len);
    if (rv == CSCTP_ERR_WOULD_BLOCK) return;
    g_queue_pop_head(&s->backlog);
    echo_free(e);
  }
}

static gboolean backlog_tick(gpointer data) {
  session *s = data;
  backlog_drain(s);
  if (!g_queue_is_empty(&s->backlog)) return G_SOURCE_CONTINUE;
  s->timer = 0;
  return G_SOURCE_REMOVE;
}

static void echo_binary(session *s, csctp_dc_channel ch, const uint8_t *d, size_t len) {
  if (g_queue_is_empty(&s->backlog) && csctp_peer_send(s->peer, ch, 0, d, len) == 0) return;
  echo *e = g_new0(echo, 1);
  e->ch = ch;
  e->data = g_bytes_new(d, len);
  g_queue_push_tail(&s->backlog, e);
  if (!s->timer) s->timer = g_timeout_add(5, backlog_tick, s);
}

static void on_channel(session *s, const csctp_dc_event *ev) {
  switch (ev->type) {
  case CSCTP_DC_EVENT_OPEN:
    tool_log("csctp-web: visitor %u: channel \"%s\" open", s->id, ev->u.open.label);
    if (!strcmp(ev->u.open.label, "chat")) s->chat = ev->channel;
    if (!strcmp(ev->u.open.label, "file")) {
      s->file = ev->channel;
      csctp_peer_set_buffered_amount_low(s->peer, ev->channel, 1u << 20);
    }
    break;
  case CSCTP_DC_EVENT_MESSAGE:
    if (ev->channel == s->chat && ev->u.message.is_text) {
      GString *r = g_string_new("echo: ");
      g_string_append_len(r, (const char *)ev->u.message.data, (gssize)ev->u.message.len);
      csctp_peer_send(s->peer, ev->channel, 1, r->str, r->len);
      tool_log("csctp-web: visitor %u says \"%s\"", s->id, r->str + 6);
      g_string_free(r, TRUE);
    } else if (ev->channel == s->file && !ev->u.message.is_text) {
      s->file_bytes += ev->u.message.len;
      echo_binary(s, ev->channel, ev->u.message.data, ev->u.message.len);
    }
    break;
  case CSCTP_DC_EVENT_BUFFERED_AMOUNT_LOW: backlog_drain(s); break;
  default: break;
  }
}

static void on_peer(csctp_peer *peer, const csctp_peer_event *ev, void *user_data) {
  session *s = user_data;
  switch (ev->type) {
  case CSCTP_PEER_EVENT_CANDIDATE:
    if (!*ev->u.candidate && !s->answered) session_answer(s, 1);
    break;
  case CSCTP_PEER_EVENT_STATE:
    tool_log("csctp-web: visitor %u: %s%s%s", s->id, csctp_peer_state_name(ev->u.state.state),
             ev->u.state.error ? ": " : "",
             ev->u.state.error ? csctp_strerror(ev->u.state.error) : "");
    if (ev->u.state.state == CSCTP_PEER_STATE_CLOSED ||
        ev->u.state.state == CSCTP_PEER_STATE_FAILED) {
      tool_log("csctp-web: visitor %u: %llu file bytes echoed", s->id,
               (unsigned long long)s->file_bytes);
      csctp_peer_del(peer); /* allowed in the callback */
      session_free(s);
    }
    break;
  case CSCTP_PEER_EVENT_CHANNEL: on_channel(s, ev->u.channel); break;
  }
}

static void handle_offer(SoupServer *server, SoupServerMessage *msg, const char *path,
                         GHashTable *query, gpointer user_data) {
  (void)server;
  (void)path;
  (void)query;
  web *w = user_data;
  if (strcmp(soup_server_message_get_method(msg), "POST") != 0) {
    respond(msg, 405, "text/plain", "POST an offer", 13);
    return;
  }
  GBytes *body = soup_message_body_flatten(soup_server_message_get_request_body(msg));
  gsize len;
  const char *sdp = g_bytes_get_data(body, &len);
  session *s = g_new0(session, 1);
  s->w = w;
  s->id = ++w->next_id;
  g_queue_init(&s->backlog);
  csctp_peer_config cfg;
  csctp_peer_config_default(&cfg);
  cfg.on_event = on_peer;
  cfg.user_data = s;
  cfg.include_loopback = 1;
  tool_log_setup(&cfg.log, &cfg.log_user_data, &cfg.log_mask);
  csctp_sdp_error e = {0};
  int rv = csctp_peer_new(&s->peer, NULL, &cfg);
  if (!rv) {
    rv = csctp_peer_set_remote_description(s->peer, CSCTP_PEER_SDP_OFFER, sdp ? sdp : "", len, &e);
  }
  g_bytes_unref(body);
  if (rv) {
    char text[300];
    int n = snprintf(text, sizeof text, "offer refused: %s %s", csctp_strerror(rv), e.message);
    tool_log("csctp-web: %s", text);
    respond(msg, 400, "text/plain", text, (size_t)n);
    csctp_peer_del(s->peer);
    s->peer = NULL;
    session_free(s);
    return;
  }
  tool_log("csctp-web: visitor %u: offer received", s->id);
  s->msg = g_object_ref(msg);
  soup_server_message_pause(msg);
  if (csctp_peer_gathering_done(s->peer)) session_answer(s, 1);
}

static void handle_result(SoupServer *server, SoupServerMessage *msg, const char *path,
                          GHashTable *query, gpointer user_data) {
  (void)server;
  (void)path;
  (void)query;
  web *w = user_data;
  GBytes *body = soup_message_body_flatten(soup_server_message_get_request_body(msg));
  gsize len;
  const char *text = g_bytes_get_data(body, &len);
  printf("csctp-web: page result: %.*s\n", (int)len, text ? text : "");
  fflush(stdout);
  int ok = text && g_strstr_len(text, (gssize)len, "\"ok\":true") != NULL;
  g_bytes_unref(body);
  respond(msg, 200, "text/plain", "thanks", 6);
  if (w->exit_on_result) {
    w->status = ok ? 0 : 1;
    g_main_loop_quit(w->loop);
  }
}

static void handle_page(SoupServer *server, SoupServerMessage *msg, const char *path,
                        GHashTable *query, gpointer user_data) {
  (void)server;
  (void)query;
  web *w = user_data;
  if (strcmp(path, "/") != 0 && strcmp(path, "/index.html") != 0) {
    respond(msg, 404, "text/plain", "not found", 9);
    return;
  }
  char *file = g_build_filename(w->assets, "index.html", NULL);
  char *data = NULL;
  gsize len = 0;
  if (g_file_get_contents(file, &data, &len, NULL)) {
    respond(msg, 200, "text/html; charset=utf-8", data, len);
  } else {
    respond(msg, 500, "text/plain", "index.html missing (--assets)", 29);
  }
  g_free(data);
  g_free(file);
}

static gboolean on_timeout(gpointer data) {
  web *w = data;
  fprintf(stderr, "csctp-web: no result from the page in time\n");
  w->status = 1;
  g_main_loop_quit(w->loop);
  return G_SOURCE_REMOVE;
}

int main(int argc, char **argv) {
  web w = {0};
  w.assets = CSCTP_DEMO_DIR;
  unsigned port = 8080, timeout = 120;
  const char *bind = "127.0.0.1";
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--port") && i + 1 < argc)
      port = (unsigned)atoi(argv[++i]);
    else if (!strcmp(argv[i], "--bind") && i + 1 < argc)
      bind = argv[++i];
    else if (!strcmp(argv[i], "--assets") && i + 1 < argc)
      w.assets = argv[++i];
    else if (!strcmp(argv[i], "--exit-on-result"))
      w.exit_on_result = 1;
    else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
      timeout = (unsigned)atoi(argv[++i]);
    else {
      fprintf(stderr,
              "usage: csctp-web [--port N] [--bind IP] [--assets DIR] [--exit-on-result] "
              "[--timeout S]\n");
      return 2;
    }
  }
  w.loop = g_main_loop_new(NULL, FALSE);
  SoupServer *server = soup_server_new("server-header", "csctp-web", NULL);
  soup_server_add_handler(server, "/offer", handle_offer, &w, NULL);
  soup_server_add_handler(server, "/result", handle_result, &w, NULL);
  soup_server_add_handler(server, NULL, handle_page, &w, NULL);
  GError *err = NULL;
  GInetAddress *ia = g_inet_address_new_from_string(bind);
  GSocketAddress *sa = ia ? g_inet_socket_address_new(ia, (guint16)port) : NULL;
  if (!sa || !soup_server_listen(server, sa, 0, &err)) {
    fprintf(stderr, "csctp-web: cannot listen on %s:%u: %s\n", bind, port,
            err ? err->message : "bad address");
    return 1;
  }
  printf("csctp-web: open http://%s:%u/ in a browser (Ctrl-C to stop)\n", bind, port);
  fflush(stdout);
  if (w.exit_on_result) g_timeout_add_seconds(timeout, on_timeout, &w);
  g_main_loop_run(w.loop);
  g_object_unref(sa);
  g_object_unref(ia);
  g_object_unref(server);
  g_main_loop_unref(w.loop);
  return w.status;
}
