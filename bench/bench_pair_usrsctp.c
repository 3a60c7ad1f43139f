/* SPDX-License-Identifier: MIT */
/*
 * Engine pair in memory (issue 7, benchmarks 1 and 2): one association, one
 * stream, ordered reliable messages of 16 B to 256 KiB, MTU 1200, CRC32c
 * computed and checked. Packets are handed across in the same process on
 * the same thread; both engines run on the real monotonic clock, so a stall
 * (e.g. a delayed SACK) costs both the same wall time.
 *
 *   bench_pair_usrsctp                    throughput table, csctp and usrsctp in the same run
 *   bench_pair_usrsctp --callgrind DIR    instructions per message / per byte: runs itself
 *                                         under valgrind --tool=callgrind for each case,
 *                                         keeping the profiles in DIR
 *   bench_pair_usrsctp --run ENGINE SIZE COUNT   one fixed run (what --callgrind profiles)
 *
 * Each throughput figure is the best of ROUNDS trials of TRIAL_S seconds,
 * csctp and usrsctp trials interleaved, after a warm-up; the receiver counts
 * only complete messages of the trial's size. Figures, never a failure.
 *
 * Both receivers end with every byte of each message in a buffer of the
 * application's: usrsctp_recvv copies it there, and the csctp receiver
 * copies the message its event points to (in the engine's reassembly
 * buffer) with memcpy (cs_receive).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_usrsctp.h"
#include "bench_util.h"

#define ROUNDS 3
#define TRIAL_S 0.3
#define MAX_MSG (256 * 1024)

static const size_t sizes[] = {16, 256, 1024, 16384, 65536, 262144};
#define NSIZES (sizeof sizes / sizeof sizes[0])

enum { ENG_CSCTP = 0, ENG_USRSCTP = 1 };
static const char *const engine_names[] = {"csctp", "usrsctp"};

static uint8_t msgbuf[MAX_MSG];

/* What one loop run did. */
typedef struct loop_res {
  uint64_t msgs;      /* complete messages of the trial's size received */
  double seconds;     /* wall time */
  uint64_t waited_us; /* time spent sleeping because nothing could move */
  uint64_t corrupt;   /* csctp messages whose first bytes differ from what was sent */
} loop_res;

/* Stop rule: `until_msgs` messages received (0: no limit) or `seconds` passed (0: no limit). */
typedef struct loop_goal {
  size_t size;
  uint64_t until_msgs;
  double seconds;
  uint64_t send_limit; /* messages the sender may still queue (UINT64_MAX: unlimited) */
} loop_goal;

/* ---------- csctp pair ---------- */

typedef struct cs_pair {
  bench_csctp_ep ea, eb;
  uint8_t *rx; /* the application's receive buffer, as large as usrsctp's (bench_us_open) */
} cs_pair;

static cs_pair CS;

static int cs_open(cs_pair *p) {
  csctp_config ca, cb;
  bench_csctp_config(&ca, &p->ea, 0xa11ce);
  bench_csctp_config(&cb, &p->eb, 0xb0b);
  if (csctp_assoc_new(&p->ea.a, &ca) || csctp_assoc_new(&p->eb.a, &cb)) return -1;
  if (!(p->rx = malloc(MAX_MSG + 8192))) return -1;
  return bench_csctp_handshake(p->ea.a, p->eb.a, bench_now_us());
}

static void cs_close(cs_pair *p) {
  csctp_assoc_del(p->ea.a);
  csctp_assoc_del(p->eb.a);
  free(p->rx);
}

/*
 * What the application does with a message: copy it out of the engine's
 * reassembly buffer into its own, as usrsctp_recvv does for the usrsctp
 * receiver. A copy rather than a fold over the bytes: it charges csctp the
 * very work usrsctp's receive path does for the application (one memcpy of
 * the message), no more, and leaves both applications in the same state.
 * Returns 1 when the first bytes differ from what was sent.
 */
