/* SPDX-License-Identifier: MIT */
/*
 * The DTLS endpoint: configuration, the OpenSSL objects and their callbacks
 * (timer, alerts, peer certificate, cookies, key log), and the handshake's
 * outcome. I/O and events live in dtls_io.c.
 */
#include <csctp/dtls.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509_vfy.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cert.h"
#include "dtls_priv.h"
#include "log.h"
#include "versioned.h"

static const char dtls_default_ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384";
/* RFC 5764 §4.1.2 / RFC 7714 §14.2: what WebRTC stacks offer, AEAD first. */
static const char dtls_srtp_profiles[] = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";

static void dtls_config_fill_default(void *p) {
  csctp_dtls_config *cfg = p;
  memset(cfg, 0, sizeof *cfg);
  cfg->role = CSCTP_DTLS_CLIENT;
  cfg->mtu = 1200;
  cfg->srtp = 1;
  cfg->retransmit_initial_ms = 1000;
  cfg->retransmit_max_ms = 60000;
}

static size_t dtls_config_size(int version) {
  return version == CSCTP_DTLS_CONFIG_V1 ? sizeof(csctp_dtls_config) : 0;
}

int csctp_dtls_config_default_versioned(int config_version, csctp_dtls_config *cfg) {
  csctp_dtls_config full;
  dtls_config_fill_default(&full);
  return csctp_versioned_out(cfg, dtls_config_size(config_version), &full);
}

const csctp_dtls_config *csctp_dtls_config_in(int config_version, const csctp_dtls_config *cfg,
                                              csctp_dtls_config *buf) {
  return csctp_versioned_in(cfg, dtls_config_size(config_version), buf, sizeof *buf,
                            dtls_config_fill_default);
}

void csctp_dtls_log(const csctp_dtls *d, csctp_log_level level, const char *fmt, ...) {
  if (!csctp_log_on(d->cfg.log, d->cfg.log_mask, d->cfg.log_levels, CSCTP_LOG_DTLS, level)) return;
  va_list ap;
  va_start(ap, fmt);
  csctp_log_vemit(d->cfg.log, d->cfg.log_user_data, CSCTP_LOG_DTLS, level, fmt, ap);
  va_end(ap);
}

/* ---- OpenSSL callbacks: each finds its endpoint through the SSL's app data ---- */

static unsigned int dtls_timer_cb(SSL *ssl, unsigned int timer_us) {
  csctp_dtls *d = SSL_get_app_data(ssl);
  /* 0: a new flight (RFC 6347 §4.2.4.1 initial timeout); else double, up to the maximum. */
  uint64_t us =
      timer_us == 0 ? (uint64_t)d->cfg.retransmit_initial_ms * 1000 : (uint64_t)timer_us * 2;
  uint64_t max = (uint64_t)d->cfg.retransmit_max_ms * 1000;
  if (us > max) us = max;
  d->timer_us = (uint32_t)us;
  return d->timer_us;
}

static void dtls_on_timer(void *ctx, int armed) {
  csctp_dtls *d = ctx;
  /* OpenSSL (re)starts its timer with the duration our callback chose last. */
  d->deadline = armed ? d->now + (d->timer_us ? d->timer_us : d->cfg.retransmit_initial_ms * 1000u)
                      : CSCTP_TSTAMP_NONE;
}

static void dtls_info_cb(const SSL *ssl, int where, int ret) {
  csctp_dtls *d = SSL_get_app_data(ssl);
  if (!(where & SSL_CB_ALERT)) return;
  int level = ret >> 8 & 0xff, desc = ret & 0xff;
  csctp_dtls_log(d, level == SSL3_AL_FATAL ? CSCTP_LOG_ERROR : CSCTP_LOG_INFO, "alert %s: %s %s",
                 where & SSL_CB_READ ? "received" : "sent",
                 level == SSL3_AL_FATAL ? "fatal" : "warning", SSL_alert_desc_string_long(ret));
  if (level != SSL3_AL_FATAL) return;
  if (where & SSL_CB_READ)
    d->alert_recv = desc;
  else
    d->alert_sent = desc;
}

