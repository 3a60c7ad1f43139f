/* SPDX-License-Identifier: MIT */
/*
 * DTLS 1.2 AEAD records without an OpenSSL session (record.h): key expansion,
 * seal, open and the replay window.
 *
 * A record is header (type, version 0xfefd, epoch u16, sequence number u48,
 * length u16), then for AES-GCM an 8-byte explicit nonce (we use the epoch and
 * sequence number, as OpenSSL and BoringSSL do), the ciphertext and a 16-byte
 * tag. The additional data is epoch || sequence || type || version || plaintext
 * length (RFC 5246 §6.2.3.3). The nonce is the 4-byte salt || explicit nonce
 * for GCM (RFC 5288 §3), the 12-byte IV XOR the padded epoch || sequence for
 * ChaCha20-Poly1305 (RFC 7905 §2).
 */
#include "record.h"

#include <csctp/common.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <string.h>

#include "rd.h"
#include "wr.h"

typedef struct rec_suite {
  uint16_t id;
  const char *name;
  int key_len;
  int chacha;
  const char *prf_hash;
} rec_suite;

static const rec_suite rec_suites[] = {
    {0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 16, 0, "SHA256"},
    {0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 16, 0, "SHA256"},
    {0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 32, 0, "SHA384"},
    {0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 32, 0, "SHA384"},
    {0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 32, 1, "SHA256"},
    {0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 32, 1, "SHA256"},
};

static const rec_suite *rec_suite_find(uint16_t id) {
  for (size_t i = 0; i < sizeof rec_suites / sizeof rec_suites[0]; i++)
    if (rec_suites[i].id == id) return &rec_suites[i];
  return NULL;
}

const char *dtls_rec_suite_name(uint16_t suite) {
  const rec_suite *s = rec_suite_find(suite);
  return s ? s->name : NULL;
}

size_t dtls_rec_suite_overhead(uint16_t suite) {
  const rec_suite *s = rec_suite_find(suite);
  return s ? DTLS_REC_HEADER + (s->chacha ? 0 : 8) + DTLS_REC_TAG : 0;
}

/* ---- the replay window ---- */

int dtls_window_fresh(const dtls_window *w, uint64_t seq) {
  if (!w->any || seq > w->max) return 1;
  uint64_t back = w->max - seq;
  return back < 64 && !(w->bits >> back & 1);
}

void dtls_window_mark(dtls_window *w, uint64_t seq) {
  if (!w->any) {
    w->any = 1;
    w->max = seq;
    w->bits = 1;
  } else if (seq > w->max) {
    uint64_t shift = seq - w->max;
    w->bits = shift >= 64 ? 1 : w->bits << shift | 1;
    w->max = seq;
  } else if (w->max - seq < 64) {
    w->bits |= (uint64_t)1 << (w->max - seq);
  }
}

/* ---- keys ---- */

int dtls_rec_prf(uint16_t suite, const uint8_t *secret, size_t secret_len, const char *label,
                 const uint8_t *seed_a, size_t a_len, const uint8_t *seed_b, size_t b_len,
                 uint8_t *out, size_t out_len) {
  const rec_suite *s = rec_suite_find(suite);
  if (!s) return CSCTP_ERR_INVALID_ARGUMENT;
  uint8_t seed[128];
  size_t l = strlen(label);
  if (l + a_len + b_len > sizeof seed) return CSCTP_ERR_INVALID_ARGUMENT;
  memcpy(seed, label, l);
  memcpy(seed + l, seed_a, a_len);
  memcpy(seed + l + a_len, seed_b, b_len);
  int rv = CSCTP_ERR_CRYPTO;
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
  EVP_KDF_CTX *k = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
  if (k) {
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)s->prf_hash, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, l + a_len + b_len),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_KDF_derive(k, out, out_len, params) == 1) rv = 0;
  }
  EVP_KDF_CTX_free(k);
  EVP_KDF_free(kdf);
  OPENSSL_cleanse(seed, sizeof seed);
  return rv;
}

static int rec_dir_init(dtls_rec_dir *d, const rec_suite *s, const uint8_t *key, const uint8_t *iv,
                        int encrypt) {
  const EVP_CIPHER *c = s->chacha          ? EVP_chacha20_poly1305()
                        : s->key_len == 16 ? EVP_aes_128_gcm()
                                           : EVP_aes_256_gcm();
  d->ctx = EVP_CIPHER_CTX_new();
  if (!d->ctx) return CSCTP_ERR_NOMEM;
  memset(d->iv, 0, sizeof d->iv);
  memcpy(d->iv, iv, s->chacha ? 12 : 4);
  if (EVP_CipherInit_ex(d->ctx, c, NULL, key, NULL, encrypt) != 1) return CSCTP_ERR_CRYPTO;
  return 0;
}

int dtls_rec_init(dtls_rec *r, uint16_t suite, int client, const uint8_t ms[DTLS_REC_MASTER],
                  const uint8_t client_random[DTLS_REC_RANDOM],
                  const uint8_t server_random[DTLS_REC_RANDOM]) {
  memset(r, 0, sizeof *r);
  const rec_suite *s = rec_suite_find(suite);
  if (!s) return CSCTP_ERR_INVALID_ARGUMENT;
  /* key_block: client_write_key, server_write_key, client_write_IV, server_write_IV (AEAD
   * suites have no MAC keys). */
  size_t k = (size_t)s->key_len, v = s->chacha ? 12 : 4;
  uint8_t kb[2 * 32 + 2 * 12];
  int rv = dtls_rec_prf(suite, ms, DTLS_REC_MASTER, "key expansion", server_random, DTLS_REC_RANDOM,
                        client_random, DTLS_REC_RANDOM, kb, 2 * k + 2 * v);
  if (!rv) {
    const uint8_t *ck = kb, *sk = kb + k, *civ = kb + 2 * k, *siv = kb + 2 * k + v;
    r->suite = suite;
    r->chacha = s->chacha;
    rv = rec_dir_init(&r->wr, s, client ? ck : sk, client ? civ : siv, 1);
    if (!rv) rv = rec_dir_init(&r->rd, s, client ? sk : ck, client ? siv : civ, 0);
  }
  OPENSSL_cleanse(kb, sizeof kb);
  if (rv) dtls_rec_free(r);
  return rv;
}

