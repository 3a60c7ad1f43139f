/* SPDX-License-Identifier: MIT */
/*
 * Handover of a connected peer (peer/peer_handover.c, peer.h "Handover"): two
 * csctp peers over ICE on 127.0.0.1, A (offerer) handed over to A2 in the same
 * process (in_process) and in a forked child, blob and socket over SCM_RIGHTS
 * (two_processes), while B goes on without noticing; blobs refused without
 * touching the socket: every byte flipped, truncated, wrong key, too old
 * (blob_refused), and resealed with the key after a field was changed
 * (resealed_blob_refused); readiness and the export's refusals
 * (readiness_and_refusals); the exported peer's other calls
 * (exported_peer_refuses_every_call: fails, see there) and a stray offer to an
 * imported one (imported_peer_refuses_a_new_description). Every wait is bounded.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csctp/peer.h>

typedef struct side {
  csctp_peer *peer;
  csctp_peer_state state;
  int events;       /* every event delivered */
  int state_events; /* STATE events */
  int gathered;
  int opened, closing, closed, errors;
  csctp_dc_channel ch; /* the last channel that opened */
  GPtrArray *got;      /* GBytes of every message received */
  int got_bye;         /* a text "bye" came */
  int echo;            /* echo every message */
  int echo_failures;   /* csctp_peer_send() of an echo failed */
  /* readiness_and_refusals: export from inside the callback, on the next event of this type
   * (CSCTP_DC_EVENT_MESSAGE or _BUFFERED_AMOUNT_LOW), 0 = never */
  int export_in_cb, export_in_cb_done, readiness_in_cb;
  csctp_ssize export_in_cb_rv;
} side;

static GMainContext *ctx;
static char sdp_buf[CSCTP_SDP_TEXT_MAX];
static const uint8_t key[32] = {0x4b, 0x1e, 0x99, 0x02, 0x77, 0xc3, 0x10, 0x5a, 0xe8, 0x21, 0x6d,
                                0xb0, 0x3f, 0x84, 0xd7, 0x66, 0x0c, 0x9a, 0x53, 0xf1, 0x28, 0xbe,
                                0x47, 0x05, 0x7d, 0xe2, 0x31, 0x98, 0xac, 0x6f, 0x13, 0xc0};
/* Message sizes of an exchange: one > 16 KiB (fragmented, several DATA chunks), one > 64 KiB. */
static const size_t sizes[] = {1, 100, 1200, 16 * 1024 + 1, 70000};
#define N_SIZES (sizeof sizes / sizeof sizes[0])

static uint8_t pattern(unsigned seed, size_t len, size_t i) {
  return (uint8_t)(seed * 31u + len * 7u + i * 131u + (i >> 9));
}

static void on_event(csctp_peer *peer, const csctp_peer_event *ev, void *user_data) {
  side *s = user_data;
  s->events++;
  if (ev->type == CSCTP_PEER_EVENT_CANDIDATE && !*ev->u.candidate) s->gathered = 1;
  if (ev->type == CSCTP_PEER_EVENT_STATE) {
    s->state = ev->u.state.state;
    s->state_events++;
  }
  if (ev->type != CSCTP_PEER_EVENT_CHANNEL) return;
  const csctp_dc_event *c = ev->u.channel;
  switch (c->type) {
  case CSCTP_DC_EVENT_OPEN:
    s->opened++;
    s->ch = c->channel;
    break;
  case CSCTP_DC_EVENT_CLOSING: s->closing++; break;
  case CSCTP_DC_EVENT_CLOSED: s->closed++; break;
  case CSCTP_DC_EVENT_ERROR: s->errors++; break;
  case CSCTP_DC_EVENT_MESSAGE:
    if (c->u.message.is_text && c->u.message.len == 3 && !memcmp(c->u.message.data, "bye", 3))
      s->got_bye = 1;
    else if (s->got)
      g_ptr_array_add(s->got, g_bytes_new(c->u.message.data, c->u.message.len));
    if (s->echo && csctp_peer_send(peer, c->channel, c->u.message.is_text, c->u.message.data,
                                   c->u.message.len) != 0)
      s->echo_failures++;
    break;
  default: break;
  }
  if (s->export_in_cb == (int)c->type && !s->export_in_cb_done) {
    /* Asserted later: an assertion must not jump out of the context's dispatch. */
    static uint8_t blob[CSCTP_HANDOVER_MAX + 4096];
    int fd = -1;
    s->export_in_cb_done = 1;
    s->readiness_in_cb = csctp_peer_handover_readiness(peer);
    s->export_in_cb_rv = csctp_peer_handover_export(peer, key, sizeof key, blob, sizeof blob, &fd);
    if (fd >= 0) close(fd);
  }
}

static void side_init(side *s) {
  memset(s, 0, sizeof *s);
  s->got = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
}

static void side_config(side *s, csctp_peer_config *cfg, int offerer) {
  static const char *lo[] = {"127.0.0.1"};
  csctp_peer_config_default(cfg);
  cfg->on_event = on_event;
  cfg->user_data = s;
  cfg->local_addresses = lo;
  cfg->n_local_addresses = 1;
  cfg->offerer = offerer;
  cfg->interleaving = 0; /* an association that interleaves is not handed over (below) */
}

static void side_new(side *s, int offerer) {
  csctp_peer_config cfg;
  side_init(s);
  side_config(s, &cfg, offerer);
  cr_assert_eq(csctp_peer_new(&s->peer, ctx, &cfg), 0);
}

static void side_free(side *s) {
  csctp_peer_del(s->peer);
  s->peer = NULL;
  if (s->got) g_ptr_array_unref(s->got);
  s->got = NULL;
}

/* One step of the context without blocking for long: timers and sockets. */
static void step(void) {
  if (!g_main_context_iteration(ctx, FALSE)) g_usleep(500);
}

static int run_until(int *flag, int seconds) {
  gint64 until = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
  while (!*flag && g_get_monotonic_time() < until) step();
  return *flag;
}

static void run_for_ms(int ms) {
  gint64 until = g_get_monotonic_time() + ms * 1000;
  while (g_get_monotonic_time() < until) step();
}

