/* SPDX-License-Identifier: MIT */
/*
 * peer_websocket: a WebRTC data-channel peer and its WebSocket signalling
 * server in one GLib program.
 *
 * libsoup 3 serves a page (index.html and app.js, from this folder) and a
 * WebSocket at /ws. Browsers exchange their offers, answers and ICE
 * candidates through it as small JSON messages:
 *
 *   server -> page  {"type":"ready","role":"offerer"|"answerer"}   start
 *                   {"type":"wait"}                                  (relay) alone in the room
 *                   {"type":"bye"}                                   (relay) the other page left
 *   both ways       {"type":"offer"|"answer","sdp":"v=0..."}
 *                   {"type":"candidate","candidate":"candidate:..."} ("" = no more)
 *   page -> server  {"type":"result","ok":true,"detail":"..."}      what the page saw
 *
 * Two modes:
 *   peer_websocket [--port 8080]   every page talks to the C program: a
 *                                  csctp_peer per page, in this process, on
 *                                  the same GMainContext as the server,
 *                                  answering the page's offer and echoing
 *                                  every message of its data channels.
 *   peer_websocket --relay         the server only relays: two pages opened
 *                                  with the same ?room=NAME talk to each
 *                                  other (the first offers, the second echoes).
 *
 * Other options: --bind IP (default 127.0.0.1), --assets DIR, and for tests
 * --test N (exit 0 and print PASS after N pages reported success, 1 at the
 * first failure) with --timeout S (default 60). --port 0 picks a free port;
 * the first line printed names the URL.
 */
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csctp/peer.h>

#ifndef PEER_WEBSOCKET_DIR
#define PEER_WEBSOCKET_DIR "."
#endif

#define MAX_CLIENTS 64         /* open WebSockets; more are refused with 403 */
#define MAX_SIGNAL (64 * 1024) /* largest signalling message (an SDP is a few KiB) */

typedef struct client client;

typedef struct app {
  GMainLoop *loop;
  const char *assets;
  int relay;
  GList *clients;      /* every connected page */
  GHashTable *waiting; /* relay: room name -> the page alone in it */
  unsigned n_clients, next_id;
  unsigned test_goal, test_passed; /* --test N */
  int status;
} app;

struct client {
  app *app;
  unsigned id;
  SoupWebsocketConnection *ws;
  char *room;       /* relay: the room's name */
  int in_waiting;   /* relay: listed in app->waiting */
  client *partner;  /* relay: the other page of the room */
  csctp_peer *peer; /* C mode: our end of this page's connection */
  int answered;     /* C mode: our answer is sent, trickle candidates now */
};

/* ------------------------------------------------------------ signalling out */

/* Sending on a WebSocket that is closing is a programming error in libsoup. */
static int ws_is_open(client *c) {
  return soup_websocket_connection_get_state(c->ws) == SOUP_WEBSOCKET_STATE_OPEN;
}

/* Sends {"k1":"v1","k2":"v2",...} (string members, NULL-terminated list). */
static void send_json(client *c, const char *key, ...) {
  if (!ws_is_open(c)) return;
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  va_list ap;
  va_start(ap, key);
  for (const char *k = key; k; k = va_arg(ap, const char *)) {
    json_builder_set_member_name(b, k);
    json_builder_add_string_value(b, va_arg(ap, const char *));
  }
  va_end(ap);
  json_builder_end_object(b);
  JsonNode *root = json_builder_get_root(b);
  char *text = json_to_string(root, FALSE);
  soup_websocket_connection_send_text(c->ws, text);
  g_free(text);
  json_node_unref(root);
  g_object_unref(b);
}

/* ------------------------------------------------------------ the C peer */

/* The library's log lines (CSCTP_DEBUG=peer:info,sctp:warn or `*`), on the main context too. */
static void on_log(uint32_t category, csctp_log_level level, const char *text, void *user_data) {
  (void)category;
  (void)user_data;
  g_printerr("csctp %s: %s\n", csctp_log_level_name(level), text);
}

