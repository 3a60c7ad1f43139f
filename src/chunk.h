/* SPDX-License-Identifier: MIT */
/*
 * Decoders and encoders of every RFC 9260 chunk, their parameters and error
 * causes. Decoders take a csctp_chunk view and fill a struct of views into the
 * packet (valid as long as the packet); they check every length and return 0
 * or CSCTP_ERR_MALFORMED. Semantic checks that call for a specific reaction
 * (zero initiate tag, zero streams, empty DATA) are left to the association.
 * Encoders append to a csctp_wr; on overflow they leave w->overflow set and
 * the caller rolls back with csctp_wr_rollback().
 *
 * Implementations: one file per family (chunk_data.c, chunk_init.c,
 * chunk_sack.c, chunk_heartbeat.c, chunk_error.c, chunk_simple.c,
 * chunk_forward_tsn.c, chunk_reconfig.c, chunk_idata.c for RFC 8260's I-DATA and
 * I-FORWARD-TSN, chunk_auth.c for RFC 4895's AUTH).
 */
#ifndef CSCTP_CHUNK_H
#define CSCTP_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"

/* ---- DATA (§3.3.1) ---- */

#define CSCTP_DATA_HDR_LEN 16

typedef struct csctp_data_chunk {
  uint8_t flags; /* CSCTP_DATA_FLAG_* */
  uint32_t tsn;
  uint16_t stream;
  uint16_t ssn;
  uint32_t ppid;
  const uint8_t *data;
  size_t len; /* 0 is possible: the caller answers with the No User Data cause */
} csctp_data_chunk;

/* MALFORMED when the value is shorter than the 12-byte DATA header. Inline: it runs for every
 * DATA chunk received, twice (validation, then intake). */
static inline int csctp_data_decode(const csctp_chunk *ch, csctp_data_chunk *out) {
  csctp_rd r;
  csctp_rd_init(&r, ch->value, ch->value_len);
  /* One bounds check for the fixed part: TSN, stream, SSN, PPID. */
  const uint8_t *h = csctp_rd_bytes(&r, CSCTP_DATA_HDR_LEN - CSCTP_CHUNK_HDR_LEN);
  if (!h) return CSCTP_ERR_MALFORMED;
  out->flags = ch->flags;
  out->tsn = csctp_get_u32(h);
  out->stream = csctp_get_u16(h + 4);
  out->ssn = csctp_get_u16(h + 6);
  out->ppid = csctp_get_u32(h + 8);
  out->len = csctp_rd_left(&r);
  out->data = ch->value + r.pos; /* never NULL, even when len is 0 */
  return 0;
}

/*
 * csctp_chunk_next and csctp_data_decode in one step, for a walk over bundled DATA
 * chunks: when the next chunk is a DATA chunk that both would accept with a payload
 * (length >= 17, within the packet), decodes it into `out`, moves past it and its
 * padding and returns 1; otherwise returns 0 and leaves `it` as it was, for
 * csctp_chunk_next to take that chunk (and reach the same verdict on it).
 */
static inline int csctp_chunk_next_data(csctp_chunk_iter *it, csctp_data_chunk *out) {
  csctp_rd *r = &it->rd;
  size_t left = csctp_rd_left(r);
  if (r->bad || left <= CSCTP_DATA_HDR_LEN) return 0;
  const uint8_t *h = r->p + r->pos;
  size_t length = csctp_get_u16(h + 2);
  if (h[0] != CSCTP_CHUNK_DATA || length <= CSCTP_DATA_HDR_LEN || length > left) return 0;
  out->flags = h[1];
  out->tsn = csctp_get_u32(h + 4);
  out->stream = csctp_get_u16(h + 8);
  out->ssn = csctp_get_u16(h + 10);
  out->ppid = csctp_get_u32(h + 12);
  out->data = h + CSCTP_DATA_HDR_LEN;
  out->len = length - CSCTP_DATA_HDR_LEN;
  size_t padded = (length + 3) & ~(size_t)3;
  r->pos += padded < left ? padded : left;
  return 1;
}

