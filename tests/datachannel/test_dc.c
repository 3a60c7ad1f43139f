/* SPDX-License-Identifier: MIT */
/* The channel layer over two real engines (datachannel/dc.c, dc_rx.c): DCEP exchange,
 * ids by role, PPIDs, ordering before ACK, malformed DCEP, negotiated channels, API errors.
 * Expected bytes are written by hand from RFC 8831 / RFC 8832. */
#include <criterion/criterion.h>
#include <string.h>

#include "dc_pair.h"

#define RUN(p) dc_pair_run((p), NULL, 5 * CSCTP_SECONDS)

static csctp_dc_channel open_ch(dc_pair *p, int side, const char *label, const char *proto,
                                int unordered, csctp_pr_policy pol, uint32_t val) {
  csctp_dc_init in = {
      .label = label, .protocol = proto, .unordered = unordered, .pr_policy = pol, .pr_value = val};
  csctp_dc_channel ch = 0;
  int rv = csctp_dc_open(p->s[side].dc, &in, dc_pair_now(p), &ch);
  cr_assert_eq(rv, 0, "open: %s", csctp_strerror(rv));
  cr_assert_neq(ch, 0);
  return ch;
}

static uint16_t stream_of(dc_pair *p, int side, csctp_dc_channel ch) {
  csctp_dc_info info;
  cr_assert_eq(csctp_dc_get_info(p->s[side].dc, ch, &info), 0);
  cr_assert(info.has_stream);
  return info.stream;
}

Test(dc, inband_open_before_connect_ids_by_role) {
  dc_pair p;
  dc_pair_new(&p, NULL, NULL, 0, NULL);
  csctp_dc_channel a1 = open_ch(&p, 0, "chat", "proto", 0, CSCTP_PR_NONE, 0);
  csctp_dc_channel a2 = open_ch(&p, 0, "two", NULL, 1, CSCTP_PR_RTX, 3);
  csctp_dc_info info;
  cr_assert_eq(csctp_dc_get_info(p.s[0].dc, a1, &info), 0);
  cr_assert_eq(info.state, CSCTP_DC_STATE_CONNECTING);
  cr_assert_eq(info.has_stream, 0);
  cr_assert_eq(csctp_dc_send(p.s[0].dc, a1, 1, "x", 1, dc_pair_now(&p)), CSCTP_ERR_INVALID_STATE);
  dc_pair_connect(&p);
  RUN(&p);
  /* A is the DTLS client: even ids, lowest first. */
  cr_assert_eq(stream_of(&p, 0, a1), 0);
  cr_assert_eq(stream_of(&p, 0, a2), 2);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_OPEN), 2);
  cr_assert_eq(dc_pair_find(&p, 0, CSCTP_DC_EVENT_OPEN, 0)->ev.u.open.by_peer, 0);
  const dc_rec *r = dc_pair_find(&p, 1, CSCTP_DC_EVENT_OPEN, 0);
  cr_assert(r);
  cr_assert_eq(r->ev.u.open.by_peer, 1);
  cr_assert_str_eq(r->label, "chat");
  cr_assert_str_eq(r->protocol, "proto");
  cr_assert_eq(r->ev.u.open.channel_type, 0x00);
  cr_assert_eq(r->ev.u.open.priority, 256);
  r = dc_pair_find(&p, 1, CSCTP_DC_EVENT_OPEN, 1);
  cr_assert_str_eq(r->label, "two");
  cr_assert_eq(r->ev.u.open.channel_type, 0x81);
  cr_assert_eq(r->ev.u.open.reliability_param, 3);
  cr_assert_eq(stream_of(&p, 1, r->ev.channel), 2);
  /* The ACK came back. */
  cr_assert_eq(csctp_dc_get_info(p.s[0].dc, a1, &info), 0);
  cr_assert_eq(info.state, CSCTP_DC_STATE_OPEN);
  cr_assert_eq(info.acked, 1);
  /* B is the DTLS server: odd ids. */
  csctp_dc_channel b1 = open_ch(&p, 1, "from-b", NULL, 0, CSCTP_PR_NONE, 0);
  cr_assert_eq(stream_of(&p, 1, b1), 1);
  RUN(&p);
  r = dc_pair_find(&p, 0, CSCTP_DC_EVENT_OPEN, 2);
  cr_assert(r);
  cr_assert_eq(r->ev.u.open.by_peer, 1);
  cr_assert_str_eq(r->label, "from-b");
  /* Role is fixed once ids are out. */
  cr_assert_eq(csctp_dc_set_role(p.s[0].dc, CSCTP_DC_ROLE_SERVER), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_dc_set_role(p.s[0].dc, CSCTP_DC_ROLE_CLIENT), 0);
  csctp_dc_stats st;
  csctp_dc_get_stats(p.s[1].dc, &st);
  cr_assert_eq(st.channels_opened_remote, 2);
  cr_assert_eq(st.channels_opened_local, 1);
  dc_pair_del(&p);
}

