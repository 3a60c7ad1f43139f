/* SPDX-License-Identifier: MIT */
/*
 * Interop with usrsctp (Debian's libusrsctp) over UDP encapsulation (RFC 6951), both ways:
 * `csctp send --udp --verify` against a usrsctp echo, and a usrsctp sender (which checks every
 * echo) against `csctp echo --udp`; several streams, ordered and unordered, PPIDs, messages of
 * 1 KB to 64 KiB, a graceful shutdown at the end.
 *
 * The usrsctp programs (usrsctp_udp_util.c) run in forked children (usrsctp keeps
 * process-wide state and threads): usrsctp_init(udp_port) opens its UDP tunnelling socket, and
 * SCTP_REMOTE_UDP_ENCAPS_PORT tells the sender where to send. As root the two sides run in two
 * network namespaces joined by a veth pair (usrsctp also opens raw SCTP sockets as root, which
 * must not see the host's SCTP traffic); otherwise both use 127.0.0.1 (no raw sockets then).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tputil.h"

#ifdef CSCTP_HAVE_USRSCTP
#include "usrsctp_udp_util.h"

/* ---------------------------------------------------------------- the test */

static char dir[64];
static char ns_a[16], ns_b[16]; /* csctp's and usrsctp's namespaces when root */
static char ip_a[32], ip_b[32];

