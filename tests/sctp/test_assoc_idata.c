/* SPDX-License-Identifier: MIT */
/*
 * RFC 8260 negotiation on engine pairs (virtual clock): I-DATA (0x40) and
 * I-FORWARD-TSN (0xC2) in the Supported Extensions of INIT / INIT ACK when
 * csctp_config.interleaving is set, interleaving used only when both sides list
 * I-DATA (§2.2.1), I-FORWARD-TSN only with Forward-TSN on both sides too
 * (§2.3.1), carried through the state cookie to the passive side, reported in
 * the statistics; PR-SCTP off with I-DATA but without I-FORWARD-TSN.
 * Then the receive side, fed hand-made I-DATA (the sender is x's engine only
 * for the handshake): interleaved fragments delivered per message, ordered
 * by MID, unordered as soon as whole; I-FORWARD-TSN skips what it names and
 * nothing else; DATA on an I-DATA association, I-DATA or I-FORWARD-TSN where
 * not negotiated, FORWARD TSN with I-DATA: ABORT (§2.2.1, §2.3.1).
 */
#include <stdio.h>

#include "assoc_util.h"
#include "hmap.h"
#include "ireasm_priv.h"
#include "reasm_priv.h"

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

/* What the statistics and the CONNECTED event say of interleaving (they must agree). */
static int interleaving(side *s) {
  csctp_stats st;
  cr_assert_eq(csctp_assoc_get_stats(s->a, &st), 0);
  side_drain_events(s);
  const csctp_event *ev = side_find_event(s, CSCTP_EVENT_CONNECTED);
  cr_assert_not_null(ev, "no CONNECTED event");
  cr_assert_eq(ev->u.connected.interleaving, st.interleaving, "event %u, stats %u",
               ev->u.connected.interleaving, st.interleaving);
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

/* ---- the receive side, with hand-made chunks ---- */

typedef struct rx {
  side x, y; /* x sends (by hand), y receives */
  uint32_t tsn;
} rx;

static void rx_open(rx *r, void (*tweak_y)(csctp_config *)) {
  side_new_cfg(&r->x, 1, il_on);
  side_new_cfg(&r->y, 2, tweak_y ? tweak_y : il_on);
  establish(&r->x, &r->y, T0);
  r->tsn = r->x.a->local_initial_tsn;
}

/* Sends y one packet of the I-DATA chunks described (TSNs consecutive from r->tsn). */
typedef struct frag {
  uint16_t stream;
  uint8_t flags;
  uint32_t mid, fsn_or_ppid;
  const char *text;
} frag;

static size_t put_idata(uint8_t *b, uint32_t tsn, const frag *f) {
  size_t n = strlen(f->text);
  csctp_idata_chunk d = {.flags = f->flags,
                         .tsn = tsn,
                         .stream = f->stream,
                         .mid = f->mid,
                         .data = (const uint8_t *)f->text,
                         .len = n};
  if (f->flags & CSCTP_DATA_FLAG_B)
    d.ppid = f->fsn_or_ppid;
  else
    d.fsn = f->fsn_or_ppid;
  csctp_idata_write_header(b, &d);
  memcpy(b + CSCTP_IDATA_HDR_LEN, f->text, n);
  size_t len = CSCTP_IDATA_HDR_LEN + n;
  while (len & 3) b[len++] = 0;
  return len;
}

static int rx_send(rx *r, const frag *fs, size_t n) {
  uint8_t chunks[1400];
  size_t len = 0;
  for (size_t i = 0; i < n; i++) len += put_idata(chunks + len, r->tsn++, &fs[i]);
  pkt p;
  build_pkt(&p, r->y.a->local_tag, chunks, len);
  int rv = csctp_assoc_read_packet(r->y.a, p.b, p.len, T0);
  side_drain_events(&r->y);
  return rv;
}

static void rx_close(rx *r) {
  csctp_assoc_del(r->x.a);
  csctp_assoc_del(r->y.a);
}

/* The MESSAGE events y has, as "stream:text" joined by spaces. */
static void messages(const side *s, char *out, size_t cap) {
  size_t len = 0;
  out[0] = 0;
  for (int i = 0; i < s->nev; i++) {
    const csctp_event *e = &s->evs[i];
    if (e->type != CSCTP_EVENT_MESSAGE) continue;
    len += (size_t)snprintf(out + len, cap - len, "%s%u:%.*s", len ? " " : "", e->u.message.stream,
                            (int)e->u.message.len, (const char *)e->u.message.data);
  }
}

#define B CSCTP_DATA_FLAG_B
#define E CSCTP_DATA_FLAG_E
#define U CSCTP_DATA_FLAG_U

Test(assoc_idata, interleaved_fragments_become_whole_messages) {
  rx r;
  rx_open(&r, NULL);
  /* A long message on stream 1 (MID 0, four fragments) interleaved with two short ones on
   * stream 2 (MIDs 0 and 1) and an unordered one on stream 3; one packet each. */
  const frag fs[] = {
      {1, B, 0, 51, "He"},        {2, B | E, 0, 51, "a"}, {1, 0, 0, 1, "ll"},
      {3, U | B | E, 7, 51, "u"}, {2, B | E, 1, 51, "b"}, {1, 0, 0, 2, "o, "},
      {1, E, 0, 3, "world"},
  };
  for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) cr_assert_eq(rx_send(&r, &fs[i], 1), 0);
  char got[256];
  messages(&r.y, got, sizeof got);
  cr_assert_str_eq(got, "2:a 3:u 2:b 1:Hello, world",
                   "small messages do not wait for the long one");
  csctp_stats st;
  csctp_assoc_get_stats(r.y.a, &st);
  cr_assert_eq(st.messages_in, 4);
  cr_assert_eq(csctp_assoc_get_state(r.y.a), CSCTP_STATE_ESTABLISHED);
  rx_close(&r);
}

