/* SPDX-License-Identifier: MIT */
/*
 * Handover across processes, with usrsctp as the remote (AF_CONN, in memory).
 *
 * The test process runs usrsctp, listening. A first child process runs our
 * engine: it connects, sends its share of messages and takes usrsctp's,
 * waits for a quiescent moment, exports the association
 * (csctp_assoc_handover_export), hands the blob to the parent and exits. A
 * second child imports the blob and goes on: more messages both ways, then a
 * graceful shutdown. Packets (and the blob) travel between the parent and the
 * children over SOCK_SEQPACKET socketpairs, first byte 'P' (a packet) or 'B'
 * (the blob). usrsctp must receive every message once and in order, and never
 * see a restart, an ABORT or an error; each child checks what it receives the
 * same way and reports by its exit status. Both children are forked before
 * usrsctp starts its threads.
 */
#include <criterion/criterion.h>
#include <csctp/sctp.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "prng.h"
#include "usrsctp_peer.h"

#define PORT 5000
#define MTU 1200
#define NS 4       /* streams 0..2 ordered, 3 unordered */
#define PHASE 60   /* messages per stream, direction and phase */
#define WAIT_S 20  /* each phase's wall-clock bound */
#define BUFSZ 4096 /* largest message + 1 */

static const uint8_t hkey[32] = "interop handover key, 32 bytes.";

static csctp_tstamp now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (csctp_tstamp)ts.tv_sec * 1000000u + (csctp_tstamp)ts.tv_nsec / 1000u;
}

/* Message i of stream s (from `dir` 0: csctp, 1: usrsctp); some are fragmented. */
static size_t mk(uint8_t *b, int dir, uint16_t s, uint32_t i) {
  size_t len = 8 + (i * 53 + s * 7 + (size_t)dir * 101) % 2500;
  memset(b, (int)(i * 3 + s + dir), len);
  b[0] = (uint8_t)dir;
  b[1] = (uint8_t)s;
  b[2] = (uint8_t)(i >> 8);
  b[3] = (uint8_t)i;
  return len;
}

/* What one side received: message numbers per stream. Returns 0 or a description. */
typedef struct rxcheck {
  uint32_t next[NS];
  uint8_t seen[NS][2 * PHASE];
  uint32_t count;
  char err[128];
} rxcheck;

static int rx_take(rxcheck *r, int dir, uint16_t s, const uint8_t *d, size_t len) {
  uint8_t ref[BUFSZ];
  if (s >= NS || len < 4 || d[0] != dir || d[1] != s) {
    snprintf(r->err, sizeof r->err, "unexpected message on stream %u", s);
    return -1;
  }
  uint32_t i = (uint32_t)d[2] << 8 | d[3];
  if (i >= 2 * PHASE || len != mk(ref, dir, s, i) || memcmp(ref, d, len) || r->seen[s][i]) {
    snprintf(r->err, sizeof r->err, "stream %u message %u: bad or twice", s, i);
    return -1;
  }
  if (s < NS - 1 && i != r->next[s]) {
    snprintf(r->err, sizeof r->err, "stream %u: message %u, expected %u", s, i, r->next[s]);
    return -1;
  }
  r->seen[s][i] = 1;
  r->next[s]++;
  r->count++;
  return 0;
}

/* ---------- the children: our engine ---------- */

static csctp_prng child_rng;

static void child_cfg(csctp_config *c) {
  csctp_config_default(c);
  c->local_port = c->remote_port = PORT;
  c->mtu = MTU;
  c->outbound_streams = c->max_inbound_streams = 16;
  c->rto_initial = 300;
  c->rto_min = 100;
  c->rto_max = 2000;
  c->sack_timeout = 20;
  csctp_prng_seed(&child_rng, (uint64_t)getpid() * 7919 + now_us());
  c->rand = csctp_prng_rand_fn;
  c->rand_user_data = &child_rng;
}

typedef struct child {
  int fd;
  csctp_assoc *a;
  rxcheck rx;
  uint32_t tx_next[NS]; /* next message number to send */
  int closed, bad_events;
} child;

