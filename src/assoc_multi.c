/* SPDX-License-Identifier: MIT */
/*
 * A multi-homed association's input and output (RFC 9260 §5.4, §6.4, §8.2, §8.3): the _via
 * calls that name each packet's path, path verification and heartbeats per path, the paths
 * the handshake brings, and T3-rtx's strike and retransmission to another path. None of it
 * runs for a single-homed association (cfg.max_paths 1, or one path known).
 */
#include <string.h>

#include "assoc.h"
#include "assoc_asconf.h"
#include "assoc_checksum.h"
#include "packet.h"
#include "tx_ring.h"

#define HB_INFO_MP_LEN 20 /* sent (8), nonce (8), path, generation, 2 zero bytes */

static csctp_tstamp tmin(csctp_tstamp x, csctp_tstamp y) { return x < y ? x : y; }

static void route_fill(const csctp_assoc *a, unsigned i, csctp_route *to) {
  to->path = (uint8_t)i;
  to->peer = a->mp->addr[i];
  to->local = a->mp->local[i];
}

/* ---- The handshake's addresses ---- */

static void rec_of(const csctp_addr *x, uint8_t rec[CSCTP_ADDR_REC], uint8_t port_len) {
  const uint8_t *ip;
  int fam = csctp_addr_family(x, port_len, &ip, NULL);
  memset(rec, 0, CSCTP_ADDR_REC);
  rec[0] = (uint8_t)fam;
  if (fam) memcpy(rec + 1, ip, fam == 4 ? 4 : 16);
}

void csctp_assoc_mp_cookie(csctp_assoc *a, const csctp_init_chunk *in, csctp_cookie *c) {
  csctp_assoc_mp *mp = a->mp;
  c->n_addrs = 0;
  if (!mp->n) return; /* no address known (the plain API): single-homed */
  const csctp_addr *src = &mp->addr[mp->src];
  rec_of(src, c->addrs[0], a->cfg.addr_port_len); /* where the INIT ACK goes (§5.4 rule 2) */
  c->n_addrs =
      (uint8_t)(1 + csctp_assoc_peer_addr_list(a, in, src, c->addrs + 1, a->cfg.max_paths - 1));
}

void csctp_assoc_mp_from_cookie(csctp_assoc *a, const csctp_cookie *c, int restart,
                                csctp_tstamp now) {
  csctp_assoc_mp *mp = a->mp;
  if (!mp || !c->n_addrs || !mp->n) return;
  csctp_addr src = mp->addr[mp->src], x;
  if (csctp_assoc_addr_from_rec(a, c->addrs[0], &src, &x) == 0 && !restart) {
    mp->addr[0] = x; /* path 0: the address the INIT ACK went to, confirmed by the cookie */
    a->p0.state = CSCTP_PATH_ACTIVE;
  }
  for (unsigned i = 1; i < c->n_addrs; i++) {
    if (csctp_assoc_addr_from_rec(a, c->addrs[i], &src, &x) != 0) continue;
    /* A restart bringing new addresses was refused (csctp_assoc_mp_restart_cookie). */
    csctp_assoc_path_add(a, &x, CSCTP_PATH_UNCONFIRMED, now);
  }
}

void csctp_assoc_mp_from_init_ack(csctp_assoc *a, const csctp_init_chunk *in, csctp_tstamp now) {
  csctp_assoc_mp *mp = a->mp;
  if (!mp || !mp->n) return;
  uint8_t recs[CSCTP_PATHS_MAX][CSCTP_ADDR_REC];
  csctp_addr src = mp->addr[mp->src], x;
  size_t k = csctp_assoc_peer_addr_list(a, in, &src, recs, a->cfg.max_paths - 1);
  for (size_t i = 0; i < k; i++)
    if (csctp_assoc_addr_from_rec(a, recs[i], &src, &x) == 0)
      csctp_assoc_path_add(a, &x, CSCTP_PATH_UNCONFIRMED, now);
}

void csctp_assoc_mp_reply_to_src(csctp_assoc *a) {
  csctp_assoc_mp *mp = a->mp;
  unsigned src = mp->src;
  if (!a->opkt_tail || src >= mp->n || csctp_assoc_path(a, src)->state == CSCTP_PATH_UNCONFIRMED)
    return;
  a->opkt_tail->path = (uint8_t)src;
  a->opkt_tail->to_src = 1;
  a->opkt_tail->local = mp->src_local;
}

