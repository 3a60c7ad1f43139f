/* SPDX-License-Identifier: MIT */
/*
 * Handover of a connected endpoint to another process (dtls.h,
 * csctp_dtls_handover_*), and the imported endpoint's records.
 *
 * Under OpenSSL we learn the sequence numbers that the blob needs without
 * OpenSSL's internals: those we write from our own records' headers (bio.c),
 * those we read from the header OpenSSL's message callback shows for each
 * record, counted only once SSL_read() returned that record's plaintext (so a
 * forged record never moves the window). The blob, big-endian:
 *
 *   in clear: magic "CSDT", version u16, reserved u16 (0), created u64, nonce (12);
 *   sealed:   role u8, reserved u8 (0), cipher suite u16, SRTP profile u16, epoch u16,
 *             next write sequence u64, read window: max u64, bits u64, any u8,
 *             reserved u8 (0), master secret (48), client random (32), server random (32);
 *   the AES-256-GCM tag (16) over both, under HMAC-SHA-256(key, HO_LABEL).
 */
#include <csctp/dtls.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

#include "dtls_priv.h"
#include "rd.h"
#include "wr.h"

#define HO_VERSION 1
#define HO_HDR 28
#define HO_BODY 146
#define HO_BODY_MAX 1024 /* a later version's body we can still authenticate */
#define HO_FUTURE_SLACK CSCTP_SECONDS
#define HO_LABEL "csctp dtls handover"
/* The importer writes from this many sequence numbers past the last one we wrote: a
 * harmless gap (the peer's window moves on) that keeps a nonce from ever repeating. */
#define HO_WRITE_GAP 16
#define HO_SECRETS (DTLS_REC_MASTER + 2 * DTLS_REC_RANDOM)

static const uint8_t ho_magic[4] = {'C', 'S', 'D', 'T'};

_Static_assert(CSCTP_DTLS_HANDOVER_SIZE == HO_HDR + HO_BODY + DTLS_REC_TAG,
               "CSCTP_DTLS_HANDOVER_SIZE matches the format");

/* ---- what OpenSSL reads ---- */

void csctp_dtls_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                       SSL *ssl, void *arg) {
  (void)version;
  (void)arg;
  if (write_p || content_type != SSL3_RT_HEADER || len != sizeof(((csctp_dtls *)0)->rd_hdr)) return;
  csctp_dtls *d = SSL_get_app_data(ssl);
  if (!d) return;
  memcpy(d->rd_hdr, buf, len);
  d->rd_hdr_valid = 1;
}

void csctp_dtls_note_app_record(csctp_dtls *d, size_t len) {
  if (!d->rd_hdr_valid) return;
  d->rd_hdr_valid = 0;
  const uint8_t *h = d->rd_hdr;
  size_t overhead = dtls_rec_suite_overhead(d->suite);
  /* A record OpenSSL had buffered (no header shown for it) would not match: skip it. */
  if (h[0] != DTLS_CT_APP_DATA || !overhead ||
      (size_t)DTLS_REC_HEADER + csctp_get_u16(h + 11) != len + overhead)
    return;
  if (csctp_get_u16(h + 3) != d->bio.wr_epoch) return;
  dtls_window_mark(&d->rd_win, csctp_get_u64(h + 3) & DTLS_REC_SEQ_MAX);
}

/* ---- readiness and export ---- */

int csctp_dtls_handover_readiness(const csctp_dtls *d) {
  if (!d) return CSCTP_DTLS_HANDOVER_NOT_CONNECTED;
  int r = 0;
  if (d->state != CSCTP_DTLS_STATE_CONNECTED || d->handed_over || (!d->rec && d->bio.wr_epoch == 0))
    r |= CSCTP_DTLS_HANDOVER_NOT_CONNECTED;
  if (!d->rec && d->cfg.role == CSCTP_DTLS_SERVER && !d->rd_win.any)
    r |= CSCTP_DTLS_HANDOVER_UNCONFIRMED;
  if (!dtls_rec_suite_name(d->suite)) r |= CSCTP_DTLS_HANDOVER_CIPHER;
  if (csctp_dtls_bio_pending(&d->bio)) r |= CSCTP_DTLS_HANDOVER_OUTPUT;
  if (d->evq_head != d->evq_len) r |= CSCTP_DTLS_HANDOVER_EVENTS;
  return r;
}

