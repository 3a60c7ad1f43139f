/* SPDX-License-Identifier: MIT */
/* Internal to link.c and link_local.c: the link's state and their shared helpers. */
#ifndef CSCTP_TRANSPORT_LINK_PRIV_H
#define CSCTP_TRANSPORT_LINK_PRIV_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "link.h"

#define LINK_BATCH 32
#define LINK_PKT_MAX 9216 /* larger packets are truncated by the kernel and dropped */
#define LINK_SRC_CACHE 16 /* destinations whose source link_pick_source remembers */

struct csctp_link {
  int fd, udp, family;
  int dual; /* csctp_link_new_dual: an IPv6 socket that carries IPv4 too (v4-mapped) */
  uint16_t udp_port;
  GSource *src;
  csctp_link_recv_fn recv;
  csctp_link_batch_fn batch;
  csctp_link_unreach_fn unreach;
  void *user_data;
  csctp_link_output_fn out; /* external links (fd -1): where packets go */
  void *out_user_data;
  csctp_addr ext_peer; /* external links: the one peer's address */
  uint8_t (*rbuf)[LINK_PKT_MAX];
  uint8_t (*sbuf)[LINK_PKT_MAX];
  struct sockaddr_storage sto[LINK_BATCH];
  size_t slen[LINK_BATCH];
  int plpmtud; /* csctp_link_set_plpmtud: DF on every packet but the fragmentable ones */
  int ecn;     /* csctp_link_set_ecn: codepoints read and written */
  int rx_ecn;  /* the codepoint of the packet in the recv callback */
  uint8_t secn[LINK_BATCH];
  /* csctp_link_set_local_addrs: the addresses (IP in the first len - 2 bytes), whether
   * IP_PKTINFO / IPV6_RECVPKTINFO is on, the packet being received's local index, and each
   * queued packet's source index (CSCTP_LOCAL_ANY: the kernel chooses). */
  csctp_addr laddrs[CSCTP_PATHS_MAX];
  uint8_t n_laddrs, pktinfo, rx_local;
  uint8_t slocal[LINK_BATCH];
  /* The source picked for a destination sent to without one (link_pick_source), remembered. */
  csctp_addr src_to[LINK_SRC_CACHE];
  uint8_t src_idx[LINK_SRC_CACHE], n_src, src_next;
  unsigned nsend;
  csctp_link_stats stats;
};

/* An address of ours (IP form, UDP port last) as a sockaddr of the link's family (v4-mapped on
 * a dual link); returns its length, 0 when the family does not fit. */
socklen_t csctp_link_to_sockaddr(const csctp_link *l, const csctp_addr *a,
                                 struct sockaddr_storage *ss);
/* The reverse (a v4-mapped address becomes IPv4; `udp` 0: port 0). */
void csctp_link_from_sockaddr(const struct sockaddr_storage *ss, int udp, csctp_addr *a);
/* link_local.c: the index in l->laddrs of a received packet's destination, or CSCTP_LOCAL_ANY. */
uint8_t csctp_link_cmsg_local(const csctp_link *l, const struct msghdr *m);
/* link_local.c: writes the control message naming local address `i` as a packet's source into
 * `c`; returns its space, 0 when it cannot be named. */
size_t csctp_link_cmsg_source(const csctp_link *l, uint8_t i, struct cmsghdr *c);
/* link_local.c: the source for a packet to `to` sent without one named (a listed address). */
uint8_t csctp_link_pick_source(csctp_link *l, const csctp_addr *to);

#endif
