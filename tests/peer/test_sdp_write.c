/* SPDX-License-Identifier: MIT */
/*
 * csctp_sdp_write(), csctp_sdp_create_offer(), csctp_sdp_create_answer():
 * answers to the real offers of tests/peer/sdp/, and write -> parse round trips.
 */
#include <criterion/criterion.h>
#include <csctp/peer.h>
#include <stdlib.h>
#include <string.h>

#include "sdp_files.h"

static csctp_sdp offer, answer, back;
static char text[CSCTP_SDP_TEXT_MAX];
static csctp_sdp_fingerprint fp;
static csctp_sdp_local local;

static void init_local(void) {
  memset(&fp, 0, sizeof fp);
  strcpy(fp.algorithm, "sha-256");
  fp.len = 32;
  for (int i = 0; i < 32; i++) fp.value[i] = (uint8_t)(0xa0 + i);
  csctp_sdp_local_default(&local);
  local.session_id = 4611686018427387904ull;
  local.ice_ufrag = "csctpUfrag";
  local.ice_pwd = "csctpPasswordOf24Chars+/";
  local.fingerprints = &fp;
  local.n_fingerprints = 1;
}

TestSuite(sdp_write, .init = init_local);

static void parse_file(const char *name, csctp_sdp *out) {
  size_t len;
  char *buf = sdp_file_read(name, &len);
  csctp_sdp_error err;
  cr_assert_eq(csctp_sdp_parse(out, buf, len, &err), 0, "%s: %s", name, err.message);
  free(buf);
}

static void write_and_reparse(const csctp_sdp *s, csctp_sdp *out) {
  csctp_ssize n = csctp_sdp_write(s, text, sizeof text);
  cr_assert_gt(n, 0);
  cr_assert_eq(strlen(text), (size_t)n);
  csctp_sdp_error err;
  cr_assert_eq(csctp_sdp_parse(out, text, (size_t)n, &err), 0, "%s\n%s", err.message, text);
}

Test(sdp_write, offer) {
  cr_assert_eq(csctp_sdp_create_offer(&offer, &local), 0);
  cr_assert_eq(
      csctp_sdp_add_candidate(&offer, "candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host"), 0);
  cr_assert_eq(csctp_sdp_add_candidate(&offer, "a=candidate:2 1 UDP 2015363327 ::1 40001 typ host"),
               0);
  cr_assert_eq(csctp_sdp_add_candidate(&offer, "candidate:bad"), CSCTP_ERR_MALFORMED);
  offer.end_of_candidates = 1;
  csctp_ssize n = csctp_sdp_write(&offer, text, sizeof text);
  cr_assert_gt(n, 0);
  const char *want =
      "v=0\r\n"
      "o=- 4611686018427387904 2 IN IP4 127.0.0.1\r\n"
      "s=-\r\n"
      "t=0 0\r\n"
      "a=group:BUNDLE 0\r\n"
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
      "c=IN IP4 0.0.0.0\r\n"
      "a=candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host\r\n"
      "a=candidate:2 1 UDP 2015363327 ::1 40001 typ host\r\n"
      "a=end-of-candidates\r\n"
      "a=ice-ufrag:csctpUfrag\r\n"
      "a=ice-pwd:csctpPasswordOf24Chars+/\r\n"
      "a=ice-options:trickle\r\n"
      "a=fingerprint:sha-256 A0:A1:A2:A3:A4:A5:A6:A7:A8:A9:AA:AB:AC:AD:AE:AF:B0:B1:B2:B3:B4:B5:"
      "B6:B7:B8:B9:BA:BB:BC:BD:BE:BF\r\n"
      "a=setup:actpass\r\n"
      "a=mid:0\r\n"
      "a=sctp-port:5000\r\n"
      "a=max-message-size:262144\r\n";
  cr_assert_str_eq(text, want);
  write_and_reparse(&offer, &back);
  cr_assert_eq(back.n_candidates, 2);
  cr_assert_eq(back.setup, CSCTP_SDP_SETUP_ACTPASS);
  cr_assert_eq(memcmp(back.fingerprints[0].value, fp.value, 32), 0);
  /* Too small a buffer: NOBUF, never an overflow. */
  for (size_t cap = 0; cap <= (size_t)n; cap += 7) {
    char small[1024];
    cr_assert_eq(csctp_sdp_write(&offer, small, cap), CSCTP_ERR_NOBUF);
  }
  cr_assert_eq(csctp_sdp_write(&offer, text, (size_t)n + 1), n);
}

