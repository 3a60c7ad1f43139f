/* SPDX-License-Identifier: MIT */
/*
 * ECN (RFC 9260 Appendix A, draft-stewart-tsvwg-sctpecn) against usrsctp (Debian's libusrsctp,
 * in memory through AF_CONN, on the harness of ext_harness.h: side 0 our engine, side 1
 * usrsctp, with usrsctp's ECN on). The harness passes each packet's codepoint both ways: ours
 * from csctp_assoc_packet_ecn(), usrsctp's from the TOS of its conn_output, and it hands every
 * 20th ECT packet of one side to the other marked CE (usrsctp_conninput's ecn_bits, our
 * csctp_assoc_read_packet_ecn()). Proven: (a) usrsctp negotiates ECN with us, both connection
 * directions (the passive side's from our cookie); (b) our DATA leaves ECT(0), usrsctp echoes
 * the CE with ECNE, we reduce and answer with CWR; (c) the other way round: usrsctp's packets
 * are ECT, we echo, usrsctp answers with CWR. Messages of the 1 B .. 256 KiB mix go both ways
 * and arrive whole.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <usrsctp.h>

#include "ext_harness.h"
#include "packet.h"

static csctp_config ecn_config(ext_harness *h) {
  csctp_config c = ext_config(h, 0xec11);
  c.ecn = 1;
  return c;
}

static int both_up(ext_harness *h) { return h->connected > 0 && h->up.comm_up > 0; }

static int all_received(ext_harness *h) {
  for (int i = 0; i < 2; i++) {
    if (h->rx[i].bad || h->tx_error[i]) return 1;
    if (h->rx[i].received < h->tx_total[1 - i]) return 0;
  }
  return 1;
}

static void report(ext_harness *h, const csctp_stats *st) {
  fprintf(stderr,
          "ecn: ECT packets ours %llu usrsctp %llu, marked CE ours %llu usrsctp %llu; chunks "
          "ECNE ours %u usrsctp %u, CWR ours %u usrsctp %u; stats ecn %u ce_in %llu ect_out %llu "
          "ecne out %llu in %llu cwr out %llu in %llu reductions %llu ignored %llu/%llu "
          "unexpected %llu rtx %llu; received csctp %u usrsctp %u\n",
          (unsigned long long)h->ect[0], (unsigned long long)h->ect[1],
          (unsigned long long)h->ce[0], (unsigned long long)h->ce[1],
          h->chunks[0][CSCTP_CHUNK_ECNE], h->chunks[1][CSCTP_CHUNK_ECNE],
          h->chunks[0][CSCTP_CHUNK_CWR], h->chunks[1][CSCTP_CHUNK_CWR], st->ecn,
          (unsigned long long)st->ecn_ce_in, (unsigned long long)st->ecn_ect_out,
          (unsigned long long)st->ecne_out, (unsigned long long)st->ecne_in,
          (unsigned long long)st->cwr_out, (unsigned long long)st->cwr_in,
          (unsigned long long)st->ecn_cwnd_reductions, (unsigned long long)st->ecne_ignored,
          (unsigned long long)st->cwr_ignored, (unsigned long long)st->ecn_unexpected,
          (unsigned long long)st->retransmissions, h->rx[0].received, h->rx[1].received);
}

/* The message mix both ways; returns our stats at the end. */
static csctp_stats traffic(ext_harness *h) {
  uint32_t n = (uint32_t)INTEROP_NSIZES;
  for (int i = 0; i < 2; i++) {
    h->tx_total[i] = n;
    h->txbuf[i] = malloc(INTEROP_MAX_MSG);
    interop_rx_init(&h->rx[1 - i], i, n);
  }
  int ok = ext_run_until(h, all_received, 60000);
  csctp_stats st;
  csctp_assoc_get_stats(h->a, &st);
  report(h, &st);
  cr_assert(ok && !h->rx[0].bad && !h->rx[1].bad, "csctp got %u, usrsctp %u (%s %s)",
            h->rx[0].received, h->rx[1].received, h->rx[0].failure, h->rx[1].failure);
  cr_assert_eq(st.ecn, 1, "ECN not negotiated with usrsctp");
  cr_assert_eq(st.ecn_unexpected + st.ecne_ignored, 0);
  cr_assert_gt(h->ect[0], 0, "our DATA never left ECT");
  cr_assert_eq(h->ect[0], st.ecn_ect_out);
  return st;
}

