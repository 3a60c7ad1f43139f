/* SPDX-License-Identifier: MIT */
/*
 * ECN (RFC 9260 Appendix A, draft-stewart-tsvwg-sctpecn) on engine pairs, virtual clock:
 * negotiation both ways and off by default; ECT(0) on new DATA only; a CE echoed in ECNE until
 * the CWR; the congestion window halved once per window of data; hostile ECNE / CWR (not
 * negotiated, a TSN never sent, floods, a CWR without an ECNE, bad lengths); a transfer over
 * the simulated link whose bottleneck marks instead of dropping: nothing lost.
 */
#include "assoc_util.h"
#include "simlink.h"

#define T0 ((csctp_tstamp)1000000)
#define MS ((csctp_tstamp)1000)

static void ecn_on(csctp_config *c) { c->ecn = 1; }

static csctp_stats st_of(const side *s) {
  csctp_stats st;
  cr_assert_eq(csctp_assoc_get_stats(s->a, &st), 0);
  return st;
}

/* 1 when the INIT / INIT ACK in p has a parameter of `type` (walked by hand). */
static int init_has_param(const pkt *p, uint16_t type) {
  size_t clen = csctp_get_u16(p->b + 14);
  size_t off = 12 + 4 + 16, end = 12 + clen;
  while (off + 4 <= end) {
    uint16_t t = csctp_get_u16(p->b + off), l = csctp_get_u16(p->b + off + 2);
    if (l < 4 || off + l > end) return 0;
    if (t == type) return 1;
    off += (l + 3u) & ~3u;
  }
  return 0;
}

/* One packet of s (1) with the codepoint the engine gives it, or 0 when none is due. */
static int pull1(side *s, pkt *p, int *ecn, csctp_tstamp now) {
  csctp_ssize n = csctp_assoc_write_packet(s->a, p->b, sizeof(p->b), now);
  cr_assert(n >= 0);
  p->len = (size_t)n;
  if (ecn) *ecn = csctp_assoc_packet_ecn(s->a);
  return n > 0;
}

/* The handshake packet by packet, both INIT and INIT ACK kept. */
static void handshake(side *x, side *y, pkt *init, pkt *init_ack) {
  pkt p;
  cr_assert_eq(csctp_assoc_connect(x->a, T0), 0);
  cr_assert(pull1(x, init, NULL, T0));
  cr_assert_eq(csctp_assoc_read_packet(y->a, init->b, init->len, T0), 0);
  cr_assert(pull1(y, init_ack, NULL, T0));
  cr_assert_eq(csctp_assoc_read_packet(x->a, init_ack->b, init_ack->len, T0), 0);
  exchange(x, y, T0);
  (void)p;
  cr_assert_eq(csctp_assoc_get_state(x->a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_get_state(y->a), CSCTP_STATE_ESTABLISHED);
}

static void pair(side *x, side *y, void (*tx)(csctp_config *), void (*ty)(csctp_config *)) {
  pkt i, ia;
  side_new_cfg(x, 11, tx);
  side_new_cfg(y, 22, ty);
  handshake(x, y, &i, &ia);
}

static void pair_del(side *x, side *y) {
  csctp_assoc_del(x->a);
  csctp_assoc_del(y->a);
}

static void send_msg(side *s, size_t len, csctp_tstamp now) {
  static uint8_t buf[4096];
  memset(buf, 0x5a, sizeof buf);
  csctp_send_opts o = {.stream = 0, .ppid = 51};
  cr_assert_eq(csctp_assoc_send(s->a, &o, buf, len, now), 0);
}

/* The TSN of the first DATA chunk of p. */
static uint32_t data_tsn(const pkt *p) {
  csctp_chunk ch = {0};
  cr_assert(find_chunk(p, CSCTP_CHUNK_DATA, &ch));
  return csctp_get_u32(ch.value);
}

static int count_chunks(const pkt *p, uint8_t type) {
  int n = 0;
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, p->b, p->len);
  while (csctp_chunk_next(&it, &ch) == 1) n += ch.type == type;
  return n;
}

/* Injects an ECNE (or a CWR, count < 0) for `tsn` into s, addressed with its own tag. */
static void inject(side *s, uint8_t type, uint32_t tsn, csctp_tstamp now) {
  uint8_t c[12];
  csctp_wr w;
  csctp_wr_init(&w, c, sizeof c);
  if (type == CSCTP_CHUNK_ECNE)
    csctp_ecne_write(&w, tsn, 1);
  else
    csctp_cwr_write(&w, tsn);
  pkt p;
  build_pkt(&p, s->a->local_tag, c, w.len);
  cr_assert_eq(csctp_assoc_read_packet(s->a, p.b, p.len, now), 0);
}

/* ---- negotiation ---- */

Test(assoc_ecn, negotiated_when_both_list_it_passive_side_from_the_cookie) {
  side x, y;
  pkt i, ia;
  side_new_cfg(&x, 1, ecn_on);
  side_new_cfg(&y, 2, ecn_on);
  handshake(&x, &y, &i, &ia);
  cr_assert(init_has_param(&i, CSCTP_PARAM_ECN_CAPABLE), "INIT without ECN Capable");
  cr_assert(init_has_param(&ia, CSCTP_PARAM_ECN_CAPABLE), "INIT ACK without ECN Capable");
  cr_assert_eq(st_of(&x).ecn, 1, "active side: from the INIT ACK");
  cr_assert_eq(st_of(&y).ecn, 1, "passive side: from its cookie");
  /* The handover blob has no ECN state: such an association stays where it is. */
  cr_assert(csctp_assoc_handover_readiness(x.a) & CSCTP_HANDOVER_ECN);
  pair_del(&x, &y);
}

