/* SPDX-License-Identifier: MIT */
/*
 * The association's inbound side: packet validation and dispatch (RFC 9260
 * §8.4, §8.5), the lone-DATA and lone-SACK fast paths, chunk validation and the
 * reaction to unknown chunks; csctp_assoc_read_packet().
 */
#include "assoc.h"

#include <string.h>

#include "assoc_asconf.h"
#include "assoc_checksum.h"
#include "auth.h"
#include "chunk_asconf.h"
#include "log.h"
#include "packet.h"

/* ---- inbound ---- */

/* Chunks that must be alone in their packet (§6.10). */
static int chunk_must_be_alone(uint8_t type) {
  return type == CSCTP_CHUNK_INIT || type == CSCTP_CHUNK_INIT_ACK ||
         type == CSCTP_CHUNK_SHUTDOWN_COMPLETE;
}

/* Decodes a known chunk other than DATA (read_packet decodes and keeps those) once, to reject
 * malformed packets before any state changes. */
static int chunk_validate(const csctp_chunk *ch) {
  union {
    csctp_init_chunk i;
    csctp_sack_chunk s;
    csctp_forward_tsn_chunk f;
    csctp_reconfig_chunk r;
    csctp_idata_chunk d;
    csctp_iforward_tsn_chunk g;
    csctp_auth_chunk au;
  } u;
  const uint8_t *info;
  size_t info_len;
  uint32_t cum, cnt;
  switch (ch->type) {
  case CSCTP_CHUNK_INIT:
  case CSCTP_CHUNK_INIT_ACK: return csctp_init_decode(ch, &u.i);
  case CSCTP_CHUNK_SACK: return csctp_sack_decode(ch, &u.s);
  case CSCTP_CHUNK_HEARTBEAT:
  case CSCTP_CHUNK_HEARTBEAT_ACK: return csctp_heartbeat_decode(ch, &info, &info_len);
  case CSCTP_CHUNK_SHUTDOWN: return csctp_shutdown_decode(ch, &cum);
  case CSCTP_CHUNK_FORWARD_TSN: return csctp_forward_tsn_decode(ch, &u.f);
  case CSCTP_CHUNK_RECONFIG: return csctp_reconfig_decode(ch, &u.r);
  case CSCTP_CHUNK_IDATA: return csctp_idata_decode(ch, &u.d);
  case CSCTP_CHUNK_IFORWARD_TSN: return csctp_iforward_tsn_decode(ch, &u.g);
  case CSCTP_CHUNK_AUTH: return csctp_auth_decode(ch, &u.au);
  case CSCTP_CHUNK_ECNE: return csctp_ecne_decode(ch, &cum, &cnt);
  case CSCTP_CHUNK_CWR: return csctp_cwr_decode(ch, &cum);
  default: return 0;
  }
}

/* Out-of-the-blue packet (§8.4) while we have no association. */
static void assoc_ootb(csctp_assoc *a, const csctp_common_hdr *h, const uint8_t *pkt, size_t len) {
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, pkt, len);
  while (csctp_chunk_next(&it, &ch) == 1) {
    switch (ch.type) {
    case CSCTP_CHUNK_ABORT:
    case CSCTP_CHUNK_SHUTDOWN_COMPLETE:
    case CSCTP_CHUNK_COOKIE_ACK: return; /* rules 2, 6: silently discard */
    case CSCTP_CHUNK_ERROR:
      if (csctp_cause_first(&ch) == CSCTP_CAUSE_STALE_COOKIE) return;
      break;
    case CSCTP_CHUNK_SHUTDOWN_ACK: {
      /* rule 5: SHUTDOWN COMPLETE with the T bit, their tag reflected */
      uint8_t c[4];
      csctp_wr w;
      csctp_wr_init(&w, c, sizeof(c));
      csctp_chunk_write_empty(&w, CSCTP_CHUNK_SHUTDOWN_COMPLETE, CSCTP_FLAG_T);
      csctp_assoc_queue_packet(a, h->vtag, c, w.len);
      return;
    }
    default: break;
    }
  }
  /* rule 8: ABORT with the T bit set, the packet's own tag reflected */
  uint8_t c[4];
  csctp_wr w;
  csctp_wr_init(&w, c, sizeof(c));
  size_t off = csctp_abort_write_begin(&w, 1);
  csctp_wr_tlv_end(&w, off);
  csctp_assoc_queue_packet(a, h->vtag, c, w.len);
  a->stats.aborts_sent++;
}

