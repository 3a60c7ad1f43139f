/* SPDX-License-Identifier: MIT */
/*
 * Stateful fuzz target for interleaved reassembly (ireasm.c, RFC 8260 §2):
 * messages of a few streams, ordered and unordered, cut into fragments that
 * arrive in any order the input chooses, with pops, pieces (partial
 * delivery), releases, I-FORWARD-TSN skips, stream resets and contradicting
 * fragments in between. A model says what must happen; after every step:
 * the byte count equals what was accepted minus what was released and
 * dropped; a whole message handed out is its fragments FSN 0..E of one
 * (stream, U, MID), intact, each handed out once; ordered messages come in
 * MID order per stream (no smaller MID of the stream still pending); a piece
 * is the whole contiguous prefix of a message next in line, at least the
 * point unless forced, and nothing else of its stream comes until its last
 * piece; ABORTED comes only for a message in pieces that a skip dropped;
 * contradicting fragments are refused and change nothing; resets are refused
 * exactly while the stream holds something. At the end, every deliverable
 * message was delivered, and held() is 0 after clear.
 *
 * Input: byte 0: bit 0x40 partial delivery on (point 16 << (b >> 3 & 7)),
 * bit 0x80 every stream starts at MID 0xfffffffe (wraps soon). Then ops o:
 *   o % 8 < 3: a fragment, 1 byte a: message a % n, its first FSN not sent from (a >> 4) on
 *   o % 8 == 3: a new message, 1 byte a: stream a & 3, U a >> 2 & 1, 1 + (a >> 3 & 7) % 6
 *               fragments of 1 + (o >> 3) bytes (times 8 when a & 0x80)
 *   o % 8 == 4: pop; with o & 0x40 a piece when pop found nothing (forced when o & 0x20)
 *   o % 8 == 5: release (then trim when o & 0x20)
 *   o % 8 == 6: skip, 1 byte a: a & 1: unordered, message (a >> 1) % n; else ordered,
 *               stream a >> 1 & 3 up to its next MID + (a >> 3 & 7) - 1 (+ 300 when a & 0x80)
 *   o % 8 == 7: o & 0x40: reset, 1 byte a: a & 4 every stream, else stream a & 3;
 *               else a contradicting fragment, 1 byte a (kind a % 7, message a >> 3)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ireasm.h"
#include "packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MSGS 64
#define FZ_MAX_FRAGS 6
#define FZ_STREAMS 4
#define FZ_MAX_MSG 4096
#define FZ_MAX_OPS 3000

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

enum { FZ_LIVE, FZ_DELIVERED, FZ_DROPPED };

typedef struct fz_msg {
  uint16_t stream;
  uint8_t u, n, state;
  uint32_t mid;
  uint16_t off[FZ_MAX_FRAGS + 1]; /* fragment k is bytes [off[k], off[k + 1]) */
  uint8_t added;                  /* fragments accepted (bits) */
  uint8_t gone;                   /* of which handed out in pieces */
  uint8_t pd;                     /* pieces of it were handed out */
} fz_msg;

static fz_msg fz[FZ_MSGS];
static size_t fz_n;

typedef struct fz_model {
  size_t bytes, popped;
  uint32_t point;
  uint32_t next[FZ_STREAMS];     /* next ordered MID, as delivered / skipped */
  uint32_t alloc[FZ_STREAMS][2]; /* MID of the next new message */
  int pd;                        /* the message in pieces, or -1 */
  int pd_abort;                  /* its ABORTED notice is due */
  uint32_t tsn;
} fz_model;

static uint8_t fz_byte(size_t i, size_t k) { return (uint8_t)(i * 37u + k * 11u + (k >> 5)); }

static int fz_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }

static uint8_t fz_all(const fz_msg *m) { return (uint8_t)((1u << m->n) - 1); }

static size_t fz_len(const fz_msg *m, int k) { return (size_t)(m->off[k + 1] - m->off[k]); }

/* Bytes accepted of m and not handed out. */
static size_t fz_held(const fz_msg *m) {
  size_t b = 0;
  for (int k = 0; k < m->n; k++)
    if ((m->added & ~m->gone) >> k & 1) b += fz_len(m, k);
  return b;
}

/* The FSN the next piece of m starts at, and the end of its contiguous prefix. */
static void fz_prefix(const fz_msg *m, int *from, int *to) {
  int k = 0;
  while (k < m->n && (m->gone >> k & 1)) k++;
  *from = k;
  while (k < m->n && (m->added >> k & 1)) k++;
  *to = k;
}

