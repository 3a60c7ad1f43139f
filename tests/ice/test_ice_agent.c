/* SPDX-License-Identifier: MIT */
/*
 * Two ICE agents in one process, on one GMainContext, over 127.0.0.1.
 * Every wait is bounded by a wall-clock deadline.
 */
#include <criterion/criterion.h>
#include <csctp/ice.h>
#include <glib.h>
#include <string.h>

#define MAX_CANDS 32
#define N_DATAGRAMS 64

typedef struct side {
  csctp_ice_agent *agent;
  struct side *peer;
  int trickle_now;        /* hand each local candidate to the peer at once */
  int del_on_connected;   /* csctp_ice_agent_del() from inside the callback */
  char *cands[MAX_CANDS]; /* local candidates not yet handed over */
  size_t n_cands, n_local;
  int gathering_done;
  csctp_ice_state state;
  int n_state_events, n_failed_events, n_pair_events;
  int received[N_DATAGRAMS];
  size_t n_received, bad;
  int last_seq, out_of_order; /* arrival order (loopback keeps it) */
  int saw_loopback;
} side;

static GMainContext *ctx;
static side A, B;

static gboolean tick(gpointer data) {
  (void)data;
  return G_SOURCE_CONTINUE;
}

/* Iterates the context until *flag_a && *flag_b, or the deadline; returns the milliseconds
 * it took, or -1 on timeout. */
static long run_until(const int *flag_a, const int *flag_b, long timeout_ms) {
  gint64 start = g_get_monotonic_time();
  gint64 deadline = start + timeout_ms * 1000;
  while (!(*flag_a && *flag_b)) {
    if (g_get_monotonic_time() > deadline) return -1;
    g_main_context_iteration(ctx, TRUE);
  }
  return (long)((g_get_monotonic_time() - start) / 1000);
}

static void run_for(long ms) {
  int never = 0, always = 1;
  (void)always;
  run_until(&never, &never, ms);
}

static void fill(uint8_t *buf, size_t len, int seq) {
  for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)(seq * 31 + i);
}

static size_t size_of(int seq) { return 1 + (size_t)seq * 37 % 1200; }

static void on_event(csctp_ice_agent *agent, const csctp_ice_event *ev, void *user) {
  side *s = user;
  switch (ev->type) {
  case CSCTP_ICE_EVENT_CANDIDATE:
    cr_assert(strncmp(ev->u.candidate.sdp_line, "a=candidate:", 12) == 0);
    cr_assert_eq(ev->u.candidate.candidate, ev->u.candidate.sdp_line + 2);
    s->n_local++;
    if (strstr(ev->u.candidate.candidate, " 127.0.0.1 ")) s->saw_loopback = 1;
    if (s->trickle_now) {
      cr_assert_eq(csctp_ice_agent_add_remote_candidate(s->peer->agent, ev->u.candidate.candidate),
                   1);
    } else if (s->n_cands < MAX_CANDS) {
      s->cands[s->n_cands++] = g_strdup(ev->u.candidate.candidate);
    }
    break;
  case CSCTP_ICE_EVENT_GATHERING_DONE:
    s->gathering_done = 1;
    if (s->trickle_now) csctp_ice_agent_end_of_remote_candidates(s->peer->agent);
    break;
  case CSCTP_ICE_EVENT_STATE:
    s->state = ev->u.state;
    s->n_state_events++;
    if (ev->u.state == CSCTP_ICE_STATE_FAILED) s->n_failed_events++;
    cr_assert_eq(csctp_ice_agent_state(agent), ev->u.state);
    if (ev->u.state == CSCTP_ICE_STATE_CONNECTED && s->del_on_connected) {
      csctp_ice_agent_del(agent);
      s->agent = NULL;
    }
    break;
  case CSCTP_ICE_EVENT_SELECTED_PAIR:
    cr_assert(strncmp(ev->u.pair.local, "candidate:", 10) == 0);
    cr_assert(strncmp(ev->u.pair.remote, "candidate:", 10) == 0);
    s->n_pair_events++;
    break;
  case CSCTP_ICE_EVENT_DATAGRAM: {
    uint8_t want[1200];
    int seq = ev->u.datagram.len > 0 ? ev->u.datagram.data[0] : -1;
    /* byte 0 = seq (fill() gives seq*31 at 0, so tag it explicitly) */
    if (seq < 0 || seq >= N_DATAGRAMS || ev->u.datagram.len != size_of(seq)) {
      s->bad++;
      break;
    }
    fill(want, ev->u.datagram.len, seq);
    want[0] = (uint8_t)seq;
    if (memcmp(want, ev->u.datagram.data, ev->u.datagram.len) != 0) s->bad++;
    if (!s->received[seq]++) s->n_received++;
    if (s->n_received > 1 && seq <= s->last_seq) s->out_of_order++;
    s->last_seq = seq;
    break;
  }
  }
}

