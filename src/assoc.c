/* SPDX-License-Identifier: MIT */
/*
 * The association: public API and outbound packet assembly (§6.10 bundling).
 * Inbound packet validation and dispatch are in assoc_input.c.
 */
#include "assoc.h"
#include "assoc_asconf.h"
#include "chunk_asconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "assoc_checksum.h"
#include "hmac.h"
#include "hmap.h"
#include "log.h"
#include "mem.h"
#include "packet.h"
#include "versioned.h"

static void config_fill_default(csctp_config *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->local_port = 5000;
  cfg->remote_port = 5000;
  cfg->outbound_streams = 65535;
  cfg->max_inbound_streams = 65535;
  cfg->rwnd = 1024 * 1024;
  cfg->sndbuf = 1024 * 1024;
  cfg->max_message_size = 256 * 1024;
  cfg->mtu = 1200;
  cfg->rto_initial = 3000;
  cfg->rto_min = 1000;
  cfg->rto_max = 60000;
  cfg->sack_timeout = 200;
  cfg->sack_freq = 2;
  cfg->max_burst = 4;
  cfg->association_max_retrans = 10;
  cfg->max_init_retransmits = 8;
  cfg->valid_cookie_life = 60000;
  cfg->hb_interval = 30000;
  cfg->plpmtud_probe_timer = 15000;
  cfg->plpmtud_raise_timer = 600000;
  cfg->max_paths = 1;
  cfg->path_max_retrans = 5;
  cfg->hb_max_burst = 1;
  cfg->pf_max_retrans = 0;
  cfg->ps_max_retrans = CSCTP_PS_OFF;
}

/* The multi-homing fields (csctp_config V4): 0 when they hold together. */
static int config_paths_invalid(const csctp_config *cfg) {
  if (cfg->max_paths == 0 || cfg->max_paths > CSCTP_PATHS_MAX || cfg->hb_max_burst == 0 ||
      cfg->n_local_addrs > CSCTP_PATHS_MAX || (cfg->n_local_addrs && !cfg->local_addrs) ||
      (cfg->addr_port_len != 0 && cfg->addr_port_len != 2))
    return 1;
  if (cfg->max_paths == 1) return 0;
  /* SCTP over DTLS (RFC 8261) is single-path. */
  if (cfg->zero_checksum_edmid == CSCTP_EDMID_DTLS) return 1;
  for (uint32_t i = 0; i < cfg->n_local_addrs; i++)
    if (!csctp_addr_family(&cfg->local_addrs[i], cfg->addr_port_len, NULL, NULL)) return 1;
  return 0;
}

int csctp_config_default_versioned(int config_version, csctp_config *cfg) {
  csctp_config full;
  config_fill_default(&full);
  return csctp_versioned_out(cfg, csctp_config_size(config_version), &full);
}

const char *csctp_assoc_state_name(csctp_assoc_state st) {
  static const char *const names[] = {
      "CLOSED",           "COOKIE-WAIT",   "COOKIE-ECHOED",     "ESTABLISHED",
      "SHUTDOWN-PENDING", "SHUTDOWN-SENT", "SHUTDOWN-RECEIVED", "SHUTDOWN-ACK-SENT"};
  if ((unsigned)st < sizeof(names) / sizeof(names[0])) return names[st];
  return "UNKNOWN";
}

void csctp_assoc_log(csctp_assoc *a, csctp_log_level level, const char *fmt, ...) {
  if (!csctp_log_on(a->cfg.log, a->cfg.log_mask, a->cfg.log_levels, CSCTP_LOG_SCTP, level)) return;
  va_list ap;
  va_start(ap, fmt);
  csctp_log_vemit(a->cfg.log, a->cfg.log_user_data, CSCTP_LOG_SCTP, level, fmt, ap);
  va_end(ap);
}

int csctp_assoc_random_u32(csctp_assoc *a, uint32_t *v, int nonzero) {
  for (int i = 0; i < 16; i++) {
    uint8_t b[4];
    if (a->cfg.rand(b, sizeof(b), a->cfg.rand_user_data)) return CSCTP_ERR_RANDOM;
    *v = csctp_get_u32(b);
    if (!nonzero || *v) return 0;
  }
  return CSCTP_ERR_RANDOM;
}

/*
 * The secret of the reassemblies' hashes (hmap.h): peers choose the keys (stream ids, SSNs,
 * MIDs, FSNs). Derived one-way from the cookie secret (no extra random draw, nothing of the
 * secret shown); the address of the association makes the seeds of an endpoint's associations,
 * which share its secret, differ.
 */
static uint64_t assoc_hash_seed(const csctp_assoc *a) {
  uint8_t label[24] = "csctp reasm hash";
  uintptr_t self = (uintptr_t)a;
  memcpy(label + 16, &self, sizeof(self) < 8 ? sizeof(self) : 8);
  uint8_t h[CSCTP_HMAC_LEN];
  uint64_t seed = CSCTP_HMAP_GOLDEN;
  if (csctp_hmac_sha256(a->secret, sizeof(a->secret), label, sizeof(label), h) == 0)
    memcpy(&seed, h, sizeof(seed));
  return seed;
}

