/* SPDX-License-Identifier: MIT */
/*
 * Association set-up (RFC 9260 §5): INIT, INIT ACK with a signed state cookie
 * and no state kept, COOKIE ECHO / COOKIE ACK, INIT collision and the
 * unexpected INIT / COOKIE ECHO cases of §5.2, including peer restart.
 */
#include <string.h>

#include "assoc.h"
#include "assoc_asconf.h"
#include "chunk_asconf.h"
#include "mem.h"

static uint16_t min16(uint16_t x, uint16_t y) { return x < y ? x : y; }

void csctp_assoc_cookie_bind(csctp_assoc *a, const csctp_cookie_keys *keys, const uint8_t *peer,
                             size_t len) {
  a->keys = keys;
  if (len > sizeof(a->cookie_peer.addr)) len = sizeof(a->cookie_peer.addr);
  a->cookie_peer.len = (uint8_t)len;
  if (len) memcpy(a->cookie_peer.addr, peer, len);
}

/* The keys of `a`: its endpoint's, or its own secret alone (*own holds them). */
static const csctp_cookie_keys *cookie_keys(const csctp_assoc *a, csctp_cookie_keys *own) {
  if (a->keys) return a->keys;
  memcpy(own->cur, a->secret, sizeof(own->cur));
  own->prev_until = 0;
  return own;
}

/* §5.2.1, §5.2.2: the Tie-Tags put in a cookie for a live association are random nonces
 * kept here (RFC 8540: the tags themselves would tell them to whoever sent the INIT). */
static int tie_tags(csctp_assoc *a, csctp_cookie *c) {
  int rv = 0;
  if (!a->tie_local) rv = csctp_assoc_random_u32(a, &a->tie_local, 1);
  if (!rv && !a->tie_peer) rv = csctp_assoc_random_u32(a, &a->tie_peer, 1);
  c->local_tie_tag = a->tie_local;
  c->peer_tie_tag = a->tie_peer;
  return rv;
}

/* RFC 3758 §3.1, RFC 5061 §4.2.7, RFC 8260 §2.2.1, §2.3.1 and RFC 9653 §5.1: what we
 * support, in INIT and INIT ACK. */
static void write_ext_params(const csctp_assoc *a, csctp_wr *w) {
  uint8_t ext[7];
  size_t n = 0;
  if (a->announce_reconfig) ext[n++] = CSCTP_CHUNK_RECONFIG;
  if (a->auth) ext[n++] = CSCTP_CHUNK_AUTH; /* RFC 4895 */
  if (a->mp && a->mp->asc) {                /* RFC 5061 §4.2.7 */
    ext[n++] = CSCTP_CHUNK_ASCONF;
    ext[n++] = CSCTP_CHUNK_ASCONF_ACK;
  }
  if (a->announce_forward_tsn) {
    ext[n++] = CSCTP_CHUNK_FORWARD_TSN;
    csctp_param_write(w, CSCTP_PARAM_FORWARD_TSN_SUPPORTED, NULL, 0);
  }
  if (a->announce_idata) {
    ext[n++] = CSCTP_CHUNK_IDATA;
    if (a->announce_forward_tsn) ext[n++] = CSCTP_CHUNK_IFORWARD_TSN;
  }
  if (n) csctp_param_write(w, CSCTP_PARAM_SUPPORTED_EXTENSIONS, ext, n);
  if (a->cfg.zero_checksum_edmid != CSCTP_EDMID_NONE)
    csctp_param_write_zero_checksum(w, a->cfg.zero_checksum_edmid);
  /* RFC 9260 Appendix A: the ECN Capable parameter, no value. */
  if (a->cfg.ecn) csctp_param_write(w, CSCTP_PARAM_ECN_CAPABLE, NULL, 0);
}

/* RFC 9653 §5.2: we may send zero checksums only when the peer named the method we use. */
static uint8_t peer_zero_checksum(const csctp_assoc *a, const csctp_init_chunk *in) {
  return (uint8_t)(a->cfg.zero_checksum_edmid != CSCTP_EDMID_NONE && in->has_zero_checksum &&
                   in->zero_checksum_edmid == a->cfg.zero_checksum_edmid);
}

