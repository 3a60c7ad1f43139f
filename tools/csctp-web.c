/* SPDX-License-Identifier: MIT */
/*
 * csctp-web: the browser demo. Serves a page on http://127.0.0.1:8080 and
 * answers its WebRTC offers (one HTTP POST /offer per visitor, complete
 * descriptions, no outside service); each visitor gets its own csctp_peer on
 * the one main context, with two channels: "chat" (text echoed as
 * "echo: ...") and "file" (binary echoed back, for the page's round trip
 * with progress, rate, ETA and a SHA-256 check). The page is tools/demo/index.html
 * and the script it loads, tools/demo/progress.js (--assets DIR: another folder).
 *
 *   csctp-web [--port N] [--bind IP] [--assets DIR] [--exit-on-result] [--timeout S]
 *             [--max-connections N] [--max-peers N] [--peer-timeout S]
 *
 * --exit-on-result (what `./dev demo` uses in CI): the page, opened with
 * ?auto=MiB, round-trips a random file of that size and POSTs its report to
 * /result; the program prints it and exits 0 when the round trip matched,
 * 1 otherwise or after --timeout seconds (default 120). --port 0 takes any
 * free port (the line printed at start names it).
 *
 * Whoever reaches the port may be hostile: the HTTP side is web_http.h (its
 * limits are described there; --max-connections, default 256); at most
 * --max-peers visitors have a csctp_peer at once (default 32; 503 past it),
 * each dropped when its browser is not connected within --peer-timeout
 * seconds (default 30), each holding at most WEB_BACKLOG_MAX of echoes (past it
 * echoes are dropped, and the page told by a text message on "file"). Both
 * maxima shrink to fit the descriptor limit (ulimit -n).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <csctp/peer.h>

#include "peer_tool.h"
#include "web_http.h"

#ifndef CSCTP_DEMO_DIR
#define CSCTP_DEMO_DIR "tools/demo"
#endif

#define WEB_BACKLOG_MAX (32u << 20) /* echoes held for one visitor's browser */
#define WEB_FD_RESERVE 16           /* stdio, the listener, GLib's wake-ups, the page file */
#define WEB_FDS_PER_PEER 12         /* ICE sockets on each interface, timers (6-8 measured) */

typedef struct session session;

typedef struct web {
  GMainLoop *loop;
  web_http http;
  const char *assets;
  int exit_on_result;
  int status;
  unsigned next_id;
  unsigned max_peers, peer_timeout, n_sessions;
} web;

struct session {
  web *w;
  unsigned id;
  csctp_peer *peer;
  web_conn *c; /* the /offer request waiting for our answer */
  int answered;
  GQueue backlog; /* echoes the send buffer refused: GBytes with the channel in front */
  size_t backlog_bytes;
  uint64_t backlog_dropped;
  guint timer, deadline;
  csctp_dc_channel chat, file;
  uint64_t file_bytes;
};

typedef struct echo {
  csctp_dc_channel ch;
  int is_text;
  GBytes *data;
} echo;

/* ---------------------------------------------------------------- visitors */

static void session_answer(session *s, int ok) {
  web_conn *c = s->c;
  if (!c) return;
  s->c = NULL;
  c->user = NULL;
  static char sdp[CSCTP_SDP_TEXT_MAX];
  csctp_ssize n = ok ? csctp_peer_create_answer(s->peer, sdp, sizeof sdp) : -1;
  if (n > 0) {
    web_conn_respond(c, 200, "application/sdp", sdp, (size_t)n, NULL);
  } else {
    const char *e = "no answer";
    web_conn_respond(c, 500, "text/plain", e, strlen(e), NULL);
  }
  s->answered = 1;
}

static void echo_free(gpointer p) {
  echo *e = p;
  g_bytes_unref(e->data);
  g_free(e);
}

/* The peer must be gone already (csctp_peer_del). */
static void session_free(session *s) {
  session_answer(s, 0);
  if (s->timer) g_source_remove(s->timer);
  if (s->deadline) g_source_remove(s->deadline);
  g_queue_clear_full(&s->backlog, echo_free);
  s->w->n_sessions--;
  g_free(s);
}

