/* SPDX-License-Identifier: MIT */
/*
 * Partial delivery (RFC 9260 §6.9, csctp_config.partial_delivery_point): a
 * message larger than the receive window is still received, handed out in
 * pieces, while what the receiver holds stays bounded by the window.
 *
 * Two engines on the simulated link (seeded loss and reordering, virtual
 * clock). The receiver's allocations are measured; its event handler joins the
 * pieces per stream and checks the rules of CSCTP_MSG_*: pieces have MORE,
 * every piece after the first CONTINUED, the last one CONTINUED only, and no
 * other message of the stream comes between the first piece and the last.
 * Each message's bytes are a function of (stream, index, offset), so a piece
 * out of place or a byte lost shows.
 */
#include <criterion/criterion.h>
#include <csctp/sctp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meter_mem.h"
#include "prng.h"
#include "reasm_util.h"
#include "simlink.h"

#define KIB 1024u
#define MIB (1024u * 1024u)
#define NSTREAMS 3

static meter_mem rm; /* the receiver's allocator */

static uint8_t pattern(uint16_t stream, uint32_t index, size_t off) {
  return (uint8_t)(off * 131u + index * 29u + stream * 7u + (off >> 9));
}

/* What the sender sends: on each stream, messages of the sizes in `sizes` (cycled). */
typedef struct plan {
  const size_t *sizes;
  size_t n_sizes;
  uint32_t per_stream; /* messages per stream */
  int unordered;       /* stream 2's messages are unordered */
  csctp_pr_policy pr;  /* policy of stream 1's messages */
  uint32_t pr_value;
} plan;

typedef struct rx_stream {
  uint8_t *buf; /* the message being joined (test memory, not the receiver's) */
  size_t len, cap;
  int in_pieces;
  uint32_t next_index; /* ordered streams: the index expected next */
  uint32_t done, aborted;
} rx_stream;

typedef struct run {
  const plan *p;
  csctp_assoc *tx, *rx;
  uint32_t sent[NSTREAMS];
  rx_stream st[NSTREAMS];
  uint8_t *msg;
  uint64_t pieces, rule_breaks, bad_bytes;
  int stream_of_pieces; /* stream with a message in pieces, -1 when none */
  size_t largest_piece;
} run;

static size_t msg_size(const plan *p, uint16_t stream, uint32_t index) {
  return p->sizes[(index + stream) % p->n_sizes];
}

static void pump(run *r, csctp_tstamp now) {
  for (uint16_t s = 0; s < NSTREAMS; s++)
    while (r->sent[s] < r->p->per_stream) {
      size_t len = msg_size(r->p, s, r->sent[s]);
      /* The index rides in the first 4 bytes (unordered messages may arrive in any order). */
      for (size_t i = 0; i < len; i++) r->msg[i] = pattern(s, r->sent[s], i);
      memcpy(r->msg, &r->sent[s], 4);
      csctp_send_opts o = {.stream = s, .ppid = 53, .unordered = s == 2 && r->p->unordered};
      if (s == 1) o.pr_policy = r->p->pr, o.pr_value = r->p->pr_value;
      int rv = csctp_assoc_send(r->tx, &o, r->msg, len, now);
      if (rv == CSCTP_ERR_WOULD_BLOCK) return;
      cr_assert_eq(rv, 0, "send: %s", csctp_strerror(rv));
      r->sent[s]++;
    }
}

static void on_tx(csctp_simlink *link, int side, const csctp_event *ev, void *user) {
  (void)side;
  run *r = user;
  if (ev->type == CSCTP_EVENT_SEND_BUFFER_LOW || ev->type == CSCTP_EVENT_CONNECTED)
    pump(r, csctp_simlink_now(link));
}

static void check_message(run *r, uint16_t s, const uint8_t *m, size_t len) {
  rx_stream *st = &r->st[s];
  uint32_t index;
  cr_assert_geq(len, 4);
  memcpy(&index, m, 4);
  int ordered = !(s == 2 && r->p->unordered);
  if (ordered) {
    /* Reliable ordered streams get every index in turn; on stream 1 abandoned ones are skipped. */
    if (index < st->next_index || (s != 1 && index != st->next_index)) r->rule_breaks++;
    st->next_index = index + 1;
  }
  if (len != msg_size(r->p, s, index)) {
    r->bad_bytes++;
    return;
  }
  for (size_t i = 4; i < len; i++)
    if (m[i] != pattern(s, index, i)) {
      r->bad_bytes++;
      return;
    }
  st->done++;
}