Test(assoc_ecn, one_sided_is_off_both_ways) {
  for (int dir = 0; dir < 2; dir++) {
    side x, y;
    pkt i, ia;
    side_new_cfg(&x, 3, dir ? ecn_on : NULL);
    side_new_cfg(&y, 4, dir ? NULL : ecn_on);
    handshake(&x, &y, &i, &ia);
    cr_assert_eq(init_has_param(&i, CSCTP_PARAM_ECN_CAPABLE), dir);
    cr_assert_eq(init_has_param(&ia, CSCTP_PARAM_ECN_CAPABLE), !dir);
    cr_assert_eq(st_of(&x).ecn, 0);
    cr_assert_eq(st_of(&y).ecn, 0);
    cr_assert_not(csctp_assoc_handover_readiness(x.a) & CSCTP_HANDOVER_ECN);
    /* Configured but not negotiated: DATA leaves Not-ECT, a CE is not echoed. */
    side *s[2] = {&x, &y};
    for (int k = 0; k < 2; k++) {
      pkt p;
      int ecn;
      send_msg(s[k], 100, T0);
      cr_assert(pull1(s[k], &p, &ecn, T0));
      cr_assert_eq(ecn, CSCTP_ECN_NOT_ECT);
      cr_assert_eq(csctp_assoc_read_packet_ecn(s[1 - k]->a, p.b, p.len, CSCTP_ECN_CE, T0), 0);
      cr_assert_eq(st_of(s[1 - k]).ecn_ce_in, 0);
      exchange(&x, &y, T0 + 500 * MS);
    }
    cr_assert_eq(st_of(&x).ecne_out + st_of(&y).ecne_out, 0);
    pair_del(&x, &y);
  }
}

Test(assoc_ecn, off_by_default_nothing_announced_or_marked) {
  csctp_config c;
  csctp_config_default(&c);
  cr_assert_eq(c.ecn, 0);
  side x, y;
  pkt i, ia;
  side_new(&x, 5);
  side_new(&y, 6);
  cr_assert_eq(x.a->write_ext, 0, "the plain write path");
  handshake(&x, &y, &i, &ia);
  cr_assert_not(init_has_param(&i, CSCTP_PARAM_ECN_CAPABLE));
  cr_assert_not(init_has_param(&ia, CSCTP_PARAM_ECN_CAPABLE));
  send_msg(&x, 100, T0);
  pkt p;
  int ecn;
  cr_assert(pull1(&x, &p, &ecn, T0));
  cr_assert_eq(ecn, CSCTP_ECN_NOT_ECT);
  cr_assert_eq(csctp_assoc_read_packet_ecn(y.a, p.b, p.len, CSCTP_ECN_CE, T0), 0);
  cr_assert_eq(st_of(&y).ecn_ce_in, 0);
  cr_assert_eq(st_of(&x).ecn, 0);
  cr_assert_eq(csctp_assoc_packet_ecn(NULL), CSCTP_ECN_NOT_ECT);
  pair_del(&x, &y);
}

/* ---- marking ---- */

Test(assoc_ecn, ect0_on_new_data_never_on_retransmissions_or_control) {
  side x, y;
  pair(&x, &y, ecn_on, ecn_on);
  send_msg(&x, 500, T0);
  pkt p;
  int ecn;
  cr_assert(pull1(&x, &p, &ecn, T0));
  cr_assert(find_chunk(&p, CSCTP_CHUNK_DATA, NULL));
  cr_assert_eq(ecn, CSCTP_ECN_ECT0, "new DATA is ECT(0)");
  /* Lost: T3 resends it, Not-ECT (RFC 3168 §6.1.5). */
  csctp_tstamp t = csctp_assoc_timer_expiry(x.a);
  cr_assert_eq(csctp_assoc_handle_expiry(x.a, t), 0);
  cr_assert(pull1(&x, &p, &ecn, t));
  cr_assert(find_chunk(&p, CSCTP_CHUNK_DATA, NULL));
  cr_assert_eq(ecn, CSCTP_ECN_NOT_ECT, "a retransmission is not ECT");
  cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, t), 0);
  csctp_assoc_input_drained(y.a);
  cr_assert(pull1(&y, &p, &ecn, t));
  cr_assert(find_chunk(&p, CSCTP_CHUNK_SACK, NULL));
  cr_assert_eq(ecn, CSCTP_ECN_NOT_ECT, "a SACK is not ECT");
  cr_assert_eq(st_of(&x).ecn_ect_out, 1);
  pair_del(&x, &y);
}

/* ---- the echo ---- */