#define CHILD_FAIL(...)                           \
  do {                                            \
    fprintf(stderr, "child %d: ", (int)getpid()); \
    fprintf(stderr, __VA_ARGS__);                 \
    fprintf(stderr, "\n");                        \
    _exit(1);                                     \
  } while (0)

/* One turn: input from the parent, timers, output, events, and sends up to `upto`. */
static void child_turn(child *c, uint32_t upto, int poll_ms) {
  uint8_t b[1 + BUFSZ];
  csctp_tstamp t = now_us(), exp = csctp_assoc_expiry(c->a);
  int ms = poll_ms;
  if (exp <= t)
    ms = 0;
  else if ((exp - t) / 1000 < (csctp_tstamp)poll_ms)
    ms = (int)((exp - t) / 1000);
  struct pollfd p = {.fd = c->fd, .events = POLLIN};
  if (poll(&p, 1, ms) > 0) {
    ssize_t n;
    while ((n = recv(c->fd, b, sizeof b, MSG_DONTWAIT)) > 0)
      if (b[0] == 'P') csctp_assoc_read_packet(c->a, b + 1, (size_t)n - 1, now_us());
    if (n == 0) CHILD_FAIL("parent gone");
    csctp_assoc_input_drained(c->a);
  }
  t = now_us();
  if (csctp_assoc_expiry(c->a) <= t) csctp_assoc_handle_expiry(c->a, t);
  for (uint16_t s = 0; s < NS; s++)
    while (c->tx_next[s] < upto) {
      csctp_send_opts o = {.stream = s, .ppid = 53, .unordered = s == NS - 1};
      size_t len = mk(b, 0, s, c->tx_next[s]);
      int rv = csctp_assoc_send(c->a, &o, b, len, t);
      if (rv == CSCTP_ERR_WOULD_BLOCK) break;
      if (rv) CHILD_FAIL("send: %s", csctp_strerror(rv));
      c->tx_next[s]++;
    }
  csctp_event ev;
  while (csctp_assoc_poll_event(c->a, &ev) == 1) {
    if (ev.type == CSCTP_EVENT_MESSAGE) {
      if (rx_take(&c->rx, 1, ev.u.message.stream, ev.u.message.data, ev.u.message.len))
        CHILD_FAIL("%s", c->rx.err);
    } else if (ev.type == CSCTP_EVENT_CLOSED) {
      c->closed = 1;
      if (ev.u.closed.reason != CSCTP_CLOSE_SHUTDOWN) c->bad_events++;
    } else if (ev.type == CSCTP_EVENT_RESTARTED || ev.type == CSCTP_EVENT_PEER_ERROR) {
      c->bad_events++;
    }
  }
  csctp_ssize n;
  b[0] = 'P';
  while ((n = csctp_assoc_write_packet(c->a, b + 1, sizeof b - 1, now_us())) > 0)
    if (send(c->fd, b, (size_t)n + 1, MSG_NOSIGNAL) < 0) CHILD_FAIL("send to parent: %d", errno);
}

/* Every message up to n received and sent, both ways. */
static int all_done(const child *c, uint32_t n) {
  for (int s = 0; s < NS; s++)
    if (c->tx_next[s] < n) return 0;
  return c->rx.count >= NS * n;
}

/* Connects, sends and receives phase one, exports at a quiescent moment. */
static void child_first(int fd) {
  child c = {.fd = fd};
  csctp_config cfg;
  child_cfg(&cfg);
  if (csctp_assoc_new(&c.a, &cfg) || csctp_assoc_connect(c.a, now_us())) CHILD_FAIL("new");
  csctp_tstamp end = now_us() + WAIT_S * CSCTP_SECONDS;
  while (now_us() < end) {
    child_turn(&c, csctp_assoc_get_state(c.a) == CSCTP_STATE_ESTABLISHED ? PHASE : 0, 5);
    if (c.bad_events || c.closed) CHILD_FAIL("closed or restarted");
    if (all_done(&c, PHASE) && !csctp_assoc_handover_readiness(c.a)) {
      static uint8_t blob[1 + CSCTP_HANDOVER_MAX];
      csctp_ssize n =
          csctp_assoc_handover_export(c.a, hkey, sizeof hkey, now_us(), blob + 1, sizeof blob - 1);
      if (n <= 0) CHILD_FAIL("export: %d", (int)n);
      blob[0] = 'B';
      if (send(fd, blob, (size_t)n + 1, MSG_NOSIGNAL) < 0) CHILD_FAIL("send blob");
      uint8_t b[BUFSZ];
      if (csctp_assoc_write_packet(c.a, b, sizeof b, now_us()) != 0) CHILD_FAIL("wrote after");
      csctp_assoc_del(c.a);
      _exit(0);
    }
  }
  CHILD_FAIL("phase one incomplete: received %u, readiness %#x", c.rx.count,
             csctp_assoc_handover_readiness(c.a));
}

