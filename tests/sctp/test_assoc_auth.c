/* SPDX-License-Identifier: MIT */
/*
 * RFC 4895 authenticated chunks on engine pairs (virtual clock): negotiation on, off and
 * one-sided; DATA behind an AUTH chunk whose HMAC this test recomputes itself with libcrypto
 * from the parameters seen on the wire (§6.1 key formula); tampered, missing and wrong-key AUTH
 * dropped and counted with nothing changed; an unsupported HMAC Identifier answered with an
 * ERROR; key changes both ways; SHA-1 against SHA-256; the passive side's state from the cookie.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "assoc_util.h"
#include "simlink.h"

#define T0 ((csctp_tstamp)1000000)
#define REC_MAX 256

static void auth_plain(csctp_config *c) { c->auth = 1; }
static void auth_data(csctp_config *c) {
  c->auth = 1;
  CSCTP_AUTH_CHUNK_SET(c, CSCTP_CHUNK_DATA);
}
static void auth_data_sha1(csctp_config *c) {
  auth_data(c);
  c->auth_hmac = CSCTP_AUTH_HMAC_SHA1;
}

static csctp_stats stats_of(const side *s) {
  csctp_stats st;
  csctp_assoc_get_stats(s->a, &st);
  return st;
}

/* Every packet that crossed, in order, and who sent it (0: x / A, 1: y / B). */
static pkt rec_p[REC_MAX];
static int rec_from[REC_MAX];
static int rec_n;

static void rec_add(const uint8_t *b, size_t len, int from) {
  cr_assert(rec_n < REC_MAX);
  cr_assert(len <= PKT_MAX);
  memcpy(rec_p[rec_n].b, b, len);
  rec_p[rec_n].len = len;
  rec_from[rec_n++] = from;
}

/* exchange() that records every packet. */
static void xfer(side *x, side *y, csctp_tstamp now) {
  if (csctp_assoc_expiry(x->a) <= now) csctp_assoc_handle_expiry(x->a, now);
  if (csctp_assoc_expiry(y->a) <= now) csctp_assoc_handle_expiry(y->a, now);
  for (int round = 0; round < 100; round++) {
    pkt p[64];
    side *s[2] = {x, y};
    int moved = 0;
    for (int k = 0; k < 2; k++) {
      int n = side_pull(s[k], p, 64, now);
      for (int i = 0; i < n; i++) {
        rec_add(p[i].b, p[i].len, k);
        cr_assert_eq(csctp_assoc_read_packet(s[1 - k]->a, p[i].b, p[i].len, now), 0);
      }
      moved += n;
    }
    side_drain_events(x);
    side_drain_events(y);
    if (!moved) break;
  }
}

