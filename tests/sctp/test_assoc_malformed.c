/* SPDX-License-Identifier: MIT */
/*
 * Hostile and malformed packets fed to an established association: each case
 * checks the RFC 9260 reaction (silent drop, ABORT or ERROR with the right
 * cause, INIT ACK with a report) and that nothing else changed.
 */
#include "assoc_util.h"

#define T0 ((csctp_tstamp)1000000)

typedef enum {
  R_DROP,
  R_ABORT,
  R_ERROR,
  R_INIT_ACK,
  R_INIT_ACK_REPORT,
  R_SACK_ONLY,
  R_CLOSED_BY_PEER
} reaction;

typedef struct ctx {
  side x, y;
  uint32_t ytag, xtag; /* y's own tag, and x's (y's peer) */
  uint32_t next_tsn;   /* the TSN y expects next */
} ctx;

typedef struct mcase {
  const char *name;
  size_t (*build)(ctx *c, uint8_t *p); /* whole packet, CRC set by the builder if wanted */
  reaction r;
  uint16_t cause;  /* for ABORT / ERROR */
  size_t stat_off; /* csctp_stats counter that must grow, or SIZE_MAX */
} mcase;

#define STAT(f) offsetof(csctp_stats, f)
#define NOSTAT SIZE_MAX

/* ---- packet builders ---- */

static size_t finish(uint8_t *p, csctp_wr *w) {
  csctp_packet_set_crc(p, w->len);
  return w->len;
}

static void hdr(csctp_wr *w, uint8_t *p, uint32_t vtag) {
  csctp_wr_init(w, p, PKT_MAX);
  csctp_packet_write_header(w, 5000, 5000, vtag);
}

static void raw_chunk(csctp_wr *w, uint8_t type, uint8_t flags, uint16_t len, const void *v,
                      size_t vlen) {
  csctp_wr_u8(w, type);
  csctp_wr_u8(w, flags);
  csctp_wr_u16(w, len);
  csctp_wr_bytes(w, v, vlen);
}

static void data_chunk(csctp_wr *w, uint32_t tsn, uint16_t stream, size_t len) {
  csctp_data_chunk d = {.flags = CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E,
                        .tsn = tsn,
                        .stream = stream,
                        .ssn = 0,
                        .ppid = 53};
  uint8_t payload[64] = {0};
  d.data = payload;
  d.len = len;
  csctp_data_write(w, &d);
}

static void init_chunk(csctp_wr *w, uint32_t tag, uint16_t os, uint16_t mis, uint32_t rwnd,
                       const uint8_t *params, size_t plen) {
  size_t off = csctp_wr_chunk_begin(w, CSCTP_CHUNK_INIT, 0);
  csctp_wr_u32(w, tag);
  csctp_wr_u32(w, rwnd);
  csctp_wr_u16(w, os);
  csctp_wr_u16(w, mis);
  csctp_wr_u32(w, 1000);
  csctp_wr_bytes(w, params, plen);
  csctp_wr_tlv_end(w, off);
}