/* What the peer's INIT / INIT ACK said about zero checksum, for the log. */
static void log_peer_zero_checksum(csctp_assoc *a, const char *chunk, const csctp_init_chunk *in) {
  if (in->has_zero_checksum)
    csctp_assoc_log(a, CSCTP_LOG_DEBUG, "%s announces zero checksum (EDMID %u)", chunk,
                    in->zero_checksum_edmid);
  else
    csctp_assoc_log(a, CSCTP_LOG_DEBUG, "%s does not announce zero checksum", chunk);
}

/* Records whether zero checksums are sent to the peer (and in the stats). */
static void set_zero_checksum(csctp_assoc *a, uint8_t on) {
  a->zc_peer = on;
  a->stats.zero_checksum = on;
  if (on)
    csctp_assoc_log(a, CSCTP_LOG_INFO, "zero checksum negotiated (EDMID %u)",
                    a->cfg.zero_checksum_edmid);
}

static int ext_listed(const csctp_init_chunk *in, uint8_t type) {
  for (size_t i = 0; i < in->supported_ext_len; i++)
    if (in->supported_ext[i] == type) return 1;
  return 0;
}

/* What the peer announced, as far as we use it ourselves. RFC 8260 §2.2.1: I-DATA when both
 * list it; §2.3.1: I-FORWARD-TSN when both list it and Forward-TSN is supported. */
static void peer_features(const csctp_assoc *a, const csctp_init_chunk *in, uint8_t *fwd,
                          uint8_t *reconfig, uint8_t *idata) {
  *fwd = (uint8_t)(a->announce_forward_tsn &&
                   (in->forward_tsn_supported || ext_listed(in, CSCTP_CHUNK_FORWARD_TSN)));
  *reconfig = (uint8_t)(a->announce_reconfig && ext_listed(in, CSCTP_CHUNK_RECONFIG));
  *idata = 0;
  if (a->announce_idata && ext_listed(in, CSCTP_CHUNK_IDATA)) {
    *idata = CSCTP_IDATA_ON;
    if (*fwd && ext_listed(in, CSCTP_CHUNK_IFORWARD_TSN)) *idata |= CSCTP_IDATA_IFWD;
  }
}

void csctp_assoc_cookie_from_init(const csctp_assoc *a, const csctp_init_chunk *in,
                                  csctp_cookie *c) {
  c->local_port = a->cfg.local_port;
  c->remote_port = a->cfg.remote_port;
  c->peer_tag = in->initiate_tag;
  c->peer_initial_tsn = in->initial_tsn;
  c->peer_a_rwnd = in->a_rwnd;
  c->num_outbound = min16(a->cfg.outbound_streams, in->num_inbound_streams);
  c->num_inbound = min16(a->cfg.max_inbound_streams, in->num_outbound_streams);
  peer_features(a, in, &c->peer_forward_tsn, &c->peer_reconfig, &c->peer_idata);
  c->peer_zero_checksum = peer_zero_checksum(a, in);
  c->peer_ecn = (uint8_t)(a->cfg.ecn && in->ecn_capable); /* ECN when both list it */
  c->peer_asconf = (uint8_t)(a->cfg.asconf && csctp_asconf_listed(in));
}

size_t csctp_assoc_write_init(csctp_assoc *a, csctp_wr *w, int auth_params) {
  csctp_init_chunk f = {0};
  f.initiate_tag = a->local_tag;
  f.a_rwnd = a->cfg.rwnd;
  f.num_outbound_streams = a->cfg.outbound_streams;
  f.num_inbound_streams = a->cfg.max_inbound_streams;
  f.initial_tsn = a->local_initial_tsn;
  size_t off = csctp_init_write_begin(w, CSCTP_CHUNK_INIT, &f);
  write_ext_params(a, w);
  /* §5.1.2: multi-homed with local addresses: them, and the types we support */
  csctp_assoc_write_addr_params(a, w, 0xff);
  if (auth_params) csctp_assoc_auth_write_init_params(a, NULL, w);
  csctp_wr_tlv_end(w, off);
  /* RFC 9653 §5.3: having announced it, we accept zero checksums from now on. */
  if (a->cfg.zero_checksum_edmid != CSCTP_EDMID_NONE) a->zc_accept = 1;
  return off;
}

