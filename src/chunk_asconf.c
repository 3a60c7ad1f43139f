/* SPDX-License-Identifier: MIT */
/* ASCONF and ASCONF-ACK chunks and their parameters (RFC 5061 §4.1-§4.3). */
#include <string.h>

#include <csctp/common.h>

#include "chunk.h"
#include "chunk_asconf.h"

/* An Address Parameter filling [p, p + n) exactly; IPv4/IPv6 ones must have their own size. */
static int asconf_addr_parse(const uint8_t *p, size_t n, csctp_asconf_addr *a) {
  csctp_rd r;
  csctp_rd_init(&r, p, n);
  csctp_tlv t;
  if (csctp_tlv_next(&r, &t) != 1 || csctp_rd_left(&r) != 0) return CSCTP_ERR_MALFORMED;
  memset(a, 0, sizeof(*a));
  a->raw = t;
  if (t.type == CSCTP_PARAM_IPV4 || t.type == CSCTP_PARAM_IPV6) {
    size_t want = t.type == CSCTP_PARAM_IPV4 ? 4 : 16;
    if (t.value_len != want) return CSCTP_ERR_MALFORMED;
    a->fam = t.type == CSCTP_PARAM_IPV4 ? 4 : 6;
    a->ip = t.value;
  }
  return 0;
}

/* Fills *p from one TLV; MALFORMED when a known type has a wrong length. */
static int asconf_param_parse(const csctp_tlv *t, csctp_asconf_param *p) {
  memset(p, 0, sizeof(*p));
  p->type = t->type;
  p->raw = *t;
  switch (t->type) {
  case CSCTP_ASCONF_ADD_IP:
  case CSCTP_ASCONF_DEL_IP:
  case CSCTP_ASCONF_SET_PRIMARY:
    if (t->value_len < 4) return CSCTP_ERR_MALFORMED;
    p->corr_id = csctp_get_u32(t->value);
    return asconf_addr_parse(t->value + 4, t->value_len - 4, &p->addr);
  case CSCTP_ASCONF_ERROR_IND: {
    if (t->value_len < 4) return CSCTP_ERR_MALFORMED;
    p->corr_id = csctp_get_u32(t->value);
    p->causes = t->value + 4;
    p->causes_len = t->value_len - 4;
    csctp_rd r;
    csctp_rd_init(&r, p->causes, p->causes_len);
    csctp_tlv c;
    int rc;
    while ((rc = csctp_tlv_next(&r, &c)) == 1) {}
    return rc < 0 ? CSCTP_ERR_MALFORMED : 0;
  }
  case CSCTP_ASCONF_SUCCESS_IND:
  case CSCTP_ASCONF_ADAPTATION:
    if (t->value_len != 4) return CSCTP_ERR_MALFORMED;
    p->corr_id = csctp_get_u32(t->value);
    return 0;
  default: return 0;
  }
}

int csctp_asconf_param_next(csctp_rd *r, csctp_asconf_param *p) {
  csctp_tlv t;
  int rc = csctp_tlv_next(r, &t);
  if (rc != 1) return rc;
  if (asconf_param_parse(&t, p)) {
    r->bad = 1;
    return CSCTP_ERR_MALFORMED;
  }
  return 1;
}

int csctp_asconf_decode(const csctp_chunk *ch, csctp_asconf_chunk *out) {
  memset(out, 0, sizeof(*out));
  if (ch->type != CSCTP_CHUNK_ASCONF && ch->type != CSCTP_CHUNK_ASCONF_ACK)
    return CSCTP_ERR_MALFORMED;
  csctp_rd r;
  csctp_rd_init(&r, ch->value, ch->value_len);
  out->serial = csctp_rd_u32(&r);
  if (r.bad) return CSCTP_ERR_MALFORMED;
  if (ch->type == CSCTP_CHUNK_ASCONF) {
    /* §4.1.1: the Address Parameter comes first and is mandatory. */
    size_t start = r.pos;
    csctp_tlv t;
    if (csctp_tlv_next(&r, &t) != 1) return CSCTP_ERR_MALFORMED;
    if (t.type != CSCTP_PARAM_IPV4 && t.type != CSCTP_PARAM_IPV6) return CSCTP_ERR_MALFORMED;
    if (asconf_addr_parse(ch->value + start, t.length, &out->addr)) return CSCTP_ERR_MALFORMED;
    out->has_addr = 1;
  }
  out->params = ch->value + r.pos;
  out->params_len = csctp_rd_left(&r);
  csctp_asconf_param p;
  int rc;
  while ((rc = csctp_asconf_param_next(&r, &p)) == 1)
    if (++out->n_params > CSCTP_ASCONF_MAX_PARAMS) return CSCTP_ERR_MALFORMED;
  return rc < 0 ? CSCTP_ERR_MALFORMED : 0;
}

void csctp_asconf_params(const csctp_asconf_chunk *c, csctp_rd *r) {
  csctp_rd_init(r, c->params, c->params_len);
}

void csctp_asconf_addr_write(csctp_wr *w, int fam, const uint8_t *ip) {
  if ((fam != 4 && fam != 6) || !ip) {
    w->overflow = 1;
    return;
  }
  csctp_param_write(w, fam == 4 ? CSCTP_PARAM_IPV4 : CSCTP_PARAM_IPV6, ip, fam == 4 ? 4 : 16);
}

size_t csctp_asconf_write_begin(csctp_wr *w, uint32_t serial, int fam, const uint8_t *ip) {
  size_t off = csctp_wr_chunk_begin(w, CSCTP_CHUNK_ASCONF, 0);
  csctp_wr_u32(w, serial);
  csctp_asconf_addr_write(w, fam, ip);
  return off;
}

void csctp_asconf_request_write(csctp_wr *w, uint16_t type, uint32_t corr_id, int fam,
                                const uint8_t *ip) {
  if (type != CSCTP_ASCONF_ADD_IP && type != CSCTP_ASCONF_DEL_IP &&
      type != CSCTP_ASCONF_SET_PRIMARY) {
    w->overflow = 1;
    return;
  }
  size_t off = csctp_wr_tlv_begin(w, type);
  csctp_wr_u32(w, corr_id);
  csctp_asconf_addr_write(w, fam, ip);
  csctp_wr_tlv_end(w, off);
}

size_t csctp_asconf_ack_write_begin(csctp_wr *w, uint32_t serial) {
  size_t off = csctp_wr_chunk_begin(w, CSCTP_CHUNK_ASCONF_ACK, 0);
  csctp_wr_u32(w, serial);
  return off;
}

void csctp_asconf_success_write(csctp_wr *w, uint32_t corr_id) {
  size_t off = csctp_wr_tlv_begin(w, CSCTP_ASCONF_SUCCESS_IND);
  csctp_wr_u32(w, corr_id);
  csctp_wr_tlv_end(w, off);
}

void csctp_asconf_error_write(csctp_wr *w, uint32_t corr_id, uint16_t cause, const uint8_t *body,
                              size_t body_len) {
  size_t off = csctp_wr_tlv_begin(w, CSCTP_ASCONF_ERROR_IND);
  csctp_wr_u32(w, corr_id);
  csctp_cause_write(w, cause, body, body_len);
  csctp_wr_tlv_end(w, off);
}
