/* SPDX-License-Identifier: MIT */
/* HEARTBEAT and HEARTBEAT ACK (RFC 9260 §3.3.5, §3.3.6). */
#include <csctp/common.h>

#include "chunk.h"

int csctp_heartbeat_decode(const csctp_chunk *ch, const uint8_t **info, size_t *info_len) {
  csctp_rd r;
  csctp_rd_init(&r, ch->value, ch->value_len);
  csctp_tlv t;
  int rc;
  /* The Heartbeat Info parameter is the only one defined; skip others. */
  while ((rc = csctp_tlv_next(&r, &t)) == 1) {
    if (t.type == CSCTP_PARAM_HEARTBEAT_INFO) {
      *info = t.value;
      *info_len = t.value_len;
      return 0;
    }
  }
  return CSCTP_ERR_MALFORMED;
}

void csctp_heartbeat_write(csctp_wr *w, uint8_t type, const uint8_t *info, size_t info_len) {
  /* The chunk's Length counts the parameter's padding: 8 + info rounded up to 4 must fit. */
  if (info_len > UINT16_MAX - 8 - 3) {
    w->overflow = 1;
    return;
  }
  size_t off = csctp_wr_chunk_begin(w, type, 0);
  csctp_param_write(w, CSCTP_PARAM_HEARTBEAT_INFO, info, info_len);
  csctp_wr_tlv_end(w, off);
}
