/* SPDX-License-Identifier: MIT */
/*
 * Interop with usrsctp (AF_CONN, in memory) for the stream reconfiguration
 * requests browsers do not send (RFC 6525): usrsctp asks us to reset our
 * outgoing streams (SCTP_RESET_STREAMS with SCTP_STREAM_RESET_INCOMING) and
 * we ask it likewise (csctp_assoc_reset_incoming_streams); usrsctp adds
 * streams both ways (SCTP_ADD_STREAMS) and so do we (csctp_assoc_add_streams),
 * with messages on the new streams afterwards; usrsctp's SSN/TSN Reset
 * (SCTP_RESET_ASSOC) is denied by default and the association goes on, and
 * performed when accept_assoc_reset allows it; ours (csctp_assoc_reset_assoc)
 * is performed by usrsctp; data flows before and after. Side 0 is our
 * engine, side 1 usrsctp, with seeded loss per direction. The loop is this
 * file's own (it needs our new events), on the fixtures of ext_harness.h.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <usrsctp.h>

#include "assoc.h"
#include "ext_harness.h"

#define SID 3
#define STREAMS 8 /* each side's outbound streams at the handshake */
#define MAX_IN 64 /* each side's inbound maximum */
#define RESP_MAX 32

/* What this file watches besides the harness fields. */
typedef struct rcx_watch {
  /* our events */
  int in_result_n, reset_in_n, reset_out_n, changed_n;
  uint32_t in_result, reset_out_result, changed_result;
  uint16_t changed_in, changed_out;
  /* RE-CONFIG parameters on the wire, per side: requests (type, seq, resp_seq) and responses */
  uint16_t req_type[2][RESP_MAX];
  uint32_t req_seq[2][RESP_MAX], req_resp_seq[2][RESP_MAX];
  int nreq[2];
  uint32_t resp_seq[2][RESP_MAX], resp_result[2][RESP_MAX];
  int nresp[2];
  /* SSN and TSN on the wire of the one-chunk messages "<a|b><digit>", per sender (-1: not
   * seen) */
  int32_t ssn[2][2][10];
  uint32_t tsn[2][2][10];
  /* our ASSOC_RESET events */
  int assoc_reset_n, assoc_reset_incoming;
  uint32_t assoc_reset_result, assoc_reset_local, assoc_reset_remote;
  /* packets carrying a RE-CONFIG request still to drop, per sender: forces retransmissions */
  int drop_req[2], dropped_req[2];
} rcx_watch;

static rcx_watch W;

