/* SPDX-License-Identifier: MIT */
/* A bounds-checked writer into a caller's buffer. */
#ifndef CSCTP_WR_H
#define CSCTP_WR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Writes into [buf, buf + cap). A write that does not fit writes nothing and
 * sets `overflow`; check it once after a group of writes, or check
 * csctp_wr_left() before writing.
 */
typedef struct csctp_wr {
  uint8_t *buf;
  size_t cap;
  size_t len;
  int overflow;
} csctp_wr;

static inline void csctp_wr_init(csctp_wr *w, uint8_t *buf, size_t cap) {
  w->buf = buf;
  w->cap = cap;
  w->len = 0;
  w->overflow = 0;
}

static inline size_t csctp_wr_left(const csctp_wr *w) { return w->cap - w->len; }

static inline int csctp_wr_room(csctp_wr *w, size_t n) {
  if (w->overflow || csctp_wr_left(w) < n) {
    w->overflow = 1;
    return 0;
  }
  return 1;
}

/* Network byte order stores: one swap and one store where the compiler knows the byte order. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline void csctp_put_u16(uint8_t *b, uint16_t v) {
  v = __builtin_bswap16(v);
  memcpy(b, &v, 2);
}

static inline void csctp_put_u32(uint8_t *b, uint32_t v) {
  v = __builtin_bswap32(v);
  memcpy(b, &v, 4);
}
#else
static inline void csctp_put_u16(uint8_t *b, uint16_t v) {
  b[0] = (uint8_t)(v >> 8);
  b[1] = (uint8_t)v;
}

static inline void csctp_put_u32(uint8_t *b, uint32_t v) {
  b[0] = (uint8_t)(v >> 24);
  b[1] = (uint8_t)(v >> 16);
  b[2] = (uint8_t)(v >> 8);
  b[3] = (uint8_t)v;
}
#endif

static inline void csctp_put_u64(uint8_t *b, uint64_t v) {
  csctp_put_u32(b, (uint32_t)(v >> 32));
  csctp_put_u32(b + 4, (uint32_t)v);
}

static inline void csctp_wr_u8(csctp_wr *w, uint8_t v) {
  if (csctp_wr_room(w, 1)) w->buf[w->len++] = v;
}

static inline void csctp_wr_u16(csctp_wr *w, uint16_t v) {
  if (csctp_wr_room(w, 2)) {
    csctp_put_u16(w->buf + w->len, v);
    w->len += 2;
  }
}

static inline void csctp_wr_u32(csctp_wr *w, uint32_t v) {
  if (csctp_wr_room(w, 4)) {
    csctp_put_u32(w->buf + w->len, v);
    w->len += 4;
  }
}

static inline void csctp_wr_u64(csctp_wr *w, uint64_t v) {
  if (csctp_wr_room(w, 8)) {
    csctp_put_u64(w->buf + w->len, v);
    w->len += 8;
  }
}

static inline void csctp_wr_bytes(csctp_wr *w, const void *p, size_t n) {
  if (n && csctp_wr_room(w, n)) {
    memcpy(w->buf + w->len, p, n);
    w->len += n;
  }
}

static inline void csctp_wr_zeros(csctp_wr *w, size_t n) {
  if (n && csctp_wr_room(w, n)) {
    memset(w->buf + w->len, 0, n);
    w->len += n;
  }
}

/* Pads with zeros to a multiple of 4 (chunks and parameters, RFC 9260 §3.2). */
static inline void csctp_wr_pad4(csctp_wr *w) { csctp_wr_zeros(w, (4 - (w->len & 3)) & 3); }

/*
 * Chunk and parameter framing: begin writes a 4-byte header with length 0 and
 * returns its offset; end fills in the unpadded length and pads to 4 bytes.
 * Both return/leave the writer in overflow state on failure.
 */
static inline size_t csctp_wr_tlv_begin(csctp_wr *w, uint16_t type_or_type_flags) {
  size_t off = w->len;
  csctp_wr_u16(w, type_or_type_flags);
  csctp_wr_u16(w, 0);
  return off;
}

static inline void csctp_wr_tlv_end(csctp_wr *w, size_t off) {
  /* A TLV longer than its 16-bit Length field can say is an overflow, never a wrapped length. */
  if (w->overflow || w->len - off > 0xffff) {
    w->overflow = 1;
    return;
  }
  csctp_put_u16(w->buf + off + 2, (uint16_t)(w->len - off));
  csctp_wr_pad4(w);
}

/* Undoes everything written after `mark` (an earlier w->len) and clears overflow. */
static inline void csctp_wr_rollback(csctp_wr *w, size_t mark) {
  w->len = mark;
  w->overflow = 0;
}

/* Chunk header: type, flags, length (filled by csctp_wr_tlv_end). */
static inline size_t csctp_wr_chunk_begin(csctp_wr *w, uint8_t type, uint8_t flags) {
  return csctp_wr_tlv_begin(w, (uint16_t)((type << 8) | flags));
}

#endif
