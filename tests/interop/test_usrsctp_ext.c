/*
 * Interop with usrsctp for the extensions: partial reliability (RFC 3758 FORWARD
 * TSN, RFC 7496 policies), stream reset (RFC 6525), and DCEP (RFC 8832) between
 * our data-channel layer and a few lines of DCEP written here on top of a usrsctp
 * socket (usrsctp has none).
 *
 * Same in-memory set-up as test_usrsctp.c (AF_CONN, real time, wall-clock
 * deadlines, loss from a seeded PRNG per direction; which packets it hits still
 * depends on usrsctp's timing). Side 0 is our engine, side 1 usrsctp.
 * CSCTP_INTEROP_SEED=N replays another loss pattern; CSCTP_INTEROP_TRACE=1 prints
 * every packet in text2pcap form (see test_usrsctp.c); CSCTP_DEBUG=sctp.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <csctp/datachannel.h>
#include <csctp/sctp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <usrsctp.h>

#include "interop_traffic.h"
#include "prng.h"
#include "usrsctp_peer.h"

#define PORT 5000
#define MTU 1200
#define CHUNK_FORWARD_TSN 192
#define PPID_DCEP 50
#define PPID_STRING 51
#define PPID_BINARY 53
#define MAX_LOG 32

/* What one side received in the DCEP tests: stream, PPID, first bytes. */
typedef struct rx_msg {
  uint16_t sid;
  uint32_t ppid;
  int text; /* csctp side: is_text */
  size_t len;
  uint8_t data[64];
} rx_msg;

typedef struct harness {
  csctp_assoc *a;
  csctp_dc *dc;
  csctp_prng rng;
  usrsctp_peer up;
  int up_open;
  csctp_prng loss_rng[2];
  double loss;
  int trace;
  uint64_t pkts[2], dropped[2];
  uint32_t chunks[2][256];
  /* SSN on the wire of the single-chunk message "<a|b><digit>" per sender (-1: not seen) */
  int32_t ssn_of[2][2][10];
  /* our engine's events */
  int connected, closed, peer_errors;
  int rs_in, rs_out;
  uint32_t rs_result;
  uint16_t rs_streams[16];
  size_t rs_n;
  csctp_peer_features feat;
  /* traffic: sender i sends direction i, received by side 1 - i into rx[1 - i] */
  uint32_t tx_total[2], tx_next[2], tx_ready[2], pr_count[2];
  uint16_t policy[2]; /* usrsctp's SCTP_PR_SCTP_* (side 1) or csctp_pr_policy (side 0) */
  uint32_t value[2];
  int tx_error[2];
  uint8_t *txbuf[2];
  interop_rx rx[2];
  /* stream-reset and DCEP tests: messages received by each side, and the channel events */
  int raw; /* our engine's messages go to log[0] instead of rx[0] */
  int dcep;
  rx_msg log[2][MAX_LOG];
  int nlog[2];
  csctp_dc_channel ch_open[4], ch_closing[4], ch_closed[4];
  int n_open, n_closing, n_closed, dc_errors, open_by_peer;
  char open_label[32];
  /* extra drops by content (reproductions): returns non-zero to drop */
  int (*drop_fn)(struct harness *h, int from, const uint8_t *pkt, size_t len);
  int drop_state;
  uint8_t pkt[2048];
} harness;

static harness H;

static csctp_tstamp now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (csctp_tstamp)ts.tv_sec * 1000000u + (csctp_tstamp)ts.tv_nsec / 1000u;
}

static void log_fn(void *u, uint32_t cat, const char *text) {
  (void)cat;
  fprintf(stderr, "[%s] %s\n", (const char *)u, text);
}

/* Chunk counts, and the SSNs of the stream-reset tests' messages (DATA: RFC 9260 §3.3.1). */
static void inspect(harness *h, int from, const uint8_t *pkt, size_t len) {
  for (size_t off = 12; off + 4 <= len;) {
    size_t clen = (size_t)pkt[off + 2] << 8 | pkt[off + 3];
    h->chunks[from][pkt[off]]++;
    if (pkt[off] == 0 && clen == 18 && off + 18 <= len && (pkt[off + 1] & 0x07) == 0x03) {
      uint8_t tag = pkt[off + 16], digit = pkt[off + 17];
      if ((tag == 'a' || tag == 'b') && digit >= '0' && digit <= '9')
        h->ssn_of[from][tag - 'a'][digit - '0'] = pkt[off + 10] << 8 | pkt[off + 11];
    }
    if (clen < 4) break;
    off += (clen + 3) & ~(size_t)3;
  }
}

static void trace_pkt(harness *h, int from, const uint8_t *pkt, size_t len, int dropped) {
  if (!h->trace) return;
  char *s = usrsctp_dumppacket(pkt, len, from == 0 ? SCTP_DUMP_OUTBOUND : SCTP_DUMP_INBOUND);
  fprintf(stderr, "# %s%s\n%s", from == 0 ? "csctp -> usrsctp" : "usrsctp -> csctp",
          dropped ? " (dropped)" : "", s ? s : "");
  if (s) usrsctp_freedumpbuffer(s);
}

static void log_msg(harness *h, int side, uint16_t sid, uint32_t ppid, int text, const uint8_t *d,
                    size_t len) {
  if (h->nlog[side] == MAX_LOG) return;
  rx_msg *m = &h->log[side][h->nlog[side]++];
  m->sid = sid;
  m->ppid = ppid;
  m->text = text;
  m->len = len;
  memcpy(m->data, d, len < sizeof m->data ? len : sizeof m->data);
}

