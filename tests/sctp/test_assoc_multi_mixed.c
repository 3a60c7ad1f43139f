/* SPDX-License-Identifier: MIT */
/*
 * One association over an IPv4 and an IPv6 path (RFC 9260 §5.1.2, §6.4; assoc_addr.c,
 * assoc_path.c): each side lists one address of each family, the handshake goes over IPv4,
 * the IPv6 path is verified, then a transfer fails over from IPv4 to IPv6 and, the primary
 * moved to IPv6, back from IPv6 to IPv4, losing nothing. Two engines, the two-path simulated
 * link with path 1 in IPv6, a virtual clock.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "assoc.h"
#include "chunk.h"
#include "prng.h"
#include "simlink.h"

#define MS CSCTP_MILLISECONDS
#define MSGS 6000
#define MSG_LEN 1000

typedef struct xp {
  csctp_simlink *link;
  csctp_assoc *a[2];
  csctp_prng rng[2];
  csctp_addr laddr[2][2]; /* [side][0]: IPv4, [side][1]: IPv6 */
  uint32_t next_id, sent;
  int bad;
  unsigned closed;
} xp;

static void fill(uint8_t *b, uint32_t id) {
  for (int i = 0; i < MSG_LEN; i++) b[i] = (uint8_t)(id * 13 + (uint32_t)i);
}

static void on_event(csctp_simlink *link, int side, const csctp_event *ev, void *user) {
  xp *p = user;
  (void)link;
  if (ev->type == CSCTP_EVENT_CLOSED) p->closed++;
  if (ev->type != CSCTP_EVENT_MESSAGE || side != CSCTP_SIMLINK_B) return;
  uint8_t want[MSG_LEN];
  uint32_t id = ev->u.message.ppid;
  fill(want, id);
  if (id != p->next_id || ev->u.message.len != MSG_LEN ||
      memcmp(ev->u.message.data, want, MSG_LEN) != 0)
    p->bad++;
  p->next_id = id + 1;
}

/* A lists its first n_a addresses (IPv4, then IPv6), B both. */
static void xp_open_n(xp *p, unsigned n_a) {
  memset(p, 0, sizeof(*p));
  for (int s = 0; s < 2; s++) {
    csctp_config cfg;
    csctp_config_default(&cfg);
    csctp_prng_seed(&p->rng[s], 61 + (uint64_t)s);
    cfg.rand = csctp_prng_rand_fn;
    cfg.rand_user_data = &p->rng[s];
    cfg.rto_initial = 300;
    cfg.rto_min = 200;
    cfg.rto_max = 1000;
    cfg.hb_interval = 1000;
    cfg.max_paths = 2;
    cfg.path_max_retrans = 2;
    cfg.pf_max_retrans = 0;
    cfg.association_max_retrans = 10;
    csctp_simlink_addr(s, 0, 0, &p->laddr[s][0]);
    csctp_simlink_addr6(s, 1, 0, &p->laddr[s][1]);
    cfg.local_addrs = p->laddr[s];
    cfg.n_local_addrs = s ? 2 : n_a;
    cr_assert_eq(csctp_assoc_new(&p->a[s], &cfg), 0);
  }
  csctp_simlink_config lc;
  csctp_simlink_config_paths(&lc, 2, 15);
  lc.v6_paths = 1u << 1;
  p->link = csctp_simlink_new(&lc);
  cr_assert_not_null(p->link);
  csctp_simlink_attach_assocs_mh(p->link, p->a[0], p->a[1]);
  csctp_simlink_set_event_handler(p->link, CSCTP_SIMLINK_A, on_event, p);
  csctp_simlink_set_event_handler(p->link, CSCTP_SIMLINK_B, on_event, p);
  cr_assert_eq(csctp_assoc_add_peer_addr(p->a[0], &p->laddr[1][0]), 0);
  cr_assert_eq(csctp_assoc_connect(p->a[0], csctp_simlink_now(p->link)), 0);
}

