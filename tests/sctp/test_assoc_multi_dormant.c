/* SPDX-License-Identifier: MIT */
/*
 * Every path of a multi-homed association cut (RFC 7829 §4 dormant state, RFC 9260 §8.1,
 * §8.2; assoc_path.c path_dormant, assoc_multi.c): data goes on to the path that became
 * inactive last, retransmitted at the backed-off RTO, every inactive path is probed, the first
 * to answer takes the data and nothing is lost; if none answers, Association.Max.Retrans
 * closes the association. And §8.1: unanswered HEARTBEATs on idle paths that are not the
 * data path do not count towards Association.Max.Retrans. Two engines, three addresses each,
 * the three-path simulated link, a virtual clock.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "assoc.h"
#include "prng.h"
#include "simlink.h"

#define MS CSCTP_MILLISECONDS
#define NP 3
#define MSGS 3000
#define MSG_LEN 1000

typedef struct dp {
  csctp_simlink *link;
  csctp_assoc *a[2];
  csctp_prng rng[2];
  csctp_addr laddr[2][NP];
  uint32_t next_id, sent;
  int bad;
  unsigned closed[2];
  csctp_close_reason reason;
} dp;

static void fill(uint8_t *b, uint32_t id) {
  for (int i = 0; i < MSG_LEN; i++) b[i] = (uint8_t)(id * 7 + (uint32_t)i);
}

static void on_event(csctp_simlink *link, int side, const csctp_event *ev, void *user) {
  dp *p = user;
  (void)link;
  if (ev->type == CSCTP_EVENT_CLOSED) {
    p->closed[side]++;
    if (side == CSCTP_SIMLINK_A) p->reason = ev->u.closed.reason;
  } else if (ev->type == CSCTP_EVENT_MESSAGE && side == CSCTP_SIMLINK_B) {
    uint8_t want[MSG_LEN];
    uint32_t id = ev->u.message.ppid;
    fill(want, id);
    if (id != p->next_id || ev->u.message.len != MSG_LEN ||
        memcmp(ev->u.message.data, want, MSG_LEN) != 0)
      p->bad++;
    p->next_id = id + 1;
  }
}

static void dp_open(dp *p, uint32_t pmr, uint32_t amr) {
  memset(p, 0, sizeof(*p));
  for (int s = 0; s < 2; s++) {
    csctp_config cfg;
    csctp_config_default(&cfg);
    csctp_prng_seed(&p->rng[s], 91 + (uint64_t)s);
    cfg.rand = csctp_prng_rand_fn;
    cfg.rand_user_data = &p->rng[s];
    cfg.rto_initial = 300;
    cfg.rto_min = 200;
    cfg.rto_max = 1000;
    cfg.hb_interval = 2000;
    cfg.max_paths = NP;
    cfg.path_max_retrans = pmr;
    cfg.pf_max_retrans = pmr; /* PF off: RFC 9260 alone */
    cfg.association_max_retrans = amr;
    for (int j = 0; j < NP; j++) csctp_simlink_addr(s, j, 0, &p->laddr[s][j]);
    cfg.local_addrs = p->laddr[s];
    cfg.n_local_addrs = NP;
    cr_assert_eq(csctp_assoc_new(&p->a[s], &cfg), 0);
  }
  csctp_simlink_config lc;
  csctp_simlink_config_paths(&lc, NP, 10);
  p->link = csctp_simlink_new(&lc);
  cr_assert_not_null(p->link);
  csctp_simlink_attach_assocs_mh(p->link, p->a[0], p->a[1]);
  csctp_simlink_set_event_handler(p->link, CSCTP_SIMLINK_A, on_event, p);
  csctp_simlink_set_event_handler(p->link, CSCTP_SIMLINK_B, on_event, p);
  cr_assert_eq(csctp_assoc_add_peer_addr(p->a[0], &p->laddr[1][0]), 0);
  cr_assert_eq(csctp_assoc_connect(p->a[0], csctp_simlink_now(p->link)), 0);
}

static void dp_close(dp *p) {
  csctp_simlink_del(p->link);
  csctp_assoc_del(p->a[0]);
  csctp_assoc_del(p->a[1]);
}

