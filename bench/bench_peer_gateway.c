/* SPDX-License-Identifier: MIT */
/*
 * A gateway's scale (issue 14, part 3): N WebRTC peers in one process, the
 * gateway, against N remote peers in a second process (forked), ICE on
 * 127.0.0.1. Each process runs T threads, each with its own GMainContext and
 * N/T of the peers; nothing is shared between threads but atomic counters.
 *
 *   1. Set-up: the remote side offers (one data channel per peer, at most W
 *      set-ups in flight per thread), the gateway answers with one DTLS
 *      certificate for all its peers; signalling over a socket pair per thread.
 *      Figure: peers set up per second, first offer to last channel open.
 *   2. Idle: 2 s after the last open, the gateway's RSS and file descriptors per
 *      established peer (over the process before any peer), and its CPU while idle.
 *   3. Load: every remote peer sends a 16-byte message per second, spread
 *      evenly over the second; the gateway echoes each. Figures: the gateway's
 *      CPU time per message handled (in + out), one-way latency remote ->
 *      gateway and round-trip latency (p50, p99, max), messages lost.
 *   4. Limits: the descriptor limit, the peers it allows, the ephemeral
 *      ports both processes share; peers the gateway refused, by error.
 *
 *   bench_peer_gateway [--peers N] [--threads T] [--window W] [--seconds S] [--fd-limit F]
 *     --peers N     peers in the gateway (default 10000)
 *     --threads T   threads with a GMainContext in each process (default 2)
 *     --window W    set-ups in flight per remote thread (default 64)
 *     --seconds S   load phase (default 10)
 *     --fd-limit F  the gateway's RLIMIT_NOFILE (default: raised to fit N; this shows what
 *                   a gateway sees when it runs out: peers refused with a clear error)
 *
 * Figures only; exits non-zero when set-up stalls for 60 s.
 */
#include <csctp/peer.h>
#include <errno.h>
#include <glib-unix.h>
#include <glib.h>
#include <malloc.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

#define MAX_THREADS 16
#define HIST_US 1000000 /* latency histogram: 1 us buckets up to 1 s, then one overflow */

enum { MSG_OFFER = 1, MSG_ANSWER, MSG_REJECT };

typedef struct worker worker;

typedef struct peer_slot {
  worker *w;
  csctp_peer *peer;
  csctp_dc_channel ch;
  int index;    /* global index */
  int gathered; /* local candidates complete */
  int remote;   /* remote description set */
  int open;
  int sent_desc;
  gint64 next_send; /* remote side, load phase */
} peer_slot;

struct worker {
  int id, gateway;
  int first, count; /* global indices [first, first + count) */
  GMainContext *ctx;
  GThread *thread;
  int sig;              /* signalling socket to the other process's worker `id` */
  GByteArray *in, *out; /* signalling buffers */
  GSource *out_watch;   /* while `out` has bytes the socket did not take */
  peer_slot *slots;
  int next_create, in_flight; /* remote side: set-ups started and not yet open */
  int cursor;                 /* remote side, load: the next peer due */
  gint64 load_start;
  uint32_t *hist; /* latency (gateway: one-way; remote: round trip) */
  uint64_t lost_late, got, sent;
  atomic_int stop;
};

static const char *const loopback[] = {"127.0.0.1"};
static csctp_dtls_cert *cert;
static int window = 64;
static atomic_int opened, refused, failed, load_on;
static atomic_int refused_by[8];
static int refused_code[8];
static atomic_llong first_offer_us, last_open_us;

/* ---- signalling: frames of [u32 length][u32 index][u8 type][payload] ---- */

static gboolean on_sig_out(gint fd, GIOCondition cond, gpointer user);

static void sig_flush(worker *w) {
  while (w->out->len) {
    ssize_t n = send(w->sig, w->out->data, w->out->len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n <= 0) break;
    g_byte_array_remove_range(w->out, 0, (guint)n);
  }
  if (w->out->len && !w->out_watch) {
    w->out_watch = g_unix_fd_source_new(w->sig, G_IO_OUT);
    g_source_set_callback(w->out_watch, (GSourceFunc)(void (*)(void))on_sig_out, w, NULL);
    g_source_attach(w->out_watch, w->ctx);
  }
}

