/* SPDX-License-Identifier: MIT */
/*
 * The endpoint's state, shared by endpoint.c (indexes, settings, input) and
 * endpoint_out.c (output, events, timers, removal, queries).
 */
#ifndef CSCTP_ENDPOINT_PRIV_H
#define CSCTP_ENDPOINT_PRIV_H

#include <csctp/sctp.h>
#include <string.h>

#include "assoc_endpoint.h"
#include "cookie.h"
#include "endpoint_map.h"

/* A peer's identity: its address without the lower layer's port, zero-padded, with its
 * length in the last byte (addresses hold at most 28 bytes), compared as four words. */
typedef struct ep_key {
  uint64_t w[4];
} ep_key;

/* A multi-homed association's path 1.. in by_addr: the peer's IP on that path and its hash. */
typedef struct ep_xkey {
  ep_key key;
  uint32_t h;
} ep_xkey;

typedef struct ep_entry {
  csctp_assoc *a;  /* NULL: a free slot, linked through next_free */
  ep_key key;      /* the peer's IP (path 0's when multi-homed): never changes */
  csctp_addr peer; /* where its packets go: the source of its last accepted packet */
  uint16_t rport;
  uint32_t ltag;                  /* the tag it is indexed under */
  uint32_t h_ltag, h_addr, h_ptr; /* its hashes in the three maps */
  uint32_t next_free;
  uint8_t local;      /* the local address (index) its packets last arrived at (the _via calls) */
  uint8_t n_x;        /* multi-homed: paths 1..n_x indexed in by_addr (x[0..n_x-1]) */
  uint8_t confirmed;  /* bit i: x[i] is a confirmed path (RFC 5062: only those route an INIT) */
  uint16_t paths_sig; /* csctp_assoc_ep_paths_sig() when x was last rebuilt */
  ep_xkey *x;         /* CSCTP_PATHS_MAX - 1 of them, allocated with the second path */
} ep_entry;

/* A stateless reply waiting to be written, with its destination. */
typedef struct ep_pkt {
  struct ep_pkt *next;
  csctp_addr to;
  uint8_t local; /* the local address the packet it answers arrived at */
  size_t len;
  uint8_t data[];
} ep_pkt;

struct csctp_endpoint {
  const csctp_mem *mem;
  csctp_config cfg;       /* template; cookie_secret points at keys.cur */
  csctp_cookie_keys keys; /* sign every cookie of the endpoint and its associations */
  csctp_tstamp rotate_at; /* when keys.cur is next replaced (0: at the first packet + life) */
  csctp_assoc *listener;
  int listening;
  int restricted;
  csctp_addr only_peer;
  uint16_t only_port;
  uint8_t port_len;       /* trailing bytes of a csctp_addr that are the UDP port */
  int other_ports;        /* answer packets for SCTP ports we do not serve, over UDP (§8.4) */
  uint32_t max_assocs;    /* csctp_endpoint_limits */
  csctp_rx_budget rx_own; /* the receive memory of every association, unless the template */
  csctp_rx_budget *rxb;   /* named one of the caller's: this one */
  uint64_t seed;          /* of the hashes, so that peers cannot choose collisions */
  ep_entry *v;
  uint32_t n, used, cap, free_head;
  csctp_ep_map by_ltag, by_addr, by_ptr;
  csctp_ep_heap timers;
  csctp_ep_list out, evs;  /* may have a packet / an event */
  uint32_t last;           /* handed out by the last call: looked at again at the next */
  csctp_assoc_watch watch; /* associations the application called into directly (assoc.h) */
  uint32_t *due;           /* handle_expiry's batch */
  ep_pkt *out_head, *out_tail;
  csctp_endpoint_stats stats;
  /* The packet being read by a _via call (NULL: the plain calls): stateless answers go back
   * from the local address it arrived at, and new associations learn their paths from it. */
  const csctp_route *rx_route;
  uint32_t n_xkeys; /* by_addr entries of paths 1.. (ep_entry.x), besides one per association */
  csctp_addr laddrs[CSCTP_PATHS_MAX]; /* csctp_endpoint_set_local_addrs: cfg.local_addrs */
};

