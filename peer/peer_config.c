/* SPDX-License-Identifier: MIT */
/*
 * The peer's configuration: defaults and versions of csctp_peer_config, the
 * SCTP and ICE configurations made from it, and the allocation of a peer
 * before its layers exist (csctp_peer_alloc, shared by csctp_peer_new and
 * the handover import).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "peer_priv.h"
#include "versioned.h"

static void peer_config_fill_default(void *p) {
  csctp_peer_config *cfg = p;
  memset(cfg, 0, sizeof *cfg);
  cfg->max_message_size = CSCTP_PEER_DEFAULT_MAX_MESSAGE_SIZE;
  cfg->sctp_port = CSCTP_SDP_DEFAULT_SCTP_PORT;
  cfg->sctp_rwnd = 4u << 20;
  cfg->sctp_sndbuf = 4u << 20;
  cfg->ice_connect_timeout_ms = 30000;
  cfg->dtls_srtp = 1;
  cfg->ice_pacing_ms = CSCTP_PEER_DEFAULT_ICE_PACING_MS;
  cfg->snap = 1;
  cfg->interleaving = 1;
  cfg->scheduler = CSCTP_SCHED_WFQ;
}

static size_t peer_config_size(int version) {
  switch (version) {
  case CSCTP_PEER_CONFIG_V1: return offsetof(csctp_peer_config, ice_pacing_ms);
  case CSCTP_PEER_CONFIG_V2: return offsetof(csctp_peer_config, ice_servers);
  case CSCTP_PEER_CONFIG_V3: return offsetof(csctp_peer_config, interleaving);
  case CSCTP_PEER_CONFIG_V4: return offsetof(csctp_peer_config, plpmtud_max);
  case CSCTP_PEER_CONFIG_V5: return sizeof(csctp_peer_config);
  default: return 0;
  }
}

const csctp_peer_config *csctp_peer_config_in(int config_version, const csctp_peer_config *cfg,
                                              csctp_peer_config *buf) {
  return csctp_versioned_in(cfg, peer_config_size(config_version), buf, sizeof *buf,
                            peer_config_fill_default);
}

int csctp_peer_config_default_versioned(int config_version, csctp_peer_config *cfg) {
  csctp_peer_config full;
  peer_config_fill_default(&full);
  return csctp_versioned_out(cfg, peer_config_size(config_version), &full);
}

uint32_t csctp_peer_sctp_max(uint32_t datagram) {
  return datagram - CSCTP_DTLS_MAX_RECORD_OVERHEAD;
}

size_t csctp_peer_datagram_max(const csctp_peer_config *cfg) {
  return cfg->plpmtud_max ? cfg->plpmtud_max : PEER_DTLS_MTU;
}

static int peer_rand(uint8_t *buf, size_t len, void *user_data) {
  (void)user_data;
  return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

int csctp_peer_alloc(csctp_peer **out, GMainContext *ctx, const csctp_peer_config *cfg,
                     int with_cert) {
  if (cfg->ice_pacing_ms && (cfg->ice_pacing_ms < 5 || cfg->ice_pacing_ms > 1000))
    return CSCTP_ERR_INVALID_ARGUMENT;
  if ((unsigned)cfg->scheduler >= CSCTP_SCHED_COUNT) return CSCTP_ERR_INVALID_ARGUMENT;
  if (cfg->plpmtud_max &&
      (cfg->plpmtud_max < CSCTP_PEER_DTLS_MTU || cfg->plpmtud_max > CSCTP_PEER_PLPMTUD_LIMIT ||
       (cfg->plpmtud_probe_timer_ms && cfg->plpmtud_probe_timer_ms < 1000)))
    return CSCTP_ERR_INVALID_ARGUMENT;
  const csctp_mem *mem = cfg->mem ? cfg->mem : csctp_mem_default();
  csctp_peer *p = mem->calloc(1, sizeof *p, mem->user_data);
  if (!p) return CSCTP_ERR_NOMEM;
  p->mem = mem;
  p->deadline = -1;
  p->cfg = *cfg;
  p->cfg.local_addresses = NULL; /* not kept: passed to libnice below */
  p->cfg.servers = NULL;
  p->cfg.ice_servers = NULL; /* parsed into the ICE agent's servers (csctp_peer_ice_servers) */
  if (!p->cfg.ice_pacing_ms) p->cfg.ice_pacing_ms = CSCTP_PEER_DEFAULT_ICE_PACING_MS;
  p->cfg.dtls_cipher_list = NULL; /* our copy, below */
  if (cfg->dtls_cipher_list) {
    size_t n = strlen(cfg->dtls_cipher_list) + 1;
    p->cipher_list = mem->malloc(n, mem->user_data);
    if (!p->cipher_list) {
      mem->free(p, mem->user_data);
      return CSCTP_ERR_NOMEM;
    }
    memcpy(p->cipher_list, cfg->dtls_cipher_list, n);
  }
  p->ctx = g_main_context_ref(ctx ? ctx : g_main_context_default());
  p->remote_type = -1;
  p->local_candidates = g_ptr_array_new_with_free_func(g_free);
  p->early = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  int rv = 0;
  uint64_t sid = 0;
  if (!rv && peer_rand((uint8_t *)&sid, sizeof sid, NULL)) rv = CSCTP_ERR_RANDOM;
  p->session_id = sid >> 1; /* below 2^63 (JSEP §5.2.1) */

  if (!rv && cfg->cert) {
    p->cert = cfg->cert;
  } else if (!rv && with_cert) {
    rv = csctp_dtls_cert_generate(&p->own_cert, "csctp", (int64_t)time(NULL), mem);
    p->cert = p->own_cert;
  }
  if (!rv && p->cert)
    rv = csctp_dtls_cert_fingerprint(p->cert, CSCTP_DTLS_HASH_SHA256, &p->local_fp);

  if (!rv) {
    csctp_config_default(&p->scfg);
    /*
     * The WebRTC profile's timers, as browsers run them, so that a dead browser is noticed
     * in tens of seconds (net.sctp's rto_max 60 s and 10 retransmissions take about 6
     * minutes). libwebrtc's dcsctp (net/dcsctp/public/dcsctp_options.h): rto_initial 500,
     * rto_min 400, t1_init_timeout / t1_cookie_timeout 1000, heartbeat_interval 30000,
     * delayed_ack_max_timeout 200, max_retransmissions 10, max_init_retransmits 8; Chromium
     * (media/sctp/dcsctp_transport.cc) caps every backed-off timer at 3000 ms
     * (kMaxTimerBackoffDuration) and lifts the retransmission limits, leaving a dead peer to
     * ICE consent freshness (RFC 7675, 30 s; our ICE agent does it too). Firefox runs
     * usrsctp with its defaults (RTO 1-60 s, Max.Retrans 10) and ICE consent likewise.
     * Here: rto_initial 1000 (dcsctp's T1-init: our one rto_initial also times the INIT),
     * rto_min 400, rto_max 3000 (Chromium's backoff cap: our backoff is capped by rto_max),
     * association_max_retrans 10 and max_init_retransmits 8 (dcsctp's defaults, kept so that
     * SCTP alone gives up: about 30 s of silence with data in flight, 3 s apart),
     * hb_interval 30000 and sack_timeout 200 (dcsctp's). An idle dead peer: heartbeat after
     * 30 s, then the same 30 s of retries, unless ICE consent fails it first.
     */
    p->scfg.rto_initial = 1000;
    p->scfg.rto_min = 400;
    p->scfg.rto_max = 3000;
    p->scfg.association_max_retrans = 10;
    p->scfg.max_init_retransmits = 8;
    p->scfg.hb_interval = 30000;
    p->scfg.sack_timeout = 200;
    p->scfg.local_port = cfg->sctp_port ? cfg->sctp_port : CSCTP_SDP_DEFAULT_SCTP_PORT;
    p->scfg.remote_port = CSCTP_SDP_DEFAULT_SCTP_PORT;
    p->scfg.mtu = PEER_DTLS_MTU - CSCTP_DTLS_MAX_RECORD_OVERHEAD;
    /* PLPMTUD: 1163 is the base, probes go up to the largest record's SCTP packet. */
    p->dgram_max = csctp_peer_datagram_max(cfg);
    if (cfg->plpmtud_max) {
      p->scfg.plpmtud_max = csctp_peer_sctp_max(cfg->plpmtud_max);
      if (cfg->plpmtud_probe_timer_ms) p->scfg.plpmtud_probe_timer = cfg->plpmtud_probe_timer_ms;
    }
    p->scfg.max_message_size =
        cfg->max_message_size ? cfg->max_message_size : CSCTP_PEER_DEFAULT_MAX_MESSAGE_SIZE;
    if (cfg->sctp_rwnd) p->scfg.rwnd = cfg->sctp_rwnd;
    if (cfg->sctp_sndbuf) p->scfg.sndbuf = cfg->sctp_sndbuf;
    /* A message larger than what partial delivery waits for leaves the engine in pieces
     * that the data-channel layer joins, so the window need not hold a whole message: the
     * engine's memory stays bounded by the window whatever max_message_size is. A message
     * we may send must fit an empty send buffer. */
    p->scfg.partial_delivery_point = PEER_PARTIAL_DELIVERY_POINT;
    uint32_t mms = p->scfg.max_message_size;
    if (p->scfg.sndbuf < mms) p->scfg.sndbuf = mms;
    p->scfg.rand = peer_rand;
    p->scfg.mem = mem;
    p->scfg.log = cfg->log;
    p->scfg.log_user_data = cfg->log_user_data;
    p->scfg.log_mask = cfg->log_mask;
    memcpy(p->scfg.log_levels, cfg->log_levels, sizeof p->scfg.log_levels);
    /* SCTP runs inside DTLS here: RFC 9653 zero checksum (EDMID 1, §6) when the
     * browser announces it too. */
    p->scfg.zero_checksum_edmid = CSCTP_EDMID_DTLS;
    /* RFC 8260 when the other side lists it too (Firefox does), DATA otherwise. */
    p->scfg.interleaving = cfg->interleaving != 0;
    p->scfg.scheduler = cfg->scheduler;
  }
  if (rv) {
    csctp_peer_free(p);
    return rv;
  }
  *out = p;
  return 0;
}

