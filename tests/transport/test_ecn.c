/* SPDX-License-Identifier: MIT */
/*
 * ECN over the wire between two `csctp` processes (send --verify, echo), both with --ecn.
 * (1) UDP over loopback (IPv4 and IPv6) through a relay this test runs: it reads each
 * datagram's codepoint (IP_RECVTOS / IPV6_RECVTCLASS) and forwards it with that codepoint
 * (IP_TOS / IPV6_TCLASS), but every 8th ECT packet from the sender marked CE, as a marking
 * router would. It counts what it saw: the sender's DATA must arrive ECT, the echo side must
 * echo the CE (ECNE), the sender must reduce and answer with CWR, and nothing may be lost or
 * retransmitted. (2) Two network namespaces whose link has a netem qdisc with `ecn`: ECT
 * packets it would drop are marked CE instead (UDP and raw IP). Skipped when not root, without
 * `ip` / `tc`, or when the kernel has no netem (what this machine's kernel lacks is said).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tputil.h"

/* One namespace pair per test (Criterion may run them side by side): interface names such as
 * "csctp-ecnu-va", at most 15 characters. */
#define NS_UDP "csctp-ecnu"
#define NS_RAW "csctp-ecnr"

static char dir[64];

static void setup(void) {
  snprintf(dir, sizeof(dir), "/tmp/csctp-ecn-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void) {
  tp_stop_all();
  tp_netns_del(NS_UDP);
  tp_netns_del(NS_RAW);
  tp_sh("rm -rf %s", dir);
}

TestSuite(ecn_wire, .init = setup, .fini = teardown, .timeout = 240);

/* ---- the marking relay (a child process) ---- */

typedef union relay_addr {
  struct sockaddr sa;
  struct sockaddr_in v4;
  struct sockaddr_in6 v6;
} relay_addr;

static int relay_same(const relay_addr *x, const relay_addr *y, int v6) {
  if (v6)
    return x->v6.sin6_port == y->v6.sin6_port &&
           memcmp(&x->v6.sin6_addr, &y->v6.sin6_addr, sizeof(struct in6_addr)) == 0;
  return x->v4.sin_port == y->v4.sin_port && x->v4.sin_addr.s_addr == y->v4.sin_addr.s_addr;
}

/* Forwards between the sender (whoever is not the echo side) and the echo side on `port`; every
 * `every`-th ECT datagram towards the echo side goes marked CE. Ends after 3 s of silence,
 * printing its counts. */
static void relay_main(int v6, uint16_t port, uint16_t echo_port, unsigned every) {
  int fam = v6 ? AF_INET6 : AF_INET;
  int fd = socket(fam, SOCK_DGRAM, 0);
  relay_addr me = {0}, echo = {0}, client = {0};
  socklen_t alen = v6 ? sizeof(me.v6) : sizeof(me.v4);
  if (v6) {
    me.v6.sin6_family = echo.v6.sin6_family = AF_INET6;
    me.v6.sin6_addr = echo.v6.sin6_addr = in6addr_loopback;
    me.v6.sin6_port = htons(port);
    echo.v6.sin6_port = htons(echo_port);
  } else {
    me.v4.sin_family = echo.v4.sin_family = AF_INET;
    me.v4.sin_addr.s_addr = echo.v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    me.v4.sin_port = htons(port);
    echo.v4.sin_port = htons(echo_port);
  }
  int one = 1;
  if (fd < 0 || bind(fd, &me.sa, alen) != 0 ||
      setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_RECVTCLASS : IP_RECVTOS, &one,
                 sizeof one) != 0) {
    perror("relay");
    _exit(3);
  }
  unsigned long long fwd = 0, back = 0, ect = 0, ce = 0, ect_back = 0;
  int have_client = 0;
  static uint8_t buf[65536];
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, fwd ? 3000 : 20000) <= 0) break;
    relay_addr from;
    union {
      char b[CMSG_SPACE(sizeof(int))];
      struct cmsghdr align;
    } ctl;
    struct iovec iov = {buf, sizeof buf};
    struct msghdr m = {.msg_name = &from,
                       .msg_namelen = sizeof from,
                       .msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = ctl.b,
                       .msg_controllen = sizeof ctl.b};
    ssize_t n = recvmsg(fd, &m, 0);
    if (n <= 0) continue;
    int ecn = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) ecn = *CMSG_DATA(c) & 3;
      if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) {
        int v;
        memcpy(&v, CMSG_DATA(c), sizeof v);
        ecn = v & 3;
      }
    }
    const relay_addr *to;
    if (relay_same(&from, &echo, v6)) {
      if (!have_client) continue;
      to = &client;
      back++;
      ect_back += ecn == 1 || ecn == 2;
    } else {
      client = from;
      have_client = 1;
      to = &echo;
      fwd++;
      if (ecn == 1 || ecn == 2) {
        if (++ect % every == 0) {
          ecn = 3;
          ce++;
        }
      }
    }
    union {
      char b[CMSG_SPACE(sizeof(int))];
      struct cmsghdr align;
    } octl;
    memset(&octl, 0, sizeof octl);
    struct iovec oiov = {buf, (size_t)n};
    struct msghdr om = {.msg_name = (void *)to,
                        .msg_namelen = alen,
                        .msg_iov = &oiov,
                        .msg_iovlen = 1,
                        .msg_control = octl.b,
                        .msg_controllen = sizeof octl.b};
    struct cmsghdr *c = CMSG_FIRSTHDR(&om);
    c->cmsg_level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
    c->cmsg_type = v6 ? IPV6_TCLASS : IP_TOS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &ecn, sizeof ecn);
    sendmsg(fd, &om, 0);
  }
  printf("relay: forwarded %llu back %llu ect %llu ce %llu ect-back %llu\n", fwd, back, ect, ce,
         ect_back);
  fflush(stdout);
  _exit(0);
}

