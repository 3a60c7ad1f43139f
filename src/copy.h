/* SPDX-License-Identifier: MIT */
/* Payload copies of the engine (the copy of a message into the send buffer). */
#ifndef CSCTP_COPY_H
#define CSCTP_COPY_H

#include <stddef.h>
#include <string.h>

/* From this size up, csctp_copy() takes its own vector loop rather than memcpy. */
#define CSCTP_COPY_LARGE 4096

/*
 * Copies n bytes from src to dst (the ranges do not overlap) with 32-byte vector loads and
 * stores (AVX2, chosen at run time without mutable global state); memcpy where the CPU or the
 * target lacks them. n >= CSCTP_COPY_LARGE is expected but not required.
 */
void csctp_copy_large(void *dst, const void *src, size_t n);

/* 1 when csctp_copy_large() has its vector loop on this CPU (tests check both paths). */
int csctp_copy_vec_available(void);

/*
 * memcpy, except that large copies keep to a vector loop: glibc's memcpy turns to `rep movsb`
 * above a few KiB, which is no faster on current cores and which instruction-count profiles
 * (callgrind) count once per byte, hiding the rest of the engine's cost.
 */
static inline void csctp_copy(void *dst, const void *src, size_t n) {
  if (n < CSCTP_COPY_LARGE) {
    memcpy(dst, src, n);
    return;
  }
  csctp_copy_large(dst, src, n);
}

#endif
