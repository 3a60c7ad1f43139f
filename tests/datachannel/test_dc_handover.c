/* SPDX-License-Identifier: MIT */
/*
 * Handover of the data-channel layer with its association (csctp_dc_handover_*,
 * datachannel/dc_handover.c): two layers on the simulated link, channels both ways,
 * one side moved into new objects (as another process would), the exchange goes on.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dc_pair.h"
#include "hmac.h"

#define RUN(p) dc_pair_run((p), NULL, 2 * CSCTP_SECONDS)
#define MAX_AGE (5 * CSCTP_SECONDS)

static const uint8_t key[32] = "dc handover test key, 32 bytes.";
static uint8_t blob[1 << 16];

/* The association config of dc_pair_new for side `i`. */
static void side_cfg(dc_pair *p, int i, csctp_config *cfg) {
  csctp_config_default(cfg);
  cfg->rand = csctp_prng_rand_fn;
  cfg->rand_user_data = &p->s[i].rng;
  cfg->rto_initial = 300;
  cfg->rto_min = 100;
  cfg->rto_max = 2000;
}

typedef struct chan_desc {
  uint16_t stream;
  char label[32], protocol[32];
  uint8_t type;
  uint16_t priority;
  uint32_t rel;
  int by_peer, negotiated;
} chan_desc;

/* Every channel of a side, in stream order; returns how many. */
static size_t describe(dc_pair *p, int side, chan_desc *d, size_t cap) {
  csctp_dc_channel hs[32];
  size_t n = csctp_dc_channel_list(p->s[side].dc, hs, 32);
  cr_assert_leq(n, cap);
  for (size_t i = 0; i < n; i++) {
    csctp_dc_info in;
    cr_assert_eq(csctp_dc_get_info(p->s[side].dc, hs[i], &in), 0);
    memset(&d[i], 0, sizeof d[i]);
    d[i].stream = in.stream;
    snprintf(d[i].label, sizeof d[i].label, "%s", in.label);
    snprintf(d[i].protocol, sizeof d[i].protocol, "%s", in.protocol);
    d[i].type = in.channel_type;
    d[i].priority = in.priority;
    d[i].rel = in.reliability_param;
    d[i].by_peer = in.by_peer;
    d[i].negotiated = in.negotiated;
    if (i) cr_assert_gt(in.stream, d[i - 1].stream);
  }
  return n;
}

/* Exports side `side`, imports it into new objects in its place; returns the blob size. */
static size_t handover(dc_pair *p, int side) {
  dc_side *s = &p->s[side];
  csctp_tstamp now = dc_pair_now(p);
  chan_desc before[16], after[16];
  size_t n = describe(p, side, before, 16);
  cr_assert_eq(csctp_dc_handover_readiness(s->dc), 0, "readiness 0x%x",
               csctp_dc_handover_readiness(s->dc));
  csctp_ssize need = csctp_dc_handover_export(s->dc, key, sizeof key, now, NULL, 0);
  cr_assert_gt(need, 0);
  cr_assert_eq(csctp_dc_handover_export(s->dc, key, sizeof key, now, blob, (size_t)need - 1),
               CSCTP_ERR_NOBUF);
  csctp_ssize len = csctp_dc_handover_export(s->dc, key, sizeof key, now, blob, sizeof blob);
  cr_assert_eq(len, need, "%s", len < 0 ? csctp_strerror((int)len) : "");
  /* The old layer is silent and refuses. */
  cr_assert(csctp_dc_handover_readiness(s->dc) & CSCTP_HANDOVER_NOT_ESTABLISHED);
  csctp_dc_channel any;
  csctp_dc_init init = {.label = "late"};
  cr_assert_eq(csctp_dc_open(s->dc, &init, now, &any), CSCTP_ERR_INVALID_STATE);
  if (n) {
    cr_assert_eq(csctp_dc_channel_by_stream(s->dc, before[0].stream, &any), 0);
    cr_assert_eq(csctp_dc_send(s->dc, any, 1, "x", 1, now), CSCTP_ERR_INVALID_STATE);
    cr_assert_eq(csctp_dc_close(s->dc, any, now), CSCTP_ERR_INVALID_STATE);
  }
  uint8_t out[1500];
  csctp_ssize w = csctp_assoc_write_packet(s->a, out, sizeof out, now);
  cr_assert_eq(w, 0, "wrote %zd", w);
  csctp_dc_del(s->dc);
  csctp_assoc_del(s->a);
  s->dc = NULL;
  s->a = NULL;
  csctp_config cfg;
  side_cfg(p, side, &cfg);
  csctp_dc_config dcfg;
  csctp_dc_config_default(&dcfg); /* role: from the blob */
  cr_assert_eq(csctp_dc_handover_import(&s->dc, &s->a, &cfg, &dcfg, key, sizeof key, blob,
                                        (size_t)len, now + CSCTP_MILLISECONDS, MAX_AGE),
               0);
  cr_assert_eq(describe(p, side, after, 16), n);
  cr_assert_eq(memcmp(before, after, n * sizeof *before), 0);
  cr_assert_eq(csctp_dc_handover_readiness(s->dc), 0);
  return (size_t)len;
}

