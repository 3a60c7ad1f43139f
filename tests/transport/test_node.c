/* SPDX-License-Identifier: MIT */
/*
 * Interop with the original Node.js `sctp` module (1.0.0) over UDP on loopback: our
 * `csctp echo --udp` against its client, and our `csctp send --udp --verify` against its passive
 * socket that echoes; 100 B, 1 KiB and 8 KiB messages on 4 streams, a PPID per stream, a
 * graceful shutdown at the end. tests/transport/node/peer.js is its side; the module comes from
 * `npm ci` (tests/transport/node/package-lock.json) in a temporary copy of that folder.
 * Skipped when node/npm are missing or the install fails (no registry). Over raw IP in two
 * network namespaces too (root, and the module's optional raw-socket dependency built): 1 KiB
 * both ways; see prepare_raw() for why not larger.
 *
 * What it takes (traces in the comments of peer.js):
 * - peer.js writes one message at a time: the module keeps one pending write callback per
 *   association and drops a message written while its flightsize >= cwnd.
 * - Every DATA it sent must be SACKed by the time our SHUTDOWN arrives: it ignores the
 *   cumulative TSN ack of a SHUTDOWN chunk (RFC 9260 §9.2 says the receiver checks it), and once
 *   in SHUTDOWN-RECEIVED with data it believes outstanding it discards later SHUTDOWNs and never
 *   sends SHUTDOWN ACK. The engine bundles the owed SACK before the SHUTDOWN (test_shutdown_sack)
 *   and csctp_socket_end() sends what is due first, so our defaults work; odd message counts
 *   leave a delayed SACK pending at end() to cover it.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tputil.h"

static char dir[64];
static char modules[128];

static int prepare(void) {
  if (!tp_have("node") || !tp_have("npm")) {
    cr_skip_test("node and npm are needed for the Node.js interop test");
    return 1;
  }
  snprintf(dir, sizeof(dir), "/tmp/csctp-node-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  if (tp_sh("cp " CSCTP_SOURCE_DIR "/tests/transport/node/package.json " CSCTP_SOURCE_DIR
            "/tests/transport/node/package-lock.json %s/ && cd %s && "
            "timeout 180 npm ci --no-audit --no-fund --silent >npm.log 2>&1",
            dir, dir) != 0) {
    cr_skip_test("npm ci (sctp 1.0.0) failed (no registry?); see %s/npm.log", dir);
    return 1;
  }
  snprintf(modules, sizeof(modules), "%s/node_modules", dir);
  setenv("NODE_PATH", modules, 1);
  unsetenv("CSCTP_DEFAULTS"); /* our defaults */
  return 0;
}

static char netns[16]; /* raw IP: the namespaces' prefix while they exist */

static void teardown(void) {
  tp_stop_all();
  if (netns[0]) tp_netns_del(netns);
  netns[0] = 0;
  if (dir[0]) tp_sh("rm -rf %s", dir);
  dir[0] = 0;
}

TestSuite(node, .fini = teardown, .timeout = 300);

static const char *peer_js(void) { return CSCTP_SOURCE_DIR "/tests/transport/node/peer.js"; }

/* Three free UDP ports, as strings. */
static void ports(char p[3][8]) {
  for (int i = 0; i < 3; i++) {
    uint16_t port = tp_free_udp_port();
    cr_assert_neq(port, 0);
    tp_port_str(port, p[i]);
  }
}

static void node_client_vs_echo(const char *size, const char *count) {
  if (prepare()) return;
  char p[3][8], bind[32];
  ports(p);
  snprintf(bind, sizeof(bind), "127.0.0.1:%s", p[0]);
  char *e[] = {(char *)tp_tool(), "echo", "--udp", bind, "--port", "5000", NULL};
  pid_t echo = tp_spawn(dir, "echo", e);
  usleep(300000);
  char *n[] = {
      "node", (char *)peer_js(), "client",      "127.0.0.1", p[1], "5001", "127.0.0.1", p[0],
      "5000", (char *)size,      (char *)count, "4",         NULL};
  pid_t pid = tp_spawn(dir, "node", n);
  int rc = tp_wait(pid, 90000);
  tp_stop(echo);
  char *log = tp_slurp_log(dir, "echo", "err");
  int graceful = strstr(log, "closed after") && !strstr(log, "with an error");
  g_free(log);
  if (rc || !graceful) {
    tp_dump_logs(dir, "node");
    tp_dump_logs(dir, "echo");
  }
  cr_assert_eq(rc, 0, "node client vs csctp echo, %s-byte messages", size);
  cr_assert(graceful, "csctp echo: the association did not shut down gracefully");
}

static void send_vs_node_server(const char *size, const char *count) {
  if (prepare()) return;
  char p[3][8], local[32], peer[32];
  ports(p);
  snprintf(local, sizeof(local), "127.0.0.1:%s", p[1]);
  snprintf(peer, sizeof(peer), "127.0.0.1:%s", p[0]);
  char *n[] = {"node", (char *)peer_js(), "server", "127.0.0.1", p[0], "5000", "127.0.0.1", p[1],
               "5002", (char *)count,     NULL};
  pid_t srv = tp_spawn(dir, "nodesrv", n);
  usleep(800000);
  char *s[] = {(char *)tp_tool(), "send",        "--udp",     local,
               "--peer",          peer,          "--port",    "5002",
               "--remote-port",   "5000",        "--size",    (char *)size,
               "--count",         (char *)count, "--streams", "4",
               "--verify",        "--timeout",   "60",        NULL};
  pid_t pid = tp_spawn(dir, "send", s);
  int rc = tp_wait(pid, 90000);
  int nrc = tp_wait(srv, 5000);
  if (rc || nrc) {
    tp_dump_logs(dir, "send");
    tp_dump_logs(dir, "nodesrv");
  }
  cr_assert_eq(rc, 0, "csctp send vs node server, %s-byte messages", size);
  cr_assert_eq(nrc, 0, "node server: every message echoed and a graceful shutdown");
}