/* ---- keys: a peer address without its UDP port, hashed with the endpoint's seed ---- */

static inline uint32_t ep_mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return (uint32_t)x;
}

static inline uint32_t ep_hash_tag(const csctp_endpoint *e, uint32_t tag, uint16_t port) {
  return ep_mix(e->seed ^ ((uint64_t)tag << 16 | port));
}

/* The peer's identity: the address without the lower layer's port. */
static inline size_t ep_ip_len(const csctp_endpoint *e, const csctp_addr *x) {
  return x->len > e->port_len ? (size_t)(x->len - e->port_len) : 0;
}

/* The first `keep` bytes (1 to 8) of the 8 at p, the others zero, as a word. */
static inline uint64_t ep_word(const uint8_t *p, size_t keep) {
  uint64_t w;
  memcpy(&w, p, 8);
  if (keep >= 8) return w;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return w & ~0ull << (64 - 8 * keep);
#else
  return w & ~0ull >> (64 - 8 * keep);
#endif
}

/* Fixed-size loads and masks (no call): the bytes past the IP are the port or garbage. */
static inline void ep_key_of(const csctp_endpoint *e, const csctp_addr *x, ep_key *k) {
  size_t n = ep_ip_len(e, x);
  k->w[0] = n ? ep_word(x->data, n) : 0;
  k->w[1] = n > 8 ? ep_word(x->data + 8, n - 8) : 0;
  k->w[2] = n > 16 ? ep_word(x->data + 16, n - 16) : 0;
  k->w[3] = (uint64_t)n << 56; /* the length too: all-zero IPs of two lengths differ */
  if (n > 24) {
    uint8_t t[8] = {0};
    memcpy(t, x->data + 24, 4); /* data[] ends at 28 */
    k->w[3] ^= ep_word(t, n - 24);
  }
}

static inline int ep_key_eq(const ep_key *x, const ep_key *y) {
  return ((x->w[0] ^ y->w[0]) | (x->w[1] ^ y->w[1]) | (x->w[2] ^ y->w[2]) | (x->w[3] ^ y->w[3])) ==
         0;
}

static inline uint32_t ep_hash_key(const csctp_endpoint *e, const ep_key *k, uint16_t port) {
  uint64_t h = (k->w[0] ^ e->seed) * 0xff51afd7ed558ccdull;
  h ^= k->w[1] ^ k->w[2] ^ k->w[3] ^ port;
  return ep_mix(h);
}

/* endpoint.c: the id of association `a` (CSCTP_EP_NONE when not ours); bringing the indexes,
 * timer and lists of `id` up to date after a call into it; taking in the associations the
 * application called into directly and the one handed out last. */
uint32_t csctp_ep_id_of(const csctp_endpoint *e, const csctp_assoc *a);
void csctp_ep_sync(csctp_endpoint *e, uint32_t id);
void csctp_ep_settle(csctp_endpoint *e);
/* The live association a packet from `from`, SCTP port `rport`, tag `vtag` goes to, or
 * CSCTP_EP_NONE (ep_find, for endpoint_route.c). */
uint32_t csctp_ep_find(const csctp_endpoint *e, const csctp_addr *from, uint16_t rport,
                       uint32_t vtag);

/* endpoint_route.c (multi-homing): rebuilds the by_addr entries of `id`'s paths 1.. after its
 * paths changed (0 or CSCTP_ERR_NOMEM: the paths stay unindexed, packets from them are dropped
 * as from an unknown peer); drops them (removal); whether x-key `k` routes a packet with tag
 * `vtag` to `en` (a confirmed path, or an unconfirmed one with the association's own tag). */
int csctp_ep_paths_index(csctp_endpoint *e, uint32_t id);
void csctp_ep_paths_unindex(csctp_endpoint *e, uint32_t id);
static inline int csctp_ep_x_match(const ep_entry *en, const ep_key *k, uint32_t vtag) {
  for (unsigned i = 0; i < en->n_x; i++)
    if (ep_key_eq(&en->x[i].key, k) && ((en->confirmed >> i & 1) || vtag == en->ltag)) return 1;
  return 0;
}

#endif
