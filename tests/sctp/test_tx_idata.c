/* SPDX-License-Identifier: MIT */
/*
 * The I-DATA send path (src/tx_idata.c, RFC 8260 §2), driving the tx alone:
 * chunk format (type 64, 20-byte header, PPID in the first fragment, FSN in
 * the others), MIDs per stream with ordered and unordered counted apart,
 * interleaving of a small message with a large one, retransmissions repeating
 * the same bytes, the scheduler deciding per fragment, stream reset drain and
 * MID reset, TTL drops, and the DATA path untouched when I-DATA is off.
 */
#include <criterion/criterion.h>
#include <csctp/sctp.h>
#include <string.h>

#include "tx_priv.h"
#include "tx_util.h"

#define I_MAXP (T_MTU - 12 - 20) /* 1168 payload bytes per full I-DATA chunk */

typedef struct ichunk {
  uint8_t flags;
  uint32_t tsn;
  uint16_t stream;
  uint32_t mid, ppid_fsn;
  const uint8_t *raw; /* the whole chunk */
  uint32_t raw_len;   /* padded */
  const uint8_t *data;
  uint32_t len;
} ichunk;

typedef struct ipkt {
  uint8_t buf[T_MTU];
  size_t len, n;
  ichunk c[128];
} ipkt;

/* One packet written by the tx, its I-DATA chunks parsed with byte reads. */
static size_t i_write(csctp_tx *tx, ipkt *p, csctp_tstamp now) {
  csctp_wr w;
  memset(p->buf, 0xee, sizeof(p->buf));
  csctp_wr_init(&w, p->buf, T_MTU);
  memset(p->buf, 0, 12);
  w.len = 12;
  size_t n = csctp_tx_write_data(tx, &w, now);
  cr_assert(!w.overflow);
  p->len = w.len;
  p->n = 0;
  for (size_t o = 12; o < w.len;) {
    const uint8_t *c = p->buf + o;
    cr_assert_eq(c[0], CSCTP_CHUNK_IDATA, "chunk type %u", c[0]);
    uint16_t clen = t_be16(c + 2);
    cr_assert_geq(clen, 21u);
    cr_assert_eq(t_be16(c + 10), 0, "reserved");
    size_t padded = (clen + 3u) & ~3u;
    cr_assert_leq(o + padded, w.len);
    for (size_t i = clen; i < padded; i++) cr_assert_eq(c[i], 0, "padding");
    ichunk *t = &p->c[p->n++];
    t->flags = c[1];
    t->tsn = t_be32(c + 4);
    t->stream = t_be16(c + 8);
    t->mid = t_be32(c + 12);
    t->ppid_fsn = t_be32(c + 16);
    t->raw = c;
    t->raw_len = (uint32_t)padded;
    t->data = c + 20;
    t->len = clen - 20u;
    o += padded;
  }
  cr_assert_eq(p->n, n);
  return n;
}

/* A tx with I-DATA negotiated (the association sets the flag), a huge window and rwnd. */
static void i_open(csctp_tx *tx, int idata) {
  csctp_tx_config cfg = t_config();
  cfg.sndbuf = 1u << 24;
  cfg.max_message_size = 1u << 22;
  cfg.max_burst = 0;
  t_init(tx, &cfg, 1000, 1u << 30);
  csctp_tx_set_idata(tx, idata);
  tx->p0.cwnd = 1u << 30;
}

static void i_enqueue(csctp_tx *tx, uint16_t stream, int unordered, size_t len, uint8_t seed) {
  static uint8_t b[1u << 21];
  cr_assert_leq(len, sizeof(b));
  t_fill(b, len, seed);
  cr_assert_eq(csctp_tx_enqueue(tx, stream, 1000u + stream, unordered, b, len), 0);
}

/* Checks a message's fragments in TSN order: B first with the PPID, FSN 1, 2, ... after, E
 * last, one MID, the payload the seed made. */
