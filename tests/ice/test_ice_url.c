/* SPDX-License-Identifier: MIT */
/*
 * STUN / TURN server URLs (RFC 7064, RFC 7065; ice/ice_url.c) and host names resolved by
 * the agent before gathering (ice/ice_resolve.c): every accepted form and its fields, the
 * refused ones and their errors, a name that resolves reaching libnice as a numeric
 * address (and a STUN request reaching the server there), a name that does not resolving
 * to a log line within a bounded time, and the gathering state's names.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <csctp/ice.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ice_agent.h"

/* ---- the parser ---- */

typedef struct url_case {
  const char *url;
  csctp_ice_server_type type;
  const char *host;
  uint16_t port;
} url_case;

static const url_case good[] = {
    {"stun:stun.l.google.com:19302", CSCTP_ICE_SERVER_STUN, "stun.l.google.com", 19302},
    {"stun:example.org", CSCTP_ICE_SERVER_STUN, "example.org", 3478},
    {"STUN:Example.ORG", CSCTP_ICE_SERVER_STUN, "Example.ORG", 3478},
    {"stun:192.0.2.1", CSCTP_ICE_SERVER_STUN, "192.0.2.1", 3478},
    {"stun:192.0.2.1:1", CSCTP_ICE_SERVER_STUN, "192.0.2.1", 1},
    {"stun:[2001:db8::1]", CSCTP_ICE_SERVER_STUN, "2001:db8::1", 3478},
    {"stun:[2001:db8::1]:65535", CSCTP_ICE_SERVER_STUN, "2001:db8::1", 65535},
    {"stun:[::ffff:192.0.2.1]:3479", CSCTP_ICE_SERVER_STUN, "::ffff:192.0.2.1", 3479},
    {"stun:localhost", CSCTP_ICE_SERVER_STUN, "localhost", 3478},
    {"stun:a_b-c.example", CSCTP_ICE_SERVER_STUN, "a_b-c.example", 3478},
    {"turn:turn.example.org", CSCTP_ICE_SERVER_TURN_UDP, "turn.example.org", 3478},
    {"turn:turn.example.org:3480", CSCTP_ICE_SERVER_TURN_UDP, "turn.example.org", 3480},
    {"turn:turn.example.org?transport=udp", CSCTP_ICE_SERVER_TURN_UDP, "turn.example.org", 3478},
    {"turn:turn.example.org?transport=tcp", CSCTP_ICE_SERVER_TURN_TCP, "turn.example.org", 3478},
    {"turn:192.0.2.7:443?transport=tcp", CSCTP_ICE_SERVER_TURN_TCP, "192.0.2.7", 443},
    {"turn:[2001:db8::7]:3478?transport=TCP", CSCTP_ICE_SERVER_TURN_TCP, "2001:db8::7", 3478},
    {"turns:turn.example.org", CSCTP_ICE_SERVER_TURN_TLS, "turn.example.org", 5349},
    {"turns:turn.example.org:443", CSCTP_ICE_SERVER_TURN_TLS, "turn.example.org", 443},
    {"turns:turn.example.org?transport=tcp", CSCTP_ICE_SERVER_TURN_TLS, "turn.example.org", 5349},
    {"TURNS:[::1]", CSCTP_ICE_SERVER_TURN_TLS, "::1", 5349},
};

Test(ice_url, every_form_parses_to_its_fields) {
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    const url_case *c = &good[i];
    char buf[CSCTP_ICE_HOST_MAX + 1];
    csctp_ice_server s;
    memset(&s, 0xa5, sizeof s);
    int rv = csctp_ice_server_parse(&s, c->url, "user", "secret", buf, sizeof buf);
    cr_assert_eq(rv, 0, "%s: %d", c->url, rv);
    cr_expect_eq(s.type, c->type, "%s: type %d", c->url, (int)s.type);
    cr_expect_str_eq(s.address, c->host, "%s", c->url);
    cr_expect_eq(s.address, buf, "%s: the host is in the caller's buffer", c->url);
    cr_expect_eq(s.port, c->port, "%s: port %u", c->url, s.port);
    if (c->type == CSCTP_ICE_SERVER_STUN) {
      cr_expect_null(s.username, "%s", c->url);
      cr_expect_null(s.password, "%s", c->url);
    } else {
      cr_expect_str_eq(s.username, "user", "%s", c->url);
      cr_expect_str_eq(s.password, "secret", "%s", c->url);
    }
  }
}

