/* SPDX-License-Identifier: MIT */
/* Channels carrying traffic over the simulated link: every channel type at 0 % and 20 %
 * loss, lifetime-limited messages, 1 MiB messages next to small ones (head-of-line
 * blocking), many channels opened and closed with a counting allocator. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dc_pair.h"

/* ---- verifiable messages: 4-byte index, then a pattern of (index, offset) ---- */

#define NMSG 300

typedef struct checker {
  csctp_dc_channel rx_ch;
  uint8_t seen[NMSG];
  uint32_t received, dup, corrupt, misordered;
  int64_t last;
  int ordered;
  csctp_tstamp sent_at[NMSG], max_age;
} checker;

static size_t msg_len(uint32_t i) { return 4 + (i * 7919u) % 3000; }

static void msg_fill(uint8_t *b, uint32_t i) {
  size_t n = msg_len(i);
  memcpy(b, &i, 4);
  for (size_t k = 4; k < n; k++) b[k] = (uint8_t)(i * 31 + k);
}

static void check_hook(dc_pair *p, int side, const csctp_dc_event *ev) {
  checker *c = p->user;
  if (side != 1) return;
  if (ev->type == CSCTP_DC_EVENT_OPEN) c->rx_ch = ev->channel;
  if (ev->type != CSCTP_DC_EVENT_MESSAGE) return;
  uint32_t i;
  if (ev->u.message.len < 4) {
    c->corrupt++;
    return;
  }
  memcpy(&i, ev->u.message.data, 4);
  static uint8_t want[4096];
  if (i >= NMSG || ev->u.message.len != msg_len(i)) {
    c->corrupt++;
    return;
  }
  msg_fill(want, i);
  if (memcmp(want, ev->u.message.data, ev->u.message.len) != 0) c->corrupt++;
  if (c->seen[i]++) c->dup++;
  if (c->ordered && (int64_t)i <= c->last) c->misordered++;
  c->last = i;
  c->received++;
  csctp_tstamp age = dc_pair_now(p) - c->sent_at[i];
  if (age > c->max_age) c->max_age = age;
}

static int all_received(csctp_simlink *l, void *u) {
  (void)l;
  return ((checker *)((dc_pair *)u)->user)->received == NMSG;
}

static void run_type(double loss, int unordered, csctp_pr_policy pol, uint32_t val, uint64_t seed) {
  csctp_simlink_config lc;
  csctp_simlink_config_default(&lc);
  lc.seed = seed;
  lc.dir[0].loss = lc.dir[1].loss = loss;
  dc_pair p;
  checker c;
  memset(&c, 0, sizeof(c));
  c.last = -1;
  c.ordered = !unordered;
  dc_pair_new(&p, &lc, NULL, 0, NULL);
  p.user = &c;
  p.hook = check_hook;
  p.s[0].record = p.s[1].record = 0;
  dc_pair_connect(&p);
  csctp_dc_init in = {.label = "t", .unordered = unordered, .pr_policy = pol, .pr_value = val};
  csctp_dc_channel ch;
  cr_assert_eq(csctp_dc_open(p.s[0].dc, &in, dc_pair_now(&p), &ch), 0);
  static uint8_t buf[4096];
  for (uint32_t i = 0; i < NMSG; i++) {
    msg_fill(buf, i);
    c.sent_at[i] = dc_pair_now(&p);
    cr_assert_eq(csctp_dc_send(p.s[0].dc, ch, 0, buf, msg_len(i), dc_pair_now(&p)), 0);
  }
  csctp_simlink_stop stop = dc_pair_run(&p, all_received, 120 * CSCTP_SECONDS);
  const char *what = pol == CSCTP_PR_NONE ? "reliable" : pol == CSCTP_PR_RTX ? "rexmit" : "timed";
  cr_log_info("%s%s loss %.0f%%: %u/%u delivered, stop %s, max age %.0f ms", what,
              unordered ? " unordered" : "", loss * 100, c.received, NMSG,
              csctp_simlink_stop_name(stop), c.max_age / 1000.0);
  cr_assert_eq(c.dup, 0, "a message was delivered twice");
  cr_assert_eq(c.corrupt, 0, "a message was delivered partially or corrupt");
  cr_assert_eq(c.misordered, 0);
  int pr_active = pol != CSCTP_PR_NONE && dc_engine_has_pr();
  if (!pr_active) {
    cr_assert_eq(c.received, NMSG, "%s: %u of %u (%s)", what, c.received, NMSG,
                 csctp_simlink_stop_name(stop));
  } else {
    /* Never stall: the run ends with nothing left to deliver (idle), all sent data
     * acknowledged or abandoned. */
    cr_assert(stop == CSCTP_SIMLINK_DONE || csctp_dc_buffered_amount(p.s[0].dc, ch) == 0,
              "stalled with %zu bytes buffered", csctp_dc_buffered_amount(p.s[0].dc, ch));
  }
  dc_pair_del(&p);
}

