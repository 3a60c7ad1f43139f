/* SPDX-License-Identifier: MIT */
/*
 * The resumed agent (see ice_resume.h): one UDP socket, read from a GSource on the
 * caller's context, with the STUN it must answer and send.
 */
#include "ice_resume.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stun.h"

#define RESUME_STUN_MAX 1024 /* our STUN messages: a USERNAME of 513 bytes at most, and 60 more */
/* RFC 8445 §5.1.2.1: the priority of a peer-reflexive candidate of component 1 (type
 * preference 110, the highest local preference). */
#define RESUME_PRIORITY ((110u << 24) | (65535u << 8) | 255u)

static uint32_t resume_interval_ms = ICE_CONSENT_INTERVAL_MS;
static uint32_t resume_timeout_ms = ICE_CONSENT_TIMEOUT_MS;

struct ice_resumed {
  csctp_ice_agent *owner;
  int fd;
  GSource *rx;    /* the socket's source, while reading */
  GSource *timer; /* the next consent check, while consent runs */
  struct sockaddr_storage remote;
  socklen_t remote_len;
  char rufrag[ICE_CRED_MAX + 1], rpwd[ICE_CRED_MAX + 1];
  uint64_t tie_breaker;
  uint32_t interval_ms, timeout_ms;
  gint64 last_consent; /* monotonic µs of the last valid response (or of the import) */
  uint8_t pending[ICE_RESUME_PENDING][ICE_STUN_TXID];
  unsigned pending_used; /* bit i: pending[i] awaits its response */
  unsigned next_pending;
  ice_resume_stats stats;
};

void ice_resume_test_timing(uint32_t interval_ms, uint32_t timeout_ms) {
  resume_interval_ms = interval_ms ? interval_ms : ICE_CONSENT_INTERVAL_MS;
  resume_timeout_ms = timeout_ms ? timeout_ms : ICE_CONSENT_TIMEOUT_MS;
}

static socklen_t resume_addr_len(const struct sockaddr_storage *ss) {
  return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static int resume_is_remote(const ice_resumed *r, const struct sockaddr_storage *from) {
  if (from->ss_family != r->remote.ss_family) return 0;
  if (from->ss_family == AF_INET) {
    const struct sockaddr_in *f = (const struct sockaddr_in *)from;
    const struct sockaddr_in *w = (const struct sockaddr_in *)&r->remote;
    return f->sin_port == w->sin_port && f->sin_addr.s_addr == w->sin_addr.s_addr;
  }
  const struct sockaddr_in6 *f = (const struct sockaddr_in6 *)from;
  const struct sockaddr_in6 *w = (const struct sockaddr_in6 *)&r->remote;
  return f->sin6_port == w->sin6_port &&
         memcmp(&f->sin6_addr, &w->sin6_addr, sizeof f->sin6_addr) == 0;
}

static void resume_send_to(ice_resumed *r, const uint8_t *b, size_t n,
                           const struct sockaddr_storage *to) {
  ssize_t rv;
  do {
    rv = sendto(r->fd, b, n, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)to,
                resume_addr_len(to));
  } while (rv < 0 && errno == EINTR);
}

/* USERNAME "<local ufrag>:<remote ufrag>" of a check for us (RFC 8445 §7.2.2); any remote part. */
static int resume_username_ok(const ice_resumed *r, const ice_stun_msg *m) {
  const char *lufrag = r->owner->ufrag;
  size_t n = strlen(lufrag);
  return m->username && m->username_len > n && memcmp(m->username, lufrag, n) == 0 &&
         m->username[n] == ':';
}

/* A Binding request (RFC 8445 §7.3): answered when it is for us and authentic. */
static void resume_on_request(ice_resumed *r, const uint8_t *b, const ice_stun_msg *m,
                              const struct sockaddr_storage *from) {
  const char *pwd = r->owner->pwd;
  if (!resume_username_ok(r, m) || !ice_stun_check_integrity(b, m, pwd, strlen(pwd))) {
    r->stats.stun_dropped++;
    return;
  }
  uint8_t out[RESUME_STUN_MAX];
  csctp_wr w;
  ice_stun_wr_begin(&w, out, sizeof out, ICE_STUN_BINDING_SUCCESS, m->txid);
  ice_stun_wr_xor_address(&w, (const struct sockaddr *)from);
  ice_stun_wr_integrity(&w, pwd, strlen(pwd));
  ice_stun_wr_fingerprint(&w);
  size_t n = ice_stun_wr_end(&w);
  if (n == 0) return;
  resume_send_to(r, out, n, from);
  r->stats.stun_answered++;
}

/* A success response: consent (RFC 7675 §5.1) when it answers one of our checks. */
static void resume_on_response(ice_resumed *r, const uint8_t *b, const ice_stun_msg *m) {
  for (unsigned i = 0; i < ICE_RESUME_PENDING; i++) {
    if (!(r->pending_used & 1u << i) || memcmp(r->pending[i], m->txid, ICE_STUN_TXID) != 0)
      continue;
    if (!ice_stun_check_integrity(b, m, r->rpwd, strlen(r->rpwd))) {
      r->stats.stun_dropped++;
      return;
    }
    r->pending_used &= ~(1u << i);
    r->last_consent = g_get_monotonic_time();
    r->stats.consent_ok++;
    return;
  }
  r->stats.stun_ignored++;
}

