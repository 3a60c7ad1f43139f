/* SPDX-License-Identifier: MIT */
/* The tests' capture reader (pcapng_read.h). */
#include "pcapng_read.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static int fail(pcapng_file *f, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(f->err, sizeof f->err, fmt, ap);
  va_end(ap);
  return -1;
}

/* A block at `off`: its type and total length, checked. */
static int block(pcapng_file *f, size_t off, uint32_t *type, uint32_t *blen) {
  if (f->size - off < 12) return fail(f, "block at %zu: truncated header", off);
  *type = le32(f->data + off);
  *blen = le32(f->data + off + 4);
  if (*blen < 12 || *blen % 4) return fail(f, "block at %zu: length %u", off, *blen);
  if (*blen > f->size - off) return fail(f, "block at %zu: length %u past the end", off, *blen);
  if (le32(f->data + off + *blen - 4) != *blen)
    return fail(f, "block at %zu: trailing length %u != %u", off, le32(f->data + off + *blen - 4),
                *blen);
  return 0;
}

static int epb(pcapng_file *f, size_t off, uint32_t blen, pcapng_pkt *p) {
  const uint8_t *b = f->data + off;
  if (blen < 32 + 20) return fail(f, "EPB at %zu: length %u", off, blen);
  if (le32(b + 8) != 0) return fail(f, "EPB at %zu: interface %u", off, le32(b + 8));
  uint32_t caplen = le32(b + 20);
  p->orig_len = le32(b + 24);
  p->ts = (uint64_t)le32(b + 12) << 32 | le32(b + 16);
  if (caplen < 20 || 28 + ((caplen + 3) & ~3u) + 4 != blen)
    return fail(f, "EPB at %zu: captured length %u in a block of %u", off, caplen, blen);
  if (caplen > p->orig_len) return fail(f, "EPB at %zu: captured > original", off);
  if (caplen > 65535) return fail(f, "EPB at %zu: captured %u > snaplen", off, caplen);
  const uint8_t *ip = b + 28;
  if (ip[0] != 0x45) return fail(f, "EPB at %zu: IP version/IHL %#x", off, ip[0]);
  if (be16(ip + 2) != caplen)
    return fail(f, "EPB at %zu: IP total length %u != %u", off, be16(ip + 2), caplen);
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += be16(ip + i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  if (sum != 0xffff) return fail(f, "EPB at %zu: IP checksum wrong", off);
  if (ip[9] != 132) return fail(f, "EPB at %zu: IP protocol %u", off, ip[9]);
  static const uint8_t a1[4] = {10, 0, 0, 1}, a2[4] = {10, 0, 0, 2};
  if (!memcmp(ip + 12, a1, 4) && !memcmp(ip + 16, a2, 4))
    p->inbound = 0;
  else if (!memcmp(ip + 12, a2, 4) && !memcmp(ip + 16, a1, 4))
    p->inbound = 1;
  else
    return fail(f, "EPB at %zu: addresses", off);
  for (uint32_t i = caplen; i < ((caplen + 3) & ~3u); i++)
    if (b[28 + i]) return fail(f, "EPB at %zu: padding not zero", off);
  p->sctp = ip + 20;
  p->len = caplen - 20;
  return 0;
}

int pcapng_read_buf(pcapng_file *f, const uint8_t *buf, size_t len) {
  memset(f, 0, sizeof *f);
  f->data = malloc(len ? len : 1);
  f->pkts = malloc(sizeof(pcapng_pkt) * (len / 52 + 1));
  if (!f->data || !f->pkts) return fail(f, "out of memory");
  memcpy(f->data, buf, len);
  f->size = len;
  uint32_t type, blen;
  if (block(f, 0, &type, &blen)) return -1;
  if (type != 0x0A0D0D0Au || blen < 28) return fail(f, "first block is not an SHB");
  if (le32(f->data + 8) != 0x1A2B3C4Du) return fail(f, "byte-order magic");
  if (le16(f->data + 12) != 1 || le16(f->data + 14) != 0) return fail(f, "SHB version");
  size_t off = blen;
  if (block(f, off, &type, &blen)) return -1;
  if (type != 1 || blen < 20) return fail(f, "second block is not an IDB");
  if (le16(f->data + off + 8) != 228) return fail(f, "link type %u", le16(f->data + off + 8));
  if (le32(f->data + off + 12) != 65535) return fail(f, "snaplen");
  off += blen;
  while (off < f->size) {
    if (block(f, off, &type, &blen)) return -1;
    if (type != 6) return fail(f, "block at %zu: type %u", off, type);
    if (epb(f, off, blen, &f->pkts[f->n])) return -1;
    f->n++;
    off += blen;
  }
  return 0;
}

int pcapng_read_path(pcapng_file *f, const char *path) {
  memset(f, 0, sizeof *f);
  FILE *fp = fopen(path, "rb");
  if (!fp) return fail(f, "cannot open %s", path);
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      cap = cap ? cap * 2 : 65536;
      uint8_t *nb = realloc(buf, cap);
      if (!nb) break;
      buf = nb;
    }
    size_t r = fread(buf + len, 1, cap - len, fp);
    if (!r) break;
    len += r;
  }
  fclose(fp);
  int rv = pcapng_read_buf(f, buf, len);
  free(buf);
  return rv;
}

void pcapng_file_free(pcapng_file *f) {
  free(f->data);
  free(f->pkts);
  f->data = NULL;
  f->pkts = NULL;
}

/* Counts the chunks of `type`; type -1: user data, DATA (0) or I-DATA (64), with `ppid` (any
 * when UINT32_MAX; an I-DATA chunk carries its PPID only in a first fragment, RFC 8260 §2.1). */
static int count(const pcapng_pkt *p, int type, uint32_t ppid) {
  int n = 0;
  size_t off = 12;
  while (p->len >= off + 4) {
    uint16_t clen = be16(p->sctp + off + 2);
    if (clen < 4 || clen > p->len - off) break;
    uint8_t t = p->sctp[off], flags = p->sctp[off + 1];
    if (type >= 0 ? t == type : (t == 0 || t == 64)) {
      if (type >= 0 || ppid == UINT32_MAX) {
        n++;
      } else {
        size_t at = t == 0 ? 12 : 16; /* DATA's PPID field, I-DATA's PPID/FSN field */
        const uint8_t *q = p->sctp + off + at;
        uint32_t v = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
        if (clen >= at + 4 && (t == 0 || (flags & 0x02)) && v == ppid) n++;
      }
    }
    off += ((size_t)clen + 3) & ~(size_t)3;
  }
  return n;
}

int pcapng_chunks(const pcapng_pkt *p, uint8_t type) { return count(p, type, UINT32_MAX); }

int pcapng_data_chunks(const pcapng_pkt *p, uint32_t ppid) { return count(p, -1, ppid); }