static gboolean on_sig_out(gint fd, GIOCondition cond, gpointer user) {
  worker *w = user;
  (void)fd;
  (void)cond;
  g_source_unref(w->out_watch);
  w->out_watch = NULL;
  sig_flush(w);
  return G_SOURCE_REMOVE;
}

static void sig_send(worker *w, int index, int type, const void *data, size_t len) {
  uint32_t hdr[2] = {(uint32_t)(9 + len), (uint32_t)index};
  uint8_t t = (uint8_t)type;
  g_byte_array_append(w->out, (const guint8 *)hdr, sizeof hdr);
  g_byte_array_append(w->out, &t, 1);
  if (len) g_byte_array_append(w->out, data, (guint)len);
  sig_flush(w);
}

/* ---- peers ---- */

static void on_event(csctp_peer *peer, const csctp_peer_event *ev, void *user);
static void remote_fill(worker *w);

static int slot_new(peer_slot *s, int offerer) {
  csctp_peer_config cfg;
  csctp_peer_config_default(&cfg);
  cfg.on_event = on_event;
  cfg.user_data = s;
  cfg.local_addresses = loopback;
  cfg.n_local_addresses = 1;
  cfg.offerer = offerer;
  cfg.cert = cert;
  return csctp_peer_new(&s->peer, s->w->ctx, &cfg);
}

static void send_description(peer_slot *s) {
  if (s->sent_desc || !s->gathered || (s->w->gateway && !s->remote)) return;
  static _Thread_local char sdp[CSCTP_SDP_TEXT_MAX];
  csctp_ssize n = s->w->gateway ? csctp_peer_create_answer(s->peer, sdp, sizeof sdp)
                                : csctp_peer_create_offer(s->peer, sdp, sizeof sdp);
  if (n < 0) {
    fprintf(stderr, "bench_peer_gateway: peer %d: description: %s\n", s->index,
            csctp_strerror((int)n));
    atomic_fetch_add(&failed, 1);
    return;
  }
  s->sent_desc = 1;
  sig_send(s->w, s->index, s->w->gateway ? MSG_ANSWER : MSG_OFFER, sdp, (size_t)n);
}

static void hist_add(uint32_t *h, gint64 us) { h[us < 0 ? 0 : us >= HIST_US ? HIST_US : us]++; }

static void on_message(peer_slot *s, const uint8_t *data, size_t len) {
  worker *w = s->w;
  gint64 now = g_get_monotonic_time(), t;
  if (len < sizeof t) return;
  memcpy(&t, data, sizeof t);
  hist_add(w->hist, now - t);
  w->got++;
  if (w->gateway) { /* echo it */
    uint8_t copy[64];
    size_t n = len < sizeof copy ? len : sizeof copy;
    memcpy(copy, data, n);
    if (csctp_peer_send(s->peer, s->ch, 0, copy, n) == 0) w->sent++;
  }
}

static void on_event(csctp_peer *peer, const csctp_peer_event *ev, void *user) {
  peer_slot *s = user;
  (void)peer;
  switch (ev->type) {
  case CSCTP_PEER_EVENT_CANDIDATE:
    if (ev->u.candidate[0] == '\0') {
      s->gathered = 1;
      send_description(s);
    }
    break;
  case CSCTP_PEER_EVENT_STATE:
    if (ev->u.state.state == CSCTP_PEER_STATE_FAILED) {
      atomic_fetch_add(&failed, 1);
      if (!s->w->gateway && !s->open) {
        s->w->in_flight--;
        remote_fill(s->w);
      }
    }
    break;
  case CSCTP_PEER_EVENT_CHANNEL: {
    const csctp_dc_event *dc = ev->u.channel;
    if (dc->type == CSCTP_DC_EVENT_OPEN && !s->open) {
      s->open = 1;
      s->ch = dc->channel;
      if (s->w->gateway) {
        atomic_fetch_add(&opened, 1);
        atomic_store(&last_open_us, g_get_monotonic_time());
      } else {
        atomic_fetch_add(&opened, 1);
        s->w->in_flight--;
        remote_fill(s->w);
      }
    } else if (dc->type == CSCTP_DC_EVENT_MESSAGE) {
      on_message(s, dc->u.message.data, dc->u.message.len);
    }
    break;
  }
  default: break;
  }
}

