/* SPDX-License-Identifier: MIT */
/*
 * Addresses of a multi-homed association (RFC 9260 §5.1.2): the IP form of csctp_addr, the
 * IPv4/IPv6 Address parameters we list in INIT and INIT ACK, and the filter the peer's list
 * goes through before its addresses become paths.
 */
#include <string.h>

#include "assoc.h"
#include "packet.h"

static int addr_ip(csctp_addr *a, const uint8_t *ip, size_t n, uint16_t udp_port,
                   uint8_t port_len) {
  if (!a || !ip || (port_len != 0 && port_len != 2)) return CSCTP_ERR_INVALID_ARGUMENT;
  memset(a, 0, sizeof(*a));
  memcpy(a->data, ip, n);
  if (port_len) csctp_put_u16(a->data + n, udp_port);
  a->len = (uint8_t)(n + port_len);
  return 0;
}

int csctp_addr_ip4(csctp_addr *a, const uint8_t ip[4], uint16_t udp_port, uint8_t port_len) {
  return addr_ip(a, ip, 4, udp_port, port_len);
}

int csctp_addr_ip6(csctp_addr *a, const uint8_t ip[16], uint16_t udp_port, uint8_t port_len) {
  return addr_ip(a, ip, 16, udp_port, port_len);
}

int csctp_addr_family(const csctp_addr *a, uint8_t port_len, const uint8_t **ip,
                      uint16_t *udp_port) {
  if (!a || (port_len != 0 && port_len != 2)) return 0;
  int fam = a->len == 4 + port_len ? 4 : a->len == 16 + port_len ? 6 : 0;
  if (!fam) return 0;
  if (ip) *ip = a->data;
  if (udp_port) *udp_port = port_len ? csctp_get_u16(a->data + (fam == 4 ? 4 : 16)) : 0;
  return fam;
}

int csctp_assoc_addr_same_ip(const csctp_assoc *a, const csctp_addr *x, const csctp_addr *y) {
  uint8_t pl = a->cfg.addr_port_len;
  if (x->len != y->len || x->len <= pl) return 0;
  return memcmp(x->data, y->data, (size_t)x->len - pl) == 0;
}

void csctp_assoc_write_addr_params(const csctp_assoc *a, csctp_wr *w, uint8_t types) {
  if (!a->mp) return;
  uint8_t seen = 0;
  for (unsigned i = 0; i < a->mp->n_laddrs; i++) {
    const uint8_t *ip;
    int fam = csctp_addr_family(&a->mp->laddrs[i], a->cfg.addr_port_len, &ip, NULL);
    if (fam == 4 && (types & CSCTP_ADDR_TYPES_V4))
      csctp_param_write(w, CSCTP_PARAM_IPV4, ip, 4);
    else if (fam == 6 && (types & CSCTP_ADDR_TYPES_V6))
      csctp_param_write(w, CSCTP_PARAM_IPV6, ip, 16);
    seen |= fam == 4 ? CSCTP_ADDR_TYPES_V4 : fam == 6 ? CSCTP_ADDR_TYPES_V6 : 0;
  }
  /* §5.1.2: an INIT says which address types it can take (those of our addresses). */
  if (!(types & CSCTP_ADDR_TYPES_PRESENT) || !seen) return;
  uint8_t v[4];
  size_t n = 0;
  if (seen & CSCTP_ADDR_TYPES_V4) csctp_put_u16(v + 2 * n++, CSCTP_PARAM_IPV4);
  if (seen & CSCTP_ADDR_TYPES_V6) csctp_put_u16(v + 2 * n++, CSCTP_PARAM_IPV6);
  csctp_param_write(w, CSCTP_PARAM_SUPPORTED_ADDR_TYPES, v, 2 * n);
}

uint8_t csctp_assoc_addr_types_for(const csctp_assoc *a, const csctp_init_chunk *in) {
  uint8_t all = CSCTP_ADDR_TYPES_V4 | CSCTP_ADDR_TYPES_V6;
  if (!a->mp || !(in->addr_types & CSCTP_ADDR_TYPES_PRESENT)) return all;
  /* §5.1.2: the family the INIT came from is supported whatever the parameter says. */
  uint8_t t = in->addr_types & all;
  if (a->mp->src < a->mp->n) {
    int fam = csctp_addr_family(&a->mp->addr[a->mp->src], a->cfg.addr_port_len, NULL, NULL);
    t |= fam == 4 ? CSCTP_ADDR_TYPES_V4 : fam == 6 ? CSCTP_ADDR_TYPES_V6 : 0;
  }
  return t;
}

