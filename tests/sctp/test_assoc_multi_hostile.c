/* SPDX-License-Identifier: MIT */
/*
 * A hostile peer against a multi-homed association (assoc_multi.c, RFC 9260 §5.4, §6.4): what
 * a packet that fails the verification tag may not change (a path's local address; path 0 of
 * an association connected without an address), and which address a COOKIE ECHO confirms
 * (the INIT's, not its own source); what a HEARTBEAT flood, an address that never answers and
 * an INIT listing many addresses can make us send. Two engines wired by hand through the _via
 * calls, two addresses each, a virtual clock.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "assoc.h"
#include "packet.h"
#include "prng.h"

#define MS CSCTP_MILLISECONDS
#define NA 2 /* addresses per side */

typedef struct hp {
  csctp_assoc *a[2];
  csctp_prng rng[2];
  csctp_addr laddr[2][NA];
  csctp_tstamp now;
  const csctp_addr *cookie_src; /* non-NULL: A's COOKIE ECHO reaches B from this address */
  const csctp_addr *dead;       /* non-NULL: packets to this address are lost (counted) */
  unsigned to_dead, hb_to_dead;
} hp;

static void hp_addr(int side, int j, csctp_addr *x) {
  const uint8_t ip[4] = {10, 0, (uint8_t)j, (uint8_t)(1 + side)};
  cr_assert_eq(csctp_addr_ip4(x, ip, 0, 0), 0);
}

static void hp_open_x(hp *p, int add_peer) {
  memset(p, 0, sizeof(*p));
  p->now = 1000 * MS;
  for (int s = 0; s < 2; s++) {
    csctp_config cfg;
    csctp_config_default(&cfg);
    csctp_prng_seed(&p->rng[s], 31 + (uint64_t)s);
    cfg.rand = csctp_prng_rand_fn;
    cfg.rand_user_data = &p->rng[s];
    cfg.rto_initial = 300;
    cfg.rto_min = 200;
    cfg.rto_max = 1000;
    cfg.max_paths = NA;
    for (int j = 0; j < NA; j++) hp_addr(s, j, &p->laddr[s][j]);
    cfg.local_addrs = p->laddr[s];
    cfg.n_local_addrs = NA;
    cr_assert_eq(csctp_assoc_new(&p->a[s], &cfg), 0);
  }
  if (add_peer) cr_assert_eq(csctp_assoc_add_peer_addr(p->a[0], &p->laddr[1][0]), 0);
  cr_assert_eq(csctp_assoc_connect(p->a[0], p->now), 0);
}

static void hp_open(hp *p) { hp_open_x(p, 1); }

static void hp_close(hp *p) {
  csctp_assoc_del(p->a[0]);
  csctp_assoc_del(p->a[1]);
}

/* Moves every packet both ways (no loss, no delay) until quiet. */
static void hp_pump(hp *p) {
  uint8_t buf[1500];
  for (int round = 0; round < 200; round++) {
    int moved = 0;
    for (int s = 0; s < 2; s++) {
      csctp_route to;
      csctp_ssize n;
      while ((n = csctp_assoc_write_packet_via(p->a[s], buf, sizeof buf, p->now, &to)) > 0) {
        if (p->dead && csctp_assoc_addr_same_ip(p->a[s], &to.peer, p->dead)) {
          p->to_dead++;
          p->hb_to_dead += n > 12 && buf[12] == CSCTP_CHUNK_HEARTBEAT;
          continue;
        }
        csctp_route from = {.local = CSCTP_LOCAL_ANY};
        int src = to.local < NA ? to.local : 0;
        from.peer = p->laddr[s][src];
        if (s == 0 && p->cookie_src && n > 12 && buf[12] == CSCTP_CHUNK_COOKIE_ECHO)
          from.peer = *p->cookie_src;
        for (int j = 0; j < NA; j++)
          if (csctp_assoc_addr_same_ip(p->a[s], &to.peer, &p->laddr[1 - s][j]))
            from.local = (uint8_t)j;
        csctp_assoc_read_packet_via(p->a[1 - s], &from, buf, (size_t)n, p->now);
        moved++;
      }
    }
    if (!moved) break;
  }
}

/* Lets `dur` pass in steps of 10 ms, timers run, packets move. */
static void hp_run(hp *p, csctp_tstamp dur) {
  csctp_tstamp end = p->now + dur;
  while (p->now < end) {
    p->now += 10 * MS;
    for (int s = 0; s < 2; s++)
      if (csctp_assoc_expiry(p->a[s]) <= p->now) csctp_assoc_handle_expiry(p->a[s], p->now);
    hp_pump(p);
  }
}

