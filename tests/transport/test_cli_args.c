/* SPDX-License-Identifier: MIT */
/*
 * The csctp command explains itself (issue 18): --help and --version exit 0 on stdout, a
 * wrong invocation exits 2 with the refused argument named and the usage on stderr, host
 * names resolve, a message above the limit names it, --verify says "verified", and a
 * connect that cannot succeed (nothing listening, no answer, wrong SCTP port, other IP
 * version) is reported in bounded time. Runs the built program on 127.0.0.1 / ::1 only.
 */
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tputil.h"

typedef struct run_result {
  int rc; /* exit status, -1 when it ran over its time */
  char *out, *err;
  double secs;
} run_result;

static char logdir[] = "/tmp/csctp-cli-XXXXXX";
static int runs;

static void setup(void) { cr_assert_not_null(mkdtemp(logdir)); }
static void teardown(void) {
  tp_stop_all();
  tp_sh("rm -rf '%s'", logdir);
}

/* Runs `csctp ARGS...` (NULL-terminated) with CSCTP_DEFAULTS=`defaults` (NULL: unset). */
static run_result run_env(const char *defaults, unsigned ms, ...) {
  char *argv[32] = {(char *)tp_tool()};
  int n = 1;
  va_list ap;
  va_start(ap, ms);
  for (char *a; (a = va_arg(ap, char *)) && n < 31;) argv[n++] = a;
  va_end(ap);
  argv[n] = NULL;
  if (defaults)
    setenv("CSCTP_DEFAULTS", defaults, 1);
  else
    unsetenv("CSCTP_DEFAULTS");
  char name[16];
  snprintf(name, sizeof name, "run%d", runs++);
  gint64 t0 = g_get_monotonic_time();
  pid_t pid = tp_spawn(logdir, name, argv);
  run_result r = {.rc = tp_wait(pid, ms)};
  r.secs = (double)(g_get_monotonic_time() - t0) / 1e6;
  r.out = tp_slurp_log(logdir, name, "out");
  r.err = tp_slurp_log(logdir, name, "err");
  unsetenv("CSCTP_DEFAULTS");
  return r;
}
#define run(MS, ...) run_env(NULL, (MS), __VA_ARGS__, NULL)

static void run_free(run_result *r) {
  g_free(r->out);
  g_free(r->err);
}

/* A refused invocation: exit 2 at once, `msg` then the usage on stderr, nothing on stdout. */
static void expect_refused(run_result r, const char *msg) {
  cr_expect_eq(r.rc, 2, "exit %d, want 2; stderr: %s", r.rc, r.err);
  cr_expect(strstr(r.err, msg) != NULL, "stderr lacks \"%s\": %s", msg, r.err);
  cr_expect(strstr(r.err, "usage:") != NULL, "no usage on stderr: %s", r.err);
  cr_expect_str_empty(r.out, "stdout: %s", r.out);
  run_free(&r);
}

TestSuite(cli_args, .init = setup, .fini = teardown, .timeout = 30);

Test(cli_args, help_exits_0_with_usage_on_stdout) {
  const char *forms[] = {"--help", "-h"};
  for (int i = 0; i < 2; i++) {
    run_result r = run(5000, (char *)forms[i]);
    cr_expect_eq(r.rc, 0, "%s: exit %d; stderr: %s", forms[i], r.rc, r.err);
    cr_expect(strstr(r.out, "usage:") && strstr(r.out, "csctp echo") && strstr(r.out, "csctp send"),
              "%s: stdout: %s", forms[i], r.out);
    cr_expect_str_empty(r.err, "%s: stderr: %s", forms[i], r.err);
    run_free(&r);
  }
}

Test(cli_args, help_after_a_subcommand_gives_its_usage) {
  run_result r = run(5000, "send", "--udp", "127.0.0.1:0", "--help");
  cr_expect_eq(r.rc, 0, "exit %d; stderr: %s", r.rc, r.err);
  cr_expect(strstr(r.out, "csctp send --udp") && strstr(r.out, "--verify"), "stdout: %s", r.out);
  cr_expect(!strstr(r.out, "csctp echo --udp"), "send --help shows echo's usage: %s", r.out);
  run_free(&r);
  r = run(5000, "echo", "-h");
  cr_expect_eq(r.rc, 0, "exit %d; stderr: %s", r.rc, r.err);
  cr_expect(strstr(r.out, "csctp echo --udp") && !strstr(r.out, "csctp send --udp"), "stdout: %s",
            r.out);
  run_free(&r);
}

Test(cli_args, version_prints_the_library_version) {
  run_result r = run(5000, "--version");
  cr_expect_eq(r.rc, 0, "exit %d; stderr: %s", r.rc, r.err);
  cr_expect_str_eq(r.out, "csctp " CSCTP_VERSION "\n");
  run_free(&r);
}

