/* SPDX-License-Identifier: MIT */
/* SACK chunk (RFC 9260 §3.3.4). */
#include <csctp/common.h>

#include "chunk.h"

int csctp_sack_decode(const csctp_chunk *ch, csctp_sack_chunk *out) {
  csctp_rd r;
  csctp_rd_init(&r, ch->value, ch->value_len);
  out->cum_tsn_ack = csctp_rd_u32(&r);
  out->a_rwnd = csctp_rd_u32(&r);
  out->num_gap_blocks = csctp_rd_u16(&r);
  out->num_dup_tsns = csctp_rd_u16(&r);
  out->gaps = csctp_rd_bytes(&r, (size_t)out->num_gap_blocks * 4);
  out->dups = csctp_rd_bytes(&r, (size_t)out->num_dup_tsns * 4);
  /* Bytes after the listed blocks and TSNs are ignored. */
  return r.bad ? CSCTP_ERR_MALFORMED : 0;
}

void csctp_sack_write(csctp_wr *w, uint32_t cum_tsn_ack, uint32_t a_rwnd, const uint16_t (*gaps)[2],
                      size_t n_gaps, const uint32_t *dups, size_t n_dups) {
  /* Both counts are 16-bit and the whole chunk must fit its Length field. */
  if (n_gaps > UINT16_MAX || n_dups > UINT16_MAX || 16 + 4 * (n_gaps + n_dups) > UINT16_MAX) {
    w->overflow = 1;
    return;
  }
  size_t off = csctp_wr_chunk_begin(w, CSCTP_CHUNK_SACK, 0);
  csctp_wr_u32(w, cum_tsn_ack);
  csctp_wr_u32(w, a_rwnd);
  csctp_wr_u16(w, (uint16_t)n_gaps);
  csctp_wr_u16(w, (uint16_t)n_dups);
  for (size_t i = 0; i < n_gaps; i++) {
    csctp_wr_u16(w, gaps[i][0]);
    csctp_wr_u16(w, gaps[i][1]);
  }
  for (size_t i = 0; i < n_dups; i++) csctp_wr_u32(w, dups[i]);
  csctp_wr_tlv_end(w, off);
}