static void xp_open(xp *p) { xp_open_n(p, 2); }

static void run(xp *p, csctp_tstamp dur) {
  uint8_t b[MSG_LEN];
  csctp_tstamp end = csctp_simlink_now(p->link) + dur;
  while (csctp_simlink_now(p->link) < end) {
    while (p->sent < MSGS && csctp_assoc_get_state(p->a[0]) == CSCTP_STATE_ESTABLISHED) {
      csctp_send_opts o = {.stream = 0, .ppid = p->sent};
      fill(b, p->sent);
      if (csctp_assoc_send(p->a[0], &o, b, MSG_LEN, csctp_simlink_now(p->link)) != 0) break;
      p->sent++;
    }
    csctp_simlink_stop st = csctp_simlink_run_until(p->link, NULL, NULL, 10 * MS);
    cr_assert_neq(st, CSCTP_SIMLINK_ERROR, "link error %d", csctp_simlink_last_error(p->link));
    if (st == CSCTP_SIMLINK_IDLE) break;
  }
}

/* Side s's path index of the peer's address of family fam (4 or 6), and its state. */
static int path_fam(xp *p, int s, int fam, uint8_t *state) {
  for (unsigned i = 0; i < csctp_assoc_path_count(p->a[s]); i++) {
    csctp_path_info pi;
    cr_assert_eq(csctp_assoc_get_path(p->a[s], i, &pi), 0);
    if (csctp_addr_family(&pi.peer, 0, NULL, NULL) == fam) {
      if (state) *state = pi.state;
      return (int)i;
    }
  }
  return -1;
}

/* Runs until A's new data goes to its path of family fam (at most 20 s); the time it took. */
static csctp_tstamp until_data_on(xp *p, int fam) {
  csctp_tstamp t0 = csctp_simlink_now(p->link);
  int i = path_fam(p, 0, fam, NULL);
  cr_assert_geq(i, 0);
  csctp_stats st;
  for (int k = 0; k < 2000; k++) {
    cr_assert_eq(csctp_assoc_get_stats(p->a[0], &st), 0);
    if (st.data_path == i) break;
    run(p, 10 * MS);
  }
  cr_assert_eq(st.data_path, i, "new data never moved to the IPv%d path", fam);
  return csctp_simlink_now(p->link) - t0;
}