static void on_assoc_event(harness *h, const csctp_event *ev) {
  switch (ev->type) {
  case CSCTP_EVENT_CONNECTED:
    h->connected++;
    csctp_assoc_get_peer_features(h->a, &h->feat);
    break;
  case CSCTP_EVENT_CLOSED: h->closed++; break;
  case CSCTP_EVENT_PEER_ERROR:
    h->peer_errors++;
    fprintf(stderr, "csctp: peer ERROR cause %u\n", ev->u.peer_error.cause);
    break;
  case CSCTP_EVENT_MESSAGE:
    if (h->raw) {
      log_msg(h, 0, ev->u.message.stream, ev->u.message.ppid, 0, ev->u.message.data,
              ev->u.message.len);
      break;
    }
    interop_rx_check(&h->rx[0], ev->u.message.stream, ev->u.message.ppid, ev->u.message.unordered,
                     ev->u.message.data, ev->u.message.len);
    break;
  case CSCTP_EVENT_STREAMS_RESET:
    if (ev->u.streams_reset.incoming) {
      h->rs_in++;
    } else {
      h->rs_out++;
      h->rs_result = ev->u.streams_reset.result;
    }
    h->rs_n = 0;
    for (size_t i = 0; i < ev->u.streams_reset.n_streams && i < 16; i++)
      h->rs_streams[h->rs_n++] = ev->u.streams_reset.streams[i];
    break;
  default: break;
  }
}

static void on_dc_event(harness *h, const csctp_dc_event *ev) {
  switch (ev->type) {
  case CSCTP_DC_EVENT_ASSOC: on_assoc_event(h, &ev->u.assoc); break;
  case CSCTP_DC_EVENT_OPEN:
    if (h->n_open < 4) h->ch_open[h->n_open++] = ev->channel;
    snprintf(h->open_label, sizeof h->open_label, "%s", ev->u.open.label);
    h->open_by_peer = ev->u.open.by_peer;
    break;
  case CSCTP_DC_EVENT_MESSAGE: {
    csctp_dc_info info;
    cr_assert_eq(csctp_dc_get_info(h->dc, ev->channel, &info), 0);
    log_msg(h, 0, info.stream, 0, ev->u.message.is_text, ev->u.message.data, ev->u.message.len);
    break;
  }
  case CSCTP_DC_EVENT_CLOSING:
    if (h->n_closing < 4) h->ch_closing[h->n_closing++] = ev->channel;
    break;
  case CSCTP_DC_EVENT_CLOSED:
    if (h->n_closed < 4) h->ch_closed[h->n_closed++] = ev->channel;
    break;
  case CSCTP_DC_EVENT_ERROR:
    h->dc_errors++;
    fprintf(stderr, "dc ERROR reason %d error %d\n", ev->u.error.reason, ev->u.error.error);
    break;
  default: break;
  }
}

/* ---------- the usrsctp side's DCEP (RFC 8832 §5) ---------- */

static size_t dcep_open_msg(uint8_t *b, uint8_t type, uint32_t rel, const char *label) {
  size_t ll = strlen(label);
  b[0] = 0x03; /* DATA_CHANNEL_OPEN */
  b[1] = type;
  b[2] = 0x01, b[3] = 0x00; /* priority 256 */
  b[4] = (uint8_t)(rel >> 24), b[5] = (uint8_t)(rel >> 16), b[6] = (uint8_t)(rel >> 8);
  b[7] = (uint8_t)rel;
  b[8] = (uint8_t)(ll >> 8), b[9] = (uint8_t)ll;
  b[10] = b[11] = 0; /* no protocol */
  memcpy(b + 12, label, ll);
  return 12 + ll;
}

/* usrsctp receives: DCEP OPEN is answered with an ACK on the same stream. */
static void us_on_message(harness *h, const usrsctp_peer_msg *m) {
  log_msg(h, 1, m->sid, m->ppid, 0, m->data, m->len);
  if (m->ppid == PPID_DCEP && m->len >= 12 && m->data[0] == 0x03) {
    static const uint8_t ack = 0x02; /* DATA_CHANNEL_ACK */
    int r = usrsctp_peer_send(&h->up, m->sid, PPID_DCEP, 0, &ack, 1);
    cr_assert_eq(r, 0, "usrsctp: ACK not sent: %d", r);
  }
}

/* ---------- the loop ---------- */

static void service(harness *h, csctp_tstamp now) {
  if (csctp_assoc_expiry(h->a) <= now) cr_assert_eq(csctp_assoc_handle_expiry(h->a, now), 0);
  if (h->dc) {
    csctp_dc_event ev;
    int r;
    while ((r = csctp_dc_poll_event(h->dc, &ev, now)) == 1) on_dc_event(h, &ev);
    cr_assert_geq(r, 0);
  } else {
    csctp_event ev;
    while (csctp_assoc_poll_event(h->a, &ev)) on_assoc_event(h, &ev);
  }
  if (!h->up_open) return;
  usrsctp_peer_msg m;
  int r;
  while ((r = usrsctp_peer_recv(&h->up, &m)) > 0) {
    if (h->dcep || h->raw)
      us_on_message(h, &m);
    else
      interop_rx_check(&h->rx[1], m.sid, m.ppid, m.unordered, m.data, m.len);
  }
  cr_assert_geq(r, 0, "%s", h->up.failure);
}

