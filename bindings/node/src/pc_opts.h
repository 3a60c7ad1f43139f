/* SPDX-License-Identifier: MIT */
/*
 * Options from JavaScript for pc.c: RTCConfiguration into a csctp_peer_config, and the
 * property readers of RTCDataChannelInit. On the JavaScript thread; a failure leaves an
 * exception pending.
 */
#ifndef CSCTP_NODE_PC_OPTS_H
#define CSCTP_NODE_PC_OPTS_H

#include <csctp/peer.h>

#include "addon.h"

/* The strings of a configuration until csctp_peer_new has copied them (`keep` owns them). */
#define PC_MAX_ADDRS 16
#define PC_MAX_SERVERS 8
#define PC_MAX_URLS 8
typedef struct pc_strings {
  GPtrArray *keep;
  const char *addrs[PC_MAX_ADDRS];
  csctp_peer_ice_server servers[PC_MAX_SERVERS];
  const char *urls[PC_MAX_SERVERS][PC_MAX_URLS];
} pc_strings;

/* A JavaScript string as a new NUL-terminated UTF-8 copy (g_free it), or NULL (a TypeError
 * thrown) when `v` is not a string. */
char *pc_dup_str(napi_env env, napi_value v, const char *what);
/* Property `name` of `o`: 1 and *out when present (not undefined or null), else 0. */
int pc_prop(napi_env env, napi_value o, const char *name, napi_value *out);
/* Reads RTCConfiguration's iceServers and csctp's additions (localAddresses, ...) into cfg;
 * strings go to ss->keep. -1 when a TypeError or RangeError was thrown. */
int pc_config(napi_env env, napi_value o, csctp_peer_config *cfg, pc_strings *ss);

#endif
