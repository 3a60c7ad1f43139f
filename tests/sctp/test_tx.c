/* SPDX-License-Identifier: MIT */
/*
 * The send side (src/tx*.c): fragmentation, packing, scheduling, SSNs,
 * send-buffer limits, SACK validation, TSN wrap-around. Congestion control,
 * retransmission and windows are in test_tx_cc.c; allocation in test_tx_alloc.c.
 */
#include "tx_util.h"

static tpkt P;

Test(tx, fragments_5000_bytes_at_mtu_1200) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1000, 1 << 20);
  tx.p0.cwnd = 100000; /* not the subject here */
  uint8_t msg[5000];
  t_fill(msg, sizeof(msg), 3);
  cr_assert_eq(csctp_tx_enqueue(&tx, 7, 51, 0, msg, sizeof(msg)), 0);
  cr_assert_eq(tx.buffered, 5000u);
  /* 5000 = 4*1172 + 312: five chunks, one per packet, TSNs 1000..1004. */
  const uint32_t want[5] = {1172, 1172, 1172, 1172, 312};
  size_t off = 0;
  for (int i = 0; i < 5; i++) {
    cr_assert_eq(t_write(&tx, &P, 0), 1u, "packet %d", i);
    tchunk *c = &P.c[0];
    cr_assert_eq(c->tsn, 1000u + (uint32_t)i);
    cr_assert_eq(c->len, want[i]);
    /* B on the first, E on the last, and the RFC 7053 I bit: nothing is queued after it. */
    uint8_t flags = (uint8_t)((i == 0 ? 2 : 0) | (i == 4 ? 1 | 8 : 0));
    cr_assert_eq(c->flags, flags, "flags of fragment %d: %x", i, c->flags);
    cr_assert_eq(c->stream, 7);
    cr_assert_eq(c->ssn, 0);
    cr_assert_eq(c->ppid, 51u);
    cr_assert(memcmp(c->data, msg + off, c->len) == 0);
    off += c->len;
  }
  cr_assert_eq(off, 5000u);
  cr_assert_eq(t_write(&tx, &P, 0), 0u);
  cr_assert_eq(tx.next_tsn, 1005u);
  cr_assert_eq(tx.outstanding_bytes, 5000u);
  cr_assert_eq(tx.stats.messages_out, 1u);
  cr_assert_eq(tx.stats.data_chunks_out, 5u);
  csctp_tx_free(&tx);
}

Test(tx, packet_filled_by_splitting_next_message) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  tx.p0.cwnd = 100000;
  t_enqueue(&tx, 0, 0, 5000, 1);
  t_enqueue(&tx, 0, 0, 3000, 2);
  for (int i = 0; i < 4; i++) cr_assert_eq(t_write(&tx, &P, 0), 1u);
  /* Fifth packet: the 312-byte tail (16 + 312 = 328 bytes), then 1200 - 12 - 328
   * = 860 bytes left, 844 of payload after a DATA header: the 3000-byte message
   * starts with an 844-byte fragment (over a quarter of 1172). */
  cr_assert_eq(t_write(&tx, &P, 0), 2u);
  cr_assert_eq(P.len, 1200u);
  cr_assert_eq(P.c[0].len, 312u);
  cr_assert_eq(P.c[0].flags, 1); /* E */
  cr_assert_eq(P.c[1].len, 844u);
  cr_assert_eq(P.c[1].flags, 2); /* B */
  cr_assert_eq(P.c[1].ssn, 1);
  cr_assert_eq(P.c[1].tsn, P.c[0].tsn + 1);
  /* The rest: 3000 - 844 = 2156 = 1172 + 984. */
  cr_assert_eq(t_write(&tx, &P, 0), 1u);
  cr_assert_eq(P.c[0].len, 1172u);
  cr_assert_eq(P.c[0].flags, 0);
  cr_assert_eq(t_write(&tx, &P, 0), 1u);
  cr_assert_eq(P.c[0].len, 984u);
  cr_assert_eq(P.c[0].flags, 1 | 8); /* E, and I: the last chunk before going idle */
  cr_assert_eq(P.c[0].tsn, 8u);
  csctp_tx_free(&tx);
}

Test(tx, no_small_fragment_to_fill_a_packet) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  tx.p0.cwnd = 100000;
  t_enqueue(&tx, 0, 0, 1000, 1);
  t_enqueue(&tx, 0, 0, 1000, 2);
  /* After 1000 bytes, 1200-12-16-1000 = 172 bytes are left: 156 of payload, under
   * 1172/4 = 293: the packet is closed and the second message goes whole. */
  cr_assert_eq(t_write(&tx, &P, 0), 1u);
  cr_assert_eq(P.c[0].flags, 3);
  cr_assert_eq(t_write(&tx, &P, 0), 1u);
  cr_assert_eq(P.c[0].len, 1000u);
  cr_assert_eq(P.c[0].flags, 3 | 8); /* I: nothing queued after it */
  csctp_tx_free(&tx);
}

