/* SPDX-License-Identifier: MIT */
/* The association state machine: handshake, collision, restart, shutdown, abort, timers. */
#include "assoc_util.h"

#define T0 ((csctp_tstamp)1000000)

Test(assoc, handshake_four_way_and_events) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
  pkt p[8];
  /* INIT: tag 0, alone, a non-zero initiate tag. */
  cr_assert_eq(side_pull(&x, p, 8, T0), 1);
  cr_assert_eq(pkt_vtag(&p[0]), 0);
  csctp_chunk ch;
  cr_assert(first_chunk(&p[0], &ch));
  cr_assert_eq(ch.type, CSCTP_CHUNK_INIT);
  csctp_init_chunk init;
  cr_assert_eq(csctp_init_decode(&ch, &init), 0);
  cr_assert_neq(init.initiate_tag, 0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_COOKIE_WAIT);
  /* INIT ACK: sent to the INIT's tag, carries a cookie; the listener keeps no state. */
  cr_assert_eq(csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0), 0);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_CLOSED);
  cr_assert_eq(side_pull(&y, p, 8, T0), 1);
  cr_assert_eq(pkt_vtag(&p[0]), init.initiate_tag);
  cr_assert(first_chunk(&p[0], &ch));
  cr_assert_eq(ch.type, CSCTP_CHUNK_INIT_ACK);
  csctp_init_chunk ack;
  cr_assert_eq(csctp_init_decode(&ch, &ack), 0);
  cr_assert_not_null(ack.cookie);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_CLOSED);
  /* COOKIE ECHO, then COOKIE ACK. */
  cr_assert_eq(csctp_assoc_read_packet(x.a, p[0].b, p[0].len, T0), 0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_COOKIE_ECHOED);
  cr_assert_eq(side_pull(&x, p, 8, T0), 1);
  cr_assert_eq(pkt_vtag(&p[0]), ack.initiate_tag);
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_COOKIE_ECHO, NULL));
  cr_assert_eq(csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0), 0);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(side_pull(&y, p, 8, T0), 1);
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_COOKIE_ACK, NULL));
  cr_assert_eq(csctp_assoc_read_packet(x.a, p[0].b, p[0].len, T0), 0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_ESTABLISHED);
  side_drain_events(&x);
  side_drain_events(&y);
  const csctp_event *e = side_find_event(&x, CSCTP_EVENT_CONNECTED);
  cr_assert_not_null(e);
  cr_assert_eq(e->u.connected.outbound_streams, 65535);
  cr_assert_not_null(side_find_event(&y, CSCTP_EVENT_CONNECTED));
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

static void few_streams(csctp_config *c) {
  c->outbound_streams = 10;
  c->max_inbound_streams = 3;
}

