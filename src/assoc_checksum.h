/*
 * The association's packet checksum: CRC32c (RFC 9260 §6.8), the one place
 * where an association decides how an inbound packet's checksum is checked
 * and how an outbound packet is sealed.
 */
#ifndef CSCTP_ASSOC_CHECKSUM_H
#define CSCTP_ASSOC_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#include "assoc.h"

/* 1 when the checksum of the inbound packet `pkt` (len >= 12) is acceptable, else 0. */
int csctp_assoc_checksum_ok(const csctp_assoc *a, const uint8_t *pkt, size_t len);

/* Fills the checksum field of the outbound packet `pkt` (len >= 12) written by `a`. */
void csctp_assoc_checksum_seal(const csctp_assoc *a, uint8_t *pkt, size_t len);

#endif
