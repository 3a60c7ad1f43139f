/* SPDX-License-Identifier: MIT */
/*
 * The peer's statistics (peer.h): each layer's figures through the peer, and the
 * whole set as one JSON report shaped like a browser's RTCStatsReport
 * (Object.fromEntries(await pc.getStats())), with the W3C webrtc-stats names.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "peer_priv.h"

/* ---------------------------------------------------------------- each layer */

int csctp_peer_get_pair_stats_versioned(const csctp_peer *p, int stats_version,
                                        csctp_ice_pair_stats *st) {
  if (!p || p->dead || !st) return CSCTP_ERR_INVALID_ARGUMENT;
  if (p->handed_over) return CSCTP_ERR_INVALID_STATE;
  return csctp_ice_agent_get_pair_stats_versioned(p->ice, stats_version, st);
}

int csctp_peer_get_dtls_stats_versioned(const csctp_peer *p, int stats_version,
                                        csctp_dtls_stats *st) {
  if (!p || p->dead || !st) return CSCTP_ERR_INVALID_ARGUMENT;
  if (p->handed_over) return CSCTP_ERR_INVALID_STATE;
  if (!p->dtls) {
    csctp_dtls_stats zero;
    memset(&zero, 0, sizeof zero);
    if (stats_version != CSCTP_DTLS_STATS_V1 && stats_version != CSCTP_DTLS_STATS_V2) {
      return CSCTP_ERR_INVALID_ARGUMENT;
    }
    memcpy(st, &zero,
           stats_version == CSCTP_DTLS_STATS_V1
               ? offsetof(csctp_dtls_stats, largest_datagram_out) + sizeof(uint32_t)
               : sizeof zero);
    return 0;
  }
  return csctp_dtls_get_stats_versioned(p->dtls, stats_version, st);
}

const char *csctp_peer_dtls_cipher(const csctp_peer *p) {
  return p && !p->dead && !p->handed_over && p->dtls ? csctp_dtls_get_cipher(p->dtls) : NULL;
}

int csctp_peer_get_channel_stats_versioned(const csctp_peer *p, csctp_dc_channel ch,
                                           int stats_version, csctp_dc_channel_stats *st) {
  if (!p || p->dead || !st) return CSCTP_ERR_INVALID_ARGUMENT;
  if (p->handed_over) return CSCTP_ERR_INVALID_STATE;
  return csctp_dc_get_channel_stats_versioned(p->dc, ch, stats_version, st);
}

/* ---------------------------------------------------------------- JSON */

/* A writer that counts what does not fit, so that the caller learns the size. */
typedef struct jw {
  char *buf;
  size_t cap, len; /* len may pass cap - 1: nothing more is written then */
  int fields;      /* fields written in the current object */
} jw;

static void jw_raw(jw *w, const char *s, size_t n) {
  if (w->buf && w->len + n < w->cap) memcpy(w->buf + w->len, s, n);
  w->len += n;
}

static void jw_lit(jw *w, const char *s) { jw_raw(w, s, strlen(s)); }

/* A JSON string: quotes, backslashes and control characters escaped; bytes that are
 * not UTF-8 (never from the peer: the channel layer checks labels) become U+FFFD. */
static void jw_str(jw *w, const char *s, size_t n) {
  jw_raw(w, "\"", 1);
  const char *end = s + n;
  while (s < end) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      jw_raw(w, e, 2);
      s++;
    } else if (c < 0x20) {
      static const char brief[] = "\bb\ff\nn\rr\tt"; /* the character, its escape letter */
      const char *b = memchr(brief, c, sizeof brief - 1);
      char e[8];
      if (b && (b - brief) % 2 == 0) {
        e[0] = '\\';
        e[1] = b[1];
        jw_raw(w, e, 2);
      } else {
        snprintf(e, sizeof e, "\\u%04x", c);
        jw_raw(w, e, 6);
      }
      s++;
    } else if (c < 0x80) {
      jw_raw(w, s, 1);
      s++;
    } else {
      gunichar u = g_utf8_get_char_validated(s, end - s);
      if (u == (gunichar)-1 || u == (gunichar)-2) {
        jw_lit(w, "\\ufffd");
        s++;
      } else {
        size_t k = (size_t)g_utf8_skip[c];
        jw_raw(w, s, k);
        s += k;
      }
    }
  }
  jw_raw(w, "\"", 1);
}

