/* SPDX-License-Identifier: MIT */
/*
 * Stream reconfiguration (RFC 6525) between two engines on a virtual clock,
 * and the RE-CONFIG codec.
 */
#include <stdlib.h>

#include "ext_util.h"
#include "failing_mem.h"

static void ext_cfg(csctp_config *c) { c->association_max_retrans = 10; }

/* The associations of the running test, deleted after it (Criterion runs one test per process). */
static csctp_assoc *live[2];

static void free_live(void) {
  csctp_assoc_del(live[0]);
  csctp_assoc_del(live[1]);
  live[0] = live[1] = NULL;
}

TestSuite(reconfig, .fini = free_live);

static void pair(side *x, side *y) {
  side_new_cfg(x, 21, ext_cfg);
  side_new_cfg(y, 22, ext_cfg);
  live[0] = x->a;
  live[1] = y->a;
  establish(x, y, T0);
}

static void send_txt(side *s, uint16_t stream, const char *t, csctp_tstamp now) {
  csctp_send_opts o = {.stream = stream, .ppid = 51};
  cr_assert_eq(csctp_assoc_send(s->a, &o, (const uint8_t *)t, strlen(t), now), 0);
}

/* The k-th STREAMS_RESET event of a side. */
static const csctp_event *reset_at(const side *s, int k) {
  for (int i = 0; i < s->nev; i++)
    if (s->evs[i].type == CSCTP_EVENT_STREAMS_RESET && k-- == 0) return &s->evs[i];
  return NULL;
}

/* ---- codec ---- */

Test(reconfig, codec_round_trip_every_parameter) {
  const uint16_t ids[3] = {1, 2, 65535};
  csctp_reconfig_param in[6] = {
      {.type = CSCTP_PARAM_OUT_SSN_RESET, .seq = 7, .resp_seq = 6, .last_tsn = 99, .n_streams = 3},
      {.type = CSCTP_PARAM_IN_SSN_RESET, .seq = 8, .n_streams = 0},
      {.type = CSCTP_PARAM_SSN_TSN_RESET, .seq = 9},
      {.type = CSCTP_PARAM_RECONFIG_RESP, .seq = 10, .result = 6},
      {.type = CSCTP_PARAM_ADD_OUT_STREAMS, .seq = 11, .n_new_streams = 4},
      {.type = CSCTP_PARAM_RECONFIG_RESP,
       .seq = 12,
       .result = 1,
       .has_tsns = 1,
       .sender_next_tsn = 5,
       .receiver_next_tsn = 6}};
  /* §4.1-4.6: parameter lengths 16 + 2n, 8 + 2n, 8, 12 (or 20), 12. */
  const size_t want_len[6] = {16 + 6, 8, 8, 12, 12, 20};
  for (int i = 0; i < 6; i++) {
    uint8_t b[64];
    csctp_wr w;
    csctp_wr_init(&w, b, sizeof(b));
    size_t off = csctp_reconfig_write_begin(&w);
    csctp_reconfig_param_write(&w, &in[i], i == 0 ? ids : NULL);
    csctp_wr_tlv_end(&w, off);
    cr_assert_eq(w.overflow, 0);
    cr_assert_eq(b[0], 130);
    cr_assert_eq(csctp_get_u16(b + 6), want_len[i], "param %d length", i);
    csctp_chunk ch = {b[0], b[1], csctp_get_u16(b + 2), b + 4, csctp_get_u16(b + 2) - 4u};
    csctp_reconfig_chunk rc;
    cr_assert_eq(csctp_reconfig_decode(&ch, &rc), 0);
    cr_assert_eq(rc.n_params, 1);
    const csctp_reconfig_param *p = &rc.params[0];
    cr_assert_eq(p->type, in[i].type);
    cr_assert_eq(p->seq, in[i].seq);
    cr_assert_eq(p->resp_seq, in[i].resp_seq);
    cr_assert_eq(p->last_tsn, in[i].last_tsn);
    cr_assert_eq(p->result, in[i].result);
    cr_assert_eq(p->has_tsns, in[i].has_tsns);
    cr_assert_eq(p->receiver_next_tsn, in[i].receiver_next_tsn);
    cr_assert_eq(p->n_new_streams, in[i].n_new_streams);
    cr_assert_eq(p->n_streams, in[i].n_streams);
    if (i == 0) cr_assert_eq(csctp_reconfig_stream(p, 2), 65535);
  }
}

