/* SPDX-License-Identifier: MIT */
/*
 * ASCONF interop with usrsctp (RFC 5061, issue 15) over UDP encapsulation (RFC 6951) between two
 * network namespaces joined by two veth pairs: csctp in A on 10.1.1.1 and 10.1.2.1, usrsctp in B
 * bound at first to 10.1.1.2 only, with AUTH (on by default there) and ASCONF on, as an echo.
 * `csctp send --asconf --verify` connects to 10.1.1.2 alone; half a second into the transfer
 * usrsctp adds 10.1.2.2 (usrsctp_bindx SCTP_BINDX_ADD_ADDR), which it announces in an
 * authenticated ASCONF Add IP: csctp must print the new path "unconfirmed (added)", then
 * "active (confirmed)" once its HEARTBEAT came back. Then link 1 goes down for good: the
 * transfer must fail over to the added path and complete there, every echo intact. In a second
 * run usrsctp deletes the address again (ASCONF Delete IP) and csctp must drop the path
 * ("gone (removed)"). The other way, csctp (through the socket API) adds 10.1.2.1 by ASCONF,
 * usrsctp verifies it, and the transfer fails over to it; csctp deletes it again and usrsctp
 * removes it. Root only.
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

/* usrsctp's echo in B on 10.1.1.2 with ASCONF, adding 10.1.2.2 half a second into the transfer
 * (and deleting it `del_after_ms` later when non-zero); `csctp send --asconf --verify` in A to
 * 10.1.1.2 alone. Returns the sender's pid once csctp printed the added path unconfirmed, then
 * confirmed; *at_confirmed: the size of its log then, *t_add: when usrsctp added it. */
static pid_t start_and_confirm(unsigned del_after_ms, size_t *at_confirmed, double *t_add) {
  const char *why = tp_multihome_unavailable(0);
  if (why) {
    cr_skip_test("usrsctp ASCONF test skipped: %s", why);
    return -1;
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
                 .add_after_ms = 500,
                 .del_after_ms = del_after_ms};
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
  *t_add = tp_now_ms();
  double added = tp_wait_log(dir, "send", "err", ADDED " unconfirmed (added)", 0, 3000);
  if (added < 0) fail_dump("csctp: no 'unconfirmed (added)' for usrsctp's new address");
  char *log = tp_slurp_log(dir, "send", "err");
  size_t at_added = (size_t)(strstr(log, ADDED " unconfirmed (added)") - log);
  g_free(log);
  double confirmed = tp_wait_log(dir, "send", "err", ADDED " active (confirmed)", at_added, 5000);
  if (confirmed < 0) fail_dump("csctp: the added path was never confirmed");
  *at_confirmed = tp_log_size(dir, "send", "err");
  fprintf(stderr,
          "usrsctp added 10.1.2.2: csctp's path unconfirmed (added) after %.0f ms, active "
          "(confirmed) %.0f ms later\n",
          added, confirmed);
  return sp;
}

/* The end of the transfer: every echo intact; its output (g_free it). */
static char *finish(pid_t sp, const char *what) {
  int rc = tp_wait(sp, 90000);
  tp_stop_all();
  char *out = tp_slurp_log(dir, "send", "out");
  fprintf(stderr, "%s: %s", what, out);
  if (rc) fail_dump("csctp send failed");
  cr_assert(strstr(out, "verified: " COUNT_S " echoes, all intact"), "%s", out);
  return out;
}

