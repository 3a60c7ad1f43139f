/* SPDX-License-Identifier: MIT */
/*
 * Interop with an independent DTLS 1.2 implementation: GnuTLS's command-line
 * tools (Debian gnutls-bin) over UDP on 127.0.0.1, in both roles, with
 * application data both ways, fingerprints checked and, against gnutls-cli,
 * the exported DTLS-SRTP keying material compared. A small driver feeds our
 * sans-IO endpoint from a real socket on the real monotonic clock; every wait
 * is bounded. Skipped when the tools are missing.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <csctp/dtls.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static csctp_tstamp now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (csctp_tstamp)ts.tv_sec * 1000000u + (csctp_tstamp)ts.tv_nsec / 1000u;
}

static int have_tool(const char *name) {
  const char *path = getenv("PATH");
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path ? path : "/usr/bin:/bin");
  for (char *dir = strtok(buf, ":"); dir; dir = strtok(NULL, ":")) {
    char full[4200];
    snprintf(full, sizeof full, "%s/%s", dir, name);
    if (access(full, X_OK) == 0) return 1;
  }
  return 0;
}

typedef struct child {
  pid_t pid;
  int in, out; /* its stdin (we write), its stdout+stderr (we read) */
  char log[16384];
  size_t log_len;
} child;

static void child_spawn(child *c, char *const argv[]) {
  int in[2], out[2];
  cr_assert_eq(pipe(in), 0);
  cr_assert_eq(pipe(out), 0);
  memset(c, 0, sizeof *c);
  c->pid = fork();
  cr_assert_geq(c->pid, 0);
  if (c->pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(out[1], 2);
    close(in[1]);
    close(out[0]);
    execvp(argv[0], argv);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  c->in = in[1];
  c->out = out[0];
  fcntl(c->out, F_SETFL, O_NONBLOCK);
}

static void child_read(child *c) {
  for (;;) {
    if (c->log_len + 1 >= sizeof c->log) return;
    ssize_t n = read(c->out, c->log + c->log_len, sizeof c->log - 1 - c->log_len);
    if (n <= 0) return;
    c->log_len += (size_t)n;
    c->log[c->log_len] = '\0';
  }
}

static void child_stop(child *c) {
  if (c->pid > 0) {
    kill(c->pid, SIGTERM);
    waitpid(c->pid, NULL, 0);
  }
  close(c->in);
  close(c->out);
}

typedef struct peer {
  csctp_dtls *d;
  int fd;
  int connected, failed, closed;
  csctp_dtls_event error;
  char cipher[96];
  csctp_srtp_profile srtp;
  char data[4096];
  size_t data_len;
  int have_peer_addr; /* a server learns its peer from the first datagram */
} peer;

typedef int (*done_fn)(peer *p, child *c);

/* Runs the endpoint on its socket until done() or the wall-clock budget ends. */
static int drive(peer *p, child *c, done_fn done, int budget_ms) {
  csctp_tstamp end = now_us() + (csctp_tstamp)budget_ms * 1000;
  uint8_t buf[2048];
  for (;;) {
    csctp_dtls_event ev;
    while (csctp_dtls_poll_event(p->d, &ev)) {
      if (ev.type == CSCTP_DTLS_EVENT_CONNECTED) {
        p->connected = 1;
        snprintf(p->cipher, sizeof p->cipher, "%s", ev.u.connected.cipher);
        p->srtp = ev.u.connected.srtp_profile;
      } else if (ev.type == CSCTP_DTLS_EVENT_DATA) {
        size_t n = ev.u.data.len;
        if (p->data_len + n < sizeof p->data) {
          memcpy(p->data + p->data_len, ev.u.data.data, n);
          p->data_len += n;
          p->data[p->data_len] = '\0';
        }
      } else if (ev.type == CSCTP_DTLS_EVENT_ERROR) {
        p->failed = 1;
        p->error = ev;
      } else if (ev.type == CSCTP_DTLS_EVENT_CLOSED) {
        p->closed = 1;
      }
    }
    csctp_ssize n;
    while ((n = csctp_dtls_write_datagram(p->d, buf, sizeof buf, now_us())) > 0) {
      cr_assert_leq(n, 1200);
      if (p->have_peer_addr) send(p->fd, buf, (size_t)n, 0);
    }
    if (c) child_read(c);
    if (done(p, c)) return 1;
    csctp_tstamp now = now_us();
    if (now >= end || p->failed) return 0;
    csctp_tstamp wake = csctp_dtls_expiry(p->d);
    if (wake > end) wake = end;
    int timeout = wake <= now ? 0 : (int)((wake - now + 999) / 1000);
    if (timeout > 50) timeout = 50; /* also watch the child's output */
    struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
    if (poll(&pfd, 1, timeout) > 0) {
      struct sockaddr_in from;
      socklen_t fl = sizeof from;
      ssize_t r = recvfrom(p->fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
      if (r > 0) {
        if (!p->have_peer_addr) {
          cr_assert_eq(connect(p->fd, (struct sockaddr *)&from, fl), 0);
          p->have_peer_addr = 1;
        }
        csctp_dtls_read_datagram(p->d, buf, (size_t)r, now_us());
      }
    }
    if (csctp_dtls_expiry(p->d) <= now_us()) csctp_dtls_handle_expiry(p->d, now_us());
  }
}

static int free_udp_port(void) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  socklen_t l = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &l);
  close(fd);
  return ntohs(a.sin_port);
}