Test(assoc_idata, ordered_by_mid_unordered_at_once) {
  rx r;
  rx_open(&r, NULL);
  /* Stream 5: MID 1 arrives before MID 0; it waits. Unordered MID 9 arrives in two
   * fragments, last one first, and goes as soon as whole. */
  const frag fs[] = {
      {5, B | E, 1, 51, "second"},
      {5, U | E, 9, 1, "ed"},
      {5, U | B, 9, 51, "unorder"},
      {5, B | E, 0, 51, "first"},
  };
  cr_assert_eq(rx_send(&r, fs, 4), 0);
  char got[256];
  messages(&r.y, got, sizeof got);
  cr_assert_str_eq(got, "5:unordered 5:first 5:second");
  rx_close(&r);
}

Test(assoc_idata, iforward_tsn_skips_what_it_names) {
  rx r;
  rx_open(&r, NULL);
  uint32_t first = r.tsn;
  /* Stream 1 MID 0: only its first fragment comes (the sender abandons the rest). Stream 2
   * MID 0: its first fragment comes at a TSN below the abandoned one's end, and the rest
   * later; it must survive the skip. */
  const frag fs[] = {{1, B, 0, 51, "aban"}, {2, B, 0, 51, "kept "}};
  cr_assert_eq(rx_send(&r, fs, 2), 0);
  r.tsn++; /* one TSN the sender used for stream 1's dropped fragment, never sent */
  /* I-FORWARD-TSN: new cumulative TSN = first + 2, stream 1 ordered MID 0 skipped. */
  uint8_t c[16];
  csctp_wr w;
  csctp_wr_init(&w, c, sizeof c);
  csctp_iforward_entry e = {1, 0, 0};
  csctp_iforward_tsn_write(&w, first + 2, &e, 1);
  pkt p;
  build_pkt(&p, r.y.a->local_tag, c, w.len);
  cr_assert_eq(csctp_assoc_read_packet(r.y.a, p.b, p.len, T0), 0);
  side_drain_events(&r.y);
  const frag rest[] = {{2, E, 0, 1, "alive"}, {1, B | E, 1, 51, "next"}};
  cr_assert_eq(rx_send(&r, rest, 2), 0);
  char got[256];
  messages(&r.y, got, sizeof got);
  cr_assert_str_eq(got, "2:kept alive 1:next", "the skipped message is gone, the rest flows");
  cr_assert_eq(r.y.a->rxt.cum, first + 4);
  cr_assert_eq(csctp_assoc_get_state(r.y.a), CSCTP_STATE_ESTABLISHED);
  rx_close(&r);
}