Test(usrsctp_asconf, usrsctp_adds_an_address_csctp_verifies_it_and_fails_over_to_it) {
  size_t at_cut;
  double t_add;
  pid_t sp = start_and_confirm(0, &at_cut, &t_add);
  if (sp < 0) return;
  /* Link 1 down for good: the path to 10.1.1.2 fails, the rest goes over the added one. */
  double t_cut = tp_now_ms();
  cr_assert_eq(tp_netns_link_set(prefix, 1, 0), 0);
  double pf =
      tp_wait_log(dir, "send", "err", "path 10.1.1.2:9899 potentially-failed", at_cut, 6000);
  if (pf < 0) fail_dump("csctp: path 1 never potentially-failed after the cut (transfer over?)");
  char what[128];
  snprintf(what, sizeof what, "cut %.0f ms after the add, path 1 potentially-failed after %.0f ms",
           t_cut - t_add, pf);
  char *out = finish(sp, what);
  unsigned long over_added = packets_out(out, ADDED " state active");
  cr_assert_gt(over_added, 1000, "the transfer did not go on over the added path: %lu packets",
               over_added);
  g_free(out);
}

/* A second later usrsctp deletes the address again (ASCONF Delete IP): csctp drops the path and
 * prints it "gone (removed)", and the transfer goes on over link 1. */
Test(usrsctp_asconf, usrsctp_deletes_the_added_address_csctp_removes_the_path) {
  size_t at_confirmed;
  double t_add;
  pid_t sp = start_and_confirm(1000, &at_confirmed, &t_add);
  if (sp < 0) return;
  if (tp_wait_log(dir, "usrecho", "out", "deleted 10.1.2.2", 0, 3000) < 0)
    fail_dump("usrsctp did not delete 10.1.2.2");
  double gone = tp_wait_log(dir, "send", "err", ADDED " gone (removed)", at_confirmed, 3000);
  if (gone < 0) fail_dump("csctp: no 'gone (removed)' for the deleted address");
  char what[96];
  snprintf(what, sizeof what,
           "10.1.2.2 deleted 1 s after the add, csctp removed the path after %.0f ms", gone);
  char *out = finish(sp, what);
  cr_assert_null(strstr(out, ADDED), "the deleted path is still listed: %s", out);
  cr_assert_null(strstr(out, "state gone"), "an empty path slot is listed: %s", out);
  g_free(out);
}

/* ---- the other way: csctp adds an address (csctp_socket_add_local_address) ---- */

/* csctp's side in A, through the socket API (the CLI has no option for it): connects from
 * 10.1.1.1 alone to usrsctp's 10.1.1.2 with ASCONF, sends CLI_COUNT messages of 1000 bytes
 * and checks their echoes, adds 10.1.2.1 half a second after the connection. Exit 0 when every
 * echo came back intact. */
#define CLI_COUNT 100000
typedef struct cli_state {
  GMainContext *ctx;
  csctp_socket *s;
  uint32_t next, echoed, bad;
  int connected, closed, added, deleted, done;
  unsigned del_after_ms; /* non-zero: the added address deleted again that long after */
  gint64 t_conn;
} cli_state;

static void cli_fill(uint8_t *b, uint32_t i) {
  for (size_t j = 0; j < 1000; j++) b[j] = (uint8_t)(i * 7u + j);
}
static void cli_pump(cli_state *c) {
  uint8_t b[1000];
  while (c->connected && c->next < CLI_COUNT) {
    cli_fill(b, c->next);
    csctp_write_opts o = {0, 51, 0};
    if (csctp_socket_write(c->s, b, sizeof b, &o) < 0) break;
    c->next++;
    if (csctp_socket_writable_need_drain(c->s)) break;
  }
}
static void cli_connect(csctp_socket *s, void *ud) {
  cli_state *c = ud;
  (void)s;
  c->connected = 1;
  c->t_conn = g_get_monotonic_time();
  cli_pump(c);
}
static void cli_drain(csctp_socket *s, void *ud) {
  (void)s;
  cli_pump(ud);
}
static void cli_data(csctp_socket *s, const csctp_message *m, void *ud) {
  cli_state *c = ud;
  (void)s;
  uint8_t b[1000];
  cli_fill(b, c->echoed);
  if (m->len != sizeof b || memcmp(m->data, b, sizeof b)) c->bad++;
  if (++c->echoed == CLI_COUNT) c->done = 1;
}
static void cli_close(csctp_socket *s, int had_error, void *ud) {
  (void)s;
  (void)had_error;
  ((cli_state *)ud)->closed = 1;
}
static void cli_path(csctp_socket *s, unsigned path, const char *address, int state, int reason,
                     void *ud) {
  (void)s, (void)path, (void)ud;
  fprintf(stderr, "csctp: path %s state %d reason %d\n", address, state, reason);
}