int csctp_assoc_new_versioned(csctp_assoc **pa, int config_version, const csctp_config *ucfg) {
  csctp_config buf;
  const csctp_config *cfg = csctp_config_in(config_version, ucfg, &buf);
  if (!pa || !cfg || !cfg->rand) return CSCTP_ERR_INVALID_ARGUMENT;
  if (cfg->mtu < 576 || cfg->mtu > 65535 || cfg->outbound_streams == 0 ||
      cfg->max_inbound_streams == 0 || cfg->rwnd < 1500 || cfg->max_message_size == 0 ||
      (cfg->max_message_size > cfg->rwnd && !cfg->partial_delivery_point) || cfg->sndbuf == 0 ||
      cfg->rto_min == 0 || cfg->rto_min > cfg->rto_max || cfg->rto_initial == 0 ||
      cfg->sack_freq == 0 || cfg->max_burst == 0 || cfg->valid_cookie_life == 0 ||
      (unsigned)cfg->scheduler >= CSCTP_SCHED_COUNT ||
      (cfg->plpmtud_max && (cfg->plpmtud_max < cfg->mtu || cfg->plpmtud_max > 65535 ||
                            cfg->plpmtud_probe_timer < 1000 || cfg->plpmtud_raise_timer < 1000)) ||
      (unsigned)cfg->auth_hmac > CSCTP_AUTH_HMAC_SHA1 || config_paths_invalid(cfg) ||
      (cfg->asconf && (!cfg->auth || cfg->max_paths <= 1))) /* RFC 5061 §4.1.1: AUTH */
    return CSCTP_ERR_INVALID_ARGUMENT;
  const csctp_mem *mem = cfg->mem ? cfg->mem : csctp_mem_default();
  csctp_assoc *a = csctp_calloc(mem, 1, sizeof(*a));
  if (!a) return CSCTP_ERR_NOMEM;
  a->mem = mem;
  a->cfg = *cfg;
  a->cfg.mem = mem;
  a->cfg.cookie_secret = NULL;
  if (cfg->asconf) { /* RFC 5061 §4.1.1: the peer must authenticate both */
    CSCTP_AUTH_CHUNK_SET(&a->cfg, CSCTP_CHUNK_ASCONF);
    CSCTP_AUTH_CHUNK_SET(&a->cfg, CSCTP_CHUNK_ASCONF_ACK);
  }
  a->state = CSCTP_STATE_CLOSED;
  csctp_assoc_set_peer_idata(a, 0);
  a->t1 = a->t2 = a->t5 = a->sack_timer = a->p0.hb_timer = CSCTP_TSTAMP_NONE;
  a->p0.state = CSCTP_PATH_ACTIVE; /* the address the association is made with (§5.4) */
  a->rc.timer = CSCTP_TSTAMP_NONE;
  a->announce_forward_tsn = a->announce_reconfig = 1;
  a->announce_idata = cfg->interleaving != 0;
  if (cfg->cookie_secret) {
    memcpy(a->secret, cfg->cookie_secret, CSCTP_COOKIE_SECRET_LEN);
  } else if (cfg->rand(a->secret, sizeof(a->secret), cfg->rand_user_data)) {
    csctp_free(mem, a);
    return CSCTP_ERR_RANDOM;
  }
  csctp_tx_config tc = {cfg->mtu,         cfg->sndbuf,  cfg->max_message_size, cfg->max_burst,
                        cfg->rto_initial, cfg->rto_min, cfg->rto_max};
  int rv = csctp_tx_init(&a->tx, mem, &tc);
  if (rv) {
    csctp_free(mem, a);
    return rv;
  }
  csctp_tx_set_scheduler(&a->tx, cfg->scheduler); /* RFC 8260 §3; validated above */
  rv = csctp_assoc_pl_init(a);                    /* RFC 8899; validated above */
  if (!rv) rv = csctp_assoc_mp_init(a);           /* multi-homing; validated above */
  if (!rv) rv = csctp_assoc_asconf_init(a);       /* RFC 5061; validated above */
  a->write_ext = a->cfg.plpmtud_max || a->cfg.ecn || a->mp;
  if (!rv) rv = csctp_reasm_init(&a->reasm, mem, cfg->max_message_size);
  uint64_t seed = assoc_hash_seed(a);
  if (!rv) {
    csctp_reasm_set_partial(&a->reasm, csctp_assoc_pd_point(cfg));
    csctp_reasm_set_hash_seed(&a->reasm, seed);
    csctp_ireasm_init(&a->ireasm, mem, cfg->max_message_size); /* allocates nothing */
    csctp_ireasm_set_partial(&a->ireasm, csctp_assoc_pd_point(cfg));
    a->ireasm.hash_seed = seed;
  }
  if (!rv && (rv = csctp_assoc_events_init(a)) != 0) csctp_reasm_free(&a->reasm);
  if (!rv && (rv = csctp_assoc_auth_init(a)) != 0) {
    csctp_assoc_events_free(a);
    csctp_reasm_free(&a->reasm);
  }
  if (rv) {
    csctp_assoc_pl_free(a);
    csctp_assoc_asconf_free(a);
    csctp_assoc_mp_free(a);
    csctp_tx_free(&a->tx);
    csctp_free(mem, a);
    return rv;
  }
  a->last_adv_rwnd = cfg->rwnd;
  *pa = a;
  return 0;
}

