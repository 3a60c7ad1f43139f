/* SPDX-License-Identifier: MIT */
/*
 * The process's descriptor limit: each agent holds an eventfd (the GMainContext libnice
 * makes for its component) and, once gathering, a UDP socket. GLib aborts the process
 * when it cannot make that eventfd, so an agent is refused with CSCTP_ERR_NO_DESCRIPTORS
 * while fewer than a few descriptors are left, and the process lives on: freeing agents
 * makes room for new ones. (Criterion runs each test in its own process: the lowered
 * limit stays in it.)
 */
#include <criterion/criterion.h>
#include <csctp/ice.h>
#include <glib.h>
#include <sys/resource.h>

#define MAX_AGENTS 200

static int gathered;

static void on_event(csctp_ice_agent *agent, const csctp_ice_event *ev, void *user) {
  (void)agent;
  (void)user;
  if (ev->type == CSCTP_ICE_EVENT_GATHERING_DONE) gathered++;
}

static int make_agent(GMainContext *ctx, csctp_ice_agent **out) {
  static const char *const lo[] = {"127.0.0.1"};
  csctp_ice_config cfg;
  csctp_ice_config_default(&cfg);
  cfg.local_addresses = lo;
  cfg.n_local_addresses = 1;
  cfg.on_event = on_event;
  return csctp_ice_agent_new(out, ctx, &cfg);
}

Test(ice_limits, agents_past_the_descriptor_limit_are_refused_not_aborted, .timeout = 60) {
  struct rlimit rl;
  cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
  rl.rlim_cur = 96; /* a few dozen agents, whatever this process already holds */
  cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
  GMainContext *ctx = g_main_context_new();
  static csctp_ice_agent *agents[MAX_AGENTS];
  int n = 0, rv = 0;
  while (n < MAX_AGENTS) {
    rv = make_agent(ctx, &agents[n]);
    if (rv) break;
    /* Gathering opens the agent's socket: two descriptors per agent in all. */
    cr_assert_eq(csctp_ice_agent_gather(agents[n]), 0);
    n++;
    while (g_main_context_iteration(ctx, FALSE)) {}
  }
  cr_assert_eq(rv, CSCTP_ERR_NO_DESCRIPTORS, "agent %d: %d (%s)", n, rv, csctp_strerror(rv));
  cr_assert_gt(n, 10, "only %d agents under a limit of 96 descriptors", n);
  cr_assert_lt(n, MAX_AGENTS);
  cr_assert_eq(gathered, n, "every agent created gathered its candidate");
  /* Room again once some are gone. */
  for (int i = 0; i < 4; i++) csctp_ice_agent_del(agents[--n]);
  while (g_main_context_iteration(ctx, FALSE)) {}
  cr_assert_eq(make_agent(ctx, &agents[n]), 0);
  n++;
  while (n > 0) csctp_ice_agent_del(agents[--n]);
  while (g_main_context_iteration(ctx, FALSE)) {}
  g_main_context_unref(ctx);
}
