/* SPDX-License-Identifier: MIT */
/*
 * Packets bundling many chunks: read_packet keeps the first 48 chunks from
 * its validation pass and walks the rest again; both parts must be handled
 * alike, and a malformed chunk anywhere drops the whole packet first.
 */
#include "assoc_util.h"

#define T0 ((csctp_tstamp)1000000)

/* Establishes x -> y and delivers one message, returning y's tag and the next TSN x would use. */
static void setup(side *x, side *y, uint32_t *ytag, uint32_t *next_tsn) {
  side_new(x, 11);
  side_new(y, 12);
  establish(x, y, T0);
  csctp_send_opts o = {.stream = 0, .ppid = 51};
  cr_assert_eq(csctp_assoc_send(x->a, &o, (const uint8_t *)"seed", 4, T0), 0);
  pkt p[4];
  int n = side_pull(x, p, 4, T0);
  cr_assert_eq(n, 1);
  csctp_chunk ch;
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_DATA, &ch));
  csctp_data_chunk d;
  cr_assert_eq(csctp_data_decode(&ch, &d), 0);
  *ytag = pkt_vtag(&p[0]);
  *next_tsn = d.tsn + 1;
  cr_assert_eq(csctp_assoc_read_packet(y->a, p[0].b, p[0].len, T0), 0);
  csctp_event ev;
  cr_assert(csctp_assoc_poll_event(y->a, &ev));
  cr_assert_eq(ev.type, CSCTP_EVENT_MESSAGE);
}

/* n one-byte DATA chunks (B|E, stream 0, SSN 1..n, payload k); chunk `bad` (if < n) is cut short.
 */
static size_t build_bundle(uint8_t *buf, uint32_t tsn, int n, int bad) {
  csctp_wr w;
  csctp_wr_init(&w, buf, PKT_MAX);
  for (int k = 0; k < n; k++) {
    uint8_t b = (uint8_t)k;
    if (k == bad) {
      /* A DATA chunk of 12 bytes: shorter than its fixed header. */
      uint8_t c[12] = {CSCTP_CHUNK_DATA, 3, 0, 12};
      csctp_wr_bytes(&w, c, sizeof(c));
      continue;
    }
    csctp_data_chunk d = {
        CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E, tsn + (uint32_t)k, 0, (uint16_t)(k + 1), 51, &b, 1};
    csctp_data_write(&w, &d);
  }
  cr_assert(!w.overflow);
  return w.len;
}

Test(bundle, seventy_chunks_all_delivered_in_order) {
  side x, y;
  uint32_t ytag, tsn;
  setup(&x, &y, &ytag, &tsn);
  uint8_t chunks[PKT_MAX];
  size_t clen = build_bundle(chunks, tsn, 70, -1);
  pkt p;
  build_pkt(&p, ytag, chunks, clen);
  csctp_stats before, after;
  csctp_assoc_get_stats(y.a, &before);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
  csctp_assoc_get_stats(y.a, &after);
  cr_assert_eq(after.chunks_in - before.chunks_in, 70u);
  cr_assert_eq(after.data_chunks_in - before.data_chunks_in, 70u);
  csctp_event ev;
  int got = 0;
  while (csctp_assoc_poll_event(y.a, &ev)) {
    if (ev.type != CSCTP_EVENT_MESSAGE) continue;
    cr_assert_eq(ev.u.message.len, 1u);
    cr_assert_eq(ev.u.message.data[0], (uint8_t)got, "message %d", got);
    got++;
  }
  cr_assert_eq(got, 70);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

/* A malformed chunk early (kept part) or late (walked again): nothing is taken. */
Test(bundle, malformed_chunk_anywhere_drops_the_packet) {
  int bads[] = {3, 47, 48, 60};
  for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
    side x, y;
    uint32_t ytag, tsn;
    setup(&x, &y, &ytag, &tsn);
    uint8_t chunks[PKT_MAX];
    size_t clen = build_bundle(chunks, tsn, 65, bads[i]);
    pkt p;
    build_pkt(&p, ytag, chunks, clen);
    csctp_stats before, after;
    csctp_assoc_get_stats(y.a, &before);
    cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
    csctp_assoc_get_stats(y.a, &after);
    cr_assert_eq(after.drop_malformed - before.drop_malformed, 1u, "bad chunk %d", bads[i]);
    cr_assert_eq(after.data_chunks_in, before.data_chunks_in);
    csctp_event ev;
    while (csctp_assoc_poll_event(y.a, &ev)) cr_assert_neq(ev.type, CSCTP_EVENT_MESSAGE);
    /* The same chunks without the bad one are taken afterwards: no TSN was consumed. */
    clen = build_bundle(chunks, tsn, 40, -1);
    build_pkt(&p, ytag, chunks, clen);
    cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
    int got = 0;
    while (csctp_assoc_poll_event(y.a, &ev)) got += ev.type == CSCTP_EVENT_MESSAGE;
    cr_assert_eq(got, 40);
    csctp_assoc_del(x.a);
    csctp_assoc_del(y.a);
  }
}

