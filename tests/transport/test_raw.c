/* SPDX-License-Identifier: MIT */
/*
 * Raw IP (protocol 132) between two network namespaces joined by a veth pair
 * that the test creates (10.77.0.1 / 10.77.0.2 and fd00:77::1 / ::2): `csctp
 * echo --raw` in one, `csctp send --raw` in the other. Handshake, data on
 * several streams both ways with verification, large messages, graceful
 * shutdown, IPv6, two echo servers on one address (each raw socket sees every
 * packet: neither may answer the other's), and a peer restart. Skipped when
 * not root, without `ip`, or when the kernel's SCTP module is loaded (it would
 * answer our INITs with ABORTs: see README).
 */
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tputil.h"

#define NS "csctp-raw"

static char dir[64];

static int skip_reason(void) {
  if (!tp_is_root()) {
    cr_skip_test("raw IP tests need root (network namespaces, CAP_NET_RAW)");
    return 1;
  }
  if (!tp_have("ip")) {
    cr_skip_test("raw IP tests need iproute2 (`ip`)");
    return 1;
  }
  if (access("/sys/module/sctp", F_OK) == 0) {
    cr_skip_test("the kernel SCTP module is loaded: it answers protocol 132 itself (see README)");
    return 1;
  }
  return 0;
}

