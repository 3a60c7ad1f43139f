/* SPDX-License-Identifier: MIT */
/*
 * RFC 5061 ASCONF in the association, receiver side, with RFC 5062's protections: only an
 * authenticated ASCONF of a peer that negotiated AUTH and ASCONF is taken (§4.1.1; the input
 * walk drops one without a valid AUTH before it, as for every chunk we listed); the serial
 * number rules of §5.2 (the next one processed, the last one answered again from the cached
 * ASCONF-ACK, any other dropped); an added address is a path UNCONFIRMED until a HEARTBEAT
 * verifies it (RFC 5062 §2.2: nothing else goes there before), bounded by max_paths; a deleted
 * one is never the last nor the packet's source.
 */
#include <string.h>

#include "assoc.h"
#include "assoc_asconf.h"
#include "chunk_asconf.h"
#include "mem.h"

int csctp_assoc_asconf_init(csctp_assoc *a) {
  if (!a->cfg.asconf || !a->mp) return 0;
  a->mp->asc = csctp_calloc(a->mem, 1, sizeof(*a->mp->asc));
  if (!a->mp->asc) return CSCTP_ERR_NOMEM;
  a->mp->asc->timer = CSCTP_TSTAMP_NONE;
  return 0;
}

void csctp_assoc_asconf_free(csctp_assoc *a) {
  if (!a->mp) return;
  csctp_free(a->mem, a->mp->asc);
  a->mp->asc = NULL;
}

int csctp_assoc_asconf_on(const csctp_assoc *a) {
  return a->mp && a->mp->asc && a->mp->asc->peer_on && a->auth_on;
}

int csctp_asconf_listed(const csctp_init_chunk *in) {
  int req = 0, ack = 0;
  for (size_t i = 0; i < in->supported_ext_len; i++) {
    req |= in->supported_ext[i] == CSCTP_CHUNK_ASCONF;
    ack |= in->supported_ext[i] == CSCTP_CHUNK_ASCONF_ACK;
  }
  return req && ack;
}

void csctp_assoc_asconf_set_peer(csctp_assoc *a, int listed) {
  if (a->mp && a->mp->asc) a->mp->asc->peer_on = (uint8_t)(listed != 0);
}

unsigned csctp_assoc_asconf_gen(const csctp_assoc *a) {
  return a->mp && a->mp->asc ? a->mp->asc->gen & 31u : 0;
}

void csctp_assoc_asconf_drop_unauth(csctp_assoc *a) {
  if (a->mp && a->mp->asc) a->mp->asc->st.drop_unauth++;
}

void csctp_assoc_asconf_stats(const csctp_assoc *a, csctp_stats *st) {
  const csctp_asconf *s = a->mp ? a->mp->asc : NULL;
  if (!s) return;
  st->asconf = (uint8_t)csctp_assoc_asconf_on(a);
  st->asconf_in = s->st.in;
  st->asconf_dup_in = s->st.dup_in;
  st->asconf_drop_unauth = s->st.drop_unauth;
  st->asconf_drop_serial = s->st.drop_serial;
  st->asconf_addrs_added = s->st.added;
  st->asconf_addrs_deleted = s->st.deleted;
  st->asconf_primary_set = s->st.primary_set;
  st->asconf_refused = s->st.refused;
  st->asconf_out = s->st.out;
  st->asconf_retransmits = s->st.rtx;
  st->asconf_acks_in = s->st.acks_in;
  st->asconf_requests_failed = s->st.failed;
}

int csctp_assoc_asconf_stranger_ok(const csctp_assoc *a, const uint8_t *pkt, size_t len) {
  if (!csctp_assoc_asconf_on(a) || a->state != CSCTP_STATE_ESTABLISHED) return 0;
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, pkt, len);
  int rc, k = 0;
  while ((rc = csctp_chunk_next(&it, &ch)) == 1) {
    if (ch.type != (k ? CSCTP_CHUNK_ASCONF : CSCTP_CHUNK_AUTH)) return 0;
    k++;
  }
  return rc == 0 && k >= 2;
}

/* ---- the requests (§5.2) ---- */

static int ip_any(const csctp_asconf_addr *x) {
  static const uint8_t zero[16];
  return !memcmp(x->ip, zero, x->fam == 4 ? 4 : 16);
}

