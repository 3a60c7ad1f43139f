/* SPDX-License-Identifier: MIT */
/*
 * src/assoc_reset_assoc.c: the SSN/TSN Reset Request (RFC 6525 §5.1.4, §5.2.4), both roles,
 * between two engines on a virtual clock with the wire inspected: TSNs and SSNs of the data
 * before and after, nothing lost, duplicated or delivered from before the reset after it;
 * Denied when not allowed; "In progress" while data is in flight, then performed; crossing
 * requests, a bogus sequence number, a retransmitted request answered the same. And the reset
 * of all streams (an empty stream list), both ways.
 */
#include <stdio.h>

#include "ext_util.h"

static csctp_assoc *live[2];

static void free_live(void) {
  csctp_assoc_del(live[0]);
  csctp_assoc_del(live[1]);
  live[0] = live[1] = NULL;
}

TestSuite(reset_assoc, .fini = free_live);

static void accept_cfg(csctp_config *c) {
  c->association_max_retrans = 10;
  c->outbound_streams = 4;
  c->max_inbound_streams = 4;
  c->accept_assoc_reset = 1;
}

static void deny_cfg(csctp_config *c) {
  accept_cfg(c);
  c->accept_assoc_reset = 0;
}

static void accept_idata_cfg(csctp_config *c) {
  accept_cfg(c);
  c->interleaving = 1;
}

/* x asks, y answers (y allows it when `accept`; x always does, for the crossing test). */
static void pair(side *x, side *y, int accept) {
  side_new_cfg(x, 41, accept_cfg);
  side_new_cfg(y, 42, accept ? accept_cfg : deny_cfg);
  live[0] = x->a;
  live[1] = y->a;
  establish(x, y, T0);
}

static void send_txt(side *s, uint16_t stream, const char *t, csctp_tstamp now) {
  csctp_send_opts o = {.stream = stream, .ppid = 51};
  cr_assert_eq(csctp_assoc_send(s->a, &o, (const uint8_t *)t, strlen(t), now), 0);
}

/* ---- the wire ---- */

#define WMAX 64

typedef struct dseen {
  char txt[8];
  uint32_t tsn;
  uint16_t stream, ssn;
} dseen;

typedef struct wire {
  dseen data[2][WMAX]; /* DATA first transmissions per side, in order */
  int ndata[2];
  int nreq[2]; /* SSN/TSN Reset Requests sent */
  uint32_t req_seq[2][WMAX];
  int nresp[2]; /* responses to them sent */
  uint32_t resp_seq[2][WMAX], resp_result[2][WMAX], resp_snd[2][WMAX], resp_rcv[2][WMAX];
  int resp_has_tsns[2][WMAX];
  pkt saved[2][8]; /* DATA packets kept for replay */
  int nsaved[2];
  pkt saved_sack[2][8]; /* packets with a SACK and no DATA, kept for replay */
  int nsaved_sack[2];
  /* drops */
  int drop_data_until_ms[2]; /* drop side's DATA packets while now < T0 + this */
  int drop_resp_n[2];        /* drop the first n packets with a response from this side */
  int drop_req_n[2];         /* drop the first n packets with an SSN/TSN request from this side */
  csctp_tstamp *now;
} wire;

