/* SPDX-License-Identifier: MIT */
/* The simulated link: impairments, the in-flight heap and the driver loop. */
#include "simlink.h"

#include <stdlib.h>
#include <string.h>

#include "prng.h"

/* Large enough for any SCTP packet over IPv4/IPv6 without jumbograms. */
#define SIMLINK_BUF_CAP 65536u

typedef struct simlink_pkt {
  csctp_tstamp when;
  uint64_t seq; /* tie-break: equal times deliver in offer order */
  int dir;
  int ecn;  /* the IP ECN codepoint it travels with */
  int path; /* multi-path links */
  size_t len, cap;
  uint8_t *data;
  struct simlink_pkt *next_free;
} simlink_pkt;

typedef struct simlink_dir {
  csctp_simlink_dir_config cfg;
  csctp_simlink_counters cnt;
  csctp_prng rng;
  csctp_tstamp busy_until; /* the bottleneck is serialising until then */
  csctp_tstamp last_fifo;  /* latest in-order delivery time: jitter never reorders */
} simlink_dir;

typedef struct simlink_side {
  const csctp_simlink_ops *ops;
  void *ep;
  csctp_simlink_event_fn on_event;
  void *user;
} simlink_side;

struct csctp_simlink {
  csctp_simlink_config cfg;
  csctp_tstamp now;
  uint64_t steps;
  uint64_t seq;
  int last_error;
  simlink_dir dir[2];
  simlink_side side[2];
  csctp_simlink_tap_fn tap;
  void *tap_user;
  simlink_pkt **heap;
  size_t heap_len, heap_cap;
  simlink_pkt *free_list;
  uint8_t *wbuf; /* where endpoints write and the tap edits */
  uint8_t *ibuf; /* csctp_simlink_inject's copy (it may be called while wbuf is in use) */
  simlink_dir pdir[CSCTP_SIMLINK_PATHS][2]; /* multi-path links: each path's impairments */
  uint8_t down[CSCTP_SIMLINK_PATHS];
  csctp_simlink_path_tap_fn path_tap;
  void *path_tap_user;
};

void csctp_simlink_config_default(csctp_simlink_config *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->seed = 1;
  cfg->start = CSCTP_SECONDS; /* not 0: an engine may treat 0 as "never" */
  cfg->max_steps = 50000000;
  for (int d = 0; d < 2; d++) {
    cfg->dir[d].delay = 25 * CSCTP_MILLISECONDS;
    cfg->dir[d].mtu = 1200;
  }
  for (int i = 0; i < CSCTP_SIMLINK_PATHS; i++) {
    cfg->path[i][0] = cfg->dir[0];
    cfg->path[i][1] = cfg->dir[1];
  }
}

void csctp_simlink_config_paths(csctp_simlink_config *cfg, unsigned n, unsigned step_ms) {
  csctp_simlink_config_default(cfg);
  cfg->n_paths = n;
  for (unsigned j = 0; j < n && j < CSCTP_SIMLINK_PATHS; j++)
    for (int d = 0; d < 2; d++) {
      cfg->path[j][d].delay = (csctp_tstamp)(20 + step_ms * j) * CSCTP_MILLISECONDS;
      cfg->path[j][d].bandwidth = 1000 * 1000;
      cfg->path[j][d].queue_bytes = 64 * 1024;
    }
}

csctp_simlink *csctp_simlink_new(const csctp_simlink_config *cfg) {
  csctp_simlink *link = calloc(1, sizeof(*link));
  if (!link) return NULL;
  link->wbuf = malloc(SIMLINK_BUF_CAP);
  link->ibuf = malloc(SIMLINK_BUF_CAP);
  if (!link->wbuf || !link->ibuf) {
    free(link->wbuf);
    free(link->ibuf);
    free(link);
    return NULL;
  }
  link->cfg = *cfg;
  if (!link->cfg.max_steps) link->cfg.max_steps = UINT64_MAX;
  link->now = cfg->start;
  for (int d = 0; d < 2; d++) {
    link->dir[d].cfg = cfg->dir[d];
    /* independent streams per direction: one side's traffic does not shift the other's draws */
    csctp_prng_seed(&link->dir[d].rng, cfg->seed * 0x9e3779b97f4a7c15ull + (uint64_t)d + 1);
  }
  if (link->cfg.n_paths > CSCTP_SIMLINK_PATHS) link->cfg.n_paths = CSCTP_SIMLINK_PATHS;
  for (int i = 0; i < link->cfg.n_paths; i++)
    for (int d = 0; d < 2; d++) {
      link->pdir[i][d].cfg = cfg->path[i][d];
      csctp_prng_seed(&link->pdir[i][d].rng,
                      cfg->seed * 0x9e3779b97f4a7c15ull + (uint64_t)(i + 1) * 16 + (uint64_t)d);
    }
  return link;
}

