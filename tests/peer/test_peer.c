/* SPDX-License-Identifier: MIT */
/*
 * The peer (peer/peer.c, peer/peer_sdp.c): two csctp peers on one
 * GMainContext over ICE on 127.0.0.1 (offer/answer, channels both ways,
 * echo of text, binary and empty messages, negotiated channels, channel
 * close, graceful close), a tampered fingerprint, deletion from inside the
 * callback, real browser offers, the caller's mistakes, and CSCTP_CAPTURE.
 */
#include <criterion/criterion.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csctp/peer.h>

#include "../../peer/peer_priv.h"
#include "pcapng_read.h"
#include "sdp_files.h"

#define MAX_CH 8

typedef struct side {
  csctp_peer *peer;
  const char *name;
  int offerer;
  csctp_peer_state state;
  int error;
  int gathered;
  int opened, closed, messages, empty_text, empty_binary;
  csctp_dc_channel last_open, last_text_ch;
  size_t binary_bytes;
  char last_text[64];
  int echo; /* echo every message */
  int del_on_connect;
  int deleted;
  char *sdp; /* our description once written */
} side;

static char sdp_buf[CSCTP_SDP_TEXT_MAX];
static GMainContext *ctx;

static void on_event(csctp_peer *peer, const csctp_peer_event *ev, void *user_data) {
  side *s = user_data;
  switch (ev->type) {
  case CSCTP_PEER_EVENT_CANDIDATE:
    if (!*ev->u.candidate) s->gathered = 1;
    break;
  case CSCTP_PEER_EVENT_STATE:
    s->state = ev->u.state.state;
    if (ev->u.state.error) s->error = ev->u.state.error;
    if (s->del_on_connect && s->state == CSCTP_PEER_STATE_CONNECTED) {
      csctp_peer_del(peer);
      s->deleted = 1;
      s->peer = NULL;
    }
    break;
  case CSCTP_PEER_EVENT_CHANNEL: {
    const csctp_dc_event *c = ev->u.channel;
    if (c->type == CSCTP_DC_EVENT_OPEN) {
      s->opened++;
      s->last_open = c->channel;
    } else if (c->type == CSCTP_DC_EVENT_CLOSED) {
      s->closed++;
    } else if (c->type == CSCTP_DC_EVENT_MESSAGE) {
      s->messages++;
      if (c->u.message.len == 0) {
        if (c->u.message.is_text)
          s->empty_text++;
        else
          s->empty_binary++;
      } else if (c->u.message.is_text) {
        size_t n =
            c->u.message.len < sizeof s->last_text - 1 ? c->u.message.len : sizeof s->last_text - 1;
        memcpy(s->last_text, c->u.message.data, n);
        s->last_text[n] = 0;
        s->last_text_ch = c->channel;
      } else {
        s->binary_bytes += c->u.message.len;
      }
      if (s->echo) {
        cr_assert_eq(csctp_peer_send(peer, c->channel, c->u.message.is_text, c->u.message.data,
                                     c->u.message.len),
                     0);
      }
    }
    break;
  }
  }
}

static uint32_t ice_timeout_ms;   /* 0: the default */
static const csctp_mem *side_mem; /* NULL: the default */
static uint32_t side_pacing[2];   /* ice_pacing_ms of the offerer [1] and the answerer [0] */
static int side_snap_off[2];      /* csctp_peer_config.snap 0 for the offerer [1] / answerer [0] */

static void side_new(side *s, const char *name, int offerer) {
  memset(s, 0, sizeof *s);
  s->name = name;
  s->offerer = offerer;
  static const char *lo[] = {"127.0.0.1"};
  csctp_peer_config cfg;
  csctp_peer_config_default(&cfg);
  cfg.on_event = on_event;
  cfg.user_data = s;
  cfg.local_addresses = lo;
  cfg.n_local_addresses = 1;
  if (ice_timeout_ms) cfg.ice_connect_timeout_ms = ice_timeout_ms;
  cfg.mem = side_mem;
  cfg.ice_pacing_ms = side_pacing[offerer ? 1 : 0];
  if (side_snap_off[offerer ? 1 : 0]) cfg.snap = 0;
  cr_assert_eq(csctp_peer_new(&s->peer, ctx, &cfg), 0);
}

static void side_del(side *s) {
  csctp_peer_del(s->peer);
  free(s->sdp);
}

/* Iterates the context until *flag is non-zero or 10 s have passed. */
static int run_until(int *flag) {
  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!*flag && g_get_monotonic_time() < until) g_main_context_iteration(ctx, TRUE);
  return *flag;
}

