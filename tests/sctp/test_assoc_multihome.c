/* SPDX-License-Identifier: MIT */
/*
 * Multi-homing (RFC 9260 §5.1.2, §5.4, §6.4, §8.2, §8.3; src/assoc_path.c, assoc_multi.c,
 * assoc_addr.c): two engines with three addresses each across a three-path simulated link.
 * The handshake lists the addresses, the paths are verified by HEARTBEAT before anything
 * else goes there, a path cut mid-transfer loses nothing (retransmission to another path,
 * the path marked inactive after Path.Max.Retrans, new data moved), the path comes back on
 * an answered heartbeat, all paths cut close the association after Association.Max.Retrans.
 * Every expectation comes from the scenario the test builds, not from the code.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "assoc.h"
#include "failing_mem.h"
#include "packet.h"
#include "prng.h"
#include "simlink.h"

#define MS CSCTP_MILLISECONDS
#define NP 3         /* paths of the link */
#define MSGS 3000    /* messages of the transfer */
#define MSG_LEN 1000 /* bytes each */

typedef struct mh_pair {
  csctp_simlink *link;
  csctp_assoc *a[2];
  csctp_prng rng[2];
  csctp_addr laddr[2][NP];
  /* receiver (B): messages in order, content checked */
  uint32_t next_id;
  int bad;
  csctp_tstamp last_rx;
  csctp_tstamp gap; /* the longest time between two deliveries */
  /* events */
  unsigned confirmed[2], failed[2], recovered[2], closed[2];
  /* sender (A) */
  uint32_t sent;
  /* tap: packets to a path the sender had not confirmed, with anything but HEARTBEAT(-ACK) */
  unsigned bad_unconfirmed, hb_unconfirmed;
} mh_pair;

/* The PLPMTUD case's settings (0: the other tests'): plpmtud_max, each path's MTU, and how many
 * messages pump queues at most. */
static uint32_t mh_plpmtud_max, mh_path_mtu[NP], mh_limit = MSGS;

static void fill(uint8_t *b, uint32_t id) {
  for (int i = 0; i < MSG_LEN; i++) b[i] = (uint8_t)(id * 31 + (uint32_t)i);
}

static void on_event(csctp_simlink *link, int side, const csctp_event *ev, void *user) {
  mh_pair *p = user;
  (void)link;
  if (ev->type == CSCTP_EVENT_PATH_CHANGED) {
    if (ev->u.path.reason == CSCTP_PATH_CONFIRMED) p->confirmed[side]++;
    if (ev->u.path.reason == CSCTP_PATH_FAILED) p->failed[side]++;
    if (ev->u.path.reason == CSCTP_PATH_RECOVERED) p->recovered[side]++;
  } else if (ev->type == CSCTP_EVENT_CLOSED) {
    p->closed[side]++;
  } else if (ev->type == CSCTP_EVENT_MESSAGE && side == CSCTP_SIMLINK_B) {
    uint8_t want[MSG_LEN];
    uint32_t id = ev->u.message.ppid;
    fill(want, id);
    if (id != p->next_id || ev->u.message.len != MSG_LEN ||
        memcmp(ev->u.message.data, want, MSG_LEN) != 0)
      p->bad++;
    p->next_id = id + 1;
    csctp_tstamp now = csctp_simlink_now(p->link);
    if (p->last_rx && now - p->last_rx > p->gap) p->gap = now - p->last_rx;
    p->last_rx = now;
  }
}

/* The sender's path index for link path j (its peer address is side 1-dir's on path j). */
static int assoc_path_of(csctp_assoc *a, int peer_side, int j) {
  csctp_addr x;
  csctp_simlink_addr(peer_side, j, 0, &x);
  for (unsigned i = 0; i < csctp_assoc_path_count(a); i++) {
    csctp_path_info pi;
    cr_assert_eq(csctp_assoc_get_path(a, i, &pi), 0);
    if (pi.peer.len == x.len && !memcmp(pi.peer.data, x.data, x.len)) return (int)i;
  }
  return -1;
}

/* §5.4: to an address the sender has not confirmed, HEARTBEAT or HEARTBEAT ACK only. */
static int unconfirmed_tap(csctp_simlink *link, int dir, int path, const uint8_t *pkt, size_t len,
                           void *user) {
  mh_pair *p = user;
  csctp_assoc *sender = p->a[dir];
  int i = assoc_path_of(sender, 1 - dir, path);
  if (i < 0) return 0; /* before the handshake: the address the INIT went to */
  csctp_path_info pi;
  csctp_assoc_get_path(sender, (unsigned)i, &pi);
  if (pi.state != CSCTP_PATH_UNCONFIRMED) return 0;
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, pkt, len);
  while (csctp_chunk_next(&it, &ch) == 1) {
    if (ch.type == CSCTP_CHUNK_HEARTBEAT) p->hb_unconfirmed++;
    if (ch.type != CSCTP_CHUNK_HEARTBEAT && ch.type != CSCTP_CHUNK_HEARTBEAT_ACK)
      p->bad_unconfirmed++;
  }
  (void)link;
  return 0;
}

