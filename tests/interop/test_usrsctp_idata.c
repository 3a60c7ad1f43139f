/* SPDX-License-Identifier: MIT */
/*
 * Message interleaving (RFC 8260) against usrsctp (Debian's, AF_CONN, in memory): our
 * engine on one side, a usrsctp socket with SCTP_FRAGMENT_INTERLEAVE 2 and
 * SCTP_INTERLEAVING_SUPPORTED on the other, on real time with seeded loss.
 *
 * Each direction sends 22 messages: 1 MiB on stream 1 (ids 0 and 11) and 100-106 bytes
 * on stream 2 (the others), the id in the PPID, content derived from (direction, id).
 *
 * - usrsctp interleaving on, csctp off: usrsctp lists I-DATA (0x40) and I-FORWARD-TSN
 *   (0xC2) in its INIT / INIT ACK, both end with DATA, the messages arrive both ways.
 * - both on: interleaving is negotiated (csctp_stats.interleaving == 1); the transfers,
 *   PR-SCTP abandonment and stream reset then need csctp's I-DATA send and receive
 *   paths: while csctp still writes DATA on an interleaved association (the first
 *   user-data chunk it writes is not type 64; that probe packet is dropped before
 *   usrsctp sees it) those tests say "skipped: I-DATA path not in this build".
 * CSCTP_INTEROP_TRACE=1 prints every packet (usrsctp_dumppacket), CSCTP_INTEROP_SEED=N
 * replays another loss pattern.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <csctp/sctp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <usrsctp.h>

#include "prng.h"
#include "usrsctp_peer.h"

#define PORT 5000
#define MTU 1200
#define BIG (1024u * 1024u)
#define NMSG 22
#define CH_DATA 0
#define CH_INIT 1
#define CH_INIT_ACK 2
#define CH_IDATA 64
#define CH_FWD 192
#define CH_IFWD 194
#define PARAM_SUPPORTED_EXT 0x8008

typedef struct ix {
  csctp_assoc *a;
  csctp_prng rng, loss_rng[2];
  usrsctp_peer up;
  int up_open, trace;
  /* the harness self-test: side 0 is a second usrsctp socket instead of csctp */
  int us0, up0_open;
  usrsctp_peer up0;
  double loss;
  uint64_t pkts[2], dropped[2];
  uint32_t chunks[2][256];
  int first_data[2];       /* type of the first user-data chunk written by each side, -1 */
  int big_open[2];         /* a stream-1 message begun (B) and not ended (E) on the wire */
  uint32_t interleaved[2]; /* stream-2 chunks written while a stream-1 message was open */
  int init_type[2];        /* INIT or INIT ACK seen from each side, 0 if none */
  uint8_t listed[2][256];  /* chunk types in that chunk's Supported Extensions */
  int hold0;               /* drop csctp's user data before usrsctp sees it (the probe) */
  int connected, closed, rs_in, rs_out;
  uint32_t rs_result;
  /* traffic: side i sends direction i, side 1 - i checks it */
  int unordered;
  uint32_t us_ss; /* usrsctp's scheduler (SCTP_SS_*), 0: its default */
  uint32_t total[2], next[2], ready[2];
  int pr_id[2]; /* the id sent with a PR-SCTP policy, -1 none */
  uint8_t *txbuf[2];
  uint32_t got[2];
  uint8_t seen[2][NMSG];
  int64_t last[2][3];
  int pr_delivered[2];
  char failure[256];
  uint8_t pkt[2048];
} ix;

static ix h;

static csctp_tstamp now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (csctp_tstamp)ts.tv_sec * 1000000u + (csctp_tstamp)ts.tv_nsec / 1000u;
}

static void ix_fail(const char *fmt, uint32_t a, uint32_t b, uint32_t c) {
  if (!h.failure[0]) snprintf(h.failure, sizeof h.failure, fmt, a, b, c);
}

/* ---------- messages ---------- */

static uint16_t msg_sid(uint32_t id) { return id % 11 == 0 ? 1 : 2; }
static size_t msg_len(uint32_t id) { return msg_sid(id) == 1 ? BIG : 100 + id % 7; }

