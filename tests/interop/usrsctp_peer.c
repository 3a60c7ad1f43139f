/* SPDX-License-Identifier: MIT */
/* A usrsctp endpoint in AF_CONN mode for in-memory interop tests (see usrsctp_peer.h). */
#include "usrsctp_peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <usrsctp.h>

/* RFC 8260 socket option, missing from Debian's usrsctp 0.9.5 header (the library has it). */
#ifndef SCTP_INTERLEAVING_SUPPORTED
#define SCTP_INTERLEAVING_SUPPORTED 0x00001206
#endif

/* Large enough for a 256 KiB message plus slack for one more read. */
#define RX_INITIAL (320 * 1024)

/* Runs on usrsctp's timer thread or inside usrsctp_conninput/sendv/connect. */
static int conn_output(void *addr, void *buf, size_t len, uint8_t tos, uint8_t set_df) {
  usrsctp_peer *p = addr;
  usrsctp_peer_pkt *k = malloc(sizeof *k + len);
  if (!k) return ENOMEM;
  k->next = NULL;
  k->tos = tos;
  k->len = len;
  memcpy(k->data, buf, len);
  pthread_mutex_lock(&p->mu);
  if (p->tail)
    p->tail->next = k;
  else
    p->head = k;
  p->tail = k;
  p->pkts_out++;
  pthread_mutex_unlock(&p->mu);
  return 0;
}

void usrsctp_peer_global_init(const usrsctp_peer_tuning *t) {
  usrsctp_init(0, conn_output, NULL);
  /* After usrsctp_init: it resets every sysctl to its default. */
  if (!t->all_features) {
    usrsctp_sysctl_set_sctp_ecn_enable(0);
    usrsctp_sysctl_set_sctp_asconf_enable(0);
    usrsctp_sysctl_set_sctp_auth_enable(0);
  }
  if (t->rto_min_ms) usrsctp_sysctl_set_sctp_rto_min_default(t->rto_min_ms);
  if (t->rto_initial_ms) usrsctp_sysctl_set_sctp_rto_initial_default(t->rto_initial_ms);
  if (t->rto_max_ms) usrsctp_sysctl_set_sctp_rto_max_default(t->rto_max_ms);
  if (t->init_rto_max_ms) usrsctp_sysctl_set_sctp_init_rto_max_default(t->init_rto_max_ms);
  if (t->delayed_sack_ms) usrsctp_sysctl_set_sctp_delayed_sack_time_default(t->delayed_sack_ms);
  if (t->hb_interval_ms) usrsctp_sysctl_set_sctp_heartbeat_interval_default(t->hb_interval_ms);
}

int usrsctp_peer_global_finish(int max_ms) {
  /* usrsctp refuses to finish while sockets or associations linger. */
  for (int waited = 0; waited <= max_ms; waited += 10) {
    if (usrsctp_finish() == 0) return 0;
    nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
  }
  return -1;
}

static void fail(usrsctp_peer *p, int err, const char *what) {
  if (p->error) return;
  p->error = err ? err : EIO;
  snprintf(p->failure, sizeof p->failure, "%s: %s: %s", p->name, what, strerror(p->error));
}

static int set_int(usrsctp_peer *p, struct socket *s, int level, int opt, int v, const char *what) {
  if (usrsctp_setsockopt(s, level, opt, &v, sizeof v) < 0) {
    fail(p, errno, what);
    return -errno;
  }
  return 0;
}

static struct sockaddr_conn conn_addr(usrsctp_peer *p, uint16_t port) {
  struct sockaddr_conn a;
  memset(&a, 0, sizeof a);
  a.sconn_family = AF_CONN;
  a.sconn_port = htons(port);
  a.sconn_addr = p;
  return a;
}

