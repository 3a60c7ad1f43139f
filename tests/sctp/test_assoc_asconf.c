/* SPDX-License-Identifier: MIT */
/*
 * RFC 5061 ASCONF received by the association (src/assoc_asconf.c) with RFC 5062's protections,
 * between two engines on the three-path simulated link. A (the requester) lists only its first
 * two addresses in the handshake; its ASCONF chunks are built by hand (chunk_asconf.h writers)
 * and put in its control queue, so that its own write path authenticates them (B listed ASCONF
 * in its CHUNKS). B's answers are read off the wire by a tap. Every attack of RFC 5062 on the
 * receiver: an unauthenticated ASCONF, an added address that never answers a HEARTBEAT (no data
 * ever goes there), deleting the source, deleting the last address, replayed and stale serial
 * numbers, a flood of copies (one answer per packet, nothing done twice), over max_paths.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "assoc.h"
#include "assoc_asconf.h"
#include "chunk_asconf.h"
#include "failing_mem.h"
#include "packet.h"
#include "prng.h"
#include "simlink.h"

#define MS CSCTP_MILLISECONDS
#define NP 3

typedef struct ack_seen {
  uint32_t serial;
  uint16_t type[CSCTP_ASCONF_MAX_PARAMS]; /* response types */
  uint16_t cause[CSCTP_ASCONF_MAX_PARAMS];
  uint32_t corr[CSCTP_ASCONF_MAX_PARAMS];
  size_t n;
} ack_seen;

typedef struct as_pair {
  csctp_simlink *link;
  csctp_assoc *a[2];
  csctp_prng rng[2];
  csctp_addr laddr[2][NP];
  ack_seen acks[64];
  size_t n_acks;
  unsigned added[2], removed[2], primary[2], confirmed[2];
  unsigned data_to_unconfirmed; /* B -> A packets with more than HEARTBEAT on A's path 2
                                 * while B had not confirmed it */
  unsigned hb_path2;            /* B's HEARTBEATs on path 2 */
  int strip_auth;               /* A -> B: AUTH removed from packets with ASCONF */
  int drop_asconf;              /* A -> B: packets with ASCONF dropped while > 0 */
  int grab_asconf;              /* A -> B: the next packet with ASCONF kept in grabbed, dropped */
  uint8_t grabbed[1500];
  size_t grabbed_len;
  uint32_t serial; /* A's next ASCONF serial */
  uint32_t delivered;
} as_pair;

static as_pair *g;
static int g_b_asconf = 1; /* B configured with ASCONF */

static void on_event(csctp_simlink *link, int side, const csctp_event *ev, void *user) {
  as_pair *p = user;
  (void)link;
  if (ev->type == CSCTP_EVENT_PATH_CHANGED) {
    if (ev->u.path.reason == CSCTP_PATH_ADDED) p->added[side]++;
    if (ev->u.path.reason == CSCTP_PATH_REMOVED) p->removed[side]++;
    if (ev->u.path.reason == CSCTP_PATH_PRIMARY) p->primary[side]++;
    if (ev->u.path.reason == CSCTP_PATH_CONFIRMED) p->confirmed[side]++;
  } else if (ev->type == CSCTP_EVENT_MESSAGE && side == CSCTP_SIMLINK_B) {
    p->delivered++;
  }
}

/* B's path index for A's address on link path j, or -1. */
static int b_path_of(as_pair *p, int j) {
  csctp_addr x;
  csctp_simlink_addr(CSCTP_SIMLINK_A, j, 0, &x);
  return csctp_assoc_path_find(p->a[1], &x);
}

static void record_ack(as_pair *p, const csctp_chunk *ch) {
  csctp_asconf_chunk c;
  cr_assert_eq(csctp_asconf_decode(ch, &c), 0, "B wrote a malformed ASCONF-ACK");
  if (p->n_acks == sizeof(p->acks) / sizeof(p->acks[0])) return;
  ack_seen *s = &p->acks[p->n_acks++];
  memset(s, 0, sizeof(*s));
  s->serial = c.serial;
  csctp_rd r;
  csctp_asconf_params(&c, &r);
  csctp_asconf_param q;
  while (csctp_asconf_param_next(&r, &q) == 1 && s->n < CSCTP_ASCONF_MAX_PARAMS) {
    s->type[s->n] = q.type;
    s->corr[s->n] = q.corr_id;
    s->cause[s->n] = q.causes_len >= 4 ? csctp_get_u16(q.causes) : 0;
    s->n++;
  }
}

/* B -> A: ASCONF-ACKs recorded; on A's path 2, nothing but HEARTBEAT (ACK) until B confirmed
 * it. A -> B: AUTH stripped from ASCONF packets when asked. */
