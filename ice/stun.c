/* SPDX-License-Identifier: MIT */
/*
 * The STUN codec of the resumed agent (see stun.h).
 */
#include "stun.h"

#include <glib.h>
#include <netinet/in.h>
#include <string.h>

#include "rd.h"

#define STUN_FINGERPRINT_XOR 0x5354554eu /* "STUN", RFC 8489 §14.7 */

static int stun_equal(const uint8_t *a, const uint8_t *b, size_t n) {
  uint8_t d = 0;
  for (size_t i = 0; i < n; i++) d |= (uint8_t)(a[i] ^ b[i]);
  return d == 0;
}

uint32_t ice_stun_crc32(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return c ^ 0xffffffffu;
}

/* XOR-MAPPED-ADDRESS (RFC 8489 §14.2): port and address XORed with the cookie (and txid). */
static int stun_read_xor_address(csctp_rd *r, size_t n, const uint8_t *txid,
                                 struct sockaddr_storage *out) {
  uint8_t mask[16];
  csctp_put_u32(mask, ICE_STUN_COOKIE);
  memcpy(mask + 4, txid, ICE_STUN_TXID);
  csctp_rd_u8(r);
  uint8_t family = csctp_rd_u8(r);
  uint16_t port = (uint16_t)(csctp_rd_u16(r) ^ (ICE_STUN_COOKIE >> 16));
  memset(out, 0, sizeof *out);
  if (family == 1 && n == 8) {
    struct sockaddr_in *v4 = (struct sockaddr_in *)out;
    const uint8_t *x = csctp_rd_bytes(r, 4);
    if (!x) return -1;
    uint8_t a[4];
    for (int i = 0; i < 4; i++) a[i] = x[i] ^ mask[i];
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    memcpy(&v4->sin_addr, a, 4);
    return 0;
  }
  if (family == 2 && n == 20) {
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
    const uint8_t *x = csctp_rd_bytes(r, 16);
    if (!x) return -1;
    uint8_t a[16];
    for (int i = 0; i < 16; i++) a[i] = x[i] ^ mask[i];
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    memcpy(&v6->sin6_addr, a, 16);
    return 0;
  }
  return -1;
}

/* One attribute's value (`n` bytes at the reader); -1 refuses the message. */
static int stun_read_attr(csctp_rd *r, uint16_t type, size_t n, ice_stun_msg *m) {
  switch (type) {
  case ICE_STUN_USERNAME:
    if (n == 0 || n > 513) return -1; /* RFC 8489 §14.3: < 513 bytes */
    m->username = csctp_rd_bytes(r, n);
    m->username_len = n;
    return 0;
  case ICE_STUN_XOR_MAPPED_ADDRESS:
    if (stun_read_xor_address(r, n, m->txid, &m->xor_mapped)) return -1;
    m->has_xor_mapped = 1;
    return 0;
  case ICE_STUN_PRIORITY:
    if (n != 4) return -1;
    m->priority = csctp_rd_u32(r);
    m->has_priority = 1;
    return 0;
  case ICE_STUN_USE_CANDIDATE:
    if (n != 0) return -1;
    m->use_candidate = 1;
    return 0;
  case ICE_STUN_ICE_CONTROLLED:
  case ICE_STUN_ICE_CONTROLLING:
    if (n != 8) return -1;
    m->role =
        type == ICE_STUN_ICE_CONTROLLING ? ICE_STUN_ROLE_CONTROLLING : ICE_STUN_ROLE_CONTROLLED;
    m->tie_breaker = csctp_rd_u64(r);
    return 0;
  case ICE_STUN_ERROR_CODE: {
    if (n < 4) return -1;
    csctp_rd_u16(r);
    uint8_t cls = csctp_rd_u8(r) & 7, num = csctp_rd_u8(r);
    if (cls < 3 || num > 99) return -1;
    m->error_code = cls * 100 + num;
    return csctp_rd_skip(r, n - 4) ? 0 : -1;
  }
  default:
    if (type < 0x8000) return -1; /* comprehension-required, unknown (§14) */
    return csctp_rd_skip(r, n) ? 0 : -1;
  }
}