static void ecn_setup(void) {
  ext_setup();
  usrsctp_sysctl_set_sctp_ecn_enable(1); /* usrsctp's default, which the harness turns off */
}

static void open_usrsctp(ext_harness *h, int passive) {
  usrsctp_peer_opts o = {.port = PORT,
                         .remote_port = PORT,
                         .ostreams = 16,
                         .max_instreams = 16,
                         .mtu = MTU,
                         .passive = passive};
  int rc = usrsctp_peer_open(&h->up, "usrsctp", &o);
  h->up_open = 1;
  cr_assert_eq(rc, 0, "%s", h->up.failure);
}

/* (a), (b): we connect; our ECT DATA is marked CE towards usrsctp. */
Test(usrsctp_ecn, usrsctp_echoes_our_ce_we_reduce_and_send_cwr, .init = ecn_setup,
     .fini = ext_teardown, .timeout = 120) {
  ext_harness *h = &ext_h;
  csctp_config c = ecn_config(h);
  cr_assert_eq(csctp_assoc_new(&h->a, &c), 0);
  open_usrsctp(h, 1);
  h->ce_every[0] = 20;
  cr_assert_eq(csctp_assoc_connect(h->a, ext_now_us()), 0);
  cr_assert(ext_run_until(h, both_up, 10000), "handshake did not complete in 10 s");
  csctp_stats st = traffic(h);
  cr_assert_gt(h->ce[0], 0);
  cr_assert_gt(h->chunks[1][CSCTP_CHUNK_ECNE], 0, "usrsctp never sent ECNE");
  cr_assert_gt(st.ecne_in, 0);
  cr_assert_gt(st.ecn_cwnd_reductions, 0, "we never reduced cwnd");
  cr_assert_leq(st.ecn_cwnd_reductions, h->ce[0]);
  cr_assert_gt(h->chunks[0][CSCTP_CHUNK_CWR], 0, "we never sent CWR");
  cr_assert_eq(st.cwr_out, h->chunks[0][CSCTP_CHUNK_CWR]);
}

/* (a) from the cookie, (c): usrsctp connects to us; its ECT packets are marked CE towards us. */
Test(usrsctp_ecn, we_echo_usrsctps_ce_and_it_sends_cwr, .init = ecn_setup, .fini = ext_teardown,
     .timeout = 120) {
  ext_harness *h = &ext_h;
  csctp_config c = ecn_config(h);
  cr_assert_eq(csctp_assoc_new(&h->a, &c), 0);
  open_usrsctp(h, 0);
  h->ce_every[1] = 20;
  cr_assert_eq(usrsctp_peer_connect(&h->up), 0, "%s", h->up.failure);
  cr_assert(ext_run_until(h, both_up, 10000), "handshake did not complete in 10 s");
  csctp_stats st = traffic(h);
  cr_assert_gt(h->ect[1], 0, "usrsctp never sent ECT");
  cr_assert_gt(h->ce[1], 0);
  cr_assert_gt(st.ecn_ce_in, 0);
  cr_assert_gt(st.ecne_out, 0, "we never echoed");
  cr_assert_eq(st.ecne_out, h->chunks[0][CSCTP_CHUNK_ECNE]);
  cr_assert_gt(h->chunks[1][CSCTP_CHUNK_CWR], 0, "usrsctp never answered with CWR");
  cr_assert_gt(st.cwr_in, 0);
  /* Its CWRs end our echo: a few ECNEs per CE, not one in every packet from then on. */
  cr_assert_lt(st.cwr_ignored, st.cwr_in);
  cr_assert_leq(st.ecne_out, 4 * st.ecn_ce_in, "the echo never stopped");
}
