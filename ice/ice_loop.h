/* SPDX-License-Identifier: MIT */
/*
 * Many ICE agents on one caller's GMainContext at a cost per event that does
 * not grow with their number.
 *
 * GLib's main loop visits every source of a context on every iteration (prepare,
 * query, poll over every descriptor, check). An agent brings several sources
 * (libnice's socket and timers, the peer's timer), and an idle agent still wakes
 * its context about once a second (RFC 7675 consent, keepalives), so N agents on
 * one context cost O(N) per wake-up and O(N^2) per second: a thousand idle peers
 * took half a core, ten thousand could not run on one machine.
 *
 * Here the agents' sources live on small private contexts (groups of up to
 * ICE_GROUP_AGENTS agents) that the caller's context never sees. One source on
 * the caller's context, the hub, holds an epoll set of the groups' descriptors
 * and a min-heap of their next deadlines; when a descriptor is ready or a deadline
 * passes it iterates that group's context only, on the caller's thread. Groups
 * are created with G_MAIN_CONTEXT_FLAGS_OWNERLESS_POLLING, so a source attached or
 * re-armed from outside their iteration (an API call from the application) wakes
 * the group through its own descriptor, which is in the epoll set.
 *
 * Everything runs on the thread that iterates the caller's context, as before:
 * callbacks still arrive there. Not thread-safe beyond that.
 */
#ifndef CSCTP_ICE_LOOP_H
#define CSCTP_ICE_LOOP_H

#include <glib.h>

/** Agents per private context: the cost of an event is about this many agents' sources. */
#define ICE_GROUP_AGENTS 8

typedef struct ice_group ice_group;

/**
 * Joins a group served from `ctx` (creating the hub on `ctx` and a group as needed)
 * and returns it, or NULL when out of memory or descriptors. The group's context
 * (ice_group_context) is where the agent attaches every source.
 */
ice_group *ice_group_join(GMainContext *ctx);

/** The private context of the group: borrowed, valid until ice_group_leave(). */
GMainContext *ice_group_context(const ice_group *g);

/**
 * Leaves the group. Safe from inside the group's own dispatch (the group and the
 * hub go once nothing of theirs runs). The agent must have removed its sources.
 */
void ice_group_leave(ice_group *g);

#endif