/*
 * Writes a DATA chunk header (16 bytes, length = 16 + d->len) at p; the
 * caller copies d->len payload bytes right after it and pads to 4.
 */
static inline void csctp_data_write_header(uint8_t *p, const csctp_data_chunk *d) {
  p[0] = CSCTP_CHUNK_DATA;
  p[1] = d->flags;
  csctp_put_u16(p + 2, (uint16_t)(CSCTP_DATA_HDR_LEN + d->len));
  csctp_put_u32(p + 4, d->tsn);
  csctp_put_u16(p + 8, d->stream);
  csctp_put_u16(p + 10, d->ssn);
  csctp_put_u32(p + 12, d->ppid);
}

/* Appends a whole DATA chunk (header, payload, padding). */
void csctp_data_write(csctp_wr *w, const csctp_data_chunk *d);

/* ---- I-DATA (RFC 8260 §2.1) ---- */

#define CSCTP_IDATA_HDR_LEN 20

typedef struct csctp_idata_chunk {
  uint8_t flags; /* CSCTP_DATA_FLAG_* (the same bits as DATA's) */
  uint32_t tsn;
  uint16_t stream;
  uint32_t mid;  /* Message Identifier */
  uint32_t ppid; /* with B: the PPID field; 0 otherwise */
  uint32_t fsn;  /* Fragment Sequence Number: 0 with B (the field carries the PPID) */
  const uint8_t *data;
  size_t len; /* 0 is possible: the caller answers with the No User Data cause */
} csctp_idata_chunk;

/* The 4 bytes after the MID: the PPID in a first fragment (B set), else the FSN. */
static inline void csctp_idata_set_ppid_fsn(csctp_idata_chunk *out, uint32_t v) {
  int first = (out->flags & CSCTP_DATA_FLAG_B) != 0;
  out->ppid = first ? v : 0;
  out->fsn = first ? 0 : v;
}

/* MALFORMED when the value is shorter than the 16-byte I-DATA header after the chunk header.
 * The reserved 16 bits after the stream are ignored (§2.1). */
static inline int csctp_idata_decode(const csctp_chunk *ch, csctp_idata_chunk *out) {
  csctp_rd r;
  csctp_rd_init(&r, ch->value, ch->value_len);
  const uint8_t *h = csctp_rd_bytes(&r, CSCTP_IDATA_HDR_LEN - CSCTP_CHUNK_HDR_LEN);
  if (!h) return CSCTP_ERR_MALFORMED;
  out->flags = ch->flags;
  out->tsn = csctp_get_u32(h);
  out->stream = csctp_get_u16(h + 4);
  out->mid = csctp_get_u32(h + 8);
  csctp_idata_set_ppid_fsn(out, csctp_get_u32(h + 12));
  out->len = csctp_rd_left(&r);
  out->data = ch->value + r.pos; /* never NULL, even when len is 0 */
  return 0;
}

/* csctp_chunk_next_data's twin for I-DATA: decodes the next chunk into `out` and moves past it
 * when it is an I-DATA chunk with a payload (length >= 21, within the packet), returning 1;
 * otherwise 0, `it` unchanged. */
static inline int csctp_chunk_next_idata(csctp_chunk_iter *it, csctp_idata_chunk *out) {
  csctp_rd *r = &it->rd;
  size_t left = csctp_rd_left(r);
  if (r->bad || left <= CSCTP_IDATA_HDR_LEN) return 0;
  const uint8_t *h = r->p + r->pos;
  size_t length = csctp_get_u16(h + 2);
  if (h[0] != CSCTP_CHUNK_IDATA || length <= CSCTP_IDATA_HDR_LEN || length > left) return 0;
  out->flags = h[1];
  out->tsn = csctp_get_u32(h + 4);
  out->stream = csctp_get_u16(h + 8);
  out->mid = csctp_get_u32(h + 12);
  csctp_idata_set_ppid_fsn(out, csctp_get_u32(h + 16));
  out->data = h + CSCTP_IDATA_HDR_LEN;
  out->len = length - CSCTP_IDATA_HDR_LEN;
  size_t padded = (length + 3) & ~(size_t)3;
  r->pos += padded < left ? padded : left;
  return 1;
}

