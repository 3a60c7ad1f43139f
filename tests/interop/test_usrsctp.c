/* SPDX-License-Identifier: MIT */
/*
 * Interop with usrsctp (AF_CONN, in memory, same process).
 *
 * usrsctp runs on real time with its own timer thread, so these tests run our
 * engine on CLOCK_MONOTONIC too and bound every phase by a wall-clock deadline.
 * Loss is drawn from a seeded PRNG per direction; which packets it hits still
 * depends on usrsctp's timing.
 *
 * CSCTP_INTEROP_TRACE=1 prints every packet in text2pcap form (usrsctp_dumppacket):
 *   grep -a '^[IO] ' log > t.txt  (or keep the whole log) and
 *   text2pcap -n -l 248 -D -t '%H:%M:%S.' log out.pcapng   (248 = SCTP payload).
 * CSCTP_DEBUG=sctp turns on the engine's log.
 * CSCTP_INTEROP_LOSS=0.2 / CSCTP_INTEROP_SEED=N change the loss test (and give the usrsctp
 * sanity test the same loss, as a baseline); CSCTP_INTEROP_PROGRESS=1 reports every second.
 * Both print a TIMES line (seconds until each direction's messages all arrived);
 * tools/loss_bench.py runs both over several seeds. Our delayed SACK is 20 ms like the
 * usrsctp peers' (a peer's RTT samples include it); CSCTP_INTEROP_SACK_MS=N changes ours.
 */
#include <criterion/criterion.h>
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
#define US_OSTREAMS 300 /* asymmetric, so a swapped count shows */
#define US_MISTREAMS 400
#define DELAYED_SACK_MS 20 /* both implementations' delayed SACK timer */

/* ---------- endpoints: our engine or a usrsctp socket ---------- */

enum { EP_CSCTP, EP_USRSCTP };

typedef struct ep {
  int kind;
  const char *name;
  csctp_assoc *a;
  csctp_prng rng;
  usrsctp_peer *up; /* one of H.peers: it stays put while usrsctp may call conn_output */
  int up_open;
  /* csctp events */
  int connected, got_shutdown, closed, restarted, peer_errors;
  int shutdown_then_closed; /* SHUTDOWN arrived before CLOSED */
  csctp_close_reason reason;
  uint16_t close_cause, in_streams, out_streams;
  /* traffic sent: direction index = this endpoint's index */
  int dir;
  uint32_t tx_total, tx_next, tx_ready; /* tx_ready: id + 1 whose bytes are in txbuf */
  uint8_t *txbuf;
  int tx_error;
  int paused; /* the application stops reading (events / recv) */
  interop_rx rx;
  size_t max_pkt;
} ep;

typedef struct harness {
  ep e[2];
  csctp_prng loss_rng[2];
  double loss;
  uint64_t pkts[2], dropped[2]; /* per direction: index of the sender */
  int trace;
  int progress; /* CSCTP_INTEROP_PROGRESS: report every second while waiting */
  int mute[2];  /* drop everything this side sends (a peer that vanished) */
  uint32_t chunks[2][256];
  uint32_t sack_gap[2], sack_dup[2];
  /* SACKs with gap blocks / duplicate TSNs, per sender */ /* chunk types sent, per sender,
                                                              counted before loss */
  uint32_t csctp_hb_interval;                              /* when non-zero, our hb_interval (ms) */
  usrsctp_peer peers[3];
  int npeers;
  csctp_tstamp traffic_at, rx_done_at[2]; /* wall clock: traffic start, each receiver done */
  uint8_t pkt[2048];
} harness;

static harness H;

static csctp_tstamp now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (csctp_tstamp)ts.tv_sec * 1000000u + (csctp_tstamp)ts.tv_nsec / 1000u;
}

static void log_fn(uint32_t cat, csctp_log_level level, const char *text, void *u) {
  (void)cat;
  fprintf(stderr, "[%s] %s: %s\n", (const char *)u, csctp_log_level_name(level), text);
}

static void ep_csctp(ep *e, const char *name, uint64_t seed) {
  memset(e, 0, sizeof *e);
  e->kind = EP_CSCTP;
  e->name = name;
  csctp_prng_seed(&e->rng, seed);
  csctp_config c;
  csctp_config_default(&c);
  c.local_port = PORT;
  c.remote_port = PORT;
  c.mtu = MTU;
  c.rto_initial = 300;
  c.rto_min = 100;
  c.rto_max = 2000;
  c.sack_timeout = DELAYED_SACK_MS;
  const char *sack_ms = getenv("CSCTP_INTEROP_SACK_MS");
  if (sack_ms) c.sack_timeout = (uint32_t)strtoul(sack_ms, NULL, 0);
  if (H.csctp_hb_interval) c.hb_interval = H.csctp_hb_interval;
  c.rand = csctp_prng_rand_fn;
  c.rand_user_data = &e->rng;
  const char *dbg = getenv("CSCTP_DEBUG");
  if (dbg) {
    c.log = log_fn;
    c.log_user_data = (void *)name;
    c.log_mask = csctp_log_mask_parse(dbg);
    csctp_log_levels_parse(dbg, c.log_levels);
  }
  cr_assert_eq(csctp_assoc_new(&e->a, &c), 0);
}

