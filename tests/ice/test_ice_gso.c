/* SPDX-License-Identifier: MIT */
/*
 * UDP segmentation offload on the selected pair (ice/ice_gso.c): how a batch
 * is cut into runs the kernel can offload, and that a batch sent that way
 * arrives as the same datagrams, in order, byte for byte, on a plain UDP
 * socket of 127.0.0.1 (and ::1 where the machine has it), and that a datagram refused as too
 * long is lost alone.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ice_gso.h"

static size_t plan(const size_t *len, size_t n, size_t *count) {
  size_t runs = ice_gso_plan(len, n, count);
  size_t total = 0;
  for (size_t r = 0; r < runs; r++) total += count[r];
  cr_assert_eq(total, n, "the runs cover every datagram once");
  return runs;
}

Test(ice_gso, equal_lengths_make_one_run) {
  size_t len[16], count[16];
  for (size_t i = 0; i < 16; i++) len[i] = 1200;
  cr_assert_eq(plan(len, 16, count), 1);
  cr_assert_eq(count[0], 16);
}

Test(ice_gso, one_shorter_datagram_ends_a_run_a_longer_one_starts_the_next) {
  /* 3 x 1200, 700 (ends the run), 1200 x 2, 1300 (longer: new run), 90 (ends it) */
  size_t len[] = {1200, 1200, 1200, 700, 1200, 1200, 1300, 90};
  size_t count[8];
  size_t runs = plan(len, 8, count);
  cr_assert_eq(runs, 3);
  cr_assert_eq(count[0], 4);
  cr_assert_eq(count[1], 2);
  cr_assert_eq(count[2], 2);
}

Test(ice_gso, after_a_shorter_end_the_next_run_takes_its_own_length) {
  size_t len[] = {1200, 500, 500, 500, 90}, count[5];
  size_t runs = plan(len, 5, count);
  cr_assert_eq(runs, 2);
  cr_assert_eq(count[0], 2); /* 1200, then 500 as its shorter end */
  cr_assert_eq(count[1], 3); /* 500, 500, then 90 */
}

Test(ice_gso, runs_stop_at_the_segment_and_byte_limits) {
  size_t len[64], count[64];
  for (size_t i = 0; i < 64; i++) len[i] = 1200;
  /* 65000 / 1200 = 54 datagrams in the first run, 10 in the second. */
  cr_assert_eq(plan(len, 64, count), 2);
  cr_assert_eq(count[0], ICE_GSO_MAX_BYTES / 1200);
  cr_assert_eq(count[1], 64 - ICE_GSO_MAX_BYTES / 1200);
  for (size_t i = 0; i < 64; i++) len[i] = 100;
  cr_assert_eq(plan(len, 64, count), 1);
  cr_assert_eq(count[0], ICE_GSO_MAX_SEGMENTS);
}

