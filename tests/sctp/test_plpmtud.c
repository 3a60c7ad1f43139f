/* SPDX-License-Identifier: MIT */
/*
 * PLPMTUD (RFC 8899 §6.2, src/plpmtud.c, src/assoc_plpmtud.c) and the PAD chunk (RFC 4820).
 * The state machine against a path of a known MTU (probes up to it answered, larger ones
 * lost); then two engines across the simulated link, whose MTU the test sets and changes
 * through a tap: a packet over the limit is lost unless the sender said it may be
 * fragmented. Expected sizes come from the path the test sets, never from the code.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "assoc.h"
#include "crc32c.h"
#include "packet.h"
#include "plpmtud.h"
#include "prng.h"
#include "simlink.h"

#define MS CSCTP_MILLISECONDS

/* ---- the state machine on a path of MTU `path` (SCTP packet bytes) ---- */

typedef struct pl_run {
  unsigned probes, failures; /* probes sent; sizes given up */
} pl_run;

/* Drives `pl` until SEARCH_COMPLETE (or `max_steps`), answering probes up to `path` after a
 * 50 ms round trip and losing larger ones (their timer runs out). */
static void pl_drive(csctp_pl *pl, uint32_t path, csctp_tstamp *now, pl_run *r, int max_steps) {
  for (int i = 0; i < max_steps && pl->state != CSCTP_PL_SEARCH_COMPLETE; i++) {
    if (pl->want_probe) {
      uint32_t size = pl->probed;
      csctp_pl_probe_sent(pl, *now);
      r->probes++;
      if (size <= path) {
        *now += 50 * MS;
        csctp_pl_probe_acked(pl, size, *now);
        continue;
      }
    }
    cr_assert_neq(pl->timer, CSCTP_TSTAMP_NONE, "no probe due and no timer (state %d)", pl->state);
    *now = pl->timer;
    uint32_t high = pl->high;
    csctp_pl_on_timer(pl, *now);
    if (pl->high != high) r->failures++;
  }
}

static void pl_new(csctp_pl *pl, uint32_t base, uint32_t max) {
  csctp_pl_init(pl, base, max, 1000, 600000);
  csctp_pl_start(pl, 0);
  cr_assert_eq(pl->state, CSCTP_PL_BASE);
  cr_assert_eq(pl->probed, base, "BASE_PLPMTU is confirmed first");
}

Test(plpmtud, search_ends_at_the_path_mtu) {
  static const uint32_t paths[] = {1200, 1280, 1396, 1400, 1500, 2000, 4096, 8996, 9000};
  for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++) {
    csctp_pl pl;
    pl_new(&pl, 1200, 9000);
    csctp_tstamp now = 0;
    pl_run r = {0};
    pl_drive(&pl, paths[k], &now, &r, 100000);
    cr_assert_eq(pl.state, CSCTP_PL_SEARCH_COMPLETE, "path %u", paths[k]);
    cr_assert_eq(pl.plpmtu, paths[k], "path %u: PLPMTU %u", paths[k], pl.plpmtu);
    /* Steps of 32 then a halving search: a handful of sizes fail, each after MAX_PROBES. */
    cr_assert_leq(r.failures, 4, "path %u: %u sizes failed", paths[k], r.failures);
    cr_assert_eq(pl.probes_lost, (uint64_t)r.failures * CSCTP_PL_MAX_PROBES, "path %u", paths[k]);
    cr_assert_leq(now, (csctp_tstamp)20 * CSCTP_SECONDS + (csctp_tstamp)r.probes * 50 * MS,
                  "path %u", paths[k]);
  }
}

Test(plpmtud, a_path_not_a_multiple_of_four_rounds_down) {
  csctp_pl pl;
  pl_new(&pl, 1200, 9000);
  csctp_tstamp now = 0;
  pl_run r = {0};
  pl_drive(&pl, 1471, &now, &r, 100000);
  cr_assert_eq(pl.plpmtu, 1468);
}

Test(plpmtud, max_is_never_exceeded) {
  csctp_pl pl;
  pl_new(&pl, 1200, 1333);
  csctp_tstamp now = 0;
  pl_run r = {0};
  pl_drive(&pl, 65535, &now, &r, 100000);
  cr_assert_eq(pl.plpmtu, 1332, "MAX_PLPMTU rounded down to 4");
  cr_assert_eq(r.failures, 0);
}