/* Remote side: starts set-ups until W are in flight. */
static void remote_fill(worker *w) {
  while (w->in_flight < window && w->next_create < w->count) {
    peer_slot *s = &w->slots[w->next_create++];
    int rv = slot_new(s, 1);
    csctp_dc_init init;
    memset(&init, 0, sizeof init);
    init.label = "gw";
    if (!rv) rv = csctp_peer_create_channel(s->peer, &init, &s->ch);
    if (rv) {
      fprintf(stderr, "bench_peer_gateway: remote peer %d: %s\n", s->index, csctp_strerror(rv));
      atomic_fetch_add(&failed, 1);
      continue;
    }
    w->in_flight++;
  }
}

static void refuse_count(int rv) {
  for (int i = 0; i < 8; i++) {
    if (refused_code[i] == rv || refused_code[i] == 0) {
      refused_code[i] = rv; /* only the gateway's workers write, one code per slot: benign */
      atomic_fetch_add(&refused_by[i], 1);
      return;
    }
  }
}

static void on_frame(worker *w, int index, int type, const char *sdp, size_t len) {
  if (index < w->first || index >= w->first + w->count) return;
  peer_slot *s = &w->slots[index - w->first];
  if (type == MSG_OFFER && w->gateway && !s->peer) {
    long long zero = 0;
    atomic_compare_exchange_strong(&first_offer_us, &zero, g_get_monotonic_time());
    int rv = slot_new(s, 0);
    if (!rv) rv = csctp_peer_set_remote_description(s->peer, CSCTP_PEER_SDP_OFFER, sdp, len, NULL);
    if (rv) {
      atomic_fetch_add(&refused, 1);
      refuse_count(rv);
      if (s->peer) csctp_peer_del(s->peer);
      s->peer = NULL;
      sig_send(w, index, MSG_REJECT, &rv, sizeof rv);
      return;
    }
    s->remote = 1;
    send_description(s);
  } else if (type == MSG_ANSWER && !w->gateway && s->peer) {
    if (csctp_peer_set_remote_description(s->peer, CSCTP_PEER_SDP_ANSWER, sdp, len, NULL) != 0)
      atomic_fetch_add(&failed, 1);
  } else if (type == MSG_REJECT && !w->gateway && s->peer) {
    atomic_fetch_add(&refused, 1);
    csctp_peer_del(s->peer);
    s->peer = NULL;
    w->in_flight--;
    remote_fill(w);
  }
}

static gboolean on_sig_in(gint fd, GIOCondition cond, gpointer user) {
  worker *w = user;
  (void)cond;
  uint8_t buf[65536];
  ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n == 0) return G_SOURCE_REMOVE; /* the other process is gone */
  if (n < 0) return errno == EAGAIN || errno == EINTR ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
  g_byte_array_append(w->in, buf, (guint)n);
  guint off = 0;
  while (w->in->len - off >= 9) {
    uint32_t hdr[2];
    memcpy(hdr, w->in->data + off, sizeof hdr);
    if (hdr[0] < 9 || hdr[0] > (1u << 20)) return G_SOURCE_REMOVE;
    if (w->in->len - off < hdr[0]) break;
    on_frame(w, (int)hdr[1], w->in->data[off + 8], (const char *)w->in->data + off + 9, hdr[0] - 9);
    off += hdr[0];
  }
  g_byte_array_remove_range(w->in, 0, off);
  return G_SOURCE_CONTINUE;
}

