/* SPDX-License-Identifier: MIT */
/*
 * csctp_sdp_parse() and csctp_sdp_candidate_parse(): real descriptions from
 * Chromium, Firefox and aiortc (tests/peer/sdp/), and malformed ones.
 */
#include <criterion/criterion.h>
#include <csctp/peer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdp_files.h"

static csctp_sdp sdp; /* ~20 KiB: not on the stack */

static void parse_file(const char *name) {
  size_t len;
  char *text = sdp_file_read(name, &len);
  csctp_sdp_error err;
  int rv = csctp_sdp_parse(&sdp, text, len, &err);
  cr_assert_eq(rv, 0, "%s: %s", name, err.message);
  free(text);
}

static const csctp_sdp_media *data_media(void) {
  cr_assert_geq(sdp.data_index, 0);
  return &sdp.media[sdp.data_index];
}

Test(sdp_parse, chromium_offer) {
  parse_file("chromium-offer.sdp");
  cr_assert_eq(sdp.n_media, 1);
  const csctp_sdp_media *m = data_media();
  cr_assert_str_eq(m->media, "application");
  cr_assert_str_eq(m->proto, "UDP/DTLS/SCTP");
  cr_assert_str_eq(m->fmt, "webrtc-datachannel");
  cr_assert_eq(m->port, 49812);
  cr_assert_str_eq(m->mid, "0");
  cr_assert(!m->legacy);
  cr_assert_eq(sdp.session_id, 1715904172191430269ull);
  cr_assert_eq(sdp.session_version, 2);
  cr_assert_eq(sdp.n_bundle, 1);
  cr_assert_str_eq(sdp.bundle[0], "0");
  cr_assert_str_eq(sdp.ice_ufrag, "yehE");
  cr_assert_str_eq(sdp.ice_pwd, "H4HWxXwaXR2PB/Aus4UbZFei");
  cr_assert(sdp.ice_trickle);
  cr_assert_eq(sdp.n_fingerprints, 1);
  cr_assert_str_eq(sdp.fingerprints[0].algorithm, "sha-256");
  cr_assert_eq(sdp.fingerprints[0].len, 32);
  cr_assert_eq(sdp.fingerprints[0].value[0], 0x86);
  cr_assert_eq(sdp.fingerprints[0].value[31], 0x37);
  cr_assert_eq(sdp.setup, CSCTP_SDP_SETUP_ACTPASS);
  cr_assert(sdp.has_sctp_port);
  cr_assert_eq(sdp.sctp_port, 5000);
  cr_assert(sdp.has_max_message_size);
  cr_assert_eq(sdp.max_message_size, 262144);
  cr_assert_eq(sdp.n_candidates, 2);
  const csctp_sdp_candidate *c = &sdp.candidates[0];
  cr_assert_str_eq(c->attr,
                   "candidate:1270431219 1 udp 2122260223 127.0.0.1 49812 typ host "
                   "generation 0 network-id 1 network-cost 50");
  cr_assert_str_eq(c->foundation, "1270431219");
  cr_assert_eq(c->component, 1);
  cr_assert_eq(c->transport, CSCTP_SDP_TRANSPORT_UDP);
  cr_assert_eq(c->priority, 2122260223u);
  cr_assert_str_eq(c->address, "127.0.0.1");
  cr_assert_eq(c->port, 49812);
  cr_assert_eq(c->type, CSCTP_SDP_CANDIDATE_HOST);
  cr_assert_eq(sdp.candidates[1].transport, CSCTP_SDP_TRANSPORT_TCP);
  cr_assert_eq(sdp.candidates[1].port, 9);
  cr_assert(!sdp.end_of_candidates);
  cr_assert(!sdp.ice_lite);
}

Test(sdp_parse, chromium_offer_trickled_candidates) {
  parse_file("chromium-offer-trickle.sdp");
  cr_assert_eq(sdp.n_candidates, 0);
  cr_assert_eq(data_media()->port, 9);
  cr_assert_str_eq(sdp.ice_ufrag, "95Ys");
  size_t len;
  char *lines = sdp_file_read("chromium-offer-trickle.candidates", &len);
  int n_ok = 0, n_end = 0;
  for (char *line = strtok(lines, "\n"); line; line = strtok(NULL, "\n")) {
    csctp_sdp_candidate c;
    cr_assert_eq(csctp_sdp_candidate_parse(&c, line, strlen(line), NULL), 0, "%s", line);
    n_ok++;
  }
  /* The file ends with the empty end-of-candidates message, which strtok skips. */
  n_end = len > 0 && lines[len - 1] == '\n';
  cr_assert_eq(n_ok, 2);
  cr_assert(n_end);
  free(lines);
}

