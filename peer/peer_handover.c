/* SPDX-License-Identifier: MIT */
/*
 * Handover of a connected peer to another process (peer.h,
 * csctp_peer_handover_*): the three layers' own blobs, bound together by one
 * MAC, and the UDP socket passed by the caller. The blob, big-endian:
 *
 *   magic "CSPR", version u16, reserved u16 (0), created u64 (monotonic µs),
 *   DTLS role u8, reserved u8 (0), SCTP local port u16, remote port u16,
 *   reserved u16 (0), session id u64, remote a=max-message-size u32,
 *   ICE blob length u16, DTLS blob length u16, data-channel blob length u32,
 *   the three blobs in that order, HMAC-SHA-256 of everything before it.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>
#include <unistd.h>

#include "peer_priv.h"
#include "rd.h"
#include "versioned.h"
#include "wr.h"

#define HO_VERSION 1
#define HO_FIXED 44
#define HO_MAC 32
#define HO_FUTURE_SLACK_US 1000000

static const uint8_t ho_magic[4] = {'C', 'S', 'P', 'R'};

static int ho_mac(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
                  uint8_t out[HO_MAC]) {
  unsigned int n = 0;
  return HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &n) && n == HO_MAC
             ? 0
             : CSCTP_ERR_CRYPTO;
}

int csctp_peer_handover_readiness(const csctp_peer *p) {
  if (!p) return CSCTP_PEER_HANDOVER_STATE;
  int r = 0;
  if (p->dead || p->handed_over || p->closing || p->state != CSCTP_PEER_STATE_CONNECTED || !p->ds ||
      !p->ice || !p->sctp_up)
    return CSCTP_PEER_HANDOVER_STATE;
  if (csctp_ice_agent_handover_readiness(p->ice)) r |= CSCTP_PEER_HANDOVER_ICE;
  if (csctp_dtls_handover_readiness(p->dtls)) r |= CSCTP_PEER_HANDOVER_DTLS;
  if (p->batch_n) r |= CSCTP_PEER_HANDOVER_OUTPUT;
  r |= csctp_dc_handover_readiness(p->dc);
  return r;
}

csctp_ssize csctp_peer_handover_export(csctp_peer *p, const uint8_t *key, size_t key_len,
                                       uint8_t *buf, size_t cap, int *fd_out) {
  if (!p || !key || key_len < CSCTP_HANDOVER_KEY_MIN || (!buf && cap) || (buf && !fd_out))
    return CSCTP_ERR_INVALID_ARGUMENT;
  if (p->dead || p->depth || csctp_peer_handover_readiness(p)) return CSCTP_ERR_INVALID_STATE;
  csctp_tstamp now = (csctp_tstamp)g_get_monotonic_time();
  csctp_ssize ice_len = csctp_ice_agent_handover_export(p->ice, key, key_len, NULL, 0, NULL);
  csctp_ssize dtls_len = csctp_dtls_handover_export(p->dtls, key, key_len, now, NULL, 0);
  csctp_ssize dc_len = csctp_dc_handover_export(p->dc, key, key_len, now, NULL, 0);
  if (ice_len < 0) return ice_len;
  if (dtls_len < 0) return dtls_len;
  if (dc_len < 0) return dc_len;
  if (ice_len > 0xffff || dtls_len > 0xffff) return CSCTP_ERR_INVALID_STATE;
  size_t total = HO_FIXED + (size_t)ice_len + (size_t)dtls_len + (size_t)dc_len + HO_MAC;
  if (!buf) return (csctp_ssize)total;
  if (cap < total) return CSCTP_ERR_NOBUF;

  memset(buf, 0, HO_FIXED);
  memcpy(buf, ho_magic, 4);
  csctp_put_u16(buf + 4, HO_VERSION);
  csctp_put_u64(buf + 8, now);
  buf[16] = (uint8_t)p->role;
  csctp_put_u16(buf + 18, p->scfg.local_port);
  csctp_put_u16(buf + 20, p->scfg.remote_port);
  csctp_put_u64(buf + 24, p->session_id);
  csctp_put_u32(buf + 32, p->remote_max_message_size);
  csctp_put_u16(buf + 36, (uint16_t)ice_len);
  csctp_put_u16(buf + 38, (uint16_t)dtls_len);
  csctp_put_u32(buf + 40, (uint32_t)dc_len);
  uint8_t *at = buf + HO_FIXED;
  /* From here on the layers are handed over one by one: the data channels first (their
   * export fails only in its last step, the MAC), ICE last (it yields the socket). */
  int fd = -1;
  csctp_ssize n =
      csctp_dc_handover_export(p->dc, key, key_len, now, at + ice_len + dtls_len, (size_t)dc_len);
  if (n >= 0 && n != dc_len) n = CSCTP_ERR_CRYPTO; /* cannot happen: sized just above */
  if (n >= 0)
    n = csctp_dtls_handover_export(p->dtls, key, key_len, now, at + ice_len, (size_t)dtls_len);
  if (n >= 0) n = csctp_ice_agent_handover_export(p->ice, key, key_len, at, (size_t)ice_len, &fd);
  if (n >= 0 && n != ice_len) n = CSCTP_ERR_CRYPTO;
  p->handed_over = 1;
  p->state = CSCTP_PEER_STATE_CLOSED; /* without an event: the connection goes on elsewhere */
  /* The pump's sources live on the agent's context: stop them before it goes, and the
   * agent with them (libnice's copy of the socket closed before the caller passes ours). */
  csctp_peer_detach_sources(p);
  p->batch_n = 0;
  csctp_ice_agent_del(p->ice);
  p->ice = NULL;
  if (n >= 0) n = ho_mac(key, key_len, buf, total - HO_MAC, buf + total - HO_MAC);
  if (n < 0) {
    if (fd >= 0) close(fd);
    return n;
  }
  csctp_peer_log(p, CSCTP_LOG_INFO, "peer: handed over (%zu-byte blob)", total);
  *fd_out = fd;
  return (csctp_ssize)total;
}

