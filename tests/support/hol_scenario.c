/* SPDX-License-Identifier: MIT */
/* Head-of-line blocking scenarios on the simulated link (see hol_scenario.h). */
#include "hol_scenario.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prng.h"
#include "simlink.h"

#define HOL_BIG_LEN (1024u * 1024u)
#define HOL_SMALL_LEN 100u
#define HOL_WFQ_LEN (64u * 1024u)
#define HOL_TICK (10 * 1000)         /* a small message every 10 ms */
#define HOL_BIG_QUEUED (2u << 20)    /* keep two 1 MiB messages queued on stream 1 */
#define HOL_WFQ_QUEUED (256u * 1024) /* and four 64 KiB ones on each WFQ stream */
#define HOL_SNDBUF (8u << 20)
#define HOL_STREAM_BIG 1
#define HOL_STREAM_SMALL 2
#define HOL_DRAIN (30 * CSCTP_SECONDS)

static const uint16_t hol_prio[4] = {128, 256, 512, 1024};

typedef struct hol_ctx {
  const csctp_hol_params *p;
  csctp_simlink *link;
  csctp_assoc *as[2];
  csctp_prng rng[2];
  int connected[2], closed;
  int wfq;       /* the WFQ scenario: streams 1..4, 64 KiB messages */
  int measuring; /* WFQ: count payload bytes on the wire */
  csctp_hol_path path;
  uint64_t bytes[5];
  /* latency: sent_at and latency (us) per small id */
  csctp_tstamp *sent_at, *lat;
  uint8_t *got;
  uint32_t small_cap, small_sent, small_got;
  uint32_t big_sent, big_got, next_big_rx;
  uint8_t *buf;
  size_t big_len;
  size_t big_off[8]; /* bytes of the current message seen, per stream (pieces) */
  char failure[256];
} hol_ctx;

static void hol_fail(hol_ctx *c, const char *fmt, ...) {
  if (c->failure[0]) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->failure, sizeof c->failure, fmt, ap);
  va_end(ap);
}

void csctp_hol_params_default(csctp_hol_params *p) {
  memset(p, 0, sizeof *p);
  p->seed = 1;
  p->delay = 25 * 1000;
  p->bandwidth = 4000000;
  p->queue_bytes = 0;
  p->duration = 10 * CSCTP_SECONDS;
  p->warmup = 1 * CSCTP_SECONDS;
  p->scheduler = CSCTP_SCHED_WFQ;
  p->big_len = HOL_BIG_LEN;
  p->rwnd = 200 * 1024;
  p->pd_point = 64 * 1024;
}

int csctp_hol_idata_active(const csctp_hol_path *path) {
  return path->negotiated == 1 && path->first_data_type == CSCTP_HOL_CHUNK_IDATA;
}

/* Message content: 32-bit words derived from (id, word index), so a fragment
 * put at the wrong offset or in the wrong message is caught. */
static uint32_t hol_word(uint32_t id, uint32_t k) {
  uint32_t v = id * 0x9e3779b9u ^ k * 0x85ebca6bu;
  return v ^ v >> 15;
}

static void hol_fill(uint8_t *b, size_t len, uint32_t id) {
  for (size_t i = 0; i < len; i += 4) {
    uint32_t w = hol_word(id, (uint32_t)(i / 4));
    memcpy(b + i, &w, len - i < 4 ? len - i : 4);
  }
}

/* Checks `len` bytes of message `id` found at offset `off` (a piece of it). */
static int hol_check(const uint8_t *b, size_t len, uint32_t id, size_t off) {
  for (size_t i = 0; i < len;) {
    size_t at = off + i, in = at % 4, n = 4 - in < len - i ? 4 - in : len - i;
    uint32_t w = hol_word(id, (uint32_t)(at / 4));
    if (memcmp(b + i, (const uint8_t *)&w + in, n) != 0) return 0;
    i += n;
  }
  return 1;
}

