/* SPDX-License-Identifier: MIT */
/*
 * Allocation failure over the peer (peer/peer.c). The peer takes csctp_mem
 * hooks and hands them to everything of ours it creates (its own state, the
 * SDP descriptions, the certificate, the association, the data-channel layer,
 * the DTLS endpoint, the ICE agent's own blocks); GLib, libnice, json-glib and
 * OpenSSL allocate with their own allocators (g_malloc aborts on failure by
 * design) and are not failed here.
 *
 *  - set-up, replayed for every k, deterministic (no packet leaves): a peer
 *    is created, a channel opened, an offer written, an answer from a second
 *    peer applied (which creates the DTLS endpoint), then deleted; each run
 *    ends with a clear error from a call or with everything done, and
 *    without a crash or leak;
 *  - a connection over ICE on 127.0.0.1, replayed for every k of the failing
 *    peer's allocation calls counted in a run without failure (real sockets:
 *    the count varies a little from run to run, so a run that made fewer
 *    calls than k saw no failure): channels both ways, a message each way,
 *    a graceful close. Each run must end with the peer CONNECTED and the
 *    exchange complete, or with the peer FAILED (or an error from a call):
 *    never stalled without a word, and without a leak.
 */
#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

#include <csctp/peer.h>

#include "assoc.h"
#include "failing_mem.h"

/* The failed call was the engine's event queue growing: src/assoc_event.c drops the event
 * without a word (known engine failure: a lost CONNECTED leaves the peer CONNECTING). The
 * linker keeps assoc_event.c's functions in order, push_event(_owned) before pop_event. */
static int engine_event_lost(const failing_mem *f) {
  uintptr_t lo = (uintptr_t)&csctp_assoc_push_event, hi = (uintptr_t)&csctp_assoc_pop_event;
  uintptr_t lo2 = (uintptr_t)&csctp_assoc_push_event_owned;
  if (lo2 < lo) lo = lo2;
  cr_assert_lt(lo, hi, "assoc_event.c's functions are not laid out in source order");
  return f->failed && (uintptr_t)f->site >= lo && (uintptr_t)f->site < hi;
}

static char sdp_buf[CSCTP_SDP_TEXT_MAX];
static GMainContext *ctx;

typedef struct pside {
  csctp_peer *peer;
  csctp_peer_state state;
  int error, gathered, opened, messages, closed_channels;
  int echo;
} pside;

static void on_event(csctp_peer *peer, const csctp_peer_event *ev, void *user_data) {
  pside *s = user_data;
  switch (ev->type) {
  case CSCTP_PEER_EVENT_CANDIDATE:
    if (!*ev->u.candidate) s->gathered = 1;
    break;
  case CSCTP_PEER_EVENT_STATE:
    s->state = ev->u.state.state;
    if (ev->u.state.error) s->error = ev->u.state.error;
    break;
  case CSCTP_PEER_EVENT_CHANNEL: {
    const csctp_dc_event *c = ev->u.channel;
    if (c->type == CSCTP_DC_EVENT_OPEN) s->opened++;
    if (c->type == CSCTP_DC_EVENT_CLOSED) s->closed_channels++;
    if (c->type == CSCTP_DC_EVENT_MESSAGE) {
      s->messages++;
      if (s->echo)
        csctp_peer_send(peer, c->channel, c->u.message.is_text, c->u.message.data,
                        c->u.message.len);
    }
    break;
  }
  }
}

static int side_new(pside *s, const csctp_mem *mem) {
  memset(s, 0, sizeof *s);
  static const char *lo[] = {"127.0.0.1"};
  csctp_peer_config cfg;
  csctp_peer_config_default(&cfg);
  cfg.on_event = on_event;
  cfg.user_data = s;
  cfg.local_addresses = lo;
  cfg.n_local_addresses = 1;
  cfg.mem = mem;
  return csctp_peer_new(&s->peer, ctx, &cfg);
}

static void setup(void) { ctx = g_main_context_new(); }
static void teardown(void) {
  while (g_main_context_iteration(ctx, FALSE)) {}
  g_main_context_unref(ctx);
}

TestSuite(peer_alloc_fail, .init = setup, .fini = teardown, .timeout = 600);

/* ---- set-up, without the network ---- */

