/* SPDX-License-Identifier: MIT */
/* RFC 4895 authenticated chunks: parameters, keys, HMAC (see auth.h). */
#include "auth.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "mem.h"

size_t csctp_auth_hmac_len(uint16_t hmac_id) {
  switch (hmac_id) {
  case CSCTP_HMAC_ID_SHA1: return 20;
  case CSCTP_HMAC_ID_SHA256: return 32;
  default: return 0;
  }
}

/* Our HMAC-ALGO list (§3.3: SHA-1 always in it). */
static size_t auth_local_hmacs(const csctp_auth *au, uint16_t ids[2]) {
  if (au->hmac_pref == CSCTP_AUTH_HMAC_SHA1) {
    ids[0] = CSCTP_HMAC_ID_SHA1;
    return 1;
  }
  ids[0] = CSCTP_HMAC_ID_SHA256;
  ids[1] = CSCTP_HMAC_ID_SHA1;
  return 2;
}

/* §3.2: types never listed (and ignored when a peer lists them). */
static int auth_never_listed(uint8_t t) {
  return t == CSCTP_CHUNK_INIT || t == CSCTP_CHUNK_INIT_ACK || t == CSCTP_CHUNK_SHUTDOWN_COMPLETE ||
         t == CSCTP_CHUNK_AUTH;
}

/* The next parameter of a key vector (unpadded, unlike a chunk's parameters): 1, or 0 at the
 * end or on a bad length. */
static int auth_vec_next(csctp_rd *r, csctp_tlv *t) {
  if (csctp_rd_left(r) == 0) return 0;
  t->raw = r->p + r->pos;
  t->type = csctp_rd_u16(r);
  t->length = csctp_rd_u16(r);
  if (r->bad || t->length < 4) return 0;
  t->value_len = t->length - 4u;
  t->value = csctp_rd_bytes(r, t->value_len);
  return t->value != NULL;
}

/* The three parameters, unpadded, one after the other (a key vector, §6.1). */
static size_t auth_build_vec(const csctp_auth *au, const uint8_t *random, uint8_t *out,
                             size_t cap) {
  csctp_wr w;
  csctp_wr_init(&w, out, cap);
  csctp_wr_u16(&w, CSCTP_PARAM_RANDOM);
  csctp_wr_u16(&w, 4 + CSCTP_AUTH_RANDOM_LEN);
  csctp_wr_bytes(&w, random, CSCTP_AUTH_RANDOM_LEN);
  size_t n = 0, off = w.len;
  csctp_wr_u16(&w, CSCTP_PARAM_CHUNKS);
  csctp_wr_u16(&w, 0);
  for (unsigned t = 0; t < 256; t++)
    if (csctp_auth_bit(au->local_chunks, (uint8_t)t)) {
      csctp_wr_u8(&w, (uint8_t)t);
      n++;
    }
  if (!w.overflow) csctp_put_u16(out + off + 2, (uint16_t)(4 + n));
  uint16_t ids[2];
  size_t k = auth_local_hmacs(au, ids);
  csctp_wr_u16(&w, CSCTP_PARAM_HMAC_ALGO);
  csctp_wr_u16(&w, (uint16_t)(4 + 2 * k));
  for (size_t i = 0; i < k; i++) csctp_wr_u16(&w, ids[i]);
  return w.overflow ? 0 : w.len;
}

csctp_auth *csctp_auth_new(const csctp_mem *mem, const csctp_config *cfg,
                           const uint8_t random[CSCTP_AUTH_RANDOM_LEN]) {
  csctp_auth *au = csctp_calloc(mem, 1, sizeof(*au));
  if (!au) return NULL;
  au->mem = mem;
  au->hmac_pref = cfg->auth_hmac;
  for (unsigned t = 0; t < 256; t++)
    if (csctp_auth_bit(cfg->auth_chunks, (uint8_t)t) && !auth_never_listed((uint8_t)t))
      au->local_chunks[t / 8] |= (uint8_t)(1u << (t % 8));
  au->n_keys = 1; /* key 0, the empty key (§6.1), active */
  csctp_auth_set_random(au, random);
  return au;
}