typedef struct bad_case {
  const char *url;
  int err;
} bad_case;

static const bad_case bad[] = {
    {"", CSCTP_ERR_MALFORMED},
    {"example.org", CSCTP_ERR_MALFORMED},        /* no scheme */
    {"//example.org:3478", CSCTP_ERR_MALFORMED}, /* no scheme */
    {"http://example.org", CSCTP_ERR_MALFORMED},
    {"stunx:example.org", CSCTP_ERR_MALFORMED},
    {"stu:example.org", CSCTP_ERR_MALFORMED},
    {"stun://example.org", CSCTP_ERR_MALFORMED}, /* RFC 7064 has no authority */
    {"stun:", CSCTP_ERR_MALFORMED},              /* empty host */
    {"stun::3478", CSCTP_ERR_MALFORMED},
    {"turn:?transport=udp", CSCTP_ERR_MALFORMED},
    {"stun:[]", CSCTP_ERR_MALFORMED},
    {"stun:[2001:db8::1", CSCTP_ERR_MALFORMED}, /* unterminated [ */
    {"stun:[2001:db8::1:3478", CSCTP_ERR_MALFORMED},
    {"stun:[", CSCTP_ERR_MALFORMED},
    {"stun:[example.org]", CSCTP_ERR_MALFORMED}, /* a name in brackets */
    {"stun:[192.0.2.1]", CSCTP_ERR_MALFORMED},
    {"stun:2001:db8::1", CSCTP_ERR_MALFORMED}, /* IPv6 without brackets */
    {"stun:example.org:0", CSCTP_ERR_MALFORMED},
    {"stun:example.org:65536", CSCTP_ERR_MALFORMED},
    {"stun:example.org:99999999999999999999", CSCTP_ERR_MALFORMED},
    {"stun:example.org:abc", CSCTP_ERR_MALFORMED},
    {"stun:example.org:", CSCTP_ERR_MALFORMED},
    {"stun:example.org:-1", CSCTP_ERR_MALFORMED},
    {"stun:example.org:+80", CSCTP_ERR_MALFORMED},
    {"stun:example.org:80x", CSCTP_ERR_MALFORMED}, /* trailing junk */
    {"stun:example.org/", CSCTP_ERR_MALFORMED},
    {"stun:example.org ", CSCTP_ERR_MALFORMED},
    {"stun:exa mple.org", CSCTP_ERR_MALFORMED},
    {"stun:user@example.org", CSCTP_ERR_MALFORMED},
    {"stun:exa%41mple.org", CSCTP_ERR_MALFORMED},
    {"stun:.example.org", CSCTP_ERR_MALFORMED},
    {"stun:example..org", CSCTP_ERR_MALFORMED},
    {"stun:[::1]x", CSCTP_ERR_MALFORMED},
    {"stun:[::1]:", CSCTP_ERR_MALFORMED},
    {"stun:example.org?transport=udp", CSCTP_ERR_MALFORMED}, /* no query for stun: */
    {"turn:example.org?transport=sctp", CSCTP_ERR_MALFORMED},
    {"turn:example.org?transport=", CSCTP_ERR_MALFORMED},
    {"turn:example.org?transport=udpx", CSCTP_ERR_MALFORMED},
    {"turn:example.org?transport=udp&x=1", CSCTP_ERR_MALFORMED},
    {"turn:example.org?foo=bar", CSCTP_ERR_MALFORMED},
    {"turn:example.org?", CSCTP_ERR_MALFORMED},
    {"turn:example.org:3478:3478", CSCTP_ERR_MALFORMED},
    {"turn:example.org#frag", CSCTP_ERR_MALFORMED},
    /* well-formed, but not something libnice can do */
    {"stuns:example.org", CSCTP_ERR_INVALID_ARGUMENT},
    {"turns:example.org?transport=udp", CSCTP_ERR_INVALID_ARGUMENT},
};