static uint32_t msg_word(int dir, uint32_t id, uint32_t k) {
  uint32_t v = ((uint32_t)dir << 24 | id) * 0x9e3779b9u ^ k * 0x85ebca6bu;
  return v ^ v >> 15;
}

static void msg_fill(uint8_t *b, int dir, uint32_t id) {
  size_t len = msg_len(id);
  for (size_t i = 0; i < len; i += 4) {
    uint32_t w = msg_word(dir, id, (uint32_t)(i / 4));
    memcpy(b + i, &w, len - i < 4 ? len - i : 4);
  }
}

/* A message of direction `dir` arrived: once, intact, on its stream, in order when ordered. */
static void msg_check(int dir, uint16_t sid, uint32_t id, int unordered, const uint8_t *d,
                      size_t len) {
  if (id >= NMSG || h.seen[dir][id]) {
    ix_fail("dir %u: id %u unknown or twice (sid %u)", (uint32_t)dir, id, sid);
    return;
  }
  h.seen[dir][id] = 1;
  if (sid != msg_sid(id) || len != msg_len(id) || unordered != h.unordered) {
    ix_fail("dir %u: id %u: wrong stream, length or U flag (%u bytes)", (uint32_t)dir, id,
            (uint32_t)len);
    return;
  }
  for (size_t i = 0; i < len; i += 4) {
    uint32_t w = msg_word(dir, id, (uint32_t)(i / 4));
    if (memcmp(d + i, &w, len - i < 4 ? len - i : 4) != 0) {
      ix_fail("dir %u: id %u corrupt at %u", (uint32_t)dir, id, (uint32_t)i);
      return;
    }
  }
  if (!unordered) {
    if ((int64_t)id < h.last[dir][sid]) ix_fail("dir %u: id %u out of order on %u", dir, id, sid);
    h.last[dir][sid] = id;
  }
  if ((int)id == h.pr_id[dir])
    h.pr_delivered[dir] = 1;
  else
    h.got[dir]++;
}

/* ---------- the wire ---------- */

static void inspect(int from, const uint8_t *pkt, size_t len) {
  for (size_t off = 12; off + 4 <= len;) {
    uint8_t type = pkt[off];
    size_t clen = (size_t)pkt[off + 2] << 8 | pkt[off + 3];
    if (clen < 4 || off + clen > len) break;
    h.chunks[from][type]++;
    if ((type == CH_DATA || type == CH_IDATA) && h.first_data[from] < 0) h.first_data[from] = type;
    if ((type == CH_DATA || type == CH_IDATA) && clen >= 12) {
      uint16_t sid = (uint16_t)(pkt[off + 8] << 8 | pkt[off + 9]);
      uint8_t fl = pkt[off + 1]; /* B 0x02, E 0x01 (RFC 9260 §3.3.1, RFC 8260 §2.1) */
      if (sid == 1 && (fl & 0x02)) h.big_open[from] = 1;
      if (sid == 1 && (fl & 0x01)) h.big_open[from] = 0;
      if (sid == 2 && h.big_open[from]) h.interleaved[from]++;
    }
    if ((type == CH_INIT || type == CH_INIT_ACK) && clen >= 20) {
      h.init_type[from] = type;
      for (size_t q = off + 20; q + 4 <= off + clen;) {
        size_t pt = (size_t)pkt[q] << 8 | pkt[q + 1], pl = (size_t)pkt[q + 2] << 8 | pkt[q + 3];
        if (pl < 4 || q + pl > off + clen) break;
        if (pt == PARAM_SUPPORTED_EXT)
          for (size_t i = 4; i < pl; i++) h.listed[from][pkt[q + i]] = 1;
        q += (pl + 3) & ~(size_t)3;
      }
    }
    off += (clen + 3) & ~(size_t)3;
  }
}

