/* SPDX-License-Identifier: MIT */
/*
 * Engine regressions found by the Node.js `sctp` interop (tests/transport/test_node.c), on two
 * associations in memory: what the SHUTDOWN sender sends for DATA it has not acknowledged yet.
 *
 * 1. RFC 9260 §9.2, a MUST: "While in the SHUTDOWN-SENT state, the SHUTDOWN sender MUST
 *    immediately respond to each received packet containing one or more DATA chunks with a
 *    SHUTDOWN chunk [...]. If a SHUTDOWN chunk by itself cannot acknowledge all of the received
 *    DATA chunks (i.e., there are TSNs that can be acknowledged that are larger than the
 *    cumulative TSN, and thus gaps exist in the TSN sequence), or if duplicate TSNs have been
 *    received, then a SACK chunk MUST also be sent." The engine answered a duplicate with a
 *    SHUTDOWN alone (assoc.c skipped the SACK whenever a SHUTDOWN went out in SHUTDOWN-SENT).
 * 2. Interop (no MUST): when shutdown() was called with a delayed SACK pending, the engine folded
 *    that SACK into the SHUTDOWN's cumulative TSN ack. The Node module ignores that field (it
 *    should check it, §9.2) and, once in SHUTDOWN-RECEIVED with data it believes outstanding,
 *    discards every later SHUTDOWN and never sends SHUTDOWN ACK: the association hangs until
 *    our T2 gives up. Sending the pending SACK in the same packet, before the SHUTDOWN, costs
 *    20 bytes and fixes it (bundling SACK with SHUTDOWN is allowed; §6.2 asks for a SACK for
 *    received DATA anyway).
 *
 * Both failed before commit c775775 (SACK bundled with SHUTDOWN in SHUTDOWN-SENT); kept as
 * regression tests.
 */
#include <criterion/criterion.h>
#include <csctp/sctp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 ((csctp_tstamp)1000000)

static int fake_rand(uint8_t *buf, size_t len, void *ud) {
  uint32_t *s = ud;
  for (size_t i = 0; i < len; i++) {
    *s = *s * 1103515245u + 12345u;
    buf[i] = (uint8_t)(*s >> 16);
  }
  return 0;
}

static uint32_t seed_a = 1, seed_b = 2;
static csctp_assoc *A, *B;

static void new_pair(void) {
  csctp_config c;
  csctp_config_default(&c);
  c.rand = fake_rand;
  c.rand_user_data = &seed_a;
  cr_assert_eq(csctp_assoc_new(&A, &c), 0);
  c.rand_user_data = &seed_b;
  cr_assert_eq(csctp_assoc_new(&B, &c), 0);
}

/* Moves every packet from `from` to `to`; returns how many. */
static int pass(csctp_assoc *from, csctp_assoc *to, csctp_tstamp now) {
  uint8_t buf[2048];
  csctp_ssize n;
  int k = 0;
  while ((n = csctp_assoc_write_packet(from, buf, sizeof(buf), now)) > 0) {
    csctp_assoc_read_packet(to, buf, (size_t)n, now);
    k++;
  }
  return k;
}

static void drain_events(csctp_assoc *a) {
  csctp_event ev;
  while (csctp_assoc_poll_event(a, &ev)) {}
}

/* The chunk types of one packet, in order, as a string like "3,7". */
static void chunk_types(const uint8_t *p, size_t len, char *out, size_t cap) {
  out[0] = 0;
  for (size_t off = 12; off + 4 <= len;) {
    size_t clen = (size_t)p[off + 2] << 8 | p[off + 3];
    if (clen < 4) break;
    size_t used = strlen(out);
    snprintf(out + used, cap - used, "%s%u", used ? "," : "", p[off]);
    off += (clen + 3) & ~(size_t)3;
  }
}

