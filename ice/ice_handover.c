/* SPDX-License-Identifier: MIT */
/*
 * Handover of a connected ICE agent to another process (ice.h,
 * csctp_ice_agent_handover_*): the selected pair's UDP socket travels as a
 * descriptor (SCM_RIGHTS, the application's business) and what the other side needs
 * to go on without libnice in an authenticated blob. The blob, big-endian:
 *
 *   magic "CSIC", version u16, reserved u16 (0), created u64 (g_get_monotonic_time(),
 *   µs: both processes share the host's monotonic clock), flags u8 (bit 0:
 *   controlling), reserved u8 x 3 (0), tie-breaker u64,
 *   local ufrag, local pwd, remote ufrag, remote pwd (each: length u16, 1-256
 *   ice-chars),
 *   local address, remote address (each: family u8 (4 or 6), reserved u8 (0),
 *   port u16 (not 0), IPv6 scope id u32 (0 for IPv4), address 16 bytes (IPv4: 4
 *   bytes, then 12 zero bytes)),
 *   HMAC-SHA-256 of everything before it (GLib's GHmac).
 *
 * The resumed agent (ice_resume.c) answers the remote's checks with the local
 * credentials and checks consent with the remote ones, from the same socket and
 * address: the remote sees the same candidate pair.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ice_agent.h"
#include "ice_resume.h"
#include "rd.h"
#include "wr.h"

#define HO_MAGIC 0x43534943u /* "CSIC" */
#define HO_VERSION 1
#define HO_FIXED 28                 /* magic to tie-breaker */
#define HO_ADDRESS 24               /* one encoded address */
#define HO_MAC_LEN 32               /* HMAC-SHA-256 */
#define HO_KEY_MIN 16               /* CSCTP_HANDOVER_KEY_MIN (sctp.h) */
#define HO_FUTURE_US G_USEC_PER_SEC /* a blob from at most 1 s in the future */
#define HO_F_CONTROLLING 0x01u

_Static_assert(CSCTP_ICE_HANDOVER_MAX ==
                   HO_FIXED + 4 * (2 + ICE_CRED_MAX) + 2 * HO_ADDRESS + HO_MAC_LEN,
               "CSCTP_ICE_HANDOVER_MAX matches the format");

static int ho_equal(const uint8_t *a, const uint8_t *b, size_t n) {
  uint8_t d = 0;
  for (size_t i = 0; i < n; i++) d |= (uint8_t)(a[i] ^ b[i]);
  return d == 0;
}

static void ho_mac(const uint8_t *key, size_t key_len, const uint8_t *p, size_t n,
                   uint8_t out[HO_MAC_LEN]) {
  GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, key, key_len);
  gsize len = HO_MAC_LEN;
  g_hmac_update(h, p, n);
  g_hmac_get_digest(h, out, &len);
  g_hmac_unref(h);
}

int csctp_ice_agent_handover_readiness(const csctp_ice_agent *a) {
  if (!a || a->dead) return CSCTP_ICE_HANDOVER_NOT_CONNECTED;
  if (a->handed_over) return CSCTP_ICE_HANDOVER_RESUMED;
  if (a->state != CSCTP_ICE_STATE_CONNECTED) return CSCTP_ICE_HANDOVER_NOT_CONNECTED;
  if (a->resumed) return 0;
  NiceCandidate *local = NULL, *remote = NULL;
  if (!nice_agent_get_selected_pair(a->nice, a->stream, ICE_COMPONENT, &local, &remote))
    return CSCTP_ICE_HANDOVER_NOT_CONNECTED;
  if (local->type == NICE_CANDIDATE_TYPE_RELAYED || remote->type == NICE_CANDIDATE_TYPE_RELAYED ||
      local->transport != NICE_CANDIDATE_TRANSPORT_UDP ||
      remote->transport != NICE_CANDIDATE_TRANSPORT_UDP)
    return CSCTP_ICE_HANDOVER_RELAYED;
  GSocket *s = nice_agent_get_selected_socket(a->nice, a->stream, ICE_COMPONENT);
  if (!s) return CSCTP_ICE_HANDOVER_RELAYED;
  g_object_unref(s);
  return 0;
}