/* Whether an ordered message of the stream with a smaller MID is still pending. */
static int fz_blocked(const fz_msg *m) {
  for (size_t i = 0; i < fz_n; i++)
    if (fz[i].state == FZ_LIVE && !fz[i].u && fz[i].stream == m->stream && fz_lt(fz[i].mid, m->mid))
      return 1;
  return 0;
}

/* Open (begun, incomplete) messages and fragments held, as the model counts them. */
static void fz_check_counts(const csctp_ireasm *r) {
  size_t open = 0, frags = 0;
  for (size_t i = 0; i < fz_n; i++) {
    const fz_msg *m = &fz[i];
    if (m->state != FZ_LIVE) continue;
    open += m->added && m->added != fz_all(m);
    frags += (size_t)__builtin_popcount(m->added & ~m->gone);
  }
  csctp_reasm_stats st;
  csctp_ireasm_get_stats(r, &st);
  CHECK(csctp_ireasm_open_msgs(r, NULL) == open && st.fragments == frags);
}

static void fz_drop(fz_model *fm, size_t i) {
  fz_msg *m = &fz[i];
  fm->bytes -= fz_held(m);
  m->state = FZ_DROPPED;
  if ((int)i == fm->pd) fm->pd_abort = 1;
}

static void fz_check_msg(fz_model *fm, const csctp_rx_msg *r, int piece, int force) {
  if (r->flags & CSCTP_MSG_ABORTED) {
    CHECK(!piece && r->flags == CSCTP_MSG_ABORTED && r->len == 0);
    CHECK(fm->pd >= 0 && fm->pd_abort && r->stream == fz[fm->pd].stream &&
          !!r->unordered == fz[fm->pd].u);
    fm->pd = -1;
    fm->pd_abort = 0;
    return;
  }
  CHECK((r->flags & ~(CSCTP_MSG_MORE | CSCTP_MSG_CONTINUED)) == 0);
  int more = (r->flags & CSCTP_MSG_MORE) != 0, cont = (r->flags & CSCTP_MSG_CONTINUED) != 0;
  CHECK(more == piece);
  CHECK(r->len > 0 && r->data && r->len <= FZ_MAX_MSG);
  /* Which message: (stream, U, MID) among the live ones. */
  size_t i = 0;
  for (; i < fz_n; i++)
    if (fz[i].state == FZ_LIVE && fz[i].stream == r->stream && fz[i].u == !!r->unordered &&
        fz[i].mid == r->mid)
      break;
  CHECK(i < fz_n);
  fz_msg *m = &fz[i];
  CHECK(r->ssn == (uint16_t)r->mid && r->ppid == 0x5000u + (uint32_t)i);
  if (fm->pd >= 0 && fz[fm->pd].stream == r->stream) CHECK((int)i == fm->pd && cont);
  if (fm->pd >= 0 && (int)i != fm->pd) CHECK(!more && !cont); /* one message in pieces */
  CHECK(cont == (m->pd != 0));
  CHECK(!fm->pd_abort || r->stream != fz[fm->pd].stream);
  if (!m->u && !m->pd) CHECK(!fz_blocked(m));
  int from, to;
  fz_prefix(m, &from, &to);
  if (!more) CHECK(to == m->n); /* whole, or the last piece: complete */
  if (more) CHECK(to < m->n && (force || r->len >= fm->point));
  CHECK(r->len == (size_t)(m->off[to] - m->off[from])); /* the whole contiguous prefix */
  for (size_t k = 0; k < r->len; k++) CHECK(r->data[k] == fz_byte(i, m->off[from] + k));
  for (int k = from; k < to; k++) m->gone |= (uint8_t)(1u << k);
  fm->popped = r->len; /* still counted until released */
  if (more) {
    m->pd = 1;
    fm->pd = (int)i;
    return;
  }
  m->state = FZ_DELIVERED;
  if ((int)i == fm->pd) fm->pd = -1;
  if (!m->u && !fz_lt(m->mid, fm->next[m->stream])) fm->next[m->stream] = m->mid + 1;
}

/* A piece must come when forced and a message may give one (nothing ready). */
static int fz_piece_due(const fz_model *fm) {
  if (fm->pd_abort) return 0;
  for (size_t i = 0; i < fz_n; i++) {
    const fz_msg *m = &fz[i];
    if (m->state != FZ_LIVE || (fm->pd >= 0 && (int)i != fm->pd)) continue;
    if (fm->pd < 0 && !m->u && m->mid != fm->next[m->stream]) continue;
    int from, to;
    fz_prefix(m, &from, &to);
    if (to > from) return 1;
  }
  return 0;
}

