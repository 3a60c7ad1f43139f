/* SPDX-License-Identifier: MIT */
/*
 * CRC32c throughput: the hardware path (three lanes joined) against the
 * slice-by-8 software path, on a 1200-byte packet and a 64 KiB buffer.
 * Prints figures only; nothing here fails on timing.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "crc32c.h"

typedef uint32_t (*crc_fn)(uint32_t, const uint8_t *, size_t);

static double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs fn over buf until about 0.3 s have passed; returns GB/s. */
static double bench_run(crc_fn fn, const uint8_t *buf, size_t len, uint32_t *sink) {
  size_t iters = 1;
  for (;;) {
    double t0 = bench_now();
    uint32_t c = 0;
    for (size_t i = 0; i < iters; i++) c = fn(c, buf, len);
    double dt = bench_now() - t0;
    *sink ^= c;
    if (dt > 0.3) return (double)len * (double)iters / dt / 1e9;
    iters *= 2;
  }
}

int main(void) {
  static const size_t sizes[] = {1200, 65536};
  uint8_t *buf = malloc(65536 + 8);
  if (!buf) return 1;
  for (size_t i = 0; i < 65536 + 8; i++) buf[i] = (uint8_t)(i * 2654435761u >> 24);
  uint32_t sink = 0;
  printf("crc32c: hardware path %s\n",
         csctp_crc32c_hw_available() ? "available" : "NOT available (hw = sw)");
  for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    size_t n = sizes[k];
    double hw = bench_run(csctp_crc32c_hw, buf, n, &sink);
    double sw = bench_run(csctp_crc32c_sw, buf, n, &sink);
    printf("%6zu bytes: hw %6.2f GB/s   sw %5.2f GB/s   ratio %.1fx\n", n, hw, sw, hw / sw);
  }
  printf("(checksum sink %08x)\n", (unsigned)sink);
  free(buf);
  return 0;
}
