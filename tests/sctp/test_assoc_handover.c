/* SPDX-License-Identifier: MIT */
/*
 * Handover (csctp_assoc_handover_*, src/assoc_handover.c): two engines on a
 * virtual clock; A is exported at quiescent points and re-imported as A', A'',
 * ... while B sees one uninterrupted association.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handover_util.h"

static void check_all_in(const end *tx, const end *rx) {
  for (int s = 0; s < NSTREAMS; s++)
    for (uint32_t i = 0; i < tx->tx_seq[s]; i++)
      cr_assert(rx->rx_seen[s][i], "stream %d message %u never delivered", s, i);
}

static void check_clean(const end *b) {
  csctp_stats st;
  cr_assert_eq(csctp_assoc_get_stats(b->a, &st), 0);
  cr_assert_eq(st.drop_bad_vtag, 0);
  cr_assert_eq(st.drop_bad_crc, 0);
  cr_assert_eq(st.drop_malformed, 0);
  cr_assert_eq(st.drop_unexpected, 0);
  cr_assert_eq(st.drop_out_of_window, 0);
  cr_assert_eq(st.duplicate_tsns, 0);
  cr_assert_eq(st.retransmissions, 0);
  cr_assert_eq(st.t3_expiries, 0);
  cr_assert_eq(st.aborts_sent, 0);
  cr_assert_eq(st.errors_sent, 0);
  cr_assert_eq(b->bad_events, 0);
  cr_assert_eq(b->connected, 1);
  cr_assert_eq(csctp_assoc_get_state(b->a), CSCTP_STATE_ESTABLISHED);
}

static end A, B; /* large: static */

/*
 * With CSCTP_HANDOVER_SEEDS=DIR, writes the blobs as seeds of fuzz/handover.c (same key):
 * mode 0x00 + the blob, and mode 0x03 (0x07 with zero checksum) + its content without MAC.
 */
static void seed_out(const uint8_t *b, size_t len, int round, uint32_t edmid) {
  const char *dir = getenv("CSCTP_HANDOVER_SEEDS");
  if (!dir) return;
  for (int body = 0; body < 2; body++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s-round%d%s", dir, body ? "content" : "blob", round,
             edmid ? "-zc" : "");
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    uint8_t mode = body ? (edmid ? 0x07 : 0x03) : 0x00;
    fwrite(&mode, 1, 1, f);
    fwrite(b, 1, body ? len - CSCTP_HMAC_LEN : len, f);
    fclose(f);
  }
}

static void run_rounds(uint32_t edmid) {
  csctp_tstamp now = 1000 * CSCTP_SECONDS;
  establish_pair(&A, &B, edmid, now);
  static uint8_t blob[65536], blob2[65536];
  cr_assert_eq(csctp_assoc_set_stream_priority(A.a, 2, 512), 0); /* travels too */
  cr_assert_eq(csctp_assoc_set_sched_quantum(A.a, 4000), 0);
  for (int round = 0; round < 6; round++) {
    send_some(&A, 40 + round, now);
    send_some(&B, 30 + 2 * round, now);
    settle(&A, &B, &now);
    cr_assert_eq(A.connected, 1, "no CONNECTED from an imported association");
    size_t len;
    hand_over(&A, now, blob, &len);
    seed_out(blob, len, round, edmid);
    if (round == 2) {
      /* Exact: the imported association exports the same bytes (same creation time). */
      csctp_ssize n2 = csctp_assoc_handover_export(A.a, key, sizeof key, now, blob2, sizeof blob2);
      cr_assert_eq((size_t)n2, len);
      cr_assert(memcmp(blob, blob2, len) == 0, "the imported association differs");
      csctp_assoc_del(A.a);
      cr_assert_eq(csctp_assoc_handover_import(&A.a, &A.cfg, key, sizeof key, blob2, len, now,
                                               CSCTP_SECONDS),
                   0);
    }
    now += 5 * MS;
  }
  send_some(&A, 50, now);
  send_some(&B, 50, now);
  settle(&A, &B, &now);
  /* A long idle spell: heartbeats go both ways with the last imported association. */
  for (int i = 0; i < 200; i++) {
    now += 500 * MS;
    pump(&A, &B, now);
  }
  check_all_in(&A, &B);
  check_all_in(&B, &A);
  check_clean(&B);
  cr_assert_eq(A.bad_events, 0);
  csctp_stats st;
  csctp_assoc_get_stats(B.a, &st);
  cr_assert(st.heartbeats_out > 0);
  if (edmid) {
    cr_assert_eq(st.zero_checksum, 1);
    cr_assert(st.zero_checksum_in > 0);
    csctp_assoc_get_stats(A.a, &st);
    cr_assert(st.zero_checksum_out > 0, "A' sends zero checksums");
  }
  csctp_assoc_del(A.a);
  csctp_assoc_del(B.a);
}

Test(handover, messages_both_ways_across_repeated_handovers) { run_rounds(CSCTP_EDMID_NONE); }

Test(handover, zero_checksum_survives) { run_rounds(CSCTP_EDMID_DTLS); }

