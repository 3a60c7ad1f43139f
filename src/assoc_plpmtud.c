/* SPDX-License-Identifier: MIT */
/*
 * PLPMTUD for the association's path (RFC 8899 §6.2): the probes the state machine of
 * plpmtud.c asks for, their answers, the black-hole signal from the retransmission timer,
 * and the PLPMTU applied to what the association writes.
 *
 * A probe is a packet of exactly the size under test: the common header, a HEARTBEAT whose
 * Heartbeat Info names the probe (when it was sent, a random nonce, its size) and a PAD chunk
 * (RFC 4820 §3) filling the rest (§6.2.1.2). It carries nothing else, is neither congestion
 * nor flow controlled and is never retransmitted (§3); the HEARTBEAT ACK, which echoes the
 * Info, confirms the size when nonce and size match the probe in flight.
 */
#include "assoc.h"
#include "assoc_checksum.h"
#include "packet.h"

/* Heartbeat Info of a probe: time sent (8), nonce (8), probed size (4), zero (4). A regular
 * heartbeat's Info is 16 bytes (assoc_timer.c), so the length tells them apart. */
#define PL_INFO_LEN 24u

void csctp_assoc_pl_init(csctp_assoc *a) {
  const csctp_config *c = &a->cfg;
  csctp_pl_init(&a->pl, c->mtu, c->plpmtud_max, c->plpmtud_probe_timer, c->plpmtud_raise_timer);
  if (c->plpmtud_max) csctp_tx_set_mtu(&a->tx, a->pl.plpmtu, c->plpmtud_max);
}

/* The machine moved the PLPMTU: what the association writes follows. */
static void pl_apply(csctp_assoc *a) {
  csctp_tx_set_mtu(&a->tx, a->pl.plpmtu, a->cfg.plpmtud_max);
  csctp_assoc_log(a, CSCTP_LOG_INFO, "PLPMTU %u (%s)", a->pl.plpmtu,
                  a->pl.state == CSCTP_PL_SEARCH_COMPLETE ? "search complete"
                  : a->pl.state == CSCTP_PL_SEARCHING     ? "searching"
                  : a->pl.state == CSCTP_PL_ERROR         ? "the base size does not pass"
                                                          : "base");
}

void csctp_assoc_pl_start(csctp_assoc *a, csctp_tstamp now) {
  csctp_pl_start(&a->pl, now);
  if (a->pl.want_probe) csctp_assoc_mark(a);
}

csctp_ssize csctp_assoc_pl_write_probe(csctp_assoc *a, uint8_t *buf, csctp_tstamp now) {
  uint32_t size = a->pl.probed;
  uint32_t hi = 0, lo = 0;
  if (csctp_assoc_random_u32(a, &hi, 0) || csctp_assoc_random_u32(a, &lo, 0)) return 0;
  a->pl_nonce = (uint64_t)hi << 32 | lo;
  a->pl_sent = now;
  uint8_t info[PL_INFO_LEN];
  csctp_put_u32(info, (uint32_t)(now >> 32));
  csctp_put_u32(info + 4, (uint32_t)now);
  csctp_put_u32(info + 8, hi);
  csctp_put_u32(info + 12, lo);
  csctp_put_u32(info + 16, size);
  csctp_put_u32(info + 20, 0);
  csctp_wr w;
  csctp_wr_init(&w, buf, size);
  csctp_packet_write_header(&w, a->cfg.local_port, a->cfg.remote_port, a->peer_tag);
  csctp_heartbeat_write(&w, CSCTP_CHUNK_HEARTBEAT, info, sizeof(info));
  /* The PAD chunk: its header and zeros up to the size (a multiple of 4, as w.len is). */
  if (w.overflow || w.len + CSCTP_CHUNK_HDR_LEN > size) return 0;
  size_t pad = size - w.len;
  uint8_t *o = w.buf + w.len;
  csctp_wr_zeros(&w, pad);
  o[0] = CSCTP_CHUNK_PAD;
  csctp_put_u16(o + 2, (uint16_t)pad);
  csctp_pl_probe_sent(&a->pl, now);
  csctp_assoc_checksum_seal(a, buf, w.len);
  a->stats.packets_out++;
  a->stats.heartbeats_out++;
  a->stats.chunks_out += 2;
  return (csctp_ssize)w.len;
}

int csctp_assoc_pl_on_ack(csctp_assoc *a, const uint8_t *info, size_t len, csctp_tstamp now) {
  if (len != PL_INFO_LEN) return 0;
  uint64_t sent = (uint64_t)csctp_get_u32(info) << 32 | csctp_get_u32(info + 4);
  uint64_t nonce = (uint64_t)csctp_get_u32(info + 8) << 32 | csctp_get_u32(info + 12);
  uint32_t size = csctp_get_u32(info + 16);
  /* Only the probe in flight: a forged or stale answer confirms nothing. */
  if (!a->pl.probed || nonce != a->pl_nonce || sent != a->pl_sent || size != a->pl.probed) return 1;
  a->pl_nonce = 0;
  a->error_count = 0; /* the peer answered on this path (§8.3) */
  if (csctp_pl_probe_acked(&a->pl, size, now)) pl_apply(a);
  if (a->pl.want_probe) csctp_assoc_mark(a);
  return 1;
}

void csctp_assoc_pl_timer(csctp_assoc *a, csctp_tstamp now) {
  if (csctp_pl_on_timer(&a->pl, now)) pl_apply(a);
  if (a->pl.want_probe) csctp_assoc_mark(a);
}

void csctp_assoc_pl_on_t3(csctp_assoc *a, csctp_tstamp now) {
  /* Two timeouts in a row with the cumulative TSN where it was: full-size packets may be what
   * the path no longer carries (RFC 8899 §4.3). */
  if (a->pl.state == CSCTP_PL_DISABLED) return;
  if (a->pl_t3_streak && a->tx.cum_tsn_ack == a->pl_t3_cum) {
    if (++a->pl_t3_streak < 2) return;
    a->pl_t3_streak = 0;
    if (csctp_pl_black_hole(&a->pl, now)) {
      csctp_assoc_log(a, CSCTP_LOG_WARN, "PLPMTU: data is not getting through: back to %u",
                      a->pl.base);
      pl_apply(a);
      csctp_assoc_mark(a);
    }
    return;
  }
  a->pl_t3_cum = a->tx.cum_tsn_ack;
  a->pl_t3_streak = 1;
}

uint32_t csctp_assoc_get_pmtu(const csctp_assoc *a) { return a ? a->pl.plpmtu : 0; }

int csctp_assoc_packet_fragmentable(const csctp_assoc *a) { return a ? a->pl_frag_ok : 0; }
