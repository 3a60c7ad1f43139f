/* SPDX-License-Identifier: MIT */
/*
 * The endpoint's routing of a multi-homed association (RFC 9260 §5.1.2, §6.4, §8.5;
 * RFC 5062 §3): by_addr holds one entry per path, path 0 as every association's key
 * (ep_entry.key), paths 1.. in ep_entry.x. A packet from a confirmed path goes to its
 * association; from an unconfirmed one only when it carries that association's own tag
 * (a HEARTBEAT ACK verifying the path): an address that a peer merely listed (address
 * camping) or one already used by another association (stealing) never routes an INIT or a
 * COOKIE ECHO, nor another association's packets, to it. Also the _via calls' entry points.
 */
#include <string.h>

#include "assoc_asconf.h"
#include "assoc_endpoint.h"
#include "endpoint_priv.h"
#include "mem.h"

uint16_t csctp_assoc_ep_paths_sig_mp(const csctp_assoc *a) {
  const csctp_assoc_mp *mp = a->mp;
  uint16_t sig = mp->n;
  for (unsigned i = 1; i < mp->n; i++)
    if ((i ? mp->px[i - 1].state : a->p0.state) != CSCTP_PATH_UNCONFIRMED)
      sig |= (uint16_t)(1u << (3 + i));
  /* RFC 5061: an address added or deleted by ASCONF (the same count and states may hide it). */
  return (uint16_t)(sig | csctp_assoc_asconf_gen(a) << 11);
}

void csctp_ep_paths_unindex(csctp_endpoint *e, uint32_t id) {
  ep_entry *en = &e->v[id];
  for (unsigned i = 0; i < en->n_x; i++) csctp_ep_map_del(&e->by_addr, en->x[i].h, id);
  e->n_xkeys -= en->n_x;
  en->n_x = 0;
  en->confirmed = 0;
}

int csctp_ep_paths_index(csctp_endpoint *e, uint32_t id) {
  ep_entry *en = &e->v[id];
  const csctp_assoc *a = en->a;
  uint16_t sig = csctp_assoc_ep_paths_sig(a);
  csctp_ep_paths_unindex(e, id);
  const csctp_assoc_mp *mp = a->mp;
  if (!mp || mp->n <= 1) {
    en->paths_sig = sig;
    return 0;
  }
  if (!en->x) {
    en->x = csctp_calloc(e->mem, CSCTP_PATHS_MAX - 1, sizeof(*en->x));
    if (!en->x) return CSCTP_ERR_NOMEM;
  }
  /* Entries for paths 1..n-1: at most CSCTP_PATHS_MAX - 1 per association. */
  int rv = csctp_ep_map_reserve(&e->by_addr, e->mem, e->n + e->n_xkeys + mp->n);
  if (rv) return rv;
  for (unsigned i = 1; i < mp->n; i++) {
    if (mp->px[i - 1].state == 0) continue; /* a slot ASCONF freed */
    ep_xkey *x = &en->x[en->n_x];
    ep_key_of(e, &mp->addr[i], &x->key);
    if (ep_key_eq(&x->key, &en->key)) continue;
    x->h = ep_hash_key(e, &x->key, en->rport);
    csctp_ep_map_put(&e->by_addr, x->h, id);
    if (sig >> (3 + i) & 1) en->confirmed |= (uint8_t)(1u << en->n_x);
    en->n_x++;
    e->n_xkeys++;
  }
  en->paths_sig = sig;
  return 0;
}

/* ---- the multi-homed entry points ---- */

int csctp_endpoint_set_local_addrs(csctp_endpoint *e, const csctp_addr *addrs, size_t n) {
  if (!e || n > CSCTP_PATHS_MAX || (n && !addrs)) return CSCTP_ERR_INVALID_ARGUMENT;
  if (e->cfg.max_paths <= 1 || e->n) return CSCTP_ERR_INVALID_STATE;
  for (size_t i = 0; i < n; i++)
    if (!csctp_addr_family(&addrs[i], e->cfg.addr_port_len, NULL, NULL))
      return CSCTP_ERR_INVALID_ARGUMENT;
  if (n) memcpy(e->laddrs, addrs, n * sizeof(*addrs));
  e->cfg.local_addrs = e->laddrs;
  e->cfg.n_local_addrs = (uint32_t)n;
  csctp_assoc_mp *mp = e->listener->mp; /* the stateless INIT ACK lists them too */
  if (mp) {
    memcpy(mp->laddrs, e->laddrs, sizeof(mp->laddrs));
    mp->n_laddrs = (uint8_t)n;
  }
  return 0;
}

int csctp_endpoint_connectx(csctp_endpoint *e, const csctp_addr *peers, size_t n,
                            uint16_t remote_port, const csctp_config *cfg, csctp_tstamp now,
                            csctp_assoc **pa) {
  if (!e || !peers || !n || n > CSCTP_PATHS_MAX || !pa) return CSCTP_ERR_INVALID_ARGUMENT;
  const csctp_config *c = cfg ? cfg : &e->cfg;
  if (c->max_paths < n) return CSCTP_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < n; i++)
    if (!csctp_addr_family(&peers[i], c->addr_port_len, NULL, NULL))
      return CSCTP_ERR_INVALID_ARGUMENT;
  /* One association per peer: none of its addresses may route to a live one already. */
  csctp_ep_settle(e);
  for (size_t i = 1; i < n; i++)
    if (csctp_ep_find(e, &peers[i], remote_port, 0) != CSCTP_EP_NONE)
      return CSCTP_ERR_INVALID_STATE;
  int rv = csctp_endpoint_connect(e, &peers[0], remote_port, cfg, now, pa);
  if (rv) return rv;
  for (size_t i = 1; i < n; i++) {
    /* CLOSED until the INIT is written: csctp_endpoint_connect only queued it. */
    rv = csctp_assoc_path_add(*pa, &peers[i], CSCTP_PATH_ACTIVE, now) < 0 ? CSCTP_ERR_NOMEM : 0;
    if (rv) break;
  }
  if (!rv) {
    csctp_ep_sync(e, csctp_ep_id_of(e, *pa));
    return 0;
  }
  csctp_endpoint_remove(e, *pa);
  *pa = NULL;
  return rv;
}