int ice_stun_parse(const uint8_t *b, size_t len, ice_stun_msg *m) {
  memset(m, 0, sizeof *m);
  m->error_code = -1;
  csctp_rd r;
  csctp_rd_init(&r, b, len);
  uint16_t type = csctp_rd_u16(&r);
  uint16_t body = csctp_rd_u16(&r);
  uint32_t cookie = csctp_rd_u32(&r);
  const uint8_t *txid = csctp_rd_bytes(&r, ICE_STUN_TXID);
  if (r.bad || (type & 0xc000) || (body & 3) || cookie != ICE_STUN_COOKIE ||
      (size_t)body != len - ICE_STUN_HEADER) {
    return -1;
  }
  m->type = type;
  m->len = len;
  memcpy(m->txid, txid, ICE_STUN_TXID);
  while (csctp_rd_left(&r) > 0) {
    size_t off = r.pos;
    uint16_t at = csctp_rd_u16(&r);
    size_t n = csctp_rd_u16(&r);
    size_t padded = (n + 3) & ~(size_t)3;
    if (r.bad || csctp_rd_left(&r) < padded) return -1;
    if (m->fp_off) return -1; /* FINGERPRINT is last (§14.7) */
    if (at == ICE_STUN_FINGERPRINT) {
      if (n != 4) return -1;
      m->fp_off = off;
      csctp_rd_skip(&r, 4);
      continue;
    }
    if (m->mi_off) return -1; /* after MESSAGE-INTEGRITY only FINGERPRINT (§14.5) */
    if (at == ICE_STUN_MESSAGE_INTEGRITY) {
      if (n != ICE_STUN_MI_LEN) return -1;
      m->mi_off = off;
      csctp_rd_skip(&r, n);
      continue;
    }
    size_t end = r.pos + padded;
    csctp_rd sub;
    csctp_rd_init(&sub, b + r.pos, n);
    if (stun_read_attr(&sub, at, n, m) || sub.bad) return -1;
    csctp_rd_skip(&r, padded);
    if (r.bad || r.pos != end) return -1;
  }
  return r.bad ? -1 : 0;
}

int ice_stun_check_integrity(const uint8_t *b, const ice_stun_msg *m, const char *key,
                             size_t key_len) {
  if (!m->mi_off || m->mi_off + 4 + ICE_STUN_MI_LEN > m->len) return 0;
  uint8_t head[ICE_STUN_HEADER];
  memcpy(head, b, sizeof head);
  /* The length as if the message ended with MESSAGE-INTEGRITY (§14.5). */
  csctp_put_u16(head + 2, (uint16_t)(m->mi_off + 4 + ICE_STUN_MI_LEN - ICE_STUN_HEADER));
  GHmac *h = g_hmac_new(G_CHECKSUM_SHA1, (const guchar *)key, key_len);
  g_hmac_update(h, head, sizeof head);
  g_hmac_update(h, b + ICE_STUN_HEADER, m->mi_off - ICE_STUN_HEADER);
  uint8_t mac[ICE_STUN_MI_LEN];
  gsize n = sizeof mac;
  g_hmac_get_digest(h, mac, &n);
  g_hmac_unref(h);
  return n == ICE_STUN_MI_LEN && stun_equal(mac, b + m->mi_off + 4, ICE_STUN_MI_LEN);
}

int ice_stun_check_fingerprint(const uint8_t *b, const ice_stun_msg *m) {
  if (!m->fp_off) return 1;
  if (m->fp_off + 8 != m->len) return 0;
  uint32_t want = ice_stun_crc32(b, m->fp_off) ^ STUN_FINGERPRINT_XOR;
  return csctp_get_u32(b + m->fp_off + 4) == want;
}

/* ---- writing ---- */

