/* SPDX-License-Identifier: MIT */
/*
 * HMAC-SHA-256 for the state cookie, behind a small interface so that another
 * crypto provider can replace OpenSSL (hmac_openssl.c).
 */
#ifndef CSCTP_HMAC_H
#define CSCTP_HMAC_H

#include <stddef.h>
#include <stdint.h>

#define CSCTP_HMAC_LEN 32

/* out = HMAC-SHA-256(key, data). Returns 0, or CSCTP_ERR_CRYPTO. */
int csctp_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
                      uint8_t out[CSCTP_HMAC_LEN]);

/* Constant-time comparison: 1 when equal. */
int csctp_hmac_equal(const uint8_t *a, const uint8_t *b, size_t len);

#endif