static void assoc_drop_output(csctp_assoc *a) {
  csctp_assoc_opkt *p = a->opkt_head;
  while (p) {
    csctp_assoc_opkt *n = p->next;
    csctp_free(a->mem, p);
    p = n;
  }
  a->opkt_head = a->opkt_tail = NULL;
  while (a->opkt_spare) {
    csctp_assoc_opkt *n = a->opkt_spare->next;
    csctp_free(a->mem, a->opkt_spare);
    a->opkt_spare = n;
  }
  a->n_opkt_spare = 0;
}

void csctp_assoc_del(csctp_assoc *a) {
  if (!a) return;
  assoc_drop_output(a);
  csctp_free(a->mem, a->ctrl);
  csctp_free(a->mem, a->cookie);
  csctp_free(a->mem, a->init_ack_err);
  csctp_tx_free(&a->tx);
  csctp_reasm_free(&a->reasm);
  csctp_ireasm_free(&a->ireasm);
  if (a->cfg.rx_budget) a->cfg.rx_budget->used -= a->rx_charged; /* nothing held any more */
  csctp_assoc_events_free(a);
  csctp_assoc_reconfig_free(a);
  csctp_assoc_pl_free(a);
  csctp_assoc_asconf_free(a);
  csctp_assoc_mp_free(a);
  csctp_assoc_auth_free(a);
  csctp_free(a->mem, a);
}

/* A message handed out by poll_event lives until the next call on the association. */
void csctp_assoc_release_popped_any(csctp_assoc *a) {
  if (a->peer_idata)
    csctp_ireasm_release(&a->ireasm);
  else
    csctp_reasm_release(&a->reasm);
  a->have_popped = 0;
  csctp_assoc_check_window_update(a);
  csctp_assoc_rx_sync(a);
}

/* Small packet buffers kept for reuse (the SACKs of a batch of reads), and their size. */
#define ASSOC_OPKT_SPARES 32
#define ASSOC_OPKT_SPARE_CAP 128

int csctp_assoc_queue_packet(csctp_assoc *a, uint32_t vtag, const uint8_t *chunks, size_t len) {
  if (CSCTP_COMMON_HDR_LEN + len + a->auth_tx_len > a->cfg.mtu)
    len = a->cfg.mtu - CSCTP_COMMON_HDR_LEN - a->auth_tx_len;
  size_t need = CSCTP_COMMON_HDR_LEN + len + a->auth_tx_len;
  csctp_assoc_opkt *p = a->opkt_spare;
  if (p && p->cap >= need) { /* the SACKs a batch of reads sends cost no allocation */
    a->opkt_spare = p->next;
    a->n_opkt_spare--;
  } else {
    size_t cap = need <= ASSOC_OPKT_SPARE_CAP ? ASSOC_OPKT_SPARE_CAP : need;
    p = csctp_malloc(a->mem, sizeof(*p) + cap);
    if (!p) return CSCTP_ERR_NOMEM;
    p->cap = (uint32_t)cap;
  }
  p->path = 0;
  p->hback = 0;
  p->to_src = 0;
  p->local = CSCTP_LOCAL_ANY;
  csctp_wr w;
  csctp_wr_init(&w, p->data, CSCTP_COMMON_HDR_LEN + len);
  csctp_packet_write_header(&w, a->cfg.local_port, a->cfg.remote_port, vtag);
  csctp_wr_bytes(&w, chunks, len);
  if (a->auth_tx_len) {
    csctp_ssize n = csctp_assoc_auth_seal(a, p->data, w.len);
    if (n < 0) {
      csctp_free(a->mem, p);
      return (int)n;
    }
    w.len = (size_t)n;
  }
  csctp_assoc_checksum_seal(a, p->data, w.len);
  p->len = w.len;
  p->next = NULL;
  if (a->opkt_tail)
    a->opkt_tail->next = p;
  else
    a->opkt_head = p;
  a->opkt_tail = p;
  return 0;
}

int csctp_assoc_queue_ctrl(csctp_assoc *a, const uint8_t *chunk, size_t len) {
  if (a->ctrl_len + len > a->ctrl_cap) {
    size_t cap = a->ctrl_cap ? a->ctrl_cap * 2 : 256;
    while (cap < a->ctrl_len + len) cap *= 2;
    uint8_t *n = csctp_realloc(a->mem, a->ctrl, cap);
    if (!n) return CSCTP_ERR_NOMEM;
    a->ctrl = n;
    a->ctrl_cap = cap;
  }
  memcpy(a->ctrl + a->ctrl_len, chunk, len);
  a->ctrl_len += len;
  return 0;
}

static void assoc_stop_timers(csctp_assoc *a) {
  a->t1 = a->t2 = a->t5 = a->sack_timer = a->p0.hb_timer = CSCTP_TSTAMP_NONE;
  a->rc.timer = CSCTP_TSTAMP_NONE;
}

