/* SPDX-License-Identifier: MIT */
/*
 * Loss (issue 7, benchmark 5): bulk transfer across a lossy link with a 50 ms
 * round trip (25 ms each way, no bandwidth limit), at 0, 1 and 5 % random
 * loss in both directions; throughput over the first DURATION_S seconds
 * after the handshake, relative to the same engine without loss.
 *
 * csctp runs on the simulated link (tests/support/simlink.h) on a virtual
 * clock, averaged over SEEDS seeds. usrsctp runs on real time (its own timer
 * thread), through the same kind of link built here: per-packet seeded loss,
 * then a 25 ms delay line, in a child process per loss rate (usrsctp's state
 * is process-wide). One run per point: its figures are noisier.
 * Both engines use RFC defaults: RTO initial 3 s, min 1 s; delayed SACK 200 ms,
 * every second packet; 1 MiB buffers; MTU 1200; 16 KiB messages, one stream.
 *
 *   bench_loss_usrsctp                     the table
 *   bench_loss_usrsctp --usrsctp LOSS      one usrsctp point: prints "bytes seconds"
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_usrsctp.h"
#include "bench_util.h"
#include "simlink.h"

#define DURATION_S 5.0
#define ONE_WAY_US 25000
#define MSG 16384
#define SEEDS 5

static const double losses[] = {0.0, 0.01, 0.05};
#define NLOSS (sizeof losses / sizeof losses[0])

static uint8_t msgbuf[MSG];

/* ---------- csctp on the simulated link ---------- */

typedef struct cs_run {
  uint64_t bytes_in;
  csctp_tstamp t0;
} cs_run;

static void cs_pump(csctp_assoc *a, csctp_tstamp now) {
  csctp_send_opts o = {.stream = 0, .ppid = CSCTP_PPID_WEBRTC_BINARY};
  while (csctp_assoc_send(a, &o, msgbuf, MSG, now) == 0) {}
}

static void cs_on_event(csctp_simlink *link, int side, const csctp_event *ev, void *user) {
  cs_run *r = user;
  if (side == CSCTP_SIMLINK_B) {
    if (ev->type == CSCTP_EVENT_MESSAGE) r->bytes_in += ev->u.message.len;
    return;
  }
  if (ev->type == CSCTP_EVENT_SEND_BUFFER_LOW)
    cs_pump(csctp_simlink_endpoint(link, CSCTP_SIMLINK_A), csctp_simlink_now(link));
}

static int cs_connected(csctp_simlink *link, void *user) {
  (void)user;
  return csctp_assoc_get_state(csctp_simlink_endpoint(link, CSCTP_SIMLINK_A)) ==
             CSCTP_STATE_ESTABLISHED &&
         csctp_assoc_get_state(csctp_simlink_endpoint(link, CSCTP_SIMLINK_B)) ==
             CSCTP_STATE_ESTABLISHED;
}

/* Returns MB/s over DURATION_S of virtual time; fills the sender's stats. */
static double cs_point(double loss, uint64_t seed, csctp_stats *st) {
  csctp_simlink_config lc;
  csctp_simlink_config_default(&lc);
  lc.seed = seed;
  for (int d = 0; d < 2; d++) {
    lc.dir[d].delay = ONE_WAY_US;
    lc.dir[d].mtu = 0;
  }
  csctp_simlink *link = csctp_simlink_new(&lc);
  bench_csctp_ep ea, eb;
  csctp_config ca, cb;
  bench_csctp_config(&ca, &ea, seed * 2 + 1);
  bench_csctp_config(&cb, &eb, seed * 2 + 2);
  if (!link || csctp_assoc_new(&ea.a, &ca) || csctp_assoc_new(&eb.a, &cb)) return -1;
  csctp_assoc_set_send_buffer_low(ea.a, ca.sndbuf / 2);
  csctp_simlink_attach_assocs(link, ea.a, eb.a);
  cs_run r = {0, 0};
  csctp_simlink_set_event_handler(link, CSCTP_SIMLINK_A, cs_on_event, &r);
  csctp_simlink_set_event_handler(link, CSCTP_SIMLINK_B, cs_on_event, &r);
  csctp_assoc_connect(ea.a, csctp_simlink_now(link));
  double mbs = -1;
  if (csctp_simlink_run_until(link, cs_connected, NULL, 10000000) == CSCTP_SIMLINK_DONE) {
    for (int d = 0; d < 2; d++) {
      csctp_simlink_dir_config dc = lc.dir[d];
      dc.loss = loss;
      csctp_simlink_set_dir_config(link, d, &dc);
    }
    r.t0 = csctp_simlink_now(link);
    r.bytes_in = 0;
    cs_pump(ea.a, r.t0);
    csctp_simlink_run_until(link, NULL, NULL, (csctp_tstamp)(DURATION_S * 1e6));
    double secs = (double)(csctp_simlink_now(link) - r.t0) / 1e6;
    mbs = (double)r.bytes_in / secs / 1e6;
    csctp_assoc_get_stats(ea.a, st);
  }
  csctp_simlink_del(link);
  csctp_assoc_del(ea.a);
  csctp_assoc_del(eb.a);
  return mbs;
}

