/* SPDX-License-Identifier: MIT */
/* The association's packet checksum (RFC 9260 §6.8, RFC 9653 zero checksum). */
#include "assoc_checksum.h"

#include "packet.h"

int csctp_assoc_checksum_ok(csctp_assoc *a, const uint8_t *pkt, size_t len) {
  /* RFC 9653 §5.3: having sent Zero Checksum Acceptable in our INIT or INIT
   * ACK, we accept a zero field besides a correct CRC32c; the lower layer
   * (DTLS for EDMID 1, §6) vouches for the packet. Otherwise an incorrect
   * CRC32c, zero included, is dropped. Any chunk type: the rules on which
   * packets keep CRC32c bind the sender (§5.2), and the dead association
   * keeps accepting, so that late packets of the peer are answered (§8.4). */
  if (a->zc_accept && len >= CSCTP_COMMON_HDR_LEN && csctp_get_u32(pkt + 8) == 0) {
    a->stats.zero_checksum_in++;
    return 1;
  }
  return csctp_packet_check_crc(pkt, len);
}

/* RFC 9653 §5.2: packets that keep a correct CRC32c whatever was negotiated. */
static int checksum_required(uint8_t first_chunk) {
  switch (first_chunk) {
  case CSCTP_CHUNK_INIT:        /* §5.2: MUST */
  case CSCTP_CHUNK_COOKIE_ECHO: /* §5.2: MUST (it is always first in its packet, §5.1) */
  /* INIT ACK: answers an INIT statelessly, one packet per association; ABORT and
   * SHUTDOWN COMPLETE: the replies to out-of-the-blue packets (§5.2, RFC 9260 §8.4)
   * and the last word to a peer that may have lost its state. */
  case CSCTP_CHUNK_INIT_ACK:
  case CSCTP_CHUNK_ABORT:
  case CSCTP_CHUNK_SHUTDOWN_COMPLETE: return 1;
  default: return 0;
  }
}

void csctp_assoc_checksum_seal(csctp_assoc *a, uint8_t *pkt, size_t len) {
  /* Zero only inside a live association whose peer announced our method:
   * before ESTABLISHED the peer may hold no state yet (COOKIE ECHO, §5.2). */
  if (a->zc_peer && !a->dead && a->state >= CSCTP_STATE_ESTABLISHED && len > CSCTP_COMMON_HDR_LEN &&
      !checksum_required(pkt[CSCTP_COMMON_HDR_LEN])) {
    csctp_put_u32(pkt + 8, 0);
    a->stats.zero_checksum_out++;
    return;
  }
  csctp_packet_set_crc(pkt, len);
}
