/* SPDX-License-Identifier: MIT */
/*
 * Allocation discipline of the tx: after warm-up, sending and acking messages
 * costs almost no allocation per large message (the allocations of acked ones
 * are reused while others are queued, at most half the send buffer of them,
 * none kept once the queue is idle), none per small message (they are carved from slabs: one slab
 * allocation per many messages, none at all while a slab's messages are acked before it fills),
 * nothing per chunk, and the outstanding ring stops growing once at its
 * working size.
 */
#include <stdlib.h>

#include "failing_mem.h"
#include "tx_priv.h"
#include "tx_util.h"

static uint8_t payload[8192];

/*
 * Sends `count` messages of `size` bytes on streams 0..2 and acks every
 * packet-train with one SACK (the peer's window is `a_rwnd`), until all are
 * acknowledged. Returns the number of chunks written.
 */
static size_t pump(csctp_tx *tx, size_t count, size_t size, uint32_t a_rwnd, csctp_tstamp *now) {
  static tpkt p;
  size_t queued = 0, chunks = 0;
  while (queued < count || !csctp_tx_idle(tx)) {
    while (queued < count && csctp_tx_enqueue(tx, (uint16_t)(queued % 3), 0, 0, payload, size) == 0)
      queued++;
    size_t n;
    while ((n = t_write(tx, &p, *now)) > 0) chunks += n;
    *now += 10 * T_MS;
    cr_assert_eq(t_sack(tx, tx->next_tsn - 1, a_rwnd, NULL, 0, *now, NULL), 0);
    csctp_tx_new_burst(tx);
  }
  return chunks;
}

static void check_one_alloc_per_message(size_t size, size_t min_chunks, uint32_t a_rwnd,
                                        size_t warmup) {
  failing_mem cnt;
  failing_mem_init(&cnt, 0);
  csctp_mem mem = cnt.mem;
  csctp_tx_config cfg = t_config();
  cfg.sndbuf = 256 * 1024;
  cfg.max_burst = 0; /* unlimited: let cwnd alone pace the flights */
  csctp_tx tx;
  cr_assert_eq(csctp_tx_init(&tx, &mem, &cfg), 0);
  csctp_tx_start(&tx, 0xfffff000u, a_rwnd, 8);
  csctp_tstamp now = 0;
  /* Warm-up: streams created, cwnd opened up to the peer's window (which then
   * bounds the flight, hence the ring's working size). */
  pump(&tx, warmup, size, a_rwnd, &now);
  const csctp_tx_priv *p = csctp_tx_priv_of(&tx);
  uint32_t grows = p->ring.grows;
  cr_assert_gt(grows, 0u, "the warm-up should have grown the ring past its initial size");
  size_t a0 = cnt.allocs, f0 = cnt.frees;
  size_t chunks = pump(&tx, 10000, size, a_rwnd, &now);
  cr_assert_geq(chunks, 10000 * min_chunks);
  if (size > CSCTP_TX_MSG_SMALL) {
    /* Each refill of the send buffer reuses the spares its acked messages left, up to
     * half the buffer: at most the other half is allocated (and freed) per refill. */
    size_t per_refill = cfg.sndbuf / 2 / size + 1, refills = 10000 / (cfg.sndbuf / size) + 1;
    cr_assert_leq(cnt.allocs - a0, per_refill * refills, "%zu allocations for 10000 messages",
                  cnt.allocs - a0);
    cr_assert_leq(cnt.allocs - a0, 10000u / 20, "at least 95%% of the messages reuse memory");
    cr_assert_leq(p->q.spare_bytes, p->q.spare_limit);
    cr_assert_null(p->q.spare, "an idle queue keeps no spare");
    cr_assert_eq(p->q.spare_bytes, 0);
  } else {
    /* Slabs only: each at least half full of messages (they grow to the largest size). */
    size_t carved = 10000 * ((sizeof(csctp_tx_msg) + size + 7) & ~(size_t)7);
    size_t bound = carved / (CSCTP_TX_SLAB_MAX / 2) + 2;
    cr_assert_leq(cnt.allocs - a0, bound, "%zu slab allocations (bound %zu)", cnt.allocs - a0,
                  bound);
    cr_assert_leq(cnt.frees - f0, bound);
  }
  cr_assert_eq(p->ring.grows, grows, "the ring grew after warm-up");
  csctp_tx_free(&tx);
  cr_assert_eq(cnt.allocs, cnt.frees, "everything freed");
}

/* 16 KiB of peer window: at most 164 chunks of 100 bytes in flight. */
Test(tx_alloc, small_messages_share_slabs) { check_one_alloc_per_message(100, 1, 16384, 3000); }

/* One small message at a time, each acked before the next: the slab is reused, nothing allocated.
 */
Test(tx_alloc, small_messages_no_allocation_in_steady_state) {
  failing_mem cnt;
  failing_mem_init(&cnt, 0);
  csctp_mem mem = cnt.mem;
  csctp_tx_config cfg = t_config();
  csctp_tx tx;
  cr_assert_eq(csctp_tx_init(&tx, &mem, &cfg), 0);
  csctp_tx_start(&tx, 0xfffff000u, 65536, 8);
  csctp_tstamp now = 0;
  pump(&tx, 100, 16, 65536, &now);
  size_t a0 = cnt.allocs, f0 = cnt.frees;
  for (int i = 0; i < 10000; i++) pump(&tx, 1, 16, 65536, &now);
  cr_assert_eq(cnt.allocs - a0, 0u, "%zu allocations for 10000 messages", cnt.allocs - a0);
  cr_assert_eq(cnt.frees - f0, 0u);
  csctp_tx_free(&tx);
  cr_assert_eq(cnt.allocs, cnt.frees, "everything freed");
}

/* 5000 bytes make at least 5 chunks (more when one is split to fill a packet);
 * 128 KiB of window: at most 112 full chunks in flight. */
Test(tx_alloc, large_messages_reuse_acked_ones) {
  check_one_alloc_per_message(5000, 5, 128 * 1024, 3000);
}