Test(sdp_write, ice_pacing_is_written_at_session_level_and_read_back) {
  local.ice_pacing_ms = 5;
  cr_assert_eq(csctp_sdp_create_offer(&offer, &local), 0);
  csctp_ssize n = csctp_sdp_write(&offer, text, sizeof text);
  cr_assert_gt(n, 0);
  const char *line = strstr(text, "a=ice-pacing:5\r\n");
  cr_assert(line, "%s", text);
  cr_assert(line < strstr(text, "m=application"), "session level: before the m= line");
  write_and_reparse(&offer, &back);
  cr_assert_eq(back.ice_pacing_ms, 5);
  csctp_sdp_local_default(&local);
  cr_assert_eq(local.ice_pacing_ms, 0, "not written by default");
  init_local();
  local.ice_pacing_ms = 4; /* RFC 8445 §14.2: never below 5 ms */
  cr_assert_eq(csctp_sdp_create_offer(&offer, &local), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_sdp_create_answer(&answer, &back, &local), CSCTP_ERR_INVALID_ARGUMENT);
  local.ice_pacing_ms = 0;
  cr_assert_eq(csctp_sdp_create_offer(&offer, &local), 0);
  n = csctp_sdp_write(&offer, text, sizeof text);
  cr_assert(!strstr(text, "ice-pacing"));
}

/* SNAP: our INIT chunk as a=sctp-init in the data section, read back byte for byte; lengths
 * from 1 to 40 bytes cover every base64 padding; an answer carries only our own. */
Test(sdp_write, sctp_init_round_trip) {
  uint8_t init[40];
  for (size_t n = 1; n <= sizeof init; n++) {
    for (size_t i = 0; i < n; i++) init[i] = (uint8_t)(i * 37 + n);
    init_local();
    local.sctp_init = init;
    local.sctp_init_len = n;
    cr_assert_eq(csctp_sdp_create_offer(&offer, &local), 0);
    write_and_reparse(&offer, &back);
    cr_assert(strstr(text, "a=sctp-init:"), "%s", text);
    cr_assert(strstr(text, "a=sctp-init:") > strstr(text, "m=application"));
    cr_assert_eq(back.sctp_init_len, n);
    cr_assert_eq(memcmp(back.sctp_init, init, n), 0, "%zu bytes", n);
  }
  /* Answering an offer with a=sctp-init without one of our own: none in the answer. */
  init_local();
  cr_assert_eq(csctp_sdp_create_answer(&answer, &back, &local), 0);
  cr_assert_eq(answer.sctp_init_len, 0, "the offer's INIT is never echoed");
  write_and_reparse(&answer, &offer);
  cr_assert(!strstr(text, "sctp-init"));
  local.sctp_init = init;
  local.sctp_init_len = 0;
  cr_assert_eq(csctp_sdp_create_offer(&offer, &local), CSCTP_ERR_INVALID_ARGUMENT);
  local.sctp_init_len = CSCTP_SDP_SCTP_INIT_MAX + 1;
  cr_assert_eq(csctp_sdp_create_offer(&offer, &local), CSCTP_ERR_INVALID_ARGUMENT);
}

