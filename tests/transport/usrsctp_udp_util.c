/* SPDX-License-Identifier: MIT */
/* The usrsctp peers of the transport interop tests (see usrsctp_udp_util.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* setns */
#endif
#ifdef CSCTP_HAVE_USRSCTP
#include "usrsctp_udp_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <usrsctp.h>

#define USR_BUF (256 * 1024)

static volatile sig_atomic_t usr_stop;
static void usr_on_term(int sig) {
  (void)sig;
  usr_stop = 1;
}

static double usr_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int usr_addr(const char *ip, uint16_t port, struct sockaddr_storage *ss, socklen_t *len) {
  memset(ss, 0, sizeof(*ss));
  struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    *len = sizeof(*s4);
    return AF_INET;
  }
  if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    *len = sizeof(*s6);
    return AF_INET6;
  }
  return -1;
}

/* Enters network namespace `ns` (NULL: stay). */
int usr_enter_netns(const char *ns) {
  if (!ns) return 0;
  char p[128];
  snprintf(p, sizeof(p), "/var/run/netns/%s", ns);
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
    fprintf(stderr, "usrsctp: cannot enter netns %s: %s\n", ns, strerror(errno));
    return -1;
  }
  close(fd);
  return 0;
}

/* A socket with large buffers, rcvinfo on receive, `streams` streams each way. */
static struct socket *usr_socket(int family, int type, uint16_t streams) {
  struct socket *s = usrsctp_socket(family, type, IPPROTO_SCTP, NULL, NULL, 0, NULL);
  if (!s) {
    fprintf(stderr, "usrsctp_socket: %s\n", strerror(errno));
    return NULL;
  }
  int on = 1, buf = 4 << 20;
  struct sctp_initmsg im = {.sinit_num_ostreams = streams, .sinit_max_instreams = streams};
  if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on)) < 0 ||
      usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof(im)) < 0 ||
      usrsctp_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf)) < 0 ||
      usrsctp_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf)) < 0) {
    fprintf(stderr, "usrsctp_setsockopt: %s\n", strerror(errno));
    usrsctp_close(s);
    return NULL;
  }
  return s;
}

/* One received message, possibly delivered in parts (partial delivery). */
typedef struct usr_msg {
  sctp_assoc_t assoc;
  uint16_t sid, flags;
  uint32_t ppid;
  size_t len;
  uint8_t *data;
} usr_msg;

static const char *usr_ntop(const struct sockaddr *sa, char *out, size_t n) {
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
  else if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
  else
    snprintf(out, n, "(family %d)", sa->sa_family);
  return out;
}

static double usr_t0; /* the child's start, for the timestamps of its path lines */

/* SCTP_PEER_ADDR_CHANGE, printed with the time since the child started. */
static void usr_notification(const uint8_t *buf, size_t n) {
  const union sctp_notification *sn = (const void *)buf;
  if (n < sizeof(struct sctp_paddr_change) || sn->sn_header.sn_type != SCTP_PEER_ADDR_CHANGE)
    return;
  const struct sctp_paddr_change *pc = &sn->sn_paddr_change;
  static const char *names[] = {"?",     "available", "unreachable", "removed",
                                "added", "primary",   "confirmed",   "potentially-failed"};
  char a[INET6_ADDRSTRLEN];
  printf("usrsctp: %.3f s: peer address %s %s\n", usr_now() - usr_t0,
         usr_ntop((const struct sockaddr *)&pc->spc_aaddr, a, sizeof a),
         pc->spc_state < 8 ? names[pc->spc_state] : "(other)");
}

/* Reads what is there into `m` (accumulating parts). 1: a whole message, 0: nothing or a part
 * or a notification, -1: error (errno), -2: end of the association (one-to-one socket). */