/* Writes an I-DATA chunk header (20 bytes, length = 20 + d->len) at p: the PPID when d has the
 * B flag, else d->fsn; the caller copies the payload after it and pads to 4. */
static inline void csctp_idata_write_header(uint8_t *p, const csctp_idata_chunk *d) {
  p[0] = CSCTP_CHUNK_IDATA;
  p[1] = d->flags;
  csctp_put_u16(p + 2, (uint16_t)(CSCTP_IDATA_HDR_LEN + d->len));
  csctp_put_u32(p + 4, d->tsn);
  csctp_put_u16(p + 8, d->stream);
  csctp_put_u16(p + 10, 0); /* reserved */
  csctp_put_u32(p + 12, d->mid);
  csctp_put_u32(p + 16, (d->flags & CSCTP_DATA_FLAG_B) ? d->ppid : d->fsn);
}

/* Appends a whole I-DATA chunk (header, payload, padding). */
void csctp_idata_write(csctp_wr *w, const csctp_idata_chunk *d);

/* ---- INIT and INIT ACK (§3.3.2, §3.3.3) ---- */

/* Parameter types. */
enum {
  CSCTP_PARAM_HEARTBEAT_INFO = 1,
  CSCTP_PARAM_IPV4 = 5,
  CSCTP_PARAM_IPV6 = 6,
  CSCTP_PARAM_STATE_COOKIE = 7,
  CSCTP_PARAM_UNRECOGNIZED = 8,
  CSCTP_PARAM_COOKIE_PRESERVATIVE = 9,
  CSCTP_PARAM_HOSTNAME = 11,
  CSCTP_PARAM_SUPPORTED_ADDR_TYPES = 12,
  CSCTP_PARAM_ECN_CAPABLE = 0x8000,
  CSCTP_PARAM_ZERO_CHECKSUM = 0x8001,         /* RFC 9653 */
  CSCTP_PARAM_RANDOM = 0x8002,                /* RFC 4895 §3.1 */
  CSCTP_PARAM_CHUNKS = 0x8003,                /* RFC 4895 §3.2 */
  CSCTP_PARAM_HMAC_ALGO = 0x8004,             /* RFC 4895 §3.3 */
  CSCTP_PARAM_SUPPORTED_EXTENSIONS = 0x8008,  /* RFC 5061 §4.2.7 */
  CSCTP_PARAM_FORWARD_TSN_SUPPORTED = 0xc000, /* RFC 3758 */
  CSCTP_PARAM_ADAPTATION_LAYER = 0xc006,      /* RFC 5061 */
};

#define CSCTP_INIT_FIXED_LEN 16 /* value part: tag, a_rwnd, OS, MIS, initial TSN */
#define CSCTP_MAX_UNRECOGNIZED 8

#define CSCTP_ADDR_TYPES_V4 0x01
#define CSCTP_ADDR_TYPES_V6 0x02
#define CSCTP_ADDR_TYPES_PRESENT 0x80