/* The blob's AEAD key: HMAC-SHA-256(key, HO_LABEL). */
static int ho_key(const uint8_t *key, size_t key_len, uint8_t out[32]) {
  unsigned int n = 0;
  return HMAC(EVP_sha256(), key, (int)key_len, (const uint8_t *)HO_LABEL, sizeof HO_LABEL - 1, out,
              &n) &&
                 n == 32
             ? 0
             : CSCTP_ERR_CRYPTO;
}

/* Seals (encrypt 1) or opens (encrypt 0) `blen` bytes of body after the header `hdr`, from
 * `in` to `out`, with the tag in `tag`. Returns 0, or -1 (the tag did not verify). */
static int ho_aead(int encrypt, const uint8_t k[32], const uint8_t *hdr, const uint8_t *in,
                   size_t blen, uint8_t *out, uint8_t *tag) {
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  int ok = 0, l1 = 0, l2 = 0, la = 0;
  if (c && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, k, hdr + 16, encrypt) == 1 &&
      EVP_CipherUpdate(c, NULL, &la, hdr, HO_HDR) == 1 &&
      (blen == 0 || EVP_CipherUpdate(c, out, &l1, in, (int)blen) == 1)) {
    if (encrypt) {
      ok = EVP_CipherFinal_ex(c, out + l1, &l2) == 1 &&
           EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, DTLS_REC_TAG, tag) == 1;
    } else {
      ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, DTLS_REC_TAG, tag) == 1 &&
           EVP_CipherFinal_ex(c, out + l1, &l2) == 1;
    }
  }
  EVP_CIPHER_CTX_free(c);
  return ok ? 0 : -1;
}

/* The session's secrets: master secret, client random, server random. */
static int ho_secrets(const csctp_dtls *d, uint8_t out[HO_SECRETS]) {
  if (d->rec) {
    memcpy(out, d->secrets, HO_SECRETS);
    return 0;
  }
  SSL_SESSION *s = SSL_get_session(d->ssl);
  if (!s || SSL_SESSION_get_master_key(s, out, DTLS_REC_MASTER) != DTLS_REC_MASTER ||
      SSL_get_client_random(d->ssl, out + DTLS_REC_MASTER, DTLS_REC_RANDOM) != DTLS_REC_RANDOM ||
      SSL_get_server_random(d->ssl, out + DTLS_REC_MASTER + DTLS_REC_RANDOM, DTLS_REC_RANDOM) !=
          DTLS_REC_RANDOM)
    return CSCTP_ERR_CRYPTO;
  return 0;
}

