/* SPDX-License-Identifier: MIT */
/*
 * The harness of the endpoint attack tests (test_endpoint_attack.c,
 * test_endpoint_cookie.c): one server endpoint on SCTP port 5000 over
 * "UDP" (addresses are an IPv4 address and a UDP port,
 * csctp_endpoint_set_addr_port_len 2), client engines in memory, crafted
 * packets, a virtual clock. Each test file declares its suite with
 * setup/teardown from here.
 */
#ifndef CSCTP_TEST_EP_ATTACK_UTIL_H
#define CSCTP_TEST_EP_ATTACK_UTIL_H

#include <criterion/criterion.h>
#include <csctp/sctp.h>
#include <string.h>

#include "assoc.h"
#include "packet.h"
#include "prng.h"

#define SRV_PORT 5000
#define PKT_MAX 1500
#define NCL 8

typedef struct client {
  csctp_assoc *a;
  csctp_addr addr; /* as the server sees it: IPv4 + UDP port */
  uint16_t port;   /* SCTP */
  csctp_prng rng;
} client;

static client cl[NCL];
static int ncl;
static csctp_endpoint *ep;
static csctp_prng srng;
static csctp_tstamp now_t;
/* Server packets for addresses that are no client's: the attacker's inbox. */
static int stray;
static uint8_t stray_pkt[PKT_MAX];
static size_t stray_len;
static csctp_addr stray_to;
static int srv_connected, srv_restarted, srv_closed, srv_messages;
static int srv_hold; /* the server application does not take its events while set */

static inline void addr_make(csctp_addr *a, uint8_t host, uint16_t udp) {
  memset(a, 0, sizeof(*a));
  a->len = 6;
  a->data[0] = 10;
  a->data[3] = host;
  a->data[4] = (uint8_t)(udp >> 8);
  a->data[5] = (uint8_t)udp;
}

static inline uint16_t udp_of(const csctp_addr *a) {
  return (uint16_t)(a->data[4] << 8 | a->data[5]);
}

static inline csctp_config base_config(csctp_prng *g, uint64_t seed, uint16_t local,
                                       uint16_t remote) {
  csctp_config c;
  csctp_config_default(&c);
  csctp_prng_seed(g, seed);
  c.rand = csctp_prng_rand_fn;
  c.rand_user_data = g;
  c.local_port = local;
  c.remote_port = remote;
  c.rto_initial = 300;
  c.rto_min = 100;
  c.rto_max = 1000;
  c.hb_interval = 0;
  return c;
}

/* (Re)creates the listening server: UDP-style addresses when port_len is 2, raw IP with 0;
 * cookie_life in ms (0: the default). */
static inline void server_new(uint8_t port_len, uint32_t cookie_life) {
  csctp_endpoint_del(ep);
  csctp_config sc = base_config(&srng, 12, SRV_PORT, 0);
  if (cookie_life) sc.valid_cookie_life = cookie_life;
  cr_assert_eq(csctp_endpoint_new(&ep, &sc), 0);
  cr_assert_eq(csctp_endpoint_set_addr_port_len(ep, port_len), 0);
  csctp_endpoint_listen(ep, 1);
}

static inline void setup(void) {
  memset(cl, 0, sizeof(cl));
  ncl = 0;
  now_t = 1000000;
  stray = 0;
  srv_hold = 0;
  srv_connected = srv_restarted = srv_closed = srv_messages = 0;
  ep = NULL;
  server_new(2, 0);
}

static inline void teardown(void) {
  for (int i = 0; i < ncl; i++) csctp_assoc_del(cl[i].a);
  csctp_endpoint_del(ep);
}

static client *client_new(uint8_t host, uint16_t udp, uint16_t port) {
  cr_assert_lt(ncl, NCL);
  client *c = &cl[ncl];
  addr_make(&c->addr, host, udp);
  c->port = port;
  csctp_config cc = base_config(&c->rng, 100u + (uint64_t)ncl, port, SRV_PORT);
  cr_assert_eq(csctp_assoc_new(&c->a, &cc), 0);
  ncl++;
  return c;
}

static client *client_at(const csctp_addr *to, const uint8_t *pkt) {
  uint16_t port = (uint16_t)(pkt[2] << 8 | pkt[3]);
  for (int i = 0; i < ncl; i++)
    if (cl[i].a && cl[i].port == port && cl[i].addr.len == to->len &&
        !memcmp(cl[i].addr.data, to->data, to->len))
      return &cl[i];
  return NULL;
}

