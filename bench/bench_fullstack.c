/* SPDX-License-Identifier: MIT */
/*
 * Full stack (issue 7, benchmark 4): the raw UDP ceiling of this machine
 * and, once the DTLS layer has an SCTP-over-DTLS object, csctp over DTLS
 * (AES-128-GCM) between two processes over UDP loopback with 64 KiB
 * messages, as a share of that ceiling.
 *
 * Ceiling: a sender process writes 1200-byte datagrams to 127.0.0.1 with
 * sendmmsg (batches of 64) for TRIAL_S seconds; a receiver process reads
 * them with recvmmsg and reports what arrived between its first and last
 * datagram. The sender may outrun the receiver; what counts is what the
 * receiver got. Best of ROUNDS. Figures, never a failure.
 *
 * DTLS: two processes, each a csctp_dtls_sctp (ECDSA P-256 certificates made
 * by the parent, fingerprints checked, the default cipher list, which picks
 * ECDHE-ECDSA-AES128-GCM-SHA256) on a connected UDP socket with
 * recvmmsg/sendmmsg batches; the client sends 64 KiB messages as fast as the
 * association takes them, the server counts what arrives for TRIAL_S
 * seconds after the first message. The DTLS layer is a separate library
 * (libcsctp_dtls.so next to the engine in the build tree); it is loaded
 * with dlopen so that this program links only what every benchmark links.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

#if defined(__has_include)
#if __has_include(<csctp/dtls.h>)
#include <csctp/dtls.h>
#define HAVE_DTLS_H 1
#endif
#endif

#define DGRAM 1200
#define BATCH 64
#define ROUNDS 3
#define TRIAL_S 1.0

typedef struct udp_res {
  uint64_t dgrams, bytes;
  double seconds; /* receiver: first to last datagram */
  uint64_t sent;  /* sender's datagrams */
} udp_res;

static int udp_receiver(int sock, int report_fd) {
  static uint8_t bufs[BATCH][2048];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = bufs[i];
    iov[i].iov_len = sizeof bufs[i];
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  struct timeval tv = {0, 300000}; /* the sender stopped when nothing came for 300 ms */
  setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  udp_res r;
  memset(&r, 0, sizeof r);
  double first = 0, last = 0;
  for (;;) {
    int n = recvmmsg(sock, msgs, BATCH, 0, NULL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      if (r.dgrams) break;
      continue; /* still waiting for the first datagram */
    }
    double now = bench_seconds();
    if (!r.dgrams) first = now;
    last = now;
    for (int i = 0; i < n; i++) {
      if (msgs[i].msg_len == 1) goto done; /* end marker */
      r.bytes += msgs[i].msg_len;
      r.dgrams++;
    }
  }
done:
  r.seconds = last - first;
  if (write(report_fd, &r, sizeof r) != (ssize_t)sizeof r) return 1;
  return 0;
}

