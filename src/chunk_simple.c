/* SPDX-License-Identifier: MIT */
/* COOKIE ECHO/ACK and the SHUTDOWN family (RFC 9260 §3.3.8, §3.3.11-3.3.13). */
#include <csctp/common.h>

#include "chunk.h"

int csctp_shutdown_decode(const csctp_chunk *ch, uint32_t *cum_tsn_ack) {
  /* §3.3.8: the Length is fixed at 8. */
  if (ch->value_len != 4) return CSCTP_ERR_MALFORMED;
  *cum_tsn_ack = csctp_get_u32(ch->value);
  return 0;
}

void csctp_shutdown_write(csctp_wr *w, uint32_t cum_tsn_ack) {
  size_t off = csctp_wr_chunk_begin(w, CSCTP_CHUNK_SHUTDOWN, 0);
  csctp_wr_u32(w, cum_tsn_ack);
  csctp_wr_tlv_end(w, off);
}

void csctp_cookie_echo_write(csctp_wr *w, const uint8_t *cookie, size_t len) {
  if (len > UINT16_MAX - CSCTP_CHUNK_HDR_LEN) {
    w->overflow = 1;
    return;
  }
  size_t off = csctp_wr_chunk_begin(w, CSCTP_CHUNK_COOKIE_ECHO, 0);
  csctp_wr_bytes(w, cookie, len);
  csctp_wr_tlv_end(w, off);
}

void csctp_chunk_write_empty(csctp_wr *w, uint8_t type, uint8_t flags) {
  size_t off = csctp_wr_chunk_begin(w, type, flags);
  csctp_wr_tlv_end(w, off);
}