/* Sends message `i` on every channel of `side` ("<stream>:<i>"). */
static void send_all(dc_pair *p, int side, int i) {
  csctp_dc_channel hs[32];
  size_t n = csctp_dc_channel_list(p->s[side].dc, hs, 32);
  for (size_t k = 0; k < n; k++) {
    csctp_dc_info in;
    cr_assert_eq(csctp_dc_get_info(p->s[side].dc, hs[k], &in), 0);
    char m[32];
    int len = snprintf(m, sizeof m, "%u:%d", in.stream, i);
    cr_assert_eq(csctp_dc_send(p->s[side].dc, hs[k], 1, m, (size_t)len, dc_pair_now(p)), 0);
  }
}

/* Side `side` received on `stream` exactly messages 0..n-1, in order (ordered channel) or
 * all of them (unordered). */
static void check_recv(dc_pair *p, int side, uint16_t stream, int n, int ordered) {
  csctp_dc_channel h;
  cr_assert_eq(csctp_dc_channel_by_stream(p->s[side].dc, stream, &h), 0);
  int seen[64] = {0}, next = 0;
  for (size_t i = 0; i < p->s[side].nrec; i++) {
    const dc_rec *r = &p->s[side].recs[i];
    if (r->ev.type != CSCTP_DC_EVENT_MESSAGE) continue;
    unsigned st;
    int k;
    cr_assert_eq(sscanf((const char *)r->data, "%u:%d", &st, &k), 2);
    if (st != stream) continue;
    cr_assert(k >= 0 && k < 64 && !seen[k]);
    if (ordered) cr_assert_eq(k, next, "stream %u: message %d, expected %d", stream, k, next);
    seen[k] = 1;
    next++;
  }
  cr_assert_eq(next, n, "stream %u: %d messages of %d", stream, next, n);
}

static void check_all(dc_pair *p, int n) {
  for (int side = 0; side < 2; side++) {
    chan_desc d[16];
    size_t k = describe(p, side, d, 16);
    for (size_t i = 0; i < k; i++)
      check_recv(p, side, d[i].stream, n, !(d[i].type & CSCTP_DC_TYPE_UNORDERED));
  }
}

/* Records messages only (handles change on import; streams identify channels). */
static void setup(dc_pair *p) {
  dc_pair_new(p, NULL, NULL, 0, NULL);
  dc_pair_connect(p);
  static const struct {
    int side;
    csctp_dc_init in;
  } ch[] = {
      {0, {.label = "chat", .protocol = "json"}},
      {0, {.label = "game", .protocol = "bin", .unordered = 1}},
      {1, {.label = "files", .protocol = "", .priority = CSCTP_DC_PRIORITY_HIGH}},
      {1,
       {.label = "ticks",
        .protocol = "t",
        .unordered = 1,
        .pr_policy = CSCTP_PR_RTX,
        .pr_value = 3}},
      {0, {.label = "neg", .protocol = "n", .negotiated = 1, .id = 40}},
      {1, {.label = "neg", .protocol = "n", .negotiated = 1, .id = 40}},
  };
  for (size_t i = 0; i < sizeof ch / sizeof ch[0]; i++) {
    csctp_dc_channel h;
    cr_assert_eq(csctp_dc_open(p->s[ch[i].side].dc, &ch[i].in, dc_pair_now(p), &h), 0);
  }
  RUN(p);
  cr_assert_eq(csctp_dc_channel_count(p->s[0].dc), 5);
  cr_assert_eq(csctp_dc_channel_count(p->s[1].dc), 5);
}