/*
 * Raw IP (protocol 132) between two namespaces: csctp in "-a" (10.78.0.1), the module in "-b"
 * (10.78.0.2) with its raw-socket dependency (an optional native module; skipped when it did not
 * build). Messages of one packet only: raw-socket receives every packet into one shared 4 KiB
 * buffer and hands out slices of it (raw-socket/index.js, recv -> buffer.slice), so a message the
 * module reassembles from several packets is overwritten by the packets that follow (seen: the
 * echoed 8 KiB messages come back with other packets' bytes), and a packet over 4 KiB is cut.
 */
static int prepare_raw(void) {
  if (!tp_is_root() || !tp_have("ip")) {
    cr_skip_test("raw IP needs root (network namespaces, raw sockets)");
    return 1;
  }
  struct stat st;
  if (stat("/sys/module/sctp", &st) == 0) {
    cr_skip_test("the kernel's sctp module is loaded: it answers raw SCTP packets (see README)");
    return 1;
  }
  if (prepare()) return 1;
  char probe[256];
  snprintf(probe, sizeof(probe), "%s/raw-socket/build/Release/raw.node", modules);
  if (stat(probe, &st) != 0) {
    cr_skip_test("the module's raw-socket dependency did not build (node-gyp); see %s/npm.log",
                 dir);
    return 1;
  }
  snprintf(netns, sizeof(netns), "nr%d", (int)(getpid() % 100000));
  cr_assert_eq(tp_netns_pair(netns, 78), 0, "namespaces");
  return 0;
}

static char **in_ns(const char *side, char **args) {
  static char ns[24];
  snprintf(ns, sizeof(ns), "%s-%s", netns, side);
  GPtrArray *v = g_ptr_array_new();
  g_ptr_array_add(v, "ip");
  g_ptr_array_add(v, "netns");
  g_ptr_array_add(v, "exec");
  g_ptr_array_add(v, ns);
  for (char **a = args; *a; a++) g_ptr_array_add(v, *a);
  g_ptr_array_add(v, NULL);
  return (char **)g_ptr_array_free(v, FALSE);
}

static void raw_client_vs_echo(const char *size, const char *count) {
  if (prepare_raw()) return;
  char *e[] = {(char *)tp_tool(), "echo", "--raw", "10.78.0.1", "--port", "5000", NULL};
  char **ev = in_ns("a", e);
  pid_t echo = tp_spawn(dir, "echo", ev);
  g_free(ev);
  usleep(300000);
  char *n[] = {
      "node", (char *)peer_js(), "client",      "10.78.0.2", "raw", "5001", "10.78.0.1", "raw",
      "5000", (char *)size,      (char *)count, "4",         NULL};
  char **nv = in_ns("b", n);
  pid_t pid = tp_spawn(dir, "node", nv);
  g_free(nv);
  int rc = tp_wait(pid, 90000);
  tp_stop(echo);
  char *log = tp_slurp_log(dir, "echo", "err");
  int graceful = strstr(log, "closed after") && !strstr(log, "with an error");
  g_free(log);
  if (rc || !graceful) {
    tp_dump_logs(dir, "node");
    tp_dump_logs(dir, "echo");
  }
  cr_assert_eq(rc, 0, "node client vs csctp echo over raw IP, %s-byte messages", size);
  cr_assert(graceful, "csctp echo: the association did not shut down gracefully");
}

static void raw_send_vs_node_server(const char *size, const char *count) {
  if (prepare_raw()) return;
  char *n[] = {"node", (char *)peer_js(), "server", "10.78.0.2", "raw", "5000", "10.78.0.1", "raw",
               "5002", (char *)count,     NULL};
  char **nv = in_ns("b", n);
  pid_t srv = tp_spawn(dir, "nodesrv", nv);
  g_free(nv);
  usleep(800000);
  char *s[] = {(char *)tp_tool(), "send",        "--raw",     "10.78.0.1",
               "--peer",          "10.78.0.2",   "--port",    "5002",
               "--remote-port",   "5000",        "--size",    (char *)size,
               "--count",         (char *)count, "--streams", "4",
               "--verify",        "--timeout",   "60",        NULL};
  char **sv = in_ns("a", s);
  pid_t pid = tp_spawn(dir, "send", sv);
  g_free(sv);
  int rc = tp_wait(pid, 90000);
  int nrc = tp_wait(srv, 5000);
  if (rc || nrc) {
    tp_dump_logs(dir, "send");
    tp_dump_logs(dir, "nodesrv");
  }
  cr_assert_eq(rc, 0, "csctp send vs node server over raw IP, %s-byte messages", size);
  cr_assert_eq(nrc, 0, "node server: every message echoed and a graceful shutdown");
}

Test(node, client_to_our_echo_100) { node_client_vs_echo("100", "201"); }
Test(node, client_to_our_echo_1k) { node_client_vs_echo("1000", "41"); }
Test(node, client_to_our_echo_8k) { node_client_vs_echo("8192", "40"); }
Test(node, our_send_to_server_100) { send_vs_node_server("100", "201"); }
Test(node, our_send_to_server_1k) { send_vs_node_server("1000", "41"); }
Test(node, our_send_to_server_8k) { send_vs_node_server("8192", "40"); }
Test(node, raw_client_to_our_echo_1k) { raw_client_vs_echo("1000", "41"); }
Test(node, raw_our_send_to_server_1k) { raw_send_vs_node_server("1000", "41"); }
