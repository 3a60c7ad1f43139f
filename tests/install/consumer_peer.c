/* SPDX-License-Identifier: MIT */
/* Consumer of the installed WebRTC peer (csctp-peer.pc, csctp::csctp_peer):
 * a peer on the caller's GMainContext, ICE on 127.0.0.1 only, whose offer is
 * written and parsed back by the SDP functions; nothing is sent. */
#include <csctp/peer.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

static void on_event(csctp_peer *peer, const csctp_peer_event *ev, void *user_data) {
  (void)peer, (void)ev, (void)user_data;
}

int main(void) {
  GMainContext *ctx = g_main_context_new();
  const char *addrs[] = {"127.0.0.1"};
  csctp_peer_config cfg;
  csctp_peer_config_default(&cfg);
  cfg.on_event = on_event;
  cfg.local_addresses = addrs;
  cfg.n_local_addresses = 1;
  csctp_peer *peer = NULL;
  int rc = csctp_peer_new(&peer, ctx, &cfg);
  if (rc != 0) {
    fprintf(stderr, "csctp_peer_new: %s\n", csctp_strerror(rc));
    return 1;
  }
  csctp_dc_init init = {0};
  init.label = "consumer";
  csctp_dc_channel ch = 0;
  if (csctp_peer_create_channel(peer, &init, &ch) != 0) return 1;
  char *text = malloc(CSCTP_SDP_TEXT_MAX);
  csctp_sdp *sdp = malloc(sizeof *sdp);
  csctp_sdp_error err;
  csctp_ssize len = csctp_peer_create_offer(peer, text, CSCTP_SDP_TEXT_MAX);
  int ok = len > 0 && csctp_sdp_parse(sdp, text, (size_t)len, &err) == 0 && sdp->data_index >= 0;
  printf("peer: %s, offer of %td bytes %s\n", csctp_peer_state_name(csctp_peer_get_state(peer)),
         len, ok ? "parsed" : "FAILED");
  csctp_peer_del(peer);
  while (g_main_context_iteration(ctx, FALSE)) {}
  g_main_context_unref(ctx);
  free(sdp);
  free(text);
  return ok ? 0 : 1;
}
