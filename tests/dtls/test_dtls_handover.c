/* SPDX-License-Identifier: MIT */
/*
 * DTLS handover (csctp_dtls_handover_*): a connected endpoint is exported and
 * imported, and the other side (OpenSSL's own record layer, which nobody here
 * wrote) goes on reading and writing records with it; replays are dropped; a
 * tampered, stale or foreign blob is refused. The blob format is re-implemented
 * here from its documentation (dtls_handover.c) to re-seal altered content.
 */
#include <criterion/criterion.h>
#include <csctp/dtls.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtls_pair.h"

static const uint8_t key[32] = "0123456789abcdef0123456789abcdef";

static dtls_pair *pair_up(const char *ciphers) {
  dtls_pair *p = calloc(1, sizeof *p);
  cr_assert_not_null(p);
  dtls_pair_opts o = {.seed = 7, .srtp = -1};
  o.cipher_list[0] = o.cipher_list[1] = ciphers;
  int rv = dtls_pair_init(p, &o);
  cr_assert_eq(rv, 0, "init: %s", csctp_strerror(rv));
  cr_assert(dtls_pair_run(p, dtls_pair_both_connected, 10 * CSCTP_SECONDS));
  return p;
}

static void pair_del(dtls_pair *p) {
  dtls_pair_free(p);
  free(p);
}

static void fill(uint8_t *b, size_t len, int seed) {
  for (size_t i = 0; i < len; i++) b[i] = (uint8_t)(seed * 31 + i * 7);
}

/* Side `from` sends `n` records of distinct content; the other side must receive them. */
static void exchange(dtls_pair *p, int from, int n, int seed) {
  dtls_pair_side *to = &p->side[1 - from];
  size_t before = to->ndata;
  for (int k = 0; k < n; k++) {
    uint8_t b[1000];
    size_t len = 100 + (size_t)(seed + k) * 13 % 900;
    fill(b, len, seed + k);
    int rv = csctp_dtls_send(p->side[from].ep, b, len, p->now);
    cr_assert_eq(rv, 0, "send: %s", csctp_strerror(rv));
  }
  dtls_pair_run(p, NULL, 1 * CSCTP_SECONDS);
  cr_assert_eq(to->ndata, before + (size_t)n, "side %d received %zu of %d records", 1 - from,
               to->ndata - before, n);
  for (int k = 0; k < n; k++) {
    uint8_t b[1000];
    size_t len = 100 + (size_t)(seed + k) * 13 % 900;
    fill(b, len, seed + k);
    cr_assert_eq(to->data_len[before + (size_t)k], len);
    cr_assert(memcmp(to->data[before + (size_t)k], b, len) == 0, "record %d differs", k);
  }
}

/* Exports side i and puts the imported endpoint in its place. */
static void hand_over(dtls_pair *p, int i) {
  csctp_dtls *old = p->side[i].ep;
  cr_assert_eq(csctp_dtls_handover_readiness(old), 0, "readiness %#x",
               csctp_dtls_handover_readiness(old));
  cr_assert_eq(csctp_dtls_handover_export(old, key, sizeof key, p->now, NULL, 0),
               CSCTP_DTLS_HANDOVER_SIZE);
  uint8_t blob[CSCTP_DTLS_HANDOVER_SIZE];
  csctp_ssize n = csctp_dtls_handover_export(old, key, sizeof key, p->now, blob, sizeof blob);
  cr_assert_eq(n, CSCTP_DTLS_HANDOVER_SIZE, "export: %s", csctp_strerror((int)n));
  /* The old endpoint is inert. */
  cr_assert_eq(csctp_dtls_get_state(old), CSCTP_DTLS_STATE_CLOSED);
  cr_assert_eq(csctp_dtls_handover_readiness(old) & CSCTP_DTLS_HANDOVER_NOT_CONNECTED,
               CSCTP_DTLS_HANDOVER_NOT_CONNECTED);
  cr_assert_eq(csctp_dtls_send(old, blob, 10, p->now), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_dtls_close(old, p->now), CSCTP_ERR_INVALID_STATE);
  uint8_t dg[1500];
  cr_assert_eq(csctp_dtls_write_datagram(old, dg, sizeof dg, p->now), 0);
  csctp_dtls *d = NULL;
  int rv = csctp_dtls_handover_import(&d, NULL, key, sizeof key, blob, sizeof blob,
                                      p->now + 50 * CSCTP_MILLISECONDS, 10 * CSCTP_SECONDS);
  cr_assert_eq(rv, 0, "import: %s", csctp_strerror(rv));
  cr_assert_eq(csctp_dtls_get_state(d), CSCTP_DTLS_STATE_CONNECTED);
  cr_assert_eq(csctp_dtls_get_role(d), csctp_dtls_get_role(old));
  cr_assert_str_eq(csctp_dtls_get_cipher(d), p->side[i].cipher);
  cr_assert_eq(csctp_dtls_data_mtu(d), csctp_dtls_data_mtu(p->side[1 - i].ep));
  csctp_dtls_event ev;
  cr_assert_eq(csctp_dtls_poll_event(d, &ev), 0, "no CONNECTED event after import");
  csctp_dtls_del(old);
  p->side[i].ep = d;
}