static int dtls_fingerprint_matches(const csctp_dtls *d, X509 *cert) {
  for (size_t i = 0; i < d->nfps; i++) {
    csctp_dtls_fingerprint fp;
    if (csctp_dtls_fingerprint_of_x509(cert, d->fps[i].hash, &fp) == 0 &&
        csctp_dtls_fingerprint_equal(&fp, &d->fps[i]))
      return 1;
  }
  return 0;
}

/*
 * The peer's certificate is self-signed: no chain to trust, only the leaf's
 * fingerprint from SDP to pin (RFC 8122 §5, RFC 8827 §6.5). Rejecting here
 * makes OpenSSL send bad_certificate, so the peer fails too.
 */
static int dtls_verify_cb(int preverify_ok, X509_STORE_CTX *xs) {
  (void)preverify_ok;
  SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
  csctp_dtls *d = SSL_get_app_data(ssl);
  if (X509_STORE_CTX_get_error_depth(xs) != 0) return 1;
  X509 *cert = X509_STORE_CTX_get_current_cert(xs);
  d->fp_checked = 1;
  if (cert && dtls_fingerprint_matches(d, cert)) {
    X509_STORE_CTX_set_error(xs, X509_V_OK);
    return 1;
  }
  d->fp_failed = 1;
  X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_REJECTED);
  csctp_dtls_log(d, CSCTP_LOG_ERROR, "peer certificate matches none of %zu expected fingerprint(s)",
                 d->nfps);
  return 0;
}

/* Stateless cookies (RFC 6347 §4.2.1): an HMAC under a per-endpoint secret. */
static int dtls_cookie_compute(csctp_dtls *d, unsigned char *out) {
  static const char label[] = "csctp dtls cookie";
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t n = 0;
  if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, d->cookie_secret, sizeof d->cookie_secret,
                 (const unsigned char *)label, sizeof label - 1, mac, sizeof mac, &n) ||
      n < DTLS_COOKIE_LEN)
    return 0;
  memcpy(out, mac, DTLS_COOKIE_LEN);
  return 1;
}

static int dtls_cookie_generate_cb(SSL *ssl, unsigned char *cookie, unsigned int *len) {
  if (!dtls_cookie_compute(SSL_get_app_data(ssl), cookie)) return 0;
  *len = DTLS_COOKIE_LEN;
  return 1;
}

static int dtls_cookie_verify_cb(SSL *ssl, const unsigned char *cookie, unsigned int len) {
  unsigned char want[DTLS_COOKIE_LEN];
  return len == DTLS_COOKIE_LEN && dtls_cookie_compute(SSL_get_app_data(ssl), want) &&
         CRYPTO_memcmp(want, cookie, DTLS_COOKIE_LEN) == 0;
}

static void dtls_keylog_cb(const SSL *ssl, const char *line) {
  csctp_dtls *d = SSL_get_app_data(ssl);
  if (d->cfg.keylog) d->cfg.keylog(line, d->cfg.keylog_user_data);
}

/* ---- life cycle ---- */

static int dtls_setup_ctx(csctp_dtls *d, const csctp_dtls_cert *cert, const char *ciphers) {
  SSL_CTX *ctx = d->ctx = SSL_CTX_new(DTLS_method());
  if (!ctx) return CSCTP_ERR_NOMEM;
  if (!SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
      !SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION))
    return CSCTP_ERR_CRYPTO;
  /* Our MTU, not the kernel's; no renegotiation, tickets or session cache: one connection. */
  SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (SSL_CTX_set_cipher_list(ctx, ciphers ? ciphers : dtls_default_ciphers) != 1)
    return CSCTP_ERR_INVALID_ARGUMENT;
  if (SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") != 1) return CSCTP_ERR_CRYPTO;
  if (SSL_CTX_use_certificate(ctx, cert->x509) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, cert->pkey) != 1 || SSL_CTX_check_private_key(ctx) != 1)
    return CSCTP_ERR_INVALID_ARGUMENT;
  /* Both sides present a certificate (RFC 8827 §6.5); its validity dates do not matter. */
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, dtls_verify_cb);
  X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(ctx), X509_V_FLAG_NO_CHECK_TIME);
  SSL_CTX_set_cookie_generate_cb(ctx, dtls_cookie_generate_cb);
  SSL_CTX_set_cookie_verify_cb(ctx, dtls_cookie_verify_cb);
  if (d->cfg.keylog) SSL_CTX_set_keylog_callback(ctx, dtls_keylog_cb);
  return 0;
}