Test(cli_args, wrong_invocation_exits_2_with_usage_on_stderr) {
  run_result r = run_env(NULL, 5000, NULL);
  cr_expect_eq(r.rc, 2, "no arguments: exit %d", r.rc);
  cr_expect(strstr(r.err, "usage:") != NULL, "stderr: %s", r.err);
  run_free(&r);
  expect_refused(run(5000, "frobnicate"), "csctp: unknown command 'frobnicate'");
  expect_refused(run(5000, "echo", "--udp", "127.0.0.1:0", "--bogus"),
                 "csctp: unknown option '--bogus'");
  expect_refused(run(5000, "send", "--udp", "127.0.0.1:0", "--peer", "127.0.0.1:9", "--size"),
                 "csctp: --size: needs a value");
  expect_refused(run(5000, "send", "--udp", "127.0.0.1:0", "--size", "1", "--count", "1"),
                 "csctp: --peer: missing");
}

Test(cli_args, refused_numbers_name_the_argument_and_the_range) {
  expect_refused(run(5000, "echo", "--udp", "127.0.0.1:0", "--port", "70000"),
                 "csctp: --port 70000: not a port (1-65535)");
  expect_refused(run(5000, "send", "--udp", "127.0.0.1:0", "--peer", "127.0.0.1:9", "--size", "0",
                     "--count", "1"),
                 "csctp: --size 0: must be at least 1");
  expect_refused(run(5000, "send", "--udp", "127.0.0.1:0", "--peer", "127.0.0.1:9", "--size", "1",
                     "--count", "1", "--ppid", "nonsense"),
                 "csctp: --ppid nonsense: not a number (0-4294967295)");
  expect_refused(run(5000, "echo", "--udp", "127.0.0.1:0", "--mtu", "100"),
                 "csctp: --mtu 100: not an MTU in bytes (576-9216)");
  expect_refused(run(5000, "send", "--udp", "127.0.0.1:0", "--peer", "127.0.0.1:9", "--size", "1",
                     "--count", "-1"),
                 "csctp: --count -1: not a number");
  expect_refused(run(5000, "echo", "--udp", "127.0.0.1:99999"),
                 "csctp: --udp 127.0.0.1:99999: not a port (0-65535)");
}

Test(cli_args, a_port_that_is_not_a_number_is_refused) {
  /* Before: 127.0.0.1:abc silently became the default UDP port. */
  expect_refused(run(5000, "send", "--udp", "127.0.0.1:0", "--peer", "127.0.0.1:abc", "--size", "1",
                     "--count", "1"),
                 "csctp: --peer 127.0.0.1:abc: not a port (1-65535)");
  expect_refused(
      run(5000, "send", "--udp", "127.0.0.1:0", "--peer", "[::1]x", "--size", "1", "--count", "1"),
      "csctp: --peer [::1]x: expected [IPV6]:PORT");
}

Test(cli_args, csctp_defaults_values_are_checked) {
  /* Before: rto_min=abc silently became 0 (the default) and echo ran. */
  expect_refused(
      run_env("rto_min=abc", 5000, "echo", "--udp", "127.0.0.1:0", "--timeout", "1", NULL),
      "csctp: CSCTP_DEFAULTS rto_min=abc: not a number (0-4294967295)");
  expect_refused(
      run_env("sack_freq=1,rto_min", 5000, "echo", "--udp", "127.0.0.1:0", "--timeout", "1", NULL),
      "csctp: CSCTP_DEFAULTS rto_min: expected NAME=VALUE");
}

Test(cli_args, a_message_above_the_limit_names_it_and_the_option) {
  char peer[32];
  snprintf(peer, sizeof peer, "127.0.0.1:%u", (unsigned)tp_free_udp_port());
  expect_refused(
      run(5000, "send", "--udp", "127.0.0.1:0", "--peer", peer, "--size", "300000", "--count", "1"),
      "csctp: --size 300000: larger than the largest message an association takes, "
      "262144 bytes");
  expect_refused(run_env("rcvbuf=100000", 5000, "send", "--udp", "127.0.0.1:0", "--peer", peer,
                         "--size", "200000", "--count", "1", NULL),
                 "csctp: --size 200000: larger than the largest message, 100000 bytes (the "
                 "receive buffer): raise it with CSCTP_DEFAULTS=rcvbuf=BYTES");
}

/* Starts `csctp echo --udp HOST:PORT` on a free port; returns its pid, the port in `port`. */
static pid_t start_echo(const char *host, char port[8]) {
  tp_port_str(tp_free_udp_port(), port);
  char local[64];
  snprintf(local, sizeof local, "%s:%s", host, port);
  char *argv[] = {(char *)tp_tool(), "echo", "--udp", local, "--timeout", "20", NULL};
  pid_t pid = tp_spawn(logdir, "echo", argv);
  for (int i = 0; i < 250; i++) {
    char *log = tp_slurp_log(logdir, "echo", "err");
    int up = strstr(log, "listening") != NULL;
    g_free(log);
    if (up) return pid;
    g_usleep(20000);
  }
  tp_dump_logs(logdir, "echo");
  cr_assert_fail("csctp echo did not start");
  return pid;
}