/* A to B: the type of the first user-data chunk, chunk counts, payload bytes per stream. */
static int hol_tap(csctp_simlink *link, int dir, uint8_t *pkt, size_t *len, size_t cap,
                   void *user) {
  (void)link;
  (void)cap;
  hol_ctx *c = user;
  if (dir != CSCTP_SIMLINK_A) return 0;
  size_t n = *len;
  for (size_t off = 12; off + 4 <= n;) {
    uint8_t type = pkt[off];
    size_t clen = (size_t)pkt[off + 2] << 8 | pkt[off + 3];
    if (clen < 4 || off + clen > n) break;
    size_t hdr = type == CSCTP_HOL_CHUNK_DATA ? 16 : type == CSCTP_HOL_CHUNK_IDATA ? 20 : 0;
    if (hdr && clen >= hdr) {
      if (c->path.first_data_type < 0) c->path.first_data_type = type;
      if (type == CSCTP_HOL_CHUNK_DATA)
        c->path.data_chunks++;
      else
        c->path.idata_chunks++;
      uint16_t sid = (uint16_t)(pkt[off + 8] << 8 | pkt[off + 9]);
      if (c->measuring && sid >= 1 && sid <= 4) c->bytes[sid] += clen - hdr;
    }
    if (type == 194) c->path.ifwd_chunks++;
    off += (clen + 3) & ~(size_t)3;
  }
  return 0;
}

static void hol_on_message(hol_ctx *c, const csctp_event *ev, csctp_tstamp now) {
  uint16_t sid = ev->u.message.stream;
  uint32_t id = ev->u.message.ppid;
  uint32_t flags = ev->u.message.flags;
  if (flags & CSCTP_MSG_ABORTED) {
    hol_fail(c, "message %u on stream %u aborted", id, sid);
    return;
  }
  if (c->wfq) {
    /* pieces (partial delivery) are checked in place; a whole message must be 64 KiB */
    size_t off = flags & CSCTP_MSG_CONTINUED ? c->big_off[sid & 7] : 0;
    if (sid < 1 || sid > 4 || !hol_check(ev->u.message.data, ev->u.message.len, id, off))
      hol_fail(c, "WFQ message %u on stream %u: bad piece at %zu", id, sid, off);
    off += ev->u.message.len;
    c->big_off[sid & 7] = flags & CSCTP_MSG_MORE ? off : 0;
    if (!(flags & CSCTP_MSG_MORE) && off != HOL_WFQ_LEN)
      hol_fail(c, "WFQ message %u on stream %u: %zu bytes", id, sid, off);
    return;
  }
  if (sid == HOL_STREAM_BIG) {
    /* with partial delivery a bulk message comes in pieces: check each where it belongs */
    size_t off = c->big_off[HOL_STREAM_BIG];
    if (id != c->next_big_rx || (off != 0) != ((flags & CSCTP_MSG_CONTINUED) != 0))
      hol_fail(c, "bulk message %u (piece at %zu) arrived, expected %u", id, off, c->next_big_rx);
    else if (!hol_check(ev->u.message.data, ev->u.message.len, id, off))
      hol_fail(c, "bulk message %u corrupt at %zu", id, off);
    off += ev->u.message.len;
    c->big_off[HOL_STREAM_BIG] = flags & CSCTP_MSG_MORE ? off : 0;
    if (!(flags & CSCTP_MSG_MORE)) {
      if (off != c->big_len) hol_fail(c, "bulk message %u: %zu bytes", id, off);
      c->next_big_rx = id + 1;
      c->big_got++;
    }
  } else if (flags) {
    hol_fail(c, "small message %u in pieces", id);
  } else if (sid == HOL_STREAM_SMALL) {
    if (id >= c->small_sent || c->got[id])
      hol_fail(c, "small message %u unexpected or duplicated", id);
    else if (ev->u.message.len != HOL_SMALL_LEN ||
             !hol_check(ev->u.message.data, ev->u.message.len, id, 0))
      hol_fail(c, "small message %u corrupt", id);
    else {
      c->got[id] = 1;
      c->lat[id] = now - c->sent_at[id];
      c->small_got++;
    }
  } else {
    hol_fail(c, "message on stream %u", sid);
  }
}

