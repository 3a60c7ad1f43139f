/* SPDX-License-Identifier: MIT */
/* FORWARD TSN chunk (RFC 3758 §3.2). */
#include <csctp/common.h>

#include "chunk.h"

int csctp_forward_tsn_decode(const csctp_chunk *ch, csctp_forward_tsn_chunk *out) {
  csctp_rd r;
  csctp_rd_init(&r, ch->value, ch->value_len);
  out->new_cum_tsn = csctp_rd_u32(&r);
  if (r.bad || (csctp_rd_left(&r) & 3)) return CSCTP_ERR_MALFORMED;
  out->n_pairs = csctp_rd_left(&r) / 4;
  out->pairs = ch->value + 4;
  return 0;
}

void csctp_forward_tsn_write(csctp_wr *w, uint32_t new_cum_tsn, const uint16_t (*pairs)[2],
                             size_t n_pairs) {
  if (n_pairs > (UINT16_MAX - 8) / 4) {
    w->overflow = 1;
    return;
  }
  size_t off = csctp_wr_chunk_begin(w, CSCTP_CHUNK_FORWARD_TSN, 0);
  csctp_wr_u32(w, new_cum_tsn);
  for (size_t i = 0; i < n_pairs; i++) {
    csctp_wr_u16(w, pairs[i][0]);
    csctp_wr_u16(w, pairs[i][1]);
  }
  csctp_wr_tlv_end(w, off);
}
