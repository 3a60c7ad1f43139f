/* SPDX-License-Identifier: MIT */
/*
 * Head-of-line blocking on the simulated link (issue 16, RFC 8260): the
 * latency of 100-byte messages sent every 10 ms on one stream next to 1 MiB
 * messages sent back to back on another, at 32 Mbit/s with a 25 ms one-way
 * delay, for DATA and I-DATA at 0, 1 and 5 % loss; then the WFQ byte shares
 * of four saturated streams at priorities 128/256/512/1024. Virtual time: the
 * figures do not depend on the machine. A row whose I-DATA path is not in
 * this build (interleaving not negotiated, or DATA on the wire) says so.
 *   bench_idata_latency [seconds] [seed]   (default 10 s of traffic, seed 1)
 */
#include <stdio.h>
#include <stdlib.h>

#include "hol_scenario.h"

static const char *mode_name(int interleaving, const csctp_hol_path *path) {
  if (!interleaving) return "DATA";
  return csctp_hol_idata_active(path) ? "I-DATA" : "I-DATA*";
}

int main(int argc, char **argv) {
  double secs = argc > 1 ? atof(argv[1]) : 10.0;
  uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
  static const double loss[] = {0.0, 0.01, 0.05};
  csctp_hol_params p;
  csctp_hol_params_default(&p);
  p.seed = seed;
  p.duration = (csctp_tstamp)(secs * 1e6);
  printf(
      "idata_latency: 100 B every 10 ms next to 1 MiB back to back, %.0f Mbit/s, one-way "
      "%.0f ms, rwnd %u B, %.0f s after %.0f s warmup, seed %llu\n",
      (double)p.bandwidth * 8 / 1e6, (double)p.delay / 1000, p.rwnd, secs, (double)p.warmup / 1e6,
      (unsigned long long)seed);
  printf("%-8s %5s %8s %8s %8s %8s %8s %6s %6s %6s %s\n", "mode", "loss", "p50 ms", "p99 ms",
         "max ms", "mean ms", "min ms", "small", "1MiB", "rtx", "wire");
  int any_inactive = 0;
  for (int il = 0; il < 2; il++) {
    for (size_t i = 0; i < sizeof loss / sizeof loss[0]; i++) {
      p.interleaving = il;
      p.loss = loss[i];
      csctp_hol_latency r;
      csctp_hol_latency_run(&p, &r);
      if (il && !csctp_hol_idata_active(&r.path)) any_inactive = 1;
      printf("%-8s %4.0f%% %8.1f %8.1f %8.1f %8.1f %8.1f %6u %6u %6llu DATA %llu I-DATA %llu%s%s\n",
             mode_name(il, &r.path), loss[i] * 100, r.p50, r.p99, r.max, r.mean, r.min,
             r.small_delivered, r.big_delivered, (unsigned long long)r.retransmissions,
             (unsigned long long)r.path.data_chunks, (unsigned long long)r.path.idata_chunks,
             r.ok ? "" : " FAILED: ", r.ok ? "" : r.failure);
    }
  }
  {
    /* the control: bulk messages of one chunk, nothing to wait behind (the I-DATA target) */
    csctp_hol_params c = p;
    c.interleaving = 0;
    c.loss = 0;
    c.big_len = 1000;
    csctp_hol_latency r;
    csctp_hol_latency_run(&c, &r);
    printf(
        "%-8s %4.0f%% %8.1f %8.1f %8.1f %8.1f %8.1f %6u %6s %6llu (bulk messages of 1000 B: "
        "no head-of-line blocking)%s%s\n",
        "control", 0.0, r.p50, r.p99, r.max, r.mean, r.min, r.small_delivered, "-",
        (unsigned long long)r.retransmissions, r.ok ? "" : " FAILED: ", r.ok ? "" : r.failure);
  }
  printf(
      "\nidata_wfq: 4 streams saturated with 64 KiB messages, 1 s after 1 s warmup, "
      "payload bytes on the wire\n");
  printf("%-8s %9s %9s %9s %9s\n", "mode", "prio 128", "prio 256", "prio 512", "prio 1024");
  for (int il = 0; il < 2; il++) {
    csctp_hol_params q;
    csctp_hol_params_default(&q);
    q.seed = seed;
    q.interleaving = il;
    q.duration = 1 * CSCTP_SECONDS;
    csctp_hol_wfq w;
    csctp_hol_wfq_run(&q, &w);
    if (il && !csctp_hol_idata_active(&w.path)) any_inactive = 1;
    if (il == 0) {
      printf("%-8s", "weight");
      for (int i = 0; i < 4; i++) printf(" %9.4f", (double)(1u << i) / 15.0);
      printf("\n");
    }
    printf("%-8s", mode_name(il, &w.path));
    for (int i = 0; i < 4; i++) printf(" %9.4f", w.share[i]);
    printf("  (%llu bytes)%s%s\n", (unsigned long long)w.total,
           w.ok ? "" : " FAILED: ", w.ok ? "" : w.failure);
  }
  if (any_inactive)
    printf(
        "\nI-DATA*: I-DATA path not in this build (interleaving negotiated, but DATA on the "
        "wire): the row measures DATA\n");
  return 0;
}