static uint64_t udp_sender(int sock, const struct sockaddr_in *to, double seconds) {
  static uint8_t payload[DGRAM];
  struct mmsghdr msgs[BATCH];
  struct iovec iov = {payload, DGRAM};
  for (int i = 0; i < BATCH; i++) {
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_name = (void *)to;
    msgs[i].msg_hdr.msg_namelen = sizeof *to;
    msgs[i].msg_hdr.msg_iov = &iov;
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  uint64_t sent = 0;
  double t0 = bench_seconds();
  while (bench_seconds() - t0 < seconds) {
    int n = sendmmsg(sock, msgs, BATCH, 0);
    if (n > 0) sent += (uint64_t)n;
  }
  /* End markers (several: loopback may drop under overload). */
  for (int k = 0; k < 20; k++) {
    sendto(sock, payload, 1, 0, (const struct sockaddr *)to, sizeof *to);
    bench_sleep_us(1000);
  }
  return sent;
}

static int udp_trial(udp_res *out) {
  int rs = socket(AF_INET, SOCK_DGRAM, 0), ss = socket(AF_INET, SOCK_DGRAM, 0);
  if (rs < 0 || ss < 0) return -1;
  int big = 8 << 20;
  setsockopt(rs, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  setsockopt(ss, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  if (bind(rs, (struct sockaddr *)&a, sizeof a) < 0 ||
      getsockname(rs, (struct sockaddr *)&a, &al) < 0)
    return -1;
  int fd[2];
  if (pipe(fd) < 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(fd[0]);
    close(ss);
    _exit(udp_receiver(rs, fd[1]));
  }
  close(fd[1]);
  close(rs);
  bench_sleep_us(20000);
  uint64_t sent = udp_sender(ss, &a, TRIAL_S);
  close(ss);
  udp_res r;
  ssize_t got = read(fd[0], &r, sizeof r);
  close(fd[0]);
  int st;
  waitpid(pid, &st, 0);
  if (got != (ssize_t)sizeof r || r.seconds <= 0) return -1;
  r.sent = sent;
  *out = r;
  return 0;
}

/* ---------- csctp over DTLS ---------- */

#ifdef HAVE_DTLS_H
#define DTLS_MSG 65536

/* The functions used, looked up in libcsctp_dtls.so (which brings its own libcsctp.so). */
static struct dtls_api {
  int (*cert_generate)(csctp_dtls_cert **, const char *, int64_t, const csctp_mem *);
  int (*cert_fingerprint)(const csctp_dtls_cert *, csctp_dtls_hash, csctp_dtls_fingerprint *);
  int (*config_default)(int, csctp_dtls_config *);
  int (*t_new)(csctp_dtls_sctp **, int, const csctp_dtls_config *, int, const csctp_config *, int);
  int (*start)(csctp_dtls_sctp *, csctp_tstamp);
  int (*read)(csctp_dtls_sctp *, const uint8_t *, size_t, csctp_tstamp);
  csctp_ssize (*write)(csctp_dtls_sctp *, uint8_t *, size_t, csctp_tstamp);
  int (*poll_event)(csctp_dtls_sctp *, csctp_event *);
  int (*poll_dtls_event)(csctp_dtls_sctp *, csctp_dtls_event *);
  csctp_tstamp (*expiry)(const csctp_dtls_sctp *);
  int (*handle_expiry)(csctp_dtls_sctp *, csctp_tstamp);
  csctp_assoc *(*assoc)(csctp_dtls_sctp *);
  int (*sctp_config_default)(int, csctp_config *);
  int (*send)(csctp_assoc *, const csctp_send_opts *, const uint8_t *, size_t, csctp_tstamp);
  int (*get_stats)(const csctp_assoc *, int, csctp_stats *);
} api;

static int dtls_load(char *why, size_t cap) {
  char self[512];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return snprintf(why, cap, "readlink failed"), -1;
  self[n] = 0;
  char *slash = strrchr(self, '/');
  if (slash) *slash = 0; /* .../bench */
  char path[600];
  snprintf(path, sizeof path, "%s/../libcsctp_dtls.so", self);
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) return snprintf(why, cap, "no libcsctp_dtls.so in the build (%s)", dlerror()), -1;
  struct {
    void **slot;
    const char *name;
  } syms[] = {
      {(void **)&api.cert_generate, "csctp_dtls_cert_generate"},
      {(void **)&api.cert_fingerprint, "csctp_dtls_cert_fingerprint"},
      {(void **)&api.config_default, "csctp_dtls_config_default_versioned"},
      {(void **)&api.t_new, "csctp_dtls_sctp_new_versioned"},
      {(void **)&api.start, "csctp_dtls_sctp_start"},
      {(void **)&api.read, "csctp_dtls_sctp_read_datagram"},
      {(void **)&api.write, "csctp_dtls_sctp_write_datagram"},
      {(void **)&api.poll_event, "csctp_dtls_sctp_poll_event"},
      {(void **)&api.poll_dtls_event, "csctp_dtls_sctp_poll_dtls_event"},
      {(void **)&api.expiry, "csctp_dtls_sctp_expiry"},
      {(void **)&api.handle_expiry, "csctp_dtls_sctp_handle_expiry"},
      {(void **)&api.assoc, "csctp_dtls_sctp_assoc"},
      {(void **)&api.sctp_config_default, "csctp_config_default_versioned"},
      {(void **)&api.send, "csctp_assoc_send"},
      {(void **)&api.get_stats, "csctp_assoc_get_stats_versioned"},
  };
  for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
    *syms[i].slot = dlsym(h, syms[i].name);
    if (!*syms[i].slot) return snprintf(why, cap, "libcsctp_dtls.so lacks %s", syms[i].name), -1;
  }
  return 0;
}

typedef struct dtls_res {
  uint64_t bytes, msgs;
  double seconds;
  char cipher[64];
  int error;
  int zero_checksum;            /* RFC 9653 negotiated */
  uint64_t packets_in, zero_in; /* SCTP packets received, of which with a zero checksum */
} dtls_res;

/* One side: the client sends, the server counts and reports on `report_fd`, then returns. */
static int dtls_side(csctp_dtls_role role, const csctp_dtls_cert *cert,
                     const csctp_dtls_fingerprint *peer_fp, int sock, int report_fd, int stop_fd) {
  static uint8_t out[BATCH][2048], in[BATCH][2048], msg[DTLS_MSG];
  struct mmsghdr om[BATCH], im[BATCH];
  struct iovec oiov[BATCH], iiov[BATCH];
  for (int i = 0; i < BATCH; i++) {
    memset(&om[i], 0, sizeof om[i]);
    memset(&im[i], 0, sizeof im[i]);
    iiov[i].iov_base = in[i];
    iiov[i].iov_len = sizeof in[i];
    im[i].msg_hdr.msg_iov = &iiov[i];
    im[i].msg_hdr.msg_iovlen = 1;
    om[i].msg_hdr.msg_iov = &oiov[i];
    om[i].msg_hdr.msg_iovlen = 1;
  }
  csctp_dtls_config dc;
  api.config_default(CSCTP_DTLS_CONFIG_VERSION, &dc);
  dc.role = role;
  dc.cert = cert;
  dc.remote_fingerprints = peer_fp;
  dc.remote_fingerprint_count = 1;
  dc.srtp = 0;
  csctp_config sc;
  api.sctp_config_default(CSCTP_CONFIG_VERSION, &sc);
  csctp_prng rng;
  csctp_prng_seed(&rng, role == CSCTP_DTLS_CLIENT ? 0xc1 : 0x5e);
  sc.rand = csctp_prng_rand_fn;
  sc.rand_user_data = &rng;
  /* SCTP inside DTLS: RFC 9653 zero checksum (CSCTP_BENCH_ZERO_CHECKSUM=0 turns it off, for a
   * comparison). */
  const char *zc = getenv("CSCTP_BENCH_ZERO_CHECKSUM");
  sc.zero_checksum_edmid = zc && !strcmp(zc, "0") ? CSCTP_EDMID_NONE : CSCTP_EDMID_DTLS;
  csctp_dtls_sctp *t;
  dtls_res r;
  memset(&r, 0, sizeof r);
  if (api.t_new(&t, CSCTP_DTLS_CONFIG_VERSION, &dc, CSCTP_CONFIG_VERSION, &sc, 0) != 0) return 1;
  csctp_assoc *a = api.assoc(t);
  api.start(t, bench_now_us());
  int connected = 0;
  double first = 0;
  csctp_send_opts so = {.stream = 0, .ppid = CSCTP_PPID_WEBRTC_BINARY};
  for (;;) {
    csctp_tstamp now = bench_now_us();
    int moved = 0;
    int n = recvmmsg(sock, im, BATCH, MSG_DONTWAIT, NULL);
    for (int i = 0; i < n; i++) api.read(t, in[i], im[i].msg_len, now);
    if (n > 0) moved = 1;
    csctp_dtls_event de;
    while (api.poll_dtls_event(t, &de)) {
      if (de.type == CSCTP_DTLS_EVENT_CONNECTED && de.u.connected.cipher)
        snprintf(r.cipher, sizeof r.cipher, "%s", de.u.connected.cipher);
      if (de.type == CSCTP_DTLS_EVENT_ERROR) r.error = de.u.error.error;
    }
    csctp_event ev;
    while (api.poll_event(t, &ev)) {
      if (ev.type == CSCTP_EVENT_CONNECTED) connected = 1;
      if (ev.type == CSCTP_EVENT_MESSAGE) {
        if (!r.msgs) first = bench_seconds();
        r.msgs++;
        r.bytes += ev.u.message.len;
      }
    }
    if (r.error) break;
    if (role == CSCTP_DTLS_CLIENT && connected)
      while (api.send(a, &so, msg, DTLS_MSG, now) == 0) moved = 1;
    int k = 0;
    csctp_ssize len;
    while ((len = api.write(t, out[k], sizeof out[k], now)) > 0) {
      oiov[k].iov_base = out[k];
      oiov[k].iov_len = (size_t)len;
      moved = 1;
      if (++k == BATCH) {
        sendmmsg(sock, om, (unsigned)k, 0);
        k = 0;
      }
    }
    if (k) sendmmsg(sock, om, (unsigned)k, 0);
    if (api.expiry(t) <= now) api.handle_expiry(t, now);
    if (role == CSCTP_DTLS_SERVER && r.msgs && bench_seconds() - first >= TRIAL_S) break;
    if (!moved) {
      struct pollfd pf[2] = {{sock, POLLIN, 0}, {stop_fd, POLLIN, 0}};
      csctp_tstamp e = api.expiry(t);
      int ms = e == CSCTP_TSTAMP_NONE || e > now + 10000 ? 10 : (int)((e - now) / 1000);
      poll(pf, stop_fd >= 0 ? 2 : 1, ms);
      if (stop_fd >= 0 && (pf[1].revents & (POLLIN | POLLHUP))) break;
    }
  }
  r.seconds = first > 0 ? bench_seconds() - first : 0;
  csctp_stats st;
  api.get_stats(a, CSCTP_STATS_VERSION, &st);
  r.zero_checksum = st.zero_checksum;
  r.packets_in = st.packets_in;
  r.zero_in = st.zero_checksum_in;
  if (report_fd >= 0 && write(report_fd, &r, sizeof r) != (ssize_t)sizeof r) return 1;
  return 0;
}

/* Returns MB/s received, or -1 (why says why). */
static double dtls_trial(char *why, size_t cap, char *cipher, size_t cipher_cap, dtls_res *out) {
  csctp_dtls_cert *cc, *sc;
  csctp_dtls_fingerprint cfp, sfp;
  if (api.cert_generate(&cc, "client", (int64_t)time(NULL), NULL) ||
      api.cert_generate(&sc, "server", (int64_t)time(NULL), NULL) ||
      api.cert_fingerprint(cc, CSCTP_DTLS_HASH_SHA256, &cfp) ||
      api.cert_fingerprint(sc, CSCTP_DTLS_HASH_SHA256, &sfp))
    return snprintf(why, cap, "certificate generation failed"), -1;
  int s[2];
  struct sockaddr_in addr[2];
  for (int i = 0; i < 2; i++) {
    s[i] = socket(AF_INET, SOCK_DGRAM, 0);
    int big = 8 << 20;
    setsockopt(s[i], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    setsockopt(s[i], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    memset(&addr[i], 0, sizeof addr[i]);
    addr[i].sin_family = AF_INET;
    addr[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof addr[i];
    if (bind(s[i], (struct sockaddr *)&addr[i], sizeof addr[i]) < 0 ||
        getsockname(s[i], (struct sockaddr *)&addr[i], &al) < 0)
      return snprintf(why, cap, "socket set-up failed"), -1;
  }
  for (int i = 0; i < 2; i++) connect(s[i], (struct sockaddr *)&addr[1 - i], sizeof addr[1 - i]);
  int rep[2];
  if (pipe(rep) < 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) { /* server: receives and reports */
    close(rep[0]);
    close(s[0]);
    _exit(dtls_side(CSCTP_DTLS_SERVER, sc, &cfp, s[1], rep[1], -1));
  }
  close(rep[1]);
  close(s[1]);
  /* The client stops when the server's report arrives (the pipe becomes readable). */
  dtls_side(CSCTP_DTLS_CLIENT, cc, &sfp, s[0], -1, rep[0]);
  dtls_res r;
  memset(&r, 0, sizeof r);
  ssize_t got = read(rep[0], &r, sizeof r);
  close(rep[0]);
  close(s[0]);
  int st;
  waitpid(pid, &st, 0);
  if (got != (ssize_t)sizeof r || r.seconds <= 0)
    return snprintf(why, cap, "no data arrived%s", r.error ? " (DTLS error)" : ""), -1;
  snprintf(cipher, cipher_cap, "%s", r.cipher);
  *out = r;
  return (double)r.bytes / r.seconds / 1e6;
}
#endif

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  udp_res best;
  memset(&best, 0, sizeof best);
  double best_rate = 0;
  for (int i = 0; i < ROUNDS; i++) {
    udp_res r;
    if (udp_trial(&r) != 0) continue;
    double rate = (double)r.bytes / r.seconds;
    if (rate > best_rate) best_rate = rate, best = r;
  }
  printf("\n== 4. Full stack: two processes over UDP loopback; best of %d x %.0f s ==\n\n", ROUNDS,
         TRIAL_S);
  printf("%-58s | %9s | %12s | %s\n", "path", "MB/s", "datagrams/s", "share of ceiling");
  printf(
      "-----------------------------------------------------------+-----------+--------------+"
      "-----------------\n");
  if (best_rate > 0)
    printf("%-58s | %9.1f | %12.0f | 100 %%  (sender wrote %.0f/s, %.1f %% lost)\n",
           "raw UDP ceiling: 1200 B datagrams, sendmmsg/recvmmsg", best_rate / 1e6,
           (double)best.dgrams / best.seconds, (double)best.sent / TRIAL_S,
           best.sent ? 100.0 * (1.0 - (double)best.dgrams / (double)best.sent) : 0.0);
  else
    printf("%-58s | %9s | %12s |\n", "raw UDP ceiling: 1200 B datagrams, sendmmsg/recvmmsg",
           "failed", "-");
  double dtls = -1;
  char why[160] = "not yet: no SCTP-over-DTLS object in this tree", cipher[64] = "";
  dtls_res dbest;
  memset(&dbest, 0, sizeof dbest);
#ifdef HAVE_DTLS_H
  if (dtls_load(why, sizeof why) == 0) {
    for (int i = 0; i < ROUNDS; i++) {
      char c[64] = "";
      dtls_res dr;
      double v = dtls_trial(why, sizeof why, c, sizeof c, &dr);
      if (v > dtls) {
        dtls = v;
        dbest = dr;
        snprintf(cipher, sizeof cipher, "%s", c);
      }
    }
  }
#endif
  if (dtls > 0) {
    char share[32] = "-";
    if (best_rate > 0) snprintf(share, sizeof share, "%.0f %%", 100.0 * dtls * 1e6 / best_rate);
    printf("%-58s | %9.1f | %12s | %s\n", "csctp over DTLS, 64 KiB messages (SCTP payload MB/s)",
           dtls, "-", share);
    printf("  DTLS cipher: %s\n", cipher[0] ? cipher : "(not reported)");
    printf(
        "  RFC 9653 zero checksum: %s (receiver: %llu of %llu SCTP packets with a zero "
        "checksum)\n",
        dbest.zero_checksum ? "negotiated" : "not negotiated", (unsigned long long)dbest.zero_in,
        (unsigned long long)dbest.packets_in);
  } else {
    printf("%-58s | %9s | %12s | %s\n", "csctp over DTLS (AES-128-GCM), 64 KiB messages", "-", "-",
           why);
  }
  printf("target (issue 7): full stack over DTLS at least 70 %% of the raw UDP ceiling\n");
  return 0;
}
