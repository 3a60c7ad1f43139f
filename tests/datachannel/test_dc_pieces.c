/* SPDX-License-Identifier: MIT */
/* Messages larger than the receive window through data channels: the association hands them
 * out in pieces (csctp_config.partial_delivery_point) and the data-channel layer joins them,
 * so the application sees each message whole, text stays text and binary binary. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "dc_pair.h"

#define MIB (1024u * 1024u)

static void small_window(csctp_config *c) {
  c->rwnd = 256 * 1024;
  c->partial_delivery_point = 32 * 1024;
  c->max_message_size = 16 * MIB;
  c->sndbuf = 32 * MIB;
  c->association_max_retrans = 100;
}

typedef struct got {
  csctp_dc_channel ch;
  int n;
  size_t len[8];
  int is_text[8];
  uint32_t bad;
} got;

static const size_t sizes[] = {6 * MIB, 1000, 5 * MIB + 3, 1};

static uint8_t byte_at(int msg, size_t off) { return (uint8_t)(off * 7 + msg * 13 + (off >> 11)); }

static void hook(dc_pair *p, int side, const csctp_dc_event *ev) {
  got *g = p->user;
  if (side != 1) return;
  if (ev->type == CSCTP_DC_EVENT_OPEN) g->ch = ev->channel;
  if (ev->type != CSCTP_DC_EVENT_MESSAGE || g->n >= 8) return;
  int i = g->n++;
  g->len[i] = ev->u.message.len;
  g->is_text[i] = ev->u.message.is_text;
  for (size_t k = 0; k < ev->u.message.len; k++)
    if (ev->u.message.data[k] != byte_at(i, k)) {
      g->bad++;
      break;
    }
}

static int four(csctp_simlink *l, void *u) {
  (void)l;
  return ((got *)((dc_pair *)u)->user)->n == 4;
}

static void run(double loss, uint64_t seed) {
  csctp_simlink_config lc;
  csctp_simlink_config_default(&lc);
  lc.seed = seed;
  lc.dir[0].loss = lc.dir[1].loss = loss;
  lc.dir[0].bandwidth = lc.dir[1].bandwidth = 50u * 1000 * 1000;
  lc.dir[0].queue_bytes = lc.dir[1].queue_bytes = 512 * 1024;
  dc_pair p;
  got g;
  memset(&g, 0, sizeof g);
  dc_pair_new(&p, &lc, small_window, 0, NULL);
  p.user = &g;
  p.hook = hook;
  p.s[0].record = p.s[1].record = 0;
  dc_pair_connect(&p);
  csctp_dc_set_max_message_size(p.s[0].dc, 16 * MIB); /* the peer's a=max-message-size */
  csctp_dc_init in = {.label = "files"};
  csctp_dc_channel ch;
  cr_assert_eq(csctp_dc_open(p.s[0].dc, &in, dc_pair_now(&p), &ch), 0);
  uint8_t *buf = malloc(6 * MIB);
  cr_assert_not_null(buf);
  for (int i = 0; i < 4; i++) {
    for (size_t k = 0; k < sizes[i]; k++) buf[k] = byte_at(i, k);
    cr_assert_eq(csctp_dc_send(p.s[0].dc, ch, i % 2, buf, sizes[i], dc_pair_now(&p)), 0);
  }
  free(buf);
  csctp_simlink_stop stop = dc_pair_run(&p, four, 600 * CSCTP_SECONDS);
  cr_assert_eq(stop, CSCTP_SIMLINK_DONE, "%d of 4 messages (%s)", g.n,
               csctp_simlink_stop_name(stop));
  cr_assert_eq(g.bad, 0, "every byte in place");
  for (int i = 0; i < 4; i++) {
    cr_assert_eq(g.len[i], sizes[i], "message %d: %zu bytes", i, g.len[i]);
    cr_assert_eq(g.is_text[i], i % 2);
  }
  csctp_dc_stats st;
  csctp_dc_get_stats(p.s[1].dc, &st);
  cr_assert_eq(st.pieces_joined, 2, "the two large messages came in pieces (%llu)",
               (unsigned long long)st.pieces_joined);
  cr_assert_eq(st.messages_in, 4);
  dc_pair_del(&p);
}

Test(dc_pieces, messages_24_times_the_window_arrive_whole, .timeout = 300) { run(0, 1); }
Test(dc_pieces, messages_24_times_the_window_arrive_whole_2pct_loss, .timeout = 300) {
  run(0.02, 2);
}
