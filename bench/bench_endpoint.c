/* SPDX-License-Identifier: MIT */
/*
 * The endpoint's cost per routed packet as the number of associations grows
 * (10, 1,000, 10,000): one server endpoint, one client engine per
 * association, all in memory on a virtual clock. Each round a random client
 * sends one 16-byte message; the server runs one turn of an event loop for
 * its packet (csctp_endpoint_read_packet, then handle_expiry when due,
 * poll_event until empty, write_packet until empty, expiry), and what it
 * wrote goes back to the clients outside the measurement. Only the server's
 * calls are measured: the association's own work on the packet is the same
 * at every size, so what grows with the number of associations is the
 * endpoint's.
 *
 *   bench_endpoint                 wall-clock ns per packet, then instructions
 *                                  (valgrind --tool=callgrind, when installed)
 *   bench_endpoint --no-callgrind  ns only
 *   bench_endpoint --run N ROUNDS WHAT   one fixed run (what callgrind profiles);
 *                                  WHAT: read (read_packet only) or loop (the turn)
 *
 * Figures only, never a failure. It uses only the endpoint API that predates
 * the O(1) endpoint, so the same file measures the old one (built from
 * `git archive` of an older commit).
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "bench_util.h"

#define SRV_PORT 5000
#define MAXN 10000

typedef struct bclient {
  csctp_assoc *a;
  csctp_addr addr;
} bclient;

static bclient *cl;
static int ncl;
static csctp_endpoint *ep;
static csctp_prng crng, srng, pick;
static csctp_tstamp now_t;

/* Server output kept during a measured turn, delivered after it. */
static uint8_t outbuf[256][BENCH_MTU];
static size_t outlen[256];
static csctp_addr outto[256];
static int nout;

static void addr_make(csctp_addr *a, int i) {
  memset(a, 0, sizeof(*a));
  a->len = 4;
  a->data[0] = 10;
  a->data[1] = (uint8_t)((i / 2) >> 8);
  a->data[2] = (uint8_t)(i / 2);
  a->data[3] = 7;
}

static int client_of(const csctp_addr *to, const uint8_t *pkt) {
  return (to->data[1] << 8 | to->data[2]) * 2 + ((pkt[2] << 8 | pkt[3]) - 4000);
}

static csctp_config cfg_make(csctp_prng *g, uint16_t local, uint16_t remote) {
  csctp_config c;
  csctp_config_default(&c);
  c.rand = csctp_prng_rand_fn;
  c.rand_user_data = g;
  c.local_port = local;
  c.remote_port = remote;
  c.mtu = BENCH_MTU;
  c.rwnd = c.sndbuf = 64 * 1024;
  c.max_message_size = 16 * 1024;
  c.outbound_streams = c.max_inbound_streams = 4;
  return c;
}

/* Feeds the server's output to the clients, and the clients' answers back (unmeasured). */
static void deliver(void) {
  uint8_t b[BENCH_MTU];
  for (int round = 0; round < 16; round++) {
    csctp_ssize n;
    csctp_addr to;
    int moved = 0;
    while ((n = csctp_endpoint_write_packet(ep, b, sizeof(b), now_t, &to, NULL)) > 0) {
      memcpy(outbuf[nout % 256], b, (size_t)n);
      outlen[nout % 256] = (size_t)n;
      outto[nout % 256] = to;
      nout++;
      if (nout == 256) break;
    }
    for (int k = 0; k < nout; k++) {
      int i = client_of(&outto[k], outbuf[k]);
      csctp_assoc_read_packet(cl[i].a, outbuf[k], outlen[k], now_t);
      csctp_event ev;
      while (csctp_assoc_poll_event(cl[i].a, &ev)) {}
      while ((n = csctp_assoc_write_packet(cl[i].a, b, sizeof(b), now_t)) > 0) {
        csctp_endpoint_read_packet(ep, &cl[i].addr, b, (size_t)n, now_t, NULL);
        moved = 1;
      }
    }
    moved |= nout > 0;
    nout = 0;
    csctp_assoc *a;
    csctp_event ev;
    while (csctp_endpoint_poll_event(ep, &a, &ev)) {}
    if (!moved) break;
  }
}

