/* SPDX-License-Identifier: MIT */
/*
 * RFC 9653 zero checksum on engine pairs (virtual clock): the Zero Checksum
 * Acceptable parameter in INIT / INIT ACK, negotiation through the state
 * cookie (listening association, endpoint), restart and collision, which
 * packets go out with a zero checksum and which keep CRC32c, what is
 * accepted on input, and malformed or mismatched announcements.
 */
#include "assoc_util.h"

#define T0 ((csctp_tstamp)1000000)
#define REC_MAX 512

/* Every packet that crossed the link, with its sender (0: x, 1: y). */
typedef struct rec {
  pkt p[REC_MAX];
  int from[REC_MAX];
  int n;
} rec;

static rec log_;

static void zc_dtls(csctp_config *c) { c->zero_checksum_edmid = CSCTP_EDMID_DTLS; }
static void zc_other(csctp_config *c) { c->zero_checksum_edmid = 2; }

static uint32_t csum_field(const pkt *p) { return csctp_get_u32(p->b + 8); }
static int crc_ok(const pkt *p) { return csctp_packet_check_crc(p->b, p->len); }
static uint8_t first_type(const pkt *p) { return p->b[CSCTP_COMMON_HDR_LEN]; }

static csctp_stats stats_of(const side *s) {
  csctp_stats st;
  csctp_assoc_get_stats(s->a, &st);
  return st;
}

/* Like exchange(), recording every packet into log_. */
static int xfer(side *x, side *y, csctp_tstamp now) {
  int total = 0;
  if (csctp_assoc_expiry(x->a) <= now) csctp_assoc_handle_expiry(x->a, now);
  if (csctp_assoc_expiry(y->a) <= now) csctp_assoc_handle_expiry(y->a, now);
  for (int round = 0; round < 100; round++) {
    pkt p[64];
    int n[2];
    side *s[2] = {x, y};
    for (int k = 0; k < 2; k++) {
      n[k] = side_pull(s[k], p, 64, now);
      for (int i = 0; i < n[k]; i++) {
        cr_assert(log_.n < REC_MAX);
        log_.p[log_.n] = p[i];
        log_.from[log_.n++] = k;
        cr_assert_eq(csctp_assoc_read_packet(s[1 - k]->a, p[i].b, p[i].len, now), 0);
      }
    }
    side_drain_events(x);
    side_drain_events(y);
    total += n[0] + n[1];
    if (n[0] == 0 && n[1] == 0) break;
  }
  return total;
}

/* The Zero Checksum Acceptable parameter of an INIT / INIT ACK packet: -1 when absent, else its
 * EDMID. */
static int64_t announced_edmid(const pkt *p) {
  csctp_chunk ch;
  cr_assert(first_chunk(p, &ch));
  cr_assert(ch.type == CSCTP_CHUNK_INIT || ch.type == CSCTP_CHUNK_INIT_ACK);
  csctp_init_chunk in;
  cr_assert_eq(csctp_init_decode(&ch, &in), 0);
  return in.has_zero_checksum ? (int64_t)in.zero_checksum_edmid : -1;
}

static void send_msgs(side *s, int n, size_t len, csctp_tstamp now) {
  uint8_t m[1000];
  cr_assert(len <= sizeof(m));
  csctp_send_opts o = {.stream = 1, .ppid = 51};
  for (int i = 0; i < n; i++) {
    memset(m, 'a' + i % 26, len);
    cr_assert_eq(csctp_assoc_send(s->a, &o, m, len, now), 0);
  }
}

static int count_events(const side *s, csctp_event_type t) {
  int n = 0;
  for (int i = 0; i < s->nev; i++) n += s->evs[i].type == t;
  return n;
}

/* Connects x to y with everything recorded; both must be ESTABLISHED. */
static void connect_rec(side *x, side *y, csctp_tstamp now) {
  log_.n = 0;
  cr_assert_eq(csctp_assoc_connect(x->a, now), 0);
  xfer(x, y, now);
  cr_assert_eq(csctp_assoc_get_state(x->a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_get_state(y->a), CSCTP_STATE_ESTABLISHED);
}

/* Every recorded packet carries a correct CRC32c. */
static void all_crc(const char *what) {
  for (int i = 0; i < log_.n; i++)
    cr_assert(crc_ok(&log_.p[i]), "%s: packet %d (first chunk %u) has a bad checksum", what, i,
              first_type(&log_.p[i]));
}

/* A DATA packet from `from` to `to`, pulled but not delivered. */
static pkt data_packet(side *from, csctp_tstamp now) {
  send_msgs(from, 1, 300, now);
  pkt p[8];
  cr_assert_eq(side_pull(from, p, 8, now), 1);
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_DATA, NULL));
  return p[0];
}