void csctp_simlink_del(csctp_simlink *link) {
  if (!link) return;
  for (size_t i = 0; i < link->heap_len; i++) {
    free(link->heap[i]->data);
    free(link->heap[i]);
  }
  while (link->free_list) {
    simlink_pkt *p = link->free_list;
    link->free_list = p->next_free;
    free(p->data);
    free(p);
  }
  free(link->heap);
  free(link->wbuf);
  free(link->ibuf);
  free(link);
}

void csctp_simlink_attach(csctp_simlink *link, int side, const csctp_simlink_ops *ops, void *ep) {
  link->side[side].ops = ops;
  link->side[side].ep = ep;
}

void *csctp_simlink_endpoint(const csctp_simlink *link, int side) { return link->side[side].ep; }

void csctp_simlink_set_event_handler(csctp_simlink *link, int side, csctp_simlink_event_fn fn,
                                     void *user) {
  link->side[side].on_event = fn;
  link->side[side].user = user;
}

void csctp_simlink_set_tap(csctp_simlink *link, csctp_simlink_tap_fn fn, void *user) {
  link->tap = fn;
  link->tap_user = user;
}

void csctp_simlink_set_dir_config(csctp_simlink *link, int dir,
                                  const csctp_simlink_dir_config *dc) {
  link->dir[dir].cfg = *dc;
}

csctp_tstamp csctp_simlink_now(const csctp_simlink *link) { return link->now; }
uint64_t csctp_simlink_steps(const csctp_simlink *link) { return link->steps; }
size_t csctp_simlink_in_flight(const csctp_simlink *link) { return link->heap_len; }
int csctp_simlink_last_error(const csctp_simlink *link) { return link->last_error; }

const csctp_simlink_counters *csctp_simlink_counters_get(const csctp_simlink *link, int dir) {
  return &link->dir[dir].cnt;
}

const char *csctp_simlink_stop_name(csctp_simlink_stop s) {
  switch (s) {
  case CSCTP_SIMLINK_DONE: return "DONE";
  case CSCTP_SIMLINK_IDLE: return "IDLE";
  case CSCTP_SIMLINK_TIME_LIMIT: return "TIME_LIMIT";
  case CSCTP_SIMLINK_STEP_LIMIT: return "STEP_LIMIT";
  case CSCTP_SIMLINK_ERROR: return "ERROR";
  }
  return "?";
}

/* ---- the in-flight heap (min-heap on (when, seq)) ---- */

static int simlink_pkt_before(const simlink_pkt *x, const simlink_pkt *y) {
  return x->when < y->when || (x->when == y->when && x->seq < y->seq);
}

static int simlink_heap_push(csctp_simlink *link, simlink_pkt *p) {
  if (link->heap_len == link->heap_cap) {
    size_t ncap = link->heap_cap ? link->heap_cap * 2 : 256;
    simlink_pkt **nh = realloc(link->heap, ncap * sizeof(*nh));
    if (!nh) return -1;
    link->heap = nh;
    link->heap_cap = ncap;
  }
  size_t i = link->heap_len++;
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!simlink_pkt_before(p, link->heap[parent])) break;
    link->heap[i] = link->heap[parent];
    i = parent;
  }
  link->heap[i] = p;
  return 0;
}

static simlink_pkt *simlink_heap_pop(csctp_simlink *link) {
  simlink_pkt *top = link->heap[0];
  simlink_pkt *last = link->heap[--link->heap_len];
  size_t n = link->heap_len, i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && simlink_pkt_before(link->heap[c + 1], link->heap[c])) c++;
    if (!simlink_pkt_before(link->heap[c], last)) break;
    link->heap[i] = link->heap[c];
    i = c;
  }
  if (n) link->heap[i] = last;
  return top;
}