/* Everything the peer reports arrives here, on the main context, never from
 * inside another thread: the callback may call any csctp_peer_* function. */
static void on_peer_event(csctp_peer *peer, const csctp_peer_event *ev, void *user_data) {
  client *c = user_data;
  if (ev->type == CSCTP_PEER_EVENT_CANDIDATE) {
    /* Candidates gathered before the answer are written into it; later ones
     * are trickled ("" = gathering complete). */
    if (c->answered) send_json(c, "type", "candidate", "candidate", ev->u.candidate, NULL);
  } else if (ev->type == CSCTP_PEER_EVENT_STATE) {
    csctp_peer_state st = ev->u.state.state;
    g_print("page %u: %s%s%s\n", c->id, csctp_peer_state_name(st), ev->u.state.error ? ": " : "",
            ev->u.state.error ? csctp_strerror(ev->u.state.error) : "");
    if (st == CSCTP_PEER_STATE_FAILED || st == CSCTP_PEER_STATE_CLOSED) {
      csctp_peer_del(peer); /* allowed inside its own callback */
      c->peer = NULL;
    }
  } else if (ev->type == CSCTP_PEER_EVENT_CHANNEL) {
    const csctp_dc_event *dc = ev->u.channel;
    if (dc->type == CSCTP_DC_EVENT_OPEN) {
      g_print("page %u: channel \"%s\" open\n", c->id, dc->u.open.label);
    } else if (dc->type == CSCTP_DC_EVENT_MESSAGE) {
      /* Echo: same channel, same kind (text or binary), same bytes. The data
       * is only valid during this callback; csctp_peer_send() copies it. A
       * full send buffer gives CSCTP_ERR_WOULD_BLOCK: an application sending
       * much would queue and resume on CSCTP_DC_EVENT_BUFFERED_AMOUNT_LOW. */
      int rv = csctp_peer_send(peer, dc->channel, dc->u.message.is_text, dc->u.message.data,
                               dc->u.message.len);
      g_print("page %u: %s message of %zu bytes echoed%s%s\n", c->id,
              dc->u.message.is_text ? "text" : "binary", dc->u.message.len, rv ? ": " : "",
              rv ? csctp_strerror(rv) : "");
    }
  }
}

/* The page's offer: create our peer, apply the offer, answer at once. */
static void peer_answer_offer(client *c, const char *sdp) {
  if (c->peer || !sdp) return; /* one connection per page */
  csctp_peer_config cfg;
  csctp_peer_config_default(&cfg);
  cfg.on_event = on_peer_event;
  cfg.user_data = c;
  cfg.include_loopback = 1; /* the browser may be on this machine */
  cfg.log = on_log;
  cfg.log_mask = csctp_log_mask_parse(getenv("CSCTP_DEBUG"));
  csctp_log_levels_parse(getenv("CSCTP_DEBUG"), cfg.log_levels);
  /* NULL: the default GMainContext, the one libsoup and g_main_loop_run() use. */
  int rv = csctp_peer_new(&c->peer, NULL, &cfg);
  if (rv) {
    g_printerr("page %u: no peer: %s\n", c->id, csctp_strerror(rv));
    c->peer = NULL;
    return;
  }
  csctp_sdp_error err = {0};
  rv = csctp_peer_set_remote_description(c->peer, CSCTP_PEER_SDP_OFFER, sdp, strlen(sdp), &err);
  char *answer = g_malloc(CSCTP_SDP_TEXT_MAX);
  csctp_ssize n = rv ? rv : csctp_peer_create_answer(c->peer, answer, CSCTP_SDP_TEXT_MAX);
  if (n < 0) {
    g_printerr("page %u: offer refused: %s %s\n", c->id, csctp_strerror((int)n), err.message);
    csctp_peer_del(c->peer);
    c->peer = NULL;
  } else {
    send_json(c, "type", "answer", "sdp", answer, NULL);
    c->answered = 1;
  }
  g_free(answer);
}

/* ------------------------------------------------------------ signalling in */

