/* SPDX-License-Identifier: MIT */
/*
 * Hostile-peer paths of the association that the other tests do not reach: a bad INIT ACK in
 * COOKIE-WAIT (RFC 9260 §5.1, §3.3.3), a peer restart met in SHUTDOWN-ACK-SENT (§5.2.4 action
 * A, §9.2), the two ABORTs of DATA intake, and csctp_assoc_shutdown() during set-up (§9.1).
 * Expected bytes come from the RFC: chunk types ABORT 6, SHUTDOWN ACK 8, ERROR 9, flag T 0x01,
 * error causes of §3.3.10.
 */
#include "assoc_util.h"

#define T0 ((csctp_tstamp)1000000)

/* Chunk types and cause codes as RFC 9260 §3.2 / §3.3.10 number them. */
enum {
  RFC_ABORT = 6,
  RFC_SHUTDOWN_ACK = 8,
  RFC_ERROR = 9,
  RFC_COOKIE_ECHO = 10,
  RFC_FLAG_T = 0x01,
  RFC_MISSING_MANDATORY = 2,
  RFC_OUT_OF_RESOURCE = 4,
  RFC_INVALID_MANDATORY = 7,
  RFC_COOKIE_WHILE_SHUTTING_DOWN = 10,
  RFC_USER_INITIATED_ABORT = 12,
  RFC_PROTOCOL_VIOLATION = 13,
  RFC_PARAM_STATE_COOKIE = 7,
};

/* The first error cause of an ABORT or ERROR chunk: code and declared length. */
static void first_cause(const csctp_chunk *ch, uint16_t *code, uint16_t *len) {
  cr_assert_geq(ch->value_len, 4, "the chunk carries an error cause");
  *code = csctp_get_u16(ch->value);
  *len = csctp_get_u16(ch->value + 2);
}

static uint64_t stat_aborts_sent(const side *s) {
  csctp_stats st;
  csctp_assoc_get_stats(s->a, &st);
  return st.aborts_sent;
}

/* ---- 1. INIT ACK answered in COOKIE-WAIT ---- */

/* An INIT ACK (§3.3.3) for x: fixed fields, then raw parameter bytes. */
static void init_ack_pkt(pkt *p, uint32_t vtag, uint32_t itag, const uint8_t *params, size_t plen) {
  uint8_t c[256];
  csctp_wr w;
  csctp_wr_init(&w, c, sizeof(c));
  csctp_wr_u8(&w, 2); /* INIT ACK */
  csctp_wr_u8(&w, 0);
  csctp_wr_u16(&w, (uint16_t)(20 + plen));
  csctp_wr_u32(&w, itag);
  csctp_wr_u32(&w, 100000); /* a_rwnd */
  csctp_wr_u16(&w, 10);     /* outbound streams */
  csctp_wr_u16(&w, 10);     /* inbound streams */
  csctp_wr_u32(&w, 5555);   /* initial TSN */
  csctp_wr_bytes(&w, params, plen);
  cr_assert_not(w.overflow);
  build_pkt(p, vtag, c, w.len);
}

static const uint8_t cookie_param[8] = {0, RFC_PARAM_STATE_COOKIE, 0, 8, 1, 2, 3, 4};

/* x connects; its INIT is taken off the wire. Returns x's Initiate Tag. */
static uint32_t start_cookie_wait(side *x, uint64_t seed) {
  side_new(x, seed);
  cr_assert_eq(csctp_assoc_connect(x->a, T0), 0);
  pkt p[4];
  cr_assert_eq(side_pull(x, p, 4, T0), 1);
  cr_assert_eq(csctp_assoc_get_state(x->a), CSCTP_STATE_COOKIE_WAIT);
  return x->a->local_tag;
}

