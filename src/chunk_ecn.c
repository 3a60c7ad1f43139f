/* SPDX-License-Identifier: MIT */
/* ECNE and CWR (RFC 9260 Appendix A, draft-stewart-tsvwg-sctpecn). */
#include <csctp/common.h>

#include "chunk.h"

int csctp_ecne_decode(const csctp_chunk *ch, uint32_t *tsn, uint32_t *count) {
  if (ch->value_len != CSCTP_ECNE_LEN - CSCTP_CHUNK_HDR_LEN &&
      ch->value_len != CSCTP_ECNE_OLD_LEN - CSCTP_CHUNK_HDR_LEN)
    return CSCTP_ERR_MALFORMED;
  *tsn = csctp_get_u32(ch->value);
  *count = ch->value_len == 8 ? csctp_get_u32(ch->value + 4) : 1;
  return 0;
}

int csctp_cwr_decode(const csctp_chunk *ch, uint32_t *tsn) {
  if (ch->value_len != CSCTP_CWR_LEN - CSCTP_CHUNK_HDR_LEN) return CSCTP_ERR_MALFORMED;
  *tsn = csctp_get_u32(ch->value);
  return 0;
}

void csctp_ecne_write(csctp_wr *w, uint32_t tsn, uint32_t count) {
  size_t off = csctp_wr_chunk_begin(w, CSCTP_CHUNK_ECNE, 0);
  csctp_wr_u32(w, tsn);
  csctp_wr_u32(w, count);
  csctp_wr_tlv_end(w, off);
}

void csctp_cwr_write(csctp_wr *w, uint32_t tsn) {
  size_t off = csctp_wr_chunk_begin(w, CSCTP_CHUNK_CWR, 0);
  csctp_wr_u32(w, tsn);
  csctp_wr_tlv_end(w, off);
}
