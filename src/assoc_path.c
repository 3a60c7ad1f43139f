/* SPDX-License-Identifier: MIT */
/*
 * The paths of a multi-homed association (RFC 9260 §6.4, §8.2): the table, each path's
 * state (UNCONFIRMED until verified, §5.4; ACTIVE; INACTIVE after Path.Max.Retrans errors in
 * a row), the choice of the data path, the primary, events and the per-path figures.
 */
#include <string.h>

#include "assoc.h"
#include "mem.h"
#include "tx_priv.h"

/* The path event fits the union as it was: csctp_event keeps its size. */
_Static_assert(sizeof(((csctp_event *)0)->u.path) <= sizeof(((csctp_event *)0)->u.message),
               "csctp_event grew");

int csctp_assoc_mp_init(csctp_assoc *a) {
  if (a->cfg.max_paths <= 1) return 0;
  csctp_assoc_mp *mp = csctp_calloc(a->mem, 1, sizeof(*mp));
  if (!mp) return CSCTP_ERR_NOMEM;
  for (unsigned i = 0; i < a->cfg.n_local_addrs; i++) mp->laddrs[i] = a->cfg.local_addrs[i];
  mp->n_laddrs = (uint8_t)a->cfg.n_local_addrs;
  for (unsigned i = 0; i < CSCTP_PATHS_MAX; i++) {
    mp->hbt[i] = CSCTP_TSTAMP_NONE;
    mp->local[i] = CSCTP_LOCAL_ANY;
  }
  a->mp = mp;
  a->cfg.local_addrs = NULL; /* copied: the caller's array is not kept */
  return 0;
}

void csctp_assoc_mp_free(csctp_assoc *a) {
  csctp_free(a->mem, a->mp);
  a->mp = NULL;
}

int csctp_assoc_path_find(const csctp_assoc *a, const csctp_addr *addr) {
  if (!a->mp) return -1;
  for (unsigned i = 0; i < a->mp->n; i++)
    if (csctp_assoc_addr_same_ip(a, &a->mp->addr[i], addr)) return (int)i;
  return -1;
}

static void path_event(csctp_assoc *a, unsigned i, uint8_t prev, uint8_t reason) {
  csctp_assoc_mp *mp = a->mp;
  mp->st[i].state_changes++;
  if (mp->n <= 1) return; /* single-homed so far: nothing to tell */
  csctp_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.type = CSCTP_EVENT_PATH_CHANGED;
  ev.u.path.peer = mp->addr[i];
  ev.u.path.path = (uint8_t)i;
  ev.u.path.state = csctp_assoc_path(a, i)->state;
  ev.u.path.prev_state = prev;
  ev.u.path.reason = reason;
  csctp_assoc_push_event(a, &ev, 0);
}

int csctp_assoc_path_add(csctp_assoc *a, const csctp_addr *addr, uint8_t state, csctp_tstamp now) {
  csctp_assoc_mp *mp = a->mp;
  if (!mp) return -1;
  int found = csctp_assoc_path_find(a, addr);
  if (found >= 0) return found;
  unsigned i = 1;
  while (i < mp->n && csctp_assoc_path(a, i)->state != 0) i++; /* a slot ASCONF freed */
  if (i >= mp->n && mp->n >= a->cfg.max_paths) {
    a->stats.peer_addrs_ignored++;
    return -1;
  }
  if (i >= mp->n || mp->n == 0) i = mp->n++;
  csctp_path *p = csctp_assoc_path(a, i);
  uint8_t gen = (uint8_t)(p->gen + 1);
  memset(p, 0, sizeof(*p));
  p->gen = gen;
  p->state = state;
  p->hb_timer = CSCTP_TSTAMP_NONE;
  p->last_sent = now;
  mp->addr[i] = *addr;
  mp->local[i] = CSCTP_LOCAL_ANY;
  mp->hbt[i] = CSCTP_TSTAMP_NONE;
  memset(&mp->st[i], 0, sizeof(mp->st[i]));
  if (i != mp->data_path) {
    /* A new destination starts as the association did (§7.2.1, §6.3.1 C1). */
    csctp_tx_path *tp = &mp->tp[i];
    memset(tp, 0, sizeof(*tp));
    csctp_rto_init(&tp->rto, a->cfg.rto_initial, a->cfg.rto_min, a->cfg.rto_max);
    uint32_t mtu = a->tx.cfg.mtu;
    tp->cwnd =
        4 * mtu < (2 * mtu > 4380 ? 2 * mtu : 4380) ? 4 * mtu : (2 * mtu > 4380 ? 2 * mtu : 4380);
    tp->ssthresh = a->tx.p0.ssthresh ? a->tx.p0.ssthresh : a->cfg.rwnd;
  }
  path_event(a, i, 0, CSCTP_PATH_ADDED);
  return (int)i;
}

