/* SPDX-License-Identifier: MIT */
/* DTLS-SRTP keying (RFC 5764 §4.2): the negotiated profile's master keys and salts. */
#include <csctp/dtls.h>

#include <openssl/crypto.h>
#include <string.h>

#include "dtls_priv.h"

size_t csctp_srtp_profile_key_len(csctp_srtp_profile p) {
  switch (p) {
  case CSCTP_SRTP_AES128_CM_SHA1_80:
  case CSCTP_SRTP_AES128_CM_SHA1_32:
  case CSCTP_SRTP_AEAD_AES_128_GCM: return 16;
  case CSCTP_SRTP_AEAD_AES_256_GCM: return 32;
  default: return 0;
  }
}

size_t csctp_srtp_profile_salt_len(csctp_srtp_profile p) {
  switch (p) {
  case CSCTP_SRTP_AES128_CM_SHA1_80:
  case CSCTP_SRTP_AES128_CM_SHA1_32: return 14;
  case CSCTP_SRTP_AEAD_AES_128_GCM:
  case CSCTP_SRTP_AEAD_AES_256_GCM: return 12; /* RFC 7714 §12 */
  default: return 0;
  }
}

const char *csctp_srtp_profile_name(csctp_srtp_profile p) {
  switch (p) {
  case CSCTP_SRTP_NONE: return "none";
  case CSCTP_SRTP_AES128_CM_SHA1_80: return "SRTP_AES128_CM_SHA1_80";
  case CSCTP_SRTP_AES128_CM_SHA1_32: return "SRTP_AES128_CM_SHA1_32";
  case CSCTP_SRTP_AEAD_AES_128_GCM: return "SRTP_AEAD_AES_128_GCM";
  case CSCTP_SRTP_AEAD_AES_256_GCM: return "SRTP_AEAD_AES_256_GCM";
  }
  return "unknown";
}

int csctp_dtls_export_srtp_keys(const csctp_dtls *d, csctp_srtp_keys *keys) {
  if (!d || !keys) return CSCTP_ERR_INVALID_ARGUMENT;
  if (d->state != CSCTP_DTLS_STATE_CONNECTED || d->srtp == CSCTP_SRTP_NONE)
    return CSCTP_ERR_INVALID_STATE;
  size_t k = csctp_srtp_profile_key_len(d->srtp), s = csctp_srtp_profile_salt_len(d->srtp);
  if (!k) return CSCTP_ERR_INVALID_STATE;
  static const char label[] = "EXTRACTOR-dtls_srtp";
  uint8_t m[2 * (CSCTP_SRTP_MAX_KEY + CSCTP_SRTP_MAX_SALT)];
  if (d->rec) { /* imported (dtls_handover.c): the RFC 5705 exporter from the kept secrets */
    if (dtls_rec_prf(d->rec->suite, d->secrets, DTLS_REC_MASTER, label,
                     d->secrets + DTLS_REC_MASTER, DTLS_REC_RANDOM,
                     d->secrets + DTLS_REC_MASTER + DTLS_REC_RANDOM, DTLS_REC_RANDOM, m,
                     2 * (k + s)))
      return CSCTP_ERR_CRYPTO;
  } else if (SSL_export_keying_material(d->ssl, m, 2 * (k + s), label, sizeof label - 1, NULL, 0,
                                        0) != 1) {
    return CSCTP_ERR_CRYPTO;
  }
  memset(keys, 0, sizeof *keys);
  keys->profile = d->srtp;
  keys->role = d->cfg.role;
  keys->key_len = k;
  keys->salt_len = s;
  /* client_write_SRTP_master_key | server_… key | client_… salt | server_… salt */
  memcpy(keys->client_key, m, k);
  memcpy(keys->server_key, m + k, k);
  memcpy(keys->client_salt, m + 2 * k, s);
  memcpy(keys->server_salt, m + 2 * k + s, s);
  OPENSSL_cleanse(m, sizeof m);
  return 0;
}
