/* SPDX-License-Identifier: MIT */
/*
 * a=candidate (RFC 8839 §5.1):
 *   candidate:<foundation> <component-id> <transport> <priority>
 *             <connection-address> <port> typ <cand-type> *(SP extension)
 */
#include <string.h>

#include "sdp_util.h"

const char *csctp_sdp_setup_name(csctp_sdp_setup setup) {
  switch (setup) {
  case CSCTP_SDP_SETUP_ACTPASS: return "actpass";
  case CSCTP_SDP_SETUP_ACTIVE: return "active";
  case CSCTP_SDP_SETUP_PASSIVE: return "passive";
  case CSCTP_SDP_SETUP_HOLDCONN: return "holdconn";
  case CSCTP_SDP_SETUP_NONE: break;
  }
  return "none";
}

static int cand_fail(csctp_sdp_error *err, const char *what, sdp_span s) {
  char q[48];
  sdp_span_quote(s, q, sizeof q);
  return sdp_fail(err, 0, "a=candidate: %s: \"%s\"", what, q);
}

int csctp_sdp_candidate_parse(csctp_sdp_candidate *out, const char *text, size_t len,
                              csctp_sdp_error *err) {
  if (!out || (!text && len)) return CSCTP_ERR_INVALID_ARGUMENT;
  memset(out, 0, sizeof *out);
  sdp_span s = {text, len};
  while (s.len > 0 && (s.p[s.len - 1] == '\r' || s.p[s.len - 1] == '\n' || s.p[s.len - 1] == ' ' ||
                       s.p[s.len - 1] == '\t')) {
    s.len--;
  }
  if (s.len >= 2 && s.p[0] == 'a' && s.p[1] == '=') {
    s.p += 2;
    s.len -= 2;
  }
  sdp_span head = {s.p, s.len < 10 ? s.len : 10};
  if (!sdp_span_ieq(head, "candidate:")) return cand_fail(err, "does not start with candidate:", s);
  if (s.len >= sizeof out->attr) return cand_fail(err, "longer than 255 bytes", s);
  if (memchr(s.p, '\0', s.len)) return cand_fail(err, "contains a NUL byte", s);
  memcpy(out->attr, "candidate:", 10);
  memcpy(out->attr + 10, s.p + 10, s.len - 10);
  out->attr[s.len] = '\0';

  sdp_span rest = {s.p + 10, s.len - 10}, t[8];
  for (int i = 0; i < 8; i++) {
    if (!sdp_span_token(&rest, &t[i])) return cand_fail(err, "fewer than 8 fields", s);
  }
  uint64_t v;
  if (t[0].len > 32 || !sdp_span_is_ice_chars(t[0])) return cand_fail(err, "bad foundation", t[0]);
  sdp_span_copy(t[0], out->foundation, sizeof out->foundation);
  if (!sdp_span_u64(t[1], &v) || v < 1 || v > 256) return cand_fail(err, "bad component", t[1]);
  out->component = (uint32_t)v;
  out->transport = sdp_span_ieq(t[2], "udp")   ? CSCTP_SDP_TRANSPORT_UDP
                   : sdp_span_ieq(t[2], "tcp") ? CSCTP_SDP_TRANSPORT_TCP
                                               : CSCTP_SDP_TRANSPORT_OTHER;
  if (!sdp_span_is_token(t[2])) return cand_fail(err, "bad transport", t[2]);
  if (!sdp_span_u64(t[3], &v) || v > UINT32_MAX) return cand_fail(err, "bad priority", t[3]);
  out->priority = (uint32_t)v;
  if (!sdp_span_is_token(t[4]) || !sdp_span_copy(t[4], out->address, sizeof out->address)) {
    return cand_fail(err, "bad address", t[4]);
  }
  if (!sdp_span_u64(t[5], &v) || v > 65535) return cand_fail(err, "bad port", t[5]);
  out->port = (uint16_t)v;
  if (!sdp_span_eq(t[6], "typ")) return cand_fail(err, "\"typ\" expected", t[6]);
  out->type = sdp_span_eq(t[7], "host")    ? CSCTP_SDP_CANDIDATE_HOST
              : sdp_span_eq(t[7], "srflx") ? CSCTP_SDP_CANDIDATE_SRFLX
              : sdp_span_eq(t[7], "prflx") ? CSCTP_SDP_CANDIDATE_PRFLX
              : sdp_span_eq(t[7], "relay") ? CSCTP_SDP_CANDIDATE_RELAY
                                           : CSCTP_SDP_CANDIDATE_OTHER;
  if (!sdp_span_is_token(t[7])) return cand_fail(err, "bad type", t[7]);
  return 0;
}