Test(sdp_write, offer_argument_checks) {
  local.ice_ufrag = "abc";
  cr_assert_eq(csctp_sdp_create_offer(&offer, &local), CSCTP_ERR_INVALID_ARGUMENT);
  local.ice_ufrag = "abcd";
  local.ice_pwd = "tooshort";
  cr_assert_eq(csctp_sdp_create_offer(&offer, &local), CSCTP_ERR_INVALID_ARGUMENT);
  local.ice_pwd = "csctpPasswordOf24Chars+/";
  local.n_fingerprints = 0;
  cr_assert_eq(csctp_sdp_create_offer(&offer, &local), CSCTP_ERR_INVALID_ARGUMENT);
  local.n_fingerprints = 1;
  fp.len = 0;
  cr_assert_eq(csctp_sdp_create_offer(&offer, &local), CSCTP_ERR_INVALID_ARGUMENT);
  fp.len = 32;
  cr_assert_eq(csctp_sdp_create_offer(&offer, NULL), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_sdp_create_offer(&offer, &local), 0);
}

/* Answers to every real offer: data accepted with setup active, the rest rejected. */
Test(sdp_write, answers_to_browser_and_aiortc_offers) {
  const struct {
    const char *file;
    int legacy;
    size_t n_media;
  } offers[] = {
      {"chromium-offer.sdp", 0, 1},        {"chromium-offer-trickle.sdp", 0, 1},
      {"firefox-offer.sdp", 0, 1},         {"firefox-offer-trickle.sdp", 0, 1},
      {"aiortc-offer.sdp", 1, 1},          {"chromium-offer-av-data.sdp", 0, 3},
      {"firefox-offer-av-data.sdp", 0, 3},
  };
  for (size_t i = 0; i < sizeof offers / sizeof offers[0]; i++) {
    parse_file(offers[i].file, &offer);
    cr_assert_eq(csctp_sdp_create_answer(&answer, &offer, &local), 0, "%s", offers[i].file);
    write_and_reparse(&answer, &back);
    cr_assert_eq(back.n_media, offers[i].n_media, "%s", offers[i].file);
    cr_assert_eq(back.data_index, offer.data_index);
    cr_assert_eq(back.setup, CSCTP_SDP_SETUP_ACTIVE, "%s", offers[i].file);
    cr_assert_str_eq(back.media[back.data_index].mid, offer.media[offer.data_index].mid);
    cr_assert_eq(back.media[back.data_index].legacy, offers[i].legacy);
    cr_assert_neq(back.media[back.data_index].port, 0);
    cr_assert_eq(back.sctp_port, 5000);
    cr_assert_eq(back.max_message_size, 262144);
    cr_assert_str_eq(back.ice_ufrag, "csctpUfrag");
    cr_assert_eq(back.n_bundle, 1);
    cr_assert_str_eq(back.bundle[0], offer.media[offer.data_index].mid);
    for (size_t m = 0; m < back.n_media; m++) {
      if ((int)m == back.data_index) continue;
      cr_assert_eq(back.media[m].port, 0, "%s: m-section %zu not rejected", offers[i].file, m);
      cr_assert_str_eq(back.media[m].media, offer.media[m].media);
      cr_assert_str_eq(back.media[m].proto, offer.media[m].proto);
      cr_assert_str_eq(back.media[m].fmt, offer.media[m].fmt);
      cr_assert_str_eq(back.media[m].mid, offer.media[m].mid);
    }
  }
  /* The legacy answer carries the port in the m= line and a=sctpmap, as aiortc expects. */
  parse_file("aiortc-offer.sdp", &offer);
  cr_assert_eq(csctp_sdp_create_answer(&answer, &offer, &local), 0);
  cr_assert_gt(csctp_sdp_write(&answer, text, sizeof text), 0);
  cr_assert(strstr(text, "m=application 9 DTLS/SCTP 5000\r\n"), "%s", text);
  cr_assert(strstr(text, "a=sctpmap:5000 webrtc-datachannel 65535\r\n"), "%s", text);
  cr_assert_null(strstr(text, "a=sctp-port"));
}