/* Members of a message from the network, which may have any shape: a string
 * member or NULL, a boolean member or 0 (json-glib's getters warn on others). */
static const char *str_member(JsonObject *o, const char *name) {
  JsonNode *n = json_object_get_member(o, name);
  return n && json_node_get_value_type(n) == G_TYPE_STRING ? json_node_get_string(n) : NULL;
}

static int true_member(JsonObject *o, const char *name) {
  JsonNode *n = json_object_get_member(o, name);
  return n && json_node_get_value_type(n) == G_TYPE_BOOLEAN && json_node_get_boolean(n);
}

static void on_result(client *c, JsonObject *o) {
  app *a = c->app;
  int ok = true_member(o, "ok");
  const char *text = str_member(o, "detail");
  /* The detail comes from the network: printed escaped, never as is. */
  char *detail = g_strescape(text ? text : "", NULL);
  g_print("page %u: result: %s: %.300s\n", c->id, ok ? "ok" : "FAILED", detail);
  g_free(detail);
  if (!a->test_goal) return;
  if (!ok) {
    g_print("FAIL\n");
    a->status = 1;
    g_main_loop_quit(a->loop);
  } else if (++a->test_passed == a->test_goal) {
    g_print("PASS\n");
    a->status = 0;
    g_main_loop_quit(a->loop);
  }
}

static void on_ws_message(SoupWebsocketConnection *ws, gint kind, GBytes *message, gpointer data) {
  client *c = data;
  (void)ws;
  if (kind != SOUP_WEBSOCKET_DATA_TEXT) return;
  gsize len;
  const char *text = g_bytes_get_data(message, &len);
  JsonParser *parser = json_parser_new();
  JsonNode *root = NULL;
  if (json_parser_load_from_data(parser, text, (gssize)len, NULL))
    root = json_parser_get_root(parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_object_unref(parser);
    return; /* not ours: ignored */
  }
  JsonObject *o = json_node_get_object(root);
  const char *type = str_member(o, "type");
  if (!type) type = "";
  if (!strcmp(type, "result")) {
    on_result(c, o);
  } else if (c->app->relay) {
    /* Relay: offers, answers and candidates go, unchanged, to the other page. */
    int known = !strcmp(type, "offer") || !strcmp(type, "answer") || !strcmp(type, "candidate");
    if (known && c->partner && ws_is_open(c->partner)) {
      soup_websocket_connection_send_message(c->partner->ws, kind, message);
    }
  } else if (!strcmp(type, "offer")) {
    peer_answer_offer(c, str_member(o, "sdp"));
  } else if (!strcmp(type, "candidate") && c->peer) {
    /* "" ends the page's candidates; mDNS names (.local) are ignored. */
    const char *cand = str_member(o, "candidate");
    if (cand) csctp_peer_add_remote_candidate(c->peer, cand);
  }
  g_object_unref(parser);
}

static void client_free(client *c) {
  app *a = c->app;
  csctp_peer_del(c->peer); /* NULL is fine */
  if (c->in_waiting) g_hash_table_remove(a->waiting, c->room);
  if (c->partner) {
    c->partner->partner = NULL;
    send_json(c->partner, "type", "bye", NULL);
  }
  g_signal_handlers_disconnect_by_data(c->ws, c);
  g_object_unref(c->ws);
  a->clients = g_list_remove(a->clients, c);
  a->n_clients--;
  g_free(c->room);
  g_free(c);
}

static void on_ws_closed(SoupWebsocketConnection *ws, gpointer data) {
  client *c = data;
  (void)ws;
  g_print("page %u: left\n", c->id);
  client_free(c);
}

/* ------------------------------------------------------------ HTTP */

/* Runs before the WebSocket handshake of /ws: setting a status refuses it.
 * A page of another site may open WebSockets to 127.0.0.1 too; only our own
 * page (Origin equal to the Host it asked for) may use the signalling. */