static int path_of(hp *p, int s, const csctp_addr *x) {
  for (unsigned i = 0; i < csctp_assoc_path_count(p->a[s]); i++) {
    csctp_path_info pi;
    cr_assert_eq(csctp_assoc_get_path(p->a[s], i, &pi), 0);
    if (csctp_assoc_addr_same_ip(p->a[s], &pi.peer, x)) return (int)i;
  }
  return -1;
}

static void hp_established(hp *p) {
  hp_run(p, 3 * CSCTP_SECONDS);
  for (int s = 0; s < 2; s++) {
    cr_assert_eq(csctp_assoc_get_state(p->a[s]), CSCTP_STATE_ESTABLISHED);
    cr_assert_eq(csctp_assoc_path_count(p->a[s]), NA);
    for (unsigned i = 0; i < NA; i++) {
      csctp_path_info pi;
      cr_assert_eq(csctp_assoc_get_path(p->a[s], i, &pi), 0);
      cr_assert_eq(pi.state, CSCTP_PATH_ACTIVE, "side %d path %u state %u", s, i, pi.state);
    }
  }
}

/* DESIGN.md "Trust boundaries": a packet from a path's address that fails the verification tag
 * does not choose the local address the path's packets leave from. */
Test(assoc_multi_hostile, bad_tag_packet_does_not_move_the_local_address) {
  hp p;
  hp_open(&p);
  hp_established(&p);
  csctp_assoc *b = p.a[1];
  int i = path_of(&p, 1, &p.laddr[0][0]);
  cr_assert_geq(i, 0);
  csctp_path_info before, after;
  cr_assert_eq(csctp_assoc_get_path(b, (unsigned)i, &before), 0);
  cr_assert_lt(before.local, NA);
  /* A HEARTBEAT with a wrong verification tag (and a valid CRC). */
  uint8_t pkt[12 + 8] = {0};
  csctp_put_u16(pkt, 5000);
  csctp_put_u16(pkt + 2, 5000);
  csctp_put_u32(pkt + 4, b->local_tag ^ 0x5a5a5a5a);
  pkt[12] = CSCTP_CHUNK_HEARTBEAT;
  csctp_put_u16(pkt + 14, 8);
  csctp_put_u16(pkt + 16, 1);
  csctp_put_u16(pkt + 18, 4);
  csctp_packet_set_crc(pkt, sizeof pkt);
  csctp_stats st0, st1;
  csctp_assoc_get_stats(b, &st0);
  csctp_route from = {.peer = p.laddr[0][0], .local = (uint8_t)(1 - before.local)};
  csctp_assoc_read_packet_via(b, &from, pkt, sizeof pkt, p.now);
  csctp_assoc_get_stats(b, &st1);
  cr_assert_gt(st1.packets_in, st0.packets_in);
  cr_assert_eq(csctp_assoc_get_path(b, (unsigned)i, &after), 0);
  cr_assert_eq(after.local, before.local, "a packet with a wrong tag moved local %u -> %u",
               before.local, after.local);
  hp_close(&p);
}

/* RFC 9260 §5.4: a valid COOKIE ECHO confirms the address the INIT ACK went to (where the
 * cookie was read), not its own source: a peer that sends it from an address of its choice
 * (not listed, never verified) does not get our packets sent there. */
Test(assoc_multi_hostile, cookie_echo_source_does_not_replace_the_confirmed_address) {
  hp p;
  hp_open(&p);
  csctp_addr stranger;
  const uint8_t ip[4] = {192, 0, 2, 77};
  cr_assert_eq(csctp_addr_ip4(&stranger, ip, 0, 0), 0);
  p.cookie_src = &stranger;
  hp_run(&p, 3 * CSCTP_SECONDS);
  cr_assert_eq(csctp_assoc_get_state(p.a[1]), CSCTP_STATE_ESTABLISHED);
  cr_assert_lt(path_of(&p, 1, &stranger), 0, "the COOKIE ECHO's source became a path");
  cr_assert_eq(path_of(&p, 1, &p.laddr[0][0]), 0, "the INIT's source is not path 0");
  hp_close(&p);
}

/* Connected without an address (the plain API), the first packet's source becomes path 0 only
 * once that packet is proven (the INIT ACK's tag): a stranger's packet with a wrong tag, first
 * to arrive, neither takes path 0 nor makes the real INIT ACK an unknown source. */
