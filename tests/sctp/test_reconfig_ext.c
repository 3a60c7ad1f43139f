/* SPDX-License-Identifier: MIT */
/*
 * Stream reconfiguration beyond the Outgoing SSN Reset Request (RFC 6525):
 * the Incoming SSN Reset Request (§5.1.3, §5.2.3) and Add Outgoing / Add
 * Incoming Streams (§5.1.5, §5.1.6, §5.2.5, §5.2.6), both ways, between two
 * engines on a virtual clock, with the chunks on the wire inspected: one
 * request chunk in flight, retransmission with the same numbers, the answers
 * to requests that cross, and the streams usable afterwards.
 */
#include "ext_util.h"

/* The associations of the running test, deleted after it (Criterion runs one test per process). */
static csctp_assoc *live[2];

static void free_live(void) {
  csctp_assoc_del(live[0]);
  csctp_assoc_del(live[1]);
  live[0] = live[1] = NULL;
}

TestSuite(reconfig_ext, .fini = free_live);

/* Few streams, so that adding some is visible: 4 out, up to 8 in, on both sides. */
static void small_cfg(csctp_config *c) {
  c->association_max_retrans = 10;
  c->outbound_streams = 4;
  c->max_inbound_streams = 8;
}

static void pair(side *x, side *y) {
  side_new_cfg(x, 31, small_cfg);
  side_new_cfg(y, 32, small_cfg);
  live[0] = x->a;
  live[1] = y->a;
  establish(x, y, T0);
}

static void send_txt(side *s, uint16_t stream, const char *t, csctp_tstamp now) {
  csctp_send_opts o = {.stream = stream, .ppid = 51};
  cr_assert_eq(csctp_assoc_send(s->a, &o, (const uint8_t *)t, strlen(t), now), 0);
}

static int count_type(const side *s, csctp_event_type t) { return count_events(s, t); }

static const csctp_event *event_at(const side *s, csctp_event_type t, int k) {
  for (int i = 0; i < s->nev; i++)
    if (s->evs[i].type == t && k-- == 0) return &s->evs[i];
  return NULL;
}

/* ---- what went over the wire ---- */

typedef struct req_seen {
  uint16_t type;
  uint32_t seq, resp_seq;
  size_t n_streams;
  uint16_t first_stream;
  uint16_t n_new;
  int n_params_in_chunk;
} req_seen;

typedef struct wire {
  req_seen req[2][32]; /* requests sent by side 0 (x) / 1 (y) */
  int nreq[2];
  uint32_t resp_seq[2][32], resp_result[2][32]; /* responses sent */
  int nresp[2];
  int ssn[2][8][2][8]; /* SSN first seen per side, stream, payload "<a|b><digit>" */
  /* drops */
  uint16_t drop_req_type[2]; /* drop the first `drop_req_n` request chunks of this type */
  int drop_req_n[2];
  double loss;
  csctp_prng rng;
  int dropped;
} wire;

static void wire_note(wire *w, int from, const pkt *p, int *is_req_type) {
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, p->b, p->len);
  while (csctp_chunk_next(&it, &ch) == 1) {
    if (ch.type == CSCTP_CHUNK_DATA && ch.value_len == 14 &&
        (ch.value[12] == 'a' || ch.value[12] == 'b') && ch.value[13] >= '0' &&
        ch.value[13] <= '7') {
      uint16_t sid = csctp_get_u16(ch.value + 4);
      int *slot = &w->ssn[from][sid & 7][ch.value[12] - 'a'][ch.value[13] - '0'];
      if (sid < 8 && *slot < 0) *slot = csctp_get_u16(ch.value + 6);
    }
    if (ch.type != CSCTP_CHUNK_RECONFIG) continue;
    csctp_reconfig_chunk rc;
    cr_assert_eq(csctp_reconfig_decode(&ch, &rc), 0);
    for (size_t i = 0; i < rc.n_params; i++) {
      const csctp_reconfig_param *q = &rc.params[i];
      if (q->type == CSCTP_PARAM_RECONFIG_RESP) {
        if (w->nresp[from] < 32) {
          w->resp_seq[from][w->nresp[from]] = q->seq;
          w->resp_result[from][w->nresp[from]++] = q->result;
        }
        continue;
      }
      if (is_req_type && !*is_req_type) *is_req_type = q->type;
      if (w->nreq[from] == 32) continue;
      req_seen *r = &w->req[from][w->nreq[from]++];
      r->type = q->type;
      r->seq = q->seq;
      r->resp_seq = q->resp_seq;
      r->n_streams = q->n_streams;
      r->first_stream = q->n_streams ? csctp_reconfig_stream(q, 0) : 0xffff;
      r->n_new = q->n_new_streams;
      r->n_params_in_chunk = (int)rc.n_params;
    }
  }
}

static int wire_fn(int from, const pkt *p, void *u) {
  wire *w = u;
  int req_type = 0;
  wire_note(w, from, p, &req_type);
  if (req_type && req_type == w->drop_req_type[from] && w->drop_req_n[from] > 0) {
    w->drop_req_n[from]--;
    w->dropped++;
    return 1;
  }
  if (w->loss > 0 && csctp_prng_chance(&w->rng, w->loss)) {
    w->dropped++;
    return 1;
  }
  return 0;
}

static void wire_init(wire *w) {
  memset(w, 0, sizeof(*w));
  memset(w->ssn, 0xff, sizeof(w->ssn));
  csctp_prng_seed(&w->rng, 0x5eed);
}

