/* SPDX-License-Identifier: MIT */
/*
 * csctp-peer: the echo peer of the browser harness contract
 * (../shared/interop/README.md). JSON signalling, one object per line, on
 * stdin and stdout; logs on stderr (CSCTP_DEBUG=peer,ice,dtls,sctp,dc or *).
 *
 *   csctp-peer [--offer] [--address IP]... [--no-loopback] [--no-srtp] [--no-snap]
 *              [--max-message-size BYTES]
 *
 * --no-snap neither offers nor accepts a=sctp-init (SNAP, csctp_peer_config.snap):
 * SCTP then always starts with its handshake.
 * --no-srtp leaves DTLS-SRTP (use_srtp) out of the handshake; by default it is
 * offered and accepted as browsers do (csctp_peer_config.dtls_srtp).
 * --max-message-size sets our a=max-message-size, the largest message received
 * or sent (default 1 MiB; at most 1 GiB). The SCTP receive window and send
 * buffer (4 MiB each) grow to it when it is larger: memory grows with it.
 *
 * Answerer by default: answers the offer read from stdin. With --offer it
 * opens an ordered reliable channel "offerer", writes its offer and waits for
 * the answer. Every message on every channel is echoed (same type, same
 * bytes, same order) except the control strings "bytes?", "info?" and
 * "close!", and except on channels labelled sink*, which only count bytes.
 *
 * One more control string is csctp's own: the text "send:N" (N decimal,
 * 1 <= N <= the largest message we may send on the channel: ours and the
 * peer's a=max-message-size) makes the peer send one binary message of N
 * bytes on that channel, byte i being (uint8_t)(i * 131 + (i >> 13)); if N
 * is anything else the reply is a text "error: ..." saying why.
 */
#include <errno.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csctp/peer.h>

#include "peer_tool.h"

typedef struct chan {
  uint64_t binary_bytes;
  int sink;
} chan;

typedef struct pending {
  csctp_dc_channel ch;
  int is_text;
  GBytes *data;
} pending;

typedef struct app {
  GMainLoop *loop;
  csctp_peer *peer;
  int offer_mode;
  int answer_due; /* an offer arrived: answer once gathering is done */
  int offer_sent, answer_sent;
  int finishing;
  GHashTable *chans; /* handle -> chan */
  GQueue backlog;    /* echoes the send buffer refused, in order */
  size_t backlog_bytes;
  uint64_t backlog_dropped;
  guint backlog_timer;
} app;

/* Echoes held for a browser that sends faster than it reads: past this, they
 * are dropped (and counted) rather than held without bound. */
#define PEER_BACKLOG_MAX (64u << 20)

static void app_finish(app *a);

static void send_sdp(app *a, int offer) {
  static char sdp[CSCTP_SDP_TEXT_MAX];
  csctp_ssize n = offer ? csctp_peer_create_offer(a->peer, sdp, sizeof sdp)
                        : csctp_peer_create_answer(a->peer, sdp, sizeof sdp);
  if (n < 0) {
    tool_log("csctp-peer: cannot write the %s: %s", offer ? "offer" : "answer",
             csctp_strerror((int)n));
    return;
  }
  tool_send_json("type", offer ? "offer" : "answer", "sdp", sdp, NULL);
  if (offer)
    a->offer_sent = 1;
  else
    a->answer_sent = 1;
}

/* ---------------------------------------------------------------- echo */

static int app_send(app *a, csctp_dc_channel ch, int is_text, const void *d, size_t len);

static void backlog_drain(app *a) {
  pending *pd;
  while ((pd = g_queue_peek_head(&a->backlog))) {
    gsize len;
    const void *d = g_bytes_get_data(pd->data, &len);
    int rv = csctp_peer_send(a->peer, pd->ch, pd->is_text, d, len);
    if (rv == CSCTP_ERR_WOULD_BLOCK) return;
    if (rv) tool_log("csctp-peer: echo dropped: %s", csctp_strerror(rv));
    g_queue_pop_head(&a->backlog);
    a->backlog_bytes -= len;
    g_bytes_unref(pd->data);
    g_free(pd);
  }
}

