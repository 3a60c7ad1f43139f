/* SPDX-License-Identifier: MIT */
/*
 * The one log line filter and formatter of the layers (engine, DTLS, ICE, data
 * channels, peer): each layer asks csctp_log_on() first, which costs a few
 * compares, and only then formats through csctp_log_vemit(). Header-only so
 * that a layer uses it without a symbol exported from the engine.
 */
#ifndef CSCTP_LOG_H
#define CSCTP_LOG_H

#include <stdarg.h>
#include <stdio.h>

#include <csctp/common.h>

/* Longest line handed to a log hook, its terminating NUL included; longer ones are cut. */
#define CSCTP_LOG_LINE 512

/*
 * Whether a line of `category` and `level` reaches the hook `log` of a config
 * with `mask` (log_mask) and `levels` (log_levels, all zero: every level).
 */
static inline int csctp_log_on(csctp_log_fn log, uint32_t mask,
                               const uint32_t levels[CSCTP_LOG_LEVELS], uint32_t category,
                               csctp_log_level level) {
  if (!log || !(mask & category) || (unsigned)level >= CSCTP_LOG_LEVELS) return 0;
  if (levels[level] & category) return 1;
  return !(levels[0] | levels[1] | levels[2] | levels[3]);
}

/* Formats `fmt` with `ap` and hands the line to `log` under `category` and `level`. */
static inline void csctp_log_vemit(csctp_log_fn log, void *user_data, uint32_t category,
                                   csctp_log_level level, const char *fmt, va_list ap) {
  char line[CSCTP_LOG_LINE];
  vsnprintf(line, sizeof line, fmt, ap);
  log(category, level, line, user_data);
}

#endif