static int wire_fn(int from, const pkt *p, void *u) {
  wire *w = u;
  int has_data = 0, has_resp = 0, has_req = 0;
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, p->b, p->len);
  while (csctp_chunk_next(&it, &ch) == 1) {
    int idata = ch.type == CSCTP_CHUNK_IDATA; /* RFC 8260: MID at 8, payload at 16 */
    size_t hdr = idata ? 16 : 12;
    if ((ch.type == CSCTP_CHUNK_DATA || idata) && ch.value_len > hdr) {
      has_data = 1;
      dseen d = {0};
      size_t n = ch.value_len - hdr < 7 ? ch.value_len - hdr : 7;
      memcpy(d.txt, ch.value + hdr, n);
      d.tsn = csctp_get_u32(ch.value);
      d.stream = csctp_get_u16(ch.value + 4);
      d.ssn = idata ? (uint16_t)csctp_get_u32(ch.value + 8) : csctp_get_u16(ch.value + 6);
      int dup = 0;
      for (int i = 0; i < w->ndata[from]; i++) dup |= w->data[from][i].tsn == d.tsn;
      if (!dup && w->ndata[from] < WMAX) w->data[from][w->ndata[from]++] = d;
    }
    if (ch.type != CSCTP_CHUNK_RECONFIG) continue;
    csctp_reconfig_chunk rc;
    cr_assert_eq(csctp_reconfig_decode(&ch, &rc), 0);
    for (size_t i = 0; i < rc.n_params; i++) {
      const csctp_reconfig_param *q = &rc.params[i];
      if (q->type == CSCTP_PARAM_SSN_TSN_RESET && w->nreq[from] < WMAX) {
        has_req = 1;
        w->req_seq[from][w->nreq[from]++] = q->seq;
      }
      if (q->type == CSCTP_PARAM_RECONFIG_RESP && w->nresp[from] < WMAX) {
        int k = w->nresp[from]++;
        has_resp = 1;
        w->resp_seq[from][k] = q->seq;
        w->resp_result[from][k] = q->result;
        w->resp_has_tsns[from][k] = q->has_tsns;
        w->resp_snd[from][k] = q->sender_next_tsn;
        w->resp_rcv[from][k] = q->receiver_next_tsn;
      }
    }
  }
  if (has_data && w->nsaved[from] < 8) w->saved[from][w->nsaved[from]++] = *p;
  if (!has_data && count_chunks(p, CSCTP_CHUNK_SACK) && w->nsaved_sack[from] < 8)
    w->saved_sack[from][w->nsaved_sack[from]++] = *p;
  if (has_data && w->now && *w->now < T0 + (csctp_tstamp)w->drop_data_until_ms[from] * MS) return 1;
  if (has_resp && w->drop_resp_n[from] > 0) {
    w->drop_resp_n[from]--;
    return 1;
  }
  if (has_req && w->drop_req_n[from] > 0) {
    w->drop_req_n[from]--;
    return 1;
  }
  return 0;
}

static void wire_init(wire *w, csctp_tstamp *now) {
  memset(w, 0, sizeof(*w));
  w->now = now;
}

static const dseen *data_of(const wire *w, int from, const char *txt) {
  for (int i = 0; i < w->ndata[from]; i++)
    if (strcmp(w->data[from][i].txt, txt) == 0) return &w->data[from][i];
  return NULL;
}

static const csctp_event *event_at(const side *s, csctp_event_type t, int k) {
  for (int i = 0; i < s->nev; i++)
    if (s->evs[i].type == t && k-- == 0) return &s->evs[i];
  return NULL;
}

static int event_index(const side *s, csctp_event_type t) {
  for (int i = 0; i < s->nev; i++)
    if (s->evs[i].type == t) return i;
  return -1;
}

/* The position of message `txt` among s's events, or -1. */
static int msg_index(const side *s, const char *txt) {
  for (int i = 0; i < s->nev; i++)
    if (s->evs[i].type == CSCTP_EVENT_MESSAGE && s->evs[i].u.message.len == strlen(txt) &&
        memcmp(s->evs[i].u.message.data, txt, strlen(txt)) == 0)
      return i;
  return -1;
}

/* The messages s received, in order, as one string "a0,a1,...". */
static void msgs(const side *s, char *out, size_t cap) {
  out[0] = 0;
  for (int i = 0; i < s->nev; i++) {
    if (s->evs[i].type != CSCTP_EVENT_MESSAGE) continue;
    size_t l = strlen(out);
    snprintf(out + l, cap - l, "%s%.*s", l ? "," : "", (int)s->evs[i].u.message.len,
             (const char *)s->evs[i].u.message.data);
  }
}