Test(assoc_hostile, init_ack_zero_initiate_tag_aborted) {
  side x;
  uint32_t xtag = start_cookie_wait(&x, 101);
  pkt in, out[4];
  init_ack_pkt(&in, xtag, 0, cookie_param, sizeof(cookie_param));
  cr_assert_eq(csctp_assoc_read_packet(x.a, in.b, in.len, T0), 0);
  cr_assert_eq(side_pull(&x, out, 4, T0), 1, "one ABORT goes out");
  csctp_chunk ch;
  cr_assert(first_chunk(&out[0], &ch));
  cr_assert_eq(ch.type, RFC_ABORT);
  /* No peer tag to use: the ABORT reflects the INIT ACK's own tag, so T is set (§8.5.1 B). */
  cr_assert_eq(ch.flags & RFC_FLAG_T, RFC_FLAG_T);
  cr_assert_eq(pkt_vtag(&out[0]), xtag);
  uint16_t code, len;
  first_cause(&ch, &code, &len);
  cr_assert_eq(code, RFC_INVALID_MANDATORY, "§3.3.10.7 Invalid Mandatory Parameter");
  cr_assert_eq(len, 4, "the cause has no body");
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_CLOSED);
  side_drain_events(&x);
  cr_assert_not(side_has_event(&x, CSCTP_EVENT_CONNECTED));
  const csctp_event *e = side_find_event(&x, CSCTP_EVENT_CLOSED);
  cr_assert_not_null(e);
  cr_assert_eq(e->u.closed.cause, RFC_INVALID_MANDATORY);
  cr_assert_eq(stat_aborts_sent(&x), 1);
  csctp_assoc_del(x.a);
}

Test(assoc_hostile, init_ack_without_state_cookie_aborted) {
  side x;
  uint32_t xtag = start_cookie_wait(&x, 102);
  pkt in, out[4];
  init_ack_pkt(&in, xtag, 0xabcd1234, NULL, 0);
  cr_assert_eq(csctp_assoc_read_packet(x.a, in.b, in.len, T0), 0);
  cr_assert_eq(side_pull(&x, out, 4, T0), 1, "one ABORT goes out");
  csctp_chunk ch;
  cr_assert(first_chunk(&out[0], &ch));
  cr_assert_eq(ch.type, RFC_ABORT);
  /* The peer's Initiate Tag is known: it addresses the ABORT, T clear. */
  cr_assert_eq(ch.flags & RFC_FLAG_T, 0);
  cr_assert_eq(pkt_vtag(&out[0]), 0xabcd1234);
  /* §3.3.10.2: code 2, length 8 + 2 * N, N (32 bits) = 1, then the missing type 7. */
  static const uint8_t want[10] = {0, RFC_MISSING_MANDATORY, 0, 10, 0, 0, 0, 1,
                                   0, RFC_PARAM_STATE_COOKIE};
  cr_assert_geq(ch.value_len, sizeof(want));
  cr_assert_arr_eq(ch.value, want, sizeof(want));
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_CLOSED);
  side_drain_events(&x);
  cr_assert_not(side_has_event(&x, CSCTP_EVENT_CONNECTED));
  const csctp_event *e = side_find_event(&x, CSCTP_EVENT_CLOSED);
  cr_assert_not_null(e);
  cr_assert_eq(e->u.closed.cause, RFC_MISSING_MANDATORY);
  csctp_assoc_del(x.a);
}

Test(assoc_hostile, init_ack_truncated_parameter_dropped) {
  side x;
  uint32_t xtag = start_cookie_wait(&x, 103);
  /* A State Cookie that declares 40 bytes where the chunk holds 8 (§3.2.1: malformed). */
  static const uint8_t bad[8] = {0, RFC_PARAM_STATE_COOKIE, 0, 40, 1, 2, 3, 4};
  pkt in, out[4];
  init_ack_pkt(&in, xtag, 0xabcd1234, bad, sizeof(bad));
  csctp_stats before, after;
  csctp_assoc_get_stats(x.a, &before);
  cr_assert_eq(csctp_assoc_read_packet(x.a, in.b, in.len, T0), 0);
  csctp_assoc_get_stats(x.a, &after);
  cr_assert_eq(after.drop_malformed, before.drop_malformed + 1, "counted as malformed");
  cr_assert_eq(after.aborts_sent, before.aborts_sent, "no ABORT");
  cr_assert_eq(side_pull(&x, out, 4, T0), 0, "nothing sent");
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_COOKIE_WAIT, "no state change");
  cr_assert_eq(x.a->peer_tag, 0, "the peer's tag is not taken");
  /* the attempt goes on: a good INIT ACK is still accepted */
  init_ack_pkt(&in, xtag, 0xabcd1234, cookie_param, sizeof(cookie_param));
  cr_assert_eq(csctp_assoc_read_packet(x.a, in.b, in.len, T0), 0);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_COOKIE_ECHOED);
  cr_assert_eq(side_pull(&x, out, 4, T0), 1);
  csctp_chunk ch;
  cr_assert(first_chunk(&out[0], &ch));
  cr_assert_eq(ch.type, RFC_COOKIE_ECHO);
  csctp_assoc_del(x.a);
}

