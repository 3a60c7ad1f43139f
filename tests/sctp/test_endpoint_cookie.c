/* SPDX-License-Identifier: MIT */
/*
 * Attacks on the endpoint's state cookies (issue 11, finding 3), through the
 * real code path (ep_attack_util.h: a server endpoint over UDP-style
 * addresses, client engines in memory, a virtual clock):
 *
 * - the INIT ACK that answers an INIT from another UDP port of a live peer
 *   (a restart, RFC 9260 §5.2.2) carries neither live verification tag: its
 *   Tie-Tags are random nonces kept in the association;
 * - a cookie is bound to the peer's address, is refused when made "in the
 *   future", and the secret that signs cookies rotates every cookie lifetime
 *   (the previous one verifies for one more lifetime, no longer).
 */
#include "ep_attack_util.h"

TestSuite(endpoint_cookie, .init = setup, .fini = teardown);

static int has_u32(const uint8_t *p, size_t len, uint32_t v) {
  uint8_t b[4];
  csctp_put_u32(b, v);
  for (size_t i = 0; i + 4 <= len; i++)
    if (!memcmp(p + i, b, 4)) return 1;
  return 0;
}

/* Client c's INIT reaches the server (at now_t); the server's INIT ACK reaches c, whose
 * COOKIE ECHO packet is returned in out (not delivered). */
static size_t cookie_echo_of(client *c, uint8_t *out) {
  cr_assert_eq(csctp_assoc_connect(c->a, now_t), 0);
  uint8_t b[PKT_MAX];
  csctp_ssize n = csctp_assoc_write_packet(c->a, b, sizeof(b), now_t);
  cr_assert_gt(n, 0);
  cr_assert_eq(b[12], CSCTP_CHUNK_INIT);
  cr_assert_eq(csctp_endpoint_read_packet(ep, &c->addr, b, (size_t)n, now_t, NULL), 0);
  cr_assert_eq(server_out(), 1, "no INIT ACK");
  n = csctp_assoc_write_packet(c->a, out, PKT_MAX, now_t);
  cr_assert_gt(n, 0);
  cr_assert_eq(out[12], CSCTP_CHUNK_COOKIE_ECHO);
  return (size_t)n;
}

/* An INIT from another UDP port of the peer's IP (behind a carrier NAT, anyone's) with
 * the peer's SCTP port: the INIT ACK went there with the live tags in its cookie as
 * Tie-Tags, enough to inject data into the association. */
Test(endpoint_cookie, init_ack_to_a_restart_carries_no_live_tag) {
  client *c = client_new(2, 1111, 4000);
  csctp_assoc *srv = connect_client(c);
  uint32_t lt = srv->local_tag, pt = srv->peer_tag;
  client *x = client_new(2, 2222, 4000); /* the neighbour behind the same NAT */
  cr_assert_eq(csctp_assoc_connect(x->a, now_t), 0);
  uint8_t b[PKT_MAX];
  csctp_ssize n = csctp_assoc_write_packet(x->a, b, sizeof(b), now_t);
  cr_assert_eq(csctp_endpoint_read_packet(ep, &x->addr, b, (size_t)n, now_t, NULL), 0);
  csctp_addr to;
  n = csctp_endpoint_write_packet(ep, b, sizeof(b), now_t, &to, NULL);
  cr_assert_gt(n, 0);
  cr_assert_eq(b[12], CSCTP_CHUNK_INIT_ACK);
  cr_assert_eq(udp_of(&to), 2222);
  cr_assert_not(has_u32(b, (size_t)n, lt), "our live tag %08x is in the INIT ACK", lt);
  cr_assert_not(has_u32(b, (size_t)n, pt), "the peer's live tag %08x is in the INIT ACK", pt);
  /* The association keeps the nonces the cookie carries (§5.2.4 compares them). */
  cr_assert_neq(srv->tie_local, 0);
  cr_assert(has_u32(b, (size_t)n, srv->tie_local) && has_u32(b, (size_t)n, srv->tie_peer));
  cr_assert_eq(csctp_assoc_get_state(srv), CSCTP_STATE_ESTABLISHED);
}

/* A restart still works with the nonces (the peer comes back on a new UDP port). */
Test(endpoint_cookie, restart_with_nonces) {
  client *c = client_new(2, 1111, 4000);
  csctp_assoc *srv = connect_client(c);
  csctp_assoc_del(c->a); /* the peer process dies without a word */
  c->a = NULL;
  client *c2 = client_new(2, 2222, 4000);
  connect_client(c2);
  cr_assert_eq(srv_restarted, 1);
  cr_assert_eq(csctp_endpoint_count(ep), 1);
  cr_assert_eq(peer_udp(srv), 2222);
  cr_assert_eq(srv->tie_local, 0, "a restart uses its nonces once");
}

