/* SPDX-License-Identifier: MIT */
/*
 * Statistics like RTCStats through the peer (csctp_peer_get_pair_stats,
 * _dtls_stats, _channel_stats, csctp_peer_stats_report): two csctp peers over
 * ICE on 127.0.0.1 on one GMainContext exchange messages whose counts and sizes
 * the test knows; each side's figures must match what the test sent and what
 * the other side counted (the selected pair's two ends, datagrams and bytes
 * each way, per channel messages and bytes), and the JSON report must parse and
 * carry them. Every wait is bounded.
 */
#include <criterion/criterion.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csctp/peer.h>

#define MAX_CH 4

typedef struct tside {
  csctp_peer *peer;
  csctp_peer_state state;
  int gathered;
  csctp_dc_channel ch[MAX_CH]; /* channels in the order they opened here */
  int nch;
  uint64_t msgs_in[MAX_CH], bytes_in[MAX_CH]; /* messages received, per channel index */
  int echo;                                   /* send every message back */
} tside;

static GMainContext *ctx;
static char sdp_buf[CSCTP_SDP_TEXT_MAX];

static int chan_index(tside *s, csctp_dc_channel ch) {
  for (int i = 0; i < s->nch; i++)
    if (s->ch[i] == ch) return i;
  return -1;
}

static void on_event(csctp_peer *peer, const csctp_peer_event *ev, void *user_data) {
  tside *s = user_data;
  if (ev->type == CSCTP_PEER_EVENT_CANDIDATE && !*ev->u.candidate) s->gathered = 1;
  if (ev->type == CSCTP_PEER_EVENT_STATE) s->state = ev->u.state.state;
  if (ev->type != CSCTP_PEER_EVENT_CHANNEL) return;
  const csctp_dc_event *d = ev->u.channel;
  if (d->type == CSCTP_DC_EVENT_OPEN && chan_index(s, d->channel) < 0 && s->nch < MAX_CH) {
    s->ch[s->nch++] = d->channel;
  } else if (d->type == CSCTP_DC_EVENT_MESSAGE) {
    int i = chan_index(s, d->channel);
    cr_assert_geq(i, 0);
    s->msgs_in[i]++;
    s->bytes_in[i] += d->u.message.len;
    if (s->echo) {
      cr_assert_eq(csctp_peer_send(peer, d->channel, d->u.message.is_text, d->u.message.data,
                                   d->u.message.len),
                   0);
    }
  }
}

static void tside_new(tside *s, int offerer) {
  static const char *lo[] = {"127.0.0.1"};
  csctp_peer_config cfg;
  csctp_peer_config_default(&cfg);
  cfg.offerer = offerer;
  memset(s, 0, sizeof *s);
  cfg.on_event = on_event;
  cfg.user_data = s;
  cfg.local_addresses = lo;
  cfg.n_local_addresses = 1;
  cr_assert_eq(csctp_peer_new(&s->peer, ctx, &cfg), 0);
}

/* Iterates the context until `done(a, b)` or 10 s; returns done's last answer. */
static int run_until(int (*done)(tside *, tside *), tside *a, tside *b) {
  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!done(a, b) && g_get_monotonic_time() < until) g_main_context_iteration(ctx, TRUE);
  return done(a, b);
}

static int both_connected(tside *a, tside *b) {
  return a->state == CSCTP_PEER_STATE_CONNECTED && b->state == CSCTP_PEER_STATE_CONNECTED;
}
static int a_gathered(tside *a, tside *b) { return a->gathered && b->gathered; }

static void connect_pair(tside *a, tside *b) {
  cr_assert(run_until(a_gathered, a, b), "gathering did not end");
  csctp_ssize n = csctp_peer_create_offer(a->peer, sdp_buf, sizeof sdp_buf);
  cr_assert_gt(n, 0);
  csctp_sdp_error e;
  cr_assert_eq(
      csctp_peer_set_remote_description(b->peer, CSCTP_PEER_SDP_OFFER, sdp_buf, (size_t)n, &e), 0,
      "%s", e.message);
  n = csctp_peer_create_answer(b->peer, sdp_buf, sizeof sdp_buf);
  cr_assert_gt(n, 0);
  cr_assert_eq(
      csctp_peer_set_remote_description(a->peer, CSCTP_PEER_SDP_ANSWER, sdp_buf, (size_t)n, &e), 0,
      "%s", e.message);
  cr_assert(run_until(both_connected, a, b), "not connected");
}

