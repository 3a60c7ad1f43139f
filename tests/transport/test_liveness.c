/* SPDX-License-Identifier: MIT */
/*
 * Dead peers noticed in bounded time (issue 11, finding 7):
 *  - csctp_assoc_on_unreachable, driven directly on a pair of engines joined in memory on
 *    a virtual clock: a quote of our INIT or of a packet with the peer's tag closes the
 *    association (CSCTP_CLOSE_UNREACHABLE, nothing sent); a wrong tag, a wrong Initiate
 *    Tag, wrong ports, a quote too short to tell and other ICMP codes are ignored
 *    (RFC 9260 Appendix C ICMP5/ICMP6);
 *  - the socket API over real UDP on loopback: a connect to a port where nobody listens
 *    fails from the kernel's ICMP port unreachable in well under a second; a connect that
 *    gets no answer at all (a silent socket) fails at its connect timeout;
 *  - the csctp CLI: `csctp send` to an echo killed with SIGKILL reports the peer dead at
 *    its next packet (ICMP), to an echo stopped with SIGSTOP (no ICMP: the socket lives)
 *    within the CLI's timer bound, and an echo server frees the association of a killed
 *    client while its other client goes on.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tputil.h"

/* ---------------------------------------------------------------- the engine entry point */

static int rnd(uint8_t *b, size_t n, void *u) {
  uint32_t *s = u;
  for (size_t i = 0; i < n; i++) {
    *s = *s * 1103515245u + 12345u;
    b[i] = (uint8_t)(*s >> 16);
  }
  return 0;
}

typedef struct pair {
  csctp_assoc *a, *b;
  uint32_t seed_a, seed_b;
  csctp_tstamp now;
  uint8_t last_a[2048]; /* the last packet a sent */
  size_t last_a_len;
} pair;

static csctp_assoc *pair_assoc(uint32_t *seed, uint16_t lport, uint16_t rport) {
  csctp_config c;
  csctp_config_default(&c);
  c.rand = rnd;
  c.rand_user_data = seed;
  c.local_port = lport;
  c.remote_port = rport;
  csctp_assoc *a;
  cr_assert_eq(csctp_assoc_new(&a, &c), 0);
  return a;
}

/* Moves packets both ways until both sides are quiet (no loss, no delay). */
static void pair_shuttle(pair *p) {
  uint8_t buf[2048];
  for (int i = 0; i < 1000; i++) {
    int moved = 0;
    csctp_ssize n;
    while ((n = csctp_assoc_write_packet(p->a, buf, sizeof(buf), p->now)) > 0) {
      memcpy(p->last_a, buf, (size_t)n);
      p->last_a_len = (size_t)n;
      csctp_assoc_read_packet(p->b, buf, (size_t)n, p->now);
      moved = 1;
    }
    while ((n = csctp_assoc_write_packet(p->b, buf, sizeof(buf), p->now)) > 0) {
      csctp_assoc_read_packet(p->a, buf, (size_t)n, p->now);
      moved = 1;
    }
    if (!moved) return;
  }
}