void dtls_rec_free(dtls_rec *r) {
  EVP_CIPHER_CTX_free(r->wr.ctx);
  EVP_CIPHER_CTX_free(r->rd.ctx);
  OPENSSL_cleanse(r, sizeof *r);
}

size_t dtls_rec_overhead(const dtls_rec *r) {
  return DTLS_REC_HEADER + (r->chacha ? 0 : 8) + DTLS_REC_TAG;
}

/* The record's nonce and additional data for sequence `seq` (epoch included in its top bits). */
static void rec_nonce_aad(const dtls_rec *r, const dtls_rec_dir *d, uint64_t seq8, uint8_t type,
                          size_t pt_len, uint8_t nonce[12], uint8_t aad[13]) {
  memcpy(nonce, d->iv, 12);
  uint8_t s[8];
  csctp_put_u64(s, seq8);
  if (r->chacha) {
    for (int i = 0; i < 8; i++) nonce[4 + i] ^= s[i];
  } else {
    memcpy(nonce + 4, s, 8);
  }
  memcpy(aad, s, 8);
  aad[8] = type;
  csctp_put_u16(aad + 9, DTLS_REC_VERSION);
  csctp_put_u16(aad + 11, (uint16_t)pt_len);
}

long dtls_rec_seal(dtls_rec *r, uint8_t type, const uint8_t *pt, size_t len, uint8_t *out,
                   size_t cap) {
  size_t explicit = r->chacha ? 0 : 8, n = dtls_rec_overhead(r) + len;
  if (len > 16384 || n > cap) return 0;
  if (r->wr_seq > DTLS_REC_SEQ_MAX) return CSCTP_ERR_CLOSED; /* never reuse a nonce */
  uint64_t seq8 = (uint64_t)r->epoch << 48 | r->wr_seq;
  uint8_t nonce[12], aad[13];
  rec_nonce_aad(r, &r->wr, seq8, type, len, nonce, aad);
  out[0] = type;
  csctp_put_u16(out + 1, DTLS_REC_VERSION);
  csctp_put_u64(out + 3, seq8); /* epoch and sequence: bytes 3..10 */
  csctp_put_u16(out + 11, (uint16_t)(n - DTLS_REC_HEADER));
  if (explicit) memcpy(out + DTLS_REC_HEADER, nonce + 4, 8);
  uint8_t *ct = out + DTLS_REC_HEADER + explicit;
  int l1 = 0, l2 = 0, la = 0;
  EVP_CIPHER_CTX *c = r->wr.ctx;
  if (EVP_CipherInit_ex(c, NULL, NULL, NULL, nonce, 1) != 1 ||
      EVP_CipherUpdate(c, NULL, &la, aad, sizeof aad) != 1 ||
      (len && EVP_CipherUpdate(c, ct, &l1, pt, (int)len) != 1) ||
      EVP_CipherFinal_ex(c, ct + l1, &l2) != 1 ||
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, DTLS_REC_TAG, ct + len) != 1)
    return CSCTP_ERR_CRYPTO;
  r->wr_seq++;
  return (long)n;
}

long dtls_rec_open(dtls_rec *r, const uint8_t *rec, size_t len, uint8_t *out) {
  size_t explicit = r->chacha ? 0 : 8;
  if (len < dtls_rec_overhead(r)) return DTLS_REC_BAD;
  uint64_t seq8 = csctp_get_u64(rec + 3);
  if ((uint16_t)(seq8 >> 48) != r->epoch) return DTLS_REC_EPOCH;
  uint64_t seq = seq8 & DTLS_REC_SEQ_MAX;
  if (!dtls_window_fresh(&r->win, seq)) return DTLS_REC_REPLAY;
  size_t pt_len = len - dtls_rec_overhead(r);
  uint8_t nonce[12], aad[13];
  rec_nonce_aad(r, &r->rd, seq8, rec[0], pt_len, nonce, aad);
  if (explicit) memcpy(nonce + 4, rec + DTLS_REC_HEADER, 8); /* the sender's choice */
  const uint8_t *ct = rec + DTLS_REC_HEADER + explicit;
  uint8_t tag[DTLS_REC_TAG];
  memcpy(tag, ct + pt_len, sizeof tag);
  int l1 = 0, l2 = 0, la = 0;
  EVP_CIPHER_CTX *c = r->rd.ctx;
  if (EVP_CipherInit_ex(c, NULL, NULL, NULL, nonce, 0) != 1 ||
      EVP_CipherUpdate(c, NULL, &la, aad, sizeof aad) != 1 ||
      (pt_len && EVP_CipherUpdate(c, out, &l1, ct, (int)pt_len) != 1) ||
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, DTLS_REC_TAG, tag) != 1 ||
      EVP_CipherFinal_ex(c, out + l1, &l2) != 1) {
    OPENSSL_cleanse(out, pt_len);
    return DTLS_REC_BAD;
  }
  dtls_window_mark(&r->win, seq);
  return (long)pt_len;
}