static const char *const loopback[] = {"127.0.0.1"};

static void make_agent(side *s, side *peer, int controlling, uint32_t timeout_ms) {
  memset(s, 0, sizeof *s);
  s->peer = peer;
  csctp_ice_config cfg;
  csctp_ice_config_default(&cfg);
  cfg.controlling = controlling;
  cfg.local_addresses = loopback;
  cfg.n_local_addresses = 1;
  cfg.connect_timeout_ms = timeout_ms;
  cfg.on_event = on_event;
  cfg.user_data = s;
  cr_assert_eq(csctp_ice_agent_new(&s->agent, ctx, &cfg), 0);
}

static void setup(void) {
  ctx = g_main_context_new();
  /* Wake the loop regularly so run_until() sees its deadline. */
  GSource *src = g_timeout_source_new(20);
  g_source_set_callback(src, tick, NULL, NULL);
  g_source_attach(src, ctx);
  g_source_unref(src);
}

static void free_side(side *s) {
  csctp_ice_agent_del(s->agent);
  s->agent = NULL;
  for (size_t i = 0; i < s->n_cands; i++) g_free(s->cands[i]);
  s->n_cands = 0;
}

static void teardown(void) {
  free_side(&A);
  free_side(&B);
  /* Let deferred frees and closed sources run, then drop the context. */
  for (int i = 0; i < 1000 && g_main_context_iteration(ctx, FALSE); i++) {}
  g_main_context_unref(ctx);
}

static void exchange_credentials(void) {
  cr_assert_eq(csctp_ice_agent_set_remote_credentials(A.agent, csctp_ice_agent_local_ufrag(B.agent),
                                                      csctp_ice_agent_local_pwd(B.agent)),
               0);
  cr_assert_eq(csctp_ice_agent_set_remote_credentials(B.agent, csctp_ice_agent_local_ufrag(A.agent),
                                                      csctp_ice_agent_local_pwd(A.agent)),
               0);
}

static void hand_over(side *from) {
  for (size_t i = 0; i < from->n_cands; i++) {
    cr_assert_eq(csctp_ice_agent_add_remote_candidate(from->peer->agent, from->cands[i]), 1);
    g_free(from->cands[i]);
  }
  from->n_cands = 0;
}

static void send_all(side *from) {
  uint8_t buf[1200];
  for (int seq = 0; seq < N_DATAGRAMS; seq++) {
    size_t len = size_of(seq);
    fill(buf, len, seq);
    buf[0] = (uint8_t)seq;
    cr_assert_eq(csctp_ice_agent_send(from->agent, buf, len), (csctp_ssize)len);
  }
}

static int connected(const side *s) { return s->state == CSCTP_ICE_STATE_CONNECTED; }

TestSuite(ice_agent, .init = setup, .fini = teardown, .timeout = 60);

Test(ice_agent, connect_and_exchange_datagrams_both_ways) {
  make_agent(&A, &B, 1, 10000);
  make_agent(&B, &A, 0, 10000);
  A.trickle_now = B.trickle_now = 1;
  cr_assert_eq(csctp_ice_agent_send(A.agent, (const uint8_t *)"x", 1), CSCTP_ERR_INVALID_STATE);
  exchange_credentials();
  cr_assert_eq(csctp_ice_agent_state(A.agent), CSCTP_ICE_STATE_CHECKING);
  cr_assert_eq(csctp_ice_agent_gather(A.agent), 0);
  cr_assert_eq(csctp_ice_agent_gather(B.agent), 0);
  cr_assert_eq(csctp_ice_agent_gather(A.agent), CSCTP_ERR_INVALID_STATE);
  int a_ok = 0, b_ok = 0;
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!(a_ok && b_ok) && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(ctx, TRUE);
    a_ok = connected(&A);
    b_ok = connected(&B);
  }
  cr_assert(a_ok && b_ok, "not connected in 10 s: A %s, B %s", csctp_ice_state_name(A.state),
            csctp_ice_state_name(B.state));
  cr_assert(A.gathering_done && B.gathering_done);
  cr_assert(A.saw_loopback && B.saw_loopback);
  cr_assert_geq(A.n_pair_events + B.n_pair_events, 1);

  send_all(&A);
  send_all(&B);
  int a_all = 0, b_all = 0;
  deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (!(a_all && b_all) && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(ctx, TRUE);
    a_all = A.n_received == N_DATAGRAMS;
    b_all = B.n_received == N_DATAGRAMS;
  }
  cr_assert_eq(B.n_received, N_DATAGRAMS, "B got %zu of %d", B.n_received, N_DATAGRAMS);
  cr_assert_eq(A.n_received, N_DATAGRAMS, "A got %zu of %d", A.n_received, N_DATAGRAMS);
  cr_assert_eq(A.bad + B.bad, 0);
  cr_assert_eq(A.n_failed_events + B.n_failed_events, 0);
}

