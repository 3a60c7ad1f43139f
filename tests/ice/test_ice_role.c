/* SPDX-License-Identifier: MIT */
/*
 * ICE roles (RFC 8445 §6.1.1, §7.3.1.1): two agents on 127.0.0.1 on one
 * GMainContext. libnice fixes its role once gathering has started, so the
 * role given at creation (or set before csctp_ice_agent_gather) is the one the
 * checks run with, and a later change is refused instead of silently ignored.
 * Role conflicts are counted from libnice's own debug lines ("Role conflict").
 */
#include <criterion/criterion.h>
#include <csctp/ice.h>
#include <glib.h>
#include <nice/debug.h>
#include <string.h>

typedef struct rside {
  csctp_ice_agent *agent;
  struct rside *peer;
  csctp_ice_state state;
  int gathering_done;
} rside;

static GMainContext *ctx;
static rside A, B;
static int role_conflicts;

static void on_nice_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer u) {
  (void)domain;
  (void)level;
  (void)u;
  if (strstr(msg, "Role conflict")) role_conflicts++;
}

static void on_event(csctp_ice_agent *agent, const csctp_ice_event *ev, void *user) {
  (void)agent;
  rside *s = user;
  switch (ev->type) {
  case CSCTP_ICE_EVENT_CANDIDATE:
    cr_assert_eq(csctp_ice_agent_add_remote_candidate(s->peer->agent, ev->u.candidate.candidate),
                 1);
    break;
  case CSCTP_ICE_EVENT_GATHERING_DONE:
    s->gathering_done = 1;
    csctp_ice_agent_end_of_remote_candidates(s->peer->agent);
    break;
  case CSCTP_ICE_EVENT_STATE: s->state = ev->u.state; break;
  default: break;
  }
}

static void make_agent(rside *s, rside *peer, int controlling) {
  static const char *const lo[] = {"127.0.0.1"};
  memset(s, 0, sizeof *s);
  s->peer = peer;
  csctp_ice_config cfg;
  csctp_ice_config_default(&cfg);
  cfg.controlling = controlling;
  cfg.local_addresses = lo;
  cfg.n_local_addresses = 1;
  cfg.connect_timeout_ms = 10000;
  cfg.on_event = on_event;
  cfg.user_data = s;
  cr_assert_eq(csctp_ice_agent_new(&s->agent, ctx, &cfg), 0);
}

static void run_until_gathered(void) {
  gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (!(A.gathering_done && B.gathering_done) && g_get_monotonic_time() < until)
    g_main_context_iteration(ctx, TRUE);
  cr_assert(A.gathering_done && B.gathering_done);
}

/* Credentials both ways, then both connected (asserted) and a little more time for
 * any late check to show a conflict. */
static void connect_both(void) {
  cr_assert_eq(csctp_ice_agent_set_remote_credentials(A.agent, csctp_ice_agent_local_ufrag(B.agent),
                                                      csctp_ice_agent_local_pwd(B.agent)),
               0);
  cr_assert_eq(csctp_ice_agent_set_remote_credentials(B.agent, csctp_ice_agent_local_ufrag(A.agent),
                                                      csctp_ice_agent_local_pwd(A.agent)),
               0);
  gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!(A.state == CSCTP_ICE_STATE_CONNECTED && B.state == CSCTP_ICE_STATE_CONNECTED) &&
         g_get_monotonic_time() < until) {
    g_main_context_iteration(ctx, TRUE);
  }
  cr_assert(A.state == CSCTP_ICE_STATE_CONNECTED && B.state == CSCTP_ICE_STATE_CONNECTED,
            "A %s, B %s", csctp_ice_state_name(A.state), csctp_ice_state_name(B.state));
  until = g_get_monotonic_time() + 300 * 1000;
  while (g_get_monotonic_time() < until) g_main_context_iteration(ctx, FALSE);
}

static void setup(void) {
  ctx = g_main_context_new();
  role_conflicts = 0;
  nice_debug_enable(FALSE);
  g_log_set_handler("libnice", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                    on_nice_log, NULL);
}

static void teardown(void) {
  csctp_ice_agent_del(A.agent);
  csctp_ice_agent_del(B.agent);
  A.agent = B.agent = NULL;
  for (int i = 0; i < 1000 && g_main_context_iteration(ctx, FALSE); i++) {}
  g_main_context_unref(ctx);
  nice_debug_disable(FALSE);
}

TestSuite(ice_role, .init = setup, .fini = teardown, .timeout = 60);

Test(ice_role, controlling_from_creation_connects_without_conflict) {
  make_agent(&A, &B, 1);
  make_agent(&B, &A, 0);
  cr_assert_eq(csctp_ice_agent_get_controlling(A.agent), 1);
  cr_assert_eq(csctp_ice_agent_get_controlling(B.agent), 0);
  cr_assert_eq(csctp_ice_agent_gather(A.agent), 0);
  cr_assert_eq(csctp_ice_agent_gather(B.agent), 0);
  run_until_gathered();
  /* Asking again for the role one has is no change. */
  cr_assert_eq(csctp_ice_agent_set_controlling(A.agent, 1), 0);
  cr_assert_eq(csctp_ice_agent_set_controlling(B.agent, 0), 0);
  connect_both();
  cr_assert_eq(role_conflicts, 0, "%d role conflict lines from libnice", role_conflicts);
}

Test(ice_role, role_set_before_gathering_is_taken) {
  make_agent(&A, &B, 0);
  make_agent(&B, &A, 0);
  cr_assert_eq(csctp_ice_agent_set_controlling(A.agent, 1), 0);
  cr_assert_eq(csctp_ice_agent_get_controlling(A.agent), 1);
  cr_assert_eq(csctp_ice_agent_gather(A.agent), 0);
  cr_assert_eq(csctp_ice_agent_gather(B.agent), 0);
  run_until_gathered();
  connect_both();
  cr_assert_eq(role_conflicts, 0, "%d role conflict lines from libnice", role_conflicts);
}

/* What the peer did before issue 12: the offerer asked for control after gathering.
 * libnice kept the agent controlled and the checks ran into a role conflict; now the
 * change is refused and the role reported is the one libnice really has. */
Test(ice_role, change_after_gathering_is_refused) {
  make_agent(&A, &B, 0);
  make_agent(&B, &A, 0);
  cr_assert_eq(csctp_ice_agent_gather(A.agent), 0);
  cr_assert_eq(csctp_ice_agent_gather(B.agent), 0);
  run_until_gathered();
  cr_assert_eq(csctp_ice_agent_set_controlling(A.agent, 1), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_ice_agent_get_controlling(A.agent), 0);
  connect_both();
  cr_assert_gt(role_conflicts, 0, "two controlled agents met no role conflict");
}