static int path_tap(csctp_simlink *link, int dir, int path, const uint8_t *pkt, size_t len,
                    void *user) {
  as_pair *p = user;
  (void)link;
  if (dir != CSCTP_SIMLINK_B) return 0;
  csctp_chunk_iter it;
  csctp_chunk ch;
  int i = b_path_of(p, path);
  csctp_path_info pi = {0};
  if (i >= 0) csctp_assoc_get_path(p->a[1], (unsigned)i, &pi);
  csctp_chunk_iter_init(&it, pkt, len);
  while (csctp_chunk_next(&it, &ch) == 1) {
    if (ch.type == CSCTP_CHUNK_ASCONF_ACK) record_ack(p, &ch);
    if (path == 2 && ch.type == CSCTP_CHUNK_HEARTBEAT) p->hb_path2++;
    if (path == 2 && pi.state != CSCTP_PATH_ACTIVE && ch.type != CSCTP_CHUNK_HEARTBEAT &&
        ch.type != CSCTP_CHUNK_HEARTBEAT_ACK)
      p->data_to_unconfirmed++;
  }
  return 0;
}

/* A -> B: removes the AUTH chunk in front of an ASCONF (the packet is otherwise intact). */
static int strip_tap(csctp_simlink *link, int dir, uint8_t *pkt, size_t *len, size_t cap,
                     void *user) {
  as_pair *p = user;
  (void)link;
  (void)cap;
  if (dir != CSCTP_SIMLINK_A || *len < 16 || pkt[12] != CSCTP_CHUNK_AUTH) return 0;
  size_t alen = (csctp_get_u16(pkt + 14) + 3u) & ~3u;
  if (12 + alen >= *len || pkt[12 + alen] != CSCTP_CHUNK_ASCONF) return 0;
  if (p->drop_asconf > 0) {
    p->drop_asconf--;
    return 1;
  }
  if (p->grab_asconf) {
    p->grab_asconf = 0;
    memcpy(p->grabbed, pkt, *len);
    p->grabbed_len = *len;
    return 1;
  }
  if (!p->strip_auth) return 0;
  memmove(pkt + 12, pkt + 12 + alen, *len - 12 - alen);
  *len -= alen;
  csctp_packet_set_crc(pkt, *len);
  return 0;
}

static void as_cfg(as_pair *p, int s, csctp_config *cfg, uint32_t b_paths) {
  csctp_config_default(cfg);
  cfg->rand = csctp_prng_rand_fn;
  cfg->rand_user_data = &p->rng[s];
  cfg->rto_initial = 300;
  cfg->rto_min = 200;
  cfg->rto_max = 1000;
  cfg->hb_interval = 2000;
  cfg->max_paths = s ? b_paths : NP;
  cfg->path_max_retrans = 2;
  cfg->association_max_retrans = 10;
  cfg->auth = 1;
  cfg->asconf = s ? g_b_asconf : 1;
  for (int j = 0; j < NP; j++) csctp_simlink_addr(s, j, 0, &p->laddr[s][j]);
  cfg->local_addrs = p->laddr[s];
  cfg->n_local_addrs = s ? NP : 2; /* A keeps its third address for ASCONF */
}

static void as_open(as_pair *p, uint32_t b_paths) {
  memset(p, 0, sizeof(*p));
  g = p;
  for (int s = 0; s < 2; s++) {
    csctp_config cfg;
    csctp_prng_seed(&p->rng[s], 501 + (uint64_t)s);
    as_cfg(p, s, &cfg, b_paths);
    cr_assert_eq(csctp_assoc_new(&p->a[s], &cfg), 0);
  }
  csctp_simlink_config lc;
  csctp_simlink_config_paths(&lc, NP, 10);
  p->link = csctp_simlink_new(&lc);
  cr_assert_not_null(p->link);
  csctp_simlink_attach_assocs_mh(p->link, p->a[0], p->a[1]);
  csctp_simlink_set_event_handler(p->link, CSCTP_SIMLINK_A, on_event, p);
  csctp_simlink_set_event_handler(p->link, CSCTP_SIMLINK_B, on_event, p);
  csctp_simlink_set_path_tap(p->link, path_tap, p);
  csctp_simlink_set_tap(p->link, strip_tap, p);
  csctp_addr b0;
  csctp_simlink_addr(CSCTP_SIMLINK_B, 0, 0, &b0);
  cr_assert_eq(csctp_assoc_add_peer_addr(p->a[0], &b0), 0);
  cr_assert_eq(csctp_assoc_connect(p->a[0], csctp_simlink_now(p->link)), 0);
}

static void as_close(as_pair *p) {
  csctp_simlink_del(p->link);
  csctp_assoc_del(p->a[0]);
  csctp_assoc_del(p->a[1]);
}