static int count_req(const wire *w, int from, uint16_t type) {
  int n = 0;
  for (int i = 0; i < w->nreq[from]; i++) n += w->req[from][i].type == type;
  return n;
}

static const req_seen *req_at(const wire *w, int from, uint16_t type, int k) {
  for (int i = 0; i < w->nreq[from]; i++)
    if (w->req[from][i].type == type && k-- == 0) return &w->req[from][i];
  return NULL;
}

/* ---- Incoming SSN Reset Request (§5.1.3, §5.2.3) ---- */

/*
 * `asker` asks `sender` to reset stream 1 after two messages on it: the sender answers with an
 * Outgoing SSN Reset Request naming the Incoming request's number (§4.1), both sides report
 * the reset, and the sender's next message on stream 1 goes with SSN 0.
 */
static void check_in_reset(side *sender, side *asker, int sender_idx, double loss) {
  wire w;
  wire_init(&w);
  w.loss = loss;
  csctp_tstamp now = T0;
  side *x = sender_idx == 0 ? sender : asker, *y = sender_idx == 0 ? asker : sender;
  send_txt(sender, 1, "a0", now);
  send_txt(sender, 1, "a1", now);
  run_lossy(x, y, &now, now + 3 * CSCTP_SECONDS, wire_fn, &w);
  const uint16_t s1 = 1;
  cr_assert_eq(csctp_assoc_reset_incoming_streams(asker->a, &s1, 1, now), 0);
  run_lossy(x, y, &now, now + 10 * CSCTP_SECONDS, wire_fn, &w);
  int ai = 1 - sender_idx;
  const req_seen *in = req_at(&w, ai, CSCTP_PARAM_IN_SSN_RESET, 0);
  const req_seen *out = req_at(&w, sender_idx, CSCTP_PARAM_OUT_SSN_RESET, 0);
  cr_assert_not_null(in, "no Incoming SSN Reset Request went");
  cr_assert_not_null(out, "no Outgoing SSN Reset Request answered it");
  cr_assert_eq(in->n_streams, 1);
  cr_assert_eq(in->first_stream, 1);
  cr_assert_eq(out->resp_seq, in->seq, "§4.1: the answer carries the request's number");
  cr_assert_eq(out->n_streams, 1);
  cr_assert_eq(out->first_stream, 1);
  /* The sender reports it as a reset of its own outgoing stream, the asker twice. */
  const csctp_event *ev = event_at(sender, CSCTP_EVENT_STREAMS_RESET, 0);
  cr_assert_not_null(ev);
  cr_assert_eq(ev->u.streams_reset.incoming, 0);
  cr_assert_eq(ev->u.streams_reset.result, 0);
  cr_assert_eq(ev->u.streams_reset.n_streams, 1);
  cr_assert_eq(count_type(sender, CSCTP_EVENT_STREAMS_RESET), 1);
  ev = event_at(asker, CSCTP_EVENT_INCOMING_RESET_RESULT, 0);
  cr_assert_not_null(ev);
  cr_assert_eq(ev->u.streams_reset.result, 0);
  cr_assert_eq(ev->u.streams_reset.n_streams, 1);
  cr_assert_eq(count_type(asker, CSCTP_EVENT_INCOMING_RESET_RESULT), 1);
  ev = event_at(asker, CSCTP_EVENT_STREAMS_RESET, 0);
  cr_assert_not_null(ev);
  cr_assert_eq(ev->u.streams_reset.incoming, 1);
  cr_assert_eq(count_type(asker, CSCTP_EVENT_STREAMS_RESET), 1);
  /* Numbering starts over. */
  send_txt(sender, 1, "b0", now);
  send_txt(sender, 1, "b1", now);
  run_lossy(x, y, &now, now + 5 * CSCTP_SECONDS, wire_fn, &w);
  cr_assert_eq(count_type(asker, CSCTP_EVENT_MESSAGE), 4);
  cr_assert_eq(memcmp(msg_at(asker, 3)->u.message.data, "b1", 2), 0);
  cr_assert_eq(w.ssn[sender_idx][1][0][1], 1, "a1 went with SSN %d", w.ssn[sender_idx][1][0][1]);
  cr_assert_eq(w.ssn[sender_idx][1][1][0], 0, "b0 went with SSN %d", w.ssn[sender_idx][1][1][0]);
  cr_assert_eq(w.ssn[sender_idx][1][1][1], 1, "b1 went with SSN %d", w.ssn[sender_idx][1][1][1]);
  cr_assert_eq(csctp_assoc_get_state(sender->a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_get_state(asker->a), CSCTP_STATE_ESTABLISHED);
  if (loss > 0) cr_assert_gt(w.dropped, 0, "no packet was lost");
}

Test(reconfig_ext, in_reset_asked_by_passive_side) {
  side x, y;
  pair(&x, &y);
  check_in_reset(&x, &y, 0, 0);
}

Test(reconfig_ext, in_reset_asked_by_initiator) {
  side x, y;
  pair(&x, &y);
  check_in_reset(&y, &x, 1, 0);
}

Test(reconfig_ext, in_reset_under_20pct_loss) {
  side x, y;
  pair(&x, &y);
  check_in_reset(&x, &y, 0, 0.20);
}

/*
 * Data queued but not yet sent when the Incoming request arrives goes first: the sender's
 * Outgoing request waits until it has TSNs (§5.1.2), names the last of them, and messages
 * sent meanwhile wait and go numbered from SSN 0.
 */
Test(reconfig_ext, in_reset_waits_for_queued_data) {
  side x, y;
  pair(&x, &y);
  wire w;
  wire_init(&w);
  csctp_tstamp now = T0;
  const uint16_t s1 = 1;
  cr_assert_eq(csctp_assoc_reset_incoming_streams(y.a, &s1, 1, now), 0);
  pkt p[4];
  cr_assert_eq(side_pull(&y, p, 4, now), 1);
  wire_note(&w, 1, &p[0], NULL);
  send_txt(&x, 1, "a0", now); /* queued, not yet written */
  send_txt(&x, 1, "a1", now);
  cr_assert_eq(csctp_assoc_read_packet(x.a, p[0].b, p[0].len, now), 0);
  send_txt(&x, 1, "b0", now); /* after the request: waits for the reset */
  pkt q[8];
  int n = side_pull(&x, q, 8, now);
  int data_first = -1, req_at_pkt = -1;
  for (int i = 0; i < n; i++) {
    if (data_first < 0 && find_chunk(&q[i], CSCTP_CHUNK_DATA, NULL)) data_first = i;
    if (req_at_pkt < 0 && find_chunk(&q[i], CSCTP_CHUNK_RECONFIG, NULL)) req_at_pkt = i;
    wire_note(&w, 0, &q[i], NULL);
  }
  cr_assert_geq(data_first, 0);
  cr_assert_eq(w.nresp[0], 0, "§5.2.3: no Re-configuration Response, the request answers");
  run_lossy(&x, &y, &now, now + 3 * CSCTP_SECONDS, wire_fn, &w);
  const req_seen *out = req_at(&w, 0, CSCTP_PARAM_OUT_SSN_RESET, 0);
  cr_assert_not_null(out);
  cr_assert(req_at_pkt < 0 || req_at_pkt >= data_first, "the request went before its data");
  cr_assert_eq(w.ssn[0][1][0][0], 0);
  cr_assert_eq(w.ssn[0][1][0][1], 1);
  cr_assert_eq(w.ssn[0][1][1][0], 0, "b0 went with SSN %d", w.ssn[0][1][1][0]);
  cr_assert_eq(count_type(&y, CSCTP_EVENT_MESSAGE), 3);
  cr_assert_eq(memcmp(msg_at(&y, 2)->u.message.data, "b0", 2), 0);
  cr_assert_eq(count_type(&y, CSCTP_EVENT_STREAMS_RESET), 1);
  cr_assert_eq(count_type(&x, CSCTP_EVENT_STREAMS_RESET), 1);
}

/* n = 0 asks for every stream: the answer lists none (all), and every stream starts over. */
Test(reconfig_ext, in_reset_all_streams) {
  side x, y;
  pair(&x, &y);
  wire w;
  wire_init(&w);
  csctp_tstamp now = T0;
  send_txt(&x, 2, "a0", now);
  send_txt(&x, 3, "a0", now);
  run_lossy(&x, &y, &now, now + 200 * MS, wire_fn, &w);
  cr_assert_eq(csctp_assoc_reset_incoming_streams(y.a, NULL, 0, now), 0);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  const req_seen *out = req_at(&w, 0, CSCTP_PARAM_OUT_SSN_RESET, 0);
  cr_assert_not_null(out);
  cr_assert_eq(out->n_streams, 0);
  const csctp_event *ev = event_at(&y, CSCTP_EVENT_STREAMS_RESET, 0);
  cr_assert_not_null(ev);
  cr_assert_eq(ev->u.streams_reset.n_streams, 0);
  send_txt(&x, 2, "b0", now);
  send_txt(&x, 3, "b0", now);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  cr_assert_eq(w.ssn[0][2][1][0], 0);
  cr_assert_eq(w.ssn[0][3][1][0], 0);
  cr_assert_eq(count_type(&y, CSCTP_EVENT_MESSAGE), 4);
}

/* The Incoming request is lost: asked again with the same number, performed once. */
Test(reconfig_ext, in_reset_request_lost_retransmitted) {
  side x, y;
  pair(&x, &y);
  wire w;
  wire_init(&w);
  w.drop_req_type[1] = CSCTP_PARAM_IN_SSN_RESET;
  w.drop_req_n[1] = 1;
  csctp_tstamp now = T0;
  const uint16_t s2 = 2;
  cr_assert_eq(csctp_assoc_reset_incoming_streams(y.a, &s2, 1, now), 0);
  run_lossy(&x, &y, &now, now + 3 * CSCTP_SECONDS, wire_fn, &w);
  cr_assert_eq(count_req(&w, 1, CSCTP_PARAM_IN_SSN_RESET), 2);
  cr_assert_eq(req_at(&w, 1, CSCTP_PARAM_IN_SSN_RESET, 0)->seq,
               req_at(&w, 1, CSCTP_PARAM_IN_SSN_RESET, 1)->seq, "§5.1.1: same number");
  cr_assert_eq(count_req(&w, 0, CSCTP_PARAM_OUT_SSN_RESET), 1);
  cr_assert_eq(count_type(&x, CSCTP_EVENT_STREAMS_RESET), 1);
  cr_assert_eq(count_type(&y, CSCTP_EVENT_STREAMS_RESET), 1);
  cr_assert_eq(count_type(&y, CSCTP_EVENT_INCOMING_RESET_RESULT), 1);
}

/*
 * The answer (our Outgoing request) is lost: the asker asks again; the retransmitted Incoming
 * request gets no Re-configuration Response but the same Outgoing request again, and each
 * side reports the reset once.
 */
Test(reconfig_ext, in_reset_answer_lost) {
  side x, y;
  pair(&x, &y);
  wire w;
  wire_init(&w);
  w.drop_req_type[0] = CSCTP_PARAM_OUT_SSN_RESET;
  w.drop_req_n[0] = 1;
  csctp_tstamp now = T0;
  const uint16_t s2 = 2;
  cr_assert_eq(csctp_assoc_reset_incoming_streams(y.a, &s2, 1, now), 0);
  run_lossy(&x, &y, &now, now + 5 * CSCTP_SECONDS, wire_fn, &w);
  cr_assert_geq(count_req(&w, 0, CSCTP_PARAM_OUT_SSN_RESET), 2);
  const req_seen *o0 = req_at(&w, 0, CSCTP_PARAM_OUT_SSN_RESET, 0);
  const req_seen *o1 = req_at(&w, 0, CSCTP_PARAM_OUT_SSN_RESET, 1);
  cr_assert_eq(o0->seq, o1->seq);
  cr_assert_eq(o0->resp_seq, o1->resp_seq);
  for (int i = 0; i < w.nresp[0]; i++)
    cr_assert_neq(w.resp_seq[0][i], req_at(&w, 1, CSCTP_PARAM_IN_SSN_RESET, 0)->seq,
                  "the Incoming request was answered by a response (result %u)",
                  w.resp_result[0][i]);
  cr_assert_eq(count_type(&x, CSCTP_EVENT_STREAMS_RESET), 1);
  cr_assert_eq(count_type(&y, CSCTP_EVENT_STREAMS_RESET), 1);
  cr_assert_eq(count_type(&y, CSCTP_EVENT_INCOMING_RESET_RESULT), 1);
  cr_assert_eq(event_at(&y, CSCTP_EVENT_INCOMING_RESET_RESULT, 0)->u.streams_reset.result, 0);
}

/*
 * Requests that cross: x's Outgoing request is in flight when y's Incoming request arrives, so
 * x cannot send a second request (§5.1.1) and answers "Request already in progress"; y reports
 * the refusal, x's own reset completes, and y asking again succeeds.
 */
Test(reconfig_ext, in_reset_crossing_our_request_in_progress) {
  side x, y;
  pair(&x, &y);
  wire w;
  wire_init(&w);
  csctp_tstamp now = T0;
  const uint16_t s1 = 1, s2 = 2;
  cr_assert_eq(csctp_assoc_reset_streams(x.a, &s2, 1, now), 0);
  cr_assert_eq(csctp_assoc_reset_incoming_streams(y.a, &s1, 1, now), 0);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  const csctp_event *ev = event_at(&y, CSCTP_EVENT_INCOMING_RESET_RESULT, 0);
  cr_assert_not_null(ev);
  cr_assert_eq(ev->u.streams_reset.result, CSCTP_RECONFIG_ERR_IN_PROGRESS);
  ev = event_at(&x, CSCTP_EVENT_STREAMS_RESET, 0);
  cr_assert_not_null(ev);
  cr_assert_eq(ev->u.streams_reset.result, 0);
  cr_assert_eq(count_type(&y, CSCTP_EVENT_STREAMS_RESET), 1); /* x's reset of stream 2 */
  cr_assert_eq(csctp_assoc_reset_incoming_streams(y.a, &s1, 1, now), 0);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  ev = event_at(&y, CSCTP_EVENT_INCOMING_RESET_RESULT, 1);
  cr_assert_not_null(ev);
  cr_assert_eq(ev->u.streams_reset.result, 0);
  cr_assert_eq(count_type(&y, CSCTP_EVENT_STREAMS_RESET), 2);
  cr_assert_eq(count_type(&x, CSCTP_EVENT_STREAMS_RESET), 2);
}

/* Both Incoming requests at once: each side answers the other "in progress", both report it. */
Test(reconfig_ext, in_reset_both_ways_at_once_refused_then_retried) {
  side x, y;
  pair(&x, &y);
  wire w;
  wire_init(&w);
  csctp_tstamp now = T0;
  const uint16_t s1 = 1;
  cr_assert_eq(csctp_assoc_reset_incoming_streams(x.a, &s1, 1, now), 0);
  cr_assert_eq(csctp_assoc_reset_incoming_streams(y.a, &s1, 1, now), 0);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  for (int i = 0; i < 2; i++) {
    side *s = i ? &y : &x;
    const csctp_event *ev = event_at(s, CSCTP_EVENT_INCOMING_RESET_RESULT, 0);
    cr_assert_not_null(ev);
    cr_assert_eq(ev->u.streams_reset.result, CSCTP_RECONFIG_ERR_IN_PROGRESS);
    cr_assert_eq(count_type(s, CSCTP_EVENT_STREAMS_RESET), 0);
  }
  cr_assert_eq(csctp_assoc_reset_incoming_streams(x.a, &s1, 1, now), 0);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  cr_assert_eq(event_at(&x, CSCTP_EVENT_INCOMING_RESET_RESULT, 1)->u.streams_reset.result, 0);
  cr_assert_eq(count_type(&x, CSCTP_EVENT_STREAMS_RESET), 1);
  cr_assert_eq(count_type(&y, CSCTP_EVENT_STREAMS_RESET), 1);
}

/* An Outgoing and an Incoming request wait together: one chunk, consecutive numbers (§3.1). */
Test(reconfig_ext, out_and_in_reset_in_one_chunk) {
  side x, y;
  pair(&x, &y);
  wire w;
  wire_init(&w);
  csctp_tstamp now = T0;
  const uint16_t s1 = 1, s2 = 2;
  /* Queued behind a request in flight, then started together. */
  cr_assert_eq(csctp_assoc_reset_streams(x.a, &s2, 1, now), 0);
  cr_assert_eq(csctp_assoc_reset_streams(x.a, &s1, 1, now), 0);
  cr_assert_eq(csctp_assoc_reset_incoming_streams(x.a, &s2, 1, now), 0);
  run_lossy(&x, &y, &now, now + 1 * CSCTP_SECONDS, wire_fn, &w);
  cr_assert_eq(count_req(&w, 0, CSCTP_PARAM_OUT_SSN_RESET), 2);
  const req_seen *o = req_at(&w, 0, CSCTP_PARAM_OUT_SSN_RESET, 1);
  const req_seen *i = req_at(&w, 0, CSCTP_PARAM_IN_SSN_RESET, 0);
  cr_assert_not_null(i);
  cr_assert_eq(o->n_params_in_chunk, 2);
  cr_assert_eq(i->n_params_in_chunk, 2);
  cr_assert_eq(i->seq, o->seq + 1);
  cr_assert_eq(o->first_stream, 1);
  cr_assert_eq(i->first_stream, 2);
  cr_assert_eq(count_type(&x, CSCTP_EVENT_STREAMS_RESET), 3); /* out 2, out 1, in 2 */
  cr_assert_eq(count_type(&x, CSCTP_EVENT_INCOMING_RESET_RESULT), 1);
  cr_assert_eq(count_type(&y, CSCTP_EVENT_STREAMS_RESET), 3);
}

/* ---- Add Streams (§5.1.5, §5.1.6, §5.2.5, §5.2.6) ---- */

static void counts(const side *s, uint16_t *in, uint16_t *out) {
  csctp_assoc_get_stream_counts(s->a, in, out);
}

/* ERROR chunks sent (an Invalid Stream Identifier would show a stream not yet added). */
static int errors_sent(const side *s) {
  csctp_stats st;
  csctp_assoc_get_stats(s->a, &st);
  return (int)st.errors_sent;
}

/* x adds 3 outgoing streams: usable once y agreed, messages flow on them. */
static void check_add_out(double loss) {
  side x, y;
  pair(&x, &y);
  wire w;
  wire_init(&w);
  w.loss = loss;
  csctp_tstamp now = T0;
  uint16_t in, out;
  counts(&x, &in, &out);
  cr_assert_eq(out, 4);
  cr_assert_eq(csctp_assoc_add_streams(x.a, 3, 0, now), 0);
  csctp_send_opts o = {.stream = 6, .ppid = 51};
  cr_assert_eq(csctp_assoc_send(x.a, &o, (const uint8_t *)"a0", 2, now), CSCTP_ERR_STREAM_ID,
               "§5.1.5: not before the peer agreed");
  run_lossy(&x, &y, &now, now + 10 * CSCTP_SECONDS, wire_fn, &w);
  cr_assert_geq(count_req(&w, 0, CSCTP_PARAM_ADD_OUT_STREAMS), 1);
  cr_assert_eq(req_at(&w, 0, CSCTP_PARAM_ADD_OUT_STREAMS, 0)->n_new, 3);
  counts(&x, &in, &out);
  cr_assert_eq(out, 7);
  counts(&y, &in, &out);
  cr_assert_eq(in, 7);
  const csctp_event *ev = event_at(&x, CSCTP_EVENT_STREAMS_CHANGED, 0);
  cr_assert_not_null(ev);
  cr_assert_eq(ev->u.streams_changed.result, 0);
  cr_assert_eq(ev->u.streams_changed.outbound_streams, 7);
  cr_assert_eq(count_type(&x, CSCTP_EVENT_STREAMS_CHANGED), 1);
  ev = event_at(&y, CSCTP_EVENT_STREAMS_CHANGED, 0);
  cr_assert_not_null(ev);
  cr_assert_eq(ev->u.streams_changed.inbound_streams, 7);
  cr_assert_eq(count_type(&y, CSCTP_EVENT_STREAMS_CHANGED), 1, "added once, however often asked");
  send_txt(&x, 6, "a0", now);
  send_txt(&x, 4, "a1", now);
  run_lossy(&x, &y, &now, now + 10 * CSCTP_SECONDS, wire_fn, &w);
  cr_assert_eq(count_type(&y, CSCTP_EVENT_MESSAGE), 2);
  int got6 = 0;
  for (int k = 0; k < 2; k++) got6 += msg_at(&y, k)->u.message.stream == 6;
  cr_assert_eq(got6, 1);
  cr_assert_eq(errors_sent(&y), 0);
  if (loss > 0) cr_assert_gt(w.dropped, 0, "no packet was lost");
  free_live();
}

Test(reconfig_ext, add_out_streams) { check_add_out(0); }

Test(reconfig_ext, add_out_streams_under_20pct_loss) { check_add_out(0.20); }

/*
 * x asks y to add 2 outgoing streams (Add Incoming, §5.1.6): y answers "Performed" and sends
 * an Add Outgoing request of its own (§5.2.6); then y sends on the new streams.
 */
static void check_add_in(double loss) {
  side x, y;
  pair(&x, &y);
  wire w;
  wire_init(&w);
  w.loss = loss;
  csctp_tstamp now = T0;
  cr_assert_eq(csctp_assoc_add_streams(x.a, 0, 2, now), 0);
  run_lossy(&x, &y, &now, now + 10 * CSCTP_SECONDS, wire_fn, &w);
  const req_seen *ai = req_at(&w, 0, CSCTP_PARAM_ADD_IN_STREAMS, 0);
  const req_seen *ao = req_at(&w, 1, CSCTP_PARAM_ADD_OUT_STREAMS, 0);
  cr_assert_not_null(ai);
  cr_assert_not_null(ao, "y did not add its outgoing streams");
  cr_assert_eq(ai->n_new, 2);
  cr_assert_eq(ao->n_new, 2);
  uint16_t in, out;
  counts(&x, &in, &out);
  cr_assert_eq(in, 6);
  counts(&y, &in, &out);
  cr_assert_eq(out, 6);
  cr_assert_eq(count_type(&x, CSCTP_EVENT_STREAMS_CHANGED), 1);
  cr_assert_eq(event_at(&x, CSCTP_EVENT_STREAMS_CHANGED, 0)->u.streams_changed.inbound_streams, 6);
  cr_assert_eq(count_type(&y, CSCTP_EVENT_STREAMS_CHANGED), 1);
  cr_assert_eq(event_at(&y, CSCTP_EVENT_STREAMS_CHANGED, 0)->u.streams_changed.outbound_streams, 6);
  cr_assert_eq(x.a->rc.inflight, 0, "x's Add Incoming request is answered");
  cr_assert_eq(y.a->rc.inflight, 0);
  send_txt(&y, 5, "a0", now);
  run_lossy(&x, &y, &now, now + 10 * CSCTP_SECONDS, wire_fn, &w);
  cr_assert_eq(count_type(&x, CSCTP_EVENT_MESSAGE), 1);
  cr_assert_eq(msg_at(&x, 0)->u.message.stream, 5);
  cr_assert_eq(errors_sent(&x), 0);
  if (loss > 0) cr_assert_gt(w.dropped, 0, "no packet was lost");
  free_live();
}

Test(reconfig_ext, add_in_streams) { check_add_in(0); }

Test(reconfig_ext, add_in_streams_under_20pct_loss) { check_add_in(0.20); }

/* Both at once: one chunk holding Add Outgoing and Add Incoming (§3.1). */
Test(reconfig_ext, add_both_in_one_chunk) {
  side x, y;
  pair(&x, &y);
  wire w;
  wire_init(&w);
  csctp_tstamp now = T0;
  cr_assert_eq(csctp_assoc_add_streams(x.a, 1, 2, now), 0);
  run_lossy(&x, &y, &now, now + 1 * CSCTP_SECONDS, wire_fn, &w);
  const req_seen *ao = req_at(&w, 0, CSCTP_PARAM_ADD_OUT_STREAMS, 0);
  const req_seen *ai = req_at(&w, 0, CSCTP_PARAM_ADD_IN_STREAMS, 0);
  cr_assert_not_null(ao);
  cr_assert_not_null(ai);
  cr_assert_eq(ao->n_params_in_chunk, 2);
  cr_assert_eq(ai->seq, ao->seq + 1);
  uint16_t in, out;
  counts(&x, &in, &out);
  cr_assert_eq(in, 6);
  cr_assert_eq(out, 5);
  counts(&y, &in, &out);
  cr_assert_eq(in, 5);
  cr_assert_eq(out, 6);
  send_txt(&x, 4, "a0", now);
  send_txt(&y, 5, "a1", now);
  run_lossy(&x, &y, &now, now + 1 * CSCTP_SECONDS, wire_fn, &w);
  cr_assert_eq(count_type(&x, CSCTP_EVENT_MESSAGE), 1);
  cr_assert_eq(count_type(&y, CSCTP_EVENT_MESSAGE), 1);
}

/* Past the peer's max_inbound_streams: Denied, reported, nothing changed. */
Test(reconfig_ext, add_beyond_peer_maximum_denied) {
  side x, y;
  pair(&x, &y);
  wire w;
  wire_init(&w);
  csctp_tstamp now = T0;
  cr_assert_eq(csctp_assoc_add_streams(x.a, 5, 0, now), 0); /* 4 + 5 > y's 8 */
  run_lossy(&x, &y, &now, now + 1 * CSCTP_SECONDS, wire_fn, &w);
  const csctp_event *ev = event_at(&x, CSCTP_EVENT_STREAMS_CHANGED, 0);
  cr_assert_not_null(ev);
  cr_assert_eq(ev->u.streams_changed.result, CSCTP_RECONFIG_DENIED);
  cr_assert_eq(ev->u.streams_changed.outbound_streams, 4);
  cr_assert_eq(count_type(&y, CSCTP_EVENT_STREAMS_CHANGED), 0);
  csctp_send_opts o = {.stream = 4, .ppid = 51};
  cr_assert_eq(csctp_assoc_send(x.a, &o, (const uint8_t *)"a0", 2, now), CSCTP_ERR_STREAM_ID);
  /* 4 more fit exactly. */
  cr_assert_eq(csctp_assoc_add_streams(x.a, 4, 0, now), 0);
  run_lossy(&x, &y, &now, now + 1 * CSCTP_SECONDS, wire_fn, &w);
  cr_assert_eq(event_at(&x, CSCTP_EVENT_STREAMS_CHANGED, 1)->u.streams_changed.result, 0);
  cr_assert_eq(event_at(&x, CSCTP_EVENT_STREAMS_CHANGED, 1)->u.streams_changed.outbound_streams, 8);
}

/* The Add Outgoing request delivered twice: the same answer, streams added once (§5.2.1). */
Test(reconfig_ext, add_duplicate_request_answered_again_added_once) {
  side x, y;
  pair(&x, &y);
  csctp_tstamp now = T0;
  cr_assert_eq(csctp_assoc_add_streams(x.a, 2, 0, now), 0);
  pkt p[4];
  cr_assert_eq(side_pull(&x, p, 4, now), 1);
  for (int k = 0; k < 2; k++) {
    cr_assert_eq(csctp_assoc_read_packet(y.a, p[0].b, p[0].len, now), 0);
    pkt r[4];
    cr_assert_eq(side_pull(&y, r, 4, now), 1);
    wire w;
    wire_init(&w);
    wire_note(&w, 1, &r[0], NULL);
    cr_assert_eq(w.nresp[1], 1);
    cr_assert_eq(w.resp_result[1][0], CSCTP_RECONFIG_SUCCESS);
    if (k == 1) cr_assert_eq(csctp_assoc_read_packet(x.a, r[0].b, r[0].len, now), 0);
  }
  uint16_t in;
  counts(&y, &in, NULL);
  cr_assert_eq(in, 6);
  side_drain_events(&y);
  cr_assert_eq(count_type(&y, CSCTP_EVENT_STREAMS_CHANGED), 1);
}

/*
 * The peer's Add Incoming request while a request of ours is in flight: "Request already in
 * progress"; so do two Add Incoming requests that cross. Asking again later works.
 */
Test(reconfig_ext, add_in_crossing_in_progress) {
  side x, y;
  pair(&x, &y);
  wire w;
  wire_init(&w);
  csctp_tstamp now = T0;
  cr_assert_eq(csctp_assoc_add_streams(x.a, 0, 1, now), 0);
  cr_assert_eq(csctp_assoc_add_streams(y.a, 0, 1, now), 0);
  run_lossy(&x, &y, &now, now + 1 * CSCTP_SECONDS, wire_fn, &w);
  for (int i = 0; i < 2; i++) {
    const side *s = i ? &y : &x;
    const csctp_event *ev = event_at(s, CSCTP_EVENT_STREAMS_CHANGED, 0);
    cr_assert_not_null(ev);
    cr_assert_eq(ev->u.streams_changed.result, CSCTP_RECONFIG_ERR_IN_PROGRESS);
    cr_assert_eq(ev->u.streams_changed.inbound_streams, 4);
  }
  cr_assert_eq(csctp_assoc_add_streams(y.a, 0, 1, now), 0);
  run_lossy(&x, &y, &now, now + 1 * CSCTP_SECONDS, wire_fn, &w);
  uint16_t in, out;
  counts(&y, &in, NULL);
  counts(&x, NULL, &out);
  cr_assert_eq(in, 5);
  cr_assert_eq(out, 5);
}

/* A reset queued behind an add request, under loss: both complete, in order. */
Test(reconfig_ext, add_then_reset_queued_under_loss) {
  side x, y;
  pair(&x, &y);
  wire w;
  wire_init(&w);
  w.loss = 0.25;
  csctp_tstamp now = T0;
  cr_assert_eq(csctp_assoc_add_streams(x.a, 2, 2, now), 0);
  const uint16_t s1 = 1;
  cr_assert_eq(csctp_assoc_reset_incoming_streams(x.a, &s1, 1, now), 0);
  cr_assert_eq(csctp_assoc_add_streams(x.a, 1, 0, now), 0); /* merged into the next one */
  run_lossy(&x, &y, &now, now + 20 * CSCTP_SECONDS, wire_fn, &w);
  cr_assert_gt(w.dropped, 0);
  uint16_t in, out;
  counts(&x, &in, &out);
  cr_assert_eq(out, 7);
  cr_assert_eq(in, 6);
  cr_assert_eq(count_type(&x, CSCTP_EVENT_INCOMING_RESET_RESULT), 1);
  cr_assert_eq(count_type(&y, CSCTP_EVENT_STREAMS_RESET), 1);
  cr_assert_eq(x.a->rc.inflight, 0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_ESTABLISHED);
}

/* ---- the peer's requests checked one by one, API errors ---- */

/* Feeds y one request from "x" and returns y's packets. */
static int feed(side *y, const csctp_reconfig_param *req, pkt *out, int max) {
  uint8_t c[64];
  csctp_wr w;
  csctp_wr_init(&w, c, sizeof(c));
  size_t off = csctp_reconfig_write_begin(&w);
  csctp_reconfig_param_write(&w, req, NULL);
  csctp_wr_tlv_end(&w, off);
  pkt p;
  build_pkt(&p, y->a->local_tag, c, w.len);
  cr_assert_eq(csctp_assoc_read_packet(y->a, p.b, p.len, T0), 0);
  return side_pull(y, out, max, T0);
}

Test(reconfig_ext, peer_in_reset_checks) {
  side x, y;
  pair(&x, &y);
  uint32_t seq = y.a->rc.peer_next_seq;
  pkt out[4];
  wire w;
  wire_init(&w);
  /* A stream we do not have: Denied. */
  uint8_t ids[2] = {0, 9};
  csctp_reconfig_param p = {
      .type = CSCTP_PARAM_IN_SSN_RESET, .seq = seq, .n_streams = 1, .streams = ids};
  int n = feed(&y, &p, out, 4);
  for (int i = 0; i < n; i++) wire_note(&w, 1, &out[i], NULL);
  cr_assert_eq(w.nresp[1], 1);
  cr_assert_eq(w.resp_result[1][0], CSCTP_RECONFIG_DENIED);
  cr_assert_eq(w.nreq[1], 0);
  /* Add Incoming past 65535 outgoing streams: Denied. */
  p = (csctp_reconfig_param){
      .type = CSCTP_PARAM_ADD_IN_STREAMS, .seq = seq + 1, .n_new_streams = 65535};
  n = feed(&y, &p, out, 4);
  for (int i = 0; i < n; i++) wire_note(&w, 1, &out[i], NULL);
  cr_assert_eq(w.resp_result[1][1], CSCTP_RECONFIG_DENIED);
  /* Add Outgoing past our max_inbound_streams (8): Denied; to exactly 8: Performed. */
  p = (csctp_reconfig_param){
      .type = CSCTP_PARAM_ADD_OUT_STREAMS, .seq = seq + 2, .n_new_streams = 5};
  n = feed(&y, &p, out, 4);
  for (int i = 0; i < n; i++) wire_note(&w, 1, &out[i], NULL);
  cr_assert_eq(w.resp_result[1][2], CSCTP_RECONFIG_DENIED);
  p.seq = seq + 3;
  p.n_new_streams = 4;
  n = feed(&y, &p, out, 4);
  for (int i = 0; i < n; i++) wire_note(&w, 1, &out[i], NULL);
  cr_assert_eq(w.resp_result[1][3], CSCTP_RECONFIG_SUCCESS);
  uint16_t in;
  counts(&y, &in, NULL);
  cr_assert_eq(in, 8);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_ESTABLISHED);
}

