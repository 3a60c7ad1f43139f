/* SPDX-License-Identifier: MIT */
/*
 * src/assoc_reconfig.c, RE-CONFIG intake of parameters it does not know: the
 * two upper bits of a parameter type say what to do with it (RFC 9260
 * §3.2.1, which RFC 6525 §3.1 parameters follow): 00 stop processing the
 * chunk, 01 stop and report it in an ERROR with an Unrecognized Parameters
 * cause, 10 skip it, 11 skip and report. A known request after it is answered
 * only when processing went on. test_reconfig.c and test_reconfig_ext.c cover
 * the known requests.
 */
#include "ext_util.h"

typedef struct seen {
  int n_resp;      /* Re-configuration Responses to our request */
  uint32_t result; /* the last one's result */
  int n_unrec;     /* Unrecognized Parameters causes naming our unknown parameter */
} seen;

/* Sends y a RE-CONFIG of an unknown parameter of `type` then an SSN/TSN Reset Request. */
static seen send_unknown_then_request(uint16_t type) {
  side x, y;
  side_new(&x, 31);
  side_new(&y, 32);
  establish(&x, &y, T0);
  uint8_t c[64];
  csctp_wr w;
  csctp_wr_init(&w, c, sizeof(c));
  size_t off = csctp_reconfig_write_begin(&w);
  static const uint8_t body[6] = {1, 2, 3, 4, 5, 6};
  csctp_param_write(&w, type, body, sizeof(body));
  csctp_reconfig_param req = {.type = CSCTP_PARAM_SSN_TSN_RESET, .seq = y.a->rc.peer_next_seq};
  csctp_reconfig_param_write(&w, &req, NULL);
  csctp_wr_tlv_end(&w, off);
  cr_assert(!w.overflow);
  pkt p;
  build_pkt(&p, y.a->local_tag, c, w.len);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);

  seen s = {0};
  pkt out[8];
  int n = side_pull(&y, out, 8, T0);
  for (int i = 0; i < n; i++) {
    csctp_chunk_iter it;
    csctp_chunk ch;
    csctp_chunk_iter_init(&it, out[i].b, out[i].len);
    while (csctp_chunk_next(&it, &ch) == 1) {
      if (ch.type == CSCTP_CHUNK_RECONFIG) {
        csctp_reconfig_chunk rc;
        cr_assert_eq(csctp_reconfig_decode(&ch, &rc), 0);
        for (size_t k = 0; k < rc.n_params; k++)
          if (rc.params[k].type == CSCTP_PARAM_RECONFIG_RESP && rc.params[k].seq == req.seq) {
            s.n_resp++;
            s.result = rc.params[k].result;
          }
      } else if (ch.type == CSCTP_CHUNK_ERROR) {
        csctp_rd r;
        csctp_tlv t;
        csctp_rd_init(&r, ch.value, ch.value_len);
        while (csctp_tlv_next(&r, &t) == 1) {
          if (t.type != CSCTP_CAUSE_UNRECOGNIZED_PARAMS) continue;
          /* §3.3.10.8: the unrecognized parameter, whole. */
          cr_assert_geq(t.value_len, 10);
          cr_assert_eq(csctp_get_u16(t.value), type);
          cr_assert_eq(csctp_get_u16(t.value + 2), 10);
          cr_assert_eq(memcmp(t.value + 4, body, sizeof(body)), 0);
          s.n_unrec++;
        }
      }
    }
  }
  cr_assert_eq(csctp_assoc_get_state(y.a), CSCTP_STATE_ESTABLISHED);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
  return s;
}

Test(assoc_reconfig, unknown_parameter_00_stops_silently) {
  seen s = send_unknown_then_request(0x0042);
  cr_assert_eq(s.n_unrec, 0);
  cr_assert_eq(s.n_resp, 0, "the request after it was processed");
}

Test(assoc_reconfig, unknown_parameter_01_stops_and_reports) {
  seen s = send_unknown_then_request(0x4042);
  cr_assert_eq(s.n_unrec, 1);
  cr_assert_eq(s.n_resp, 0, "the request after it was processed");
}

Test(assoc_reconfig, unknown_parameter_10_is_skipped) {
  seen s = send_unknown_then_request(0x8042);
  cr_assert_eq(s.n_unrec, 0);
  cr_assert_eq(s.n_resp, 1);
  cr_assert_eq(s.result, CSCTP_RECONFIG_DENIED); /* SSN/TSN reset: denied by design */
}

Test(assoc_reconfig, unknown_parameter_11_is_skipped_and_reported) {
  seen s = send_unknown_then_request(0xc042);
  cr_assert_eq(s.n_unrec, 1);
  cr_assert_eq(s.n_resp, 1);
}