static void pair_up(pair *p) {
  memset(p, 0, sizeof(*p));
  p->seed_a = 1;
  p->seed_b = 2;
  p->now = 1000000;
  p->a = pair_assoc(&p->seed_a, 5000, 5001);
  p->b = pair_assoc(&p->seed_b, 5001, 5000);
  cr_assert_eq(csctp_assoc_connect(p->a, p->now), 0);
  pair_shuttle(p);
  cr_assert_eq(csctp_assoc_get_state(p->a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_get_state(p->b), CSCTP_STATE_ESTABLISHED);
}

static void pair_down(pair *p) {
  csctp_assoc_del(p->a);
  csctp_assoc_del(p->b);
}

/* The CLOSED event's reason, or -1 when there is none. */
static int closed_reason(csctp_assoc *a) {
  csctp_event ev;
  int r = -1;
  while (csctp_assoc_poll_event(a, &ev))
    if (ev.type == CSCTP_EVENT_CLOSED) r = (int)ev.u.closed.reason;
  return r;
}

Test(liveness, icmp_for_our_init_closes_cookie_wait) {
  uint32_t seed = 7;
  csctp_assoc *a = pair_assoc(&seed, 5000, 5001);
  cr_assert_eq(csctp_assoc_connect(a, 1000), 0);
  uint8_t init[2048];
  csctp_ssize n = csctp_assoc_write_packet(a, init, sizeof(init), 1000);
  cr_assert_gt(n, 20);
  cr_assert_eq(init[12], 1, "an INIT");
  uint8_t q[2048];
  /* Too short to see the Initiate Tag (tag 0 and no INIT header): ignored. */
  cr_assert_eq(csctp_assoc_on_unreachable(a, CSCTP_UNREACH_PORT, init, 16, 2000), 0);
  /* Another Initiate Tag (someone else's INIT from our port, or a forgery): ignored. */
  memcpy(q, init, (size_t)n);
  q[16] ^= 0x40;
  cr_assert_eq(csctp_assoc_on_unreachable(a, CSCTP_UNREACH_PORT, q, (size_t)n, 2000), 0);
  /* Other ports: another association's packet. */
  memcpy(q, init, (size_t)n);
  q[3] ^= 1;
  cr_assert_eq(csctp_assoc_on_unreachable(a, CSCTP_UNREACH_PORT, q, (size_t)n, 2000), 0);
  /* Host unreachable: left to the timers (ICMP9 is a MAY). */
  cr_assert_eq(csctp_assoc_on_unreachable(a, CSCTP_UNREACH_OTHER, init, (size_t)n, 2000), 0);
  cr_assert_eq(csctp_assoc_get_state(a), CSCTP_STATE_COOKIE_WAIT);
  csctp_stats st;
  csctp_assoc_get_stats(a, &st);
  cr_assert_eq(st.icmp_in, 4);
  cr_assert_eq(st.icmp_ignored, 4);
  /* Our INIT quoted with its first 20 bytes (common header, chunk header, Initiate Tag). */
  cr_assert_eq(csctp_assoc_on_unreachable(a, CSCTP_UNREACH_PORT, init, 20, 2000), 1);
  cr_assert_eq(csctp_assoc_get_state(a), CSCTP_STATE_CLOSED);
  cr_assert_eq(closed_reason(a), CSCTP_CLOSE_UNREACHABLE);
  uint8_t out[2048];
  cr_assert_eq(csctp_assoc_write_packet(a, out, sizeof(out), 2000), 0, "nothing is sent");
  cr_assert_eq(csctp_assoc_expiry(a), CSCTP_TSTAMP_NONE, "no INIT retransmission");
  cr_assert_eq(csctp_assoc_on_unreachable(a, CSCTP_UNREACH_PORT, init, 20, 2000), 0);
  csctp_assoc_del(a);
}

Test(liveness, icmp_with_the_peer_tag_closes_an_established_association) {
  pair p;
  pair_up(&p);
  uint8_t msg[100] = {1};
  csctp_send_opts so = {0};
  cr_assert_eq(csctp_assoc_send(p.a, &so, msg, sizeof(msg), p.now), 0);
  uint8_t pkt[2048];
  csctp_ssize n = csctp_assoc_write_packet(p.a, pkt, sizeof(pkt), p.now);
  cr_assert_gt(n, 12);
  uint8_t q[2048];
  /* A wrong tag (an off-path forgery, or a packet of an older association): ignored. */
  memcpy(q, pkt, (size_t)n);
  q[7] ^= 1;
  cr_assert_eq(csctp_assoc_on_unreachable(p.a, CSCTP_UNREACH_PORT, q, (size_t)n, p.now), 0);
  /* Tag 0 but not an INIT. */
  memset(q + 4, 0, 4);
  cr_assert_eq(csctp_assoc_on_unreachable(p.a, CSCTP_UNREACH_PORT, q, (size_t)n, p.now), 0);
  /* Not even a whole common header. */
  cr_assert_eq(csctp_assoc_on_unreachable(p.a, CSCTP_UNREACH_PROTOCOL, pkt, 11, p.now), 0);
  cr_assert_eq(csctp_assoc_get_state(p.a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(closed_reason(p.a), -1);
  /* The peer's tag: the peer is gone (RFC 6951 §5.5: port unreachable as protocol). */
  cr_assert_eq(csctp_assoc_on_unreachable(p.a, CSCTP_UNREACH_PORT, pkt, 12, p.now), 1);
  cr_assert_eq(csctp_assoc_get_state(p.a), CSCTP_STATE_CLOSED);
  cr_assert_eq(closed_reason(p.a), CSCTP_CLOSE_UNREACHABLE);
  cr_assert_eq(csctp_assoc_write_packet(p.a, q, sizeof(q), p.now), 0, "no ABORT to nobody");
  cr_assert_eq(csctp_assoc_get_state(p.b), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_on_unreachable(NULL, CSCTP_UNREACH_PORT, pkt, 12, p.now),
               CSCTP_ERR_INVALID_ARGUMENT);
  pair_down(&p);
}

Test(liveness, set_rwnd_closes_and_reopens_the_advertised_window) {
  pair p;
  pair_up(&p);
  csctp_stats st;
  csctp_assoc_get_stats(p.b, &st);
  uint32_t base = st.local_rwnd;
  cr_assert_gt(base, 0);
  cr_assert_eq(csctp_assoc_set_rwnd(p.b, 0), 0);
  uint8_t msg[1000] = {2};
  csctp_send_opts so = {0};
  cr_assert_eq(csctp_assoc_send(p.a, &so, msg, sizeof(msg), p.now), 0);
  p.now += 300000; /* past the delayed SACK */
  csctp_assoc_handle_expiry(p.b, p.now);
  pair_shuttle(&p);
  csctp_assoc_get_stats(p.a, &st);
  cr_assert_eq(st.peer_rwnd, 0, "the peer sees a closed window (%u)", st.peer_rwnd);
  cr_assert_eq(csctp_assoc_set_rwnd(p.b, 1024 * 1024), 0);
  pair_shuttle(&p); /* the window update goes out at once */
  csctp_assoc_get_stats(p.a, &st);
  cr_assert_gt(st.peer_rwnd, 512 * 1024, "reopened: %u", st.peer_rwnd);
  cr_assert_eq(csctp_assoc_set_rwnd(NULL, 1), CSCTP_ERR_INVALID_ARGUMENT);
  pair_down(&p);
}

/* ---------------------------------------------------------------- the socket API */

typedef struct cli {
  csctp_socket *s;
  int connected, closed, had_error, err;
  char msg[256];
} cli;

static GMainContext *ctx;

static void c_connect(csctp_socket *s, void *ud) {
  (void)s;
  ((cli *)ud)->connected = 1;
}
static void c_error(csctp_socket *s, int err, const char *msg, void *ud) {
  (void)s;
  cli *c = ud;
  c->err = err;
  snprintf(c->msg, sizeof(c->msg), "%s", msg);
}
static void c_close(csctp_socket *s, int had_error, void *ud) {
  (void)s;
  cli *c = ud;
  c->closed = 1;
  c->had_error = had_error;
  c->s = NULL;
}
static const csctp_socket_events c_events = {
    .connect = c_connect, .error = c_error, .close = c_close};

static void sock_setup(void) { ctx = g_main_context_new(); }
static void sock_teardown(void) {
  tp_stop_all();
  tp_run_for(ctx, 20);
  g_main_context_unref(ctx);
}

TestSuite(liveness_sock, .init = sock_setup, .fini = sock_teardown, .timeout = 90);

static void connect_to(cli *c, uint16_t udp_port, uint32_t timeout_ms) {
  memset(c, 0, sizeof(*c));
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.host = "127.0.0.1";
  o.udp_transport = 1;
  o.local_address = "127.0.0.1";
  o.udp_local_port = 0;
  o.udp_peer_port = udp_port;
  o.connect_timeout_ms = timeout_ms;
  char *err = NULL;
  int rv = csctp_socket_connect(ctx, &o, &c_events, c, &c->s, &err);
  cr_assert_eq(rv, 0, "connect: %s", err ? err : "");
}

Test(liveness_sock, connect_to_a_closed_port_fails_from_icmp_at_once) {
  uint16_t port = tp_free_udp_port(); /* nobody listens there */
  cr_assert_neq(port, 0);
  cli c;
  gint64 t0 = g_get_monotonic_time();
  connect_to(&c, port, CSCTP_CONNECT_TIMEOUT_NONE); /* only ICMP can end it early */
  tp_run_until(ctx, &c.closed, 5000);
  double ms = (double)(g_get_monotonic_time() - t0) / 1000.0;
  cr_assert(c.closed, "still waiting after %.0f ms (INIT retransmissions take minutes)", ms);
  cr_assert_eq(c.had_error, 1);
  cr_assert_eq(c.err, CSCTP_ERR_UNREACHABLE, "err %d (%s): %s", c.err, csctp_strerror(c.err),
               c.msg);
  cr_assert(csctp_err_is_fatal(c.err));
  cr_assert_not_null(strstr(c.msg, "ICMP port unreachable"), "%s", c.msg);
  cr_assert_lt(ms, 1000.0, "took %.0f ms", ms);
  fprintf(stderr, "connect to a closed UDP port: '%s' after %.1f ms\n", c.msg, ms);
}

Test(liveness_sock, connect_timeout_fires_when_nothing_answers) {
  /* A UDP socket that takes the INITs and never answers: no ICMP, no INIT ACK. */
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  socklen_t sl = sizeof(sa);
  getsockname(fd, (struct sockaddr *)&sa, &sl);
  cli c;
  gint64 t0 = g_get_monotonic_time();
  connect_to(&c, ntohs(sa.sin_port), 700);
  tp_run_until(ctx, &c.closed, 5000);
  double ms = (double)(g_get_monotonic_time() - t0) / 1000.0;
  cr_assert(c.closed, "no timeout after %.0f ms", ms);
  cr_assert_eq(c.err, CSCTP_ERR_TIMEOUT, "err %d (%s): %s", c.err, csctp_strerror(c.err), c.msg);
  cr_assert(csctp_err_is_fatal(c.err));
  cr_assert_not_null(strstr(c.msg, "connect timed out after 700 ms"), "%s", c.msg);
  cr_assert_geq(ms, 650.0, "fired early: %.0f ms", ms);
  cr_assert_lt(ms, 2500.0, "fired late: %.0f ms", ms);
  uint8_t buf[2048];
  cr_assert_gt(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), 0, "the INIT reached the silent peer");
  close(fd);
}

/* ---------------------------------------------------------------- the CLI */

/* Waits for `pid` while running ctx; returns its exit status (128+signal), -1 on timeout. */
static int wait_child(pid_t pid, unsigned ms) {
  for (unsigned t = 0; t < ms; t += 10) {
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    tp_run_for(ctx, 10);
  }
  return -1;
}

/* Waits until the child's log `name`.err contains `text`. */
static int wait_log(const char *dir, const char *name, const char *text, unsigned ms) {
  for (unsigned t = 0; t < ms; t += 20) {
    char *log = tp_slurp_log(dir, name, "err");
    int found = strstr(log, text) != NULL;
    g_free(log);
    if (found) return 1;
    g_usleep(20000);
  }
  return 0;
}

/* Starts `csctp echo` on a free UDP port and `csctp send` to it (endless); waits for both. */
static void echo_and_sender(const char *dir, pid_t *echo, pid_t *send, char port[8]) {
  tp_port_str(tp_free_udp_port(), port);
  char local[32], peer[32];
  snprintf(local, sizeof(local), "127.0.0.1:%s", port);
  snprintf(peer, sizeof(peer), "127.0.0.1:%s", port);
  char *eargv[] = {(char *)tp_tool(), "echo", "--udp", local, NULL};
  *echo = tp_spawn(dir, "echo", eargv);
  cr_assert(wait_log(dir, "echo", "listening", 5000), "echo did not start");
  char *sargv[] = {(char *)tp_tool(), "send", "--udp",   "127.0.0.1:0", "--peer",   peer,
                   "--size",          "1000", "--count", "1000000000",  "--verify", NULL};
  *send = tp_spawn(dir, "send", sargv);
  cr_assert(wait_log(dir, "send", "connected", 5000), "send did not connect");
  g_usleep(300000); /* data flowing both ways */
}

Test(liveness_sock, cli_send_to_a_killed_echo_reports_it_at_the_next_packet) {
  char dir[] = "/tmp/csctp-live-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  pid_t echo, send;
  char port[8];
  echo_and_sender(dir, &echo, &send, port);
  kill(echo, SIGKILL);
  tp_wait(echo, 2000);
  gint64 t0 = g_get_monotonic_time();
  int rc = wait_child(send, 30000);
  double s = (double)(g_get_monotonic_time() - t0) / 1e6;
  char *log = tp_slurp_log(dir, "send", "err");
  cr_assert_eq(rc, 1, "send exit %d after %.1f s:\n%s", rc, s, log);
  cr_assert_not_null(strstr(log, "ICMP port unreachable"), "%s", log);
  /* Bound: its next packet (new data now, or a retransmission after one RTO, >= 1 s). */
  cr_assert_lt(s, 5.0, "noticed after %.1f s", s);
  fprintf(stderr, "csctp send to a SIGKILLed echo: dead after %.2f s\n", s);
  g_free(log);
  tp_sh("rm -rf %s", dir);
}

Test(liveness_sock, cli_send_to_a_stopped_echo_gives_up_within_the_timer_bound) {
  char dir[] = "/tmp/csctp-live-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  pid_t echo, send;
  char port[8];
  echo_and_sender(dir, &echo, &send, port);
  kill(echo, SIGSTOP); /* its socket stays open: no ICMP, just silence */
  gint64 t0 = g_get_monotonic_time();
  int rc = wait_child(send, 45000);
  double s = (double)(g_get_monotonic_time() - t0) / 1e6;
  kill(echo, SIGKILL);
  tp_wait(echo, 2000);
  char *log = tp_slurp_log(dir, "send", "err");
  cr_assert_eq(rc, 1, "send exit %d after %.1f s:\n%s", rc, s, log);
  cr_assert_not_null(strstr(log, "peer unreachable"), "%s", log);
  /* CLI defaults: RTO 1, 2, 4, 4, 4, 4 s (rto_max 4 s, association_max_retrans 5): about
   * 19 s; net.sctp's defaults took 363 s. */
  cr_assert_lt(s, 30.0, "noticed after %.1f s", s);
  fprintf(stderr, "csctp send to a SIGSTOPped echo: gave up after %.1f s\n", s);
  g_free(log);
  tp_sh("rm -rf %s", dir);
}

Test(liveness_sock, cli_echo_frees_a_killed_client_and_serves_the_other) {
  char dir[] = "/tmp/csctp-live-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  pid_t echo, send1;
  char port[8];
  echo_and_sender(dir, &echo, &send1, port);
  char peer[32];
  snprintf(peer, sizeof(peer), "127.0.0.1:%s", port);
  char *argv2[] = {
      (char *)tp_tool(), "send",   "--udp",    "127.0.0.1:0", "--peer", peer, "--size", "1000",
      "--count",         "100000", "--verify", "--timeout",   "40",     NULL};
  pid_t send2 = tp_spawn(dir, "send2", argv2);
  cr_assert(wait_log(dir, "send2", "connected", 5000), "the second sender did not connect");
  /* The first sender dies while the echo has echoes in flight to it: the echo's next packet
   * to it draws an ICMP port unreachable, and only that association goes. */
  kill(send1, SIGKILL);
  tp_wait(send1, 2000);
  cr_assert(wait_log(dir, "echo", "ICMP port unreachable", 5000), "the echo did not notice");
  int rc = wait_child(send2, 45000);
  if (rc != 0) tp_dump_logs(dir, "send2");
  cr_assert_eq(rc, 0, "the other client was served to the end");
  tp_sh("rm -rf %s", dir);
}