int csctp_assoc_connect(csctp_assoc *a, csctp_tstamp now) {
  if (a->state != CSCTP_STATE_CLOSED || a->dead) return CSCTP_ERR_INVALID_STATE;
  a->out_dirty = 1; /* the INIT */
  int rv = csctp_assoc_random_u32(a, &a->local_tag, 1);
  if (!rv) rv = csctp_assoc_random_u32(a, &a->local_initial_tsn, 0);
  if (rv) return rv;
  a->state = CSCTP_STATE_COOKIE_WAIT;
  a->send_init = 1;
  a->init_retrans = 0;
  a->t1_rto = (csctp_tstamp)a->cfg.rto_initial * CSCTP_MILLISECONDS;
  a->t1 = now + a->t1_rto;
  csctp_assoc_log(a, CSCTP_LOG_INFO, "CLOSED -> COOKIE-WAIT (tag %08x)", a->local_tag);
  return 0;
}

/* Sends an ABORT answering an INIT we cannot accept: their Initiate Tag, T bit 0 (§8.4 rule 3). */
static void reply_abort_to_init(csctp_assoc *a, uint32_t their_tag, uint16_t cause) {
  uint8_t buf[16];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof(buf));
  size_t off = csctp_abort_write_begin(&w, 0);
  if (cause) csctp_cause_write(&w, cause, NULL, 0);
  csctp_wr_tlv_end(&w, off);
  csctp_assoc_queue_packet(a, their_tag, buf, w.len);
  a->stats.aborts_sent++;
}

uint16_t csctp_assoc_init_fields_invalid(const csctp_init_chunk *in) {
  if (in->num_outbound_streams == 0 || in->num_inbound_streams == 0 || in->a_rwnd < 1500)
    return CSCTP_CAUSE_INVALID_MANDATORY_PARAM;
  return 0;
}