static void mh_cfg(mh_pair *p, int s, csctp_config *cfg) {
  csctp_config_default(cfg);
  cfg->rand = csctp_prng_rand_fn;
  cfg->rand_user_data = &p->rng[s];
  cfg->rto_initial = 300;
  cfg->rto_min = 200;
  cfg->rto_max = 1000;
  cfg->hb_interval = 2000;
  cfg->max_paths = NP;
  cfg->path_max_retrans = 2;
  cfg->association_max_retrans = 6;
  for (int j = 0; j < NP; j++) csctp_simlink_addr(s, j, 0, &p->laddr[s][j]);
  cfg->local_addrs = p->laddr[s];
  cfg->n_local_addrs = NP;
  cfg->plpmtud_max = mh_plpmtud_max;
  cfg->plpmtud_probe_timer = 1000;
}

static void mh_open_pf(mh_pair *p, const csctp_mem *mem, uint32_t pfmr) {
  memset(p, 0, sizeof(*p));
  for (int s = 0; s < 2; s++) {
    csctp_config cfg;
    csctp_prng_seed(&p->rng[s], 77 + (uint64_t)s);
    mh_cfg(p, s, &cfg);
    cfg.mem = mem;
    cfg.pf_max_retrans = pfmr;
    cr_assert_eq(csctp_assoc_new(&p->a[s], &cfg), 0);
  }
  csctp_simlink_config lc;
  csctp_simlink_config_paths(&lc, NP, 10); /* 1 MB/s: 3 MB take 3 s, the cuts fall mid-transfer */
  for (int j = 0; j < NP; j++) lc.path[j][0].mtu = lc.path[j][1].mtu = mh_path_mtu[j];
  p->link = csctp_simlink_new(&lc);
  cr_assert_not_null(p->link);
  csctp_simlink_attach_assocs_mh(p->link, p->a[0], p->a[1]);
  csctp_simlink_set_event_handler(p->link, CSCTP_SIMLINK_A, on_event, p);
  csctp_simlink_set_event_handler(p->link, CSCTP_SIMLINK_B, on_event, p);
  csctp_simlink_set_path_tap(p->link, unconfirmed_tap, p);
  csctp_addr b0;
  csctp_simlink_addr(CSCTP_SIMLINK_B, 0, 0, &b0);
  cr_assert_eq(csctp_assoc_add_peer_addr(p->a[0], &b0), 0);
  cr_assert_eq(csctp_assoc_connect(p->a[0], csctp_simlink_now(p->link)), 0);
}

/* PF off (pf_max_retrans = path_max_retrans): RFC 9260 alone. */
static void mh_open(mh_pair *p, const csctp_mem *mem) { mh_open_pf(p, mem, 2); }

static void mh_close(mh_pair *p) {
  csctp_simlink_del(p->link);
  csctp_assoc_del(p->a[0]);
  csctp_assoc_del(p->a[1]);
}

/* Queues messages while the send buffer takes them. */
static void pump(mh_pair *p) {
  uint8_t b[MSG_LEN];
  while (p->sent < mh_limit && csctp_assoc_get_state(p->a[0]) == CSCTP_STATE_ESTABLISHED) {
    csctp_send_opts o = {.stream = 0, .ppid = p->sent};
    fill(b, p->sent);
    if (csctp_assoc_send(p->a[0], &o, b, MSG_LEN, csctp_simlink_now(p->link)) != 0) break;
    p->sent++;
  }
}

static void run(mh_pair *p, csctp_tstamp dur) {
  csctp_tstamp end = csctp_simlink_now(p->link) + dur;
  while (csctp_simlink_now(p->link) < end) {
    pump(p);
    csctp_simlink_stop st = csctp_simlink_run_until(p->link, NULL, NULL, 10 * MS);
    cr_assert_neq(st, CSCTP_SIMLINK_ERROR, "link error %d", csctp_simlink_last_error(p->link));
    if (st == CSCTP_SIMLINK_IDLE) break;
  }
}

static uint8_t path_state(csctp_assoc *a, int peer_side, int j) {
  int i = assoc_path_of(a, peer_side, j);
  cr_assert_geq(i, 0, "no path for link path %d", j);
  csctp_path_info pi;
  csctp_assoc_get_path(a, (unsigned)i, &pi);
  return pi.state;
}

