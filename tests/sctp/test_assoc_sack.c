/* SPDX-License-Identifier: MIT */
/* Acknowledgement behaviour: delayed SACK, immediate SACK on gaps, bundling, window updates. */
#include "assoc_util.h"
#include "reasm_pool.h"

#define T0 ((csctp_tstamp)1000000)

static void send_msg(side *s, uint16_t stream, size_t len, csctp_tstamp now) {
  static uint8_t buf[300000];
  csctp_send_opts o = {.stream = stream, .ppid = 53};
  cr_assert_eq(csctp_assoc_send(s->a, &o, buf, len, now), 0);
}

static int count_chunks(const pkt *p, uint8_t type) {
  csctp_chunk_iter it;
  csctp_chunk ch;
  int n = 0;
  csctp_chunk_iter_init(&it, p->b, p->len);
  while (csctp_chunk_next(&it, &ch) == 1) n += ch.type == type;
  return n;
}

Test(sack, delayed_until_sack_timeout_for_a_single_packet) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  establish(&x, &y, T0);
  send_msg(&x, 0, 100, T0);
  pkt p[4];
  cr_assert_eq(side_pull(&x, p, 4, T0), 1);
  cr_assert_eq(pkt_clear_i_bit(&p[0]), 1, "RFC 7053: x goes idle after it");
  csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0);
  cr_assert_eq(side_pull(&y, p, 4, T0), 0, "no SACK for one packet yet");
  /* sack_timeout is 200 ms */
  cr_assert_eq(csctp_assoc_expiry(y.a), T0 + 200 * CSCTP_MILLISECONDS);
  csctp_assoc_handle_expiry(y.a, T0 + 200 * CSCTP_MILLISECONDS);
  cr_assert_eq(side_pull(&y, p, 4, T0 + 200 * CSCTP_MILLISECONDS), 1);
  cr_assert_eq(count_chunks(&p[0], CSCTP_CHUNK_SACK), 1);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(sack, every_second_packet_is_acked_at_once) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  establish(&x, &y, T0);
  send_msg(&x, 0, 100, T0);
  send_msg(&x, 1, 100, T0);
  csctp_stats st;
  pkt p[4];
  /* no_bundle is off: both small messages may share a packet; force two packets */
  int n = side_pull(&x, p, 4, T0);
  cr_assert_eq(n, 1);
  cr_assert_eq(count_chunks(&p[0], CSCTP_CHUNK_DATA), 2, "two messages bundled in one packet");
  cr_assert_eq(pkt_clear_i_bit(&p[0]), 1, "RFC 7053: on the last chunk only");
  csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0);
  cr_assert_eq(side_pull(&y, p, 4, T0), 0);
  send_msg(&x, 0, 100, T0);
  cr_assert_eq(side_pull(&x, p, 4, T0), 1);
  pkt_clear_i_bit(&p[0]); /* the SACK is owed to sack_freq, not to the I bit */
  csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0);
  cr_assert_eq(side_pull(&y, p, 4, T0), 1, "second packet: SACK at once (sack_freq 2)");
  csctp_chunk ch;
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_SACK, &ch));
  csctp_sack_chunk s;
  cr_assert_eq(csctp_sack_decode(&ch, &s), 0);
  cr_assert_eq(s.cum_tsn_ack, y.a->rxt.cum);
  cr_assert_eq(s.num_gap_blocks, 0);
  csctp_assoc_get_stats(y.a, &st);
  cr_assert_eq(st.sacks_out, 1);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(sack, gap_and_duplicate_reported_immediately) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  establish(&x, &y, T0);
  /* three messages of one packet each (1000 bytes) */
  for (int i = 0; i < 3; i++) send_msg(&x, 0, 1000, T0);
  pkt p[8];
  int n = side_pull(&x, p, 8, T0);
  cr_assert_eq(n, 3);
  csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0);
  csctp_assoc_read_packet(y.a, p[2].b, p[2].len, T0); /* p[1] lost: a gap */
  pkt out[4];
  cr_assert_eq(side_pull(&y, out, 4, T0), 1);
  csctp_chunk ch;
  cr_assert(find_chunk(&out[0], CSCTP_CHUNK_SACK, &ch));
  csctp_sack_chunk s;
  csctp_sack_decode(&ch, &s);
  cr_assert_eq(s.num_gap_blocks, 1);
  uint16_t gs, ge;
  csctp_sack_gap(&s, 0, &gs, &ge);
  cr_assert_eq(gs, 2);
  cr_assert_eq(ge, 2);
  /* the same packet again: a duplicate, reported at once */
  csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0);
  cr_assert_eq(side_pull(&y, out, 4, T0), 1);
  cr_assert(find_chunk(&out[0], CSCTP_CHUNK_SACK, &ch));
  csctp_sack_decode(&ch, &s);
  cr_assert_eq(s.num_dup_tsns, 1);
  cr_assert_eq(csctp_sack_dup(&s, 0), s.cum_tsn_ack);
  csctp_stats st;
  csctp_assoc_get_stats(y.a, &st);
  cr_assert_eq(st.duplicate_tsns, 1);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

