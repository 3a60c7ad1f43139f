/* SPDX-License-Identifier: MIT */
/* SCTP common header, CRC and chunk/TLV framing (RFC 9260 §3.1, §3.2). */
#include "packet.h"

#include <csctp/common.h>
#include <string.h>

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