static int connected_both(side *a, side *b) {
  return a->state == CSCTP_PEER_STATE_CONNECTED && b->state == CSCTP_PEER_STATE_CONNECTED;
}

/* Iterates the context until both are CONNECTED or 10 s have passed. */
static int run_until_connected(side *a, side *b) {
  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!connected_both(a, b) && g_get_monotonic_time() < until) {
    g_main_context_iteration(ctx, TRUE);
  }
  return connected_both(a, b);
}

/* Offer from a, answer from b, once both have gathered (complete descriptions). */
static int negotiate(side *a, side *b, int tamper) {
  cr_assert(run_until(&a->gathered));
  cr_assert(run_until(&b->gathered));
  csctp_ssize n = csctp_peer_create_offer(a->peer, sdp_buf, sizeof sdp_buf);
  cr_assert_gt(n, 0);
  cr_assert(strstr(sdp_buf, "a=setup:actpass"));
  cr_assert(strstr(sdp_buf, "a=candidate:"));
  cr_assert(strstr(sdp_buf, "a=end-of-candidates"));
  csctp_sdp_error e;
  cr_assert_eq(
      csctp_peer_set_remote_description(b->peer, CSCTP_PEER_SDP_OFFER, sdp_buf, (size_t)n, &e), 0,
      "%s", e.message);
  n = csctp_peer_create_answer(b->peer, sdp_buf, sizeof sdp_buf);
  cr_assert_gt(n, 0);
  cr_assert(strstr(sdp_buf, "a=setup:active"));
  if (tamper) {
    char *fp = strstr(sdp_buf, "a=fingerprint:sha-256 ");
    cr_assert(fp);
    char *hex = fp + strlen("a=fingerprint:sha-256 ");
    hex[0] = hex[0] == 'A' ? 'B' : 'A';
  }
  return csctp_peer_set_remote_description(a->peer, CSCTP_PEER_SDP_ANSWER, sdp_buf, (size_t)n, &e);
}

static void setup(void) {
  ctx = g_main_context_new();
  ice_timeout_ms = 0;
  side_mem = NULL;
  side_pacing[0] = side_pacing[1] = 0;
  side_snap_off[0] = side_snap_off[1] = 0;
}
static void teardown(void) {
  while (g_main_context_iteration(ctx, FALSE)) {}
  g_main_context_unref(ctx);
}

TestSuite(peer, .init = setup, .fini = teardown, .timeout = 60);

static int both(int *x, int *y, int want) { return *x >= want && *y >= want; }