/* ---- Heartbeats per path (§5.4, §8.3) ---- */

static csctp_tstamp hb_idle_deadline(csctp_assoc *a, unsigned i, csctp_tstamp now) {
  csctp_tstamp rto = csctp_rto_get(&csctp_assoc_txpath(a, i)->rto);
  if (!a->cfg.hb_interval) return CSCTP_TSTAMP_NONE;
  uint32_t r = 0;
  csctp_assoc_random_u32(a, &r, 0);
  return now + (csctp_tstamp)a->cfg.hb_interval * CSCTP_MILLISECONDS + rto / 2 +
         (rto ? r % rto : 0);
}

static void hb_sync(csctp_assoc *a) {
  csctp_tstamp t = CSCTP_TSTAMP_NONE;
  for (unsigned i = 0; i < a->mp->n; i++) t = tmin(t, a->mp->hbt[i]);
  a->p0.hb_timer = t;
}

void csctp_assoc_mp_start(csctp_assoc *a, csctp_tstamp now) {
  csctp_assoc_mp *mp = a->mp;
  for (unsigned i = 0; i < mp->n; i++) {
    csctp_path *p = csctp_assoc_path(a, i);
    p->hb_outstanding = 0;
    p->last_sent = now;
    /* Verification starts at once (§5.4); a confirmed path idles first. */
    mp->hbt[i] = p->state == CSCTP_PATH_UNCONFIRMED ? now : hb_idle_deadline(a, i, now);
  }
  hb_sync(a);
}

/* §5.4: at most HB.Max.Burst verification HEARTBEATs per RTO, over all unconfirmed paths. */
static int hb_burst_take(csctp_assoc *a, csctp_tstamp now) {
  csctp_assoc_mp *mp = a->mp;
  if (now >= mp->hb_window) {
    mp->hb_window = now + csctp_rto_get(&a->tx.p0.rto);
    mp->hb_burst = 0;
  }
  if (mp->hb_burst >= a->cfg.hb_max_burst) return 0;
  mp->hb_burst++;
  return 1;
}

void csctp_assoc_mp_path_started(csctp_assoc *a, unsigned i, csctp_tstamp now) {
  csctp_path *p = csctp_assoc_path(a, i);
  p->hb_outstanding = 0;
  p->last_sent = now;
  a->mp->hbt[i] = p->state == CSCTP_PATH_UNCONFIRMED ? now : hb_idle_deadline(a, i, now);
  hb_sync(a);
}

