/* SPDX-License-Identifier: MIT */
/* UDP (RFC 6951) and raw IP (protocol 132) links with recvmmsg / sendmmsg batching. */
#include "link_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib-unix.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int csctp_link_addr_parse(const char *ip, uint16_t udp_port, csctp_addr *a) {
  memset(a, 0, sizeof(*a));
  uint8_t b[16];
  if (inet_pton(AF_INET, ip, b) == 1) {
    memcpy(a->data, b, 4);
    a->len = 4;
  } else if (inet_pton(AF_INET6, ip, b) == 1) {
    memcpy(a->data, b, 16);
    a->len = 16;
  } else {
    return CSCTP_ERR_INVALID_ARGUMENT;
  }
  a->data[a->len] = (uint8_t)(udp_port >> 8);
  a->data[a->len + 1] = (uint8_t)udp_port;
  a->len += 2;
  return 0;
}

const char *csctp_link_addr_str(const csctp_addr *a, char *buf, size_t cap) {
  char ip[INET6_ADDRSTRLEN] = "?";
  int v4 = a->len == 6;
  if (a->len == 6 || a->len == 18) inet_ntop(v4 ? AF_INET : AF_INET6, a->data, ip, sizeof(ip));
  unsigned port = a->len >= 2 ? (unsigned)a->data[a->len - 2] << 8 | a->data[a->len - 1] : 0;
  if (port)
    snprintf(buf, cap, v4 ? "%s:%u" : "[%s]:%u", ip, port);
  else
    snprintf(buf, cap, "%s", ip);
  return buf;
}

socklen_t csctp_link_to_sockaddr(const csctp_link *l, const csctp_addr *a,
                                 struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof(*ss));
  uint16_t port = (uint16_t)(a->data[a->len - 2] << 8 | a->data[a->len - 1]);
  if (l->family == AF_INET && a->len == 6) {
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    memcpy(&s4->sin_addr, a->data, 4);
    s4->sin_port = l->udp ? htons(port) : 0;
    return sizeof(*s4);
  }
  if (l->family == AF_INET6 && (a->len == 18 || (a->len == 6 && l->dual))) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    s6->sin6_family = AF_INET6;
    if (a->len == 18) {
      memcpy(&s6->sin6_addr, a->data, 16);
    } else { /* ::ffff:a.b.c.d */
      s6->sin6_addr.s6_addr[10] = s6->sin6_addr.s6_addr[11] = 0xff;
      memcpy(&s6->sin6_addr.s6_addr[12], a->data, 4);
    }
    s6->sin6_port = l->udp ? htons(port) : 0;
    return sizeof(*s6);
  }
  return 0;
}

void csctp_link_from_sockaddr(const struct sockaddr_storage *ss, int udp, csctp_addr *a) {
  memset(a, 0, sizeof(*a));
  uint16_t port = 0;
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
    memcpy(a->data, &s4->sin_addr, 4);
    a->len = 4;
    port = ntohs(s4->sin_port);
  } else {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
    int mapped = IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr); /* an IPv4 peer of a dual link */
    memcpy(a->data, &s6->sin6_addr.s6_addr[mapped ? 12 : 0], mapped ? 4 : 16);
    a->len = mapped ? 4 : 16;
    port = ntohs(s6->sin6_port);
  }
  if (!udp) port = 0;
  a->data[a->len] = (uint8_t)(port >> 8);
  a->data[a->len + 1] = (uint8_t)port;
  a->len += 2;
}

/* Errors the kernel reports on a socket with IP_RECVERR for an earlier packet (once, on
 * the next send or receive call); they say nothing about the call that returned them. */
static int link_icmp_errno(int e) {
  return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH || e == EHOSTDOWN ||
         e == EPROTO || e == ENOPROTOOPT;
}

