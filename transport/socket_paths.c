/* SPDX-License-Identifier: MIT */
/*
 * Multi-homing in the socket API (csctp_connect_opts V4; RFC 9260 §6.4, §8, RFC 7829, RFC 5061
 * ASCONF): the options of a multi-homed socket or server, our addresses given to the link
 * (which binds the wildcard address and tells each packet's local address, IP_PKTINFO) and to
 * the endpoint (listed in INIT / INIT ACK), the peer's addresses of a connect, path events,
 * figures and the primary path. The packets of a multi-homed host go through the endpoint's
 * _via calls (socket.c's host_recv / host_write) with their route.
 */
#include <string.h>

#include "host.h"

/* 1 (IPv4) or 2 (IPv6) for an address csctp_link_addr_parse built: a bit of a version mask. */
static int addr_version(const csctp_addr *a) { return a->len == 6 ? 1 : 2; }

/* Parses `n` IP literals of `what` into out[] with UDP port `port`; *versions gathers their
 * IP versions (addr_version bits), which must all be one unless `mixed_ok` (UDP). */
static int parse_list(const char *what, const char *const *ips, size_t n, uint16_t port,
                      int mixed_ok, csctp_addr *out, int *versions, char **err_msg) {
  if (n > CSCTP_PATHS_MAX || !ips) {
    if (err_msg)
      *err_msg = g_strdup_printf("%s: %zu addresses (1 to %d)", what, n, CSCTP_PATHS_MAX);
    return CSCTP_ERR_INVALID_ARGUMENT;
  }
  for (size_t i = 0; i < n; i++) {
    if (!ips[i] || csctp_link_addr_parse(ips[i], port, &out[i]) != 0) {
      if (err_msg)
        *err_msg = g_strdup_printf("%s: not an IP address: '%s'", what, ips[i] ? ips[i] : "NULL");
      return CSCTP_ERR_INVALID_ARGUMENT;
    }
    *versions |= addr_version(&out[i]);
    if (*versions == 3 && !mixed_ok) {
      if (err_msg)
        *err_msg = g_strdup_printf(
            "%s: '%s': IPv4 and IPv6 together need UDP; over raw IP "
            "one IP version",
            what, ips[i]);
      return CSCTP_ERR_INVALID_ARGUMENT;
    }
  }
  return 0;
}

static int opts_multi(const csctp_connect_opts *o) {
  return o->n_local_addresses > 0 || o->n_hosts > 1;
}

int csctp_host_multi_config(host *h, const csctp_connect_opts *o, csctp_config *cfg,
                            const char **local_ip, char **err_msg) {
  if (!opts_multi(o)) return 0;
  int versions = 0, udp = o->udp_transport != 0;
  int rv = parse_list("local_addresses", o->local_addresses, o->n_local_addresses, 0, udp,
                      h->laddrs, &versions, err_msg);
  csctp_addr peers[CSCTP_PATHS_MAX];
  int pv = versions;
  if (!rv && o->n_hosts && !o->passive) /* checked again with their port at the connect */
    rv = parse_list("hosts", o->hosts, o->n_hosts, 0, udp, peers, &pv, err_msg);
  if (rv) return rv;
  h->dual = pv == 3; /* both versions: one IPv6 socket carrying IPv4 too */
  h->n_laddrs = o->n_local_addresses;
  h->multi = 1;
  cfg->max_paths = CSCTP_PATHS_MAX;
  cfg->addr_port_len = 2; /* link.c's addresses end with the UDP port */
  cfg->path_max_retrans = o->path_max_retrans;
  cfg->pf_max_retrans = o->pf_max_retrans;
  cfg->ps_max_retrans = o->ps_max_retrans;
  if (o->asconf) { /* RFC 5061 §4.1.1: only with AUTH; the engine lists ASCONF, ASCONF-ACK */
    cfg->auth = 1;
    cfg->asconf = 1;
  }
  if (h->n_laddrs) *local_ip = versions == 1 ? "0.0.0.0" : "::";
  return 0;
}