/* Both ways: data before, the reset, data after (sent right after the call, so it waits). */
Test(reset_assoc, performed_both_ways_with_data_before_and_after) {
  side x, y;
  pair(&x, &y, 1);
  wire w;
  csctp_tstamp now = T0;
  wire_init(&w, &now);
  send_txt(&x, 1, "xa0", now);
  send_txt(&x, 1, "xa1", now);
  send_txt(&x, 2, "xa2", now);
  send_txt(&y, 1, "ya0", now);
  send_txt(&y, 1, "ya1", now);
  run_lossy(&x, &y, &now, now + 300 * MS, wire_fn, &w);
  cr_assert_eq(csctp_assoc_reset_assoc(x.a, now), 0);
  cr_assert_eq(csctp_assoc_reset_assoc(x.a, now), CSCTP_ERR_INVALID_STATE, "one at a time");
  send_txt(&x, 1, "xb0", now); /* waits for the answer (§5.1.4 E1) */
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  send_txt(&y, 1, "yb0", now);
  send_txt(&y, 1, "yb1", now);
  send_txt(&x, 1, "xb1", now);
  send_txt(&x, 2, "xb2", now);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);

  /* One request, one answer: performed, with the next TSNs. */
  cr_assert_eq(w.nreq[0], 1);
  cr_assert_eq(w.nresp[1], 1);
  cr_assert_eq(w.resp_result[1][0], CSCTP_RECONFIG_SUCCESS);
  cr_assert(w.resp_has_tsns[1][0]);
  const csctp_event *ex = event_at(&x, CSCTP_EVENT_ASSOC_RESET, 0);
  const csctp_event *ey = event_at(&y, CSCTP_EVENT_ASSOC_RESET, 0);
  cr_assert_not_null(ex);
  cr_assert_not_null(ey);
  cr_assert_null(event_at(&x, CSCTP_EVENT_ASSOC_RESET, 1));
  cr_assert_null(event_at(&y, CSCTP_EVENT_ASSOC_RESET, 1));
  cr_assert_eq(ex->u.assoc_reset.incoming, 0);
  cr_assert_eq(ex->u.assoc_reset.result, 0);
  cr_assert_eq(ey->u.assoc_reset.incoming, 1);
  cr_assert_eq(ey->u.assoc_reset.result, 0);
  /* §4.4: x sends from the Receiver's Next TSN, y from the Sender's Next TSN. */
  uint32_t snd = w.resp_snd[1][0], rcv = w.resp_rcv[1][0];
  cr_assert_eq(ex->u.assoc_reset.local_next_tsn, rcv);
  cr_assert_eq(ex->u.assoc_reset.remote_next_tsn, snd);
  cr_assert_eq(ey->u.assoc_reset.local_next_tsn, snd);
  cr_assert_eq(ey->u.assoc_reset.remote_next_tsn, rcv);
  /* §5.2.4 G1: the smallest TSN y had not acknowledged plus 2^31; G2: y's next TSN. */
  /* (The scheduler serves streams 1 and 2 in turn: take the highest TSN of before.) */
  uint32_t x_last = 0;
  for (int i = 0; i < 3; i++) {
    const char *t[3] = {"xa0", "xa1", "xa2"};
    const dseen *d = data_of(&w, 0, t[i]);
    cr_assert_not_null(d);
    if (i == 0 || (int32_t)(d->tsn - x_last) > 0) x_last = d->tsn;
  }
  const dseen *ya1 = data_of(&w, 1, "ya1");
  cr_assert_not_null(ya1);
  cr_assert_eq(rcv, x_last + 1 + 0x80000000u);
  cr_assert_eq(snd, ya1->tsn + 1);
  /* After: x's data from rcv on, y's from snd on, every stream from SSN 0 again. */
  const dseen *xb0 = data_of(&w, 0, "xb0"), *xb1 = data_of(&w, 0, "xb1"),
              *xb2 = data_of(&w, 0, "xb2"), *yb0 = data_of(&w, 1, "yb0"),
              *yb1 = data_of(&w, 1, "yb1");
  cr_assert(xb0 && xb1 && xb2 && yb0 && yb1);
  cr_assert_eq(xb0->tsn, rcv, "the message sent after the call went after the reset");
  cr_assert_eq(xb0->ssn, 0);
  cr_assert_eq(xb1->tsn, rcv + 1);
  cr_assert_eq(xb1->ssn, 1);
  cr_assert_eq(xb2->ssn, 0, "stream 2 starts over too");
  cr_assert_eq(yb0->tsn, snd);
  cr_assert_eq(yb0->ssn, 0);
  cr_assert_eq(yb1->ssn, 1);
  /* Everything delivered once, in order, the reset event between before and after. */
  /* (Streams 1 and 2 are independent: each in order, all of before first.) */
  int ia0 = msg_index(&y, "xa0"), ia1 = msg_index(&y, "xa1"), ia2 = msg_index(&y, "xa2");
  int ib0 = msg_index(&y, "xb0"), ib1 = msg_index(&y, "xb1"), ib2 = msg_index(&y, "xb2");
  cr_assert(ia0 >= 0 && ia1 >= 0 && ia2 >= 0 && ib0 >= 0 && ib1 >= 0 && ib2 >= 0);
  cr_assert_eq(count_events(&y, CSCTP_EVENT_MESSAGE), 6, "each message once");
  cr_assert(ia0 < ia1 && ib0 < ib1, "stream 1 in order");
  cr_assert(ia0 < ib0 && ia1 < ib0 && ia2 < ib0 && ia2 < ib2, "before the reset first");
  char got[256];
  msgs(&x, got, sizeof got);
  cr_assert_str_eq(got, "ya0,ya1,yb0,yb1");
  int ir = event_index(&y, CSCTP_EVENT_ASSOC_RESET);
  cr_assert(ir > ia0 && ir > ia1 && ir > ia2 && ir < ib0, "the event between before and after");
  csctp_stats st;
  csctp_assoc_get_stats(y.a, &st);
  cr_assert_eq(st.duplicate_tsns, 0);
}

