/* SPDX-License-Identifier: MIT */
/*
 * PLPMTUD for the association's path (RFC 8899 §6.2): the probes the state machine of
 * plpmtud.c asks for, their answers, the black-hole signal from the retransmission timer,
 * and the PLPMTU applied to what the association writes. A multi-homed association searches
 * the path its new data goes to, and starts over from BASE_PLPMTU when that path changes
 * (its retransmissions to another path, cut for a larger size, may be IP-fragmented).
 *
 * A probe is a packet of exactly the size under test: the common header, a HEARTBEAT whose
 * Heartbeat Info names the probe (when it was sent, a random nonce, its size) and a PAD chunk
 * (RFC 4820 §3) filling the rest (§6.2.1.2). It carries nothing else, is neither congestion
 * nor flow controlled and is never retransmitted (§3); the HEARTBEAT ACK, which echoes the
 * Info, confirms the size when nonce and size match the probe in flight.
 */
#include <string.h>

#include "assoc.h"
#include "assoc_checksum.h"
#include "mem.h"
#include "packet.h"

/* Heartbeat Info of a probe: time sent (8), nonce (8), probed size (4), zero (4). A regular
 * heartbeat's Info is 16 bytes (assoc_timer.c), so the length tells them apart. */
#define PL_INFO_LEN 24u

int csctp_assoc_pl_init(csctp_assoc *a) {
  const csctp_config *c = &a->cfg;
  a->mtu_now = c->mtu;
  if (!c->plpmtud_max) return 0; /* off: no state, packets of cfg.mtu */
  a->pl = csctp_calloc(a->mem, 1, sizeof(*a->pl));
  if (!a->pl) return CSCTP_ERR_NOMEM;
  csctp_pl_init(&a->pl->m, c->mtu, c->plpmtud_max, c->plpmtud_probe_timer, c->plpmtud_raise_timer);
  a->mtu_now = a->pl->m.plpmtu;
  csctp_tx_set_mtu(&a->tx, a->mtu_now, c->plpmtud_max);
  return 0;
}

void csctp_assoc_pl_free(csctp_assoc *a) {
  csctp_free(a->mem, a->pl);
  a->pl = NULL;
}

/* The machine moved the PLPMTU: what the association writes follows. */
static void pl_apply(csctp_assoc *a) {
  const csctp_pl *m = &a->pl->m;
  a->mtu_now = m->plpmtu;
  csctp_tx_set_mtu(&a->tx, a->mtu_now, a->cfg.plpmtud_max);
  csctp_assoc_log(a, CSCTP_LOG_INFO, "PLPMTU %u (%s)", m->plpmtu,
                  m->state == CSCTP_PL_SEARCH_COMPLETE ? "search complete"
                  : m->state == CSCTP_PL_SEARCHING     ? "searching"
                  : m->state == CSCTP_PL_ERROR         ? "the base size does not pass"
                                                       : "base");
}

void csctp_assoc_pl_start(csctp_assoc *a, csctp_tstamp now) {
  if (!a->pl) return;
  csctp_pl_start(&a->pl->m, now);
  if (a->pl->m.want_probe) csctp_assoc_mark(a);
}

csctp_ssize csctp_assoc_pl_write_probe(csctp_assoc *a, uint8_t *buf, csctp_tstamp now) {
  csctp_assoc_pl *pl = a->pl;
  uint32_t size = pl->m.probed;
  uint32_t hi = 0, lo = 0;
  if (csctp_assoc_random_u32(a, &hi, 0) || csctp_assoc_random_u32(a, &lo, 0)) return 0;
  pl->nonce = (uint64_t)hi << 32 | lo;
  pl->sent = now;
  uint8_t info[PL_INFO_LEN];
  csctp_put_u32(info, (uint32_t)(now >> 32));
  csctp_put_u32(info + 4, (uint32_t)now);
  csctp_put_u32(info + 8, hi);
  csctp_put_u32(info + 12, lo);
  csctp_put_u32(info + 16, size);
  csctp_put_u32(info + 20, 0);
  /* With RFC 4895 AUTH, room for the AUTH chunk the peer may want before the HEARTBEAT. */
  size_t room = size - a->auth_tx_len;
  csctp_wr w;
  csctp_wr_init(&w, buf, room);
  csctp_packet_write_header(&w, a->cfg.local_port, a->cfg.remote_port, a->peer_tag);
  csctp_heartbeat_write(&w, CSCTP_CHUNK_HEARTBEAT, info, sizeof(info));
  /* The PAD chunk: its header and zeros up to the size (a multiple of 4, as w.len is). */
  if (w.overflow || w.len + CSCTP_CHUNK_HDR_LEN > room) return 0;
  size_t pad_at = w.len, pad = room - w.len;
  csctp_wr_zeros(&w, pad);
  buf[pad_at] = CSCTP_CHUNK_PAD;
  csctp_put_u16(buf + pad_at + 2, (uint16_t)pad);
  size_t len = w.len;
  if (a->auth_tx_len) {
    csctp_ssize n = csctp_assoc_auth_seal(a, buf, len);
    if (n < 0) return 0;
    len = (size_t)n;
    if (len < size) { /* nothing the peer listed: the PAD takes AUTH's room, the size is exact */
      memset(buf + len, 0, size - len);
      csctp_put_u16(buf + pad_at + 2, (uint16_t)(pad + size - len));
      len = size;
    }
  }
  csctp_pl_probe_sent(&pl->m, now);
  csctp_assoc_checksum_seal(a, buf, len);
  a->stats.packets_out++;
  a->stats.heartbeats_out++;
  a->stats.chunks_out += 2;
  return (csctp_ssize)len;
}