static int cli_main(const char *ns, unsigned del_after_ms) {
  if (usr_enter_netns(ns)) return 2;
  cli_state c = {.ctx = g_main_context_new(), .del_after_ms = del_after_ms};
  const char *local[] = {"10.1.1.1"}, *hosts[] = {"10.1.1.2"};
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.udp_transport = 1;
  o.local_addresses = local;
  o.n_local_addresses = 1;
  o.hosts = hosts;
  o.n_hosts = 1;
  o.asconf = 1;
  o.pf_max_retrans = 0;
  o.OS = 4;
  csctp_socket_events ev = {
      .connect = cli_connect, .data = cli_data, .drain = cli_drain, .close = cli_close};
  char *err = NULL;
  if (csctp_socket_connect(c.ctx, &o, &ev, &c, &c.s, &err) != 0) {
    fprintf(stderr, "connect: %s\n", err ? err : "?");
    return 2;
  }
  csctp_socket_on_path(c.s, cli_path);
  gint64 end = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
  while (!c.done && !c.closed && g_get_monotonic_time() < end) {
    g_main_context_iteration(c.ctx, TRUE);
    if (c.connected && !c.added && g_get_monotonic_time() - c.t_conn > 500000) {
      c.added = 1;
      int rv = csctp_socket_add_local_address(c.s, "10.1.2.1");
      printf("csctp: add_local_address 10.1.2.1: %d\n", rv);
      fflush(stdout);
    }
    if (c.added && c.del_after_ms && !c.deleted &&
        g_get_monotonic_time() - c.t_conn > 500000 + (gint64)c.del_after_ms * 1000) {
      c.deleted = 1;
      int rv = csctp_socket_del_local_address(c.s, "10.1.2.1");
      printf("csctp: del_local_address 10.1.2.1: %d\n", rv);
      fflush(stdout);
    }
  }
  printf("csctp: %u of %d echoes, %u bad\n", c.echoed, CLI_COUNT, c.bad);
  csctp_path_info pi;
  char a[64];
  for (unsigned i = 0; i < csctp_socket_path_count(c.s); i++)
    if (csctp_socket_get_path(c.s, i, &pi, a, sizeof a) == 0)
      printf("csctp: path %s in %llu\n", a, (unsigned long long)pi.packets_in);
  int ok = c.done && !c.bad;
  if (c.s) csctp_socket_destroy(c.s);
  return ok ? 0 : 1;
}

/* usrsctp's echo in B, bound to both of its addresses with ASCONF (and the encapsulation port
 * for addresses it learns: usrsctp gives them the socket's, not the port the ASCONF came from,
 * and sends raw SCTP without one), and cli_main in A. The client's pid, or -1 when skipped. */
static pid_t start_cli(unsigned del_after_ms) {
  const char *why = tp_multihome_unavailable(0);
  if (why) {
    cr_skip_test("usrsctp ASCONF test skipped: %s", why);
    return -1;
  }
  cr_assert_eq(tp_netns_two_links(prefix, 1), 0);
  pid_t echo = tp_fork(dir, "usrecho");
  cr_assert_geq(echo, 0);
  if (echo == 0) {
    usr_cfg c = {.ns = ns_b,
                 .local = {"10.1.1.2", "10.1.2.2"},
                 .n_local = 2,
                 .udp_port = 9899,
                 .peer_udp = 9899,
                 .multihome = 1,
                 .pf = 0,
                 .pmr = 5,
                 .asconf = 1};
    _exit(usr_echo_main(&c));
  }
  if (tp_wait_log(dir, "usrecho", "out", "listening", 0, 3000) < 0)
    fail_dump("usrsctp echo did not start");
  pid_t cp = tp_fork(dir, "send");
  cr_assert_geq(cp, 0);
  if (cp == 0) _exit(cli_main(ns_a, del_after_ms));
  return cp;
}

