/* SPDX-License-Identifier: MIT */
/* INIT and INIT ACK with their parameters (RFC 9260 §3.3.2, §3.3.3, §3.2.1). */
#include <string.h>

#include <csctp/common.h>

#include "chunk.h"

/* Value lengths of fixed-size parameters; -1 when variable. */
static int init_param_fixed_len(uint16_t type) {
  switch (type) {
  case CSCTP_PARAM_IPV4: return 4;
  case CSCTP_PARAM_IPV6: return 16;
  case CSCTP_PARAM_COOKIE_PRESERVATIVE: return 4;
  case CSCTP_PARAM_ECN_CAPABLE: return 0;
  case CSCTP_PARAM_FORWARD_TSN_SUPPORTED: return 0;
  case CSCTP_PARAM_ADAPTATION_LAYER: return 4;
  default: return -1;
  }
}

/* Applies one parameter: 1 recognized, 0 unknown, MALFORMED on a bad length. */
static int init_param_apply(csctp_init_chunk *out, uint8_t chunk_type, const csctp_tlv *t) {
  int fixed = init_param_fixed_len(t->type);
  if (fixed >= 0 && t->value_len != (size_t)fixed) return CSCTP_ERR_MALFORMED;
  switch (t->type) {
  case CSCTP_PARAM_IPV4:
  case CSCTP_PARAM_IPV6: return 1; /* single-homed over DTLS/UDP: addresses are not used */
  case CSCTP_PARAM_STATE_COOKIE:
    if (chunk_type == CSCTP_CHUNK_INIT_ACK) {
      out->cookie = t->value;
      out->cookie_len = t->value_len;
    }
    return 1;
  case CSCTP_PARAM_UNRECOGNIZED:
    /* §3.3.3: INIT ACK reports our unknown parameters; nothing to act on. */
    return chunk_type == CSCTP_CHUNK_INIT_ACK ? 1 : 0;
  case CSCTP_PARAM_COOKIE_PRESERVATIVE:
    out->has_cookie_preservative = 1;
    out->cookie_preservative_ms = csctp_get_u32(t->value);
    return 1;
  case CSCTP_PARAM_HOSTNAME:
    out->has_hostname = 1; /* §5.1.2: deprecated; the association aborts */
    return 1;
  case CSCTP_PARAM_SUPPORTED_ADDR_TYPES:
    if (t->value_len & 1) return CSCTP_ERR_MALFORMED;
    out->addr_types |= CSCTP_ADDR_TYPES_PRESENT;
    for (size_t i = 0; i + 2 <= t->value_len; i += 2) {
      uint16_t at = csctp_get_u16(t->value + i); /* 11 (Host Name) is not supported */
      if (at == CSCTP_PARAM_IPV4) out->addr_types |= CSCTP_ADDR_TYPES_V4;
      if (at == CSCTP_PARAM_IPV6) out->addr_types |= CSCTP_ADDR_TYPES_V6;
    }
    return 1;
  case CSCTP_PARAM_ECN_CAPABLE: out->ecn_capable = 1; return 1;
  case CSCTP_PARAM_ZERO_CHECKSUM:
    /* RFC 9653 §4: Length 8. Another length (draft versions sent 4, without an EDMID) is no
     * announcement: the association forms and keeps CRC32c, rather than never forming. */
    if (t->value_len == CSCTP_PARAM_ZERO_CHECKSUM_LEN - 4) {
      out->has_zero_checksum = 1;
      out->zero_checksum_edmid = csctp_get_u32(t->value);
    }
    return 1;
  case CSCTP_PARAM_SUPPORTED_EXTENSIONS:
    out->supported_ext = t->value;
    out->supported_ext_len = t->value_len;
    return 1;
  case CSCTP_PARAM_FORWARD_TSN_SUPPORTED: out->forward_tsn_supported = 1; return 1;
  case CSCTP_PARAM_RANDOM:
    if (!out->auth_random.type) out->auth_random = *t;
    return 1;
  case CSCTP_PARAM_CHUNKS:
    if (!out->auth_chunks.type) out->auth_chunks = *t;
    return 1;
  case CSCTP_PARAM_HMAC_ALGO:
    if (!out->auth_hmac_algo.type) out->auth_hmac_algo = *t;
    return 1;
  case CSCTP_PARAM_ADAPTATION_LAYER:
    out->has_adaptation_layer = 1;
    out->adaptation_ind = csctp_get_u32(t->value);
    return 1;
  default: return 0;
  }
}