/* The CLOSED line: a failure is an error, the peer's ABORT a warning, a shutdown or our abort news.
 */
static csctp_log_level assoc_close_level(csctp_close_reason reason) {
  switch (reason) {
  case CSCTP_CLOSE_SHUTDOWN:
  case CSCTP_CLOSE_LOCAL_ABORT: return CSCTP_LOG_INFO;
  case CSCTP_CLOSE_PEER_ABORT: return CSCTP_LOG_WARN;
  default: return CSCTP_LOG_ERROR;
  }
}

void csctp_assoc_enter_closed(csctp_assoc *a, csctp_close_reason reason, uint16_t cause) {
  if (a->state == CSCTP_STATE_CLOSED && a->dead) return;
  csctp_assoc_log(a, assoc_close_level(reason), "%s -> CLOSED (reason %d, cause %u)",
                  csctp_assoc_state_name(a->state), (int)reason, cause);
  a->state = CSCTP_STATE_CLOSED;
  a->dead = 1;
  assoc_stop_timers(a);
  a->send_init = a->send_cookie_echo = a->send_shutdown = a->send_shutdown_ack = 0;
  a->send_heartbeat = a->sack_now = a->sack_urgent = a->window_update = 0;
  a->ctrl_len = 0;
  csctp_event ev = {.type = CSCTP_EVENT_CLOSED};
  ev.u.closed.reason = reason;
  ev.u.closed.cause = cause;
  csctp_assoc_push_event(a, &ev, 1);
}

void csctp_assoc_abort_with(csctp_assoc *a, uint16_t cause, const char *text,
                            csctp_close_reason reason) {
  uint8_t buf[320];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof(buf));
  size_t off = csctp_abort_write_begin(&w, 0);
  if (cause) {
    if (text)
      csctp_cause_write_text(&w, cause, text);
    else
      csctp_cause_write(&w, cause, NULL, 0);
  }
  csctp_wr_tlv_end(&w, off);
  if (!w.overflow && a->peer_tag) {
    csctp_assoc_queue_packet(a, a->peer_tag, buf, w.len);
    a->stats.aborts_sent++;
  }
  csctp_assoc_enter_closed(a, reason, cause);
}

/*
 * 1 when an established association has nothing at all to send: no control
 * chunk, SACK, RE-CONFIG request, PR-SCTP work or sendable data. The last
 * call of a caller's write loop ends here, before any header is built.
 * *data_ready gets the tx's answer when it was asked.
 */
static inline __attribute__((always_inline)) int assoc_nothing_to_send(const csctp_assoc *a,
                                                                       csctp_tstamp now,
                                                                       int *data_ready) {
  if (a->state != CSCTP_STATE_ESTABLISHED || a->ctrl_len || a->send_heartbeat || a->sack_now ||
      a->window_update || a->send_cookie_echo || a->send_shutdown_ack || a->send_shutdown ||
      (a->rc.inflight && a->rc.send) || a->tx.pr_used)
    return 0; /* (a PLPMTUD probe is written before this is asked: assoc_write_packet_pl_ecn) */
  *data_ready = csctp_tx_wants_to_send(&a->tx, now);
  return !*data_ready;
}

