/* SPDX-License-Identifier: MIT */
/*
 * Data channels over SCTP over DTLS over the simulated link (issue 4): two
 * csctp_dtls_sctp endpoints (DTLS client A, server B), each with a csctp_dc
 * on its association, at 0 % and 5 % seeded loss on a virtual clock.
 *
 * Each side opens four channels (reliable ordered, reliable unordered,
 * partial reliable by retransmissions, partial reliable by lifetime; ids by
 * DTLS role: A even, B odd); A opens its channels before the handshake, B
 * once its association is up. Every channel carries text and binary messages
 * of 1 B to 64 KiB both ways. Reliable: every message exactly once, intact, in
 * order where ordered. Partial reliable: never duplicated, never partial,
 * order kept where ordered, no stall (everything acknowledged or abandoned in
 * bounded virtual time). Then one channel of each side is closed by stream
 * reset and seen closed on both sides, the others still carrying messages.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <csctp/datachannel.h>
#include <csctp/dtls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prng.h"
#include "simlink.h"

#define NCH 8    /* channels 0..3 opened by A (DTLS client), 4..7 by B */
#define NMSG 150 /* messages per channel and direction */
#define MAXLEN 65536
#define PACE (96 * 1024) /* bytes queued per channel before the pump waits */

typedef struct chan_spec {
  const char *label;
  int unordered;
  csctp_pr_policy pol;
  uint32_t val;
} chan_spec;

static const chan_spec specs[NCH] = {
    {"A-reliable-ordered", 0, CSCTP_PR_NONE, 0},
    {"A-reliable-unordered", 1, CSCTP_PR_NONE, 0},
    {"A-rexmit1-ordered", 0, CSCTP_PR_RTX, 1},
    {"A-lifetime1000-unordered", 1, CSCTP_PR_TTL, 1000},
    {"B-reliable-ordered", 0, CSCTP_PR_NONE, 0},
    {"B-reliable-unordered", 1, CSCTP_PR_NONE, 0},
    {"B-rexmit0-unordered", 1, CSCTP_PR_RTX, 0},
    {"B-lifetime1000-ordered", 0, CSCTP_PR_TTL, 1000},
};

static int opener(int c) { return c < NCH / 2 ? 0 : 1; }
static uint8_t want_type(int c) {
  uint8_t t = specs[c].pol == CSCTP_PR_RTX   ? CSCTP_DC_TYPE_PARTIAL_RELIABLE_REXMIT
              : specs[c].pol == CSCTP_PR_TTL ? CSCTP_DC_TYPE_PARTIAL_RELIABLE_TIMED
                                             : CSCTP_DC_TYPE_RELIABLE;
  return (uint8_t)(t | (specs[c].unordered ? CSCTP_DC_TYPE_UNORDERED : 0));
}

/* ---- verifiable messages: (channel, direction, index) -> length, text flag, bytes ---- */

static size_t msg_len(uint32_t i) {
  if (i < 3) return i + 1; /* 1, 2, 3 bytes: identified by their length */
  if (i % 25 == 3) return MAXLEN;
  if (i % 10 == 5) return 4096 + (i * 7919u) % 20000;
  return 4 + (i * 131u) % 1400;
}
static int msg_text(uint32_t i) { return i % 2 == 1; }

static void msg_fill(uint8_t *b, int c, int d, uint32_t i) {
  size_t n = msg_len(i), k = 0;
  unsigned salt = (unsigned)(c * 13 + d * 5);
  if (n >= 4) {
    char hdr[5];
    snprintf(hdr, sizeof hdr, "%04x", (unsigned)(i & 0xffffu));
    memcpy(b, hdr, 4);
    k = 4;
  }
  for (; k < n; k++)
    b[k] = msg_text(i) ? (uint8_t)('a' + (i * 31 + k * 7 + salt) % 26)
                       : (uint8_t)(i * 31 + k * 7 + salt + (k >> 8));
}

/* ---- the run ---- */

