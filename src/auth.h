/* SPDX-License-Identifier: MIT */
/*
 * RFC 4895 authenticated chunks, the per-association state: our RANDOM, CHUNKS and HMAC-ALGO,
 * the peer's (as its key vector), the shared keys and the association keys derived from them
 * (§6.1), and the HMAC of an AUTH chunk over a packet (§6.2, §6.3). The association wires it
 * in (assoc_auth.c); this file knows nothing of associations.
 */
#ifndef CSCTP_AUTH_H
#define CSCTP_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include <csctp/sctp.h>

#include "chunk.h"

#define CSCTP_AUTH_RANDOM_LEN 32 /* our RANDOM (§3.1) */
/* Bounds on what we keep of the peer's parameters (values): a peer that sends more does not
 * get AUTH with us (it stays off, as if it had not offered it). They bound the cookie. */
#define CSCTP_AUTH_PEER_RANDOM_MAX 128
#define CSCTP_AUTH_PEER_CHUNKS_MAX 64
#define CSCTP_AUTH_PEER_HMACS_MAX 8
/* A key vector: RANDOM, CHUNKS, HMAC-ALGO parameters, headers included, unpadded (§6.1). */
#define CSCTP_AUTH_VEC_MAX \
  (12 + CSCTP_AUTH_PEER_RANDOM_MAX + CSCTP_AUTH_PEER_CHUNKS_MAX + 2 * CSCTP_AUTH_PEER_HMACS_MAX)
#define CSCTP_AUTH_HMAC_MAX 32 /* SHA-256 */

typedef struct csctp_auth_key {
  uint16_t id;
  uint16_t len;
  uint8_t *bytes;     /* the endpoint pair shared key (NULL when len is 0) */
  uint8_t *assoc_key; /* shared key || smaller vector || larger vector, once negotiated */
  size_t assoc_len;
} csctp_auth_key;

typedef struct csctp_auth {
  const csctp_mem *mem;
  int hmac_pref;            /* csctp_auth_hmac */
  uint8_t local_chunks[32]; /* what we ask the peer to authenticate (bit set) */
  uint8_t local_random[CSCTP_AUTH_RANDOM_LEN];
  uint8_t local_vec[CSCTP_AUTH_VEC_MAX];
  size_t local_vec_len;
  int on;                /* negotiated: both sides sent RANDOM, CHUNKS, HMAC-ALGO */
  uint16_t send_hmac_id; /* the first of the peer's HMAC-ALGO we support */
  size_t send_hmac_len;
  uint8_t peer_chunks[32]; /* what the peer asks us to authenticate (bit set) */
  int peer_any;            /* peer_chunks is not empty */
  uint8_t peer_vec[CSCTP_AUTH_VEC_MAX];
  size_t peer_vec_len;
  csctp_auth_key keys[CSCTP_AUTH_MAX_KEYS];
  size_t n_keys;
  uint16_t active;
} csctp_auth;

static inline int csctp_auth_bit(const uint8_t set[32], uint8_t type) {
  return (set[type / 8] >> (type % 8)) & 1;
}

/* Digest length of an HMAC Identifier we implement, 0 for any other. */
size_t csctp_auth_hmac_len(uint16_t hmac_id);

/* A new state with key 0 (empty) active and `random` as our RANDOM; NULL on NOMEM. */
csctp_auth *csctp_auth_new(const csctp_mem *mem, const csctp_config *cfg,
                           const uint8_t random[CSCTP_AUTH_RANDOM_LEN]);
void csctp_auth_del(csctp_auth *au);

/* Replaces our RANDOM (a passive side takes the one its INIT ACK carried, from the cookie). */
void csctp_auth_set_random(csctp_auth *au, const uint8_t random[CSCTP_AUTH_RANDOM_LEN]);

/* Appends our RANDOM, CHUNKS and HMAC-ALGO parameters (with `random`, which may differ from our
 * own, for a stateless INIT ACK). */
void csctp_auth_write_params(const csctp_auth *au, const uint8_t random[CSCTP_AUTH_RANDOM_LEN],
                             csctp_wr *w);

/* The peer's key vector from its INIT or INIT ACK into vec (CSCTP_AUTH_VEC_MAX bytes): its
 * length, or 0 when the peer did not offer AUTH usably (a parameter missing, over our bounds,
 * malformed, or no HMAC we implement). */
size_t csctp_auth_peer_vec(const csctp_init_chunk *in, uint8_t *vec);

/* Takes the peer's key vector: AUTH on, the association keys derived. An empty vector turns
 * it off. 0 or CSCTP_ERR_NOMEM (AUTH then off). */
int csctp_auth_negotiate(csctp_auth *au, const uint8_t *vec, size_t len);

/* The key of id `id`, NULL when not held. */
csctp_auth_key *csctp_auth_find(csctp_auth *au, uint16_t id);

/* Key management behind the public functions (csctp_assoc_auth_*), same returns. */
int csctp_auth_set_key(csctp_auth *au, uint16_t id, const uint8_t *key, size_t len);
int csctp_auth_delete_key(csctp_auth *au, uint16_t id);

/* The HMAC `hmac_id` with the association key of `k` over the AUTH chunk at `auth` (its HMAC
 * field taken as zero, hmac_len bytes) and the `rest_len` bytes after it. 0 or CSCTP_ERR_CRYPTO. */
int csctp_auth_compute(const csctp_auth_key *k, uint16_t hmac_id, const uint8_t *auth,
                       size_t hmac_len, const uint8_t *rest, size_t rest_len, uint8_t *out);

/* Bytes an AUTH chunk we send takes (0 when none is ever needed). */
static inline size_t csctp_auth_overhead(const csctp_auth *au) {
  return au && au->on && au->peer_any ? CSCTP_AUTH_HDR_LEN + au->send_hmac_len : 0;
}

/*
 * Inserts an AUTH chunk into the finished packet pkt[0, len) when it holds a chunk of a type
 * the peer listed: first, or after a leading COOKIE ECHO the peer did not list (§6.2), and
 * computes its HMAC. The buffer has room for csctp_auth_overhead() more bytes. Returns the new
 * length (len when no AUTH was needed), or CSCTP_ERR_CRYPTO.
 */
long csctp_auth_seal(csctp_auth *au, uint8_t *pkt, size_t len);

/* What csctp_auth_verify found (§6.3). */
enum {
  CSCTP_AUTH_OK = 0,
  CSCTP_AUTH_BAD_HMAC_ID = 1, /* not in our HMAC-ALGO: ERROR with the cause */
  CSCTP_AUTH_BAD_KEY = 2,     /* no such shared key: silently discarded */
  CSCTP_AUTH_BAD_HMAC = 3,    /* wrong HMAC or length: silently discarded */
};

/* Checks the AUTH chunk `ch` of the packet pkt[0, len) (ch points into it). Returns a
 * CSCTP_AUTH_* value, or CSCTP_ERR_CRYPTO. Constant-time comparison of the HMAC. */
int csctp_auth_verify(const csctp_auth *au, const uint8_t *pkt, size_t len, const csctp_chunk *ch);

#endif