typedef struct suite_case {
  const char *ciphers, *name;
} suite_case;

static const suite_case suites[] = {
    {"ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {"ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {"ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
};

/* Records flow both ways across the handover of side `i` with suite `k`; the first record
 * the importer writes is numbered after every one the exporter wrote. */
static void continues(int k, int i) {
  const suite_case *c = &suites[k];
  dtls_pair *p = pair_up(c->ciphers);
  cr_assert_str_eq(p->side[0].cipher, c->name);
  if (i == 1) /* nothing from the client yet: the server cannot know it got our Finished */
    cr_assert_eq(csctp_dtls_handover_readiness(p->side[1].ep), CSCTP_DTLS_HANDOVER_UNCONFIRMED);
  else
    cr_assert_eq(csctp_dtls_handover_readiness(p->side[0].ep), 0);
  exchange(p, 0, 5, 1);
  exchange(p, 1, 7, 2);
  csctp_srtp_keys before, after;
  cr_assert_eq(csctp_dtls_export_srtp_keys(p->side[i].ep, &before), 0);
  /* The last sequence number the exporter wrote, from its last datagram on the wire. */
  uint8_t probe[200];
  fill(probe, sizeof probe, 9);
  cr_assert_eq(csctp_dtls_send(p->side[i].ep, probe, sizeof probe, p->now), 0);
  uint8_t dg[1500];
  csctp_ssize n = csctp_dtls_write_datagram(p->side[i].ep, dg, sizeof dg, p->now);
  cr_assert_gt(n, 13);
  uint64_t last = 0;
  for (int b = 5; b < 11; b++) last = last << 8 | dg[b];
  csctp_dtls_read_datagram(p->side[1 - i].ep, dg, (size_t)n, p->now);
  dtls_pair_run(p, NULL, 100 * CSCTP_MILLISECONDS);

  hand_over(p, i);
  cr_assert_eq(csctp_dtls_export_srtp_keys(p->side[i].ep, &after), 0);
  cr_assert(memcmp(&before, &after, sizeof before) == 0, "SRTP keys from the master secret");
  cr_assert_eq(csctp_dtls_send(p->side[i].ep, probe, 50, p->now), 0);
  n = csctp_dtls_write_datagram(p->side[i].ep, dg, sizeof dg, p->now);
  cr_assert_gt(n, 13);
  uint64_t first = 0;
  for (int b = 5; b < 11; b++) first = first << 8 | dg[b];
  cr_assert_gt(first, last, "importer writes sequence %llu after %llu", (unsigned long long)first,
               (unsigned long long)last);
  cr_assert_eq(dg[3] << 8 | dg[4], 1, "epoch 1");
  size_t had = p->side[1 - i].ndata;
  csctp_dtls_read_datagram(p->side[1 - i].ep, dg, (size_t)n, p->now);
  dtls_pair_run(p, NULL, 100 * CSCTP_MILLISECONDS);
  cr_assert_eq(p->side[1 - i].ndata, had + 1);
  cr_assert_eq(p->side[1 - i].data_len[had], 50);
  cr_assert(memcmp(p->side[1 - i].data[had], probe, 50) == 0);
  exchange(p, i, 9, 3);
  exchange(p, 1 - i, 9, 4);
  for (int s = 0; s < 2; s++) {
    cr_assert_not(p->side[s].failed, "side %d failed: %s", s,
                  csctp_strerror(p->side[s].error.u.error.error));
    csctp_dtls_stats st;
    csctp_dtls_get_stats(p->side[s].ep, &st);
    cr_assert_eq(st.dropped_auth + st.dropped_replay + st.dropped_other, 0);
  }
  pair_del(p);
}

Test(dtls_handover, aes128gcm_client) { continues(0, 0); }
Test(dtls_handover, aes128gcm_server) { continues(0, 1); }
Test(dtls_handover, aes256gcm_client) { continues(1, 0); }
Test(dtls_handover, aes256gcm_server) { continues(1, 1); }
Test(dtls_handover, chacha20_client) { continues(2, 0); }
Test(dtls_handover, chacha20_server) { continues(2, 1); }

/* A second handover of the imported endpoint (A to B to C). */
Test(dtls_handover, twice) {
  dtls_pair *p = pair_up(NULL);
  exchange(p, 0, 2, 1);
  hand_over(p, 1);
  exchange(p, 1, 3, 2);
  exchange(p, 0, 3, 3);
  hand_over(p, 1);
  exchange(p, 1, 3, 4);
  exchange(p, 0, 3, 5);
  pair_del(p);
}

/* The peer's old datagrams replayed to the importer are dropped; newer ones are not. */
Test(dtls_handover, replay_dropped) {
  dtls_pair *p = pair_up(NULL);
  uint8_t old[4][1500];
  size_t old_len[4];
  for (int k = 0; k < 4; k++) { /* the client's records to the server, captured */
    uint8_t b[300];
    fill(b, sizeof b, k);
    cr_assert_eq(csctp_dtls_send(p->side[0].ep, b, sizeof b, p->now), 0);
    csctp_ssize n = csctp_dtls_write_datagram(p->side[0].ep, old[k], sizeof old[k], p->now);
    cr_assert_gt(n, 0);
    old_len[k] = (size_t)n;
    if (k != 2) csctp_dtls_read_datagram(p->side[1].ep, old[k], old_len[k], p->now);
  }
  dtls_pair_run(p, NULL, 100 * CSCTP_MILLISECONDS);
  cr_assert_eq(p->side[1].ndata, 3);
  hand_over(p, 1);
  csctp_dtls_event ev;
  for (int k = 0; k < 4; k++) {
    if (k == 2) continue;
    csctp_dtls_read_datagram(p->side[1].ep, old[k], old_len[k], p->now);
    cr_assert_eq(csctp_dtls_poll_event(p->side[1].ep, &ev), 0, "replay %d delivered", k);
  }
  csctp_dtls_stats st;
  csctp_dtls_get_stats(p->side[1].ep, &st);
  cr_assert_eq(st.dropped_replay, 3);
  /* The one the server never saw is new (inside the window, not marked). */
  csctp_dtls_read_datagram(p->side[1].ep, old[2], old_len[2], p->now);
  cr_assert_eq(csctp_dtls_poll_event(p->side[1].ep, &ev), 1);
  cr_assert_eq(ev.type, CSCTP_DTLS_EVENT_DATA);
  cr_assert_eq(ev.u.data.len, 300);
  /* Altered ciphertext: not authentic. */
  uint8_t bad[1500];
  memcpy(bad, old[3], old_len[3]);
  bad[old_len[3] - 20] ^= 1;
  bad[10] ^= 0x40; /* a new sequence number, so that the window does not drop it first */
  csctp_dtls_read_datagram(p->side[1].ep, bad, old_len[3], p->now);
  cr_assert_eq(csctp_dtls_poll_event(p->side[1].ep, &ev), 0);
  csctp_dtls_get_stats(p->side[1].ep, &st);
  cr_assert_eq(st.dropped_auth, 1);
  exchange(p, 0, 3, 9);
  pair_del(p);
}

/* close_notify both ways between an imported endpoint and OpenSSL. */
Test(dtls_handover, close_both_ways) {
  for (int closer = 0; closer < 2; closer++) {
    dtls_pair *p = pair_up(NULL);
    exchange(p, 0, 1, 1);
    hand_over(p, 0);
    cr_assert_eq(csctp_dtls_close(p->side[closer].ep, p->now), 0);
    dtls_pair_run(p, NULL, 1 * CSCTP_SECONDS);
    cr_assert(p->side[closer].closed);
    cr_assert_not(p->side[closer].closed_by_peer);
    cr_assert(p->side[1 - closer].closed, "closer %d: the other side saw close_notify", closer);
    cr_assert(p->side[1 - closer].closed_by_peer);
    for (int s = 0; s < 2; s++) cr_assert_not(p->side[s].failed);
    pair_del(p);
  }
}

/* What stands in the way is reported, and export refuses until it is gone. */
Test(dtls_handover, readiness) {
  cr_assert_eq(csctp_dtls_handover_readiness(NULL), CSCTP_DTLS_HANDOVER_NOT_CONNECTED);
  dtls_pair *p = pair_up(NULL);
  csctp_dtls *c = p->side[0].ep;
  uint8_t b[100] = {0}, blob[CSCTP_DTLS_HANDOVER_SIZE];
  cr_assert_eq(csctp_dtls_send(c, b, sizeof b, p->now), 0);
  cr_assert_eq(csctp_dtls_handover_readiness(c), CSCTP_DTLS_HANDOVER_OUTPUT);
  cr_assert_eq(csctp_dtls_handover_export(c, key, sizeof key, p->now, blob, sizeof blob),
               CSCTP_ERR_INVALID_STATE);
  dtls_pair_run(p, NULL, 100 * CSCTP_MILLISECONDS);
  cr_assert_eq(csctp_dtls_send(p->side[1].ep, b, sizeof b, p->now), 0);
  uint8_t dg[1500];
  csctp_ssize n = csctp_dtls_write_datagram(p->side[1].ep, dg, sizeof dg, p->now);
  csctp_dtls_read_datagram(c, dg, (size_t)n, p->now);
  cr_assert_eq(csctp_dtls_handover_readiness(c), CSCTP_DTLS_HANDOVER_EVENTS);
  csctp_dtls_event ev;
  while (csctp_dtls_poll_event(c, &ev)) {}
  cr_assert_eq(csctp_dtls_handover_readiness(c), 0);
  cr_assert_eq(csctp_dtls_handover_export(c, key, 15, p->now, blob, sizeof blob),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_dtls_handover_export(c, key, sizeof key, p->now, blob, sizeof blob - 1),
               CSCTP_ERR_NOBUF);
  cr_assert_eq(csctp_dtls_get_state(c), CSCTP_DTLS_STATE_CONNECTED, "errors change nothing");
  pair_del(p);

  /* A suite the importer cannot continue. */
  dtls_pair *q = calloc(1, sizeof *q);
  dtls_pair_opts o = {.seed = 3, .srtp = -1};
  o.cipher_list[0] = o.cipher_list[1] = "ECDHE-ECDSA-AES128-SHA256";
  cr_assert_eq(dtls_pair_init(q, &o), 0);
  cr_assert(dtls_pair_run(q, dtls_pair_both_connected, 10 * CSCTP_SECONDS));
  cr_assert_eq(csctp_dtls_handover_readiness(q->side[0].ep), CSCTP_DTLS_HANDOVER_CIPHER);
  pair_del(q);
}

/* ---- the blob, re-sealed by this test from the documented format ---- */

static void blob_crypt(int enc, uint8_t *blob, size_t len) {
  uint8_t k[32];
  unsigned int kl = 0;
  static const char label[] = "csctp dtls handover";
  cr_assert_not_null(
      HMAC(EVP_sha256(), key, sizeof key, (const uint8_t *)label, sizeof label - 1, k, &kl));
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  int l = 0;
  size_t blen = len - 28 - 16;
  cr_assert_eq(EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, k, blob + 16, enc), 1);
  cr_assert_eq(EVP_CipherUpdate(c, NULL, &l, blob, 28), 1);
  cr_assert_eq(EVP_CipherUpdate(c, blob + 28, &l, blob + 28, (int)blen), 1);
  if (enc) {
    cr_assert_eq(EVP_CipherFinal_ex(c, blob + 28 + blen, &l), 1);
    cr_assert_eq(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, blob + len - 16), 1);
  } else {
    cr_assert_eq(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, blob + len - 16), 1);
    cr_assert_eq(EVP_CipherFinal_ex(c, blob + 28 + blen, &l), 1, "the test opens the blob");
  }
  EVP_CIPHER_CTX_free(c);
}