static int usr_recv(struct socket *s, usr_msg *m, uint8_t *buf) {
  struct sctp_rcvinfo ri;
  socklen_t ril = sizeof(ri);
  unsigned int it = 0;
  int flags = 0;
  struct sockaddr_storage from;
  socklen_t fl = sizeof(from);
  ssize_t n = usrsctp_recvv(s, buf, USR_BUF, (struct sockaddr *)&from, &fl, &ri, &ril, &it, &flags);
  if (n < 0) return errno == EWOULDBLOCK || errno == EAGAIN ? 0 : -1;
  if (n == 0) return -2;
  if (flags & MSG_NOTIFICATION) {
    usr_notification(buf, (size_t)n);
    return 0;
  }
  if (it == SCTP_RECVV_RCVINFO) {
    m->assoc = ri.rcv_assoc_id;
    m->sid = ri.rcv_sid;
    m->flags = ri.rcv_flags;
    m->ppid = ri.rcv_ppid;
  }
  m->data = realloc(m->data, m->len + (size_t)n);
  memcpy(m->data + m->len, buf, (size_t)n);
  m->len += (size_t)n;
  return (flags & MSG_EOR) ? 1 : 0;
}

/* Sends one message; 1 sent, 0 would block, -1 error. */
static int usr_send_msg(struct socket *s, sctp_assoc_t assoc, uint16_t sid, uint32_t ppid,
                        int unordered, const uint8_t *data, size_t len) {
  struct sctp_sndinfo si = {.snd_sid = sid,
                            .snd_flags = unordered ? SCTP_UNORDERED : 0,
                            .snd_ppid = ppid,
                            .snd_assoc_id = assoc};
  ssize_t n = usrsctp_sendv(s, data, len, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0);
  if (n < 0) return errno == EWOULDBLOCK || errno == EAGAIN ? 0 : -1;
  if ((size_t)n != len) {
    fprintf(stderr, "usrsctp_sendv: %zd of %zu bytes\n", n, len);
    return -1;
  }
  return 1;
}

static void usr_finish(void) {
  for (int i = 0; i < 500 && usrsctp_finish() != 0; i++) usleep(10000);
}

/* The process-wide settings, then usrsctp_init in the namespace (usrsctp lists the
 * interfaces there). Multi-homed: see usr_cfg. */
static int usr_start(const usr_cfg *c) {
  usr_t0 = usr_now();
  if (usr_enter_netns(c->ns)) return -1;
  usrsctp_init(c->udp_port, NULL, NULL);
  if (c->multihome) {
    usrsctp_sysctl_set_sctp_asconf_enable(c->asconf ? 1 : 0);
    usrsctp_sysctl_set_sctp_auto_asconf(0);
    usrsctp_sysctl_set_sctp_rto_min_default(200);
    usrsctp_sysctl_set_sctp_rto_max_default(1000);
    usrsctp_sysctl_set_sctp_rto_initial_default(1000);
    usrsctp_sysctl_set_sctp_heartbeat_interval_default(1000);
    usrsctp_sysctl_set_sctp_path_rtx_max_default(c->pmr);
    usrsctp_sysctl_set_sctp_path_pf_threshold(c->pf);
  }
  return 0;
}

/* Packs `n` addresses with `port` into `out` (usrsctp_bindx/connectx); the family, or -1. */
static int usr_pack(const char *const *ips, size_t n, uint16_t port, uint8_t *out, size_t *len) {
  int fam = -1;
  *len = 0;
  for (size_t i = 0; i < n; i++) {
    struct sockaddr_storage ss;
    socklen_t l;
    int f = usr_addr(ips[i], port, &ss, &l);
    if (f < 0 || (fam >= 0 && f != fam)) return -1;
    fam = f;
    memcpy(out + *len, &ss, l);
    *len += l;
  }
  return fam;
}