/* A receiving socket and the address it is bound to; 0 when the family is unavailable. */
static int bind_receiver(int family, struct sockaddr_storage *at, socklen_t *atlen) {
  int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  memset(at, 0, sizeof *at);
  if (family == AF_INET) {
    struct sockaddr_in *a = (struct sockaddr_in *)at;
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *atlen = sizeof *a;
  } else {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)at;
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    *atlen = sizeof *a;
  }
  int big = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  if (bind(fd, (struct sockaddr *)at, *atlen) != 0 ||
      getsockname(fd, (struct sockaddr *)at, atlen) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static void send_and_receive(int family) {
  struct sockaddr_storage to;
  socklen_t tolen;
  int rx = bind_receiver(family, &to, &tolen);
  if (rx < 0) cr_skip_test("no loopback of family %d here", family);
  int tx = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  cr_assert_geq(tx, 0);
  enum { N = 40 };
  static uint8_t buf[N][1400];
  size_t len[N];
  const uint8_t *data[N];
  for (size_t i = 0; i < N; i++) {
    /* runs of 1200 with shorter ends, a longer one, a lone tiny one at the end */
    len[i] = i == N - 1 ? 13 : i % 9 == 8 ? 300 + i : i == 20 ? 1400 : 1200;
    for (size_t j = 0; j < len[i]; j++) buf[i][j] = (uint8_t)(i * 31 + j * 7);
    data[i] = buf[i];
  }
  size_t sent = 0;
  ice_gso_result r = ice_gso_send(tx, (struct sockaddr *)&to, tolen, data, len, N, &sent);
  if (r == ICE_GSO_UNSUPPORTED) cr_skip_test("this kernel does not offload UDP segmentation");
  cr_assert_eq(r, ICE_GSO_SENT);
  cr_assert_eq(sent, N);
  for (size_t i = 0; i < N; i++) {
    uint8_t got[2000];
    ssize_t n = recv(rx, got, sizeof got, MSG_DONTWAIT);
    cr_assert_eq(n, (ssize_t)len[i], "datagram %zu: %zd bytes, sent %zu", i, n, len[i]);
    cr_assert(memcmp(got, buf[i], len[i]) == 0, "datagram %zu: other bytes", i);
  }
  uint8_t extra[8];
  cr_assert_lt(recv(rx, extra, sizeof extra, MSG_DONTWAIT), 0, "no datagram more than sent");
  close(tx);
  close(rx);
}

Test(ice_gso, a_batch_arrives_as_the_same_datagrams_in_order_ipv4) { send_and_receive(AF_INET); }

Test(ice_gso, a_batch_arrives_as_the_same_datagrams_in_order_ipv6) { send_and_receive(AF_INET6); }

Test(ice_gso, a_socket_that_cannot_offload_is_reported_and_sends_nothing) {
  struct sockaddr_storage to;
  socklen_t tolen;
  int rx = bind_receiver(AF_INET, &to, &tolen);
  cr_assert_geq(rx, 0);
  int tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  /* Without UDP checksums Linux refuses segmentation offload (EINVAL). */
  int one = 1;
  cr_assert_eq(setsockopt(tx, SOL_SOCKET, SO_NO_CHECK, &one, sizeof one), 0);
  static uint8_t buf[4][1200];
  const uint8_t *data[4] = {buf[0], buf[1], buf[2], buf[3]};
  size_t len[4] = {1200, 1200, 1200, 1200}, sent = 99;
  cr_assert_eq(ice_gso_send(tx, (struct sockaddr *)&to, tolen, data, len, 4, &sent),
               ICE_GSO_UNSUPPORTED);
  cr_assert_eq(sent, 0);
  uint8_t got[2000];
  cr_assert_lt(recv(rx, got, sizeof got, MSG_DONTWAIT), 0, "nothing arrived");
  cr_assert_eq(errno, EAGAIN);
  close(tx);
  close(rx);
}

/* A datagram the kernel refuses as too long (EMSGSIZE: here over UDP's 65,507 bytes; with
 * PLPMTUD, a probe over the interface's MTU on a socket that forbids fragmentation) is
 * counted as sent and lost, and the datagrams after it still leave. */
Test(ice_gso, a_datagram_too_long_is_lost_alone) {
  struct sockaddr_storage to;
  socklen_t tolen;
  int rx = bind_receiver(AF_INET, &to, &tolen);
  cr_assert_geq(rx, 0);
  int tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  cr_assert_geq(tx, 0);
  static uint8_t big[65520], a[100], b[100];
  memset(a, 'a', sizeof a);
  memset(b, 'b', sizeof b);
  const uint8_t *data[3] = {a, big, b};
  size_t len[3] = {sizeof a, sizeof big, sizeof b}, sent = 0;
  cr_assert_eq(ice_gso_send(tx, (struct sockaddr *)&to, tolen, data, len, 3, &sent), ICE_GSO_SENT);
  cr_assert_eq(sent, 3, "%zu of 3 datagrams handled", sent);
  uint8_t got[200];
  cr_assert_eq(recv(rx, got, sizeof got, MSG_DONTWAIT), 100);
  cr_assert_eq(got[0], 'a');
  cr_assert_eq(recv(rx, got, sizeof got, MSG_DONTWAIT), 100, "the datagram after the long one");
  cr_assert_eq(got[0], 'b');
  cr_assert_lt(recv(rx, got, sizeof got, MSG_DONTWAIT), 0, "nothing more");
  close(tx);
  close(rx);
}