static int fz_pop(fz_model *fm, csctp_ireasm *r, int piece, int force) {
  csctp_rx_msg m;
  fm->bytes -= fm->popped; /* the previous one is released first */
  fm->popped = 0;
  int rc = csctp_ireasm_pop(r, &m), got_piece = 0;
  CHECK(rc == 0 || rc == 1);
  if (rc == 0) CHECK(!fm->pd_abort);
  if (rc == 0 && piece) {
    rc = csctp_ireasm_pop_piece(r, force, &m);
    CHECK(rc == 0 || rc == 1);
    if (fm->point && force && fz_piece_due(fm)) CHECK(rc == 1);
    got_piece = 1;
  }
  if (rc == 0) return 0;
  TRACE("%s: stream %u%s mid %u flags %#x len %zu\n", got_piece ? "piece" : "pop", m.stream,
        m.unordered ? " U" : "", m.mid, m.flags, m.len);
  fz_check_msg(fm, &m, got_piece, force);
  return 1;
}

static void fz_add(fz_model *fm, csctp_ireasm *r, size_t i, int k) {
  fz_msg *m = &fz[i];
  static uint8_t buf[FZ_MAX_MSG];
  for (size_t x = 0; x < fz_len(m, k); x++) buf[x] = fz_byte(i, m->off[k] + x);
  csctp_idata_chunk d = {
      (uint8_t)((k == 0 ? CSCTP_DATA_FLAG_B : 0) | (k == m->n - 1 ? CSCTP_DATA_FLAG_E : 0) |
                (m->u ? CSCTP_DATA_FLAG_U : 0)),
      fm->tsn++,
      m->stream,
      m->mid,
      k == 0 ? 0x5000u + (uint32_t)i : 0,
      (uint32_t)k,
      buf,
      fz_len(m, k)};
  int rc = csctp_ireasm_add(r, &d);
  TRACE("add msg %zu (stream %u%s mid %u) fsn %d len %zu: %d\n", i, m->stream, m->u ? " U" : "",
        m->mid, k, d.len, rc);
  CHECK(rc == 0);
  m->added |= (uint8_t)(1u << k);
  fm->bytes += fz_len(m, k);
}

/* A fragment that contradicts what was accepted: refused, nothing changes. */
static void fz_bad(fz_model *fm, csctp_ireasm *r, uint8_t a) {
  static const uint8_t x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  size_t held = csctp_ireasm_held(r), bytes = csctp_ireasm_bytes(r);
  csctp_idata_chunk d = {0, fm->tsn++, 0, 0, 0, 0, x, 1 + (a & 7)};
  int expect = CSCTP_ERR_MALFORMED;
  fz_msg *m = fz_n ? &fz[(a >> 3) % fz_n] : NULL;
  switch (a % 7) {
  case 0: /* an FSN held already (not of a complete unordered message: it is queued, and
           * its MID, unlike an ordered one, says nothing) */
    if (!m || m->state != FZ_LIVE || !(m->added & ~m->gone) || (m->u && m->added == fz_all(m)))
      return;
    for (int k = 0; k < m->n; k++)
      if ((m->added & ~m->gone) >> k & 1) {
        d.fsn = (uint32_t)k;
        break;
      }
    d.flags =
        (uint8_t)((d.fsn == 0 ? CSCTP_DATA_FLAG_B : 0) |
                  (d.fsn == m->n - 1u ? CSCTP_DATA_FLAG_E : 0) | (m->u ? CSCTP_DATA_FLAG_U : 0));
    d.stream = m->stream;
    d.mid = m->mid;
    break;
  case 1: { /* an E below a fragment seen, or a second E */
    if (!m || m->state != FZ_LIVE || m->added == fz_all(m) || m->added < 2) return;
    int h = 7;
    while (!(m->added >> h & 1)) h--;
    d.flags = (uint8_t)(CSCTP_DATA_FLAG_E | (m->u ? CSCTP_DATA_FLAG_U : 0));
    d.fsn = (uint32_t)h - 1;
    d.stream = m->stream;
    d.mid = m->mid;
    break;
  }
  case 2: /* FSN 0 without B */
    d.stream = a & 3;
    d.mid = fm->alloc[d.stream][0];
    break;
  case 3: /* an ordered MID behind the next */
    d.stream = a & 3;
    d.flags = CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E;
    d.mid = fm->next[d.stream] - 1;
    break;
  case 4: /* beyond the E that was accepted: a fragment, or a second E */
    if (!m || m->state != FZ_LIVE || m->added == fz_all(m) || !(m->added >> (m->n - 1) & 1)) return;
    d.flags = (uint8_t)((a & 0x40 ? CSCTP_DATA_FLAG_E : 0) | (m->u ? CSCTP_DATA_FLAG_U : 0));
    d.fsn = m->n + (a >> 7);
    d.stream = m->stream;
    d.mid = m->mid;
    break;
  case 5: { /* the fragment that would make the message too large */
    static uint8_t big[FZ_MAX_MSG + 1];
    if (!m || m->state != FZ_LIVE || m->added == fz_all(m) || !m->added) return;
    int k = 0;
    size_t have = 0;
    while (m->added >> k & 1) k++; /* the first missing: the next in order, often */
    for (int j = 0; j < m->n; j++)
      if (m->added >> j & 1) have += fz_len(m, j);
    d.flags = (uint8_t)((k == 0 ? CSCTP_DATA_FLAG_B : 0) | (m->u ? CSCTP_DATA_FLAG_U : 0));
    d.fsn = (uint32_t)k;
    d.stream = m->stream;
    d.mid = m->mid;
    d.data = big;
    d.len = FZ_MAX_MSG - have + 1;
    expect = CSCTP_ERR_MSG_TOO_LARGE;
    break;
  }
  default: /* an FSN past any message */
    d.stream = a & 3;
    d.flags = CSCTP_DATA_FLAG_U;
    d.mid = fm->alloc[d.stream][1];
    d.fsn = FZ_MAX_MSG;
    expect = CSCTP_ERR_MSG_TOO_LARGE;
    break;
  }
  int rc = csctp_ireasm_add(r, &d);
  TRACE("bad stream %u mid %u fsn %u flags %#x: %d\n", d.stream, d.mid, d.fsn, d.flags, rc);
  CHECK(rc == expect);
  CHECK(csctp_ireasm_held(r) == held && csctp_ireasm_bytes(r) == bytes);
}