Test(sdp_parse, chromium_answers) {
  parse_file("chromium-answer.sdp");
  cr_assert_eq(sdp.setup, CSCTP_SDP_SETUP_ACTIVE);
  cr_assert_str_eq(sdp.ice_ufrag, "jk6i");
  cr_assert_eq(sdp.max_message_size, 262144);
  parse_file("chromium-answer-legacy.sdp");
  cr_assert(data_media()->legacy);
  cr_assert_str_eq(data_media()->proto, "DTLS/SCTP");
  cr_assert_eq(sdp.sctp_port, 5000);
  cr_assert_eq(sdp.setup, CSCTP_SDP_SETUP_ACTIVE);
  cr_assert(!sdp.has_max_message_size);
  cr_assert_eq(sdp.max_message_size, 65536); /* RFC 8841 §6.1 default */
  cr_assert_eq(sdp.n_candidates, 1);
}

Test(sdp_parse, firefox_offer_session_level_attributes) {
  parse_file("firefox-offer.sdp");
  cr_assert_str_eq(sdp.origin_username, "mozilla...THIS_IS_SDPARTA-99.0");
  cr_assert_eq(sdp.n_fingerprints, 1); /* from the session level */
  cr_assert_eq(sdp.fingerprints[0].value[0], 0x73);
  cr_assert(sdp.ice_trickle); /* a=ice-options:trickle at session level */
  cr_assert_str_eq(sdp.ice_ufrag, "6f926870");
  cr_assert_str_eq(sdp.ice_pwd, "fbbb381ff6518239412976a0be58210d");
  cr_assert_eq(sdp.max_message_size, 1073741823);
  cr_assert_eq(sdp.setup, CSCTP_SDP_SETUP_ACTPASS);
  cr_assert_eq(sdp.n_candidates, 4);
  cr_assert_str_eq(sdp.candidates[1].address, "::1");
  cr_assert_eq(sdp.candidates[2].transport, CSCTP_SDP_TRANSPORT_TCP);
  cr_assert_eq(sdp.candidates[3].transport, CSCTP_SDP_TRANSPORT_TCP);
  cr_assert(sdp.end_of_candidates);
}

Test(sdp_parse, firefox_others) {
  parse_file("firefox-offer-trickle.sdp");
  cr_assert_eq(sdp.n_candidates, 0);
  cr_assert(!sdp.end_of_candidates);
  parse_file("firefox-answer.sdp");
  cr_assert_eq(sdp.setup, CSCTP_SDP_SETUP_ACTIVE);
  cr_assert_eq(sdp.max_message_size, 1073741823);
  parse_file("firefox-answer-legacy.sdp");
  cr_assert(data_media()->legacy);
  cr_assert_eq(sdp.sctp_port, 5000);
  cr_assert_eq(sdp.n_candidates, 4);
  size_t len;
  char *lines = sdp_file_read("firefox-offer-trickle.candidates", &len);
  int n = 0;
  for (char *line = strtok(lines, "\n"); line; line = strtok(NULL, "\n")) {
    csctp_sdp_candidate c;
    cr_assert_eq(csctp_sdp_candidate_parse(&c, line, strlen(line), NULL), 0, "%s", line);
    n++;
  }
  cr_assert_eq(n, 4);
  free(lines);
}

Test(sdp_parse, aiortc_legacy_offer_and_answer) {
  parse_file("aiortc-offer.sdp");
  const csctp_sdp_media *m = data_media();
  cr_assert(m->legacy);
  cr_assert_str_eq(m->fmt, "5000");
  cr_assert_eq(sdp.sctp_port, 5000);
  cr_assert_eq(sdp.max_message_size, 65536);
  cr_assert(sdp.has_max_message_size);
  cr_assert(!sdp.ice_trickle);
  cr_assert(sdp.end_of_candidates);
  cr_assert_eq(sdp.n_candidates, 1);
  cr_assert_str_eq(sdp.candidates[0].foundation, "16572de626da4e5384a0ce2d0d93678a");
  cr_assert_eq(sdp.setup, CSCTP_SDP_SETUP_ACTPASS);
  parse_file("aiortc-answer.sdp");
  cr_assert(!data_media()->legacy);
  cr_assert_eq(sdp.setup, CSCTP_SDP_SETUP_ACTIVE);
  cr_assert_eq(sdp.max_message_size, 65536);
}

