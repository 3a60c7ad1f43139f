/* SPDX-License-Identifier: MIT */
/*
 * A multi-homed peer that restarts (RFC 9260 §5.2.2, §5.2.4, §3.3.10.11; RFC 5062 §3;
 * assoc_addr.c csctp_assoc_mp_restart_init / _cookie): a restart whose INIT lists an address
 * the association does not have is answered with an ABORT (cause 11, the new address listed,
 * the INIT's Initiate Tag) and the association goes on untouched; a restart with the same
 * addresses is a restart as ever; a COOKIE ECHO that would bring an address is refused the
 * same way. Two engines wired by hand through the _via calls, a virtual clock.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assoc.h"
#include "cookie.h"
#include "packet.h"
#include "prng.h"

#define MS CSCTP_MILLISECONDS
#define NA 3 /* addresses a side may have */

typedef struct rp {
  csctp_assoc *a[2]; /* A (restarts), B (keeps its association) */
  csctp_prng rng[3];
  csctp_addr laddr[2][NA];
  csctp_tstamp now;
  unsigned restarted_b, closed_b, msgs[2];
  csctp_close_reason a_reason;
  uint16_t a_cause;
  unsigned a_closed;
  /* the last ABORT B sent: its tag, T bit, first cause and the IPv4 addresses listed in it */
  unsigned aborts;
  uint32_t abort_vtag;
  uint8_t abort_flags;
  uint16_t abort_cause;
  unsigned abort_n4;
  uint8_t abort_ip4[NA][4];
} rp;

static void rp_addr(int side, int j, csctp_addr *x) {
  const uint8_t ip[4] = {10, 0, (uint8_t)j, (uint8_t)(1 + side)};
  cr_assert_eq(csctp_addr_ip4(x, ip, 0, 0), 0);
}

static void rp_log(uint32_t category, csctp_log_level level, const char *msg, void *user) {
  (void)level;
  (void)category;
  fprintf(stderr, "[%u] %s\n", (unsigned)(uintptr_t)user, msg);
}

/* Side s with its first n addresses listed; side A connects to B's first address. */
static csctp_assoc *rp_side(rp *p, int s, unsigned n, uint64_t seed) {
  csctp_config cfg;
  csctp_config_default(&cfg);
  csctp_prng *rng = &p->rng[s == 0 && seed != 31 ? 2 : s];
  csctp_prng_seed(rng, seed);
  cfg.rand = csctp_prng_rand_fn;
  cfg.rand_user_data = rng;
  cfg.rto_initial = 300;
  cfg.rto_min = 200;
  cfg.rto_max = 1000;
  cfg.max_paths = NA;
  for (int j = 0; j < NA; j++) rp_addr(s, j, &p->laddr[s][j]);
  cfg.local_addrs = p->laddr[s];
  cfg.n_local_addrs = n;
  if (getenv("RP_LOG")) {
    cfg.log = rp_log;
    cfg.log_user_data = (void *)(uintptr_t)seed;
    cfg.log_mask = ~0u;
  }
  csctp_assoc *a;
  cr_assert_eq(csctp_assoc_new(&a, &cfg), 0);
  if (s == 0) {
    cr_assert_eq(csctp_assoc_add_peer_addr(a, &p->laddr[1][0]), 0);
    cr_assert_eq(csctp_assoc_connect(a, p->now), 0);
  }
  return a;
}

static void note_abort(rp *p, const uint8_t *pkt, size_t len) {
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, pkt, len);
  if (csctp_chunk_next(&it, &ch) != 1 || ch.type != CSCTP_CHUNK_ABORT) return;
  p->aborts++;
  p->abort_vtag = csctp_get_u32(pkt + 4);
  p->abort_flags = ch.flags;
  p->abort_cause = ch.value_len >= 4 ? csctp_get_u16(ch.value) : 0;
  p->abort_n4 = 0;
  if (ch.value_len < 4) return;
  size_t clen = csctp_get_u16(ch.value + 2);
  cr_assert_leq(clen, ch.value_len);
  for (size_t off = 4; off + 4 <= clen;) { /* the cause's address parameters */
    uint16_t t = csctp_get_u16(ch.value + off), l = csctp_get_u16(ch.value + off + 2);
    cr_assert_geq(l, 4);
    if (t == CSCTP_PARAM_IPV4 && l == 8 && p->abort_n4 < NA)
      memcpy(p->abort_ip4[p->abort_n4++], ch.value + off + 4, 4);
    off += ((size_t)l + 3) & ~(size_t)3;
  }
}

