/* SPDX-License-Identifier: MIT */
/*
 * The socket API over UDP on loopback with a peer that restarts from another
 * UDP port (RFC 6951 §5: the UDP port is a lower-layer detail; the peer is its
 * IP and SCTP port): a `csctp send` process is killed with SIGKILL and started
 * again with the same SCTP port on a new UDP port. The server's association
 * restarts (RFC 9260 §5.2.2) instead of a second one, and follows the new port.
 */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tputil.h"

static GMainContext *ctx;
static csctp_server *srv;
static csctp_socket *srv_sock;
static int connections, srv_connected;
static uint64_t srv_msgs;
static char last_remote[128]; /* the server socket's remote address at its last message */

static void on_data(csctp_socket *s, const csctp_message *m, void *ud) {
  (void)m;
  (void)ud;
  srv_msgs++;
  csctp_socket_remote(s, last_remote, sizeof(last_remote));
}

static void on_close(csctp_socket *s, int had_error, void *ud) {
  (void)had_error;
  (void)ud;
  if (s == srv_sock) srv_sock = NULL;
}

static const csctp_socket_events events = {.data = on_data, .close = on_close};

static void on_connection(csctp_server *sv, csctp_socket *s, void *ud) {
  (void)sv;
  (void)ud;
  connections++;
  srv_connected = 1;
  srv_sock = s;
  csctp_socket_set_events(s, &events, NULL);
}

static void setup(void) {
  ctx = g_main_context_new();
  connections = srv_connected = 0;
  srv_msgs = 0;
  srv_sock = NULL;
  last_remote[0] = 0;
  csctp_server_events ev = {.connection = on_connection};
  cr_assert_eq(csctp_server_new(ctx, &ev, NULL, &srv), 0);
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.udp_transport = 1;
  o.local_address = "127.0.0.1";
  o.udp_local_port = 0;
  o.local_port = 5000;
  char *err = NULL;
  cr_assert_eq(csctp_server_listen(srv, &o, &err), 0, "listen: %s", err ? err : "");
}

static void teardown(void) {
  tp_stop_all();
  csctp_server_del(srv);
  tp_run_for(ctx, 20);
  g_main_context_unref(ctx);
}

TestSuite(endpoint_udp, .init = setup, .fini = teardown, .timeout = 60);

Test(endpoint_udp, restart_from_another_udp_port) {
  char dir[] = "/tmp/csctp-epudp-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char peer_arg[64], udp1[64], udp2[64];
  snprintf(peer_arg, sizeof(peer_arg), "127.0.0.1:%u", csctp_server_udp_port(srv));
  uint16_t p1 = tp_free_udp_port(), p2 = tp_free_udp_port();
  for (int i = 0; i < 100 && p2 == p1; i++) p2 = tp_free_udp_port();
  cr_assert_neq(p1, p2);
  snprintf(udp1, sizeof(udp1), "127.0.0.1:%u", p1);
  snprintf(udp2, sizeof(udp2), "127.0.0.1:%u", p2);
  char *argv1[] = {(char *)tp_tool(), "send",      "--udp",     udp1,     "--peer",
                   peer_arg,          "--port",    "4321",      "--size", "1000",
                   "--count",         "100000000", "--streams", "2",      NULL};
  pid_t pid = tp_spawn(dir, "first", argv1);
  cr_assert(tp_run_until(ctx, &srv_connected, 5000), "first sender never connected");
  tp_run_for(ctx, 100);
  /* Frozen first, until the server's last SACKs went out (its socket still takes them); then
   * killed, with nothing left for the server to send before the restart. Killed at once, a
   * SACK to the dead port would draw an ICMP port unreachable, which rightly closes the
   * association (RFC 6951 §5.5) and makes the restart a second connection. */
  kill(pid, SIGSTOP);
  tp_run_for(ctx, 500);
  kill(pid, SIGKILL); /* no ABORT: the server's association lives on */
  tp_wait(pid, 2000);
  cr_assert_gt(srv_msgs, 0);
  cr_assert_eq(csctp_server_connections(srv), 1);
  char r[128], want[32];
  snprintf(want, sizeof(want), ":%u sctp 4321", p1);
  cr_assert_not_null(strstr(csctp_socket_remote(srv_sock, r, sizeof(r)), want), "%s", r);
  uint64_t before = srv_msgs;
  /* The same SCTP port from a new UDP port: the same peer, restarting. */
  char *argv2[] = {(char *)tp_tool(), "send", "--udp",     udp2,   "--peer",  peer_arg,
                   "--port",          "4321", "--size",    "1000", "--count", "200",
                   "--streams",       "2",    "--timeout", "20",   NULL};
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
  cr_assert_geq(srv_msgs - before, 200);
  snprintf(want, sizeof(want), ":%u sctp 4321", p2);
  cr_assert_not_null(strstr(last_remote, want), "the association follows the new UDP port: %s",
                     last_remote);
  tp_sh("rm -rf %s", dir);
}