static void ep_usrsctp_port(ep *e, const char *name, int passive, uint16_t port) {
  memset(e, 0, sizeof *e);
  e->kind = EP_USRSCTP;
  e->name = name;
  usrsctp_peer_opts o = {.port = port,
                         .remote_port = PORT,
                         .ostreams = US_OSTREAMS,
                         .max_instreams = US_MISTREAMS,
                         .mtu = MTU,
                         .passive = passive};
  cr_assert_lt(H.npeers, 3);
  e->up = &H.peers[H.npeers++];
  int rc = usrsctp_peer_open(e->up, name, &o);
  e->up_open = 1;
  cr_assert_eq(rc, 0, "%s", e->up->failure);
}

static void ep_usrsctp(ep *e, const char *name, int passive) {
  ep_usrsctp_port(e, name, passive, PORT);
}

/* Takes the next packet `e` wants to send into h->pkt: its length or 0. */
static size_t ep_pull(ep *e, uint8_t *buf, size_t cap, csctp_tstamp now) {
  size_t n = 0;
  if (e->kind == EP_CSCTP) {
    csctp_ssize r = csctp_assoc_write_packet(e->a, buf, cap, now);
    cr_assert_geq(r, 0, "%s: write_packet: %s", e->name, csctp_strerror((int)r));
    n = (size_t)r;
  } else {
    usrsctp_peer_pkt *k = usrsctp_peer_pop(e->up);
    if (!k) return 0;
    cr_assert_leq(k->len, cap);
    memcpy(buf, k->data, k->len);
    n = k->len;
    free(k);
  }
  if (n > e->max_pkt) e->max_pkt = n;
  return n;
}

static void ep_push(ep *e, const uint8_t *pkt, size_t len, csctp_tstamp now) {
  if (e->kind == EP_CSCTP)
    cr_assert_eq(csctp_assoc_read_packet(e->a, pkt, len, now), 0);
  else if (e->up_open)
    usrsctp_peer_input(e->up, pkt, len);
}

/* Timers, events and reads. Returns non-zero when something happened. */
static int ep_service(ep *e, csctp_tstamp now) {
  int progress = 0;
  if (e->kind == EP_CSCTP) {
    if (csctp_assoc_expiry(e->a) <= now) {
      cr_assert_eq(csctp_assoc_handle_expiry(e->a, now), 0);
      progress = 1;
    }
    if (e->paused) return progress;
    csctp_event ev;
    while (csctp_assoc_poll_event(e->a, &ev)) {
      progress = 1;
      switch (ev.type) {
      case CSCTP_EVENT_CONNECTED:
        e->connected++;
        e->in_streams = ev.u.connected.inbound_streams;
        e->out_streams = ev.u.connected.outbound_streams;
        break;
      case CSCTP_EVENT_RESTARTED: e->restarted++; break;
      case CSCTP_EVENT_MESSAGE:
        interop_rx_check(&e->rx, ev.u.message.stream, ev.u.message.ppid, ev.u.message.unordered,
                         ev.u.message.data, ev.u.message.len);
        break;
      case CSCTP_EVENT_SHUTDOWN: e->got_shutdown++; break;
      case CSCTP_EVENT_CLOSED:
        e->closed++;
        e->shutdown_then_closed = e->got_shutdown > 0;
        e->reason = ev.u.closed.reason;
        e->close_cause = ev.u.closed.cause;
        break;
      case CSCTP_EVENT_PEER_ERROR:
        e->peer_errors++;
        fprintf(stderr, "%s: peer ERROR cause %u\n", e->name, ev.u.peer_error.cause);
        break;
      default: break;
      }
    }
  } else if (e->up_open && !e->paused) {
    usrsctp_peer_msg m;
    int r;
    while ((r = usrsctp_peer_recv(e->up, &m)) > 0) {
      progress = 1;
      interop_rx_check(&e->rx, m.sid, m.ppid, m.unordered, m.data, m.len);
    }
    cr_assert_geq(r, 0, "%s", e->up->failure);
  }
  return progress;
}

/* Sends what the endpoint accepts now; back-pressure just waits for the next step. */
static int ep_pump(ep *e, csctp_tstamp now) {
  int progress = 0;
  while (e->tx_next < e->tx_total && !e->tx_error) {
    interop_msg d;
    interop_msg_describe(e->dir, e->tx_next, &d);
    if (e->tx_ready != e->tx_next + 1) {
      interop_msg_fill(e->txbuf, d.len, e->dir, e->tx_next);
      e->tx_ready = e->tx_next + 1;
    }
    int r;
    if (e->kind == EP_CSCTP) {
      csctp_send_opts o = {.stream = d.sid, .ppid = d.ppid, .unordered = d.unordered};
      r = csctp_assoc_send(e->a, &o, e->txbuf, d.len, now);
      if (r == CSCTP_ERR_WOULD_BLOCK) break;
    } else {
      r = usrsctp_peer_send(e->up, d.sid, d.ppid, d.unordered, e->txbuf, d.len);
      if (r == -EWOULDBLOCK) break;
    }
    if (r != 0) {
      e->tx_error = r;
      fprintf(stderr, "%s: send of id %u (len %u) failed: %d\n", e->name, e->tx_next, d.len, r);
      break;
    }
    e->tx_next++;
    progress = 1;
  }
  return progress;
}

