/* SPDX-License-Identifier: MIT */
/*
 * Allocation failure, nghttp2-style: an allocator whose N-th call fails,
 * replayed over a whole exchange for every N. Nothing may crash, every
 * failure surfaces as an error or a dropped packet, and every block
 * allocated is freed (the allocator counts them).
 */
#include <stdlib.h>

#include "assoc_util.h"
#include "failing_mem.h"

/* One whole exchange; returns the number of allocator calls made. */
static long run_exchange(long fail_at, int fail_side) {
  failing_mem fx, fy;
  failing_mem_init(&fx, fail_side == 0 ? fail_at : 0);
  failing_mem_init(&fy, fail_side == 1 ? fail_at : 0);
  side x, y;
  memset(&x, 0, sizeof(x));
  memset(&y, 0, sizeof(y));
  csctp_config cx = test_config(&x, 1), cy = test_config(&y, 2);
  cx.mem = &fx.mem;
  cy.mem = &fy.mem;
  int rx = csctp_assoc_new(&x.a, &cx);
  int ry = csctp_assoc_new(&y.a, &cy);
  if (rx || ry) {
    cr_assert(rx == CSCTP_ERR_NOMEM || ry == CSCTP_ERR_NOMEM);
    csctp_assoc_del(x.a);
    csctp_assoc_del(y.a);
    cr_assert_eq(fx.live, 0);
    cr_assert_eq(fy.live, 0);
    return fail_side == 0 ? fx.calls : fy.calls;
  }
  csctp_tstamp now = 1000000;
  csctp_assoc_connect(x.a, now);
  static uint8_t msg[20000];
  for (int step = 0; step < 40; step++) {
    csctp_send_opts o = {.stream = (uint16_t)(step % 3), .ppid = 53, .unordered = step & 1};
    size_t len = (step % 5 == 0) ? sizeof(msg) : (size_t)(step * 37 + 1);
    int rv = csctp_assoc_send(x.a, &o, msg, len, now);
    cr_assert(
        rv == 0 || rv == CSCTP_ERR_NOMEM || rv == CSCTP_ERR_WOULD_BLOCK || rv == CSCTP_ERR_CLOSED,
        "send: %d", rv);
    rv = csctp_assoc_send(y.a, &o, msg, len / 2 + 1, now);
    cr_assert(rv == 0 || rv <= CSCTP_ERR_FATAL || rv == CSCTP_ERR_WOULD_BLOCK ||
              rv == CSCTP_ERR_CLOSED);
    uint8_t buf[PKT_MAX];
    for (int r = 0; r < 8; r++) {
      csctp_ssize n;
      while ((n = csctp_assoc_write_packet(x.a, buf, sizeof(buf), now)) > 0)
        csctp_assoc_read_packet(y.a, buf, (size_t)n, now);
      while ((n = csctp_assoc_write_packet(y.a, buf, sizeof(buf), now)) > 0)
        csctp_assoc_read_packet(x.a, buf, (size_t)n, now);
    }
    csctp_event ev;
    while (csctp_assoc_poll_event(x.a, &ev) == 1) {}
    while (csctp_assoc_poll_event(y.a, &ev) == 1) {}
    now += 50 * CSCTP_MILLISECONDS;
    if (csctp_assoc_expiry(x.a) <= now) csctp_assoc_handle_expiry(x.a, now);
    if (csctp_assoc_expiry(y.a) <= now) csctp_assoc_handle_expiry(y.a, now);
  }
  csctp_assoc_shutdown(x.a, now);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
  cr_assert_eq(fx.live, 0, "x leaked %ld blocks (fail_at %ld)", fx.live, fail_at);
  cr_assert_eq(fy.live, 0, "y leaked %ld blocks (fail_at %ld)", fy.live, fail_at);
  return fail_side == 0 ? fx.calls : fy.calls;
}

Test(alloc_fail, every_allocation_of_the_initiator_may_fail) {
  long total = run_exchange(0, 0);
  cr_assert_gt(total, 5);
  for (long n = 1; n <= total; n++) run_exchange(n, 0);
}

Test(alloc_fail, every_allocation_of_the_listener_may_fail) {
  long total = run_exchange(0, 1);
  cr_assert_gt(total, 5);
  for (long n = 1; n <= total; n++) run_exchange(n, 1);
}