typedef struct csctp_init_chunk {
  uint32_t initiate_tag;
  uint32_t a_rwnd;
  uint16_t num_outbound_streams;
  uint16_t num_inbound_streams;
  uint32_t initial_tsn;
  /* INIT ACK: the State Cookie parameter's value (NULL when absent). */
  const uint8_t *cookie;
  size_t cookie_len;
  int has_hostname;          /* a Host Name Address parameter was present */
  int forward_tsn_supported; /* RFC 3758 parameter present */
  int has_cookie_preservative;
  uint32_t cookie_preservative_ms; /* suggested extension of the cookie life */
  const uint8_t *supported_ext;    /* chunk types listed, NULL when absent */
  size_t supported_ext_len;
  int ecn_capable;              /* ECN Capable parameter present */
  int has_zero_checksum;        /* RFC 9653 Zero Checksum Acceptable present */
  uint32_t zero_checksum_edmid; /* its Error Detection Method Identifier */
  /* §5.1.2 Supported Address Types: CSCTP_ADDR_TYPES_PRESENT | _V4 | _V6 (0 when absent) */
  uint8_t addr_types;
  int has_adaptation_layer; /* RFC 5061 Adaptation Layer Indication present */
  uint32_t adaptation_ind;  /* its value */
  /* RFC 4895 §3: the RANDOM, CHUNKS and HMAC-ALGO parameters, whole (type 0 when absent; the
   * first of each counts). Their contents are judged by the negotiation (assoc_auth.c). */
  csctp_tlv auth_random, auth_chunks, auth_hmac_algo;
  /*
   * Unrecognized parameters whose action asks for a report (01, 11), in the
   * order found, as whole TLVs; the first CSCTP_MAX_UNRECOGNIZED here (more
   * are counted in n_unrecognized_dropped). csctp_init_next_unrecognized
   * walks them all, without a bound.
   */
  size_t n_unrecognized;
  size_t n_unrecognized_dropped;
  csctp_tlv unrecognized[CSCTP_MAX_UNRECOGNIZED];
  /* An unrecognized parameter with action 00 or 01 stopped processing. */
  int stopped;
  const uint8_t *params; /* the parameters (what follows the fixed part) */
  size_t params_len;
} csctp_init_chunk;

/*
 * The next unrecognized parameter of a decoded INIT or INIT ACK whose action
 * asks for a report, from *pos (start at 0), into *t: 1, or 0 when there is
 * none left (a parameter whose action stops processing ends the walk after
 * itself, as in decoding). Every one is reported (RFC 9260 §3.2.1): the caller
 * bounds them by the room in its packet.
 */
int csctp_init_next_unrecognized(const csctp_init_chunk *in, uint8_t chunk_type, size_t *pos,
                                 csctp_tlv *t);

/*
 * Decodes INIT or INIT ACK (ch->type tells which). Parameters known to us are
 * recognized (even those we ignore: IPv4/IPv6 addresses, supported address
 * types, ECN; in INIT ACK also Unrecognized Parameter, type 8); unknown ones
 * follow their action bits. MALFORMED when the fixed part is short or a
 * parameter's length is wrong (fixed-size ones must have their exact size).
 * The State Cookie is taken from INIT ACK only.
 */
int csctp_init_decode(const csctp_chunk *ch, csctp_init_chunk *out);

/*
 * Starts an INIT or INIT ACK with the fixed fields of `f` (other fields of f
 * are ignored). Append parameters with csctp_param_write(), then finish with
 * csctp_wr_tlv_end(w, returned offset).
 */
size_t csctp_init_write_begin(csctp_wr *w, uint8_t type, const csctp_init_chunk *f);

/* Appends one TLV parameter (or error cause) with its padding. */
void csctp_param_write(csctp_wr *w, uint16_t type, const uint8_t *value, size_t len);

/* RFC 9653 §4: Zero Checksum Acceptable is 8 bytes, its value the 32-bit EDMID. */
#define CSCTP_PARAM_ZERO_CHECKSUM_LEN 8
/* Appends a Zero Checksum Acceptable parameter announcing `edmid`. */
void csctp_param_write_zero_checksum(csctp_wr *w, uint32_t edmid);

/* ---- AUTH (RFC 4895 §4.2) ---- */