static int decode_bytes(const uint8_t *v, size_t n) {
  csctp_chunk ch = {130, 0, (uint16_t)(n + 4), v, n};
  csctp_reconfig_chunk rc;
  return csctp_reconfig_decode(&ch, &rc);
}

Test(reconfig, codec_malformed) {
  cr_assert_eq(decode_bytes(NULL, 0), CSCTP_ERR_MALFORMED); /* no parameter */
  /* Outgoing request with an odd stream list (15 + 2n + 1). */
  uint8_t odd[20] = {0, 13, 0, 17};
  cr_assert_eq(decode_bytes(odd, 20), CSCTP_ERR_MALFORMED);
  uint8_t shortp[8] = {0, 13, 0, 8};
  cr_assert_eq(decode_bytes(shortp, 8), CSCTP_ERR_MALFORMED);
  uint8_t resp[12] = {0, 16, 0, 12};
  cr_assert_eq(decode_bytes(resp, 12), 0);
  resp[3] = 16; /* 16 bytes: neither 12 nor 20 */
  uint8_t resp16[16] = {0, 16, 0, 16};
  cr_assert_eq(decode_bytes(resp16, 16), CSCTP_ERR_MALFORMED);
  /* Three parameters. */
  uint8_t three[36] = {0, 16, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0,  0, 16,
                       0, 12, 0, 0,  0, 0, 0, 0, 0, 0, 0, 16, 0, 12};
  cr_assert_eq(decode_bytes(three, 36), CSCTP_ERR_MALFORMED);
  cr_assert_eq(decode_bytes(three, 24), 0);
}

/* ---- reset, each side, both at once ---- */

static void check_reset_one_way(side *x, side *y) {
  csctp_tstamp now = T0;
  send_txt(x, 1, "before", now);
  run_lossy(x, y, &now, now + 200 * MS, NULL, NULL);
  const uint16_t s1 = 1;
  cr_assert_eq(csctp_assoc_reset_streams(x->a, &s1, 1, now), 0);
  run_lossy(x, y, &now, now + 200 * MS, NULL, NULL);
  const csctp_event *in = reset_at(y, 0), *out = reset_at(x, 0);
  cr_assert_not_null(in);
  cr_assert_eq(in->u.streams_reset.incoming, 1);
  cr_assert_eq(in->u.streams_reset.n_streams, 1);
  cr_assert_not_null(out);
  cr_assert_eq(out->u.streams_reset.incoming, 0);
  cr_assert_eq(out->u.streams_reset.result, 0);
  /* The SSN starts at 0 again on both sides: the next message flows. */
  send_txt(x, 1, "after", now);
  run_lossy(x, y, &now, now + 200 * MS, NULL, NULL);
  cr_assert_eq(count_events(y, CSCTP_EVENT_MESSAGE), 2);
  cr_assert_eq(memcmp(msg_at(y, 1)->u.message.data, "after", 5), 0);
  cr_assert_eq(csctp_assoc_get_state(y->a), CSCTP_STATE_ESTABLISHED);
}

Test(reconfig, reset_by_initiator) {
  side x, y;
  pair(&x, &y);
  check_reset_one_way(&x, &y);
}

Test(reconfig, reset_by_passive_side) {
  side x, y;
  pair(&x, &y);
  check_reset_one_way(&y, &x);
}

Test(reconfig, reset_both_sides_at_once) {
  side x, y;
  pair(&x, &y);
  csctp_tstamp now = T0;
  send_txt(&x, 2, "x0", now);
  send_txt(&y, 2, "y0", now);
  run_lossy(&x, &y, &now, now + 200 * MS, NULL, NULL);
  const uint16_t s2 = 2;
  cr_assert_eq(csctp_assoc_reset_streams(x.a, &s2, 1, now), 0);
  cr_assert_eq(csctp_assoc_reset_streams(y.a, &s2, 1, now), 0);
  run_lossy(&x, &y, &now, now + 300 * MS, NULL, NULL);
  cr_assert_eq(count_events(&x, CSCTP_EVENT_STREAMS_RESET), 2);
  cr_assert_eq(count_events(&y, CSCTP_EVENT_STREAMS_RESET), 2);
  send_txt(&x, 2, "x1", now);
  send_txt(&y, 2, "y1", now);
  run_lossy(&x, &y, &now, now + 200 * MS, NULL, NULL);
  cr_assert_eq(count_events(&x, CSCTP_EVENT_MESSAGE), 2);
  cr_assert_eq(count_events(&y, CSCTP_EVENT_MESSAGE), 2);
}

