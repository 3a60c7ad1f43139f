/* SPDX-License-Identifier: MIT */
/*
 * csctp: SCTP over UDP (RFC 6951) or raw IP from the command line.
 *
 *   csctp echo --udp LOCAL_IP:UDP_PORT [--port SCTP_PORT]
 *   csctp echo --raw LOCAL_IP [--port SCTP_PORT]
 *   csctp send --udp LOCAL_IP:UDP_PORT --peer REMOTE_IP:UDP_PORT [--port P] [--remote-port P]
 *              --size BYTES --count N [--streams K] [--unordered] [--ppid P] [--verify]
 *              [--connect-timeout SECONDS]
 *   csctp send --raw LOCAL_IP --peer REMOTE_IP [...same options...]
 *
 * echo serves any number of associations and sends every message back on its
 * stream with its PPID and unordered flag, reading no more from a peer while
 * its echoes wait for room in the send buffer (back-pressure: a peer that
 * does not acknowledge cannot make it buffer more than its sndbuf and rcvbuf);
 * send prints one summary line.
 *
 * A dead peer is noticed in bounded time: at once when its host answers with
 * ICMP port unreachable (over UDP, nothing listens on its port any more: a
 * killed process), else by the retransmission and heartbeat timers with the
 * CLI's defaults below (rto_max 4 s, association_max_retrans 5, hb_interval
 * 10 s): about 19 s after the last packet it acknowledged while data is in
 * flight (RTO 1, 2, 4, 4, 4, 4 s), about 30 s on an idle association.
 */
#include <csctp/socket.h>
#include <glib-unix.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct args {
  int udp;
  char *local_ip, *peer_ip;
  unsigned local_udp, peer_udp;
  unsigned port, remote_port;
  size_t size;
  uint64_t count;
  unsigned streams;
  int unordered, verify;
  uint32_t ppid;
  unsigned timeout_s, mtu;
  unsigned connect_timeout_s;
} args;

static GMainLoop *loop;
static int exit_code;

static void usage(void) {
  fprintf(stderr,
          "usage:\n"
          "  csctp echo --udp LOCAL_IP:UDP_PORT [--port SCTP_PORT]\n"
          "  csctp echo --raw LOCAL_IP [--port SCTP_PORT]\n"
          "  csctp send --udp LOCAL_IP:UDP_PORT --peer REMOTE_IP:UDP_PORT [--port SCTP_PORT]\n"
          "             [--remote-port SCTP_PORT] --size BYTES --count N [--streams K]\n"
          "             [--unordered] [--ppid P] [--verify] [--timeout SECONDS] [--mtu BYTES]\n"
          "             [--connect-timeout SECONDS]\n"
          "  csctp send --raw LOCAL_IP --peer REMOTE_IP [...same options...]\n"
          "SCTP ports default to 5000 (send: a random local port); UDP ports to 9899.\n"
          "send gives up when the association is not up after --connect-timeout (default 10 s).\n"
          "CSCTP_DEFAULTS=\"sack_freq=1,rto_min=200\" sets csctp_defaults() (net.sctp names);\n"
          "CSCTP_DEBUG=sctp logs the engine.\n");
  exit(2);
}

/* "ip:port", "[v6]:port" or "ip" (port keeps its default). */
static char *split_host_port(const char *s, unsigned *port) {
  const char *colon = strrchr(s, ':');
  if (s[0] == '[') {
    const char *end = strchr(s, ']');
    if (!end) usage();
    if (end[1] == ':') *port = (unsigned)strtoul(end + 2, NULL, 10);
    return g_strndup(s + 1, (gsize)(end - s - 1));
  }
  if (colon && strchr(s, ':') == colon) {
    *port = (unsigned)strtoul(colon + 1, NULL, 10);
    return g_strndup(s, (gsize)(colon - s));
  }
  return g_strdup(s);
}

static uint64_t num(const char *s) {
  char *end;
  unsigned long long v = strtoull(s, &end, 0);
  if (*s == '\0' || *end != '\0') usage();
  return v;
}

