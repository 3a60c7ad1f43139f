/* SPDX-License-Identifier: MIT */
/*
 * Memory per idle association (issue 7, benchmark 3): many established,
 * idle associations in one process, with 16, 1,024 and 65,535 streams
 * negotiated each way, for csctp and for usrsctp.
 *
 * Each (engine, streams) case runs in its own child process (this program
 * re-executed with --child), so one engine's heap never hides the other's
 * and usrsctp's process-wide state starts fresh. Both ends of every
 * association live in the child (in-memory handshakes), so the figure per
 * association is (growth) / (number of association ends). Growth is
 * measured two ways after malloc_trim: heap bytes in use (mallinfo2: every
 * arena plus mmapped blocks) and resident set size. For csctp a counting
 * allocator (csctp_mem hooks) also gives the bytes the engine itself holds.
 *
 * A second table (issue 14, part 1) measures idle associations after traffic:
 * one of four patterns each way on every association (1 x 16 B; 16 x 1 KiB on
 * 16 streams; 4 x 64 KiB; 1 x 256 KiB), everything delivered and acknowledged,
 * then, for csctp, csctp_assoc_trim() as an idle caller would (csctp_peer does
 * after 1 s without traffic). usrsctp runs the patterns on stream 0 it can send
 * whole (16 B and 4 x 64 KiB).
 *
 *   bench_mem_usrsctp                              the tables
 *   bench_mem_usrsctp --child ENGINE STREAMS N [PATTERN]
 *                                                  one case: prints "heap rss counted n"
 */
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_usrsctp.h"
#include "bench_util.h"

/* ---------- csctp, with a counting allocator ---------- */

static size_t counted; /* bytes the engine holds (malloc_usable_size) */

static void *cnt_malloc(size_t n, void *u) {
  (void)u;
  void *p = malloc(n);
  if (p) counted += malloc_usable_size(p);
  return p;
}
static void cnt_free(void *p, void *u) {
  (void)u;
  if (p) counted -= malloc_usable_size(p);
  free(p);
}
static void *cnt_calloc(size_t n, size_t m, void *u) {
  (void)u;
  void *p = calloc(n, m);
  if (p) counted += malloc_usable_size(p);
  return p;
}
static void *cnt_realloc(void *p, size_t n, void *u) {
  (void)u;
  size_t old = p ? malloc_usable_size(p) : 0;
  void *q = realloc(p, n);
  if (q) counted += malloc_usable_size(q) - old;
  return q;
}
static const csctp_mem cnt_mem = {NULL, cnt_malloc, cnt_free, cnt_calloc, cnt_realloc};

typedef struct measure {
  size_t heap0, rss0;
} measure;

static void measure_start(measure *m) {
  malloc_trim(0);
  m->heap0 = bench_heap_in_use();
  m->rss0 = bench_rss_bytes();
}

static void measure_print(const measure *m, size_t n, size_t engine_bytes) {
  malloc_trim(0);
  size_t heap = bench_heap_in_use(), rss = bench_rss_bytes();
  printf("%zd %zd %zu %zu\n", (ssize_t)(heap - m->heap0), (ssize_t)(rss - m->rss0), engine_bytes,
         n);
}

/* Traffic after the handshake (the second table): messages each way, their size, streams. */
typedef struct traffic_pattern {
  const char *name;
  int count;
  size_t size;
  uint16_t streams;
  int usrsctp; /* run on usrsctp too */
} traffic_pattern;

static const traffic_pattern patterns[] = {
    {"1 x 16 B", 1, 16, 1, 1},
    {"16 x 1 KiB, 16 streams", 16, 1024, 16, 0},
    {"4 x 64 KiB", 4, 65536, 1, 1},
    {"1 x 256 KiB", 1, 262144, 1, 0},
};
#define N_PATTERNS (sizeof patterns / sizeof patterns[0])

static uint8_t traffic_buf[262144];

