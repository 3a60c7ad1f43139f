/* SPDX-License-Identifier: MIT */
/*
 * The endpoint's multi-homing (src/endpoint_route.c; RFC 9260 §5.1.2, §6.4, §8.5; RFC 5062
 * §3; RFC 6951 §5.3): two endpoints with two addresses each across a two-path simulated
 * link, driven only through csctp_endpoint_*_via. connectx names both peer addresses, the
 * INIT ACK lists the listener's, the paths are verified from both ends (a HEARTBEAT ACK from
 * an address not yet confirmed reaches its association by the association's tag), a path
 * cut mid-transfer loses nothing, and an address a peer merely listed does not capture
 * another peer's INIT (address camping).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "assoc.h"
#include "chunk.h"
#include "chunk_asconf.h"
#include "failing_mem.h"
#include "packet.h"
#include "prng.h"
#include "simlink.h"

#define MS CSCTP_MILLISECONDS
#define NP 2
#define MSGS 6000
#define MSG_LEN 1000
#define PORT_A 5001
#define PORT_B 5002

/* One side: its endpoint and the association its last event came from. */
typedef struct ep_side {
  csctp_endpoint *e;
  csctp_assoc *a;
} ep_side;

typedef struct ep_pair {
  csctp_simlink *link;
  csctp_endpoint *e[2];
  ep_side side[2];
  csctp_assoc *a[2]; /* the association each side has (B's from its COOKIE ECHO) */
  csctp_prng rng[2];
  csctp_addr laddr[2][NP];
  uint32_t next_id, sent;
  int bad;
  unsigned confirmed[2], failed[2], closed[2];
} ep_pair;

/* ---- the endpoint as a simlink side ---- */

static csctp_ssize ep_write_via(void *ep, uint8_t *buf, size_t cap, csctp_tstamp now,
                                csctp_route *to) {
  return csctp_endpoint_write_packet_via(((ep_side *)ep)->e, buf, cap, now, to, NULL);
}
static int ep_read_via(void *ep, const csctp_route *from, const uint8_t *pkt, size_t len,
                       csctp_tstamp now) {
  return csctp_endpoint_read_packet_via(((ep_side *)ep)->e, from, pkt, len, now, NULL);
}
static csctp_ssize ep_write(void *ep, uint8_t *buf, size_t cap, csctp_tstamp now) {
  csctp_addr to;
  return csctp_endpoint_write_packet(((ep_side *)ep)->e, buf, cap, now, &to, NULL);
}
static int ep_read(void *ep, const uint8_t *pkt, size_t len, csctp_tstamp now) {
  (void)ep, (void)pkt, (void)len, (void)now;
  return CSCTP_ERR_INVALID_ARGUMENT; /* a multi-path link reads through _via */
}
static csctp_tstamp ep_expiry(const void *ep) {
  return csctp_endpoint_expiry(((const ep_side *)ep)->e);
}
static int ep_handle_expiry(void *ep, csctp_tstamp now) {
  return csctp_endpoint_handle_expiry(((ep_side *)ep)->e, now);
}
static int ep_poll(void *ep, csctp_event *ev) {
  ep_side *s = ep;
  return csctp_endpoint_poll_event(s->e, &s->a, ev);
}

static const csctp_simlink_ops ep_ops = {
    .write_packet = ep_write,
    .read_packet = ep_read,
    .expiry = ep_expiry,
    .handle_expiry = ep_handle_expiry,
    .poll_event = ep_poll,
    .packet_ecn = NULL,
    .read_packet_ecn = NULL,
    .write_packet_via = ep_write_via,
    .read_packet_via = ep_read_via,
};

static void fill(uint8_t *b, uint32_t id) {
  for (int i = 0; i < MSG_LEN; i++) b[i] = (uint8_t)(id * 29 + (uint32_t)i);
}

