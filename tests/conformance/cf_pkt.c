/* SPDX-License-Identifier: MIT */
/* The harness's packet builder and decoder (see cf_pkt.h). */
#include "cf_pkt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crc32c.h"

void cf_buf_init(cf_buf *w) {
  w->len = 0;
  w->overflow = 0;
}

static int room(cf_buf *w, size_t n) {
  if (w->overflow || n > sizeof(w->b) - w->len) {
    w->overflow = 1;
    return 0;
  }
  return 1;
}

void cf_put_u8(cf_buf *w, uint8_t v) {
  if (room(w, 1)) w->b[w->len++] = v;
}

void cf_put_u16(cf_buf *w, uint16_t v) {
  if (!room(w, 2)) return;
  cf_put16(w->b + w->len, v);
  w->len += 2;
}

void cf_put_u32(cf_buf *w, uint32_t v) {
  if (!room(w, 4)) return;
  cf_put32(w->b + w->len, v);
  w->len += 4;
}

void cf_put_bytes(cf_buf *w, const uint8_t *p, size_t n) {
  if (!n || !room(w, n)) return;
  memcpy(w->b + w->len, p, n);
  w->len += n;
}

void cf_put_fill(cf_buf *w, uint8_t v, size_t n) {
  if (!n || !room(w, n)) return;
  memset(w->b + w->len, v, n);
  w->len += n;
}

void cf_pad4(cf_buf *w) { cf_put_fill(w, 0, (4 - (w->len & 3)) & 3); }

void cf_put_header(cf_buf *w, uint16_t sport, uint16_t dport, uint32_t vtag) {
  cf_put_u16(w, sport);
  cf_put_u16(w, dport);
  cf_put_u32(w, vtag);
  cf_put_u32(w, 0);
}

size_t cf_begin_chunk(cf_buf *w, uint8_t type, uint8_t flags) {
  size_t off = w->len;
  cf_put_u8(w, type);
  cf_put_u8(w, flags);
  cf_put_u16(w, 0);
  return off;
}

size_t cf_begin_param(cf_buf *w, uint16_t type) {
  size_t off = w->len;
  cf_put_u16(w, type);
  cf_put_u16(w, 0);
  return off;
}

void cf_end_tlv(cf_buf *w, size_t off, long len_override) {
  if (w->overflow) return;
  size_t n = w->len - off;
  cf_put16(w->b + off + 2, (uint16_t)(len_override >= 0 ? (size_t)len_override : n));
  cf_pad4(w);
}

void cf_set_crc(uint8_t *pkt, size_t len) {
  if (len < 12) return;
  uint32_t crc = csctp_crc32c_sctp(pkt, len);
  pkt[8] = (uint8_t)crc;
  pkt[9] = (uint8_t)(crc >> 8);
  pkt[10] = (uint8_t)(crc >> 16);
  pkt[11] = (uint8_t)(crc >> 24);
}

int cf_crc_ok(const uint8_t *pkt, size_t len) {
  if (len < 12) return 0;
  uint32_t got = (uint32_t)pkt[8] | ((uint32_t)pkt[9] << 8) | ((uint32_t)pkt[10] << 16) |
                 ((uint32_t)pkt[11] << 24);
  return csctp_crc32c_sctp(pkt, len) == got;
}

/* Parses a TLV list (parameters or causes) of `n` bytes; returns 0 or -1. */
static int parse_tlvs(cf_chunk *c, const uint8_t *p, size_t n) {
  size_t pos = 0;
  while (pos < n) {
    if (n - pos < 4) return -1;
    uint16_t t = cf_get16(p + pos), l = cf_get16(p + pos + 2);
    if (l < 4 || l > n - pos) return -1;
    if (c->ntlv < CF_MAX_PARAMS) {
      c->tlv[c->ntlv].type = t;
      c->tlv[c->ntlv].len = l;
      c->tlv[c->ntlv].value = p + pos + 4;
      c->ntlv++;
    }
    size_t padded = ((size_t)l + 3) & ~(size_t)3;
    pos += padded > n - pos ? n - pos : padded;
  }
  return 0;
}

int cf_decode(const uint8_t *p, size_t len, cf_pkt *out) {
  memset(out, 0, sizeof(*out));
  if (len < 12) {
    out->error = "shorter than the common header";
    return -1;
  }
  out->sport = cf_get16(p);
  out->dport = cf_get16(p + 2);
  out->vtag = cf_get32(p + 4);
  out->crc_ok = cf_crc_ok(p, len);
  size_t pos = 12;
  while (pos < len) {
    if (len - pos < 4) {
      out->error = "trailing bytes after the last chunk";
      return -1;
    }
    uint16_t l = cf_get16(p + pos + 2);
    if (l < 4 || l > len - pos) {
      out->error = "chunk length out of bounds";
      return -1;
    }
    if (out->nch == CF_MAX_CHUNKS) {
      out->error = "too many chunks";
      return -1;
    }
    cf_chunk *c = &out->ch[out->nch++];
    c->type = p[pos];
    c->flags = p[pos + 1];
    c->len = l;
    c->value = p + pos + 4;
    c->vlen = (size_t)l - 4;
    if ((c->type == CF_INIT || c->type == CF_INIT_ACK) && c->vlen >= 16)
      c->tlv_bad = parse_tlvs(c, c->value + 16, c->vlen - 16) < 0;
    else if (c->type == CF_ABORT || c->type == CF_ERROR)
      c->tlv_bad = parse_tlvs(c, c->value, c->vlen) < 0;
    size_t padded = ((size_t)l + 3) & ~(size_t)3;
    pos += padded > len - pos ? len - pos : padded;
  }
  return 0;
}

