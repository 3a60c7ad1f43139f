/* SPDX-License-Identifier: MIT */
/*
 * RFC 5061 ASCONF in the association, sender side (§5.1, §5.3): the user's requests queued
 * (bounded), one ASCONF outstanding at a time with our serial numbers (from our Initial TSN),
 * retransmitted on the RTO with each expiry counted against Association.Max.Retrans, and the
 * peer's ASCONF-ACK settling each request; our address list (listed in INIT / INIT ACK) kept in
 * step with the requests the peer took.
 */
#include <string.h>

#include "assoc.h"
#include "assoc_asconf.h"
#include "chunk_asconf.h"

/* Builds and queues the next ASCONF from the queue when none is outstanding. */
static void asconf_send_next(csctp_assoc *a, csctp_tstamp now) {
  csctp_asconf *s = a->mp->asc;
  if (s->n_sent || !s->n_q) return;
  if (!s->out_init) {
    s->out_serial = a->local_initial_tsn; /* §5.1: the first serial is our Initial TSN */
    s->out_init = 1;
  }
  uint8_t pl = a->cfg.addr_port_len;
  /* §4.1.1: the lookup address, one the peer knows (our first listed one), else the wildcard. */
  static const uint8_t zero[16];
  const uint8_t *lip = zero;
  int lfam = csctp_addr_family(&s->q[0].addr, pl, NULL, NULL);
  for (unsigned i = 0; i < a->mp->n_laddrs; i++) {
    int f = csctp_addr_family(&a->mp->laddrs[i], pl, &lip, NULL);
    int gone = 0;
    for (unsigned k = 0; k < s->n_q; k++)
      gone |= s->q[k].type == CSCTP_ASCONF_DEL_IP &&
              csctp_assoc_addr_same_ip(a, &s->q[k].addr, &a->mp->laddrs[i]);
    if (f && !gone) {
      lfam = f;
      break;
    }
    lip = zero;
  }
  csctp_wr w;
  csctp_wr_init(&w, s->out, sizeof(s->out));
  size_t off = csctp_asconf_write_begin(&w, s->out_serial, lfam, lip);
  for (unsigned k = 0; k < s->n_q; k++) {
    const uint8_t *ip;
    int fam = csctp_addr_family(&s->q[k].addr, pl, &ip, NULL);
    csctp_asconf_request_write(&w, s->q[k].type, k + 1, fam, ip); /* correlation: k + 1 */
  }
  csctp_wr_tlv_end(&w, off);
  if (w.overflow) return; /* cannot happen: CSCTP_ASCONF_OUT_MAX */
  s->out_len = (uint16_t)w.len;
  s->n_sent = s->n_q;
  s->timer = now + csctp_rto_get(&a->tx.p0.rto);
  s->st.out++;
  csctp_assoc_queue_ctrl(a, s->out, s->out_len); /* NOMEM: the RTO sends it again */
  csctp_assoc_mark(a);
}

int csctp_assoc_asconf_timer(csctp_assoc *a, csctp_tstamp now) {
  csctp_asconf *s = a->mp->asc;
  if (!s->n_sent) {
    s->timer = CSCTP_TSTAMP_NONE;
    return 0;
  }
  /* §5.1: lost, counted as a T3-rtx expiry would be, the RTO backed off. */
  if (csctp_assoc_count_error(a)) return 1;
  csctp_rto_backoff(&a->tx.p0.rto);
  s->timer = now + csctp_rto_get(&a->tx.p0.rto);
  s->st.rtx++;
  csctp_assoc_queue_ctrl(a, s->out, s->out_len);
  csctp_assoc_mark(a);
  return 0;
}

/* The request's outcome applied to our address list. */
static void asconf_apply(csctp_assoc *a, const csctp_asconf_req *r) {
  csctp_assoc_mp *mp = a->mp;
  int at = -1;
  for (unsigned i = 0; i < mp->n_laddrs; i++)
    if (csctp_assoc_addr_same_ip(a, &mp->laddrs[i], &r->addr)) at = (int)i;
  if (r->type == CSCTP_ASCONF_ADD_IP && at < 0 && mp->n_laddrs < CSCTP_PATHS_MAX)
    mp->laddrs[mp->n_laddrs++] = r->addr;
  if (r->type == CSCTP_ASCONF_DEL_IP && at >= 0) {
    mp->laddrs[at] = mp->laddrs[mp->n_laddrs - 1];
    mp->n_laddrs--;
  }
}

