/* SPDX-License-Identifier: MIT */
/*
 * The peer's channel calls and accessors: open, send, close, buffered amount,
 * channel info, transport description and counters (peer.h).
 */
#include <string.h>

#include "peer_priv.h"
#include "versioned.h"

/* ---------------------------------------------------------------- channels */

/* After a call that may have queued output: send it now, and let the pump
 * pick up the events it may have caused. */
static void peer_after_call(csctp_peer *p) {
  if (p->in_run) return; /* the running pump flushes when the callback returns */
  csctp_peer_flush(p, (csctp_tstamp)g_get_monotonic_time());
  csctp_peer_kick(p);
}

int csctp_peer_create_channel(csctp_peer *p, const csctp_dc_init *init, csctp_dc_channel *out) {
  if (!p || p->dead) return CSCTP_ERR_INVALID_ARGUMENT;
  if (p->handed_over) return CSCTP_ERR_INVALID_STATE;
  int rv = csctp_dc_open(p->dc, init, (csctp_tstamp)g_get_monotonic_time(), out);
  if (!rv) peer_after_call(p);
  return rv;
}

int csctp_peer_send(csctp_peer *p, csctp_dc_channel ch, int is_text, const void *data, size_t len) {
  if (!p || p->dead) return CSCTP_ERR_INVALID_ARGUMENT;
  if (p->handed_over) return CSCTP_ERR_INVALID_STATE;
  int rv = csctp_dc_send(p->dc, ch, is_text, data, len, (csctp_tstamp)g_get_monotonic_time());
  if (!rv && !p->in_run) csctp_peer_flush(p, (csctp_tstamp)g_get_monotonic_time());
  if (!rv && !p->in_run) csctp_peer_schedule(p, (csctp_tstamp)g_get_monotonic_time());
  return rv;
}

int csctp_peer_close_channel(csctp_peer *p, csctp_dc_channel ch) {
  if (!p || p->dead) return CSCTP_ERR_INVALID_ARGUMENT;
  if (p->handed_over) return CSCTP_ERR_INVALID_STATE;
  int rv = csctp_dc_close(p->dc, ch, (csctp_tstamp)g_get_monotonic_time());
  if (!rv) peer_after_call(p);
  return rv;
}

int csctp_peer_channel_info(const csctp_peer *p, csctp_dc_channel ch, csctp_dc_info *info) {
  if (!p || p->dead) return CSCTP_ERR_INVALID_ARGUMENT;
  if (p->handed_over) return CSCTP_ERR_INVALID_STATE;
  return csctp_dc_get_info(p->dc, ch, info);
}

size_t csctp_peer_buffered_amount(const csctp_peer *p, csctp_dc_channel ch) {
  return p && !p->dead && !p->handed_over ? csctp_dc_buffered_amount(p->dc, ch) : 0;
}

int csctp_peer_set_buffered_amount_low(csctp_peer *p, csctp_dc_channel ch, size_t threshold) {
  if (!p || p->dead) return CSCTP_ERR_INVALID_ARGUMENT;
  if (p->handed_over) return CSCTP_ERR_INVALID_STATE;
  return csctp_dc_set_buffered_amount_low_threshold(p->dc, ch, threshold);
}

int csctp_peer_set_scheduler(csctp_peer *p, int scheduler) {
  if (!p || p->dead || (unsigned)scheduler >= CSCTP_SCHED_COUNT) return CSCTP_ERR_INVALID_ARGUMENT;
  if (p->handed_over) return CSCTP_ERR_INVALID_STATE;
  p->scfg.scheduler = scheduler; /* for an association made anew (csctp_peer_remake_assoc) */
  return p->assoc ? csctp_assoc_set_scheduler(p->assoc, (csctp_sched)scheduler) : 0;
}

int csctp_peer_get_transport(const csctp_peer *p, csctp_peer_transport *out) {
  if (!p || p->dead || !out) return CSCTP_ERR_INVALID_ARGUMENT;
  if (p->handed_over) return CSCTP_ERR_INVALID_STATE;
  memset(out, 0, sizeof *out);
  out->ice_controlling = csctp_ice_agent_get_controlling(p->ice);
  out->ice_state = csctp_ice_agent_state(p->ice);
  if (p->dtls) {
    out->has_dtls = 1;
    out->dtls_role = p->role;
    out->dtls_state = csctp_dtls_get_state(p->dtls);
    out->srtp_profile = csctp_dtls_get_srtp_profile(p->dtls);
  }
  out->max_message_size = p->scfg.max_message_size;
  out->remote_max_message_size = p->remote_max_message_size;
  return 0;
}

int csctp_peer_get_stats_versioned(const csctp_peer *p, int stats_version, csctp_stats *sctp,
                                   int dc_stats_version, csctp_dc_stats *dc) {
  if (!p || (sctp && csctp_stats_size(stats_version) == 0) ||
      (dc && dc_stats_version != CSCTP_DC_STATS_V1))
    return CSCTP_ERR_INVALID_ARGUMENT;
  int rv = sctp ? csctp_assoc_get_stats_versioned(p->assoc, stats_version, sctp) : 0;
  return rv || !dc ? rv : csctp_dc_get_stats_versioned(p->dc, dc_stats_version, dc);
}
