/* SPDX-License-Identifier: MIT */
/* Certificate fingerprints in SDP form (RFC 8122 §5): "sha-256 AB:CD:...". */
#include <csctp/dtls.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "cert.h"

static const struct {
  csctp_dtls_hash hash;
  const char *name;
  uint8_t len;
} fingerprint_hashes[] = {
    {CSCTP_DTLS_HASH_SHA1, "sha-1", 20},     {CSCTP_DTLS_HASH_SHA224, "sha-224", 28},
    {CSCTP_DTLS_HASH_SHA256, "sha-256", 32}, {CSCTP_DTLS_HASH_SHA384, "sha-384", 48},
    {CSCTP_DTLS_HASH_SHA512, "sha-512", 64},
};
#define FINGERPRINT_NHASHES (sizeof(fingerprint_hashes) / sizeof(fingerprint_hashes[0]))

const EVP_MD *csctp_dtls_hash_md(csctp_dtls_hash hash) {
  switch (hash) {
  case CSCTP_DTLS_HASH_SHA1: return EVP_sha1();
  case CSCTP_DTLS_HASH_SHA224: return EVP_sha224();
  case CSCTP_DTLS_HASH_SHA256: return EVP_sha256();
  case CSCTP_DTLS_HASH_SHA384: return EVP_sha384();
  case CSCTP_DTLS_HASH_SHA512: return EVP_sha512();
  }
  return NULL;
}

static int fingerprint_hex(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = tolower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

int csctp_dtls_fingerprint_parse(csctp_dtls_fingerprint *fp, const char *text) {
  if (!fp || !text) return CSCTP_ERR_INVALID_ARGUMENT;
  const char *p = text;
  while (isspace((unsigned char)*p)) p++;
  static const char prefix[] = "a=fingerprint:";
  if (strncasecmp(p, prefix, sizeof prefix - 1) == 0) p += sizeof prefix - 1;
  while (isspace((unsigned char)*p)) p++;
  size_t nlen = 0;
  while (p[nlen] && !isspace((unsigned char)p[nlen])) nlen++;
  const char *name = p;
  p += nlen;
  size_t i;
  for (i = 0; i < FINGERPRINT_NHASHES; i++) {
    if (strlen(fingerprint_hashes[i].name) == nlen &&
        strncasecmp(fingerprint_hashes[i].name, name, nlen) == 0)
      break;
  }
  if (i == FINGERPRINT_NHASHES) return CSCTP_ERR_INVALID_ARGUMENT;
  if (!isspace((unsigned char)*p)) return CSCTP_ERR_INVALID_ARGUMENT;
  while (isspace((unsigned char)*p)) p++;
  csctp_dtls_fingerprint out = {.hash = fingerprint_hashes[i].hash};
  /* RFC 8122 §5: fingerprint = 2UHEX *(":" 2UHEX); we accept lower case too. */
  for (;;) {
    int hi = fingerprint_hex((unsigned char)p[0]);
    int lo = hi < 0 ? -1 : fingerprint_hex((unsigned char)p[1]);
    if (hi < 0 || lo < 0 || out.len == CSCTP_DTLS_FINGERPRINT_MAX)
      return CSCTP_ERR_INVALID_ARGUMENT;
    out.value[out.len++] = (uint8_t)(hi << 4 | lo);
    p += 2;
    if (*p != ':') break;
    p++;
  }
  while (isspace((unsigned char)*p)) p++;
  if (*p || out.len != fingerprint_hashes[i].len) return CSCTP_ERR_INVALID_ARGUMENT;
  *fp = out;
  return 0;
}

csctp_ssize csctp_dtls_fingerprint_format(const csctp_dtls_fingerprint *fp, char *buf, size_t cap) {
  if (!fp || !buf) return CSCTP_ERR_INVALID_ARGUMENT;
  const char *name = NULL;
  for (size_t i = 0; i < FINGERPRINT_NHASHES; i++)
    if (fingerprint_hashes[i].hash == fp->hash && fingerprint_hashes[i].len == fp->len)
      name = fingerprint_hashes[i].name;
  if (!name) return CSCTP_ERR_INVALID_ARGUMENT;
  size_t need = strlen(name) + 1 + (size_t)fp->len * 3; /* "XX:" per byte, last ':' is the NUL */
  if (cap < need) return CSCTP_ERR_NOBUF;
  static const char digits[] = "0123456789ABCDEF";
  size_t n = strlen(name);
  memcpy(buf, name, n);
  buf[n++] = ' ';
  for (size_t i = 0; i < fp->len; i++) {
    if (i) buf[n++] = ':';
    buf[n++] = digits[fp->value[i] >> 4];
    buf[n++] = digits[fp->value[i] & 15];
  }
  buf[n] = '\0';
  return (csctp_ssize)n;
}

int csctp_dtls_fingerprint_equal(const csctp_dtls_fingerprint *a, const csctp_dtls_fingerprint *b) {
  return a && b && a->hash == b->hash && a->len == b->len && a->len <= sizeof a->value &&
         memcmp(a->value, b->value, a->len) == 0;
}

int csctp_dtls_fingerprint_of_x509(X509 *x, csctp_dtls_hash hash, csctp_dtls_fingerprint *fp) {
  const EVP_MD *md = csctp_dtls_hash_md(hash);
  if (!x || !md || !fp) return CSCTP_ERR_INVALID_ARGUMENT;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  /* X509_digest hashes the DER encoding, which is what RFC 8122 §5 fingerprints. */
  if (X509_digest(x, md, out, &n) != 1 || n > CSCTP_DTLS_FINGERPRINT_MAX) return CSCTP_ERR_CRYPTO;
  memset(fp, 0, sizeof *fp);
  fp->hash = hash;
  fp->len = (uint8_t)n;
  memcpy(fp->value, out, n);
  return 0;
}

int csctp_dtls_cert_fingerprint(const csctp_dtls_cert *c, csctp_dtls_hash hash,
                                csctp_dtls_fingerprint *fp) {
  if (!c) return CSCTP_ERR_INVALID_ARGUMENT;
  return csctp_dtls_fingerprint_of_x509(c->x509, hash, fp);
}