/* Maps an extended socket error to a Destination Unreachable kind; 0: not one. */
static int link_unreach_kind(const struct sock_extended_err *ee) {
  if (ee->ee_origin == SO_EE_ORIGIN_ICMP && ee->ee_type == 3) { /* Destination Unreachable */
    if (ee->ee_code == 3) return CSCTP_UNREACH_PORT;
    if (ee->ee_code == 2) return CSCTP_UNREACH_PROTOCOL;
    if (ee->ee_code == 4) return 0; /* fragmentation needed: not about reachability */
    return CSCTP_UNREACH_OTHER;
  }
  if (ee->ee_origin == SO_EE_ORIGIN_ICMP6) {
    if (ee->ee_type == 1) return ee->ee_code == 4 ? CSCTP_UNREACH_PORT : CSCTP_UNREACH_OTHER;
    if (ee->ee_type == 4 && ee->ee_code == 1) return CSCTP_UNREACH_PROTOCOL; /* next header */
  }
  return 0;
}

/* Reads the socket's error queue (bounded per wake-up) and reports unreachable errors. */
static void link_read_errors(csctp_link *l) {
  for (int i = 0; i < 64; i++) {
    struct sockaddr_storage to;
    union {
      char buf[512];
      struct cmsghdr align;
    } ctl;
    struct iovec iov = {l->rbuf[0], LINK_PKT_MAX};
    struct msghdr m;
    memset(&m, 0, sizeof(m));
    memset(&to, 0, sizeof(to));
    m.msg_name = &to;
    m.msg_namelen = sizeof(to);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl.buf;
    m.msg_controllen = sizeof(ctl.buf);
    ssize_t n = recvmsg(l->fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      return; /* EAGAIN: the queue is empty */
    }
    const struct sock_extended_err *ee = NULL;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
      if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
          (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR))
        ee = (const struct sock_extended_err *)(const void *)CMSG_DATA(c);
    if (!ee) continue;
    l->stats.icmp_in++;
    int kind = link_unreach_kind(ee);
    if (!kind || !l->unreach || to.ss_family != (sa_family_t)l->family) continue;
    /* The payload is what the ICMP message quotes past the UDP header (UDP) or the IP
     * header (raw IP): the start of our SCTP packet; the name is where it went. */
    csctp_addr a;
    csctp_link_from_sockaddr(&to, l->udp, &a);
    l->unreach(l->user_data, &a, (csctp_unreach_kind)kind, l->rbuf[0], (size_t)n);
  }
}

/* The ECN codepoint of a received datagram from its IP_TOS / IPV6_TCLASS control message. */
static int link_cmsg_ecn(const struct msghdr *m) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR((struct msghdr *)m, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS && c->cmsg_len >= CMSG_LEN(1))
      return *(const uint8_t *)CMSG_DATA(c) & 3;
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS &&
        c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int v;
      memcpy(&v, CMSG_DATA(c), sizeof v);
      return v & 3;
    }
  }
  return 0;
}