static int has_user_data(const uint8_t *pkt, size_t len) {
  for (size_t off = 12; off + 4 <= len;) {
    size_t clen = (size_t)pkt[off + 2] << 8 | pkt[off + 3];
    if (pkt[off] == CH_DATA || pkt[off] == CH_IDATA) return 1;
    if (clen < 4) break;
    off += (clen + 3) & ~(size_t)3;
  }
  return 0;
}

static void on_event(const csctp_event *ev) {
  switch (ev->type) {
  case CSCTP_EVENT_CONNECTED: h.connected++; break;
  case CSCTP_EVENT_CLOSED: h.closed++; break;
  case CSCTP_EVENT_MESSAGE:
    cr_assert_eq(ev->u.message.flags, 0, "csctp handed out a piece");
    msg_check(1, ev->u.message.stream, ev->u.message.ppid, ev->u.message.unordered,
              ev->u.message.data, ev->u.message.len);
    break;
  case CSCTP_EVENT_STREAMS_RESET:
    if (ev->u.streams_reset.incoming) {
      h.rs_in++;
    } else {
      h.rs_out++;
      h.rs_result = ev->u.streams_reset.result;
    }
    break;
  default: break;
  }
}

static void pump(csctp_tstamp now) {
  for (int i = 0; i < 2; i++) {
    while (h.next[i] < h.total[i]) {
      uint32_t id = h.next[i];
      if (h.ready[i] != id + 1) {
        msg_fill(h.txbuf[i], i, id);
        h.ready[i] = id + 1;
      }
      int pr = (int)id == h.pr_id[i], r;
      if (i == 0 && !h.us0) {
        csctp_send_opts o = {.stream = msg_sid(id),
                             .ppid = id,
                             .unordered = h.unordered,
                             .pr_policy = pr ? CSCTP_PR_RTX : CSCTP_PR_NONE};
        r = csctp_assoc_send(h.a, &o, h.txbuf[0], msg_len(id), now);
        if (r == CSCTP_ERR_WOULD_BLOCK) break;
        cr_assert_eq(r, 0, "csctp send of %u: %s", id, csctp_strerror(r));
      } else {
        usrsctp_peer *u = i == 0 ? &h.up0 : &h.up;
        r = usrsctp_peer_send_pr(u, msg_sid(id), id, h.unordered,
                                 pr ? SCTP_PR_SCTP_RTX : SCTP_PR_SCTP_NONE, 0, h.txbuf[i],
                                 msg_len(id));
        if (r == -EWOULDBLOCK) break;
        cr_assert_eq(r, 0, "usrsctp send of %u: %d %s", id, r, u->failure);
      }
      h.next[i]++;
    }
  }
}

static int step(void) {
  int moved = 0;
  csctp_tstamp now = now_us();
  for (int from = 0; from < 2; from++) {
    for (int n = 0; n < 256; n++) {
      size_t len = 0;
      if (from == 0 && !h.us0) {
        csctp_ssize r = csctp_assoc_write_packet(h.a, h.pkt, sizeof h.pkt, now);
        cr_assert_geq(r, 0, "write_packet: %s", csctp_strerror((int)r));
        len = (size_t)r;
      } else {
        usrsctp_peer_pkt *k = usrsctp_peer_pop(from == 0 ? &h.up0 : &h.up);
        if (k) {
          cr_assert_leq(k->len, sizeof h.pkt);
          memcpy(h.pkt, k->data, k->len);
          len = k->len;
          free(k);
        }
      }
      if (!len) break;
      moved = 1;
      h.pkts[from]++;
      inspect(from, h.pkt, len);
      int drop = h.loss > 0 && csctp_prng_chance(&h.loss_rng[from], h.loss);
      if (from == 0 && h.hold0 && has_user_data(h.pkt, len)) drop = 1;
      if (h.trace) {
        char *s =
            usrsctp_dumppacket(h.pkt, len, from == 0 ? SCTP_DUMP_OUTBOUND : SCTP_DUMP_INBOUND);
        fprintf(stderr, "# %s%s\n%s", from == 0 ? "csctp -> usrsctp" : "usrsctp -> csctp",
                drop ? " (dropped)" : "", s ? s : "");
        if (s) usrsctp_freedumpbuffer(s);
      }
      if (drop)
        h.dropped[from]++;
      else if (from == 1 && h.us0 && h.up0_open)
        usrsctp_peer_input(&h.up0, h.pkt, len);
      else if (from == 1 && !h.us0)
        cr_assert_eq(csctp_assoc_read_packet(h.a, h.pkt, len, now), 0);
      else if (h.up_open)
        usrsctp_peer_input(&h.up, h.pkt, len);
    }
  }
  if (h.a) {
    if (csctp_assoc_expiry(h.a) <= now) cr_assert_eq(csctp_assoc_handle_expiry(h.a, now), 0);
    csctp_event ev;
    while (csctp_assoc_poll_event(h.a, &ev)) on_event(&ev);
  }
  if (h.up0_open) {
    usrsctp_peer_msg m;
    int r;
    while ((r = usrsctp_peer_recv(&h.up0, &m)) > 0)
      msg_check(1, m.sid, m.ppid, m.unordered, m.data, m.len);
    cr_assert_geq(r, 0, "%s", h.up0.failure);
  }
  if (h.up_open) {
    usrsctp_peer_msg m;
    int r;
    while ((r = usrsctp_peer_recv(&h.up, &m)) > 0)
      msg_check(0, m.sid, m.ppid, m.unordered, m.data, m.len);
    cr_assert_geq(r, 0, "%s", h.up.failure);
  }
  pump(now);
  return moved;
}