static void hol_event(csctp_simlink *link, int side, const csctp_event *ev, void *user) {
  hol_ctx *c = user;
  switch (ev->type) {
  case CSCTP_EVENT_CONNECTED: c->connected[side] = 1; break;
  case CSCTP_EVENT_CLOSED:
    c->closed = 1;
    hol_fail(c, "side %d closed (reason %d)", side, (int)ev->u.closed.reason);
    break;
  case CSCTP_EVENT_MESSAGE:
    if (side == CSCTP_SIMLINK_B) hol_on_message(c, ev, csctp_simlink_now(link));
    break;
  default: break;
  }
}

static int hol_both_up(csctp_simlink *link, void *user) {
  (void)link;
  hol_ctx *c = user;
  return (c->connected[0] && c->connected[1]) || c->closed;
}

static int hol_setup(hol_ctx *c, const csctp_hol_params *p) {
  c->p = p;
  c->path.first_data_type = -1;
  csctp_simlink_config lc;
  csctp_simlink_config_default(&lc);
  lc.seed = p->seed * 0x9e3779b97f4a7c15ull + 3;
  for (int d = 0; d < 2; d++) {
    lc.dir[d].delay = p->delay;
    lc.dir[d].loss = p->loss;
    lc.dir[d].bandwidth = p->bandwidth;
    lc.dir[d].queue_bytes = p->queue_bytes;
  }
  c->link = csctp_simlink_new(&lc);
  c->buf = malloc(HOL_BIG_LEN);
  if (!c->link || !c->buf) return CSCTP_ERR_NOMEM;
  for (int s = 0; s < 2; s++) {
    csctp_config cfg;
    csctp_config_default(&cfg);
    cfg.rto_initial = 300;
    cfg.rto_min = 200;
    cfg.rto_max = 3000;
    cfg.association_max_retrans = 20;
    cfg.max_message_size = HOL_BIG_LEN;
    cfg.rwnd = p->rwnd ? p->rwnd : 2 * HOL_BIG_LEN;
    cfg.partial_delivery_point = p->pd_point;
    cfg.sndbuf = HOL_SNDBUF;
    cfg.interleaving = p->interleaving;
    cfg.scheduler = p->scheduler;
    csctp_prng_seed(&c->rng[s], p->seed * 1000003u + (uint64_t)s * 7919u + 11);
    cfg.rand = csctp_prng_rand_fn;
    cfg.rand_user_data = &c->rng[s];
    int rv = csctp_assoc_new(&c->as[s], &cfg);
    if (rv) return rv;
    csctp_simlink_set_event_handler(c->link, s, hol_event, c);
  }
  if (p->sched_quantum) csctp_assoc_set_sched_quantum(c->as[0], p->sched_quantum);
  csctp_simlink_attach_assocs(c->link, c->as[0], c->as[1]);
  csctp_simlink_set_tap(c->link, hol_tap, c);
  int rv = csctp_assoc_connect(c->as[0], csctp_simlink_now(c->link));
  if (rv) return rv;
  csctp_simlink_run_until(c->link, hol_both_up, c, 10 * CSCTP_SECONDS);
  if (!c->connected[0] || !c->connected[1]) {
    hol_fail(c, "handshake did not complete");
    return CSCTP_ERR_INVALID_STATE;
  }
  csctp_stats st;
  csctp_assoc_get_stats(c->as[0], &st);
  c->path.negotiated = st.interleaving;
  return 0;
}

static void hol_teardown(hol_ctx *c) {
  csctp_simlink_del(c->link);
  csctp_assoc_del(c->as[0]);
  csctp_assoc_del(c->as[1]);
  free(c->buf);
  free(c->sent_at);
  free(c->lat);
  free(c->got);
}