/* ---- data in flight: "In progress", sends during the reset ---- */

typedef struct sniff {
  int drop_data_once, dropped;
  int results[8], n_results;
  int requests;
  int drop_first_request;
  pkt last_request;
} sniff;

static int sniff_fn(int from, const pkt *p, void *u) {
  sniff *s = u;
  csctp_chunk ch;
  if (find_chunk(p, CSCTP_CHUNK_RECONFIG, &ch)) {
    csctp_reconfig_chunk rc;
    cr_assert_eq(csctp_reconfig_decode(&ch, &rc), 0);
    for (size_t i = 0; i < rc.n_params; i++) {
      if (rc.params[i].type == CSCTP_PARAM_RECONFIG_RESP && s->n_results < 8)
        s->results[s->n_results++] = (int)rc.params[i].result;
      if (rc.params[i].type == CSCTP_PARAM_OUT_SSN_RESET && from == 0) {
        s->requests++;
        s->last_request = *p;
        if (s->drop_first_request && s->requests == 1) return 1;
      }
    }
  }
  if (from == 0 && s->drop_data_once && !s->dropped && count_chunks(p, CSCTP_CHUNK_DATA)) {
    s->dropped = 1;
    return 1;
  }
  return 0;
}

Test(reconfig, reset_with_data_in_flight_in_progress_then_success) {
  side x, y;
  pair(&x, &y);
  csctp_tstamp now = T0;
  sniff sn = {.drop_data_once = 1};
  /* The DATA is lost; the request (sent after it) reaches y first: y's cum is behind. */
  send_txt(&x, 1, "old", now);
  const uint16_t s1 = 1;
  cr_assert_eq(csctp_assoc_reset_streams(x.a, &s1, 1, now), 0);
  /* Sent on the reset stream after the request: waits for the reset (sctp.h). */
  send_txt(&x, 1, "new", now);
  run_lossy(&x, &y, &now, now + 5 * CSCTP_SECONDS, sniff_fn, &sn);
  cr_assert(sn.dropped);
  cr_assert_geq(sn.n_results, 2);
  cr_assert_eq(sn.results[0], CSCTP_RECONFIG_IN_PROGRESS, "§5.2.2: In progress first");
  cr_assert_eq(sn.results[sn.n_results - 1], CSCTP_RECONFIG_SUCCESS);
  cr_assert_geq(sn.requests, 2, "the request is asked again after In progress");
  const csctp_event *out = reset_at(&x, 0);
  cr_assert_not_null(out);
  cr_assert_eq(out->u.streams_reset.result, 0);
  cr_assert_eq(count_events(&y, CSCTP_EVENT_MESSAGE), 2);
  cr_assert_eq(memcmp(msg_at(&y, 0)->u.message.data, "old", 3), 0);
  cr_assert_eq(memcmp(msg_at(&y, 1)->u.message.data, "new", 3), 0);
  cr_assert_eq(csctp_assoc_stream_buffered_amount(x.a, 1), 0);
}

Test(reconfig, request_lost_is_retransmitted_and_duplicate_answered_again) {
  side x, y;
  pair(&x, &y);
  csctp_tstamp now = T0;
  sniff sn = {.drop_first_request = 1};
  const uint16_t s3 = 3;
  cr_assert_eq(csctp_assoc_reset_streams(x.a, &s3, 1, now), 0);
  run_lossy(&x, &y, &now, now + 3 * CSCTP_SECONDS, sniff_fn, &sn);
  cr_assert_eq(sn.requests, 2, "sent again after the RTO");
  cr_assert_eq(count_events(&y, CSCTP_EVENT_STREAMS_RESET), 1);
  cr_assert_eq(count_events(&x, CSCTP_EVENT_STREAMS_RESET), 1);
  /* The same request again: same answer, no second reset. */
  cr_assert_eq(csctp_assoc_read_packet(y.a, sn.last_request.b, sn.last_request.len, now), 0);
  pkt p[4];
  int n = side_pull(&y, p, 4, now);
  cr_assert_geq(n, 1);
  csctp_chunk ch;
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_RECONFIG, &ch));
  csctp_reconfig_chunk rc;
  cr_assert_eq(csctp_reconfig_decode(&ch, &rc), 0);
  cr_assert_eq(rc.params[0].result, CSCTP_RECONFIG_SUCCESS);
  side_drain_events(&y);
  cr_assert_eq(count_events(&y, CSCTP_EVENT_STREAMS_RESET), 1);
}

