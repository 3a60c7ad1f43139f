/* SPDX-License-Identifier: MIT */
/* Verifiable traffic and whole exchanges between two associations on the simulated link. */
#include "traffic.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prng.h"

const csctp_traffic_band csctp_traffic_default_bands[] = {
    {8500, 1, 200},      /* one chunk, bundled many to a packet */
    {1200, 201, 2400},   /* one to three chunks */
    {270, 2401, 65536},  /* multi-fragment */
    {25, 65537, 200000}, /* large */
    {5, 250000, 262144}, /* near the 256 KiB maximum */
};
const size_t csctp_traffic_default_nbands =
    sizeof(csctp_traffic_default_bands) / sizeof(csctp_traffic_default_bands[0]);

static const csctp_traffic_band *traffic_bands(const csctp_traffic_config *cfg, size_t *n) {
  if (cfg->bands && cfg->nbands) {
    *n = cfg->nbands;
    return cfg->bands;
  }
  *n = csctp_traffic_default_nbands;
  return csctp_traffic_default_bands;
}

/* A PRNG keyed by (seed, dir, id, salt): each message is reproducible on its own. */
static void traffic_rng(csctp_prng *g, const csctp_traffic_config *cfg, int dir, uint32_t id,
                        uint64_t salt) {
  csctp_prng_seed(g, cfg->seed ^ ((uint64_t)dir << 62) ^ ((uint64_t)id << 20) ^ salt);
  (void)csctp_prng_next(g); /* stir: nearby keys give unrelated streams */
}

void csctp_traffic_describe(const csctp_traffic_config *cfg, int dir, uint32_t id,
                            csctp_traffic_msg *m) {
  size_t nb;
  const csctp_traffic_band *b = traffic_bands(cfg, &nb);
  csctp_prng g;
  traffic_rng(&g, cfg, dir, id, 0x51u);
  uint64_t total = 0;
  for (size_t i = 0; i < nb; i++) total += b[i].weight;
  uint64_t r = csctp_prng_below(&g, total ? total : 1);
  size_t i = 0;
  while (i + 1 < nb && r >= b[i].weight) r -= b[i++].weight;
  m->len = b[i].lo + (uint32_t)csctp_prng_below(&g, (uint64_t)(b[i].hi - b[i].lo) + 1);
  m->stream = (uint16_t)csctp_prng_below(&g, cfg->streams ? cfg->streams : 1);
  m->unordered = csctp_prng_below(&g, 1000) < cfg->unordered_permille;
}

void csctp_traffic_fill(uint8_t *buf, size_t len, const csctp_traffic_config *cfg, int dir,
                        uint32_t id) {
  csctp_prng g;
  traffic_rng(&g, cfg, dir, id, 0xc0u);
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t v = csctp_prng_next(&g);
    memcpy(buf + i, &v, 8);
  }
  if (i < len) {
    uint64_t v = csctp_prng_next(&g);
    memcpy(buf + i, &v, len - i);
  }
}

/* Compares without a second buffer: regenerates 8 bytes at a time. */
static int traffic_matches(const uint8_t *data, size_t len, const csctp_traffic_config *cfg,
                           int dir, uint32_t id) {
  csctp_prng g;
  traffic_rng(&g, cfg, dir, id, 0xc0u);
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t v = csctp_prng_next(&g);
    if (memcmp(data + i, &v, 8) != 0) return 0;
  }
  if (i < len) {
    uint64_t v = csctp_prng_next(&g);
    if (memcmp(data + i, &v, len - i) != 0) return 0;
  }
  return 1;
}

static uint32_t traffic_max_len(const csctp_traffic_config *cfg) {
  size_t nb;
  const csctp_traffic_band *b = traffic_bands(cfg, &nb);
  uint32_t max = 1;
  for (size_t i = 0; i < nb; i++)
    if (b[i].hi > max) max = b[i].hi;
  return max;
}

