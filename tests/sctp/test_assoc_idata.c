/* SPDX-License-Identifier: MIT */
/*
 * RFC 8260 negotiation on engine pairs (virtual clock): I-DATA (0x40) and
 * I-FORWARD-TSN (0xC2) in the Supported Extensions of INIT / INIT ACK when
 * csctp_config.interleaving is set, interleaving used only when both sides list
 * I-DATA (§2.2.1), I-FORWARD-TSN only with Forward-TSN on both sides too
 * (§2.3.1), carried through the state cookie to the passive side, reported in
 * the statistics; PR-SCTP off with I-DATA but without I-FORWARD-TSN.
 */
#include "assoc_util.h"

#define T0 ((csctp_tstamp)1000000)

static void il_on(csctp_config *c) { c->interleaving = 1; }

/* The Supported Extensions of the INIT or INIT ACK in `p`, as a bit per listed type of interest:
 * 1 RE-CONFIG, 2 FORWARD-TSN, 4 I-DATA, 8 I-FORWARD-TSN. */
static int listed(const pkt *p, uint8_t chunk_type) {
  csctp_chunk ch;
  cr_assert(find_chunk(p, chunk_type, &ch), "no chunk %u", chunk_type);
  csctp_init_chunk in;
  cr_assert_eq(csctp_init_decode(&ch, &in), 0);
  int bits = 0;
  for (size_t i = 0; i < in.supported_ext_len; i++) {
    switch (in.supported_ext[i]) {
    case CSCTP_CHUNK_RECONFIG: bits |= 1; break;
    case CSCTP_CHUNK_FORWARD_TSN: bits |= 2; break;
    case CSCTP_CHUNK_IDATA: bits |= 4; break;
    case CSCTP_CHUNK_IFORWARD_TSN: bits |= 8; break;
    default: break;
    }
  }
  return bits;
}

