/* SPDX-License-Identifier: MIT */
/* Consumer of the installed ICE layer (csctp-ice.pc, csctp::csctp_ice): an
 * agent on the caller's GMainContext, created and freed without gathering. */
#include <csctp/ice.h>
#include <glib.h>
#include <stdio.h>

static void on_event(csctp_ice_agent *agent, const csctp_ice_event *ev, void *user_data) {
  (void)agent, (void)ev, (void)user_data;
}

int main(void) {
  GMainContext *ctx = g_main_context_new();
  const char *addrs[] = {"127.0.0.1"};
  csctp_ice_config cfg;
  csctp_ice_config_default(&cfg);
  cfg.local_addresses = addrs;
  cfg.n_local_addresses = 1;
  cfg.controlling = 1;
  cfg.on_event = on_event;
  csctp_ice_agent *agent = NULL;
  int rc = csctp_ice_agent_new(&agent, ctx, &cfg);
  if (rc != 0) {
    fprintf(stderr, "csctp_ice_agent_new: %s\n", csctp_strerror(rc));
    return 1;
  }
  const char *ufrag = csctp_ice_agent_local_ufrag(agent);
  int ok = ufrag && *ufrag && csctp_ice_agent_local_pwd(agent);
  printf("ice: agent ufrag %s, state %s\n", ufrag ? ufrag : "(null)",
         csctp_ice_state_name(csctp_ice_agent_state(agent)));
  csctp_ice_agent_del(agent);
  while (g_main_context_iteration(ctx, FALSE)) {}
  g_main_context_unref(ctx);
  return ok ? 0 : 1;
}
