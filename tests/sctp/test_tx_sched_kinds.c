/* SPDX-License-Identifier: MIT */
/*
 * The RFC 8260 §3 scheduler kinds (src/tx_sched.c, src/assoc_sched.c): what
 * each promises, on the queue alone, through the tx's packets, and through two
 * associations: FCFS order across streams, RR turns, RR_PACKET one stream per
 * packet, PRIORITY strict, FAIR equal bytes, WFQ weighted bytes; switching kinds
 * with a backlog loses, duplicates and reorders nothing.
 */
#include <criterion/criterion.h>
#include <csctp/sctp.h>
#include <string.h>

#include "assoc_util.h"
#include "prng.h"
#include "tx_priv.h"

#define NS 8       /* stream ids used below are < NS */
#define TAGS 20000 /* messages a test may push */

typedef struct sched {
  csctp_tx_queue q;
  uint32_t next_tag;
  uint64_t bytes[NS];
  uint64_t total;
  uint32_t msgs[NS];
  uint32_t refill[NS];   /* message size that keeps a stream backlogged (0: none) */
  uint32_t last_tag[NS]; /* tag of the last message popped per stream (+1) */
  uint8_t seen[TAGS];
} sched;

static void s_init(sched *s, int kind, uint32_t quantum) {
  memset(s, 0, sizeof(*s));
  csctp_tx_queue_init(&s->q, csctp_mem_default());
  csctp_tx_queue_set_quantum(&s->q, quantum);
  csctp_tx_sched_set_kind(&s->q, kind);
  cr_assert_eq(s->q.kind, kind);
}

static csctp_tx_stream *s_stream(sched *s, uint16_t id) {
  csctp_tx_stream *st;
  cr_assert_eq(csctp_tx_queue_stream(&s->q, id, &st), 0);
  return st;
}

/* Queues a message whose first 4 bytes are a tag counting pushes (its queue order). */
static uint32_t s_push(sched *s, uint16_t id, uint32_t len) {
  static uint8_t buf[1 << 16];
  cr_assert_geq(len, 4u);
  uint32_t tag = s->next_tag < TAGS ? s->next_tag++ : UINT32_MAX; /* then untracked */
  memcpy(buf, &tag, 4);
  csctp_tx_msg *m = csctp_tx_msg_new(&s->q, buf, len);
  cr_assert(m);
  m->st = s_stream(s, id);
  m->st->buffered += len;
  csctp_tx_queue_push(&s->q, m);
  return tag;
}

static void s_prio(sched *s, uint16_t id, uint16_t prio) {
  csctp_tx_queue_set_priority(&s->q, s_stream(s, id), prio);
}

/* Takes the next message (the one peek announced): its tag, or -1; *sid its stream. */
static long s_pop_tag(sched *s, int *sid) {
  csctp_tx_msg *want = csctp_tx_queue_peek(&s->q);
  csctp_tx_msg *m = csctp_tx_queue_pop(&s->q);
  cr_assert_eq(m, want, "pop takes what peek showed");
  if (!m) return -1;
  uint16_t id = m->st->id;
  cr_assert_lt(id, NS);
  uint32_t tag;
  memcpy(&tag, m->data, 4);
  if (tag != UINT32_MAX) {
    cr_assert_eq(s->seen[tag], 0, "message %u handed out twice", tag);
    s->seen[tag] = 1;
    cr_assert_gt(tag + 1, s->last_tag[id], "stream %u reordered: %u after %u", id, tag,
                 s->last_tag[id] - 1);
    s->last_tag[id] = tag + 1;
  }
  s->bytes[id] += m->len;
  s->msgs[id]++;
  s->total += m->len;
  m->st->buffered -= m->len;
  csctp_tx_msg_free(&s->q, m);
  if (s->refill[id]) s_push(s, id, s->refill[id]);
  if (sid) *sid = id;
  return tag;
}

/* Takes the next message: its stream id, -1 if none. */
static int s_pop(sched *s) {
  int id = -1;
  s_pop_tag(s, &id);
  return id;
}

static void s_backlog(sched *s, uint16_t id, uint32_t len, int depth) {
  s->refill[id] = len;
  for (int i = 0; i < depth; i++) s_push(s, id, len);
}