/* ---------------------------------------------------------------- import */

/* Checks the MAC, then the fixed part; the three blobs' offsets and lengths. */
static int ho_open(const uint8_t *key, size_t key_len, const uint8_t *blob, size_t len,
                   uint32_t max_age_ms, size_t *ice_len, size_t *dtls_len, size_t *dc_len) {
  uint8_t mac[HO_MAC];
  if (len < HO_FIXED + HO_MAC) return CSCTP_ERR_HANDOVER_AUTH;
  int rv = ho_mac(key, key_len, blob, len - HO_MAC, mac);
  if (rv) return rv;
  if (CRYPTO_memcmp(mac, blob + len - HO_MAC, HO_MAC) != 0) return CSCTP_ERR_HANDOVER_AUTH;
  if (memcmp(blob, ho_magic, 4) || csctp_get_u16(blob + 6)) return CSCTP_ERR_MALFORMED;
  if (csctp_get_u16(blob + 4) != HO_VERSION) return CSCTP_ERR_HANDOVER_VERSION;
  uint64_t created = csctp_get_u64(blob + 8), now = (uint64_t)g_get_monotonic_time();
  if (created > now + HO_FUTURE_SLACK_US ||
      (now > created && now - created > (uint64_t)max_age_ms * 1000))
    return CSCTP_ERR_HANDOVER_STALE;
  *ice_len = csctp_get_u16(blob + 36);
  *dtls_len = csctp_get_u16(blob + 38);
  *dc_len = csctp_get_u32(blob + 40);
  if ((blob[16] != CSCTP_DTLS_CLIENT && blob[16] != CSCTP_DTLS_SERVER) || blob[17] ||
      csctp_get_u16(blob + 22) || !csctp_get_u16(blob + 18) || !csctp_get_u16(blob + 20) ||
      HO_FIXED + *ice_len + *dtls_len + *dc_len + HO_MAC != len)
    return CSCTP_ERR_MALFORMED;
  return 0;
}