/* Reports an unrecognized chunk (action 01/11) in an ERROR chunk. */
static void assoc_report_unknown_chunk(csctp_assoc *a, const csctp_chunk *ch) {
  uint8_t buf[1200];
  csctp_wr w;
  csctp_wr_init(&w, buf,
                csctp_assoc_ctrl_mtu(a) - CSCTP_COMMON_HDR_LEN < sizeof(buf)
                    ? csctp_assoc_ctrl_mtu(a) - CSCTP_COMMON_HDR_LEN
                    : sizeof(buf));
  size_t off = csctp_error_write_begin(&w);
  csctp_cause_write_unrecognized_chunk(&w, ch);
  csctp_wr_tlv_end(&w, off);
  if (!w.overflow && csctp_assoc_queue_ctrl(a, buf, w.len) == 0) a->stats.errors_sent++;
}

static int state_has_tcb(const csctp_assoc *a) { return a->state != CSCTP_STATE_CLOSED; }

/*
 * §6.2, §6.7: a SACK that reports loss (a gap, a duplicate, a filled hole,
 * the I bit) is owed for that packet: the sender counts one miss indication
 * per SACK (§7.2.4). A caller that reads several packets before writing
 * would otherwise get one SACK for all of them, so such a SACK still owed for
 * the previous packet is sent now, before the new packet changes it. So is a
 * SACK owed by sack_freq (§6.2: at least every second packet): one SACK for a
 * whole batch would leave the sender with nothing but T3 when it is lost, and
 * would grow its cwnd once instead of once per SACK (§7.2.1). The packet's
 * buffer is reused from the previous one: no allocation in steady state.
 */
static void assoc_flush_gap_sack(csctp_assoc *a) {
  if (!(a->sack_urgent || a->sack_now) || !a->rx_started || a->state < CSCTP_STATE_ESTABLISHED ||
      a->state == CSCTP_STATE_SHUTDOWN_SENT)
    return;
  uint8_t buf[1500];
  size_t cap = csctp_assoc_ctrl_mtu(a) - CSCTP_COMMON_HDR_LEN - a->auth_tx_len;
  csctp_wr w;
  csctp_wr_init(&w, buf, cap < sizeof(buf) ? cap : sizeof(buf));
  uint32_t rwnd = csctp_assoc_a_rwnd(a);
  if (csctp_rx_tsn_write_sack(&a->rxt, &w, rwnd) != 0 || w.overflow) return;
  if (csctp_assoc_queue_packet(a, a->peer_tag, buf, w.len) != 0) return;
  csctp_assoc_sack_sent(a, rwnd);
}

/*
 * A packet of one DATA chunk (and its padding) for an established association
 * whose tag it carries: the checks of the general path for such a packet
 * (framing, DATA decodable) and the same handling, without the chunk walk.
 * Returns 1 with *rv set when it took the packet, 0 to leave it to the general path.
 */
/* The packet's only chunk (and at most its padding after it) into *ch: 1, or 0 when the packet
 * holds anything else (bundled chunks, stray bytes, a bad length). */
static int assoc_lone_chunk(const uint8_t *pkt, size_t len, csctp_chunk *ch) {
  size_t clen = csctp_get_u16(pkt + CSCTP_COMMON_HDR_LEN + 2);
  if (clen < CSCTP_CHUNK_HDR_LEN || clen > len - CSCTP_COMMON_HDR_LEN) return 0;
  if (len - CSCTP_COMMON_HDR_LEN - clen > ((0u - clen) & 3u)) return 0;
  ch->type = pkt[CSCTP_COMMON_HDR_LEN];
  ch->flags = pkt[CSCTP_COMMON_HDR_LEN + 1];
  ch->length = (uint16_t)clen;
  ch->value = pkt + CSCTP_COMMON_HDR_LEN + CSCTP_CHUNK_HDR_LEN;
  ch->value_len = clen - CSCTP_CHUNK_HDR_LEN;
  return 1;
}