Test(assoc_multihome, handshake_lists_addresses_and_heartbeats_confirm_them) {
  mh_pair p;
  mh_open(&p, NULL);
  run(&p, 3 * CSCTP_SECONDS);
  for (int s = 0; s < 2; s++) {
    cr_assert_eq(csctp_assoc_get_state(p.a[s]), CSCTP_STATE_ESTABLISHED);
    cr_assert_eq(csctp_assoc_path_count(p.a[s]), NP, "side %d knows %zu paths", s,
                 csctp_assoc_path_count(p.a[s]));
    for (int j = 0; j < NP; j++)
      cr_assert_eq(path_state(p.a[s], 1 - s, j), CSCTP_PATH_ACTIVE, "side %d path %d", s, j);
    csctp_stats st;
    cr_assert_eq(csctp_assoc_get_stats(p.a[s], &st), 0);
    cr_assert_eq(st.paths_confirmed, NP - 1, "side %d", s);
    cr_assert_eq(p.confirmed[s], NP - 1);
    cr_assert_eq(st.n_paths, NP);
    cr_assert_eq(st.data_path, 0);
  }
  cr_assert_eq(p.bad_unconfirmed, 0, "%u packets with more than HEARTBEAT to unconfirmed paths",
               p.bad_unconfirmed);
  cr_assert_gt(p.hb_unconfirmed, 0);
  /* Only csctp_assoc_write_packet_via says where a packet of a multi-homed association goes. */
  uint8_t buf[1500];
  cr_assert_eq(csctp_assoc_write_packet(p.a[0], buf, sizeof buf, csctp_simlink_now(p.link)),
               CSCTP_ERR_INVALID_STATE);
  mh_close(&p);
}

Test(assoc_multihome, an_unreachable_address_gets_heartbeats_only_and_at_most_one_per_rto) {
  mh_pair p;
  mh_open(&p, NULL);
  csctp_simlink_set_path_up(p.link, 1, 0); /* the second addresses never answer */
  run(&p, 2 * CSCTP_SECONDS);
  /* Path 0 fails mid-transfer too: the data must go to path 2, never to unconfirmed path 1
   * (the first alternate by index). */
  csctp_simlink_set_path_up(p.link, 0, 0);
  run(&p, 18 * CSCTP_SECONDS);
  cr_assert_eq(p.next_id, MSGS, "transfer done: %u of %u", p.next_id, MSGS);
  cr_assert_eq(p.bad, 0);
  cr_assert_eq(path_state(p.a[0], 1, 1), CSCTP_PATH_UNCONFIRMED);
  cr_assert_eq(p.bad_unconfirmed, 0, "%u packets with more than HEARTBEAT to unconfirmed paths",
               p.bad_unconfirmed);
  /* §5.4: one probe per RTO at most (RTO >= rto_min 200 ms, backed off): bounded by
   * the run's length over rto_min, whatever the peer does. */
  const csctp_simlink_counters *c = csctp_simlink_path_counters(p.link, 1, 0);
  cr_assert_leq(c->sent, 20 * 1000 / 200, "%llu packets to a dead unconfirmed path",
                (unsigned long long)c->sent);
  cr_assert_gt(c->sent, 0);
  csctp_stats st;
  csctp_assoc_get_stats(p.a[0], &st);
  /* Path 2's one verification HEARTBEAT (answered at once), and path 1's. */
  cr_assert_eq(st.hb_unconfirmed_out, c->sent + 1,
               "every packet there was a verification HEARTBEAT: %llu HEARTBEATs, %llu packets",
               (unsigned long long)st.hb_unconfirmed_out, (unsigned long long)c->sent);
  mh_close(&p);
}

/* Cuts path 0 mid-transfer; *gap: the longest stall of deliveries, *moved: when new data
 * moved to another path after the cut. */
static void cut_run(mh_pair *p, csctp_tstamp *gap, csctp_tstamp *moved) {
  run(p, 2 * CSCTP_SECONDS); /* established, paths confirmed, transfer under way */
  cr_assert_gt(p->next_id, 0);
  cr_assert_lt(p->next_id, MSGS);
  csctp_tstamp cut = csctp_simlink_now(p->link);
  csctp_simlink_set_path_up(p->link, 0, 0);
  *moved = 0;
  while (csctp_simlink_now(p->link) < cut + 30 * CSCTP_SECONDS && p->next_id < MSGS) {
    run(p, 10 * MS);
    csctp_stats st;
    csctp_assoc_get_stats(p->a[0], &st);
    if (!*moved && st.data_path != 0) *moved = csctp_simlink_now(p->link) - cut;
  }
  cr_assert_eq(p->next_id, MSGS, "all delivered: %u of %u", p->next_id, MSGS);
  cr_assert_eq(p->bad, 0, "messages out of order or damaged");
  cr_assert_eq(csctp_assoc_get_state(p->a[0]), CSCTP_STATE_ESTABLISHED);
  cr_assert(*moved);
  *gap = p->gap;
}