int csctp_traffic_tx_init(csctp_traffic_tx *tx, const csctp_traffic_config *cfg, int dir) {
  memset(tx, 0, sizeof(*tx));
  tx->cfg = *cfg;
  tx->dir = dir;
  tx->buf = malloc(traffic_max_len(cfg));
  return tx->buf ? 0 : CSCTP_ERR_NOMEM;
}

void csctp_traffic_tx_free(csctp_traffic_tx *tx) {
  free(tx->buf);
  tx->buf = NULL;
}

int csctp_traffic_tx_pump(csctp_traffic_tx *tx, csctp_assoc *a, csctp_tstamp now) {
  while (!tx->error && tx->next_id < tx->cfg.messages) {
    csctp_traffic_msg m;
    csctp_traffic_describe(&tx->cfg, tx->dir, tx->next_id, &m);
    csctp_traffic_fill(tx->buf, m.len, &tx->cfg, tx->dir, tx->next_id);
    csctp_send_opts o = {.stream = m.stream, .ppid = tx->next_id, .unordered = m.unordered};
    int rv = csctp_assoc_send(a, &o, tx->buf, m.len, now);
    if (rv == CSCTP_ERR_WOULD_BLOCK) {
      tx->would_block++;
      return 0;
    }
    if (rv != 0) {
      tx->error = rv;
      return rv;
    }
    tx->bytes_sent += m.len;
    tx->next_id++;
  }
  return tx->error;
}

int csctp_traffic_tx_done(const csctp_traffic_tx *tx) { return tx->next_id >= tx->cfg.messages; }

int csctp_traffic_rx_init(csctp_traffic_rx *rx, const csctp_traffic_config *cfg, int dir) {
  memset(rx, 0, sizeof(*rx));
  rx->cfg = *cfg;
  rx->dir = dir;
  rx->seen = calloc(cfg->messages ? cfg->messages : 1, 1);
  rx->next_ordered = calloc(cfg->streams ? cfg->streams : 1, sizeof(*rx->next_ordered));
  if (!rx->seen || !rx->next_ordered) {
    csctp_traffic_rx_free(rx);
    return CSCTP_ERR_NOMEM;
  }
  return 0;
}

void csctp_traffic_rx_free(csctp_traffic_rx *rx) {
  free(rx->seen);
  free(rx->next_ordered);
  rx->seen = NULL;
  rx->next_ordered = NULL;
}

static void traffic_rx_fail(csctp_traffic_rx *rx, const char *fmt, ...) {
  if (rx->failure[0]) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(rx->failure, sizeof(rx->failure), fmt, ap);
  va_end(ap);
}

void csctp_traffic_rx_on_message(csctp_traffic_rx *rx, const csctp_event *ev) {
  uint32_t id = ev->u.message.ppid;
  const char *dn = rx->dir ? "B->A" : "A->B";
  if (id >= rx->cfg.messages) {
    rx->unknown++;
    traffic_rx_fail(rx, "%s: message with unknown id %u (len %zu)", dn, id, ev->u.message.len);
    return;
  }
  csctp_traffic_msg m;
  csctp_traffic_describe(&rx->cfg, rx->dir, id, &m);
  if (ev->u.message.len != m.len || ev->u.message.stream != m.stream ||
      !ev->u.message.unordered != !m.unordered ||
      !traffic_matches(ev->u.message.data, m.len, &rx->cfg, rx->dir, id)) {
    rx->corrupt++;
    traffic_rx_fail(rx, "%s: message %u corrupt: len %zu/%u stream %u/%u unordered %d/%d", dn, id,
                    ev->u.message.len, m.len, ev->u.message.stream, m.stream,
                    ev->u.message.unordered, m.unordered);
    return;
  }
  if (rx->seen[id]) {
    rx->duplicates++;
    traffic_rx_fail(rx, "%s: message %u delivered twice", dn, id);
    return;
  }
  rx->seen[id] = 1;
  rx->received++;
  rx->bytes += m.len;
  if (!m.unordered) {
    if (id < rx->next_ordered[m.stream]) {
      rx->misordered++;
      traffic_rx_fail(rx, "%s: ordered message %u on stream %u after %u", dn, id, m.stream,
                      rx->next_ordered[m.stream] - 1);
    } else {
      rx->next_ordered[m.stream] = id + 1;
    }
  }
}