/* Notes what packet p carries; returns 1 when it holds a RE-CONFIG request. */
static int watch_pkt(int from, const uint8_t *p, size_t len) {
  int has_req = 0;
  for (size_t off = 12; off + 4 <= len;) {
    size_t clen = (size_t)p[off + 2] << 8 | p[off + 3];
    if (clen < 4 || off + clen > len) break;
    const uint8_t *v = p + off + 4;
    size_t vlen = clen - 4;
    if (p[off] == 0 && vlen == 14 && (p[off + 1] & 0x03) == 0x03) {
      uint8_t tag = v[12], digit = v[13];
      if ((tag == 'a' || tag == 'b') && digit >= '0' && digit <= '9' &&
          W.ssn[from][tag - 'a'][digit - '0'] < 0) {
        W.ssn[from][tag - 'a'][digit - '0'] = v[6] << 8 | v[7];
        W.tsn[from][tag - 'a'][digit - '0'] =
            (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
      }
    }
    if (p[off] == 130) {
      for (size_t q = 0; q + 8 <= vlen;) {
        uint16_t type = (uint16_t)(v[q] << 8 | v[q + 1]);
        size_t plen = (size_t)v[q + 2] << 8 | v[q + 3];
        if (plen < 8 || q + plen > vlen) break;
        const uint8_t *b = v + q + 4;
        uint32_t seq = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        if (type == 16 && plen >= 12 && W.nresp[from] < RESP_MAX) {
          W.resp_seq[from][W.nresp[from]] = seq;
          W.resp_result[from][W.nresp[from]++] =
              (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
        } else if (type >= 13 && type <= 18 && W.nreq[from] < RESP_MAX) {
          has_req = 1;
          int k = W.nreq[from]++;
          W.req_type[from][k] = type;
          W.req_seq[from][k] = seq;
          W.req_resp_seq[from][k] =
              type == 13 && plen >= 16
                  ? (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7]
                  : 0;
        }
        q += (plen + 3) & ~(size_t)3;
      }
    }
    off += (clen + 3) & ~(size_t)3;
  }
  return has_req;
}

static void on_event(ext_harness *h, const csctp_event *ev) {
  switch (ev->type) {
  case CSCTP_EVENT_CONNECTED: h->connected++; break;
  case CSCTP_EVENT_CLOSED: h->closed++; break;
  case CSCTP_EVENT_PEER_ERROR: h->peer_errors++; break;
  case CSCTP_EVENT_MESSAGE:
    ext_log_msg(h, 0, ev->u.message.stream, ev->u.message.ppid, 0, ev->u.message.data,
                ev->u.message.len);
    break;
  case CSCTP_EVENT_STREAMS_RESET:
    if (ev->u.streams_reset.incoming) {
      W.reset_in_n++;
    } else {
      W.reset_out_n++;
      W.reset_out_result = ev->u.streams_reset.result;
    }
    h->rs_n = 0;
    for (size_t i = 0; i < ev->u.streams_reset.n_streams && i < 16; i++)
      h->rs_streams[h->rs_n++] = ev->u.streams_reset.streams[i];
    break;
  case CSCTP_EVENT_INCOMING_RESET_RESULT:
    W.in_result_n++;
    W.in_result = ev->u.streams_reset.result;
    break;
  case CSCTP_EVENT_STREAMS_CHANGED:
    W.changed_n++;
    W.changed_result = ev->u.streams_changed.result;
    W.changed_in = ev->u.streams_changed.inbound_streams;
    W.changed_out = ev->u.streams_changed.outbound_streams;
    break;
  case CSCTP_EVENT_ASSOC_RESET:
    W.assoc_reset_n++;
    W.assoc_reset_incoming = ev->u.assoc_reset.incoming;
    W.assoc_reset_result = ev->u.assoc_reset.result;
    W.assoc_reset_local = ev->u.assoc_reset.local_next_tsn;
    W.assoc_reset_remote = ev->u.assoc_reset.remote_next_tsn;
    break;
  default: break;
  }
}

/* Moves packets (with loss) both ways, runs our timers, takes events and usrsctp's messages. */
static int step(ext_harness *h) {
  int moved = 0;
  csctp_tstamp now = ext_now_us();
  for (int from = 0; from < 2; from++) {
    for (int n = 0; n < 256; n++) {
      size_t len = 0;
      if (from == 0) {
        csctp_ssize r = csctp_assoc_write_packet(h->a, h->pkt, sizeof h->pkt, now);
        cr_assert_geq(r, 0);
        len = (size_t)r;
      } else {
        usrsctp_peer_pkt *k = usrsctp_peer_pop(&h->up);
        if (k) {
          cr_assert_leq(k->len, sizeof h->pkt);
          memcpy(h->pkt, k->data, k->len);
          len = k->len;
          free(k);
        }
      }
      if (!len) break;
      moved = 1;
      h->pkts[from]++;
      if (watch_pkt(from, h->pkt, len) && W.drop_req[from] > 0) {
        W.drop_req[from]--;
        W.dropped_req[from]++;
        h->dropped[from]++;
        continue;
      }
      if (h->loss > 0 && csctp_prng_chance(&h->loss_rng[from], h->loss)) {
        h->dropped[from]++;
        continue;
      }
      if (from == 1)
        cr_assert_eq(csctp_assoc_read_packet(h->a, h->pkt, len, now), 0);
      else
        usrsctp_peer_input(&h->up, h->pkt, len);
    }
  }
  if (csctp_assoc_expiry(h->a) <= now) cr_assert_eq(csctp_assoc_handle_expiry(h->a, now), 0);
  csctp_event ev;
  while (csctp_assoc_poll_event(h->a, &ev)) on_event(h, &ev);
  usrsctp_peer_msg m;
  int r;
  while ((r = usrsctp_peer_recv(&h->up, &m)) > 0)
    ext_log_msg(h, 1, m.sid, m.ppid, 0, m.data, m.len);
  cr_assert_geq(r, 0, "%s", h->up.failure);
  return moved;
}

typedef int (*pred_fn)(ext_harness *h);

static int run_until(ext_harness *h, pred_fn pred, int timeout_ms) {
  csctp_tstamp deadline = ext_now_us() + (csctp_tstamp)timeout_ms * 1000u;
  for (;;) {
    int moved = step(h);
    if (pred(h)) return 1;
    csctp_tstamp now = ext_now_us();
    if (now >= deadline) return 0;
    if (!moved) {
      csctp_tstamp wake = now + 1000, e = csctp_assoc_expiry(h->a);
      if (e < wake) wake = e;
      if (wake > now) nanosleep(&(struct timespec){0, (long)(wake - now) * 1000}, NULL);
    }
  }
}

static void us_enable_reconfig(ext_harness *h, struct socket *s, sctp_assoc_t id) {
  struct sctp_assoc_value av = {
      .assoc_id = id, .assoc_value = SCTP_ENABLE_RESET_STREAM_REQ | SCTP_ENABLE_CHANGE_ASSOC_REQ};
  cr_assert_eq(usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &av, sizeof av), 0,
               "SCTP_ENABLE_STREAM_RESET: %s", strerror(errno));
  (void)h;
}

static int both_up(ext_harness *h) { return h->connected > 0 && h->up.comm_up > 0; }

static int accept_assoc_reset; /* our csctp_config.accept_assoc_reset in establish() */

/* Our engine connects to a listening usrsctp with 8 streams each way, up to 64 inbound. */
static void establish(ext_harness *h, double loss) {
  memset(&W, 0, sizeof W);
  memset(W.ssn, 0xff, sizeof W.ssn);
  csctp_config c = ext_config(h, 0x5c7e);
  c.outbound_streams = STREAMS;
  c.max_inbound_streams = MAX_IN;
  c.accept_assoc_reset = accept_assoc_reset;
  cr_assert_eq(csctp_assoc_new(&h->a, &c), 0);
  usrsctp_peer_opts o = {.port = PORT,
                         .remote_port = PORT,
                         .ostreams = STREAMS,
                         .max_instreams = MAX_IN,
                         .mtu = MTU,
                         .passive = 1,
                         .stream_reset = 1};
  int rc = usrsctp_peer_open(&h->up, "usrsctp", &o);
  h->up_open = 1;
  cr_assert_eq(rc, 0, "%s", h->up.failure);
  /* Accepted associations take the listener's setting: resets and stream additions. */
  us_enable_reconfig(h, h->up.listener, SCTP_FUTURE_ASSOC);
  cr_assert_eq(csctp_assoc_connect(h->a, ext_now_us()), 0);
  cr_assert(run_until(h, both_up, 10000), "handshake did not complete in 10 s");
  csctp_assoc_get_peer_features(h->a, &h->feat);
  cr_assert(h->feat.reconfig, "usrsctp did not announce RE-CONFIG");
  us_enable_reconfig(h, h->up.sock, 0);
  uint16_t in, out;
  csctp_assoc_get_stream_counts(h->a, &in, &out);
  cr_assert_eq(in, STREAMS);
  cr_assert_eq(out, STREAMS);
  const char *l = getenv("CSCTP_INTEROP_LOSS");
  h->loss = l ? atof(l) : loss;
}

static void us_counts(ext_harness *h, uint16_t *in, uint16_t *out) {
  struct sctp_status st;
  memset(&st, 0, sizeof st);
  socklen_t len = sizeof st;
  cr_assert_eq(usrsctp_getsockopt(h->up.sock, IPPROTO_SCTP, SCTP_STATUS, &st, &len), 0);
  *in = st.sstat_instrms;
  *out = st.sstat_outstrms;
}

/* Side `from` sends "<tag><i>" for i in [0, n) on `sid`, ordered, PPID 7. */
static void send_n(ext_harness *h, int from, uint16_t sid, char tag, int n) {
  for (int i = 0; i < n; i++) {
    char b[8];
    int len = snprintf(b, sizeof b, "%c%d", tag, i);
    int r;
    if (from == 0) {
      csctp_send_opts o = {.stream = sid, .ppid = 7};
      r = csctp_assoc_send(h->a, &o, (const uint8_t *)b, (size_t)len, ext_now_us());
    } else {
      r = usrsctp_peer_send(&h->up, sid, 7, 0, b, (size_t)len);
    }
    cr_assert_eq(r, 0, "side %d: send %s on %u: %d", from, b, sid, r);
  }
}

static int want_msgs;
static int got_msgs(ext_harness *h) { return h->nlog[0] + h->nlog[1] >= want_msgs; }

/* Side `to` got "a0".."a<n_a-1>" then "b0".."b<n_b-1>" on `sid`, in order. */
static void check_log(const ext_harness *h, int to, uint16_t sid, int n_a, int n_b) {
  cr_assert_eq(h->nlog[to], n_a + n_b, "side %d received %d messages", to, h->nlog[to]);
  for (int i = 0; i < n_a + n_b; i++) {
    char b[8];
    int len = snprintf(b, sizeof b, "%c%d", i < n_a ? 'a' : 'b', i < n_a ? i : i - n_a);
    const ext_rx_msg *m = &h->log[to][i];
    cr_expect_eq(m->sid, sid);
    cr_expect(m->len == (size_t)len && memcmp(m->data, b, (size_t)len) == 0,
              "side %d message %d: expected %s, got %.*s", to, i, b, (int)m->len, m->data);
  }
}

static void report(const ext_harness *h) {
  fprintf(stderr,
          "pkts csctp %llu (dropped %llu) usrsctp %llu (dropped %llu); csctp events: reset out %d "
          "in %d, incoming-reset result %d (%u), changed %d (%u: in %u out %u); usrsctp "
          "strreset events %d flags 0x%x; RE-CONFIG requests csctp %d usrsctp %d, responses "
          "csctp %d usrsctp %d, requests dropped csctp %d usrsctp %d\n",
          (unsigned long long)h->pkts[0], (unsigned long long)h->dropped[0],
          (unsigned long long)h->pkts[1], (unsigned long long)h->dropped[1], W.reset_out_n,
          W.reset_in_n, W.in_result_n, W.in_result, W.changed_n, W.changed_result, W.changed_in,
          W.changed_out, h->up.strreset_events, h->up.strreset_flags, W.nreq[0], W.nreq[1],
          W.nresp[0], W.nresp[1], W.dropped_req[0], W.dropped_req[1]);
}

/* Requests of `type` side `from` sent, and whether they all had the same number. */
static int count_req(int from, uint16_t type, int *same_seq) {
  int n = 0;
  uint32_t first = 0;
  *same_seq = 1;
  for (int i = 0; i < W.nreq[from]; i++) {
    if (W.req_type[from][i] != type) continue;
    if (n++ == 0)
      first = W.req_seq[from][i];
    else if (W.req_seq[from][i] != first)
      *same_seq = 0;
  }
  return n;
}

/* The first request of each side was dropped: it went again, with the same number (§5.1.1). */
static void check_retransmitted(uint16_t ours, uint16_t theirs) {
  int same;
  cr_expect_eq(W.dropped_req[0], 1);
  cr_expect_eq(W.dropped_req[1], 1);
  cr_expect_geq(count_req(0, ours, &same), 2, "our request %u was not sent again", ours);
  cr_expect(same, "our request %u went again with another number", ours);
  cr_expect_geq(count_req(1, theirs, &same), 2, "usrsctp's request %u was not sent again", theirs);
  cr_expect(same);
}

/* ---------- usrsctp asks us to reset our outgoing stream ---------- */

static int our_out_reset_done(ext_harness *h) {
  return W.reset_out_n > 0 && h->up.strreset_events > 0;
}

/*
 * We send 5 messages on SID; usrsctp asks us to reset that stream (SCTP_RESET_STREAMS,
 * SCTP_STREAM_RESET_INCOMING), after they arrived or at once (then our answer waits for them
 * to have TSNs). Our Outgoing SSN Reset Request names usrsctp's request number (§4.1); usrsctp
 * reports its incoming stream reset; our 3 next messages carry SSNs 0, 1, 2.
 */
static void usrsctp_asks(ext_harness *h, int immediate, double loss, int drop_first) {
  establish(h, loss);
  W.drop_req[0] = W.drop_req[1] = drop_first;
  send_n(h, 0, SID, 'a', 5);
  if (!immediate) {
    want_msgs = 5;
    cr_assert(run_until(h, got_msgs, 10000), "the first 5 messages did not arrive");
  }
  size_t sz = sizeof(struct sctp_reset_streams) + sizeof(uint16_t);
  struct sctp_reset_streams *r = calloc(1, sz);
  r->srs_flags = SCTP_STREAM_RESET_INCOMING;
  r->srs_number_streams = 1;
  r->srs_stream_list[0] = SID;
  int rc = usrsctp_setsockopt(h->up.sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, r, (socklen_t)sz);
  free(r);
  cr_assert_eq(rc, 0, "SCTP_RESET_STREAMS incoming: %s", strerror(errno));
  int ok = run_until(h, our_out_reset_done, 15000);
  report(h);
  cr_assert(ok, "the reset did not complete in 15 s");
  cr_expect_eq(W.reset_out_result, 0);
  cr_expect_eq(W.reset_out_n, 1);
  cr_expect_eq(h->rs_n, 1);
  cr_expect_eq(h->rs_streams[0], SID);
  cr_expect(h->up.strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN, "usrsctp flags 0x%x",
            h->up.strreset_flags);
  cr_expect_eq(h->up.strreset_flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED), 0);
  cr_expect_eq(h->up.strreset_n, 1);
  cr_expect_eq(h->up.strreset_streams[0], SID);
  /* Our answer is an Outgoing request naming usrsctp's Incoming request (§4.1, §5.2.3). */
  uint32_t in_seq = 0;
  int have_in = 0;
  for (int i = 0; i < W.nreq[1]; i++)
    if (W.req_type[1][i] == 14) in_seq = W.req_seq[1][i], have_in = 1;
  cr_assert(have_in, "usrsctp sent no Incoming SSN Reset Request");
  int answered = 0;
  for (int i = 0; i < W.nreq[0]; i++)
    answered |= W.req_type[0][i] == 13 && W.req_resp_seq[0][i] == in_seq;
  cr_expect(answered, "no Outgoing SSN Reset Request of ours names request %u", in_seq);
  if (drop_first) check_retransmitted(13, 14);
  send_n(h, 0, SID, 'b', 3);
  want_msgs = 8;
  ok = run_until(h, got_msgs, 10000);
  report(h);
  cr_assert(ok, "%d of 8 messages arrived", h->nlog[1]);
  check_log(h, 1, SID, 5, 3);
  for (int i = 0; i < 5; i++) cr_expect_eq(W.ssn[0][0][i], i, "a%d: SSN %d", i, W.ssn[0][0][i]);
  for (int i = 0; i < 3; i++)
    cr_expect_eq(W.ssn[0][1][i], i, "b%d (after the reset) went with SSN %d", i, W.ssn[0][1][i]);
  cr_expect_eq(h->peer_errors + h->up.remote_errors, 0);
}

