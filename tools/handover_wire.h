/* SPDX-License-Identifier: MIT */
/*
 * The wire between `csctp-peer --handover` and its successor process: big-endian
 * integers in a GByteArray, whole reads and writes, and one message that carries a
 * file descriptor (SCM_RIGHTS).
 */
#ifndef CSCTP_TOOLS_HANDOVER_WIRE_H
#define CSCTP_TOOLS_HANDOVER_WIRE_H

#include <errno.h>
#include <glib.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Appends to a GByteArray, big-endian. */
static inline void put_u(GByteArray *b, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) {
    uint8_t x = (uint8_t)(v >> (8 * i));
    g_byte_array_append(b, &x, 1);
  }
}

static inline int write_all(int fd, const uint8_t *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static inline int read_all(int fd, uint8_t *p, size_t n) {
  while (n) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

static inline uint64_t get_u(const uint8_t **p, const uint8_t *end, int bytes, int *bad) {
  uint64_t v = 0;
  if (end - *p < bytes) {
    *bad = 1;
    return 0;
  }
  for (int i = 0; i < bytes; i++) v = v << 8 | (*p)[i];
  *p += bytes;
  return v;
}

/* Sends `n` bytes of `data` with `fd` attached. 0, or -1. */
static inline int wire_send_fd(int sock, const uint8_t *data, size_t n, int fd) {
  struct iovec iov = {.iov_base = (void *)data, .iov_len = n};
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } cm;
  memset(&cm, 0, sizeof cm);
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof cm.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t w;
  do w = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (w < 0 && errno == EINTR);
  return w == (ssize_t)n ? 0 : -1;
}

/* Receives up to `n` bytes into `data` and the descriptor attached, if any, into *fd
 * (close-on-exec; -1 when none). Returns the bytes read, 0 at end of input, or -1. */
static inline ssize_t wire_recv_fd(int sock, uint8_t *data, size_t n, int *fd) {
  struct iovec iov = {.iov_base = data, .iov_len = n};
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } cm;
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof cm.buf};
  ssize_t r;
  do r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  *fd = -1;
  struct cmsghdr *c = r > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
      c->cmsg_len == CMSG_LEN(sizeof(int)))
    memcpy(fd, CMSG_DATA(c), sizeof *fd);
  return r;
}

#endif
