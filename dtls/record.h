/* SPDX-License-Identifier: MIT */
/*
 * Our own DTLS 1.2 record protection for application data, used by an endpoint
 * imported from a handover blob (dtls_handover.c), where no OpenSSL session
 * exists: the AEAD cipher suites WebRTC stacks negotiate (AES-GCM, RFC 5288;
 * ChaCha20-Poly1305, RFC 7905), keys derived from the master secret as RFC 5246
 * §6.3 says, and the anti-replay window of RFC 6347 §4.1.2.6.
 */
#ifndef CSCTP_DTLS_RECORD_H
#define CSCTP_DTLS_RECORD_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#define DTLS_REC_HEADER 13
#define DTLS_REC_TAG 16
#define DTLS_REC_MASTER 48
#define DTLS_REC_RANDOM 32
#define DTLS_REC_SEQ_MAX 0xffffffffffffull /* 48-bit sequence numbers */
#define DTLS_REC_VERSION 0xfefd            /* DTLS 1.2 on the wire */
#define DTLS_CT_ALERT 21
#define DTLS_CT_HANDSHAKE 22
#define DTLS_CT_APP_DATA 23

/* The anti-replay window of one epoch: the highest sequence number authenticated and a bit
 * per one of the 63 below it (bit i: max - i seen). */
typedef struct dtls_window {
  uint64_t max;
  uint64_t bits;
  int any; /* nothing seen yet: every number is new */
} dtls_window;

/* 1 when `seq` is new (not seen, not older than the window). Pure. */
int dtls_window_fresh(const dtls_window *w, uint64_t seq);
/* Records `seq` as seen (call only once its record authenticated). */
void dtls_window_mark(dtls_window *w, uint64_t seq);

/* One direction's AEAD state. */
typedef struct dtls_rec_dir {
  EVP_CIPHER_CTX *ctx;
  uint8_t iv[12]; /* GCM: the 4-byte salt then 0s; ChaCha20-Poly1305: the 12-byte IV */
} dtls_rec_dir;

typedef struct dtls_rec {
  uint16_t suite;  /* IANA cipher suite number */
  int chacha;      /* ChaCha20-Poly1305 (no explicit nonce) rather than AES-GCM */
  uint16_t epoch;  /* both directions' (no renegotiation) */
  uint64_t wr_seq; /* next sequence number to write */
  dtls_window win;
  dtls_rec_dir wr, rd;
} dtls_rec;

/* The IANA name of a suite dtls_rec_init() supports, or NULL when it does not. */
const char *dtls_rec_suite_name(uint16_t suite);
/* What a record of that suite adds to its plaintext (header included), 0 for another suite. */
size_t dtls_rec_suite_overhead(uint16_t suite);

/*
 * TLS 1.2 PRF (RFC 5246 §5) with the suite's hash: out = PRF(secret, label, seed_a || seed_b).
 * Returns 0, or CSCTP_ERR_INVALID_ARGUMENT (unsupported suite), CSCTP_ERR_CRYPTO.
 */
int dtls_rec_prf(uint16_t suite, const uint8_t *secret, size_t secret_len, const char *label,
                 const uint8_t *seed_a, size_t a_len, const uint8_t *seed_b, size_t b_len,
                 uint8_t *out, size_t out_len);

/*
 * Derives both directions' keys for `suite` from the master secret and the two hello randoms
 * (RFC 5246 §6.3), `client` saying which side we are. epoch, wr_seq and win are the caller's
 * to set. Returns 0, or CSCTP_ERR_INVALID_ARGUMENT (unsupported suite), CSCTP_ERR_NOMEM,
 * CSCTP_ERR_CRYPTO; on error nothing is held.
 */
int dtls_rec_init(dtls_rec *r, uint16_t suite, int client, const uint8_t ms[DTLS_REC_MASTER],
                  const uint8_t client_random[DTLS_REC_RANDOM],
                  const uint8_t server_random[DTLS_REC_RANDOM]);
void dtls_rec_free(dtls_rec *r);

/* Bytes a record adds to its plaintext: header, explicit nonce (GCM) and tag. */
size_t dtls_rec_overhead(const dtls_rec *r);

/*
 * Protects `len` bytes of type `type` as the next record into `out` (`cap` bytes) and
 * advances the write sequence number. Returns the record's length, 0 when `cap` is too
 * small, or a negative error: CSCTP_ERR_CRYPTO, CSCTP_ERR_CLOSED (sequence numbers spent).
 */
long dtls_rec_seal(dtls_rec *r, uint8_t type, const uint8_t *pt, size_t len, uint8_t *out,
                   size_t cap);

/* Outcome of dtls_rec_open() other than a length. */
#define DTLS_REC_BAD (-1)    /* not authentic, or malformed: drop */
#define DTLS_REC_REPLAY (-2) /* seen already, or older than the window: drop */
#define DTLS_REC_EPOCH (-3)  /* another epoch (a handshake retransmission, a new one): drop */

/*
 * Opens the record `rec` (`len` bytes, header included, length field already checked
 * against `len`) into `out` (room for len bytes) and, when authentic and fresh, marks its
 * sequence number seen. Returns the plaintext's length, or DTLS_REC_BAD / _REPLAY / _EPOCH.
 */
long dtls_rec_open(dtls_rec *r, const uint8_t *rec, size_t len, uint8_t *out);

#endif