static void nobundle(csctp_config *c) { c->no_bundle = 1; }

Test(sack, no_bundle_keeps_data_out_of_control_packets) {
  for (int nb = 0; nb < 2; nb++) {
    side x, y;
    side_new_cfg(&x, 1, nb ? nobundle : NULL);
    side_new_cfg(&y, 2, nb ? nobundle : NULL);
    establish(&x, &y, T0);
    send_msg(&x, 0, 100, T0);
    pkt p[4];
    side_pull(&x, p, 4, T0);
    csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0);
    /* y owes a (delayed) SACK and now has data of its own */
    send_msg(&y, 0, 100, T0);
    int n = side_pull(&y, p, 4, T0);
    int mixed = 0, sacks = 0, datas = 0;
    for (int i = 0; i < n; i++) {
      int s = count_chunks(&p[i], CSCTP_CHUNK_SACK), d = count_chunks(&p[i], CSCTP_CHUNK_DATA);
      sacks += s;
      datas += d;
      mixed += s && d;
    }
    cr_assert_eq(sacks, 1, "no_bundle=%d", nb);
    cr_assert_eq(datas, 1);
    cr_assert_eq(mixed, nb ? 0 : 1, "no_bundle=%d: SACK %s DATA", nb, nb ? "apart from" : "with");
    csctp_assoc_del(x.a);
    csctp_assoc_del(y.a);
  }
}

static void small_window(csctp_config *c) {
  c->rwnd = 8000;
  c->max_message_size = 8000;
}