static void on_ws_request(SoupServer *server, SoupServerMessage *msg, const char *path,
                          GHashTable *query, gpointer data) {
  app *a = data;
  (void)server, (void)path, (void)query;
  SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
  const char *origin = soup_message_headers_get_one(h, "Origin");
  const char *host = soup_message_headers_get_one(h, "Host");
  char *expected = g_strconcat("http://", host ? host : "", NULL);
  if (!origin || g_ascii_strcasecmp(origin, expected) || a->n_clients >= MAX_CLIENTS) {
    soup_server_message_set_status(msg, SOUP_STATUS_FORBIDDEN, NULL);
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection",
                                 "close"); /* see on_http() */
  }
  g_free(expected);
}

/* A page connected to /ws. */
static void on_ws_open(SoupServer *server, SoupServerMessage *msg, const char *path,
                       SoupWebsocketConnection *ws, gpointer data) {
  app *a = data;
  (void)server, (void)path;
  client *c = g_new0(client, 1);
  c->app = a;
  c->id = ++a->next_id;
  c->ws = g_object_ref(ws); /* libsoup lets go of it when we return */
  a->n_clients++;
  a->clients = g_list_prepend(a->clients, c);
  soup_websocket_connection_set_max_incoming_payload_size(ws, MAX_SIGNAL);
  g_signal_connect(ws, "message", G_CALLBACK(on_ws_message), c);
  g_signal_connect(ws, "closed", G_CALLBACK(on_ws_closed), c);
  if (!a->relay) {
    g_print("page %u: joined, talks to the C peer\n", c->id);
    send_json(c, "type", "ready", "role", "offerer", NULL);
    return;
  }
  /* Relay: the room is ?room=NAME (default "lobby"); two pages make a pair. */
  const char *q = g_uri_get_query(soup_server_message_get_uri(msg));
  GHashTable *params = q ? g_uri_parse_params(q, -1, "&", G_URI_PARAMS_NONE, NULL) : NULL;
  const char *room = params ? g_hash_table_lookup(params, "room") : NULL;
  c->room = g_strndup(room && *room ? room : "lobby", 64);
  g_strcanon(c->room, G_CSET_a_2_z G_CSET_A_2_Z G_CSET_DIGITS "-_.", '_'); /* printable */
  if (params) g_hash_table_unref(params);
  client *other = g_hash_table_lookup(a->waiting, c->room);
  if (!other) {
    g_hash_table_insert(a->waiting, c->room, c);
    c->in_waiting = 1;
    g_print("page %u: waits in room \"%s\"\n", c->id, c->room);
    send_json(c, "type", "wait", NULL);
    return;
  }
  g_hash_table_remove(a->waiting, c->room);
  other->in_waiting = 0;
  other->partner = c;
  c->partner = other;
  g_print("page %u: joins page %u in room \"%s\"\n", c->id, other->id, c->room);
  send_json(c, "type", "ready", "role", "answerer", NULL);
  send_json(other, "type", "ready", "role", "offerer", NULL);
}

/* The static files: a fixed list, so no path from the request reaches the disk. */
static void on_http(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                    gpointer data) {
  app *a = data;
  (void)server, (void)query;
  static const struct {
    const char *path, *file, *type;
  } files[] = {
      {"/", "index.html", "text/html; charset=utf-8"},
      {"/index.html", "index.html", "text/html; charset=utf-8"},
      {"/app.js", "app.js", "text/javascript; charset=utf-8"},
  };
  /* One request per connection: libsoup 3.2 does not notice a client closing
   * an idle keep-alive connection, which would stay in CLOSE-WAIT for ever. */
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection",
                               "close");
  if (strcmp(soup_server_message_get_method(msg), "GET")) {
    soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
    return;
  }
  for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
    if (strcmp(path, files[i].path)) continue;
    char *name = g_build_filename(a->assets, files[i].file, NULL);
    char *body;
    gsize len;
    if (g_file_get_contents(name, &body, &len, NULL)) {
      soup_server_message_set_response(msg, files[i].type, SOUP_MEMORY_TAKE, body, len);
      soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
    } else {
      soup_server_message_set_status(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
    }
    g_free(name);
    return;
  }
  soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
}

