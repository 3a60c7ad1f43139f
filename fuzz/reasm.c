/* SPDX-License-Identifier: MIT */
/*
 * Stateful fuzz target for the receive side: TSN tracking (rx_tsn.c) and
 * reassembly (reasm.c, reasm_asm.c) driven by synthetic DATA chunks decoded
 * from the input, with pops, releases, SACKs, FORWARD TSNs and, with partial
 * delivery on, pieces interleaved. Checks, after every step: the byte count
 * equals the payload accepted minus the payload released and dropped; every
 * delivered message is made of accepted fragments with consecutive TSNs from
 * a B to an E fragment, of one stream, each delivered once and intact;
 * ordered messages come in SSN order per stream (with gaps only up to a
 * skipped SSN); SACKs are well formed and agree with what was accepted.
 * Partial delivery (RFC 9260 §6.9): a piece (CSCTP_MSG_MORE) ends at the
 * cumulative TSN with a fragment that is not an E, holds at least the point
 * unless forced, and the pieces of a message with its last piece (CONTINUED
 * without MORE) form one message as above; CONTINUED is set exactly when
 * pieces of the message came before; until its last piece no other message
 * of its stream and no piece of any other message is handed out;
 * CSCTP_MSG_ABORTED (len 0) comes only for a message in pieces that a
 * FORWARD TSN abandoned, and then before anything else of its stream and
 * before pop finds nothing.
 *
 * Input: a sequence of ops. The first byte is also a switch: when it has bit
 * 0x40, partial delivery is on with the point 16 << (b >> 3 & 7) bytes.
 * Op byte o:
 *   o % 8 < 5: DATA, 4 more bytes: flags, tsn delta (tsn = cum - 3 + delta),
 *              stream/ssn (stream = b & 3, ssn = expected + (b >> 2 & 7) - 1),
 *              length (4 + b, times 8 when o & 0x80: exceeds a node's inline size)
 *   o % 8 == 5: pop; with o & 0x40, when nothing is whole, a piece
 *              (csctp_reasm_pop_piece at the tracker's cum, forced when o & 0x20;
 *              with o & 0x10, without the pop when pop would find nothing)
 *   o % 8 == 6: release (then csctp_reasm_trim when o & 0x20); with o & 0x40, FORWARD TSN (RFC 3758
 * §3.6), 1 byte b: new cum = cum + (b & 0x7f), skipping the SSNs of the ordered messages it
 * abandons, and with b & 0x80 1 more byte c: also skip stream c & 3 up to SSN expected + (c >> 2 &
 * 7) - 1 o % 8 == 7: SACK, 1 byte: capacity
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"
#include "reasm.h"
#include "rx_tsn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAX_OPS 2000
#define FZ_SPAN (1u << 20) /* > FZ_MAX_OPS * 256: TSN offsets never alias */
#define FZ_MAX_MSG 16384
#define FZ_BASE 0xffffff00u /* wraps early */
#define FZ_STREAMS 4

enum { FZ_NONE = 0, FZ_HELD, FZ_DELIVERED, FZ_DROPPED };

/* Per TSN (offset from FZ_BASE): what was accepted, and where it is now. */
static uint16_t fz_len[FZ_SPAN];
static uint8_t fz_state[FZ_SPAN];
static uint8_t fz_flags[FZ_SPAN]; /* B, E, U of the DATA chunk */
static uint8_t fz_sid[FZ_SPAN];
static uint16_t fz_ssn[FZ_SPAN];
static uint32_t fz_ppid[FZ_SPAN];
static uint32_t fz_acc[FZ_MAX_OPS]; /* accepted TSNs, in order of arrival */
static size_t fz_n_acc;

/* What the receiver should be holding and handing out. */
typedef struct fz_model {
  size_t bytes;  /* payload accepted, minus released and dropped */
  size_t popped; /* of which handed out by the last pop, until released */
  uint32_t point;
  uint16_t expect[FZ_STREAMS];  /* SSN of the next ordered message per stream */
  uint16_t skip_hi[FZ_STREAMS]; /* while skip: the highest SSN skipped (gaps up to it) */
  uint8_t skip[FZ_STREAMS];
  /* The message in pieces (pd), and whether a FORWARD TSN abandoned it (notice due). */
  int pd, pd_abort;
  uint16_t pd_stream, pd_ssn;
  int pd_unordered;
  uint32_t pd_ppid, pd_next; /* TSN its next piece starts at */
  size_t pd_len;             /* bytes handed out so far */
} fz_model;