int csctp_host_multi_attach(host *h, const csctp_connect_opts *o, char **err_msg) {
  (void)o;
  if (!h->multi || !h->n_laddrs) return 0;
  uint16_t port = csctp_link_is_udp(h->link) ? csctp_link_udp_port(h->link) : 0;
  for (size_t i = 0; i < h->n_laddrs; i++) {
    csctp_addr *a = &h->laddrs[i];
    a->data[a->len - 2] = (uint8_t)(port >> 8);
    a->data[a->len - 1] = (uint8_t)port;
  }
  int rv = csctp_link_set_local_addrs(h->link, h->laddrs, h->n_laddrs);
  if (!rv) rv = csctp_endpoint_set_local_addrs(h->ep, h->laddrs, h->n_laddrs);
  if (rv && err_msg)
    *err_msg = g_strdup_printf("local_addresses: %s (IP_PKTINFO)", csctp_strerror(rv));
  return rv;
}

int csctp_host_multi_peers(const csctp_connect_opts *o, const csctp_addr *peer, csctp_addr *out,
                           size_t *n, char **err_msg) {
  uint16_t port = (uint16_t)(peer->data[peer->len - 2] << 8 | peer->data[peer->len - 1]);
  if (!o->n_hosts) {
    out[0] = *peer;
    *n = 1;
    return 0;
  }
  int versions = 0; /* mixed or not: csctp_host_multi_config checked */
  int rv = parse_list("hosts", o->hosts, o->n_hosts, port, 1, out, &versions, err_msg);
  if (!rv) *n = o->n_hosts;
  return rv;
}

void csctp_host_send_via(host *h, const csctp_route *to, const uint8_t *pkt, size_t len, int ecn) {
  /* No local address named (an INIT, a path nothing came from yet): the link picks one of
   * ours, so that the answer comes to an address we serve. */
  if (to->fragmentable) /* PLPMTUD: cut for a larger size, IP may fragment it */
    csctp_link_send_fragmentable_from(h->link, &to->peer, to->local, pkt, len);
  else
    csctp_link_send_from(h->link, &to->peer, to->local, pkt, len, ecn);
}

void csctp_host_path_event(csctp_socket *s, const csctp_event *ev) {
  if (!s->path_cb) return;
  char addr[64];
  csctp_link_addr_str(&ev->u.path.peer, addr, sizeof addr);
  s->path_cb(s, ev->u.path.path, addr, ev->u.path.state, ev->u.path.reason, s->ud);
}

/* ---------------------------------------------------------------- public */

void csctp_socket_on_path(csctp_socket *s, csctp_socket_path_fn fn) {
  if (s) s->path_cb = fn;
}

void csctp_server_on_path(csctp_server *srv, csctp_socket_path_fn fn) {
  if (srv) srv->path_cb = fn;
}

size_t csctp_socket_path_count(const csctp_socket *s) {
  return s && s->a ? csctp_assoc_path_count(s->a) : 0;
}

int csctp_socket_get_path_versioned(const csctp_socket *s, int version, unsigned path,
                                    csctp_path_info *out, char *addr, size_t cap) {
  if (!s || !out) return CSCTP_ERR_INVALID_ARGUMENT;
  if (!s->a) return CSCTP_ERR_INVALID_STATE;
  int rv = csctp_assoc_get_path_versioned(s->a, version, path, out);
  if (rv) return rv;
  if (addr && cap) {
    if (s->h->multi) {
      csctp_link_addr_str(&out->peer, addr, cap);
    } else { /* single-homed: the association's peer is the endpoint's */
      csctp_addr p;
      if (csctp_endpoint_assoc_peer(s->h->ep, s->a, &p, NULL) == 0)
        csctp_link_addr_str(&p, addr, cap);
      else
        addr[0] = '\0';
    }
  }
  return 0;
}