/* Brings A and B to CONNECTED over loopback (trickled candidates), or fails the test. */
static void connect_pair(void) {
  make_agent(&A, &B, 1, 10000);
  make_agent(&B, &A, 0, 10000);
  A.trickle_now = B.trickle_now = 1;
  exchange_credentials();
  cr_assert_eq(csctp_ice_agent_gather(A.agent), 0);
  cr_assert_eq(csctp_ice_agent_gather(B.agent), 0);
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!(connected(&A) && connected(&B)) && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(ctx, TRUE);
  }
  cr_assert(connected(&A) && connected(&B), "not connected in 10 s");
}

Test(ice_agent, batches_arrive_whole_in_order_and_bad_batches_are_refused) {
  make_agent(&A, &B, 1, 10000);
  static uint8_t bufs[N_DATAGRAMS][1200];
  const uint8_t *d[N_DATAGRAMS];
  size_t len[N_DATAGRAMS];
  for (int seq = 0; seq < N_DATAGRAMS; seq++) {
    len[seq] = size_of(seq);
    fill(bufs[seq], len[seq], seq);
    bufs[seq][0] = (uint8_t)seq;
    d[seq] = bufs[seq];
  }
  /* Before the pair is selected. */
  cr_assert_eq(csctp_ice_agent_send_batch(A.agent, d, len, 2), CSCTP_ERR_INVALID_STATE);
  csctp_ice_agent_del(A.agent);
  A.agent = NULL;
  connect_pair();
  /* Refused whole, nothing sent: no datagram, too many, a NULL or an empty datagram. */
  cr_assert_eq(csctp_ice_agent_send_batch(A.agent, d, len, 0), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_ice_agent_send_batch(A.agent, d, len, 65), CSCTP_ERR_INVALID_ARGUMENT);
  const uint8_t *with_null[2] = {d[0], NULL};
  cr_assert_eq(csctp_ice_agent_send_batch(A.agent, with_null, len, 2), CSCTP_ERR_INVALID_ARGUMENT);
  size_t with_empty[2] = {len[0], 0};
  cr_assert_eq(csctp_ice_agent_send_batch(A.agent, d, with_empty, 2), CSCTP_ERR_INVALID_ARGUMENT);
  size_t too_long[2] = {len[0], 65536};
  cr_assert_eq(csctp_ice_agent_send_batch(A.agent, d, too_long, 2), CSCTP_ERR_INVALID_ARGUMENT);
  /* Batches of 1, 7, 20 and 36: every datagram arrives once, whole, in order. */
  static const size_t batches[] = {1, 7, 20, 36};
  size_t at = 0;
  for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++) {
    cr_assert_eq(csctp_ice_agent_send_batch(A.agent, d + at, len + at, batches[i]),
                 (csctp_ssize)batches[i]);
    at += batches[i];
  }
  cr_assert_eq(at, (size_t)N_DATAGRAMS);
  gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (B.n_received < N_DATAGRAMS && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(ctx, TRUE);
  }
  cr_assert_eq(B.n_received, N_DATAGRAMS, "B got %zu of %d", B.n_received, N_DATAGRAMS);
  cr_assert_eq(B.bad, 0);
  cr_assert_eq(B.out_of_order, 0);
  for (int seq = 0; seq < N_DATAGRAMS; seq++) cr_assert_eq(B.received[seq], 1, "seq %d", seq);
}

