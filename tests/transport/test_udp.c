/* SPDX-License-Identifier: MIT */
/*
 * The socket API over UDP (RFC 6951) on loopback, server and client in one
 * process on one GMainContext: handshake, data on several streams both ways,
 * large messages, per-message PPID and unordered flag, back-pressure (drain),
 * graceful shutdown, passive connect, connection refused, and a peer restart
 * (a `csctp send` process killed with SIGKILL and started again on the same
 * ports before the server sent it anything: the server's association restarts
 * instead of a second one).
 */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tputil.h"

typedef struct peer {
  csctp_socket *s;
  int connected, ended, closed, had_error, drains, streams_seen;
  uint64_t msgs, bytes, bad;
  uint32_t last_ppid;
  int echo;
} peer;

static GMainContext *ctx;
static csctp_server *srv;
static peer server_side;
static int connections;

static void pd_connect(csctp_socket *s, void *ud) {
  (void)s;
  ((peer *)ud)->connected++;
}
static void pd_stream(csctp_socket *s, uint16_t id, void *ud) {
  (void)s;
  (void)id;
  ((peer *)ud)->streams_seen++;
}
static uint8_t pattern(size_t j, uint16_t stream) { return (uint8_t)(j * 13u + stream); }
static void pd_data(csctp_socket *s, const csctp_message *m, void *ud) {
  peer *p = ud;
  p->msgs++;
  p->bytes += m->len;
  p->last_ppid = m->ppid;
  for (size_t j = 0; j < m->len; j++)
    if (m->data[j] != pattern(j, m->stream)) {
      p->bad++;
      break;
    }
  if (p->echo) {
    csctp_write_opts o = {m->stream, m->ppid, m->unordered};
    cr_assert_geq(csctp_socket_write(s, m->data, m->len, &o), 0);
  }
}
static void pd_drain(csctp_socket *s, void *ud) {
  (void)s;
  ((peer *)ud)->drains++;
}
static void pd_end(csctp_socket *s, void *ud) {
  (void)s;
  ((peer *)ud)->ended++;
}
static void pd_close(csctp_socket *s, int had_error, void *ud) {
  (void)s;
  peer *p = ud;
  p->closed++;
  p->had_error = had_error;
  p->s = NULL;
}
static const csctp_socket_events pd_events = {pd_connect, pd_data, pd_stream, pd_drain,
                                              pd_end,     NULL,    pd_close};

static void on_connection(csctp_server *sv, csctp_socket *s, void *ud) {
  (void)sv;
  (void)ud;
  connections++;
  server_side.s = s;
  server_side.connected++;
  csctp_socket_set_events(s, &pd_events, &server_side);
}

static void setup(void) {
  ctx = g_main_context_new();
  memset(&server_side, 0, sizeof(server_side));
  server_side.echo = 1;
  connections = 0;
  csctp_server_events ev = {.connection = on_connection};
  cr_assert_eq(csctp_server_new(ctx, &ev, NULL, &srv), 0);
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.udp_transport = 1;
  o.local_address = "127.0.0.1";
  o.udp_local_port = 0; /* any free port */
  o.local_port = 5000;
  char *err = NULL;
  int rv = csctp_server_listen(srv, &o, &err);
  cr_assert_eq(rv, 0, "listen: %s", err ? err : "");
}

static void teardown(void) {
  tp_stop_all();
  csctp_server_del(srv);
  tp_run_for(ctx, 20);
  g_main_context_unref(ctx);
}

TestSuite(udp, .init = setup, .fini = teardown, .timeout = 60);

static csctp_socket *client(peer *p, uint16_t udp_port, int passive) {
  memset(p, 0, sizeof(*p));
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.host = "127.0.0.1";
  o.port = 5000;
  o.udp_transport = 1;
  o.local_address = "127.0.0.1";
  o.udp_local_port = udp_port;
  o.udp_peer_port = csctp_server_udp_port(srv);
  o.passive = passive;
  o.OS = 8;
  o.MIS = 8;
  char *err = NULL;
  int rv = csctp_socket_connect(ctx, &o, &pd_events, p, &p->s, &err);
  cr_assert_eq(rv, 0, "connect: %s", err ? err : "");
  return p->s;
}