/* Runs a pattern both ways on a csctp pair until everything is delivered and acknowledged. */
static int csctp_traffic(csctp_assoc *a, csctp_assoc *b, const traffic_pattern *t,
                         csctp_tstamp *now) {
  for (int i = 0; i < t->count; i++) {
    csctp_send_opts o;
    memset(&o, 0, sizeof o);
    o.stream = (uint16_t)(i % t->streams);
    if (csctp_assoc_send(a, &o, traffic_buf, t->size, *now) ||
        csctp_assoc_send(b, &o, traffic_buf, t->size, *now))
      return -1;
  }
  for (int k = 0; k < 400; k++) {
    *now += 10 * CSCTP_MILLISECONDS;
    bench_csctp_flush(a, b, *now);
    bench_csctp_flush(b, a, *now);
    csctp_event ev;
    while (csctp_assoc_poll_event(a, &ev)) {}
    while (csctp_assoc_poll_event(b, &ev)) {}
    if (csctp_assoc_expiry(a) <= *now) csctp_assoc_handle_expiry(a, *now);
    if (csctp_assoc_expiry(b) <= *now) csctp_assoc_handle_expiry(b, *now);
  }
  csctp_assoc_trim(a);
  csctp_assoc_trim(b);
  return 0;
}

static int child_csctp(uint16_t streams, size_t n, int pattern) {
  size_t pairs = n / 2;
  bench_csctp_ep *eps = calloc(pairs * 2, sizeof *eps);
  if (!eps) return 1;
  measure m;
  measure_start(&m);
  csctp_tstamp now = 1000000;
  for (size_t i = 0; i < pairs; i++) {
    csctp_config c[2];
    for (int s = 0; s < 2; s++) {
      bench_csctp_config(&c[s], &eps[2 * i + (size_t)s], 0x5eed0000u + 2 * i + (size_t)s);
      c[s].outbound_streams = streams;
      c[s].max_inbound_streams = streams;
      c[s].mem = &cnt_mem;
      if (csctp_assoc_new(&eps[2 * i + (size_t)s].a, &c[s]) != 0) {
        fprintf(stderr, "csctp: csctp_assoc_new failed at association %zu\n", 2 * i);
        return 1;
      }
    }
    if (bench_csctp_handshake(eps[2 * i].a, eps[2 * i + 1].a, now) != 0) {
      fprintf(stderr, "csctp: handshake %zu failed\n", i);
      return 1;
    }
    csctp_tstamp t = now;
    if (pattern >= 0 && csctp_traffic(eps[2 * i].a, eps[2 * i + 1].a, &patterns[pattern], &t)) {
      fprintf(stderr, "csctp: traffic on association %zu failed\n", 2 * i);
      return 1;
    }
  }
  measure_print(&m, pairs * 2, counted);
  return 0;
}

/* ---------- usrsctp ---------- */

/* Runs a pattern both ways on a usrsctp pair (stream 0) until each side has every message. */
static int usrsctp_traffic(bench_us_ep *a, bench_us_ep *b, const traffic_pattern *t) {
  int sent[2] = {0, 0}, got[2] = {0, 0};
  bench_us_ep *e[2] = {a, b};
  double t0 = bench_seconds();
  while (!bench_us_accept(b)) { /* the passive side's socket, before it sends */
    bench_us_flush(a);
    if (bench_seconds() - t0 > 10) return -1;
    bench_sleep_us(50);
  }
  while (got[0] < t->count || got[1] < t->count) {
    for (int k = 0; k < 2; k++) {
      while (sent[k] < t->count) {
        int r = bench_us_send(e[k], traffic_buf, t->size);
        if (r < 0) return -1;
        if (r > 0) break;
        sent[k]++;
      }
    }
    int moved = bench_us_flush(a) + bench_us_flush(b);
    got[0] += bench_us_recv(a, t->size, NULL);
    got[1] += bench_us_recv(b, t->size, NULL);
    if (bench_seconds() - t0 > 10) return -1;
    if (!moved) bench_sleep_us(50);
  }
  return 0;
}

