/* SPDX-License-Identifier: MIT */
/* RFC 7983 §7: demultiplexing STUN, DTLS and SRTP on one 5-tuple by the first byte. */
#include <csctp/dtls.h>

csctp_packet_kind csctp_packet_classify(const uint8_t *data, size_t len) {
  if (!data || len == 0) return CSCTP_PACKET_UNKNOWN;
  uint8_t b = data[0];
  if (b <= 3) return CSCTP_PACKET_STUN;
  if (b >= 20 && b <= 63) return CSCTP_PACKET_DTLS;
  if (b >= 128 && b <= 191) return CSCTP_PACKET_RTP;
  return CSCTP_PACKET_UNKNOWN; /* 16..19 ZRTP, 64..79 TURN channels, and the rest */
}