static void connect_rec(side *x, side *y) {
  rec_n = 0;
  cr_assert_eq(csctp_assoc_connect(x->a, T0), 0);
  xfer(x, y, T0);
  cr_assert_eq(csctp_assoc_get_state(x->a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_get_state(y->a), CSCTP_STATE_ESTABLISHED);
}

/* ---- the test's own reading of the wire (no engine code) ---- */

typedef struct raw_param {
  const uint8_t *p; /* whole parameter, header included */
  size_t len;       /* its Length field (unpadded) */
} raw_param;

/* The parameter of `type` in the INIT or INIT ACK packet p, found by hand. */
static raw_param init_param(const pkt *p, uint16_t type) {
  raw_param r = {0};
  size_t clen = csctp_get_u16(p->b + 14);
  size_t off = 12 + 4 + 16, end = 12 + clen;
  while (off + 4 <= end) {
    uint16_t t = csctp_get_u16(p->b + off), l = csctp_get_u16(p->b + off + 2);
    if (l < 4 || off + l > end) break;
    if (t == type) {
      r.p = p->b + off;
      r.len = l;
      return r;
    }
    off += (l + 3u) & ~3u;
  }
  return r;
}

/* A key vector (§6.1): RANDOM, CHUNKS, HMAC-ALGO as sent, without padding. */
static size_t key_vector(const pkt *p, uint8_t *out) {
  size_t n = 0;
  const uint16_t types[3] = {0x8002, 0x8003, 0x8004};
  for (int i = 0; i < 3; i++) {
    raw_param r = init_param(p, types[i]);
    cr_assert_not_null(r.p, "parameter %04x missing", types[i]);
    memcpy(out + n, r.p, r.len);
    n += r.len;
  }
  return n;
}

/* Big-endian comparison, the shorter padded with leading zeros. */
static int vec_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl) {
  size_t n = al > bl ? al : bl;
  for (size_t i = 0; i < n; i++) {
    int x = i < n - al ? 0 : a[i - (n - al)], y = i < n - bl ? 0 : b[i - (n - bl)];
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

static const pkt *find_first(uint8_t type) {
  for (int i = 0; i < rec_n; i++)
    if (rec_p[i].len > 12 && rec_p[i].b[12] == type) return &rec_p[i];
  return NULL;
}

/* The association key for shared key `s` (RFC 4895 §6.1), from the recorded INIT / INIT ACK. */
static size_t assoc_key(const uint8_t *s, size_t slen, uint8_t *out) {
  const pkt *init = find_first(CSCTP_CHUNK_INIT), *ack = find_first(CSCTP_CHUNK_INIT_ACK);
  cr_assert(init && ack);
  uint8_t v1[512], v2[512];
  size_t l1 = key_vector(init, v1), l2 = key_vector(ack, v2);
  if (slen) memcpy(out, s, slen); /* key 0 is the empty key (s NULL) */
  if (vec_cmp(v1, l1, v2, l2) <= 0) {
    memcpy(out + slen, v1, l1);
    memcpy(out + slen + l1, v2, l2);
  } else {
    memcpy(out + slen, v2, l2);
    memcpy(out + slen + l2, v1, l1);
  }
  return slen + l1 + l2;
}

/* Offset of the first chunk of `type` in p, 0 when none. */
static size_t chunk_off(const pkt *p, uint8_t type) {
  size_t off = 12;
  while (off + 4 <= p->len) {
    size_t l = csctp_get_u16(p->b + off + 2);
    if (l < 4) return 0;
    if (p->b[off] == type) return off;
    off += (l + 3u) & ~3u;
  }
  return 0;
}

/* Checks the AUTH chunk of p with libcrypto: returns 1 when its HMAC is right under shared key
 * s; *hmac_id and *key_id get its fields. */
static int hmac_verifies(const pkt *p, const uint8_t *s, size_t slen, uint16_t *hmac_id,
                         uint16_t *key_id) {
  size_t off = chunk_off(p, CSCTP_CHUNK_AUTH);
  cr_assert(off, "no AUTH chunk");
  size_t clen = csctp_get_u16(p->b + off + 2);
  *key_id = csctp_get_u16(p->b + off + 4);
  *hmac_id = csctp_get_u16(p->b + off + 6);
  size_t hlen = clen - 8;
  const EVP_MD *md = *hmac_id == 1 ? EVP_sha1() : *hmac_id == 3 ? EVP_sha256() : NULL;
  cr_assert_not_null(md, "HMAC id %u", *hmac_id);
  cr_assert_eq(hlen, (size_t)EVP_MD_get_size(md));
  uint8_t copy[PKT_MAX];
  memcpy(copy, p->b, p->len);
  memset(copy + off + 8, 0, hlen);
  uint8_t key[1200], mac[64];
  size_t klen = assoc_key(s, slen, key);
  unsigned mlen = 0;
  cr_assert_not_null(HMAC(md, key, (int)klen, copy + off, p->len - off, mac, &mlen));
  return mlen == hlen && memcmp(mac, p->b + off + 8, hlen) == 0;
}

static void send_msg(side *s, const char *text, csctp_tstamp now) {
  csctp_send_opts o = {.stream = 1, .ppid = 51};
  cr_assert_eq(csctp_assoc_send(s->a, &o, (const uint8_t *)text, strlen(text), now), 0);
}

static int count_msgs(const side *s) {
  int n = 0;
  for (int i = 0; i < s->nev; i++) n += s->evs[i].type == CSCTP_EVENT_MESSAGE;
  return n;
}

/* A DATA packet x would send now, pulled and not delivered. */
static pkt pull_data(side *x, const char *text, csctp_tstamp now) {
  send_msg(x, text, now);
  pkt p[8];
  cr_assert_eq(side_pull(x, p, 8, now), 1);
  cr_assert(chunk_off(&p[0], CSCTP_CHUNK_DATA));
  return p[0];
}

static void fix_crc(pkt *p) {
  memset(p->b + 8, 0, 4);
  csctp_packet_set_crc(p->b, p->len);
}

static void free_sides(side *x, side *y) {
  csctp_assoc_del(x->a);
  csctp_assoc_del(y->a);
}

/* ---- negotiation ---- */

Test(assoc_auth, off_by_default_nothing_announced_nothing_added) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  connect_rec(&x, &y);
  cr_assert_null(init_param(find_first(CSCTP_CHUNK_INIT), 0x8002).p);
  cr_assert_null(init_param(find_first(CSCTP_CHUNK_INIT_ACK), 0x8002).p);
  cr_assert_eq(stats_of(&x).auth + stats_of(&y).auth, 0);
  pkt d = pull_data(&x, "plain", T0);
  cr_assert_eq(chunk_off(&d, CSCTP_CHUNK_AUTH), 0);
  cr_assert_eq(csctp_assoc_auth_set_key(x.a, 1, NULL, 0), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_assoc_auth_activate_key(x.a, 0), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_assoc_auth_delete_key(x.a, 0), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_assoc_auth_set_key(NULL, 1, NULL, 0), CSCTP_ERR_INVALID_ARGUMENT);
  /* An HMAC-ALGO choice that does not exist is refused at creation. */
  csctp_config bad = test_config(&x, 3);
  bad.auth = 1;
  bad.auth_hmac = 2;
  csctp_assoc *none = NULL;
  cr_assert_eq(csctp_assoc_new(&none, &bad), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_null(none);
  free_sides(&x, &y);
}

Test(assoc_auth, both_on_negotiated_parameters_as_configured) {
  side x, y;
  side_new_cfg(&x, 1, auth_data);
  side_new_cfg(&y, 2, auth_plain);
  connect_rec(&x, &y);
  const pkt *init = find_first(CSCTP_CHUNK_INIT), *ack = find_first(CSCTP_CHUNK_INIT_ACK);
  raw_param r = init_param(init, 0x8002), c = init_param(init, 0x8003),
            h = init_param(init, 0x8004);
  cr_assert_eq(r.len, 4 + 32);
  cr_assert_eq(c.len, 5); /* DATA only */
  cr_assert_eq(c.p[4], CSCTP_CHUNK_DATA);
  cr_assert_eq(h.len, 8);
  cr_assert_eq(csctp_get_u16(h.p + 4), 3);      /* SHA-256 first */
  cr_assert_eq(csctp_get_u16(h.p + 6), 1);      /* then SHA-1 */
  cr_assert_eq(init_param(ack, 0x8003).len, 4); /* y lists nothing */
  cr_assert_neq(memcmp(r.p + 4, init_param(ack, 0x8002).p + 4, 32), 0);
  cr_assert_eq(stats_of(&x).auth, 1);
  cr_assert_eq(stats_of(&y).auth, 1);
  /* The handover blob carries no keys: an association with AUTH stays where it is. */
  cr_assert(csctp_assoc_handover_readiness(x.a) & CSCTP_HANDOVER_AUTH);
  /* y listed nothing: x sends without AUTH; x listed DATA: y's DATA carries AUTH. */
  pkt dx = pull_data(&x, "from x", T0);
  cr_assert_eq(chunk_off(&dx, CSCTP_CHUNK_AUTH), 0);
  pkt dy = pull_data(&y, "from y", T0);
  cr_assert(chunk_off(&dy, CSCTP_CHUNK_AUTH) &&
            chunk_off(&dy, CSCTP_CHUNK_AUTH) < chunk_off(&dy, CSCTP_CHUNK_DATA));
  free_sides(&x, &y);
}

Test(assoc_auth, one_sided_is_off_and_data_flows_plain) {
  for (int who = 0; who < 2; who++) {
    side x, y;
    side_new_cfg(&x, 1, who ? NULL : auth_data);
    side_new_cfg(&y, 2, who ? auth_data : NULL);
    connect_rec(&x, &y);
    cr_assert_eq(stats_of(&x).auth + stats_of(&y).auth, 0);
    send_msg(&x, "one", T0);
    send_msg(&y, "two", T0);
    int from = rec_n;
    xfer(&x, &y, T0);
    for (int i = from; i < rec_n; i++) cr_assert_eq(chunk_off(&rec_p[i], CSCTP_CHUNK_AUTH), 0);
    cr_assert_eq(count_msgs(&x), 1);
    cr_assert_eq(count_msgs(&y), 1);
    free_sides(&x, &y);
  }
}

/* ---- the wire, on a simulated link ---- */

static int tap_rec(csctp_simlink *link, int dir, uint8_t *p, size_t *len, size_t cap, void *u) {
  (void)link;
  (void)cap;
  (void)u;
  rec_add(p, *len, dir);
  return 0;
}

typedef struct got {
  int msgs[2];
} got;

static void on_ev(csctp_simlink *link, int s, const csctp_event *ev, void *user) {
  (void)link;
  got *g = user;
  if (ev->type == CSCTP_EVENT_MESSAGE) g->msgs[s]++;
}

static int both_got(csctp_simlink *link, void *user) {
  (void)link;
  got *g = user;
  return g->msgs[0] >= 20 && g->msgs[1] >= 20;
}

Test(assoc_auth, data_behind_auth_hmac_verified_independently) {
  side x, y;
  side_new_cfg(&x, 1, auth_data);
  side_new_cfg(&y, 2, auth_data);
  csctp_simlink_config lc;
  csctp_simlink_config_default(&lc);
  csctp_simlink *link = csctp_simlink_new(&lc);
  cr_assert_not_null(link);
  csctp_simlink_attach_assocs(link, x.a, y.a);
  got g = {{0, 0}};
  csctp_simlink_set_event_handler(link, 0, on_ev, &g);
  csctp_simlink_set_event_handler(link, 1, on_ev, &g);
  rec_n = 0;
  csctp_simlink_set_tap(link, tap_rec, NULL);
  cr_assert_eq(csctp_assoc_connect(x.a, csctp_simlink_now(link)), 0);
  uint8_t big[3000];
  memset(big, 'q', sizeof big);
  csctp_send_opts o = {.stream = 2, .ppid = 53};
  /* x's messages are queued before the handshake ends: the first go with the COOKIE ECHO. */
  for (int i = 0; i < 20; i++)
    cr_assert_eq(csctp_assoc_send(x.a, &o, big, 100 + 140 * (size_t)i, csctp_simlink_now(link)), 0);
  g.msgs[0] = 20; /* wait for y's side first */
  cr_assert_eq(csctp_simlink_run_until(link, both_got, &g, 10 * CSCTP_SECONDS), CSCTP_SIMLINK_DONE);
  g.msgs[0] = 0;
  for (int i = 0; i < 20; i++)
    cr_assert_eq(csctp_assoc_send(y.a, &o, big, 100 + 140 * (size_t)i, csctp_simlink_now(link)), 0);
  cr_assert_eq(csctp_simlink_run_until(link, both_got, &g, 10 * CSCTP_SECONDS), CSCTP_SIMLINK_DONE);
  int n_data = 0;
  for (int i = 0; i < rec_n; i++) {
    const pkt *p = &rec_p[i];
    size_t d = chunk_off(p, CSCTP_CHUNK_DATA);
    if (!d) continue;
    n_data++;
    size_t a = chunk_off(p, CSCTP_CHUNK_AUTH);
    cr_assert(a && a < d, "packet %d: DATA without an AUTH before it", i);
    uint16_t hid, kid;
    cr_assert(hmac_verifies(p, NULL, 0, &hid, &kid), "packet %d: HMAC does not verify", i);
    cr_assert_eq(hid, 3);
    cr_assert_eq(kid, 0);
    cr_assert_leq(p->len, 1200);
  }
  cr_assert_geq(n_data, 20);
  csctp_stats sx = stats_of(&x), sy = stats_of(&y);
  cr_assert_gt(sx.auth_out, 0);
  cr_assert_gt(sy.auth_in, 0);
  cr_assert_eq(
      sx.auth_drop_missing + sy.auth_drop_missing + sx.auth_drop_bad_hmac + sy.auth_drop_bad_hmac,
      0);
  csctp_simlink_del(link);
  free_sides(&x, &y);
}

/* ---- what is dropped ---- */

static void two_with_data_auth(side *x, side *y) {
  side_new_cfg(x, 1, auth_data);
  side_new_cfg(y, 2, auth_data);
  connect_rec(x, y);
}

/* Delivers p to y: nothing taken, the counter `field` of y moved by one. */
static void expect_dropped(side *y, const pkt *p, size_t field_off) {
  csctp_stats before = stats_of(y);
  uint32_t cum = y->a->rxt.cum;
  int msgs = count_msgs(y);
  cr_assert_eq(csctp_assoc_read_packet(y->a, p->b, p->len, T0), 0);
  side_drain_events(y);
  csctp_stats after = stats_of(y);
  uint64_t b, a;
  memcpy(&b, (const uint8_t *)&before + field_off, 8);
  memcpy(&a, (const uint8_t *)&after + field_off, 8);
  cr_assert_eq(a, b + 1, "counter did not move");
  cr_assert_eq(y->a->rxt.cum, cum, "DATA was taken");
  cr_assert_eq(count_msgs(y), msgs);
  cr_assert_eq(after.auth_in, before.auth_in);
}

Test(assoc_auth, tampered_hmac_or_payload_dropped_nothing_changes) {
  side x, y;
  two_with_data_auth(&x, &y);
  pkt good = pull_data(&x, "tamper me", T0);
  pkt bad = good;
  bad.b[chunk_off(&bad, CSCTP_CHUNK_AUTH) + 8] ^= 1; /* HMAC */
  fix_crc(&bad);
  expect_dropped(&y, &bad, offsetof(csctp_stats, auth_drop_bad_hmac));
  bad = good;
  bad.b[bad.len - 4] ^= 0x20; /* payload */
  fix_crc(&bad);
  expect_dropped(&y, &bad, offsetof(csctp_stats, auth_drop_bad_hmac));
  /* the original is taken */
  cr_assert_eq(csctp_assoc_read_packet(y.a, good.b, good.len, T0), 0);
  side_drain_events(&y);
  cr_assert_eq(count_msgs(&y), 1);
  cr_assert_eq(stats_of(&y).auth_in, 1);
  free_sides(&x, &y);
}

Test(assoc_auth, listed_chunk_without_auth_dropped) {
  side x, y;
  two_with_data_auth(&x, &y);
  pkt good = pull_data(&x, "strip me", T0);
  size_t a = chunk_off(&good, CSCTP_CHUNK_AUTH);
  size_t alen = csctp_get_u16(good.b + a + 2);
  pkt bare = good;
  memmove(bare.b + a, bare.b + a + alen, good.len - a - alen);
  bare.len -= alen;
  fix_crc(&bare);
  expect_dropped(&y, &bare, offsetof(csctp_stats, auth_drop_missing));
  /* DATA before a valid AUTH is not covered by it either. */
  free_sides(&x, &y);
}

Test(assoc_auth, unknown_key_id_dropped_unsupported_hmac_id_answered) {
  side x, y;
  two_with_data_auth(&x, &y);
  pkt good = pull_data(&x, "keys", T0);
  size_t a = chunk_off(&good, CSCTP_CHUNK_AUTH);
  pkt bad = good;
  csctp_put_u16(bad.b + a + 4, 7); /* key 7: y has none */
  fix_crc(&bad);
  expect_dropped(&y, &bad, offsetof(csctp_stats, auth_drop_key_id));
  pkt none[4];
  cr_assert_eq(side_pull(&y, none, 4, T0), 0, "a wrong key id is not answered");
  bad = good;
  csctp_put_u16(bad.b + a + 6, 2); /* HMAC id 2: not in y's list */
  fix_crc(&bad);
  expect_dropped(&y, &bad, offsetof(csctp_stats, auth_drop_hmac_id));
  pkt out[4];
  int n = side_pull(&y, out, 4, T0);
  cr_assert_geq(n, 1);
  size_t e = chunk_off(&out[0], CSCTP_CHUNK_ERROR);
  cr_assert(e, "no ERROR");
  cr_assert_eq(csctp_get_u16(out[0].b + e + 4), 0x0105);
  cr_assert_eq(csctp_get_u16(out[0].b + e + 6), 6);
  cr_assert_eq(csctp_get_u16(out[0].b + e + 8), 2);
  free_sides(&x, &y);
}

/* ---- keys ---- */

Test(assoc_auth, key_change_both_ways_old_key_until_deleted) {
  side x, y;
  two_with_data_auth(&x, &y);
  static const uint8_t k1[] = "a shared secret";
  cr_assert_eq(csctp_assoc_auth_set_key(x.a, 1, k1, sizeof k1), 0);
  cr_assert_eq(csctp_assoc_auth_set_key(y.a, 1, k1, sizeof k1), 0);
  cr_assert_eq(csctp_assoc_auth_activate_key(x.a, 9), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_assoc_auth_activate_key(x.a, 1), 0);
  cr_assert_eq(csctp_assoc_auth_delete_key(x.a, 1), CSCTP_ERR_INVALID_STATE, "active key");
  /* x sends with key 1; y holds 0 and 1 and takes it. */
  pkt p = pull_data(&x, "key one", T0);
  uint16_t hid, kid;
  rec_n = 2; /* keep the INIT and INIT ACK of connect_rec */
  cr_assert(hmac_verifies(&p, k1, sizeof k1, &hid, &kid));
  cr_assert_eq(kid, 1);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
  side_drain_events(&y);
  cr_assert_eq(count_msgs(&y), 1);
  /* x drops key 0; y still sends with it: refused, until y changes too. */
  cr_assert_eq(csctp_assoc_auth_delete_key(x.a, 0), 0);
  cr_assert_eq(csctp_assoc_auth_delete_key(x.a, 0), CSCTP_ERR_INVALID_ARGUMENT);
  pkt q = pull_data(&y, "key zero", T0);
  expect_dropped(&x, &q, offsetof(csctp_stats, auth_drop_key_id));
  cr_assert_eq(csctp_assoc_auth_activate_key(y.a, 1), 0);
  xfer(&x, &y, T0 + 5 * CSCTP_SECONDS); /* y's T3 retransmits under key 1 */
  cr_assert_eq(count_msgs(&x), 1);
  /* A key replaced under its id: both must agree again. */
  static const uint8_t k2[] = "another";
  cr_assert_eq(csctp_assoc_auth_set_key(x.a, 1, k2, sizeof k2), 0);
  pkt r = pull_data(&x, "replaced", T0 + 5 * CSCTP_SECONDS);
  cr_assert(hmac_verifies(&r, k2, sizeof k2, &hid, &kid));
  free_sides(&x, &y);
}

Test(assoc_auth, sha1_when_the_receiver_lists_only_sha1) {
  side x, y;
  side_new_cfg(&x, 1, auth_data_sha1);
  side_new_cfg(&y, 2, auth_data);
  connect_rec(&x, &y);
  raw_param h = init_param(find_first(CSCTP_CHUNK_INIT), 0x8004);
  cr_assert_eq(h.len, 6);
  cr_assert_eq(csctp_get_u16(h.p + 4), 1);
  uint16_t hid, kid;
  pkt to_x = pull_data(&y, "sha1", T0);
  cr_assert(hmac_verifies(&to_x, NULL, 0, &hid, &kid));
  cr_assert_eq(hid, 1, "x listed SHA-1 only");
  pkt to_y = pull_data(&x, "sha256", T0);
  cr_assert(hmac_verifies(&to_y, NULL, 0, &hid, &kid));
  cr_assert_eq(hid, 3, "y listed SHA-256 first");
  cr_assert_eq(csctp_assoc_read_packet(x.a, to_x.b, to_x.len, T0), 0);
  cr_assert_eq(csctp_assoc_read_packet(y.a, to_y.b, to_y.len, T0), 0);
  side_drain_events(&x);
  side_drain_events(&y);
  cr_assert_eq(count_msgs(&x) + count_msgs(&y), 2);
  free_sides(&x, &y);
}

/* ---- the passive side ---- */

static void auth_data_echo(csctp_config *c) {
  auth_data(c);
  CSCTP_AUTH_CHUNK_SET(c, CSCTP_CHUNK_COOKIE_ECHO);
}

/* What a peer that bundles DATA with its COOKIE ECHO sends (the engine itself does not): the
 * COOKIE ECHO chunk of `echo`, an AUTH and a DATA chunk with x's initial TSN, in the order
 * COOKIE ECHO, AUTH, DATA (or AUTH, COOKIE ECHO, DATA when `auth_first`), the HMAC computed
 * here with the key formula of §6.1; `tamper` spoils it. */
static pkt craft_echo(const pkt *echo, int auth_first, int tamper) {
  const pkt *init = find_first(CSCTP_CHUNK_INIT);
  size_t eo = chunk_off(echo, CSCTP_CHUNK_COOKIE_ECHO);
  size_t elen = (csctp_get_u16(echo->b + eo + 2) + 3u) & ~3u;
  uint8_t auth[40] = {CSCTP_CHUNK_AUTH, 0, 0, 40, 0, 0, 0, 3};
  uint8_t data[20] = {CSCTP_CHUNK_DATA, 3, 0, 18};
  memcpy(data + 4, init->b + 28, 4); /* x's initial TSN */
  csctp_put_u32(data + 12, 51);
  data[16] = 'h';
  data[17] = 'i';
  pkt p;
  memcpy(p.b, echo->b, 12);
  size_t n = 12;
  if (auth_first) {
    memcpy(p.b + n, auth, 40);
    memcpy(p.b + n + 40, echo->b + eo, elen);
  } else {
    memcpy(p.b + n, echo->b + eo, elen);
    memcpy(p.b + n + elen, auth, 40);
  }
  n += elen + 40;
  memcpy(p.b + n, data, 20);
  p.len = n + 20;
  size_t a = auth_first ? 12 : 12 + elen;
  uint8_t key[1200], mac[32];
  size_t klen = assoc_key(NULL, 0, key);
  unsigned mlen = 0;
  cr_assert_not_null(HMAC(EVP_sha256(), key, (int)klen, p.b + a, p.len - a, mac, &mlen));
  memcpy(p.b + a + 8, mac, 32);
  if (tamper) p.b[p.len - 3] ^= 1;
  fix_crc(&p);
  return p;
}

Test(assoc_auth, passive_side_takes_its_random_and_the_peers_from_the_cookie) {
  for (int auth_first = 0; auth_first < 2; auth_first++) {
    side x, y;
    side_new_cfg(&x, 1, auth_data);
    side_new_cfg(&y, 2, auth_first ? auth_data_echo : auth_data);
    rec_n = 0;
    cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
    pkt p[4];
    cr_assert_eq(side_pull(&x, p, 4, T0), 1); /* INIT */
    rec_add(p[0].b, p[0].len, 0);
    cr_assert_eq(csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0), 0);
    cr_assert_eq(side_pull(&y, p, 4, T0), 1); /* INIT ACK */
    rec_add(p[0].b, p[0].len, 1);
    cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_CLOSED, "no state before the cookie");
    cr_assert_eq(csctp_assoc_read_packet(x.a, p[0].b, p[0].len, T0), 0);
    cr_assert_eq(side_pull(&x, p, 4, T0), 1);
    pkt echo = p[0];
    /* x puts an AUTH before its COOKIE ECHO only when y listed COOKIE ECHO (§6.2). */
    cr_assert_eq(echo.b[12], auth_first ? CSCTP_CHUNK_AUTH : CSCTP_CHUNK_COOKIE_ECHO);
    if (auth_first) {
      uint16_t hid, kid;
      cr_assert(hmac_verifies(&echo, NULL, 0, &hid, &kid));
    }
    /* Tampered: the cookie is good (y is established from it), the DATA is not taken. */
    pkt bad = craft_echo(&echo, auth_first, 1);
    cr_assert_eq(csctp_assoc_read_packet(y.a, bad.b, bad.len, T0), 0);
    side_drain_events(&y);
    cr_assert_eq(count_msgs(&y), 0);
    cr_assert_eq(stats_of(&y).auth_drop_bad_hmac, 1, "auth_first %d", auth_first);
    cr_assert_eq(stats_of(&y).auth, 1);
    /* The RANDOM the passive side uses is the one its INIT ACK carried. */
    raw_param r = init_param(find_first(CSCTP_CHUNK_INIT_ACK), 0x8002);
    cr_assert_eq(memcmp(y.a->auth->local_random, r.p + 4, 32), 0);
    /* The good one (a duplicate COOKIE ECHO now): the DATA is taken. */
    pkt good = craft_echo(&echo, auth_first, 0);
    cr_assert_eq(csctp_assoc_read_packet(y.a, good.b, good.len, T0), 0);
    side_drain_events(&y);
    cr_assert_eq(count_msgs(&y), 1);
    cr_assert_eq(stats_of(&y).auth_in, 1);
    free_sides(&x, &y);
  }
}

