/* SPDX-License-Identifier: MIT */
/* INIT / INIT ACK and their parameters (RFC 9260 §3.3.2, §3.3.3, §3.2.1). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <csctp/common.h>

#include "chunk.h"

static void expect_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len) {
  if (got_len != want_len || memcmp(got, want, want_len) != 0) {
    for (size_t i = 0; i < got_len; i++) fprintf(stderr, "%02x%s", got[i], (i % 4 == 3) ? " " : "");
    fprintf(stderr, "\n");
  }
  cr_assert_eq(got_len, want_len, "length %zu, expected %zu", got_len, want_len);
  cr_assert_eq(memcmp(got, want, want_len), 0, "bytes differ");
}

static csctp_chunk one_chunk(uint8_t *pkt, const uint8_t *bytes, size_t len) {
  memset(pkt, 0, 12);
  memcpy(pkt + 12, bytes, len);
  csctp_chunk_iter it;
  csctp_chunk_iter_init(&it, pkt, 12 + len);
  csctp_chunk ch;
  cr_assert_eq(csctp_chunk_next(&it, &ch), 1);
  return ch;
}

static const uint8_t init_wire[108] = {
    0x01, 0x00, 0x00, 0x6c,                      /* INIT, length 108 */
    0xaa, 0xbb, 0xcc, 0xdd,                      /* initiate tag */
    0x00, 0x02, 0x00, 0x00,                      /* a_rwnd 131072 */
    0xff, 0xff, 0x04, 0x00,                      /* OS 65535, MIS 1024 */
    0x00, 0x00, 0x00, 0x01,                      /* initial TSN 1 */
    0x00, 0x05, 0x00, 0x08, 192,  168,  1,    1, /* IPv4 */
    0x00, 0x06, 0x00, 0x14, 0xfe, 0x80, 0,    0, /* IPv6 fe80::1 */
    0,    0,    0,    0,    0,    0,    0,    0,    0, 0, 0, 1,
    0x00, 0x09, 0x00, 0x08, 0x00, 0x00, 0x13, 0x88,             /* Cookie Preservative 5000 ms */
    0x00, 0x0b, 0x00, 0x09, 'h',  'o',  's',  't',  0, 0, 0, 0, /* Host Name */
    0x00, 0x0c, 0x00, 0x06, 0x00, 0x05, 0x00, 0x00,             /* Supported Address Types: IPv4 */
    0x80, 0x00, 0x00, 0x04,                                     /* ECN Capable */
    0x80, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01,             /* Zero Checksum, EDMID 1 */
    0x80, 0x08, 0x00, 0x06, 0x82, 0xc0, 0x00, 0x00,             /* Supported Extensions */
    0xc0, 0x00, 0x00, 0x04,                                     /* Forward-TSN-Supported */
    0xc0, 0x06, 0x00, 0x08, 0x12, 0x34, 0x56, 0x78,             /* Adaptation Layer */
};