/* Build with -DFZ_TRACE to see what an input does (stderr). */
#ifdef FZ_TRACE
#include <stdio.h>
#define TRACE(...) fprintf(stderr, __VA_ARGS__)
#else
#define TRACE(...) ((void)0)
#endif

#define CHECK(c)       \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

static uint32_t fz_idx(uint32_t tsn) { return (tsn - FZ_BASE) & (FZ_SPAN - 1); }

static uint8_t fz_byte(uint32_t tsn, size_t k) { return (uint8_t)(tsn * 31u + k); }

static int fz_is(uint32_t tsn, uint8_t state) { return fz_state[fz_idx(tsn)] == state; }
static int fz_flag(uint32_t tsn, uint8_t f) { return (fz_flags[fz_idx(tsn)] & f) != 0; }

/* Payload: the TSN (big-endian) then a pattern derived from it. */
static void fz_fill(uint8_t *p, size_t len, uint32_t tsn) {
  p[0] = (uint8_t)(tsn >> 24);
  p[1] = (uint8_t)(tsn >> 16);
  p[2] = (uint8_t)(tsn >> 8);
  p[3] = (uint8_t)tsn;
  for (size_t k = 4; k < len; k++) p[k] = fz_byte(tsn, k);
}

/* The SSN new data and skips are made around: the next expected, or past the skipped ones. */
static uint16_t fz_ssn_base(const fz_model *fm, uint16_t stream) {
  return fm->skip[stream] ? (uint16_t)(fm->skip_hi[stream] + 1) : fm->expect[stream];
}

/* An ordered message starts: its SSN is the next one, or after a skip up to one past it. */
static void fz_check_ssn(fz_model *fm, uint16_t stream, uint16_t ssn) {
  if (ssn != fm->expect[stream])
    CHECK(fm->skip[stream] && csctp_ssn_gt(ssn, fm->expect[stream]) &&
          csctp_ssn_le(ssn, (uint16_t)(fm->skip_hi[stream] + 1)));
  fm->expect[stream] = (uint16_t)(ssn + 1);
  if (fm->skip[stream] && csctp_ssn_gt(fm->expect[stream], fm->skip_hi[stream]))
    fm->skip[stream] = 0;
}

/*
 * Checks a message, a piece (from pop_piece: `piece`, taken at `cum`, `force`d)
 * or an abort notice handed out, and marks its fragments delivered.
 */