static int aborted_with_violation(rx *r) {
  pkt p[8];
  int n = side_pull(&r->y, p, 8, T0);
  for (int i = 0; i < n; i++) {
    csctp_chunk ch;
    if (find_chunk(&p[i], CSCTP_CHUNK_ABORT, &ch) &&
        csctp_cause_first(&ch) == CSCTP_CAUSE_PROTOCOL_VIOLATION)
      return csctp_assoc_get_state(r->y.a) == CSCTP_STATE_CLOSED;
  }
  return 0;
}

Test(assoc_idata, data_on_an_idata_association_aborts) {
  rx r;
  rx_open(&r, NULL);
  uint8_t c[20] = {CSCTP_CHUNK_DATA, B | E, 0, 17};
  csctp_put_u32(c + 4, r.tsn);
  c[16] = 'x';
  pkt p;
  build_pkt(&p, r.y.a->local_tag, c, 20);
  cr_assert_eq(csctp_assoc_read_packet(r.y.a, p.b, p.len, T0), 0);
  cr_assert(aborted_with_violation(&r), "RFC 8260 §2.2.1: DATA must not be used");
  rx_close(&r);
}

Test(assoc_idata, forward_tsn_on_an_idata_association_aborts) {
  rx r;
  rx_open(&r, NULL);
  uint8_t c[16];
  csctp_wr w;
  csctp_wr_init(&w, c, sizeof c);
  csctp_forward_tsn_write(&w, r.tsn, NULL, 0);
  pkt p;
  build_pkt(&p, r.y.a->local_tag, c, w.len);
  cr_assert_eq(csctp_assoc_read_packet(r.y.a, p.b, p.len, T0), 0);
  cr_assert(aborted_with_violation(&r), "RFC 8260 §2.3.1");
  rx_close(&r);
}

/* y listed I-DATA but x did not: I-DATA from x is a violation. y not listing it at all: an
 * unknown chunk (type 64: upper bits 01, stop and report), no ABORT. */
static void il_off(csctp_config *c) { c->interleaving = 0; }
Test(assoc_idata, idata_where_not_negotiated) {
  side x, y;
  side_new_cfg(&x, 1, NULL);
  side_new_cfg(&y, 2, il_on);
  establish(&x, &y, T0);
  rx r = {.x = x, .y = y, .tsn = x.a->local_initial_tsn};
  const frag f = {1, B | E, 0, 51, "x"};
  cr_assert_eq(rx_send(&r, &f, 1), 0);
  cr_assert(aborted_with_violation(&r), "announced but not negotiated");
  rx_close(&r);

  rx q;
  rx_open(&q, il_off);
  cr_assert_eq(rx_send(&q, &f, 1), 0);
  pkt p[8];
  int n = side_pull(&q.y, p, 8, T0);
  int reported = 0;
  for (int i = 0; i < n; i++) {
    csctp_chunk ch;
    if (find_chunk(&p[i], CSCTP_CHUNK_ERROR, &ch) &&
        csctp_cause_first(&ch) == CSCTP_CAUSE_UNRECOGNIZED_CHUNK)
      reported = 1;
  }
  cr_assert(reported, "an unannounced chunk type is unknown to us");
  cr_assert_eq(csctp_assoc_get_state(q.y.a), CSCTP_STATE_ESTABLISHED);
  cr_assert_not(side_has_event(&q.y, CSCTP_EVENT_MESSAGE), "nothing delivered");
  rx_close(&q);
}

