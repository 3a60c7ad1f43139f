/* SPDX-License-Identifier: MIT */
/*
 * Multi-homing in the socket API over UDP on loopback (no root: 127.0.0.1-2 for the server,
 * 127.0.0.3-4 for the client, one process, one GMainContext): the server lists both its
 * addresses and the client connects to both, so each side ends with two confirmed paths; the
 * path events; the primary moved with csctp_socket_set_primary, after which the new path
 * carries the data both ways (the replies come back to an address the client serves, which
 * fails if the link lets the kernel pick a source the client does not listen on); every
 * address of each side answered; and the options refused (mixed IP versions over
 * raw IP, too many addresses, not an address); the asconf option negotiating AUTH and ASCONF.
 * The link-cut failover runs between network namespaces (test_multihome.c).
 */
#include <string.h>

#include "tputil.h"

typedef struct side {
  csctp_socket *s;
  int connected, closed;
  uint64_t msgs, bad;
  int confirmed, added; /* path events */
  char last_confirmed[64];
} side;

static GMainContext *ctx;
static side srv_side, cli_side;

static void sd_connect(csctp_socket *s, void *ud) {
  (void)s;
  ((side *)ud)->connected = 1;
}
static void sd_data(csctp_socket *s, const csctp_message *m, void *ud) {
  side *p = ud;
  p->msgs++;
  for (size_t j = 0; j < m->len; j++)
    if (m->data[j] != (uint8_t)(j * 7u + 1u)) {
      p->bad++;
      break;
    }
  if (p == &srv_side) { /* the server echoes */
    csctp_write_opts o = {m->stream, m->ppid, m->unordered};
    cr_assert_geq(csctp_socket_write(s, m->data, m->len, &o), 0);
  }
}
static void sd_close(csctp_socket *s, int had_error, void *ud) {
  (void)s;
  (void)had_error;
  ((side *)ud)->closed = 1;
}
static const csctp_socket_events events = {
    .connect = sd_connect, .data = sd_data, .close = sd_close};

static void on_path(csctp_socket *s, unsigned path, const char *address, int state, int reason,
                    void *ud) {
  (void)path;
  /* A server socket's changes may come before the connection callback (user_data NULL). */
  side *p = ud ? ud : s == cli_side.s ? &cli_side : &srv_side;
  if (reason == CSCTP_PATH_ADDED) p->added++;
  if (reason == CSCTP_PATH_CONFIRMED && state == CSCTP_PATH_ACTIVE) {
    p->confirmed++;
    g_strlcpy(p->last_confirmed, address, sizeof p->last_confirmed);
  }
}

static void on_connection(csctp_server *srv, csctp_socket *s, void *ud) {
  (void)srv;
  (void)ud;
  srv_side.s = s;
  srv_side.connected = 1;
  csctp_socket_set_events(s, &events, &srv_side);
}

static void send_some(csctp_socket *s, int n) {
  uint8_t b[600];
  for (size_t j = 0; j < sizeof b; j++) b[j] = (uint8_t)(j * 7u + 1u);
  for (int i = 0; i < n; i++) cr_assert_geq(csctp_socket_write(s, b, sizeof b, NULL), 0);
}

/* Path `i` of s, with its address. */
static csctp_path_info path_of(csctp_socket *s, unsigned i, char addr[64]) {
  csctp_path_info pi;
  cr_assert_eq(csctp_socket_get_path(s, i, &pi, addr, 64), 0);
  return pi;
}

/* Runs until both paths of both sides are active (heartbeats confirm the listed ones). */
static int both_confirmed(void) {
  for (int k = 0; k < 400; k++) {
    tp_run_for(ctx, 10);
    if (!cli_side.s || !srv_side.s) continue;
    if (csctp_socket_path_count(cli_side.s) < 2 || csctp_socket_path_count(srv_side.s) < 2)
      continue;
    int ok = 1;
    char a[64];
    for (unsigned i = 0; i < 2; i++) {
      ok &= path_of(cli_side.s, i, a).state == CSCTP_PATH_ACTIVE;
      ok &= path_of(srv_side.s, i, a).state == CSCTP_PATH_ACTIVE;
    }
    if (ok) return 1;
  }
  return 0;
}