static gboolean backlog_tick(gpointer data) {
  app *a = data;
  backlog_drain(a);
  if (g_queue_is_empty(&a->backlog)) {
    a->backlog_timer = 0;
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static int app_send(app *a, csctp_dc_channel ch, int is_text, const void *d, size_t len) {
  int rv = g_queue_is_empty(&a->backlog) ? csctp_peer_send(a->peer, ch, is_text, d, len)
                                         : CSCTP_ERR_WOULD_BLOCK;
  if (rv != CSCTP_ERR_WOULD_BLOCK) {
    if (rv) tool_log("csctp-peer: send failed: %s", csctp_strerror(rv));
    return rv;
  }
  if (len > PEER_BACKLOG_MAX - a->backlog_bytes) {
    if (a->backlog_dropped++ == 0) {
      tool_log("csctp-peer: over %u echo bytes waiting for the browser: dropping echoes",
               PEER_BACKLOG_MAX);
    }
    return CSCTP_ERR_WOULD_BLOCK;
  }
  a->backlog_bytes += len;
  pending *pd = g_new0(pending, 1);
  pd->ch = ch;
  pd->is_text = is_text;
  pd->data = g_bytes_new(d, len);
  g_queue_push_tail(&a->backlog, pd);
  if (!a->backlog_timer) a->backlog_timer = g_timeout_add(5, backlog_tick, a);
  return 0;
}

static void send_info(app *a, csctp_dc_channel ch) {
  csctp_dc_info info;
  if (csctp_peer_channel_info(a->peer, ch, &info)) return;
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "label");
  json_builder_add_string_value(b, info.label);
  json_builder_set_member_name(b, "protocol");
  json_builder_add_string_value(b, info.protocol);
  json_builder_set_member_name(b, "id");
  if (info.has_stream)
    json_builder_add_int_value(b, info.stream);
  else
    json_builder_add_null_value(b);
  json_builder_set_member_name(b, "ordered");
  json_builder_add_boolean_value(b, !(info.channel_type & CSCTP_DC_TYPE_UNORDERED));
  int kind = info.channel_type & 0x7f;
  json_builder_set_member_name(b, "maxRetransmits");
  if (kind == CSCTP_DC_TYPE_PARTIAL_RELIABLE_REXMIT) {
    json_builder_add_int_value(b, info.reliability_param);
  } else {
    json_builder_add_null_value(b);
  }
  json_builder_set_member_name(b, "maxPacketLifeTime");
  if (kind == CSCTP_DC_TYPE_PARTIAL_RELIABLE_TIMED) {
    json_builder_add_int_value(b, info.reliability_param);
  } else {
    json_builder_add_null_value(b);
  }
  json_builder_set_member_name(b, "negotiated");
  json_builder_add_boolean_value(b, info.negotiated != 0);
  json_builder_end_object(b);
  JsonNode *root = json_builder_get_root(b);
  char *text = json_to_string(root, FALSE);
  app_send(a, ch, 1, text, strlen(text));
  g_free(text);
  json_node_unref(root);
  g_object_unref(b);
}

/* "send:N": see the top of the file. */
static void send_pattern(app *a, csctp_dc_channel ch, const uint8_t *arg, size_t len) {
  csctp_dc_info info;
  csctp_peer_transport tr;
  uint32_t max = 0;
  if (!csctp_peer_channel_info(a->peer, ch, &info) && !csctp_peer_get_transport(a->peer, &tr)) {
    max = MIN(info.max_message_size, tr.max_message_size);
  }
  uint64_t n = 0;
  size_t i = 0;
  while (i < len && i < 12 && g_ascii_isdigit(arg[i])) n = n * 10 + (arg[i++] - '0');
  char why[128] = "";
  uint8_t *buf = NULL;
  if (i == 0 || i < len) {
    snprintf(why, sizeof why, "error: send:N takes N in decimal bytes, 1 to %u", max);
  } else if (n == 0 || n > max) {
    snprintf(why, sizeof why, "error: send:%llu is not within 1 to %u bytes (max message size)",
             (unsigned long long)n, max);
  } else if (!(buf = g_try_malloc(n))) {
    snprintf(why, sizeof why, "error: send:%llu: out of memory", (unsigned long long)n);
  } else {
    for (size_t k = 0; k < n; k++) buf[k] = (uint8_t)(k * 131u + (k >> 13));
    int rv = app_send(a, ch, 0, buf, n);
    if (rv) {
      snprintf(why, sizeof why, "error: send:%llu: %s", (unsigned long long)n, csctp_strerror(rv));
    }
    g_free(buf);
  }
  if (why[0]) {
    tool_log("csctp-peer: %s", why);
    app_send(a, ch, 1, why, strlen(why));
  }
}

static int is_cmd(const csctp_dc_event *ev, const char *cmd) {
  size_t n = strlen(cmd);
  return ev->u.message.is_text && ev->u.message.len == n && memcmp(ev->u.message.data, cmd, n) == 0;
}

static void on_channel(app *a, const csctp_dc_event *ev) {
  chan *c = g_hash_table_lookup(a->chans, GUINT_TO_POINTER(ev->channel));
  switch (ev->type) {
  case CSCTP_DC_EVENT_OPEN:
    c = g_new0(chan, 1);
    c->sink = ev->u.open.label_len >= 4 && strncmp(ev->u.open.label, "sink", 4) == 0;
    g_hash_table_replace(a->chans, GUINT_TO_POINTER(ev->channel), c);
    tool_log("csctp-peer: channel %s \"%s\" (protocol \"%s\", type 0x%02x, param %u) open",
             ev->u.open.by_peer ? "from browser" : "of ours", ev->u.open.label, ev->u.open.protocol,
             ev->u.open.channel_type, ev->u.open.reliability_param);
    break;
  case CSCTP_DC_EVENT_MESSAGE:
    if (!c) break;
    if (is_cmd(ev, "bytes?")) {
      char num[32];
      snprintf(num, sizeof num, "%llu", (unsigned long long)c->binary_bytes);
      app_send(a, ev->channel, 1, num, strlen(num));
    } else if (is_cmd(ev, "info?")) {
      send_info(a, ev->channel);
    } else if (is_cmd(ev, "close!")) {
      int rv = csctp_peer_close_channel(a->peer, ev->channel);
      if (rv) tool_log("csctp-peer: close: %s", csctp_strerror(rv));
    } else if (ev->u.message.is_text && ev->u.message.len >= 5 &&
               memcmp(ev->u.message.data, "send:", 5) == 0) {
      send_pattern(a, ev->channel, ev->u.message.data + 5, ev->u.message.len - 5);
    } else {
      if (!ev->u.message.is_text) c->binary_bytes += ev->u.message.len;
      if (!c->sink) {
        app_send(a, ev->channel, ev->u.message.is_text, ev->u.message.data, ev->u.message.len);
      }
    }
    break;
  case CSCTP_DC_EVENT_CLOSING: tool_log("csctp-peer: channel closing (by the browser)"); break;
  case CSCTP_DC_EVENT_CLOSED:
    tool_log("csctp-peer: channel closed");
    g_hash_table_remove(a->chans, GUINT_TO_POINTER(ev->channel));
    break;
  case CSCTP_DC_EVENT_ERROR:
    tool_log("csctp-peer: channel error %d (%s)", (int)ev->u.error.reason,
             csctp_strerror(ev->u.error.error));
    break;
  case CSCTP_DC_EVENT_BUFFERED_AMOUNT_LOW: backlog_drain(a); break;
  default: break;
  }
}

static void on_peer(csctp_peer *peer, const csctp_peer_event *ev, void *user_data) {
  (void)peer;
  app *a = user_data;
  switch (ev->type) {
  case CSCTP_PEER_EVENT_CANDIDATE:
    if (*ev->u.candidate) break; /* complete descriptions: candidates go in the SDP */
    if (a->offer_mode && !a->offer_sent) send_sdp(a, 1);
    if (a->answer_due && !a->answer_sent) send_sdp(a, 0);
    break;
  case CSCTP_PEER_EVENT_STATE:
    tool_log("csctp-peer: %s%s%s", csctp_peer_state_name(ev->u.state.state),
             ev->u.state.error ? ": " : "",
             ev->u.state.error ? csctp_strerror(ev->u.state.error) : "");
    if (a->finishing && (ev->u.state.state == CSCTP_PEER_STATE_CLOSED ||
                         ev->u.state.state == CSCTP_PEER_STATE_FAILED)) {
      g_main_loop_quit(a->loop);
    }
    break;
  case CSCTP_PEER_EVENT_CHANNEL: on_channel(a, ev->u.channel); break;
  }
}

/* ---------------------------------------------------------------- signalling in */

static void on_negotiated(app *a, JsonObject *o) {
  csctp_dc_init init = {0};
  init.negotiated = 1;
  gint64 id = tool_json_int(o, "id", -1);
  if (id < 0 || id > 65534) {
    tool_log("csctp-peer: negotiated channel without a valid id");
    return;
  }
  init.id = (uint16_t)id;
  init.label = tool_json_str(o, "label");
  init.protocol = tool_json_str(o, "protocol");
  JsonNode *ordered = json_object_get_member(o, "ordered");
  init.unordered = ordered && JSON_NODE_HOLDS_VALUE(ordered) &&
                   json_node_get_value_type(ordered) == G_TYPE_BOOLEAN &&
                   !json_node_get_boolean(ordered);
  gint64 rtx = tool_json_int(o, "maxRetransmits", -1);
  gint64 ttl = tool_json_int(o, "maxPacketLifeTime", -1);
  if (rtx >= 0) {
    init.pr_policy = CSCTP_PR_RTX;
    init.pr_value = rtx > UINT32_MAX ? UINT32_MAX : (uint32_t)rtx;
  } else if (ttl >= 0) {
    init.pr_policy = CSCTP_PR_TTL;
    init.pr_value = ttl > UINT32_MAX ? UINT32_MAX : (uint32_t)ttl;
  }
  csctp_dc_channel ch;
  int rv = csctp_peer_create_channel(a->peer, &init, &ch);
  if (rv) tool_log("csctp-peer: negotiated channel %u: %s", init.id, csctp_strerror(rv));
}

static void on_line(const char *line, size_t len, void *user_data) {
  app *a = user_data;
  GError *err = NULL;
  JsonObject *o;
  JsonParser *parser = tool_json_parse(line, len, &o, &err);
  if (!parser) {
    tool_log("csctp-peer: signalling line refused: %s", err->message);
    g_error_free(err);
    return;
  }
  const char *type = tool_json_str(o, "type");
  if (!strcmp(type, "offer") || !strcmp(type, "answer")) {
    int offer = !strcmp(type, "offer");
    const char *sdp = tool_json_str(o, "sdp");
    csctp_sdp_error e;
    int rv = csctp_peer_set_remote_description(
        a->peer, offer ? CSCTP_PEER_SDP_OFFER : CSCTP_PEER_SDP_ANSWER, sdp, strlen(sdp), &e);
    if (rv) {
      tool_log("csctp-peer: remote %s refused: %s (%s)", type, csctp_strerror(rv), e.message);
    } else if (offer) {
      a->answer_due = 1;
      if (csctp_peer_gathering_done(a->peer)) send_sdp(a, 0);
    }
  } else if (!strcmp(type, "candidate")) {
    const char *cand = tool_json_str(o, "candidate");
    int rv = csctp_peer_add_remote_candidate(a->peer, cand);
    if (rv < 0) tool_log("csctp-peer: candidate \"%s\": %s", cand, csctp_strerror(rv));
  } else if (!strcmp(type, "negotiated")) {
    on_negotiated(a, o);
  } else if (!strcmp(type, "bye")) {
    app_finish(a);
  } else {
    tool_log("csctp-peer: ignoring message of type \"%s\"", type);
  }
  g_object_unref(parser);
}

static gboolean finish_timeout(gpointer data) {
  g_main_loop_quit(((app *)data)->loop);
  return G_SOURCE_REMOVE;
}

static void app_finish(app *a) {
  if (a->finishing) return;
  a->finishing = 1;
  /* Shut SCTP down gracefully, but never take more than a second (contract: 3 s). */
  if (csctp_peer_close(a->peer) != 0 || csctp_peer_get_state(a->peer) == CSCTP_PEER_STATE_CLOSED) {
    g_main_loop_quit(a->loop);
    return;
  }
  g_timeout_add(1000, finish_timeout, a);
}

static void on_eof(void *user_data) { app_finish(user_data); }

static void pending_free(gpointer p) {
  pending *pd = p;
  g_bytes_unref(pd->data);
  g_free(pd);
}

/* A decimal byte count in 1..1 GiB. */
static int parse_size(const char *s, uint32_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end || *s == '-' || v == 0 || v > (1ull << 30)) return 0;
  *out = (uint32_t)v;
  return 1;
}

