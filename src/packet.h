/* SPDX-License-Identifier: MIT */
/* SCTP common header and chunk framing (RFC 9260 §3.1, §3.2). */
#ifndef CSCTP_PACKET_H
#define CSCTP_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include <csctp/common.h>

#include <string.h>

#include "crc32c.h"
#include "rd.h"
#include "wr.h"

#define CSCTP_COMMON_HDR_LEN 12
#define CSCTP_CHUNK_HDR_LEN 4

/* Chunk types. */
enum {
  CSCTP_CHUNK_DATA = 0,
  CSCTP_CHUNK_INIT = 1,
  CSCTP_CHUNK_INIT_ACK = 2,
  CSCTP_CHUNK_SACK = 3,
  CSCTP_CHUNK_HEARTBEAT = 4,
  CSCTP_CHUNK_HEARTBEAT_ACK = 5,
  CSCTP_CHUNK_ABORT = 6,
  CSCTP_CHUNK_SHUTDOWN = 7,
  CSCTP_CHUNK_SHUTDOWN_ACK = 8,
  CSCTP_CHUNK_ERROR = 9,
  CSCTP_CHUNK_COOKIE_ECHO = 10,
  CSCTP_CHUNK_COOKIE_ACK = 11,
  CSCTP_CHUNK_ECNE = 12, /* ECN Echo (RFC 9260 Appendix A, draft-stewart-tsvwg-sctpecn) */
  CSCTP_CHUNK_CWR = 13,  /* Congestion Window Reduced (same) */
  CSCTP_CHUNK_SHUTDOWN_COMPLETE = 14,
  CSCTP_CHUNK_AUTH = 15,  /* RFC 4895 §4.2 */
  CSCTP_CHUNK_IDATA = 64, /* RFC 8260 §2.1 */
  CSCTP_CHUNK_RECONFIG = 130,
  CSCTP_CHUNK_PAD = 132, /* RFC 4820 §3 */
  CSCTP_CHUNK_FORWARD_TSN = 192,
  CSCTP_CHUNK_IFORWARD_TSN = 194, /* RFC 8260 §2.3.1 */
};

/* Chunk flags. */
#define CSCTP_FLAG_T 0x01 /* ABORT, SHUTDOWN COMPLETE: tag reflected (§8.5.1) */
#define CSCTP_DATA_FLAG_E 0x01
#define CSCTP_DATA_FLAG_B 0x02
#define CSCTP_DATA_FLAG_U 0x04
#define CSCTP_DATA_FLAG_I 0x08 /* RFC 7053 SACK-IMMEDIATELY */

/* What to do with an unrecognized chunk or parameter: its upper two bits. */
enum {
  CSCTP_UNK_STOP = 0,        /* 00: stop processing, discard */
  CSCTP_UNK_STOP_REPORT = 1, /* 01: stop, discard, report */
  CSCTP_UNK_SKIP = 2,        /* 10: skip, continue */
  CSCTP_UNK_SKIP_REPORT = 3, /* 11: skip, continue, report */
};
static inline int csctp_unknown_action(unsigned type_high_byte) {
  return (type_high_byte >> 6) & 3;
}

typedef struct csctp_common_hdr {
  uint16_t src_port;
  uint16_t dst_port;
  uint32_t vtag;
  uint32_t checksum; /* as read from the wire, host order of the 4 bytes big-endian */
} csctp_common_hdr;

/*
 * Parses the common header. Returns 0, or CSCTP_ERR_MALFORMED when len < 12
 * or when the packet has no room for at least one chunk header.
 */
static inline int csctp_packet_parse_header(const uint8_t *pkt, size_t len, csctp_common_hdr *hdr) {
  /* A packet carries at least one chunk (§3): 12 + 4 bytes. */
  if (len < CSCTP_COMMON_HDR_LEN + CSCTP_CHUNK_HDR_LEN) return CSCTP_ERR_MALFORMED;
  hdr->src_port = csctp_get_u16(pkt);
  hdr->dst_port = csctp_get_u16(pkt + 2);
  hdr->vtag = csctp_get_u32(pkt + 4);
  hdr->checksum = csctp_get_u32(pkt + 8);
  return 0;
}

/* Returns 1 when the packet's CRC32c is right, 0 otherwise (len >= 12). */
static inline int csctp_packet_check_crc(const uint8_t *pkt, size_t len) {
  if (len < CSCTP_COMMON_HDR_LEN) return 0;
  /* Appendix B: the CRC's least significant byte goes first on the wire. */
  uint32_t got = (uint32_t)pkt[8] | ((uint32_t)pkt[9] << 8) | ((uint32_t)pkt[10] << 16) |
                 ((uint32_t)pkt[11] << 24);
  return csctp_crc32c_sctp(pkt, len) == got;
}