int csctp_assoc_on_init(csctp_assoc *a, const csctp_common_hdr *h, const csctp_chunk *ch,
                        csctp_tstamp now) {
  csctp_init_chunk in;
  if (csctp_init_decode(ch, &in) != 0) {
    a->stats.drop_malformed++;
    return 1;
  }
  /* §3.3.2: an Initiate Tag of 0 is silently discarded. */
  if (in.initiate_tag == 0) {
    a->stats.drop_malformed++;
    return 1;
  }
  if (a->dead) { /* a closed association takes no new one: §8.4 rule 3 */
    reply_abort_to_init(a, in.initiate_tag, 0);
    return 1;
  }
  uint16_t cause = csctp_assoc_init_fields_invalid(&in);
  if (!cause && in.has_hostname) cause = CSCTP_CAUSE_UNRESOLVABLE_ADDRESS; /* §5.1.2 */
  if (cause) {
    reply_abort_to_init(a, in.initiate_tag, cause);
    return 1;
  }
  if (a->state == CSCTP_STATE_SHUTDOWN_ACK_SENT) {
    /* §9.2: the SHUTDOWN COMPLETE was probably lost; repeat the SHUTDOWN ACK. */
    a->send_shutdown_ack = 1;
    return 1;
  }
  csctp_cookie c = {0};
  c.created = now;
  c.lifetime_ms = a->cfg.valid_cookie_life;
  csctp_assoc_cookie_from_init(a, &in, &c);
  log_peer_zero_checksum(a, "INIT", &in);
  int rv = 0;
  if (a->state == CSCTP_STATE_CLOSED) {
    /* No association: fresh tag and TSN, no state kept (§5.1). */
    rv = csctp_assoc_random_u32(a, &c.local_tag, 1);
    if (!rv) rv = csctp_assoc_random_u32(a, &c.local_initial_tsn, 0);
  } else if (a->state == CSCTP_STATE_COOKIE_WAIT || a->state == CSCTP_STATE_COOKIE_ECHOED) {
    /* §5.2.1 INIT collision: answer with the parameters of our own INIT. */
    c.local_tag = a->local_tag;
    c.local_initial_tsn = a->local_initial_tsn;
    if (a->state == CSCTP_STATE_COOKIE_ECHOED) rv = tie_tags(a, &c);
  } else {
    /* §5.2.2: unexpected INIT in an existing association; new tag, tie-tags. Before the
     * answer: an INIT that adds addresses gets an ABORT instead (RFC 5062 §3). */
    if (a->mp && csctp_assoc_mp_restart_init(a, &in)) return 1;
    do {
      rv = csctp_assoc_random_u32(a, &c.local_tag, 1);
    } while (!rv && c.local_tag == a->local_tag);
    if (!rv) rv = csctp_assoc_random_u32(a, &c.local_initial_tsn, 0);
    if (!rv) rv = tie_tags(a, &c);
  }
  if (!rv) rv = csctp_assoc_auth_cookie(a, &in, &c, a->state == CSCTP_STATE_CLOSED);
  if (rv) return rv;
  if (a->mp) csctp_assoc_mp_cookie(a, &in, &c); /* the peer's addresses (§5.1.2) */
  uint8_t cookie[CSCTP_COOKIE_MAX];
  csctp_cookie_keys own;
  int cookie_len = csctp_cookie_write(&c, cookie_keys(a, &own), &a->cookie_peer, cookie);
  if (cookie_len < 0) return cookie_len;

  /* The INIT ACK may fill a packet of our MTU (the unrecognized parameters are bounded by
   * the room left, §3.2.1, not by a count). */
  size_t cap = a->cfg.mtu - CSCTP_COMMON_HDR_LEN;
  uint8_t *buf = csctp_malloc(a->mem, cap);
  if (!buf) return CSCTP_ERR_NOMEM;
  csctp_wr w;
  csctp_wr_init(&w, buf, cap);
  csctp_init_chunk f = {0};
  f.initiate_tag = c.local_tag;
  f.a_rwnd = a->cfg.rwnd;
  f.num_outbound_streams = c.num_outbound;
  f.num_inbound_streams = a->cfg.max_inbound_streams;
  f.initial_tsn = c.local_initial_tsn;
  size_t off = csctp_init_write_begin(&w, CSCTP_CHUNK_INIT_ACK, &f);
  csctp_param_write(&w, CSCTP_PARAM_STATE_COOKIE, cookie, (size_t)cookie_len);
  write_ext_params(a, &w);
  csctp_assoc_write_addr_params(a, &w, csctp_assoc_addr_types_for(a, &in));
  if (c.auth) csctp_assoc_auth_write_init_params(a, c.auth_random, &w);
  /* §3.2.1: reported inside the INIT ACK, one Unrecognized Parameter each, as many as fit. */
  size_t pos = 0;
  csctp_tlv t;
  while (!w.overflow && csctp_init_next_unrecognized(&in, CSCTP_CHUNK_INIT, &pos, &t)) {
    size_t mark = w.len;
    csctp_param_write(&w, CSCTP_PARAM_UNRECOGNIZED, t.raw, t.length);
    if (w.overflow) csctp_wr_rollback(&w, mark);
    if (mark == w.len) break;
  }
  csctp_wr_tlv_end(&w, off);
  if (w.overflow) {
    csctp_free(a->mem, buf);
    return 1;
  }
  rv = csctp_assoc_queue_packet(a, in.initiate_tag, buf, w.len);
  if (!rv && a->mp) csctp_assoc_mp_reply_to_src(a); /* §5.1: to where the INIT came from */
  csctp_free(a->mem, buf);
  (void)h;
  return rv ? rv : 1;
}