/* Sends what each side accepts now: ids below pr_count with the policy, then reliably. */
static void pump(harness *h, csctp_tstamp now) {
  for (int i = 0; i < 2; i++) {
    while (h->tx_next[i] < h->tx_total[i] && !h->tx_error[i]) {
      uint32_t id = h->tx_next[i];
      interop_msg d;
      interop_msg_describe(i, id, &d);
      if (h->tx_ready[i] != id + 1) {
        interop_msg_fill(h->txbuf[i], d.len, i, id);
        h->tx_ready[i] = id + 1;
      }
      int pr = id < h->pr_count[i];
      int r;
      if (i == 0) {
        csctp_send_opts o = {.stream = d.sid,
                             .ppid = d.ppid,
                             .unordered = d.unordered,
                             .pr_policy = pr ? (csctp_pr_policy)h->policy[0] : CSCTP_PR_NONE,
                             .pr_value = pr ? h->value[0] : 0};
        r = csctp_assoc_send(h->a, &o, h->txbuf[0], d.len, now);
        if (r == CSCTP_ERR_WOULD_BLOCK) break;
      } else {
        r = usrsctp_peer_send_pr(&h->up, d.sid, d.ppid, d.unordered,
                                 pr ? h->policy[1] : SCTP_PR_SCTP_NONE, pr ? h->value[1] : 0,
                                 h->txbuf[1], d.len);
        if (r == -EWOULDBLOCK) break;
      }
      if (r != 0) {
        h->tx_error[i] = r;
        fprintf(stderr, "side %d: send of id %u failed: %d\n", i, id, r);
        break;
      }
      h->tx_next[i]++;
    }
  }
}