/* ---------- usrsctp on real time through a lossy delay line ---------- */

typedef struct line {
  bench_us_pkt *head, *tail; /* in delivery order (constant delay keeps it) */
  csctp_prng rng;
  double loss;
  uint64_t dropped, passed;
} line;

/* Moves what `from` emitted onto its line (or drops it). */
static int line_take(line *l, bench_us_ep *from, uint64_t now) {
  int n = 0;
  bench_us_pkt *k = bench_us_take(from);
  while (k) {
    bench_us_pkt *next = k->next;
    k->next = NULL;
    n++;
    if (l->loss > 0 && csctp_prng_chance(&l->rng, l->loss)) {
      l->dropped++;
      bench_us_recycle(from, k);
    } else {
      k->when = now + ONE_WAY_US;
      if (l->tail)
        l->tail->next = k;
      else
        l->head = k;
      l->tail = k;
    }
    k = next;
  }
  return n;
}

/* Delivers what is due to from->peer. */
static int line_deliver(line *l, bench_us_ep *from, uint64_t now) {
  int n = 0;
  while (l->head && l->head->when <= now) {
    bench_us_pkt *k = l->head;
    l->head = k->next;
    if (!l->head) l->tail = NULL;
    k->next = NULL;
    usrsctp_conninput(from->peer, k->data, k->len, 0);
    l->passed++;
    bench_us_recycle(from, k);
    n++;
  }
  return n;
}

static int us_point(double loss) {
  bench_us_global_init();
  bench_us_ep a, b;
  if (bench_us_open(&a, 0, 16, 0) || bench_us_open(&b, 1, 16, MSG + 8192)) return 1;
  a.peer = &b;
  b.peer = &a;
  line l[2];
  memset(l, 0, sizeof l);
  csctp_prng_seed(&l[0].rng, 0x1055a);
  csctp_prng_seed(&l[1].rng, 0x1055b);
  if (bench_us_connect(&a)) return 1;
  uint64_t bytes = 0;
  int phase = 0; /* 0: handshake, 1: measuring */
  uint64_t t_start = bench_now_us(), t0 = 0;
  for (;;) {
    uint64_t now = bench_now_us();
    if (phase == 0 && a.comm_up && b.comm_up) {
      phase = 1;
      t0 = now;
      l[0].loss = l[1].loss = loss;
    }
    if (phase == 0 && now - t_start > 20000000) return 1;
    if (phase == 1 && now - t0 >= (uint64_t)(DURATION_S * 1e6)) break;
    if (phase == 1)
      while (bench_us_send(&a, msgbuf, MSG) == 0) {}
    int moved = line_take(&l[0], &a, now) + line_take(&l[1], &b, now);
    moved += line_deliver(&l[0], &a, now) + line_deliver(&l[1], &b, now);
    uint64_t got = 0;
    bench_us_recv(&b, 0, phase == 1 ? &bytes : &got);
    bench_us_recv(&a, 0, NULL);
    if (!moved) {
      uint64_t next = now + 500;
      for (int d = 0; d < 2; d++)
        if (l[d].head && l[d].head->when < next) next = l[d].head->when;
      if (next > now) bench_sleep_us(next - now);
    }
  }
  double secs = (double)(bench_now_us() - t0) / 1e6;
  printf("%llu %.6f %llu %llu\n", (unsigned long long)bytes, secs,
         (unsigned long long)(l[0].dropped + l[1].dropped),
         (unsigned long long)(l[0].passed + l[1].passed));
  fflush(stdout);
  _exit(0);
}