static void pump(dp *p, uint32_t upto) {
  uint8_t b[MSG_LEN];
  while (p->sent < upto && csctp_assoc_get_state(p->a[0]) == CSCTP_STATE_ESTABLISHED) {
    csctp_send_opts o = {.stream = 0, .ppid = p->sent};
    fill(b, p->sent);
    if (csctp_assoc_send(p->a[0], &o, b, MSG_LEN, csctp_simlink_now(p->link)) != 0) break;
    p->sent++;
  }
}

static void run(dp *p, csctp_tstamp dur, uint32_t upto) {
  csctp_tstamp end = csctp_simlink_now(p->link) + dur;
  while (csctp_simlink_now(p->link) < end) {
    pump(p, upto);
    csctp_simlink_stop st = csctp_simlink_run_until(p->link, NULL, NULL, 10 * MS);
    cr_assert_neq(st, CSCTP_SIMLINK_ERROR, "link error %d", csctp_simlink_last_error(p->link));
    if (st == CSCTP_SIMLINK_IDLE) break; /* both closed: time stands still */
  }
}

static csctp_stats stats(dp *p) {
  csctp_stats st;
  cr_assert_eq(csctp_assoc_get_stats(p->a[0], &st), 0);
  return st;
}

/* A's path index for link path j. */
static int path_of(dp *p, int j) {
  for (unsigned i = 0; i < csctp_assoc_path_count(p->a[0]); i++) {
    csctp_path_info pi;
    cr_assert_eq(csctp_assoc_get_path(p->a[0], i, &pi), 0);
    if (csctp_assoc_addr_same_ip(p->a[0], &pi.peer, &p->laddr[1][j])) return (int)i;
  }
  return -1;
}

static int link_path_of(dp *p, unsigned i) {
  for (int j = 0; j < NP; j++)
    if (path_of(p, j) == (int)i) return j;
  return -1;
}

/* Runs until A is dormant (every path cut); the link path it stays on. */
static int until_dormant(dp *p) {
  for (int k = 0; k < 6000 && !stats(p).dormant; k++) run(p, 10 * MS, MSGS);
  csctp_stats st = stats(p);
  cr_assert_eq(st.dormant, 1, "never dormant");
  cr_assert_eq(st.dormant_entered, 1);
  for (unsigned i = 0; i < NP; i++) {
    csctp_path_info pi;
    cr_assert_eq(csctp_assoc_get_path(p->a[0], i, &pi), 0);
    cr_assert_eq(pi.state, CSCTP_PATH_INACTIVE, "path %u state %u", i, pi.state);
  }
  int j = link_path_of(p, st.data_path);
  cr_assert_geq(j, 0);
  return j;
}

