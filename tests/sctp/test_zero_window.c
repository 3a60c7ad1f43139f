/* SPDX-License-Identifier: MIT */
/*
 * Zero window (RFC 9260 §6.1 rule A): a receiver whose application stops
 * reading closes its window; the sender probes with one chunk at a time, which
 * the full receiver drops, and T3 expires on each. While the receiver keeps
 * answering with a closed window those expiries are no errors (RFC 8540 §3.4):
 * a receiver may keep its window closed as long as its application wishes, and
 * the sender must not give the association up (before: it did after
 * Association.Max.Retrans probes, 5 s here, some 30 s with the WebRTC
 * profile). When the application reads again, the transfer resumes at once.
 */
#include "assoc_util.h"

#define T0 ((csctp_tstamp)1000000)
#define MS CSCTP_MILLISECONDS

static void send_msg(side *s, uint16_t stream, size_t len, csctp_tstamp now) {
  static uint8_t buf[2000];
  csctp_send_opts o = {.stream = stream, .ppid = 53};
  cr_assert_eq(csctp_assoc_send(s->a, &o, buf, len, now), 0);
}

static void small_window(csctp_config *c) {
  c->rwnd = 8000;
  c->max_message_size = 8000;
  c->rto_max = 10000; /* a T3 after back-off waits long: recovery must not depend on it */
}

/* One millisecond of a lossless link, each way; the receiver takes messages when `read`. */
static int step(side *x, side *y, csctp_tstamp now, int read) {
  pkt p[32];
  int n = side_pull(x, p, 32, now);
  for (int i = 0; i < n; i++) csctp_assoc_read_packet(y->a, p[i].b, p[i].len, now);
  int got = 0;
  csctp_event ev;
  if (read)
    while (csctp_assoc_poll_event(y->a, &ev)) got += ev.type == CSCTP_EVENT_MESSAGE;
  n = side_pull(y, p, 32, now);
  for (int i = 0; i < n; i++) csctp_assoc_read_packet(x->a, p[i].b, p[i].len, now);
  if (csctp_assoc_expiry(x->a) <= now) csctp_assoc_handle_expiry(x->a, now);
  if (csctp_assoc_expiry(y->a) <= now) csctp_assoc_handle_expiry(y->a, now);
  return got;
}

Test(zero_window, a_closed_window_is_no_error_and_the_transfer_resumes) {
  side x, y;
  side_new(&x, 1);
  side_new_cfg(&y, 2, small_window);
  establish(&x, &y, T0);
  for (int i = 0; i < 30; i++) send_msg(&x, 0, 1000, T0);
  csctp_tstamp now = T0;
  /* The receiver's application does not read for 30 s: the window closes, probes go into it
   * and are dropped, T3 backs off (association_max_retrans is 4 here). */
  for (; now < T0 + 30000 * MS; now += MS) step(&x, &y, now, 0);
  csctp_stats sy;
  csctp_assoc_get_stats(y.a, &sy);
  cr_assert_gt(sy.drop_out_of_window, 0, "probes were dropped into the closed window");
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_ESTABLISHED, "the sender gave up");
  /* It reads again: everything arrives within a few round trips (of 1 ms), not at the next
   * T3 (backed off to seconds by then). */
  int got = 0;
  csctp_tstamp opened = now;
  for (; got < 30 && now < opened + 20000 * MS; now += MS) got += step(&x, &y, now, 1);
  cr_assert_eq(got, 30);
  double ms = (double)(now - opened) / MS;
  cr_log_info("all messages in %.0f ms after the window opened", ms);
  cr_assert_lt(ms, 500, "%.0f ms after the window opened: waited for T3", ms);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}