/* The request's address as a csctp_addr, with the UDP port of the packet's source. */
static int addr_of(const csctp_assoc *a, const csctp_asconf_addr *x, const csctp_addr *src,
                   csctp_addr *out) {
  uint16_t port = 0;
  csctp_addr_family(src, a->cfg.addr_port_len, NULL, &port);
  return x->fam == 4 ? csctp_addr_ip4(out, x->ip, port, a->cfg.addr_port_len)
                     : csctp_addr_ip6(out, x->ip, port, a->cfg.addr_port_len);
}

static unsigned live_paths(csctp_assoc *a) {
  unsigned n = 0;
  for (unsigned i = 0; i < a->mp->n; i++) n += csctp_assoc_path(a, i)->state != 0;
  return n;
}

/* Each returns 0 (done) or the error cause to answer with. */
static uint16_t asconf_add(csctp_assoc *a, const csctp_asconf_param *p, const csctp_addr *src,
                           csctp_tstamp now) {
  if (!p->addr.fam) return CSCTP_CAUSE_UNRESOLVABLE_ADDRESS;
  csctp_addr x = *src; /* §4.2.1: the wildcard means the packet's source */
  if (!ip_any(&p->addr)) {
    if (csctp_assoc_addr_refused(a, p->addr.fam, p->addr.ip, src))
      return CSCTP_CAUSE_NO_AUTHORIZATION;
    if (addr_of(a, &p->addr, src, &x)) return CSCTP_CAUSE_UNRESOLVABLE_ADDRESS;
  }
  if (csctp_assoc_path_find(a, &x) >= 0) return 0; /* known: nothing to do */
  /* RFC 5062 §2.2: UNCONFIRMED, so that nothing but a HEARTBEAT goes there until it answers. */
  int i = csctp_assoc_path_add(a, &x, CSCTP_PATH_UNCONFIRMED, now);
  if (i < 0) return CSCTP_CAUSE_RESOURCE_SHORTAGE; /* max_paths */
  csctp_assoc_mp_path_started(a, (unsigned)i, now);
  a->mp->asc->gen++;
  a->mp->asc->st.added++;
  return 0;
}

static uint16_t asconf_del(csctp_assoc *a, const csctp_asconf_param *p, const csctp_addr *src) {
  if (!p->addr.fam) return CSCTP_CAUSE_UNRESOLVABLE_ADDRESS;
  if (ip_any(&p->addr)) return CSCTP_CAUSE_NO_AUTHORIZATION; /* "all but the source": not done */
  csctp_addr x;
  if (addr_of(a, &p->addr, src, &x)) return CSCTP_CAUSE_UNRESOLVABLE_ADDRESS;
  int i = csctp_assoc_path_find(a, &x);
  if (i < 0) return CSCTP_CAUSE_UNRESOLVABLE_ADDRESS;
  if (live_paths(a) <= 1) return CSCTP_CAUSE_DEL_LAST_ADDR;                   /* §5.2 F7 */
  if (i == csctp_assoc_path_find(a, src)) return CSCTP_CAUSE_DEL_SOURCE_ADDR; /* §5.2 F8 */
  if (i == 0 || csctp_assoc_path_remove(a, (unsigned)i) != 0) /* path 0 keys the endpoint */
    return CSCTP_CAUSE_NO_AUTHORIZATION;
  a->mp->asc->gen++;
  a->mp->asc->st.deleted++;
  return 0;
}

static uint16_t asconf_primary(csctp_assoc *a, const csctp_asconf_param *p, const csctp_addr *src,
                               csctp_tstamp now) {
  if (!p->addr.fam) return CSCTP_CAUSE_UNRESOLVABLE_ADDRESS;
  int i = csctp_assoc_path_find(a, src);
  if (!ip_any(&p->addr)) {
    csctp_addr x;
    if (addr_of(a, &p->addr, src, &x)) return CSCTP_CAUSE_UNRESOLVABLE_ADDRESS;
    i = csctp_assoc_path_find(a, &x);
  }
  if (i < 0) return CSCTP_CAUSE_UNRESOLVABLE_ADDRESS;
  uint8_t st = csctp_assoc_path(a, (unsigned)i)->state;
  /* RFC 5062 §2.2: never an address not verified yet. */
  if (st == 0 || st == CSCTP_PATH_UNCONFIRMED) return CSCTP_CAUSE_NO_AUTHORIZATION;
  csctp_assoc_set_primary(a, (unsigned)i, now);
  a->mp->asc->st.primary_set++;
  return 0;
}