Test(ice_url, bad_urls_are_refused_with_their_error) {
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char buf[CSCTP_ICE_HOST_MAX + 1];
    csctp_ice_server s, before;
    memset(&s, 0x5a, sizeof s);
    before = s;
    int rv = csctp_ice_server_parse(&s, bad[i].url, "user", "secret", buf, sizeof buf);
    cr_expect_eq(rv, bad[i].err, "\"%s\": %d, expected %d", bad[i].url, rv, bad[i].err);
    cr_expect_eq(memcmp(&s, &before, sizeof s), 0, "\"%s\": out changed", bad[i].url);
  }
}

Test(ice_url, arguments_and_lengths) {
  char buf[CSCTP_ICE_HOST_MAX + 1];
  csctp_ice_server s;
  cr_assert_eq(csctp_ice_server_parse(NULL, "stun:a", NULL, NULL, buf, sizeof buf),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_ice_server_parse(&s, NULL, NULL, NULL, buf, sizeof buf),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_ice_server_parse(&s, "stun:a", NULL, NULL, NULL, 10),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_ice_server_parse(&s, "stun:a", NULL, NULL, buf, 0),
               CSCTP_ERR_INVALID_ARGUMENT);
  /* TURN needs both credentials; STUN ignores them. */
  cr_assert_eq(csctp_ice_server_parse(&s, "turn:a", NULL, "x", buf, sizeof buf),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_ice_server_parse(&s, "turns:a", "u", NULL, buf, sizeof buf),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_ice_server_parse(&s, "stun:a", NULL, NULL, buf, sizeof buf), 0);
  /* The host must fit the caller's buffer, NUL included. */
  cr_assert_eq(csctp_ice_server_parse(&s, "stun:abcd", NULL, NULL, buf, 4), CSCTP_ERR_NOBUF);
  cr_assert_eq(csctp_ice_server_parse(&s, "stun:abcd", NULL, NULL, buf, 5), 0);
  cr_assert_str_eq(s.address, "abcd");
  /* The longest name, and one more. */
  char url[CSCTP_ICE_HOST_MAX + 16];
  strcpy(url, "stun:");
  memset(url + 5, 'a', CSCTP_ICE_HOST_MAX);
  url[5 + CSCTP_ICE_HOST_MAX] = '\0';
  cr_assert_eq(csctp_ice_server_parse(&s, url, NULL, NULL, buf, sizeof buf), 0);
  cr_assert_eq(strlen(s.address), CSCTP_ICE_HOST_MAX);
  strcat(url, "a");
  cr_assert_eq(csctp_ice_server_parse(&s, url, NULL, NULL, buf, sizeof buf), CSCTP_ERR_MALFORMED);
  /* An over-long URL of any shape. */
  size_t big = 100000;
  char *huge = malloc(big + 1);
  cr_assert_not_null(huge);
  memcpy(huge, "turn:", 5);
  memset(huge + 5, 'x', big - 5);
  huge[big] = '\0';
  cr_assert_eq(csctp_ice_server_parse(&s, huge, "u", "p", buf, sizeof buf), CSCTP_ERR_MALFORMED);
  huge[5] = '[';
  cr_assert_eq(csctp_ice_server_parse(&s, huge, "u", "p", buf, sizeof buf), CSCTP_ERR_MALFORMED);
  free(huge);
}

/* A URL cut anywhere is refused or parsed, never read past its end (the copy is exact, so
 * AddressSanitizer sees any overread). */