Test(assoc_multihome, path_cut_mid_transfer_loses_nothing_and_fails_over) {
  mh_pair p;
  mh_open(&p, NULL);
  csctp_tstamp gap, moved;
  cut_run(&p, &gap, &moved);
  cr_assert_eq(path_state(p.a[0], 1, 0), CSCTP_PATH_INACTIVE);
  cr_assert_eq(p.failed[0], 1);
  csctp_stats st;
  csctp_assoc_get_stats(p.a[0], &st);
  cr_assert_neq(st.data_path, 0);
  cr_assert_eq(st.path_failovers, 1);
  cr_assert_eq(st.path_inactive, 1);
  cr_assert_eq(st.pf_transitions, 0, "PF off");
  /* §6.4.1: the timed-out data went to another path long before path 0 was given up. */
  cr_assert_lt(gap, moved, "retransmission waited for the failover");
  /* After PMR + 1 = 3 timeouts of at least RTO.Min each, never before. */
  cr_assert_geq(moved, 3 * 200 * MS);
  mh_close(&p);
}

Test(assoc_multihome, potentially_failed_moves_new_data_at_the_first_timeout) {
  mh_pair p;
  csctp_tstamp gap[2], moved[2];
  for (int pf = 0; pf < 2; pf++) {
    mh_open_pf(&p, NULL, pf ? 0 : 2); /* PFMR 0 (RFC 7829 §4), or = PMR: PF off */
    cut_run(&p, &gap[pf], &moved[pf]);
    csctp_stats st;
    csctp_assoc_get_stats(p.a[0], &st);
    /* (Tail drops at the 64 KiB queues make timeouts on the other paths too.) */
    cr_assert(pf ? st.pf_transitions >= 1 : st.pf_transitions == 0, "pf %d: %llu", pf,
              (unsigned long long)st.pf_transitions);
    cr_assert_geq(st.path_failovers, 1);
    mh_close(&p);
  }
  printf(
      "multihome failover, path 0 cut mid-transfer (PMR 2, RTO.Min 200 ms, RTO.Max 1 s): "
      "without PF the longest delivery stall is %.0f ms, new data moves after %.0f ms; "
      "with PF (PFMR 0) %.0f ms and %.0f ms\n",
      (double)gap[0] / MS, (double)moved[0] / MS, (double)gap[1] / MS, (double)moved[1] / MS);
  /* RFC 7829: one timeout (an RTO, at most RTO.Max) instead of PMR + 1 backed-off ones. */
  cr_assert_leq(moved[1], 1000 * MS + 100 * MS, "PF moved new data after %llu us",
                (unsigned long long)moved[1]);
  cr_assert_lt(moved[1] * 2, moved[0]);
}

Test(assoc_multihome, primary_switchover_after_psmr_is_for_good) {
  mh_pair p;
  memset(&p, 0, sizeof(p));
  for (int s = 0; s < 2; s++) {
    csctp_config cfg;
    csctp_prng_seed(&p.rng[s], 77 + (uint64_t)s);
    mh_cfg(&p, s, &cfg);
    cfg.pf_max_retrans = 0;
    cfg.ps_max_retrans = 0; /* RFC 7829 §5: the primary changes at its first error */
    cr_assert_eq(csctp_assoc_new(&p.a[s], &cfg), 0);
  }
  csctp_simlink_config lc;
  csctp_simlink_config_default(&lc);
  lc.n_paths = NP;
  for (int j = 0; j < NP; j++)
    for (int d = 0; d < 2; d++) {
      lc.path[j][d].bandwidth = 1000 * 1000;
      lc.path[j][d].queue_bytes = 64 * 1024;
    }
  p.link = csctp_simlink_new(&lc);
  csctp_simlink_attach_assocs_mh(p.link, p.a[0], p.a[1]);
  csctp_simlink_set_event_handler(p.link, CSCTP_SIMLINK_B, on_event, &p);
  csctp_addr b0;
  csctp_simlink_addr(CSCTP_SIMLINK_B, 0, 0, &b0);
  cr_assert_eq(csctp_assoc_add_peer_addr(p.a[0], &b0), 0);
  cr_assert_eq(csctp_assoc_connect(p.a[0], csctp_simlink_now(p.link)), 0);
  run(&p, 2 * CSCTP_SECONDS);
  cr_assert_eq(csctp_assoc_get_primary(p.a[0]), 0);
  csctp_simlink_set_path_up(p.link, 0, 0);
  run(&p, 3 * CSCTP_SECONDS);
  cr_assert_neq(csctp_assoc_get_primary(p.a[0]), 0, "switched over");
  csctp_simlink_set_path_up(p.link, 0, 1);
  run(&p, 6 * CSCTP_SECONDS);
  cr_assert_eq(path_state(p.a[0], 1, 0), CSCTP_PATH_ACTIVE, "path 0 is back");
  cr_assert_neq(csctp_assoc_get_primary(p.a[0]), 0, "no switching back (RFC 7829 §5)");
  csctp_stats st;
  csctp_assoc_get_stats(p.a[0], &st);
  cr_assert_neq(st.data_path, 0);
  cr_assert_eq(p.bad, 0);
  mh_close(&p);
}

