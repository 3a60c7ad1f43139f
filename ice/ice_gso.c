/* SPDX-License-Identifier: MIT */
/*
 * UDP segmentation offload for the selected pair (see ice_gso.h).
 */
#include "ice_gso.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/uio.h>

size_t ice_gso_plan(const size_t *len, size_t n, size_t *count) {
  size_t runs = 0;
  for (size_t i = 0; i < n;) {
    size_t seg = len[i], k = 1, bytes = len[i];
    while (i + k < n && len[i + k] == seg && k < ICE_GSO_MAX_SEGMENTS &&
           bytes + seg <= ICE_GSO_MAX_BYTES) {
      bytes += seg;
      k++;
    }
    /* One shorter datagram may end the run: the kernel's last segment. */
    if (i + k < n && len[i + k] < seg && k < ICE_GSO_MAX_SEGMENTS &&
        bytes + len[i + k] <= ICE_GSO_MAX_BYTES) {
      k++;
    }
    count[runs++] = k;
    i += k;
  }
  return runs;
}

/* Errors with which the kernel refuses to offload (rather than to send). */
static int gso_refused(int err) {
  return err == EINVAL || err == EIO || err == EMSGSIZE || err == ENOPROTOOPT || err == EOPNOTSUPP;
}

ice_gso_result ice_gso_send(int fd, const struct sockaddr *to, socklen_t tolen,
                            const uint8_t *const *data, const size_t *len, size_t n, size_t *sent) {
  struct iovec iov[ICE_GSO_MAX_SEGMENTS];
  struct mmsghdr msg[ICE_GSO_MAX_SEGMENTS];
  size_t count[ICE_GSO_MAX_SEGMENTS];
  union {
    char buf[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } ctl[ICE_GSO_MAX_SEGMENTS];
  *sent = 0;
  if (n == 0) return ICE_GSO_SENT;
  if (n > ICE_GSO_MAX_SEGMENTS) n = ICE_GSO_MAX_SEGMENTS;
  for (size_t i = 0; i < n; i++) {
    iov[i].iov_base = (void *)data[i];
    iov[i].iov_len = len[i];
  }
  size_t runs = ice_gso_plan(len, n, count);
  memset(msg, 0, runs * sizeof msg[0]);
  for (size_t r = 0, first = 0; r < runs; first += count[r], r++) {
    struct msghdr *h = &msg[r].msg_hdr;
    h->msg_name = (void *)to;
    h->msg_namelen = tolen;
    h->msg_iov = &iov[first];
    h->msg_iovlen = count[r];
    if (count[r] > 1) {
      uint16_t seg = (uint16_t)len[first];
      memset(&ctl[r], 0, sizeof ctl[r]);
      h->msg_control = ctl[r].buf;
      h->msg_controllen = sizeof ctl[r].buf;
      struct cmsghdr *c = CMSG_FIRSTHDR(h);
      c->cmsg_level = IPPROTO_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof seg);
      memcpy(CMSG_DATA(c), &seg, sizeof seg);
    }
  }
  size_t r0 = 0;
  for (;;) {
    int m;
    do {
      m = sendmmsg(fd, msg + r0, (unsigned)(runs - r0), MSG_DONTWAIT);
    } while (m < 0 && errno == EINTR);
    if (m < 0 && errno == EMSGSIZE && count[r0] == 1) {
      /* One datagram over the interface's MTU with fragmentation forbidden (a path MTU
       * probe, ice_socket_no_fragment): lost as on the path; the others go on. */
      (*sent)++;
      if (++r0 == runs) return ICE_GSO_SENT;
      continue;
    }
    if (m < 0) return r0 == 0 && gso_refused(errno) ? ICE_GSO_UNSUPPORTED : ICE_GSO_SENT;
    for (int r = 0; r < m; r++) *sent += count[r0 + (size_t)r];
    r0 += (size_t)m;
    /* All sent (the usual case: one call); else the next call says why it stopped. */
    if (r0 == runs || m == 0) return ICE_GSO_SENT;
  }
}
