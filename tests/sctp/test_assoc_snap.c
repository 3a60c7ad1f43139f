/* SPDX-License-Identifier: MIT */
/*
 * SNAP (src/assoc_snap.c, draft-hancke-tsvwg-snap): each side's INIT chunk
 * handed to the other out of band, then ESTABLISHED without a packet; the INIT
 * checked as RFC 9260 §3.3.2 asks; our own INIT handed back refused; the
 * four-way handshake still possible when SNAP is not used.
 */
#include "assoc_util.h"

static const uint8_t chromium_init[] = {/* Chromium 156's a=sctp-init, decoded */
                                        0x01, 0x00, 0x00, 0x1e, 0xb4, 0x19, 0xca, 0x06, 0x00, 0x50,
                                        0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xf5, 0x92, 0xbb, 0x43,
                                        0xc0, 0x00, 0x00, 0x04, 0x80, 0x08, 0x00, 0x06, 0x82, 0xc0};

Test(assoc_snap, both_inits_exchanged_then_established_without_a_packet) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  uint8_t ix[64], iy[64], again[64];
  csctp_ssize nx = csctp_assoc_snap_init(x.a, ix, sizeof ix);
  csctp_ssize ny = csctp_assoc_snap_init(y.a, iy, sizeof iy);
  cr_assert_gt(nx, 0);
  cr_assert_gt(ny, 0);
  /* Making it changes nothing: still CLOSED, no timer, nothing to send; the same bytes again. */
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_CLOSED);
  cr_assert_eq(csctp_assoc_expiry(x.a), CSCTP_TSTAMP_NONE);
  uint8_t out[PKT_MAX];
  cr_assert_eq(csctp_assoc_write_packet(x.a, out, sizeof out, 0), 0);
  cr_assert_eq(csctp_assoc_snap_init(x.a, again, sizeof again), nx);
  cr_assert_eq(memcmp(ix, again, (size_t)nx), 0);
  /* An INIT chunk (RFC 9260 §3.3.2): type 1, its own length, a tag, and what we announce. */
  cr_assert_eq(ix[0], CSCTP_CHUNK_INIT);
  cr_assert_eq(csctp_get_u16(ix + 2), (uint16_t)nx);
  cr_assert_neq(csctp_get_u32(ix + 4), 0);
  cr_assert_eq(csctp_snap_init_check(ix, (size_t)nx), 0);

  cr_assert_eq(csctp_assoc_snap_establish(x.a, iy, (size_t)ny, 0), 0);
  cr_assert_eq(csctp_assoc_snap_establish(y.a, ix, (size_t)nx, 0), 0);
  side_drain_events(&x);
  side_drain_events(&y);
  cr_assert(side_has_event(&x, CSCTP_EVENT_CONNECTED));
  cr_assert(side_has_event(&y, CSCTP_EVENT_CONNECTED));
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_ESTABLISHED);
  /* The first packet is DATA: no INIT, no COOKIE ECHO. */
  csctp_send_opts o = {.stream = 1, .ppid = 51};
  cr_assert_eq(csctp_assoc_send(x.a, &o, (const uint8_t *)"hello", 5, 0), 0);
  pkt p[4];
  int n = side_pull(&x, p, 4, 0);
  cr_assert_eq(n, 1);
  csctp_chunk ch;
  cr_assert(first_chunk(&p[0], &ch));
  cr_assert_eq(ch.type, CSCTP_CHUNK_DATA);
  cr_assert_eq(pkt_vtag(&p[0]), csctp_get_u32(iy + 4), "sent with the peer's Initiate Tag");
  cr_assert_eq(csctp_assoc_read_packet(y.a, p[0].b, p[0].len, 0), 0);
  exchange(&x, &y, 0);
  const csctp_event *m = side_find_event(&y, CSCTP_EVENT_MESSAGE);
  cr_assert(m);
  cr_assert_eq(m->u.message.len, 5);
  cr_assert_eq(memcmp(m->u.message.data, "hello", 5), 0);
  /* And back, with the other tag. */
  cr_assert_eq(csctp_assoc_send(y.a, &o, (const uint8_t *)"world", 5, 0), 0);
  exchange(&x, &y, 0);
  cr_assert(side_find_event(&x, CSCTP_EVENT_MESSAGE));
  /* Once established, no second SNAP and no INIT. */
  cr_assert_eq(csctp_assoc_snap_init(x.a, again, sizeof again), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_assoc_snap_establish(x.a, iy, (size_t)ny, 0), CSCTP_ERR_INVALID_STATE);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(assoc_snap, chromiums_init_is_accepted) {
  side x;
  side_new(&x, 3);
  uint8_t ix[64];
  cr_assert_gt(csctp_assoc_snap_init(x.a, ix, sizeof ix), 0);
  cr_assert_eq(csctp_snap_init_check(chromium_init, sizeof chromium_init), 0);
  cr_assert_eq(csctp_assoc_snap_establish(x.a, chromium_init, sizeof chromium_init, 0), 0);
  csctp_stats st;
  csctp_assoc_get_stats(x.a, &st);
  cr_assert_eq(st.peer_rwnd, 0x00500000);
  csctp_send_opts o = {.stream = 0, .ppid = 51};
  cr_assert_eq(csctp_assoc_send(x.a, &o, (const uint8_t *)"x", 1, 0), 0);
  pkt p[2];
  cr_assert_eq(side_pull(&x, p, 2, 0), 1);
  cr_assert_eq(pkt_vtag(&p[0]), 0xb419ca06);
  csctp_chunk ch;
  cr_assert(find_chunk(&p[0], CSCTP_CHUNK_DATA, &ch));
  csctp_assoc_del(x.a);
}