/* HMAC Identifiers (RFC 4895 §3.3). */
#define CSCTP_HMAC_ID_SHA1 1
#define CSCTP_HMAC_ID_SHA256 3
#define CSCTP_AUTH_HDR_LEN 8 /* chunk header, Shared Key Identifier, HMAC Identifier */
/* Unsupported HMAC Identifier error cause (RFC 4895 §4.1). */
#define CSCTP_CAUSE_UNSUPPORTED_HMAC 0x0105

/* ---- ECN (RFC 9260 Appendix A, draft-stewart-tsvwg-sctpecn; chunk_ecn.c) ---- */
/* ECNE: the lowest TSN of the DATA of a packet that arrived marked CE, and the number of such
 * packets since the last CWR (a 12-byte chunk; the 8-byte form of RFC 2960 has no count, taken
 * as 1). CWR: the TSN of the ECNE it answers. */
#define CSCTP_ECNE_LEN 12
#define CSCTP_ECNE_OLD_LEN 8
#define CSCTP_CWR_LEN 8
/* CWR flags as usrsctp sends them: 0x01 the sender could no longer find the ECNE's TSN (it was
 * acknowledged already) and answers with the TSN of its last reduction instead; 0x02 the ECNE
 * fell in the window it had reduced for. */
#define CSCTP_CWR_FLAG_OVERRIDE 0x01
/* Decodes an ECNE: 0, or CSCTP_ERR_MALFORMED for a length other than 8 or 12. */
int csctp_ecne_decode(const csctp_chunk *ch, uint32_t *tsn, uint32_t *count);
/* Decodes a CWR: 0, or CSCTP_ERR_MALFORMED for a length other than 8. */
int csctp_cwr_decode(const csctp_chunk *ch, uint32_t *tsn);
void csctp_ecne_write(csctp_wr *w, uint32_t tsn, uint32_t count);
void csctp_cwr_write(csctp_wr *w, uint32_t tsn);

typedef struct csctp_auth_chunk {
  uint16_t key_id;     /* Shared Key Identifier */
  uint16_t hmac_id;    /* HMAC Identifier */
  const uint8_t *hmac; /* the HMAC, hmac_len bytes (any length: the receiver checks it) */
  size_t hmac_len;
} csctp_auth_chunk;

/* MALFORMED when the value is shorter than the two identifiers. */
int csctp_auth_decode(const csctp_chunk *ch, csctp_auth_chunk *out);

/* Appends an AUTH chunk whose HMAC field (hmac_len bytes, a multiple of 4) is zero; the HMAC is
 * computed over the packet from this chunk on and stored afterwards (RFC 4895 §6.2). */
void csctp_auth_write(csctp_wr *w, uint16_t key_id, uint16_t hmac_id, size_t hmac_len);

/* Appends an ERROR cause Unsupported HMAC Identifier naming `hmac_id` (RFC 4895 §4.1). */
void csctp_cause_write_unsupported_hmac(csctp_wr *w, uint16_t hmac_id);

/* ---- SACK (§3.3.4) ---- */

typedef struct csctp_sack_chunk {
  uint32_t cum_tsn_ack;
  uint32_t a_rwnd;
  uint16_t num_gap_blocks;
  uint16_t num_dup_tsns;
  const uint8_t *gaps; /* num_gap_blocks * 4 bytes: start, end offsets from cum_tsn_ack */
  const uint8_t *dups; /* num_dup_tsns * 4 bytes */
} csctp_sack_chunk;

/* MALFORMED when the value is short or the counts exceed the chunk. */
int csctp_sack_decode(const csctp_chunk *ch, csctp_sack_chunk *out);

static inline void csctp_sack_gap(const csctp_sack_chunk *s, size_t i, uint16_t *start,
                                  uint16_t *end) {
  *start = csctp_get_u16(s->gaps + 4 * i);
  *end = csctp_get_u16(s->gaps + 4 * i + 2);
}