static int dtls_setup_ssl(csctp_dtls *d, const char *srtp_profiles) {
  SSL *ssl = d->ssl = SSL_new(d->ctx);
  if (!ssl) return CSCTP_ERR_NOMEM;
  SSL_set_app_data(ssl, d);
  int rv = csctp_dtls_bio_init(&d->bio, d->mem);
  if (rv) return rv;
  d->bio.on_timer = dtls_on_timer;
  d->bio.ctx = d;
  SSL_set_bio(ssl, d->bio.bio, d->bio.bio); /* one reference, now the SSL's */
  if (!DTLS_set_link_mtu(ssl, d->cfg.mtu)) return CSCTP_ERR_INVALID_ARGUMENT;
  DTLS_set_timer_cb(ssl, dtls_timer_cb);
  SSL_set_info_callback(ssl, dtls_info_cb);
  SSL_set_msg_callback(ssl, csctp_dtls_msg_cb); /* record headers read, for handover */
  if (d->cfg.srtp &&
      SSL_set_tlsext_use_srtp(ssl, srtp_profiles ? srtp_profiles : dtls_srtp_profiles) != 0)
    return CSCTP_ERR_CRYPTO; /* note: 0 is success for this one */
  if (d->cfg.role == CSCTP_DTLS_CLIENT) {
    SSL_set_connect_state(ssl);
  } else {
    SSL_set_accept_state(ssl);
    if (d->cfg.cookie_exchange) SSL_set_options(ssl, SSL_OP_COOKIE_EXCHANGE);
  }
  return 0;
}

int csctp_dtls_new_versioned(csctp_dtls **pd, int config_version, const csctp_dtls_config *ucfg) {
  csctp_dtls_config buf;
  const csctp_dtls_config *cfg = csctp_dtls_config_in(config_version, ucfg, &buf);
  if (!pd || !cfg || !cfg->cert || cfg->mtu < 256 || cfg->mtu > 65535 ||
      (cfg->role != CSCTP_DTLS_CLIENT && cfg->role != CSCTP_DTLS_SERVER) ||
      cfg->retransmit_initial_ms == 0 || cfg->retransmit_max_ms < cfg->retransmit_initial_ms ||
      cfg->retransmit_max_ms > 3600000 ||
      (cfg->remote_fingerprint_count && !cfg->remote_fingerprints))
    return CSCTP_ERR_INVALID_ARGUMENT;
  const csctp_mem *mem = cfg->mem ? cfg->mem : csctp_mem_default();
  csctp_dtls *d = mem->calloc(1, sizeof *d, mem->user_data);
  if (!d) return CSCTP_ERR_NOMEM;
  d->mem = mem;
  d->cfg = *cfg;
  d->join_mtu = cfg->mtu;
  d->cfg.mem = mem;
  d->cfg.cert = NULL;
  d->cfg.remote_fingerprints = NULL;
  d->cfg.cipher_list = NULL;
  d->cfg.srtp_profiles = NULL;
  d->state = CSCTP_DTLS_STATE_NEW;
  d->deadline = CSCTP_TSTAMP_NONE;
  d->alert_sent = d->alert_recv = -1;
  int rv = 0;
  if (cfg->rand) {
    if (cfg->rand(d->cookie_secret, sizeof d->cookie_secret, cfg->rand_user_data) != 0)
      rv = CSCTP_ERR_RANDOM;
  } else if (RAND_bytes(d->cookie_secret, sizeof d->cookie_secret) != 1) {
    rv = CSCTP_ERR_RANDOM;
  }
  if (!rv)
    rv = csctp_dtls_set_remote_fingerprints(d, cfg->remote_fingerprints,
                                            cfg->remote_fingerprint_count);
  if (!rv) rv = dtls_setup_ctx(d, cfg->cert, cfg->cipher_list);
  if (!rv) rv = dtls_setup_ssl(d, cfg->srtp_profiles);
  ERR_clear_error();
  if (rv) {
    csctp_dtls_del(d);
    return rv;
  }
  *pd = d;
  return 0;
}