Test(assoc_multi_dormant,
     all_paths_cut_dormant_sends_go_on_and_the_first_path_back_takes_the_data) {
  dp p;
  dp_open(&p, 2, 100); /* Association.Max.Retrans far away: dormancy is what is looked at */
  run(&p, 2 * CSCTP_SECONDS, MSGS);
  cr_assert_gt(p.next_id, 0);
  cr_assert_lt(p.next_id, MSGS, "the transfer is under way");
  for (int j = 0; j < NP; j++) csctp_simlink_set_path_up(p.link, j, 0);
  int jd = until_dormant(&p);
  /* Dormant: the data path's T3 goes on (backed off to RTO.Max, 1 s) and so do the
   * HEARTBEATs of every inactive path (one per RTO each). */
  uint64_t t3 = stats(&p).t3_expiries;
  uint64_t sent[NP];
  for (int j = 0; j < NP; j++) sent[j] = csctp_simlink_path_counters(p.link, j, 0)->sent;
  run(&p, 6 * CSCTP_SECONDS, MSGS);
  csctp_stats st = stats(&p);
  cr_assert_eq(csctp_assoc_get_state(p.a[0]), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(st.dormant, 1);
  cr_assert_eq(link_path_of(&p, st.data_path), jd, "the dormant path changed while all are cut");
  uint64_t d = st.t3_expiries - t3;
  cr_assert(d >= 4 && d <= 7, "%llu T3 expiries in 6 s at RTO.Max 1 s", (unsigned long long)d);
  for (int j = 0; j < NP; j++) {
    uint64_t n = csctp_simlink_path_counters(p.link, j, 0)->sent - sent[j];
    cr_assert(n >= 4, "link path %d: %llu packets in 6 s: not probed", j, (unsigned long long)n);
    /* one HEARTBEAT per RTO (>= 1 s now), plus on the dormant path a retransmission per T3 */
    cr_assert_leq(n, j == jd ? 16u : 8u, "link path %d: %llu packets in 6 s", j,
                  (unsigned long long)n);
  }
  /* Another path comes back: its HEARTBEAT ACK makes it active, the data goes there. */
  int jb = (jd + 1) % NP;
  csctp_simlink_set_path_up(p.link, jb, 1);
  for (int k = 0; k < 3000 && p.next_id < MSGS; k++) run(&p, 10 * MS, MSGS);
  cr_assert_eq(p.next_id, MSGS, "delivered %u of %u", p.next_id, MSGS);
  cr_assert_eq(p.bad, 0, "messages lost, damaged or out of order");
  st = stats(&p);
  cr_assert_eq(st.dormant, 0);
  cr_assert_eq(link_path_of(&p, st.data_path), jb, "the data is not on the path that answered");
  csctp_path_info pi;
  cr_assert_eq(csctp_assoc_get_path(p.a[0], (unsigned)path_of(&p, jb), &pi), 0);
  cr_assert_eq(pi.state, CSCTP_PATH_ACTIVE);
  cr_assert_eq(p.closed[0] + p.closed[1], 0);
  dp_close(&p);
}

Test(assoc_multi_dormant, all_paths_cut_for_good_closes_at_association_max_retrans) {
  dp p;
  /* AMR 12 > 3 paths x (PMR 2 + 1): every path is inactive before the association gives up. */
  dp_open(&p, 2, 12);
  run(&p, 2 * CSCTP_SECONDS, MSGS);
  for (int j = 0; j < NP; j++) csctp_simlink_set_path_up(p.link, j, 0);
  until_dormant(&p);
  cr_assert_eq(p.closed[0], 0, "closed before every path was inactive");
  for (int k = 0; k < 6000 && !p.closed[0]; k++) run(&p, 10 * MS, MSGS);
  cr_assert_eq(p.closed[0], 1);
  cr_assert_eq(p.reason, CSCTP_CLOSE_TIMEOUT, "close reason %d", (int)p.reason);
  cr_assert_eq(csctp_assoc_get_state(p.a[0]), CSCTP_STATE_CLOSED);
  cr_assert_eq(p.a[0]->error_count, 13, "closed after %u errors", p.a[0]->error_count);
  dp_close(&p);
}

/* RFC 9260 §8.1: HEARTBEATs lost on paths other than the data path do not count towards
 * Association.Max.Retrans: an idle association whose other paths fail stays open. */
Test(assoc_multi_dormant, lost_heartbeats_on_other_paths_do_not_close_the_association) {
  dp p;
  dp_open(&p, 1, 2);
  run(&p, 3 * CSCTP_SECONDS, 0); /* established, verified, idle */
  cr_assert_eq(csctp_assoc_get_state(p.a[0]), CSCTP_STATE_ESTABLISHED);
  csctp_simlink_set_path_up(p.link, 1, 0);
  csctp_simlink_set_path_up(p.link, 2, 0);
  run(&p, 40 * CSCTP_SECONDS, 0);
  cr_assert_eq(p.closed[0] + p.closed[1], 0, "closed by HEARTBEATs lost on idle non-data paths");
  cr_assert_eq(csctp_assoc_get_state(p.a[0]), CSCTP_STATE_ESTABLISHED);
  csctp_stats st = stats(&p);
  cr_assert_eq(st.path_inactive, 2, "the two cut paths are inactive: %llu",
               (unsigned long long)st.path_inactive);
  cr_assert_eq(link_path_of(&p, st.data_path), 0);
  /* The data path still works. */
  run(&p, 2 * CSCTP_SECONDS, 100);
  cr_assert_eq(p.next_id, 100);
  dp_close(&p);
}
