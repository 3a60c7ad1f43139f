/* SPDX-License-Identifier: MIT */
/*
 * SDP parser for the data-channel part of JSEP (RFC 8829 §5.8, RFC 8866,
 * RFC 8841, RFC 8839, RFC 8843). Two passes over the text:
 *   1. every line: syntax, m-sections, the session level and the data
 *      m-section's attributes (other sections' attributes are checked and
 *      dropped);
 *   2. when the data m-section is bundled behind another tag section, that
 *      section again, for the transport attributes the data section omits.
 * All reads go through sdp_span (sdp_util.h); nothing is allocated.
 */
#include <string.h>

#include "sdp_util.h"

/* The ICE / DTLS transport attributes of one level (session or m-section). */
typedef struct sdp_tp {
  char ufrag[CSCTP_SDP_ICE_MAX + 1];
  char pwd[CSCTP_SDP_ICE_MAX + 1];
  int has_options, trickle;
  csctp_sdp_fingerprint fps[CSCTP_SDP_MAX_FINGERPRINTS];
  size_t n_fps;
  csctp_sdp_setup setup;
} sdp_tp;

typedef struct sdp_parser {
  csctp_sdp *out;
  csctp_sdp_error *err;
  sdp_tp session, data, other;          /* `other`: scratch for sections we do not keep */
  size_t sec_off[CSCTP_SDP_MAX_MEDIA];  /* byte offset of the line after each m= line */
  size_t sec_line[CSCTP_SDP_MAX_MEDIA]; /* and its line number */
  int seen_bundle;
} sdp_parser;

/* Where the attributes of the current line go. */
typedef struct sdp_level {
  int media;      /* -1 = session level */
  sdp_tp *tp;     /* transport attributes */
  int keep_sctp;  /* the data m-section: keep SCTP attributes */
  int keep_cands; /* keep candidates and end-of-candidates */
} sdp_level;