static size_t b_short_header(ctx *c, uint8_t *p) {
  memset(p, 0, 8);
  return 8;
}
static size_t b_header_only(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  return finish(p, &w);
}
static size_t b_len0(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, 3, 0, 0, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
  return finish(p, &w);
}
static size_t b_len1(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, 3, 0, 1, NULL, 0);
  return finish(p, &w);
}
static size_t b_len2(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, 3, 0, 2, NULL, 0);
  return finish(p, &w);
}
static size_t b_len3(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, 3, 0, 3, NULL, 0);
  return finish(p, &w);
}
static size_t b_len_past_end(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, 3, 0, 200, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
  return finish(p, &w);
}
static size_t b_padding_garbage(ctx *c, uint8_t *p) {
  /* a valid DATA followed by 5 zero bytes: not a chunk, more than padding */
  csctp_wr w;
  hdr(&w, p, c->ytag);
  data_chunk(&w, c->next_tsn, 0, 4);
  csctp_wr_zeros(&w, 5);
  return finish(p, &w);
}
static size_t b_bad_crc(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  data_chunk(&w, c->next_tsn, 0, 4);
  finish(p, &w);
  p[8] ^= 1;
  return w.len;
}
static size_t b_data_bad_tag(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag + 1);
  data_chunk(&w, c->next_tsn, 0, 4);
  return finish(p, &w);
}
static size_t b_sack_bad_tag(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->xtag);
  csctp_sack_write(&w, 0, 100000, NULL, 0, NULL, 0);
  return finish(p, &w);
}
static size_t b_bad_port(ctx *c, uint8_t *p) {
  csctp_wr w;
  csctp_wr_init(&w, p, PKT_MAX);
  csctp_packet_write_header(&w, 5000, 5001, c->ytag);
  data_chunk(&w, c->next_tsn, 0, 4);
  return finish(p, &w);
}
static size_t b_data_tag0(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, 0);
  data_chunk(&w, c->next_tsn, 0, 4);
  return finish(p, &w);
}
static size_t b_init_nonzero_tag(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, 77);
  init_chunk(&w, 0x1234, 10, 10, 100000, NULL, 0);
  return finish(p, &w);
}
static size_t b_init_zero_itag(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, 0);
  init_chunk(&w, 0, 10, 10, 100000, NULL, 0);
  return finish(p, &w);
}
static size_t b_init_os0(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, 0);
  init_chunk(&w, 0x1234, 0, 10, 100000, NULL, 0);
  return finish(p, &w);
}
static size_t b_init_mis0(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, 0);
  init_chunk(&w, 0x1234, 10, 0, 100000, NULL, 0);
  return finish(p, &w);
}
static size_t b_init_small_rwnd(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, 0);
  init_chunk(&w, 0x1234, 10, 10, 1000, NULL, 0);
  return finish(p, &w);
}
static size_t b_init_bundled(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, 0);
  init_chunk(&w, 0x1234, 10, 10, 100000, NULL, 0);
  data_chunk(&w, 1000, 0, 4);
  return finish(p, &w);
}
static size_t b_init_truncated(ctx *c, uint8_t *p) {
  uint8_t v[12] = {0, 0, 0x12, 0x34};
  csctp_wr w;
  hdr(&w, p, 0);
  raw_chunk(&w, CSCTP_CHUNK_INIT, 0, 16, v, 12);
  return finish(p, &w);
}
static size_t b_init_param_overrun(ctx *c, uint8_t *p) {
  uint8_t prm[8] = {0x00, 0x05, 0x00, 0x20, 1, 2, 3, 4}; /* IPv4 param claiming 32 bytes */
  csctp_wr w;
  hdr(&w, p, 0);
  init_chunk(&w, 0x1234, 10, 10, 100000, prm, 8);
  return finish(p, &w);
}
static size_t b_init_param_len2(ctx *c, uint8_t *p) {
  uint8_t prm[4] = {0x00, 0x05, 0x00, 0x02};
  csctp_wr w;
  hdr(&w, p, 0);
  init_chunk(&w, 0x1234, 10, 10, 100000, prm, 4);
  return finish(p, &w);
}
static size_t init_with_param(uint8_t *p, uint16_t type) {
  uint8_t prm[8] = {(uint8_t)(type >> 8), (uint8_t)type, 0x00, 0x08, 9, 9, 9, 9};
  csctp_wr w;
  hdr(&w, p, 0);
  init_chunk(&w, 0x1234, 10, 10, 100000, prm, 8);
  return finish(p, &w);
}
static size_t b_init_unk00(ctx *c, uint8_t *p) { return init_with_param(p, 0x0123); }
static size_t b_init_unk01(ctx *c, uint8_t *p) { return init_with_param(p, 0x4123); }
static size_t b_init_unk10(ctx *c, uint8_t *p) { return init_with_param(p, 0x8123); }
static size_t b_init_unk11(ctx *c, uint8_t *p) { return init_with_param(p, 0xC123); }
static size_t b_init_hostname(ctx *c, uint8_t *p) {
  uint8_t prm[12] = {0x00, 0x0b, 0x00, 0x0c, 'h', 'o', 's', 't', '.', 'x', 0, 0};
  csctp_wr w;
  hdr(&w, p, 0);
  init_chunk(&w, 0x1234, 10, 10, 100000, prm, 12);
  return finish(p, &w);
}
static size_t b_data_empty(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  data_chunk(&w, c->next_tsn, 0, 0);
  return finish(p, &w);
}
static size_t b_data_short(ctx *c, uint8_t *p) {
  uint8_t v[11] = {0};
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, 0, 3, 15, v, 11);
  csctp_wr_pad4(&w);
  return finish(p, &w);
}
static size_t b_data_bad_stream(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  data_chunk(&w, c->next_tsn, 9, 4);
  return finish(p, &w);
}
static size_t b_data_far_ahead(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  data_chunk(&w, c->next_tsn + 100000, 0, 4);
  return finish(p, &w);
}
static size_t b_sack_gaps_overrun(ctx *c, uint8_t *p) {
  uint8_t v[12] = {0, 0, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0}; /* 5 gap blocks, none present */
  csctp_put_u32(v, c->y.a->tx.cum_tsn_ack);
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, 3, 0, 16, v, 12);
  return finish(p, &w);
}
static size_t b_sack_dups_overrun(ctx *c, uint8_t *p) {
  uint8_t v[16] = {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1};
  csctp_put_u32(v, c->y.a->tx.cum_tsn_ack);
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, 3, 0, 20, v, 16);
  return finish(p, &w);
}
static size_t b_sack_short(ctx *c, uint8_t *p) {
  uint8_t v[4] = {0};
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, 3, 0, 8, v, 4);
  return finish(p, &w);
}
static size_t b_sack_future(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  csctp_sack_write(&w, c->y.a->tx.next_tsn + 10, 100000, NULL, 0, NULL, 0);
  return finish(p, &w);
}
static size_t unk_then_data(ctx *c, uint8_t *p, uint8_t type) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, type, 0, 8, "abcd", 4);
  data_chunk(&w, c->next_tsn, 0, 4);
  return finish(p, &w);
}
static size_t b_unk00(ctx *c, uint8_t *p) { return unk_then_data(c, p, 0x3f); }
static size_t b_unk01(ctx *c, uint8_t *p) { return unk_then_data(c, p, 0x7f); }
static size_t b_unk10(ctx *c, uint8_t *p) { return unk_then_data(c, p, 0xbf); }
static size_t b_unk11(ctx *c, uint8_t *p) { return unk_then_data(c, p, 0xff); }
static size_t b_hb_no_info(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, CSCTP_CHUNK_HEARTBEAT, 0, 4, NULL, 0);
  return finish(p, &w);
}
static size_t b_hb_info_overrun(ctx *c, uint8_t *p) {
  uint8_t v[8] = {0, 1, 0, 40, 1, 2, 3, 4};
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, CSCTP_CHUNK_HEARTBEAT, 0, 12, v, 8);
  return finish(p, &w);
}
static size_t b_shutdown_short(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, CSCTP_CHUNK_SHUTDOWN, 0, 4, NULL, 0);
  return finish(p, &w);
}
static size_t b_abort_bad_tag(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag ^ 0x5555);
  raw_chunk(&w, CSCTP_CHUNK_ABORT, 0, 4, NULL, 0);
  return finish(p, &w);
}
static size_t b_abort_t_own_tag(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, CSCTP_CHUNK_ABORT, 1, 4, NULL, 0);
  return finish(p, &w);
}
static size_t b_abort_t_peer_tag(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->xtag);
  raw_chunk(&w, CSCTP_CHUNK_ABORT, 1, 4, NULL, 0);
  return finish(p, &w);
}
static size_t b_abort_good(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  size_t off = csctp_abort_write_begin(&w, 0);
  csctp_cause_write_text(&w, CSCTP_CAUSE_USER_ABORT, "x");
  csctp_wr_tlv_end(&w, off);
  return finish(p, &w);
}
static size_t b_shutdown_complete_established(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, CSCTP_CHUNK_SHUTDOWN_COMPLETE, 0, 4, NULL, 0);
  return finish(p, &w);
}
static size_t b_cookie_garbage(ctx *c, uint8_t *p) {
  uint8_t v[80];
  memset(v, 0xab, sizeof(v));
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, CSCTP_CHUNK_COOKIE_ECHO, 0, 84, v, 80);
  return finish(p, &w);
}
static size_t b_init_ack_established(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  size_t off = csctp_wr_chunk_begin(&w, CSCTP_CHUNK_INIT_ACK, 0);
  csctp_wr_u32(&w, 0x999);
  csctp_wr_u32(&w, 100000);
  csctp_wr_u16(&w, 5);
  csctp_wr_u16(&w, 5);
  csctp_wr_u32(&w, 1);
  csctp_param_write(&w, CSCTP_PARAM_STATE_COOKIE, (const uint8_t *)"cookie", 6);
  csctp_wr_tlv_end(&w, off);
  return finish(p, &w);
}
static size_t b_cookie_ack_established(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, CSCTP_CHUNK_COOKIE_ACK, 0, 4, NULL, 0);
  return finish(p, &w);
}
static size_t b_shutdown_ack_established(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, CSCTP_CHUNK_SHUTDOWN_ACK, 0, 4, NULL, 0);
  return finish(p, &w);
}
static size_t b_error_len_short(ctx *c, uint8_t *p) {
  uint8_t v[4] = {0, 1, 0, 40}; /* cause claiming 40 bytes inside a 8-byte chunk */
  csctp_wr w;
  hdr(&w, p, c->ytag);
  raw_chunk(&w, CSCTP_CHUNK_ERROR, 0, 8, v, 4);
  data_chunk(&w, c->next_tsn, 0, 4);
  return finish(p, &w);
}
static size_t b_two_inits_vtag0(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, 0);
  init_chunk(&w, 0x1234, 10, 10, 100000, NULL, 0);
  init_chunk(&w, 0x1235, 10, 10, 100000, NULL, 0);
  return finish(p, &w);
}
static size_t b_trailing_3_bytes(ctx *c, uint8_t *p) {
  csctp_wr w;
  hdr(&w, p, c->ytag);
  data_chunk(&w, c->next_tsn, 0, 4);
  csctp_wr_zeros(&w, 3);
  return finish(p, &w);
}