static void fz_skip(fz_model *fm, csctp_ireasm *r, uint8_t a) {
  if (a & 1) {
    if (!fz_n) return;
    size_t i = (a >> 1) % fz_n;
    fz_msg *m = &fz[i];
    if (!m->u) return;
    TRACE("skip stream %u U mid %u\n", m->stream, m->mid);
    CHECK(csctp_ireasm_skip(r, m->stream, 1, m->mid) == 0);
    /* The live message with that identity (m may be an old one, before a reset). */
    for (i = 0; i < fz_n; i++)
      if (fz[i].state == FZ_LIVE && fz[i].u && fz[i].stream == m->stream && fz[i].mid == m->mid)
        break;
    if (i < fz_n && fz[i].added != fz_all(&fz[i])) fz_drop(fm, i);
    return;
  }
  uint16_t s = (a >> 1) & 3;
  /* With a & 0x80 far ahead: the skip scans the index instead of walking the MIDs. */
  uint32_t mid = fm->next[s] + ((a >> 3) & 7) - 1 + ((a & 0x80) ? 300u : 0u);
  TRACE("skip stream %u to %u\n", s, mid);
  CHECK(csctp_ireasm_skip(r, s, 0, mid) == 0);
  if (fz_lt(mid, fm->next[s])) return;
  for (size_t i = 0; i < fz_n; i++) {
    fz_msg *m = &fz[i];
    if (m->state != FZ_LIVE || m->u || m->stream != s || m->mid - fm->next[s] > mid - fm->next[s])
      continue;
    if (m->added != fz_all(m)) fz_drop(fm, i); /* complete ones stay */
  }
  fm->next[s] = mid + 1;
  if (fz_lt(fm->alloc[s][0], mid + 1)) fm->alloc[s][0] = mid + 1;
}