Test(assoc_ecn, ce_echoed_until_cwr_and_cwnd_halved_without_retransmission) {
  side x, y;
  pair(&x, &y, ecn_on, ecn_on);
  x.a->tx.p0.cwnd = 64000;
  pkt d[3], p;
  for (int k = 0; k < 3; k++) {
    send_msg(&x, 1000, T0);
    cr_assert(pull1(&x, &d[k], NULL, T0));
  }
  /* d[0] arrives marked CE: the next packet of y carries an ECNE with its TSN. */
  cr_assert_eq(csctp_assoc_read_packet_ecn(y.a, d[0].b, d[0].len, CSCTP_ECN_CE, T0), 0);
  cr_assert(pull1(&y, &p, NULL, T0));
  csctp_chunk ch;
  cr_assert(find_chunk(&p, CSCTP_CHUNK_ECNE, &ch), "no ECNE after a CE");
  cr_assert_eq(csctp_get_u32(ch.value), data_tsn(&d[0]));
  cr_assert_eq(csctp_get_u32(ch.value + 4), 1);
  cr_assert_eq(csctp_assoc_read_packet(x.a, p.b, p.len, T0), 0);
  /* d[1] unmarked: y's SACK repeats the ECNE (no CWR yet). */
  cr_assert_eq(csctp_assoc_read_packet_ecn(y.a, d[1].b, d[1].len, CSCTP_ECN_ECT0, T0), 0);
  cr_assert(pull1(&y, &p, NULL, T0));
  cr_assert(find_chunk(&p, CSCTP_CHUNK_SACK, NULL));
  cr_assert(find_chunk(&p, CSCTP_CHUNK_ECNE, NULL), "the ECNE is repeated until the CWR");
  cr_assert_eq(csctp_assoc_read_packet(x.a, p.b, p.len, T0), 0);
  csctp_stats sx = st_of(&x);
  cr_assert_eq(sx.ecne_in, 2);
  cr_assert_eq(sx.ecn_cwnd_reductions, 1, "one reduction for the window");
  cr_assert_eq(sx.ssthresh, 32000);
  cr_assert_leq(sx.cwnd, 32000);
  cr_assert_eq(sx.retransmissions, 0, "ECN reduces without retransmitting");
  /* x answers with a CWR naming that TSN. */
  cr_assert(pull1(&x, &p, NULL, T0));
  cr_assert(find_chunk(&p, CSCTP_CHUNK_CWR, &ch));
  cr_assert_eq(csctp_get_u32(ch.value), data_tsn(&d[0]));
  cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
  cr_assert_eq(st_of(&y).cwr_in, 1);
  cr_assert_eq(st_of(&y).cwr_ignored, 0);
  /* After the CWR: no ECNE any more. */
  cr_assert_eq(csctp_assoc_read_packet(y.a, d[2].b, d[2].len, T0), 0);
  csctp_assoc_input_drained(y.a);
  int n = 0;
  while (pull1(&y, &p, NULL, T0 + 300 * MS)) {
    cr_assert_not(find_chunk(&p, CSCTP_CHUNK_ECNE, NULL), "ECNE after the CWR");
    n++;
  }
  cr_assert_gt(n, 0);
  exchange(&x, &y, T0 + 400 * MS);
  cr_assert_eq(st_of(&y).messages_in, 3, "nothing lost");
  cr_assert_eq(st_of(&y).ecn_ce_in, 1);
  pair_del(&x, &y);
}

Test(assoc_ecn, cwnd_halves_once_per_window_then_again_in_the_next) {
  side x, y;
  pair(&x, &y, ecn_on, ecn_on);
  x.a->tx.p0.cwnd = 64000;
  pkt d[5], p;
  for (int k = 0; k < 4; k++) {
    send_msg(&x, 1000, T0);
    cr_assert(pull1(&x, &d[k], NULL, T0));
  }
  inject(&x, CSCTP_CHUNK_ECNE, data_tsn(&d[0]), T0);
  cr_assert_eq(x.a->tx.p0.cwnd, 32000);
  for (int k = 1; k < 4; k++) inject(&x, CSCTP_CHUNK_ECNE, data_tsn(&d[k]), T0);
  inject(&x, CSCTP_CHUNK_ECNE, data_tsn(&d[0]), T0);
  cr_assert_eq(x.a->tx.p0.cwnd, 32000, "the same window reduced twice");
  cr_assert_eq(st_of(&x).ecn_cwnd_reductions, 1);
  cr_assert(pull1(&x, &p, NULL, T0));
  cr_assert_eq(count_chunks(&p, CSCTP_CHUNK_CWR), 1, "one CWR for the ECNEs read");
  csctp_chunk ch;
  cr_assert(find_chunk(&p, CSCTP_CHUNK_CWR, &ch));
  cr_assert_eq(csctp_get_u32(ch.value), data_tsn(&d[3]), "the CWR names the newest ECNE");
  /* A TSN sent after the reduction: the next window, reduced again. */
  send_msg(&x, 1000, T0);
  cr_assert(pull1(&x, &d[4], NULL, T0));
  inject(&x, CSCTP_CHUNK_ECNE, data_tsn(&d[4]), T0);
  cr_assert_eq(x.a->tx.p0.cwnd, 16000);
  cr_assert_eq(st_of(&x).ecn_cwnd_reductions, 2);
  /* Never below 4 MTUs. */
  send_msg(&x, 1000, T0);
  pkt e;
  cr_assert(pull1(&x, &e, NULL, T0));
  while (find_chunk(&e, CSCTP_CHUNK_CWR, NULL) && !find_chunk(&e, CSCTP_CHUNK_DATA, NULL))
    cr_assert(pull1(&x, &e, NULL, T0));
  x.a->tx.p0.cwnd = 3000;
  inject(&x, CSCTP_CHUNK_ECNE, data_tsn(&e), T0);
  cr_assert_eq(x.a->tx.p0.ssthresh, 4 * 1200);
  cr_assert_eq(x.a->tx.p0.cwnd, 3000, "an ECNE never grows cwnd");
  pair_del(&x, &y);
}