/* Multi-homed socket options: heartbeats every second, path changes reported. */
static int usr_multihome_opts(struct socket *s) {
  struct sctp_paddrparams pp;
  memset(&pp, 0, sizeof pp);
  pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
  pp.spp_hbinterval = 1000;
  pp.spp_flags = SPP_HB_ENABLE;
  struct sctp_event ev = {
      .se_assoc_id = SCTP_FUTURE_ASSOC, .se_type = SCTP_PEER_ADDR_CHANGE, .se_on = 1};
  if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof pp) < 0 ||
      usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof ev) < 0) {
    fprintf(stderr, "usrsctp: multi-homing options: %s\n", strerror(errno));
    return -1;
  }
  return 0;
}

/* Binds the local addresses (bindx when several) to `port`. */
static int usr_bind(struct socket *s, const usr_cfg *c, uint16_t port) {
  uint8_t packed[USR_MAX_ADDRS * sizeof(struct sockaddr_in6)];
  size_t len;
  if (c->n_local > USR_MAX_ADDRS || usr_pack(c->local, c->n_local, port, packed, &len) < 0)
    return -1;
  if (c->n_local == 1) return usrsctp_bind(s, (struct sockaddr *)packed, (socklen_t)len);
  return usrsctp_bindx(s, (struct sockaddr *)packed, (int)c->n_local, SCTP_BINDX_ADD_ADDR);
}

/* A peer address of an association and its SCTP_GET_PEER_ADDR_INFO. */
typedef struct usr_peer {
  char addr[INET6_ADDRSTRLEN];
  int32_t state; /* SCTP_ACTIVE, SCTP_INACTIVE, or'ed with SCTP_UNCONFIRMED; -1 unknown */
  uint32_t rto;
} usr_peer;

/* The peer addresses of `id` (usrsctp_getpaddrs) with their state, at most USR_MAX_ADDRS. */
static int usr_peers(struct socket *s, sctp_assoc_t id, usr_peer *out) {
  struct sockaddr *addrs = NULL;
  int n = usrsctp_getpaddrs(s, id, &addrs);
  if (n <= 0) return 0;
  if (n > USR_MAX_ADDRS) n = USR_MAX_ADDRS;
  const uint8_t *p = (const uint8_t *)addrs;
  for (int i = 0; i < n; i++) {
    const struct sockaddr *sa = (const struct sockaddr *)p;
    size_t l = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    struct sctp_paddrinfo pi;
    memset(&pi, 0, sizeof pi);
    memcpy(&pi.spinfo_address, sa, l);
    pi.spinfo_assoc_id = id;
    socklen_t pil = sizeof pi;
    int ok = usrsctp_getsockopt(s, IPPROTO_SCTP, SCTP_GET_PEER_ADDR_INFO, &pi, &pil) == 0;
    usr_ntop(sa, out[i].addr, sizeof out[i].addr);
    out[i].state = ok ? pi.spinfo_state : -1;
    out[i].rto = pi.spinfo_rto;
    p += l;
  }
  usrsctp_freepaddrs(addrs);
  return n;
}

/* Prints each change of a peer address's state, as "usrsctp: T s: peer address ADDR state
 * active|inactive|unconfirmed". */
static void usr_paths_log(struct socket *s, sctp_assoc_t id) {
  static int32_t last[USR_MAX_ADDRS] = {-1, -1, -1, -1};
  usr_peer peers[USR_MAX_ADDRS];
  int n = usr_peers(s, id, peers);
  for (int i = 0; i < n; i++) {
    if (peers[i].state < 0 || peers[i].state == last[i]) continue;
    printf("usrsctp: %.3f s: peer address %s state %s (rto %u ms)\n", usr_now() - usr_t0,
           peers[i].addr,
           peers[i].state == SCTP_ACTIVE       ? "active"
           : peers[i].state & SCTP_UNCONFIRMED ? "unconfirmed"
                                               : "inactive",
           peers[i].rto);
    last[i] = peers[i].state;
  }
}

