/* SPDX-License-Identifier: MIT */
/*
 * The sans-IO endpoint (src/endpoint.c) with several engine peers in memory,
 * on a virtual clock: stateless INIT ACK, associations only on valid cookies,
 * many associations per port, peer restart, refusal, out-of-the-blue and
 * malformed input.
 */
#include <criterion/criterion.h>
#include <csctp/sctp.h>
#include <string.h>

#include "packet.h"
#include "prng.h"

#define NODES 8
#define PKT_MAX 1500

typedef struct node {
  csctp_endpoint *ep;
  csctp_addr addr;
  csctp_prng rng;
  int echo; /* echo messages of PPID 99 back */
  int connected, restarted, closed, messages;
  csctp_close_reason reason;
  size_t bytes;
} node;

static node nodes[NODES];
static int nnodes;
static csctp_tstamp now_t;
/* Tamper hook: called on every packet in flight; return 0 to drop it. */
static int (*tamper)(uint8_t *pkt, size_t *len);

static void addr_of(csctp_addr *a, uint8_t host) {
  memset(a, 0, sizeof(*a));
  a->len = 4;
  a->data[0] = 10;
  a->data[3] = host;
}

static csctp_config node_config(node *n, uint16_t port, uint64_t seed) {
  csctp_config cfg;
  csctp_config_default(&cfg);
  csctp_prng_seed(&n->rng, seed);
  cfg.rand = csctp_prng_rand_fn;
  cfg.rand_user_data = &n->rng;
  cfg.local_port = port;
  cfg.rto_initial = 300;
  cfg.rto_min = 100;
  cfg.rto_max = 1000;
  cfg.max_init_retransmits = 3;
  cfg.association_max_retrans = 3;
  return cfg;
}

static node *node_add(uint8_t host, uint16_t port, int listen) {
  cr_assert(nnodes < NODES);
  node *n = &nodes[nnodes++];
  memset(n, 0, sizeof(*n));
  addr_of(&n->addr, host);
  csctp_config cfg = node_config(n, port, 1000u + (uint64_t)nnodes * 77u + host);
  cr_assert_eq(csctp_endpoint_new(&n->ep, &cfg), 0);
  csctp_endpoint_listen(n->ep, listen);
  n->echo = listen;
  return n;
}

static void node_drop(node *n) {
  csctp_endpoint_del(n->ep);
  n->ep = NULL;
}

static node *node_at(const csctp_addr *a) {
  for (int i = 0; i < nnodes; i++)
    if (nodes[i].ep && nodes[i].addr.len == a->len && !memcmp(nodes[i].addr.data, a->data, a->len))
      return &nodes[i];
  return NULL;
}

static void node_events(node *n) {
  csctp_assoc *a;
  csctp_event ev;
  while (csctp_endpoint_poll_event(n->ep, &a, &ev)) {
    switch (ev.type) {
    case CSCTP_EVENT_CONNECTED: n->connected++; break;
    case CSCTP_EVENT_RESTARTED: n->restarted++; break;
    case CSCTP_EVENT_MESSAGE: {
      n->messages++;
      n->bytes += ev.u.message.len;
      /* echo it back on the same stream */
      csctp_send_opts o = {.stream = ev.u.message.stream, .ppid = ev.u.message.ppid};
      if (n->echo && ev.u.message.ppid == 99)
        csctp_assoc_send(a, &o, ev.u.message.data, ev.u.message.len, now_t);
      break;
    }
    case CSCTP_EVENT_CLOSED:
      n->closed++;
      n->reason = ev.u.closed.reason;
      csctp_endpoint_remove(n->ep, a);
      break;
    default: break;
    }
  }
}

/* Moves packets between nodes until quiet, running timers; bounded in virtual time. */
static void run(csctp_tstamp duration) {
  csctp_tstamp end = now_t + duration;
  for (int iter = 0; now_t < end; iter++) {
    cr_assert_lt(iter, 100000, "no quiescence");
    int moved = 0;
    for (int i = 0; i < nnodes; i++) {
      node *n = &nodes[i];
      if (!n->ep) continue;
      node_events(n);
      uint8_t buf[PKT_MAX];
      csctp_addr to;
      csctp_ssize len;
      while ((len = csctp_endpoint_write_packet(n->ep, buf, sizeof(buf), now_t, &to, NULL)) > 0) {
        size_t l = (size_t)len;
        moved = 1;
        if (tamper && !tamper(buf, &l)) continue;
        node *dst = node_at(&to);
        if (dst)
          cr_assert_eq(csctp_endpoint_read_packet(dst->ep, &n->addr, buf, l, now_t, NULL), 0);
      }
      cr_assert_geq(len, 0);
      node_events(n);
    }
    if (moved) continue;
    csctp_tstamp next = CSCTP_TSTAMP_NONE;
    for (int i = 0; i < nnodes; i++)
      if (nodes[i].ep) {
        csctp_tstamp t = csctp_endpoint_expiry(nodes[i].ep);
        if (t < next) next = t;
      }
    if (next == CSCTP_TSTAMP_NONE || next > end) break;
    now_t = next > now_t ? next : now_t + 1;
    for (int i = 0; i < nnodes; i++)
      if (nodes[i].ep) cr_assert_eq(csctp_endpoint_handle_expiry(nodes[i].ep, now_t), 0);
  }
}