Test(assoc_multi_hostile, unproven_first_packet_does_not_take_path_0) {
  hp p;
  hp_open_x(&p, 0);
  csctp_addr stranger;
  const uint8_t ip[4] = {192, 0, 2, 78};
  cr_assert_eq(csctp_addr_ip4(&stranger, ip, 0, 0), 0);
  uint8_t pkt[12 + 8] = {0};
  csctp_put_u16(pkt, 5000);
  csctp_put_u16(pkt + 2, 5000);
  csctp_put_u32(pkt + 4, 0x12345678);
  pkt[12] = CSCTP_CHUNK_HEARTBEAT;
  csctp_put_u16(pkt + 14, 8);
  csctp_put_u16(pkt + 16, 1);
  csctp_put_u16(pkt + 18, 4);
  csctp_packet_set_crc(pkt, sizeof pkt);
  csctp_route from = {.peer = stranger, .local = CSCTP_LOCAL_ANY};
  csctp_assoc_read_packet_via(p.a[0], &from, pkt, sizeof pkt, p.now);
  hp_established(&p);
  cr_assert_lt(path_of(&p, 0, &stranger), 0, "a packet with a wrong tag made a path");
  cr_assert_eq(path_of(&p, 0, &p.laddr[1][0]), 0);
  hp_close(&p);
}

/* A HEARTBEAT packet with tag `vtag` and a 16-byte Info, with checksum; its length. */
static size_t heartbeat_pkt(uint8_t *pkt, uint32_t vtag, uint32_t k) {
  memset(pkt, 0, 12 + 24);
  csctp_put_u16(pkt, 5000);
  csctp_put_u16(pkt + 2, 5000);
  csctp_put_u32(pkt + 4, vtag);
  pkt[12] = CSCTP_CHUNK_HEARTBEAT;
  csctp_put_u16(pkt + 14, 24);
  csctp_put_u16(pkt + 16, 1);
  csctp_put_u16(pkt + 18, 20);
  csctp_put_u32(pkt + 20, k);
  csctp_packet_set_crc(pkt, 12 + 24);
  return 12 + 24;
}

/* §8.3 answers each HEARTBEAT, but a flood of them on one path between two writes queues one
 * HEARTBEAT ACK (a bounded output queue); the others are counted. */
Test(assoc_multi_hostile, heartbeat_flood_queues_one_ack_per_path) {
  hp p;
  hp_open(&p);
  hp_established(&p);
  csctp_assoc *b = p.a[1];
  csctp_stats st0, st1;
  csctp_assoc_get_stats(b, &st0);
  uint8_t pkt[64], buf[1500];
  csctp_route from = {.peer = p.laddr[0][1], .local = 1};
  for (uint32_t k = 0; k < 500; k++) {
    size_t len = heartbeat_pkt(pkt, b->local_tag, k);
    cr_assert_eq(csctp_assoc_read_packet_via(b, &from, pkt, len, p.now), 0);
  }
  unsigned acks = 0;
  csctp_route to;
  csctp_ssize n;
  while ((n = csctp_assoc_write_packet_via(b, buf, sizeof buf, p.now, &to)) > 0) {
    csctp_chunk_iter it;
    csctp_chunk ch;
    csctp_chunk_iter_init(&it, buf, (size_t)n);
    while (csctp_chunk_next(&it, &ch) == 1)
      if (ch.type == CSCTP_CHUNK_HEARTBEAT_ACK) {
        acks++;
        cr_assert(csctp_assoc_addr_same_ip(b, &to.peer, &p.laddr[0][1]), "not to the source");
      }
  }
  cr_assert_eq(acks, 1, "%u HEARTBEAT ACKs for a flood of 500", acks);
  csctp_assoc_get_stats(b, &st1);
  cr_assert_eq(st1.hb_dropped_ack_queued - st0.hb_dropped_ack_queued, 499);
  /* Once written, the next HEARTBEAT is answered again. */
  size_t len = heartbeat_pkt(pkt, b->local_tag, 9999);
  cr_assert_eq(csctp_assoc_read_packet_via(b, &from, pkt, len, p.now), 0);
  n = csctp_assoc_write_packet_via(b, buf, sizeof buf, p.now, &to);
  cr_assert_gt(n, 12);
  cr_assert_eq(buf[12], CSCTP_CHUNK_HEARTBEAT_ACK);
  hp_close(&p);
}

/* An address the peer lists that never answers (someone else's, RFC 5062 §5): verification
 * ends after Path.Max.Retrans + 1 HEARTBEATs; the path stays unconfirmed and unused, and
 * nothing more goes there, however long the association lives. */