/* The handover state of a ready agent and its socket (borrowed), or -1. */
static int ho_describe(csctp_ice_agent *a, ice_ho_state *s) {
  memset(s, 0, sizeof *s);
  s->controlling = a->controlling;
  g_strlcpy(s->lufrag, a->ufrag, sizeof s->lufrag);
  g_strlcpy(s->lpwd, a->pwd, sizeof s->lpwd);
  if (a->resumed) {
    ice_resume_describe(a->resumed, s);
    return ice_resume_fd(a->resumed);
  }
  g_strlcpy(s->rufrag, a->rufrag, sizeof s->rufrag);
  g_strlcpy(s->rpwd, a->rpwd, sizeof s->rpwd);
  /* libnice does not expose its tie-breaker: a new one (RFC 8445 §16.1, 64 random bits). */
  s->tie_breaker = (uint64_t)g_random_int() << 32 | g_random_int();
  NiceCandidate *local = NULL, *remote = NULL;
  GSocket *sock = nice_agent_get_selected_socket(a->nice, a->stream, ICE_COMPONENT);
  if (!sock) return -1;
  int fd = g_socket_get_fd(sock);
  g_object_unref(sock); /* libnice keeps its reference until the stream goes */
  if (!nice_agent_get_selected_pair(a->nice, a->stream, ICE_COMPONENT, &local, &remote)) return -1;
  nice_address_copy_to_sockaddr(&remote->addr, (struct sockaddr *)&s->remote);
  socklen_t len = sizeof s->local;
  if (getsockname(fd, (struct sockaddr *)&s->local, &len) != 0) return -1;
  return fd;
}

static void ho_wr_cred(csctp_wr *w, const char *c) {
  size_t n = strlen(c);
  csctp_wr_u16(w, (uint16_t)n);
  csctp_wr_bytes(w, c, n);
}

static void ho_wr_address(csctp_wr *w, const struct sockaddr_storage *ss) {
  uint8_t ip[16] = {0};
  uint16_t port = 0;
  uint32_t scope = 0;
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)ss;
    memcpy(ip, &v4->sin_addr, 4);
    port = ntohs(v4->sin_port);
  } else {
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)ss;
    memcpy(ip, &v6->sin6_addr, 16);
    port = ntohs(v6->sin6_port);
    scope = v6->sin6_scope_id;
  }
  csctp_wr_u8(w, ss->ss_family == AF_INET ? 4 : 6);
  csctp_wr_u8(w, 0);
  csctp_wr_u16(w, port);
  csctp_wr_u32(w, scope);
  csctp_wr_bytes(w, ip, sizeof ip);
}

static size_t ho_size(const ice_ho_state *s) {
  return HO_FIXED + 8 + strlen(s->lufrag) + strlen(s->lpwd) + strlen(s->rufrag) + strlen(s->rpwd) +
         2 * HO_ADDRESS + HO_MAC_LEN;
}