int csctp_assoc_mp_hb_run(csctp_assoc *a, csctp_tstamp now) {
  csctp_assoc_mp *mp = a->mp;
  int open = a->state >= CSCTP_STATE_ESTABLISHED && a->state != CSCTP_STATE_SHUTDOWN_SENT &&
             a->state != CSCTP_STATE_SHUTDOWN_ACK_SENT;
  for (unsigned i = 0; i < mp->n; i++) {
    if (mp->hbt[i] > now) continue;
    csctp_path *p = csctp_assoc_path(a, i);
    csctp_tx_path *tp = csctp_assoc_txpath(a, i);
    if (p->hb_outstanding) {
      /* Unanswered (§8.3): one more error for the path, back off its RTO; the association's
       * counter too when the path is the one data goes to (§8.1: not for another, idle path,
       * nor for an unconfirmed one, §5.4). */
      p->hb_outstanding = 0;
      csctp_rto_backoff(&tp->rto);
      int counts = p->state != CSCTP_PATH_UNCONFIRMED && i == mp->data_path;
      csctp_assoc_path_strike(a, i, now);
      if (p->state == CSCTP_PATH_UNCONFIRMED && p->error_count > a->cfg.path_max_retrans &&
          !(p->flags & CSCTP_PATHF_GAVE_UP)) {
        /* §5.4 gives no end to verification: Path.Max.Retrans + 1 unanswered probes end it
         * here, so that a listed address that never answers (someone else's: RFC 5062 §5, bombing)
         * gets a bounded number of packets. It stays unconfirmed and unused. */
        p->flags |= CSCTP_PATHF_GAVE_UP;
        mp->v5.paths_unverified++;
        csctp_assoc_log(a, CSCTP_LOG_INFO, "path %u never confirmed: no more probes", i);
      }
      if (counts && csctp_assoc_count_error(a)) return 1;
    }
    if (p->flags & CSCTP_PATHF_GAVE_UP) {
      mp->hbt[i] = CSCTP_TSTAMP_NONE;
      continue;
    }
    int send = 0,
        verify = p->state == CSCTP_PATH_UNCONFIRMED && p->error_count <= a->cfg.path_max_retrans;
    if (open) {
      if (verify)
        send = hb_burst_take(a, now);
      else if (p->state == CSCTP_PATH_INACTIVE || p->state == CSCTP_PATH_UNCONFIRMED ||
               p->state == CSCTP_PATH_PF)
        send = 1; /* per RTO, backed off: it may come back (§8.2, RFC 7829 §3) */
      else
        send = a->cfg.hb_interval &&
               now - p->last_sent >= (csctp_tstamp)a->cfg.hb_interval * CSCTP_MILLISECONDS;
    }
    if (send) {
      uint32_t hi = 0, lo = 0;
      csctp_assoc_random_u32(a, &hi, 0);
      csctp_assoc_random_u32(a, &lo, 0);
      p->hb_nonce = ((uint64_t)hi << 32) | lo;
      p->hb_sent = now;
      p->hb_outstanding = 1;
      p->flags |= CSCTP_PATHF_HB_DUE;
      mp->hbt[i] = now + csctp_rto_get(&tp->rto);
      csctp_assoc_mark(a);
    } else if (open && verify) {
      mp->hbt[i] = mp->hb_window > now ? mp->hb_window : now + csctp_rto_get(&tp->rto);
    } else if (open && a->cfg.hb_interval == 0 && p->state != CSCTP_PATH_ACTIVE) {
      mp->hbt[i] = now + csctp_rto_get(&tp->rto);
    } else {
      mp->hbt[i] = hb_idle_deadline(a, i, now);
    }
  }
  hb_sync(a);
  return 0;
}

/* Writes path i's due HEARTBEAT as a packet of its own (to an unconfirmed path nothing else
 * may go, §5.4). Its length, or 0. */
static csctp_ssize hb_write(csctp_assoc *a, unsigned i, uint8_t *buf, csctp_tstamp now) {
  csctp_path *p = csctp_assoc_path(a, i);
  p->flags &= (uint8_t)~CSCTP_PATHF_HB_DUE;
  if (!p->hb_outstanding) return 0;
  uint8_t info[HB_INFO_MP_LEN] = {0};
  csctp_put_u32(info, (uint32_t)(p->hb_sent >> 32));
  csctp_put_u32(info + 4, (uint32_t)p->hb_sent);
  csctp_put_u32(info + 8, (uint32_t)(p->hb_nonce >> 32));
  csctp_put_u32(info + 12, (uint32_t)p->hb_nonce);
  info[16] = (uint8_t)i;
  info[17] = p->gen;
  csctp_wr w;
  csctp_wr_init(&w, buf, a->mtu_now - a->auth_tx_len);
  csctp_packet_write_header(&w, a->cfg.local_port, a->cfg.remote_port, a->peer_tag);
  csctp_heartbeat_write(&w, CSCTP_CHUNK_HEARTBEAT, info, sizeof(info));
  if (w.overflow) return 0;
  if (a->auth_tx_len) {
    csctp_ssize n = csctp_assoc_auth_seal(a, buf, w.len);
    if (n < 0) return n;
    w.len = (size_t)n;
  }
  csctp_assoc_checksum_seal(a, buf, w.len);
  (void)now;
  a->stats.packets_out++;
  a->stats.chunks_out++;
  a->stats.heartbeats_out++;
  a->mp->st[i].heartbeats_out++;
  if (p->state == CSCTP_PATH_UNCONFIRMED) a->stats.hb_unconfirmed_out++;
  return (csctp_ssize)w.len;
}