static int step(harness *h) {
  int moved = 0;
  csctp_tstamp now = now_us();
  for (int from = 0; from < 2; from++) {
    for (int n = 0; n < 256; n++) {
      size_t len = 0;
      if (from == 0) {
        csctp_ssize r = csctp_assoc_write_packet(h->a, h->pkt, sizeof h->pkt, now);
        cr_assert_geq(r, 0, "write_packet: %s", csctp_strerror((int)r));
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
      cr_expect_leq(len, MTU, "side %d: packet of %zu bytes", from, len);
      inspect(h, from, h->pkt, len);
      int drop = h->loss > 0 && csctp_prng_chance(&h->loss_rng[from], h->loss);
      if (h->drop_fn && h->drop_fn(h, from, h->pkt, len)) drop = 1;
      trace_pkt(h, from, h->pkt, len, drop);
      if (drop) {
        h->dropped[from]++;
      } else if (from == 1) {
        cr_assert_eq(csctp_assoc_read_packet(h->a, h->pkt, len, now), 0);
      } else if (h->up_open) {
        usrsctp_peer_input(&h->up, h->pkt, len);
      }
    }
  }
  service(h, now);
  pump(h, now);
  return moved;
}

typedef int (*pred_fn)(harness *h);

static int run_until(harness *h, pred_fn pred, int timeout_ms) {
  csctp_tstamp deadline = now_us() + (csctp_tstamp)timeout_ms * 1000u;
  for (;;) {
    int moved = step(h);
    if (pred(h)) return 1;
    csctp_tstamp now = now_us();
    if (now >= deadline) return 0;
    if (!moved) {
      csctp_tstamp wake = now + 1000, e = csctp_assoc_expiry(h->a);
      if (e < wake) wake = e;
      if (wake > now) nanosleep(&(struct timespec){0, (long)(wake - now) * 1000}, NULL);
    }
  }
}

/* ---------- fixtures ---------- */

static void setup(void) {
  memset(&H, 0, sizeof H);
  H.trace = getenv("CSCTP_INTEROP_TRACE") != NULL;
  const char *seed = getenv("CSCTP_INTEROP_SEED");
  uint64_t s = seed ? strtoull(seed, NULL, 0) : 0xe47;
  csctp_prng_seed(&H.loss_rng[0], s << 4 | 0xa);
  csctp_prng_seed(&H.loss_rng[1], s << 4 | 0xb);
  usrsctp_peer_tuning t = {.rto_min_ms = 100,
                           .rto_initial_ms = 300,
                           .rto_max_ms = 2000,
                           .init_rto_max_ms = 1000,
                           .delayed_sack_ms = 20};
  usrsctp_peer_global_init(&t);
  /* Announced in INIT by default; switched on explicitly so the test says what it needs. */
  usrsctp_sysctl_set_sctp_pr_enable(1);
  usrsctp_sysctl_set_sctp_reconfig_enable(1);
  memset(H.ssn_of, 0xff, sizeof H.ssn_of);
}

static void teardown(void) {
  if (H.up_open) usrsctp_peer_close(&H.up, 1);
  H.loss = 0;
  if (H.a)
    for (int i = 0; i < 20; i++) step(&H);
  int finished = usrsctp_peer_global_finish(3000) == 0;
  csctp_dc_del(H.dc);
  csctp_assoc_del(H.a);
  for (int i = 0; i < 2; i++) {
    interop_rx_free(&H.rx[i]);
    free(H.txbuf[i]);
  }
  if (H.up_open && finished) usrsctp_peer_free(&H.up);
  if (!finished) fprintf(stderr, "usrsctp_finish did not complete within 3 s\n");
}

static int both_up(harness *h) { return h->connected > 0 && h->up.comm_up > 0; }

/* Our engine connects to a listening usrsctp socket with stream reset accepted. */
static void establish(harness *h, int with_dc) {
  csctp_prng_seed(&h->rng, 0xe7c5);
  csctp_config c;
  csctp_config_default(&c);
  c.local_port = c.remote_port = PORT;
  c.mtu = MTU;
  c.rto_initial = 300;
  c.rto_min = 100;
  c.rto_max = 2000;
  c.rand = csctp_prng_rand_fn;
  c.rand_user_data = &h->rng;
  const char *dbg = getenv("CSCTP_DEBUG");
  if (dbg) {
    c.log = log_fn;
    c.log_user_data = "csctp";
    c.log_mask = csctp_log_mask_parse(dbg);
  }
  cr_assert_eq(csctp_assoc_new(&h->a, &c), 0);
  if (with_dc) {
    csctp_dc_config dcc;
    csctp_dc_config_default(&dcc);
    dcc.role = CSCTP_DC_ROLE_CLIENT; /* even ids for us, odd ones for usrsctp */
    cr_assert_eq(csctp_dc_new(&h->dc, h->a, &dcc), 0);
    h->dcep = 1;
  }
  usrsctp_peer_opts o = {.port = PORT,
                         .remote_port = PORT,
                         .ostreams = 16,
                         .max_instreams = 16,
                         .mtu = MTU,
                         .passive = 1,
                         .stream_reset = 1};
  int rc = usrsctp_peer_open(&h->up, "usrsctp", &o);
  h->up_open = 1;
  cr_assert_eq(rc, 0, "%s", h->up.failure);
  cr_assert_eq(csctp_assoc_connect(h->a, now_us()), 0);
  cr_assert(run_until(h, both_up, 10000), "handshake did not complete in 10 s");
  cr_assert(h->feat.forward_tsn, "usrsctp did not announce FORWARD TSN");
  cr_assert(h->feat.reconfig, "usrsctp did not announce RE-CONFIG");
}

static void report(const harness *h) {
  csctp_stats st;
  csctp_assoc_get_stats(h->a, &st);
  fprintf(stderr,
          "csctp: pkts %llu (dropped %llu), DATA %u FWD-TSN %u RECONF %u, received %u, bad %u %s\n"
          "  retrans %llu fast rtx %llu t3 %llu, cwnd %u, outstanding %u, buffered %zu, "
          "rwnd local %u peer %u\n",
          (unsigned long long)h->pkts[0], (unsigned long long)h->dropped[0], h->chunks[0][0],
          h->chunks[0][CHUNK_FORWARD_TSN], h->chunks[0][130], h->rx[0].received, h->rx[0].bad,
          h->rx[0].failure, (unsigned long long)st.retransmissions,
          (unsigned long long)st.fast_retransmits, (unsigned long long)st.t3_expiries, st.cwnd,
          st.bytes_outstanding, st.bytes_buffered, st.local_rwnd, st.peer_rwnd);
  int state;
  uint32_t rwnd;
  uint16_t unacked = 0, pending = 0;
  usrsctp_peer_status((usrsctp_peer *)&h->up, &state, &rwnd, &unacked, &pending);
  fprintf(stderr,
          "usrsctp: pkts %llu (dropped %llu), DATA %u FWD-TSN %u RECONF %u, received %u, bad %u "
          "%s\n  unacked %u pending %u, sent %u/%u, strreset events %d flags 0x%x partial reads %llu %s\n",
          (unsigned long long)h->pkts[1], (unsigned long long)h->dropped[1], h->chunks[1][0],
          h->chunks[1][CHUNK_FORWARD_TSN], h->chunks[1][130], h->rx[1].received, h->rx[1].bad,
          h->rx[1].failure, unacked, pending, h->tx_next[1], h->tx_total[1], h->up.strreset_events,
          h->up.strreset_flags, (unsigned long long)h->up.partial_reads, h->up.failure);
}

/* ---------- partial reliability ---------- */

static int ep_drained(harness *h, int side) {
  if (h->tx_next[side] < h->tx_total[side]) return 0;
  if (side == 0) {
    csctp_stats st;
    csctp_assoc_get_stats(h->a, &st);
    return st.bytes_outstanding == 0 && st.bytes_buffered == 0;
  }
  int state;
  uint32_t rwnd;
  uint16_t unacked, pending;
  return usrsctp_peer_status(&h->up, &state, &rwnd, &unacked, &pending) == 0 && unacked == 0 &&
         pending == 0;
}

/* Every reliable tail message arrived and both senders hold nothing more. */
static int pr_done(harness *h) {
  for (int i = 0; i < 2; i++) {
    const interop_rx *rx = &h->rx[1 - i];
    if (rx->bad || h->tx_error[i]) return 1;
    for (uint32_t id = h->pr_count[i]; id < h->tx_total[i]; id++)
      if (!rx->seen[id]) return 0;
    if (!ep_drained(h, i)) return 0;
  }
  return 1;
}

/*
 * Each side sends `n` messages (1 B to 256 KiB, 8 streams, ordered and unordered)
 * under its policy at `loss`, then 8 small reliable ones on the same streams:
 * those must all arrive (a receiver that did not move its cumulative TSN past
 * the abandoned ones, or kept waiting for an abandoned SSN, would stall them).
 */
static void pr_both_ways(harness *h, double loss, csctp_pr_policy ours, uint32_t our_value,
                         uint16_t theirs, uint32_t their_value, uint32_t n) {
  establish(h, 0);
  csctp_stats st0;
  csctp_assoc_get_stats(h->a, &st0);
  const char *l = getenv("CSCTP_INTEROP_LOSS"); /* overrides the test's loss */
  h->loss = l ? atof(l) : loss;
  h->policy[0] = (uint16_t)ours, h->value[0] = our_value;
  h->policy[1] = theirs, h->value[1] = their_value;
  for (int i = 0; i < 2; i++) {
    h->pr_count[i] = n;
    h->tx_total[i] = n + 8;
    h->txbuf[i] = malloc(INTEROP_MAX_MSG);
    interop_rx_init(&h->rx[1 - i], i, h->tx_total[i]);
  }
  csctp_tstamp t0 = now_us();
  int ok = run_until(h, pr_done, 60000);
  report(h);
  fprintf(stderr, "done in %llu ms; delivered under PR: csctp %u/%u, usrsctp %u/%u\n",
          (unsigned long long)(now_us() - t0) / 1000, h->rx[0].received - 8, n,
          h->rx[1].received - 8, n);
  for (int i = 0; i < 2; i++) {
    fprintf(stderr, "%s did not get ids:", i == 0 ? "csctp" : "usrsctp");
    for (uint32_t id = 0; id < h->rx[i].expected; id++)
      if (!h->rx[i].seen[id]) fprintf(stderr, " %u", id);
    fprintf(stderr, "\n");
  }
  for (int i = 0; i < 2; i++) {
    cr_expect_eq(h->tx_error[i], 0, "side %d: send failed", i);
    cr_expect_eq(h->rx[i].bad, 0, "side %d received: %s", i, h->rx[i].failure);
  }
  cr_assert(ok, "stalled: the reliable tail did not arrive, or a sender did not drain, in 60 s");
  /* Able to fail: abandonment really happened both ways and was signalled on the wire. */
  cr_expect_gt(h->chunks[0][CHUNK_FORWARD_TSN], 0, "csctp sent no FORWARD TSN");
  cr_expect_gt(h->chunks[1][CHUNK_FORWARD_TSN], 0, "usrsctp sent no FORWARD TSN");
  cr_expect_lt(h->rx[1].received, h->tx_total[0], "nothing of ours was abandoned");
  cr_expect_lt(h->rx[0].received, h->tx_total[1], "nothing of usrsctp's was abandoned");
  /* Receive buffers drained: our window is whole again; usrsctp's close to it. */
  csctp_stats st;
  csctp_assoc_get_stats(h->a, &st);
  cr_expect_eq(st.local_rwnd, st0.local_rwnd, "csctp rwnd %u, was %u", st.local_rwnd,
               st0.local_rwnd);
  cr_expect_eq(h->chunks[0][9] + h->chunks[1][9], 0, "an ERROR chunk was sent");
  cr_expect_eq(h->up.remote_errors + h->peer_errors, 0);
}

Test(usrsctp_ext, forward_tsn_ttl_both_ways_15pct_loss, .init = setup, .fini = teardown,
     .timeout = 120) {
  pr_both_ways(&H, 0.15, CSCTP_PR_TTL, 150, SCTP_PR_SCTP_TTL, 150, 2 * INTEROP_NSIZES);
}

Test(usrsctp_ext, forward_tsn_rtx_both_ways_20pct_loss, .init = setup, .fini = teardown,
     .timeout = 120) {
  pr_both_ways(&H, 0.20, CSCTP_PR_RTX, 0, SCTP_PR_SCTP_RTX, 0, INTEROP_NSIZES);
}

Test(usrsctp_ext, forward_tsn_rtx1_both_ways_10pct_loss, .init = setup, .fini = teardown,
     .timeout = 120) {
  pr_both_ways(&H, 0.10, CSCTP_PR_RTX, 1, SCTP_PR_SCTP_RTX, 1, INTEROP_NSIZES);
}

/* ---------- stream reset (RFC 6525) ---------- */

#define RS_SID 3

/* Side `from` sends "<tag><i>" for i in [0, n) on RS_SID, ordered, PPID 7. */
static void rs_send(harness *h, int from, char tag, int n) {
  for (int i = 0; i < n; i++) {
    char b[8];
    int len = snprintf(b, sizeof b, "%c%d", tag, i);
    int r;
    if (from == 0) {
      csctp_send_opts o = {.stream = RS_SID, .ppid = 7};
      r = csctp_assoc_send(h->a, &o, (const uint8_t *)b, (size_t)len, now_us());
    } else {
      r = usrsctp_peer_send(&h->up, RS_SID, 7, 0, b, (size_t)len);
    }
    cr_assert_eq(r, 0, "side %d: send %s: %d", from, b, r);
  }
}

static int rs_want;
static int got_rs_want(harness *h) { return h->nlog[0] + h->nlog[1] >= rs_want; }
static int reset_done_by_usrsctp(harness *h) { return h->rs_in > 0 && h->up.strreset_events > 0; }
static int reset_done_by_csctp(harness *h) { return h->rs_out > 0 && h->up.strreset_events > 0; }

/* The messages side `to` received: "a0".."a<n_a-1>" then "b0".."b<n_b-1>", in that order. */
static void rs_check_log(const harness *h, int to, int n_a, int n_b) {
  cr_assert_eq(h->nlog[to], n_a + n_b, "side %d received %d messages", to, h->nlog[to]);
  for (int i = 0; i < n_a + n_b; i++) {
    char b[8];
    int len = snprintf(b, sizeof b, "%c%d", i < n_a ? 'a' : 'b', i < n_a ? i : i - n_a);
    const rx_msg *m = &h->log[to][i];
    cr_expect_eq(m->sid, RS_SID);
    cr_expect(m->len == (size_t)len && memcmp(m->data, b, (size_t)len) == 0,
              "side %d message %d: expected %s, got %.*s", to, i, b, (int)m->len, m->data);
  }
}

/*
 * Side `from` sends 5 messages on RS_SID, resets that outgoing stream, and sends
 * 3 more; with `immediate` the reset and the 3 follow at once (the reset waits
 * for the 5 in flight: the receiver may answer "In progress"), otherwise after
 * the 5 were delivered. All 8 arrive in order, and on the wire the 3 carry
 * SSNs 0, 1, 2.
 */
static void reset_by(harness *h, int from, int immediate) {
  establish(h, 0);
  const char *l = getenv("CSCTP_INTEROP_LOSS");
  h->loss = l ? atof(l) : 0.10;
  h->raw = 1;
  int to = 1 - from;
  rs_send(h, from, 'a', 5);
  if (!immediate) {
    rs_want = 5;
    cr_assert(run_until(h, got_rs_want, 10000), "the first 5 messages did not arrive");
  }
  uint16_t sid = RS_SID;
  if (from == 0)
    cr_assert_eq(csctp_assoc_reset_streams(h->a, &sid, 1, now_us()), 0);
  else
    cr_assert_eq(usrsctp_peer_reset_streams(&h->up, &sid, 1), 0, "SCTP_RESET_STREAMS: %s",
                 strerror(errno));
  /* Ours queue behind the reset (numbered from SSN 0); usrsctp refuses sends on a
   * stream with a reset pending (EAGAIN), so its 3 wait for the reset to complete. */
  if (immediate && from == 0) rs_send(h, from, 'b', 3);
  int ok = run_until(h, from == 0 ? reset_done_by_csctp : reset_done_by_usrsctp, 15000);
  report(h);
  cr_assert(ok, "the reset did not complete in 15 s (csctp in %d out %d, usrsctp events %d)",
            h->rs_in, h->rs_out, h->up.strreset_events);
  if (from == 0) {
    cr_expect_eq(h->rs_result, 0, "usrsctp refused our reset: result %u", h->rs_result);
    cr_expect(h->up.strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN, "usrsctp flags 0x%x",
              h->up.strreset_flags);
  } else {
    cr_expect(h->up.strreset_flags & SCTP_STREAM_RESET_OUTGOING_SSN, "usrsctp flags 0x%x",
              h->up.strreset_flags);
    cr_expect_eq(h->rs_in, 1);
  }
  cr_expect_eq(h->up.strreset_flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED), 0,
               "usrsctp flags 0x%x", h->up.strreset_flags);
  cr_expect_eq(h->up.strreset_n, 1);
  cr_expect_eq(h->up.strreset_streams[0], RS_SID);
  cr_expect_eq(h->rs_n, 1);
  cr_expect_eq(h->rs_streams[0], RS_SID);
  if (!immediate || from == 1) rs_send(h, from, 'b', 3);
  rs_want = 8;
  ok = run_until(h, got_rs_want, 10000);
  report(h);
  cr_assert(ok, "%d of 8 messages arrived after the reset", h->nlog[to]);
  rs_check_log(h, to, 5, 3);
  cr_expect_eq(h->nlog[from], 0);
  for (int i = 0; i < 5; i++)
    cr_expect_eq(h->ssn_of[from][0][i], i, "a%d went with SSN %d", i, h->ssn_of[from][0][i]);
  for (int i = 0; i < 3; i++)
    cr_expect_eq(h->ssn_of[from][1][i], i, "b%d (after the reset) went with SSN %d", i,
                 h->ssn_of[from][1][i]);
  cr_expect_eq(h->chunks[0][9] + h->chunks[1][9], 0, "an ERROR chunk was sent");
}