static void session_drop(session *s, const char *why) {
  tool_log("csctp-web: visitor %u: %s: dropped", s->id, why);
  csctp_peer_del(s->peer);
  session_free(s);
}

static gboolean session_expired(gpointer data) {
  session *s = data;
  s->deadline = 0;
  session_drop(s, "browser not connected in time");
  return G_SOURCE_REMOVE;
}

static void backlog_drain(session *s) {
  echo *e;
  while ((e = g_queue_peek_head(&s->backlog))) {
    gsize len;
    const void *d = g_bytes_get_data(e->data, &len);
    int rv = csctp_peer_send(s->peer, e->ch, e->is_text, d, len);
    if (rv == CSCTP_ERR_WOULD_BLOCK) return;
    g_queue_pop_head(&s->backlog);
    s->backlog_bytes -= len;
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

static void backlog_push(session *s, csctp_dc_channel ch, int is_text, const void *d, size_t len) {
  echo *e = g_new0(echo, 1);
  e->ch = ch;
  e->is_text = is_text;
  e->data = g_bytes_new(d, len);
  s->backlog_bytes += len;
  g_queue_push_tail(&s->backlog, e);
  if (!s->timer) s->timer = g_timeout_add(5, backlog_tick, s);
}

static void echo_binary(session *s, csctp_dc_channel ch, const uint8_t *d, size_t len) {
  if (g_queue_is_empty(&s->backlog) && csctp_peer_send(s->peer, ch, 0, d, len) == 0) return;
  if (len > WEB_BACKLOG_MAX - s->backlog_bytes) {
    if (s->backlog_dropped++ == 0) {
      char text[160];
      int n = snprintf(text, sizeof text,
                       "dropping echoes: over %u bytes waiting for the browser to take them",
                       WEB_BACKLOG_MAX);
      tool_log("csctp-web: visitor %u: %s", s->id, text);
      /* The page shows text on "file" as the reason its round trip cannot complete; it goes
       * after the echoes held, past the limit (once). */
      backlog_push(s, ch, 1, text, (size_t)n);
    }
    return;
  }
  backlog_push(s, ch, 0, d, len);
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
      tool_log("csctp-web: visitor %u says \"%.200s\"", s->id, r->str + 6);
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
    if (ev->u.state.state == CSCTP_PEER_STATE_CONNECTED && s->deadline) {
      g_source_remove(s->deadline);
      s->deadline = 0;
    }
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

/* ---------------------------------------------------------------- requests */

static void handle_offer(web_conn *c, const char *sdp, size_t len) {
  web *w = c->h->user_data;
  if (w->n_sessions >= w->max_peers) {
    char text[96];
    int n =
        snprintf(text, sizeof text, "busy: %u visitors connected, try again later", w->n_sessions);
    tool_log("csctp-web: offer refused: %s", text);
    web_conn_respond(c, 503, "text/plain", text, (size_t)n, "Retry-After: 5\r\n");
    return;
  }
  session *s = g_new0(session, 1);
  s->w = w;
  s->id = ++w->next_id;
  g_queue_init(&s->backlog);
  w->n_sessions++;
  csctp_peer_config cfg;
  csctp_peer_config_default(&cfg);
  cfg.on_event = on_peer;
  cfg.user_data = s;
  cfg.include_loopback = 1;
  tool_log_setup(&cfg.log, &cfg.log_user_data, &cfg.log_mask, cfg.log_levels);
  csctp_sdp_error e = {0};
  int rv = csctp_peer_new(&s->peer, NULL, &cfg);
  if (rv) {
    char text[128];
    int n = snprintf(text, sizeof text, "cannot take a visitor now: %s", csctp_strerror(rv));
    tool_log("csctp-web: %s", text);
    s->peer = NULL;
    session_free(s);
    web_conn_respond(c, 503, "text/plain", text, (size_t)n, "Retry-After: 5\r\n");
    return;
  }
  rv = csctp_peer_set_remote_description(s->peer, CSCTP_PEER_SDP_OFFER, sdp, len, &e);
  if (rv) {
    char text[300];
    int n = snprintf(text, sizeof text, "offer refused: %s %s", csctp_strerror(rv), e.message);
    tool_log("csctp-web: %s", text);
    csctp_peer_del(s->peer);
    session_free(s);
    web_conn_respond(c, 400, "text/plain", text, (size_t)n, NULL);
    return;
  }
  tool_log("csctp-web: visitor %u: offer received", s->id);
  s->deadline = g_timeout_add_seconds(w->peer_timeout, session_expired, s);
  s->c = c;
  c->user = s;
  web_conn_wait(c); /* answered once gathering is done */
  if (csctp_peer_gathering_done(s->peer)) session_answer(s, 1);
}

static void handle_result(web_conn *c, const char *text, size_t len) {
  web *w = c->h->user_data;
  /* The report is printed: only printable ASCII of it. */
  char *clean = g_strndup(text, len);
  for (char *p = clean; *p; p++) {
    if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) *p = '?';
  }
  printf("csctp-web: page result: %s\n", clean);
  fflush(stdout);
  int ok = strstr(clean, "\"ok\":true") != NULL;
  g_free(clean);
  web_conn_respond(c, 200, "text/plain", "thanks", 6, NULL);
  if (w->exit_on_result) {
    w->status = ok ? 0 : 1;
    g_main_loop_quit(w->loop);
  }
}

/* The page's files, from --assets: index.html and the script it loads. */
static void handle_asset(web_conn *c, const char *name, const char *type) {
  char *file = g_build_filename(((web *)c->h->user_data)->assets, name, NULL);
  char *data = NULL;
  gsize len = 0;
  if (g_file_get_contents(file, &data, &len, NULL)) {
    web_conn_respond(c, 200, type, data, len, NULL);
  } else {
    char text[96];
    int n = snprintf(text, sizeof text, "%s missing (--assets)", name);
    web_conn_respond(c, 500, "text/plain", text, (size_t)n, NULL);
  }
  g_free(data);
  g_free(file);
}

/* A request left waiting for a visitor's answer goes unanswered: the visitor
 * cannot connect without it. */
static void on_abandon(web_conn *c, void *user_data) {
  (void)user_data;
  session *s = c->user;
  if (!s) return;
  s->c = NULL;
  c->user = NULL;
  session_drop(s, "no answer sent");
}

static void on_request(web_conn *c, void *user_data) {
  (void)user_data;
  const char *body = c->body, *path = c->path;
  int post = !strcmp(c->method, "POST"), get = !strcmp(c->method, "GET");
  if (!strcmp(path, "/offer")) {
    if (post)
      handle_offer(c, body, c->body_len);
    else
      web_conn_respond(c, 405, "text/plain", "POST an offer", 13, "Allow: POST\r\n");
  } else if (!strcmp(path, "/result")) {
    if (post)
      handle_result(c, body, c->body_len);
    else
      web_conn_respond(c, 405, "text/plain", "POST a result", 13, "Allow: POST\r\n");
  } else if (!strcmp(path, "/") || !strcmp(path, "/index.html") || !strcmp(path, "/progress.js")) {
    if (!get)
      web_conn_respond(c, 405, "text/plain", "GET the page", 12, "Allow: GET\r\n");
    else if (!strcmp(path, "/progress.js"))
      handle_asset(c, "progress.js", "text/javascript; charset=utf-8");
    else
      handle_asset(c, "index.html", "text/html; charset=utf-8");
  } else {
    web_conn_respond(c, 404, "text/plain", "not found", 9, NULL);
  }
}

/* Fits the two maxima into the descriptor limit: half of what is left after a
 * reserve for connections, the rest for visitors' peers. */
static void web_fit_limits(web *w) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return;
  long budget = (long)rl.rlim_cur - WEB_FD_RESERVE;
  if (budget < 8) budget = 8;
  unsigned conns = (unsigned)(budget / 2), peers = (unsigned)(budget / 2 / WEB_FDS_PER_PEER);
  if (peers < 1) peers = 1;
  if (w->http.max_conns > conns || w->max_peers > peers) {
    if (w->http.max_conns > conns) w->http.max_conns = conns;
    if (w->max_peers > peers) w->max_peers = peers;
    tool_log("csctp-web: %llu file descriptors: at most %u connections and %u visitors",
             (unsigned long long)rl.rlim_cur, w->http.max_conns, w->max_peers);
  }
}

static gboolean on_timeout(gpointer data) {
  web *w = data;
  fprintf(stderr, "csctp-web: no result from the page in time\n");
  w->status = 1;
  g_main_loop_quit(w->loop);
  return G_SOURCE_REMOVE;
}

static int parse_count(const char *s, unsigned lo, unsigned hi, unsigned *out) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) return -1;
  *out = (unsigned)v;
  return 0;
}