static void on_rx(csctp_simlink *link, int side, const csctp_event *ev, void *user) {
  (void)link, (void)side;
  run *r = user;
  if (ev->type != CSCTP_EVENT_MESSAGE) return;
  uint16_t s = ev->u.message.stream;
  cr_assert_lt(s, NSTREAMS);
  rx_stream *st = &r->st[s];
  uint32_t f = ev->u.message.flags;
  if (f & CSCTP_MSG_ABORTED) {
    if (!st->in_pieces || ev->u.message.len) r->rule_breaks++;
    st->in_pieces = 0;
    st->len = 0;
    st->aborted++;
    r->stream_of_pieces = -1;
    return;
  }
  /* CONTINUED exactly when pieces came before; one message in pieces at a time (whole
   * messages of other streams may come between its pieces). */
  if (!!(f & CSCTP_MSG_CONTINUED) != st->in_pieces) r->rule_breaks++;
  if ((f & (CSCTP_MSG_MORE | CSCTP_MSG_CONTINUED)) && r->stream_of_pieces >= 0 &&
      r->stream_of_pieces != s)
    r->rule_breaks++;
  if (!st->in_pieces && !(f & CSCTP_MSG_MORE)) { /* a whole message */
    check_message(r, s, ev->u.message.data, ev->u.message.len);
    return;
  }
  if (st->len + ev->u.message.len > st->cap) {
    st->cap = (st->len + ev->u.message.len) * 2;
    st->buf = realloc(st->buf, st->cap);
    cr_assert_not_null(st->buf);
  }
  memcpy(st->buf + st->len, ev->u.message.data, ev->u.message.len);
  st->len += ev->u.message.len;
  if (f & CSCTP_MSG_MORE) {
    r->pieces++;
    if (ev->u.message.len > r->largest_piece) r->largest_piece = ev->u.message.len;
    st->in_pieces = 1;
    r->stream_of_pieces = s;
    return;
  }
  st->in_pieces = 0;
  r->stream_of_pieces = -1;
  check_message(r, s, st->buf, st->len);
  st->len = 0;
}

static int all_in(csctp_simlink *link, void *user) {
  (void)link;
  run *r = user;
  for (int s = 0; s < NSTREAMS; s++)
    if (r->st[s].done + r->st[s].aborted < r->p->per_stream) return 0;
  return 1;
}

static int tx_idle(csctp_simlink *link, void *user) {
  run *r = user;
  if (all_in(link, user)) return 1;
  for (int s = 0; s < NSTREAMS; s++)
    if (r->sent[s] < r->p->per_stream) return 0;
  return csctp_assoc_buffered_amount(r->tx) == 0;
}

typedef struct result {
  size_t peak;     /* the receiver's peak live memory */
  size_t baseline; /* its live memory once established */
  uint64_t pieces, aborted, done;
  size_t largest_piece;
  csctp_stats rx_stats;
} result;

