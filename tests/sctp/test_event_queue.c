/* SPDX-License-Identifier: MIT */
/*
 * The event queue of an association: a peer cannot grow it without bound
 * (PEER_ERROR events, which an ERROR chunk causes at no cost to the peer, are
 * capped while the application does not poll), and the events the layers above
 * depend on still arrive after that.
 */
#include "assoc_util.h"
#include "wr.h"

#define T0 ((csctp_tstamp)1000000)

/* A packet of `n` ERROR chunks (Invalid Stream Identifier) under `vtag`. */
static size_t error_pkt(uint8_t *buf, size_t cap, uint32_t vtag, int n) {
  csctp_wr w;
  csctp_wr_init(&w, buf, cap);
  csctp_packet_write_header(&w, 5000, 5000, vtag);
  for (int i = 0; i < n; i++) {
    csctp_wr_u8(&w, CSCTP_CHUNK_ERROR);
    csctp_wr_u8(&w, 0);
    csctp_wr_u16(&w, 12);
    csctp_wr_u16(&w, 1); /* Invalid Stream Identifier */
    csctp_wr_u16(&w, 8);
    csctp_wr_u16(&w, (uint16_t)i);
    csctp_wr_u16(&w, 0);
  }
  cr_assert(!w.overflow);
  csctp_packet_set_crc(buf, w.len);
  return w.len;
}

Test(event_queue, peer_errors_are_capped_while_the_application_does_not_poll) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  establish(&x, &y, T0);
  side_drain_events(&y);
  uint8_t buf[1500];
  for (int k = 0; k < 100; k++) { /* 10,000 ERROR chunks, none polled */
    size_t len = error_pkt(buf, sizeof buf, x.a->peer_tag, 100);
    cr_assert_eq(csctp_assoc_read_packet(y.a, buf, len, T0), 0);
  }
  csctp_stats st;
  csctp_assoc_get_stats(y.a, &st);
  cr_assert_eq(st.events_dropped, 10000 - 64, "dropped %llu",
               (unsigned long long)st.events_dropped);
  cr_assert_leq(y.a->evq_cap, 128, "the queue stayed small (%zu slots)", y.a->evq_cap);
  /* What matters still arrives: the peer aborts, CLOSED comes after the 64 errors kept. */
  csctp_assoc_abort(x.a, NULL, T0);
  int n;
  pkt p[4];
  n = side_pull(&x, p, 4, T0);
  for (int i = 0; i < n; i++) csctp_assoc_read_packet(y.a, p[i].b, p[i].len, T0);
  csctp_event ev;
  int errors = 0, closed = 0;
  while (csctp_assoc_poll_event(y.a, &ev)) {
    errors += ev.type == CSCTP_EVENT_PEER_ERROR;
    closed += ev.type == CSCTP_EVENT_CLOSED;
  }
  cr_assert_eq(errors, 64);
  cr_assert_eq(closed, 1);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}