int csctp_init_decode(const csctp_chunk *ch, csctp_init_chunk *out) {
  memset(out, 0, sizeof(*out));
  csctp_rd r;
  csctp_rd_init(&r, ch->value, ch->value_len);
  out->initiate_tag = csctp_rd_u32(&r);
  out->a_rwnd = csctp_rd_u32(&r);
  out->num_outbound_streams = csctp_rd_u16(&r);
  out->num_inbound_streams = csctp_rd_u16(&r);
  out->initial_tsn = csctp_rd_u32(&r);
  if (r.bad) return CSCTP_ERR_MALFORMED;
  out->params = ch->value + CSCTP_INIT_FIXED_LEN;
  out->params_len = ch->value_len - CSCTP_INIT_FIXED_LEN;

  csctp_tlv t;
  int rc;
  while ((rc = csctp_tlv_next(&r, &t)) == 1) {
    int known = init_param_apply(out, ch->type, &t);
    if (known < 0) return known;
    if (known) continue;
    /* §3.2.1: the upper two bits of an unknown type say what to do. */
    int action = csctp_unknown_action((unsigned)(t.type >> 8));
    if (action == CSCTP_UNK_STOP_REPORT || action == CSCTP_UNK_SKIP_REPORT) {
      if (out->n_unrecognized < CSCTP_MAX_UNRECOGNIZED)
        out->unrecognized[out->n_unrecognized++] = t;
      else
        out->n_unrecognized_dropped++;
    }
    if (action == CSCTP_UNK_STOP || action == CSCTP_UNK_STOP_REPORT) {
      out->stopped = 1;
      return 0; /* the rest is not looked at, not even its framing */
    }
  }
  return rc < 0 ? rc : 0;
}

int csctp_init_next_unrecognized(const csctp_init_chunk *in, uint8_t chunk_type, size_t *pos,
                                 csctp_tlv *t) {
  csctp_init_chunk scratch;
  csctp_rd r;
  if (!in->params || *pos >= in->params_len) return 0;
  csctp_rd_init(&r, in->params + *pos, in->params_len - *pos);
  while (csctp_tlv_next(&r, t) == 1) { /* decoding checked the framing already */
    *pos = in->params_len - csctp_rd_left(&r);
    memset(&scratch, 0, sizeof(scratch));
    if (init_param_apply(&scratch, chunk_type, t) != 0) continue;
    int action = csctp_unknown_action((unsigned)(t->type >> 8));
    int stop = action == CSCTP_UNK_STOP || action == CSCTP_UNK_STOP_REPORT;
    if (stop) *pos = in->params_len;
    if (action == CSCTP_UNK_STOP_REPORT || action == CSCTP_UNK_SKIP_REPORT) return 1;
    if (stop) return 0;
  }
  *pos = in->params_len;
  return 0;
}

size_t csctp_init_write_begin(csctp_wr *w, uint8_t type, const csctp_init_chunk *f) {
  size_t off = csctp_wr_chunk_begin(w, type, 0);
  csctp_wr_u32(w, f->initiate_tag);
  csctp_wr_u32(w, f->a_rwnd);
  csctp_wr_u16(w, f->num_outbound_streams);
  csctp_wr_u16(w, f->num_inbound_streams);
  csctp_wr_u32(w, f->initial_tsn);
  return off;
}

void csctp_param_write(csctp_wr *w, uint16_t type, const uint8_t *value, size_t len) {
  if (len > UINT16_MAX - 4) {
    w->overflow = 1;
    return;
  }
  size_t off = csctp_wr_tlv_begin(w, type);
  csctp_wr_bytes(w, value, len);
  csctp_wr_tlv_end(w, off);
}

void csctp_param_write_zero_checksum(csctp_wr *w, uint32_t edmid) {
  uint8_t v[4];
  csctp_put_u32(v, edmid);
  csctp_param_write(w, CSCTP_PARAM_ZERO_CHECKSUM, v, sizeof(v));
}