static void check_msg(const ichunk *const *f, size_t nf, uint16_t stream, uint32_t mid, size_t len,
                      uint8_t seed) {
  static uint8_t want[1u << 21];
  t_fill(want, len, seed);
  size_t off = 0;
  for (size_t i = 0; i < nf; i++) {
    cr_assert_eq(f[i]->stream, stream);
    cr_assert_eq(f[i]->mid, mid, "fragment %zu: MID %u, want %u", i, f[i]->mid, mid);
    cr_assert_eq(!!(f[i]->flags & CSCTP_DATA_FLAG_B), i == 0, "B on the first only");
    cr_assert_eq(!!(f[i]->flags & CSCTP_DATA_FLAG_E), i == nf - 1, "E on the last only");
    if (i == 0)
      cr_assert_eq(f[i]->ppid_fsn, 1000u + stream, "the PPID in the first fragment");
    else
      cr_assert_eq(f[i]->ppid_fsn, (uint32_t)i, "fragment %zu: FSN %u", i, f[i]->ppid_fsn);
    if (i) cr_assert_gt(f[i]->tsn - f[i - 1]->tsn, 0u);
    cr_assert_leq(off + f[i]->len, len);
    cr_assert_eq(memcmp(f[i]->data, want + off, f[i]->len), 0, "payload of fragment %zu", i);
    off += f[i]->len;
  }
  cr_assert_eq(off, len);
}

/* Every chunk written until the tx has nothing more to send (packets kept in pk[]). */
static size_t write_all(csctp_tx *tx, ipkt *pk, size_t max, const ichunk **all, size_t amax) {
  size_t np = 0, na = 0;
  while (np < max && i_write(tx, &pk[np], 0) > 0) {
    for (size_t i = 0; i < pk[np].n; i++) {
      cr_assert_lt(na, amax);
      all[na++] = &pk[np].c[i];
    }
    np++;
  }
  return na;
}

Test(tx_idata, one_message_fragments_as_idata_with_fsns) {
  static csctp_tx tx;
  static ipkt pk[16];
  const ichunk *all[64];
  i_open(&tx, 1);
  i_enqueue(&tx, 3, 0, 5000, 9);
  size_t n = write_all(&tx, pk, 16, all, 64);
  cr_assert_eq(n, 5u, "5000 bytes: 4 full chunks of %d and one of %d", I_MAXP, 5000 - 4 * I_MAXP);
  for (size_t i = 0; i < 4; i++) cr_assert_eq(all[i]->len, (uint32_t)I_MAXP);
  for (size_t i = 0; i < n; i++) cr_assert_eq(all[i]->tsn, 1000u + (uint32_t)i);
  check_msg(all, n, 3, 0, 5000, 9);
  cr_assert_eq(tx.stats.messages_out, 1u);
  cr_assert_eq(tx.stats.data_chunks_out, 5u);
  csctp_tx_free(&tx);
}

Test(tx_idata, mids_count_per_stream_with_ordered_and_unordered_apart) {
  static csctp_tx tx;
  static ipkt pk[16];
  const ichunk *all[64];
  i_open(&tx, 1);
  csctp_tx_set_scheduler(&tx, CSCTP_SCHED_FCFS); /* keeps the queue order below */
  /* stream 1: O U O U O; stream 2: O U */
  const int uo[7] = {0, 1, 0, 1, 0, 0, 1};
  const uint16_t sid[7] = {1, 1, 1, 1, 1, 2, 2};
  const uint32_t want_mid[7] = {0, 0, 1, 1, 2, 0, 0};
  for (int i = 0; i < 7; i++) i_enqueue(&tx, sid[i], uo[i], 100, (uint8_t)i);
  size_t n = write_all(&tx, pk, 16, all, 64);
  cr_assert_eq(n, 7u);
  for (int i = 0; i < 7; i++) {
    cr_assert_eq(all[i]->stream, sid[i]);
    cr_assert_eq(!!(all[i]->flags & CSCTP_DATA_FLAG_U), uo[i]);
    check_msg(&all[i], 1, sid[i], want_mid[i], 100, (uint8_t)i);
  }
  csctp_tx_free(&tx);
}

