/* SPDX-License-Identifier: MIT */
/*
 * Writing descriptions, and the JSEP offer / answer helpers for data
 * channels (RFC 8829 §5.2 and §5.3, RFC 8841 §5, RFC 8842 §5).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sdp_util.h"

typedef struct sdp_writer {
  char *buf;
  size_t cap, len; /* len counts past cap, to report overflow */
} sdp_writer;

__attribute__((format(printf, 2, 3))) static void put(sdp_writer *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t room = w->len < w->cap ? w->cap - w->len : 0;
  int n = vsnprintf(room ? w->buf + w->len : NULL, room, fmt, ap);
  va_end(ap);
  if (n > 0) w->len += (size_t)n;
}

static void put_fingerprint(sdp_writer *w, const csctp_sdp_fingerprint *fp) {
  put(w, "a=fingerprint:%s ", fp->algorithm);
  for (size_t i = 0; i < fp->len && i < CSCTP_SDP_FINGERPRINT_MAX; i++) {
    put(w, i ? ":%02X" : "%02X", fp->value[i]);
  }
  put(w, "\r\n");
}

static void put_data_section(sdp_writer *w, const csctp_sdp *s, const csctp_sdp_media *m) {
  put(w, "m=application %u %s %s\r\n", m->port, m->proto, m->fmt);
  put(w, "c=IN IP4 0.0.0.0\r\n");
  for (size_t i = 0; i < s->n_candidates && i < CSCTP_SDP_MAX_CANDIDATES; i++) {
    put(w, "a=%s\r\n", s->candidates[i].attr);
  }
  if (s->end_of_candidates) put(w, "a=end-of-candidates\r\n");
  if (s->ice_ufrag[0]) put(w, "a=ice-ufrag:%s\r\n", s->ice_ufrag);
  if (s->ice_pwd[0]) put(w, "a=ice-pwd:%s\r\n", s->ice_pwd);
  if (s->ice_trickle) put(w, "a=ice-options:trickle\r\n");
  for (size_t i = 0; i < s->n_fingerprints && i < CSCTP_SDP_MAX_FINGERPRINTS; i++) {
    put_fingerprint(w, &s->fingerprints[i]);
  }
  if (s->setup != CSCTP_SDP_SETUP_NONE) put(w, "a=setup:%s\r\n", csctp_sdp_setup_name(s->setup));
  if (m->mid[0]) put(w, "a=mid:%s\r\n", m->mid);
  if (m->legacy) {
    put(w, "a=sctpmap:%u webrtc-datachannel 65535\r\n", s->sctp_port);
  } else if (s->has_sctp_port) {
    put(w, "a=sctp-port:%u\r\n", s->sctp_port);
  }
  if (s->has_max_message_size) {
    put(w, "a=max-message-size:%llu\r\n", (unsigned long long)s->max_message_size);
  }
  if (s->sctp_init_len && s->sctp_init_len <= CSCTP_SDP_SCTP_INIT_MAX) {
    char b64[(CSCTP_SDP_SCTP_INIT_MAX + 2) / 3 * 4 + 1];
    if (sdp_base64_encode(s->sctp_init, s->sctp_init_len, b64, sizeof b64) > 0)
      put(w, "a=sctp-init:%s\r\n", b64);
  }
}