Test(usrsctp_ext, reset_by_usrsctp_10pct_loss, .init = setup, .fini = teardown, .timeout = 60) {
  reset_by(&H, 1, 0);
}

Test(usrsctp_ext, reset_by_csctp_10pct_loss, .init = setup, .fini = teardown, .timeout = 60) {
  reset_by(&H, 0, 0);
}

Test(usrsctp_ext, reset_by_usrsctp_with_data_in_flight, .init = setup, .fini = teardown,
     .timeout = 60) {
  reset_by(&H, 1, 1);
}

Test(usrsctp_ext, reset_by_csctp_with_data_in_flight, .init = setup, .fini = teardown,
     .timeout = 60) {
  reset_by(&H, 0, 1);
}

/* ---------- reproduction: FORWARD TSN purges a newer partial message ---------- */

/* First transmission only: the middle fragment of PPID 100 and the last of PPID 101. */
static int drop_a_mid_b_end(harness *h, int from, const uint8_t *p, size_t len) {
  if (from != 1 || len < 28 || p[12] != 0) return 0;
  uint32_t ppid = (uint32_t)p[24] << 24 | (uint32_t)p[25] << 16 | (uint32_t)p[26] << 8 | p[27];
  int be = p[13] & 0x03;
  if (ppid == 100 && be == 0 && !(h->drop_state & 1)) return h->drop_state |= 1, 1;
  if (ppid == 101 && be == 1 && !(h->drop_state & 2)) return h->drop_state |= 2, 1;
  return 0;
}

