/* SPDX-License-Identifier: MIT */
/*
 * A link's local addresses (multi-homing, csctp_link_set_local_addrs): which listed address a
 * packet arrived at (IP_PKTINFO / IPV6_PKTINFO in), the source a packet leaves from (the same
 * control messages out), and the source of a packet sent without one named.
 */
#include <string.h>
#include <unistd.h>

#include "link_priv.h"

/* The index in l->laddrs of the packet's destination address (IP_PKTINFO / IPV6_PKTINFO; a
 * v4-mapped IPv6 one matches the IPv4 entry), or CSCTP_LOCAL_ANY. */
uint8_t csctp_link_cmsg_local(const csctp_link *l, const struct msghdr *m) {
  uint8_t ip[16];
  size_t n = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR((struct msghdr *)m, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
        c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
      struct in_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof pi);
      memcpy(ip, &pi.ipi_addr, 4);
      n = 4;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
               c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
      struct in6_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof pi);
      memcpy(ip, &pi.ipi6_addr, 16);
      n = 16;
      if (IN6_IS_ADDR_V4MAPPED(&pi.ipi6_addr)) {
        memmove(ip, ip + 12, 4);
        n = 4;
      }
    }
  }
  for (uint8_t i = 0; n && i < l->n_laddrs; i++)
    if (l->laddrs[i].len == n + 2 && !memcmp(l->laddrs[i].data, ip, n)) return i;
  return CSCTP_LOCAL_ANY;
}

/* Writes the control message that makes a packet leave from local address `i` (its family
 * the socket's, or IPv4 on a dual one). Returns its space, 0 when it cannot be named. */
size_t csctp_link_cmsg_source(const csctp_link *l, uint8_t i, struct cmsghdr *c) {
  const csctp_addr *a = &l->laddrs[i];
  if (l->family == AF_INET && a->len == 6) {
    struct in_pktinfo pi;
    memset(&pi, 0, sizeof pi);
    memcpy(&pi.ipi_spec_dst, a->data, 4);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof pi);
    memcpy(CMSG_DATA(c), &pi, sizeof pi);
    return CMSG_SPACE(sizeof pi);
  }
  if (l->family == AF_INET6 && (a->len == 18 || (a->len == 6 && l->dual))) {
    struct in6_pktinfo pi;
    memset(&pi, 0, sizeof pi);
    if (a->len == 18) {
      memcpy(&pi.ipi6_addr, a->data, 16);
    } else { /* an IPv4 source on a dual socket: v4-mapped */
      pi.ipi6_addr.s6_addr[10] = pi.ipi6_addr.s6_addr[11] = 0xff;
      memcpy(&pi.ipi6_addr.s6_addr[12], a->data, 4);
    }
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof pi);
    memcpy(CMSG_DATA(c), &pi, sizeof pi);
    return CMSG_SPACE(sizeof pi);
  }
  return 0;
}

/*
 * A packet for `to` without a local address named (an INIT, a path nothing came from yet) on a
 * link with local addresses: the address the kernel would send from (a UDP socket connected to
 * `to` says) when it is one of ours, else our first, so that the answer comes to an address we
 * serve. Remembered per destination (LINK_SRC_CACHE of them, the oldest replaced).
 */
uint8_t csctp_link_pick_source(csctp_link *l, const csctp_addr *to) {
  size_t iplen = (size_t)to->len - 2;
  for (unsigned i = 0; i < l->n_src; i++)
    if (l->src_to[i].len == to->len && !memcmp(l->src_to[i].data, to->data, iplen))
      return l->src_idx[i];
  uint8_t pick = 0;
  struct sockaddr_storage ss, me;
  socklen_t sl = csctp_link_to_sockaddr(l, to, &ss), ml = sizeof me;
  if (ss.ss_family == AF_INET) ((struct sockaddr_in *)&ss)->sin_port = htons(9);
  if (ss.ss_family == AF_INET6) ((struct sockaddr_in6 *)&ss)->sin6_port = htons(9);
  int fd = sl ? socket(l->family, SOCK_DGRAM | SOCK_CLOEXEC, 0) : -1;
  if (fd >= 0 && connect(fd, (struct sockaddr *)&ss, sl) == 0 &&
      getsockname(fd, (struct sockaddr *)&me, &ml) == 0) {
    csctp_addr m;
    csctp_link_from_sockaddr(&me, 0, &m);
    for (uint8_t i = 0; i < l->n_laddrs; i++)
      if (l->laddrs[i].len == m.len && !memcmp(l->laddrs[i].data, m.data, (size_t)m.len - 2))
        pick = i;
  }
  if (fd >= 0) close(fd);
  unsigned slot = l->n_src < LINK_SRC_CACHE ? l->n_src++ : l->src_next++ % LINK_SRC_CACHE;
  l->src_to[slot] = *to;
  l->src_idx[slot] = pick;
  return pick;
}

int csctp_link_set_local_addrs(csctp_link *l, const csctp_addr *addrs, size_t n) {
  if (l->fd < 0 || n > CSCTP_PATHS_MAX || (n && !addrs)) return CSCTP_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < n; i++)
    if (addrs[i].len != 6 && addrs[i].len != 18) return CSCTP_ERR_INVALID_ARGUMENT;
  int one = 1, rv = 0;
  if (n && l->family == AF_INET6) {
    rv = setsockopt(l->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
    if (!rv) (void)setsockopt(l->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)); /* v4-mapped */
  } else if (n) {
    rv = setsockopt(l->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
  }
  if (rv != 0) return CSCTP_ERR_SOCKET;
  if (n) memcpy(l->laddrs, addrs, n * sizeof(*addrs));
  l->n_laddrs = (uint8_t)n;
  l->n_src = 0; /* sources picked for the old list */
  l->pktinfo = n != 0;
  return 0;
}
