/*
 * TEMPORARY, until the engine's RE-CONFIG / PR-SCTP work lands in src/: the
 * functions declared in sctp.h but not yet implemented are referenced weakly,
 * so this layer links against today's engine and degrades (no stream reset:
 * channels close locally; buffered amount 0; no peer features). Remove this
 * file and call the functions directly once `git log -- src/` shows them.
 * Caveat of weak references: they do not pull a member out of a static
 * archive by themselves, another reason to remove this soon.
 */
#ifndef CSCTP_DC_ENGINE_EXT_H
#define CSCTP_DC_ENGINE_EXT_H

#include <csctp/sctp.h>

#pragma weak csctp_assoc_reset_streams
#pragma weak csctp_assoc_get_peer_features
#pragma weak csctp_assoc_stream_buffered_amount

static inline int dc_engine_reset_streams(csctp_assoc *a, const uint16_t *s, size_t n,
                                          csctp_tstamp now) {
  if (!csctp_assoc_reset_streams) return CSCTP_ERR_INVALID_STATE;
  return csctp_assoc_reset_streams(a, s, n, now);
}

static inline int dc_engine_peer_reconfig(const csctp_assoc *a) {
  csctp_peer_features f = {0, 0};
  if (!csctp_assoc_get_peer_features) return 0;
  csctp_assoc_get_peer_features(a, &f);
  return f.reconfig;
}

static inline size_t dc_engine_stream_buffered(const csctp_assoc *a, uint16_t stream) {
  if (!csctp_assoc_stream_buffered_amount) return 0;
  return csctp_assoc_stream_buffered_amount(a, stream);
}

#endif