static void fz_check_msg(fz_model *fm, const csctp_rx_msg *m, int piece, uint32_t cum, int force) {
  if (m->flags & CSCTP_MSG_ABORTED) {
    CHECK(!piece && m->flags == CSCTP_MSG_ABORTED && m->len == 0);
    CHECK(fm->pd && fm->pd_abort && m->stream == fm->pd_stream &&
          !!m->unordered == fm->pd_unordered);
    fm->pd = fm->pd_abort = 0;
    return;
  }
  /* The notice may wait behind other streams' messages, not behind its own stream's. */
  CHECK(!fm->pd_abort || m->stream != fm->pd_stream);
  CHECK((m->flags & ~(CSCTP_MSG_MORE | CSCTP_MSG_CONTINUED)) == 0);
  int more = (m->flags & CSCTP_MSG_MORE) != 0, cont = (m->flags & CSCTP_MSG_CONTINUED) != 0;
  CHECK(more == piece); /* pieces only from pop_piece, which hands out nothing else */
  CHECK(m->len > 0 && m->len <= FZ_MAX_MSG && m->data);
  CHECK(m->stream < FZ_STREAMS);
  if (fm->pd && m->stream == fm->pd_stream)
    CHECK(cont); /* nothing else of its stream until its last piece */
  else if (fm->pd)
    CHECK(m->flags == 0); /* no piece of another message */
  else
    CHECK(!cont);
  uint32_t tsn = csctp_get_u32(m->data);
  if (cont) {
    CHECK(tsn == fm->pd_next && m->ppid == fm->pd_ppid && m->ssn == fm->pd_ssn &&
          !!m->unordered == fm->pd_unordered);
    CHECK(fm->pd_len + m->len <= FZ_MAX_MSG);
  } else if (!m->unordered) {
    fz_check_ssn(fm, m->stream, m->ssn);
  }
  size_t off = 0;
  int first = 1;
  while (off < m->len) {
    CHECK(m->len - off >= 4);
    CHECK(csctp_get_u32(m->data + off) == tsn); /* consecutive TSNs (§6.9) */
    uint32_t i = fz_idx(tsn);
    CHECK(fz_state[i] == FZ_HELD);
    size_t flen = fz_len[i];
    CHECK(m->len - off >= flen);
    for (size_t k = 4; k < flen; k++) CHECK(m->data[off + k] == fz_byte(tsn, k));
    /* One message: its stream, its kind, its SSN; a B first, an E last (none in a piece). */
    CHECK(fz_sid[i] == m->stream && !!(fz_flags[i] & CSCTP_DATA_FLAG_U) == !!m->unordered);
    if (!m->unordered) CHECK(fz_ssn[i] == m->ssn);
    CHECK(!!(fz_flags[i] & CSCTP_DATA_FLAG_B) == (first && !cont));
    if (first && !cont) CHECK(fz_ppid[i] == m->ppid);
    fz_state[i] = FZ_DELIVERED;
    off += flen;
    CHECK(!!(fz_flags[i] & CSCTP_DATA_FLAG_E) == (off == m->len && !more));
    first = 0;
    tsn++;
  }
  if (more) {
    /* The message that holds the receiver back: its fragments run up to cum. */
    CHECK(tsn - 1 == cum);
    CHECK(force || m->len >= fm->point);
    if (!cont) {
      fm->pd_stream = m->stream;
      fm->pd_ssn = m->ssn;
      fm->pd_unordered = !!m->unordered;
      fm->pd_ppid = m->ppid;
      fm->pd_len = 0;
    }
    fm->pd = 1;
    fm->pd_next = tsn;
    fm->pd_len += m->len;
  } else if (cont) {
    fm->pd = 0;
  }
}

/* The last TSN of the run of held fragments from `tsn` on (joined as the reassembly joins). */
static uint32_t fz_run_end(uint32_t tsn) {
  while (!fz_flag(tsn, CSCTP_DATA_FLAG_E) && fz_is(tsn + 1, FZ_HELD) &&
         !fz_flag(tsn + 1, CSCTP_DATA_FLAG_B))
    tsn++;
  return tsn;
}

/* Whether an ordered message of `stream` with `ssn` is held whole (B to E, not handed out). */
static int fz_held_whole(uint16_t stream, uint16_t ssn) {
  for (size_t k = 0; k < fz_n_acc; k++) {
    uint32_t x = fz_acc[k], i = fz_idx(x);
    if (fz_state[i] == FZ_HELD && fz_flag(x, CSCTP_DATA_FLAG_B) && !fz_flag(x, CSCTP_DATA_FLAG_U) &&
        fz_sid[i] == stream && fz_ssn[i] == ssn && fz_flag(fz_run_end(x), CSCTP_DATA_FLAG_E))
      return 1;
  }
  return 0;
}

/* Whether `ssn` is the stream's next as the engine counts it: a whole ordered message with
 * the next SSN moves to the hand-out queue at once, so the next is the first SSN past the
 * base whose message is not held whole. (Data SSNs are within 7 of the model's expected one:
 * the walk is short.) */
static int fz_is_engine_next(const fz_model *fm, uint16_t stream, uint16_t ssn) {
  uint16_t s = fz_ssn_base(fm, stream);
  for (unsigned n = 0; s != ssn; n++, s++)
    if (n == 64 || !fz_held_whole(stream, s)) return 0;
  return 1;
}