Test(tx, small_messages_bundled) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  for (int i = 0; i < 20; i++) t_enqueue(&tx, 0, 0, 100, (uint8_t)i);
  /* 100 bytes -> 16 + 100 = 116 per chunk: (1200 - 12) / 116 = 10 chunks. */
  cr_assert_eq(t_write(&tx, &P, 0), 10u);
  for (size_t i = 0; i < 10; i++) {
    cr_assert_eq(P.c[i].flags, 3);
    cr_assert_eq(P.c[i].ssn, i);
    cr_assert_eq(P.c[i].tsn, 1 + i);
  }
  csctp_tx_free(&tx);
}

Test(tx, round_robin_three_streams) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  /* All of stream 1 queued first, then 5, then 9. */
  const uint16_t ids[3] = {1, 5, 9};
  for (int s = 0; s < 3; s++)
    for (int k = 0; k < 3; k++) t_enqueue(&tx, ids[s], 0, 100, (uint8_t)(s * 10 + k));
  cr_assert_eq(t_write(&tx, &P, 0), 9u);
  for (size_t i = 0; i < 9; i++) {
    cr_assert_eq(P.c[i].stream, ids[i % 3], "chunk %zu on stream %u", i, P.c[i].stream);
    cr_assert_eq(P.c[i].ssn, i / 3, "per-stream SSN");
    cr_assert_eq(P.c[i].ppid, 1000u + ids[i % 3]);
    uint8_t seed = (uint8_t)((i % 3) * 10 + i / 3);
    cr_assert_eq(P.c[i].data[0], seed); /* FIFO within the stream */
  }
  csctp_tx_free(&tx);
}

Test(tx, round_robin_with_a_stream_joining_late) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  t_enqueue(&tx, 2, 0, 100, 0);
  t_enqueue(&tx, 2, 0, 100, 1);
  t_enqueue(&tx, 2, 0, 100, 2);
  cr_assert_eq(t_write(&tx, &P, 0) > 0, 1);
  cr_assert_eq(P.n, 3u);
  t_enqueue(&tx, 2, 0, 100, 3);
  t_enqueue(&tx, 4, 0, 100, 4);
  t_enqueue(&tx, 2, 0, 100, 5);
  t_enqueue(&tx, 4, 0, 100, 6);
  cr_assert_eq(t_write(&tx, &P, 0), 4u);
  /* Stream 2 was already scheduled, stream 4 joins behind it: 2, 4, 2, 4. */
  const uint16_t st[4] = {2, 4, 2, 4};
  const uint16_t ssn[4] = {3, 0, 4, 1};
  for (int i = 0; i < 4; i++) {
    cr_assert_eq(P.c[i].stream, st[i]);
    cr_assert_eq(P.c[i].ssn, ssn[i]);
  }
  csctp_tx_free(&tx);
}

Test(tx, unordered_takes_no_ssn) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  t_enqueue(&tx, 3, 0, 50, 0);
  t_enqueue(&tx, 3, 1, 50, 1);
  t_enqueue(&tx, 3, 1, 50, 2);
  t_enqueue(&tx, 3, 0, 50, 3);
  cr_assert_eq(t_write(&tx, &P, 0), 4u);
  cr_assert_eq(P.c[0].flags, 3);
  cr_assert_eq(P.c[0].ssn, 0);
  cr_assert_eq(P.c[1].flags, 7); /* U|B|E */
  cr_assert_eq(P.c[2].flags, 7);
  cr_assert_eq(P.c[3].flags, 3 | 8, "the last one before going idle has the I bit");
  cr_assert_eq(P.c[3].ssn, 1, "unordered messages do not use up an SSN");
  csctp_tx_free(&tx);
}