/* Queues `count` messages from each endpoint (on top of any earlier ones). */
static void traffic_start(harness *h, uint32_t count0, uint32_t count1) {
  uint32_t counts[2] = {count0, count1};
  for (int i = 0; i < 2; i++) {
    ep *e = &h->e[i];
    e->dir = i;
    e->tx_total = counts[i];
    if (!e->txbuf) e->txbuf = malloc(INTEROP_MAX_MSG);
    interop_rx_free(&h->e[1 - i].rx);
    interop_rx_init(&h->e[1 - i].rx, i, counts[i]);
    h->rx_done_at[1 - i] = 0;
  }
  h->traffic_at = now_us();
}

/* One greppable line: seconds until each direction's messages were all received. */
static void report_times(const harness *h, const char *what) {
  double t[2];
  for (int i = 0; i < 2; i++)
    t[i] = h->rx_done_at[i] ? (double)(h->rx_done_at[i] - h->traffic_at) / 1e6 : -1;
  fprintf(stderr, "TIMES %s loss %.2f: %s->%s %.2f s, %s->%s %.2f s\n", what, h->loss, h->e[1].name,
          h->e[0].name, t[0], h->e[0].name, h->e[1].name, t[1]);
}

static void trace_pkt(harness *h, int from, const uint8_t *pkt, size_t len, int dropped) {
  if (!h->trace) return;
  char *s = usrsctp_dumppacket(pkt, len, from == 0 ? SCTP_DUMP_OUTBOUND : SCTP_DUMP_INBOUND);
  fprintf(stderr, "# %s -> %s%s\n%s", h->e[from].name, h->e[1 - from].name,
          dropped ? " (dropped)" : "", s ? s : "");
  if (s) usrsctp_freedumpbuffer(s);
}

static void count_chunks(harness *h, int from, const uint8_t *pkt, size_t len) {
  for (size_t off = 12; off + 4 <= len;) {
    size_t clen = (size_t)pkt[off + 2] << 8 | pkt[off + 3];
    h->chunks[from][pkt[off]]++;
    if (pkt[off] == 3 && clen >= 16 && off + 16 <= len) { /* SACK: gap blocks, dup TSNs */
      h->sack_gap[from] += (pkt[off + 12] << 8 | pkt[off + 13]) > 0;
      h->sack_dup[from] += (pkt[off + 14] << 8 | pkt[off + 15]) > 0;
    }
    if (clen < 4) break;
    off += (clen + 3) & ~(size_t)3;
  }
}

/* One pass of the loop. Returns non-zero when something happened. */
static int step(harness *h) {
  int progress = 0;
  csctp_tstamp now = now_us();
  for (int from = 0; from < 2; from++) {
    for (int n = 0; n < 256; n++) {
      size_t len = ep_pull(&h->e[from], h->pkt, sizeof h->pkt, now);
      if (!len) break;
      progress = 1;
      h->pkts[from]++;
      count_chunks(h, from, h->pkt, len);
      int drop = h->mute[from] || (h->loss > 0 && csctp_prng_chance(&h->loss_rng[from], h->loss));
      trace_pkt(h, from, h->pkt, len, drop);
      if (drop)
        h->dropped[from]++;
      else
        ep_push(&h->e[1 - from], h->pkt, len, now);
    }
  }
  for (int i = 0; i < 2; i++) progress |= ep_service(&h->e[i], now);
  for (int i = 0; i < 2; i++) progress |= ep_pump(&h->e[i], now);
  return progress;
}

typedef int (*pred_fn)(harness *h);
static void report(const harness *h);

/* Runs the loop until `pred` holds or `timeout_ms` of wall time passed. */
static int run_until(harness *h, pred_fn pred, int timeout_ms) {
  csctp_tstamp deadline = now_us() + (csctp_tstamp)timeout_ms * 1000u;
  csctp_tstamp next_report = h->progress ? now_us() + 1000000u : CSCTP_TSTAMP_NONE;
  for (;;) {
    int progress = step(h);
    for (int i = 0; i < 2; i++) /* when each direction's traffic was all received */
      if (!h->rx_done_at[i] && h->e[i].rx.expected && h->e[i].rx.received == h->e[i].rx.expected)
        h->rx_done_at[i] = now_us();
    if (pred(h)) return 1;
    csctp_tstamp now = now_us();
    if (now >= next_report) {
      report(h);
      next_report = now + 1000000u;
    }
    if (now >= deadline) return 0;
    if (!progress) {
      /* Sleep at most 1 ms, less when one of our timers is due sooner. */
      csctp_tstamp wake = now + 1000;
      for (int i = 0; i < 2; i++)
        if (h->e[i].kind == EP_CSCTP && csctp_assoc_expiry(h->e[i].a) < wake)
          wake = csctp_assoc_expiry(h->e[i].a);
      if (wake > now) {
        csctp_tstamp d = wake - now;
        nanosleep(&(struct timespec){0, (long)d * 1000}, NULL);
      }
    }
  }
}

