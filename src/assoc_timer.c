/* SPDX-License-Identifier: MIT */
/* Timers (T1-init/cookie, T2-shutdown, T3-rtx, T5, delayed SACK) and heartbeats (§8.3). */
#include "assoc.h"
#include "assoc_asconf.h"

#include <string.h>

static csctp_tstamp tmin(csctp_tstamp x, csctp_tstamp y) { return x < y ? x : y; }

csctp_tstamp csctp_assoc_timers_next(const csctp_assoc *a) {
  if (a->state == CSCTP_STATE_CLOSED) return CSCTP_TSTAMP_NONE;
  csctp_tstamp t = tmin(tmin(a->t1, a->t2), tmin(a->t5, a->sack_timer));
  t = tmin(t, tmin(a->p0.hb_timer, a->rc.timer));
  t = tmin(t, csctp_assoc_pl_deadline(a));
  if (a->mp) t = tmin(t, csctp_asconf_deadline(a->mp->asc)); /* RFC 5061 §5.1 */
  /* Something found no memory and has no deadline yet: due now, handle_expiry gives it one. */
  if (a->rc.start_nomem && a->tx.retry == CSCTP_TSTAMP_NONE) return 0;
  if (a->state >= CSCTP_STATE_ESTABLISHED)
    t = tmin(t, tmin(csctp_tx_t3_deadline(&a->tx), csctp_tx_retry_deadline(&a->tx)));
  return t;
}

void csctp_assoc_hb_schedule(csctp_assoc *a, csctp_tstamp now) {
  if (!a->cfg.hb_interval) {
    a->p0.hb_timer = CSCTP_TSTAMP_NONE;
    return;
  }
  /* §8.3: RTO + HB.interval, jittered by +/- 50 % of the RTO. */
  uint32_t r = 0;
  csctp_assoc_random_u32(a, &r, 0);
  csctp_tstamp rto = csctp_rto_get(&a->tx.p0.rto);
  a->p0.hb_timer =
      now + (csctp_tstamp)a->cfg.hb_interval * CSCTP_MILLISECONDS + rto / 2 + (rto ? r % rto : 0);
}

int csctp_assoc_count_error(csctp_assoc *a) {
  a->error_count++;
  if (a->error_count > a->cfg.association_max_retrans) {
    csctp_assoc_log(a, CSCTP_LOG_ERROR, "association_max_retrans exceeded");
    csctp_assoc_abort_with(a, CSCTP_CAUSE_PROTOCOL_VIOLATION, "peer unreachable",
                           CSCTP_CLOSE_TIMEOUT);
    return 1;
  }
  return 0;
}

void csctp_assoc_on_heartbeat(csctp_assoc *a, const csctp_chunk *ch) {
  const uint8_t *info;
  size_t len;
  if (a->state < CSCTP_STATE_COOKIE_ECHOED) return;
  if (csctp_heartbeat_decode(ch, &info, &len) != 0) return;
  /* §8.3: echo the Heartbeat Info unchanged (multi-homed: to the HEARTBEAT's source). */
  if (csctp_assoc_multi(a)) {
    csctp_assoc_mp_on_heartbeat(a, info, len);
    return;
  }
  uint8_t buf[1200];
  csctp_wr w;
  csctp_wr_init(&w, buf, a->cfg.mtu - 12 < sizeof(buf) ? a->cfg.mtu - 12 : sizeof(buf));
  csctp_heartbeat_write(&w, CSCTP_CHUNK_HEARTBEAT_ACK, info, len);
  if (!w.overflow) csctp_assoc_queue_ctrl(a, buf, w.len);
}

void csctp_assoc_on_heartbeat_ack(csctp_assoc *a, const csctp_chunk *ch, csctp_tstamp now) {
  const uint8_t *info;
  size_t len;
  if (csctp_heartbeat_decode(ch, &info, &len) != 0) return;
  if (csctp_assoc_pl_on_ack(a, info, len, now)) return;             /* a PLPMTUD probe's */
  if (a->mp && csctp_assoc_mp_on_hb_ack(a, info, len, now)) return; /* a path's */
  if (len != 16 || !a->p0.hb_outstanding) return;
  uint64_t sent = ((uint64_t)csctp_get_u32(info) << 32) | csctp_get_u32(info + 4);
  uint64_t nonce = ((uint64_t)csctp_get_u32(info + 8) << 32) | csctp_get_u32(info + 12);
  if (nonce != a->p0.hb_nonce || sent != a->p0.hb_sent || now < sent) return;
  a->p0.hb_outstanding = 0;
  a->error_count = 0;
  csctp_rto_update(&a->tx.p0.rto, now - sent);
  csctp_assoc_hb_schedule(a, now);
}

static void send_heartbeat(csctp_assoc *a, csctp_tstamp now) {
  uint32_t hi = 0, lo = 0;
  csctp_assoc_random_u32(a, &hi, 0);
  csctp_assoc_random_u32(a, &lo, 0);
  a->p0.hb_nonce = ((uint64_t)hi << 32) | lo;
  a->p0.hb_sent = now;
  a->p0.hb_outstanding = 1;
  a->send_heartbeat = 1;
}