/* Imports the blob, sends and receives phase two, shuts down. */
static void child_second(int fd) {
  child c = {.fd = fd};
  static uint8_t b[1 + CSCTP_HANDOVER_MAX];
  struct pollfd p = {.fd = fd, .events = POLLIN};
  if (poll(&p, 1, 2 * WAIT_S * 1000) <= 0) CHILD_FAIL("no blob");
  ssize_t n = recv(fd, b, sizeof b, 0);
  if (n < 2 || b[0] != 'B') CHILD_FAIL("not a blob");
  csctp_config cfg;
  child_cfg(&cfg);
  int rv = csctp_assoc_handover_import(&c.a, &cfg, hkey, sizeof hkey, b + 1, (size_t)n - 1,
                                       now_us(), 5 * CSCTP_SECONDS);
  if (rv) CHILD_FAIL("import: %s", csctp_strerror(rv));
  for (int s = 0; s < NS; s++) { /* phase one happened in the other process */
    c.tx_next[s] = PHASE;
    c.rx.next[s] = PHASE;
    for (int i = 0; i < PHASE; i++) c.rx.seen[s][i] = 1;
  }
  c.rx.count = NS * PHASE;
  csctp_tstamp end = now_us() + WAIT_S * CSCTP_SECONDS;
  int shut = 0;
  while (now_us() < end && !c.closed) {
    child_turn(&c, 2 * PHASE, 5);
    if (c.bad_events) CHILD_FAIL("bad event");
    if (!shut && all_done(&c, 2 * PHASE) && csctp_assoc_buffered_amount(c.a) == 0) {
      if (csctp_assoc_shutdown(c.a, now_us())) CHILD_FAIL("shutdown");
      shut = 1;
    }
  }
  if (!c.closed) CHILD_FAIL("phase two incomplete: received %u", c.rx.count);
  csctp_stats st;
  csctp_assoc_get_stats(c.a, &st);
  if (st.drop_bad_vtag || st.drop_malformed || st.aborts_sent) CHILD_FAIL("dropped or aborted");
  csctp_assoc_del(c.a);
  _exit(0);
}

/* ---------- the parent: usrsctp ---------- */

static pid_t spawn(void (*fn)(int), int *fd) {
  int sv[2];
  cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
  pid_t pid = fork();
  cr_assert(pid >= 0);
  if (pid == 0) {
    close(sv[0]);
    fn(sv[1]);
    _exit(2);
  }
  close(sv[1]);
  *fd = sv[0];
  return pid;
}

static int child_status(pid_t pid, int *status, int block) {
  if (pid <= 0) return 1;
  return waitpid(pid, status, block ? 0 : WNOHANG) == pid;
}

