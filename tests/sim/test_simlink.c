/* SPDX-License-Identifier: MIT */
/* The simulated link itself, driven by fake endpoints (no engine). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "simlink.h"

/* A fake endpoint: sends `total` packets of `size` bytes in bursts of `burst`
 * every `interval`, first at `first`, each carrying its id; records arrivals. */
typedef struct fake_ep {
  uint32_t total, burst, size;
  csctp_tstamp first, interval;
  uint32_t next_id, pending;
  csctp_tstamp timer;
  int stuck_timer; /* expiry stays at the same time forever */
  int read_error;  /* read_packet returns this */
  int events_left; /* fake events to hand out */
  uint32_t *rx_id;
  csctp_tstamp *rx_at;
  uint8_t *rx_first; /* first payload byte after the id */
  size_t rx_n;
} fake_ep;

#define FAKE_RX_CAP 65536

static void fake_init(fake_ep *f, uint32_t total, uint32_t burst, uint32_t size, csctp_tstamp first,
                      csctp_tstamp interval) {
  memset(f, 0, sizeof(*f));
  f->total = total;
  f->burst = burst;
  f->size = size;
  f->first = first;
  f->interval = interval;
  f->timer = total ? first : CSCTP_TSTAMP_NONE;
  size_t cap = FAKE_RX_CAP;
  f->rx_id = calloc(cap, sizeof(*f->rx_id));
  f->rx_at = calloc(cap, sizeof(*f->rx_at));
  f->rx_first = calloc(cap, 1);
}

static void fake_free(fake_ep *f) {
  free(f->rx_id);
  free(f->rx_at);
  free(f->rx_first);
}

static csctp_ssize fake_write(void *ep, uint8_t *buf, size_t cap, csctp_tstamp now) {
  fake_ep *f = ep;
  if (!f->pending) return 0;
  f->pending--;
  uint32_t id = f->next_id++;
  cr_assert(cap >= f->size && f->size >= 5);
  memset(buf, 0xab, f->size);
  buf[0] = (uint8_t)(id >> 24);
  buf[1] = (uint8_t)(id >> 16);
  buf[2] = (uint8_t)(id >> 8);
  buf[3] = (uint8_t)id;
  return (csctp_ssize)f->size;
}

static int fake_read(void *ep, const uint8_t *pkt, size_t len, csctp_tstamp now) {
  fake_ep *f = ep;
  if (f->read_error) return f->read_error;
  cr_assert(len >= 5 && f->rx_n < FAKE_RX_CAP);
  f->rx_id[f->rx_n] =
      (uint32_t)pkt[0] << 24 | (uint32_t)pkt[1] << 16 | (uint32_t)pkt[2] << 8 | pkt[3];
  f->rx_at[f->rx_n] = now;
  f->rx_first[f->rx_n] = pkt[4];
  f->rx_n++;
  return 0;
}

static csctp_tstamp fake_expiry(const void *ep) {
  const fake_ep *f = ep;
  return f->timer;
}

static int fake_handle_expiry(void *ep, csctp_tstamp now) {
  fake_ep *f = ep;
  if (f->stuck_timer || f->timer > now) return 0;
  uint32_t sent = f->next_id + f->pending;
  uint32_t n = f->total - sent < f->burst ? f->total - sent : f->burst;
  f->pending += n;
  f->timer = sent + n < f->total ? f->timer + f->interval : CSCTP_TSTAMP_NONE;
  return 0;
}

static int fake_poll(void *ep, csctp_event *ev) {
  fake_ep *f = ep;
  if (!f->events_left) return 0;
  f->events_left--;
  memset(ev, 0, sizeof(*ev));
  ev->type = CSCTP_EVENT_SEND_BUFFER_LOW;
  return 1;
}

static const csctp_simlink_ops fake_ops = {
    fake_write, fake_read, fake_expiry, fake_handle_expiry, fake_poll, NULL, NULL, NULL, NULL};

/* A link with A sending to a silent B. */
static csctp_simlink *pair(const csctp_simlink_config *cfg, fake_ep *a, fake_ep *b) {
  csctp_simlink *link = csctp_simlink_new(cfg);
  cr_assert_not_null(link);
  csctp_simlink_attach(link, CSCTP_SIMLINK_A, &fake_ops, a);
  csctp_simlink_attach(link, CSCTP_SIMLINK_B, &fake_ops, b);
  return link;
}