void csctp_peer_ice_config(const csctp_peer *p, const csctp_peer_config *cfg,
                           csctp_ice_config *ic) {
  csctp_ice_config_default(ic);
  ic->local_addresses = cfg->local_addresses;
  ic->n_local_addresses = cfg->n_local_addresses;
  ic->include_loopback = cfg->include_loopback;
  ic->port_min = cfg->port_min;
  ic->port_max = cfg->port_max;
  ic->servers = cfg->servers;
  ic->n_servers = cfg->n_servers;
  ic->connect_timeout_ms = cfg->ice_connect_timeout_ms;
  ic->controlling = cfg->offerer ? 1 : 0; /* RFC 8445 §6.1.1: fixed before gathering */
  ic->on_event = csctp_peer_on_ice;
  ic->user_data = (void *)p;
  ic->mem = p->mem;
  ic->log = cfg->log;
  ic->log_user_data = cfg->log_user_data;
  ic->log_mask = cfg->log_mask;
  memcpy(ic->log_levels, cfg->log_levels, sizeof ic->log_levels);
}

/* The hosts parsed from URLs, after the array in the same block. */
#define PEER_HOST_CAP (CSCTP_ICE_HOST_MAX + 1)

int csctp_peer_ice_servers(const csctp_peer *p, const csctp_peer_config *cfg,
                           csctp_ice_server **out, size_t *n_out) {
  *out = NULL;
  *n_out = 0;
  if (cfg->n_ice_servers && !cfg->ice_servers) return CSCTP_ERR_INVALID_ARGUMENT;
  if (cfg->n_servers && !cfg->servers) return CSCTP_ERR_INVALID_ARGUMENT;
  size_t n = cfg->n_servers, max = SIZE_MAX / (sizeof(csctp_ice_server) + PEER_HOST_CAP);
  for (size_t i = 0; i < cfg->n_ice_servers; i++) {
    const csctp_peer_ice_server *is = &cfg->ice_servers[i];
    if (is->n_urls && !is->urls) return CSCTP_ERR_INVALID_ARGUMENT;
    if (is->n_urls > max - n) return CSCTP_ERR_INVALID_ARGUMENT;
    n += is->n_urls;
  }
  if (n == cfg->n_servers) return 0; /* no URLs: the structures are used as given */
  csctp_ice_server *servers = p->mem->calloc(n, sizeof *servers + PEER_HOST_CAP, p->mem->user_data);
  if (!servers) return CSCTP_ERR_NOMEM;
  char *hosts = (char *)(servers + n);
  size_t k = 0;
  for (size_t i = 0; i < cfg->n_servers; i++) servers[k++] = cfg->servers[i];
  for (size_t i = 0; i < cfg->n_ice_servers; i++) {
    const csctp_peer_ice_server *is = &cfg->ice_servers[i];
    for (size_t j = 0; j < is->n_urls; j++, k++) {
      int rv = is->urls[j]
                   ? csctp_ice_server_parse(&servers[k], is->urls[j], is->username, is->credential,
                                            hosts + k * PEER_HOST_CAP, PEER_HOST_CAP)
                   : CSCTP_ERR_INVALID_ARGUMENT;
      if (rv) {
        csctp_peer_log(p, CSCTP_LOG_ERROR, "peer: ICE server URL \"%s\" refused: %s",
                       is->urls[j] ? is->urls[j] : "(null)", csctp_strerror(rv));
        p->mem->free(servers, p->mem->user_data);
        return CSCTP_ERR_INVALID_ARGUMENT;
      }
    }
  }
  *out = servers;
  *n_out = n;
  return 0;
}