static void s_expect(sched *s, const int *want, int n) {
  for (int i = 0; i < n; i++) cr_assert_eq(s_pop(s), want[i], "message %d", i);
}

static void s_free(sched *s) { csctp_tx_queue_free(&s->q); }

static void s_check_share(const sched *s, uint16_t id, double share, double bound) {
  double want = share * (double)s->total, got = (double)s->bytes[id];
  cr_assert(got - want <= bound && want - got <= bound,
            "stream %u: %.0f bytes of %.0f, want %.0f +- %.0f", id, got, (double)s->total, want,
            bound);
}

/* ---------------------------------------------------------------- FCFS */

Test(tx_sched_kinds, fcfs_hands_out_messages_in_queue_order_across_streams) {
  sched s;
  s_init(&s, CSCTP_TXS_FCFS, 1000);
  csctp_prng r;
  csctp_prng_seed(&r, 11);
  /* Random streams and sizes (some far above the quantum: FCFS ignores sizes). */
  for (int i = 0; i < 300; i++)
    s_push(&s, (uint16_t)(csctp_prng_next(&r) % NS), 4 + (uint32_t)(csctp_prng_next(&r) % 5000));
  for (long want = 0; want < 300; want++) cr_assert_eq(s_pop_tag(&s, NULL), want);
  cr_assert_eq(s_pop(&s), -1);
  /* Pushes between pops take their place at the back. */
  s_push(&s, 3, 10);
  s_push(&s, 1, 10);
  cr_assert_eq(s_pop(&s), 3);
  s_push(&s, 3, 10);
  cr_assert_eq(s_pop(&s), 1);
  cr_assert_eq(s_pop(&s), 3);
  s_free(&s);
}

Test(tx_sched_kinds, fcfs_skips_a_paused_stream_without_blocking_the_others) {
  sched s;
  s_init(&s, CSCTP_TXS_FCFS, 0);
  s_push(&s, 1, 10);
  s_push(&s, 2, 10);
  csctp_tx_queue_pause(&s.q, s_stream(&s, 2)); /* its one message may go */
  s_push(&s, 2, 10);                           /* held */
  s_push(&s, 3, 10);
  const int want[] = {1, 2, 3};
  s_expect(&s, want, 3);
  cr_assert_eq(s_pop(&s), -1);
  csctp_tx_queue_unpause(&s.q, s_stream(&s, 2));
  cr_assert_eq(s_pop(&s), 2);
  s_free(&s);
}

/* ---------------------------------------------------------------- RR */

Test(tx_sched_kinds, rr_gives_one_message_per_stream_in_turn_whatever_the_sizes) {
  /* With a 1000-byte quantum, WFQ would make the 8000-byte stream wait 8 rounds. */
  sched s;
  s_init(&s, CSCTP_TXS_RR, 1000);
  for (int i = 0; i < 4; i++) {
    s_push(&s, 1, 100);
    s_push(&s, 3, 8000);
  }
  s_push(&s, 5, 100);
  s_push(&s, 5, 100);
  s_prio(&s, 1, 1024); /* ignored */
  const int want[] = {1, 3, 5, 1, 3, 5, 1, 3, 1, 3};
  s_expect(&s, want, 10);
  cr_assert_eq(s_pop(&s), -1);
  s_free(&s);
}

Test(tx_sched_kinds, rr_stream_that_empties_and_refills_keeps_its_turns) {
  /* Stream 3 holds one message at a time (refilled when taken): it still gets every other
   * turn, never starved by the backlogged stream 1. */
  sched s;
  s_init(&s, CSCTP_TXS_RR, 1000);
  s_backlog(&s, 1, 500, 4);
  s_backlog(&s, 3, 5000, 1);
  for (int i = 0; i < 200; i++) s_pop(&s);
  cr_assert_eq(s.msgs[1], 100u);
  cr_assert_eq(s.msgs[3], 100u);
  s_free(&s);
}

/* ---------------------------------------------------------------- RR_PACKET */

