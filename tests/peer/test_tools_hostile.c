/* SPDX-License-Identifier: MIT */
/*
 * Attacks on the tools that face untrusted input (issue 11, finding 8), run
 * against the built programs on loopback: csctp-web (the demo's HTTP server)
 * and csctp-peer (JSON signalling lines on stdin).
 *
 * - csctp-web under `ulimit -n 64`: 300 requests in a row all answered, no
 *   descriptor left behind (libsoup 3.2 kept each connection in CLOSE-WAIT);
 * - a POST declaring 512 MiB: 413 from the headers, peak RSS stays small
 *   (libsoup took the whole body into memory);
 * - 1 MiB of headers: 431, peak RSS small;
 * - 200 offers at once: each gets an answer or a 503, none a reset;
 * - offers whose browser never comes: the peers are dropped after
 *   --peer-timeout, their descriptors come back, a new visitor is taken;
 * - idle connections filling every slot under `ulimit -n 64`: a real
 *   request is still served;
 * - csctp-peer: a JSON line nested 100,000 deep (json-glib's recursion
 *   overflowed the stack) and a 64 MiB line are refused with an error on
 *   stderr, and the peer answers the offer that follows and exits cleanly.
 *
 * CSCTP_WEB / CSCTP_PEER in the environment replace the built programs (to
 * run the same attacks against another build).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sdp_files.h"

#ifndef CSCTP_WEB_PATH
#define CSCTP_WEB_PATH ""
#endif
#ifndef CSCTP_PEER_PATH
#define CSCTP_PEER_PATH ""
#endif

/* ---------------------------------------------------------------- helpers */

static const char *tool(const char *env, const char *built) {
  const char *e = getenv(env);
  const char *path = e && *e ? e : built;
  if (!*path || access(path, X_OK) != 0) cr_skip_test("%s not built", env);
  return path;
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

typedef struct child {
  pid_t pid;
  int in, out; /* its stdin (we write), its stdout (we read) */
  int status;  /* once reaped */
  int reaped;
  char err_path[64];
} child;

static void child_start(child *ch, const char *const argv[], rlim_t nofile) {
  int pin[2], pout[2];
  cr_assert(pipe(pin) == 0 && pipe(pout) == 0);
  snprintf(ch->err_path, sizeof ch->err_path, "/tmp/csctp-hostile-XXXXXX");
  int efd = mkstemp(ch->err_path);
  cr_assert(efd >= 0);
  pid_t pid = fork();
  cr_assert(pid >= 0);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives the test */
    dup2(pin[0], 0);
    dup2(pout[1], 1);
    dup2(efd, 2);
    for (int fd = 3; fd < 4096; fd++) close(fd);
    if (nofile) {
      struct rlimit rl = {nofile, nofile};
      setrlimit(RLIMIT_NOFILE, &rl);
    }
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  close(pin[0]);
  close(pout[1]);
  close(efd);
  ch->pid = pid;
  ch->in = pin[1];
  ch->out = pout[0];
  ch->reaped = 0;
  fcntl(ch->out, F_SETFL, O_NONBLOCK);
}

/* 1 once the child has exited (status in ch->status), 0 if still running after ms. */
static int child_wait(child *ch, long ms) {
  long end = now_ms() + ms;
  while (!ch->reaped) {
    pid_t r = waitpid(ch->pid, &ch->status, WNOHANG);
    if (r == ch->pid) {
      ch->reaped = 1;
      break;
    }
    if (now_ms() >= end) return 0;
    usleep(10000);
  }
  return 1;
}

static void child_stop(child *ch) {
  if (!child_wait(ch, 0)) {
    kill(ch->pid, SIGTERM);
    if (!child_wait(ch, 2000)) {
      kill(ch->pid, SIGKILL);
      child_wait(ch, 5000);
    }
  }
  if (ch->in >= 0) close(ch->in);
  close(ch->out);
  unlink(ch->err_path);
}

static const char *describe(child *ch) {
  static char text[64];
  if (!child_wait(ch, 0))
    snprintf(text, sizeof text, "still running");
  else if (WIFSIGNALED(ch->status))
    snprintf(text, sizeof text, "killed by signal %d", WTERMSIG(ch->status));
  else
    snprintf(text, sizeof text, "exited with %d", WEXITSTATUS(ch->status));
  return text;
}

static int stderr_has(child *ch, const char *needle) {
  FILE *f = fopen(ch->err_path, "r");
  if (!f) return 0;
  char line[4096];
  int found = 0;
  while (!found && fgets(line, sizeof line, f)) found = strstr(line, needle) != NULL;
  fclose(f);
  return found;
}

static int fd_count(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
  DIR *d = opendir(path);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

/* Peak resident set (VmHWM) in KiB, -1 when unknown. */
static long vm_hwm_kib(pid_t pid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long kib = -1;
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "VmHWM:", 6)) kib = strtol(line + 6, NULL, 10);
  }
  fclose(f);
  return kib;
}