static void run(as_pair *p, csctp_tstamp dur) {
  csctp_tstamp end = csctp_simlink_now(p->link) + dur;
  while (csctp_simlink_now(p->link) < end) {
    csctp_simlink_stop st = csctp_simlink_run_until(p->link, NULL, NULL, 10 * MS);
    cr_assert_neq(st, CSCTP_SIMLINK_ERROR, "link error %d", csctp_simlink_last_error(p->link));
    if (st == CSCTP_SIMLINK_IDLE) break;
  }
}

/* Sends `n` messages of 1000 bytes from A to B. */
static void send_msgs(as_pair *p, int n) {
  uint8_t b[1000] = {1};
  for (int i = 0; i < n; i++) {
    csctp_send_opts o = {.stream = 0, .ppid = 1};
    cr_assert_eq(csctp_assoc_send(p->a[0], &o, b, sizeof b, csctp_simlink_now(p->link)), 0);
  }
}

static void established(as_pair *p) {
  run(p, 3 * CSCTP_SECONDS);
  for (int s = 0; s < 2; s++) cr_assert_eq(csctp_assoc_get_state(p->a[s]), CSCTP_STATE_ESTABLISHED);
  p->serial = p->a[0]->local_initial_tsn; /* §5.2: the first serial is the Initial TSN */
  /* The handshake's events (A's second address added and confirmed) are behind us. */
  memset(p->added, 0, sizeof(p->added));
  memset(p->confirmed, 0, sizeof(p->confirmed));
}

/* One request of an ASCONF: type, A's address on link path j (or a raw IPv4 `ip`). */
typedef struct req {
  uint16_t type;
  int path;
  const uint8_t *ip;
} req;

/* Queues in A an ASCONF with `serial` (lookup address: A's path 0) carrying `n` requests. */
static void queue_asconf(as_pair *p, uint32_t serial, const req *r, size_t n) {
  uint8_t buf[512];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof buf);
  size_t off = csctp_asconf_write_begin(&w, serial, 4, p->laddr[0][0].data);
  for (size_t i = 0; i < n; i++) {
    const uint8_t *ip = r[i].ip ? r[i].ip : p->laddr[0][r[i].path].data;
    csctp_asconf_request_write(&w, r[i].type, 100 + (uint32_t)i, 4, ip);
  }
  csctp_wr_tlv_end(&w, off);
  cr_assert_not(w.overflow);
  cr_assert_eq(csctp_assoc_queue_ctrl(p->a[0], buf, w.len), 0);
  csctp_assoc_mark(p->a[0]);
}

static csctp_stats b_stats(as_pair *p) {
  csctp_stats st;
  cr_assert_eq(csctp_assoc_get_stats(p->a[1], &st), 0);
  return st;
}

Test(assoc_asconf, negotiated_only_with_auth_and_several_paths) {
  csctp_prng rng;
  csctp_prng_seed(&rng, 1);
  csctp_config cfg;
  csctp_config_default(&cfg);
  cfg.rand = csctp_prng_rand_fn;
  cfg.rand_user_data = &rng;
  cfg.asconf = 1;
  cfg.max_paths = 2;
  csctp_assoc *a = NULL;
  cr_assert_eq(csctp_assoc_new(&a, &cfg), CSCTP_ERR_INVALID_ARGUMENT, "ASCONF without AUTH");
  cfg.auth = 1;
  cfg.max_paths = 1;
  cr_assert_eq(csctp_assoc_new(&a, &cfg), CSCTP_ERR_INVALID_ARGUMENT, "ASCONF single-path");
  cfg.max_paths = 2;
  cr_assert_eq(csctp_assoc_new(&a, &cfg), 0);
  csctp_assoc_del(a);

  as_pair p;
  as_open(&p, NP);
  established(&p);
  for (int s = 0; s < 2; s++) {
    csctp_stats st;
    cr_assert_eq(csctp_assoc_get_stats(p.a[s], &st), 0);
    cr_assert_eq(st.auth, 1);
    cr_assert_eq(st.asconf, 1, "side %d", s);
  }
  cr_assert_eq(csctp_assoc_path_count(p.a[1]), 2, "B knows A's two listed addresses");
  as_close(&p);
}

