/* SPDX-License-Identifier: MIT */
/*
 * The one log line formatter of the layers (engine, DTLS, ICE, ...): each
 * layer checks its hook and category, then hands its format here. Header-only
 * so that a layer uses it without a symbol exported from the engine.
 */
#ifndef CSCTP_LOG_H
#define CSCTP_LOG_H

#include <stdarg.h>
#include <stdio.h>

#include <csctp/common.h>

/* Longest line handed to a log hook, its terminating NUL included; longer ones are cut. */
#define CSCTP_LOG_LINE 512

/* Formats `fmt` with `ap` and hands the line to `log` under `category`. */
static inline void csctp_log_vemit(csctp_log_fn log, void *user_data, uint32_t category,
                                   const char *fmt, va_list ap) {
  char line[CSCTP_LOG_LINE];
  vsnprintf(line, sizeof line, fmt, ap);
  log(user_data, category, line);
}

#endif