Test(socket_paths, two_addresses_each_side_primary_moved_replies_reach_our_addresses) {
  ctx = g_main_context_new();
  memset(&srv_side, 0, sizeof srv_side);
  memset(&cli_side, 0, sizeof cli_side);
  /* hb_interval 200 ms: the listed addresses are confirmed within the test's time. */
  csctp_defaults_t d = {0}, old;
  csctp_defaults(NULL, &old);
  d.hb_interval = 200;
  d.rto_initial = 200;
  d.rto_min = 100;
  csctp_defaults(&d, NULL);
  uint16_t sport = tp_free_udp_port(), cport = tp_free_udp_port();
  cr_assert(sport && cport && sport != cport);

  csctp_server *srv;
  csctp_server_events sev = {.connection = on_connection};
  cr_assert_eq(csctp_server_new(ctx, &sev, NULL, &srv), 0);
  csctp_server_on_path(srv, on_path);
  const char *srv_ips[] = {"127.0.0.1", "127.0.0.2"};
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.udp_transport = 1;
  o.udp_local_port = sport;
  o.local_addresses = srv_ips;
  o.n_local_addresses = 2;
  char *err = NULL;
  cr_assert_eq(csctp_server_listen(srv, &o, &err), 0, "%s", err ? err : "");

  const char *cli_ips[] = {"127.0.0.3", "127.0.0.4"};
  csctp_connect_opts c;
  csctp_connect_opts_init(&c);
  c.udp_transport = 1;
  c.udp_local_port = cport;
  c.udp_peer_port = sport;
  c.local_addresses = cli_ips;
  c.n_local_addresses = 2;
  c.hosts = srv_ips;
  c.n_hosts = 2;
  cr_assert_eq(csctp_socket_connect(ctx, &c, &events, &cli_side, &cli_side.s, &err), 0, "%s",
               err ? err : "");
  csctp_socket_on_path(cli_side.s, on_path);
  cr_assert(tp_run_until(ctx, &cli_side.connected, 3000), "not connected");
  cr_assert(tp_run_until(ctx, &srv_side.connected, 3000));
  send_some(cli_side.s, 20);
  cr_assert(both_confirmed(), "both paths of both sides were not confirmed");

  /* The client's paths are the server's two addresses (given, confirmed from the start); the
   * server learned the client's second address from the INIT and confirmed it. */
  char a0[64], a1[64];
  csctp_path_info p0 = path_of(cli_side.s, 0, a0), p1 = path_of(cli_side.s, 1, a1);
  char want0[32], want1[32];
  g_snprintf(want0, sizeof want0, "127.0.0.1:%u", sport);
  g_snprintf(want1, sizeof want1, "127.0.0.2:%u", sport);
  cr_assert_str_eq(a0, want0);
  cr_assert_str_eq(a1, want1);
  cr_assert(p0.primary && !p1.primary);
  /* Our addresses (localAddresses): the client's two, with its UDP port. */
  cr_assert_eq(csctp_socket_local_address_count(cli_side.s), 2);
  char l1[64], want_l1[32];
  cr_assert_eq(csctp_socket_get_local_address(cli_side.s, 1, l1, sizeof l1), 0);
  g_snprintf(want_l1, sizeof want_l1, "127.0.0.4:%u", cport);
  cr_assert_str_eq(l1, want_l1);
  cr_assert_eq(csctp_socket_get_local_address(cli_side.s, 2, l1, sizeof l1),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_geq(srv_side.added, 1, "the server's path to the client's second address");
  cr_assert_geq(srv_side.confirmed, 1);
  char want4[32];
  g_snprintf(want4, sizeof want4, "127.0.0.4:%u", cport);
  cr_assert_str_eq(srv_side.last_confirmed, want4, "confirmed %s", srv_side.last_confirmed);

  /* The primary moves to 127.0.0.2: new data and its echoes go over path 1 both ways. */
  uint64_t out1 = p1.packets_out, in1 = p1.packets_in;
  cr_assert_eq(csctp_socket_set_primary(cli_side.s, "127.0.0.2"), 0);
  uint64_t before = srv_side.msgs;
  send_some(cli_side.s, 200);
  for (int k = 0; k < 300 && cli_side.msgs < 220; k++) tp_run_for(ctx, 10);
  cr_assert_eq(srv_side.msgs - before, 200, "the server got %lu", srv_side.msgs - before);
  cr_assert_eq(cli_side.msgs, 220, "all echoes back");
  cr_assert_eq(cli_side.bad + srv_side.bad, 0);
  p1 = path_of(cli_side.s, 1, a1);
  cr_assert(p1.primary && p1.data_path);
  cr_assert_gt(p1.packets_out - out1, 50, "the data went to the new primary");
  cr_assert_gt(p1.packets_in - in1, 50, "its SACKs and echoes came back from there");
  cr_assert_eq(csctp_socket_set_primary(cli_side.s, "127.0.0.9"), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_socket_set_primary(cli_side.s, "not-an-ip"), CSCTP_ERR_INVALID_ARGUMENT);

  csctp_socket_end(cli_side.s);
  cr_assert(tp_run_until(ctx, &cli_side.closed, 3000));
  csctp_server_del(srv);
  csctp_defaults(&old, NULL);
  g_main_context_unref(ctx);
}

/* One refused option: the call fails with INVALID_ARGUMENT and a message naming `word`. */
static void refused(const csctp_connect_opts *o, const char *word) {
  csctp_socket *s = NULL;
  char *err = NULL;
  int rv = csctp_socket_connect(ctx, o, &events, &cli_side, &s, &err);
  cr_assert_eq(rv, CSCTP_ERR_INVALID_ARGUMENT, "%s: %d", word, rv);
  cr_assert_null(s);
  cr_assert(err && strstr(err, word), "message '%s' does not name %s", err ? err : "", word);
  g_free(err);
}

Test(socket_paths, options_refused_with_a_message) {
  ctx = g_main_context_new();
  const char *two[] = {"127.0.0.3", "127.0.0.4"};
  const char *mixed[] = {"127.0.0.3", "::1"};
  const char *bad[] = {"127.0.0.3", "127.0.0.300"};
  const char *nine[] = {"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5",
                        "127.0.0.6", "127.0.0.7", "127.0.0.8", "127.0.0.9"};
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.udp_transport = 1;
  o.udp_local_port = 0;
  o.host = "127.0.0.1";
  o.local_addresses = two;
  o.n_local_addresses = 2;
  o.local_addresses = mixed;
  o.udp_transport = 0; /* refused before a raw socket is opened: no root needed */
  refused(&o, "need UDP");
  o.udp_transport = 1;
  o.local_addresses = bad;
  refused(&o, "127.0.0.300");
  o.local_addresses = nine;
  o.n_local_addresses = 9;
  refused(&o, "addresses");
  o.local_addresses = two;
  o.n_local_addresses = 2;
  o.hosts = mixed;
  o.n_hosts = 2;
  o.udp_transport = 0;
  refused(&o, "need UDP");
  g_main_context_unref(ctx);
}

/* A server on 127.0.0.1-2 and a client on 127.0.0.3-4 with csctp_connect_opts.asconf
 * `srv_asconf` / `cli_asconf`, connected and a few messages echoed; the stats of both ends in
 * *srv_st, *cli_st. */
static void asconf_pair(int srv_asconf, int cli_asconf, csctp_stats *srv_st, csctp_stats *cli_st,
                        int add) {
  ctx = g_main_context_new();
  memset(&srv_side, 0, sizeof srv_side);
  memset(&cli_side, 0, sizeof cli_side);
  uint16_t sport = tp_free_udp_port(), cport = tp_free_udp_port();
  cr_assert(sport && cport && sport != cport);
  csctp_server *srv;
  csctp_server_events sev = {.connection = on_connection};
  cr_assert_eq(csctp_server_new(ctx, &sev, NULL, &srv), 0);
  const char *srv_ips[] = {"127.0.0.1", "127.0.0.2"}, *cli_ips[] = {"127.0.0.3", "127.0.0.4"};
  csctp_connect_opts o, c;
  csctp_connect_opts_init(&o);
  o.udp_transport = 1;
  o.udp_local_port = sport;
  o.local_addresses = srv_ips;
  o.n_local_addresses = 2;
  o.asconf = srv_asconf;
  char *err = NULL;
  cr_assert_eq(csctp_server_listen(srv, &o, &err), 0, "%s", err ? err : "");
  csctp_connect_opts_init(&c);
  c.udp_transport = 1;
  c.udp_local_port = cport;
  c.udp_peer_port = sport;
  c.local_addresses = cli_ips;
  c.n_local_addresses = add ? 1 : 2; /* add: 127.0.0.4 comes by ASCONF */
  c.hosts = srv_ips;
  c.n_hosts = 2;
  c.asconf = cli_asconf;
  cr_assert_eq(csctp_socket_connect(ctx, &c, &events, &cli_side, &cli_side.s, &err), 0, "%s",
               err ? err : "");
  cr_assert(tp_run_until(ctx, &cli_side.connected, 3000), "not connected");
  cr_assert(tp_run_until(ctx, &srv_side.connected, 3000));
  send_some(cli_side.s, 5);
  for (int k = 0; k < 300 && cli_side.msgs < 5; k++) tp_run_for(ctx, 10);
  cr_assert_eq(cli_side.msgs, 5, "the echoes did not all come back");
  if (add) {
    csctp_socket_on_path(srv_side.s, on_path);
    cr_assert_eq(csctp_socket_add_local_address(cli_side.s, "127.0.0.3"),
                 CSCTP_ERR_INVALID_ARGUMENT, "served already");
    cr_assert_eq(csctp_socket_add_local_address(cli_side.s, "::1"), CSCTP_ERR_INVALID_ARGUMENT);
    cr_assert_eq(csctp_socket_add_local_address(cli_side.s, "127.0.0.4"), 0);
    char want[32];
    g_snprintf(want, sizeof want, "127.0.0.4:%u", cport);
    for (int k = 0; k < 300 && strcmp(srv_side.last_confirmed, want) != 0; k++) tp_run_for(ctx, 10);
    cr_assert_str_eq(srv_side.last_confirmed, want, "the server did not confirm our new address");
    cr_assert_eq(srv_side.added, 1, "one path added on the server");
    cr_assert_eq(csctp_socket_del_local_address(cli_side.s, "127.0.0.9"),
                 CSCTP_ERR_INVALID_ARGUMENT, "not one of ours");
    cr_assert_eq(csctp_socket_del_local_address(cli_side.s, "127.0.0.4"), 0);
    csctp_stats before;
    cr_assert_eq(csctp_socket_get_stats(srv_side.s, &before), 0);
    for (int k = 0; k < 300; k++) {
      csctp_stats now_st;
      tp_run_for(ctx, 10);
      cr_assert_eq(csctp_socket_get_stats(srv_side.s, &now_st), 0);
      if (now_st.asconf_addrs_deleted) break;
    }
    csctp_stats after;
    cr_assert_eq(csctp_socket_get_stats(srv_side.s, &after), 0);
    cr_assert_eq(after.asconf_addrs_deleted, 1, "the server did not delete our address");
  }
  if (!cli_asconf) {
    cr_assert_eq(csctp_socket_add_local_address(cli_side.s, "127.0.0.5"), CSCTP_ERR_INVALID_STATE,
                 "no ASCONF: refused");
    cr_assert_neq(csctp_socket_del_local_address(cli_side.s, "127.0.0.3"), 0, "no ASCONF: refused");
  }
  cr_assert_eq(csctp_socket_get_stats(srv_side.s, srv_st), 0);
  cr_assert_eq(csctp_socket_get_stats(cli_side.s, cli_st), 0);
  csctp_socket_end(cli_side.s);
  cr_assert(tp_run_until(ctx, &cli_side.closed, 3000));
  csctp_server_del(srv);
  g_main_context_unref(ctx);
}

/* csctp_connect_opts.asconf turns on AUTH and ASCONF (RFC 5061 §4.1.1): both ends with it
 * negotiate both; one end without it leaves ASCONF off on both (the other still has AUTH). */
Test(socket_paths, asconf_option_negotiates_asconf_with_auth) {
  csctp_stats s, c;
  asconf_pair(1, 1, &s, &c, 0);
  cr_assert(s.asconf && c.asconf, "ASCONF in use: server %u, client %u", s.asconf, c.asconf);
  cr_assert(s.auth && c.auth, "AUTH in use: server %u, client %u", s.auth, c.auth);
  asconf_pair(1, 0, &s, &c, 0);
  cr_assert(!s.asconf && !c.asconf, "the client did not ask for ASCONF");
  cr_assert(!s.auth && !c.auth, "nor for AUTH, which needs both");
}

/* csctp_socket_add_local_address: the client, on 127.0.0.3 alone, adds 127.0.0.4 by ASCONF; the
 * server adds the path, verifies it with a HEARTBEAT (which reaches us only because the socket
 * serves the new address at once) and confirms it; csctp_socket_del_local_address deletes it
 * again. Without ASCONF both calls are refused. */
Test(socket_paths, add_local_address_by_asconf_the_peer_confirms_it) {
  csctp_stats s, c;
  asconf_pair(1, 1, &s, &c, 1);
  cr_assert_eq(s.asconf_addrs_added, 1, "the server took one Add IP");
  cr_assert_eq(s.asconf_addrs_deleted, 1, "and the Delete IP after it");
  cr_assert_eq(c.asconf_acks_in, 2, "the client got both ASCONF-ACKs");
}