static simlink_pkt *simlink_pkt_get(csctp_simlink *link, size_t len) {
  simlink_pkt *p = link->free_list;
  if (p) {
    link->free_list = p->next_free;
  } else {
    p = calloc(1, sizeof(*p));
    if (!p) return NULL;
  }
  if (p->cap < len) {
    size_t ncap = len < 1500 ? 1500 : len;
    uint8_t *nd = realloc(p->data, ncap);
    if (!nd) {
      p->next_free = link->free_list;
      link->free_list = p;
      return NULL;
    }
    p->data = nd;
    p->cap = ncap;
  }
  return p;
}

static void simlink_pkt_put(csctp_simlink *link, simlink_pkt *p) {
  p->next_free = link->free_list;
  link->free_list = p;
}

/* Queues one copy for delivery at `when`. Out of memory drops the packet: test code. */
static void simlink_schedule(csctp_simlink *link, int dir, int path, const uint8_t *pkt, size_t len,
                             int ecn, csctp_tstamp when) {
  simlink_pkt *p = simlink_pkt_get(link, len);
  if (!p) return;
  memcpy(p->data, pkt, len);
  p->len = len;
  p->dir = dir;
  p->ecn = ecn;
  p->path = path;
  p->when = when;
  p->seq = link->seq++;
  if (simlink_heap_push(link, p) != 0) simlink_pkt_put(link, p);
}

/* ---- impairments ---- */

/* `pkt` is writable with room for SIMLINK_BUF_CAP bytes (the tap may edit it). */
static void simlink_offer(csctp_simlink *link, int dir, int path, uint8_t *pkt, size_t len,
                          int ecn) {
  simlink_dir *d = link->cfg.n_paths ? &link->pdir[path][dir] : &link->dir[dir];
  const csctp_simlink_dir_config *c = &d->cfg;
  int ect = ecn == CSCTP_ECN_ECT0 || ecn == CSCTP_ECN_ECT1;
  d->cnt.sent++;
  d->cnt.ect += ect;
  d->cnt.bytes_sent += len;
  if (link->tap && link->tap(link, dir, pkt, &len, SIMLINK_BUF_CAP, link->tap_user)) {
    d->cnt.dropped_tap++;
    return;
  }
  if (link->cfg.n_paths) {
    if (link->path_tap && link->path_tap(link, dir, path, pkt, len, link->path_tap_user)) {
      d->cnt.dropped_tap++;
      return;
    }
    if (link->down[path]) {
      d->cnt.dropped_down++;
      return;
    }
  }
  if (c->mtu && len > c->mtu) {
    d->cnt.dropped_mtu++;
    return;
  }
  csctp_tstamp t = link->now;
  if (c->bandwidth) {
    csctp_tstamp start = d->busy_until > t ? d->busy_until : t;
    /* bytes still waiting for the wire when this packet arrives at the queue */
    uint64_t backlog = (start - t) * c->bandwidth / CSCTP_SECONDS;
    if (c->queue_bytes && backlog + len > c->queue_bytes) {
      if (!(c->ecn_mark && ect)) {
        d->cnt.dropped_queue++;
        return;
      }
      ecn = CSCTP_ECN_CE; /* marked instead of dropped: it still takes its place on the wire */
    }
    csctp_tstamp ser = ((uint64_t)len * CSCTP_SECONDS + c->bandwidth - 1) / c->bandwidth;
    d->busy_until = start + ser;
    t = d->busy_until;
  }
  if (c->loss > 0 && csctp_prng_chance(&d->rng, c->loss)) {
    if (!(c->ecn_mark && ect)) {
      d->cnt.dropped_loss++;
      return;
    }
    ecn = CSCTP_ECN_CE;
  }
  if (ect && c->ce_mark > 0 && csctp_prng_chance(&d->rng, c->ce_mark)) ecn = CSCTP_ECN_CE;
  if (ect && ecn == CSCTP_ECN_CE) d->cnt.marked_ce++;
  csctp_tstamp when = t + c->delay;
  if (c->jitter) when += csctp_prng_below(&d->rng, c->jitter + 1);
  if (when < d->last_fifo) when = d->last_fifo;
  d->last_fifo = when;
  if (c->reorder > 0 && csctp_prng_chance(&d->rng, c->reorder)) {
    /* held back without moving last_fifo, so later packets overtake it */
    csctp_tstamp extra = c->reorder_delay ? c->reorder_delay : 1;
    when += 1 + csctp_prng_below(&d->rng, extra);
    d->cnt.reordered++;
  }
  simlink_schedule(link, dir, path, pkt, len, ecn, when);
  if (c->duplicate > 0 && csctp_prng_chance(&d->rng, c->duplicate)) {
    csctp_tstamp dup = when;
    if (c->jitter) dup += csctp_prng_below(&d->rng, c->jitter + 1);
    simlink_schedule(link, dir, path, pkt, len, ecn, dup);
    d->cnt.duplicated++;
  }
}