Test(peer, pair_channels_echo_and_close) {
  side a, b;
  side_new(&a, "a", 1);
  side_new(&b, "b", 0);
  b.echo = 1;
  /* Before any description: an in-band channel and a negotiated one on both sides. */
  csctp_dc_channel ch, neg_a, neg_b;
  csctp_dc_init init = {.label = "chat", .protocol = "p"};
  cr_assert_eq(csctp_peer_create_channel(a.peer, &init, &ch), 0);
  csctp_dc_init neg = {.label = "neg", .negotiated = 1, .id = 3};
  cr_assert_eq(csctp_peer_create_channel(a.peer, &neg, &neg_a), 0);
  cr_assert_eq(csctp_peer_create_channel(b.peer, &neg, &neg_b), 0);
  cr_assert_eq(negotiate(&a, &b, 0), 0);

  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!(connected_both(&a, &b) && a.opened >= 2 && b.opened >= 2) &&
         g_get_monotonic_time() < until) {
    g_main_context_iteration(ctx, TRUE);
  }
  cr_assert(connected_both(&a, &b));
  cr_assert_geq(a.opened, 2);
  cr_assert_geq(b.opened, 2);
  csctp_dc_info info;
  cr_assert_eq(csctp_peer_channel_info(a.peer, ch, &info), 0);
  cr_assert_eq(info.stream % 2, 1, "the offerer is the DTLS server: odd ids");
  cr_assert_str_eq(info.label, "chat");

  static uint8_t big[100000];
  for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i * 7);
  cr_assert_eq(csctp_peer_send(a.peer, ch, 1, "hello", 5), 0);
  cr_assert_eq(csctp_peer_send(a.peer, ch, 0, big, sizeof big), 0);
  cr_assert_eq(csctp_peer_send(a.peer, ch, 0, "", 0), 0);
  cr_assert_eq(csctp_peer_send(a.peer, ch, 1, "", 0), 0);
  cr_assert_eq(csctp_peer_send(a.peer, neg_a, 1, "on 3", 4), 0);
  int want = 5;
  until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (a.messages < want && g_get_monotonic_time() < until) g_main_context_iteration(ctx, TRUE);
  cr_assert_eq(a.messages, want);
  cr_assert_eq(a.binary_bytes, sizeof big);
  cr_assert_eq(a.empty_binary, 1);
  cr_assert_eq(a.empty_text, 1);
  /* Streams are independent: "on 3" may overtake the 100 kB message, not "hello". */
  cr_assert(strcmp(a.last_text, "on 3") == 0 || strcmp(a.last_text, "hello") == 0);
  if (!strcmp(a.last_text, "on 3")) cr_assert_eq(a.last_text_ch, neg_a);

  /* Two csctp peers over DTLS negotiate RFC 9653 zero checksum and use it both ways. */
  for (int i = 0; i < 2; i++) {
    csctp_stats st;
    csctp_peer_get_stats(i ? b.peer : a.peer, &st, NULL);
    cr_assert_eq(st.zero_checksum, 1, "side %d: zero checksum not negotiated", i);
    cr_assert_gt(st.zero_checksum_in, 0, "side %d received no zero checksum", i);
    cr_assert_gt(st.zero_checksum_out, 0, "side %d sent no zero checksum", i);
    cr_assert_eq(st.drop_bad_crc, 0);
  }

  /* Closing a channel resets both directions: CLOSED on both sides. */
  cr_assert_eq(csctp_peer_close_channel(a.peer, ch), 0);
  until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!both(&a.closed, &b.closed, 1) && g_get_monotonic_time() < until) {
    g_main_context_iteration(ctx, TRUE);
  }
  cr_assert_eq(a.closed, 1);
  cr_assert_eq(b.closed, 1);

  /* Graceful close: SCTP SHUTDOWN, then DTLS close_notify; both end CLOSED. */
  cr_assert_eq(csctp_peer_close(a.peer), 0);
  until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!(a.state == CSCTP_PEER_STATE_CLOSED && b.state == CSCTP_PEER_STATE_CLOSED) &&
         g_get_monotonic_time() < until) {
    g_main_context_iteration(ctx, TRUE);
  }
  cr_assert_eq(a.state, CSCTP_PEER_STATE_CLOSED);
  cr_assert_eq(b.state, CSCTP_PEER_STATE_CLOSED);
  cr_assert_eq(csctp_peer_close(a.peer), CSCTP_ERR_INVALID_STATE);
  side_del(&a);
  side_del(&b);
}

/* CSCTP_CAPTURE: each peer writes its decrypted SCTP packets, DCEP and the messages readable,
 * to its own <prefix>-<pid>-<n>.pcapng. */
Test(peer, capture_env_writes_decrypted_sctp) {
  char dir[] = "/tmp/csctp-peer-capture-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char prefix[64];
  snprintf(prefix, sizeof prefix, "%s/peer", dir);
  setenv("CSCTP_CAPTURE", prefix, 1);
  side a, b;
  side_new(&a, "a", 1);
  side_new(&b, "b", 0);
  b.echo = 1;
  csctp_dc_channel ch;
  csctp_dc_init init = {.label = "chat"};
  cr_assert_eq(csctp_peer_create_channel(a.peer, &init, &ch), 0);
  cr_assert_eq(negotiate(&a, &b, 0), 0);
  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!(connected_both(&a, &b) && a.opened >= 1) && g_get_monotonic_time() < until)
    g_main_context_iteration(ctx, TRUE);
  unsetenv("CSCTP_CAPTURE");
  cr_assert_geq(a.opened, 1);
  cr_assert_eq(csctp_peer_send(a.peer, ch, 1, "hello", 5), 0);
  until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (a.messages < 1 && g_get_monotonic_time() < until) g_main_context_iteration(ctx, TRUE);
  cr_assert_eq(a.messages, 1);
  side_del(&a);
  side_del(&b);
  /* Two files, one per peer; each holds the message out and its echo in (or the reverse). */
  for (int n = 1; n <= 2; n++) {
    char path[128];
    snprintf(path, sizeof path, "%s-%ld-%d.pcapng", prefix, (long)getpid(), n);
    pcapng_file f;
    cr_assert_eq(pcapng_read_path(&f, path), 0, "%s: %s", path, f.err);
    int text[2] = {0, 0}, dcep = 0;
    for (size_t i = 0; i < f.n; i++) {
      text[f.pkts[i].inbound] += pcapng_data_chunks(&f.pkts[i], CSCTP_PPID_WEBRTC_STRING);
      dcep += pcapng_data_chunks(&f.pkts[i], CSCTP_PPID_WEBRTC_DCEP);
    }
    cr_assert_eq(text[0], 1, "%s: the text message out", path);
    cr_assert_eq(text[1], 1, "%s: the text message in", path);
    cr_assert_eq(dcep, 2, "%s: DATA_CHANNEL_OPEN and its ACK", path);
    pcapng_file_free(&f);
  }
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}