/* ---------- fixtures ---------- */

static void setup_tuned(int all_features, uint32_t hb_ms) {
  memset(&H, 0, sizeof H);
  H.trace = getenv("CSCTP_INTEROP_TRACE") != NULL;
  H.progress = getenv("CSCTP_INTEROP_PROGRESS") != NULL;
  /* CSCTP_INTEROP_SEED replays another loss pattern (as far as usrsctp's timing allows). */
  const char *seed = getenv("CSCTP_INTEROP_SEED");
  uint64_t s = seed ? strtoull(seed, NULL, 0) : 0x1055;
  csctp_prng_seed(&H.loss_rng[0], s << 4 | 0xa);
  csctp_prng_seed(&H.loss_rng[1], s << 4 | 0xb);
  usrsctp_peer_tuning t = {.rto_min_ms = 100,
                           .rto_initial_ms = 300,
                           .rto_max_ms = 2000,
                           .init_rto_max_ms = 1000,
                           .delayed_sack_ms = DELAYED_SACK_MS,
                           .hb_interval_ms = hb_ms,
                           .all_features = all_features};
  H.csctp_hb_interval = hb_ms;
  usrsctp_peer_global_init(&t);
}

static void setup(void) { setup_tuned(0, 0); }
static void setup_all_features(void) { setup_tuned(1, 0); }
static void setup_fast_heartbeat(void) { setup_tuned(0, 200); }

static void teardown(void) {
  for (int i = 0; i < H.npeers; i++) usrsctp_peer_close(&H.peers[i], 1);
  /* Let usrsctp send its ABORTs while associations still exist, then finish. */
  for (int i = 0; i < 20; i++) step(&H);
  int finished = usrsctp_peer_global_finish(3000) == 0;
  for (int i = 0; i < 2; i++) {
    ep *e = &H.e[i];
    if (e->kind == EP_CSCTP) csctp_assoc_del(e->a);
    interop_rx_free(&e->rx);
    free(e->txbuf);
  }
  for (int i = 0; i < H.npeers && finished; i++) usrsctp_peer_free(&H.peers[i]);
  if (!finished) fprintf(stderr, "usrsctp_finish did not complete within 3 s\n");
}

/* ---------- predicates ---------- */

static int ep_up(const ep *e) {
  return e->kind == EP_CSCTP ? e->connected > 0 : e->up->comm_up > 0;
}
static int both_up(harness *h) { return ep_up(&h->e[0]) && ep_up(&h->e[1]); }

static int ep_traffic_done(const ep *e) {
  return e->rx.received == e->rx.expected || e->rx.bad > 0 || e->tx_error;
}
static int traffic_done(harness *h) {
  return ep_traffic_done(&h->e[0]) && ep_traffic_done(&h->e[1]);
}

static int ep_gone(const ep *e) {
  if (e->kind == EP_CSCTP) return e->closed > 0;
  return e->up->shutdown_comp > 0 || e->up->comm_lost > 0;
}
static int both_gone(harness *h) { return ep_gone(&h->e[0]) && ep_gone(&h->e[1]); }
static int csctp_gone(harness *h) { return h->e[0].closed > 0; }

/* ---------- checks ---------- */