static csctp_simlink_config clean_config(uint64_t seed) {
  csctp_simlink_config cfg;
  csctp_simlink_config_default(&cfg);
  cfg.seed = seed;
  return cfg;
}

Test(simlink, loss_rate_within_bounds) {
  csctp_simlink_config cfg = clean_config(42);
  cfg.dir[0].loss = 0.10;
  fake_ep a, b;
  fake_init(&a, 20000, 10, 100, cfg.start, CSCTP_MILLISECONDS);
  fake_init(&b, 0, 0, 100, 0, 0);
  csctp_simlink *link = pair(&cfg, &a, &b);
  cr_assert_eq(csctp_simlink_run_until(link, NULL, NULL, 3600 * CSCTP_SECONDS), CSCTP_SIMLINK_IDLE);
  const csctp_simlink_counters *c = csctp_simlink_counters_get(link, 0);
  cr_assert_eq(c->sent, 20000);
  cr_assert_eq(c->delivered + c->dropped_loss, 20000);
  cr_assert_eq(b.rx_n, c->delivered);
  /* binomial sd = sqrt(20000 * 0.1 * 0.9) ~ 42: allow 5 sd */
  cr_assert(c->dropped_loss > 2000 - 212 && c->dropped_loss < 2000 + 212, "lost %llu",
            (unsigned long long)c->dropped_loss);
  cr_assert_eq(csctp_simlink_counters_get(link, 1)->sent, 0);
  csctp_simlink_del(link);
  fake_free(&a);
  fake_free(&b);
}

Test(simlink, delay_exact_and_jitter_bounded) {
  csctp_simlink_config cfg = clean_config(7);
  cfg.dir[0].delay = 40 * CSCTP_MILLISECONDS;
  fake_ep a, b;
  fake_init(&a, 1, 1, 100, cfg.start + 5, 0);
  fake_init(&b, 0, 0, 100, 0, 0);
  csctp_simlink *link = pair(&cfg, &a, &b);
  csctp_simlink_run_until(link, NULL, NULL, 10 * CSCTP_SECONDS);
  cr_assert_eq(b.rx_n, 1);
  cr_assert_eq(b.rx_at[0], cfg.start + 5 + 40 * CSCTP_MILLISECONDS);
  csctp_simlink_del(link);
  fake_free(&a);
  fake_free(&b);

  cfg.dir[0].jitter = 10 * CSCTP_MILLISECONDS;
  fake_init(&a, 2000, 1, 100, cfg.start, 20 * CSCTP_MILLISECONDS);
  fake_init(&b, 0, 0, 100, 0, 0);
  link = pair(&cfg, &a, &b);
  csctp_simlink_run_until(link, NULL, NULL, 3600 * CSCTP_SECONDS);
  cr_assert_eq(b.rx_n, 2000);
  csctp_tstamp lo = UINT64_MAX, hi = 0;
  for (size_t i = 0; i < b.rx_n; i++) {
    csctp_tstamp sent_at = cfg.start + (csctp_tstamp)b.rx_id[i] * 20 * CSCTP_MILLISECONDS;
    csctp_tstamp d = b.rx_at[i] - sent_at;
    if (d < lo) lo = d;
    if (d > hi) hi = d;
  }
  cr_assert(lo >= 40 * CSCTP_MILLISECONDS && hi <= 50 * CSCTP_MILLISECONDS);
  cr_assert(hi - lo > 8 * CSCTP_MILLISECONDS, "jitter spread %llu", (unsigned long long)(hi - lo));
  csctp_simlink_del(link);
  fake_free(&a);
  fake_free(&b);
}