void csctp_assoc_mp_on_heartbeat(csctp_assoc *a, const uint8_t *info, size_t len) {
  unsigned src = a->mp->src;
  csctp_path *p = csctp_assoc_path(a, src);
  /* One HEARTBEAT ACK waiting per path: a flood of HEARTBEATs queues no more. */
  if (p->flags & CSCTP_PATHF_HBACK_Q) {
    a->mp->v5.hb_dropped_ack_queued++;
    return;
  }
  uint8_t buf[1200];
  csctp_wr w;
  csctp_wr_init(&w, buf, a->cfg.mtu - 12 < sizeof(buf) ? a->cfg.mtu - 12 : sizeof(buf));
  csctp_heartbeat_write(&w, CSCTP_CHUNK_HEARTBEAT_ACK, info, len);
  if (w.overflow || csctp_assoc_queue_packet(a, a->peer_tag, buf, w.len) != 0) return;
  a->opkt_tail->path = (uint8_t)src; /* §8.3: to the source of the HEARTBEAT */
  a->opkt_tail->hback = 1;
  p->flags |= CSCTP_PATHF_HBACK_Q;
}

int csctp_assoc_mp_on_hb_ack(csctp_assoc *a, const uint8_t *info, size_t len, csctp_tstamp now) {
  if (len != HB_INFO_MP_LEN) return 0;
  csctp_assoc_mp *mp = a->mp;
  unsigned i = info[16];
  if (i >= mp->n) return 1;
  csctp_path *p = csctp_assoc_path(a, i);
  uint64_t sent = ((uint64_t)csctp_get_u32(info) << 32) | csctp_get_u32(info + 4);
  uint64_t nonce = ((uint64_t)csctp_get_u32(info + 8) << 32) | csctp_get_u32(info + 12);
  /* §5.4: only our nonce, sent to that very address (slot generation), counts. */
  if (info[17] != p->gen || !p->hb_outstanding || nonce != p->hb_nonce || sent != p->hb_sent ||
      now < sent)
    return 1;
  p->hb_outstanding = 0;
  mp->st[i].heartbeat_acks_in++;
  csctp_rto_update(&csctp_assoc_txpath(a, i)->rto, now - sent);
  if (p->state != CSCTP_PATH_UNCONFIRMED) a->error_count = 0; /* §8.3 */
  csctp_assoc_path_heard(a, i, 1, now);
  mp->hbt[i] = hb_idle_deadline(a, i, now);
  hb_sync(a);
  return 1;
}

/* ---- T3 ---- */

void csctp_assoc_mp_on_t3(csctp_assoc *a, csctp_tstamp now) {
  csctp_assoc_mp *mp = a->mp;
  int k = csctp_tx_record_path(&a->tx, a->tx.cum_tsn_ack + 1);
  unsigned p = k >= 0 && (unsigned)k < mp->n ? (unsigned)k : mp->data_path;
  mp->st[p].t3_expiries++;
  if (p != mp->data_path) csctp_rto_backoff(&mp->tp[p].rto); /* E2 is the path's (§6.3.3) */
  csctp_assoc_path_strike(a, p, now);
  /* §6.4.1: retransmit to another active destination when there is one. */
  int alt = -1;
  for (unsigned i = 0; i < mp->n; i++) {
    if (i == p || csctp_assoc_path(a, i)->state != CSCTP_PATH_ACTIVE) continue;
    if (alt < 0 || i == mp->data_path) alt = (int)i;
  }
  mp->rtx_path = alt >= 0 ? (uint8_t)alt : mp->data_path;
}

/* ---- Input and output ---- */

/* The path of the newest DATA a SACK in pkt acknowledges cumulatively (§8.3: its error
 * counter is cleared), or -1. Looked at before the SACK is processed. Not when that DATA is
 * marked for retransmission: sent before a timeout struck its path (it arrived, its SACKs were
 * lost there), its acknowledgement, come another way, is no news of the path (RFC 7829 §3:
 * a potentially failed path returns on an acknowledgement of data sent to it since). */
static int sack_acked_path(csctp_assoc *a, const uint8_t *pkt, size_t len) {
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, pkt, len);
  for (int n = 0; n < 16 && csctp_chunk_next(&it, &ch) == 1; n++) {
    if (ch.type != CSCTP_CHUNK_SACK || ch.value_len < 4) continue;
    csctp_tsn cum = csctp_get_u32(ch.value);
    if (!csctp_tsn_gt(cum, a->tx.cum_tsn_ack) || !csctp_tsn_lt(cum, a->tx.next_tsn)) return -1;
    return csctp_tx_record_path_live(&a->tx, cum);
  }
  return -1;
}