typedef int (*pred_fn)(void);

static int run_until(pred_fn pred, int timeout_ms) {
  csctp_tstamp deadline = now_us() + (csctp_tstamp)timeout_ms * 1000u;
  for (;;) {
    int moved = step();
    if (pred() || h.failure[0]) return pred();
    csctp_tstamp now = now_us();
    if (now >= deadline) return 0;
    if (!moved) {
      csctp_tstamp wake = now + 1000, e = h.a ? csctp_assoc_expiry(h.a) : wake;
      if (e < wake) wake = e;
      if (wake > now) nanosleep(&(struct timespec){0, (long)(wake - now) * 1000}, NULL);
    }
  }
}

/* ---------- fixtures ---------- */

static void setup(void) {
  memset(&h, 0, sizeof h);
  h.trace = getenv("CSCTP_INTEROP_TRACE") != NULL;
  const char *seed = getenv("CSCTP_INTEROP_SEED");
  uint64_t s = seed ? strtoull(seed, NULL, 0) : 0x1da7a;
  csctp_prng_seed(&h.loss_rng[0], s << 4 | 0xa);
  csctp_prng_seed(&h.loss_rng[1], s << 4 | 0xb);
  h.first_data[0] = h.first_data[1] = -1;
  h.pr_id[0] = h.pr_id[1] = -1;
  for (int d = 0; d < 2; d++)
    for (int k = 0; k < 3; k++) h.last[d][k] = -1;
  usrsctp_peer_tuning t = {.rto_min_ms = 100,
                           .rto_initial_ms = 300,
                           .rto_max_ms = 2000,
                           .init_rto_max_ms = 1000,
                           .delayed_sack_ms = 20};
  usrsctp_peer_global_init(&t);
  usrsctp_sysctl_set_sctp_pr_enable(1);
  usrsctp_sysctl_set_sctp_reconfig_enable(1);
  for (int i = 0; i < 2; i++) {
    h.txbuf[i] = malloc(BIG);
    cr_assert_not_null(h.txbuf[i]);
  }
}

static void teardown(void) {
  if (h.up_open) usrsctp_peer_close(&h.up, 1);
  if (h.up0_open) usrsctp_peer_close(&h.up0, 1);
  h.loss = 0;
  if (h.a || h.us0)
    for (int i = 0; i < 20; i++) step();
  int finished = usrsctp_peer_global_finish(3000) == 0;
  csctp_assoc_del(h.a);
  for (int i = 0; i < 2; i++) free(h.txbuf[i]);
  if (h.up_open && finished) usrsctp_peer_free(&h.up);
  if (h.up0_open && finished) usrsctp_peer_free(&h.up0);
  if (!finished) fprintf(stderr, "usrsctp_finish did not complete within 3 s\n");
}