/* data_ready: the tx's answer if already asked, else -1. */
static inline __attribute__((always_inline)) size_t assoc_write_stateful(csctp_assoc *a,
                                                                         csctp_wr *w,
                                                                         csctp_tstamp now,
                                                                         int data_ready) {
  size_t start = w->len;
  /* Control chunks first (§6.10), whole ones only. */
  if (a->ctrl_len) {
    size_t off = 0;
    while (off + 4 <= a->ctrl_len) {
      size_t clen = (csctp_get_u16(a->ctrl + off + 2) + 3u) & ~3u;
      if (clen > csctp_wr_left(w)) break;
      csctp_wr_bytes(w, a->ctrl + off, clen);
      a->stats.chunks_out++;
      off += clen;
    }
    if (off == 0 && w->len == start && a->ctrl_len) {
      /* A chunk larger than a packet: cannot be sent, drop it. */
      size_t clen = (csctp_get_u16(a->ctrl) + 3u) & ~3u;
      off = clen > a->ctrl_len ? a->ctrl_len : clen;
    }
    memmove(a->ctrl, a->ctrl + off, a->ctrl_len - off);
    a->ctrl_len -= off;
  }
  if (a->send_cookie_echo && a->state == CSCTP_STATE_COOKIE_ECHOED) {
    size_t mark = w->len;
    csctp_cookie_echo_write(w, a->cookie, a->cookie_len);
    if (w->overflow) {
      csctp_wr_rollback(w, mark);
    } else {
      a->send_cookie_echo = 0;
      a->stats.chunks_out++;
      if (a->init_ack_err_len) { /* unrecognized INIT ACK params, reported once */
        size_t m2 = w->len;
        csctp_wr_bytes(w, a->init_ack_err, a->init_ack_err_len);
        if (w->overflow) csctp_wr_rollback(w, m2);
        a->init_ack_err_len = 0;
      }
    }
  }
  if (a->send_shutdown_ack) {
    size_t mark = w->len;
    csctp_chunk_write_empty(w, CSCTP_CHUNK_SHUTDOWN_ACK, 0);
    if (w->overflow)
      csctp_wr_rollback(w, mark);
    else {
      a->send_shutdown_ack = 0;
      a->stats.chunks_out++;
    }
  }
  if (a->send_heartbeat) {
    uint8_t info[16];
    csctp_put_u32(info, (uint32_t)(a->p0.hb_sent >> 32));
    csctp_put_u32(info + 4, (uint32_t)a->p0.hb_sent);
    csctp_put_u32(info + 8, (uint32_t)(a->p0.hb_nonce >> 32));
    csctp_put_u32(info + 12, (uint32_t)a->p0.hb_nonce);
    size_t mark = w->len;
    csctp_heartbeat_write(w, CSCTP_CHUNK_HEARTBEAT, info, sizeof(info));
    if (w->overflow)
      csctp_wr_rollback(w, mark);
    else {
      a->send_heartbeat = 0;
      a->stats.heartbeats_out++;
      a->stats.chunks_out++;
    }
  }
  int can_send_data = a->state == CSCTP_STATE_ESTABLISHED ||
                      a->state == CSCTP_STATE_SHUTDOWN_PENDING ||
                      a->state == CSCTP_STATE_SHUTDOWN_RECEIVED;
  if (data_ready < 0) data_ready = can_send_data && csctp_tx_wants_to_send(&a->tx, now);
  int rx_active = a->rx_started && a->state != CSCTP_STATE_COOKIE_WAIT;
  /* SACK: when due, or piggy-backed on anything else we send. */
  int sack_pending =
      a->sack_now || a->window_update ||
      (a->sack_timer != CSCTP_TSTAMP_NONE && (w->len > start || data_ready || a->send_shutdown));
  if (rx_active && sack_pending) {
    /* In SHUTDOWN-SENT the SHUTDOWN carries the cumulative ack (§9.2); a SACK
     * goes with it too, for its gap blocks and for peers that ignore the
     * SHUTDOWN's ack. */
    uint32_t rwnd = csctp_assoc_a_rwnd(a);
    size_t mark = w->len;
    if (csctp_rx_tsn_write_sack(&a->rxt, w, rwnd) == 0 && !w->overflow) {
      csctp_assoc_sack_sent(a, rwnd);
      a->stats.chunks_out++;
    } else {
      csctp_wr_rollback(w, mark);
    }
  }
  if (a->send_shutdown && a->state == CSCTP_STATE_SHUTDOWN_SENT) {
    size_t mark = w->len;
    csctp_shutdown_write(w, a->rxt.cum);
    if (w->overflow)
      csctp_wr_rollback(w, mark);
    else {
      a->send_shutdown = 0;
      csctp_assoc_ack_sent(a);
      a->stats.chunks_out++;
    }
  }
  if (can_send_data) {
    /* RFC 6525 request, then RFC 3758 abandonment and FORWARD TSN, all before DATA. */
    csctp_assoc_reconfig_write(a, w, now);
    if (a->tx.pr_used) {
      /* Abandoning may change what can be sent (fewer queued or marked chunks). */
      if (csctp_tx_pr_check(&a->tx, now)) data_ready = csctp_tx_wants_to_send(&a->tx, now);
      if (csctp_tx_write_forward_tsn(&a->tx, w, now)) a->stats.chunks_out++;
    }
  }
  if (data_ready && !(a->cfg.no_bundle && w->len > start)) {
    size_t n = csctp_tx_write_data(&a->tx, w, now);
    if (n) {
      a->stats.chunks_out += n;
      a->p0.last_sent = now;
    }
  }
  return w->len - start;
}

/* The next packet into buf (room for the largest the association writes): its length, 0. */
static inline __attribute__((always_inline)) csctp_ssize assoc_write_common(csctp_assoc *a,
                                                                            uint8_t *buf,
                                                                            csctp_tstamp now) {
  if (a->opkt_head) {
    csctp_assoc_opkt *p = a->opkt_head;
    size_t n = p->len;
    memcpy(buf, p->data, n);
    a->opkt_head = p->next;
    if (!a->opkt_head) a->opkt_tail = NULL;
    if (a->n_opkt_spare < ASSOC_OPKT_SPARES && p->cap <= ASSOC_OPKT_SPARE_CAP) {
      p->next = a->opkt_spare; /* kept for the next small packet */
      a->opkt_spare = p;
      a->n_opkt_spare++;
    } else {
      csctp_free(a->mem, p);
    }
    a->stats.packets_out++;
    a->stats.chunks_out++;
    return (csctp_ssize)n;
  }
  if (a->state == CSCTP_STATE_CLOSED) return 0;
  csctp_wr w;
  csctp_wr_init(&w, buf, a->mtu_now - a->auth_tx_len); /* RFC 4895 §6.2: room for AUTH */
  if (a->state == CSCTP_STATE_COOKIE_WAIT) {
    if (!a->send_init) return 0;
    csctp_packet_write_header(&w, a->cfg.local_port, a->cfg.remote_port, 0);
    csctp_assoc_write_init(a, &w, 1);
    if (w.overflow) return 0;
    a->send_init = 0;
    a->stats.chunks_out++;
  } else {
    int data_ready = -1;
    if (assoc_nothing_to_send(a, now, &data_ready)) return 0;
    csctp_packet_write_header(&w, a->cfg.local_port, a->cfg.remote_port, a->peer_tag);
    if (assoc_write_stateful(a, &w, now, data_ready) == 0) return 0;
    if (a->auth_tx_len) {
      csctp_ssize n = csctp_assoc_auth_seal(a, buf, w.len);
      if (n < 0) return n;
      w.len = (size_t)n;
    }
  }
  csctp_assoc_checksum_seal(a, buf, w.len);
  a->stats.packets_out++;
  return (csctp_ssize)w.len;
}