Test(usrsctp_reconfig, usrsctp_asks_us_to_reset_10pct_loss, .init = ext_setup, .fini = ext_teardown,
     .timeout = 60) {
  usrsctp_asks(&ext_h, 0, 0.10, 1);
}

Test(usrsctp_reconfig, usrsctp_asks_us_to_reset_with_data_in_flight, .init = ext_setup,
     .fini = ext_teardown, .timeout = 60) {
  usrsctp_asks(&ext_h, 1, 0.10, 0);
}

/* ---------- we ask usrsctp to reset its outgoing stream ---------- */

static int their_out_reset_done(ext_harness *h) {
  return W.in_result_n > 0 && W.reset_in_n > 0 && h->up.strreset_events > 0;
}

static void we_ask(ext_harness *h, int immediate, double loss, int drop_first) {
  establish(h, loss);
  W.drop_req[0] = W.drop_req[1] = drop_first;
  send_n(h, 1, SID, 'a', 5);
  if (!immediate) {
    want_msgs = 5;
    cr_assert(run_until(h, got_msgs, 10000), "the first 5 messages did not arrive");
  }
  uint16_t sid = SID;
  cr_assert_eq(csctp_assoc_reset_incoming_streams(h->a, &sid, 1, ext_now_us()), 0);
  int ok = run_until(h, their_out_reset_done, 15000);
  report(h);
  cr_assert(ok, "the reset did not complete in 15 s");
  cr_expect_eq(W.in_result, 0, "usrsctp refused: %u", W.in_result);
  cr_expect_eq(W.in_result_n, 1);
  cr_expect_eq(W.reset_in_n, 1);
  cr_expect_eq(h->rs_n, 1);
  cr_expect_eq(h->rs_streams[0], SID);
  cr_expect(h->up.strreset_flags & SCTP_STREAM_RESET_OUTGOING_SSN, "usrsctp flags 0x%x",
            h->up.strreset_flags);
  if (drop_first) check_retransmitted(14, 13);
  /* usrsctp refuses sends while its reset is pending; it is done by now. */
  send_n(h, 1, SID, 'b', 3);
  want_msgs = 8;
  ok = run_until(h, got_msgs, 10000);
  report(h);
  cr_assert(ok, "%d of 8 messages arrived", h->nlog[0]);
  check_log(h, 0, SID, 5, 3);
  for (int i = 0; i < 3; i++)
    cr_expect_eq(W.ssn[1][1][i], i, "usrsctp's b%d went with SSN %d", i, W.ssn[1][1][i]);
  cr_expect_eq(h->peer_errors + h->up.remote_errors, 0);
}

