/* SPDX-License-Identifier: MIT */
/* I-DATA and I-FORWARD-TSN chunks (RFC 8260 §2.1, §2.3.1). */
#include <csctp/common.h>

#include "chunk.h"

void csctp_idata_write(csctp_wr *w, const csctp_idata_chunk *d) {
  /* The 16-bit Length field bounds the payload. */
  if (d->len > UINT16_MAX - CSCTP_IDATA_HDR_LEN) {
    w->overflow = 1;
    return;
  }
  if (!csctp_wr_room(w, CSCTP_IDATA_HDR_LEN + d->len)) return;
  csctp_idata_write_header(w->buf + w->len, d);
  w->len += CSCTP_IDATA_HDR_LEN;
  csctp_wr_bytes(w, d->data, d->len);
  csctp_wr_pad4(w);
}

int csctp_iforward_tsn_decode(const csctp_chunk *ch, csctp_iforward_tsn_chunk *out) {
  csctp_rd r;
  csctp_rd_init(&r, ch->value, ch->value_len);
  out->new_cum_tsn = csctp_rd_u32(&r);
  if (r.bad || (csctp_rd_left(&r) & 7)) return CSCTP_ERR_MALFORMED;
  out->n_entries = csctp_rd_left(&r) / 8;
  out->entries = ch->value + 4;
  return 0;
}

void csctp_iforward_tsn_write(csctp_wr *w, uint32_t new_cum_tsn, const csctp_iforward_entry *e,
                              size_t n) {
  if (n > (UINT16_MAX - 8) / 8) {
    w->overflow = 1;
    return;
  }
  size_t off = csctp_wr_chunk_begin(w, CSCTP_CHUNK_IFORWARD_TSN, 0);
  csctp_wr_u32(w, new_cum_tsn);
  for (size_t i = 0; i < n; i++) {
    csctp_wr_u16(w, e[i].stream);
    csctp_wr_u16(w, e[i].unordered ? 1 : 0); /* reserved (15 bits, zero) and U */
    csctp_wr_u32(w, e[i].mid);
  }
  csctp_wr_tlv_end(w, off);
}