static void path_swap_data(csctp_assoc *a, unsigned to);

int csctp_assoc_path_remove(csctp_assoc *a, unsigned i) {
  csctp_assoc_mp *mp = a->mp;
  if (!mp || i == 0 || i >= mp->n || csctp_assoc_path(a, i)->state == 0) return -1;
  csctp_path *p = csctp_assoc_path(a, i);
  uint8_t prev = p->state;
  csctp_addr gone = mp->addr[i];
  /* The slot is free: no address (never found again), no timer, no state. */
  p->state = 0;
  p->hb_outstanding = 0;
  p->flags = 0;
  mp->hbt[i] = CSCTP_TSTAMP_NONE;
  memset(&mp->addr[i], 0, sizeof(mp->addr[i]));
  if (mp->primary == i) {
    /* The source of the request is alive; else the lowest-numbered live path. */
    unsigned np = 0;
    if (mp->src < mp->n && mp->src != i && csctp_assoc_path(a, mp->src)->state != 0) np = mp->src;
    mp->primary = (uint8_t)np;
  }
  if (mp->reply_path == i) mp->reply_path = mp->primary;
  /* Records sent there are retransmitted by T3 elsewhere (the strike on a free slot changes
   * nothing); new data leaves it now. */
  csctp_assoc_path_select(a);
  if (mp->data_path == i) path_swap_data(a, mp->primary);
  if (mp->rtx_path == i) mp->rtx_path = mp->data_path;
  csctp_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.type = CSCTP_EVENT_PATH_CHANGED;
  ev.u.path.peer = gone;
  ev.u.path.path = (uint8_t)i;
  ev.u.path.state = 0;
  ev.u.path.prev_state = prev;
  ev.u.path.reason = CSCTP_PATH_REMOVED;
  mp->st[i].state_changes++;
  csctp_assoc_push_event(a, &ev, 0);
  csctp_assoc_log(a, CSCTP_LOG_INFO, "path %u removed", i);
  return 0;
}

/* Moves the data path's send state out of tx.p0 and path `to`'s in (§6.4: each destination
 * has its own cwnd, RTO and RTT measurement; the one in flight is dropped, Karn). */
static void path_swap_data(csctp_assoc *a, unsigned to) {
  csctp_assoc_mp *mp = a->mp;
  if (to == mp->data_path) return;
  mp->tp[mp->data_path] = a->tx.p0;
  a->tx.p0 = mp->tp[to];
  a->tx.p0.rtt_on = 0;
  mp->data_path = (uint8_t)to;
  csctp_assoc_pl_new_path(a); /* PLPMTUD: the size is the new path's to find */
}

static int path_usable(csctp_assoc *a, unsigned i) {
  return csctp_assoc_path(a, i)->state == CSCTP_PATH_ACTIVE;
}

/* RFC 7829 §3 item 3: no active path, some potentially failed: the one with the fewest
 * errors. -1 when none. */
static int path_best_pf(csctp_assoc *a) {
  int best = -1;
  for (unsigned i = 0; i < a->mp->n; i++) {
    if (csctp_assoc_path(a, i)->state != CSCTP_PATH_PF) continue;
    if (best < 0 ||
        csctp_assoc_path(a, i)->error_count < csctp_assoc_path(a, (unsigned)best)->error_count)
      best = (int)i;
  }
  return best;
}

/* Another ACTIVE path than `not`: the one with the fewest errors, lowest index first; -1. */
static int path_alternate(csctp_assoc *a, unsigned not ) {
  int best = -1;
  for (unsigned i = 0; i < a->mp->n; i++) {
    if (i == not || !path_usable(a, i)) continue;
    if (best < 0 ||
        csctp_assoc_path(a, i)->error_count < csctp_assoc_path(a, (unsigned)best)->error_count)
      best = (int)i;
  }
  return best;
}

/* RFC 7829 §4 dormant state (RFC 9260 §8.2: what to do then is the implementation's): every
 * confirmed path inactive. Data goes on to the one that became inactive last, i.e. the most
 * recently active (Linux does the same); T3 keeps probing it at the backed-off RTO while
 * every inactive path gets its HEARTBEAT per RTO, and the first to answer takes the data.
 * -1 when some confirmed path is not inactive. */