/* TSN serial arithmetic (RFC 1982) turns after 2^31: a reduction that long ago must not make
 * the ECNEs of today look older than its window. The 2^31 TSNs are not sent; the state they
 * leave (the window end and the first TSN 2^31 + 16 back) is written in. */
Test(assoc_ecn, reduction_two_to_the_31_tsns_ago_does_not_block_the_next) {
  side x, y;
  pair(&x, &y, ecn_on, ecn_on);
  x.a->tx.p0.cwnd = 64000;
  pkt d0, d1;
  send_msg(&x, 1000, T0);
  cr_assert(pull1(&x, &d0, NULL, T0));
  inject(&x, CSCTP_CHUNK_ECNE, data_tsn(&d0), T0);
  cr_assert_eq(st_of(&x).ecn_cwnd_reductions, 1);
  x.a->ecn_tsn_base = data_tsn(&d0) - 0x80000010u;
  x.a->ecn_window_end = data_tsn(&d0) - 0x80000008u;
  x.a->tx.p0.cwnd = 64000;
  send_msg(&x, 1000, T0);
  cr_assert(pull1(&x, &d1, NULL, T0));
  while (!find_chunk(&d1, CSCTP_CHUNK_DATA, NULL)) cr_assert(pull1(&x, &d1, NULL, T0));
  inject(&x, CSCTP_CHUNK_ECNE, data_tsn(&d1), T0);
  cr_assert_eq(st_of(&x).ecn_cwnd_reductions, 2, "a CE of a new window ignored");
  cr_assert_eq(x.a->tx.p0.cwnd, 32000);
  /* Still once per window: the same TSN, or one older, reduces no more. */
  inject(&x, CSCTP_CHUNK_ECNE, data_tsn(&d1), T0);
  inject(&x, CSCTP_CHUNK_ECNE, data_tsn(&d0), T0);
  cr_assert_eq(st_of(&x).ecn_cwnd_reductions, 2);
  pair_del(&x, &y);
}

/* ---- hostile input ---- */

Test(assoc_ecn, ecne_for_a_tsn_never_sent_is_ignored) {
  side x, y;
  pair(&x, &y, ecn_on, ecn_on);
  x.a->tx.p0.cwnd = 64000;
  pkt p;
  inject(&x, CSCTP_CHUNK_ECNE, x.a->tx.next_tsn, T0); /* nothing sent yet */
  send_msg(&x, 1000, T0);
  cr_assert(pull1(&x, &p, NULL, T0));
  uint32_t tsn = data_tsn(&p);
  inject(&x, CSCTP_CHUNK_ECNE, tsn + 1, T0);
  inject(&x, CSCTP_CHUNK_ECNE, tsn + 0x40000000u, T0);
  inject(&x, CSCTP_CHUNK_ECNE, tsn - 1, T0); /* before our first TSN */
  csctp_stats s = st_of(&x);
  cr_assert_eq(s.ecne_in, 4);
  cr_assert_eq(s.ecne_ignored, 4);
  cr_assert_eq(s.ecn_cwnd_reductions, 0);
  cr_assert_eq(x.a->tx.p0.cwnd, 64000);
  cr_assert_not(pull1(&x, &p, NULL, T0), "no CWR for an ignored ECNE");
  pair_del(&x, &y);
}

Test(assoc_ecn, ecne_flood_reduces_once_and_answers_one_cwr_per_packet) {
  side x, y;
  pair(&x, &y, ecn_on, ecn_on);
  x.a->tx.p0.cwnd = 64000;
  pkt d, p;
  send_msg(&x, 1000, T0);
  cr_assert(pull1(&x, &d, NULL, T0));
  uint32_t tsn = data_tsn(&d);
  /* 100 ECNEs in one packet, then 200 packets of one. */
  uint8_t c[1200];
  csctp_wr w;
  csctp_wr_init(&w, c, sizeof c);
  for (int k = 0; k < 100; k++) csctp_ecne_write(&w, tsn, (uint32_t)k);
  build_pkt(&p, x.a->local_tag, c, w.len);
  cr_assert_eq(csctp_assoc_read_packet(x.a, p.b, p.len, T0), 0);
  cr_assert(pull1(&x, &p, NULL, T0));
  cr_assert_eq(count_chunks(&p, CSCTP_CHUNK_CWR), 1);
  cr_assert_not(pull1(&x, &p, NULL, T0));
  for (int k = 0; k < 200; k++) {
    inject(&x, CSCTP_CHUNK_ECNE, tsn, T0);
    cr_assert(pull1(&x, &p, NULL, T0));
    cr_assert_eq(count_chunks(&p, CSCTP_CHUNK_CWR), 1);
    cr_assert_lt(x.a->ctrl_len, 64, "control queue grows");
  }
  csctp_stats s = st_of(&x);
  cr_assert_eq(s.ecne_in, 300);
  cr_assert_eq(s.ecn_cwnd_reductions, 1, "cwnd collapsed by a flood");
  cr_assert_eq(s.cwnd, 32000);
  cr_assert_eq(s.cwr_out, 201);
  pair_del(&x, &y);
}