int csctp_peer_handover_import_versioned(csctp_peer **out, GMainContext *ctx, int config_version,
                                         const csctp_peer_config *ucfg, const uint8_t *key,
                                         size_t key_len, const uint8_t *blob, size_t len, int fd,
                                         uint32_t max_age_ms) {
  csctp_peer_config buf;
  const csctp_peer_config *cfg = csctp_peer_config_in(config_version, ucfg, &buf);
  if (!out || !cfg || !cfg->on_event || !key || key_len < CSCTP_HANDOVER_KEY_MIN || !blob || fd < 0)
    return CSCTP_ERR_INVALID_ARGUMENT;
  size_t ice_len, dtls_len, dc_len;
  int rv = ho_open(key, key_len, blob, len, max_age_ms, &ice_len, &dtls_len, &dc_len);
  if (rv) return rv;
  csctp_peer *p = NULL;
  rv = csctp_peer_alloc(&p, ctx, cfg, 0);
  if (rv) return rv;
  const uint8_t *at = blob + HO_FIXED;
  csctp_tstamp now = (csctp_tstamp)g_get_monotonic_time();
  csctp_tstamp age = (csctp_tstamp)max_age_ms * CSCTP_MILLISECONDS;
  p->role = (csctp_dtls_role)blob[16];
  p->scfg.local_port = csctp_get_u16(blob + 18);
  p->scfg.remote_port = csctp_get_u16(blob + 20);
  p->session_id = csctp_get_u64(blob + 24);
  p->remote_max_message_size = csctp_get_u32(blob + 32);
  csctp_dc_config dcfg;
  csctp_dc_config_default(&dcfg);
  dcfg.mem = p->mem;
  dcfg.log = p->cfg.log;
  dcfg.log_user_data = p->cfg.log_user_data;
  dcfg.log_mask = p->cfg.log_mask;
  memcpy(dcfg.log_levels, p->cfg.log_levels, sizeof dcfg.log_levels);
  rv = csctp_dc_handover_import(&p->dc, &p->assoc, &p->scfg, &dcfg, key, key_len,
                                at + ice_len + dtls_len, dc_len, now, age);
  csctp_dtls *dtls = NULL;
  if (!rv) {
    csctp_dtls_config dc;
    csctp_dtls_config_default(&dc);
    dc.mtu = p->dgram_max;
    dc.mem = p->mem;
    dc.log = p->cfg.log;
    dc.log_user_data = p->cfg.log_user_data;
    dc.log_mask = p->cfg.log_mask;
    memcpy(dc.log_levels, p->cfg.log_levels, sizeof dc.log_levels);
    rv = csctp_dtls_handover_import(&dtls, &dc, key, key_len, at + ice_len, dtls_len, now, age);
    if (!rv && csctp_dtls_get_role(dtls) != p->role) rv = CSCTP_ERR_MALFORMED;
  }
  if (!rv) {
    rv = csctp_dtls_sctp_new_connected(&p->ds, dtls, p->assoc);
    if (rv) csctp_dtls_del(dtls);
  }
  if (!rv) {
    p->dtls = dtls;
    csctp_peer_capture_start(p);
    csctp_ice_config ic;
    csctp_peer_ice_config(p, cfg, &ic);
    rv = csctp_ice_agent_handover_import(&p->ice, p->ctx, &ic, key, key_len, at, ice_len, fd,
                                         max_age_ms);
  }
  if (rv) {
    csctp_peer_free(p);
    return rv;
  }
  p->ice_connected = p->dtls_started = p->sctp_up = 1;
  p->gathering_done = 1;
  p->state = CSCTP_PEER_STATE_CONNECTED;
  p->active_at = now;
  csctp_peer_attach_sources(p);
  csctp_peer_kick(p);
  csctp_peer_log(p, CSCTP_LOG_INFO, "peer: imported (DTLS %s, %s)",
                 p->role == CSCTP_DTLS_CLIENT ? "client" : "server", csctp_dtls_get_cipher(dtls));
  *out = p;
  return 0;
}

int csctp_peer_channel_by_stream(const csctp_peer *p, uint16_t stream, csctp_dc_channel *out) {
  if (!p || p->dead || !out) return CSCTP_ERR_INVALID_ARGUMENT;
  return csctp_dc_channel_by_stream(p->dc, stream, out);
}