/* Not allowed (the default): Denied, and nothing changes (TSNs and SSNs go on). */
Test(reset_assoc, denied_when_not_allowed) {
  side x, y;
  pair(&x, &y, 0);
  wire w;
  csctp_tstamp now = T0;
  wire_init(&w, &now);
  send_txt(&x, 1, "xa0", now);
  run_lossy(&x, &y, &now, now + 300 * MS, wire_fn, &w);
  cr_assert_eq(csctp_assoc_reset_assoc(x.a, now), 0);
  send_txt(&x, 1, "xb0", now);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  cr_assert_eq(w.nresp[1], 1);
  cr_assert_eq(w.resp_result[1][0], CSCTP_RECONFIG_DENIED);
  cr_assert(w.resp_has_tsns[1][0], "usrsctp needs the fields even when denied");
  const csctp_event *ex = event_at(&x, CSCTP_EVENT_ASSOC_RESET, 0);
  cr_assert_not_null(ex);
  cr_assert_eq(ex->u.assoc_reset.result, CSCTP_RECONFIG_DENIED);
  cr_assert_null(event_at(&y, CSCTP_EVENT_ASSOC_RESET, 0));
  const dseen *a0 = data_of(&w, 0, "xa0"), *b0 = data_of(&w, 0, "xb0");
  cr_assert(a0 && b0);
  cr_assert_eq(b0->tsn, a0->tsn + 1);
  cr_assert_eq(b0->ssn, 1, "numbering goes on");
  char got[64];
  msgs(&y, got, sizeof got);
  cr_assert_str_eq(got, "xa0,xb0");
}

/* y has data in flight when the request comes: "In progress"; x asks again and y performs it
 * once its data is acknowledged; that data is delivered once, before the reset. */