Test(usrsctp_reconfig, we_ask_usrsctp_to_reset_10pct_loss, .init = ext_setup, .fini = ext_teardown,
     .timeout = 60) {
  we_ask(&ext_h, 0, 0.10, 1);
}

Test(usrsctp_reconfig, we_ask_usrsctp_to_reset_with_data_in_flight, .init = ext_setup,
     .fini = ext_teardown, .timeout = 60) {
  we_ask(&ext_h, 1, 0.10, 0);
}

/* ---------- adding streams ---------- */

static int counts_are_12(ext_harness *h) {
  uint16_t in, out, uin, uout;
  csctp_assoc_get_stream_counts(h->a, &in, &out);
  us_counts(h, &uin, &uout);
  return in == 12 && out == 12 && uin == 12 && uout == 12;
}

/* After adding 4 streams each way: messages on the new streams 10 and 11, both ways. */
static void check_new_streams(ext_harness *h) {
  uint16_t in, out, uin, uout;
  csctp_assoc_get_stream_counts(h->a, &in, &out);
  us_counts(h, &uin, &uout);
  cr_expect_eq(in, 12);
  cr_expect_eq(out, 12);
  cr_expect_eq(uin, 12);
  cr_expect_eq(uout, 12);
  cr_expect_geq(W.changed_n, 1);
  cr_expect_eq(W.changed_result, 0);
  cr_expect_eq(W.changed_in, 12);
  cr_expect_eq(W.changed_out, 12);
  send_n(h, 0, 11, 'a', 2);
  send_n(h, 1, 10, 'a', 2);
  want_msgs = 4;
  int ok = run_until(h, got_msgs, 10000);
  report(h);
  cr_assert(ok, "%d of 4 messages on the new streams arrived", h->nlog[0] + h->nlog[1]);
  check_log(h, 0, 10, 2, 0);
  check_log(h, 1, 11, 2, 0);
  cr_expect_eq(h->peer_errors + h->up.remote_errors, 0, "an ERROR chunk (invalid stream?)");
}