Test(tx, sndbuf_back_pressure_changes_nothing) {
  csctp_tx_config cfg = t_config();
  cfg.sndbuf = 10000;
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  uint8_t b[20000];
  t_fill(b, sizeof(b), 9);
  cr_assert_eq(csctp_tx_enqueue(&tx, 1, 0, 0, b, 6000), 0);
  cr_assert_eq(csctp_tx_enqueue(&tx, 1, 0, 0, b, 4001), CSCTP_ERR_WOULD_BLOCK);
  cr_assert_eq(csctp_tx_enqueue(&tx, 2, 0, 0, b, 5000), CSCTP_ERR_WOULD_BLOCK);
  cr_assert_eq(tx.buffered, 6000u);
  cr_assert_eq(csctp_tx_stream_buffered(&tx, 1), 6000u);
  cr_assert_eq(csctp_tx_stream_buffered(&tx, 2), 0u);
  cr_assert_eq(csctp_tx_enqueue(&tx, 1, 0, 0, b, 0), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_tx_enqueue(&tx, 1, 0, 0, b, 300 * 1024), CSCTP_ERR_MSG_TOO_LARGE);
  cr_assert_eq(csctp_tx_enqueue(&tx, 16, 0, 0, b, 10), CSCTP_ERR_STREAM_ID);
  cr_assert_eq(tx.buffered, 6000u);
  cr_assert_eq(csctp_tx_enqueue(&tx, 1, 0, 0, b, 4000), 0); /* exactly sndbuf */
  cr_assert_eq(tx.buffered, 10000u);
  /* Only the two accepted messages go out: 6000 + 4000 bytes, SSN 0 and 1. */
  tx.p0.cwnd = 100000;
  uint32_t total = 0;
  uint16_t last_ssn = 0;
  while (t_write(&tx, &P, 0))
    for (size_t i = 0; i < P.n; i++) {
      total += P.c[i].len;
      last_ssn = P.c[i].ssn;
    }
  cr_assert_eq(total, 10000u);
  cr_assert_eq(last_ssn, 1);
  cr_assert_eq(tx.stats.messages_out, 2u);
  /* Acking all of it empties the buffer. */
  cr_assert_eq(t_sack(&tx, tx.next_tsn - 1, 1 << 20, NULL, 0, 0, NULL), 0);
  cr_assert_eq(tx.buffered, 0u);
  cr_assert_eq(csctp_tx_stream_buffered(&tx, 1), 0u);
  cr_assert(csctp_tx_idle(&tx));
  /* An empty buffer takes one message bigger than sndbuf. */
  cr_assert_eq(csctp_tx_enqueue(&tx, 1, 0, 0, b, 20000), 0);
  cr_assert_eq(csctp_tx_enqueue(&tx, 1, 0, 0, b, 1), CSCTP_ERR_WOULD_BLOCK);
  csctp_tx_free(&tx);
}

Test(tx, queued_before_start_and_dropped_streams) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  cr_assert_eq(csctp_tx_init(&tx, csctp_mem_default(), &cfg), 0);
  uint8_t b[100] = {0};
  cr_assert_eq(csctp_tx_enqueue(&tx, 1, 0, 0, b, 100), 0);
  cr_assert_eq(csctp_tx_enqueue(&tx, 40, 0, 0, b, 100), 0);
  cr_assert_eq(csctp_tx_enqueue(&tx, 41, 0, 0, b, 50), 0);
  cr_assert_eq(csctp_tx_enqueue(&tx, 2, 0, 0, b, 100), 0);
  tpkt *p = &P;
  cr_assert_eq(t_write(&tx, p, 0), 0u, "nothing before start");
  cr_assert_eq(csctp_tx_start(&tx, 77, 1 << 20, 10), 2u); /* streams 40 and 41 dropped */
  cr_assert_eq(tx.buffered, 200u);
  cr_assert_eq(csctp_tx_stream_buffered(&tx, 40), 0u);
  cr_assert_eq(t_write(&tx, p, 0), 2u);
  cr_assert_eq(p->c[0].stream, 1);
  cr_assert_eq(p->c[1].stream, 2);
  cr_assert_eq(p->c[0].tsn, 77u);
  csctp_tx_free(&tx);
}

Test(tx, sack_for_unsent_tsn_is_malformed) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 500, 1 << 20);
  t_enqueue(&tx, 0, 0, 100, 0);
  t_enqueue(&tx, 0, 0, 100, 1);
  cr_assert_eq(t_write(&tx, &P, 0), 2u); /* TSNs 500, 501 */
  cr_assert_eq(t_sack(&tx, 502, 1 << 20, NULL, 0, 0, NULL), CSCTP_ERR_MALFORMED);
  const uint16_t g[1][2] = {{2, 3}}; /* 501..502 from cum 499... 500+2 = 502 never sent */
  cr_assert_eq(t_sack(&tx, 500, 1 << 20, g, 1, 0, NULL), CSCTP_ERR_MALFORMED);
  /* Nothing changed. */
  cr_assert_eq(tx.cum_tsn_ack, 499u);
  cr_assert_eq(tx.outstanding_bytes, 200u);
  cr_assert_eq(tx.buffered, 200u);
  /* A valid one still works; then an older one is ignored. */
  csctp_tx_sack_result r;
  cr_assert_eq(t_sack(&tx, 500, 5000, NULL, 0, 0, &r), 0);
  cr_assert(r.new_cum_ack);
  cr_assert_eq(r.bytes_freed, 100u);
  cr_assert_eq(tx.peer_rwnd, 5000u - 100u);
  cr_assert_eq(t_sack(&tx, 499, 9999, NULL, 0, 0, &r), 0);
  cr_assert_eq(tx.cum_tsn_ack, 500u);
  cr_assert_eq(tx.peer_rwnd, 4900u, "an old SACK does not update rwnd");
  cr_assert(!r.new_data_acked);
  csctp_tx_free(&tx);
}