static int import(const uint8_t *blob, size_t len, csctp_tstamp now) {
  csctp_dtls *d = NULL;
  int rv = csctp_dtls_handover_import(&d, NULL, key, sizeof key, blob, len, now, 5 * CSCTP_SECONDS);
  if (rv == 0) {
    csctp_dtls_del(d);
  } else {
    cr_assert_null(d);
  }
  return rv;
}

Test(dtls_handover, blob_refused) {
  dtls_pair *p = pair_up(NULL);
  exchange(p, 0, 1, 1);
  csctp_tstamp t = p->now;
  uint8_t blob[CSCTP_DTLS_HANDOVER_SIZE], b[CSCTP_DTLS_HANDOVER_SIZE + 1];
  cr_assert_eq(csctp_dtls_handover_export(p->side[0].ep, key, sizeof key, t, blob, sizeof blob),
               CSCTP_DTLS_HANDOVER_SIZE);
  cr_assert_eq(memcmp(blob, "CSDT\0\1", 6), 0);
  cr_assert_eq(import(blob, sizeof blob, t), 0);
  for (size_t i = 0; i < sizeof blob; i++) { /* every byte is authenticated */
    memcpy(b, blob, sizeof blob);
    b[i] ^= 0x20;
    cr_assert_eq(import(b, sizeof blob, t), CSCTP_ERR_HANDOVER_AUTH, "byte %zu", i);
  }
  cr_assert_eq(import(blob, sizeof blob - 1, t), CSCTP_ERR_HANDOVER_AUTH);
  memcpy(b, blob, sizeof blob);
  b[sizeof blob] = 0;
  cr_assert_eq(import(b, sizeof blob + 1, t), CSCTP_ERR_HANDOVER_AUTH);
  uint8_t other[32];
  memcpy(other, key, sizeof other);
  other[0] ^= 1;
  csctp_dtls *d = NULL;
  cr_assert_eq(csctp_dtls_handover_import(&d, NULL, other, sizeof other, blob, sizeof blob, t,
                                          CSCTP_SECONDS),
               CSCTP_ERR_HANDOVER_AUTH);
  cr_assert_eq(csctp_dtls_handover_import(&d, NULL, key, 8, blob, sizeof blob, t, CSCTP_SECONDS),
               CSCTP_ERR_INVALID_ARGUMENT);
  /* Age: older than max_age, or from more than 1 s ahead. */
  cr_assert_eq(import(blob, sizeof blob, t + 5 * CSCTP_SECONDS), 0);
  cr_assert_eq(import(blob, sizeof blob, t + 5 * CSCTP_SECONDS + 1), CSCTP_ERR_HANDOVER_STALE);
  cr_assert_eq(import(blob, sizeof blob, t - 2 * CSCTP_SECONDS), CSCTP_ERR_HANDOVER_STALE);

  /* Authentic but another version, or inconsistent content. */
  struct {
    size_t at;
    uint8_t value;
    int want;
  } alter[] = {
      {5, 2, CSCTP_ERR_HANDOVER_VERSION},  /* version 2 */
      {0, 'X', CSCTP_ERR_MALFORMED},       /* magic */
      {28 + 0, 7, CSCTP_ERR_MALFORMED},    /* role */
      {28 + 2, 0x00, CSCTP_ERR_MALFORMED}, /* suite 0x002b: not one we continue */
      {28 + 4, 0x77, CSCTP_ERR_MALFORMED}, /* SRTP profile */
      {28 + 8, 0x01, CSCTP_ERR_MALFORMED}, /* write sequence beyond 48 bits */
      {28 + 32, 2, CSCTP_ERR_MALFORMED},   /* window flag */
  };
  for (size_t k = 0; k < sizeof alter / sizeof alter[0]; k++) {
    memcpy(b, blob, sizeof blob);
    blob_crypt(0, b, sizeof blob);
    b[alter[k].at] = alter[k].value;
    blob_crypt(1, b, sizeof blob);
    cr_assert_eq(import(b, sizeof blob, t), alter[k].want, "alteration %zu", k);
  }
  pair_del(p);
}