static void setup(void) {
  snprintf(dir, sizeof(dir), "/tmp/csctp-usrudp-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  ns_a[0] = ns_b[0] = 0;
  snprintf(ip_a, sizeof(ip_a), "127.0.0.1");
  snprintf(ip_b, sizeof(ip_b), "127.0.0.1");
  /* CSCTP_TEST_LOOPBACK=1: 127.0.0.1 even as root (to watch with tshark -i lo). */
  if (tp_is_root() && tp_have("ip") && !getenv("CSCTP_TEST_LOOPBACK")) {
    char prefix[12];
    snprintf(prefix, sizeof(prefix), "uu%d", (int)(getpid() % 100000));
    if (tp_netns_pair(prefix, 79) == 0) {
      snprintf(ns_a, sizeof(ns_a), "%s-a", prefix);
      snprintf(ns_b, sizeof(ns_b), "%s-b", prefix);
      snprintf(ip_a, sizeof(ip_a), "10.79.0.1");
      snprintf(ip_b, sizeof(ip_b), "10.79.0.2");
    } else {
      tp_netns_del(prefix);
    }
  }
}

static void teardown(void) {
  tp_stop_all();
  if (ns_a[0]) {
    char prefix[16];
    snprintf(prefix, sizeof(prefix), "%.*s", (int)strlen(ns_a) - 2, ns_a);
    tp_netns_del(prefix);
  }
  if (dir[0]) tp_sh("rm -rf %s", dir);
  dir[0] = 0;
}

TestSuite(usrsctp_udp, .init = setup, .fini = teardown, .timeout = 240);

/* argv for the csctp command, in csctp's namespace when there is one. */
static char **csctp_argv(char **args) {
  GPtrArray *v = g_ptr_array_new();
  if (ns_a[0]) {
    g_ptr_array_add(v, "ip");
    g_ptr_array_add(v, "netns");
    g_ptr_array_add(v, "exec");
    g_ptr_array_add(v, ns_a);
  }
  g_ptr_array_add(v, (char *)tp_tool());
  for (char **a = args; *a; a++) g_ptr_array_add(v, *a);
  g_ptr_array_add(v, NULL);
  return (char **)g_ptr_array_free(v, FALSE);
}

static uint16_t port_or(uint16_t fixed) {
  if (ns_a[0]) return fixed; /* a namespace of our own: no one else there */
  uint16_t p = tp_free_udp_port();
  cr_assert_neq(p, 0);
  return p;
}

/* csctp send -> usrsctp echo; `plpmtud` (or NULL): csctp searches the path MTU up to it. */
static void csctp_to_usrsctp_pl(const char *size, const char *count, const char *streams,
                                int unordered, const char *plpmtud) {
  uint16_t uport = port_or(9899), cport = port_or(9899);
  pid_t echo = tp_fork(dir, "usrecho");
  cr_assert_geq(echo, 0);
  if (echo == 0) {
    usr_cfg c = {.ns = ns_b[0] ? ns_b : NULL, .local = {ip_b}, .n_local = 1, .udp_port = uport};
    _exit(usr_echo_main(&c));
  }
  usleep(500000);
  char local[64], peer[64];
  snprintf(local, sizeof(local), "%s:%u", ip_a, cport);
  snprintf(peer, sizeof(peer), "%s:%u", ip_b, uport);
  char *args[] = {"send",
                  "--udp",
                  local,
                  "--peer",
                  peer,
                  "--size",
                  (char *)size,
                  "--count",
                  (char *)count,
                  "--streams",
                  (char *)streams,
                  "--ppid",
                  "51",
                  "--verify",
                  "--timeout",
                  "120",
                  unordered ? "--unordered" : NULL,
                  NULL,
                  NULL,
                  NULL,
                  NULL,
                  NULL,
                  NULL,
                  NULL};
  if (plpmtud) { /* usrsctp answers the probes: the search ends at the link's limit */
    size_t n = 0;
    while (args[n]) n++; /* after the options above */
    char *more[] = {"--plpmtud", (char *)plpmtud, "--plpmtud-probe-timer", "1000", "--linger", "8"};
    memcpy(args + n, more, sizeof(more));
  }
  char **argv = csctp_argv(args);
  pid_t send = tp_spawn(dir, "send", argv);
  g_free(argv);
  int rc = tp_wait(send, 150000);
  tp_stop(echo);
  char *out = tp_slurp_log(dir, "send", "out");
  fprintf(stderr, "csctp send -> usrsctp echo (%s x %s B, %s streams%s): %s", count, size, streams,
          unordered ? ", unordered" : "", out);
  g_free(out);
  if (rc) {
    tp_dump_logs(dir, "send");
    tp_dump_logs(dir, "usrecho");
  }
  cr_assert_eq(rc, 0, "csctp send to the usrsctp echo failed");
}

static void csctp_to_usrsctp(const char *size, const char *count, const char *streams,
                             int unordered) {
  csctp_to_usrsctp_pl(size, count, streams, unordered, NULL);
}

/* usrsctp sender -> csctp echo. */
static void usrsctp_to_csctp(size_t size, uint32_t count, uint16_t streams, int unordered) {
  uint16_t cport = port_or(9899), uport = port_or(9899);
  char bind[64];
  snprintf(bind, sizeof(bind), "%s:%u", ip_a, cport);
  char *args[] = {"echo", "--udp", bind, NULL};
  char **argv = csctp_argv(args);
  pid_t echo = tp_spawn(dir, "echo", argv);
  g_free(argv);
  usleep(300000);
  pid_t snd = tp_fork(dir, "usrsend");
  cr_assert_geq(snd, 0);
  if (snd == 0) {
    usr_cfg c = {.ns = ns_b[0] ? ns_b : NULL,
                 .local = {ip_b},
                 .n_local = 1,
                 .udp_port = uport,
                 .peer = {ip_a},
                 .n_peer = 1,
                 .peer_udp = cport,
                 .size = size,
                 .count = count,
                 .streams = streams,
                 .unordered = unordered};
    _exit(usr_send_main(&c));
  }
  int rc = tp_wait(snd, 150000);
  usleep(200000); /* the SHUTDOWN exchange */
  tp_stop(echo);
  char *out = tp_slurp_log(dir, "usrsend", "out");
  char *log = tp_slurp_log(dir, "echo", "err");
  char want[64];
  snprintf(want, sizeof(want), "closed after %u messages\n", count);
  int graceful = strstr(log, want) != NULL;
  fprintf(stderr, "usrsctp send -> csctp echo (%u x %zu B, %u streams%s): %s", count, size, streams,
          unordered ? ", unordered" : "", out);
  g_free(out);
  g_free(log);
  if (rc || !graceful) {
    tp_dump_logs(dir, "usrsend");
    tp_dump_logs(dir, "echo");
  }
  cr_assert_eq(rc, 0, "the usrsctp sender failed");
  cr_assert(graceful, "csctp echo: no graceful close after %u messages", count);
}

Test(usrsctp_udp, csctp_send_to_usrsctp_echo_1k) { csctp_to_usrsctp("1000", "5000", "8", 0); }
Test(usrsctp_udp, csctp_send_to_usrsctp_echo_64k) { csctp_to_usrsctp("65536", "300", "4", 0); }
Test(usrsctp_udp, csctp_send_to_usrsctp_echo_unordered) {
  csctp_to_usrsctp("16384", "500", "5", 1);
}
/* PLPMTUD (RFC 8899) against usrsctp: csctp's HEARTBEATs padded with a PAD chunk (RFC 4820)
 * are answered, and the search ends at what the link carries: a veth of 1,400 bytes between
 * the namespaces (as root), else loopback (65,536) capped by the 4,000 asked. */
Test(usrsctp_udp, csctp_plpmtud_probes_answered_by_usrsctp) {
  unsigned link = 65536;
  if (ns_a[0]) {
    char prefix[16];
    snprintf(prefix, sizeof(prefix), "%.*s", (int)strlen(ns_a) - 2, ns_a);
    cr_assert_eq(tp_sh("ip -n %1$s-a link set %1$s-va mtu 1400 && ip -n %1$s-b link set %1$s-vb "
                       "mtu 1400",
                       prefix),
                 0);
    link = 1400;
  }
  unsigned want = (link - 20 - 8) & ~3u;
  if (want > 4000) want = 4000;
  csctp_to_usrsctp_pl("3000", "2000", "2", 0, "4000");
  char line[64];
  snprintf(line, sizeof line, "path MTU %u bytes (PLPMTUD)", want);
  char *out = tp_slurp_log(dir, "send", "out");
  cr_assert(strstr(out, line), "wanted '%s': %s", line, out);
  g_free(out);
}

Test(usrsctp_udp, usrsctp_send_to_csctp_echo_1k) { usrsctp_to_csctp(1000, 5000, 8, 0); }
Test(usrsctp_udp, usrsctp_send_to_csctp_echo_64k) { usrsctp_to_csctp(65536, 300, 4, 0); }
Test(usrsctp_udp, usrsctp_send_to_csctp_echo_unordered) { usrsctp_to_csctp(16384, 500, 5, 1); }

#else

Test(usrsctp_udp, skipped) {
  cr_skip_test("usrsctp not found at build time (apt-get install libusrsctp-dev)");
}

#endif