/* ---- requests we do not perform, bad sequence numbers, API errors ---- */

static uint32_t answer(side *y, const csctp_reconfig_param *req) {
  uint8_t c[64];
  csctp_wr w;
  csctp_wr_init(&w, c, sizeof(c));
  size_t off = csctp_reconfig_write_begin(&w);
  csctp_reconfig_param_write(&w, req, NULL);
  csctp_wr_tlv_end(&w, off);
  pkt p;
  build_pkt(&p, y->a->local_tag, c, w.len);
  cr_assert_eq(csctp_assoc_read_packet(y->a, p.b, p.len, T0), 0);
  pkt out[4];
  cr_assert_eq(side_pull(y, out, 4, T0), 1);
  csctp_chunk ch;
  cr_assert(find_chunk(&out[0], CSCTP_CHUNK_RECONFIG, &ch));
  csctp_reconfig_chunk rc;
  cr_assert_eq(csctp_reconfig_decode(&ch, &rc), 0);
  cr_assert_eq(rc.params[0].type, CSCTP_PARAM_RECONFIG_RESP);
  cr_assert_eq(rc.params[0].seq, req->seq);
  return rc.params[0].result;
}

/*
 * The SSN/TSN Reset Request (§5.2.4) is denied on purpose (assoc_reconfig_peer.c says why);
 * the other request types are performed (test_reconfig_ext.c).
 */
Test(reconfig, ssn_tsn_reset_denied_and_bad_sequence) {
  side x, y;
  pair(&x, &y);
  uint32_t seq = y.a->rc.peer_next_seq; /* x's initial TSN (§5.1.1) */
  cr_assert_eq(seq, x.a->local_initial_tsn);
  csctp_tsn cum = y.a->rxt.cum;
  csctp_reconfig_param p = {.type = CSCTP_PARAM_SSN_TSN_RESET, .seq = seq};
  cr_assert_eq(answer(&y, &p), CSCTP_RECONFIG_DENIED);
  cr_assert_eq(y.a->rxt.cum, cum, "the TSNs were not reset");
  /* A number far from the expected one: Bad Sequence Number, nothing done. */
  p = (csctp_reconfig_param){
      .type = CSCTP_PARAM_OUT_SSN_RESET, .seq = seq + 100, .last_tsn = y.a->rxt.cum};
  cr_assert_eq(answer(&y, &p), CSCTP_RECONFIG_ERR_BAD_SEQ);
  cr_assert_eq(y.a->rc.deferred, 0);
  /* The previous one again: the same answer (§5.2.1). */
  p = (csctp_reconfig_param){.type = CSCTP_PARAM_SSN_TSN_RESET, .seq = seq};
  cr_assert_eq(answer(&y, &p), CSCTP_RECONFIG_DENIED);
  /* The next one is processed. */
  p = (csctp_reconfig_param){.type = CSCTP_PARAM_ADD_OUT_STREAMS, .seq = seq + 1};
  cr_assert_eq(answer(&y, &p), CSCTP_RECONFIG_SUCCESS_NOP, "adding 0 streams: nothing to do");
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_ESTABLISHED);
}

