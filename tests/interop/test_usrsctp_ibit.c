/* SPDX-License-Identifier: MIT */
/*
 * The RFC 7053 I bit against usrsctp (Debian's 0.9.5), in memory on the harness of
 * ext_harness.h (side 0 our engine, side 1 usrsctp): three one-packet messages leave
 * together; with CSCTP_SEND_SACK_IMMEDIATELY on the first, usrsctp acknowledges that packet
 * alone at once (a SACK whose cumulative TSN is the first message's), where otherwise it
 * waits for the second packet (RFC 9260 §6.2: every second packet). The last of the three,
 * the last before we go idle, carries the I bit either way.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "chunk.h"
#include "ext_harness.h"
#include "packet.h"

#define NDATA 16

static struct {
  int ndata, nsack;
  uint32_t tsn[NDATA];
  uint8_t flags[NDATA];
  uint32_t sack_cum[64];
} seen;

static int look(ext_harness *h, int from, const uint8_t *pkt, size_t len) {
  (void)h;
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, pkt, len);
  while (csctp_chunk_next(&it, &ch) == 1) {
    if (from == 0 && ch.type == CSCTP_CHUNK_DATA && seen.ndata < NDATA) {
      seen.tsn[seen.ndata] = csctp_get_u32(ch.value);
      seen.flags[seen.ndata++] = ch.flags;
    } else if (from == 1 && ch.type == CSCTP_CHUNK_SACK && seen.nsack < 64) {
      seen.sack_cum[seen.nsack++] = csctp_get_u32(ch.value);
    }
  }
  return 0;
}

/* The n-th DATA chunk seen (0-based) has been acknowledged. */
static int nth_acked(int n) {
  if (seen.ndata <= n) return 0;
  for (int i = 0; i < seen.nsack; i++)
    if ((int32_t)(seen.sack_cum[i] - seen.tsn[n]) >= 0) return 1;
  return 0;
}

static int first_acked(ext_harness *h) {
  (void)h;
  return nth_acked(0);
}

static int three_acked(ext_harness *h) {
  (void)h;
  return nth_acked(2);
}

/* Sends three 1000-byte messages on stream 1, the first with `flags`; returns whether usrsctp
 * sent a SACK acknowledging exactly the first. */
static int first_acked_alone(unsigned flags) {
  ext_harness *h = &ext_h;
  memset(&seen, 0, sizeof seen);
  ext_establish(h, 0);
  h->raw = 1;
  h->drop_fn = look;
  static uint8_t buf[1000];
  csctp_send_opts o = {.stream = 1, .ppid = PPID_BINARY};
  /* A first message, acknowledged: usrsctp acknowledges the first DATA of an association at
   * once whatever its flags. */
  cr_assert_eq(csctp_assoc_send(h->a, &o, buf, sizeof buf, ext_now_us()), 0);
  cr_assert(ext_run_until(h, first_acked, 5000), "the first message was not acknowledged");
  memset(&seen, 0, sizeof seen);
  cr_assert_eq(csctp_assoc_send_ex(h->a, &o, flags, buf, sizeof buf, ext_now_us()), 0);
  cr_assert_eq(csctp_assoc_send(h->a, &o, buf, sizeof buf, ext_now_us()), 0);
  cr_assert_eq(csctp_assoc_send(h->a, &o, buf, sizeof buf, ext_now_us()), 0);
  cr_assert(ext_run_until(h, three_acked, 5000), "the three messages were not acknowledged");
  cr_assert_eq(seen.ndata, 3, "three DATA chunks, none retransmitted");
  cr_assert_eq(seen.flags[1] & CSCTP_DATA_FLAG_I, 0);
  cr_assert_neq(seen.flags[2] & CSCTP_DATA_FLAG_I, 0, "the last before idle carries the I bit");
  cr_assert_eq((seen.flags[0] & CSCTP_DATA_FLAG_I) != 0, flags != 0, "the first: I bit %s",
               flags ? "requested" : "not requested");
  int alone = 0;
  for (int i = 0; i < seen.nsack; i++) alone |= seen.sack_cum[i] == seen.tsn[0];
  return alone;
}

Test(usrsctp_ibit, requested_i_bit_is_acknowledged_at_once, .init = ext_setup, .fini = ext_teardown,
     .timeout = 30) {
  cr_assert(first_acked_alone(CSCTP_SEND_SACK_IMMEDIATELY),
            "usrsctp did not acknowledge the first packet alone");
}

/* The control: without the request usrsctp waits for the second packet, so the test above
 * sees the I bit's effect and not usrsctp's ordinary SACK rules. */
Test(usrsctp_ibit, without_the_request_usrsctp_waits_for_the_second_packet, .init = ext_setup,
     .fini = ext_teardown, .timeout = 30) {
  cr_assert_not(first_acked_alone(0), "usrsctp acknowledged the first packet alone anyway");
}