static void on_event(csctp_simlink *link, int side, const csctp_event *ev, void *user) {
  ep_pair *p = user;
  if (ev->type == CSCTP_EVENT_CONNECTED && !p->a[side]) p->a[side] = p->side[side].a;
  if (ev->type == CSCTP_EVENT_PATH_CHANGED) {
    if (ev->u.path.reason == CSCTP_PATH_CONFIRMED) p->confirmed[side]++;
    if (ev->u.path.reason == CSCTP_PATH_FAILED) p->failed[side]++;
  } else if (ev->type == CSCTP_EVENT_CLOSED && p->side[side].a == p->a[side]) {
    p->closed[side]++; /* of the pair's association, not of another peer's */
  } else if (ev->type == CSCTP_EVENT_MESSAGE && side == CSCTP_SIMLINK_B) {
    uint8_t want[MSG_LEN];
    uint32_t id = ev->u.message.ppid;
    fill(want, id);
    if (id != p->next_id || ev->u.message.len != MSG_LEN ||
        memcmp(ev->u.message.data, want, MSG_LEN) != 0)
      p->bad++;
    p->next_id = id + 1;
  }
  (void)link;
}

static int g_asconf; /* both endpoints with AUTH and ASCONF */

static void ep_cfg(ep_pair *p, int s, csctp_config *cfg) {
  csctp_config_default(cfg);
  cfg->rand = csctp_prng_rand_fn;
  cfg->rand_user_data = &p->rng[s];
  cfg->local_port = s ? PORT_B : PORT_A;
  cfg->rto_initial = 300;
  cfg->rto_min = 200;
  cfg->rto_max = 1000;
  cfg->hb_interval = 2000;
  cfg->max_paths = NP;
  cfg->path_max_retrans = 2;
  cfg->association_max_retrans = 6;
  cfg->auth = cfg->asconf = g_asconf; /* RFC 5061 test below, with room for a third path */
  if (g_asconf) cfg->max_paths = NP + 1;
}

/* Opens the pair; with `mem`, returns -1 instead of failing when an endpoint cannot be made. */
static int pair_open_mem(ep_pair *p, int down1, const csctp_mem *mem) {
  memset(p, 0, sizeof(*p));
  for (int s = 0; s < 2; s++) {
    csctp_config cfg;
    csctp_prng_seed(&p->rng[s], 501 + (uint64_t)s);
    ep_cfg(p, s, &cfg);
    cfg.mem = mem;
    int rv = csctp_endpoint_new(&p->e[s], &cfg);
    if (mem && rv) {
      if (s) csctp_endpoint_del(p->e[0]);
      return -1;
    }
    cr_assert_eq(rv, 0);
    p->side[s].e = p->e[s];
    for (int j = 0; j < NP; j++) csctp_simlink_addr(s, j, 0, &p->laddr[s][j]);
    cr_assert_eq(csctp_endpoint_set_local_addrs(p->e[s], p->laddr[s], NP), 0);
  }
  csctp_endpoint_listen(p->e[1], 1);
  csctp_simlink_config lc;
  csctp_simlink_config_paths(&lc, NP, 10);
  p->link = csctp_simlink_new(&lc);
  cr_assert_not_null(p->link);
  csctp_simlink_attach(p->link, CSCTP_SIMLINK_A, &ep_ops, &p->side[0]);
  csctp_simlink_attach(p->link, CSCTP_SIMLINK_B, &ep_ops, &p->side[1]);
  csctp_simlink_set_event_handler(p->link, CSCTP_SIMLINK_A, on_event, p);
  csctp_simlink_set_event_handler(p->link, CSCTP_SIMLINK_B, on_event, p);
  if (down1) csctp_simlink_set_path_up(p->link, 1, 0);
  return 0;
}

static void pair_open(ep_pair *p, int down1) { pair_open_mem(p, down1, NULL); }

static void pair_close(ep_pair *p) {
  csctp_simlink_del(p->link);
  csctp_endpoint_del(p->e[0]);
  csctp_endpoint_del(p->e[1]);
}

static void connectx(ep_pair *p) {
  csctp_addr peers[NP];
  for (int j = 0; j < NP; j++) csctp_simlink_addr(CSCTP_SIMLINK_B, j, 0, &peers[j]);
  cr_assert_eq(csctp_endpoint_connectx(p->e[0], peers, NP, PORT_B, NULL, csctp_simlink_now(p->link),
                                       &p->a[0]),
               0);
}