Test(dc, messages_text_binary_empty) {
  dc_pair p;
  dc_pair_new(&p, NULL, NULL, 0, NULL);
  dc_pair_connect(&p);
  csctp_dc_channel a = open_ch(&p, 0, "m", NULL, 0, CSCTP_PR_NONE, 0);
  csctp_tstamp now = dc_pair_now(&p);
  /* Right after OPEN, before the ACK (RFC 8832 §6). */
  cr_assert_eq(csctp_dc_send(p.s[0].dc, a, 1, "hi", 2, now), 0);
  cr_assert_eq(csctp_dc_send(p.s[0].dc, a, 0, "\x01\x02\x03", 3, now), 0);
  cr_assert_eq(csctp_dc_send(p.s[0].dc, a, 1, "", 0, now), 0);
  cr_assert_eq(csctp_dc_send(p.s[0].dc, a, 0, NULL, 0, now), 0);
  cr_assert_eq(csctp_dc_send(p.s[0].dc, a, 0, NULL, 1, now), CSCTP_ERR_INVALID_ARGUMENT);
  RUN(&p);
  cr_assert_eq(dc_pair_count(&p, 1, CSCTP_DC_EVENT_MESSAGE), 4);
  const dc_rec *m0 = dc_pair_find(&p, 1, CSCTP_DC_EVENT_MESSAGE, 0);
  const dc_rec *m1 = dc_pair_find(&p, 1, CSCTP_DC_EVENT_MESSAGE, 1);
  const dc_rec *m2 = dc_pair_find(&p, 1, CSCTP_DC_EVENT_MESSAGE, 2);
  const dc_rec *m3 = dc_pair_find(&p, 1, CSCTP_DC_EVENT_MESSAGE, 3);
  cr_assert(m0->ev.u.message.is_text && m0->ev.u.message.len == 2);
  cr_assert_eq(memcmp(m0->data, "hi", 2), 0);
  cr_assert(!m1->ev.u.message.is_text && m1->ev.u.message.len == 3);
  cr_assert_eq(memcmp(m1->data, "\x01\x02\x03", 3), 0);
  cr_assert(m2->ev.u.message.is_text && m2->ev.u.message.len == 0);
  cr_assert(!m3->ev.u.message.is_text && m3->ev.u.message.len == 0);
  /* The OPEN event on B came before the first message. */
  cr_assert_lt(dc_pair_find(&p, 1, CSCTP_DC_EVENT_OPEN, 0), m0);
  dc_pair_del(&p);
}

/* ---- the wire, seen by a bare engine on side B ---- */

Test(dc, wire_open_bytes_ppids_and_order_before_ack) {
  dc_pair p;
  dc_pair_new(&p, NULL, NULL, 1, NULL);
  dc_pair_connect(&p);
  csctp_dc_channel a = open_ch(&p, 0, "chat", NULL, 1, CSCTP_PR_NONE, 0);
  cr_assert_eq(csctp_dc_send(p.s[0].dc, a, 1, "x", 1, dc_pair_now(&p)), 0);
  cr_assert_eq(csctp_dc_send(p.s[0].dc, a, 1, "", 0, dc_pair_now(&p)), 0);
  cr_assert_eq(csctp_dc_send(p.s[0].dc, a, 0, "", 0, dc_pair_now(&p)), 0);
  RUN(&p);
  /* RFC 8832 §5.1: type 3, channel type 0x80, priority 256, reliability 0, label 4, proto 0. */
  static const uint8_t open[] = {0x03, 0x80, 0x01, 0x00, 0,   0,   0,   0,
                                 0x00, 0x04, 0x00, 0x00, 'c', 'h', 'a', 't'};
  const dc_rec *r = dc_pair_find_raw(&p, CSCTP_EVENT_MESSAGE, 0);
  cr_assert(r);
  cr_assert_eq(r->raw.u.message.stream, 0);
  cr_assert_eq(r->raw.u.message.ppid, 50);
  cr_assert_eq(r->raw.u.message.unordered, 0);
  cr_assert_eq(r->raw.u.message.len, sizeof open);
  cr_assert_eq(memcmp(r->data, open, sizeof open), 0);
  /* Before the ACK, even an unordered channel sends ordered (RFC 8832 §6). */
  r = dc_pair_find_raw(&p, CSCTP_EVENT_MESSAGE, 1);
  cr_assert_eq(r->raw.u.message.ppid, 51);
  cr_assert_eq(r->raw.u.message.unordered, 0);
  cr_assert_eq(r->data[0], 'x');
  /* Empty messages: one zero byte with PPID 56 / 57 (RFC 8831 §6.6). */
  r = dc_pair_find_raw(&p, CSCTP_EVENT_MESSAGE, 2);
  cr_assert_eq(r->raw.u.message.ppid, 56);
  cr_assert_eq(r->raw.u.message.len, 1);
  cr_assert_eq(r->data[0], 0);
  r = dc_pair_find_raw(&p, CSCTP_EVENT_MESSAGE, 3);
  cr_assert_eq(r->raw.u.message.ppid, 57);
  /* The peer's ACK (one byte, type 2), then messages go unordered. */
  static const uint8_t ack = 0x02;
  dc_raw_send(&p, 0, 50, 0, &ack, 1);
  RUN(&p);
  csctp_dc_info info;
  cr_assert_eq(csctp_dc_get_info(p.s[0].dc, a, &info), 0);
  cr_assert_eq(info.acked, 1);
  cr_assert_eq(csctp_dc_send(p.s[0].dc, a, 0, "y", 1, dc_pair_now(&p)), 0);
  RUN(&p);
  r = dc_pair_find_raw(&p, CSCTP_EVENT_MESSAGE, 4);
  cr_assert_eq(r->raw.u.message.ppid, 53);
  cr_assert_eq(r->raw.u.message.unordered, 1);
  dc_pair_del(&p);
}