csctp_ssize csctp_dtls_handover_export(csctp_dtls *d, const uint8_t *key, size_t key_len,
                                       csctp_tstamp now, uint8_t *buf, size_t cap) {
  if (!d || !key || key_len < CSCTP_HANDOVER_KEY_MIN || (!buf && cap))
    return CSCTP_ERR_INVALID_ARGUMENT;
  if (csctp_dtls_handover_readiness(d)) return CSCTP_ERR_INVALID_STATE;
  if (!buf) return CSCTP_DTLS_HANDOVER_SIZE;
  if (cap < CSCTP_DTLS_HANDOVER_SIZE) return CSCTP_ERR_NOBUF;
  uint8_t hdr[HO_HDR], body[HO_BODY], k[32];
  memcpy(hdr, ho_magic, 4);
  csctp_put_u16(hdr + 4, HO_VERSION);
  csctp_put_u16(hdr + 6, 0);
  csctp_put_u64(hdr + 8, now);
  if (RAND_bytes(hdr + 16, 12) != 1) return CSCTP_ERR_RANDOM;
  const dtls_window *w = d->rec ? &d->rec->win : &d->rd_win;
  memset(body, 0, sizeof body);
  body[0] = (uint8_t)d->cfg.role;
  csctp_put_u16(body + 2, d->suite);
  csctp_put_u16(body + 4, (uint16_t)d->srtp);
  csctp_put_u16(body + 6, d->rec ? d->rec->epoch : d->bio.wr_epoch);
  csctp_put_u64(body + 8, (d->rec ? d->rec->wr_seq : d->bio.wr_next) + HO_WRITE_GAP);
  csctp_put_u64(body + 16, w->max);
  csctp_put_u64(body + 24, w->bits);
  body[32] = (uint8_t)(w->any != 0);
  int rv = ho_secrets(d, body + 34);
  if (!rv) rv = ho_key(key, key_len, k);
  if (!rv && ho_aead(1, k, hdr, body, sizeof body, buf + HO_HDR, buf + HO_HDR + HO_BODY))
    rv = CSCTP_ERR_CRYPTO;
  OPENSSL_cleanse(body, sizeof body);
  OPENSSL_cleanse(k, sizeof k);
  if (rv) return rv;
  memcpy(buf, hdr, HO_HDR);
  d->handed_over = 1;
  d->state = CSCTP_DTLS_STATE_CLOSED;
  d->deadline = CSCTP_TSTAMP_NONE;
  csctp_dtls_log(d, CSCTP_LOG_INFO, "handed over");
  return CSCTP_DTLS_HANDOVER_SIZE;
}

/* ---- import ---- */

/* Checks the body's fields (authentic already). 0 or CSCTP_ERR_MALFORMED. */
static int ho_check(const uint8_t *b) {
  uint16_t srtp = csctp_get_u16(b + 4);
  int srtp_ok = srtp == CSCTP_SRTP_NONE || srtp == CSCTP_SRTP_AES128_CM_SHA1_80 ||
                srtp == CSCTP_SRTP_AES128_CM_SHA1_32 || srtp == CSCTP_SRTP_AEAD_AES_128_GCM ||
                srtp == CSCTP_SRTP_AEAD_AES_256_GCM;
  if ((b[0] != CSCTP_DTLS_CLIENT && b[0] != CSCTP_DTLS_SERVER) || b[1] || b[33] || b[32] > 1 ||
      !dtls_rec_suite_name(csctp_get_u16(b + 2)) || !srtp_ok || csctp_get_u16(b + 6) == 0 ||
      csctp_get_u64(b + 8) > DTLS_REC_SEQ_MAX || csctp_get_u64(b + 16) > DTLS_REC_SEQ_MAX ||
      (!b[32] && (csctp_get_u64(b + 16) || csctp_get_u64(b + 24))))
    return CSCTP_ERR_MALFORMED;
  return 0;
}

/* Opens and checks the blob into `body` (HO_BODY bytes). 0 or an error of the import. */
static int ho_open(const uint8_t *key, size_t key_len, const uint8_t *blob, size_t len,
                   csctp_tstamp now, csctp_tstamp max_age, uint8_t body[HO_BODY_MAX]) {
  if (len < HO_HDR + DTLS_REC_TAG || len - HO_HDR - DTLS_REC_TAG > HO_BODY_MAX)
    return CSCTP_ERR_HANDOVER_AUTH;
  size_t blen = len - HO_HDR - DTLS_REC_TAG;
  uint8_t k[32], tag[DTLS_REC_TAG];
  int rv = ho_key(key, key_len, k);
  if (rv) return rv;
  memcpy(tag, blob + len - DTLS_REC_TAG, sizeof tag);
  rv = ho_aead(0, k, blob, blob + HO_HDR, blen, body, tag) ? CSCTP_ERR_HANDOVER_AUTH : 0;
  OPENSSL_cleanse(k, sizeof k);
  if (rv) return rv;
  if (memcmp(blob, ho_magic, 4) || csctp_get_u16(blob + 6)) return CSCTP_ERR_MALFORMED;
  if (csctp_get_u16(blob + 4) != HO_VERSION) return CSCTP_ERR_HANDOVER_VERSION;
  csctp_tstamp created = csctp_get_u64(blob + 8);
  if (created > now + HO_FUTURE_SLACK || (now > created && now - created > max_age))
    return CSCTP_ERR_HANDOVER_STALE;
  if (blen != HO_BODY) return CSCTP_ERR_MALFORMED;
  return ho_check(body);
}