/* Remote side, load phase: every 5 ms, sends the messages due (one per peer per second,
 * peer i at offset i/count of the second: due in index order, from a cursor). */
static gboolean on_load_tick(gpointer user) {
  worker *w = user;
  if (!atomic_load(&load_on) || !w->count) return G_SOURCE_CONTINUE;
  gint64 now = g_get_monotonic_time();
  if (!w->load_start) {
    w->load_start = now;
    for (int i = 0; i < w->count; i++)
      w->slots[i].next_send = now + (gint64)i * G_USEC_PER_SEC / w->count;
  }
  for (int n = 0; n < w->count; n++) {
    peer_slot *s = &w->slots[w->cursor];
    if (s->next_send > now) break;
    s->next_send += G_USEC_PER_SEC;
    w->cursor = (w->cursor + 1) % w->count;
    if (!s->open) continue;
    uint8_t msg[16] = {0};
    memcpy(msg, &now, sizeof now);
    if (csctp_peer_send(s->peer, s->ch, 0, msg, sizeof msg) == 0) w->sent++;
  }
  return G_SOURCE_CONTINUE;
}

static gpointer worker_main(gpointer user) {
  worker *w = user;
  g_main_context_push_thread_default(w->ctx);
  GSource *in = g_unix_fd_source_new(w->sig, G_IO_IN);
  g_source_set_callback(in, (GSourceFunc)(void (*)(void))on_sig_in, w, NULL);
  g_source_attach(in, w->ctx);
  GSource *tick = NULL;
  if (!w->gateway) {
    remote_fill(w);
    tick = g_timeout_source_new(5);
    g_source_set_callback(tick, on_load_tick, w, NULL);
    g_source_attach(tick, w->ctx);
  }
  while (!atomic_load(&w->stop)) g_main_context_iteration(w->ctx, TRUE);
  for (int i = 0; i < w->count; i++)
    if (w->slots[i].peer) csctp_peer_del(w->slots[i].peer);
  for (int i = 0; i < 10; i++) g_main_context_iteration(w->ctx, FALSE);
  g_source_destroy(in);
  g_source_unref(in);
  if (tick) {
    g_source_destroy(tick);
    g_source_unref(tick);
  }
  if (w->out_watch) {
    g_source_destroy(w->out_watch);
    g_source_unref(w->out_watch);
  }
  g_main_context_pop_thread_default(w->ctx);
  return NULL;
}

static gboolean wake(gpointer user) {
  (void)user;
  return G_SOURCE_REMOVE;
}

static void workers_stop(worker *ws, int t) {
  for (int i = 0; i < t; i++) {
    atomic_store(&ws[i].stop, 1);
    GSource *s = g_idle_source_new();
    g_source_set_callback(s, wake, NULL, NULL);
    g_source_attach(s, ws[i].ctx);
    g_source_unref(s);
  }
  for (int i = 0; i < t; i++) g_thread_join(ws[i].thread);
}

/* ---- process figures ---- */

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* The value below which `p` of the samples lie, in microseconds; -1 when there are none. */
static double percentile(const uint32_t *h, uint64_t total, double p) {
  if (!total) return -1;
  uint64_t want = (uint64_t)(p * (double)total), seen = 0;
  if (want >= total) want = total - 1;
  for (int i = 0; i <= HIST_US; i++) {
    seen += h[i];
    if (seen > want) return i;
  }
  return HIST_US;
}

static double hist_max(const uint32_t *h) {
  for (int i = HIST_US; i >= 0; i--)
    if (h[i]) return i;
  return -1;
}

/* Sums the workers' histograms into the first. */
static uint64_t hist_merge(worker *ws, int t) {
  uint64_t total = 0;
  for (int i = 1; i < t; i++)
    for (int j = 0; j <= HIST_US; j++) ws[0].hist[j] += ws[i].hist[j];
  for (int j = 0; j <= HIST_US; j++) total += ws[0].hist[j];
  return total;
}

/* ---- the two processes ---- */

