/*
 * The endpoint: many associations on one local port (RFC 9260 §5.1, §8.5).
 *
 * Stateless answers (INIT ACK, and the out-of-the-blue replies of §8.4) come
 * from one never-connected association in CLOSED state, the "listener", whose
 * remote port is set to the packet's before each use; it keeps no state
 * between packets. An association is created only for a COOKIE ECHO whose
 * cookie carries our signature, and kept only if it reaches ESTABLISHED.
 * Routing: by our verification tag (the hot path), by the peer's tag for
 * T-bit ABORT / SHUTDOWN COMPLETE, by the cookie's tie-tag for a restart, and
 * by address and port for an INIT to an existing association (collision,
 * restart).
 */
#include <string.h>

#include "assoc.h"
#include "mem.h"
#include "packet.h"

typedef struct ep_entry {
  csctp_assoc *a;
  csctp_addr peer;
  uint16_t rport;
} ep_entry;

/* A stateless reply waiting to be written, with its destination. */
typedef struct ep_pkt {
  struct ep_pkt *next;
  csctp_addr to;
  size_t len;
  uint8_t data[];
} ep_pkt;

struct csctp_endpoint {
  const csctp_mem *mem;
  csctp_config cfg; /* template; cookie_secret points at `secret` */
  uint8_t secret[CSCTP_COOKIE_SECRET_LEN];
  csctp_assoc *listener;
  int listening;
  int restricted;
  csctp_addr only_peer;
  uint16_t only_port;
  ep_entry *v;
  size_t n, cap;
  size_t wr_cursor, ev_cursor;
  ep_pkt *out_head, *out_tail;
  csctp_endpoint_stats stats;
};

static int addr_eq(const csctp_addr *x, const csctp_addr *y) {
  return x->len == y->len && memcmp(x->data, y->data, x->len) == 0;
}

int csctp_endpoint_new(csctp_endpoint **pe, const csctp_config *cfg) {
  if (!pe || !cfg || !cfg->rand) return CSCTP_ERR_INVALID_ARGUMENT;
  const csctp_mem *mem = cfg->mem ? cfg->mem : csctp_mem_default();
  csctp_endpoint *e = csctp_calloc(mem, 1, sizeof(*e));
  if (!e) return CSCTP_ERR_NOMEM;
  e->mem = mem;
  e->cfg = *cfg;
  e->cfg.mem = mem;
  if (cfg->cookie_secret) {
    memcpy(e->secret, cfg->cookie_secret, sizeof(e->secret));
  } else if (cfg->rand(e->secret, sizeof(e->secret), cfg->rand_user_data)) {
    csctp_free(mem, e);
    return CSCTP_ERR_RANDOM;
  }
  e->cfg.cookie_secret = e->secret;
  int rv = csctp_assoc_new(&e->listener, &e->cfg);
  if (rv) {
    csctp_free(mem, e);
    return rv;
  }
  e->listener->dead = 1; /* not listening: INIT gets an ABORT (§8.4 rule 3) */
  *pe = e;
  return 0;
}