static gboolean link_readable(gint fd, GIOCondition cond, gpointer user_data) {
  csctp_link *l = user_data;
  struct mmsghdr msgs[LINK_BATCH];
  struct iovec iov[LINK_BATCH];
  struct sockaddr_storage from[LINK_BATCH];
  union {
    char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo))];
    struct cmsghdr align;
  } ctl[LINK_BATCH];
  /* The error queue first: reading it also clears the pending error that would make the
   * next recvmmsg fail. */
  link_read_errors(l);
  /* Bounded: a few batches per wake-up, so that timers and other sources run too. */
  for (int round = 0; round < 8; round++) {
    memset(msgs, 0, sizeof(msgs));
    for (int i = 0; i < LINK_BATCH; i++) {
      iov[i].iov_base = l->rbuf[i];
      iov[i].iov_len = LINK_PKT_MAX;
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
      if (l->ecn || l->pktinfo) {
        msgs[i].msg_hdr.msg_control = ctl[i].buf;
        msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
      }
    }
    int n = recvmmsg(fd, msgs, LINK_BATCH, MSG_DONTWAIT, NULL);
    if (n < 0 && (errno == EINTR || link_icmp_errno(errno))) continue; /* an older error */
    if (n <= 0) break;
    l->stats.batches_in++;
    for (int i = 0; i < n; i++) {
      const uint8_t *p = l->rbuf[i];
      size_t len = msgs[i].msg_len;
      l->stats.packets_in++;
      if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
        l->stats.drop_short++;
        continue;
      }
      int ecn = l->ecn ? link_cmsg_ecn(&msgs[i].msg_hdr) : 0;
      if (!l->udp && l->family == AF_INET) {
        /* IPv4 raw sockets deliver the IP header; IPv6 ones do not. */
        if (len < 20) {
          l->stats.drop_short++;
          continue;
        }
        size_t ihl = (size_t)(p[0] & 0x0f) * 4;
        if ((p[0] >> 4) != 4 || ihl < 20 || ihl > len) {
          l->stats.drop_short++;
          continue;
        }
        if (l->ecn) ecn = p[1] & 3; /* the TOS byte of the header itself */
        p += ihl;
        len -= ihl;
      }
      uint8_t local = CSCTP_LOCAL_ANY;
      if (l->pktinfo && (local = csctp_link_cmsg_local(l, &msgs[i].msg_hdr)) == CSCTP_LOCAL_ANY) {
        l->stats.drop_not_local++; /* to an address of ours that is not in the list */
        continue;
      }
      l->rx_ecn = ecn;
      l->rx_local = local;
      l->stats.ce_in += ecn == CSCTP_ECN_CE;
      csctp_addr a;
      csctp_link_from_sockaddr(&from[i], l->udp, &a);
      l->recv(l->user_data, &a, p, len);
      l->rx_ecn = 0;
      l->rx_local = CSCTP_LOCAL_ANY;
    }
    if (n < LINK_BATCH) break;
  }
  if (l->batch) l->batch(l->user_data);
  (void)cond;
  return G_SOURCE_CONTINUE;
}

/*
 * Socket buffers of LINK_BUFFER bytes: a peer may send a whole receive window
 * (1-4 MiB) in one burst, and what the socket cannot hold the kernel drops
 * before we read it (a pion/sctp sender lost 101 packets of a 16 MiB run to
 * the 212,992-byte default, then waited for retransmissions). SO_RCVBUF is
 * capped by net.core.rmem_max; SO_RCVBUFFORCE (CAP_NET_ADMIN) is not, so it is
 * tried first. What the kernel granted is logged when it is less.
 */
#define LINK_BUFFER (4 << 20)

static void link_set_buffer(int fd, int force_opt, int opt, const char *name) {
  int want = LINK_BUFFER, got = 0;
  socklen_t gl = sizeof(got);
  if (setsockopt(fd, SOL_SOCKET, force_opt, &want, sizeof(want)) != 0)
    setsockopt(fd, SOL_SOCKET, opt, &want, sizeof(want));
  /* Linux reports twice the size asked (its bookkeeping overhead). */
  if (getsockopt(fd, SOL_SOCKET, opt, &got, &gl) == 0 && got < want)
    g_log("csctp", G_LOG_LEVEL_MESSAGE,
          "%s: the kernel grants %d bytes of the %d asked (raise net.core.%s_max, or run with "
          "CAP_NET_ADMIN); a burst larger than that is dropped before it is read",
          name, got, want, opt == SO_RCVBUF ? "rmem" : "wmem");
}

static void link_set_buffers(int fd) {
  link_set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, "SO_RCVBUF");
  link_set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, "SO_SNDBUF");
}