static int got3(harness *h) { return h->nlog[0] >= 3; }

/*
 * usrsctp sends A (3 fragments, stream 2, RTX 0), B (3 fragments, stream 7,
 * reliable) and C (1 byte, stream 7); A's middle and B's last fragment are lost
 * once. usrsctp abandons A: FORWARD TSN with New Cumulative TSN = A's last TSN,
 * arriving while B's first two fragments wait for the third. RFC 3758 §3.6 lets
 * the receiver drop only fragments with TSNs up to the New Cumulative TSN; B
 * must be delivered once its last fragment is retransmitted, then C.
 * Fails today: csctp_assoc_on_forward_tsn purges the reassembly queue up to the
 * cumulative TSN *after* advancing it over B's fragments (csctp_reasm_forward
 * (&a->reasm, a->rxt.cum)), so B's head is discarded and stream 7 stalls at B's
 * SSN forever (C held, its bytes never returned to the window).
 */
Test(usrsctp_ext, forward_tsn_keeps_newer_partial_message, .init = setup, .fini = teardown,
     .timeout = 60) {
  harness *h = &H;
  establish(h, 0);
  if (!getenv("CSCTP_ENGINE_REPRO"))
    cr_skip_test("engine bug (RFC 3758 §3.6), reported: set CSCTP_ENGINE_REPRO=1 to run");
  h->raw = 1;
  h->drop_fn = drop_a_mid_b_end;
  static uint8_t a[3000], b[3000];
  memset(a, 'A', sizeof a);
  memset(b, 'B', sizeof b);
  cr_assert_eq(usrsctp_peer_send_pr(&h->up, 2, 100, 0, SCTP_PR_SCTP_RTX, 0, a, sizeof a), 0);
  cr_assert_eq(usrsctp_peer_send(&h->up, 7, 101, 0, b, sizeof b), 0);
  cr_assert_eq(usrsctp_peer_send(&h->up, 7, 102, 0, "C", 1), 0);
  run_until(h, got3, 5000);
  report(h);
  cr_expect_eq(h->drop_state, 3, "the planned losses did not happen (0x%x)", h->drop_state);
  cr_expect_gt(h->chunks[1][CHUNK_FORWARD_TSN], 0, "usrsctp sent no FORWARD TSN");
  int got_b = 0, got_c = 0;
  for (int i = 0; i < h->nlog[0]; i++) {
    cr_expect_neq(h->log[0][i].ppid, 100, "A was abandoned, yet delivered");
    got_b += h->log[0][i].ppid == 101 && h->log[0][i].len == sizeof b;
    got_c += h->log[0][i].ppid == 102;
  }
  cr_expect_eq(got_b, 1, "B (stream 7, reliable) was not delivered");
  cr_expect_eq(got_c, 1, "C (stream 7, after B) was not delivered");
}