static void stun_set_length(csctp_wr *w, size_t through) {
  if (!w->overflow && w->len >= ICE_STUN_HEADER)
    csctp_put_u16(w->buf + 2, (uint16_t)(through - ICE_STUN_HEADER));
}

void ice_stun_wr_begin(csctp_wr *w, uint8_t *buf, size_t cap, uint16_t type,
                       const uint8_t txid[ICE_STUN_TXID]) {
  csctp_wr_init(w, buf, cap);
  csctp_wr_u16(w, type);
  csctp_wr_u16(w, 0);
  csctp_wr_u32(w, ICE_STUN_COOKIE);
  csctp_wr_bytes(w, txid, ICE_STUN_TXID);
}

void ice_stun_wr_attr(csctp_wr *w, uint16_t type, const void *value, size_t n) {
  static const uint8_t zero[3] = {0};
  if (n > 0xffff) {
    w->overflow = 1;
    return;
  }
  csctp_wr_u16(w, type);
  csctp_wr_u16(w, (uint16_t)n);
  csctp_wr_bytes(w, value, n);
  csctp_wr_bytes(w, zero, (4 - (n & 3)) & 3);
}

void ice_stun_wr_attr_u32(csctp_wr *w, uint16_t type, uint32_t v) {
  uint8_t b[4];
  csctp_put_u32(b, v);
  ice_stun_wr_attr(w, type, b, sizeof b);
}

void ice_stun_wr_attr_u64(csctp_wr *w, uint16_t type, uint64_t v) {
  uint8_t b[8];
  csctp_put_u64(b, v);
  ice_stun_wr_attr(w, type, b, sizeof b);
}

void ice_stun_wr_xor_address(csctp_wr *w, const struct sockaddr *addr) {
  uint8_t v[20] = {0}, mask[16];
  size_t n;
  uint16_t port;
  const uint8_t *ip;
  if (addr->sa_family == AF_INET) {
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)addr;
    v[1] = 1;
    port = ntohs(v4->sin_port);
    ip = (const uint8_t *)&v4->sin_addr;
    n = 4;
  } else if (addr->sa_family == AF_INET6) {
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)addr;
    v[1] = 2;
    port = ntohs(v6->sin6_port);
    ip = (const uint8_t *)&v6->sin6_addr;
    n = 16;
  } else {
    w->overflow = 1;
    return;
  }
  csctp_put_u32(mask, ICE_STUN_COOKIE);
  if (w->len >= ICE_STUN_HEADER) memcpy(mask + 4, w->buf + 8, ICE_STUN_TXID);
  csctp_put_u16(v + 2, (uint16_t)(port ^ (ICE_STUN_COOKIE >> 16)));
  for (size_t i = 0; i < n; i++) v[4 + i] = ip[i] ^ mask[i];
  ice_stun_wr_attr(w, ICE_STUN_XOR_MAPPED_ADDRESS, v, 4 + n);
}

void ice_stun_wr_integrity(csctp_wr *w, const char *key, size_t key_len) {
  if (w->overflow) return;
  stun_set_length(w, w->len + 4 + ICE_STUN_MI_LEN);
  uint8_t mac[ICE_STUN_MI_LEN] = {0};
  gsize n = sizeof mac;
  GHmac *h = g_hmac_new(G_CHECKSUM_SHA1, (const guchar *)key, key_len);
  g_hmac_update(h, w->buf, w->len);
  g_hmac_get_digest(h, mac, &n);
  g_hmac_unref(h);
  ice_stun_wr_attr(w, ICE_STUN_MESSAGE_INTEGRITY, mac, sizeof mac);
}

void ice_stun_wr_fingerprint(csctp_wr *w) {
  if (w->overflow) return;
  stun_set_length(w, w->len + 8);
  ice_stun_wr_attr_u32(w, ICE_STUN_FINGERPRINT,
                       ice_stun_crc32(w->buf, w->len) ^ STUN_FINGERPRINT_XOR);
}

size_t ice_stun_wr_end(csctp_wr *w) {
  if (w->overflow) return 0;
  stun_set_length(w, w->len);
  return w->len;
}