typedef struct {
  int peers, threads, seconds;
  long fd_limit;
} options;

/* Control messages between the two main threads over `ctl`: one byte each, then data. */
enum { CTL_ALL_OPEN = 'O', CTL_LOAD = 'L', CTL_STOP = 'S', CTL_REPORT = 'R' };

typedef struct {
  uint64_t sent, echoes;
  double p50, p99, max;
  int opened, refused, failed;
} remote_report;

static void alloc_workers(worker *ws, const options *o, int gateway, int *sig) {
  for (int i = 0; i < o->threads; i++) {
    worker *w = &ws[i];
    w->id = i;
    w->gateway = gateway;
    w->first = (int)((long)o->peers * i / o->threads);
    w->count = (int)((long)o->peers * (i + 1) / o->threads) - w->first;
    w->ctx = g_main_context_new();
    w->sig = sig[i];
    w->in = g_byte_array_new();
    w->out = g_byte_array_new();
    w->slots = calloc((size_t)w->count, sizeof *w->slots);
    w->hist = calloc(HIST_US + 1, sizeof *w->hist);
    if (!w->slots || !w->hist) abort();
    for (int j = 0; j < w->count; j++) {
      w->slots[j].w = w;
      w->slots[j].index = w->first + j;
    }
    memset(w->hist, 1, (HIST_US + 1) * sizeof *w->hist); /* resident before the baseline */
    memset(w->hist, 0, (HIST_US + 1) * sizeof *w->hist);
  }
}

static void start_workers(worker *ws, const options *o) {
  for (int i = 0; i < o->threads; i++)
    ws[i].thread = g_thread_new(ws[i].gateway ? "gateway" : "remote", worker_main, &ws[i]);
}

static int remote_main(const options *o, int ctl, int *sig) {
  worker ws[MAX_THREADS];
  memset(ws, 0, sizeof ws);
  alloc_workers(ws, o, 0, sig);
  start_workers(ws, o);
  gint64 last = g_get_monotonic_time();
  int seen = 0;
  while (atomic_load(&opened) + atomic_load(&refused) + atomic_load(&failed) < o->peers) {
    g_usleep(20000);
    int now_seen = atomic_load(&opened) + atomic_load(&refused) + atomic_load(&failed);
    if (now_seen != seen) {
      seen = now_seen;
      last = g_get_monotonic_time();
    } else if (g_get_monotonic_time() - last > 60 * G_USEC_PER_SEC) {
      fprintf(stderr, "bench_peer_gateway: remote: set-up stalled at %d of %d\n", seen, o->peers);
      break;
    }
  }
  char c = CTL_ALL_OPEN;
  if (write(ctl, &c, 1) != 1) return 1;
  if (read(ctl, &c, 1) != 1 || c != CTL_LOAD) return 1;
  atomic_store(&load_on, 1);
  if (read(ctl, &c, 1) != 1 || c != CTL_STOP) return 1;
  atomic_store(&load_on, 0);
  g_usleep(1000000); /* the last echoes */
  workers_stop(ws, o->threads);
  remote_report r = {.opened = atomic_load(&opened),
                     .refused = atomic_load(&refused),
                     .failed = atomic_load(&failed)};
  for (int i = 0; i < o->threads; i++) {
    r.sent += ws[i].sent;
    r.echoes += ws[i].got;
  }
  uint64_t total = hist_merge(ws, o->threads);
  r.p50 = percentile(ws[0].hist, total, 0.50);
  r.p99 = percentile(ws[0].hist, total, 0.99);
  r.max = hist_max(ws[0].hist);
  c = CTL_REPORT;
  if (write(ctl, &c, 1) != 1 || write(ctl, &r, sizeof r) != (ssize_t)sizeof r) return 1;
  return 0;
}

static void print_ms(const char *what, double p50, double p99, double max) {
  printf("  %-46s p50 %7.2f  p99 %7.2f  max %7.2f ms\n", what, p50 / 1e3, p99 / 1e3, max / 1e3);
}