Test(ice_url, every_prefix_of_a_url_is_safe) {
  static const char *const urls[] = {"turn:[2001:db8::7]:3478?transport=tcp",
                                     "stun:stun.example.org:19302"};
  for (size_t u = 0; u < 2; u++) {
    size_t n = strlen(urls[u]);
    for (size_t len = 0; len <= n; len++) {
      char *p = malloc(len + 1);
      cr_assert_not_null(p);
      memcpy(p, urls[u], len);
      p[len] = '\0';
      char buf[CSCTP_ICE_HOST_MAX + 1];
      csctp_ice_server s;
      int rv = csctp_ice_server_parse(&s, p, "u", "p", buf, sizeof buf);
      cr_expect(rv == 0 || rv == CSCTP_ERR_MALFORMED, "%s: %d", p, rv);
      free(p);
    }
  }
}

Test(ice_url, state_names_are_the_w3c_ones) {
  cr_assert_str_eq(csctp_ice_gathering_state_name(CSCTP_ICE_GATHERING_NEW), "new");
  cr_assert_str_eq(csctp_ice_gathering_state_name(CSCTP_ICE_GATHERING_GATHERING), "gathering");
  cr_assert_str_eq(csctp_ice_gathering_state_name(CSCTP_ICE_GATHERING_COMPLETE), "complete");
  cr_assert_str_eq(csctp_ice_gathering_state_name((csctp_ice_gathering_state)7), "unknown");
  cr_assert_str_eq(csctp_ice_state_name(CSCTP_ICE_STATE_NEW), "new");
  cr_assert_str_eq(csctp_ice_state_name(CSCTP_ICE_STATE_CHECKING), "checking");
  cr_assert_str_eq(csctp_ice_state_name(CSCTP_ICE_STATE_CONNECTED), "connected");
  cr_assert_str_eq(csctp_ice_state_name(CSCTP_ICE_STATE_FAILED), "failed");
}

/* ---- the agent: names resolved before gathering ---- */

static GMainContext *ctx;

typedef struct probe {
  int gathering_done, failed, n_cands;
  GString *log;
} probe;

static gboolean tick(gpointer data) {
  (void)data;
  return G_SOURCE_CONTINUE;
}

static void setup(void) {
  /* Bound the system resolver (glibc) where DNS is unreachable: one try of one second. */
  setenv("RES_OPTIONS", "timeout:1 attempts:1", 1);
  ctx = g_main_context_new();
  GSource *src = g_timeout_source_new(20);
  g_source_set_callback(src, tick, NULL, NULL);
  g_source_attach(src, ctx);
  g_source_unref(src);
}

static void teardown(void) {
  /* Let cancelled lookups report (they free themselves), then drop the context. */
  gint64 end = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < end && g_main_context_iteration(ctx, FALSE)) {}
  g_main_context_unref(ctx);
}

static void on_event(csctp_ice_agent *agent, const csctp_ice_event *ev, void *user) {
  (void)agent;
  probe *p = user;
  if (ev->type == CSCTP_ICE_EVENT_CANDIDATE) p->n_cands++;
  if (ev->type == CSCTP_ICE_EVENT_GATHERING_DONE) p->gathering_done = 1;
  if (ev->type == CSCTP_ICE_EVENT_STATE && ev->u.state == CSCTP_ICE_STATE_FAILED) p->failed = 1;
}

static void on_log(uint32_t category, csctp_log_level level, const char *msg, void *user) {
  (void)category;
  (void)level;
  probe *p = user;
  g_string_append(p->log, msg);
  g_string_append_c(p->log, '\n');
}

static const char *const loopback[] = {"127.0.0.1"};