Test(peer, tampered_fingerprint_fails) {
  side a, b;
  side_new(&a, "a", 1);
  side_new(&b, "b", 0);
  cr_assert_eq(negotiate(&a, &b, 1), 0);
  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (a.state != CSCTP_PEER_STATE_FAILED && g_get_monotonic_time() < until) {
    g_main_context_iteration(ctx, TRUE);
  }
  cr_assert_eq(a.state, CSCTP_PEER_STATE_FAILED);
  cr_assert_eq(a.error, CSCTP_ERR_FINGERPRINT, "%s", csctp_strerror(a.error));
  cr_assert(csctp_err_is_fatal(a.error));
  side_del(&a);
  side_del(&b);
}

/* The offerer goes away before any check: the answerer's ICE fails, and says so. */
Test(peer, ice_failure_is_reported_as_ice_failed) {
  side a, b;
  ice_timeout_ms = 1000;
  side_new(&a, "a", 1);
  side_new(&b, "b", 0);
  cr_assert(run_until(&a.gathered));
  csctp_ssize n = csctp_peer_create_offer(a.peer, sdp_buf, sizeof sdp_buf);
  cr_assert_gt(n, 0);
  side_del(&a); /* its sockets close: nobody answers b's checks */
  csctp_sdp_error e;
  cr_assert_eq(
      csctp_peer_set_remote_description(b.peer, CSCTP_PEER_SDP_OFFER, sdp_buf, (size_t)n, &e), 0,
      "%s", e.message);
  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (b.state != CSCTP_PEER_STATE_FAILED && g_get_monotonic_time() < until) {
    g_main_context_iteration(ctx, TRUE);
  }
  cr_assert_eq(b.state, CSCTP_PEER_STATE_FAILED, "state %s", csctp_peer_state_name(b.state));
  cr_assert_eq(b.error, CSCTP_ERR_ICE_FAILED, "%d (%s)", b.error, csctp_strerror(b.error));
  cr_assert(csctp_err_is_fatal(b.error));
  cr_assert_eq(csctp_peer_close(b.peer), CSCTP_ERR_INVALID_STATE); /* terminal */
  side_del(&b);
}

Test(peer, delete_inside_callback) {
  side a, b;
  side_new(&a, "a", 1);
  side_new(&b, "b", 0);
  b.del_on_connect = 1;
  cr_assert_eq(negotiate(&a, &b, 0), 0);
  cr_assert(run_until(&b.deleted));
  for (int i = 0; i < 50; i++) g_main_context_iteration(ctx, FALSE);
  side_del(&a);
  side_del(&b);
}

Test(peer, answers_real_browser_offers) {
  static const char *files[] = {"chromium-offer.sdp", "firefox-offer.sdp",
                                "chromium-offer-av-data.sdp", "aiortc-offer.sdp"};
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    side s;
    side_new(&s, "s", 0);
    size_t len;
    char *offer = sdp_file_read(files[i], &len);
    csctp_sdp_error e;
    cr_assert_eq(csctp_peer_set_remote_description(s.peer, CSCTP_PEER_SDP_OFFER, offer, len, &e), 0,
                 "%s: %s", files[i], e.message);
    cr_assert(run_until(&s.gathered));
    csctp_ssize n = csctp_peer_create_answer(s.peer, sdp_buf, sizeof sdp_buf);
    cr_assert_gt(n, 0, "%s", files[i]);
    cr_assert(strstr(sdp_buf, "a=setup:active"), "%s", files[i]);
    cr_assert(strstr(sdp_buf, "a=max-message-size:1048576"), "%s", files[i]);
    cr_assert(strstr(sdp_buf, "a=candidate:"), "%s", files[i]);
    /* No a=ice-pacing from the browser: RFC 8445 §14.2 counts 50 ms for it, the larger. */
    cr_assert(strstr(sdp_buf, "a=ice-pacing:5\r\n"), "%s: we propose 5 ms", files[i]);
    cr_assert_eq(csctp_ice_agent_get_pacing(s.peer->ice), 50, "%s", files[i]);
    /* No second description, and no offer once a remote offer is set. */
    cr_assert_eq(csctp_peer_set_remote_description(s.peer, CSCTP_PEER_SDP_OFFER, offer, len, NULL),
                 CSCTP_ERR_INVALID_STATE);
    cr_assert_eq(csctp_peer_create_offer(s.peer, sdp_buf, sizeof sdp_buf), CSCTP_ERR_INVALID_STATE);
    free(offer);
    side_del(&s);
  }
}