static int open_both(side *a, side *b) {
  return a->state == CSCTP_PEER_STATE_CONNECTED && b->state == CSCTP_PEER_STATE_CONNECTED &&
         a->opened && b->opened;
}

/* a offers with one channel, b answers; both CONNECTED, the channel open on both. */
static void connect_pair(side *a, side *b) {
  csctp_dc_init init = {.label = "handover"};
  csctp_dc_channel ch;
  cr_assert_eq(csctp_peer_create_channel(a->peer, &init, &ch), 0);
  cr_assert(run_until(&a->gathered, 10));
  cr_assert(run_until(&b->gathered, 10));
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
  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!open_both(a, b) && g_get_monotonic_time() < until) step();
  cr_assert(open_both(a, b), "not connected: %s / %s", csctp_peer_state_name(a->state),
            csctp_peer_state_name(b->state));
  cr_assert_eq(a->ch, ch);
}

/* Sends `len` pattern bytes from `from` on `ch`, waiting out a full send buffer. */
static void send_pattern(csctp_peer *from, csctp_dc_channel ch, unsigned seed, size_t len) {
  uint8_t *m = g_malloc(len ? len : 1);
  for (size_t i = 0; i < len; i++) m[i] = pattern(seed, len, i);
  gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  int rv;
  while ((rv = csctp_peer_send(from, ch, 0, m, len)) == CSCTP_ERR_WOULD_BLOCK &&
         g_get_monotonic_time() < until)
    step();
  g_free(m);
  cr_assert_eq(rv, 0, "send %zu bytes: %s", len, csctp_strerror(rv));
}

/* Waits for message number `index` at `to` and checks it byte for byte. */
static void expect_pattern(side *to, guint index, unsigned seed, size_t len) {
  gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (to->got->len <= index && g_get_monotonic_time() < until) step();
  cr_assert_gt(to->got->len, index, "message %u (%zu bytes) did not arrive", index, len);
  gsize n;
  const uint8_t *d = g_bytes_get_data(to->got->pdata[index], &n);
  cr_assert_eq(n, len, "message %u: %zu bytes, not %zu", index, (size_t)n, len);
  for (size_t i = 0; i < len; i++)
    cr_assert_eq(d[i], pattern(seed, len, i), "message %u: byte %zu differs", index, i);
}

/* Every size from x to y and back, checked byte for byte at each end. */
static void exchange(side *x, csctp_dc_channel xch, side *y, csctp_dc_channel ych, unsigned seed) {
  for (size_t k = 0; k < N_SIZES; k++) {
    guint at_y = y->got->len, at_x = x->got->len;
    send_pattern(x->peer, xch, seed + (unsigned)k, sizes[k]);
    expect_pattern(y, at_y, seed + (unsigned)k, sizes[k]);
    send_pattern(y->peer, ych, seed + 100 + (unsigned)k, sizes[k]);
    expect_pattern(x, at_x, seed + 100 + (unsigned)k, sizes[k]);
  }
}

/* Iterates until the peer may be handed over (the reasons are transient: a SACK to come,
 * output to send); returns the last readiness. Called from the test's own code, between
 * iterations: outside the peer's callbacks. */
static int wait_ready(csctp_peer *p, int seconds) {
  gint64 until = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
  int r;
  while ((r = csctp_peer_handover_readiness(p)) != 0 && g_get_monotonic_time() < until) step();
  return r;
}

/* Exports `p` (size query first) into a new buffer; the blob's length in *len. */
static uint8_t *export_peer(csctp_peer *p, size_t *len, int *fd) {
  int r = wait_ready(p, 5);
  cr_assert_eq(r, 0, "not quiescent within 5 s: reasons 0x%x", (unsigned)r);
  csctp_ssize size = csctp_peer_handover_export(p, key, sizeof key, NULL, 0, NULL);
  cr_assert_gt(size, 0, "size query: %s", csctp_strerror((int)size));
  cr_assert_eq(csctp_peer_get_state(p), CSCTP_PEER_STATE_CONNECTED, "the size query changed it");
  uint8_t *blob = g_malloc((gsize)size);
  *fd = -1;
  csctp_ssize n = csctp_peer_handover_export(p, key, sizeof key, blob, (size_t)size, fd);
  cr_assert_eq(n, size, "export: %s", n < 0 ? csctp_strerror((int)n) : "another size");
  cr_assert_geq(*fd, 0);
  cr_assert_neq(fcntl(*fd, F_GETFD), -1);
  cr_assert(!memcmp(blob, "CSPR", 4));
  *len = (size_t)n;
  return blob;
}

/* The stream of a's channel (to find it again after an import). */
static uint16_t channel_stream(csctp_peer *p, csctp_dc_channel ch) {
  csctp_dc_info info;
  cr_assert_eq(csctp_peer_channel_info(p, ch, &info), 0);
  cr_assert(info.has_stream);
  cr_assert_eq(info.state, CSCTP_DC_STATE_OPEN);
  return info.stream;
}

