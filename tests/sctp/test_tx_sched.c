/* SPDX-License-Identifier: MIT */
/*
 * The WFQ send scheduler (src/tx_sched.c, src/assoc_sched.c): deficit round-robin
 * over streams at message boundaries. Byte shares between streams whatever
 * their message sizes, priorities as weights, progress of messages larger than
 * the quantum, paused streams, drops; and the association's API for it.
 */
#include <criterion/criterion.h>
#include <csctp/sctp.h>
#include <string.h>

#include "assoc_util.h"
#include "tx_priv.h"
#include "tx_queue.h"

#define NS 8 /* stream ids used below are < NS */

typedef struct sched {
  csctp_tx_queue q;
  uint64_t bytes[NS]; /* handed out per stream */
  uint64_t total;
  uint32_t msgs[NS];
  uint32_t refill[NS]; /* message size that keeps a stream backlogged (0: none) */
} sched;

static void s_init(sched *s, uint32_t quantum) {
  memset(s, 0, sizeof(*s));
  csctp_tx_queue_init(&s->q, csctp_mem_default());
  csctp_tx_queue_set_quantum(&s->q, quantum);
}

static csctp_tx_stream *s_stream(sched *s, uint16_t id) {
  csctp_tx_stream *st;
  cr_assert_eq(csctp_tx_queue_stream(&s->q, id, &st), 0);
  return st;
}

static void s_push(sched *s, uint16_t id, uint32_t len) {
  static uint8_t buf[1 << 20]; /* the largest message below */
  csctp_tx_msg *m = csctp_tx_msg_new(&s->q, buf, len);
  cr_assert(m);
  m->st = s_stream(s, id);
  m->st->buffered += len;
  csctp_tx_queue_push(&s->q, m);
}

/* Takes the next message (asserting it is the one peek announced); its stream id, -1 if none. */
static int s_pop(sched *s) {
  csctp_tx_msg *want = csctp_tx_queue_peek(&s->q);
  csctp_tx_msg *m = csctp_tx_queue_pop(&s->q);
  cr_assert_eq(m, want, "pop takes what peek showed");
  if (!m) return -1;
  uint16_t id = m->st->id;
  cr_assert_lt(id, NS);
  s->bytes[id] += m->len;
  s->msgs[id]++;
  s->total += m->len;
  m->st->buffered -= m->len;
  csctp_tx_msg_free(&s->q, m);
  /* Backlogged streams get a new message as soon as theirs is taken. */
  if (s->refill[id]) s_push(s, id, s->refill[id]);
  return id;
}

static void s_backlog(sched *s, uint16_t id, uint32_t len, int depth) {
  s->refill[id] = len;
  for (int i = 0; i < depth; i++) s_push(s, id, len);
}

static void s_free(sched *s) { csctp_tx_queue_free(&s->q); }

/* |bytes handed out to `id` - its weighted share of everything handed out| <= bound. */
static void s_check_share(const sched *s, uint16_t id, double share, double bound) {
  double want = share * (double)s->total, got = (double)s->bytes[id];
  cr_assert(got - want <= bound && want - got <= bound,
            "stream %u: %.0f bytes of %.0f, want %.0f +- %.0f", id, got, (double)s->total, want,
            bound);
}

Test(tx_sched, bytes_shared_equally_whatever_the_message_sizes) {
  /* Two streams of 100-byte messages and one of 8000-byte ones, all always backlogged.
   * Per-message round-robin would give the big stream 8000 / 8200 of the bytes. */
  const uint32_t Q = 1000, MAXLEN = 8000;
  sched s;
  s_init(&s, Q);
  s_backlog(&s, 1, 100, 4);
  s_backlog(&s, 5, MAXLEN, 4);
  s_backlog(&s, 3, 100, 4);
  /* DRR: after any number of rounds a backlogged stream is within one quantum and one message
   * of its share; against the total of all three, twice that. */
  const double bound = 2.0 * (Q + MAXLEN);
  while (s.total < 3000000) {
    cr_assert_geq(s_pop(&s), 0);
    for (uint16_t id = 1; id <= 5; id += 2) s_check_share(&s, id, 1.0 / 3, bound);
  }
  /* Over a later window of 300 KB alone, the same. */
  memset(s.bytes, 0, sizeof(s.bytes));
  memset(s.msgs, 0, sizeof(s.msgs));
  s.total = 0;
  while (s.total < 300000) cr_assert_geq(s_pop(&s), 0);
  for (uint16_t id = 1; id <= 5; id += 2) s_check_share(&s, id, 1.0 / 3, 2 * bound);
  cr_assert_gt(s.msgs[1], 20 * s.msgs[5], "80 small messages per big one: %u vs %u", s.msgs[1],
               s.msgs[5]);
  s_free(&s);
}

