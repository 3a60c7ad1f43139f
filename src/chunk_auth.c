/* SPDX-License-Identifier: MIT */
/* The AUTH chunk and the Unsupported HMAC Identifier cause (RFC 4895 §4.1, §4.2). */
#include <csctp/common.h>

#include "chunk.h"

int csctp_auth_decode(const csctp_chunk *ch, csctp_auth_chunk *out) {
  csctp_rd r;
  csctp_rd_init(&r, ch->value, ch->value_len);
  out->key_id = csctp_rd_u16(&r);
  out->hmac_id = csctp_rd_u16(&r);
  if (r.bad) return CSCTP_ERR_MALFORMED;
  out->hmac_len = csctp_rd_left(&r);
  out->hmac = ch->value + r.pos;
  return 0;
}

void csctp_auth_write(csctp_wr *w, uint16_t key_id, uint16_t hmac_id, size_t hmac_len) {
  size_t off = csctp_wr_chunk_begin(w, CSCTP_CHUNK_AUTH, 0);
  csctp_wr_u16(w, key_id);
  csctp_wr_u16(w, hmac_id);
  csctp_wr_zeros(w, hmac_len);
  csctp_wr_tlv_end(w, off);
}

void csctp_cause_write_unsupported_hmac(csctp_wr *w, uint16_t hmac_id) {
  uint8_t v[2];
  csctp_put_u16(v, hmac_id);
  csctp_cause_write(w, CSCTP_CAUSE_UNSUPPORTED_HMAC, v, sizeof(v));
}