/* An Error Cause Indication: with the request as the cause's body when it fits, else without. */
static void respond_error(csctp_wr *w, uint32_t corr, uint16_t cause, const csctp_tlv *req) {
  size_t mark = w->len;
  csctp_asconf_error_write(w, corr, cause, req->raw, req->length);
  if (!w->overflow) return;
  csctp_wr_rollback(w, mark);
  csctp_asconf_error_write(w, corr, cause, NULL, 0);
  if (w->overflow) csctp_wr_rollback(w, mark); /* cannot happen: CSCTP_ASCONF_ACK_MAX */
}

int csctp_assoc_on_asconf(csctp_assoc *a, const csctp_chunk *ch, csctp_tstamp now) {
  csctp_asconf *s = a->mp ? a->mp->asc : NULL;
  if (!s) return 1; /* not configured: an unrecognized chunk to us */
  if (!csctp_assoc_asconf_on(a) || a->state < CSCTP_STATE_ESTABLISHED) {
    s->st.drop_unauth++; /* RFC 5061 §4.1.1, RFC 5062: AUTH and ASCONF both negotiated */
    return 0;
  }
  csctp_asconf_chunk c;
  if (csctp_asconf_decode(ch, &c) != 0) {
    a->stats.drop_malformed++;
    return 0;
  }
  if (!s->serial_set) { /* §5.2: the peer's first serial number is its Initial TSN */
    s->peer_serial = a->peer_initial_tsn - 1;
    s->serial_set = 1;
  }
  if (c.serial == s->peer_serial && s->ack_len) {
    /* A retransmission: the same answer again, nothing done twice; once per packet, however
     * many copies it bundles. */
    s->st.dup_in++;
    if (s->ack_pkt == a->rx_accepted) return 0;
    s->ack_pkt = a->rx_accepted;
    csctp_assoc_queue_ctrl(a, s->ack, s->ack_len);
    csctp_assoc_mark(a);
    return 0;
  }
  if (c.serial != s->peer_serial + 1) {
    s->st.drop_serial++;
    return 0;
  }
  csctp_assoc_mp *mp = a->mp;
  const csctp_addr src = mp->src == CSCTP_ASCONF_STRANGER ? s->stranger : mp->addr[mp->src];
  /* §4.1.1: the Address Parameter names one of the peer's addresses (or the wildcard). */
  csctp_addr look;
  if (!ip_any(&c.addr) &&
      (addr_of(a, &c.addr, &src, &look) || csctp_assoc_path_find(a, &look) < 0)) {
    a->stats.drop_unexpected++;
    return 0;
  }
  csctp_wr w;
  csctp_wr_init(&w, s->ack, sizeof(s->ack));
  size_t off = csctp_asconf_ack_write_begin(&w, c.serial);
  csctp_rd r;
  csctp_asconf_params(&c, &r);
  csctp_asconf_param p;
  while (csctp_asconf_param_next(&r, &p) == 1) {
    uint16_t cause;
    switch (p.type) {
    case CSCTP_ASCONF_ADD_IP: cause = asconf_add(a, &p, &src, now); break;
    case CSCTP_ASCONF_DEL_IP: cause = asconf_del(a, &p, &src); break;
    case CSCTP_ASCONF_SET_PRIMARY: cause = asconf_primary(a, &p, &src, now); break;
    case CSCTP_ASCONF_ADAPTATION: continue; /* nothing for us to do, no answer */
    default: {
      /* RFC 9260 §3.2.1 action bits: report (x1), then skip (1x) or stop (0x). */
      uint32_t corr = p.raw.value_len >= 4 ? csctp_get_u32(p.raw.value) : 0;
      if (p.type & 0x4000) respond_error(&w, corr, CSCTP_CAUSE_UNRECOGNIZED_PARAMS, &p.raw);
      if (!(p.type & 0x8000)) goto answered;
      continue;
    }
    }
    if (cause) {
      s->st.refused++;
      respond_error(&w, p.corr_id, cause, &p.raw);
    } else {
      csctp_asconf_success_write(&w, p.corr_id);
    }
  }
answered:
  csctp_wr_tlv_end(&w, off);
  s->peer_serial = c.serial;
  s->st.in++;
  s->ack_len = w.overflow ? 0 : (uint16_t)w.len;
  s->ack_pkt = a->rx_accepted;
  if (s->ack_len) csctp_assoc_queue_ctrl(a, s->ack, s->ack_len);
  csctp_assoc_mark(a);
  return 0;
}