static void pump(ep_pair *p) {
  uint8_t b[MSG_LEN];
  while (p->sent < MSGS && csctp_assoc_get_state(p->a[0]) == CSCTP_STATE_ESTABLISHED) {
    csctp_send_opts o = {.stream = 0, .ppid = p->sent};
    fill(b, p->sent);
    if (csctp_assoc_send(p->a[0], &o, b, MSG_LEN, csctp_simlink_now(p->link)) != 0) break;
    p->sent++;
  }
}

static void run(ep_pair *p, csctp_tstamp dur) {
  csctp_tstamp end = csctp_simlink_now(p->link) + dur;
  while (csctp_simlink_now(p->link) < end) {
    pump(p);
    csctp_simlink_stop st = csctp_simlink_run_until(p->link, NULL, NULL, 10 * MS);
    cr_assert_neq(st, CSCTP_SIMLINK_ERROR, "link error %d", csctp_simlink_last_error(p->link));
    if (st == CSCTP_SIMLINK_IDLE) break;
  }
}

/* The state of the path of `a` whose peer address is side `peer_side`'s on link path j. */
static int path_state(csctp_assoc *a, int peer_side, int j) {
  csctp_addr x;
  csctp_simlink_addr(peer_side, j, 0, &x);
  for (unsigned i = 0; i < csctp_assoc_path_count(a); i++) {
    csctp_path_info pi;
    cr_assert_eq(csctp_assoc_get_path(a, i, &pi), 0);
    if (pi.peer.len == x.len && !memcmp(pi.peer.data, x.data, x.len)) return pi.state;
  }
  return -1;
}

Test(endpoint_multihome, connectx_verifies_both_paths_and_a_cut_loses_nothing) {
  ep_pair p;
  pair_open(&p, 0);
  connectx(&p);
  run(&p, 1500 * MS);
  for (int s = 0; s < 2; s++) {
    cr_assert_not_null(p.a[s], "side %d connected", s);
    cr_assert_eq(csctp_assoc_path_count(p.a[s]), NP, "side %d: %zu paths", s,
                 csctp_assoc_path_count(p.a[s]));
    for (int j = 0; j < NP; j++)
      cr_assert_eq(path_state(p.a[s], 1 - s, j), CSCTP_PATH_ACTIVE, "side %d path %d", s, j);
  }
  /* B learned A's second address from the INIT and confirmed it: its HEARTBEAT ACK came
   * from that unconfirmed address and reached the association by its tag. */
  cr_assert_geq(p.confirmed[1], 1);
  run(&p, 1000 * MS);
  cr_assert_lt(p.next_id, MSGS / 2, "the cut falls mid-transfer");
  csctp_simlink_set_path_up(p.link, 0, 0); /* mid-transfer */
  run(&p, 60 * CSCTP_SECONDS);
  cr_assert_eq(p.sent, MSGS);
  cr_assert_eq(p.next_id, MSGS, "delivered %u of %u", p.next_id, MSGS);
  cr_assert_eq(p.bad, 0);
  cr_assert_geq(p.failed[0], 1, "A saw path 0 fail");
  cr_assert_eq(p.closed[0] + p.closed[1], 0);
  /* Both directions of path 1 carried the association's packets, and no packet of either
   * endpoint was taken for an unknown peer. */
  for (int d = 0; d < 2; d++) {
    const csctp_simlink_counters *c = csctp_simlink_path_counters(p.link, 1, d);
    cr_assert_gt(c->sent - c->dropped_down, 1000, "dir %d: %llu packets on path 1", d,
                 (unsigned long long)c->sent);
    csctp_endpoint_stats st;
    cr_assert_eq(csctp_endpoint_get_stats(p.e[d], &st), 0);
    cr_assert_eq(st.drop_unknown_peer, 0, "side %d", d);
    cr_assert_eq(csctp_endpoint_count(p.e[d]), 1);
  }
  pair_close(&p);
}