Test(sdp_parse, audio_video_and_data_offers) {
  const char *files[] = {"chromium-offer-av-data.sdp", "firefox-offer-av-data.sdp"};
  for (int i = 0; i < 2; i++) {
    parse_file(files[i]);
    cr_assert_eq(sdp.n_media, 3, "%s", files[i]);
    cr_assert_str_eq(sdp.media[0].media, "audio");
    cr_assert_str_eq(sdp.media[1].media, "video");
    cr_assert_str_eq(sdp.media[0].proto, "UDP/TLS/RTP/SAVPF");
    cr_assert(!sdp.media[0].datachannel && !sdp.media[1].datachannel);
    cr_assert_eq(sdp.data_index, 2);
    cr_assert_str_eq(sdp.media[2].mid, "2");
    cr_assert_eq(sdp.n_bundle, 3);
    cr_assert_str_eq(sdp.bundle[0], "0");
    cr_assert(sdp.ice_ufrag[0] && sdp.ice_pwd[0] && sdp.n_fingerprints == 1);
  }
  cr_assert_str_eq(sdp.media[0].fmt, "109"); /* Firefox's first audio format: Opus */
}

/* A data section bundled behind an audio tag with bundle-only (JSEP max-bundle):
 * transport and candidates come from the tag section. */
Test(sdp_parse, bundle_only_takes_the_tag_transport) {
  const char *text =
      "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE a d\r\n"
      "a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
      "a=candidate:1 1 udp 2122260223 127.0.0.1 4000 typ host\r\na=end-of-candidates\r\n"
      "a=ice-ufrag:TAGu\r\na=ice-pwd:tagtagtagtagtagtagtagtag\r\na=setup:actpass\r\na=mid:a\r\n"
      "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\na=bundle-only\r\na=mid:d\r\n"
      "a=sctp-port:5001\r\na=max-message-size:0\r\n";
  csctp_sdp_error err;
  cr_assert_eq(csctp_sdp_parse(&sdp, text, strlen(text), &err), 0, "%s", err.message);
  cr_assert_eq(sdp.data_index, 1);
  cr_assert(sdp.media[1].bundle_only);
  cr_assert_str_eq(sdp.ice_ufrag, "TAGu");
  cr_assert_str_eq(sdp.ice_pwd, "tagtagtagtagtagtagtagtag");
  cr_assert_eq(sdp.setup, CSCTP_SDP_SETUP_ACTPASS);
  cr_assert_str_eq(sdp.fingerprints[0].algorithm, "sha-1");
  cr_assert_eq(sdp.fingerprints[0].len, 20);
  cr_assert_eq(sdp.n_candidates, 1);
  cr_assert(sdp.end_of_candidates);
  cr_assert_eq(sdp.sctp_port, 5001);
  cr_assert(sdp.has_max_message_size);
  cr_assert_eq(sdp.max_message_size, 0); /* no limit */
  cr_assert(!sdp.ice_trickle);
}

Test(sdp_parse, lf_line_ends_and_no_data_section) {
  const char *text = "v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\nt=0 0\nm=audio 9 RTP/AVP 0\na=mid:x";
  cr_assert_eq(csctp_sdp_parse(&sdp, text, strlen(text), NULL), 0);
  cr_assert_eq(sdp.data_index, -1);
  cr_assert_eq(sdp.n_media, 1);
  cr_assert_str_eq(sdp.media[0].mid, "x");
}

/* RFC 8839 §5.8: a session-level a=ice-pacing; absent means 0 here (RFC 8445's 50 ms default
 * is the user's to apply). */
Test(sdp_parse, ice_pacing) {
  const char *with =
      "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=ice-pacing:15\r\n"
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n";
  cr_assert_eq(csctp_sdp_parse(&sdp, with, strlen(with), NULL), 0);
  cr_assert_eq(sdp.ice_pacing_ms, 15);
  const char *zero = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=ice-pacing:0\r\n";
  cr_assert_eq(csctp_sdp_parse(&sdp, zero, strlen(zero), NULL), 0);
  cr_assert_eq(sdp.ice_pacing_ms, 1, "0 ms proposed is kept as the smallest value, not absent");
  size_t len;
  char *buf = sdp_file_read("chromium-offer.sdp", &len);
  cr_assert_eq(csctp_sdp_parse(&sdp, buf, len, NULL), 0);
  cr_assert_eq(sdp.ice_pacing_ms, 0, "Chromium proposes none");
  free(buf);
}