static int ho_build(csctp_dtls *d, const uint8_t *b) {
  d->cfg.role = (csctp_dtls_role)b[0];
  d->suite = csctp_get_u16(b + 2);
  d->srtp = (csctp_srtp_profile)csctp_get_u16(b + 4);
  d->cipher = dtls_rec_suite_name(d->suite);
  int rv = csctp_dtls_bio_init(&d->bio, d->mem);
  if (rv) return rv;
  d->secrets = d->mem->malloc(HO_SECRETS, d->mem->user_data);
  d->rec = d->mem->calloc(1, sizeof *d->rec, d->mem->user_data);
  if (!d->secrets || !d->rec) return CSCTP_ERR_NOMEM;
  memcpy(d->secrets, b + 34, HO_SECRETS);
  rv = dtls_rec_init(d->rec, d->suite, d->cfg.role == CSCTP_DTLS_CLIENT, b + 34,
                     b + 34 + DTLS_REC_MASTER, b + 34 + DTLS_REC_MASTER + DTLS_REC_RANDOM);
  if (rv) {
    d->mem->free(d->rec, d->mem->user_data);
    d->rec = NULL;
    return rv;
  }
  d->rec->epoch = csctp_get_u16(b + 6);
  d->rec->wr_seq = csctp_get_u64(b + 8);
  d->rec->win.max = csctp_get_u64(b + 16);
  d->rec->win.bits = csctp_get_u64(b + 24);
  d->rec->win.any = b[32];
  return 0;
}

int csctp_dtls_handover_import_versioned(csctp_dtls **pd, int config_version,
                                         const csctp_dtls_config *ucfg, const uint8_t *key,
                                         size_t key_len, const uint8_t *blob, size_t len,
                                         csctp_tstamp now, csctp_tstamp max_age) {
  csctp_dtls_config def, buf;
  const csctp_dtls_config *cfg = &def;
  if (ucfg) {
    cfg = csctp_dtls_config_in(config_version, ucfg, &buf);
  } else {
    csctp_dtls_config_default(&def);
  }
  if (!pd || !key || key_len < CSCTP_HANDOVER_KEY_MIN || !blob || !cfg || cfg->mtu < 256 ||
      cfg->mtu > 65535)
    return CSCTP_ERR_INVALID_ARGUMENT;
  uint8_t body[HO_BODY_MAX];
  int rv = ho_open(key, key_len, blob, len, now, max_age, body);
  if (rv) {
    OPENSSL_cleanse(body, sizeof body);
    return rv;
  }
  const csctp_mem *mem = cfg->mem ? cfg->mem : csctp_mem_default();
  csctp_dtls *d = mem->calloc(1, sizeof *d, mem->user_data);
  if (!d) {
    OPENSSL_cleanse(body, sizeof body);
    return CSCTP_ERR_NOMEM;
  }
  d->mem = mem;
  d->cfg = *cfg;
  d->join_mtu = cfg->mtu;
  d->cfg.mem = mem;
  d->cfg.cert = NULL;
  d->cfg.remote_fingerprints = NULL;
  d->cfg.remote_fingerprint_count = 0;
  d->cfg.cipher_list = NULL;
  d->cfg.srtp_profiles = NULL;
  d->state = CSCTP_DTLS_STATE_CONNECTED;
  d->deadline = CSCTP_TSTAMP_NONE;
  d->alert_sent = d->alert_recv = -1;
  d->now = now;
  rv = ho_build(d, body);
  OPENSSL_cleanse(body, sizeof body);
  if (rv) {
    csctp_dtls_del(d);
    return rv;
  }
  csctp_dtls_log(d, CSCTP_LOG_INFO, "imported as %s: %s",
                 d->cfg.role == CSCTP_DTLS_CLIENT ? "client" : "server", d->cipher);
  *pd = d;
  return 0;
}