/* With RFC 8899 PLPMTUD or ECN configured. PLPMTUD: a due probe goes first, and a packet
 * longer than the PLPMTU (a retransmission cut for a larger one) is marked fragmentable. ECN:
 * the ECNE / CWR owed go in as control chunks, and a packet with new DATA and no
 * retransmission may leave ECT(0) (csctp_assoc_packet_ecn). */
static csctp_ssize assoc_write_packet_pl_ecn(csctp_assoc *a, uint8_t *buf, size_t cap,
                                             csctp_tstamp now) {
  if (!buf || cap < csctp_assoc_buf_need(a)) return CSCTP_ERR_NOBUF;
  a->pl_frag_ok = 0;
  a->ecn_mark = 0;
  /* After what waits (a COOKIE ACK first: the peer may not take a HEARTBEAT before it). */
  if (a->pl && a->pl->m.want_probe && a->state == CSCTP_STATE_ESTABLISHED && !a->opkt_head &&
      !a->ctrl_len) {
    csctp_ssize n = csctp_assoc_pl_write_probe(a, buf, now);
    if (n > 0) return n;
  }
  int repeat = 0;
  if (a->ecn_on && !a->opkt_head && (a->ecne_owed || a->cwr_owed)) {
    int data_ready = -1;
    int busy = a->cwr_owed ||
               (a->state == CSCTP_STATE_ESTABLISHED && !assoc_nothing_to_send(a, now, &data_ready));
    repeat = csctp_assoc_ecn_before_write(a, busy);
  }
  uint64_t data0 = a->tx.stats.data_chunks_out, rtx0 = a->tx.stats.retransmissions;
  uint64_t chunks0 = a->stats.chunks_out;
  csctp_ssize n = assoc_write_common(a, buf, now);
  if (repeat && n > 0 && a->stats.chunks_out - chunks0 == 1) {
    /* "busy" was a guess (PR-SCTP in use, data the windows hold back): the repeated echo would
     * go alone. It is withheld, still owed, for the next packet sent anyway; otherwise every
     * call would write one more such packet and a caller's write loop would never end. */
    a->stats.chunks_out--;
    a->stats.packets_out--;
    a->stats.ecne_out--;
    return 0;
  }
  if (a->pl) a->pl_frag_ok = n > (csctp_ssize)a->mtu_now;
  if (a->ecn_on && n > 0 && a->tx.stats.data_chunks_out != data0 &&
      a->tx.stats.retransmissions == rtx0) {
    a->ecn_mark = 1; /* RFC 3168 §6.1.5: never on a retransmission */
    a->stats.ecn_ect_out++;
  }
  return n;
}

/* PLPMTUD, ECN or a multi-homed association (write_ext): off the path of the others. */
static __attribute__((noinline)) csctp_ssize assoc_write_packet_ext(csctp_assoc *a, uint8_t *buf,
                                                                    size_t cap, csctp_tstamp now) {
  /* More than one path: only csctp_assoc_write_packet_via says where a packet goes. */
  if (a->mp && a->mp->n > 1 && !a->mp->writing) return CSCTP_ERR_INVALID_STATE;
  if (a->cfg.plpmtud_max || a->cfg.ecn) return assoc_write_packet_pl_ecn(a, buf, cap, now);
  if (!buf || cap < a->cfg.mtu) return CSCTP_ERR_NOBUF;
  return assoc_write_common(a, buf, now);
}

static csctp_ssize assoc_write_packet(csctp_assoc *a, uint8_t *buf, size_t cap, csctp_tstamp now) {
  if (__builtin_expect(a->write_ext, 0)) return assoc_write_packet_ext(a, buf, cap, now);
  if (!buf || cap < a->cfg.mtu) return CSCTP_ERR_NOBUF;
  return assoc_write_common(a, buf, now);
}

csctp_ssize csctp_assoc_write_packet(csctp_assoc *a, uint8_t *buf, size_t cap, csctp_tstamp now) {
  csctp_assoc_release_popped(a);
  csctp_ssize n = assoc_write_packet(a, buf, cap, now);
  if (n == 0) a->out_dirty = 0; /* drained: expiry is the timers' again */
  return n;
}

/* ---- API ---- */