/* Computes and stores the CRC32c of a finished packet (len >= 12). */
static inline void csctp_packet_set_crc(uint8_t *pkt, size_t len) {
  if (len < CSCTP_COMMON_HDR_LEN) return;
  uint32_t crc = csctp_crc32c_sctp(pkt, len);
  pkt[8] = (uint8_t)crc;
  pkt[9] = (uint8_t)(crc >> 8);
  pkt[10] = (uint8_t)(crc >> 16);
  pkt[11] = (uint8_t)(crc >> 24);
}

/* Writes the common header with a zero checksum. */
static inline void csctp_packet_write_header(csctp_wr *w, uint16_t src_port, uint16_t dst_port,
                                             uint32_t vtag) {
  if (!csctp_wr_room(w, CSCTP_COMMON_HDR_LEN)) return;
  uint8_t *b = w->buf + w->len;
  csctp_put_u16(b, src_port);
  csctp_put_u16(b + 2, dst_port);
  csctp_put_u32(b + 4, vtag);
  memset(b + 8, 0, 4);
  w->len += CSCTP_COMMON_HDR_LEN;
}

/* A chunk as found in a packet: a view, valid as long as the packet. */
typedef struct csctp_chunk {
  uint8_t type;
  uint8_t flags;
  uint16_t length;      /* declared length, header included, padding excluded */
  const uint8_t *value; /* length - 4 bytes */
  size_t value_len;
} csctp_chunk;

typedef struct csctp_chunk_iter {
  csctp_rd rd; /* positioned on the next chunk */
} csctp_chunk_iter;

/* Starts iterating the chunks of a packet whose header was parsed. */
static inline void csctp_chunk_iter_init(csctp_chunk_iter *it, const uint8_t *pkt, size_t len) {
  if (len < CSCTP_COMMON_HDR_LEN) {
    csctp_rd_init(&it->rd, pkt, 0);
    it->rd.bad = 1;
    return;
  }
  csctp_rd_init(&it->rd, pkt + CSCTP_COMMON_HDR_LEN, len - CSCTP_COMMON_HDR_LEN);
}

/*
 * Takes the next chunk. Returns 1 and fills *ch, 0 at the end of the packet,
 * or CSCTP_ERR_MALFORMED when the declared length is below 4 or runs past the
 * packet. A missing pad after the last chunk is tolerated; padding of more
 * than 3 bytes, or bytes after the last chunk that cannot hold a chunk header,
 * are malformed. Inline: it runs for every chunk of every packet.
 */
/* Skips up to 3 bytes of padding after an element of `length` bytes; a
 * truncated pad at the very end is tolerated (§3.2: a robust receiver
 * accepts a chunk whether or not the final padding is there). */
static inline void csctp_packet_skip_pad(csctp_rd *r, size_t length) {
  size_t pad = (4 - (length & 3)) & 3;
  size_t left = csctp_rd_left(r);
  r->pos += pad < left ? pad : left;
}

static inline int csctp_chunk_next(csctp_chunk_iter *it, csctp_chunk *ch) {
  csctp_rd *r = &it->rd;
  if (r->bad) return CSCTP_ERR_MALFORMED;
  size_t left = csctp_rd_left(r);
  if (left == 0) return 0;
  /* 1..3 stray bytes, or a header whose length is below 4 or past the end
   * (which is also how padding of 4 or more zero bytes shows up). */
  const uint8_t *h = r->p + r->pos;
  size_t length = left >= CSCTP_CHUNK_HDR_LEN ? csctp_get_u16(h + 2) : 0;
  if (length < CSCTP_CHUNK_HDR_LEN || length > left) {
    r->bad = 1;
    return CSCTP_ERR_MALFORMED;
  }
  ch->type = h[0];
  ch->flags = h[1];
  ch->length = (uint16_t)length;
  ch->value = h + CSCTP_CHUNK_HDR_LEN;
  ch->value_len = length - CSCTP_CHUNK_HDR_LEN;
  /* The padding to 4 bytes, which the last chunk may lack. */
  size_t padded = (length + 3) & ~(size_t)3;
  r->pos += padded < left ? padded : left;
  return 1;
}

/* A TLV parameter (RFC 9260 §3.2.1) or error cause (§3.3.10): a view. */
typedef struct csctp_tlv {
  uint16_t type;
  uint16_t length;      /* declared, header included */
  const uint8_t *value; /* length - 4 bytes */
  size_t value_len;
  const uint8_t *raw; /* the whole TLV, header included, `length` bytes */
} csctp_tlv;

/*
 * Takes the next TLV from r (parameters inside INIT/INIT ACK/HEARTBEAT or
 * causes inside ABORT/ERROR). Returns 1, 0 at the end, or CSCTP_ERR_MALFORMED
 * (length < 4 or past the end). Padding between TLVs is skipped; a missing
 * pad at the end is tolerated.
 */
int csctp_tlv_next(csctp_rd *r, csctp_tlv *t);

#endif
