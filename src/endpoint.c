/* SPDX-License-Identifier: MIT */
/*
 * The endpoint: many associations on one local port (RFC 9260 §5.1, §8.5).
 *
 * Stateless answers (INIT ACK, and the out-of-the-blue replies of §8.4) come
 * from one never-connected association in CLOSED state, the "listener", whose
 * remote port is set to the packet's before each use; it keeps no state
 * between packets. An association is created only for a COOKIE ECHO whose
 * cookie carries our signature, and kept only if it reaches ESTABLISHED.
 *
 * Associations live in a table of slots (ids); every per-packet step is O(1)
 * through hash maps over ids (endpoint_map.h). A packet goes to the
 * association that its addresses and ports identify (RFC 9260 §8.5): the
 * peer's address and SCTP port (by_addr), one live association each; that
 * association then checks the verification tag (§8.5, §8.5.1), so a wrong tag
 * is dropped there in silence. Over UDP the peer's address is its IP without
 * the UDP port (RFC 6951 §5), so that a peer that comes back from another UDP
 * port is still the same peer (collision, restart). A second map, by our tag
 * and the peer's SCTP port, only tells a valid tag from an unknown address
 * (dropped: single-homed, it is not that association's) from out of the blue.
 *
 * What may move a path (csctp_endpoint_assoc_peer): the peer's IP never
 * changes; over UDP the UDP port follows a packet from the peer's IP only after
 * the association accepted it whole (checksum, tag, chunks; a COOKIE ECHO only
 * when its cookie was taken), RFC 6951 §5.4. Nothing else does.
 *
 * Timers and output cost nothing per idle association: a min-heap holds each
 * association's expiry, and two lists hold the associations that may have a
 * packet or an event. All three are brought up to date after every call the
 * endpoint makes into an association (ep_sync); the caller's own calls into
 * an association (send, shutdown, abort, stream resets, taking a message)
 * link it into e->watch (csctp_assoc_mark, no call back), which the next call
 * of the endpoint goes through; and the association handed out by the last
 * call is looked at again at the next call.
 *
 * This file: the indexes, lifetime and settings, connect and input;
 * endpoint_out.c: output, events, timers, removal and queries; endpoint_priv.h:
 * the state both share.
 */
#include <string.h>

#include "assoc_asconf.h"
#include "assoc_endpoint.h"
#include "chunk_asconf.h"
#include "endpoint_priv.h"
#include "mem.h"
#include "packet.h"
#include "versioned.h"

/* ---- keys (endpoint_priv.h) ---- */

static uint32_t ep_hash_ptr(const csctp_endpoint *e, const csctp_assoc *a) {
  return ep_mix(e->seed ^ (uint64_t)(uintptr_t)a);
}

static int addr_eq(const csctp_addr *x, const csctp_addr *y) {
  return x->len == y->len && memcmp(x->data, y->data, x->len) == 0;
}

static int ep_same_peer(const csctp_endpoint *e, const csctp_addr *x, const csctp_addr *y) {
  ep_key kx, ky;
  ep_key_of(e, x, &kx);
  ep_key_of(e, y, &ky);
  return ep_key_eq(&kx, &ky);
}

uint32_t csctp_ep_id_of(const csctp_endpoint *e, const csctp_assoc *a) {
  if (!a) return CSCTP_EP_NONE;
  uint32_t pos = CSCTP_EP_NONE, id;
  uint32_t h = ep_hash_ptr(e, a);
  while ((id = csctp_ep_map_next(&e->by_ptr, h, &pos)) != CSCTP_EP_NONE)
    if (e->v[id].a == a) return id;
  return CSCTP_EP_NONE;
}

/* ---- keeping the indexes true ---- */

/* After any call into the association of `id`: its tags, timer, output and events. */
void csctp_ep_sync(csctp_endpoint *e, uint32_t id) {
  ep_entry *en = &e->v[id];
  csctp_assoc *a = en->a;
  if (csctp_assoc_ep_local_tag(a) != en->ltag) {
    csctp_ep_map_del(&e->by_ltag, en->h_ltag, id);
    en->ltag = csctp_assoc_ep_local_tag(a);
    en->h_ltag = ep_hash_tag(e, en->ltag, en->rport);
    csctp_ep_map_put(&e->by_ltag, en->h_ltag, id);
  }
  if (csctp_assoc_ep_paths_sig(a) != en->paths_sig) csctp_ep_paths_index(e, id);
  csctp_ep_heap_set(&e->timers, id, csctp_assoc_timers_next(a));
  csctp_ep_list_push(&e->out, id);
  csctp_ep_list_push(&e->evs, id);
}