/* The options WebRTC stacks set; accepted sockets inherit them from the listener. */
static int configure(usrsctp_peer *p, struct socket *s) {
  const usrsctp_peer_opts *o = &p->opts;
  int rc = 0;
  if (usrsctp_set_non_blocking(s, 1) < 0) fail(p, errno, "set_non_blocking");
  rc |= set_int(p, s, IPPROTO_SCTP, SCTP_NODELAY, 1, "SCTP_NODELAY");
  int sndbuf = o->sndbuf ? (int)o->sndbuf : 1 << 20, rcvbuf = o->rcvbuf ? (int)o->rcvbuf : 1 << 20;
  rc |= set_int(p, s, SOL_SOCKET, SO_SNDBUF, sndbuf, "SO_SNDBUF");
  rc |= set_int(p, s, SOL_SOCKET, SO_RCVBUF, rcvbuf, "SO_RCVBUF");
  rc |= set_int(p, s, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1, "SCTP_RECVRCVINFO");
  rc |= set_int(p, s, IPPROTO_SCTP, SCTP_EXPLICIT_EOR, 0, "SCTP_EXPLICIT_EOR");
  /* usrsctp caps this at half the receive buffer: 512 KiB, above 256 KiB messages. */
  rc |= set_int(p, s, IPPROTO_SCTP, SCTP_PARTIAL_DELIVERY_POINT,
                rcvbuf > 1 << 21 ? rcvbuf / 2 : 1 << 20, "PD point");
  if (o->interleaving) {
    /* RFC 6458 §8.1.20 level 2 first: usrsctp refuses I-DATA on a socket below it. */
    rc |= set_int(p, s, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, 2, "SCTP_FRAGMENT_INTERLEAVE");
    struct sctp_assoc_value av = {.assoc_id = SCTP_FUTURE_ASSOC, .assoc_value = 1};
    if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_INTERLEAVING_SUPPORTED, &av, sizeof av) < 0) {
      fail(p, errno, "SCTP_INTERLEAVING_SUPPORTED");
      rc = -1;
    }
  }
  if (o->set_ss) {
    struct sctp_assoc_value av = {.assoc_id = SCTP_FUTURE_ASSOC, .assoc_value = o->ss};
    if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_PLUGGABLE_SS, &av, sizeof av) < 0) {
      fail(p, errno, "SCTP_PLUGGABLE_SS");
      rc = -1;
    }
  }
  struct sctp_initmsg im = {.sinit_num_ostreams = o->ostreams,
                            .sinit_max_instreams = o->max_instreams};
  if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof im) < 0) {
    fail(p, errno, "SCTP_INITMSG");
    rc = -1;
  }
  struct sctp_paddrparams pp;
  memset(&pp, 0, sizeof pp);
  pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
  pp.spp_flags = SPP_PMTUD_DISABLE;
  /* usrsctp's AF_CONN MTU leaves out the 12-byte common header (libwebrtc subtracts it too). */
  pp.spp_pathmtu = o->mtu - 12;
  if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof pp) < 0) {
    fail(p, errno, "SCTP_PEER_ADDR_PARAMS");
    rc = -1;
  }
  if (o->stream_reset) {
    struct sctp_assoc_value av = {.assoc_id = SCTP_FUTURE_ASSOC,
                                  .assoc_value = SCTP_ENABLE_RESET_STREAM_REQ};
    if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &av, sizeof av) < 0) {
      fail(p, errno, "SCTP_ENABLE_STREAM_RESET");
      rc = -1;
    }
  }
  static const uint16_t events[] = {SCTP_ASSOC_CHANGE,       SCTP_SHUTDOWN_EVENT,
                                    SCTP_REMOTE_ERROR,       SCTP_SEND_FAILED_EVENT,
                                    SCTP_STREAM_RESET_EVENT, SCTP_ASSOC_RESET_EVENT};
  for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
    struct sctp_event ev = {.se_assoc_id = SCTP_FUTURE_ASSOC, .se_type = events[i], .se_on = 1};
    if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof ev) < 0) {
      fail(p, errno, "SCTP_EVENT");
      rc = -1;
    }
  }
  return rc ? -1 : 0;
}

int usrsctp_peer_open(usrsctp_peer *p, const char *name, const usrsctp_peer_opts *o) {
  memset(p, 0, sizeof *p);
  p->name = name;
  p->opts = *o;
  pthread_mutex_init(&p->mu, NULL);
  p->rx_cap = RX_INITIAL;
  p->rx = malloc(p->rx_cap);
  if (!p->rx) return -ENOMEM;
  usrsctp_register_address(p);
  p->registered = 1;
  struct socket *s = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
  if (!s) {
    fail(p, errno, "usrsctp_socket");
    return -p->error;
  }
  if (configure(p, s) < 0) {
    usrsctp_close(s);
    return -p->error;
  }
  struct sockaddr_conn a = conn_addr(p, o->port);
  if (usrsctp_bind(s, (struct sockaddr *)&a, sizeof a) < 0) {
    fail(p, errno, "usrsctp_bind");
    usrsctp_close(s);
    return -p->error;
  }
  if (o->passive) {
    if (usrsctp_listen(s, 1) < 0) {
      fail(p, errno, "usrsctp_listen");
      usrsctp_close(s);
      return -p->error;
    }
    p->listener = s;
  } else {
    p->sock = s;
  }
  return 0;
}