Test(assoc, stream_counts_negotiated_as_minimum) {
  side x, y;
  side_new_cfg(&x, 1, few_streams);
  side_new(&y, 2);
  establish(&x, &y, T0);
  const csctp_event *ex = side_find_event(&x, CSCTP_EVENT_CONNECTED);
  const csctp_event *ey = side_find_event(&y, CSCTP_EVENT_CONNECTED);
  cr_assert_eq(ex->u.connected.outbound_streams, 10);
  cr_assert_eq(ex->u.connected.inbound_streams, 3);
  cr_assert_eq(ey->u.connected.outbound_streams, 3);
  cr_assert_eq(ey->u.connected.inbound_streams, 10);
  uint8_t m = 1;
  csctp_send_opts o = {.stream = 10};
  cr_assert_eq(csctp_assoc_send(x.a, &o, &m, 1, T0), CSCTP_ERR_STREAM_ID);
  o.stream = 3;
  cr_assert_eq(csctp_assoc_send(y.a, &o, &m, 1, T0), CSCTP_ERR_STREAM_ID);
  o.stream = 2;
  cr_assert_eq(csctp_assoc_send(y.a, &o, &m, 1, T0), 0);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(assoc, tampered_cookie_is_discarded) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  csctp_assoc_connect(x.a, T0);
  pkt p[4];
  side_pull(&x, p, 4, T0);
  csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0);
  side_pull(&y, p, 4, T0);
  csctp_assoc_read_packet(x.a, p[0].b, p[0].len, T0);
  cr_assert_eq(side_pull(&x, p, 4, T0), 1);
  csctp_chunk ch;
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_COOKIE_ECHO, &ch));
  size_t off = (size_t)(ch.value - p[0].b);
  p[0].b[off + 20] ^= 0x40; /* flip a bit inside the signed body */
  csctp_packet_set_crc(p[0].b, p[0].len);
  csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_CLOSED);
  cr_assert_eq(side_pull(&y, p, 4, T0), 0, "no answer to a forged cookie");
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(assoc, stale_cookie_gets_error_and_retry_succeeds) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  csctp_assoc_connect(x.a, T0);
  pkt p[4];
  side_pull(&x, p, 4, T0);
  csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0);
  side_pull(&y, p, 4, T0);
  csctp_assoc_read_packet(x.a, p[0].b, p[0].len, T0);
  side_pull(&x, p, 4, T0);
  /* The COOKIE ECHO arrives after valid_cookie_life (60 s) has passed. */
  csctp_tstamp late = T0 + 61 * CSCTP_SECONDS;
  csctp_assoc_read_packet(y.a, p[0].b, p[0].len, late);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_CLOSED);
  cr_assert_eq(side_pull(&y, p, 4, late), 1);
  csctp_chunk ch;
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_ERROR, &ch));
  cr_assert_eq(csctp_cause_first(&ch), CSCTP_CAUSE_STALE_COOKIE);
  /* Staleness in microseconds: about 1 s late. */
  uint32_t staleness = csctp_get_u32(ch.value + 4);
  cr_assert(staleness >= 900000 && staleness <= 1100000, "staleness %u", staleness);
  csctp_assoc_read_packet(x.a, p[0].b, p[0].len, late);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_COOKIE_WAIT);
  exchange(&x, &y, late);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_ESTABLISHED);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(assoc, init_collision_both_connect_at_once) {
  for (uint64_t seed = 1; seed <= 20; seed++) {
    side x, y;
    side_new(&x, seed * 2);
    side_new(&y, seed * 2 + 1);
    cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
    cr_assert_eq(csctp_assoc_connect(y.a, T0), 0);
    exchange(&x, &y, T0);
    cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_ESTABLISHED, "seed %d", (int)seed);
    cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_ESTABLISHED);
    cr_assert_eq(x.a->local_tag, y.a->peer_tag);
    cr_assert_eq(y.a->local_tag, x.a->peer_tag);
    /* data flows both ways afterwards */
    uint8_t m[3] = {1, 2, 3};
    csctp_send_opts o = {.stream = 1, .ppid = 51};
    cr_assert_eq(csctp_assoc_send(x.a, &o, m, 3, T0), 0);
    cr_assert_eq(csctp_assoc_send(y.a, &o, m, 3, T0), 0);
    exchange(&x, &y, T0);
    cr_assert(side_has_event(&x, CSCTP_EVENT_MESSAGE));
    cr_assert(side_has_event(&y, CSCTP_EVENT_MESSAGE));
    int connected = 0;
    for (int i = 0; i < x.nev; i++) connected += x.evs[i].type == CSCTP_EVENT_CONNECTED;
    cr_assert_eq(connected, 1, "exactly one CONNECTED event");
    csctp_assoc_del(x.a);
    csctp_assoc_del(y.a);
  }
}