Test(assoc_multihome, a_failed_path_returns_on_an_answered_heartbeat) {
  mh_pair p;
  mh_open(&p, NULL);
  run(&p, 2 * CSCTP_SECONDS);
  csctp_simlink_set_path_up(p.link, 0, 0);
  run(&p, 15 * CSCTP_SECONDS);
  cr_assert_eq(path_state(p.a[0], 1, 0), CSCTP_PATH_INACTIVE);
  csctp_simlink_set_path_up(p.link, 0, 1);
  /* The idle-rate heartbeat: hb_interval (2 s) + RTO jitter, then the answer. */
  run(&p, 5 * CSCTP_SECONDS);
  cr_assert_eq(path_state(p.a[0], 1, 0), CSCTP_PATH_ACTIVE);
  cr_assert_geq(p.recovered[0], 1);
  csctp_stats st;
  csctp_assoc_get_stats(p.a[0], &st);
  cr_assert_eq(st.data_path, 0, "new data back on the primary (§6.4)");
  mh_close(&p);
}

/* DATA that reached B just before the cut, its SACKs lost on the cut path: the SACK that
 * finally comes (over path 1, after the first retransmission there) covers chunks last sent
 * on path 0 before the cut. That is old news (§8.3, RFC 7829 §3: an acknowledgement of data
 * sent to the address *after* it was struck): path 0 must stay potentially failed or become
 * inactive while it is down, never "recovered", or new data goes back to a dead path. */
Test(assoc_multihome, acks_of_data_sent_before_the_cut_do_not_revive_the_path) {
  mh_pair p;
  mh_open_pf(&p, NULL, 0);
  run(&p, 2 * CSCTP_SECONDS);
  cr_assert_gt(p.next_id, 0);
  cr_assert_lt(p.next_id, MSGS);
  csctp_simlink_set_path_up(p.link, 0, 0);
  int struck = 0;
  for (int i = 0; i < 300; i++) { /* 3 s down, checked every 10 ms */
    run(&p, 10 * MS);
    cr_assert_eq(p.recovered[0], 0, "path 0 recovered while down, %d ms after the cut",
                 (i + 1) * 10);
    uint8_t st = path_state(p.a[0], 1, 0);
    cr_assert(!struck || st != CSCTP_PATH_ACTIVE, "path 0 active again %d ms after the cut",
              (i + 1) * 10);
    struck |= st != CSCTP_PATH_ACTIVE;
  }
  cr_assert(struck, "the cut path never left the active state");
  csctp_simlink_set_path_up(p.link, 0, 1);
  run(&p, 30 * CSCTP_SECONDS);
  cr_assert_eq(p.next_id, MSGS, "all delivered: %u of %u", p.next_id, MSGS);
  cr_assert_eq(p.bad, 0);
  cr_assert_eq(path_state(p.a[0], 1, 0), CSCTP_PATH_ACTIVE);
  cr_assert_geq(p.recovered[0], 1, "path 0 back once it answers");
  mh_close(&p);
}

Test(assoc_multihome, every_path_cut_closes_the_association) {
  mh_pair p;
  mh_open(&p, NULL);
  run(&p, 2 * CSCTP_SECONDS);
  for (int j = 0; j < NP; j++) csctp_simlink_set_path_up(p.link, j, 0);
  run(&p, 120 * CSCTP_SECONDS);
  cr_assert_eq(p.closed[0], 1, "Association.Max.Retrans errors close it (§8.1)");
  cr_assert_eq(csctp_assoc_get_state(p.a[0]), CSCTP_STATE_CLOSED);
  mh_close(&p);
}

Test(assoc_multihome, set_primary_moves_new_data) {
  mh_pair p;
  mh_open(&p, NULL);
  run(&p, 1500 * MS);
  int i1 = assoc_path_of(p.a[0], 1, 1);
  cr_assert_geq(i1, 0);
  cr_assert_eq(csctp_assoc_set_primary(p.a[0], (unsigned)i1, csctp_simlink_now(p.link)), 0);
  cr_assert_eq(csctp_assoc_get_primary(p.a[0]), i1);
  uint64_t before = csctp_simlink_path_counters(p.link, 1, 0)->bytes_sent;
  run(&p, 3 * CSCTP_SECONDS);
  uint64_t moved = csctp_simlink_path_counters(p.link, 1, 0)->bytes_sent - before;
  cr_assert_gt(moved, 200 * MSG_LEN, "only %llu bytes on the new primary",
               (unsigned long long)moved);
  cr_assert_eq(csctp_assoc_set_primary(p.a[0], 9, 0), CSCTP_ERR_INVALID_ARGUMENT);
  mh_close(&p);
}

