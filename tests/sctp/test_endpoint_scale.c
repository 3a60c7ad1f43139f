/* SPDX-License-Identifier: MIT */
/*
 * The endpoint at scale (src/endpoint.c, src/endpoint_map.c): 10,000
 * associations on one server endpoint, each with its own client engine in
 * memory, on a virtual clock. Every packet must reach its own association,
 * every association's heartbeat timer must fire on time from the endpoint's
 * deadline heap alone, and removing associations in random order must keep
 * the indexes true. Then the UDP identity of a peer (RFC 6951 §5): a restart
 * from a new UDP port is the same peer, another IP with the same SCTP port is
 * not.
 */
#include <criterion/criterion.h>
#include <csctp/sctp.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint_map.h"
#include "packet.h"
#include "prng.h"

#define NBIG 10000
#define SRV_PORT 5000
#define HB_MS 5000u
#define RTO_MIN 100u
#define RTO_MAX 1000u
#define PKT_MAX 1500

typedef struct client {
  csctp_assoc *a;   /* the client's own engine */
  csctp_assoc *srv; /* its association on the server, learned from the COOKIE ECHO */
  csctp_addr addr;  /* as the server sees it: IPv4 + UDP port */
  uint16_t port;    /* SCTP */
  int gone, removed, queued;
  int echoes, closed;
  int hb;
  csctp_tstamp last_hb, min_gap, max_gap;
} client;

static client *cl;
static int ncl;
static int *dirty, ndirty;
static csctp_endpoint *ep;
static csctp_prng crng, srng;
static csctp_tstamp now_t;
static int srv_connected, srv_restarted, srv_messages, srv_closed;

static void addr_make(csctp_addr *a, uint32_t ip, uint16_t udp) {
  memset(a, 0, sizeof(*a));
  a->len = 6;
  a->data[0] = 10;
  a->data[1] = (uint8_t)(ip >> 8);
  a->data[2] = (uint8_t)ip;
  a->data[3] = 7;
  a->data[4] = (uint8_t)(udp >> 8);
  a->data[5] = (uint8_t)udp;
}

static csctp_config base_config(csctp_prng *g, uint16_t local, uint16_t remote) {
  csctp_config c;
  csctp_config_default(&c);
  c.rand = csctp_prng_rand_fn;
  c.rand_user_data = g;
  c.local_port = local;
  c.remote_port = remote;
  c.rto_initial = 300;
  c.rto_min = RTO_MIN;
  c.rto_max = RTO_MAX;
  c.hb_interval = 0; /* clients never probe: every heartbeat seen comes from the server */
  c.rwnd = c.sndbuf = 64 * 1024;
  c.max_message_size = 16 * 1024;
  c.outbound_streams = c.max_inbound_streams = 4;
  return c;
}

static void world_new(int n) {
  ncl = n;
  cl = calloc((size_t)n, sizeof(*cl));
  dirty = calloc((size_t)n, sizeof(*dirty));
  ndirty = 0;
  now_t = 1000000;
  srv_connected = srv_restarted = srv_messages = srv_closed = 0;
  csctp_prng_seed(&crng, 11);
  csctp_prng_seed(&srng, 12);
  csctp_config sc = base_config(&srng, SRV_PORT, 0);
  sc.hb_interval = HB_MS;
  cr_assert_eq(csctp_endpoint_new(&ep, &sc), 0);
  cr_assert_eq(csctp_endpoint_set_addr_port_len(ep, 2), 0);
  csctp_endpoint_listen(ep, 1);
}

static void world_del(void) {
  for (int i = 0; i < ncl; i++) csctp_assoc_del(cl[i].a);
  csctp_endpoint_del(ep);
  free(cl);
  free(dirty);
}

/* Client i: an engine on SCTP port `port` seen by the server at `addr`. */
static void client_new(int i, const csctp_addr *addr, uint16_t port) {
  client *c = &cl[i];
  memset(c, 0, sizeof(*c));
  c->addr = *addr;
  c->port = port;
  c->min_gap = CSCTP_TSTAMP_NONE;
  csctp_config cc = base_config(&crng, port, SRV_PORT);
  cr_assert_eq(csctp_assoc_new(&c->a, &cc), 0);
}