static void report(const harness *h) {
  for (int i = 0; i < 2; i++) {
    const ep *e = &h->e[i];
    fprintf(stderr, "%s: DATA %u SACK %u (with gaps %u, with dups %u)\n", h->e[i].name,
            h->chunks[i][0], h->chunks[i][3], h->sack_gap[i], h->sack_dup[i]);
    fprintf(stderr, "%s: pkts out %llu (dropped %llu), max pkt %zu, received %u/%u, bad %u%s%s\n",
            e->name, (unsigned long long)h->pkts[i], (unsigned long long)h->dropped[i], e->max_pkt,
            e->rx.received, e->rx.expected, e->rx.bad, e->rx.failure[0] ? ": " : "", e->rx.failure);
    if (e->rx.seen && e->rx.received < e->rx.expected) {
      /* Which messages never arrived: id (stream, length, ordered or not). */
      fprintf(stderr, "  missing:");
      for (uint32_t id = 0, n = 0; id < e->rx.expected && n < 16; id++) {
        if (e->rx.seen[id]) continue;
        interop_msg d;
        interop_msg_describe(e->rx.dir, id, &d);
        fprintf(stderr, " %u (s%u %uB%s)", id, d.sid, d.len, d.unordered ? " U" : "");
        n++;
      }
      fprintf(stderr, "\n");
    }
    if (e->kind == EP_CSCTP) {
      csctp_stats st;
      csctp_assoc_get_stats(e->a, &st);
      fprintf(
          stderr,
          "  csctp state %s, retrans %llu, fast rtx %llu, t3 %llu, dup tsn %llu, drops crc %llu "
          "vtag %llu malformed %llu unexpected %llu window %llu, srtt %u ms, cwnd %u\n",
          csctp_assoc_state_name(csctp_assoc_get_state(e->a)),
          (unsigned long long)st.retransmissions, (unsigned long long)st.fast_retransmits,
          (unsigned long long)st.t3_expiries, (unsigned long long)st.duplicate_tsns,
          (unsigned long long)st.drop_bad_crc, (unsigned long long)st.drop_bad_vtag,
          (unsigned long long)st.drop_malformed, (unsigned long long)st.drop_unexpected,
          (unsigned long long)st.drop_out_of_window, st.srtt_ms, st.cwnd);
      fprintf(stderr, "  rwnd local %u peer %u, outstanding %u, buffered %zu, rto %u ms\n",
              st.local_rwnd, st.peer_rwnd, st.bytes_outstanding, st.bytes_buffered, st.rto_ms);
    } else {
      usrsctp_peer *p = e->up;
      fprintf(
          stderr,
          "  usrsctp comm_up %d lost %d (error %u) restart %d shutdown_event %d comp %d "
          "cant_start %d eof %d remote_errors %d (last %u) send_failed %d partial reads %llu %s\n",
          p->comm_up, p->comm_lost, p->lost_error, p->restart, p->shutdown_event, p->shutdown_comp,
          p->cant_start, p->eof, p->remote_errors, p->last_remote_error, p->send_failed,
          (unsigned long long)p->partial_reads, p->failure);
      int state;
      uint32_t rwnd;
      uint16_t unacked, pending;
      if (usrsctp_peer_status(p, &state, &rwnd, &unacked, &pending) == 0)
        fprintf(stderr, "  usrsctp state %d, peer rwnd %u, unacked %u, pending %u, sent %u/%u\n",
                state, rwnd, unacked, pending, e->tx_next, e->tx_total);
    }
  }
}

static void check_traffic(const harness *h) {
  for (int i = 0; i < 2; i++) {
    const ep *e = &h->e[i];
    cr_expect_eq(e->tx_error, 0, "%s: send failed", e->name);
    cr_expect_eq(e->rx.bad, 0, "%s: %s", e->name, e->rx.failure);
    cr_expect_eq(e->rx.received, e->rx.expected, "%s: received %u of %u", e->name, e->rx.received,
                 e->rx.expected);
    cr_expect_leq(e->max_pkt, MTU, "%s: packet of %zu bytes over MTU %d", e->name, e->max_pkt, MTU);
    /* Nothing here should make either side complain (ERROR is chunk type 9). */
    cr_expect_eq(h->chunks[i][9], 0, "%s sent %u ERROR chunks", e->name, h->chunks[i][9]);
    if (e->kind == EP_CSCTP) {
      csctp_stats st;
      csctp_assoc_get_stats(e->a, &st);
      cr_expect_eq(e->peer_errors, 0);
      cr_expect_eq(st.drop_bad_crc + st.drop_malformed + st.drop_bad_port, 0,
                   "csctp dropped packets from usrsctp as bad");
    } else {
      cr_expect_eq(e->up->remote_errors, 0, "usrsctp got ERROR cause %u", e->up->last_remote_error);
      cr_expect_eq(e->up->send_failed, 0);
    }
  }
}

/* Handshake checks between our engine (c) and usrsctp (u). */
static void check_established(const ep *c, const ep *u) {
  cr_expect_eq(c->connected, 1, "csctp CONNECTED events: %d", c->connected);
  cr_expect_eq(u->up->comm_up, 1, "usrsctp COMM_UP: %d", u->up->comm_up);
  cr_expect_eq(c->restarted, 0);
  cr_expect_eq(u->up->restart, 0);
  /* Ours: OS 65535 / MIS 65535; usrsctp: OS 300 / MIS 400 (RFC 9260 §5.1.1: the minimum). */
  cr_expect_eq(c->out_streams, US_MISTREAMS, "csctp outbound %u", c->out_streams);
  cr_expect_eq(c->in_streams, US_OSTREAMS, "csctp inbound %u", c->in_streams);
  cr_expect_eq(u->up->out_streams, US_OSTREAMS, "usrsctp outbound %u", u->up->out_streams);
  cr_expect_eq(u->up->in_streams, US_MISTREAMS, "usrsctp inbound %u", u->up->in_streams);
  cr_expect_eq(csctp_assoc_get_state(c->a), CSCTP_STATE_ESTABLISHED);
}

static void open_pair(harness *h, int usrsctp_passive) {
  ep_csctp(&h->e[0], "csctp", 0xc5c7);
  ep_usrsctp(&h->e[1], "usrsctp", usrsctp_passive);
}

static void handshake_csctp_first(harness *h) {
  open_pair(h, 1);
  cr_assert_eq(csctp_assoc_connect(h->e[0].a, now_us()), 0);
  int ok = run_until(h, both_up, 10000);
  if (!ok) report(h);
  cr_assert(ok, "handshake did not complete in 10 s");
  check_established(&h->e[0], &h->e[1]);
}

/* ---------- the harness itself: two usrsctp sockets through the same queues ---------- */

