/* SPDX-License-Identifier: MIT */
/*
 * csctp_assoc_expiry() says "due now" while output may be waiting (issue 17): a
 * caller whose loop writes, then handles events (sending from there), then
 * waits until expiry never leaves what it sent for a timer to carry.
 */
#include "assoc_util.h"

#define T0 ((csctp_tstamp)1000000)

static void drain(side *s, csctp_tstamp now) {
  uint8_t b[PKT_MAX];
  while (csctp_assoc_write_packet(s->a, b, sizeof b, now) > 0) {}
}

Test(expiry, due_now_until_the_output_is_written) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  cr_assert_eq(csctp_assoc_expiry(x.a), CSCTP_TSTAMP_NONE, "nothing to do before connect");
  cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
  cr_assert_eq(csctp_assoc_expiry(x.a), 0, "the INIT is due now");
  cr_assert_gt(csctp_assoc_timer_expiry(x.a), T0, "T1 runs");
  drain(&x, T0);
  cr_assert_eq(csctp_assoc_expiry(x.a), csctp_assoc_timer_expiry(x.a), "written: T1 again");
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);

  side_new(&x, 1);
  side_new(&y, 2);
  establish(&x, &y, T0);
  drain(&x, T0);
  cr_assert_gt(csctp_assoc_expiry(x.a), T0, "idle: a timer, not now");
  static const uint8_t hi[] = "hi";
  csctp_send_opts o = {.stream = 0, .ppid = 51};
  cr_assert_eq(csctp_assoc_send(x.a, &o, hi, 2, T0), 0);
  cr_assert_eq(csctp_assoc_expiry(x.a), 0, "a message sent is due now");
  drain(&x, T0);
  cr_assert_gt(csctp_assoc_expiry(x.a), T0);
  cr_assert_eq(csctp_assoc_shutdown(x.a, T0), 0);
  cr_assert_eq(csctp_assoc_expiry(x.a), 0, "the SHUTDOWN is due now");
  drain(&x, T0);
  cr_assert_neq(csctp_assoc_expiry(x.a), 0);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(expiry, an_abort_is_flushed_after_closed) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  establish(&x, &y, T0);
  drain(&x, T0);
  cr_assert_eq(csctp_assoc_abort(x.a, "bye", T0), 0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_CLOSED);
  cr_assert_eq(csctp_assoc_expiry(x.a), 0, "the ABORT still has to go");
  uint8_t b[PKT_MAX];
  cr_assert_gt(csctp_assoc_write_packet(x.a, b, sizeof b, T0), 0);
  cr_assert_eq(csctp_assoc_write_packet(x.a, b, sizeof b, T0), 0);
  cr_assert_eq(csctp_assoc_expiry(x.a), CSCTP_TSTAMP_NONE, "then nothing, ever");
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

/*
 * The README's loop, on a virtual clock: 1. write everything, 2. handle events (the
 * client sends "hello" on CONNECTED; the server echoes), 3. wait until expiry or a
 * packet. Before the fix the hello waited for the heartbeat timer: the round trip took
 * 30 s of virtual time; now it takes one round trip of the 10 ms link.
 */
typedef struct loop_side {
  side s;
  int echo, got;
  csctp_tstamp got_at;
} loop_side;

static void loop_step(loop_side *me, pkt *out, int *nout, csctp_tstamp now) {
  *nout = side_pull(&me->s, out, 64, now); /* 1 */
  csctp_event ev;
  while (csctp_assoc_poll_event(me->s.a, &ev)) { /* 2 */
    if (ev.type == CSCTP_EVENT_CONNECTED && !me->echo) {
      csctp_send_opts o = {.stream = 0, .ppid = 51};
      cr_assert_eq(csctp_assoc_send(me->s.a, &o, (const uint8_t *)"hello", 5, now), 0);
    }
    if (ev.type == CSCTP_EVENT_MESSAGE) {
      if (me->echo) {
        csctp_send_opts o = {.stream = ev.u.message.stream, .ppid = ev.u.message.ppid};
        cr_assert_eq(csctp_assoc_send(me->s.a, &o, ev.u.message.data, ev.u.message.len, now), 0);
      } else {
        me->got = 1;
        me->got_at = now;
      }
    }
  }
}

Test(expiry, the_readme_loop_sends_what_an_event_handler_sent_at_once) {
  loop_side c = {0}, s = {0};
  side_new(&c.s, 5);
  side_new(&s.s, 6);
  s.echo = 1;
  const csctp_tstamp owd = 5 * CSCTP_MILLISECONDS; /* one way */
  csctp_tstamp now = T0;
  cr_assert_eq(csctp_assoc_connect(c.s.a, now), 0);
  /* Packets in flight: each arrives owd after it left. */
  struct {
    pkt p;
    int to;
    csctp_tstamp at;
  } wire[512];
  int nwire = 0;
  for (int iter = 0; iter < 10000 && !c.got; iter++) {
    loop_side *sides[2] = {&c, &s};
    for (int k = 0; k < 2; k++) {
      pkt out[64];
      int n;
      loop_step(sides[k], out, &n, now);
      for (int i = 0; i < n; i++) {
        cr_assert_lt(nwire, 512);
        wire[nwire].p = out[i];
        wire[nwire].to = 1 - k;
        wire[nwire].at = now + owd;
        nwire++;
      }
    }
    /* 3: wait until the earliest of both expiries and the next arrival. */
    csctp_tstamp t = csctp_assoc_expiry(c.s.a);
    if (csctp_assoc_expiry(s.s.a) < t) t = csctp_assoc_expiry(s.s.a);
    for (int i = 0; i < nwire; i++)
      if (wire[i].at < t) t = wire[i].at;
    if (t > now) now = t;
    for (int i = 0; i < nwire;) {
      if (wire[i].at <= now) {
        loop_side *to = sides[wire[i].to];
        cr_assert_eq(csctp_assoc_read_packet(to->s.a, wire[i].p.b, wire[i].p.len, now), 0);
        wire[i] = wire[--nwire];
      } else {
        i++;
      }
    }
    for (int k = 0; k < 2; k++)
      if (csctp_assoc_expiry(sides[k]->s.a) <= now) csctp_assoc_handle_expiry(sides[k]->s.a, now);
  }
  cr_assert(c.got, "the echo came back");
  /* Handshake (2 round trips) and the echo (1): 3 x 10 ms, and no timer on the way. */
  cr_assert_leq(c.got_at - T0, 3 * 2 * owd, "hello came back after %.1f ms",
                (double)(c.got_at - T0) / CSCTP_MILLISECONDS);
  csctp_assoc_del(c.s.a);
  csctp_assoc_del(s.s.a);
}