Test(sack, receiver_silly_window_avoidance_and_window_update) {
  side x, y;
  side_new(&x, 1);
  side_new_cfg(&y, 2, small_window);
  establish(&x, &y, T0);
  /* Six 1000-byte messages held by y (the application does not read). The window counts
   * the memory they hold, a fragment node each (§6.2): less than min(rwnd/2, MTU) is left. */
  const size_t node = CSCTP_REASM_NODE_BYTES(1);
  cr_assert(6 * node < 8000 && 8000 - 6 * node < 1200, "node of %zu bytes", node);
  for (int i = 0; i < 6; i++) send_msg(&x, 0, 1000, T0);
  pkt p[16];
  csctp_tstamp now = T0;
  for (int r = 0; r < 5; r++) {
    int n = side_pull(&x, p, 16, now);
    for (int i = 0; i < n; i++) csctp_assoc_read_packet(y.a, p[i].b, p[i].len, now);
    n = side_pull(&y, p, 16, now);
    for (int i = 0; i < n; i++) csctp_assoc_read_packet(x.a, p[i].b, p[i].len, now);
    now += 300 * CSCTP_MILLISECONDS;
    if (csctp_assoc_expiry(y.a) <= now) csctp_assoc_handle_expiry(y.a, now);
    if (csctp_assoc_expiry(x.a) <= now) csctp_assoc_handle_expiry(x.a, now);
  }
  cr_assert_eq(y.a->last_adv_rwnd, 0, "a %zu-byte window is advertised as 0", 8000 - 6 * node);
  csctp_stats st;
  csctp_assoc_get_stats(x.a, &st);
  cr_assert_eq(st.peer_rwnd, 0);
  /* the application reads everything: a window update goes out without new data */
  csctp_event ev;
  int msgs = 0;
  while (csctp_assoc_poll_event(y.a, &ev) == 1) msgs += ev.type == CSCTP_EVENT_MESSAGE;
  cr_assert_eq(msgs, 6);
  int n = side_pull(&y, p, 16, now);
  cr_assert_eq(n, 1, "window update");
  csctp_chunk ch;
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_SACK, &ch));
  csctp_sack_chunk s;
  csctp_sack_decode(&ch, &s);
  cr_assert_eq(s.a_rwnd, 8000);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(sack, shutdown_sent_answers_data_with_shutdown) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  establish(&x, &y, T0);
  csctp_assoc_shutdown(x.a, T0);
  pkt p[4];
  cr_assert_eq(side_pull(&x, p, 4, T0), 1);
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_SHUTDOWN, NULL));
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_SHUTDOWN_SENT);
  /* y had data in flight that crosses the SHUTDOWN */
  send_msg(&y, 0, 50, T0);
  cr_assert_eq(side_pull(&y, p, 4, T0), 1);
  csctp_assoc_read_packet(x.a, p[0].b, p[0].len, T0);
  cr_assert_eq(side_pull(&x, p, 4, T0), 1);
  csctp_chunk ch;
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_SHUTDOWN, &ch), "§9.2: DATA answered by SHUTDOWN");
  uint32_t cum;
  csctp_shutdown_decode(&ch, &cum);
  cr_assert_eq(cum, x.a->rxt.cum, "the SHUTDOWN acknowledges the DATA");
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(sack, one_sack_per_packet_while_a_tsn_is_missing_even_when_reads_are_batched) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  establish(&x, &y, T0);
  for (int i = 0; i < 5; i++) send_msg(&x, 0, 1000, T0);
  pkt p[8];
  cr_assert_eq(side_pull(&x, p, 8, T0), 4, "cwnd lets 4 packets out");
  /* p[0] is lost; the other three are read before anything is written */
  for (int i = 1; i < 4; i++) csctp_assoc_read_packet(y.a, p[i].b, p[i].len, T0);
  pkt out[8];
  int n = side_pull(&y, out, 8, T0);
  cr_assert_eq(n, 3, "three SACKs for three packets with a gap, got %d", n);
  for (int i = 0; i < n; i++) {
    csctp_chunk ch;
    cr_assert(find_chunk(&out[i], CSCTP_CHUNK_SACK, &ch));
    csctp_sack_chunk s;
    csctp_sack_decode(&ch, &s);
    cr_assert_eq(s.num_gap_blocks, 1);
    uint16_t gs, ge;
    csctp_sack_gap(&s, 0, &gs, &ge);
    cr_assert_eq(gs, 2);
    cr_assert_eq(ge, 2 + i, "SACK %d reports what had arrived by then", i);
  }
  /* the sender sees three miss indications and retransmits the lost TSN at once */
  for (int i = 0; i < n; i++) csctp_assoc_read_packet(x.a, out[i].b, out[i].len, T0);
  csctp_stats st;
  csctp_assoc_get_stats(x.a, &st);
  cr_assert_eq(st.fast_retransmits, 1);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(sack, input_drained_sends_the_delayed_sack_at_once) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  establish(&x, &y, T0);
  send_msg(&x, 0, 100, T0);
  pkt p[4];
  cr_assert_eq(side_pull(&x, p, 4, T0), 1);
  pkt_clear_i_bit(&p[0]); /* a sender without RFC 7053 */
  csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0);
  /* One DATA packet: the SACK is delayed (RFC 9260 §6.2) ... */
  cr_assert_eq(side_pull(&y, p, 4, T0), 0, "delayed");
  cr_assert_gt(csctp_assoc_expiry(y.a), T0);
  /* ... until the caller says it read everything waiting: then it goes at once. */
  cr_assert_eq(csctp_assoc_input_drained(y.a), 0);
  cr_assert_eq(side_pull(&y, p, 4, T0), 1);
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_SACK, NULL));
  /* Nothing owed: nothing more. */
  cr_assert_eq(csctp_assoc_input_drained(y.a), 0);
  cr_assert_eq(side_pull(&y, p, 4, T0), 0);
  cr_assert_eq(csctp_assoc_input_drained(NULL), CSCTP_ERR_INVALID_ARGUMENT);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}