/* Moves packets between endpoint B (through the _via calls) and a single-homed endpoint `c`
 * at side A's address of link path 1, by hand; B's other packets are dropped. */
static void exchange_c(ep_pair *p, csctp_endpoint *c, csctp_tstamp now) {
  csctp_addr a1, b0;
  csctp_simlink_addr(CSCTP_SIMLINK_A, 1, 0, &a1);
  csctp_simlink_addr(CSCTP_SIMLINK_B, 0, 0, &b0);
  uint8_t buf[2048];
  for (int round = 0; round < 10; round++) {
    csctp_addr to;
    csctp_ssize n;
    while ((n = csctp_endpoint_write_packet(c, buf, sizeof(buf), now, &to, NULL)) > 0) {
      csctp_route from = {.peer = a1, .local = 0};
      cr_assert_eq(csctp_endpoint_read_packet_via(p->e[1], &from, buf, (size_t)n, now, NULL), 0);
    }
    csctp_route r;
    while ((n = csctp_endpoint_write_packet_via(p->e[1], buf, sizeof(buf), now, &r, NULL)) > 0)
      if (r.peer.len == a1.len && !memcmp(r.peer.data, a1.data, a1.len))
        cr_assert_eq(csctp_endpoint_read_packet(c, &b0, buf, (size_t)n, now, NULL), 0);
  }
}

Test(endpoint_multihome, a_listed_unconfirmed_address_does_not_capture_another_peer) {
  ep_pair p;
  pair_open(&p, 1); /* path 1 down: B never confirms A's second address */
  connectx(&p);
  run(&p, 1500 * MS);
  cr_assert_not_null(p.a[1]);
  cr_assert_eq(path_state(p.a[1], CSCTP_SIMLINK_A, 1), CSCTP_PATH_UNCONFIRMED);
  /* Another peer, at that address with the same SCTP port, connects to B (RFC 5062 §3). */
  csctp_config cfg;
  csctp_prng rng;
  csctp_prng_seed(&rng, 9);
  csctp_config_default(&cfg);
  cfg.rand = csctp_prng_rand_fn;
  cfg.rand_user_data = &rng;
  cfg.local_port = PORT_A;
  csctp_endpoint *c;
  cr_assert_eq(csctp_endpoint_new(&c, &cfg), 0);
  csctp_addr b0;
  csctp_simlink_addr(CSCTP_SIMLINK_B, 0, 0, &b0);
  csctp_assoc *ca;
  csctp_tstamp now = csctp_simlink_now(p.link);
  cr_assert_eq(csctp_endpoint_connect(c, &b0, PORT_B, NULL, now, &ca), 0);
  exchange_c(&p, c, now);
  cr_assert_eq(csctp_assoc_get_state(ca), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_endpoint_count(p.e[1]), 2, "a new association for the new peer");
  cr_assert_eq(csctp_assoc_get_state(p.a[1]), CSCTP_STATE_ESTABLISHED);
  /* The first association goes on undisturbed: the transfer completes over path 0. */
  run(&p, 30 * CSCTP_SECONDS);
  cr_assert_eq(p.next_id, MSGS);
  cr_assert_eq(p.bad, 0);
  cr_assert_eq(p.closed[0] + p.closed[1], 0);
  csctp_endpoint_del(c);
  pair_close(&p);
}

/* Every allocation of the two endpoints (their associations, the path index) failing once
 * through a connectx, path verification and a cut: no crash or leak (ASan, live blocks),
 * and the run without failure delivers everything. */
