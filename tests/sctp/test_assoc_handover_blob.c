/* SPDX-License-Identifier: MIT */
/*
 * Handover (src/assoc_handover.c): the readiness reasons, each in its
 * situation, and the blobs import refuses (altered, truncated, wrong key,
 * stale, from the future, another version, another configuration).
 */
#include <string.h>

#include "handover_util.h"

static end A, B;
static uint8_t blob[65536], tmp[65536];

/* Export is refused with `bit` among the reasons, and the association goes on unchanged. */
static void refused(end *e, int bit, csctp_tstamp now) {
  int r = csctp_assoc_handover_readiness(e->a);
  cr_assert(r & bit, "reason %#x not in %#x", bit, r);
  cr_assert_eq(csctp_assoc_handover_export(e->a, key, sizeof key, now, blob, sizeof blob),
               CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_assoc_handover_readiness(e->a), r, "the refusal changed something");
  cr_assert_eq(csctp_assoc_get_state(e->a), CSCTP_STATE_ESTABLISHED);
}

/* Everything sent is delivered once the pair settles, and the blob then goes through. */
static void recovers(csctp_tstamp *now) {
  settle(&A, &B, now);
  for (int s = 0; s < NSTREAMS; s++) {
    for (uint32_t i = 0; i < A.tx_seq[s]; i++) cr_assert(B.rx_seen[s][i]);
    for (uint32_t i = 0; i < B.tx_seq[s]; i++) cr_assert(A.rx_seen[s][i]);
  }
  hand_over(&A, *now, blob, NULL);
  send_some(&A, 6, *now);
  send_some(&B, 6, *now);
  settle(&A, &B, now);
  cr_assert_eq(A.bad_events + B.bad_events, 0);
  csctp_assoc_del(A.a);
  csctp_assoc_del(B.a);
}

static csctp_tstamp start(void) {
  csctp_tstamp now = 1000 * CSCTP_SECONDS;
  establish_pair(&A, &B, 0, now);
  send_some(&A, 8, now);
  send_some(&B, 8, now);
  settle(&A, &B, &now);
  return now;
}

Test(handover_ready, not_established) {
  end_new(&A, 1, 0);
  cr_assert_eq(csctp_assoc_handover_readiness(NULL), CSCTP_HANDOVER_NOT_ESTABLISHED);
  cr_assert_eq(csctp_assoc_handover_readiness(A.a), CSCTP_HANDOVER_NOT_ESTABLISHED);
  cr_assert_eq(csctp_assoc_handover_export(A.a, key, sizeof key, 0, blob, sizeof blob),
               CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_assoc_connect(A.a, 0), 0);
  cr_assert(csctp_assoc_handover_readiness(A.a) & CSCTP_HANDOVER_NOT_ESTABLISHED);
  uint8_t b[HPKT];
  cr_assert(csctp_assoc_write_packet(A.a, b, sizeof b, 0) > 0, "the INIT still goes");
  csctp_assoc_del(A.a);
}

Test(handover_ready, data_queued) {
  csctp_tstamp now = start();
  send_some(&A, 1, now);
  refused(&A, CSCTP_HANDOVER_DATA_QUEUED, now);
  recovers(&now);
}

Test(handover_ready, data_in_flight) {
  csctp_tstamp now = start();
  send_some(&A, 3, now);
  cr_assert(move(&A, NULL, now) > 0); /* lost */
  refused(&A, CSCTP_HANDOVER_DATA_IN_FLIGHT, now);
  cr_assert_eq(csctp_assoc_handover_readiness(A.a) & CSCTP_HANDOVER_DATA_QUEUED, 0);
  recovers(&now);
}

/* Feeds B's packets to A: only the one numbered `only` (0-based), or all but it when `skip`. */
static int feed_some(int only, int skip, csctp_tstamp now) {
  uint8_t b[8][HPKT];
  size_t len[8];
  int n = 0;
  csctp_ssize l;
  while ((l = csctp_assoc_write_packet(B.a, b[n], HPKT, now)) > 0) {
    len[n++] = (size_t)l;
    cr_assert(n < 8);
  }
  for (int i = 0; i < n; i++)
    if ((i == only) != skip) cr_assert_eq(csctp_assoc_read_packet(A.a, b[i], len[i], now), 0);
  return n;
}

Test(handover_ready, reassembly_partial_message) {
  csctp_tstamp now = start();
  uint8_t m[3000] = {0};
  csctp_send_opts o = {.stream = 9};
  cr_assert_eq(csctp_assoc_send(B.a, &o, m, sizeof m, now), 0); /* three fragments */
  cr_assert_eq(feed_some(0, 0, now), 3);                        /* the first only */
  drain(&A);
  refused(&A, CSCTP_HANDOVER_REASSEMBLY, now);
  settle(&A, &B, &now); /* the rest is retransmitted */
  cr_assert_eq(A.other, 1);
  recovers(&now);
}

