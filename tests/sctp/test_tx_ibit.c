/* SPDX-License-Identifier: MIT */
/*
 * The RFC 7053 I bit as sent (src/tx.c, src/tx_idata.c): set on the last DATA or I-DATA chunk
 * written before the sender goes idle (nothing queued after it), on no other, and the
 * receiver's SACK for it leaves at once instead of after its delayed-SACK timer. Two engines
 * on a simulated link (25 ms each way), the wire read through the link's tap.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "chunk.h"
#include "packet.h"
#include "prng.h"
#include "simlink.h"

#define MAXC 256

typedef struct tapped {
  int n;
  uint32_t tsn[MAXC];
  uint8_t flags[MAXC];
  csctp_tstamp sent[MAXC];
  int nsack;
  uint32_t sack_cum[MAXC];
  csctp_tstamp sack_at[MAXC];
} tapped;

static int tap(csctp_simlink *link, int dir, uint8_t *pkt, size_t *len, size_t cap, void *user) {
  (void)cap;
  tapped *t = user;
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, pkt, *len);
  while (csctp_chunk_next(&it, &ch) == 1) {
    if (dir == 0 && (ch.type == CSCTP_CHUNK_DATA || ch.type == CSCTP_CHUNK_IDATA) && t->n < MAXC) {
      t->tsn[t->n] = csctp_get_u32(ch.value);
      t->flags[t->n] = ch.flags;
      t->sent[t->n++] = csctp_simlink_now(link);
    }
    if (dir == 1 && ch.type == CSCTP_CHUNK_SACK && t->nsack < MAXC) {
      t->sack_cum[t->nsack] = csctp_get_u32(ch.value);
      t->sack_at[t->nsack++] = csctp_simlink_now(link);
    }
  }
  return 0;
}

static int both_up(csctp_simlink *link, void *user) {
  csctp_assoc **as = user;
  (void)link;
  return csctp_assoc_get_state(as[0]) == CSCTP_STATE_ESTABLISHED &&
         csctp_assoc_get_state(as[1]) == CSCTP_STATE_ESTABLISHED;
}

typedef struct pair {
  csctp_prng rng[2];
  csctp_assoc *as[2];
  csctp_simlink *link;
  tapped t;
} pair;

static void pair_up(pair *p, int interleaving) {
  memset(p, 0, sizeof(*p));
  for (int s = 0; s < 2; s++) {
    csctp_prng_seed(&p->rng[s], 700 + (uint64_t)s);
    csctp_config c;
    csctp_config_default(&c);
    c.rand = csctp_prng_rand_fn;
    c.rand_user_data = &p->rng[s];
    c.interleaving = interleaving;
    cr_assert_eq(csctp_assoc_new(&p->as[s], &c), 0);
  }
  csctp_simlink_config lc;
  csctp_simlink_config_default(&lc);
  p->link = csctp_simlink_new(&lc);
  csctp_simlink_attach_assocs(p->link, p->as[0], p->as[1]);
  cr_assert_eq(csctp_assoc_connect(p->as[0], csctp_simlink_now(p->link)), 0);
  cr_assert_eq(csctp_simlink_run_until(p->link, both_up, p->as, 10 * CSCTP_SECONDS),
               CSCTP_SIMLINK_DONE);
  csctp_simlink_set_tap(p->link, tap, &p->t);
}

static void pair_down(pair *p) {
  csctp_simlink_del(p->link);
  csctp_assoc_del(p->as[0]);
  csctp_assoc_del(p->as[1]);
}

static void send_n(pair *p, int n, size_t len) {
  static uint8_t buf[4000];
  csctp_send_opts o = {.stream = 1, .ppid = 51};
  for (int i = 0; i < n; i++)
    cr_assert_eq(csctp_assoc_send(p->as[0], &o, buf, len, csctp_simlink_now(p->link)), 0);
}

/* When the first SACK acknowledging `tsn` left B. */
static csctp_tstamp sack_time(const tapped *t, uint32_t tsn) {
  for (int i = 0; i < t->nsack; i++)
    if ((int32_t)(t->sack_cum[i] - tsn) >= 0) return t->sack_at[i];
  return CSCTP_TSTAMP_NONE;
}

/* A burst of 5 one-packet messages: only the fifth (the last before A goes idle) has the I
 * bit, and B acknowledges it on arrival (25 ms later), not 200 ms after (its SACK timer). */
static void burst_then_idle(int interleaving) {
  pair p;
  pair_up(&p, interleaving);
  send_n(&p, 5, 1000);
  csctp_simlink_run_until(p.link, NULL, NULL, 2 * CSCTP_SECONDS);
  cr_assert_eq(p.t.n, 5, "five chunks, none retransmitted");
  for (int i = 0; i < 4; i++)
    cr_assert_eq(p.t.flags[i] & CSCTP_DATA_FLAG_I, 0, "chunk %d: more was queued after it", i);
  cr_assert_neq(p.t.flags[4] & CSCTP_DATA_FLAG_I, 0, "the last one: A goes idle");
  csctp_tstamp at = sack_time(&p.t, p.t.tsn[4]);
  cr_assert_neq(at, CSCTP_TSTAMP_NONE);
  cr_assert_eq(at, p.t.sent[4] + 25 * CSCTP_MILLISECONDS, "SACKed on arrival, not delayed");
  /* A second, single message later: the I bit again, SACKed at once again. */
  send_n(&p, 1, 100);
  csctp_simlink_run_until(p.link, NULL, NULL, 2 * CSCTP_SECONDS);
  cr_assert_eq(p.t.n, 6);
  cr_assert_neq(p.t.flags[5] & CSCTP_DATA_FLAG_I, 0);
  cr_assert_eq(sack_time(&p.t, p.t.tsn[5]), p.t.sent[5] + 25 * CSCTP_MILLISECONDS);
  pair_down(&p);
}