static inline uint32_t csctp_sack_dup(const csctp_sack_chunk *s, size_t i) {
  return csctp_get_u32(s->dups + 4 * i);
}

/* Appends a SACK; gaps[i][0..1] are start/end offsets. */
void csctp_sack_write(csctp_wr *w, uint32_t cum_tsn_ack, uint32_t a_rwnd, const uint16_t (*gaps)[2],
                      size_t n_gaps, const uint32_t *dups, size_t n_dups);

/* ---- HEARTBEAT and HEARTBEAT ACK (§3.3.5, §3.3.6) ---- */

/* Finds the Heartbeat Info parameter; MALFORMED when absent or malformed. */
int csctp_heartbeat_decode(const csctp_chunk *ch, const uint8_t **info, size_t *info_len);

/* Appends a HEARTBEAT or HEARTBEAT ACK (type) carrying one Heartbeat Info. */
void csctp_heartbeat_write(csctp_wr *w, uint8_t type, const uint8_t *info, size_t info_len);

/* ---- ABORT, ERROR and error causes (§3.3.7, §3.3.10) ---- */

/* Error cause codes (a wire type, never a csctp_error). */
typedef enum csctp_cause {
  CSCTP_CAUSE_INVALID_STREAM = 1,
  CSCTP_CAUSE_MISSING_PARAM = 2,
  CSCTP_CAUSE_STALE_COOKIE = 3,
  CSCTP_CAUSE_OUT_OF_RESOURCE = 4,
  CSCTP_CAUSE_UNRESOLVABLE_ADDRESS = 5,
  CSCTP_CAUSE_UNRECOGNIZED_CHUNK = 6,
  CSCTP_CAUSE_INVALID_MANDATORY_PARAM = 7,
  CSCTP_CAUSE_UNRECOGNIZED_PARAMS = 8,
  CSCTP_CAUSE_NO_USER_DATA = 9,
  CSCTP_CAUSE_COOKIE_WHILE_SHUTTING_DOWN = 10,
  CSCTP_CAUSE_RESTART_NEW_ADDRESSES = 11,
  CSCTP_CAUSE_USER_ABORT = 12,
  CSCTP_CAUSE_PROTOCOL_VIOLATION = 13,
} csctp_cause;

/*
 * Iterates the causes of an ABORT or ERROR chunk: csctp_rd_init(&r,
 * ch->value, ch->value_len) then csctp_tlv_next(&r, &t) (type = cause code).
 * This returns the first cause's code, 0 when there is none or it is malformed.
 */
uint16_t csctp_cause_first(const csctp_chunk *ch);

/* Appends one cause with a raw body. */
void csctp_cause_write(csctp_wr *w, uint16_t code, const uint8_t *body, size_t len);
/* Invalid Stream Identifier: stream + 2 reserved bytes. */
void csctp_cause_write_invalid_stream(csctp_wr *w, uint16_t stream);
/* Missing Mandatory Parameter: count + types. */
void csctp_cause_write_missing_params(csctp_wr *w, const uint16_t *types, size_t n);
/* Stale Cookie: measure of staleness in microseconds. */
void csctp_cause_write_stale_cookie(csctp_wr *w, uint32_t staleness_us);
/* No User Data: the TSN. */
void csctp_cause_write_no_user_data(csctp_wr *w, uint32_t tsn);
/* Unrecognized Chunk Type: the whole chunk as received (header included). */
void csctp_cause_write_unrecognized_chunk(csctp_wr *w, const csctp_chunk *ch);
/* Unrecognized Parameters: the parameters, each whole, one cause. */
void csctp_cause_write_unrecognized_params(csctp_wr *w, const csctp_tlv *params, size_t n);
/* Protocol Violation / User-Initiated Abort: free-form text or bytes. */
void csctp_cause_write_text(csctp_wr *w, uint16_t code, const char *text);

