/* DATA chunk (RFC 9260 §3.3.1). */
#include <csctp/common.h>

#include "chunk.h"

int csctp_data_decode(const csctp_chunk *ch, csctp_data_chunk *out) {
  csctp_rd r;
  csctp_rd_init(&r, ch->value, ch->value_len);
  out->flags = ch->flags;
  out->tsn = csctp_rd_u32(&r);
  out->stream = csctp_rd_u16(&r);
  out->ssn = csctp_rd_u16(&r);
  out->ppid = csctp_rd_u32(&r);
  if (r.bad) return CSCTP_ERR_MALFORMED;
  out->len = csctp_rd_left(&r);
  out->data = ch->value + r.pos; /* never NULL, even when len is 0 */
  return 0;
}

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