int csctp_assoc_timers_run(csctp_assoc *a, csctp_tstamp now) {
  if (a->state == CSCTP_STATE_CLOSED) return 0;
  csctp_tx_new_burst(&a->tx);
  if (a->t1 <= now) {
    /* §5.1 / §6.3.3: T1-init or T1-cookie: resend, back off, give up at the limit. */
    if (++a->init_retrans > a->cfg.max_init_retransmits) {
      csctp_assoc_enter_closed(a, CSCTP_CLOSE_INIT_FAILED, 0);
      return 0;
    }
    a->t1_rto *= 2;
    csctp_tstamp max = (csctp_tstamp)a->cfg.rto_max * CSCTP_MILLISECONDS;
    if (a->t1_rto > max) a->t1_rto = max;
    a->t1 = now + a->t1_rto;
    if (a->state == CSCTP_STATE_COOKIE_WAIT)
      a->send_init = 1;
    else if (a->state == CSCTP_STATE_COOKIE_ECHOED)
      a->send_cookie_echo = 1;
    else
      a->t1 = CSCTP_TSTAMP_NONE;
  }
  if (a->t5 <= now) {
    csctp_assoc_abort_with(a, 0, NULL, CSCTP_CLOSE_TIMEOUT);
    return 0;
  }
  if (a->t2 <= now) {
    if (csctp_assoc_count_error(a)) return 0;
    a->t2_rto *= 2;
    csctp_tstamp max = (csctp_tstamp)a->cfg.rto_max * CSCTP_MILLISECONDS;
    if (a->t2_rto > max) a->t2_rto = max;
    a->t2 = now + a->t2_rto;
    if (a->state == CSCTP_STATE_SHUTDOWN_SENT)
      a->send_shutdown = 1;
    else if (a->state == CSCTP_STATE_SHUTDOWN_ACK_SENT)
      a->send_shutdown_ack = 1;
    else
      a->t2 = CSCTP_TSTAMP_NONE;
  }
  if (a->state >= CSCTP_STATE_ESTABLISHED && csctp_tx_t3_deadline(&a->tx) <= now) {
    csctp_tx_on_t3_expiry(&a->tx, now);
    if (csctp_assoc_multi(a)) csctp_assoc_mp_on_t3(a, now); /* the path's strike (§8.2) */
    if (csctp_assoc_count_error(a)) return 0;
    csctp_assoc_pl_on_t3(a, now);
  }
  if (csctp_assoc_pl_deadline(a) <= now) csctp_assoc_pl_timer(a, now);
  if (csctp_tx_retry_deadline(&a->tx) <= now) {
    /* New DATA or a stream reconfiguration request found no memory: try again now (new DATA
     * at the next write). */
    csctp_tx_retry_clear(&a->tx);
    csctp_assoc_mark(a);
    if (a->rc.start_nomem) csctp_assoc_reconfig_start_next(a);
  }
  if (a->rc.start_nomem && a->tx.retry == CSCTP_TSTAMP_NONE)
    a->tx.retry = now + CSCTP_TX_NOMEM_RETRY;
  if (a->rc.timer <= now && csctp_assoc_reconfig_timer(a, now)) return 0;
  if (a->mp && csctp_asconf_deadline(a->mp->asc) <= now && csctp_assoc_asconf_timer(a, now))
    return 0;
  if (a->sack_timer <= now) {
    a->sack_timer = CSCTP_TSTAMP_NONE;
    a->sack_now = 1;
  }
  if (a->p0.hb_timer <= now && csctp_assoc_multi(a)) {
    if (csctp_assoc_mp_hb_run(a, now)) return 0;
  } else if (a->p0.hb_timer <= now) {
    if (a->p0.hb_outstanding) {
      /* The last heartbeat went unanswered (§8.3): one more error, back off. */
      csctp_rto_backoff(&a->tx.p0.rto);
      if (csctp_assoc_count_error(a)) return 0;
    }
    /* Heartbeats only on an idle path: data in flight already probes it; none once SHUTDOWN
     * or SHUTDOWN ACK went out (RFC 4460 §2.10): T2 probes the path then. */
    if (a->state >= CSCTP_STATE_ESTABLISHED && a->state != CSCTP_STATE_SHUTDOWN_SENT &&
        a->state != CSCTP_STATE_SHUTDOWN_ACK_SENT && !csctp_tx_has_outstanding(&a->tx) &&
        now - a->p0.last_sent >= (csctp_tstamp)a->cfg.hb_interval * CSCTP_MILLISECONDS)
      send_heartbeat(a, now);
    else
      a->p0.hb_outstanding = 0;
    csctp_assoc_hb_schedule(a, now);
    if (a->p0.hb_outstanding) a->p0.hb_timer = now + csctp_rto_get(&a->tx.p0.rto);
  }
  return 0;
}