/* The exported peer refuses everything and reports CLOSED. */
static void assert_inert(side *a) {
  uint8_t one = 1;
  cr_assert_eq(csctp_peer_get_state(a->peer), CSCTP_PEER_STATE_CLOSED);
  cr_assert_eq(csctp_peer_send(a->peer, a->ch, 0, &one, 1), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_peer_close(a->peer), CSCTP_ERR_INVALID_STATE);
  csctp_dc_init init = {.label = "late"};
  csctp_dc_channel ch;
  cr_assert_lt(csctp_peer_create_channel(a->peer, &init, &ch), 0);
  csctp_peer_transport t;
  cr_assert_eq(csctp_peer_get_transport(a->peer, &t), CSCTP_ERR_INVALID_STATE);
  cr_assert(csctp_peer_handover_readiness(a->peer) & CSCTP_PEER_HANDOVER_STATE);
  int fd = -1;
  uint8_t blob[64];
  cr_assert_eq(csctp_peer_handover_export(a->peer, key, sizeof key, NULL, 0, NULL),
               CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_peer_handover_export(a->peer, key, sizeof key, blob, sizeof blob, &fd),
               CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(fd, -1);
}

/* B saw nothing of the handover: still CONNECTED, no state event, no channel closing. */
static void assert_b_unaware(const side *b, int state_events) {
  cr_assert_eq(b->state, CSCTP_PEER_STATE_CONNECTED);
  cr_assert_eq(csctp_peer_get_state(b->peer), CSCTP_PEER_STATE_CONNECTED);
  cr_assert_eq(b->state_events, state_events, "B saw a state change");
  cr_assert_eq(b->closing, 0, "B saw a channel closing");
  cr_assert_eq(b->closed, 0, "B saw a channel closed");
  cr_assert_eq(b->errors, 0, "B saw a channel error");
  cr_assert_eq(b->opened, 1);
}

/* Imports a blob into a2 on ctx; a2's channel handle is found by stream. */
static void import_into(side *a2, const uint8_t *blob, size_t len, int fd, uint16_t stream) {
  csctp_peer_config cfg;
  side_init(a2);
  side_config(a2, &cfg, 1);
  int rv = csctp_peer_handover_import(&a2->peer, ctx, &cfg, key, sizeof key, blob, len, fd, 5000);
  cr_assert_eq(rv, 0, "import: %s", csctp_strerror(rv));
  cr_assert_eq(csctp_peer_get_state(a2->peer), CSCTP_PEER_STATE_CONNECTED);
  cr_assert_eq(csctp_peer_channel_by_stream(a2->peer, stream, &a2->ch), 0);
  csctp_dc_info info;
  cr_assert_eq(csctp_peer_channel_info(a2->peer, a2->ch, &info), 0);
  cr_assert_eq(info.state, CSCTP_DC_STATE_OPEN);
  cr_assert_eq(info.stream, stream);
  cr_assert_str_eq(info.label, "handover");
  csctp_dc_channel none;
  cr_assert_eq(csctp_peer_channel_by_stream(a2->peer, (uint16_t)(stream + 1), &none),
               CSCTP_ERR_INVALID_ARGUMENT);
}

static void teardown(void) {
  if (!ctx) return;
  while (g_main_context_iteration(ctx, FALSE)) {}
  g_main_context_unref(ctx);
  ctx = NULL;
}

/* No .init: two_processes forks before the test makes its context. */
TestSuite(peer_handover, .fini = teardown, .timeout = 30);

Test(peer_handover, in_process) {
  side a, b, a2;
  ctx = g_main_context_new();
  side_new(&a, 1);
  side_new(&b, 0);
  connect_pair(&a, &b);
  int b_state_events = b.state_events;
  exchange(&a, a.ch, &b, b.ch, 1);
  uint16_t stream = channel_stream(a.peer, a.ch);

  size_t len;
  int fd;
  uint8_t *blob = export_peer(a.peer, &len, &fd);
  int a_events = a.events;
  assert_inert(&a);
  cr_assert_eq(csctp_peer_stats_report(a.peer, NULL, 0), CSCTP_ERR_INVALID_STATE);

  /* A second peer on the same context, from the blob and the socket. */
  import_into(&a2, blob, len, fd, stream);
  exchange(&a2, a2.ch, &b, b.ch, 2);
  cr_assert_eq(a.events, a_events, "A delivered an event after the export");
  assert_b_unaware(&b, b_state_events);

  /* Deleting the exported A sends nothing that B minds. */
  csctp_peer_del(a.peer);
  a.peer = NULL;
  run_for_ms(300);
  exchange(&a2, a2.ch, &b, b.ch, 3);
  exchange(&b, b.ch, &a2, a2.ch, 4);
  assert_b_unaware(&b, b_state_events);
  cr_assert_eq(a2.state_events, 0, "A2 changed state");
  cr_assert_eq(a2.closing + a2.closed + a2.errors + a2.opened, 0);

  /* The resumed agent reports the same pair B sees, and counts what crossed it since. */
  csctp_ice_pair_stats p2, pb;
  cr_assert_eq(csctp_peer_get_pair_stats(a2.peer, &p2), 0);
  cr_assert_eq(csctp_peer_get_pair_stats(b.peer, &pb), 0);
  cr_assert(p2.selected);
  cr_assert_str_eq(p2.local.address, pb.remote.address);
  cr_assert_eq(p2.local.port, pb.remote.port);
  cr_assert_str_eq(p2.remote.address, pb.local.address);
  cr_assert_eq(p2.remote.port, pb.local.port);
  cr_assert_gt(p2.packets_received, 0);
  cr_assert_gt(p2.packets_sent, 0);
  cr_assert_lt(p2.packets_received, pb.packets_sent, "A2 counts from the import");
  char rep[8192];
  csctp_ssize n = csctp_peer_stats_report(a2.peer, rep, sizeof rep);
  cr_assert_gt(n, 0);
  cr_assert(strstr(rep, "\"type\":\"candidate-pair\""), "%s", rep);

  g_free(blob);
  side_free(&a2);
  side_free(&a);
  side_free(&b);
}

/* ---------------------------------------------------------------- two processes */

static int write_all(int fd, const void *buf, size_t n) {
  const uint8_t *p = buf;
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int read_all(int fd, void *buf, size_t n) {
  uint8_t *p = buf;
  while (n) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

/* peer.h: after the export the peer refuses every call with CSCTP_ERR_INVALID_STATE but
 * csctp_peer_get_state(), csctp_peer_get_stats() and csctp_peer_buffered_amount(). The calls
 * assert_inert() does not try: descriptions, candidates, channel calls, stats. Each is tried
 * in its own child process so that one crash does not hide the others; the child gives back
 * the call's return value through a pipe. The first seven must return INVALID_STATE; stats
 * must answer. (Written when create_offer on an exported offerer still used the deleted ICE
 * agent and crashed.) */
static int exported_call(csctp_peer *p, csctp_dc_channel ch, int which) {
  csctp_stats st;
  switch (which) {
  case 0: return (int)csctp_peer_create_offer(p, sdp_buf, sizeof sdp_buf);
  case 1: return (int)csctp_peer_create_answer(p, sdp_buf, sizeof sdp_buf);
  case 2: return csctp_peer_set_remote_description(p, CSCTP_PEER_SDP_ANSWER, "v=0\r\n", 5, NULL);
  case 3:
    return csctp_peer_add_remote_candidate(p,
                                           "candidate:1 1 UDP 2122252543 127.0.0.1 40000 typ host");
  case 4: return csctp_peer_add_remote_candidate(p, "");
  case 5: return csctp_peer_close_channel(p, ch);
  case 6: return csctp_peer_set_buffered_amount_low(p, ch, 10);
  default: return csctp_peer_get_stats(p, &st, NULL);
  }
}

Test(peer_handover, exported_peer_refuses_every_call) {
  static const char *names[] = {"create_offer",
                                "create_answer",
                                "set_remote_description",
                                "add_remote_candidate",
                                "add_remote_candidate(\"\")",
                                "close_channel",
                                "set_buffered_amount_low",
                                "get_stats"};
  side a, b;
  ctx = g_main_context_new();
  side_new(&a, 1);
  side_new(&b, 0);
  connect_pair(&a, &b);
  size_t len;
  int fd;
  uint8_t *blob = export_peer(a.peer, &len, &fd);
  close(fd);
  g_free(blob);
  GString *bad = g_string_new(NULL);
  for (int which = 0; which < (int)(sizeof names / sizeof names[0]); which++) {
    int pfd[2];
    cr_assert_eq(pipe(pfd), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
      close(pfd[0]);
      int r = exported_call(a.peer, a.ch, which);
      _exit(write_all(pfd[1], &r, sizeof r) ? 1 : 0);
    }
    close(pfd[1]);
    int rv = 0, status;
    int got = read_all(pfd[0], &rv, sizeof rv) == 0;
    close(pfd[0]);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    if (!got || WIFSIGNALED(status))
      g_string_append_printf(bad, "%s: killed by signal %d; ", names[which],
                             WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    else if (which < 7 ? rv != CSCTP_ERR_INVALID_STATE : rv != 0)
      g_string_append_printf(bad, "%s: %d (%s); ", names[which], rv,
                             rv ? csctp_strerror(rv) : "success");
  }
  cr_expect_eq(bad->len, 0, "after the export: %s", bad->str);
  g_string_free(bad, TRUE);
  side_free(&a);
  side_free(&b);
}

/* An imported peer is CONNECTED like the exported one was: like it, it takes no second
 * description (peer.h: "One offer or one answer per peer (no renegotiation)"), and a stray
 * one does not disturb the session. The offer comes from a third peer C. */
Test(peer_handover, imported_peer_refuses_a_new_description) {
  side a, b, c, a2;
  ctx = g_main_context_new();
  side_new(&a, 1);
  side_new(&b, 0);
  side_new(&c, 1);
  connect_pair(&a, &b);
  int b_state_events = b.state_events;
  uint16_t stream = channel_stream(a.peer, a.ch);
  size_t len;
  int fd;
  uint8_t *blob = export_peer(a.peer, &len, &fd);
  import_into(&a2, blob, len, fd, stream);
  g_free(blob);
  exchange(&a2, a2.ch, &b, b.ch, 1);

  cr_assert(run_until(&c.gathered, 10));
  static char offer[CSCTP_SDP_TEXT_MAX];
  csctp_ssize n = csctp_peer_create_offer(c.peer, offer, sizeof offer);
  cr_assert_gt(n, 0);
  csctp_sdp_error e;
  int rv = csctp_peer_set_remote_description(a2.peer, CSCTP_PEER_SDP_OFFER, offer, (size_t)n, &e);
  /* Then the session goes on as before, whatever the answer was. */
  run_for_ms(200);
  exchange(&a2, a2.ch, &b, b.ch, 2);
  assert_b_unaware(&b, b_state_events);
  cr_assert_eq(a2.state_events, 0, "A2 changed state");
  cr_assert_eq(rv, CSCTP_ERR_INVALID_STATE, "a new offer to the imported peer: %s",
               rv ? csctp_strerror(rv) : "accepted");
  side_free(&a2);
  side_free(&c);
  side_free(&a);
  side_free(&b);
}

/* Sends a 6-byte header (blob length u32, stream u16) with `fd` attached, then the blob. */
static int send_handover(int sock, const uint8_t *blob, size_t len, uint16_t stream, int fd) {
  uint8_t hdr[6] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16),   (uint8_t)(len >> 8),
                    (uint8_t)len,         (uint8_t)(stream >> 8), (uint8_t)stream};
  struct iovec iov = {.iov_base = hdr, .iov_len = sizeof hdr};
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } cm;
  memset(&cm, 0, sizeof cm);
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof cm.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  if (sendmsg(sock, &msg, 0) != (ssize_t)sizeof hdr) return -1;
  return write_all(sock, blob, len);
}

/* The child: receives the blob and the socket, imports, echoes until "bye" (echoed too),
 * waits until its echoes are acknowledged. Never returns into Criterion: its caller
 * _exit()s with the code, each failure its own. No cr_assert here. */
static int child_main(int sock) {
  uint8_t hdr[6];
  int fd = -1;
  struct iovec iov = {.iov_base = hdr, .iov_len = sizeof hdr};
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } cm;
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof cm.buf};
  ssize_t r;
  do r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r == 0) return 3; /* the parent gave up before the export */
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
  if (r < 0 || fd < 0) return 4;
  if (r < (ssize_t)sizeof hdr && read_all(sock, hdr + r, sizeof hdr - (size_t)r)) return 5;
  size_t len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
  uint16_t stream = (uint16_t)(hdr[4] << 8 | hdr[5]);
  uint8_t *blob = malloc(len ? len : 1);
  if (!blob || read_all(sock, blob, len)) return 6;

  ctx = g_main_context_new();
  side s;
  csctp_peer_config cfg;
  side_init(&s);
  side_config(&s, &cfg, 1);
  s.echo = 1;
  int rv = csctp_peer_handover_import(&s.peer, ctx, &cfg, key, sizeof key, blob, len, fd, 5000);
  free(blob);
  if (rv) {
    fprintf(stderr, "child: import: %s\n", csctp_strerror(rv));
    return 10;
  }
  if (csctp_peer_get_state(s.peer) != CSCTP_PEER_STATE_CONNECTED) return 11;
  if (csctp_peer_channel_by_stream(s.peer, stream, &s.ch)) return 12;
  if (write_all(sock, "i", 1)) return 13; /* imported */
  /* Until "bye", or until the parent goes (its end of the socketpair closes). */
  gint64 limit = g_get_monotonic_time() + 15 * G_USEC_PER_SEC;
  struct pollfd pfd = {.fd = sock, .events = POLLIN};
  while (!s.got_bye && g_get_monotonic_time() < limit && poll(&pfd, 1, 0) == 0) step();
  if (!s.got_bye) return 14;
  /* The echoes (the "bye" last) acknowledged by B before we go. */
  gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (csctp_peer_buffered_amount(s.peer, s.ch) && g_get_monotonic_time() < until) step();
  if (csctp_peer_buffered_amount(s.peer, s.ch)) return 15;
  if (s.echo_failures) return 16;
  if (s.state_events || s.closing || s.closed || s.errors) return 17;
  if (s.got->len == 0) return 18;
  side_free(&s);
  g_main_context_unref(ctx);
  return 0;
}