Test(ice_agent, trickle_with_late_candidates) {
  make_agent(&A, &B, 1, 10000);
  make_agent(&B, &A, 0, 10000);
  cr_assert_eq(csctp_ice_agent_gather(A.agent), 0);
  cr_assert_eq(csctp_ice_agent_gather(B.agent), 0);
  cr_assert_geq(run_until(&A.gathering_done, &B.gathering_done, 5000), 0);
  cr_assert_geq(A.n_cands, 1);
  cr_assert_geq(B.n_cands, 1);
  /* B learns A's candidates before A's credentials (they wait inside B). */
  hand_over(&A);
  exchange_credentials();
  run_for(500);
  /* A has no remote candidate yet; B's checks towards A get answered, so A may learn a
   * peer-reflexive pair; whatever happens, nothing has failed. */
  cr_assert_neq(A.state, CSCTP_ICE_STATE_FAILED);
  cr_assert_neq(B.state, CSCTP_ICE_STATE_FAILED);
  hand_over(&B);
  csctp_ice_agent_end_of_remote_candidates(A.agent);
  csctp_ice_agent_end_of_remote_candidates(B.agent);
  int a_ok = 0, b_ok = 0;
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!(a_ok && b_ok) && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(ctx, TRUE);
    a_ok = connected(&A);
    b_ok = connected(&B);
  }
  cr_assert(a_ok && b_ok, "not connected: A %s, B %s", csctp_ice_state_name(A.state),
            csctp_ice_state_name(B.state));
  send_all(&B);
  int all = 0, one = 1;
  deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (!all && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(ctx, TRUE);
    all = A.n_received == N_DATAGRAMS;
  }
  (void)one;
  cr_assert_eq(A.n_received, N_DATAGRAMS);
}

Test(ice_agent, wrong_password_fails_within_bound) {
  make_agent(&A, &B, 1, 0); /* libnice's own failure, no timeout of ours */
  make_agent(&B, &A, 0, 0);
  A.trickle_now = B.trickle_now = 1;
  cr_assert_eq(csctp_ice_agent_set_remote_credentials(A.agent, csctp_ice_agent_local_ufrag(B.agent),
                                                      "wrongwrongwrongwrongwrong"),
               0);
  cr_assert_eq(csctp_ice_agent_set_remote_credentials(B.agent, csctp_ice_agent_local_ufrag(A.agent),
                                                      "wrongwrongwrongwrongwrong"),
               0);
  cr_assert_eq(csctp_ice_agent_gather(A.agent), 0);
  cr_assert_eq(csctp_ice_agent_gather(B.agent), 0);
  int a_failed = 0, b_failed = 0;
  gint64 start = g_get_monotonic_time();
  gint64 deadline = start + 45 * G_USEC_PER_SEC;
  while (!(a_failed && b_failed) && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(ctx, TRUE);
    a_failed = A.state == CSCTP_ICE_STATE_FAILED;
    b_failed = B.state == CSCTP_ICE_STATE_FAILED;
    cr_assert(!connected(&A) && !connected(&B));
  }
  cr_assert(a_failed && b_failed, "A %s, B %s after 45 s", csctp_ice_state_name(A.state),
            csctp_ice_state_name(B.state));
  cr_log_info("wrong password: both failed after %ld ms",
              (long)((g_get_monotonic_time() - start) / 1000));
  cr_assert_eq(A.n_failed_events, 1);
  /* FAILED is terminal. */
  cr_assert_eq(
      csctp_ice_agent_add_remote_candidate(A.agent, "candidate:1 1 udp 1 127.0.0.1 9 typ host"),
      CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_ice_agent_send(A.agent, (const uint8_t *)"x", 1), CSCTP_ERR_INVALID_STATE);
}

Test(ice_agent, no_candidates_fails_at_connect_timeout) {
  make_agent(&A, &B, 1, 1500);
  make_agent(&B, &A, 0, 0);
  cr_assert_eq(csctp_ice_agent_gather(A.agent), 0);
  exchange_credentials();
  gint64 start = g_get_monotonic_time();
  int failed = 0, yes = 1;
  (void)yes;
  gint64 deadline = start + 5 * G_USEC_PER_SEC;
  while (!failed && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(ctx, TRUE);
    failed = A.state == CSCTP_ICE_STATE_FAILED;
  }
  long ms = (long)((g_get_monotonic_time() - start) / 1000);
  cr_assert(failed, "A is %s after 5 s", csctp_ice_state_name(A.state));
  cr_assert_geq(ms, 1400);
  cr_assert_leq(ms, 3000);
  cr_assert_eq(A.n_failed_events, 1);
  run_for(200);
  cr_assert_eq(A.n_failed_events, 1);
}