static csctp_ice_agent *make_agent(probe *p, const csctp_ice_server *servers, size_t n) {
  memset(p, 0, sizeof *p);
  p->log = g_string_new(NULL);
  csctp_ice_config cfg;
  csctp_ice_config_default(&cfg);
  cfg.local_addresses = loopback;
  cfg.n_local_addresses = 1;
  cfg.servers = servers;
  cfg.n_servers = n;
  cfg.on_event = on_event;
  cfg.user_data = p;
  cfg.log = on_log;
  cfg.log_user_data = p;
  cfg.log_mask = CSCTP_LOG_ICE;
  csctp_ice_agent *a = NULL;
  cr_assert_eq(csctp_ice_agent_new(&a, ctx, &cfg), 0);
  return a;
}

/* A UDP socket on 127.0.0.1 standing in for a STUN server; returns its port. */
static int stun_socket(uint16_t *port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  cr_assert_geq(fd, 0);
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
  socklen_t len = sizeof sin;
  cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
  *port = ntohs(sin.sin_port);
  return fd;
}

/* Whether a STUN Binding request (type 0x0001, a length that matches) arrived. libnice
 * asks in RFC 3489's form (no magic cookie), which every server answers. */
static int got_binding_request(int fd) {
  uint8_t b[1500];
  ssize_t n = recv(fd, b, sizeof b, 0);
  return n >= 20 && b[0] == 0x00 && b[1] == 0x01 && 20 + (b[2] << 8 | b[3]) == n;
}

static gchar *nice_stun_server(csctp_ice_agent *a, guint *port) {
  gchar *ip = NULL;
  g_object_get(a->nice, "stun-server", &ip, "stun-server-port", port, NULL);
  return ip;
}

Test(ice_url, a_numeric_server_goes_to_libnice_at_creation, .init = setup, .fini = teardown) {
  csctp_ice_server s = {.type = CSCTP_ICE_SERVER_STUN, .address = "127.0.0.1", .port = 3999};
  probe p;
  csctp_ice_agent *a = make_agent(&p, &s, 1);
  guint port = 0;
  gchar *ip = nice_stun_server(a, &port);
  cr_assert_str_eq(ip, "127.0.0.1");
  cr_assert_eq(port, 3999);
  g_free(ip);
  csctp_ice_agent_del(a);
  g_string_free(p.log, TRUE);
}

/* "localhost" resolves on the agent's context; libnice gets 127.0.0.1 and sends its STUN
 * request there; gathering waits for the name, then completes. */
Test(ice_url, a_host_name_resolves_before_gathering, .init = setup, .fini = teardown) {
  uint16_t port;
  int fd = stun_socket(&port);
  char url[64];
  snprintf(url, sizeof url, "stun:localhost:%u", port);
  char host[CSCTP_ICE_HOST_MAX + 1];
  csctp_ice_server s;
  cr_assert_eq(csctp_ice_server_parse(&s, url, NULL, NULL, host, sizeof host), 0);
  probe p;
  csctp_ice_agent *a = make_agent(&p, &s, 1);
  memset(host, 0, sizeof host); /* the agent keeps its own copy */
  cr_assert_eq(csctp_ice_agent_gathering_state(a), CSCTP_ICE_GATHERING_NEW);
  cr_assert_eq(csctp_ice_agent_gather(a), 0);
  cr_assert_eq(csctp_ice_agent_gathering_state(a), CSCTP_ICE_GATHERING_GATHERING);
  int got = 0;
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!got && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(ctx, TRUE);
    got = got_binding_request(fd);
  }
  cr_assert(got, "no STUN request reached the server; log:\n%s", p.log->str);
  guint nport = 0;
  gchar *ip = nice_stun_server(a, &nport);
  cr_assert_str_eq(ip, "127.0.0.1");
  cr_assert_eq(nport, port);
  g_free(ip);
  cr_assert(strstr(p.log->str, "server localhost is 127.0.0.1"), "%s", p.log->str);
  /* No answer comes: libnice gives up on the server and completes with the host candidate. */
  while (!p.gathering_done && g_get_monotonic_time() < deadline + 10 * G_USEC_PER_SEC)
    g_main_context_iteration(ctx, TRUE);
  cr_assert(p.gathering_done);
  cr_assert_eq(csctp_ice_agent_gathering_state(a), CSCTP_ICE_GATHERING_COMPLETE);
  cr_assert_geq(p.n_cands, 1);
  cr_assert_not(p.failed);
  csctp_ice_agent_del(a);
  close(fd);
  g_string_free(p.log, TRUE);
}