/*
 * Partial delivery, when nothing whole is ready: a piece of the message that holds the
 * window, when enough of it is here or the window is nearly closed (RFC 9260 §6.9).
 */
static __attribute__((noinline)) int assoc_pop_piece(csctp_assoc *a, csctp_rx_msg *m) {
  size_t held = csctp_assoc_held(a);
  int force = held + csctp_assoc_pd_point(&a->cfg) >= a->cfg.rwnd;
  if (a->peer_idata) return csctp_ireasm_pop_piece(&a->ireasm, force, m);
  return csctp_reasm_pop_piece(&a->reasm, a->rxt.cum, force, m);
}

/* What the DATA reassembly's pop did not give: the I-DATA reassembly's next message, then a piece
 * of a message under partial delivery. */
static __attribute__((noinline)) int assoc_pop_rest(csctp_assoc *a, csctp_rx_msg *m) {
  int rv = a->peer_idata ? csctp_ireasm_pop(&a->ireasm, m) : 0;
  if (rv == 0 && a->cfg.partial_delivery_point) rv = assoc_pop_piece(a, m);
  return rv;
}

static __attribute__((noinline)) void assoc_count_piece(csctp_assoc *a, uint32_t flags) {
  if (flags & CSCTP_MSG_MORE)
    a->stats.partial_pieces++;
  else if (flags & CSCTP_MSG_ABORTED)
    a->stats.partial_aborted++;
  else
    a->stats.messages_in++; /* the last piece: the message is in */
}

int csctp_assoc_poll_event(csctp_assoc *a, csctp_event *ev) {
  if (a->have_popped && !a->rc.deferred && !a->evq_len && !a->cfg.rx_budget &&
      csctp_assoc_window_settled(a)) {
    /* Nothing between the release and the next pop looks at the reassembly (no window
     * update due, no budget, no deferred reset, no event): csctp_reasm_pop releases. */
    a->have_popped = 0;
  } else {
    csctp_assoc_release_popped(a);
    if (a->rc.deferred)
      csctp_assoc_reconfig_progress(a); /* a deferred reset waits for its messages to be taken */
    if (a->evq_len && !a->evq[a->evq_head].after_data) return csctp_assoc_pop_event(a, ev);
  }
  csctp_rx_msg m;
  /* With I-DATA the DATA reassembly stays empty (DATA is refused): its pop answers 0 at once and
   * the I-DATA one is asked only then, off the path of every DATA message. */
  int rv = csctp_reasm_pop(&a->reasm, &m);
  if (rv == 0 && (a->peer_idata | a->cfg.partial_delivery_point)) rv = assoc_pop_rest(a, &m);
  if (rv == 1) {
    a->have_popped = 1;
    csctp_assoc_rx_sync(a);
    ev->type = CSCTP_EVENT_MESSAGE; /* every field of u.message is set: no memset */
    ev->u.message.stream = m.stream;
    ev->u.message.ppid = m.ppid;
    ev->u.message.unordered = m.unordered;
    ev->u.message.data = m.data;
    ev->u.message.len = m.len;
    ev->u.message.flags = m.flags;
    if (m.flags)
      assoc_count_piece(a, m.flags);
    else
      a->stats.messages_in++;
    a->stats.bytes_in += m.len;
    csctp_assoc_mark(a); /* taking it may open the window: a SACK to send */
    return 1;
  }
  if (a->evq_len) return csctp_assoc_pop_event(a, ev);
  return 0;
}

csctp_tstamp csctp_assoc_expiry(const csctp_assoc *a) {
  /* Output that a call since the last drained write may have made is due now, whatever
   * the caller's loop does next (e.g. a message sent while handling an event). */
  if (a->out_dirty) return 0;
  return csctp_assoc_timers_next(a);
}

csctp_tstamp csctp_assoc_timer_expiry(const csctp_assoc *a) { return csctp_assoc_timers_next(a); }

int csctp_assoc_handle_expiry(csctp_assoc *a, csctp_tstamp now) {
  csctp_assoc_release_popped(a);
  if (csctp_assoc_timers_next(a) <= now) a->out_dirty = 1; /* a timer runs: output may follow */
  return csctp_assoc_timers_run(a, now);
}

int csctp_assoc_input_drained(csctp_assoc *a) {
  if (!a) return CSCTP_ERR_INVALID_ARGUMENT;
  if (a->sack_timer != CSCTP_TSTAMP_NONE) { /* DATA waits for its acknowledgement */
    a->sack_timer = CSCTP_TSTAMP_NONE;
    a->sack_now = 1;
    csctp_assoc_mark(a);
  }
  return 0;
}

