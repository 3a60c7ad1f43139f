/* SPDX-License-Identifier: MIT */
/* DCEP message codec (RFC 8832 §5). Every read goes through dcep_rd: bounds-checked. */
#include "dcep.h"

#include <string.h>

typedef struct dcep_rd {
  const uint8_t *p;
  size_t len, off;
  int bad; /* sticky: a read ran past the end */
} dcep_rd;

static uint8_t dcep_rd_u8(dcep_rd *r) {
  if (r->bad || r->len - r->off < 1) {
    r->bad = 1;
    return 0;
  }
  return r->p[r->off++];
}

static uint16_t dcep_rd_u16(dcep_rd *r) {
  uint16_t hi = dcep_rd_u8(r);
  return (uint16_t)(hi << 8 | dcep_rd_u8(r));
}

static uint32_t dcep_rd_u32(dcep_rd *r) {
  uint32_t hi = dcep_rd_u16(r);
  return hi << 16 | dcep_rd_u16(r);
}

static const uint8_t *dcep_rd_bytes(dcep_rd *r, size_t n) {
  if (r->bad || r->len - r->off < n) {
    r->bad = 1;
    return NULL;
  }
  const uint8_t *p = r->p + r->off;
  r->off += n;
  return p;
}

int csctp_dcep_channel_type_valid(uint8_t t) { return (t & 0x7f) <= 0x02; }

int csctp_dcep_utf8_valid(const uint8_t *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    uint8_t c = s[i];
    size_t n;
    uint32_t cp, min;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return 0;
    }
    if (len - i - 1 < n) return 0;
    for (size_t k = 1; k <= n; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    i += n + 1;
  }
  return 1;
}

csctp_dcep_status csctp_dcep_parse(const uint8_t *buf, size_t len, csctp_dcep_msg *m) {
  dcep_rd r = {buf, len, 0, 0};
  memset(m, 0, sizeof(*m));
  m->type = dcep_rd_u8(&r);
  if (r.bad) return CSCTP_DCEP_MALFORMED;
  if (m->type == CSCTP_DCEP_ACK) return CSCTP_DCEP_OK; /* §5.2: one byte; more is ignored */
  if (m->type != CSCTP_DCEP_OPEN) return CSCTP_DCEP_UNKNOWN_TYPE;
  /* §5.1 */
  m->channel_type = dcep_rd_u8(&r);
  m->priority = dcep_rd_u16(&r);
  m->reliability_param = dcep_rd_u32(&r);
  m->label_len = dcep_rd_u16(&r);
  m->protocol_len = dcep_rd_u16(&r);
  m->label = dcep_rd_bytes(&r, m->label_len);
  m->protocol = dcep_rd_bytes(&r, m->protocol_len);
  if (r.bad) return CSCTP_DCEP_MALFORMED;
  if (!csctp_dcep_utf8_valid(m->label, m->label_len) ||
      !csctp_dcep_utf8_valid(m->protocol, m->protocol_len))
    return CSCTP_DCEP_MALFORMED;
  if (!csctp_dcep_channel_type_valid(m->channel_type)) return CSCTP_DCEP_BAD_CHANNEL_TYPE;
  /* §5.1: the reliability parameter is ignored for reliable channels. */
  if ((m->channel_type & 0x7f) == 0) m->reliability_param = 0;
  return CSCTP_DCEP_OK;
}

size_t csctp_dcep_open_size(const csctp_dcep_msg *m) {
  return CSCTP_DCEP_OPEN_HEADER + (size_t)m->label_len + m->protocol_len;
}

static uint8_t *dcep_put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
  return p + 2;
}

void csctp_dcep_write_open(uint8_t *buf, const csctp_dcep_msg *m) {
  uint8_t *p = buf;
  *p++ = CSCTP_DCEP_OPEN;
  *p++ = m->channel_type;
  p = dcep_put16(p, m->priority);
  p = dcep_put16(p, (uint16_t)(m->reliability_param >> 16));
  p = dcep_put16(p, (uint16_t)m->reliability_param);
  p = dcep_put16(p, m->label_len);
  p = dcep_put16(p, m->protocol_len);
  if (m->label_len) memcpy(p, m->label, m->label_len);
  p += m->label_len;
  if (m->protocol_len) memcpy(p, m->protocol, m->protocol_len);
}