/* A name that does not resolve is left out with a log line, within the bounded wait;
 * the next STUN server is used instead, and gathering completes with host candidates. */
Test(ice_url, an_unresolvable_name_fails_cleanly_and_in_time, .init = setup, .fini = teardown) {
  uint16_t port;
  int fd = stun_socket(&port);
  csctp_ice_server s[3] = {
      {.type = CSCTP_ICE_SERVER_STUN, .address = "nosuch.invalid", .port = 3478},
      {.type = CSCTP_ICE_SERVER_STUN, .address = "localhost", .port = port},
      {.type = CSCTP_ICE_SERVER_TURN_UDP,
       .address = "nosuch-turn.invalid",
       .username = "u",
       .password = "p"},
  };
  probe p;
  csctp_ice_agent *a = make_agent(&p, s, 3);
  gint64 start = g_get_monotonic_time();
  cr_assert_eq(csctp_ice_agent_gather(a), 0);
  cr_assert_lt(g_get_monotonic_time() - start, G_USEC_PER_SEC, "gather blocked");
  int got = 0;
  while (!(got && p.gathering_done) &&
         g_get_monotonic_time() - start < (CSCTP_ICE_RESOLVE_TIMEOUT_MS + 15000) * 1000) {
    g_main_context_iteration(ctx, TRUE);
    if (!got) got = got_binding_request(fd);
  }
  cr_assert(p.gathering_done, "log:\n%s", p.log->str);
  cr_assert(got, "the second STUN server was not used; log:\n%s", p.log->str);
  cr_assert_not(p.failed);
  cr_assert(strstr(p.log->str, "server nosuch.invalid left out"), "%s", p.log->str);
  cr_assert(strstr(p.log->str, "server nosuch-turn.invalid left out"), "%s", p.log->str);
  guint nport = 0;
  gchar *ip = nice_stun_server(a, &nport);
  cr_assert_str_eq(ip, "127.0.0.1");
  cr_assert_eq(nport, port);
  g_free(ip);
  csctp_ice_agent_del(a);
  close(fd);
  g_string_free(p.log, TRUE);
}

/* Deleting an agent while its names resolve: no event, no crash, the lookup ends alone. */
Test(ice_url, deleting_while_resolving_is_safe, .init = setup, .fini = teardown) {
  csctp_ice_server s = {.type = CSCTP_ICE_SERVER_STUN, .address = "nosuch.invalid"};
  probe p;
  csctp_ice_agent *a = make_agent(&p, &s, 1);
  cr_assert_eq(csctp_ice_agent_gather(a), 0);
  g_main_context_iteration(ctx, FALSE);
  csctp_ice_agent_del(a);
  gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < end) g_main_context_iteration(ctx, TRUE);
  cr_assert_not(p.gathering_done);
  cr_assert_eq(p.n_cands, 0);
  g_string_free(p.log, TRUE);
}

Test(ice_url, a_bad_server_address_is_refused, .init = setup, .fini = teardown) {
  static const char *const bad_hosts[] = {"", "bad host", "a..b", "[::1]", "x:1"};
  for (size_t i = 0; i < sizeof bad_hosts / sizeof bad_hosts[0]; i++) {
    csctp_ice_server s = {.type = CSCTP_ICE_SERVER_STUN, .address = bad_hosts[i]};
    csctp_ice_config cfg;
    csctp_ice_config_default(&cfg);
    cfg.servers = &s;
    cfg.n_servers = 1;
    cfg.on_event = on_event;
    csctp_ice_agent *a = NULL;
    cr_expect_eq(csctp_ice_agent_new(&a, ctx, &cfg), CSCTP_ERR_INVALID_ARGUMENT, "\"%s\"",
                 bad_hosts[i]);
    cr_expect_null(a);
  }
}

