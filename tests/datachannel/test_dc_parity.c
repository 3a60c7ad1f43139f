/* SPDX-License-Identifier: MIT */
/*
 * DATA_CHANNEL_OPEN on a stream id of "our" parity (RFC 8832 §6 gives the DTLS
 * client even ids and the server odd ones). aiortc 1.4, after winning an ICE
 * role conflict, picks ids by ICE role and opens odd ids as DTLS client;
 * libwebrtc, aiortc and GStreamer accept such OPENs when the id is free. So do
 * we, logging it; only a real collision (the id carries one of our channels,
 * being opened or open, or a negotiated one) is refused, and every refusal is
 * logged (CSCTP_LOG_DC). Two data-channel layers in memory on the simulated link.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dc_pair.h"
#include "dc_priv.h"

#define RUN(p) dc_pair_run((p), NULL, 5 * CSCTP_SECONDS)

typedef struct logbuf {
  char text[8192];
  size_t len;
  int lines;
} logbuf;

static void log_hook(uint32_t category, csctp_log_level level, const char *text, void *user_data) {
  logbuf *b = user_data;
  cr_assert_eq(category, CSCTP_LOG_DC);
  /* Each line prefixed with its level, for the checks below. */
  int n = snprintf(b->text + b->len, sizeof b->text - b->len, "%s: %s\n",
                   csctp_log_level_name(level), text);
  if (n > 0 && (size_t)n < sizeof b->text - b->len) b->len += (size_t)n;
  b->lines++;
}

/* Logging of side `i`'s layer into `b` (the hook is part of the copied config). */
static void log_into(dc_pair *p, int i, logbuf *b) {
  memset(b, 0, sizeof *b);
  p->s[i].dc->cfg.log = log_hook;
  p->s[i].dc->cfg.log_user_data = b;
  p->s[i].dc->cfg.log_mask = CSCTP_LOG_DC;
}

static csctp_dc_channel open_ch(dc_pair *p, int side, const char *label) {
  csctp_dc_init in = {.label = label};
  csctp_dc_channel ch;
  cr_assert_eq(csctp_dc_open(p->s[side].dc, &in, dc_pair_now(p), &ch), 0);
  return ch;
}

static uint16_t stream_of(dc_pair *p, int side, csctp_dc_channel ch) {
  csctp_dc_info info;
  cr_assert_eq(csctp_dc_get_info(p->s[side].dc, ch, &info), 0);
  cr_assert(info.has_stream);
  return info.stream;
}

/* The n-th OPEN event on a side that came from the peer (0 when none). */
static csctp_dc_channel peer_open(dc_pair *p, int side, int n) {
  for (int i = 0;; i++) {
    const dc_rec *r = dc_pair_find(p, side, CSCTP_DC_EVENT_OPEN, i);
    if (!r) return 0;
    if (r->ev.u.open.by_peer && n-- == 0) return r->ev.channel;
  }
}

static const dc_rec *message_on(dc_pair *p, int side, csctp_dc_channel ch) {
  for (int i = 0;; i++) {
    const dc_rec *r = dc_pair_find(p, side, CSCTP_DC_EVENT_MESSAGE, i);
    if (!r || r->ev.channel == ch) return r;
  }
}

/* B is the DTLS server but opens even ids, as a client would (aiortc's mistake): A, the
 * real client, accepts the channel on the free id, says so, and its own channels then
 * skip that id. Before issue 12 A reset the stream silently and B's channel never opened. */