/* A number after `key` in `text`, or -1. */
static long long num_after(const char *text, const char *key) {
  const char *p = strstr(text, key);
  return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

static void relay_run(int v6, const char *tag) {
  uint16_t echo_port = tp_free_udp_port(), relay_port = tp_free_udp_port(),
           send_port = tp_free_udp_port();
  cr_assert(echo_port && relay_port && send_port);
  const char *lo = v6 ? "[::1]" : "127.0.0.1";
  char echo_local[64], send_local[64], peer[64];
  snprintf(echo_local, sizeof echo_local, "%s:%u", lo, echo_port);
  snprintf(send_local, sizeof send_local, "%s:%u", lo, send_port);
  snprintf(peer, sizeof peer, "%s:%u", lo, relay_port);
  char relay_name[32], echo_name[32], send_name[32];
  snprintf(relay_name, sizeof relay_name, "relay-%s", tag);
  snprintf(echo_name, sizeof echo_name, "echo-%s", tag);
  snprintf(send_name, sizeof send_name, "send-%s", tag);
  pid_t relay = tp_fork(dir, relay_name);
  if (relay == 0) relay_main(v6, relay_port, echo_port, 8);
  char *ea[] = {(char *)tp_tool(), "echo", "--udp", echo_local, "--ecn", NULL};
  pid_t echo = tp_spawn(dir, echo_name, ea);
  usleep(300000);
  char *sa[] = {(char *)tp_tool(), "send", "--udp",   send_local, "--peer",   peer,
                "--size",          "1000", "--count", "3000",     "--verify", "--ecn",
                "--timeout",       "60",   NULL};
  pid_t sender = tp_spawn(dir, send_name, sa);
  int rc = tp_wait(sender, 70000);
  usleep(300000);
  tp_stop(echo);
  int rrc = tp_wait(relay, 10000);
  if (rc || rrc) {
    tp_dump_logs(dir, send_name);
    tp_dump_logs(dir, echo_name);
    tp_dump_logs(dir, relay_name);
  }
  cr_assert_eq(rc, 0, "%s: csctp send failed", tag);
  cr_assert_eq(rrc, 0, "%s: the relay failed", tag);
  char *out = tp_slurp_log(dir, send_name, "out");
  char *err = tp_slurp_log(dir, echo_name, "err");
  char *rel = tp_slurp_log(dir, relay_name, "out");
  cr_log_info("%s: %s | %s | %s", tag, out, err, rel);
  cr_assert(strstr(out, "verified: 3000 echoes, all intact"), "%s: %s", tag, out);
  cr_assert(strstr(out, "ecn on:"), "%s: ECN not negotiated: %s", tag, out);
  /* The relay saw the sender's DATA arrive ECT(0) and marked some CE. */
  cr_assert_geq(num_after(rel, " ect "), 3000, "%s: DATA left Not-ECT: %s", tag, rel);
  cr_assert_gt(num_after(rel, " ce "), 0, "%s: %s", tag, rel);
  cr_assert_gt(num_after(rel, "ect-back "), 0, "%s: the echoes left Not-ECT: %s", tag, rel);
  /* The echo side read the CE marks and echoed them; the sender reduced and sent CWR. */
  cr_assert_gt(num_after(err, "CE in "), 0, "%s: the echo side never read a CE: %s", tag, err);
  cr_assert_gt(num_after(err, "ECNE out "), 0, "%s: %s", tag, err);
  const char *eo = strstr(out, "ECNE out ");
  cr_assert(eo && num_after(eo, " in ") > 0, "%s: the sender got no ECNE: %s", tag, out);
  cr_assert_gt(num_after(out, "cwnd reductions "), 0, "%s: %s", tag, out);
  cr_assert_gt(num_after(out, "CWR out "), 0, "%s: %s", tag, out);
  cr_assert_eq(num_after(out, "retransmissions "), 0, "%s: a packet was lost: %s", tag, out);
  g_free(out);
  g_free(err);
  g_free(rel);
}

Test(ecn_wire, udp_ipv4_marking_relay) { relay_run(0, "udp4"); }
Test(ecn_wire, udp_ipv6_marking_relay) { relay_run(1, "udp6"); }

/* ---- namespaces with a marking netem qdisc ---- */

static int netem_skip(int raw, const char *ns) {
  if (!tp_is_root()) {
    cr_skip_test("the netem ECN test needs root (network namespaces)");
    return 1;
  }
  if (!tp_have("ip") || !tp_have("tc")) {
    cr_skip_test("the netem ECN test needs iproute2 (`ip`, `tc`)");
    return 1;
  }
  if (raw && access("/sys/module/sctp", F_OK) == 0) {
    cr_skip_test("the kernel SCTP module is loaded: it answers protocol 132 itself (see README)");
    return 1;
  }
  cr_assert_eq(tp_netns_pair(ns, raw ? 80 : 79), 0, "could not create the namespaces");
  if (tp_sh("tc -n %s-b qdisc add dev %s-vb root netem loss 3%% ecn 2>/dev/null", ns, ns) != 0) {
    tp_netns_del(ns);
    cr_skip_test("this kernel has no netem qdisc (sch_netem): nothing marks CE");
    return 1;
  }
  return 0;
}

static void netem_run(int raw, const char *ns, const char *tag) {
  const char *ip_a = raw ? "10.80.0.1" : "10.79.0.1";
  char ns_a[32], ns_b[32];
  snprintf(ns_a, sizeof ns_a, "%s-a", ns);
  snprintf(ns_b, sizeof ns_b, "%s-b", ns);
  char local_a[64], local_b[64], peer[64];
  snprintf(local_a, sizeof local_a, raw ? "%s" : "%s:9899", ip_a);
  snprintf(local_b, sizeof local_b, raw ? "%s" : "%s:9899", raw ? "10.80.0.2" : "10.79.0.2");
  snprintf(peer, sizeof peer, "%s", local_a);
  const char *mode = raw ? "--raw" : "--udp";
  char echo_name[32], send_name[32];
  snprintf(echo_name, sizeof echo_name, "echo-%s", tag);
  snprintf(send_name, sizeof send_name, "send-%s", tag);
  char *ea[] = {"ip",   "netns",      "exec",  ns_a,    (char *)tp_tool(),
                "echo", (char *)mode, local_a, "--ecn", NULL};
  pid_t echo = tp_spawn(dir, echo_name, ea);
  usleep(300000);
  char *sa[] = {"ip",     "netns",      "exec",    ns_b,     (char *)tp_tool(),
                "send",   (char *)mode, local_b,   "--peer", peer,
                "--size", "1000",       "--count", "3000",   "--verify",
                "--ecn",  "--timeout",  "60",      NULL};
  pid_t sender = tp_spawn(dir, send_name, sa);
  int rc = tp_wait(sender, 70000);
  usleep(300000);
  tp_stop(echo);
  if (rc) {
    tp_dump_logs(dir, send_name);
    tp_dump_logs(dir, echo_name);
  }
  cr_assert_eq(rc, 0, "%s: csctp send failed", tag);
  char *out = tp_slurp_log(dir, send_name, "out");
  char *err = tp_slurp_log(dir, echo_name, "err");
  cr_log_info("%s: %s | %s", tag, out, err);
  cr_assert(strstr(out, "verified: 3000 echoes, all intact"), "%s: %s", tag, out);
  /* netem marks ECT packets instead of dropping them: the sender's DATA is marked, echoed. */
  cr_assert_gt(num_after(err, "CE in "), 0, "%s: nothing marked CE: %s", tag, err);
  cr_assert_gt(num_after(out, "cwnd reductions "), 0, "%s: %s", tag, out);
  cr_assert_gt(num_after(out, "CWR out "), 0, "%s: %s", tag, out);
  cr_assert_eq(num_after(out, "retransmissions "), 0, "%s: DATA was lost: %s", tag, out);
  g_free(out);
  g_free(err);
}

Test(ecn_wire, netns_netem_marks_ce_udp) {
  if (netem_skip(0, NS_UDP)) return;
  netem_run(0, NS_UDP, "netem-udp");
}

Test(ecn_wire, netns_netem_marks_ce_raw) {
  if (netem_skip(1, NS_RAW)) return;
  netem_run(1, NS_RAW, "netem-raw");
}
