/* SPDX-License-Identifier: MIT */
/*
 * PLPMTUD over DTLS (csctp_peer_config.plpmtud_max): two csctp peers in two network
 * namespaces, ICE host candidates on veth addresses, joined through a router namespace
 * whose two links have an MTU the test sets (a's and b's own links are jumbo, so
 * that no datagram is refused locally: the router's link is the path's limit, and a
 * datagram over it is dropped there, as on a real path). One process: each peer is
 * created, and gathers its sockets, inside its namespace (setns), then both run on one
 * GMainContext.
 *
 * The PMTU expected is arithmetic, not anything the code printed: the link's MTU less
 * the IPv4 (20) and UDP (8) headers and the DTLS record's 37 bytes (AES-GCM, which two
 * csctp peers negotiate), rounded down to 4 bytes (the engine's probe sizes). Skipped
 * when not root or without `ip`.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <criterion/criterion.h>
#include <fcntl.h>
#include <glib.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csctp/peer.h>

#define NS "cplm" /* interfaces "cplm-a0" ...: at most 15 characters */
#define MSG (64u << 10)

typedef struct side {
  csctp_peer *peer;
  int gathered;
  csctp_peer_state state;
  int opened;
  csctp_dc_channel ch;
  uint64_t received; /* binary bytes, each checked against the pattern */
  int corrupt;
  char *sdp;
} side;

static GMainContext *ctx;
static int ns_self = -1;