Test(tx_sched_kinds, rr_packet_rotates_at_packet_starts_only) {
  sched s;
  s_init(&s, CSCTP_TXS_RR_PACKET, 1000);
  for (int i = 0; i < 3; i++) {
    s_push(&s, 1, 100);
    s_push(&s, 3, 100);
  }
  s_push(&s, 5, 100);
  csctp_tx_sched_packet_begin(&s.q); /* nothing served yet: no rotation */
  cr_assert_eq(s_pop(&s), 1);
  cr_assert_eq(s_pop(&s), 1, "same packet, same stream");
  csctp_tx_sched_packet_begin(&s.q);
  cr_assert_eq(s_pop(&s), 3);
  csctp_tx_sched_packet_begin(&s.q);
  cr_assert_eq(s_pop(&s), 5);
  cr_assert_eq(s_pop(&s), 1, "stream 5 ran dry: the next stream fills the packet");
  csctp_tx_sched_packet_begin(&s.q);
  cr_assert_eq(s_pop(&s), 3, "the stream that ended the packet went to the back");
  cr_assert_eq(s_pop(&s), 3);
  cr_assert_eq(s_pop(&s), -1);
  s_free(&s);
}

/* A tx with a huge window and rwnd: written packets are limited by the MTU only. */
static void tx_open(csctp_tx *tx, int kind) {
  csctp_tx_config cfg = {.mtu = 1200,
                         .sndbuf = 1u << 22,
                         .max_message_size = 1u << 20,
                         .max_burst = 0,
                         .rto_initial = 3000,
                         .rto_min = 1000,
                         .rto_max = 60000};
  cr_assert_eq(csctp_tx_init(tx, csctp_mem_default(), &cfg), 0);
  cr_assert_eq(csctp_tx_set_scheduler(tx, kind), 0);
  csctp_tx_start(tx, 1, 1u << 30, 16);
  tx->p0.cwnd = 1u << 30;
}

/* Writes one packet; the stream of each DATA chunk into sids[] (returns their number). */
static int tx_packet(csctp_tx *tx, int *sids, int max) {
  uint8_t buf[1200];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof(buf));
  w.len = 12;
  if (!csctp_tx_write_data(tx, &w, 0)) return 0;
  int n = 0;
  for (size_t off = 12; off < w.len;) {
    uint16_t clen = (uint16_t)((buf[off + 2] << 8) | buf[off + 3]);
    cr_assert_eq(buf[off], CSCTP_CHUNK_DATA);
    cr_assert_lt(n, max);
    sids[n++] = (buf[off + 8] << 8) | buf[off + 9];
    off += (clen + 3u) & ~3u;
  }
  return n;
}

Test(tx_sched_kinds, rr_packet_fills_each_packet_from_one_stream) {
  /* Three streams of 40 messages of 100 bytes (10 per packet): each packet carries one
   * stream's messages, and the packets take the streams in turn. */
  static uint8_t msg[100];
  csctp_tx tx;
  tx_open(&tx, CSCTP_TXS_RR_PACKET);
  for (int i = 0; i < 40; i++)
    for (uint16_t sid = 1; sid <= 5; sid += 2)
      cr_assert_eq(csctp_tx_enqueue(&tx, sid, 0, 0, msg, sizeof(msg)), 0);
  int sids[64], packets = 0, chunks = 0;
  int n;
  while ((n = tx_packet(&tx, sids, 64)) > 0) {
    int want = 1 + 2 * (packets % 3);
    cr_assert_eq(n, 10, "packet %d: %d chunks", packets, n);
    for (int i = 0; i < n; i++)
      cr_assert_eq(sids[i], want, "packet %d chunk %d: stream %d, want %d", packets, i, sids[i],
                   want);
    packets++;
    chunks += n;
  }
  cr_assert_eq(chunks, 120);
  cr_assert_eq(packets, 12);
  csctp_tx_free(&tx);
}

