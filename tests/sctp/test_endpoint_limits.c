/* SPDX-License-Identifier: MIT */
/*
 * Limits a gateway sets on its endpoint (issue 11, finding 6), pushed past
 * through the real code path (ep_attack_util.h: a server endpoint over
 * UDP-style addresses, client engines in memory, a virtual clock):
 *
 * - the most associations: a COOKIE ECHO beyond it gets an ABORT with Out of
 *   Resource and allocates nothing (5,000 handshakes at 20k/s pinned 92 MB);
 * - the receive memory of all associations together (the endpoint's
 *   csctp_rx_budget): DATA past it is dropped and sent again by the peer.
 */
#include "ep_attack_util.h"

TestSuite(endpoint_limits, .init = setup, .fini = teardown);

Test(endpoint_limits, defaults) {
  csctp_endpoint_limits lim;
  csctp_endpoint_get_limits(ep, &lim);
  cr_assert_eq(lim.max_assocs, CSCTP_ENDPOINT_MAX_ASSOCS_DEFAULT);
  cr_assert_eq(lim.max_assocs, 10000);
  cr_assert_eq(lim.rx_memory, (size_t)64 << 20);
  cr_assert_eq(csctp_endpoint_set_limits(ep, NULL), CSCTP_ERR_INVALID_ARGUMENT);
}

Test(endpoint_limits, most_associations) {
  csctp_endpoint_limits lim;
  csctp_endpoint_get_limits(ep, &lim);
  lim.max_assocs = 3;
  cr_assert_eq(csctp_endpoint_set_limits(ep, &lim), 0);
  csctp_assoc *first = connect_client(client_new(2, 1111, 4000));
  connect_client(client_new(3, 1111, 4000));
  connect_client(client_new(4, 1111, 4000));
  cr_assert_eq(csctp_endpoint_count(ep), 3);
  /* The fourth: its COOKIE ECHO is answered with an ABORT (Out of Resource). */
  client *d = client_new(5, 1111, 4000);
  cr_assert_eq(csctp_assoc_connect(d->a, now_t), 0);
  pump();
  cr_assert_eq(csctp_endpoint_count(ep), 3, "an association past the limit");
  cr_assert_eq(csctp_assoc_get_state(d->a), CSCTP_STATE_CLOSED);
  csctp_event ev;
  int closed = 0;
  while (csctp_assoc_poll_event(d->a, &ev))
    if (ev.type == CSCTP_EVENT_CLOSED) {
      closed = 1;
      cr_assert_eq(ev.u.closed.reason, CSCTP_CLOSE_PEER_ABORT);
      cr_assert_eq(ev.u.closed.cause, 4, "cause %u, not Out of Resource", ev.u.closed.cause);
    }
  cr_assert(closed);
  csctp_endpoint_stats st;
  csctp_endpoint_get_stats(ep, &st);
  cr_assert_eq(st.drop_assoc_limit, 1);
  /* Room again once one is removed. */
  cr_assert_eq(csctp_endpoint_remove(ep, first), 0);
  connect_client(client_new(6, 1111, 4000));
  cr_assert_eq(csctp_endpoint_count(ep), 3);
}

/* Two peers send 160 KiB each to a server that does not take its messages, under a
 * 100 KiB budget for the endpoint (each association's window is 1 MiB): the endpoint
 * never holds more than the budget (give or take what one chunk's bookkeeping adds per
 * association: the check counts the payload it takes on, csctp_reasm_held the memory);
 * once the application takes its messages, the dropped DATA comes again and everything
 * arrives. */
#define RX_LIMIT (100 * 1024)
#define RX_SLACK (8 * 1024)
Test(endpoint_limits, receive_memory) {
  csctp_endpoint_limits lim;
  csctp_endpoint_get_limits(ep, &lim);
  lim.rx_memory = RX_LIMIT;
  cr_assert_eq(csctp_endpoint_set_limits(ep, &lim), 0);
  client *c[2] = {client_new(2, 1111, 4000), client_new(3, 1111, 4000)};
  csctp_assoc *srv[2] = {connect_client(c[0]), connect_client(c[1])};
  srv_hold = 1;
  uint8_t msg[8192];
  memset(msg, 0x5a, sizeof(msg));
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < 20; i++) {
      csctp_send_opts o = {.stream = (uint16_t)(i % 4), .ppid = 51};
      cr_assert_eq(csctp_assoc_send(c[k]->a, &o, msg, sizeof(msg), now_t), 0);
    }
  for (int round = 0; round < 50; round++) {
    pump();
    now_t += 100 * CSCTP_MILLISECONDS;
    cr_assert_eq(csctp_endpoint_handle_expiry(ep, now_t), 0);
    for (int k = 0; k < 2; k++) cr_assert_eq(csctp_assoc_handle_expiry(c[k]->a, now_t), 0);
  }
  csctp_endpoint_stats st;
  csctp_endpoint_get_stats(ep, &st);
  cr_assert_leq(st.rx_memory_peak, RX_LIMIT + RX_SLACK, "held %llu bytes",
                (unsigned long long)st.rx_memory_peak);
  cr_assert_gt(st.rx_memory_used, 50 * 1024);
  uint64_t dropped = 0;
  for (int k = 0; k < 2; k++) {
    csctp_stats as;
    csctp_assoc_get_stats(srv[k], &as);
    dropped += as.drop_rx_budget;
  }
  cr_assert_gt(dropped, 0);
  /* The application takes its messages: the rest arrives. */
  srv_hold = 0;
  for (int round = 0; round < 200 && srv_messages < 40; round++) {
    pump();
    now_t += 100 * CSCTP_MILLISECONDS;
    cr_assert_eq(csctp_endpoint_handle_expiry(ep, now_t), 0);
    for (int k = 0; k < 2; k++) cr_assert_eq(csctp_assoc_handle_expiry(c[k]->a, now_t), 0);
  }
  cr_assert_eq(srv_messages, 40);
  csctp_endpoint_get_stats(ep, &st);
  cr_assert_leq(st.rx_memory_peak, RX_LIMIT + RX_SLACK);
  cr_assert_eq(csctp_assoc_get_state(srv[0]), CSCTP_STATE_ESTABLISHED);
}
