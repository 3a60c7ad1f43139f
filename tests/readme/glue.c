/* SPDX-License-Identifier: MIT */
/*
 * The glue that README.md's engine example leaves to the reader ("Yours: the
 * transport under SCTP and a monotonic clock"), written as obviously as a user
 * would: one UDP socket connected to `csctp echo --udp` (RFC 6951: the SCTP
 * packet is the UDP payload), poll() until the deadline, CLOCK_MONOTONIC.
 * run.sh compiles it together with the example's code, extracted from README.md
 * at test time, and runs it; it prints how long run() took.
 */
#include <arpa/inet.h>
#include <csctp/sctp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int run(void);
void send_to_peer(const uint8_t *pkt, size_t len);
size_t recv_from_peer(uint8_t *buf, size_t cap, csctp_tstamp deadline);
csctp_tstamp now_us(void);

static int fd = -1;

csctp_tstamp now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (csctp_tstamp)ts.tv_sec * 1000000 + (csctp_tstamp)ts.tv_nsec / 1000;
}

void send_to_peer(const uint8_t *pkt, size_t len) {
  if (send(fd, pkt, len, 0) < 0) perror("send");
}

size_t recv_from_peer(uint8_t *buf, size_t cap, csctp_tstamp deadline) {
  csctp_tstamp now = now_us();
  int ms = deadline <= now ? 0 : deadline - now > 60000000 ? 60000 : (int)((deadline - now) / 1000);
  struct pollfd p = {.fd = fd, .events = POLLIN};
  if (poll(&p, 1, ms) <= 0) return 0;
  ssize_t n = recv(fd, buf, cap, 0);
  return n > 0 ? (size_t)n : 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s UDP_PORT (of csctp echo --udp 127.0.0.1:UDP_PORT)\n", argv[0]);
    return 2;
  }
  fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
    perror("udp socket");
    return 1;
  }
  csctp_tstamp t0 = now_us();
  int rv = run();
  printf("run() returned %d after %.1f ms\n", rv, (double)(now_us() - t0) / 1000.0);
  close(fd);
  return rv == 0 ? 0 : 1;
}