/* ---- the imported endpoint's records ---- */

int csctp_dtls_rec_send(csctp_dtls *d, uint8_t type, const uint8_t *data, size_t len) {
  size_t n = dtls_rec_overhead(d->rec) + len;
  uint8_t *p = csctp_dtls_bio_reserve(&d->bio, n);
  if (!p) return d->bio.nomem ? CSCTP_ERR_NOMEM : CSCTP_ERR_WOULD_BLOCK;
  long r = dtls_rec_seal(d->rec, type, data, len, p, n);
  if (r <= 0) return r < 0 ? (int)r : CSCTP_ERR_CRYPTO;
  csctp_dtls_bio_commit(&d->bio, (size_t)r);
  return 0;
}

/* An authentic alert from the peer. */
static void rec_alert(csctp_dtls *d, const uint8_t *a, long len) {
  if (len != 2) {
    d->stats.dropped_other++;
    return;
  }
  if (a[1] == 0) { /* close_notify: answer with ours (RFC 5246 §7.2.1) */
    static const uint8_t close_notify[2] = {1, 0};
    (void)csctp_dtls_rec_send(d, DTLS_CT_ALERT, close_notify, sizeof close_notify);
    d->state = CSCTP_DTLS_STATE_CLOSED;
    csctp_dtls_push_event(d, CSCTP_DTLS_EVENT_CLOSED, 1, 0, 0);
  } else if (a[0] == 2) { /* fatal */
    d->alert_recv = a[1];
    csctp_dtls_log(d, CSCTP_LOG_ERROR, "alert received: fatal %d", a[1]);
    csctp_dtls_push_event(d, CSCTP_DTLS_EVENT_ERROR, CSCTP_ERR_DTLS_ALERT, a[1], 1);
  }
}

void csctp_dtls_rec_read(csctp_dtls *d, const uint8_t *data, size_t len) {
  size_t off = 0;
  while (off < len && d->state == CSCTP_DTLS_STATE_CONNECTED) {
    if (len - off < DTLS_REC_HEADER) break;
    const uint8_t *h = data + off;
    size_t n = DTLS_REC_HEADER + csctp_get_u16(h + 11);
    if (n > len - off) break;
    off += n;
    if ((h[0] != DTLS_CT_APP_DATA && h[0] != DTLS_CT_ALERT) ||
        csctp_get_u16(h + 1) != DTLS_REC_VERSION) {
      d->stats.dropped_other++; /* a handshake retransmission, a ChangeCipherSpec, junk */
      continue;
    }
    uint8_t *out = csctp_dtls_data_slot(d, n);
    if (!out) return;
    long r = dtls_rec_open(d->rec, h, n, out);
    if (r == DTLS_REC_REPLAY) {
      d->stats.dropped_replay++;
    } else if (r == DTLS_REC_EPOCH) {
      d->stats.dropped_other++;
    } else if (r < 0) {
      d->stats.dropped_auth++;
    } else if (h[0] == DTLS_CT_ALERT) {
      rec_alert(d, out, r);
    } else if (r > 0) {
      csctp_dtls_data_commit(d, (size_t)r);
    }
  }
  if (off < len && d->state == CSCTP_DTLS_STATE_CONNECTED) d->stats.dropped_other++;
}