/* ---- 2. peer restart seen in SHUTDOWN-ACK-SENT ---- */

Test(assoc_hostile, restart_in_shutdown_ack_sent_gets_shutdown_ack_and_error) {
  side x, y, x2;
  side_new(&x, 201);
  side_new(&y, 202);
  establish(&x, &y, T0);
  uint32_t ylocal = y.a->local_tag, ypeer = y.a->peer_tag;
  /* x restarts: its new incarnation gets a cookie (with tie tags) from y while y is up. */
  side_new(&x2, 203);
  cr_assert_eq(csctp_assoc_connect(x2.a, T0), 0);
  pkt p[8];
  cr_assert_eq(side_pull(&x2, p, 8, T0), 1);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p[0].b, p[0].len, T0), 0);
  cr_assert_eq(side_pull(&y, p, 8, T0), 1);
  cr_assert_eq(csctp_assoc_read_packet(x2.a, p[0].b, p[0].len, T0), 0);
  pkt echo[8];
  cr_assert_eq(side_pull(&x2, echo, 8, T0), 1);
  csctp_chunk ch;
  cr_assert(first_chunk(&echo[0], &ch));
  cr_assert_eq(ch.type, RFC_COOKIE_ECHO);
  /* Meanwhile the old x shuts down; y answers and sits in SHUTDOWN-ACK-SENT. */
  cr_assert_eq(csctp_assoc_shutdown(x.a, T0), 0);
  int n = side_pull(&x, p, 8, T0);
  for (int i = 0; i < n; i++) csctp_assoc_read_packet(y.a, p[i].b, p[i].len, T0);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_SHUTDOWN_ACK_SENT);
  side_pull(&y, p, 8, T0); /* the SHUTDOWN ACK, lost */
  side_drain_events(&y);
  y.nev = 0;
  /* The restarted peer's COOKIE ECHO arrives: §5.2.4 action A in SHUTDOWN-ACK-SENT. */
  cr_assert_eq(csctp_assoc_read_packet(y.a, echo[0].b, echo[0].len, T0), 0);
  n = side_pull(&y, p, 8, T0);
  cr_assert_eq(n, 1, "one packet answers");
  cr_assert_eq(pkt_vtag(&p[0]), x2.a->local_tag, "addressed to the new incarnation");
  csctp_chunk sa, er;
  cr_assert(find_chunk(&p[0], RFC_SHUTDOWN_ACK, &sa), "a SHUTDOWN ACK");
  cr_assert_eq(sa.length, 4);
  cr_assert(find_chunk(&p[0], RFC_ERROR, &er), "an ERROR");
  uint16_t code, len;
  first_cause(&er, &code, &len);
  cr_assert_eq(code, RFC_COOKIE_WHILE_SHUTTING_DOWN, "§3.3.10.10");
  cr_assert_eq(len, 4);
  cr_assert_not(find_chunk(&p[0], 11, NULL), "no COOKIE ACK");
  /* no new association state */
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_SHUTDOWN_ACK_SENT);
  cr_assert_eq(y.a->local_tag, ylocal);
  cr_assert_eq(y.a->peer_tag, ypeer);
  side_drain_events(&y);
  cr_assert_not(side_has_event(&y, CSCTP_EVENT_RESTARTED));
  cr_assert_not(side_has_event(&y, CSCTP_EVENT_CONNECTED));
  csctp_assoc_del(x.a);
  csctp_assoc_del(x2.a);
  csctp_assoc_del(y.a);
}

/* ---- 3. the ABORTs of DATA intake ---- */

static void small_messages(csctp_config *cfg) { cfg->max_message_size = 1000; }