Test(tx_idata, small_message_goes_out_between_fragments_of_a_large_one) {
  /* 1 MiB on stream 1 is being sent; a 100-byte message on stream 2 goes in the next packet
   * (DATA would hold it until the whole 1 MiB had TSNs), and the large message then goes on
   * with the next FSN. */
  static csctp_tx tx;
  static ipkt pk[1024];
  i_open(&tx, 1);
  i_enqueue(&tx, 1, 0, 1u << 20, 1);
  for (int i = 0; i < 3; i++) cr_assert_eq(i_write(&tx, &pk[i], 0), 1u);
  i_enqueue(&tx, 2, 0, 100, 2);
  size_t np = 3;
  int small_at = -1;
  while (i_write(&tx, &pk[np], 0) > 0) {
    for (size_t i = 0; i < pk[np].n; i++)
      if (pk[np].c[i].stream == 2) small_at = (int)np;
    np++;
    cr_assert_lt(np, 1024u);
  }
  cr_assert_eq(small_at, 3, "the small message waited until packet %d", small_at);
  /* Both messages whole and well formed. */
  static const ichunk *big[1024];
  const ichunk *small[4];
  size_t nb = 0, ns = 0;
  for (size_t p = 0; p < np; p++)
    for (size_t i = 0; i < pk[p].n; i++) {
      if (pk[p].c[i].stream == 1)
        big[nb++] = &pk[p].c[i];
      else
        small[ns++] = &pk[p].c[i];
    }
  check_msg(big, nb, 1, 0, 1u << 20, 1);
  check_msg(small, ns, 2, 0, 100, 2);
  csctp_tx_free(&tx);
}

Test(tx_idata, wfq_shares_follow_the_weights_fragment_by_fragment) {
  /* Two streams with one 1 MiB message each, priorities 1024 and 256: with I-DATA the share
   * of bytes is 4 : 1 from the first packets (DATA would send one whole message first). */
  static csctp_tx tx;
  static ipkt pk;
  i_open(&tx, 1);
  csctp_tx_queue *q = &csctp_tx_priv_of(&tx)->q;
  csctp_tx_queue_set_quantum(q, 2000);
  i_enqueue(&tx, 1, 0, 1u << 20, 1);
  i_enqueue(&tx, 3, 0, 1u << 20, 3);
  csctp_tx_stream *st;
  cr_assert_eq(csctp_tx_queue_stream(q, 1, &st), 0);
  csctp_tx_queue_set_priority(q, st, 1024);
  uint64_t bytes[4] = {0};
  for (int p = 0; p < 400; p++) {
    cr_assert_gt(i_write(&tx, &pk, 0), 0u);
    for (size_t i = 0; i < pk.n; i++) bytes[pk.c[i].stream] += pk.c[i].len;
  }
  double share = (double)bytes[1] / (double)(bytes[1] + bytes[3]);
  cr_assert(share > 0.77 && share < 0.83, "stream 1 had %.3f of the bytes, want 0.8", share);
  csctp_tx_free(&tx);
}

Test(tx_idata, rr_packet_gives_each_packet_to_one_stream) {
  static csctp_tx tx;
  static ipkt pk;
  i_open(&tx, 1);
  cr_assert_eq(csctp_tx_set_scheduler(&tx, CSCTP_SCHED_RR_PACKET), 0);
  i_enqueue(&tx, 1, 0, 100000, 1);
  i_enqueue(&tx, 3, 0, 100000, 3);
  for (int p = 0; p < 20; p++) {
    cr_assert_eq(i_write(&tx, &pk, 0), 1u);
    cr_assert_eq(pk.c[0].stream, p % 2 ? 3 : 1, "packet %d", p);
  }
  csctp_tx_free(&tx);
}

Test(tx_idata, retransmission_repeats_the_same_bytes) {
  static csctp_tx tx;
  static ipkt pk[16], rk[16];
  const ichunk *all[64];
  i_open(&tx, 1);
  i_enqueue(&tx, 1, 0, 3000, 1);
  i_enqueue(&tx, 2, 1, 50, 2);
  i_enqueue(&tx, 1, 0, 2000, 3);
  size_t n = write_all(&tx, pk, 16, all, 64);
  cr_assert_geq(n, 5u);
  /* T3 expires: everything is marked; retransmissions come in TSN order, each chunk as it
   * was (same TSN, MID, FSN or PPID, payload). */
  csctp_tx_on_t3_expiry(&tx, 5000 * T_MS);
  size_t k = 0;
  for (int r = 0, tries = 0; r < 16 && k < n && tries < 64; r++, tries++) {
    if (i_write(&tx, &rk[r], 5000 * T_MS) == 0) {
      cr_assert_gt(k, 0u);
      uint32_t cum = all[k - 1]->tsn; /* ack what came back so the hold is released */
      t_sack(&tx, cum, 1u << 30, NULL, 0, 5000 * T_MS, NULL);
      r--;
      continue;
    }
    for (size_t i = 0; i < rk[r].n; i++, k++) {
      cr_assert_lt(k, n);
      cr_assert_eq(rk[r].c[i].raw_len, all[k]->raw_len);
      cr_assert_eq(memcmp(rk[r].c[i].raw, all[k]->raw, all[k]->raw_len), 0,
                   "retransmission of TSN %u differs", all[k]->tsn);
    }
  }
  cr_assert_eq(k, n);
  cr_assert_geq(tx.stats.retransmissions, n);
  csctp_tx_free(&tx);
}

