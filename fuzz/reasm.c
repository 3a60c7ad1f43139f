/*
 * Stateful fuzz target for the receive side: TSN tracking (rx_tsn.c) and
 * reassembly (reasm.c) driven by synthetic DATA chunks decoded from the
 * input, with pops, releases and SACKs interleaved. Checks, after every step:
 * the byte count equals the payload accepted minus the payload released;
 * every delivered message is made of accepted fragments with consecutive
 * TSNs, each delivered once and intact; ordered messages come in SSN order
 * per stream; SACKs are well formed and agree with what was accepted.
 *
 * Input: a sequence of ops. Op byte o:
 *   o % 8 < 5: DATA, 4 more bytes: flags, tsn delta (tsn = cum - 3 + delta),
 *              stream/ssn (stream = b & 3, ssn = expected + (b >> 2 & 7) - 1),
 *              length (4 + b, times 8 when o & 0x80: exceeds a node's inline size)
 *   o % 8 == 5: pop      o % 8 == 6: release      o % 8 == 7: SACK, 1 byte: capacity
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reasm.h"
#include "rx_tsn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAX_OPS 2000
#define FZ_SPAN (1u << 20) /* > FZ_MAX_OPS * 256: TSN offsets never alias */
#define FZ_MAX_MSG 16384
#define FZ_BASE 0xffffff00u /* wraps early */

enum { FZ_NONE = 0, FZ_HELD, FZ_DELIVERED };

static uint16_t fz_len[FZ_SPAN];
static uint8_t fz_state[FZ_SPAN];

#define CHECK(c) \
  do {           \
    if (!(c)) abort(); \
  } while (0)

static uint32_t fz_idx(uint32_t tsn) { return (tsn - FZ_BASE) & (FZ_SPAN - 1); }

static uint8_t fz_byte(uint32_t tsn, size_t k) { return (uint8_t)(tsn * 31u + k); }

/* Payload: the TSN (big-endian) then a pattern derived from it. */
static void fz_fill(uint8_t *p, size_t len, uint32_t tsn) {
  p[0] = (uint8_t)(tsn >> 24);
  p[1] = (uint8_t)(tsn >> 16);
  p[2] = (uint8_t)(tsn >> 8);
  p[3] = (uint8_t)tsn;
  for (size_t k = 4; k < len; k++) p[k] = fz_byte(tsn, k);
}

static void fz_check_msg(const csctp_rx_msg *m, uint16_t *expect_ssn) {
  CHECK(m->len > 0 && m->len <= FZ_MAX_MSG && m->data);
  CHECK(m->stream < 4);
  if (!m->unordered) {
    CHECK(m->ssn == expect_ssn[m->stream]);
    expect_ssn[m->stream]++;
  }
  size_t off = 0;
  uint32_t tsn = csctp_get_u32(m->data);
  while (off < m->len) {
    CHECK(m->len - off >= 4);
    CHECK(csctp_get_u32(m->data + off) == tsn); /* consecutive TSNs (§6.9) */
    uint32_t i = fz_idx(tsn);
    CHECK(fz_state[i] == FZ_HELD);
    size_t flen = fz_len[i];
    CHECK(m->len - off >= flen);
    for (size_t k = 4; k < flen; k++) CHECK(m->data[off + k] == fz_byte(tsn, k));
    fz_state[i] = FZ_DELIVERED;
    off += flen;
    tsn++;
  }
}