static int attr_fail(sdp_parser *p, size_t line, sdp_span name, const char *what, sdp_span v) {
  char n[48], q[48];
  sdp_span_quote(name, n, sizeof n);
  sdp_span_quote(v, q, sizeof q);
  return sdp_fail(p->err, line, "a=%s: %s: \"%s\"", n, what, q);
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* a=fingerprint:<hash-func> <XX:XX:...> (RFC 8122 §5) */
static int parse_fingerprint(sdp_span v, csctp_sdp_fingerprint *fp, const char **why) {
  sdp_span algo, hex, extra;
  memset(fp, 0, sizeof *fp);
  if (!sdp_span_token(&v, &algo) || !sdp_span_token(&v, &hex) || sdp_span_token(&v, &extra)) {
    *why = "expected <hash function> <hex digest>";
    return -1;
  }
  if (algo.len >= sizeof fp->algorithm || !sdp_span_is_token(algo)) {
    *why = "bad hash function";
    return -1;
  }
  for (size_t i = 0; i < algo.len; i++) {
    char c = algo.p[i];
    fp->algorithm[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
  }
  fp->algorithm[algo.len] = '\0';
  if (hex.len < 2 || (hex.len + 1) % 3 != 0 || (hex.len + 1) / 3 > CSCTP_SDP_FINGERPRINT_MAX) {
    *why = "digest is not 1-64 colon-separated hex bytes";
    return -1;
  }
  fp->len = (hex.len + 1) / 3;
  for (size_t i = 0; i < fp->len; i++) {
    int hi = hexval(hex.p[3 * i]), lo = hexval(hex.p[3 * i + 1]);
    if (hi < 0 || lo < 0 || (3 * i + 2 < hex.len && hex.p[3 * i + 2] != ':')) {
      *why = "digest is not 1-64 colon-separated hex bytes";
      return -1;
    }
    fp->value[i] = (uint8_t)(hi << 4 | lo);
  }
  return 0;
}

static int parse_transport_attr(sdp_parser *p, size_t line, sdp_span name, sdp_span v, sdp_tp *tp,
                                int *handled) {
  *handled = 1;
  if (sdp_span_eq(name, "ice-ufrag") || sdp_span_eq(name, "ice-pwd")) {
    int is_pwd = name.len == 7;
    size_t min = is_pwd ? 22 : 4;
    if (v.len < min || v.len > CSCTP_SDP_ICE_MAX || !sdp_span_is_ice_chars(v)) {
      return attr_fail(
          p, line, name,
          is_pwd ? "not 22-256 ice-chars (RFC 8839 §5.4)" : "not 4-256 ice-chars (RFC 8839 §5.4)",
          v);
    }
    sdp_span_copy(v, is_pwd ? tp->pwd : tp->ufrag, CSCTP_SDP_ICE_MAX + 1);
  } else if (sdp_span_eq(name, "ice-options")) {
    sdp_span tok;
    tp->has_options = 1;
    while (sdp_span_token(&v, &tok)) {
      if (sdp_span_eq(tok, "trickle")) tp->trickle = 1;
    }
  } else if (sdp_span_eq(name, "fingerprint")) {
    csctp_sdp_fingerprint fp;
    const char *why = NULL;
    if (parse_fingerprint(v, &fp, &why) != 0) return attr_fail(p, line, name, why, v);
    if (tp->n_fps < CSCTP_SDP_MAX_FINGERPRINTS) tp->fps[tp->n_fps++] = fp;
  } else if (sdp_span_eq(name, "setup")) {
    tp->setup = sdp_span_ieq(v, "actpass")    ? CSCTP_SDP_SETUP_ACTPASS
                : sdp_span_ieq(v, "active")   ? CSCTP_SDP_SETUP_ACTIVE
                : sdp_span_ieq(v, "passive")  ? CSCTP_SDP_SETUP_PASSIVE
                : sdp_span_ieq(v, "holdconn") ? CSCTP_SDP_SETUP_HOLDCONN
                                              : CSCTP_SDP_SETUP_NONE;
    if (tp->setup == CSCTP_SDP_SETUP_NONE) {
      return attr_fail(p, line, name, "not actpass, active, passive or holdconn", v);
    }
  } else {
    *handled = 0;
  }
  return 0;
}

static int parse_group(sdp_parser *p, size_t line, sdp_span name, sdp_span v) {
  sdp_span sem, mid;
  if (!sdp_span_token(&v, &sem)) return attr_fail(p, line, name, "no semantics", v);
  if (!sdp_span_eq(sem, "BUNDLE") || p->seen_bundle) return 0; /* only the first BUNDLE group */
  p->seen_bundle = 1;
  csctp_sdp *out = p->out;
  while (sdp_span_token(&v, &mid)) {
    if (out->n_bundle == CSCTP_SDP_MAX_MEDIA) {
      return attr_fail(p, line, name, "more mids than m-sections allowed (16)", mid);
    }
    if (!sdp_span_copy(mid, out->bundle[out->n_bundle], CSCTP_SDP_MID_MAX + 1)) {
      return attr_fail(p, line, name, "mid longer than 64 bytes", mid);
    }
    out->n_bundle++;
  }
  return 0;
}

static int parse_sctp_attr(sdp_parser *p, size_t line, sdp_span name, sdp_span v, int keep,
                           int *handled) {
  csctp_sdp *out = p->out;
  uint64_t n;
  *handled = 1;
  if (sdp_span_eq(name, "sctp-port")) {
    if (!sdp_span_u64(v, &n) || n == 0 || n > 65535) {
      return attr_fail(p, line, name, "not a port number 1-65535", v);
    }
    if (keep) {
      out->sctp_port = (uint16_t)n;
      out->has_sctp_port = 1;
    }
  } else if (sdp_span_eq(name, "max-message-size")) {
    if (!sdp_span_u64(v, &n)) return attr_fail(p, line, name, "not a decimal number", v);
    if (keep) {
      out->max_message_size = n;
      out->has_max_message_size = 1;
    }
  } else if (sdp_span_eq(name, "sctp-init")) {
    uint8_t buf[CSCTP_SDP_SCTP_INIT_MAX];
    long len = sdp_base64_decode(v, buf, sizeof buf);
    if (len <= 0) return attr_fail(p, line, name, "not base64 of 1-512 bytes", v);
    if (keep) {
      memcpy(out->sctp_init, buf, (size_t)len);
      out->sctp_init_len = (size_t)len;
    }
  } else if (sdp_span_eq(name, "sctpmap")) {
    /* legacy: a=sctpmap:<port> webrtc-datachannel [<streams>] */
    sdp_span port, app;
    if (!sdp_span_token(&v, &port) || !sdp_span_u64(port, &n) || n == 0 || n > 65535 ||
        !sdp_span_token(&v, &app)) {
      return attr_fail(p, line, name, "expected <port> <application>", v);
    }
    if (keep && !out->has_sctp_port) {
      out->sctp_port = (uint16_t)n;
      out->has_sctp_port = 1;
    }
  } else {
    *handled = 0;
  }
  return 0;
}

static int parse_candidate(sdp_parser *p, size_t line, sdp_span v, int keep) {
  csctp_sdp *out = p->out;
  csctp_sdp_candidate scratch;
  csctp_sdp_candidate *c = &scratch;
  if (keep && out->n_candidates < CSCTP_SDP_MAX_CANDIDATES) c = &out->candidates[out->n_candidates];
  /* The value after "a=candidate:": parse it as "candidate:<value>". */
  char buf[CSCTP_SDP_CANDIDATE_MAX + 16];
  if (v.len + 10 >= sizeof buf) {
    return sdp_fail(p->err, line, "a=candidate: longer than %d bytes", CSCTP_SDP_CANDIDATE_MAX - 1);
  }
  memcpy(buf, "candidate:", 10);
  memcpy(buf + 10, v.p, v.len);
  csctp_sdp_error cerr;
  if (csctp_sdp_candidate_parse(c, buf, v.len + 10, &cerr) != 0) {
    return sdp_fail(p->err, line, "%s", cerr.message);
  }
  if (keep) {
    if (c == &scratch) {
      out->n_candidates_dropped++;
    } else {
      out->n_candidates++;
    }
  }
  return 0;
}

/* a=ice-pacing:<1*10DIGIT> (RFC 8839 §5.8), in ms. A value under 5 is kept as it is: the
 * user of the description applies RFC 8445 §14.2's floor. */
static int parse_ice_pacing(sdp_parser *p, size_t line, sdp_span name, sdp_span v) {
  uint64_t ms;
  if (v.len == 0 || v.len > 10 || !sdp_span_u64(v, &ms) || ms > UINT32_MAX) {
    return attr_fail(p, line, name, "not a number of milliseconds (RFC 8839 §5.8)", v);
  }
  p->out->ice_pacing_ms = ms ? (uint32_t)ms : 1; /* 0 means absent in csctp_sdp */
  return 0;
}

static int parse_attr(sdp_parser *p, size_t line, sdp_span a, const sdp_level *lv) {
  sdp_span name = a, v = {a.p + a.len, 0};
  const char *colon = memchr(a.p, ':', a.len);
  if (colon) {
    name.len = (size_t)(colon - a.p);
    v.p = colon + 1;
    v.len = a.len - name.len - 1;
  }
  if (name.len == 0 || !sdp_span_is_token(name)) {
    return sdp_fail(p->err, line, "a= line without an attribute name");
  }
  int handled = 0, rv = parse_transport_attr(p, line, name, v, lv->tp, &handled);
  if (rv || handled) return rv;
  csctp_sdp *out = p->out;
  if (lv->media < 0) {
    if (sdp_span_eq(name, "group")) return parse_group(p, line, name, v);
    if (sdp_span_eq(name, "ice-lite")) out->ice_lite = 1;
    if (sdp_span_eq(name, "ice-pacing")) return parse_ice_pacing(p, line, name, v);
    return 0;
  }
  csctp_sdp_media *m = &out->media[lv->media];
  if (sdp_span_eq(name, "mid")) {
    if (v.len == 0 || !sdp_span_is_token(v) || !sdp_span_copy(v, m->mid, sizeof m->mid)) {
      return attr_fail(p, line, name, "not a token of 1-64 bytes", v);
    }
    return 0;
  }
  if (sdp_span_eq(name, "candidate")) return parse_candidate(p, line, v, lv->keep_cands);
  if (sdp_span_eq(name, "end-of-candidates")) {
    if (lv->keep_cands) out->end_of_candidates = 1;
    return 0;
  }
  if (sdp_span_eq(name, "bundle-only")) {
    m->bundle_only = 1;
    return 0;
  }
  return parse_sctp_attr(p, line, name, v, lv->keep_sctp, &handled);
}

/* m=<media> <port>[/<n>] <proto> <fmt> ... */
static int parse_m(sdp_parser *p, size_t line, sdp_span v) {
  csctp_sdp *out = p->out;
  if (out->n_media == CSCTP_SDP_MAX_MEDIA) {
    return sdp_fail(p->err, line, "more than %d m= sections", CSCTP_SDP_MAX_MEDIA);
  }
  csctp_sdp_media *m = &out->media[out->n_media];
  sdp_span media, port, proto, fmt;
  if (!sdp_span_token(&v, &media) || !sdp_span_token(&v, &port) || !sdp_span_token(&v, &proto) ||
      !sdp_span_token(&v, &fmt)) {
    return sdp_fail(p->err, line, "m= needs <media> <port> <proto> <fmt>");
  }
  const char *slash = memchr(port.p, '/', port.len);
  if (slash) port.len = (size_t)(slash - port.p);
  uint64_t n;
  if (!sdp_span_u64(port, &n) || n > 65535) {
    return sdp_fail(p->err, line, "m= port is not a number 0-65535");
  }
  if (!sdp_span_copy(media, m->media, sizeof m->media) ||
      !sdp_span_copy(proto, m->proto, sizeof m->proto) ||
      !sdp_span_copy(fmt, m->fmt, sizeof m->fmt) || !sdp_span_is_token(media) ||
      !sdp_span_is_token(proto) || !sdp_span_is_token(fmt)) {
    return sdp_fail(p->err, line, "m= media, proto or format too long or not a token");
  }
  m->port = (uint16_t)n;
  uint64_t legacy_port = 0;
  if (sdp_span_eq(media, "application")) {
    if (sdp_span_ieq(proto, "UDP/DTLS/SCTP") && sdp_span_eq(fmt, "webrtc-datachannel")) {
      m->datachannel = 1;
    } else if (sdp_span_ieq(proto, "DTLS/SCTP") && sdp_span_u64(fmt, &legacy_port) &&
               legacy_port > 0 && legacy_port <= 65535) {
      m->datachannel = 1;
      m->legacy = 1;
    }
  }
  if (m->datachannel && out->data_index < 0) {
    out->data_index = (int)out->n_media;
    if (m->legacy) {
      out->sctp_port = (uint16_t)legacy_port;
      out->has_sctp_port = 1;
    }
  }
  out->n_media++;
  return 0;
}

/* Calls parse for each line of text[off, len) until the end, or the next m= line when
 * `one_section`. Line numbers start at `line`. */
static int scan(sdp_parser *p, const char *text, size_t len, size_t off, size_t line,
                int one_section, sdp_level *lv) {
  int seen_v = one_section, seen_o = one_section;
  while (off < len) {
    const char *nl = memchr(text + off, '\n', len - off);
    size_t end = nl ? (size_t)(nl - text) : len;
    sdp_span l = {text + off, end - off};
    off = nl ? end + 1 : len;
    if (l.len > 0 && l.p[l.len - 1] == '\r') l.len--;
    if (l.len == 0) {
      line++;
      continue; /* tolerated: trailing or stray empty lines */
    }
    if (memchr(l.p, '\0', l.len)) return sdp_fail(p->err, line, "NUL byte in the line");
    if (l.len < 2 || l.p[1] != '=' || l.p[0] < 'a' || l.p[0] > 'z') {
      return sdp_fail(p->err, line, "not a <type>=<value> line");
    }
    char type = l.p[0];
    sdp_span v = {l.p + 2, l.len - 2};
    if (!seen_v) {
      if (type != 'v' || !sdp_span_eq(v, "0")) return sdp_fail(p->err, line, "must be v=0");
      seen_v = 1;
      line++;
      continue;
    }
    if (type == 'm') {
      if (one_section) break;
      if (!seen_o) return sdp_fail(p->err, line, "m= before the o= line");
      int rv = parse_m(p, line, v);
      if (rv) return rv;
      int idx = (int)p->out->n_media - 1;
      p->sec_off[idx] = off; /* the section's attributes start on the next line */
      p->sec_line[idx] = line + 1;
      int is_data = idx == p->out->data_index;
      memset(&p->other, 0, sizeof p->other);
      *lv = (sdp_level){.media = idx,
                        .tp = is_data ? &p->data : &p->other,
                        .keep_sctp = is_data,
                        .keep_cands = is_data};
    } else if (type == 'o' && lv->media < 0 && !one_section) {
      sdp_span user, id, ver, rest;
      if (seen_o) return sdp_fail(p->err, line, "second o= line");
      if (!sdp_span_token(&v, &user) || !sdp_span_token(&v, &id) || !sdp_span_token(&v, &ver) ||
          !sdp_span_token(&v, &rest) || !sdp_span_token(&v, &rest) || !sdp_span_token(&v, &rest)) {
        return sdp_fail(p->err, line, "o= needs 6 fields");
      }
      if (!sdp_span_u64(id, &p->out->session_id) || !sdp_span_u64(ver, &p->out->session_version)) {
        return sdp_fail(p->err, line, "o= session id or version is not a number");
      }
      if (!sdp_span_copy(user, p->out->origin_username, sizeof p->out->origin_username)) {
        return sdp_fail(p->err, line, "o= username longer than 64 bytes");
      }
      seen_o = 1;
    } else if (type == 'v') {
      return sdp_fail(p->err, line, "second v= line");
    } else if (type == 'a') {
      int rv = parse_attr(p, line, v, lv);
      if (rv) return rv;
    }
    line++;
  }
  if (!seen_v) return sdp_fail(p->err, 0, "empty description");
  if (!seen_o) return sdp_fail(p->err, 0, "no o= line");
  return 0;
}

static int find_mid(const csctp_sdp *s, const char *mid) {
  for (size_t i = 0; i < s->n_media; i++) {
    if (s->media[i].mid[0] && strcmp(s->media[i].mid, mid) == 0) return (int)i;
  }
  return -1;
}

static int in_bundle(const csctp_sdp *s, const char *mid) {
  for (size_t i = 0; i < s->n_bundle; i++) {
    if (strcmp(s->bundle[i], mid) == 0) return 1;
  }
  return 0;
}

/* Effective transport: the data section's own, else the tag's, else the session's. */
static void merge(csctp_sdp *out, const sdp_tp *own, const sdp_tp *tag, const sdp_tp *sess) {
  const sdp_tp *order[3] = {own, tag ? tag : own, sess};
  for (int i = 2; i >= 0; i--) { /* lowest precedence first: later copies override */
    const sdp_tp *t = order[i];
    if (t->ufrag[0]) memcpy(out->ice_ufrag, t->ufrag, sizeof t->ufrag);
    if (t->pwd[0]) memcpy(out->ice_pwd, t->pwd, sizeof t->pwd);
    if (t->has_options) out->ice_trickle = t->trickle;
    if (t->n_fps) {
      memcpy(out->fingerprints, t->fps, sizeof t->fps);
      out->n_fingerprints = t->n_fps;
    }
    if (t->setup != CSCTP_SDP_SETUP_NONE) out->setup = t->setup;
  }
}

int csctp_sdp_parse(csctp_sdp *out, const char *text, size_t len, csctp_sdp_error *err) {
  if (!out || (!text && len)) return CSCTP_ERR_INVALID_ARGUMENT;
  if (err) memset(err, 0, sizeof *err);
  memset(out, 0, sizeof *out);
  out->data_index = -1;
  sdp_parser p;
  memset(&p, 0, sizeof p);
  p.out = out;
  p.err = err;
  sdp_level lv = {.media = -1, .tp = &p.session};
  int rv = scan(&p, text ? text : "", len, 0, 1, 0, &lv);
  if (rv) {
    memset(out, 0, sizeof *out);
    out->data_index = -1;
    return rv;
  }
  if (!out->has_sctp_port) out->sctp_port = CSCTP_SDP_DEFAULT_SCTP_PORT;
  if (!out->has_max_message_size) out->max_message_size = CSCTP_SDP_DEFAULT_MAX_MESSAGE_SIZE;
  if (out->data_index < 0) return 0;

  /* A bundled data section takes what it lacks from the BUNDLE tag (RFC 8843 §7.1). */
  const csctp_sdp_media *dm = &out->media[out->data_index];
  sdp_tp *tag_tp = NULL;
  int tag = -1;
  if (out->n_bundle && dm->mid[0] && in_bundle(out, dm->mid) &&
      strcmp(out->bundle[0], dm->mid) != 0) {
    tag = find_mid(out, out->bundle[0]);
  }
  if (tag >= 0) {
    memset(&p.other, 0, sizeof p.other);
    int take_cands = out->n_candidates == 0 && !out->end_of_candidates;
    sdp_level tlv = {.media = tag, .tp = &p.other, .keep_cands = take_cands};
    /* Already validated in pass 1: this cannot fail. */
    scan(&p, text, len, p.sec_off[tag], p.sec_line[tag], 1, &tlv);
    tag_tp = &p.other;
  }
  merge(out, &p.data, tag_tp, &p.session);
  return 0;
}