/* The caller may have called into the association we handed out last, or into others
 * directly: those marked themselves on e->watch (csctp_assoc_mark). */
void csctp_ep_settle(csctp_endpoint *e) {
  csctp_assoc *a;
  while ((a = csctp_assoc_ep_watch_pop(&e->watch)) != NULL) {
    uint32_t id = csctp_ep_id_of(e, a);
    if (id != CSCTP_EP_NONE && id != e->last) csctp_ep_sync(e, id);
  }
  if (e->last == CSCTP_EP_NONE) return;
  uint32_t id = e->last;
  e->last = CSCTP_EP_NONE;
  csctp_ep_sync(e, id);
}

/* The live association of the peer at `from` (its IP) and SCTP port `rport`, or NONE: by
 * path 0, or by another path of a multi-homed one (endpoint_route.c: a path not confirmed
 * counts only for a packet with that association's tag `vtag`). */
static inline __attribute__((always_inline)) uint32_t ep_find(const csctp_endpoint *e,
                                                              const csctp_addr *from,
                                                              uint16_t rport, uint32_t vtag) {
  ep_key k;
  ep_key_of(e, from, &k);
  uint32_t pos = CSCTP_EP_NONE, id;
  uint32_t h = ep_hash_key(e, &k, rport);
  while ((id = csctp_ep_map_next(&e->by_addr, h, &pos)) != CSCTP_EP_NONE) {
    const ep_entry *en = &e->v[id];
    if (en->rport == rport &&
        (ep_key_eq(&en->key, &k) || (en->n_x && csctp_ep_x_match(en, &k, vtag))) &&
        !csctp_assoc_ep_dead(en->a))
      return id;
  }
  return CSCTP_EP_NONE;
}

/* Over UDP the peer's UDP port follows a packet the association accepted (RFC 6951 §5.4);
 * ep_find matched its IP, which never changes, so only the port can differ. */
static void ep_follow(csctp_endpoint *e, uint32_t id, const csctp_addr *from) {
  ep_entry *en = &e->v[id];
  if (memcmp(&en->peer, from, sizeof(*from))) en->peer = *from; /* fixed size: inlined */
}

uint32_t csctp_ep_find(const csctp_endpoint *e, const csctp_addr *from, uint16_t rport,
                       uint32_t vtag) {
  return ep_find(e, from, rport, vtag);
}

static int ep_reserve(csctp_endpoint *e, uint32_t count, uint32_t ids) {
  int rv = csctp_ep_map_reserve(&e->by_ltag, e->mem, count);
  if (!rv) rv = csctp_ep_map_reserve(&e->by_addr, e->mem, count + e->n_xkeys);
  if (!rv) rv = csctp_ep_map_reserve(&e->by_ptr, e->mem, count);
  if (!rv) rv = csctp_ep_heap_reserve(&e->timers, e->mem, ids);
  if (!rv) rv = csctp_ep_list_reserve(&e->out, e->mem, ids);
  if (!rv) rv = csctp_ep_list_reserve(&e->evs, e->mem, ids);
  if (!rv && ids > e->cap) {
    uint32_t cap = e->cap ? e->cap * 2 : 8;
    while (cap < ids) cap *= 2;
    ep_entry *v = csctp_realloc(e->mem, e->v, (size_t)cap * sizeof(*v));
    uint32_t *due = v ? csctp_realloc(e->mem, e->due, (size_t)cap * sizeof(*due)) : NULL;
    if (v) e->v = v;
    if (due) e->due = due;
    if (!v || !due) return CSCTP_ERR_NOMEM;
    e->cap = cap;
  }
  return rv;
}

static int ep_add(csctp_endpoint *e, csctp_assoc *a, const csctp_addr *peer, uint16_t rport) {
  if (e->n == UINT32_MAX - 2) return CSCTP_ERR_NOMEM;
  uint32_t id = e->free_head != CSCTP_EP_NONE ? e->free_head : e->used;
  int rv = ep_reserve(e, e->n + 1, id + 1);
  if (rv) return rv;
  if (id == e->used)
    e->used++;
  else
    e->free_head = e->v[id].next_free;
  ep_entry *en = &e->v[id];
  memset(en, 0, sizeof(*en));
  en->a = a;
  en->peer = *peer;
  en->local = e->rx_route ? e->rx_route->local : CSCTP_LOCAL_ANY;
  en->rport = rport;
  en->ltag = csctp_assoc_ep_local_tag(a);
  en->h_ltag = ep_hash_tag(e, en->ltag, rport);
  ep_key_of(e, peer, &en->key);
  en->h_addr = ep_hash_key(e, &en->key, rport);
  en->h_ptr = ep_hash_ptr(e, a);
  csctp_ep_map_put(&e->by_ltag, en->h_ltag, id);
  csctp_ep_map_put(&e->by_addr, en->h_addr, id);
  csctp_ep_map_put(&e->by_ptr, en->h_ptr, id);
  e->n++;
  e->stats.assocs_created++;
  csctp_assoc_ep_watch(a, &e->watch);
  csctp_ep_sync(e, id);
  return 0;
}