Test(assoc_multi_mixed, ipv4_and_ipv6_paths_fail_over_both_ways) {
  xp p;
  xp_open(&p);
  run(&p, 1500 * MS);
  for (int s = 0; s < 2; s++) {
    uint8_t st4 = 0, st6 = 0;
    cr_assert_eq(csctp_assoc_path_count(p.a[s]), 2, "side %d", s);
    cr_assert_geq(path_fam(&p, s, 4, &st4), 0, "side %d has no IPv4 path", s);
    cr_assert_geq(path_fam(&p, s, 6, &st6), 0, "side %d has no IPv6 path", s);
    cr_assert_eq(st4, CSCTP_PATH_ACTIVE);
    cr_assert_eq(st6, CSCTP_PATH_ACTIVE, "side %d: IPv6 path not verified (%u)", s, st6);
  }
  cr_assert_eq(csctp_assoc_get_primary(p.a[0]), path_fam(&p, 0, 4, NULL));
  const csctp_simlink_counters *c6 = csctp_simlink_path_counters(p.link, 1, 0);
  uint64_t v6_before = c6->bytes_sent;
  /* IPv4 cut: new data and retransmissions go over IPv6. */
  csctp_simlink_set_path_up(p.link, 0, 0);
  csctp_tstamp t46 = until_data_on(&p, 6);
  run(&p, 2 * CSCTP_SECONDS);
  cr_assert_gt(
      c6->bytes_sent - v6_before, 100 * MSG_LEN, "%llu bytes over IPv6, %u delivered, t46 %llu",
      (unsigned long long)(c6->bytes_sent - v6_before), p.next_id, (unsigned long long)t46);
  uint32_t at_v6 = p.next_id;
  cr_assert_gt(at_v6, 0);
  /* IPv4 back: its HEARTBEAT is answered, the data returns to the primary. */
  csctp_simlink_set_path_up(p.link, 0, 1);
  until_data_on(&p, 4);
  /* The primary moved to IPv6, then IPv6 cut: back to IPv4. */
  int i6 = path_fam(&p, 0, 6, NULL);
  cr_assert_eq(csctp_assoc_set_primary(p.a[0], (unsigned)i6, csctp_simlink_now(p.link)), 0);
  until_data_on(&p, 6);
  run(&p, 500 * MS);
  csctp_simlink_set_path_up(p.link, 1, 0);
  csctp_tstamp t64 = until_data_on(&p, 4);
  for (int k = 0; k < 3000 && p.next_id < MSGS; k++) run(&p, 10 * MS);
  cr_assert_eq(p.next_id, MSGS, "delivered %u of %u", p.next_id, MSGS);
  cr_assert_eq(p.bad, 0, "messages lost, damaged or out of order");
  cr_assert_eq(p.closed, 0);
  csctp_stats st;
  cr_assert_eq(csctp_assoc_get_stats(p.a[0], &st), 0);
  cr_assert_geq(st.path_failovers, 2);
  /* PF on (PFMR 0): each failover within one RTO.Max of the cut. */
  cr_assert_leq(t46, 1200 * MS, "IPv4 -> IPv6 took %llu us", (unsigned long long)t46);
  cr_assert_leq(t64, 1200 * MS, "IPv6 -> IPv4 took %llu us", (unsigned long long)t64);
  csctp_simlink_del(p.link);
  csctp_assoc_del(p.a[0]);
  csctp_assoc_del(p.a[1]);
}

/* The Supported Address Types parameter of A's INIT (§5.1.2), as CSCTP_ADDR_TYPES_* bits. */
static int init_types_tap(csctp_simlink *link, int dir, int path, const uint8_t *pkt, size_t len,
                          void *user) {
  (void)link, (void)path;
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, pkt, len);
  if (dir != CSCTP_SIMLINK_A || csctp_chunk_next(&it, &ch) != 1 || ch.type != CSCTP_CHUNK_INIT)
    return 0;
  csctp_init_chunk in;
  cr_assert_eq(csctp_init_decode(&ch, &in), 0);
  *(uint8_t *)user = in.addr_types;
  return 0;
}

/* §5.1.2: A has only an IPv4 address, so its INIT says it supports IPv4 only; B, with an IPv4
 * and an IPv6 address, lists no IPv6 address in its INIT ACK: one path each side. */
Test(assoc_multi_mixed, an_ipv4_only_peer_is_not_given_ipv6_addresses) {
  xp p;
  xp_open_n(&p, 1);
  uint8_t types = 0;
  csctp_simlink_set_path_tap(p.link, init_types_tap, &types);
  run(&p, 3 * CSCTP_SECONDS);
  cr_assert_eq(types, CSCTP_ADDR_TYPES_PRESENT | CSCTP_ADDR_TYPES_V4, "INIT's types %#x", types);
  for (int s = 0; s < 2; s++) {
    cr_assert_eq(csctp_assoc_get_state(p.a[s]), CSCTP_STATE_ESTABLISHED);
    cr_assert_eq(csctp_assoc_path_count(p.a[s]), 1, "side %d knows %zu paths", s,
                 csctp_assoc_path_count(p.a[s]));
  }
  cr_assert_lt(path_fam(&p, 0, 6, NULL), 0, "A was given B's IPv6 address");
  cr_assert_gt(p.next_id, 0);
  csctp_simlink_del(p.link);
  csctp_assoc_del(p.a[0]);
  csctp_assoc_del(p.a[1]);
}