typedef struct files {
  char dir[64], cert[96], key[96];
} files;

static void write_pem(const csctp_dtls_cert *c, files *f) {
  snprintf(f->dir, sizeof f->dir, "/tmp/csctp-gnutls-XXXXXX");
  cr_assert_not_null(mkdtemp(f->dir));
  snprintf(f->cert, sizeof f->cert, "%s/cert.pem", f->dir);
  snprintf(f->key, sizeof f->key, "%s/key.pem", f->dir);
  char pem[4096];
  for (int k = 0; k < 2; k++) {
    csctp_ssize n = csctp_dtls_cert_to_pem(c, k, pem, sizeof pem);
    cr_assert_gt(n, 0);
    FILE *fp = fopen(k ? f->key : f->cert, "w");
    fwrite(pem, 1, (size_t)n, fp);
    fclose(fp);
  }
}

static void remove_pem(files *f) {
  unlink(f->cert);
  unlink(f->key);
  rmdir(f->dir);
}

static void make_endpoint(peer *p, csctp_dtls_role role, const csctp_dtls_cert *mine,
                          const csctp_dtls_cert *theirs) {
  memset(p, 0, sizeof *p);
  csctp_dtls_fingerprint fp;
  cr_assert_eq(csctp_dtls_cert_fingerprint(theirs, CSCTP_DTLS_HASH_SHA256, &fp), 0);
  csctp_dtls_config cfg;
  csctp_dtls_config_default(&cfg);
  cfg.role = role;
  cfg.cert = mine;
  cfg.remote_fingerprints = &fp;
  cfg.remote_fingerprint_count = 1;
  cfg.retransmit_initial_ms = 200;
  cr_assert_eq(csctp_dtls_new(&p->d, &cfg), 0);
}

static int echoed(peer *p, child *c) {
  (void)c;
  return p->connected && strstr(p->data, "ping from csctp") != NULL;
}

static int child_listening(peer *p, child *c) {
  (void)p;
  return strstr(c->log, "listening on IPv4") != NULL;
}

