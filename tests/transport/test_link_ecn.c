/* SPDX-License-Identifier: MIT */
/*
 * transport/link.c's ECN codepoints on real sockets over loopback: every codepoint (Not-ECT,
 * ECT(1), ECT(0), CE) sent with csctp_link_send_ecn() arrives as csctp_link_rx_ecn() says,
 * over UDP (IPv4 and IPv6: IP_TOS / IPV6_TCLASS control messages out, IP_RECVTOS /
 * IPV6_RECVTCLASS in) and raw IP (IPv4: read from the IP header the socket delivers; IPv6:
 * IPV6_RECVTCLASS). A link without csctp_link_set_ecn sends Not-ECT whatever it is given and
 * reads 0. Raw IP needs root (skipped otherwise, or when the kernel's SCTP module is loaded).
 */
#include <string.h>
#include <unistd.h>

#include "../../transport/link.h"
#include "tputil.h"

typedef struct rx {
  csctp_link *l;
  int got, ecn;
  uint8_t first;
} rx;

static void on_recv(void *u, const csctp_addr *from, const uint8_t *pkt, size_t len) {
  (void)from;
  rx *r = u;
  if (len < 1 || pkt[0] != 0xec) return; /* (raw IP: our own sends arrive here too) */
  r->got++;
  r->ecn = csctp_link_rx_ecn(r->l);
  r->first = len > 1 ? pkt[1] : 0;
}

static void round_trip(int udp, int v6, int ecn_on_tx, const char *tag) {
  GMainContext *ctx = g_main_context_new();
  const char *lo = v6 ? "::1" : "127.0.0.1";
  uint16_t pa = udp ? tp_free_udp_port() : 0, pb = udp ? tp_free_udp_port() : 0;
  rx ra = {0}, rb = {0};
  csctp_link *a = NULL, *b = NULL;
  char *err = NULL;
  int rv = csctp_link_new(&a, ctx, udp, lo, pa, on_recv, NULL, &ra, &err);
  cr_assert_eq(rv, 0, "%s: link a: %s", tag, err ? err : "");
  rv = csctp_link_new(&b, ctx, udp, lo, pb, on_recv, NULL, &rb, &err);
  cr_assert_eq(rv, 0, "%s: link b: %s", tag, err ? err : "");
  ra.l = a;
  rb.l = b;
  if (ecn_on_tx) cr_assert_eq(csctp_link_set_ecn(a, 1), 0, "%s", tag);
  cr_assert_eq(csctp_link_set_ecn(b, 1), 0, "%s", tag);
  csctp_addr to;
  cr_assert_eq(csctp_link_addr_parse(lo, pb, &to), 0);
  for (int cp = 0; cp < 4; cp++) {
    uint8_t pkt[16] = {0xec, (uint8_t)cp};
    int before = rb.got;
    csctp_link_send_ecn(a, &to, pkt, sizeof pkt, cp);
    csctp_link_flush(a);
    for (int i = 0; i < 200 && rb.got == before; i++) {
      g_main_context_iteration(ctx, FALSE);
      usleep(1000);
    }
    cr_assert_gt(rb.got, before, "%s: codepoint %d never arrived", tag, cp);
    cr_assert_eq(rb.first, cp);
    cr_assert_eq(rb.ecn, ecn_on_tx ? cp : 0, "%s: sent %d, read %d", tag, cp, rb.ecn);
  }
  csctp_link_stats st;
  csctp_link_get_stats(b, &st);
  cr_assert_eq(st.ce_in, ecn_on_tx ? 1 : 0, "%s", tag);
  csctp_link_get_stats(a, &st);
  cr_assert_eq(st.ect_out, ecn_on_tx ? 2 : 0, "%s", tag);
  cr_assert_eq(csctp_link_rx_ecn(b), 0, "outside the callback");
  csctp_link_del(a);
  csctp_link_del(b);
  g_main_context_unref(ctx);
}

static int raw_skip(void) {
  if (!tp_is_root()) {
    cr_skip_test("raw IP needs root (CAP_NET_RAW)");
    return 1;
  }
  if (access("/sys/module/sctp", F_OK) == 0) {
    cr_skip_test("the kernel SCTP module is loaded: it answers protocol 132 itself (see README)");
    return 1;
  }
  return 0;
}

Test(link_ecn, udp_ipv4_every_codepoint) { round_trip(1, 0, 1, "udp4"); }
Test(link_ecn, udp_ipv6_every_codepoint) { round_trip(1, 1, 1, "udp6"); }
Test(link_ecn, udp_without_ecn_sends_not_ect) { round_trip(1, 0, 0, "udp4-off"); }

Test(link_ecn, raw_ipv4_every_codepoint) {
  if (raw_skip()) return;
  round_trip(0, 0, 1, "raw4");
}

Test(link_ecn, raw_ipv6_every_codepoint) {
  if (raw_skip()) return;
  round_trip(0, 1, 1, "raw6");
}