static long alloc_run(long k, void *user) {
  failing_mem *fm = user;
  failing_mem_init(fm, k);
  ep_pair p;
  if (pair_open_mem(&p, 0, &fm->mem) != 0) return fm->calls;
  csctp_addr peers[NP];
  for (int j = 0; j < NP; j++) csctp_simlink_addr(CSCTP_SIMLINK_B, j, 0, &peers[j]);
  int rv =
      csctp_endpoint_connectx(p.e[0], peers, NP, PORT_B, NULL, csctp_simlink_now(p.link), &p.a[0]);
  if (rv == 0) {
    csctp_tstamp end = csctp_simlink_now(p.link) + 12 * CSCTP_SECONDS;
    int cut = 0;
    while (csctp_simlink_now(p.link) < end) {
      if (!cut && csctp_simlink_now(p.link) > end - 9 * CSCTP_SECONDS) {
        csctp_simlink_set_path_up(p.link, 0, 0);
        cut = 1;
      }
      pump(&p);
      csctp_simlink_stop st = csctp_simlink_run_until(p.link, NULL, NULL, 10 * MS);
      if (st == CSCTP_SIMLINK_ERROR || st == CSCTP_SIMLINK_IDLE) break;
    }
    if (k == 0) cr_assert_eq(p.next_id, MSGS, "without failure: %u delivered", p.next_id);
  } else {
    cr_assert_eq(rv, CSCTP_ERR_NOMEM);
  }
  long calls = fm->calls;
  pair_close(&p);
  cr_assert_eq(fm->live, 0, "k %ld: %ld blocks leaked", k, fm->live);
  return calls;
}

Test(endpoint_multihome, every_allocation_failing_once_leaks_nothing, .timeout = 600) {
  failing_mem fm;
  long total = alloc_run(0, &fm);
  cr_assert_gt(total, 10);
  long hit = failing_mem_replay(total, alloc_run, &fm);
  cr_assert_gt(hit, 0);
}

/* RFC 5061 §4.1.1: an ASCONF from an address of the peer's that no association knows reaches the
 * association of its tag through the endpoint (authenticated, AUTH + ASCONF only), which adds
 * the address as an unconfirmed path; the same bytes with a chunk more stay an unknown peer's. */
static uint8_t g_grab[1500];
static size_t g_grab_len;

static int grab_tap(csctp_simlink *link, int dir, uint8_t *pkt, size_t *len, size_t cap,
                    void *user) {
  (void)link, (void)cap, (void)user;
  if (dir != CSCTP_SIMLINK_A || *len < 16 || pkt[12] != CSCTP_CHUNK_AUTH) return 0;
  size_t alen = (csctp_get_u16(pkt + 14) + 3u) & ~3u;
  if (12 + alen >= *len || pkt[12 + alen] != CSCTP_CHUNK_ASCONF) return 0;
  memcpy(g_grab, pkt, *len);
  g_grab_len = *len;
  return 1;
}