static int cs_receive(cs_pair *p, const csctp_event *ev) {
  memcpy(p->rx, ev->u.message.data, ev->u.message.len);
  /* The copy is kept even though only its start is compared below. */
  __asm__ volatile("" : : "r"(p->rx) : "memory");
  return memcmp(p->rx, msgbuf, 8) != 0;
}

static void cs_loop(cs_pair *p, const loop_goal *g, loop_res *r) {
  csctp_assoc *a = p->ea.a, *b = p->eb.a;
  csctp_send_opts opts = {.stream = 0, .ppid = CSCTP_PPID_WEBRTC_BINARY};
  uint64_t send_left = g->send_limit;
  double t0 = bench_seconds();
  memset(r, 0, sizeof *r);
  for (;;) {
    csctp_tstamp now = bench_now_us();
    int moved = 0;
    while (send_left > 0 && csctp_assoc_send(a, &opts, msgbuf, g->size, now) == 0) {
      send_left--;
      moved = 1;
    }
    moved |= bench_csctp_flush(a, b, now);
    csctp_event ev;
    while (csctp_assoc_poll_event(b, &ev)) {
      if (ev.type == CSCTP_EVENT_MESSAGE && ev.u.message.len == g->size) {
        r->msgs++;
        r->corrupt += (uint64_t)cs_receive(p, &ev);
      }
      moved = 1;
    }
    moved |= bench_csctp_flush(b, a, now);
    while (csctp_assoc_poll_event(a, &ev)) {}
    if (g->until_msgs && r->msgs >= g->until_msgs) break;
    if (g->seconds > 0 && bench_seconds() - t0 >= g->seconds) break;
    if (!moved) {
      csctp_tstamp e = csctp_assoc_expiry(a), eb = csctp_assoc_expiry(b);
      if (eb < e) e = eb;
      if (e <= now) {
        csctp_assoc_handle_expiry(a, now);
        csctp_assoc_handle_expiry(b, now);
      } else {
        uint64_t d = e - now < 1000 ? e - now : 1000;
        bench_sleep_us(d);
        r->waited_us += d;
      }
    }
  }
  r->seconds = bench_seconds() - t0;
}

/* ---------- usrsctp pair ---------- */

typedef struct us_pair {
  bench_us_ep ea, eb;
} us_pair;

static us_pair US;

static int us_open(us_pair *p) {
  bench_us_global_init();
  if (bench_us_open(&p->ea, 0, 16, MAX_MSG + 8192) || bench_us_open(&p->eb, 1, 16, MAX_MSG + 8192))
    return -1;
  p->ea.peer = &p->eb;
  p->eb.peer = &p->ea;
  if (bench_us_connect(&p->ea)) return -1;
  double t0 = bench_seconds();
  while (bench_seconds() - t0 < 10) {
    bench_us_flush(&p->ea);
    bench_us_flush(&p->eb);
    bench_us_recv(&p->ea, 0, NULL);
    bench_us_recv(&p->eb, 0, NULL);
    if (p->ea.comm_up && p->eb.comm_up) return 0;
    bench_sleep_us(100);
  }
  return -1;
}

static void us_loop(us_pair *p, const loop_goal *g, loop_res *r) {
  uint64_t send_left = g->send_limit;
  double t0 = bench_seconds();
  memset(r, 0, sizeof *r);
  for (;;) {
    int moved = 0;
    while (send_left > 0 && bench_us_send(&p->ea, msgbuf, g->size) == 0) {
      send_left--;
      moved = 1;
    }
    moved |= bench_us_flush(&p->ea);
    int got = bench_us_recv(&p->eb, g->size, NULL);
    r->msgs += (uint64_t)got;
    moved |= got;
    moved |= bench_us_flush(&p->eb);
    bench_us_recv(&p->ea, 0, NULL);
    if (g->until_msgs && r->msgs >= g->until_msgs) break;
    if (g->seconds > 0 && bench_seconds() - t0 >= g->seconds) break;
    if (!moved) {
      /* usrsctp's timer thread (10 ms tick) runs delayed SACKs and retransmissions. */
      bench_sleep_us(100);
      r->waited_us += 100;
    }
  }
  r->seconds = bench_seconds() - t0;
}