Test(assoc_multi_hostile, an_address_that_never_answers_gets_a_bounded_number_of_probes) {
  hp p;
  hp_open(&p);
  p.dead = &p.laddr[0][1]; /* A's second address: B's probes there are lost */
  hp_run(&p, 3 * CSCTP_SECONDS);
  csctp_assoc *b = p.a[1];
  cr_assert_eq(csctp_assoc_get_state(b), CSCTP_STATE_ESTABLISHED);
  int i = path_of(&p, 1, p.dead);
  cr_assert_geq(i, 0);
  hp_run(&p, 120 * CSCTP_SECONDS);
  unsigned pmr = b->cfg.path_max_retrans;
  cr_assert_eq(p.to_dead, pmr + 1, "%u packets to an unconfirmed address (PMR %u)", p.to_dead, pmr);
  cr_assert_eq(p.hb_to_dead, p.to_dead, "something else than HEARTBEAT went there");
  csctp_path_info pi;
  cr_assert_eq(csctp_assoc_get_path(b, (unsigned)i, &pi), 0);
  cr_assert_eq(pi.state, CSCTP_PATH_UNCONFIRMED);
  csctp_stats st;
  csctp_assoc_get_stats(b, &st);
  cr_assert_eq(st.paths_unverified, 1);
  cr_assert_eq(st.hb_unconfirmed_out, pmr + 1);
  /* Given up is given up: another two minutes, nothing. */
  unsigned before = p.to_dead;
  hp_run(&p, 120 * CSCTP_SECONDS);
  cr_assert_eq(p.to_dead, before);
  cr_assert_eq(csctp_assoc_get_state(b), CSCTP_STATE_ESTABLISHED);
  hp_close(&p);
}

/* RFC 5062 §5-§6 amplification: a CLOSED association answering an INIT that lists 8
 * addresses sends one packet, the INIT ACK, to the INIT's source; nothing goes to a listed
 * address before a COOKIE ECHO. */
Test(assoc_multi_hostile, an_init_listing_8_addresses_is_answered_once_to_its_source) {
  csctp_prng rng;
  csctp_prng_seed(&rng, 17);
  csctp_config cfg;
  csctp_config_default(&cfg);
  cfg.rand = csctp_prng_rand_fn;
  cfg.rand_user_data = &rng;
  cfg.max_paths = CSCTP_PATHS_MAX;
  csctp_assoc *b;
  cr_assert_eq(csctp_assoc_new(&b, &cfg), 0);
  uint8_t pkt[512], out[1500];
  csctp_wr w;
  csctp_wr_init(&w, pkt, sizeof pkt);
  csctp_packet_write_header(&w, 5000, 5000, 0);
  csctp_init_chunk f = {0};
  f.initiate_tag = 0x01020304;
  f.a_rwnd = 100000;
  f.num_outbound_streams = 4;
  f.num_inbound_streams = 4;
  f.initial_tsn = 7;
  size_t off = csctp_init_write_begin(&w, CSCTP_CHUNK_INIT, &f);
  for (uint8_t i = 0; i < 8; i++)
    csctp_param_write(&w, CSCTP_PARAM_IPV4, (uint8_t[]){198, 51, 100, i}, 4);
  csctp_wr_tlv_end(&w, off);
  cr_assert(!w.overflow);
  csctp_packet_set_crc(pkt, w.len);
  csctp_route from = {.local = CSCTP_LOCAL_ANY};
  hp_addr(0, 0, &from.peer);
  size_t bytes_in = w.len, bytes_out = 0;
  unsigned n_out = 0;
  for (int k = 0; k < 3; k++) { /* the INIT three times (retransmitted): three answers */
    cr_assert_eq(csctp_assoc_read_packet_via(b, &from, pkt, w.len, (csctp_tstamp)k * MS), 0);
    csctp_route to;
    csctp_ssize n;
    while ((n = csctp_assoc_write_packet_via(b, out, sizeof out, (csctp_tstamp)k * MS, &to)) > 0) {
      cr_assert(csctp_assoc_addr_same_ip(b, &to.peer, &from.peer), "a packet to a listed address");
      cr_assert_eq(out[12], CSCTP_CHUNK_INIT_ACK);
      n_out++;
      bytes_out += (size_t)n;
    }
  }
  /* and the timers: nothing (no state kept, nothing probed) */
  csctp_route to;
  csctp_assoc_handle_expiry(b, 60 * CSCTP_SECONDS);
  cr_assert_eq(csctp_assoc_write_packet_via(b, out, sizeof out, 60 * CSCTP_SECONDS, &to), 0);
  cr_assert_eq(n_out, 3, "%u packets for 3 INITs", n_out);
  cr_assert_eq(csctp_assoc_get_state(b), CSCTP_STATE_CLOSED);
  cr_assert_eq(csctp_assoc_path_count(b), 1,
               "the listed addresses became paths before a COOKIE ECHO");
  printf("INIT listing 8 addresses: %zu bytes in, %zu bytes out per INIT (1 packet)\n", bytes_in,
         bytes_out / 3);
  csctp_assoc_del(b);
}
