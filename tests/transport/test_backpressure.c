/* SPDX-License-Identifier: MIT */
/*
 * Bounded buffers in the socket API and `csctp echo` (issue 11, finding 6), over real UDP
 * on loopback:
 *  - a peer that never acknowledges (a `csctp echo` stopped with SIGSTOP) cannot make a
 *    socket buffer more than its sndbuf: writes are refused (CSCTP_ERR_WOULD_BLOCK) and
 *    writable_need_drain says so;
 *  - `csctp echo` applies back-pressure: a client that sends without end while it takes
 *    no echoes (paused: its window is closed) gets its writes refused after a few MB, and
 *    the echo process stays small (before: it queued every echo it could not send, 170 MB
 *    in the attack); once the client resumes, every message comes back;
 *  - pause() closes the receiver's advertised window and the sender stops at about its
 *    sndbuf plus the receiver's rcvbuf; resume() lets everything through, in order.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tputil.h"

#define KIB 1024u

typedef struct side {
  csctp_socket *s;
  int connected, closed, drains;
  uint64_t msgs, bytes, out_of_order;
  uint64_t next_seq;
  int pause_on_connect;
} side;

static GMainContext *ctx;

static void sd_connect(csctp_socket *s, void *ud) {
  (void)s;
  ((side *)ud)->connected = 1;
}
/* Messages carry a sequence number in their first 8 bytes. */
static void sd_data(csctp_socket *s, const csctp_message *m, void *ud) {
  (void)s;
  side *p = ud;
  uint64_t seq = 0;
  if (m->len >= 8) memcpy(&seq, m->data, 8);
  if (seq != p->next_seq) p->out_of_order++;
  p->next_seq = seq + 1;
  p->msgs++;
  p->bytes += m->len;
}
static void sd_drain(csctp_socket *s, void *ud) {
  (void)s;
  ((side *)ud)->drains++;
}
static void sd_close(csctp_socket *s, int had_error, void *ud) {
  (void)s;
  (void)had_error;
  side *p = ud;
  p->closed = 1;
  p->s = NULL;
}
static const csctp_socket_events sd_events = {
    .connect = sd_connect, .data = sd_data, .drain = sd_drain, .close = sd_close};

/*
 * rto_max 1 s here and in the echo: a closed window reopens when the sender's next probe
 * goes out, one RTO after the last (the probe sent into the closed window was dropped and
 * holds the congestion window); the tests measure bounds and completeness, not how fast a
 * long back-off recovers.
 */
static void setup(void) {
  ctx = g_main_context_new();
  csctp_defaults_t d = {.rto_max = 1000};
  csctp_defaults(&d, NULL);
  setenv("CSCTP_DEFAULTS", "rto_max=1000", 1);
}
static void teardown(void) {
  tp_stop_all();
  tp_run_for(ctx, 20);
  g_main_context_unref(ctx);
}

TestSuite(backpressure, .init = setup, .fini = teardown, .timeout = 90);

static void connect_side(side *p, uint16_t udp_port, uint32_t sndbuf, uint32_t rcvbuf) {
  memset(p, 0, sizeof(*p));
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.host = "127.0.0.1";
  o.udp_transport = 1;
  o.local_address = "127.0.0.1";
  o.udp_local_port = 0;
  o.udp_peer_port = udp_port;
  o.sndbuf = sndbuf;
  o.rcvbuf = rcvbuf;
  char *err = NULL;
  int rv = csctp_socket_connect(ctx, &o, &sd_events, p, &p->s, &err);
  cr_assert_eq(rv, 0, "connect: %s", err ? err : "");
  cr_assert(tp_run_until(ctx, &p->connected, 5000), "no connect");
}

/* Writes numbered messages of `size` bytes while the socket takes them, for `ms` in all
 * (running the loop between bursts). Returns the bytes accepted; *max_buf the most buffered. */
static uint64_t write_for(csctp_socket *s, uint64_t *seq, size_t size, unsigned ms,
                          size_t *max_buf) {
  uint8_t *b = g_malloc0(size);
  uint64_t accepted = 0;
  gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
  while (g_get_monotonic_time() < end) {
    for (int i = 0; i < 64; i++) {
      memcpy(b, seq, 8);
      csctp_ssize r = csctp_socket_write(s, b, size, NULL);
      if (r == CSCTP_ERR_WOULD_BLOCK) break;
      cr_assert_geq(r, 0, "write: %s", csctp_strerror((int)r));
      (*seq)++;
      accepted += size;
    }
    size_t buf = csctp_socket_buffered(s);
    if (max_buf && buf > *max_buf) *max_buf = buf;
    tp_run_for(ctx, 5);
  }
  g_free(b);
  return accepted;
}