int csctp_assoc_on_init_ack(csctp_assoc *a, const csctp_common_hdr *h, const csctp_chunk *ch,
                            csctp_tstamp now) {
  csctp_init_chunk in;
  if (a->state != CSCTP_STATE_COOKIE_WAIT) { /* §5.2.3: discard */
    a->stats.drop_unexpected++;
    return 1;
  }
  if (csctp_init_decode(ch, &in) != 0) {
    a->stats.drop_malformed++;
    return 1;
  }
  uint16_t cause = in.initiate_tag == 0 ? CSCTP_CAUSE_INVALID_MANDATORY_PARAM
                                        : csctp_assoc_init_fields_invalid(&in);
  if (!cause && !in.cookie) cause = CSCTP_CAUSE_MISSING_PARAM;
  if (!cause && in.has_hostname) cause = CSCTP_CAUSE_UNRESOLVABLE_ADDRESS;
  if (cause) {
    /* §5.1: abort the attempt; the peer's tag is what we know of it. */
    uint8_t buf[32];
    csctp_wr w;
    csctp_wr_init(&w, buf, sizeof(buf));
    size_t off = csctp_abort_write_begin(&w, in.initiate_tag == 0);
    if (cause == CSCTP_CAUSE_MISSING_PARAM) {
      uint16_t t = CSCTP_PARAM_STATE_COOKIE;
      csctp_cause_write_missing_params(&w, &t, 1);
    } else {
      csctp_cause_write(&w, cause, NULL, 0);
    }
    csctp_wr_tlv_end(&w, off);
    csctp_assoc_queue_packet(a, in.initiate_tag ? in.initiate_tag : a->local_tag, buf, w.len);
    a->stats.aborts_sent++;
    csctp_assoc_enter_closed(a, CSCTP_CLOSE_PROTOCOL_ERROR, cause);
    return 1;
  }
  uint8_t *ck = csctp_malloc(a->mem, in.cookie_len ? in.cookie_len : 1);
  if (!ck) return CSCTP_ERR_NOMEM;
  memcpy(ck, in.cookie, in.cookie_len);
  csctp_free(a->mem, a->cookie);
  a->cookie = ck;
  a->cookie_len = in.cookie_len;
  if (in.n_unrecognized) {
    /* §3.2.1: unrecognized parameters of an INIT ACK go in an ERROR bundled with the COOKIE
     * ECHO: each one that asks for a report, as many as fit beside the COOKIE ECHO in one
     * packet of our MTU (not a fixed count). */
    uint8_t buf[1500];
    size_t room = a->cfg.mtu - CSCTP_COMMON_HDR_LEN;
    size_t echo = 4 + ((in.cookie_len + 3) & ~(size_t)3);
    room = room > echo ? room - echo : 0;
    if (room > sizeof(buf)) room = sizeof(buf);
    csctp_wr w;
    csctp_wr_init(&w, buf, room);
    size_t off = csctp_error_write_begin(&w);
    size_t coff = csctp_wr_tlv_begin(&w, CSCTP_CAUSE_UNRECOGNIZED_PARAMS);
    size_t pos = 0, n = 0;
    csctp_tlv t;
    while (!w.overflow && csctp_init_next_unrecognized(&in, CSCTP_CHUNK_INIT_ACK, &pos, &t)) {
      size_t mark = w.len;
      if (n) csctp_wr_pad4(&w);
      csctp_wr_bytes(&w, t.raw, t.length);
      if (w.overflow) {
        csctp_wr_rollback(&w, mark);
        break;
      }
      n++;
    }
    csctp_wr_tlv_end(&w, coff);
    csctp_wr_tlv_end(&w, off);
    if (n && !w.overflow) {
      uint8_t *e = csctp_malloc(a->mem, w.len);
      if (!e) return CSCTP_ERR_NOMEM;
      memcpy(e, buf, w.len);
      csctp_free(a->mem, a->init_ack_err);
      a->init_ack_err = e;
      a->init_ack_err_len = w.len;
      a->stats.errors_sent++;
    }
  }
  a->peer_tag = in.initiate_tag;
  a->num_out = min16(a->cfg.outbound_streams, in.num_inbound_streams);
  a->num_in = min16(a->cfg.max_inbound_streams, in.num_outbound_streams);
  a->peer_a_rwnd = in.a_rwnd;
  peer_features(a, &in, &a->peer_forward_tsn, &a->peer_reconfig, &a->peer_idata);
  log_peer_zero_checksum(a, "INIT ACK", &in);
  set_zero_checksum(a, peer_zero_checksum(a, &in));
  csctp_assoc_ecn_set(a, a->cfg.ecn && in.ecn_capable);
  csctp_assoc_asconf_set_peer(a, csctp_asconf_listed(&in));
  int arv = csctp_assoc_auth_from_init_ack(a, &in);
  if (arv) return arv;
  csctp_rx_tsn_init(&a->rxt, in.initial_tsn);
  a->peer_initial_tsn = in.initial_tsn;
  a->rx_started = 1;
  a->state = CSCTP_STATE_COOKIE_ECHOED;
  a->send_cookie_echo = 1;
  if (a->mp) csctp_assoc_mp_from_init_ack(a, &in, now); /* §5.1.2: the peer's addresses */
  /* §5.1 C: T1-cookie starts; the init retransmission count starts over. */
  a->init_retrans = 0;
  a->t1_rto = (csctp_tstamp)a->cfg.rto_initial * CSCTP_MILLISECONDS;
  a->t1 = now + a->t1_rto;
  csctp_assoc_log(a, CSCTP_LOG_INFO, "COOKIE-WAIT -> COOKIE-ECHOED (peer tag %08x)", a->peer_tag);
  (void)h;
  return 0;
}