Test(zero_checksum, off_by_default_nothing_announced) {
  csctp_config c;
  csctp_config_default(&c);
  cr_assert_eq(c.zero_checksum_edmid, CSCTP_EDMID_NONE);
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  connect_rec(&x, &y, T0);
  cr_assert_eq(announced_edmid(&log_.p[0]), -1, "INIT without the parameter");
  cr_assert_eq(announced_edmid(&log_.p[1]), -1, "INIT ACK without the parameter");
  send_msgs(&x, 5, 200, T0);
  send_msgs(&y, 5, 200, T0);
  xfer(&x, &y, T0);
  all_crc("default config");
  cr_assert_eq(stats_of(&x).zero_checksum, 0);
  cr_assert_eq(stats_of(&y).zero_checksum_out, 0);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

/* §5.1 announce, §5.2 which packets may be zero, §5.3 what is accepted. */
Test(zero_checksum, both_on_negotiated_handshake_keeps_crc_data_goes_zero) {
  side x, y;
  side_new_cfg(&x, 3, zc_dtls);
  side_new_cfg(&y, 4, zc_dtls);
  connect_rec(&x, &y, T0);
  cr_assert_eq(log_.n, 4, "INIT, INIT ACK, COOKIE ECHO, COOKIE ACK");
  /* INIT and INIT ACK announce EDMID 1 and carry a correct CRC32c (§5.2 for INIT; the INIT ACK
   * is a stateless answer). */
  cr_assert_eq(first_type(&log_.p[0]), CSCTP_CHUNK_INIT);
  cr_assert_eq(announced_edmid(&log_.p[0]), 1);
  cr_assert(crc_ok(&log_.p[0]));
  cr_assert_eq(first_type(&log_.p[1]), CSCTP_CHUNK_INIT_ACK);
  cr_assert_eq(announced_edmid(&log_.p[1]), 1);
  cr_assert(crc_ok(&log_.p[1]));
  /* COOKIE ECHO: §5.2 MUST carry a correct CRC32c (the peer may hold no state yet). */
  cr_assert_eq(first_type(&log_.p[2]), CSCTP_CHUNK_COOKIE_ECHO);
  cr_assert(crc_ok(&log_.p[2]));
  cr_assert_neq(csum_field(&log_.p[2]), 0);
  /* COOKIE ACK: y is established and x announced, so zero is allowed. */
  cr_assert_eq(first_type(&log_.p[3]), CSCTP_CHUNK_COOKIE_ACK);
  cr_assert_eq(csum_field(&log_.p[3]), 0);
  cr_assert_not(crc_ok(&log_.p[3]), "a zero field is not a CRC that happens to be right");
  csctp_stats sx = stats_of(&x), sy = stats_of(&y);
  cr_assert_eq(sx.zero_checksum, 1);
  cr_assert_eq(sy.zero_checksum, 1);
  cr_assert_eq(sx.zero_checksum_in, 1, "the COOKIE ACK");
  cr_assert_eq(sy.zero_checksum_out, 1);

  /* Data both ways: every DATA / SACK packet carries 0, and everything is delivered. */
  log_.n = 0;
  send_msgs(&x, 20, 900, T0);
  send_msgs(&y, 20, 900, T0);
  for (int i = 0; i < 5; i++) xfer(&x, &y, T0 + (csctp_tstamp)i * 300 * CSCTP_MILLISECONDS);
  cr_assert_eq(count_events(&x, CSCTP_EVENT_MESSAGE), 20);
  cr_assert_eq(count_events(&y, CSCTP_EVENT_MESSAGE), 20);
  cr_assert_gt(log_.n, 20);
  uint64_t zero_to[2] = {0, 0};
  for (int i = 0; i < log_.n; i++) {
    cr_assert_eq(csum_field(&log_.p[i]), 0, "packet %d (first chunk %u) not zero", i,
                 first_type(&log_.p[i]));
    zero_to[1 - log_.from[i]]++;
  }
  csctp_stats sx2 = stats_of(&x), sy2 = stats_of(&y);
  cr_assert_eq(sx2.zero_checksum_in - sx.zero_checksum_in, zero_to[0]);
  cr_assert_eq(sy2.zero_checksum_in - sy.zero_checksum_in, zero_to[1]);
  cr_assert_eq(sx2.zero_checksum_out + sy2.zero_checksum_out,
               sx.zero_checksum_out + sy.zero_checksum_out + (uint64_t)log_.n);
  cr_assert_eq(sx2.drop_bad_crc + sy2.drop_bad_crc, 0);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(zero_checksum, correct_crc_still_accepted_wrong_crc_dropped) {
  side x, y;
  side_new_cfg(&x, 5, zc_dtls);
  side_new_cfg(&y, 6, zc_dtls);
  connect_rec(&x, &y, T0);
  /* §5.3: a correct CRC32c is still accepted, and not counted as a zero one. */
  pkt d = data_packet(&x, T0);
  cr_assert_eq(csum_field(&d), 0);
  csctp_packet_set_crc(d.b, d.len);
  csctp_stats before = stats_of(&y);
  cr_assert_eq(csctp_assoc_read_packet(y.a, d.b, d.len, T0), 0);
  side_drain_events(&y);
  cr_assert_eq(count_events(&y, CSCTP_EVENT_MESSAGE), 1);
  csctp_stats after = stats_of(&y);
  cr_assert_eq(after.zero_checksum_in, before.zero_checksum_in);
  cr_assert_eq(after.drop_bad_crc, before.drop_bad_crc);

  /* A corrupted packet with a non-zero wrong CRC32c is dropped and counted. */
  d = data_packet(&x, T0);
  csctp_packet_set_crc(d.b, d.len);
  d.b[d.len - 1] ^= 0x40;
  cr_assert_neq(csum_field(&d), 0);
  cr_assert_not(crc_ok(&d));
  before = after;
  cr_assert_eq(csctp_assoc_read_packet(y.a, d.b, d.len, T0), 0);
  after = stats_of(&y);
  cr_assert_eq(after.drop_bad_crc, before.drop_bad_crc + 1);
  cr_assert_eq(after.data_chunks_in, before.data_chunks_in);
  /* So is a checksum field of 1 on an otherwise sound packet. */
  d.b[d.len - 1] ^= 0x40;
  csctp_put_u32(d.b + 8, 1);
  cr_assert_eq(csctp_assoc_read_packet(y.a, d.b, d.len, T0), 0);
  cr_assert_eq(stats_of(&y).drop_bad_crc, before.drop_bad_crc + 2);
  /* The same packet with 0 is taken. */
  csctp_put_u32(d.b + 8, 0);
  cr_assert_eq(csctp_assoc_read_packet(y.a, d.b, d.len, T0), 0);
  side_drain_events(&y);
  cr_assert_eq(count_events(&y, CSCTP_EVENT_MESSAGE), 2);
  cr_assert_eq(stats_of(&y).zero_checksum_in, before.zero_checksum_in + 1);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

/* x announces, y does not (and the other way round): nothing goes out with a zero checksum. */
static void one_side(void (*tx)(csctp_config *), void (*ty)(csctp_config *), uint64_t seed) {
  side x, y;
  side_new_cfg(&x, seed, tx);
  side_new_cfg(&y, seed + 1, ty);
  connect_rec(&x, &y, T0);
  cr_assert_eq(announced_edmid(&log_.p[0]), tx ? 1 : -1);
  cr_assert_eq(announced_edmid(&log_.p[1]), ty ? 1 : -1);
  send_msgs(&x, 10, 700, T0);
  send_msgs(&y, 10, 700, T0);
  xfer(&x, &y, T0);
  xfer(&x, &y, T0 + CSCTP_SECONDS);
  cr_assert_eq(count_events(&x, CSCTP_EVENT_MESSAGE), 10);
  cr_assert_eq(count_events(&y, CSCTP_EVENT_MESSAGE), 10);
  all_crc("one side on");
  csctp_stats sx = stats_of(&x), sy = stats_of(&y);
  cr_assert_eq(sx.zero_checksum, 0);
  cr_assert_eq(sy.zero_checksum, 0);
  cr_assert_eq(sx.zero_checksum_out + sy.zero_checksum_out, 0);
  cr_assert_eq(sx.zero_checksum_in + sy.zero_checksum_in, 0);

  /* The side that did not announce drops a zero checksum as a bad CRC (§5.3 "otherwise"). */
  side *on = tx ? &x : &y, *off = tx ? &y : &x;
  pkt d = data_packet(on, T0 + CSCTP_SECONDS);
  cr_assert(crc_ok(&d));
  csctp_put_u32(d.b + 8, 0);
  csctp_stats before = stats_of(off);
  cr_assert_eq(csctp_assoc_read_packet(off->a, d.b, d.len, T0 + CSCTP_SECONDS), 0);
  csctp_stats after = stats_of(off);
  cr_assert_eq(after.drop_bad_crc, before.drop_bad_crc + 1);
  cr_assert_eq(after.data_chunks_in, before.data_chunks_in);

  /* The side that announced must accept one (§5.3 binds whoever sent the parameter). */
  d = data_packet(off, T0 + CSCTP_SECONDS);
  cr_assert(crc_ok(&d));
  csctp_put_u32(d.b + 8, 0);
  before = stats_of(on);
  on->nev = 0;
  cr_assert_eq(csctp_assoc_read_packet(on->a, d.b, d.len, T0 + CSCTP_SECONDS), 0);
  side_drain_events(on);
  cr_assert_eq(count_events(on, CSCTP_EVENT_MESSAGE), 1);
  cr_assert_eq(stats_of(on).zero_checksum_in, before.zero_checksum_in + 1);
  cr_assert_eq(stats_of(on).zero_checksum, 0, "still not sending zero");
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(zero_checksum, initiator_on_responder_off_not_negotiated) { one_side(zc_dtls, NULL, 7); }

Test(zero_checksum, initiator_off_responder_on_not_negotiated) { one_side(NULL, zc_dtls, 9); }

Test(zero_checksum, different_edmids_not_negotiated) {
  side x, y;
  side_new_cfg(&x, 11, zc_dtls);
  side_new_cfg(&y, 12, zc_other);
  connect_rec(&x, &y, T0);
  cr_assert_eq(announced_edmid(&log_.p[0]), 1);
  cr_assert_eq(announced_edmid(&log_.p[1]), 2);
  send_msgs(&x, 10, 500, T0);
  send_msgs(&y, 10, 500, T0);
  xfer(&x, &y, T0);
  all_crc("EDMID 1 against 2");
  cr_assert_eq(count_events(&y, CSCTP_EVENT_MESSAGE), 10);
  cr_assert_eq(stats_of(&x).zero_checksum, 0);
  cr_assert_eq(stats_of(&y).zero_checksum, 0);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

/* §5.2: before an association exists the receiver cannot know; INIT and COOKIE ECHO with a zero
 * checksum are dropped by a listener even when it is configured for zero checksum. */
Test(zero_checksum, listener_drops_zero_checksum_init_and_cookie_echo) {
  side x, y;
  side_new_cfg(&x, 13, zc_dtls);
  side_new_cfg(&y, 14, zc_dtls);
  cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
  pkt p[4];
  cr_assert_eq(side_pull(&x, p, 4, T0), 1);
  pkt init = p[0];
  csctp_put_u32(init.b + 8, 0);
  cr_assert_eq(csctp_assoc_read_packet(y.a, init.b, init.len, T0), 0);
  cr_assert_eq(side_pull(&y, p, 4, T0), 0, "no INIT ACK");
  cr_assert_eq(stats_of(&y).drop_bad_crc, 1);
  /* The real INIT gets its INIT ACK; the COOKIE ECHO zeroed is dropped, the real one taken. */
  csctp_put_u32(init.b + 8, 0);
  csctp_packet_set_crc(init.b, init.len);
  cr_assert_eq(csctp_assoc_read_packet(y.a, init.b, init.len, T0), 0);
  cr_assert_eq(side_pull(&y, p, 4, T0), 1);
  cr_assert_eq(csctp_assoc_read_packet(x.a, p[0].b, p[0].len, T0), 0);
  cr_assert_eq(side_pull(&x, p, 4, T0), 1);
  cr_assert_eq(first_type(&p[0]), CSCTP_CHUNK_COOKIE_ECHO);
  pkt echo = p[0];
  csctp_put_u32(echo.b + 8, 0);
  cr_assert_eq(csctp_assoc_read_packet(y.a, echo.b, echo.len, T0), 0);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_CLOSED);
  cr_assert_eq(stats_of(&y).drop_bad_crc, 2);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0), 0);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(stats_of(&y).zero_checksum, 1);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

/* In COOKIE-WAIT our INIT has announced: an INIT ACK with a zero checksum (as dcsctp sends one)
 * is accepted (§5.3), and the peer's announcement in it is what decides. */
Test(zero_checksum, init_ack_with_zero_checksum_accepted_in_cookie_wait) {
  side x, y;
  side_new_cfg(&x, 15, zc_dtls);
  side_new_cfg(&y, 16, zc_dtls);
  cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
  pkt p[4];
  cr_assert_eq(side_pull(&x, p, 4, T0), 1);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0), 0);
  cr_assert_eq(side_pull(&y, p, 4, T0), 1);
  csctp_put_u32(p[0].b + 8, 0);
  cr_assert_eq(csctp_assoc_read_packet(x.a, p[0].b, p[0].len, T0), 0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_COOKIE_ECHOED);
  cr_assert_eq(stats_of(&x).zero_checksum_in, 1);
  cr_assert_eq(stats_of(&x).zero_checksum, 1);
  log_.n = 0;
  xfer(&x, &y, T0);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(first_type(&log_.p[0]), CSCTP_CHUNK_COOKIE_ECHO);
  cr_assert(crc_ok(&log_.p[0]));
  /* Without having announced, the same INIT ACK is a bad CRC. */
  side u, v;
  side_new(&u, 17);
  side_new_cfg(&v, 18, zc_dtls);
  cr_assert_eq(csctp_assoc_connect(u.a, T0), 0);
  cr_assert_eq(side_pull(&u, p, 4, T0), 1);
  cr_assert_eq(csctp_assoc_read_packet(v.a, p[0].b, p[0].len, T0), 0);
  cr_assert_eq(side_pull(&v, p, 4, T0), 1);
  csctp_put_u32(p[0].b + 8, 0);
  cr_assert_eq(csctp_assoc_read_packet(u.a, p[0].b, p[0].len, T0), 0);
  cr_assert_eq(csctp_assoc_get_state(u.a), CSCTP_STATE_COOKIE_WAIT);
  cr_assert_eq(stats_of(&u).drop_bad_crc, 1);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
  csctp_assoc_del(u.a);
  csctp_assoc_del(v.a);
}

/* The endpoint answers INIT statelessly; the peer's announcement lives in the cookie until the
 * association is made from the COOKIE ECHO. */
Test(zero_checksum, negotiation_survives_the_endpoint_cookie) {
  side x;
  side_new_cfg(&x, 19, zc_dtls);
  csctp_prng erng;
  csctp_prng_seed(&erng, 20);
  csctp_config ec;
  csctp_config_default(&ec);
  ec.rand = csctp_prng_rand_fn;
  ec.rand_user_data = &erng;
  ec.zero_checksum_edmid = CSCTP_EDMID_DTLS;
  csctp_endpoint *ep;
  cr_assert_eq(csctp_endpoint_new(&ep, &ec), 0);
  csctp_endpoint_listen(ep, 1);
  csctp_addr xa = {.len = 4, .data = {10, 0, 0, 1}}, to;
  csctp_assoc *ea = NULL;
  cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
  log_.n = 0;
  for (int round = 0; round < 20; round++) {
    pkt p[16];
    int n = side_pull(&x, p, 16, T0);
    for (int i = 0; i < n; i++) {
      log_.p[log_.n] = p[i];
      log_.from[log_.n++] = 0;
      csctp_assoc *pa = NULL;
      cr_assert_eq(csctp_endpoint_read_packet(ep, &xa, p[i].b, p[i].len, T0, &pa), 0);
      if (pa) ea = pa;
    }
    int m = 0;
    for (;;) {
      pkt q;
      csctp_ssize len = csctp_endpoint_write_packet(ep, q.b, sizeof(q.b), T0, &to, NULL);
      cr_assert_geq(len, 0);
      if (len == 0) break;
      q.len = (size_t)len;
      log_.p[log_.n] = q;
      log_.from[log_.n++] = 1;
      cr_assert_eq(csctp_assoc_read_packet(x.a, q.b, q.len, T0), 0);
      m++;
    }
    csctp_event ev;
    while (csctp_endpoint_poll_event(ep, NULL, &ev)) {}
    side_drain_events(&x);
    if (n == 0 && m == 0) break;
  }
  cr_assert_not_null(ea);
  cr_assert_eq(csctp_endpoint_count(ep), 1);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_get_state(ea), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(first_type(&log_.p[1]), CSCTP_CHUNK_INIT_ACK);
  cr_assert_eq(announced_edmid(&log_.p[1]), 1, "the listener announces");
  cr_assert(crc_ok(&log_.p[1]));
  csctp_stats se;
  csctp_assoc_get_stats(ea, &se);
  cr_assert_eq(se.zero_checksum, 1, "the association made from the cookie sends zero");
  cr_assert_eq(stats_of(&x).zero_checksum, 1);
  /* Zero-checksum DATA from x is routed by tag to the association and delivered; its answer
   * (a SACK) goes out with zero. */
  pkt d = data_packet(&x, T0);
  cr_assert_eq(csum_field(&d), 0);
  csctp_assoc *pa = NULL;
  cr_assert_eq(csctp_endpoint_read_packet(ep, &xa, d.b, d.len, T0, &pa), 0);
  cr_assert_eq(pa, ea);
  csctp_event ev;
  int msgs = 0;
  while (csctp_endpoint_poll_event(ep, NULL, &ev)) msgs += ev.type == CSCTP_EVENT_MESSAGE;
  cr_assert_eq(msgs, 1);
  csctp_endpoint_handle_expiry(ep, T0 + CSCTP_SECONDS);
  pkt q;
  csctp_ssize len =
      csctp_endpoint_write_packet(ep, q.b, sizeof(q.b), T0 + CSCTP_SECONDS, &to, NULL);
  cr_assert_gt(len, 0);
  q.len = (size_t)len;
  cr_assert(find_chunk(&q, CSCTP_CHUNK_SACK, NULL));
  cr_assert_eq(csum_field(&q), 0);
  csctp_assoc_get_stats(ea, &se);
  cr_assert_eq(se.zero_checksum_in, 1, "the DATA");
  csctp_endpoint_del(ep);
  csctp_assoc_del(x.a);
}

/* §5.2.4 A (RFC 9260): the restarted peer's new INIT decides anew. */
static void restart_with(void (*tx2)(csctp_config *), int expect) {
  side x, y, x2;
  side_new_cfg(&x, 21, zc_dtls);
  side_new_cfg(&y, 22, zc_dtls);
  connect_rec(&x, &y, T0);
  cr_assert_eq(stats_of(&y).zero_checksum, 1);
  side_new_cfg(&x2, 23, tx2);
  y.nev = 0;
  connect_rec(&x2, &y, T0 + CSCTP_SECONDS);
  cr_assert(side_has_event(&y, CSCTP_EVENT_RESTARTED));
  cr_assert_eq(stats_of(&y).zero_checksum, expect);
  cr_assert_eq(stats_of(&x2).zero_checksum, expect);
  log_.n = 0;
  send_msgs(&x2, 5, 400, T0 + CSCTP_SECONDS);
  send_msgs(&y, 5, 400, T0 + CSCTP_SECONDS);
  xfer(&x2, &y, T0 + CSCTP_SECONDS);
  cr_assert_eq(count_events(&x2, CSCTP_EVENT_MESSAGE), 5);
  cr_assert_eq(count_events(&y, CSCTP_EVENT_MESSAGE), 5);
  cr_assert_gt(log_.n, 0);
  for (int i = 0; i < log_.n; i++) {
    if (expect)
      cr_assert_eq(csum_field(&log_.p[i]), 0);
    else
      cr_assert(crc_ok(&log_.p[i]));
  }
  csctp_assoc_del(x.a);
  csctp_assoc_del(x2.a);
  csctp_assoc_del(y.a);
}

Test(zero_checksum, negotiation_survives_peer_restart) { restart_with(zc_dtls, 1); }

Test(zero_checksum, restart_without_announcement_goes_back_to_crc) { restart_with(NULL, 0); }

Test(zero_checksum, init_collision_negotiates) {
  side x, y;
  side_new_cfg(&x, 25, zc_dtls);
  side_new_cfg(&y, 26, zc_dtls);
  cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
  cr_assert_eq(csctp_assoc_connect(y.a, T0), 0);
  log_.n = 0;
  xfer(&x, &y, T0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(stats_of(&x).zero_checksum, 1);
  cr_assert_eq(stats_of(&y).zero_checksum, 1);
  for (int i = 0; i < log_.n; i++) {
    uint8_t t = first_type(&log_.p[i]);
    if (t == CSCTP_CHUNK_INIT || t == CSCTP_CHUNK_INIT_ACK || t == CSCTP_CHUNK_COOKIE_ECHO)
      cr_assert(crc_ok(&log_.p[i]), "handshake packet %d (type %u)", i, t);
  }
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

/* SHUTDOWN and SHUTDOWN ACK may be zero; SHUTDOWN COMPLETE and ABORT keep CRC32c. A closed
 * association still answers the peer's late zero-checksum SHUTDOWN ACK (RFC 9260 §8.4 rule 5). */
Test(zero_checksum, shutdown_complete_and_abort_keep_crc) {
  side x, y;
  side_new_cfg(&x, 27, zc_dtls);
  side_new_cfg(&y, 28, zc_dtls);
  connect_rec(&x, &y, T0);
  log_.n = 0;
  cr_assert_eq(csctp_assoc_shutdown(x.a, T0), 0);
  xfer(&x, &y, T0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_CLOSED);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_CLOSED);
  int seen = 0, ack = -1;
  for (int i = 0; i < log_.n; i++) {
    uint8_t t = first_type(&log_.p[i]);
    if (t == CSCTP_CHUNK_SHUTDOWN_COMPLETE) {
      cr_assert(crc_ok(&log_.p[i]));
      seen |= 1;
    } else {
      cr_assert_eq(csum_field(&log_.p[i]), 0, "type %u", t);
      if (t == CSCTP_CHUNK_SHUTDOWN_ACK) ack = i;
    }
  }
  cr_assert_eq(seen, 1);
  cr_assert_geq(ack, 0);
  /* The SHUTDOWN COMPLETE was "lost": the peer's repeated SHUTDOWN ACK (zero) is answered. */
  pkt p[4];
  cr_assert_eq(csctp_assoc_read_packet(x.a, log_.p[ack].b, log_.p[ack].len, T0), 0);
  cr_assert_eq(side_pull(&x, p, 4, T0), 1);
  cr_assert_eq(first_type(&p[0]), CSCTP_CHUNK_SHUTDOWN_COMPLETE);
  cr_assert(p[0].b[CSCTP_COMMON_HDR_LEN + 1] & CSCTP_FLAG_T);
  cr_assert(crc_ok(&p[0]));
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);

  side u, v;
  side_new_cfg(&u, 29, zc_dtls);
  side_new_cfg(&v, 30, zc_dtls);
  connect_rec(&u, &v, T0);
  cr_assert_eq(csctp_assoc_abort(u.a, "bye", T0), 0);
  cr_assert_eq(side_pull(&u, p, 4, T0), 1);
  cr_assert_eq(first_type(&p[0]), CSCTP_CHUNK_ABORT);
  cr_assert(crc_ok(&p[0]));
  csctp_assoc_del(u.a);
  csctp_assoc_del(v.a);
}

/* ---- malformed and odd announcements ---- */

/* An INIT (tag 0x01020304, a_rwnd 64 KiB, 4/4 streams, TSN 1) followed by `params`, with a
 * correct CRC32c. */
static pkt init_with_params(const uint8_t *params, size_t n) {
  uint8_t c[128] = {CSCTP_CHUNK_INIT, 0, 0, 0, 1, 2, 3, 4, 0, 1, 0, 0, 0, 4, 0, 4, 0, 0, 0, 1};
  cr_assert(20 + n <= sizeof(c));
  memcpy(c + 20, params, n);
  c[2] = (uint8_t)((20 + n) >> 8);
  c[3] = (uint8_t)(20 + n);
  pkt p;
  build_pkt(&p, 0, c, 20 + ((n + 3) & ~(size_t)3));
  return p;
}

/* Feeds an INIT to a listener configured for EDMID 1; returns the number of packets answered
 * and the INIT ACK's announcement in *ack_edmid. */
static int listener_answer(const uint8_t *params, size_t n, uint64_t *malformed, pkt *ack) {
  side y;
  side_new_cfg(&y, 31, zc_dtls);
  pkt p = init_with_params(params, n);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
  pkt out[4];
  int k = side_pull(&y, out, 4, T0);
  if (k) *ack = out[0];
  *malformed = stats_of(&y).drop_malformed;
  csctp_assoc_del(y.a);
  return k;
}

/*
 * RFC 9653 §4: the parameter's Length MUST be 8. Another length is no announcement (draft
 * versions sent 4, without an EDMID): the INIT is answered and the association keeps CRC32c.
 * A length that breaks the parameter framing (below 4, past the chunk) still makes the INIT
 * malformed: it is silently discarded and counted.
 */
Test(zero_checksum, odd_parameter_lengths_are_no_announcement) {
  static const uint8_t empty[4] = {0x80, 0x01, 0x00, 0x04};
  static const uint8_t short3[8] = {0x80, 0x01, 0x00, 0x07, 0, 0, 1, 0};
  static const uint8_t long12[12] = {0x80, 0x01, 0x00, 0x0c, 0, 0, 0, 1, 0, 0, 0, 0};
  static const uint8_t len2[4] = {0x80, 0x01, 0x00, 0x02};
  static const uint8_t past[8] = {0x80, 0x01, 0x00, 0x10, 0, 0, 0, 1};
  const struct {
    const uint8_t *b;
    size_t n;
    int answered;
  } cases[] = {{empty, 4, 1}, {short3, 8, 1}, {long12, 12, 1}, {len2, 4, 0}, {past, 8, 0}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint64_t malformed;
    pkt ack;
    cr_assert_eq(listener_answer(cases[i].b, cases[i].n, &malformed, &ack), cases[i].answered,
                 "case %zu", i);
    cr_assert_eq(malformed, cases[i].answered ? 0u : 1u, "case %zu", i);
  }
  /* The well-formed one is answered and negotiated. */
  static const uint8_t good[8] = {0x80, 0x01, 0x00, 0x08, 0, 0, 0, 1};
  uint64_t malformed;
  pkt ack;
  cr_assert_eq(listener_answer(good, 8, &malformed, &ack), 1);
  cr_assert_eq(malformed, 0);
  cr_assert_eq(announced_edmid(&ack), 1);
}

/* The reserved EDMID 0 and identifiers we do not use are not errors: they just do not match. */
Test(zero_checksum, reserved_or_unknown_edmid_is_not_a_match) {
  static const uint32_t ids[] = {0, 2, 0x80000001u, 0xffffffffu};
  for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
    side x, y;
    side_new_cfg(&x, 40 + i, zc_dtls);
    side_new_cfg(&y, 50 + i, zc_dtls);
    cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
    pkt p[4];
    cr_assert_eq(side_pull(&x, p, 4, T0), 1);
    /* Rewrite the EDMID of x's INIT in place (the parameter's value) and fix the CRC. */
    csctp_chunk ch;
    cr_assert(first_chunk(&p[0], &ch));
    csctp_init_chunk in;
    cr_assert_eq(csctp_init_decode(&ch, &in), 0);
    cr_assert(in.has_zero_checksum);
    size_t at = 0;
    for (size_t k = CSCTP_COMMON_HDR_LEN + 20; k + 8 <= p[0].len; k += 4)
      if (csctp_get_u16(p[0].b + k) == CSCTP_PARAM_ZERO_CHECKSUM &&
          csctp_get_u16(p[0].b + k + 2) == 8)
        at = k;
    cr_assert_neq(at, 0);
    csctp_put_u32(p[0].b + at + 4, ids[i]);
    csctp_packet_set_crc(p[0].b, p[0].len);
    cr_assert_eq(csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0), 0);
    log_.n = 0;
    xfer(&y, &x, T0);
    cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_ESTABLISHED, "EDMID %u", ids[i]);
    cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_ESTABLISHED);
    cr_assert_eq(stats_of(&y).zero_checksum, 0, "EDMID %u is not ours", ids[i]);
    cr_assert_eq(stats_of(&x).zero_checksum, 1, "x saw y's EDMID 1 in the INIT ACK");
    send_msgs(&y, 3, 100, T0);
    log_.n = 0;
    xfer(&y, &x, T0);
    for (int k = 0; k < log_.n; k++)
      if (log_.from[k] == 0) cr_assert(crc_ok(&log_.p[k]), "y never sends zero");
    csctp_assoc_del(x.a);
    csctp_assoc_del(y.a);
  }
}