Test(tx_sched, small_messages_of_streams_interleave_within_a_round) {
  /* Equal messages that all fit the quantum: one message per stream in turn, as before. */
  sched s;
  s_init(&s, 0); /* default quantum */
  for (int k = 0; k < 5; k++) {
    s_push(&s, 2, 100);
    s_push(&s, 4, 100);
    s_push(&s, 6, 100);
  }
  for (int i = 0; i < 15; i++) cr_assert_eq(s_pop(&s), 2 + 2 * (i % 3), "message %d", i);
  cr_assert_eq(s_pop(&s), -1);
  s_free(&s);
}

Test(tx_sched, priorities_weigh_the_shares) {
  /* Priorities 128, 256, 512, 1024 (the DCEP values): shares 1 : 2 : 4 : 8, with messages
   * of different sizes on each stream. */
  const uint32_t Q = 2000, MAXLEN = 5000;
  sched s;
  s_init(&s, Q);
  const uint16_t prio[4] = {128, 256, 512, 1024};
  const uint32_t len[4] = {300, 1500, 100, MAXLEN};
  for (int i = 0; i < 4; i++) {
    uint16_t id = (uint16_t)(1 + 2 * i);
    csctp_tx_queue_set_priority(&s.q, s_stream(&s, id), prio[i]);
    s_backlog(&s, id, len[i], 3);
  }
  /* Within two of the largest quanta (8000) and two messages of every stream's share. */
  const double bound = 2.0 * (8 * Q + MAXLEN);
  while (s.total < 4000000) {
    cr_assert_geq(s_pop(&s), 0);
    for (int i = 0; i < 4; i++) s_check_share(&s, (uint16_t)(1 + 2 * i), prio[i] / 1920.0, bound);
  }
  /* Raising stream 1 to 1024 changes the shares from then on: 8 : 2 : 4 : 8. */
  csctp_tx_queue_set_priority(&s.q, s_stream(&s, 1), 1024);
  memset(s.bytes, 0, sizeof(s.bytes));
  s.total = 0;
  const double share[4] = {8 / 22.0, 2 / 22.0, 4 / 22.0, 8 / 22.0};
  while (s.total < 2000000) cr_assert_geq(s_pop(&s), 0);
  for (int i = 0; i < 4; i++) s_check_share(&s, (uint16_t)(1 + 2 * i), share[i], 2 * bound);
  s_free(&s);
}

Test(tx_sched, message_larger_than_the_quantum_is_not_starved) {
  /* Streams 1 and 3 always have 100-byte messages; stream 5 has one of 64 KiB, 64 quanta
   * of 1 KiB: it goes after 64 rounds, i.e. after about 64 KiB of each other stream. */
  const uint32_t Q = 1024, BIG = 65536;
  sched s;
  s_init(&s, Q);
  s_backlog(&s, 1, 100, 2);
  s_backlog(&s, 3, 100, 2);
  s_push(&s, 5, BIG);
  while (s.msgs[5] == 0) {
    cr_assert_geq(s_pop(&s), 0);
    cr_assert_leq(s.bytes[1], BIG + Q, "stream 5 starved: %lu bytes of stream 1 went first",
                  (unsigned long)s.bytes[1]);
  }
  /* It goes first in the round it fits: the others had the 63 rounds before it. */
  cr_assert_geq(s.bytes[1], BIG - 2 * Q, "it went ahead of its turn: after %lu bytes",
                (unsigned long)s.bytes[1]);
  cr_assert_geq(s.bytes[3], BIG - 2 * Q);
  s_free(&s);
}

Test(tx_sched, rounds_nobody_can_use_are_skipped) {
  /* A quantum of 1 byte and 200 KB messages: each needs 200,000 rounds, which pass in one
   * step when no stream can send; the stream needing fewer rounds goes first. */
  sched s;
  s_init(&s, 1);
  s_push(&s, 1, 200000);
  s_push(&s, 3, 150000);
  s_push(&s, 5, 100);
  uint32_t r0 = s.q.round;
  cr_assert_eq(s_pop(&s), 5); /* 100 rounds */
  cr_assert_eq(s_pop(&s), 3); /* 150,000 rounds: next */
  cr_assert_eq(s_pop(&s), 1); /* it kept its 150,000 bytes of credit: 50,000 rounds more */
  cr_assert_eq(s_pop(&s), -1);
  /* Three round starts (one per message) did the work of 200,000 rounds. */
  cr_assert_eq(s.q.round - r0, 3u, "%u round starts", s.q.round - r0);
  s_free(&s);
}

