/* SPDX-License-Identifier: MIT */
/* Tests for the received-TSN range set and the SACK it writes (src/rx_tsn.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "rx_tsn.h"

Test(rx_tsn, in_order_advances_cum) {
  csctp_rx_tsn t;
  csctp_rx_tsn_init(&t, 1000);
  cr_assert_eq(t.cum, 999u);
  for (uint32_t tsn = 1000; tsn < 1100; tsn++) {
    cr_assert_eq(csctp_rx_tsn_check(&t, tsn), CSCTP_RX_TSN_NEW);
    cr_assert_eq(csctp_rx_tsn_add(&t, tsn), CSCTP_RX_TSN_NEW);
    cr_assert_eq(t.cum, tsn);
    cr_assert_eq(t.highest, tsn);
  }
  cr_assert(!csctp_rx_tsn_has_gaps(&t));
  cr_assert(!csctp_rx_tsn_has_dups(&t));
}

Test(rx_tsn, gaps_and_merges) {
  csctp_rx_tsn t;
  csctp_rx_tsn_init(&t, 100);
  cr_assert_eq(csctp_rx_tsn_add(&t, 100), CSCTP_RX_TSN_NEW);
  cr_assert_eq(csctp_rx_tsn_add(&t, 105), CSCTP_RX_TSN_NEW);
  cr_assert_eq(csctp_rx_tsn_add(&t, 102), CSCTP_RX_TSN_NEW);
  cr_assert_eq(csctp_rx_tsn_add(&t, 103), CSCTP_RX_TSN_NEW); /* extends [102] upward */
  cr_assert_eq(t.cum, 100u);
  cr_assert_eq(t.highest, 105u);
  cr_assert_eq(t.n_blocks, 2u);
  cr_assert_eq(t.blocks[0].start, 102u);
  cr_assert_eq(t.blocks[0].end, 103u);
  cr_assert_eq(t.blocks[1].start, 105u);
  cr_assert_eq(t.blocks[1].end, 105u);
  cr_assert(csctp_rx_tsn_has_gaps(&t));

  cr_assert_eq(csctp_rx_tsn_add(&t, 108), CSCTP_RX_TSN_NEW);
  cr_assert_eq(csctp_rx_tsn_add(&t, 107), CSCTP_RX_TSN_NEW); /* extends [108] downward */
  cr_assert_eq(t.n_blocks, 3u);
  cr_assert_eq(t.blocks[2].start, 107u);
  cr_assert_eq(t.blocks[2].end, 108u);

  cr_assert_eq(csctp_rx_tsn_add(&t, 104), CSCTP_RX_TSN_NEW); /* joins two blocks */
  cr_assert_eq(t.n_blocks, 2u);
  cr_assert_eq(t.blocks[0].start, 102u);
  cr_assert_eq(t.blocks[0].end, 105u);

  cr_assert_eq(csctp_rx_tsn_add(&t, 101), CSCTP_RX_TSN_NEW); /* cum absorbs the first block */
  cr_assert_eq(t.cum, 105u);
  cr_assert_eq(t.n_blocks, 1u);
  cr_assert_eq(csctp_rx_tsn_add(&t, 106), CSCTP_RX_TSN_NEW);
  cr_assert_eq(t.cum, 108u);
  cr_assert_eq(t.n_blocks, 0u);
  cr_assert_eq(t.highest, 108u);
}