Test(tx, tsn_wraps_around) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 0xfffffffeu, 1 << 20);
  tx.p0.cwnd = 100000;
  t_enqueue(&tx, 0, 0, 5000, 0);
  const uint32_t want[5] = {0xfffffffeu, 0xffffffffu, 0, 1, 2};
  for (int i = 0; i < 5; i++) {
    cr_assert_eq(t_write(&tx, &P, 0), 1u);
    cr_assert_eq(P.c[0].tsn, want[i]);
  }
  cr_assert_eq(tx.cum_tsn_ack, 0xfffffffdu);
  /* cum 0 acks 0xfffffffe, 0xffffffff and 0; a gap block acks 2 (offset 2). */
  const uint16_t g[1][2] = {{2, 2}};
  csctp_tx_sack_result r;
  cr_assert_eq(t_sack(&tx, 0, 1 << 20, g, 1, 10 * T_MS, &r), 0);
  cr_assert_eq(r.bytes_freed, 3u * 1172u);
  cr_assert_eq(tx.cum_tsn_ack, 0u);
  cr_assert_eq(tx.outstanding_bytes, 1172u, "TSN 1 only: 2 is gap-acked");
  cr_assert_eq(t_sack(&tx, 2, 1 << 20, NULL, 0, 20 * T_MS, &r), 0);
  cr_assert_eq(r.bytes_freed, 1172u + 312u);
  cr_assert(csctp_tx_idle(&tx));
  cr_assert(!csctp_tx_has_outstanding(&tx));
  cr_assert_eq(csctp_tx_t3_deadline(&tx), CSCTP_TSTAMP_NONE);
  /* An old SACK from before the wrap is ignored. */
  cr_assert_eq(t_sack(&tx, 0xffffffffu, 1 << 20, NULL, 0, 30 * T_MS, NULL), 0);
  cr_assert_eq(tx.cum_tsn_ack, 2u);
  csctp_tx_free(&tx);
}

Test(tx, restart_drops_everything_and_ssn_restarts) {
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  t_enqueue(&tx, 0, 0, 3000, 0);
  t_enqueue(&tx, 0, 0, 100, 1);
  cr_assert_eq(t_write(&tx, &P, 0), 1u); /* half-sent 3000-byte message */
  csctp_tx_restart(&tx, 9000, 1 << 20, 16);
  cr_assert_eq(tx.buffered, 0u);
  cr_assert(!csctp_tx_has_outstanding(&tx));
  cr_assert_eq(t_write(&tx, &P, 0), 0u);
  t_enqueue(&tx, 0, 0, 100, 2);
  cr_assert_eq(t_write(&tx, &P, 0), 1u);
  cr_assert_eq(P.c[0].tsn, 9000u);
  cr_assert_eq(P.c[0].ssn, 0);
  csctp_tx_free(&tx);
}

Test(tx, mtu_not_a_multiple_of_4) {
  csctp_tx_config cfg = t_config();
  cfg.mtu = 714; /* 714 - 12 - 16 = 686 does not fit once padded to 688: chunks carry 684 */
  csctp_tx tx;
  t_init(&tx, &cfg, 1, 1 << 20);
  tx.p0.cwnd = 100000;
  t_enqueue(&tx, 0, 0, 686, 0);
  t_enqueue(&tx, 0, 0, 684, 1);
  const uint32_t want[3] = {684, 2, 684};
  uint32_t got[3] = {0};
  size_t k = 0;
  while (k < 3 && t_write(&tx, &P, 0)) {
    cr_assert_leq(P.len, 714u);
    for (size_t i = 0; i < P.n && k < 3; i++) got[k++] = P.c[i].len;
  }
  cr_assert_eq(k, 3u);
  for (int i = 0; i < 3; i++) cr_assert_eq(got[i], want[i], "chunk %d: %u", i, got[i]);
  cr_assert(csctp_tx_idle(&tx) == 0);
  cr_assert_eq(t_write(&tx, &P, 0), 0u);
  csctp_tx_free(&tx);
}