/* ---- lifetime and settings ---- */

int csctp_endpoint_new_versioned(csctp_endpoint **pe, int config_version,
                                 const csctp_config *ucfg) {
  csctp_config buf;
  const csctp_config *cfg = csctp_config_in(config_version, ucfg, &buf);
  if (!pe || !cfg || !cfg->rand) return CSCTP_ERR_INVALID_ARGUMENT;
  const csctp_mem *mem = cfg->mem ? cfg->mem : csctp_mem_default();
  csctp_endpoint *e = csctp_calloc(mem, 1, sizeof(*e));
  if (!e) return CSCTP_ERR_NOMEM;
  e->mem = mem;
  e->cfg = *cfg;
  e->cfg.mem = mem;
  if (cfg->cookie_secret) {
    memcpy(e->keys.cur, cfg->cookie_secret, sizeof(e->keys.cur));
  } else if (cfg->rand(e->keys.cur, sizeof(e->keys.cur), cfg->rand_user_data)) {
    csctp_free(mem, e);
    return CSCTP_ERR_RANDOM;
  }
  e->cfg.cookie_secret = e->keys.cur;
  if (cfg->local_addrs && cfg->n_local_addrs <= CSCTP_PATHS_MAX) { /* copied: not kept */
    memcpy(e->laddrs, cfg->local_addrs, cfg->n_local_addrs * sizeof(*e->laddrs));
    e->cfg.local_addrs = e->laddrs;
  }
  e->max_assocs = CSCTP_ENDPOINT_MAX_ASSOCS_DEFAULT;
  e->rx_own.limit = CSCTP_ENDPOINT_RX_MEMORY_DEFAULT;
  e->rxb = cfg->rx_budget ? cfg->rx_budget : &e->rx_own;
  e->cfg.rx_budget = e->rxb;
  /* The hash seed comes from the first secret through a one-way mix: no extra random draw. */
  uint64_t s[4];
  memcpy(s, e->keys.cur, sizeof(s));
  e->seed = (uint64_t)ep_mix(s[0] ^ s[3]) << 32 | ep_mix(s[1] ^ s[2] ^ 0x5bd1e995u);
  e->free_head = e->last = CSCTP_EP_NONE;
  e->other_ports = 1;
  csctp_ep_list_init(&e->out);
  csctp_ep_list_init(&e->evs);
  int rv = csctp_assoc_new(&e->listener, &e->cfg);
  if (rv) {
    csctp_free(mem, e);
    return rv;
  }
  e->listener->dead = 1; /* not listening: INIT gets an ABORT (§8.4 rule 3) */
  csctp_assoc_cookie_bind(e->listener, &e->keys, NULL, 0);
  *pe = e;
  return 0;
}

void csctp_endpoint_del(csctp_endpoint *e) {
  if (!e) return;
  for (uint32_t i = 0; i < e->used; i++) {
    csctp_assoc_del(e->v[i].a);
    csctp_free(e->mem, e->v[i].x);
  }
  csctp_free(e->mem, e->v);
  csctp_free(e->mem, e->due);
  csctp_ep_map_free(&e->by_ltag, e->mem);
  csctp_ep_map_free(&e->by_addr, e->mem);
  csctp_ep_map_free(&e->by_ptr, e->mem);
  csctp_ep_heap_free(&e->timers, e->mem);
  csctp_ep_list_free(&e->out, e->mem);
  csctp_ep_list_free(&e->evs, e->mem);
  ep_pkt *p = e->out_head;
  while (p) {
    ep_pkt *nx = p->next;
    csctp_free(e->mem, p);
    p = nx;
  }
  csctp_assoc_del(e->listener);
  csctp_free(e->mem, e);
}

void csctp_endpoint_listen(csctp_endpoint *e, int on) { e->listening = on != 0; }