static void send_msgs(csctp_socket *s, int n, size_t size, int streams, uint32_t ppid,
                      int unordered) {
  uint8_t *b = g_malloc(size);
  for (int i = 0; i < n; i++) {
    uint16_t st = (uint16_t)(i % streams);
    for (size_t j = 0; j < size; j++) b[j] = pattern(j, st);
    csctp_write_opts o = {st, ppid, unordered};
    csctp_ssize r;
    int guard = 0;
    while ((r = csctp_socket_write(s, b, size, &o)) == CSCTP_ERR_WOULD_BLOCK) {
      cr_assert_lt(guard++, 1000, "send buffer never drained");
      tp_run_for(ctx, 5);
    }
    cr_assert_geq(r, 0, "write: %s", csctp_strerror((int)r));
  }
  g_free(b);
}

Test(udp, handshake_streams_both_ways_shutdown) {
  peer c;
  client(&c, 0, 0);
  cr_assert(tp_run_until(ctx, &c.connected, 5000), "no connect");
  cr_assert_eq(csctp_socket_outbound_streams(c.s), 8);
  send_msgs(c.s, 400, 1000, 8, CSCTP_PPID_WEBRTC_BINARY, 0);
  for (int i = 0; i < 200 && c.msgs < 400; i++) tp_run_for(ctx, 10);
  cr_assert_eq(server_side.msgs, 400);
  cr_assert_eq(c.msgs, 400, "echoes");
  cr_assert_eq(c.bad + server_side.bad, 0);
  cr_assert_eq(c.last_ppid, CSCTP_PPID_WEBRTC_BINARY);
  cr_assert_eq(server_side.streams_seen, 8);
  cr_assert_eq(c.streams_seen, 8);
  /* The server writes on its own too. */
  server_side.echo = 0;
  csctp_stream *st = csctp_socket_create_stream(server_side.s, 5, 77);
  cr_assert_not_null(st);
  uint8_t b[100];
  for (size_t j = 0; j < sizeof(b); j++) b[j] = pattern(j, 5);
  cr_assert_geq(csctp_stream_write(st, b, sizeof(b)), 0);
  for (int i = 0; i < 100 && c.msgs < 401; i++) tp_run_for(ctx, 10);
  cr_assert_eq(c.msgs, 401);
  cr_assert_eq(c.last_ppid, 77);
  csctp_socket_end(c.s);
  cr_assert(tp_run_until(ctx, &c.closed, 5000), "no close");
  cr_assert_eq(c.had_error, 0);
  cr_assert(tp_run_until(ctx, &server_side.closed, 5000));
  cr_assert_eq(server_side.ended, 1);
  cr_assert_eq(csctp_server_connections(srv), 0);
}

Test(udp, large_messages_and_drain) {
  peer c;
  client(&c, 0, 0);
  cr_assert(tp_run_until(ctx, &c.connected, 5000));
  server_side.echo = 0;
  send_msgs(c.s, 40, 200 * 1024, 3, 0, 0); /* 8 MB: far more than the send buffer */
  for (int i = 0; i < 1000 && server_side.msgs < 40; i++) tp_run_for(ctx, 10);
  cr_assert_eq(server_side.msgs, 40);
  cr_assert_eq(server_side.bytes, 40u * 200 * 1024);
  cr_assert_eq(server_side.bad, 0);
  cr_assert_gt(c.drains, 0, "a drain event follows a full buffer");
  csctp_socket_destroy(c.s);
  cr_assert(tp_run_until(ctx, &server_side.closed, 5000));
  cr_assert_eq(server_side.had_error, 1, "destroy aborts");
}

Test(udp, unordered_and_many_clients) {
  peer c[4];
  for (int i = 0; i < 4; i++) client(&c[i], 0, 0);
  for (int i = 0; i < 4; i++) cr_assert(tp_run_until(ctx, &c[i].connected, 5000));
  cr_assert_eq(csctp_server_connections(srv), 4);
  for (int i = 0; i < 4; i++) send_msgs(c[i].s, 50, 3000, 4, 51, 1);
  for (int k = 0; k < 300; k++) {
    int done = 1;
    for (int i = 0; i < 4; i++) done &= c[i].msgs == 50;
    if (done) break;
    tp_run_for(ctx, 10);
  }
  for (int i = 0; i < 4; i++) cr_assert_eq(c[i].msgs, 50, "client %d", i);
  for (int i = 0; i < 4; i++) csctp_socket_end(c[i].s);
  for (int i = 0; i < 4; i++) cr_assert(tp_run_until(ctx, &c[i].closed, 5000));
}