int main(int argc, char **argv) {
  app a = {0};
  GPtrArray *addrs = g_ptr_array_new();
  int loopback = 1, srtp = 1, snap = 1;
  uint32_t max_message_size = CSCTP_PEER_DEFAULT_MAX_MESSAGE_SIZE;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--offer")) {
      a.offer_mode = 1;
    } else if (!strcmp(argv[i], "--address") && i + 1 < argc) {
      g_ptr_array_add(addrs, argv[++i]);
    } else if (!strcmp(argv[i], "--no-loopback")) {
      loopback = 0;
    } else if (!strcmp(argv[i], "--no-srtp")) {
      srtp = 0;
    } else if (!strcmp(argv[i], "--no-snap")) {
      snap = 0;
    } else if (!strcmp(argv[i], "--max-message-size") && i + 1 < argc &&
               parse_size(argv[i + 1], &max_message_size)) {
      i++;
    } else {
      fprintf(stderr,
              "usage: csctp-peer [--offer] [--address IP]... [--no-loopback] [--no-srtp] "
              "[--no-snap] [--max-message-size BYTES (1..1073741824)]\n");
      return 2;
    }
  }
  g_set_prgname("csctp-peer");
  a.loop = g_main_loop_new(NULL, FALSE);
  a.chans = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  g_queue_init(&a.backlog);

  csctp_peer_config cfg;
  csctp_peer_config_default(&cfg);
  cfg.on_event = on_peer;
  cfg.user_data = &a;
  cfg.local_addresses = (const char *const *)addrs->pdata;
  cfg.n_local_addresses = addrs->len;
  cfg.include_loopback = loopback;
  cfg.dtls_srtp = srtp;
  cfg.snap = snap;
  cfg.max_message_size = max_message_size;
  cfg.offerer = a.offer_mode; /* ICE controlling from the start (RFC 8445 §6.1.1) */
  tool_log_setup(&cfg.log, &cfg.log_user_data, &cfg.log_mask, cfg.log_levels);
  int rv = csctp_peer_new(&a.peer, NULL, &cfg);
  if (rv) {
    tool_log("csctp-peer: cannot create the peer: %s", csctp_strerror(rv));
    return 1;
  }
  if (a.offer_mode) {
    csctp_dc_init init = {.label = "offerer"};
    csctp_dc_channel ch;
    rv = csctp_peer_create_channel(a.peer, &init, &ch);
    if (rv) tool_log("csctp-peer: channel \"offerer\": %s", csctp_strerror(rv));
  }
  tool_read_lines(STDIN_FILENO, on_line, on_eof, &a);
  g_main_loop_run(a.loop);

  csctp_stats st;
  csctp_peer_get_stats(a.peer, &st, NULL);
  tool_log(
      "csctp-peer: done: %llu messages / %llu bytes in, %llu / %llu out, %llu retransmissions, "
      "%llu echoes dropped, %llu message pieces in",
      (unsigned long long)st.messages_in, (unsigned long long)st.bytes_in,
      (unsigned long long)st.messages_out, (unsigned long long)st.bytes_out,
      (unsigned long long)st.retransmissions, (unsigned long long)a.backlog_dropped,
      (unsigned long long)st.partial_pieces);
  csctp_peer_del(a.peer);
  g_queue_clear_full(&a.backlog, pending_free);
  if (a.backlog_timer) g_source_remove(a.backlog_timer);
  g_hash_table_unref(a.chans);
  g_ptr_array_unref(addrs);
  g_main_loop_unref(a.loop);
  return 0;
}