int usrsctp_peer_connect(usrsctp_peer *p) {
  if (!p->sock) return -ENOTCONN;
  struct sockaddr_conn a = conn_addr(p, p->opts.remote_port);
  if (usrsctp_connect(p->sock, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
    fail(p, errno, "usrsctp_connect");
    return -errno;
  }
  return 0;
}

void usrsctp_peer_input(usrsctp_peer *p, const uint8_t *pkt, size_t len) {
  usrsctp_conninput(p, pkt, len, 0);
}

void usrsctp_peer_input_ecn(usrsctp_peer *p, const uint8_t *pkt, size_t len, uint8_t ecn) {
  usrsctp_conninput(p, pkt, len, (uint8_t)(ecn & 3));
}

usrsctp_peer_pkt *usrsctp_peer_pop(usrsctp_peer *p) {
  pthread_mutex_lock(&p->mu);
  usrsctp_peer_pkt *k = p->head;
  if (k) {
    p->head = k->next;
    if (!p->head) p->tail = NULL;
  }
  pthread_mutex_unlock(&p->mu);
  return k;
}

static void on_notification(usrsctp_peer *p, const uint8_t *buf, size_t len) {
  union sctp_notification n;
  memset(&n, 0, sizeof n);
  memcpy(&n, buf, len < sizeof n ? len : sizeof n);
  switch (n.sn_header.sn_type) {
  case SCTP_ASSOC_CHANGE:
    switch (n.sn_assoc_change.sac_state) {
    case SCTP_COMM_UP:
      p->comm_up++;
      p->in_streams = n.sn_assoc_change.sac_inbound_streams;
      p->out_streams = n.sn_assoc_change.sac_outbound_streams;
      break;
    case SCTP_COMM_LOST:
      p->comm_lost++;
      p->lost_error = n.sn_assoc_change.sac_error;
      break;
    case SCTP_RESTART: p->restart++; break;
    case SCTP_SHUTDOWN_COMP: p->shutdown_comp++; break;
    case SCTP_CANT_STR_ASSOC: p->cant_start++; break;
    }
    break;
  case SCTP_SHUTDOWN_EVENT: p->shutdown_event++; break;
  case SCTP_REMOTE_ERROR:
    p->remote_errors++;
    p->last_remote_error = ntohs(n.sn_remote_error.sre_error);
    break;
  case SCTP_SEND_FAILED_EVENT: p->send_failed++; break;
  case SCTP_STREAM_RESET_EVENT: {
    const struct sctp_stream_reset_event *r = &n.sn_strreset_event;
    p->strreset_events++;
    p->strreset_flags = r->strreset_flags;
    size_t hdr = offsetof(struct sctp_stream_reset_event, strreset_stream_list);
    size_t cnt = len > hdr ? (len - hdr) / 2 : 0;
    if (r->strreset_length >= hdr && (r->strreset_length - hdr) / 2 < cnt)
      cnt = (r->strreset_length - hdr) / 2;
    p->strreset_n = 0;
    for (size_t i = 0; i < cnt && i < 16; i++) {
      uint16_t v;
      memcpy(&v, buf + hdr + 2 * i, 2);
      p->strreset_streams[p->strreset_n++] = v;
    }
    break;
  }
  case SCTP_ASSOC_RESET_EVENT: {
    const struct sctp_assoc_reset_event *r = &n.sn_assocreset_event;
    p->assocreset_events++;
    p->assocreset_flags = r->assocreset_flags;
    p->assocreset_local_tsn = r->assocreset_local_tsn;
    p->assocreset_remote_tsn = r->assocreset_remote_tsn;
    break;
  }
  }
}

int usrsctp_peer_recv(usrsctp_peer *p, usrsctp_peer_msg *m) {
  if (!p->sock && p->listener) {
    struct socket *s = usrsctp_accept(p->listener, NULL, NULL);
    if (!s) {
      if (errno == EWOULDBLOCK || errno == EAGAIN) return 0;
      fail(p, errno, "usrsctp_accept");
      return -errno;
    }
    p->sock = s;
    /* The accepted socket inherits the listener's options except blocking mode. */
    usrsctp_set_non_blocking(s, 1);
  }
  if (!p->sock) return 0;
  for (;;) {
    if (p->rx_reset) p->rx_len = 0, p->rx_reset = 0;
    if (p->part_done) {
      p->part[p->part_done - 1].used = 0;
      p->part[p->part_done - 1].len = 0;
      p->part_done = 0;
    }
    if (p->rx_cap - p->rx_len < 64 * 1024) {
      uint8_t *nb = realloc(p->rx, p->rx_cap * 2);
      if (!nb) return -ENOMEM;
      p->rx = nb;
      p->rx_cap *= 2;
    }
    struct sctp_rcvinfo rcv;
    memset(&rcv, 0, sizeof rcv);
    struct sockaddr_conn from;
    socklen_t fromlen = sizeof from, infolen = sizeof rcv;
    unsigned int infotype = 0;
    int flags = MSG_DONTWAIT;
    size_t before = p->rx_len;
    ssize_t n = usrsctp_recvv(p->sock, p->rx + before, p->rx_cap - before, (struct sockaddr *)&from,
                              &fromlen, &rcv, &infolen, &infotype, &flags);
    if (n < 0) {
      if (errno == EWOULDBLOCK || errno == EAGAIN) return 0;
      /* After COMM_LOST or before the association exists: nothing to read. */
      if (errno == ENOTCONN || errno == ECONNRESET) return 0;
      fail(p, errno, "usrsctp_recvv");
      return -errno;
    }
    if (n == 0) {
      p->eof = 1;
      return 0;
    }
    /* With SCTP_FRAGMENT_INTERLEAVE 2 the next piece may be another stream's: join per stream. */
    if (p->opts.interleaving && !(flags & MSG_NOTIFICATION)) {
      int unord = (rcv.rcv_flags & SCTP_UNORDERED) != 0, open = 0;
      struct usrsctp_peer_part *s = NULL, *fr = NULL;
      for (size_t i = 0; i < sizeof p->part / sizeof p->part[0]; i++) {
        struct usrsctp_peer_part *q = &p->part[i];
        if (!q->used) {
          if (!fr) fr = q;
          continue;
        }
        if (q->sid == rcv.rcv_sid && q->unordered == unord)
          s = q;
        else
          open = 1;
      }
      if (!s) s = fr;
      if (!s) {
        fail(p, EPROTO, "more than 8 messages in pieces at once");
        return -EPROTO;
      }
      if (open) p->interleaved_reads++;
      if (s->cap - s->len < (size_t)n) {
        size_t nc = s->cap ? s->cap : 64 * 1024;
        while (nc - s->len < (size_t)n) nc *= 2;
        uint8_t *nb = realloc(s->buf, nc);
        if (!nb) return -ENOMEM;
        s->buf = nb;
        s->cap = nc;
      }
      memcpy(s->buf + s->len, p->rx + before, (size_t)n);
      s->len += (size_t)n;
      s->used = 1;
      s->sid = rcv.rcv_sid;
      s->unordered = unord;
      if (!(flags & MSG_EOR)) {
        p->partial_reads++;
        continue;
      }
      if (infotype != SCTP_RECVV_RCVINFO) {
        fail(p, EPROTO, "recvv without SCTP_RECVV_RCVINFO");
        return -EPROTO;
      }
      p->part_done = (int)(s - p->part) + 1;
      m->sid = rcv.rcv_sid;
      m->ppid = ntohl(rcv.rcv_ppid);
      m->unordered = unord;
      m->data = s->buf;
      m->len = s->len;
      return 1;
    }
    p->rx_len += (size_t)n;
    if (!(flags & MSG_EOR)) {
      p->partial_reads++;
      continue;
    }
    p->rx_reset = 1;
    if (flags & MSG_NOTIFICATION) {
      on_notification(p, p->rx, p->rx_len);
      continue;
    }
    if (infotype != SCTP_RECVV_RCVINFO) {
      fail(p, EPROTO, "recvv without SCTP_RECVV_RCVINFO");
      return -EPROTO;
    }
    m->sid = rcv.rcv_sid;
    m->ppid = ntohl(rcv.rcv_ppid);
    m->unordered = (rcv.rcv_flags & SCTP_UNORDERED) != 0;
    m->data = p->rx;
    m->len = p->rx_len;
    return 1;
  }
}

int usrsctp_peer_send(usrsctp_peer *p, uint16_t sid, uint32_t ppid, int unordered, const void *data,
                      size_t len) {
  if (!p->sock) return -ENOTCONN;
  struct sctp_sndinfo si;
  memset(&si, 0, sizeof si);
  si.snd_sid = sid;
  si.snd_flags = unordered ? SCTP_UNORDERED : 0;
  si.snd_ppid = htonl(ppid);
  ssize_t n = usrsctp_sendv(p->sock, data, len, NULL, 0, &si, sizeof si, SCTP_SENDV_SNDINFO, 0);
  if (n < 0) {
    if (errno == EAGAIN) return -EWOULDBLOCK;
    return -errno;
  }
  /* Without SCTP_EXPLICIT_EOR a non-blocking send is all or nothing. */
  if ((size_t)n != len) {
    fail(p, EMSGSIZE, "usrsctp_sendv sent part of a message");
    return -EMSGSIZE;
  }
  return 0;
}

int usrsctp_peer_send_pr(usrsctp_peer *p, uint16_t sid, uint32_t ppid, int unordered,
                         uint16_t policy, uint32_t value, const void *data, size_t len) {
  if (!p->sock) return -ENOTCONN;
  struct sctp_sendv_spa spa;
  memset(&spa, 0, sizeof spa);
  spa.sendv_flags = SCTP_SEND_SNDINFO_VALID | SCTP_SEND_PRINFO_VALID;
  spa.sendv_sndinfo.snd_sid = sid;
  spa.sendv_sndinfo.snd_flags = unordered ? SCTP_UNORDERED : 0;
  spa.sendv_sndinfo.snd_ppid = htonl(ppid);
  spa.sendv_prinfo.pr_policy = policy;
  spa.sendv_prinfo.pr_value = value;
  ssize_t n = usrsctp_sendv(p->sock, data, len, NULL, 0, &spa, sizeof spa, SCTP_SENDV_SPA, 0);
  if (n < 0) return errno == EAGAIN ? -EWOULDBLOCK : -errno;
  if ((size_t)n != len) {
    fail(p, EMSGSIZE, "usrsctp_sendv sent part of a message");
    return -EMSGSIZE;
  }
  return 0;
}

int usrsctp_peer_set_stream_value(usrsctp_peer *p, uint16_t sid, uint16_t value) {
  if (!p->sock) return -ENOTCONN;
  struct sctp_stream_value v = {
      .assoc_id = SCTP_FUTURE_ASSOC, .stream_id = sid, .stream_value = value};
  return usrsctp_setsockopt(p->sock, IPPROTO_SCTP, SCTP_SS_VALUE, &v, sizeof v) < 0 ? -errno : 0;
}

int usrsctp_peer_reset_streams(usrsctp_peer *p, const uint16_t *sids, size_t n) {
  if (!p->sock) return -ENOTCONN;
  size_t sz = sizeof(struct sctp_reset_streams) + n * sizeof(uint16_t);
  struct sctp_reset_streams *r = calloc(1, sz);
  if (!r) return -ENOMEM;
  r->srs_assoc_id = 0; /* one-to-one socket: its only association */
  r->srs_flags = SCTP_STREAM_RESET_OUTGOING;
  r->srs_number_streams = (uint16_t)n;
  if (n) memcpy(r->srs_stream_list, sids, n * sizeof(uint16_t));
  int rc = usrsctp_setsockopt(p->sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, r, (socklen_t)sz) < 0
               ? -errno
               : 0;
  free(r);
  return rc;
}

int usrsctp_peer_status(usrsctp_peer *p, int *state, uint32_t *rwnd, uint16_t *unacked,
                        uint16_t *pending) {
  if (!p->sock) return -ENOTCONN;
  struct sctp_status st;
  memset(&st, 0, sizeof st);
  socklen_t len = sizeof st;
  if (usrsctp_getsockopt(p->sock, IPPROTO_SCTP, SCTP_STATUS, &st, &len) < 0) return -errno;
  *state = st.sstat_state;
  *rwnd = st.sstat_rwnd;
  *unacked = st.sstat_unackdata;
  *pending = st.sstat_penddata;
  return 0;
}

int usrsctp_peer_shutdown(usrsctp_peer *p) {
  if (!p->sock) return -ENOTCONN;
  return usrsctp_shutdown(p->sock, SHUT_WR) < 0 ? -errno : 0;
}

void usrsctp_peer_close(usrsctp_peer *p, int abort) {
  if (p->sock) {
    if (abort) {
      struct linger l = {.l_onoff = 1, .l_linger = 0};
      if (usrsctp_setsockopt(p->sock, SOL_SOCKET, SO_LINGER, &l, sizeof l) < 0)
        fail(p, errno, "SO_LINGER");
    }
    usrsctp_close(p->sock);
    p->sock = NULL;
  }
  if (p->listener) {
    usrsctp_close(p->listener);
    p->listener = NULL;
  }
  if (p->registered) usrsctp_deregister_address(p);
  p->registered = 0;
}

void usrsctp_peer_free(usrsctp_peer *p) {
  usrsctp_peer_pkt *k;
  while ((k = usrsctp_peer_pop(p))) free(k);
  free(p->rx);
  p->rx = NULL;
  for (size_t i = 0; i < sizeof p->part / sizeof p->part[0]; i++) {
    free(p->part[i].buf);
    p->part[i].buf = NULL;
  }
  pthread_mutex_destroy(&p->mu);
}