Test(assoc_multihome, config_is_checked) {
  csctp_prng rng;
  csctp_prng_seed(&rng, 1);
  csctp_config cfg;
  csctp_config_default(&cfg);
  cfg.rand = csctp_prng_rand_fn;
  cfg.rand_user_data = &rng;
  cr_assert_eq(cfg.max_paths, 1);
  cr_assert_eq(cfg.path_max_retrans, 5);
  csctp_assoc *a;
  cfg.max_paths = 0;
  cr_assert_eq(csctp_assoc_new(&a, &cfg), CSCTP_ERR_INVALID_ARGUMENT);
  cfg.max_paths = CSCTP_PATHS_MAX + 1;
  cr_assert_eq(csctp_assoc_new(&a, &cfg), CSCTP_ERR_INVALID_ARGUMENT);
  cfg.max_paths = 2;
  cfg.zero_checksum_edmid = CSCTP_EDMID_DTLS; /* SCTP over DTLS is single-path */
  cr_assert_eq(csctp_assoc_new(&a, &cfg), CSCTP_ERR_INVALID_ARGUMENT);
  cfg.zero_checksum_edmid = CSCTP_EDMID_NONE;
  csctp_addr bad = {.len = 5};
  cfg.local_addrs = &bad;
  cfg.n_local_addrs = 1;
  cr_assert_eq(csctp_assoc_new(&a, &cfg), CSCTP_ERR_INVALID_ARGUMENT);
  cfg.n_local_addrs = 0;
  cr_assert_eq(csctp_assoc_new(&a, &cfg), 0);
  cr_assert_eq(csctp_assoc_add_peer_addr(a, &bad), CSCTP_ERR_INVALID_ARGUMENT);
  csctp_addr x, y;
  csctp_simlink_addr(1, 0, 0, &x);
  csctp_simlink_addr(1, 1, 0, &y);
  cr_assert_eq(csctp_assoc_add_peer_addr(a, &x), 0);
  cr_assert_eq(csctp_assoc_add_peer_addr(a, &x), CSCTP_ERR_INVALID_ARGUMENT, "duplicate");
  cr_assert_eq(csctp_assoc_add_peer_addr(a, &y), 0);
  cr_assert_eq(csctp_assoc_add_peer_addr(a, &y), CSCTP_ERR_INVALID_ARGUMENT, "max_paths");
  csctp_assoc_del(a);
}

Test(assoc_multihome, ip_form_helpers) {
  const uint8_t v4[4] = {192, 0, 2, 1}, v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 7};
  csctp_addr a;
  const uint8_t *ip;
  uint16_t port;
  cr_assert_eq(csctp_addr_ip4(&a, v4, 9899, 2), 0);
  cr_assert_eq(a.len, 6);
  cr_assert_eq(csctp_addr_family(&a, 2, &ip, &port), 4);
  cr_assert_eq(port, 9899);
  cr_assert_eq(memcmp(ip, v4, 4), 0);
  cr_assert_eq(csctp_addr_family(&a, 0, NULL, NULL), 0, "6 bytes are no IPv4 without port");
  cr_assert_eq(csctp_addr_ip6(&a, v6, 0, 0), 0);
  cr_assert_eq(csctp_addr_family(&a, 0, &ip, &port), 6);
  cr_assert_eq(port, 0);
  cr_assert_eq(csctp_addr_ip4(&a, v4, 0, 1), CSCTP_ERR_INVALID_ARGUMENT);
}

/* Allocation failure through a multi-homed handshake, verification and transfer. */
static long alloc_run(long k, void *user) {
  (void)user;
  failing_mem fm;
  failing_mem_init(&fm, k);
  mh_pair p;
  memset(&p, 0, sizeof(p));
  int ok = 1;
  for (int s = 0; s < 2 && ok; s++) {
    csctp_config cfg;
    csctp_prng_seed(&p.rng[s], 77 + (uint64_t)s);
    mh_cfg(&p, s, &cfg);
    cfg.mem = &fm.mem;
    ok = csctp_assoc_new(&p.a[s], &cfg) == 0;
    if (!ok) cr_assert(fm.failed, "creation failed without a failed allocation");
  }
  if (ok) {
    csctp_simlink_config lc;
    csctp_simlink_config_default(&lc);
    lc.n_paths = NP;
    p.link = csctp_simlink_new(&lc);
    csctp_simlink_attach_assocs_mh(p.link, p.a[0], p.a[1]);
    csctp_simlink_set_event_handler(p.link, CSCTP_SIMLINK_B, on_event, &p);
    csctp_addr b0;
    csctp_simlink_addr(CSCTP_SIMLINK_B, 0, 0, &b0);
    cr_assert_eq(csctp_assoc_add_peer_addr(p.a[0], &b0), 0);
    csctp_assoc_connect(p.a[0], csctp_simlink_now(p.link));
    for (int i = 0; i < 100 && csctp_simlink_now(p.link) < 4 * CSCTP_SECONDS; i++) {
      pump(&p);
      /* NOMEM may stop the run (the engine reports it); the rest is about leaks and crashes */
      if (csctp_simlink_run_until(p.link, NULL, NULL, 30 * MS) == CSCTP_SIMLINK_ERROR) {
        cr_assert_eq(csctp_simlink_last_error(p.link), CSCTP_ERR_NOMEM);
        break;
      }
    }
    cr_assert_eq(p.bad, 0);
    csctp_simlink_del(p.link);
  }
  csctp_assoc_del(p.a[0]);
  csctp_assoc_del(p.a[1]);
  cr_assert_eq(fm.live, 0, "k=%ld: %ld blocks leaked", k, fm.live);
  return fm.calls;
}