Test(dc, first_user_message_counts_as_ack) {
  dc_pair p;
  dc_pair_new(&p, NULL, NULL, 1, NULL);
  dc_pair_connect(&p);
  csctp_dc_channel a = open_ch(&p, 0, "ff", NULL, 1, CSCTP_PR_NONE, 0);
  RUN(&p);
  dc_raw_send(&p, 0, 51, 0, "hello", 5); /* Firefox style: data instead of an ACK */
  RUN(&p);
  const dc_rec *m = dc_pair_find(&p, 0, CSCTP_DC_EVENT_MESSAGE, 0);
  cr_assert(m);
  cr_assert_eq(m->ev.channel, a);
  cr_assert_eq(memcmp(m->data, "hello", 5), 0);
  csctp_dc_info info;
  cr_assert_eq(csctp_dc_get_info(p.s[0].dc, a, &info), 0);
  cr_assert_eq(info.acked, 1);
  /* A real ACK afterwards is unexpected and only counted. */
  static const uint8_t ack = 0x02;
  dc_raw_send(&p, 0, 50, 0, &ack, 1);
  RUN(&p);
  csctp_dc_stats st;
  csctp_dc_get_stats(p.s[0].dc, &st);
  cr_assert_eq(st.ack_unexpected, 1);
  dc_pair_del(&p);
}

static int raw_has_dcep_on(const dc_pair *p, uint16_t stream) {
  for (size_t i = 0; i < p->s[1].nrec; i++) {
    const csctp_event *e = &p->s[1].recs[i].raw;
    if (e->type == CSCTP_EVENT_MESSAGE && e->u.message.ppid == 50 && e->u.message.stream == stream)
      return 1;
  }
  return 0;
}

Test(dc, peer_open_answered_by_ack) {
  dc_pair p;
  dc_pair_new(&p, NULL, NULL, 1, NULL);
  dc_pair_connect(&p);
  /* B (server, odd ids) opens stream 7: reliable, priority 512, label "é", protocol "p". */
  static const uint8_t open[] = {0x03, 0x00, 0x02, 0x00, 0, 0, 0, 9, 0, 2, 0, 1, 0xc3, 0xa9, 'p'};
  dc_raw_send(&p, 7, 50, 0, open, sizeof open);
  RUN(&p);
  const dc_rec *r = dc_pair_find(&p, 0, CSCTP_DC_EVENT_OPEN, 0);
  cr_assert(r);
  cr_assert_eq(r->ev.u.open.by_peer, 1);
  cr_assert_str_eq(r->label, "\xc3\xa9");
  cr_assert_str_eq(r->protocol, "p");
  cr_assert_eq(r->ev.u.open.priority, 512);
  cr_assert_eq(r->ev.u.open.reliability_param, 0); /* ignored for reliable channels */
  const dc_rec *ack = dc_pair_find_raw(&p, CSCTP_EVENT_MESSAGE, 0);
  cr_assert(ack);
  cr_assert_eq(ack->raw.u.message.stream, 7);
  cr_assert_eq(ack->raw.u.message.ppid, 50);
  cr_assert_eq(ack->raw.u.message.len, 1);
  cr_assert_eq(ack->data[0], 0x02);
  /* Deprecated partial PPIDs: 54 + 54 + 51 make one text message. */
  dc_raw_send(&p, 7, 54, 0, "ab", 2);
  dc_raw_send(&p, 7, 54, 0, "cd", 2);
  dc_raw_send(&p, 7, 51, 0, "ef", 2);
  dc_raw_send(&p, 7, 52, 0, "\x01", 1);
  dc_raw_send(&p, 7, 53, 0, "\x02", 1);
  RUN(&p);
  const dc_rec *m = dc_pair_find(&p, 0, CSCTP_DC_EVENT_MESSAGE, 0);
  cr_assert(m);
  cr_assert_eq(m->ev.u.message.is_text, 1);
  cr_assert_eq(m->ev.u.message.len, 6);
  cr_assert_eq(memcmp(m->data, "abcdef", 6), 0);
  m = dc_pair_find(&p, 0, CSCTP_DC_EVENT_MESSAGE, 1);
  cr_assert_eq(m->ev.u.message.is_text, 0);
  cr_assert_eq(m->ev.u.message.len, 2);
  cr_assert_eq(memcmp(m->data, "\x01\x02", 2), 0);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_MESSAGE), 2);
  /* A second OPEN on the same stream: the channel is closed (RFC 8832 §6). */
  dc_raw_send(&p, 7, 50, 0, open, sizeof open);
  RUN(&p);
  r = dc_pair_find(&p, 0, CSCTP_DC_EVENT_ERROR, 0);
  cr_assert(r);
  cr_assert_eq(r->ev.u.error.reason, CSCTP_DC_ERR_OPEN_COLLISION);
  if (!dc_engine_has_reset()) cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_CLOSED), 1);
  dc_pair_del(&p);
}