/* Starts `csctp echo` on a free UDP port; returns its pid and port. */
static pid_t start_echo(const char *dir, uint16_t *port) {
  *port = tp_free_udp_port();
  char local[32];
  snprintf(local, sizeof(local), "127.0.0.1:%u", *port);
  char *argv[] = {(char *)tp_tool(), "echo", "--udp", local, NULL};
  pid_t pid = tp_spawn(dir, "echo", argv);
  for (int i = 0; i < 250; i++) {
    char *log = tp_slurp_log(dir, "echo", "err");
    int up = strstr(log, "listening") != NULL;
    g_free(log);
    if (up) return pid;
    g_usleep(20000);
  }
  cr_assert_fail("echo did not start");
  return -1;
}

/* Resident memory of a process, KiB (VmRSS), 0 when unknown. */
static unsigned long rss_kib(pid_t pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
  char *st = tp_slurp(path);
  const char *p = strstr(st, "VmRSS:");
  unsigned long v = p ? strtoul(p + 6, NULL, 10) : 0;
  g_free(st);
  return v;
}

Test(backpressure, sndbuf_bounds_what_a_silent_peer_makes_us_buffer) {
  char dir[] = "/tmp/csctp-bp-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  uint16_t port;
  pid_t echo = start_echo(dir, &port);
  side c;
  connect_side(&c, port, 256 * KIB, 0);
  kill(echo, SIGSTOP); /* never acknowledges anything from now on */
  uint64_t seq = 0;
  size_t max_buf = 0;
  uint64_t accepted = write_for(c.s, &seq, 16 * KIB, 1500, &max_buf);
  fprintf(stderr, "silent peer: %llu bytes accepted, at most %zu buffered (sndbuf 256 KiB)\n",
          (unsigned long long)accepted, max_buf);
  cr_assert_leq(max_buf, 256 * KIB, "buffered %zu", max_buf);
  cr_assert_leq(accepted, 256 * KIB + 512 * KIB, "accepted %llu", (unsigned long long)accepted);
  cr_assert_eq(csctp_socket_writable_need_drain(c.s), 1, "a drain is owed");
  kill(echo, SIGKILL);
  tp_wait(echo, 2000);
  csctp_socket_destroy(c.s);
  tp_sh("rm -rf %s", dir);
}

Test(backpressure, csctp_echo_stops_reading_when_it_cannot_send) {
  char dir[] = "/tmp/csctp-bp-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  uint16_t port;
  pid_t echo = start_echo(dir, &port);
  unsigned long rss0 = rss_kib(echo);
  side c;
  connect_side(&c, port, 0, 0);
  /* Take no echoes: our window closes, the echo cannot send them back. A client that never
   * acknowledges is the same to the echo: its send buffer stays full. */
  csctp_socket_pause(c.s);
  uint64_t seq = 0;
  uint64_t accepted = write_for(c.s, &seq, 16 * KIB, 3000, NULL);
  uint64_t later = write_for(c.s, &seq, 16 * KIB, 500, NULL);
  unsigned long rss1 = rss_kib(echo);
  fprintf(stderr,
          "echo under a client that takes nothing: %llu bytes accepted in 3 s, %llu in the next "
          "0.5 s; echo RSS %lu -> %lu KiB\n",
          (unsigned long long)accepted, (unsigned long long)later, rss0, rss1);
  /* The client's sndbuf, the echo's rcvbuf and sndbuf, our rcvbuf (1 MiB each): a few MB. */
  cr_assert_lt(accepted, 8u * 1024 * KIB, "the echo kept reading: %llu bytes",
               (unsigned long long)accepted);
  cr_assert_eq(later, 0, "writes still accepted after the buffers filled");
  cr_assert_lt(rss1, rss0 + 24 * 1024, "echo RSS grew from %lu to %lu KiB", rss0, rss1);
  /* Resume: every message comes back, in order. */
  csctp_socket_resume(c.s);
  for (int i = 0; i < 3000 && c.msgs < seq; i++) tp_run_for(ctx, 10);
  cr_assert_eq(c.msgs, seq, "echoed %llu of %llu", (unsigned long long)c.msgs,
               (unsigned long long)seq);
  cr_assert_eq(c.out_of_order, 0);
  csctp_socket_destroy(c.s);
  kill(echo, SIGKILL);
  tp_wait(echo, 2000);
  tp_sh("rm -rf %s", dir);
}

/* ---------------------------------------------------------------- pause / resume */