/* ---- a deferred gathering still connects ---- */

typedef struct end {
  csctp_ice_agent *agent;
  GPtrArray *cands;
  int done, connected;
} end;

static void on_end_event(csctp_ice_agent *agent, const csctp_ice_event *ev, void *user) {
  (void)agent;
  end *e = user;
  if (ev->type == CSCTP_ICE_EVENT_CANDIDATE)
    g_ptr_array_add(e->cands, g_strdup(ev->u.candidate.candidate));
  if (ev->type == CSCTP_ICE_EVENT_GATHERING_DONE) e->done = 1;
  if (ev->type == CSCTP_ICE_EVENT_STATE && ev->u.state == CSCTP_ICE_STATE_CONNECTED)
    e->connected = 1;
}

static void make_end(end *e, int controlling, const csctp_ice_server *servers, size_t n) {
  memset(e, 0, sizeof *e);
  e->cands = g_ptr_array_new_with_free_func(g_free);
  csctp_ice_config cfg;
  csctp_ice_config_default(&cfg);
  cfg.controlling = controlling;
  cfg.local_addresses = loopback;
  cfg.n_local_addresses = 1;
  cfg.servers = servers;
  cfg.n_servers = n;
  cfg.on_event = on_end_event;
  cfg.user_data = e;
  cr_assert_eq(csctp_ice_agent_new(&e->agent, ctx, &cfg), 0);
}

/* A's gathering waits for a name; the remote's credentials and candidates reach it before
 * A has any local candidate, and the pair still connects once A has gathered. */
Test(ice_url, remote_candidates_before_a_deferred_gathering, .init = setup, .fini = teardown) {
  csctp_ice_server s = {.type = CSCTP_ICE_SERVER_STUN, .address = "nosuch.invalid"};
  end a, b;
  make_end(&a, 1, &s, 1);
  make_end(&b, 0, NULL, 0);
  cr_assert_eq(csctp_ice_agent_gather(b.agent), 0);
  gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (!b.done && g_get_monotonic_time() < deadline) g_main_context_iteration(ctx, TRUE);
  cr_assert(b.done);
  cr_assert_eq(csctp_ice_agent_gather(a.agent), 0);
  cr_assert_eq(csctp_ice_agent_gathering_state(a.agent), CSCTP_ICE_GATHERING_GATHERING);
  cr_assert_eq(a.cands->len, 0, "A gathered before its server names resolved");
  cr_assert_eq(csctp_ice_agent_set_remote_credentials(a.agent, csctp_ice_agent_local_ufrag(b.agent),
                                                      csctp_ice_agent_local_pwd(b.agent)),
               0);
  for (guint i = 0; i < b.cands->len; i++)
    cr_assert_eq(csctp_ice_agent_add_remote_candidate(a.agent, b.cands->pdata[i]), 1);
  cr_assert_eq(csctp_ice_agent_end_of_remote_candidates(a.agent), 0);
  cr_assert_eq(csctp_ice_agent_set_remote_credentials(b.agent, csctp_ice_agent_local_ufrag(a.agent),
                                                      csctp_ice_agent_local_pwd(a.agent)),
               0);
  guint given = 0;
  deadline = g_get_monotonic_time() + (CSCTP_ICE_RESOLVE_TIMEOUT_MS + 10000) * 1000;
  while (!(a.connected && b.connected) && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(ctx, TRUE);
    for (; given < a.cands->len; given++)
      csctp_ice_agent_add_remote_candidate(b.agent, a.cands->pdata[given]);
  }
  cr_assert(a.connected && b.connected, "A %d, B %d", a.connected, b.connected);
  csctp_ice_agent_del(a.agent);
  csctp_ice_agent_del(b.agent);
  g_ptr_array_free(a.cands, TRUE);
  g_ptr_array_free(b.cands, TRUE);
}