Test(reset_assoc, in_progress_while_data_outstanding_then_performed) {
  side x, y;
  pair(&x, &y, 1);
  wire w;
  csctp_tstamp now = T0;
  wire_init(&w, &now);
  w.drop_data_until_ms[1] = 150; /* y's first transmission is lost: it stays in flight */
  send_txt(&y, 1, "ya0", now);
  run_lossy(&x, &y, &now, now + 20 * MS, wire_fn, &w);
  cr_assert_eq(csctp_assoc_reset_assoc(x.a, now), 0);
  run_lossy(&x, &y, &now, now + 3 * CSCTP_SECONDS, wire_fn, &w);
  cr_assert_geq(w.nresp[1], 2);
  cr_assert_eq(w.resp_result[1][0], CSCTP_RECONFIG_IN_PROGRESS);
  cr_assert_eq(w.resp_result[1][w.nresp[1] - 1], CSCTP_RECONFIG_SUCCESS);
  for (int i = 0; i < w.nreq[0]; i++)
    cr_assert_eq(w.req_seq[0][i], w.req_seq[0][0], "§5.1.1: asked again with the same number");
  cr_assert_eq(event_at(&x, CSCTP_EVENT_ASSOC_RESET, 0)->u.assoc_reset.result, 0);
  cr_assert_null(event_at(&x, CSCTP_EVENT_ASSOC_RESET, 1));
  char got[64];
  msgs(&x, got, sizeof got);
  cr_assert_str_eq(got, "ya0");
  cr_assert_lt(event_index(&x, CSCTP_EVENT_MESSAGE), event_index(&x, CSCTP_EVENT_ASSOC_RESET));
  send_txt(&y, 1, "yb0", now);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  msgs(&x, got, sizeof got);
  cr_assert_str_eq(got, "ya0,yb0");
  cr_assert_eq(data_of(&w, 1, "yb0")->ssn, 0);
}

/* The answer is lost: x asks again with the same number, y answers the same (same TSNs) and
 * performs it once. */
Test(reset_assoc, retransmitted_request_answered_the_same) {
  side x, y;
  pair(&x, &y, 1);
  wire w;
  csctp_tstamp now = T0;
  wire_init(&w, &now);
  send_txt(&x, 1, "xa0", now);
  run_lossy(&x, &y, &now, now + 300 * MS, wire_fn, &w);
  w.drop_resp_n[1] = 1;
  cr_assert_eq(csctp_assoc_reset_assoc(x.a, now), 0);
  run_lossy(&x, &y, &now, now + 3 * CSCTP_SECONDS, wire_fn, &w);
  cr_assert_eq(w.nreq[0], 2);
  cr_assert_eq(w.req_seq[0][0], w.req_seq[0][1]);
  cr_assert_eq(w.nresp[1], 2);
  cr_assert_eq(w.resp_result[1][1], CSCTP_RECONFIG_SUCCESS);
  cr_assert_eq(w.resp_snd[1][0], w.resp_snd[1][1]);
  cr_assert_eq(w.resp_rcv[1][0], w.resp_rcv[1][1]);
  cr_assert_null(event_at(&y, CSCTP_EVENT_ASSOC_RESET, 1), "performed once");
  cr_assert_not_null(event_at(&x, CSCTP_EVENT_ASSOC_RESET, 0));
  send_txt(&x, 1, "xb0", now);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  cr_assert_eq(data_of(&w, 0, "xb0")->tsn, w.resp_rcv[1][0]);
  char got[64];
  msgs(&y, got, sizeof got);
  cr_assert_str_eq(got, "xa0,xb0");
}

/* Old packets replayed after the reset (a hostile or very late copy): nothing delivered, and
 * a late SACK of before it (whose cumulative TSN reads as far ahead of x's new TSNs) is dropped,
 * not taken for a SACK of a TSN never sent (which aborts). */