void csctp_endpoint_restrict(csctp_endpoint *e, const csctp_addr *peer, uint16_t remote_port) {
  e->restricted = peer != NULL || remote_port != 0;
  memset(&e->only_peer, 0, sizeof(e->only_peer));
  if (peer) e->only_peer = *peer;
  e->only_port = remote_port;
}

int csctp_endpoint_set_addr_port_len(csctp_endpoint *e, uint8_t len) {
  if (!e || len > sizeof(((csctp_addr *)0)->data)) return CSCTP_ERR_INVALID_ARGUMENT;
  if (e->n) return CSCTP_ERR_INVALID_STATE;
  e->port_len = len;
  if (e->cfg.max_paths > 1 && (len == 0 || len == 2)) /* its associations' addresses too */
    e->cfg.addr_port_len = e->listener->cfg.addr_port_len = len;
  return 0;
}

void csctp_endpoint_get_limits(const csctp_endpoint *e, csctp_endpoint_limits *lim) {
  memset(lim, 0, sizeof(*lim));
  lim->max_assocs = e->max_assocs;
  lim->rx_memory = e->rxb->limit;
}

int csctp_endpoint_set_limits(csctp_endpoint *e, const csctp_endpoint_limits *lim) {
  if (!e || !lim) return CSCTP_ERR_INVALID_ARGUMENT;
  e->max_assocs = lim->max_assocs;
  e->rxb->limit = lim->rx_memory;
  return 0;
}

void csctp_endpoint_answer_other_ports(csctp_endpoint *e, int on) { e->other_ports = on != 0; }

/* Came over UDP: the address ends with a UDP port, and it is not 0 (raw IP's, link.c). */
static int ep_over_udp(const csctp_endpoint *e, const csctp_addr *from) {
  if (!e->port_len || from->len < e->port_len) return 0;
  for (size_t i = from->len - e->port_len; i < from->len; i++)
    if (from->data[i]) return 1;
  return 0;
}

static int ep_accepts(const csctp_endpoint *e, const csctp_addr *from, uint16_t rport) {
  if (!e->listening) return 0;
  if (!e->restricted) return 1;
  if (e->only_peer.len && !ep_same_peer(e, &e->only_peer, from)) return 0;
  return !e->only_port || e->only_port == rport;
}

/* The association's cookies: the endpoint's keys, bound to the peer's address. */
static void ep_bind(const csctp_endpoint *e, csctp_assoc *a, const csctp_addr *peer) {
  csctp_assoc_cookie_bind(a, &e->keys, peer->data, ep_ip_len(e, peer));
}

/*
 * The cookie secret is replaced every cookie lifetime (counted from the first packet);
 * the one before still verifies the cookies it signed for one more lifetime, after which
 * they are stale anyway. A failed random draw keeps the secret one more second.
 */
static void ep_rotate(csctp_endpoint *e, csctp_tstamp now) {
  csctp_tstamp life = (csctp_tstamp)e->cfg.valid_cookie_life * CSCTP_MILLISECONDS;
  if (e->rotate_at) {
    uint8_t next[CSCTP_COOKIE_SECRET_LEN];
    if (e->cfg.rand(next, sizeof(next), e->cfg.rand_user_data)) {
      e->rotate_at = now + CSCTP_SECONDS;
      return;
    }
    memcpy(e->keys.prev, e->keys.cur, sizeof(e->keys.prev));
    memcpy(e->keys.cur, next, sizeof(e->keys.cur));
    e->keys.prev_until = now + life;
  }
  e->rotate_at = now + life;
}

static csctp_config ep_assoc_config(const csctp_endpoint *e, const csctp_config *over,
                                    uint16_t rport) {
  csctp_config c = over ? *over : e->cfg;
  c.local_port = e->cfg.local_port;
  c.remote_port = rport;
  c.cookie_secret = e->keys.cur;
  if (!c.rx_budget) c.rx_budget = e->rxb; /* the endpoint's receive memory, shared */
  if (!c.mem) c.mem = e->mem;
  return c;
}

int csctp_endpoint_connect(csctp_endpoint *e, const csctp_addr *peer, uint16_t remote_port,
                           const csctp_config *cfg, csctp_tstamp now, csctp_assoc **pa) {
  if (!e || !peer || peer->len > sizeof(peer->data) || !remote_port || !pa)
    return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_ep_settle(e);
  if (ep_find(e, peer, remote_port, 0) != CSCTP_EP_NONE) return CSCTP_ERR_INVALID_STATE;
  csctp_config c = ep_assoc_config(e, cfg, remote_port);
  csctp_assoc *a;
  int rv = csctp_assoc_new(&a, &c);
  if (rv) return rv;
  ep_bind(e, a, peer);
  /* Multi-homed: the address is path 0 (confirmed, RFC 9260 §5.4 rule 1). */
  if (a->mp && csctp_addr_family(peer, a->cfg.addr_port_len, NULL, NULL))
    rv = csctp_assoc_add_peer_addr(a, peer);
  if (!rv) rv = csctp_assoc_connect(a, now);
  if (!rv) rv = ep_add(e, a, peer, remote_port);
  if (rv) {
    csctp_assoc_del(a);
    return rv;
  }
  e->last = csctp_ep_id_of(e, a);
  *pa = a;
  return 0;
}

