/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the benchmarks (header only: each bench .c file is its own
 * program): clocks, memory figures, the csctp engine set up as the
 * benchmarks use it, and the reference figures of issue 7.
 * Nothing here fails on timing; benchmarks print figures.
 */
#ifndef CSCTP_BENCH_UTIL_H
#define CSCTP_BENCH_UTIL_H

#include <csctp/sctp.h>
#include <dirent.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "prng.h"

#define BENCH_MTU 1200
#define BENCH_PORT 5000

static inline double bench_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline csctp_tstamp bench_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (csctp_tstamp)ts.tv_sec * 1000000u + (csctp_tstamp)ts.tv_nsec / 1000u;
}

static inline void bench_sleep_us(uint64_t us) {
  struct timespec ts = {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000};
  nanosleep(&ts, NULL);
}

/* Resident set size in bytes (from /proc/self/statm). */
static inline size_t bench_rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long size = 0, resident = 0;
  if (f) {
    if (fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
    fclose(f);
  }
  return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* Open file descriptors of the process (entries of /proc/self/fd), or -1. */
static inline int bench_count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) n += e->d_name[0] != '.';
  closedir(d);
  return n - 1; /* the directory's own */
}

/* Heap bytes handed out by malloc and not yet freed, every arena and mmapped block. */
static inline size_t bench_heap_in_use(void) {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

/* ---------- csctp as the benchmarks configure it ---------- */

typedef struct bench_csctp_ep {
  csctp_assoc *a;
  csctp_prng rng;
} bench_csctp_ep;

/* Defaults of the engine (1 MiB rwnd and send buffer, 256 KiB messages), MTU 1200. */
static inline void bench_csctp_config(csctp_config *c, bench_csctp_ep *e, uint64_t seed) {
  csctp_config_default(c);
  c->local_port = BENCH_PORT;
  c->remote_port = BENCH_PORT;
  c->mtu = BENCH_MTU;
  csctp_prng_seed(&e->rng, seed);
  c->rand = csctp_prng_rand_fn;
  c->rand_user_data = &e->rng;
}

/* Moves every packet `from` has due into `to`. Returns the number of packets. */
static inline int bench_csctp_flush(csctp_assoc *from, csctp_assoc *to, csctp_tstamp now) {
  static uint8_t pkt[2048];
  int n = 0;
  csctp_ssize len;
  while ((len = csctp_assoc_write_packet(from, pkt, sizeof pkt, now)) > 0) {
    csctp_assoc_read_packet(to, pkt, (size_t)len, now);
    n++;
  }
  return n;
}

/* Handshake on a virtual clock starting at `now`; both sides' events are dropped. */
static inline int bench_csctp_handshake(csctp_assoc *a, csctp_assoc *b, csctp_tstamp now) {
  if (csctp_assoc_connect(a, now) != 0) return -1;
  for (int i = 0; i < 16; i++) {
    bench_csctp_flush(a, b, now);
    bench_csctp_flush(b, a, now);
    if (csctp_assoc_get_state(a) == CSCTP_STATE_ESTABLISHED &&
        csctp_assoc_get_state(b) == CSCTP_STATE_ESTABLISHED)
      break;
  }
  csctp_event ev;
  while (csctp_assoc_poll_event(a, &ev)) {}
  while (csctp_assoc_poll_event(b, &ev)) {}
  return csctp_assoc_get_state(a) == CSCTP_STATE_ESTABLISHED &&
                 csctp_assoc_get_state(b) == CSCTP_STATE_ESTABLISHED
             ? 0
             : -1;
}

/* ---------- issue 7's reference figures (same kind of machine, same harness) ---------- */

/* usrsctp 0.9.5 built at -O2. */
#define REF_US_MSGS_16 2.0e6           /* messages/s at 16 B */
#define REF_US_INSN_16 6100.0          /* instructions per 16 B message */
#define REF_US_MBS_1K 467.0            /* MB/s at 1 KiB */
#define REF_US_INSN_1K 22700.0         /* instructions per 1 KiB message */
#define REF_US_MBS_64K 356.0           /* MB/s at 64 KiB */
#define REF_US_IPB_64K 18.7            /* instructions per byte at 64 KiB */
#define REF_US_MEM_1024 (111.0 * 1024) /* bytes per idle association, 1,024 streams */
#define REF_US_MEM_65535 (6.5 * 1024 * 1024)
/* Google's dcsctp (hardware CRC32c). */
#define REF_DC_INSN_16 6300.0
#define REF_DC_INSN_1K 13500.0
#define REF_DC_IPB_64K 9.5
#define REF_DC_MEM_65535 (5.5 * 1024)

#endif
