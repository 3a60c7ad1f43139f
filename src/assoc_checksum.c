/* The association's packet checksum (RFC 9260 §6.8). */
#include "assoc_checksum.h"

#include "packet.h"

int csctp_assoc_checksum_ok(const csctp_assoc *a, const uint8_t *pkt, size_t len) {
  (void)a;
  return csctp_packet_check_crc(pkt, len);
}

void csctp_assoc_checksum_seal(const csctp_assoc *a, uint8_t *pkt, size_t len) {
  (void)a;
  csctp_packet_set_crc(pkt, len);
}