Test(assoc_asconf, add_ip_is_verified_by_heartbeat_before_data) {
  as_pair p;
  as_open(&p, NP);
  established(&p);
  req r = {CSCTP_ASCONF_ADD_IP, 2, NULL};
  queue_asconf(&p, p.serial, &r, 1);
  run(&p, 200 * MS);
  cr_assert_eq(p.n_acks, 1);
  cr_assert_eq(p.acks[0].serial, p.serial);
  cr_assert_eq(p.acks[0].n, 1);
  cr_assert_eq(p.acks[0].type[0], CSCTP_ASCONF_SUCCESS_IND);
  cr_assert_eq(p.acks[0].corr[0], 100);
  int i = b_path_of(&p, 2);
  cr_assert_geq(i, 0, "B has no path to A's new address");
  cr_assert_eq(p.added[1], 1);
  /* Data flows while the new path is verified; it is confirmed by a HEARTBEAT ACK. */
  send_msgs(&p, 200);
  run(&p, 5 * CSCTP_SECONDS);
  csctp_path_info pi;
  cr_assert_eq(csctp_assoc_get_path(p.a[1], (unsigned)i, &pi), 0);
  cr_assert_eq(pi.state, CSCTP_PATH_ACTIVE);
  cr_assert_gt(p.hb_path2, 0);
  cr_assert_eq(p.confirmed[1], 1, "A's third address");
  cr_assert_eq(p.data_to_unconfirmed, 0);
  csctp_stats st = b_stats(&p);
  cr_assert_eq(st.asconf_in, 1);
  cr_assert_eq(st.asconf_addrs_added, 1);
  cr_assert_eq(st.asconf_refused, 0);
  as_close(&p);
}

Test(assoc_asconf, added_address_that_never_answers_gets_no_data) {
  as_pair p;
  as_open(&p, NP);
  established(&p);
  csctp_simlink_set_path_up(p.link, 2, 0); /* RFC 5062 §2.2: a victim that never answers */
  req r = {CSCTP_ASCONF_ADD_IP, 2, NULL};
  queue_asconf(&p, p.serial, &r, 1);
  send_msgs(&p, 300);
  run(&p, 10 * CSCTP_SECONDS);
  cr_assert_eq(p.delivered, 300, "the transfer went on");
  int i = b_path_of(&p, 2);
  cr_assert_geq(i, 0);
  csctp_path_info pi;
  cr_assert_eq(csctp_assoc_get_path(p.a[1], (unsigned)i, &pi), 0);
  cr_assert_eq(pi.state, CSCTP_PATH_UNCONFIRMED);
  cr_assert_eq(p.data_to_unconfirmed, 0, "B sent more than HEARTBEATs to an unverified address");
  cr_assert_gt(pi.heartbeats_out, 0);
  /* At most one verification HEARTBEAT per RTO (HB.Max.Burst 1, RTO >= 200 ms). */
  cr_assert_leq(pi.heartbeats_out, 10 * 1000 / 200 + 1);
  as_close(&p);
}

Test(assoc_asconf, unauthenticated_asconf_is_dropped) {
  as_pair p;
  as_open(&p, NP);
  established(&p);
  p.strip_auth = 1;
  req r = {CSCTP_ASCONF_ADD_IP, 2, NULL};
  queue_asconf(&p, p.serial, &r, 1);
  run(&p, 500 * MS);
  cr_assert_eq(p.n_acks, 0, "B answered an unauthenticated ASCONF");
  cr_assert_lt(b_path_of(&p, 2), 0, "B added an address from an unauthenticated ASCONF");
  csctp_stats st = b_stats(&p);
  cr_assert_eq(st.asconf_drop_unauth, 1);
  cr_assert_geq(st.auth_drop_missing, 1);
  cr_assert_eq(st.asconf_in, 0);
  as_close(&p);
}

Test(assoc_asconf, serial_numbers_retransmission_answered_from_cache_stale_dropped) {
  as_pair p;
  as_open(&p, NP);
  established(&p);
  req r = {CSCTP_ASCONF_ADD_IP, 2, NULL};
  queue_asconf(&p, p.serial, &r, 1);
  run(&p, 200 * MS);
  cr_assert_eq(p.n_acks, 1);
  /* The same serial again (a retransmission): the same answer, nothing done twice. */
  queue_asconf(&p, p.serial, &r, 1);
  run(&p, 200 * MS);
  cr_assert_eq(p.n_acks, 2);
  cr_assert_eq(p.acks[1].serial, p.serial);
  cr_assert_eq(p.acks[1].type[0], CSCTP_ASCONF_SUCCESS_IND);
  cr_assert_eq(p.added[1], 1);
  /* An older serial and one too far ahead: dropped, unanswered. */
  req d = {CSCTP_ASCONF_DEL_IP, 1, NULL};
  queue_asconf(&p, p.serial - 1, &d, 1);
  queue_asconf(&p, p.serial + 2, &d, 1);
  run(&p, 200 * MS);
  cr_assert_eq(p.n_acks, 2);
  cr_assert_geq(b_path_of(&p, 1), 0, "a stale ASCONF deleted an address");
  csctp_stats st = b_stats(&p);
  cr_assert_eq(st.asconf_in, 1);
  cr_assert_eq(st.asconf_dup_in, 1);
  cr_assert_eq(st.asconf_drop_serial, 2);
  /* The next serial is taken. */
  queue_asconf(&p, p.serial + 1, &d, 1);
  run(&p, 200 * MS);
  cr_assert_eq(p.n_acks, 3);
  cr_assert_eq(p.acks[2].type[0], CSCTP_ASCONF_SUCCESS_IND);
  cr_assert_lt(b_path_of(&p, 1), 0);
  as_close(&p);
}