Test(reconfig, api_errors) {
  side x, y;
  side_new_cfg(&x, 21, ext_cfg);
  side_new_cfg(&y, 22, ext_cfg);
  const uint16_t s = 1;
  cr_assert_eq(csctp_assoc_reset_streams(x.a, &s, 1, T0), CSCTP_ERR_INVALID_STATE);
  y.a->announce_reconfig = 0; /* the peer does not announce RE-CONFIG */
  establish(&x, &y, T0);
  cr_assert_eq(csctp_assoc_reset_streams(x.a, &s, 1, T0), CSCTP_ERR_INVALID_STATE);
  const uint16_t bad = 65535;
  side z, w;
  pair(&z, &w);
  z.a->num_out = 10;
  cr_assert_eq(csctp_assoc_reset_streams(z.a, &bad, 1, T0), CSCTP_ERR_STREAM_ID);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

/* ---- allocation failure over the extended requests (nghttp2-style) ---- */

/*
 * x asks y to reset incoming streams and adds streams both ways, y does the same toward x,
 * with messages around; the `fail_at`-th allocation of side `fail_side` fails. Returns that
 * side's allocator calls; with no failure, checks that everything completed.
 */
static long alloc_exchange(long fail_at, int fail_side) {
  failing_mem f[2];
  side s[2];
  for (int i = 0; i < 2; i++) {
    failing_mem_init(&f[i], i == fail_side ? fail_at : 0);
    memset(&s[i], 0, sizeof(s[i]));
    csctp_config c = test_config(&s[i], 41 + (uint64_t)i);
    c.outbound_streams = 4;
    c.max_inbound_streams = 16;
    c.association_max_retrans = 20;
    c.mem = &f[i].mem;
    if (csctp_assoc_new(&s[i].a, &c) != 0) s[i].a = NULL;
  }
  if (s[0].a && s[1].a) {
    csctp_tstamp now = T0;
    csctp_assoc_connect(s[0].a, now);
    const uint16_t ids[2] = {1, 2};
    for (int step = 0; step < 300; step++) {
      if (step == 20) csctp_assoc_reset_incoming_streams(s[0].a, ids, 2, now);
      if (step == 40) csctp_assoc_add_streams(s[1].a, 0, 3, now);
      if (step == 60) csctp_assoc_add_streams(s[0].a, 2, 2, now);
      if (step == 80) csctp_assoc_reset_incoming_streams(s[1].a, NULL, 0, now);
      if (step == 100) csctp_assoc_reset_streams(s[0].a, ids, 1, now);
      if (step % 10 == 5)
        for (int i = 0; i < 2; i++) {
          csctp_send_opts o = {.stream = (uint16_t)(step % 6), .ppid = 51};
          csctp_assoc_send(s[i].a, &o, (const uint8_t *)"payload", 7, now);
        }
      for (int i = 0; i < 2; i++) {
        if (csctp_assoc_expiry(s[i].a) <= now) csctp_assoc_handle_expiry(s[i].a, now);
        uint8_t b[PKT_MAX];
        csctp_ssize n;
        while ((n = csctp_assoc_write_packet(s[i].a, b, sizeof(b), now)) > 0)
          csctp_assoc_read_packet(s[1 - i].a, b, (size_t)n, now); /* NOMEM is allowed */
        side_drain_events(&s[i]);
      }
      now += 10 * MS;
    }
    if (fail_at == 0) {
      uint16_t in0, out0, in1, out1;
      csctp_assoc_get_stream_counts(s[0].a, &in0, &out0);
      csctp_assoc_get_stream_counts(s[1].a, &in1, &out1);
      cr_assert_eq(out0, 9, "x: 4 + 3 asked by y + 2 added by x");
      cr_assert_eq(in1, 9);
      cr_assert_eq(in0, 6, "x: 4 + 2 asked by x");
      cr_assert_eq(out1, 6);
      for (int i = 0; i < 2; i++) {
        const csctp_event *ev = side_find_event(&s[i], CSCTP_EVENT_INCOMING_RESET_RESULT);
        cr_assert_not_null(ev);
        cr_assert_eq(ev->u.streams_reset.result, 0);
      }
      cr_assert_eq(count_events(&s[0], CSCTP_EVENT_STREAMS_RESET), 3, "out 1, 2; in: all");
      cr_assert_eq(s[0].a->rc.inflight + s[1].a->rc.inflight, 0);
    }
  }
  csctp_assoc_del(s[0].a);
  csctp_assoc_del(s[1].a);
  cr_assert_eq(f[0].live, 0, "x leaked %ld blocks (fail_at %ld side %d)", f[0].live, fail_at,
               fail_side);
  cr_assert_eq(f[1].live, 0, "y leaked %ld blocks (fail_at %ld side %d)", f[1].live, fail_at,
               fail_side);
  return f[fail_side].calls;
}

Test(reconfig, allocation_failure_in_extended_requests) {
  for (int fail_side = 0; fail_side < 2; fail_side++) {
    long total = alloc_exchange(0, fail_side);
    cr_assert_gt(total, 0);
    for (long k = 1; k <= total; k++) alloc_exchange(k, fail_side);
  }
}
