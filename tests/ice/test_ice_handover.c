/* SPDX-License-Identifier: MIT */
/*
 * ICE handover (ice/ice_handover.c, ice/ice_resume.c, ice/stun.c): a connected
 * agent exported, deleted and resumed from its blob and socket in front of a real
 * libnice agent, over 127.0.0.1, on one GMainContext. STUN is built and checked
 * with libnice's own STUN code (<stun/...>), not with ours. Every wait is bounded.
 */
#include <criterion/criterion.h>
#include <csctp/ice.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ice_resume.h"

#define N_DATAGRAMS 32
#define MAGIC 0x43534943u

typedef struct side {
  csctp_ice_agent *agent;
  struct side *peer;
  csctp_ice_state state;
  int n_state_events, n_failed_events;
  int received[N_DATAGRAMS];
  size_t n_received, bad;
  int del_on_datagram;
} side;

static GMainContext *ctx;
static side A, B;
static const uint8_t key[32] = "ice handover test key, 32 bytes";
static const uint8_t other_key[32] = "another key of thirty-two bytes";

static gboolean tick(gpointer data) {
  (void)data;
  return G_SOURCE_CONTINUE;
}

static void iterate_ms(long ms) {
  gint64 deadline = g_get_monotonic_time() + ms * 1000;
  while (g_get_monotonic_time() < deadline) g_main_context_iteration(ctx, TRUE);
}

static size_t size_of(int seq) { return 1 + (size_t)seq * 37 % 1200; }

static void fill(uint8_t *buf, size_t len, int seq) {
  for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)(seq * 31 + i);
  buf[0] = (uint8_t)(64 + seq); /* > 3: never STUN (RFC 7983) */
}

static void on_event(csctp_ice_agent *agent, const csctp_ice_event *ev, void *user) {
  side *s = user;
  if (ev->type == CSCTP_ICE_EVENT_CANDIDATE) {
    cr_assert_eq(csctp_ice_agent_add_remote_candidate(s->peer->agent, ev->u.candidate.candidate),
                 1);
  } else if (ev->type == CSCTP_ICE_EVENT_GATHERING_DONE) {
    csctp_ice_agent_end_of_remote_candidates(s->peer->agent);
  } else if (ev->type == CSCTP_ICE_EVENT_STATE) {
    s->state = ev->u.state;
    s->n_state_events++;
    if (ev->u.state == CSCTP_ICE_STATE_FAILED) s->n_failed_events++;
    cr_assert_eq(csctp_ice_agent_state(agent), ev->u.state);
  } else if (ev->type == CSCTP_ICE_EVENT_DATAGRAM) {
    uint8_t want[1200];
    int seq = ev->u.datagram.len ? ev->u.datagram.data[0] - 64 : -1;
    if (seq < 0 || seq >= N_DATAGRAMS || ev->u.datagram.len != size_of(seq)) {
      s->bad++;
      return;
    }
    fill(want, ev->u.datagram.len, seq);
    if (memcmp(want, ev->u.datagram.data, ev->u.datagram.len) != 0) s->bad++;
    if (!s->received[seq]++) s->n_received++;
    if (s->del_on_datagram) {
      csctp_ice_agent_del(agent);
      s->agent = NULL;
    }
  }
}

static const char *const loopback[] = {"127.0.0.1"};

static void make_agent(side *s, side *peer, int controlling) {
  memset(s, 0, sizeof *s);
  s->peer = peer;
  csctp_ice_config cfg;
  csctp_ice_config_default(&cfg);
  cfg.controlling = controlling;
  cfg.local_addresses = loopback;
  cfg.n_local_addresses = 1;
  cfg.connect_timeout_ms = 10000;
  cfg.on_event = on_event;
  cfg.user_data = s;
  cr_assert_eq(csctp_ice_agent_new(&s->agent, ctx, &cfg), 0);
}

static void connect_pair(void) {
  make_agent(&A, &B, 1);
  make_agent(&B, &A, 0);
  cr_assert_eq(csctp_ice_agent_set_remote_credentials(A.agent, csctp_ice_agent_local_ufrag(B.agent),
                                                      csctp_ice_agent_local_pwd(B.agent)),
               0);
  cr_assert_eq(csctp_ice_agent_set_remote_credentials(B.agent, csctp_ice_agent_local_ufrag(A.agent),
                                                      csctp_ice_agent_local_pwd(A.agent)),
               0);
  cr_assert_eq(csctp_ice_agent_gather(A.agent), 0);
  cr_assert_eq(csctp_ice_agent_gather(B.agent), 0);
  gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (!(A.state == CSCTP_ICE_STATE_CONNECTED && B.state == CSCTP_ICE_STATE_CONNECTED) &&
         g_get_monotonic_time() < deadline) {
    g_main_context_iteration(ctx, TRUE);
  }
  cr_assert(A.state == CSCTP_ICE_STATE_CONNECTED && B.state == CSCTP_ICE_STATE_CONNECTED,
            "not connected in 5 s");
  /* Let the nomination settle (libnice READY on both sides). */
  iterate_ms(200);
}