Test(reset_assoc, stale_packets_after_reset) {
  side x, y;
  pair(&x, &y, 1);
  wire w;
  csctp_tstamp now = T0;
  wire_init(&w, &now);
  send_txt(&x, 1, "xa0", now);
  send_txt(&y, 1, "ya0", now);
  run_lossy(&x, &y, &now, now + 300 * MS, wire_fn, &w);
  send_txt(&x, 1, "xa1", now);
  run_lossy(&x, &y, &now, now + 300 * MS, wire_fn, &w);
  cr_assert_eq(w.nsaved[0], 2);
  cr_assert_eq(w.nsaved[1], 1);
  cr_assert_geq(w.nsaved_sack[1], 2);
  pkt old_x = w.saved[0][0], old_y = w.saved[1][0], old_sack = w.saved_sack[1][0];
  cr_assert_eq(csctp_assoc_reset_assoc(x.a, now), 0);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  cr_assert_not_null(event_at(&y, CSCTP_EVENT_ASSOC_RESET, 0));
  cr_assert_not_null(event_at(&x, CSCTP_EVENT_ASSOC_RESET, 0));
  cr_assert_eq(csctp_assoc_read_packet(y.a, old_x.b, old_x.len, now), 0);
  cr_assert_eq(csctp_assoc_read_packet(x.a, old_y.b, old_y.len, now), 0);
  cr_assert_eq(csctp_assoc_read_packet(x.a, old_sack.b, old_sack.len, now), 0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_ESTABLISHED, "a late SACK aborted");
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  char got[64];
  msgs(&y, got, sizeof got);
  cr_assert_str_eq(got, "xa0,xa1", "the old xa0 (SSN 0 on stream 1) is not taken again");
  msgs(&x, got, sizeof got);
  cr_assert_str_eq(got, "ya0");
  /* New data still flows, numbered afresh. */
  send_txt(&x, 1, "xb0", now);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  msgs(&y, got, sizeof got);
  cr_assert_str_eq(got, "xa0,xa1,xb0");
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_ESTABLISHED);
}

/* Both ask at once: each answers the other "Request already in progress" (our own is
 * outstanding), nothing is reset; asked again later, it is performed. */
Test(reset_assoc, crossing_requests_in_progress_error) {
  side x, y;
  pair(&x, &y, 1);
  wire w;
  csctp_tstamp now = T0;
  wire_init(&w, &now);
  cr_assert_eq(csctp_assoc_reset_assoc(x.a, now), 0);
  cr_assert_eq(csctp_assoc_reset_assoc(y.a, now), 0);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  cr_assert_eq(w.resp_result[0][0], CSCTP_RECONFIG_ERR_IN_PROGRESS);
  cr_assert_eq(w.resp_result[1][0], CSCTP_RECONFIG_ERR_IN_PROGRESS);
  cr_assert_eq(event_at(&x, CSCTP_EVENT_ASSOC_RESET, 0)->u.assoc_reset.result,
               CSCTP_RECONFIG_ERR_IN_PROGRESS);
  cr_assert_eq(event_at(&y, CSCTP_EVENT_ASSOC_RESET, 0)->u.assoc_reset.result,
               CSCTP_RECONFIG_ERR_IN_PROGRESS);
  cr_assert_eq(csctp_assoc_reset_assoc(x.a, now), 0);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  cr_assert_eq(event_at(&x, CSCTP_EVENT_ASSOC_RESET, 1)->u.assoc_reset.result, 0);
  cr_assert_eq(event_at(&y, CSCTP_EVENT_ASSOC_RESET, 1)->u.assoc_reset.incoming, 1);
}

/* A request whose number is not the next one: Bad Sequence Number, nothing reset. */
Test(reset_assoc, bogus_sequence_number) {
  side x, y;
  pair(&x, &y, 1);
  uint32_t cum = y.a->rxt.cum, next = y.a->tx.next_tsn;
  uint32_t seqs[3] = {y.a->rc.peer_next_seq + 1, y.a->rc.peer_next_seq + 0x40000000u,
                      y.a->rc.peer_next_seq - 1};
  for (int k = 0; k < 3; k++) {
    uint8_t c[32];
    csctp_wr wr;
    csctp_wr_init(&wr, c, sizeof(c));
    size_t off = csctp_reconfig_write_begin(&wr);
    csctp_reconfig_param req = {.type = CSCTP_PARAM_SSN_TSN_RESET, .seq = seqs[k]};
    csctp_reconfig_param_write(&wr, &req, NULL);
    csctp_wr_tlv_end(&wr, off);
    pkt p;
    build_pkt(&p, y.a->local_tag, c, wr.len);
    cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
    pkt out[4];
    int n = side_pull(&y, out, 4, T0);
    cr_assert_eq(n, 1);
    csctp_chunk ch;
    cr_assert(find_chunk(&out[0], CSCTP_CHUNK_RECONFIG, &ch));
    csctp_reconfig_chunk rc;
    cr_assert_eq(csctp_reconfig_decode(&ch, &rc), 0);
    cr_assert_eq(rc.params[0].result, CSCTP_RECONFIG_ERR_BAD_SEQ, "seq %d", k);
  }
  side_drain_events(&y);
  cr_assert_null(event_at(&y, CSCTP_EVENT_ASSOC_RESET, 0));
  cr_assert_eq(y.a->rxt.cum, cum);
  cr_assert_eq(y.a->tx.next_tsn, next);
}