/* One DATA chunk (§3.3.1) on stream 0 with len zero bytes, for y from x. */
static void data_pkt(pkt *p, const side *y, uint8_t flags, uint32_t tsn, uint16_t ssn, size_t len) {
  static const uint8_t payload[1200];
  uint8_t c[PKT_MAX];
  csctp_wr w;
  csctp_wr_init(&w, c, sizeof(c));
  csctp_data_chunk d = {
      .flags = flags, .tsn = tsn, .stream = 0, .ssn = ssn, .ppid = 53, .data = payload, .len = len};
  csctp_data_write(&w, &d);
  cr_assert_not(w.overflow);
  build_pkt(p, y->a->local_tag, c, w.len);
}

static void assert_aborted_with(side *x, side *y, uint16_t cause, uint64_t aborts_before) {
  pkt out[8];
  int n = side_pull(y, out, 8, T0);
  int found = 0;
  for (int i = 0; i < n; i++) {
    csctp_chunk ch;
    if (!find_chunk(&out[i], RFC_ABORT, &ch)) continue;
    found = 1;
    cr_assert_eq(ch.flags & RFC_FLAG_T, 0);
    cr_assert_eq(pkt_vtag(&out[i]), x->a->local_tag, "addressed with the peer's tag");
    uint16_t code, len;
    first_cause(&ch, &code, &len);
    cr_assert_eq(code, cause);
    cr_assert_geq(len, 4);
  }
  cr_assert(found, "an ABORT goes out");
  cr_assert_eq(csctp_assoc_get_state(y->a), CSCTP_STATE_CLOSED);
  side_drain_events(y);
  const csctp_event *e = side_find_event(y, CSCTP_EVENT_CLOSED);
  cr_assert_not_null(e);
  cr_assert_eq(e->u.closed.reason, CSCTP_CLOSE_PROTOCOL_ERROR);
  cr_assert_eq(e->u.closed.cause, cause);
  cr_assert_eq(stat_aborts_sent(y), aborts_before + 1, "the ABORT is counted");
}

Test(assoc_hostile, data_over_max_message_size_aborts_out_of_resource) {
  side x, y;
  side_new(&x, 301);
  side_new_cfg(&y, 302, small_messages);
  establish(&x, &y, T0);
  y.nev = 0;
  uint64_t before = stat_aborts_sent(&y);
  uint32_t tsn = y.a->rxt.cum + 1;
  /* a first fragment within the limit, then a middle one that takes the message past it */
  pkt in;
  data_pkt(&in, &y, CSCTP_DATA_FLAG_B, tsn, 0, 800);
  cr_assert_eq(csctp_assoc_read_packet(y.a, in.b, in.len, T0), 0);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_ESTABLISHED, "800 bytes fit");
  data_pkt(&in, &y, 0, tsn + 1, 0, 800);
  cr_assert_eq(csctp_assoc_read_packet(y.a, in.b, in.len, T0), 0);
  assert_aborted_with(&x, &y, RFC_OUT_OF_RESOURCE, before);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(assoc_hostile, data_unfragmented_over_max_message_size_aborts) {
  side x, y;
  side_new(&x, 303);
  side_new_cfg(&y, 304, small_messages);
  establish(&x, &y, T0);
  y.nev = 0;
  uint64_t before = stat_aborts_sent(&y);
  pkt in;
  data_pkt(&in, &y, CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E, y.a->rxt.cum + 1, 0, 1100);
  cr_assert_eq(csctp_assoc_read_packet(y.a, in.b, in.len, T0), 0);
  assert_aborted_with(&x, &y, RFC_OUT_OF_RESOURCE, before);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(assoc_hostile, inconsistent_fragment_aborts_protocol_violation) {
  side x, y;
  side_new(&x, 305);
  side_new(&y, 306);
  establish(&x, &y, T0);
  y.nev = 0;
  uint64_t before = stat_aborts_sent(&y);
  uint32_t tsn = y.a->rxt.cum + 1;
  /* §6.9: the fragments of one message share the SSN; the TSN after a first fragment
   * carries a middle fragment of another SSN. */
  pkt in;
  data_pkt(&in, &y, CSCTP_DATA_FLAG_B, tsn, 0, 100);
  cr_assert_eq(csctp_assoc_read_packet(y.a, in.b, in.len, T0), 0);
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_ESTABLISHED);
  data_pkt(&in, &y, 0, tsn + 1, 5, 100);
  cr_assert_eq(csctp_assoc_read_packet(y.a, in.b, in.len, T0), 0);
  assert_aborted_with(&x, &y, RFC_PROTOCOL_VIOLATION, before);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

/* ---- 4. csctp_assoc_shutdown() during set-up ---- */

Test(assoc_hostile, shutdown_in_cookie_echoed_aborts_user_initiated) {
  side x;
  uint32_t xtag = start_cookie_wait(&x, 401);
  pkt in, out[4];
  init_ack_pkt(&in, xtag, 0xabcd1234, cookie_param, sizeof(cookie_param));
  cr_assert_eq(csctp_assoc_read_packet(x.a, in.b, in.len, T0), 0);
  cr_assert_eq(side_pull(&x, out, 4, T0), 1); /* COOKIE ECHO */
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_COOKIE_ECHOED);
  cr_assert_eq(csctp_assoc_shutdown(x.a, T0), 0);
  cr_assert_eq(side_pull(&x, out, 4, T0), 1, "one ABORT goes out");
  csctp_chunk ch;
  cr_assert(first_chunk(&out[0], &ch));
  cr_assert_eq(ch.type, RFC_ABORT);
  cr_assert_eq(ch.flags & RFC_FLAG_T, 0);
  cr_assert_eq(pkt_vtag(&out[0]), 0xabcd1234, "the peer's tag from its INIT ACK");
  uint16_t code, len;
  first_cause(&ch, &code, &len);
  cr_assert_eq(code, RFC_USER_INITIATED_ABORT, "§3.3.10.12");
  cr_assert_geq(len, 4);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_CLOSED);
  side_drain_events(&x);
  cr_assert_not(side_has_event(&x, CSCTP_EVENT_CONNECTED));
  const csctp_event *e = side_find_event(&x, CSCTP_EVENT_CLOSED);
  cr_assert_not_null(e);
  cr_assert_eq(e->u.closed.reason, CSCTP_CLOSE_LOCAL_ABORT);
  /* nothing more: the COOKIE ECHO is not retransmitted */
  cr_assert_eq(side_pull(&x, out, 4, T0 + 10 * CSCTP_SECONDS), 0);
  if (csctp_assoc_expiry(x.a) <= T0 + 10 * CSCTP_SECONDS)
    csctp_assoc_handle_expiry(x.a, T0 + 10 * CSCTP_SECONDS);
  cr_assert_eq(side_pull(&x, out, 4, T0 + 10 * CSCTP_SECONDS), 0);
  csctp_assoc_del(x.a);
}