/* An INIT ACK whose zero checksum parameter is 4 bytes long (a draft peer) is taken without the
 * announcement: the handshake goes on with CRC32c. */
Test(zero_checksum, short_parameter_in_init_ack_is_no_announcement) {
  side x;
  side_new_cfg(&x, 60, zc_dtls);
  cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
  pkt p[4];
  cr_assert_eq(side_pull(&x, p, 4, T0), 1);
  csctp_chunk ch;
  cr_assert(first_chunk(&p[0], &ch));
  csctp_init_chunk in;
  cr_assert_eq(csctp_init_decode(&ch, &in), 0);
  /* INIT ACK: tag 5, a State Cookie of 4 bytes, a zero checksum parameter of length 4. */
  /* clang-format off */
  uint8_t c[] = {CSCTP_CHUNK_INIT_ACK, 0, 0, 32, 0, 0, 0, 5, 0, 1, 0, 0, 0, 4, 0, 4, 0, 0, 0, 1,
                 0x00, 0x07, 0x00, 0x08, 1, 2, 3, 4, /* State Cookie */
                 0x80, 0x01, 0x00, 0x04};            /* Zero Checksum Acceptable, length 4 */
  /* clang-format on */
  pkt ack;
  build_pkt(&ack, in.initiate_tag, c, sizeof(c));
  cr_assert_eq(csctp_assoc_read_packet(x.a, ack.b, ack.len, T0), 0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_COOKIE_ECHOED);
  cr_assert_eq(stats_of(&x).drop_malformed, 0);
  cr_assert_eq(stats_of(&x).zero_checksum, 0);
  csctp_assoc_del(x.a);
}