int csctp_assoc_on_asconf_ack(csctp_assoc *a, const csctp_chunk *ch, csctp_tstamp now) {
  csctp_asconf *s = a->mp ? a->mp->asc : NULL;
  if (!s) return 1; /* not configured: an unrecognized chunk to us */
  csctp_asconf_chunk c;
  if (!csctp_assoc_asconf_on(a) || !s->n_sent || csctp_asconf_decode(ch, &c) != 0 ||
      c.serial != s->out_serial) {
    a->stats.drop_unexpected++;
    return 0;
  }
  /* §5.3: a request with an Error Cause Indication failed, and so did every one after the
   * first failure that has no Success Indication; the others succeeded. */
  uint8_t res[CSCTP_ASCONF_QUEUE_MAX] = {0}; /* 0 none, 1 success, 2 error */
  csctp_rd r;
  csctp_asconf_params(&c, &r);
  csctp_asconf_param p;
  while (csctp_asconf_param_next(&r, &p) == 1) {
    if (p.corr_id < 1 || p.corr_id > s->n_sent) continue; /* not ours */
    if (p.type == CSCTP_ASCONF_SUCCESS_IND) res[p.corr_id - 1] = 1;
    if (p.type == CSCTP_ASCONF_ERROR_IND) res[p.corr_id - 1] = 2;
  }
  unsigned first_err = s->n_sent;
  for (unsigned k = 0; k < s->n_sent; k++)
    if (res[k] == 2 && k < first_err) first_err = k;
  for (unsigned k = 0; k < s->n_sent; k++) {
    if (res[k] == 1 || (res[k] == 0 && k < first_err))
      asconf_apply(a, &s->q[k]);
    else
      s->st.failed++;
  }
  s->st.acks_in++;
  a->error_count = 0; /* the peer answered */
  memmove(s->q, s->q + s->n_sent, (size_t)(s->n_q - s->n_sent) * sizeof(s->q[0]));
  s->n_q = (uint8_t)(s->n_q - s->n_sent);
  s->n_sent = 0;
  s->out_serial++;
  s->timer = CSCTP_TSTAMP_NONE;
  asconf_send_next(a, now);
  return 0;
}

static int asconf_request(csctp_assoc *a, uint16_t type, const csctp_addr *addr, csctp_tstamp now) {
  if (!a || !addr || !csctp_addr_family(addr, a->cfg.addr_port_len, NULL, NULL))
    return CSCTP_ERR_INVALID_ARGUMENT;
  if (!csctp_assoc_asconf_on(a) || a->state != CSCTP_STATE_ESTABLISHED)
    return CSCTP_ERR_INVALID_STATE;
  csctp_asconf *s = a->mp->asc;
  if (s->n_q >= CSCTP_ASCONF_QUEUE_MAX) return CSCTP_ERR_WOULD_BLOCK;
  s->q[s->n_q].type = type;
  s->q[s->n_q].addr = *addr;
  s->n_q++;
  asconf_send_next(a, now);
  return 0;
}

int csctp_assoc_add_local_addr(csctp_assoc *a, const csctp_addr *local, csctp_tstamp now) {
  return asconf_request(a, CSCTP_ASCONF_ADD_IP, local, now);
}

int csctp_assoc_del_local_addr(csctp_assoc *a, const csctp_addr *local, csctp_tstamp now) {
  return asconf_request(a, CSCTP_ASCONF_DEL_IP, local, now);
}

int csctp_assoc_set_peer_primary(csctp_assoc *a, const csctp_addr *local, csctp_tstamp now) {
  return asconf_request(a, CSCTP_ASCONF_SET_PRIMARY, local, now);
}