static void setup(void) { ctx = g_main_context_new(); }
static void teardown(void) {
  while (g_main_context_iteration(ctx, FALSE)) {}
  g_main_context_unref(ctx);
}

TestSuite(peer_stats, .init = setup, .fini = teardown, .timeout = 60);

/* ---- a strict JSON reader, enough to check the report parses ---- */

typedef struct jr {
  const char *p, *end;
} jr;

static void jr_ws(jr *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t')) r->p++;
}

static int jr_value(jr *r, int depth);

static int jr_string(jr *r) {
  if (r->p >= r->end || *r->p != '"') return 0;
  for (r->p++; r->p < r->end; r->p++) {
    unsigned char c = (unsigned char)*r->p;
    if (c == '"') {
      r->p++;
      return 1;
    }
    if (c < 0x20) return 0;
    if (c == '\\') {
      if (++r->p >= r->end) return 0;
      if (*r->p == 'u') {
        for (int k = 0; k < 4; k++)
          if (++r->p >= r->end || !g_ascii_isxdigit(*r->p)) return 0;
      } else if (!strchr("\"\\/bfnrt", *r->p)) {
        return 0;
      }
    }
  }
  return 0;
}

static int jr_value(jr *r, int depth) {
  jr_ws(r);
  if (r->p >= r->end || depth > 16) return 0;
  char c = *r->p;
  if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    r->p++;
    jr_ws(r);
    if (r->p < r->end && *r->p == close) {
      r->p++;
      return 1;
    }
    for (;;) {
      if (c == '{') {
        jr_ws(r);
        if (!jr_string(r)) return 0;
        jr_ws(r);
        if (r->p >= r->end || *r->p++ != ':') return 0;
      }
      if (!jr_value(r, depth + 1)) return 0;
      jr_ws(r);
      if (r->p >= r->end) return 0;
      if (*r->p == ',') {
        r->p++;
        continue;
      }
      if (*r->p++ != close) return 0;
      return 1;
    }
  }
  if (c == '"') return jr_string(r);
  for (const char *lit = "true\0false\0null\0"; *lit; lit += strlen(lit) + 1) {
    size_t n = strlen(lit);
    if ((size_t)(r->end - r->p) >= n && !memcmp(r->p, lit, n)) {
      r->p += n;
      return 1;
    }
  }
  char *e;
  (void)g_ascii_strtod(r->p, &e);
  if (e == r->p || (*r->p != '-' && !g_ascii_isdigit(*r->p))) return 0;
  r->p = e;
  return 1;
}

static int json_valid(const char *s, size_t n) {
  jr r = {s, s + n};
  if (!jr_value(&r, 0)) return 0;
  jr_ws(&r);
  return r.p == r.end;
}

Test(peer_stats, json_reader_rejects_broken_text) {
  /* The reader must be able to fail, or the report tests below prove nothing. */
  const char *good = "{\"a\":[1,2.5e3,\"x\\n\"],\"b\":{\"c\":true}}";
  cr_assert(json_valid(good, strlen(good)));
  static const char *bad[] = {"{\"a\":1,}", "{\"a\" 1}",  "{\"a\":\"x\ny\"}", "{\"a\":\"\\q\"}",
                              "[1 2]",      "{\"a\":1}}", "{\"a\":tru}"};
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    cr_assert_not(json_valid(bad[i], strlen(bad[i])), "accepted %s", bad[i]);
  }
}

/* ---- figures ---- */

static int pairs_settled(tside *a, tside *b) {
  csctp_ice_pair_stats pa, pb;
  if (csctp_peer_get_pair_stats(a->peer, &pa) || csctp_peer_get_pair_stats(b->peer, &pb)) return 0;
  return pa.packets_sent == pb.packets_received && pb.packets_sent == pa.packets_received &&
         pa.bytes_sent == pb.bytes_received && pb.bytes_sent == pa.bytes_received;
}

/* The messages a sends: sizes and kinds the test chooses, on two channels. */
static const size_t sizes0[] = {0, 1, 17, 1000, 1200, 5000, 65536, 3, 0, 100000};
static const size_t sizes1[] = {64, 64, 2048, 0, 777};

typedef struct sent {
  uint64_t msgs[2], bytes[2];
} sent;

static int all_received(tside *a, tside *b) {
  /* b echoes every message, so a has them all back when the exchange is over */
  return b->nch == 2 && a->msgs_in[0] == G_N_ELEMENTS(sizes0) &&
         a->msgs_in[1] == G_N_ELEMENTS(sizes1);
}

