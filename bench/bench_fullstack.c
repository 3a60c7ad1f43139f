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
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

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
  printf("%-58s | %9s | %12s | %s\n", "csctp over DTLS (AES-128-GCM), 64 KiB messages", "not yet",
         "-", "not yet: no SCTP-over-DTLS object committed");
  printf("target (issue 7): full stack over DTLS at least 70 %% of the raw UDP ceiling\n");
  return 0;
}