Test(assoc_ecn, ecne_and_cwr_not_negotiated_are_unrecognized_chunks) {
  for (int mine = 0; mine < 2; mine++) {
    side x, y;
    pair(&x, &y, mine ? ecn_on : NULL, NULL); /* x configured or not; never negotiated */
    x.a->tx.p0.cwnd = 64000;
    pkt d;
    send_msg(&x, 1000, T0);
    cr_assert(pull1(&x, &d, NULL, T0));
    uint32_t tsn = data_tsn(&d);
    for (int t = 0; t < 2; t++) {
      /* The chunk, then a DATA from y: §3.2 type 12/13 (00): the rest of the packet dropped. */
      uint8_t c[64];
      csctp_wr w;
      csctp_wr_init(&w, c, sizeof c);
      if (t == 0)
        csctp_ecne_write(&w, tsn, 1);
      else
        csctp_cwr_write(&w, tsn);
      csctp_data_chunk dc = {0};
      uint8_t payload[4] = {1, 2, 3, 4};
      dc.flags = CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E;
      dc.tsn = y.a->tx.next_tsn;
      dc.data = payload;
      dc.len = sizeof payload;
      csctp_data_write_header(c + w.len, &dc);
      memcpy(c + w.len + CSCTP_DATA_HDR_LEN, payload, sizeof payload);
      w.len += CSCTP_DATA_HDR_LEN + sizeof payload;
      pkt p;
      build_pkt(&p, x.a->local_tag, c, w.len);
      cr_assert_eq(csctp_assoc_read_packet(x.a, p.b, p.len, T0), 0);
    }
    csctp_stats s = st_of(&x);
    cr_assert_eq(s.ecn_unexpected, 2);
    cr_assert_eq(s.data_chunks_in, 0, "chunks after an unrecognized ECNE/CWR processed");
    cr_assert_eq(s.ecn_cwnd_reductions + s.ecne_in + s.cwr_in, 0);
    cr_assert_eq(x.a->tx.p0.cwnd, 64000);
    pair_del(&x, &y);
  }
}

Test(assoc_ecn, cwr_without_ecne_and_bad_lengths) {
  side x, y;
  pair(&x, &y, ecn_on, ecn_on);
  inject(&y, CSCTP_CHUNK_CWR, 12345, T0);
  csctp_stats s = st_of(&y);
  cr_assert_eq(s.cwr_in, 1);
  cr_assert_eq(s.cwr_ignored, 1);
  /* An ECNE of 10 bytes and a CWR of 12: malformed, the packet dropped. */
  const uint8_t bad1[] = {12, 0, 0, 10, 0, 0, 0, 1, 0, 1, 0, 0};
  const uint8_t bad2[] = {13, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 1};
  pkt p;
  uint64_t before = st_of(&y).drop_malformed;
  build_pkt(&p, y.a->local_tag, bad1, sizeof bad1);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
  build_pkt(&p, y.a->local_tag, bad2, sizeof bad2);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
  cr_assert_eq(st_of(&y).drop_malformed, before + 2);
  cr_assert_eq(st_of(&y).ecne_in, 0);
  /* A CWR older than the ECNE outstanding leaves it (ignored). */
  send_msg(&x, 1000, T0);
  pkt d;
  cr_assert(pull1(&x, &d, NULL, T0));
  cr_assert_eq(csctp_assoc_read_packet_ecn(y.a, d.b, d.len, CSCTP_ECN_CE, T0), 0);
  inject(&y, CSCTP_CHUNK_CWR, data_tsn(&d) - 1, T0);
  cr_assert_eq(st_of(&y).cwr_ignored, 2);
  cr_assert(y.a->ecne_owed);
  inject(&y, CSCTP_CHUNK_CWR, data_tsn(&d), T0);
  cr_assert_not(y.a->ecne_owed);
  /* usrsctp's override flag: an older TSN that still ends the echo (the TSN was acknowledged
   * before the ECNE reached the sender). */
  cr_assert_eq(csctp_assoc_read_packet_ecn(y.a, d.b, d.len, CSCTP_ECN_CE, T0), 0);
  cr_assert(y.a->ecne_owed);
  const uint8_t ovr[] = {13, CSCTP_CWR_FLAG_OVERRIDE, 0, 8, 0, 0, 0, 1};
  build_pkt(&p, y.a->local_tag, ovr, sizeof ovr);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
  cr_assert_not(y.a->ecne_owed, "an override CWR did not end the echo");
  cr_assert_eq(st_of(&y).cwr_ignored, 2);
  pair_del(&x, &y);
}

/* ---- the simulated link: a bottleneck that marks instead of dropping ---- */

typedef struct bulk {
  uint32_t sent, got, total;
  int bad;
} bulk;