static csctp_ice_config resumed_cfg(side *s, int consent) {
  csctp_ice_config cfg;
  csctp_ice_config_default(&cfg);
  cfg.on_event = on_event;
  cfg.user_data = s;
  cfg.consent_freshness = consent;
  return cfg;
}

/* Passes `fd` through a socket pair with SCM_RIGHTS, as between two processes, and
 * closes it: returns the descriptor received. */
static int pass_fd(int fd) {
  int sv[2];
  cr_assert_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
  char byte = 'h';
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    struct cmsghdr h;
    char b[CMSG_SPACE(sizeof(int))];
  } c;
  memset(&c, 0, sizeof c);
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof c.b};
  struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &fd, sizeof fd);
  cr_assert_eq(sendmsg(sv[0], &mh, 0), 1);
  close(fd);
  memset(&c, 0, sizeof c);
  mh.msg_controllen = sizeof c.b;
  cr_assert_eq(recvmsg(sv[1], &mh, MSG_CMSG_CLOEXEC), 1);
  cm = CMSG_FIRSTHDR(&mh);
  cr_assert(cm && cm->cmsg_type == SCM_RIGHTS);
  int got;
  memcpy(&got, CMSG_DATA(cm), sizeof got);
  close(sv[0]);
  close(sv[1]);
  return got;
}

/* Exports A, deletes it (or hands it to `*keep`) and resumes it as A' from the blob and
 * the socket. */
static void hand_over_keep(int consent, csctp_ice_agent **keep) {
  cr_assert_eq(csctp_ice_agent_handover_readiness(A.agent), 0);
  csctp_ssize size = csctp_ice_agent_handover_export(A.agent, key, sizeof key, NULL, 0, NULL);
  cr_assert_gt(size, 0);
  cr_assert_leq(size, CSCTP_ICE_HANDOVER_MAX);
  uint8_t blob[CSCTP_ICE_HANDOVER_MAX];
  int fd = -1;
  cr_assert_eq(csctp_ice_agent_handover_export(A.agent, key, sizeof key, blob, sizeof blob, &fd),
               size);
  cr_assert_geq(fd, 0);
  fd = pass_fd(fd);
  cr_assert_eq(csctp_ice_agent_handover_readiness(A.agent), CSCTP_ICE_HANDOVER_RESUMED);
  cr_assert_eq(csctp_ice_agent_send(A.agent, (const uint8_t *)"x", 1), CSCTP_ERR_INVALID_STATE);
  char ufrag[257], pwd[257];
  g_strlcpy(ufrag, csctp_ice_agent_local_ufrag(A.agent), sizeof ufrag);
  g_strlcpy(pwd, csctp_ice_agent_local_pwd(A.agent), sizeof pwd);
  int controlling = csctp_ice_agent_get_controlling(A.agent);
  if (keep) {
    *keep = A.agent;
  } else {
    csctp_ice_agent_del(A.agent);
  }
  A.agent = NULL;
  int n_state = A.n_state_events;
  csctp_ice_config cfg = resumed_cfg(&A, consent);
  cr_assert_eq(csctp_ice_agent_handover_import(&A.agent, ctx, &cfg, key, sizeof key, blob,
                                               (size_t)size, fd, 5000),
               0);
  cr_assert_eq(csctp_ice_agent_state(A.agent), CSCTP_ICE_STATE_CONNECTED);
  cr_assert_eq(A.n_state_events, n_state, "no STATE event for resuming");
  cr_assert_eq(csctp_ice_agent_context(A.agent), ctx);
  cr_assert_str_eq(csctp_ice_agent_local_ufrag(A.agent), ufrag);
  cr_assert_str_eq(csctp_ice_agent_local_pwd(A.agent), pwd);
  cr_assert_eq(csctp_ice_agent_get_controlling(A.agent), controlling);
}

static void hand_over_a(int consent) { hand_over_keep(consent, NULL); }

static void send_all(side *from, int batch) {
  static uint8_t bufs[N_DATAGRAMS][1200];
  const uint8_t *d[N_DATAGRAMS];
  size_t len[N_DATAGRAMS];
  for (int seq = 0; seq < N_DATAGRAMS; seq++) {
    len[seq] = size_of(seq);
    fill(bufs[seq], len[seq], seq);
    d[seq] = bufs[seq];
    if (!batch)
      cr_assert_eq(csctp_ice_agent_send(from->agent, d[seq], len[seq]), (csctp_ssize)len[seq]);
  }
  if (batch)
    cr_assert_eq(csctp_ice_agent_send_batch(from->agent, d, len, N_DATAGRAMS), N_DATAGRAMS);
}

