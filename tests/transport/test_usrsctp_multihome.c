/* SPDX-License-Identifier: MIT */
/*
 * Multi-homing interop with usrsctp (Debian's libusrsctp) over UDP encapsulation (RFC 6951)
 * between two network namespaces joined by two veth pairs (issue 15, plan §5.4): csctp in A on
 * 10.1.1.1 and 10.1.2.1, usrsctp in B on 10.1.1.2 and 10.1.2.2 (usrsctp_bindx), both with
 * heartbeats every second, RTO 200 ms to 1 s and SCTP-PF after the first error, usrsctp's
 * ASCONF off (csctp has none yet). Both ways:
 *   (a) `csctp send --verify` (connectx to both of usrsctp's addresses) -> usrsctp echo;
 *   (b) a usrsctp sender (usrsctp_connectx to both of ours, checks every echo, measures its
 *       own longest gap) -> `csctp echo`.
 * Before the cut each side must know both of the other's addresses, confirmed by heartbeats:
 * usrsctp_getpaddrs = 2 and SCTP_GET_PEER_ADDR_INFO ACTIVE on its side, our "path ... active
 * (confirmed)" lines on ours. About a second into the transfer link 1 goes down, two seconds
 * later it comes back: nothing may be lost, both stacks must fail over (the longest gap under
 * the PF bound) and both must see path 1 come back. Root only (namespaces).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tputil.h"

#ifdef CSCTP_HAVE_USRSCTP
#include "usrsctp_udp_util.h"

#define DEFAULTS "CSCTP_DEFAULTS=rto_min=200,rto_max=1000,hb_interval=1000"
/* About 12,000 messages of 1000 bytes a second through usrsctp here: ~5 s of transfer. */
#define COUNT 60000
#define COUNT_S "60000"
/* With PF after the first error on both sides, the first T3 (one RTO, at most rto_max = 1 s)
 * moves the data to link 2; 0.5 s of slack for a busy machine. */
#define PF_GAP_MS 1500.0
/* An inactive path is probed every hb_interval (+ up to one RTO), a PF one every RTO, each
 * answered within one RTO: 1 s + 1 s, plus 1 s of slack. */
#define RECOVER_MS 3000
/* csctp's line for its path to usrsctp's address on link 1 (the primary). */
#define OUR_PEER1 "path 10.1.1.2:9899"

static char dir[64], prefix[16], ns_a[20], ns_b[20];

static void setup(void) { cr_assert_eq(tp_netns_names("um", dir, prefix, ns_a, ns_b), 0); }

static void teardown(void) { tp_netns_cleanup(prefix, dir); }

TestSuite(usrsctp_multihome, .init = setup, .fini = teardown, .timeout = 200);

static int skip_reason(void) {
  const char *why = tp_multihome_unavailable(0);
  if (why) cr_skip_test("usrsctp multi-homing tests skipped: %s", why);
  return why != NULL;
}

static void fail_dump(const char *ours, const char *theirs, const char *what) {
  tp_dump_logs(dir, ours);
  tp_dump_logs(dir, theirs);
  cr_assert_fail("%s", what);
}

/* Where each side prints its path lines. */
typedef struct side {
  const char *name, *ext;
} side;

/* The cut and the return of link 1 while a transfer runs; `ours`/`theirs`: csctp's and
 * usrsctp's logs. usrsctp (FreeBSD's stack) reports no PF state: its side of the failover is
 * proven by the transfer going on (the gap) and its path changes are printed for the record. */