/* One error model (common.h): the csctp_error for an errno of socket() or bind(). */
static int link_error(int e) {
  switch (e) {
  case EADDRINUSE: return CSCTP_ERR_ADDRESS_IN_USE;
  case EPERM:
  case EACCES: return CSCTP_ERR_PERMISSION;
  case EADDRNOTAVAIL: /* not an address of this host */
  case EAFNOSUPPORT:
  case EINVAL: return CSCTP_ERR_INVALID_ARGUMENT;
  case ENOMEM:
  case ENOBUFS: return CSCTP_ERR_NOMEM;
  default: return CSCTP_ERR_SOCKET;
  }
}

static int link_open(csctp_link **pl, GMainContext *ctx, int udp, const char *local_ip,
                     uint16_t udp_port, csctp_link_recv_fn recv, csctp_link_batch_fn batch,
                     void *user_data, int dual, char **err) {
  *err = NULL;
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof(ss));
  socklen_t sl;
  int family;
  if (!local_ip || !*local_ip) local_ip = "0.0.0.0";
  struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, local_ip, &s4->sin_addr) == 1) {
    family = AF_INET;
    s4->sin_family = AF_INET;
    s4->sin_port = udp ? htons(udp_port) : 0;
    sl = sizeof(*s4);
  } else if (inet_pton(AF_INET6, local_ip, &s6->sin6_addr) == 1) {
    family = AF_INET6;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = udp ? htons(udp_port) : 0;
    sl = sizeof(*s6);
  } else {
    *err = g_strdup_printf("not an IP address: '%s'", local_ip);
    return CSCTP_ERR_INVALID_ARGUMENT;
  }
  int fd = udp ? socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP)
               : socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_SCTP);
  if (fd < 0) {
    int e = errno;
    if (!udp && (e == EPERM || e == EACCES))
      *err = g_strdup_printf("raw IP sockets need root or CAP_NET_RAW (%s)", g_strerror(e));
    else
      *err = g_strdup_printf("socket: %s", g_strerror(e));
    return link_error(e);
  }
  int one = 1, v6only = !dual;
  if (family == AF_INET6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
    if (dual) setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
  } else {
    /* ICMP errors about our packets on the error queue (RFC 6951 §5.5, RFC 9260 App. C);
     * without it an unconnected socket never hears of them. */
    setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
  }
  link_set_buffers(fd);
  if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
    int e = errno;
    *err = g_strdup_printf("bind %s%s%u: %s", local_ip, udp ? ":" : "", udp ? udp_port : 0u,
                           g_strerror(e));
    close(fd);
    return link_error(e);
  }
  csctp_link *l = g_new0(csctp_link, 1);
  l->fd = fd;
  l->rx_local = CSCTP_LOCAL_ANY;
  l->udp = udp != 0;
  l->family = family;
  l->dual = dual;
  l->recv = recv;
  l->batch = batch;
  l->user_data = user_data;
  l->rbuf = g_malloc(sizeof(*l->rbuf) * LINK_BATCH);
  l->sbuf = g_malloc(sizeof(*l->sbuf) * LINK_BATCH);
  if (udp) {
    struct sockaddr_storage bound;
    socklen_t bl = sizeof(bound);
    getsockname(fd, (struct sockaddr *)&bound, &bl);
    l->udp_port = family == AF_INET ? ntohs(((struct sockaddr_in *)&bound)->sin_port)
                                    : ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
  }
  l->src = g_unix_fd_source_new(fd, G_IO_IN | G_IO_ERR);
  g_source_set_callback(l->src, G_SOURCE_FUNC(link_readable), l, NULL);
  g_source_attach(l->src, ctx);
  *pl = l;
  return 0;
}

int csctp_link_new(csctp_link **pl, GMainContext *ctx, int udp, const char *local_ip,
                   uint16_t udp_port, csctp_link_recv_fn recv, csctp_link_batch_fn batch,
                   void *user_data, char **err) {
  return link_open(pl, ctx, udp, local_ip, udp_port, recv, batch, user_data, 0, err);
}