static const mcase cases[] = {
    {"truncated common header", b_short_header, R_DROP, 0, STAT(drop_malformed)},
    {"header without chunks", b_header_only, R_DROP, 0, STAT(drop_malformed)},
    {"chunk length 0", b_len0, R_DROP, 0, STAT(drop_malformed)},
    {"chunk length 1", b_len1, R_DROP, 0, STAT(drop_malformed)},
    {"chunk length 2", b_len2, R_DROP, 0, STAT(drop_malformed)},
    {"chunk length 3", b_len3, R_DROP, 0, STAT(drop_malformed)},
    {"chunk length past the packet", b_len_past_end, R_DROP, 0, STAT(drop_malformed)},
    {"garbage after the last chunk", b_padding_garbage, R_DROP, 0, STAT(drop_malformed)},
    {"3 stray bytes after the last chunk", b_trailing_3_bytes, R_DROP, 0, STAT(drop_malformed)},
    {"bad CRC32c", b_bad_crc, R_DROP, 0, STAT(drop_bad_crc)},
    {"DATA with a wrong verification tag", b_data_bad_tag, R_DROP, 0, STAT(drop_bad_vtag)},
    {"SACK with the peer's tag instead of ours", b_sack_bad_tag, R_DROP, 0, STAT(drop_bad_vtag)},
    {"wrong destination port", b_bad_port, R_DROP, 0, STAT(drop_bad_port)},
    {"DATA with tag 0", b_data_tag0, R_DROP, 0, STAT(drop_bad_vtag)},
    {"INIT with a non-zero verification tag", b_init_nonzero_tag, R_DROP, 0, STAT(drop_bad_vtag)},
    {"INIT with initiate tag 0", b_init_zero_itag, R_DROP, 0, STAT(drop_malformed)},
    {"INIT with 0 outbound streams", b_init_os0, R_ABORT, CSCTP_CAUSE_INVALID_MANDATORY_PARAM,
     STAT(aborts_sent)},
    {"INIT with 0 inbound streams", b_init_mis0, R_ABORT, CSCTP_CAUSE_INVALID_MANDATORY_PARAM,
     STAT(aborts_sent)},
    {"INIT with a_rwnd below 1500", b_init_small_rwnd, R_ABORT, CSCTP_CAUSE_INVALID_MANDATORY_PARAM,
     STAT(aborts_sent)},
    {"INIT bundled with DATA", b_init_bundled, R_DROP, 0, STAT(drop_malformed)},
    {"two INITs in one packet", b_two_inits_vtag0, R_DROP, 0, STAT(drop_malformed)},
    {"INIT with a truncated fixed part", b_init_truncated, R_DROP, 0, STAT(drop_malformed)},
    {"INIT parameter overrunning the chunk", b_init_param_overrun, R_DROP, 0, STAT(drop_malformed)},
    {"INIT parameter of length 2", b_init_param_len2, R_DROP, 0, STAT(drop_malformed)},
    {"INIT unknown parameter, action 00", b_init_unk00, R_INIT_ACK, 0, NOSTAT},
    {"INIT unknown parameter, action 01", b_init_unk01, R_INIT_ACK_REPORT, 0, NOSTAT},
    {"INIT unknown parameter, action 10", b_init_unk10, R_INIT_ACK, 0, NOSTAT},
    {"INIT unknown parameter, action 11", b_init_unk11, R_INIT_ACK_REPORT, 0, NOSTAT},
    {"INIT with a host name address", b_init_hostname, R_ABORT, CSCTP_CAUSE_UNRESOLVABLE_ADDRESS,
     STAT(aborts_sent)},
    {"DATA without user data", b_data_empty, R_ABORT, CSCTP_CAUSE_NO_USER_DATA, STAT(aborts_sent)},
    {"DATA shorter than its header", b_data_short, R_DROP, 0, STAT(drop_malformed)},
    {"DATA on a stream not negotiated", b_data_bad_stream, R_ERROR, CSCTP_CAUSE_INVALID_STREAM,
     STAT(errors_sent)},
    {"DATA 100000 TSNs ahead", b_data_far_ahead, R_SACK_ONLY, 0, STAT(drop_out_of_window)},
    {"SACK gap count past the chunk", b_sack_gaps_overrun, R_DROP, 0, STAT(drop_malformed)},
    {"SACK duplicate count past the chunk", b_sack_dups_overrun, R_DROP, 0, STAT(drop_malformed)},
    {"SACK shorter than its fixed part", b_sack_short, R_DROP, 0, STAT(drop_malformed)},
    {"SACK acknowledging a TSN never sent", b_sack_future, R_ABORT, CSCTP_CAUSE_PROTOCOL_VIOLATION,
     STAT(aborts_sent)},
    {"unknown chunk, action 00", b_unk00, R_DROP, 0, NOSTAT},
    {"unknown chunk, action 01", b_unk01, R_ERROR, CSCTP_CAUSE_UNRECOGNIZED_CHUNK,
     STAT(errors_sent)},
    {"unknown chunk, action 10", b_unk10, R_SACK_ONLY, 0, NOSTAT},
    {"unknown chunk, action 11", b_unk11, R_ERROR, CSCTP_CAUSE_UNRECOGNIZED_CHUNK,
     STAT(errors_sent)},
    {"HEARTBEAT without Heartbeat Info", b_hb_no_info, R_DROP, 0, STAT(drop_malformed)},
    {"HEARTBEAT Info overrunning", b_hb_info_overrun, R_DROP, 0, STAT(drop_malformed)},
    {"SHUTDOWN without its cumulative TSN", b_shutdown_short, R_DROP, 0, STAT(drop_malformed)},
    {"ABORT with a wrong tag", b_abort_bad_tag, R_DROP, 0, STAT(drop_bad_vtag)},
    {"ABORT with T bit but our own tag", b_abort_t_own_tag, R_DROP, 0, STAT(drop_bad_vtag)},
    {"ABORT with T bit and the peer's tag", b_abort_t_peer_tag, R_CLOSED_BY_PEER, 0, NOSTAT},
    {"ABORT with our tag", b_abort_good, R_CLOSED_BY_PEER, CSCTP_CAUSE_USER_ABORT, NOSTAT},
    {"SHUTDOWN COMPLETE while established", b_shutdown_complete_established, R_DROP, 0,
     STAT(drop_unexpected)},
    {"COOKIE ECHO with a forged cookie", b_cookie_garbage, R_DROP, 0, STAT(drop_malformed)},
    {"INIT ACK while established", b_init_ack_established, R_DROP, 0, STAT(drop_unexpected)},
    {"COOKIE ACK while established", b_cookie_ack_established, R_DROP, 0, NOSTAT},
    {"SHUTDOWN ACK while established", b_shutdown_ack_established, R_DROP, 0,
     STAT(drop_unexpected)},
    {"ERROR whose cause overruns, bundled with DATA", b_error_len_short, R_SACK_ONLY, 0, NOSTAT},
};