static void cut_and_restore(side ours, side theirs, int learned, double t_spawn) {
  /* Both know both addresses of the other, confirmed, before the cut: csctp's echo learns
   * usrsctp's second address from the INIT and confirms it with a heartbeat; csctp's send was
   * given both (connectx: confirmed from the start, RFC 9260 §5.4), as usrsctp's sender was. */
  if (learned &&
      tp_wait_log(dir, ours.name, ours.ext, "path 10.1.2.2:9899 active (confirmed)", 0, 5000) < 0)
    fail_dump(ours.name, theirs.name, "csctp: usrsctp's second address never confirmed");
  if (tp_wait_log(dir, theirs.name, theirs.ext, "usrsctp: 2 peer addresses, all confirmed", 0,
                  5000) < 0)
    fail_dump(ours.name, theirs.name, "usrsctp: not both of our addresses confirmed");
  tp_sleep_until(t_spawn + 1000);
  double t_cut = tp_now_ms();
  size_t at_cut = tp_log_size(dir, ours.name, ours.ext);
  cr_assert_eq(tp_netns_link_set(prefix, 1, 0), 0);
  double ours_pf =
      tp_wait_log(dir, ours.name, ours.ext, OUR_PEER1 " potentially-failed", at_cut, 6000);
  tp_sleep_until(t_cut + 2000);
  size_t at_up = tp_log_size(dir, ours.name, ours.ext);
  char *down = tp_slurp_log(dir, ours.name, ours.ext);
  int early = strlen(down) >= at_up && strstr(down + at_cut, OUR_PEER1 " active (recovered)") &&
              strstr(down + at_cut, OUR_PEER1 " active (recovered)") < down + at_up;
  g_free(down);
  cr_assert(!early, "csctp: path 1 'recovered' while its link was down");
  cr_assert_eq(tp_netns_link_set(prefix, 1, 1), 0);
  double ours_rec = tp_wait_log(dir, ours.name, ours.ext, OUR_PEER1 " active (recovered)", at_up,
                                RECOVER_MS + 1000);
  fprintf(stderr,
          "link 1 cut %.0f ms after the start: csctp's path 1 potentially-failed after %.0f ms; "
          "back after 2 s: csctp's path 1 recovered after %.0f ms\n",
          t_cut - t_spawn, ours_pf, ours_rec);
  char *log = tp_slurp_log(dir, theirs.name, theirs.ext); /* usrsctp's path lines, for the record */
  for (char *l = strtok(log, "\n"); l; l = strtok(NULL, "\n"))
    if (strstr(l, "peer address")) fprintf(stderr, "  %s\n", l);
  g_free(log);
  if (ours_pf < 0) fail_dump(ours.name, theirs.name, "csctp: path 1 never potentially-failed");
  cr_assert(ours_rec >= 0 && ours_rec < RECOVER_MS, "csctp: path 1 recovered after %.0f ms",
            ours_rec);
}

/* argv of the csctp command `args` (NULL-terminated) in A with the test's RTO figures;
 * g_free it. */
static char **csctp_in_a(char **args) {
  GPtrArray *v = g_ptr_array_new();
  char *pre[] = {"ip", "netns", "exec", ns_a, "env", DEFAULTS, (char *)tp_tool()};
  for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) g_ptr_array_add(v, pre[i]);
  for (char **a = args; *a; a++) g_ptr_array_add(v, *a);
  g_ptr_array_add(v, NULL);
  return (char **)g_ptr_array_free(v, FALSE);
}

/* usrsctp in B on both of its addresses, UDP port 9899, heartbeats, PF after the first error. */
static usr_cfg usr_b(void) {
  usr_cfg c = {.ns = ns_b,
               .local = {"10.1.1.2", "10.1.2.2"},
               .n_local = 2,
               .udp_port = 9899,
               .multihome = 1,
               .pf = 0,
               .pmr = 5};
  return c;
}

/* The test's own gap measurement on side `s` ('a' or 'b'): the echoes arriving there. */
static pid_t rx_gap(char s) {
  char d1[24], d2[24];
  snprintf(d1, sizeof d1, "%s-%c1", prefix, s);
  snprintf(d2, sizeof d2, "%s-%c2", prefix, s);
  return tp_rx_gap_spawn(dir, "rxgap", s == 'a' ? ns_a : ns_b, d1, d2, 1000);
}

/* The sender's "longest gap between echoes" in `out`, printed next to the own measurement and
 * checked against the PF bound. */
static void check_gap(const char *out, const char *what) {
  const char *g = strstr(out, "longest gap between echoes: ");
  cr_assert_not_null(g, "%s: no longest gap: %s", what, out);
  double gap = strtod(g + strlen("longest gap between echoes: "), NULL);
  fprintf(stderr, "%s: longest gap %.0f ms (the sender's), %.0f ms (own, rx on its side)\n", what,
          gap, tp_rx_gap_read(dir, "rxgap"));
  cr_assert_lt(gap, PF_GAP_MS, "%s: longest gap %.0f ms", what, gap);
}