Test(tx_ibit, data_last_chunk_before_idle) { burst_then_idle(0); }

Test(tx_ibit, idata_last_chunk_before_idle) { burst_then_idle(1); }

/* A message in fragments: the I bit is on its last fragment only. */
Test(tx_ibit, fragmented_message_last_fragment_only) {
  pair p;
  pair_up(&p, 0);
  send_n(&p, 1, 3500); /* three fragments at MTU 1200 */
  csctp_simlink_run_until(p.link, NULL, NULL, 2 * CSCTP_SECONDS);
  cr_assert_eq(p.t.n, 3);
  cr_assert_eq(p.t.flags[0] & CSCTP_DATA_FLAG_I, 0);
  cr_assert_eq(p.t.flags[1] & CSCTP_DATA_FLAG_I, 0);
  cr_assert_neq(p.t.flags[2] & (CSCTP_DATA_FLAG_I | CSCTP_DATA_FLAG_E), 0);
  cr_assert_neq(p.t.flags[2] & CSCTP_DATA_FLAG_I, 0);
  cr_assert_eq(sack_time(&p.t, p.t.tsn[2]), p.t.sent[2] + 25 * CSCTP_MILLISECONDS);
  pair_down(&p);
}

/* ---- on request: csctp_assoc_send_ex(CSCTP_SEND_SACK_IMMEDIATELY) ---- */

static void send_flagged(pair *p, size_t len, unsigned flags) {
  static uint8_t buf[4000];
  csctp_send_opts o = {.stream = 1, .ppid = 51};
  cr_assert_eq(csctp_assoc_send_ex(p->as[0], &o, flags, buf, len, csctp_simlink_now(p->link)), 0);
}

/* Messages queued together, one packet each: the flagged one in the middle gets the I bit on
 * its last fragment (and B acknowledges it on arrival), the one after it does not, the last
 * one before idle does. Without the request, the middle one would have waited for the SACK
 * of the one after it. */
static void requested_mid_burst(int interleaving) {
  pair p;
  pair_up(&p, interleaving);
  send_n(&p, 1, 1000);
  send_flagged(&p, 3500, CSCTP_SEND_SACK_IMMEDIATELY); /* three fragments */
  send_n(&p, 2, 1000);
  csctp_simlink_run_until(p.link, NULL, NULL, 2 * CSCTP_SECONDS);
  cr_assert_eq(p.t.n, 6, "1 + 3 fragments + 2 chunks, none retransmitted");
  const int want_i[6] = {0, 0, 0, 1, 0, 1};
  for (int i = 0; i < 6; i++)
    cr_assert_eq((p.t.flags[i] & CSCTP_DATA_FLAG_I) != 0, want_i[i], "chunk %d: I bit %s", i,
                 want_i[i] ? "expected" : "not expected");
  cr_assert_neq(p.t.flags[3] & CSCTP_DATA_FLAG_E, 0, "the flagged message's last fragment");
  /* The I-bit chunk went with the next one's packet or alone; either way B answers the packet
   * that carries it on arrival. */
  cr_assert_eq(sack_time(&p.t, p.t.tsn[3]), p.t.sent[3] + 25 * CSCTP_MILLISECONDS,
               "SACKed on arrival");
  csctp_stats st;
  cr_assert_eq(csctp_assoc_get_stats(p.as[0], &st), 0);
  cr_assert_eq(st.retransmissions, 0);
  pair_down(&p);
}

Test(tx_ibit, requested_data) { requested_mid_burst(0); }

Test(tx_ibit, requested_idata) { requested_mid_burst(1); }

/* Unknown flags are refused and change nothing; flag 0 is csctp_assoc_send(). */
Test(tx_ibit, send_ex_flags_checked) {
  pair p;
  pair_up(&p, 0);
  uint8_t b[10] = {0};
  csctp_send_opts o = {.stream = 1, .ppid = 51};
  csctp_tstamp now = csctp_simlink_now(p.link);
  cr_assert_eq(csctp_assoc_send_ex(p.as[0], &o, 1u << 5, b, sizeof b, now),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_assoc_buffered_amount(p.as[0]), 0);
  cr_assert_eq(csctp_assoc_send_ex(p.as[0], NULL, 0, b, sizeof b, now), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_assoc_send_ex(p.as[0], &o, 0, b, sizeof b, now), 0);
  cr_assert_eq(csctp_assoc_buffered_amount(p.as[0]), sizeof b);
  pair_down(&p);
}
