/* SPDX-License-Identifier: MIT */
/* A libsrtp pair of sessions keyed from DTLS-SRTP (RFC 5764 §4.2, RFC 7714 for AEAD). */
#include <csctp/dtls.h>

#include <pthread.h>
#include <srtp2/srtp.h>
#include <string.h>

struct csctp_srtp {
  const csctp_mem *mem;
  srtp_t out, in;
};

static pthread_once_t srtp_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t srtp_init_status = srtp_err_status_fail;

/* libsrtp's process-wide crypto kernel: its library initialisation, done once. */
static void srtp_lib_init(void) { srtp_init_status = srtp_init(); }

static int srtp_policy_for(srtp_policy_t *pol, csctp_srtp_profile p) {
  memset(pol, 0, sizeof *pol);
  switch (p) {
  case CSCTP_SRTP_AES128_CM_SHA1_80:
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtcp);
    return 0;
  case CSCTP_SRTP_AES128_CM_SHA1_32: /* RFC 5764 §4.1.2: SRTCP keeps the 80-bit tag */
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol->rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtcp);
    return 0;
  case CSCTP_SRTP_AEAD_AES_128_GCM:
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtcp);
    return 0;
  case CSCTP_SRTP_AEAD_AES_256_GCM:
    srtp_crypto_policy_set_aes_gcm_256_16_auth(&pol->rtp);
    srtp_crypto_policy_set_aes_gcm_256_16_auth(&pol->rtcp);
    return 0;
  default: return CSCTP_ERR_INVALID_ARGUMENT;
  }
}

static int srtp_session(srtp_t *s, const csctp_srtp_keys *k, int outbound) {
  srtp_policy_t pol;
  int rv = srtp_policy_for(&pol, k->profile);
  if (rv) return rv;
  /* We protect with our role's key; we unprotect with the peer's. */
  int client_key = (k->role == CSCTP_DTLS_CLIENT) == outbound;
  uint8_t key[CSCTP_SRTP_MAX_KEY + CSCTP_SRTP_MAX_SALT];
  memcpy(key, client_key ? k->client_key : k->server_key, k->key_len);
  memcpy(key + k->key_len, client_key ? k->client_salt : k->server_salt, k->salt_len);
  pol.key = key;
  pol.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
  pol.window_size = 1024;
  pol.next = NULL;
  srtp_err_status_t st = srtp_create(s, &pol);
  memset(key, 0, sizeof key);
  if (st == srtp_err_status_alloc_fail) return CSCTP_ERR_NOMEM;
  return st == srtp_err_status_ok ? 0 : CSCTP_ERR_CRYPTO;
}

int csctp_srtp_new(csctp_srtp **ps, const csctp_srtp_keys *keys, const csctp_mem *mem) {
  if (!ps || !keys || keys->key_len != csctp_srtp_profile_key_len(keys->profile) ||
      keys->salt_len != csctp_srtp_profile_salt_len(keys->profile) || keys->key_len == 0)
    return CSCTP_ERR_INVALID_ARGUMENT;
  pthread_once(&srtp_once, srtp_lib_init);
  if (srtp_init_status != srtp_err_status_ok) return CSCTP_ERR_CRYPTO;
  if (!mem) mem = csctp_mem_default();
  csctp_srtp *s = mem->calloc(1, sizeof *s, mem->user_data);
  if (!s) return CSCTP_ERR_NOMEM;
  s->mem = mem;
  int rv = srtp_session(&s->out, keys, 1);
  if (!rv) rv = srtp_session(&s->in, keys, 0);
  if (rv) {
    csctp_srtp_del(s);
    return rv;
  }
  *ps = s;
  return 0;
}

void csctp_srtp_del(csctp_srtp *s) {
  if (!s) return;
  if (s->out) srtp_dealloc(s->out);
  if (s->in) srtp_dealloc(s->in);
  s->mem->free(s, s->mem->user_data);
}

csctp_ssize csctp_srtp_protect(csctp_srtp *s, int rtcp, uint8_t *pkt, size_t len, size_t cap) {
  if (!s || !pkt || len > INT32_MAX - CSCTP_SRTP_MAX_TRAILER) return CSCTP_ERR_INVALID_ARGUMENT;
  if (cap < len + CSCTP_SRTP_MAX_TRAILER) return CSCTP_ERR_NOBUF;
  int n = (int)len;
  srtp_err_status_t st = rtcp ? srtp_protect_rtcp(s->out, pkt, &n) : srtp_protect(s->out, pkt, &n);
  if (st == srtp_err_status_bad_param) return CSCTP_ERR_MALFORMED;
  if (st != srtp_err_status_ok) return CSCTP_ERR_CRYPTO;
  return n;
}

csctp_ssize csctp_srtp_unprotect(csctp_srtp *s, int rtcp, uint8_t *pkt, size_t len) {
  if (!s || !pkt || len > INT32_MAX) return CSCTP_ERR_INVALID_ARGUMENT;
  int n = (int)len;
  srtp_err_status_t st =
      rtcp ? srtp_unprotect_rtcp(s->in, pkt, &n) : srtp_unprotect(s->in, pkt, &n);
  return st == srtp_err_status_ok ? n : CSCTP_ERR_MALFORMED;
}

void *csctp_srtp_session(csctp_srtp *s, int outbound) { return outbound ? s->out : s->in; }