/* Drops the held fragments in [from, to]; notes the highest SSN abandoned per stream. */
static void fz_drop(fz_model *fm, uint32_t from, uint32_t to, int *have, uint16_t *ssn) {
  for (uint32_t x = from;; x++) {
    uint32_t i = fz_idx(x);
    if (fz_state[i] == FZ_HELD) {
      fz_state[i] = FZ_DROPPED;
      fm->bytes -= fz_len[i];
      if (!(fz_flags[i] & CSCTP_DATA_FLAG_U)) {
        uint8_t s = fz_sid[i];
        if (!have[s] || csctp_ssn_gt(fz_ssn[i], ssn[s])) ssn[s] = fz_ssn[i];
        have[s] = 1;
      }
    }
    if (x == to) break;
  }
}

/*
 * A message begins at `x` right after one whose end never came: the sender
 * stopped that one (RFC 3758) and the reassembly drops what it holds of it at
 * once, with the ABORTED notice when it was in pieces (reasm_drop_stopped).
 */
static void fz_stop(fz_model *fm, uint32_t x) {
  int have[FZ_STREAMS] = {0};
  uint16_t ssn[FZ_STREAMS] = {0};
  uint32_t prev = x - 1;
  int pd_live = fm->pd && !fm->pd_abort;
  int stopped = 0, stream = 0, ordered = 0;
  uint16_t sssn = 0;
  if (fz_is(prev, FZ_HELD) && !fz_flag(prev, CSCTP_DATA_FLAG_E)) {
    uint32_t start = prev;
    while (!fz_flag(start, CSCTP_DATA_FLAG_B) && fz_is(start - 1, FZ_HELD) &&
           !fz_flag(start - 1, CSCTP_DATA_FLAG_E))
      start--;
    stopped = 1;
    stream = fz_sid[fz_idx(start)];
    sssn = fz_ssn[fz_idx(start)];
    ordered = fz_flag(start, CSCTP_DATA_FLAG_B) && !fz_flag(start, CSCTP_DATA_FLAG_U);
    fz_drop(fm, start, prev, have, ssn);
    if (pd_live && start == fm->pd_next) {
      fm->pd_abort = 1;
      ordered = !fm->pd_unordered, stream = fm->pd_stream, sssn = fm->pd_ssn;
    }
  } else if (pd_live && fm->pd_next == x) {
    fm->pd_abort = 1; /* everything of it so far was handed out */
    stopped = 1, ordered = !fm->pd_unordered, stream = fm->pd_stream, sssn = fm->pd_ssn;
  }
  /* An ordered one that was its stream's next (the engine's next: past the whole messages
   * waiting to be handed out): the stream goes on after it, as a skip. */
  if (stopped && ordered && fz_is_engine_next(fm, (uint16_t)stream, sssn) &&
      !csctp_ssn_lt(sssn, fm->expect[stream])) {
    if (!fm->skip[stream] || csctp_ssn_gt(sssn, fm->skip_hi[stream])) fm->skip_hi[stream] = sssn;
    fm->skip[stream] = 1;
  }
  TRACE("stop before %#x: model %zu bytes, notice %d\n", x, fm->bytes, fm->pd_abort);
}

static void fz_skip(fz_model *fm, csctp_reasm *r, uint16_t stream, uint16_t ssn) {
  TRACE("skip stream %u to ssn %u\n", stream, ssn);
  CHECK(csctp_reasm_skip(r, stream, ssn) == 0);
  if (csctp_ssn_lt(ssn, fm->expect[stream])) return;
  if (!fm->skip[stream] || csctp_ssn_gt(ssn, fm->skip_hi[stream])) fm->skip_hi[stream] = ssn;
  fm->skip[stream] = 1;
}

/*
 * FORWARD TSN to `n` (> cum), as the association does it (RFC 3758 §3.6): the
 * incomplete messages with a fragment at or below n are dropped, each with
 * its whole run; complete ones stay. The sender reports the SSNs of the
 * ordered ones it abandoned: they are skipped, and so is `extra`'s when >= 0.
 */