static int channels_open(tside *a, tside *b) { return a->nch == 2 && b->nch == 2; }

/* Connects a and b, opens two channels from a ("first" and a label with characters
 * JSON must escape) and sends the messages above; b echoes them. */
static sent exchange(tside *a, tside *b) {
  tside_new(a, 1);
  tside_new(b, 0);
  b->echo = 1;
  connect_pair(a, b);
  csctp_dc_init init0 = {.label = "first", .protocol = "p0"};
  csctp_dc_init init1 = {.label = "say \"hi\"\\\n\x01 caf\xc3\xa9", .protocol = "", .unordered = 1};
  csctp_dc_channel c0, c1;
  cr_assert_eq(csctp_peer_create_channel(a->peer, &init0, &c0), 0);
  cr_assert_eq(csctp_peer_create_channel(a->peer, &init1, &c1), 0);
  cr_assert(run_until(channels_open, a, b), "channels did not open");
  cr_assert_eq(a->ch[0], c0);
  static uint8_t payload[100000];
  memset(payload, 'x', sizeof payload);
  sent s = {{0, 0}, {0, 0}};
  for (size_t i = 0; i < G_N_ELEMENTS(sizes0); i++) {
    cr_assert_eq(csctp_peer_send(a->peer, c0, (int)(i & 1), payload, sizes0[i]), 0);
    s.msgs[0]++;
    s.bytes[0] += sizes0[i];
  }
  for (size_t i = 0; i < G_N_ELEMENTS(sizes1); i++) {
    cr_assert_eq(csctp_peer_send(a->peer, c1, 0, payload, sizes1[i]), 0);
    s.msgs[1]++;
    s.bytes[1] += sizes1[i];
  }
  cr_assert(run_until(all_received, a, b), "echoes missing: %" PRIu64 " and %" PRIu64,
            a->msgs_in[0], a->msgs_in[1]);
  cr_assert(run_until(pairs_settled, a, b), "datagram counts of the two ends never agreed");
  return s;
}

Test(peer_stats, channel_counts_match_both_sides_and_the_test) {
  tside a, b;
  sent s = exchange(&a, &b);
  cr_assert_eq(s.bytes[0], 172757); /* the sum of sizes0, by hand */
  for (int i = 0; i < 2; i++) {
    csctp_dc_channel_stats sa, sb;
    cr_assert_eq(csctp_peer_get_channel_stats(a.peer, a.ch[i], &sa), 0);
    cr_assert_eq(csctp_peer_get_channel_stats(b.peer, b.ch[i], &sb), 0);
    cr_assert_eq(sa.messages_sent, s.msgs[i], "channel %d", i);
    cr_assert_eq(sa.bytes_sent, s.bytes[i], "channel %d", i);
    cr_assert_eq(sb.messages_received, s.msgs[i], "channel %d", i);
    cr_assert_eq(sb.bytes_received, s.bytes[i], "channel %d", i);
    /* the echoes */
    cr_assert_eq(sb.messages_sent, s.msgs[i]);
    cr_assert_eq(sb.bytes_sent, s.bytes[i]);
    cr_assert_eq(sa.messages_received, a.msgs_in[i]);
    cr_assert_eq(sa.bytes_received, a.bytes_in[i]);
    cr_assert_eq(sa.bytes_received, s.bytes[i]);
    cr_assert_eq(sa.buffered_amount, 0, "everything was acknowledged");
  }
  csctp_dc_channel_stats st;
  cr_assert_eq(csctp_peer_get_channel_stats(a.peer, 0xdeadbeef, &st), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_peer_get_channel_stats_versioned(a.peer, a.ch[0], 99, &st),
               CSCTP_ERR_INVALID_ARGUMENT);
  csctp_peer_del(a.peer);
  csctp_peer_del(b.peer);
}