Test(assoc_hostile, shutdown_in_cookie_wait_closes) {
  side x;
  start_cookie_wait(&x, 402);
  cr_assert_eq(csctp_assoc_shutdown(x.a, T0), 0);
  /* §9.1 asks for an ABORT with the peer's Verification Tag and a User-Initiated Abort cause,
   * but in COOKIE-WAIT no INIT ACK has told us that tag, and the peer holds no TCB yet (§5.1:
   * its state is in the cookie). The engine sends nothing then; whatever goes out must be
   * such an ABORT, never another INIT. */
  pkt out[4];
  int n = side_pull(&x, out, 4, T0);
  for (int i = 0; i < n; i++) {
    csctp_chunk ch;
    cr_assert(first_chunk(&out[i], &ch));
    cr_assert_eq(ch.type, RFC_ABORT, "only an ABORT may go out");
    uint16_t code, len;
    first_cause(&ch, &code, &len);
    cr_assert_eq(code, RFC_USER_INITIATED_ABORT);
  }
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_CLOSED);
  side_drain_events(&x);
  cr_assert_not(side_has_event(&x, CSCTP_EVENT_CONNECTED));
  const csctp_event *e = side_find_event(&x, CSCTP_EVENT_CLOSED);
  cr_assert_not_null(e);
  cr_assert_eq(e->u.closed.reason, CSCTP_CLOSE_LOCAL_ABORT);
  /* the INIT is not retransmitted */
  if (csctp_assoc_expiry(x.a) <= T0 + 10 * CSCTP_SECONDS)
    csctp_assoc_handle_expiry(x.a, T0 + 10 * CSCTP_SECONDS);
  cr_assert_eq(side_pull(&x, out, 4, T0 + 10 * CSCTP_SECONDS), 0);
  csctp_assoc_del(x.a);
}