Test(assoc_multihome, allocation_failure_anywhere_leaks_nothing) {
  long total = alloc_run(0, NULL);
  cr_assert_gt(total, 10);
  long hit = failing_mem_replay(total < 400 ? total : 400, alloc_run, NULL);
  cr_assert_gt(hit, 0);
}

/* ---- hostile input ---- */

static csctp_assoc *standalone(csctp_prng *rng, uint32_t max_paths) {
  csctp_config cfg;
  csctp_config_default(&cfg);
  cfg.rand = csctp_prng_rand_fn;
  cfg.rand_user_data = rng;
  cfg.max_paths = max_paths;
  csctp_assoc *a;
  cr_assert_eq(csctp_assoc_new(&a, &cfg), 0);
  return a;
}

/* An INIT listing `n` IPv4 addresses 10.9.x.y (a few of them unusable), with checksum. */
static size_t init_with_addrs(uint8_t *pkt, size_t cap, unsigned n) {
  csctp_wr w;
  csctp_wr_init(&w, pkt, cap);
  csctp_packet_write_header(&w, 5000, 5000, 0);
  csctp_init_chunk f = {0};
  f.initiate_tag = 0x11223344;
  f.a_rwnd = 100000;
  f.num_outbound_streams = 10;
  f.num_inbound_streams = 10;
  f.initial_tsn = 1000;
  size_t off = csctp_init_write_begin(&w, CSCTP_CHUNK_INIT, &f);
  for (unsigned i = 0; i < n; i++) {
    uint8_t ip[4] = {10, 9, (uint8_t)(i >> 8), (uint8_t)i};
    if (i % 50 == 7) ip[0] = 224;      /* multicast */
    if (i % 50 == 8) ip[0] = 127;      /* loopback from a non-loopback peer */
    if (i % 50 == 9) memset(ip, 0, 4); /* wildcard */
    csctp_param_write(&w, CSCTP_PARAM_IPV4, ip, 4);
  }
  csctp_wr_tlv_end(&w, off);
  cr_assert(!w.overflow);
  csctp_packet_set_crc(pkt, w.len);
  return w.len;
}

/* The State Cookie of an INIT ACK packet (NULL when absent). */
static const uint8_t *find_cookie(const uint8_t *pkt, size_t len, size_t *clen) {
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, pkt, len);
  cr_assert_eq(csctp_chunk_next(&it, &ch), 1);
  cr_assert_eq(ch.type, CSCTP_CHUNK_INIT_ACK);
  csctp_init_chunk in;
  cr_assert_eq(csctp_init_decode(&ch, &in), 0);
  *clen = in.cookie_len;
  return in.cookie;
}

Test(assoc_multihome, init_with_hundreds_of_addresses_is_bounded) {
  csctp_prng rng;
  csctp_prng_seed(&rng, 5);
  csctp_assoc *b = standalone(&rng, 4);
  static uint8_t pkt[4096], out[1500];
  size_t len = init_with_addrs(pkt, sizeof pkt, 300);
  csctp_route from = {.local = CSCTP_LOCAL_ANY}, to;
  csctp_simlink_addr(CSCTP_SIMLINK_A, 0, 0, &from.peer);
  cr_assert_eq(csctp_assoc_read_packet_via(b, &from, pkt, len, 0), 0);
  csctp_stats st;
  csctp_assoc_get_stats(b, &st);
  /* 3 taken (max_paths 4 with the source), 6 unusable, the other 291 over the cap. */
  cr_assert_eq(st.peer_addrs_ignored, 297, "ignored %llu",
               (unsigned long long)st.peer_addrs_ignored);
  csctp_ssize n = csctp_assoc_write_packet_via(b, out, sizeof out, 0, &to);
  cr_assert_gt(n, 0);
  cr_assert_eq(to.peer.len, from.peer.len);
  cr_assert_eq(memcmp(to.peer.data, from.peer.data, from.peer.len), 0, "INIT ACK to the source");
  size_t clen;
  const uint8_t *ck = find_cookie(out, (size_t)n, &clen);
  cr_assert_not_null(ck);
  cr_assert_leq(clen, CSCTP_COOKIE_MAX);
  /* COOKIE ECHO from the same source: established with 4 paths, 3 unconfirmed. */
  uint8_t echo[1500];
  csctp_wr w;
  csctp_wr_init(&w, echo, sizeof echo);
  /* The INIT ACK's Initiate Tag (after its chunk header) is B's verification tag. */
  csctp_packet_write_header(&w, 5000, 5000, csctp_get_u32(out + CSCTP_COMMON_HDR_LEN + 4));
  csctp_cookie_echo_write(&w, ck, clen);
  csctp_packet_set_crc(echo, w.len);
  cr_assert_eq(csctp_assoc_read_packet_via(b, &from, echo, w.len, 10 * MS), 0);
  cr_assert_eq(csctp_assoc_get_state(b), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_path_count(b), 4);
  for (unsigned i = 1; i < 4; i++) {
    csctp_path_info pi;
    cr_assert_eq(csctp_assoc_get_path(b, i, &pi), 0);
    cr_assert_eq(pi.state, CSCTP_PATH_UNCONFIRMED);
  }
  /* A packet from an address that is no path: dropped and counted. */
  csctp_route stranger = {.local = CSCTP_LOCAL_ANY};
  csctp_simlink_addr(CSCTP_SIMLINK_A, 3, 0, &stranger.peer);
  cr_assert_eq(csctp_assoc_read_packet_via(b, &stranger, echo, w.len, 20 * MS), 0);
  csctp_assoc_get_stats(b, &st);
  cr_assert_eq(st.drop_unknown_source, 1);
  csctp_assoc_del(b);
}