/* Writes everything (a pipe or a blocking socket); 0, or -errno. */
static int write_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* ---------------------------------------------------------------- csctp-peer */

/* {"type":"offer","sdp":...} for a real browser offer, with a newline. */
static char *offer_line(void) {
  size_t len;
  char *sdp = sdp_file_read("chromium-offer.sdp", &len);
  char *out = malloc(2 * len + 64), *o = out;
  o += sprintf(o, "{\"type\":\"offer\",\"sdp\":\"");
  for (size_t i = 0; i < len; i++) {
    if (sdp[i] == '\r') {
      *o++ = '\\', *o++ = 'r';
    } else if (sdp[i] == '\n') {
      *o++ = '\\', *o++ = 'n';
    } else {
      if (sdp[i] == '"' || sdp[i] == '\\') *o++ = '\\';
      *o++ = sdp[i];
    }
  }
  strcpy(o, "\"}\n");
  free(sdp);
  return out;
}

/* Reads the child's stdout until a line holds `needle` or `ms` pass. */
static int read_until(child *ch, const char *needle, long ms) {
  static char acc[1 << 16];
  size_t have = 0;
  long end = now_ms() + ms;
  while (now_ms() < end) {
    struct pollfd p = {.fd = ch->out, .events = POLLIN};
    if (poll(&p, 1, 50) <= 0) continue;
    ssize_t n = read(ch->out, acc + have, sizeof acc - 1 - have);
    if (n == 0) return 0; /* the peer closed its stdout (exited) */
    if (n < 0) continue;
    have += (size_t)n;
    acc[have] = '\0';
    if (strstr(acc, needle)) return 1;
    if (have > sizeof acc / 2) { /* keep the tail */
      memmove(acc, acc + have - 1024, 1024);
      have = 1024;
    }
  }
  return 0;
}

/* After a hostile line: the peer must answer a real offer. */
static void peer_answers(child *ch) {
  char *offer = offer_line();
  int wr = write_all(ch->in, offer, strlen(offer));
  free(offer);
  int answered = wr == 0 && read_until(ch, "\"answer\"", 20000);
  if (!answered) child_wait(ch, 2000); /* to tell a crash from silence */
  cr_assert(answered, "no answer to the offer after the hostile line (peer %s)", describe(ch));
}

/* Then leave on "bye" with status 0 (never a signal). */
static void peer_bye(child *ch) {
  write_all(ch->in, "{\"type\":\"bye\"}\n", 15);
  close(ch->in);
  ch->in = -1;
  cr_assert(child_wait(ch, 10000), "the peer did not exit after bye");
  cr_assert(WIFEXITED(ch->status) && WEXITSTATUS(ch->status) == 0, "the peer %s", describe(ch));
}

Test(tools_hostile, peer_json_nested_100000_deep, .timeout = 60) {
  const char *argv[] = {tool("CSCTP_PEER", CSCTP_PEER_PATH), NULL};
  child ch;
  child_start(&ch, argv, 0);
  size_t depth = 100000;
  char *line = malloc(2 * depth + 1);
  memset(line, '[', depth);
  memset(line + depth, ']', depth);
  line[2 * depth] = '\n';
  write_all(ch.in, line, 2 * depth + 1); /* fails with EPIPE if the peer died: checked below */
  free(line);
  peer_answers(&ch);
  peer_bye(&ch);
  cr_expect(stderr_has(&ch, "nested 100000 deep"), "no error on stderr for the deep line");
  child_stop(&ch);
}