/* usrsctp adds 4 outgoing streams (Add Outgoing) and asks us for 4 (Add Incoming) at once. */
Test(usrsctp_reconfig, usrsctp_adds_streams_10pct_loss, .init = ext_setup, .fini = ext_teardown,
     .timeout = 60) {
  ext_harness *h = &ext_h;
  establish(h, 0.10);
  W.drop_req[0] = W.drop_req[1] = 1;
  struct sctp_add_streams as = {.sas_assoc_id = 0, .sas_instrms = 4, .sas_outstrms = 4};
  cr_assert_eq(usrsctp_setsockopt(h->up.sock, IPPROTO_SCTP, SCTP_ADD_STREAMS, &as, sizeof as), 0,
               "SCTP_ADD_STREAMS: %s", strerror(errno));
  int ok = run_until(h, counts_are_12, 15000);
  report(h);
  cr_assert(ok, "the stream counts did not reach 12 each way in 15 s");
  int add_in = 0, add_out = 0;
  for (int i = 0; i < W.nreq[1]; i++) add_in |= W.req_type[1][i] == 18;
  for (int i = 0; i < W.nreq[0]; i++) add_out |= W.req_type[0][i] == 17;
  cr_expect(add_in, "usrsctp sent no Add Incoming Streams request");
  cr_expect(add_out, "we did not answer with an Add Outgoing Streams request (§5.2.6)");
  check_retransmitted(17, 18);
  check_new_streams(h);
}