static void mark(int i) {
  if (cl[i].queued) return;
  cl[i].queued = 1;
  dirty[ndirty++] = i;
}

/* The client a server packet is for: its full address (UDP port included) and SCTP port. */
static int client_of(const csctp_addr *to, const uint8_t *pkt) {
  uint16_t port = (uint16_t)(pkt[2] << 8 | pkt[3]);
  if (ncl == NBIG) { /* the big test's plan: client i is 10.(i/2).7, SCTP port 4000 + i % 2 */
    int i = (to->data[1] << 8 | to->data[2]) * 2 + (port - 4000);
    cr_assert(i >= 0 && i < ncl);
    cr_assert_eq(memcmp(cl[i].addr.data, to->data, 6), 0, "client %d: wrong UDP port", i);
    return i;
  }
  for (int i = 0; i < ncl; i++)
    if (!cl[i].gone && cl[i].port == port && !memcmp(cl[i].addr.data, to->data, to->len)) return i;
  return -1;
}

static void client_events(int i) {
  csctp_event ev;
  while (csctp_assoc_poll_event(cl[i].a, &ev)) {
    if (ev.type == CSCTP_EVENT_MESSAGE) {
      uint32_t who;
      memcpy(&who, ev.u.message.data, 4);
      cr_assert_eq(who, (uint32_t)i, "client %d got the echo of client %u", i, who);
      cl[i].echoes++;
    } else if (ev.type == CSCTP_EVENT_CLOSED) {
      cl[i].closed++;
    }
  }
}

static void server_events(void) {
  csctp_assoc *a;
  csctp_event ev;
  while (csctp_endpoint_poll_event(ep, &a, &ev)) {
    switch (ev.type) {
    case CSCTP_EVENT_CONNECTED: srv_connected++; break;
    case CSCTP_EVENT_RESTARTED: srv_restarted++; break;
    case CSCTP_EVENT_CLOSED: srv_closed++; break;
    case CSCTP_EVENT_MESSAGE: {
      uint32_t who;
      cr_assert_geq(ev.u.message.len, 4);
      memcpy(&who, ev.u.message.data, 4);
      cr_assert_lt(who, (uint32_t)ncl);
      cr_assert_eq(a, cl[who].srv, "client %u's message reached another association", who);
      srv_messages++;
      /* Echo on the association the event came from: no touch needed for it. */
      csctp_send_opts o = {.stream = ev.u.message.stream, .ppid = 51};
      cr_assert_eq(csctp_assoc_send(a, &o, ev.u.message.data, ev.u.message.len, now_t), 0);
      break;
    }
    default: break;
    }
  }
}

/* Moves packets both ways until nothing is left to send. */
static void pump(void) {
  uint8_t b[PKT_MAX];
  for (int guard = 0;; guard++) {
    cr_assert_lt(guard, 1000, "no quiescence");
    int moved = 0;
    while (ndirty) {
      int i = dirty[--ndirty];
      client *c = &cl[i];
      c->queued = 0;
      csctp_ssize n;
      while (!c->gone && (n = csctp_assoc_write_packet(c->a, b, sizeof(b), now_t)) > 0) {
        moved = 1;
        csctp_assoc *pa;
        cr_assert_eq(csctp_endpoint_read_packet(ep, &c->addr, b, (size_t)n, now_t, &pa), 0);
        if (c->removed) {
          cr_assert_null(pa, "client %d: routed to a removed association", i);
        } else if (c->srv) {
          cr_assert_eq(pa, c->srv, "client %d: packet routed to another association", i);
        } else if (pa) {
          c->srv = pa; /* the COOKIE ECHO made it */
        }
      }
    }
    server_events();
    csctp_addr to;
    csctp_assoc *pa;
    csctp_ssize n;
    while ((n = csctp_endpoint_write_packet(ep, b, sizeof(b), now_t, &to, &pa)) > 0) {
      moved = 1;
      int i = client_of(&to, b);
      if (i < 0) continue; /* for a client that is gone */
      client *c = &cl[i];
      if (pa && c->srv) cr_assert_eq(pa, c->srv, "client %d: got another association's packet", i);
      if (b[12] == CSCTP_CHUNK_HEARTBEAT) {
        if (c->hb) {
          csctp_tstamp gap = now_t - c->last_hb;
          if (gap < c->min_gap) c->min_gap = gap;
          if (gap > c->max_gap) c->max_gap = gap;
        }
        c->hb++;
        c->last_hb = now_t;
      }
      cr_assert_eq(csctp_assoc_read_packet(c->a, b, (size_t)n, now_t), 0);
      client_events(i);
      mark(i);
    }
    cr_assert_geq(n, 0);
    if (!moved && !ndirty) break;
  }
}