static inline __attribute__((always_inline)) int assoc_send(csctp_assoc *a,
                                                            const csctp_send_opts *opts,
                                                            unsigned flags, const uint8_t *data,
                                                            size_t len, csctp_tstamp now) {
  if (!opts || (!data && len) || (flags & ~CSCTP_SEND_SACK_IMMEDIATELY))
    return CSCTP_ERR_INVALID_ARGUMENT;
  if (a->handed_over) return CSCTP_ERR_INVALID_STATE;
  if (a->dead || a->state >= CSCTP_STATE_SHUTDOWN_PENDING) return CSCTP_ERR_CLOSED;
  uint16_t limit = a->num_out ? a->num_out : a->cfg.outbound_streams;
  if (opts->stream >= limit) return CSCTP_ERR_STREAM_ID;
  if (len == 0) return CSCTP_ERR_INVALID_ARGUMENT;
  if (len > a->cfg.max_message_size) return CSCTP_ERR_MSG_TOO_LARGE;
  int rv = flags ? csctp_tx_send_flags(&a->tx, opts, flags, now, data, len)
                 : csctp_tx_send(&a->tx, opts, now, data, len);
  if (rv == 0) {
    a->stats.messages_out++;
    if (a->tx.buffered > a->send_low_threshold) a->send_low_armed = 1;
    csctp_assoc_mark(a);
  }
  return rv;
}

int csctp_assoc_send(csctp_assoc *a, const csctp_send_opts *opts, const uint8_t *data, size_t len,
                     csctp_tstamp now) {
  /* `data` may be the message handed out last (an echo): copied before it is released. */
  int rv = assoc_send(a, opts, 0, data, len, now);
  csctp_assoc_release_popped(a);
  return rv;
}

int csctp_assoc_send_ex(csctp_assoc *a, const csctp_send_opts *opts, unsigned flags,
                        const uint8_t *data, size_t len, csctp_tstamp now) {
  int rv = assoc_send(a, opts, flags, data, len, now);
  csctp_assoc_release_popped(a);
  return rv;
}

int csctp_assoc_abort(csctp_assoc *a, const char *reason, csctp_tstamp now) {
  csctp_assoc_release_popped(a);
  if (a->state == CSCTP_STATE_CLOSED) return CSCTP_ERR_INVALID_STATE;
  csctp_assoc_abort_with(a, CSCTP_CAUSE_USER_ABORT, reason ? reason : "", CSCTP_CLOSE_LOCAL_ABORT);
  csctp_assoc_mark(a);
  return 0;
}

csctp_assoc_state csctp_assoc_get_state(const csctp_assoc *a) { return a->state; }

size_t csctp_assoc_buffered_amount(const csctp_assoc *a) { return a->tx.buffered; }

void csctp_assoc_set_send_buffer_low(csctp_assoc *a, size_t threshold) {
  a->send_low_threshold = threshold;
}

static void assoc_fill_stats(const csctp_assoc *a, csctp_stats *st) {
  memset(st, 0, sizeof *st);
#define COPY(f) st->f = a->stats.f;
  CSCTP_ASSOC_COUNTERS(COPY)
#undef COPY
  st->zero_checksum = a->stats.zero_checksum;
  st->auth = a->stats.auth;
  st->ecn = a->stats.ecn;
  csctp_assoc_asconf_stats(a, st);
  st->data_chunks_out = a->tx.stats.data_chunks_out;
  st->bytes_out = a->tx.stats.bytes_out;
  st->retransmissions = a->tx.stats.retransmissions;
  st->fast_retransmits = a->tx.stats.fast_retransmits;
  st->t3_expiries = a->tx.stats.t3_expiries;
  st->srtt_ms = (uint32_t)(a->tx.p0.rto.srtt / CSCTP_MILLISECONDS);
  st->rttvar_ms = (uint32_t)(a->tx.p0.rto.rttvar / CSCTP_MILLISECONDS);
  st->rto_ms = (uint32_t)(a->tx.p0.rto.rto / CSCTP_MILLISECONDS);
  st->cwnd = a->tx.p0.cwnd;
  st->ssthresh = a->tx.p0.ssthresh;
  st->peer_rwnd = a->tx.peer_rwnd;
  st->n_paths = (uint8_t)csctp_assoc_path_count(a);
  st->primary_path = (uint8_t)csctp_assoc_get_primary(a);
  st->data_path = a->mp ? a->mp->data_path : 0;
  if (a->mp) { /* version 5: kept outside csctp_assoc (path.h) */
    st->restart_new_addr_aborts = a->mp->v5.restart_new_addr_aborts;
    st->hb_dropped_ack_queued = a->mp->v5.hb_dropped_ack_queued;
    st->paths_unverified = a->mp->v5.paths_unverified;
    st->dormant_entered = a->mp->v5.dormant_entered;
    st->dormant = a->mp->dormant;
  }
  st->local_rwnd = csctp_assoc_a_rwnd(a);
  st->bytes_outstanding = a->tx.outstanding_bytes;
  st->bytes_buffered = a->tx.buffered;
  st->unacked_chunks = csctp_tx_unacked_chunks(&a->tx);
  st->interleaving = (a->peer_idata & CSCTP_IDATA_ON) != 0;
  st->scheduler = (uint8_t)csctp_tx_get_scheduler(&a->tx);
}

int csctp_assoc_get_stats_versioned(const csctp_assoc *a, int stats_version, csctp_stats *st) {
  if (!a) return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_stats full;
  assoc_fill_stats(a, &full);
  return csctp_versioned_out(st, csctp_stats_size(stats_version), &full);
}