/* ------------------------------------------------------------ main */

static gboolean on_timeout(gpointer data) {
  app *a = data;
  g_print("FAIL: %u of %u pages reported success in time\n", a->test_passed, a->test_goal);
  a->status = 1;
  g_main_loop_quit(a->loop);
  return G_SOURCE_REMOVE;
}

/* A whole decimal number in [lo, hi], or -1. */
static int number(const char *s, int lo, int hi) {
  char *end;
  long v = strtol(s, &end, 10);
  return end != s && !*end && v >= lo && v <= hi ? (int)v : -1;
}

static gboolean on_signal(gpointer data) {
  g_main_loop_quit(((app *)data)->loop);
  return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv) {
  app a = {0};
  a.assets = PEER_WEBSOCKET_DIR;
  int port = 8080, timeout = 60;
  const char *bind_ip = "127.0.0.1";
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(arg, "--relay")) {
      a.relay = 1;
    } else if (!strcmp(arg, "--port") && val) {
      port = number(argv[++i], 0, 65535);
    } else if (!strcmp(arg, "--bind") && val) {
      bind_ip = argv[++i];
    } else if (!strcmp(arg, "--assets") && val) {
      a.assets = argv[++i];
    } else if (!strcmp(arg, "--test") && val) {
      a.test_goal = (unsigned)number(argv[++i], 1, 1000);
    } else if (!strcmp(arg, "--timeout") && val) {
      timeout = number(argv[++i], 1, 86400);
    } else {
      g_printerr(
          "usage: peer_websocket [--port N] [--bind IP] [--relay] [--assets DIR]\n"
          "                      [--test N] [--timeout S]\n");
      return 2;
    }
  }
  if (port < 0 || timeout < 0 || a.test_goal == (unsigned)-1) {
    g_printerr("peer_websocket: bad --port, --test or --timeout\n");
    return 2;
  }

  a.loop = g_main_loop_new(NULL, FALSE);
  a.waiting = g_hash_table_new(g_str_hash, g_str_equal);
  SoupServer *server = soup_server_new("server-header", "peer_websocket ", NULL);
  soup_server_add_handler(server, NULL, on_http, &a, NULL);
  soup_server_add_handler(server, "/ws", on_ws_request, &a, NULL);
  soup_server_add_websocket_handler(server, "/ws", NULL, NULL, on_ws_open, &a, NULL);

  GInetAddress *ip = g_inet_address_new_from_string(bind_ip);
  if (!ip) {
    g_printerr("peer_websocket: --bind needs a numeric address, not \"%s\"\n", bind_ip);
    return 2;
  }
  GSocketAddress *addr = g_inet_socket_address_new(ip, (guint16)port);
  GError *error = NULL;
  if (!soup_server_listen(server, addr, 0, &error)) {
    g_printerr("peer_websocket: cannot listen on %s:%d: %s\n", bind_ip, port, error->message);
    return 1; /* (the process ends: nothing freed) */
  }
  g_object_unref(addr);
  g_object_unref(ip);
  GSList *uris = soup_server_get_uris(server);
  int bound = uris ? g_uri_get_port(uris->data) : port;
  g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
  int v6 = strchr(bind_ip, ':') != NULL;
  g_print("peer_websocket: open http://%s%s%s:%d/ %s\n", v6 ? "[" : "", bind_ip, v6 ? "]" : "",
          bound, a.relay ? "in two tabs (same ?room=NAME to pair them)" : "in a browser");

  if (a.test_goal) g_timeout_add_seconds((guint)timeout, on_timeout, &a);
  g_unix_signal_add(SIGINT, on_signal, &a);
  g_unix_signal_add(SIGTERM, on_signal, &a);
  g_main_loop_run(a.loop);

  while (a.clients) client_free(a.clients->data); /* pages still connected */
  soup_server_disconnect(server);
  g_object_unref(server);
  g_hash_table_unref(a.waiting);
  g_main_loop_unref(a.loop);
  return a.status;
}