int csctp_link_new_dual(csctp_link **pl, GMainContext *ctx, uint16_t udp_port,
                        csctp_link_recv_fn recv, csctp_link_batch_fn batch, void *user_data,
                        char **err) {
  return link_open(pl, ctx, 1, "::", udp_port, recv, batch, user_data, 1, err);
}

int csctp_link_new_external(csctp_link **pl, const csctp_addr *peer, csctp_link_output_fn out,
                            void *out_user_data, csctp_link_recv_fn recv, csctp_link_batch_fn batch,
                            void *user_data) {
  csctp_link *l = g_new0(csctp_link, 1);
  l->fd = -1;
  l->rx_local = CSCTP_LOCAL_ANY;
  l->udp = 1;
  l->family = peer->len == 18 ? AF_INET6 : AF_INET;
  l->recv = recv;
  l->batch = batch;
  l->user_data = user_data;
  l->out = out;
  l->out_user_data = out_user_data;
  l->ext_peer = *peer;
  l->rbuf = g_malloc(sizeof(*l->rbuf));
  l->sbuf = g_malloc(sizeof(*l->sbuf) * LINK_BATCH);
  *pl = l;
  return 0;
}

void csctp_link_input(csctp_link *l, const uint8_t *pkt, size_t len) {
  if (l->fd >= 0 || len > LINK_PKT_MAX) {
    l->stats.drop_short += l->fd < 0;
    return;
  }
  l->stats.packets_in++;
  l->stats.batches_in++;
  /* Copied: the caller's buffer may be changed by what the callbacks do. */
  memcpy(l->rbuf[0], pkt, len);
  l->recv(l->user_data, &l->ext_peer, l->rbuf[0], len);
  if (l->batch) l->batch(l->user_data);
}

void csctp_link_del(csctp_link *l) {
  if (!l) return;
  csctp_link_flush(l);
  if (l->src) {
    g_source_destroy(l->src);
    g_source_unref(l->src);
  }
  if (l->fd >= 0) close(l->fd);
  g_free(l->rbuf);
  g_free(l->sbuf);
  g_free(l);
}

void csctp_link_set_unreach(csctp_link *l, csctp_link_unreach_fn fn) { l->unreach = fn; }

void csctp_link_flush(csctp_link *l) {
  if (!l->nsend) return;
  if (l->fd < 0) {
    /* External: the output function may not send on this link (the host never does while it
     * flushes), so the queue stays as it is until the loop ends. */
    unsigned n = l->nsend;
    for (unsigned i = 0; i < n; i++) l->out(l->sbuf[i], l->slen[i], l->out_user_data);
    l->stats.packets_out += n;
    l->stats.batches_out++;
    l->nsend = 0;
    return;
  }
  struct mmsghdr msgs[LINK_BATCH];
  struct iovec iov[LINK_BATCH];
  union {
    char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo))];
    struct cmsghdr align;
  } ctl[LINK_BATCH];
  memset(msgs, 0, sizeof(msgs));
  unsigned n = l->nsend;
  for (unsigned i = 0; i < n; i++) {
    iov[i].iov_base = l->sbuf[i];
    iov[i].iov_len = l->slen[i];
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &l->sto[i];
    msgs[i].msg_hdr.msg_namelen =
        l->family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
    size_t clen = 0;
    if (l->ecn || l->slocal[i] < l->n_laddrs) {
      memset(&ctl[i], 0, sizeof(ctl[i]));
      msgs[i].msg_hdr.msg_control = ctl[i].buf;
      msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
    }
    struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr);
    if (l->ecn) {
      /* Every packet says its codepoint (Not-ECT too: no socket-wide TOS to fall back to). */
      const struct sockaddr_in6 *to6 = (const struct sockaddr_in6 *)&l->sto[i];
      int v4 = l->family == AF_INET || (l->dual && IN6_IS_ADDR_V4MAPPED(&to6->sin6_addr));
      c->cmsg_level = v4 ? IPPROTO_IP : IPPROTO_IPV6; /* IPv4 of a dual socket: its TOS */
      c->cmsg_type = v4 ? IP_TOS : IPV6_TCLASS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      int v = l->secn[i];
      memcpy(CMSG_DATA(c), &v, sizeof v);
      l->stats.ect_out += v == CSCTP_ECN_ECT0 || v == CSCTP_ECN_ECT1;
      clen += CMSG_SPACE(sizeof(int));
      c = CMSG_NXTHDR(&msgs[i].msg_hdr, c);
    }
    if (l->slocal[i] < l->n_laddrs && c) clen += csctp_link_cmsg_source(l, l->slocal[i], c);
    if (msgs[i].msg_hdr.msg_control) msgs[i].msg_hdr.msg_controllen = clen;
    if (!clen) msgs[i].msg_hdr.msg_control = NULL;
  }
  unsigned off = 0, retried = n; /* index of the packet already retried once */
  while (off < n) {
    int r = sendmmsg(l->fd, msgs + off, n - off, MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (link_icmp_errno(errno) && retried != off) {
        retried = off; /* an earlier packet's ICMP error, reported once: send this one again */
        continue;
      }
      /* Full socket buffer or an ICMP error: drop this packet, SCTP retransmits it. */
      l->stats.send_errors++;
      off++;
      continue;
    }
    off += (unsigned)r;
    l->stats.packets_out += (unsigned)r;
  }
  l->stats.batches_out++;
  l->nsend = 0;
}