Test(assoc_asconf, flood_of_copies_one_answer_per_packet_bounded) {
  as_pair p;
  as_open(&p, NP);
  established(&p);
  req r = {CSCTP_ASCONF_ADD_IP, 2, NULL};
  for (int k = 0; k < 20; k++) queue_asconf(&p, p.serial, &r, 1); /* one packet, 20 copies */
  run(&p, 300 * MS);
  cr_assert_eq(p.n_acks, 1, "%zu answers to one packet", p.n_acks);
  csctp_stats st = b_stats(&p);
  cr_assert_eq(st.asconf_in, 1);
  cr_assert_eq(st.asconf_dup_in, 19);
  cr_assert_eq(st.asconf_addrs_added, 1);
  cr_assert_leq(p.a[1]->ctrl_cap, 1024, "B's control queue grew to %zu", p.a[1]->ctrl_cap);
  as_close(&p);
}

Test(assoc_asconf, delete_refuses_the_source_and_the_last_address) {
  as_pair p;
  as_open(&p, NP);
  established(&p);
  /* A's path 0 is the source of its ASCONF: refused while path 1 lives. */
  req src = {CSCTP_ASCONF_DEL_IP, 0, NULL};
  queue_asconf(&p, p.serial, &src, 1);
  run(&p, 200 * MS);
  cr_assert_eq(p.n_acks, 1);
  cr_assert_eq(p.acks[0].type[0], CSCTP_ASCONF_ERROR_IND);
  cr_assert_eq(p.acks[0].cause[0], CSCTP_CAUSE_DEL_SOURCE_ADDR);
  cr_assert_geq(b_path_of(&p, 0), 0);
  /* Path 1 deleted: REMOVED event, gone from B's table, no more traffic there. */
  req one = {CSCTP_ASCONF_DEL_IP, 1, NULL};
  queue_asconf(&p, p.serial + 1, &one, 1);
  run(&p, 200 * MS);
  cr_assert_eq(p.n_acks, 2);
  cr_assert_eq(p.acks[1].type[0], CSCTP_ASCONF_SUCCESS_IND);
  cr_assert_lt(b_path_of(&p, 1), 0);
  cr_assert_eq(p.removed[1], 1);
  const csctp_simlink_counters *c1 = csctp_simlink_path_counters(p.link, 1, CSCTP_SIMLINK_B);
  uint64_t before = c1->sent;
  send_msgs(&p, 100);
  run(&p, 5 * CSCTP_SECONDS);
  cr_assert_eq(p.delivered, 100);
  cr_assert_eq(c1->sent, before, "B still sends to a deleted address");
  /* Now A's path 0 is the last one: refused as such. */
  queue_asconf(&p, p.serial + 2, &src, 1);
  run(&p, 200 * MS);
  cr_assert_eq(p.n_acks, 3);
  cr_assert_eq(p.acks[2].cause[0], CSCTP_CAUSE_DEL_LAST_ADDR);
  /* An address that is no path: Unresolvable Address. */
  queue_asconf(&p, p.serial + 3, &one, 1);
  run(&p, 200 * MS);
  cr_assert_eq(p.n_acks, 4);
  cr_assert_eq(p.acks[3].cause[0], CSCTP_CAUSE_UNRESOLVABLE_ADDRESS);
  csctp_stats st = b_stats(&p);
  cr_assert_eq(st.asconf_addrs_deleted, 1);
  cr_assert_eq(st.asconf_refused, 3);
  cr_assert_eq(csctp_assoc_get_state(p.a[1]), CSCTP_STATE_ESTABLISHED);
  as_close(&p);
}

Test(assoc_asconf, add_over_max_paths_is_resource_shortage) {
  as_pair p;
  as_open(&p, 2); /* B takes two paths: A's two listed addresses fill them */
  established(&p);
  static const uint8_t multicast[4] = {224, 0, 0, 9};
  req r[2] = {{CSCTP_ASCONF_ADD_IP, 2, NULL}, {CSCTP_ASCONF_ADD_IP, 0, multicast}};
  queue_asconf(&p, p.serial, r, 2);
  run(&p, 200 * MS);
  cr_assert_eq(p.n_acks, 1);
  cr_assert_eq(p.acks[0].n, 2);
  cr_assert_eq(p.acks[0].cause[0], CSCTP_CAUSE_RESOURCE_SHORTAGE);
  cr_assert_eq(p.acks[0].cause[1], CSCTP_CAUSE_NO_AUTHORIZATION, "a multicast address taken");
  cr_assert_eq(csctp_assoc_path_count(p.a[1]), 2);
  as_close(&p);
}

