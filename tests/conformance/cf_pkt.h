/* SPDX-License-Identifier: MIT */
/*
 * The conformance harness's own SCTP packet builder and decoder (RFC 9260 §3),
 * written independently of src/packet.h so that a script checks the engine's
 * wire format against a second reading of the RFC. Only the CRC32c comes from
 * the engine (src/crc32c.h). Every read is bounds-checked; nothing allocates.
 */
#ifndef CSCTP_CF_PKT_H
#define CSCTP_CF_PKT_H

#include <stddef.h>
#include <stdint.h>

#define CF_PKT_MAX 16384 /* largest packet a script builds or the engine may write */
#define CF_MAX_CHUNKS 64
#define CF_MAX_PARAMS 32
#define CF_MAX_CAUSES 16

enum {
  CF_DATA = 0,
  CF_INIT = 1,
  CF_INIT_ACK = 2,
  CF_SACK = 3,
  CF_HEARTBEAT = 4,
  CF_HEARTBEAT_ACK = 5,
  CF_ABORT = 6,
  CF_SHUTDOWN = 7,
  CF_SHUTDOWN_ACK = 8,
  CF_ERROR = 9,
  CF_COOKIE_ECHO = 10,
  CF_COOKIE_ACK = 11,
  CF_ECNE = 12,
  CF_CWR = 13,
  CF_SHUTDOWN_COMPLETE = 14,
  CF_AUTH = 15,
  CF_IDATA = 64,
  CF_ASCONF_ACK = 0x80,
  CF_RECONFIG = 130,
  CF_PAD = 132,
  CF_FORWARD_TSN = 192,
  CF_ASCONF = 0xc1,
  CF_IFORWARD_TSN = 194,
};

/* Little-endian-free big-endian helpers. */
static inline uint16_t cf_get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t cf_get32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void cf_put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static inline void cf_put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* ---- builder: appends to a fixed buffer; overflow is sticky and reported once ---- */

typedef struct cf_buf {
  uint8_t b[CF_PKT_MAX];
  size_t len;
  int overflow;
} cf_buf;

void cf_buf_init(cf_buf *w);
void cf_put_u8(cf_buf *w, uint8_t v);
void cf_put_u16(cf_buf *w, uint16_t v);
void cf_put_u32(cf_buf *w, uint32_t v);
void cf_put_bytes(cf_buf *w, const uint8_t *p, size_t n);
void cf_put_fill(cf_buf *w, uint8_t v, size_t n);
void cf_pad4(cf_buf *w);
/* Common header with a zero checksum. */
void cf_put_header(cf_buf *w, uint16_t sport, uint16_t dport, uint32_t vtag);
/* Starts a chunk or parameter (type, flags for a chunk); returns its offset for cf_end_tlv. */
size_t cf_begin_chunk(cf_buf *w, uint8_t type, uint8_t flags);
size_t cf_begin_param(cf_buf *w, uint16_t type);
/* Writes the length (without padding; `len_override` >= 0 replaces it) and pads to 4. */
void cf_end_tlv(cf_buf *w, size_t off, long len_override);
/* Stores the CRC32c of the whole packet (RFC 9260 Appendix B byte order). */
void cf_set_crc(uint8_t *pkt, size_t len);
int cf_crc_ok(const uint8_t *pkt, size_t len);

/* ---- decoder ---- */

typedef struct cf_tlv {
  uint16_t type;
  uint16_t len;         /* as written, header included */
  const uint8_t *value; /* len - 4 bytes */
} cf_tlv;

typedef struct cf_chunk {
  uint8_t type, flags;
  uint16_t len;         /* length field */
  const uint8_t *value; /* len - 4 bytes */
  size_t vlen;
  /* parameters (INIT, INIT ACK) or error causes (ABORT, ERROR), when well formed */
  cf_tlv tlv[CF_MAX_PARAMS];
  int ntlv;
  int tlv_bad; /* the TLV list does not parse */
} cf_chunk;

typedef struct cf_pkt {
  uint16_t sport, dport;
  uint32_t vtag;
  int crc_ok;
  cf_chunk ch[CF_MAX_CHUNKS];
  int nch;
  const char *error; /* why the packet does not parse, or NULL */
} cf_pkt;

/* Decodes `len` bytes at `p` (views into p, which must outlive *out). Returns 0 or -1 (out->error).
 */
int cf_decode(const uint8_t *p, size_t len, cf_pkt *out);

/* Name of a chunk type ("INIT_ACK", or "CHUNK" for an unknown one). */
const char *cf_chunk_name(uint8_t type);

/* One-line description of a decoded packet, e.g. "vtag=0x1 [SACK cum=3 arwnd=..]". */
void cf_describe(const cf_pkt *p, char *out, size_t cap);

#endif