Test(peer_handover, two_processes) {
  int sv[2];
  cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  fflush(NULL);
  pid_t pid = fork(); /* before any GLib context or thread of this test */
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
    close(sv[0]);
    _exit(child_main(sv[1]));
  }
  close(sv[1]);

  side a, b;
  ctx = g_main_context_new();
  side_new(&a, 1);
  side_new(&b, 0);
  connect_pair(&a, &b);
  int b_state_events = b.state_events;
  exchange(&a, a.ch, &b, b.ch, 1);
  uint16_t stream = channel_stream(a.peer, a.ch);
  size_t len;
  int fd;
  uint8_t *blob = export_peer(a.peer, &len, &fd);
  int a_events = a.events;
  cr_assert_eq(send_handover(sv[0], blob, len, stream, fd), 0);
  close(fd); /* the child has its own copy */
  g_free(blob);
  csctp_peer_del(a.peer);
  a.peer = NULL;
  char ok = 0;
  cr_assert_eq(read_all(sv[0], &ok, 1), 0, "the child did not import");
  cr_assert_eq(ok, 'i');

  /* B sends, the child echoes: each echo checked byte for byte. */
  enum { ROUNDS = 4 };
  for (unsigned round = 0; round < ROUNDS; round++) {
    for (size_t k = 0; k < N_SIZES; k++) {
      unsigned seed = 10 * round + (unsigned)k;
      guint at = b.got->len;
      send_pattern(b.peer, b.ch, seed, sizes[k]);
      expect_pattern(&b, at, seed, sizes[k]);
    }
  }
  cr_assert_eq(b.got->len, N_SIZES + ROUNDS * N_SIZES);
  cr_assert_eq(csctp_peer_send(b.peer, b.ch, 1, "bye", 3), 0);
  cr_assert(run_until(&b.got_bye, 5), "no echo of bye");

  /* The child goes once its echoes are acknowledged: B iterates meanwhile. */
  int status = 0;
  pid_t w = 0;
  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while ((w = waitpid(pid, &status, WNOHANG)) == 0 && g_get_monotonic_time() < until) step();
  if (w == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    cr_assert_fail("the child did not exit");
  }
  cr_assert_eq(w, pid);
  cr_assert(WIFEXITED(status), "the child was killed by signal %d",
            WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  cr_assert_eq(WEXITSTATUS(status), 0, "the child failed with code %d", WEXITSTATUS(status));
  close(sv[0]);
  cr_assert_eq(a.events, a_events);
  assert_b_unaware(&b, b_state_events);
  side_free(&a);
  side_free(&b);
}

