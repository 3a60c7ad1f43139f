/* SPDX-License-Identifier: MIT */
/* The in-memory DTLS pair driver (see dtls_pair.h). */
#include "dtls_pair.h"

#include <stdio.h>
#include <string.h>

int dtls_pair_init(dtls_pair *p, const dtls_pair_opts *o) {
  dtls_pair_opts def = {.seed = 1, .srtp = -1};
  if (!o) o = &def;
  memset(p, 0, sizeof *p);
  p->now = 1 * CSCTP_SECONDS;
  p->delay = 20 * CSCTP_MILLISECONDS;
  p->loss = o->loss;
  csctp_prng_seed(&p->rng, o->seed);
  int rv;
  for (int i = 0; i < 2; i++) {
    rv = csctp_dtls_cert_generate(&p->side[i].cert, i ? "server" : "client", 1700000000, NULL);
    if (rv) return rv;
  }
  for (int i = 0; i < 2; i++) {
    csctp_dtls_fingerprint fp;
    rv = csctp_dtls_cert_fingerprint(p->side[1 - i].cert, CSCTP_DTLS_HASH_SHA256, &fp);
    if (rv) return rv;
    if (o->wrong_fingerprint[i]) fp.value[7] ^= 0x01;
    csctp_dtls_config cfg;
    csctp_dtls_config_default(&cfg);
    cfg.role = i ? CSCTP_DTLS_SERVER : CSCTP_DTLS_CLIENT;
    cfg.cert = p->side[i].cert;
    cfg.remote_fingerprints = &fp;
    cfg.remote_fingerprint_count = 1;
    cfg.cookie_exchange = o->cookie_exchange;
    if (o->srtp >= 0) cfg.srtp = o->srtp;
    cfg.cipher_list = o->cipher_list[i];
    cfg.srtp_profiles = o->srtp_profiles[i];
    cfg.keylog = o->keylog;
    cfg.keylog_user_data = o->keylog_user_data;
    if (o->mtu) cfg.mtu = o->mtu;
    cfg.log = o->log;
    cfg.log_user_data = o->log_user_data;
    cfg.log_mask = csctp_log_mask_parse(o->log_spec);
    csctp_log_levels_parse(o->log_spec, cfg.log_levels);
    cfg.rand = csctp_prng_rand_fn;
    cfg.rand_user_data = &p->rng;
    rv = csctp_dtls_new(&p->side[i].ep, &cfg);
    if (rv) return rv;
  }
  for (int i = 0; i < 2; i++) {
    rv = csctp_dtls_start(p->side[i].ep, p->now);
    if (rv) return rv;
  }
  return 0;
}

void dtls_pair_free(dtls_pair *p) {
  for (int i = 0; i < 2; i++) {
    csctp_dtls_del(p->side[i].ep);
    csctp_dtls_cert_del(p->side[i].cert);
  }
}

static void pair_drain(dtls_pair *p, int i) {
  dtls_pair_side *s = &p->side[i];
  csctp_dtls_event ev;
  while (csctp_dtls_poll_event(s->ep, &ev)) {
    switch (ev.type) {
    case CSCTP_DTLS_EVENT_CONNECTED:
      s->connected = 1;
      snprintf(s->cipher, sizeof s->cipher, "%s", ev.u.connected.cipher);
      s->srtp = ev.u.connected.srtp_profile;
      break;
    case CSCTP_DTLS_EVENT_DATA:
      if (s->ndata < DTLS_PAIR_MAX_DATA && ev.u.data.len <= sizeof s->data[0]) {
        memcpy(s->data[s->ndata], ev.u.data.data, ev.u.data.len);
        s->data_len[s->ndata++] = ev.u.data.len;
      }
      break;
    case CSCTP_DTLS_EVENT_CLOSED:
      s->closed = 1;
      s->closed_by_peer = ev.u.closed.by_peer;
      break;
    case CSCTP_DTLS_EVENT_ERROR:
      s->failed = 1;
      s->error = ev;
      break;
    default: break;
    }
  }
  uint8_t buf[1500];
  csctp_ssize n;
  while ((n = csctp_dtls_write_datagram(s->ep, buf, sizeof buf, p->now)) > 0) {
    s->sent++;
    if ((size_t)n > s->largest) s->largest = (size_t)n;
    if (csctp_prng_chance(&p->rng, p->loss) || p->nflight == DTLS_PAIR_MAX_FLIGHT) {
      s->dropped++;
      continue;
    }
    dtls_pair_dgram *d = &p->flight[p->nflight++];
    d->at = p->now + p->delay;
    d->to = 1 - i;
    d->len = (size_t)n;
    memcpy(d->data, buf, (size_t)n);
  }
}

int dtls_pair_run(dtls_pair *p, dtls_pair_pred pred, csctp_tstamp max) {
  csctp_tstamp end = p->now + max;
  for (;;) {
    pair_drain(p, 0);
    pair_drain(p, 1);
    if (pred && pred(p)) return 1;
    csctp_tstamp next = CSCTP_TSTAMP_NONE;
    for (size_t k = 0; k < p->nflight; k++)
      if (p->flight[k].at < next) next = p->flight[k].at;
    for (int i = 0; i < 2; i++) {
      csctp_tstamp e = csctp_dtls_expiry(p->side[i].ep);
      if (e < next) next = e;
    }
    if (next == CSCTP_TSTAMP_NONE || next > end) return 0;
    if (next > p->now) p->now = next;
    /* Deliver due datagrams in send order, then run due timers. */
    size_t k = 0;
    while (k < p->nflight) {
      if (p->flight[k].at <= p->now) {
        dtls_pair_dgram d = p->flight[k];
        memmove(&p->flight[k], &p->flight[k + 1], (p->nflight - k - 1) * sizeof d);
        p->nflight--;
        csctp_dtls_read_datagram(p->side[d.to].ep, d.data, d.len, p->now);
        pair_drain(p, d.to);
      } else {
        k++;
      }
    }
    for (int i = 0; i < 2; i++)
      if (csctp_dtls_expiry(p->side[i].ep) <= p->now)
        csctp_dtls_handle_expiry(p->side[i].ep, p->now);
  }
}

int dtls_pair_both_connected(dtls_pair *p) { return p->side[0].connected && p->side[1].connected; }

static int side_done(const dtls_pair_side *s) { return s->connected || s->failed || s->closed; }

int dtls_pair_both_done(dtls_pair *p) { return side_done(&p->side[0]) && side_done(&p->side[1]); }