static void rp_events(rp *p) {
  csctp_event ev;
  for (int s = 0; s < 2; s++)
    while (csctp_assoc_poll_event(p->a[s], &ev) == 1) {
      if (ev.type == CSCTP_EVENT_MESSAGE) p->msgs[s]++;
      if (s == 1 && ev.type == CSCTP_EVENT_RESTARTED) p->restarted_b++;
      if (s == 1 && ev.type == CSCTP_EVENT_CLOSED) p->closed_b++;
      if (s == 0 && ev.type == CSCTP_EVENT_CLOSED) {
        p->a_closed++;
        p->a_reason = ev.u.closed.reason;
        p->a_cause = ev.u.closed.cause;
      }
    }
}

/* Moves every packet both ways (no loss, no delay) until quiet. */
static void rp_pump(rp *p) {
  uint8_t buf[1500];
  for (int round = 0; round < 200; round++) {
    int moved = 0;
    for (int s = 0; s < 2; s++) {
      csctp_route to;
      csctp_ssize n;
      while ((n = csctp_assoc_write_packet_via(p->a[s], buf, sizeof buf, p->now, &to)) > 0) {
        if (s == 1) note_abort(p, buf, (size_t)n);
        csctp_route from = {.local = CSCTP_LOCAL_ANY};
        from.peer = p->laddr[s][to.local < NA ? to.local : 0];
        for (int j = 0; j < NA; j++)
          if (csctp_assoc_addr_same_ip(p->a[s], &to.peer, &p->laddr[1 - s][j]))
            from.local = (uint8_t)j;
        int rv = csctp_assoc_read_packet_via(p->a[1 - s], &from, buf, (size_t)n, p->now);
        if (getenv("RP_LOG"))
          fprintf(stderr, "%d->: chunk %u to %u.%u local %u from %u.%u rv %d\n", s, buf[12],
                  to.peer.data[2], to.peer.data[3], to.local, from.peer.data[2], from.peer.data[3],
                  rv);
        moved++;
      }
    }
    rp_events(p);
    if (!moved) break;
  }
}

static void rp_run(rp *p, csctp_tstamp dur) {
  csctp_tstamp end = p->now + dur;
  while (p->now < end) {
    p->now += 10 * MS;
    for (int s = 0; s < 2; s++)
      if (csctp_assoc_expiry(p->a[s]) <= p->now) csctp_assoc_handle_expiry(p->a[s], p->now);
    rp_pump(p);
  }
}

/* A with two addresses, B with two, established and verified. */
static void rp_open(rp *p) {
  memset(p, 0, sizeof(*p));
  p->now = 1000 * MS;
  p->a[1] = rp_side(p, 1, 2, 32);
  p->a[0] = rp_side(p, 0, 2, 31);
  rp_run(p, 3 * CSCTP_SECONDS);
  for (int s = 0; s < 2; s++) {
    cr_assert_eq(csctp_assoc_get_state(p->a[s]), CSCTP_STATE_ESTABLISHED);
    cr_assert_eq(csctp_assoc_path_count(p->a[s]), 2);
  }
}

/* One message each way between A and B; 1 when both arrived. */
static int rp_data_passes(rp *p) {
  unsigned m0 = p->msgs[0], m1 = p->msgs[1];
  uint8_t b[200] = {1, 2, 3};
  csctp_send_opts o = {.stream = 0, .ppid = 51};
  if (csctp_assoc_send(p->a[0], &o, b, sizeof b, p->now) != 0) return 0;
  if (csctp_assoc_send(p->a[1], &o, b, sizeof b, p->now) != 0) return 0;
  rp_run(p, 500 * MS);
  return p->msgs[0] == m0 + 1 && p->msgs[1] == m1 + 1;
}