static void queue_cookie_ack(csctp_assoc *a) {
  uint8_t c[4];
  csctp_wr w;
  csctp_wr_init(&w, c, sizeof(c));
  csctp_chunk_write_empty(&w, CSCTP_CHUNK_COOKIE_ACK, 0);
  csctp_assoc_queue_ctrl(a, c, w.len);
}

/* The common end of every way into ESTABLISHED: heartbeat timer, event, log. */
static void enter_established(csctp_assoc *a, csctp_event_type type, const char *how,
                              csctp_tstamp now) {
  a->state = CSCTP_STATE_ESTABLISHED;
  a->p0.last_sent = now;
  csctp_assoc_hb_schedule(a, now);
  csctp_assoc_pl_start(a, now);
  if (csctp_assoc_multi(a)) csctp_assoc_mp_start(a, now); /* §5.4 verification */
  csctp_event ev = {.type = type};
  ev.u.connected.inbound_streams = a->num_in;
  ev.u.connected.outbound_streams = a->num_out;
  ev.u.connected.interleaving = a->tx.idata ? 1 : 0;
  csctp_assoc_push_event(a, &ev, 0);
  csctp_assoc_log(a, CSCTP_LOG_INFO, "ESTABLISHED%s (out %u, in %u%s)", how, a->num_out, a->num_in,
                  a->tx.idata ? ", interleaving" : "");
}

