/* SPDX-License-Identifier: MIT */
/*
 * transport/link.c's local addresses (multi-homing, csctp_link_set_local_addrs) on real UDP
 * sockets over loopback, where every 127.x.y.z is an address of the host: a link bound to
 * 0.0.0.0 tells which of its listed addresses each packet arrived at (IP_PKTINFO in), sends
 * from the listed address it is asked to (IP_PKTINFO out, seen as the receiver's source),
 * and drops a packet to one of the host's addresses that it does not list.
 */
#include <string.h>
#include <unistd.h>

#include "../../transport/link.h"
#include "tputil.h"

typedef struct rx {
  csctp_link *l;
  int got;
  uint8_t local;
  csctp_addr from;
} rx;

static void on_recv(void *u, const csctp_addr *from, const uint8_t *pkt, size_t len) {
  rx *r = u;
  if (len < 1 || pkt[0] != 0x5c) return;
  r->got++;
  r->local = csctp_link_rx_local(r->l);
  r->from = *from;
}

static void addr(const char *ip, uint16_t port, csctp_addr *a) {
  cr_assert_eq(csctp_link_addr_parse(ip, port, a), 0);
}

/* Sends one packet from A's local `local` to `to_ip` at B and waits (1 s) for it. */
static int one(GMainContext *ctx, csctp_link *a, uint8_t local, const char *to_ip, uint16_t pb,
               rx *rb) {
  csctp_addr to;
  addr(to_ip, pb, &to);
  uint8_t pkt[8] = {0x5c};
  int before = rb->got;
  csctp_link_send_from(a, &to, local, pkt, sizeof pkt, CSCTP_ECN_NOT_ECT);
  csctp_link_flush(a);
  for (int i = 0; i < 1000 && rb->got == before; i++) {
    g_main_context_iteration(ctx, FALSE);
    g_usleep(1000);
  }
  return rb->got - before;
}

Test(link_local, pktinfo_in_and_out_over_udp_loopback) {
  GMainContext *ctx = g_main_context_new();
  rx ra = {0}, rb = {0};
  csctp_link *a, *b;
  char *err = NULL;
  cr_assert_eq(csctp_link_new(&a, ctx, 1, "0.0.0.0", 0, on_recv, NULL, &ra, &err), 0, "%s", err);
  cr_assert_eq(csctp_link_new(&b, ctx, 1, "0.0.0.0", 0, on_recv, NULL, &rb, &err), 0, "%s", err);
  ra.l = a;
  rb.l = b;
  uint16_t pa = csctp_link_udp_port(a), pb = csctp_link_udp_port(b);
  csctp_addr la[2], lb[2];
  addr("127.0.0.1", 0, &la[0]);
  addr("127.0.0.2", 0, &la[1]);
  addr("127.0.0.3", 0, &lb[0]);
  addr("127.0.0.4", 0, &lb[1]);
  cr_assert_eq(csctp_link_set_local_addrs(a, la, 2), 0);
  cr_assert_eq(csctp_link_set_local_addrs(b, lb, 2), 0);
  csctp_addr want;
  /* From A's second address to B's first, then from A's first to B's second. */
  cr_assert_eq(one(ctx, a, 1, "127.0.0.3", pb, &rb), 1);
  cr_assert_eq(rb.local, 0);
  addr("127.0.0.2", pa, &want);
  cr_assert(rb.from.len == want.len && !memcmp(rb.from.data, want.data, want.len),
            "source is A's second address");
  cr_assert_eq(one(ctx, a, 0, "127.0.0.4", pb, &rb), 1);
  cr_assert_eq(rb.local, 1);
  addr("127.0.0.1", pa, &want);
  cr_assert(rb.from.len == want.len && !memcmp(rb.from.data, want.data, want.len),
            "source is A's first address");
  cr_assert_eq(csctp_link_rx_local(b), CSCTP_LOCAL_ANY, "outside the callback");
  /* 127.0.0.5 is the host's but not in B's list: dropped and counted. */
  cr_assert_eq(one(ctx, a, 0, "127.0.0.5", pb, &rb), 0);
  csctp_link_stats st;
  csctp_link_get_stats(b, &st);
  cr_assert_eq(st.drop_not_local, 1);
  csctp_link_del(a);
  csctp_link_del(b);
  g_main_context_unref(ctx);
}