TestSuite(usrsctp_idata, .init = setup, .fini = teardown, .timeout = 120);

static int both_up(void) { return h.connected > 0 && h.up.comm_up > 0; }

/* csctp (interleaving `ours`) and usrsctp (interleaving `theirs`); usrsctp listens
 * (its INIT ACK is inspected) or connects (its INIT). */
static void establish(int ours, int theirs, int usrsctp_connects) {
  csctp_prng_seed(&h.rng, 0x1da7a);
  csctp_config c;
  csctp_config_default(&c);
  c.local_port = c.remote_port = PORT;
  c.mtu = MTU;
  c.rto_initial = 300;
  c.rto_min = 100;
  c.rto_max = 2000;
  c.max_message_size = BIG;
  c.rwnd = 2 * BIG;
  c.sndbuf = 4 * BIG;
  c.interleaving = ours;
  c.rand = csctp_prng_rand_fn;
  c.rand_user_data = &h.rng;
  cr_assert_eq(csctp_assoc_new(&h.a, &c), 0);
  usrsctp_peer_opts o = {.port = PORT,
                         .remote_port = PORT,
                         .ostreams = 16,
                         .max_instreams = 16,
                         .mtu = MTU,
                         .passive = !usrsctp_connects,
                         .stream_reset = 1,
                         .interleaving = theirs,
                         .set_ss = h.us_ss != 0,
                         .ss = h.us_ss,
                         .sndbuf = 4 * BIG,
                         .rcvbuf = 4 * BIG};
  int rc = usrsctp_peer_open(&h.up, "usrsctp", &o);
  h.up_open = 1;
  cr_assert_eq(rc, 0, "%s", h.up.failure);
  if (usrsctp_connects)
    cr_assert_eq(usrsctp_peer_connect(&h.up), 0, "%s", h.up.failure);
  else
    cr_assert_eq(csctp_assoc_connect(h.a, now_us()), 0);
  cr_assert(run_until(both_up, 10000), "handshake did not complete in 10 s");
  if (h.us_ss == SCTP_SS_PRIORITY) { /* stream 2 first (lower value), then stream 1 */
    cr_assert_eq(usrsctp_peer_set_stream_value(&h.up, 2, 1), 0);
    cr_assert_eq(usrsctp_peer_set_stream_value(&h.up, 1, 2), 0);
  }
  int want = usrsctp_connects ? CH_INIT : CH_INIT_ACK;
  cr_assert_eq(h.init_type[1], want, "no %s from usrsctp seen",
               usrsctp_connects ? "INIT" : "INIT ACK");
  fprintf(stderr, "usrsctp %s Supported Extensions:", usrsctp_connects ? "INIT" : "INIT ACK");
  for (int t = 0; t < 256; t++)
    if (h.listed[1][t]) fprintf(stderr, " 0x%02x", t);
  fprintf(stderr, "\n");
}

static int interleaving_negotiated(void) {
  csctp_stats st;
  cr_assert_eq(csctp_assoc_get_stats(h.a, &st), 0);
  return st.interleaving;
}

static int all_arrived(void) {
  uint32_t want0 = h.total[0] - (h.pr_id[0] >= 0), want1 = h.total[1] - (h.pr_id[1] >= 0);
  return h.got[0] == want0 && h.got[1] == want1;
}

static int first_data_seen(void) { return h.first_data[0] >= 0; }

/* With interleaving negotiated, csctp must write I-DATA: its first user-data packet is
 * held back from usrsctp (a DATA chunk would make usrsctp abort) and its type decides. */
static void probe_or_skip(void) {
  h.hold0 = 1;
  h.total[0] = 1;
  cr_assert(run_until(first_data_seen, 5000), "csctp wrote no user data in 5 s");
  h.hold0 = 0;
  if (h.first_data[0] != CH_IDATA)
    cr_skip_test(
        "skipped: I-DATA path not in this build (interleaving negotiated, csctp's first "
        "user-data chunk is type %d, not 64)",
        h.first_data[0]);
}