Test(dc_parity, open_on_a_free_id_of_our_parity_is_accepted) {
  dc_pair p;
  dc_pair_new(&p, NULL, NULL, 0, NULL);
  logbuf la;
  log_into(&p, 0, &la);
  cr_assert_eq(csctp_dc_set_role(p.s[1].dc, CSCTP_DC_ROLE_CLIENT), 0); /* the wrong parity */
  dc_pair_connect(&p);
  RUN(&p);
  csctp_dc_channel b_ch = open_ch(&p, 1, "from-b");
  cr_assert_eq(stream_of(&p, 1, b_ch), 0, "B picked an even id");
  RUN(&p);
  csctp_dc_channel a_view = peer_open(&p, 0, 0);
  cr_assert(a_view, "A did not accept B's channel on stream 0");
  cr_assert_eq(stream_of(&p, 0, a_view), 0);
  csctp_dc_stats st;
  csctp_dc_get_stats(p.s[0].dc, &st);
  cr_assert_eq(st.open_our_parity, 1);
  cr_assert_eq(st.open_rejected, 0);
  cr_assert(strstr(la.text, "DATA_CHANNEL_OPEN on stream 0") && strstr(la.text, "accepted"),
            "log: %s", la.text);
  /* B got the ACK: its channel works both ways. */
  cr_assert_eq(csctp_dc_send(p.s[1].dc, b_ch, 1, "hi A", 4, dc_pair_now(&p)), 0);
  RUN(&p);
  const dc_rec *m = message_on(&p, 0, a_view);
  cr_assert(m && m->ev.u.message.len == 4 && memcmp(m->data, "hi A", 4) == 0);
  cr_assert_eq(csctp_dc_send(p.s[0].dc, a_view, 1, "hi B", 4, dc_pair_now(&p)), 0);
  RUN(&p);
  m = message_on(&p, 1, b_ch);
  cr_assert(m && m->ev.u.message.len == 4 && memcmp(m->data, "hi B", 4) == 0);
  /* A's own next channel skips the id B took. */
  csctp_dc_channel a_ch = open_ch(&p, 0, "from-a");
  cr_assert_eq(stream_of(&p, 0, a_ch), 2);
  RUN(&p);
  cr_assert(peer_open(&p, 1, 0), "B did not get A's channel");
  csctp_dc_get_stats(p.s[1].dc, &st);
  cr_assert_eq(st.open_rejected, 0);
  dc_pair_del(&p);
}

/* Both sides believe they are the DTLS client and open a channel at the same moment: both
 * take id 0, and each OPEN lands on the other's channel being opened. That is a real
 * collision: refused (RFC 8832 §6 closes the channel), and logged on both sides. */
Test(dc_parity, collision_with_a_channel_being_opened_is_refused_and_logged) {
  dc_pair p;
  dc_pair_new(&p, NULL, NULL, 0, NULL);
  logbuf la, lb;
  log_into(&p, 0, &la);
  log_into(&p, 1, &lb);
  cr_assert_eq(csctp_dc_set_role(p.s[1].dc, CSCTP_DC_ROLE_CLIENT), 0);
  csctp_dc_channel a_ch = open_ch(&p, 0, "a"); /* both wait for the association */
  csctp_dc_channel b_ch = open_ch(&p, 1, "b");
  dc_pair_connect(&p);
  RUN(&p);
  cr_assert_eq(peer_open(&p, 0, 0), 0, "A accepted an OPEN on its own channel's id");
  cr_assert_eq(peer_open(&p, 1, 0), 0, "B accepted an OPEN on its own channel's id");
  for (int side = 0; side < 2; side++) {
    csctp_dc_stats st;
    csctp_dc_get_stats(p.s[side].dc, &st);
    cr_assert_eq(st.open_rejected, 1, "side %d", side);
    cr_assert_eq(st.open_our_parity, 0, "side %d", side);
    const dc_rec *e = dc_pair_find(&p, side, CSCTP_DC_EVENT_ERROR, 0);
    cr_assert(e, "side %d: no error event", side);
    cr_assert_eq(e->ev.channel, side == 0 ? a_ch : b_ch);
    cr_assert_eq(e->ev.u.error.reason, CSCTP_DC_ERR_OPEN_COLLISION);
  }
  cr_assert(strstr(la.text, "on stream 0 rejected: the id is in use by our channel"), "log: %s",
            la.text);
  cr_assert(strstr(lb.text, "on stream 0 rejected: the id is in use by our channel"), "log: %s",
            lb.text);
  dc_pair_del(&p);
}