Test(dc, malformed_dcep_rejected_without_ack) {
  dc_pair p;
  dc_pair_new(&p, NULL, NULL, 1, NULL);
  dc_pair_connect(&p);
  static const uint8_t good[] = {0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0, 1, 0, 0, 'L'};
  uint8_t b[sizeof good];
  /* label length past the message, stream 1 */
  memcpy(b, good, sizeof b);
  b[9] = 9;
  dc_raw_send(&p, 1, 50, 0, b, sizeof b);
  /* unknown message type, stream 3 */
  static const uint8_t unk[] = {0x05, 0x00};
  dc_raw_send(&p, 3, 50, 0, unk, sizeof unk);
  /* reserved channel type 0x7f, stream 5 */
  memcpy(b, good, sizeof b);
  b[1] = 0x7f;
  dc_raw_send(&p, 5, 50, 0, b, sizeof b);
  /* (An OPEN of the other parity on a free id is accepted: test_dc_parity.c.) */
  /* truncated header, stream 9 */
  dc_raw_send(&p, 9, 50, 0, good, 5);
  /* user data without a channel, and a PPID outside WebRTC's */
  dc_raw_send(&p, 11, 51, 0, "zz", 2);
  dc_raw_send(&p, 11, 99, 0, "zz", 2);
  RUN(&p);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_OPEN), 0);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_MESSAGE), 0);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_ERROR), 0);
  for (uint16_t s = 0; s < 12; s++) cr_assert_not(raw_has_dcep_on(&p, s), "ACK on %u", s);
  csctp_dc_stats st;
  csctp_dc_get_stats(p.s[0].dc, &st);
  cr_assert_eq(st.dcep_malformed, 2);
  cr_assert_eq(st.dcep_unknown_type, 1);
  cr_assert_eq(st.open_rejected, 3); /* bad length, reserved type, truncated */
  cr_assert_eq(st.msgs_no_channel, 1);
  cr_assert_eq(st.msgs_bad_ppid, 1);
  /* The association is unharmed: a good OPEN still works. */
  dc_raw_send(&p, 13, 50, 0, good, sizeof good);
  RUN(&p);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_OPEN), 1);
  cr_assert(raw_has_dcep_on(&p, 13));
  cr_assert_eq(csctp_assoc_get_state(p.s[0].a), CSCTP_STATE_ESTABLISHED);
  dc_pair_del(&p);
}

Test(dc, negotiated_channels_send_no_dcep) {
  dc_pair p;
  dc_pair_new(&p, NULL, NULL, 0, NULL);
  csctp_dc_init in = {.label = "neg", .negotiated = 1, .id = 3};
  csctp_dc_channel a, b;
  cr_assert_eq(csctp_dc_open(p.s[0].dc, &in, dc_pair_now(&p), &a), 0);
  cr_assert_eq(csctp_dc_open(p.s[1].dc, &in, dc_pair_now(&p), &b), 0);
  csctp_dc_channel dup;
  cr_assert_eq(csctp_dc_open(p.s[0].dc, &in, dc_pair_now(&p), &dup), CSCTP_ERR_STREAM_ID);
  in.id = 65535;
  cr_assert_eq(csctp_dc_open(p.s[0].dc, &in, dc_pair_now(&p), &dup), CSCTP_ERR_INVALID_ARGUMENT);
  dc_pair_connect(&p);
  RUN(&p);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_OPEN), 1);
  cr_assert_eq(dc_pair_count(&p, 1, CSCTP_DC_EVENT_OPEN), 1);
  cr_assert_eq(csctp_dc_send(p.s[0].dc, a, 1, "to-b", 4, dc_pair_now(&p)), 0);
  cr_assert_eq(csctp_dc_send(p.s[1].dc, b, 1, "to-a", 4, dc_pair_now(&p)), 0);
  RUN(&p);
  const dc_rec *m = dc_pair_find(&p, 1, CSCTP_DC_EVENT_MESSAGE, 0);
  cr_assert(m && m->ev.channel == b && memcmp(m->data, "to-b", 4) == 0);
  m = dc_pair_find(&p, 0, CSCTP_DC_EVENT_MESSAGE, 0);
  cr_assert(m && m->ev.channel == a && memcmp(m->data, "to-a", 4) == 0);
  csctp_dc_stats st;
  csctp_dc_get_stats(p.s[1].dc, &st);
  cr_assert_eq(st.channels_opened_remote, 0);
  cr_assert_eq(st.dcep_malformed + st.ack_unexpected + st.open_rejected, 0);
  dc_pair_del(&p);
}