/* Keeps `stream` holding at least `queued` bytes in messages of `len` bytes. */
static void hol_top_up(hol_ctx *c, uint16_t stream, size_t queued, size_t len, uint32_t *next_id) {
  csctp_tstamp now = csctp_simlink_now(c->link);
  while (!c->failure[0] && csctp_assoc_stream_buffered_amount(c->as[0], stream) < queued) {
    hol_fill(c->buf, len, *next_id);
    csctp_send_opts o = {.stream = stream, .ppid = *next_id};
    int rv = csctp_assoc_send(c->as[0], &o, c->buf, len, now);
    if (rv == CSCTP_ERR_WOULD_BLOCK) return;
    if (rv) hol_fail(c, "send on stream %u: %s", stream, csctp_strerror(rv));
    (*next_id)++;
  }
}

/* Runs one tick of virtual time; 0, or -1 (failure set) when the link stopped otherwise. */
static int hol_tick(hol_ctx *c) {
  csctp_simlink_stop s = csctp_simlink_run_until(c->link, NULL, NULL, HOL_TICK);
  if (s != CSCTP_SIMLINK_TIME_LIMIT)
    hol_fail(c, "link stopped: %s (%s)", csctp_simlink_stop_name(s),
             csctp_strerror(csctp_simlink_last_error(c->link)));
  return c->failure[0] ? -1 : 0;
}

