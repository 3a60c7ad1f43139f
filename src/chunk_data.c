/* SPDX-License-Identifier: MIT */
/* DATA chunk (RFC 9260 §3.3.1). */
#include <csctp/common.h>

#include "chunk.h"

void csctp_data_write(csctp_wr *w, const csctp_data_chunk *d) {
  /* The 16-bit Length field bounds the payload. */
  if (d->len > UINT16_MAX - CSCTP_DATA_HDR_LEN) {
    w->overflow = 1;
    return;
  }
  if (!csctp_wr_room(w, CSCTP_DATA_HDR_LEN + d->len)) return;
  csctp_data_write_header(w->buf + w->len, d);
  w->len += CSCTP_DATA_HDR_LEN;
  csctp_wr_bytes(w, d->data, d->len);
  csctp_wr_pad4(w);
}