/* Appends an ABORT or ERROR with no cause; add causes, then csctp_wr_tlv_end. */
size_t csctp_abort_write_begin(csctp_wr *w, int t_bit);
size_t csctp_error_write_begin(csctp_wr *w);

/* ---- Simple chunks: COOKIE ECHO/ACK, SHUTDOWN family (§3.3.8-3.3.13) ---- */

/* SHUTDOWN: MALFORMED when the value is not 4 bytes. */
int csctp_shutdown_decode(const csctp_chunk *ch, uint32_t *cum_tsn_ack);
void csctp_shutdown_write(csctp_wr *w, uint32_t cum_tsn_ack);
/* COOKIE ECHO carrying `cookie`. */
void csctp_cookie_echo_write(csctp_wr *w, const uint8_t *cookie, size_t len);
/* A chunk with no value: COOKIE ACK, SHUTDOWN ACK, SHUTDOWN COMPLETE (flags: T). */
void csctp_chunk_write_empty(csctp_wr *w, uint8_t type, uint8_t flags);

/* ---- FORWARD TSN (RFC 3758 §3.2) ---- */

typedef struct csctp_forward_tsn_chunk {
  uint32_t new_cum_tsn;
  size_t n_pairs;
  const uint8_t *pairs; /* n_pairs * 4 bytes: stream, stream sequence number */
} csctp_forward_tsn_chunk;

/* MALFORMED when the value is shorter than 4 bytes or not 4 + a multiple of 4. */
int csctp_forward_tsn_decode(const csctp_chunk *ch, csctp_forward_tsn_chunk *out);

static inline void csctp_forward_tsn_pair(const csctp_forward_tsn_chunk *f, size_t i,
                                          uint16_t *stream, uint16_t *ssn) {
  *stream = csctp_get_u16(f->pairs + 4 * i);
  *ssn = csctp_get_u16(f->pairs + 4 * i + 2);
}

/* Appends a FORWARD TSN; pairs[i][0] is a stream, pairs[i][1] its skipped SSN. */
void csctp_forward_tsn_write(csctp_wr *w, uint32_t new_cum_tsn, const uint16_t (*pairs)[2],
                             size_t n_pairs);

/* ---- I-FORWARD-TSN (RFC 8260 §2.3.1) ---- */

typedef struct csctp_iforward_tsn_chunk {
  uint32_t new_cum_tsn;
  size_t n_entries;
  const uint8_t *entries; /* n_entries * 8 bytes: stream, reserved + U, message identifier */
} csctp_iforward_tsn_chunk;

/* One entry: skip the ordered messages of `stream` up to MID `mid` (unordered 0), or the
 * unordered message `mid` (unordered 1). */
typedef struct csctp_iforward_entry {
  uint16_t stream;
  uint8_t unordered;
  uint32_t mid;
} csctp_iforward_entry;

/* MALFORMED when the value is shorter than 4 bytes or not 4 + a multiple of 8. */
int csctp_iforward_tsn_decode(const csctp_chunk *ch, csctp_iforward_tsn_chunk *out);

/* Entry i of a decoded chunk (i < n_entries); the reserved bits are ignored. */
static inline csctp_iforward_entry csctp_iforward_tsn_entry(const csctp_iforward_tsn_chunk *f,
                                                            size_t i) {
  const uint8_t *e = f->entries + 8 * i;
  csctp_iforward_entry out = {csctp_get_u16(e), (uint8_t)(e[3] & 1), csctp_get_u32(e + 4)};
  return out;
}

/* Appends an I-FORWARD-TSN with `n` entries. */
void csctp_iforward_tsn_write(csctp_wr *w, uint32_t new_cum_tsn, const csctp_iforward_entry *e,
                              size_t n);

/* ---- RE-CONFIG (RFC 6525 §3.1, §4) ---- */

