/* SPDX-License-Identifier: MIT */
/* The send scheduler over the tx queue's streams (RFC 8260 §3; see tx_sched.h). */
#include "tx_sched.h"

/* RR kinds: a deficit that never runs out (2^62 bytes), so a stream is always READY. */
#define TXS_ENDLESS ((uint64_t)1 << 62)

/* csctp_tx_queue_push calls in when (sched & 3) == 0: IDLE streams, and FCFS to stamp. */
_Static_assert(CSCTP_TXS_IDLE == 0 && (CSCTP_TXS_READY & 3) != 0 && (CSCTP_TXS_WAITING & 3) != 0 &&
                   (CSCTP_TXS_SCAN & 3) != 0 && (CSCTP_TXS_FCFS_ON & 3) == 0,
               "stream states and the push test disagree");

/* Kinds that keep the READY / WAITING lists with quanta that run out and rounds. */
static int txs_rounds_kind(const csctp_tx_queue *q) {
  return q->kind == CSCTP_TXS_WFQ || q->kind == CSCTP_TXS_FAIR;
}

/* Kinds that scan one list per message (PRIORITY, FCFS). */
static int txs_scan_kind(const csctp_tx_queue *q) { return q->scan; }

/* A stream may be handed out by the scheduler: it has a message that is not held by a pause. */
static int txs_eligible(const csctp_tx_stream *st) {
  return st->head && (!st->paused || st->hold > 0);
}

/* The stream's quantum: WFQ weighs the queue's by priority / 256 (at least 1 byte). */
static uint64_t txs_quantum(const csctp_tx_queue *q, const csctp_tx_stream *st) {
  if (q->kind == CSCTP_TXS_WFQ) {
    uint64_t v = ((uint64_t)q->quantum * st->priority) / CSCTP_TX_PRIORITY_DEFAULT;
    return v ? v : 1;
  }
  return q->kind == CSCTP_TXS_FAIR ? q->quantum : TXS_ENDLESS;
}

/* What a stream's next turn costs: its head message (DATA), or its next fragment (I-DATA). */
static inline uint32_t txs_cost(const csctp_tx_queue *q, const csctp_tx_msg *m) {
  if (__builtin_expect(!q->frag, 1)) return m->len;
  uint32_t rem = m->len - m->sent;
  return rem < q->frag ? rem : q->frag;
}

/* Rounds until a WAITING stream's head fits its deficit (>= 1). */
static uint64_t txs_rounds(const csctp_tx_queue *q, const csctp_tx_stream *st) {
  uint64_t qs = txs_quantum(q, st);
  return (txs_cost(q, st->head) - st->deficit + qs - 1) / qs;
}

static void txs_append(csctp_tx_stream **head, csctp_tx_stream **tail, csctp_tx_stream *st) {
  st->rr_next = NULL;
  if (*tail)
    (*tail)->rr_next = st;
  else
    *head = st;
  *tail = st;
}

/* 1 when a (SCAN list) should go before b: FCFS by queue order (serial), PRIORITY by value. */
static int txs_before(const csctp_tx_queue *q, const csctp_tx_stream *a, const csctp_tx_stream *b) {
  if (q->kind == CSCTP_TXS_FCFS) return (int32_t)(a->head->order - b->head->order) < 0;
  return a->priority > b->priority;
}

/* The SCAN list's choice; *prev is the stream before it on the list (NULL: the first). */
static csctp_tx_stream *txs_scan(const csctp_tx_queue *q, csctp_tx_stream **prev) {
  csctp_tx_stream *best = q->wait_head, *p = best;
  *prev = NULL;
  if (!best) return NULL;
  for (csctp_tx_stream *st = best->rr_next; st; p = st, st = st->rr_next) {
    if (txs_before(q, st, best)) {
      best = st;
      *prev = p;
    }
  }
  return best;
}

/* Puts an eligible stream on the list its kind and deficit call for. */
static void txs_place(csctp_tx_queue *q, csctp_tx_stream *st) {
  if (txs_scan_kind(q)) {
    st->sched = q->kind == CSCTP_TXS_FCFS ? CSCTP_TXS_FCFS_ON : CSCTP_TXS_SCAN;
    txs_append(&q->wait_head, &q->wait_tail, st);
    /* Last on the list: the choice only if strictly before the current one, or (I-DATA)
     * not after the one that just had its turn. */
    if (!q->wait_best || txs_before(q, st, q->wait_best) ||
        (q->served == q->wait_best && !txs_before(q, q->wait_best, st)))
      q->wait_best = st;
    q->served = NULL;
    return;
  }
  if (txs_cost(q, st->head) <= st->deficit) {
    st->sched = CSCTP_TXS_READY;
    if (q->served && q->served == q->ready_head) {
      /* I-DATA: the head had its turn (alone, it could not go to the back): a newcomer is
       * next, so a small message waits at most one fragment. */
      st->rr_next = q->ready_head;
      q->ready_head = st;
      q->served = NULL;
      return;
    }
    txs_append(&q->ready_head, &q->ready_tail, st);
    return;
  }
  st->sched = CSCTP_TXS_WAITING;
  txs_append(&q->wait_head, &q->wait_tail, st);
  /* Behind every other WAITING stream: it goes first only if it needs fewer rounds. */
  if (!q->wait_best || txs_rounds(q, st) < txs_rounds(q, q->wait_best)) q->wait_best = st;
}

