/* SPDX-License-Identifier: MIT */
/*
 * src/assoc_rwnd.c: csctp_assoc_set_rwnd() on a live association. The
 * advertised window is the buffer space the receiver has left (RFC 9260
 * §6.2): lowering the window to 0 makes the next SACK advertise 0; raising it
 * again sends a window update SACK at once, without waiting for DATA or the
 * SACK timer; and the partial delivery point (§6.9) follows the new window,
 * since a point above rwnd / 2 acts as rwnd / 2 (csctp_config docs).
 */
#include "assoc_util.h"

#define T0 ((csctp_tstamp)1000000)
#define MS CSCTP_MILLISECONDS

static void send_msg(side *s, size_t len, csctp_tstamp now) {
  static uint8_t buf[16384];
  cr_assert_leq(len, sizeof(buf));
  csctp_send_opts o = {.stream = 0, .ppid = 53};
  cr_assert_eq(csctp_assoc_send(s->a, &o, buf, len, now), 0);
}

static uint32_t peer_rwnd(const side *s) {
  csctp_stats st;
  cr_assert_eq(csctp_assoc_get_stats(s->a, &st), 0);
  return st.peer_rwnd;
}

/* The a_rwnd of the SACK among y's pending packets; fails when there is none. */
static uint32_t pending_sack_rwnd(side *y, csctp_tstamp now, side *x) {
  pkt p[8];
  int n = side_pull(y, p, 8, now);
  uint32_t rwnd = 0;
  int found = 0;
  for (int i = 0; i < n; i++) {
    csctp_chunk ch;
    if (find_chunk(&p[i], CSCTP_CHUNK_SACK, &ch)) {
      csctp_sack_chunk s;
      cr_assert_eq(csctp_sack_decode(&ch, &s), 0);
      rwnd = s.a_rwnd;
      found = 1;
    }
    cr_assert_eq(csctp_assoc_read_packet(x->a, p[i].b, p[i].len, now), 0);
  }
  cr_assert(found, "no SACK pending (%d packets)", n);
  return rwnd;
}

Test(assoc_rwnd, closed_window_is_advertised_and_reopening_sends_an_update) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  establish(&x, &y, T0);
  csctp_tstamp now = T0;
  send_msg(&x, 1000, now);
  exchange(&x, &y, now);
  now += 500 * MS; /* past the delayed SACK */
  exchange(&x, &y, now);
  uint32_t open = peer_rwnd(&x);
  cr_assert_gt(open, 512 * 1024);

  cr_assert_eq(csctp_assoc_set_rwnd(y.a, 0), 0);
  /* A shrinking window waits for the next SACK: nothing is sent for it alone. */
  pkt p[8];
  cr_assert_eq(side_pull(&y, p, 8, now), 0);
  send_msg(&x, 1000, now);
  exchange(&x, &y, now);
  now += 500 * MS;
  exchange(&x, &y, now);
  cr_assert_eq(peer_rwnd(&x), 0, "the sender sees a closed window (%u)", peer_rwnd(&x));

  /* Opened far beyond what was advertised: a window update right away, same instant. */
  cr_assert_eq(csctp_assoc_set_rwnd(y.a, 1024 * 1024), 0);
  uint32_t upd = pending_sack_rwnd(&y, now, &x);
  cr_assert_gt(upd, 512 * 1024, "window update advertises %u", upd);
  /* The sender sees it open, less what it has in flight (§6.2.1). */
  cr_assert_gt(peer_rwnd(&x), 512 * 1024 - 1000, "sender sees %u", peer_rwnd(&x));

  /* The same window again changes nothing and sends nothing. */
  cr_assert_eq(csctp_assoc_set_rwnd(y.a, 1024 * 1024), 0);
  cr_assert_eq(side_pull(&y, p, 8, now), 0);
  cr_assert_eq(csctp_assoc_set_rwnd(NULL, 1), CSCTP_ERR_INVALID_ARGUMENT);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

static void pd_64k(csctp_config *c) { c->partial_delivery_point = 64 * 1024; }

/*
 * A 12000-byte message whose first flight (about 4 packets, RFC 9260 §7.2.1's
 * initial cwnd) has arrived but not its end: with the point at 64 KiB nothing
 * is handed out; with the window lowered to 8000, the point acts as 4000 and
 * the first piece comes out flagged CSCTP_MSG_MORE.
 */
static int first_flight_pieces(int shrink) {
  side x, y;
  side_new(&x, 3);
  side_new_cfg(&y, 4, pd_64k);
  establish(&x, &y, T0);
  if (shrink) cr_assert_eq(csctp_assoc_set_rwnd(y.a, 8000), 0);
  send_msg(&x, 12000, T0);
  pkt p[16];
  int n = side_pull(&x, p, 16, T0);
  cr_assert_geq(n, 4, "first flight of %d packets", n);
  size_t got = 0;
  for (int i = 0; i < n; i++) {
    cr_assert_eq(csctp_assoc_read_packet(y.a, p[i].b, p[i].len, T0), 0);
    got += p[i].len;
  }
  cr_assert_lt(got, 12000, "the whole message arrived");
  side_drain_events(&y);
  int pieces = 0;
  for (int i = 0; i < y.nev; i++)
    if (y.evs[i].type == CSCTP_EVENT_MESSAGE) {
      cr_assert(y.evs[i].u.message.flags & CSCTP_MSG_MORE, "a whole message from a part");
      cr_assert_geq(y.evs[i].u.message.len, 4000);
      pieces++;
    }
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
  return pieces;
}

Test(assoc_rwnd, partial_delivery_point_follows_the_window) {
  cr_assert_eq(first_flight_pieces(0), 0);
  cr_assert_gt(first_flight_pieces(1), 0);
}
