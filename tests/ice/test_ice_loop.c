/* SPDX-License-Identifier: MIT */
/*
 * Many ICE agents on one caller's context (ice/ice_loop.c): the caller's context
 * polls a constant number of descriptors however many agents it carries; sources
 * armed from outside any dispatch are served on time; agents that come and go
 * (descriptor numbers reused) leave the others working. Over 127.0.0.1; every
 * wait is bounded by a wall-clock deadline.
 */
#include <criterion/criterion.h>
#include <csctp/ice.h>
#include <glib-unix.h>
#include <glib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ice_loop.h"

#define MAX_PAIRS 40

typedef struct side {
  csctp_ice_agent *agent;
  struct side *peer;
  int connected, got;
} side;

typedef struct {
  side a, b;
} pair;

static GMainContext *ctx;
static pair pairs[MAX_PAIRS];

static void on_event(csctp_ice_agent *agent, const csctp_ice_event *ev, void *user) {
  side *s = user;
  (void)agent;
  switch (ev->type) {
  case CSCTP_ICE_EVENT_CANDIDATE:
    if (s->peer->agent)
      csctp_ice_agent_add_remote_candidate(s->peer->agent, ev->u.candidate.candidate);
    break;
  case CSCTP_ICE_EVENT_GATHERING_DONE:
    if (s->peer->agent) csctp_ice_agent_end_of_remote_candidates(s->peer->agent);
    break;
  case CSCTP_ICE_EVENT_STATE: s->connected = ev->u.state == CSCTP_ICE_STATE_CONNECTED; break;
  case CSCTP_ICE_EVENT_DATAGRAM:
    if (ev->u.datagram.len == 4 && memcmp(ev->u.datagram.data, "ping", 4) == 0) s->got++;
    break;
  default: break;
  }
}

static const char *const loopback[] = {"127.0.0.1"};

static void make_side(side *s, side *peer, int controlling) {
  memset(s, 0, sizeof *s);
  s->peer = peer;
  csctp_ice_config cfg;
  csctp_ice_config_default(&cfg);
  cfg.controlling = controlling;
  cfg.local_addresses = loopback;
  cfg.n_local_addresses = 1;
  cfg.connect_timeout_ms = 20000;
  /* No consent checks: once connected an agent's context has nothing due for 25 s
   * (keepalives), so a source served late would show. */
  cfg.consent_freshness = 0;
  cfg.on_event = on_event;
  cfg.user_data = s;
  cr_assert_eq(csctp_ice_agent_new(&s->agent, ctx, &cfg), 0);
}

/* Creates pair `i` and starts its checks (from outside any dispatch). */
static void make_pair(int i) {
  pair *p = &pairs[i];
  make_side(&p->a, &p->b, 1);
  make_side(&p->b, &p->a, 0);
  cr_assert_eq(
      csctp_ice_agent_set_remote_credentials(p->a.agent, csctp_ice_agent_local_ufrag(p->b.agent),
                                             csctp_ice_agent_local_pwd(p->b.agent)),
      0);
  cr_assert_eq(
      csctp_ice_agent_set_remote_credentials(p->b.agent, csctp_ice_agent_local_ufrag(p->a.agent),
                                             csctp_ice_agent_local_pwd(p->a.agent)),
      0);
  cr_assert_eq(csctp_ice_agent_gather(p->a.agent), 0);
  cr_assert_eq(csctp_ice_agent_gather(p->b.agent), 0);
}

static void del_pair(int i) {
  csctp_ice_agent_del(pairs[i].a.agent);
  csctp_ice_agent_del(pairs[i].b.agent);
  memset(&pairs[i], 0, sizeof pairs[i]);
}

static int live(int i) { return pairs[i].a.agent != NULL; }