Test(assoc_snap, bad_inits_are_refused_and_change_nothing) {
  side x;
  side_new(&x, 4);
  uint8_t ix[64];
  /* Before our own INIT was made, the peer cannot know our tag. */
  cr_assert_eq(csctp_assoc_snap_establish(x.a, chromium_init, sizeof chromium_init, 0),
               CSCTP_ERR_INVALID_STATE);
  csctp_ssize nx = csctp_assoc_snap_init(x.a, ix, sizeof ix);
  cr_assert_gt(nx, 0);
  uint8_t small[8] = {0};
  cr_assert_eq(csctp_assoc_snap_init(x.a, small, sizeof small), CSCTP_ERR_NOBUF);
  cr_assert_eq(small[0], 0, "a short buffer is left untouched");
  uint8_t b[64];
  struct {
    size_t at;
    uint8_t v;
    size_t len;
    const char *what;
  } cases[] = {
      {0, 0x02, sizeof chromium_init, "an INIT ACK"},
      {3, 0x1f, sizeof chromium_init, "length past the bytes"},
      {3, 0x13, sizeof chromium_init, "length below the fixed fields"},
      {4, 0x00, sizeof chromium_init, "tag 0 (the other tag bytes cleared below)"},
      {12, 0x00, sizeof chromium_init, "no outbound streams (both bytes)"},
      {8, 0x00, sizeof chromium_init, "a_rwnd below 1500 (cleared below)"},
      {27, 0x09, sizeof chromium_init, "a parameter running past the chunk"},
      {0, 0x01, 19, "truncated"},
      {0, 0x01, sizeof chromium_init + 4, "more than 3 bytes after the chunk"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    memset(b, 0, sizeof b);
    memcpy(b, chromium_init, sizeof chromium_init);
    b[cases[i].at] = cases[i].v;
    if (i == 3) memset(b + 4, 0, 4);
    if (i == 4) memset(b + 12, 0, 2);
    if (i == 5) memset(b + 8, 0, 4), b[11] = 0x10;
    cr_assert_eq(csctp_snap_init_check(b, cases[i].len), CSCTP_ERR_MALFORMED, "%s", cases[i].what);
    cr_assert_eq(csctp_assoc_snap_establish(x.a, b, cases[i].len, 0), CSCTP_ERR_MALFORMED, "%s",
                 cases[i].what);
    cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_CLOSED, "%s", cases[i].what);
  }
  /* Padding of zero bytes after the chunk is fine; non-zero padding is not. */
  memcpy(b, chromium_init, sizeof chromium_init);
  b[30] = b[31] = 0;
  cr_assert_eq(csctp_snap_init_check(b, 32), 0);
  b[31] = 1;
  cr_assert_eq(csctp_snap_init_check(b, 32), CSCTP_ERR_MALFORMED);
  cr_assert_eq(csctp_snap_init_check(NULL, 30), CSCTP_ERR_INVALID_ARGUMENT);
  /* Our own INIT handed back (a peer echoing attributes it does not know). */
  int own = csctp_assoc_snap_establish(x.a, ix, (size_t)nx, 0);
  cr_assert_eq(own, CSCTP_ERR_INVALID_ARGUMENT, "own INIT: %d", own);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_CLOSED);
  /* SNAP not used after all: the four-way handshake still works. */
  side y;
  side_new(&y, 5);
  establish(&x, &y, 0);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}