int csctp_assoc_establish(csctp_assoc *a, const csctp_cookie *c, int restart, csctp_tstamp now) {
  a->local_tag = c->local_tag;
  a->peer_tag = c->peer_tag;
  a->local_initial_tsn = c->local_initial_tsn;
  a->num_out = c->num_outbound;
  a->num_in = c->num_inbound;
  a->peer_a_rwnd = c->peer_a_rwnd;
  a->peer_forward_tsn = c->peer_forward_tsn;
  a->peer_reconfig = c->peer_reconfig;
  csctp_assoc_set_peer_idata(a, c->peer_idata);
  csctp_assoc_auth_from_cookie(a, c); /* NOMEM leaves AUTH off: the peer's AUTH fails */
  csctp_assoc_ecn_set(a, c->peer_ecn);
  csctp_assoc_asconf_set_peer(a, c->peer_asconf);
  /* Our INIT ACK, which carried this cookie, announced our EDMID when configured. */
  if (a->cfg.zero_checksum_edmid != CSCTP_EDMID_NONE) a->zc_accept = 1;
  set_zero_checksum(a, c->peer_zero_checksum);
  if (restart) {
    csctp_tx_restart(&a->tx, c->local_initial_tsn, c->peer_a_rwnd, c->num_outbound);
    csctp_reasm_clear(&a->reasm);
    csctp_ireasm_clear(&a->ireasm);
    csctp_assoc_rx_sync(a);
  } else {
    csctp_tx_start(&a->tx, c->local_initial_tsn, c->peer_a_rwnd, c->num_outbound);
  }
  csctp_rx_tsn_init(&a->rxt, c->peer_initial_tsn);
  a->peer_initial_tsn = c->peer_initial_tsn;
  csctp_assoc_ext_start(a, c->peer_initial_tsn);
  a->rx_started = 1;
  a->packets_since_sack = 0;
  a->sack_timer = CSCTP_TSTAMP_NONE;
  a->error_count = 0;
  a->t1 = a->t2 = a->t5 = CSCTP_TSTAMP_NONE;
  a->send_init = a->send_cookie_echo = a->send_shutdown = a->send_shutdown_ack = 0;
  a->p0.hb_outstanding = 0;
  if (a->mp) csctp_assoc_mp_from_cookie(a, c, restart, now);
  enter_established(a, restart ? CSCTP_EVENT_RESTARTED : CSCTP_EVENT_CONNECTED,
                    restart ? " after peer restart" : "", now);
  return 0;
}

/* Moves a handshaking association to ESTABLISHED with the peer parameters from a cookie. */
static void finish_handshake(csctp_assoc *a, const csctp_cookie *c, int from_cookie,
                             csctp_tstamp now) {
  csctp_tx_start(&a->tx, a->local_initial_tsn, c->peer_a_rwnd, c->num_outbound);
  if (from_cookie) {
    a->peer_forward_tsn = c->peer_forward_tsn;
    a->peer_reconfig = c->peer_reconfig;
    csctp_assoc_set_peer_idata(a, c->peer_idata);
    set_zero_checksum(a, c->peer_zero_checksum);
    csctp_assoc_auth_from_cookie(a, c); /* NOMEM leaves AUTH off: the peer's AUTH fails */
    csctp_assoc_ecn_set(a, c->peer_ecn);
    csctp_assoc_asconf_set_peer(a, c->peer_asconf);
  }
  a->peer_tag = c->peer_tag;
  a->num_out = c->num_outbound;
  a->num_in = c->num_inbound;
  a->peer_a_rwnd = c->peer_a_rwnd;
  if (!a->rx_started) {
    csctp_rx_tsn_init(&a->rxt, c->peer_initial_tsn);
    a->peer_initial_tsn = c->peer_initial_tsn;
  }
  csctp_assoc_ext_start(a, a->peer_initial_tsn);
  a->rx_started = 1;
  a->t1 = CSCTP_TSTAMP_NONE;
  a->send_init = a->send_cookie_echo = 0;
  a->error_count = 0;
  enter_established(a, CSCTP_EVENT_CONNECTED, " by collision", now);
}