Test(peer, caller_mistakes) {
  side s;
  side_new(&s, "s", 0);
  csctp_sdp_error e;
  const char junk[] = "hello\r\nworld";
  cr_assert_eq(
      csctp_peer_set_remote_description(s.peer, CSCTP_PEER_SDP_OFFER, junk, sizeof junk - 1, &e),
      CSCTP_ERR_MALFORMED);
  cr_assert_neq(e.message[0], 0);
  /* An answer without our offer; an answer to write without a remote offer. */
  size_t len;
  char *offer = sdp_file_read("chromium-offer.sdp", &len);
  cr_assert_eq(csctp_peer_set_remote_description(s.peer, CSCTP_PEER_SDP_ANSWER, offer, len, &e),
               CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_peer_create_answer(s.peer, sdp_buf, sizeof sdp_buf), CSCTP_ERR_INVALID_STATE);
  /* Audio only: no data m-section. */
  const char audio[] =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n";
  cr_assert_eq(
      csctp_peer_set_remote_description(s.peer, CSCTP_PEER_SDP_OFFER, audio, sizeof audio - 1, &e),
      CSCTP_ERR_INVALID_ARGUMENT);
  /* Trickled candidates at any time: TCP ignored, junk refused, "" = end. */
  cr_assert_eq(csctp_peer_add_remote_candidate(
                   s.peer, "candidate:1 1 TCP 1518280447 127.0.0.1 9 typ host tcptype active"),
               0);
  cr_assert_eq(csctp_peer_add_remote_candidate(s.peer, "candidate:junk"), CSCTP_ERR_MALFORMED);
  cr_assert_eq(csctp_peer_add_remote_candidate(
                   s.peer, "candidate:2 1 UDP 2122260223 127.0.0.1 40000 typ host"),
               1);
  cr_assert_eq(csctp_peer_add_remote_candidate(s.peer, ""), 0);
  /* After all that, the real offer still works. */
  cr_assert_eq(csctp_peer_set_remote_description(s.peer, CSCTP_PEER_SDP_OFFER, offer, len, &e), 0,
               "%s", e.message);
  /* Unknown channel handles and a stale peer state. */
  cr_assert_eq(csctp_peer_send(s.peer, 12345, 1, "x", 1), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_peer_close_channel(s.peer, 12345), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_peer_get_state(s.peer), CSCTP_PEER_STATE_CONNECTING, "ICE checks started");
  csctp_peer_config cfg;
  csctp_peer_config_default(&cfg);
  csctp_peer *p = NULL;
  cr_assert_eq(csctp_peer_new(&p, ctx, &cfg), CSCTP_ERR_INVALID_ARGUMENT, "no on_event");
  free(offer);
  side_del(&s);
}

/* ---- the send batch (PEER_BATCH datagrams of PEER_DTLS_MTU): held while busy, given back idle */

#define BATCH_BYTES (PEER_BATCH * PEER_DTLS_MTU)

typedef struct batch_count {
  int live;          /* allocations of BATCH_BYTES not yet freed */
  int made;          /* allocations of BATCH_BYTES ever */
  size_t live_bytes; /* bytes of every allocation not yet freed */
  int sdp_live;      /* descriptions (csctp_sdp) not yet freed */
} batch_count;

/* Each block carries its size in front, so that free() knows whether it was a batch. */
static void *bc_malloc(size_t n, void *u) {
  size_t *h = malloc(sizeof(size_t) * 2 + n);
  if (!h) return NULL;
  h[0] = n;
  if (n == BATCH_BYTES) ((batch_count *)u)->live++, ((batch_count *)u)->made++;
  ((batch_count *)u)->live_bytes += n;
  if (n == sizeof(csctp_sdp)) ((batch_count *)u)->sdp_live++;
  return h + 2;
}
static void bc_free(void *ptr, void *u) {
  if (!ptr) return;
  size_t *h = (size_t *)ptr - 2;
  if (h[0] == BATCH_BYTES) ((batch_count *)u)->live--;
  ((batch_count *)u)->live_bytes -= h[0];
  if (h[0] == sizeof(csctp_sdp)) ((batch_count *)u)->sdp_live--;
  free(h);
}
static void *bc_calloc(size_t m, size_t n, void *u) {
  void *p = bc_malloc(m * n, u);
  if (p) memset(p, 0, m * n);
  return p;
}
static void *bc_realloc(void *ptr, size_t n, void *u) {
  if (!ptr) return bc_malloc(n, u);
  size_t *h = (size_t *)ptr - 2;
  void *q = bc_malloc(n, u);
  if (!q) return NULL;
  memcpy(q, ptr, h[0] < n ? h[0] : n);
  bc_free(ptr, u);
  return q;
}