static int path_dormant(csctp_assoc *a) {
  csctp_assoc_mp *mp = a->mp;
  int best = -1;
  for (unsigned i = 0; i < mp->n; i++) {
    uint8_t st = csctp_assoc_path(a, i)->state;
    if (st == CSCTP_PATH_ACTIVE || st == CSCTP_PATH_PF) return -1;
    if (st != CSCTP_PATH_INACTIVE) continue;
    if (best < 0 || mp->inactive_seq[i] > mp->inactive_seq[best]) best = (int)i;
  }
  return best;
}

void csctp_assoc_path_select(csctp_assoc *a) {
  csctp_assoc_mp *mp = a->mp;
  if (!mp || mp->n == 0) return;
  unsigned to = mp->data_path;
  int dormant = path_dormant(a);
  if (path_usable(a, mp->primary)) {
    to = mp->primary;
  } else if (!path_usable(a, to)) {
    int alt = path_alternate(a, mp->primary);
    if (alt < 0) alt = path_best_pf(a);
    if (alt < 0) alt = dormant;
    if (alt >= 0) to = (unsigned)alt;
  }
  if (dormant >= 0 && !mp->dormant) {
    mp->v5.dormant_entered++;
    csctp_assoc_log(a, CSCTP_LOG_INFO, "every path inactive: dormant on path %u", to);
  }
  mp->dormant = dormant >= 0;
  if (to != mp->data_path) {
    if (mp->data_path == mp->primary) a->stats.path_failovers++;
    path_swap_data(a, to);
    csctp_assoc_log(a, CSCTP_LOG_INFO, "new data goes to path %u", to);
  }
  if (!path_usable(a, mp->rtx_path)) mp->rtx_path = mp->data_path;
}

void csctp_assoc_path_set_state(csctp_assoc *a, unsigned i, uint8_t st, uint8_t reason) {
  csctp_path *p = csctp_assoc_path(a, i);
  uint8_t prev = p->state;
  if (prev == st) return;
  p->state = st;
  if (st == CSCTP_PATH_INACTIVE) {
    a->stats.path_inactive++;
    a->mp->inactive_seq[i] = ++a->mp->inactive_n;
  }
  if (prev == CSCTP_PATH_UNCONFIRMED && st == CSCTP_PATH_ACTIVE) a->stats.paths_confirmed++;
  csctp_assoc_log(a, CSCTP_LOG_INFO, "path %u: state %u -> %u", i, prev, st);
  path_event(a, i, prev, reason);
  csctp_assoc_path_select(a);
}

void csctp_assoc_path_strike(csctp_assoc *a, unsigned i, csctp_tstamp now) {
  csctp_path *p = csctp_assoc_path(a, i);
  p->error_count++;
  /* §8.2: over Path.Max.Retrans the address is inactive (an unconfirmed one stays what it is,
   * and is still probed, assoc_multi.c); RFC 7829 §3: over PFMR first potentially failed. */
  int live = p->state == CSCTP_PATH_ACTIVE || p->state == CSCTP_PATH_PF;
  if (live && p->error_count > a->cfg.path_max_retrans) {
    csctp_assoc_path_set_state(a, i, CSCTP_PATH_INACTIVE, CSCTP_PATH_FAILED);
  } else if (p->state == CSCTP_PATH_ACTIVE && p->error_count > a->cfg.pf_max_retrans) {
    a->stats.pf_transitions++;
    a->mp->hbt[i] = now; /* probed at once, then per RTO (RFC 7829 §3 item 4) */
    if (a->p0.hb_timer > now) a->p0.hb_timer = now;
    csctp_assoc_path_set_state(a, i, CSCTP_PATH_PF, CSCTP_PATH_POTENTIALLY_FAILED);
  }
  /* RFC 7829 §5: the primary over PSMR gives way to an active path, for good. */
  csctp_assoc_mp *mp = a->mp;
  if (i == mp->primary && a->cfg.ps_max_retrans != CSCTP_PS_OFF &&
      p->error_count > a->cfg.ps_max_retrans) {
    int alt = path_alternate(a, i);
    if (alt >= 0) {
      mp->primary = (uint8_t)alt;
      path_event(a, (unsigned)alt, csctp_assoc_path(a, (unsigned)alt)->state,
                 CSCTP_PATH_SWITCHOVER);
      csctp_assoc_path_select(a);
    }
  }
}