static void bulk_pump(bulk *b, csctp_assoc *a, csctp_tstamp now) {
  uint8_t buf[1000];
  while (b->sent < b->total) {
    memset(buf, (int)(b->sent & 0xff), sizeof buf);
    csctp_send_opts o = {.stream = 0, .ppid = b->sent};
    int rv = csctp_assoc_send(a, &o, buf, sizeof buf, now);
    if (rv == CSCTP_ERR_WOULD_BLOCK) return;
    cr_assert_eq(rv, 0);
    b->sent++;
  }
}

static void bulk_event(csctp_simlink *link, int which, const csctp_event *ev, void *user) {
  (void)link;
  bulk *b = user;
  if (which != CSCTP_SIMLINK_B || ev->type != CSCTP_EVENT_MESSAGE) return;
  const uint8_t *d = ev->u.message.data;
  if (ev->u.message.ppid != b->got || ev->u.message.len != 1000 || d[0] != (b->got & 0xff) ||
      d[999] != (b->got & 0xff))
    b->bad = 1;
  b->got++;
}

/* A to B through 1 MB/s with a 16 KB queue, 20 ms each way; `mark`: the queue marks ECT
 * packets CE instead of dropping them. Returns A's and B's stats and the link's counters. */
static void run_bottleneck(int ecn, csctp_stats *sa, csctp_stats *sb, csctp_simlink_counters *lc,
                           uint32_t *cwnd_min_after, csctp_tstamp *took) {
  side x, y;
  side_new_cfg(&x, 7, ecn ? ecn_on : NULL);
  side_new_cfg(&y, 8, ecn ? ecn_on : NULL);
  csctp_simlink_config c;
  csctp_simlink_config_default(&c);
  c.seed = 99;
  c.dir[0].delay = c.dir[1].delay = 20 * MS;
  c.dir[0].bandwidth = 1000000;
  c.dir[0].queue_bytes = 16000;
  c.dir[0].ecn_mark = 1;
  csctp_simlink *l = csctp_simlink_new(&c);
  csctp_simlink_attach_assocs(l, x.a, y.a);
  bulk b = {.total = 3000};
  csctp_simlink_set_event_handler(l, CSCTP_SIMLINK_B, bulk_event, &b);
  cr_assert_eq(csctp_assoc_connect(x.a, csctp_simlink_now(l)), 0);
  uint32_t cmin = UINT32_MAX;
  for (int i = 0; i < 20000 && b.got < b.total; i++) {
    bulk_pump(&b, x.a, csctp_simlink_now(l));
    csctp_simlink_stop st = csctp_simlink_run_until(l, NULL, NULL, 5 * MS);
    cr_assert(st == CSCTP_SIMLINK_TIME_LIMIT || st == CSCTP_SIMLINK_IDLE, "%s",
              csctp_simlink_stop_name(st));
    if (x.a->ecn_reduced && x.a->tx.p0.cwnd < cmin) cmin = x.a->tx.p0.cwnd;
  }
  cr_assert_eq(b.got, b.total, "transfer incomplete: %u of %u", b.got, b.total);
  *took = csctp_simlink_now(l) - c.start;
  cr_assert_not(b.bad, "a message arrived altered or out of order");
  cr_assert_eq(csctp_assoc_get_stats(x.a, sa), 0);
  cr_assert_eq(csctp_assoc_get_stats(y.a, sb), 0);
  *lc = *csctp_simlink_counters_get(l, CSCTP_SIMLINK_A);
  *cwnd_min_after = cmin;
  csctp_simlink_del(l);
  pair_del(&x, &y);
}

Test(assoc_ecn, marking_bottleneck_transfer_loses_nothing) {
  csctp_stats sa, sb;
  csctp_simlink_counters lc;
  uint32_t cmin;
  csctp_tstamp t_drop, t_ecn;
  /* Without ECN the same link drops (the test's premise). */
  run_bottleneck(0, &sa, &sb, &lc, &cmin, &t_drop);
  cr_assert_gt(lc.dropped_queue, 0, "the bottleneck never overflowed");
  cr_assert_gt(sa.retransmissions, 0);
  run_bottleneck(1, &sa, &sb, &lc, &cmin, &t_ecn);
  /* Throughput goes on: 3 MB through 1 MB/s takes 3 s; ECN no slower than losses. */
  cr_log_info("3000 messages: %llu ms with drops, %llu ms with ECN",
              (unsigned long long)(t_drop / MS), (unsigned long long)(t_ecn / MS));
  cr_assert_leq(t_ecn, t_drop, "ECN slower than drops");
  cr_assert_lt(t_ecn, 4500 * MS, "the bottleneck was left idle");
  cr_log_info("drops %llu marked %llu ect %llu sent %llu red %llu ce %llu ret %llu",
              (unsigned long long)lc.dropped_queue, (unsigned long long)lc.marked_ce,
              (unsigned long long)lc.ect, (unsigned long long)lc.sent,
              (unsigned long long)sa.ecn_cwnd_reductions, (unsigned long long)sb.ecn_ce_in,
              (unsigned long long)sa.retransmissions);
  /* Every DATA packet left ECT(0) (a message a packet) and none was dropped: only Not-ECT
   * packets without DATA (a CWR alone) may meet a full queue. */
  cr_assert_eq(lc.ect, 3000, "a DATA packet left without ECT");
  cr_assert_leq(lc.dropped_queue, lc.sent - lc.ect);
  cr_assert_eq(lc.dropped_loss, 0);
  cr_assert_gt(lc.marked_ce, 0, "nothing was marked");
  cr_assert_eq(sa.retransmissions, 0, "ECN must not retransmit");
  cr_assert_eq(sa.t3_expiries, 0);
  cr_assert_gt(sb.ecn_ce_in, 0);
  cr_assert_gt(sb.ecne_out, 0);
  cr_assert_gt(sa.ecne_in, 0);
  cr_assert_gt(sa.ecn_cwnd_reductions, 0);
  cr_assert_lt(sa.ecn_cwnd_reductions, sb.ecn_ce_in + 1);
  cr_assert_gt(sa.cwr_out, 0);
  cr_assert_gt(sb.cwr_in, 0);
  cr_assert_geq(cmin, 4 * 1200, "cwnd collapsed below 4 MTUs");
  cr_assert_eq(sb.messages_in, 3000);
}