/* Sends 5000 packets 100 us apart over 5 ms of jitter; returns how many arrived out of order. */
static size_t run_order(double reorder, uint64_t *reordered) {
  csctp_simlink_config cfg = clean_config(9);
  cfg.dir[0].jitter = 5 * CSCTP_MILLISECONDS;
  cfg.dir[0].reorder = reorder;
  cfg.dir[0].reorder_delay = 20 * CSCTP_MILLISECONDS;
  fake_ep a, b;
  fake_init(&a, 5000, 1, 64, cfg.start, 100);
  fake_init(&b, 0, 0, 64, 0, 0);
  csctp_simlink *link = pair(&cfg, &a, &b);
  csctp_simlink_run_until(link, NULL, NULL, 3600 * CSCTP_SECONDS);
  cr_assert_eq(b.rx_n, 5000);
  uint8_t *seen = calloc(5000, 1);
  size_t late = 0;
  uint32_t max = 0;
  for (size_t i = 0; i < b.rx_n; i++) {
    cr_assert(b.rx_id[i] < 5000 && !seen[b.rx_id[i]], "id %u twice", b.rx_id[i]);
    seen[b.rx_id[i]] = 1;
    if (i && b.rx_id[i] < max) late++;
    if (b.rx_id[i] > max) max = b.rx_id[i];
  }
  *reordered = csctp_simlink_counters_get(link, 0)->reordered;
  free(seen);
  csctp_simlink_del(link);
  fake_free(&a);
  fake_free(&b);
  return late;
}

Test(simlink, order_kept_without_reordering_despite_jitter) {
  uint64_t r;
  cr_assert_eq(run_order(0.0, &r), 0);
  cr_assert_eq(r, 0);
}

Test(simlink, reordering_delivers_late_but_exactly_once) {
  uint64_t r;
  size_t late = run_order(0.05, &r);
  cr_assert(r > 150 && r < 350, "reordered %llu", (unsigned long long)r);
  cr_assert(late > 100 && late <= r, "late %zu of %llu", late, (unsigned long long)r);
}

Test(simlink, duplication_adds_copies) {
  csctp_simlink_config cfg = clean_config(3);
  cfg.dir[0].duplicate = 0.2;
  fake_ep a, b;
  fake_init(&a, 5000, 5, 80, cfg.start, CSCTP_MILLISECONDS);
  fake_init(&b, 0, 0, 80, 0, 0);
  csctp_simlink *link = pair(&cfg, &a, &b);
  csctp_simlink_run_until(link, NULL, NULL, 3600 * CSCTP_SECONDS);
  const csctp_simlink_counters *c = csctp_simlink_counters_get(link, 0);
  cr_assert(c->duplicated > 850 && c->duplicated < 1150);
  cr_assert_eq(c->delivered, 5000 + c->duplicated);
  cr_assert_eq(b.rx_n, c->delivered);
  csctp_simlink_del(link);
  fake_free(&a);
  fake_free(&b);
}

Test(simlink, bandwidth_serialises_and_tail_drops) {
  csctp_simlink_config cfg = clean_config(5);
  cfg.dir[0].bandwidth = 100000; /* 1000 B take 10 ms */
  cfg.dir[0].mtu = 1500;
  fake_ep a, b;
  fake_init(&a, 10, 10, 1000, cfg.start, CSCTP_SECONDS);
  fake_init(&b, 0, 0, 1000, 0, 0);
  csctp_simlink *link = pair(&cfg, &a, &b);
  csctp_simlink_run_until(link, NULL, NULL, 60 * CSCTP_SECONDS);
  cr_assert_eq(b.rx_n, 10);
  for (size_t i = 0; i < 10; i++) {
    cr_assert_eq(b.rx_id[i], i);
    cr_assert_eq(b.rx_at[i],
                 cfg.start + (i + 1) * 10 * CSCTP_MILLISECONDS + 25 * CSCTP_MILLISECONDS);
  }
  csctp_simlink_del(link);
  fake_free(&a);
  fake_free(&b);

  /* a 3000-byte queue holds the packet on the wire and two waiting */
  cfg.dir[0].queue_bytes = 3000;
  fake_init(&a, 10, 10, 1000, cfg.start, CSCTP_SECONDS);
  fake_init(&b, 0, 0, 1000, 0, 0);
  link = pair(&cfg, &a, &b);
  csctp_simlink_run_until(link, NULL, NULL, 60 * CSCTP_SECONDS);
  cr_assert_eq(b.rx_n, 3);
  cr_assert_eq(csctp_simlink_counters_get(link, 0)->dropped_queue, 7);
  csctp_simlink_del(link);
  fake_free(&a);
  fake_free(&b);
}