/* §5.1.2 and common sense: addresses that never name a peer's interface. */
static int ip_unusable(int fam, const uint8_t *ip, int src_loopback) {
  static const uint8_t zero[16];
  if (fam == 4) {
    if (!memcmp(ip, zero, 4) || ip[0] >= 224) return 1; /* any, multicast, class E, broadcast */
    if (ip[0] == 127 && !src_loopback) return 1;
    return 0;
  }
  if (!memcmp(ip, zero, 16) || ip[0] == 0xff) return 1; /* unspecified, multicast */
  static const uint8_t lo6[16] = {[15] = 1};
  if (!memcmp(ip, lo6, 16) && !src_loopback) return 1;
  if (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80) return 1; /* link-local: no scope to send to */
  return 0;
}

static int ip_is_loopback(int fam, const uint8_t *ip) {
  static const uint8_t lo6[16] = {[15] = 1};
  return fam == 4 ? ip[0] == 127 : !memcmp(ip, lo6, 16);
}

size_t csctp_assoc_peer_addr_list(csctp_assoc *a, const csctp_init_chunk *in, const csctp_addr *src,
                                  uint8_t out[][CSCTP_ADDR_REC], size_t max) {
  if (!a->mp || !in->params) return 0;
  const uint8_t *sip = NULL;
  int sfam = csctp_addr_family(src, a->cfg.addr_port_len, &sip, NULL);
  int src_lo = sfam && ip_is_loopback(sfam, sip);
  size_t n = 0;
  csctp_rd r;
  csctp_tlv t;
  csctp_rd_init(&r, in->params, in->params_len);
  /* The framing was checked by csctp_init_decode; the walk is bounded by the chunk. */
  while (csctp_tlv_next(&r, &t) == 1) {
    int fam = t.type == CSCTP_PARAM_IPV4 ? 4 : t.type == CSCTP_PARAM_IPV6 ? 6 : 0;
    if (!fam) continue;
    size_t iplen = fam == 4 ? 4 : 16;
    int skip = t.value_len != iplen || ip_unusable(fam, t.value, src_lo) || n >= max;
    if (!skip && sfam == fam && !memcmp(sip, t.value, iplen)) continue; /* the source: path 0 */
    for (size_t i = 0; !skip && i < n; i++)
      skip = out[i][0] == fam && !memcmp(out[i] + 1, t.value, iplen);
    for (unsigned i = 0; !skip && i < a->mp->n_laddrs; i++) { /* ours: someone lies */
      const uint8_t *lip;
      skip = csctp_addr_family(&a->mp->laddrs[i], a->cfg.addr_port_len, &lip, NULL) == fam &&
             !memcmp(lip, t.value, iplen);
    }
    if (skip) {
      a->stats.peer_addrs_ignored++;
      continue;
    }
    memset(out[n], 0, CSCTP_ADDR_REC);
    out[n][0] = (uint8_t)fam;
    memcpy(out[n] + 1, t.value, iplen);
    n++;
  }
  return n;
}

int csctp_assoc_addr_from_rec(const csctp_assoc *a, const uint8_t rec[CSCTP_ADDR_REC],
                              const csctp_addr *src, csctp_addr *out) {
  uint16_t port = 0;
  csctp_addr_family(src, a->cfg.addr_port_len, NULL, &port); /* RFC 6951 §5.3: its port */
  if (rec[0] == 4) return csctp_addr_ip4(out, rec + 1, port, a->cfg.addr_port_len);
  if (rec[0] == 6) return csctp_addr_ip6(out, rec + 1, port, a->cfg.addr_port_len);
  return CSCTP_ERR_INVALID_ARGUMENT;
}

int csctp_assoc_addr_refused(const csctp_assoc *a, int fam, const uint8_t *ip,
                             const csctp_addr *src) {
  const uint8_t *sip = NULL;
  int sfam = csctp_addr_family(src, a->cfg.addr_port_len, &sip, NULL);
  if (ip_unusable(fam, ip, sfam && ip_is_loopback(sfam, sip))) return 1;
  size_t iplen = fam == 4 ? 4 : 16;
  for (unsigned i = 0; a->mp && i < a->mp->n_laddrs; i++) { /* ours: someone lies */
    const uint8_t *lip;
    if (csctp_addr_family(&a->mp->laddrs[i], a->cfg.addr_port_len, &lip, NULL) == fam &&
        !memcmp(lip, ip, iplen))
      return 1;
  }
  return 0;
}