/* Our Add IP: usrsctp learns 10.1.2.1 from our ASCONF ("added"), verifies it by HEARTBEAT
 * ("confirmed"); then link 1 goes down for good and the transfer completes over link 2, where
 * usrsctp's echoes can only reach us at the added address. */
Test(usrsctp_asconf, csctp_adds_an_address_usrsctp_verifies_it_and_fails_over_to_it) {
  pid_t cp = start_cli(0);
  if (cp < 0) return;
  if (tp_wait_log(dir, "send", "out", "add_local_address 10.1.2.1: 0", 0, 5000) < 0)
    fail_dump("csctp did not add 10.1.2.1");
  double t_add = tp_now_ms();
  double added = tp_wait_log(dir, "usrecho", "out", "peer address 10.1.2.1 added", 0, 5000);
  if (added < 0) fail_dump("usrsctp did not take the address csctp added");
  double confirmed = tp_wait_log(dir, "usrecho", "out", "peer address 10.1.2.1 confirmed", 0, 8000);
  if (confirmed < 0) fail_dump("usrsctp never confirmed the address csctp added");
  double t_cut = tp_now_ms();
  cr_assert_eq(tp_netns_link_set(prefix, 1, 0), 0);
  int rc = tp_wait(cp, 90000);
  tp_stop_all();
  char *out = tp_slurp_log(dir, "send", "out");
  fprintf(stderr,
          "csctp added 10.1.2.1: usrsctp added it after %.0f ms, confirmed it after %.0f ms; "
          "link 1 cut %.0f ms after the add; %s",
          added, confirmed, t_cut - t_add, out);
  if (rc) fail_dump("the transfer did not complete over the added address");
  char want[64];
  snprintf(want, sizeof want, "%d of %d echoes, 0 bad", CLI_COUNT, CLI_COUNT);
  cr_assert(strstr(out, want), "%s", out);
  /* After the cut usrsctp reached us only at the added address, from its second one. */
  const char *p2 = strstr(out, "path 10.1.2.2:9899 in ");
  cr_assert(p2 && strtoull(p2 + strlen("path 10.1.2.2:9899 in "), NULL, 10) > 1000,
            "little came over link 2: %s", out);
  g_free(out);
}

/* Our Delete IP: a second after adding 10.1.2.1 csctp deletes it again, and usrsctp removes
 * the address ("removed"); the transfer goes on over link 1, intact. */
Test(usrsctp_asconf, csctp_deletes_the_added_address_usrsctp_removes_it) {
  pid_t cp = start_cli(1000);
  if (cp < 0) return;
  if (tp_wait_log(dir, "usrecho", "out", "peer address 10.1.2.1 confirmed", 0, 8000) < 0)
    fail_dump("usrsctp never confirmed the address csctp added");
  if (tp_wait_log(dir, "send", "out", "del_local_address 10.1.2.1: 0", 0, 5000) < 0)
    fail_dump("csctp did not ask to delete 10.1.2.1");
  double removed = tp_wait_log(dir, "usrecho", "out", "peer address 10.1.2.1 removed", 0, 5000);
  if (removed < 0) fail_dump("usrsctp did not remove the address csctp deleted");
  int rc = tp_wait(cp, 90000);
  tp_stop_all();
  char *out = tp_slurp_log(dir, "send", "out");
  fprintf(stderr, "csctp deleted 10.1.2.1: usrsctp removed it; %s", out);
  if (rc) fail_dump("the transfer did not complete");
  char want[64];
  snprintf(want, sizeof want, "%d of %d echoes, 0 bad", CLI_COUNT, CLI_COUNT);
  cr_assert(strstr(out, want), "%s", out);
  g_free(out);
}

#else

Test(usrsctp_asconf, skipped) {
  cr_skip_test("usrsctp not found at build time (apt-get install libusrsctp-dev)");
}

#endif