/* ---- input ---- */

static int ep_queue(csctp_endpoint *e, const csctp_addr *to, const uint8_t *data, size_t len) {
  ep_pkt *p = csctp_malloc(e->mem, sizeof(*p) + len);
  if (!p) return CSCTP_ERR_NOMEM;
  memcpy(p->data, data, len);
  p->len = len;
  p->to = *to;
  p->local = e->rx_route ? e->rx_route->local : CSCTP_LOCAL_ANY;
  p->next = NULL;
  if (e->out_tail)
    e->out_tail->next = p;
  else
    e->out_head = p;
  e->out_tail = p;
  return 0;
}

/* Moves everything `a` wants to send into the stateless queue, addressed to `to`. */
static int ep_drain(csctp_endpoint *e, csctp_assoc *a, const csctp_addr *to, csctp_tstamp now) {
  for (;;) {
    size_t mtu = csctp_assoc_ep_mtu(a);
    ep_pkt *p = csctp_malloc(e->mem, sizeof(*p) + mtu);
    if (!p) return CSCTP_ERR_NOMEM;
    csctp_ssize n = csctp_assoc_write_packet(a, p->data, mtu, now);
    if (n <= 0) {
      csctp_free(e->mem, p);
      return 0;
    }
    p->len = (size_t)n;
    p->to = *to;
    p->local = e->rx_route ? e->rx_route->local : CSCTP_LOCAL_ANY;
    p->next = NULL;
    if (e->out_tail)
      e->out_tail->next = p;
    else
      e->out_head = p;
    e->out_tail = p;
    e->stats.stateless_out++;
  }
}

/* Answers through the listener (stateless INIT ACK, ABORT, §8.4 replies); for a packet to
 * another SCTP port (`lport`), as if that port had an endpoint that does not listen. */
static int ep_stateless_on(csctp_endpoint *e, const csctp_addr *from, uint16_t lport,
                           uint16_t rport, int accept, const uint8_t *pkt, size_t len,
                           csctp_tstamp now) {
  csctp_assoc *l = e->listener;
  l->cfg.local_port = lport;
  l->cfg.remote_port = rport;
  ep_bind(e, l, from);
  l->dead = !accept;
  /* Multi-homed: the listener's INIT ACK lists our addresses and its cookie the peer's. */
  int rv = e->rx_route && l->mp ? csctp_assoc_read_packet_via(l, e->rx_route, pkt, len, now)
                                : csctp_assoc_read_packet(l, pkt, len, now);
  l->cfg.local_port = e->cfg.local_port;
  if (rv) return rv;
  csctp_event ev;
  while (csctp_assoc_poll_event(l, &ev)) {}
  return ep_drain(e, l, from, now);
}

static int ep_stateless(csctp_endpoint *e, const csctp_addr *from, uint16_t rport, int accept,
                        const uint8_t *pkt, size_t len, csctp_tstamp now) {
  return ep_stateless_on(e, from, e->cfg.local_port, rport, accept, pkt, len, now);
}

/* Hands a packet from `from` to the association of `id`: the path follows only what the
 * association accepted (its counter moved). */
static inline __attribute__((always_inline)) int ep_deliver(
    csctp_endpoint *e, const csctp_route *rt, uint32_t id, const csctp_addr *from,
    const uint8_t *pkt, size_t len, csctp_tstamp now, csctp_assoc **pa, int want) {
  csctp_assoc *a = e->v[id].a;
  *pa = a;
  uint32_t accepted = csctp_assoc_ep_accepted(a);
  int rv = rt && a->mp ? csctp_assoc_read_packet_via(a, rt, pkt, len, now)
                       : csctp_assoc_read_packet(a, pkt, len, now);
  if (csctp_assoc_ep_accepted(a) != accepted) {
    if (!rt || !a->mp || ep_same_peer(e, &e->v[id].peer, from)) ep_follow(e, id, from);
    if (rt) e->v[id].local = rt->local;
  }
  csctp_ep_sync(e, id);
  if (want) e->last = id;
  return rv;
}