Test(handover_ready, reassembly_gap) {
  csctp_tstamp now = start();
  csctp_send_opts o = {.stream = 9};
  /* Two packets, the first lost: the second is held above a gap. */
  uint8_t big[1100] = {0};
  for (int i = 0; i < 2; i++) cr_assert_eq(csctp_assoc_send(B.a, &o, big, sizeof big, now), 0);
  cr_assert_eq(feed_some(0, 1, now), 2);
  drain(&A);
  refused(&A, CSCTP_HANDOVER_REASSEMBLY, now);
  settle(&A, &B, &now);
  cr_assert_eq(A.other, 2);
  recovers(&now);
}

Test(handover_ready, delivery_and_output) {
  csctp_tstamp now = start();
  csctp_send_opts o = {.stream = 9};
  uint8_t m[100] = {0};
  cr_assert_eq(csctp_assoc_send(B.a, &o, m, sizeof m, now), 0);
  move(&B, &A, now); /* not polled yet */
  refused(&A, CSCTP_HANDOVER_DELIVERY, now);
  refused(&A, CSCTP_HANDOVER_OUTPUT, now); /* the delayed SACK */
  csctp_event ev;
  cr_assert_eq(csctp_assoc_poll_event(A.a, &ev), 1);
  cr_assert_eq(ev.type, CSCTP_EVENT_MESSAGE);
  /* The message handed out is the application's: neither delivery nor reassembly holds it. */
  int r = csctp_assoc_handover_readiness(A.a);
  cr_assert_eq(r & (CSCTP_HANDOVER_DELIVERY | CSCTP_HANDOVER_REASSEMBLY), 0, "%#x", r);
  refused(&A, CSCTP_HANDOVER_OUTPUT, now);
  drain(&A);
  recovers(&now);
}

Test(handover_ready, reconfig) {
  csctp_tstamp now = start();
  uint16_t id = 2;
  cr_assert_eq(csctp_assoc_reset_streams(A.a, &id, 1, now), 0);
  refused(&A, CSCTP_HANDOVER_RECONFIG, now);
  cr_assert_eq(csctp_assoc_reset_incoming_streams(B.a, &id, 1, now), 0);
  refused(&B, CSCTP_HANDOVER_RECONFIG, now);
  settle(&A, &B, &now);
  cr_assert_eq(A.resets + B.resets, 5);
  recovers(&now);
}

Test(handover_ready, forward_tsn) {
  csctp_tstamp now = start();
  csctp_send_opts o = {.stream = 9, .pr_policy = CSCTP_PR_RTX, .pr_value = 0};
  uint8_t m[100] = {0};
  cr_assert_eq(csctp_assoc_send(A.a, &o, m, sizeof m, now), 0);
  cr_assert(move(&A, NULL, now) > 0); /* lost: abandoned at the retransmission */
  int seen = 0;
  for (int i = 0; i < 100 && !seen; i++) {
    now += 50 * MS;
    if (csctp_assoc_expiry(A.a) <= now) csctp_assoc_handle_expiry(A.a, now);
    seen = csctp_assoc_handover_readiness(A.a) & CSCTP_HANDOVER_FORWARD_TSN;
    if (!seen) move(&A, NULL, now);
  }
  refused(&A, CSCTP_HANDOVER_FORWARD_TSN, now);
  recovers(&now);
}

/* ---- the blob ---- */

/* A was exported into blob[0..n): the blob imports and the pair goes on. */
static void imports(size_t n, csctp_tstamp *now) {
  csctp_assoc_del(A.a);
  cr_assert_eq(
      csctp_assoc_handover_import(&A.a, &A.cfg, key, sizeof key, blob, n, *now, CSCTP_SECONDS), 0);
  send_some(&A, 6, *now);
  send_some(&B, 6, *now);
  settle(&A, &B, now);
  cr_assert_eq(A.bad_events + B.bad_events, 0);
  for (int s = 0; s < NSTREAMS; s++) {
    cr_assert_eq(B.rx_next[s < 4 ? s : 0], A.tx_seq[s < 4 ? s : 0]);
    cr_assert_eq(A.rx_next[s < 4 ? s : 0], B.tx_seq[s < 4 ? s : 0]);
  }
  csctp_assoc_del(A.a);
  csctp_assoc_del(B.a);
}

