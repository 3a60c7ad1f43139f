/* SPDX-License-Identifier: MIT */
/*
 * ICMP errors about packets an association sent (RFC 9260 Appendix C; over UDP, RFC 6951
 * §5.5). The caller (the lower layer, which alone sees ICMP) hands in the SCTP packet the
 * ICMP message quotes; the association checks that the quoted packet is one of its own
 * before anything changes, so an off-path sender who does not know the tags cannot close it.
 */
#include "assoc.h"
#include "packet.h"

/*
 * ICMP6 of Appendix C: a quoted packet is ours when its Verification Tag is the peer's tag;
 * a packet with tag 0 is ours only when it is our INIT whose Initiate Tag is our tag (the
 * tag the peer will use toward us). Returns 1 when it matches.
 */
static int icmp_quote_is_ours(const csctp_assoc *a, const uint8_t *q, size_t len) {
  if (len < CSCTP_COMMON_HDR_LEN) return 0;
  uint16_t src = csctp_get_u16(q), dst = csctp_get_u16(q + 2);
  if (src != a->cfg.local_port || dst != a->cfg.remote_port) return 0;
  uint32_t vtag = csctp_get_u32(q + 4);
  if (vtag != 0) return a->peer_tag != 0 && vtag == a->peer_tag;
  /* Tag 0: an INIT; chunk header (4) and the Initiate Tag (4) must be quoted. */
  if (len < CSCTP_COMMON_HDR_LEN + CSCTP_CHUNK_HDR_LEN + 4) return 0;
  if (q[CSCTP_COMMON_HDR_LEN] != CSCTP_CHUNK_INIT) return 0;
  return csctp_get_u32(q + CSCTP_COMMON_HDR_LEN + CSCTP_CHUNK_HDR_LEN) == a->local_tag;
}

int csctp_assoc_on_unreachable(csctp_assoc *a, csctp_unreach_kind kind, const uint8_t *quoted,
                               size_t len, csctp_tstamp now) {
  (void)now;
  if (!a || (!quoted && len)) return CSCTP_ERR_INVALID_ARGUMENT;
  if (a->state == CSCTP_STATE_CLOSED) return 0; /* nothing left to tell (ICMP5: ignore) */
  a->stats.icmp_in++;
  if (!icmp_quote_is_ours(a, quoted, len)) {
    a->stats.icmp_ignored++; /* ICMP5 / ICMP6: too short, another association's, or forged */
    return 0;
  }
  switch (kind) {
  case CSCTP_UNREACH_PORT: /* RFC 6951 §5.5: as Protocol Unreachable for SCTP over UDP */
  case CSCTP_UNREACH_PROTOCOL: /* ICMP8: treat it as an ABORT with the T bit */ break;
  default:
    /* ICMP9 lets an implementation count a path error for the other Destination Unreachable
     * codes; a single-homed association would then close on a transient routing error, so
     * they are left to the retransmission timers. */
    a->stats.icmp_ignored++;
    return 0;
  }
  /* ICMP8: an ABORT whose T bit is set, also for our INIT in COOKIE-WAIT. Nothing goes back:
   * nobody listens there. */
  csctp_assoc_log(a, CSCTP_LOG_ERROR, "ICMP %s unreachable for a packet of ours: the peer is gone",
                  kind == CSCTP_UNREACH_PORT ? "port" : "protocol");
  csctp_assoc_enter_closed(a, CSCTP_CLOSE_UNREACHABLE, 0);
  csctp_assoc_mark(a); /* an owning endpoint must see the CLOSED event and the stopped timers */
  return 1;
}