static void report(void) {
  csctp_stats st;
  memset(&st, 0, sizeof st);
  if (h.a) csctp_assoc_get_stats(h.a, &st);
  fprintf(stderr,
          "%s: pkts %llu (dropped %llu) DATA %u I-DATA %u FWD %u I-FWD %u, got %u/%u; "
          "usrsctp: pkts %llu (dropped %llu) DATA %u I-DATA %u FWD %u I-FWD %u, got %u/%u; "
          "interleaving %u, retrans %llu, usrsctp partial reads %llu %s\n",
          h.us0 ? "usrsctp-a" : "csctp", (unsigned long long)h.pkts[0],
          (unsigned long long)h.dropped[0], h.chunks[0][CH_DATA], h.chunks[0][CH_IDATA],
          h.chunks[0][CH_FWD], h.chunks[0][CH_IFWD], h.got[1], h.total[1],
          (unsigned long long)h.pkts[1], (unsigned long long)h.dropped[1], h.chunks[1][CH_DATA],
          h.chunks[1][CH_IDATA], h.chunks[1][CH_FWD], h.chunks[1][CH_IFWD], h.got[0], h.total[0],
          st.interleaving, (unsigned long long)st.retransmissions,
          (unsigned long long)h.up.partial_reads, h.failure);
}

/* Both directions, NMSG messages each; asserts everything arrived intact. */
static void transfer(int timeout_ms) {
  h.total[0] = h.total[1] = NMSG;
  int ok = run_until(all_arrived, timeout_ms);
  report();
  cr_assert_str_empty(h.failure);
  cr_assert(ok, "transfer incomplete after %d ms: csctp got %u, usrsctp got %u", timeout_ms,
            h.got[1], h.got[0]);
  cr_assert_eq(h.up.error, 0, "%s", h.up.failure);
  cr_assert_eq(h.closed, 0);
}

/* ---------- (a) usrsctp offers interleaving, csctp does not: DATA ---------- */

static void usrsctp_only(int usrsctp_connects, int unordered) {
  establish(0, 1, usrsctp_connects);
  cr_assert(h.listed[1][CH_IDATA], "usrsctp did not list I-DATA (0x40)");
  cr_assert(h.listed[1][CH_IFWD], "usrsctp did not list I-FORWARD-TSN (0xc2)");
  cr_assert_not(h.listed[0][CH_IDATA], "csctp listed I-DATA with interleaving off");
  cr_assert_eq(interleaving_negotiated(), 0);
  h.unordered = unordered;
  transfer(30000);
  cr_assert_eq(h.chunks[0][CH_IDATA] + h.chunks[1][CH_IDATA], 0, "I-DATA on a DATA association");
  cr_assert_gt(h.chunks[0][CH_DATA], 1000);
  cr_assert_gt(h.chunks[1][CH_DATA], 1000);
  cr_assert_eq(h.first_data[1], CH_DATA);
}

Test(usrsctp_idata, usrsctp_on_csctp_off_init_ack_lists_idata_data_both_ways) {
  usrsctp_only(0, 0);
}
Test(usrsctp_idata, usrsctp_on_csctp_off_init_lists_idata_unordered_both_ways) {
  usrsctp_only(1, 1);
}

/* ---------- (b) both on ---------- */

Test(usrsctp_idata, both_on_negotiates_interleaving) {
  establish(1, 1, 0);
  cr_assert(h.listed[0][CH_IDATA] && h.listed[0][CH_IFWD], "csctp did not list 0x40 and 0xc2");
  cr_assert(h.listed[1][CH_IDATA] && h.listed[1][CH_IFWD]);
  cr_assert_eq(interleaving_negotiated(), 1);
}

/* usrsctp runs its priority scheduler with stream 2 first, so both sides should put small
 * messages between the fragments of a 1 MiB one (csctp by WFQ, at equal priorities). */
