/* SPDX-License-Identifier: MIT */
/*
 * The send scheduler of the tx (RFC 8260 §3): which stream's message goes
 * next, over the per-stream FIFOs of tx_queue.h. Without I-DATA a decision is
 * taken at message boundaries only (a message's fragments take consecutive
 * TSNs, RFC 9260 §6.9). Six kinds, chosen per queue and switchable at any
 * time (csctp_tx_sched_set_kind re-places the streams that have messages):
 *
 * WFQ (the default, §3.6): deficit round-robin (Shreedhar & Varghese, 1996).
 * Each stream has a deficit in bytes and a quantum, quantum * priority / 256.
 * In each round every stream gets its quantum once and sends the messages
 * that fit its deficit, which is what DRR gives a stream per round; within a
 * round the streams that can still send take one message each in turn (the
 * READY list), so small messages of several streams interleave. A stream
 * whose head does not fit waits for the next round (the WAITING list),
 * keeping its deficit: a message larger than the quantum gets through after
 * ceil(len / quantum) rounds. A round starts when no stream is READY at the
 * moment a message is taken; when several rounds would pass before anyone can
 * send, they are added in one step. A stream whose queue empties (or that a
 * pause holds) loses its deficit and leaves; when it has a message again it
 * joins the current round with one quantum, unless it had its quantum in this
 * round already (then it waits for the next: one quantum per round, however
 * often a stream empties and refills). A message queued when no stream is
 * scheduled begins a new round. Cost: O(1) per message, plus O(WAITING
 * streams) per round start.
 * FAIR (§3.5): the same with every stream's quantum equal (priorities ignored):
 * equal byte shares.
 * RR (§3.2): the READY list with a deficit that never runs out: one message
 * per stream in turn, whatever their sizes. O(1).
 * RR_PACKET (§3.3): the same, but the stream at the head of the READY list
 * keeps it for a whole packet: csctp_tx_sched_packet_begin, called when a
 * packet begins, sends the stream that served the last one to the back. O(1).
 * PRIORITY (§3.4) and FCFS (§3.1) keep the streams that may send on one list
 * (the WAITING list's links, state CSCTP_TXS_SCAN or _FCFS_ON; wait_best is
 * their choice, so peek stays inline) and scan it per message taken:
 * PRIORITY takes the highest priority value present (bigger is more
 * important, as in DCEP: usrsctp's SCTP_SS_PRIORITY serves the lowest value
 * first), the first on the list among equals, and sends it to the back of the
 * list (round robin within a class); FCFS takes the stream whose head message
 * was queued first (each message gets a 32-bit queue order number at push).
 * O(streams with messages) per message, which is fine for the few streams of
 * data channels; switch to WFQ for thousands.
 */
#ifndef CSCTP_TX_SCHED_H
#define CSCTP_TX_SCHED_H

#include "tx_queue.h"

/* The kinds, equal to csctp_sched's values (checked in assoc_sched.c). */
enum {
  CSCTP_TXS_WFQ = 0,
  CSCTP_TXS_FCFS,
  CSCTP_TXS_RR,
  CSCTP_TXS_RR_PACKET,
  CSCTP_TXS_PRIORITY,
  CSCTP_TXS_FAIR,
  CSCTP_TXS_KINDS
};

/*
 * The message the scheduler would hand out now, or NULL. Changes nothing:
 * the decision is taken by csctp_tx_queue_pop, so a message queued between
 * peek and pop may go first (a new stream joins the current round).
 * For PRIORITY and FCFS, wait_best holds their choice, kept up to date.
 */
static inline csctp_tx_msg *csctp_tx_queue_peek(const csctp_tx_queue *q) {
  if (q->ready_head) return q->ready_head->head;
  return q->wait_best ? q->wait_best->head : NULL;
}
/* The general case of csctp_tx_queue_pop (tx_sched.c). */
csctp_tx_msg *csctp_tx_queue_pop_any(csctp_tx_queue *q);
/*
 * Takes the message csctp_tx_queue_peek returns now, charging it to its stream's deficit.
 * Inline when the only READY stream, not paused, stays READY after it (one busy stream).
 */
