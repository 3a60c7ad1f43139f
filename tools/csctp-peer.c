/* SPDX-License-Identifier: MIT */
/*
 * csctp-peer: the echo peer of the browser harness contract
 * (../shared/interop/README.md). JSON signalling, one object per line, on
 * stdin and stdout; logs on stderr (CSCTP_DEBUG=peer,ice,dtls,sctp,dc or *).
 *
 *   csctp-peer [--offer] [--address IP]... [--no-loopback] [--no-srtp] [--no-snap]
 *              [--max-message-size BYTES] [--handover N] [--stats PATH] [--no-interleaving]
 *              [--plpmtud BYTES] [--plpmtud-probe-timer MS]
 *
 * --stats PATH writes the peer's statistics (csctp_peer_stats_report: JSON shaped
 * like a browser's RTCStatsReport) to PATH on SIGUSR1 and once more at the end,
 * each time whole (written aside, then renamed over PATH). With --handover, the
 * process that holds the session writes it.
 *
 * --handover N moves the session to a second process mid-way (issue 14,
 * csctp_peer_handover_export/import): at start the program forks a successor,
 * joined by a socketpair; once N channel messages were handled (and at every N
 * since, until it worked) it stops sending (echoes wait in order), waits until
 * the peer is quiescent (csctp_peer_handover_readiness, at most 2 s, then it
 * lets go and tries later), exports the peer, and hands the blob, the UDP
 * socket (SCM_RIGHTS), the waiting echoes, the channels' counters and the
 * unread part of stdin to the successor, which imports the peer and goes on
 * reading stdin and echoing. The first process then only waits for the
 * successor and exits with its status. Both log to stderr
 * ("csctp-peer: handover: ...").
 *
 * --plpmtud BYTES turns on path MTU discovery over DTLS (csctp_peer_config.plpmtud_max:
 * the largest datagram probed for, 1200..2048) and --plpmtud-probe-timer MS sets its probe
 * timer (default 15000); the size reached is logged at the end ("csctp-peer: plpmtud:").
 *
 * --no-interleaving leaves RFC 8260 I-DATA out (csctp_peer_config.interleaving):
 * DATA whatever the browser offers. --handover implies it: an association that
 * interleaves cannot be handed over yet.
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
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csctp/peer.h>

#include "handover_wire.h"
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
  /* --handover */
  csctp_peer_config cfg;
  tool_reader *reader; /* stdin, until end of input */
  int handover_fd;     /* our end of the socketpair to the successor, or -1 */
  pid_t successor;
  unsigned handover_every, messages, next_try_at;
  int holding; /* echoes wait: the peer must become quiescent */
  gint64 holding_since;
  guint handover_timer;
  int handed_over;
  int handover_lost; /* exported, but the successor never got it */
  uint8_t key[32];
  const char *stats_path; /* --stats */
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
  if (a->holding || a->handed_over) return;
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
  int rv = g_queue_is_empty(&a->backlog) && !a->holding
               ? csctp_peer_send(a->peer, ch, is_text, d, len)
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
    /* --handover: from the message that makes it due, echoes wait (handover_tick). */
    if (++a->messages >= a->next_try_at && a->handover_fd >= 0 && !a->holding && !a->handed_over) {
      a->holding = 1;
      a->holding_since = g_get_monotonic_time();
    }
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

static void on_eof(void *user_data) {
  app *a = user_data;
  a->reader = NULL; /* the watch frees it */
  app_finish(a);
}

/* ---------------------------------------------------------------- --handover */

/* The message to the successor: the peer's blob, the unread start of a stdin line,
 * the channels (stream, sink, binary bytes) and the echoes waiting (stream, is_text,
 * bytes); each part a u32 count or length first. */
static GByteArray *handover_message(app *a, const uint8_t *blob, size_t blob_len,
                                    const char *partial, size_t partial_len, GHashTable *streams) {
  GByteArray *m = g_byte_array_new();
  put_u(m, blob_len, 4);
  g_byte_array_append(m, blob, (guint)blob_len);
  put_u(m, partial_len, 4);
  if (partial_len) g_byte_array_append(m, (const uint8_t *)partial, (guint)partial_len);
  put_u(m, g_hash_table_size(a->chans), 4);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, a->chans);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    const chan *c = v;
    put_u(m, GPOINTER_TO_UINT(g_hash_table_lookup(streams, k)), 2);
    put_u(m, (uint64_t)c->sink, 1);
    put_u(m, c->binary_bytes, 8);
  }
  put_u(m, g_queue_get_length(&a->backlog), 4);
  for (GList *l = a->backlog.head; l; l = l->next) {
    const pending *pd = l->data;
    gsize len;
    const uint8_t *d = g_bytes_get_data(pd->data, &len);
    put_u(m, GPOINTER_TO_UINT(g_hash_table_lookup(streams, GUINT_TO_POINTER(pd->ch))), 2);
    put_u(m, (uint64_t)pd->is_text, 1);
    put_u(m, len, 4);
    g_byte_array_append(m, d, (guint)len);
  }
  return m;
}

