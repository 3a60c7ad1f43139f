/* SPDX-License-Identifier: MIT */
/*
 * The agent's STUN / TURN servers, copied at creation, their host names resolved
 * asynchronously (GResolver) on the agent's context, then handed to libnice, which
 * takes numeric addresses only.
 */
#ifndef CSCTP_ICE_RESOLVE_H
#define CSCTP_ICE_RESOLVE_H

#include <csctp/ice.h>
#include <glib.h>
#include <nice/agent.h>

typedef struct ice_servers ice_servers;

/**
 * Copies `n` servers (checked already) and starts resolving their names on `ctx`;
 * numeric addresses need no lookup. When the last lookup ends (or the timeout of
 * CSCTP_ICE_RESOLVE_TIMEOUT_MS passes) `done(user)` is called on `ctx`, once; not
 * when nothing is to be resolved. Allocates with GLib (which aborts when out of memory),
 * as libnice does.
 */
ice_servers *ice_servers_new(const csctp_ice_server *servers, size_t n, GMainContext *ctx,
                             void (*done)(void *user), void *user,
                             void (*log)(void *user, csctp_log_level level, const char *msg));

/** How many names are still being resolved. */
size_t ice_servers_pending(const ice_servers *s);

/** Configures `nice` (stream `stream`, component 1) with every usable server: the first
 *  usable STUN server, every usable TURN server. Returns how many were set. */
size_t ice_servers_apply(const ice_servers *s, NiceAgent *nice, guint stream);

/** Frees; lookups still running are cancelled and their answers ignored. NULL is fine. */
void ice_servers_free(ice_servers *s);

#endif