Test(plpmtud, a_size_fails_after_max_probes_only) {
  csctp_pl pl;
  pl_new(&pl, 1200, 9000);
  csctp_tstamp now = 0;
  cr_assert_eq(csctp_pl_probe_acked(&pl, 1200, now), 0, "no probe of 1200 was sent yet: ignored");
  csctp_pl_probe_sent(&pl, now);
  cr_assert_eq(csctp_pl_probe_acked(&pl, 1200, now), 0, "BASE confirmed: the size in use stays");
  cr_assert_eq(pl.state, CSCTP_PL_SEARCHING);
  cr_assert_eq(pl.probed, 1232);
  for (unsigned i = 0; i < CSCTP_PL_MAX_PROBES; i++) {
    cr_assert(pl.want_probe, "probe %u of 1232 not asked for", i + 1);
    cr_assert_eq(pl.probed, 1232);
    csctp_pl_probe_sent(&pl, now);
    cr_assert_eq(csctp_pl_on_timer(&pl, now + 999 * MS), 0, "PROBE_TIMER ran out early");
    now += 1000 * MS;
    csctp_pl_on_timer(&pl, now);
  }
  cr_assert_eq(pl.high, 1232, "1232 failed after MAX_PROBES");
  cr_assert_eq(pl.plpmtu, 1200);
  /* A late answer to a size given up changes nothing. */
  cr_assert_eq(csctp_pl_probe_acked(&pl, 1232, now), 0);
  cr_assert_eq(pl.plpmtu, 1200);
}

Test(plpmtud, base_that_does_not_pass_is_the_error_state) {
  csctp_pl pl;
  pl_new(&pl, 1200, 9000);
  csctp_tstamp now = 0;
  pl_run r = {0};
  pl_drive(&pl, 1000, &now, &r, 3 * (int)CSCTP_PL_MAX_PROBES);
  cr_assert_eq(pl.state, CSCTP_PL_ERROR);
  cr_assert_eq(pl.plpmtu, CSCTP_PL_MIN, "MIN_PLPMTU in the ERROR state");
  cr_assert(pl.want_probe && pl.probed == 1200, "BASE_PLPMTU is tried again");
  /* The path heals: BASE passes, the search resumes and finds it. */
  pl_drive(&pl, 1300, &now, &r, 100000);
  cr_assert_eq(pl.plpmtu, 1300);
}

Test(plpmtud, black_hole_falls_back_to_base_and_searches_again) {
  csctp_pl pl;
  pl_new(&pl, 1200, 9000);
  csctp_tstamp now = 0;
  pl_run r = {0};
  pl_drive(&pl, 1500, &now, &r, 100000);
  cr_assert_eq(pl.plpmtu, 1500);
  cr_assert_eq(csctp_pl_black_hole(&pl, now), 1);
  cr_assert_eq(pl.plpmtu, 1200);
  cr_assert_eq(pl.state, CSCTP_PL_BASE);
  cr_assert_eq(csctp_pl_black_hole(&pl, now), 0, "already at BASE_PLPMTU");
  pl_drive(&pl, 1280, &now, &r, 100000);
  cr_assert_eq(pl.plpmtu, 1280, "the smaller path is found");
}

Test(plpmtud, raise_timer_finds_a_path_that_grew) {
  csctp_pl pl;
  pl_new(&pl, 1200, 9000);
  csctp_tstamp now = 0;
  pl_run r = {0};
  pl_drive(&pl, 1500, &now, &r, 100000);
  csctp_tstamp done = now;
  cr_assert_eq(pl.timer, done + 600 * CSCTP_SECONDS, "PMTU_RAISE_TIMER armed");
  now = pl.timer;
  csctp_pl_on_timer(&pl, now);
  cr_assert_eq(pl.state, CSCTP_PL_SEARCHING);
  pl_drive(&pl, 4000, &now, &r, 100000);
  cr_assert_eq(pl.plpmtu, 4000);
}

Test(plpmtud, disabled_keeps_the_configured_size) {
  csctp_pl pl;
  csctp_pl_init(&pl, 1201, 0, 1000, 1000);
  csctp_pl_start(&pl, 0);
  cr_assert_eq(pl.state, CSCTP_PL_DISABLED);
  cr_assert_eq(pl.plpmtu, 1201, "off: the mtu as configured, not rounded");
  cr_assert_not(pl.want_probe);
  cr_assert_eq(pl.timer, CSCTP_TSTAMP_NONE);
  cr_assert_eq(csctp_pl_black_hole(&pl, 0), 0);
}