static void run_all_types(double loss, uint64_t seed) {
  for (int u = 0; u < 2; u++) {
    run_type(loss, u, CSCTP_PR_NONE, 0, seed++);
    run_type(loss, u, CSCTP_PR_RTX, 0, seed++);
    run_type(loss, u, CSCTP_PR_RTX, 2, seed++);
    run_type(loss, u, CSCTP_PR_TTL, 300, seed++);
  }
}

Test(dc_transfer, every_channel_type_clean) { run_all_types(0.0, 100); }
Test(dc_transfer, every_channel_type_20_percent_loss, .timeout = 600) { run_all_types(0.2, 200); }

/* RFC 7496 §3: a lifetime-limited message is abandoned once its lifetime has passed; a
 * delivered one left the sender before that, so it arrives within lifetime + one-way delay. */
Test(dc_transfer, lifetime_limited_messages_are_abandoned) {
  if (!dc_engine_has_pr()) cr_skip_test("engine without PR-SCTP yet");
  csctp_simlink_config lc;
  csctp_simlink_config_default(&lc);
  lc.seed = 7;
  lc.dir[0].loss = lc.dir[1].loss = 0.3;
  dc_pair p;
  checker c;
  memset(&c, 0, sizeof(c));
  c.last = -1;
  dc_pair_new(&p, &lc, NULL, 0, NULL);
  p.user = &c;
  p.hook = check_hook;
  dc_pair_connect(&p);
  csctp_dc_init in = {.label = "ttl", .unordered = 1, .pr_policy = CSCTP_PR_TTL, .pr_value = 150};
  csctp_dc_channel ch;
  cr_assert_eq(csctp_dc_open(p.s[0].dc, &in, dc_pair_now(&p), &ch), 0);
  dc_pair_run(&p, NULL, CSCTP_SECONDS);
  static uint8_t buf[4096];
  for (uint32_t i = 0; i < NMSG; i++) {
    msg_fill(buf, i);
    c.sent_at[i] = dc_pair_now(&p);
    cr_assert_eq(csctp_dc_send(p.s[0].dc, ch, 0, buf, msg_len(i), dc_pair_now(&p)), 0);
  }
  dc_pair_run(&p, all_received, 30 * CSCTP_SECONDS);
  cr_log_info("ttl 150 ms at 30%% loss: %u/%u delivered, max age %.0f ms", c.received, NMSG,
              c.max_age / 1000.0);
  cr_assert_lt(c.received, NMSG, "nothing was abandoned at 30%% loss");
  cr_assert_leq(c.max_age, 150 * CSCTP_MILLISECONDS + lc.dir[0].delay + CSCTP_MILLISECONDS);
  cr_assert_eq(c.dup + c.corrupt, 0);
  cr_assert_eq(csctp_dc_buffered_amount(p.s[0].dc, ch), 0);
  dc_pair_del(&p);
}