Test(ice_agent, delete_from_inside_the_callback) {
  make_agent(&A, &B, 1, 10000);
  make_agent(&B, &A, 0, 10000);
  A.trickle_now = B.trickle_now = 1;
  A.del_on_connected = 1;
  exchange_credentials();
  cr_assert_eq(csctp_ice_agent_gather(A.agent), 0);
  cr_assert_eq(csctp_ice_agent_gather(B.agent), 0);
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (A.agent && g_get_monotonic_time() < deadline) g_main_context_iteration(ctx, TRUE);
  cr_assert_null(A.agent, "A never connected");
  run_for(300); /* the deferred free runs; B keeps running alone */
}

Test(ice_agent, remote_candidate_filtering) {
  make_agent(&A, &B, 1, 0);
  csctp_ice_agent *a = A.agent;
  cr_assert_eq(csctp_ice_agent_add_remote_candidate(
                   a, "candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host"),
               1);
  cr_assert_eq(
      csctp_ice_agent_add_remote_candidate(a,
                                           "a=candidate:2 1 UDP 2122260223 127.0.0.1 5001 typ host "
                                           "generation 0 ufrag abcd network-id 1\r\n"),
      1);
  cr_assert_eq(csctp_ice_agent_add_remote_candidate(
                   a, "candidate:3 1 TCP 2105524479 127.0.0.1 9 typ host tcptype active"),
               0);
  cr_assert_eq(csctp_ice_agent_add_remote_candidate(
                   a, "candidate:4 2 udp 2122260222 127.0.0.1 5002 typ host"),
               0);
  cr_assert_eq(
      csctp_ice_agent_add_remote_candidate(
          a,
          "candidate:5 1 udp 2122260223 0f1e2d3c-aaaa-bbbb-cccc-1234567890ab.local 5003 typ host"),
      0);
  cr_assert_eq(
      csctp_ice_agent_add_remote_candidate(a, "candidate:6 1 udp 2122260223 ::1 5004 typ host"), 1);
  cr_assert_eq(
      csctp_ice_agent_add_remote_candidate(
          a, "candidate:7 1 udp 1686052607 198.51.100.7 6000 typ srflx raddr 0.0.0.0 rport 0"),
      1);
  cr_assert_eq(
      csctp_ice_agent_add_remote_candidate(
          a, "candidate:8 1 udp 41885439 203.0.113.9 7000 typ relay raddr 198.51.100.7 rport 6000"),
      1);
  const char *bad[] = {"",
                       "candidate:",
                       "foo:1 1 udp 1 127.0.0.1 9 typ host",
                       "candidate:1 1 udp 1 127.0.0.1 9 host",
                       "candidate:1 x udp 1 127.0.0.1 9 typ host",
                       "candidate:1 1 udp 1 127.0.0.1 99999999 typ host",
                       "candidate:1 1 udp 1 127.0.0.1",
                       "candidate:1 1 udp 1 999.0.0.1 9 typ host"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int rv = csctp_ice_agent_add_remote_candidate(a, bad[i]);
    /* a non-numeric address is ignored, not an error: 999.0.0.1 reads as a name */
    cr_assert(rv == CSCTP_ERR_INVALID_ARGUMENT || (i == 7 && rv == 0), "'%s' gave %d", bad[i], rv);
  }
  char longline[2048];
  memset(longline, '1', sizeof longline - 1);
  memcpy(longline, "candidate:", 10);
  longline[sizeof longline - 1] = '\0';
  cr_assert_eq(csctp_ice_agent_add_remote_candidate(a, longline), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_ice_agent_add_remote_candidate(a, NULL), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_ice_agent_end_of_remote_candidates(a), 0);
  cr_assert_eq(csctp_ice_agent_end_of_remote_candidates(a), 0);
}

