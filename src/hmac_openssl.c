/* SPDX-License-Identifier: MIT */
/* HMAC-SHA-256 on OpenSSL's libcrypto. */
#include "hmac.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <csctp/common.h>

int csctp_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
                      uint8_t out[CSCTP_HMAC_LEN]) {
  unsigned int out_len = 0;
  if (!HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &out_len) || out_len != CSCTP_HMAC_LEN)
    return CSCTP_ERR_CRYPTO;
  return 0;
}

int csctp_hmac_equal(const uint8_t *a, const uint8_t *b, size_t len) {
  return CRYPTO_memcmp(a, b, len) == 0;
}