Test(assoc_asconf, set_primary_only_to_a_confirmed_address) {
  as_pair p;
  as_open(&p, NP);
  established(&p);
  csctp_simlink_set_path_up(p.link, 2, 0);
  req r[2] = {{CSCTP_ASCONF_ADD_IP, 2, NULL}, {CSCTP_ASCONF_SET_PRIMARY, 2, NULL}};
  queue_asconf(&p, p.serial, r, 2);
  run(&p, 300 * MS);
  cr_assert_eq(p.n_acks, 1);
  cr_assert_eq(p.acks[0].type[0], CSCTP_ASCONF_SUCCESS_IND);
  cr_assert_eq(p.acks[0].cause[1], CSCTP_CAUSE_NO_AUTHORIZATION, "unverified primary taken");
  cr_assert_eq(csctp_assoc_get_primary(p.a[1]), 0);
  req s = {CSCTP_ASCONF_SET_PRIMARY, 1, NULL}; /* confirmed at the handshake */
  queue_asconf(&p, p.serial + 1, &s, 1);
  run(&p, 300 * MS);
  cr_assert_eq(p.n_acks, 2);
  cr_assert_eq(p.acks[1].type[0], CSCTP_ASCONF_SUCCESS_IND);
  cr_assert_eq(csctp_assoc_get_primary(p.a[1]), b_path_of(&p, 1));
  cr_assert_eq(b_stats(&p).asconf_primary_set, 1);
  as_close(&p);
}

/* ---- our side: csctp_assoc_add_local_addr and its siblings (src/assoc_asconf_tx.c) ---- */

static csctp_stats a_stats(as_pair *p) {
  csctp_stats st;
  cr_assert_eq(csctp_assoc_get_stats(p->a[0], &st), 0);
  return st;
}

Test(assoc_asconf, add_local_addr_reaches_the_peer_which_verifies_it_then_set_primary_and_delete) {
  as_pair p;
  as_open(&p, NP);
  established(&p);
  cr_assert_eq(p.a[0]->mp->n_laddrs, 2);
  cr_assert_eq(csctp_assoc_add_local_addr(p.a[0], &p.laddr[0][2], csctp_simlink_now(p.link)), 0);
  send_msgs(&p, 100);
  run(&p, 5 * CSCTP_SECONDS);
  cr_assert_eq(p.delivered, 100);
  int i = b_path_of(&p, 2);
  cr_assert_geq(i, 0, "the peer did not add our new address");
  csctp_path_info pi;
  cr_assert_eq(csctp_assoc_get_path(p.a[1], (unsigned)i, &pi), 0);
  cr_assert_eq(pi.state, CSCTP_PATH_ACTIVE);
  cr_assert_eq(p.data_to_unconfirmed, 0);
  csctp_stats st = a_stats(&p);
  cr_assert_eq(st.asconf_out, 1);
  cr_assert_eq(st.asconf_acks_in, 1);
  cr_assert_eq(st.asconf_retransmits, 0);
  cr_assert_eq(st.asconf_requests_failed, 0);
  cr_assert_eq(p.a[0]->mp->n_laddrs, 3, "our address list did not follow");
  cr_assert_eq(p.acks[0].serial, p.a[0]->local_initial_tsn, "§5.1: first serial = Initial TSN");
  /* Our Set Primary: the peer makes the new address its primary, then the first one again. */
  int i0 = b_path_of(&p, 0);
  cr_assert_geq(i0, 0);
  cr_assert_neq(csctp_assoc_get_primary(p.a[1]), i);
  cr_assert_eq(csctp_assoc_set_peer_primary(p.a[0], &p.laddr[0][2], csctp_simlink_now(p.link)), 0);
  run(&p, CSCTP_SECONDS);
  cr_assert_eq(csctp_assoc_get_primary(p.a[1]), i, "the peer did not take our Set Primary");
  cr_assert_eq(csctp_assoc_set_peer_primary(p.a[0], &p.laddr[0][0], csctp_simlink_now(p.link)), 0);
  run(&p, CSCTP_SECONDS);
  cr_assert_eq(csctp_assoc_get_primary(p.a[1]), i0);
  cr_assert_eq(p.n_acks, 3);
  /* Then the interface goes away and the address is deleted: gone from the peer's table, and
   * from ours. (Asked while it still works, the ASCONF may leave from that very address, the
   * path the peer's last packet came from, and is refused as deleting its source.) */
  csctp_simlink_set_path_up(p.link, 2, 0);
  run(&p, 300 * MS);
  cr_assert_eq(csctp_assoc_del_local_addr(p.a[0], &p.laddr[0][2], csctp_simlink_now(p.link)), 0);
  run(&p, CSCTP_SECONDS);
  cr_assert_eq(p.n_acks, 4);
  cr_assert_eq(p.acks[3].type[0], CSCTP_ASCONF_SUCCESS_IND, "cause %u", p.acks[3].cause[0]);
  cr_assert_lt(b_path_of(&p, 2), 0);
  cr_assert_eq(p.a[0]->mp->n_laddrs, 2);
  cr_assert_eq(p.acks[3].serial, p.a[0]->local_initial_tsn + 3);
  as_close(&p);
}

