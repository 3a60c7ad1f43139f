/* SPDX-License-Identifier: MIT */
/*
 * ASCONF interop with usrsctp (RFC 5061, issue 15) over UDP encapsulation (RFC 6951) between two
 * network namespaces joined by two veth pairs: csctp in A on 10.1.1.1 and 10.1.2.1, usrsctp in B
 * bound at first to 10.1.1.2 only, with AUTH (on by default there) and ASCONF on, as an echo.
 * `csctp send --asconf --verify` connects to 10.1.1.2 alone; half a second into the transfer
 * usrsctp adds 10.1.2.2 (usrsctp_bindx SCTP_BINDX_ADD_ADDR), which it announces in an
 * authenticated ASCONF Add IP: csctp must print the new path "unconfirmed (added)", then
 * "active (confirmed)" once its HEARTBEAT came back. Then link 1 goes down for good: the
 * transfer must fail over to the added path and complete there, every echo intact. Root only.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tputil.h"

#ifdef CSCTP_HAVE_USRSCTP
#include "usrsctp_udp_util.h"

#define DEFAULTS "CSCTP_DEFAULTS=rto_min=200,rto_max=1000,hb_interval=1000"
/* About 12,000 messages of 1000 bytes a second through usrsctp here: ~5 s of transfer. */
#define COUNT_S "60000"
#define ADDED "path 10.1.2.2:9899"

static char dir[64], prefix[16], ns_a[20], ns_b[20];

static void setup(void) { cr_assert_eq(tp_netns_names("ua", dir, prefix, ns_a, ns_b), 0); }

static void teardown(void) { tp_netns_cleanup(prefix, dir); }

TestSuite(usrsctp_asconf, .init = setup, .fini = teardown, .timeout = 200);

static void fail_dump(const char *what) {
  tp_dump_logs(dir, "send");
  tp_dump_logs(dir, "usrecho");
  cr_assert_fail("%s", what);
}

/* The packets csctp sent on the path to `addr` (its table at the end of send --verify). */
static unsigned long packets_out(const char *out, const char *addr) {
  const char *p = strstr(out, addr);
  const char *k = p ? strstr(p, "packets out ") : NULL;
  return k ? strtoul(k + strlen("packets out "), NULL, 10) : 0;
}

Test(usrsctp_asconf, usrsctp_adds_an_address_csctp_verifies_it_and_fails_over_to_it) {
  const char *why = tp_multihome_unavailable(0);
  if (why) {
    cr_skip_test("usrsctp ASCONF test skipped: %s", why);
    return;
  }
  cr_assert(tp_tool_has("send", "--asconf"), "csctp send has no --asconf");
  cr_assert_eq(tp_netns_two_links(prefix, 1), 0);
  pid_t echo = tp_fork(dir, "usrecho");
  cr_assert_geq(echo, 0);
  if (echo == 0) {
    usr_cfg c = {.ns = ns_b,
                 .local = {"10.1.1.2"},
                 .n_local = 1,
                 .udp_port = 9899,
                 .multihome = 1,
                 .pf = 0,
                 .pmr = 5,
                 .asconf = 1,
                 .add_addr = "10.1.2.2",
                 .add_after_ms = 500};
    _exit(usr_echo_main(&c));
  }
  if (tp_wait_log(dir, "usrecho", "out", "listening", 0, 3000) < 0)
    fail_dump("usrsctp echo did not start");
  char *argv[] = {"ip",
                  "netns",
                  "exec",
                  ns_a,
                  "env",
                  DEFAULTS,
                  (char *)tp_tool(),
                  "send",
                  "--udp",
                  "10.1.1.1,10.1.2.1:9899",
                  "--peer",
                  "10.1.1.2:9899",
                  "--asconf",
                  "--size",
                  "1000",
                  "--count",
                  COUNT_S,
                  "--streams",
                  "4",
                  "--verify",
                  "--pf",
                  "0",
                  "--timeout",
                  "60",
                  NULL};
  pid_t sp = tp_spawn(dir, "send", argv);
  cr_assert_gt(sp, 0);

  /* usrsctp's bindx, then csctp's new path: unconfirmed first, confirmed by its HEARTBEAT. */
  if (tp_wait_log(dir, "usrecho", "out", "added 10.1.2.2", 0, 5000) < 0)
    fail_dump("usrsctp did not add 10.1.2.2");
  double t_add = tp_now_ms();
  double added = tp_wait_log(dir, "send", "err", ADDED " unconfirmed (added)", 0, 3000);
  if (added < 0) fail_dump("csctp: no 'unconfirmed (added)' for usrsctp's new address");
  char *log = tp_slurp_log(dir, "send", "err");
  size_t at_added = (size_t)(strstr(log, ADDED " unconfirmed (added)") - log);
  g_free(log);
  double confirmed = tp_wait_log(dir, "send", "err", ADDED " active (confirmed)", at_added, 5000);
  if (confirmed < 0) fail_dump("csctp: the added path was never confirmed");
  fprintf(stderr,
          "usrsctp added 10.1.2.2: csctp's path unconfirmed (added) after %.0f ms, active "
          "(confirmed) %.0f ms later\n",
          added, confirmed);

  /* Link 1 down for good: the path to 10.1.1.2 fails, the rest goes over the added one. */
  size_t at_cut = tp_log_size(dir, "send", "err");
  double t_cut = tp_now_ms();
  cr_assert_eq(tp_netns_link_set(prefix, 1, 0), 0);
  double pf =
      tp_wait_log(dir, "send", "err", "path 10.1.1.2:9899 potentially-failed", at_cut, 6000);
  if (pf < 0) fail_dump("csctp: path 1 never potentially-failed after the cut (transfer over?)");
  int rc = tp_wait(sp, 90000);
  tp_stop(echo);
  char *out = tp_slurp_log(dir, "send", "out");
  fprintf(stderr,
          "csctp send -> usrsctp echo, cut %.0f ms after the add, path 1 potentially-failed after "
          "%.0f ms: %s",
          t_cut - t_add, pf, out);
  if (rc) fail_dump("csctp send failed");
  cr_assert(strstr(out, "verified: " COUNT_S " echoes, all intact"), "%s", out);
  unsigned long over_added = packets_out(out, ADDED " state active");
  cr_assert_gt(over_added, 1000, "the transfer did not go on over the added path: %lu packets",
               over_added);
  g_free(out);
}

#else

Test(usrsctp_asconf, skipped) {
  cr_skip_test("usrsctp not found at build time (apt-get install libusrsctp-dev)");
}

#endif