Test(simlink, mtu_drops_larger_packets) {
  csctp_simlink_config cfg = clean_config(5);
  fake_ep a, b;
  fake_init(&a, 4, 4, 1201, cfg.start, CSCTP_SECONDS);
  fake_init(&b, 0, 0, 1200, 0, 0);
  csctp_simlink *link = pair(&cfg, &a, &b);
  csctp_simlink_run_until(link, NULL, NULL, 60 * CSCTP_SECONDS);
  cr_assert_eq(b.rx_n, 0);
  cr_assert_eq(csctp_simlink_counters_get(link, 0)->dropped_mtu, 4);
  a.size = 1200;
  a.total = 8;
  a.timer = csctp_simlink_now(link);
  csctp_simlink_run_until(link, NULL, NULL, 60 * CSCTP_SECONDS);
  cr_assert_eq(b.rx_n, 4);
  csctp_simlink_del(link);
  fake_free(&a);
  fake_free(&b);
}

/* Runs a fully impaired exchange both ways and hashes the trace of arrivals. */
static uint64_t trace_hash(uint64_t seed) {
  csctp_simlink_config cfg = clean_config(seed);
  for (int d = 0; d < 2; d++) {
    cfg.dir[d].loss = 0.1;
    cfg.dir[d].duplicate = 0.05;
    cfg.dir[d].reorder = 0.05;
    cfg.dir[d].reorder_delay = 10 * CSCTP_MILLISECONDS;
    cfg.dir[d].jitter = 3 * CSCTP_MILLISECONDS;
    cfg.dir[d].bandwidth = 1000000;
    cfg.dir[d].queue_bytes = 20000;
  }
  fake_ep a, b;
  fake_init(&a, 3000, 7, 900, cfg.start, 2 * CSCTP_MILLISECONDS);
  fake_init(&b, 3000, 3, 300, cfg.start + 1, CSCTP_MILLISECONDS);
  csctp_simlink *link = pair(&cfg, &a, &b);
  csctp_simlink_run_until(link, NULL, NULL, 3600 * CSCTP_SECONDS);
  uint64_t h = 1469598103934665603ull;
  fake_ep *eps[2] = {&a, &b};
  for (int e = 0; e < 2; e++)
    for (size_t i = 0; i < eps[e]->rx_n; i++) {
      h = (h ^ eps[e]->rx_id[i]) * 1099511628211ull;
      h = (h ^ eps[e]->rx_at[i]) * 1099511628211ull;
    }
  h ^= csctp_simlink_counters_get(link, 0)->dropped_queue << 20;
  csctp_simlink_del(link);
  fake_free(&a);
  fake_free(&b);
  return h;
}

Test(simlink, same_seed_same_trace) {
  cr_assert_eq(trace_hash(1234), trace_hash(1234));
  cr_assert_neq(trace_hash(1234), trace_hash(1235));
}

static int tap_edit(csctp_simlink *link, int dir, uint8_t *pkt, size_t *len, size_t cap,
                    void *user) {
  int *n = user;
  (*n)++;
  if (*n % 3 == 0) return 1;
  pkt[4] = 0x5a;
  *len = 10;
  return 0;
}

Test(simlink, tap_edits_and_drops) {
  csctp_simlink_config cfg = clean_config(5);
  fake_ep a, b;
  fake_init(&a, 9, 9, 100, cfg.start, CSCTP_SECONDS);
  fake_init(&b, 0, 0, 100, 0, 0);
  csctp_simlink *link = pair(&cfg, &a, &b);
  int n = 0;
  csctp_simlink_set_tap(link, tap_edit, &n);
  csctp_simlink_run_until(link, NULL, NULL, 60 * CSCTP_SECONDS);
  cr_assert_eq(n, 9);
  cr_assert_eq(b.rx_n, 6);
  cr_assert_eq(csctp_simlink_counters_get(link, 0)->dropped_tap, 3);
  cr_assert_eq(csctp_simlink_counters_get(link, 0)->bytes_delivered, 60);
  for (size_t i = 0; i < b.rx_n; i++) cr_assert_eq(b.rx_first[i], 0x5a);
  csctp_simlink_del(link);
  fake_free(&a);
  fake_free(&b);
}

static int got_three(csctp_simlink *link, void *user) { return ((fake_ep *)user)->rx_n >= 3; }