Test(udp, refused_by_a_passive_socket) {
  /* A passive socket waits for one peer (SCTP port 7001); a connect from 7002 gets an ABORT. */
  peer pas, c;
  memset(&pas, 0, sizeof(pas));
  memset(&c, 0, sizeof(c));
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.host = "127.0.0.1";
  o.port = 7001;
  o.local_port = 7000;
  o.passive = 1;
  o.udp_transport = 1;
  o.local_address = "127.0.0.1";
  o.udp_local_port = 38897;
  cr_assert_eq(csctp_socket_connect(ctx, &o, &pd_events, &pas, &pas.s, NULL), 0);
  o.port = 7000;
  o.local_port = 7002;
  o.passive = 0;
  o.udp_local_port = 0;
  o.udp_peer_port = 38897;
  cr_assert_eq(csctp_socket_connect(ctx, &o, &pd_events, &c, &c.s, NULL), 0);
  cr_assert(tp_run_until(ctx, &c.closed, 5000));
  cr_assert_eq(c.had_error, 1);
  cr_assert_eq(c.connected, 0);
  cr_assert_eq(pas.connected, 0);
  csctp_socket_destroy(pas.s);
}

Test(udp, passive_connect) {
  /* A passive socket waits for the server's side... here a second client connects to it. */
  peer pas, act;
  memset(&pas, 0, sizeof(pas));
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.host = "127.0.0.1";
  o.port = 7001;
  o.local_port = 7000;
  o.passive = 1;
  o.udp_transport = 1;
  o.local_address = "127.0.0.1";
  o.udp_local_port = 38899;
  o.udp_peer_port = 38898;
  cr_assert_eq(csctp_socket_connect(ctx, &o, &pd_events, &pas, &pas.s, NULL), 0);
  memset(&act, 0, sizeof(act));
  o.port = 7000;
  o.local_port = 7001;
  o.passive = 0;
  o.udp_local_port = 38898;
  o.udp_peer_port = 38899;
  cr_assert_eq(csctp_socket_connect(ctx, &o, &pd_events, &act, &act.s, NULL), 0);
  cr_assert(tp_run_until(ctx, &pas.connected, 5000), "passive side never connected");
  cr_assert(tp_run_until(ctx, &act.connected, 5000));
  send_msgs(act.s, 10, 500, 2, 0, 0);
  for (int i = 0; i < 100 && pas.msgs < 10; i++) tp_run_for(ctx, 10);
  cr_assert_eq(pas.msgs, 10);
  csctp_socket_end(pas.s);
  cr_assert(tp_run_until(ctx, &act.closed, 5000));
  cr_assert(tp_run_until(ctx, &pas.closed, 5000));
}

Test(udp, peer_restart) {
  char dir[] = "/tmp/csctp-udp-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char peer_arg[64];
  snprintf(peer_arg, sizeof(peer_arg), "127.0.0.1:%u", csctp_server_udp_port(srv));
  char *argv1[] = {(char *)tp_tool(), "send",   "--udp",   "127.0.0.1:38700",
                   "--peer",          peer_arg, "--port",  "4321",
                   "--size",          "1000",   "--count", "100000000",
                   "--streams",       "2",      NULL};
  server_side.echo = 0; /* the server sends nothing but SACKs */
  pid_t pid = tp_spawn(dir, "first", argv1);
  /* Wait for the association, then kill the sender without a word to the server. It is
   * stopped first and the server acknowledges what it sent, so that the server owes it
   * nothing while no process has its port: a packet sent then would draw an ICMP port
   * unreachable, which (rightly) closes the association instead of letting it restart. */
  cr_assert(tp_run_until(ctx, &server_side.connected, 5000), "first sender never connected");
  tp_run_for(ctx, 100);
  kill(pid, SIGSTOP);
  tp_run_for(ctx, 500);
  kill(pid, SIGKILL);
  tp_wait(pid, 2000);
  cr_assert_gt(server_side.msgs, 0);
  cr_assert_eq(csctp_server_connections(srv), 1);
  char *argv2[] = {(char *)tp_tool(),
                   "send",
                   "--udp",
                   "127.0.0.1:38700",
                   "--peer",
                   peer_arg,
                   "--port",
                   "4321",
                   "--size",
                   "1000",
                   "--count",
                   "200",
                   "--streams",
                   "2",
                   "--timeout",
                   "20",
                   NULL};
  pid = tp_spawn(dir, "second", argv2);
  int rc = -1;
  for (int i = 0; i < 2000; i++) {
    tp_run_for(ctx, 10);
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
      break;
    }
  }
  if (rc != 0) tp_dump_logs(dir, "second");
  cr_assert_eq(rc, 0, "the restarted sender failed");
  cr_assert_eq(connections, 1, "the restart reused the association (no second connection)");
  tp_sh("rm -rf %s", dir);
}