Test(assoc, crossed_init_then_lost_packets_still_converge) {
  /* x's INIT is lost; y's INIT reaches x, which answers from COOKIE-WAIT. */
  side x, y;
  side_new(&x, 7);
  side_new(&y, 8);
  csctp_assoc_connect(x.a, T0);
  csctp_assoc_connect(y.a, T0);
  pkt p[8];
  side_pull(&x, p, 8, T0); /* dropped */
  int n = side_pull(&y, p, 8, T0);
  for (int i = 0; i < n; i++) csctp_assoc_read_packet(x.a, p[i].b, p[i].len, T0);
  exchange(&x, &y, T0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_ESTABLISHED);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(assoc, peer_restart_detected) {
  side x, y, x2;
  side_new(&x, 11);
  side_new(&y, 12);
  establish(&x, &y, T0);
  /* some data in flight from y, to be forgotten */
  uint8_t m[100] = {0};
  csctp_send_opts o = {.stream = 0};
  csctp_assoc_send(y.a, &o, m, sizeof(m), T0);
  y.nev = 0;
  /* x crashes and comes back with the same ports: a new INIT to y. */
  side_new(&x2, 13);
  establish(&x2, &y, T0 + CSCTP_SECONDS);
  cr_assert(side_has_event(&y, CSCTP_EVENT_RESTARTED), "y reports the restart");
  cr_assert_not(side_has_event(&y, CSCTP_EVENT_CLOSED));
  cr_assert_eq(y.a->peer_tag, x2.a->local_tag);
  cr_assert_eq(y.a->local_tag, x2.a->peer_tag);
  cr_assert_neq(y.a->local_tag, x.a->local_tag, "a new tag after restart");
  /* the restarted association carries data both ways */
  x2.nev = y.nev = 0;
  cr_assert_eq(csctp_assoc_send(x2.a, &o, m, 10, T0 + CSCTP_SECONDS), 0);
  cr_assert_eq(csctp_assoc_send(y.a, &o, m, 20, T0 + CSCTP_SECONDS), 0);
  exchange(&x2, &y, T0 + CSCTP_SECONDS);
  const csctp_event *e = side_find_event(&y, CSCTP_EVENT_MESSAGE);
  cr_assert_not_null(e);
  cr_assert_eq(e->u.message.len, 10);
  e = side_find_event(&x2, CSCTP_EVENT_MESSAGE);
  cr_assert_not_null(e);
  cr_assert_eq(e->u.message.len, 20, "the pre-restart 100-byte message is not delivered");
  /* the old incarnation's packets are now refused by tag */
  csctp_stats before, after;
  csctp_assoc_get_stats(y.a, &before);
  csctp_assoc_send(x.a, &o, m, 10, T0 + CSCTP_SECONDS);
  pkt p[8];
  int n = side_pull(&x, p, 8, T0 + CSCTP_SECONDS);
  for (int i = 0; i < n; i++) csctp_assoc_read_packet(y.a, p[i].b, p[i].len, T0 + CSCTP_SECONDS);
  csctp_assoc_get_stats(y.a, &after);
  cr_assert_eq(after.drop_bad_vtag, before.drop_bad_vtag + (uint64_t)n);
  csctp_assoc_del(x.a);
  csctp_assoc_del(x2.a);
  csctp_assoc_del(y.a);
}

Test(assoc, init_in_established_gets_new_tag_and_does_not_disturb) {
  side x, y;
  side_new(&x, 21);
  side_new(&y, 22);
  establish(&x, &y, T0);
  uint32_t tag = y.a->local_tag;
  /* replay x's INIT: y answers with an INIT ACK carrying a different tag */
  side z;
  side_new(&z, 23);
  csctp_assoc_connect(z.a, T0);
  pkt p[4];
  side_pull(&z, p, 4, T0);
  csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0);
  cr_assert_eq(side_pull(&y, p, 4, T0), 1);
  csctp_chunk ch;
  cr_assert(first_chunk(&p[0], &ch));
  cr_assert_eq(ch.type, CSCTP_CHUNK_INIT_ACK);
  csctp_init_chunk ack;
  csctp_init_decode(&ch, &ack);
  cr_assert_neq(ack.initiate_tag, tag);
  cr_assert_eq(y.a->local_tag, tag, "state unchanged until a COOKIE ECHO");
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_ESTABLISHED);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
  csctp_assoc_del(z.a);
}