/* ---- two engines, the link's MTU set by a tap ---- */

typedef struct mtu_link {
  uint32_t limit;         /* packets over it are lost, unless fragmentable */
  uint64_t dropped;       /* lost to the limit */
  uint64_t fragmented;    /* over the limit, let through as IP fragments */
  uint64_t probes, pads;  /* packets carrying a PAD chunk (A's probes), PAD chunks */
  uint32_t largest_data;  /* A's largest packet that carried DATA */
  int corrupt_probe_acks; /* B's answers to probes altered: 1 + the Info byte flipped, 0 none */
  uint64_t acks_altered;
} mtu_link;

/* Walks the chunks of a packet: calls back with each chunk's offset, type and length. */
static int packet_has(const uint8_t *p, size_t len, uint8_t type, size_t *at) {
  for (size_t off = CSCTP_COMMON_HDR_LEN; off + 4 <= len;) {
    size_t clen = (size_t)p[off + 2] << 8 | p[off + 3];
    if (clen < 4) return 0;
    if (p[off] == type) {
      if (at) *at = off;
      return 1;
    }
    off += (clen + 3) & ~(size_t)3;
  }
  return 0;
}

static int mtu_tap(csctp_simlink *link, int dir, uint8_t *pkt, size_t *len, size_t cap,
                   void *user) {
  (void)cap;
  mtu_link *m = user;
  csctp_assoc *sender = csctp_simlink_endpoint(link, dir);
  if (dir == CSCTP_SIMLINK_A) {
    if (packet_has(pkt, *len, CSCTP_CHUNK_PAD, NULL)) m->probes++;
    if (packet_has(pkt, *len, CSCTP_CHUNK_DATA, NULL) && *len > m->largest_data && *len <= m->limit)
      m->largest_data = (uint32_t)*len;
  } else {
    if (packet_has(pkt, *len, CSCTP_CHUNK_PAD, NULL)) m->pads++;
    size_t at;
    /* A HEARTBEAT ACK whose Info is a probe's 24 bytes: one byte flipped, CRC redone. */
    if (m->corrupt_probe_acks && packet_has(pkt, *len, CSCTP_CHUNK_HEARTBEAT_ACK, &at) &&
        at + 8 + 24 <= *len && ((size_t)pkt[at + 6] << 8 | pkt[at + 7]) == 4 + 24) {
      pkt[at + 8 + (size_t)(m->corrupt_probe_acks - 1)] ^= 0x40;
      csctp_packet_set_crc(pkt, *len);
      m->acks_altered++;
    }
  }
  if (*len <= m->limit) return 0;
  if (csctp_assoc_packet_fragmentable(sender)) {
    m->fragmented++;
    return 0;
  }
  m->dropped++;
  return 1;
}

/* A's verified stream of messages to B: ids in the PPID, content derived from the id. */
typedef struct flow {
  uint32_t next_send, next_recv, total;
  int bad;
  uint8_t buf[8192];
} flow;

static uint32_t flow_len(uint32_t id) { return 100 + (id * 2654435761u >> 7) % 7000; }

static void flow_fill(uint8_t *b, uint32_t id, uint32_t len) {
  for (uint32_t i = 0; i < len; i++) b[i] = (uint8_t)(id * 31 + i * 7);
}

static void flow_pump(flow *f, csctp_assoc *a, csctp_tstamp now) {
  while (f->next_send < f->total) {
    uint32_t len = flow_len(f->next_send);
    flow_fill(f->buf, f->next_send, len);
    csctp_send_opts o = {.stream = 1, .ppid = f->next_send};
    int rv = csctp_assoc_send(a, &o, f->buf, len, now);
    if (rv == CSCTP_ERR_WOULD_BLOCK) return;
    cr_assert_eq(rv, 0, "send: %s", csctp_strerror(rv));
    f->next_send++;
  }
}

static void flow_on_event(csctp_simlink *link, int side, const csctp_event *ev, void *user) {
  (void)link;
  flow *f = user;
  if (side != CSCTP_SIMLINK_B || ev->type != CSCTP_EVENT_MESSAGE) return;
  uint8_t want[8192];
  uint32_t id = ev->u.message.ppid;
  uint32_t len = flow_len(id);
  flow_fill(want, id, len);
  if (id != f->next_recv || ev->u.message.len != len || memcmp(ev->u.message.data, want, len))
    f->bad++;
  f->next_recv++;
}