csctp_ssize csctp_ice_agent_handover_export(csctp_ice_agent *a, const uint8_t *key, size_t key_len,
                                            uint8_t *buf, size_t cap, int *fd_out) {
  if (!a || !key || key_len < HO_KEY_MIN || (!buf && cap) || (buf && !fd_out))
    return CSCTP_ERR_INVALID_ARGUMENT;
  if (csctp_ice_agent_handover_readiness(a)) return CSCTP_ERR_INVALID_STATE;
  ice_ho_state s;
  int fd = ho_describe(a, &s);
  if (fd < 0 || (s.local.ss_family != AF_INET && s.local.ss_family != AF_INET6) ||
      s.local.ss_family != s.remote.ss_family)
    return CSCTP_ERR_INVALID_STATE;
  size_t size = ho_size(&s);
  if (!buf) return (csctp_ssize)size;
  if (cap < size) return CSCTP_ERR_NOBUF;
  csctp_wr w;
  csctp_wr_init(&w, buf, cap);
  csctp_wr_u32(&w, HO_MAGIC);
  csctp_wr_u16(&w, HO_VERSION);
  csctp_wr_u16(&w, 0);
  csctp_wr_u64(&w, (uint64_t)g_get_monotonic_time());
  csctp_wr_u8(&w, s.controlling ? HO_F_CONTROLLING : 0);
  for (int i = 0; i < 3; i++) csctp_wr_u8(&w, 0);
  csctp_wr_u64(&w, s.tie_breaker);
  ho_wr_cred(&w, s.lufrag);
  ho_wr_cred(&w, s.lpwd);
  ho_wr_cred(&w, s.rufrag);
  ho_wr_cred(&w, s.rpwd);
  ho_wr_address(&w, &s.local);
  ho_wr_address(&w, &s.remote);
  if (w.overflow || w.len + HO_MAC_LEN != size) return CSCTP_ERR_NOBUF;
  ho_mac(key, key_len, buf, w.len, buf + w.len);
  int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0)
    return errno == EMFILE || errno == ENFILE ? CSCTP_ERR_NO_DESCRIPTORS : CSCTP_ERR_NOMEM;
  /* Handed over: silent from now on. Without its stream libnice stops its timers
   * (keepalives, consent) and closes its copy of the socket: nothing of this process
   * reads or writes the pair any more; the new process owns `dup`. */
  a->handed_over = 1;
  ice_quiesce(a); /* also stops a resumed agent's sources */
  if (a->nice && a->stream) nice_agent_remove_stream(a->nice, a->stream);
  ice_log(a, CSCTP_LOG_INFO, "ice: handed over (%zu-byte blob)", size);
  *fd_out = dup;
  return (csctp_ssize)size;
}

/* ---- import ---- */

static int ho_rd_cred(csctp_rd *r, char *out, size_t min) {
  size_t n = csctp_rd_u16(r);
  const uint8_t *p = csctp_rd_bytes(r, n);
  if (!p || n > ICE_CRED_MAX) return -1;
  memcpy(out, p, n);
  out[n] = 0;
  return strlen(out) == n && ice_valid_cred(out, min) ? 0 : -1;
}

static int ho_rd_address(csctp_rd *r, struct sockaddr_storage *ss) {
  uint8_t family = csctp_rd_u8(r), reserved = csctp_rd_u8(r);
  uint16_t port = csctp_rd_u16(r);
  uint32_t scope = csctp_rd_u32(r);
  const uint8_t *ip = csctp_rd_bytes(r, 16);
  static const uint8_t zero[12] = {0};
  memset(ss, 0, sizeof *ss);
  if (!ip || reserved || port == 0) return -1;
  if (family == 4) {
    if (scope || memcmp(ip + 4, zero, sizeof zero) != 0) return -1;
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    memcpy(&v4->sin_addr, ip, 4);
    return 0;
  }
  if (family != 6) return -1;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
  v6->sin6_family = AF_INET6;
  v6->sin6_port = htons(port);
  v6->sin6_scope_id = scope;
  memcpy(&v6->sin6_addr, ip, 16);
  return 0;
}

/* The fields after the creation time; MALFORMED when one is wrong or bytes remain. */
static int ho_read(csctp_rd *r, ice_ho_state *s) {
  memset(s, 0, sizeof *s);
  uint8_t flags = csctp_rd_u8(r);
  uint8_t res[3] = {csctp_rd_u8(r), csctp_rd_u8(r), csctp_rd_u8(r)};
  s->controlling = (flags & HO_F_CONTROLLING) != 0;
  s->tie_breaker = csctp_rd_u64(r);
  if (r->bad || (flags & ~HO_F_CONTROLLING) || res[0] || res[1] || res[2] ||
      ho_rd_cred(r, s->lufrag, 4) || ho_rd_cred(r, s->lpwd, 22) || ho_rd_cred(r, s->rufrag, 1) ||
      ho_rd_cred(r, s->rpwd, 1) || ho_rd_address(r, &s->local) || ho_rd_address(r, &s->remote) ||
      s->local.ss_family != s->remote.ss_family || r->bad || csctp_rd_left(r) != 0)
    return CSCTP_ERR_MALFORMED;
  return 0;
}

/* The descriptor is a UDP socket of the blob's family. */
static int ho_check_fd(int fd, const ice_ho_state *s) {
  int type = 0;
  socklen_t tl = sizeof type;
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_DGRAM ||
      getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 || ss.ss_family != s->local.ss_family)
    return CSCTP_ERR_INVALID_ARGUMENT;
  return 0;
}