static int setup(int n) {
  ncl = n;
  cl = calloc((size_t)n, sizeof(*cl));
  now_t = 1000000;
  csctp_prng_seed(&crng, 1);
  csctp_prng_seed(&srng, 2);
  csctp_prng_seed(&pick, 3);
  csctp_config sc = cfg_make(&srng, SRV_PORT, 0);
  if (csctp_endpoint_new(&ep, &sc)) return -1;
  csctp_endpoint_listen(ep, 1);
  uint8_t b[BENCH_MTU];
  for (int i = 0; i < n; i++) {
    addr_make(&cl[i].addr, i);
    csctp_config cc = cfg_make(&crng, (uint16_t)(4000 + i % 2), SRV_PORT);
    cc.hb_interval = 0;
    if (csctp_assoc_new(&cl[i].a, &cc) || csctp_assoc_connect(cl[i].a, now_t)) return -1;
    csctp_ssize len = csctp_assoc_write_packet(cl[i].a, b, sizeof(b), now_t);
    csctp_endpoint_read_packet(ep, &cl[i].addr, b, (size_t)len, now_t, NULL);
    deliver();
  }
  for (int i = 0; i < n; i++)
    if (csctp_assoc_get_state(cl[i].a) != CSCTP_STATE_ESTABLISHED) return -1;
  return csctp_endpoint_count(ep) == (size_t)n ? 0 : -1;
}

static void teardown(void) {
  for (int i = 0; i < ncl; i++) csctp_assoc_del(cl[i].a);
  csctp_endpoint_del(ep);
  free(cl);
}

/* The next client's packet (unmeasured): one 16-byte message. */
static size_t next_packet(uint8_t *b, int *who) {
  int i = *who >= 0 ? *who : (int)csctp_prng_below(&pick, (uint64_t)ncl);
  uint8_t msg[16] = {0};
  csctp_send_opts o = {.stream = 0, .ppid = 51};
  csctp_assoc_send(cl[i].a, &o, msg, sizeof(msg), now_t);
  csctp_ssize n = csctp_assoc_write_packet(cl[i].a, b, BENCH_MTU, now_t);
  *who = i;
  return n > 0 ? (size_t)n : 0;
}

static void do_read(const csctp_addr *from, const uint8_t *p, size_t len) {
  csctp_endpoint_read_packet(ep, from, p, len, now_t, NULL);
}

static void do_rest(void) {
  if (csctp_endpoint_expiry(ep) <= now_t) csctp_endpoint_handle_expiry(ep, now_t);
  csctp_assoc *a;
  csctp_event ev;
  while (csctp_endpoint_poll_event(ep, &a, &ev)) {}
  csctp_ssize n;
  while (nout < 256 && (n = csctp_endpoint_write_packet(ep, outbuf[nout], BENCH_MTU, now_t,
                                                        &outto[nout], NULL)) > 0)
    outlen[nout++] = (size_t)n;
  (void)csctp_endpoint_expiry(ep);
}

/* Separate, not inlined: callgrind counts only inside these (--toggle-collect), so the
 * warm-up, which calls do_read / do_rest directly, is not counted. */
__attribute__((noinline)) void measure_read(const csctp_addr *from, const uint8_t *p, size_t len);
__attribute__((noinline)) void measure_rest(void);
__attribute__((noinline)) void measure_read(const csctp_addr *from, const uint8_t *p, size_t len) {
  do_read(from, p, len);
}
__attribute__((noinline)) void measure_rest(void) { do_rest(); }

/* One packet from client `who` (or a random one when -1) through one event-loop turn. */
static void one_round(int who, int measured, double *t_read, double *t_turn) {
  uint8_t b[BENCH_MTU];
  now_t += 100; /* 100 us apart: delayed SACKs come due and are handled in the turn */
  size_t len = next_packet(b, &who);
  if (!len) return;
  double t0 = bench_seconds();
  if (measured)
    measure_read(&cl[who].addr, b, len);
  else
    do_read(&cl[who].addr, b, len);
  double t1 = bench_seconds();
  if (measured)
    measure_rest();
  else
    do_rest();
  double t2 = bench_seconds();
  *t_read += t1 - t0;
  *t_turn += t2 - t0;
  deliver();
}

/* Warm-up: every association gets packets (its first DATA allocates its stream), then some
 * random rounds. */
static void warm_up(int rounds) {
  double x = 0, y = 0;
  for (int rep = 0; rep < 2; rep++)
    for (int i = 0; i < ncl; i++) one_round(i, 0, &x, &y);
  for (int r = 0; r < rounds; r++) one_round(-1, 0, &x, &y);
}