Test(tx_sched_kinds, rr_per_message_mixes_the_streams_in_a_packet) {
  /* The contrast: RR takes one message per stream in turn, inside every packet. */
  static uint8_t msg[100];
  csctp_tx tx;
  tx_open(&tx, CSCTP_TXS_RR);
  for (int i = 0; i < 10; i++)
    for (uint16_t sid = 1; sid <= 5; sid += 2)
      cr_assert_eq(csctp_tx_enqueue(&tx, sid, 0, 0, msg, sizeof(msg)), 0);
  int sids[64];
  int n = tx_packet(&tx, sids, 64);
  cr_assert_eq(n, 10);
  for (int i = 0; i < n; i++) cr_assert_eq(sids[i], 1 + 2 * (i % 3));
  csctp_tx_free(&tx);
}

/* ---------------------------------------------------------------- PRIORITY */

Test(tx_sched_kinds, priority_is_strict_and_round_robin_within_a_class) {
  sched s;
  s_init(&s, CSCTP_TXS_PRIORITY, 1000);
  s_prio(&s, 1, 128);
  s_prio(&s, 3, 1024);
  s_prio(&s, 5, 512);
  s_prio(&s, 7, 1024);
  for (int i = 0; i < 3; i++)
    for (uint16_t id = 1; id <= 7; id += 2) s_push(&s, id, i == 1 ? 9000 : 100);
  const int want[] = {3, 7, 3, 7, 3, 7, 5, 5};
  s_expect(&s, want, 8);
  /* A message of a higher class queued now goes next. */
  s_push(&s, 7, 100);
  cr_assert_eq(s_pop(&s), 7);
  cr_assert_eq(s_pop(&s), 5);
  /* Priorities change live. */
  s_push(&s, 5, 100);
  s_prio(&s, 1, 2000);
  const int rest[] = {1, 1, 1, 5};
  s_expect(&s, rest, 4);
  cr_assert_eq(s_pop(&s), -1);
  s_free(&s);
}

/* ---------------------------------------------------------------- FAIR and WFQ */

Test(tx_sched_kinds, fair_gives_equal_bytes_whatever_the_priorities) {
  const uint32_t Q = 2000, MAXLEN = 5000;
  sched s;
  s_init(&s, CSCTP_TXS_FAIR, Q);
  const uint16_t prio[4] = {128, 256, 512, 1024};
  const uint32_t len[4] = {300, 1500, 100, MAXLEN};
  for (int i = 0; i < 4; i++) {
    s_prio(&s, (uint16_t)(1 + 2 * i), prio[i]);
    s_backlog(&s, (uint16_t)(1 + 2 * i), len[i], 3);
  }
  const double bound = 2.0 * (Q + MAXLEN);
  while (s.total < 2000000) {
    cr_assert_geq(s_pop(&s), 0);
    for (int i = 0; i < 4; i++) s_check_share(&s, (uint16_t)(1 + 2 * i), 0.25, bound);
  }
  s_free(&s);
}

Test(tx_sched_kinds, wfq_shares_follow_the_weights_within_three_percent) {
  /* The data channel levels 128, 256, 512, 1024: 1 : 2 : 4 : 8 of the bytes, with messages of
   * different sizes; the queue comes to WFQ from FAIR with a backlog. */
  sched s;
  s_init(&s, CSCTP_TXS_FAIR, 0);
  const uint16_t prio[4] = {128, 256, 512, 1024};
  const uint32_t len[4] = {1200, 16000, 100, 4000};
  for (int i = 0; i < 4; i++) {
    s_prio(&s, (uint16_t)(1 + 2 * i), prio[i]);
    s_backlog(&s, (uint16_t)(1 + 2 * i), len[i], 3);
  }
  for (int i = 0; i < 1000; i++) s_pop(&s);
  csctp_tx_sched_set_kind(&s.q, CSCTP_TXS_WFQ);
  memset(s.bytes, 0, sizeof(s.bytes));
  s.total = 0;
  while (s.total < 8000000) cr_assert_geq(s_pop(&s), 0);
  for (int i = 0; i < 4; i++) {
    double share = (double)s.bytes[1 + 2 * i] / (double)s.total, want = prio[i] / 1920.0;
    cr_assert(share > want * 0.97 && share < want * 1.03, "priority %u: share %.4f, want %.4f",
              prio[i], share, want);
  }
  s_free(&s);
}

/* ---------------------------------------------------------------- switching */

