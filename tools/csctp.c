/* SPDX-License-Identifier: MIT */
/*
 * csctp: SCTP over UDP (RFC 6951) or raw IP from the command line.
 *
 *   csctp echo --udp LOCAL_HOST:UDP_PORT [--port SCTP_PORT]
 *   csctp echo --raw LOCAL_HOST [--port SCTP_PORT]
 *   csctp send --udp LOCAL_HOST:UDP_PORT --peer REMOTE_HOST:UDP_PORT [--port P] [--remote-port P]
 *              --size BYTES --count N [--streams K] [--unordered] [--ppid P] [--verify]
 *              [--connect-timeout SECONDS]
 *   csctp send --raw LOCAL_HOST --peer REMOTE_HOST [...same options...]
 *   csctp --help | --version
 *
 * Every refused argument is named with why (cli_args.h), exit 2; host names resolve.
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

#include "cli_args.h"
#include "cli_paths.h"
#include "cli_usage.h"

typedef struct args {
  int udp;
  char *local_ip, *peer_ip;
  const char *local_arg, *peer_arg; /* as given, for messages */
  unsigned local_udp, peer_udp;
  unsigned port, remote_port;
  size_t size;
  uint64_t count;
  unsigned streams;
  int unordered, verify;
  uint32_t ppid;
  unsigned timeout_s, mtu;
  unsigned connect_timeout_s;
  unsigned plpmtud, plpmtud_probe_ms, linger_s; /* RFC 8899 search; send: stay connected */
  int ecn;                                      /* --ecn: csctp_connect_opts.ecn */
  /* Multi-homing: every local / peer address (local_ip, peer_ip: the first), and --pf,
   * --pmr, --ps (-1: not given). */
  char **local_ips, **peer_ips;
  size_t n_local, n_peer;
  int64_t pf, pmr, ps;
  int asconf; /* --asconf: csctp_connect_opts.asconf */
} args;

static GMainLoop *loop;
static int exit_code;
static int echo_plpmtud; /* echo: --plpmtud given */
static int echo_ecn;     /* echo: --ecn given */

/* cmd: "echo", "send" or NULL (both). To stdout with exit 0 for --help, else stderr and 2. */
static void usage_to(FILE *f, const char *cmd, int code) {
  fprintf(f, "usage:\n%s%s%s", !cmd || strcmp(cmd, "echo") == 0 ? usage_echo : "",
          !cmd || strcmp(cmd, "send") == 0 ? usage_send : "", usage_notes);
  exit(code);
}

static const char *cur_cmd; /* the subcommand being parsed, for usage() */
static void usage(void) { usage_to(stderr, cur_cmd, 2); }

/* A refused argument: `err` says which and why (see cli_args.h), then the usage. */
static void refuse(char *err) {
  if (!err) return;
  fprintf(stderr, "csctp: %s\n", err);
  g_free(err);
  usage();
}

static uint64_t opt_num(const char *o, const char *v, uint64_t lo, uint64_t hi, const char *noun) {
  uint64_t n = 0;
  char *label = g_strdup_printf("%s %s", o, v);
  char *err = cli_uint(label, v, lo, hi, noun, &n);
  g_free(label);
  refuse(err);
  return n;
}

/* One host or a comma list (multi-homing) into *list / *n; returns a copy of the first. */
static char *opt_host_port(const char *o, const char *v, unsigned port_lo, unsigned *port,
                           char ***list, size_t *n) {
  char *label = g_strdup_printf("%s %s", o, v);
  g_strfreev(*list);
  *list = NULL;
  char *err = cli_host_list(label, v, port_lo, list, n, port);
  g_free(label);
  refuse(err);
  return g_strdup((*list)[0]);
}

/*
 * The largest message an association of this command takes: the engine's max_message_size,
 * lowered to the receive buffer (csctp_defaults rcvbuf) when that is smaller. NULL when `size`
 * fits, else why not and what raises the limit (g_free it).
 */
