/* SPDX-License-Identifier: MIT */
/*
 * csctp_assoc_trim (issue 14, part 1): after traffic an idle association gives its buffers
 * back (outstanding ring, send-buffer slab, large-message spares, reassembly nodes and
 * buffers, packet spares) and returns to its size after the handshake plus the sequence
 * state of the streams it used; what is in use stays; traffic goes on after a trim as
 * before. The bytes it reports are the bytes the allocator sees freed.
 */
#include <criterion/criterion.h>

#include "assoc_util.h"
#include "meter_mem.h"

static meter_mem mem_x, mem_y;
static side X, Y;
static csctp_tstamp now;
static uint8_t payload[65536];
static uint64_t got_bytes[2], got_msgs[2];

static void use_mem_x(csctp_config *c) { c->mem = &mem_x.mem; }
static void use_mem_y(csctp_config *c) { c->mem = &mem_y.mem; }

static void setup(void) {
  meter_mem_init(&mem_x);
  meter_mem_init(&mem_y);
  side_new_cfg(&X, 1, use_mem_x);
  side_new_cfg(&Y, 2, use_mem_y);
  now = 1000000;
  establish(&X, &Y, now);
  for (size_t i = 0; i < sizeof payload; i++) payload[i] = (uint8_t)(i * 7 + 3);
}

static void teardown(void) {
  csctp_assoc_del(X.a);
  csctp_assoc_del(Y.a);
  cr_assert_eq(mem_x.live, 0);
  cr_assert_eq(mem_y.live, 0);
}

TestSuite(assoc_trim, .init = setup, .fini = teardown);

/* Counts the messages and bytes each side received, checking each message's first bytes. */
static void count_messages(void) {
  side *s[2] = {&X, &Y};
  for (int k = 0; k < 2; k++) {
    for (int i = 0; i < s[k]->nev; i++) {
      const csctp_event *ev = &s[k]->evs[i];
      if (ev->type != CSCTP_EVENT_MESSAGE) continue;
      size_t n = ev->u.message.len < 2048 ? ev->u.message.len : 2048;
      cr_assert(memcmp(ev->u.message.data, payload, n) == 0, "message bytes differ");
      got_bytes[k] += ev->u.message.len;
      got_msgs[k]++;
    }
    s[k]->nev = 0;
  }
}

/* `count` messages of `size` bytes each way on streams 0..streams-1, all delivered, then idle. */
static void traffic(int count, size_t size, uint16_t streams) {
  uint64_t want_bytes[2] = {got_bytes[0] + (uint64_t)count * size,
                            got_bytes[1] + (uint64_t)count * size};
  for (int i = 0; i < count; i++) {
    csctp_send_opts o;
    memset(&o, 0, sizeof o);
    o.stream = (uint16_t)(i % streams);
    cr_assert_eq(csctp_assoc_send(X.a, &o, payload, size, now), 0);
    cr_assert_eq(csctp_assoc_send(Y.a, &o, payload, size, now), 0);
  }
  for (int round = 0; round < 1000; round++) {
    now += 10 * CSCTP_MILLISECONDS;
    exchange(&X, &Y, now);
    count_messages();
    if (got_bytes[0] == want_bytes[0] && got_bytes[1] == want_bytes[1]) break;
  }
  cr_assert_eq(got_bytes[0], want_bytes[0]);
  cr_assert_eq(got_bytes[1], want_bytes[1]);
  now += 5 * CSCTP_SECONDS; /* delayed SACKs and the like */
  exchange(&X, &Y, now);
  count_messages();
}

/* Trims both; checks the reported bytes against the allocator; returns live bytes per side. */
static size_t trim_both(void) {
  size_t before_x = mem_x.live, before_y = mem_y.live;
  size_t gx = csctp_assoc_trim(X.a), gy = csctp_assoc_trim(Y.a);
  cr_assert_eq(before_x - mem_x.live, gx, "reported %zu, freed %zu", gx, before_x - mem_x.live);
  cr_assert_eq(before_y - mem_y.live, gy);
  cr_assert_eq(csctp_assoc_trim(X.a), 0, "a second trim has nothing left to give");
  return mem_x.live > mem_y.live ? mem_x.live : mem_y.live;
}

/* What the streams used keep (their sequence numbers must stay): the send and receive
 * stream maps (320 B at their first size) and per stream its send (72 B) and receive (40 B)
 * state with its share of the maps' room. */
#define STREAM_MAPS 320
#define PER_STREAM 160

static void check_back_to_baseline(int count, size_t size, uint16_t streams) {
  size_t base = trim_both(); /* right after the handshake */
  traffic(count, size, streams);
  size_t busy = mem_x.live > mem_y.live ? mem_x.live : mem_y.live;
  size_t idle = trim_both();
  cr_assert_leq(idle, base + STREAM_MAPS + PER_STREAM * (size_t)streams,
                "%d x %zu B on %u streams: %zu bytes after the trim (handshake: %zu, before: %zu)",
                count, size, (unsigned)streams, idle, base, busy);
  if (streams == 1)
    cr_assert_leq(idle, 4096, "issue 14: at most 4 KiB per idle association (%zu)", idle);
  /* And again: the association works after a trim, and trims back as far. */
  traffic(count, size, streams);
  cr_assert_leq(trim_both(), base + STREAM_MAPS + PER_STREAM * (size_t)streams);
}

Test(assoc_trim, one_small_message_each_way) { check_back_to_baseline(1, 16, 1); }
Test(assoc_trim, sixteen_1k_messages_on_sixteen_streams) { check_back_to_baseline(16, 1024, 16); }
Test(assoc_trim, four_64k_messages_each_way) { check_back_to_baseline(4, 65536, 1); }

Test(assoc_trim, what_is_in_use_stays) {
  trim_both();
  /* Queued and in flight: the trim keeps them, and they arrive whole afterwards. */
  csctp_send_opts o;
  memset(&o, 0, sizeof o);
  for (int i = 0; i < 8; i++) cr_assert_eq(csctp_assoc_send(X.a, &o, payload, 20000, now), 0);
  pkt p[64];
  int n = side_pull(&X, p, 64, now); /* in flight, not yet delivered to Y */
  cr_assert_gt(n, 0);
  csctp_assoc_trim(X.a);
  csctp_assoc_trim(Y.a);
  for (int i = 0; i < n; i++) cr_assert_eq(csctp_assoc_read_packet(Y.a, p[i].b, p[i].len, now), 0);
  csctp_assoc_trim(Y.a); /* half a message may sit in reassembly */
  for (int round = 0; round < 1000 && got_msgs[1] < 8; round++) {
    now += 10 * CSCTP_MILLISECONDS;
    exchange(&X, &Y, now);
    count_messages();
    csctp_assoc_trim(X.a);
    csctp_assoc_trim(Y.a);
  }
  cr_assert_eq(got_msgs[1], 8);
  cr_assert_eq(got_bytes[1], 8 * 20000);
}