/* SNAP (draft-hancke-tsvwg-snap): Chromium 156's a=sctp-init (field trial WebRTC-Sctp-Snap),
 * decoded to the INIT chunk it carries; padding forms; a long value refused. */
Test(sdp_parse, sctp_init) {
  const char *text =
      "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
      "a=sctp-port:5000\r\na=sctp-init:AQAAHrQZygYAUAAA//////WSu0PAAAAEgAgABoLA\r\n";
  static const uint8_t want[] = {0x01, 0x00, 0x00, 0x1e, 0xb4, 0x19, 0xca, 0x06, 0x00, 0x50,
                                 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xf5, 0x92, 0xbb, 0x43,
                                 0xc0, 0x00, 0x00, 0x04, 0x80, 0x08, 0x00, 0x06, 0x82, 0xc0};
  cr_assert_eq(csctp_sdp_parse(&sdp, text, strlen(text), NULL), 0);
  cr_assert_eq(sdp.sctp_init_len, sizeof want);
  cr_assert_eq(memcmp(sdp.sctp_init, want, sizeof want), 0);
  const char *pad =
      "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-init:AQI=\r\n";
  cr_assert_eq(csctp_sdp_parse(&sdp, pad, strlen(pad), NULL), 0);
  cr_assert_eq(sdp.sctp_init_len, 2);
  cr_assert_eq(sdp.sctp_init[0], 1);
  cr_assert_eq(sdp.sctp_init[1], 2);
  /* 513 bytes (684 base64 characters) is over CSCTP_SDP_SCTP_INIT_MAX. */
  static char big[1024];
  int n = snprintf(big, sizeof big,
                   "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
                   "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                   "a=sctp-init:");
  for (int i = 0; i < 684; i++) big[n++] = 'A';
  memcpy(big + n, "\r\n", 3);
  cr_assert_eq(csctp_sdp_parse(&sdp, big, strlen(big), NULL), CSCTP_ERR_MALFORMED);
  size_t len;
  char *buf = sdp_file_read("chromium-offer.sdp", &len);
  cr_assert_eq(csctp_sdp_parse(&sdp, buf, len, NULL), 0);
  cr_assert_eq(sdp.sctp_init_len, 0);
  free(buf);
}

typedef struct bad_case {
  const char *text;
  size_t line;
  const char *says;
} bad_case;

#define HEAD "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
#define DATA "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"

static const bad_case bad[] = {
    {"", 0, "empty description"},
    {"\r\n\r\n", 0, "empty description"},
    {"v=1\r\n", 1, "must be v=0"},
    {"o=- 1 1 IN IP4 0.0.0.0\r\n", 1, "must be v=0"},
    {"v=0\r\nhello\r\n", 2, "not a <type>=<value> line"},
    {"v=0\r\nA=1\r\n", 2, "not a <type>=<value> line"},
    {"v=0\r\n=x\r\n", 2, "not a <type>=<value> line"},
    {"v=0\r\ns=-\r\n", 0, "no o= line"},
    {"v=0\r\no=- 1\r\n", 2, "o= needs 6 fields"},
    {"v=0\r\no=- x 1 IN IP4 0.0.0.0\r\n", 2, "not a number"},
    {"v=0\r\no=- 99999999999999999999 1 IN IP4 0.0.0.0\r\n", 2, "not a number"},
    {"v=0\r\nm=audio 9 RTP/AVP 0\r\n", 2, "m= before the o= line"},
    {HEAD "v=0\r\n", 5, "second v= line"},
    {HEAD "m=application 9 UDP/DTLS/SCTP\r\n", 5, "m= needs"},
    {HEAD "m=application 70000 UDP/DTLS/SCTP webrtc-datachannel\r\n", 5, "port is not a number"},
    {HEAD "m=application -1 UDP/DTLS/SCTP webrtc-datachannel\r\n", 5, "port is not a number"},
    {HEAD DATA "a=sctp-port:0\r\n", 6, "a=sctp-port: not a port number"},
    {HEAD DATA "a=sctp-port:x5000\r\n", 6, "a=sctp-port: not a port number"},
    {HEAD DATA "a=sctp-port:65536\r\n", 6, "a=sctp-port"},
    {HEAD DATA "a=max-message-size:-1\r\n", 6, "a=max-message-size: not a decimal number"},
    {HEAD DATA "a=max-message-size:18446744073709551616\r\n", 6, "a=max-message-size"},
    {HEAD DATA "a=setup:both\r\n", 6, "a=setup: not actpass"},
    {HEAD "a=setup:\r\n", 5, "a=setup"},
    {HEAD DATA "a=fingerprint:sha-256\r\n", 6, "a=fingerprint: expected"},
    {HEAD DATA "a=fingerprint:sha-256 AB:CD:E\r\n", 6, "a=fingerprint: digest"},
    {HEAD DATA "a=fingerprint:sha-256 AB-CD\r\n", 6, "a=fingerprint: digest"},
    {HEAD DATA "a=fingerprint:sha-256 GG:00\r\n", 6, "a=fingerprint: digest"},
    {HEAD DATA "a=fingerprint:sha-256 AB:CD extra\r\n", 6, "a=fingerprint: expected"},
    {HEAD DATA "a=ice-ufrag:abc\r\n", 6, "a=ice-ufrag: not 4-256 ice-chars"},
    {HEAD DATA "a=ice-ufrag:ab:cd\r\n", 6, "a=ice-ufrag"},
    {HEAD DATA "a=ice-pwd:short\r\n", 6, "a=ice-pwd: not 22-256 ice-chars"},
    {HEAD DATA "a=mid:\r\n", 6, "a=mid: not a token"},
    {HEAD DATA "a=candidate:1 1 udp 1 127.0.0.1 9 type host\r\n", 6,
     "a=candidate: \"typ\" expected"},
    {HEAD DATA "a=candidate:1 1 udp\r\n", 6, "a=candidate: fewer than 8 fields"},
    {HEAD DATA "a=candidate:1 0 udp 1 127.0.0.1 9 typ host\r\n", 6, "bad component"},
    {HEAD DATA "a=candidate:1 1 udp 4294967296 127.0.0.1 9 typ host\r\n", 6, "bad priority"},
    {HEAD DATA "a=candidate:1 1 udp 1 127.0.0.1 99999 typ host\r\n", 6, "bad port"},
    {HEAD DATA "a=candidate:f_o 1 udp 1 127.0.0.1 9 typ host\r\n", 6, "bad foundation"},
    {HEAD DATA "a=sctpmap:webrtc-datachannel\r\n", 6, "a=sctpmap: expected"},
    {HEAD "a=group\r\n", 5, "a=group: no semantics"},
    {HEAD "a=:x\r\n", 5, "without an attribute name"},
    {HEAD DATA "a=mid:0\0x\r\n", 6, "NUL byte"},
    {HEAD "a=ice-pacing:\r\n", 5, "a=ice-pacing: not a number of milliseconds"},
    {HEAD "a=ice-pacing:-5\r\n", 5, "a=ice-pacing: not a number"},
    {HEAD "a=ice-pacing:4294967296\r\n", 5, "a=ice-pacing: not a number"},
    {HEAD "a=ice-pacing:10ms\r\n", 5, "a=ice-pacing: not a number"},
    {HEAD DATA "a=sctp-init:\r\n", 6, "a=sctp-init: not base64"},
    {HEAD DATA "a=sctp-init:AQAAHrQ\r\n", 6, "a=sctp-init: not base64"},
    {HEAD DATA "a=sctp-init:AQ=AHrQZ\r\n", 6, "a=sctp-init: not base64"},
    {HEAD DATA "a=sctp-init:AQAA HrQZ\r\n", 6, "a=sctp-init: not base64"},
    {HEAD DATA "a=sctp-init:AQ*AHrQZ\r\n", 6, "a=sctp-init: not base64"},
    {HEAD DATA "a=sctp-init:A===\r\n", 6, "a=sctp-init: not base64"},
};

Test(sdp_parse, malformed_descriptions_name_the_line) {
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *text = bad[i].text;
    size_t len = strlen(text);
    if (strstr(bad[i].says, "NUL")) len += strlen(text + len + 1) + 1;
    csctp_sdp_error err;
    memset(&sdp, 0xab, sizeof sdp);
    int rv = csctp_sdp_parse(&sdp, text, len, &err);
    cr_assert_eq(rv, CSCTP_ERR_MALFORMED, "case %zu parsed: %s", i, text);
    cr_assert_eq(err.line, bad[i].line, "case %zu: line %zu, want %zu (%s)", i, err.line,
                 bad[i].line, err.message);
    cr_assert(strstr(err.message, bad[i].says), "case %zu: \"%s\" lacks \"%s\"", i, err.message,
              bad[i].says);
    if (bad[i].line) {
      char prefix[32];
      snprintf(prefix, sizeof prefix, "line %zu: ", bad[i].line);
      cr_assert(strncmp(err.message, prefix, strlen(prefix)) == 0, "%s", err.message);
    }
    cr_assert_eq(sdp.data_index, -1); /* cleared on error */
    cr_assert_eq(sdp.n_media, 0);
  }
}