const char *cf_chunk_name(uint8_t type) {
  switch (type) {
  case CF_DATA: return "DATA";
  case CF_INIT: return "INIT";
  case CF_INIT_ACK: return "INIT_ACK";
  case CF_SACK: return "SACK";
  case CF_HEARTBEAT: return "HEARTBEAT";
  case CF_HEARTBEAT_ACK: return "HEARTBEAT_ACK";
  case CF_ABORT: return "ABORT";
  case CF_SHUTDOWN: return "SHUTDOWN";
  case CF_SHUTDOWN_ACK: return "SHUTDOWN_ACK";
  case CF_ERROR: return "ERROR";
  case CF_COOKIE_ECHO: return "COOKIE_ECHO";
  case CF_COOKIE_ACK: return "COOKIE_ACK";
  case CF_SHUTDOWN_COMPLETE: return "SHUTDOWN_COMPLETE";
  case CF_FORWARD_TSN: return "FORWARD_TSN";
  case CF_RECONFIG: return "RECONFIG";
  default: return "CHUNK";
  }
}

/* Appends formatted text, never past cap. */
static void app(char *out, size_t cap, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void app(char *out, size_t cap, size_t *n, const char *fmt, ...) {
  if (*n >= cap) return;
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(out + *n, cap - *n, fmt, ap);
  va_end(ap);
  if (k > 0) *n += (size_t)k < cap - *n ? (size_t)k : cap - *n - 1;
}

static void describe_chunk(const cf_chunk *c, char *out, size_t cap, size_t *n) {
  const uint8_t *v = c->value;
  app(out, cap, n, " [%s", cf_chunk_name(c->type));
  if (!strcmp(cf_chunk_name(c->type), "CHUNK")) app(out, cap, n, " type=%u", c->type);
  if (c->flags) app(out, cap, n, " flags=0x%x", c->flags);
  switch (c->type) {
  case CF_DATA:
    if (c->vlen >= 12)
      app(out, cap, n, " tsn=%u sid=%u ssn=%u ppid=%u size=%zu", cf_get32(v), cf_get16(v + 4),
          cf_get16(v + 6), cf_get32(v + 8), c->vlen - 12);
    break;
  case CF_INIT:
  case CF_INIT_ACK:
    if (c->vlen >= 16)
      app(out, cap, n, " tag=0x%x arwnd=%u os=%u mis=%u tsn=%u", cf_get32(v), cf_get32(v + 4),
          cf_get16(v + 8), cf_get16(v + 10), cf_get32(v + 12));
    for (int i = 0; i < c->ntlv; i++) app(out, cap, n, " p%#x/%u", c->tlv[i].type, c->tlv[i].len);
    break;
  case CF_SACK:
    if (c->vlen >= 12) {
      app(out, cap, n, " cum=%u arwnd=%u gaps=%u dups=%u", cf_get32(v), cf_get32(v + 4),
          cf_get16(v + 8), cf_get16(v + 10));
      size_t ng = cf_get16(v + 8);
      for (size_t i = 0; i < ng && 12 + 4 * i + 4 <= c->vlen && i < 8; i++)
        app(out, cap, n, " %u-%u", cf_get16(v + 12 + 4 * i), cf_get16(v + 14 + 4 * i));
    }
    break;
  case CF_SHUTDOWN:
    if (c->vlen >= 4) app(out, cap, n, " cum=%u", cf_get32(v));
    break;
  case CF_FORWARD_TSN:
    if (c->vlen >= 4) app(out, cap, n, " newcum=%u", cf_get32(v));
    break;
  case CF_ABORT:
  case CF_ERROR:
    for (int i = 0; i < c->ntlv; i++) app(out, cap, n, " cause=%u", c->tlv[i].type);
    break;
  default: break;
  }
  app(out, cap, n, " len=%u]", c->len);
}

void cf_describe(const cf_pkt *p, char *out, size_t cap) {
  size_t n = 0;
  if (!cap) return;
  out[0] = 0;
  app(out, cap, &n, "%u->%u vtag=0x%x%s", p->sport, p->dport, p->vtag, p->crc_ok ? "" : " BAD-CRC");
  for (int i = 0; i < p->nch; i++) describe_chunk(&p->ch[i], out, cap, &n);
  if (p->error) app(out, cap, &n, " (malformed: %s)", p->error);
}
