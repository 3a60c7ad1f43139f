/* SPDX-License-Identifier: MIT */
/*
 * The endpoint's sans-IO surface: datagrams in and out, the event queue, the
 * retransmission timer on the caller's clock, application data and close.
 */
#include <csctp/dtls.h>

#include <openssl/err.h>
#include <string.h>

#include "dtls_priv.h"

/* DTLS plaintext never exceeds 2^14 bytes (RFC 6347 §4.1). */
#define DTLS_MAX_PLAINTEXT 16384

/* One queued event; DATA is followed by `len` bytes, entries 8-byte aligned. */
typedef struct dtls_evhdr {
  int32_t type, a, b, c;
  uint32_t len, pad;
} dtls_evhdr;

static size_t dtls_ev_size(size_t len) { return (sizeof(dtls_evhdr) + len + 7) & ~(size_t)7; }

/* Called at the start of each call: earlier event data may now be overwritten. */
static void dtls_evq_compact(csctp_dtls *d) {
  if (d->evq_head == d->evq_len) {
    d->evq_head = d->evq_len = 0;
  } else if (d->evq_head) {
    memmove(d->evq, d->evq + d->evq_head, d->evq_len - d->evq_head);
    d->evq_len -= d->evq_head;
    d->evq_head = 0;
  }
}

static int dtls_evq_reserve(csctp_dtls *d, size_t n) {
  if (d->evq_len + n <= d->evq_cap) return 0;
  size_t cap = d->evq_cap ? d->evq_cap : 4096;
  while (cap < d->evq_len + n) cap *= 2;
  uint8_t *p = d->mem->realloc(d->evq, cap, d->mem->user_data);
  if (!p) return CSCTP_ERR_NOMEM;
  d->evq = p;
  d->evq_cap = cap;
  return 0;
}

size_t csctp_dtls_trim(csctp_dtls *d) {
  if (!d || !d->evq || d->evq_head != d->evq_len) return 0;
  size_t freed = d->evq_cap;
  d->mem->free(d->evq, d->mem->user_data);
  d->evq = NULL;
  d->evq_head = d->evq_len = d->evq_cap = 0;
  return freed;
}

void csctp_dtls_push_event(csctp_dtls *d, csctp_dtls_event_type type, int a, int b, int c) {
  if (type == CSCTP_DTLS_EVENT_ERROR) {
    d->state = CSCTP_DTLS_STATE_FAILED;
    d->deadline = CSCTP_TSTAMP_NONE;
  }
  if (dtls_evq_reserve(d, dtls_ev_size(0))) {
    d->nomem = 1; /* the state still tells */
    return;
  }
  dtls_evhdr h = {.type = (int32_t)type, .a = a, .b = b, .c = c};
  memcpy(d->evq + d->evq_len, &h, sizeof h);
  d->evq_len += dtls_ev_size(0);
}

int csctp_dtls_poll_event(csctp_dtls *d, csctp_dtls_event *ev) {
  dtls_evq_compact(d);
  memset(ev, 0, sizeof *ev);
  if (d->evq_head == d->evq_len) return 0;
  dtls_evhdr h;
  memcpy(&h, d->evq + d->evq_head, sizeof h);
  ev->type = (csctp_dtls_event_type)h.type;
  switch (ev->type) {
  case CSCTP_DTLS_EVENT_CONNECTED:
    ev->u.connected.cipher = d->cipher;
    ev->u.connected.srtp_profile = d->srtp;
    break;
  case CSCTP_DTLS_EVENT_DATA:
    ev->u.data.data = d->evq + d->evq_head + sizeof h;
    ev->u.data.len = h.len;
    break;
  case CSCTP_DTLS_EVENT_CLOSED: ev->u.closed.by_peer = h.a; break;
  case CSCTP_DTLS_EVENT_ERROR:
    ev->u.error.error = h.a;
    ev->u.error.alert = h.b;
    ev->u.error.alert_by_peer = h.c;
    break;
  default: break;
  }
  d->evq_head += dtls_ev_size(h.len);
  return 1;
}

uint8_t *csctp_dtls_data_slot(csctp_dtls *d, size_t cap) {
  if (dtls_evq_reserve(d, dtls_ev_size(cap))) {
    d->nomem = 1;
    return NULL;
  }
  return d->evq + d->evq_len + sizeof(dtls_evhdr);
}