typedef struct flow { /* channel c, sent by side d, received by 1 - d */
  uint32_t next;      /* next index to send */
  uint32_t received, dup, corrupt, misordered, wrong_kind;
  int64_t last;
  uint8_t seen[NMSG];
} flow;

typedef struct side {
  int idx;
  csctp_dtls_sctp *t;
  csctp_dc *dc;
  csctp_dtls_cert *cert;
  csctp_prng rng;
  int dtls_connected, dtls_failed, assoc_up, assoc_closed;
  int dc_errors;
  csctp_dc_channel h[NCH];
  int opened[NCH], closing[NCH], closed[NCH];
  uint8_t got_type[NCH];
  uint32_t got_param[NCH];
  int send_error; /* first unexpected csctp_dc_send result */
} side;

typedef struct run {
  csctp_simlink *link;
  side s[2];
  flow f[NCH][2];
  int sending; /* pump messages while set */
} run;

static run R;
static uint8_t txbuf[MAXLEN], wantbuf[MAXLEN];

static void open_own(side *s, csctp_tstamp now) {
  for (int c = 0; c < NCH; c++) {
    if (opener(c) != s->idx) continue;
    csctp_dc_init in = {.label = specs[c].label,
                        .protocol = "test",
                        .unordered = specs[c].unordered,
                        .pr_policy = specs[c].pol,
                        .pr_value = specs[c].val};
    int rv = csctp_dc_open(s->dc, &in, now, &s->h[c]);
    cr_assert_eq(rv, 0, "open %s: %s", specs[c].label, csctp_strerror(rv));
  }
}

static int chan_of(const side *s, csctp_dc_channel h) {
  for (int c = 0; c < NCH; c++)
    if (s->h[c] == h && h) return c;
  return -1;
}

static void on_message(side *s, int c, const csctp_dc_event *ev) {
  flow *f = &R.f[c][1 - s->idx];
  size_t len = ev->u.message.len;
  const uint8_t *data = ev->u.message.data;
  uint32_t i;
  if (len == 0) {
    f->corrupt++;
    return;
  }
  if (len < 4) {
    i = (uint32_t)len - 1;
  } else {
    char hdr[5];
    memcpy(hdr, data, 4);
    hdr[4] = 0;
    char *end;
    unsigned long v = strtoul(hdr, &end, 16);
    if (*end || v >= NMSG) {
      f->corrupt++;
      return;
    }
    i = (uint32_t)v;
  }
  if (len != msg_len(i)) {
    f->corrupt++;
    return;
  }
  if (ev->u.message.is_text != msg_text(i)) f->wrong_kind++;
  msg_fill(wantbuf, c, 1 - s->idx, i);
  if (memcmp(wantbuf, data, len) != 0) f->corrupt++;
  if (f->seen[i]++) f->dup++;
  if (!specs[c].unordered && (int64_t)i <= f->last) f->misordered++;
  if ((int64_t)i > f->last) f->last = i;
  f->received++;
}

static void pump(side *s, csctp_tstamp now) {
  if (!R.sending) return;
  for (int progress = 1; progress;) {
    progress = 0;
    for (int c = 0; c < NCH; c++) {
      flow *f = &R.f[c][s->idx];
      if (!s->opened[c] || s->closing[c] || s->closed[c] || f->next >= NMSG) continue;
      /* Paced like an application on bufferedAmountLow: at most PACE bytes queued per
       * channel, so that lifetime-limited messages do not expire in our own queue. */
      /* Lifetime channels: one message at a time. */
      if (csctp_dc_buffered_amount(s->dc, s->h[c]) >= (specs[c].pol == CSCTP_PR_TTL ? 1 : PACE))
        continue;
      uint32_t i = f->next;
      msg_fill(txbuf, c, s->idx, i);
      int rv = csctp_dc_send(s->dc, s->h[c], msg_text(i), txbuf, msg_len(i), now);
      if (rv == CSCTP_ERR_WOULD_BLOCK) continue;
      if (rv != 0) {
        if (!s->send_error) s->send_error = rv;
        continue;
      }
      f->next++;
      progress = 1;
    }
  }
}

