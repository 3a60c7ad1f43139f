/* SPDX-License-Identifier: MIT */
/*
 * Throughput of the send side alone: enqueue messages, write them into
 * packets, acknowledge every flight with one SACK, until all are acked.
 * Prints messages/s for 16-byte and 1 KiB messages. No assertions: a figure,
 * not a test. Build (bench/ is not in the CMake build yet):
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Iinclude -Isrc bench/bench_tx.c src/tx*.c src/rto.c \
 *      src/chunk_sack.c src/common.c -o bench_tx
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tx.h"

static double wall_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void put32(uint8_t *b, uint32_t v) {
  b[0] = (uint8_t)(v >> 24);
  b[1] = (uint8_t)(v >> 16);
  b[2] = (uint8_t)(v >> 8);
  b[3] = (uint8_t)v;
}

/* A SACK without gaps acknowledging everything sent, as the peer would send it. */
static void sack_all(csctp_tx *tx, csctp_tstamp now) {
  uint8_t v[12] = {0};
  put32(v, tx->next_tsn - 1);
  put32(v + 4, 1u << 20);
  csctp_chunk ch = {CSCTP_CHUNK_SACK, 0, 16, v, sizeof(v)};
  csctp_sack_chunk s;
  csctp_tx_sack_result r;
  if (csctp_sack_decode(&ch, &s) == 0) csctp_tx_on_sack(tx, &s, now, &r);
}

static void run(size_t msg_size, size_t count) {
  csctp_tx_config cfg = {.mtu = 1200,
                         .sndbuf = 1u << 20,
                         .max_message_size = 1u << 18,
                         .max_burst = 0,
                         .rto_initial = 3000,
                         .rto_min = 1000,
                         .rto_max = 60000};
  csctp_tx tx;
  if (csctp_tx_init(&tx, csctp_mem_default(), &cfg)) return;
  csctp_tx_start(&tx, 1, 1u << 20, 16);
  uint8_t *msg = calloc(1, msg_size);
  static uint8_t pkt[1200];
  size_t queued = 0, packets = 0;
  csctp_tstamp now = 0;
  double t0 = wall_seconds();
  while (queued < count || !csctp_tx_idle(&tx)) {
    while (queued < count &&
           csctp_tx_enqueue(&tx, (uint16_t)(queued & 7), 53, 0, msg, msg_size) == 0)
      queued++;
    for (;;) {
      csctp_wr w;
      csctp_wr_init(&w, pkt, sizeof(pkt));
      w.len = 12;
      if (!csctp_tx_write_data(&tx, &w, now)) break;
      packets++;
    }
    now += 1000;
    sack_all(&tx, now);
    csctp_tx_new_burst(&tx);
  }
  double dt = wall_seconds() - t0;
  printf("tx %5zu B: %9.0f messages/s, %7.1f MB/s payload, %zu packets\n", msg_size,
         (double)count / dt, (double)count * (double)msg_size / dt / 1e6, packets);
  csctp_tx_free(&tx);
  free(msg);
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000000;
  run(16, n);
  run(1024, n / 4);
  return 0;
}