void csctp_simlink_inject(csctp_simlink *link, int dir, const uint8_t *pkt, size_t len) {
  if (len > SIMLINK_BUF_CAP) {
    link->dir[dir].cnt.sent++;
    link->dir[dir].cnt.dropped_mtu++;
    return;
  }
  memmove(link->ibuf, pkt, len);
  simlink_offer(link, dir, 0, link->ibuf, len, CSCTP_ECN_NOT_ECT);
}

/* ---- paths ---- */

void csctp_simlink_addr(int side, int path, uint8_t port_len, csctp_addr *out) {
  /* The IP form of csctp_addr_ip4(), built here: the link does not need the engine. */
  memset(out, 0, sizeof(*out));
  const uint8_t ip[6] = {10, 0, (uint8_t)path, (uint8_t)(side + 1), 9899 >> 8, 9899 & 0xff};
  out->len = (uint8_t)(4 + (port_len == 2 ? 2 : 0));
  memcpy(out->data, ip, out->len);
}

void csctp_simlink_addr6(int side, int path, uint8_t port_len, csctp_addr *out) {
  memset(out, 0, sizeof(*out));
  const uint8_t ip[18] = {
      0xfd, [13] = (uint8_t)path, [15] = (uint8_t)(side + 1), [16] = 9899 >> 8, [17] = 9899 & 0xff};
  out->len = (uint8_t)(16 + (port_len == 2 ? 2 : 0));
  memcpy(out->data, ip, out->len);
}

/* Side `side`'s address on path `path`, of the path's family. */
static void simlink_path_addr(const csctp_simlink *link, int side, int path, csctp_addr *out) {
  if (link->cfg.v6_paths & (1u << path))
    csctp_simlink_addr6(side, path, link->cfg.port_len, out);
  else
    csctp_simlink_addr(side, path, link->cfg.port_len, out);
}

/* The path whose address of side `side` is `peer` (no address: path 0), or -1. */
static int simlink_route_path(const csctp_simlink *link, int side, const csctp_addr *peer) {
  if (peer->len == 0) return 0;
  for (int i = 0; i < link->cfg.n_paths; i++) {
    csctp_addr x;
    simlink_path_addr(link, side, i, &x);
    if (x.len == peer->len && !memcmp(x.data, peer->data, x.len)) return i;
  }
  return -1;
}

void csctp_simlink_set_path_up(csctp_simlink *link, int path, int up) {
  if (path >= 0 && path < CSCTP_SIMLINK_PATHS) link->down[path] = !up;
}

const csctp_simlink_counters *csctp_simlink_path_counters(const csctp_simlink *link, int path,
                                                          int dir) {
  return &link->pdir[path][dir].cnt;
}

void csctp_simlink_set_path_tap(csctp_simlink *link, csctp_simlink_path_tap_fn fn, void *user) {
  link->path_tap = fn;
  link->path_tap_user = user;
}

/* ---- the driver ---- */

/* Drains events and outbound packets of one side until it is quiet.
 * Returns 1 if anything happened, 0 if not, or an endpoint error (< 0). */
static int simlink_service(csctp_simlink *link, int side) {
  simlink_side *s = &link->side[side];
  if (!s->ops) return 0;
  int any = 0;
  for (;;) {
    int progress = 0;
    csctp_event ev;
    while (s->ops->poll_event && s->ops->poll_event(s->ep, &ev) > 0) {
      progress = 1;
      link->steps++;
      if (s->on_event) s->on_event(link, side, &ev, s->user);
    }
    for (;;) {
      int path = 0;
      csctp_ssize n;
      if (link->cfg.n_paths) {
        csctp_route to;
        n = s->ops->write_packet_via(s->ep, link->wbuf, SIMLINK_BUF_CAP, link->now, &to);
        if (n > 0) path = simlink_route_path(link, 1 - side, &to.peer);
      } else {
        n = s->ops->write_packet(s->ep, link->wbuf, SIMLINK_BUF_CAP, link->now);
      }
      if (n < 0) return (int)n;
      if (n == 0) break;
      progress = 1;
      link->steps++;
      if (path < 0) {
        link->pdir[0][side].cnt.sent++;
        link->pdir[0][side].cnt.dropped_no_route++;
        continue;
      }
      simlink_offer(link, side, path, link->wbuf, (size_t)n,
                    s->ops->packet_ecn ? s->ops->packet_ecn(s->ep) : CSCTP_ECN_NOT_ECT);
    }
    if (!progress) return any;
    any = 1;
  }
}