Test(simlink, stop_reasons) {
  csctp_simlink_config cfg = clean_config(5);
  cfg.max_steps = 10000;
  fake_ep a, b;
  fake_init(&a, 10, 1, 100, cfg.start, CSCTP_SECONDS);
  fake_init(&b, 0, 0, 100, 0, 0);
  csctp_simlink *link = pair(&cfg, &a, &b);
  /* predicate */
  cr_assert_eq(csctp_simlink_run_until(link, got_three, &b, 3600 * CSCTP_SECONDS),
               CSCTP_SIMLINK_DONE);
  cr_assert_eq(b.rx_n, 3);
  /* time limit: the clock ends exactly at the budget */
  csctp_tstamp t0 = csctp_simlink_now(link);
  cr_assert_eq(csctp_simlink_run_until(link, NULL, NULL, 1500 * CSCTP_MILLISECONDS),
               CSCTP_SIMLINK_TIME_LIMIT);
  cr_assert_eq(csctp_simlink_now(link), t0 + 1500 * CSCTP_MILLISECONDS);
  /* idle */
  cr_assert_eq(csctp_simlink_run_until(link, NULL, NULL, 3600 * CSCTP_SECONDS), CSCTP_SIMLINK_IDLE);
  cr_assert_eq(b.rx_n, 10);
  cr_assert_eq(csctp_simlink_in_flight(link), 0);
  /* a timer that never advances cannot spin forever */
  a.stuck_timer = 1;
  a.timer = csctp_simlink_now(link);
  cr_assert_eq(csctp_simlink_run_until(link, NULL, NULL, 3600 * CSCTP_SECONDS),
               CSCTP_SIMLINK_STEP_LIMIT);
  cr_assert_eq(csctp_simlink_now(link), a.timer);
  csctp_simlink_del(link);
  fake_free(&a);
  fake_free(&b);
}

Test(simlink, endpoint_error_stops_the_run) {
  csctp_simlink_config cfg = clean_config(5);
  fake_ep a, b;
  fake_init(&a, 3, 3, 100, cfg.start, CSCTP_SECONDS);
  fake_init(&b, 0, 0, 100, 0, 0);
  b.read_error = CSCTP_ERR_NOMEM;
  csctp_simlink *link = pair(&cfg, &a, &b);
  cr_assert_eq(csctp_simlink_run_until(link, NULL, NULL, 60 * CSCTP_SECONDS), CSCTP_SIMLINK_ERROR);
  cr_assert_eq(csctp_simlink_last_error(link), CSCTP_ERR_NOMEM);
  csctp_simlink_del(link);
  fake_free(&a);
  fake_free(&b);
}

typedef struct ev_count {
  int n[2];
  csctp_simlink *link;
} ev_count;

/* Side B's handler injects a reply from B: handlers may act on the link. */
static void on_event(csctp_simlink *link, int side, const csctp_event *ev, void *user) {
  ev_count *c = user;
  cr_assert_eq(ev->type, CSCTP_EVENT_SEND_BUFFER_LOW);
  c->n[side]++;
  if (side == CSCTP_SIMLINK_B) {
    uint8_t pkt[8] = {0, 0, 0, 99, 1, 2, 3, 4};
    csctp_simlink_inject(link, CSCTP_SIMLINK_B, pkt, sizeof(pkt));
  }
}

Test(simlink, events_reach_the_handler_of_their_side) {
  csctp_simlink_config cfg = clean_config(5);
  fake_ep a, b;
  fake_init(&a, 0, 0, 100, 0, 0);
  fake_init(&b, 0, 0, 100, 0, 0);
  a.events_left = 2;
  b.events_left = 3;
  csctp_simlink *link = pair(&cfg, &a, &b);
  ev_count c = {{0, 0}, link};
  csctp_simlink_set_event_handler(link, CSCTP_SIMLINK_A, on_event, &c);
  csctp_simlink_set_event_handler(link, CSCTP_SIMLINK_B, on_event, &c);
  cr_assert_eq(csctp_simlink_run_until(link, NULL, NULL, 60 * CSCTP_SECONDS), CSCTP_SIMLINK_IDLE);
  cr_assert_eq(c.n[0], 2);
  cr_assert_eq(c.n[1], 3);
  cr_assert_eq(a.rx_n, 3);
  cr_assert_eq(a.rx_id[0], 99);
  cr_assert_eq(a.rx_at[0], cfg.start + 25 * CSCTP_MILLISECONDS);
  csctp_simlink_del(link);
  fake_free(&a);
  fake_free(&b);
}