void csctp_endpoint_del(csctp_endpoint *e) {
  if (!e) return;
  for (size_t i = 0; i < e->n; i++) csctp_assoc_del(e->v[i].a);
  csctp_free(e->mem, e->v);
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

static int ep_accepts(const csctp_endpoint *e, const csctp_addr *from, uint16_t rport) {
  if (!e->listening) return 0;
  if (!e->restricted) return 1;
  if (e->only_peer.len && !addr_eq(&e->only_peer, from)) return 0;
  return !e->only_port || e->only_port == rport;
}

static int ep_add(csctp_endpoint *e, csctp_assoc *a, const csctp_addr *peer, uint16_t rport) {
  if (e->n == e->cap) {
    size_t cap = e->cap ? e->cap * 2 : 8;
    ep_entry *v = csctp_realloc(e->mem, e->v, cap * sizeof(*v));
    if (!v) return CSCTP_ERR_NOMEM;
    e->v = v;
    e->cap = cap;
  }
  e->v[e->n].a = a;
  e->v[e->n].peer = *peer;
  e->v[e->n].rport = rport;
  e->n++;
  e->stats.assocs_created++;
  return 0;
}

static ep_entry *ep_find(const csctp_endpoint *e, const csctp_assoc *a) {
  for (size_t i = 0; i < e->n; i++)
    if (e->v[i].a == a) return &e->v[i];
  return NULL;
}

static csctp_config ep_assoc_config(const csctp_endpoint *e, const csctp_config *over,
                                    uint16_t rport) {
  csctp_config c = over ? *over : e->cfg;
  c.local_port = e->cfg.local_port;
  c.remote_port = rport;
  c.cookie_secret = e->secret;
  if (!c.mem) c.mem = e->mem;
  return c;
}

int csctp_endpoint_connect(csctp_endpoint *e, const csctp_addr *peer, uint16_t remote_port,
                           const csctp_config *cfg, csctp_tstamp now, csctp_assoc **pa) {
  if (!e || !peer || peer->len > sizeof(peer->data) || !remote_port || !pa)
    return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_config c = ep_assoc_config(e, cfg, remote_port);
  csctp_assoc *a;
  int rv = csctp_assoc_new(&a, &c);
  if (rv) return rv;
  rv = csctp_assoc_connect(a, now);
  if (!rv) rv = ep_add(e, a, peer, remote_port);
  if (rv) {
    csctp_assoc_del(a);
    return rv;
  }
  *pa = a;
  return 0;
}

/* Moves everything `a` wants to send into the stateless queue, addressed to `to`. */
static int ep_drain(csctp_endpoint *e, csctp_assoc *a, const csctp_addr *to, csctp_tstamp now) {
  for (;;) {
    ep_pkt *p = csctp_malloc(e->mem, sizeof(*p) + a->cfg.mtu);
    if (!p) return CSCTP_ERR_NOMEM;
    csctp_ssize n = csctp_assoc_write_packet(a, p->data, a->cfg.mtu, now);
    if (n <= 0) {
      csctp_free(e->mem, p);
      return 0;
    }
    p->len = (size_t)n;
    p->to = *to;
    p->next = NULL;
    if (e->out_tail)
      e->out_tail->next = p;
    else
      e->out_head = p;
    e->out_tail = p;
    e->stats.stateless_out++;
  }
}

/* Answers through the listener (stateless INIT ACK, ABORT, §8.4 replies). */
static int ep_stateless(csctp_endpoint *e, const csctp_addr *from, uint16_t rport, int accept,
                        const uint8_t *pkt, size_t len, csctp_tstamp now) {
  csctp_assoc *l = e->listener;
  l->cfg.remote_port = rport;
  l->dead = !accept;
  int rv = csctp_assoc_read_packet(l, pkt, len, now);
  if (rv) return rv;
  csctp_event ev;
  while (csctp_assoc_poll_event(l, &ev)) {}
  return ep_drain(e, l, from, now);
}

/* A COOKIE ECHO for no association we know: check the signature before allocating (§5.1.5). */
static int ep_cookie_echo(csctp_endpoint *e, const csctp_addr *from, const csctp_common_hdr *h,
                          const uint8_t *pkt, size_t len, csctp_tstamp now, csctp_assoc **pa) {
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, pkt, len);
  if (csctp_chunk_next(&it, &ch) != 1) {
    e->stats.drop_malformed++;
    return 0;
  }
  csctp_cookie c;
  uint64_t stale = 0;
  int rv = csctp_cookie_read(ch.value, ch.value_len, e->secret, sizeof(e->secret), now, &c, &stale);
  if (rv < 0) return rv;
  if (rv == CSCTP_COOKIE_BAD || c.local_port != e->cfg.local_port || c.remote_port != h->src_port ||
      c.local_tag != h->vtag) {
    e->stats.drop_bad_cookie++;
    return 0;
  }
  /* A restart: the tie-tag names the association the peer restarts (§5.2.4 A). */
  if (c.local_tie_tag) {
    for (size_t i = 0; i < e->n; i++) {
      ep_entry *en = &e->v[i];
      if (!en->a->dead && en->a->local_tag == c.local_tie_tag && en->rport == h->src_port) {
        en->peer = *from;
        *pa = en->a;
        return csctp_assoc_read_packet(en->a, pkt, len, now);
      }
    }
  }
  if (rv == CSCTP_COOKIE_STALE || !ep_accepts(e, from, h->src_port)) {
    if (rv != CSCTP_COOKIE_STALE) e->stats.drop_refused++;
    return ep_stateless(e, from, h->src_port, rv == CSCTP_COOKIE_STALE, pkt, len, now);
  }
  csctp_config cfg = ep_assoc_config(e, NULL, h->src_port);
  csctp_assoc *a;
  rv = csctp_assoc_new(&a, &cfg);
  if (rv) return rv;
  rv = csctp_assoc_read_packet(a, pkt, len, now);
  if (!rv && a->state != CSCTP_STATE_CLOSED) {
    rv = ep_add(e, a, from, h->src_port);
    if (!rv) {
      *pa = a;
      return 0;
    }
  }
  if (!rv) rv = ep_drain(e, a, from, now);
  csctp_assoc_del(a);
  return rv;
}

