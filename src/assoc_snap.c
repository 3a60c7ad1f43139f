/* SPDX-License-Identifier: MIT */
/*
 * SNAP, the SCTP Negotiation Acceleration Protocol (draft-hancke-tsvwg-snap):
 * over DTLS, where the DTLS handshake has already proven the peer, each side's
 * INIT chunk travels in the session description (a=sctp-init) instead of on
 * the wire, and both sides enter ESTABLISHED when DTLS is up, as if INIT, INIT
 * ACK, COOKIE ECHO and COOKIE ACK had been exchanged (RFC 9260 §5.1 steps A-E
 * skipped). Neither making our INIT nor reading the peer's changes the state or
 * starts a timer (the draft's "SCTP considerations").
 */
#include <string.h>

#include "assoc.h"

/* Decodes a lone INIT chunk (as carried in a=sctp-init: a chunk header, its fields and
 * parameters, and at most 3 bytes of padding) and checks its mandatory fields (§3.3.2). */
static int snap_decode(const uint8_t *init, size_t len, csctp_init_chunk *in) {
  if (!init) return CSCTP_ERR_INVALID_ARGUMENT;
  if (len < CSCTP_CHUNK_HDR_LEN + CSCTP_INIT_FIXED_LEN) return CSCTP_ERR_MALFORMED;
  size_t length = csctp_get_u16(init + 2);
  if (init[0] != CSCTP_CHUNK_INIT || length < CSCTP_CHUNK_HDR_LEN + CSCTP_INIT_FIXED_LEN ||
      length > len || len - length > 3)
    return CSCTP_ERR_MALFORMED;
  for (size_t i = length; i < len; i++) /* padding is zero bytes */
    if (init[i]) return CSCTP_ERR_MALFORMED;
  csctp_chunk ch = {.type = init[0],
                    .flags = init[1],
                    .length = (uint16_t)length,
                    .value = init + CSCTP_CHUNK_HDR_LEN,
                    .value_len = length - CSCTP_CHUNK_HDR_LEN};
  if (csctp_init_decode(&ch, in) != 0) return CSCTP_ERR_MALFORMED;
  if (in->initiate_tag == 0 || csctp_assoc_init_fields_invalid(in)) return CSCTP_ERR_MALFORMED;
  return 0;
}

int csctp_snap_init_check(const uint8_t *init, size_t len) {
  csctp_init_chunk in;
  return snap_decode(init, len, &in);
}

csctp_ssize csctp_assoc_snap_init(csctp_assoc *a, uint8_t *buf, size_t cap) {
  if (!a || !buf) return CSCTP_ERR_INVALID_ARGUMENT;
  if (a->dead || a->state != CSCTP_STATE_CLOSED) return CSCTP_ERR_INVALID_STATE;
  if (!a->snap_local) { /* once: the peer may be given these bytes more than once */
    int rv = csctp_assoc_random_u32(a, &a->local_tag, 1);
    if (!rv) rv = csctp_assoc_random_u32(a, &a->local_initial_tsn, 0);
    if (rv) return rv;
    a->snap_local = 1;
  }
  uint8_t init[128]; /* written whole first, so that a short `buf` is left untouched */
  csctp_wr w;
  csctp_wr_init(&w, init, sizeof init);
  csctp_assoc_write_init(a, &w, 0); /* SNAP does not negotiate RFC 4895 AUTH */
  if (w.overflow || w.len > cap) return CSCTP_ERR_NOBUF;
  memcpy(buf, init, w.len);
  return (csctp_ssize)w.len;
}

int csctp_assoc_snap_establish(csctp_assoc *a, const uint8_t *init, size_t len, csctp_tstamp now) {
  if (!a) return CSCTP_ERR_INVALID_ARGUMENT;
  if (a->dead || a->state != CSCTP_STATE_CLOSED || !a->snap_local) return CSCTP_ERR_INVALID_STATE;
  csctp_init_chunk in;
  int rv = snap_decode(init, len, &in);
  if (rv) return rv;
  /* A peer that does not know SNAP but echoes unknown attributes hands our own INIT back. */
  if (in.initiate_tag == a->local_tag && in.initial_tsn == a->local_initial_tsn)
    return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_cookie c = {0};
  csctp_assoc_cookie_from_init(a, &in, &c);
  c.local_tag = a->local_tag;
  c.local_initial_tsn = a->local_initial_tsn;
  csctp_assoc_log(a, CSCTP_LOG_INFO, "SNAP: the peer's INIT from its description (tag %08x)",
                  in.initiate_tag);
  return csctp_assoc_establish(a, &c, 0, now);
}