static csctp_stats b_stats(rp *p) {
  csctp_stats st;
  cr_assert_eq(csctp_assoc_get_stats(p->a[1], &st), 0);
  return st;
}

Test(assoc_multi_restart, a_restart_with_a_new_address_is_aborted_and_the_association_kept) {
  rp p;
  rp_open(&p);
  csctp_assoc *a_old = p.a[0], *b = p.a[1];
  uint32_t b_tag = b->local_tag, b_peer_tag = b->peer_tag;
  /* A comes back with a third address, 10.0.2.1, listed in its INIT. */
  csctp_assoc *a_new = rp_side(&p, 0, 3, 41);
  p.a[0] = a_new;
  rp_run(&p, 1 * CSCTP_SECONDS);
  cr_assert_eq(p.aborts, 1, "B sent %u ABORTs", p.aborts);
  cr_assert_eq(p.abort_vtag, a_new->local_tag, "the ABORT carries the INIT's Initiate Tag");
  cr_assert_eq(p.abort_flags & 1, 0, "T bit set: our tag reflected");
  cr_assert_eq(p.abort_cause, CSCTP_CAUSE_RESTART_NEW_ADDRESSES);
  cr_assert_eq(p.abort_n4, 1, "%u addresses listed", p.abort_n4);
  const uint8_t a2[4] = {10, 0, 2, 1};
  cr_assert_eq(memcmp(p.abort_ip4[0], a2, 4), 0, "the new address is listed");
  cr_assert_eq(csctp_assoc_get_state(a_new), CSCTP_STATE_CLOSED);
  cr_assert_eq(p.a_closed, 1);
  cr_assert_eq(p.a_reason, CSCTP_CLOSE_PEER_ABORT);
  cr_assert_eq(p.a_cause, CSCTP_CAUSE_RESTART_NEW_ADDRESSES);
  /* B: untouched. */
  cr_assert_eq(csctp_assoc_get_state(b), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(p.restarted_b, 0);
  cr_assert_eq(p.closed_b, 0);
  cr_assert_eq(b->local_tag, b_tag);
  cr_assert_eq(b->peer_tag, b_peer_tag);
  cr_assert_eq(csctp_assoc_path_count(b), 2, "the new address became a path");
  csctp_stats st = b_stats(&p);
  cr_assert_eq(st.restart_new_addr_aborts, 1);
  /* ... and the old incarnation still talks to it. */
  p.a[0] = a_old;
  cr_assert(rp_data_passes(&p), "data does not pass after the refused restart");
  csctp_assoc_del(a_new);
  csctp_assoc_del(a_old);
  csctp_assoc_del(b);
}

Test(assoc_multi_restart, a_restart_with_the_same_addresses_still_restarts) {
  rp p;
  rp_open(&p);
  csctp_assoc *a_old = p.a[0], *b = p.a[1];
  csctp_assoc *a_new = rp_side(&p, 0, 2, 42);
  p.a[0] = a_new;
  rp_run(&p, 1 * CSCTP_SECONDS);
  cr_assert_eq(csctp_assoc_get_state(a_new), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(p.restarted_b, 1, "B saw %u restarts", p.restarted_b);
  cr_assert_eq(p.aborts, 0);
  cr_assert_eq(b->peer_tag, a_new->local_tag);
  cr_assert_eq(b_stats(&p).restart_new_addr_aborts, 0);
  cr_assert(rp_data_passes(&p));
  csctp_assoc_del(a_new);
  csctp_assoc_del(a_old);
  csctp_assoc_del(b);
}

/* A subset of the addresses is no new address: restarted. */
Test(assoc_multi_restart, a_restart_with_fewer_addresses_still_restarts) {
  rp p;
  rp_open(&p);
  csctp_assoc *a_old = p.a[0], *b = p.a[1];
  csctp_assoc *a_new = rp_side(&p, 0, 1, 43);
  p.a[0] = a_new;
  rp_run(&p, 1 * CSCTP_SECONDS);
  cr_assert_eq(p.restarted_b, 1);
  cr_assert_eq(p.aborts, 0);
  cr_assert(rp_data_passes(&p));
  csctp_assoc_del(a_new);
  csctp_assoc_del(a_old);
  csctp_assoc_del(b);
}

/* §5.2.4 action A with a cookie whose address list (inside the HMAC, so only B could have
 * written it: the test signs it with B's secret) names an address B does not have. */
Test(assoc_multi_restart, a_restart_cookie_with_a_new_address_is_aborted) {
  rp p;
  rp_open(&p);
  csctp_assoc *a_old = p.a[0], *b = p.a[1];
  csctp_assoc *a_new = rp_side(&p, 0, 2, 44);
  /* A's INIT to B by hand; B's INIT ACK kept. */
  uint8_t buf[1500], ack[1500];
  csctp_route to, from = {.peer = p.laddr[0][0], .local = 0};
  csctp_ssize n = csctp_assoc_write_packet_via(a_new, buf, sizeof buf, p.now, &to);
  cr_assert_gt(n, 0);
  cr_assert_eq(buf[12], CSCTP_CHUNK_INIT);
  cr_assert_eq(csctp_assoc_read_packet_via(b, &from, buf, (size_t)n, p.now), 0);
  csctp_ssize k = csctp_assoc_write_packet_via(b, ack, sizeof ack, p.now, &to);
  cr_assert_gt(k, 0);
  cr_assert_eq(ack[12], CSCTP_CHUNK_INIT_ACK);
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, ack, (size_t)k);
  cr_assert_eq(csctp_chunk_next(&it, &ch), 1);
  csctp_init_chunk in;
  cr_assert_eq(csctp_init_decode(&ch, &in), 0);
  cr_assert_not_null(in.cookie);
  csctp_cookie_keys keys;
  memset(&keys, 0, sizeof keys);
  cr_assert_null(b->keys, "a bare association signs with its own secret");
  memcpy(keys.cur, b->secret, sizeof keys.cur);
  csctp_cookie c;
  uint64_t stale;
  cr_assert_eq(
      csctp_cookie_read(in.cookie, in.cookie_len, &keys, &b->cookie_peer, p.now, &c, &stale),
      CSCTP_COOKIE_OK);
  cr_assert_eq(c.n_addrs, 2, "the INIT's source and its other address");
  uint8_t *rec = c.addrs[c.n_addrs++];
  memset(rec, 0, CSCTP_ADDR_REC);
  rec[0] = 4;
  memcpy(rec + 1, (const uint8_t[]){10, 0, 2, 1}, 4);
  uint8_t ck[CSCTP_COOKIE_MAX];
  int cl = csctp_cookie_write(&c, &keys, &b->cookie_peer, ck);
  cr_assert_gt(cl, 0);
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof buf);
  csctp_packet_write_header(&w, 5000, 5000, c.local_tag);
  csctp_cookie_echo_write(&w, ck, (size_t)cl);
  csctp_packet_set_crc(buf, w.len);
  cr_assert_eq(csctp_assoc_read_packet_via(b, &from, buf, w.len, p.now), 0);
  n = csctp_assoc_write_packet_via(b, buf, sizeof buf, p.now, &to);
  cr_assert_gt(n, 0);
  note_abort(&p, buf, (size_t)n);
  cr_assert_eq(p.aborts, 1, "no ABORT for the COOKIE ECHO");
  cr_assert_eq(p.abort_vtag, a_new->local_tag);
  cr_assert_eq(p.abort_cause, CSCTP_CAUSE_RESTART_NEW_ADDRESSES);
  cr_assert_eq(p.abort_n4, 1);
  rp_events(&p);
  cr_assert_eq(p.restarted_b, 0);
  cr_assert_eq(csctp_assoc_path_count(b), 2);
  cr_assert_eq(b_stats(&p).restart_new_addr_aborts, 1);
  cr_assert(rp_data_passes(&p), "data does not pass after the refused restart");
  csctp_assoc_del(a_new);
  csctp_assoc_del(a_old);
  csctp_assoc_del(b);
}