static void on_dc_event(side *s, const csctp_dc_event *ev, csctp_tstamp now) {
  int c = chan_of(s, ev->channel);
  switch (ev->type) {
  case CSCTP_DC_EVENT_ASSOC:
    if (ev->u.assoc.type == CSCTP_EVENT_CONNECTED) {
      s->assoc_up = 1;
      if (s->idx == 1) open_own(s, now); /* B opens once its association is up */
    }
    if (ev->u.assoc.type == CSCTP_EVENT_CLOSED) s->assoc_closed = 1;
    break;
  case CSCTP_DC_EVENT_OPEN:
    if (ev->u.open.by_peer) {
      c = -1;
      for (int k = 0; k < NCH; k++)
        if (opener(k) != s->idx && strcmp(specs[k].label, ev->u.open.label) == 0) c = k;
      cr_assert_geq(c, 0, "unknown channel label %s", ev->u.open.label);
      cr_assert_eq(s->h[c], 0, "channel %s opened twice", specs[c].label);
      s->h[c] = ev->channel;
    }
    cr_assert_geq(c, 0);
    s->opened[c]++;
    s->got_type[c] = ev->u.open.channel_type;
    s->got_param[c] = ev->u.open.reliability_param;
    break;
  case CSCTP_DC_EVENT_MESSAGE:
    cr_assert_geq(c, 0, "message on an unknown channel");
    on_message(s, c, ev);
    break;
  case CSCTP_DC_EVENT_CLOSING:
    if (c >= 0) s->closing[c] = 1;
    break;
  case CSCTP_DC_EVENT_CLOSED:
    if (c >= 0) s->closed[c]++;
    break;
  case CSCTP_DC_EVENT_ERROR:
    s->dc_errors++;
    cr_log_error("side %d channel %d ERROR reason %d error %d", s->idx, c, ev->u.error.reason,
                 ev->u.error.error);
    break;
  default: break;
  }
}

/* ---- simlink ops over csctp_dtls_sctp, events through the data-channel layer ---- */

static csctp_ssize ops_write(void *ep, uint8_t *buf, size_t cap, csctp_tstamp now) {
  return csctp_dtls_sctp_write_datagram(((side *)ep)->t, buf, cap, now);
}
static int ops_read(void *ep, const uint8_t *pkt, size_t len, csctp_tstamp now) {
  return csctp_dtls_sctp_read_datagram(((side *)ep)->t, pkt, len, now);
}
static csctp_tstamp ops_expiry(const void *ep) {
  return csctp_dtls_sctp_expiry(((const side *)ep)->t);
}
static int ops_handle_expiry(void *ep, csctp_tstamp now) {
  return csctp_dtls_sctp_handle_expiry(((side *)ep)->t, now);
}
/* Drains DTLS and data-channel events itself, then queues what it can send;
 * returns 0 (packets written afterwards count as progress for the driver). */
static int ops_poll(void *ep, csctp_event *out) {
  side *s = ep;
  csctp_tstamp now = csctp_simlink_now(R.link);
  memset(out, 0, sizeof *out);
  csctp_dtls_event de;
  while (csctp_dtls_sctp_poll_dtls_event(s->t, &de)) {
    if (de.type == CSCTP_DTLS_EVENT_CONNECTED) s->dtls_connected = 1;
    if (de.type == CSCTP_DTLS_EVENT_ERROR) s->dtls_failed = 1;
  }
  csctp_dc_event ev;
  int rv;
  while ((rv = csctp_dc_poll_event(s->dc, &ev, now)) == 1) on_dc_event(s, &ev, now);
  cr_assert_geq(rv, 0, "csctp_dc_poll_event: %s", csctp_strerror(rv));
  pump(s, now);
  return 0;
}
static const csctp_simlink_ops ops = {
    ops_write, ops_read, ops_expiry, ops_handle_expiry, ops_poll, NULL, NULL, NULL, NULL};