static void setup(void) {
  nnodes = 0;
  now_t = 1000000;
  tamper = NULL;
}

static void teardown(void) {
  for (int i = 0; i < nnodes; i++) csctp_endpoint_del(nodes[i].ep);
  nnodes = 0;
}

TestSuite(endpoint, .init = setup, .fini = teardown);

static csctp_assoc *connect_to(node *c, node *s, uint16_t port) {
  csctp_assoc *a;
  cr_assert_eq(csctp_endpoint_connect(c->ep, &s->addr, port, NULL, now_t, &a), 0);
  return a;
}

Test(endpoint, many_clients_one_port) {
  node *srv = node_add(1, 5000, 1);
  csctp_assoc *ca[5];
  for (int i = 0; i < 5; i++) {
    /* clients 2 and 3 use the same SCTP port from different addresses */
    node *c = node_add((uint8_t)(10 + i), i == 1 ? 4000 : (uint16_t)(4000 + i), 0);
    ca[i] = connect_to(c, srv, 5000);
  }
  run(2 * CSCTP_SECONDS);
  cr_assert_eq(srv->connected, 5);
  cr_assert_eq(csctp_endpoint_count(srv->ep), 5);
  uint8_t msg[3000];
  for (size_t i = 0; i < sizeof(msg); i++) msg[i] = (uint8_t)i;
  for (int i = 0; i < 5; i++) {
    cr_assert_eq(nodes[1 + i].connected, 1);
    for (uint16_t s = 0; s < 4; s++) {
      csctp_send_opts o = {.stream = s, .ppid = 99};
      cr_assert_eq(csctp_assoc_send(ca[i], &o, msg, sizeof(msg) - (size_t)s * 100, now_t), 0);
    }
    /* A direct call into an association: it marks itself for its endpoint (no touch call). */
  }
  run(2 * CSCTP_SECONDS);
  cr_assert_eq(srv->messages, 20);
  for (int i = 0; i < 5; i++) cr_assert_eq(nodes[1 + i].messages, 4, "client %d", i);
  for (int i = 0; i < 5; i++) {
    cr_assert_eq(csctp_assoc_shutdown(ca[i], now_t), 0);
  }
  run(2 * CSCTP_SECONDS);
  cr_assert_eq(srv->closed, 5);
  cr_assert_eq(srv->reason, CSCTP_CLOSE_SHUTDOWN);
  cr_assert_eq(csctp_endpoint_count(srv->ep), 0);
}

static int drop_cookie_echo_count;
static int drop_cookie_echo(uint8_t *pkt, size_t *len) {
  if (*len > 12 && pkt[12] == 10) {
    drop_cookie_echo_count++;
    return 0;
  }
  return 1;
}

Test(endpoint, no_state_before_cookie_echo) {
  node *srv = node_add(1, 5000, 1);
  node *c = node_add(2, 4000, 0);
  connect_to(c, srv, 5000);
  tamper = drop_cookie_echo;
  run(200 * CSCTP_MILLISECONDS);
  cr_assert_gt(drop_cookie_echo_count, 0);
  cr_assert_eq(csctp_endpoint_count(srv->ep), 0, "INIT must not create state");
  csctp_endpoint_stats st;
  csctp_endpoint_get_stats(srv->ep, &st);
  cr_assert_geq(st.stateless_out, 1);
  tamper = NULL;
  run(5 * CSCTP_SECONDS);
  cr_assert_eq(srv->connected, 1);
  cr_assert_eq(c->connected, 1);
}

static int flip_cookie(uint8_t *pkt, size_t *len) {
  if (*len > 40 && pkt[12] == 10) {
    pkt[20] ^= 1; /* inside the cookie; a fresh CRC so that only the signature is wrong */
    csctp_packet_set_crc(pkt, *len);
  }
  return 1;
}

Test(endpoint, forged_cookie_creates_nothing) {
  node *srv = node_add(1, 5000, 1);
  node *c = node_add(2, 4000, 0);
  connect_to(c, srv, 5000);
  tamper = flip_cookie;
  run(5 * CSCTP_SECONDS);
  cr_assert_eq(csctp_endpoint_count(srv->ep), 0);
  cr_assert_eq(srv->connected, 0);
  csctp_endpoint_stats st;
  csctp_endpoint_get_stats(srv->ep, &st);
  cr_assert_gt(st.drop_bad_cookie, 0);
  cr_assert_eq(c->closed, 1);
  cr_assert_eq(c->reason, CSCTP_CLOSE_INIT_FAILED);
}

Test(endpoint, not_listening_aborts_init) {
  node *srv = node_add(1, 5000, 0);
  node *c = node_add(2, 4000, 0);
  connect_to(c, srv, 5000);
  run(CSCTP_SECONDS);
  cr_assert_eq(c->closed, 1);
  cr_assert_eq(c->reason, CSCTP_CLOSE_PEER_ABORT);
  cr_assert_eq(csctp_endpoint_count(srv->ep), 0);
}