static void parse(int argc, char **argv, args *a, int is_send) {
  memset(a, 0, sizeof(*a));
  a->udp = -1;
  a->local_udp = a->peer_udp = 9899;
  a->port = is_send ? 0 : 5000;
  a->remote_port = 5000;
  a->streams = 1;
  a->mtu = 1200;
  a->connect_timeout_s = 10;
  for (int i = 2; i < argc; i++) {
    const char *o = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (strcmp(o, name) == 0 && (v || (usage(), 0)) && ++i)
    if (ARG("--udp")) {
      a->udp = 1;
      a->local_ip = split_host_port(v, &a->local_udp);
    } else if (ARG("--raw")) {
      a->udp = 0;
      a->local_ip = g_strdup(v);
    } else if (ARG("--peer")) {
      a->peer_ip = split_host_port(v, &a->peer_udp);
    } else if (ARG("--port")) {
      a->port = (unsigned)num(v);
    } else if (ARG("--remote-port")) {
      a->remote_port = (unsigned)num(v);
    } else if (ARG("--size")) {
      a->size = (size_t)num(v);
    } else if (ARG("--count")) {
      a->count = num(v);
    } else if (ARG("--streams")) {
      a->streams = (unsigned)num(v);
    } else if (ARG("--ppid")) {
      if (csctp_ppid_lookup(v, &a->ppid) != 0) a->ppid = (uint32_t)num(v);
    } else if (ARG("--timeout")) {
      a->timeout_s = (unsigned)num(v);
    } else if (ARG("--mtu")) {
      a->mtu = (unsigned)num(v);
    } else if (is_send && ARG("--connect-timeout")) {
      a->connect_timeout_s = (unsigned)num(v);
      if (a->connect_timeout_s == 0 || a->connect_timeout_s > 86400) usage();
    } else if (strcmp(o, "--unordered") == 0) {
      a->unordered = 1;
    } else if (strcmp(o, "--verify") == 0) {
      a->verify = 1;
    } else {
      fprintf(stderr, "csctp: unknown option '%s'\n", o);
      usage();
    }
#undef ARG
  }
  if (a->udp < 0 || !a->local_ip) usage();
  if (a->port > 65535 || a->remote_port == 0 || a->remote_port > 65535 || a->local_udp > 65535 ||
      a->peer_udp > 65535)
    usage();
  if (is_send &&
      (!a->peer_ip || a->size == 0 || a->count == 0 || a->streams == 0 || a->streams > 65535))
    usage();
}