/* ---- an endpoint's association ---- */

/* Moves every packet between the endpoint and the bare association; `ce`: the association's
 * ECT packets reach the endpoint marked CE; `via`: through the endpoint's _via calls (a
 * multi-homed caller's). Returns the ECNE chunks the endpoint wrote. */
static int ep_exchange_v(csctp_endpoint *ep, const csctp_addr *peer, side *s, int ce, int via,
                         csctp_tstamp now) {
  csctp_route rt = {.peer = *peer, .local = CSCTP_LOCAL_ANY};
  int ecne = 0;
  for (int round = 0; round < 50; round++) {
    int moved = 0;
    pkt p;
    int ecn;
    while (pull1(s, &p, &ecn, now)) {
      int in = ce && ecn == CSCTP_ECN_ECT0 ? CSCTP_ECN_CE : ecn;
      cr_assert_eq(via ? csctp_endpoint_read_packet_via_ecn(ep, &rt, p.b, p.len, in, now, NULL)
                       : csctp_endpoint_read_packet_ecn(ep, peer, p.b, p.len, in, now, NULL),
                   0);
      moved = 1;
    }
    csctp_addr to;
    csctp_ssize n;
    csctp_route out;
    while ((n = via ? csctp_endpoint_write_packet_via(ep, p.b, sizeof p.b, now, &out, NULL)
                    : csctp_endpoint_write_packet(ep, p.b, sizeof p.b, now, &to, NULL)) > 0) {
      p.len = (size_t)n;
      ecne += count_chunks(&p, CSCTP_CHUNK_ECNE);
      cr_assert_eq(csctp_assoc_read_packet(s->a, p.b, p.len, now), 0);
      moved = 1;
    }
    side_drain_events(s);
    if (!moved) break;
  }
  return ecne;
}