typedef struct pair {
  csctp_prng rng[2];
  csctp_assoc *a[2];
  csctp_simlink *link;
  mtu_link m;
  flow f;
} pair;

/* `limit`: the link's MTU (the tap's); the link carries 1 MB/s each way behind 100 ms of
 * queue (tail drop). */
static void pair_new_auth(pair *p, uint32_t plpmtud_max, uint32_t limit, int auth_hb);

static void pair_new(pair *p, uint32_t plpmtud_max, uint32_t limit) {
  pair_new_auth(p, plpmtud_max, limit, -1);
}

/* auth_hb: -1 no AUTH; else RFC 4895 AUTH on both sides, DATA authenticated, and HEARTBEAT too
 * when 1 (the probes then carry an AUTH chunk). */
static void pair_new_auth(pair *p, uint32_t plpmtud_max, uint32_t limit, int auth_hb) {
  memset(p, 0, sizeof(*p));
  for (int s = 0; s < 2; s++) {
    csctp_config cfg;
    csctp_config_default(&cfg);
    csctp_prng_seed(&p->rng[s], 7 + (uint64_t)s);
    cfg.rand = csctp_prng_rand_fn;
    cfg.rand_user_data = &p->rng[s];
    cfg.rto_initial = 300;
    cfg.rto_min = 200;
    cfg.rto_max = 2000;
    cfg.plpmtud_max = plpmtud_max;
    cfg.plpmtud_probe_timer = 1000;
    cfg.plpmtud_raise_timer = 30000;
    if (auth_hb >= 0) {
      cfg.auth = 1;
      CSCTP_AUTH_CHUNK_SET(&cfg, CSCTP_CHUNK_DATA);
      if (auth_hb) CSCTP_AUTH_CHUNK_SET(&cfg, CSCTP_CHUNK_HEARTBEAT);
    }
    cr_assert_eq(csctp_assoc_new(&p->a[s], &cfg), 0);
  }
  csctp_simlink_config lc;
  csctp_simlink_config_default(&lc);
  for (int d = 0; d < 2; d++) {
    lc.dir[d].mtu = 0; /* the tap is the link's MTU */
    lc.dir[d].bandwidth = 1000000;
    lc.dir[d].queue_bytes = 100000; /* 100 ms of queue: probes are not held for seconds */
  }
  p->link = csctp_simlink_new(&lc);
  cr_assert_not_null(p->link);
  csctp_simlink_attach_assocs(p->link, p->a[0], p->a[1]);
  p->m.limit = limit;
  csctp_simlink_set_tap(p->link, mtu_tap, &p->m);
  csctp_simlink_set_event_handler(p->link, CSCTP_SIMLINK_B, flow_on_event, &p->f);
  cr_assert_eq(csctp_assoc_connect(p->a[0], csctp_simlink_now(p->link)), 0);
}

static void pair_del(pair *p) {
  csctp_simlink_del(p->link);
  csctp_assoc_del(p->a[0]);
  csctp_assoc_del(p->a[1]);
}

/* Runs `dur` of virtual time in 10 ms slices, A sending its flow; stops early when nothing
 * can happen any more (both idle, or closed). */
static void pair_run(pair *p, csctp_tstamp dur) {
  csctp_tstamp end = csctp_simlink_now(p->link) + dur;
  while (csctp_simlink_now(p->link) < end) {
    flow_pump(&p->f, p->a[0], csctp_simlink_now(p->link));
    csctp_simlink_stop st = csctp_simlink_run_until(p->link, NULL, NULL, 10 * MS);
    cr_assert_neq(st, CSCTP_SIMLINK_ERROR, "link error %d", csctp_simlink_last_error(p->link));
    if (st == CSCTP_SIMLINK_IDLE) break;
  }
}

/*
 * A path of 1,500 bytes: both sides find it, and A's data packets grow to it. The path shrinks
 * to 1,300 in the middle of the transfer: the packets of 1,500 vanish, the retransmission
 * timer says so twice, A goes back to 1,200 and finds 1,300; its chunks cut for 1,500 still
 * get through, as IP fragments. The path grows to 4,000: after PMTU_RAISE_TIMER A finds it.
 * Every message arrives once, intact, in order, and the association stays up.
 */