static int our_add_done(ext_harness *h) { return counts_are_12(h) && h->a->rc.inflight == 0; }

/* We add 4 outgoing streams and ask usrsctp for 4 (one RE-CONFIG chunk). */
Test(usrsctp_reconfig, we_add_streams_10pct_loss, .init = ext_setup, .fini = ext_teardown,
     .timeout = 60) {
  ext_harness *h = &ext_h;
  establish(h, 0.10);
  W.drop_req[0] = W.drop_req[1] = 1;
  cr_assert_eq(csctp_assoc_add_streams(h->a, 4, 4, ext_now_us()), 0);
  int ok = run_until(h, our_add_done, 15000);
  report(h);
  cr_assert(ok, "the stream counts did not reach 12 each way in 15 s");
  int peer_add_out = 0;
  for (int i = 0; i < W.nreq[1]; i++) peer_add_out |= W.req_type[1][i] == 17;
  cr_expect(peer_add_out, "usrsctp did not add its outgoing streams by a request");
  check_retransmitted(18, 17);
  check_new_streams(h);
}

/* Past usrsctp's inbound maximum: denied, reported, counts unchanged. */
static int changed_once(ext_harness *h) { return W.changed_n > 0; }

Test(usrsctp_reconfig, we_add_too_many_streams_denied, .init = ext_setup, .fini = ext_teardown,
     .timeout = 60) {
  ext_harness *h = &ext_h;
  establish(h, 0);
  cr_assert_eq(csctp_assoc_add_streams(h->a, MAX_IN, 0, ext_now_us()), 0);
  int ok = run_until(h, changed_once, 10000);
  report(h);
  cr_assert(ok, "no answer in 10 s");
  cr_expect_eq(W.changed_result, 2, "result %u, expected Denied", W.changed_result);
  uint16_t out, uin, uout;
  csctp_assoc_get_stream_counts(h->a, NULL, &out);
  us_counts(h, &uin, &uout);
  cr_expect_eq(out, STREAMS);
  cr_expect_eq(uin, STREAMS);
}

/* ---------- SSN/TSN Reset: denied (assoc_reconfig_peer.c says why) ---------- */

static int us_idle(ext_harness *h) {
  int state;
  uint32_t rwnd;
  uint16_t unacked, pending;
  return usrsctp_peer_status(&h->up, &state, &rwnd, &unacked, &pending) == 0 && unacked == 0 &&
         pending == 0;
}

static int denied_seen(ext_harness *h) {
  (void)h;
  for (int i = 0; i < W.nresp[0]; i++)
    if (W.resp_result[0][i] == 2) return 1;
  return 0;
}

