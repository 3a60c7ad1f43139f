/* SPDX-License-Identifier: MIT */
/*
 * The process's descriptor limit: each agent holds an eventfd (the GMainContext libnice
 * makes for its component) and, once gathering, a UDP socket. GLib aborts the process
 * when it cannot make that eventfd, so an agent is refused with CSCTP_ERR_NO_DESCRIPTORS
 * while fewer than a few descriptors are left, and the process lives on: freeing agents
 * makes room for new ones. (Criterion runs each test in its own process: the lowered
 * limit stays in it.)
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <csctp/ice.h>
#include <glib.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* A gateway out of ports: every port of the agent's range is taken. Gathering says so
 * with CSCTP_ERR_ADDRESS_IN_USE (not a vague "invalid state"), and works again once a
 * port is free. */
Test(ice_limits, gathering_without_a_free_port_says_address_in_use, .timeout = 30) {
  int held[2];
  uint16_t ports[2];
  for (int i = 0; i < 2; i++) {
    held[i] = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(held[i], (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t len = sizeof sa;
    cr_assert_eq(getsockname(held[i], (struct sockaddr *)&sa, &len), 0);
    ports[i] = ntohs(sa.sin_port);
  }
  uint16_t lo = ports[0] < ports[1] ? ports[0] : ports[1];
  uint16_t hi = ports[0] < ports[1] ? ports[1] : ports[0];
  /* Only the two held ports: a range of exactly them when adjacent, else the lower alone. */
  if (hi != lo + 1) hi = lo;
  static const char *const lo_addr[] = {"127.0.0.1"};
  csctp_ice_config cfg;
  csctp_ice_config_default(&cfg);
  cfg.local_addresses = lo_addr;
  cfg.n_local_addresses = 1;
  cfg.port_min = lo;
  cfg.port_max = hi;
  cfg.on_event = on_event;
  GMainContext *ctx = g_main_context_new();
  csctp_ice_agent *a = NULL;
  cr_assert_eq(csctp_ice_agent_new(&a, ctx, &cfg), 0);
  int rv = csctp_ice_agent_gather(a);
  cr_assert_eq(rv, CSCTP_ERR_ADDRESS_IN_USE, "gather: %d (%s)", rv, csctp_strerror(rv));
  csctp_ice_agent_del(a);
  /* The range's ports free again: a new agent gathers. */
  close(held[0]);
  close(held[1]);
  gathered = 0;
  cr_assert_eq(csctp_ice_agent_new(&a, ctx, &cfg), 0);
  cr_assert_eq(csctp_ice_agent_gather(a), 0);
  gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (!gathered && g_get_monotonic_time() < end) g_main_context_iteration(ctx, FALSE);
  cr_assert_eq(gathered, 1);
  csctp_ice_agent_del(a);
  while (g_main_context_iteration(ctx, FALSE)) {}
  g_main_context_unref(ctx);
}