Test(endpoint, restricted_peer) {
  node *srv = node_add(1, 5000, 1);
  node *good = node_add(2, 4000, 0);
  node *bad = node_add(3, 4000, 0);
  csctp_endpoint_restrict(srv->ep, &good->addr, 4000);
  connect_to(bad, srv, 5000);
  connect_to(good, srv, 5000);
  run(CSCTP_SECONDS);
  cr_assert_eq(good->connected, 1);
  cr_assert_eq(bad->closed, 1);
  cr_assert_eq(csctp_endpoint_count(srv->ep), 1);
}

Test(endpoint, peer_restart) {
  node *srv = node_add(1, 5000, 1);
  node *c = node_add(2, 4000, 0);
  csctp_assoc *a = connect_to(c, srv, 5000);
  run(CSCTP_SECONDS);
  cr_assert_eq(srv->connected, 1);
  csctp_send_opts o = {.stream = 1, .ppid = 99};
  cr_assert_eq(csctp_assoc_send(a, &o, (const uint8_t *)"before", 6, now_t), 0);
  run(CSCTP_SECONDS);
  cr_assert_eq(c->messages, 1);
  /* The client process dies and comes back on the same address and port. */
  node_drop(c);
  node *c2 = node_add(2, 4000, 0);
  a = connect_to(c2, srv, 5000);
  run(2 * CSCTP_SECONDS);
  cr_assert_eq(c2->connected, 1);
  cr_assert_eq(srv->restarted, 1, "the server's association restarts, not a second one");
  cr_assert_eq(csctp_endpoint_count(srv->ep), 1);
  cr_assert_eq(csctp_assoc_send(a, &o, (const uint8_t *)"after", 5, now_t), 0);
  run(CSCTP_SECONDS);
  cr_assert_eq(c2->messages, 1);
  cr_assert_eq(srv->messages, 2);
}

Test(endpoint, endpoint_to_endpoint_collision) {
  node *x = node_add(1, 5000, 1);
  node *y = node_add(2, 5000, 1);
  connect_to(x, y, 5000);
  connect_to(y, x, 5000);
  run(3 * CSCTP_SECONDS);
  cr_assert_eq(x->connected, 1);
  cr_assert_eq(y->connected, 1);
  cr_assert_eq(csctp_endpoint_count(x->ep), 1);
  cr_assert_eq(csctp_endpoint_count(y->ep), 1);
}

Test(endpoint, ootb_and_malformed) {
  node *srv = node_add(1, 5000, 1);
  csctp_addr from;
  addr_of(&from, 9);
  uint8_t junk[64];
  csctp_prng g;
  csctp_prng_seed(&g, 7);
  for (int round = 0; round < 20000; round++) {
    size_t len = (size_t)csctp_prng_below(&g, sizeof(junk) + 1);
    for (size_t i = 0; i < len; i++) junk[i] = (uint8_t)csctp_prng_next(&g);
    if (len >= 4 && round % 2) {
      junk[2] = 5000 >> 8; /* our port, so it gets past the first check */
      junk[3] = 5000 & 0xff;
    }
    if (len >= 12 && round % 4 == 1) csctp_packet_set_crc(junk, len);
    cr_assert_eq(csctp_endpoint_read_packet(srv->ep, &from, junk, len, now_t, NULL), 0);
    uint8_t out[PKT_MAX];
    csctp_addr to;
    while (csctp_endpoint_write_packet(srv->ep, out, sizeof(out), now_t, &to, NULL) > 0) {}
  }
  cr_assert_eq(csctp_endpoint_count(srv->ep), 0);
  csctp_endpoint_stats st;
  csctp_endpoint_get_stats(srv->ep, &st);
  cr_assert_gt(st.drop_malformed + st.drop_bad_crc + st.drop_bad_port, 0);
  /* A packet for another port is never answered. */
  uint8_t p[16] = {0x10, 0x00, 0x12, 0x34, 1, 2, 3, 4, 0, 0, 0, 0, 9, 0, 0, 4}; /* ERROR */
  csctp_packet_set_crc(p, sizeof(p));
  csctp_endpoint_read_packet(srv->ep, &from, p, sizeof(p), now_t, NULL);
  uint8_t out[PKT_MAX];
  csctp_addr to;
  cr_assert_eq(csctp_endpoint_write_packet(srv->ep, out, sizeof(out), now_t, &to, NULL), 0);
  /* The same to our port with an unknown tag gets an ABORT with the T bit (§8.4 rule 8). */
  p[2] = 5000 >> 8;
  p[3] = 5000 & 0xff;
  csctp_packet_set_crc(p, sizeof(p));
  csctp_endpoint_read_packet(srv->ep, &from, p, sizeof(p), now_t, NULL);
  csctp_ssize n = csctp_endpoint_write_packet(srv->ep, out, sizeof(out), now_t, &to, NULL);
  cr_assert_gt(n, 12);
  cr_assert_eq(out[12], 6);
  cr_assert_eq(out[13] & 1, 1);
  cr_assert_eq(to.data[3], 9);
}