/* ---------- DCEP (RFC 8832) against a usrsctp-side DCEP written above ---------- */

static int us_got(const harness *h, uint16_t sid, uint32_t ppid, const void *d, size_t len) {
  for (int i = 0; i < h->nlog[1]; i++) {
    const rx_msg *m = &h->log[1][i];
    if (m->sid == sid && m->ppid == ppid && m->len == len && memcmp(m->data, d, len) == 0)
      return 1;
  }
  return 0;
}

static int cs_got(const harness *h, uint16_t sid, int text, const void *d, size_t len) {
  for (int i = 0; i < h->nlog[0]; i++) {
    const rx_msg *m = &h->log[0][i];
    if (m->sid == sid && m->text == text && m->len == len && memcmp(m->data, d, len) == 0)
      return 1;
  }
  return 0;
}

static uint16_t dc_sid;
static const uint8_t BIN[] = {0x00, 0x01, 0xfe, 0xff, 0x80};
static const uint8_t DCEP_ACK = 0x02;

static int dc_opened_by_usrsctp(harness *h) {
  return h->n_open == 1 && us_got(h, dc_sid, PPID_DCEP, &DCEP_ACK, 1);
}
static int dc_acked(harness *h) {
  csctp_dc_info info;
  return h->n_open == 1 && csctp_dc_get_info(h->dc, h->ch_open[0], &info) == 0 && info.acked;
}
static int dc_messages_done(harness *h) {
  return cs_got(h, dc_sid, 1, "hello", 5) && cs_got(h, dc_sid, 0, BIN, sizeof BIN) &&
         us_got(h, dc_sid, PPID_STRING, "world", 5) && us_got(h, dc_sid, PPID_BINARY, BIN, sizeof BIN);
}
static int dc_closed(harness *h) { return h->n_closed == 1; }
static int us_saw_incoming_reset(harness *h) {
  return h->up.strreset_events > 0 && (h->up.strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN);
}