/* ---- A peer restart may not bring addresses (RFC 9260 §5.2.2, RFC 5062 §3) ---- */

/* Answers the restart with an ABORT carrying cause 11 (Restart of an Association with New
 * Addresses, §3.3.10.11) that lists the new ones, to the source of what it answers, with
 * the peer's new tag `tag` (T bit 0). The association stays as it was. */
static void restart_abort(csctp_assoc *a, const uint8_t (*recs)[CSCTP_ADDR_REC], size_t n,
                          uint32_t tag) {
  uint8_t buf[8 + CSCTP_PATHS_MAX * 20];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof(buf));
  size_t off = csctp_abort_write_begin(&w, 0);
  size_t coff = csctp_wr_tlv_begin(&w, CSCTP_CAUSE_RESTART_NEW_ADDRESSES);
  for (size_t i = 0; i < n; i++) {
    if (recs[i][0] == 4)
      csctp_param_write(&w, CSCTP_PARAM_IPV4, recs[i] + 1, 4);
    else
      csctp_param_write(&w, CSCTP_PARAM_IPV6, recs[i] + 1, 16);
  }
  csctp_wr_tlv_end(&w, coff);
  csctp_wr_tlv_end(&w, off);
  if (w.overflow || csctp_assoc_queue_packet(a, tag, buf, w.len) != 0) return;
  csctp_assoc_mp_reply_to_src(a);
  a->stats.aborts_sent++;
  a->mp->v5.restart_new_addr_aborts++;
  csctp_assoc_log(a, CSCTP_LOG_INFO, "peer restart with %zu new address(es) refused", n);
}

/* Keeps the records of `recs` that name no path; their number. */
static size_t only_new(const csctp_assoc *a, uint8_t (*recs)[CSCTP_ADDR_REC], size_t n) {
  const csctp_addr *src = &a->mp->addr[a->mp->src < a->mp->n ? a->mp->src : 0];
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    csctp_addr x;
    if (csctp_assoc_addr_from_rec(a, recs[i], src, &x) != 0 || csctp_assoc_path_find(a, &x) >= 0)
      continue;
    if (k != i) memcpy(recs[k], recs[i], CSCTP_ADDR_REC);
    k++;
  }
  return k;
}

int csctp_assoc_mp_restart_init(csctp_assoc *a, const csctp_init_chunk *in) {
  csctp_assoc_mp *mp = a->mp;
  if (!mp || !mp->n) return 0; /* no address known (the plain API): addresses are ignored */
  uint8_t recs[CSCTP_PATHS_MAX][CSCTP_ADDR_REC];
  /* Every usable listed address is looked at, not only max_paths of them (a restart that
   * lists more than we would take still tries to add them); the filter's counting is the
   * INIT ACK's business, not this look's. */
  uint64_t ignored = a->stats.peer_addrs_ignored;
  size_t n = csctp_assoc_peer_addr_list(a, in, &mp->addr[mp->src < mp->n ? mp->src : 0], recs,
                                        CSCTP_PATHS_MAX);
  a->stats.peer_addrs_ignored = ignored;
  n = only_new(a, recs, n);
  if (!n) return 0;
  restart_abort(a, (const uint8_t(*)[CSCTP_ADDR_REC])recs, n, in->initiate_tag);
  return 1;
}

int csctp_assoc_mp_restart_cookie(csctp_assoc *a, const csctp_cookie *c) {
  csctp_assoc_mp *mp = a->mp;
  if (!mp || !mp->n || !c->n_addrs) return 0;
  uint8_t recs[CSCTP_PATHS_MAX][CSCTP_ADDR_REC];
  size_t n = c->n_addrs < CSCTP_PATHS_MAX ? c->n_addrs : CSCTP_PATHS_MAX;
  memcpy(recs, c->addrs, n * CSCTP_ADDR_REC);
  n = only_new(a, recs, n);
  if (!n) return 0;
  restart_abort(a, (const uint8_t(*)[CSCTP_ADDR_REC])recs, n, c->peer_tag);
  return 1;
}