Test(assoc_idata, empty_idata_is_no_user_data) {
  rx r;
  rx_open(&r, NULL);
  uint8_t c[20];
  csctp_idata_chunk d = {.flags = B | E, .tsn = r.tsn, .stream = 1};
  csctp_idata_write_header(c, &d);
  pkt p;
  build_pkt(&p, r.y.a->local_tag, c, 20);
  cr_assert_eq(csctp_assoc_read_packet(r.y.a, p.b, p.len, T0), 0);
  pkt out[8];
  int n = side_pull(&r.y, out, 8, T0);
  csctp_chunk ch;
  cr_assert(n >= 1 && find_chunk(&out[0], CSCTP_CHUNK_ABORT, &ch));
  cr_assert_eq(csctp_cause_first(&ch), CSCTP_CAUSE_NO_USER_DATA);
  rx_close(&r);
}

/* ---- hash flooding (test_hash_flood.c has the tables alone) ---- */

/* The association seeds its reassemblies' hashes, differently from another with the same
 * cookie secret (an endpoint's associations share it). */
Test(assoc_idata, reassembly_hashes_are_seeded) {
  static const uint8_t secret[CSCTP_COOKIE_SECRET_LEN] = {1, 2, 3};
  csctp_config c;
  csctp_config_default(&c);
  csctp_prng g;
  csctp_prng_seed(&g, 7);
  c.rand = csctp_prng_rand_fn;
  c.rand_user_data = &g;
  c.cookie_secret = secret;
  c.interleaving = 1;
  csctp_assoc *a, *b;
  cr_assert_eq(csctp_assoc_new(&a, &c), 0);
  cr_assert_eq(csctp_assoc_new(&b, &c), 0);
  const reasm_state *sa = a->reasm.priv, *sb = b->reasm.priv;
  cr_assert_neq(sa->ordered.mult, CSCTP_HMAP_GOLDEN);
  cr_assert_neq(sa->streams.mult, CSCTP_HMAP_GOLDEN);
  cr_assert_eq(sa->frags.mult, CSCTP_HMAP_GOLDEN, "TSNs keep Fibonacci hashing");
  cr_assert_neq(sa->ordered.mult, sb->ordered.mult);
  cr_assert_neq(a->ireasm.hash_seed, 0);
  cr_assert_neq(a->ireasm.hash_seed, b->ireasm.hash_seed);
  csctp_assoc_del(a);
  csctp_assoc_del(b);
}

static uint32_t flood_home(uint32_t mid) {
  return (uint32_t)(((uint64_t)ireasm_key(1, 1, mid) * CSCTP_HMAP_GOLDEN) >> (64 - 11));
}

/* A peer sends 1,000 first fragments of unordered messages whose MIDs share one home in the
 * unseeded hash: the association keeps them all, spread over its message table. */
static void big_window(csctp_config *c) {
  c->interleaving = 1;
  c->rwnd = 4u << 20;
}
Test(assoc_idata, chosen_mids_do_not_share_a_probe_run) {
  rx r;
  rx_open(&r, big_window);
  enum { FLOOD = 1000, PER_PACKET = 50 };
  uint32_t mid = 0;
  for (int sent = 0; sent < FLOOD; sent += PER_PACKET) {
    frag fs[PER_PACKET];
    for (int i = 0; i < PER_PACKET; i++) {
      while (flood_home(mid)) mid++;
      fs[i] = (frag){1, B | U, mid++, 51, "x"};
    }
    cr_assert_eq(rx_send(&r, fs, PER_PACKET), 0);
  }
  cr_assert_eq(csctp_assoc_get_state(r.y.a), CSCTP_STATE_ESTABLISHED);
  const ireasm_state *s = r.y.a->ireasm.priv;
  cr_assert_eq(s->msgs.count, (uint32_t)FLOOD, "every first fragment is held");
  uint32_t run = csctp_hmap_longest_run(&s->msgs);
  cr_assert_leq(run, 48, "a run of %u slots (1,000 in one without the seed)", run);
  rx_close(&r);
}
