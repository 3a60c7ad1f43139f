/* SPDX-License-Identifier: MIT */
/*
 * src/assoc_icmp.c: ICMP Destination Unreachable about a packet the
 * association sent (RFC 9260 Appendix C; over UDP, RFC 6951 §5.5). The quoted
 * packet must provably be ours before anything happens (ICMP6): our ports and
 * the peer's Verification Tag, or tag 0 with our INIT and its Initiate Tag.
 * Protocol (and, over UDP, port) unreachable then acts as an ABORT with the T
 * bit (ICMP8): closed at once, nothing sent. tests/transport/test_liveness.c
 * drives the same through the lower layer.
 */
#include "assoc_util.h"

#define T0 ((csctp_tstamp)1000000)

static csctp_stats stats(const side *s) {
  csctp_stats st;
  cr_assert_eq(csctp_assoc_get_stats(s->a, &st), 0);
  return st;
}

static int closed_unreachable(side *s) {
  side_drain_events(s);
  const csctp_event *ev = side_find_event(s, CSCTP_EVENT_CLOSED);
  return ev && ev->u.closed.reason == CSCTP_CLOSE_UNREACHABLE;
}

Test(assoc_icmp, only_a_quote_of_our_own_packet_closes) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  establish(&x, &y, T0);
  static const uint8_t msg[100];
  csctp_send_opts so = {0};
  cr_assert_eq(csctp_assoc_send(x.a, &so, msg, sizeof(msg), T0), 0);
  cr_assert_eq(csctp_assoc_send(y.a, &so, msg, sizeof(msg), T0), 0);
  pkt ours[4], theirs[4];
  cr_assert_eq(side_pull(&x, ours, 4, T0), 1);
  cr_assert_eq(side_pull(&y, theirs, 4, T0), 1);
  const uint8_t *q = ours[0].b;
  uint8_t bad[PKT_MAX];

  /* A packet the peer sent us (our own tag, ports reversed): not ours to be told about. */
  cr_assert_eq(
      csctp_assoc_on_unreachable(x.a, CSCTP_UNREACH_PROTOCOL, theirs[0].b, theirs[0].len, T0), 0);
  /* Our packet with a guessed tag, or with tag 0 and no INIT: an off-path forgery. */
  memcpy(bad, q, ours[0].len);
  bad[4] ^= 0x80;
  cr_assert_eq(csctp_assoc_on_unreachable(x.a, CSCTP_UNREACH_PROTOCOL, bad, ours[0].len, T0), 0);
  memset(bad + 4, 0, 4);
  cr_assert_eq(csctp_assoc_on_unreachable(x.a, CSCTP_UNREACH_PROTOCOL, bad, ours[0].len, T0), 0);
  /* Another source port: another association's packet. */
  memcpy(bad, q, ours[0].len);
  bad[1] ^= 1;
  cr_assert_eq(csctp_assoc_on_unreachable(x.a, CSCTP_UNREACH_PROTOCOL, bad, ours[0].len, T0), 0);
  /* Too short to hold the tag. */
  cr_assert_eq(csctp_assoc_on_unreachable(x.a, CSCTP_UNREACH_PROTOCOL, q, 11, T0), 0);
  cr_assert_eq(csctp_assoc_on_unreachable(x.a, CSCTP_UNREACH_PROTOCOL, NULL, 0, T0), 0);
  /* Host or network unreachable may be transient: left to the timers. */
  cr_assert_eq(csctp_assoc_on_unreachable(x.a, CSCTP_UNREACH_OTHER, q, ours[0].len, T0), 0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_ESTABLISHED);
  csctp_stats st = stats(&x);
  cr_assert_eq(st.icmp_in, 7);
  cr_assert_eq(st.icmp_ignored, 7);
  cr_assert(!closed_unreachable(&x));

  /* The common header of our own packet is enough (ICMP may quote little). */
  cr_assert_eq(csctp_assoc_on_unreachable(x.a, CSCTP_UNREACH_PROTOCOL, q, 12, T0), 1);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_CLOSED);
  cr_assert(closed_unreachable(&x));
  pkt none[4];
  cr_assert_eq(side_pull(&x, none, 4, T0), 0, "an ABORT sent to nobody");
  cr_assert_eq(csctp_assoc_expiry(x.a), CSCTP_TSTAMP_NONE);
  /* Closed: nothing more to tell, nothing counted. */
  cr_assert_eq(csctp_assoc_on_unreachable(x.a, CSCTP_UNREACH_PROTOCOL, q, 12, T0), 0);
  cr_assert_eq(stats(&x).icmp_in, 8);
  cr_assert_eq(csctp_assoc_on_unreachable(NULL, CSCTP_UNREACH_PORT, q, 12, T0),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_assoc_on_unreachable(x.a, CSCTP_UNREACH_PORT, NULL, 12, T0),
               CSCTP_ERR_INVALID_ARGUMENT);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

/* COOKIE-WAIT: our INIT (tag 0) is ours when its Initiate Tag is quoted and is our tag. */
Test(assoc_icmp, port_unreachable_for_our_init_over_udp) {
  side x;
  side_new(&x, 3);
  cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
  pkt init[2];
  cr_assert_eq(side_pull(&x, init, 2, T0), 1);
  cr_assert_eq(pkt_vtag(&init[0]), 0);
  cr_assert_eq(init[0].b[12], CSCTP_CHUNK_INIT);
  /* 19 bytes cannot show the whole Initiate Tag. */
  cr_assert_eq(csctp_assoc_on_unreachable(x.a, CSCTP_UNREACH_PORT, init[0].b, 19, T0), 0);
  /* Somebody else's INIT from our ports. */
  uint8_t other[PKT_MAX];
  memcpy(other, init[0].b, init[0].len);
  other[19] ^= 1;
  cr_assert_eq(csctp_assoc_on_unreachable(x.a, CSCTP_UNREACH_PORT, other, init[0].len, T0), 0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_COOKIE_WAIT);
  cr_assert_eq(csctp_assoc_on_unreachable(x.a, CSCTP_UNREACH_PORT, init[0].b, 20, T0), 1);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_CLOSED);
  cr_assert(closed_unreachable(&x));
  cr_assert_eq(side_pull(&x, init, 2, T0), 0, "an ABORT sent to nobody");
  cr_assert_eq(csctp_assoc_expiry(x.a), CSCTP_TSTAMP_NONE, "no INIT retransmission");
  csctp_assoc_del(x.a);
}