static void run_for(gint64 us) {
  gint64 until = g_get_monotonic_time() + us;
  while (g_get_monotonic_time() < until) {
    if (!g_main_context_iteration(ctx, FALSE)) g_usleep(1000);
  }
}

/* Besides the send batch, an idle peer gives back the application's message copy and DTLS's
 * event queue (csctp_dtls_trim): the two peers below hold 2 x 32 KiB of event queue (reading a
 * record reserves 16 KiB and a header in it, which grows by doubling from 4 KiB) and 64 KiB
 * (b's copy of a 50 kB message) that an idle pair does not need; missing either, they give
 * back less than this. */
#define IDLE_GIVES_BACK (2 * BATCH_BYTES + 2 * 32768 + 65536)

Test(peer, an_idle_peer_gives_its_send_batch_back) {
  batch_count count = {0};
  csctp_mem mem = {&count, bc_malloc, bc_free, bc_calloc, bc_realloc};
  side_mem = &mem;
  side a, b;
  side_new(&a, "a", 1);
  side_new(&b, "b", 0);
  csctp_dc_channel ch;
  csctp_dc_init init = {.label = "bulk"};
  cr_assert_eq(csctp_peer_create_channel(a.peer, &init, &ch), 0);
  cr_assert_eq(count.made, 0, "no batch before there is output");
  cr_assert_eq(negotiate(&a, &b, 0), 0);
  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!(connected_both(&a, &b) && b.opened >= 1) && g_get_monotonic_time() < until) {
    g_main_context_iteration(ctx, TRUE);
  }
  cr_assert(connected_both(&a, &b));
  /* The descriptions (23 KiB each) are gone once connected: ours exists only while
   * written, the answer once applied, the offer once the answerer is connected. */
  cr_assert_eq(count.sdp_live, 0, "%d descriptions held by connected peers", count.sdp_live);
  char sdp[CSCTP_SDP_TEXT_MAX];
  cr_assert_eq(csctp_peer_create_answer(b.peer, sdp, sizeof sdp), CSCTP_ERR_INVALID_STATE);
  cr_assert_gt(csctp_peer_create_offer(a.peer, sdp, sizeof sdp), 0, "an offer can still be made");
  cr_assert_eq(count.sdp_live, 0);

  /* 400 kB: hundreds of packets one way, SACKs the other; each side holds one batch. */
  static uint8_t big[100000];
  for (int i = 0; i < 4; i++) cr_assert_eq(csctp_peer_send(a.peer, ch, 0, big, sizeof big), 0);
  until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (b.binary_bytes < 4 * sizeof big && g_get_monotonic_time() < until) {
    g_main_context_iteration(ctx, TRUE);
  }
  cr_assert_eq(b.binary_bytes, 4 * sizeof big);
  cr_assert(csctp_peer_send(a.peer, ch, 0, big, 50000) == 0);
  until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (b.binary_bytes < 4 * sizeof big + 50000 && g_get_monotonic_time() < until) {
    g_main_context_iteration(ctx, TRUE);
  }
  cr_assert_eq(b.binary_bytes, 4 * sizeof big + 50000);
  cr_assert_eq(count.live, 2, "a busy peer keeps its batch: %d live", count.live);
  size_t busy = count.live_bytes;

  /* Idle for PEER_IDLE_US and a little more: both give their buffers back. */
  run_for(PEER_IDLE_US + 300 * 1000);
  cr_assert_eq(count.live, 0, "%d batches still held by idle peers", count.live);
  cr_assert_geq(busy - count.live_bytes, (size_t)IDLE_GIVES_BACK,
                "idle peers gave back %zu bytes, expected at least %d", busy - count.live_bytes,
                IDLE_GIVES_BACK);

  /* Output again: a batch again, and the message arrives. */
  int made = count.made;
  cr_assert_eq(csctp_peer_send(a.peer, ch, 0, big, sizeof big), 0);
  until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (b.binary_bytes < 5 * sizeof big + 50000 && g_get_monotonic_time() < until) {
    g_main_context_iteration(ctx, TRUE);
  }
  cr_assert_eq(b.binary_bytes, 5 * sizeof big + 50000);
  cr_assert_gt(count.made, made);
  side_del(&a);
  side_del(&b);
  while (g_main_context_iteration(ctx, FALSE)) {}
  cr_assert_eq(count.live, 0, "a deleted peer holds no batch");
}