/* A negotiated channel of ours holds its id: an OPEN on it is a collision too. */
Test(dc_parity, collision_with_a_negotiated_channel_is_refused_and_logged) {
  dc_pair p;
  dc_pair_new(&p, NULL, NULL, 0, NULL);
  logbuf la;
  log_into(&p, 0, &la);
  cr_assert_eq(csctp_dc_set_role(p.s[1].dc, CSCTP_DC_ROLE_CLIENT), 0);
  csctp_dc_init neg = {.label = "neg", .negotiated = 1, .id = 0};
  csctp_dc_channel a_neg;
  cr_assert_eq(csctp_dc_open(p.s[0].dc, &neg, dc_pair_now(&p), &a_neg), 0);
  dc_pair_connect(&p);
  RUN(&p);
  open_ch(&p, 1, "b"); /* id 0: A's negotiated channel */
  RUN(&p);
  cr_assert_eq(peer_open(&p, 0, 0), 0);
  csctp_dc_stats st;
  csctp_dc_get_stats(p.s[0].dc, &st);
  cr_assert_eq(st.open_rejected, 1);
  cr_assert(strstr(la.text, "in use by our negotiated channel"), "log: %s", la.text);
  dc_pair_del(&p);
}

/* Every other refusal says why, from a raw peer (bare side B): an OPEN beyond the
 * negotiated streams (the bare engine cannot send one: the layer's own bound is below
 * the association's), a malformed one, one of a reserved channel type. */
Test(dc_parity, every_rejection_is_logged) {
  dc_pair p;
  dc_pair_new(&p, NULL, NULL, 1, NULL);
  logbuf la;
  log_into(&p, 0, &la);
  dc_pair_connect(&p);
  static const uint8_t good[] = {0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0, 1, 0, 0, 'L'};
  uint8_t b[sizeof good];
  memcpy(b, good, sizeof b);
  b[9] = 9; /* label past the end */
  dc_raw_send(&p, 1, 50, 0, b, sizeof b);
  memcpy(b, good, sizeof b);
  b[1] = 0x7f; /* reserved channel type */
  dc_raw_send(&p, 3, 50, 0, b, sizeof b);
  dc_raw_send(&p, 4, 50, 0, good, sizeof good); /* our parity, free: accepted */
  RUN(&p);
  csctp_dc_stats st;
  csctp_dc_get_stats(p.s[0].dc, &st);
  cr_assert_eq(st.open_rejected, 2);
  cr_assert_eq(st.open_our_parity, 1);
  /* Refusals and anomalies of the peer's OPENs are warnings. */
  cr_assert(strstr(la.text, "warn: dc: DATA_CHANNEL_OPEN on stream 1 rejected (malformed)"),
            "log: %s", la.text);
  cr_assert(
      strstr(la.text, "warn: dc: DATA_CHANNEL_OPEN on stream 3 rejected (reserved channel type)"),
      "log: %s", la.text);
  cr_assert(
      strstr(la.text,
             "warn: dc: DATA_CHANNEL_OPEN on stream 4, an even id although we are the DTLS client"),
      "log: %s", la.text);
  cr_assert_eq(dc_pair_count(&p, 0, CSCTP_DC_EVENT_OPEN), 1);
  /* Without a hook (or without the category) nothing is formatted. */
  p.s[0].dc->cfg.log_mask = CSCTP_LOG_SCTP;
  int before = la.lines;
  dc_raw_send(&p, 5, 50, 0, b, sizeof b);
  RUN(&p);
  cr_assert_eq(la.lines, before);
  /* Nor below the threshold: at ERROR, the same refusal (a WARN) is filtered. */
  p.s[0].dc->cfg.log_mask = CSCTP_LOG_DC;
  csctp_log_levels_set(p.s[0].dc->cfg.log_levels, CSCTP_LOG_DC, CSCTP_LOG_ERROR);
  dc_raw_send(&p, 7, 50, 0, b, sizeof b);
  RUN(&p);
  cr_assert_eq(la.lines, before);
  csctp_log_levels_set(p.s[0].dc->cfg.log_levels, CSCTP_LOG_DC, CSCTP_LOG_WARN);
  dc_raw_send(&p, 9, 50, 0, b, sizeof b);
  RUN(&p);
  cr_assert_eq(la.lines, before + 1, "log: %s", la.text);
  cr_assert(strstr(la.text, "warn: dc: DATA_CHANNEL_OPEN on stream 9 rejected"), "log: %s",
            la.text);
  dc_pair_del(&p);
}