void csctp_dtls_data_commit(csctp_dtls *d, size_t len) {
  dtls_evhdr h = {.type = CSCTP_DTLS_EVENT_DATA, .len = (uint32_t)len};
  memcpy(d->evq + d->evq_len, &h, sizeof h);
  d->evq_len += dtls_ev_size(len);
  d->stats.records_in++;
  d->stats.app_bytes_in += (uint64_t)len;
}

/* Peer's close_notify: answer with ours (RFC 5246 §7.2.1). */
static void dtls_closed_by_peer(csctp_dtls *d) {
  SSL_shutdown(d->ssl);
  d->state = CSCTP_DTLS_STATE_CLOSED;
  d->deadline = CSCTP_TSTAMP_NONE;
  csctp_dtls_push_event(d, CSCTP_DTLS_EVENT_CLOSED, 1, 0, 0);
}

/* Reads every application record OpenSSL can give, straight into the event queue. */
static void dtls_read_records(csctp_dtls *d) {
  while (d->state == CSCTP_DTLS_STATE_CONNECTED) {
    if (dtls_evq_reserve(d, dtls_ev_size(DTLS_MAX_PLAINTEXT))) {
      d->nomem = 1;
      return;
    }
    uint8_t *slot = d->evq + d->evq_len;
    int n = SSL_read(d->ssl, slot + sizeof(dtls_evhdr), DTLS_MAX_PLAINTEXT);
    if (n > 0) {
      csctp_dtls_note_app_record(d, (size_t)n);
      csctp_dtls_data_commit(d, (size_t)n);
      continue;
    }
    int err = SSL_get_error(d->ssl, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;
    if (err == SSL_ERROR_ZERO_RETURN) {
      dtls_closed_by_peer(d);
    } else {
      csctp_dtls_fail(d);
    }
  }
  /* Clearing costs a walk of the thread's whole error queue: only when there is one. */
  if (ERR_peek_error()) ERR_clear_error();
}

/* Advances the handshake with whatever the BIO holds. */
static void dtls_drive(csctp_dtls *d) {
  if (d->state == CSCTP_DTLS_STATE_HANDSHAKING) {
    int r = SSL_do_handshake(d->ssl);
    if (r == 1) {
      csctp_dtls_on_handshake_done(d);
    } else {
      int err = SSL_get_error(d->ssl, r);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) csctp_dtls_fail(d);
      ERR_clear_error();
      return;
    }
  }
  dtls_read_records(d);
}

int csctp_dtls_start(csctp_dtls *d, csctp_tstamp now) {
  if (d->state != CSCTP_DTLS_STATE_NEW) return CSCTP_ERR_INVALID_STATE;
  d->now = now;
  dtls_evq_compact(d);
  d->state = CSCTP_DTLS_STATE_HANDSHAKING;
  if (d->cfg.role == CSCTP_DTLS_CLIENT) dtls_drive(d); /* queues the ClientHello */
  return d->nomem ? CSCTP_ERR_NOMEM : 0;
}

int csctp_dtls_read_datagram(csctp_dtls *d, const uint8_t *data, size_t len, csctp_tstamp now) {
  d->now = now;
  dtls_evq_compact(d);
  d->stats.datagrams_in++;
  d->stats.bytes_in += len;
  if (!data || len == 0 || data[0] < 20 || data[0] > 63) { /* RFC 7983 §7 */
    d->stats.dropped_not_dtls++;
    return 0;
  }
  if (d->handed_over) return 0;
  if (d->rec) {
    csctp_dtls_rec_read(d, data, len);
    return d->nomem ? CSCTP_ERR_NOMEM : 0;
  }
  if (d->state == CSCTP_DTLS_STATE_NEW && d->cfg.role == CSCTP_DTLS_SERVER)
    d->state = CSCTP_DTLS_STATE_HANDSHAKING;
  if (d->state != CSCTP_DTLS_STATE_HANDSHAKING && d->state != CSCTP_DTLS_STATE_CONNECTED)
    return 0; /* nothing more to do with it */
  d->bio.in = data;
  d->bio.in_len = len;
  dtls_drive(d);
  d->bio.in = NULL;
  d->bio.in_len = 0;
  return d->nomem ? CSCTP_ERR_NOMEM : 0;
}