/* ---------- one measurement: warm-up, then the measured phase ---------- */

/* Separate, not inlined: callgrind counts only inside these (--toggle-collect). */
__attribute__((noinline)) void measure_csctp(const loop_goal *g, loop_res *r);
__attribute__((noinline)) void measure_usrsctp(const loop_goal *g, loop_res *r);
__attribute__((noinline)) void measure_csctp(const loop_goal *g, loop_res *r) {
  cs_loop(&CS, g, r);
}
__attribute__((noinline)) void measure_usrsctp(const loop_goal *g, loop_res *r) {
  us_loop(&US, g, r);
}

static void warm_up(int eng, size_t size, uint64_t msgs) {
  loop_goal g = {.size = size, .until_msgs = msgs, .seconds = 0, .send_limit = UINT64_MAX};
  loop_res r;
  if (eng == ENG_CSCTP)
    cs_loop(&CS, &g, &r);
  else
    us_loop(&US, &g, &r);
}

/* Warm-up messages: about 8 MB or 20,000 messages, whichever is fewer, at least 16. */
static uint64_t warm_count(size_t size) {
  uint64_t n = (8u << 20) / size;
  if (n > 20000) n = 20000;
  return n < 16 ? 16 : n;
}

static int trial(int eng, size_t size, loop_res *r) {
  warm_up(eng, size, warm_count(size));
  loop_goal g = {.size = size, .until_msgs = 0, .seconds = TRIAL_S, .send_limit = UINT64_MAX};
  if (eng == ENG_CSCTP)
    measure_csctp(&g, r);
  else
    measure_usrsctp(&g, r);
  return r->msgs > 0 ? 0 : -1;
}

static void fmt_size(char *buf, size_t cap, size_t size) { /* cap >= 24 */
  if (size >= 1024)
    snprintf(buf, cap, "%zu KiB", size / 1024);
  else
    snprintf(buf, cap, "%zu B", size);
}

