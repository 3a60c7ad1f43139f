/* SPDX-License-Identifier: MIT */
/*
 * Interop with usrsctp (Debian's libusrsctp) over UDP encapsulation (RFC 6951), both ways:
 * `csctp send --udp --verify` against a usrsctp echo, and a usrsctp sender (which checks every
 * echo) against `csctp echo --udp`; several streams, ordered and unordered, PPIDs, messages of
 * 1 KB to 64 KiB, a graceful shutdown at the end.
 *
 * The usrsctp programs are written below and run in forked children (usrsctp keeps
 * process-wide state and threads): usrsctp_init(udp_port) opens its UDP tunnelling socket, and
 * SCTP_REMOTE_UDP_ENCAPS_PORT tells the sender where to send. As root the two sides run in two
 * network namespaces joined by a veth pair (usrsctp also opens raw SCTP sockets as root, which
 * must not see the host's SCTP traffic); otherwise both use 127.0.0.1 (no raw sockets then).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tputil.h"

#ifdef CSCTP_HAVE_USRSCTP
#include <usrsctp.h>

/* ---------------------------------------------------------------- the usrsctp side */

#define USR_SCTP_PORT 5000
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
static int usr_enter_netns(const char *ns) {
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
  if (flags & MSG_NOTIFICATION) return 0;
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

/* The echo: every message back on its association and stream, with its PPID and U flag. */
static int usr_echo_main(const char *ns, const char *ip, uint16_t udp_port) {
  signal(SIGTERM, usr_on_term);
  if (usr_enter_netns(ns)) return 2;
  usrsctp_init(udp_port, NULL, NULL);
  struct sockaddr_storage ss;
  socklen_t sl;
  int fam = usr_addr(ip, USR_SCTP_PORT, &ss, &sl);
  struct socket *s = usr_socket(fam, SOCK_SEQPACKET, 64);
  if (!s) return 2;
  if (usrsctp_bind(s, (struct sockaddr *)&ss, sl) < 0 || usrsctp_listen(s, 1) < 0) {
    fprintf(stderr, "usrsctp echo: bind/listen: %s\n", strerror(errno));
    return 2;
  }
  usrsctp_set_non_blocking(s, 1);
  printf("usrsctp echo: listening on udp port %u, sctp %s:%u\n", udp_port, ip, USR_SCTP_PORT);
  uint8_t *buf = malloc(USR_BUF);
  usr_msg cur = {0};
  GQueue pending = G_QUEUE_INIT; /* whole messages waiting for send buffer space */
  uint64_t msgs = 0, bytes = 0;
  int rc = 0;
  while (!usr_stop) {
    int progress = 0;
    int r = usr_recv(s, &cur, buf);
    if (r == -1) {
      fprintf(stderr, "usrsctp echo: recv: %s\n", strerror(errno));
      rc = 1;
      break;
    }
    if (r > 0) progress = 1;
    if (r == 1) {
      msgs++;
      bytes += cur.len;
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

/* The sender: COUNT messages of SIZE round-robin over STREAMS streams (PPID 100 + stream), every
 * echo checked, then a graceful close. Exit 0 when every echo came back intact. */
static int usr_send_main(const char *ns, const char *ip, uint16_t udp_port, const char *peer_ip,
                         uint16_t peer_udp, size_t size, uint32_t count, uint16_t streams,
                         int unordered) {
  if (usr_enter_netns(ns)) return 2;
  usrsctp_init(udp_port, NULL, NULL);
  struct sockaddr_storage local, peer;
  socklen_t ll, pl;
  int fam = usr_addr(ip, 0, &local, &ll);
  if (usr_addr(peer_ip, 5000, &peer, &pl) != fam) return 2;
  struct socket *s = usr_socket(fam, SOCK_STREAM, streams);
  if (!s) return 2;
  struct sctp_udpencaps enc;
  memset(&enc, 0, sizeof(enc));
  enc.sue_address.ss_family = (sa_family_t)fam;
  enc.sue_port = htons(peer_udp);
  if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &enc, sizeof(enc)) < 0 ||
      usrsctp_bind(s, (struct sockaddr *)&local, ll) < 0 ||
      usrsctp_connect(s, (struct sockaddr *)&peer, pl) < 0) {
    fprintf(stderr, "usrsctp send: encaps/bind/connect: %s\n", strerror(errno));
    return 2;
  }
  usrsctp_set_non_blocking(s, 1);
  uint8_t *buf = malloc(USR_BUF), *msg = malloc(size), *want = malloc(size);
  uint8_t *got = calloc(count, 1);
  usr_msg cur = {0};
  uint32_t next = 0, echoed = 0, bad = 0;
  double t0 = usr_now(), deadline = t0 + 90;
  int rc = 0;
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
      int w = usr_send_msg(s, 0, sid, htonl(100u + sid), unordered, msg, size);
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
      uint32_t idx = 0;
      for (size_t j = 0; j < 4 && j < cur.len; j++) idx |= (uint32_t)cur.data[j] << (8 * j);
      int ok = cur.len == size && idx < count && !got[idx] && cur.sid == idx % streams &&
               cur.ppid == htonl(100u + cur.sid) &&
               ((cur.flags & SCTP_UNORDERED) != 0) == !!unordered;
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
    if (!progress) usleep(200);
  }
out:;
  double t = usr_now() - t0;
  printf("usrsctp send: %u messages (%.0f bytes) echoed in %.3f s: %.2f MB/s; %u bad\n", echoed,
         (double)echoed * (double)size, t, (double)echoed * (double)size / t / 1e6, bad);
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

/* ---------------------------------------------------------------- the test */

static char dir[64];
static char ns_a[16], ns_b[16]; /* csctp's and usrsctp's namespaces when root */
static char ip_a[32], ip_b[32];

static void setup(void) {
  snprintf(dir, sizeof(dir), "/tmp/csctp-usrudp-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  ns_a[0] = ns_b[0] = 0;
  snprintf(ip_a, sizeof(ip_a), "127.0.0.1");
  snprintf(ip_b, sizeof(ip_b), "127.0.0.1");
  /* CSCTP_TEST_LOOPBACK=1: 127.0.0.1 even as root (to watch with tshark -i lo). */
  if (tp_is_root() && tp_have("ip") && !getenv("CSCTP_TEST_LOOPBACK")) {
    char prefix[12];
    snprintf(prefix, sizeof(prefix), "uu%d", (int)(getpid() % 100000));
    if (tp_netns_pair(prefix, 79) == 0) {
      snprintf(ns_a, sizeof(ns_a), "%s-a", prefix);
      snprintf(ns_b, sizeof(ns_b), "%s-b", prefix);
      snprintf(ip_a, sizeof(ip_a), "10.79.0.1");
      snprintf(ip_b, sizeof(ip_b), "10.79.0.2");
    } else {
      tp_netns_del(prefix);
    }
  }
}

static void teardown(void) {
  tp_stop_all();
  if (ns_a[0]) {
    char prefix[16];
    snprintf(prefix, sizeof(prefix), "%.*s", (int)strlen(ns_a) - 2, ns_a);
    tp_netns_del(prefix);
  }
  if (dir[0]) tp_sh("rm -rf %s", dir);
  dir[0] = 0;
}

TestSuite(usrsctp_udp, .init = setup, .fini = teardown, .timeout = 240);

/* argv for the csctp command, in csctp's namespace when there is one. */
static char **csctp_argv(char **args) {
  GPtrArray *v = g_ptr_array_new();
  if (ns_a[0]) {
    g_ptr_array_add(v, "ip");
    g_ptr_array_add(v, "netns");
    g_ptr_array_add(v, "exec");
    g_ptr_array_add(v, ns_a);
  }
  g_ptr_array_add(v, (char *)tp_tool());
  for (char **a = args; *a; a++) g_ptr_array_add(v, *a);
  g_ptr_array_add(v, NULL);
  return (char **)g_ptr_array_free(v, FALSE);
}

static uint16_t port_or(uint16_t fixed) {
  if (ns_a[0]) return fixed; /* a namespace of our own: no one else there */
  uint16_t p = tp_free_udp_port();
  cr_assert_neq(p, 0);
  return p;
}

/* csctp send -> usrsctp echo; `plpmtud` (or NULL): csctp searches the path MTU up to it. */
static void csctp_to_usrsctp_pl(const char *size, const char *count, const char *streams,
                                int unordered, const char *plpmtud) {
  uint16_t uport = port_or(9899), cport = port_or(9899);
  pid_t echo = tp_fork(dir, "usrecho");
  cr_assert_geq(echo, 0);
  if (echo == 0) _exit(usr_echo_main(ns_b[0] ? ns_b : NULL, ip_b, uport));
  usleep(500000);
  char local[64], peer[64];
  snprintf(local, sizeof(local), "%s:%u", ip_a, cport);
  snprintf(peer, sizeof(peer), "%s:%u", ip_b, uport);
  char *args[] = {"send",
                  "--udp",
                  local,
                  "--peer",
                  peer,
                  "--size",
                  (char *)size,
                  "--count",
                  (char *)count,
                  "--streams",
                  (char *)streams,
                  "--ppid",
                  "51",
                  "--verify",
                  "--timeout",
                  "120",
                  unordered ? "--unordered" : NULL,
                  NULL,
                  NULL,
                  NULL,
                  NULL,
                  NULL,
                  NULL,
                  NULL};
  if (plpmtud) { /* usrsctp answers the probes: the search ends at the link's limit */
    size_t n = 0;
    while (args[n]) n++; /* after the options above */
    char *more[] = {"--plpmtud", (char *)plpmtud, "--plpmtud-probe-timer", "1000", "--linger", "8"};
    memcpy(args + n, more, sizeof(more));
  }
  char **argv = csctp_argv(args);
  pid_t send = tp_spawn(dir, "send", argv);
  g_free(argv);
  int rc = tp_wait(send, 150000);
  tp_stop(echo);
  char *out = tp_slurp_log(dir, "send", "out");
  fprintf(stderr, "csctp send -> usrsctp echo (%s x %s B, %s streams%s): %s", count, size, streams,
          unordered ? ", unordered" : "", out);
  g_free(out);
  if (rc) {
    tp_dump_logs(dir, "send");
    tp_dump_logs(dir, "usrecho");
  }
  cr_assert_eq(rc, 0, "csctp send to the usrsctp echo failed");
}

static void csctp_to_usrsctp(const char *size, const char *count, const char *streams,
                             int unordered) {
  csctp_to_usrsctp_pl(size, count, streams, unordered, NULL);
}

/* usrsctp sender -> csctp echo. */
static void usrsctp_to_csctp(size_t size, uint32_t count, uint16_t streams, int unordered) {
  uint16_t cport = port_or(9899), uport = port_or(9899);
  char bind[64];
  snprintf(bind, sizeof(bind), "%s:%u", ip_a, cport);
  char *args[] = {"echo", "--udp", bind, NULL};
  char **argv = csctp_argv(args);
  pid_t echo = tp_spawn(dir, "echo", argv);
  g_free(argv);
  usleep(300000);
  pid_t snd = tp_fork(dir, "usrsend");
  cr_assert_geq(snd, 0);
  if (snd == 0)
    _exit(usr_send_main(ns_b[0] ? ns_b : NULL, ip_b, uport, ip_a, cport, size, count, streams,
                        unordered));
  int rc = tp_wait(snd, 150000);
  usleep(200000); /* the SHUTDOWN exchange */
  tp_stop(echo);
  char *out = tp_slurp_log(dir, "usrsend", "out");
  char *log = tp_slurp_log(dir, "echo", "err");
  char want[64];
  snprintf(want, sizeof(want), "closed after %u messages\n", count);
  int graceful = strstr(log, want) != NULL;
  fprintf(stderr, "usrsctp send -> csctp echo (%u x %zu B, %u streams%s): %s", count, size, streams,
          unordered ? ", unordered" : "", out);
  g_free(out);
  g_free(log);
  if (rc || !graceful) {
    tp_dump_logs(dir, "usrsend");
    tp_dump_logs(dir, "echo");
  }
  cr_assert_eq(rc, 0, "the usrsctp sender failed");
  cr_assert(graceful, "csctp echo: no graceful close after %u messages", count);
}

Test(usrsctp_udp, csctp_send_to_usrsctp_echo_1k) { csctp_to_usrsctp("1000", "5000", "8", 0); }
Test(usrsctp_udp, csctp_send_to_usrsctp_echo_64k) { csctp_to_usrsctp("65536", "300", "4", 0); }
Test(usrsctp_udp, csctp_send_to_usrsctp_echo_unordered) {
  csctp_to_usrsctp("16384", "500", "5", 1);
}
/* PLPMTUD (RFC 8899) against usrsctp: csctp's HEARTBEATs padded with a PAD chunk (RFC 4820)
 * are answered, and the search ends at what the link carries: a veth of 1,400 bytes between
 * the namespaces (as root), else loopback (65,536) capped by the 4,000 asked. */
Test(usrsctp_udp, csctp_plpmtud_probes_answered_by_usrsctp) {
  unsigned link = 65536;
  if (ns_a[0]) {
    char prefix[16];
    snprintf(prefix, sizeof(prefix), "%.*s", (int)strlen(ns_a) - 2, ns_a);
    cr_assert_eq(tp_sh("ip -n %1$s-a link set %1$s-va mtu 1400 && ip -n %1$s-b link set %1$s-vb "
                       "mtu 1400",
                       prefix),
                 0);
    link = 1400;
  }
  unsigned want = (link - 20 - 8) & ~3u;
  if (want > 4000) want = 4000;
  csctp_to_usrsctp_pl("3000", "2000", "2", 0, "4000");
  char line[64];
  snprintf(line, sizeof line, "path MTU %u bytes (PLPMTUD)", want);
  char *out = tp_slurp_log(dir, "send", "out");
  cr_assert(strstr(out, line), "wanted '%s': %s", line, out);
  g_free(out);
}

Test(usrsctp_udp, usrsctp_send_to_csctp_echo_1k) { usrsctp_to_csctp(1000, 5000, 8, 0); }
Test(usrsctp_udp, usrsctp_send_to_csctp_echo_64k) { usrsctp_to_csctp(65536, 300, 4, 0); }
Test(usrsctp_udp, usrsctp_send_to_csctp_echo_unordered) { usrsctp_to_csctp(16384, 500, 5, 1); }

#else

Test(usrsctp_udp, skipped) {
  cr_skip_test("usrsctp not found at build time (apt-get install libusrsctp-dev)");
}

#endif
