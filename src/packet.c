/* SCTP common header, CRC and chunk/TLV framing (RFC 9260 §3.1, §3.2). */
#include "packet.h"

#include <csctp/common.h>
#include <string.h>

#include "crc32c.h"

int csctp_packet_parse_header(const uint8_t *pkt, size_t len, csctp_common_hdr *hdr) {
  /* A packet carries at least one chunk (§3): 12 + 4 bytes. */
  if (len < CSCTP_COMMON_HDR_LEN + CSCTP_CHUNK_HDR_LEN) return CSCTP_ERR_MALFORMED;
  csctp_rd r;
  csctp_rd_init(&r, pkt, len);
  hdr->src_port = csctp_rd_u16(&r);
  hdr->dst_port = csctp_rd_u16(&r);
  hdr->vtag = csctp_rd_u32(&r);
  hdr->checksum = csctp_rd_u32(&r);
  return r.bad ? CSCTP_ERR_MALFORMED : 0;
}

/* CRC over the packet with the checksum field (bytes 8..11) taken as zero. */
static uint32_t packet_crc(const uint8_t *pkt, size_t len) { return csctp_crc32c_sctp(pkt, len); }

int csctp_packet_check_crc(const uint8_t *pkt, size_t len) {
  if (len < CSCTP_COMMON_HDR_LEN) return 0;
  uint32_t crc = packet_crc(pkt, len);
  /* Appendix B: the CRC's least significant byte goes first on the wire. */
  uint32_t got = (uint32_t)pkt[8] | ((uint32_t)pkt[9] << 8) | ((uint32_t)pkt[10] << 16) |
                 ((uint32_t)pkt[11] << 24);
  return crc == got;
}

void csctp_packet_set_crc(uint8_t *pkt, size_t len) {
  if (len < CSCTP_COMMON_HDR_LEN) return;
  uint32_t crc = packet_crc(pkt, len);
  pkt[8] = (uint8_t)crc;
  pkt[9] = (uint8_t)(crc >> 8);
  pkt[10] = (uint8_t)(crc >> 16);
  pkt[11] = (uint8_t)(crc >> 24);
}

void csctp_packet_write_header(csctp_wr *w, uint16_t src_port, uint16_t dst_port, uint32_t vtag) {
  if (!csctp_wr_room(w, CSCTP_COMMON_HDR_LEN)) return;
  uint8_t *b = w->buf + w->len;
  csctp_put_u16(b, src_port);
  csctp_put_u16(b + 2, dst_port);
  csctp_put_u32(b + 4, vtag);
  memset(b + 8, 0, 4);
  w->len += CSCTP_COMMON_HDR_LEN;
}

void csctp_chunk_iter_init(csctp_chunk_iter *it, const uint8_t *pkt, size_t len) {
  if (len < CSCTP_COMMON_HDR_LEN) {
    csctp_rd_init(&it->rd, pkt, 0);
    it->rd.bad = 1;
    return;
  }
  csctp_rd_init(&it->rd, pkt + CSCTP_COMMON_HDR_LEN, len - CSCTP_COMMON_HDR_LEN);
}

int csctp_tlv_next(csctp_rd *r, csctp_tlv *t) {
  if (r->bad) return CSCTP_ERR_MALFORMED;
  if (csctp_rd_left(r) == 0) return 0;
  const uint8_t *h = csctp_rd_bytes(r, 4);
  if (!h) return CSCTP_ERR_MALFORMED;
  uint16_t length = csctp_get_u16(h + 2);
  if (length < 4) {
    r->bad = 1;
    return CSCTP_ERR_MALFORMED;
  }
  const uint8_t *value = csctp_rd_bytes(r, (size_t)length - 4);
  if (!value) return CSCTP_ERR_MALFORMED;
  t->type = csctp_get_u16(h);
  t->length = length;
  t->value = value;
  t->value_len = (size_t)length - 4;
  t->raw = h;
  csctp_packet_skip_pad(r, length);
  return 1;
}