static int sh(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static int sh(const char *fmt, ...) {
  char cmd[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  return system(cmd) == 0 ? 0 : -1;
}

static void netns_del(void) {
  sh("ip netns del " NS "-a 2>/dev/null; ip netns del " NS
     "-r 2>/dev/null; "
     "ip netns del " NS "-b 2>/dev/null; true");
}

/* a (10.79.1.1) -- r -- b (10.79.2.1); a's and b's interfaces 9000 bytes, r's `link_mtu`
 * both ways (each direction meets it on r's way out: a veth takes frames up to 4 bytes over
 * its MTU in). */
static int netns_make(unsigned link_mtu) {
  netns_del();
  return sh("set -e; exec >/dev/null 2>&1; for n in a r b; do ip netns add " NS
            "-$n; "
            "ip -n " NS
            "-$n link set lo up; done; "
            "ip link add " NS "-a0 netns " NS "-a type veth peer name " NS "-ra netns " NS
            "-r; "
            "ip link add " NS "-b0 netns " NS "-b type veth peer name " NS "-rb netns " NS
            "-r; "
            "ip -n " NS "-a addr add 10.79.1.1/24 dev " NS
            "-a0; "
            "ip -n " NS "-r addr add 10.79.1.2/24 dev " NS
            "-ra; "
            "ip -n " NS "-r addr add 10.79.2.2/24 dev " NS
            "-rb; "
            "ip -n " NS "-b addr add 10.79.2.1/24 dev " NS
            "-b0; "
            "for i in a:a0 r:ra r:rb b:b0; do ip -n " NS "-${i%%:*} link set " NS
            "-${i#*:} mtu 9000 up; done; "
            "ip -n " NS
            "-a route add default via 10.79.1.2; "
            "ip -n " NS
            "-b route add default via 10.79.2.2; "
            "ip netns exec " NS
            "-r sysctl -qw net.ipv4.ip_forward=1; "
            "ip -n " NS "-r link set " NS "-ra mtu %1$u; ip -n " NS "-r link set " NS
            "-rb mtu %1$u",
            link_mtu);
}

static int set_link_mtu(unsigned mtu) {
  return sh("ip -n " NS "-r link set " NS "-ra mtu %1$u && ip -n " NS "-r link set " NS
            "-rb mtu %1$u",
            mtu);
}

static void enter(const char *ns) {
  char path[64];
  snprintf(path, sizeof path, "/run/netns/%s", ns);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  cr_assert_geq(fd, 0, "open %s", path);
  cr_assert_eq(setns(fd, CLONE_NEWNET), 0, "setns %s", ns);
  close(fd);
}

static uint8_t pattern(uint64_t i) { return (uint8_t)(i * 131 + (i >> 13)); }

static void on_event(csctp_peer *peer, const csctp_peer_event *ev, void *user_data) {
  side *s = user_data;
  (void)peer;
  switch (ev->type) {
  case CSCTP_PEER_EVENT_CANDIDATE:
    if (!*ev->u.candidate) s->gathered = 1;
    break;
  case CSCTP_PEER_EVENT_STATE: s->state = ev->u.state.state; break;
  case CSCTP_PEER_EVENT_CHANNEL: {
    const csctp_dc_event *c = ev->u.channel;
    if (c->type == CSCTP_DC_EVENT_OPEN) {
      s->opened++;
      s->ch = c->channel;
    } else if (c->type == CSCTP_DC_EVENT_MESSAGE && !c->u.message.is_text) {
      for (size_t i = 0; i < c->u.message.len; i++)
        if (c->u.message.data[i] != pattern(s->received + i)) s->corrupt = 1;
      s->received += c->u.message.len;
    }
    break;
  }
  }
}

static int run_until(int *flag, unsigned ms) {
  gint64 until = g_get_monotonic_time() + (gint64)ms * 1000;
  while (!*flag && g_get_monotonic_time() < until) g_main_context_iteration(ctx, TRUE);
  return *flag;
}

static void run_for(unsigned ms) {
  gint64 until = g_get_monotonic_time() + (gint64)ms * 1000;
  while (g_get_monotonic_time() < until)
    if (!g_main_context_iteration(ctx, FALSE)) g_usleep(1000);
}

/* A peer in namespace `ns` on `ip`, gathered there; PLPMTUD up to `max` (0 off). */
static void side_new(side *s, const char *ns, const char *ip, int offerer, uint32_t max) {
  memset(s, 0, sizeof *s);
  enter(ns);
  const char *addr[] = {ip};
  csctp_peer_config cfg;
  csctp_peer_config_default(&cfg);
  cfg.on_event = on_event;
  cfg.user_data = s;
  cfg.local_addresses = addr;
  cfg.n_local_addresses = 1;
  cfg.offerer = offerer;
  cfg.plpmtud_max = max;
  cfg.plpmtud_probe_timer_ms = 1000;
  cr_assert_eq(csctp_peer_new(&s->peer, ctx, &cfg), 0);
  cr_assert(run_until(&s->gathered, 5000), "no candidates in %s", ns);
  cr_assert_eq(setns(ns_self, CLONE_NEWNET), 0);
}

/* The sctp-transport's "mtu" in the peer's stats report. */
static unsigned stats_mtu(const side *s) {
  static char buf[64 << 10];
  csctp_ssize n = csctp_peer_stats_report(s->peer, buf, sizeof buf);
  cr_assert_gt(n, 0);
  const char *t = strstr(buf, "\"sctp-transport\"");
  cr_assert(t, "no sctp-transport in %s", buf);
  const char *m = strstr(t, "\"mtu\":");
  cr_assert(m);
  return (unsigned)strtoul(m + 6, NULL, 10);
}

static uint32_t largest_out(const side *s) {
  csctp_dtls_stats st;
  cr_assert_eq(csctp_peer_get_dtls_stats(s->peer, &st), 0);
  return st.largest_datagram_out;
}

/* a offers a channel, b answers; both connected with the channel open. */
static void connect_pair(side *a, side *b) {
  csctp_dc_init init = {.label = "bulk"};
  cr_assert_eq(csctp_peer_create_channel(a->peer, &init, &a->ch), 0);
  static char sdp[CSCTP_SDP_TEXT_MAX];
  csctp_sdp_error e;
  csctp_ssize n = csctp_peer_create_offer(a->peer, sdp, sizeof sdp);
  cr_assert_gt(n, 0);
  cr_assert_eq(csctp_peer_set_remote_description(b->peer, CSCTP_PEER_SDP_OFFER, sdp, (size_t)n, &e),
               0, "%s", e.message);
  n = csctp_peer_create_answer(b->peer, sdp, sizeof sdp);
  cr_assert_gt(n, 0);
  cr_assert_eq(
      csctp_peer_set_remote_description(a->peer, CSCTP_PEER_SDP_ANSWER, sdp, (size_t)n, &e), 0,
      "%s", e.message);
  gint64 until = g_get_monotonic_time() + 15 * G_USEC_PER_SEC;
  while (!(a->opened && b->opened) && g_get_monotonic_time() < until)
    g_main_context_iteration(ctx, TRUE);
  cr_assert(a->opened && b->opened, "the channel did not open (states %d %d)", a->state, b->state);
}

/* Iterates until `s`'s PMTU is `want` (or `ms` passed); returns the last seen. */
static unsigned wait_mtu(const side *s, unsigned want, unsigned ms) {
  gint64 until = g_get_monotonic_time() + (gint64)ms * 1000;
  unsigned m = stats_mtu(s);
  while (m != want && g_get_monotonic_time() < until) {
    g_main_context_iteration(ctx, TRUE);
    m = stats_mtu(s);
  }
  return m;
}

/* Sends `total` bytes a -> b in messages of MSG (each larger than any PMTU), keeping at
 * most 1 MiB buffered; calls `mid` once half is received. Returns once b has it all. */
static void transfer(side *a, side *b, uint64_t total, void (*mid)(void), unsigned ms) {
  static uint8_t msg[MSG];
  uint64_t sent = 0;
  int mid_done = mid == NULL;
  gint64 until = g_get_monotonic_time() + (gint64)ms * 1000;
  while (b->received < total && g_get_monotonic_time() < until) {
    while (sent < total && csctp_peer_buffered_amount(a->peer, a->ch) < (1u << 20)) {
      size_t n = total - sent < MSG ? (size_t)(total - sent) : MSG;
      for (size_t i = 0; i < n; i++) msg[i] = pattern(sent + i);
      int rv = csctp_peer_send(a->peer, a->ch, 0, msg, n);
      if (rv == CSCTP_ERR_WOULD_BLOCK) break;
      cr_assert_eq(rv, 0, "send: %s", csctp_strerror(rv));
      sent += n;
    }
    if (!mid_done && b->received >= total / 2) {
      mid();
      mid_done = 1;
    }
    g_main_context_iteration(ctx, TRUE);
  }
  cr_assert_eq(b->received, total, "received %llu of %llu bytes", (unsigned long long)b->received,
               (unsigned long long)total);
  cr_assert_not(b->corrupt, "a message arrived altered");
}

/* The SCTP PMTU a link of `mtu` carries over IPv4, UDP and an AES-GCM DTLS record. */
static unsigned expected(unsigned mtu) { return (mtu - 20 - 8 - 37) & ~3u; }

static int skip(void) {
  if (geteuid() != 0) {
    cr_skip_test("PLPMTUD over DTLS needs root (network namespaces)");
    return 1;
  }
  if (system("ip -V >/dev/null 2>&1") != 0) {
    cr_skip_test("PLPMTUD over DTLS needs iproute2 (`ip`)");
    return 1;
  }
  return 0;
}

static side a, b;

static void setup(void) {
  ctx = g_main_context_new();
  ns_self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}

static void teardown(void) {
  if (a.peer) csctp_peer_del(a.peer);
  if (b.peer) csctp_peer_del(b.peer);
  a.peer = b.peer = NULL;
  while (g_main_context_iteration(ctx, FALSE)) {}
  g_main_context_unref(ctx);
  if (ns_self >= 0) {
    (void)setns(ns_self, CLONE_NEWNET);
    close(ns_self);
  }
  if (geteuid() == 0) netns_del();
}

TestSuite(peer_plpmtud, .init = setup, .fini = teardown, .timeout = 150);

/* Both peers probe; each finds what the link carries, and large messages cross. */
static void found_on_link(unsigned link_mtu) {
  if (skip()) return;
  cr_assert_eq(netns_make(link_mtu), 0, "could not make the namespaces");
  side_new(&a, NS "-a", "10.79.1.1", 1, 2000);
  side_new(&b, NS "-b", "10.79.2.1", 0, 2000);
  connect_pair(&a, &b);
  unsigned want = expected(link_mtu);
  unsigned got = wait_mtu(&a, want, 40000);
  cr_assert_eq(got, want, "a: link %u: %u, not %u", link_mtu, got, want);
  got = wait_mtu(&b, want, 20000);
  cr_assert_eq(got, want, "b: link %u: %u, not %u", link_mtu, got, want);
  transfer(&a, &b, 4u << 20, NULL, 30000);
  cr_assert_eq(stats_mtu(&a), want, "the size held through a transfer");
  uint32_t big = largest_out(&a);
  cr_assert(big >= want + 37 && big <= 2000, "a's largest datagram: %u", (unsigned)big);
}

Test(peer_plpmtud, finds_a_1500_link) { found_on_link(1500); }
Test(peer_plpmtud, finds_a_1280_link) { found_on_link(1280); }

static void lower_to_1280(void) { cr_assert_eq(set_link_mtu(1280), 0); }

/* The link shrinks under a transfer: the black hole is detected, the size falls back to the
 * base (1160), the transfer completes, and discovery then finds the smaller link. */
Test(peer_plpmtud, black_hole_mid_transfer) {
  if (skip()) return;
  cr_assert_eq(netns_make(1500), 0, "could not make the namespaces");
  side_new(&a, NS "-a", "10.79.1.1", 1, 2000);
  side_new(&b, NS "-b", "10.79.2.1", 0, 2000);
  connect_pair(&a, &b);
  cr_assert_eq(wait_mtu(&a, expected(1500), 40000), expected(1500));
  transfer(&a, &b, 16u << 20, lower_to_1280, 60000);
  cr_assert_leq(stats_mtu(&a), expected(1280), "a still sends packets the link drops");
  cr_assert_eq(wait_mtu(&a, expected(1280), 40000), expected(1280), "rediscovery");
}

/* A peer without the option answers the other's probes (it takes records larger than its own
 * datagrams) and itself keeps to 1200-byte datagrams. */
Test(peer_plpmtud, one_side_only) {
  if (skip()) return;
  cr_assert_eq(netns_make(1500), 0, "could not make the namespaces");
  side_new(&a, NS "-a", "10.79.1.1", 1, 2000);
  side_new(&b, NS "-b", "10.79.2.1", 0, 0);
  connect_pair(&a, &b);
  cr_assert_eq(wait_mtu(&a, expected(1500), 40000), expected(1500));
  transfer(&a, &b, 2u << 20, NULL, 30000);
  cr_assert_eq(stats_mtu(&b), 1163, "the option off: SCTP packets of 1163");
  cr_assert_leq(largest_out(&b), 1200, "the option off: datagrams of at most 1200");
}

/* Off on both sides: the same link, nothing bigger than 1200 bytes leaves either. */
Test(peer_plpmtud, off_keeps_1200) {
  if (skip()) return;
  cr_assert_eq(netns_make(1500), 0, "could not make the namespaces");
  side_new(&a, NS "-a", "10.79.1.1", 1, 0);
  side_new(&b, NS "-b", "10.79.2.1", 0, 0);
  connect_pair(&a, &b);
  transfer(&a, &b, 2u << 20, NULL, 30000);
  run_for(200);
  cr_assert_eq(stats_mtu(&a), 1163);
  uint32_t big = largest_out(&a);
  cr_assert(big > 1150 && big <= 1200, "full packets in datagrams of at most 1200, not %u",
            (unsigned)big);
  cr_assert_leq(largest_out(&b), 1200);
}