Test(endpoint_multihome, asconf_from_a_new_address_reaches_its_association) {
  g_asconf = 1;
  ep_pair p;
  pair_open(&p, 0);
  g_asconf = 0;
  connectx(&p);
  p.sent = MSGS; /* no transfer */
  run(&p, 3 * CSCTP_SECONDS);
  cr_assert_not_null(p.a[1]);
  cr_assert_eq(csctp_assoc_get_state(p.a[1]), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_path_count(p.a[1]), NP);
  /* A's ASCONF adding "the source" (the wildcard), taken off the wire. */
  csctp_simlink_set_tap(p.link, grab_tap, NULL);
  uint8_t buf[64];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof buf);
  static const uint8_t any[4];
  size_t off = csctp_asconf_write_begin(&w, p.a[0]->local_initial_tsn, 4, p.laddr[0][0].data);
  csctp_asconf_request_write(&w, CSCTP_ASCONF_ADD_IP, 1, 4, any);
  csctp_wr_tlv_end(&w, off);
  cr_assert_eq(csctp_assoc_queue_ctrl(p.a[0], buf, w.len), 0);
  csctp_assoc_mark(p.a[0]);
  run(&p, 100 * MS);
  cr_assert_gt(g_grab_len, 0, "A sent no ASCONF");
  csctp_route from = {.local = 0};
  csctp_simlink_addr(CSCTP_SIMLINK_A, 2, 0, &from.peer); /* an address B never heard of */
  csctp_tstamp now = csctp_simlink_now(p.link);
  /* With a COOKIE ACK bundled: not AUTH + ASCONF alone, an unknown peer's packet. */
  uint8_t pkt[1600];
  memcpy(pkt, g_grab, g_grab_len);
  static const uint8_t cookie_ack[4] = {CSCTP_CHUNK_COOKIE_ACK, 0, 0, 4};
  memcpy(pkt + g_grab_len, cookie_ack, 4);
  csctp_packet_set_crc(pkt, g_grab_len + 4);
  csctp_endpoint_stats es;
  cr_assert_eq(csctp_endpoint_get_stats(p.e[1], &es), 0);
  uint64_t unknown = es.drop_unknown_peer;
  cr_assert_eq(csctp_endpoint_read_packet_via(p.e[1], &from, pkt, g_grab_len + 4, now, NULL), 0);
  cr_assert_eq(csctp_endpoint_get_stats(p.e[1], &es), 0);
  cr_assert_eq(es.drop_unknown_peer, unknown + 1);
  cr_assert_eq(csctp_assoc_path_count(p.a[1]), NP);
  /* Alone: taken, the address added, unconfirmed. */
  cr_assert_eq(csctp_endpoint_read_packet_via(p.e[1], &from, g_grab, g_grab_len, now, NULL), 0);
  cr_assert_eq(csctp_assoc_path_count(p.a[1]), NP + 1);
  csctp_path_info pi;
  cr_assert_eq(csctp_assoc_get_path(p.a[1], NP, &pi), 0);
  cr_assert_eq(pi.state, CSCTP_PATH_UNCONFIRMED);
  cr_assert_eq(pi.peer.len, from.peer.len);
  cr_assert(memcmp(pi.peer.data, from.peer.data, from.peer.len) == 0);
  csctp_stats st;
  cr_assert_eq(csctp_assoc_get_stats(p.a[1], &st), 0);
  cr_assert_eq(st.asconf_in, 1);
  csctp_simlink_set_tap(p.link, NULL, NULL);
  pair_close(&p);
}

/* An INIT from port PORT_A to PORT_B (tag 0) listing the n IPv4 addresses ips, CRC in; its
 * length. */
static size_t init_listing(uint8_t *pkt, size_t cap, uint32_t tag, const uint8_t (*ips)[4],
                           size_t n) {
  csctp_wr w;
  csctp_wr_init(&w, pkt, cap);
  csctp_packet_write_header(&w, PORT_A, PORT_B, 0);
  csctp_init_chunk f = {0};
  f.initiate_tag = tag;
  f.a_rwnd = 100000;
  f.num_outbound_streams = 4;
  f.num_inbound_streams = 4;
  f.initial_tsn = 9;
  size_t off = csctp_init_write_begin(&w, CSCTP_CHUNK_INIT, &f);
  for (size_t i = 0; i < n; i++) csctp_param_write(&w, CSCTP_PARAM_IPV4, ips[i], 4);
  csctp_wr_tlv_end(&w, off);
  cr_assert(!w.overflow);
  csctp_packet_set_crc(pkt, w.len);
  return w.len;
}

/* RFC 5062 §5-§6 (amplification): the stateless listener answers an INIT that lists 8
 * addresses with one INIT ACK to the INIT's source and keeps nothing; no packet goes to a
 * listed address before a COOKIE ECHO, however often the INIT comes. */