static void fz_forward(fz_model *fm, csctp_rx_tsn *t, csctp_reasm *r, uint32_t n, int extra) {
  int have[FZ_STREAMS] = {0};
  uint16_t ssn[FZ_STREAMS] = {0};
  if (fm->pd && !fm->pd_abort) { /* its first fragment is at or below cum: complete, or it goes */
    uint32_t last = fm->pd_next - 1, end = fz_run_end(last);
    if (!fz_flag(end, CSCTP_DATA_FLAG_E)) {
      if (end != last) fz_drop(fm, last + 1, end, have, ssn);
      if (!fm->pd_unordered) {
        uint16_t s = fm->pd_stream;
        if (!have[s] || csctp_ssn_gt(fm->pd_ssn, ssn[s])) ssn[s] = fm->pd_ssn;
        have[s] = 1;
      }
      fm->pd_abort = 1;
    }
  }
  for (size_t k = 0; k < fz_n_acc; k++) {
    uint32_t x = fz_acc[k];
    if (!fz_is(x, FZ_HELD) || csctp_tsn_gt(x, n)) continue;
    uint32_t start = x;
    while (!fz_flag(start, CSCTP_DATA_FLAG_B) && fz_is(start - 1, FZ_HELD) &&
           !fz_flag(start - 1, CSCTP_DATA_FLAG_E))
      start--;
    uint32_t end = fz_run_end(x);
    int begins =
        fz_flag(start, CSCTP_DATA_FLAG_B) || (fm->pd && !fm->pd_abort && start == fm->pd_next);
    if (!begins || !fz_flag(end, CSCTP_DATA_FLAG_E)) fz_drop(fm, start, end, have, ssn);
  }
  TRACE("forward to %#x: model %zu bytes, notice %d\n", n, fm->bytes, fm->pd_abort);
  csctp_rx_tsn_forward(t, n);
  CHECK(csctp_tsn_ge(t->cum, n)); /* and past what was received right above it */
  csctp_reasm_forward(r, n);
  for (uint16_t s = 0; s < FZ_STREAMS; s++)
    if (have[s]) fz_skip(fm, r, s, ssn[s]);
  if (extra >= 0) {
    uint16_t s = extra & 3;
    fz_skip(fm, r, s, (uint16_t)(fz_ssn_base(fm, s) + ((extra >> 2) & 7) - 1));
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

enum { FZ_POP, FZ_POP_PIECE, FZ_PIECE };

/*
 * FZ_POP: a pop; FZ_POP_PIECE: and when it finds nothing, a piece (as the
 * association does); FZ_PIECE: a piece without the pop, when pop would find
 * nothing (nothing ready, no notice due), else as FZ_POP_PIECE. Returns 1
 * when something was handed out.
 */
static int fz_pop(fz_model *fm, csctp_reasm *r, const csctp_rx_tsn *t, int mode, int force) {
  csctp_rx_msg m;
  int rc = 0, got_piece = 0;
  if (mode == FZ_PIECE && !csctp_reasm_has_ready(r) && !fm->pd_abort) {
    if (fm->point) { /* off, it returns at once; on, it releases the previous one first */
      fm->bytes -= fm->popped;
      fm->popped = 0;
    }
    rc = csctp_reasm_pop_piece(r, t->cum, force, &m);
    got_piece = 1;
  } else {
    fm->bytes -= fm->popped; /* the previous one is released first */
    fm->popped = 0;
    rc = csctp_reasm_pop(r, &m);
    if (rc == 0) CHECK(!fm->pd_abort); /* pop hands out the notice when nothing is ready */
    if (rc == 0 && mode != FZ_POP) {
      rc = csctp_reasm_pop_piece(r, t->cum, force, &m);
      got_piece = 1;
    }
  }
  CHECK(rc == 0 || rc == 1);
  if (rc == 0) {
    TRACE("%s: none\n", mode != FZ_POP ? "piece" : "pop");
    return 0;
  }
  TRACE("%s: stream %u ssn %u%s flags %#x len %zu first tsn %#x (cum %#x)\n",
        got_piece ? "piece" : "pop", m.stream, m.ssn, m.unordered ? " U" : "", m.flags, m.len,
        m.len >= 4 ? csctp_get_u32(m.data) : 0, t->cum);
  fz_check_msg(fm, &m, got_piece, t->cum, force);
  fm->popped = m.len;
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t payload[8 * 260];
  csctp_rx_tsn t;
  csctp_reasm r;
  memset(fz_state, 0, sizeof(fz_state));
  fz_n_acc = 0;
  csctp_rx_tsn_init(&t, FZ_BASE);
  if (csctp_reasm_init(&r, csctp_mem_default(), FZ_MAX_MSG) != 0) return 0;
  fz_model fm;
  memset(&fm, 0, sizeof(fm));
  if (size && (data[0] & 0x40)) {
    fm.point = 16u << ((data[0] >> 3) & 7);
    csctp_reasm_set_partial(&r, fm.point);
  }
  size_t pos = 0;
  for (int ops = 0; ops < FZ_MAX_OPS && pos < size; ops++) {
    uint8_t op = data[pos++];
    switch (op % 8) {
    case 5:
      fz_pop(&fm, &r, &t, !(op & 0x40) ? FZ_POP : (op & 0x10) ? FZ_PIECE : FZ_POP_PIECE, op & 0x20);
      break;
    case 6:
      if (!(op & 0x40)) {
        csctp_reasm_release(&r);
        fm.bytes -= fm.popped;
        fm.popped = 0;
        if (op & 0x20) { /* idle buffers given back: what is held stays */
          size_t held = csctp_reasm_held(&r);
          csctp_reasm_trim(&r);
          CHECK(csctp_reasm_held(&r) == held);
        }
      } else if (pos < size) {
        uint8_t b = data[pos++];
        int extra = (b & 0x80) && pos < size ? data[pos++] : -1;
        uint32_t n = t.cum + (b & 0x7f);
        if (csctp_tsn_gt(n, t.cum)) fz_forward(&fm, &t, &r, n, extra);
      }
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
      d.ssn = (uint16_t)(fz_ssn_base(&fm, d.stream) + ((a[2] >> 2) & 7) - 1);
      d.ppid = op;
      d.len = (size_t)(4 + a[3]) * ((op & 0x80) ? 8 : 1);
      fz_fill(payload, d.len, d.tsn);
      d.data = payload;
      int c = csctp_rx_tsn_check(&t, d.tsn);
      if (c != CSCTP_RX_TSN_NEW) {
        CHECK(csctp_rx_tsn_add(&t, d.tsn) == c);
        break;
      }
      uint32_t i = fz_idx(d.tsn);
      CHECK(fz_state[i] == FZ_NONE);
      if (d.flags & CSCTP_DATA_FLAG_B) fz_stop(&fm, d.tsn);
      int rc = csctp_reasm_add(&r, &d);
      TRACE("data tsn %#x flags %#x stream %u ssn %u len %zu: %d\n", d.tsn, d.flags, d.stream,
            d.ssn, d.len, rc);
      CHECK(rc == 0 || rc == CSCTP_ERR_MALFORMED || rc == CSCTP_ERR_MSG_TOO_LARGE);
      /* Refused: the association aborts there (assoc_data.c), so the run ends too. */
      if (rc != 0) goto end;
      if (rc == 0) {
        CHECK(csctp_rx_tsn_add(&t, d.tsn) == CSCTP_RX_TSN_NEW);
        fz_state[i] = FZ_HELD;
        fz_len[i] = (uint16_t)d.len;
        fz_flags[i] = d.flags;
        fz_sid[i] = (uint8_t)d.stream;
        fz_ssn[i] = d.ssn;
        fz_ppid[i] = d.ppid;
        fz_acc[fz_n_acc++] = d.tsn;
        fm.bytes += d.len;
      }
      break;
    }
    }
    CHECK(csctp_reasm_bytes(&r) == fm.bytes);
  }
  /* Drain what is deliverable (pieces too, forced), then drop the rest. */
  while (fz_pop(&fm, &r, &t, FZ_POP_PIECE, 1)) {
    csctp_reasm_release(&r);
    fm.bytes -= fm.popped;
    fm.popped = 0;
    CHECK(csctp_reasm_bytes(&r) == fm.bytes);
  }
  CHECK(csctp_reasm_bytes(&r) == fm.bytes);
end:
  csctp_reasm_clear(&r);
  CHECK(csctp_reasm_bytes(&r) == 0 && !csctp_reasm_has_ready(&r));
  csctp_reasm_free(&r);
  return 0;
}