Test(rx_tsn, duplicates_listed_then_cleared) {
  csctp_rx_tsn t;
  csctp_rx_tsn_init(&t, 10);
  csctp_rx_tsn_add(&t, 10);
  csctp_rx_tsn_add(&t, 13);
  cr_assert_eq(csctp_rx_tsn_check(&t, 10), CSCTP_RX_TSN_DUP);
  cr_assert_eq(csctp_rx_tsn_check(&t, 9), CSCTP_RX_TSN_DUP);
  cr_assert_eq(csctp_rx_tsn_check(&t, 13), CSCTP_RX_TSN_DUP);
  cr_assert(!csctp_rx_tsn_has_dups(&t)); /* check records nothing */
  cr_assert_eq(csctp_rx_tsn_add(&t, 10), CSCTP_RX_TSN_DUP);
  cr_assert_eq(csctp_rx_tsn_add(&t, 13), CSCTP_RX_TSN_DUP);
  cr_assert_eq(csctp_rx_tsn_add(&t, 10), CSCTP_RX_TSN_DUP); /* each reception is reported */
  cr_assert_eq(t.n_dups, 3u);
  cr_assert_eq(t.dups[0], 10u);
  cr_assert_eq(t.dups[1], 13u);
  cr_assert_eq(t.dups[2], 10u);
  cr_assert_eq(t.cum, 10u);
  cr_assert_eq(t.n_blocks, 1u);

  uint8_t buf[128];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof(buf));
  cr_assert_eq(csctp_rx_tsn_write_sack(&t, &w, 5000), 0);
  cr_assert_eq(w.len, 16u + 4 + 3 * 4);
  cr_assert(!csctp_rx_tsn_has_dups(&t));
  csctp_wr_init(&w, buf, sizeof(buf));
  cr_assert_eq(csctp_rx_tsn_write_sack(&t, &w, 5000), 0);
  cr_assert_eq(w.len, 16u + 4);
  cr_assert_eq(buf[14], 0);
  cr_assert_eq(buf[15], 0);

  /* The list is bounded. */
  for (int i = 0; i < CSCTP_RX_MAX_DUPS + 5; i++) csctp_rx_tsn_add(&t, 10);
  cr_assert_eq(t.n_dups, (uint32_t)CSCTP_RX_MAX_DUPS);
}

Test(rx_tsn, no_room_beyond_16_bit_offset) {
  csctp_rx_tsn t;
  csctp_rx_tsn_init(&t, 1);
  cr_assert_eq(t.cum, 0u);
  cr_assert_eq(csctp_rx_tsn_check(&t, 65536), CSCTP_RX_TSN_NO_ROOM);
  cr_assert_eq(csctp_rx_tsn_add(&t, 65536), CSCTP_RX_TSN_NO_ROOM);
  cr_assert_eq(t.n_blocks, 0u);
  cr_assert_eq(t.highest, 0u);
  cr_assert_eq(csctp_rx_tsn_add(&t, 65535), CSCTP_RX_TSN_NEW);
  cr_assert_eq(t.blocks[0].start, 65535u);
  cr_assert_eq(t.highest, 65535u);
  /* Once cum moves, the window moves with it. */
  csctp_rx_tsn_add(&t, 1);
  cr_assert_eq(csctp_rx_tsn_add(&t, 65536), CSCTP_RX_TSN_NEW);
  cr_assert_eq(t.blocks[0].end, 65536u);
}

Test(rx_tsn, no_room_with_64_ranges) {
  csctp_rx_tsn t;
  csctp_rx_tsn_init(&t, 1);
  /* TSNs 2, 4, ..., 128: 64 single-TSN ranges, none adjacent. */
  for (uint32_t i = 0; i < 64; i++) cr_assert_eq(csctp_rx_tsn_add(&t, 2 + 2 * i), CSCTP_RX_TSN_NEW);
  cr_assert_eq(t.n_blocks, 64u);
  cr_assert_eq(csctp_rx_tsn_check(&t, 200), CSCTP_RX_TSN_NO_ROOM);
  cr_assert_eq(csctp_rx_tsn_add(&t, 200), CSCTP_RX_TSN_NO_ROOM);
  cr_assert_eq(t.n_blocks, 64u);
  cr_assert_eq(t.highest, 128u);
  /* Still accepted: TSNs that extend a range, join two, or advance cum. */
  cr_assert_eq(csctp_rx_tsn_add(&t, 129), CSCTP_RX_TSN_NEW);
  cr_assert_eq(t.blocks[63].end, 129u);
  cr_assert_eq(csctp_rx_tsn_add(&t, 5), CSCTP_RX_TSN_NEW); /* joins [4] and [6] */
  cr_assert_eq(t.n_blocks, 63u);
  cr_assert_eq(csctp_rx_tsn_add(&t, 200), CSCTP_RX_TSN_NEW); /* a slot is free again */
  cr_assert_eq(t.n_blocks, 64u);
  cr_assert_eq(csctp_rx_tsn_add(&t, 1), CSCTP_RX_TSN_NEW);
  cr_assert_eq(t.cum, 2u);
  cr_assert_eq(t.n_blocks, 63u);
}