/* Once: when every peer address of `id` is ACTIVE and confirmed, prints them and returns 1. */
static int usr_paths_confirmed(struct socket *s, sctp_assoc_t id) {
  usr_peer peers[USR_MAX_ADDRS];
  int n = usr_peers(s, id, peers);
  char line[USR_MAX_ADDRS * (INET6_ADDRSTRLEN + 1) + 1] = "";
  int ok = n > 0;
  for (int i = 0; i < n; i++) {
    ok &= peers[i].state == SCTP_ACTIVE; /* not SCTP_UNCONFIRMED, not SCTP_INACTIVE */
    strcat(line, " ");
    strcat(line, peers[i].addr);
  }
  if (ok) printf("usrsctp: %d peer addresses, all confirmed:%s\n", n, line);
  return ok;
}

/* c->add_addr into the echo's endpoint (usrsctp_bindx ADD, SCTP port `port`), or out of it
 * (`del`: REM): with ASCONF, an ASCONF Add IP or Delete IP to the peer. */
static int usr_add_addr(struct socket *s, const usr_cfg *c, uint16_t port, int del) {
  struct sockaddr_storage ss;
  socklen_t sl;
  if (usr_addr(c->add_addr, port, &ss, &sl) < 0 ||
      usrsctp_bindx(s, (struct sockaddr *)&ss, 1, del ? SCTP_BINDX_REM_ADDR : SCTP_BINDX_ADD_ADDR) <
          0) {
    fprintf(stderr, "usrsctp echo: bindx %s %s: %s\n", del ? "rem" : "add", c->add_addr,
            strerror(errno));
    return -1;
  }
  printf("usrsctp echo: %.3f s: %s %s\n", usr_now() - usr_t0, del ? "deleted" : "added",
         c->add_addr);
  return 0;
}

/* The echo: every message back on its association and stream, with its PPID and U flag. */
int usr_echo_main(const usr_cfg *c) {
  signal(SIGTERM, usr_on_term);
  if (usr_start(c)) return 2;
  struct sockaddr_storage ss;
  socklen_t sl;
  int fam = usr_addr(c->local[0], USR_SCTP_PORT, &ss, &sl);
  struct socket *s = usr_socket(fam, SOCK_SEQPACKET, 64);
  if (!s) return 2;
  /* peer_udp on the echo: the encapsulation port of addresses it learns by ASCONF (usrsctp
   * gives them the socket's, not the port the ASCONF came from; without one they get raw SCTP). */
  struct sctp_udpencaps enc;
  memset(&enc, 0, sizeof(enc));
  enc.sue_address.ss_family = (sa_family_t)fam;
  enc.sue_port = htons(c->peer_udp);
  if (c->peer_udp &&
      usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &enc, sizeof(enc)) < 0) {
    fprintf(stderr, "usrsctp echo: encaps: %s\n", strerror(errno));
    return 2;
  }
  if ((c->multihome && usr_multihome_opts(s)) || usr_bind(s, c, USR_SCTP_PORT) < 0 ||
      usrsctp_listen(s, 1) < 0) {
    fprintf(stderr, "usrsctp echo: bind/listen: %s\n", strerror(errno));
    return 2;
  }
  usrsctp_set_non_blocking(s, 1);
  printf("usrsctp echo: listening on udp port %u, sctp %s%s:%u\n", c->udp_port, c->local[0],
         c->n_local > 1 ? " and more" : "", USR_SCTP_PORT);
  uint8_t *buf = malloc(USR_BUF);
  usr_msg cur = {0};
  GQueue pending = G_QUEUE_INIT; /* whole messages waiting for send buffer space */
  uint64_t msgs = 0, bytes = 0;
  int rc = 0, confirmed = !c->multihome;
  sctp_assoc_t assoc = 0;
  /* c->add_addr: when it is added (after the first message) and deleted */
  double next_check = 0, add_at = -1, del_at = -1;
  while (!usr_stop) {
    int progress = 0;
    if ((add_at >= 0 && usr_now() >= add_at) || (del_at >= 0 && usr_now() >= del_at)) {
      int del = add_at < 0;
      if (!del && c->del_after_ms) del_at = usr_now() + c->del_after_ms / 1000.0;
      if (del) del_at = -1;
      add_at = -1;
      if (usr_add_addr(s, c, USR_SCTP_PORT, del)) {
        rc = 1;
        break;
      }
    }
    int r = usr_recv(s, &cur, buf);
    if (r == -1) {
      fprintf(stderr, "usrsctp echo: recv: %s\n", strerror(errno));
      rc = 1;
      break;
    }
    if (r > 0) progress = 1;
    if (r == 1) {
      if (!msgs && c->add_addr) add_at = usr_now() + c->add_after_ms / 1000.0;
      msgs++;
      bytes += cur.len;
      assoc = cur.assoc;
      usr_msg *m = g_memdup2(&cur, sizeof(cur));
      g_queue_push_tail(&pending, m);
      memset(&cur, 0, sizeof(cur));
    }
    usr_msg *m;
    while ((m = g_queue_peek_head(&pending))) {
      int w = usr_send_msg(s, m->assoc, m->sid, m->ppid, (m->flags & SCTP_UNORDERED) != 0, m->data,
                           m->len);
      if (w == 0) break;
      if (w < 0) fprintf(stderr, "usrsctp echo: send: %s\n", strerror(errno));
      g_queue_pop_head(&pending);
      free(m->data);
      g_free(m);
      progress = 1;
    }
    if (c->multihome && msgs && usr_now() > next_check) {
      if (!confirmed) confirmed = usr_paths_confirmed(s, assoc);
      usr_paths_log(s, assoc);
      next_check = usr_now() + 0.02;
    }
    if (!progress) usleep(500);
  }
  printf("usrsctp echo: %" G_GUINT64_FORMAT " messages, %" G_GUINT64_FORMAT " bytes echoed\n", msgs,
         bytes);
  usr_msg *m;
  while ((m = g_queue_pop_head(&pending))) {
    free(m->data);
    g_free(m);
  }
  free(cur.data);
  free(buf);
  usrsctp_close(s);
  usr_finish();
  return rc;
}