Test(plpmtud, engines_find_the_link_mtu_and_follow_its_changes) {
  pair p;
  pair_new(&p, 9000, 1500);
  p.f.total = 25000; /* about 90 MB at 1 MB/s: the flow outlasts the three phases */
  pair_run(&p, 15 * CSCTP_SECONDS);
  cr_assert_eq(csctp_assoc_get_state(p.a[0]), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_assoc_get_pmtu(p.a[0]), 1500);
  cr_assert_eq(csctp_assoc_get_pmtu(p.a[1]), 1500, "B probes too");
  cr_assert_eq(p.m.largest_data, 1500, "A's data packets are of the path's size (largest %u)",
               p.m.largest_data);
  cr_assert_gt(p.m.pads, 0, "B's probes carry a PAD chunk");
  cr_assert_gt(p.f.next_recv, 0);
  cr_assert_lt(p.f.next_send, p.f.total, "the flow must still run when the path shrinks");

  p.m.limit = 1300;
  p.m.largest_data = 0;
  uint64_t frag0 = p.m.fragmented;
  pair_run(&p, 20 * CSCTP_SECONDS);
  cr_assert_eq(csctp_assoc_get_state(p.a[0]), CSCTP_STATE_ESTABLISHED, "black hole not survived");
  cr_assert_eq(csctp_assoc_get_pmtu(p.a[0]), 1300);
  cr_assert_eq(p.m.largest_data, 1300);
  cr_assert_gt(p.m.fragmented, frag0, "chunks cut for 1,500 went as fragments");

  p.m.limit = 4000;
  pair_run(&p, 45 * CSCTP_SECONDS);
  cr_assert_eq(csctp_assoc_get_pmtu(p.a[0]), 4000, "PMTU_RAISE_TIMER: the larger path");
  cr_assert_lt(p.f.next_recv, p.f.total, "the flow ended before the path grew");
  for (int i = 0; i < 120 && p.f.next_recv < p.f.total; i++) pair_run(&p, CSCTP_SECONDS);
  cr_assert_eq(p.f.next_send, p.f.total);
  cr_assert_eq(p.f.next_recv, p.f.total, "%u of %u messages", p.f.next_recv, p.f.total);
  cr_assert_eq(p.f.bad, 0, "messages lost, duplicated, reordered or corrupt");
  csctp_stats st;
  csctp_assoc_get_stats(p.a[1], &st);
  cr_assert_eq(st.errors_sent, 0, "B reported the PAD chunk as unrecognized");
  pair_del(&p);
}

/* The search ended at the base size (a path of 1,200), then the path shrinks below it: the
 * timeouts send the machine back to confirming the base, which fails, and the ERROR size (508)
 * carries the data; the association stays up and nothing is lost. */
Test(plpmtud, path_below_the_base_size_is_the_error_state) {
  pair p;
  pair_new(&p, 9000, 1200);
  p.f.total = 6000;
  pair_run(&p, 15 * CSCTP_SECONDS);
  cr_assert_eq(csctp_assoc_get_pmtu(p.a[0]), 1200);
  uint32_t before = p.f.next_recv;
  cr_assert_lt(before, p.f.total, "the flow must still run when the path shrinks");
  p.m.limit = 1000;
  pair_run(&p, 40 * CSCTP_SECONDS);
  cr_assert_eq(csctp_assoc_get_state(p.a[0]), CSCTP_STATE_ESTABLISHED,
               "the association died on a path below the base size");
  cr_assert_eq(csctp_assoc_get_pmtu(p.a[0]), CSCTP_PL_MIN);
  cr_assert_gt(p.f.next_recv, before + 100, "nothing got through at the ERROR size");
  for (int i = 0; i < 300 && p.f.next_recv < p.f.total; i++) pair_run(&p, CSCTP_SECONDS);
  cr_assert_eq(p.f.next_recv, p.f.total, "%u of %u messages", p.f.next_recv, p.f.total);
  cr_assert_eq(p.f.bad, 0);
  pair_del(&p);
}

/* With RFC 4895 AUTH a probe is still exactly the size it tests, whether the peer wants its
 * HEARTBEATs authenticated (an AUTH chunk in the probe) or not (the PAD takes its room): on a
 * 1,500-byte link both find 1,500, not 1,500 less or more an AUTH chunk. */