static char *size_limit(size_t size) {
  csctp_config cfg;
  csctp_config_default(&cfg);
  csctp_defaults_t d;
  csctp_defaults(NULL, &d);
  uint32_t max = cfg.max_message_size < d.rcvbuf ? cfg.max_message_size : d.rcvbuf;
  if (size <= max) return NULL;
  if (d.rcvbuf < cfg.max_message_size)
    return g_strdup_printf(
        "--size %zu: larger than the largest message, %u bytes (the receive "
        "buffer): raise it with CSCTP_DEFAULTS=rcvbuf=BYTES (up to %u), on "
        "both ends",
        size, max, cfg.max_message_size);
  return g_strdup_printf(
      "--size %zu: larger than the largest message an association takes, %u "
      "bytes (the engine's max_message_size, which no option raises)",
      size, max);
}

/* Resolves the local then the peer address in place; the peer must be of the local's family. */
static void resolve(args *a) {
  char ip[INET6_ADDRSTRLEN];
  int family = AF_UNSPEC;
  char *label = g_strdup_printf("%s %s", a->udp ? "--udp" : "--raw", a->local_arg);
  /* Multi-homed over UDP, IPv4 and IPv6 may mix; else the first sets the version of all. */
  int mixed = a->udp && (a->n_local > 1 || a->n_peer > 1);
  for (size_t i = 0; i < a->n_local; i++) {
    if (mixed) family = AF_UNSPEC;
    refuse(cli_resolve(label, a->local_ips[i], family, i ? a->local_ips[0] : NULL, ip, &family));
    g_free(a->local_ips[i]);
    a->local_ips[i] = g_strdup(ip);
  }
  g_free(label);
  g_free(a->local_ip);
  a->local_ip = g_strdup(a->local_ips[0]);
  if (!a->peer_ip) return;
  int peer_family;
  label = g_strdup_printf("--peer %s", a->peer_arg);
  for (size_t i = 0; i < a->n_peer; i++) {
    refuse(cli_resolve(label, a->peer_ips[i], mixed ? AF_UNSPEC : family, a->local_ip, ip,
                       &peer_family));
    g_free(a->peer_ips[i]);
    a->peer_ips[i] = g_strdup(ip);
  }
  g_free(label);
  g_free(a->peer_ip);
  a->peer_ip = g_strdup(a->peer_ips[0]);
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
  a->pf = a->pmr = a->ps = -1;
  for (int i = 2; i < argc; i++) {
    const char *o = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) \
  (strcmp(o, name) == 0 && (v || (refuse(g_strdup_printf("%s: needs a value", o)), 0)) && ++i)
    if (ARG("--udp")) {
      a->udp = 1;
      g_free(a->local_ip);
      a->local_ip = opt_host_port(o, v, 0, &a->local_udp, &a->local_ips, &a->n_local);
      a->local_arg = v;
    } else if (ARG("--raw")) {
      a->udp = 0;
      g_free(a->local_ip);
      unsigned no_port = 0;
      a->local_ip = opt_host_port(o, v, 0, &no_port, &a->local_ips, &a->n_local);
      a->local_arg = v;
      if (no_port) refuse(g_strdup_printf("%s %s: raw IP has no UDP port (--port: SCTP)", o, v));
    } else if (ARG("--peer")) {
      g_free(a->peer_ip);
      a->peer_ip = opt_host_port(o, v, 1, &a->peer_udp, &a->peer_ips, &a->n_peer);
      a->peer_arg = v;
    } else if (ARG("--port")) {
      a->port = (unsigned)opt_num(o, v, 1, 65535, "a port");
    } else if (ARG("--remote-port")) {
      a->remote_port = (unsigned)opt_num(o, v, 1, 65535, "a port");
    } else if (ARG("--size")) {
      a->size = (size_t)opt_num(o, v, 1, UINT32_MAX, NULL);
    } else if (ARG("--count")) {
      a->count = opt_num(o, v, 1, UINT64_MAX, NULL);
    } else if (ARG("--streams")) {
      a->streams = (unsigned)opt_num(o, v, 1, 65535, NULL);
    } else if (ARG("--ppid")) {
      if (csctp_ppid_lookup(v, &a->ppid) != 0)
        a->ppid = (uint32_t)opt_num(o, v, 0, UINT32_MAX, NULL); /* not a name either */
    } else if (ARG("--timeout")) {
      a->timeout_s = (unsigned)opt_num(o, v, 0, UINT32_MAX, NULL);
    } else if (ARG("--mtu")) {
      a->mtu = (unsigned)opt_num(o, v, 576, 9216, "an MTU in bytes");
    } else if (ARG("--plpmtud")) {
      a->plpmtud = (unsigned)opt_num(o, v, 576, 9216, "an MTU in bytes");
    } else if (ARG("--plpmtud-probe-timer")) {
      a->plpmtud_probe_ms = (unsigned)opt_num(o, v, 1000, 600000, "milliseconds");
    } else if (is_send && ARG("--linger")) {
      a->linger_s = (unsigned)opt_num(o, v, 0, 3600, "seconds");
    } else if (is_send && ARG("--connect-timeout")) {
      a->connect_timeout_s = (unsigned)opt_num(o, v, 1, 86400, NULL);
    } else if (ARG("--pf")) {
      a->pf = (int64_t)opt_num(o, v, 0, 65535, NULL);
    } else if (ARG("--pmr")) {
      a->pmr = (int64_t)opt_num(o, v, 0, 65535, NULL);
    } else if (ARG("--ps")) {
      a->ps = (int64_t)opt_num(o, v, 0, 65534, NULL);
    } else if (strcmp(o, "--unordered") == 0) {
      a->unordered = 1;
    } else if (strcmp(o, "--verify") == 0) {
      a->verify = 1;
    } else if (strcmp(o, "--ecn") == 0) {
      a->ecn = 1;
    } else if (strcmp(o, "--asconf") == 0) {
      a->asconf = 1;
    } else {
      refuse(g_strdup_printf("unknown option '%s'", o));
    }
#undef ARG
  }
  if (a->udp < 0 || !a->local_ip) refuse(g_strdup("--udp or --raw: missing"));
  if ((a->pf >= 0 || a->pmr >= 0 || a->ps >= 0 || a->asconf) && a->n_local < 2 && a->n_peer < 2)
    refuse(
        g_strdup("--pf, --pmr, --ps, --asconf: only with several addresses (A,B in --udp, --raw "
                 "or --peer)"));
  if (a->plpmtud && a->plpmtud < a->mtu)
    refuse(g_strdup_printf("--plpmtud %u: below --mtu %u", a->plpmtud, a->mtu));
  if (!is_send) return;
  if (!a->peer_ip) refuse(g_strdup("--peer: missing"));
  if (a->size == 0) refuse(g_strdup("--size: missing"));
  if (a->count == 0) refuse(g_strdup("--count: missing"));
  refuse(size_limit(a->size));
}