static gboolean on_signal(gpointer user_data) {
  (void)user_data;
  g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

static gboolean on_timeout(gpointer user_data) {
  (void)user_data;
  fprintf(stderr, "csctp: timed out\n");
  exit_code = 1;
  g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

/* ---------------------------------------------------------------- echo */

typedef struct echo_conn {
  char name[96];
  uint8_t *pending; /* the one echo the send buffer refused (reading is paused meanwhile) */
  size_t pending_len;
  csctp_write_opts pending_o;
  uint64_t messages;
} echo_conn;

/*
 * Back-pressure: once the send buffer is past its high mark (or refused an echo), the
 * socket is paused, so no more messages are taken from this peer and its window closes;
 * drain resumes it. At most one message waits here, never an unbounded queue.
 */
static void echo_data(csctp_socket *s, const csctp_message *m, void *ud) {
  echo_conn *c = ud;
  c->messages++;
  csctp_write_opts o = {m->stream, m->ppid, m->unordered};
  csctp_ssize r = csctp_socket_write(s, m->data, m->len, &o);
  if (r == CSCTP_ERR_WOULD_BLOCK) {
    c->pending = g_memdup2(m->data, m->len);
    c->pending_len = m->len;
    c->pending_o = o;
    csctp_socket_pause(s);
    return;
  }
  if (r < 0) fprintf(stderr, "csctp echo: %s: write: %s\n", c->name, csctp_strerror((int)r));
  if (csctp_socket_writable_need_drain(s)) csctp_socket_pause(s);
}

static void echo_drain(csctp_socket *s, void *ud) {
  echo_conn *c = ud;
  if (c->pending) {
    csctp_ssize r = csctp_socket_write(s, c->pending, c->pending_len, &c->pending_o);
    if (r == CSCTP_ERR_WOULD_BLOCK) return; /* still full: the next drain retries */
    if (r < 0) fprintf(stderr, "csctp echo: %s: write: %s\n", c->name, csctp_strerror((int)r));
    g_free(c->pending);
    c->pending = NULL;
    if (csctp_socket_writable_need_drain(s)) return;
  }
  csctp_socket_resume(s);
}

static void echo_end(csctp_socket *s, void *ud) {
  (void)s;
  fprintf(stderr, "csctp echo: %s: peer shut down\n", ((echo_conn *)ud)->name);
}

static void echo_error(csctp_socket *s, int err, const char *msg, void *ud) {
  (void)s;
  fprintf(stderr, "csctp echo: %s: %s (%s)\n", ((echo_conn *)ud)->name, msg, csctp_strerror(err));
}

static void echo_close(csctp_socket *s, int had_error, void *ud) {
  echo_conn *c = ud;
  (void)s;
  fprintf(stderr, "csctp echo: %s: closed%s after %" PRIu64 " messages\n", c->name,
          had_error ? " with an error" : "", c->messages);
  g_free(c->pending);
  g_free(c);
}

static void echo_connection(csctp_server *srv, csctp_socket *s, void *ud) {
  (void)srv;
  (void)ud;
  echo_conn *c = g_new0(echo_conn, 1);
  csctp_socket_remote(s, c->name, sizeof(c->name));
  fprintf(stderr, "csctp echo: %s: association up (%u outbound streams)\n", c->name,
          csctp_socket_outbound_streams(s));
  csctp_socket_events ev = {.data = echo_data,
                            .drain = echo_drain,
                            .end = echo_end,
                            .error = echo_error,
                            .close = echo_close};
  csctp_socket_set_events(s, &ev, c);
}

static int cmd_echo(const args *a) {
  csctp_server *srv;
  csctp_server_events sev = {.connection = echo_connection};
  csctp_server_new(NULL, &sev, NULL, &srv);
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.udp_transport = a->udp;
  o.local_address = a->local_ip;
  o.local_port = (uint16_t)a->port;
  o.udp_local_port = (uint16_t)a->local_udp;
  o.mtu = a->mtu;
  char *err = NULL;
  int rv = csctp_server_listen(srv, &o, &err);
  if (rv) {
    fprintf(stderr, "csctp echo: listen: %s\n", err ? err : csctp_strerror(rv));
    g_free(err);
    csctp_server_del(srv);
    return 1;
  }
  if (a->udp)
    fprintf(stderr, "csctp echo: listening on udp %s:%u, sctp port %u\n", a->local_ip,
            csctp_server_udp_port(srv), a->port);
  else
    fprintf(stderr, "csctp echo: listening on raw IP %s, sctp port %u\n", a->local_ip, a->port);
  g_unix_signal_add(SIGTERM, on_signal, NULL);
  g_unix_signal_add(SIGINT, on_signal, NULL);
  if (a->timeout_s) g_timeout_add_seconds(a->timeout_s, on_timeout, NULL);
  g_main_loop_run(loop);
  fprintf(stderr, "csctp echo: exiting (%zu associations open)\n", csctp_server_connections(srv));
  csctp_server_del(srv);
  return exit_code;
}

/* ---------------------------------------------------------------- send */

typedef struct sender {
  const args *a;
  csctp_socket *s;
  uint64_t next, echoed, bad;
  uint8_t *got; /* --verify: one byte per message */
  uint8_t *buf;
  gint64 t0, t_done;
  int connected, done, closed, blocked;
  gint64 last_bar;
  csctp_stats stats;
} sender;

/* Message content: the index in the first 8 bytes (when it fits), then a pattern. */
static void fill(uint8_t *b, size_t len, uint64_t idx) {
  for (size_t j = 0; j < len; j++) b[j] = (uint8_t)(idx * 131u + j * 7u + 1u);
  for (size_t j = 0; j < 8 && j < len; j++) b[j] = (uint8_t)(idx >> (8 * j));
}

static void progress(sender *sd, int force) {
  if (!isatty(STDERR_FILENO)) return;
  gint64 t = g_get_monotonic_time();
  if (!force && t - sd->last_bar < 100000) return;
  sd->last_bar = t;
  uint64_t n = sd->a->verify ? sd->echoed : sd->next;
  int w = (int)(40 * n / sd->a->count);
  fprintf(stderr, "\r[%.*s%*s] %" PRIu64 "/%" PRIu64, w,
          "========================================", 40 - w, "", n, sd->a->count);
  if (force) fputc('\n', stderr);
}

static void maybe_finish(sender *sd) {
  if (sd->done || sd->next < sd->a->count) return;
  if (sd->a->verify ? sd->echoed < sd->a->count : csctp_socket_buffered(sd->s) > 0) return;
  sd->done = 1;
  sd->t_done = g_get_monotonic_time();
  progress(sd, 1);
  csctp_socket_end(sd->s);
}

static void pump(sender *sd) {
  const args *a = sd->a;
  while (sd->connected && sd->next < a->count && !sd->blocked) {
    csctp_write_opts o = {(uint16_t)(sd->next % a->streams), a->ppid, a->unordered};
    fill(sd->buf, a->size, sd->next);
    csctp_ssize r = csctp_socket_write(sd->s, sd->buf, a->size, &o);
    if (r == CSCTP_ERR_WOULD_BLOCK) {
      sd->blocked = 1;
      break;
    }
    if (r < 0) {
      fprintf(stderr, "csctp send: write: %s\n", csctp_strerror((int)r));
      exit_code = 1;
      csctp_socket_destroy(sd->s);
      g_main_loop_quit(loop);
      return;
    }
    sd->next++;
    if (csctp_socket_writable_need_drain(sd->s)) { /* above the high mark: wait for drain */
      sd->blocked = 1;
      break;
    }
  }
  progress(sd, 0);
}

static gboolean poll_done(gpointer ud) {
  sender *sd = ud;
  if (sd->closed) return G_SOURCE_REMOVE;
  maybe_finish(sd);
  return sd->done ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void send_connect(csctp_socket *s, void *ud) {
  sender *sd = ud;
  (void)s;
  sd->connected = 1;
  sd->t0 = g_get_monotonic_time();
  fprintf(stderr, "csctp send: connected (%u outbound streams)\n",
          csctp_socket_outbound_streams(s));
  if (csctp_socket_outbound_streams(s) < sd->a->streams) {
    fprintf(stderr, "csctp send: the peer allows only %u streams\n",
            csctp_socket_outbound_streams(s));
    exit_code = 1;
    csctp_socket_end(s);
    return;
  }
  pump(sd);
  g_timeout_add(5, poll_done, sd);
}

static void send_drain(csctp_socket *s, void *ud) {
  sender *sd = ud;
  (void)s;
  sd->blocked = 0;
  pump(sd);
}

static void send_data(csctp_socket *s, const csctp_message *m, void *ud) {
  sender *sd = ud;
  (void)s;
  const args *a = sd->a;
  if (!a->verify) return;
  uint64_t idx = sd->echoed;
  if (a->size >= 8) {
    idx = 0;
    for (size_t j = 0; j < 8; j++) idx |= (uint64_t)m->data[j] << (8 * j);
  } else if (!a->unordered) {
    idx = UINT64_MAX; /* small ordered messages: find the next one expected on this stream */
    for (uint64_t i = m->stream; i < a->count; i += a->streams)
      if (!sd->got[i]) {
        idx = i;
        break;
      }
  }
  int ok = idx < a->count && !sd->got[idx] && m->len == a->size && m->ppid == a->ppid &&
           m->stream == idx % a->streams;
  if (ok) {
    fill(sd->buf, a->size, idx);
    ok = memcmp(sd->buf, m->data, a->size) == 0;
  }
  if (!ok) {
    if (sd->bad++ < 5)
      fprintf(stderr, "csctp send: bad echo (stream %u, ppid %u, %zu bytes, index %" PRIu64 ")\n",
              m->stream, m->ppid, m->len, idx);
    return;
  }
  sd->got[idx] = 1;
  sd->echoed++;
  progress(sd, 0);
  maybe_finish(sd);
}

static void send_error(csctp_socket *s, int err, const char *msg, void *ud) {
  (void)s;
  (void)ud;
  fprintf(stderr, "csctp send: %s (%s)\n", msg, csctp_strerror(err));
}

static void send_close(csctp_socket *s, int had_error, void *ud) {
  sender *sd = ud;
  (void)s;
  sd->closed = 1;
  csctp_socket_get_stats(s, &sd->stats);
  if (had_error || !sd->done) exit_code = 1;
  g_main_loop_quit(loop);
}

static int cmd_send(const args *a) {
  sender sd = {.a = a};
  sd.buf = g_malloc(a->size);
  if (a->verify) sd.got = g_malloc0(a->count);
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.host = a->peer_ip;
  o.port = (uint16_t)a->remote_port;
  o.local_address = a->local_ip;
  o.local_port = (uint16_t)a->port;
  o.udp_transport = a->udp;
  o.udp_local_port = (uint16_t)a->local_udp;
  o.udp_peer_port = (uint16_t)a->peer_udp;
  o.ppid = a->ppid;
  o.mtu = a->mtu;
  o.OS = (uint16_t)(a->streams > 16 ? a->streams : 16);
  o.connect_timeout_ms = a->connect_timeout_s * 1000u;
  csctp_socket_events ev = {.connect = send_connect,
                            .data = send_data,
                            .drain = send_drain,
                            .error = send_error,
                            .close = send_close};
  char *err = NULL;
  int rv = csctp_socket_connect(NULL, &o, &ev, &sd, &sd.s, &err);
  if (rv) {
    fprintf(stderr, "csctp send: %s\n", err ? err : csctp_strerror(rv));
    g_free(err);
    return 1;
  }
  g_unix_signal_add(SIGTERM, on_signal, NULL);
  g_unix_signal_add(SIGINT, on_signal, NULL);
  if (a->timeout_s) g_timeout_add_seconds(a->timeout_s, on_timeout, NULL);
  g_main_loop_run(loop);
  if (!sd.closed) {
    exit_code = 1;
    csctp_socket_destroy(sd.s);
  }
  if (sd.done) {
    double t = (double)(sd.t_done - sd.t0) / 1e6;
    if (t <= 0) t = 1e-6;
    double bytes = (double)a->count * (double)a->size;
    printf("sent %" PRIu64 " messages (%.0f bytes) in %.3f s: %.2f MB/s, %.0f msgs/s\n", a->count,
           bytes, t, bytes / t / 1e6, (double)a->count / t);
    fflush(stdout);
  } else {
    fprintf(stderr,
            "csctp send: incomplete: %" PRIu64 " of %" PRIu64 " sent, %" PRIu64 " echoed, %" PRIu64
            " bad\n",
            sd.next, a->count, sd.echoed, sd.bad);
    fprintf(stderr,
            "csctp send: packets in %" PRIu64 ", dropped: crc %" PRIu64 ", vtag %" PRIu64
            ", malformed %" PRIu64 ", out of window %" PRIu64 ", unexpected %" PRIu64
            ", duplicate TSNs %" PRIu64 "\n",
            sd.stats.packets_in, sd.stats.drop_bad_crc, sd.stats.drop_bad_vtag,
            sd.stats.drop_malformed, sd.stats.drop_out_of_window, sd.stats.drop_unexpected,
            sd.stats.duplicate_tsns);
  }
  if (sd.bad) exit_code = 1;
  g_free(sd.buf);
  g_free(sd.got);
  return exit_code;
}

/* CSCTP_DEFAULTS="sack_freq=1,rto_min=200,...": csctp_defaults() from the environment. */
static void env_defaults(void) {
  const char *env = getenv("CSCTP_DEFAULTS");
  if (!env || !*env) return;
  csctp_defaults_t d = {0};
  char **kv = g_strsplit(env, ",", -1);
  for (char **p = kv; *p; p++) {
    char **nv = g_strsplit(*p, "=", 2);
    if (nv[0] && nv[1]) {
      uint32_t v = (uint32_t)strtoul(nv[1], NULL, 0);
#define F(f) else if (strcmp(nv[0], #f) == 0) d.f = v
      if (0) {}
      F(rto_initial);
      F(rto_min);
      F(rto_max);
      F(sack_timeout);
      F(sack_freq);
      F(hb_interval);
      F(max_burst);
      F(association_max_retrans);
      F(max_init_retransmits);
      F(valid_cookie_life);
      F(sndbuf);
      F(rcvbuf);
#undef F
      else fprintf(stderr, "csctp: CSCTP_DEFAULTS: unknown name '%s'\n", nv[0]);
    }
    g_strfreev(nv);
  }
  g_strfreev(kv);
  csctp_defaults(&d, NULL);
}

/*
 * The CLI's protocol defaults, before CSCTP_DEFAULTS: Linux's net.sctp values (rto_max
 * 60 s, association_max_retrans 10, hb_interval 30 s) let a dead peer go unnoticed for
 * about 6 minutes; these bound it to about 19 s with data in flight and about 30 s idle
 * (see the top of this file), at the cost of giving up on a path that is silent that long.
 */
static void cli_defaults(void) {
  csctp_defaults_t d = {0};
  d.rto_max = 4000;
  d.association_max_retrans = 5;
  d.hb_interval = 10000;
  csctp_defaults(&d, NULL);
}

int main(int argc, char **argv) {
  if (argc < 2) usage();
  cli_defaults();
  env_defaults();
  int is_send = strcmp(argv[1], "send") == 0;
  if (!is_send && strcmp(argv[1], "echo") != 0) usage();
  args a;
  parse(argc, argv, &a, is_send);
  loop = g_main_loop_new(NULL, FALSE);
  int rc = is_send ? cmd_send(&a) : cmd_echo(&a);
  g_main_loop_unref(loop);
  g_free(a.local_ip);
  g_free(a.peer_ip);
  return rc;
}