/* Exports the peer and sends everything to the successor. 0, or -1 (nothing moved, or
 * the peer is gone: then we finish). */
static int handover_now(app *a) {
  /* Channel handles to streams, while the peer still answers. */
  GHashTable *streams = g_hash_table_new(g_direct_hash, g_direct_equal);
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init(&it, a->chans);
  while (g_hash_table_iter_next(&it, &k, NULL)) {
    csctp_dc_info info;
    if (csctp_peer_channel_info(a->peer, GPOINTER_TO_UINT(k), &info) == 0 && info.has_stream)
      g_hash_table_insert(streams, k, GUINT_TO_POINTER(info.stream));
  }
  csctp_ssize size = csctp_peer_handover_export(a->peer, a->key, sizeof a->key, NULL, 0, NULL);
  uint8_t *blob = size > 0 ? g_malloc((gsize)size) : NULL;
  int fd = -1;
  csctp_ssize n =
      blob ? csctp_peer_handover_export(a->peer, a->key, sizeof a->key, blob, (size_t)size, &fd)
           : size;
  if (n < 0) {
    tool_log("csctp-peer: handover: export failed: %s", csctp_strerror((int)n));
    g_free(blob);
    g_hash_table_unref(streams);
    return csctp_peer_get_state(a->peer) == CSCTP_PEER_STATE_CLOSED ? -1 : 0;
  }
  a->handed_over = 1;
  size_t partial_len = 0;
  char *partial = a->reader ? tool_reader_stop(a->reader, &partial_len) : NULL;
  a->reader = NULL;
  GByteArray *m = handover_message(a, blob, (size_t)n, partial, partial_len, streams);
  uint32_t total = m->len;
  uint8_t hdr[4] = {(uint8_t)(total >> 24), (uint8_t)(total >> 16), (uint8_t)(total >> 8),
                    (uint8_t)total};
  int ok = wire_send_fd(a->handover_fd, hdr, sizeof hdr, fd) == 0 &&
           write_all(a->handover_fd, m->data, m->len) == 0;
  tool_log(
      "csctp-peer: handover: exported after %u messages: %zu-byte blob, %u channels, "
      "%u echoes waiting, %zu bytes of stdin; %s",
      a->messages, (size_t)n, g_hash_table_size(a->chans), g_queue_get_length(&a->backlog),
      partial_len, ok ? "sent to the successor" : "could not reach the successor");
  a->handover_lost = !ok;
  close(fd);
  close(a->handover_fd);
  a->handover_fd = -1;
  g_byte_array_unref(m);
  g_free(partial);
  g_free(blob);
  g_hash_table_unref(streams);
  g_main_loop_quit(a->loop);
  return 0;
}

/* Every 5 ms: hold the echoes once due, hand over once quiescent, let go after 2 s. */
static gboolean handover_tick(gpointer data) {
  app *a = data;
  if (a->handed_over || a->finishing ||
      csctp_peer_get_state(a->peer) != CSCTP_PEER_STATE_CONNECTED) {
    a->holding = 0;
    backlog_drain(a);
    return G_SOURCE_CONTINUE;
  }
  if (!a->holding) {
    if (a->messages < a->next_try_at) return G_SOURCE_CONTINUE;
    a->holding = 1;
    a->holding_since = g_get_monotonic_time();
  }
  int why = csctp_peer_handover_readiness(a->peer);
  if (why == 0) {
    if (handover_now(a) < 0) app_finish(a);
    return a->handed_over ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
  }
  if (g_get_monotonic_time() - a->holding_since > 2 * G_USEC_PER_SEC) {
    tool_log("csctp-peer: handover: not quiescent within 2 s (reasons 0x%x): later", why);
    a->holding = 0;
    a->next_try_at = a->messages + a->handover_every;
    backlog_drain(a);
    if (!g_queue_is_empty(&a->backlog) && !a->backlog_timer)
      a->backlog_timer = g_timeout_add(5, backlog_tick, a);
  }
  return G_SOURCE_CONTINUE;
}

/* The successor: waits for the first process's message, imports the peer and takes
 * over stdin. Returns 0 when it did, 1 when no handover came (the first process
 * finished the session itself), 2 on an error. */