/* ---------------------------------------------------------------- refused blobs */

static int count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  int n = 0;
  while (readdir(d)) n++;
  closedir(d);
  return n;
}

/* The socket is still open and as it was: same flags, same local address. */
static void assert_fd_untouched(int fd, int fd_flags, int fl_flags,
                                const struct sockaddr_storage *ss, socklen_t ss_len) {
  cr_assert_neq(fcntl(fd, F_GETFD), -1, "the socket was closed");
  cr_assert_eq(fcntl(fd, F_GETFD), fd_flags);
  cr_assert_eq(fcntl(fd, F_GETFL), fl_flags);
  struct sockaddr_storage now;
  socklen_t now_len = sizeof now;
  cr_assert_eq(getsockname(fd, (struct sockaddr *)&now, &now_len), 0);
  cr_assert_eq(now_len, ss_len);
  cr_assert(!memcmp(&now, ss, ss_len));
}

Test(peer_handover, blob_refused) {
  side a, b, a2;
  ctx = g_main_context_new();
  side_new(&a, 1);
  side_new(&b, 0);
  connect_pair(&a, &b);
  int b_state_events = b.state_events;
  exchange(&a, a.ch, &b, b.ch, 1);
  uint16_t stream = channel_stream(a.peer, a.ch);
  size_t len;
  int fd;
  uint8_t *blob = export_peer(a.peer, &len, &fd);

  int fd_flags = fcntl(fd, F_GETFD), fl_flags = fcntl(fd, F_GETFL);
  struct sockaddr_storage ss;
  socklen_t ss_len = sizeof ss;
  cr_assert_eq(getsockname(fd, (struct sockaddr *)&ss, &ss_len), 0);
  int fds = count_fds();

  static int sentinel_obj;
  csctp_peer *const sentinel = (csctp_peer *)&sentinel_obj;
  csctp_peer *out = sentinel;
  side a2s;
  csctp_peer_config cfg;
  side_init(&a2s);
  side_config(&a2s, &cfg, 1);
  int rv;
#define IMPORT(BLOB, LEN, KEY, KLEN, AGE) \
  csctp_peer_handover_import(&out, ctx, &cfg, (KEY), (KLEN), (BLOB), (LEN), fd, (AGE))

  /* Every single byte flipped (two ways): the outer MAC refuses it. */
  for (size_t i = 0; i < len; i++) {
    static const uint8_t flips[] = {0x01, 0x80};
    for (size_t f = 0; f < sizeof flips; f++) {
      blob[i] ^= flips[f];
      rv = IMPORT(blob, len, key, sizeof key, 5000);
      blob[i] ^= flips[f];
      cr_assert_eq(rv, CSCTP_ERR_HANDOVER_AUTH, "byte %zu of %zu ^0x%02x: %s", i, len, flips[f],
                   csctp_strerror(rv));
      cr_assert_eq(out, sentinel, "byte %zu: a peer was made", i);
    }
  }
  assert_fd_untouched(fd, fd_flags, fl_flags, &ss, ss_len);

  /* Truncated (by one byte, by the MAC, to the fixed part, to nothing), or one byte longer. */
  const size_t cuts[] = {len - 1, len - 32, len / 2, 44 + 32, 44 + 31, 1, 0};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    rv = IMPORT(blob, cuts[i], key, sizeof key, 5000);
    cr_assert_eq(rv, CSCTP_ERR_HANDOVER_AUTH, "cut to %zu: %s", cuts[i], csctp_strerror(rv));
    cr_assert_eq(out, sentinel);
  }
  uint8_t *longer = g_malloc(len + 1);
  memcpy(longer, blob, len);
  longer[len] = 0;
  rv = IMPORT(longer, len + 1, key, sizeof key, 5000);
  g_free(longer);
  cr_assert_eq(rv, CSCTP_ERR_HANDOVER_AUTH, "one byte longer: %s", csctp_strerror(rv));
  cr_assert_eq(out, sentinel);

  /* Wrong keys: one bit off, one byte shorter, one byte longer. */
  uint8_t other[sizeof key + 1];
  memcpy(other, key, sizeof key);
  /* Not 0: HMAC pads a short key with zeros, so key||0x00 is the same HMAC key. */
  other[sizeof key] = 0x01;
  other[7] ^= 0x10;
  rv = IMPORT(blob, len, other, sizeof key, 5000);
  cr_assert_eq(rv, CSCTP_ERR_HANDOVER_AUTH, "other key: %s", csctp_strerror(rv));
  other[7] ^= 0x10;
  rv = IMPORT(blob, len, other, sizeof key - 1, 5000);
  cr_assert_eq(rv, CSCTP_ERR_HANDOVER_AUTH, "shorter key: %s", csctp_strerror(rv));
  rv = IMPORT(blob, len, other, sizeof key + 1, 5000);
  cr_assert_eq(rv, CSCTP_ERR_HANDOVER_AUTH, "longer key: %s", csctp_strerror(rv));
  cr_assert_eq(out, sentinel);

  /* The caller's mistakes. */
  cr_assert_eq(IMPORT(blob, len, key, CSCTP_HANDOVER_KEY_MIN - 1, 5000),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(IMPORT(NULL, len, key, sizeof key, 5000), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_peer_handover_import(&out, ctx, &cfg, key, sizeof key, blob, len, -1, 5000),
               CSCTP_ERR_INVALID_ARGUMENT);
  csctp_peer_config no_cb = cfg;
  no_cb.on_event = NULL;
  cr_assert_eq(csctp_peer_handover_import(&out, ctx, &no_cb, key, sizeof key, blob, len, fd, 5000),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(out, sentinel);

  /* Too old: max_age_ms 0 a few ms after the export. */
  g_usleep(5000);
  rv = IMPORT(blob, len, key, sizeof key, 0);
  cr_assert_eq(rv, CSCTP_ERR_HANDOVER_STALE, "max age 0: %s", csctp_strerror(rv));
  cr_assert_eq(out, sentinel);
  rv = IMPORT(blob, len, key, sizeof key, 1);
  cr_assert_eq(rv, CSCTP_ERR_HANDOVER_STALE, "max age 1 ms: %s", csctp_strerror(rv));
  cr_assert_eq(out, sentinel);
#undef IMPORT

  assert_fd_untouched(fd, fd_flags, fl_flags, &ss, ss_len);
  cr_assert_eq(count_fds(), fds, "a refused import left a descriptor open");
  side_free(&a2s);

  /* None of that changed anything: the right import works and the exchange goes on. */
  import_into(&a2, blob, len, fd, stream);
  exchange(&a2, a2.ch, &b, b.ch, 2);
  assert_b_unaware(&b, b_state_events);
  g_free(blob);
  side_free(&a2);
  side_free(&a);
  side_free(&b);
}

/* Resealed with the key: a blob whose fields were changed and whose MAC was computed again
 * (what only a holder of the key can make) gets past the MAC and is refused by the peer's
 * own checks of the fixed part, laid out as peer/peer_handover.c's file comment says:
 * magic at 0, version u16 at 4, reserved u16 at 6, created u64 (monotonic µs) at 8, DTLS
 * role u8 at 16, reserved u8 at 17, ..., reserved u16 at 22, the layers' blob lengths at
 * 36 (u16), 38 (u16) and 40 (u32), the HMAC-SHA-256 in the last 32 bytes. */
static void reseal(uint8_t *b, size_t len) {
  unsigned int n = 0;
  cr_assert(HMAC(EVP_sha256(), key, (int)sizeof key, b, len - 32, b + len - 32, &n));
  cr_assert_eq(n, 32);
}

static void put_be(uint8_t *b, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--, v >>= 8) b[i] = (uint8_t)v;
}

