/* SPDX-License-Identifier: MIT */
/* Certificates and fingerprints: what the endpoint needs from cert.c and fingerprint.c. */
#ifndef CSCTP_DTLS_CERT_H
#define CSCTP_DTLS_CERT_H

#include <csctp/dtls.h>
#include <openssl/x509.h>

struct csctp_dtls_cert {
  const csctp_mem *mem;
  X509 *x509;
  EVP_PKEY *pkey;
};

/* Fingerprint of a DER certificate held by OpenSSL. Returns 0 or CSCTP_ERR_*. */
int csctp_dtls_fingerprint_of_x509(X509 *x, csctp_dtls_hash hash, csctp_dtls_fingerprint *fp);

/* The OpenSSL digest of a fingerprint hash, or NULL. */
const EVP_MD *csctp_dtls_hash_md(csctp_dtls_hash hash);

#endif