static int gateway_main(const options *o, int ctl, int *sig, pid_t child) {
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  worker ws[MAX_THREADS];
  memset(ws, 0, sizeof ws);
  alloc_workers(ws, o, 1, sig);
  double rss0 = (double)bench_rss_bytes();
  int fds0 = bench_count_fds();
  gint64 t0 = g_get_monotonic_time();
  start_workers(ws, o);
  char c;
  if (read(ctl, &c, 1) != 1 || c != CTL_ALL_OPEN) return 1;
  g_usleep(2 * G_USEC_PER_SEC); /* also lets the last OPENs reach the gateway's threads */
  int est = atomic_load(&opened);
  double setup_s = (double)(atomic_load(&last_open_us) - atomic_load(&first_offer_us)) / 1e6;
  double idle0 = cpu_seconds();
  g_usleep(5 * G_USEC_PER_SEC);
  double idle_cpu = (cpu_seconds() - idle0) / 5;
  malloc_trim(0);
  double rss1 = (double)bench_rss_bytes();
  int fds1 = bench_count_fds();

  double cpu0 = cpu_seconds();
  c = CTL_LOAD;
  if (write(ctl, &c, 1) != 1) return 1;
  g_usleep((gulong)o->seconds * G_USEC_PER_SEC);
  c = CTL_STOP;
  if (write(ctl, &c, 1) != 1) return 1;
  g_usleep(1000000);
  double cpu1 = cpu_seconds();
  remote_report r;
  if (read(ctl, &c, 1) != 1 || c != CTL_REPORT || read(ctl, &r, sizeof r) != (ssize_t)sizeof r)
    return 1;
  workers_stop(ws, o->threads);
  uint64_t in = 0, out = 0;
  for (int i = 0; i < o->threads; i++) {
    in += ws[i].got;
    out += ws[i].sent;
  }
  uint64_t total = hist_merge(ws, o->threads);
  waitpid(child, NULL, 0);

  int ports_lo = 0, ports_hi = 0;
  FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
  if (f) {
    if (fscanf(f, "%d %d", &ports_lo, &ports_hi) != 2) ports_lo = ports_hi = 0;
    fclose(f);
  }
  double per_fd = est ? (double)(fds1 - fds0) / est : 0;
  printf(
      "gateway of %d WebRTC peers in one process (csctp: ICE on 127.0.0.1 + DTLS + SCTP + 1\n"
      "data channel each, one certificate for all; %d threads with a GMainContext each, the\n"
      "remote peers in a second process with as many; %d set-ups in flight per thread):\n",
      o->peers, o->threads, window);
  printf("  %-46s %10d of %d (%d refused, %d failed)\n", "peers established", est, o->peers,
         atomic_load(&refused), r.failed);
  printf("  %-46s %10.1f /s (%.1f s; process start to last open %.1f s)\n",
         "set-up rate, first offer to last channel open", setup_s > 0 ? est / setup_s : 0, setup_s,
         (double)(atomic_load(&last_open_us) - t0) / 1e6);
  printf("  %-46s %10.1f KiB\n", "RSS per established idle peer",
         est ? (rss1 - rss0) / est / 1024 : 0);
  printf("  %-46s %10.2f\n", "file descriptors per peer", per_fd);
  printf("  %-46s %10.1f %% of a core per 1,000 peers\n", "gateway CPU while all idle",
         est ? idle_cpu * 100 * 1000 / est : 0);
  printf("  %-46s %10d s, %.0f msg/s in\n", "load: one 16-byte message per peer per second",
         o->seconds, (double)in / o->seconds);
  printf("  %-46s %10.2f us (%.2f CPU-s over %llu in + %llu out)\n",
         "gateway CPU per message handled", in + out ? (cpu1 - cpu0) * 1e6 / (double)(in + out) : 0,
         cpu1 - cpu0, (unsigned long long)in, (unsigned long long)out);
  double window_s = o->seconds + 1.0, extra = (cpu1 - cpu0) - idle_cpu * window_s;
  printf("  %-46s %10.2f us (the CPU over the idle rate, per message in or out)\n",
         "  of which the messages", in + out ? extra * 1e6 / (double)(in + out) : 0);
  print_ms("latency remote -> gateway (one way)", percentile(ws[0].hist, total, 0.5),
           percentile(ws[0].hist, total, 0.99), hist_max(ws[0].hist));
  print_ms("round trip remote -> gateway -> remote", r.p50, r.p99, r.max);
  printf("  %-46s %10llu of %llu\n", "messages lost (sent, no echo)",
         (unsigned long long)(r.sent - r.echoes), (unsigned long long)r.sent);
  printf("limits:\n");
  printf("  %-46s %10llu (hard %llu)\n", "gateway RLIMIT_NOFILE", (unsigned long long)rl.rlim_cur,
         (unsigned long long)rl.rlim_max);
  if (per_fd > 0)
    printf("  %-46s %10.0f\n", "peers that limit allows", ((double)rl.rlim_cur - fds0) / per_fd);
  if (ports_hi > ports_lo)
    printf("  %-46s %10d (each peer holds one UDP port, both ends on one host: %d pairs)\n",
           "ephemeral ports (ip_local_port_range)", ports_hi - ports_lo + 1,
           (ports_hi - ports_lo + 1) / 2);
  for (int i = 0; i < 8 && refused_code[i]; i++)
    printf("  %-46s %10d x %s (%d)\n", "peers refused", atomic_load(&refused_by[i]),
           csctp_strerror(refused_code[i]), refused_code[i]);
  return est == o->peers ? 0 : 1;
}