int main(int argc, char **argv) {
  web w = {0};
  w.assets = CSCTP_DEMO_DIR; /* see the CSCTP_DEMO_INSTALLED_DIR fallback below */
  web_http_init(&w.http);
  w.http.on_request = on_request;
  w.http.on_abandon = on_abandon;
  w.http.user_data = &w;
  w.http.max_conns = 256;
  w.max_peers = 32;
  w.peer_timeout = 30;
  unsigned port = 8080, timeout = 120;
  const char *bind_ip = "127.0.0.1";
  int assets_given = 0;
  for (int i = 1; i < argc; i++) {
    int bad = 0;
    if (!strcmp(argv[i], "--port") && i + 1 < argc)
      bad = parse_count(argv[++i], 0, 65535, &port);
    else if (!strcmp(argv[i], "--bind") && i + 1 < argc)
      bind_ip = argv[++i];
    else if (!strcmp(argv[i], "--assets") && i + 1 < argc)
      w.assets = argv[++i], assets_given = 1;
    else if (!strcmp(argv[i], "--exit-on-result"))
      w.exit_on_result = 1;
    else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
      bad = parse_count(argv[++i], 1, 86400, &timeout);
    else if (!strcmp(argv[i], "--max-connections") && i + 1 < argc)
      bad = parse_count(argv[++i], 1, 65536, &w.http.max_conns);
    else if (!strcmp(argv[i], "--max-peers") && i + 1 < argc)
      bad = parse_count(argv[++i], 1, 65536, &w.max_peers);
    else if (!strcmp(argv[i], "--peer-timeout") && i + 1 < argc)
      bad = parse_count(argv[++i], 1, 86400, &w.peer_timeout);
    else
      bad = 1;
    if (bad) {
      fprintf(stderr,
              "usage: csctp-web [--port N] [--bind IP] [--assets DIR] [--exit-on-result] "
              "[--timeout S]\n"
              "                 [--max-connections N] [--max-peers N] [--peer-timeout S]\n");
      return 2;
    }
  }
#ifndef CSCTP_DEMO_INSTALLED_DIR
  (void)assets_given;
#else
  /* Not given: the source tree's page when it is there, else the installed one. */
  if (!assets_given) {
    char *index = g_build_filename(CSCTP_DEMO_DIR, "index.html", NULL);
    if (!g_file_test(index, G_FILE_TEST_IS_REGULAR)) w.assets = CSCTP_DEMO_INSTALLED_DIR;
    g_free(index);
  }
#endif
  signal(SIGPIPE, SIG_IGN);
  g_set_prgname("csctp-web");
  web_fit_limits(&w);
  w.loop = g_main_loop_new(NULL, FALSE);
  unsigned bound = 0;
  if (web_http_listen(&w.http, bind_ip, port, &bound) != 0) {
    fprintf(stderr, "csctp-web: cannot listen on %s:%u: %s\n", bind_ip, port, g_strerror(errno));
    return 1;
  }
  printf("csctp-web: open http://%s%s%s:%u/ in a browser (Ctrl-C to stop)\n",
         strchr(bind_ip, ':') ? "[" : "", bind_ip, strchr(bind_ip, ':') ? "]" : "", bound);
  fflush(stdout);
  if (w.exit_on_result) g_timeout_add_seconds(timeout, on_timeout, &w);
  g_main_loop_run(w.loop);
  web_http_free(&w.http);
  g_main_loop_unref(w.loop);
  return w.status;
}
