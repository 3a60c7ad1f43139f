/* SPDX-License-Identifier: MIT */
/* ABORT, ERROR and the error causes (RFC 9260 §3.3.7, §3.3.10). */
#include <string.h>

#include <csctp/common.h>

#include "chunk.h"

uint16_t csctp_cause_first(const csctp_chunk *ch) {
  csctp_rd r;
  csctp_rd_init(&r, ch->value, ch->value_len);
  csctp_tlv t;
  return csctp_tlv_next(&r, &t) == 1 ? t.type : 0;
}

void csctp_cause_write(csctp_wr *w, uint16_t code, const uint8_t *body, size_t len) {
  csctp_param_write(w, code, body, len); /* same TLV framing as parameters */
}

void csctp_cause_write_invalid_stream(csctp_wr *w, uint16_t stream) {
  uint8_t b[4] = {0};
  csctp_put_u16(b, stream); /* then 2 reserved bytes (§3.3.10.1) */
  csctp_cause_write(w, CSCTP_CAUSE_INVALID_STREAM, b, sizeof(b));
}

void csctp_cause_write_missing_params(csctp_wr *w, const uint16_t *types, size_t n) {
  /* §3.3.10.2: a 32-bit count then one 16-bit type each. */
  if (n > (UINT16_MAX - 8) / 2) {
    w->overflow = 1;
    return;
  }
  size_t off = csctp_wr_tlv_begin(w, CSCTP_CAUSE_MISSING_PARAM);
  csctp_wr_u32(w, (uint32_t)n);
  for (size_t i = 0; i < n; i++) csctp_wr_u16(w, types[i]);
  csctp_wr_tlv_end(w, off);
}

static void cause_write_u32(csctp_wr *w, uint16_t code, uint32_t v) {
  uint8_t b[4];
  csctp_put_u32(b, v);
  csctp_cause_write(w, code, b, sizeof(b));
}

void csctp_cause_write_stale_cookie(csctp_wr *w, uint32_t staleness_us) {
  cause_write_u32(w, CSCTP_CAUSE_STALE_COOKIE, staleness_us);
}

void csctp_cause_write_no_user_data(csctp_wr *w, uint32_t tsn) {
  cause_write_u32(w, CSCTP_CAUSE_NO_USER_DATA, tsn);
}

void csctp_cause_write_unrecognized_chunk(csctp_wr *w, const csctp_chunk *ch) {
  /* §3.3.10.6: the chunk as received, header included (padding is ours). */
  if (ch->value_len > UINT16_MAX - 8) {
    w->overflow = 1;
    return;
  }
  size_t off = csctp_wr_tlv_begin(w, CSCTP_CAUSE_UNRECOGNIZED_CHUNK);
  csctp_wr_u8(w, ch->type);
  csctp_wr_u8(w, ch->flags);
  csctp_wr_u16(w, ch->length);
  csctp_wr_bytes(w, ch->value, ch->value_len);
  csctp_wr_tlv_end(w, off);
}

void csctp_cause_write_unrecognized_params(csctp_wr *w, const csctp_tlv *params, size_t n) {
  /* §3.3.10.8: the parameters whole, padded between each other. */
  size_t total = 4;
  for (size_t i = 0; i < n; i++) total += ((size_t)params[i].length + 3) & ~(size_t)3;
  if (total > UINT16_MAX) {
    w->overflow = 1;
    return;
  }
  size_t off = csctp_wr_tlv_begin(w, CSCTP_CAUSE_UNRECOGNIZED_PARAMS);
  for (size_t i = 0; i < n; i++) {
    if (i) csctp_wr_pad4(w);
    csctp_wr_bytes(w, params[i].raw, params[i].length);
  }
  csctp_wr_tlv_end(w, off);
}

void csctp_cause_write_text(csctp_wr *w, uint16_t code, const char *text) {
  size_t len = text ? strlen(text) : 0;
  csctp_cause_write(w, code, (const uint8_t *)text, len);
}

size_t csctp_abort_write_begin(csctp_wr *w, int t_bit) {
  return csctp_wr_chunk_begin(w, CSCTP_CHUNK_ABORT, t_bit ? CSCTP_FLAG_T : 0);
}

size_t csctp_error_write_begin(csctp_wr *w) {
  return csctp_wr_chunk_begin(w, CSCTP_CHUNK_ERROR, 0);
}