Test(dc, max_message_size_refused_clearly) {
  dc_pair p;
  dc_pair_new(&p, NULL, NULL, 0, NULL);
  dc_pair_connect(&p);
  csctp_dc_channel a = open_ch(&p, 0, "big", NULL, 0, CSCTP_PR_NONE, 0);
  static uint8_t buf[70000];
  csctp_tstamp now = dc_pair_now(&p);
  /* Default: 65536 (RFC 8841 §6.1 when a=max-message-size is absent). */
  cr_assert_eq(csctp_dc_send(p.s[0].dc, a, 0, buf, 65537, now), CSCTP_ERR_MSG_TOO_LARGE);
  cr_assert_eq(csctp_dc_send(p.s[0].dc, a, 0, buf, 65536, now), 0);
  csctp_dc_set_max_message_size(p.s[0].dc, 1000);
  cr_assert_eq(csctp_dc_send(p.s[0].dc, a, 0, buf, 1001, now), CSCTP_ERR_MSG_TOO_LARGE);
  cr_assert_eq(csctp_dc_send(p.s[0].dc, a, 0, buf, 1000, now), 0);
  cr_assert_eq(csctp_dc_set_channel_max_message_size(p.s[0].dc, a, 10), 0);
  cr_assert_eq(csctp_dc_send(p.s[0].dc, a, 0, buf, 11, now), CSCTP_ERR_MSG_TOO_LARGE);
  cr_assert_eq(csctp_dc_send(p.s[0].dc, a, 0, buf, 10, now), 0);
  csctp_dc_info info;
  cr_assert_eq(csctp_dc_get_info(p.s[0].dc, a, &info), 0);
  cr_assert_eq(info.max_message_size, 10);
  RUN(&p);
  cr_assert_eq(dc_pair_count(&p, 1, CSCTP_DC_EVENT_MESSAGE), 3);
  dc_pair_del(&p);
}

Test(dc, api_errors_and_stale_handles) {
  dc_pair p;
  dc_pair_new(&p, NULL, NULL, 0, NULL);
  csctp_dc *dc = p.s[0].dc;
  csctp_dc_channel ch;
  csctp_dc_init bad = {.label = "\xff"};
  cr_assert_eq(csctp_dc_open(dc, &bad, 0, &ch), CSCTP_ERR_INVALID_ARGUMENT);
  bad = (csctp_dc_init){.pr_policy = (csctp_pr_policy)7};
  cr_assert_eq(csctp_dc_open(dc, &bad, 0, &ch), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_dc_open(dc, NULL, 0, &ch), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_dc_send(dc, 0, 1, "x", 1, 0), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_dc_close(dc, 12345, 0), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_dc_buffered_amount(dc, 7), 0);
  /* A CONNECTING channel without an id closes at once. */
  csctp_dc_init in = {.label = "x"};
  cr_assert_eq(csctp_dc_open(dc, &in, 0, &ch), 0);
  cr_assert_eq(csctp_dc_close(dc, ch, 0), 0);
  cr_assert_eq(csctp_dc_close(dc, ch, 0), CSCTP_ERR_CLOSED);
  cr_assert_eq(csctp_dc_send(dc, ch, 1, "x", 1, 0), CSCTP_ERR_CLOSED);
  csctp_dc_event ev;
  cr_assert_eq(csctp_dc_poll_event(dc, &ev, 0), 1);
  cr_assert_eq(ev.type, CSCTP_DC_EVENT_CLOSED);
  cr_assert_eq(ev.channel, ch);
  cr_assert_eq(csctp_dc_poll_event(dc, &ev, 0), 0);
  /* Released: the handle is stale now, and its slot's next handle differs. */
  cr_assert_eq(csctp_dc_send(dc, ch, 1, "x", 1, 0), CSCTP_ERR_INVALID_ARGUMENT);
  csctp_dc_channel ch2;
  cr_assert_eq(csctp_dc_open(dc, &in, 0, &ch2), 0);
  cr_assert_neq(ch2, ch);
  cr_assert_eq(ch2 & 0xffff, ch & 0xffff);
  cr_assert_eq(csctp_dc_channel_count(dc), 1);
  dc_pair_del(&p);
}

static int b_closed(csctp_simlink *l, void *u) {
  (void)l;
  return csctp_assoc_get_state(((dc_pair *)u)->s[1].a) == CSCTP_STATE_CLOSED;
}

