/* SPDX-License-Identifier: MIT */
/* Payload copies of the engine: into the send buffer, into packets, into reassembly. */
#ifndef CSCTP_COPY_H
#define CSCTP_COPY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* From this size up (a packet's payload, a message), csctp_copy() takes its own vector loop. */
#define CSCTP_COPY_LARGE 256

/*
 * Copies n bytes from src to dst (the ranges do not overlap) with 32-byte vector loads and
 * stores, 256 bytes a step (AVX2, chosen at run time without mutable global state); memcpy
 * where the CPU or the target lacks them.
 */
void csctp_copy_large(void *dst, const void *src, size_t n);

/* 1 when csctp_copy_large() has its vector loop on this CPU (tests check both paths). */
int csctp_copy_vec_available(void);

/*
 * memcpy, except at both ends. Up to 32 bytes (a small message's payload, copied three times
 * per message) it is a few overlapping 8-byte moves inline, with no call. From
 * CSCTP_COPY_LARGE up it is csctp_copy_large's loop: fewer instructions than glibc's memcpy at
 * a packet's size, and no `rep movsb`, which glibc turns to above a few KiB, which is no faster
 * on current cores, and which instruction-count profiles (callgrind) count once per byte.
 */
static inline void csctp_copy(void *dst, const void *src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  uint64_t a, b, c, e;
  if (n <= 32) {
    if (n >= 16) { /* 16..32: the first and the last 16 bytes */
      memcpy(&a, s, 8);
      memcpy(&b, s + 8, 8);
      memcpy(&c, s + n - 16, 8);
      memcpy(&e, s + n - 8, 8);
      memcpy(d, &a, 8);
      memcpy(d + 8, &b, 8);
      memcpy(d + n - 16, &c, 8);
      memcpy(d + n - 8, &e, 8);
    } else if (n >= 8) { /* 8..15 */
      memcpy(&a, s, 8);
      memcpy(&b, s + n - 8, 8);
      memcpy(d, &a, 8);
      memcpy(d + n - 8, &b, 8);
    } else {
      for (size_t i = 0; i < n; i++) d[i] = s[i];
    }
    return;
  }
  if (n < CSCTP_COPY_LARGE) {
    memcpy(d, s, n);
    return;
  }
  csctp_copy_large(d, s, n);
}

#endif