static int round_trip(dc_pair *p, int i) {
  send_all(p, 0, i);
  send_all(p, 1, i);
  RUN(p);
  return i + 1;
}

Test(dc_handover, channels_and_messages_survive_repeated_handovers) {
  dc_pair p;
  setup(&p);
  int n = 0;
  n = round_trip(&p, n);
  n = round_trip(&p, n);
  for (int rep = 0; rep < 4; rep++) {
    handover(&p, rep == 2 ? 1 : 0);
    n = round_trip(&p, n);
    n = round_trip(&p, n);
    check_all(&p, n);
  }
  dc_pair_del(&p);
}

static int count_closed(dc_pair *p, int side) {
  return dc_pair_count(p, side, CSCTP_DC_EVENT_CLOSED);
}

Test(dc_handover, open_and_close_after_handover) {
  dc_pair p;
  setup(&p);
  int n = round_trip(&p, 0);
  handover(&p, 0);
  handover(&p, 1);
  dc_pair_clear(&p);
  /* New channels take a free id of each side's parity. */
  for (int side = 0; side < 2; side++) {
    csctp_dc_init in = {.label = side ? "new-b" : "new-a", .protocol = "x"};
    csctp_dc_channel h;
    cr_assert_eq(csctp_dc_open(p.s[side].dc, &in, dc_pair_now(&p), &h), 0);
    csctp_dc_info info;
    cr_assert_eq(csctp_dc_get_info(p.s[side].dc, h, &info), 0);
    cr_assert_eq(info.stream % 2, side, "stream %u on side %d", info.stream, side);
    cr_assert_eq(info.stream, side ? 5 : 4); /* 0, 2 / 1, 3 are taken */
  }
  RUN(&p);
  cr_assert_eq(csctp_dc_channel_count(p.s[0].dc), 7);
  cr_assert_eq(csctp_dc_channel_count(p.s[1].dc), 7);
  const dc_rec *o = dc_pair_find(&p, 1, CSCTP_DC_EVENT_OPEN, 0);
  for (int k = 0; o; o = dc_pair_find(&p, 1, CSCTP_DC_EVENT_OPEN, ++k))
    if (o->ev.u.open.by_peer) break;
  cr_assert(o);
  cr_assert_str_eq(o->label, "new-a");
  dc_pair_clear(&p);
  n = round_trip(&p, 0);
  check_all(&p, n);
  /* Closing works both ways: A closes stream 0 (its own), B closes stream 1 (its own). */
  for (int side = 0; side < 2; side++) {
    csctp_dc_channel h;
    cr_assert_eq(csctp_dc_channel_by_stream(p.s[side].dc, (uint16_t)side, &h), 0);
    cr_assert_eq(csctp_dc_close(p.s[side].dc, h, dc_pair_now(&p)), 0);
  }
  RUN(&p);
  cr_assert_eq(count_closed(&p, 0), 2);
  cr_assert_eq(count_closed(&p, 1), 2);
  cr_assert_eq(csctp_dc_channel_count(p.s[0].dc), 5);
  cr_assert_eq(csctp_dc_channel_count(p.s[1].dc), 5);
  /* And a handover after that carries the five left. */
  handover(&p, 0);
  dc_pair_clear(&p);
  n = round_trip(&p, 0);
  check_all(&p, n);
  dc_pair_del(&p);
}

