/* SPDX-License-Identifier: MIT */
/*
 * RFC 9653 zero checksum against usrsctp (Debian's 0.9.5, which predates the
 * RFC): our engine announces Zero Checksum Acceptable (EDMID 1) in its INIT or
 * INIT ACK; usrsctp does not know the parameter (type 0x8001: skip, do not
 * report) and must still interoperate, and since it never announces it, every
 * packet we send it must carry a correct CRC32c. On the harness of
 * ext_harness.h (side 0 our engine, side 1 usrsctp), both directions, with loss.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <usrsctp.h>

#include "chunk.h"
#include "ext_harness.h"
#include "packet.h"

/* What crossed the link, looked at by the harness's drop hook (which drops nothing). */
static struct {
  uint64_t ours, ours_bad_crc, ours_zero;
  int our_init_announced, our_init_ack_announced; /* EDMID 1 seen in our INIT / INIT ACK */
  int their_inits, their_announcements;           /* usrsctp's INIT / INIT ACK, with 0x8001 */
} seen;

/* The Zero Checksum Acceptable EDMID of an INIT / INIT ACK packet, or -1. */
static int64_t zc_param(const uint8_t *pkt, size_t len) {
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, pkt, len);
  if (csctp_chunk_next(&it, &ch) != 1) return -1;
  if (ch.type != CSCTP_CHUNK_INIT && ch.type != CSCTP_CHUNK_INIT_ACK) return -1;
  csctp_init_chunk in;
  cr_assert_eq(csctp_init_decode(&ch, &in), 0, "an INIT or INIT ACK we cannot decode");
  return in.has_zero_checksum ? (int64_t)in.zero_checksum_edmid : -1;
}

static int look(ext_harness *h, int from, const uint8_t *pkt, size_t len) {
  (void)h;
  uint8_t first = pkt[CSCTP_COMMON_HDR_LEN];
  if (from == 0) {
    seen.ours++;
    if (!csctp_packet_check_crc(pkt, len)) seen.ours_bad_crc++;
    if (csctp_get_u32(pkt + 8) == 0) seen.ours_zero++;
    if (first == CSCTP_CHUNK_INIT && zc_param(pkt, len) == 1) seen.our_init_announced = 1;
    if (first == CSCTP_CHUNK_INIT_ACK && zc_param(pkt, len) == 1) seen.our_init_ack_announced = 1;
  } else if (first == CSCTP_CHUNK_INIT || first == CSCTP_CHUNK_INIT_ACK) {
    seen.their_inits++;
    if (zc_param(pkt, len) >= 0) seen.their_announcements++;
  }
  return 0;
}

static csctp_config zc_config(ext_harness *h) {
  csctp_config c = ext_config(h, 0x2c5e);
  c.zero_checksum_edmid = CSCTP_EDMID_DTLS;
  return c;
}

static int both_up(ext_harness *h) { return h->connected > 0 && h->up.comm_up > 0; }

/* Every message arrived both ways (or something failed: stop and report). */
static int all_arrived(ext_harness *h) {
  int done = 1;
  for (int i = 0; i < 2; i++) {
    if (h->rx[i].bad || h->tx_error[i]) return 1;
    if (h->rx[i].received < h->rx[i].expected) done = 0;
  }
  return done;
}