/* Queues a packet with its ECN codepoint (used only with l->ecn). */
static void link_queue(csctp_link *l, const csctp_addr *to, const uint8_t *pkt, size_t len, int ecn,
                       uint8_t local) {
  if (len > LINK_PKT_MAX) {
    l->stats.send_errors++;
    return;
  }
  if (l->nsend == LINK_BATCH) csctp_link_flush(l);
  if (l->fd >= 0 && !csctp_link_to_sockaddr(l, to, &l->sto[l->nsend])) {
    l->stats.send_errors++; /* wrong address family */
    return;
  }
  if (local == CSCTP_LOCAL_ANY && l->n_laddrs && l->fd >= 0) local = csctp_link_pick_source(l, to);
  memcpy(l->sbuf[l->nsend], pkt, len);
  l->slen[l->nsend] = len;
  l->secn[l->nsend] = (uint8_t)(ecn & 3);
  l->slocal[l->nsend] = local;
  l->nsend++;
}

void csctp_link_send(csctp_link *l, const csctp_addr *to, const uint8_t *pkt, size_t len) {
  link_queue(l, to, pkt, len, CSCTP_ECN_NOT_ECT, CSCTP_LOCAL_ANY);
}

uint8_t csctp_link_rx_local(const csctp_link *l) { return l->rx_local; }

void csctp_link_send_from(csctp_link *l, const csctp_addr *to, uint8_t local, const uint8_t *pkt,
                          size_t len, int ecn) {
  link_queue(l, to, pkt, len, ecn, local);
}

void csctp_link_send_ecn(csctp_link *l, const csctp_addr *to, const uint8_t *pkt, size_t len,
                         int ecn) {
  link_queue(l, to, pkt, len, ecn, CSCTP_LOCAL_ANY);
}

int csctp_link_set_ecn(csctp_link *l, int on) {
  if (l->fd < 0 || !on) return 0;
  int one = 1;
  int rv = l->family == AF_INET6
               ? setsockopt(l->fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof(one))
               : (l->udp ? setsockopt(l->fd, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one)) : 0);
  if (rv == 0 && l->dual) rv = setsockopt(l->fd, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one));
  if (rv != 0) {
    g_log("csctp", G_LOG_LEVEL_WARNING, "ECN: receiving the TOS refused (%s)", g_strerror(errno));
    return -1;
  }
  l->ecn = 1;
  return 0;
}