/* Runs `rounds` packets; returns ns per packet of read_packet alone and of the whole turn. */
static void run_rounds(int rounds, double *ns_read, double *ns_turn) {
  double t_read = 0, t_turn = 0;
  for (int r = 0; r < rounds; r++) one_round(-1, 1, &t_read, &t_turn);
  if (ns_read) *ns_read = t_read * 1e9 / rounds;
  if (ns_turn) *ns_turn = t_turn * 1e9 / rounds;
}

static int run_fixed(int n, int rounds) {
  if (setup(n)) return 1;
  warm_up(rounds / 10);
  run_rounds(rounds, NULL, NULL);
  teardown();
  return 0;
}

/* Instructions in one measured function over `rounds` packets, under callgrind; -1 on failure. */
static double callgrind_case(const char *self, int n, int rounds, const char *fn) {
  char out[256], toggle[96], sn[16], sr[16];
  snprintf(out, sizeof out, "/tmp/bench_endpoint.callgrind.%d.%s.%d.out", n, fn, (int)getpid());
  snprintf(toggle, sizeof toggle, "--toggle-collect=%s", fn);
  snprintf(sn, sizeof sn, "%d", n);
  snprintf(sr, sizeof sr, "%d", rounds);
  char outopt[300];
  snprintf(outopt, sizeof outopt, "--callgrind-out-file=%s", out);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    execlp("valgrind", "valgrind", "--tool=callgrind", "--collect-atstart=no", toggle, outopt, self,
           "--run", sn, sr, (char *)NULL);
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
  unlink(out);
  return total;
}

static const int sizes[] = {10, 1000, 10000};

/* The cost of reading the clock once, subtracted from every measured interval. */
static double clock_ns(void) {
  double best = 1e18;
  for (int rep = 0; rep < 5; rep++) {
    double t0 = bench_seconds(), t = t0;
    for (int i = 0; i < 100000; i++) t = bench_seconds();
    double ns = (t - t0) * 1e9 / 100000;
    if (ns < best) best = ns;
  }
  return best;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "--run") == 0) return run_fixed(atoi(argv[2]), atoi(argv[3]));
  int no_cg = argc > 1 && strcmp(argv[1], "--no-callgrind") == 0;
  printf("== Endpoint: cost per routed packet by number of associations ==\n");
  printf(
      "(16-byte DATA from a random client; 'read' = csctp_endpoint_read_packet alone, the\n"
      " association's own processing included; 'turn' = read + due timers + poll_event until\n"
      " empty + write_packet until empty + expiry, one event-loop turn per packet)\n");
  double oh = clock_ns();
  printf("(the clock's own cost, %.0f ns per reading, is subtracted)\n\n", oh);
  printf("%8s %8s | %10s %10s\n", "assocs", "packets", "read ns", "turn ns");
  printf("------------------+-----------------------\n");
  for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    int n = sizes[k];
    if (setup(n)) {
      printf("%8d   setup failed\n", n);
      continue;
    }
    int rounds = 50000;
    warm_up(rounds / 10);
    double best_r = 1e18, best_t = 1e18;
    for (int rep = 0; rep < 3; rep++) {
      double r, t;
      run_rounds(rounds, &r, &t);
      if (r < best_r) best_r = r;
      if (t < best_t) best_t = t;
    }
    printf("%8d %8d | %10.0f %10.0f\n", n, rounds, best_r - oh, best_t - oh);
    fflush(stdout);
    teardown();
  }
  if (no_cg || system("valgrind --version >/dev/null 2>&1") != 0) return 0;
  char self[512];
  ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
  if (sl <= 0) return 0;
  self[sl] = 0;
  printf(
      "\n== Instructions per routed packet (valgrind --tool=callgrind, measured calls only) "
      "==\n\n");
  printf("%8s %8s | %10s %10s\n", "assocs", "packets", "read i", "turn i");
  printf("------------------+-----------------------\n");
  for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    int n = sizes[k], rounds = 5000;
    double packets = rounds;
    double r = callgrind_case(self, n, rounds, "measure_read");
    double t = callgrind_case(self, n, rounds, "measure_rest");
    if (r < 0 || t < 0) {
      printf("%8d   callgrind failed\n", n);
      continue;
    }
    printf("%8d %8d | %10.0f %10.0f\n", n, rounds, r / packets, (r + t) / packets);
    fflush(stdout);
  }
  return 0;
}
