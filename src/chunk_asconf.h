/* SPDX-License-Identifier: MIT */
/*
 * ASCONF and ASCONF-ACK (RFC 5061 §4.1.1, §4.1.2), their parameters (§4.2, §4.3) and error
 * causes (§4.3.1-§4.3.5): the codec only (src/chunk_asconf.c). Decoders check every length
 * through the one reader and hand out views into the packet (valid as long as the packet);
 * what a request means is judged by the association.
 */
#ifndef CSCTP_CHUNK_ASCONF_H
#define CSCTP_CHUNK_ASCONF_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"

/* Chunk types (RFC 5061 §4.1). */
#define CSCTP_CHUNK_ASCONF 0xc1
#define CSCTP_CHUNK_ASCONF_ACK 0x80

/* ASCONF parameter types (RFC 5061 §4.2, §4.3). */
enum {
  CSCTP_ASCONF_ADD_IP = 0xc001,
  CSCTP_ASCONF_DEL_IP = 0xc002,
  CSCTP_ASCONF_ERROR_IND = 0xc003, /* Error Cause Indication */
  CSCTP_ASCONF_SET_PRIMARY = 0xc004,
  CSCTP_ASCONF_SUCCESS_IND = 0xc005,
  CSCTP_ASCONF_ADAPTATION = 0xc006, /* Adaptation Layer Indication (ignored here) */
};

/* Error causes (RFC 5061 §4.3.1-§4.3.5); the cause's body is the request parameter, whole. */
enum {
  CSCTP_CAUSE_DEL_LAST_ADDR = 0x00a0,     /* Request to Delete Last Remaining IP Address */
  CSCTP_CAUSE_RESOURCE_SHORTAGE = 0x00a1, /* Operation Refused Due to Resource Shortage */
  CSCTP_CAUSE_DEL_SOURCE_ADDR = 0x00a2,   /* Request to Delete Source IP Address */
  CSCTP_CAUSE_ILLEGAL_ASCONF_ACK = 0x00a3,
  CSCTP_CAUSE_NO_AUTHORIZATION = 0x00a4, /* Request Refused - No Authorization */
};

/* The most parameters one ASCONF or ASCONF-ACK may hold before the decoder calls it malformed:
 * more than a peer needs (one per address and the primary), few enough to bound the answer. */
#define CSCTP_ASCONF_MAX_PARAMS 16

/* An IPv4 (type 5, 8 bytes) or IPv6 (type 6, 20 bytes) Address Parameter (RFC 9260
 * §3.3.2.1). fam is 4 or 6; another parameter type in that place is fam 0 with `raw` kept (the
 * association answers Unresolvable Address). */
typedef struct csctp_asconf_addr {
  uint8_t fam;
  const uint8_t *ip; /* 4 or 16 bytes, NULL when fam is 0 */
  csctp_tlv raw;     /* the whole parameter */
} csctp_asconf_addr;

/* One parameter of an ASCONF or ASCONF-ACK. Fields the type does not carry are 0. */
typedef struct csctp_asconf_param {
  uint16_t type;
  uint32_t corr_id;       /* Correlation ID (0xc001-0xc005); the indication of 0xc006 */
  csctp_asconf_addr addr; /* 0xc001, 0xc002, 0xc004 */
  const uint8_t *causes;  /* 0xc003: the error causes, TLVs, causes_len bytes */
  size_t causes_len;
  csctp_tlv raw; /* the whole parameter; for an unknown type the only field set */
} csctp_asconf_param;

/* A decoded ASCONF (has_addr 1: its mandatory Address Parameter) or ASCONF-ACK (has_addr 0). */
typedef struct csctp_asconf_chunk {
  uint32_t serial;
  int has_addr;
  csctp_asconf_addr addr;
  size_t n_params;
  const uint8_t *params; /* what follows, checked by the decoder: walk it with
                          * csctp_asconf_param_next */
  size_t params_len;
} csctp_asconf_chunk;

/*
 * Decodes an ASCONF (ch->type 0xc1) or ASCONF-ACK (0x80) and checks every parameter: 0, or
 * CSCTP_ERR_MALFORMED when the chunk is of another type, the serial is missing, an ASCONF lacks
 * its Address Parameter (or that one is an IPv4/IPv6 parameter of the wrong length), a
 * parameter's framing or a known type's length is wrong (0xc001/2/4: 8 + an address parameter
 * that fills it; 0xc005 and 0xc006: 8; 0xc003: 8 + causes whose framing is right), or it holds
 * more than CSCTP_ASCONF_MAX_PARAMS parameters. Unknown types are kept for their action bits.
 */
int csctp_asconf_decode(const csctp_chunk *ch, csctp_asconf_chunk *out);

/* Starts a walk over the parameters of a chunk csctp_asconf_decode accepted. */
void csctp_asconf_params(const csctp_asconf_chunk *c, csctp_rd *r);

/* The next parameter of the walk into *p: 1, 0 at the end, CSCTP_ERR_MALFORMED on bytes the
 * decoder would have refused (never for a chunk it accepted). */
int csctp_asconf_param_next(csctp_rd *r, csctp_asconf_param *p);

/* Appends an Address Parameter for `fam` 4 (ip: 4 bytes) or 6 (16 bytes); another fam sets
 * w->overflow. */
void csctp_asconf_addr_write(csctp_wr *w, int fam, const uint8_t *ip);

/* Starts an ASCONF with `serial` and its Address Parameter (fam, ip as above); append requests,
 * then csctp_wr_tlv_end(w, returned offset). */
size_t csctp_asconf_write_begin(csctp_wr *w, uint32_t serial, int fam, const uint8_t *ip);

/* Appends an Add IP, Delete IP or Set Primary request (`type`) for one address; other types
 * set w->overflow. */
void csctp_asconf_request_write(csctp_wr *w, uint16_t type, uint32_t corr_id, int fam,
                                const uint8_t *ip);

/* Starts an ASCONF-ACK for `serial`; append responses, then csctp_wr_tlv_end. */
size_t csctp_asconf_ack_write_begin(csctp_wr *w, uint32_t serial);

/* Appends a Success Indication for `corr_id`. */
void csctp_asconf_success_write(csctp_wr *w, uint32_t corr_id);

/* Appends an Error Cause Indication for `corr_id` with one cause `cause` whose body is `body`
 * (body_len bytes: the request parameter, whole, for the causes of RFC 5061 §4.3). */
void csctp_asconf_error_write(csctp_wr *w, uint32_t corr_id, uint16_t cause, const uint8_t *body,
                              size_t body_len);

#endif
