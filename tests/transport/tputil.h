/* SPDX-License-Identifier: MIT */
/* Helpers for the transport tests: bounded main-loop runs, child processes, namespaces. */
#ifndef CSCTP_TEST_TPUTIL_H
#define CSCTP_TEST_TPUTIL_H

#include <criterion/criterion.h>
#include <csctp/socket.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

/* Runs ctx until *flag becomes non-zero or `ms` pass. Returns *flag. */
int tp_run_until(GMainContext *ctx, const int *flag, unsigned ms);
/* Runs ctx for `ms` milliseconds. */
void tp_run_for(GMainContext *ctx, unsigned ms);

/* Starts argv (NULL-terminated) with stdout/stderr to files under `logdir`/name.{out,err}. */
pid_t tp_spawn(const char *logdir, const char *name, char *const argv[]);
/* Forks a child that runs C code of the test (e.g. a usrsctp peer) with stdout/stderr to
 * `logdir`/name.{out,err}: returns 0 in the child (which must _exit), the pid in the parent
 * (stopped by tp_stop_all like tp_spawn's children), -1 on failure. */
pid_t tp_fork(const char *logdir, const char *name);
/* Waits for pid up to `ms`; returns its exit status (0-255), 128+signal, or -1 on timeout
 * (the child is then killed with SIGKILL and reaped). */
int tp_wait(pid_t pid, unsigned ms);
/* Sends SIGTERM (then SIGKILL after 2 s) to a child we started, and reaps it. */
void tp_stop(pid_t pid);
/* Stops (SIGTERM, then SIGKILL) every child started by tp_spawn that still runs. */
void tp_stop_all(void);
/* Reads a whole (small) file into a new string ("" when missing). g_free it. */
char *tp_slurp(const char *path);
/* Reads logdir/name.ext. g_free it. */
char *tp_slurp_log(const char *logdir, const char *name, const char *ext);
/* Milliseconds until `needle` appears in logdir/name.ext after its first `from` bytes (polled
 * every 5 ms), or -1 when it has not after `ms`. */
double tp_wait_log(const char *logdir, const char *name, const char *ext, const char *needle,
                   size_t from, unsigned ms);
/* The size of logdir/name.ext now (0 when missing): `from` for tp_wait_log. */
size_t tp_log_size(const char *logdir, const char *name, const char *ext);
/* Prints the tail of a child's logs to stderr (for failures). */
void tp_dump_logs(const char *logdir, const char *name);

/* Is this root, and is `tool` on PATH? */
int tp_is_root(void);
int tp_have(const char *tool);
/* Runs a shell command; returns its exit status. */
int tp_sh(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* Two namespaces "<prefix>-a" (10.<net>.0.1) and "<prefix>-b" (10.<net>.0.2) joined by a veth. */
int tp_netns_pair(const char *prefix, int net);
void tp_netns_del(const char *prefix);
/* Two namespaces "<prefix>-a" and "<prefix>-b" joined by TWO veth pairs (multi-homing): link 1
 * "<prefix>-a1"/"<prefix>-b1" with 10.<net>.1.1 and 10.<net>.1.2 (/24), link 2 "<prefix>-a2"/
 * "<prefix>-b2" with 10.<net>.2.1 and 10.<net>.2.2, reverse path filtering off in both (a
 * multi-homed peer may answer from its other address). Removed by tp_netns_del(prefix). The
 * prefix must leave the interface names at most 15 characters. Returns 0 on success. */
int tp_netns_two_links(const char *prefix, int net);
/* Sets link `n` (1 or 2) of tp_netns_two_links down (up = 0) or up on side a; its veth peer in
 * b loses or regains its carrier. Returns the `ip` command's exit status (0 on success). */
int tp_netns_link_set(const char *prefix, int n, int up);
/* Adds `ms` of delay (netem) on both ends of both links of tp_netns_two_links. Returns 0, or
 * non-zero when the kernel has no netem qdisc (the links then stay undelayed). */
int tp_netns_two_links_delay(const char *prefix, unsigned ms);
/* Forks a child (tp_fork, logs `logdir`/name.*) that enters namespace `ns` and samples the
 * received bytes of its interfaces `dev1` and `dev2` (/proc/self/net/dev) every 2 ms until it
 * is stopped (tp_stop); it then prints "rx gap: N ms": the longest time between two samples
 * that each saw at least `min_bytes` more (data, not heartbeats or SACKs), after the first.
 * Returns the pid, or -1. */
pid_t tp_rx_gap_spawn(const char *logdir, const char *name, const char *ns, const char *dev1,
                      const char *dev2, unsigned min_bytes);
/* The "rx gap" a stopped tp_rx_gap_spawn child printed, in ms; -1 when missing. */
double tp_rx_gap_read(const char *logdir, const char *name);
/* One namespace test's names: a new log directory /tmp/csctp-<tag>-XXXXXX in dir, the
 * namespace prefix "<tag><pid % 100000>" (tag of 2 letters keeps "<prefix>-a1" at 10
 * characters) and its namespaces "<prefix>-a" / "-b". Returns 0, -1 when mkdtemp failed. */
int tp_netns_names(const char *tag, char dir[64], char prefix[16], char ns_a[20], char ns_b[20]);
/* Stops the children, deletes the namespaces of `prefix` and the log directory (dir[0] = 0). */
void tp_netns_cleanup(const char *prefix, char dir[64]);
/* Why the multi-homing netns tests cannot run here (not root, no `ip`, a csctp command
 * without --pf; `raw`: also the kernel's SCTP module loaded, which answers protocol 132
 * itself), or NULL when they can. */
const char *tp_multihome_unavailable(int raw);
/* Sleeps until tp_now_ms() reaches t_ms (at once when past). */
void tp_sleep_until(double t_ms);
/* Milliseconds of CLOCK_MONOTONIC (for the tests' own timings). */
double tp_now_ms(void);

/* A UDP port free on 127.0.0.1 right now (bound to port 0 and released), so that the same test
 * run twice at once (two build directories) does not collide; 0 on failure. */
uint16_t tp_free_udp_port(void);
/* Writes the decimal string of `port` into `out`. */
void tp_port_str(uint16_t port, char out[8]);

/* Path of the csctp command built with the tests. */
const char *tp_tool(void);
/* Does `csctp <cmd> --help` mention `option` (a feature the tests need)? */
int tp_tool_has(const char *cmd, const char *option);

#endif