static void resume_on_stun(ice_resumed *r, const uint8_t *b, size_t n,
                           const struct sockaddr_storage *from) {
  ice_stun_msg m;
  if (ice_stun_parse(b, n, &m) != 0 || !ice_stun_check_fingerprint(b, &m)) {
    r->stats.stun_dropped++;
    return;
  }
  switch (m.type) {
  case ICE_STUN_BINDING_REQUEST: resume_on_request(r, b, &m, from); break;
  case ICE_STUN_BINDING_SUCCESS: resume_on_response(r, b, &m); break;
  default: r->stats.stun_ignored++; break; /* indications (keepalives), errors */
  }
}

void ice_resume_input(ice_resumed *r, const uint8_t *b, size_t n,
                      const struct sockaddr_storage *from) {
  csctp_ice_agent *a = r->owner;
  if (n == 0 || !resume_is_remote(r, from) || a->state != CSCTP_ICE_STATE_CONNECTED) {
    r->stats.foreign++;
    return;
  }
  if (b[0] <= 3) { /* STUN (RFC 7983 §7) */
    resume_on_stun(r, b, n, from);
    return;
  }
  r->stats.datagrams++;
  ice_count_rx(a, 1, n);
  csctp_ice_event ev = {.type = CSCTP_ICE_EVENT_DATAGRAM};
  ev.u.datagram.data = b;
  ev.u.datagram.len = n;
  ice_emit(a, &ev);
}

static gboolean resume_on_readable(gint fd, GIOCondition cond, gpointer data) {
  ice_resumed *r = data;
  csctp_ice_agent *a = r->owner;
  uint8_t buf[65536];
  (void)cond;
  for (int i = 0; i < ICE_RESUME_READS && !a->dead && r->rx; i++) {
    struct sockaddr_storage from;
    socklen_t fromlen = sizeof from;
    ssize_t n =
        recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from, &fromlen);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break; /* EAGAIN: drained */
    if ((size_t)n > sizeof buf) {
      r->stats.foreign++;
      continue;
    }
    ice_resume_input(r, buf, (size_t)n, &from);
  }
  return G_SOURCE_CONTINUE;
}

void ice_resume_send_check(ice_resumed *r) {
  csctp_ice_agent *a = r->owner;
  uint8_t txid[ICE_STUN_TXID];
  for (int i = 0; i < ICE_STUN_TXID; i += 4) {
    guint32 v = g_random_int();
    memcpy(txid + i, &v, 4);
  }
  unsigned slot = r->next_pending++ % ICE_RESUME_PENDING;
  memcpy(r->pending[slot], txid, ICE_STUN_TXID);
  r->pending_used |= 1u << slot;
  char user[2 * ICE_CRED_MAX + 2];
  int un = g_snprintf(user, sizeof user, "%s:%s", r->rufrag, a->ufrag);
  uint8_t out[RESUME_STUN_MAX];
  csctp_wr w;
  ice_stun_wr_begin(&w, out, sizeof out, ICE_STUN_BINDING_REQUEST, txid);
  ice_stun_wr_attr(&w, ICE_STUN_USERNAME, user, (size_t)un);
  ice_stun_wr_attr_u32(&w, ICE_STUN_PRIORITY, RESUME_PRIORITY);
  ice_stun_wr_attr_u64(&w, a->controlling ? ICE_STUN_ICE_CONTROLLING : ICE_STUN_ICE_CONTROLLED,
                       r->tie_breaker);
  ice_stun_wr_integrity(&w, r->rpwd, strlen(r->rpwd));
  ice_stun_wr_fingerprint(&w);
  size_t n = ice_stun_wr_end(&w);
  if (n == 0) return;
  resume_send_to(r, out, n, &r->remote);
  r->stats.consent_sent++;
}

static gboolean resume_on_consent(gpointer data);

static void resume_arm(ice_resumed *r) {
  /* 0.8 to 1.2 times the interval (RFC 7675 §5.1) */
  guint ms = (guint)g_random_double_range(0.8 * r->interval_ms, 1.2 * r->interval_ms);
  r->timer = g_timeout_source_new(ms ? ms : 1);
  g_source_set_callback(r->timer, resume_on_consent, r, NULL);
  g_source_attach(r->timer, r->owner->ctx);
}

static gboolean resume_on_consent(gpointer data) {
  ice_resumed *r = data;
  csctp_ice_agent *a = r->owner;
  g_source_unref(r->timer);
  r->timer = NULL;
  if (g_get_monotonic_time() - r->last_consent >= (gint64)r->timeout_ms * 1000) {
    ice_log(a, CSCTP_LOG_ERROR, "ice: consent lost: no valid response for %u ms", r->timeout_ms);
    ice_resume_stop(r);
    ice_set_state(a, CSCTP_ICE_STATE_FAILED);
    return G_SOURCE_REMOVE;
  }
  ice_resume_send_check(r);
  resume_arm(r);
  return G_SOURCE_REMOVE;
}