/* ---- predicates ---- */

static int transfer_done(csctp_simlink *l, void *u) {
  (void)l;
  (void)u;
  for (int i = 0; i < 2; i++)
    if (R.s[i].dtls_failed || R.s[i].send_error) return 1;
  for (int c = 0; c < NCH; c++)
    for (int d = 0; d < 2; d++) {
      flow *f = &R.f[c][d];
      if (f->next < NMSG) return 0;
      if (specs[c].pol == CSCTP_PR_NONE && f->received < NMSG) return 0;
      if (csctp_dc_buffered_amount(R.s[d].dc, R.s[d].h[c]) != 0) return 0;
    }
  return 1;
}

static int closes_done(csctp_simlink *l, void *u) {
  (void)l;
  const int *cs = u;
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < 2; i++)
      if (!R.s[i].closed[cs[k]]) return 0;
  return 1;
}

static int extra_done(csctp_simlink *l, void *u) {
  (void)l;
  const uint32_t *want = u;
  for (int c = 0; c < NCH; c++)
    for (int d = 0; d < 2; d++)
      if (want[c * 2 + d] && R.f[c][d].received < want[c * 2 + d]) return 0;
  return 1;
}

static const char *kind_name(int c) {
  static char buf[NCH][48];
  snprintf(buf[c], sizeof buf[c], "%s%s",
           specs[c].pol == CSCTP_PR_NONE  ? "reliable"
           : specs[c].pol == CSCTP_PR_RTX ? "rexmit"
                                          : "lifetime",
           specs[c].unordered ? " unordered" : " ordered");
  return buf[c];
}