int csctp_assoc_read_packet_via(csctp_assoc *a, const csctp_route *from, const uint8_t *pkt,
                                size_t len, csctp_tstamp now) {
  if (!a || !from) return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_assoc_mp *mp = a->mp;
  if (!mp) return csctp_assoc_read_packet(a, pkt, len, now);
  int i = csctp_assoc_path_find(a, &from->peer);
  csctp_path p0 = {0};
  int tentative = 0; /* path 0 taken from this packet: kept only if it is proven */
  if (i < 0 && csctp_addr_family(&from->peer, a->cfg.addr_port_len, NULL, NULL)) {
    if (mp->n == 0 && a->state <= CSCTP_STATE_COOKIE_ECHOED) {
      p0 = a->p0;
      i = csctp_assoc_path_add(a, &from->peer, CSCTP_PATH_ACTIVE, now);
      tentative = a->state != CSCTP_STATE_CLOSED; /* a listener answers where the INIT was */
    } else if (a->state == CSCTP_STATE_CLOSED && mp->n == 1) {
      mp->addr[0] = from->peer; /* stateless: the INIT ACK goes to this INIT's source */
      i = 0;
    }
  }
  if (i < 0 && csctp_assoc_asconf_stranger_ok(a, pkt, len)) {
    /* RFC 5061: AUTH + ASCONF from a new address; only an Add IP makes it a path. */
    a->mp->asc->stranger = from->peer;
    mp->src = CSCTP_ASCONF_STRANGER;
    int rv = csctp_assoc_read_packet(a, pkt, len, now);
    mp->src = 0;
    return rv;
  }
  if (i < 0) {
    a->stats.packets_in++;
    a->stats.drop_unknown_source++;
    return 0;
  }
  mp->src = (uint8_t)i;
  mp->src_local = from->local;
  uint8_t local = mp->local[i];
  mp->local[i] = from->local;
  mp->st[i].packets_in++;
  uint32_t acc = a->rx_accepted;
  int heard = csctp_assoc_multi(a) ? sack_acked_path(a, pkt, len) : -1;
  csctp_tsn cum = a->tx.cum_tsn_ack;
  int rv = csctp_assoc_read_packet(a, pkt, len, now);
  if (a->rx_accepted != acc) {
    /* RFC 6951 §5.4: the UDP port follows accepted packets, the IP does not (a COOKIE ECHO
     * confirms the address of the INIT, §5.4, whatever its own source). */
    if (csctp_assoc_addr_same_ip(a, &mp->addr[i], &from->peer)) mp->addr[i] = from->peer;
    if (csctp_assoc_path(a, (unsigned)i)->state == CSCTP_PATH_ACTIVE) mp->reply_path = (uint8_t)i;
    if (heard >= 0 && (unsigned)heard < mp->n && a->tx.cum_tsn_ack != cum)
      csctp_assoc_path_heard(a, (unsigned)heard, 0, now);
  } else if (tentative) {
    mp->n = 0; /* not proven (tag): a stranger's packet does not become path 0 */
    a->p0 = p0;
  } else if (a->state != CSCTP_STATE_CLOSED && (unsigned)i < mp->n) {
    /* Not proven (tag, cookie): it chooses nothing; a listener's INIT ACK leaves from where
     * the INIT arrived. */
    mp->local[i] = local;
  }
  mp->src = 0; /* the plain call means path 0 */
  return rv;
}