Test(assoc_multihome, a_single_homed_association_ignores_addresses) {
  csctp_prng rng;
  csctp_prng_seed(&rng, 5);
  csctp_assoc *b = standalone(&rng, 1);
  static uint8_t pkt[4096];
  size_t len = init_with_addrs(pkt, sizeof pkt, 300);
  csctp_route from = {.local = CSCTP_LOCAL_ANY};
  csctp_simlink_addr(CSCTP_SIMLINK_A, 0, 0, &from.peer);
  cr_assert_eq(csctp_assoc_read_packet_via(b, &from, pkt, len, 0), 0);
  csctp_stats st;
  csctp_assoc_get_stats(b, &st);
  cr_assert_eq(st.peer_addrs_ignored, 0);
  cr_assert_eq(csctp_assoc_path_count(b), 1);
  csctp_assoc_del(b);
}

/* RFC 8899 with several paths: the search runs on the path new data goes to, and starts over
 * from the base size when that path changes (path 0 carries 1400-byte packets, paths 1 and
 * 2 only 1280). Nothing is lost across the failover, and the second search settles on path
 * 1's size, which a search kept from path 0 would exceed. */
Test(assoc_multihome, plpmtud_searches_the_data_path_and_starts_over_after_failover) {
  mh_pair p;
  mh_plpmtud_max = 1500;
  mh_path_mtu[0] = 1400;
  mh_path_mtu[1] = mh_path_mtu[2] = 1280;
  mh_limit = 500;
  mh_open_pf(&p, NULL, 0);
  run(&p, 30 * CSCTP_SECONDS);
  cr_assert_eq(p.next_id, 500, "the first messages: %u", p.next_id);
  uint32_t pm = csctp_assoc_get_pmtu(p.a[0]);
  cr_assert(pm >= 1396 && pm <= 1400, "path 0's size found: %u", pm);
  /* Path 0 goes: the data moves, the size falls back to the base (1200) and is searched. */
  csctp_simlink_set_path_up(p.link, 0, 0);
  mh_limit = MSGS;
  uint32_t lowest = pm, at_move = 0;
  csctp_tstamp cut = csctp_simlink_now(p.link);
  while (csctp_simlink_now(p.link) < cut + 60 * CSCTP_SECONDS) {
    run(&p, 10 * MS);
    uint32_t now_pm = csctp_assoc_get_pmtu(p.a[0]);
    if (now_pm < lowest) lowest = now_pm;
    csctp_stats s0;
    csctp_assoc_get_stats(p.a[0], &s0);
    if (!at_move && s0.data_path != 0) at_move = now_pm;
  }
  /* At once when the data moved, not after timeouts on the new path (black-hole detection). */
  cr_assert(at_move && at_move < 1280, "the size when the data moved: %u", at_move);
  cr_assert_eq(p.next_id, MSGS, "all delivered: %u of %u", p.next_id, MSGS);
  cr_assert_eq(p.bad, 0);
  csctp_stats st;
  csctp_assoc_get_stats(p.a[0], &st);
  cr_assert_neq(st.data_path, 0);
  cr_assert_eq(lowest, 1200, "the search did not start over from the base size");
  pm = csctp_assoc_get_pmtu(p.a[0]);
  cr_assert(pm >= 1276 && pm <= 1280, "the new path's size found: %u", pm);
  mh_plpmtud_max = 0;
  memset(mh_path_mtu, 0, sizeof mh_path_mtu);
  mh_limit = MSGS;
  mh_close(&p);
}