Test(peer_stats, pair_ends_and_datagrams_agree) {
  tside a, b;
  sent s = exchange(&a, &b);
  csctp_ice_pair_stats pa, pb;
  cr_assert_eq(csctp_peer_get_pair_stats(a.peer, &pa), 0);
  cr_assert_eq(csctp_peer_get_pair_stats(b.peer, &pb), 0);
  cr_assert(pa.selected && pb.selected);
  cr_assert_geq(pa.selected_pair_changes, 1);
  cr_assert_str_eq(pa.local.address, "127.0.0.1");
  cr_assert_str_eq(pa.local.address, pb.remote.address);
  cr_assert_str_eq(pb.local.address, pa.remote.address);
  cr_assert_eq(pa.local.port, pb.remote.port);
  cr_assert_eq(pb.local.port, pa.remote.port);
  cr_assert_neq(pa.local.port, pa.remote.port);
  cr_assert_str_eq(pa.local.protocol, "udp");
  cr_assert_str_eq(pa.local.type, "host");
  cr_assert_gt(pa.local.priority, 0);
  cr_assert_neq(pa.local.foundation[0], '\0');
  /* Both ways every message's bytes crossed, plus DTLS and SCTP overhead. */
  cr_assert_gt(pa.bytes_sent, s.bytes[0] + s.bytes[1]);
  cr_assert_gt(pb.bytes_sent, s.bytes[0] + s.bytes[1]);
  cr_assert_eq(pa.packets_discarded_on_send, 0);
  gint64 now = g_get_real_time();
  cr_assert(pa.last_packet_sent_us > now - 10 * G_USEC_PER_SEC && pa.last_packet_sent_us <= now);
  cr_assert(pa.last_packet_received_us > now - 10 * G_USEC_PER_SEC &&
            pa.last_packet_received_us <= now);
  /* Every DTLS datagram went over the pair, and nothing else did (STUN is not counted). */
  csctp_dtls_stats da, db;
  cr_assert_eq(csctp_peer_get_dtls_stats(a.peer, &da), 0);
  cr_assert_eq(csctp_peer_get_dtls_stats(b.peer, &db), 0);
  cr_assert_eq(da.datagrams_out, pa.packets_sent);
  cr_assert_eq(da.bytes_out, pa.bytes_sent);
  cr_assert_eq(da.datagrams_in, pa.packets_received);
  cr_assert_eq(da.bytes_in, pa.bytes_received);
  cr_assert_eq(db.datagrams_out, da.datagrams_in);
  const char *cipher = csctp_peer_dtls_cipher(a.peer);
  cr_assert(cipher && !strncmp(cipher, "TLS_", 4), "%s", cipher ? cipher : "NULL");
  cr_assert_str_eq(cipher, csctp_peer_dtls_cipher(b.peer));
  cr_assert_eq(csctp_peer_get_pair_stats_versioned(a.peer, 2, &pa), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_peer_get_dtls_stats_versioned(a.peer, 3, &da), CSCTP_ERR_INVALID_ARGUMENT);
  csctp_peer_del(a.peer);
  csctp_peer_del(b.peer);
}

/* The report as text, through the two-call size protocol. */
static char *report(csctp_peer *p) {
  csctp_ssize n = csctp_peer_stats_report(p, NULL, 0);
  cr_assert_gt(n, 0);
  char *buf = malloc((size_t)n + 256);
  csctp_ssize m = csctp_peer_stats_report(p, buf, (size_t)n + 256);
  cr_assert_gt(m, 0);
  cr_assert_eq(strlen(buf), (size_t)m);
  cr_assert(json_valid(buf, (size_t)m), "not JSON: %s", buf);
  return buf;
}

/* The value of "key" in the stats object whose text contains `anchor` (a unique
 * "id":"..." or label), as a number. */
static double field(const char *rep, const char *anchor, const char *key) {
  const char *obj = strstr(rep, anchor);
  cr_assert(obj, "no %s in %s", anchor, rep);
  const char *start = obj;
  while (start > rep && *start != '{') start--;
  const char *end = strchr(obj, '}');
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *f = g_strstr_len(start, end - start, pat);
  cr_assert(f, "no %s near %s", key, anchor);
  return g_ascii_strtod(f + strlen(pat), NULL);
}