static int child_usrsctp(uint16_t streams, size_t n, int pattern) {
  size_t pairs = n / 2;
  bench_us_ep *eps = calloc(pairs * 2, sizeof *eps);
  if (!eps) return 1;
  bench_us_global_init();
  measure m;
  measure_start(&m);
  for (size_t i = 0; i < pairs; i++) {
    bench_us_ep *a = &eps[2 * i], *b = &eps[2 * i + 1];
    if (bench_us_open(a, 0, streams, 0) || bench_us_open(b, 1, streams, 0)) {
      fprintf(stderr, "usrsctp: socket %zu failed: %s\n", 2 * i, strerror(a->error | b->error));
      return 1;
    }
    a->peer = b;
    b->peer = a;
    if (bench_us_connect(a)) {
      fprintf(stderr, "usrsctp: connect %zu failed: %s\n", i, strerror(a->error));
      return 1;
    }
    double t0 = bench_seconds();
    while (!(a->comm_up && b->comm_up)) {
      int moved = bench_us_flush(a) + bench_us_flush(b);
      bench_us_recv(a, 0, NULL);
      bench_us_recv(b, 0, NULL);
      if (bench_seconds() - t0 > 5) {
        fprintf(stderr, "usrsctp: handshake %zu did not complete in 5 s\n", i);
        return 1;
      }
      if (!moved) bench_sleep_us(50);
    }
    if (pattern >= 0 && usrsctp_traffic(a, b, &patterns[pattern]) != 0) {
      fprintf(stderr, "usrsctp: traffic on association %zu failed: %s\n", i,
              strerror(a->error | b->error));
      return 1;
    }
    if (a->out_streams != streams || b->in_streams != streams)
      fprintf(stderr, "usrsctp: association %zu negotiated %u/%u streams\n", i, a->out_streams,
              a->in_streams);
    /* The listener is not an association; a server would keep one for all. */
    usrsctp_close(b->listener);
    b->listener = NULL;
  }
  /* Let the SACK of the COOKIE ACK and late timers settle, then drop the harness's spares. */
  for (int k = 0; k < 3; k++) {
    for (size_t i = 0; i < pairs * 2; i++) bench_us_flush(&eps[i]);
    bench_sleep_us(20000);
  }
  for (size_t i = 0; i < pairs * 2; i++) bench_us_free_spares(&eps[i]);
  measure_print(&m, pairs * 2, 0);
  fflush(stdout);
  _exit(0); /* usrsctp's threads and state go with the process */
}

/* ---------- the table ---------- */

typedef struct child_out {
  long long heap, rss;
  size_t counted, n;
} child_out;