Test(ice_agent, configuration_checks) {
  csctp_ice_config cfg;
  csctp_ice_agent *ag = (csctp_ice_agent *)&cfg;
  csctp_ice_config_default(&cfg);
  cr_assert_eq(cfg.connect_timeout_ms, 30000);
  cr_assert_eq(cfg.consent_freshness, 1);
  cr_assert_eq(csctp_ice_agent_new(&ag, ctx, &cfg), CSCTP_ERR_INVALID_ARGUMENT); /* no on_event */
  cr_assert_null(ag);
  cfg.on_event = on_event;
  cfg.user_data = &A;
  const char *const names[] = {"localhost"};
  cfg.local_addresses = names;
  cfg.n_local_addresses = 1;
  cr_assert_eq(csctp_ice_agent_new(&ag, ctx, &cfg), CSCTP_ERR_INVALID_ARGUMENT);
  cfg.n_local_addresses = 0;
  cfg.local_ufrag = "ab"; /* too short */
  cfg.local_pwd = "0123456789012345678901";
  cr_assert_eq(csctp_ice_agent_new(&ag, ctx, &cfg), CSCTP_ERR_INVALID_ARGUMENT);
  cfg.local_ufrag = "abc:"; /* not ice-char */
  cr_assert_eq(csctp_ice_agent_new(&ag, ctx, &cfg), CSCTP_ERR_INVALID_ARGUMENT);
  cfg.local_ufrag = "csctp";
  csctp_ice_server turn = {.type = CSCTP_ICE_SERVER_TURN_UDP, .address = "127.0.0.1"};
  cfg.servers = &turn;
  cfg.n_servers = 1;
  cr_assert_eq(csctp_ice_agent_new(&ag, ctx, &cfg), CSCTP_ERR_INVALID_ARGUMENT); /* no user */
  turn.username = "u";
  turn.password = "p";
  cfg.port_min = 40000;
  cfg.port_max = 30000;
  cr_assert_eq(csctp_ice_agent_new(&ag, ctx, &cfg), CSCTP_ERR_INVALID_ARGUMENT);
  cfg.port_max = 40100;
  cr_assert_eq(csctp_ice_agent_new(&ag, ctx, &cfg), 0);
  cr_assert_str_eq(csctp_ice_agent_local_ufrag(ag), "csctp");
  cr_assert_str_eq(csctp_ice_agent_local_pwd(ag), "0123456789012345678901");
  cr_assert_eq(csctp_ice_agent_set_controlling(ag, 1), 0);
  cr_assert_eq(csctp_ice_agent_set_remote_credentials(ag, "", "x"), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_ice_agent_set_remote_credentials(ag, "abcd", "0123456789012345678901"), 0);
  cr_assert_eq(csctp_ice_agent_set_remote_credentials(ag, "abcd", "0123456789012345678901"),
               CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_ice_agent_set_controlling(ag, 0), CSCTP_ERR_INVALID_STATE);
  csctp_ice_agent_del(ag);
  csctp_ice_agent_del(NULL);
}

Test(ice_agent, enumerated_interfaces_with_loopback) {
  csctp_ice_config cfg;
  csctp_ice_config_default(&cfg);
  cfg.include_loopback = 1;
  cfg.on_event = on_event;
  cfg.user_data = &A;
  memset(&A, 0, sizeof A);
  cr_assert_eq(csctp_ice_agent_new(&A.agent, ctx, &cfg), 0);
  cr_assert_eq(csctp_ice_agent_gather(A.agent), 0);
  int yes = 1;
  cr_assert_geq(run_until(&A.gathering_done, &yes, 5000), 0);
  cr_assert(A.saw_loopback, "no 127.0.0.1 candidate among %zu", A.n_local);
}

/* RFC 8445 §14.2: Ta from 5 ms; libnice's 20 ms until it is set. */
Test(ice_agent, pacing_range_and_read_back) {
  make_agent(&A, &B, 1, 10000);
  cr_assert_eq(csctp_ice_agent_get_pacing(A.agent), 20);
  cr_assert_eq(csctp_ice_agent_set_pacing(A.agent, 4), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_ice_agent_set_pacing(A.agent, 1001), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_ice_agent_get_pacing(A.agent), 20, "a refused value changes nothing");
  cr_assert_eq(csctp_ice_agent_set_pacing(A.agent, 5), 0);
  cr_assert_eq(csctp_ice_agent_get_pacing(A.agent), 5);
  cr_assert_eq(csctp_ice_agent_set_pacing(A.agent, 1000), 0);
  cr_assert_eq(csctp_ice_agent_get_pacing(A.agent), 1000);
  cr_assert_eq(csctp_ice_agent_set_pacing(NULL, 50), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_ice_agent_get_pacing(NULL), 0);
}
