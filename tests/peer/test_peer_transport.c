/* SPDX-License-Identifier: MIT */
/*
 * What two csctp peers settle below their channels (csctp_peer_get_transport):
 * DTLS-SRTP negotiated by default and left out on request; the offerer's ICE
 * agent controlling from its creation, so that two peers meet no ICE role
 * conflict (counted from libnice's own debug lines). Over ICE on 127.0.0.1 on
 * one GMainContext; every wait is bounded.
 */
#include <criterion/criterion.h>
#include <glib.h>
#include <nice/debug.h>
#include <string.h>

#include <csctp/peer.h>

typedef struct tside {
  csctp_peer *peer;
  csctp_peer_state state;
  int gathered;
} tside;

static GMainContext *ctx;
static char sdp_buf[CSCTP_SDP_TEXT_MAX];
static int role_conflicts;

static void on_nice_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer u) {
  (void)domain;
  (void)level;
  (void)u;
  if (strstr(msg, "Role conflict")) role_conflicts++;
}

static void on_event(csctp_peer *peer, const csctp_peer_event *ev, void *user_data) {
  (void)peer;
  tside *s = user_data;
  if (ev->type == CSCTP_PEER_EVENT_CANDIDATE && !*ev->u.candidate) s->gathered = 1;
  if (ev->type == CSCTP_PEER_EVENT_STATE) s->state = ev->u.state.state;
}

static void tside_new(tside *s, csctp_peer_config *cfg) {
  static const char *lo[] = {"127.0.0.1"};
  memset(s, 0, sizeof *s);
  cfg->on_event = on_event;
  cfg->user_data = s;
  cfg->local_addresses = lo;
  cfg->n_local_addresses = 1;
  cr_assert_eq(csctp_peer_new(&s->peer, ctx, cfg), 0);
}

static int run_until_connected(tside *a, tside *b) {
  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!(a->state == CSCTP_PEER_STATE_CONNECTED && b->state == CSCTP_PEER_STATE_CONNECTED) &&
         g_get_monotonic_time() < until) {
    g_main_context_iteration(ctx, TRUE);
  }
  return a->state == CSCTP_PEER_STATE_CONNECTED && b->state == CSCTP_PEER_STATE_CONNECTED;
}

static void wait_gathered(tside *s) {
  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!s->gathered && g_get_monotonic_time() < until) g_main_context_iteration(ctx, TRUE);
  cr_assert(s->gathered, "gathering did not end");
}

/* Offer from a, answer from b (complete descriptions), then both connect. */
static void connect_pair(tside *a, tside *b) {
  wait_gathered(a);
  wait_gathered(b);
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
  cr_assert(run_until_connected(a, b), "not connected: %s / %s", csctp_peer_state_name(a->state),
            csctp_peer_state_name(b->state));
}

static void setup(void) {
  ctx = g_main_context_new();
  role_conflicts = 0;
  nice_debug_enable(FALSE);
  g_log_set_handler("libnice", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                    on_nice_log, NULL);
}
static void teardown(void) {
  while (g_main_context_iteration(ctx, FALSE)) {}
  g_main_context_unref(ctx);
  nice_debug_disable(FALSE);
}

TestSuite(peer_transport, .init = setup, .fini = teardown, .timeout = 60);

/* Connects a (offerer) and b with use_srtp on or off on each side; returns the profile
 * both report (asserting they agree). */
static csctp_srtp_profile srtp_between(int srtp_a, int srtp_b) {
  tside a, b;
  csctp_peer_config ca, cb;
  csctp_peer_config_default(&ca);
  csctp_peer_config_default(&cb);
  ca.dtls_srtp = srtp_a;
  cb.dtls_srtp = srtp_b;
  tside_new(&a, &ca);
  tside_new(&b, &cb);
  connect_pair(&a, &b);
  csctp_peer_transport ta, tb;
  cr_assert_eq(csctp_peer_get_transport(a.peer, &ta), 0);
  cr_assert_eq(csctp_peer_get_transport(b.peer, &tb), 0);
  cr_assert(ta.has_dtls && tb.has_dtls);
  cr_assert_eq(ta.dtls_state, CSCTP_DTLS_STATE_CONNECTED);
  cr_assert_eq(ta.dtls_role, CSCTP_DTLS_SERVER, "the offerer says actpass; the answerer is active");
  cr_assert_eq(tb.dtls_role, CSCTP_DTLS_CLIENT);
  cr_assert_eq(ta.srtp_profile, tb.srtp_profile, "%s vs %s",
               csctp_srtp_profile_name(ta.srtp_profile), csctp_srtp_profile_name(tb.srtp_profile));
  csctp_peer_del(a.peer);
  csctp_peer_del(b.peer);
  return ta.srtp_profile;
}

Test(peer_transport, srtp_negotiated_by_default) {
  csctp_peer_config cfg;
  csctp_peer_config_default(&cfg);
  cr_assert_eq(cfg.dtls_srtp, 1);
  csctp_srtp_profile p = srtp_between(1, 1);
  /* The first profile of CSCTP_PEER_SRTP_PROFILES, which both sides list. */
  cr_assert_eq(p, CSCTP_SRTP_AEAD_AES_128_GCM, "negotiated %s", csctp_srtp_profile_name(p));
}

