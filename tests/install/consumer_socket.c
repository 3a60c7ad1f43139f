/* SPDX-License-Identifier: MIT */
/* Consumer of the installed socket API (csctp-socket.pc, csctp::csctp_socket):
 * a server on 127.0.0.1 over UDP encapsulation (RFC 6951, any free UDP port),
 * a client connects to it and one message goes across; then both close. */
#include <csctp/socket.h>
#include <stdio.h>
#include <string.h>

typedef struct run {
  GMainLoop *loop;
  csctp_socket *client; /* NULL once its close event has freed it */
  int connected, received;
} run;

static void client_close(csctp_socket *s, int had_error, void *user_data) {
  (void)s, (void)had_error;
  run *r = user_data;
  r->client = NULL;
  g_main_loop_quit(r->loop);
}

static void client_connect(csctp_socket *s, void *user_data) {
  run *r = user_data;
  r->connected = 1;
  if (csctp_socket_write(s, (const uint8_t *)"hello", 5, NULL) < 0) g_main_loop_quit(r->loop);
}

static void client_error(csctp_socket *s, int err, const char *msg, void *user_data) {
  (void)s;
  fprintf(stderr, "client error %d: %s\n", err, msg);
  g_main_loop_quit(((run *)user_data)->loop);
}

static void server_data(csctp_socket *s, const csctp_message *m, void *user_data) {
  (void)s;
  run *r = user_data;
  r->received = m->len == 5 && memcmp(m->data, "hello", 5) == 0;
  g_main_loop_quit(r->loop);
}

static void server_connection(csctp_server *srv, csctp_socket *s, void *user_data) {
  (void)srv;
  csctp_socket_events ev;
  memset(&ev, 0, sizeof ev);
  ev.data = server_data;
  csctp_socket_set_events(s, &ev, user_data);
}

static void server_error(csctp_server *srv, int err, const char *msg, void *user_data) {
  (void)srv;
  fprintf(stderr, "server error %d: %s\n", err, msg);
  g_main_loop_quit(((run *)user_data)->loop);
}

static gboolean timeout(gpointer user_data) {
  fprintf(stderr, "socket: timed out\n");
  g_main_loop_quit(((run *)user_data)->loop);
  return G_SOURCE_REMOVE;
}

int main(void) {
  GMainContext *ctx = g_main_context_new();
  run r = {g_main_loop_new(ctx, FALSE), NULL, 0, 0};
  char *msg = NULL;

  csctp_server_events sev = {server_connection, server_error};
  csctp_server *srv = NULL;
  if (csctp_server_new(ctx, &sev, &r, &srv) != 0) return 1;
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.local_address = "127.0.0.1";
  o.udp_transport = 1;
  o.udp_local_port = 0;
  int rc = csctp_server_listen(srv, &o, &msg);
  if (rc != 0) {
    fprintf(stderr, "csctp_server_listen: %d %s\n", rc, msg ? msg : "");
    return 1;
  }

  csctp_connect_opts c;
  csctp_connect_opts_init(&c);
  c.host = "127.0.0.1";
  c.local_address = "127.0.0.1";
  c.udp_transport = 1;
  c.udp_local_port = 0;
  c.udp_peer_port = csctp_server_udp_port(srv);
  csctp_socket_events cev;
  memset(&cev, 0, sizeof cev);
  cev.connect = client_connect;
  cev.error = client_error;
  cev.close = client_close;
  rc = csctp_socket_connect(ctx, &c, &cev, &r, &r.client, &msg);
  if (rc != 0) {
    fprintf(stderr, "csctp_socket_connect: %d %s\n", rc, msg ? msg : "");
    return 1;
  }
  GSource *t = g_timeout_source_new(10000);
  g_source_set_callback(t, timeout, &r, NULL);
  g_source_attach(t, ctx);
  g_main_loop_run(r.loop);
  g_source_destroy(t);
  g_source_unref(t);

  printf("socket: server on 127.0.0.1 UDP %u, %zu connection(s), connect %s, message %s\n",
         (unsigned)csctp_server_udp_port(srv), csctp_server_connections(srv),
         r.connected ? "ok" : "FAILED", r.received ? "ok" : "FAILED");
  int ok = r.connected && r.received;
  if (r.client) csctp_socket_destroy(r.client);
  csctp_server_del(srv);
  while (g_main_context_iteration(ctx, FALSE)) {}
  g_main_loop_unref(r.loop);
  g_main_context_unref(ctx);
  return ok ? 0 : 1;
}