/*
 * An IDLE stream that becomes eligible joins the current round with one
 * quantum, or with none if it had its quantum in this round already (so that
 * emptying and refilling does not buy extra turns). With nothing scheduled,
 * the round is over and a new one begins. Without rounds (RR kinds) it
 * simply joins the back of the turn.
 */
static void txs_join(csctp_tx_queue *q, csctp_tx_stream *st) {
  if (st->sched != CSCTP_TXS_IDLE || !txs_eligible(st)) return;
  if (!q->ready_head && !q->wait_head) q->round++;
  st->deficit = st->round == q->round && txs_rounds_kind(q) ? 0 : txs_quantum(q, st);
  st->round = q->round;
  txs_place(q, st);
}

static void txs_idle(csctp_tx_stream *st) {
  st->sched = CSCTP_TXS_IDLE;
  st->deficit = 0; /* DRR: a stream with nothing to send keeps no credit */
  st->rr_next = NULL;
}

/* The WAITING stream that fits first: fewest rounds, earliest on the list. O(WAITING). */
static void txs_find_best(csctp_tx_queue *q) {
  q->wait_best = NULL;
  if (txs_scan_kind(q)) { /* the scanned list */
    csctp_tx_stream *prev;
    q->wait_best = txs_scan(q, &prev);
    return;
  }
  uint64_t best = 0;
  for (csctp_tx_stream *st = q->wait_head; st; st = st->rr_next) {
    uint64_t r = txs_rounds(q, st);
    if (!q->wait_best || r < best) {
      q->wait_best = st;
      best = r;
    }
  }
}

/*
 * No stream is READY: the rounds until the best WAITING stream fits pass at
 * once, each WAITING stream gaining that many quanta; those that fit become
 * READY in WAITING order (the best is the first of them).
 */
static void txs_new_round(csctp_tx_queue *q) {
  uint64_t k = txs_rounds(q, q->wait_best);
  csctp_tx_stream *st = q->wait_head;
  q->wait_head = q->wait_tail = q->wait_best = NULL;
  q->round++;
  while (st) {
    csctp_tx_stream *next = st->rr_next;
    st->deficit += k * txs_quantum(q, st); /* k <= its rounds: no overflow */
    st->round = q->round;
    txs_place(q, st);
    st = next;
  }
}

void csctp_tx_queue_join(csctp_tx_queue *q, csctp_tx_stream *st) { txs_join(q, st); }

void csctp_tx_queue_join_push(csctp_tx_queue *q, csctp_tx_stream *st) {
  if (q->kind == CSCTP_TXS_FCFS) st->tail->order = q->order++;
  txs_join(q, st);
}

/* Takes the head message of st, the scheduler's choice (its stream's FIFO and counts). */
static csctp_tx_msg *txs_take(csctp_tx_queue *q, csctp_tx_stream *st) {
  csctp_tx_msg *m = st->head;
  st->head = m->next;
  if (!st->head) st->tail = NULL;
  m->next = NULL;
  q->n_msgs--;
  st->n_queued--;
  if (st->paused && st->hold) st->hold--;
  return m;
}

/* pop for PRIORITY and FCFS. */
static csctp_tx_msg *txs_pop_scan(csctp_tx_queue *q) {
  csctp_tx_stream *prev;
  csctp_tx_stream *st = txs_scan(q, &prev);
  if (!st) return NULL;
  csctp_tx_msg *m = txs_take(q, st);
  int more = txs_eligible(st);
  /* PRIORITY: to the back, behind its equals (round robin within a class); FCFS: stays. */
  if (more && (q->kind == CSCTP_TXS_FCFS || st == q->wait_tail)) {
    q->wait_best = txs_scan(q, &prev);
    return m;
  }
  if (prev)
    prev->rr_next = st->rr_next;
  else
    q->wait_head = st->rr_next;
  if (q->wait_tail == st) q->wait_tail = prev;
  if (more)
    txs_append(&q->wait_head, &q->wait_tail, st);
  else
    txs_idle(st);
  q->wait_best = txs_scan(q, &prev);
  return m;
}