Test(dc, association_close_closes_channels) {
  dc_pair p;
  dc_pair_new(&p, NULL, NULL, 0, NULL);
  dc_pair_connect(&p);
  open_ch(&p, 0, "1", NULL, 0, CSCTP_PR_NONE, 0);
  open_ch(&p, 0, "2", NULL, 0, CSCTP_PR_NONE, 0);
  RUN(&p);
  cr_assert_eq(csctp_assoc_abort(p.s[0].a, "bye", dc_pair_now(&p)), 0);
  dc_pair_run(&p, b_closed, 5 * CSCTP_SECONDS);
  RUN(&p);
  for (int s = 0; s < 2; s++) {
    cr_assert_eq(dc_pair_count(&p, s, CSCTP_DC_EVENT_CLOSED), 2, "side %d", s);
    csctp_dc_channel ch;
    csctp_dc_init in = {.label = "late"};
    cr_assert_eq(csctp_dc_open(p.s[s].dc, &in, dc_pair_now(&p), &ch), CSCTP_ERR_CLOSED);
  }
  int saw_closed = 0;
  for (size_t i = 0; i < p.s[1].nrec; i++)
    saw_closed |= p.s[1].recs[i].ev.type == CSCTP_DC_EVENT_ASSOC &&
                  p.s[1].recs[i].ev.u.assoc.type == CSCTP_EVENT_CLOSED;
  cr_assert(saw_closed);
  dc_pair_del(&p);
}

/*
 * The result codes are RFC 6525 §4.4's numbers (dc_rx.c and the engine's events use
 * them). Both sides close the same channels, with data queued, at the same instant:
 * the reset requests cross, and whatever the peers answer (success, or "In progress"
 * while the data is outstanding, asked again) is no refusal: every channel ends CLOSED
 * on both sides, with no RESET_REFUSED error.
 */
Test(dc, simultaneous_close_of_both_sides_is_no_refusal) {
  cr_assert_eq(CSCTP_RECONFIG_RESULT_SUCCESS_NOTHING_TO_DO, 0);
  cr_assert_eq(CSCTP_RECONFIG_RESULT_SUCCESS_PERFORMED, 1);
  cr_assert_eq(CSCTP_RECONFIG_RESULT_DENIED, 2);
  cr_assert_eq(CSCTP_RECONFIG_RESULT_ERROR_WRONG_SSN, 3);
  cr_assert_eq(CSCTP_RECONFIG_RESULT_ERROR_REQUEST_ALREADY_IN_PROGRESS, 4);
  cr_assert_eq(CSCTP_RECONFIG_RESULT_ERROR_BAD_SEQUENCE_NUMBER, 5);
  cr_assert_eq(CSCTP_RECONFIG_RESULT_IN_PROGRESS, 6);
  if (!dc_engine_has_reset()) cr_skip_test("the engine has no stream reset");
  enum { N = 8 };
  dc_pair p;
  dc_pair_new(&p, NULL, NULL, 0, NULL);
  dc_pair_connect(&p);
  csctp_dc_channel ch[2][N];
  for (int i = 0; i < N; i++) {
    csctp_dc_init in = {.label = "both", .negotiated = 1, .id = (uint16_t)(2 * i)};
    for (int s = 0; s < 2; s++)
      cr_assert_eq(csctp_dc_open(p.s[s].dc, &in, dc_pair_now(&p), &ch[s][i]), 0);
  }
  RUN(&p);
  for (int i = 0; i < N; i++) {
    static const uint8_t msg[] = "queued before the close";
    for (int s = 0; s < 2; s++)
      cr_assert_eq(csctp_dc_send(p.s[s].dc, ch[s][i], 0, msg, sizeof msg, dc_pair_now(&p)), 0);
  }
  for (int i = 0; i < N; i++)
    for (int s = 0; s < 2; s++)
      cr_assert_eq(csctp_dc_close(p.s[s].dc, ch[s][i], dc_pair_now(&p)), 0);
  RUN(&p);
  RUN(&p);
  for (int s = 0; s < 2; s++) {
    cr_assert_eq(dc_pair_count(&p, s, CSCTP_DC_EVENT_ERROR), 0, "side %d: an error (%d)", s,
                 dc_pair_find(&p, s, CSCTP_DC_EVENT_ERROR, 0)
                     ? dc_pair_find(&p, s, CSCTP_DC_EVENT_ERROR, 0)->ev.u.error.error
                     : 0);
    cr_assert_eq(dc_pair_count(&p, s, CSCTP_DC_EVENT_CLOSED), N, "side %d", s);
  }
  dc_pair_del(&p);
}

/* Side B's incoming resets, with their stream lists (the recorder drops the lists). */
typedef struct {
  int n;
  uint16_t stream[8];
} resets_seen;

static void record_incoming_resets(dc_pair *p, const csctp_event *ev) {
  resets_seen *r = p->user;
  if (ev->type != CSCTP_EVENT_STREAMS_RESET || !ev->u.streams_reset.incoming) return;
  for (size_t i = 0; i < ev->u.streams_reset.n_streams && r->n < 8; i++)
    r->stream[r->n++] = ev->u.streams_reset.streams[i];
}

/*
 * RFC 8831 §6.7 pairs the two directions of a stream. A peer that resets its outgoing
 * stream without our having a channel there (webrtcbin 1.22 loses the OPEN of a channel
 * closed at once, then waits in "closing" for our reset) gets our outgoing stream reset
 * in return; the application hears nothing, the id is free again afterwards, and the
 * stats count it.
 */