static int table(void) {
  if (cs_open(&CS) != 0) {
    fprintf(stderr, "bench_pair: csctp handshake failed\n");
    return 1;
  }
  int have_us = us_open(&US) == 0;
  if (!have_us) fprintf(stderr, "bench_pair: usrsctp handshake failed (errno %d)\n", US.ea.error);
  loop_res best[2][NSIZES];
  double best_rate[2][NSIZES];
  memset(best, 0, sizeof best);
  memset(best_rate, 0, sizeof best_rate);
  for (int round = 0; round < ROUNDS; round++) {
    for (size_t k = 0; k < NSIZES; k++) {
      for (int eng = 0; eng < 2; eng++) {
        if (eng == ENG_USRSCTP && !have_us) continue;
        loop_res r;
        if (trial(eng, sizes[k], &r) != 0) continue;
        double rate = (double)r.msgs / r.seconds;
        if (rate > best_rate[eng][k]) {
          best_rate[eng][k] = rate;
          best[eng][k] = r;
        }
      }
    }
  }

  printf(
      "\n== 1. Engine pair in memory: one association, one stream, ordered reliable, MTU 1200,\n"
      "      CRC32c computed and checked, 1 MiB buffers; best of %d x %.1f s per cell ==\n",
      ROUNDS, TRIAL_S);
  bench_print_usrsctp_note();
  printf("\n%-8s | %12s %9s | %12s %9s | %7s | %-22s %s\n", "message", "csctp msg/s", "MB/s",
         "usrsctp msg/s", "MB/s", "ratio", "usrsctp -O2 (issue 7)", "csctp / that");
  printf(
      "---------+------------------------+-------------------------+---------+---------------"
      "---------------------\n");
  for (size_t k = 0; k < NSIZES; k++) {
    char sz[24];
    fmt_size(sz, sizeof sz, sizes[k]);
    double cm = best_rate[0][k], um = best_rate[1][k];
    double cb = cm * (double)sizes[k] / 1e6, ub = um * (double)sizes[k] / 1e6;
    char ratio[16] = "-";
    if (cm > 0 && um > 0) snprintf(ratio, sizeof ratio, "%.2fx", cm / um);
    char ref[40] = "-", vs[24] = "-";
    if (sizes[k] == 16) {
      snprintf(ref, sizeof ref, "%.2f M msg/s", REF_US_MSGS_16 / 1e6);
      snprintf(vs, sizeof vs, "%.2fx", cm / REF_US_MSGS_16);
    } else if (sizes[k] == 1024) {
      snprintf(ref, sizeof ref, "%.0f MB/s", REF_US_MBS_1K);
      snprintf(vs, sizeof vs, "%.2fx", cb / REF_US_MBS_1K);
    } else if (sizes[k] == 65536) {
      snprintf(ref, sizeof ref, "%.0f MB/s", REF_US_MBS_64K);
      snprintf(vs, sizeof vs, "%.2fx", cb / REF_US_MBS_64K);
    }
    printf("%-8s | %12.0f %9.1f | %12.0f %9.1f | %7s | %-22s %s\n", sz, cm, cb, um, ub, ratio, ref,
           vs);
  }
  printf("\nstalls (ms slept with nothing to move, in the best trial): ");
  for (size_t k = 0; k < NSIZES; k++)
    printf("%zu B: csctp %.1f usrsctp %.1f%s", sizes[k], (double)best[0][k].waited_us / 1e3,
           (double)best[1][k].waited_us / 1e3, k + 1 < NSIZES ? "; " : "\n");
  csctp_stats sa, sb;
  csctp_assoc_get_stats(CS.ea.a, &sa);
  csctp_assoc_get_stats(CS.eb.a, &sb);
  uint64_t corrupt = 0;
  for (size_t k = 0; k < NSIZES; k++) corrupt += best[0][k].corrupt;
  printf(
      "csctp sender: %llu packets out, %llu retransmissions; receiver: %llu packets in, %llu SACKs "
      "out, dropped: bad CRC %llu, other %llu; corrupt messages %llu\n",
      (unsigned long long)sa.packets_out, (unsigned long long)sa.retransmissions,
      (unsigned long long)sb.packets_in, (unsigned long long)sb.sacks_out,
      (unsigned long long)sb.drop_bad_crc,
      (unsigned long long)(sb.drop_malformed + sb.drop_bad_vtag + sb.drop_out_of_window +
                           sb.drop_unexpected),
      (unsigned long long)corrupt);
  printf("targets (issue 7): >= 5x optimised usrsctp's messages/s at 16 B and MB/s at 64 KiB\n");
  cs_close(&CS);
  /* usrsctp keeps threads and global state; the process exit frees them. */
  fflush(stdout);
  _exit(0);
}

/* ---------- --run: one fixed measurement (profiled by callgrind) ---------- */

static int run_fixed(const char *engine, size_t size, uint64_t count) {
  int eng = strcmp(engine, "usrsctp") == 0 ? ENG_USRSCTP : ENG_CSCTP;
  if (eng == ENG_CSCTP ? cs_open(&CS) : us_open(&US)) {
    fprintf(stderr, "bench_pair: %s handshake failed\n", engine);
    return 1;
  }
  uint64_t warm = count / 10 < 16 ? 16 : count / 10;
  /* Exactly warm + count messages are sent: the measured phase ends when the last arrives. */
  loop_goal g = {.size = size, .until_msgs = warm, .seconds = 0, .send_limit = warm};
  loop_res r;
  if (eng == ENG_CSCTP)
    cs_loop(&CS, &g, &r);
  else
    us_loop(&US, &g, &r);
  g.until_msgs = count;
  g.send_limit = count;
  if (eng == ENG_CSCTP)
    measure_csctp(&g, &r);
  else
    measure_usrsctp(&g, &r);
  printf("%s %zu %llu %.6f\n", engine, size, (unsigned long long)r.msgs, r.seconds);
  fflush(stdout);
  _exit(r.msgs == count ? 0 : 1);
}