/* Multi-homing (several local or peer addresses) and the --pf, --pmr, --ps, --asconf options
 * into o. */
static int multi_opts(const args *a, csctp_connect_opts *o) {
  if (a->n_local < 2 && a->n_peer < 2) return 0;
  if (a->n_local > 1) {
    o->local_addresses = (const char *const *)a->local_ips;
    o->n_local_addresses = a->n_local;
  }
  if (a->n_peer > 1) {
    o->hosts = (const char *const *)a->peer_ips;
    o->n_hosts = a->n_peer;
  }
  if (a->pf >= 0) o->pf_max_retrans = (uint32_t)a->pf;
  if (a->pmr >= 0) o->path_max_retrans = (uint32_t)a->pmr;
  if (a->ps >= 0) o->ps_max_retrans = (uint32_t)a->ps;
  o->asconf = a->asconf;
  return 1;
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

/* The ECN counters of a socket (csctp_stats V4), one line. */
static void print_ecn(FILE *f, const char *prefix, const csctp_stats *stp) {
  const csctp_stats st = *stp;
  fprintf(f,
          "%secn %s: CE in %" PRIu64 ", ECT out %" PRIu64 ", ECNE out %" PRIu64 " in %" PRIu64
          ", CWR out %" PRIu64 " in %" PRIu64 ", cwnd reductions %" PRIu64
          ", retransmissions %" PRIu64 "\n",
          prefix, st.ecn ? "on" : "off", st.ecn_ce_in, st.ecn_ect_out, st.ecne_out, st.ecne_in,
          st.cwr_out, st.cwr_in, st.ecn_cwnd_reductions, st.retransmissions);
}

static void echo_close(csctp_socket *s, int had_error, void *ud) {
  echo_conn *c = ud;
  (void)s;
  fprintf(stderr, "csctp echo: %s: closed%s after %" PRIu64 " messages\n", c->name,
          had_error ? " with an error" : "", c->messages);
  if (echo_plpmtud)
    fprintf(stderr, "csctp echo: %s: path MTU %u bytes (PLPMTUD)\n", c->name, csctp_socket_pmtu(s));
  csctp_stats est;
  if (echo_ecn && csctp_socket_get_stats(s, &est) == 0) print_ecn(stderr, "csctp echo: ", &est);
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
  cli_paths_at_connect(s);
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
  o.plpmtud_max = a->plpmtud;
  o.plpmtud_probe_timer = a->plpmtud_probe_ms;
  o.ecn = a->ecn;
  if (multi_opts(a, &o)) csctp_server_on_path(srv, cli_on_path);
  echo_plpmtud = a->plpmtud != 0;
  echo_ecn = a->ecn;
  char *err = NULL;
  int rv = csctp_server_listen(srv, &o, &err);
  if (rv) {
    fprintf(stderr, "csctp echo: listen: %s\n", err ? err : csctp_strerror(rv));
    g_free(err);
    csctp_server_del(srv);
    return 1;
  }
  GString *ipl = g_string_new(NULL); /* several: multi-homed; IPv6 in brackets */
  for (size_t i = 0; i < a->n_local; i++)
    g_string_append_printf(ipl, strchr(a->local_ips[i], ':') ? "%s[%s]" : "%s%s", i ? "," : "",
                           a->local_ips[i]);
  char *ips = g_string_free(ipl, FALSE);
  if (a->udp)
    fprintf(stderr, "csctp echo: listening on udp %s:%u, sctp port %u\n", ips,
            csctp_server_udp_port(srv), a->port);
  else
    fprintf(stderr, "csctp echo: listening on raw IP %s, sctp port %u\n", ips, a->port);
  g_free(ips);
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
  uint32_t pmtu; /* when it ended */
  gint64 last_bar;
  csctp_stats stats;
  gint64 last_echo, max_gap; /* the longest time without an echo, after the first (us) */
  char *paths;               /* multi-homing: the paths when the transfer ended */
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

static void send_end(sender *sd) {
  sd->pmtu = csctp_socket_pmtu(sd->s);
  if (!sd->paths) sd->paths = cli_paths_table(sd->s);
  csctp_socket_end(sd->s);
}

static gboolean end_after_linger(gpointer ud) {
  sender *sd = ud;
  if (!sd->closed) send_end(sd);
  return G_SOURCE_REMOVE;
}

static void maybe_finish(sender *sd) {
  if (sd->done || sd->next < sd->a->count) return;
  if (sd->a->verify ? sd->echoed < sd->a->count : csctp_socket_buffered(sd->s) > 0) return;
  sd->done = 1;
  sd->t_done = g_get_monotonic_time();
  progress(sd, 1);
  if (sd->a->linger_s)
    g_timeout_add_seconds(sd->a->linger_s, end_after_linger, sd);
  else
    send_end(sd);
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
      char *why = r == CSCTP_ERR_MSG_TOO_LARGE ? size_limit(a->size) : NULL;
      fprintf(stderr, "csctp send: write: %s\n", why ? why : csctp_strerror((int)r));
      g_free(why);
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
  cli_paths_at_connect(s);
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
  gint64 t = g_get_monotonic_time();
  if (sd->last_echo && t - sd->last_echo > sd->max_gap) sd->max_gap = t - sd->last_echo;
  sd->last_echo = t;
  progress(sd, 0);
  maybe_finish(sd);
}

static void send_error(csctp_socket *s, int err, const char *msg, void *ud) {
  sender *sd = ud;
  const args *a = sd->a;
  (void)s;
  fprintf(stderr, "csctp send: %s (%s)\n", msg, csctp_strerror(err));
  if (sd->connected) return;
  /* Not connected yet: say what the user can check. */
  char peer[INET6_ADDRSTRLEN + 16];
  if (a->udp)
    snprintf(peer, sizeof peer, strchr(a->peer_ip, ':') ? "[%s]:%u" : "%s:%u", a->peer_ip,
             a->peer_udp);
  else
    snprintf(peer, sizeof peer, "%s", a->peer_ip);
  if (err == CSCTP_ERR_UNREACHABLE)
    fprintf(stderr,
            "csctp send: cannot connect: nothing listens on %s %s (ECONNREFUSED): is csctp echo "
            "running there (--peer)?\n",
            a->udp ? "UDP" : "SCTP over IP at", peer);
  else if (err == CSCTP_ERR_TIMEOUT)
    fprintf(stderr,
            "csctp send: cannot connect: no answer from %s, SCTP port %u, within %u s "
            "(--connect-timeout)\n",
            peer, a->remote_port, a->connect_timeout_s);
  else if (err == CSCTP_ERR_PEER_ABORT)
    fprintf(stderr,
            "csctp send: cannot connect: %s refused the association: does it listen on SCTP port "
            "%u (--remote-port)?\n",
            peer, a->remote_port);
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
  o.ecn = a->ecn;
  o.local_address = a->local_ip;
  o.local_port = (uint16_t)a->port;
  o.udp_transport = a->udp;
  o.udp_local_port = (uint16_t)a->local_udp;
  o.udp_peer_port = (uint16_t)a->peer_udp;
  o.ppid = a->ppid;
  o.mtu = a->mtu;
  o.plpmtud_max = a->plpmtud;
  o.plpmtud_probe_timer = a->plpmtud_probe_ms;
  o.OS = (uint16_t)(a->streams > 16 ? a->streams : 16);
  o.connect_timeout_ms = a->connect_timeout_s * 1000u;
  int multi = multi_opts(a, &o);
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
  if (multi) csctp_socket_on_path(sd.s, cli_on_path);
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
    if (a->verify && !sd.bad) printf("verified: %" PRIu64 " echoes, all intact\n", sd.echoed);
    if (a->verify) printf("longest gap between echoes: %" PRId64 " ms\n", sd.max_gap / 1000);
    if (sd.paths) fputs(sd.paths, stdout);
    if (a->plpmtud) printf("path MTU %u bytes (PLPMTUD)\n", sd.pmtu);
    if (a->ecn) print_ecn(stdout, "", &sd.stats);
    if (a->verify && sd.bad)
      fprintf(stderr, "csctp send: not verified: %" PRIu64 " bad echoes\n", sd.bad);
    fflush(stdout);
  } else if (!sd.connected) {
    fprintf(stderr, "csctp send: not connected: nothing sent\n");
  } else {
    if (a->verify)
      fprintf(stderr,
              "csctp send: not verified: %" PRIu64 " of %" PRIu64 " echoes intact, %" PRIu64
              " bad\n",
              sd.echoed, a->count, sd.bad);
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
  g_free(sd.paths);
  return exit_code;
}

/* CSCTP_DEFAULTS="sack_freq=1,rto_min=200,...": csctp_defaults() from the environment. */
static void env_defaults(void) {
  csctp_defaults_t d = {0};
  refuse(cli_env_defaults(getenv("CSCTP_DEFAULTS"), &d));
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
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) usage_to(stdout, NULL, 0);
  if (strcmp(argv[1], "--version") == 0) {
    printf("csctp %s\n", csctp_version(0)->version_str);
    return 0;
  }
  int is_send = strcmp(argv[1], "send") == 0;
  if (!is_send && strcmp(argv[1], "echo") != 0)
    refuse(g_strdup_printf("unknown command '%s' (echo or send)", argv[1]));
  cur_cmd = argv[1];
  for (int i = 2; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) usage_to(stdout, cur_cmd, 0);
  cli_defaults();
  env_defaults();
  args a;
  parse(argc, argv, &a, is_send);
  resolve(&a);
  loop = g_main_loop_new(NULL, FALSE);
  int rc = is_send ? cmd_send(&a) : cmd_echo(&a);
  g_main_loop_unref(loop);
  g_free(a.local_ip);
  g_free(a.peer_ip);
  g_strfreev(a.local_ips);
  g_strfreev(a.peer_ips);
  return rc;
}
