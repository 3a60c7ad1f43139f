/* SPDX-License-Identifier: MIT */
/*
 * Verifiable messages for the interop tests: everything about message `id` of
 * direction `dir` (length, stream, ordered or not, PPID, content) follows from
 * the pair, and the id travels in the PPID, so the receiver can check a
 * 1-byte message as well as a 256 KiB one.
 */
#ifndef CSCTP_TEST_INTEROP_TRAFFIC_H
#define CSCTP_TEST_INTEROP_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>

#define INTEROP_NSTREAMS 8
/** The largest message of the mix: 256 KiB. */
#define INTEROP_MAX_MSG 262144

/** The sizes used, in id order (1 B to 256 KiB with the MTU-1200 fragment edges). */
extern const uint32_t interop_sizes[];
extern const size_t interop_nsizes;
#define INTEROP_NSIZES interop_nsizes

typedef struct interop_msg {
  uint32_t len, ppid;
  uint16_t sid;
  int unordered;
} interop_msg;

/** Derives message `id` (below 65536) of direction `dir` (0 or 1). */
void interop_msg_describe(int dir, uint32_t id, interop_msg *d);
/** Writes its `len` content bytes into `buf`. */
void interop_msg_fill(uint8_t *buf, size_t len, int dir, uint32_t id);

/** The receiving half: every id once, intact, ids rising per stream when ordered. */
typedef struct interop_rx {
  int dir;
  uint32_t expected, received, bad;
  uint8_t *seen;
  int64_t last_ordered[INTEROP_NSTREAMS];
  uint8_t *scratch;
  char failure[256]; /* the first problem, "" if none */
} interop_rx;

void interop_rx_init(interop_rx *rc, int dir, uint32_t expected);
/** Frees the buffers; a zeroed or already freed struct is fine. */
void interop_rx_free(interop_rx *rc);
/** Checks one received message; problems are counted and the first described. */
void interop_rx_check(interop_rx *rc, uint16_t sid, uint32_t ppid, int unordered,
                      const uint8_t *data, size_t len);

#endif
