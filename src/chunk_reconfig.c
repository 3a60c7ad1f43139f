/* SPDX-License-Identifier: MIT */
/* RE-CONFIG chunk and its parameters (RFC 6525 §3.1, §4). */
#include <string.h>

#include <csctp/common.h>

#include "chunk.h"

/* Fills *p from one TLV; MALFORMED when a known type has a wrong length. */
static int reconfig_param_parse(const csctp_tlv *t, csctp_reconfig_param *p) {
  memset(p, 0, sizeof(*p));
  p->type = t->type;
  p->raw = *t;
  csctp_rd r;
  csctp_rd_init(&r, t->value, t->value_len);
  size_t n = t->value_len;
  switch (t->type) {
  case CSCTP_PARAM_OUT_SSN_RESET:
    if (n < 12 || (n - 12) % 2) return CSCTP_ERR_MALFORMED;
    p->seq = csctp_rd_u32(&r);
    p->resp_seq = csctp_rd_u32(&r);
    p->last_tsn = csctp_rd_u32(&r);
    p->n_streams = (n - 12) / 2;
    p->streams = t->value + 12;
    break;
  case CSCTP_PARAM_IN_SSN_RESET:
    if (n < 4 || (n - 4) % 2) return CSCTP_ERR_MALFORMED;
    p->seq = csctp_rd_u32(&r);
    p->n_streams = (n - 4) / 2;
    p->streams = t->value + 4;
    break;
  case CSCTP_PARAM_SSN_TSN_RESET:
    if (n != 4) return CSCTP_ERR_MALFORMED;
    p->seq = csctp_rd_u32(&r);
    break;
  case CSCTP_PARAM_RECONFIG_RESP:
    if (n != 8 && n != 16) return CSCTP_ERR_MALFORMED;
    p->seq = csctp_rd_u32(&r);
    p->result = csctp_rd_u32(&r);
    if (n == 16) {
      p->has_tsns = 1;
      p->sender_next_tsn = csctp_rd_u32(&r);
      p->receiver_next_tsn = csctp_rd_u32(&r);
    }
    break;
  case CSCTP_PARAM_ADD_OUT_STREAMS:
  case CSCTP_PARAM_ADD_IN_STREAMS:
    if (n != 8) return CSCTP_ERR_MALFORMED;
    p->seq = csctp_rd_u32(&r);
    p->n_new_streams = csctp_rd_u16(&r);
    break;
  default: break;
  }
  return r.bad ? CSCTP_ERR_MALFORMED : 0;
}

int csctp_reconfig_decode(const csctp_chunk *ch, csctp_reconfig_chunk *out) {
  memset(out, 0, sizeof(*out));
  csctp_rd r;
  csctp_rd_init(&r, ch->value, ch->value_len);
  csctp_tlv t;
  int rc;
  while ((rc = csctp_tlv_next(&r, &t)) == 1) {
    if (out->n_params == CSCTP_RECONFIG_MAX_PARAMS) return CSCTP_ERR_MALFORMED;
    if (reconfig_param_parse(&t, &out->params[out->n_params])) return CSCTP_ERR_MALFORMED;
    out->n_params++;
  }
  if (rc < 0 || out->n_params == 0) return CSCTP_ERR_MALFORMED;
  return 0;
}

size_t csctp_reconfig_write_begin(csctp_wr *w) {
  return csctp_wr_chunk_begin(w, CSCTP_CHUNK_RECONFIG, 0);
}

static void reconfig_write_streams(csctp_wr *w, const csctp_reconfig_param *p,
                                   const uint16_t *ids) {
  for (size_t i = 0; i < p->n_streams; i++)
    csctp_wr_u16(w, ids ? ids[i] : csctp_reconfig_stream(p, i));
}

void csctp_reconfig_param_write(csctp_wr *w, const csctp_reconfig_param *p, const uint16_t *ids) {
  if (p->n_streams > (UINT16_MAX - 16) / 2) {
    w->overflow = 1;
    return;
  }
  size_t off = csctp_wr_tlv_begin(w, p->type);
  switch (p->type) {
  case CSCTP_PARAM_OUT_SSN_RESET:
    csctp_wr_u32(w, p->seq);
    csctp_wr_u32(w, p->resp_seq);
    csctp_wr_u32(w, p->last_tsn);
    reconfig_write_streams(w, p, ids);
    break;
  case CSCTP_PARAM_IN_SSN_RESET:
    csctp_wr_u32(w, p->seq);
    reconfig_write_streams(w, p, ids);
    break;
  case CSCTP_PARAM_SSN_TSN_RESET: csctp_wr_u32(w, p->seq); break;
  case CSCTP_PARAM_RECONFIG_RESP:
    csctp_wr_u32(w, p->seq);
    csctp_wr_u32(w, p->result);
    if (p->has_tsns) {
      csctp_wr_u32(w, p->sender_next_tsn);
      csctp_wr_u32(w, p->receiver_next_tsn);
    }
    break;
  case CSCTP_PARAM_ADD_OUT_STREAMS:
  case CSCTP_PARAM_ADD_IN_STREAMS:
    csctp_wr_u32(w, p->seq);
    csctp_wr_u16(w, p->n_new_streams);
    csctp_wr_u16(w, 0);
    break;
  default: w->overflow = 1; return;
  }
  csctp_wr_tlv_end(w, off);
}
