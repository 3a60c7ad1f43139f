/* SPDX-License-Identifier: MIT */
/* State cookie serialisation and signature (RFC 9260 §5.1.3, §5.1.5). */
#include "cookie.h"

#include <string.h>

#include "rd.h"
#include "wr.h"

#define COOKIE_MAGIC 0x63734332u    /* "csC2": format version (Tie-Tags are nonces, peer bound) */
#define COOKIE_MAGIC_MH 0x63734333u /* "csC3": csC2 with the peer's addresses (multi-homing) */

/* HMAC-SHA-256 over the body (`blen` bytes) and the peer's address (its length first). */
static int cookie_mac(const uint8_t *secret, const uint8_t *body, size_t blen,
                      const csctp_cookie_peer *peer, uint8_t mac[CSCTP_HMAC_LEN]) {
  uint8_t in[CSCTP_COOKIE_MAX - CSCTP_HMAC_LEN + 1 + sizeof(peer->addr)];
  size_t n = peer && peer->len <= sizeof(peer->addr) ? peer->len : 0;
  memcpy(in, body, blen);
  in[blen] = (uint8_t)n;
  if (n) memcpy(in + blen + 1, peer->addr, n);
  return csctp_hmac_sha256(secret, CSCTP_COOKIE_SECRET_LEN, in, blen + 1 + n, mac);
}

int csctp_cookie_write(const csctp_cookie *c, const csctp_cookie_keys *keys,
                       const csctp_cookie_peer *peer, uint8_t out[CSCTP_COOKIE_MAX]) {
  csctp_wr w;
  csctp_wr_init(&w, out, CSCTP_COOKIE_MAX - CSCTP_HMAC_LEN);
  if (c->n_addrs > CSCTP_PATHS_MAX) return CSCTP_ERR_CRYPTO;
  csctp_wr_u32(&w, c->n_addrs ? COOKIE_MAGIC_MH : COOKIE_MAGIC);
  csctp_wr_u32(&w, (uint32_t)(c->created >> 32));
  csctp_wr_u32(&w, (uint32_t)c->created);
  csctp_wr_u32(&w, c->lifetime_ms);
  csctp_wr_u16(&w, c->local_port);
  csctp_wr_u16(&w, c->remote_port);
  csctp_wr_u32(&w, c->local_tag);
  csctp_wr_u32(&w, c->peer_tag);
  csctp_wr_u32(&w, c->local_tie_tag);
  csctp_wr_u32(&w, c->peer_tie_tag);
  csctp_wr_u32(&w, c->local_initial_tsn);
  csctp_wr_u32(&w, c->peer_initial_tsn);
  csctp_wr_u32(&w, c->peer_a_rwnd);
  csctp_wr_u16(&w, c->num_outbound);
  csctp_wr_u16(&w, c->num_inbound);
  csctp_wr_u8(&w, c->peer_forward_tsn);
  /* bit 0: RE-CONFIG, bit 1: ECN, bit 2: ASCONF (the body has no byte to spare) */
  csctp_wr_u8(&w, (uint8_t)((c->peer_reconfig ? 1u : 0u) | (c->peer_ecn ? 2u : 0u) |
                            (c->peer_asconf ? 4u : 0u)));
  csctp_wr_u8(&w, c->peer_zero_checksum);
  csctp_wr_u8(&w, c->peer_idata);
  csctp_wr_zeros(&w, CSCTP_COOKIE_BODY_LEN - w.len);
  if (c->n_addrs) csctp_wr_u8(&w, c->auth ? 1 : 0);
  if (c->auth) {
    if (c->auth_peer_len > CSCTP_AUTH_VEC_MAX) return CSCTP_ERR_CRYPTO;
    csctp_wr_bytes(&w, c->auth_random, CSCTP_AUTH_RANDOM_LEN);
    csctp_wr_u16(&w, c->auth_peer_len);
    csctp_wr_bytes(&w, c->auth_peer, c->auth_peer_len);
  }
  if (c->n_addrs) {
    csctp_wr_u8(&w, c->n_addrs);
    for (unsigned i = 0; i < c->n_addrs; i++) csctp_wr_bytes(&w, c->addrs[i], CSCTP_ADDR_REC);
  }
  if (w.overflow) return CSCTP_ERR_CRYPTO;
  int rv = cookie_mac(keys->cur, out, w.len, peer, out + w.len);
  return rv ? rv : (int)(w.len + CSCTP_HMAC_LEN);
}