int csctp_traffic_rx_complete(const csctp_traffic_rx *rx) {
  return rx->received >= rx->cfg.messages;
}

/* ---- whole exchanges ---- */

typedef struct transfer_ctx {
  const csctp_transfer_params *p;
  csctp_transfer_result *r;
  csctp_simlink *link;
  csctp_assoc *as[2];
  csctp_traffic_tx tx[2]; /* tx[s]: what side s sends (direction s) */
  csctp_traffic_rx rx[2]; /* rx[s]: what side s receives (direction 1 - s) */
  csctp_prng rng[2];
  int sending; /* pump on CONNECTED / SEND_BUFFER_LOW */
} transfer_ctx;

static void transfer_fail(transfer_ctx *t, const char *fmt, ...) {
  if (t->r->failure[0]) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(t->r->failure, sizeof(t->r->failure), fmt, ap);
  va_end(ap);
}

static void transfer_pump(transfer_ctx *t, int side) {
  if (!t->sending) return;
  int rv = csctp_traffic_tx_pump(&t->tx[side], t->as[side], csctp_simlink_now(t->link));
  if (rv != 0)
    transfer_fail(t, "side %c: send of message %u failed: %s", 'A' + side, t->tx[side].next_id,
                  csctp_strerror(rv));
}

static void transfer_on_event(csctp_simlink *link, int side, const csctp_event *ev, void *user) {
  transfer_ctx *t = user;
  csctp_transfer_side *s = &t->r->side[side];
  switch (ev->type) {
  case CSCTP_EVENT_CONNECTED:
    s->connected++;
    s->t_connected = csctp_simlink_now(link);
    if (s->connected > 1) transfer_fail(t, "side %c: CONNECTED twice", 'A' + side);
    transfer_pump(t, side);
    break;
  case CSCTP_EVENT_RESTARTED:
    s->restarted++;
    transfer_fail(t, "side %c: unexpected RESTARTED", 'A' + side);
    break;
  case CSCTP_EVENT_MESSAGE:
    csctp_traffic_rx_on_message(&t->rx[side], ev);
    if (t->rx[side].failure[0]) transfer_fail(t, "%s", t->rx[side].failure);
    break;
  case CSCTP_EVENT_SEND_BUFFER_LOW: transfer_pump(t, side); break;
  case CSCTP_EVENT_SHUTDOWN: s->got_shutdown++; break;
  case CSCTP_EVENT_CLOSED:
    s->closed++;
    s->close_reason = ev->u.closed.reason;
    s->t_closed = csctp_simlink_now(link);
    break;
  case CSCTP_EVENT_PEER_ERROR: s->peer_errors++; break;
  default: break;
  }
}

static int transfer_connected(csctp_simlink *link, void *user) {
  transfer_ctx *t = user;
  return t->r->failure[0] || t->r->side[0].closed || t->r->side[1].closed ||
         (t->r->side[0].connected && t->r->side[1].connected);
}

static int transfer_data_done(csctp_simlink *link, void *user) {
  transfer_ctx *t = user;
  return t->r->failure[0] || t->r->side[0].closed || t->r->side[1].closed ||
         (csctp_traffic_rx_complete(&t->rx[0]) && csctp_traffic_rx_complete(&t->rx[1]));
}

static int transfer_closed(csctp_simlink *link, void *user) {
  transfer_ctx *t = user;
  return t->r->failure[0] || (t->r->side[0].closed && t->r->side[1].closed);
}