void csctp_dtls_del(csctp_dtls *d) {
  if (!d) return;
  const csctp_mem *mem = d->mem;
  if (d->ssl) {
    SSL_free(d->ssl); /* frees the BIO */
  } else if (d->bio.bio) {
    BIO_free(d->bio.bio);
  }
  csctp_dtls_bio_free(&d->bio);
  SSL_CTX_free(d->ctx);
  if (d->rec) {
    dtls_rec_free(d->rec);
    mem->free(d->rec, mem->user_data);
  }
  if (d->secrets) {
    OPENSSL_cleanse(d->secrets, DTLS_REC_MASTER + 2 * DTLS_REC_RANDOM);
    mem->free(d->secrets, mem->user_data);
  }
  if (d->fps) mem->free(d->fps, mem->user_data);
  if (d->evq) mem->free(d->evq, mem->user_data);
  OPENSSL_cleanse(d->cookie_secret, sizeof d->cookie_secret);
  mem->free(d, mem->user_data);
}

int csctp_dtls_set_remote_fingerprints(csctp_dtls *d, const csctp_dtls_fingerprint *fps,
                                       size_t count) {
  if (!d || (count && !fps) || count > 64) return CSCTP_ERR_INVALID_ARGUMENT;
  if (d->fp_checked) return CSCTP_ERR_INVALID_STATE;
  for (size_t i = 0; i < count; i++)
    if (!csctp_dtls_hash_md(fps[i].hash) || fps[i].len == 0 ||
        fps[i].len > CSCTP_DTLS_FINGERPRINT_MAX)
      return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_dtls_fingerprint *copy = NULL;
  if (count) {
    copy = d->mem->malloc(count * sizeof *copy, d->mem->user_data);
    if (!copy) return CSCTP_ERR_NOMEM;
    memcpy(copy, fps, count * sizeof *copy);
  }
  if (d->fps) d->mem->free(d->fps, d->mem->user_data);
  d->fps = copy;
  d->nfps = count;
  return 0;
}

/* ---- outcome of the handshake ---- */

void csctp_dtls_on_handshake_done(csctp_dtls *d) {
  /* The verify callback ran on the peer's Certificate; check again in case it did not. */
  X509 *peer = SSL_get0_peer_certificate(d->ssl);
  if (!peer || !dtls_fingerprint_matches(d, peer)) {
    d->fp_checked = d->fp_failed = 1;
    SSL_shutdown(d->ssl); /* tell the peer; the connection is not used */
    csctp_dtls_push_event(d, CSCTP_DTLS_EVENT_ERROR, CSCTP_ERR_FINGERPRINT, -1, 0);
    return;
  }
  d->state = CSCTP_DTLS_STATE_CONNECTED;
  const SSL_CIPHER *c = SSL_get_current_cipher(d->ssl);
  d->cipher = c ? SSL_CIPHER_standard_name(c) : NULL;
  d->suite = c ? SSL_CIPHER_get_protocol_id(c) : 0;
  SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);
  d->srtp = p ? (csctp_srtp_profile)p->id : CSCTP_SRTP_NONE;
  d->deadline = CSCTP_TSTAMP_NONE;
  csctp_dtls_log(d, CSCTP_LOG_INFO, "connected as %s: %s, SRTP %s",
                 d->cfg.role == CSCTP_DTLS_CLIENT ? "client" : "server",
                 d->cipher ? d->cipher : "?", csctp_srtp_profile_name(d->srtp));
  csctp_dtls_push_event(d, CSCTP_DTLS_EVENT_CONNECTED, 0, 0, 0);
}