/* ---- through an endpoint: its listener answers the INIT, the cookie creates the association ----
 */

/* With COOKIE ECHO listed too, the AUTH goes before the COOKIE ECHO (§6.2) and the endpoint
 * routes the packet by the chunk after it. */
static void endpoint_case(int echo_listed) {
  side x, yv;
  side_new_cfg(&x, 1, auth_data);
  csctp_config ec = test_config(&yv, 2);
  if (echo_listed)
    auth_data_echo(&ec);
  else
    auth_data(&ec);
  csctp_endpoint *ep = NULL;
  cr_assert_eq(csctp_endpoint_new(&ep, &ec), 0);
  csctp_endpoint_listen(ep, 1);
  csctp_addr from = {.len = 4, .data = {10, 0, 0, 1}}, to;
  cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
  csctp_assoc *ya = NULL;
  int msgs = 0;
  send_msg(&x, "queued", T0);
  for (int round = 0; round < 20; round++) {
    pkt p[16];
    int n = side_pull(&x, p, 16, T0), m = 0;
    for (int i = 0; i < n; i++) {
      csctp_assoc *made = NULL;
      cr_assert_eq(csctp_endpoint_read_packet(ep, &from, p[i].b, p[i].len, T0, &made), 0);
      if (made) ya = made;
    }
    uint8_t buf[PKT_MAX];
    csctp_ssize len;
    while ((len = csctp_endpoint_write_packet(ep, buf, sizeof buf, T0, &to, NULL)) > 0) {
      cr_assert_eq(csctp_assoc_read_packet(x.a, buf, (size_t)len, T0), 0);
      m++;
    }
    csctp_event ev;
    csctp_assoc *who;
    while (csctp_endpoint_poll_event(ep, &who, &ev) == 1) msgs += ev.type == CSCTP_EVENT_MESSAGE;
    side_drain_events(&x);
    if (!n && !m) break;
  }
  cr_assert_not_null(ya);
  cr_assert_eq(msgs, 1);
  csctp_stats st;
  csctp_assoc_get_stats(ya, &st);
  cr_assert_eq(st.auth, 1);
  cr_assert_eq(st.auth_in, echo_listed ? 2 : 1, "the DATA (and COOKIE ECHO) came behind an AUTH");
  cr_assert_eq(stats_of(&x).auth, 1);
  csctp_endpoint_del(ep);
  csctp_assoc_del(x.a);
}

Test(assoc_auth, endpoint_association_negotiates_from_the_cookie) {
  endpoint_case(0);
  endpoint_case(1);
}

/* SNAP's INIT (a description attribute) carries no AUTH parameters: it still fits 64 bytes. */
Test(assoc_auth, snap_init_without_auth_parameters) {
  side x;
  side_new_cfg(&x, 1, auth_data);
  uint8_t b[64];
  csctp_ssize n = csctp_assoc_snap_init(x.a, b, sizeof b);
  cr_assert_gt(n, 0);
  pkt p = {.len = 12 + (size_t)n};
  memcpy(p.b + 12, b, (size_t)n);
  cr_assert_null(init_param(&p, 0x8002).p);
  csctp_assoc_del(x.a);
}