/* json-glib's scanner also takes single-quoted strings: a quote inside one
 * must not hide the brackets after it from the check. */
Test(tools_hostile, peer_json_deep_behind_a_quote, .timeout = 60) {
  const char *argv[] = {tool("CSCTP_PEER", CSCTP_PEER_PATH), NULL};
  child ch;
  child_start(&ch, argv, 0);
  size_t depth = 100000;
  char *line = malloc(2 * depth + 16);
  size_t n = (size_t)sprintf(line, "['\"',");
  memset(line + n, '[', depth);
  memset(line + n + depth, ']', depth);
  memcpy(line + n + 2 * depth, "]\n", 2);
  write_all(ch.in, line, n + 2 * depth + 2);
  free(line);
  peer_answers(&ch);
  peer_bye(&ch);
  cr_expect(stderr_has(&ch, "signalling line refused"), "no error on stderr for the line");
  child_stop(&ch);
}

/* What a peer holds without an attack: the peak RSS once it has answered an
 * offer (its certificate, ICE agent, buffers; far more under ASan). */
static long peer_baseline_hwm(const char *const argv[]) {
  child ch;
  child_start(&ch, argv, 0);
  peer_answers(&ch);
  long hwm = vm_hwm_kib(ch.pid);
  peer_bye(&ch);
  child_stop(&ch);
  return hwm;
}

/* An attack may add at most this to a program's peak RSS. */
#define ATTACK_RSS_KIB (16 * 1024)

Test(tools_hostile, peer_line_of_64_mib, .timeout = 90) {
  const char *argv[] = {tool("CSCTP_PEER", CSCTP_PEER_PATH), NULL};
  long base = peer_baseline_hwm(argv);
  child ch;
  child_start(&ch, argv, 0);
  size_t chunk = 1 << 20;
  char *junk = malloc(chunk);
  memset(junk, 'a', chunk);
  for (int i = 0; i < 64; i++) {
    if (write_all(ch.in, junk, chunk) != 0) break;
  }
  free(junk);
  write_all(ch.in, "\n", 1);
  peer_answers(&ch);
  long hwm = vm_hwm_kib(ch.pid);
  peer_bye(&ch);
  fprintf(stderr, "csctp-peer: peak RSS %ld KiB after a 64 MiB line (%ld KiB without)\n", hwm,
          base);
  cr_expect(stderr_has(&ch, "input line over"), "no error on stderr for the long line");
  cr_expect(base > 0 && hwm > 0 && hwm - base < ATTACK_RSS_KIB,
            "csctp-peer held the line: peak RSS %ld KiB (%ld KiB without)", hwm, base);
  child_stop(&ch);
}

/* ---------------------------------------------------------------- csctp-web */

static uint16_t free_tcp_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t l = sizeof a;
  uint16_t port = 0;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &l) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

/* A blocking socket connected to 127.0.0.1:port with 10 s timeouts; -errno on failure. */
static int tcp_connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  struct timeval tv = {10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

static int http_status(const char *resp) {
  int status = 0;
  if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1) return 0;
  return status;
}

/* One request on a fresh connection, the response read to its end. Returns the
 * status, 0 for no HTTP response, -errno for a failed connection or a reset. */
static int http_once(uint16_t port, const char *req, size_t len, char *body, size_t cap) {
  int fd = tcp_connect(port);
  if (fd < 0) return fd;
  int rv = write_all(fd, req, len);
  char resp[8192];
  size_t have = 0;
  for (;;) {
    ssize_t n = recv(fd, resp + have, sizeof resp - 1 - have, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      rv = -errno;
      break;
    }
    if (n == 0) break;
    have += (size_t)n;
    if (have == sizeof resp - 1) break;
  }
  close(fd);
  resp[have] = '\0';
  if (body && cap) {
    const char *b = strstr(resp, "\r\n\r\n");
    snprintf(body, cap, "%s", b ? b + 4 : "");
  }
  int status = http_status(resp);
  return status ? status : rv;
}