static void interleaved(int usrsctp_connects, int unordered, double loss) {
  h.us_ss = SCTP_SS_PRIORITY;
  establish(1, 1, usrsctp_connects);
  cr_assert_eq(interleaving_negotiated(), 1);
  h.unordered = unordered; /* before the probe: its message is the transfer's first */
  probe_or_skip();
  h.loss = loss;
  transfer(60000);
  cr_assert_eq(h.chunks[0][CH_DATA] + h.chunks[1][CH_DATA], 0, "DATA on an I-DATA association");
  cr_assert_gt(h.chunks[0][CH_IDATA], 1000);
  cr_assert_gt(h.chunks[1][CH_IDATA], 1000);
  cr_assert_gt(h.interleaved[0], 0, "csctp never sent a small message amid a 1 MiB one");
  cr_assert_gt(h.interleaved[1], 0, "usrsctp never sent a small message amid a 1 MiB one");
}

Test(usrsctp_idata, interleaved_ordered_both_ways) { interleaved(0, 0, 0); }
Test(usrsctp_idata, interleaved_unordered_both_ways) { interleaved(1, 1, 0); }
Test(usrsctp_idata, interleaved_ordered_with_2_percent_loss) { interleaved(0, 0, 0.02); }
Test(usrsctp_idata, interleaved_unordered_with_5_percent_loss) { interleaved(1, 1, 0.05); }

/* ---------- (c) PR-SCTP and stream reset, interleaved ---------- */

/* Each side sends its first 1 MiB message (id 0) with RTX 0: with 3 % loss some fragment
 * is lost, so the message is abandoned mid-way and an I-FORWARD-TSN (never a FORWARD TSN)
 * tells the receiver to drop its fragments; every other message still arrives. */
Test(usrsctp_idata, pr_sctp_abandonment_mid_message_both_ways) {
  establish(1, 1, 0);
  cr_assert_eq(interleaving_negotiated(), 1);
  h.pr_id[0] = h.pr_id[1] = 0;
  probe_or_skip();
  h.loss = 0.03;
  transfer(60000);
  cr_assert_gt(h.chunks[0][CH_IFWD], 0, "csctp sent no I-FORWARD-TSN");
  cr_assert_gt(h.chunks[1][CH_IFWD], 0, "usrsctp sent no I-FORWARD-TSN");
  cr_assert_eq(h.chunks[0][CH_FWD] + h.chunks[1][CH_FWD], 0,
               "FORWARD TSN on an I-DATA association");
  fprintf(stderr, "abandoned message delivered anyway: csctp->usrsctp %d, usrsctp->csctp %d\n",
          h.pr_delivered[0], h.pr_delivered[1]);
}

static int some_in_flight(void) { return h.next[0] >= 6 && h.next[1] >= 6; }
static int resets_done(void) { return h.rs_out > 0 && h.rs_in > 0 && h.up.strreset_events > 0; }

/* Both sides reset stream 2 while a 1 MiB message on stream 1 and small ones on stream 2
 * are in flight (RFC 8260 §2.3.2: the MIDs of the reset stream start over); everything
 * sent before and after arrives. */
Test(usrsctp_idata, stream_reset_with_interleaved_messages_in_flight) {
  establish(1, 1, 0);
  cr_assert_eq(interleaving_negotiated(), 1);
  probe_or_skip();
  h.total[0] = h.total[1] = 6;
  cr_assert(run_until(some_in_flight, 10000));
  static const uint16_t sid2 = 2;
  cr_assert_eq(csctp_assoc_reset_streams(h.a, &sid2, 1, now_us()), 0);
  cr_assert_eq(usrsctp_peer_reset_streams(&h.up, &sid2, 1), 0);
  h.total[0] = h.total[1] = NMSG;
  cr_assert(run_until(resets_done, 20000), "resets: csctp out %d in %d, usrsctp events %d",
            h.rs_out, h.rs_in, h.up.strreset_events);
  cr_assert_eq(h.rs_result, 0, "csctp's reset refused: %u", h.rs_result);
  transfer(60000);
}

/* ---------- the harness against itself: usrsctp on both sides ---------- */

