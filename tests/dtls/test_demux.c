/* SPDX-License-Identifier: MIT */
/* RFC 7983 §7 first-byte classification. */
#include <criterion/criterion.h>
#include <csctp/dtls.h>

Test(demux, every_first_byte) {
  for (int b = 0; b < 256; b++) {
    uint8_t d[4] = {(uint8_t)b, 0, 0, 0};
    csctp_packet_kind want = b <= 3                 ? CSCTP_PACKET_STUN
                             : b >= 20 && b <= 63   ? CSCTP_PACKET_DTLS
                             : b >= 128 && b <= 191 ? CSCTP_PACKET_RTP
                                                    : CSCTP_PACKET_UNKNOWN;
    cr_assert_eq(csctp_packet_classify(d, sizeof d), want, "byte %d", b);
  }
  cr_assert_eq(csctp_packet_classify(NULL, 0), CSCTP_PACKET_UNKNOWN);
  uint8_t one = 22;
  cr_assert_eq(csctp_packet_classify(&one, 0), CSCTP_PACKET_UNKNOWN);
  cr_assert_eq(csctp_packet_classify(&one, 1), CSCTP_PACKET_DTLS);
}