/* Iterates until every live pair is connected (both sides), or `ms` pass; 1 when they are. */
static int run_until_connected(long ms) {
  gint64 deadline = g_get_monotonic_time() + ms * 1000;
  for (;;) {
    int all = 1;
    for (int i = 0; i < MAX_PAIRS; i++)
      if (live(i) && !(pairs[i].a.connected && pairs[i].b.connected)) all = 0;
    if (all) return 1;
    if (g_get_monotonic_time() > deadline) return 0;
    g_main_context_iteration(ctx, TRUE);
  }
}

static gboolean tick(gpointer data) {
  (void)data;
  return G_SOURCE_CONTINUE;
}

/* Iterates for `ms`, until the checks' last timers have run out. */
static void settle(long ms) {
  gint64 end = g_get_monotonic_time() + ms * 1000;
  while (g_get_monotonic_time() < end) {
    g_main_context_iteration(ctx, FALSE);
    g_usleep(1000);
  }
}

static gboolean count_once(gpointer data) {
  (*(int *)data)++;
  return G_SOURCE_REMOVE;
}

static void setup(void) {
  ctx = g_main_context_new();
  memset(pairs, 0, sizeof pairs);
}

static void teardown(void) {
  for (int i = 0; i < MAX_PAIRS; i++)
    if (live(i)) del_pair(i);
  for (int i = 0; i < 1000 && g_main_context_iteration(ctx, FALSE); i++) {}
  g_main_context_unref(ctx);
}

TestSuite(ice_loop, .init = setup, .fini = teardown, .timeout = 60);

/* Before the hub, each agent's socket was one more descriptor in every poll of `ctx`. */
Test(ice_loop, caller_context_polls_constant_descriptors_for_many_agents) {
  for (int i = 0; i < MAX_PAIRS; i++) make_pair(i);
  cr_assert(run_until_connected(20000), "80 agents not connected in 20 s");
  gint prio, timeout;
  GPollFD fds[256];
  cr_assert(g_main_context_acquire(ctx));
  g_main_context_prepare(ctx, &prio);
  gint n = g_main_context_query(ctx, G_MAXINT, &timeout, fds, G_N_ELEMENTS(fds));
  g_main_context_release(ctx);
  /* The context's wake-up and the hub's epoll set; nothing per agent. */
  cr_assert_leq(n, 2, "the caller's context polls %d descriptors for 80 agents", n);
}

/* A timer that the application (or libnice, from an API call) attaches to an agent's
 * context outside any dispatch must wake the hub: nothing else would run it. */
Test(ice_loop, timer_attached_outside_dispatch_fires_on_time) {
  make_pair(0);
  cr_assert(run_until_connected(10000));
  settle(400);
  int fired = 0;
  GSource *t = g_timeout_source_new(100);
  g_source_set_callback(t, count_once, &fired, NULL);
  g_source_attach(t, csctp_ice_agent_context(pairs[0].a.agent));
  gint64 start = g_get_monotonic_time();
  GSource *guard = g_timeout_source_new(3000); /* only so that the loop wakes at all */
  g_source_set_callback(guard, tick, NULL, NULL);
  g_source_attach(guard, ctx);
  while (!fired && g_get_monotonic_time() - start < 2900 * 1000)
    g_main_context_iteration(ctx, TRUE);
  gint64 took = g_get_monotonic_time() - start;
  g_source_destroy(t);
  g_source_unref(t);
  g_source_destroy(guard);
  g_source_unref(guard);
  cr_assert(fired, "a 100 ms timer on the agent's context did not fire");
  cr_assert_lt(took, 2000 * 1000, "a 100 ms timer fired after %lld ms", (long long)took / 1000);
  cr_assert_geq(took, 99 * 1000);
}

/* A source whose readiness changes outside dispatch, announced by a wake-up of the
 * agent's context (what csctp_peer does after an application call). */
static int custom_ready, custom_ran;

