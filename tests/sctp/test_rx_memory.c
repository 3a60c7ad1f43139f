/* SPDX-License-Identifier: MIT */
/*
 * Issue 11, finding 1: the memory a peer can make an association hold for
 * reassembly and out-of-order data is bounded by the receive window (RFC 9260
 * §6.2), counted with its overhead, and by a csctp_rx_budget shared by
 * several associations. Each test is an attack by a peer that holds the
 * victim's verification tag (an established association), on the real
 * csctp_assoc_read_packet path, with the victim's allocations measured.
 */
#include <stdlib.h>

#include "assoc_util.h"
#include "crc32c.h"
#include "meter_mem.h"
#include "reasm.h"
#include "reasm_pool.h"
#include "wr.h"

#define T0 ((csctp_tstamp)1000000)

static meter_mem vm;
static csctp_rx_budget *test_budget;

static void victim_cfg(csctp_config *c) {
  c->mem = &vm.mem;
  c->rx_budget = test_budget;
}

/* ---- the attacker: DATA packets of any size under the victim's tag ---- */

static uint8_t big[20000];

/* One DATA chunk (flags B/E/U as given) of `len` bytes of 0x5a. */
static size_t data_pkt(uint32_t vtag, uint32_t tsn, uint16_t stream, uint16_t ssn, uint8_t flags,
                       size_t len) {
  csctp_wr w;
  csctp_wr_init(&w, big, sizeof(big));
  csctp_packet_write_header(&w, 5000, 5000, vtag);
  csctp_wr_u8(&w, CSCTP_CHUNK_DATA);
  csctp_wr_u8(&w, flags);
  csctp_wr_u16(&w, (uint16_t)(16 + len));
  csctp_wr_u32(&w, tsn);
  csctp_wr_u16(&w, stream);
  csctp_wr_u16(&w, ssn);
  csctp_wr_u32(&w, CSCTP_PPID_WEBRTC_BINARY);
  for (size_t i = 0; i < len; i++) csctp_wr_u8(&w, 0x5a);
  while (w.len % 4) csctp_wr_u8(&w, 0);
  cr_assert(!w.overflow);
  csctp_packet_set_crc(big, w.len);
  return w.len;
}

typedef struct fight {
  side x, y; /* x: the attacker's engine (handshake only), y: the victim */
  uint32_t tag;
  uint32_t base; /* the victim's next expected TSN: withheld by the attacks */
  size_t before; /* the victim's live memory once established */
} fight;

static void fight_start(fight *f, void (*tweak)(csctp_config *)) {
  meter_mem_init(&vm);
  side_new(&f->x, 11);
  side_new_cfg(&f->y, 12, tweak ? tweak : victim_cfg);
  establish(&f->x, &f->y, T0);
  f->tag = f->x.a->peer_tag;
  cr_assert_eq(f->tag, f->y.a->local_tag);
  f->base = f->y.a->rxt.cum + 1;
  f->before = vm.live;
}

/* Feeds one attacker packet to the victim and throws away what the victim answers. */
static void hit(fight *f, size_t len) {
  cr_assert_eq(csctp_assoc_read_packet(f->y.a, big, len, T0), 0);
  uint8_t out[PKT_MAX];
  while (csctp_assoc_write_packet(f->y.a, out, sizeof out, T0) > 0) {}
}

static void fight_end(fight *f) {
  csctp_assoc_del(f->x.a);
  csctp_assoc_del(f->y.a);
  cr_assert_eq(vm.live, 0, "the victim gave back everything (%zu bytes left)", vm.live);
}

/* Fixed room besides the window: the TSN and stream maps, stream states. */
#define MAP_ROOM (256u * 1024)

static size_t bound(const fight *f) {
  return (size_t)f->y.a->cfg.rwnd + f->y.a->cfg.max_message_size + MAP_ROOM;
}