/* Services both sides until neither does anything (a handler of one side may act on the other). */
static int simlink_service_all(csctp_simlink *link, uint64_t step_end) {
  for (;;) {
    int a = simlink_service(link, 0);
    if (a < 0) return a;
    int b = simlink_service(link, 1);
    if (b < 0) return b;
    if (!a && !b) return 0;
    if (link->steps >= step_end) return 0;
  }
}

static csctp_tstamp simlink_side_expiry(const csctp_simlink *link, int side) {
  const simlink_side *s = &link->side[side];
  return s->ops ? s->ops->expiry(s->ep) : CSCTP_TSTAMP_NONE;
}

csctp_simlink_stop csctp_simlink_run_until(csctp_simlink *link, csctp_simlink_pred_fn pred,
                                           void *user, csctp_tstamp max_duration) {
  csctp_tstamp deadline =
      max_duration > CSCTP_TSTAMP_NONE - link->now ? CSCTP_TSTAMP_NONE : link->now + max_duration;
  uint64_t step_end = link->cfg.max_steps > UINT64_MAX - link->steps
                          ? UINT64_MAX
                          : link->steps + link->cfg.max_steps;
  link->last_error = 0;
  for (;;) {
    int rv = simlink_service_all(link, step_end);
    if (rv < 0) {
      link->last_error = rv;
      return CSCTP_SIMLINK_ERROR;
    }
    if (pred && pred(link, user)) return CSCTP_SIMLINK_DONE;
    if (link->steps >= step_end) return CSCTP_SIMLINK_STEP_LIMIT;
    link->steps++;

    csctp_tstamp t = link->heap_len ? link->heap[0]->when : CSCTP_TSTAMP_NONE;
    for (int side = 0; side < 2; side++) {
      csctp_tstamp e = simlink_side_expiry(link, side);
      if (e < t) t = e;
    }
    if (t == CSCTP_TSTAMP_NONE) return CSCTP_SIMLINK_IDLE;
    if (t > deadline) {
      link->now = deadline;
      return CSCTP_SIMLINK_TIME_LIMIT;
    }
    if (t > link->now) link->now = t;

    while (link->heap_len && link->heap[0]->when <= link->now) {
      simlink_pkt *p = simlink_heap_pop(link);
      int to = 1 - p->dir;
      simlink_side *s = &link->side[to];
      link->dir[p->dir].cnt.delivered++;
      link->dir[p->dir].cnt.bytes_delivered += p->len;
      if (s->ops && link->cfg.n_paths) {
        csctp_route from = {.local = (uint8_t)p->path};
        simlink_path_addr(link, p->dir, p->path, &from.peer);
        rv = s->ops->read_packet_via(s->ep, &from, p->data, p->len, link->now);
      } else if (!s->ops) {
        rv = 0;
      } else if (s->ops->read_packet_ecn) {
        rv = s->ops->read_packet_ecn(s->ep, p->data, p->len, p->ecn, link->now);
      } else {
        rv = s->ops->read_packet(s->ep, p->data, p->len, link->now);
      }
      simlink_pkt_put(link, p);
      if (rv >= 0) rv = simlink_service(link, to);
      if (rv < 0) {
        link->last_error = rv;
        return CSCTP_SIMLINK_ERROR;
      }
      if (++link->steps >= step_end) return CSCTP_SIMLINK_STEP_LIMIT;
    }
    for (int side = 0; side < 2; side++) {
      if (simlink_side_expiry(link, side) > link->now) continue;
      rv = link->side[side].ops->handle_expiry(link->side[side].ep, link->now);
      if (rv < 0) {
        link->last_error = rv;
        return CSCTP_SIMLINK_ERROR;
      }
    }
  }
}
