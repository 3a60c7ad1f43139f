/* SPDX-License-Identifier: MIT */
/*
 * Loss (issue 7, benchmark 5): bulk transfer across a lossy link with a 50 ms
 * round trip (25 ms each way, no bandwidth limit), at 0, 1 and 5 % random
 * loss in both directions; throughput over the first DURATION_S seconds
 * after the handshake, relative to the same engine without loss.
 *
 * Both engines run in the same time domain, on the same link:
 *  - the real monotonic clock. usrsctp cannot run on a virtual one: its
 *    timers tick on its own thread and it reads the real clock itself (RTT
 *    samples, cookie lifetime), so csctp is given the real clock too (its
 *    timers run when csctp_assoc_expiry() is due);
 *  - the delay line built here (struct line): per-packet loss drawn from a
 *    seeded generator per direction, then a constant 25 ms delay. For a
 *    given seed both engines see the same sequence of drop decisions: the
 *    n-th packet offered in a direction is lost for both or for neither;
 *  - the same loop: send until the send buffer is full, move packets onto
 *    the line, deliver what is due (what the receiving engine answers to a
 *    packet goes onto the line before the next packet is read, as
 *    usrsctp_conninput emits it), read what arrived, then sleep until the
 *    next delivery or timer deadline, at most 500 us;
 *  - the same receiver: each message is copied into the application's
 *    buffer (usrsctp_recvv does it for usrsctp, memcpy for csctp);
 *  - a child process per run (usrsctp's state is process-wide), seeds
 *    1..SEEDS at each loss rate, csctp and usrsctp runs interleaved; the
 *    figures are means over the seeds.
 * Both engines use RFC defaults: RTO initial 3 s, min 1 s; delayed SACK 200 ms,
 * every second packet; 1 MiB buffers; MTU 1200; 16 KiB messages, one stream.
 * For reference only, csctp also runs on the simulated link on a virtual
 * clock (tests/support/simlink.h, its own loss draws): the "virtual" column.
 *
 *   bench_loss_usrsctp                               the table
 *   bench_loss_usrsctp --run csctp|usrsctp LOSS SEED one real-time run: prints
 *                                                    "bytes seconds rtx t3 dropped passed"
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
#define SEEDS 3
#define IDLE_SLEEP_US 500

static const double losses[] = {0.0, 0.01, 0.05};
#define NLOSS (sizeof losses / sizeof losses[0])

static uint8_t msgbuf[MSG];
static uint8_t rxbuf[MSG + 8192]; /* the csctp application's receive buffer */

/* ---------- reference: csctp on the simulated link, virtual time ---------- */

typedef struct cs_virt {
  uint64_t bytes_in;
  csctp_tstamp t0;
} cs_virt;

static void cs_pump(csctp_assoc *a, csctp_tstamp now) {
  csctp_send_opts o = {.stream = 0, .ppid = CSCTP_PPID_WEBRTC_BINARY};
  while (csctp_assoc_send(a, &o, msgbuf, MSG, now) == 0) {}
}