/* A COOKIE ECHO captured on the way and replayed from another address creates nothing. */
Test(endpoint_cookie, cookie_replayed_from_another_address) {
  client *c = client_new(2, 1111, 4000);
  uint8_t ce[PKT_MAX];
  size_t n = cookie_echo_of(c, ce);
  csctp_addr evil;
  addr_make(&evil, 66, 1111);
  cr_assert_eq(csctp_endpoint_read_packet(ep, &evil, ce, n, now_t, NULL), 0);
  cr_assert_eq(csctp_endpoint_count(ep), 0, "an association for the replayed cookie");
  cr_assert_eq(server_out(), 0);
  csctp_endpoint_stats st;
  csctp_endpoint_get_stats(ep, &st);
  cr_assert_eq(st.drop_bad_cookie, 1);
  /* The same packet from the address it was made for is good. */
  cr_assert_eq(csctp_endpoint_read_packet(ep, &c->addr, ce, n, now_t, NULL), 0);
  cr_assert_eq(csctp_endpoint_count(ep), 1);
}

/* A cookie whose creation time is after now was not made by us (a clock cannot go back):
 * fed to the endpoint 5 s before the INIT ACK that carried it was made. */
Test(endpoint_cookie, cookie_from_the_future) {
  csctp_tstamp t0 = now_t;
  now_t += 5 * CSCTP_SECONDS;
  client *c = client_new(2, 1111, 4000);
  uint8_t ce[PKT_MAX];
  size_t n = cookie_echo_of(c, ce);
  cr_assert_eq(csctp_endpoint_read_packet(ep, &c->addr, ce, n, t0, NULL), 0);
  cr_assert_eq(csctp_endpoint_count(ep), 0, "a cookie from the future was taken");
  csctp_endpoint_stats st;
  csctp_endpoint_get_stats(ep, &st);
  cr_assert_eq(st.drop_bad_cookie, 1);
  cr_assert_eq(csctp_endpoint_read_packet(ep, &c->addr, ce, n, now_t, NULL), 0);
  cr_assert_eq(csctp_endpoint_count(ep), 1);
}

/* The secret rotates every cookie lifetime (10 s here, counted from the first packet): a
 * cookie signed just before a rotation works after it, within its lifetime; once the
 * previous secret is dropped (one lifetime later) its cookies are silence, not even a
 * Stale Cookie error. */
Test(endpoint_cookie, secret_rotation) {
  server_new(2, 10000);
  csctp_tstamp t0 = now_t;
  uint8_t junk[16] = {0};
  cr_assert_eq(csctp_endpoint_read_packet(ep, &cl[0].addr, junk, sizeof(junk), t0, NULL), 0);
  now_t = t0 + 9900 * CSCTP_MILLISECONDS; /* both cookies signed with the first secret */
  client *c = client_new(2, 1111, 4000);
  client *d = client_new(3, 1111, 4000);
  uint8_t ce_c[PKT_MAX], ce_d[PKT_MAX];
  size_t nc = cookie_echo_of(c, ce_c);
  size_t nd = cookie_echo_of(d, ce_d);
  now_t = t0 + 10500 * CSCTP_MILLISECONDS; /* rotated at this packet */
  cr_assert_eq(csctp_endpoint_read_packet(ep, &c->addr, ce_c, nc, now_t, NULL), 0);
  cr_assert_eq(csctp_endpoint_count(ep), 1, "the previous secret no longer verifies");
  server_out();
  now_t = t0 + 20600 * CSCTP_MILLISECONDS; /* the previous secret is gone */
  stray = 0;
  cr_assert_eq(csctp_endpoint_read_packet(ep, &d->addr, ce_d, nd, now_t, NULL), 0);
  uint8_t b[PKT_MAX];
  csctp_addr to;
  csctp_ssize n = csctp_endpoint_write_packet(ep, b, sizeof(b), now_t, &to, NULL);
  cr_assert_eq(n, 0, "answered (chunk %u): the old secret still verifies", n > 12 ? b[12] : 0);
  cr_assert_eq(csctp_endpoint_count(ep), 1);
  csctp_endpoint_stats st;
  csctp_endpoint_get_stats(ep, &st);
  cr_assert_eq(st.drop_bad_cookie, 1);
  /* A fresh handshake under the new secret works. */
  client *f = client_new(4, 1111, 4000);
  connect_client(f);
  cr_assert_eq(csctp_endpoint_count(ep), 2);
}
