/* SPDX-License-Identifier: MIT */
/*
 * Batched receive on the selected pair's socket, next to libnice (see ice_rx.h).
 */
#include "ice_rx.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/uio.h>

int ice_rx_enable(int fd) {
  int zero = 0;
  return setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof zero) == 0 ? 0 : -1;
}

static int same_address(const struct sockaddr_storage *got, socklen_t gotlen,
                        const struct sockaddr *want, socklen_t wantlen) {
  if (got->ss_family != want->sa_family) return 0;
  if (want->sa_family == AF_INET) {
    const struct sockaddr_in *g = (const struct sockaddr_in *)got;
    const struct sockaddr_in *w = (const struct sockaddr_in *)want;
    return gotlen >= sizeof *g && wantlen >= sizeof *w && g->sin_port == w->sin_port &&
           g->sin_addr.s_addr == w->sin_addr.s_addr;
  }
  if (want->sa_family == AF_INET6) {
    const struct sockaddr_in6 *g = (const struct sockaddr_in6 *)got;
    const struct sockaddr_in6 *w = (const struct sockaddr_in6 *)want;
    return gotlen >= sizeof *g && wantlen >= sizeof *w && g->sin6_port == w->sin6_port &&
           memcmp(&g->sin6_addr, &w->sin6_addr, sizeof g->sin6_addr) == 0;
  }
  return 0;
}

static int recvmmsg_retry(int fd, struct mmsghdr *m, unsigned n, int flags) {
  int r;
  do {
    r = recvmmsg(fd, m, n, flags | MSG_DONTWAIT, NULL);
  } while (r < 0 && errno == EINTR);
  return r;
}

size_t ice_rx_take(int fd, const struct sockaddr *from, socklen_t fromlen, ice_rx_batch *b) {
  struct sockaddr_storage name[ICE_RX_BATCH];
  struct iovec iov[ICE_RX_BATCH];
  struct mmsghdr m[ICE_RX_BATCH];
  memset(m, 0, sizeof m);
  for (size_t i = 0; i < ICE_RX_BATCH; i++) {
    iov[i].iov_base = b->data[i];
    iov[i].iov_len = ICE_RX_DATAGRAM;
    m[i].msg_hdr.msg_name = &name[i];
    m[i].msg_hdr.msg_namelen = sizeof name[i];
    m[i].msg_hdr.msg_iov = &iov[i];
    m[i].msg_hdr.msg_iovlen = 1;
  }
  /* Each peek moves the peek offset past the datagram it saw, so the next one sees the next. */
  int peeked = recvmmsg_retry(fd, m, ICE_RX_BATCH, MSG_PEEK);
  if (peeked <= 0) return 0;
  size_t k = 0;
  while (k < (size_t)peeked) {
    const struct msghdr *h = &m[k].msg_hdr;
    size_t len = m[k].msg_len;
    if ((h->msg_flags & MSG_TRUNC) || len == 0 || b->data[k][0] <= 3 ||
        !same_address(&name[k], h->msg_namelen, from, fromlen)) {
      break;
    }
    b->len[k++] = len;
  }
  /* Remove the run without copying it again: MSG_TRUNC makes each read count the whole
   * datagram, which takes the peek offset back by as much. */
  size_t taken = 0;
  if (k > 0) {
    struct mmsghdr d[ICE_RX_BATCH];
    memset(d, 0, k * sizeof d[0]);
    int r = recvmmsg_retry(fd, d, (unsigned)k, MSG_TRUNC);
    if (r > 0) taken = (size_t)r;
    /* The queue's head was the peeked run (only this thread reads the socket), so the
     * removed datagrams are those; their lengths agree, or the run ends there. */
    for (size_t i = 0; i < taken; i++) {
      if (d[i].msg_len != b->len[i]) {
        taken = i;
        break;
      }
    }
  }
  if ((size_t)peeked > taken) {
    /* Datagrams stay queued past the offset: back to the head for the next reader. */
    int zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof zero);
  }
  return taken;
}