static void setup(void) {
  snprintf(dir, sizeof(dir), "/tmp/csctp-raw-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void) {
  tp_stop_all();
  tp_netns_del(NS);
  tp_sh("rm -rf %s", dir);
}

TestSuite(raw, .init = setup, .fini = teardown, .timeout = 120);

static pid_t echo_in(const char *ns_suffix, const char *ip, const char *port, const char *name) {
  char nsname[64];
  snprintf(nsname, sizeof(nsname), NS "-%s", ns_suffix);
  char *argv[] = {"ip",       "netns",  "exec",       nsname, (char *)tp_tool(), "echo", "--raw",
                  (char *)ip, "--port", (char *)port, NULL};
  pid_t pid = tp_spawn(dir, name, argv);
  usleep(300000);
  return pid;
}

static int send_from(const char *ip, const char *peer, const char *port, const char *rport,
                     const char *size, const char *count, const char *streams, const char *name) {
  char *argv[] = {"ip",
                  "netns",
                  "exec",
                  NS "-b",
                  (char *)tp_tool(),
                  "send",
                  "--raw",
                  (char *)ip,
                  "--peer",
                  (char *)peer,
                  "--port",
                  (char *)port,
                  "--remote-port",
                  (char *)rport,
                  "--size",
                  (char *)size,
                  "--count",
                  (char *)count,
                  "--streams",
                  (char *)streams,
                  "--verify",
                  "--timeout",
                  "60",
                  NULL};
  pid_t pid = tp_spawn(dir, name, argv);
  int rc = tp_wait(pid, 70000);
  if (rc != 0) tp_dump_logs(dir, name);
  return rc;
}

Test(raw, ipv4_streams_large_messages_shutdown) {
  if (skip_reason()) return;
  cr_assert_eq(tp_netns_pair(NS, 77), 0, "could not create the namespaces");
  pid_t echo = echo_in("a", "10.77.0.1", "5000", "echo");
  cr_assert_eq(send_from("10.77.0.2", "10.77.0.1", "6000", "5000", "1000", "3000", "8", "small"),
               0);
  cr_assert_eq(send_from("10.77.0.2", "10.77.0.1", "6001", "5000", "65536", "100", "3", "large"),
               0);
  cr_assert_eq(send_from("10.77.0.2", "10.77.0.1", "6002", "5000", "200000", "10", "2", "huge"), 0);
  char *out = tp_slurp_log(dir, "small", "out");
  cr_assert(strstr(out, "sent 3000 messages (3000000 bytes)"), "summary line: %s", out);
  g_free(out);
  tp_stop(echo);
  char *err = tp_slurp_log(dir, "echo", "err");
  cr_assert(strstr(err, "closed after 3000 messages"), "echo log: %s", err);
  cr_assert(!strstr(err, "with an error"), "echo log: %s", err);
  g_free(err);
}

Test(raw, ipv6) {
  if (skip_reason()) return;
  cr_assert_eq(tp_netns_pair(NS, 77), 0);
  usleep(200000);
  pid_t echo = echo_in("a", "fd00:77::1", "5000", "echo6");
  int rc = send_from("fd00:77::2", "fd00:77::1", "6000", "5000", "3000", "500", "4", "send6");
  tp_stop(echo);
  if (rc) tp_dump_logs(dir, "echo6");
  cr_assert_eq(rc, 0);
}

Test(raw, two_servers_one_address_no_crosstalk) {
  if (skip_reason()) return;
  cr_assert_eq(tp_netns_pair(NS, 77), 0);
  pid_t e1 = echo_in("a", "10.77.0.1", "5000", "e1");
  pid_t e2 = echo_in("a", "10.77.0.1", "5001", "e2");
  char *a1[] = {"ip",
                "netns",
                "exec",
                NS "-b",
                (char *)tp_tool(),
                "send",
                "--raw",
                "10.77.0.2",
                "--peer",
                "10.77.0.1",
                "--port",
                "6000",
                "--remote-port",
                "5000",
                "--size",
                "1200",
                "--count",
                "2000",
                "--streams",
                "4",
                "--verify",
                "--timeout",
                "60",
                NULL};
  char *a2[] = {"ip",
                "netns",
                "exec",
                NS "-b",
                (char *)tp_tool(),
                "send",
                "--raw",
                "10.77.0.2",
                "--peer",
                "10.77.0.1",
                "--port",
                "6001",
                "--remote-port",
                "5001",
                "--size",
                "700",
                "--count",
                "2000",
                "--streams",
                "4",
                "--verify",
                "--timeout",
                "60",
                NULL};
  pid_t s1 = tp_spawn(dir, "s1", a1);
  pid_t s2 = tp_spawn(dir, "s2", a2);
  int r1 = tp_wait(s1, 70000), r2 = tp_wait(s2, 70000);
  tp_stop(e1);
  tp_stop(e2);
  if (r1 || r2) {
    tp_dump_logs(dir, "s1");
    tp_dump_logs(dir, "s2");
  }
  cr_assert_eq(r1, 0);
  cr_assert_eq(r2, 0);
}

static int restart_connections, restart_connected;
static void on_restart_conn(csctp_server *srv, csctp_socket *s, void *ud) {
  (void)srv;
  (void)s;
  (void)ud;
  restart_connections++;
  restart_connected = 1;
}

Test(raw, peer_restart) {
  if (skip_reason()) return;
  cr_assert_eq(tp_netns_pair(NS, 77), 0);
  /* The server runs in this (forked) test process, moved into namespace a; it only
   * receives (no echo), so it has nothing in flight when the sender dies, and the
   * restart cannot race with an out-of-the-blue ABORT from the new sender (§8.4). */
  int fd = open("/var/run/netns/" NS "-a", O_RDONLY);
  cr_assert_geq(fd, 0);
  cr_assert_eq(setns(fd, CLONE_NEWNET), 0);
  close(fd);
  GMainContext *ctx = g_main_context_new();
  csctp_server *srv;
  csctp_server_events ev = {.connection = on_restart_conn};
  cr_assert_eq(csctp_server_new(ctx, &ev, NULL, &srv), 0);
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.local_address = "10.77.0.1";
  char *err = NULL;
  cr_assert_eq(csctp_server_listen(srv, &o, &err), 0, "%s", err ? err : "");
  char *a1[] = {"ip",        "netns", "exec",      NS "-b",  (char *)tp_tool(),
                "send",      "--raw", "10.77.0.2", "--peer", "10.77.0.1",
                "--port",    "6000",  "--size",    "1000",   "--count",
                "100000000", NULL};
  pid_t s1 = tp_spawn(dir, "first", a1);
  cr_assert(tp_run_until(ctx, &restart_connected, 5000), "first sender never connected");
  tp_run_for(ctx, 200);
  /* Stopped first, and what it sent acknowledged, so that the server owes it nothing while
   * no raw socket runs in namespace b: a packet sent then would draw an ICMP protocol
   * unreachable, which (rightly, RFC 9260 Appendix C) closes the association. */
  kill(s1, SIGSTOP); /* `ip netns exec` execs csctp: s1 is the sender itself */
  tp_run_for(ctx, 500);
  kill(s1, SIGKILL);
  tp_wait(s1, 2000);
  tp_run_for(ctx, 50);
  cr_assert_eq(csctp_server_connections(srv), 1);
  char *a2[] = {"ip",     "netns",     "exec",      NS "-b",  (char *)tp_tool(),
                "send",   "--raw",     "10.77.0.2", "--peer", "10.77.0.1",
                "--port", "6000",      "--size",    "1000",   "--count",
                "500",    "--timeout", "20",        NULL};
  pid_t s2 = tp_spawn(dir, "second", a2);
  int rc = -1;
  for (int i = 0; i < 3000; i++) {
    tp_run_for(ctx, 10);
    int st;
    if (waitpid(s2, &st, WNOHANG) == s2) {
      rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
      break;
    }
  }
  if (rc != 0) tp_dump_logs(dir, "second");
  cr_assert_eq(rc, 0, "the restarted sender failed");
  cr_assert_eq(restart_connections, 1, "restarted, not a second association");
  csctp_server_del(srv);
  g_main_context_unref(ctx);
}

Test(raw, clear_error_without_cap_net_raw) {
  if (!tp_is_root() || !tp_have("setpriv")) {
    cr_skip_test("needs root and setpriv to drop CAP_NET_RAW");
    return;
  }
  char *argv[] = {"setpriv",
                  "--reuid=65534",
                  "--regid=65534",
                  "--clear-groups",
                  "--inh-caps=-all",
                  "--bounding-set=-net_raw",
                  (char *)tp_tool(),
                  "echo",
                  "--raw",
                  "127.0.0.1",
                  NULL};
  pid_t pid = tp_spawn(dir, "nocap", argv);
  int rc = tp_wait(pid, 5000);
  char *err = tp_slurp_log(dir, "nocap", "err");
  cr_assert_eq(rc, 1, "exit %d: %s", rc, err);
  cr_assert(strstr(err, "CAP_NET_RAW"), "message: %s", err);
  g_free(err);
}