static gboolean custom_prepare(GSource *src, gint *timeout) {
  (void)src;
  *timeout = -1;
  return custom_ready;
}
static gboolean custom_check(GSource *src) {
  (void)src;
  return custom_ready;
}
static gboolean custom_dispatch(GSource *src, GSourceFunc cb, gpointer data) {
  (void)src;
  (void)cb;
  (void)data;
  custom_ready = 0;
  custom_ran++;
  return G_SOURCE_CONTINUE;
}
static GSourceFuncs custom_funcs = {custom_prepare, custom_check, custom_dispatch,
                                    NULL,           NULL,         NULL};

Test(ice_loop, wakeup_of_agent_context_reaches_its_sources) {
  make_pair(0);
  cr_assert(run_until_connected(10000));
  custom_ready = custom_ran = 0;
  GMainContext *own = csctp_ice_agent_context(pairs[0].b.agent);
  GSource *s = g_source_new(&custom_funcs, sizeof(GSource));
  g_source_attach(s, own);
  settle(400);
  int before = custom_ran;
  custom_ready = 1;
  g_main_context_wakeup(own);
  GSource *guard = g_timeout_source_new(3000);
  g_source_set_callback(guard, tick, NULL, NULL);
  g_source_attach(guard, ctx);
  gint64 start = g_get_monotonic_time();
  while (custom_ran == before && g_get_monotonic_time() - start < 2900 * 1000)
    g_main_context_iteration(ctx, TRUE);
  gint64 took = g_get_monotonic_time() - start;
  g_source_destroy(guard);
  g_source_unref(guard);
  g_source_destroy(s);
  g_source_unref(s);
  cr_assert_eq(custom_ran, before + 1, "the woken source did not run");
  cr_assert_lt(took, 2000 * 1000);
}

/* Agents deleted (sockets closed, descriptor numbers free for the next ones) between and
 * during others' set-ups, in a seeded order: every pair left and every new pair works. */
Test(ice_loop, agents_coming_and_going_leave_the_others_working) {
  GRand *rng = g_rand_new_with_seed(1414);
  for (int i = 0; i < 24; i++) make_pair(i);
  cr_assert(run_until_connected(20000));
  for (int round = 0; round < 3; round++) {
    for (int k = 0; k < 8; k++) {
      int i = g_rand_int_range(rng, 0, 24);
      if (live(i)) del_pair(i);
      if (k % 2) g_main_context_iteration(ctx, FALSE);
    }
    for (int i = 24; i < MAX_PAIRS; i++)
      if (live(i) && g_rand_boolean(rng)) del_pair(i);
    for (int i = 0; i < MAX_PAIRS; i++)
      if (!live(i) && g_rand_int_range(rng, 0, 3)) make_pair(i);
    cr_assert(run_until_connected(20000), "round %d: pairs not connected in 20 s", round);
  }
  for (int i = 0; i < MAX_PAIRS; i++) {
    if (!live(i)) continue;
    cr_assert_eq(csctp_ice_agent_send(pairs[i].a.agent, (const uint8_t *)"ping", 4), 4);
    cr_assert_eq(csctp_ice_agent_send(pairs[i].b.agent, (const uint8_t *)"ping", 4), 4);
  }
  gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  int missing = 1;
  while (missing && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(ctx, FALSE);
    missing = 0;
    for (int i = 0; i < MAX_PAIRS; i++)
      if (live(i) && (!pairs[i].a.got || !pairs[i].b.got)) missing++;
    if (missing) g_usleep(1000);
  }
  cr_assert_eq(missing, 0, "%d pairs did not receive their datagram", missing);
  g_rand_free(rng);
}

/* ---- descriptor numbers reused across groups (ice_loop.h directly) ---- */

static int fd_fired;

static gboolean on_fd(gint fd, GIOCondition cond, gpointer data) {
  (void)cond;
  (void)data;
  char c;
  if (read(fd, &c, 1) == 1) fd_fired++;
  return G_SOURCE_CONTINUE;
}

static GSource *watch(int fd, GMainContext *on) {
  GSource *s = g_unix_fd_source_new(fd, G_IO_IN);
  g_source_set_callback(s, (GSourceFunc)(void (*)(void))on_fd, NULL, NULL);
  g_source_attach(s, on);
  return s;
}