Test(usrsctp_reconfig, usrsctp_assoc_reset_denied_association_goes_on, .init = ext_setup,
     .fini = ext_teardown, .timeout = 60) {
  ext_harness *h = &ext_h;
  establish(h, 0);
  struct sctp_assoc_value av = {.assoc_id = 0,
                                .assoc_value = SCTP_ENABLE_RESET_STREAM_REQ |
                                               SCTP_ENABLE_RESET_ASSOC_REQ |
                                               SCTP_ENABLE_CHANGE_ASSOC_REQ};
  cr_assert_eq(
      usrsctp_setsockopt(h->up.sock, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &av, sizeof av), 0);
  send_n(h, 1, SID, 'a', 2);
  want_msgs = 2;
  cr_assert(run_until(h, got_msgs, 10000));
  /* usrsctp sends the request only with nothing queued or unacknowledged (else EBUSY). */
  cr_assert(run_until(h, us_idle, 10000), "usrsctp kept data unacknowledged");
  sctp_assoc_t id = 0;
  cr_assert_eq(usrsctp_setsockopt(h->up.sock, IPPROTO_SCTP, SCTP_RESET_ASSOC, &id, sizeof id), 0,
               "SCTP_RESET_ASSOC: %s", strerror(errno));
  int ok = run_until(h, denied_seen, 10000);
  report(h);
  cr_assert(ok, "no Denied answer to usrsctp's SSN/TSN Reset Request");
  int tsn_req = 0;
  for (int i = 0; i < W.nreq[1]; i++) tsn_req |= W.req_type[1][i] == 15;
  cr_expect(tsn_req, "usrsctp sent no SSN/TSN Reset Request");
  /* Nothing was reset: numbering goes on, both ways. */
  send_n(h, 1, SID, 'b', 2);
  send_n(h, 0, SID, 'a', 2);
  want_msgs = 6;
  ok = run_until(h, got_msgs, 10000);
  report(h);
  cr_assert(ok, "%d of 6 messages", h->nlog[0] + h->nlog[1]);
  check_log(h, 0, SID, 2, 2);
  cr_expect_eq(W.ssn[1][1][0], 2, "usrsctp's b0 went with SSN %d", W.ssn[1][1][0]);
  cr_expect_eq(csctp_assoc_get_state(h->a), CSCTP_STATE_ESTABLISHED);
}

/* ---------- SSN/TSN Reset performed, both ways ---------- */

static void us_enable_assoc_reset(ext_harness *h) {
  struct sctp_assoc_value av = {.assoc_id = 0,
                                .assoc_value = SCTP_ENABLE_RESET_STREAM_REQ |
                                               SCTP_ENABLE_RESET_ASSOC_REQ |
                                               SCTP_ENABLE_CHANGE_ASSOC_REQ};
  cr_assert_eq(
      usrsctp_setsockopt(h->up.sock, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &av, sizeof av), 0);
}

static int assoc_reset_both(ext_harness *h) {
  return W.assoc_reset_n > 0 && h->up.assocreset_events > 0;
}

/* After a performed reset: 'b' messages both ways start at SSN 0, from the TSNs our event
 * gave, and everything arrives once, in order. */
static void check_after_reset(ext_harness *h) {
  send_n(h, 1, SID, 'b', 3);
  send_n(h, 0, SID, 'b', 3);
  want_msgs = 10;
  int ok = run_until(h, got_msgs, 10000);
  report(h);
  cr_assert(ok, "%d of 10 messages after the reset", h->nlog[0] + h->nlog[1]);
  check_log(h, 0, SID, 2, 3);
  check_log(h, 1, SID, 2, 3);
  for (int i = 0; i < 3; i++) {
    cr_expect_eq(W.ssn[0][1][i], i, "our b%d: SSN %d", i, W.ssn[0][1][i]);
    cr_expect_eq(W.ssn[1][1][i], i, "usrsctp's b%d: SSN %d", i, W.ssn[1][1][i]);
  }
  cr_expect_eq(W.tsn[0][1][0], W.assoc_reset_local, "our b0: TSN %u, the reset said %u",
               W.tsn[0][1][0], W.assoc_reset_local);
  cr_expect_eq(W.tsn[1][1][0], W.assoc_reset_remote, "usrsctp's b0: TSN %u, the reset said %u",
               W.tsn[1][1][0], W.assoc_reset_remote);
  cr_expect_eq(csctp_assoc_get_state(h->a), CSCTP_STATE_ESTABLISHED);
}

/* usrsctp asks (SCTP_RESET_ASSOC) and we allow it: performed, both sides report it. */
Test(usrsctp_reconfig, usrsctp_assoc_reset_performed, .init = ext_setup, .fini = ext_teardown,
     .timeout = 60) {
  ext_harness *h = &ext_h;
  accept_assoc_reset = 1;
  establish(h, 0);
  us_enable_assoc_reset(h);
  send_n(h, 1, SID, 'a', 2);
  send_n(h, 0, SID, 'a', 2);
  want_msgs = 4;
  cr_assert(run_until(h, got_msgs, 10000));
  cr_assert(run_until(h, us_idle, 10000), "usrsctp kept data unacknowledged");
  sctp_assoc_t id = 0;
  cr_assert_eq(usrsctp_setsockopt(h->up.sock, IPPROTO_SCTP, SCTP_RESET_ASSOC, &id, sizeof id), 0,
               "SCTP_RESET_ASSOC: %s", strerror(errno));
  int ok = run_until(h, assoc_reset_both, 10000);
  report(h);
  cr_assert(ok, "the reset was not reported by both (ours %d, usrsctp's %d)", W.assoc_reset_n,
            h->up.assocreset_events);
  cr_expect_eq(W.assoc_reset_incoming, 1);
  cr_expect_eq(W.assoc_reset_result, 0);
  cr_expect_eq(h->up.assocreset_flags & (SCTP_ASSOC_RESET_DENIED | SCTP_ASSOC_RESET_FAILED), 0,
               "usrsctp flags 0x%x", h->up.assocreset_flags);
  check_after_reset(h);
}