/* The same INIT ACK with the parameter well formed negotiates. */
Test(zero_checksum, well_formed_parameter_in_init_ack_negotiates) {
  side x;
  side_new_cfg(&x, 61, zc_dtls);
  cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
  pkt p[4];
  cr_assert_eq(side_pull(&x, p, 4, T0), 1);
  csctp_chunk ch;
  cr_assert(first_chunk(&p[0], &ch));
  csctp_init_chunk in;
  cr_assert_eq(csctp_init_decode(&ch, &in), 0);
  /* clang-format off */
  uint8_t c[] = {CSCTP_CHUNK_INIT_ACK, 0, 0, 32, 0, 0, 0, 5, 0, 1, 0, 0, 0, 4, 0, 4, 0, 0, 0, 1,
                 0x00, 0x07, 0x00, 0x08, 1, 2, 3, 4, /* State Cookie */
                 0x80, 0x01, 0x00, 0x04};
  /* clang-format on */
  pkt ack;
  /* The same INIT ACK well formed moves on. */
  c[31] = 0x08;
  c[3] = 36;
  uint8_t c2[36];
  memcpy(c2, c, 32);
  memcpy(c2 + 32, "\x00\x00\x00\x01", 4);
  build_pkt(&ack, in.initiate_tag, c2, sizeof(c2));
  cr_assert_eq(csctp_assoc_read_packet(x.a, ack.b, ack.len, T0), 0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_COOKIE_ECHOED);
  cr_assert_eq(stats_of(&x).drop_malformed, 0);
  cr_assert_eq(stats_of(&x).zero_checksum, 1);
  csctp_assoc_del(x.a);
}