void csctp_assoc_path_heard(csctp_assoc *a, unsigned i, int by_hb, csctp_tstamp now) {
  csctp_path *p = csctp_assoc_path(a, i);
  (void)now;
  p->error_count = 0;
  /* RFC 7829 §3 item 6: a potentially failed path that answers (SACK or HEARTBEAT ACK) is
   * active again. */
  if (p->state == CSCTP_PATH_PF)
    csctp_assoc_path_set_state(a, i, CSCTP_PATH_ACTIVE, CSCTP_PATH_RECOVERED);
  if (!by_hb) return;
  if (p->state == CSCTP_PATH_UNCONFIRMED)
    csctp_assoc_path_set_state(a, i, CSCTP_PATH_ACTIVE, CSCTP_PATH_CONFIRMED);
  else if (p->state == CSCTP_PATH_INACTIVE)
    csctp_assoc_path_set_state(a, i, CSCTP_PATH_ACTIVE, CSCTP_PATH_RECOVERED);
}

/* ---- API ---- */

size_t csctp_assoc_path_count(const csctp_assoc *a) {
  if (!a) return 0;
  return a->mp && a->mp->n ? a->mp->n : 1;
}

int csctp_assoc_get_path_versioned(const csctp_assoc *ca, int version, unsigned path,
                                   csctp_path_info *out) {
  if (!ca || !out || version != CSCTP_PATH_INFO_V1 || path >= csctp_assoc_path_count(ca))
    return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_assoc *a = (csctp_assoc *)ca; /* the accessors are shared with the writers */
  const csctp_path *p = csctp_assoc_path(a, path);
  const csctp_tx_path *tp = csctp_assoc_txpath(a, path);
  memset(out, 0, sizeof(*out));
  out->path = (uint8_t)path;
  out->local = CSCTP_LOCAL_ANY;
  out->state = p->state;
  out->primary = (uint8_t)(csctp_assoc_get_primary(a) == (int)path);
  out->data_path = (uint8_t)(!a->mp || a->mp->data_path == path);
  out->error_count = a->mp ? p->error_count : a->error_count;
  out->srtt_ms = (uint32_t)(tp->rto.srtt / CSCTP_MILLISECONDS);
  out->rttvar_ms = (uint32_t)(tp->rto.rttvar / CSCTP_MILLISECONDS);
  out->rto_ms = (uint32_t)(tp->rto.rto / CSCTP_MILLISECONDS);
  out->cwnd = tp->cwnd;
  out->ssthresh = tp->ssthresh;
  if (a->mp) {
    const csctp_path_stats *st = &a->mp->st[path];
    if (a->mp->n) out->peer = a->mp->addr[path];
    out->local = a->mp->local[path];
    out->packets_out = st->packets_out;
    out->packets_in = st->packets_in;
    out->heartbeats_out = st->heartbeats_out;
    out->heartbeat_acks_in = st->heartbeat_acks_in;
    out->t3_expiries = st->t3_expiries;
    out->state_changes = st->state_changes;
  } else {
    out->packets_out = a->stats.packets_out;
    out->packets_in = a->stats.packets_in;
    out->heartbeats_out = a->stats.heartbeats_out;
    out->t3_expiries = a->tx.stats.t3_expiries;
  }
  return 0;
}

int csctp_assoc_set_primary(csctp_assoc *a, unsigned path, csctp_tstamp now) {
  (void)now;
  if (!a || path >= csctp_assoc_path_count(a)) return CSCTP_ERR_INVALID_ARGUMENT;
  if (!a->mp) return 0; /* the one path */
  if (csctp_assoc_path(a, path)->state == CSCTP_PATH_UNCONFIRMED) return CSCTP_ERR_INVALID_STATE;
  if (a->mp->primary != path) {
    a->mp->primary = (uint8_t)path;
    path_event(a, path, csctp_assoc_path(a, path)->state, CSCTP_PATH_PRIMARY);
    csctp_assoc_path_select(a);
    csctp_assoc_mark(a);
  }
  return 0;
}

int csctp_assoc_get_primary(const csctp_assoc *a) { return a && a->mp ? a->mp->primary : 0; }

int csctp_assoc_add_peer_addr(csctp_assoc *a, const csctp_addr *peer) {
  if (!a || !peer || !a->mp || !csctp_addr_family(peer, a->cfg.addr_port_len, NULL, NULL))
    return CSCTP_ERR_INVALID_ARGUMENT;
  if (a->state != CSCTP_STATE_CLOSED || a->dead) return CSCTP_ERR_INVALID_STATE;
  if (csctp_assoc_path_find(a, peer) >= 0 || a->mp->n >= a->cfg.max_paths)
    return CSCTP_ERR_INVALID_ARGUMENT;
  /* §5.4 rule 1: an address the upper layer gives is CONFIRMED. */
  csctp_assoc_path_add(a, peer, CSCTP_PATH_ACTIVE, 0);
  return 0;
}