Test(tx_idata, stream_reset_waits_for_the_message_in_progress_and_resets_both_mids) {
  static csctp_tx tx;
  static ipkt pk;
  i_open(&tx, 1);
  i_enqueue(&tx, 1, 0, 5000, 1);
  i_enqueue(&tx, 1, 1, 10, 2);
  cr_assert_eq(i_write(&tx, &pk, 0), 1u); /* the first fragment of the 5000 bytes */
  uint16_t id = 1;
  cr_assert_eq(csctp_tx_pause_streams(&tx, &id, 1), 0);
  i_enqueue(&tx, 1, 0, 10, 3); /* after the pause: held */
  cr_assert_eq(csctp_tx_streams_drained(&tx, &id, 1), 0, "a message is in progress");
  int got_unordered = 0;
  while (i_write(&tx, &pk, 0) > 0)
    for (size_t i = 0; i < pk.n; i++) got_unordered += !!(pk.c[i].flags & CSCTP_DATA_FLAG_U);
  cr_assert_eq(got_unordered, 1, "the unordered one queued before the pause went");
  cr_assert_eq(csctp_tx_streams_drained(&tx, &id, 1), 1);
  csctp_tx_resume_streams(&tx, &id, 1, 1);
  cr_assert_eq(i_write(&tx, &pk, 0), 1u);
  cr_assert_eq(pk.c[0].mid, 0u, "ordered MID back to 0 (was 1)");
  i_enqueue(&tx, 1, 1, 10, 4);
  cr_assert_eq(i_write(&tx, &pk, 0), 1u);
  cr_assert_eq(pk.c[0].mid, 0u, "unordered MID back to 0 (was 1)");
  csctp_tx_free(&tx);
}

Test(tx_idata, restart_and_free_with_a_message_in_progress) {
  static csctp_tx tx;
  static ipkt pk;
  i_open(&tx, 1);
  i_enqueue(&tx, 1, 0, 100000, 1);
  i_enqueue(&tx, 2, 0, 100000, 2);
  for (int p = 0; p < 6; p++) cr_assert_eq(i_write(&tx, &pk, 0), 1u);
  cr_assert_eq(csctp_tx_stream_buffered(&tx, 1), 100000u);
  csctp_tx_restart(&tx, 1, 1u << 30, 16);
  cr_assert_eq(tx.buffered, 0u);
  cr_assert_eq(csctp_tx_stream_buffered(&tx, 1), 0u, "no byte counted twice");
  cr_assert_eq(csctp_tx_stream_buffered(&tx, 2), 0u);
  i_enqueue(&tx, 1, 0, 10, 3);
  tx.p0.cwnd = 1u << 30;
  cr_assert_eq(i_write(&tx, &pk, 0), 1u);
  cr_assert_eq(pk.c[0].mid, 0u, "MIDs start again at 0");
  cr_assert_eq(pk.c[0].ppid_fsn, 1001u);
  i_enqueue(&tx, 2, 0, 50000, 4);
  cr_assert_eq(i_write(&tx, &pk, 0), 1u); /* in progress when freed (ASan: no leak) */
  csctp_tx_free(&tx);
}

Test(tx_idata, unsent_message_past_its_lifetime_is_dropped_without_a_mid) {
  static csctp_tx tx;
  static ipkt pk;
  static uint8_t b[100];
  i_open(&tx, 1);
  tx.pr_enabled = 1;
  cr_assert_eq(csctp_tx_enqueue_pr(&tx, 1, 7, 0, CSCTP_PR_TTL, 10, 0, b, sizeof(b)), 0);
  i_enqueue(&tx, 1, 0, 100, 2);
  cr_assert_eq(i_write(&tx, &pk, 20 * T_MS), 1u);
  cr_assert_eq(pk.c[0].mid, 0u, "the dropped message took no MID");
  cr_assert_eq(pk.c[0].ppid_fsn, 1001u);
  cr_assert_eq(tx.stats.abandoned_msgs, 1u);
  cr_assert_eq(tx.buffered, 100u);
  csctp_tx_free(&tx);
}