static void auth_key_clear(const csctp_mem *mem, csctp_auth_key *k) {
  if (k->bytes) OPENSSL_cleanse(k->bytes, k->len);
  if (k->assoc_key) OPENSSL_cleanse(k->assoc_key, k->assoc_len);
  csctp_free(mem, k->bytes);
  csctp_free(mem, k->assoc_key);
  memset(k, 0, sizeof(*k));
}

void csctp_auth_del(csctp_auth *au) {
  if (!au) return;
  for (size_t i = 0; i < au->n_keys; i++) auth_key_clear(au->mem, &au->keys[i]);
  const csctp_mem *mem = au->mem;
  OPENSSL_cleanse(au, sizeof(*au));
  csctp_free(mem, au);
}

void csctp_auth_set_random(csctp_auth *au, const uint8_t random[CSCTP_AUTH_RANDOM_LEN]) {
  memcpy(au->local_random, random, CSCTP_AUTH_RANDOM_LEN);
  au->local_vec_len = auth_build_vec(au, random, au->local_vec, sizeof(au->local_vec));
}

void csctp_auth_write_params(const csctp_auth *au, const uint8_t random[CSCTP_AUTH_RANDOM_LEN],
                             csctp_wr *w) {
  uint8_t vec[CSCTP_AUTH_VEC_MAX];
  size_t len = auth_build_vec(au, random, vec, sizeof(vec));
  csctp_rd r;
  csctp_tlv t;
  csctp_rd_init(&r, vec, len);
  while (auth_vec_next(&r, &t)) csctp_param_write(w, t.type, t.value, t.value_len);
}

size_t csctp_auth_peer_vec(const csctp_init_chunk *in, uint8_t *vec) {
  const csctp_tlv *rnd = &in->auth_random, *ch = &in->auth_chunks, *hm = &in->auth_hmac_algo;
  if (!rnd->type || !ch->type || !hm->type) return 0;
  if (rnd->value_len == 0 || rnd->value_len > CSCTP_AUTH_PEER_RANDOM_MAX ||
      ch->value_len > CSCTP_AUTH_PEER_CHUNKS_MAX || hm->value_len == 0 || (hm->value_len & 1) ||
      hm->value_len > 2 * CSCTP_AUTH_PEER_HMACS_MAX)
    return 0;
  int usable = 0;
  for (size_t i = 0; i < hm->value_len; i += 2)
    usable |= csctp_auth_hmac_len(csctp_get_u16(hm->value + i)) != 0;
  if (!usable) return 0;
  size_t n = 0;
  memcpy(vec + n, rnd->raw, rnd->length);
  n += rnd->length;
  memcpy(vec + n, ch->raw, ch->length);
  n += ch->length;
  memcpy(vec + n, hm->raw, hm->length);
  n += hm->length;
  return n;
}

/* §6.1: the two vectors compared as big-endian numbers, the shorter one padded with leading
 * zeros: < 0 when a is the smaller. */