/* Export refused with `reason`, nothing written or changed. */
static void refused(dc_pair *p, int side, int reason) {
  csctp_dc *dc = p->s[side].dc;
  int r = csctp_dc_handover_readiness(dc);
  cr_assert(r & reason, "readiness 0x%x lacks 0x%x", r, reason);
  memset(blob, 0xa5, 64);
  cr_assert_eq(csctp_dc_handover_export(dc, key, sizeof key, dc_pair_now(p), blob, sizeof blob),
               CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(blob[0], 0xa5);
  cr_assert_eq(csctp_dc_handover_readiness(dc), r);
  cr_assert_eq(csctp_assoc_get_state(p->s[side].a), CSCTP_STATE_ESTABLISHED);
}

Test(dc_handover, readiness_refuses_and_changes_nothing) {
  dc_pair p;
  setup(&p);
  int n = round_trip(&p, 0);
  cr_assert_eq(csctp_dc_handover_readiness(p.s[0].dc), 0);
  /* A channel opening: OPEN event unpolled, DATA_CHANNEL_OPEN unsent, no ACK yet. */
  csctp_dc_init in = {.label = "opening"};
  csctp_dc_channel h;
  cr_assert_eq(csctp_dc_open(p.s[0].dc, &in, dc_pair_now(&p), &h), 0);
  refused(&p, 0, CSCTP_DC_HANDOVER_CHANNEL | CSCTP_DC_HANDOVER_EVENTS);
  RUN(&p);
  cr_assert_eq(csctp_dc_handover_readiness(p.s[0].dc), 0);
  /* A channel closing. */
  cr_assert_eq(csctp_dc_close(p.s[0].dc, h, dc_pair_now(&p)), 0);
  refused(&p, 0, CSCTP_DC_HANDOVER_CHANNEL);
  RUN(&p);
  cr_assert_eq(csctp_dc_handover_readiness(p.s[0].dc), 0);
  /* A message received by the association and not yet polled: moved by hand. */
  csctp_dc_channel hb;
  cr_assert_eq(csctp_dc_channel_by_stream(p.s[1].dc, 0, &hb), 0);
  char m[16];
  int len = snprintf(m, sizeof m, "0:%d", n);
  cr_assert_eq(csctp_dc_send(p.s[1].dc, hb, 1, m, (size_t)len, dc_pair_now(&p)), 0);
  uint8_t pkt[1500];
  csctp_ssize k;
  while ((k = csctp_assoc_write_packet(p.s[1].a, pkt, sizeof pkt, dc_pair_now(&p))) > 0)
    cr_assert_eq(csctp_assoc_read_packet(p.s[0].a, pkt, (size_t)k, dc_pair_now(&p)), 0);
  refused(&p, 0, CSCTP_HANDOVER_DELIVERY);
  /* Polled as far as the layer's queue: still refused. */
  int nrec = (int)p.s[0].nrec;
  RUN(&p);
  cr_assert_eq((int)p.s[0].nrec, nrec + 1); /* the message, once */
  cr_assert_eq(csctp_dc_handover_readiness(p.s[0].dc), 0);
  handover(&p, 0);
  dc_pair_del(&p);
}

/* A ready pair and side A's blob (A is left handed over). */
static size_t ready_blob(dc_pair *p, csctp_tstamp *when) {
  setup(p);
  round_trip(p, 0);
  *when = dc_pair_now(p);
  csctp_ssize len = csctp_dc_handover_export(p->s[0].dc, key, sizeof key, *when, blob, sizeof blob);
  cr_assert_gt(len, 0);
  /* With CSCTP_DC_HANDOVER_SEEDS=DIR: seeds of fuzz/dc_handover.c (same key), mode 0x00 +
   * the blob and mode 0x03 + its content without MAC. */
  const char *dir = getenv("CSCTP_DC_HANDOVER_SEEDS");
  for (int body = 0; dir && body < 2; body++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, body ? "content" : "blob");
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    uint8_t mode = body ? 0x03 : 0x00;
    fwrite(&mode, 1, 1, f);
    fwrite(blob, 1, (size_t)len - (body ? 32 : 0), f);
    fclose(f);
  }
  return (size_t)len;
}

static int try_import(dc_pair *p, const uint8_t *b, size_t len, const uint8_t *k,
                      csctp_tstamp now) {
  csctp_config cfg;
  side_cfg(p, 0, &cfg);
  csctp_dc *dc = NULL;
  csctp_assoc *a = NULL;
  int rv = csctp_dc_handover_import(&dc, &a, &cfg, NULL, k, sizeof key, b, len, now, MAX_AGE);
  if (rv == 0) {
    csctp_dc_del(dc);
    csctp_assoc_del(a);
  } else {
    cr_assert(!dc && !a);
  }
  return rv;
}

