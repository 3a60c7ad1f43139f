/* SPDX-License-Identifier: MIT */
/* The one bounds-checked reader through which every wire byte is read. */
#ifndef CSCTP_RD_H
#define CSCTP_RD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * A reader over [p, p + len). Reads past the end return 0 and set `bad`;
 * callers check `bad` (or use the *_ok helpers) once after a group of reads.
 */
typedef struct csctp_rd {
  const uint8_t *p;
  size_t len;
  size_t pos;
  int bad;
} csctp_rd;

static inline void csctp_rd_init(csctp_rd *r, const uint8_t *p, size_t len) {
  r->p = p;
  r->len = len;
  r->pos = 0;
  r->bad = 0;
}

static inline size_t csctp_rd_left(const csctp_rd *r) { return r->len - r->pos; }

static inline int csctp_rd_has(csctp_rd *r, size_t n) {
  if (r->bad || csctp_rd_left(r) < n) {
    r->bad = 1;
    return 0;
  }
  return 1;
}

static inline uint8_t csctp_rd_u8(csctp_rd *r) {
  if (!csctp_rd_has(r, 1)) return 0;
  return r->p[r->pos++];
}

static inline uint16_t csctp_rd_u16(csctp_rd *r) {
  if (!csctp_rd_has(r, 2)) return 0;
  const uint8_t *b = r->p + r->pos;
  r->pos += 2;
  return (uint16_t)((b[0] << 8) | b[1]);
}

static inline uint32_t csctp_rd_u32(csctp_rd *r) {
  if (!csctp_rd_has(r, 4)) return 0;
  const uint8_t *b = r->p + r->pos;
  r->pos += 4;
  return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static inline uint64_t csctp_rd_u64(csctp_rd *r) {
  uint64_t hi = csctp_rd_u32(r);
  return hi << 32 | csctp_rd_u32(r);
}

/* Returns a pointer to the next n bytes and skips them, or NULL (and bad). */
static inline const uint8_t *csctp_rd_bytes(csctp_rd *r, size_t n) {
  if (!csctp_rd_has(r, n)) return NULL;
  const uint8_t *b = r->p + r->pos;
  r->pos += n;
  return b;
}

static inline int csctp_rd_skip(csctp_rd *r, size_t n) { return csctp_rd_bytes(r, n) != NULL; }

/* Read helpers for fixed positions in an already length-checked buffer. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline uint16_t csctp_get_u16(const uint8_t *b) {
  uint16_t v;
  memcpy(&v, b, 2);
  return __builtin_bswap16(v);
}
static inline uint32_t csctp_get_u32(const uint8_t *b) {
  uint32_t v;
  memcpy(&v, b, 4);
  return __builtin_bswap32(v);
}
#else
static inline uint16_t csctp_get_u16(const uint8_t *b) { return (uint16_t)((b[0] << 8) | b[1]); }
static inline uint32_t csctp_get_u32(const uint8_t *b) {
  return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}
#endif

static inline uint64_t csctp_get_u64(const uint8_t *b) {
  return (uint64_t)csctp_get_u32(b) << 32 | csctp_get_u32(b + 4);
}

#endif