Test(tx_idata, zero_window_probe_and_rwnd_as_data) {
  static csctp_tx tx;
  static ipkt pk;
  i_open(&tx, 1);
  tx.peer_rwnd = 0;
  i_enqueue(&tx, 1, 0, 3000, 1);
  cr_assert_eq(i_write(&tx, &pk, 0), 1u, "nothing in flight: one probe chunk");
  cr_assert_eq(i_write(&tx, &pk, 0), 0u, "then nothing while the window is closed");
  csctp_tx_free(&tx);
}

Test(tx_idata, data_path_unchanged_when_idata_is_off) {
  static csctp_tx tx;
  static tpkt pk;
  i_open(&tx, 0);
  i_enqueue(&tx, 1, 0, 3000, 1);
  cr_assert_eq(t_write(&tx, &pk, 0), 1u); /* t_write asserts DATA chunks (type 0) */
  cr_assert_eq(pk.c[0].len, (uint32_t)T_MAXP, "16-byte headers");
  cr_assert_eq(pk.c[0].ssn, 0);
  csctp_tx_free(&tx);
}

Test(tx_idata, priority_preempts_a_large_message_at_the_next_fragment) {
  /* PRIORITY: a message of a higher stream goes at the next fragment; one of an equal
   * priority takes turns with the large one. */
  static csctp_tx tx;
  static ipkt pk;
  i_open(&tx, 1);
  cr_assert_eq(csctp_tx_set_scheduler(&tx, CSCTP_SCHED_PRIORITY), 0);
  csctp_tx_queue *q = &csctp_tx_priv_of(&tx)->q;
  csctp_tx_stream *st;
  cr_assert_eq(csctp_tx_queue_stream(q, 5, &st), 0);
  csctp_tx_queue_set_priority(q, st, 1024);
  i_enqueue(&tx, 1, 0, 100000, 1);
  cr_assert_eq(i_write(&tx, &pk, 0), 1u);
  i_enqueue(&tx, 5, 0, 3000, 5);
  int seq[16], n = 0;
  while (n < 4) {
    cr_assert_gt(i_write(&tx, &pk, 0), 0u);
    for (size_t i = 0; i < pk.n && n < 16; i++) seq[n++] = pk.c[i].stream;
  }
  const int want[] = {5, 5, 5, 1}; /* chunk by chunk (a packet may end with stream 1's) */
  for (int i = 0; i < 4; i++) cr_assert_eq(seq[i], want[i], "chunk %d: stream %d", i, seq[i]);
  i_enqueue(&tx, 3, 0, 3000, 3); /* priority 256, as stream 1 */
  n = 0;
  while (n < 6) {
    cr_assert_gt(i_write(&tx, &pk, 0), 0u);
    for (size_t i = 0; i < pk.n && n < 16; i++) seq[n++] = pk.c[i].stream;
  }
  const int turns[] = {3, 1, 3, 1, 3, 1};
  for (int i = 0; i < 6; i++) cr_assert_eq(seq[i], turns[i], "chunk %d: stream %d", i, seq[i]);
  csctp_tx_free(&tx);
}

/* The I-FORWARD-TSN the tx writes now (asserted present): new cumulative TSN and entries. */
static void i_fwd(csctp_tx *tx, csctp_tstamp now, uint32_t *cum, csctp_iforward_entry *e,
                  size_t *n) {
  uint8_t buf[T_MTU];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof(buf));
  cr_assert_eq(csctp_tx_write_forward_tsn(tx, &w, now), 1, "an I-FORWARD-TSN is due");
  cr_assert_eq(buf[0], CSCTP_CHUNK_IFORWARD_TSN);
  csctp_chunk ch = {.type = buf[0],
                    .flags = buf[1],
                    .length = t_be16(buf + 2),
                    .value = buf + 4,
                    .value_len = t_be16(buf + 2) - 4u};
  csctp_iforward_tsn_chunk f;
  cr_assert_eq(csctp_iforward_tsn_decode(&ch, &f), 0);
  *cum = f.new_cum_tsn;
  *n = f.n_entries;
  for (size_t i = 0; i < f.n_entries; i++) e[i] = csctp_iforward_tsn_entry(&f, i);
}

