/* SPDX-License-Identifier: MIT */
/*
 * Batched receive next to libnice (ice/ice_rx.c): the run of data from the
 * selected remote at the head of the queue is taken in one batch, and every
 * other datagram (STUN, another sender, one too large) stays queued, in
 * order, byte for byte, for the plain reads libnice makes; and the next batch
 * starts at the head again.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ice_rx.h"

static int rx, tx, other;
static struct sockaddr_in rx_at, tx_at;

static int udp_on_loopback(struct sockaddr_in *at) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  cr_assert_geq(fd, 0);
  memset(at, 0, sizeof *at);
  at->sin_family = AF_INET;
  at->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof *at;
  cr_assert_eq(bind(fd, (struct sockaddr *)at, len), 0);
  cr_assert_eq(getsockname(fd, (struct sockaddr *)at, &len), 0);
  return fd;
}

static void setup(void) {
  rx = udp_on_loopback(&rx_at);
  tx = udp_on_loopback(&tx_at);
  struct sockaddr_in unused;
  other = udp_on_loopback(&unused);
  int big = 4 << 20;
  setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  if (ice_rx_enable(rx) != 0) cr_skip_test("no SO_PEEK_OFF for UDP in this kernel");
}

static void teardown(void) {
  close(rx);
  close(tx);
  close(other);
}

/* Datagram `id` of `len` bytes whose first byte is `first`, from socket `fd`. */
static void send_one(int fd, uint8_t first, size_t len, unsigned id) {
  uint8_t buf[4000];
  cr_assert_leq(len, sizeof buf);
  for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)(id * 13 + i);
  buf[0] = first;
  cr_assert_eq(sendto(fd, buf, len, 0, (struct sockaddr *)&rx_at, sizeof rx_at), (ssize_t)len);
}

static void expect_taken(const ice_rx_batch *b, size_t i, uint8_t first, size_t len, unsigned id) {
  cr_assert_eq(b->len[i], len, "datagram %zu: %zu bytes, expected %zu", i, b->len[i], len);
  cr_assert_eq(b->data[i][0], first);
  for (size_t j = 1; j < len; j++) {
    cr_assert_eq(b->data[i][j], (uint8_t)(id * 13 + j), "datagram %zu, byte %zu", i, j);
  }
}

/* What libnice's plain read gets next. */
static void expect_plain_read(uint8_t first, size_t len, unsigned id) {
  uint8_t buf[65536];
  ssize_t n = recv(rx, buf, sizeof buf, MSG_DONTWAIT);
  cr_assert_eq(n, (ssize_t)len, "plain read: %zd bytes, expected %zu", n, len);
  cr_assert_eq(buf[0], first);
  for (size_t j = 1; j < len; j++) cr_assert_eq(buf[j], (uint8_t)(id * 13 + j));
}

static size_t take(ice_rx_batch *b) {
  return ice_rx_take(rx, (struct sockaddr *)&tx_at, sizeof tx_at, b);
}

TestSuite(ice_rx, .init = setup, .fini = teardown);

Test(ice_rx, an_empty_queue_gives_nothing) {
  static ice_rx_batch b;
  cr_assert_eq(take(&b), 0);
}

Test(ice_rx, the_data_run_is_taken_and_stun_stays_for_libnice_in_order) {
  static ice_rx_batch b;
  send_one(tx, 23, 1200, 1);
  send_one(tx, 23, 1200, 2);
  send_one(tx, 22, 300, 3);
  send_one(tx, 0x01, 100, 4); /* STUN: libnice's */
  send_one(tx, 23, 1200, 5);
  send_one(tx, 23, 700, 6);
  cr_assert_eq(take(&b), 3);
  expect_taken(&b, 0, 23, 1200, 1);
  expect_taken(&b, 1, 23, 1200, 2);
  expect_taken(&b, 2, 22, 300, 3);
  cr_assert_eq(take(&b), 0, "STUN at the head: nothing taken, and it stays");
  expect_plain_read(0x01, 100, 4);
  /* The peek offset went back to the head: the next batch is the next data, not later. */
  cr_assert_eq(take(&b), 2);
  expect_taken(&b, 0, 23, 1200, 5);
  expect_taken(&b, 1, 23, 700, 6);
  cr_assert_eq(take(&b), 0);
}

Test(ice_rx, another_sender_or_a_datagram_too_large_stays_queued) {
  static ice_rx_batch b;
  send_one(tx, 23, 1000, 1);
  send_one(other, 23, 1000, 2); /* not the selected remote */
  send_one(tx, 23, 1000, 3);
  send_one(tx, 23, ICE_RX_DATAGRAM + 1, 4); /* a larger MTU than we read in batches */
  send_one(tx, 23, 1000, 5);
  cr_assert_eq(take(&b), 1);
  expect_taken(&b, 0, 23, 1000, 1);
  expect_plain_read(23, 1000, 2);
  cr_assert_eq(take(&b), 1);
  expect_taken(&b, 0, 23, 1000, 3);
  cr_assert_eq(take(&b), 0);
  expect_plain_read(23, ICE_RX_DATAGRAM + 1, 4);
  cr_assert_eq(take(&b), 1);
  expect_taken(&b, 0, 23, 1000, 5);
}

Test(ice_rx, a_long_run_is_taken_a_batch_at_a_time_without_loss) {
  static ice_rx_batch b;
  enum { N = 3 * ICE_RX_BATCH + 5 };
  for (unsigned i = 0; i < N; i++) send_one(tx, 23, 200 + i, i);
  unsigned next = 0;
  for (;;) {
    size_t n = take(&b);
    if (n == 0) break;
    cr_assert_leq(n, ICE_RX_BATCH);
    for (size_t i = 0; i < n; i++, next++) expect_taken(&b, i, 23, 200 + next, next);
  }
  cr_assert_eq(next, N);
  uint8_t buf[16];
  cr_assert_lt(recv(rx, buf, sizeof buf, MSG_DONTWAIT), 0);
  cr_assert_eq(errno, EAGAIN);
}

Test(ice_rx, plain_reads_between_batches_keep_the_offset_at_the_head) {
  static ice_rx_batch b;
  for (unsigned i = 0; i < 6; i++) send_one(tx, 23, 500, i);
  expect_plain_read(23, 500, 0);
  expect_plain_read(23, 500, 1);
  cr_assert_eq(take(&b), 4);
  for (unsigned i = 0; i < 4; i++) expect_taken(&b, i, 23, 500, 2 + i);
}