Test(peer_stats, report_is_json_with_every_figure) {
  tside a, b;
  sent s = exchange(&a, &b);
  char *rep = report(a.peer);
  /* the label the peer sees, escaped: quote, backslash, newline, U+0001, UTF-8 kept */
  const char *esc = "\"label\":\"say \\\"hi\\\"\\\\\\n\\u0001 caf\xc3\xa9\"";
  cr_assert(strstr(rep, esc), "label not escaped as %s in %s", esc, rep);
  cr_assert(strstr(rep, "\"type\":\"peer-connection\""));
  cr_assert_eq(field(rep, "\"id\":\"P\"", "dataChannelsOpened"), 2);
  cr_assert(strstr(rep, "\"connectionState\":\"connected\""));
  cr_assert(strstr(rep, "\"type\":\"candidate-pair\""));
  cr_assert(strstr(rep, "\"type\":\"local-candidate\""));
  cr_assert(strstr(rep, "\"type\":\"remote-candidate\""));
  cr_assert(strstr(rep, "\"dtlsState\":\"connected\""));
  cr_assert(strstr(rep, "\"dtlsRole\":\"server\""), "the offerer is DTLS server here");
  cr_assert(strstr(rep, "\"iceRole\":\"controlling\""));
  cr_assert(strstr(rep, "\"selectedCandidatePairId\":\"CP\""));
  csctp_ice_pair_stats pa;
  cr_assert_eq(csctp_peer_get_pair_stats(a.peer, &pa), 0);
  cr_assert_eq(field(rep, "\"id\":\"CP\"", "bytesSent"), (double)pa.bytes_sent);
  cr_assert_eq(field(rep, "\"id\":\"RC\"", "port"), pa.remote.port);
  cr_assert_eq(field(rep, "\"label\":\"first\"", "messagesSent"), (double)s.msgs[0]);
  cr_assert_eq(field(rep, "\"label\":\"first\"", "bytesReceived"), (double)s.bytes[0]);
  cr_assert_eq(field(rep, "\"label\":\"say", "bytesSent"), (double)s.bytes[1]);
  cr_assert(strstr(rep, "\"protocol\":\"p0\""));
  csctp_stats st;
  cr_assert_eq(csctp_peer_get_stats(a.peer, &st, NULL), 0);
  cr_assert_eq(field(rep, "\"type\":\"sctp-transport\"", "messagesSent"), (double)st.messages_out);
  cr_assert_eq(field(rep, "\"type\":\"sctp-transport\"", "congestionWindow"), (double)st.cwnd);
  cr_assert(strstr(rep, "\"scheduler\":\"wfq\""), "the default scheduler");
  double srtt = field(rep, "\"type\":\"sctp-transport\"", "smoothedRoundTripTime");
  cr_assert(srtt >= 0 && srtt < 1.0, "%f s on loopback", srtt);
  /* too small a buffer: refused, and the size protocol gives what is needed */
  char small[64];
  cr_assert_eq(csctp_peer_stats_report(a.peer, small, sizeof small), CSCTP_ERR_NOBUF);
  cr_assert_eq(csctp_peer_stats_report(a.peer, NULL, 5), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_peer_stats_report(NULL, NULL, 0), CSCTP_ERR_INVALID_ARGUMENT);
  free(rep);
  /* After a channel closes, the layer counts it and the report follows. */
  cr_assert_eq(csctp_peer_close_channel(a.peer, a.ch[1]), 0);
  gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  csctp_dc_stats dcs;
  do {
    g_main_context_iteration(ctx, FALSE);
    cr_assert_eq(csctp_peer_get_stats(a.peer, NULL, &dcs), 0);
  } while (dcs.channels_closed == 0 && g_get_monotonic_time() < until);
  cr_assert_eq(dcs.channels_closed, 1);
  rep = report(a.peer);
  cr_assert_eq(field(rep, "\"id\":\"P\"", "dataChannelsClosed"), 1);
  cr_assert_null(strstr(rep, "\"label\":\"say"), "a closed, released channel is not listed");
  free(rep);
  csctp_peer_del(a.peer);
  csctp_peer_del(b.peer);
}

Test(peer_stats, before_any_description) {
  tside a;
  tside_new(&a, 0);
  csctp_ice_pair_stats p;
  cr_assert_eq(csctp_peer_get_pair_stats(a.peer, &p), 0);
  cr_assert_eq(p.selected, 0);
  cr_assert_eq(p.packets_sent, 0);
  csctp_dtls_stats d;
  cr_assert_eq(csctp_peer_get_dtls_stats(a.peer, &d), 0);
  cr_assert_eq(d.datagrams_out, 0);
  cr_assert_null(csctp_peer_dtls_cipher(a.peer));
  char *rep = report(a.peer);
  cr_assert(strstr(rep, "\"dtlsState\":\"new\""), "%s", rep);
  cr_assert_null(strstr(rep, "candidate-pair"), "no pair is selected yet");
  cr_assert_null(strstr(rep, "tlsVersion"));
  free(rep);
  csctp_peer_del(a.peer);
}