csctp_ssize csctp_sdp_write(const csctp_sdp *s, char *buf, size_t cap) {
  if (!s || !buf) return CSCTP_ERR_INVALID_ARGUMENT;
  sdp_writer w = {buf, cap, 0};
  put(&w, "v=0\r\no=%s %llu %llu IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n",
      s->origin_username[0] ? s->origin_username : "-", (unsigned long long)s->session_id,
      (unsigned long long)s->session_version);
  if (s->ice_lite) put(&w, "a=ice-lite\r\n");
  if (s->ice_pacing_ms) put(&w, "a=ice-pacing:%u\r\n", (unsigned)s->ice_pacing_ms);
  if (s->n_bundle) {
    put(&w, "a=group:BUNDLE");
    for (size_t i = 0; i < s->n_bundle && i < CSCTP_SDP_MAX_MEDIA; i++) {
      put(&w, " %s", s->bundle[i]);
    }
    put(&w, "\r\n");
  }
  for (size_t i = 0; i < s->n_media && i < CSCTP_SDP_MAX_MEDIA; i++) {
    const csctp_sdp_media *m = &s->media[i];
    if ((int)i == s->data_index) {
      put_data_section(&w, s, m);
      continue;
    }
    put(&w, "m=%s %u %s %s\r\nc=IN IP4 0.0.0.0\r\n", m->media, m->port, m->proto, m->fmt);
    if (m->mid[0]) put(&w, "a=mid:%s\r\n", m->mid);
  }
  if (w.len >= cap) return CSCTP_ERR_NOBUF;
  return (csctp_ssize)w.len;
}

void csctp_sdp_local_default(csctp_sdp_local *local) {
  memset(local, 0, sizeof *local);
  local->session_version = 2;
  local->sctp_port = CSCTP_SDP_DEFAULT_SCTP_PORT;
  local->max_message_size = 262144;
  local->ice_trickle = 1;
}

static int cred_ok(const char *s, size_t min) {
  if (!s) return 0;
  sdp_span v = {s, strlen(s)};
  return v.len >= min && v.len <= CSCTP_SDP_ICE_MAX && sdp_span_is_ice_chars(v);
}

/* The parts of an offer or answer that come from `local`. */
static int apply_local(csctp_sdp *out, const csctp_sdp_local *local) {
  if (!local || !cred_ok(local->ice_ufrag, 4) || !cred_ok(local->ice_pwd, 22) ||
      !local->fingerprints || local->n_fingerprints == 0 ||
      local->n_fingerprints > CSCTP_SDP_MAX_FINGERPRINTS || local->sctp_port == 0 ||
      (local->ice_pacing_ms && local->ice_pacing_ms < 5) ||
      (local->sctp_init &&
       (local->sctp_init_len == 0 || local->sctp_init_len > CSCTP_SDP_SCTP_INIT_MAX))) {
    return CSCTP_ERR_INVALID_ARGUMENT;
  }
  for (size_t i = 0; i < local->n_fingerprints; i++) {
    const csctp_sdp_fingerprint *fp = &local->fingerprints[i];
    sdp_span algo = {fp->algorithm, strnlen(fp->algorithm, sizeof fp->algorithm)};
    if (fp->len == 0 || fp->len > CSCTP_SDP_FINGERPRINT_MAX || algo.len == 0 ||
        algo.len == sizeof fp->algorithm || !sdp_span_is_token(algo)) {
      return CSCTP_ERR_INVALID_ARGUMENT;
    }
    out->fingerprints[i] = *fp;
  }
  out->n_fingerprints = local->n_fingerprints;
  strcpy(out->origin_username, "-");
  out->session_id = local->session_id;
  out->session_version = local->session_version;
  strcpy(out->ice_ufrag, local->ice_ufrag);
  strcpy(out->ice_pwd, local->ice_pwd);
  out->ice_trickle = local->ice_trickle != 0;
  out->ice_pacing_ms = local->ice_pacing_ms;
  out->sctp_init_len = local->sctp_init ? local->sctp_init_len : 0;
  if (out->sctp_init_len) memcpy(out->sctp_init, local->sctp_init, out->sctp_init_len);
  out->sctp_port = local->sctp_port;
  out->has_sctp_port = 1;
  out->max_message_size = local->max_message_size;
  out->has_max_message_size = 1;
  return 0;
}

int csctp_sdp_create_offer(csctp_sdp *out, const csctp_sdp_local *local) {
  if (!out) return CSCTP_ERR_INVALID_ARGUMENT;
  memset(out, 0, sizeof *out);
  out->data_index = -1;
  int rv = apply_local(out, local);
  if (rv) return rv;
  csctp_sdp_media *m = &out->media[0];
  strcpy(m->media, "application");
  m->port = 9; /* trickle: candidates come separately (RFC 8840 §4.1.1) */
  strcpy(m->proto, "UDP/DTLS/SCTP");
  strcpy(m->fmt, "webrtc-datachannel");
  strcpy(m->mid, "0");
  m->datachannel = 1;
  out->n_media = 1;
  out->data_index = 0;
  strcpy(out->bundle[0], "0");
  out->n_bundle = 1;
  out->setup = CSCTP_SDP_SETUP_ACTPASS; /* RFC 8842 §5.2 */
  return 0;
}