/* RFC 8445 §14.2 / RFC 8839 §5.8: each side proposes its Ta in a=ice-pacing; both use the
 * larger. Two default peers pace at 5 ms; an answerer asking 40 slows both to 40. */
Test(peer, ice_pacing_is_the_larger_proposal) {
  static const uint32_t cases[][3] = {{0, 0, 5}, {40, 0, 40}, {0, 40, 40}, {20, 7, 20}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    side_pacing[1] = cases[i][0];
    side_pacing[0] = cases[i][1];
    side a, b;
    side_new(&a, "a", 1);
    side_new(&b, "b", 0);
    cr_assert_eq(negotiate(&a, &b, 0), 0);
    cr_assert_eq(csctp_ice_agent_get_pacing(a.peer->ice), cases[i][2], "case %zu: a", i);
    cr_assert_eq(csctp_ice_agent_get_pacing(b.peer->ice), cases[i][2], "case %zu: b", i);
    cr_assert(run_until_connected(&a, &b), "case %zu: not connected", i);
    side_del(&a);
    side_del(&b);
  }
  /* A remote proposal is taken up to 1000 ms, no slower: a peer cannot stall our checks. */
  side_pacing[0] = 0;
  side s;
  side_new(&s, "s", 0);
  size_t len;
  char *text = sdp_file_read("chromium-offer.sdp", &len);
  GString *slow = g_string_new_len(text, (gssize)len);
  char *at = strstr(slow->str, "t=0 0\r\n");
  cr_assert(at);
  g_string_insert(slow, (at - slow->str) + 7, "a=ice-pacing:100000\r\n");
  csctp_sdp_error e;
  cr_assert_eq(
      csctp_peer_set_remote_description(s.peer, CSCTP_PEER_SDP_OFFER, slow->str, slow->len, &e), 0,
      "%s", e.message);
  cr_assert_eq(csctp_ice_agent_get_pacing(s.peer->ice), 1000);
  g_string_free(slow, TRUE);
  free(text);
  side_del(&s);

  csctp_peer_config cfg;
  csctp_peer_config_default(&cfg);
  cfg.on_event = on_event;
  csctp_peer *p = NULL;
  cfg.ice_pacing_ms = 4;
  cr_assert_eq(csctp_peer_new(&p, ctx, &cfg), CSCTP_ERR_INVALID_ARGUMENT);
  cfg.ice_pacing_ms = 1001;
  cr_assert_eq(csctp_peer_new(&p, ctx, &cfg), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_null(p);
}

/* csctp_peer_config.dtls_cipher_list reaches DTLS: both sides limited to AES-256-GCM use it. */
Test(peer, dtls_cipher_list_is_used) {
  side a, b;
  side_new(&a, "a", 1);
  static const char *lo[] = {"127.0.0.1"};
  csctp_peer_config cfg;
  csctp_peer_config_default(&cfg);
  cfg.on_event = on_event;
  cfg.user_data = &b;
  cfg.local_addresses = lo;
  cfg.n_local_addresses = 1;
  char list[] = "ECDHE-ECDSA-AES256-GCM-SHA384";
  cfg.dtls_cipher_list = list;
  memset(&b, 0, sizeof b);
  b.name = "b";
  cr_assert_eq(csctp_peer_new(&b.peer, ctx, &cfg), 0);
  memset(list, 'x', sizeof list - 1); /* copied by csctp_peer_new() */
  cr_assert_eq(negotiate(&a, &b, 0), 0);
  cr_assert(run_until_connected(&a, &b));
  const char *ca = csctp_dtls_get_cipher(a.peer->dtls), *cb = csctp_dtls_get_cipher(b.peer->dtls);
  cr_assert_str_eq(ca, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
  cr_assert_str_eq(cb, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
  side_del(&a);
  side_del(&b);
}

/* SNAP between two csctp peers: a=sctp-init in offer and answer, and no SCTP handshake on the
 * wire: zero checksum is on between csctp peers, and every SCTP packet either side received had
 * a zero checksum (RFC 9653 gives INIT, INIT ACK, COOKIE ECHO and COOKIE ACK a real one). With
 * SNAP off on either side, the handshake as before. */
static void snap_case(int offerer_off, int answerer_off) {
  side_snap_off[1] = offerer_off;
  side_snap_off[0] = answerer_off;
  side a, b;
  side_new(&a, "a", 1);
  side_new(&b, "b", 0);
  csctp_dc_channel ch;
  csctp_dc_init init = {.label = "snap"};
  cr_assert_eq(csctp_peer_create_channel(a.peer, &init, &ch), 0);
  cr_assert(run_until(&a.gathered));
  cr_assert(run_until(&b.gathered));
  static char offer[CSCTP_SDP_TEXT_MAX];
  csctp_ssize n = csctp_peer_create_offer(a.peer, offer, sizeof offer);
  cr_assert_gt(n, 0);
  cr_assert_eq(strstr(offer, "a=sctp-init:") != NULL, !offerer_off, "%s", offer);
  csctp_sdp_error e;
  cr_assert_eq(
      csctp_peer_set_remote_description(b.peer, CSCTP_PEER_SDP_OFFER, offer, (size_t)n, &e), 0,
      "%s", e.message);
  n = csctp_peer_create_answer(b.peer, sdp_buf, sizeof sdp_buf);
  cr_assert_gt(n, 0);
  int snap = !offerer_off && !answerer_off;
  cr_assert_eq(strstr(sdp_buf, "a=sctp-init:") != NULL, snap, "%s", sdp_buf);
  cr_assert_eq(
      csctp_peer_set_remote_description(a.peer, CSCTP_PEER_SDP_ANSWER, sdp_buf, (size_t)n, &e), 0,
      "%s", e.message);
  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!(connected_both(&a, &b) && b.opened >= 1) && g_get_monotonic_time() < until) {
    g_main_context_iteration(ctx, TRUE);
  }
  cr_assert(connected_both(&a, &b));
  cr_assert_eq(csctp_peer_send(a.peer, ch, 1, "over snap", 9), 0);
  until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (b.messages < 1 && g_get_monotonic_time() < until) g_main_context_iteration(ctx, TRUE);
  cr_assert_str_eq(b.last_text, "over snap");
  for (int i = 0; i < 2; i++) {
    csctp_stats st;
    csctp_peer_get_stats(i ? b.peer : a.peer, &st, NULL);
    cr_assert_eq(st.zero_checksum, 1);
    if (snap)
      cr_assert_eq(st.zero_checksum_in, st.packets_in, "side %d: %llu of %llu", i,
                   (unsigned long long)st.zero_checksum_in, (unsigned long long)st.packets_in);
    else
      cr_assert_lt(st.zero_checksum_in, st.packets_in, "side %d: a handshake was expected", i);
  }
  side_del(&a);
  side_del(&b);
}

Test(peer, snap_skips_the_sctp_handshake) { snap_case(0, 0); }
Test(peer, snap_off_at_the_offerer_means_the_handshake) { snap_case(1, 0); }
Test(peer, snap_off_at_the_answerer_means_the_handshake) { snap_case(0, 1); }

/* A peer that echoes our a=sctp-init back (libdatachannel does, not knowing SNAP) gets the
 * handshake; a broken a=sctp-init in an offer is an error (the draft). */
Test(peer, snap_echo_and_bad_init) {
  side a;
  side_new(&a, "a", 1);
  cr_assert(run_until(&a.gathered));
  static char offer[CSCTP_SDP_TEXT_MAX];
  csctp_ssize n = csctp_peer_create_offer(a.peer, offer, sizeof offer);
  cr_assert_gt(n, 0);
  /* The answer: the offer itself, as an answer (setup active), our INIT in it. */
  static char answer[CSCTP_SDP_TEXT_MAX];
  g_strlcpy(answer, offer, sizeof answer);
  char *setup = strstr(answer, "a=setup:actpass");
  cr_assert(setup);
  memcpy(setup, "a=setup:active\r\n", 16);
  memmove(setup + 16, setup + 17, strlen(setup + 17) + 1);
  csctp_sdp_error e;
  cr_assert_eq(
      csctp_peer_set_remote_description(a.peer, CSCTP_PEER_SDP_ANSWER, answer, strlen(answer), &e),
      0, "%s", e.message);
  cr_assert_eq(a.peer->snap, 0, "our own INIT echoed: no SNAP");
  side_del(&a);

  side b;
  side_new(&b, "b", 0);
  size_t len;
  char *text = sdp_file_read("chromium-offer.sdp", &len);
  GString *bad = g_string_new_len(text, (gssize)len);
  g_string_append(bad, "a=sctp-init:AgAAFAAAAAAAAAAAAAAAAAAAAAA=\r\n"); /* an INIT ACK */
  cr_assert_eq(
      csctp_peer_set_remote_description(b.peer, CSCTP_PEER_SDP_OFFER, bad->str, bad->len, &e),
      CSCTP_ERR_MALFORMED);
  cr_assert(strstr(e.message, "sctp-init"), "%s", e.message);
  g_string_free(bad, TRUE);
  free(text);
  side_del(&b);
}