static void fz_reset(fz_model *fm, csctp_ireasm *r, uint8_t a) {
  int all = (a & 4) != 0;
  uint16_t id = a & 3;
  int busy = 0;
  for (size_t i = 0; i < fz_n; i++)
    if (fz[i].state == FZ_LIVE && fz[i].added && (all || fz[i].stream == id)) busy = 1;
  int rc = csctp_ireasm_reset_streams(r, &id, all ? 0 : 1);
  TRACE("reset %s %u: %d\n", all ? "all" : "stream", id, rc);
  CHECK(rc == (busy ? CSCTP_ERR_INVALID_STATE : 0));
  if (busy) return;
  for (uint16_t s = 0; s < FZ_STREAMS; s++) {
    if (!all && s != id) continue;
    fm->next[s] = fm->alloc[s][0] = fm->alloc[s][1] = 0;
    for (size_t i = 0; i < fz_n; i++)
      if (fz[i].state == FZ_LIVE && fz[i].stream == s) fz[i].state = FZ_DROPPED; /* unsent */
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  csctp_ireasm r;
  fz_model fm;
  memset(&fm, 0, sizeof(fm));
  fm.pd = -1;
  fz_n = 0;
  csctp_ireasm_init(&r, csctp_mem_default(), FZ_MAX_MSG);
  if (size && (data[0] & 0x40)) {
    fm.point = 16u << ((data[0] >> 3) & 7);
    csctp_ireasm_set_partial(&r, fm.point);
  }
  if (size && (data[0] & 0x80)) {
    for (uint16_t s = 0; s < FZ_STREAMS; s++) {
      CHECK(csctp_ireasm_skip(&r, s, 0, 0x7ffffffeu) == 0);
      CHECK(csctp_ireasm_skip(&r, s, 0, 0xfffffffdu) == 0);
      fm.next[s] = fm.alloc[s][0] = fm.alloc[s][1] = 0xfffffffeu;
    }
  }
  size_t pos = 1;
  for (int ops = 0; ops < FZ_MAX_OPS && pos < size; ops++) {
    uint8_t o = data[pos++];
    uint8_t a = pos < size ? data[pos] : 0;
    switch (o % 8) {
    case 4: fz_pop(&fm, &r, (o & 0x40) != 0, (o & 0x20) != 0); break;
    case 5:
      csctp_ireasm_release(&r);
      fm.bytes -= fm.popped;
      fm.popped = 0;
      if (o & 0x20) {
        size_t held = csctp_ireasm_held(&r);
        csctp_ireasm_trim(&r);
        CHECK(csctp_ireasm_held(&r) == held);
      }
      break;
    case 6:
      pos++;
      fz_skip(&fm, &r, a);
      break;
    case 7:
      pos++;
      if (o & 0x40)
        fz_reset(&fm, &r, a);
      else
        fz_bad(&fm, &r, a);
      break;
    case 3: {
      pos++;
      if (fz_n == FZ_MSGS) break;
      fz_msg *m = &fz[fz_n];
      memset(m, 0, sizeof(*m));
      m->stream = a & 3;
      m->u = (a >> 2) & 1;
      m->n = (uint8_t)(1 + ((a >> 3) & 7) % FZ_MAX_FRAGS);
      m->mid = fm.alloc[m->stream][m->u]++;
      unsigned per = (1u + (o >> 3)) * ((a & 0x80) ? 8u : 1u);
      for (int k = 0; k <= m->n; k++) m->off[k] = (uint16_t)(k * per);
      fz_n++;
      break;
    }
    default: {
      pos++;
      if (!fz_n) break;
      size_t i = a % fz_n;
      fz_msg *m = &fz[i];
      if (m->state != FZ_LIVE || m->added == fz_all(m)) break;
      int k = (a >> 4) % m->n;
      while (m->added >> k & 1) k = (k + 1) % m->n;
      fz_add(&fm, &r, i, k);
      break;
    }
    }
    TRACE("  bytes %zu, model %zu\n", csctp_ireasm_bytes(&r), fm.bytes);
    CHECK(csctp_ireasm_bytes(&r) == fm.bytes);
    fz_check_counts(&r);
  }
  /* Drain (pieces forced), then every deliverable message must have come out. */
  while (fz_pop(&fm, &r, 1, 1)) CHECK(csctp_ireasm_bytes(&r) == fm.bytes);
  CHECK(csctp_ireasm_bytes(&r) == fm.bytes);
  for (size_t i = 0; i < fz_n; i++) {
    const fz_msg *m = &fz[i];
    if (m->state != FZ_LIVE || m->added != fz_all(m)) continue;
    if (fm.pd >= 0 && fz[fm.pd].stream == m->stream) continue; /* its stream is held */
    CHECK(!m->u && fz_blocked(m)); /* complete and still here: behind a missing one */
  }
  csctp_ireasm_clear(&r);
  CHECK(csctp_ireasm_bytes(&r) == 0 && csctp_ireasm_held(&r) == 0 && !csctp_ireasm_has_ready(&r));
  csctp_ireasm_free(&r);
  return 0;
}