csctp_ssize csctp_dtls_write_datagram(csctp_dtls *d, uint8_t *buf, size_t cap, csctp_tstamp now) {
  d->now = now;
  if (!buf || cap < d->cfg.mtu) return CSCTP_ERR_NOBUF;
  size_t n = csctp_dtls_bio_pull(&d->bio, buf, d->cfg.mtu, d->join_mtu, &d->stats.dropped_oversize);
  if (n) {
    d->stats.datagrams_out++;
    d->stats.bytes_out += n;
    if (n > d->stats.largest_datagram_out) d->stats.largest_datagram_out = (uint32_t)n;
  }
  return (csctp_ssize)n;
}

csctp_tstamp csctp_dtls_expiry(const csctp_dtls *d) {
  return d->state == CSCTP_DTLS_STATE_HANDSHAKING ? d->deadline : CSCTP_TSTAMP_NONE;
}

int csctp_dtls_handle_expiry(csctp_dtls *d, csctp_tstamp now) {
  d->now = now;
  dtls_evq_compact(d);
  if (d->state != CSCTP_DTLS_STATE_HANDSHAKING || d->deadline == CSCTP_TSTAMP_NONE ||
      now < d->deadline)
    return 0;
  int forced = csctp_dtls_bio_expire_timer(&d->bio);
  int r = DTLSv1_handle_timeout(d->ssl);
  if (r > 0) {
    d->stats.retransmit_timeouts++;
    csctp_dtls_log(d, CSCTP_LOG_WARN, "retransmitted the last flight; next timeout %u ms",
                   d->timer_us / 1000);
  } else if (r < 0) {
    csctp_dtls_fail(d); /* too many timeouts (OpenSSL allows 12 per flight) */
  } else if (!forced) {
    /* OpenSSL's own clock has not reached its deadline yet: look again shortly. */
    d->deadline = now + 10 * CSCTP_MILLISECONDS;
  }
  ERR_clear_error();
  return d->nomem ? CSCTP_ERR_NOMEM : 0;
}

int csctp_dtls_send(csctp_dtls *d, const uint8_t *data, size_t len, csctp_tstamp now) {
  d->now = now;
  dtls_evq_compact(d);
  if (d->handed_over) return CSCTP_ERR_INVALID_STATE;
  if (d->state == CSCTP_DTLS_STATE_CLOSED) return CSCTP_ERR_CLOSED;
  if (d->state != CSCTP_DTLS_STATE_CONNECTED) return CSCTP_ERR_INVALID_STATE;
  if (!data || len == 0) return CSCTP_ERR_INVALID_ARGUMENT;
  if (len > csctp_dtls_data_mtu(d)) return CSCTP_ERR_MSG_TOO_LARGE;
  if (csctp_dtls_bio_pending(&d->bio) > DTLS_SEND_LIMIT) return CSCTP_ERR_WOULD_BLOCK;
  if (d->rec) {
    int rv = csctp_dtls_rec_send(d, DTLS_CT_APP_DATA, data, len);
    if (rv) return rv;
    d->stats.records_out++;
    d->stats.app_bytes_out += len;
    return 0;
  }
  int n = SSL_write(d->ssl, data, (int)len);
  if (n != (int)len) {
    int rv = d->bio.nomem ? CSCTP_ERR_NOMEM : CSCTP_ERR_CRYPTO;
    d->bio.nomem = 0;
    ERR_clear_error();
    return rv;
  }
  d->stats.records_out++;
  d->stats.app_bytes_out += len;
  return 0;
}

int csctp_dtls_close(csctp_dtls *d, csctp_tstamp now) {
  d->now = now;
  dtls_evq_compact(d);
  if (d->state != CSCTP_DTLS_STATE_CONNECTED || d->handed_over) return CSCTP_ERR_INVALID_STATE;
  if (d->rec) {
    static const uint8_t close_notify[2] = {1, 0}; /* warning, close_notify */
    (void)csctp_dtls_rec_send(d, DTLS_CT_ALERT, close_notify, sizeof close_notify);
  } else {
    SSL_shutdown(d->ssl); /* queues close_notify */
    ERR_clear_error();
  }
  d->state = CSCTP_DTLS_STATE_CLOSED;
  csctp_dtls_push_event(d, CSCTP_DTLS_EVENT_CLOSED, 0, 0, 0);
  return 0;
}