/* Sends `p` from a roomy sender to a receiver with window `rwnd` and partial delivery at `pd`. */
static result transfer(const plan *p, uint32_t rwnd, uint32_t pd, uint32_t max_msg, double loss,
                       uint64_t seed) {
  run r;
  memset(&r, 0, sizeof r);
  r.p = p;
  r.stream_of_pieces = -1;
  size_t biggest = 0;
  for (size_t i = 0; i < p->n_sizes; i++)
    if (p->sizes[i] > biggest) biggest = p->sizes[i];
  r.msg = malloc(biggest);
  cr_assert_not_null(r.msg);
  meter_mem_init(&rm);

  csctp_prng rng_a, rng_b;
  csctp_prng_seed(&rng_a, seed);
  csctp_prng_seed(&rng_b, seed + 1);
  csctp_config ca, cb;
  csctp_config_default(&ca);
  ca.rand = csctp_prng_rand_fn;
  ca.rand_user_data = &rng_a;
  ca.max_message_size = max_msg;
  ca.rwnd = max_msg;
  ca.sndbuf = (uint32_t)biggest * 2;
  ca.association_max_retrans = 100;
  csctp_config_default(&cb);
  cb.rand = csctp_prng_rand_fn;
  cb.rand_user_data = &rng_b;
  cb.mem = &rm.mem;
  cb.max_message_size = max_msg;
  cb.rwnd = rwnd;
  cb.partial_delivery_point = pd;
  cb.association_max_retrans = 100;
  cr_assert_eq(csctp_assoc_new(&r.tx, &ca), 0);
  cr_assert_eq(csctp_assoc_new(&r.rx, &cb), 0,
               "a window smaller than a message is allowed with "
               "partial delivery");
  csctp_assoc_set_send_buffer_low(r.tx, ca.sndbuf / 2);

  csctp_simlink_config lc;
  csctp_simlink_config_default(&lc);
  lc.seed = seed;
  for (int d = 0; d < 2; d++) {
    lc.dir[d].delay = 10000;
    lc.dir[d].loss = loss;
    lc.dir[d].reorder = loss;
    lc.dir[d].reorder_delay = 5000;
    lc.dir[d].bandwidth = 20u * 1000 * 1000;
    lc.dir[d].queue_bytes = 256u * 1024;
  }
  csctp_simlink *link = csctp_simlink_new(&lc);
  cr_assert_not_null(link);
  csctp_simlink_attach_assocs(link, r.tx, r.rx);
  csctp_simlink_set_event_handler(link, CSCTP_SIMLINK_A, on_tx, &r);
  csctp_simlink_set_event_handler(link, CSCTP_SIMLINK_B, on_rx, &r);
  cr_assert_eq(csctp_assoc_connect(r.tx, csctp_simlink_now(link)), 0);
  csctp_simlink_stop stop = csctp_simlink_run_until(link, tx_idle, &r, 600ull * 1000 * 1000);
  cr_assert_eq(stop, CSCTP_SIMLINK_DONE, "stopped: %s (done %u/%u/%u of %u)",
               csctp_simlink_stop_name(stop), r.st[0].done, r.st[1].done, r.st[2].done,
               p->per_stream);

  result res = {0};
  res.peak = rm.peak;
  res.pieces = r.pieces;
  res.largest_piece = r.largest_piece;
  for (int s = 0; s < NSTREAMS; s++) res.aborted += r.st[s].aborted, res.done += r.st[s].done;
  csctp_assoc_get_stats(r.rx, &res.rx_stats);
  cr_assert_eq(r.rule_breaks, 0, "pieces broke the CSCTP_MSG_* rules %llu times",
               (unsigned long long)r.rule_breaks);
  cr_assert_eq(r.bad_bytes, 0, "%llu messages came out wrong", (unsigned long long)r.bad_bytes);
  cr_assert_eq(res.rx_stats.partial_pieces, r.pieces);
  csctp_simlink_del(link);
  csctp_assoc_del(r.tx);
  csctp_assoc_del(r.rx);
  cr_assert_eq(rm.live, 0, "the receiver gave back everything (%zu bytes left)", rm.live);
  for (int s = 0; s < NSTREAMS; s++) free(r.st[s].buf);
  free(r.msg);
  return res;
}

/*
 * What the receiver may hold besides the window: one piece's worth past it
 * (the next TSN is still taken), the assembly room ahead and the piece handed
 * out (two pieces each), up to four idle buffers of two pieces, the delivery
 * buffer of the fragments map (window + piece) and the fixed maps.
 */
static size_t bound(uint32_t rwnd, uint32_t pd) {
  return (size_t)rwnd + pd + 4u * pd + 8u * pd + rwnd + pd + 256u * KIB;
}

static const size_t big_sizes[] = {8u * MIB, 3000, 1u * MIB + 1, 200};

static void big_messages(double loss, uint64_t seed) {
  plan p = {big_sizes, 4, 4, 1, CSCTP_PR_NONE, 0};
  uint32_t rwnd = 256 * KIB, pd = 32 * KIB;
  result res = transfer(&p, rwnd, pd, 16 * MIB, loss, seed);
  cr_assert_eq(res.done, 12, "every message arrived whole (%llu)", (unsigned long long)res.done);
  cr_assert_eq(res.aborted, 0);
  cr_assert_gt(res.pieces, 2 * (8u * MIB) / (rwnd + pd), "large messages came in pieces (%llu)",
               (unsigned long long)res.pieces);
  fprintf(stderr,
          "partial delivery, loss %.0f %%: 8 MiB messages through a %u KiB window: peak %.2f MiB "
          "(bound %.2f MiB), %llu pieces, largest %zu bytes\n",
          loss * 100, rwnd / KIB, (double)res.peak / MIB, (double)bound(rwnd, pd) / MIB,
          (unsigned long long)res.pieces, res.largest_piece);
  cr_assert_leq(res.peak, bound(rwnd, pd), "the receiver held %zu bytes (bound %zu)", res.peak,
                bound(rwnd, pd));
}