static int assoc_read_lone_data(csctp_assoc *a, const uint8_t *pkt, size_t len, csctp_tstamp now,
                                int *rv) {
  csctp_chunk ch;
  if (!assoc_lone_chunk(pkt, len, &ch)) return 0;
  csctp_data_chunk d;
  if (csctp_data_decode(&ch, &d) != 0) return 0;
  a->rx_accepted++;
  a->stats.chunks_in++;
  csctp_tx_new_burst(&a->tx);
  assoc_flush_gap_sack(a);
  int immediate =
      (a->rx_started && csctp_rx_tsn_has_gaps(&a->rxt)) || (ch.flags & CSCTP_DATA_FLAG_I);
  *rv = csctp_assoc_on_data_plain(a, &d); /* the caller checked lone_data_type */
  if (*rv <= CSCTP_ERR_FATAL) return 1;
  *rv = 0;
  if (state_has_tcb(a)) {
    if (a->rc.deferred) csctp_assoc_reconfig_progress(a);
    csctp_assoc_after_data_packet(a, 1, immediate, now);
  }
  return 1;
}

/* The same for a packet of one SACK chunk. */
static int assoc_read_lone_sack(csctp_assoc *a, const uint8_t *pkt, size_t len, csctp_tstamp now,
                                int *rv) {
  csctp_chunk ch;
  if (!assoc_lone_chunk(pkt, len, &ch)) return 0;
  csctp_sack_chunk s;
  if (csctp_sack_decode(&ch, &s) != 0) return 0;
  a->rx_accepted++;
  a->stats.chunks_in++;
  csctp_tx_new_burst(&a->tx);
  *rv = csctp_assoc_on_sack_decoded(a, &s, now);
  if (*rv <= CSCTP_ERR_FATAL) return 1;
  *rv = 0;
  if (state_has_tcb(a) && a->rc.deferred) csctp_assoc_reconfig_progress(a);
  return 1;
}

/* Chunks kept from the validation pass (views, DATA decoded); a packet with more has the rest
 * walked and decoded again. 48 covers a 1200-byte packet of the smallest DATA chunks. */
#define ASSOC_RX_CHUNKS 48

/* §8.5: counted and dropped, never answered; logged as hostile input (WARN), without our tag. */
static void assoc_drop_bad_vtag(csctp_assoc *a, uint32_t vtag, int first_type) {
  a->stats.drop_bad_vtag++;
  csctp_assoc_log(a, CSCTP_LOG_WARN, "packet dropped: wrong verification tag %08x (chunk type %d)",
                  vtag, first_type);
}