static void unwatch(GSource *s) {
  g_source_destroy(s);
  g_source_unref(s);
}

/* Lets the loop settle, writes a byte into `w` and iterates the caller's context until the watch on
 * the other end ran, or 2 s passed; 1 when it ran. */
static int poke_and_wait(int w) {
  /* First let every group run what woke it: from then on only the epoll set can tell
   * the hub that `w`'s other end is readable. */
  for (int i = 0; i < 20; i++) g_main_context_iteration(ctx, FALSE);
  int before = fd_fired;
  cr_assert_eq(write(w, "x", 1), 1);
  GSource *guard = g_timeout_source_new(50);
  g_source_set_callback(guard, tick, NULL, NULL);
  g_source_attach(guard, ctx);
  gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while (fd_fired == before && g_get_monotonic_time() < end) g_main_context_iteration(ctx, TRUE);
  unwatch(guard);
  return fd_fired > before;
}

static void sockpair(int sv[2]) { cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0); }

/* Group 1 watched descriptor X and closed it; group 2 got the number X for its own
 * socket. When group 1 next looks at its descriptors, X must stay in the epoll set. */
Test(ice_loop, a_number_reused_by_another_group_is_not_dropped) {
  ice_group *g1[ICE_GROUP_AGENTS];
  for (int i = 0; i < ICE_GROUP_AGENTS; i++) g1[i] = ice_group_join(ctx);
  ice_group *g2 = ice_group_join(ctx);
  cr_assert_neq(g2, g1[0], "a full group took a ninth agent");
  int a[2], b[2];
  sockpair(a);
  GSource *s1 = watch(a[0], ice_group_context(g1[0]));
  cr_assert(poke_and_wait(a[1]), "group 1's descriptor was not served");
  /* Group 1's agent goes, its socket with it, and group 2's new socket gets the number,
   * before group 1 runs again. */
  int x = a[0];
  close(a[0]);
  close(a[1]);
  ice_group_leave(g1[ICE_GROUP_AGENTS - 1]);
  g1[ICE_GROUP_AGENTS - 1] = ice_group_join(ctx); /* group 1 full again */
  sockpair(b);
  cr_assert_eq(b[0], x, "the test needs the number reused");
  GSource *s2 = watch(b[0], ice_group_context(g2));
  for (int i = 0; i < 20; i++) g_main_context_iteration(ctx, FALSE); /* group 2 registers X */
  unwatch(s1); /* group 1 runs and finds X gone from its own sources */
  cr_assert(poke_and_wait(b[1]), "group 2's socket was dropped from the epoll set by group 1");
  unwatch(s2);
  close(b[0]);
  close(b[1]);
  for (int i = 0; i < ICE_GROUP_AGENTS; i++) ice_group_leave(g1[i]);
  ice_group_leave(g2);
}

/* Within one group: an agent's socket closed, a new agent's socket got its number. The
 * kernel dropped the old one from the epoll set; the new one must be added. */
Test(ice_loop, a_number_reused_in_the_same_group_is_registered_again) {
  ice_group *g = ice_group_join(ctx), *other = ice_group_join(ctx);
  cr_assert_eq(g, other);
  int a[2], b[2];
  sockpair(a);
  GSource *s1 = watch(a[0], ice_group_context(g));
  cr_assert(poke_and_wait(a[1]));
  /* All before the loop runs again, so the group sees X in its sources before and after. */
  int x = a[0];
  close(a[0]);
  close(a[1]);
  ice_group_leave(other); /* the agent that owned the socket */
  other = ice_group_join(ctx);
  sockpair(b);
  cr_assert_eq(b[0], x, "the test needs the number reused");
  unwatch(s1);
  GSource *s2 = watch(b[0], ice_group_context(g));
  cr_assert(poke_and_wait(b[1]), "the reused number was not registered again");
  unwatch(s2);
  close(b[0]);
  close(b[1]);
  ice_group_leave(g);
  ice_group_leave(other);
}