Test(assoc_asconf, lost_asconf_is_retransmitted_on_the_rto) {
  as_pair p;
  as_open(&p, NP);
  established(&p);
  p.drop_asconf = 2;
  csctp_tstamp t0 = csctp_simlink_now(p.link);
  cr_assert_eq(csctp_assoc_add_local_addr(p.a[0], &p.laddr[0][2], t0), 0);
  run(&p, 5 * CSCTP_SECONDS);
  cr_assert_eq(p.drop_asconf, 0);
  csctp_stats st = a_stats(&p);
  cr_assert_eq(st.asconf_out, 1);
  cr_assert_eq(st.asconf_retransmits, 2);
  cr_assert_eq(st.asconf_acks_in, 1);
  cr_assert_geq(b_path_of(&p, 2), 0);
  cr_assert_eq(b_stats(&p).asconf_in, 1, "the peer took it once");
  cr_assert_eq(csctp_assoc_get_state(p.a[0]), CSCTP_STATE_ESTABLISHED);
  as_close(&p);
}

Test(assoc_asconf, refused_request_is_counted_and_the_queue_is_bounded) {
  as_pair p;
  as_open(&p, NP);
  established(&p);
  csctp_tstamp now = csctp_simlink_now(p.link);
  /* Our first address is the source of our ASCONF: the peer refuses to delete it. */
  cr_assert_eq(csctp_assoc_del_local_addr(p.a[0], &p.laddr[0][0], now), 0);
  run(&p, CSCTP_SECONDS);
  csctp_stats st = a_stats(&p);
  cr_assert_eq(st.asconf_requests_failed, 1);
  cr_assert_eq(p.a[0]->mp->n_laddrs, 2, "a refused delete changed our list");
  cr_assert_eq(p.acks[0].cause[0], CSCTP_CAUSE_DEL_SOURCE_ADDR);
  /* CSCTP_ASCONF_QUEUE_MAX requests wait; one more is refused. */
  p.drop_asconf = 1000; /* nothing answered: they stay queued */
  now = csctp_simlink_now(p.link);
  for (int k = 0; k < CSCTP_ASCONF_QUEUE_MAX; k++)
    cr_assert_eq(csctp_assoc_set_peer_primary(p.a[0], &p.laddr[0][1], now), 0, "request %d", k);
  cr_assert_eq(csctp_assoc_set_peer_primary(p.a[0], &p.laddr[0][1], now), CSCTP_ERR_WOULD_BLOCK);
  cr_assert_eq(csctp_assoc_add_local_addr(p.a[0], NULL, now), CSCTP_ERR_INVALID_ARGUMENT);
  as_close(&p);
}

Test(assoc_asconf, requests_refused_when_the_peer_did_not_negotiate) {
  g_b_asconf = 0;
  as_pair p;
  as_open(&p, NP);
  established(&p);
  g_b_asconf = 1;
  cr_assert_eq(a_stats(&p).asconf, 0);
  cr_assert_eq(csctp_assoc_add_local_addr(p.a[0], &p.laddr[0][2], csctp_simlink_now(p.link)),
               CSCTP_ERR_INVALID_STATE);
  /* An ASCONF pushed anyway is an unrecognized chunk to B: not taken. */
  req r = {CSCTP_ASCONF_ADD_IP, 2, NULL};
  queue_asconf(&p, p.serial, &r, 1);
  run(&p, 300 * MS);
  cr_assert_lt(b_path_of(&p, 2), 0);
  cr_assert_eq(p.n_acks, 0);
  as_close(&p);
}

/* RFC 5061 §4.1.1: a new address announcing itself. The ASCONF arrives from an address that is
 * no path of B: taken (authenticated, nothing else in the packet), and the address added as an
 * UNCONFIRMED path by its wildcard Add IP; the same bytes without AUTH, or with another chunk,
 * are dropped as from an unknown source. */