int csctp_assoc_on_cookie_echo(csctp_assoc *a, const csctp_common_hdr *h, const csctp_chunk *ch,
                               csctp_tstamp now) {
  csctp_cookie c;
  uint64_t stale = 0;
  csctp_cookie_keys own;
  int rv = csctp_cookie_read(ch->value, ch->value_len, cookie_keys(a, &own), &a->cookie_peer, now,
                             &c, &stale);
  if (rv < 0) return rv;
  if (rv == CSCTP_COOKIE_BAD || c.local_port != a->cfg.local_port ||
      c.remote_port != a->cfg.remote_port || h->vtag != c.local_tag) {
    a->stats.drop_malformed++; /* §5.1.5: a cookie we did not make, or not for this packet */
    return 1;
  }
  if (a->dead) return 1;
  int existing = a->state != CSCTP_STATE_CLOSED;
  if (rv == CSCTP_COOKIE_STALE) {
    /* §5.1.5 3): Stale Cookie error, unless it matches our live association (§5.2.4). */
    int ours = existing && c.local_tag == a->local_tag && c.peer_tag == a->peer_tag;
    if (!ours) {
      uint8_t buf[16];
      csctp_wr w;
      csctp_wr_init(&w, buf, sizeof(buf));
      size_t off = csctp_error_write_begin(&w);
      csctp_cause_write_stale_cookie(&w, stale > UINT32_MAX ? UINT32_MAX : (uint32_t)stale);
      csctp_wr_tlv_end(&w, off);
      csctp_assoc_queue_packet(a, c.peer_tag, buf, w.len);
      a->stats.errors_sent++;
      return 1;
    }
  }
  if (!existing) {
    csctp_assoc_establish(a, &c, 0, now);
    queue_cookie_ack(a);
    a->rx_accepted++; /* our cookie: the packet is proven */
    return 0;
  }
  /* §5.2.4 table. */
  int local_eq = c.local_tag == a->local_tag;
  int peer_eq = c.peer_tag == a->peer_tag;
  int tie_eq = a->tie_local && c.local_tie_tag == a->tie_local && c.peer_tie_tag == a->tie_peer;
  if (!local_eq && !peer_eq && tie_eq) {
    /* Action A: the peer restarted. */
    if (a->state == CSCTP_STATE_SHUTDOWN_ACK_SENT) {
      uint8_t buf[16];
      csctp_wr w;
      csctp_wr_init(&w, buf, sizeof(buf));
      csctp_chunk_write_empty(&w, CSCTP_CHUNK_SHUTDOWN_ACK, 0);
      size_t off = csctp_error_write_begin(&w);
      csctp_cause_write(&w, CSCTP_CAUSE_COOKIE_WHILE_SHUTTING_DOWN, NULL, 0);
      csctp_wr_tlv_end(&w, off);
      csctp_assoc_queue_packet(a, c.peer_tag, buf, w.len);
      return 1;
    }
    if (a->mp && csctp_assoc_mp_restart_cookie(a, &c)) return 1; /* §5.2.2 */
    csctp_assoc_establish(a, &c, 1, now);
    a->tie_local = a->tie_peer = 0; /* the next restart gets new ones */
    queue_cookie_ack(a);
    a->rx_accepted++; /* our cookie: the packet is proven */
    return 0;
  }
  if (local_eq && !peer_eq) {
    /* Action B: both sides initiated at once; take the peer's new parameters. */
    if (a->state == CSCTP_STATE_COOKIE_WAIT || a->state == CSCTP_STATE_COOKIE_ECHOED) {
      finish_handshake(a, &c, 1, now);
    } else {
      a->peer_tag = c.peer_tag;
    }
    queue_cookie_ack(a);
    a->rx_accepted++; /* our cookie: the packet is proven */
    return 0;
  }
  if (!local_eq && peer_eq && c.local_tie_tag == 0 && c.peer_tie_tag == 0) {
    return 1; /* Action C: silently discard */
  }
  if (local_eq && peer_eq) {
    /* Action D: duplicate or crossed COOKIE ECHO. */
    if (a->state == CSCTP_STATE_COOKIE_ECHOED || a->state == CSCTP_STATE_COOKIE_WAIT)
      finish_handshake(a, &c, 1, now);
    queue_cookie_ack(a);
    a->rx_accepted++; /* our cookie: the packet is proven */
    return 0;
  }
  return 1; /* anything else: discard */
}

void csctp_assoc_on_cookie_ack(csctp_assoc *a, csctp_tstamp now) {
  if (a->state != CSCTP_STATE_COOKIE_ECHOED) return; /* §5.2.5: discard */
  csctp_cookie c = {0};
  c.peer_tag = a->peer_tag;
  c.peer_initial_tsn = a->rxt.cum + 1;
  c.peer_a_rwnd = a->peer_a_rwnd;
  c.num_outbound = a->num_out;
  c.num_inbound = a->num_in;
  csctp_free(a->mem, a->cookie);
  a->cookie = NULL;
  a->cookie_len = 0;
  finish_handshake(a, &c, 0, now);
}
