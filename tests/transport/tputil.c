/* SPDX-License-Identifier: MIT */
/* Helpers for the transport tests (see tputil.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* setns */
#endif
#include "tputil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static gboolean tp_timeout_cb(gpointer ud) {
  *(int *)ud = 1;
  return G_SOURCE_REMOVE;
}

int tp_run_until(GMainContext *ctx, const int *flag, unsigned ms) {
  int expired = 0;
  GSource *t = g_timeout_source_new(ms);
  g_source_set_callback(t, tp_timeout_cb, &expired, NULL);
  g_source_attach(t, ctx);
  while (!*flag && !expired) g_main_context_iteration(ctx, TRUE);
  g_source_destroy(t);
  g_source_unref(t);
  return *flag;
}

void tp_run_for(GMainContext *ctx, unsigned ms) {
  int never = 0;
  tp_run_until(ctx, &never, ms);
}

/* Children started by tp_spawn, so that a failed assertion leaves none behind. */
static pid_t spawned[64];
static int nspawned;

void tp_stop_all(void) {
  for (int i = 0; i < nspawned; i++)
    if (spawned[i] > 0 && waitpid(spawned[i], NULL, WNOHANG) == 0) tp_stop(spawned[i]);
  nspawned = 0;
}

pid_t tp_fork(const char *logdir, const char *name) {
  char out[512], err[512];
  snprintf(out, sizeof(out), "%s/%s.out", logdir, name);
  snprintf(err, sizeof(err), "%s/%s.err", logdir, name);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fo >= 0) dup2(fo, 1);
    if (fe >= 0) dup2(fe, 2);
    setvbuf(stdout, NULL, _IOLBF, 0);
    return 0;
  }
  if (pid > 0 && nspawned < (int)(sizeof(spawned) / sizeof(spawned[0]))) spawned[nspawned++] = pid;
  return pid;
}

pid_t tp_spawn(const char *logdir, const char *name, char *const argv[]) {
  pid_t pid = tp_fork(logdir, name);
  if (pid == 0) {
    execvp(argv[0], argv);
    _exit(127);
  }
  return pid;
}

int tp_wait(pid_t pid, unsigned ms) {
  for (unsigned waited = 0;; waited += 10) {
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (r < 0) return -1;
    if (waited >= ms) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      return -1;
    }
    usleep(10000);
  }
}

void tp_stop(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  if (tp_wait(pid, 2000) < 0) { /* tp_wait killed and reaped it */
  }
}

char *tp_slurp(const char *path) {
  char *s = NULL;
  if (!g_file_get_contents(path, &s, NULL, NULL)) return g_strdup("");
  return s;
}

char *tp_slurp_log(const char *logdir, const char *name, const char *ext) {
  char p[512];
  snprintf(p, sizeof(p), "%s/%s.%s", logdir, name, ext);
  return tp_slurp(p);
}

size_t tp_log_size(const char *logdir, const char *name, const char *ext) {
  char *s = tp_slurp_log(logdir, name, ext);
  size_t n = strlen(s);
  g_free(s);
  return n;
}

double tp_wait_log(const char *logdir, const char *name, const char *ext, const char *needle,
                   size_t from, unsigned ms) {
  double t0 = tp_now_ms();
  for (;;) {
    char *s = tp_slurp_log(logdir, name, ext);
    int found = strlen(s) >= from && strstr(s + from, needle) != NULL;
    g_free(s);
    if (found) return tp_now_ms() - t0;
    if (tp_now_ms() - t0 > ms) return -1;
    usleep(5000);
  }
}

void tp_dump_logs(const char *logdir, const char *name) {
  const char *ext[] = {"out", "err"};
  for (int i = 0; i < 2; i++) {
    char p[512];
    snprintf(p, sizeof(p), "%s/%s.%s", logdir, name, ext[i]);
    char *s = tp_slurp(p);
    size_t n = strlen(s);
    fprintf(stderr, "---- %s.%s (last 3000 bytes)\n%s\n", name, ext[i],
            n > 3000 ? s + n - 3000 : s);
    g_free(s);
  }
}