static int hol_cmp(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

/* Nearest-rank percentile of sorted v[0..n-1]. */
static double hol_pct(const double *v, size_t n, double q) {
  size_t k = (size_t)(q * (double)n + 0.999999);
  if (k < 1) k = 1;
  if (k > n) k = n;
  return v[k - 1];
}

int csctp_hol_latency_run(const csctp_hol_params *p, csctp_hol_latency *r) {
  memset(r, 0, sizeof *r);
  hol_ctx c;
  memset(&c, 0, sizeof c);
  size_t big_len = p->big_len && p->big_len <= HOL_BIG_LEN ? p->big_len : HOL_BIG_LEN;
  c.big_len = big_len;
  c.small_cap = (uint32_t)(p->duration / HOL_TICK) + 2;
  c.sent_at = calloc(c.small_cap, sizeof *c.sent_at);
  c.lat = calloc(c.small_cap, sizeof *c.lat);
  c.got = calloc(c.small_cap, 1);
  int rv = c.sent_at && c.lat && c.got ? hol_setup(&c, p) : CSCTP_ERR_NOMEM;
  if (rv) hol_fail(&c, "setup: %s", csctp_strerror(rv));
  /* the transfer runs alone for the warmup (slow start), then small messages join it */
  csctp_tstamp t0 = c.failure[0] ? 0 : csctp_simlink_now(c.link);
  while (!c.failure[0] && csctp_simlink_now(c.link) < t0 + p->warmup) {
    hol_top_up(&c, HOL_STREAM_BIG, HOL_BIG_QUEUED, big_len, &c.big_sent);
    hol_tick(&c);
  }
  csctp_tstamp t1 = c.failure[0] ? 0 : csctp_simlink_now(c.link);
  while (!c.failure[0] && csctp_simlink_now(c.link) < t1 + p->duration &&
         c.small_sent < c.small_cap) {
    hol_top_up(&c, HOL_STREAM_BIG, HOL_BIG_QUEUED, big_len, &c.big_sent);
    uint32_t id = c.small_sent;
    hol_fill(c.buf, HOL_SMALL_LEN, id);
    csctp_send_opts o = {.stream = HOL_STREAM_SMALL, .ppid = id};
    c.sent_at[id] = csctp_simlink_now(c.link);
    c.small_sent++;
    rv = csctp_assoc_send(c.as[0], &o, c.buf, HOL_SMALL_LEN, c.sent_at[id]);
    if (rv) hol_fail(&c, "send of small message %u: %s", id, csctp_strerror(rv));
    hol_tick(&c);
  }
  /* the last small messages still arrive behind a busy transfer */
  csctp_tstamp t2 = c.failure[0] ? 0 : csctp_simlink_now(c.link);
  while (!c.failure[0] && c.small_got < c.small_sent &&
         csctp_simlink_now(c.link) < t2 + HOL_DRAIN) {
    hol_top_up(&c, HOL_STREAM_BIG, HOL_BIG_QUEUED, big_len, &c.big_sent);
    hol_tick(&c);
  }
  if (!c.failure[0] && c.small_got < c.small_sent)
    hol_fail(&c, "%u of %u small messages delivered", c.small_got, c.small_sent);
  r->path = c.path;
  r->small_sent = c.small_sent;
  r->small_delivered = c.small_got;
  r->big_sent = c.big_sent;
  r->big_delivered = c.big_got;
  if (c.small_got) {
    double *v = malloc(c.small_got * sizeof *v);
    if (v) {
      size_t n = 0;
      double sum = 0;
      for (uint32_t i = 0; i < c.small_sent; i++)
        if (c.got[i]) sum += v[n++] = (double)c.lat[i] / 1000.0;
      qsort(v, n, sizeof *v, hol_cmp);
      r->min = v[0];
      r->p50 = hol_pct(v, n, 0.50);
      r->p99 = hol_pct(v, n, 0.99);
      r->max = v[n - 1];
      r->mean = sum / (double)n;
      free(v);
    }
  }
  if (c.link) {
    const csctp_simlink_counters *k = csctp_simlink_counters_get(c.link, CSCTP_SIMLINK_A);
    r->dropped_loss = k->dropped_loss;
    r->dropped_queue = k->dropped_queue;
  }
  if (c.as[0]) {
    csctp_stats st;
    csctp_assoc_get_stats(c.as[0], &st);
    r->retransmissions = st.retransmissions;
    r->t3_expiries = st.t3_expiries;
    r->fast_retransmits = st.fast_retransmits;
  }
  snprintf(r->failure, sizeof r->failure, "%s", c.failure);
  r->ok = !c.failure[0];
  hol_teardown(&c);
  return r->ok;
}

int csctp_hol_wfq_run(const csctp_hol_params *p, csctp_hol_wfq *r) {
  memset(r, 0, sizeof *r);
  hol_ctx c;
  memset(&c, 0, sizeof c);
  c.wfq = 1;
  int rv = hol_setup(&c, p);
  if (rv) hol_fail(&c, "setup: %s", csctp_strerror(rv));
  uint32_t next_id = 0;
  for (int i = 0; i < 4 && !c.failure[0]; i++) {
    rv = csctp_assoc_set_stream_priority(c.as[0], (uint16_t)(i + 1), hol_prio[i]);
    if (rv) hol_fail(&c, "set_stream_priority: %s", csctp_strerror(rv));
  }
  csctp_tstamp t0 = c.failure[0] ? 0 : csctp_simlink_now(c.link);
  int measured = 0;
  while (!c.failure[0]) {
    csctp_tstamp now = csctp_simlink_now(c.link);
    if (now >= t0 + p->warmup + p->duration) break;
    if (!measured && now >= t0 + p->warmup) c.measuring = measured = 1;
    for (uint16_t s = 1; s <= 4; s++) hol_top_up(&c, s, HOL_WFQ_QUEUED, HOL_WFQ_LEN, &next_id);
    hol_tick(&c);
  }
  c.measuring = 0;
  r->path = c.path;
  for (int i = 0; i < 4; i++) {
    r->priority[i] = hol_prio[i];
    r->weight[i] = (double)(1u << i) / 15.0;
    r->bytes[i] = c.bytes[i + 1];
    r->total += r->bytes[i];
  }
  for (int i = 0; i < 4; i++) r->share[i] = r->total ? (double)r->bytes[i] / (double)r->total : 0;
  if (!c.failure[0] && !r->total) hol_fail(&c, "no payload on the wire in the window");
  snprintf(r->failure, sizeof r->failure, "%s", c.failure);
  r->ok = !c.failure[0];
  hol_teardown(&c);
  return r->ok;
}