/* We ask (csctp_assoc_reset_assoc) and usrsctp performs it. */
Test(usrsctp_reconfig, our_assoc_reset_performed_by_usrsctp, .init = ext_setup,
     .fini = ext_teardown, .timeout = 60) {
  ext_harness *h = &ext_h;
  establish(h, 0);
  us_enable_assoc_reset(h);
  send_n(h, 1, SID, 'a', 2);
  send_n(h, 0, SID, 'a', 2);
  want_msgs = 4;
  cr_assert(run_until(h, got_msgs, 10000));
  cr_assert_eq(csctp_assoc_reset_assoc(h->a, ext_now_us()), 0);
  int ok = run_until(h, assoc_reset_both, 10000);
  report(h);
  cr_assert(ok, "the reset was not reported by both (ours %d, usrsctp's %d)", W.assoc_reset_n,
            h->up.assocreset_events);
  cr_expect_eq(W.assoc_reset_incoming, 0);
  cr_expect_eq(W.assoc_reset_result, 0, "usrsctp answered %u", W.assoc_reset_result);
  check_after_reset(h);
}

/* ---------- Incoming requests that cross ---------- */

static int us_ask_incoming_reset(ext_harness *h, uint16_t sid) {
  size_t sz = sizeof(struct sctp_reset_streams) + sizeof(uint16_t);
  struct sctp_reset_streams *r = calloc(1, sz);
  r->srs_flags = SCTP_STREAM_RESET_INCOMING;
  r->srs_number_streams = 1;
  r->srs_stream_list[0] = sid;
  int rc = usrsctp_setsockopt(h->up.sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, r, (socklen_t)sz);
  free(r);
  return rc == 0 ? 0 : -errno;
}

static int crossing_settled(ext_harness *h) {
  (void)h;
  int answered_4 = 0;
  for (int i = 0; i < W.nresp[0]; i++) answered_4 |= W.resp_result[0][i] == 4;
  return W.in_result_n > 0 && W.reset_in_n > 0 && answered_4;
}

static int our_second_out_reset(ext_harness *h) {
  (void)h;
  return W.reset_out_n > 0;
}

/*
 * Both ask at once for the other's outgoing stream to be reset. Our Incoming request is in
 * flight when usrsctp's arrives: we answer "Request already in progress" (4). usrsctp only
 * refuses while an Outgoing request of its own is outstanding, so it performs ours. Then
 * usrsctp asks again and we perform it: both streams start over.
 */
Test(usrsctp_reconfig, incoming_requests_crossing, .init = ext_setup, .fini = ext_teardown,
     .timeout = 60) {
  ext_harness *h = &ext_h;
  establish(h, 0);
  uint16_t sid = SID;
  cr_assert_eq(csctp_assoc_reset_incoming_streams(h->a, &sid, 1, ext_now_us()), 0);
  cr_assert_eq(us_ask_incoming_reset(h, SID), 0, "SCTP_RESET_STREAMS incoming");
  int ok = run_until(h, crossing_settled, 10000);
  report(h);
  cr_assert(ok, "the crossing requests did not settle in 10 s");
  cr_expect_eq(W.in_result, 0, "usrsctp refused ours: %u", W.in_result);
  cr_expect_eq(W.reset_out_n, 0, "we performed usrsctp's request while ours was in flight");
  /* usrsctp asks again (its earlier request failed); now we perform it. */
  int rc = -EAGAIN;
  for (int tries = 0; tries < 100 && rc != 0; tries++) {
    rc = us_ask_incoming_reset(h, SID);
    if (rc) step(h);
  }
  cr_assert_eq(rc, 0, "SCTP_RESET_STREAMS incoming again: %d", rc);
  ok = run_until(h, our_second_out_reset, 10000);
  report(h);
  cr_assert(ok, "usrsctp's second request was not performed");
  cr_expect_eq(W.reset_out_result, 0);
  send_n(h, 0, SID, 'b', 3);
  send_n(h, 1, SID, 'b', 3);
  want_msgs = 6;
  ok = run_until(h, got_msgs, 10000);
  report(h);
  cr_assert(ok, "%d of 6 messages", h->nlog[0] + h->nlog[1]);
  check_log(h, 0, SID, 0, 3);
  check_log(h, 1, SID, 0, 3);
  for (int i = 0; i < 3; i++) {
    cr_expect_eq(W.ssn[0][1][i], i, "our b%d: SSN %d", i, W.ssn[0][1][i]);
    cr_expect_eq(W.ssn[1][1][i], i, "usrsctp's b%d: SSN %d", i, W.ssn[1][1][i]);
  }
  cr_expect_eq(csctp_assoc_get_state(h->a), CSCTP_STATE_ESTABLISHED);
}
