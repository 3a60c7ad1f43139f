/* SPDX-License-Identifier: MIT */
/*
 * csctp-peer-bulk: two csctp peers in two processes (this one and a forked
 * child) over ICE on loopback, signalling through a pair of pipes with the
 * harness's JSON lines. Sends N MiB one way in 64 KiB binary messages with
 * the harness's flow control (send while the buffered amount is at most
 * 4 MiB, resume at 1 MiB), then N MiB the other way, and prints MB/s (10^6
 * bytes per second, first send to the receiver's acknowledgement) for each,
 * with the sender's packets and retransmissions, then the CPU time (user +
 * system) of both processes per GiB moved.
 *
 *   csctp-peer-bulk [--mib N] [--cipher LIST]
 *     --mib N        MiB each way (default 64)
 *     --cipher LIST  OpenSSL cipher list for DTLS (default: csctp's, AES-128-GCM first)
 *
 * Also prints the time from writing the offer to the first channel open.
 *
 * Exits non-zero when a transfer does not complete within max(60, 4 N) s.
 */
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csctp/peer.h>

#include "peer_tool.h"

#define BULK_MSG 65536
#define BULK_HIGH (4u << 20)
#define BULK_LOW (1u << 20)

typedef struct bulk {
  GMainLoop *loop;
  csctp_peer *peer;
  const char *name; /* "a" (offerer, parent) or "b" (answerer, child) */
  int offerer;
  FILE *sig_out;
  uint64_t total;
  /* sending */
  csctp_dc_channel tx;
  uint64_t sent;
  gint64 t0;
  uint64_t packets_out0, retrans0; /* the sender's counters when the transfer started */
  gint64 t_offer;                  /* a: when the offer was written */
  /* receiving */
  uint64_t received;
  int ok;
  int offer_sent, answer_due, answer_sent;
} bulk;

static uint8_t bulk_buf[BULK_MSG];

static void bulk_signal_sdp(bulk *b, int offer) {
  static char sdp[CSCTP_SDP_TEXT_MAX];
  csctp_ssize n = offer ? csctp_peer_create_offer(b->peer, sdp, sizeof sdp)
                        : csctp_peer_create_answer(b->peer, sdp, sizeof sdp);
  if (n < 0) {
    tool_log("%s: %s: %s", b->name, offer ? "offer" : "answer", csctp_strerror((int)n));
    g_main_loop_quit(b->loop);
    return;
  }
  tool_write_json(b->sig_out, "type", offer ? "offer" : "answer", "sdp", sdp, NULL);
  if (offer) {
    b->offer_sent = 1;
    b->t_offer = g_get_monotonic_time();
  } else
    b->answer_sent = 1;
}

static void bulk_pump(bulk *b) {
  while (b->sent < b->total && csctp_peer_buffered_amount(b->peer, b->tx) <= BULK_HIGH) {
    size_t n = b->total - b->sent < BULK_MSG ? (size_t)(b->total - b->sent) : BULK_MSG;
    int rv = csctp_peer_send(b->peer, b->tx, 0, bulk_buf, n);
    if (rv == CSCTP_ERR_WOULD_BLOCK) return; /* BUFFERED_AMOUNT_LOW resumes */
    if (rv) {
      tool_log("%s: send: %s", b->name, csctp_strerror(rv));
      g_main_loop_quit(b->loop);
      return;
    }
    b->sent += n;
  }
}

static void bulk_start(bulk *b, const char *label) {
  csctp_dc_init init = {.label = label};
  int rv = csctp_peer_create_channel(b->peer, &init, &b->tx);
  if (rv) {
    tool_log("%s: channel: %s", b->name, csctp_strerror(rv));
    g_main_loop_quit(b->loop);
  }
}