static void usr_fill(uint8_t *b, size_t len, uint32_t idx) {
  for (size_t j = 0; j < len; j++) b[j] = (uint8_t)(idx * 131u + j * 7u + 1u);
  for (size_t j = 0; j < 4 && j < len; j++) b[j] = (uint8_t)(idx >> (8 * j));
}

/* Connects to the peer addresses (connectx when several), UDP-encapsulated to c->peer_udp. */
static struct socket *usr_connect(const usr_cfg *c) {
  uint8_t packed[USR_MAX_ADDRS * sizeof(struct sockaddr_in6)];
  size_t len;
  int fam =
      c->n_peer <= USR_MAX_ADDRS ? usr_pack(c->peer, c->n_peer, USR_SCTP_PORT, packed, &len) : -1;
  if (fam < 0) return NULL;
  struct socket *s = usr_socket(fam, SOCK_STREAM, c->streams);
  if (!s) return NULL;
  struct sctp_udpencaps enc;
  memset(&enc, 0, sizeof(enc));
  enc.sue_address.ss_family = (sa_family_t)fam;
  enc.sue_port = htons(c->peer_udp);
  /* The multi-homed sender binds a fixed port: every bindx address must have the same. */
  if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &enc, sizeof(enc)) < 0 ||
      (c->multihome && usr_multihome_opts(s)) ||
      usr_bind(s, c, c->n_local > 1 ? USR_SCTP_PORT + 1 : 0) < 0 ||
      (c->n_peer == 1 ? usrsctp_connect(s, (struct sockaddr *)packed, (socklen_t)len)
                      : usrsctp_connectx(s, (struct sockaddr *)packed, (int)c->n_peer, NULL)) < 0) {
    fprintf(stderr, "usrsctp send: encaps/bind/connect: %s\n", strerror(errno));
    usrsctp_close(s);
    return NULL;
  }
  return s;
}