static void wait_received(size_t a_want, size_t b_want) {
  gint64 deadline = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
  while ((A.n_received < a_want || B.n_received < b_want) && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(ctx, TRUE);
  }
  cr_assert_eq(A.n_received, a_want, "A' got %zu of %zu", A.n_received, a_want);
  cr_assert_eq(B.n_received, b_want, "B got %zu of %zu", B.n_received, b_want);
  cr_assert_eq(A.bad + B.bad, 0);
}

/* ---- hand-made blobs (the format of ice/ice_handover.c, written independently) ---- */

static int udp_socket(struct sockaddr_in *addr) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  cr_assert_geq(fd, 0);
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
  socklen_t len = sizeof *addr;
  cr_assert_eq(getsockname(fd, (struct sockaddr *)addr, &len), 0);
  return fd;
}

#define LUFRAG "lufr"
#define LPWD "localpasswordof22chars"
#define RUFRAG "rufr"
#define RPWD "remotepasswordof22char"

static void put16(uint8_t *b, size_t *n, uint16_t v) {
  b[(*n)++] = (uint8_t)(v >> 8);
  b[(*n)++] = (uint8_t)v;
}

static void put32(uint8_t *b, size_t *n, uint32_t v) {
  put16(b, n, (uint16_t)(v >> 16));
  put16(b, n, (uint16_t)v);
}

static void put_cred(uint8_t *b, size_t *n, const char *c) {
  put16(b, n, (uint16_t)strlen(c));
  memcpy(b + *n, c, strlen(c));
  *n += strlen(c);
}

static void put_addr(uint8_t *b, size_t *n, const struct sockaddr_in *a, uint8_t family) {
  b[(*n)++] = family;
  b[(*n)++] = 0;
  put16(b, n, ntohs(a->sin_port));
  put32(b, n, 0);
  memset(b + *n, 0, 16);
  memcpy(b + *n, &a->sin_addr, 4);
  *n += 16;
}

static size_t remac(uint8_t *b, size_t body, const uint8_t *k) {
  GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, k, 32);
  gsize len = 32;
  g_hmac_update(h, b, body);
  g_hmac_get_digest(h, b + body, &len);
  g_hmac_unref(h);
  return body + 32;
}

typedef struct blob_opts {
  uint16_t version;
  int64_t created_offset_us; /* added to now */
  uint8_t family;
  int trailing; /* one extra byte before the MAC */
} blob_opts;

/* A blob for a resumed agent on `local` facing `remote` (controlling). Offsets of the
 * body's fields: version at 4, created at 8, local family at HO 28+8+4+22+4+22 = 88. */
static size_t make_blob(uint8_t *b, const struct sockaddr_in *local,
                        const struct sockaddr_in *remote, blob_opts o) {
  size_t n = 0;
  put32(b, &n, MAGIC);
  put16(b, &n, o.version ? o.version : 1);
  put16(b, &n, 0);
  uint64_t created = (uint64_t)(g_get_monotonic_time() + o.created_offset_us);
  put32(b, &n, (uint32_t)(created >> 32));
  put32(b, &n, (uint32_t)created);
  b[n++] = 1; /* controlling */
  b[n++] = 0;
  b[n++] = 0;
  b[n++] = 0;
  put32(b, &n, 0x01020304);
  put32(b, &n, 0x05060708);
  put_cred(b, &n, LUFRAG);
  put_cred(b, &n, LPWD);
  put_cred(b, &n, RUFRAG);
  put_cred(b, &n, RPWD);
  put_addr(b, &n, local, o.family ? o.family : 4);
  put_addr(b, &n, remote, o.family ? o.family : 4);
  if (o.trailing) b[n++] = 0;
  return remac(b, n, key);
}

static int fd_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

/* Waits up to `ms` for a datagram on the plain socket `fd`: its length, or 0. */
static size_t recv_wait(int fd, uint8_t *buf, size_t cap, long ms, struct sockaddr_in *from) {
  gint64 deadline = g_get_monotonic_time() + ms * 1000;
  while (g_get_monotonic_time() < deadline) {
    socklen_t fl = sizeof *from;
    ssize_t n = recvfrom(fd, buf, cap, 0, (struct sockaddr *)from, &fl);
    if (n > 0) return (size_t)n;
    g_main_context_iteration(ctx, FALSE);
    g_usleep(1000);
  }
  return 0;
}

static void setup(void) {
  ctx = g_main_context_new();
  GSource *src = g_timeout_source_new(20);
  g_source_set_callback(src, tick, NULL, NULL);
  g_source_attach(src, ctx);
  g_source_unref(src);
  memset(&A, 0, sizeof A);
  memset(&B, 0, sizeof B);
}

static void teardown(void) {
  ice_resume_test_timing(0, 0);
  csctp_ice_agent_del(A.agent);
  csctp_ice_agent_del(B.agent);
  A.agent = B.agent = NULL;
  for (int i = 0; i < 1000 && g_main_context_iteration(ctx, FALSE); i++) {}
  g_main_context_unref(ctx);
}