/* A lone DATA chunk (the fast path of read_packet) is judged as the general walk judges it:
 * with its padding, without it, with stray bytes after it, cut short, under a wrong tag. */
Test(bundle, lone_data_chunk_edges) {
  side x, y;
  uint32_t ytag, tsn;
  setup(&x, &y, &ytag, &tsn);
  csctp_stats st0;
  csctp_assoc_get_stats(y.a, &st0);
  uint8_t c[40];
  pkt p;
  /* 1: 3 payload bytes, chunk length 19, padded to 20: taken. */
  csctp_data_chunk d = {
      CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E, tsn, 0, 1, 51, (const uint8_t *)"abc", 3};
  csctp_wr w;
  csctp_wr_init(&w, c, sizeof(c));
  csctp_data_write(&w, &d);
  cr_assert_eq(w.len, 20u);
  build_pkt(&p, ytag, c, 20);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
  /* 2: the same chunk without its padding (last chunk of the packet): taken. */
  d.tsn = tsn + 1;
  d.ssn = 2;
  csctp_wr_init(&w, c, sizeof(c));
  csctp_data_write(&w, &d);
  build_pkt(&p, ytag, c, 19);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
  csctp_stats st1;
  csctp_assoc_get_stats(y.a, &st1);
  cr_assert_eq(st1.data_chunks_in - st0.data_chunks_in, 2u);
  cr_assert_eq(st1.drop_malformed, st0.drop_malformed);
  /* 3: padding plus a stray byte: the packet is malformed. */
  d.tsn = tsn + 2;
  d.ssn = 3;
  csctp_wr_init(&w, c, sizeof(c));
  csctp_data_write(&w, &d);
  c[20] = 0;
  build_pkt(&p, ytag, c, 21);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
  /* 4: a chunk length of 15 (shorter than the DATA header): malformed. */
  c[2] = 0;
  c[3] = 15;
  build_pkt(&p, ytag, c, 16);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
  /* 5: a chunk length past the packet: malformed. */
  c[3] = 40;
  build_pkt(&p, ytag, c, 20);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
  csctp_stats st2;
  csctp_assoc_get_stats(y.a, &st2);
  cr_assert_eq(st2.drop_malformed - st1.drop_malformed, 3u);
  cr_assert_eq(st2.data_chunks_in, st1.data_chunks_in);
  /* 6: a well-formed chunk under the wrong tag: dropped as such. */
  c[3] = 19;
  build_pkt(&p, ytag ^ 1, c, 20);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
  csctp_stats st3;
  csctp_assoc_get_stats(y.a, &st3);
  cr_assert_eq(st3.drop_bad_vtag - st2.drop_bad_vtag, 1u);
  cr_assert_eq(st3.data_chunks_in, st2.data_chunks_in);
  /* The two taken messages came out, and TSN tsn + 2 is still free: it is taken now. */
  build_pkt(&p, ytag, c, 20);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
  csctp_event ev;
  int got = 0;
  while (csctp_assoc_poll_event(y.a, &ev))
    if (ev.type == CSCTP_EVENT_MESSAGE) {
      cr_assert_eq(ev.u.message.len, 3u);
      cr_assert_eq(memcmp(ev.u.message.data, "abc", 3), 0);
      got++;
    }
  cr_assert_eq(got, 3);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}