Test(tx_sched, a_stream_that_empties_loses_its_deficit) {
  const uint32_t Q = 1000;
  sched s;
  s_init(&s, Q);
  csctp_tx_stream *a = s_stream(&s, 1);
  s_push(&s, 1, 100);
  cr_assert_eq(a->deficit, Q, "joins with one quantum");
  cr_assert_eq(s_pop(&s), 1);
  cr_assert_eq(a->deficit, 0, "emptied: no credit kept (was 900)");
  /* Back with a message of 1500: one quantum is not enough, and none was saved. */
  s_push(&s, 1, 1500);
  s_push(&s, 3, 1000);
  cr_assert_eq(s_pop(&s), 3);
  cr_assert_eq(s_pop(&s), 1);
  s_free(&s);
}

Test(tx_sched, refilling_an_emptied_stream_buys_no_extra_quantum) {
  /* Stream 1 holds one 1000-byte message at a time, refilled as soon as it is taken (it
   * empties every time); stream 3 is backlogged with 100-byte ones. One quantum per round
   * each: 1 : 1. A fresh quantum at every refill would give stream 1 a message per turn
   * of stream 3's, 10 : 1. */
  const uint32_t Q = 1000;
  sched s;
  s_init(&s, Q);
  s_backlog(&s, 1, 1000, 1);
  s_backlog(&s, 3, 100, 4);
  while (s.total < 1000000) {
    cr_assert_geq(s_pop(&s), 0);
    s_check_share(&s, 1, 0.5, 2.0 * (Q + 1000));
  }
  s_free(&s);
}

Test(tx_sched, new_stream_goes_before_one_still_gathering_credit) {
  /* The decision is taken when a message is taken: a small message queued after peek showed
   * a 1 MiB one (which needs many rounds) goes first, the head-of-line case of data channels. */
  sched s;
  s_init(&s, 0);
  s_push(&s, 1, 1 << 20);
  csctp_tx_msg *big = csctp_tx_queue_peek(&s.q);
  cr_assert(big && big->st->id == 1);
  s_push(&s, 3, 100);
  cr_assert_eq(csctp_tx_queue_peek(&s.q)->st->id, 3);
  cr_assert_eq(s_pop(&s), 3);
  cr_assert_eq(s_pop(&s), 1);
  s_free(&s);
}

Test(tx_sched, paused_stream_is_skipped_after_its_held_messages) {
  sched s;
  s_init(&s, 0);
  csctp_tx_stream *b = s_stream(&s, 3);
  s_push(&s, 1, 100);
  s_push(&s, 3, 100);
  s_push(&s, 3, 100);
  csctp_tx_queue_pause(&s.q, b); /* its two queued messages may still go */
  s_push(&s, 3, 100);
  s_push(&s, 3, 100);
  s_push(&s, 1, 100);
  s_push(&s, 1, 100);
  int order[5];
  for (int i = 0; i < 5; i++) order[i] = s_pop(&s);
  const int want[5] = {1, 3, 1, 3, 1};
  for (int i = 0; i < 5; i++) cr_assert_eq(order[i], want[i], "message %d", i);
  cr_assert_eq(s_pop(&s), -1, "the later messages of the paused stream wait");
  cr_assert_eq(b->n_queued, 2u);
  cr_assert_eq(b->sched, CSCTP_TXS_IDLE);
  cr_assert_eq(b->deficit, 0);
  /* A paused stream blocks nobody. */
  s_push(&s, 5, 100);
  cr_assert_eq(s_pop(&s), 5);
  csctp_tx_queue_unpause(&s.q, b);
  cr_assert_eq(s_pop(&s), 3);
  cr_assert_eq(s_pop(&s), 3);
  cr_assert_eq(s_pop(&s), -1);
  s_free(&s);
}

Test(tx_sched, drop_frees_streams_above_the_limit_and_keeps_the_rest) {
  sched s;
  s_init(&s, 1000);
  s_push(&s, 1, 5000); /* waiting for credit */
  s_push(&s, 2, 100);
  s_push(&s, 6, 100);
  s_push(&s, 7, 100);
  s_push(&s, 7, 100);
  csctp_tx_stream *p7 = s_stream(&s, 7);
  csctp_tx_queue_pause(&s.q, p7);
  cr_assert_eq(s_pop(&s), 2);
  cr_assert_eq(s_pop(&s), 6);
  cr_assert_eq(s_pop(&s), 7);
  cr_assert_eq(s_pop(&s), 7);
  s_push(&s, 7, 300); /* held by the pause, on no list */
  s_push(&s, 6, 200);
  s_push(&s, 2, 100);
  size_t bytes = 0;
  /* Streams >= 5 go, the paused one included. */
  cr_assert_eq(csctp_tx_queue_drop(&s.q, 5, &bytes), 2u);
  cr_assert_eq(bytes, 500u);
  cr_assert_eq(p7->n_queued, 0u);
  cr_assert_eq(s_stream(&s, 6)->buffered, 0u);
  cr_assert_eq(s.q.n_msgs, 2u);
  cr_assert_eq(s_pop(&s), 2);
  cr_assert_eq(s_pop(&s), 1); /* its credit kept: 5 quanta */
  cr_assert_eq(s_pop(&s), -1);
  s_free(&s);
}