/* The sender: COUNT messages of SIZE round-robin over STREAMS streams (PPID 100 + stream), every
 * echo checked, then a graceful close. Exit 0 when every echo came back intact. */
int usr_send_main(const usr_cfg *c) {
  if (usr_start(c)) return 2;
  struct socket *s = usr_connect(c);
  if (!s) return 2;
  usrsctp_set_non_blocking(s, 1);
  size_t size = c->size;
  uint32_t count = c->count;
  uint16_t streams = c->streams;
  uint8_t *buf = malloc(USR_BUF), *msg = malloc(size), *want = malloc(size);
  uint8_t *got = calloc(count, 1);
  usr_msg cur = {0};
  uint32_t next = 0, echoed = 0, bad = 0;
  double t0 = usr_now(), deadline = t0 + 90, last_echo = -1, gap = 0, next_check = 0;
  int rc = 0, confirmed = !c->multihome;
  while (echoed + bad < count) {
    if (usr_now() > deadline) {
      fprintf(stderr, "usrsctp send: timed out\n");
      rc = 1;
      break;
    }
    int progress = 0;
    while (next < count) {
      uint16_t sid = (uint16_t)(next % streams);
      usr_fill(msg, size, next);
      int w = usr_send_msg(s, 0, sid, htonl(100u + sid), c->unordered, msg, size);
      if (w < 0) {
        fprintf(stderr, "usrsctp send: send: %s\n", strerror(errno));
        rc = 1;
        goto out;
      }
      if (w == 0) break;
      next++;
      progress = 1;
    }
    int r = usr_recv(s, &cur, buf);
    if (r < 0) {
      fprintf(stderr, "usrsctp send: recv: %s\n", r == -1 ? strerror(errno) : "association closed");
      rc = 1;
      break;
    }
    if (r != 0) progress = 1;
    if (r == 1) {
      double now = usr_now();
      if (last_echo >= 0 && now - last_echo > gap) gap = now - last_echo;
      last_echo = now;
      uint32_t idx = 0;
      for (size_t j = 0; j < 4 && j < cur.len; j++) idx |= (uint32_t)cur.data[j] << (8 * j);
      int ok = cur.len == size && idx < count && !got[idx] && cur.sid == idx % streams &&
               cur.ppid == htonl(100u + cur.sid) &&
               ((cur.flags & SCTP_UNORDERED) != 0) == !!c->unordered;
      if (ok) {
        usr_fill(want, size, idx);
        ok = memcmp(want, cur.data, size) == 0;
      }
      if (ok) {
        got[idx] = 1;
        echoed++;
      } else if (bad++ < 5) {
        fprintf(stderr, "usrsctp send: bad echo (stream %u, %zu bytes, index %u)\n", cur.sid,
                cur.len, idx);
      }
      free(cur.data);
      memset(&cur, 0, sizeof(cur));
    }
    if (c->multihome && usr_now() > next_check) {
      if (!confirmed) confirmed = usr_paths_confirmed(s, 0);
      usr_paths_log(s, 0);
      next_check = usr_now() + 0.02;
    }
    if (!progress) usleep(200);
  }
out:;
  double t = usr_now() - t0;
  for (double end = usr_now() + c->linger_s; rc == 0 && usr_now() < end;) {
    if (usr_recv(s, &cur, buf) < 0) break; /* path changes are printed meanwhile */
    if (c->multihome) usr_paths_log(s, 0);
    usleep(1000);
  }
  printf("usrsctp send: %u messages (%.0f bytes) echoed in %.3f s: %.2f MB/s; %u bad\n", echoed,
         (double)echoed * (double)size, t, (double)echoed * (double)size / t / 1e6, bad);
  if (c->multihome) printf("usrsctp send: longest gap between echoes: %.0f ms\n", gap * 1000);
  if (bad) rc = 1;
  free(cur.data);
  free(buf);
  free(msg);
  free(want);
  free(got);
  usrsctp_close(s); /* graceful: SHUTDOWN */
  usr_finish();
  return rc;
}

#endif