Test(reconfig_ext, api_errors) {
  side x, y;
  side_new_cfg(&x, 31, small_cfg);
  side_new_cfg(&y, 32, small_cfg);
  live[0] = x.a;
  live[1] = y.a;
  const uint16_t s = 1;
  cr_assert_eq(csctp_assoc_reset_incoming_streams(x.a, &s, 1, T0), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_assoc_add_streams(x.a, 1, 0, T0), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_assoc_reset_incoming_streams(NULL, &s, 1, T0), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_assoc_add_streams(NULL, 1, 0, T0), CSCTP_ERR_INVALID_ARGUMENT);
  establish(&x, &y, T0);
  cr_assert_eq(csctp_assoc_reset_incoming_streams(x.a, NULL, 1, T0), CSCTP_ERR_INVALID_ARGUMENT);
  const uint16_t bad = 4;
  cr_assert_eq(csctp_assoc_reset_incoming_streams(x.a, &bad, 1, T0), CSCTP_ERR_STREAM_ID);
  cr_assert_eq(csctp_assoc_add_streams(x.a, 0, 0, T0), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_assoc_add_streams(x.a, 0, 5, T0), CSCTP_ERR_INVALID_ARGUMENT,
               "4 + 5 inbound streams pass our max_inbound_streams (8)");
  cr_assert_eq(csctp_assoc_add_streams(x.a, 65535, 0, T0), CSCTP_ERR_INVALID_ARGUMENT);
  /* Pending requests count: 2 now, 3 more would pass 8. */
  cr_assert_eq(csctp_assoc_add_streams(x.a, 0, 2, T0), 0);
  cr_assert_eq(csctp_assoc_add_streams(x.a, 0, 3, T0), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(x.a->rc.inflight, 1, "nothing changed by the refused call");
  cr_assert_eq(x.a->rcx.add_in, 2);
  side z, v;
  side_new_cfg(&z, 33, small_cfg);
  side_new_cfg(&v, 34, small_cfg);
  v.a->announce_reconfig = 0;
  establish(&z, &v, T0);
  cr_assert_eq(csctp_assoc_add_streams(z.a, 1, 0, T0), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_assoc_reset_incoming_streams(z.a, &s, 1, T0), CSCTP_ERR_INVALID_STATE);
  csctp_assoc_del(z.a);
  csctp_assoc_del(v.a);
}

/* While shutting down no request of ours can start: the peer's that need one are denied. */
Test(reconfig_ext, peer_requests_denied_while_shutting_down) {
  side x, y;
  pair(&x, &y);
  send_txt(&y, 1, "a0", T0); /* keeps y in SHUTDOWN-PENDING until acknowledged */
  cr_assert_eq(csctp_assoc_shutdown(y.a, T0), 0);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_SHUTDOWN_PENDING);
  uint32_t seq = y.a->rc.peer_next_seq;
  uint8_t ids[2] = {0, 1};
  csctp_reconfig_param p = {
      .type = CSCTP_PARAM_IN_SSN_RESET, .seq = seq, .n_streams = 1, .streams = ids};
  pkt out[4];
  wire w;
  wire_init(&w);
  int n = feed(&y, &p, out, 4);
  p = (csctp_reconfig_param){
      .type = CSCTP_PARAM_ADD_IN_STREAMS, .seq = seq + 1, .n_new_streams = 1};
  n += feed(&y, &p, out + n, 4 - n);
  for (int i = 0; i < n; i++) wire_note(&w, 1, &out[i], NULL);
  cr_assert_eq(w.nresp[1], 2);
  cr_assert_eq(w.resp_result[1][0], CSCTP_RECONFIG_DENIED);
  cr_assert_eq(w.resp_result[1][1], CSCTP_RECONFIG_DENIED);
  cr_assert_eq(w.nreq[1], 0, "no request of y's");
}