/*
 * An INIT from the peer of an existing association (§5.2), from `from`. Its
 * answer (an INIT ACK or an ABORT, whole packets) goes back where the INIT
 * came from: over UDP a restarted peer may use a new UDP port, which is not
 * remembered until a packet proves it (a COOKIE ECHO with our cookie); the
 * old port keeps the association's other packets (RFC 6951 §5.4). While our
 * own INIT is out (COOKIE-WAIT, COOKIE-ECHOED), the INIT ACK repeats our
 * INIT's tag and goes only to the address we were given (§5.2.1).
 */
static int ep_init_existing(csctp_endpoint *e, uint32_t id, const csctp_addr *from,
                            const uint8_t *pkt, size_t len, csctp_tstamp now, csctp_assoc **pa,
                            int want) {
  csctp_assoc *a = e->v[id].a;
  int st = csctp_assoc_ep_state(a);
  if (addr_eq(&e->v[id].peer, from) || st == CSCTP_STATE_COOKIE_WAIT ||
      st == CSCTP_STATE_COOKIE_ECHOED)
    return ep_deliver(e, e->rx_route, id, from, pkt, len, now, pa, want);
  csctp_assoc_opkt *mark = csctp_assoc_ep_out_mark(a);
  int rv = ep_deliver(e, e->rx_route, id, from, pkt, len, now, pa, want);
  csctp_assoc_opkt *p = csctp_assoc_ep_out_take(a, mark);
  while (p) {
    csctp_assoc_opkt *nx = p->next;
    int qv = ep_queue(e, from, p->data, p->len);
    if (!rv) rv = qv;
    csctp_assoc_ep_out_done(a, p, !qv);
    p = nx;
  }
  return rv;
}

/* A COOKIE ECHO beyond the association limit: ABORT with Out of Resource (RFC 9260
 * §3.3.10.4), to the tag the peer chose; the peer's T1-cookie would only repeat it. */
static int ep_out_of_resource(csctp_endpoint *e, const csctp_addr *to, uint16_t rport,
                              uint32_t peer_tag) {
  uint8_t buf[CSCTP_COMMON_HDR_LEN + 8];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof(buf));
  csctp_packet_write_header(&w, e->cfg.local_port, rport, peer_tag);
  size_t off = csctp_abort_write_begin(&w, 0);
  csctp_cause_write(&w, CSCTP_CAUSE_OUT_OF_RESOURCE, NULL, 0);
  csctp_wr_tlv_end(&w, off);
  csctp_packet_set_crc(buf, w.len);
  int rv = ep_queue(e, to, buf, w.len);
  if (!rv) e->stats.stateless_out++;
  return rv;
}

/* The live association that has our tag `vtag` with the peer's SCTP port `rport`, or NONE. */
static uint32_t ep_tag_elsewhere(const csctp_endpoint *e, uint32_t vtag, uint16_t rport) {
  uint32_t pos = CSCTP_EP_NONE, id;
  uint32_t h = ep_hash_tag(e, vtag, rport);
  while ((id = csctp_ep_map_next(&e->by_ltag, h, &pos)) != CSCTP_EP_NONE) {
    const ep_entry *en = &e->v[id];
    if (en->ltag == vtag && en->rport == rport && !csctp_assoc_ep_dead(en->a)) return id;
  }
  return CSCTP_EP_NONE;
}

/* RFC 4895 §6.3: a packet that starts with an AUTH is judged by the chunk after it (an AUTH
 * before the COOKIE ECHO whose cookie gives its keys): that chunk's type, or AUTH when none. */
static uint8_t ep_after_auth(const uint8_t *pkt, size_t len) {
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, pkt, len);
  if (csctp_chunk_next(&it, &ch) != 1 || csctp_chunk_next(&it, &ch) != 1) return CSCTP_CHUNK_AUTH;
  return ch.type;
}

/* A COOKIE ECHO from a peer without an association: check the signature before allocating
 * (§5.1.5). A peer that restarts has one: its COOKIE ECHO went to it (§5.2.4). */