enum {
  CSCTP_PARAM_OUT_SSN_RESET = 13,   /* Outgoing SSN Reset Request */
  CSCTP_PARAM_IN_SSN_RESET = 14,    /* Incoming SSN Reset Request */
  CSCTP_PARAM_SSN_TSN_RESET = 15,   /* SSN/TSN Reset Request */
  CSCTP_PARAM_RECONFIG_RESP = 16,   /* Re-configuration Response */
  CSCTP_PARAM_ADD_OUT_STREAMS = 17, /* Add Outgoing Streams Request */
  CSCTP_PARAM_ADD_IN_STREAMS = 18,  /* Add Incoming Streams Request */
};

/* Result codes of a Re-configuration Response (RFC 6525 §4.4). */
enum {
  CSCTP_RECONFIG_SUCCESS_NOP = 0,     /* Success - Nothing to do */
  CSCTP_RECONFIG_SUCCESS = 1,         /* Success - Performed */
  CSCTP_RECONFIG_DENIED = 2,          /* Denied */
  CSCTP_RECONFIG_ERR_WRONG_SSN = 3,   /* Error - Wrong SSN */
  CSCTP_RECONFIG_ERR_IN_PROGRESS = 4, /* Error - Request already in progress */
  CSCTP_RECONFIG_ERR_BAD_SEQ = 5,     /* Error - Bad Sequence Number */
  CSCTP_RECONFIG_IN_PROGRESS = 6,     /* In progress */
};

#define CSCTP_RECONFIG_MAX_PARAMS 2 /* §3.1: one or two parameters per chunk */

/*
 * One RE-CONFIG parameter. `seq` is the Re-configuration Request Sequence
 * Number of a request, or the Response Sequence Number of a response (16).
 * Fields not carried by the type are 0. Unknown types keep only `raw`.
 */
typedef struct csctp_reconfig_param {
  uint16_t type;
  uint32_t seq;
  uint32_t resp_seq;        /* 13: Re-configuration Response Sequence Number */
  uint32_t last_tsn;        /* 13: Sender's Last Assigned TSN */
  uint32_t result;          /* 16 */
  int has_tsns;             /* 16: the optional Sender's / Receiver's Next TSN are present */
  uint32_t sender_next_tsn; /* 16 */
  uint32_t receiver_next_tsn;
  uint16_t n_new_streams; /* 17, 18 */
  const uint8_t *streams; /* 13, 14: n_streams * 2 bytes */
  size_t n_streams;
  csctp_tlv raw; /* the whole parameter */
} csctp_reconfig_param;

static inline uint16_t csctp_reconfig_stream(const csctp_reconfig_param *p, size_t i) {
  return csctp_get_u16(p->streams + 2 * i);
}

typedef struct csctp_reconfig_chunk {
  size_t n_params;
  csctp_reconfig_param params[CSCTP_RECONFIG_MAX_PARAMS];
} csctp_reconfig_chunk;

/*
 * Decodes a RE-CONFIG chunk. MALFORMED when it holds no parameter or more
 * than two, when a known parameter has a wrong length (13: 16 + 2n, 14: 8 +
 * 2n, 15: 8, 16: 12 or 20, 17 and 18: 12), or the framing is wrong. Unknown
 * parameter types are returned as they are (the caller applies their action
 * bits, RFC 9260 §3.2.1).
 */
int csctp_reconfig_decode(const csctp_chunk *ch, csctp_reconfig_chunk *out);

/* Starts a RE-CONFIG chunk; append parameters, then csctp_wr_tlv_end(w, returned offset). */
size_t csctp_reconfig_write_begin(csctp_wr *w);

/*
 * Appends one parameter of a known type from *p (streams: p->n_streams
 * 16-bit ids read from p->streams in wire order, or from `ids` when not
 * NULL); other types set w->overflow.
 */
void csctp_reconfig_param_write(csctp_wr *w, const csctp_reconfig_param *p, const uint16_t *ids);

#endif