/* Connects x (initiator) to y by hand, keeping the INIT and the INIT ACK. */
static void handshake(side *x, side *y, pkt *init, pkt *init_ack) {
  pkt p[8];
  cr_assert_eq(csctp_assoc_connect(x->a, T0), 0);
  cr_assert_eq(side_pull(x, p, 8, T0), 1);
  *init = p[0];
  cr_assert_eq(csctp_assoc_read_packet(y->a, p[0].b, p[0].len, T0), 0);
  cr_assert_eq(side_pull(y, p, 8, T0), 1);
  *init_ack = p[0];
  cr_assert_eq(csctp_assoc_read_packet(x->a, p[0].b, p[0].len, T0), 0);
  exchange(x, y, T0);
  cr_assert_eq(csctp_assoc_get_state(x->a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_get_state(y->a), CSCTP_STATE_ESTABLISHED);
}

static int interleaving(const side *s) {
  csctp_stats st;
  cr_assert_eq(csctp_assoc_get_stats(s->a, &st), 0);
  return st.interleaving;
}

Test(assoc_idata, both_announce_both_use) {
  side x, y;
  side_new_cfg(&x, 1, il_on);
  side_new_cfg(&y, 2, il_on);
  pkt init, ack;
  handshake(&x, &y, &init, &ack);
  cr_assert_eq(listed(&init, CSCTP_CHUNK_INIT), 1 | 2 | 4 | 8);
  cr_assert_eq(listed(&ack, CSCTP_CHUNK_INIT_ACK), 1 | 2 | 4 | 8);
  cr_assert_eq(interleaving(&x), 1);
  cr_assert_eq(interleaving(&y), 1, "the passive side learns it from its cookie");
  cr_assert(x.a->tx.idata && y.a->tx.idata);
  cr_assert(x.a->tx.pr_enabled && y.a->tx.pr_enabled, "I-FORWARD-TSN negotiated: PR-SCTP on");
  cr_assert_eq(y.a->peer_idata, CSCTP_IDATA_ON | CSCTP_IDATA_IFWD);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(assoc_idata, off_by_default_nothing_listed) {
  csctp_config c;
  csctp_config_default(&c);
  cr_assert_eq(c.interleaving, 0);
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  pkt init, ack;
  handshake(&x, &y, &init, &ack);
  cr_assert_eq(listed(&init, CSCTP_CHUNK_INIT), 1 | 2);
  cr_assert_eq(listed(&ack, CSCTP_CHUNK_INIT_ACK), 1 | 2);
  cr_assert_eq(interleaving(&x) + interleaving(&y), 0);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

/* §2.2.1: one side alone listing I-DATA gives DATA, in either direction of the handshake. */
Test(assoc_idata, one_side_only_gives_data) {
  for (int initiator_on = 0; initiator_on < 2; initiator_on++) {
    side x, y;
    side_new_cfg(&x, 1, initiator_on ? il_on : NULL);
    side_new_cfg(&y, 2, initiator_on ? NULL : il_on);
    pkt init, ack;
    handshake(&x, &y, &init, &ack);
    cr_assert_eq(listed(&init, CSCTP_CHUNK_INIT) & 4, initiator_on ? 4 : 0);
    cr_assert_eq(listed(&ack, CSCTP_CHUNK_INIT_ACK) & 4, initiator_on ? 0 : 4);
    cr_assert_eq(interleaving(&x), 0);
    cr_assert_eq(interleaving(&y), 0);
    cr_assert(!x.a->tx.idata && !y.a->tx.idata);
    cr_assert(x.a->tx.pr_enabled && y.a->tx.pr_enabled, "DATA with FORWARD TSN as before");
    csctp_assoc_del(x.a);
    csctp_assoc_del(y.a);
  }
}

/* §2.3.1: without Forward-TSN on one side there is no I-FORWARD-TSN, so PR-SCTP is off while
 * I-DATA is used; FORWARD TSN must not be used with I-DATA. */
Test(assoc_idata, no_forward_tsn_no_iforward_tsn) {
  side x, y;
  side_new_cfg(&x, 1, il_on);
  side_new_cfg(&y, 2, il_on);
  y.a->announce_forward_tsn = 0;
  pkt init, ack;
  handshake(&x, &y, &init, &ack);
  cr_assert_eq(listed(&ack, CSCTP_CHUNK_INIT_ACK), 1 | 4, "no 0xC0 nor 0xC2 without Forward-TSN");
  cr_assert_eq(x.a->peer_idata, CSCTP_IDATA_ON);
  cr_assert_eq(y.a->peer_idata, CSCTP_IDATA_ON);
  cr_assert(x.a->tx.idata);
  cr_assert_not(x.a->tx.pr_enabled);
  cr_assert_not(y.a->tx.pr_enabled);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

/* A peer that lists I-DATA and FORWARD-TSN but not I-FORWARD-TSN (a hand-made INIT): I-DATA
 * without PR-SCTP; and the handover refuses an interleaved association (its blob has no MIDs). */
Test(assoc_idata, idata_without_iforward_from_the_peer) {
  side x, y;
  side_new_cfg(&x, 1, il_on);
  side_new_cfg(&y, 2, il_on);
  pkt p[8];
  cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
  cr_assert_eq(side_pull(&x, p, 8, T0), 1);
  /* Rewrite 0xC2 in x's Supported Extensions as 0x82 (RE-CONFIG again): checksum recomputed. */
  csctp_chunk ch;
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_INIT, &ch));
  uint8_t *v = (uint8_t *)ch.value;
  int found = 0;
  for (size_t i = 0; i + 1 < ch.value_len; i++)
    if (v[i] == CSCTP_CHUNK_IDATA && v[i + 1] == CSCTP_CHUNK_IFORWARD_TSN) {
      v[i + 1] = CSCTP_CHUNK_RECONFIG;
      found = 1;
    }
  cr_assert(found);
  csctp_packet_set_crc(p[0].b, p[0].len);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0), 0);
  exchange(&x, &y, T0);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(y.a->peer_idata, CSCTP_IDATA_ON);
  cr_assert_not(y.a->tx.pr_enabled);
  cr_assert(csctp_assoc_handover_readiness(y.a) & CSCTP_HANDOVER_INTERLEAVING);
  cr_assert_not(csctp_assoc_handover_readiness(y.a) & CSCTP_HANDOVER_NOT_ESTABLISHED);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}