/* String (PPID 51) and binary (PPID 53) messages both ways on the open channel. */
static void dc_exchange(harness *h) {
  cr_assert_eq(usrsctp_peer_send(&h->up, dc_sid, PPID_STRING, 0, "hello", 5), 0);
  cr_assert_eq(usrsctp_peer_send(&h->up, dc_sid, PPID_BINARY, 0, BIN, sizeof BIN), 0);
  cr_assert_eq(csctp_dc_send(h->dc, h->ch_open[0], 1, "world", 5, now_us()), 0);
  cr_assert_eq(csctp_dc_send(h->dc, h->ch_open[0], 0, BIN, sizeof BIN, now_us()), 0);
  int ok = run_until(h, dc_messages_done, 10000);
  report(h);
  cr_assert(ok, "messages did not arrive (csctp got %d, usrsctp got %d)", h->nlog[0], h->nlog[1]);
  cr_expect_eq(h->nlog[0], 2, "csctp got %d messages", h->nlog[0]);
}

static void dc_setup(harness *h) {
  establish(h, 1);
  const char *l = getenv("CSCTP_INTEROP_LOSS");
  h->loss = l ? atof(l) : 0.10;
}

/* usrsctp opens (odd stream, as the DTLS server); usrsctp closes by resetting its stream. */
Test(usrsctp_ext, dcep_usrsctp_opens_and_closes, .init = setup, .fini = teardown, .timeout = 60) {
  harness *h = &H;
  dc_setup(h);
  dc_sid = 1;
  uint8_t open[64];
  size_t n = dcep_open_msg(open, CSCTP_DC_TYPE_RELIABLE, 0, "from-usrsctp");
  cr_assert_eq(usrsctp_peer_send(&h->up, dc_sid, PPID_DCEP, 0, open, n), 0);
  int ok = run_until(h, dc_opened_by_usrsctp, 10000);
  report(h);
  cr_assert(ok, "no OPEN event and ACK (open events %d)", h->n_open);
  cr_expect(h->open_by_peer);
  cr_expect_str_eq(h->open_label, "from-usrsctp");
  csctp_dc_info info;
  cr_assert_eq(csctp_dc_get_info(h->dc, h->ch_open[0], &info), 0);
  cr_expect_eq(info.stream, dc_sid);
  cr_expect_eq(info.state, CSCTP_DC_STATE_OPEN);
  dc_exchange(h);
  /* RFC 8831 §6.7: closing = resetting our outgoing stream; the other side resets its own. */
  cr_assert_eq(usrsctp_peer_reset_streams(&h->up, &dc_sid, 1), 0);
  ok = run_until(h, dc_closed, 10000);
  report(h);
  cr_assert(ok, "csctp did not close the channel (closing %d)", h->n_closing);
  cr_expect_eq(h->n_closing, 1, "no CLOSING event");
  cr_expect_eq(h->ch_closed[0], h->ch_open[0]);
  ok = run_until(h, us_saw_incoming_reset, 10000);
  cr_expect(ok, "usrsctp saw no reset of the incoming stream (flags 0x%x)", h->up.strreset_flags);
  cr_expect_eq(h->up.strreset_streams[0], dc_sid);
  cr_expect_eq(h->dc_errors, 0);
}

/* Our layer opens (even stream); usrsctp's DCEP ACKs; our layer closes. */
Test(usrsctp_ext, dcep_csctp_opens_and_closes, .init = setup, .fini = teardown, .timeout = 60) {
  harness *h = &H;
  dc_setup(h);
  csctp_dc_init init = {.label = "from-csctp", .protocol = "chat"};
  csctp_dc_channel ch;
  cr_assert_eq(csctp_dc_open(h->dc, &init, now_us(), &ch), 0);
  int ok = run_until(h, dc_acked, 10000);
  report(h);
  cr_assert(ok, "no ACK for our DATA_CHANNEL_OPEN");
  cr_expect_eq(h->ch_open[0], ch);
  cr_expect(!h->open_by_peer);
  csctp_dc_info info;
  cr_assert_eq(csctp_dc_get_info(h->dc, ch, &info), 0);
  dc_sid = info.stream;
  cr_expect_eq(dc_sid % 2, 0, "the DTLS client uses even ids: %u", dc_sid);
  /* What usrsctp received: one DATA_CHANNEL_OPEN on that stream, PPID 50 (RFC 8832 §5.1). */
  cr_assert_geq(h->nlog[1], 1);
  const rx_msg *m = &h->log[1][0];
  cr_expect_eq(m->sid, dc_sid);
  cr_expect_eq(m->ppid, PPID_DCEP);
  cr_assert_eq(m->len, 12 + 10 + 4, "OPEN of %zu bytes", m->len);
  cr_expect_eq(m->data[0], 0x03);
  cr_expect_eq(m->data[1], CSCTP_DC_TYPE_RELIABLE);
  cr_expect_eq(m->data[8] << 8 | m->data[9], 10);
  cr_expect_eq(m->data[10] << 8 | m->data[11], 4);
  cr_expect(memcmp(m->data + 12, "from-csctpchat", 14) == 0);
  h->nlog[1] = 0;
  dc_exchange(h);
  cr_assert_eq(csctp_dc_close(h->dc, ch, now_us()), 0);
  ok = run_until(h, us_saw_incoming_reset, 10000);
  report(h);
  cr_assert(ok, "usrsctp saw no reset of our stream");
  cr_expect_eq(h->up.strreset_streams[0], dc_sid);
  /* usrsctp's side of the close: reset its outgoing stream too. */
  cr_assert_eq(usrsctp_peer_reset_streams(&h->up, &dc_sid, 1), 0);
  ok = run_until(h, dc_closed, 10000);
  report(h);
  cr_assert(ok, "the channel did not close");
  cr_expect_eq(h->ch_closed[0], ch);
  cr_expect_eq(h->dc_errors, 0);
}