static void jw_key(jw *w, const char *key) {
  if (w->fields++) jw_raw(w, ",", 1);
  jw_str(w, key, strlen(key));
  jw_raw(w, ":", 1);
}

static void jw_s(jw *w, const char *key, const char *v) {
  jw_key(w, key);
  jw_str(w, v, strlen(v));
}

static void jw_fmt(jw *w, const char *key, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void jw_fmt(jw *w, const char *key, const char *fmt, ...) {
  char v[64];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(v, sizeof v, fmt, ap);
  va_end(ap);
  jw_key(w, key);
  jw_raw(w, v, n < 0 ? 0 : (size_t)n < sizeof v ? (size_t)n : sizeof v - 1);
}

static void jw_u(jw *w, const char *key, uint64_t v) { jw_fmt(w, key, "%" PRIu64, v); }

/* Opens the stats object `id` of `type`, member of the report. */
static void jw_begin(jw *w, int *objects, const char *id, const char *type, double ts) {
  if ((*objects)++) jw_raw(w, ",", 1);
  jw_str(w, id, strlen(id));
  jw_raw(w, ":{", 2);
  w->fields = 0;
  jw_s(w, "id", id);
  jw_s(w, "type", type);
  jw_fmt(w, "timestamp", "%.3f", ts);
}

static void jw_end(jw *w) { jw_raw(w, "}", 1); }

static const char *stats_dtls_state(csctp_dtls_state st) {
  switch (st) {
  case CSCTP_DTLS_STATE_NEW: return "new";
  case CSCTP_DTLS_STATE_HANDSHAKING: return "connecting";
  case CSCTP_DTLS_STATE_CONNECTED: return "connected";
  case CSCTP_DTLS_STATE_CLOSED: return "closed";
  case CSCTP_DTLS_STATE_FAILED: return "failed";
  }
  return "new";
}

static const char *stats_dc_state(csctp_dc_state st) {
  switch (st) {
  case CSCTP_DC_STATE_CONNECTING: return "connecting";
  case CSCTP_DC_STATE_OPEN: return "open";
  case CSCTP_DC_STATE_CLOSING: return "closing";
  case CSCTP_DC_STATE_CLOSED: return "closed";
  }
  return "closed";
}

/* W3C srtpCipher is the "Profile" column of IANA's DTLS-SRTP protection profile registry
 * (RFC 5764 §4.1.2), as browsers report it; csctp_srtp_profile_name() gives OpenSSL's names,
 * which leave out the HMAC_ of the first two. */
static const char *stats_srtp_name(csctp_srtp_profile srtp) {
  switch (srtp) {
  case CSCTP_SRTP_AES128_CM_SHA1_80: return "SRTP_AES128_CM_HMAC_SHA1_80";
  case CSCTP_SRTP_AES128_CM_SHA1_32: return "SRTP_AES128_CM_HMAC_SHA1_32";
  default: return csctp_srtp_profile_name(srtp);
  }
}

static void stats_candidate(jw *w, int *objects, const char *id, const char *type, double ts,
                            const csctp_ice_candidate_stats *c) {
  jw_begin(w, objects, id, type, ts);
  jw_s(w, "transportId", "T");
  jw_s(w, "address", c->address);
  jw_u(w, "port", c->port);
  jw_s(w, "protocol", c->protocol);
  if (c->type[0]) jw_s(w, "candidateType", c->type);
  if (c->priority) jw_u(w, "priority", c->priority);
  if (c->foundation[0]) jw_s(w, "foundation", c->foundation);
  jw_end(w);
}

static void stats_transport(jw *w, int *objects, const csctp_peer *p, double ts,
                            const csctp_ice_pair_stats *pair) {
  csctp_dtls_stats d;
  csctp_peer_get_dtls_stats(p, &d);
  jw_begin(w, objects, "T", "transport", ts);
  jw_u(w, "bytesSent", d.bytes_out);
  jw_u(w, "bytesReceived", d.bytes_in);
  jw_u(w, "packetsSent", d.datagrams_out);
  jw_u(w, "packetsReceived", d.datagrams_in);
  jw_s(w, "iceRole", csctp_ice_agent_get_controlling(p->ice) ? "controlling" : "controlled");
  jw_s(w, "iceState", csctp_ice_state_name(csctp_ice_agent_state(p->ice)));
  jw_s(w, "dtlsState", p->dtls ? stats_dtls_state(csctp_dtls_get_state(p->dtls)) : "new");
  jw_s(w, "dtlsRole", !p->dtls ? "unknown" : p->role == CSCTP_DTLS_CLIENT ? "client" : "server");
  const char *cipher = p->dtls ? csctp_dtls_get_cipher(p->dtls) : NULL;
  if (cipher) {
    jw_s(w, "tlsVersion", "FEFD"); /* DTLS 1.2, the only version csctp speaks */
    jw_s(w, "dtlsCipher", cipher);
  }
  csctp_srtp_profile srtp = p->dtls ? csctp_dtls_get_srtp_profile(p->dtls) : CSCTP_SRTP_NONE;
  if (srtp != CSCTP_SRTP_NONE) jw_s(w, "srtpCipher", stats_srtp_name(srtp));
  if (pair->selected) jw_s(w, "selectedCandidatePairId", "CP");
  jw_u(w, "selectedCandidatePairChanges", pair->selected_pair_changes);
  jw_end(w);
}

static void stats_pair(jw *w, int *objects, double ts, const csctp_ice_pair_stats *pair) {
  jw_begin(w, objects, "CP", "candidate-pair", ts);
  jw_s(w, "transportId", "T");
  jw_s(w, "localCandidateId", "LC");
  jw_s(w, "remoteCandidateId", "RC");
  jw_s(w, "state", "succeeded");
  jw_key(w, "nominated");
  jw_lit(w, "true");
  jw_u(w, "packetsSent", pair->packets_sent);
  jw_u(w, "packetsReceived", pair->packets_received);
  jw_u(w, "bytesSent", pair->bytes_sent);
  jw_u(w, "bytesReceived", pair->bytes_received);
  jw_u(w, "packetsDiscardedOnSend", pair->packets_discarded_on_send);
  if (pair->last_packet_sent_us) {
    jw_fmt(w, "lastPacketSentTimestamp", "%.3f", (double)pair->last_packet_sent_us / 1000.0);
  }
  if (pair->last_packet_received_us) {
    jw_fmt(w, "lastPacketReceivedTimestamp", "%.3f",
           (double)pair->last_packet_received_us / 1000.0);
  }
  jw_end(w);
  stats_candidate(w, objects, "LC", "local-candidate", ts, &pair->local);
  stats_candidate(w, objects, "RC", "remote-candidate", ts, &pair->remote);
}

static void stats_sctp(jw *w, int *objects, const csctp_peer *p, double ts) {
  csctp_stats s;
  if (csctp_assoc_get_stats(p->assoc, &s) != 0) return;
  jw_begin(w, objects, "S", "sctp-transport", ts);
  jw_s(w, "transportId", "T");
  jw_fmt(w, "smoothedRoundTripTime", "%.3f", s.srtt_ms / 1000.0);
  jw_u(w, "congestionWindow", s.cwnd);
  jw_u(w, "receiverWindow", s.peer_rwnd);         /* the peer's, as RFC 6458's sstat_rwnd */
  jw_u(w, "mtu", csctp_assoc_get_pmtu(p->assoc)); /* PLPMTUD's size (scfg.mtu when off) */
  jw_u(w, "unackData", s.unacked_chunks);
  /* csctp's own figures (csctp_stats), named in the same style */
  jw_fmt(w, "rto", "%.3f", s.rto_ms / 1000.0);
  jw_u(w, "slowStartThreshold", s.ssthresh);
  jw_u(w, "localReceiverWindow", s.local_rwnd);
  jw_u(w, "bytesOutstanding", s.bytes_outstanding);
  jw_u(w, "bytesBuffered", s.bytes_buffered);
  jw_u(w, "packetsSent", s.packets_out);
  jw_u(w, "packetsReceived", s.packets_in);
  jw_u(w, "dataChunksSent", s.data_chunks_out);
  jw_u(w, "dataChunksReceived", s.data_chunks_in);
  jw_u(w, "messagesSent", s.messages_out);
  jw_u(w, "messagesReceived", s.messages_in);
  jw_u(w, "bytesSent", s.bytes_out);
  jw_u(w, "bytesReceived", s.bytes_in);
  jw_u(w, "retransmissions", s.retransmissions);
  jw_u(w, "fastRetransmits", s.fast_retransmits);
  jw_u(w, "retransmissionTimeouts", s.t3_expiries);
  jw_u(w, "duplicateTsns", s.duplicate_tsns);
  jw_u(w, "sacksSent", s.sacks_out);
  jw_u(w, "sacksReceived", s.sacks_in);
  jw_u(w, "heartbeatsSent", s.heartbeats_out);
  jw_u(w, "packetsDroppedBadChecksum", s.drop_bad_crc);
  jw_u(w, "packetsDroppedBadTag", s.drop_bad_vtag);
  jw_u(w, "packetsDroppedMalformed", s.drop_malformed);
  jw_u(w, "chunksDroppedOutOfWindow", s.drop_out_of_window);
  jw_u(w, "chunksDroppedUnexpected", s.drop_unexpected);
  jw_key(w, "zeroChecksum");
  jw_lit(w, s.zero_checksum ? "true" : "false");
  jw_key(w, "interleaving"); /* RFC 8260 I-DATA negotiated */
  jw_lit(w, s.interleaving ? "true" : "false");
  static const char *const scheds[] = {"wfq", "fcfs", "rr", "rr-packet", "priority", "fair"};
  if (s.scheduler < G_N_ELEMENTS(scheds)) jw_s(w, "scheduler", scheds[s.scheduler]);
  jw_end(w);
}

static void stats_channels(jw *w, int *objects, const csctp_peer *p, double ts) {
  csctp_dc_channel list[64];
  size_t n = csctp_dc_channel_list(p->dc, list, G_N_ELEMENTS(list));
  csctp_dc_channel *all = list;
  if (n > G_N_ELEMENTS(list)) {
    all = g_new(csctp_dc_channel, n);
    n = csctp_dc_channel_list(p->dc, all, n);
  }
  for (size_t i = 0; i < n; i++) {
    csctp_dc_info info;
    csctp_dc_channel_stats cs;
    if (csctp_dc_get_info(p->dc, all[i], &info) || csctp_dc_get_channel_stats(p->dc, all[i], &cs))
      continue;
    char id[24];
    snprintf(id, sizeof id, "D%" PRIu32, (uint32_t)all[i]);
    jw_begin(w, objects, id, "data-channel", ts);
    jw_key(w, "label");
    jw_str(w, info.label, info.label_len);
    jw_key(w, "protocol");
    jw_str(w, info.protocol, info.protocol_len);
    if (info.has_stream) jw_u(w, "dataChannelIdentifier", info.stream);
    jw_s(w, "state", stats_dc_state(info.state));
    jw_u(w, "messagesSent", cs.messages_sent);
    jw_u(w, "bytesSent", cs.bytes_sent);
    jw_u(w, "messagesReceived", cs.messages_received);
    jw_u(w, "bytesReceived", cs.bytes_received);
    jw_u(w, "bufferedAmount", cs.buffered_amount);
    jw_end(w);
  }
  if (all != list) g_free(all);
}

uint32_t csctp_peer_get_pmtu(const csctp_peer *p) {
  return p && !p->handed_over ? csctp_assoc_get_pmtu(p->assoc) : 0;
}

csctp_ssize csctp_peer_stats_report(const csctp_peer *p, char *buf, size_t cap) {
  if (!p || p->dead || (!buf && cap)) return CSCTP_ERR_INVALID_ARGUMENT;
  if (p->handed_over) return CSCTP_ERR_INVALID_STATE;
  jw w = {.buf = buf, .cap = cap};
  int objects = 0;
  double ts = (double)g_get_real_time() / 1000.0;
  csctp_dc_stats dcs;
  csctp_dc_get_stats(p->dc, &dcs);
  csctp_ice_pair_stats pair;
  csctp_ice_agent_get_pair_stats(p->ice, &pair);

  jw_raw(&w, "{", 1);
  jw_begin(&w, &objects, "P", "peer-connection", ts);
  jw_u(&w, "dataChannelsOpened", dcs.channels_opened_local + dcs.channels_opened_remote);
  jw_u(&w, "dataChannelsClosed", dcs.channels_closed);
  jw_s(&w, "connectionState", csctp_peer_state_name(p->state));
  jw_end(&w);
  stats_transport(&w, &objects, p, ts, &pair);
  if (pair.selected) stats_pair(&w, &objects, ts, &pair);
  stats_sctp(&w, &objects, p, ts);
  stats_channels(&w, &objects, p, ts);
  jw_raw(&w, "}", 1);

  if (!buf) return (csctp_ssize)w.len;
  if (w.len >= cap) return CSCTP_ERR_NOBUF;
  buf[w.len] = '\0';
  return (csctp_ssize)w.len;
}