Test(tx_sched_kinds, switching_kinds_with_a_backlog_loses_and_duplicates_nothing) {
  sched s;
  s_init(&s, CSCTP_TXS_WFQ, 1000);
  csctp_prng r;
  csctp_prng_seed(&r, 5);
  s_prio(&s, 2, 1024);
  s_prio(&s, 4, 128);
  uint32_t pushed = 0, popped = 0;
  for (int step = 0; step < 60; step++) {
    /* Some pushes (big ones leave WFQ streams WAITING), a pause now and then. */
    int k = (int)(csctp_prng_next(&r) % 40);
    for (int i = 0; i < k; i++, pushed++)
      s_push(&s, (uint16_t)(csctp_prng_next(&r) % NS),
             4 + (uint32_t)(csctp_prng_next(&r) % (i % 5 ? 800 : 9000)));
    if (step % 7 == 3) csctp_tx_queue_pause(&s.q, s_stream(&s, 6));
    if (step % 7 == 5) csctp_tx_queue_unpause(&s.q, s_stream(&s, 6));
    int m = (int)(csctp_prng_next(&r) % 40);
    for (int i = 0; i < m && s_pop(&s) >= 0; i++) popped++;
    int kind = (int)(csctp_prng_next(&r) % CSCTP_TXS_KINDS);
    if (kind == CSCTP_TXS_RR_PACKET) csctp_tx_sched_packet_begin(&s.q);
    csctp_tx_sched_set_kind(&s.q, kind);
    cr_assert_eq(s.q.kind, kind);
  }
  csctp_tx_queue_unpause(&s.q, s_stream(&s, 6));
  while (s_pop(&s) >= 0) popped++;
  cr_assert_eq(popped, pushed, "%u of %u messages came out", popped, pushed);
  cr_assert_eq(s.q.n_msgs, 0u);
  cr_assert_null(csctp_tx_queue_peek(&s.q));
  for (uint32_t t = 0; t < pushed; t++) cr_assert(s.seen[t], "message %u lost", t);
  s_free(&s);
}

Test(tx_sched_kinds, tx_rejects_an_unknown_kind) {
  csctp_tx tx;
  tx_open(&tx, CSCTP_TXS_PRIORITY);
  cr_assert_eq(csctp_tx_get_scheduler(&tx), CSCTP_TXS_PRIORITY);
  cr_assert_eq(csctp_tx_set_scheduler(&tx, CSCTP_TXS_KINDS), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_tx_set_scheduler(&tx, -1), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_tx_get_scheduler(&tx), CSCTP_TXS_PRIORITY);
  csctp_tx_free(&tx);
}

/* ---------------------------------------------------------------- two associations */

/* The stream of every DATA chunk in packet p, appended to got[] (at most max in all). */
static void tap_data(const pkt *p, int *got, int *k, int max) {
  for (size_t off = 12; off + 4 <= p->len;) {
    uint16_t clen = (uint16_t)((p->b[off + 2] << 8) | p->b[off + 3]);
    cr_assert_geq(clen, 4);
    if (p->b[off] == CSCTP_CHUNK_DATA) {
      cr_assert_lt(*k, max);
      got[(*k)++] = (p->b[off + 8] << 8) | p->b[off + 9];
    }
    off += (clen + 3u) & ~3u;
  }
}

/*
 * Queues messages of `len` bytes on streams[0..n) in that order on x (stream 1 at priority
 * 256, stream 3 at 1024, quantum 1000), runs the association pair without loss, and returns the
 * streams of the DATA chunks x sent, in TSN order (one chunk per message).
 */