int tp_is_root(void) { return geteuid() == 0; }

int tp_have(const char *tool) {
  char *p = g_find_program_in_path(tool);
  int ok = p != NULL;
  g_free(p);
  return ok;
}

int tp_sh(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *cmd = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  int st = system(cmd);
  g_free(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void tp_netns_del(const char *prefix) {
  tp_sh("ip netns del %s-a 2>/dev/null; ip netns del %s-b 2>/dev/null; true", prefix, prefix);
}

int tp_netns_pair(const char *prefix, int net) {
  tp_netns_del(prefix);
  return tp_sh(
      "set -e; ip netns add %1$s-a; ip netns add %1$s-b; "
      "ip link add %1$s-va netns %1$s-a type veth peer name %1$s-vb netns %1$s-b; "
      "ip -n %1$s-a addr add 10.%2$d.0.1/24 dev %1$s-va; "
      "ip -n %1$s-b addr add 10.%2$d.0.2/24 dev %1$s-vb; "
      "ip -n %1$s-a addr add fd00:%2$d::1/64 dev %1$s-va nodad; "
      "ip -n %1$s-b addr add fd00:%2$d::2/64 dev %1$s-vb nodad; "
      "ip -n %1$s-a link set %1$s-va up; ip -n %1$s-b link set %1$s-vb up; "
      "ip -n %1$s-a link set lo up; ip -n %1$s-b link set lo up",
      prefix, net);
}

int tp_netns_two_links(const char *prefix, int net) {
  tp_netns_del(prefix);
  /* rp_filter off before the links exist, so that they inherit it ("default"). */
  int rc = tp_sh(
      "set -e; for s in a b; do ip netns add %1$s-$s; "
      "ip netns exec %1$s-$s sysctl -qw net.ipv4.conf.all.rp_filter=0 "
      "net.ipv4.conf.default.rp_filter=0; ip -n %1$s-$s link set lo up; done",
      prefix);
  for (int n = 1; n <= 2 && rc == 0; n++)
    rc = tp_sh(
        "set -e; ip link add %1$s-a%3$d netns %1$s-a type veth peer name %1$s-b%3$d netns "
        "%1$s-b; ip -n %1$s-a addr add 10.%2$d.%3$d.1/24 dev %1$s-a%3$d; "
        "ip -n %1$s-b addr add 10.%2$d.%3$d.2/24 dev %1$s-b%3$d; "
        "ip -n %1$s-a link set %1$s-a%3$d up; ip -n %1$s-b link set %1$s-b%3$d up",
        prefix, net, n);
  return rc;
}

int tp_netns_link_set(const char *prefix, int n, int up) {
  return tp_sh("ip -n %1$s-a link set %1$s-a%2$d %3$s", prefix, n, up ? "up" : "down");
}

int tp_netns_two_links_delay(const char *prefix, unsigned ms) {
  int rc = 0;
  for (int n = 1; n <= 2; n++)
    rc |= tp_sh(
        "tc -n %1$s-a qdisc add dev %1$s-a%2$d root netem delay %3$ums 2>/dev/null && "
        "tc -n %1$s-b qdisc add dev %1$s-b%2$d root netem delay %3$ums",
        prefix, n, ms);
  return rc;
}

int tp_netns_names(const char *tag, char dir[64], char prefix[16], char ns_a[20], char ns_b[20]) {
  snprintf(dir, 64, "/tmp/csctp-%s-XXXXXX", tag);
  snprintf(prefix, 16, "%.2s%d", tag, (int)(getpid() % 100000));
  snprintf(ns_a, 20, "%s-a", prefix);
  snprintf(ns_b, 20, "%s-b", prefix);
  return mkdtemp(dir) ? 0 : -1;
}

void tp_netns_cleanup(const char *prefix, char dir[64]) {
  tp_stop_all();
  tp_netns_del(prefix);
  if (dir[0]) tp_sh("rm -rf %s", dir);
  dir[0] = 0;
}

const char *tp_multihome_unavailable(int raw) {
  if (!tp_is_root()) return "they need root (network namespaces)";
  if (!tp_have("ip")) return "they need iproute2 (`ip`)";
  if (!tp_tool_has("send", "--pf")) return "this csctp command has no multi-homing options (--pf)";
  if (raw && access("/sys/module/sctp", F_OK) == 0)
    return "the kernel SCTP module is loaded: it answers protocol 132 itself (see README)";
  return NULL;
}

void tp_sleep_until(double t_ms) {
  double now = tp_now_ms();
  if (t_ms > now) usleep((useconds_t)((t_ms - now) * 1000));
}

double tp_now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static volatile sig_atomic_t rx_gap_stop;
static void rx_gap_on_term(int sig) {
  (void)sig;
  rx_gap_stop = 1;
}

/* Received bytes of dev1 + dev2 in /proc/self/net/dev (this process's namespace). */
static uint64_t rx_bytes(const char *dev1, const char *dev2) {
  FILE *f = fopen("/proc/self/net/dev", "r");
  if (!f) return 0;
  char line[512];
  uint64_t sum = 0;
  while (fgets(line, sizeof line, f)) {
    char *c = strchr(line, ':');
    if (!c) continue;
    *c = 0;
    const char *name = line + strspn(line, " ");
    if (strcmp(name, dev1) == 0 || strcmp(name, dev2) == 0) sum += strtoull(c + 1, NULL, 10);
  }
  fclose(f);
  return sum;
}

pid_t tp_rx_gap_spawn(const char *logdir, const char *name, const char *ns, const char *dev1,
                      const char *dev2, unsigned min_bytes) {
  pid_t pid = tp_fork(logdir, name);
  if (pid != 0) return pid;
  signal(SIGTERM, rx_gap_on_term);
  char p[128];
  snprintf(p, sizeof p, "/var/run/netns/%s", ns);
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
    fprintf(stderr, "rx gap: cannot enter %s: %s\n", ns, strerror(errno));
    _exit(2);
  }
  close(fd);
  uint64_t last = rx_bytes(dev1, dev2);
  double first = -1, prev = -1, gap = 0;
  while (!rx_gap_stop) {
    usleep(2000);
    uint64_t b = rx_bytes(dev1, dev2);
    double t = tp_now_ms();
    if (b - last >= min_bytes) {
      if (first < 0) first = t;
      if (prev >= 0 && t - prev > gap) gap = t - prev;
      prev = t;
    }
    last = b;
  }
  printf("rx gap: %.0f ms (data seen for %.0f ms)\n", gap, prev - first);
  _exit(0);
}

double tp_rx_gap_read(const char *logdir, const char *name) {
  char *s = tp_slurp_log(logdir, name, "out");
  double v = -1;
  const char *p = strstr(s, "rx gap: ");
  if (p) v = strtod(p + 8, NULL);
  g_free(s);
  return v;
}

uint16_t tp_free_udp_port(void) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return 0;
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t l = sizeof(a);
  uint16_t port = 0;
  if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &l) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

void tp_port_str(uint16_t port, char out[8]) { snprintf(out, 8, "%u", (unsigned)port); }

const char *tp_tool(void) {
#ifdef CSCTP_TOOL_PATH
  return CSCTP_TOOL_PATH;
#else
  return "csctp";
#endif
}

int tp_tool_has(const char *cmd, const char *option) {
  char *argv[] = {(char *)tp_tool(), (char *)cmd, "--help", NULL};
  char *out = NULL;
  if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, NULL,
                    NULL))
    return 0;
  int has = out && strstr(out, option) != NULL;
  g_free(out);
  return has;
}