Test(peer_handover, resealed_blob_refused) {
  side a, b, a2;
  ctx = g_main_context_new();
  side_new(&a, 1);
  side_new(&b, 0);
  connect_pair(&a, &b);
  int b_state_events = b.state_events;
  exchange(&a, a.ch, &b, b.ch, 1);
  uint16_t stream = channel_stream(a.peer, a.ch);
  size_t len;
  int fd;
  uint8_t *blob = export_peer(a.peer, &len, &fd);
  int fd_flags = fcntl(fd, F_GETFD), fl_flags = fcntl(fd, F_GETFL);
  int fds = count_fds();
  uint8_t *t = g_malloc(len);
  /* The check itself: resealing the blob unchanged gives the same MAC. */
  memcpy(t, blob, len);
  reseal(t, len);
  cr_assert(!memcmp(t, blob, len), "resealing differs: the layout or the MAC changed");

  gint64 now = g_get_monotonic_time();
  static const struct {
    const char *what;
    size_t at;
    int bytes;
    int64_t value; /* for `at` 8: microseconds relative to now */
    int want;
  } cases[] = {
      {"magic", 0, 1, 'X', CSCTP_ERR_MALFORMED},
      {"version 2", 4, 2, 2, CSCTP_ERR_HANDOVER_VERSION},
      {"version 0", 4, 2, 0, CSCTP_ERR_HANDOVER_VERSION},
      {"reserved after the version", 6, 2, 1, CSCTP_ERR_MALFORMED},
      /* The layers' blobs inside are still fresh: only the peer's own check sees these. */
      {"created 10 s ago", 8, 8, -10 * G_USEC_PER_SEC, CSCTP_ERR_HANDOVER_STALE},
      {"created 10 s ahead", 8, 8, 10 * G_USEC_PER_SEC, CSCTP_ERR_HANDOVER_STALE},
      {"DTLS role 7", 16, 1, 7, CSCTP_ERR_MALFORMED},
      {"reserved after the role", 17, 1, 1, CSCTP_ERR_MALFORMED},
      {"reserved after the ports", 22, 2, 1, CSCTP_ERR_MALFORMED},
      {"SCTP local port 0", 18, 2, 0, CSCTP_ERR_MALFORMED},
      {"SCTP remote port 0", 20, 2, 0, CSCTP_ERR_MALFORMED},
  };
  static int sentinel_obj;
  csctp_peer *const sentinel = (csctp_peer *)&sentinel_obj;
  csctp_peer *out = sentinel;
  side a2s;
  csctp_peer_config cfg;
  side_init(&a2s);
  side_config(&a2s, &cfg, 1);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    memcpy(t, blob, len);
    int64_t v = cases[i].value;
    if (cases[i].at == 8) v += now;
    put_be(t + cases[i].at, (uint64_t)v, cases[i].bytes);
    reseal(t, len);
    int rv = csctp_peer_handover_import(&out, ctx, &cfg, key, sizeof key, t, len, fd, 5000);
    cr_assert_eq(rv, cases[i].want, "%s: %s", cases[i].what, csctp_strerror(rv));
    cr_assert_eq(out, sentinel, "%s: a peer was made", cases[i].what);
    cr_assert_eq(fcntl(fd, F_GETFD), fd_flags, "%s: the socket was closed", cases[i].what);
  }
  /* The layers' lengths made inconsistent with the blob's length (each shifted by one). */
  static const size_t len_at[] = {36, 38, 40};
  for (size_t i = 0; i < 3; i++) {
    for (int d = -1; d <= 1; d += 2) {
      memcpy(t, blob, len);
      size_t at = len_at[i] + (len_at[i] == 40 ? 3 : 1); /* the low byte */
      t[at] = (uint8_t)(t[at] + d);
      reseal(t, len);
      int rv = csctp_peer_handover_import(&out, ctx, &cfg, key, sizeof key, t, len, fd, 5000);
      cr_assert_eq(rv, CSCTP_ERR_MALFORMED, "length at %zu %+d: %s", len_at[i], d,
                   csctp_strerror(rv));
      cr_assert_eq(out, sentinel);
    }
  }
  cr_assert_eq(fcntl(fd, F_GETFD), fd_flags);
  cr_assert_eq(fcntl(fd, F_GETFL), fl_flags);
  cr_assert_eq(count_fds(), fds, "a refused import left a descriptor open");
  side_free(&a2s);
  g_free(t);

  import_into(&a2, blob, len, fd, stream);
  exchange(&a2, a2.ch, &b, b.ch, 2);
  assert_b_unaware(&b, b_state_events);
  g_free(blob);
  side_free(&a2);
  side_free(&a);
  side_free(&b);
}