static int http_get(uint16_t port) {
  static const char req[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  return http_once(port, req, sizeof req - 1, NULL, 0);
}

static char *offer_request(size_t *len) {
  size_t sdp_len;
  char *sdp = sdp_file_read("chromium-offer.sdp", &sdp_len);
  char *req = malloc(sdp_len + 256);
  int n = sprintf(req,
                  "POST /offer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sdp\r\n"
                  "Content-Length: %zu\r\n\r\n",
                  sdp_len);
  memcpy(req + n, sdp, sdp_len);
  *len = (size_t)n + sdp_len;
  free(sdp);
  return req;
}

/* Starts csctp-web on a free loopback port (another one if that was taken
 * meanwhile) and waits until it accepts. */
static uint16_t web_start(child *ch, rlim_t nofile, const char *const extra[]) {
  const char *web = tool("CSCTP_WEB", CSCTP_WEB_PATH);
  for (int attempt = 0; attempt < 5; attempt++) {
    uint16_t port = free_tcp_port();
    char port_s[8];
    snprintf(port_s, sizeof port_s, "%u", (unsigned)port);
    const char *argv[16] = {web, "--port", port_s};
    int n = 3;
    for (int i = 0; extra && extra[i] && n < 15; i++) argv[n++] = extra[i];
    argv[n] = NULL;
    child_start(ch, argv, nofile);
    long end = now_ms() + 5000;
    while (now_ms() < end && !child_wait(ch, 0)) {
      int fd = tcp_connect(port);
      if (fd >= 0) {
        close(fd);
        usleep(100000); /* let it see the probe go */
        return port;
      }
      usleep(20000);
    }
    child_stop(ch);
  }
  cr_assert_fail("csctp-web did not start (%s)", describe(ch));
  return 0;
}

/* The server's descriptors, once they stop changing (closing connections settle). */
static int fd_count_settled(pid_t pid, int target, long ms) {
  long end = now_ms() + ms;
  int n = fd_count(pid);
  while (n != target && now_ms() < end) {
    usleep(50000);
    n = fd_count(pid);
  }
  return n;
}

Test(tools_hostile, web_300_requests_under_ulimit_64, .timeout = 120) {
  child ch;
  uint16_t port = web_start(&ch, 64, NULL);
  cr_assert_eq(http_get(port), 200);
  int before = fd_count_settled(ch.pid, -1, 300);
  int ok = 0, first_bad = -1, bad_status = 0;
  for (int i = 0; i < 300; i++) {
    int st = http_get(port);
    if (st == 200) {
      ok++;
    } else if (first_bad < 0) {
      first_bad = i;
      bad_status = st;
    }
  }
  int after = fd_count_settled(ch.pid, before, 3000);
  fprintf(stderr, "csctp-web, ulimit -n 64: %d/300 requests answered 200, descriptors %d -> %d\n",
          ok, before, after);
  cr_expect_eq(ok, 300, "request %d failed (%d); %d/300 answered", first_bad, bad_status, ok);
  cr_expect_eq(after, before, "descriptors %d before 300 requests, %d after", before, after);
  child_stop(&ch);
}

Test(tools_hostile, web_post_declaring_512_mib, .timeout = 120) {
  child ch;
  uint16_t port = web_start(&ch, 0, NULL);
  cr_assert_eq(http_get(port), 200);
  long base = vm_hwm_kib(ch.pid);
  int fd = tcp_connect(port);
  cr_assert(fd >= 0);
  static const char head[] =
      "POST /offer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/sdp\r\nContent-Length: 536870912\r\n\r\n";
  cr_assert(write_all(fd, head, sizeof head - 1) == 0);
  fcntl(fd, F_SETFL, O_NONBLOCK);
  /* Sends the body while nothing comes back, up to 64 MiB or 20 s. */
  static char chunk[65536];
  char resp[4096];
  size_t sent = 0, have = 0;
  int reset = 0;
  long end = now_ms() + 20000;
  while (now_ms() < end && !have && sent < (64u << 20)) {
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
    if (poll(&p, 1, 100) <= 0) continue;
    if (p.revents & POLLIN) {
      ssize_t n = recv(fd, resp, sizeof resp - 1, 0);
      if (n > 0) have = (size_t)n;
      if (n == 0) break;
      if (n < 0 && errno != EAGAIN) {
        reset = errno;
        break;
      }
    } else if (p.revents & POLLOUT) {
      ssize_t n = send(fd, chunk, sizeof chunk, MSG_NOSIGNAL);
      if (n > 0) sent += (size_t)n;
      if (n < 0 && errno != EAGAIN) {
        reset = errno;
        break;
      }
    } else {
      break; /* POLLERR / POLLHUP */
    }
  }
  resp[have] = '\0';
  close(fd);
  long hwm = vm_hwm_kib(ch.pid);
  fprintf(stderr,
          "csctp-web: 512 MiB declared, %zu body bytes sent before the answer \"%.40s\", "
          "peak RSS %ld KiB (%ld KiB before)\n",
          sent, resp, hwm, base);
  cr_expect_eq(http_status(resp), 413, "no 413 (reset: %s, after %zu body bytes): \"%.60s\"",
               reset ? strerror(reset) : "no", sent, resp);
  cr_expect(base > 0 && hwm - base < ATTACK_RSS_KIB, "peak RSS %ld KiB (%ld KiB before)", hwm,
            base);
  cr_expect_eq(http_get(port), 200, "the server no longer answers");
  child_stop(&ch);
}

Test(tools_hostile, web_head_of_1_mib, .timeout = 60) {
  child ch;
  uint16_t port = web_start(&ch, 0, NULL);
  cr_assert_eq(http_get(port), 200);
  long base = vm_hwm_kib(ch.pid);
  int fd = tcp_connect(port);
  cr_assert(fd >= 0);
  static const char start[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  write_all(fd, start, sizeof start - 1);
  char pad[1024];
  memset(pad, 'a', sizeof pad);
  memcpy(pad, "X-Pad: ", 7);
  pad[sizeof pad - 2] = '\r';
  pad[sizeof pad - 1] = '\n';
  int werr = 0;
  for (int i = 0; i < 1024 && !werr; i++) werr = write_all(fd, pad, sizeof pad);
  char resp[512] = "";
  ssize_t n = recv(fd, resp, sizeof resp - 1, 0);
  if (n > 0) resp[n] = '\0';
  close(fd);
  long hwm = vm_hwm_kib(ch.pid);
  fprintf(stderr, "csctp-web: 1 MiB of headers: \"%.40s\", peak RSS %ld KiB (%ld KiB before)\n",
          resp, hwm, base);
  cr_expect_eq(http_status(resp), 431, "no 431: \"%.60s\" (write: %s)", resp,
               werr ? strerror(-werr) : "ok");
  cr_expect(base > 0 && hwm - base < ATTACK_RSS_KIB, "peak RSS %ld KiB (%ld KiB before)", hwm,
            base);
  cr_expect_eq(http_get(port), 200, "the server no longer answers");
  child_stop(&ch);
}

typedef struct hc {
  int fd;
  size_t sent;
  char resp[512];
  size_t got;
  int done, err;
} hc;

Test(tools_hostile, web_200_concurrent_offers, .timeout = 120) {
  enum { N = 200 };
  child ch;
  uint16_t port = web_start(&ch, 0, NULL);
  size_t req_len;
  char *req = offer_request(&req_len);
  static hc c[N];
  memset(c, 0, sizeof c);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < N; i++) {
    c[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    cr_assert(c[i].fd >= 0);
    if (connect(c[i].fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) {
      c[i].err = errno;
      c[i].done = 1;
    }
  }
  long end = now_ms() + 60000;
  static struct pollfd p[N];
  int left = N;
  while (left && now_ms() < end) {
    for (int i = 0; i < N; i++) {
      p[i].fd = c[i].done ? -1 : c[i].fd;
      p[i].events = POLLIN | (c[i].sent < req_len ? POLLOUT : 0);
      p[i].revents = 0;
    }
    if (poll(p, N, 100) <= 0) continue;
    for (int i = 0; i < N; i++) {
      if (c[i].done || !p[i].revents) continue;
      ssize_t n = 0;
      if (p[i].revents & POLLOUT && c[i].sent < req_len) {
        n = send(c[i].fd, req + c[i].sent, req_len - c[i].sent, MSG_NOSIGNAL);
        if (n > 0) c[i].sent += (size_t)n;
      }
      if (n >= 0 && p[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        char tmp[4096];
        n = recv(c[i].fd, tmp, sizeof tmp, 0);
        if (n > 0) {
          size_t keep = sizeof c[i].resp - 1 - c[i].got;
          if (keep > (size_t)n) keep = (size_t)n;
          memcpy(c[i].resp + c[i].got, tmp, keep);
          c[i].got += keep;
        }
        if (n == 0) c[i].done = 1;
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        c[i].err = errno;
        c[i].done = 1;
      }
      if (c[i].done) left--;
    }
  }
  int answers = 0, busy = 0, other = 0, resets = 0, silent = 0;
  for (int i = 0; i < N; i++) {
    int st = http_status(c[i].resp);
    if (st == 200)
      answers++;
    else if (st == 503)
      busy++;
    else if (st)
      other++;
    else if (c[i].err)
      resets++;
    else
      silent++;
    close(c[i].fd);
  }
  free(req);
  fprintf(stderr,
          "csctp-web: %d offers at once: %d answers, %d busy (503), %d other, %d reset, "
          "%d without a response\n",
          N, answers, busy, other, resets, silent);
  cr_expect_eq(answers + busy, N, "%d answers + %d busy of %d (%d other, %d reset, %d silent)",
               answers, busy, N, other, resets, silent);
  cr_expect_gt(answers, 0);
  child_stop(&ch);
}

Test(tools_hostile, web_visitors_who_never_connect, .timeout = 60) {
  child ch;
  const char *extra[] = {"--max-peers", "2", "--peer-timeout", "2", NULL};
  uint16_t port = web_start(&ch, 0, extra);
  int before = fd_count(ch.pid);
  size_t len;
  char *req = offer_request(&len);
  cr_assert_eq(http_once(port, req, len, NULL, 0), 200);
  cr_assert_eq(http_once(port, req, len, NULL, 0), 200);
  char body[256];
  cr_assert_eq(http_once(port, req, len, body, sizeof body), 503, "a third visitor: %s", body);
  int during = fd_count(ch.pid);
  int after = fd_count_settled(ch.pid, before, 6000); /* the two peers are dropped after 2 s */
  fprintf(stderr, "csctp-web: 2 visitors who never connect: descriptors %d -> %d -> %d\n", before,
          during, after);
  cr_expect_gt(during, before);
  cr_expect_eq(after, before, "the peers of visitors who never connected are still held");
  cr_expect_eq(http_once(port, req, len, NULL, 0), 200, "a new visitor is refused");
  cr_expect(stderr_has(&ch, "browser not connected in time"));
  free(req);
  child_stop(&ch);
}

Test(tools_hostile, web_idle_connections_under_ulimit_64, .timeout = 60) {
  enum { IDLE = 100 };
  child ch;
  uint16_t port = web_start(&ch, 64, NULL);
  static int idle[IDLE];
  /* Connections that start a request and never finish it; the kernel's backlog
   * holds those the server does not accept. */
  for (int i = 0; i < IDLE; i++) {
    idle[i] = tcp_connect(port);
    if (idle[i] >= 0) write_all(idle[i], "GET / HTTP/1.1\r\n", 16);
  }
  long t0 = now_ms();
  int st = http_get(port);
  long took = now_ms() - t0;
  fprintf(stderr, "csctp-web, ulimit -n 64: with %d idle connections a request got %d in %ld ms\n",
          IDLE, st, took);
  cr_expect_eq(st, 200, "with %d idle connections: %d after %ld ms", IDLE, st, took);
  for (int i = 0; i < IDLE; i++) {
    if (idle[i] >= 0) close(idle[i]);
  }
  cr_expect_eq(http_get(port), 200);
  child_stop(&ch);
}