static int ep_cookie_echo(csctp_endpoint *e, const csctp_addr *from, const csctp_common_hdr *h,
                          const uint8_t *pkt, size_t len, csctp_tstamp now, csctp_assoc **pa,
                          int want) {
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, pkt, len);
  int rc = csctp_chunk_next(&it, &ch);
  if (rc == 1 && ch.type == CSCTP_CHUNK_AUTH) rc = csctp_chunk_next(&it, &ch); /* RFC 4895 */
  if (rc != 1 || ch.type != CSCTP_CHUNK_COOKIE_ECHO) {
    e->stats.drop_malformed++;
    return 0;
  }
  csctp_cookie c;
  uint64_t stale = 0;
  csctp_cookie_peer peer = {.len = (uint8_t)ep_ip_len(e, from)};
  memcpy(peer.addr, from->data, peer.len);
  int rv = csctp_cookie_read(ch.value, ch.value_len, &e->keys, &peer, now, &c, &stale);
  if (rv < 0) return rv;
  if (rv == CSCTP_COOKIE_BAD || c.local_port != e->cfg.local_port || c.remote_port != h->src_port ||
      c.local_tag != h->vtag) {
    e->stats.drop_bad_cookie++;
    return 0;
  }
  if (rv == CSCTP_COOKIE_STALE || !ep_accepts(e, from, h->src_port)) {
    if (rv != CSCTP_COOKIE_STALE) e->stats.drop_refused++;
    return ep_stateless(e, from, h->src_port, rv == CSCTP_COOKIE_STALE, pkt, len, now);
  }
  if (e->max_assocs && e->n >= e->max_assocs) {
    e->stats.drop_assoc_limit++;
    return ep_out_of_resource(e, from, h->src_port, c.peer_tag);
  }
  csctp_config cfg = ep_assoc_config(e, NULL, h->src_port);
  csctp_assoc *a;
  rv = csctp_assoc_new(&a, &cfg);
  if (rv) return rv;
  ep_bind(e, a, from);
  rv = e->rx_route && a->mp ? csctp_assoc_read_packet_via(a, e->rx_route, pkt, len, now)
                            : csctp_assoc_read_packet(a, pkt, len, now);
  if (!rv && csctp_assoc_ep_state(a) != CSCTP_STATE_CLOSED) {
    rv = ep_add(e, a, from, h->src_port);
    if (!rv) {
      *pa = a;
      if (want) e->last = csctp_ep_id_of(e, a);
      return 0;
    }
  }
  if (!rv) rv = ep_drain(e, a, from, now);
  csctp_assoc_del(a);
  return rv;
}

/* The input of both read calls: `rt` is e->rx_route (NULL for the plain call, constant). */
static inline __attribute__((always_inline)) int ep_read(csctp_endpoint *e, const csctp_route *rt,
                                                         const csctp_addr *from, const uint8_t *pkt,
                                                         size_t len, csctp_tstamp now,
                                                         csctp_assoc **pa) {
  csctp_assoc *dummy;
  int want = pa != NULL;
  if (!pa) pa = &dummy;
  *pa = NULL;
  csctp_ep_settle(e);
  e->stats.packets_in++;
  if (now >= e->rotate_at) ep_rotate(e, now);
  csctp_common_hdr h;
  if (!pkt || csctp_packet_parse_header(pkt, len, &h) != 0) {
    e->stats.drop_malformed++;
    return 0;
  }
  if (!h.src_port || !h.dst_port) { /* §3.1: port 0 is never used */
    e->stats.drop_port_zero++;
    return 0;
  }
  if (h.dst_port != e->cfg.local_port) {
    /* §8.4 rule 8: nobody serves that port here; over UDP the socket is ours alone. */
    if (!e->other_ports || !ep_over_udp(e, from)) {
      e->stats.drop_bad_port++;
      return 0;
    }
    if (!csctp_packet_check_crc(pkt, len)) {
      e->stats.drop_bad_crc++;
      return 0;
    }
    e->stats.other_port++;
    return ep_stateless_on(e, from, h.dst_port, h.src_port, 0, pkt, len, now);
  }
  uint8_t first = pkt[CSCTP_COMMON_HDR_LEN];
  if (first == CSCTP_CHUNK_AUTH && e->cfg.auth) first = ep_after_auth(pkt, len);
  /* The association of these addresses and ports checks the rest (§8.5). */
  uint32_t id = ep_find(e, from, h.src_port, h.vtag);
  if (id != CSCTP_EP_NONE) {
    if (first == CSCTP_CHUNK_INIT) return ep_init_existing(e, id, from, pkt, len, now, pa, want);
    return ep_deliver(e, rt, id, from, pkt, len, now, pa, want);
  }
  /* No association: what follows must carry a correct CRC32c (RFC 9653 §5.2 keeps INIT and
   * COOKIE ECHO on CRC32c; processing an out-of-the-blue packet with a zero checksum is only
   * a MAY, §5.3). */
  if (!csctp_packet_check_crc(pkt, len)) {
    e->stats.drop_bad_crc++;
    return 0;
  }
  if (h.vtag != 0 && first == CSCTP_CHUNK_COOKIE_ECHO)
    return ep_cookie_echo(e, from, &h, pkt, len, now, pa, want);
  if (h.vtag != 0 && (id = ep_tag_elsewhere(e, h.vtag, h.src_port)) != CSCTP_EP_NONE) {
    /* RFC 5061 §4.1.1: AUTH + ASCONF from a new address of the peer goes to the association
     * of its tag, which takes it only authenticated and with nothing else in the packet. */
    if (rt && first == CSCTP_CHUNK_ASCONF && csctp_assoc_asconf_stranger_ok(e->v[id].a, pkt, len))
      return ep_deliver(e, rt, id, from, pkt, len, now, pa, want);
    /* Another address (or one a multi-homed association has not confirmed) is not that
     * peer. */
    e->stats.drop_unknown_peer++;
    return 0;
  }
  if (h.vtag == 0 && first == CSCTP_CHUNK_INIT) {
    int ok = ep_accepts(e, from, h.src_port);
    if (!ok) e->stats.drop_refused++;
    return ep_stateless(e, from, h.src_port, ok, pkt, len, now);
  }
  /* Out of the blue (§8.4): the listener answers as a CLOSED association would. */
  return ep_stateless(e, from, h.src_port, 0, pkt, len, now);
}