/* B keeps sending while A is handed over: the old owner ignores it, the new one gets it again. */
Test(handover, peer_sends_during_the_move) {
  csctp_tstamp now = 1000 * CSCTP_SECONDS;
  establish_pair(&A, &B, 0, now);
  send_some(&A, 10, now);
  send_some(&B, 10, now);
  settle(&A, &B, &now);
  static uint8_t blob[65536];
  csctp_ssize n = csctp_assoc_handover_export(A.a, key, sizeof key, now, blob, sizeof blob);
  cr_assert(n > 0);
  /* The old owner: nothing out, requests refused, input ignored and counted. */
  uint8_t b[HPKT];
  send_some(&B, 12, now);
  int moved = move(&B, &A, now);
  cr_assert(moved > 0);
  csctp_stats st;
  csctp_assoc_get_stats(A.a, &st);
  cr_assert(st.drop_unexpected >= (uint64_t)moved);
  drain(&A);
  cr_assert_eq(A.rx_count, 10, "the old owner delivers nothing more");
  for (csctp_tstamp t = now; t < now + 120 * CSCTP_SECONDS; t += 100 * MS) {
    cr_assert_eq(csctp_assoc_expiry(A.a), CSCTP_TSTAMP_NONE);
    csctp_assoc_handle_expiry(A.a, t);
    cr_assert_eq(csctp_assoc_write_packet(A.a, b, sizeof b, t), 0);
  }
  csctp_send_opts o = {0};
  cr_assert_eq(csctp_assoc_send(A.a, &o, b, 10, now), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_assoc_shutdown(A.a, now), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_assoc_abort(A.a, "x", now), CSCTP_ERR_INVALID_STATE);
  uint16_t s0 = 0;
  cr_assert_eq(csctp_assoc_reset_streams(A.a, &s0, 1, now), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_assoc_reset_incoming_streams(A.a, &s0, 1, now), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_assoc_add_streams(A.a, 1, 0, now), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_assoc_connect(A.a, now), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_assoc_handover_readiness(A.a) & CSCTP_HANDOVER_NOT_ESTABLISHED,
               CSCTP_HANDOVER_NOT_ESTABLISHED);
  cr_assert_eq(csctp_assoc_handover_export(A.a, key, sizeof key, now, b, sizeof b),
               CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_assoc_write_packet(A.a, b, sizeof b, now), 0);
  cr_assert_eq(csctp_assoc_expiry(A.a), CSCTP_TSTAMP_NONE);
  csctp_assoc_del(A.a);
  /* B's retransmission timer brings the data to the new owner. */
  cr_assert_eq(csctp_assoc_handover_import(&A.a, &A.cfg, key, sizeof key, blob, (size_t)n, now,
                                           CSCTP_SECONDS),
               0);
  settle(&A, &B, &now);
  send_some(&A, 12, now);
  settle(&A, &B, &now);
  check_all_in(&B, &A);
  check_all_in(&A, &B);
  csctp_assoc_get_stats(B.a, &st);
  cr_assert(st.t3_expiries > 0);
  cr_assert_eq(st.aborts_sent + st.drop_bad_vtag + st.drop_malformed + st.drop_unexpected, 0);
  cr_assert_eq(B.bad_events, 0);
  csctp_assoc_del(A.a);
  csctp_assoc_del(B.a);
}

/* Our stream resets, both kinds, refuse the handover until answered; SSNs start over after. */
Test(handover, refused_during_stream_reset) {
  csctp_tstamp now = 1000 * CSCTP_SECONDS;
  establish_pair(&A, &B, 0, now);
  send_some(&A, 12, now);
  send_some(&B, 12, now);
  settle(&A, &B, &now);
  static uint8_t blob[65536];
  uint16_t ids[2] = {0, 1};
  for (int kind = 0; kind < 3; kind++) {
    end *req = kind == 2 ? &B : &A; /* kind 2: the peer asks A to reset (A answers) */
    if (kind == 1)
      cr_assert_eq(csctp_assoc_reset_incoming_streams(A.a, ids, 2, now), 0);
    else
      cr_assert_eq(csctp_assoc_reset_streams(req->a, ids, 2, now), 0);
    cr_assert(csctp_assoc_handover_readiness(req->a) & CSCTP_HANDOVER_RECONFIG);
    cr_assert_eq(csctp_assoc_handover_export(req->a, key, sizeof key, now, blob, sizeof blob),
                 CSCTP_ERR_INVALID_STATE);
    /* The request leaves, the answer is lost: still under way. */
    move(req, NULL, now);
    cr_assert(csctp_assoc_handover_readiness(req->a) & CSCTP_HANDOVER_RECONFIG);
    cr_assert_eq(csctp_assoc_handover_export(req->a, key, sizeof key, now, blob, sizeof blob),
                 CSCTP_ERR_INVALID_STATE);
    settle(&A, &B, &now); /* retransmitted and answered */
    send_some(&A, 8, now);
    send_some(&B, 8, now);
    settle(&A, &B, &now);
    hand_over(&A, now, blob, NULL);
    send_some(&A, 8, now);
    send_some(&B, 8, now);
    settle(&A, &B, &now);
  }
  check_all_in(&A, &B);
  check_all_in(&B, &A);
  cr_assert_eq(B.bad_events + A.bad_events, 0);
  /* kind 0: A's STREAMS_RESET, B's incoming; kind 1: A's result, B's reset, A's incoming;
   * kind 2: B's STREAMS_RESET, A's incoming. */
  cr_assert_eq(A.resets, 4);
  cr_assert_eq(B.resets, 3);
  csctp_assoc_del(A.a);
  csctp_assoc_del(B.a);
}