Test(usrsctp, sanity_usrsctp_to_usrsctp, .init = setup, .fini = teardown, .timeout = 120) {
  harness *h = &H;
  /* CSCTP_INTEROP_LOSS applies here too: a usrsctp-only baseline for the loss test. */
  const char *loss = getenv("CSCTP_INTEROP_LOSS");
  h->loss = loss ? atof(loss) : 0;
  ep_usrsctp(&h->e[0], "usrsctp-a", 0);
  ep_usrsctp(&h->e[1], "usrsctp-b", 1);
  cr_assert_eq(usrsctp_peer_connect(h->e[0].up), 0, "%s", h->e[0].up->failure);
  int ok = run_until(h, both_up, 10000);
  if (!ok) report(h);
  cr_assert(ok, "usrsctp handshake with itself did not complete");
  cr_expect_eq(h->e[0].up->out_streams, US_OSTREAMS);
  cr_expect_eq(h->e[0].up->in_streams, US_OSTREAMS);
  traffic_start(h, 2 * INTEROP_NSIZES, 2 * INTEROP_NSIZES);
  ok = run_until(h, traffic_done, 90000);
  report(h);
  report_times(h, "usrsctp<->usrsctp");
  cr_assert(ok, "traffic did not complete in 90 s");
  check_traffic(h);
  cr_assert_eq(usrsctp_peer_shutdown(h->e[0].up), 0);
  ok = run_until(h, both_gone, 10000);
  report(h);
  cr_assert(ok, "shutdown did not complete");
  cr_expect(h->e[1].up->shutdown_event > 0);
}

/* ---------- handshakes ---------- */

Test(usrsctp, handshake_csctp_initiates, .init = setup, .fini = teardown, .timeout = 60) {
  handshake_csctp_first(&H);
}

Test(usrsctp, handshake_usrsctp_initiates, .init = setup, .fini = teardown, .timeout = 60) {
  harness *h = &H;
  open_pair(h, 0);
  cr_assert_eq(usrsctp_peer_connect(h->e[1].up), 0, "%s", h->e[1].up->failure);
  int ok = run_until(h, both_up, 10000);
  if (!ok) report(h);
  cr_assert(ok, "handshake did not complete in 10 s");
  check_established(&h->e[0], &h->e[1]);
}

/* Both call connect before any packet moves: INIT collision (RFC 9260 §5.2.1), as WebRTC does. */
Test(usrsctp, handshake_simultaneous, .init = setup, .fini = teardown, .timeout = 60) {
  harness *h = &H;
  open_pair(h, 0);
  cr_assert_eq(csctp_assoc_connect(h->e[0].a, now_us()), 0);
  cr_assert_eq(usrsctp_peer_connect(h->e[1].up), 0, "%s", h->e[1].up->failure);
  int ok = run_until(h, both_up, 10000);
  if (!ok) report(h);
  cr_assert(ok, "handshake did not complete in 10 s");
  check_established(&h->e[0], &h->e[1]);
  /* Both sides must agree on one association: data flows after it. */
  traffic_start(h, 8, 8);
  ok = run_until(h, traffic_done, 10000);
  report(h);
  cr_assert(ok);
  check_traffic(h);
}

/* usrsctp's defaults put AUTH, ASCONF and ECN parameters in INIT / INIT ACK: skipped by us. */
Test(usrsctp, handshake_with_usrsctp_extensions, .init = setup_all_features, .fini = teardown,
     .timeout = 60) {
  harness *h = &H;
  handshake_csctp_first(h);
  traffic_start(h, 8, 8);
  int ok = run_until(h, traffic_done, 10000);
  report(h);
  cr_assert(ok);
  check_traffic(h);
}

Test(usrsctp, handshake_usrsctp_initiates_with_extensions, .init = setup_all_features,
     .fini = teardown, .timeout = 60) {
  harness *h = &H;
  open_pair(h, 0);
  cr_assert_eq(usrsctp_peer_connect(h->e[1].up), 0, "%s", h->e[1].up->failure);
  int ok = run_until(h, both_up, 10000);
  if (!ok) report(h);
  cr_assert(ok, "handshake did not complete in 10 s");
  check_established(&h->e[0], &h->e[1]);
}

/* ---------- data ---------- */

static void transfer_then_shutdown(harness *h, uint32_t count, int timeout_ms) {
  handshake_csctp_first(h);
  traffic_start(h, count, count);
  int ok = run_until(h, traffic_done, timeout_ms);
  report(h);
  report_times(h, "csctp<->usrsctp");
  cr_assert(ok, "traffic did not complete in %d ms", timeout_ms);
  check_traffic(h);
  cr_assert_eq(csctp_assoc_shutdown(h->e[0].a, now_us()), 0);
  ok = run_until(h, both_gone, 15000);
  report(h);
  cr_assert(ok, "shutdown did not complete");
  cr_expect_eq(h->e[0].reason, CSCTP_CLOSE_SHUTDOWN);
  cr_expect_eq(h->e[1].up->shutdown_comp, 1);
}