/* Misuse: before establishment and with a NULL association. */
Test(reset_assoc, misuse) {
  side x;
  side_new_cfg(&x, 43, accept_cfg);
  live[0] = x.a;
  cr_assert_eq(csctp_assoc_reset_assoc(NULL, T0), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_assoc_reset_assoc(x.a, T0), CSCTP_ERR_INVALID_STATE);
}

/* ---- reset of all streams: an empty stream list ---- */

/* x resets all its outgoing streams (n = 0): the request lists none, y resets every incoming
 * stream, and both streams x used start over at SSN 0. */
Test(reset_assoc, out_reset_of_all_streams) {
  side x, y;
  pair(&x, &y, 0);
  wire w;
  csctp_tstamp now = T0;
  wire_init(&w, &now);
  send_txt(&x, 1, "xa0", now);
  send_txt(&x, 2, "xa1", now);
  send_txt(&x, 2, "xa2", now);
  run_lossy(&x, &y, &now, now + 300 * MS, wire_fn, &w);
  cr_assert_eq(csctp_assoc_reset_streams(x.a, NULL, 0, now), 0);
  send_txt(&x, 2, "xb0", now);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  send_txt(&x, 1, "xb1", now);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  const csctp_event *ex = event_at(&x, CSCTP_EVENT_STREAMS_RESET, 0);
  const csctp_event *ey = event_at(&y, CSCTP_EVENT_STREAMS_RESET, 0);
  cr_assert_not_null(ex);
  cr_assert_not_null(ey);
  cr_assert_eq(ex->u.streams_reset.result, 0, "performed, not denied");
  cr_assert_eq(ex->u.streams_reset.n_streams, 0);
  cr_assert_eq(ey->u.streams_reset.incoming, 1);
  cr_assert_eq(ey->u.streams_reset.n_streams, 0);
  cr_assert_eq(data_of(&w, 0, "xb0")->ssn, 0);
  cr_assert_eq(data_of(&w, 0, "xb1")->ssn, 0);
  char got[64];
  msgs(&y, got, sizeof got);
  cr_assert_str_eq(got, "xa0,xa1,xa2,xb0,xb1");
}

/* y asks x to reset all of x's outgoing streams (Incoming SSN Reset, n = 0): x performs it by
 * an Outgoing request of all streams; x's streams start over. */
Test(reset_assoc, in_reset_of_all_streams) {
  side x, y;
  pair(&x, &y, 0);
  wire w;
  csctp_tstamp now = T0;
  wire_init(&w, &now);
  send_txt(&x, 1, "xa0", now);
  send_txt(&x, 3, "xa1", now);
  run_lossy(&x, &y, &now, now + 300 * MS, wire_fn, &w);
  cr_assert_eq(csctp_assoc_reset_incoming_streams(y.a, NULL, 0, now), 0);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  const csctp_event *r = event_at(&y, CSCTP_EVENT_INCOMING_RESET_RESULT, 0);
  cr_assert_not_null(r);
  cr_assert_eq(r->u.streams_reset.result, 0);
  cr_assert_eq(event_at(&y, CSCTP_EVENT_STREAMS_RESET, 0)->u.streams_reset.n_streams, 0);
  send_txt(&x, 1, "xb0", now);
  send_txt(&x, 3, "xb1", now);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  cr_assert_eq(data_of(&w, 0, "xb0")->ssn, 0);
  cr_assert_eq(data_of(&w, 0, "xb1")->ssn, 0);
  char got[64];
  msgs(&y, got, sizeof got);
  cr_assert_str_eq(got, "xa0,xa1,xb0,xb1");
}