/* ---------- --callgrind: instruction counts ---------- */

/* Messages profiled per case: enough to amortise the warm-up, small enough for valgrind. */
static uint64_t callgrind_count(size_t size) {
  if (size <= 1024) return 10000;
  if (size <= 16384) return 1000;
  if (size <= 65536) return 300;
  return 80;
}

/* Runs one case under callgrind; returns the instructions of the measured phase, or -1. */
static double callgrind_case(const char *self, const char *dir, int eng, size_t size,
                             uint64_t count, int no_rep_movsb) {
  char out[512], toggle[64], sz[32], cnt[32];
  snprintf(out, sizeof out, "%s/callgrind.%s.%zu%s.out", dir, engine_names[eng], size,
           no_rep_movsb ? ".norepmovsb" : "");
  snprintf(toggle, sizeof toggle, "--toggle-collect=measure_%s", engine_names[eng]);
  snprintf(sz, sizeof sz, "%zu", size);
  snprintf(cnt, sizeof cnt, "%llu", (unsigned long long)count);
  char outopt[600];
  snprintf(outopt, sizeof outopt, "--callgrind-out-file=%s", out);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    /* glibc's memcpy uses rep movsb from a few KiB up, and callgrind counts every byte it
     * moves as one instruction; this keeps memcpy on its vector loop instead. */
    if (no_rep_movsb) setenv("GLIBC_TUNABLES", "glibc.cpu.x86_rep_movsb_threshold=2147483647", 1);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    execlp("valgrind", "valgrind", "--tool=callgrind", "--collect-atstart=no", toggle, outopt, self,
           "--run", engine_names[eng], sz, cnt, (char *)NULL);
    _exit(127);
  }
  int st;
  if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return -1;
  FILE *f = fopen(out, "r");
  if (!f) return -1;
  char line[512];
  double total = -1;
  while (fgets(line, sizeof line, f)) {
    unsigned long long v;
    if (sscanf(line, "totals: %llu", &v) == 1 || sscanf(line, "summary: %llu", &v) == 1)
      total = (double)v;
  }
  fclose(f);
  return total;
}