static uint64_t stat_at(const csctp_stats *s, size_t off) {
  return *(const uint64_t *)((const uint8_t *)s + off);
}

static void eight_in(csctp_config *cfg) { cfg->max_inbound_streams = 8; }

static void run_case(const mcase *mc) {
  ctx c;
  side_new(&c.x, 1);
  side_new_cfg(&c.y, 2, eight_in);
  establish(&c.x, &c.y, T0);
  c.ytag = c.y.a->local_tag;
  c.xtag = c.y.a->peer_tag;
  c.next_tsn = c.y.a->rxt.cum + 1;
  c.y.nev = 0;
  uint32_t cum_before = c.y.a->rxt.cum;
  csctp_stats before, after;
  csctp_assoc_get_stats(c.y.a, &before);
  uint8_t buf[PKT_MAX];
  size_t len = mc->build(&c, buf);
  csctp_tstamp now = T0 + 10 * CSCTP_MILLISECONDS;
  cr_assert_eq(csctp_assoc_read_packet(c.y.a, buf, len, now), 0, "%s", mc->name);
  /* Let a delayed SACK come due so that every reaction is visible. */
  csctp_tstamp later = now + 500 * CSCTP_MILLISECONDS;
  if (csctp_assoc_expiry(c.y.a) <= later) csctp_assoc_handle_expiry(c.y.a, later);
  pkt out[8];
  int n = side_pull(&c.y, out, 8, later);
  side_drain_events(&c.y);
  csctp_assoc_get_stats(c.y.a, &after);
  if (mc->stat_off != NOSTAT)
    cr_assert_gt(stat_at(&after, mc->stat_off), stat_at(&before, mc->stat_off), "%s: counter",
                 mc->name);
  csctp_chunk ch;
  switch (mc->r) {
  case R_DROP:
    cr_assert_eq(n, 0, "%s: silent drop, got %d packets", mc->name, n);
    cr_assert_eq(csctp_assoc_get_state(c.y.a), CSCTP_STATE_ESTABLISHED, "%s", mc->name);
    cr_assert_eq(c.y.a->rxt.cum, cum_before, "%s: no DATA taken", mc->name);
    cr_assert_eq(c.y.nev, 0, "%s: no event", mc->name);
    break;
  case R_SACK_ONLY:
    cr_assert_eq(n, 1, "%s", mc->name);
    cr_assert(first_chunk(&out[0], &ch));
    cr_assert_eq(ch.type, CSCTP_CHUNK_SACK, "%s", mc->name);
    cr_assert_not(find_chunk(&out[0], CSCTP_CHUNK_ERROR, NULL), "%s", mc->name);
    cr_assert_eq(csctp_assoc_get_state(c.y.a), CSCTP_STATE_ESTABLISHED);
    break;
  case R_ABORT: {
    cr_assert_geq(n, 1, "%s: an ABORT", mc->name);
    cr_assert(find_chunk(&out[0], CSCTP_CHUNK_ABORT, &ch), "%s", mc->name);
    cr_assert_eq(csctp_cause_first(&ch), mc->cause, "%s: cause %u", mc->name,
                 csctp_cause_first(&ch));
    int init_case = buf[12] == CSCTP_CHUNK_INIT;
    if (init_case) {
      /* an ABORT answering an INIT goes to its initiate tag and leaves us alone */
      cr_assert_eq(pkt_vtag(&out[0]), 0x1234, "%s", mc->name);
      cr_assert_eq(ch.flags & CSCTP_FLAG_T, 0);
      cr_assert_eq(csctp_assoc_get_state(c.y.a), CSCTP_STATE_ESTABLISHED, "%s", mc->name);
    } else {
      cr_assert_eq(pkt_vtag(&out[0]), c.xtag, "%s", mc->name);
      cr_assert_eq(csctp_assoc_get_state(c.y.a), CSCTP_STATE_CLOSED, "%s", mc->name);
      const csctp_event *e = side_find_event(&c.y, CSCTP_EVENT_CLOSED);
      cr_assert_not_null(e, "%s", mc->name);
      cr_assert_eq(e->u.closed.reason, CSCTP_CLOSE_PROTOCOL_ERROR);
    }
    break;
  }
  case R_ERROR: {
    int found = 0;
    for (int i = 0; i < n && !found; i++)
      if (find_chunk(&out[i], CSCTP_CHUNK_ERROR, &ch)) found = 1;
    cr_assert(found, "%s: an ERROR", mc->name);
    cr_assert_eq(csctp_cause_first(&ch), mc->cause, "%s", mc->name);
    cr_assert_eq(csctp_assoc_get_state(c.y.a), CSCTP_STATE_ESTABLISHED);
    break;
  }
  case R_INIT_ACK:
  case R_INIT_ACK_REPORT: {
    cr_assert_eq(n, 1, "%s", mc->name);
    cr_assert(first_chunk(&out[0], &ch));
    cr_assert_eq(ch.type, CSCTP_CHUNK_INIT_ACK, "%s", mc->name);
    cr_assert_eq(pkt_vtag(&out[0]), 0x1234);
    csctp_rd r;
    csctp_tlv t;
    int reports = 0;
    csctp_rd_init(&r, ch.value + CSCTP_INIT_FIXED_LEN, ch.value_len - CSCTP_INIT_FIXED_LEN);
    while (csctp_tlv_next(&r, &t) == 1)
      if (t.type == CSCTP_PARAM_UNRECOGNIZED) {
        reports++;
        cr_assert_eq(t.value_len, 8, "the whole unknown parameter is echoed");
        cr_assert_eq(csctp_get_u16(t.value) & 0xc000, csctp_get_u16(buf + 12 + 20) & 0xc000);
      }
    cr_assert_eq(reports, mc->r == R_INIT_ACK_REPORT, "%s: %d reports", mc->name, reports);
    cr_assert_eq(csctp_assoc_get_state(c.y.a), CSCTP_STATE_ESTABLISHED);
    break;
  }
  case R_CLOSED_BY_PEER: {
    cr_assert_eq(n, 0, "%s: no answer to an ABORT", mc->name);
    cr_assert_eq(csctp_assoc_get_state(c.y.a), CSCTP_STATE_CLOSED, "%s", mc->name);
    const csctp_event *e = side_find_event(&c.y, CSCTP_EVENT_CLOSED);
    cr_assert_not_null(e);
    cr_assert_eq(e->u.closed.reason, CSCTP_CLOSE_PEER_ABORT);
    cr_assert_eq(e->u.closed.cause, mc->cause);
    break;
  }
  }
  csctp_assoc_del(c.x.a);
  csctp_assoc_del(c.y.a);
}

Test(malformed, table_has_at_least_40_cases) {
  cr_assert_geq(sizeof(cases) / sizeof(cases[0]), 40);
}

Test(malformed, every_case_gets_the_rfc_reaction) {
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) run_case(&cases[i]);
}

Test(malformed, unknown_chunk_actions_control_the_rest_of_the_packet) {
  /* 00 and 01 stop: the DATA after them is not taken; 10 and 11 go on. */
  size_t (*b[4])(ctx *, uint8_t *) = {b_unk00, b_unk01, b_unk10, b_unk11};
  for (int k = 0; k < 4; k++) {
    ctx c;
    side_new(&c.x, 1);
    side_new(&c.y, 2);
    establish(&c.x, &c.y, T0);
    c.ytag = c.y.a->local_tag;
    c.xtag = c.y.a->peer_tag;
    c.next_tsn = c.y.a->rxt.cum + 1;
    uint8_t buf[PKT_MAX];
    size_t len = b[k](&c, buf);
    csctp_assoc_read_packet(c.y.a, buf, len, T0);
    cr_assert_eq(c.y.a->rxt.cum == c.next_tsn, k >= 2, "action %d", k);
    csctp_assoc_del(c.x.a);
    csctp_assoc_del(c.y.a);
  }
}
