/* SPDX-License-Identifier: MIT */
/*
 * Partial reliability (RFC 3758, RFC 7496) between two engines on a virtual
 * clock, the FORWARD TSN codec, and FORWARD TSN intake from hand-made packets.
 */
#include "ext_util.h"

/* ---- codec ---- */

Test(prsctp, forward_tsn_round_trip) {
  uint8_t b[64];
  csctp_wr w;
  csctp_wr_init(&w, b, sizeof(b));
  const uint16_t pairs[2][2] = {{3, 7}, {65535, 0}};
  csctp_forward_tsn_write(&w, 0xfffffffeu, pairs, 2);
  cr_assert_eq(w.len, 4 + 4 + 8); /* §3.2: header, new cum TSN, 4 bytes per pair */
  cr_assert_eq(b[0], 192);
  csctp_chunk ch = {b[0], b[1], csctp_get_u16(b + 2), b + 4, w.len - 4};
  csctp_forward_tsn_chunk f;
  cr_assert_eq(csctp_forward_tsn_decode(&ch, &f), 0);
  cr_assert_eq(f.new_cum_tsn, 0xfffffffeu);
  cr_assert_eq(f.n_pairs, 2);
  uint16_t st, ssn;
  csctp_forward_tsn_pair(&f, 1, &st, &ssn);
  cr_assert_eq(st, 65535);
  cr_assert_eq(ssn, 0);
  /* No pairs is fine; a short value or a partial pair is not. */
  ch.value_len = 4;
  cr_assert_eq(csctp_forward_tsn_decode(&ch, &f), 0);
  cr_assert_eq(f.n_pairs, 0);
  ch.value_len = 3;
  cr_assert_eq(csctp_forward_tsn_decode(&ch, &f), CSCTP_ERR_MALFORMED);
  ch.value_len = 6;
  cr_assert_eq(csctp_forward_tsn_decode(&ch, &f), CSCTP_ERR_MALFORMED);
}

/* ---- features ---- */

static void ext_cfg(csctp_config *c) { c->association_max_retrans = 10; }

static void establish_pair(side *x, side *y, int y_pr) {
  side_new_cfg(x, 11, ext_cfg);
  side_new_cfg(y, 12, ext_cfg);
  if (!y_pr) y->a->announce_forward_tsn = 0;
  establish(x, y, T0);
}

Test(prsctp, init_announces_extensions_and_peers_learn_them) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
  pkt p[4];
  cr_assert_eq(side_pull(&x, p, 4, T0), 1);
  csctp_chunk ch;
  cr_assert(first_chunk(&p[0], &ch));
  csctp_init_chunk in;
  cr_assert_eq(csctp_init_decode(&ch, &in), 0);
  cr_assert(in.forward_tsn_supported);
  cr_assert_eq(in.supported_ext_len, 2);
  cr_assert_eq(in.supported_ext[0], 130);
  cr_assert_eq(in.supported_ext[1], 192);
  csctp_peer_features f;
  csctp_assoc_get_peer_features(x.a, &f);
  cr_assert_eq(f.forward_tsn + f.reconfig, 0, "zeros before established");
  cr_assert_eq(csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0), 0);
  exchange(&x, &y, T0);
  csctp_assoc_get_peer_features(x.a, &f);
  cr_assert(f.forward_tsn && f.reconfig);
  csctp_assoc_get_peer_features(y.a, &f); /* the passive side: from the cookie */
  cr_assert(f.forward_tsn && f.reconfig);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

static int drop_all_data_from_x(int from, const pkt *p, void *u) {
  (void)u;
  return from == 0 && count_chunks(p, CSCTP_CHUNK_DATA) > 0;
}