static void client_send(int i) {
  uint8_t msg[100];
  memset(msg, 0xab, sizeof(msg));
  uint32_t who = (uint32_t)i;
  memcpy(msg, &who, 4);
  csctp_send_opts o = {.stream = (uint16_t)(i % 4), .ppid = 51};
  cr_assert_eq(csctp_assoc_send(cl[i].a, &o, msg, sizeof(msg), now_t), 0);
  mark(i);
}

/* The endpoint's expiry is the earliest of its associations' (a full scan, the test's own). */
static void check_expiry_consistent(void) {
  csctp_tstamp t = CSCTP_TSTAMP_NONE;
  for (int i = 0; i < ncl; i++) {
    if (cl[i].removed || !cl[i].srv) continue;
    csctp_tstamp x = csctp_assoc_expiry(cl[i].srv);
    cr_assert_geq(x, now_t, "association of client %d is overdue: its timer was missed", i);
    if (x < t) t = x;
  }
  cr_assert_eq(csctp_endpoint_expiry(ep), t);
}

/* Runs every timer of both sides for `d` of virtual time, then lets things settle. */
static void idle_all(csctp_tstamp d) {
  now_t += d;
  cr_assert_eq(csctp_endpoint_handle_expiry(ep, now_t), 0);
  for (int i = 0; i < ncl; i++)
    if (!cl[i].gone && csctp_assoc_expiry(cl[i].a) <= now_t) {
      cr_assert_eq(csctp_assoc_handle_expiry(cl[i].a, now_t), 0);
      mark(i);
    }
  pump();
}

static int ptr_cmp(const void *x, const void *y) {
  uintptr_t a = (uintptr_t) * (csctp_assoc *const *)x, b = (uintptr_t) * (csctp_assoc *const *)y;
  return a < b ? -1 : a > b;
}