Test(init, encode_every_parameter) {
  uint8_t b[256];
  csctp_wr w;
  csctp_wr_init(&w, b, sizeof(b));
  csctp_init_chunk f;
  memset(&f, 0, sizeof(f));
  f.initiate_tag = 0xaabbccdd;
  f.a_rwnd = 131072;
  f.num_outbound_streams = 65535;
  f.num_inbound_streams = 1024;
  f.initial_tsn = 1;
  f.forward_tsn_supported = 1; /* ignored by write_begin */
  size_t off = csctp_init_write_begin(&w, CSCTP_CHUNK_INIT, &f);
  static const uint8_t v4[4] = {192, 168, 1, 1};
  static const uint8_t v6[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  static const uint8_t pres[4] = {0, 0, 0x13, 0x88};
  static const uint8_t at[2] = {0, 5};
  static const uint8_t edmid[4] = {0, 0, 0, 1};
  static const uint8_t ext[2] = {0x82, 0xc0};
  static const uint8_t ind[4] = {0x12, 0x34, 0x56, 0x78};
  csctp_param_write(&w, CSCTP_PARAM_IPV4, v4, 4);
  csctp_param_write(&w, CSCTP_PARAM_IPV6, v6, 16);
  csctp_param_write(&w, CSCTP_PARAM_COOKIE_PRESERVATIVE, pres, 4);
  csctp_param_write(&w, CSCTP_PARAM_HOSTNAME, (const uint8_t *)"host", 5);
  csctp_param_write(&w, CSCTP_PARAM_SUPPORTED_ADDR_TYPES, at, 2);
  csctp_param_write(&w, CSCTP_PARAM_ECN_CAPABLE, NULL, 0);
  csctp_param_write(&w, CSCTP_PARAM_ZERO_CHECKSUM, edmid, 4);
  csctp_param_write(&w, CSCTP_PARAM_SUPPORTED_EXTENSIONS, ext, 2);
  csctp_param_write(&w, CSCTP_PARAM_FORWARD_TSN_SUPPORTED, NULL, 0);
  csctp_param_write(&w, CSCTP_PARAM_ADAPTATION_LAYER, ind, 4);
  csctp_wr_tlv_end(&w, off);
  cr_assert(!w.overflow);
  expect_bytes(b, w.len, init_wire, sizeof(init_wire));
}

Test(init, decode_every_parameter) {
  uint8_t pkt[160];
  csctp_chunk ch = one_chunk(pkt, init_wire, sizeof(init_wire));
  csctp_init_chunk in;
  cr_assert_eq(csctp_init_decode(&ch, &in), 0);
  cr_assert_eq(in.initiate_tag, 0xaabbccddu);
  cr_assert_eq(in.a_rwnd, 131072);
  cr_assert_eq(in.num_outbound_streams, 65535);
  cr_assert_eq(in.num_inbound_streams, 1024);
  cr_assert_eq(in.initial_tsn, 1);
  cr_assert_eq(in.cookie, NULL);
  cr_assert(in.has_hostname);
  cr_assert(in.forward_tsn_supported);
  cr_assert(in.has_cookie_preservative);
  cr_assert_eq(in.cookie_preservative_ms, 5000);
  cr_assert_eq(in.supported_ext_len, 2);
  cr_assert(in.supported_ext[0] == 0x82 && in.supported_ext[1] == 0xc0);
  cr_assert(in.ecn_capable);
  cr_assert(in.has_zero_checksum);
  cr_assert_eq(in.zero_checksum_edmid, 1);
  cr_assert(in.has_adaptation_layer);
  cr_assert_eq(in.adaptation_ind, 0x12345678u);
  cr_assert_eq(in.n_unrecognized, 0);
  cr_assert_eq(in.stopped, 0);
}

static const uint8_t init_ack_wire[44] = {
    0x02, 0x00, 0x00, 0x2c, 0x11, 0x11, 0x11, 0x11, 0x00, 0x00, 0x10,
    0x00, 0x00, 0x0a, 0x00, 0x0b, 0x80, 0x00, 0x00, 0x00, 0x00, 0x07,
    0x00, 0x0b, 1,    2,    3,    4,    5,    6,    7,    0, /* State Cookie, 7 bytes */
    0x00, 0x08, 0x00, 0x08, 0xc1, 0x23, 0x00, 0x04,          /* Unrecognized Parameter */
    0xc0, 0x00, 0x00, 0x04,                                  /* Forward-TSN-Supported */
};

Test(init, init_ack_round_trip) {
  uint8_t b[64];
  csctp_wr w;
  csctp_wr_init(&w, b, sizeof(b));
  csctp_init_chunk f = {.initiate_tag = 0x11111111,
                        .a_rwnd = 4096,
                        .num_outbound_streams = 10,
                        .num_inbound_streams = 11,
                        .initial_tsn = 0x80000000u};
  size_t off = csctp_init_write_begin(&w, CSCTP_CHUNK_INIT_ACK, &f);
  static const uint8_t cookie[7] = {1, 2, 3, 4, 5, 6, 7};
  static const uint8_t unrec[4] = {0xc1, 0x23, 0x00, 0x04};
  csctp_param_write(&w, CSCTP_PARAM_STATE_COOKIE, cookie, 7);
  csctp_param_write(&w, CSCTP_PARAM_UNRECOGNIZED, unrec, 4);
  csctp_param_write(&w, CSCTP_PARAM_FORWARD_TSN_SUPPORTED, NULL, 0);
  csctp_wr_tlv_end(&w, off);
  expect_bytes(b, w.len, init_ack_wire, sizeof(init_ack_wire));

  uint8_t pkt[64];
  csctp_chunk ch = one_chunk(pkt, init_ack_wire, sizeof(init_ack_wire));
  csctp_init_chunk in;
  cr_assert_eq(csctp_init_decode(&ch, &in), 0);
  cr_assert_eq(in.initial_tsn, 0x80000000u);
  cr_assert_eq(in.cookie_len, 7);
  cr_assert_eq(in.cookie, pkt + 12 + 24);
  cr_assert_eq(memcmp(in.cookie, cookie, 7), 0);
  /* Type 8 is an INIT ACK parameter: recognized, neither stops nor reports. */
  cr_assert_eq(in.stopped, 0);
  cr_assert_eq(in.n_unrecognized, 0);
  cr_assert(in.forward_tsn_supported);
}

/* INIT fixed part (tag 1, a_rwnd 0x10000, 1 / 1 streams, TSN 0) + `params`. */
static csctp_chunk init_with(uint8_t *pkt, const uint8_t *params, size_t n) {
  uint8_t c[512] = {0x01, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0};
  memcpy(c + 20, params, n);
  c[2] = (uint8_t)((20 + n) >> 8);
  c[3] = (uint8_t)(20 + n);
  return one_chunk(pkt, c, 20 + n);
}

/* An unknown parameter `type` with one value byte (length 5, padded) then
 * Forward-TSN-Supported, which tells whether processing went on. */
static int init_unknown(uint16_t type, csctp_init_chunk *in, uint8_t *pkt) {
  uint8_t p[12] = {
      (uint8_t)(type >> 8), (uint8_t)type, 0x00, 0x05, 0x99, 0, 0, 0, 0xc0, 0x00, 0x00, 0x04};
  csctp_chunk ch = init_with(pkt, p, sizeof(p));
  return csctp_init_decode(&ch, in);
}

Test(init, unknown_00_stops_silently) {
  uint8_t pkt[600];
  csctp_init_chunk in;
  cr_assert_eq(init_unknown(0x0031, &in, pkt), 0);
  cr_assert_eq(in.stopped, 1);
  cr_assert_eq(in.n_unrecognized, 0);
  cr_assert_eq(in.forward_tsn_supported, 0);
  cr_assert_eq(in.initiate_tag, 1);
}

Test(init, unknown_01_stops_and_reports) {
  uint8_t pkt[600];
  csctp_init_chunk in;
  cr_assert_eq(init_unknown(0x4031, &in, pkt), 0);
  cr_assert_eq(in.stopped, 1);
  cr_assert_eq(in.n_unrecognized, 1);
  cr_assert_eq(in.unrecognized[0].type, 0x4031);
  cr_assert_eq(in.unrecognized[0].length, 5);
  cr_assert_eq(in.unrecognized[0].raw, pkt + 12 + 20);
  cr_assert_eq(in.unrecognized[0].value[0], 0x99);
  cr_assert_eq(in.forward_tsn_supported, 0);
}

Test(init, unknown_10_skips_silently) {
  uint8_t pkt[600];
  csctp_init_chunk in;
  cr_assert_eq(init_unknown(0x8031, &in, pkt), 0);
  cr_assert_eq(in.stopped, 0);
  cr_assert_eq(in.n_unrecognized, 0);
  cr_assert_eq(in.forward_tsn_supported, 1);
}

Test(init, unknown_11_skips_and_reports) {
  uint8_t pkt[600];
  csctp_init_chunk in;
  cr_assert_eq(init_unknown(0xc031, &in, pkt), 0);
  cr_assert_eq(in.stopped, 0);
  cr_assert_eq(in.n_unrecognized, 1);
  cr_assert_eq(in.unrecognized[0].type, 0xc031);
  cr_assert_eq(in.forward_tsn_supported, 1);
}

Test(init, unknown_report_limit) {
  uint8_t p[10 * 4 + 4];
  for (int i = 0; i < 10; i++) {
    p[4 * i] = 0xc1;
    p[4 * i + 1] = (uint8_t)i;
    p[4 * i + 2] = 0;
    p[4 * i + 3] = 4;
  }
  memcpy(p + 40, "\xc0\x00\x00\x04", 4);
  uint8_t pkt[600];
  csctp_chunk ch = init_with(pkt, p, sizeof(p));
  csctp_init_chunk in;
  cr_assert_eq(csctp_init_decode(&ch, &in), 0);
  cr_assert_eq(in.n_unrecognized, CSCTP_MAX_UNRECOGNIZED);
  cr_assert_eq(in.n_unrecognized_dropped, 2);
  for (int i = 0; i < CSCTP_MAX_UNRECOGNIZED; i++)
    cr_assert_eq(in.unrecognized[i].type, 0xc100 + i);
  cr_assert(in.forward_tsn_supported);
}

Test(init, stop_ignores_what_follows) {
  /* After a 01 parameter, even broken framing is not looked at. */
  static const uint8_t p[10] = {0x40, 0x01, 0x00, 0x04, 0x00, 0x05, 0x00, 0x02, 0xff, 0xff};
  uint8_t pkt[600];
  csctp_chunk ch = init_with(pkt, p, sizeof(p));
  csctp_init_chunk in;
  cr_assert_eq(csctp_init_decode(&ch, &in), 0);
  cr_assert(in.stopped);
  cr_assert_eq(in.n_unrecognized, 1);
}

static int decode_params(const uint8_t *p, size_t n) {
  uint8_t pkt[600];
  csctp_chunk ch = init_with(pkt, p, n);
  csctp_init_chunk in;
  return csctp_init_decode(&ch, &in);
}

Test(init, malformed) {
  uint8_t pkt[600];
  csctp_init_chunk in;
  /* Fixed part one byte short. */
  static const uint8_t short_init[20] = {0x01, 0, 0, 19, 0, 0, 0, 1, 0, 1,
                                         0,    0, 0, 1,  0, 1, 0, 0, 0, 0};
  csctp_chunk ch = one_chunk(pkt, short_init, sizeof(short_init));
  cr_assert_eq(csctp_init_decode(&ch, &in), CSCTP_ERR_MALFORMED);
  /* A parameter overrunning the chunk. */
  static const uint8_t overrun[8] = {0x00, 0x05, 0x00, 0x0c, 10, 0, 0, 1};
  cr_assert_eq(decode_params(overrun, sizeof(overrun)), CSCTP_ERR_MALFORMED);
  /* An unknown parameter overrunning: framing fails before its action applies. */
  static const uint8_t overrun_unk[8] = {0x00, 0x31, 0x00, 0x10, 10, 0, 0, 1};
  cr_assert_eq(decode_params(overrun_unk, sizeof(overrun_unk)), CSCTP_ERR_MALFORMED);
  /* Parameter length below 4. */
  static const uint8_t tiny[4] = {0xc0, 0x00, 0x00, 0x02};
  cr_assert_eq(decode_params(tiny, sizeof(tiny)), CSCTP_ERR_MALFORMED);
  /* Trailing bytes that cannot hold a parameter header. */
  static const uint8_t trail[6] = {0xc0, 0x00, 0x00, 0x04, 0x00, 0x05};
  cr_assert_eq(decode_params(trail, sizeof(trail)), CSCTP_ERR_MALFORMED);
}

Test(init, wrong_lengths_of_known_parameters) {
  static const uint8_t ipv4_long[12] = {0x00, 0x05, 0x00, 0x0c, 1, 2, 3, 4, 5, 6, 7, 8};
  cr_assert_eq(decode_params(ipv4_long, sizeof(ipv4_long)), CSCTP_ERR_MALFORMED);
  static const uint8_t ipv6_short[8] = {0x00, 0x06, 0x00, 0x08, 1, 2, 3, 4};
  cr_assert_eq(decode_params(ipv6_short, sizeof(ipv6_short)), CSCTP_ERR_MALFORMED);
  static const uint8_t pres_empty[4] = {0x00, 0x09, 0x00, 0x04};
  cr_assert_eq(decode_params(pres_empty, sizeof(pres_empty)), CSCTP_ERR_MALFORMED);
  static const uint8_t addr_odd[8] = {0x00, 0x0c, 0x00, 0x07, 0, 5, 0, 0};
  cr_assert_eq(decode_params(addr_odd, sizeof(addr_odd)), CSCTP_ERR_MALFORMED);
  static const uint8_t ecn_value[8] = {0x80, 0x00, 0x00, 0x08, 0, 0, 0, 0};
  cr_assert_eq(decode_params(ecn_value, sizeof(ecn_value)), CSCTP_ERR_MALFORMED);
  static const uint8_t fwd_value[8] = {0xc0, 0x00, 0x00, 0x05, 1, 0, 0, 0};
  cr_assert_eq(decode_params(fwd_value, sizeof(fwd_value)), CSCTP_ERR_MALFORMED);
  static const uint8_t adapt_short[8] = {0xc0, 0x06, 0x00, 0x06, 1, 2, 0, 0};
  cr_assert_eq(decode_params(adapt_short, sizeof(adapt_short)), CSCTP_ERR_MALFORMED);
  /* Variable-length ones accept any length, including empty. */
  static const uint8_t ext_empty[4] = {0x80, 0x08, 0x00, 0x04};
  cr_assert_eq(decode_params(ext_empty, sizeof(ext_empty)), 0);
  static const uint8_t host_empty[4] = {0x00, 0x0b, 0x00, 0x04};
  cr_assert_eq(decode_params(host_empty, sizeof(host_empty)), 0);
}

Test(init, writer_limits) {
  uint8_t b[19];
  csctp_wr w;
  csctp_wr_init(&w, b, sizeof(b));
  csctp_init_chunk f = {.initiate_tag = 1};
  csctp_init_write_begin(&w, CSCTP_CHUNK_INIT, &f);
  cr_assert(w.overflow);
  static uint8_t big[65536];
  static uint8_t out[70000];
  csctp_wr_init(&w, out, sizeof(out));
  csctp_param_write(&w, CSCTP_PARAM_STATE_COOKIE, big, 65532);
  cr_assert(w.overflow);
  csctp_wr_init(&w, out, sizeof(out));
  csctp_param_write(&w, CSCTP_PARAM_STATE_COOKIE, big, 65531);
  cr_assert(!w.overflow);
  cr_assert_eq(w.len, 65536);
}

/* RFC 9653 §4 says Length 8; a Zero Checksum Acceptable of another length (draft versions sent
 * 4, without an EDMID) decodes as no announcement instead of making the INIT malformed. */
Test(init, zero_checksum_of_another_length_is_no_announcement) {
  static const uint8_t lens4[4] = {0x80, 0x01, 0x00, 0x04};
  static const uint8_t lens7[8] = {0x80, 0x01, 0x00, 0x07, 0, 0, 1, 0};
  static const uint8_t lens12[12] = {0x80, 0x01, 0x00, 0x0c, 0, 0, 0, 1, 0, 0, 0, 0};
  static const uint8_t good[8] = {0x80, 0x01, 0x00, 0x08, 0, 0, 0, 1};
  const struct {
    const uint8_t *b;
    size_t n;
    int announced;
  } cases[] = {{lens4, 4, 0}, {lens7, 8, 0}, {lens12, 12, 0}, {good, 8, 1}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint8_t pkt[600];
    csctp_chunk ch = init_with(pkt, cases[i].b, cases[i].n);
    csctp_init_chunk in;
    cr_assert_eq(csctp_init_decode(&ch, &in), 0, "case %zu", i);
    cr_assert_eq(in.has_zero_checksum, cases[i].announced, "case %zu", i);
    if (cases[i].announced) cr_assert_eq(in.zero_checksum_edmid, 1u);
  }
}

/* §5.1.2 Supported Address Types: the families listed (Host Name, 11, is not one we take). */
Test(init, supported_address_types_are_read) {
  static const uint8_t v4[8] = {0x00, 0x0c, 0x00, 0x06, 0x00, 0x05, 0, 0};
  static const uint8_t v6[8] = {0x00, 0x0c, 0x00, 0x06, 0x00, 0x06, 0, 0};
  static const uint8_t both[12] = {0x00, 0x0c, 0x00, 0x0a, 0x00, 0x06,
                                   0x00, 0x0b, 0x00, 0x05, 0,    0};
  static const uint8_t none[4] = {0x00, 0x0c, 0x00, 0x04};
  const struct {
    const uint8_t *b;
    size_t n;
    uint8_t types;
  } cases[] = {{v4, 8, CSCTP_ADDR_TYPES_PRESENT | CSCTP_ADDR_TYPES_V4},
               {v6, 8, CSCTP_ADDR_TYPES_PRESENT | CSCTP_ADDR_TYPES_V6},
               {both, 12, CSCTP_ADDR_TYPES_PRESENT | CSCTP_ADDR_TYPES_V4 | CSCTP_ADDR_TYPES_V6},
               {none, 4, CSCTP_ADDR_TYPES_PRESENT}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint8_t pkt[600];
    csctp_chunk ch = init_with(pkt, cases[i].b, cases[i].n);
    csctp_init_chunk in;
    cr_assert_eq(csctp_init_decode(&ch, &in), 0, "case %zu", i);
    cr_assert_eq(in.addr_types, cases[i].types, "case %zu: %#x", i, in.addr_types);
  }
  uint8_t pkt[600];
  csctp_chunk ch = init_with(pkt, (const uint8_t *)"", 0); /* no parameter: 0 */
  csctp_init_chunk in;
  cr_assert_eq(csctp_init_decode(&ch, &in), 0);
  cr_assert_eq(in.addr_types, 0);
}
