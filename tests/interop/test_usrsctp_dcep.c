/* SPDX-License-Identifier: MIT */
/*
 * DCEP (RFC 8832) between our data-channel layer and a few lines of DCEP on top of
 * a usrsctp socket (usrsctp has none), on the harness of ext_harness.h.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <usrsctp.h>

#include "ext_harness.h"

/* ---------- DCEP (RFC 8832) against a usrsctp-side DCEP written above ---------- */

static int us_got(const ext_harness *h, uint16_t sid, uint32_t ppid, const void *d, size_t len) {
  for (int i = 0; i < h->nlog[1]; i++) {
    const ext_rx_msg *m = &h->log[1][i];
    if (m->sid == sid && m->ppid == ppid && m->len == len && memcmp(m->data, d, len) == 0) return 1;
  }
  return 0;
}

static int cs_got(const ext_harness *h, uint16_t sid, int text, const void *d, size_t len) {
  for (int i = 0; i < h->nlog[0]; i++) {
    const ext_rx_msg *m = &h->log[0][i];
    if (m->sid == sid && m->text == text && m->len == len && memcmp(m->data, d, len) == 0) return 1;
  }
  return 0;
}

static uint16_t dc_sid;
static const uint8_t BIN[] = {0x00, 0x01, 0xfe, 0xff, 0x80};
static const uint8_t DCEP_ACK = 0x02;

static int dc_opened_by_usrsctp(ext_harness *h) {
  return h->n_open == 1 && us_got(h, dc_sid, PPID_DCEP, &DCEP_ACK, 1);
}
static int dc_acked(ext_harness *h) {
  csctp_dc_info info;
  return h->n_open == 1 && csctp_dc_get_info(h->dc, h->ch_open[0], &info) == 0 && info.acked;
}
static int dc_messages_done(ext_harness *h) {
  return cs_got(h, dc_sid, 1, "hello", 5) && cs_got(h, dc_sid, 0, BIN, sizeof BIN) &&
         us_got(h, dc_sid, PPID_STRING, "world", 5) &&
         us_got(h, dc_sid, PPID_BINARY, BIN, sizeof BIN);
}
static int dc_closed(ext_harness *h) { return h->n_closed == 1; }
static int us_saw_incoming_reset(ext_harness *h) {
  return h->up.strreset_events > 0 && (h->up.strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN);
}

/* String (PPID 51) and binary (PPID 53) messages both ways on the open channel. */
static void dc_exchange(ext_harness *h) {
  cr_assert_eq(usrsctp_peer_send(&h->up, dc_sid, PPID_STRING, 0, "hello", 5), 0);
  cr_assert_eq(usrsctp_peer_send(&h->up, dc_sid, PPID_BINARY, 0, BIN, sizeof BIN), 0);
  cr_assert_eq(csctp_dc_send(h->dc, h->ch_open[0], 1, "world", 5, ext_now_us()), 0);
  cr_assert_eq(csctp_dc_send(h->dc, h->ch_open[0], 0, BIN, sizeof BIN, ext_now_us()), 0);
  int ok = ext_run_until(h, dc_messages_done, 10000);
  ext_report(h);
  cr_assert(ok, "messages did not arrive (csctp got %d, usrsctp got %d)", h->nlog[0], h->nlog[1]);
  cr_expect_eq(h->nlog[0], 2, "csctp got %d messages", h->nlog[0]);
}

static void dc_setup(ext_harness *h) {
  ext_establish(h, 1);
  const char *l = getenv("CSCTP_INTEROP_LOSS");
  h->loss = l ? atof(l) : 0.10;
}