Test(assoc, max_init_retransmits_then_init_failed) {
  side x;
  side_new(&x, 31); /* max_init_retransmits = 4, rto_initial 300 ms */
  csctp_assoc_connect(x.a, T0);
  pkt p[4];
  int inits = 0;
  csctp_tstamp now = T0;
  for (int i = 0; i < 50 && csctp_assoc_get_state(x.a) != CSCTP_STATE_CLOSED; i++) {
    inits += side_pull(&x, p, 4, now);
    csctp_tstamp e = csctp_assoc_expiry(x.a);
    cr_assert_neq(e, CSCTP_TSTAMP_NONE);
    cr_assert(e > now);
    now = e;
    csctp_assoc_handle_expiry(x.a, now);
  }
  cr_assert_eq(inits, 5, "one INIT and 4 retransmissions");
  /* back-off: 0.3 + 0.6 + 1.2 + 2 + 2 (capped at rto_max) = 6.1 s */
  cr_assert_eq(now - T0, 6100 * CSCTP_MILLISECONDS);
  side_drain_events(&x);
  const csctp_event *e = side_find_event(&x, CSCTP_EVENT_CLOSED);
  cr_assert_not_null(e);
  cr_assert_eq(e->u.closed.reason, CSCTP_CLOSE_INIT_FAILED);
  csctp_assoc_del(x.a);
}

