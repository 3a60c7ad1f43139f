/* SPDX-License-Identifier: MIT */
/*
 * The STUN codec (ice/stun.c) on the test vectors of RFC 5769 (§2.1-2.3), on
 * messages it writes itself, and on malformed input.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

#include "stun.h"

static const char rfc_pwd[] = "VOkJxbRl1RmTxUk/WvJxBt";

/* RFC 5769 §2.1: Sample Request (USERNAME "evtj:h6vY", padded with spaces). */
static const uint8_t rfc_request[] = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
    0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
    0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
    0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
    0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf};

/* RFC 5769 §2.2: Sample IPv4 Response (192.0.2.1 port 32853). */
static const uint8_t rfc_response4[] = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96};

/* RFC 5769 §2.3: Sample IPv6 Response (2001:db8:1234:5678:11:2233:4455:6677 port 32853). */
static const uint8_t rfc_response6[] = {
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
    0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14,
    0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
    0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c};

static void check_authentic(const uint8_t *b, size_t len, ice_stun_msg *m) {
  cr_assert_eq(ice_stun_parse(b, len, m), 0);
  cr_assert(ice_stun_check_integrity(b, m, rfc_pwd, strlen(rfc_pwd)));
  cr_assert(ice_stun_check_fingerprint(b, m));
  cr_assert(!ice_stun_check_integrity(b, m, "VOkJxbRl1RmTxUk/WvJxBu", strlen(rfc_pwd)));
  /* Any one flipped bit before the MAC breaks the MAC; in the MAC or after, too. */
  uint8_t c[128];
  for (size_t i = 0; i < len; i++) {
    if (i >= 2 && i < 4) continue; /* the length: the message no longer parses */
    memcpy(c, b, len);
    c[i] ^= 0x01;
    ice_stun_msg x;
    if (ice_stun_parse(c, len, &x) != 0) continue;
    cr_assert(!ice_stun_check_integrity(c, &x, rfc_pwd, strlen(rfc_pwd)) ||
                  !ice_stun_check_fingerprint(c, &x),
              "byte %zu", i);
  }
}

Test(stun, rfc5769_request) {
  ice_stun_msg m;
  check_authentic(rfc_request, sizeof rfc_request, &m);
  cr_assert_eq(m.type, ICE_STUN_BINDING_REQUEST);
  cr_assert_eq(m.username_len, 9);
  cr_assert(memcmp(m.username, "evtj:h6vY", 9) == 0);
  cr_assert(m.has_priority);
  cr_assert_eq(m.priority, 0x6e0001ffu);
  cr_assert_eq(m.role, ICE_STUN_ROLE_CONTROLLED);
  cr_assert_eq(m.tie_breaker, 0x932ff9b151263b36ull);
  cr_assert(!m.use_candidate);
  cr_assert_eq(m.fp_off + 8, sizeof rfc_request);
}

Test(stun, rfc5769_ipv4_response) {
  ice_stun_msg m;
  check_authentic(rfc_response4, sizeof rfc_response4, &m);
  cr_assert_eq(m.type, ICE_STUN_BINDING_SUCCESS);
  cr_assert(m.has_xor_mapped);
  const struct sockaddr_in *a = (const struct sockaddr_in *)&m.xor_mapped;
  cr_assert_eq(a->sin_family, AF_INET);
  cr_assert_eq(ntohs(a->sin_port), 32853);
  cr_assert_eq(ntohl(a->sin_addr.s_addr), 0xc0000201u);
  /* The writer's XOR-MAPPED-ADDRESS is the RFC's. */
  uint8_t out[64];
  csctp_wr w;
  ice_stun_wr_begin(&w, out, sizeof out, ICE_STUN_BINDING_SUCCESS, m.txid);
  ice_stun_wr_xor_address(&w, (const struct sockaddr *)a);
  cr_assert_eq(ice_stun_wr_end(&w), 32);
  cr_assert(memcmp(out + 20, rfc_response4 + 36, 12) == 0);
}