static int run_child(const char *self, const char *engine, uint16_t streams, size_t n, int pattern,
                     child_out *o) {
  int fd[2];
  if (pipe(fd) < 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(fd[0]);
    dup2(fd[1], 1);
    char s[16], c[24], pt[16];
    snprintf(s, sizeof s, "%u", streams);
    snprintf(c, sizeof c, "%zu", n);
    snprintf(pt, sizeof pt, "%d", pattern);
    execl(self, self, "--child", engine, s, c, pt, (char *)NULL);
    _exit(127);
  }
  close(fd[1]);
  FILE *f = fdopen(fd[0], "r");
  int ok = f && fscanf(f, "%lld %lld %zu %zu", &o->heap, &o->rss, &o->counted, &o->n) == 4;
  if (f) fclose(f);
  int st;
  waitpid(pid, &st, 0);
  return ok && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void kib(char *buf, size_t cap, double bytes) {
  if (bytes >= 1024.0 * 1024.0)
    snprintf(buf, cap, "%.2f MiB", bytes / 1024.0 / 1024.0);
  else
    snprintf(buf, cap, "%.2f KiB", bytes / 1024.0);
}

int main(int argc, char **argv) {
  if ((argc == 5 || argc == 6) && strcmp(argv[1], "--child") == 0) {
    uint16_t streams = (uint16_t)strtoul(argv[3], NULL, 10);
    size_t n = strtoul(argv[4], NULL, 10);
    int pattern = argc == 6 ? atoi(argv[5]) : -1;
    if (pattern >= (int)N_PATTERNS) pattern = -1;
    return strcmp(argv[2], "usrsctp") == 0 ? child_usrsctp(streams, n, pattern)
                                           : child_csctp(streams, n, pattern);
  }
  char self[512];
  ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
  if (sl <= 0) return 1;
  self[sl] = 0;

  static const uint16_t stream_counts[] = {16, 1024, 65535};
  printf(
      "\n== 3. Memory per idle association: established, idle associations in one process per\n"
      "      (engine, streams) case; both ends of each association in that process; growth\n"
      "      after malloc_trim divided by the number of association ends ==\n");
  bench_print_usrsctp_note();
  printf(
      "usrsctp limits: one process-wide stack (usrsctp_init once per process, one timer thread"
      "\n  for every association); at 65,535 streams it allocates stream state up front, so "
      "that\n  case runs fewer associations to stay within this machine's memory.\n\n");
  printf("%-8s %6s %6s | %12s %12s %14s | %-22s\n", "engine", "streams", "assocs", "heap/assoc",
         "RSS/assoc", "engine-held", "issue 7 reference");
  printf(
      "-----------------------+------------------------------------------+--------------------"
      "----\n");
  for (int eng = 0; eng < 2; eng++) {
    const char *engine = eng == 0 ? "csctp" : "usrsctp";
    for (size_t k = 0; k < 3; k++) {
      uint16_t streams = stream_counts[k];
      size_t n = 10000;
      if (eng == 1 && streams == 65535) n = 200;
      child_out o;
      memset(&o, 0, sizeof o);
      char h[24] = "failed", r[24] = "-", c[24] = "-", ref[64] = "-";
      if (run_child(self, engine, streams, n, -1, &o) == 0 && o.n > 0) {
        kib(h, sizeof h, (double)o.heap / (double)o.n);
        kib(r, sizeof r, (double)o.rss / (double)o.n);
        if (eng == 0) kib(c, sizeof c, (double)o.counted / (double)o.n);
      }
      if (streams == 1024) {
        kib(ref, sizeof ref, REF_US_MEM_1024);
        memmove(ref + 8, ref, strlen(ref) + 1);
        memcpy(ref, "usrsctp ", 8);
      } else if (streams == 65535) {
        char a[16], b[16];
        kib(a, sizeof a, REF_US_MEM_65535);
        kib(b, sizeof b, REF_DC_MEM_65535);
        snprintf(ref, sizeof ref, "usrsctp %s, dcsctp %s", a, b);
      }
      printf("%-8s %6u %6zu | %12s %12s %14s | %s\n", engine, streams, o.n ? o.n : n, h, r, c, ref);
      fflush(stdout);
    }
  }
  printf("engine-held: bytes the engine holds through its allocator hooks (malloc_usable_size)\n");
  printf("target (issue 7): at most 4 KiB per idle association at any negotiated stream count\n");

  printf(
      "\n== 3b. Memory per idle association after traffic: 1,000 associations (16 streams), a\n"
      "      pattern each way on each, all delivered and acknowledged; csctp then trimmed\n"
      "      (csctp_assoc_trim, as csctp_peer does after 1 s idle) ==\n");
  printf("%-24s %-8s | %12s %12s %14s\n", "traffic", "engine", "heap/assoc", "RSS/assoc",
         "engine-held");
  printf("---------------------------------+------------------------------------------\n");
  for (size_t p = 0; p < N_PATTERNS; p++) {
    for (int eng = 0; eng < 2; eng++) {
      if (eng == 1 && !patterns[p].usrsctp) continue;
      child_out o;
      memset(&o, 0, sizeof o);
      char h[24] = "failed", r[24] = "-", c[24] = "-";
      if (run_child(self, eng ? "usrsctp" : "csctp", 16, 1000, (int)p, &o) == 0 && o.n > 0) {
        kib(h, sizeof h, (double)o.heap / (double)o.n);
        kib(r, sizeof r, (double)o.rss / (double)o.n);
        if (eng == 0) kib(c, sizeof c, (double)o.counted / (double)o.n);
      }
      printf("%-24s %-8s | %12s %12s %14s\n", patterns[p].name, eng ? "usrsctp" : "csctp", h, r, c);
      fflush(stdout);
    }
  }
  printf("target (issue 14): at most 4 KiB per idle association after traffic\n");
  return 0;
}