Test(endpoint_scale, ten_thousand_associations, .timeout = 600) {
  world_new(NBIG);
  /* Pairs of clients share an IP (SCTP ports 4000 and 4001); each SCTP port is shared by
   * 5,000 IPs. */
  for (int i = 0; i < NBIG; i++) {
    csctp_addr a;
    addr_make(&a, (uint32_t)(i / 2), (uint16_t)(20000 + i % 1000));
    client_new(i, &a, (uint16_t)(4000 + i % 2));
    cr_assert_eq(csctp_assoc_connect(cl[i].a, now_t), 0);
    mark(i);
  }
  pump();
  cr_assert_eq(csctp_endpoint_count(ep), NBIG);
  cr_assert_eq(srv_connected, NBIG);
  csctp_assoc **seen = malloc(NBIG * sizeof(*seen));
  for (int i = 0; i < NBIG; i++) {
    cr_assert_eq(csctp_assoc_get_state(cl[i].a), CSCTP_STATE_ESTABLISHED, "client %d", i);
    cr_assert_not_null(cl[i].srv);
    cr_assert_eq(csctp_assoc_get_state(cl[i].srv), CSCTP_STATE_ESTABLISHED);
    csctp_addr p;
    uint16_t rp;
    cr_assert_eq(csctp_endpoint_assoc_peer(ep, cl[i].srv, &p, &rp), 0);
    cr_assert_eq(rp, cl[i].port);
    cr_assert_eq(memcmp(p.data, cl[i].addr.data, 6), 0);
    seen[i] = cl[i].srv;
  }
  qsort(seen, NBIG, sizeof(*seen), ptr_cmp);
  for (int i = 1; i < NBIG; i++)
    cr_assert_neq(seen[i - 1], seen[i], "two clients, one association");
  free(seen);

  /* Data: every client sends one message carrying its number; the server checks that it
   * arrived on that client's association and echoes it; the client checks the echo. */
  for (int i = 0; i < NBIG; i++) client_send(i);
  pump();
  cr_assert_eq(srv_messages, NBIG);
  for (int i = 0; i < NBIG; i++) cr_assert_eq(cl[i].echoes, 1, "client %d", i);
  idle_all(CSCTP_SECONDS); /* delayed SACKs */
  check_expiry_consistent();

  /* Idle: the server's heartbeat timers, driven only by csctp_endpoint_expiry. Each fires
   * exactly at its deadline (the clock jumps there), none is missed (no association is ever
   * overdue), and each association probes every HB.interval + RTO jitter (RFC 9260 §8.3). */
  csctp_tstamp t_idle = now_t, end = now_t + 4 * (csctp_tstamp)HB_MS * CSCTP_MILLISECONDS;
  for (int step = 0;; step++) {
    csctp_tstamp t = csctp_endpoint_expiry(ep);
    cr_assert_gt(t, now_t, "a due timer left behind");
    if (t > end) break;
    now_t = t;
    for (int k = 0; k < 3; k++) { /* a few random associations: none overdue */
      int i = (int)csctp_prng_below(&crng, NBIG);
      cr_assert_geq(csctp_assoc_expiry(cl[i].srv), now_t, "client %d's timer was missed", i);
    }
    if (step % 4096 == 0) check_expiry_consistent();
    cr_assert_eq(csctp_endpoint_handle_expiry(ep, now_t), 0);
    pump();
  }
  check_expiry_consistent();
  csctp_tstamp lo = (csctp_tstamp)HB_MS * CSCTP_MILLISECONDS + RTO_MIN * CSCTP_MILLISECONDS / 2;
  csctp_tstamp hi = (csctp_tstamp)HB_MS * CSCTP_MILLISECONDS + RTO_MAX * CSCTP_MILLISECONDS * 3 / 2;
  for (int i = 0; i < NBIG; i++) {
    client *c = &cl[i];
    cr_assert_geq(c->hb, 3, "client %d: %d heartbeats", i, c->hb);
    cr_assert_leq(c->last_hb, end);
    cr_assert_geq(c->min_gap, lo, "client %d: heartbeat early", i);
    cr_assert_leq(c->max_gap, hi, "client %d: heartbeat late", i);
    cr_assert_eq(csctp_assoc_get_state(c->srv), CSCTP_STATE_ESTABLISHED);
  }
  (void)t_idle;

  /* Removal in random order: the indexes stay true after every step. */
  int *order = malloc(NBIG * sizeof(*order));
  for (int i = 0; i < NBIG; i++) order[i] = i;
  csctp_prng g;
  csctp_prng_seed(&g, 99);
  for (int i = NBIG - 1; i > 0; i--) {
    int j = (int)csctp_prng_below(&g, (uint64_t)i + 1);
    int x = order[i];
    order[i] = order[j];
    order[j] = x;
  }
  for (int k = 0; k < NBIG / 2; k++) {
    client *c = &cl[order[k]];
    cr_assert_eq(csctp_endpoint_remove(ep, c->srv), 0);
    c->removed = 1;
    cr_assert_eq(csctp_endpoint_count(ep), (size_t)(NBIG - k - 1));
    if (k % 1000 == 999) check_expiry_consistent();
  }
  for (int i = 0; i < NBIG; i++) {
    if (cl[i].removed) continue;
    csctp_addr p;
    uint16_t rp;
    cr_assert_eq(csctp_endpoint_assoc_peer(ep, cl[i].srv, &p, &rp), 0, "client %d", i);
    cr_assert_eq(rp, cl[i].port);
  }
  /* Everyone sends again: the survivors reach their own association (pump() checks every
   * packet) and get their echo; the removed ones are out of the blue and get an ABORT. */
  srv_messages = 0;
  for (int i = 0; i < NBIG; i++) client_send(i);
  pump();
  cr_assert_eq(srv_messages, NBIG / 2);
  for (int i = 0; i < NBIG; i++) {
    if (cl[i].removed) {
      cr_assert_eq(cl[i].closed, 1, "client %d: no ABORT from the endpoint", i);
      cr_assert_eq(cl[i].echoes, 1);
    } else {
      cr_assert_eq(cl[i].echoes, 2, "client %d", i);
    }
  }
  idle_all(CSCTP_SECONDS);
  check_expiry_consistent();
  for (int k = NBIG / 2; k < NBIG; k++) {
    client *c = &cl[order[k]];
    cr_assert_eq(csctp_endpoint_remove(ep, c->srv), 0);
    c->removed = 1;
  }
  free(order);
  cr_assert_eq(csctp_endpoint_count(ep), 0);
  cr_assert_eq(csctp_endpoint_expiry(ep), CSCTP_TSTAMP_NONE);
  uint8_t b[PKT_MAX];
  csctp_addr to;
  cr_assert_eq(csctp_endpoint_write_packet(ep, b, sizeof(b), now_t, &to, NULL), 0);
  csctp_assoc *a;
  csctp_event ev;
  cr_assert_eq(csctp_endpoint_poll_event(ep, &a, &ev), 0);
  world_del();
}