TestSuite(ice_handover, .init = setup, .fini = teardown, .timeout = 20);

/* (1) The resumed agent and B, a real libnice agent, exchange datagrams both ways. */
Test(ice_handover, resumed_agent_exchanges_datagrams_with_libnice) {
  connect_pair();
  /* The exported agent stays alive meanwhile: it must not read the socket any more. */
  csctp_ice_agent *exported = NULL;
  hand_over_keep(1, &exported);
  send_all(&A, 0);
  send_all(&B, 0);
  wait_received(N_DATAGRAMS, N_DATAGRAMS);
  iterate_ms(100);
  csctp_ice_agent_del(exported);
  /* Batches too, and again after a second handover (the resumed agent moves on). */
  memset(A.received, 0, sizeof A.received);
  memset(B.received, 0, sizeof B.received);
  A.n_received = B.n_received = 0;
  hand_over_a(1);
  send_all(&A, 1);
  send_all(&B, 1);
  wait_received(N_DATAGRAMS, N_DATAGRAMS);
  cr_assert_eq(A.n_failed_events + B.n_failed_events, 0);
  ice_resume_stats st;
  ice_resume_get_stats(A.agent, &st);
  cr_assert_eq(st.datagrams, N_DATAGRAMS);
}

/* Builds a libnice STUN agent for ICE short-term credentials with FINGERPRINT. */
static void nice_stun_init(StunAgent *agent) {
  static const uint16_t known[] = {STUN_ATTRIBUTE_USERNAME,
                                   STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
                                   STUN_ATTRIBUTE_PRIORITY,
                                   STUN_ATTRIBUTE_USE_CANDIDATE,
                                   STUN_ATTRIBUTE_ICE_CONTROLLED,
                                   STUN_ATTRIBUTE_ICE_CONTROLLING,
                                   STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
                                   STUN_ATTRIBUTE_FINGERPRINT,
                                   0};
  stun_agent_init(agent, known, STUN_COMPATIBILITY_RFC5389,
                  STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
}

/* Sends a libnice-built check (USERNAME `user`, MI with `pwd`) from `from` to `to`. */
static void send_check(StunAgent *agent, int from, const struct sockaddr_in *to, const char *user,
                       const char *pwd) {
  StunMessage msg;
  uint8_t buf[512];
  size_t n = stun_usage_ice_conncheck_create(
      agent, &msg, buf, sizeof buf, (const uint8_t *)user, strlen(user), (const uint8_t *)pwd,
      strlen(pwd), true, false, 0x6e7fff00u, 42, NULL, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
  cr_assert_gt(n, 0);
  cr_assert_eq(sendto(from, buf, n, 0, (const struct sockaddr *)to, sizeof *to), (ssize_t)n);
}

/* (2) Checks built by libnice are answered with a response libnice validates; checks
 * with a wrong USERNAME or MESSAGE-INTEGRITY are not answered. */
Test(ice_handover, answers_connectivity_checks_as_libnice_expects) {
  struct sockaddr_in laddr, raddr;
  int l = udp_socket(&laddr), r = udp_socket(&raddr);
  uint8_t blob[CSCTP_ICE_HANDOVER_MAX];
  size_t len = make_blob(blob, &laddr, &raddr, (blob_opts){0});
  csctp_ice_config cfg = resumed_cfg(&A, 0);
  cr_assert_eq(
      csctp_ice_agent_handover_import(&A.agent, ctx, &cfg, key, sizeof key, blob, len, l, 1000), 0);
  StunAgent agent;
  nice_stun_init(&agent);
  uint8_t resp[1024];
  struct sockaddr_in from;

  /* Not for us: wrong local ufrag, wrong password (bad MESSAGE-INTEGRITY). */
  send_check(&agent, r, &laddr, "xxxx:" RUFRAG, LPWD);
  send_check(&agent, r, &laddr, LUFRAG ":" RUFRAG, "wrongpasswordof22chars");
  cr_assert_eq(recv_wait(r, resp, sizeof resp, 300, &from), 0, "answered a bad check");
  ice_resume_stats st;
  ice_resume_get_stats(A.agent, &st);
  cr_assert_eq(st.stun_dropped, 2);
  cr_assert_eq(st.stun_answered, 0);

  /* A good one, twice (a retransmission is answered again). */
  for (int i = 0; i < 2; i++) {
    send_check(&agent, r, &laddr, LUFRAG ":" RUFRAG, LPWD);
    size_t n = recv_wait(r, resp, sizeof resp, 2000, &from);
    cr_assert_gt(n, 0, "no answer");
    cr_assert_eq(from.sin_port, laddr.sin_port);
    StunMessage msg;
    StunDefaultValidaterData v = {(uint8_t *)LUFRAG ":" RUFRAG, strlen(LUFRAG ":" RUFRAG),
                                  (uint8_t *)LPWD, strlen(LPWD)};
    cr_assert_eq(stun_agent_validate(&agent, &msg, resp, n, stun_agent_default_validater, &v),
                 STUN_VALIDATION_SUCCESS);
    cr_assert_eq(stun_message_get_class(&msg), STUN_RESPONSE);
    cr_assert_eq(stun_message_get_method(&msg), STUN_BINDING);
    /* FINGERPRINT last (libnice checked its value), MESSAGE-INTEGRITY before it. */
    cr_assert_eq(resp[n - 8] << 8 | resp[n - 7], STUN_ATTRIBUTE_FINGERPRINT);
    cr_assert_eq(resp[n - 32] << 8 | resp[n - 31], STUN_ATTRIBUTE_MESSAGE_INTEGRITY);
    struct sockaddr_storage mapped;
    socklen_t ml = sizeof mapped;
    cr_assert_eq(stun_message_find_xor_addr(&msg, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &mapped, &ml),
                 STUN_MESSAGE_RETURN_SUCCESS);
    const struct sockaddr_in *m4 = (const struct sockaddr_in *)&mapped;
    cr_assert_eq(m4->sin_family, AF_INET);
    cr_assert_eq(m4->sin_port, raddr.sin_port);
    cr_assert_eq(m4->sin_addr.s_addr, raddr.sin_addr.s_addr);
  }
  /* From another address: not the remote, dropped. */
  struct sockaddr_in oaddr;
  int o = udp_socket(&oaddr);
  send_check(&agent, o, &laddr, LUFRAG ":" RUFRAG, LPWD);
  cr_assert_eq(recv_wait(o, resp, sizeof resp, 200, &from), 0);
  ice_resume_get_stats(A.agent, &st);
  cr_assert_eq(st.stun_answered, 2);
  cr_assert_eq(st.foreign, 1);
  close(o);
  close(r);
}

/* (3a) Consent: with short intervals, B (libnice) answers A's checks: A stays CONNECTED. */
Test(ice_handover, consent_kept_by_libnice_peer) {
  ice_resume_test_timing(50, 400);
  connect_pair();
  hand_over_a(1);
  iterate_ms(1500);
  cr_assert_eq(csctp_ice_agent_state(A.agent), CSCTP_ICE_STATE_CONNECTED);
  cr_assert_eq(A.n_failed_events + B.n_failed_events, 0);
  ice_resume_stats st;
  ice_resume_get_stats(A.agent, &st);
  cr_assert_geq(st.consent_sent, 10);
  cr_assert_geq(st.consent_ok, 10, "B answered %llu of %llu", (unsigned long long)st.consent_ok,
                (unsigned long long)st.consent_sent);
  send_all(&A, 0);
  send_all(&B, 0);
  wait_received(N_DATAGRAMS, N_DATAGRAMS);
}

/* (3b) Consent lost: a silent remote; the checks it gets are valid for libnice. */
Test(ice_handover, consent_lost_against_silent_remote) {
  ice_resume_test_timing(50, 400);
  struct sockaddr_in laddr, raddr;
  int l = udp_socket(&laddr), r = udp_socket(&raddr);
  uint8_t blob[CSCTP_ICE_HANDOVER_MAX];
  size_t len = make_blob(blob, &laddr, &raddr, (blob_opts){0});
  csctp_ice_config cfg = resumed_cfg(&A, 1);
  cr_assert_eq(
      csctp_ice_agent_handover_import(&A.agent, ctx, &cfg, key, sizeof key, blob, len, l, 1000), 0);
  uint8_t req[1024];
  struct sockaddr_in from;
  size_t n = recv_wait(r, req, sizeof req, 1000, &from);
  cr_assert_gt(n, 0, "no consent check");
  StunAgent agent;
  nice_stun_init(&agent);
  StunMessage msg;
  StunDefaultValidaterData v = {(uint8_t *)RUFRAG ":" LUFRAG, strlen(RUFRAG ":" LUFRAG),
                                (uint8_t *)RPWD, strlen(RPWD)};
  cr_assert_eq(stun_agent_validate(&agent, &msg, req, n, stun_agent_default_validater, &v),
               STUN_VALIDATION_SUCCESS);
  cr_assert_eq(stun_message_get_class(&msg), STUN_REQUEST);
  uint64_t tie = 0;
  cr_assert_eq(stun_message_find64(&msg, STUN_ATTRIBUTE_ICE_CONTROLLING, &tie),
               STUN_MESSAGE_RETURN_SUCCESS);
  cr_assert_eq(tie, 0x0102030405060708ull);
  uint32_t prio = 0;
  cr_assert_eq(stun_message_find32(&msg, STUN_ATTRIBUTE_PRIORITY, &prio),
               STUN_MESSAGE_RETURN_SUCCESS);

  gint64 deadline = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
  while (A.state != CSCTP_ICE_STATE_FAILED && g_get_monotonic_time() < deadline)
    g_main_context_iteration(ctx, TRUE);
  cr_assert_eq(A.state, CSCTP_ICE_STATE_FAILED);
  cr_assert_eq(A.n_failed_events, 1);
  cr_assert_eq(csctp_ice_agent_send(A.agent, (const uint8_t *)"x", 1), CSCTP_ERR_INVALID_STATE);
  /* No more checks once failed. */
  while (recvfrom(r, req, sizeof req, 0, NULL, NULL) > 0) {}
  iterate_ms(200);
  cr_assert_lt(recvfrom(r, req, sizeof req, 0, NULL, NULL), 0);
  close(r);
}

/* (4) Refused blobs: nothing created, the descriptor left open and usable. */
Test(ice_handover, refused_blobs_leave_the_socket_alone) {
  struct sockaddr_in laddr, raddr;
  int l = udp_socket(&laddr), r = udp_socket(&raddr);
  uint8_t blob[CSCTP_ICE_HANDOVER_MAX + 8], bad[CSCTP_ICE_HANDOVER_MAX + 8];
  size_t len = make_blob(blob, &laddr, &raddr, (blob_opts){0});
  csctp_ice_config cfg = resumed_cfg(&A, 0);
  csctp_ice_agent *out = (csctp_ice_agent *)&out;
#define REFUSED(EXPECT, B, LEN, KEY, FD, AGE)                                                \
  do {                                                                                       \
    cr_assert_eq(csctp_ice_agent_handover_import(&out, ctx, &cfg, KEY, 32, B, LEN, FD, AGE), \
                 EXPECT);                                                                    \
    cr_assert_null(out);                                                                     \
    out = (csctp_ice_agent *)&out;                                                           \
    cr_assert(fd_open(l));                                                                   \
  } while (0)
  REFUSED(CSCTP_ERR_HANDOVER_AUTH, blob, len, other_key, l, 1000);
  for (size_t i = 0; i < len; i++) {
    memcpy(bad, blob, len);
    bad[i] ^= 0x01;
    REFUSED(CSCTP_ERR_HANDOVER_AUTH, bad, len, key, l, 1000);
  }
  for (size_t i = 0; i < len; i++) REFUSED(CSCTP_ERR_HANDOVER_AUTH, blob, i, key, l, 1000);
  size_t n = make_blob(bad, &laddr, &raddr, (blob_opts){.created_offset_us = -2000000});
  REFUSED(CSCTP_ERR_HANDOVER_STALE, bad, n, key, l, 1000);
  n = make_blob(bad, &laddr, &raddr, (blob_opts){.created_offset_us = 3000000});
  REFUSED(CSCTP_ERR_HANDOVER_STALE, bad, n, key, l, 1000);
  n = make_blob(bad, &laddr, &raddr, (blob_opts){.version = 2});
  REFUSED(CSCTP_ERR_HANDOVER_VERSION, bad, n, key, l, 1000);
  n = make_blob(bad, &laddr, &raddr, (blob_opts){.family = 5});
  REFUSED(CSCTP_ERR_MALFORMED, bad, n, key, l, 1000);
  n = make_blob(bad, &laddr, &raddr, (blob_opts){.trailing = 1});
  REFUSED(CSCTP_ERR_MALFORMED, bad, n, key, l, 1000);
  /* An ufrag with a character that is not an ice-char, re-MACed. */
  memcpy(bad, blob, len);
  bad[38] = ':';
  n = remac(bad, len - 32, key);
  REFUSED(CSCTP_ERR_MALFORMED, bad, n, key, l, 1000);
  /* Arguments: no descriptor, not a UDP socket, short key. */
  REFUSED(CSCTP_ERR_INVALID_ARGUMENT, blob, len, key, -1, 1000);
  int tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  cr_assert_eq(
      csctp_ice_agent_handover_import(&out, ctx, &cfg, key, sizeof key, blob, len, tcp, 1000),
      CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert(fd_open(tcp));
  close(tcp);
  cr_assert_eq(csctp_ice_agent_handover_import(&out, ctx, &cfg, key, 8, blob, len, l, 1000),
               CSCTP_ERR_INVALID_ARGUMENT);
  /* Still usable: the authentic blob imports on it, and the agent sends on it. */
  cr_assert_eq(sendto(l, "\x40", 1, 0, (struct sockaddr *)&raddr, sizeof raddr), 1);
  cr_assert_eq(
      csctp_ice_agent_handover_import(&A.agent, ctx, &cfg, key, sizeof key, blob, len, l, 1000), 0);
  cr_assert_eq(csctp_ice_agent_send(A.agent, (const uint8_t *)"\x41", 1), 1);
  uint8_t got[8];
  struct sockaddr_in from;
  cr_assert_eq(recv_wait(r, got, sizeof got, 500, &from), 1);
  cr_assert_eq(got[0], 0x40);
  cr_assert_eq(recv_wait(r, got, sizeof got, 500, &from), 1);
  cr_assert_eq(got[0], 0x41);
  /* The agent owns the descriptor now: deleting it closes it. */
  csctp_ice_agent_del(A.agent);
  A.agent = NULL;
  cr_assert(!fd_open(l));
  close(r);
#undef REFUSED
}

/* (5) Export refused before the connection and after the handover; the resumed agent
 * refuses what only libnice could do; deletion from inside its callback. */
Test(ice_handover, export_refused_and_resumed_agent_limits) {
  make_agent(&A, &B, 1);
  uint8_t blob[CSCTP_ICE_HANDOVER_MAX];
  int fd = -1;
  cr_assert_eq(csctp_ice_agent_handover_readiness(A.agent), CSCTP_ICE_HANDOVER_NOT_CONNECTED);
  cr_assert_eq(csctp_ice_agent_handover_readiness(NULL), CSCTP_ICE_HANDOVER_NOT_CONNECTED);
  cr_assert_eq(csctp_ice_agent_handover_export(A.agent, key, sizeof key, blob, sizeof blob, &fd),
               CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(fd, -1);
  csctp_ice_agent_del(A.agent);
  A.agent = NULL;

  connect_pair();
  cr_assert_eq(csctp_ice_agent_handover_export(A.agent, key, 8, blob, sizeof blob, &fd),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_ice_agent_handover_export(A.agent, key, sizeof key, blob, 10, &fd),
               CSCTP_ERR_NOBUF);
  cr_assert_eq(fd, -1);
  cr_assert_eq(csctp_ice_agent_handover_readiness(A.agent), 0, "a refused export changes nothing");
  hand_over_a(0);
  /* What only libnice does. */
  cr_assert_eq(csctp_ice_agent_gather(A.agent), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_ice_agent_set_remote_credentials(A.agent, "abcd", "abcdefghijklmnopqrstuv"),
               CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_ice_agent_add_remote_candidate(
                   A.agent, "candidate:1 1 UDP 2130706431 127.0.0.1 5000 typ host"),
               CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_ice_agent_end_of_remote_candidates(A.agent), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_ice_agent_set_pacing(A.agent, 50), CSCTP_ERR_INVALID_STATE);
  /* The exported resumed agent is silent too. */
  csctp_ice_agent *old = A.agent;
  csctp_ssize len = csctp_ice_agent_handover_export(old, key, sizeof key, blob, sizeof blob, &fd);
  cr_assert_gt(len, 0);
  cr_assert_eq(csctp_ice_agent_send(old, (const uint8_t *)"x", 1), CSCTP_ERR_INVALID_STATE);
  const uint8_t *d[1] = {(const uint8_t *)"x"};
  size_t l1[1] = {1};
  cr_assert_eq(csctp_ice_agent_send_batch(old, d, l1, 1), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_ice_agent_handover_readiness(old), CSCTP_ICE_HANDOVER_RESUMED);
  cr_assert_eq(csctp_ice_agent_handover_export(old, key, sizeof key, blob, sizeof blob, &fd),
               CSCTP_ERR_INVALID_STATE);
  csctp_ice_agent_del(old);
  A.agent = NULL;
  /* Resumed again, then deleted from inside its own callback. */
  csctp_ice_config cfg = resumed_cfg(&A, 0);
  cr_assert_eq(csctp_ice_agent_handover_import(&A.agent, ctx, &cfg, key, sizeof key, blob,
                                               (size_t)len, fd, 1000),
               0);
  A.del_on_datagram = 1;
  send_all(&B, 0);
  gint64 deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while (A.agent && g_get_monotonic_time() < deadline) g_main_context_iteration(ctx, TRUE);
  cr_assert_null(A.agent);
  cr_assert_eq(A.n_received, 1, "no event after the deletion");
  iterate_ms(50);
  cr_assert_eq(A.n_received, 1);
}

/* IPv6: a pair on ::1, hand-made blob: data both ways and a libnice check answered with an
 * IPv6 XOR-MAPPED-ADDRESS. */
Test(ice_handover, ipv6_pair) {
  ice_resume_test_timing(50, 10000);
  int l = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int r = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_in6 la = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT}, ra = la;
  if (bind(l, (struct sockaddr *)&la, sizeof la) != 0) cr_skip_test("no ::1");
  cr_assert_eq(bind(r, (struct sockaddr *)&ra, sizeof ra), 0);
  socklen_t sl = sizeof la;
  getsockname(l, (struct sockaddr *)&la, &sl);
  sl = sizeof ra;
  getsockname(r, (struct sockaddr *)&ra, &sl);
  uint8_t blob[CSCTP_ICE_HANDOVER_MAX];
  size_t n = 0;
  put32(blob, &n, MAGIC);
  put16(blob, &n, 1);
  put16(blob, &n, 0);
  uint64_t created = (uint64_t)g_get_monotonic_time();
  put32(blob, &n, (uint32_t)(created >> 32));
  put32(blob, &n, (uint32_t)created);
  put32(blob, &n, 0); /* controlled */
  put32(blob, &n, 0);
  put32(blob, &n, 9);
  put_cred(blob, &n, LUFRAG);
  put_cred(blob, &n, LPWD);
  put_cred(blob, &n, RUFRAG);
  put_cred(blob, &n, RPWD);
  const struct sockaddr_in6 *as[2] = {&la, &ra};
  for (int i = 0; i < 2; i++) {
    blob[n++] = 6;
    blob[n++] = 0;
    put16(blob, &n, ntohs(as[i]->sin6_port));
    put32(blob, &n, 0);
    memcpy(blob + n, &as[i]->sin6_addr, 16);
    n += 16;
  }
  n = remac(blob, n, key);
  csctp_ice_config cfg = resumed_cfg(&A, 1);
  cr_assert_eq(
      csctp_ice_agent_handover_import(&A.agent, ctx, &cfg, key, sizeof key, blob, n, l, 1000), 0);
  cr_assert_eq(csctp_ice_agent_get_controlling(A.agent), 0);
  /* Data both ways. */
  uint8_t d[64];
  fill(d, size_of(1), 1);
  cr_assert_eq(sendto(r, d, size_of(1), 0, (struct sockaddr *)&la, sizeof la), (ssize_t)size_of(1));
  gint64 deadline = g_get_monotonic_time() + G_USEC_PER_SEC;
  while (A.n_received < 1 && g_get_monotonic_time() < deadline) g_main_context_iteration(ctx, TRUE);
  cr_assert_eq(A.n_received, 1);
  cr_assert_eq(A.bad, 0);
  cr_assert_eq(csctp_ice_agent_send(A.agent, d, 5), 5);
  uint8_t resp[1024];
  struct sockaddr_in6 from;
  socklen_t fl;
  ssize_t got = -1;
  int saw_data = 0, saw_check = 0;
  for (int i = 0; i < 200 && !(saw_data && saw_check); i++) {
    fl = sizeof from;
    got = recvfrom(r, resp, sizeof resp, 0, (struct sockaddr *)&from, &fl);
    if (got == 5 && memcmp(resp, d, 5) == 0) saw_data = 1;
    if (got > 0 && resp[0] <= 3) saw_check = 1; /* its first consent check */
    if (got < 0) iterate_ms(5);
  }
  cr_assert(saw_data, "no datagram from the resumed agent");
  cr_assert(saw_check, "no consent check over IPv6");
  /* A libnice check from the remote: answered with the remote's IPv6 address mapped. */
  StunAgent agent;
  nice_stun_init(&agent);
  StunMessage msg;
  size_t len = stun_usage_ice_conncheck_create(
      &agent, &msg, resp, sizeof resp, (const uint8_t *)LUFRAG ":" RUFRAG,
      strlen(LUFRAG ":" RUFRAG), (const uint8_t *)LPWD, strlen(LPWD), false, true, 1, 2, NULL,
      STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
  cr_assert_eq(sendto(r, resp, len, 0, (struct sockaddr *)&la, sizeof la), (ssize_t)len);
  deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  int answered = 0;
  while (!answered && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(ctx, FALSE);
    fl = sizeof from;
    got = recvfrom(r, resp, sizeof resp, 0, (struct sockaddr *)&from, &fl);
    if (got <= 0 || resp[0] != 0x01) { /* not a response (data, our consent checks) */
      g_usleep(1000);
      continue;
    }
    StunDefaultValidaterData v = {(uint8_t *)LUFRAG ":" RUFRAG, strlen(LUFRAG ":" RUFRAG),
                                  (uint8_t *)LPWD, strlen(LPWD)};
    cr_assert_eq(
        stun_agent_validate(&agent, &msg, resp, (size_t)got, stun_agent_default_validater, &v),
        STUN_VALIDATION_SUCCESS);
    struct sockaddr_storage mapped;
    socklen_t ml = sizeof mapped;
    cr_assert_eq(stun_message_find_xor_addr(&msg, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &mapped, &ml),
                 STUN_MESSAGE_RETURN_SUCCESS);
    const struct sockaddr_in6 *m6 = (const struct sockaddr_in6 *)&mapped;
    cr_assert_eq(m6->sin6_family, AF_INET6);
    cr_assert_eq(m6->sin6_port, ra.sin6_port);
    cr_assert(memcmp(&m6->sin6_addr, &ra.sin6_addr, 16) == 0);
    answered = 1;
  }
  cr_assert(answered, "no answer over IPv6");
  close(r);
}