Test(partial_delivery, messages_32_times_the_window_arrive_in_pieces_no_loss) {
  big_messages(0, 101);
}
Test(partial_delivery, messages_32_times_the_window_arrive_in_pieces_1pct_loss) {
  big_messages(0.01, 102);
}
Test(partial_delivery, messages_32_times_the_window_arrive_in_pieces_5pct_loss) {
  big_messages(0.05, 103);
}

Test(partial_delivery, off_a_window_below_the_largest_message_is_refused) {
  csctp_prng rng;
  csctp_prng_seed(&rng, 1);
  csctp_config c;
  csctp_config_default(&c);
  c.rand = csctp_prng_rand_fn;
  c.rand_user_data = &rng;
  c.max_message_size = 2 * MIB;
  c.rwnd = 1 * MIB;
  csctp_assoc *a = NULL;
  cr_assert_eq(csctp_assoc_new(&a, &c), CSCTP_ERR_INVALID_ARGUMENT);
  c.partial_delivery_point = 64 * KIB;
  cr_assert_eq(csctp_assoc_new(&a, &c), 0);
  csctp_assoc_del(a);
}

Test(partial_delivery, small_messages_are_never_cut) {
  /* Messages below the partial delivery point come whole, even through a lossy link. */
  static const size_t sizes[] = {1000, 20000, 5, 30000};
  plan p = {sizes, 4, 200, 1, CSCTP_PR_NONE, 0};
  result res = transfer(&p, 256 * KIB, 64 * KIB, 1 * MIB, 0.02, 7);
  cr_assert_eq(res.done, 600);
  cr_assert_eq(res.pieces, 0, "%llu pieces", (unsigned long long)res.pieces);
}

Test(partial_delivery, abandoned_message_after_pieces_is_reported_aborted) {
  /* Stream 1 sends with maxRetransmits 0 over a lossy link: its 8 MiB messages lose chunks
   * for good, are abandoned (FORWARD TSN) after pieces went out, and the receiver hears
   * CSCTP_MSG_ABORTED; the other streams' messages all arrive, in order. */
  static const size_t sizes[] = {8u * MIB, 2000};
  plan p = {sizes, 2, 4, 0, CSCTP_PR_RTX, 0};
  uint32_t rwnd = 256 * KIB, pd = 32 * KIB;
  result res = transfer(&p, rwnd, pd, 16 * MIB, 0.005, 55);
  cr_assert_gt(res.aborted, 0, "a message in pieces was abandoned (%llu pieces, %llu whole)",
               (unsigned long long)res.pieces, (unsigned long long)res.done);
  cr_assert_eq(res.rx_stats.partial_aborted, res.aborted);
  cr_assert_leq(res.peak, bound(rwnd, pd));
}

/* ---- the reassembly's own rules, fragment by fragment ---- */