Test(dc, peer_reset_of_a_stream_without_channel_is_mirrored) {
  if (!dc_engine_has_reset()) cr_skip_test("the engine has no stream reset");
  resets_seen seen = {0};
  dc_pair p;
  dc_pair_new(&p, NULL, NULL, 1, NULL);
  p.user = &seen;
  p.raw_hook = record_incoming_resets;
  dc_pair_connect(&p);
  static const uint16_t seven = 7;
  cr_assert_eq(csctp_assoc_reset_streams(p.s[1].a, &seven, 1, dc_pair_now(&p)), 0);
  RUN(&p);
  cr_assert_eq(seen.n, 1, "B saw %d incoming resets", seen.n);
  cr_assert_eq(seen.stream[0], 7);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_OPEN), 0);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_CLOSING), 0);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_CLOSED), 0);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_ERROR), 0);
  csctp_dc_stats st;
  csctp_dc_get_stats(p.s[0].dc, &st);
  cr_assert_eq(st.resets_no_channel, 1);
  cr_assert_eq(csctp_dc_channel_count(p.s[0].dc), 0, "the hidden channel outlived the reset");
  /* The id is free: an OPEN on it now opens a channel. */
  static const uint8_t open[] = {0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0, 1, 0, 0, 'L'};
  dc_raw_send(&p, 7, 50, 0, open, sizeof open);
  RUN(&p);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_OPEN), 1);
  cr_assert(raw_has_dcep_on(&p, 7));
  /* A reset of every stream (empty list) is not mirrored stream by stream. */
  cr_assert_eq(csctp_assoc_reset_streams(p.s[1].a, NULL, 0, dc_pair_now(&p)), 0);
  RUN(&p);
  csctp_dc_get_stats(p.s[0].dc, &st);
  cr_assert_eq(st.resets_no_channel, 1);
  dc_pair_del(&p);
}

static void sixteen_out(csctp_config *c) { c->outbound_streams = 16; }

/* Past the limit: the peer resets one of its streams above ours (it added streams, we did
 * not): we have no such outgoing stream to reset, so nothing is mirrored or held. */
Test(dc, peer_reset_of_a_stream_we_do_not_have_is_not_mirrored) {
  if (!dc_engine_has_reset()) cr_skip_test("the engine has no stream reset");
  resets_seen seen = {0};
  dc_pair p;
  dc_pair_new(&p, NULL, sixteen_out, 1, NULL);
  p.user = &seen;
  p.raw_hook = record_incoming_resets;
  dc_pair_connect(&p);
  cr_assert_eq(csctp_assoc_add_streams(p.s[1].a, 48, 0, dc_pair_now(&p)), 0);
  RUN(&p);
  uint16_t in = 0, out = 0;
  csctp_assoc_get_stream_counts(p.s[0].a, &in, &out);
  cr_assert_eq(in, 64, "A takes 64 streams from B");
  cr_assert_eq(out, 16);
  static const uint16_t forty = 40, nine = 9;
  cr_assert_eq(csctp_assoc_reset_streams(p.s[1].a, &forty, 1, dc_pair_now(&p)), 0);
  RUN(&p);
  cr_assert_eq(seen.n, 0, "A reset a stream it does not have");
  csctp_dc_stats st;
  csctp_dc_get_stats(p.s[0].dc, &st);
  cr_assert_eq(st.resets_no_channel, 0);
  cr_assert_eq(csctp_dc_channel_count(p.s[0].dc), 0, "a hidden channel is held");
  /* Below the limit the same request is mirrored (the test can tell the two apart). */
  cr_assert_eq(csctp_assoc_reset_streams(p.s[1].a, &nine, 1, dc_pair_now(&p)), 0);
  RUN(&p);
  cr_assert_eq(seen.n, 1);
  cr_assert_eq(seen.stream[0], 9);
  dc_pair_del(&p);
}

/* Drops side B's packets that carry a RE-CONFIG chunk (type 130) opening with a
 * Re-configuration Response Parameter (type 16) while `on`: B's answers, not its requests. */
typedef struct {
  int on, dropped;
} reconfig_filter;

static int drop_b_reconfig(csctp_simlink *link, int dir, uint8_t *pkt, size_t *len, size_t cap,
                           void *user) {
  (void)link;
  (void)cap;
  reconfig_filter *f = user;
  if (!f->on || dir != CSCTP_SIMLINK_B) return 0;
  for (size_t off = 12; off + 4 <= *len;) {
    size_t clen = (size_t)pkt[off + 2] << 8 | pkt[off + 3];
    if (pkt[off] == 130 && clen >= 8 && off + 8 <= *len && pkt[off + 4] == 0 &&
        pkt[off + 5] == 16) {
      f->dropped++;
      return 1;
    }
    if (clen < 4) break;
    off += (clen + 3) & ~(size_t)3;
  }
  return 0;
}

static int b_saw_incoming_reset(csctp_simlink *link, void *user) {
  (void)link;
  const resets_seen *r = ((dc_pair *)user)->user;
  return r->n > 0;
}