int csctp_cookie_read(const uint8_t *p, size_t len, const csctp_cookie_keys *keys,
                      const csctp_cookie_peer *peer, csctp_tstamp now, csctp_cookie *c,
                      uint64_t *staleness_us) {
  uint8_t mac[CSCTP_HMAC_LEN];
  if (len < CSCTP_COOKIE_LEN || len > CSCTP_COOKIE_MAX) return CSCTP_COOKIE_BAD;
  size_t blen = len - CSCTP_HMAC_LEN;
  int rv = cookie_mac(keys->cur, p, blen, peer, mac);
  if (rv) return rv;
  if (!csctp_hmac_equal(mac, p + blen, CSCTP_HMAC_LEN)) {
    /* Signed before the last rotation: the previous secret, for one cookie lifetime. */
    if (!keys->prev_until || now >= keys->prev_until) return CSCTP_COOKIE_BAD;
    rv = cookie_mac(keys->prev, p, blen, peer, mac);
    if (rv) return rv;
    if (!csctp_hmac_equal(mac, p + blen, CSCTP_HMAC_LEN)) return CSCTP_COOKIE_BAD;
  }
  csctp_rd r;
  csctp_rd_init(&r, p, CSCTP_COOKIE_BODY_LEN);
  uint32_t magic = csctp_rd_u32(&r);
  if (magic != COOKIE_MAGIC && magic != COOKIE_MAGIC_MH) return CSCTP_COOKIE_BAD;
  uint64_t hi = csctp_rd_u32(&r);
  c->created = (hi << 32) | csctp_rd_u32(&r);
  c->lifetime_ms = csctp_rd_u32(&r);
  c->local_port = csctp_rd_u16(&r);
  c->remote_port = csctp_rd_u16(&r);
  c->local_tag = csctp_rd_u32(&r);
  c->peer_tag = csctp_rd_u32(&r);
  c->local_tie_tag = csctp_rd_u32(&r);
  c->peer_tie_tag = csctp_rd_u32(&r);
  c->local_initial_tsn = csctp_rd_u32(&r);
  c->peer_initial_tsn = csctp_rd_u32(&r);
  c->peer_a_rwnd = csctp_rd_u32(&r);
  c->num_outbound = csctp_rd_u16(&r);
  c->num_inbound = csctp_rd_u16(&r);
  c->peer_forward_tsn = csctp_rd_u8(&r);
  uint8_t feat = csctp_rd_u8(&r);
  c->peer_reconfig = feat & 1u;
  c->peer_ecn = (feat >> 1) & 1u;
  c->peer_asconf = (feat >> 2) & 1u;
  c->peer_zero_checksum = csctp_rd_u8(&r);
  c->peer_idata = csctp_rd_u8(&r);
  /* Signed by us: the lengths agree, but are read through the checked reader all the same. */
  csctp_rd ar;
  csctp_rd_init(&ar, p + CSCTP_COOKIE_BODY_LEN, blen - CSCTP_COOKIE_BODY_LEN);
  c->n_addrs = 0;
  c->auth = magic == COOKIE_MAGIC_MH ? csctp_rd_u8(&ar) == 1 : blen > CSCTP_COOKIE_BODY_LEN;
  c->auth_peer_len = 0;
  if (c->auth) {
    const uint8_t *rnd = csctp_rd_bytes(&ar, CSCTP_AUTH_RANDOM_LEN);
    uint16_t n = csctp_rd_u16(&ar);
    const uint8_t *vec = n <= CSCTP_AUTH_VEC_MAX ? csctp_rd_bytes(&ar, n) : NULL;
    if (!rnd || (n && !vec)) return CSCTP_COOKIE_BAD;
    memcpy(c->auth_random, rnd, CSCTP_AUTH_RANDOM_LEN);
    c->auth_peer_len = n;
    if (n) memcpy(c->auth_peer, vec, n);
  }
  if (magic == COOKIE_MAGIC_MH) {
    uint8_t n = csctp_rd_u8(&ar);
    if (n == 0 || n > CSCTP_PATHS_MAX) return CSCTP_COOKIE_BAD;
    for (unsigned i = 0; i < n; i++) {
      const uint8_t *rec = csctp_rd_bytes(&ar, CSCTP_ADDR_REC);
      if (!rec || (rec[0] != 4 && rec[0] != 6)) return CSCTP_COOKIE_BAD;
      memcpy(c->addrs[i], rec, CSCTP_ADDR_REC);
    }
    c->n_addrs = n;
  }
  if (ar.bad || csctp_rd_left(&ar)) return CSCTP_COOKIE_BAD;
  if (r.bad || c->created > now) return CSCTP_COOKIE_BAD; /* we made none in the future */
  /* §5.1.5 step 3: compare the creation time plus lifetime with now. */
  csctp_tstamp expires = c->created + (csctp_tstamp)c->lifetime_ms * CSCTP_MILLISECONDS;
  if (now > expires) {
    if (staleness_us) *staleness_us = now - expires;
    return CSCTP_COOKIE_STALE;
  }
  return CSCTP_COOKIE_OK;
}