static void fz_check_sack(const csctp_rx_tsn *t, const uint8_t *b, size_t len) {
  CHECK(len >= 16 && len % 4 == 0);
  CHECK(b[0] == 3 && b[1] == 0 && csctp_get_u16(b + 2) == len);
  uint32_t cum = csctp_get_u32(b + 4);
  CHECK(cum == t->cum);
  size_t ngap = csctp_get_u16(b + 12), ndup = csctp_get_u16(b + 14);
  CHECK(16 + 4 * (ngap + ndup) == len);
  uint32_t prev_end = 0;
  for (size_t g = 0; g < ngap; g++) {
    uint16_t s = csctp_get_u16(b + 16 + 4 * g), e = csctp_get_u16(b + 18 + 4 * g);
    CHECK(s >= 2 && s <= e && s > prev_end + 1);
    for (uint32_t o = s; o <= e; o++) CHECK(fz_state[fz_idx(cum + o)] != FZ_NONE);
    CHECK(fz_state[fz_idx(cum + s - 1)] == FZ_NONE); /* a real gap before each block */
    prev_end = e;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t payload[8 * 260];
  csctp_rx_tsn t;
  csctp_reasm r;
  memset(fz_state, 0, sizeof(fz_state));
  csctp_rx_tsn_init(&t, FZ_BASE);
  if (csctp_reasm_init(&r, csctp_mem_default(), FZ_MAX_MSG) != 0) return 0;
  uint16_t expect_ssn[4] = {0, 0, 0, 0};
  size_t model = 0, popped = 0;
  size_t pos = 0;
  for (int ops = 0; ops < FZ_MAX_OPS && pos < size; ops++) {
    uint8_t op = data[pos++];
    switch (op % 8) {
    case 5: {
      csctp_rx_msg m;
      model -= popped;
      popped = 0;
      int rc = csctp_reasm_pop(&r, &m);
      CHECK(rc == 0 || rc == 1);
      if (rc == 1) {
        fz_check_msg(&m, expect_ssn);
        popped = m.len;
      }
      break;
    }
    case 6:
      csctp_reasm_release(&r);
      model -= popped;
      popped = 0;
      break;
    case 7: {
      if (pos >= size) break;
      uint8_t buf[300];
      csctp_wr w;
      csctp_wr_init(&w, buf, data[pos++]);
      int rc = csctp_rx_tsn_write_sack(&t, &w, 1234);
      if (w.cap < 16) {
        CHECK(rc == CSCTP_ERR_NOBUF && w.len == 0);
      } else {
        CHECK(rc == 0 && !w.overflow);
        fz_check_sack(&t, buf, w.len);
      }
      break;
    }
    default: {
      if (size - pos < 4) {
        pos = size;
        break;
      }
      const uint8_t *a = data + pos;
      pos += 4;
      csctp_data_chunk d;
      d.flags = a[0] & 0x0f;
      d.tsn = t.cum - 3 + a[1];
      d.stream = a[2] & 3;
      d.ssn = (uint16_t)(expect_ssn[d.stream] + ((a[2] >> 2) & 7) - 1);
      d.ppid = op;
      d.len = (size_t)(4 + a[3]) * ((op & 0x80) ? 8 : 1);
      fz_fill(payload, d.len, d.tsn);
      d.data = payload;
      int c = csctp_rx_tsn_check(&t, d.tsn);
      if (c != CSCTP_RX_TSN_NEW) {
        CHECK(csctp_rx_tsn_add(&t, d.tsn) == c);
        break;
      }
      CHECK(fz_state[fz_idx(d.tsn)] == FZ_NONE);
      int rc = csctp_reasm_add(&r, &d);
      CHECK(rc == 0 || rc == CSCTP_ERR_MALFORMED || rc == CSCTP_ERR_MSG_TOO_LARGE);
      if (rc == 0) {
        CHECK(csctp_rx_tsn_add(&t, d.tsn) == CSCTP_RX_TSN_NEW);
        fz_state[fz_idx(d.tsn)] = FZ_HELD;
        fz_len[fz_idx(d.tsn)] = (uint16_t)d.len;
        model += d.len;
      }
      break;
    }
    }
    CHECK(csctp_reasm_bytes(&r) == model);
  }
  /* Drain what is deliverable, then drop the rest. */
  csctp_rx_msg m;
  model -= popped;
  while (csctp_reasm_pop(&r, &m) == 1) {
    fz_check_msg(&m, expect_ssn);
    csctp_reasm_release(&r);
    model -= m.len;
    CHECK(csctp_reasm_bytes(&r) == model);
  }
  csctp_reasm_clear(&r);
  CHECK(csctp_reasm_bytes(&r) == 0 && !csctp_reasm_has_ready(&r));
  csctp_reasm_free(&r);
  return 0;
}