Test(gnutls, we_are_client_gnutls_serv_echoes, .timeout = 60) {
  if (!have_tool("gnutls-serv")) cr_skip_test("gnutls-serv not found (apt-get install gnutls-bin)");
  csctp_dtls_cert *ours, *theirs;
  cr_assert_eq(csctp_dtls_cert_generate(&ours, "csctp", (int64_t)time(NULL), NULL), 0);
  cr_assert_eq(csctp_dtls_cert_generate(&theirs, "gnutls", (int64_t)time(NULL), NULL), 0);
  files f;
  write_pem(theirs, &f);
  int port = free_udp_port();
  char portarg[16];
  snprintf(portarg, sizeof portarg, "%d", port);
  char *argv[] = {"gnutls-serv",
                  "--udp",
                  "--echo",
                  "--port",
                  portarg,
                  "--x509certfile",
                  f.cert,
                  "--x509keyfile",
                  f.key,
                  "--require-client-cert",
                  "--srtp-profiles=SRTP_AES128_CM_HMAC_SHA1_80",
                  "--mtu",
                  "1200",
                  NULL};
  child c;
  child_spawn(&c, argv);

  peer p;
  make_endpoint(&p, CSCTP_DTLS_CLIENT, ours, theirs);
  p.fd = socket(AF_INET, SOCK_DGRAM, 0);
  /* Wait for the server to listen (bounded), then connect our socket to it. */
  csctp_tstamp until = now_us() + 5 * CSCTP_SECONDS;
  while (!child_listening(&p, &c) && now_us() < until) {
    usleep(10000);
    child_read(&c);
  }
  cr_assert(child_listening(&p, &c), "gnutls-serv did not start:\n%s", c.log);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  cr_assert_eq(connect(p.fd, (struct sockaddr *)&a, sizeof a), 0);
  p.have_peer_addr = 1;
  cr_assert_eq(csctp_dtls_start(p.d, now_us()), 0);

  static const char ping[] = "ping from csctp\n";
  int sent = 0;
  csctp_tstamp stop = now_us() + 20 * CSCTP_SECONDS;
  while (!echoed(&p, &c) && !p.failed && now_us() < stop) {
    drive(&p, &c, echoed, 200);
    if (p.connected && !sent) {
      cr_assert_eq(csctp_dtls_send(p.d, (const uint8_t *)ping, sizeof ping - 1, now_us()), 0);
      sent = 1;
    }
  }
  cr_assert(p.connected, "not connected: %s (alert %s)\n--- gnutls-serv:\n%s",
            csctp_strerror(p.error.u.error.error), csctp_dtls_alert_name(p.error.u.error.alert),
            c.log);
  cr_assert(echoed(&p, &c), "no echo; got '%s'\n--- gnutls-serv:\n%s", p.data, c.log);
  cr_log_info("gnutls-serv: %s, %s", p.cipher, csctp_srtp_profile_name(p.srtp));
  cr_assert_str_eq(p.cipher, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
  cr_assert_eq(p.srtp, CSCTP_SRTP_AES128_CM_SHA1_80);
  csctp_srtp_keys k;
  cr_assert_eq(csctp_dtls_export_srtp_keys(p.d, &k), 0);
  /* close_notify goes out; the child is stopped either way. */
  cr_assert_eq(csctp_dtls_close(p.d, now_us()), 0);
  drive(&p, &c, echoed, 0);
  close(p.fd);
  csctp_dtls_del(p.d);
  child_stop(&c);
  remove_pem(&f);
  csctp_dtls_cert_del(ours);
  csctp_dtls_cert_del(theirs);
}

static int got_line_both_ways(peer *p, child *c) {
  return p->connected && strstr(p->data, "hello from gnutls") &&
         strstr(c->log, "hello from csctp server");
}

Test(gnutls, we_are_server_gnutls_cli_connects, .timeout = 60) {
  if (!have_tool("gnutls-cli")) cr_skip_test("gnutls-cli not found (apt-get install gnutls-bin)");
  csctp_dtls_cert *ours, *theirs;
  cr_assert_eq(csctp_dtls_cert_generate(&ours, "csctp", (int64_t)time(NULL), NULL), 0);
  cr_assert_eq(csctp_dtls_cert_generate(&theirs, "gnutls", (int64_t)time(NULL), NULL), 0);
  files f;
  write_pem(theirs, &f);

  peer p;
  make_endpoint(&p, CSCTP_DTLS_SERVER, ours, theirs);
  p.fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  cr_assert_eq(bind(p.fd, (struct sockaddr *)&a, sizeof a), 0);
  socklen_t al = sizeof a;
  getsockname(p.fd, (struct sockaddr *)&a, &al);
  char portarg[16];
  snprintf(portarg, sizeof portarg, "%d", ntohs(a.sin_port));
  cr_assert_eq(csctp_dtls_start(p.d, now_us()), 0);

  char *argv[] = {"gnutls-cli",
                  "--udp",
                  "-p",
                  portarg,
                  "127.0.0.1",
                  "--insecure",
                  "--x509certfile",
                  f.cert,
                  "--x509keyfile",
                  f.key,
                  "--mtu",
                  "1200",
                  "--srtp-profiles=SRTP_AES128_CM_HMAC_SHA1_80",
                  "--keymatexport=EXTRACTOR-dtls_srtp",
                  "--keymatexportsize=60",
                  NULL};
  child c;
  child_spawn(&c, argv);
  static const char line[] = "hello from gnutls\n";
  cr_assert_eq(write(c.in, line, sizeof line - 1), (ssize_t)(sizeof line - 1));

  static const char hello[] = "hello from csctp server\n";
  int sent = 0;
  csctp_tstamp stop = now_us() + 20 * CSCTP_SECONDS;
  while (!got_line_both_ways(&p, &c) && !p.failed && now_us() < stop) {
    drive(&p, &c, got_line_both_ways, 200);
    if (p.connected && !sent) {
      cr_assert_eq(csctp_dtls_send(p.d, (const uint8_t *)hello, sizeof hello - 1, now_us()), 0);
      sent = 1;
    }
  }
  cr_assert(p.connected, "not connected: %s (alert %s)\n--- gnutls-cli:\n%s",
            csctp_strerror(p.error.u.error.error), csctp_dtls_alert_name(p.error.u.error.alert),
            c.log);
  cr_assert(got_line_both_ways(&p, &c), "we got '%s'\n--- gnutls-cli:\n%s", p.data, c.log);
  cr_log_info("gnutls-cli: %s, %s", p.cipher, csctp_srtp_profile_name(p.srtp));
  cr_assert_str_eq(p.cipher, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
  cr_assert_eq(p.srtp, CSCTP_SRTP_AES128_CM_SHA1_80);
  /* GnuTLS printed the same RFC 5764 keying material we export. */
  csctp_srtp_keys k;
  cr_assert_eq(csctp_dtls_export_srtp_keys(p.d, &k), 0);
  uint8_t m[60];
  memcpy(m, k.client_key, 16);
  memcpy(m + 16, k.server_key, 16);
  memcpy(m + 32, k.client_salt, 14);
  memcpy(m + 46, k.server_salt, 14);
  char hex[121];
  for (int i = 0; i < 60; i++) snprintf(hex + 2 * i, 3, "%02x", m[i]);
  cr_assert(strstr(c.log, hex), "key material %s not in gnutls-cli output:\n%s", hex, c.log);
  cr_assert_eq(csctp_dtls_close(p.d, now_us()), 0);
  drive(&p, &c, got_line_both_ways, 0);
  close(p.fd);
  csctp_dtls_del(p.d);
  child_stop(&c);
  remove_pem(&f);
  csctp_dtls_cert_del(ours);
  csctp_dtls_cert_del(theirs);
}