static void bulk_on_channel(bulk *b, const csctp_dc_event *ev) {
  switch (ev->type) {
  case CSCTP_DC_EVENT_OPEN: {
    if (ev->u.open.by_peer || ev->channel != b->tx) break;
    csctp_peer_set_buffered_amount_low(b->peer, b->tx, BULK_LOW);
    b->t0 = g_get_monotonic_time();
    if (b->offerer && b->t_offer) {
      printf("set-up: offer written to first channel open: %.1f ms\n",
             (double)(b->t0 - b->t_offer) / 1e3);
      b->t_offer = 0;
    }
    csctp_stats ss = {0};
    csctp_peer_get_stats(b->peer, &ss, NULL);
    b->packets_out0 = ss.packets_out;
    b->retrans0 = ss.retransmissions;
    bulk_pump(b);
    break;
  }
  case CSCTP_DC_EVENT_BUFFERED_AMOUNT_LOW:
    if (ev->channel == b->tx) bulk_pump(b);
    break;
  case CSCTP_DC_EVENT_MESSAGE:
    if (!ev->u.message.is_text) {
      b->received += ev->u.message.len;
      if (b->received == b->total) csctp_peer_send(b->peer, ev->channel, 1, "ok", 2);
    } else if (ev->u.message.len == 2 && !memcmp(ev->u.message.data, "ok", 2) &&
               ev->channel == b->tx) {
      double s = (double)(g_get_monotonic_time() - b->t0) / 1e6;
      csctp_stats ss = {0};
      csctp_peer_get_stats(b->peer, &ss, NULL);
      printf(
          "%s: %llu bytes in %.3f s: %.2f MB/s (sender: %llu packets out, %llu DATA "
          "retransmitted)\n",
          b->offerer ? "a -> b" : "b -> a", (unsigned long long)b->total, s,
          (double)b->total / 1e6 / s, (unsigned long long)(ss.packets_out - b->packets_out0),
          (unsigned long long)(ss.retransmissions - b->retrans0));
      fflush(stdout);
      b->ok = 1;
      if (b->offerer)
        csctp_peer_send(b->peer, b->tx, 1, "go", 2); /* b's turn */
      else
        csctp_peer_send(b->peer, b->tx, 1, "end", 3);
    } else if (ev->u.message.len == 2 && !memcmp(ev->u.message.data, "go", 2)) {
      bulk_start(b, "b-to-a");
    } else if (ev->u.message.len == 3 && !memcmp(ev->u.message.data, "end", 3)) {
      g_main_loop_quit(b->loop); /* a: both directions measured */
    }
    break;
  default: break;
  }
}

static void bulk_on_peer(csctp_peer *peer, const csctp_peer_event *ev, void *user_data) {
  (void)peer;
  bulk *b = user_data;
  switch (ev->type) {
  case CSCTP_PEER_EVENT_CANDIDATE:
    if (*ev->u.candidate) break;
    if (b->offerer && !b->offer_sent) bulk_signal_sdp(b, 1);
    if (b->answer_due && !b->answer_sent) bulk_signal_sdp(b, 0);
    break;
  case CSCTP_PEER_EVENT_STATE:
    tool_log("%s: %s%s%s", b->name, csctp_peer_state_name(ev->u.state.state),
             ev->u.state.error ? ": " : "",
             ev->u.state.error ? csctp_strerror(ev->u.state.error) : "");
    if (ev->u.state.state == CSCTP_PEER_STATE_FAILED ||
        ev->u.state.state == CSCTP_PEER_STATE_CLOSED) {
      g_main_loop_quit(b->loop);
    }
    break;
  case CSCTP_PEER_EVENT_CHANNEL: bulk_on_channel(b, ev->u.channel); break;
  }
}

static void bulk_on_line(const char *line, size_t len, void *user_data) {
  bulk *b = user_data;
  GError *err = NULL;
  JsonObject *o;
  JsonParser *parser = tool_json_parse(line, len, &o, &err);
  if (!parser) {
    tool_log("%s: signalling line refused: %s", b->name, err->message);
    g_error_free(err);
    return;
  }
  const char *type = tool_json_str(o, "type");
  const char *sdp = tool_json_str(o, "sdp");
  if (!strcmp(type, "offer") || !strcmp(type, "answer")) {
    int offer = !strcmp(type, "offer");
    csctp_sdp_error e;
    int rv = csctp_peer_set_remote_description(
        b->peer, offer ? CSCTP_PEER_SDP_OFFER : CSCTP_PEER_SDP_ANSWER, sdp, strlen(sdp), &e);
    if (rv) {
      tool_log("%s: remote %s: %s (%s)", b->name, type, csctp_strerror(rv), e.message);
      g_main_loop_quit(b->loop);
    } else if (offer) {
      b->answer_due = 1;
      if (csctp_peer_gathering_done(b->peer)) bulk_signal_sdp(b, 0);
    }
  }
  g_object_unref(parser);
}

static void bulk_on_eof(void *user_data) { g_main_loop_quit(((bulk *)user_data)->loop); }

static gboolean bulk_timeout(gpointer data) {
  tool_log("%s: timeout", ((bulk *)data)->name);
  g_main_loop_quit(((bulk *)data)->loop);
  return G_SOURCE_REMOVE;
}