int csctp_endpoint_read_packet(csctp_endpoint *e, const csctp_addr *from, const uint8_t *pkt,
                               size_t len, csctp_tstamp now, csctp_assoc **pa) {
  csctp_assoc *dummy;
  if (!pa) pa = &dummy;
  *pa = NULL;
  e->stats.packets_in++;
  csctp_common_hdr h;
  if (!pkt || csctp_packet_parse_header(pkt, len, &h) != 0) {
    e->stats.drop_malformed++;
    return 0;
  }
  if (h.dst_port != e->cfg.local_port) {
    e->stats.drop_bad_port++;
    return 0;
  }
  uint8_t first = pkt[CSCTP_COMMON_HDR_LEN];
  uint8_t flags = pkt[CSCTP_COMMON_HDR_LEN + 1];
  if (h.vtag != 0) {
    for (size_t i = 0; i < e->n; i++) {
      ep_entry *en = &e->v[i];
      if (en->a->local_tag == h.vtag && en->rport == h.src_port) {
        en->peer = *from; /* follow the peer's address (RFC 6951 §5.5 for UDP) */
        *pa = en->a;
        return csctp_assoc_read_packet(en->a, pkt, len, now);
      }
    }
    if ((first == CSCTP_CHUNK_ABORT || first == CSCTP_CHUNK_SHUTDOWN_COMPLETE) &&
        (flags & CSCTP_FLAG_T)) {
      for (size_t i = 0; i < e->n; i++) {
        ep_entry *en = &e->v[i];
        if (en->a->peer_tag == h.vtag && en->rport == h.src_port && addr_eq(&en->peer, from)) {
          *pa = en->a;
          return csctp_assoc_read_packet(en->a, pkt, len, now);
        }
      }
    }
  }
  /* What no association claimed must carry a correct CRC32c: RFC 9653 §5.2 keeps
   * INIT and COOKIE ECHO on CRC32c, an association's packets were routed above to
   * its own zero checksum rule (assoc_checksum.c), and processing an out-of-the-blue
   * packet with a zero checksum is only a MAY (RFC 9653 §5.3). */
  if (!csctp_packet_check_crc(pkt, len)) {
    e->stats.drop_bad_crc++;
    return 0;
  }
  if (h.vtag != 0 && first == CSCTP_CHUNK_COOKIE_ECHO)
    return ep_cookie_echo(e, from, &h, pkt, len, now, pa);
  if (h.vtag == 0 && first == CSCTP_CHUNK_INIT) {
    /* An INIT from the peer of a live association: collision or restart (§5.2). */
    for (size_t i = 0; i < e->n; i++) {
      ep_entry *en = &e->v[i];
      if (!en->a->dead && en->rport == h.src_port && addr_eq(&en->peer, from)) {
        *pa = en->a;
        return csctp_assoc_read_packet(en->a, pkt, len, now);
      }
    }
    int ok = ep_accepts(e, from, h.src_port);
    if (!ok) e->stats.drop_refused++;
    return ep_stateless(e, from, h.src_port, ok, pkt, len, now);
  }
  /* Out of the blue (§8.4): the listener answers as a CLOSED association would. */
  return ep_stateless(e, from, h.src_port, 0, pkt, len, now);
}