Test(stun, rfc5769_ipv6_response) {
  ice_stun_msg m;
  check_authentic(rfc_response6, sizeof rfc_response6, &m);
  const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&m.xor_mapped;
  cr_assert_eq(a->sin6_family, AF_INET6);
  cr_assert_eq(ntohs(a->sin6_port), 32853);
  struct in6_addr want;
  inet_pton(AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677", &want);
  cr_assert(memcmp(&a->sin6_addr, &want, 16) == 0);
  uint8_t out[64];
  csctp_wr w;
  ice_stun_wr_begin(&w, out, sizeof out, ICE_STUN_BINDING_SUCCESS, m.txid);
  ice_stun_wr_xor_address(&w, (const struct sockaddr *)a);
  cr_assert_eq(ice_stun_wr_end(&w), 44);
  cr_assert(memcmp(out + 20, rfc_response6 + 36, 24) == 0);
}

Test(stun, written_messages_verify) {
  static const uint8_t txid[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  uint8_t out[256];
  csctp_wr w;
  ice_stun_wr_begin(&w, out, sizeof out, ICE_STUN_BINDING_REQUEST, txid);
  ice_stun_wr_attr(&w, ICE_STUN_USERNAME, "abcd:efg", 8);
  ice_stun_wr_attr_u32(&w, ICE_STUN_PRIORITY, 7);
  ice_stun_wr_attr_u64(&w, ICE_STUN_ICE_CONTROLLING, 0x1122334455667788ull);
  ice_stun_wr_attr(&w, ICE_STUN_USE_CANDIDATE, NULL, 0);
  ice_stun_wr_integrity(&w, "password", 8);
  ice_stun_wr_fingerprint(&w);
  size_t n = ice_stun_wr_end(&w);
  cr_assert_gt(n, 0);
  ice_stun_msg m;
  cr_assert_eq(ice_stun_parse(out, n, &m), 0);
  cr_assert(ice_stun_check_integrity(out, &m, "password", 8));
  cr_assert(ice_stun_check_fingerprint(out, &m));
  cr_assert_eq(m.role, ICE_STUN_ROLE_CONTROLLING);
  cr_assert_eq(m.tie_breaker, 0x1122334455667788ull);
  cr_assert(m.use_candidate);
  cr_assert_eq(m.priority, 7);
  cr_assert(memcmp(m.txid, txid, 12) == 0);
  /* Too small a buffer: 0, never a partial message. */
  ice_stun_wr_begin(&w, out, 40, ICE_STUN_BINDING_REQUEST, txid);
  ice_stun_wr_attr(&w, ICE_STUN_USERNAME, "abcd:efg", 8);
  ice_stun_wr_integrity(&w, "password", 8);
  cr_assert_eq(ice_stun_wr_end(&w), 0);
}

Test(stun, malformed_messages_are_refused) {
  uint8_t b[sizeof rfc_request + 8];
  ice_stun_msg m;
  /* Truncated anywhere. */
  for (size_t n = 0; n < sizeof rfc_request; n++)
    cr_assert_eq(ice_stun_parse(rfc_request, n, &m), -1);
  /* Wrong cookie; top bits set; a length that is not a multiple of 4. */
  memcpy(b, rfc_request, sizeof rfc_request);
  b[4] ^= 1;
  cr_assert_eq(ice_stun_parse(b, sizeof rfc_request, &m), -1);
  memcpy(b, rfc_request, sizeof rfc_request);
  b[0] |= 0x80;
  cr_assert_eq(ice_stun_parse(b, sizeof rfc_request, &m), -1);
  memcpy(b, rfc_request, sizeof rfc_request);
  b[3] = 0x57;
  cr_assert_eq(ice_stun_parse(b, sizeof rfc_request, &m), -1);
  /* An attribute running past the end (PRIORITY's length 0x0400). */
  memcpy(b, rfc_request, sizeof rfc_request);
  b[42] = 0x04;
  cr_assert_eq(ice_stun_parse(b, sizeof rfc_request, &m), -1);
  /* PRIORITY of the wrong size (8, eating ICE-CONTROLLED's header). */
  memcpy(b, rfc_request, sizeof rfc_request);
  b[43] = 8;
  cr_assert_eq(ice_stun_parse(b, sizeof rfc_request, &m), -1);
  /* An unknown comprehension-required attribute (SOFTWARE's type made 0x0022). */
  memcpy(b, rfc_request, sizeof rfc_request);
  b[20] = 0x00;
  cr_assert_eq(ice_stun_parse(b, sizeof rfc_request, &m), -1);
  /* Something after FINGERPRINT. */
  memcpy(b, rfc_request, sizeof rfc_request);
  memcpy(b + sizeof rfc_request, "\x80\x22\x00\x04xxxx", 8);
  b[3] += 8;
  cr_assert_eq(ice_stun_parse(b, sizeof b, &m), -1);
}