Test(rx_memory, withheld_tsn_then_20000_chunks_of_8KiB_stay_within_the_window) {
  /* The attack as reported: one TSN withheld, then 20,000 DATA chunks of 8 KiB on 64
   * streams, ordered and unordered: 630 MB held with a 1 MiB window before the fix. */
  fight f;
  fight_start(&f, NULL);
  static uint32_t order[20000];
  for (uint32_t i = 0; i < 20000; i++) order[i] = 20000 - i; /* the highest first... */
  csctp_prng rng;
  csctp_prng_seed(&rng, 7);
  for (uint32_t i = 19999; i > 1; i--) { /* ...then the rest in a seeded shuffle */
    uint32_t j = 1 + (uint32_t)(csctp_prng_next(&rng) % i), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (uint32_t k = 0; k < 20000; k++) {
    uint32_t i = order[k];
    uint8_t flags = CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E | (i % 2 ? CSCTP_DATA_FLAG_U : 0);
    hit(&f, data_pkt(f.tag, f.base + i, (uint16_t)(i % 64), (uint16_t)(i / 64), flags, 8192));
  }
  size_t peak = vm.peak - f.before;
  csctp_stats st;
  csctp_assoc_get_stats(f.y.a, &st);
  cr_assert_leq(peak, bound(&f), "held %zu bytes for a %u-byte window", peak, f.y.a->cfg.rwnd);
  cr_assert_gt(st.drop_out_of_window, 19000, "what does not fit is dropped and counted (%llu)",
               (unsigned long long)st.drop_out_of_window);
  cr_assert_lt(st.local_rwnd, 8192, "no room for another chunk (%u)", st.local_rwnd);
  /* The association still works: the withheld TSN arrives, the messages kept come out. */
  hit(&f, data_pkt(f.tag, f.base, 0, 0, CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E, 100));
  csctp_event ev;
  int msgs = 0;
  while (csctp_assoc_poll_event(f.y.a, &ev)) msgs += ev.type == CSCTP_EVENT_MESSAGE;
  cr_assert_gt(msgs, 1);
  cr_assert_eq(csctp_assoc_get_state(f.y.a), CSCTP_STATE_ESTABLISHED);
  fight_end(&f);
}

Test(rx_memory, holes_filled_from_the_top_stay_within_the_window) {
  /* Every chunk below the highest TSN fills a hole, which was always taken. */
  fight f;
  fight_start(&f, NULL);
  hit(&f, data_pkt(f.tag, f.base + 30000, 1, 0, CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E, 1));
  for (uint32_t i = 29999; i >= 1; i--)
    hit(&f, data_pkt(f.tag, f.base + i, (uint16_t)(i % 7), 0,
                     CSCTP_DATA_FLAG_U | CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E, 8192));
  size_t peak = vm.peak - f.before;
  cr_assert_leq(peak, bound(&f), "held %zu bytes", peak);
  fight_end(&f);
}

Test(rx_memory, tiny_chunks_are_charged_what_they_hold) {
  /* 60,000 one-byte chunks above a hole: each costs a fragment node, not one byte. */
  fight f;
  fight_start(&f, NULL);
  for (uint32_t i = 1; i <= 60000; i++)
    hit(&f, data_pkt(f.tag, f.base + i, (uint16_t)(i % 16), 0,
                     CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E | CSCTP_DATA_FLAG_U, 1));
  size_t peak = vm.peak - f.before;
  cr_assert_leq(peak, bound(&f), "held %zu bytes", peak);
  cr_assert_leq(
      csctp_reasm_held(&f.y.a->reasm), (size_t)f.y.a->cfg.rwnd + CSCTP_REASM_NODE_BYTES(0),
      "counted memory within the window and one node (%zu)", csctp_reasm_held(&f.y.a->reasm));
  fight_end(&f);
}

static void small_victim(csctp_config *c) {
  victim_cfg(c);
  c->rwnd = 64 * 1024;
  c->max_message_size = 16 * 1024;
}

Test(rx_memory, the_lowest_hole_is_taken_when_the_window_is_full) {
  /* A legitimate case: the window fills with data above a lost TSN; its retransmission
   * must still be taken, or nothing held could ever be delivered. */
  fight f;
  fight_start(&f, small_victim);
  uint32_t i = 1;
  csctp_stats st;
  for (;; i++) {
    hit(&f,
        data_pkt(f.tag, f.base + i, 0, (uint16_t)i, CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E, 1000));
    csctp_assoc_get_stats(f.y.a, &st);
    if (st.drop_out_of_window) break;
    cr_assert_lt(i, 200);
  }
  /* A hole that is not the lowest is not taken once the window is full... */
  cr_assert_eq(f.y.a->rxt.highest, f.base + i - 1);
  /* ...but the lowest one is: cum advances over everything held, all of it comes out. */
  hit(&f, data_pkt(f.tag, f.base, 0, 0, CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E, 1000));
  cr_assert_eq(f.y.a->rxt.cum, f.base + i - 1);
  csctp_event ev;
  uint32_t msgs = 0;
  while (csctp_assoc_poll_event(f.y.a, &ev)) msgs += ev.type == CSCTP_EVENT_MESSAGE;
  cr_assert_eq(msgs, i, "%u messages delivered in order", msgs);
  fight_end(&f);
}

Test(rx_memory, the_lowest_hole_exception_is_bounded) {
  /* The window is full above a withheld TSN; the attacker then fills the lowest hole again
   * and again with first fragments of messages that never end, on new streams. Each one
   * begins right after the one before: that one can never complete (its sender stopped
   * it, RFC 3758) and is dropped, so memory does not grow at all. */
  fight f;
  fight_start(&f, small_victim);
  for (uint32_t i = 40000; i < 40000 + 100; i++)
    hit(&f, data_pkt(f.tag, f.base + i, 0, (uint16_t)(i - 39999),
                     CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E, 1000));
  csctp_stats st0, st;
  csctp_assoc_get_stats(f.y.a, &st0);
  cr_assert_gt(st0.drop_out_of_window, 0, "held %zu, state %d, in %llu",
               csctp_reasm_held(&f.y.a->reasm), (int)csctp_assoc_get_state(f.y.a),
               (unsigned long long)st0.data_chunks_in);
  size_t held0 = csctp_reasm_held(&f.y.a->reasm);
  for (uint32_t i = 0; i < 2000; i++) /* each stream's messages in SSN order, as a peer must */
    hit(&f, data_pkt(f.tag, f.base + i, (uint16_t)(1 + i % 500), (uint16_t)(i / 500),
                     CSCTP_DATA_FLAG_B, 1000));
  csctp_assoc_get_stats(f.y.a, &st);
  cr_assert_eq(csctp_assoc_get_state(f.y.a), CSCTP_STATE_ESTABLISHED);
  size_t held = csctp_reasm_held(&f.y.a->reasm);
  cr_assert_leq(held, held0 + 1000 + CSCTP_REASM_NODE_BYTES(1),
                "one unfinished first fragment at a time: held %zu, %zu before", held, held0);
  size_t limit = f.y.a->cfg.rwnd + f.y.a->cfg.max_message_size + CSCTP_REASM_NODE_BYTES(1);
  cr_assert_leq(held, limit, "held %zu, limit %zu", held, limit);
  fight_end(&f);
}

Test(rx_memory, a_shared_budget_bounds_several_associations) {
  csctp_rx_budget b = {.limit = 200 * 1024};
  test_budget = &b;
  fight f1, f2;
  fight_start(&f1, NULL);
  fight_start(&f2, NULL);
  /* Both victims attacked above a withheld TSN: 1 MiB windows, one 200 KiB budget. */
  for (uint32_t i = 1; i <= 100; i++) {
    hit(&f1,
        data_pkt(f1.tag, f1.base + i, 1, (uint16_t)i, CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E, 8192));
    hit(&f2,
        data_pkt(f2.tag, f2.base + i, 1, (uint16_t)i, CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E, 8192));
  }
  size_t h1 = csctp_reasm_held(&f1.y.a->reasm), h2 = csctp_reasm_held(&f2.y.a->reasm);
  cr_assert_eq(b.used, h1 + h2, "the budget is what both hold (%zu = %zu + %zu)", b.used, h1, h2);
  cr_assert_leq(b.peak, b.limit);
  csctp_stats s1, s2;
  csctp_assoc_get_stats(f1.y.a, &s1);
  csctp_assoc_get_stats(f2.y.a, &s2);
  cr_assert_gt(s1.drop_rx_budget + s2.drop_rx_budget, 0, "drops counted");
  cr_assert_eq(s1.drop_out_of_window + s2.drop_out_of_window, 0, "each window had room");
  /* The withheld TSN arrives at the second victim: its messages are taken, its share is
   * given back, and the first victim gets room again. */
  hit(&f2, data_pkt(f2.tag, f2.base, 1, 0, CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E, 10));
  csctp_event ev;
  while (csctp_assoc_poll_event(f2.y.a, &ev)) {}
  csctp_assoc_handle_expiry(f2.y.a, T0); /* any call releases the last message */
  cr_assert_eq(b.used, h1, "the second victim holds nothing (%zu)", b.used);
  hit(&f1, data_pkt(f1.tag, f1.base + 101, 1, 101, CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E, 8192));
  cr_assert_gt(csctp_reasm_held(&f1.y.a->reasm), h1, "room again for the first victim");
  csctp_assoc_del(f2.x.a);
  csctp_assoc_del(f2.y.a);
  cr_assert_eq(b.used, csctp_reasm_held(&f1.y.a->reasm));
  csctp_assoc_del(f1.x.a);
  csctp_assoc_del(f1.y.a);
  cr_assert_eq(b.used, 0, "freed associations give their share back");
  test_budget = NULL;
}

Test(rx_memory, the_budget_follows_fragments_abandoned_by_forward_tsn) {
  csctp_rx_budget b = {.limit = 1u << 20};
  test_budget = &b;
  fight f;
  fight_start(&f, NULL);
  cr_assert(f.y.a->peer_forward_tsn, "PR-SCTP negotiated");
  /* Ten first fragments of messages whose rest is abandoned (the TSNs between them and up
   * to base+20 never come): a FORWARD TSN to base+20 drops them (RFC 3758 §3.6). */
  for (uint32_t i = 0; i < 10; i++)
    hit(&f, data_pkt(f.tag, f.base + 2 * i, (uint16_t)(1 + i), 0, CSCTP_DATA_FLAG_B, 4000));
  cr_assert_gt(b.used, 40000);
  cr_assert_eq(b.used, csctp_reasm_held(&f.y.a->reasm));
  csctp_wr w;
  csctp_wr_init(&w, big, sizeof(big));
  csctp_packet_write_header(&w, 5000, 5000, f.tag);
  csctp_wr_u8(&w, CSCTP_CHUNK_FORWARD_TSN);
  csctp_wr_u8(&w, 0);
  csctp_wr_u16(&w, 8);
  csctp_wr_u32(&w, f.base + 20);
  csctp_packet_set_crc(big, w.len);
  hit(&f, w.len);
  cr_assert_eq(csctp_reasm_held(&f.y.a->reasm), 0, "the fragments are gone (%zu held, cum %d)",
               csctp_reasm_held(&f.y.a->reasm), (int)(f.y.a->rxt.cum - f.base));
  cr_assert_eq(b.used, 0, "and given back to the budget at once (%zu)", b.used);
  fight_end(&f);
  test_budget = NULL;
}

Test(rx_memory, a_message_sent_back_from_its_own_buffer_is_copied_before_it_is_released) {
  /* The message handed out by poll_event is valid until the next call, and an echo passes
   * that very pointer to csctp_assoc_send: the copy must come first. A 5000-byte payload in
   * one DATA chunk has a buffer of its own, freed (and here poisoned) when released. */
  fight f;
  fight_start(&f, NULL);
  hit(&f, data_pkt(f.tag, f.base, 3, 0, CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E, 5000));
  csctp_event ev;
  cr_assert_eq(csctp_assoc_poll_event(f.y.a, &ev), 1);
  cr_assert_eq(ev.type, CSCTP_EVENT_MESSAGE);
  cr_assert_eq(ev.u.message.len, 5000);
  csctp_send_opts so = {.stream = 3, .ppid = CSCTP_PPID_WEBRTC_BINARY};
  cr_assert_eq(csctp_assoc_send(f.y.a, &so, ev.u.message.data, ev.u.message.len, T0), 0);
  /* What goes out is the message, not freed memory. */
  uint8_t out[PKT_MAX];
  size_t bytes = 0, bad = 0;
  csctp_ssize n;
  while ((n = csctp_assoc_write_packet(f.y.a, out, sizeof out, T0)) > 0) {
    csctp_chunk_iter it;
    csctp_chunk ch;
    csctp_chunk_iter_init(&it, out, (size_t)n);
    while (csctp_chunk_next(&it, &ch) == 1) {
      if (ch.type != CSCTP_CHUNK_DATA || ch.value_len < 12) continue;
      for (size_t i = 12; i < ch.value_len; i++) bad += ch.value[i] != 0x5a;
      bytes += ch.value_len - 12;
    }
  }
  cr_assert_gt(bytes, 0);
  cr_assert_eq(bad, 0, "%zu of %zu bytes sent were not the message's", bad, bytes);
  fight_end(&f);
}

static void tight_window(csctp_config *c) {
  c->rwnd = 65536;
  c->max_message_size = 65536; /* as large as the window: allowed, and must arrive */
}

Test(rx_memory, a_message_as_large_as_the_window_arrives) {
  /* The window counts what reassembly really holds (its buffer, node overhead), so a
   * message of exactly rwnd bytes holds more than rwnd: its in-order continuation is still
   * taken (bounded by one message past the window), or it could never complete. */
  side x, y;
  side_new_cfg(&x, 21, tight_window);
  side_new_cfg(&y, 22, tight_window);
  establish(&x, &y, T0);
  static uint8_t msg[65536];
  for (size_t i = 0; i < sizeof msg; i++) msg[i] = (uint8_t)(i * 7);
  csctp_send_opts so = {.stream = 1, .ppid = CSCTP_PPID_WEBRTC_BINARY};
  for (int k = 0; k < 3; k++) cr_assert_eq(csctp_assoc_send(x.a, &so, msg, sizeof msg, T0), 0);
  int got = 0;
  csctp_tstamp now = T0;
  for (int step = 0; step < 2000 && got < 3; step++, now += CSCTP_MILLISECONDS) {
    pkt p[32];
    int n = side_pull(&x, p, 32, now);
    for (int i = 0; i < n; i++) csctp_assoc_read_packet(y.a, p[i].b, p[i].len, now);
    csctp_event ev;
    while (csctp_assoc_poll_event(y.a, &ev))
      if (ev.type == CSCTP_EVENT_MESSAGE) {
        cr_assert_eq(ev.u.message.len, sizeof msg);
        cr_assert(!memcmp(ev.u.message.data, msg, sizeof msg));
        got++;
      }
    n = side_pull(&y, p, 32, now);
    for (int i = 0; i < n; i++) csctp_assoc_read_packet(x.a, p[i].b, p[i].len, now);
    if (csctp_assoc_expiry(x.a) <= now) csctp_assoc_handle_expiry(x.a, now);
    if (csctp_assoc_expiry(y.a) <= now) csctp_assoc_handle_expiry(y.a, now);
  }
  cr_assert_eq(got, 3, "%d of 3 messages of 64 KiB through a 64 KiB window in %d ms", got,
               (int)((now - T0) / CSCTP_MILLISECONDS));
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}