static size_t raw_dcep_count_on(const dc_pair *p, uint16_t stream) {
  size_t n = 0;
  for (size_t i = 0; i < p->s[1].nrec; i++) {
    const csctp_event *e = &p->s[1].recs[i].raw;
    n += e->type == CSCTP_EVENT_MESSAGE && e->u.message.ppid == 50 && e->u.message.stream == stream;
  }
  return n;
}

/*
 * The peer closes its channel on stream 1 (resets its outgoing stream), we reset ours in
 * return, the peer performs that and reopens a channel on id 1 at once, but its answer
 * to our request comes later than the new OPEN (webrtcbin 1.22 over usrsctp: seen in CI
 * as an OPEN rejected on a "closing" id and a channel that never opened). The OPEN is the
 * peer saying both directions are reset: the old channel closes, the new one opens, and
 * our ACK waits for our reset to finish so that it goes out as SSN 0 of the new stream.
 */
Test(dc, peer_reopens_an_id_before_answering_our_reset) {
  if (!dc_engine_has_reset()) cr_skip_test("the engine has no stream reset");
  resets_seen seen = {0};
  reconfig_filter filter = {0};
  dc_pair p;
  dc_pair_new(&p, NULL, NULL, 1, NULL);
  p.user = &seen;
  p.raw_hook = record_incoming_resets;
  csctp_simlink_set_tap(p.link, drop_b_reconfig, &filter);
  dc_pair_connect(&p);
  static const uint8_t open_old[] = {0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0, 3, 0, 0, 'o', 'l', 'd'};
  static const uint8_t open_new[] = {0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0, 3, 0, 0, 'n', 'e', 'w'};
  dc_raw_send(&p, 1, 50, 0, open_old, sizeof open_old);
  RUN(&p);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_OPEN), 1);
  cr_assert_eq(raw_dcep_count_on(&p, 1), 1, "the first ACK");
  /* B closes: its request reaches A (A answers, closing), A's request reaches B, whose
   * answer is dropped. */
  static const uint16_t one = 1;
  cr_assert_eq(csctp_assoc_reset_streams(p.s[1].a, &one, 1, dc_pair_now(&p)), 0);
  filter.on = 1;
  cr_assert_eq(dc_pair_run(&p, b_saw_incoming_reset, 5 * CSCTP_SECONDS), CSCTP_SIMLINK_DONE);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_CLOSING), 1);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_CLOSED), 0, "A's reset is not answered yet");
  /* B reopens id 1 and sends on it. */
  dc_raw_send(&p, 1, 50, 0, open_new, sizeof open_new);
  dc_raw_send(&p, 1, 51, 0, "hi", 2);
  dc_pair_run(&p, NULL, 200 * CSCTP_MILLISECONDS);
  cr_assert_geq(filter.dropped, 1);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_CLOSED), 1, "the old channel is closed");
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_OPEN), 2, "the new OPEN was refused");
  const dc_rec *closed = dc_pair_find(&p, 0, CSCTP_DC_EVENT_CLOSED, 0);
  const dc_rec *first = dc_pair_find(&p, 0, CSCTP_DC_EVENT_OPEN, 0);
  const dc_rec *second = dc_pair_find(&p, 0, CSCTP_DC_EVENT_OPEN, 1);
  cr_assert_eq(closed->ev.channel, first->ev.channel);
  cr_assert(closed < second, "CLOSED of the old channel before OPEN of the new one");
  cr_assert_str_eq(second->label, "new");
  cr_assert_eq(stream_of(&p, 0, second->ev.channel), 1);
  const dc_rec *msg = dc_pair_find(&p, 0, CSCTP_DC_EVENT_MESSAGE, 0);
  cr_assert(msg, "the message after the new OPEN was lost");
  cr_assert_eq(msg->ev.channel, second->ev.channel);
  cr_assert_eq(raw_dcep_count_on(&p, 1), 1, "the ACK went out before our reset was done");
  csctp_dc_channel reopened = second->ev.channel; /* recs move as events are recorded */
  /* The answer gets through (A asks again): the ACK follows, as SSN 0 of the new stream,
   * and the new channel carries data both ways. */
  filter.on = 0;
  RUN(&p);
  cr_assert_eq(raw_dcep_count_on(&p, 1), 2, "no ACK for the new channel");
  cr_assert_eq(csctp_dc_send(p.s[0].dc, reopened, 1, "back", 4, dc_pair_now(&p)), 0);
  RUN(&p);
  size_t back = 0;
  for (size_t i = 0; i < p.s[1].nrec; i++) {
    const csctp_event *e = &p.s[1].recs[i].raw;
    back += e->type == CSCTP_EVENT_MESSAGE && e->u.message.stream == 1 && e->u.message.ppid == 51;
  }
  cr_assert_eq(back, 1);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_ERROR), 0);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_CLOSED), 1);
  cr_assert_eq(csctp_dc_channel_count(p.s[0].dc), 1);
  dc_pair_del(&p);
}