Test(assoc, shutdown_from_initiator) {
  side x, y;
  side_new(&x, 41);
  side_new(&y, 42);
  establish(&x, &y, T0);
  uint8_t m[3000];
  memset(m, 7, sizeof(m));
  csctp_send_opts o = {.stream = 2, .ppid = 53};
  cr_assert_eq(csctp_assoc_send(x.a, &o, m, sizeof(m), T0), 0);
  cr_assert_eq(csctp_assoc_shutdown(x.a, T0), 0);
  cr_assert_eq(csctp_assoc_send(x.a, &o, m, 1, T0), CSCTP_ERR_CLOSED);
  for (int i = 0; i < 10; i++) exchange(&x, &y, T0 + i * 50 * CSCTP_MILLISECONDS);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_CLOSED);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_CLOSED);
  const csctp_event *e = side_find_event(&y, CSCTP_EVENT_MESSAGE);
  cr_assert_not_null(e, "queued data delivered before the shutdown completes");
  cr_assert_eq(e->u.message.len, 3000);
  cr_assert(side_has_event(&y, CSCTP_EVENT_SHUTDOWN));
  e = side_find_event(&x, CSCTP_EVENT_CLOSED);
  cr_assert_eq(e->u.closed.reason, CSCTP_CLOSE_SHUTDOWN);
  e = side_find_event(&y, CSCTP_EVENT_CLOSED);
  cr_assert_eq(e->u.closed.reason, CSCTP_CLOSE_SHUTDOWN);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(assoc, shutdown_from_both_sides_at_once) {
  side x, y;
  side_new(&x, 43);
  side_new(&y, 44);
  establish(&x, &y, T0);
  csctp_assoc_shutdown(x.a, T0);
  csctp_assoc_shutdown(y.a, T0);
  for (int i = 0; i < 10; i++) exchange(&x, &y, T0 + i * 50 * CSCTP_MILLISECONDS);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_CLOSED);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_CLOSED);
  cr_assert_eq(side_find_event(&x, CSCTP_EVENT_CLOSED)->u.closed.reason, CSCTP_CLOSE_SHUTDOWN);
  cr_assert_eq(side_find_event(&y, CSCTP_EVENT_CLOSED)->u.closed.reason, CSCTP_CLOSE_SHUTDOWN);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(assoc, shutdown_complete_lost_is_recovered) {
  side x, y;
  side_new(&x, 45);
  side_new(&y, 46);
  establish(&x, &y, T0);
  csctp_assoc_shutdown(x.a, T0);
  pkt p[4];
  /* SHUTDOWN -> y; SHUTDOWN ACK -> x; x's SHUTDOWN COMPLETE is lost. */
  int n = side_pull(&x, p, 4, T0);
  for (int i = 0; i < n; i++) csctp_assoc_read_packet(y.a, p[i].b, p[i].len, T0);
  n = side_pull(&y, p, 4, T0);
  for (int i = 0; i < n; i++) csctp_assoc_read_packet(x.a, p[i].b, p[i].len, T0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_CLOSED);
  side_pull(&x, p, 4, T0);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_SHUTDOWN_ACK_SENT);
  /* y's T2 fires, it resends SHUTDOWN ACK; x (no TCB) answers SHUTDOWN COMPLETE with T bit. */
  csctp_tstamp t = csctp_assoc_expiry(y.a);
  csctp_assoc_handle_expiry(y.a, t);
  n = side_pull(&y, p, 4, t);
  cr_assert_eq(n, 1);
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_SHUTDOWN_ACK, NULL));
  csctp_assoc_read_packet(x.a, p[0].b, p[0].len, t);
  n = side_pull(&x, p, 4, t);
  cr_assert_eq(n, 1);
  csctp_chunk ch;
  cr_assert(first_chunk(&p[0], &ch));
  cr_assert_eq(ch.type, CSCTP_CHUNK_SHUTDOWN_COMPLETE);
  cr_assert_eq(ch.flags & CSCTP_FLAG_T, CSCTP_FLAG_T);
  csctp_assoc_read_packet(y.a, p[0].b, p[0].len, t);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_CLOSED);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(assoc, abort_from_user_reaches_peer) {
  side x, y;
  side_new(&x, 51);
  side_new(&y, 52);
  establish(&x, &y, T0);
  cr_assert_eq(csctp_assoc_abort(x.a, "bye", T0), 0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_CLOSED);
  exchange(&x, &y, T0);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_CLOSED);
  const csctp_event *e = side_find_event(&y, CSCTP_EVENT_CLOSED);
  cr_assert_eq(e->u.closed.reason, CSCTP_CLOSE_PEER_ABORT);
  cr_assert_eq(e->u.closed.cause, CSCTP_CAUSE_USER_ABORT);
  e = side_find_event(&x, CSCTP_EVENT_CLOSED);
  cr_assert_eq(e->u.closed.reason, CSCTP_CLOSE_LOCAL_ABORT);
  cr_assert_eq(csctp_assoc_abort(x.a, NULL, T0), CSCTP_ERR_INVALID_STATE);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(assoc, peer_vanishes_then_timeout) {
  side x, y;
  side_new(&x, 61);
  side_new(&y, 62);
  establish(&x, &y, T0);
  uint8_t m[500] = {0};
  csctp_send_opts o = {0};
  csctp_assoc_send(x.a, &o, m, sizeof(m), T0);
  csctp_tstamp now = T0;
  pkt p[16];
  for (int i = 0; i < 100 && csctp_assoc_get_state(x.a) != CSCTP_STATE_CLOSED; i++) {
    side_pull(&x, p, 16, now); /* everything is lost */
    now = csctp_assoc_expiry(x.a);
    cr_assert_neq(now, CSCTP_TSTAMP_NONE);
    csctp_assoc_handle_expiry(x.a, now);
  }
  side_drain_events(&x);
  const csctp_event *e = side_find_event(&x, CSCTP_EVENT_CLOSED);
  cr_assert_not_null(e);
  cr_assert_eq(e->u.closed.reason, CSCTP_CLOSE_TIMEOUT);
  csctp_stats st;
  csctp_assoc_get_stats(x.a, &st);
  cr_assert_eq(st.t3_expiries, 5, "association_max_retrans (4) + 1 expiries");
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

static void short_hb(csctp_config *c) { c->hb_interval = 1000; }

Test(assoc, heartbeat_on_idle_path_measures_rtt) {
  side x, y;
  side_new_cfg(&x, 71, short_hb);
  side_new(&y, 72);
  establish(&x, &y, T0);
  csctp_tstamp now = csctp_assoc_expiry(x.a);
  cr_assert(now > T0 + CSCTP_SECONDS && now < T0 + 2 * CSCTP_SECONDS, "HB after interval + RTO");
  csctp_assoc_handle_expiry(x.a, now);
  pkt p[4];
  cr_assert_eq(side_pull(&x, p, 4, now), 1);
  csctp_chunk ch;
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_HEARTBEAT, &ch));
  /* 40 ms later the peer receives it and the ack comes back 40 ms after that */
  csctp_assoc_read_packet(y.a, p[0].b, p[0].len, now + 40 * CSCTP_MILLISECONDS);
  cr_assert_eq(side_pull(&y, p, 4, now + 40 * CSCTP_MILLISECONDS), 1);
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_HEARTBEAT_ACK, NULL));
  csctp_assoc_read_packet(x.a, p[0].b, p[0].len, now + 80 * CSCTP_MILLISECONDS);
  csctp_stats st;
  csctp_assoc_get_stats(x.a, &st);
  cr_assert_eq(st.srtt_ms, 80);
  cr_assert_eq(st.heartbeats_out, 1);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(assoc, misuse_returns_errors_and_changes_nothing) {
  side x, y;
  side_new(&x, 81);
  side_new(&y, 82);
  uint8_t m[10] = {0};
  csctp_send_opts o = {.stream = 0};
  cr_assert_eq(csctp_assoc_send(x.a, &o, m, 0, T0), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_assoc_send(x.a, NULL, m, 1, T0), CSCTP_ERR_INVALID_ARGUMENT);
  uint8_t *big = calloc(1, 256 * 1024 + 1);
  cr_assert_eq(csctp_assoc_send(x.a, &o, big, 256 * 1024 + 1, T0), CSCTP_ERR_MSG_TOO_LARGE);
  free(big);
  cr_assert_eq(csctp_assoc_buffered_amount(x.a), 0);
  cr_assert_eq(csctp_assoc_shutdown(x.a, T0), CSCTP_ERR_INVALID_STATE);
  uint8_t small[100];
  cr_assert_eq(csctp_assoc_write_packet(x.a, small, sizeof(small), T0), CSCTP_ERR_NOBUF);
  establish(&x, &y, T0);
  cr_assert_eq(csctp_assoc_connect(x.a, T0), CSCTP_ERR_INVALID_STATE);
  csctp_config bad;
  csctp_config_default(&bad);
  csctp_assoc *z = NULL;
  cr_assert_eq(csctp_assoc_new(&z, &bad), CSCTP_ERR_INVALID_ARGUMENT, "rand is required");
  cr_assert_str_eq(csctp_strerror(CSCTP_ERR_STREAM_ID),
                   "stream identifier out of the negotiated range");
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(assoc, data_both_ways_ordered_and_unordered) {
  side x, y;
  side_new(&x, 91);
  side_new(&y, 92);
  establish(&x, &y, T0);
  uint8_t m[5000];
  for (size_t i = 0; i < sizeof(m); i++) m[i] = (uint8_t)(i * 7);
  csctp_send_opts o = {.stream = 3, .ppid = 53};
  cr_assert_eq(csctp_assoc_send(x.a, &o, m, sizeof(m), T0), 0);
  o.unordered = 1;
  o.ppid = 51;
  cr_assert_eq(csctp_assoc_send(x.a, &o, m, 100, T0), 0);
  for (int i = 0; i < 5; i++) exchange(&x, &y, T0 + i * 250 * CSCTP_MILLISECONDS);
  int got = 0;
  for (int i = 0; i < y.nev; i++) {
    const csctp_event *e = &y.evs[i];
    if (e->type != CSCTP_EVENT_MESSAGE) continue;
    got++;
    cr_assert_eq(e->u.message.stream, 3);
    if (e->u.message.len == 5000) {
      cr_assert_eq(e->u.message.ppid, 53);
      cr_assert_not(e->u.message.unordered);
      cr_assert_eq(memcmp(e->u.message.data, m, 2048), 0);
    } else {
      cr_assert_eq(e->u.message.len, 100);
      cr_assert_eq(e->u.message.ppid, 51);
      cr_assert(e->u.message.unordered);
    }
  }
  cr_assert_eq(got, 2);
  cr_assert_eq(csctp_assoc_buffered_amount(x.a), 0, "everything acknowledged");
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

static void rwnd_below_max_message(csctp_config *c) {
  c->rwnd = 100000;
  c->max_message_size = 256 * 1024;
}

Test(assoc, config_refuses_window_smaller_than_largest_message) {
  side x;
  memset(&x, 0, sizeof(x));
  csctp_config cfg = test_config(&x, 1);
  rwnd_below_max_message(&cfg);
  csctp_assoc *a = NULL;
  cr_assert_eq(csctp_assoc_new(&a, &cfg), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_null(a);
  cfg.max_message_size = 100000;
  cr_assert_eq(csctp_assoc_new(&a, &cfg), 0);
  csctp_assoc_del(a);
}

Test(assoc, small_messages_at_the_slab_boundary_are_stored_intact) {
  /* Messages up to 2 KiB live in slabs of at least 2 KiB; one of 2 KiB with its
   * header is larger than the smallest slab (a heap overflow, found by fuzz_assoc). */
  side x, y;
  side_new(&x, 95);
  side_new(&y, 96);
  establish(&x, &y, T0);
  static const size_t sizes[] = {2048, 1, 2047, 2048, 2000, 2048, 4096, 2048};
  uint8_t m[4096];
  csctp_tstamp now = T0;
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    memset(m, (int)(0x11 * (i + 1)), sizeof(m));
    csctp_send_opts o = {.stream = (uint16_t)i};
    cr_assert_eq(csctp_assoc_send(x.a, &o, m, sizes[i], now), 0);
    y.nev = 0;
    for (int r = 0; r < 4; r++) exchange(&x, &y, now += 250 * CSCTP_MILLISECONDS);
    const csctp_event *e = side_find_event(&y, CSCTP_EVENT_MESSAGE);
    cr_assert_not_null(e, "message %zu", i);
    cr_assert_eq(e->u.message.len, sizes[i]);
    size_t check = sizes[i] < 2048 ? sizes[i] : 2048;
    for (size_t k = 0; k < check; k++)
      cr_assert_eq(e->u.message.data[k], (uint8_t)(0x11 * (i + 1)));
    cr_assert_eq(csctp_assoc_buffered_amount(x.a), 0, "the slab is empty again");
  }
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

static void remote_port_zero(csctp_config *c) { c->remote_port = 0; }

/* RFC 9260 §3.1: port 0 is never used. A bare association configured with remote port 0
 * answered an INIT from source port 0 with an INIT ACK (issue 11, finding 5). */
Test(assoc, init_from_port_zero_is_dropped) {
  side s;
  side_new_cfg(&s, 5, remote_port_zero);
  uint8_t p[32] = {0};
  csctp_put_u16(p, 0);
  csctp_put_u16(p + 2, s.a->cfg.local_port);
  p[12] = CSCTP_CHUNK_INIT;
  csctp_put_u16(p + 14, 20);
  csctp_put_u32(p + 16, 0x1234);
  csctp_put_u32(p + 20, 65536);
  csctp_put_u16(p + 24, 10);
  csctp_put_u16(p + 26, 10);
  csctp_put_u32(p + 28, 5);
  csctp_packet_set_crc(p, sizeof(p));
  cr_assert_eq(csctp_assoc_read_packet(s.a, p, sizeof(p), 1000), 0);
  pkt out[4];
  cr_assert_eq(side_pull(&s, out, 4, 1000), 0, "an INIT from port 0 was answered");
  cr_assert_eq(s.a->stats.drop_bad_port, 1);
  csctp_assoc_del(s.a);
}

Test(assoc, init_ack_unrecognized_parameters_are_all_reported) {
  /* §3.2.1: each unrecognized parameter of the INIT ACK that asks for a report goes in the
   * ERROR bundled with the COOKIE ECHO, as many as fit (before: at most 8). */
  side x, y;
  side_new(&x, 61);
  side_new(&y, 62);
  cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
  pkt p[4];
  cr_assert_eq(side_pull(&x, p, 4, T0), 1);
  csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0);
  cr_assert_eq(side_pull(&y, p, 4, T0), 1);
  /* Ten parameters 0xC101..0xC10A (skip and report) appended to the INIT ACK chunk. */
  pkt q = p[0];
  cr_assert_eq(q.b[12], CSCTP_CHUNK_INIT_ACK);
  size_t clen = csctp_get_u16(q.b + 14);
  cr_assert_eq(12 + clen, q.len, "one chunk, no padding");
  for (int i = 0; i < 10; i++) {
    uint8_t *t = q.b + q.len;
    csctp_put_u16(t, (uint16_t)(0xc101 + i));
    csctp_put_u16(t + 2, 8);
    csctp_put_u32(t + 4, 0x5a5a0000u + (uint32_t)i);
    q.len += 8;
  }
  csctp_put_u16(q.b + 14, (uint16_t)(clen + 80));
  csctp_packet_set_crc(q.b, q.len);
  csctp_assoc_read_packet(x.a, q.b, q.len, T0);
  cr_assert_eq(side_pull(&x, p, 4, T0), 1);
  csctp_chunk ch;
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_COOKIE_ECHO, NULL));
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_ERROR, &ch), "an ERROR with the COOKIE ECHO");
  cr_assert_geq(ch.value_len, 4);
  cr_assert_eq(csctp_get_u16(ch.value), CSCTP_CAUSE_UNRECOGNIZED_PARAMS);
  size_t cause_len = csctp_get_u16(ch.value + 2), n = 0;
  for (size_t off = 4; off + 4 <= cause_len; n++) {
    cr_assert_eq(csctp_get_u16(ch.value + off), 0xc101 + n);
    off += (csctp_get_u16(ch.value + off + 2) + 3u) & ~3u;
  }
  cr_assert_eq(n, 10, "%zu of the 10 reported", n);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(assoc, shutdown_acking_a_tsn_never_sent_still_closes_gracefully) {
  /* pion/sctp 1.8 puts its own TSNs in a SHUTDOWN's cumulative ack (about half of its
   * graceful closes): the ack is ignored and counted, the close goes on, no ABORT. */
  side x, y;
  side_new(&x, 71);
  side_new(&y, 72);
  establish(&x, &y, T0);
  uint8_t c[8] = {CSCTP_CHUNK_SHUTDOWN, 0, 0, 8};
  csctp_put_u32(c + 4, x.a->tx.next_tsn + 1000);
  pkt q;
  build_pkt(&q, y.a->peer_tag, c, sizeof c);
  csctp_stats st0, st;
  csctp_assoc_get_stats(x.a, &st0);
  cr_assert_eq(csctp_assoc_read_packet(x.a, q.b, q.len, T0), 0);
  pkt p[4];
  int n = side_pull(&x, p, 4, T0);
  cr_assert_geq(n, 1);
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_SHUTDOWN_ACK, NULL), "SHUTDOWN ACK, not ABORT");
  cr_assert_not(find_chunk(&p[0], CSCTP_CHUNK_ABORT, NULL));
  csctp_assoc_get_stats(x.a, &st);
  cr_assert_eq(st.drop_malformed, st0.drop_malformed + 1, "the bad ack is counted");
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_SHUTDOWN_ACK_SENT);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}