Test(plpmtud, probes_keep_their_size_with_auth) {
  for (int hb = 0; hb < 2; hb++) {
    pair p;
    pair_new_auth(&p, 9000, 1500, hb);
    p.f.total = 3000;
    pair_run(&p, 15 * CSCTP_SECONDS);
    csctp_stats st;
    csctp_assoc_get_stats(p.a[1], &st);
    cr_assert_eq(st.auth, 1, "AUTH not negotiated");
    cr_assert_eq(csctp_assoc_get_pmtu(p.a[0]), 1500, "HEARTBEAT %s: %u",
                 hb ? "listed" : "not listed", csctp_assoc_get_pmtu(p.a[0]));
    cr_assert_eq(csctp_assoc_get_pmtu(p.a[1]), 1500);
    cr_assert_eq(st.auth_drop_missing + st.auth_drop_bad_hmac, 0);
    for (int i = 0; i < 60 && p.f.next_recv < p.f.total; i++) pair_run(&p, CSCTP_SECONDS);
    cr_assert_eq(p.f.next_recv, p.f.total);
    cr_assert_eq(p.f.bad, 0);
    pair_del(&p);
  }
}

/* Off (the default, and the WebRTC profile): no probe, no packet over `mtu`, a buffer of
 * `mtu` bytes is enough. */
Test(plpmtud, off_by_default_never_probes) {
  pair p;
  pair_new(&p, 0, 9000);
  p.f.total = 500;
  pair_run(&p, 10 * CSCTP_SECONDS);
  cr_assert_eq(p.f.next_recv, p.f.total);
  cr_assert_eq(p.m.probes + p.m.pads, 0);
  cr_assert_eq(p.m.largest_data, 1200);
  cr_assert_eq(csctp_assoc_get_pmtu(p.a[0]), 1200);
  uint8_t buf[1200];
  cr_assert_geq(csctp_assoc_write_packet(p.a[0], buf, sizeof buf, csctp_simlink_now(p.link)), 0);
  pair_del(&p);
}

/* With PLPMTUD the caller's buffer must hold plpmtud_max bytes. */
Test(plpmtud, write_needs_a_buffer_of_plpmtud_max) {
  pair p;
  pair_new(&p, 4000, 1500);
  uint8_t buf[4000];
  cr_assert_eq(csctp_assoc_write_packet(p.a[0], buf, 3999, csctp_simlink_now(p.link)),
               CSCTP_ERR_NOBUF);
  cr_assert_gt(csctp_assoc_write_packet(p.a[0], buf, sizeof buf, csctp_simlink_now(p.link)), 0);
  pair_del(&p);
}

/* An answer that is not the probe's, altered in its time sent, nonce or probed size (Info
 * bytes 0-7, 8-15, 16-19), confirms nothing: A never grows past its base. A larger size
 * claimed by a peer that saw a smaller probe pass is the case the size check is for. */
static void altered_answers(int info_byte) {
  pair p;
  pair_new(&p, 9000, 9000);
  p.m.corrupt_probe_acks = 1 + info_byte;
  p.f.total = 300;
  pair_run(&p, 30 * CSCTP_SECONDS);
  cr_assert_gt(p.m.acks_altered, 0);
  cr_assert_leq(csctp_assoc_get_pmtu(p.a[0]), 1200, "Info byte %d altered", info_byte);
  cr_assert_eq(p.f.next_recv, p.f.total, "data still flows");
  cr_assert_eq(csctp_assoc_get_state(p.a[0]), CSCTP_STATE_ESTABLISHED);
  pair_del(&p);
}

Test(plpmtud, altered_probe_answers_confirm_nothing) {
  altered_answers(8);  /* the nonce */
  altered_answers(7);  /* the time sent */
  altered_answers(18); /* the probed size, larger by 16 KiB */
}

Test(plpmtud, config_is_checked) {
  csctp_prng rng;
  csctp_prng_seed(&rng, 1);
  csctp_config cfg;
  csctp_config_default(&cfg);
  cfg.rand = csctp_prng_rand_fn;
  cfg.rand_user_data = &rng;
  csctp_assoc *a = NULL;
  cfg.plpmtud_max = 1000; /* below mtu */
  cr_assert_eq(csctp_assoc_new(&a, &cfg), CSCTP_ERR_INVALID_ARGUMENT);
  cfg.plpmtud_max = 70000;
  cr_assert_eq(csctp_assoc_new(&a, &cfg), CSCTP_ERR_INVALID_ARGUMENT);
  cfg.plpmtud_max = 9000;
  cfg.plpmtud_probe_timer = 999; /* RFC 8899: at least 1 s */
  cr_assert_eq(csctp_assoc_new(&a, &cfg), CSCTP_ERR_INVALID_ARGUMENT);
  cfg.plpmtud_probe_timer = 1000;
  cr_assert_eq(csctp_assoc_new(&a, &cfg), 0);
  csctp_assoc_del(a);
}