static int callgrind_table(const char *dir) {
  char self[512];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return 1;
  self[n] = 0;
  mkdir(dir, 0777);
  printf(
      "\n== 2. Instructions per message and per byte (valgrind --tool=callgrind, measured phase"
      " only,\n      after a warm-up; both engines on one thread, harness included; usrsctp's"
      " timer\n      thread not counted) ==\n");
  bench_print_usrsctp_note();
  printf("profiles: %s/callgrind.<engine>.<size>.out (callgrind_annotate)\n\n", dir);
  printf("%-8s %6s | %12s %8s | %12s %8s | %6s | %-14s %-14s\n", "message", "count", "csctp i/msg",
         "i/byte", "usrsctp i/msg", "i/byte", "ratio", "usrsctp -O2", "dcsctp");
  printf(
      "----------------+-----------------------+------------------------+--------+----------"
      "--------------------\n");
  for (size_t k = 0; k < NSIZES; k++) {
    size_t size = sizes[k];
    uint64_t count = callgrind_count(size);
    double ins[2];
    for (int eng = 0; eng < 2; eng++) ins[eng] = callgrind_case(self, dir, eng, size, count, 0);
    char sz[24];
    fmt_size(sz, sizeof sz, size);
    char c[2][2][24];
    for (int eng = 0; eng < 2; eng++) {
      if (ins[eng] < 0) {
        snprintf(c[eng][0], 24, "failed");
        snprintf(c[eng][1], 24, "-");
      } else {
        snprintf(c[eng][0], 24, "%.0f", ins[eng] / (double)count);
        snprintf(c[eng][1], 24, "%.2f", ins[eng] / (double)count / (double)size);
      }
    }
    char ratio[16] = "-";
    if (ins[0] > 0 && ins[1] > 0) snprintf(ratio, sizeof ratio, "%.2fx", ins[1] / ins[0]);
    char ru[24] = "-", rd[24] = "-";
    if (size == 16) {
      snprintf(ru, sizeof ru, "%.0f i/msg", REF_US_INSN_16);
      snprintf(rd, sizeof rd, "%.0f i/msg", REF_DC_INSN_16);
    } else if (size == 1024) {
      snprintf(ru, sizeof ru, "%.0f i/msg", REF_US_INSN_1K);
      snprintf(rd, sizeof rd, "%.0f i/msg", REF_DC_INSN_1K);
    } else if (size == 65536) {
      snprintf(ru, sizeof ru, "%.1f i/byte", REF_US_IPB_64K);
      snprintf(rd, sizeof rd, "%.1f i/byte", REF_DC_IPB_64K);
    }
    printf("%-8s %6llu | %12s %8s | %12s %8s | %6s | %-14s %-14s\n", sz, (unsigned long long)count,
           c[0][0], c[0][1], c[1][0], c[1][1], ratio, ru, rd);
    fflush(stdout);
  }
  printf("ratio = usrsctp instructions / csctp instructions (higher is better for csctp)\n");
  printf(
      "\ncallgrind counts each byte moved by rep movsb (glibc's memcpy above a few KiB) as one\n"
      "instruction, which no CPU spends; the same cases with memcpy kept on its vector loop\n"
      "(GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold=2147483647):\n");
  printf("%-8s | %14s | %14s | %6s\n", "message", "csctp i/byte", "usrsctp i/byte", "ratio");
  for (size_t k = 0; k < NSIZES; k++) {
    size_t size = sizes[k];
    if (size < 16384) continue;
    uint64_t count = callgrind_count(size);
    double ins[2];
    for (int eng = 0; eng < 2; eng++) ins[eng] = callgrind_case(self, dir, eng, size, count, 1);
    char sz[24], c[2][24], ratio[16] = "-";
    fmt_size(sz, sizeof sz, size);
    for (int eng = 0; eng < 2; eng++) {
      if (ins[eng] < 0)
        snprintf(c[eng], 24, "failed");
      else
        snprintf(c[eng], 24, "%.2f", ins[eng] / (double)count / (double)size);
    }
    if (ins[0] > 0 && ins[1] > 0) snprintf(ratio, sizeof ratio, "%.2fx", ins[1] / ins[0]);
    printf("%-8s | %14s | %14s | %6s\n", sz, c[0], c[1], ratio);
    fflush(stdout);
  }
  printf("targets (issue 7): <= 1,000 instructions per 16 B message; <= 2 per byte at 16 KiB+\n");
  return 0;
}

int main(int argc, char **argv) {
  for (size_t i = 0; i < sizeof msgbuf; i++) msgbuf[i] = (uint8_t)(i * 131u);
  if (argc >= 2 && strcmp(argv[1], "--callgrind") == 0)
    return callgrind_table(argc >= 3 ? argv[2] : "callgrind");
  if (argc == 5 && strcmp(argv[1], "--run") == 0)
    return run_fixed(argv[2], strtoul(argv[3], NULL, 10), strtoull(argv[4], NULL, 10));
  if (argc != 1) {
    fprintf(stderr, "usage: %s [--callgrind DIR | --run csctp|usrsctp SIZE COUNT]\n", argv[0]);
    return 2;
  }
  return table();
}
