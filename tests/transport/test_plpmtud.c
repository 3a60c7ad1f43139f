/* SPDX-License-Identifier: MIT */
/*
 * PLPMTUD (RFC 8899) between two network namespaces joined by a veth pair whose MTU the test
 * sets: `csctp echo` in one, `csctp send --verify` in the other, both with --plpmtud. Both must
 * report the largest SCTP packet the link carries: the veth's MTU less the IP header (20 or
 * 40 bytes) and, over UDP (RFC 6951), the UDP header (8), rounded down to 4 bytes. The
 * expected sizes are that arithmetic, not anything the code printed. Skipped when not root or
 * without `ip` (raw IP also when the kernel's SCTP module is loaded).
 */
#include <string.h>
#include <unistd.h>

#include "tputil.h"

#define NS "csctp-pmtu" /* interface names "csctp-pmtu-va": at most 15 characters */

static char dir[64];

static int skip_reason(int raw) {
  if (!tp_is_root()) {
    cr_skip_test("PLPMTUD tests need root (network namespaces)");
    return 1;
  }
  if (!tp_have("ip")) {
    cr_skip_test("PLPMTUD tests need iproute2 (`ip`)");
    return 1;
  }
  if (raw && access("/sys/module/sctp", F_OK) == 0) {
    cr_skip_test("the kernel SCTP module is loaded: it answers protocol 132 itself (see README)");
    return 1;
  }
  return 0;
}

static void setup(void) {
  snprintf(dir, sizeof(dir), "/tmp/csctp-plpmtud-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void) {
  tp_stop_all();
  tp_netns_del(NS);
  tp_sh("rm -rf %s", dir);
}

TestSuite(plpmtud_netns, .init = setup, .fini = teardown, .timeout = 240);

/* The expected PLPMTU: the link MTU less the headers, a multiple of 4, at most `max`. */
static unsigned expected(unsigned link_mtu, int v6, int udp, unsigned max) {
  unsigned e = (link_mtu - (v6 ? 40u : 20u) - (udp ? 8u : 0u)) & ~3u;
  return e < max ? e : max;
}

/* Both ends on a link of `link_mtu`; returns after checking what each reports. */
static void run(unsigned link_mtu, int v6, int udp, unsigned max, const char *tag) {
  cr_assert_eq(tp_netns_pair(NS, 78), 0, "could not create the namespaces");
  cr_assert_eq(
      tp_sh("ip -n " NS "-a link set " NS "-va mtu %u && ip -n " NS "-b link set " NS "-vb mtu %u",
            link_mtu, link_mtu),
      0, "could not set the veth MTU to %u", link_mtu);
  if (v6) usleep(300000);
  const char *ip_a = v6 ? "fd00:78::1" : "10.78.0.1";
  const char *ip_b = v6 ? "fd00:78::2" : "10.78.0.2";
  char local_a[64], local_b[64], peer[64], maxs[16];
  if (udp) {
    snprintf(local_a, sizeof local_a, v6 ? "[%s]:9899" : "%s:9899", ip_a);
    snprintf(local_b, sizeof local_b, v6 ? "[%s]:9899" : "%s:9899", ip_b);
    snprintf(peer, sizeof peer, "%s", local_a);
  } else {
    snprintf(local_a, sizeof local_a, "%s", ip_a);
    snprintf(local_b, sizeof local_b, "%s", ip_b);
    snprintf(peer, sizeof peer, "%s", ip_a);
  }
  snprintf(maxs, sizeof maxs, "%u", max);
  const char *mode = udp ? "--udp" : "--raw";
  char echo_name[64], send_name[64];
  snprintf(echo_name, sizeof echo_name, "echo-%s", tag);
  snprintf(send_name, sizeof send_name, "send-%s", tag);
  char *ea[] = {"ip",         "netns", "exec",      NS "-a", (char *)tp_tool(),       "echo",
                (char *)mode, local_a, "--plpmtud", maxs,    "--plpmtud-probe-timer", "1000",
                NULL};
  pid_t echo = tp_spawn(dir, echo_name, ea);
  usleep(300000);
  /* Some data, then connected long enough for both searches (a few sizes fail after 3 probes
   * of 1 s each, the rest take a round trip each: about 6 s; 15 s leaves room for a slow
   * machine). Light traffic: a full socket buffer must not pass for a black hole. */
  char *sa[] = {"ip",
                "netns",
                "exec",
                NS "-b",
                (char *)tp_tool(),
                "send",
                (char *)mode,
                local_b,
                "--peer",
                peer,
                "--size",
                "1000",
                "--count",
                "1000",
                "--verify",
                "--plpmtud",
                maxs,
                "--plpmtud-probe-timer",
                "1000",
                "--linger",
                "15",
                "--timeout",
                "60",
                NULL};
  pid_t sender = tp_spawn(dir, send_name, sa);
  int rc = tp_wait(sender, 70000);
  usleep(300000);
  tp_stop(echo);
  if (rc) {
    tp_dump_logs(dir, send_name);
    tp_dump_logs(dir, echo_name);
  }
  cr_assert_eq(rc, 0, "%s: csctp send failed", tag);
  unsigned want = expected(link_mtu, v6, udp, max);
  char line[64];
  snprintf(line, sizeof line, "path MTU %u bytes (PLPMTUD)", want);
  char *out = tp_slurp_log(dir, send_name, "out");
  cr_assert(strstr(out, "verified: 1000 echoes, all intact"), "%s: %s", tag, out);
  cr_assert(strstr(out, line), "%s: the sender did not find %u: %s", tag, want, out);
  g_free(out);
  char *err = tp_slurp_log(dir, echo_name, "err");
  cr_assert(strstr(err, line), "%s: the echo side did not find %u: %s", tag, want, err);
  g_free(err);
  cr_log_info("%s: link MTU %u -> PLPMTU %u on both sides", tag, link_mtu, want);
  tp_netns_del(NS);
}

Test(plpmtud_netns, udp_ipv4_links_of_several_mtus) {
  if (skip_reason(0)) return;
  run(1280, 0, 1, 9216, "udp4-1280");
  run(1500, 0, 1, 9216, "udp4-1500");
  run(9000, 0, 1, 9216, "udp4-9000");
}

Test(plpmtud_netns, udp_search_stops_at_the_configured_max) {
  if (skip_reason(0)) return;
  run(9000, 0, 1, 4000, "udp4-max4000");
}

Test(plpmtud_netns, udp_ipv6) {
  if (skip_reason(0)) return;
  run(1400, 1, 1, 9216, "udp6-1400");
}

Test(plpmtud_netns, raw_ipv4) {
  if (skip_reason(1)) return;
  run(1400, 0, 0, 9216, "raw4-1400");
}