Test(partial_delivery, pieces_from_the_fragment_map_then_the_rest_joins_the_anchor) {
  /* A message whose B fragment arrives while another one is being assembled is held in the
   * fragment map; once it holds the receiver back (its run ends at the cumulative TSN) it is
   * handed out from there, and later fragments join what is left of it. */
  csctp_reasm *r = new_reasm(1 * MIB);
  csctp_reasm_set_partial(r, 1000);
  uint8_t a[600], b[600];
  memset(a, 'a', sizeof a);
  memset(b, 'b', sizeof b);
  /* Message X on stream 0 (TSN 1..3, its last fragment withheld), message Y on stream 1 from
   * TSN 4: Y's fragments go to the map while X is open. */
  cr_assert_eq(add(r, B, 1, 0, 0, a, 600), 0);
  cr_assert_eq(add(r, 0, 2, 0, 0, a, 600), 0);
  cr_assert_eq(add(r, B, 4, 1, 0, b, 600), 0);
  cr_assert_eq(add(r, 0, 5, 1, 0, b, 600), 0);
  csctp_rx_msg m;
  cr_assert_eq(csctp_reasm_pop_piece(r, 2, 0, &m), 1, "X holds the receiver back: a piece");
  cr_assert_eq(m.stream, 0);
  cr_assert_eq(m.len, 1200);
  cr_assert_eq(m.flags, CSCTP_MSG_MORE);
  cr_assert_eq(add(r, E, 3, 0, 0, a, 100), 0); /* X ends */
  cr_assert_eq(csctp_reasm_pop(r, &m), 1);
  cr_assert_eq(m.stream, 0);
  cr_assert_eq(m.len, 100);
  cr_assert_eq(m.flags, CSCTP_MSG_CONTINUED, "the last piece");
  cr_assert_eq(csctp_reasm_pop(r, &m), 0);
  /* Y runs up to cum (5): below the point, no piece unless forced. */
  csctp_reasm_set_partial(r, 5000);
  cr_assert_eq(csctp_reasm_pop_piece(r, 5, 0, &m), 0);
  cr_assert_eq(csctp_reasm_pop_piece(r, 5, 1, &m), 1, "forced: the window is nearly full");
  cr_assert_eq(m.stream, 1);
  cr_assert_eq(m.len, 1200);
  cr_assert_eq(m.flags, CSCTP_MSG_MORE);
  cr_assert(!memcmp(m.data, b, 600));
  cr_assert_eq(add(r, 0, 6, 1, 0, b, 600), 0);
  cr_assert_eq(add(r, 0, 7, 1, 0, b, 600), 0);
  csctp_reasm_set_partial(r, 1000);
  cr_assert_eq(csctp_reasm_pop_piece(r, 7, 0, &m), 1, "from the anchor on");
  cr_assert_eq(m.len, 1200);
  cr_assert_eq(m.flags, CSCTP_MSG_MORE | CSCTP_MSG_CONTINUED);
  /* A whole message of stream 1 may not come between Y's pieces; one of stream 2 may. */
  cr_assert_eq(add(r, B | E | U, 20, 1, 0, "u1", 2), 0);
  cr_assert_eq(add(r, B | E | U, 21, 2, 0, "u2", 2), 0);
  cr_assert_eq(csctp_reasm_pop(r, &m), 1);
  cr_assert_eq(m.stream, 2);
  cr_assert_eq(csctp_reasm_pop(r, &m), 0, "stream 1 waits for the end of Y");
  cr_assert_eq(add(r, E, 8, 1, 0, b, 10), 0);
  cr_assert_eq(csctp_reasm_pop(r, &m), 1);
  cr_assert_eq(m.stream, 1);
  cr_assert_eq(m.len, 10);
  cr_assert_eq(m.flags, CSCTP_MSG_CONTINUED, "Y's last piece first");
  cr_assert_eq(csctp_reasm_pop(r, &m), 1);
  cr_assert_eq(m.stream, 1);
  cr_assert_eq(m.len, 2);
  cr_assert_eq(m.flags, 0);
  cr_assert_eq(csctp_reasm_pop(r, &m), 0);
  del_reasm(r);
}

Test(partial_delivery, the_whole_message_counts_against_the_largest_size) {
  /* Pieces handed out still count: a message may not outgrow max_message_size in pieces. */
  csctp_reasm *r = new_reasm(3000);
  csctp_reasm_set_partial(r, 1000);
  uint8_t a[1000];
  memset(a, 'x', sizeof a);
  cr_assert_eq(add(r, B, 1, 0, 0, a, 1000), 0);
  cr_assert_eq(add(r, 0, 2, 0, 0, a, 1000), 0);
  csctp_rx_msg m;
  cr_assert_eq(csctp_reasm_pop_piece(r, 2, 0, &m), 1);
  cr_assert_eq(m.len, 2000);
  cr_assert_eq(add(r, 0, 3, 0, 0, a, 1000), 0);
  cr_assert_eq(add(r, 0, 4, 0, 0, a, 1), CSCTP_ERR_MSG_TOO_LARGE);
  del_reasm(r);
}

Test(partial_delivery, forward_tsn_after_pieces_hands_out_aborted_once) {
  csctp_reasm *r = new_reasm(1 * MIB);
  csctp_reasm_set_partial(r, 100);
  uint8_t a[500];
  memset(a, 'x', sizeof a);
  cr_assert_eq(add(r, B | U, 1, 3, 0, a, 500), 0);
  csctp_rx_msg m;
  cr_assert_eq(csctp_reasm_pop_piece(r, 1, 0, &m), 1);
  cr_assert_eq(m.flags, CSCTP_MSG_MORE);
  cr_assert_eq(add(r, B | E | U, 5, 3, 0, "later", 5), 0); /* waits behind the piece */
  cr_assert_eq(csctp_reasm_pop(r, &m), 0);
  csctp_reasm_forward(r, 4);
  cr_assert_eq(csctp_reasm_pop(r, &m), 1);
  cr_assert_eq(m.flags, CSCTP_MSG_ABORTED);
  cr_assert_eq(m.stream, 3);
  cr_assert_eq(m.len, 0);
  cr_assert_eq(csctp_reasm_pop(r, &m), 1, "then the stream's other messages");
  cr_assert_eq(m.len, 5);
  cr_assert_eq(m.flags, 0);
  cr_assert_eq(csctp_reasm_pop(r, &m), 0);
  del_reasm(r);
}