/* usrsctp opens (odd stream, as the DTLS server); usrsctp closes by resetting its stream. */
Test(usrsctp_ext, dcep_usrsctp_opens_and_closes, .init = ext_setup, .fini = ext_teardown,
     .timeout = 60) {
  ext_harness *h = &ext_h;
  dc_setup(h);
  dc_sid = 1;
  uint8_t open[64];
  size_t n = ext_dcep_open_msg(open, CSCTP_DC_TYPE_RELIABLE, 0, "from-usrsctp");
  cr_assert_eq(usrsctp_peer_send(&h->up, dc_sid, PPID_DCEP, 0, open, n), 0);
  int ok = ext_run_until(h, dc_opened_by_usrsctp, 10000);
  ext_report(h);
  cr_assert(ok, "no OPEN event and ACK (open events %d)", h->n_open);
  cr_expect(h->open_by_peer);
  cr_expect_str_eq(h->open_label, "from-usrsctp");
  csctp_dc_info info;
  cr_assert_eq(csctp_dc_get_info(h->dc, h->ch_open[0], &info), 0);
  cr_expect_eq(info.stream, dc_sid);
  cr_expect_eq(info.state, CSCTP_DC_STATE_OPEN);
  dc_exchange(h);
  /* RFC 8831 §6.7: closing = resetting our outgoing stream; the other side resets its own. */
  cr_assert_eq(usrsctp_peer_reset_streams(&h->up, &dc_sid, 1), 0);
  ok = ext_run_until(h, dc_closed, 10000);
  ext_report(h);
  cr_assert(ok, "csctp did not close the channel (closing %d)", h->n_closing);
  cr_expect_eq(h->n_closing, 1, "no CLOSING event");
  cr_expect_eq(h->ch_closed[0], h->ch_open[0]);
  ok = ext_run_until(h, us_saw_incoming_reset, 10000);
  cr_expect(ok, "usrsctp saw no reset of the incoming stream (flags 0x%x)", h->up.strreset_flags);
  cr_expect_eq(h->up.strreset_streams[0], dc_sid);
  cr_expect_eq(h->dc_errors, 0);
}

/* Our layer opens (even stream); usrsctp's DCEP ACKs; our layer closes. */
Test(usrsctp_ext, dcep_csctp_opens_and_closes, .init = ext_setup, .fini = ext_teardown,
     .timeout = 60) {
  ext_harness *h = &ext_h;
  dc_setup(h);
  csctp_dc_init init = {.label = "from-csctp", .protocol = "chat"};
  csctp_dc_channel ch;
  cr_assert_eq(csctp_dc_open(h->dc, &init, ext_now_us(), &ch), 0);
  int ok = ext_run_until(h, dc_acked, 10000);
  ext_report(h);
  cr_assert(ok, "no ACK for our DATA_CHANNEL_OPEN");
  cr_expect_eq(h->ch_open[0], ch);
  cr_expect(!h->open_by_peer);
  csctp_dc_info info;
  cr_assert_eq(csctp_dc_get_info(h->dc, ch, &info), 0);
  dc_sid = info.stream;
  cr_expect_eq(dc_sid % 2, 0, "the DTLS client uses even ids: %u", dc_sid);
  /* What usrsctp received: one DATA_CHANNEL_OPEN on that stream, PPID 50 (RFC 8832 §5.1). */
  cr_assert_geq(h->nlog[1], 1);
  const ext_rx_msg *m = &h->log[1][0];
  cr_expect_eq(m->sid, dc_sid);
  cr_expect_eq(m->ppid, PPID_DCEP);
  cr_assert_eq(m->len, 12 + 10 + 4, "OPEN of %zu bytes", m->len);
  cr_expect_eq(m->data[0], 0x03);
  cr_expect_eq(m->data[1], CSCTP_DC_TYPE_RELIABLE);
  cr_expect_eq(m->data[8] << 8 | m->data[9], 10);
  cr_expect_eq(m->data[10] << 8 | m->data[11], 4);
  cr_expect(memcmp(m->data + 12, "from-csctpchat", 14) == 0);
  h->nlog[1] = 0;
  dc_exchange(h);
  cr_assert_eq(csctp_dc_close(h->dc, ch, ext_now_us()), 0);
  ok = ext_run_until(h, us_saw_incoming_reset, 10000);
  ext_report(h);
  cr_assert(ok, "usrsctp saw no reset of our stream");
  cr_expect_eq(h->up.strreset_streams[0], dc_sid);
  /* usrsctp's side of the close: reset its outgoing stream too. */
  cr_assert_eq(usrsctp_peer_reset_streams(&h->up, &dc_sid, 1), 0);
  ok = ext_run_until(h, dc_closed, 10000);
  ext_report(h);
  cr_assert(ok, "the channel did not close");
  cr_expect_eq(h->ch_closed[0], ch);
  cr_expect_eq(h->dc_errors, 0);
}