static long setup_run(long k, void *user) {
  (void)user;
  failing_mem fm;
  failing_mem_init(&fm, k);
  pside a, b;
  const char *err = NULL;
  int rv = side_new(&a, &fm.mem);
  if (rv) {
    cr_assert_eq(rv, CSCTP_ERR_NOMEM, "k=%ld: csctp_peer_new: %s", k, csctp_strerror(rv));
    cr_assert_eq(fm.live, 0, "k=%ld: a failed csctp_peer_new leaked %ld blocks", k, fm.live);
    return fm.calls;
  }
  cr_assert_eq(side_new(&b, NULL), 0);
  csctp_dc_channel ch;
  csctp_dc_init init = {.label = "setup", .protocol = "p"};
  rv = csctp_peer_create_channel(a.peer, &init, &ch);
  if (rv == CSCTP_ERR_NOMEM) { /* nothing changed: try again */
    rv = csctp_peer_create_channel(a.peer, &init, &ch);
  }
  cr_assert_eq(rv, 0, "k=%ld: create_channel: %s", k, csctp_strerror(rv));
  csctp_ssize n = csctp_peer_create_offer(a.peer, sdp_buf, sizeof sdp_buf);
  if (n < 0) {
    cr_assert_eq(n, CSCTP_ERR_NOMEM, "k=%ld: create_offer: %s", k, csctp_strerror((int)n));
    err = "offer";
    goto out;
  }
  csctp_sdp_error e;
  cr_assert_eq(
      csctp_peer_set_remote_description(b.peer, CSCTP_PEER_SDP_OFFER, sdp_buf, (size_t)n, &e), 0,
      "%s", e.message);
  n = csctp_peer_create_answer(b.peer, sdp_buf, sizeof sdp_buf);
  cr_assert_gt(n, 0);
  rv = csctp_peer_set_remote_description(a.peer, CSCTP_PEER_SDP_ANSWER, sdp_buf, (size_t)n, &e);
  if (rv) {
    cr_assert_eq(rv, CSCTP_ERR_NOMEM, "k=%ld: set_remote_description: %s (%s)", k,
                 csctp_strerror(rv), e.message);
    err = "answer";
  }
out:
  (void)err;
  csctp_peer_del(a.peer);
  csctp_peer_del(b.peer);
  while (g_main_context_iteration(ctx, FALSE)) {}
  cr_assert_eq(fm.live, 0, "k=%ld (site %p): the peer leaked %ld blocks", k, fm.site, fm.live);
  return fm.calls;
}

Test(peer_alloc_fail, every_allocation_of_set_up) {
  long total = setup_run(0, NULL);
  cr_assert_gt(total, 5);
  long hit = failing_mem_replay(total, setup_run, NULL);
  cr_log_info("set-up: %ld allocation calls replayed (%ld failed)", total, hit);
}

/* ---- a connection over loopback ---- */

static int run_until(int (*done)(pside *, pside *), pside *a, pside *b, gint64 seconds) {
  gint64 until = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
  while (!done(a, b) && g_get_monotonic_time() < until) g_main_context_iteration(ctx, TRUE);
  return done(a, b);
}

static int failed(const pside *s) { return s->state == CSCTP_PEER_STATE_FAILED; }
static int gathered(pside *a, pside *b) { return (a->gathered && b->gathered) || failed(a); }
static int exchanged(pside *a, pside *b) {
  return failed(a) || failed(b) ||
         (a->opened >= 2 && b->opened >= 2 && a->messages >= 1 && b->messages >= 1);
}
static int closed(pside *a, pside *b) {
  return failed(a) || (a->state == CSCTP_PEER_STATE_CLOSED && b->state == CSCTP_PEER_STATE_CLOSED);
}

typedef struct conn_stats {
  long runs, failed_clearly, completed, no_failure, known;
} conn_stats;