static int both_us_up(void) { return h.up0.comm_up > 0 && h.up.comm_up > 0; }

/* What the csctp tests above expect of an interleaving peer, checked with usrsctp on both
 * sides: the capture sees I-DATA, the small messages between fragments of a 1 MiB one, and
 * the per-stream joining of interleaved reads (usrsctp_peer_recv) delivers every message
 * intact. `ss`: usrsctp's scheduler (SCTP_SS_*), stream 2 given SCTP_SS_VALUE 1, stream 1
 * 2 (priority: lower value first). */
static void usrsctp_pair(int unordered, uint32_t ss, uint32_t rcvbuf, double loss) {
  h.us0 = 1;
  usrsctp_peer_opts o = {.port = PORT,
                         .remote_port = PORT,
                         .ostreams = 16,
                         .max_instreams = 16,
                         .mtu = MTU,
                         .stream_reset = 1,
                         .interleaving = 1,
                         .set_ss = 1,
                         .ss = ss,
                         .sndbuf = 4 * BIG,
                         .rcvbuf = rcvbuf};
  o.passive = 1;
  int rc = usrsctp_peer_open(&h.up, "usrsctp-b", &o);
  h.up_open = 1;
  cr_assert_eq(rc, 0, "%s", h.up.failure);
  o.passive = 0;
  rc = usrsctp_peer_open(&h.up0, "usrsctp-a", &o);
  h.up0_open = 1;
  cr_assert_eq(rc, 0, "%s", h.up0.failure);
  cr_assert_eq(usrsctp_peer_connect(&h.up0), 0, "%s", h.up0.failure);
  cr_assert(run_until(both_us_up, 10000), "handshake did not complete in 10 s");
  cr_assert(h.listed[0][CH_IDATA] && h.listed[1][CH_IDATA]);
  if (ss == SCTP_SS_PRIORITY) {
    usrsctp_peer *u[2] = {&h.up0, &h.up};
    for (int i = 0; i < 2; i++) {
      cr_assert_eq(usrsctp_peer_set_stream_value(u[i], 2, 1), 0);
      cr_assert_eq(usrsctp_peer_set_stream_value(u[i], 1, 2), 0);
    }
  }
  h.unordered = unordered;
  h.loss = loss;
  transfer(60000);
  fprintf(stderr,
          "usrsctp pair (ss %u, %s): small chunks amid a 1 MiB message on the wire %u / %u, "
          "interleaved reads %llu / %llu\n",
          ss, unordered ? "unordered" : "ordered", h.interleaved[0], h.interleaved[1],
          (unsigned long long)h.up.interleaved_reads, (unsigned long long)h.up0.interleaved_reads);
  cr_assert_eq(h.first_data[0], CH_IDATA, "usrsctp wrote DATA with interleaving negotiated");
  cr_assert_eq(h.chunks[0][CH_DATA] + h.chunks[1][CH_DATA], 0);
  cr_assert_gt(h.interleaved[0] + h.interleaved[1], 0, "usrsctp never interleaved");
}

Test(usrsctp_idata, harness_usrsctp_pair_interleaves_ordered_priority) {
  usrsctp_pair(0, SCTP_SS_PRIORITY, 4 * BIG, 0);
}
Test(usrsctp_idata, harness_usrsctp_pair_interleaves_unordered_rr_packet) {
  usrsctp_pair(1, SCTP_SS_ROUND_ROBIN_PACKET, 4 * BIG, 0);
}
/* A 1 MiB receive buffer: usrsctp's partial delivery point is then 512 KiB, so 1 MiB
 * messages are read in pieces. (usrsctp 0.9.5 was not seen handing out another stream's
 * message amid those pieces, level 2 or not; usrsctp_peer_recv joins them per stream if
 * it does.) */
Test(usrsctp_idata, harness_usrsctp_pair_partial_delivery_with_2_percent_loss) {
  usrsctp_pair(0, SCTP_SS_ROUND_ROBIN, BIG, 0.02);
  cr_assert_gt(h.up.partial_reads + h.up0.partial_reads, 20, "no partial delivery");
}