/* Every size twice per direction (~2.3 MB each way), 8 streams, ordered and unordered. */
Test(usrsctp, messages_both_ways, .init = setup, .fini = teardown, .timeout = 60) {
  transfer_then_shutdown(&H, 2 * INTEROP_NSIZES, 40000);
}

Test(usrsctp, messages_both_ways_5pct_loss, .init = setup, .fini = teardown, .timeout = 120) {
  const char *loss = getenv("CSCTP_INTEROP_LOSS"); /* e.g. 0.2 for a harder run */
  H.loss = loss ? atof(loss) : 0.05;
  transfer_then_shutdown(&H, 2 * INTEROP_NSIZES, 90000);
  cr_expect_gt(H.dropped[0] + H.dropped[1], 0);
}

/* ---------- shutdown and abort ---------- */

/* Data queued just before SHUTDOWN is still delivered (RFC 9260 §9.2). */
Test(usrsctp, shutdown_by_csctp, .init = setup, .fini = teardown, .timeout = 60) {
  harness *h = &H;
  handshake_csctp_first(h);
  traffic_start(h, 6, 0);
  cr_assert(ep_pump(&h->e[0], now_us()));
  cr_assert_eq(h->e[0].tx_next, 6);
  cr_assert_eq(csctp_assoc_shutdown(h->e[0].a, now_us()), 0);
  int ok = run_until(h, both_gone, 15000);
  report(h);
  cr_assert(ok, "shutdown did not complete");
  check_traffic(h);
  cr_expect_eq(h->e[0].closed, 1);
  cr_expect_eq(h->e[0].reason, CSCTP_CLOSE_SHUTDOWN);
  cr_expect_eq(h->e[1].up->shutdown_event, 1, "usrsctp saw no SHUTDOWN event");
  cr_expect_eq(h->e[1].up->shutdown_comp, 1, "usrsctp saw no SHUTDOWN_COMP");
  cr_expect_eq(h->e[1].up->comm_lost, 0);
  cr_expect_eq(csctp_assoc_get_state(h->e[0].a), CSCTP_STATE_CLOSED);
}

Test(usrsctp, shutdown_by_usrsctp, .init = setup, .fini = teardown, .timeout = 60) {
  harness *h = &H;
  handshake_csctp_first(h);
  traffic_start(h, 0, 6);
  cr_assert(ep_pump(&h->e[1], now_us()));
  cr_assert_eq(h->e[1].tx_next, 6);
  cr_assert_eq(usrsctp_peer_shutdown(h->e[1].up), 0);
  int ok = run_until(h, both_gone, 15000);
  report(h);
  cr_assert(ok, "shutdown did not complete");
  check_traffic(h);
  cr_expect_eq(h->e[0].got_shutdown, 1, "csctp saw no SHUTDOWN event");
  cr_expect(h->e[0].shutdown_then_closed, "CLOSED came before SHUTDOWN");
  cr_expect_eq(h->e[0].closed, 1);
  cr_expect_eq(h->e[0].reason, CSCTP_CLOSE_SHUTDOWN);
  cr_expect_eq(h->e[1].up->shutdown_comp, 1, "usrsctp saw no SHUTDOWN_COMP");
  cr_expect_eq(csctp_assoc_get_state(h->e[0].a), CSCTP_STATE_CLOSED);
}

/* usrsctp reports the first cause of the ABORT in sac_error: User-Initiated Abort (12). */
Test(usrsctp, abort_by_csctp, .init = setup, .fini = teardown, .timeout = 60) {
  harness *h = &H;
  handshake_csctp_first(h);
  cr_assert_eq(csctp_assoc_abort(h->e[0].a, "test over", now_us()), 0);
  int ok = run_until(h, both_gone, 10000);
  report(h);
  cr_assert(ok, "usrsctp did not see the association end");
  cr_expect_eq(h->e[1].up->comm_lost, 1, "usrsctp saw no COMM_LOST");
  cr_expect_eq(h->e[1].up->lost_error, 12, "usrsctp sac_error %u", h->e[1].up->lost_error);
  cr_expect_eq(h->e[0].closed, 1);
  cr_expect_eq(h->e[0].reason, CSCTP_CLOSE_LOCAL_ABORT);
}

Test(usrsctp, abort_by_usrsctp, .init = setup, .fini = teardown, .timeout = 60) {
  harness *h = &H;
  handshake_csctp_first(h);
  usrsctp_peer_close(h->e[1].up, 1);
  /* The closed usrsctp socket reports nothing more: only our side is checked. */
  int ok = run_until(h, csctp_gone, 10000);
  report(h);
  cr_assert(ok, "csctp did not close after usrsctp's ABORT");
  cr_expect_eq(h->e[0].closed, 1);
  cr_expect_eq(h->e[0].reason, CSCTP_CLOSE_PEER_ABORT, "reason %d", h->e[0].reason);
  fprintf(stderr, "usrsctp ABORT: csctp reports cause %u\n", h->e[0].close_cause);
  cr_expect_eq(csctp_assoc_get_state(h->e[0].a), CSCTP_STATE_CLOSED);
}

/* ---------- more cases ---------- */