Test(prsctp, policies_ignored_without_peer_support) {
  side x, y;
  establish_pair(&x, &y, 0);
  csctp_peer_features f;
  csctp_assoc_get_peer_features(x.a, &f);
  cr_assert_eq(f.forward_tsn, 0);
  cr_assert_eq(f.reconfig, 1);
  csctp_send_opts o = {.stream = 1, .pr_policy = CSCTP_PR_RTX, .pr_value = 0};
  cr_assert_eq(csctp_assoc_send(x.a, &o, (const uint8_t *)"abc", 3, T0), 0);
  csctp_tstamp now = T0;
  run_lossy(&x, &y, &now, now + 2 * CSCTP_SECONDS, drop_all_data_from_x, NULL);
  run_lossy(&x, &y, &now, now + 2 * CSCTP_SECONDS, NULL, NULL);
  /* Sent reliably: retransmitted and delivered. */
  cr_assert_eq(count_events(&y, CSCTP_EVENT_MESSAGE), 1);
  cr_assert_eq(x.a->tx.stats.abandoned_msgs, 0);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

/* ---- sender ---- */

typedef struct first_drop {
  int dropped;
} first_drop;

/* Drops the first packet from x that carries DATA. */
static int drop_first_data(int from, const pkt *p, void *u) {
  first_drop *fd = u;
  if (from == 0 && !fd->dropped && count_chunks(p, CSCTP_CHUNK_DATA)) {
    fd->dropped = 1;
    return 1;
  }
  return 0;
}

Test(prsctp, rtx_zero_sent_once_then_forward_tsn_and_order_continues) {
  side x, y;
  establish_pair(&x, &y, 1);
  csctp_send_opts o = {.stream = 1, .pr_policy = CSCTP_PR_RTX, .pr_value = 0};
  uint8_t big[3000];
  memset(big, 'a', sizeof(big));
  /* A 3-fragment message (MTU 1200): the first packet, with its first fragment, is lost. */
  cr_assert_eq(csctp_assoc_send(x.a, &o, big, sizeof(big), T0), 0);
  csctp_send_opts rel = {.stream = 1};
  cr_assert_eq(csctp_assoc_send(x.a, &rel, (const uint8_t *)"next", 4, T0), 0);
  csctp_tstamp now = T0;
  first_drop fd = {0};
  run_lossy(&x, &y, &now, now + 5 * CSCTP_SECONDS, drop_first_data, &fd);
  cr_assert(fd.dropped);
  /* Never retransmitted (RFC 7496 §4: 0 retransmissions), abandoned, skipped by FORWARD TSN. */
  cr_assert_eq(x.a->tx.stats.retransmissions, 0);
  cr_assert_eq(x.a->tx.stats.abandoned_msgs, 1);
  cr_assert_geq(x.a->tx.stats.forward_tsns, 1);
  /* y: the partial message is never delivered; SSN 1 on the same stream is. */
  cr_assert_eq(count_events(&y, CSCTP_EVENT_MESSAGE), 1);
  const csctp_event *ev = side_find_event(&y, CSCTP_EVENT_MESSAGE);
  cr_assert_eq(ev->u.message.len, 4);
  cr_assert_eq(memcmp(ev->u.message.data, "next", 4), 0);
  /* Everything acknowledged and freed on both sides. */
  cr_assert_eq(csctp_assoc_buffered_amount(x.a), 0);
  cr_assert_eq(csctp_assoc_stream_buffered_amount(x.a, 1), 0);
  cr_assert_eq(y.a->rxt.cum, x.a->tx.next_tsn - 1);
  cr_assert_eq(csctp_reasm_bytes(&y.a->reasm), 0);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(prsctp, ttl_unsent_message_dropped_without_tsn) {
  side x, y;
  establish_pair(&x, &y, 1);
  /* A zero window on y's side: x cannot send; messages expire in the queue. */
  x.a->tx.peer_rwnd = 0;
  csctp_send_opts o = {.stream = 2, .pr_policy = CSCTP_PR_TTL, .pr_value = 50};
  uint8_t b[100] = {0};
  csctp_tsn next = x.a->tx.next_tsn;
  /* Fill the window with reliable data in flight first, so the TTL ones wait. */
  x.a->tx.p0.cwnd = 0;
  cr_assert_eq(csctp_assoc_send(x.a, &o, b, sizeof(b), T0), 0);
  cr_assert_eq(csctp_assoc_stream_buffered_amount(x.a, 2), 100);
  pkt p[4];
  cr_assert_eq(side_pull(&x, p, 4, T0 + 51 * MS), 0);
  /* Over its lifetime before its first chunk: gone, and no TSN used. */
  cr_assert_eq(csctp_assoc_stream_buffered_amount(x.a, 2), 0);
  cr_assert_eq(x.a->tx.next_tsn, next);
  cr_assert_eq(x.a->tx.stats.abandoned_msgs, 1);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

/* ---- 20 % loss: TTL messages never partial, never twice, no stall ---- */

typedef struct lossy {
  csctp_prng rng;
  int percent;
  int got[400];
  int partial, dup, out_of_order, last_seq[4];
  int total;
  int closed[2], reason[2], cause[2];
} lossy;

static int drop_random(int from, const pkt *p, void *u) {
  (void)from;
  (void)p;
  lossy *l = u;
  return (int)csctp_prng_below(&l->rng, 100) < l->percent;
}

static void on_ttl_event(int s, const csctp_event *ev, void *u) {
  lossy *l = u;
  if (ev->type == CSCTP_EVENT_CLOSED) {
    l->closed[s] = 1;
    l->reason[s] = ev->u.closed.reason;
    l->cause[s] = ev->u.closed.cause;
  }
  if (s != 1 || ev->type != CSCTP_EVENT_MESSAGE) return;
  /* Payload: 4-byte id, then (len - 4) copies of (id & 0xff). */
  uint32_t id = csctp_get_u32(ev->u.message.data);
  size_t len = ev->u.message.len;
  size_t want = 200 + (size_t)(id % 7) * 700;
  if (len != want) l->partial++;
  for (size_t i = 4; i < len; i++)
    if (ev->u.message.data[i] != (uint8_t)id) {
      l->partial++;
      break;
    }
  if (id >= 399) return; /* the final reliable ones, one per stream */
  if (l->got[id]++) l->dup++;
  int st = ev->u.message.stream;
  if ((int)id <= l->last_seq[st]) l->out_of_order++;
  l->last_seq[st] = (int)id;
  l->total++;
}

Test(prsctp, ttl_at_20_percent_loss_no_partial_no_dup_no_stall) {
  side x, y;
  establish_pair(&x, &y, 1);
  lossy l = {0};
  csctp_prng_seed(&l.rng, 77);
  l.percent = 20;
  for (int i = 0; i < 4; i++) l.last_seq[i] = -1;
  ext_ev_hook = on_ttl_event;
  csctp_tstamp now = T0;
  for (uint32_t id = 0; id < 399; id++) {
    uint8_t b[200 + 6 * 700];
    size_t len = 200 + (size_t)(id % 7) * 700;
    csctp_put_u32(b, id);
    memset(b + 4, (uint8_t)id, len - 4);
    csctp_send_opts o = {.stream = (uint16_t)(id % 4), .pr_policy = CSCTP_PR_TTL, .pr_value = 300};
    int rv = csctp_assoc_send(x.a, &o, b, len, now);
    cr_assert_eq(rv, 0, "send %u: %s", id, csctp_strerror(rv));
    run_lossy(&x, &y, &now, now + 20 * MS, drop_random, &l);
  }
  /* A last reliable message on every stream: each must arrive in bounded time. */
  for (uint16_t s = 0; s < 4; s++) {
    uint8_t b[204];
    csctp_put_u32(b, 399);
    memset(b + 4, (uint8_t)399, 200);
    csctp_send_opts o = {.stream = s};
    cr_assert_eq(csctp_assoc_send(x.a, &o, b, 200, now), 0);
  }
  run_lossy(&x, &y, &now, now + 60 * CSCTP_SECONDS, drop_random, &l);
  ext_ev_hook = NULL;
  csctp_event ev;
  cr_assert_eq(csctp_assoc_poll_event(y.a, &ev), 0); /* releases the last message taken */
  cr_assert_eq(l.closed[0] + l.closed[1], 0, "closed: x %d (%d/%d) y %d (%d/%d)", l.closed[0],
               l.reason[0], l.cause[0], l.closed[1], l.reason[1], l.cause[1]);
  cr_assert_eq(l.partial, 0);
  cr_assert_eq(l.dup, 0);
  cr_assert_eq(l.out_of_order, 0);
  cr_assert_eq(l.got[399], 0); /* id 399 is counted below: 4 copies, one per stream */
  cr_assert_gt(x.a->tx.stats.abandoned_msgs, 0, "20 %% loss with 300 ms lifetimes abandons some");
  cr_assert_eq(csctp_assoc_buffered_amount(x.a), 0,
               "the receiver never stalled: buffered %zu, x cum %u apap %u next %u, y cum %u, "
               "delivered %d, abandoned %llu, fwd %llu, state %d",
               csctp_assoc_buffered_amount(x.a), x.a->tx.cum_tsn_ack,
               csctp_tx_adv_peer_ack_point(&x.a->tx), x.a->tx.next_tsn, y.a->rxt.cum, l.total,
               (unsigned long long)x.a->tx.stats.abandoned_msgs,
               (unsigned long long)x.a->tx.stats.forward_tsns, x.a->state);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_ESTABLISHED);
  csctp_reasm_stats rs;
  csctp_reasm_get_stats(&y.a->reasm, &rs);
  cr_assert_eq(csctp_reasm_bytes(&y.a->reasm), 0, "%zu bytes in %zu fragments, cum %d",
               csctp_reasm_bytes(&y.a->reasm), rs.fragments,
               (int)(y.a->rxt.cum - (x.a->tx.next_tsn - 1)));
  cr_assert_eq(y.a->rxt.cum, x.a->tx.next_tsn - 1);
  cr_log_info("TTL at 20%% loss: %d of 399 delivered, %llu abandoned, %llu FORWARD TSNs", l.total,
              (unsigned long long)x.a->tx.stats.abandoned_msgs,
              (unsigned long long)x.a->tx.stats.forward_tsns);
  /* Each message either arrived whole or was abandoned; a message abandoned after all of its
   * chunks had left may still arrive whole (RFC 3758 allows its delivery). */
  cr_assert_geq((uint64_t)l.total + x.a->tx.stats.abandoned_msgs, 399);
  cr_assert_lt(l.total, 399);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

/* ---- receiver, from hand-made packets ---- */

static void put_data(side *y, csctp_tsn tsn, uint16_t stream, uint16_t ssn, uint8_t flags,
                     const char *txt, csctp_tstamp now) {
  uint8_t c[64];
  csctp_wr w;
  csctp_wr_init(&w, c, sizeof(c));
  csctp_data_chunk d = {flags, tsn, stream, ssn, 51, (const uint8_t *)txt, strlen(txt)};
  csctp_data_write(&w, &d);
  pkt p;
  build_pkt(&p, y->a->local_tag, c, w.len);
  cr_assert_eq(csctp_assoc_read_packet(y->a, p.b, p.len, now), 0);
}

static void put_fwd(side *y, csctp_tsn cum, const uint16_t (*pairs)[2], size_t n,
                    csctp_tstamp now) {
  uint8_t c[64];
  csctp_wr w;
  csctp_wr_init(&w, c, sizeof(c));
  csctp_forward_tsn_write(&w, cum, pairs, n);
  cr_assert_eq(w.overflow, 0);
  pkt p;
  build_pkt(&p, y->a->local_tag, c, w.len);
  cr_assert_eq(csctp_assoc_read_packet(y->a, p.b, p.len, now), 0);
}

#define B CSCTP_DATA_FLAG_B
#define E CSCTP_DATA_FLAG_E

Test(prsctp, receiver_drops_partial_and_delivers_what_follows) {
  side x, y;
  establish_pair(&x, &y, 1);
  csctp_tsn t = y.a->rxt.cum + 1;
  /* Stream 3: SSN 0 = TSNs t..t+2 of which only t arrives; SSN 1 complete at t+3, SSN 2 at t+4. */
  put_data(&y, t, 3, 0, B, "part", T0);
  put_data(&y, t + 3, 3, 1, B | E, "one", T0);
  put_data(&y, t + 4, 3, 2, B | E, "two", T0);
  side_drain_events(&y);
  cr_assert_eq(count_events(&y, CSCTP_EVENT_MESSAGE), 0);
  /* FORWARD TSN to t+2, skipping SSN 0 on stream 3. */
  const uint16_t pairs[1][2] = {{3, 0}};
  put_fwd(&y, t + 2, pairs, 1, T0);
  side_drain_events(&y);
  cr_assert_eq(y.a->rxt.cum, t + 4, "cum moves to the new point and over t+3, t+4");
  cr_assert_eq(count_events(&y, CSCTP_EVENT_MESSAGE), 2);
  cr_assert_eq(memcmp(msg_at(&y, 0)->u.message.data, "one", 3), 0);
  cr_assert_eq(memcmp(msg_at(&y, 1)->u.message.data, "two", 3), 0);
  cr_assert_eq(csctp_reasm_bytes(&y.a->reasm), 0, "partial fragments dropped");
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_ESTABLISHED);
  /* The next message on stream 3 is SSN 3. */
  put_data(&y, t + 5, 3, 3, B | E, "three", T0);
  side_drain_events(&y);
  cr_assert_eq(count_events(&y, CSCTP_EVENT_MESSAGE), 3);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(prsctp, receiver_skip_delivers_complete_messages_below_the_skipped_ssn) {
  side x, y;
  establish_pair(&x, &y, 1);
  csctp_tsn t = y.a->rxt.cum + 1;
  /* SSN 0 abandoned (t missing), SSN 1 reliable and complete (t+1), SSN 2 abandoned (t+2). */
  put_data(&y, t + 1, 0, 1, B | E, "kept", T0);
  const uint16_t pairs[1][2] = {{0, 2}};
  put_fwd(&y, t + 2, pairs, 1, T0);
  side_drain_events(&y);
  cr_assert_eq(count_events(&y, CSCTP_EVENT_MESSAGE), 1);
  cr_assert_eq(memcmp(msg_at(&y, 0)->u.message.data, "kept", 4), 0);
  put_data(&y, t + 3, 0, 3, B | E, "after", T0);
  side_drain_events(&y);
  cr_assert_eq(count_events(&y, CSCTP_EVENT_MESSAGE), 2);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(prsctp, stale_and_wild_forward_tsn) {
  side x, y;
  establish_pair(&x, &y, 1);
  csctp_tsn cum = y.a->rxt.cum;
  csctp_stats st0, st1;
  csctp_assoc_get_stats(y.a, &st0);
  /* Behind the cum: out of date, a SACK goes at once (§3.6). */
  put_fwd(&y, cum - 5, NULL, 0, T0);
  cr_assert_eq(y.a->rxt.cum, cum);
  pkt p[4];
  cr_assert_eq(side_pull(&y, p, 4, T0), 1);
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_SACK, NULL));
  /* Far beyond anything the peer could have sent: ignored and counted. */
  put_fwd(&y, cum + 0x40000000u, NULL, 0, T0);
  cr_assert_eq(y.a->rxt.cum, cum);
  csctp_assoc_get_stats(y.a, &st1);
  cr_assert_eq(st1.drop_malformed, st0.drop_malformed + 1);
  /* Malformed (a partial pair): the packet is dropped and counted. */
  uint8_t c[12] = {192, 0, 0, 10, 0, 0, 0, 0, 0, 1, 0, 0};
  csctp_put_u32(c + 4, cum + 1);
  pkt q;
  build_pkt(&q, y.a->local_tag, c, 12);
  cr_assert_eq(csctp_assoc_read_packet(y.a, q.b, q.len, T0), 0);
  cr_assert_eq(y.a->rxt.cum, cum);
  csctp_assoc_get_stats(y.a, &st0);
  cr_assert_eq(st0.drop_malformed, st1.drop_malformed + 1);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_ESTABLISHED);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}
