/* SPDX-License-Identifier: MIT */
/*
 * The association's packet checksum: CRC32c (RFC 9260 §6.8), or zero when
 * RFC 9653 zero checksum applies; the one place where an association decides
 * how an inbound packet's checksum is checked and how an outbound packet is
 * sealed.
 */
#ifndef CSCTP_ASSOC_CHECKSUM_H
#define CSCTP_ASSOC_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#include "assoc.h"

/*
 * 1 when the checksum of the inbound packet `pkt` (len >= 12) is acceptable,
 * else 0: a correct CRC32c always; a zero field too once we announced zero
 * checksum for this association (RFC 9653 §5.3), counted in
 * stats.zero_checksum_in.
 */
int csctp_assoc_checksum_ok(csctp_assoc *a, const uint8_t *pkt, size_t len);

/*
 * Fills the checksum field of the outbound packet `pkt` (len >= 12) written by
 * `a`: zero when the peer announced our method and the packet may go without
 * CRC32c (RFC 9653 §5.2; counted in stats.zero_checksum_out), else CRC32c.
 */
void csctp_assoc_checksum_seal(csctp_assoc *a, uint8_t *pkt, size_t len);

#endif
