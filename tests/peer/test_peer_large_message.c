/* SPDX-License-Identifier: MIT */
/*
 * Large messages through the peer (issue 12): a=max-message-size is 1 MiB by
 * default and configurable; a 1 MiB message crosses two csctp peers each way
 * over ICE on 127.0.0.1, one over the limit is refused; a message 16 times the
 * receive window crosses in pieces; csctp-peer's --max-message-size reaches
 * its SDP. Every wait is bounded.
 */
#include <criterion/criterion.h>
#include <glib.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csctp/peer.h>

#define MIB (1u << 20)

typedef struct lside {
  csctp_peer *peer;
  csctp_peer_state state;
  int gathered, opened, echo;
  csctp_dc_channel ch;
  size_t got_len;   /* length of the last binary message */
  int got_intact;   /* its bytes were pattern(len) */
  int got_messages; /* binary messages received */
  int echo_rv;      /* csctp_peer_send() of the last echo */
} lside;

static GMainContext *ctx;
static char sdp_buf[CSCTP_SDP_TEXT_MAX];
static uint8_t *big;

static uint8_t pattern(size_t i) { return (uint8_t)(i * 131 + (i >> 9)); }

static void on_event(csctp_peer *peer, const csctp_peer_event *ev, void *user_data) {
  lside *s = user_data;
  if (ev->type == CSCTP_PEER_EVENT_CANDIDATE && !*ev->u.candidate) s->gathered = 1;
  if (ev->type == CSCTP_PEER_EVENT_STATE) s->state = ev->u.state.state;
  if (ev->type != CSCTP_PEER_EVENT_CHANNEL) return;
  const csctp_dc_event *c = ev->u.channel;
  if (c->type == CSCTP_DC_EVENT_OPEN) {
    s->opened++;
    s->ch = c->channel;
  } else if (c->type == CSCTP_DC_EVENT_MESSAGE && !c->u.message.is_text) {
    s->got_messages++;
    s->got_len = c->u.message.len;
    s->got_intact = 1;
    for (size_t i = 0; i < c->u.message.len; i++) {
      if (c->u.message.data[i] != pattern(i)) {
        s->got_intact = 0;
        break;
      }
    }
    /* Asserted later: an assertion must not jump out of the context's dispatch. */
    if (s->echo)
      s->echo_rv = csctp_peer_send(peer, c->channel, 0, c->u.message.data, c->u.message.len);
  }
}

static void lside_new(lside *s, csctp_peer_config *cfg) {
  static const char *lo[] = {"127.0.0.1"};
  memset(s, 0, sizeof *s);
  cfg->on_event = on_event;
  cfg->user_data = s;
  cfg->local_addresses = lo;
  cfg->n_local_addresses = 1;
  cr_assert_eq(csctp_peer_new(&s->peer, ctx, cfg), 0);
}

static int run_until(int (*done)(lside *, lside *), lside *a, lside *b, int seconds) {
  gint64 until = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
  while (!done(a, b) && g_get_monotonic_time() < until) g_main_context_iteration(ctx, TRUE);
  return done(a, b);
}

static int gathered(lside *a, lside *b) { return a->gathered && b->gathered; }
static int opened(lside *a, lside *b) {
  return a->state == CSCTP_PEER_STATE_CONNECTED && b->state == CSCTP_PEER_STATE_CONNECTED &&
         a->opened && b->opened;
}

/* a offers with one channel, b answers; both open. The offer must contain want_in_offer. */
static void connect_pair(lside *a, lside *b, const char *want_in_offer) {
  csctp_dc_init init = {.label = "big"};
  csctp_dc_channel ch;
  cr_assert_eq(csctp_peer_create_channel(a->peer, &init, &ch), 0);
  cr_assert(run_until(gathered, a, b, 10));
  csctp_ssize n = csctp_peer_create_offer(a->peer, sdp_buf, sizeof sdp_buf);
  cr_assert_gt(n, 0);
  if (want_in_offer) cr_assert(strstr(sdp_buf, want_in_offer), "offer:\n%s", sdp_buf);
  csctp_sdp_error e;
  cr_assert_eq(
      csctp_peer_set_remote_description(b->peer, CSCTP_PEER_SDP_OFFER, sdp_buf, (size_t)n, &e), 0,
      "%s", e.message);
  n = csctp_peer_create_answer(b->peer, sdp_buf, sizeof sdp_buf);
  cr_assert_gt(n, 0);
  cr_assert_eq(
      csctp_peer_set_remote_description(a->peer, CSCTP_PEER_SDP_ANSWER, sdp_buf, (size_t)n, &e), 0,
      "%s", e.message);
  cr_assert(run_until(opened, a, b, 10), "not open");
}

static void setup(void) {
  ctx = g_main_context_new();
  big = malloc(4 * MIB + 1);
  cr_assert(big);
  for (size_t i = 0; i < 4 * MIB + 1; i++) big[i] = pattern(i);
}
static void teardown(void) {
  while (g_main_context_iteration(ctx, FALSE)) {}
  g_main_context_unref(ctx);
  free(big);
}

TestSuite(peer_large_message, .init = setup, .fini = teardown, .timeout = 60);

