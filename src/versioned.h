/* SPDX-License-Identifier: MIT */
/*
 * Versioned public structs (common.h): a caller passes the layout version it was
 * built with; the library reads or writes only that version's bytes, which are a
 * prefix of the current struct (later versions only append fields).
 */
#ifndef CSCTP_VERSIONED_H
#define CSCTP_VERSIONED_H

#include <csctp/sctp.h>
#include <stddef.h>
#include <string.h>

/*
 * The caller's struct `user`, `size` bytes long (its version's, 0 when the version is
 * unknown), as a complete current struct: `user` itself when it has the current
 * layout; else `buf` (`full` bytes), filled with the defaults and then with the
 * caller's fields. NULL when `user` is NULL or the version unknown.
 */
static inline const void *csctp_versioned_in(const void *user, size_t size, void *buf, size_t full,
                                             void (*defaults)(void *)) {
  if (!user || size == 0) return NULL;
  if (size == full) return user;
  defaults(buf);
  memcpy(buf, user, size);
  return buf;
}

/*
 * Copies the first `size` bytes of the complete current struct `full` to the caller's `user`
 * (`size`: its version's, 0 when the version is unknown). 0, or CSCTP_ERR_INVALID_ARGUMENT
 * (user NULL, unknown version) writing nothing.
 */
static inline int csctp_versioned_out(void *user, size_t size, const void *full) {
  if (!user || size == 0) return CSCTP_ERR_INVALID_ARGUMENT;
  memcpy(user, full, size);
  return 0;
}

/* Bytes of csctp_config in layout `version`, 0 when unknown. Shared by the engine and the
 * layers that pass a caller's csctp_config on (dtls/sctp_dtls.c). */
static inline size_t csctp_config_size(int version) {
  switch (version) {
  case CSCTP_CONFIG_V1: return offsetof(csctp_config, interleaving);
  case CSCTP_CONFIG_V2: return offsetof(csctp_config, plpmtud_max);
  case CSCTP_CONFIG_V3: return offsetof(csctp_config, ecn);
  case CSCTP_CONFIG_V4: return sizeof(csctp_config);
  default: return 0;
  }
}

/* Bytes of csctp_stats in layout `version`, 0 when unknown (the engine, the socket and the
 * peer hand it out). */
static inline size_t csctp_stats_size(int version) {
  switch (version) {
  case CSCTP_STATS_V1: return offsetof(csctp_stats, unacked_chunks);
  case CSCTP_STATS_V2: return offsetof(csctp_stats, auth);
  case CSCTP_STATS_V3: return offsetof(csctp_stats, ecn);
  case CSCTP_STATS_V4: return offsetof(csctp_stats, restart_new_addr_aborts);
  case CSCTP_STATS_V5: return sizeof(csctp_stats);
  default: return 0;
  }
}

static inline void csctp_config_fill_default(void *cfg) {
  csctp_config_default_versioned(CSCTP_CONFIG_VERSION, (csctp_config *)cfg);
}

/* The caller's csctp_config of layout `config_version` as a complete current one (itself,
 * or `buf` completed with defaults); NULL for NULL or an unknown version. */
static inline const csctp_config *csctp_config_in(int config_version, const csctp_config *cfg,
                                                  csctp_config *buf) {
  return (const csctp_config *)csctp_versioned_in(cfg, csctp_config_size(config_version), buf,
                                                  sizeof *buf, csctp_config_fill_default);
}

#endif