static int bulk_run(int offerer, int in_fd, int out_fd, uint64_t total, unsigned seconds,
                    const char *cipher) {
  bulk b = {0};
  b.offerer = offerer;
  b.name = offerer ? "a" : "b";
  b.total = total;
  b.loop = g_main_loop_new(NULL, FALSE);
  b.sig_out = fdopen(out_fd, "w");
  const char *lo[] = {"127.0.0.1"};
  csctp_peer_config cfg;
  csctp_peer_config_default(&cfg);
  cfg.on_event = bulk_on_peer;
  cfg.user_data = &b;
  cfg.local_addresses = lo;
  cfg.n_local_addresses = 1;
  cfg.offerer = offerer; /* controlling ICE agent from the start (RFC 8445 §6.1.1) */
  cfg.dtls_cipher_list = cipher;
  tool_log_setup(&cfg.log, &cfg.log_user_data, &cfg.log_mask, cfg.log_levels);
  int rv = csctp_peer_new(&b.peer, NULL, &cfg);
  if (rv) {
    tool_log("%s: peer: %s", b.name, csctp_strerror(rv));
    return 1;
  }
  if (offerer) bulk_start(&b, "a-to-b");
  tool_read_lines(in_fd, bulk_on_line, bulk_on_eof, &b);
  g_timeout_add_seconds(seconds, bulk_timeout, &b);
  g_main_loop_run(b.loop);
  int ok = b.ok;
  if (offerer) {
    /* Let b see its "end" acknowledgement flushed before the association goes. */
    csctp_peer_close(b.peer);
    GMainContext *ctx = g_main_context_default();
    gint64 until = g_get_monotonic_time() + 500000;
    while (csctp_peer_get_state(b.peer) == CSCTP_PEER_STATE_CONNECTED &&
           g_get_monotonic_time() < until) {
      g_main_context_iteration(ctx, FALSE);
    }
  }
  csctp_peer_del(b.peer);
  fclose(b.sig_out);
  g_main_loop_unref(b.loop);
  return ok ? 0 : 1;
}

int main(int argc, char **argv) {
  unsigned mib = 64;
  const char *cipher = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--mib") && i + 1 < argc) {
      mib = (unsigned)strtoul(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--cipher") && i + 1 < argc) {
      cipher = argv[++i];
    } else {
      fprintf(stderr, "usage: csctp-peer-bulk [--mib N] [--cipher OPENSSL-CIPHER-LIST]\n");
      return 2;
    }
  }
  if (mib == 0) mib = 1;
  unsigned seconds = 4 * mib < 60 ? 60 : 4 * mib;
  int a2b[2], b2a[2];
  if (pipe(a2b) || pipe(b2a)) {
    perror("pipe");
    return 1;
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 1;
  }
  uint64_t total = (uint64_t)mib << 20;
  if (pid == 0) {
    close(a2b[1]);
    close(b2a[0]);
    _exit(bulk_run(0, a2b[0], b2a[1], total, seconds, cipher));
  }
  close(a2b[0]);
  close(b2a[1]);
  int rv = bulk_run(1, b2a[0], a2b[1], total, seconds, cipher);
  int st = 0;
  waitpid(pid, &st, 0);
  /* CPU of both processes for the whole run (set-up included), per GiB moved. */
  struct rusage ra, rb;
  getrusage(RUSAGE_SELF, &ra);
  getrusage(RUSAGE_CHILDREN, &rb);
  double cpu_a = (double)ra.ru_utime.tv_sec + (double)ra.ru_stime.tv_sec +
                 ((double)ra.ru_utime.tv_usec + (double)ra.ru_stime.tv_usec) / 1e6;
  double cpu_b = (double)rb.ru_utime.tv_sec + (double)rb.ru_stime.tv_sec +
                 ((double)rb.ru_utime.tv_usec + (double)rb.ru_stime.tv_usec) / 1e6;
  double gib = 2.0 * (double)total / (double)(1u << 30);
  printf("cpu: a %.2f s, b %.2f s (user+system), both %.2f s for %.2f GiB: %.2f CPU-s/GiB\n", cpu_a,
         cpu_b, cpu_a + cpu_b, gib, (cpu_a + cpu_b) / gib);
  if (rv || !WIFEXITED(st) || WEXITSTATUS(st)) {
    fprintf(stderr, "csctp-peer-bulk: FAILED (a: %d, b: status %d)\n", rv, st);
    return 1;
  }
  return 0;
}
