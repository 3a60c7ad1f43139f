/* SPDX-License-Identifier: MIT */
/*
 * The endpoint's state, shared by endpoint.c (indexes, settings, input) and
 * endpoint_out.c (output, events, timers, removal, queries).
 */
#ifndef CSCTP_ENDPOINT_PRIV_H
#define CSCTP_ENDPOINT_PRIV_H

#include <csctp/sctp.h>

#include "assoc_endpoint.h"
#include "cookie.h"
#include "endpoint_map.h"

/* A peer's identity: its address without the lower layer's port, zero-padded, with its
 * length in the last byte (addresses hold at most 28 bytes), compared as four words. */
typedef struct ep_key {
  uint64_t w[4];
} ep_key;

typedef struct ep_entry {
  csctp_assoc *a;  /* NULL: a free slot, linked through next_free */
  ep_key key;      /* the peer's IP: never changes */
  csctp_addr peer; /* where its packets go: the source of its last accepted packet */
  uint16_t rport;
  uint32_t ltag;                  /* the tag it is indexed under */
  uint32_t h_ltag, h_addr, h_ptr; /* its hashes in the three maps */
  uint32_t next_free;
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
};

/* endpoint.c: the id of association `a` (CSCTP_EP_NONE when not ours); bringing the indexes,
 * timer and lists of `id` up to date after a call into it; taking in the associations the
 * application called into directly and the one handed out last. */
uint32_t csctp_ep_id_of(const csctp_endpoint *e, const csctp_assoc *a);
void csctp_ep_sync(csctp_endpoint *e, uint32_t id);
void csctp_ep_settle(csctp_endpoint *e);

#endif