static inline void server_events(void) {
  csctp_assoc *a;
  csctp_event ev;
  if (srv_hold) return;
  while (csctp_endpoint_poll_event(ep, &a, &ev)) {
    if (ev.type == CSCTP_EVENT_CONNECTED) srv_connected++;
    if (ev.type == CSCTP_EVENT_RESTARTED) srv_restarted++;
    if (ev.type == CSCTP_EVENT_CLOSED) srv_closed++;
    if (ev.type == CSCTP_EVENT_MESSAGE) srv_messages++;
  }
}

/* The server's output: to its clients, or counted as stray. Returns the packets written. */
static inline int server_out(void) {
  uint8_t b[PKT_MAX];
  csctp_addr to;
  csctp_ssize n;
  int k = 0;
  while ((n = csctp_endpoint_write_packet(ep, b, sizeof(b), now_t, &to, NULL)) > 0) {
    k++;
    client *c = client_at(&to, b);
    if (c) {
      cr_assert_eq(csctp_assoc_read_packet(c->a, b, (size_t)n, now_t), 0);
    } else {
      stray++;
      memcpy(stray_pkt, b, (size_t)n);
      stray_len = (size_t)n;
      stray_to = to;
    }
  }
  cr_assert_geq(n, 0);
  return k;
}

/* Moves packets both ways until nothing moves. */
static inline void pump(void) {
  for (int guard = 0;; guard++) {
    cr_assert_lt(guard, 1000, "no quiescence");
    int moved = 0;
    for (int i = 0; i < ncl; i++) {
      uint8_t b[PKT_MAX];
      csctp_ssize n;
      while (cl[i].a && (n = csctp_assoc_write_packet(cl[i].a, b, sizeof(b), now_t)) > 0) {
        moved = 1;
        cr_assert_eq(csctp_endpoint_read_packet(ep, &cl[i].addr, b, (size_t)n, now_t, NULL), 0);
      }
    }
    server_events();
    if (server_out()) moved = 1;
    if (!moved) break;
  }
}

/* Brings client c up; returns the server's association (learned from the COOKIE ECHO). */
static csctp_assoc *connect_client(client *c) {
  cr_assert_eq(csctp_assoc_connect(c->a, now_t), 0);
  csctp_assoc *srv = NULL;
  for (int guard = 0; guard < 100 && csctp_assoc_get_state(c->a) != CSCTP_STATE_ESTABLISHED;
       guard++) {
    uint8_t b[PKT_MAX];
    csctp_ssize n;
    while ((n = csctp_assoc_write_packet(c->a, b, sizeof(b), now_t)) > 0) {
      csctp_assoc *pa = NULL;
      cr_assert_eq(csctp_endpoint_read_packet(ep, &c->addr, b, (size_t)n, now_t, &pa), 0);
      if (pa) srv = pa;
    }
    server_events();
    server_out();
  }
  pump();
  cr_assert_eq(csctp_assoc_get_state(c->a), CSCTP_STATE_ESTABLISHED);
  cr_assert_not_null(srv);
  return srv;
}

/* A packet of one HEARTBEAT chunk from `sport` to the server with `vtag`, CRC correct. */
static inline size_t make_heartbeat(uint8_t *p, uint16_t sport, uint32_t vtag) {
  memset(p, 0, 24);
  csctp_put_u16(p, sport);
  csctp_put_u16(p + 2, SRV_PORT);
  csctp_put_u32(p + 4, vtag);
  p[12] = CSCTP_CHUNK_HEARTBEAT;
  csctp_put_u16(p + 14, 12);
  csctp_put_u16(p + 16, 1); /* Heartbeat Info */
  csctp_put_u16(p + 18, 8);
  csctp_put_u32(p + 20, 0x41414141);
  csctp_packet_set_crc(p, 24);
  return 24;
}

static inline void bad_crc(uint8_t *p) { p[8] ^= 0x5a; }

/* The packet's destination as the endpoint says it now. */
static inline csctp_addr peer_of(csctp_assoc *srv) {
  csctp_addr p;
  uint16_t rp;
  cr_assert_eq(csctp_endpoint_assoc_peer(ep, srv, &p, &rp), 0);
  return p;
}

static inline uint16_t peer_udp(csctp_assoc *srv) {
  csctp_addr p = peer_of(srv);
  return udp_of(&p);
}

#endif