int csctp_assoc_pl_on_ack(csctp_assoc *a, const uint8_t *info, size_t len, csctp_tstamp now) {
  if (len != PL_INFO_LEN) return 0;
  csctp_assoc_pl *pl = a->pl;
  if (!pl) return 1; /* we sent no probe: a forged answer */
  uint64_t sent = (uint64_t)csctp_get_u32(info) << 32 | csctp_get_u32(info + 4);
  uint64_t nonce = (uint64_t)csctp_get_u32(info + 8) << 32 | csctp_get_u32(info + 12);
  uint32_t size = csctp_get_u32(info + 16);
  /* Only the probe in flight: a forged or stale answer confirms nothing. */
  if (!pl->m.probed || !pl->m.probe_count || !pl->nonce || nonce != pl->nonce || sent != pl->sent ||
      size != pl->m.probed)
    return 1;
  pl->nonce = 0;
  a->error_count = 0; /* the peer answered on this path (§8.3) */
  if (csctp_pl_probe_acked(&pl->m, size, now)) pl_apply(a);
  if (pl->m.want_probe) csctp_assoc_mark(a);
  return 1;
}

void csctp_assoc_pl_timer(csctp_assoc *a, csctp_tstamp now) {
  if (!a->pl) return;
  if (csctp_pl_on_timer(&a->pl->m, now)) pl_apply(a);
  if (a->pl->m.want_probe) csctp_assoc_mark(a);
}

void csctp_assoc_pl_on_t3(csctp_assoc *a, csctp_tstamp now) {
  /* Two timeouts in a row with the cumulative TSN where it was: full-size packets may be what
   * the path no longer carries (RFC 8899 §4.3). */
  csctp_assoc_pl *pl = a->pl;
  if (!pl || pl->m.state == CSCTP_PL_DISABLED) return;
  if (pl->t3_streak && a->tx.cum_tsn_ack == pl->t3_cum) {
    if (++pl->t3_streak < 2) return;
    pl->t3_streak = 0;
    if (csctp_pl_black_hole(&pl->m, now)) {
      csctp_assoc_log(a, CSCTP_LOG_WARN, "PLPMTU: data is not getting through: back to %u",
                      pl->m.base);
      pl_apply(a);
    }
    if (pl->m.want_probe) csctp_assoc_mark(a);
    return;
  }
  pl->t3_cum = a->tx.cum_tsn_ack;
  pl->t3_streak = 1;
}

void csctp_assoc_pl_new_path(csctp_assoc *a) {
  csctp_assoc_pl *pl = a->pl;
  if (!pl || pl->m.state == CSCTP_PL_DISABLED) return;
  pl->nonce = 0; /* the probe in flight went to the old path */
  pl->t3_streak = 0;
  if (csctp_pl_black_hole(&pl->m, 0)) pl_apply(a);
  if (pl->m.probed && pl->m.probe_count) pl->m.want_probe = 1; /* BASE / ERROR: again, here */
  if (pl->m.want_probe) csctp_assoc_mark(a);
}

uint32_t csctp_assoc_get_pmtu(const csctp_assoc *a) { return a ? a->mtu_now : 0; }

int csctp_assoc_packet_fragmentable(const csctp_assoc *a) { return a ? a->pl_frag_ok : 0; }