Test(tx_idata, rtx_limit_abandons_an_interleaved_message_and_writes_an_iforward_tsn) {
  static csctp_tx tx;
  static ipkt pk[16], rk;
  static uint8_t b[3000];
  const ichunk *all[64];
  i_open(&tx, 1);
  tx.pr_enabled = 1;
  cr_assert_eq(csctp_tx_enqueue_pr(&tx, 1, 7, 0, CSCTP_PR_RTX, 0, 0, b, sizeof(b)), 0);
  i_enqueue(&tx, 2, 0, 3000, 2);
  size_t n = write_all(&tx, pk, 16, all, 64);
  cr_assert_eq(n, 6u);
  for (size_t i = 0; i < n; i++) cr_assert_eq(all[i]->stream, i % 2 ? 2 : 1, "interleaved");
  /* T3: everything is due again, but stream 1's message allows no retransmission. */
  csctp_tx_on_t3_expiry(&tx, 5000 * T_MS);
  cr_assert_eq(csctp_tx_pr_check(&tx, 5000 * T_MS), 1);
  cr_assert_eq(tx.stats.abandoned_msgs, 1u);
  csctp_tx_priv *p = csctp_tx_priv_of(&tx);
  for (uint32_t i = 0; i < p->ring.count; i++) {
    const csctp_tx_chunk *c = csctp_tx_ring_at(&p->ring, i);
    cr_assert_eq(!!(c->state & CSCTP_TXC_ABANDONED), c->msg->st->id == 1, "record %u", i);
  }
  uint32_t cum;
  csctp_iforward_entry e[8];
  size_t ne;
  i_fwd(&tx, 5000 * T_MS, &cum, e, &ne);
  cr_assert_eq(cum, 1000u, "only the first record is passed (the next is stream 2's)");
  cr_assert_eq(ne, 1u);
  cr_assert(e[0].stream == 1 && e[0].unordered == 0 && e[0].mid == 0);
  /* Only stream 2's fragments are retransmitted, as they were. */
  cr_assert_eq(i_write(&tx, &rk, 5000 * T_MS), 1u);
  cr_assert_eq(rk.c[0].stream, 2);
  cr_assert_eq(memcmp(rk.c[0].raw, all[1]->raw, all[1]->raw_len), 0);
  /* The peer acks it: the point moves over the next record of stream 1. */
  t_sack(&tx, 1001, 1u << 30, NULL, 0, 6000 * T_MS, NULL);
  i_fwd(&tx, 6000 * T_MS, &cum, e, &ne);
  cr_assert_eq(cum, 1002u);
  cr_assert(ne == 1 && e[0].stream == 1 && e[0].mid == 0);
  csctp_tx_free(&tx);
}

Test(tx_idata, lifetime_cuts_an_unordered_message_in_progress) {
  static csctp_tx tx;
  static ipkt pk;
  static uint8_t b[10000];
  i_open(&tx, 1);
  tx.pr_enabled = 1;
  cr_assert_eq(csctp_tx_enqueue_pr(&tx, 1, 7, 1, CSCTP_PR_TTL, 10, 0, b, sizeof(b)), 0);
  i_enqueue(&tx, 2, 0, 100000, 2);
  cr_assert_eq(i_write(&tx, &pk, 0), 1u);
  cr_assert_eq(pk.c[0].stream, 1);
  cr_assert_eq(i_write(&tx, &pk, 0), 1u);
  cr_assert_eq(pk.c[0].stream, 2);
  /* Its lifetime is over: no more of it; an abandoned end record takes TSN 1002. */
  for (int i = 0; i < 6; i++) {
    cr_assert_eq(i_write(&tx, &pk, 20 * T_MS), 1u);
    cr_assert_eq(pk.c[0].stream, 2, "packet %d", i);
    if (i == 0) cr_assert_eq(pk.c[0].tsn, 1003u);
  }
  cr_assert_eq(tx.stats.abandoned_msgs, 1u);
  cr_assert_eq(csctp_tx_stream_buffered(&tx, 1), 0u, "its bytes left the send buffer");
  t_sack(&tx, 1001, 1u << 30, NULL, 0, 30 * T_MS, NULL);
  uint32_t cum;
  csctp_iforward_entry e[8];
  size_t ne;
  i_fwd(&tx, 30 * T_MS, &cum, e, &ne);
  cr_assert_eq(cum, 1002u);
  cr_assert_eq(ne, 1u);
  cr_assert(e[0].stream == 1 && e[0].unordered == 1 && e[0].mid == 0, "the unordered MID 0");
  csctp_tx_free(&tx);
}
