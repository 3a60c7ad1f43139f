/* SPDX-License-Identifier: MIT */
/*
 * The peer's ICE servers as RTCConfiguration.iceServers (csctp_peer_config V3: urls,
 * username, credential): refused URLs fail csctp_peer_new() as RTCPeerConnection's
 * constructor throws, accepted ones (host names among them) reach the ICE agent, which
 * gathers with them; the ICE gathering and connection states through the peer.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csctp/peer.h>

static GMainContext *ctx;

typedef struct probe {
  int gathered, n_cands;
} probe;

static void on_event(csctp_peer *peer, const csctp_peer_event *ev, void *user) {
  (void)peer;
  probe *p = user;
  if (ev->type != CSCTP_PEER_EVENT_CANDIDATE) return;
  if (*ev->u.candidate)
    p->n_cands++;
  else
    p->gathered = 1;
}

static gboolean tick(gpointer data) {
  (void)data;
  return G_SOURCE_CONTINUE;
}

static void setup(void) {
  setenv("RES_OPTIONS", "timeout:1 attempts:1", 1);
  ctx = g_main_context_new();
  GSource *src = g_timeout_source_new(20);
  g_source_set_callback(src, tick, NULL, NULL);
  g_source_attach(src, ctx);
  g_source_unref(src);
}

static void teardown(void) {
  gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < end && g_main_context_iteration(ctx, FALSE)) {}
  g_main_context_unref(ctx);
}

TestSuite(peer_ice_urls, .init = setup, .fini = teardown, .timeout = 60);

static const char *const loopback[] = {"127.0.0.1"};

static void base_config(csctp_peer_config *cfg, probe *p) {
  csctp_peer_config_default(cfg);
  cfg->on_event = on_event;
  cfg->user_data = p;
  cfg->local_addresses = loopback;
  cfg->n_local_addresses = 1;
}

Test(peer_ice_urls, refused_urls_fail_the_peer) {
  static const char *const bad[] = {"stun:", "http://x", "turn:example.org?transport=sctp",
                                    "stun:example.org:65536", "stuns:example.org"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *urls[] = {"stun:127.0.0.1", bad[i]};
    csctp_peer_ice_server is = {.urls = urls, .n_urls = 2};
    probe p = {0};
    csctp_peer_config cfg;
    base_config(&cfg, &p);
    cfg.ice_servers = &is;
    cfg.n_ice_servers = 1;
    csctp_peer *peer = NULL;
    cr_expect_eq(csctp_peer_new(&peer, ctx, &cfg), CSCTP_ERR_INVALID_ARGUMENT, "%s", bad[i]);
    cr_expect_null(peer);
  }
  /* TURN without credentials, a NULL URL, urls NULL with n_urls > 0. */
  const char *turn[] = {"turn:127.0.0.1"};
  const char *null_url[] = {NULL};
  csctp_peer_ice_server cases[] = {{.urls = turn, .n_urls = 1},
                                   {.urls = turn, .n_urls = 1, .username = "u"},
                                   {.urls = null_url, .n_urls = 1},
                                   {.urls = NULL, .n_urls = 1}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    probe p = {0};
    csctp_peer_config cfg;
    base_config(&cfg, &p);
    cfg.ice_servers = &cases[i];
    cfg.n_ice_servers = 1;
    csctp_peer *peer = NULL;
    cr_expect_eq(csctp_peer_new(&peer, ctx, &cfg), CSCTP_ERR_INVALID_ARGUMENT, "case %zu", i);
    cr_expect_null(peer);
  }
}

/* Several STUN and TURN URLs, names among them; the strings may go once the peer is made.
 * The STUN server on localhost gets libnice's request (its name resolved first). */
Test(peer_ice_urls, several_servers_by_url_and_the_states) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  cr_assert_geq(fd, 0);
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
  socklen_t len = sizeof sin;
  cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
  char stun_url[64];
  snprintf(stun_url, sizeof stun_url, "stun:localhost:%u", ntohs(sin.sin_port));
  char *stun_urls[] = {g_strdup("stun:nosuch.invalid"), g_strdup(stun_url)};
  char *turn_urls[] = {g_strdup("turn:127.0.0.1:1?transport=udp"),
                       g_strdup("turn:localhost:2?transport=tcp"), g_strdup("turns:[::1]:3")};
  char *user = g_strdup("user"), *secret = g_strdup("secret");
  csctp_peer_ice_server is[] = {
      {.urls = (const char *const *)stun_urls, .n_urls = 2},
      {.urls = (const char *const *)turn_urls, .n_urls = 3, .username = user, .credential = secret},
  };
  probe p = {0};
  csctp_peer_config cfg;
  base_config(&cfg, &p);
  cfg.ice_servers = is;
  cfg.n_ice_servers = 2;
  csctp_peer *peer = NULL;
  cr_assert_eq(csctp_peer_new(&peer, ctx, &cfg), 0);
  for (size_t i = 0; i < 2; i++) g_free(stun_urls[i]);
  for (size_t i = 0; i < 3; i++) g_free(turn_urls[i]);
  g_free(user);
  g_free(secret);
  cr_assert_eq(csctp_peer_ice_gathering_state(peer), CSCTP_ICE_GATHERING_NEW);
  cr_assert_eq(csctp_peer_ice_connection_state(peer), CSCTP_ICE_STATE_NEW);
  cr_assert_str_eq(csctp_ice_gathering_state_name(csctp_peer_ice_gathering_state(peer)), "new");
  int got = 0;
  gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
  while (!(got && p.gathered) && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(ctx, TRUE);
    uint8_t b[1500];
    if (recv(fd, b, sizeof b, 0) >= 20 && b[0] == 0 && b[1] == 1) got = 1;
    if (!p.gathered)
      cr_assert_neq(csctp_peer_ice_gathering_state(peer), CSCTP_ICE_GATHERING_COMPLETE);
  }
  cr_assert(got, "no STUN request reached stun:localhost");
  cr_assert(p.gathered);
  cr_assert_geq(p.n_cands, 1);
  cr_assert_eq(csctp_peer_ice_gathering_state(peer), CSCTP_ICE_GATHERING_COMPLETE);
  cr_assert_str_eq(csctp_ice_gathering_state_name(csctp_peer_ice_gathering_state(peer)),
                   "complete");
  csctp_peer_del(peer);
  close(fd);
}