Test(rx_tsn, wraps_around_2_pow_32) {
  csctp_rx_tsn t;
  csctp_rx_tsn_init(&t, 0xfffffffeu);
  cr_assert_eq(t.cum, 0xfffffffdu);
  cr_assert_eq(csctp_rx_tsn_add(&t, 0xfffffffeu), CSCTP_RX_TSN_NEW);
  cr_assert_eq(csctp_rx_tsn_add(&t, 1), CSCTP_RX_TSN_NEW);
  cr_assert_eq(csctp_rx_tsn_add(&t, 0), CSCTP_RX_TSN_NEW);
  cr_assert_eq(t.cum, 0xfffffffeu);
  cr_assert_eq(t.n_blocks, 1u);
  cr_assert_eq(t.blocks[0].start, 0u);
  cr_assert_eq(t.blocks[0].end, 1u);
  cr_assert_eq(t.highest, 1u);

  /* Gap offsets across the wrap: 0 is cum + 2, 1 is cum + 3. */
  uint8_t buf[64];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof(buf));
  cr_assert_eq(csctp_rx_tsn_write_sack(&t, &w, 0), 0);
  const uint8_t gap[4] = {0x00, 0x02, 0x00, 0x03};
  cr_assert_eq(w.len, 20u);
  cr_assert_arr_eq(buf + 16, gap, 4);

  cr_assert_eq(csctp_rx_tsn_check(&t, 0xfffffff0u), CSCTP_RX_TSN_DUP);
  cr_assert_eq(csctp_rx_tsn_check(&t, 0), CSCTP_RX_TSN_DUP);
  cr_assert_eq(csctp_rx_tsn_check(&t, 0xfffffffeu + 65535u), CSCTP_RX_TSN_NEW); /* = 65533 */
  cr_assert_eq(csctp_rx_tsn_check(&t, 65534), CSCTP_RX_TSN_NO_ROOM);
  cr_assert_eq(csctp_rx_tsn_add(&t, 0xffffffffu), CSCTP_RX_TSN_NEW);
  cr_assert_eq(t.cum, 1u);
  cr_assert_eq(t.n_blocks, 0u);
}

Test(rx_tsn, sack_encoding) {
  csctp_rx_tsn t;
  csctp_rx_tsn_init(&t, 100);
  csctp_rx_tsn_add(&t, 100);
  csctp_rx_tsn_add(&t, 102);
  csctp_rx_tsn_add(&t, 103);
  csctp_rx_tsn_add(&t, 105);
  csctp_rx_tsn_add(&t, 100); /* duplicate */
  uint8_t buf[128];
  memset(buf, 0xee, sizeof(buf));
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof(buf));
  cr_assert_eq(csctp_rx_tsn_write_sack(&t, &w, 0x00012345), 0);
  /* RFC 9260 §3.3.4, by hand: type 3, flags 0, length 28; cum 100 (0x64);
   * a_rwnd; 2 gap blocks, 1 duplicate; gaps 2-3 and 5-5; duplicate TSN 100. */
  const uint8_t expect[28] = {
      0x03, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x64, 0x00, 0x01, 0x23, 0x45, 0x00, 0x02,
      0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x05, 0x00, 0x05, 0x00, 0x00, 0x00, 0x64,
  };
  cr_assert_eq(w.len, sizeof(expect));
  cr_assert_arr_eq(buf, expect, sizeof(expect));
  cr_assert_eq(buf[28], 0xee);
}

Test(rx_tsn, sack_truncated_to_writer) {
  csctp_rx_tsn t;
  csctp_rx_tsn_init(&t, 1);
  csctp_rx_tsn_add(&t, 3);
  csctp_rx_tsn_add(&t, 5);
  csctp_rx_tsn_add(&t, 7);
  csctp_rx_tsn_add(&t, 3);
  csctp_rx_tsn_add(&t, 5);
  uint8_t buf[64];
  csctp_wr w;

  /* 15 bytes: not even the fixed part; nothing written, dups kept. */
  csctp_wr_init(&w, buf, 15);
  cr_assert_eq(csctp_rx_tsn_write_sack(&t, &w, 1), CSCTP_ERR_NOBUF);
  cr_assert_eq(w.len, 0u);
  cr_assert_eq(t.n_dups, 2u);

  /* 27 bytes: the fixed part and the two lowest gap blocks. */
  csctp_wr_init(&w, buf, 27);
  cr_assert_eq(csctp_rx_tsn_write_sack(&t, &w, 1), 0);
  cr_assert(!w.overflow);
  const uint8_t expect[24] = {
      0x03, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
      0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x03, 0x00, 0x05, 0x00, 0x05,
  };
  cr_assert_eq(w.len, sizeof(expect));
  cr_assert_arr_eq(buf, expect, sizeof(expect));

  /* After blocks, dups are cut: 3 blocks + 1 of 2 dups in 32 bytes. */
  csctp_rx_tsn_add(&t, 3);
  csctp_rx_tsn_add(&t, 7);
  csctp_wr_init(&w, buf, 32);
  cr_assert_eq(csctp_rx_tsn_write_sack(&t, &w, 1), 0);
  cr_assert_eq(w.len, 32u);
  cr_assert_eq(buf[13], 3); /* gap blocks */
  cr_assert_eq(buf[15], 1); /* duplicates */
  const uint8_t dup[4] = {0, 0, 0, 3};
  cr_assert_arr_eq(buf + 28, dup, 4);

  /* Appended after earlier content: only the writer's remaining space counts. */
  csctp_wr_init(&w, buf, 36);
  csctp_wr_zeros(&w, 16);
  cr_assert_eq(csctp_rx_tsn_write_sack(&t, &w, 1), 0);
  cr_assert_eq(w.len, 36u); /* 16 + 16 fixed + 1 block */
  cr_assert_eq(buf[16 + 13], 1);
}