static void ep_ecn_case(int via) {
  side x;
  side_new_cfg(&x, 31, ecn_on);
  csctp_prng g;
  csctp_prng_seed(&g, 32);
  csctp_config c;
  csctp_config_default(&c);
  c.rand = csctp_prng_rand_fn;
  c.rand_user_data = &g;
  c.ecn = 1;
  csctp_endpoint *ep;
  cr_assert_eq(csctp_endpoint_new(&ep, &c), 0);
  csctp_endpoint_listen(ep, 1);
  csctp_addr peer = {.len = 6, .data = {10, 0, 0, 2, 0, 0}};
  cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
  ep_exchange_v(ep, &peer, &x, 0, via, T0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(st_of(&x).ecn, 1, "negotiated with the endpoint's association");
  send_msg(&x, 500, T0);
  int ecne = ep_exchange_v(ep, &peer, &x, 1, via, T0);
  cr_assert_gt(ecne, 0, "the endpoint's association did not echo the CE");
  cr_assert_eq(st_of(&x).ecn_cwnd_reductions, 1);
  cr_assert_eq(st_of(&x).cwr_out, 1);
  /* Not-CE through the same call: nothing echoed. */
  send_msg(&x, 500, T0);
  cr_assert_eq(ep_exchange_v(ep, &peer, &x, 0, via, T0 + 300 * MS), 0);
  csctp_endpoint_del(ep);
  csctp_assoc_del(x.a);
}

Test(assoc_ecn, endpoint_read_packet_ecn_reaches_the_association) { ep_ecn_case(0); }

/* The same through csctp_endpoint_read_packet_via_ecn / write_packet_via (the socket API's
 * multi-homed host). */
Test(assoc_ecn, endpoint_read_packet_via_ecn_reaches_the_association) { ep_ecn_case(1); }

/* ---- RFC 6525 SSN/TSN Reset: a new TSN space ---- */

static void ecn_reset_on(csctp_config *c) {
  c->ecn = 1;
  c->accept_assoc_reset = 1;
}

Test(assoc_ecn, after_a_tsn_reset_the_new_tsns_are_a_new_window) {
  side x, y;
  pair(&x, &y, ecn_reset_on, ecn_reset_on);
  x.a->tx.p0.cwnd = 64000;
  pkt d0, d1;
  send_msg(&x, 1000, T0);
  cr_assert(pull1(&x, &d0, NULL, T0));
  inject(&x, CSCTP_CHUNK_ECNE, data_tsn(&d0), T0);
  cr_assert_eq(st_of(&x).ecn_cwnd_reductions, 1);
  cr_assert_eq(csctp_assoc_read_packet(y.a, d0.b, d0.len, T0), 0);
  exchange(&x, &y, T0 + 300 * MS);
  cr_assert_eq(csctp_assoc_reset_assoc(x.a, T0 + 300 * MS), 0);
  exchange(&x, &y, T0 + 300 * MS);
  exchange(&x, &y, T0 + 600 * MS);
  send_msg(&x, 1000, T0 + 600 * MS);
  cr_assert(pull1(&x, &d1, NULL, T0 + 600 * MS));
  cr_assert_neq(data_tsn(&d1), data_tsn(&d0) + 1, "the TSNs were not reset");
  x.a->tx.p0.cwnd = 64000;
  inject(&x, CSCTP_CHUNK_ECNE, data_tsn(&d0), T0 + 600 * MS);
  cr_assert_eq(x.a->tx.p0.cwnd, 64000, "a TSN of before the reset reduced");
  inject(&x, CSCTP_CHUNK_ECNE, data_tsn(&d1), T0 + 600 * MS);
  cr_assert_eq(x.a->tx.p0.cwnd, 32000, "the first window after the reset not reduced");
  cr_assert_eq(st_of(&x).ecn_cwnd_reductions, 2);
  pair_del(&x, &y);
}

/* A CE on DATA that a peer sends before our handshake ends is not echoed: an ECNE there would
 * go ahead of the COOKIE ECHO, which must be first in its packet. */
Test(assoc_ecn, no_echo_before_established) {
  side x, y;
  side_new_cfg(&x, 41, ecn_on);
  side_new_cfg(&y, 42, ecn_on);
  pkt init, ack, p;
  cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
  cr_assert(pull1(&x, &init, NULL, T0));
  cr_assert_eq(csctp_assoc_read_packet(y.a, init.b, init.len, T0), 0);
  cr_assert(pull1(&y, &ack, NULL, T0));
  cr_assert_eq(csctp_assoc_read_packet(x.a, ack.b, ack.len, T0), 0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_COOKIE_ECHOED);
  uint8_t c[32];
  csctp_data_chunk dc = {.flags = CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E, .tsn = 1, .len = 4};
  uint8_t payload[4] = {1, 2, 3, 4};
  dc.data = payload;
  dc.tsn = x.a->rxt.cum + 1;
  csctp_data_write_header(c, &dc);
  memcpy(c + CSCTP_DATA_HDR_LEN, payload, sizeof payload);
  build_pkt(&p, x.a->local_tag, c, CSCTP_DATA_HDR_LEN + sizeof payload);
  cr_assert_eq(csctp_assoc_read_packet_ecn(x.a, p.b, p.len, CSCTP_ECN_CE, T0), 0);
  cr_assert_not(x.a->ecne_owed);
  cr_assert_eq(st_of(&x).ecn_ce_in, 0);
  cr_assert(pull1(&x, &p, NULL, T0));
  cr_assert_eq(p.b[12], CSCTP_CHUNK_COOKIE_ECHO, "the COOKIE ECHO must lead its packet");
  pair_del(&x, &y);
}

/* Found by fuzz_assoc: the ECNE repeats ride on packets sent anyway, and "anyway" was guessed
 * from flags that do not always put a chunk in the packet (PR-SCTP in use, a message that is
 * not sendable yet). A write loop must end however the echo is owed. */
Test(assoc_ecn, echo_owed_with_pr_sctp_in_use_write_loop_ends) {
  side x, y;
  pair(&x, &y, ecn_on, ecn_on);
  /* y has used PR-SCTP once: the message goes and is acknowledged, the flag stays. */
  static uint8_t m[100];
  csctp_send_opts o = {.stream = 0, .ppid = 51, .pr_policy = CSCTP_PR_RTX, .pr_value = 0};
  cr_assert_eq(csctp_assoc_send(y.a, &o, m, sizeof m, T0), 0);
  exchange(&x, &y, T0);
  pkt d, p;
  send_msg(&x, 1000, T0);
  cr_assert(pull1(&x, &d, NULL, T0));
  cr_assert_eq(csctp_assoc_read_packet_ecn(y.a, d.b, d.len, CSCTP_ECN_CE, T0), 0);
  int n = 0, echoes = 0;
  while (n < 50 && pull1(&y, &p, NULL, T0)) {
    echoes += count_chunks(&p, CSCTP_CHUNK_ECNE);
    n++;
  }
  cr_assert_lt(n, 50, "the write loop never ends: a packet of ECNE after another");
  cr_assert_eq(echoes, 1, "the fresh echo once; repeats only ride on packets sent anyway");
  /* The repeat rides on the next packet y sends for its own reasons. */
  send_msg(&y, 200, T0 + MS);
  cr_assert(pull1(&y, &p, NULL, T0 + MS));
  cr_assert(find_chunk(&p, CSCTP_CHUNK_DATA, NULL));
  cr_assert(find_chunk(&p, CSCTP_CHUNK_ECNE, NULL), "the ECNE repeated until the CWR");
  pair_del(&x, &y);
}