int csctp_link_rx_ecn(const csctp_link *l) { return l->rx_ecn; }

/* IP_PMTUDISC_PROBE: DF on every packet and no cached path MTU (a packet over the interface's
 * MTU fails with EMSGSIZE, dropped as a lost one); IP_PMTUDISC_DONT: fragments allowed. IPv6
 * routers never fragment: the source does, to the route's MTU, which a black hole leaves too
 * large; IPV6_MTU 1280 (the minimum every IPv6 link carries) makes its fragments fit. 0, or
 * -1 when the kernel refused. */
static int link_pmtudisc(const csctp_link *l, int probe) {
  if (l->family == AF_INET6) {
    int v = probe ? IPV6_PMTUDISC_PROBE : IPV6_PMTUDISC_DONT, mtu = probe ? 0 : 1280;
    return setsockopt(l->fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof(v)) |
           setsockopt(l->fd, IPPROTO_IPV6, IPV6_MTU, &mtu, sizeof(mtu));
  }
  int v = probe ? IP_PMTUDISC_PROBE : IP_PMTUDISC_DONT;
  return setsockopt(l->fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v));
}

/* PMTUDISC for IPv6 and, on a dual socket, for its IPv4 (v4-mapped) packets too. */
static int link_pmtudisc_all(const csctp_link *l, int probe) {
  int rv = link_pmtudisc(l, probe);
  if (!rv && l->dual) {
    int v = probe ? IP_PMTUDISC_PROBE : IP_PMTUDISC_DONT;
    rv = setsockopt(l->fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v));
  }
  return rv;
}

void csctp_link_set_plpmtud(csctp_link *l, int on) {
  if (l->fd < 0 || !on) return;
  if (link_pmtudisc_all(l, 1) != 0) {
    g_log("csctp", G_LOG_LEVEL_WARNING, "IP_PMTUDISC_PROBE refused (%s): no path MTU probing",
          g_strerror(errno));
    return;
  }
  l->plpmtud = 1;
}

void csctp_link_send_fragmentable(csctp_link *l, const csctp_addr *to, const uint8_t *pkt,
                                  size_t len) {
  csctp_link_send_fragmentable_from(l, to, CSCTP_LOCAL_ANY, pkt, len);
}

void csctp_link_send_fragmentable_from(csctp_link *l, const csctp_addr *to, uint8_t local,
                                       const uint8_t *pkt, size_t len) {
  if (l->fd < 0 || !l->plpmtud) {
    csctp_link_send_from(l, to, local, pkt, len, CSCTP_ECN_NOT_ECT);
    return;
  }
  /* The queue goes first, unfragmented; this packet alone with fragmentation allowed. */
  csctp_link_flush(l);
  csctp_link_send_from(l, to, local, pkt, len, CSCTP_ECN_NOT_ECT);
  if (link_pmtudisc_all(l, 0) != 0) l->stats.send_errors++; /* sent with DF: it may be lost */
  csctp_link_flush(l);
  if (link_pmtudisc_all(l, 1) != 0) {
    /* Left fragmenting: probes could pass as fragments and confirm a size the path does not
     * carry. Counted and logged (not seen: the options are valid on our own socket). */
    l->stats.send_errors++;
    g_log("csctp", G_LOG_LEVEL_WARNING, "IP_PMTUDISC_PROBE refused again (%s)", g_strerror(errno));
  }
  l->stats.fragmentable_out++;
}

uint16_t csctp_link_udp_port(const csctp_link *l) { return l->udp_port; }
int csctp_link_is_udp(const csctp_link *l) { return l->udp; }
int csctp_link_is_external(const csctp_link *l) { return l->fd < 0; }
int csctp_link_family(const csctp_link *l) { return l->family; }
void csctp_link_get_stats(const csctp_link *l, csctp_link_stats *st) { *st = l->stats; }
