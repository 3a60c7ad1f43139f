/* SPDX-License-Identifier: MIT */
/* DCEP codec (datachannel/dcep.c); expected bytes written by hand from RFC 8832 §5. */
#include <criterion/criterion.h>
#include <string.h>

#include "dcep.h"

/* OPEN, partial reliable by retransmissions, unordered (0x81), priority 256,
 * 3 retransmissions, label "chat", protocol "x". */
static const uint8_t open_chat[] = {0x03, 0x81, 0x01, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00,
                                    0x04, 0x00, 0x01, 'c',  'h',  'a',  't',  'x'};

Test(dcep, parse_open_fields) {
  csctp_dcep_msg m;
  cr_assert_eq(csctp_dcep_parse(open_chat, sizeof open_chat, &m), CSCTP_DCEP_OK);
  cr_assert_eq(m.type, CSCTP_DCEP_OPEN);
  cr_assert_eq(m.channel_type, 0x81);
  cr_assert_eq(m.priority, 256);
  cr_assert_eq(m.reliability_param, 3);
  cr_assert_eq(m.label_len, 4);
  cr_assert_eq(memcmp(m.label, "chat", 4), 0);
  cr_assert_eq(m.protocol_len, 1);
  cr_assert_eq(m.protocol[0], 'x');
}

Test(dcep, write_open_is_byte_exact) {
  csctp_dcep_msg m = {.channel_type = 0x81,
                      .priority = 256,
                      .reliability_param = 3,
                      .label = (const uint8_t *)"chat",
                      .label_len = 4,
                      .protocol = (const uint8_t *)"x",
                      .protocol_len = 1};
  uint8_t buf[64];
  cr_assert_eq(csctp_dcep_open_size(&m), sizeof open_chat);
  csctp_dcep_write_open(buf, &m);
  cr_assert_eq(memcmp(buf, open_chat, sizeof open_chat), 0);
}

Test(dcep, ack_is_one_byte_extra_ignored) {
  csctp_dcep_msg m;
  const uint8_t ack[] = {0x02}, ack2[] = {0x02, 0xff};
  cr_assert_eq(csctp_dcep_parse(ack, 1, &m), CSCTP_DCEP_OK);
  cr_assert_eq(m.type, CSCTP_DCEP_ACK);
  cr_assert_eq(csctp_dcep_parse(ack2, 2, &m), CSCTP_DCEP_OK);
}

Test(dcep, empty_and_truncated_are_malformed) {
  csctp_dcep_msg m;
  cr_assert_eq(csctp_dcep_parse(open_chat, 0, &m), CSCTP_DCEP_MALFORMED);
  for (size_t n = 1; n < sizeof open_chat; n++)
    cr_assert_eq(csctp_dcep_parse(open_chat, n, &m), CSCTP_DCEP_MALFORMED, "len %zu", n);
}

Test(dcep, label_length_past_the_end) {
  uint8_t b[sizeof open_chat];
  memcpy(b, open_chat, sizeof b);
  b[8] = 0xff; /* label length 0xff04 */
  csctp_dcep_msg m;
  cr_assert_eq(csctp_dcep_parse(b, sizeof b, &m), CSCTP_DCEP_MALFORMED);
  memcpy(b, open_chat, sizeof b);
  b[11] = 2; /* protocol length one past the end */
  cr_assert_eq(csctp_dcep_parse(b, sizeof b, &m), CSCTP_DCEP_MALFORMED);
}

Test(dcep, unknown_and_reserved_message_types) {
  csctp_dcep_msg m;
  const uint8_t types[] = {0x00, 0x01, 0x04, 0x7f, 0xfe, 0xff};
  for (size_t i = 0; i < sizeof types; i++)
    cr_assert_eq(csctp_dcep_parse(&types[i], 1, &m), CSCTP_DCEP_UNKNOWN_TYPE);
}

Test(dcep, channel_types) {
  const uint8_t ok[] = {0x00, 0x01, 0x02, 0x80, 0x81, 0x82};
  const uint8_t bad[] = {0x03, 0x7e, 0x7f, 0x83, 0xfe, 0xff};
  uint8_t b[sizeof open_chat];
  csctp_dcep_msg m;
  for (size_t i = 0; i < sizeof ok; i++) {
    memcpy(b, open_chat, sizeof b);
    b[1] = ok[i];
    cr_assert_eq(csctp_dcep_parse(b, sizeof b, &m), CSCTP_DCEP_OK, "type %#x", ok[i]);
  }
  for (size_t i = 0; i < sizeof bad; i++) {
    memcpy(b, open_chat, sizeof b);
    b[1] = bad[i];
    cr_assert_eq(csctp_dcep_parse(b, sizeof b, &m), CSCTP_DCEP_BAD_CHANNEL_TYPE, "%#x", bad[i]);
  }
}

Test(dcep, reliable_ignores_reliability_parameter) {
  uint8_t b[sizeof open_chat];
  memcpy(b, open_chat, sizeof b);
  b[1] = 0x00;
  csctp_dcep_msg m;
  cr_assert_eq(csctp_dcep_parse(b, sizeof b, &m), CSCTP_DCEP_OK);
  cr_assert_eq(m.reliability_param, 0); /* §5.1: ignored on the receiving side */
}

Test(dcep, utf8) {
  cr_assert(csctp_dcep_utf8_valid((const uint8_t *)"", 0));
  cr_assert(csctp_dcep_utf8_valid((const uint8_t *)"abc", 3));
  cr_assert(csctp_dcep_utf8_valid((const uint8_t *)"\xc3\xa9", 2));             /* é */
  cr_assert(csctp_dcep_utf8_valid((const uint8_t *)"\xe2\x82\xac", 3));         /* € */
  cr_assert(csctp_dcep_utf8_valid((const uint8_t *)"\xf0\x9f\x98\x80", 4));     /* U+1F600 */
  cr_assert_not(csctp_dcep_utf8_valid((const uint8_t *)"\xc3", 1));             /* truncated */
  cr_assert_not(csctp_dcep_utf8_valid((const uint8_t *)"\xc0\xaf", 2));         /* overlong */
  cr_assert_not(csctp_dcep_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));     /* surrogate */
  cr_assert_not(csctp_dcep_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* > 10FFFF */
  cr_assert_not(csctp_dcep_utf8_valid((const uint8_t *)"\x80", 1));
  cr_assert_not(csctp_dcep_utf8_valid((const uint8_t *)"\xff", 1));
  cr_assert_not(csctp_dcep_utf8_valid((const uint8_t *)"a\xe2\x82", 3));
}

Test(dcep, bad_utf8_label_is_malformed) {
  uint8_t b[sizeof open_chat];
  memcpy(b, open_chat, sizeof b);
  b[12] = 0xff;
  csctp_dcep_msg m;
  cr_assert_eq(csctp_dcep_parse(b, sizeof b, &m), CSCTP_DCEP_MALFORMED);
}