int csctp_sdp_create_answer(csctp_sdp *out, const csctp_sdp *offer, const csctp_sdp_local *local) {
  if (!out || !offer || out == offer) return CSCTP_ERR_INVALID_ARGUMENT;
  memset(out, 0, sizeof *out);
  out->data_index = -1;
  if (offer->data_index < 0 || (size_t)offer->data_index >= offer->n_media ||
      offer->n_media > CSCTP_SDP_MAX_MEDIA) {
    return CSCTP_ERR_INVALID_ARGUMENT;
  }
  const csctp_sdp_media *dm = &offer->media[offer->data_index];
  if (dm->port == 0 && !dm->bundle_only) return CSCTP_ERR_INVALID_ARGUMENT;
  /* RFC 8842 §5.3 / RFC 4145 §4.1: an absent a=setup in an offer means active. */
  csctp_sdp_setup setup;
  switch (offer->setup) {
  case CSCTP_SDP_SETUP_ACTPASS:
  case CSCTP_SDP_SETUP_PASSIVE: setup = CSCTP_SDP_SETUP_ACTIVE; break;
  case CSCTP_SDP_SETUP_ACTIVE:
  case CSCTP_SDP_SETUP_NONE: setup = CSCTP_SDP_SETUP_PASSIVE; break;
  default: return CSCTP_ERR_INVALID_ARGUMENT;
  }
  int rv = apply_local(out, local);
  if (rv) return rv;
  out->setup = setup;
  /* Every m-section of the offer gets one in the answer, in order; all but the
   * data section are rejected with port 0 (RFC 8829 §5.3.1, RFC 3264 §6). */
  for (size_t i = 0; i < offer->n_media; i++) {
    const csctp_sdp_media *om = &offer->media[i];
    csctp_sdp_media *m = &out->media[i];
    memcpy(m->media, om->media, sizeof m->media);
    memcpy(m->proto, om->proto, sizeof m->proto);
    memcpy(m->fmt, om->fmt, sizeof m->fmt);
    memcpy(m->mid, om->mid, sizeof m->mid);
    m->media[sizeof m->media - 1] = m->proto[sizeof m->proto - 1] = '\0';
    m->fmt[sizeof m->fmt - 1] = m->mid[sizeof m->mid - 1] = '\0';
    if ((int)i == offer->data_index) {
      m->port = 9;
      m->datachannel = 1;
      m->legacy = om->legacy;
      if (m->legacy) snprintf(m->fmt, sizeof m->fmt, "%u", out->sctp_port);
    }
  }
  out->n_media = offer->n_media;
  out->data_index = offer->data_index;
  for (size_t i = 0; i < offer->n_bundle && i < CSCTP_SDP_MAX_MEDIA; i++) {
    if (dm->mid[0] && strcmp(offer->bundle[i], dm->mid) == 0) {
      memcpy(out->bundle[0], dm->mid, sizeof out->bundle[0]);
      out->n_bundle = 1;
    }
  }
  return 0;
}

int csctp_sdp_add_candidate(csctp_sdp *sdp, const char *candidate) {
  if (!sdp || !candidate) return CSCTP_ERR_INVALID_ARGUMENT;
  if (sdp->data_index < 0) return CSCTP_ERR_INVALID_STATE;
  if (sdp->n_candidates >= CSCTP_SDP_MAX_CANDIDATES) return CSCTP_ERR_NOBUF;
  csctp_sdp_candidate c;
  int rv = csctp_sdp_candidate_parse(&c, candidate, strlen(candidate), NULL);
  if (rv) return rv;
  sdp->candidates[sdp->n_candidates++] = c;
  return 0;
}