static long conn_run(long k, void *user) {
  conn_stats *st = user;
  failing_mem fm;
  failing_mem_init(&fm, k);
  pside a, b;
  int rv = side_new(&a, &fm.mem);
  if (rv) {
    cr_assert_eq(rv, CSCTP_ERR_NOMEM);
    cr_assert_eq(fm.live, 0);
    if (st) st->failed_clearly++;
    return fm.calls;
  }
  cr_assert_eq(side_new(&b, NULL), 0);
  b.echo = 1;
  int clear = 0; /* a call returned a fatal error */
  csctp_dc_channel ch = 0;
  csctp_dc_init init = {.label = "chat"};
  rv = csctp_peer_create_channel(a.peer, &init, &ch);
  if (rv == CSCTP_ERR_NOMEM) rv = csctp_peer_create_channel(a.peer, &init, &ch);
  cr_assert_eq(rv, 0);
  csctp_dc_channel bch = 0;
  init.label = "back";
  cr_assert_eq(csctp_peer_create_channel(b.peer, &init, &bch), 0);
  cr_assert(run_until(gathered, &a, &b, 10));
  csctp_ssize n = failed(&a) ? -1 : csctp_peer_create_offer(a.peer, sdp_buf, sizeof sdp_buf);
  if (n < 0) {
    clear = 1;
    goto out;
  }
  csctp_sdp_error e;
  cr_assert_eq(
      csctp_peer_set_remote_description(b.peer, CSCTP_PEER_SDP_OFFER, sdp_buf, (size_t)n, &e), 0);
  n = csctp_peer_create_answer(b.peer, sdp_buf, sizeof sdp_buf);
  cr_assert_gt(n, 0);
  rv = csctp_peer_set_remote_description(a.peer, CSCTP_PEER_SDP_ANSWER, sdp_buf, (size_t)n, &e);
  if (rv) {
    cr_assert_leq(rv, CSCTP_ERR_FATAL, "k=%ld: %s", k, csctp_strerror(rv));
    clear = 1;
    goto out;
  }
  /* Once a's channel is open it says hello; b echoes it and says hello on its own. */
  gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  int sent_a = 0, sent_b = 0;
  while (!exchanged(&a, &b) && g_get_monotonic_time() < until) {
    g_main_context_iteration(ctx, TRUE);
    if (!sent_a && a.opened >= 1 && a.state == CSCTP_PEER_STATE_CONNECTED) {
      rv = csctp_peer_send(a.peer, ch, 1, "hello", 5);
      if (rv == CSCTP_ERR_NOMEM) rv = csctp_peer_send(a.peer, ch, 1, "hello", 5);
      if (rv == 0) sent_a = 1;
    }
    if (!sent_b && b.opened >= 2 && b.state == CSCTP_PEER_STATE_CONNECTED &&
        csctp_peer_send(b.peer, bch, 0, "back", 4) == 0)
      sent_b = 1;
  }
  if (!failed(&a) && !exchanged(&a, &b) && engine_event_lost(&fm)) {
    if (st) st->known++;
    cr_log_warn("k=%ld: the association lost an event (known engine failure)", k);
    goto del;
  }
  if (!failed(&a)) {
    cr_assert(exchanged(&a, &b),
              "k=%ld (site %p): stalled without an error: state %s, opened %d/%d, messages %d/%d",
              k, fm.site, csctp_peer_state_name(a.state), a.opened, b.opened, a.messages,
              b.messages);
    if (csctp_peer_close(a.peer) == 0) run_until(closed, &a, &b, 5);
    cr_assert(closed(&a, &b), "k=%ld (site %p): close stalled without an error (%s, %s)", k,
              fm.site, csctp_peer_state_name(a.state), csctp_peer_state_name(b.state));
  }
out:
  if (st) {
    st->runs++;
    if (!fm.failed)
      st->no_failure++;
    else if (clear || failed(&a))
      st->failed_clearly++;
    else
      st->completed++;
  }
del:
  csctp_peer_del(a.peer);
  csctp_peer_del(b.peer);
  while (g_main_context_iteration(ctx, FALSE)) {}
  cr_assert_eq(fm.live, 0, "k=%ld (site %p): the peer leaked %ld blocks", k, fm.site, fm.live);
  return fm.calls;
}

Test(peer_alloc_fail, every_allocation_of_a_connection) {
  long total = conn_run(0, NULL);
  cr_assert_gt(total, 20);
  static conn_stats st;
  long hit = failing_mem_replay(total, conn_run, &st);
  cr_log_info(
      "connection: %ld allocation calls replayed (%ld failed): %ld failed clearly, %ld "
      "completed, %ld saw no failure, %ld events lost by the engine (known)",
      total, hit, st.failed_clearly, st.completed, st.no_failure, st.known);
  cr_assert_eq(st.known, 0, "%ld runs lost an event", st.known);
}
