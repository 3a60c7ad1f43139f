/* SPDX-License-Identifier: MIT */
/* CRC32c: RFC 3720 B.4 vectors, both paths, and the SCTP byte order (RFC 9260 App. B). */
#include <criterion/criterion.h>
#include <string.h>

#include "crc32c.h"
#include "packet.h"
#include "prng.h"

/* A bit-at-a-time reference written from the polynomial alone. */
static uint32_t ref_crc32c(const uint8_t *p, size_t len) {
  uint32_t r = 0xffffffffu;
  for (size_t i = 0; i < len; i++) {
    r ^= p[i];
    for (int b = 0; b < 8; b++) r = (r >> 1) ^ ((r & 1) ? 0x82f63b78u : 0);
  }
  return ~r;
}

/* RFC 3720 B.4 lists the CRC bytes as sent; the value is little-endian. */
static uint32_t le32(const uint8_t b[4]) {
  return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

static void check_all_paths(const uint8_t *p, size_t len, uint32_t want) {
  cr_assert_eq(csctp_crc32c(p, len), want, "dispatch len %zu", len);
  cr_assert_eq(csctp_crc32c_sw(0, p, len), want, "sw len %zu", len);
  cr_assert_eq(csctp_crc32c_hw(0, p, len), want, "hw len %zu", len);
  cr_assert_eq(csctp_crc32c_hw_table_join(0, p, len), want, "hw, table joins, len %zu", len);
  cr_assert_eq(ref_crc32c(p, len), want, "reference len %zu", len);
}

Test(crc32c, rfc3720_zeros) {
  uint8_t b[32] = {0};
  static const uint8_t want[4] = {0xaa, 0x36, 0x91, 0x8a};
  check_all_paths(b, 32, le32(want));
}

Test(crc32c, rfc3720_ones) {
  uint8_t b[32];
  memset(b, 0xff, sizeof(b));
  static const uint8_t want[4] = {0x43, 0xab, 0xa8, 0x62};
  check_all_paths(b, 32, le32(want));
}

Test(crc32c, rfc3720_incrementing) {
  uint8_t b[32];
  for (int i = 0; i < 32; i++) b[i] = (uint8_t)i;
  static const uint8_t want[4] = {0x4e, 0x79, 0xdd, 0x46};
  check_all_paths(b, 32, le32(want));
}

Test(crc32c, rfc3720_decrementing) {
  uint8_t b[32];
  for (int i = 0; i < 32; i++) b[i] = (uint8_t)(31 - i);
  static const uint8_t want[4] = {0x5c, 0xdb, 0x3f, 0x11};
  check_all_paths(b, 32, le32(want));
}

Test(crc32c, rfc3720_iscsi_read_pdu) {
  static const uint8_t pdu[48] = {0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00,
                                  0x00, 0x18, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                  0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  static const uint8_t want[4] = {0x56, 0x3a, 0x96, 0xd9};
  check_all_paths(pdu, sizeof(pdu), le32(want));
}

Test(crc32c, check_value_and_empty) {
  /* The catalogue check value of CRC-32C over "123456789". */
  check_all_paths((const uint8_t *)"123456789", 9, 0xe3069283u);
  check_all_paths(NULL, 0, 0);
}

/* Lengths 0..300 at every start offset mod 8: hardware, software and the
 * bitwise reference agree. */
Test(crc32c, paths_agree_small_unaligned) {
  static uint8_t buf[320];
  csctp_prng g;
  csctp_prng_seed(&g, 0x5c7b);
  for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (uint8_t)csctp_prng_next(&g);
  for (size_t off = 0; off < 8; off++)
    for (size_t len = 0; len <= 300; len++)
      check_all_paths(buf + off, len, ref_crc32c(buf + off, len));
}

/* Lengths around the three-lane block sizes (3 x 128 and 3 x 2048 bytes),
 * where lanes are joined. */
Test(crc32c, paths_agree_large) {
  static uint8_t buf[3 * 2048 * 2 + 3 * 128 + 64];
  csctp_prng g;
  csctp_prng_seed(&g, 77);
  for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (uint8_t)csctp_prng_next(&g);
  static const size_t lens[] = {383,
                                384,
                                385,
                                391,
                                767,
                                768,
                                1200,
                                6143,
                                6144,
                                6145,
                                6144 + 384 + 7,
                                12288,
                                12288 + 384 + 40};
  for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++)
    for (size_t off = 0; off < 3; off++) {
      uint32_t want = ref_crc32c(buf + off, lens[k]);
      check_all_paths(buf + off, lens[k], want);
    }
}

Test(crc32c, update_in_pieces) {
  static uint8_t buf[5000];
  csctp_prng g;
  csctp_prng_seed(&g, 3);
  for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (uint8_t)csctp_prng_next(&g);
  uint32_t want = ref_crc32c(buf, sizeof(buf));
  for (int trial = 0; trial < 50; trial++) {
    size_t cut = (size_t)csctp_prng_below(&g, sizeof(buf) + 1);
    uint32_t c = csctp_crc32c_update(0, buf, cut);
    cr_assert_eq(csctp_crc32c_update(c, buf + cut, sizeof(buf) - cut), want);
    c = csctp_crc32c_sw(0, buf, cut);
    cr_assert_eq(csctp_crc32c_hw(c, buf + cut, sizeof(buf) - cut), want);
  }
}

Test(crc32c, hw_reported) {
#if defined(__x86_64__)
  cr_assert_eq(csctp_crc32c_hw_available(), __builtin_cpu_supports("sse4.2") ? 1 : 0);
  cr_assert_eq(csctp_crc32c_clmul_available(),
               __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("pclmul") ? 1 : 0);
#else
  cr_assert(csctp_crc32c_hw_available() == 0 || csctp_crc32c_hw_available() == 1);
  cr_assert_eq(csctp_crc32c_clmul_available(), 0);
#endif
}

/* Both joins of the hardware lanes (carry-less multiply where the CPU has it, and tables) against
 * the reference over seeded random lengths that take every lane size, and random offsets and
 * starting values. */
Test(crc32c, lane_joins_random) {
  static uint8_t buf[3 * 2048 * 2 + 3 * 384 + 3 * 128 * 2 + 64];
  csctp_prng g;
  csctp_prng_seed(&g, 0x3c1a);
  for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (uint8_t)csctp_prng_next(&g);
  for (int trial = 0; trial < 400; trial++) {
    size_t off = (size_t)csctp_prng_below(&g, 16);
    size_t len = (size_t)csctp_prng_below(&g, sizeof(buf) - off + 1);
    size_t cut = (size_t)csctp_prng_below(&g, len + 1);
    uint32_t want = ref_crc32c(buf + off, len);
    uint32_t c = csctp_crc32c_sw(0, buf + off, cut);
    cr_assert_eq(csctp_crc32c_hw(c, buf + off + cut, len - cut), want, "len %zu cut %zu", len, cut);
    cr_assert_eq(csctp_crc32c_hw_table_join(c, buf + off + cut, len - cut), want,
                 "tables: len %zu cut %zu", len, cut);
  }
}

/*
 * An INIT packet written by hand (ports 5000 -> 5000, tag 0, INIT with
 * Forward-TSN-Supported and Supported Extensions {RE-CONFIG, FORWARD-TSN}).
 * The checksum bytes 8a 1a 10 73 were computed outside this code base with
 * a bitwise CRC32c over the packet with a zero checksum field, and stored
 * least significant byte first (RFC 9260 Appendix B).
 */
static const uint8_t init_pkt[44] = {
    0x13, 0x88, 0x13, 0x88, 0x00, 0x00, 0x00, 0x00, 0x8a, 0x1a, 0x10, 0x73, 0x01, 0x00, 0x00,
    0x1e, 0x01, 0x02, 0x03, 0x04, 0x00, 0x02, 0x00, 0x00, 0x04, 0x00, 0x04, 0x00, 0x0a, 0x0b,
    0x0c, 0x0d, 0xc0, 0x00, 0x00, 0x04, 0x80, 0x08, 0x00, 0x06, 0x82, 0xc0, 0x00, 0x00};

Test(crc32c, sctp_packet_checksum) {
  uint8_t p[sizeof(init_pkt)];
  memcpy(p, init_pkt, sizeof(p));
  cr_assert(csctp_packet_check_crc(p, sizeof(p)));
  memset(p + 8, 0, 4);
  cr_assert(!csctp_packet_check_crc(p, sizeof(p)));
  /* Cross-check: the bitwise reference over the zeroed packet. */
  uint32_t c = ref_crc32c(p, sizeof(p));
  cr_assert_eq(c, 0x73101a8au);
  csctp_packet_set_crc(p, sizeof(p));
  cr_assert_eq(memcmp(p, init_pkt, sizeof(p)), 0);
  /* Any flipped bit is caught, including in the checksum itself. */
  for (size_t i = 0; i < sizeof(p) * 8; i++) {
    p[i / 8] ^= (uint8_t)(1u << (i % 8));
    cr_assert(!csctp_packet_check_crc(p, sizeof(p)), "bit %zu", i);
    p[i / 8] ^= (uint8_t)(1u << (i % 8));
  }
  /* The big-endian reading of the field is not what is stored. */
  csctp_common_hdr h;
  cr_assert_eq(csctp_packet_parse_header(p, sizeof(p), &h), 0);
  cr_assert_eq(h.checksum, 0x8a1a1073u);
}

/* The packet checksum's own path (first 16 bytes folded in, checksum field as zero) agrees with
 * the bitwise reference over a copy whose field is zeroed, at every length a packet can have
 * and at odd offsets (packets inside a caller's buffer need not be aligned). */
Test(crc32c, sctp_path_agrees_with_reference) {
  static uint8_t buf[13000 + 8], zeroed[13000];
  csctp_prng g;
  csctp_prng_seed(&g, 9653);
  for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (uint8_t)csctp_prng_next(&g);
  for (size_t len = 12; len <= 13000; len += (len < 1300 ? 1 : 97)) {
    size_t off = len % 8;
    memcpy(zeroed, buf + off, len);
    memset(zeroed + 8, 0, 4);
    cr_assert_eq(csctp_crc32c_sctp(buf + off, len), ref_crc32c(zeroed, len), "len %zu", len);
  }
}