static int ho_parse(const uint8_t *key, size_t key_len, const uint8_t *blob, size_t len,
                    uint32_t max_age_ms, ice_ho_state *s) {
  /* The MAC first: nothing else of the blob is looked at before it is proven ours. */
  if (len < HO_MAC_LEN) return CSCTP_ERR_HANDOVER_AUTH;
  size_t body = len - HO_MAC_LEN;
  uint8_t mac[HO_MAC_LEN];
  ho_mac(key, key_len, blob, body, mac);
  if (!ho_equal(mac, blob + body, HO_MAC_LEN)) return CSCTP_ERR_HANDOVER_AUTH;
  csctp_rd r;
  csctp_rd_init(&r, blob, body);
  uint32_t magic = csctp_rd_u32(&r);
  uint16_t version = csctp_rd_u16(&r);
  if (r.bad || magic != HO_MAGIC) return CSCTP_ERR_MALFORMED;
  if (version != HO_VERSION) return CSCTP_ERR_HANDOVER_VERSION;
  uint16_t reserved = csctp_rd_u16(&r);
  uint64_t created = csctp_rd_u64(&r);
  if (r.bad || reserved) return CSCTP_ERR_MALFORMED;
  uint64_t now = (uint64_t)g_get_monotonic_time();
  if (created > now ? created - now > HO_FUTURE_US : now - created > (uint64_t)max_age_ms * 1000)
    return CSCTP_ERR_HANDOVER_STALE;
  return ho_read(&r, s);
}

int csctp_ice_agent_handover_import_versioned(csctp_ice_agent **out, struct _GMainContext *ctx,
                                              int config_version, const csctp_ice_config *ucfg,
                                              const uint8_t *key, size_t key_len,
                                              const uint8_t *blob, size_t len, int fd,
                                              uint32_t max_age_ms) {
  if (!out) return CSCTP_ERR_INVALID_ARGUMENT;
  *out = NULL;
  csctp_ice_config buf;
  const csctp_ice_config *cfg = ice_config_in(config_version, ucfg, &buf);
  if (!cfg || !cfg->on_event || !key || key_len < HO_KEY_MIN || (!blob && len) || fd < 0)
    return CSCTP_ERR_INVALID_ARGUMENT;
  ice_ho_state s;
  int rv = ho_parse(key, key_len, blob, len, max_age_ms, &s);
  if (rv || (rv = ho_check_fd(fd, &s)) != 0) return rv;
  const csctp_mem *mem = cfg->mem ? cfg->mem : csctp_mem_default();
  csctp_ice_agent *a = mem->calloc(1, sizeof *a, mem->user_data);
  if (!a) return CSCTP_ERR_NOMEM;
  a->mem = mem;
  a->log = cfg->log;
  a->log_user_data = cfg->log_user_data;
  a->log_mask = cfg->log_mask;
  memcpy(a->log_levels, cfg->log_levels, sizeof a->log_levels);
  a->on_event = cfg->on_event;
  a->user_data = cfg->user_data;
  a->controlling = s.controlling;
  a->gathering = a->remote_creds = a->remote_done = 1;
  a->state = CSCTP_ICE_STATE_CONNECTED; /* the pair was up: no STATE event */
  g_strlcpy(a->ufrag, s.lufrag, sizeof a->ufrag);
  g_strlcpy(a->pwd, s.lpwd, sizeof a->pwd);
  g_strlcpy(a->rufrag, s.rufrag, sizeof a->rufrag);
  g_strlcpy(a->rpwd, s.rpwd, sizeof a->rpwd);
  a->ctx = g_main_context_ref(ctx ? ctx : g_main_context_default());
  rv = ice_resume_start(a, &s, fd, cfg->consent_freshness);
  if (rv) {
    g_main_context_unref(a->ctx);
    mem->free(a, mem->user_data);
    return rv;
  }
  ice_log(a, CSCTP_LOG_INFO, "ice: resumed from a handover (%s, ufrag %s)",
          a->controlling ? "controlling" : "controlled", a->ufrag);
  *out = a;
  return 0;
}