Test(sdp_parse, limits) {
  static char text[8192];
  size_t n = (size_t)snprintf(text, sizeof text, HEAD);
  for (int i = 0; i < 17; i++)
    n += (size_t)snprintf(text + n, sizeof text - n, "m=audio 0 RTP/AVP 0\r\n");
  csctp_sdp_error err;
  cr_assert_eq(csctp_sdp_parse(&sdp, text, n, &err), CSCTP_ERR_MALFORMED);
  cr_assert_eq(err.line, 5 + 16);
  cr_assert(strstr(err.message, "more than 16 m= sections"), "%s", err.message);
  /* 40 candidates: 32 kept, 8 counted */
  n = (size_t)snprintf(text, sizeof text, HEAD DATA);
  for (int i = 0; i < 40; i++) {
    n += (size_t)snprintf(text + n, sizeof text - n,
                          "a=candidate:%d 1 udp 1 127.0.0.1 %d typ host\r\n", i, 1000 + i);
  }
  cr_assert_eq(csctp_sdp_parse(&sdp, text, n, &err), 0, "%s", err.message);
  cr_assert_eq(sdp.n_candidates, CSCTP_SDP_MAX_CANDIDATES);
  cr_assert_eq(sdp.n_candidates_dropped, 8);
  cr_assert_eq(sdp.candidates[31].port, 1031);
  /* A candidate line of 300 bytes is refused, naming it. */
  n = (size_t)snprintf(text, sizeof text, HEAD DATA "a=candidate:1 1 udp 1 127.0.0.1 9 typ host");
  memset(text + n, 'x', 300);
  n += 300;
  cr_assert_eq(csctp_sdp_parse(&sdp, text, n, &err), CSCTP_ERR_MALFORMED);
  cr_assert_eq(err.line, 6);
  cr_assert_eq(csctp_sdp_parse(NULL, text, n, &err), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_sdp_parse(&sdp, NULL, 1, &err), CSCTP_ERR_INVALID_ARGUMENT);
}