Test(peer_transport, srtp_left_out_on_request) {
  cr_assert_eq(srtp_between(0, 0), CSCTP_SRTP_NONE);
  /* Either side alone leaving it out is enough: the handshake still succeeds. */
  cr_assert_eq(srtp_between(1, 0), CSCTP_SRTP_NONE);
  cr_assert_eq(srtp_between(0, 1), CSCTP_SRTP_NONE);
}

Test(peer_transport, transport_before_any_description) {
  tside a;
  csctp_peer_config cfg;
  csctp_peer_config_default(&cfg);
  tside_new(&a, &cfg);
  csctp_peer_transport t;
  cr_assert_eq(csctp_peer_get_transport(a.peer, &t), 0);
  cr_assert_eq(t.has_dtls, 0);
  cr_assert_eq(t.srtp_profile, CSCTP_SRTP_NONE);
  cr_assert_eq(t.ice_state, CSCTP_ICE_STATE_NEW);
  cr_assert_eq(t.remote_max_message_size, 0);
  cr_assert_eq(t.max_message_size, cfg.max_message_size);
  cr_assert_eq(csctp_peer_get_transport(a.peer, NULL), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_peer_get_transport(NULL, &t), CSCTP_ERR_INVALID_ARGUMENT);
  csctp_peer_del(a.peer);
}

/* ---- ICE role (RFC 8445 §6.1.1: the offerer controls) ---- */

static int ice_controlling(const tside *s) {
  csctp_peer_transport t;
  cr_assert_eq(csctp_peer_get_transport(s->peer, &t), 0);
  return t.ice_controlling;
}

Test(peer_transport, offerer_controls_from_creation_no_role_conflict) {
  tside a, b;
  csctp_peer_config ca, cb;
  csctp_peer_config_default(&ca);
  csctp_peer_config_default(&cb);
  cr_assert_eq(ca.offerer, 0);
  ca.offerer = 1;
  tside_new(&a, &ca);
  tside_new(&b, &cb);
  /* Before gathering, before any check. */
  cr_assert_eq(ice_controlling(&a), 1);
  cr_assert_eq(ice_controlling(&b), 0);
  connect_pair(&a, &b);
  cr_assert_eq(ice_controlling(&a), 1);
  cr_assert_eq(role_conflicts, 0, "%d role conflict lines from libnice", role_conflicts);
  /* The offerer refuses a remote offer (it would have to become controlled). */
  tside c;
  csctp_peer_config cc;
  csctp_peer_config_default(&cc);
  cc.offerer = 1;
  tside_new(&c, &cc);
  wait_gathered(&c);
  csctp_ssize n = csctp_peer_create_offer(b.peer, sdp_buf, sizeof sdp_buf);
  cr_assert_eq(n, CSCTP_ERR_INVALID_STATE, "b has answered");
  n = csctp_peer_create_offer(a.peer, sdp_buf, sizeof sdp_buf);
  cr_assert_gt(n, 0);
  csctp_sdp_error e;
  cr_assert_eq(
      csctp_peer_set_remote_description(c.peer, CSCTP_PEER_SDP_OFFER, sdp_buf, (size_t)n, &e),
      CSCTP_ERR_INVALID_STATE);
  cr_assert(strstr(e.message, "offerer"), "%s", e.message);
  csctp_peer_del(a.peer);
  csctp_peer_del(b.peer);
  csctp_peer_del(c.peer);
}

/* A peer not created as the offerer that offers before its context first ran still
 * becomes controlling in time. */
Test(peer_transport, early_offer_takes_control) {
  tside a, b;
  csctp_peer_config ca, cb;
  csctp_peer_config_default(&ca);
  csctp_peer_config_default(&cb);
  tside_new(&a, &ca);
  tside_new(&b, &cb);
  cr_assert_gt(csctp_peer_create_offer(a.peer, sdp_buf, sizeof sdp_buf), 0);
  cr_assert_eq(ice_controlling(&a), 1);
  connect_pair(&a, &b);
  cr_assert_eq(role_conflicts, 0, "%d role conflict lines from libnice", role_conflicts);
  csctp_peer_del(a.peer);
  csctp_peer_del(b.peer);
}

/* The case issue 12 found in csctp-peer --offer: control asked for after gathering.
 * The peer says so (the transport reports the role libnice really has) and still
 * connects, through a role conflict. */
Test(peer_transport, late_offer_without_offerer_stays_controlled) {
  tside a, b;
  csctp_peer_config ca, cb;
  csctp_peer_config_default(&ca);
  csctp_peer_config_default(&cb);
  tside_new(&a, &ca);
  tside_new(&b, &cb);
  connect_pair(&a, &b); /* offers once gathering is done */
  cr_assert_eq(ice_controlling(&a), 0);
  cr_assert_gt(role_conflicts, 0, "two controlled agents met no role conflict");
  csctp_peer_del(a.peer);
  csctp_peer_del(b.peer);
}