static int successor_import(app *a, int sock) {
  uint8_t hdr[4];
  int fd = -1;
  ssize_t r = wire_recv_fd(sock, hdr, sizeof hdr, &fd);
  if (r == 0) return 1;
  if (r < 0 || fd < 0 ||
      (r < (ssize_t)sizeof hdr && read_all(sock, hdr + r, sizeof hdr - (size_t)r))) {
    tool_log("csctp-peer: handover: no usable message from the first process");
    if (fd >= 0) close(fd);
    return 2;
  }
  uint32_t total = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
  /* The blob (channels and streams: far below 64 MiB), stdin's partial line and the
   * held echoes (at most PEER_BACKLOG_MAX): anything larger is not from our first process. */
  if (total > PEER_BACKLOG_MAX + (64u << 20)) {
    tool_log("csctp-peer: handover: a %u-byte message is over the limit", total);
    close(fd);
    return 2;
  }
  uint8_t *m = g_malloc(total ? total : 1);
  if (read_all(sock, m, total)) {
    tool_log("csctp-peer: handover: message cut short");
    close(fd);
    g_free(m);
    return 2;
  }
  const uint8_t *p = m, *end = m + total;
  int bad = 0;
  size_t blob_len = (size_t)get_u(&p, end, 4, &bad);
  if (bad || blob_len > (size_t)(end - p)) bad = 1;
  const uint8_t *blob = p;
  if (!bad) p += blob_len;
  int rv = bad ? CSCTP_ERR_MALFORMED
               : csctp_peer_handover_import(&a->peer, NULL, &a->cfg, a->key, sizeof a->key, blob,
                                            blob_len, fd, 5000);
  if (rv) {
    tool_log("csctp-peer: handover: import failed: %s", csctp_strerror(rv));
    close(fd);
    g_free(m);
    return 2;
  }
  size_t partial_len = (size_t)get_u(&p, end, 4, &bad);
  const char *partial = (const char *)p;
  if (!bad && partial_len <= (size_t)(end - p))
    p += partial_len;
  else
    bad = 1;
  uint32_t nchans = bad ? 0 : (uint32_t)get_u(&p, end, 4, &bad);
  for (uint32_t i = 0; i < nchans && !bad; i++) {
    uint16_t stream = (uint16_t)get_u(&p, end, 2, &bad);
    chan *ch = g_new0(chan, 1);
    ch->sink = (int)get_u(&p, end, 1, &bad);
    ch->binary_bytes = get_u(&p, end, 8, &bad);
    csctp_dc_channel h;
    if (!bad && csctp_peer_channel_by_stream(a->peer, stream, &h) == 0) {
      g_hash_table_replace(a->chans, GUINT_TO_POINTER(h), ch);
    } else {
      g_free(ch);
    }
  }
  uint32_t nback = bad ? 0 : (uint32_t)get_u(&p, end, 4, &bad);
  for (uint32_t i = 0; i < nback && !bad; i++) {
    uint16_t stream = (uint16_t)get_u(&p, end, 2, &bad);
    int is_text = (int)get_u(&p, end, 1, &bad);
    size_t len = (size_t)get_u(&p, end, 4, &bad);
    if (bad || len > (size_t)(end - p)) break;
    csctp_dc_channel h;
    if (csctp_peer_channel_by_stream(a->peer, stream, &h) == 0) {
      pending *pd = g_new0(pending, 1);
      pd->ch = h;
      pd->is_text = is_text;
      pd->data = g_bytes_new(p, len);
      a->backlog_bytes += len;
      g_queue_push_tail(&a->backlog, pd);
    }
    p += len;
  }
  tool_log(
      "csctp-peer: handover: imported the peer: %u channels, %u echoes to send, %zu bytes "
      "of stdin%s",
      g_hash_table_size(a->chans), g_queue_get_length(&a->backlog), partial_len,
      bad ? " (the rest of the message was malformed)" : "");
  a->reader = tool_read_lines_from(STDIN_FILENO, bad ? NULL : partial, bad ? 0 : partial_len,
                                   on_line, on_eof, a);
  if (!g_queue_is_empty(&a->backlog)) a->backlog_timer = g_timeout_add(1, backlog_tick, a);
  g_free(m);
  return 0;
}

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