/* Both directions: the full 1 B .. 256 KiB mix twice, at `loss`, then the checks. */
static void traffic_and_checks(ext_harness *h, double loss) {
  const char *l = getenv("CSCTP_INTEROP_LOSS");
  h->loss = l ? atof(l) : loss;
  for (int i = 0; i < 2; i++) {
    h->tx_total[i] = 2 * (uint32_t)INTEROP_NSIZES;
    h->txbuf[i] = malloc(INTEROP_MAX_MSG);
    interop_rx_init(&h->rx[1 - i], i, h->tx_total[i]);
  }
  int ok = ext_run_until(h, all_arrived, 60000);
  ext_report(h);
  csctp_stats st;
  csctp_assoc_get_stats(h->a, &st);
  fprintf(stderr,
          "zero checksum: ours %llu packets (%llu bad CRC, %llu zero), usrsctp INIT/INIT ACK %d "
          "(%d announcing); stats: negotiated %u, in %llu, out %llu, drop_bad_crc %llu\n",
          (unsigned long long)seen.ours, (unsigned long long)seen.ours_bad_crc,
          (unsigned long long)seen.ours_zero, seen.their_inits, seen.their_announcements,
          st.zero_checksum, (unsigned long long)st.zero_checksum_in,
          (unsigned long long)st.zero_checksum_out, (unsigned long long)st.drop_bad_crc);
  for (int i = 0; i < 2; i++) {
    cr_expect_eq(h->tx_error[i], 0, "side %d: send failed", i);
    cr_expect_eq(h->rx[i].bad, 0, "side %d received: %s", i, h->rx[i].failure);
  }
  cr_assert(ok, "not every message arrived in 60 s (csctp got %u/%u, usrsctp %u/%u)",
            h->rx[0].received, h->rx[0].expected, h->rx[1].received, h->rx[1].expected);
  /* usrsctp 0.9.5 does not announce, so nothing is negotiated ... */
  cr_assert_gt(seen.their_inits, 0);
  cr_assert_eq(seen.their_announcements, 0, "usrsctp announced zero checksum");
  cr_assert_eq(st.zero_checksum, 0);
  /* ... and every packet of ours carried a correct CRC32c (RFC 9653 §5.2). */
  cr_assert_gt(seen.ours, 100);
  cr_assert_eq(seen.ours_bad_crc, 0, "%llu packets of ours without a correct CRC32c",
               (unsigned long long)seen.ours_bad_crc);
  cr_assert_eq(seen.ours_zero, 0);
  cr_assert_eq(st.zero_checksum_out, 0);
  cr_assert_eq(st.zero_checksum_in, 0, "usrsctp sent a zero checksum");
  /* The parameter was not reported back as unrecognized (its type says skip silently). */
  cr_expect_eq(h->chunks[1][CSCTP_CHUNK_ERROR], 0, "usrsctp sent an ERROR chunk");
  cr_expect_eq(h->up.remote_errors + h->peer_errors, 0);
}

/* We connect to a listening usrsctp with the parameter in our INIT. */
Test(usrsctp_zcsum, csctp_connects_announcing_zero_checksum, .init = ext_setup,
     .fini = ext_teardown, .timeout = 90) {
  ext_harness *h = &ext_h;
  memset(&seen, 0, sizeof seen);
  h->drop_fn = look;
  csctp_config c = zc_config(h);
  cr_assert_eq(csctp_assoc_new(&h->a, &c), 0);
  usrsctp_peer_opts o = {.port = PORT,
                         .remote_port = PORT,
                         .ostreams = 16,
                         .max_instreams = 16,
                         .mtu = MTU,
                         .passive = 1};
  int rc = usrsctp_peer_open(&h->up, "usrsctp", &o);
  h->up_open = 1;
  cr_assert_eq(rc, 0, "%s", h->up.failure);
  cr_assert_eq(csctp_assoc_connect(h->a, ext_now_us()), 0);
  cr_assert(ext_run_until(h, both_up, 10000), "handshake did not complete in 10 s");
  cr_assert(seen.our_init_announced, "our INIT did not carry Zero Checksum Acceptable (EDMID 1)");
  traffic_and_checks(h, 0.05);
}

/* usrsctp connects to our listening engine, whose stateless INIT ACK carries the parameter. */
Test(usrsctp_zcsum, usrsctp_connects_to_announcing_csctp, .init = ext_setup, .fini = ext_teardown,
     .timeout = 90) {
  ext_harness *h = &ext_h;
  memset(&seen, 0, sizeof seen);
  h->drop_fn = look;
  csctp_config c = zc_config(h);
  cr_assert_eq(csctp_assoc_new(&h->a, &c), 0);
  usrsctp_peer_opts o = {.port = PORT,
                         .remote_port = PORT,
                         .ostreams = 16,
                         .max_instreams = 16,
                         .mtu = MTU,
                         .passive = 0};
  int rc = usrsctp_peer_open(&h->up, "usrsctp", &o);
  h->up_open = 1;
  cr_assert_eq(rc, 0, "%s", h->up.failure);
  cr_assert_eq(usrsctp_peer_connect(&h->up), 0, "%s", h->up.failure);
  cr_assert(ext_run_until(h, both_up, 10000), "handshake did not complete in 10 s");
  cr_assert(seen.our_init_ack_announced,
            "our INIT ACK did not carry Zero Checksum Acceptable (EDMID 1)");
  traffic_and_checks(h, 0.05);
}