/* Writes B's packets, joining their chunk types with ";". */
static void b_output(csctp_tstamp now, char *out, size_t cap) {
  uint8_t buf[2048];
  char one[128];
  csctp_ssize n;
  out[0] = 0;
  while ((n = csctp_assoc_write_packet(B, buf, sizeof(buf), now)) > 0) {
    chunk_types(buf, (size_t)n, one, sizeof(one));
    size_t used = strlen(out);
    snprintf(out + used, cap - used, "%s%s", used ? ";" : "", one);
  }
}

/* Established A -> B; A sends one message whose packet is delivered to B (and kept in pkt). */
static size_t setup_data_at_b(uint8_t *pkt, size_t cap) {
  new_pair();
  cr_assert_eq(csctp_assoc_connect(A, T0), 0);
  for (int i = 0; i < 4; i++) {
    pass(A, B, T0);
    pass(B, A, T0);
  }
  cr_assert_eq(csctp_assoc_get_state(A), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_get_state(B), CSCTP_STATE_ESTABLISHED);
  drain_events(A);
  drain_events(B);
  static const uint8_t msg[100];
  csctp_send_opts o = {.stream = 1, .ppid = 53};
  cr_assert_eq(csctp_assoc_send(A, &o, msg, sizeof(msg), T0), 0);
  csctp_ssize n = csctp_assoc_write_packet(A, pkt, cap, T0);
  cr_assert_gt(n, 0);
  cr_assert_eq(csctp_assoc_read_packet(B, pkt, (size_t)n, T0), 0);
  drain_events(B);
  return (size_t)n;
}

static void fini(void) {
  csctp_assoc_del(A);
  csctp_assoc_del(B);
  A = B = NULL;
}

TestSuite(shutdown_sack, .fini = fini);

/* §9.2 MUST: a duplicate DATA in SHUTDOWN-SENT gets a SACK besides the SHUTDOWN. */
Test(shutdown_sack, duplicate_in_shutdown_sent_gets_a_sack) {
  uint8_t pkt[2048];
  char out[256];
  size_t n = setup_data_at_b(pkt, sizeof(pkt));
  cr_assert_eq(csctp_assoc_shutdown(B, T0 + 1000), 0);
  cr_assert_eq(csctp_assoc_get_state(B), CSCTP_STATE_SHUTDOWN_SENT);
  b_output(T0 + 1000, out, sizeof(out));
  /* A retransmits the same DATA (its T3, or a peer that ignores the SHUTDOWN's ack). */
  cr_assert_eq(csctp_assoc_read_packet(B, pkt, n, T0 + 2000), 0);
  b_output(T0 + 2000, out, sizeof(out));
  fprintf(stderr, "B after a duplicate DATA in SHUTDOWN-SENT: [%s]\n", out);
  cr_assert(strstr(out, "3") != NULL && strstr(out, "7") != NULL,
            "B answered a duplicate TSN in SHUTDOWN-SENT with chunks [%s]; RFC 9260 §9.2 wants "
            "a SACK (3) as well as the SHUTDOWN (7)",
            out);
}

/* Interop: the delayed SACK owed at shutdown() goes out before (or with) the SHUTDOWN. */
Test(shutdown_sack, pending_sack_is_sent_with_the_shutdown) {
  uint8_t pkt[2048];
  char out[256];
  setup_data_at_b(pkt, sizeof(pkt));
  /* One DATA packet with the default sack_freq (2): B's SACK is delayed. */
  cr_assert_eq(csctp_assoc_shutdown(B, T0 + 1000), 0);
  b_output(T0 + 1000, out, sizeof(out));
  fprintf(stderr, "B after shutdown() with a SACK pending: [%s]\n", out);
  const char *sack = strstr(out, "3"), *shut = strstr(out, "7");
  cr_assert(sack && shut && sack < shut,
            "B's output after shutdown() with a SACK pending: [%s]; expected a SACK (3) before "
            "the SHUTDOWN (7)",
            out);
}