/* SIGUSR1 with --stats: the report, now (not once exported: the successor has the session). */
static gboolean on_stats_signal(gpointer data) {
  app *a = data;
  if (a->peer && !a->handed_over) tool_write_stats(a->peer, a->stats_path);
  return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv) {
  app a = {0};
  GPtrArray *addrs = g_ptr_array_new();
  int loopback = 1, srtp = 1, snap = 1, interleaving = 1;
  uint32_t max_message_size = CSCTP_PEER_DEFAULT_MAX_MESSAGE_SIZE;
  uint32_t plpmtud = 0, plpmtud_timer = 0;
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
    } else if (!strcmp(argv[i], "--no-interleaving")) {
      interleaving = 0;
    } else if (!strcmp(argv[i], "--max-message-size") && i + 1 < argc &&
               parse_size(argv[i + 1], &max_message_size)) {
      i++;
    } else if (!strcmp(argv[i], "--handover") && i + 1 < argc &&
               parse_size(argv[i + 1], &a.handover_every)) {
      i++;
    } else if (!strcmp(argv[i], "--plpmtud") && i + 1 < argc && parse_size(argv[i + 1], &plpmtud)) {
      i++;
    } else if (!strcmp(argv[i], "--plpmtud-probe-timer") && i + 1 < argc &&
               parse_size(argv[i + 1], &plpmtud_timer)) {
      i++;
    } else if (!strcmp(argv[i], "--stats") && i + 1 < argc && argv[i + 1][0]) {
      a.stats_path = argv[++i];
    } else {
      fprintf(stderr,
              "usage: csctp-peer [--offer] [--address IP]... [--no-loopback] [--no-srtp] "
              "[--no-snap] [--max-message-size BYTES (1..1073741824)] [--handover N] "
              "[--stats PATH] [--no-interleaving] [--plpmtud BYTES] "
              "[--plpmtud-probe-timer MS]\n");
      return 2;
    }
  }
  g_set_prgname("csctp-peer");
  a.handover_fd = -1;
  int successor_sock = -1;
  if (a.handover_every) { /* before any thread or GLib context */
    int sv[2];
    if (RAND_bytes(a.key, sizeof a.key) != 1 ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      tool_log("csctp-peer: --handover: no key or socketpair");
      return 1;
    }
    fflush(NULL);
    a.successor = fork();
    if (a.successor < 0) {
      tool_log("csctp-peer: --handover: fork: %s", g_strerror(errno));
      return 1;
    }
    if (a.successor == 0) {
      close(sv[0]);
      successor_sock = sv[1];
    } else {
      close(sv[1]);
      a.handover_fd = sv[0];
      a.next_try_at = a.handover_every;
    }
  }
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
  /* The handover blob does not carry I-DATA's message identifiers yet. */
  cfg.interleaving = interleaving && !a.handover_every;
  cfg.max_message_size = max_message_size;
  cfg.plpmtud_max = plpmtud;
  cfg.plpmtud_probe_timer_ms = plpmtud_timer;
  cfg.offerer = a.offer_mode; /* ICE controlling from the start (RFC 8445 §6.1.1) */
  tool_log_setup(&cfg.log, &cfg.log_user_data, &cfg.log_mask, cfg.log_levels);
  a.cfg = cfg;
  if (successor_sock >= 0) { /* the successor of --handover */
    int rv = successor_import(&a, successor_sock);
    close(successor_sock);
    if (rv) return rv == 1 ? 0 : 1;
  } else {
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
    a.reader = tool_read_lines(STDIN_FILENO, on_line, on_eof, &a);
    if (a.handover_fd >= 0) a.handover_timer = g_timeout_add(5, handover_tick, &a);
  }
  guint stats_signal = a.stats_path ? g_unix_signal_add(SIGUSR1, on_stats_signal, &a) : 0;
  g_main_loop_run(a.loop);
  if (stats_signal) g_source_remove(stats_signal);
  if (a.successor > 0) {
    if (a.handover_fd >= 0) close(a.handover_fd); /* no handover: the successor ends */
    int status = 0;
    while (waitpid(a.successor, &status, 0) < 0 && errno == EINTR) {}
    if (a.handed_over) {
      csctp_peer_del(a.peer);
      return a.handover_lost ? 1 : WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    }
  }

  if (a.stats_path) tool_write_stats(a.peer, a.stats_path);
  csctp_stats st;
  csctp_peer_get_stats(a.peer, &st, NULL);
  tool_log(
      "csctp-peer: done: %llu messages / %llu bytes in, %llu / %llu out, %llu retransmissions, "
      "%llu echoes dropped, %llu message pieces in",
      (unsigned long long)st.messages_in, (unsigned long long)st.bytes_in,
      (unsigned long long)st.messages_out, (unsigned long long)st.bytes_out,
      (unsigned long long)st.retransmissions, (unsigned long long)a.backlog_dropped,
      (unsigned long long)st.partial_pieces);
  if (plpmtud) {
    csctp_dtls_stats ds;
    uint32_t largest = csctp_peer_get_dtls_stats(a.peer, &ds) == 0 ? ds.largest_datagram_out : 0;
    tool_log(
        "csctp-peer: plpmtud: SCTP packets of %u bytes (probing up to %u-byte datagrams; "
        "largest datagram sent %u)",
        (unsigned)csctp_peer_get_pmtu(a.peer), (unsigned)plpmtud, (unsigned)largest);
  }
  csctp_peer_del(a.peer);
  g_queue_clear_full(&a.backlog, pending_free);
  if (a.backlog_timer) g_source_remove(a.backlog_timer);
  g_hash_table_unref(a.chans);
  g_ptr_array_unref(addrs);
  g_main_loop_unref(a.loop);
  return 0;
}