int csctp_assoc_read_packet(csctp_assoc *a, const uint8_t *pkt, size_t len, csctp_tstamp now) {
  if (a->handed_over) return csctp_assoc_handover_drop(a);
  a->out_dirty = 1; /* an answer may be due */
  csctp_common_hdr h;
  csctp_chunk_iter it, rest;
  csctp_chunk ch;
  csctp_chunk chs[ASSOC_RX_CHUNKS];
  csctp_data_chunk dds[ASSOC_RX_CHUNKS], dtmp;
  int rv;
  csctp_assoc_release_popped(a);
  a->stats.packets_in++;
  if (csctp_packet_parse_header(pkt, len, &h) != 0) {
    a->stats.drop_malformed++;
    return 0;
  }
  if (!csctp_assoc_checksum_ok(a, pkt, len)) {
    a->stats.drop_bad_crc++;
    return 0;
  }
  /* §3.1: port 0 is never used (a remote_port of 0 in the config is no wildcard for it). */
  if (h.dst_port != a->cfg.local_port || h.src_port != a->cfg.remote_port || !h.src_port) {
    a->stats.drop_bad_port++;
    return 0;
  }
  /* The common packets of a transfer, handled without the general walk (same checks). */
  if (h.vtag == a->local_tag && a->state == CSCTP_STATE_ESTABLISHED && !a->auth_on) {
    uint8_t type = pkt[CSCTP_COMMON_HDR_LEN];
    if (type == a->lone_data_type && assoc_read_lone_data(a, pkt, len, now, &rv)) return rv;
    if (type == CSCTP_CHUNK_SACK && assoc_read_lone_sack(a, pkt, len, now, &rv)) return rv;
  }
  /* One pass: framing and every known chunk decodable, bundling rules; kept for dispatch. */
  size_t nchunks = 0;
  int first_type = -1, has_alone = 0, has_data = 0, has_other = 0;
  csctp_chunk_iter_init(&it, pkt, len);
  rest = it;
  /* Leading DATA chunks with a payload (a bundle of messages), decoded as they are found;
   * the general walk goes on from the first other chunk, if any. */
  while (nchunks < ASSOC_RX_CHUNKS && csctp_chunk_next_data(&it, &dds[nchunks])) {
    chs[nchunks].type = CSCTP_CHUNK_DATA;
    first_type = CSCTP_CHUNK_DATA;
    has_data = 1;
    if (++nchunks == ASSOC_RX_CHUNKS) rest = it;
  }
  while ((rv = csctp_chunk_next(&it, &ch)) == 1) {
    if (nchunks == 0) first_type = ch.type;
    if (chunk_must_be_alone(ch.type)) has_alone = 1;
    int bad;
    if (ch.type == CSCTP_CHUNK_DATA) {
      has_data = 1;
      bad = csctp_data_decode(&ch, nchunks < ASSOC_RX_CHUNKS ? &dds[nchunks] : &dtmp) != 0;
    } else {
      has_data |= ch.type == CSCTP_CHUNK_IDATA; /* I-DATA takes the general walk */
      has_other = 1;
      bad = chunk_validate(&ch) != 0;
    }
    if (bad) {
      a->stats.drop_malformed++;
      return 0;
    }
    /* A DATA chunk is dispatched by its type and decoded form (dds) alone. */
    if (nchunks < ASSOC_RX_CHUNKS) {
      if (ch.type == CSCTP_CHUNK_DATA)
        chs[nchunks].type = ch.type;
      else
        chs[nchunks] = ch;
    }
    if (++nchunks == ASSOC_RX_CHUNKS) rest = it; /* where the walk for the rest resumes */
  }
  if (rv < 0 || nchunks == 0 || (has_alone && nchunks > 1)) {
    a->stats.drop_malformed++;
    return 0;
  }
  a->stats.chunks_in += nchunks;
  /* §8.5.1 A: a packet with INIT carries tag 0, and a tag of 0 means INIT. */
  if ((first_type == CSCTP_CHUNK_INIT) != (h.vtag == 0)) {
    assoc_drop_bad_vtag(a, h.vtag, first_type);
    return 0;
  }
  /* RFC 4895 §6.3: a leading AUTH is judged by the chunk after it (an AUTH before the COOKIE
   * ECHO it needs the keys of). */
  size_t lead_i = 0;
  if (first_type == CSCTP_CHUNK_AUTH && a->auth && nchunks > 1) {
    lead_i = 1;
    first_type = chs[1].type;
  }
  if (!state_has_tcb(a) && first_type != CSCTP_CHUNK_INIT &&
      first_type != CSCTP_CHUNK_COOKIE_ECHO) {
    assoc_ootb(a, &h, pkt, len);
    return 0;
  }
  /* §8.5 and §8.5.1: check the verification tag per chunk family. */
  if (first_type == CSCTP_CHUNK_ABORT || first_type == CSCTP_CHUNK_SHUTDOWN_COMPLETE) {
    int t = chs[lead_i].flags & CSCTP_FLAG_T;
    if (!((!t && h.vtag == a->local_tag) || (t && a->peer_tag && h.vtag == a->peer_tag))) {
      assoc_drop_bad_vtag(a, h.vtag, first_type);
      return 0;
    }
  } else if (first_type == CSCTP_CHUNK_SHUTDOWN_ACK &&
             (a->state == CSCTP_STATE_COOKIE_WAIT || a->state == CSCTP_STATE_COOKIE_ECHOED)) {
    /* §8.5.1 E: treated as out of the blue. */
    assoc_ootb(a, &h, pkt, len);
    return 0;
  } else if (first_type != CSCTP_CHUNK_INIT && first_type != CSCTP_CHUNK_COOKIE_ECHO &&
             h.vtag != a->local_tag) {
    assoc_drop_bad_vtag(a, h.vtag, first_type);
    return 0;
  }

  /* Proven (a COOKIE ECHO once its cookie is taken, assoc_handshake.c). */
  if (first_type != CSCTP_CHUNK_INIT && first_type != CSCTP_CHUNK_COOKIE_ECHO) a->rx_accepted++;
  csctp_tx_new_burst(&a->tx);
  if (has_data) assoc_flush_gap_sack(a);
  /* A packet that may fill a hole is acknowledged at once (§6.7), so the
   * sender leaves fast recovery without waiting for the delayed SACK. */
  int had_data = 0, immediate = a->rx_started && csctp_rx_tsn_has_gaps(&a->rxt);
  if (!has_other && nchunks <= ASSOC_RX_CHUNKS && !a->auth_on) {
    /* DATA only (a bundle of small messages): the walk below without its dispatch. */
    had_data = 1;
    rv = csctp_assoc_on_data_run(a, dds, nchunks, &immediate, now);
    if (rv <= CSCTP_ERR_FATAL) return rv;
    goto done;
  }
  /* RFC 4895 §6.3: `authed` once a valid AUTH went before; an AUTH met before the COOKIE ECHO
   * that sets up AUTH (the peer listed COOKIE ECHO) is checked right after it. */
  int authed = 0;
  csctp_chunk auth_pending = {0};
  for (size_t k = 0; k < nchunks; k++) {
    const csctp_chunk *chp = &chs[k < ASSOC_RX_CHUNKS ? k : 0];
    if (k >= ASSOC_RX_CHUNKS) {
      csctp_chunk_next(&rest, &ch); /* validated above: cannot fail */
      chp = &ch;
    }
    rv = 0;
    if (a->auth_on && !authed && chp->type != CSCTP_CHUNK_AUTH &&
        csctp_auth_bit(a->auth->local_chunks, chp->type)) {
      a->stats.auth_drop_missing++; /* §6.3: a chunk we listed, without AUTH: discarded */
      if (chp->type == CSCTP_CHUNK_ASCONF) csctp_assoc_asconf_drop_unauth(a); /* RFC 5062 */
      continue;
    }
    switch (chp->type) {
    case CSCTP_CHUNK_AUTH:
      if (!a->auth) goto unknown;
      if (!a->auth_on) {
        if (k + 1 < nchunks && k + 1 < ASSOC_RX_CHUNKS &&
            chs[k + 1].type == CSCTP_CHUNK_COOKIE_ECHO && !auth_pending.value) {
          auth_pending = *chp;
          continue; /* (still CLOSED: the end-of-chunk check below would stop the walk) */
        }
        goto done; /* not negotiated: nothing after it can be trusted */
      }
      if (authed) break; /* a second AUTH: the first covered it (§6.2 allows one) */
      rv = csctp_assoc_on_auth(a, pkt, len, chp);
      if (rv < 0) return rv;
      if (rv == 0) goto done;
      authed = 1;
      rv = 0;
      break;
    case CSCTP_CHUNK_DATA:
      had_data = 1;
      if (k >= ASSOC_RX_CHUNKS) csctp_data_decode(chp, &dtmp);
      if ((k < ASSOC_RX_CHUNKS ? &dds[k] : &dtmp)->flags & CSCTP_DATA_FLAG_I) immediate = 1;
      rv = csctp_assoc_on_data(a, k < ASSOC_RX_CHUNKS ? &dds[k] : &dtmp, now);
      break;
    case CSCTP_CHUNK_INIT: rv = csctp_assoc_on_init(a, &h, chp, now); break;
    case CSCTP_CHUNK_INIT_ACK: rv = csctp_assoc_on_init_ack(a, &h, chp, now); break;
    case CSCTP_CHUNK_SACK: rv = csctp_assoc_on_sack(a, chp, now); break;
    case CSCTP_CHUNK_HEARTBEAT: csctp_assoc_on_heartbeat(a, chp); break;
    case CSCTP_CHUNK_HEARTBEAT_ACK: csctp_assoc_on_heartbeat_ack(a, chp, now); break;
    case CSCTP_CHUNK_ABORT: csctp_assoc_on_abort(a, chp); break;
    case CSCTP_CHUNK_SHUTDOWN: csctp_assoc_on_shutdown(a, chp, now); break;
    case CSCTP_CHUNK_SHUTDOWN_ACK: csctp_assoc_on_shutdown_ack(a, &h, now); break;
    case CSCTP_CHUNK_ERROR: {
      csctp_event ev = {.type = CSCTP_EVENT_PEER_ERROR};
      ev.u.peer_error.cause = csctp_cause_first(chp);
      if (ev.u.peer_error.cause == CSCTP_CAUSE_STALE_COOKIE &&
          a->state == CSCTP_STATE_COOKIE_ECHOED) {
        /* §5.2.6: start over with a fresh INIT (we keep it simple: no preservative). */
        a->state = CSCTP_STATE_COOKIE_WAIT;
        a->send_cookie_echo = 0;
        a->send_init = 1;
        a->t1 = now + a->t1_rto;
      }
      csctp_assoc_push_event(a, &ev, 0);
      break;
    }
    case CSCTP_CHUNK_COOKIE_ECHO:
      rv = csctp_assoc_on_cookie_echo(a, &h, chp, now);
      if (auth_pending.value && rv == 0) {
        /* §6.3: the COOKIE ECHO first, then the AUTH before it, with the cookie's keys. */
        int arv = a->auth_on ? csctp_assoc_on_auth(a, pkt, len, &auth_pending) : 0;
        if (arv < 0) return arv;
        if (arv == 0) goto done;
        authed = 1;
      }
      break;
    case CSCTP_CHUNK_COOKIE_ACK: csctp_assoc_on_cookie_ack(a, now); break;
    case CSCTP_CHUNK_SHUTDOWN_COMPLETE: csctp_assoc_on_shutdown_complete(a, now); break;
    case CSCTP_CHUNK_FORWARD_TSN:
      if (!a->announce_forward_tsn) goto unknown; /* not announced: an unknown chunk to us */
      rv = csctp_assoc_on_forward_tsn(a, chp, &had_data, now);
      break;
    case CSCTP_CHUNK_IDATA: {
      if (!a->announce_idata) goto unknown;
      csctp_idata_chunk d;
      csctp_idata_decode(chp, &d); /* validated above: cannot fail */
      had_data = 1;
      if (d.flags & CSCTP_DATA_FLAG_I) immediate = 1;
      rv = csctp_assoc_on_idata(a, &d, now);
      break;
    }
    case CSCTP_CHUNK_IFORWARD_TSN:
      if (!a->announce_idata || !a->announce_forward_tsn) goto unknown;
      rv = csctp_assoc_on_iforward_tsn(a, chp, &had_data, now);
      break;
    case CSCTP_CHUNK_ECNE:
      if (csctp_assoc_on_ecne(a, chp)) goto unknown; /* ECN not negotiated */
      break;
    case CSCTP_CHUNK_CWR:
      if (csctp_assoc_on_cwr(a, chp)) goto unknown;
      break;
    case CSCTP_CHUNK_RECONFIG:
      if (!a->announce_reconfig) goto unknown;
      rv = csctp_assoc_on_reconfig(a, chp, now);
      break;
    case CSCTP_CHUNK_ASCONF: /* RFC 5061 */
      if (csctp_assoc_on_asconf(a, chp, now)) goto unknown;
      break;
    case CSCTP_CHUNK_ASCONF_ACK:
      if (csctp_assoc_on_asconf_ack(a, chp, now)) goto unknown;
      break;
    default:
    unknown : {
      /* §3.2: the upper two bits of an unrecognized chunk type say what to do. */
      int act = csctp_unknown_action(chp->type);
      if (act == CSCTP_UNK_STOP_REPORT || act == CSCTP_UNK_SKIP_REPORT)
        assoc_report_unknown_chunk(a, chp);
      if (act == CSCTP_UNK_STOP || act == CSCTP_UNK_STOP_REPORT) goto done;
      break;
    }
    }
    if (rv <= CSCTP_ERR_FATAL) return rv;
    if (rv == 1 || a->state == CSCTP_STATE_CLOSED) break; /* handler said: stop processing */
  }
done:
  if (state_has_tcb(a)) {
    if (a->rc.deferred) csctp_assoc_reconfig_progress(a);
    csctp_assoc_after_data_packet(a, had_data, immediate, now);
  }
  return 0;
}

/* ---- outbound ---- */