static csctp_ssize mp_write(csctp_assoc *a, uint8_t *buf, size_t cap, csctp_tstamp now,
                            csctp_route *to) {
  csctp_assoc_mp *mp = a->mp;
  csctp_ssize n;
  if (!buf || cap < csctp_assoc_buf_need(a)) return CSCTP_ERR_NOBUF;
  mp->writing = 1;
  a->pl_frag_ok = 0;  /* set again by the writes that may cut a packet for a larger size */
  if (a->opkt_head) { /* a complete packet: a HEARTBEAT ACK to its source, the rest to data */
    csctp_assoc_opkt *o = a->opkt_head;
    unsigned dest = (o->hback || o->to_src) && o->path < mp->n ? o->path : mp->data_path;
    if (o->hback) csctp_assoc_path(a, dest)->flags &= (uint8_t)~CSCTP_PATHF_HBACK_Q;
    uint8_t local = o->to_src && o->path == dest ? o->local : mp->local[dest];
    n = csctp_assoc_write_packet(a, buf, cap, now);
    mp->writing = 0;
    if (n > 0) {
      route_fill(a, dest, to);
      to->local = local;
      mp->st[dest].packets_out++;
    }
    return n;
  }
  for (unsigned i = 0; i < mp->n && a->state >= CSCTP_STATE_ESTABLISHED; i++) {
    if (!(csctp_assoc_path(a, i)->flags & CSCTP_PATHF_HB_DUE)) continue;
    n = hb_write(a, i, buf, now);
    if (n) {
      mp->writing = 0;
      if (n > 0) {
        route_fill(a, i, to);
        mp->st[i].packets_out++;
      }
      return n;
    }
  }
  /* A PLPMTUD probe searches the data path (assoc_plpmtud.c), after what waits to go. */
  if (a->pl && a->pl->m.want_probe && a->state == CSCTP_STATE_ESTABLISHED && !a->ctrl_len) {
    n = csctp_assoc_pl_write_probe(a, buf, now);
    if (n > 0) {
      mp->writing = 0;
      route_fill(a, mp->data_path, to);
      mp->st[mp->data_path].packets_out++;
      return n;
    }
  }
  /* §6.4: SACKs and other replies to the source of what they answer, when it is active and
   * not the data path: a packet of its own, without DATA (the tx looks not started for it). */
  unsigned rp = mp->reply_path;
  if (rp != mp->data_path && rp < mp->n && a->state >= CSCTP_STATE_ESTABLISHED &&
      csctp_assoc_path(a, rp)->state == CSCTP_PATH_ACTIVE) {
    int started = a->tx.started;
    a->tx.started = 0;
    n = csctp_assoc_write_packet(a, buf, cap, now);
    a->tx.started = started;
    if (n != 0) {
      mp->writing = 0;
      if (n > 0) {
        route_fill(a, rp, to);
        mp->st[rp].packets_out++;
      }
      return n;
    }
  }
  /* Retransmissions after a T3 go to rtx_path (new data does not follow them there). */
  unsigned dest = mp->data_path;
  if (mp->rtx_path != dest && csctp_tx_rtx_pending(&a->tx)) {
    dest = mp->rtx_path;
    a->tx.rtx_only = 1;
  }
  a->tx.dest_bits = (uint8_t)(dest << CSCTP_TXC_PATH_SHIFT);
  csctp_tsn first_new = a->tx.next_tsn;
  csctp_tstamp p0_sent = a->p0.last_sent;
  n = csctp_assoc_write_packet(a, buf, cap, now);
  a->tx.rtx_only = 0;
  a->tx.dest_bits = 0;
  mp->writing = 0;
  if (a->tx.next_tsn != first_new) csctp_tx_mark_path(&a->tx, first_new, dest);
  if (a->p0.last_sent != p0_sent && dest != 0) { /* DATA went to `dest`, not to path 0 */
    csctp_assoc_path(a, dest)->last_sent = a->p0.last_sent;
    a->p0.last_sent = p0_sent;
  }
  if (!csctp_tx_rtx_pending(&a->tx)) mp->rtx_path = mp->data_path;
  if (n > 0) {
    route_fill(a, dest, to);
    mp->st[dest].packets_out++;
  }
  return n;
}

csctp_ssize csctp_assoc_write_packet_via(csctp_assoc *a, uint8_t *buf, size_t cap, csctp_tstamp now,
                                         csctp_route *to) {
  if (!a || !to) return CSCTP_ERR_INVALID_ARGUMENT;
  memset(to, 0, sizeof(*to));
  to->local = CSCTP_LOCAL_ANY;
  if (csctp_assoc_multi(a)) {
    csctp_ssize m = mp_write(a, buf, cap, now, to);
    if (m > 0) to->fragmentable = (uint8_t)csctp_assoc_packet_fragmentable(a);
    return m;
  }
  const csctp_assoc_opkt *o = a->opkt_head;
  int reply = o && o->to_src; /* from where what it answers arrived */
  uint8_t local = reply ? o->local : CSCTP_LOCAL_ANY;
  csctp_ssize n = csctp_assoc_write_packet(a, buf, cap, now);
  if (n > 0) {
    if (a->mp && a->mp->n) {
      route_fill(a, 0, to);
      if (reply) to->local = local;
      a->mp->st[0].packets_out++;
    }
    to->fragmentable = (uint8_t)csctp_assoc_packet_fragmentable(a);
  }
  return n;
}