/* Describes a run that stopped before its predicate held. */
static void transfer_stalled(transfer_ctx *t, const char *phase, csctp_simlink_stop stop) {
  csctp_stats st[2];
  for (int s = 0; s < 2; s++) csctp_assoc_get_stats(t->as[s], &st[s]);
  transfer_fail(t,
                "%s phase stopped (%s, error %d) at t=%.3f s: A %s rx %llu/%u sent %u buffered %zu "
                "cwnd %u; B %s rx %llu/%u sent %u buffered %zu cwnd %u",
                phase, csctp_simlink_stop_name(stop), csctp_simlink_last_error(t->link),
                (double)csctp_simlink_now(t->link) / 1e6,
                csctp_assoc_state_name(csctp_assoc_get_state(t->as[0])),
                (unsigned long long)t->rx[0].received, t->rx[0].cfg.messages, t->tx[0].next_id,
                st[0].bytes_buffered, st[0].cwnd,
                csctp_assoc_state_name(csctp_assoc_get_state(t->as[1])),
                (unsigned long long)t->rx[1].received, t->rx[1].cfg.messages, t->tx[1].next_id,
                st[1].bytes_buffered, st[1].cwnd);
}

void csctp_transfer_params_default(csctp_transfer_params *p) {
  memset(p, 0, sizeof(*p));
  p->seed = 1;
  csctp_simlink_config_default(&p->link);
  csctp_config_default(&p->assoc);
  p->assoc.rto_initial = 300;
  p->assoc.rto_min = 200;
  p->assoc.rto_max = 3000;
  p->assoc.association_max_retrans = 20;
  p->traffic.messages = 1000;
  p->traffic.streams = 8;
  p->traffic.unordered_permille = 250;
  p->time_budget = 3600 * CSCTP_SECONDS;
}

static int transfer_setup(transfer_ctx *t) {
  const csctp_transfer_params *p = t->p;
  csctp_traffic_config tc = p->traffic;
  if (!tc.seed) tc.seed = p->seed * 0x2545f4914f6cdd1dull + 17;
  for (int s = 0; s < 2; s++) {
    if (csctp_traffic_tx_init(&t->tx[s], &tc, s) || csctp_traffic_rx_init(&t->rx[s], &tc, 1 - s))
      return CSCTP_ERR_NOMEM;
    csctp_prng_seed(&t->rng[s], p->seed * 1000003u + (uint64_t)s * 7919u + 1);
    csctp_config c = p->assoc;
    c.rand = csctp_prng_rand_fn;
    c.rand_user_data = &t->rng[s];
    int rv = csctp_assoc_new(&t->as[s], &c);
    if (rv) return rv;
    /* refill at half the buffer, leaving room for the largest message */
    size_t low = c.sndbuf / 2;
    if (c.sndbuf > c.max_message_size && c.sndbuf - c.max_message_size < low)
      low = c.sndbuf - c.max_message_size;
    csctp_assoc_set_send_buffer_low(t->as[s], low);
  }
  t->link = csctp_simlink_new(&p->link);
  if (!t->link) return CSCTP_ERR_NOMEM;
  csctp_simlink_attach_assocs(t->link, t->as[0], t->as[1]);
  for (int s = 0; s < 2; s++) csctp_simlink_set_event_handler(t->link, s, transfer_on_event, t);
  return 0;
}

static void transfer_collect(transfer_ctx *t) {
  csctp_transfer_result *r = t->r;
  for (int s = 0; s < 2; s++) {
    csctp_transfer_side *side = &r->side[s];
    if (t->as[s]) csctp_assoc_get_stats(t->as[s], &side->stats);
    side->msgs_in = t->rx[s].received;
    side->bytes_in = t->rx[s].bytes;
    side->duplicates = t->rx[s].duplicates;
    side->corrupt = t->rx[s].corrupt;
    side->misordered = t->rx[s].misordered;
    side->unknown = t->rx[s].unknown;
    side->would_block = t->tx[s].would_block;
    if (t->link) r->link[s] = *csctp_simlink_counters_get(t->link, s);
  }
  if (t->link) r->t_end = csctp_simlink_now(t->link);
}