static double run_us_child(const char *self, double loss) {
  int fd[2];
  if (pipe(fd) < 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(fd[0]);
    dup2(fd[1], 1);
    char s[32];
    snprintf(s, sizeof s, "%.4f", loss);
    execl(self, self, "--usrsctp", s, (char *)NULL);
    _exit(127);
  }
  close(fd[1]);
  FILE *f = fdopen(fd[0], "r");
  unsigned long long bytes = 0, dropped = 0, passed = 0;
  double secs = 0;
  int ok = f && fscanf(f, "%llu %lf %llu %llu", &bytes, &secs, &dropped, &passed) == 4;
  if (f) fclose(f);
  int st;
  waitpid(pid, &st, 0);
  return ok && secs > 0 ? (double)bytes / secs / 1e6 : -1;
}

int main(int argc, char **argv) {
  memset(msgbuf, 0x5a, sizeof msgbuf);
  if (argc == 3 && strcmp(argv[1], "--usrsctp") == 0) return us_point(strtod(argv[2], NULL));
  char self[512];
  ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
  if (sl <= 0) return 1;
  self[sl] = 0;

  double cs[NLOSS], us[NLOSS];
  csctp_stats st[NLOSS];
  for (size_t k = 0; k < NLOSS; k++) {
    cs[k] = 0;
    memset(&st[k], 0, sizeof st[k]);
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
      csctp_stats s1;
      double v = cs_point(losses[k], seed, &s1);
      cs[k] += v / SEEDS;
      st[k].retransmissions += s1.retransmissions;
      st[k].fast_retransmits += s1.fast_retransmits;
      st[k].t3_expiries += s1.t3_expiries;
    }
    us[k] = run_us_child(self, losses[k]);
  }
  printf(
      "\n== 5. Loss: bulk 16 KiB messages over a 50 ms RTT link, random loss both ways; MB/s\n"
      "      over the first %.0f s after the handshake, relative to the same engine at 0 %% ==\n",
      DURATION_S);
  bench_print_usrsctp_note();
  printf(
      "csctp: simulated link, virtual time, mean of %d seeds; usrsctp: real time, same kind of"
      "\n  link built in this program, one run per point (noisier). RFC defaults on both.\n\n",
      SEEDS);
  printf("%-6s | %9s %8s %22s | %11s %8s | %s\n", "loss", "csctp MB/s", "vs 0 %",
         "rtx / fast rtx / T3", "usrsctp MB/s", "vs 0 %", "Reno model");
  printf(
      "-------+------------------------------------------+-----------------------+-----------\n");
  for (size_t k = 0; k < NLOSS; k++) {
    char cr[16] = "-", ur[16] = "-", counts[72];
    if (cs[0] > 0 && cs[k] >= 0) snprintf(cr, sizeof cr, "%.0f %%", 100.0 * cs[k] / cs[0]);
    if (us[0] > 0 && us[k] >= 0) snprintf(ur, sizeof ur, "%.0f %%", 100.0 * us[k] / us[0]);
    snprintf(counts, sizeof counts, "%llu / %llu / %llu",
             (unsigned long long)(st[k].retransmissions / SEEDS),
             (unsigned long long)(st[k].fast_retransmits / SEEDS),
             (unsigned long long)(st[k].t3_expiries / SEEDS));
    char model[24] = "-";
    /* Mathis et al.: MSS / RTT * sqrt(3/2) / sqrt(p), with csctp's 1172-byte DATA payload. */
    if (losses[k] > 0)
      snprintf(model, sizeof model, "%.2f MB/s",
               1172.0 / (2.0 * ONE_WAY_US / 1e6) * sqrt(1.5 / losses[k]) / 1e6);
    printf("%4.0f %% | %9.2f %8s %22s | %11.2f %8s | %s\n", losses[k] * 100, cs[k], cr, counts,
           us[k], ur, model);
  }
  printf(
      "rtx / fast rtx / T3: csctp sender's retransmitted chunks, fast retransmit events and T3\n"
      "  expiries per run. No bandwidth limit: at 0 %% both are bounded by the 1 MiB window per"
      " RTT\n  (about 20 MB/s, less the slow start); with loss, by congestion control: the Reno"
      " model\n  column is the steady-state rate of a loss-driven AIMD sender (Mathis et al.).\n");
  return 0;
}