/* pop for the kinds with READY / WAITING lists; rr_packet: the head keeps its turn. */
static inline __attribute__((always_inline)) csctp_tx_msg *txs_pop_lists(csctp_tx_queue *q,
                                                                         int rr_packet) {
  if (!q->ready_head) {
    if (!q->wait_best) return NULL;
    txs_new_round(q);
  }
  csctp_tx_stream *st = q->ready_head;
  csctp_tx_msg *m = txs_take(q, st);
  st->deficit -= m->len;
  int more = txs_eligible(st);
  if (rr_packet) {
    q->pkt_st = st;
    if (more) return m; /* keeps the head of the turn until the packet ends */
  } else if (more && st->head->len <= st->deficit) {
    /* Still READY: one message per turn, to the back (where it is already when alone). */
    if (st != q->ready_tail) {
      q->ready_head = st->rr_next;
      st->rr_next = NULL;
      q->ready_tail->rr_next = st;
      q->ready_tail = st;
    }
    return m;
  }
  q->ready_head = st->rr_next;
  if (!q->ready_head) q->ready_tail = NULL;
  if (more)
    txs_place(q, st); /* WAITING */
  else
    txs_idle(st);
  return m;
}

/* pop for the kinds other than WFQ: out of WFQ's way (its registers, its prologue). */
static __attribute__((noinline)) csctp_tx_msg *txs_pop_other(csctp_tx_queue *q) {
  if (txs_scan_kind(q)) return txs_pop_scan(q);
  return txs_pop_lists(q, q->kind == CSCTP_TXS_RR_PACKET);
}

csctp_tx_msg *csctp_tx_queue_pop_any(csctp_tx_queue *q) {
  if (__builtin_expect(q->kind == CSCTP_TXS_WFQ, 1)) return txs_pop_lists(q, 0);
  return txs_pop_other(q);
}

/* ---- I-DATA: a decision per fragment (RFC 8260 §2.2.2) ---- */

csctp_tx_stream *csctp_tx_sched_pick(csctp_tx_queue *q) {
  if (q->scan) return q->wait_best;
  if (!q->ready_head) {
    if (!q->wait_best) return NULL;
    txs_new_round(q);
  }
  return q->ready_head;
}

/* Unlinks st from the scanned list and puts it at its back (if still eligible) or idles it. */
static void txs_scan_requeue(csctp_tx_queue *q, csctp_tx_stream *st, int more) {
  csctp_tx_stream *prev = NULL;
  for (csctp_tx_stream *x = q->wait_head; x != st; x = x->rr_next) prev = x;
  if (prev)
    prev->rr_next = st->rr_next;
  else
    q->wait_head = st->rr_next;
  if (q->wait_tail == st) q->wait_tail = prev;
  if (more)
    txs_append(&q->wait_head, &q->wait_tail, st);
  else
    txs_idle(st);
}

void csctp_tx_sched_sent(csctp_tx_queue *q, csctp_tx_stream *st, uint32_t len, int last) {
  if (last) txs_take(q, st);
  int more = txs_eligible(st);
  q->served = NULL;
  if (q->scan) {
    /* PRIORITY: to the back after each fragment (round robin within a class); FCFS: the
     * stream keeps its place (its next head is its next message in queue order). */
    if (!more || (q->kind == CSCTP_TXS_PRIORITY && st != q->wait_tail))
      txs_scan_requeue(q, st, more);
    csctp_tx_stream *prev;
    q->wait_best = txs_scan(q, &prev);
    if (more && q->wait_best == st) q->served = st;
    return;
  }
  st->deficit -= len; /* len <= its cost <= deficit */
  if (q->kind == CSCTP_TXS_RR_PACKET) {
    q->pkt_st = st;
    if (more) return; /* keeps the head of the turn until the packet ends */
  } else if (more && txs_cost(q, st->head) <= st->deficit) {
    /* One fragment per turn: to the back (where it is already when alone). */
    if (st != q->ready_tail) {
      q->ready_head = st->rr_next;
      st->rr_next = NULL;
      q->ready_tail->rr_next = st;
      q->ready_tail = st;
    } else {
      q->served = st;
    }
    return;
  }
  q->ready_head = st->rr_next;
  if (!q->ready_head) q->ready_tail = NULL;
  if (more)
    txs_place(q, st); /* WAITING */
  else
    txs_idle(st);
}

/* Takes st off whichever list holds it, keeping its deficit. */
static void txs_unlink(csctp_tx_queue *q, csctp_tx_stream *st) {
  int ready = st->sched == CSCTP_TXS_READY;
  csctp_tx_stream **head = ready ? &q->ready_head : &q->wait_head;
  csctp_tx_stream **tail = ready ? &q->ready_tail : &q->wait_tail;
  csctp_tx_stream *prev = NULL;
  for (csctp_tx_stream *x = *head; x != st; x = x->rr_next) prev = x;
  if (prev)
    prev->rr_next = st->rr_next;
  else
    *head = st->rr_next;
  if (*tail == st) *tail = prev;
  st->rr_next = NULL;
  st->sched = CSCTP_TXS_IDLE;
}