/* ---------------------------------------------------------------- readiness, refusals */

Test(peer_handover, readiness_and_refusals) {
  side a, b;
  ctx = g_main_context_new();
  cr_assert_eq(csctp_peer_handover_readiness(NULL), CSCTP_PEER_HANDOVER_STATE);
  side_new(&a, 1);
  side_new(&b, 0);
  cr_assert(csctp_peer_handover_readiness(a.peer) & CSCTP_PEER_HANDOVER_STATE);
  cr_assert(csctp_peer_handover_readiness(b.peer) & CSCTP_PEER_HANDOVER_STATE);
  int fd = -1;
  cr_assert_eq(csctp_peer_handover_export(a.peer, key, sizeof key, NULL, 0, NULL),
               CSCTP_ERR_INVALID_STATE);
  connect_pair(&a, &b);
  int b_state_events = b.state_events;
  exchange(&a, a.ch, &b, b.ch, 1);

  int r = wait_ready(a.peer, 5);
  cr_assert_eq(r, 0, "reasons 0x%x", (unsigned)r);
  /* The caller's mistakes, checked before anything else. */
  uint8_t small[16];
  cr_assert_eq(csctp_peer_handover_export(NULL, key, sizeof key, NULL, 0, NULL),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_peer_handover_export(a.peer, key, CSCTP_HANDOVER_KEY_MIN - 1, NULL, 0, NULL),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(
      csctp_peer_handover_export(a.peer, key, CSCTP_HANDOVER_KEY_MIN - 1, small, sizeof small, &fd),
      CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_peer_handover_export(a.peer, NULL, sizeof key, NULL, 0, NULL),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_peer_handover_export(a.peer, key, sizeof key, NULL, 16, &fd),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_peer_handover_export(a.peer, key, sizeof key, small, sizeof small, NULL),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(fd, -1);

  /* A buffer one byte short: NOBUF, nothing handed over. */
  csctp_ssize size = csctp_peer_handover_export(a.peer, key, sizeof key, NULL, 0, NULL);
  cr_assert_gt(size, 0);
  uint8_t *blob = g_malloc((gsize)size);
  cr_assert_eq(csctp_peer_handover_export(a.peer, key, sizeof key, blob, (size_t)size - 1, &fd),
               CSCTP_ERR_NOBUF);
  cr_assert_eq(fd, -1);
  cr_assert_eq(csctp_peer_handover_export(a.peer, key, sizeof key, blob, sizeof small, &fd),
               CSCTP_ERR_NOBUF);
  cr_assert_eq(fd, -1);
  cr_assert_eq(csctp_peer_get_state(a.peer), CSCTP_PEER_STATE_CONNECTED);
  cr_assert_eq(csctp_peer_handover_readiness(a.peer), 0);
  exchange(&a, a.ch, &b, b.ch, 2);

  /* A message just sent, not yet acknowledged: not quiescent, the export refuses. */
  uint8_t msg[2000];
  memset(msg, 0x5a, sizeof msg);
  cr_assert_eq(wait_ready(a.peer, 5), 0);
  cr_assert_eq(csctp_peer_send(a.peer, a.ch, 0, msg, sizeof msg), 0);
  r = csctp_peer_handover_readiness(a.peer);
  cr_assert_neq(r, 0, "a message in flight, yet quiescent");
  cr_assert_eq(r & CSCTP_PEER_HANDOVER_STATE, 0);
  cr_assert(r & (CSCTP_HANDOVER_DATA_IN_FLIGHT | CSCTP_HANDOVER_DATA_QUEUED |
                 CSCTP_HANDOVER_OUTPUT | CSCTP_PEER_HANDOVER_OUTPUT),
            "reasons 0x%x", (unsigned)r);
  cr_assert_eq(csctp_peer_handover_export(a.peer, key, sizeof key, blob, (size_t)size + 4096, &fd),
               CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(fd, -1);
  cr_assert_eq(csctp_peer_get_state(a.peer), CSCTP_PEER_STATE_CONNECTED);
  guint at = b.got->len;
  gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (b.got->len == at && g_get_monotonic_time() < until) step();
  cr_assert_eq(b.got->len, at + 1, "the message did not arrive");
  cr_assert_eq(g_bytes_get_size(b.got->pdata[at]), sizeof msg);

  /* From inside A's event callback: INVALID_STATE. On a message from B (the SACK still
   * owed makes A not quiescent there anyway), then on BUFFERED_AMOUNT_LOW, when B's SACK has
   * emptied A's send buffer: there A is quiescent but for being inside its callback. */
  cr_assert_eq(wait_ready(a.peer, 5), 0);
  a.export_in_cb = CSCTP_DC_EVENT_MESSAGE;
  at = a.got->len;
  send_pattern(b.peer, b.ch, 77, 300);
  expect_pattern(&a, at, 77, 300);
  cr_assert(a.export_in_cb_done);
  cr_assert_eq(a.export_in_cb_rv, CSCTP_ERR_INVALID_STATE, "export inside MESSAGE: %zd",
               (ssize_t)a.export_in_cb_rv);
  cr_assert_eq(csctp_peer_get_state(a.peer), CSCTP_PEER_STATE_CONNECTED);
  cr_assert_eq(wait_ready(a.peer, 5), 0);
  a.export_in_cb = CSCTP_DC_EVENT_BUFFERED_AMOUNT_LOW;
  a.export_in_cb_done = 0;
  at = b.got->len;
  send_pattern(a.peer, a.ch, 78, 3000);
  expect_pattern(&b, at, 78, 3000);
  cr_assert(run_until(&a.export_in_cb_done, 5), "no BUFFERED_AMOUNT_LOW");
  cr_assert_eq(a.export_in_cb_rv, CSCTP_ERR_INVALID_STATE, "export inside BUFFERED_AMOUNT_LOW: %zd",
               (ssize_t)a.export_in_cb_rv);
  cr_log_info("readiness inside BUFFERED_AMOUNT_LOW: 0x%x", (unsigned)a.readiness_in_cb);
  a.export_in_cb = 0;
  cr_assert_eq(csctp_peer_get_state(a.peer), CSCTP_PEER_STATE_CONNECTED);

  /* A still works both ways, and B noticed nothing. */
  exchange(&a, a.ch, &b, b.ch, 3);
  assert_b_unaware(&b, b_state_events);
  /* And a final export still succeeds. */
  size_t len;
  uint8_t *blob2 = export_peer(a.peer, &len, &fd);
  close(fd);
  g_free(blob2);
  g_free(blob);
  side_free(&a);
  side_free(&b);
}

/* RFC 8260: two peers with interleaving on (the default) use I-DATA; the handover blob does not
 * carry message identifiers, so readiness says so and export refuses, changing nothing. */
Test(peer_handover, interleaving_is_not_handed_over) {
  ctx = g_main_context_new();
  side a, b;
  csctp_peer_config ca, cb;
  side_init(&a);
  side_init(&b);
  side_config(&a, &ca, 1);
  side_config(&b, &cb, 0);
  ca.interleaving = cb.interleaving = 1;
  cr_assert_eq(csctp_peer_new(&a.peer, ctx, &ca), 0);
  cr_assert_eq(csctp_peer_new(&b.peer, ctx, &cb), 0);
  connect_pair(&a, &b);
  csctp_stats st;
  cr_assert_eq(csctp_peer_get_stats(a.peer, &st, NULL), 0);
  cr_assert_eq(st.interleaving, 1, "two csctp peers interleave by default");
  int r = wait_ready(a.peer, 2);
  cr_assert_eq(r, CSCTP_HANDOVER_INTERLEAVING, "reasons 0x%x", (unsigned)r);
  int fd = -1;
  cr_assert_eq(csctp_peer_handover_export(a.peer, key, sizeof key, NULL, 0, &fd),
               CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(fd, -1);
  cr_assert_eq(csctp_peer_get_state(a.peer), CSCTP_PEER_STATE_CONNECTED);
  side_free(&a);
  side_free(&b);
}