/* With I-DATA (RFC 8260 §2.3.2): the MIDs of every stream start over too, both ways. */
Test(reset_assoc, performed_with_idata) {
  side x, y;
  side_new_cfg(&x, 44, accept_idata_cfg);
  side_new_cfg(&y, 45, accept_idata_cfg);
  live[0] = x.a;
  live[1] = y.a;
  establish(&x, &y, T0);
  wire w;
  csctp_tstamp now = T0;
  wire_init(&w, &now);
  send_txt(&x, 1, "xa0", now);
  send_txt(&x, 1, "xa1", now);
  send_txt(&y, 2, "ya0", now);
  run_lossy(&x, &y, &now, now + 300 * MS, wire_fn, &w);
  cr_assert_eq(data_of(&w, 0, "xa1")->ssn, 1, "I-DATA on the wire, MID 1");
  cr_assert_eq(csctp_assoc_reset_assoc(y.a, now), 0); /* y asks this time */
  send_txt(&y, 2, "yb0", now);                        /* waits for the answer */
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  send_txt(&x, 1, "xb0", now);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  cr_assert_eq(event_at(&y, CSCTP_EVENT_ASSOC_RESET, 0)->u.assoc_reset.result, 0);
  cr_assert_eq(event_at(&x, CSCTP_EVENT_ASSOC_RESET, 0)->u.assoc_reset.incoming, 1);
  cr_assert_eq(data_of(&w, 0, "xb0")->ssn, 0, "x's MIDs start over");
  cr_assert_eq(data_of(&w, 1, "yb0")->ssn, 0, "y's MIDs start over");
  cr_assert_eq(data_of(&w, 1, "yb0")->tsn, w.resp_rcv[0][0]);
  char got[64];
  msgs(&y, got, sizeof got);
  cr_assert_str_eq(got, "xa0,xa1,xb0");
  msgs(&x, got, sizeof got);
  cr_assert_str_eq(got, "ya0,yb0");
}

/* The answer is lost and y, having performed the reset, sends at once: its DATA of after the
 * reset reaches x before the answer. x takes no DATA while its request is unanswered (its
 * stream state is still of before), so nothing is misnumbered or lost: y sends it again after
 * x has the answer, and it is delivered once, as the first message of after the reset. */
Test(reset_assoc, data_of_after_the_reset_before_the_answer) {
  side x, y;
  pair(&x, &y, 1);
  wire w;
  csctp_tstamp now = T0;
  wire_init(&w, &now);
  send_txt(&y, 1, "ya0", now);
  send_txt(&y, 1, "ya1", now);
  run_lossy(&x, &y, &now, now + 300 * MS, wire_fn, &w);
  w.drop_resp_n[1] = 1;
  cr_assert_eq(csctp_assoc_reset_assoc(x.a, now), 0);
  run_lossy(&x, &y, &now, now + 30 * MS, wire_fn, &w);
  cr_assert_not_null(event_at(&y, CSCTP_EVENT_ASSOC_RESET, 0), "y performed it");
  cr_assert_null(event_at(&x, CSCTP_EVENT_ASSOC_RESET, 0), "x has no answer yet");
  send_txt(&y, 1, "yb0", now);
  run_lossy(&x, &y, &now, now + 3 * CSCTP_SECONDS, wire_fn, &w);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_ESTABLISHED);
  const csctp_event *ex = event_at(&x, CSCTP_EVENT_ASSOC_RESET, 0);
  cr_assert_not_null(ex, "x got no answer");
  cr_assert_eq(ex->u.assoc_reset.result, 0);
  cr_assert_not_null(data_of(&w, 1, "yb0"));
  cr_assert_eq(data_of(&w, 1, "yb0")->ssn, 0);
  char got[64];
  msgs(&x, got, sizeof got);
  cr_assert_str_eq(got, "ya0,ya1,yb0");
  cr_assert_lt(event_index(&x, CSCTP_EVENT_ASSOC_RESET), msg_index(&x, "yb0"));
  send_txt(&y, 1, "yb1", now);
  run_lossy(&x, &y, &now, now + 500 * MS, wire_fn, &w);
  msgs(&x, got, sizeof got);
  cr_assert_str_eq(got, "ya0,ya1,yb0,yb1");
}