/* a sends `len` bytes, b echoes them; both must arrive whole and intact. */
static void round_trip(lside *a, lside *b, size_t len) {
  int before = a->got_messages;
  gint64 until = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
  int rv;
  /* A message as large as the send buffer waits for it to be empty (the DCEP OPEN). */
  while ((rv = csctp_peer_send(a->peer, a->ch, 0, big, len)) == CSCTP_ERR_WOULD_BLOCK &&
         g_get_monotonic_time() < until)
    g_main_context_iteration(ctx, TRUE);
  cr_assert_eq(rv, 0, "send: %s", csctp_strerror(rv));
  while (a->got_messages == before && g_get_monotonic_time() < until)
    g_main_context_iteration(ctx, TRUE);
  cr_assert_eq(b->got_len, len, "b received %zu bytes", b->got_len);
  cr_assert(b->got_intact, "b: bytes differ");
  cr_assert_eq(b->echo_rv, 0, "b's echo: %s", csctp_strerror(b->echo_rv));
  cr_assert_gt(a->got_messages, before, "no echo of %zu bytes", len);
  cr_assert_eq(a->got_len, len);
  cr_assert(a->got_intact, "a: echoed bytes differ");
}

Test(peer_large_message, one_mib_each_way_by_default) {
  lside a, b;
  csctp_peer_config ca, cb;
  csctp_peer_config_default(&ca);
  csctp_peer_config_default(&cb);
  cr_assert_eq(ca.max_message_size, MIB);
  lside_new(&a, &ca);
  lside_new(&b, &cb);
  b.echo = 1;
  connect_pair(&a, &b, "a=max-message-size:1048576\r\n");
  csctp_peer_transport t;
  cr_assert_eq(csctp_peer_get_transport(a.peer, &t), 0);
  cr_assert_eq(t.max_message_size, MIB);
  cr_assert_eq(t.remote_max_message_size, MIB);
  round_trip(&a, &b, MIB);
  /* Over the peer's a=max-message-size: refused, nothing sent. */
  cr_assert_eq(csctp_peer_send(a.peer, a.ch, 0, big, MIB + 1), CSCTP_ERR_MSG_TOO_LARGE);
  csctp_peer_del(a.peer);
  csctp_peer_del(b.peer);
}

/* A limit far above the configured window: the window stays as configured (the SCTP
 * layer's memory stays bounded by it), the message still crosses each way, in pieces
 * (partial delivery) joined by the data-channel layer; the send buffer grows to the
 * limit, since a message is queued whole. */
Test(peer_large_message, messages_16_times_the_window_cross_in_pieces) {
  lside a, b;
  csctp_peer_config ca, cb;
  csctp_peer_config_default(&ca);
  csctp_peer_config_default(&cb);
  ca.max_message_size = cb.max_message_size = 4 * MIB + 1;
  ca.sctp_rwnd = cb.sctp_rwnd = 256 * 1024;
  ca.sctp_sndbuf = cb.sctp_sndbuf = 256 * 1024;
  lside_new(&a, &ca);
  lside_new(&b, &cb);
  b.echo = 1;
  connect_pair(&a, &b, "a=max-message-size:4194305\r\n");
  csctp_stats st;
  csctp_peer_get_stats(b.peer, &st, NULL);
  cr_assert_leq(st.local_rwnd, 256 * 1024, "b's window is %u", st.local_rwnd);
  round_trip(&a, &b, 4 * MIB + 1);
  csctp_peer_get_stats(b.peer, &st, NULL);
  cr_assert_gt(st.partial_pieces, 0, "b received the message in pieces");
  cr_assert_eq(st.messages_in, 2, "the DCEP OPEN and the message (%llu)",
               (unsigned long long)st.messages_in);
  csctp_peer_get_stats(a.peer, &st, NULL);
  cr_assert_gt(st.partial_pieces, 0, "and a its echo");
  csctp_peer_del(a.peer);
  csctp_peer_del(b.peer);
}

/* ---- csctp-peer --max-message-size (the tool next to this test, when built) ---- */

static char *tool_path(void) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return NULL;
  self[n] = 0;
  char *dir = g_path_get_dirname(self);
  char *path = g_build_filename(dir, "csctp-peer", NULL);
  g_free(dir);
  if (access(path, X_OK) != 0) {
    g_free(path);
    return NULL;
  }
  return path;
}

/* Runs csctp-peer --offer with `flag`, returns its first stdout line (the offer). */
static char *tool_offer(const char *path, const char *flag, const char *value) {
  const char *argv[] = {path, "--offer", "--address", "127.0.0.1", "--no-loopback",
                        flag, value,     NULL};
  GPid pid;
  int in_fd, out_fd;
  GError *err = NULL;
  cr_assert(g_spawn_async_with_pipes(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                     NULL, &pid, &in_fd, &out_fd, NULL, &err),
            "%s", err ? err->message : "");
  GString *line = g_string_new(NULL);
  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  char c;
  while (g_get_monotonic_time() < until) {
    fd_set fds;
    FD_ZERO(&fds);
    FD_SET(out_fd, &fds);
    struct timeval tv = {0, 100000};
    if (select(out_fd + 1, &fds, NULL, NULL, &tv) <= 0) continue;
    if (read(out_fd, &c, 1) != 1 || c == '\n') break;
    g_string_append_c(line, c);
  }
  close(in_fd); /* end of input: the tool exits */
  close(out_fd);
  int status;
  until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (waitpid(pid, &status, WNOHANG) == 0 && g_get_monotonic_time() < until) g_usleep(10000);
  g_spawn_close_pid(pid);
  return g_string_free(line, FALSE);
}

Test(peer_large_message, tool_flag_sets_the_advertised_size) {
  char *path = tool_path();
  if (!path) cr_skip_test("csctp-peer not built next to this test");
  char *offer = tool_offer(path, "--max-message-size", "2097152");
  cr_assert(strstr(offer, "a=max-message-size:2097152"), "offer: %s", offer);
  g_free(offer);
  offer = tool_offer(path, "--no-srtp", NULL); /* the default size */
  cr_assert(strstr(offer, "a=max-message-size:1048576"), "offer: %s", offer);
  g_free(offer);
  g_free(path);
}
