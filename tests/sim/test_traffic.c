/* SPDX-License-Identifier: MIT */
/* The traffic generator and verifier: it must catch every kind of bad delivery. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "traffic.h"

static csctp_traffic_config small_config(void) {
  csctp_traffic_config c;
  memset(&c, 0, sizeof(c));
  c.seed = 99;
  c.messages = 100000;
  c.streams = 8;
  c.unordered_permille = 250;
  return c;
}

Test(traffic, size_mix_has_small_fragmented_and_near_max_messages) {
  csctp_traffic_config c = small_config();
  uint64_t small = 0, multi = 0, near_max = 0, unordered = 0, total = 0;
  uint32_t max = 0, min = UINT32_MAX;
  uint64_t per_stream[8] = {0};
  for (uint32_t id = 0; id < c.messages; id++) {
    csctp_traffic_msg m;
    csctp_traffic_describe(&c, 0, id, &m);
    cr_assert(m.len >= 1 && m.len <= 262144);
    cr_assert(m.stream < 8);
    per_stream[m.stream]++;
    small += m.len <= 200;
    multi += m.len > 1200; /* more than one DATA chunk at MTU 1200 */
    near_max += m.len >= 250000;
    unordered += m.unordered != 0;
    total += m.len;
    if (m.len > max) max = m.len;
    if (m.len < min) min = m.len;
  }
  cr_assert(small > 80000, "small %llu", (unsigned long long)small);
  cr_assert(multi > 5000, "multi %llu", (unsigned long long)multi);
  cr_assert(near_max > 20, "near max %llu", (unsigned long long)near_max);
  cr_assert(unordered > 23000 && unordered < 27000);
  cr_assert_eq(min, 1);
  cr_assert(max > 260000);
  for (int s = 0; s < 8; s++) cr_assert(per_stream[s] > 11000);
  double mean = (double)total / c.messages;
  cr_log_info("mean message size %.0f B, %llu multi-chunk, %llu near 256 KiB", mean,
              (unsigned long long)multi, (unsigned long long)near_max);
  /* the same id always gives the same message; the directions differ */
  csctp_traffic_msg m1, m2, m3;
  csctp_traffic_describe(&c, 0, 1234, &m1);
  csctp_traffic_describe(&c, 0, 1234, &m2);
  cr_assert(m1.len == m2.len && m1.stream == m2.stream && m1.unordered == m2.unordered);
  int differ = 0;
  for (uint32_t id = 0; id < 16; id++) {
    csctp_traffic_describe(&c, 0, id, &m1);
    csctp_traffic_describe(&c, 1, id, &m3);
    differ += m1.len != m3.len;
  }
  cr_assert(differ > 8);
}

/* The MESSAGE event a faithful engine would hand out for message `id`, built in tx->buf. */
static void fill_for(csctp_traffic_tx *tx, uint32_t id, csctp_event *ev) {
  csctp_traffic_msg m;
  csctp_traffic_describe(&tx->cfg, tx->dir, id, &m);
  csctp_traffic_fill(tx->buf, m.len, &tx->cfg, tx->dir, id);
  memset(ev, 0, sizeof(*ev));
  ev->type = CSCTP_EVENT_MESSAGE;
  ev->u.message.stream = m.stream;
  ev->u.message.ppid = id;
  ev->u.message.unordered = m.unordered;
  ev->u.message.len = m.len;
  ev->u.message.data = tx->buf;
}

Test(traffic, verifier_accepts_good_and_catches_bad_deliveries) {
  csctp_traffic_config c = small_config();
  c.messages = 64;
  csctp_traffic_tx tx;
  csctp_traffic_rx rx;
  cr_assert_eq(csctp_traffic_tx_init(&tx, &c, 1), 0);
  cr_assert_eq(csctp_traffic_rx_init(&rx, &c, 1), 0);
  csctp_event ev;
  for (uint32_t id = 0; id < 64; id++) {
    fill_for(&tx, id, &ev);
    csctp_traffic_rx_on_message(&rx, &ev);
  }
  cr_assert_str_empty(rx.failure);
  cr_assert(csctp_traffic_rx_complete(&rx));
  cr_assert_eq(rx.received, 64);

  /* a duplicate */
  fill_for(&tx, 5, &ev);
  csctp_traffic_rx_on_message(&rx, &ev);
  cr_assert_eq(rx.duplicates, 1);
  cr_assert_str_not_empty(rx.failure);
  /* a flipped byte in each position class: first, middle, last */
  for (int where = 0; where < 3; where++) {
    uint32_t id = 0;
    for (;; id++) {
      csctp_traffic_msg m;
      csctp_traffic_describe(&c, 1, id, &m);
      if (m.len >= 20) break;
    }
    fill_for(&tx, id, &ev);
    size_t pos = where == 0 ? 0 : where == 1 ? ev.u.message.len / 2 : ev.u.message.len - 1;
    tx.buf[pos] ^= 0x01;
    uint64_t before = rx.corrupt;
    csctp_traffic_rx_on_message(&rx, &ev);
    cr_assert_eq(rx.corrupt, before + 1, "flip at %zu not caught", pos);
  }
  /* wrong stream, wrong length, wrong ordering flag, unknown id */
  fill_for(&tx, 7, &ev);
  ev.u.message.stream = (uint16_t)((ev.u.message.stream + 1) % 8);
  csctp_traffic_rx_on_message(&rx, &ev);
  fill_for(&tx, 7, &ev);
  ev.u.message.len--;
  csctp_traffic_rx_on_message(&rx, &ev);
  fill_for(&tx, 7, &ev);
  ev.u.message.unordered = !ev.u.message.unordered;
  csctp_traffic_rx_on_message(&rx, &ev);
  cr_assert_eq(rx.corrupt, 6);
  fill_for(&tx, 7, &ev);
  ev.u.message.ppid = 64;
  csctp_traffic_rx_on_message(&rx, &ev);
  cr_assert_eq(rx.unknown, 1);
  csctp_traffic_tx_free(&tx);
  csctp_traffic_rx_free(&rx);
}

Test(traffic, verifier_catches_misordering_of_ordered_messages_only) {
  csctp_traffic_config c = small_config();
  c.messages = 400;
  c.streams = 2;
  csctp_traffic_tx tx;
  csctp_traffic_rx rx;
  cr_assert_eq(csctp_traffic_tx_init(&tx, &c, 0), 0);
  cr_assert_eq(csctp_traffic_rx_init(&rx, &c, 0), 0);
  /* deliver in reverse: every unordered message is fine, ordered ones after the first on
   * their stream are misordered */
  uint64_t ordered[2] = {0, 0};
  csctp_event ev;
  for (uint32_t id = 400; id-- > 0;) {
    fill_for(&tx, id, &ev);
    if (!ev.u.message.unordered) ordered[ev.u.message.stream]++;
    csctp_traffic_rx_on_message(&rx, &ev);
  }
  cr_assert_eq(rx.received, 400);
  cr_assert_eq(rx.corrupt + rx.duplicates + rx.unknown, 0);
  cr_assert_eq(rx.misordered, ordered[0] - 1 + ordered[1] - 1);
  csctp_traffic_tx_free(&tx);
  csctp_traffic_rx_free(&rx);
}