Test(partial_delivery, a_message_begun_right_after_one_in_pieces_aborts_it) {
  /* Fuzzing found it: X (stream 0) is in pieces when a new message Y of the same stream
   * begins at the next TSN. X can never complete (its fragments would be consecutive): it
   * is reported ABORTED at once, its assembly given back, and Y is handed out after it,
   * never as a piece of X. */
  csctp_reasm *r = new_reasm(1 * MIB);
  csctp_reasm_set_partial(r, 100);
  uint8_t a[500];
  memset(a, 'x', sizeof a);
  cr_assert_eq(add(r, B | U, 1, 0, 0, a, 200), 0);
  csctp_rx_msg m;
  cr_assert_eq(csctp_reasm_pop_piece(r, 1, 0, &m), 1);
  cr_assert_eq(m.flags, CSCTP_MSG_MORE);
  cr_assert_eq(add(r, B | U, 2, 0, 0, a, 300), 0); /* Y begins: X stopped */
  cr_assert_eq(csctp_reasm_pop(r, &m), 1);
  cr_assert_eq(m.flags, CSCTP_MSG_ABORTED);
  cr_assert_eq(m.stream, 0);
  cr_assert_eq(csctp_reasm_pop_piece(r, 2, 0, &m), 1, "now Y, from its own first byte");
  cr_assert_eq(m.flags, CSCTP_MSG_MORE, "a first piece, not CONTINUED");
  cr_assert_eq(m.len, 300);
  cr_assert_eq(add(r, E | U, 3, 0, 0, a, 10), 0);
  cr_assert_eq(csctp_reasm_pop(r, &m), 1);
  cr_assert_eq(m.flags, CSCTP_MSG_CONTINUED);
  cr_assert_eq(m.len, 10);
  csctp_reasm_release(r);
  cr_assert_eq(csctp_reasm_bytes(r), 0, "nothing of X is held any more");
  del_reasm(r);
}

Test(partial_delivery, a_stopped_message_is_dropped_without_forward_tsn) {
  /* Without partial delivery too: a message stopped part way (no E) and followed at once by
   * another is dropped when the other begins, instead of holding window bytes until a
   * FORWARD TSN that may never come (every TSN of it arrived). */
  csctp_reasm *r = new_reasm(1 * MIB);
  uint8_t a[300];
  memset(a, 'x', sizeof a);
  cr_assert_eq(add(r, B | U, 1, 2, 0, a, 300), 0);
  cr_assert_eq(add(r, U, 2, 2, 0, a, 300), 0);
  cr_assert_eq(csctp_reasm_bytes(r), 600);
  cr_assert_eq(add(r, B | E | U, 3, 2, 0, "next", 4), 0);
  cr_assert_eq(csctp_reasm_bytes(r), 4, "the stopped message is gone");
  csctp_rx_msg m;
  cr_assert_eq(csctp_reasm_pop(r, &m), 1);
  cr_assert_eq(m.len, 4);
  cr_assert_eq(m.flags, 0, "no notice: nothing of it was handed out");
  del_reasm(r);
}

Test(partial_delivery, a_second_message_with_the_ssn_of_the_one_in_pieces_is_refused) {
  /* Fuzzing found it: the anchor left in the fragment map by a piece holds the SSN of its
   * message as much as the assembly does. */
  csctp_reasm *r = new_reasm(1 * MIB);
  csctp_reasm_set_partial(r, 100);
  uint8_t a[500];
  memset(a, 'x', sizeof a);
  cr_assert_eq(add(r, B, 1, 1, 0, a, 10), 0);  /* stream 1 SSN 0: in the assembly */
  cr_assert_eq(add(r, B, 3, 1, 1, a, 200), 0); /* SSN 1: waits, in the fragment map */
  cr_assert_eq(add(r, E, 2, 1, 0, a, 10), 0);  /* SSN 0 complete */
  csctp_rx_msg m;
  cr_assert_eq(csctp_reasm_pop(r, &m), 1);
  cr_assert_eq(csctp_reasm_pop_piece(r, 3, 0, &m), 1, "SSN 1 in pieces, from the map");
  cr_assert_eq(m.ssn, 1);
  cr_assert_eq(add(r, B | E, 9, 1, 1, "dup", 3), CSCTP_ERR_MALFORMED);
  del_reasm(r);
}
