/* SPDX-License-Identifier: MIT */
/* ECDSA P-256 self-signed certificates (as browsers make them) and PEM loading. */
#include <csctp/dtls.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <string.h>

#include "cert.h"

static int cert_wrap(csctp_dtls_cert **pc, X509 *x, EVP_PKEY *k, const csctp_mem *mem) {
  csctp_dtls_cert *c = mem->calloc(1, sizeof *c, mem->user_data);
  if (!c) {
    X509_free(x);
    EVP_PKEY_free(k);
    return CSCTP_ERR_NOMEM;
  }
  c->mem = mem;
  c->x509 = x;
  c->pkey = k;
  *pc = c;
  return 0;
}

int csctp_dtls_cert_generate(csctp_dtls_cert **pc, const char *common_name, int64_t unix_now,
                             const csctp_mem *mem) {
  if (!pc) return CSCTP_ERR_INVALID_ARGUMENT;
  if (!mem) mem = csctp_mem_default();
  if (!common_name) common_name = "csctp";
  EVP_PKEY *k = EVP_EC_gen("P-256");
  X509 *x = X509_new();
  X509_NAME *name = X509_NAME_new();
  int rv = CSCTP_ERR_CRYPTO;
  uint8_t serial[8];
  BIGNUM *bn = NULL;
  if (!k || !x || !name) goto out;
  /* A positive random 63-bit serial, as browsers use. */
  if (RAND_bytes(serial, sizeof serial) != 1) goto out;
  serial[0] &= 0x7f;
  bn = BN_bin2bn(serial, sizeof serial, NULL);
  if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x))) goto out;
  if (X509_set_version(x, 2) != 1) goto out; /* v3 */
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)common_name, -1,
                                 -1, 0) != 1)
    goto out;
  if (X509_set_subject_name(x, name) != 1 || X509_set_issuer_name(x, name) != 1) goto out;
  /* Validity from the caller's wall clock: the library reads none. */
  time_t t = (time_t)unix_now;
  if (!X509_time_adj_ex(X509_getm_notBefore(x), -1, 0, &t) ||
      !X509_time_adj_ex(X509_getm_notAfter(x), 30, 0, &t))
    goto out;
  if (X509_set_pubkey(x, k) != 1) goto out;
  if (X509_sign(x, k, EVP_sha256()) <= 0) goto out;
  X509_NAME_free(name);
  BN_free(bn);
  return cert_wrap(pc, x, k, mem);
out:
  BN_free(bn);
  X509_NAME_free(name);
  X509_free(x);
  EVP_PKEY_free(k);
  return rv;
}

int csctp_dtls_cert_from_pem(csctp_dtls_cert **pc, const char *cert_pem, size_t cert_len,
                             const char *key_pem, size_t key_len, const csctp_mem *mem) {
  if (!pc || !cert_pem || !key_pem || cert_len > INT32_MAX || key_len > INT32_MAX)
    return CSCTP_ERR_INVALID_ARGUMENT;
  if (!mem) mem = csctp_mem_default();
  BIO *cb = BIO_new_mem_buf(cert_pem, (int)cert_len);
  BIO *kb = BIO_new_mem_buf(key_pem, (int)key_len);
  X509 *x = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
  /* An empty passphrase callback: encrypted keys fail instead of prompting. */
  EVP_PKEY *k = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, (void *)"") : NULL;
  BIO_free(cb);
  BIO_free(kb);
  if (!x || !k || X509_check_private_key(x, k) != 1) {
    X509_free(x);
    EVP_PKEY_free(k);
    return CSCTP_ERR_INVALID_ARGUMENT;
  }
  return cert_wrap(pc, x, k, mem);
}

csctp_ssize csctp_dtls_cert_to_pem(const csctp_dtls_cert *c, int key, char *buf, size_t cap) {
  if (!c || !buf) return CSCTP_ERR_INVALID_ARGUMENT;
  BIO *b = BIO_new(BIO_s_mem());
  if (!b) return CSCTP_ERR_NOMEM;
  int ok = key ? PEM_write_bio_PrivateKey(b, c->pkey, NULL, NULL, 0, NULL, NULL)
               : PEM_write_bio_X509(b, c->x509);
  char *data = NULL;
  long n = BIO_get_mem_data(b, &data);
  csctp_ssize rv;
  if (ok != 1 || n <= 0) {
    rv = CSCTP_ERR_CRYPTO;
  } else if ((size_t)n >= cap) {
    rv = CSCTP_ERR_NOBUF;
  } else {
    memcpy(buf, data, (size_t)n);
    buf[n] = '\0';
    rv = n;
  }
  BIO_free(b);
  return rv;
}

void csctp_dtls_cert_del(csctp_dtls_cert *c) {
  if (!c) return;
  X509_free(c->x509);
  EVP_PKEY_free(c->pkey);
  c->mem->free(c, c->mem->user_data);
}