static csctp_ssize export_a(csctp_tstamp *now) {
  *now = start();
  csctp_ssize need = csctp_assoc_handover_export(A.a, key, sizeof key, *now, NULL, 0);
  cr_assert(need > 0);
  cr_assert_eq(csctp_assoc_handover_export(A.a, key, sizeof key, *now, blob, (size_t)need - 1),
               CSCTP_ERR_NOBUF);
  cr_assert_eq(csctp_assoc_handover_readiness(A.a), 0, "NOBUF changed nothing");
  cr_assert_eq(csctp_assoc_handover_export(A.a, key, 15, *now, blob, sizeof blob),
               CSCTP_ERR_INVALID_ARGUMENT);
  csctp_ssize n = csctp_assoc_handover_export(A.a, key, sizeof key, *now, blob, sizeof blob);
  cr_assert_eq(n, need);
  return n;
}

static int import(const uint8_t *b, size_t len, const csctp_config *cfg, csctp_tstamp now) {
  csctp_assoc *sentinel = (csctp_assoc *)&A, *out = sentinel;
  int rv = csctp_assoc_handover_import(&out, cfg, key, sizeof key, b, len, now, CSCTP_SECONDS);
  if (rv) {
    cr_assert_eq(out, sentinel, "*out written on error");
  } else {
    csctp_assoc_del(out);
  }
  return rv;
}

/* Re-signs tmp[0..len) after the test changed it (so checks behind the MAC are reached). */
static void resign(size_t len) {
  cr_assert_eq(
      csctp_hmac_sha256(key, sizeof key, tmp, len - CSCTP_HMAC_LEN, tmp + len - CSCTP_HMAC_LEN), 0);
}

Test(handover_blob, every_byte_flipped_and_every_truncation) {
  csctp_tstamp now;
  size_t n = (size_t)export_a(&now);
  cr_assert_eq(import(blob, n, &A.cfg, now), 0);
  for (size_t i = 0; i < n; i++) {
    memcpy(tmp, blob, n);
    tmp[i] ^= 0xff;
    cr_assert_eq(import(tmp, n, &A.cfg, now), CSCTP_ERR_HANDOVER_AUTH, "byte %zu", i);
    tmp[i] ^= 0x7f; /* back to one bit flipped */
    cr_assert_eq(import(tmp, n, &A.cfg, now), CSCTP_ERR_HANDOVER_AUTH, "bit 7 of %zu", i);
  }
  for (size_t l = 0; l < n; l++)
    cr_assert_eq(import(blob, l, &A.cfg, now), CSCTP_ERR_HANDOVER_AUTH, "length %zu", l);
  memcpy(tmp, blob, n);
  tmp[n] = 0;
  cr_assert_eq(import(tmp, n + 1, &A.cfg, now), CSCTP_ERR_HANDOVER_AUTH);
  imports(n, &now);
}