static void dc_over_dtls(uint64_t seed, double loss) {
  memset(&R, 0, sizeof R);
  for (int c = 0; c < NCH; c++)
    for (int d = 0; d < 2; d++) R.f[c][d].last = -1;
  csctp_simlink_config lc;
  csctp_simlink_config_default(&lc);
  lc.seed = seed;
  lc.dir[0].loss = lc.dir[1].loss = loss;
  R.link = csctp_simlink_new(&lc);
  cr_assert_not_null(R.link);
  for (int i = 0; i < 2; i++) {
    R.s[i].idx = i;
    cr_assert_eq(csctp_dtls_cert_generate(&R.s[i].cert, i ? "B" : "A", 1700000000, NULL), 0);
    csctp_prng_seed(&R.s[i].rng, seed * 2 + (uint64_t)i);
  }
  for (int i = 0; i < 2; i++) {
    side *s = &R.s[i];
    csctp_dtls_fingerprint fp;
    cr_assert_eq(csctp_dtls_cert_fingerprint(R.s[1 - i].cert, CSCTP_DTLS_HASH_SHA256, &fp), 0);
    csctp_dtls_config dcfg;
    csctp_dtls_config_default(&dcfg);
    dcfg.role = i ? CSCTP_DTLS_SERVER : CSCTP_DTLS_CLIENT;
    dcfg.cert = s->cert;
    dcfg.remote_fingerprints = &fp;
    dcfg.remote_fingerprint_count = 1;
    dcfg.retransmit_initial_ms = 400;
    csctp_config sc;
    csctp_config_default(&sc);
    sc.rand = csctp_prng_rand_fn;
    sc.rand_user_data = &s->rng;
    sc.rto_initial = 400;
    sc.rto_min = 200;
    int rv = csctp_dtls_sctp_new(&s->t, &dcfg, &sc, 0);
    cr_assert_eq(rv, 0, "%s", csctp_strerror(rv));
    /* The data-channel role follows the DTLS role. */
    csctp_dc_config cc;
    csctp_dc_config_default(&cc);
    cc.role = csctp_dtls_get_role(csctp_dtls_sctp_dtls(s->t)) == CSCTP_DTLS_CLIENT
                  ? CSCTP_DC_ROLE_CLIENT
                  : CSCTP_DC_ROLE_SERVER;
    cr_assert_eq(cc.role, i ? CSCTP_DC_ROLE_SERVER : CSCTP_DC_ROLE_CLIENT);
    cr_assert_eq(csctp_dc_new(&s->dc, csctp_dtls_sctp_assoc(s->t), &cc), 0);
    csctp_simlink_attach(R.link, i, &ops, s);
  }
  /* A opens its channels before anything is connected: they wait in CONNECTING. */
  csctp_tstamp t0 = csctp_simlink_now(R.link);
  open_own(&R.s[0], t0);
  for (int c = 0; c < NCH / 2; c++) {
    csctp_dc_info info;
    cr_assert_eq(csctp_dc_get_info(R.s[0].dc, R.s[0].h[c], &info), 0);
    cr_assert_eq(info.state, CSCTP_DC_STATE_CONNECTING);
  }
  for (int i = 0; i < 2; i++) cr_assert_eq(csctp_dtls_sctp_start(R.s[i].t, t0), 0);
  R.sending = 1;

  /* The whole transfer, in bounded virtual time. */
  const csctp_tstamp budget = 600 * CSCTP_SECONDS;
  csctp_simlink_stop st = csctp_simlink_run_until(R.link, transfer_done, NULL, budget);
  csctp_tstamp t_transfer = csctp_simlink_now(R.link) - t0;
  for (int i = 0; i < 2; i++) {
    side *s = &R.s[i];
    cr_assert(s->dtls_connected, "side %d DTLS not connected (stop %s)", i,
              csctp_simlink_stop_name(st));
    cr_assert_not(s->dtls_failed, "side %d DTLS failed", i);
    cr_assert(s->assoc_up, "side %d association not up", i);
    cr_assert_eq(s->send_error, 0, "side %d csctp_dc_send: %s", i, csctp_strerror(s->send_error));
  }
  cr_assert_eq(st, CSCTP_SIMLINK_DONE, "transfer did not finish: stop %s after %.1f s virtual",
               csctp_simlink_stop_name(st), t_transfer / 1e6);
  /* Let FORWARD TSNs and the last SACKs settle (deliveries held behind abandoned TSNs). */
  csctp_simlink_run_until(R.link, NULL, NULL, 5 * CSCTP_SECONDS);

  /* Channels: opened once on each side, same stream, parity by DTLS role, right type. */
  for (int c = 0; c < NCH; c++) {
    csctp_dc_info info[2];
    for (int i = 0; i < 2; i++) {
      cr_assert_eq(R.s[i].opened[c], 1, "side %d: %s opened %d times", i, specs[c].label,
                   R.s[i].opened[c]);
      cr_assert_eq(csctp_dc_get_info(R.s[i].dc, R.s[i].h[c], &info[i]), 0);
      cr_assert_eq(info[i].state, CSCTP_DC_STATE_OPEN);
      cr_assert(info[i].has_stream);
      cr_assert_eq(info[i].channel_type, want_type(c), "side %d %s type 0x%02x", i, specs[c].label,
                   info[i].channel_type);
      cr_assert_eq(R.s[i].got_type[c], want_type(c));
      cr_assert_eq(info[i].reliability_param, specs[c].val);
      cr_assert_eq(info[i].by_peer, opener(c) != i);
      cr_assert_str_eq(info[i].protocol, "test");
    }
    cr_assert_eq(info[0].stream, info[1].stream);
    cr_assert_eq(info[0].stream % 2, opener(c), "%s on stream %u: wrong parity", specs[c].label,
                 info[0].stream);
    cr_assert(info[opener(c)].acked, "%s: no DATA_CHANNEL_ACK", specs[c].label);
  }

  /* Messages. */
  uint64_t pr_sent = 0, pr_got = 0;
  for (int c = 0; c < NCH; c++)
    for (int d = 0; d < 2; d++) {
      flow *f = &R.f[c][d];
      cr_log_info("loss %.0f%% seed %llu: %-24s %c->%c: %3u/%u delivered", loss * 100,
                  (unsigned long long)seed, specs[c].label, 'A' + d, 'A' + (1 - d), f->received,
                  NMSG);
      cr_assert_eq(f->next, NMSG);
      cr_assert_eq(f->dup, 0, "%s %c->: a message was delivered twice", specs[c].label, 'A' + d);
      cr_assert_eq(f->corrupt, 0, "%s %c->: a message was partial or corrupt", specs[c].label,
                   'A' + d);
      cr_assert_eq(f->wrong_kind, 0, "%s: text/binary flag wrong", specs[c].label);
      cr_assert_eq(f->misordered, 0, "%s %c->: order broken", specs[c].label, 'A' + d);
      if (specs[c].pol == CSCTP_PR_NONE) {
        cr_assert_eq(f->received, NMSG, "%s %c->: %u of %u", specs[c].label, 'A' + d, f->received,
                     NMSG);
      } else {
        pr_sent += NMSG;
        pr_got += f->received;
        if (loss == 0)
          cr_assert_eq(f->received, NMSG, "%s at 0%% loss: %u of %u (nothing should be abandoned)",
                       specs[c].label, f->received, NMSG);
      }
      cr_assert_eq(csctp_dc_buffered_amount(R.s[d].dc, R.s[d].h[c]), 0);
    }
  csctp_stats ss[2];
  for (int i = 0; i < 2; i++) csctp_assoc_get_stats(csctp_dtls_sctp_assoc(R.s[i].t), &ss[i]);
  const csctp_simlink_counters *lk[2] = {csctp_simlink_counters_get(R.link, 0),
                                         csctp_simlink_counters_get(R.link, 1)};
  if (loss > 0) cr_assert_gt(lk[0]->dropped_loss + lk[1]->dropped_loss, 0);
  cr_assert_eq(lk[0]->dropped_mtu + lk[1]->dropped_mtu, 0);
  printf(
      "dc over dtls, loss %.0f%%, seed %llu: transfer done in %.2f s virtual; "
      "%d x %u msgs (1 B..64 KiB) each way per channel; partial reliable %llu/%llu delivered; "
      "datagrams A->B %llu (lost %llu), B->A %llu (lost %llu); SCTP retransmissions %llu/%llu\n",
      loss * 100, (unsigned long long)seed, t_transfer / 1e6, NCH, NMSG, (unsigned long long)pr_got,
      (unsigned long long)pr_sent, (unsigned long long)lk[0]->sent,
      (unsigned long long)lk[0]->dropped_loss, (unsigned long long)lk[1]->sent,
      (unsigned long long)lk[1]->dropped_loss, (unsigned long long)ss[0].retransmissions,
      (unsigned long long)ss[1].retransmissions);
  for (int c = 0; c < NCH; c++)
    printf("  %-24s %-20s A->B %3u/%u  B->A %3u/%u\n", specs[c].label, kind_name(c),
           R.f[c][0].received, NMSG, R.f[c][1].received, NMSG);

  /* Close A's reliable ordered channel from A and B's reliable unordered one from B, at
   * once, by stream reset: both seen closed on both sides. */
  R.sending = 0;
  const int cs[2] = {0, 5};
  csctp_tstamp tc = csctp_simlink_now(R.link);
  cr_assert_eq(csctp_dc_close(R.s[0].dc, R.s[0].h[0], tc), 0);
  cr_assert_eq(csctp_dc_close(R.s[1].dc, R.s[1].h[5], tc), 0);
  cr_assert_eq(csctp_dc_close(R.s[0].dc, R.s[0].h[0], tc), CSCTP_ERR_CLOSED);
  st = csctp_simlink_run_until(R.link, closes_done, (void *)cs, 60 * CSCTP_SECONDS);
  cr_assert_eq(st, CSCTP_SIMLINK_DONE, "close: stop %s (A: %d %d, B: %d %d)",
               csctp_simlink_stop_name(st), R.s[0].closed[0], R.s[0].closed[5], R.s[1].closed[0],
               R.s[1].closed[5]);
  csctp_tstamp t_close = csctp_simlink_now(R.link) - tc;
  cr_assert(R.s[1].closing[0], "B saw no CLOSING for A's channel");
  cr_assert(R.s[0].closing[5], "A saw no CLOSING for B's channel");
  for (int i = 0; i < 2; i++) {
    cr_assert_eq(R.s[i].closed[0], 1);
    cr_assert_eq(R.s[i].closed[5], 1);
    /* Handles are released at the next call: stale afterwards, never dereferenced. */
    cr_assert_eq(csctp_dc_channel_count(R.s[i].dc), NCH - 2);
    csctp_dc_info info;
    cr_assert_eq(csctp_dc_get_info(R.s[i].dc, R.s[i].h[0], &info), CSCTP_ERR_INVALID_ARGUMENT);
    cr_assert_eq(csctp_dc_send(R.s[i].dc, R.s[i].h[5], 0, "x", 1, csctp_simlink_now(R.link)),
                 CSCTP_ERR_INVALID_ARGUMENT);
    cr_assert_eq(R.s[i].dc_errors, 0);
    csctp_dc_stats ds;
    csctp_dc_get_stats(R.s[i].dc, &ds);
    cr_assert_eq(ds.channels_closed, 2);
    cr_assert_eq(ds.msgs_no_channel + ds.msgs_bad_ppid + ds.dcep_malformed, 0);
  }

  /* The other channels still carry messages both ways after the resets. */
  uint32_t want[NCH * 2] = {0};
  for (int c = 0; c < NCH; c++) {
    if (c == 0 || c == 5 || specs[c].pol != CSCTP_PR_NONE) continue;
    for (int d = 0; d < 2; d++) {
      flow *f = &R.f[c][d];
      /* Re-send index 4 (4+ bytes), counted as one more (duplicate check reset for it). */
      f->seen[4] = 0;
      f->last = 3;
      msg_fill(txbuf, c, d, 4);
      cr_assert_eq(csctp_dc_send(R.s[d].dc, R.s[d].h[c], msg_text(4), txbuf, msg_len(4),
                                 csctp_simlink_now(R.link)),
                   0);
      want[c * 2 + d] = f->received + 1;
    }
  }
  st = csctp_simlink_run_until(R.link, extra_done, want, 60 * CSCTP_SECONDS);
  cr_assert_eq(st, CSCTP_SIMLINK_DONE, "after close: stop %s", csctp_simlink_stop_name(st));
  for (int c = 0; c < NCH; c++)
    for (int d = 0; d < 2; d++) cr_assert_eq(R.f[c][d].dup + R.f[c][d].corrupt, 0);
  for (int i = 0; i < 2; i++) {
    cr_assert_eq(csctp_assoc_get_state(csctp_dtls_sctp_assoc(R.s[i].t)), CSCTP_STATE_ESTABLISHED);
    cr_assert_not(R.s[i].assoc_closed);
  }
  printf("  closed %s and %s on both sides in %.0f ms virtual\n", specs[0].label, specs[5].label,
         t_close / 1e3);
  fflush(stdout);

  for (int i = 0; i < 2; i++) {
    csctp_dc_del(R.s[i].dc);
    csctp_dtls_sctp_del(R.s[i].t);
    csctp_dtls_cert_del(R.s[i].cert);
  }
  csctp_simlink_del(R.link);
}

Test(dc_over_dtls, no_loss) { dc_over_dtls(11, 0.0); }
Test(dc_over_dtls, five_percent_loss, .timeout = 300) {
  for (uint64_t seed = 21; seed < 24; seed++) dc_over_dtls(seed, 0.05);
}