static void cs_on_event(csctp_simlink *link, int side, const csctp_event *ev, void *user) {
  cs_virt *r = user;
  if (side == CSCTP_SIMLINK_B) {
    if (ev->type == CSCTP_EVENT_MESSAGE) {
      memcpy(rxbuf, ev->u.message.data, ev->u.message.len);
      r->bytes_in += ev->u.message.len;
    }
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

/* Returns MB/s over DURATION_S of virtual time. */
static double cs_virtual(double loss, uint64_t seed) {
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
  cs_virt r = {0, 0};
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
  }
  csctp_simlink_del(link);
  csctp_assoc_del(ea.a);
  csctp_assoc_del(eb.a);
  return mbs;
}

/* ---------- the real-time delay line both engines run through ---------- */

typedef struct line {
  bench_us_pkt *head, *tail; /* in delivery order (constant delay keeps it) */
  bench_us_pkt *spare;       /* csctp's free nodes (usrsctp's go back to its endpoint) */
  csctp_prng rng;
  double loss;
  uint64_t dropped, passed;
} line;

/* Direction d of run `seed`: the same drop decisions for both engines. */
static void line_init(line *l, uint64_t seed, int d) {
  memset(l, 0, sizeof *l);
  csctp_prng_seed(&l->rng, 0x1055a0 + seed * 2 + (uint64_t)d);
}

/* Offers packet k at `now`: returns 0 when it is lost (the caller recycles k). */
static int line_offer(line *l, bench_us_pkt *k, uint64_t now) {
  k->next = NULL;
  if (l->loss > 0 && csctp_prng_chance(&l->rng, l->loss)) {
    l->dropped++;
    return 0;
  }
  k->when = now + ONE_WAY_US;
  if (l->tail)
    l->tail->next = k;
  else
    l->head = k;
  l->tail = k;
  return 1;
}

/* Takes the next packet due at `now`, or NULL. */
static bench_us_pkt *line_due(line *l, uint64_t now) {
  bench_us_pkt *k = l->head;
  if (!k || k->when > now) return NULL;
  l->head = k->next;
  if (!l->head) l->tail = NULL;
  k->next = NULL;
  l->passed++;
  return k;
}

/* Sleeps until `deadline` (a delivery or a timer), at most IDLE_SLEEP_US. */
static void line_idle(const line l[2], uint64_t now, uint64_t deadline) {
  uint64_t next = now + IDLE_SLEEP_US;
  if (deadline < next) next = deadline;
  for (int d = 0; d < 2; d++)
    if (l[d].head && l[d].head->when < next) next = l[d].head->when;
  if (next > now) bench_sleep_us(next - now);
}

/* What one real-time run measured. */
typedef struct run_res {
  uint64_t bytes, rtx, t3, dropped, passed;
  double seconds;
} run_res;

/* ---------- csctp on real time through the line ---------- */

/* Moves what `from` has to send onto `l` (or drops it). */
static int cs_take(line *l, csctp_assoc *from, uint64_t now) {
  int n = 0;
  for (;;) {
    bench_us_pkt *k = l->spare;
    if (k)
      l->spare = k->next;
    else if (!(k = malloc(sizeof *k)))
      return n;
    csctp_ssize len = csctp_assoc_write_packet(from, k->data, sizeof k->data, now);
    if (len <= 0 || !line_offer(l, k, now)) {
      k->next = l->spare;
      l->spare = k;
      if (len <= 0) return n;
    } else {
      k->len = (size_t)len;
    }
    n++;
  }
}

/*
 * Delivers what is due on `l` to `to`, taking what `to` answers onto `back`
 * after each packet: usrsctp_conninput likewise emits a packet's answer (a
 * SACK every second packet) before the next packet is read.
 */
static int cs_deliver(line *l, csctp_assoc *to, line *back, uint64_t now) {
  int n = 0;
  bench_us_pkt *k;
  while ((k = line_due(l, now))) {
    csctp_assoc_read_packet(to, k->data, k->len, now);
    k->next = l->spare;
    l->spare = k;
    n += 1 + cs_take(back, to, now);
  }
  return n;
}

static void line_free(line *l) {
  for (bench_us_pkt *k = l->head, *next; k; k = next) next = k->next, free(k);
  for (bench_us_pkt *k = l->spare, *next; k; k = next) next = k->next, free(k);
}

static int cs_run(double loss, uint64_t seed, run_res *res) {
  bench_csctp_ep ea, eb;
  csctp_config ca, cb;
  bench_csctp_config(&ca, &ea, seed * 2 + 1);
  bench_csctp_config(&cb, &eb, seed * 2 + 2);
  if (csctp_assoc_new(&ea.a, &ca) || csctp_assoc_new(&eb.a, &cb)) return -1;
  csctp_assoc *a = ea.a, *b = eb.a;
  line l[2];
  line_init(&l[0], seed, 0);
  line_init(&l[1], seed, 1);
  csctp_send_opts o = {.stream = 0, .ppid = CSCTP_PPID_WEBRTC_BINARY};
  int phase = 0; /* 0: handshake, 1: measuring */
  uint64_t t_start = bench_now_us(), t0 = 0, now = t_start;
  if (csctp_assoc_connect(a, now) != 0) return -1;
  for (;;) {
    now = bench_now_us();
    if (phase == 0 && csctp_assoc_get_state(a) == CSCTP_STATE_ESTABLISHED &&
        csctp_assoc_get_state(b) == CSCTP_STATE_ESTABLISHED) {
      phase = 1;
      t0 = now;
      l[0].loss = l[1].loss = loss;
    }
    if (phase == 0 && now - t_start > 20000000) return -1;
    if (phase == 1 && now - t0 >= (uint64_t)(DURATION_S * 1e6)) break;
    if (phase == 1)
      while (csctp_assoc_send(a, &o, msgbuf, MSG, now) == 0) {}
    int moved = cs_take(&l[0], a, now) + cs_take(&l[1], b, now);
    moved += cs_deliver(&l[0], b, &l[1], now) + cs_deliver(&l[1], a, &l[0], now);
    csctp_event ev;
    while (csctp_assoc_poll_event(b, &ev)) {
      if (ev.type != CSCTP_EVENT_MESSAGE) continue;
      memcpy(rxbuf, ev.u.message.data, ev.u.message.len);
      if (phase == 1) res->bytes += ev.u.message.len;
    }
    while (csctp_assoc_poll_event(a, &ev)) {}
    csctp_tstamp ta = csctp_assoc_expiry(a), tb = csctp_assoc_expiry(b);
    if (ta <= now) moved += csctp_assoc_handle_expiry(a, now) == 0;
    if (tb <= now) moved += csctp_assoc_handle_expiry(b, now) == 0;
    if (!moved) line_idle(l, now, ta < tb ? ta : tb);
  }
  res->seconds = (double)(now - t0) / 1e6;
  csctp_stats st;
  csctp_assoc_get_stats(a, &st);
  res->rtx = st.retransmissions;
  res->t3 = st.t3_expiries;
  res->dropped = l[0].dropped + l[1].dropped;
  res->passed = l[0].passed + l[1].passed;
  csctp_assoc_del(a);
  csctp_assoc_del(b);
  line_free(&l[0]);
  line_free(&l[1]);
  return 0;
}

/* ---------- usrsctp on real time through the line ---------- */

/* Moves what `from` emitted onto `l` (or drops it). */
static int us_take(line *l, bench_us_ep *from, uint64_t now) {
  int n = 0;
  bench_us_pkt *k = bench_us_take(from);
  while (k) {
    bench_us_pkt *next = k->next;
    if (!line_offer(l, k, now)) bench_us_recycle(from, k);
    n++;
    k = next;
  }
  return n;
}

/* Delivers what is due to from->peer, taking its answers onto `back` as cs_deliver does. */
static int us_deliver(line *l, bench_us_ep *from, line *back, uint64_t now) {
  int n = 0;
  bench_us_pkt *k;
  while ((k = line_due(l, now))) {
    usrsctp_conninput(from->peer, k->data, k->len, 0);
    bench_us_recycle(from, k);
    n += 1 + us_take(back, from->peer, now);
  }
  return n;
}

static int us_run(double loss, uint64_t seed, run_res *res) {
  bench_us_global_init();
  bench_us_ep a, b;
  if (bench_us_open(&a, 0, 16, 0) || bench_us_open(&b, 1, 16, MSG + 8192)) return -1;
  a.peer = &b;
  b.peer = &a;
  line l[2];
  line_init(&l[0], seed, 0);
  line_init(&l[1], seed, 1);
  if (bench_us_connect(&a)) return -1;
  int phase = 0; /* 0: handshake, 1: measuring */
  uint64_t t_start = bench_now_us(), t0 = 0, now = t_start;
  for (;;) {
    now = bench_now_us();
    if (phase == 0 && a.comm_up && b.comm_up) {
      phase = 1;
      t0 = now;
      l[0].loss = l[1].loss = loss;
    }
    if (phase == 0 && now - t_start > 20000000) return -1;
    if (phase == 1 && now - t0 >= (uint64_t)(DURATION_S * 1e6)) break;
    if (phase == 1)
      while (bench_us_send(&a, msgbuf, MSG) == 0) {}
    int moved = us_take(&l[0], &a, now) + us_take(&l[1], &b, now);
    moved += us_deliver(&l[0], &a, &l[1], now) + us_deliver(&l[1], &b, &l[0], now);
    uint64_t got = 0;
    bench_us_recv(&b, 0, phase == 1 ? &res->bytes : &got);
    bench_us_recv(&a, 0, NULL);
    /* usrsctp's timers run on its own thread: the harness knows no deadline. */
    if (!moved) line_idle(l, now, UINT64_MAX);
  }
  res->seconds = (double)(now - t0) / 1e6;
  struct sctpstat st;
  usrsctp_get_stat(&st);
  res->rtx = st.sctps_sendretransdata;
  res->t3 = st.sctps_timodata;
  res->dropped = l[0].dropped + l[1].dropped;
  res->passed = l[0].passed + l[1].passed;
  return 0;
}

/* --run: one point in this process, printed for the parent. */
static int run_point(const char *engine, double loss, uint64_t seed) {
  run_res r;
  memset(&r, 0, sizeof r);
  int rc = strcmp(engine, "usrsctp") == 0 ? us_run(loss, seed, &r) : cs_run(loss, seed, &r);
  if (rc != 0) return 1;
  printf("%llu %.6f %llu %llu %llu %llu\n", (unsigned long long)r.bytes, r.seconds,
         (unsigned long long)r.rtx, (unsigned long long)r.t3, (unsigned long long)r.dropped,
         (unsigned long long)r.passed);
  fflush(stdout);
  _exit(0); /* usrsctp keeps threads and global state; the exit frees them */
}

/* Runs one point in a child process; returns its MB/s (or -1) and fills *r. */
static double run_child(const char *self, const char *engine, double loss, uint64_t seed,
                        run_res *r) {
  memset(r, 0, sizeof *r);
  int fd[2];
  if (pipe(fd) < 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(fd[0]);
    dup2(fd[1], 1);
    char l[32], s[32];
    snprintf(l, sizeof l, "%.4f", loss);
    snprintf(s, sizeof s, "%llu", (unsigned long long)seed);
    execl(self, self, "--run", engine, l, s, (char *)NULL);
    _exit(127);
  }
  close(fd[1]);
  FILE *f = fdopen(fd[0], "r");
  unsigned long long v[5] = {0};
  int ok = f && fscanf(f, "%llu %lf %llu %llu %llu %llu", &v[0], &r->seconds, &v[1], &v[2], &v[3],
                       &v[4]) == 6;
  if (f) fclose(f);
  int st;
  waitpid(pid, &st, 0);
  r->bytes = v[0];
  r->rtx = v[1];
  r->t3 = v[2];
  r->dropped = v[3];
  r->passed = v[4];
  return ok && r->seconds > 0 ? (double)r->bytes / r->seconds / 1e6 : -1;
}

int main(int argc, char **argv) {
  memset(msgbuf, 0x5a, sizeof msgbuf);
  if (argc == 5 && strcmp(argv[1], "--run") == 0)
    return run_point(argv[2], strtod(argv[3], NULL), strtoull(argv[4], NULL, 10));
  if (argc != 1) {
    fprintf(stderr, "usage: %s [--run csctp|usrsctp LOSS SEED]\n", argv[0]);
    return 2;
  }
  char self[512];
  ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
  if (sl <= 0) return 1;
  self[sl] = 0;

  /* [engine][loss]: means over the seeds; a failed run makes the cell -1. */
  double mbs[2][NLOSS], rtx[2][NLOSS], t3[2][NLOSS], virt[NLOSS];
  static const char *const engines[2] = {"csctp", "usrsctp"};
  for (size_t k = 0; k < NLOSS; k++) {
    virt[k] = 0;
    for (int e = 0; e < 2; e++) mbs[e][k] = rtx[e][k] = t3[e][k] = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
      double v = cs_virtual(losses[k], seed);
      virt[k] = v < 0 || virt[k] < 0 ? -1 : virt[k] + v / SEEDS;
      for (int e = 0; e < 2; e++) {
        run_res r;
        v = run_child(self, engines[e], losses[k], seed, &r);
        mbs[e][k] = v < 0 || mbs[e][k] < 0 ? -1 : mbs[e][k] + v / SEEDS;
        rtx[e][k] += (double)r.rtx / SEEDS;
        t3[e][k] += (double)r.t3 / SEEDS;
      }
    }
  }
  printf(
      "\n== 5. Loss: bulk 16 KiB messages over a 50 ms RTT link, random loss both ways; MB/s\n"
      "      over the first %.0f s after the handshake, relative to the same engine at 0 %% ==\n",
      DURATION_S);
  bench_print_usrsctp_note();
  printf(
      "Both engines on the real clock through the same delay line (25 ms each way, the same\n"
      "  seeded loss draws per direction), mean of %d seeds, runs interleaved; RFC defaults on\n"
      "  both. csctp virtual: csctp alone on the simulated link, virtual time (reference).\n\n",
      SEEDS);
  printf("%-6s | %10s %7s %12s | %12s %7s %12s | %13s | %s\n", "loss", "csctp MB/s", "vs 0 %",
         "rtx / T3", "usrsctp MB/s", "vs 0 %", "rtx / T3", "csctp virtual", "Reno model");
  printf(
      "-------+---------------------------------+-----------------------------------+-------------"
      "--+-----------\n");
  for (size_t k = 0; k < NLOSS; k++) {
    char rel[2][16], counts[2][40], cell[2][16];
    for (int e = 0; e < 2; e++) {
      snprintf(rel[e], sizeof rel[e], "-");
      snprintf(cell[e], sizeof cell[e], "failed");
      snprintf(counts[e], sizeof counts[e], "%.0f / %.1f", rtx[e][k], t3[e][k]);
      if (mbs[e][k] >= 0) snprintf(cell[e], sizeof cell[e], "%.2f", mbs[e][k]);
      if (mbs[e][0] > 0 && mbs[e][k] >= 0)
        snprintf(rel[e], sizeof rel[e], "%.0f %%", 100.0 * mbs[e][k] / mbs[e][0]);
    }
    char model[24] = "-", vcell[16] = "failed";
    /* Mathis et al.: MSS / RTT * sqrt(3/2) / sqrt(p), with csctp's 1172-byte DATA payload. */
    if (losses[k] > 0)
      snprintf(model, sizeof model, "%.2f MB/s",
               1172.0 / (2.0 * ONE_WAY_US / 1e6) * sqrt(1.5 / losses[k]) / 1e6);
    if (virt[k] >= 0) snprintf(vcell, sizeof vcell, "%.2f", virt[k]);
    printf("%4.0f %% | %10s %7s %12s | %12s %7s %12s | %13s | %s\n", losses[k] * 100, cell[0],
           rel[0], counts[0], cell[1], rel[1], counts[1], vcell, model);
  }
  printf(
      "rtx / T3: the sender's retransmitted DATA chunks and T3-rtx expiries per run (csctp's\n"
      "  stats; usrsctp's sctps_sendretransdata and sctps_timodata). No bandwidth limit: at 0 %%\n"
      "  both are bounded by the 1 MiB window per RTT (about 20 MB/s, less the slow start); with\n"
      "  loss, by congestion control: the Reno model column is the steady-state rate of a\n"
      "  loss-driven AIMD sender (Mathis et al.).\n");
  return 0;
}