/* Brings client i up against the server (a few clients only: client_of() scans). */
static void small_connect(int i) {
  cr_assert_eq(csctp_assoc_connect(cl[i].a, now_t), 0);
  mark(i);
  pump();
  cr_assert_eq(csctp_assoc_get_state(cl[i].a), CSCTP_STATE_ESTABLISHED);
  cr_assert_not_null(cl[i].srv);
}

static uint16_t udp_port_of(const csctp_addr *a) {
  return (uint16_t)(a->data[4] << 8 | a->data[5]);
}

/* RFC 6951 §5: a peer that restarts on a new UDP port (same IP, same SCTP port) is the
 * peer of the existing association: its INIT reaches that association (a restart, RFC
 * 9260 §5.2.2), the INIT ACK goes to the port the INIT came from, and the association
 * follows the new port once the COOKIE ECHO proves it. */
Test(endpoint_scale, restart_from_new_udp_port) {
  world_new(3);
  csctp_addr a1, a2;
  addr_make(&a1, 1, 1111);
  addr_make(&a2, 1, 2222);
  client_new(0, &a1, 4000);
  small_connect(0);
  csctp_assoc *srv = cl[0].srv;
  client_send(0);
  pump();
  cr_assert_eq(cl[0].echoes, 1);
  /* The client process dies and comes back on another UDP port. */
  cl[0].gone = 1;
  client_new(1, &a2, 4000);
  cr_assert_eq(csctp_assoc_connect(cl[1].a, now_t), 0);
  uint8_t b[PKT_MAX];
  csctp_ssize n = csctp_assoc_write_packet(cl[1].a, b, sizeof(b), now_t);
  cr_assert_gt(n, 0);
  cr_assert_eq(b[12], CSCTP_CHUNK_INIT);
  csctp_assoc *pa = NULL;
  cr_assert_eq(csctp_endpoint_read_packet(ep, &a2, b, (size_t)n, now_t, &pa), 0);
  cr_assert_eq(pa, srv, "the INIT goes to the existing association");
  csctp_addr p;
  cr_assert_eq(csctp_endpoint_assoc_peer(ep, srv, &p, NULL), 0);
  cr_assert_eq(udp_port_of(&p), 1111, "an INIT proves nothing: the old port stays");
  csctp_addr to;
  n = csctp_endpoint_write_packet(ep, b, sizeof(b), now_t, &to, &pa);
  cr_assert_gt(n, 0);
  cr_assert_eq(b[12], CSCTP_CHUNK_INIT_ACK);
  cr_assert_eq(udp_port_of(&to), 2222, "the INIT ACK goes where the INIT came from");
  cr_assert_eq(csctp_assoc_read_packet(cl[1].a, b, (size_t)n, now_t), 0);
  cl[1].srv = srv;
  mark(1);
  pump();
  cr_assert_eq(csctp_assoc_get_state(cl[1].a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(srv_restarted, 1, "RESTARTED on the existing association");
  cr_assert_eq(srv_connected, 1, "no second association");
  cr_assert_eq(csctp_endpoint_count(ep), 1);
  cr_assert_eq(csctp_endpoint_assoc_peer(ep, srv, &p, NULL), 0);
  cr_assert_eq(udp_port_of(&p), 2222, "the COOKIE ECHO moved the association to the new port");
  /* Data both ways on the new port (pump() checks the routing and the echo's address). */
  memcpy(&cl[1].addr, &a2, sizeof(a2));
  client_send(1); /* carries number 1: the server's check wants cl[1].srv == srv */
  pump();
  cr_assert_eq(cl[1].echoes, 1);
  /* A third process on a third port while the association lives: a restart again. */
  csctp_addr a3;
  addr_make(&a3, 1, 3333);
  cl[1].gone = 1;
  client_new(2, &a3, 4000);
  cl[2].srv = srv;
  small_connect(2);
  cr_assert_eq(srv_restarted, 2);
  cr_assert_eq(csctp_endpoint_count(ep), 1);
  world_del();
}

/* The same SCTP port from another IP is another peer: a second association, and the
 * first one is left alone. */
Test(endpoint_scale, other_ip_same_sctp_port_is_another_association) {
  world_new(2);
  csctp_addr a1, a2;
  addr_make(&a1, 1, 1111);
  addr_make(&a2, 2, 1111); /* same UDP port too */
  client_new(0, &a1, 4000);
  client_new(1, &a2, 4000);
  small_connect(0);
  small_connect(1);
  cr_assert_neq(cl[0].srv, cl[1].srv);
  cr_assert_eq(srv_connected, 2);
  cr_assert_eq(srv_restarted, 0);
  cr_assert_eq(csctp_endpoint_count(ep), 2);
  client_send(0);
  client_send(1);
  pump();
  cr_assert_eq(cl[0].echoes, 1);
  cr_assert_eq(cl[1].echoes, 1);
  world_del();
}

/* Without the port length (raw IP, or a caller whose addresses carry no UDP port) the
 * whole address is the peer: nothing changes for it. */
Test(endpoint_scale, port_len_only_before_associations) {
  world_new(1);
  csctp_addr a1;
  addr_make(&a1, 1, 1111);
  client_new(0, &a1, 4000);
  small_connect(0);
  cr_assert_eq(csctp_endpoint_set_addr_port_len(ep, 0), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_endpoint_set_addr_port_len(NULL, 2), CSCTP_ERR_INVALID_ARGUMENT);
  world_del();
}

/* The indexes themselves (src/endpoint_map.c) against naive models: hashes repeat (a
 * multimap) and runs of different home slots merge, so that deletions must shift entries
 * back exactly right. */
Test(endpoint_map, against_a_model) {
  enum { IDS = 1000 };
  const csctp_mem *mem = csctp_mem_default();
  csctp_prng g;
  csctp_prng_seed(&g, 5);
  csctp_ep_map m = {0};
  csctp_ep_heap hp = {0};
  csctp_ep_list l;
  csctp_ep_list_init(&l);
  cr_assert_eq(csctp_ep_map_reserve(&m, mem, IDS), 0);
  cr_assert_eq(csctp_ep_heap_reserve(&hp, mem, IDS), 0);
  cr_assert_eq(csctp_ep_list_reserve(&l, mem, IDS), 0);
  static uint32_t hash_of[IDS];
  static int in_map[IDS], in_list[IDS];
  static csctp_tstamp dl[IDS];
  static uint32_t order[IDS];
  int nlist = 0;
  for (int i = 0; i < IDS; i++) dl[i] = CSCTP_TSTAMP_NONE;
  for (int step = 0; step < 200000; step++) {
    uint32_t id = (uint32_t)csctp_prng_below(&g, IDS);
    switch (csctp_prng_below(&g, 3)) {
    case 0: /* map: put or delete, then look up a random hash */
      /* About three quarters of the ids stay in: a third of the table, long merged runs. */
      if (in_map[id] && csctp_prng_chance(&g, 0.35)) {
        csctp_ep_map_del(&m, hash_of[id], id);
        in_map[id] = 0;
      } else if (!in_map[id]) {
        hash_of[id] = (uint32_t)csctp_prng_below(&g, 700) * 0x01000193u;
        csctp_ep_map_put(&m, hash_of[id], id);
        in_map[id] = 1;
      }
      {
        uint32_t h = (uint32_t)csctp_prng_below(&g, 700) * 0x01000193u, pos = CSCTP_EP_NONE, x;
        int found = 0, want = 0;
        while ((x = csctp_ep_map_next(&m, h, &pos)) != CSCTP_EP_NONE) {
          cr_assert(in_map[x] && hash_of[x] == h);
          found++;
        }
        for (int i = 0; i < IDS; i++) want += in_map[i] && hash_of[i] == h;
        cr_assert_eq(found, want, "step %d", step);
      }
      break;
    case 1: { /* heap: set, move or remove; the top is the minimum */
      csctp_tstamp t =
          csctp_prng_chance(&g, 0.2) ? CSCTP_TSTAMP_NONE : 1000 + csctp_prng_below(&g, 5000);
      csctp_ep_heap_set(&hp, id, t);
      dl[id] = t;
      csctp_tstamp min = CSCTP_TSTAMP_NONE;
      for (int i = 0; i < IDS; i++)
        if (dl[i] < min) min = dl[i];
      uint32_t top = 0;
      cr_assert_eq(csctp_ep_heap_top(&hp, &top), min, "step %d", step);
      if (min != CSCTP_TSTAMP_NONE) cr_assert_eq(dl[top], min);
      cr_assert_eq(csctp_ep_heap_get(&hp, id), t);
      break;
    }
    default: /* list: push, delete or pop; the order is first in, first out */
      if (csctp_prng_chance(&g, 0.5)) {
        if (!in_list[id]) order[nlist++] = id;
        in_list[id] = 1;
        csctp_ep_list_push(&l, id);
      } else {
        if (csctp_prng_chance(&g, 0.5) && nlist) id = order[0];
        csctp_ep_list_del(&l, id);
        if (in_list[id]) {
          int k = 0;
          while (order[k] != id) k++;
          memmove(order + k, order + k + 1, (size_t)(nlist - k - 1) * sizeof(order[0]));
          nlist--;
        }
        in_list[id] = 0;
      }
      cr_assert_eq(l.head, nlist ? order[0] : CSCTP_EP_NONE);
      cr_assert_eq(l.tail, nlist ? order[nlist - 1] : CSCTP_EP_NONE);
      cr_assert_eq(csctp_ep_list_has(&l, id), in_list[id]);
      break;
    }
  }
  /* The whole list, in order. */
  uint32_t x = l.head;
  for (int k = 0; k < nlist; k++, x = l.next[x]) cr_assert_eq(x, order[k]);
  cr_assert_eq(x, CSCTP_EP_NONE);
  csctp_ep_map_free(&m, mem);
  csctp_ep_heap_free(&hp, mem);
  csctp_ep_list_free(&l, mem);
}