Test(endpoint_multihome, an_init_listing_8_addresses_gets_one_answer_to_its_source) {
  ep_pair p;
  pair_open(&p, 0);
  uint8_t pkt[512], out[1500], ips[8][4];
  for (uint8_t i = 0; i < 8; i++) memcpy(ips[i], (const uint8_t[]){198, 51, 100, i}, 4);
  size_t len = init_listing(pkt, sizeof pkt, 0x0a0b0c0d, (const uint8_t(*)[4])ips, 8);
  csctp_route from = {.local = 0};
  csctp_simlink_addr(CSCTP_SIMLINK_A, 0, 0, &from.peer);
  unsigned answers = 0;
  for (int k = 0; k < 5; k++) {
    csctp_tstamp now = (csctp_tstamp)k * 100 * MS;
    cr_assert_eq(csctp_endpoint_read_packet_via(p.e[1], &from, pkt, len, now, NULL), 0);
    csctp_route to;
    csctp_ssize n;
    while ((n = csctp_endpoint_write_packet_via(p.e[1], out, sizeof out, now, &to, NULL)) > 0) {
      cr_assert_eq(to.peer.len, from.peer.len);
      cr_assert_eq(memcmp(to.peer.data, from.peer.data, from.peer.len), 0,
                   "a packet to an address the INIT only listed");
      cr_assert_eq(out[12], CSCTP_CHUNK_INIT_ACK);
      answers++;
    }
  }
  cr_assert_eq(answers, 5, "%u answers to 5 INITs", answers);
  cr_assert_eq(csctp_endpoint_count(p.e[1]), 0, "state kept for an INIT");
  csctp_route to;
  csctp_endpoint_handle_expiry(p.e[1], 120 * CSCTP_SECONDS);
  cr_assert_eq(
      csctp_endpoint_write_packet_via(p.e[1], out, sizeof out, 120 * CSCTP_SECONDS, &to, NULL), 0);
  pair_close(&p);
}

/* RFC 9260 §5.2.2 through the endpoint: a restart of A (an INIT from its first address, for
 * the live association) that lists an address A never had gets an ABORT carrying cause 11,
 * to that source; B's association goes on and the transfer completes. */
Test(endpoint_multihome, a_restart_adding_an_address_is_aborted_and_the_transfer_goes_on) {
  ep_pair p;
  pair_open(&p, 0);
  connectx(&p);
  run(&p, 1500 * MS);
  cr_assert_not_null(p.a[1]);
  cr_assert_eq(csctp_assoc_get_state(p.a[1]), CSCTP_STATE_ESTABLISHED);
  uint32_t tag = p.a[1]->local_tag;
  csctp_route from = {.local = 0};
  csctp_simlink_addr(CSCTP_SIMLINK_A, 0, 0, &from.peer);
  const uint8_t ips[2][4] = {{10, 0, 1, 1}, {10, 0, 7, 1}}; /* A's second, and a new one */
  uint8_t pkt[256], out[1500];
  size_t len = init_listing(pkt, sizeof pkt, 0x5eed5eed, ips, 2);
  csctp_tstamp now = csctp_simlink_now(p.link);
  cr_assert_eq(csctp_endpoint_read_packet_via(p.e[1], &from, pkt, len, now, NULL), 0);
  csctp_route to;
  csctp_ssize n;
  unsigned aborts = 0;
  while ((n = csctp_endpoint_write_packet_via(p.e[1], out, sizeof out, now, &to, NULL)) > 0) {
    if (out[12] != CSCTP_CHUNK_ABORT) continue; /* the association's own traffic: dropped */
    aborts++;
    cr_assert_eq(csctp_get_u32(out + 4), 0x5eed5eedu, "not the INIT's Initiate Tag");
    cr_assert_eq(memcmp(to.peer.data, from.peer.data, from.peer.len), 0, "not to the source");
    cr_assert_eq(csctp_get_u16(out + 16), CSCTP_CAUSE_RESTART_NEW_ADDRESSES);
    cr_assert_eq(csctp_get_u16(out + 18), 4 + 8, "one address listed");
    cr_assert_eq(memcmp(out + 24, ips[1], 4), 0, "the new address is not the one listed");
  }
  cr_assert_eq(aborts, 1);
  cr_assert_eq(csctp_endpoint_count(p.e[1]), 1);
  cr_assert_eq(p.a[1]->local_tag, tag, "the association restarted");
  csctp_stats st;
  cr_assert_eq(csctp_assoc_get_stats(p.a[1], &st), 0);
  cr_assert_eq(st.restart_new_addr_aborts, 1);
  run(&p, 30 * CSCTP_SECONDS);
  cr_assert_eq(p.next_id, MSGS, "delivered %u of %u", p.next_id, MSGS);
  cr_assert_eq(p.bad, 0);
  cr_assert_eq(p.closed[0] + p.closed[1], 0);
  pair_close(&p);
}