static inline csctp_tx_msg *csctp_tx_queue_pop(csctp_tx_queue *q) {
  csctp_tx_stream *st = q->ready_head;
  if (st && st == q->ready_tail && !st->paused) {
    csctp_tx_msg *m = st->head;
    csctp_tx_msg *next = m->next;
    if (next && next->len <= st->deficit - m->len) { /* READY: deficit >= m->len */
      st->head = next;
      m->next = NULL;
      q->n_msgs--;
      st->n_queued--;
      st->deficit -= m->len;
      return m;
    }
  }
  return csctp_tx_queue_pop_any(q);
}

/* Sets the quantum (bytes per round at the default priority; 0 = CSCTP_TX_QUANTUM_DEFAULT). */
void csctp_tx_queue_set_quantum(csctp_tx_queue *q, uint32_t quantum);
/* Sets a stream's priority (1..65535, CSCTP_TX_PRIORITY_DEFAULT = weight 1; 0 is taken as 1). */
void csctp_tx_queue_set_priority(csctp_tx_queue *q, csctp_tx_stream *st, uint16_t priority);

/*
 * Switches to scheduler `kind` (a CSCTP_TXS_* below CSCTP_TXS_KINDS): every
 * stream that has messages is placed again, in its current turn order, with
 * a fresh quantum; no message moves within its stream. O(streams with
 * messages).
 */
void csctp_tx_sched_set_kind(csctp_tx_queue *q, int kind);

/*
 * A packet begins: under RR_PACKET the stream that served the previous one
 * goes to the back of the turn (pkt_st is NULL under the other kinds).
 */
static inline void csctp_tx_sched_packet_begin(csctp_tx_queue *q) {
  csctp_tx_stream *st = q->pkt_st;
  if (!st) return;
  q->pkt_st = NULL;
  if (st == q->ready_head && st != q->ready_tail) {
    q->ready_head = st->rr_next;
    st->rr_next = NULL;
    q->ready_tail->rr_next = st;
    q->ready_tail = st;
  }
}

/* Re-places the streams of the scheduler's lists after csctp_tx_queue_drop emptied some. */
void csctp_tx_sched_replace(csctp_tx_queue *q);

/*
 * I-DATA (RFC 8260 §2.2.2): the scheduler decides per fragment, so a small
 * message of one stream goes out between two fragments of a large one on
 * another. A message in progress stays at the head of its stream's FIFO
 * (sent > 0) until its last fragment; its stream is the only place it is
 * queued, so each stream has at most one message in progress.
 * csctp_tx_sched_set_frag(q, f): from now on a turn costs the next fragment,
 * min(len - sent, f), instead of the whole message (f = 0: DATA again).
 * csctp_tx_sched_pick: the stream whose head gets the next fragment, or NULL
 * (it may start a new round; it takes nothing). csctp_tx_sched_sent: that
 * stream's head lost a fragment of `len` bytes, its last when `last` (the
 * message leaves the FIFO); charges it and moves the turn on: WFQ, FAIR, RR
 * and PRIORITY one fragment per turn, RR_PACKET one packet, FCFS one message.
 */
void csctp_tx_sched_set_frag(csctp_tx_queue *q, uint32_t frag);
csctp_tx_stream *csctp_tx_sched_pick(csctp_tx_queue *q);
void csctp_tx_sched_sent(csctp_tx_queue *q, csctp_tx_stream *st, uint32_t len, int last);
/* Takes st's head message off its FIFO outside its turn (an abandoned message in progress);
 * st keeps its deficit and is placed again. O(streams with messages). */
void csctp_tx_sched_drop_head(csctp_tx_queue *q, csctp_tx_stream *st);

#endif