/* Messages given to our engine before the handshake wait for it. */
Test(usrsctp, send_before_established, .init = setup, .fini = teardown, .timeout = 60) {
  harness *h = &H;
  open_pair(h, 1);
  traffic_start(h, 8, 0);
  cr_assert(ep_pump(&h->e[0], now_us()));
  cr_assert_eq(h->e[0].tx_next, 8);
  cr_assert_eq(csctp_assoc_connect(h->e[0].a, now_us()), 0);
  int ok = run_until(h, traffic_done, 10000);
  report(h);
  cr_assert(ok);
  check_established(&h->e[0], &h->e[1]);
  check_traffic(h);
}

static void stall_receiver(harness *h, int reader) {
  handshake_csctp_first(h);
  traffic_start(h, reader == 1 ? 2 * INTEROP_NSIZES : 0, reader == 0 ? 2 * INTEROP_NSIZES : 0);
  h->e[reader].paused = 1;
  /* 1.5 s without reading: the sender fills the window and must probe it (§6.1). */
  csctp_tstamp until = now_us() + 1500 * 1000;
  while (now_us() < until)
    if (!step(h)) nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
  h->e[reader].paused = 0;
  int ok = run_until(h, traffic_done, 30000);
  report(h);
  cr_assert(ok, "traffic did not complete after the reader resumed");
  check_traffic(h);
}

Test(usrsctp, usrsctp_reader_stalls, .init = setup, .fini = teardown, .timeout = 60) {
  stall_receiver(&H, 1);
}

Test(usrsctp, csctp_reader_stalls, .init = setup, .fini = teardown, .timeout = 60) {
  stall_receiver(&H, 0);
}

/* Idle for 2 s with 200 ms heartbeats on both sides: each answers the other's. */
Test(usrsctp, heartbeats_on_idle_path, .init = setup_fast_heartbeat, .fini = teardown,
     .timeout = 60) {
  harness *h = &H;
  handshake_csctp_first(h);
  csctp_tstamp until = now_us() + 2000 * 1000;
  while (now_us() < until)
    if (!step(h)) nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
  report(h);
  fprintf(stderr, "HEARTBEAT csctp %u usrsctp %u, HEARTBEAT ACK csctp %u usrsctp %u\n",
          h->chunks[0][4], h->chunks[1][4], h->chunks[0][5], h->chunks[1][5]);
  cr_expect_gt(h->chunks[0][4], 0, "csctp sent no HEARTBEAT");
  cr_expect_gt(h->chunks[1][4], 0, "usrsctp sent no HEARTBEAT");
  cr_expect_geq(h->chunks[0][5] + 1, h->chunks[1][4], "csctp left HEARTBEATs unanswered");
  cr_expect_geq(h->chunks[1][5] + 1, h->chunks[0][4], "usrsctp left HEARTBEATs unanswered");
  cr_expect_eq(h->e[1].up->comm_lost, 0);
  cr_expect_eq(h->e[0].closed, 0);
  cr_expect_eq(csctp_assoc_get_state(h->e[0].a), CSCTP_STATE_ESTABLISHED);
}

/* usrsctp vanishes (its ABORT is lost) and comes back on the same ports: a peer restart
 * (RFC 9260 §5.2.4, case A of the COOKIE ECHO table in §5.2.4). */
Test(usrsctp, peer_restart, .init = setup, .fini = teardown, .timeout = 60) {
  harness *h = &H;
  handshake_csctp_first(h);
  h->mute[1] = 1;
  usrsctp_peer_close(h->e[1].up, 1);
  for (int i = 0; i < 50; i++) step(h);
  h->mute[1] = 0;
  ep_usrsctp(&h->e[1], "usrsctp-2", 0);
  cr_assert_eq(usrsctp_peer_connect(h->e[1].up), 0, "%s", h->e[1].up->failure);
  int ok = run_until(h, both_up, 10000);
  report(h);
  cr_assert(ok, "the restarted usrsctp did not come up");
  cr_expect_eq(h->e[0].restarted, 1, "csctp RESTARTED events: %d", h->e[0].restarted);
  cr_expect_eq(h->e[0].closed, 0);
  traffic_start(h, 8, 8);
  ok = run_until(h, traffic_done, 10000);
  report(h);
  cr_assert(ok, "no traffic after the restart");
  check_traffic(h);
}

/* INIT to a port nobody listens on: usrsctp answers ABORT (§8.4 item 3), we close at once. */
Test(usrsctp, connect_to_closed_port, .init = setup, .fini = teardown, .timeout = 60) {
  harness *h = &H;
  ep_csctp(&h->e[0], "csctp", 0xc5c7);
  ep_usrsctp_port(&h->e[1], "usrsctp:5001", 1, PORT + 1);
  cr_assert_eq(csctp_assoc_connect(h->e[0].a, now_us()), 0);
  int ok = run_until(h, csctp_gone, 3000);
  report(h);
  cr_expect_gt(h->chunks[1][6], 0, "usrsctp sent no ABORT");
  cr_assert(ok, "csctp did not close after the ABORT");
  cr_expect_eq(h->e[0].reason, CSCTP_CLOSE_PEER_ABORT, "reason %d", h->e[0].reason);
}
