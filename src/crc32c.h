/* SPDX-License-Identifier: MIT */
/* CRC32c (Castagnoli), RFC 9260 Appendix B / RFC 3720. */
#ifndef CSCTP_CRC32C_H
#define CSCTP_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * CRC32c of `len` bytes, using the CPU's CRC instructions when present
 * (SSE4.2 on x86-64, the ARMv8 CRC extension), detected at run time
 * without mutable global state, else an 8-bit table (slice-by-8).
 * The value is the final (inverted) CRC, as placed in the SCTP header
 * (least significant byte first on the wire, see csctp_packet_set_crc).
 */
uint32_t csctp_crc32c(const uint8_t *p, size_t len);

/* Continues a CRC: crc is the value returned for the previous bytes (0 to start). */
uint32_t csctp_crc32c_update(uint32_t crc, const uint8_t *p, size_t len);

/* The portable implementation alone (tests compare both paths). */
uint32_t csctp_crc32c_sw(uint32_t crc, const uint8_t *p, size_t len);

/* The hardware implementation alone; returns csctp_crc32c_sw's result when the CPU lacks it. */
uint32_t csctp_crc32c_hw(uint32_t crc, const uint8_t *p, size_t len);

/* 1 when the hardware path is available on this CPU. */
int csctp_crc32c_hw_available(void);

/*
 * The hardware path joins its lanes with a carry-less multiply (PCLMULQDQ) where the CPU has
 * it, else with tables: 1 when it does here. csctp_crc32c_hw_table_join is the hardware path
 * with the tables whatever the CPU (csctp_crc32c_sw's result when there is no hardware path),
 * so that tests check both joins on one machine.
 */
int csctp_crc32c_clmul_available(void);
uint32_t csctp_crc32c_hw_table_join(uint32_t crc, const uint8_t *p, size_t len);

/*
 * The CRC32c of an SCTP packet (RFC 9260 §6.8) with its checksum field
 * (bytes 8..11) taken as zero, in one pass; len >= 12.
 */
uint32_t csctp_crc32c_sctp(const uint8_t *pkt, size_t len);

#endif