int csctp_endpoint_read_packet(csctp_endpoint *e, const csctp_addr *from, const uint8_t *pkt,
                               size_t len, csctp_tstamp now, csctp_assoc **pa) {
  return ep_read(e, NULL, from, pkt, len, now, pa);
}

int csctp_endpoint_read_packet_via(csctp_endpoint *e, const csctp_route *from, const uint8_t *pkt,
                                   size_t len, csctp_tstamp now, csctp_assoc **pa) {
  if (!e || !from || from->peer.len > sizeof(from->peer.data)) return CSCTP_ERR_INVALID_ARGUMENT;
  e->rx_route = from;
  int rv = ep_read(e, from, &from->peer, pkt, len, now, pa);
  e->rx_route = NULL;
  return rv;
}

/* The plain read (rt NULL) or the _via one, of the packet in ep_read_ecn. */
static int ep_read_either(csctp_endpoint *e, const csctp_route *rt, const csctp_addr *from,
                          const uint8_t *pkt, size_t len, csctp_tstamp now, csctp_assoc **pa) {
  return rt ? csctp_endpoint_read_packet_via(e, rt, pkt, len, now, pa)
            : csctp_endpoint_read_packet(e, from, pkt, len, now, pa);
}

static int ep_read_ecn(csctp_endpoint *e, const csctp_route *rt, const csctp_addr *from,
                       const uint8_t *pkt, size_t len, int ecn, csctp_tstamp now,
                       csctp_assoc **pa) {
  csctp_common_hdr h;
  if ((ecn & 3) != CSCTP_ECN_CE || !pkt || !from || csctp_packet_parse_header(pkt, len, &h) != 0)
    return ep_read_either(e, rt, from, pkt, len, now, pa);
  /* The association the packet is for, as it was before (one a COOKIE ECHO makes is left out:
   * a CE on the packet that sets it up is not echoed). */
  uint32_t id = ep_find(e, from, h.src_port, h.vtag);
  csctp_assoc *a = id != CSCTP_EP_NONE ? e->v[id].a : NULL;
  uint32_t accepted = a ? csctp_assoc_ep_accepted(a) : 0;
  csctp_assoc *got = NULL;
  int rv = ep_read_either(e, rt, from, pkt, len, now, &got);
  if (pa) *pa = got;
  if (rv >= 0 && a && got == a) csctp_assoc_ecn_after_read(a, pkt, len, accepted);
  return rv;
}

int csctp_endpoint_read_packet_ecn(csctp_endpoint *e, const csctp_addr *from, const uint8_t *pkt,
                                   size_t len, int ecn, csctp_tstamp now, csctp_assoc **pa) {
  return ep_read_ecn(e, NULL, from, pkt, len, ecn, now, pa);
}

int csctp_endpoint_read_packet_via_ecn(csctp_endpoint *e, const csctp_route *from,
                                       const uint8_t *pkt, size_t len, int ecn, csctp_tstamp now,
                                       csctp_assoc **pa) {
  if (!from) return CSCTP_ERR_INVALID_ARGUMENT;
  return ep_read_ecn(e, from, &from->peer, pkt, len, ecn, now, pa);
}