int csctp_socket_set_primary(csctp_socket *s, const char *ip) {
  if (!s || !ip) return CSCTP_ERR_INVALID_ARGUMENT;
  if (!s->a) return CSCTP_ERR_INVALID_STATE;
  csctp_addr want;
  if (csctp_link_addr_parse(ip, 0, &want) != 0) return CSCTP_ERR_INVALID_ARGUMENT;
  size_t n = csctp_assoc_path_count(s->a);
  for (unsigned i = 0; i < n; i++) {
    csctp_path_info pi;
    if (csctp_assoc_get_path(s->a, i, &pi) != 0) continue;
    /* The IP bytes only: the UDP port is the path's own. */
    if (pi.peer.len != want.len || memcmp(pi.peer.data, want.data, (size_t)want.len - 2) != 0)
      continue;
    int rv = csctp_assoc_set_primary(s->a, i, csctp_host_now());
    if (!rv) csctp_host_kick(s->h);
    return rv;
  }
  return CSCTP_ERR_INVALID_ARGUMENT;
}

/* The ASCONF requests' common part: `ip` as one of our addresses in IP form (with the link's
 * UDP port) into *a, and *idx its index among those served, -1 when none. Returns 0, or
 * CSCTP_ERR_INVALID_ARGUMENT / CSCTP_ERR_INVALID_STATE as the public calls document. */
static int served_addr(const csctp_socket *s, const char *ip, csctp_addr *a, int *idx) {
  if (!s || !ip) return CSCTP_ERR_INVALID_ARGUMENT;
  const host *h = s->h;
  if (!s->a || !h->multi || !h->n_laddrs) return CSCTP_ERR_INVALID_STATE;
  uint16_t port = csctp_link_is_udp(h->link) ? csctp_link_udp_port(h->link) : 0;
  if (csctp_link_addr_parse(ip, port, a) != 0) return CSCTP_ERR_INVALID_ARGUMENT;
  *idx = -1;
  for (size_t i = 0; i < h->n_laddrs && *idx < 0; i++)
    if (h->laddrs[i].len == a->len && memcmp(h->laddrs[i].data, a->data, a->len) == 0)
      *idx = (int)i;
  return 0;
}

int csctp_socket_add_local_address(csctp_socket *s, const char *ip) {
  csctp_addr a;
  int idx, rv = served_addr(s, ip, &a, &idx);
  if (rv) return rv;
  host *h = s->h;
  if (idx >= 0 || h->n_laddrs >= CSCTP_PATHS_MAX ||
      (!h->dual && addr_version(&a) != addr_version(&h->laddrs[0])))
    return CSCTP_ERR_INVALID_ARGUMENT;
  /* Served first, so that the peer's HEARTBEAT to it is taken; withdrawn if refused. */
  h->laddrs[h->n_laddrs] = a;
  rv = csctp_link_set_local_addrs(h->link, h->laddrs, h->n_laddrs + 1);
  if (rv) return rv;
  rv = csctp_assoc_add_local_addr(s->a, &a, csctp_host_now());
  if (rv) {
    (void)csctp_link_set_local_addrs(h->link, h->laddrs, h->n_laddrs);
    return rv;
  }
  h->n_laddrs++;
  csctp_host_kick(h);
  return 0;
}

int csctp_socket_del_local_address(csctp_socket *s, const char *ip) {
  csctp_addr a;
  int idx, rv = served_addr(s, ip, &a, &idx);
  if (rv) return rv;
  if (idx < 0) return CSCTP_ERR_INVALID_ARGUMENT; /* not one of ours */
  /* Still served: the local indexes of the paths stay, and packets the peer sent before it
   * took the request are taken. */
  rv = csctp_assoc_del_local_addr(s->a, &a, csctp_host_now());
  if (!rv) csctp_host_kick(s->h);
  return rv;
}

size_t csctp_socket_local_address_count(const csctp_socket *s) {
  if (!s) return 0;
  return s->h->n_laddrs ? s->h->n_laddrs : 1;
}

int csctp_socket_get_local_address(const csctp_socket *s, unsigned i, char *buf, size_t cap) {
  if (!s || !buf || !cap || i >= csctp_socket_local_address_count(s))
    return CSCTP_ERR_INVALID_ARGUMENT;
  const host *h = s->h;
  csctp_link_addr_str(h->n_laddrs ? &h->laddrs[i] : &h->bound, buf, cap);
  return 0;
}