void csctp_tx_sched_drop_head(csctp_tx_queue *q, csctp_tx_stream *st) {
  int listed = st->sched != CSCTP_TXS_IDLE;
  if (listed) txs_unlink(q, st);
  if (q->pkt_st == st) q->pkt_st = NULL;
  if (q->served == st) q->served = NULL;
  txs_take(q, st);
  if (listed && txs_eligible(st))
    txs_place(q, st); /* with the deficit it had */
  else
    txs_idle(st);
  txs_find_best(q);
}

void csctp_tx_sched_set_frag(csctp_tx_queue *q, uint32_t frag) {
  if (q->frag == frag) return;
  q->frag = frag;
  csctp_tx_sched_replace(q); /* turns now cost fragments: READY / WAITING again */
}

void csctp_tx_queue_set_quantum(csctp_tx_queue *q, uint32_t quantum) {
  q->quantum = quantum ? quantum : CSCTP_TX_QUANTUM_DEFAULT;
  txs_find_best(q);
}

void csctp_tx_queue_set_priority(csctp_tx_queue *q, csctp_tx_stream *st, uint16_t priority) {
  st->priority = priority ? priority : 1;
  if (st->sched == CSCTP_TXS_WAITING || st->sched == CSCTP_TXS_SCAN) txs_find_best(q);
}

/* Puts the streams of a list (linked by rr_next, taken off the queue) where they now belong,
 * in order: eligible ones by txs_place (keeping their deficits) or, with `rejoin`, as newcomers
 * with a fresh quantum; the others leave. */
static void txs_replace_list(csctp_tx_queue *q, csctp_tx_stream *st, int rejoin) {
  while (st) {
    csctp_tx_stream *next = st->rr_next;
    if (!txs_eligible(st)) {
      txs_idle(st);
    } else if (rejoin) {
      txs_idle(st);
      txs_join(q, st);
    } else {
      txs_place(q, st);
    }
    st = next;
  }
}

void csctp_tx_sched_replace(csctp_tx_queue *q) {
  csctp_tx_stream *ready = q->ready_head, *wait = q->wait_head;
  q->ready_head = q->ready_tail = q->wait_head = q->wait_tail = q->wait_best = NULL;
  q->pkt_st = q->served = NULL;
  txs_replace_list(q, ready, 0); /* keeps the round-robin order and the deficits */
  txs_replace_list(q, wait, 0);
}

/*
 * Entering FCFS: the queued messages were not stamped, so their order across streams is
 * unknown; they get one as if queued in turns, the i-th message of the j-th of n streams
 * (turn order first, then streams on no list) order base + i * n + j. O(messages).
 */
static uint32_t txs_stamp(csctp_tx_queue *q, csctp_tx_stream *st, uint32_t n, uint32_t j) {
  uint32_t k = 0;
  for (csctp_tx_msg *m = st->head; m; m = m->next, k++) m->order = q->order + k * n + j;
  return k;
}

static void txs_stamp_all(csctp_tx_queue *q) {
  uint32_t n = 0, j = 0, longest = 0, k;
  for (size_t i = 0; i < q->map_cap; i++) n += q->map[i] && q->map[i]->head;
  for (csctp_tx_stream *st = q->ready_head; st; st = st->rr_next)
    if ((k = txs_stamp(q, st, n, j++)) > longest) longest = k;
  for (csctp_tx_stream *st = q->wait_head; st; st = st->rr_next)
    if ((k = txs_stamp(q, st, n, j++)) > longest) longest = k;
  for (size_t i = 0; i < q->map_cap; i++) {
    csctp_tx_stream *st = q->map[i];
    if (st && st->head && st->sched == CSCTP_TXS_IDLE)
      if ((k = txs_stamp(q, st, n, j++)) > longest) longest = k;
  }
  q->order += longest * n;
}

void csctp_tx_sched_set_kind(csctp_tx_queue *q, int kind) {
  if (kind < 0 || kind >= CSCTP_TXS_KINDS || kind == q->kind) return;
  if (kind == CSCTP_TXS_FCFS) txs_stamp_all(q);
  csctp_tx_stream *ready = q->ready_head, *wait = q->wait_head;
  q->ready_head = q->ready_tail = q->wait_head = q->wait_tail = q->wait_best = NULL;
  q->pkt_st = q->served = NULL;
  q->kind = (uint8_t)kind;
  q->scan = kind == CSCTP_TXS_PRIORITY || kind == CSCTP_TXS_FCFS;
  q->round++; /* a new round: every stream joins it with one quantum */
  txs_replace_list(q, ready, 1);
  txs_replace_list(q, wait, 1);
}