Test(cli_args, host_names_resolve_and_verify_says_verified) {
  char port[8], peer[32];
  pid_t echo = start_echo("localhost", port);
  snprintf(peer, sizeof peer, "localhost:%s", port);
  run_result r = run(8000, "send", "--udp", "localhost:0", "--peer", peer, "--size", "1000",
                     "--count", "20", "--verify");
  cr_expect_eq(r.rc, 0, "exit %d; stderr: %s", r.rc, r.err);
  cr_expect(strstr(r.out, "sent 20 messages"), "stdout: %s", r.out);
  cr_expect(strstr(r.out, "verified: 20 echoes, all intact"), "stdout: %s", r.out);
  run_free(&r);
  tp_stop(echo);
  setenv("RES_OPTIONS", "timeout:1 attempts:1", 1); /* bounded even where DNS packets are dropped */
  expect_refused(run(8000, "send", "--udp", "127.0.0.1:0", "--peer", "nosuch.invalid:9", "--size",
                     "1", "--count", "1"),
                 "csctp: --peer nosuch.invalid:9: cannot resolve 'nosuch.invalid': ");
}

/* A connect that cannot succeed fails with exit 1 and `msg` on stderr within `max_s`. */
static void expect_connect_failure(run_result r, const char *msg, double max_s) {
  cr_expect_eq(r.rc, 1, "exit %d after %.1f s; stderr: %s", r.rc, r.secs, r.err);
  cr_expect(r.secs < max_s, "took %.1f s", r.secs);
  cr_expect(strstr(r.err, msg) != NULL, "stderr lacks \"%s\": %s", msg, r.err);
  run_free(&r);
}

Test(cli_args, nothing_listening_on_the_udp_port_is_reported_at_once) {
  char peer[32], msg[96];
  unsigned port = tp_free_udp_port();
  snprintf(peer, sizeof peer, "127.0.0.1:%u", port);
  snprintf(msg, sizeof msg, "cannot connect: nothing listens on UDP 127.0.0.1:%u (ECONNREFUSED)",
           port);
  expect_connect_failure(
      run(8000, "send", "--udp", "127.0.0.1:0", "--peer", peer, "--size", "1", "--count", "1"), msg,
      3);
}

Test(cli_args, a_silent_peer_times_out_naming_connect_timeout) {
  /* A UDP socket that never answers: the INIT goes unanswered. */
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t l = sizeof a;
  cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
            getsockname(fd, (struct sockaddr *)&a, &l) == 0);
  char peer[32], msg[128];
  snprintf(peer, sizeof peer, "127.0.0.1:%u", ntohs(a.sin_port));
  snprintf(msg, sizeof msg,
           "cannot connect: no answer from %s, SCTP port 5000, within 2 s (--connect-timeout)",
           peer);
  expect_connect_failure(run(8000, "send", "--udp", "127.0.0.1:0", "--peer", peer, "--size", "1",
                             "--count", "1", "--connect-timeout", "2"),
                         msg, 5);
  close(fd);
}

Test(cli_args, a_wrong_sctp_port_is_reported) {
  char port[8], peer[32];
  pid_t echo = start_echo("127.0.0.1", port);
  snprintf(peer, sizeof peer, "127.0.0.1:%s", port);
  expect_connect_failure(run(8000, "send", "--udp", "127.0.0.1:0", "--peer", peer, "--remote-port",
                             "5001", "--size", "1", "--count", "1"),
                         "does it listen on SCTP port 5001 (--remote-port)?", 3);
  tp_stop(echo);
}

Test(cli_args, an_address_family_mismatch_is_refused_at_once) {
  /* Before: the INIT went nowhere and send waited for --connect-timeout. */
  char v6[40], v4[32];
  unsigned port = tp_free_udp_port();
  snprintf(v6, sizeof v6, "[::1]:%u", port);
  snprintf(v4, sizeof v4, "127.0.0.1:%u", port);
  run_result r =
      run(3000, "send", "--udp", "127.0.0.1:0", "--peer", v6, "--size", "1", "--count", "1");
  cr_expect(r.secs < 2, "took %.1f s", r.secs);
  expect_refused(r, "is an IPv6 address, but the local address 127.0.0.1 is IPv4");
  r = run(3000, "send", "--udp", "[::1]:0", "--peer", v4, "--size", "1", "--count", "1");
  cr_expect(r.secs < 2, "took %.1f s", r.secs);
  expect_refused(r, "is an IPv4 address, but the local address ::1 is IPv6");
}