Test(sdp_write, answer_setup_rules) {
  parse_file("chromium-offer.sdp", &offer);
  const struct {
    csctp_sdp_setup offer, answer;
  } rules[] = {
      {CSCTP_SDP_SETUP_ACTPASS, CSCTP_SDP_SETUP_ACTIVE},
      {CSCTP_SDP_SETUP_PASSIVE, CSCTP_SDP_SETUP_ACTIVE},
      {CSCTP_SDP_SETUP_ACTIVE, CSCTP_SDP_SETUP_PASSIVE},
      {CSCTP_SDP_SETUP_NONE, CSCTP_SDP_SETUP_PASSIVE},
  };
  for (size_t i = 0; i < 4; i++) {
    offer.setup = rules[i].offer;
    cr_assert_eq(csctp_sdp_create_answer(&answer, &offer, &local), 0);
    cr_assert_eq(answer.setup, rules[i].answer, "offer %s", csctp_sdp_setup_name(rules[i].offer));
  }
  offer.setup = CSCTP_SDP_SETUP_HOLDCONN;
  cr_assert_eq(csctp_sdp_create_answer(&answer, &offer, &local), CSCTP_ERR_INVALID_ARGUMENT);
  offer.setup = CSCTP_SDP_SETUP_ACTPASS;
  offer.media[0].port = 0; /* the data section itself rejected by the offerer */
  cr_assert_eq(csctp_sdp_create_answer(&answer, &offer, &local), CSCTP_ERR_INVALID_ARGUMENT);
  offer.media[0].bundle_only = 1;
  cr_assert_eq(csctp_sdp_create_answer(&answer, &offer, &local), 0);
  cr_assert_eq(csctp_sdp_create_answer(&offer, &offer, &local), CSCTP_ERR_INVALID_ARGUMENT);
  /* No data section at all. */
  const char *audio = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n";
  cr_assert_eq(csctp_sdp_parse(&offer, audio, strlen(audio), NULL), 0);
  cr_assert_eq(csctp_sdp_create_answer(&answer, &offer, &local), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_sdp_add_candidate(&offer, "candidate:1 1 udp 1 127.0.0.1 9 typ host"),
               CSCTP_ERR_INVALID_STATE);
}

/* Every real description survives parse -> write -> parse with its data-channel fields. */
Test(sdp_write, round_trip_real_descriptions) {
  const char *files[] = {
      "chromium-offer.sdp",         "chromium-offer-trickle.sdp", "chromium-answer.sdp",
      "chromium-answer-legacy.sdp", "chromium-offer-av-data.sdp", "firefox-offer.sdp",
      "firefox-offer-trickle.sdp",  "firefox-answer.sdp",         "firefox-answer-legacy.sdp",
      "firefox-offer-av-data.sdp",  "aiortc-offer.sdp",           "aiortc-answer.sdp"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    parse_file(files[i], &offer);
    write_and_reparse(&offer, &back);
    cr_assert_eq(back.data_index, offer.data_index, "%s", files[i]);
    cr_assert_eq(back.n_media, offer.n_media);
    cr_assert_str_eq(back.ice_ufrag, offer.ice_ufrag);
    cr_assert_str_eq(back.ice_pwd, offer.ice_pwd);
    cr_assert_eq(back.ice_trickle, offer.ice_trickle);
    cr_assert_eq(back.setup, offer.setup);
    cr_assert_eq(back.n_fingerprints, offer.n_fingerprints);
    cr_assert_eq(memcmp(back.fingerprints, offer.fingerprints, sizeof offer.fingerprints), 0);
    cr_assert_eq(back.n_candidates, offer.n_candidates, "%s", files[i]);
    for (size_t c = 0; c < offer.n_candidates; c++) {
      cr_assert_str_eq(back.candidates[c].attr, offer.candidates[c].attr);
    }
    cr_assert_eq(back.end_of_candidates, offer.end_of_candidates);
    cr_assert_eq(back.sctp_port, offer.sctp_port);
    cr_assert_eq(back.max_message_size, offer.max_message_size, "%s", files[i]);
    cr_assert_eq(back.session_id, offer.session_id);
    cr_assert_eq(back.n_bundle, offer.n_bundle);
  }
}