csctp_ssize csctp_endpoint_write_packet(csctp_endpoint *e, uint8_t *buf, size_t cap,
                                        csctp_tstamp now, csctp_addr *to, csctp_assoc **pa) {
  if (!buf || !to) return CSCTP_ERR_INVALID_ARGUMENT;
  if (pa) *pa = NULL;
  if (e->out_head) {
    ep_pkt *p = e->out_head;
    if (cap < p->len) return CSCTP_ERR_NOBUF;
    memcpy(buf, p->data, p->len);
    *to = p->to;
    csctp_ssize n = (csctp_ssize)p->len;
    e->out_head = p->next;
    if (!e->out_head) e->out_tail = NULL;
    csctp_free(e->mem, p);
    return n;
  }
  /* Round-robin over the associations, so that one cannot starve the others. */
  for (size_t k = 0; k < e->n; k++) {
    size_t i = (e->wr_cursor + k) % e->n;
    csctp_ssize n = csctp_assoc_write_packet(e->v[i].a, buf, cap, now);
    if (n < 0) return n;
    if (n > 0) {
      *to = e->v[i].peer;
      if (pa) *pa = e->v[i].a;
      e->wr_cursor = i + 1;
      return n;
    }
  }
  return 0;
}

int csctp_endpoint_poll_event(csctp_endpoint *e, csctp_assoc **pa, csctp_event *ev) {
  for (size_t k = 0; k < e->n; k++) {
    size_t i = (e->ev_cursor + k) % e->n;
    if (csctp_assoc_poll_event(e->v[i].a, ev)) {
      if (pa) *pa = e->v[i].a;
      e->ev_cursor = i; /* stay: it may have more */
      return 1;
    }
  }
  return 0;
}

csctp_tstamp csctp_endpoint_expiry(const csctp_endpoint *e) {
  csctp_tstamp t = CSCTP_TSTAMP_NONE;
  for (size_t i = 0; i < e->n; i++) {
    csctp_tstamp x = csctp_assoc_expiry(e->v[i].a);
    if (x < t) t = x;
  }
  return t;
}

int csctp_endpoint_handle_expiry(csctp_endpoint *e, csctp_tstamp now) {
  for (size_t i = 0; i < e->n; i++) {
    if (csctp_assoc_expiry(e->v[i].a) <= now) {
      int rv = csctp_assoc_handle_expiry(e->v[i].a, now);
      if (rv) return rv;
    }
  }
  return 0;
}

int csctp_endpoint_remove(csctp_endpoint *e, csctp_assoc *a) {
  ep_entry *en = a ? ep_find(e, a) : NULL;
  if (!en) return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_assoc_del(a);
  *en = e->v[--e->n];
  return 0;
}

int csctp_endpoint_assoc_peer(const csctp_endpoint *e, const csctp_assoc *a, csctp_addr *peer,
                              uint16_t *remote_port) {
  const ep_entry *en = a ? ep_find(e, a) : NULL;
  if (!en) return CSCTP_ERR_INVALID_ARGUMENT;
  if (peer) *peer = en->peer;
  if (remote_port) *remote_port = en->rport;
  return 0;
}

size_t csctp_endpoint_count(const csctp_endpoint *e) { return e->n; }

uint16_t csctp_endpoint_port(const csctp_endpoint *e) { return e->cfg.local_port; }

void csctp_endpoint_get_stats(const csctp_endpoint *e, csctp_endpoint_stats *st) { *st = e->stats; }