static int auth_vec_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
  size_t n = alen > blen ? alen : blen;
  for (size_t i = 0; i < n; i++) {
    unsigned x = i < n - alen ? 0 : a[i - (n - alen)];
    unsigned y = i < n - blen ? 0 : b[i - (n - blen)];
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

/* The association key of `k`: shared key || smaller vector || larger vector (§6.1). */
static int auth_derive(csctp_auth *au, csctp_auth_key *k) {
  if (k->assoc_key) OPENSSL_cleanse(k->assoc_key, k->assoc_len);
  csctp_free(au->mem, k->assoc_key);
  k->assoc_key = NULL;
  k->assoc_len = 0;
  if (!au->on) return 0;
  const uint8_t *v1 = au->local_vec, *v2 = au->peer_vec;
  size_t l1 = au->local_vec_len, l2 = au->peer_vec_len;
  if (auth_vec_cmp(v1, l1, v2, l2) > 0) {
    v1 = au->peer_vec;
    l1 = au->peer_vec_len;
    v2 = au->local_vec;
    l2 = au->local_vec_len;
  }
  size_t len = k->len + l1 + l2;
  uint8_t *p = csctp_malloc(au->mem, len);
  if (!p) return CSCTP_ERR_NOMEM;
  if (k->len) memcpy(p, k->bytes, k->len);
  memcpy(p + k->len, v1, l1);
  memcpy(p + k->len + l1, v2, l2);
  k->assoc_key = p;
  k->assoc_len = len;
  return 0;
}

int csctp_auth_negotiate(csctp_auth *au, const uint8_t *vec, size_t len) {
  au->on = 0;
  au->peer_any = 0;
  memset(au->peer_chunks, 0, sizeof(au->peer_chunks));
  if (len == 0 || len > sizeof(au->peer_vec) || au->local_vec_len == 0) {
    for (size_t i = 0; i < au->n_keys; i++) auth_derive(au, &au->keys[i]);
    return 0;
  }
  memcpy(au->peer_vec, vec, len);
  au->peer_vec_len = len;
  csctp_rd r;
  csctp_tlv t;
  csctp_rd_init(&r, vec, len);
  au->send_hmac_id = 0;
  while (auth_vec_next(&r, &t)) {
    if (t.type == CSCTP_PARAM_CHUNKS) {
      for (size_t i = 0; i < t.value_len; i++)
        if (!auth_never_listed(t.value[i])) {
          au->peer_chunks[t.value[i] / 8] |= (uint8_t)(1u << (t.value[i] % 8));
          au->peer_any = 1;
        }
    } else if (t.type == CSCTP_PARAM_HMAC_ALGO) {
      /* §6.1: the first of the peer's list that we implement. */
      for (size_t i = 0; i + 1 < t.value_len && !au->send_hmac_id; i += 2) {
        uint16_t id = csctp_get_u16(t.value + i);
        if (csctp_auth_hmac_len(id)) au->send_hmac_id = id;
      }
    }
  }
  au->send_hmac_len = csctp_auth_hmac_len(au->send_hmac_id);
  au->on = au->send_hmac_id != 0;
  for (size_t i = 0; i < au->n_keys; i++) {
    int rv = auth_derive(au, &au->keys[i]);
    if (rv) {
      au->on = 0;
      return rv;
    }
  }
  return 0;
}

csctp_auth_key *csctp_auth_find(csctp_auth *au, uint16_t id) {
  for (size_t i = 0; i < au->n_keys; i++)
    if (au->keys[i].id == id) return &au->keys[i];
  return NULL;
}

int csctp_auth_set_key(csctp_auth *au, uint16_t id, const uint8_t *key, size_t len) {
  if ((!key && len) || len > UINT16_MAX) return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_auth_key *old = csctp_auth_find(au, id);
  if (!old && au->n_keys == CSCTP_AUTH_MAX_KEYS) return CSCTP_ERR_NOBUF;
  csctp_auth_key k = {.id = id, .len = (uint16_t)len};
  if (len) {
    k.bytes = csctp_malloc(au->mem, len);
    if (!k.bytes) return CSCTP_ERR_NOMEM;
    memcpy(k.bytes, key, len);
  }
  if (auth_derive(au, &k)) {
    auth_key_clear(au->mem, &k);
    return CSCTP_ERR_NOMEM;
  }
  if (old)
    auth_key_clear(au->mem, old);
  else
    old = &au->keys[au->n_keys++];
  *old = k;
  return 0;
}

int csctp_auth_delete_key(csctp_auth *au, uint16_t id) {
  csctp_auth_key *k = csctp_auth_find(au, id);
  if (!k) return CSCTP_ERR_INVALID_ARGUMENT;
  if (id == au->active) return CSCTP_ERR_INVALID_STATE;
  auth_key_clear(au->mem, k);
  *k = au->keys[--au->n_keys];
  memset(&au->keys[au->n_keys], 0, sizeof(au->keys[0]));
  return 0;
}

int csctp_auth_compute(const csctp_auth_key *k, uint16_t hmac_id, const uint8_t *auth,
                       size_t hmac_len, const uint8_t *rest, size_t rest_len, uint8_t *out) {
  static const uint8_t zeros[CSCTP_AUTH_HMAC_MAX];
  const char *digest = hmac_id == CSCTP_HMAC_ID_SHA1 ? "SHA1" : "SHA256";
  if (!k->assoc_key || csctp_auth_hmac_len(hmac_id) != hmac_len) return CSCTP_ERR_CRYPTO;
  int rv = CSCTP_ERR_CRYPTO;
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
  OSSL_PARAM params[2];
  params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
  params[1] = OSSL_PARAM_construct_end();
  size_t out_len = 0;
  if (ctx && EVP_MAC_init(ctx, k->assoc_key, k->assoc_len, params) &&
      EVP_MAC_update(ctx, auth, CSCTP_AUTH_HDR_LEN) && EVP_MAC_update(ctx, zeros, hmac_len) &&
      (!rest_len || EVP_MAC_update(ctx, rest, rest_len)) &&
      EVP_MAC_final(ctx, out, &out_len, CSCTP_AUTH_HMAC_MAX) && out_len == hmac_len)
    rv = 0;
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return rv;
}

long csctp_auth_seal(csctp_auth *au, uint8_t *pkt, size_t len) {
  csctp_chunk_iter it;
  csctp_chunk ch;
  size_t at = CSCTP_COMMON_HDR_LEN, first = 1, need = 0;
  csctp_chunk_iter_init(&it, pkt, len);
  while (csctp_chunk_next(&it, &ch) == 1) {
    if (first && ch.type == CSCTP_CHUNK_COOKIE_ECHO &&
        !csctp_auth_bit(au->peer_chunks, CSCTP_CHUNK_COOKIE_ECHO))
      at = CSCTP_COMMON_HDR_LEN + it.rd.pos; /* §6.2: COOKIE ECHO stays first */
    else if (csctp_auth_bit(au->peer_chunks, ch.type))
      need = 1;
    first = 0;
  }
  if (!need) return (long)len;
  const csctp_auth_key *k = csctp_auth_find(au, au->active);
  size_t alen = CSCTP_AUTH_HDR_LEN + au->send_hmac_len;
  if (!k) return CSCTP_ERR_CRYPTO;
  memmove(pkt + at + alen, pkt + at, len - at);
  csctp_wr w;
  csctp_wr_init(&w, pkt + at, alen);
  csctp_auth_write(&w, au->active, au->send_hmac_id, au->send_hmac_len);
  int rv = csctp_auth_compute(k, au->send_hmac_id, pkt + at, au->send_hmac_len, pkt + at + alen,
                              len - at, pkt + at + CSCTP_AUTH_HDR_LEN);
  return rv ? rv : (long)(len + alen);
}

int csctp_auth_verify(const csctp_auth *au, const uint8_t *pkt, size_t len, const csctp_chunk *ch) {
  csctp_auth_chunk ac;
  if (csctp_auth_decode(ch, &ac) != 0) return CSCTP_AUTH_BAD_HMAC;
  uint16_t ids[2];
  size_t n = auth_local_hmacs(au, ids), listed = 0;
  for (size_t i = 0; i < n; i++) listed |= ids[i] == ac.hmac_id;
  if (!listed) return CSCTP_AUTH_BAD_HMAC_ID;
  const csctp_auth_key *k = csctp_auth_find((csctp_auth *)au, ac.key_id);
  if (!k) return CSCTP_AUTH_BAD_KEY;
  if (ac.hmac_len != csctp_auth_hmac_len(ac.hmac_id)) return CSCTP_AUTH_BAD_HMAC;
  const uint8_t *start = ch->value - CSCTP_CHUNK_HDR_LEN;
  const uint8_t *after = ac.hmac + ac.hmac_len; /* hmac_len is a multiple of 4: no padding */
  uint8_t mac[CSCTP_AUTH_HMAC_MAX];
  int rv = csctp_auth_compute(k, ac.hmac_id, start, ac.hmac_len, after, (size_t)(pkt + len - after),
                              mac);
  if (rv) return rv;
  return CRYPTO_memcmp(mac, ac.hmac, ac.hmac_len) == 0 ? CSCTP_AUTH_OK : CSCTP_AUTH_BAD_HMAC;
}