void csctp_dtls_fail(csctp_dtls *d) {
  unsigned long e = ERR_peek_error();
  if (e) {
    char buf[160];
    ERR_error_string_n(e, buf, sizeof buf);
    csctp_dtls_log(d, CSCTP_LOG_ERROR, "failed: %s", buf);
  }
  ERR_clear_error();
  if (d->fp_failed) {
    csctp_dtls_push_event(d, CSCTP_DTLS_EVENT_ERROR, CSCTP_ERR_FINGERPRINT, d->alert_sent, 0);
  } else if (d->alert_recv >= 0) {
    csctp_dtls_push_event(d, CSCTP_DTLS_EVENT_ERROR, CSCTP_ERR_DTLS_ALERT, d->alert_recv, 1);
  } else if (d->nomem || d->bio.nomem) {
    csctp_dtls_push_event(d, CSCTP_DTLS_EVENT_ERROR, CSCTP_ERR_NOMEM, d->alert_sent, 0);
  } else {
    csctp_dtls_push_event(d, CSCTP_DTLS_EVENT_ERROR, CSCTP_ERR_DTLS_HANDSHAKE, d->alert_sent, 0);
  }
}

/* ---- accessors ---- */

csctp_dtls_state csctp_dtls_get_state(const csctp_dtls *d) { return d->state; }
csctp_dtls_role csctp_dtls_get_role(const csctp_dtls *d) { return d->cfg.role; }
const char *csctp_dtls_get_cipher(const csctp_dtls *d) { return d->cipher; }
csctp_srtp_profile csctp_dtls_get_srtp_profile(const csctp_dtls *d) { return d->srtp; }
int csctp_dtls_get_stats_versioned(const csctp_dtls *d, int stats_version, csctp_dtls_stats *st) {
  if (!d) return CSCTP_ERR_INVALID_ARGUMENT;
  size_t size = stats_version == CSCTP_DTLS_STATS_V1
                    ? offsetof(csctp_dtls_stats, largest_datagram_out) + sizeof(uint32_t)
                : stats_version == CSCTP_DTLS_STATS_V2 ? sizeof d->stats
                                                       : 0;
  return csctp_versioned_out(st, size, &d->stats);
}

size_t csctp_dtls_data_mtu(const csctp_dtls *d) {
  if (d->rec) return d->cfg.mtu - dtls_rec_overhead(d->rec);
  if (d->state == CSCTP_DTLS_STATE_CONNECTED) {
    /* OpenSSL's answer is for its link MTU: the handshake's when that is lower. */
    size_t n = DTLS_get_data_mtu(d->ssl);
    if (n) return n + (d->cfg.mtu - d->join_mtu);
  }
  return d->cfg.mtu - CSCTP_DTLS_MAX_RECORD_OVERHEAD;
}

int csctp_dtls_set_handshake_mtu(csctp_dtls *d, size_t mtu) {
  if (!d || mtu < 256 || mtu > d->cfg.mtu) return CSCTP_ERR_INVALID_ARGUMENT;
  if (d->state != CSCTP_DTLS_STATE_NEW || !d->ssl) return CSCTP_ERR_INVALID_STATE;
  if (!DTLS_set_link_mtu(d->ssl, (long)mtu)) return CSCTP_ERR_INVALID_ARGUMENT;
  d->join_mtu = mtu;
  return 0;
}

const char *csctp_dtls_state_name(csctp_dtls_state st) {
  switch (st) {
  case CSCTP_DTLS_STATE_NEW: return "NEW";
  case CSCTP_DTLS_STATE_HANDSHAKING: return "HANDSHAKING";
  case CSCTP_DTLS_STATE_CONNECTED: return "CONNECTED";
  case CSCTP_DTLS_STATE_CLOSED: return "CLOSED";
  case CSCTP_DTLS_STATE_FAILED: return "FAILED";
  }
  return "?";
}

const char *csctp_dtls_alert_name(int alert) {
  if (alert < 0 || alert > 255) return "none";
  return SSL_alert_desc_string_long(alert);
}