Test(usrsctp_handover, across_processes, .timeout = 90) {
  int fd[2];
  pid_t pid[2];
  pid[0] = spawn(child_first, &fd[0]);
  pid[1] = spawn(child_second, &fd[1]);

  usrsctp_peer_tuning t = {.rto_min_ms = 100,
                           .rto_initial_ms = 300,
                           .rto_max_ms = 2000,
                           .init_rto_max_ms = 1000,
                           .delayed_sack_ms = 20};
  usrsctp_peer_global_init(&t);
  static usrsctp_peer up;
  usrsctp_peer_opts o = {.port = PORT,
                         .remote_port = PORT,
                         .ostreams = 16,
                         .max_instreams = 16,
                         .mtu = MTU,
                         .passive = 1,
                         .stream_reset = 1};
  cr_assert_eq(usrsctp_peer_open(&up, "usrsctp", &o), 0, "%s", up.failure);

  static rxcheck rx;
  uint32_t tx_next[NS] = {0};
  int active = 0, exited[2] = {0, 0}, status[2] = {0, 0};
  uint64_t to_child[2] = {0, 0}, from_child[2] = {0, 0};
  static uint8_t b[1 + CSCTP_HANDOVER_MAX];
  csctp_tstamp end = now_us() + 3 * WAIT_S * CSCTP_SECONDS;
  while (now_us() < end && !(exited[0] && exited[1])) {
    /* usrsctp -> the child that owns the association now */
    usrsctp_peer_pkt *pk;
    while ((pk = usrsctp_peer_pop(&up)) != NULL) {
      b[0] = 'P';
      memcpy(b + 1, pk->data, pk->len);
      if (!exited[active] && send(fd[active], b, pk->len + 1, MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
        to_child[active]++;
      free(pk);
    }
    struct pollfd p[2] = {{.fd = fd[0], .events = POLLIN}, {.fd = fd[1], .events = POLLIN}};
    poll(p, 2, 2);
    for (int k = 0; k < 2; k++) {
      ssize_t n;
      while ((n = recv(fd[k], b, sizeof b, MSG_DONTWAIT)) > 0) {
        if (b[0] == 'P') {
          usrsctp_peer_input(&up, b + 1, (size_t)n - 1);
          from_child[k]++;
        } else if (b[0] == 'B' && k == 0) { /* the handover: to the second child */
          cr_assert(send(fd[1], b, (size_t)n, MSG_NOSIGNAL) > 0);
          active = 1;
        }
      }
    }
    /* usrsctp sends its share of the current phase once up */
    uint32_t upto = up.comm_up ? (uint32_t)(active + 1) * PHASE : 0;
    for (uint16_t s = 0; s < NS; s++)
      while (tx_next[s] < upto) {
        size_t len = mk(b, 1, s, tx_next[s]);
        if (usrsctp_peer_send(&up, s, 53, s == NS - 1, b, len) != 0) break;
        tx_next[s]++;
      }
    usrsctp_peer_msg m;
    while (usrsctp_peer_recv(&up, &m) == 1)
      cr_assert_eq(rx_take(&rx, 0, m.sid, m.data, m.len), 0, "usrsctp: %s", rx.err);
    for (int k = 0; k < 2; k++)
      if (!exited[k] && child_status(pid[k], &status[k], 0)) exited[k] = 1;
  }
  for (int k = 0; k < 2; k++)
    if (!exited[k]) {
      kill(pid[k], SIGKILL);
      child_status(pid[k], &status[k], 1);
    }
  /* usrsctp's view: one association, never restarted or aborted, every message in order. */
  int comm_up = up.comm_up, restart = up.restart, lost = up.comm_lost,
      remote_errors = up.remote_errors;
  uint32_t count = rx.count;
  usrsctp_peer_close(&up, 0);
  int finished = usrsctp_peer_global_finish(3000) == 0;
  if (finished) usrsctp_peer_free(&up);
  close(fd[0]);
  close(fd[1]);
  fprintf(stderr, "handover: packets to/from child 1 %llu/%llu, child 2 %llu/%llu\n",
          (unsigned long long)to_child[0], (unsigned long long)from_child[0],
          (unsigned long long)to_child[1], (unsigned long long)from_child[1]);
  cr_assert(exited[0] && WIFEXITED(status[0]) && WEXITSTATUS(status[0]) == 0, "first child failed");
  cr_assert(exited[1] && WIFEXITED(status[1]) && WEXITSTATUS(status[1]) == 0,
            "second child failed");
  cr_assert_eq(active, 1, "no handover happened");
  cr_assert(from_child[1] > 0 && to_child[1] > 0, "the second child never took part");
  cr_assert_eq(comm_up, 1);
  cr_assert_eq(restart, 0, "usrsctp saw a restart");
  cr_assert_eq(lost, 0, "usrsctp saw the association lost (ABORT)");
  cr_assert_eq(remote_errors, 0, "usrsctp got ERROR chunks");
  cr_assert_eq(count, NS * 2 * PHASE, "usrsctp received %u messages", count);
}