/* (a) csctp send -> usrsctp echo. */
Test(usrsctp_multihome, csctp_send_to_usrsctp_echo_survives_a_link_cut) {
  if (skip_reason()) return;
  cr_assert_eq(tp_netns_two_links(prefix, 1), 0);
  pid_t echo = tp_fork(dir, "usrecho");
  cr_assert_geq(echo, 0);
  if (echo == 0) {
    usr_cfg c = usr_b();
    _exit(usr_echo_main(&c));
  }
  if (tp_wait_log(dir, "usrecho", "out", "listening", 0, 3000) < 0)
    fail_dump("usrecho", "usrecho", "usrsctp echo did not start");
  pid_t gp = rx_gap('a');
  char *sa[] = {"send",
                "--udp",
                "10.1.1.1,10.1.2.1:9899",
                "--peer",
                "10.1.1.2,10.1.2.2:9899",
                "--size",
                "1000",
                "--count",
                COUNT_S,
                "--streams",
                "4",
                "--verify",
                "--pf",
                "0",
                "--linger",
                "4",
                "--timeout",
                "60",
                NULL};
  char **sargv = csctp_in_a(sa);
  double t_spawn = tp_now_ms();
  pid_t sp = tp_spawn(dir, "send", sargv);
  g_free(sargv);
  cut_and_restore((side){"send", "err"}, (side){"usrecho", "out"}, 0, t_spawn);
  int rc = tp_wait(sp, 90000);
  tp_stop(gp);
  tp_stop(echo);
  char *out = tp_slurp_log(dir, "send", "out");
  fprintf(stderr, "csctp send -> usrsctp echo, multi-homed: %s", out);
  if (rc) fail_dump("send", "usrecho", "csctp send failed");
  cr_assert(strstr(out, "verified: " COUNT_S " echoes, all intact"), "%s", out);
  cr_assert(strstr(out, "path 10.1.1.2:9899 state ") && strstr(out, "path 10.1.2.2:9899 state "),
            "csctp does not list both of usrsctp's addresses: %s", out);
  check_gap(out, "csctp send -> usrsctp echo");
  g_free(out);
}

/* (b) usrsctp sender -> csctp echo. */
Test(usrsctp_multihome, usrsctp_send_to_csctp_echo_survives_a_link_cut) {
  if (skip_reason()) return;
  cr_assert_eq(tp_netns_two_links(prefix, 1), 0);
  char *ea[] = {"echo", "--udp", "10.1.1.1,10.1.2.1:9899", "--pf", "0", NULL};
  char **eargv = csctp_in_a(ea);
  pid_t ep = tp_spawn(dir, "echo", eargv);
  g_free(eargv);
  if (tp_wait_log(dir, "echo", "err", "listening", 0, 3000) < 0)
    fail_dump("echo", "echo", "csctp echo did not start");
  pid_t gp = rx_gap('b');
  double t_spawn = tp_now_ms();
  pid_t snd = tp_fork(dir, "usrsend");
  cr_assert_geq(snd, 0);
  if (snd == 0) {
    usr_cfg c = usr_b();
    c.peer[0] = "10.1.1.1";
    c.peer[1] = "10.1.2.1";
    c.n_peer = 2;
    c.peer_udp = 9899;
    c.size = 1000;
    c.count = COUNT;
    c.streams = 4;
    c.linger_s = 4;
    _exit(usr_send_main(&c));
  }
  cut_and_restore((side){"echo", "err"}, (side){"usrsend", "out"}, 1, t_spawn);
  int rc = tp_wait(snd, 90000);
  tp_stop(gp);
  usleep(300000); /* the SHUTDOWN exchange */
  tp_stop(ep);
  char *out = tp_slurp_log(dir, "usrsend", "out");
  char *log = tp_slurp_log(dir, "echo", "err");
  fprintf(stderr, "usrsctp send -> csctp echo, multi-homed: %s", out);
  if (rc) fail_dump("echo", "usrsend", "the usrsctp sender failed");
  cr_assert(strstr(out, "usrsctp send: " COUNT_S " messages") && strstr(out, "; 0 bad"), "%s", out);
  cr_assert(strstr(log, "closed after " COUNT_S " messages"), "csctp echo: no graceful close: %s",
            log);
  check_gap(out, "usrsctp send -> csctp echo");
  g_free(out);
  g_free(log);
}

#else

Test(usrsctp_multihome, skipped) {
  cr_skip_test("usrsctp not found at build time (apt-get install libusrsctp-dev)");
}

#endif