static int pair_order(int kind, const uint16_t *streams, int n, uint32_t len, int *got, int max) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  establish(&x, &y, 0);
  cr_assert_eq(csctp_assoc_set_scheduler(x.a, (csctp_sched)kind), 0);
  cr_assert_eq(csctp_assoc_get_scheduler(x.a), (csctp_sched)kind);
  cr_assert_eq(csctp_assoc_set_stream_priority(x.a, 1, 256), 0);
  cr_assert_eq(csctp_assoc_set_stream_priority(x.a, 3, 1024), 0);
  cr_assert_eq(csctp_assoc_set_sched_quantum(x.a, 1000), 0); /* WFQ: 1 and 4 messages a round */
  static uint8_t buf[4096];
  for (int i = 0; i < n; i++) {
    csctp_send_opts o = {0};
    o.stream = streams[i];
    o.ppid = 51;
    cr_assert_eq(csctp_assoc_send(x.a, &o, buf, len, 0), 0);
  }
  int k = 0;
  for (csctp_tstamp now = 0; now < 5000 * CSCTP_MILLISECONDS && k < n;
       now += 10 * CSCTP_MILLISECONDS) {
    if (csctp_assoc_expiry(x.a) <= now) csctp_assoc_handle_expiry(x.a, now);
    if (csctp_assoc_expiry(y.a) <= now) csctp_assoc_handle_expiry(y.a, now);
    static pkt p[64];
    int n1 = side_pull(&x, p, 64, now);
    for (int i = 0; i < n1; i++) {
      tap_data(&p[i], got, &k, max);
      cr_assert_eq(csctp_assoc_read_packet(y.a, p[i].b, p[i].len, now), 0);
    }
    int n2 = side_pull(&y, p, 64, now);
    for (int i = 0; i < n2; i++)
      cr_assert_eq(csctp_assoc_read_packet(x.a, p[i].b, p[i].len, now), 0);
    x.nev = y.nev = 0;
    side_drain_events(&x);
    side_drain_events(&y);
  }
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
  return k;
}

Test(tx_sched_kinds, assoc_priority_sends_the_high_stream_first) {
  uint16_t streams[40];
  for (int i = 0; i < 40; i++) streams[i] = i < 20 ? 1 : 3; /* stream 3 queued last */
  int got[40];
  cr_assert_eq(pair_order(CSCTP_SCHED_PRIORITY, streams, 40, 1000, got, 40), 40);
  for (int i = 0; i < 40; i++) cr_assert_eq(got[i], i < 20 ? 3 : 1, "message %d", i);
}

Test(tx_sched_kinds, assoc_fcfs_keeps_the_order_of_sending_across_streams) {
  uint16_t streams[40];
  csctp_prng r;
  csctp_prng_seed(&r, 3);
  for (int i = 0; i < 40; i++) streams[i] = csctp_prng_next(&r) & 1 ? 1 : 3;
  int got[40];
  cr_assert_eq(pair_order(CSCTP_SCHED_FCFS, streams, 40, 1000, got, 40), 40);
  for (int i = 0; i < 40; i++) cr_assert_eq(got[i], streams[i], "message %d", i);
}

Test(tx_sched_kinds, assoc_wfq_weighs_the_streams) {
  /* 60 messages each queued on stream 1 (256) then stream 3 (1024): of the first 50
   * sent, 4 in 5 are stream 3's. */
  uint16_t streams[120];
  for (int i = 0; i < 120; i++) streams[i] = i < 60 ? 1 : 3;
  int got[120];
  cr_assert_eq(pair_order(CSCTP_SCHED_WFQ, streams, 120, 1000, got, 120), 120);
  int high = 0;
  for (int i = 0; i < 50; i++) high += got[i] == 3;
  cr_assert(high >= 38 && high <= 42, "stream 3 had %d of the first 50", high);
}

Test(tx_sched_kinds, assoc_api_checks_its_arguments) {
  side s;
  side_new(&s, 7);
  cr_assert_eq(csctp_assoc_get_scheduler(s.a), CSCTP_SCHED_WFQ);
  cr_assert_eq(csctp_assoc_set_scheduler(NULL, CSCTP_SCHED_RR), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_assoc_set_scheduler(s.a, CSCTP_SCHED_COUNT), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_assoc_set_scheduler(s.a, (csctp_sched)-1), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_assoc_get_scheduler(s.a), CSCTP_SCHED_WFQ);
  for (int k = 0; k < CSCTP_SCHED_COUNT; k++) {
    cr_assert_eq(csctp_assoc_set_scheduler(s.a, (csctp_sched)k), 0);
    cr_assert_eq(csctp_assoc_get_scheduler(s.a), (csctp_sched)k);
  }
  cr_assert_eq(csctp_assoc_get_scheduler(NULL), CSCTP_SCHED_WFQ);
  csctp_assoc_del(s.a);
}