static side srv_side;
static void on_connection(csctp_server *sv, csctp_socket *s, void *ud) {
  (void)sv;
  (void)ud;
  srv_side.s = s;
  srv_side.connected = 1;
  csctp_socket_set_events(s, &sd_events, &srv_side);
  if (srv_side.pause_on_connect) csctp_socket_pause(s);
}

Test(backpressure, pause_closes_the_window_and_resume_lets_everything_through) {
  memset(&srv_side, 0, sizeof(srv_side));
  srv_side.pause_on_connect = 1;
  csctp_server *srv;
  csctp_server_events sev = {.connection = on_connection};
  cr_assert_eq(csctp_server_new(ctx, &sev, NULL, &srv), 0);
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.udp_transport = 1;
  o.local_address = "127.0.0.1";
  o.udp_local_port = 0;
  o.rcvbuf = 256 * KIB;
  char *err = NULL;
  cr_assert_eq(csctp_server_listen(srv, &o, &err), 0, "%s", err ? err : "");
  side c;
  connect_side(&c, csctp_server_udp_port(srv), 256 * KIB, 0);
  cr_assert(tp_run_until(ctx, &srv_side.connected, 5000));
  cr_assert(csctp_socket_is_paused(srv_side.s));
  uint64_t seq = 0;
  uint64_t accepted = write_for(c.s, &seq, 8 * KIB, 1500, NULL);
  size_t buf1 = csctp_socket_buffered(c.s);
  uint64_t later = write_for(c.s, &seq, 8 * KIB, 500, NULL);
  size_t buf2 = csctp_socket_buffered(c.s);
  csctp_stats rs, cs;
  csctp_socket_get_stats(srv_side.s, &rs);
  csctp_socket_get_stats(c.s, &cs);
  fprintf(stderr,
          "paused receiver (rcvbuf 256 KiB), sender sndbuf 256 KiB: %llu bytes accepted, "
          "%llu more in the next 0.5 s; sender buffered %zu -> %zu; receiver advertises %u, "
          "sender sees %u\n",
          (unsigned long long)accepted, (unsigned long long)later, buf1, buf2, rs.local_rwnd,
          cs.peer_rwnd);
  cr_assert_eq(srv_side.msgs, 0, "no data event while paused");
  cr_assert_eq(rs.local_rwnd, 0, "the receiver's window is closed");
  cr_assert_eq(later, 0, "the sender stopped");
  cr_assert_eq(buf1, buf2, "its buffer stopped growing");
  /* About the receiver's window plus the sender's buffer. */
  cr_assert_geq(accepted + later, 384 * KIB, "too little: %llu", (unsigned long long)accepted);
  cr_assert_leq(accepted + later, 512 * KIB + 64 * KIB, "past rwnd + sndbuf: %llu",
                (unsigned long long)accepted);
  /* Resume: all of it arrives, in order, and more goes through. */
  csctp_socket_resume(srv_side.s);
  cr_assert_eq(srv_side.msgs, 0, "resume hands out from the main loop, not inside the call");
  uint64_t more = write_for(c.s, &seq, 8 * KIB, 1000, NULL);
  for (int i = 0; i < 500 && srv_side.msgs < seq; i++) tp_run_for(ctx, 10);
  cr_assert_eq(srv_side.msgs, seq, "received %llu of %llu", (unsigned long long)srv_side.msgs,
               (unsigned long long)seq);
  cr_assert_eq(srv_side.out_of_order, 0);
  cr_assert_gt(more, 1024 * KIB, "the window reopened: %llu", (unsigned long long)more);
  csctp_socket_get_stats(srv_side.s, &rs);
  cr_assert_gt(rs.local_rwnd, 128 * KIB, "reopened: %u", rs.local_rwnd);
  /* Pause again, then a graceful end: the end waits behind the kept data. */
  csctp_socket_pause(srv_side.s);
  uint64_t before = srv_side.msgs;
  write_for(c.s, &seq, 8 * KIB, 300, NULL);
  csctp_socket_end(c.s);
  tp_run_for(ctx, 300);
  cr_assert_eq(srv_side.msgs, before, "paused: nothing handed out");
  cr_assert_eq(srv_side.closed, 0, "the close waits behind the data");
  csctp_socket_resume(srv_side.s);
  cr_assert(tp_run_until(ctx, &srv_side.closed, 5000), "no close after resume");
  cr_assert_eq(srv_side.msgs, seq, "all data before the close");
  cr_assert(tp_run_until(ctx, &c.closed, 5000));
  csctp_server_del(srv);
}