Test(handover_blob, wrong_key) {
  csctp_tstamp now;
  size_t n = (size_t)export_a(&now);
  uint8_t k2[sizeof key];
  memcpy(k2, key, sizeof key);
  k2[31] ^= 1;
  csctp_assoc *out = NULL;
  cr_assert_eq(csctp_assoc_handover_import(&out, &A.cfg, k2, sizeof k2, blob, n, now, 1),
               CSCTP_ERR_HANDOVER_AUTH);
  cr_assert_eq(csctp_assoc_handover_import(&out, &A.cfg, key, 16, blob, n, now, 1),
               CSCTP_ERR_HANDOVER_AUTH, "a prefix of the key is another key");
  cr_assert_eq(csctp_assoc_handover_import(&out, &A.cfg, key, 15, blob, n, now, 1),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_assoc_handover_import(&out, NULL, key, sizeof key, blob, n, now, 1),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_null(out);
  imports(n, &now);
}

Test(handover_blob, age) {
  csctp_tstamp now;
  size_t n = (size_t)export_a(&now);
  cr_assert_eq(import(blob, n, &A.cfg, now + CSCTP_SECONDS), 0, "max_age itself is fine");
  cr_assert_eq(import(blob, n, &A.cfg, now + CSCTP_SECONDS + 1), CSCTP_ERR_HANDOVER_STALE);
  cr_assert_eq(import(blob, n, &A.cfg, now + 3600 * CSCTP_SECONDS), CSCTP_ERR_HANDOVER_STALE);
  cr_assert_eq(import(blob, n, &A.cfg, now - CSCTP_SECONDS / 2), 0, "within the slack");
  cr_assert_eq(import(blob, n, &A.cfg, now - 2 * CSCTP_SECONDS), CSCTP_ERR_HANDOVER_STALE,
               "made in the future");
  imports(n, &now);
}

Test(handover_blob, authentic_but_refused) {
  csctp_tstamp now;
  size_t n = (size_t)export_a(&now);
  memcpy(tmp, blob, n);
  tmp[5] = 2; /* version 2 */
  resign(n);
  cr_assert_eq(import(tmp, n, &A.cfg, now), CSCTP_ERR_HANDOVER_VERSION);
  memcpy(tmp, blob, n);
  tmp[0] ^= 1; /* magic */
  resign(n);
  cr_assert_eq(import(tmp, n, &A.cfg, now), CSCTP_ERR_MALFORMED);
  memcpy(tmp, blob, n);
  tmp[44] = tmp[45] = 0; /* no outbound streams */
  resign(n);
  cr_assert_eq(import(tmp, n, &A.cfg, now), CSCTP_ERR_MALFORMED);
  memcpy(tmp, blob, n);
  tmp[6] = 1; /* reserved */
  resign(n);
  cr_assert_eq(import(tmp, n, &A.cfg, now), CSCTP_ERR_MALFORMED);
  /* A byte more, or less, before the MAC. */
  memcpy(tmp, blob, n - CSCTP_HMAC_LEN);
  tmp[n - CSCTP_HMAC_LEN] = 0;
  resign(n + 1);
  cr_assert_eq(import(tmp, n + 1, &A.cfg, now), CSCTP_ERR_MALFORMED);
  memcpy(tmp, blob, n - CSCTP_HMAC_LEN - 1);
  resign(n - 1);
  cr_assert_eq(import(tmp, n - 1, &A.cfg, now), CSCTP_ERR_MALFORMED);
  /* The configuration must agree. */
  csctp_config cfg = A.cfg;
  cfg.local_port = 5001;
  cr_assert_eq(import(blob, n, &cfg, now), CSCTP_ERR_INVALID_ARGUMENT);
  cfg = A.cfg;
  cfg.remote_port = 5001;
  cr_assert_eq(import(blob, n, &cfg, now), CSCTP_ERR_INVALID_ARGUMENT);
  cfg = A.cfg;
  cfg.max_inbound_streams = 2;
  cr_assert_eq(import(blob, n, &cfg, now), CSCTP_ERR_INVALID_ARGUMENT);
  cfg = A.cfg;
  cfg.rand = NULL;
  cr_assert_eq(import(blob, n, &cfg, now), CSCTP_ERR_INVALID_ARGUMENT);
  imports(n, &now);
}

Test(handover_blob, error_names) {
  cr_assert_str_neq(csctp_strerror(CSCTP_ERR_HANDOVER_AUTH), "unknown error");
  cr_assert_str_neq(csctp_strerror(CSCTP_ERR_HANDOVER_STALE), "unknown error");
  cr_assert_str_neq(csctp_strerror(CSCTP_ERR_HANDOVER_VERSION), "unknown error");
  cr_assert_eq(csctp_err_is_fatal(CSCTP_ERR_HANDOVER_AUTH), 0);
}

/* An endpoint's association stays with its endpoint, even when quiescent. */
Test(handover_ready, endpoint_owned) {
  csctp_tstamp now = 1000 * CSCTP_SECONDS;
  end_new(&B, 2, 0);
  csctp_endpoint *ep;
  csctp_config cfg = B.cfg;
  cr_assert_eq(csctp_endpoint_new(&ep, &cfg), 0);
  csctp_addr peer = {.len = 4, .data = {127, 0, 0, 1}};
  csctp_assoc *a;
  cr_assert_eq(csctp_endpoint_connect(ep, &peer, 5000, NULL, now, &a), 0);
  cr_assert(csctp_assoc_handover_readiness(a) & CSCTP_HANDOVER_ENDPOINT);
  uint8_t b[HPKT];
  for (int i = 0; i < 10; i++) {
    csctp_addr to;
    csctp_ssize n;
    while ((n = csctp_endpoint_write_packet(ep, b, sizeof b, now, &to, NULL)) > 0)
      cr_assert_eq(csctp_assoc_read_packet(B.a, b, (size_t)n, now), 0);
    while ((n = csctp_assoc_write_packet(B.a, b, sizeof b, now)) > 0)
      csctp_endpoint_read_packet(ep, &peer, b, (size_t)n, now, NULL);
    csctp_event ev;
    csctp_assoc *pa;
    while (csctp_endpoint_poll_event(ep, &pa, &ev) == 1) {}
    drain(&B);
    now += 300 * MS;
    csctp_endpoint_handle_expiry(ep, now);
    if (csctp_assoc_expiry(B.a) <= now) csctp_assoc_handle_expiry(B.a, now);
  }
  cr_assert_eq(csctp_assoc_get_state(a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_handover_readiness(a), CSCTP_HANDOVER_ENDPOINT);
  cr_assert_eq(csctp_assoc_handover_export(a, key, sizeof key, now, blob, sizeof blob),
               CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_assoc_get_state(a), CSCTP_STATE_ESTABLISHED);
  csctp_endpoint_del(ep);
  csctp_assoc_del(B.a);
}