int main(int argc, char **argv) {
  options o = {.peers = 10000, .threads = 2, .seconds = 10, .fd_limit = 0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    char *end = NULL;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || *end || n <= 0) goto usage;
    i++;
    if (strcmp(a, "--peers") == 0 && n <= 1000000)
      o.peers = (int)n;
    else if (strcmp(a, "--threads") == 0 && n <= MAX_THREADS)
      o.threads = (int)n;
    else if (strcmp(a, "--window") == 0 && n <= 100000)
      window = (int)n;
    else if (strcmp(a, "--seconds") == 0 && n <= 3600)
      o.seconds = (int)n;
    else if (strcmp(a, "--fd-limit") == 0)
      o.fd_limit = n;
    else
      goto usage;
  }
  if (o.threads > o.peers) o.threads = o.peers;

  /* Each side needs about two descriptors per peer: raise the soft limit (and the hard one
   * when allowed) to fit, unless --fd-limit asks for a given one in the gateway. */
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rlim_t want = (rlim_t)o.peers * 2 + 256;
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) rl.rlim_max = want;
  if (rl.rlim_cur < want) rl.rlim_cur = want;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  int ctl[2], sig[MAX_THREADS][2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, ctl)) return 1;
  for (int i = 0; i < o.threads; i++)
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sig[i])) return 1;
  fflush(stdout);
  pid_t child = fork(); /* before any thread, GLib context or OpenSSL state */
  if (child < 0) return 1;
  int mine[MAX_THREADS];
  for (int i = 0; i < o.threads; i++) {
    mine[i] = sig[i][child == 0];
    close(sig[i][child != 0]);
  }
  close(ctl[child != 0]);
  if (csctp_dtls_cert_generate(&cert, "gateway", 0, NULL) != 0) return 1;
  if (child == 0) _exit(remote_main(&o, ctl[1], mine));
  if (o.fd_limit) {
    rl.rlim_cur = (rlim_t)o.fd_limit;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) perror("bench_peer_gateway: --fd-limit");
  }
  int rv = gateway_main(&o, ctl[0], mine, child);
  csctp_dtls_cert_del(cert);
  return rv;
usage:
  fprintf(stderr,
          "usage: bench_peer_gateway [--peers N] [--threads T] [--window W] "
          "[--seconds S] [--fd-limit F]\n");
  return 2;
}