Test(tx_sched, priority_through_the_tx_shows_in_the_packets) {
  /* The whole send path: stream 1 at priority 1024 and stream 3 at 256, both with 3000-byte
   * messages queued, a quantum of 1000: the first 60 KB written are 4 : 1. */
  csctp_tx_config cfg = {.mtu = 1200,
                         .sndbuf = 1u << 22,
                         .max_message_size = 1u << 20,
                         .max_burst = 0,
                         .rto_initial = 3000,
                         .rto_min = 1000,
                         .rto_max = 60000};
  csctp_tx tx;
  cr_assert_eq(csctp_tx_init(&tx, csctp_mem_default(), &cfg), 0);
  csctp_tx_start(&tx, 1, 1u << 30, 16);
  tx.p0.cwnd = 1u << 30;
  static uint8_t msg[3000];
  csctp_tx_queue *q = &csctp_tx_priv_of(&tx)->q;
  csctp_tx_queue_set_quantum(q, 1000);
  for (int i = 0; i < 50; i++) {
    cr_assert_eq(csctp_tx_enqueue(&tx, 1, 0, 0, msg, sizeof(msg)), 0);
    cr_assert_eq(csctp_tx_enqueue(&tx, 3, 0, 0, msg, sizeof(msg)), 0);
  }
  csctp_tx_stream *st;
  cr_assert_eq(csctp_tx_queue_stream(q, 1, &st), 0);
  csctp_tx_queue_set_priority(q, st, 1024);
  uint64_t bytes[4] = {0};
  uint8_t buf[1200];
  while (bytes[1] + bytes[3] < 60000) {
    csctp_wr w;
    csctp_wr_init(&w, buf, sizeof(buf));
    cr_assert_gt(csctp_tx_write_data(&tx, &w, 0), 0u);
    for (size_t off = 0; off < w.len;) {
      uint16_t clen = (uint16_t)((buf[off + 2] << 8) | buf[off + 3]);
      uint16_t sid = (uint16_t)((buf[off + 8] << 8) | buf[off + 9]);
      cr_assert(sid == 1 || sid == 3);
      bytes[sid] += clen - 16u;
      off += (clen + 3u) & ~3u;
    }
  }
  double ratio = (double)bytes[1] / (double)bytes[3];
  cr_assert(ratio > 3.4 && ratio < 4.6, "4:1 wanted, got %lu : %lu", (unsigned long)bytes[1],
            (unsigned long)bytes[3]);
  csctp_tx_free(&tx);
}

Test(tx_sched, assoc_api_checks_its_arguments) {
  side s;
  side_new(&s, 7);
  cr_assert_eq(csctp_assoc_set_stream_priority(NULL, 0, 256), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_assoc_set_stream_priority(s.a, 0, 0), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_assoc_set_sched_quantum(NULL, 1000), CSCTP_ERR_INVALID_ARGUMENT);
  /* Before the handshake the configured outbound stream count (default 65535) is the limit. */
  cr_assert_eq(csctp_assoc_set_stream_priority(s.a, 65535, 256), CSCTP_ERR_STREAM_ID);
  cr_assert_eq(csctp_assoc_set_stream_priority(s.a, 65534, 512), 0);
  cr_assert_eq(csctp_assoc_set_stream_priority(s.a, 4, 1024), 0);
  cr_assert_eq(csctp_assoc_set_sched_quantum(s.a, 0), 0);
  csctp_tx_queue *q = &csctp_tx_priv_of(&s.a->tx)->q;
  cr_assert_eq(q->quantum, CSCTP_SCHED_QUANTUM_DEFAULT);
  cr_assert_eq(csctp_assoc_set_sched_quantum(s.a, 1200), 0);
  cr_assert_eq(q->quantum, 1200u);
  cr_assert_eq(csctp_tx_queue_find(q, 4)->priority, 1024);
  cr_assert_eq(csctp_tx_queue_find(q, 65534)->priority, 512);
  cr_assert_null(csctp_tx_queue_find(q, 6), "a stream is created only when first used");
  csctp_assoc_del(s.a);
}