Test(dc_handover, altered_truncated_wrong_key_stale_refused) {
  dc_pair p;
  csctp_tstamp now;
  size_t len = ready_blob(&p, &now);
  static uint8_t b[sizeof blob];
  memcpy(b, blob, len);
  cr_assert_eq(try_import(&p, b, len, key, now), 0);
  for (size_t i = 0; i < len; i++) {
    for (int bit = 0; bit < 8; bit += 3) {
      b[i] ^= (uint8_t)(1 << bit);
      cr_assert_eq(try_import(&p, b, len, key, now), CSCTP_ERR_HANDOVER_AUTH, "byte %zu", i);
      b[i] ^= (uint8_t)(1 << bit);
    }
  }
  for (size_t l = 0; l < len; l++)
    cr_assert_eq(try_import(&p, b, l, key, now), CSCTP_ERR_HANDOVER_AUTH, "length %zu", l);
  uint8_t other[sizeof key];
  memcpy(other, key, sizeof key);
  other[5] ^= 1;
  cr_assert_eq(try_import(&p, b, len, other, now), CSCTP_ERR_HANDOVER_AUTH);
  cr_assert_eq(try_import(&p, b, len, key, now + MAX_AGE + 1), CSCTP_ERR_HANDOVER_STALE);
  cr_assert_eq(try_import(&p, b, len, key, now - 2 * CSCTP_SECONDS), CSCTP_ERR_HANDOVER_STALE);
  cr_assert_eq(try_import(&p, b, len, key, now + MAX_AGE), 0);
  dc_pair_del(&p);
}

/* Authentic (MACed again here) but inconsistent content: refused, nothing created. */
Test(dc_handover, inconsistent_content_refused) {
  dc_pair p;
  csctp_tstamp now;
  size_t len = ready_blob(&p, &now);
  static uint8_t b[sizeof blob];
  size_t body = len - CSCTP_HMAC_LEN;
  size_t alen = (size_t)blob[20] << 24 | (size_t)blob[21] << 16 | (size_t)blob[22] << 8 | blob[23];
  size_t ch0 = 24 + alen + 4, ch1 = ch0 + 26 + blob[ch0 + 22] * 256u + blob[ch0 + 23] +
                                    blob[ch0 + 24] * 256u + blob[ch0 + 25];
  cr_assert_lt(ch1, body);
  static const struct {
    size_t at;
    uint8_t v;
    int extra, rv;
  } cases[] = {
      {5, 0x02, 0, CSCTP_ERR_HANDOVER_VERSION}, /* version 2 */
      {0, 'X', 0, CSCTP_ERR_MALFORMED},         /* magic */
      {7, 0x04, 0, CSCTP_ERR_MALFORMED},        /* unknown flag */
      {0, 0, 1, CSCTP_ERR_MALFORMED},           /* a trailing byte */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    memcpy(b, blob, body);
    size_t n = body;
    if (cases[i].extra)
      b[n++] = 0;
    else
      b[cases[i].at] = cases[i].v;
    cr_assert_eq(csctp_hmac_sha256(key, sizeof key, b, n, b + n), 0);
    cr_assert_eq(try_import(&p, b, n + CSCTP_HMAC_LEN, key, now), cases[i].rv, "case %zu", i);
  }
  /* Per channel: a bad type, a stream out of order (a twin), 65535, a label not UTF-8. */
  for (int c = 0; c < 5; c++) {
    memcpy(b, blob, body);
    switch (c) {
    case 0: b[ch0 + 2] = 0x03; break;
    case 1: b[ch0 + 2] = 0x40; break;
    case 2:
      b[ch1] = b[ch0];
      b[ch1 + 1] = b[ch0 + 1];
      break;
    case 3: b[ch1] = b[ch1 + 1] = 0xff; break;
    case 4: b[ch0 + 26] = 0xff; break;
    }
    cr_assert_eq(csctp_hmac_sha256(key, sizeof key, b, body, b + body), 0);
    cr_assert_eq(try_import(&p, b, len, key, now), CSCTP_ERR_MALFORMED, "channel case %d", c);
  }
  /* Unchanged content under a fresh MAC still imports. */
  memcpy(b, blob, body);
  cr_assert_eq(csctp_hmac_sha256(key, sizeof key, b, body, b + body), 0);
  cr_assert_eq(try_import(&p, b, len, key, now), 0);
  dc_pair_del(&p);
}