Test(assoc_asconf, asconf_from_a_new_address_adds_it_only_when_authenticated) {
  as_pair p;
  as_open(&p, NP);
  established(&p);
  static const uint8_t any[4] = {0, 0, 0, 0};
  req r = {CSCTP_ASCONF_ADD_IP, 0, any};
  p.grab_asconf = 1;
  queue_asconf(&p, p.serial, &r, 1);
  run(&p, 100 * MS);
  cr_assert_gt(p.grabbed_len, 0, "A sent no ASCONF");
  csctp_route from = {.local = CSCTP_LOCAL_ANY};
  from.peer = p.laddr[0][2]; /* A's third address, unknown to B */
  cr_assert_lt(b_path_of(&p, 2), 0);
  uint8_t pkt[1500];
  /* Tampered (one byte of the ASCONF): the AUTH fails, nothing added. */
  memcpy(pkt, p.grabbed, p.grabbed_len);
  pkt[p.grabbed_len - 1] ^= 1;
  csctp_packet_set_crc(pkt, p.grabbed_len);
  csctp_tstamp now = csctp_simlink_now(p.link);
  cr_assert_eq(csctp_assoc_read_packet_via(p.a[1], &from, pkt, p.grabbed_len, now), 0);
  cr_assert_lt(b_path_of(&p, 2), 0, "a tampered ASCONF added its source");
  cr_assert_eq(b_stats(&p).asconf_in, 0);
  /* As sent: taken, the source added, unconfirmed. */
  cr_assert_eq(csctp_assoc_read_packet_via(p.a[1], &from, p.grabbed, p.grabbed_len, now), 0);
  int i = b_path_of(&p, 2);
  cr_assert_geq(i, 0, "the new address was not added");
  csctp_path_info pi;
  cr_assert_eq(csctp_assoc_get_path(p.a[1], (unsigned)i, &pi), 0);
  cr_assert_eq(pi.state, CSCTP_PATH_UNCONFIRMED);
  csctp_stats st = b_stats(&p);
  cr_assert_eq(st.asconf_in, 1);
  cr_assert_eq(st.asconf_addrs_added, 1);
  /* A stranger's packet with anything but AUTH + ASCONF: dropped as before. */
  csctp_route other = {.local = CSCTP_LOCAL_ANY};
  static const uint8_t ip9[4] = {198, 51, 100, 9};
  csctp_addr_ip4(&other.peer, ip9, 0, 0);
  uint64_t unknown = st.drop_unknown_source;
  memcpy(pkt, p.grabbed, p.grabbed_len);
  size_t n = p.grabbed_len;
  static const uint8_t cookie_ack[4] = {CSCTP_CHUNK_COOKIE_ACK, 0, 0, 4};
  memcpy(pkt + n, cookie_ack, 4);
  n += 4;
  csctp_packet_set_crc(pkt, n);
  cr_assert_eq(csctp_assoc_read_packet_via(p.a[1], &other, pkt, n, now), 0);
  cr_assert_eq(b_stats(&p).drop_unknown_source, unknown + 1);
  cr_assert_eq(b_stats(&p).asconf_dup_in, 0);
  run(&p, 3 * CSCTP_SECONDS); /* B verifies A's third address */
  cr_assert_eq(csctp_assoc_get_path(p.a[1], (unsigned)i, &pi), 0);
  cr_assert_eq(pi.state, CSCTP_PATH_ACTIVE);
  as_close(&p);
}

/* Allocation failure anywhere through an ASCONF association's handshake, our Add IP and the
 * peer's verification of it: nothing leaks, nothing crashes. */
static long alloc_run(long k, void *user) {
  (void)user;
  failing_mem fm;
  failing_mem_init(&fm, k);
  as_pair p;
  memset(&p, 0, sizeof(p));
  int ok = 1;
  for (int s = 0; s < 2 && ok; s++) {
    csctp_config cfg;
    csctp_prng_seed(&p.rng[s], 501 + (uint64_t)s);
    as_cfg(&p, s, &cfg, NP);
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
    csctp_addr b0;
    csctp_simlink_addr(CSCTP_SIMLINK_B, 0, 0, &b0);
    cr_assert_eq(csctp_assoc_add_peer_addr(p.a[0], &b0), 0);
    csctp_assoc_connect(p.a[0], csctp_simlink_now(p.link));
    int asked = 0;
    for (int i = 0; i < 100 && csctp_simlink_now(p.link) < 4 * CSCTP_SECONDS; i++) {
      if (!asked && csctp_assoc_get_state(p.a[0]) == CSCTP_STATE_ESTABLISHED)
        asked = csctp_assoc_add_local_addr(p.a[0], &p.laddr[0][2], csctp_simlink_now(p.link)) == 0;
      if (csctp_simlink_run_until(p.link, NULL, NULL, 30 * MS) == CSCTP_SIMLINK_ERROR) {
        cr_assert_eq(csctp_simlink_last_error(p.link), CSCTP_ERR_NOMEM);
        break;
      }
    }
    csctp_simlink_del(p.link);
  }
  csctp_assoc_del(p.a[0]);
  csctp_assoc_del(p.a[1]);
  cr_assert_eq(fm.live, 0, "k=%ld: %ld blocks leaked", k, fm.live);
  return fm.calls;
}

Test(assoc_asconf, allocation_failure_anywhere_leaks_nothing) {
  long total = alloc_run(0, NULL);
  cr_assert_gt(total, 10);
  long hit = failing_mem_replay(total < 400 ? total : 400, alloc_run, NULL);
  cr_assert_gt(hit, 0);
}