/* The address and port of a candidate of the resumed pair (UDP; nothing else is known). */
static void resume_candidate_stats(csctp_ice_candidate_stats *out,
                                   const struct sockaddr_storage *ss) {
  memset(out, 0, sizeof *out);
  g_strlcpy(out->protocol, "udp", sizeof out->protocol);
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
    inet_ntop(AF_INET6, &s6->sin6_addr, out->address, sizeof out->address);
    out->port = ntohs(s6->sin6_port);
  } else if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
    inet_ntop(AF_INET, &s4->sin_addr, out->address, sizeof out->address);
    out->port = ntohs(s4->sin_port);
  }
}

int ice_resume_start(csctp_ice_agent *a, const ice_ho_state *s, int fd, int consent) {
  ice_resumed *r = a->mem->calloc(1, sizeof *r, a->mem->user_data);
  if (!r) return CSCTP_ERR_NOMEM;
  r->owner = a;
  r->fd = fd;
  r->remote = s->remote;
  r->remote_len = resume_addr_len(&s->remote);
  g_strlcpy(r->rufrag, s->rufrag, sizeof r->rufrag);
  g_strlcpy(r->rpwd, s->rpwd, sizeof r->rpwd);
  r->tie_breaker = s->tie_breaker;
  r->interval_ms = resume_interval_ms;
  r->timeout_ms = resume_timeout_ms;
  r->last_consent = g_get_monotonic_time();
  a->resumed = r;
  /* The pair's addresses travel; its candidates' types, priorities and foundations do not. */
  a->pair.selected = 1;
  a->pair.selected_pair_changes = 1;
  resume_candidate_stats(&a->pair.local, &s->local);
  resume_candidate_stats(&a->pair.remote, &s->remote);
  r->rx = g_unix_fd_source_new(fd, G_IO_IN | G_IO_ERR);
  g_source_set_callback(r->rx, G_SOURCE_FUNC(resume_on_readable), r, NULL);
  g_source_attach(r->rx, a->ctx);
  if (consent) resume_arm(r);
  return 0;
}

void ice_resume_stop(ice_resumed *r) {
  if (r->rx) {
    g_source_destroy(r->rx);
    g_source_unref(r->rx);
    r->rx = NULL;
  }
  if (r->timer) {
    g_source_destroy(r->timer);
    g_source_unref(r->timer);
    r->timer = NULL;
  }
}

void ice_resume_free(ice_resumed *r) {
  ice_resume_stop(r);
  if (r->fd >= 0) close(r->fd);
  const csctp_mem *mem = r->owner->mem;
  mem->free(r, mem->user_data);
}

csctp_ssize ice_resume_send(ice_resumed *r, const uint8_t *data, size_t len) {
  ssize_t n;
  do {
    n = sendto(r->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&r->remote,
               r->remote_len);
  } while (n < 0 && errno == EINTR);
  return n < 0 ? CSCTP_ERR_WOULD_BLOCK : (csctp_ssize)len;
}

csctp_ssize ice_resume_send_batch(ice_resumed *r, const uint8_t *const *data, const size_t *len,
                                  size_t n) {
  struct mmsghdr m[64];
  struct iovec iov[64];
  size_t sent = 0;
  while (sent < n) {
    size_t k = n - sent > 64 ? 64 : n - sent;
    memset(m, 0, k * sizeof m[0]);
    for (size_t i = 0; i < k; i++) {
      iov[i].iov_base = (void *)data[sent + i];
      iov[i].iov_len = len[sent + i];
      m[i].msg_hdr.msg_name = &r->remote;
      m[i].msg_hdr.msg_namelen = r->remote_len;
      m[i].msg_hdr.msg_iov = &iov[i];
      m[i].msg_hdr.msg_iovlen = 1;
    }
    int rv = sendmmsg(r->fd, m, (unsigned)k, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (rv < 0 && errno == EINTR) continue;
    if (rv <= 0) break;
    sent += (size_t)rv;
    if ((size_t)rv < k) break;
  }
  return (csctp_ssize)sent;
}

int ice_resume_fd(const ice_resumed *r) { return r->fd; }

void ice_resume_describe(const ice_resumed *r, ice_ho_state *s) {
  s->tie_breaker = r->tie_breaker;
  g_strlcpy(s->rufrag, r->rufrag, sizeof s->rufrag);
  g_strlcpy(s->rpwd, r->rpwd, sizeof s->rpwd);
  s->remote = r->remote;
  socklen_t len = sizeof s->local;
  memset(&s->local, 0, sizeof s->local);
  if (getsockname(r->fd, (struct sockaddr *)&s->local, &len) != 0) s->local.ss_family = AF_UNSPEC;
}

void ice_resume_get_stats(const csctp_ice_agent *a, ice_resume_stats *st) {
  memset(st, 0, sizeof *st);
  if (a && a->resumed) *st = a->resumed->stats;
}