static void transfer_teardown(transfer_ctx *t) {
  csctp_simlink_del(t->link);
  for (int s = 0; s < 2; s++) {
    csctp_assoc_del(t->as[s]);
    csctp_traffic_tx_free(&t->tx[s]);
    csctp_traffic_rx_free(&t->rx[s]);
  }
}

/* The phases after setup; returns when one fails. */
static void transfer_phases(transfer_ctx *t) {
  const csctp_transfer_params *p = t->p;
  csctp_transfer_result *r = t->r;
  csctp_simlink_stop stop;

  r->phase = CSCTP_TRANSFER_HANDSHAKE;
  r->t_start = csctp_simlink_now(t->link);
  int rv = csctp_assoc_connect(t->as[0], r->t_start);
  if (!rv && p->both_connect) rv = csctp_assoc_connect(t->as[1], r->t_start);
  if (rv) {
    transfer_fail(t, "connect: %s", csctp_strerror(rv));
    return;
  }
  t->sending = 1;
  stop = r->stop = csctp_simlink_run_until(t->link, transfer_connected, t, p->time_budget);
  if (r->failure[0]) return;
  if (stop != CSCTP_SIMLINK_DONE || r->side[0].closed || r->side[1].closed) {
    transfer_stalled(t, "handshake", stop);
    return;
  }

  r->phase = CSCTP_TRANSFER_DATA;
  stop = r->stop = csctp_simlink_run_until(t->link, transfer_data_done, t, p->time_budget);
  if (r->failure[0]) return;
  if (stop != CSCTP_SIMLINK_DONE || r->side[0].closed || r->side[1].closed) {
    transfer_stalled(t, "data", stop);
    return;
  }
  r->t_data_done = csctp_simlink_now(t->link);

  r->phase = CSCTP_TRANSFER_SHUTDOWN;
  int who = p->shutdown_side ? 1 : 0;
  rv = csctp_assoc_shutdown(t->as[who], csctp_simlink_now(t->link));
  if (rv) {
    transfer_fail(t, "shutdown: %s", csctp_strerror(rv));
    return;
  }
  stop = r->stop = csctp_simlink_run_until(t->link, transfer_closed, t, p->time_budget);
  if (r->failure[0]) return;
  if (stop != CSCTP_SIMLINK_DONE) {
    transfer_stalled(t, "shutdown", stop);
    return;
  }
  for (int s = 0; s < 2; s++) {
    if (r->side[s].closed != 1 || r->side[s].close_reason != CSCTP_CLOSE_SHUTDOWN ||
        csctp_assoc_get_state(t->as[s]) != CSCTP_STATE_CLOSED) {
      transfer_fail(t, "side %c: closed %d times, reason %d, state %s", 'A' + s, r->side[s].closed,
                    (int)r->side[s].close_reason,
                    csctp_assoc_state_name(csctp_assoc_get_state(t->as[s])));
      return;
    }
  }
  if (!r->side[1 - who].got_shutdown) {
    transfer_fail(t, "side %c: no SHUTDOWN event before CLOSED", 'A' + (1 - who));
    return;
  }
  /* closed means closed: no timer left, nothing more on the wire after the last packets land */
  stop = r->stop = csctp_simlink_run_until(t->link, NULL, NULL, 600 * CSCTP_SECONDS);
  if (stop != CSCTP_SIMLINK_IDLE) {
    transfer_stalled(t, "after-close", stop);
    return;
  }
  r->phase = CSCTP_TRANSFER_DONE;
}

int csctp_transfer_run(const csctp_transfer_params *p, csctp_transfer_result *r) {
  memset(r, 0, sizeof(*r));
  transfer_ctx t;
  memset(&t, 0, sizeof(t));
  t.p = p;
  t.r = r;
  int rv = transfer_setup(&t);
  if (rv)
    transfer_fail(&t, "setup: %s", csctp_strerror(rv));
  else
    transfer_phases(&t);
  transfer_collect(&t);
  transfer_teardown(&t);
  r->ok = r->phase == CSCTP_TRANSFER_DONE && !r->failure[0];
  return r->ok;
}
