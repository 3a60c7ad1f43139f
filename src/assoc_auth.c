/* SPDX-License-Identifier: MIT */
/*
 * RFC 4895 authenticated chunks in the association: our parameters in INIT and INIT ACK, the
 * negotiation (from the INIT ACK, or from the cookie for the side that answered the INIT), the
 * AUTH chunk put into packets we send (§6.2) and checked in those we receive (§6.3), the keys
 * (csctp_assoc_auth_*). Nothing here runs unless csctp_config.auth was set.
 */
#include "assoc.h"

#include <string.h>

#include "auth.h"

int csctp_assoc_auth_init(csctp_assoc *a) {
  if (!a->cfg.auth) return 0;
  uint8_t rnd[CSCTP_AUTH_RANDOM_LEN];
  if (a->cfg.rand(rnd, sizeof(rnd), a->cfg.rand_user_data)) return CSCTP_ERR_RANDOM;
  a->auth = csctp_auth_new(a->mem, &a->cfg, rnd);
  return a->auth ? 0 : CSCTP_ERR_NOMEM;
}

void csctp_assoc_auth_free(csctp_assoc *a) {
  csctp_auth_del(a->auth);
  a->auth = NULL;
}

void csctp_assoc_auth_write_init_params(const csctp_assoc *a, const uint8_t *random, csctp_wr *w) {
  if (a->auth) csctp_auth_write_params(a->auth, random ? random : a->auth->local_random, w);
}

/* What the negotiation changes outside the auth state: the room an AUTH chunk takes in every
 * packet (the DATA fragments shrink by it), the input fast paths, the stats. */
static void assoc_auth_apply(csctp_assoc *a) {
  a->auth_tx_len = (uint16_t)csctp_auth_overhead(a->auth);
  a->auth_on = (uint8_t)(a->auth && a->auth->on);
  csctp_tx_set_overhead(&a->tx, a->auth_tx_len);
  a->stats.auth = a->auth_on;
  if (a->auth_on)
    csctp_assoc_log(a, CSCTP_LOG_INFO, "AUTH negotiated (HMAC id %u)", a->auth->send_hmac_id);
}

int csctp_assoc_auth_cookie(csctp_assoc *a, const csctp_init_chunk *in, csctp_cookie *c,
                            int fresh) {
  if (!a->auth) return 0;
  c->auth = 1;
  if (fresh) {
    /* A stateless INIT ACK: a RANDOM of its own, which the cookie brings back (§6.1). */
    if (a->cfg.rand(c->auth_random, CSCTP_AUTH_RANDOM_LEN, a->cfg.rand_user_data))
      return CSCTP_ERR_RANDOM;
  } else {
    memcpy(c->auth_random, a->auth->local_random, CSCTP_AUTH_RANDOM_LEN);
  }
  c->auth_peer_len = (uint16_t)csctp_auth_peer_vec(in, c->auth_peer);
  return 0;
}

int csctp_assoc_auth_from_init_ack(csctp_assoc *a, const csctp_init_chunk *in) {
  if (!a->auth) return 0;
  uint8_t vec[CSCTP_AUTH_VEC_MAX];
  int rv = csctp_auth_negotiate(a->auth, vec, csctp_auth_peer_vec(in, vec));
  assoc_auth_apply(a);
  return rv;
}

int csctp_assoc_auth_from_cookie(csctp_assoc *a, const csctp_cookie *c) {
  if (!a->auth) return 0;
  if (c->auth) csctp_auth_set_random(a->auth, c->auth_random);
  int rv = csctp_auth_negotiate(a->auth, c->auth_peer, c->auth ? c->auth_peer_len : 0);
  assoc_auth_apply(a);
  return rv;
}

csctp_ssize csctp_assoc_auth_seal(csctp_assoc *a, uint8_t *pkt, size_t len) {
  long n = csctp_auth_seal(a->auth, pkt, len);
  if (n > (long)len) a->stats.auth_out++;
  return n;
}

int csctp_assoc_on_auth(csctp_assoc *a, const uint8_t *pkt, size_t len, const csctp_chunk *ch) {
  int rv = csctp_auth_verify(a->auth, pkt, len, ch);
  switch (rv) {
  case CSCTP_AUTH_OK: a->stats.auth_in++; return 1;
  case CSCTP_AUTH_BAD_HMAC_ID: {
    /* §6.3: the AUTH and what follows are discarded; an ERROR says why. */
    a->stats.auth_drop_hmac_id++;
    csctp_auth_chunk ac;
    csctp_auth_decode(ch, &ac);
    uint8_t buf[16];
    csctp_wr w;
    csctp_wr_init(&w, buf, sizeof(buf));
    size_t off = csctp_error_write_begin(&w);
    csctp_cause_write_unsupported_hmac(&w, ac.hmac_id);
    csctp_wr_tlv_end(&w, off);
    if (!w.overflow && csctp_assoc_queue_ctrl(a, buf, w.len) == 0) a->stats.errors_sent++;
    return 0;
  }
  case CSCTP_AUTH_BAD_KEY: a->stats.auth_drop_key_id++; return 0;
  case CSCTP_AUTH_BAD_HMAC: a->stats.auth_drop_bad_hmac++; return 0;
  default: return rv; /* CSCTP_ERR_CRYPTO */
  }
}

/* ---- API ---- */

int csctp_assoc_auth_set_key(csctp_assoc *a, uint16_t key_id, const uint8_t *key, size_t len) {
  if (!a) return CSCTP_ERR_INVALID_ARGUMENT;
  if (!a->auth) return CSCTP_ERR_INVALID_STATE;
  return csctp_auth_set_key(a->auth, key_id, key, len);
}

int csctp_assoc_auth_activate_key(csctp_assoc *a, uint16_t key_id) {
  if (!a) return CSCTP_ERR_INVALID_ARGUMENT;
  if (!a->auth) return CSCTP_ERR_INVALID_STATE;
  if (!csctp_auth_find(a->auth, key_id)) return CSCTP_ERR_INVALID_ARGUMENT;
  a->auth->active = key_id;
  return 0;
}

int csctp_assoc_auth_delete_key(csctp_assoc *a, uint16_t key_id) {
  if (!a) return CSCTP_ERR_INVALID_ARGUMENT;
  if (!a->auth) return CSCTP_ERR_INVALID_STATE;
  return csctp_auth_delete_key(a->auth, key_id);
}