Test(rx_tsn, forward_tsn_moves_cum) {
  csctp_rx_tsn t;
  csctp_rx_tsn_init(&t, 1);
  csctp_rx_tsn_add(&t, 1);
  csctp_rx_tsn_add(&t, 4);
  csctp_rx_tsn_add(&t, 8);
  csctp_rx_tsn_add(&t, 9);
  csctp_rx_tsn_add(&t, 12);
  csctp_rx_tsn_forward(&t, 0); /* behind: ignored */
  cr_assert_eq(t.cum, 1u);
  csctp_rx_tsn_forward(&t, 7); /* drops [4], then absorbs [8-9] */
  cr_assert_eq(t.cum, 9u);
  cr_assert_eq(t.n_blocks, 1u);
  cr_assert_eq(t.blocks[0].start, 12u);
  csctp_rx_tsn_forward(&t, 100);
  cr_assert_eq(t.cum, 100u);
  cr_assert_eq(t.highest, 100u);
  cr_assert_eq(t.n_blocks, 0u);
  cr_assert_eq(csctp_rx_tsn_add(&t, 12), CSCTP_RX_TSN_DUP);
}

Test(rx_tsn, random_against_bitmap_model) {
  /* Independent model: a bitmap of received offsets from the initial TSN. */
  enum { N = 4096 };
  static uint8_t seen[N];
  memset(seen, 0, sizeof(seen));
  csctp_rx_tsn t;
  const uint32_t base = 0xfffff000u; /* crosses 2^32 half way */
  csctp_rx_tsn_init(&t, base);
  uint64_t s = 12345;
  uint32_t model_cum = 0; /* first offset not yet received */
  int steps = 0;
  while (model_cum < N) {
    cr_assert_lt(steps++, 200000);
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    /* Mostly near the ack point, sometimes far ahead (up to 300). */
    uint32_t off = model_cum + (uint32_t)(s >> 33) % 300;
    if (off >= N) continue;
    int r = csctp_rx_tsn_add(&t, base + off);
    if (seen[off]) {
      cr_assert_eq(r, CSCTP_RX_TSN_DUP);
    } else if (r == CSCTP_RX_TSN_NEW) {
      seen[off] = 1;
    } else {
      cr_assert_eq(r, CSCTP_RX_TSN_NO_ROOM);
      cr_assert_eq(t.n_blocks, (uint32_t)CSCTP_RX_MAX_BLOCKS);
    }
    while (model_cum < N && seen[model_cum]) model_cum++;
    cr_assert_eq(t.cum, base + model_cum - 1);
    /* Blocks are exactly the runs of seen offsets above cum. */
    uint32_t b = 0;
    for (uint32_t i = model_cum; i < N; i++) {
      if (seen[i] && !seen[i - 1]) {
        cr_assert_lt(b, t.n_blocks);
        cr_assert_eq(t.blocks[b].start, base + i);
        uint32_t j = i;
        while (j + 1 < N && seen[j + 1]) j++;
        cr_assert_eq(t.blocks[b].end, base + j);
        b++;
      }
    }
    cr_assert_eq(b, t.n_blocks);
    t.n_dups = 0;
  }
  cr_assert_eq(t.cum, base + N - 1);
}