Test(sdp_parse, candidate_forms) {
  csctp_sdp_candidate c;
  const char *ok[] = {
      "candidate:1 1 udp 2122260223 127.0.0.1 49812 typ host",
      "a=candidate:1 1 UDP 2122260223 127.0.0.1 49812 typ host\r\n",
      ("candidate:842163049 1 udp 1677729535 198.51.100.7 61665 typ srflx raddr 0.0.0.0 rport 0 "
       "generation 0 ufrag 6yLr network-cost 999"),
      "candidate:3 1 udp 41885439 203.0.113.9 7000 typ relay raddr 198.51.100.7 rport 6000",
      "candidate:0 1 UDP 2122252543 a1b2c3d4-e5f6-4711-8899-aabbccddeeff.local 58492 typ host",
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    cr_assert_eq(csctp_sdp_candidate_parse(&c, ok[i], strlen(ok[i]), NULL), 0, "%s", ok[i]);
    cr_assert(strncmp(c.attr, "candidate:", 10) == 0);
  }
  cr_assert_eq(c.type, CSCTP_SDP_CANDIDATE_HOST);
  cr_assert_str_eq(c.address, "a1b2c3d4-e5f6-4711-8899-aabbccddeeff.local");
  cr_assert_eq(csctp_sdp_candidate_parse(&c, ok[2], strlen(ok[2]), NULL), 0);
  cr_assert_eq(c.type, CSCTP_SDP_CANDIDATE_SRFLX);
  csctp_sdp_error err;
  cr_assert_eq(csctp_sdp_candidate_parse(&c, "", 0, &err), CSCTP_ERR_MALFORMED);
  cr_assert(strstr(err.message, "does not start with candidate:"), "%s", err.message);
  cr_assert_eq(csctp_sdp_candidate_parse(&c, "candidate:1 1 udp 1 1.2.3.4 9 typ", 33, &err),
               CSCTP_ERR_MALFORMED);
}
