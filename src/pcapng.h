/* SPDX-License-Identifier: MIT */
/* The pieces of an Enhanced Packet Block around the SCTP packet (pcapng.c), for capture.c. */
#ifndef CSCTP_PCAPNG_H
#define CSCTP_PCAPNG_H

#include <csctp/sctp.h>

/* Enhanced Packet Block header (28 bytes) and the synthetic IPv4 header (20 bytes). */
#define CSCTP_PCAPNG_EPB_HEAD 48
/* The longest tail: 3 bytes of padding and the trailing block length. */
#define CSCTP_PCAPNG_EPB_TAIL_MAX 7
/* The most SCTP bytes one packet may carry inside an IPv4 total length. */
#define CSCTP_PCAPNG_SCTP_MAX (65535 - 20)

/* Writes the 48 bytes before an SCTP packet of `len` bytes (clipped to CSCTP_PCAPNG_SCTP_MAX:
 * *stored receives the bytes the block holds). */
void csctp_pcapng_epb_head(uint8_t head[CSCTP_PCAPNG_EPB_HEAD], int inbound, size_t len,
                           csctp_tstamp now, size_t *stored);

/* Writes the padding and trailing length after `stored` packet bytes; returns its length. */
size_t csctp_pcapng_epb_tail(uint8_t tail[CSCTP_PCAPNG_EPB_TAIL_MAX], size_t stored);

#endif
