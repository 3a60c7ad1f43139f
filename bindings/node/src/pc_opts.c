/* SPDX-License-Identifier: MIT */
/*
 * Options from JavaScript for pc.c (pc_opts.h): the peer's configuration and the readers of
 * option properties. Strings are copied; numbers are range-checked before they reach C.
 */
#include <stdio.h>
#include <string.h>

#include "pc_opts.h"

/* A JavaScript string as a new NUL-terminated UTF-8 copy (g_free it), or NULL (a TypeError
 * thrown) when `v` is not a string. */
char *pc_dup_str(napi_env env, napi_value v, const char *what) {
  size_t n = 0;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string ||
      napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok) {
    char m[96];
    snprintf(m, sizeof(m), "%s: a string", what);
    napi_throw_type_error(env, NULL, m);
    return NULL;
  }
  char *s = g_malloc(n + 1);
  napi_get_value_string_utf8(env, v, s, n + 1, &n);
  return s;
}

/* Property `name` of `o`: 1 and *out when present (not undefined or null), else 0. */
int pc_prop(napi_env env, napi_value o, const char *name, napi_value *out) {
  napi_valuetype t;
  if (napi_get_named_property(env, o, name, out) != napi_ok ||
      napi_typeof(env, *out, &t) != napi_ok)
    return 0;
  return t != napi_undefined && t != napi_null;
}

/* A string or an array of strings (at most `max`) into out[]; -1 when a TypeError was thrown. */
static int pc_string_list(napi_env env, napi_value v, const char *what, const char **out,
                          size_t max, size_t *n, GPtrArray *keep) {
  bool arr = false;
  uint32_t len = 1;
  if (napi_is_array(env, v, &arr) != napi_ok) return -1;
  if (arr) napi_get_array_length(env, v, &len);
  if (len > max) len = (uint32_t)max;
  *n = 0;
  for (uint32_t i = 0; i < len; i++) {
    napi_value e = v;
    if (arr && napi_get_element(env, v, i, &e) != napi_ok) return -1;
    char *s = pc_dup_str(env, e, what);
    if (!s) return -1;
    g_ptr_array_add(keep, s);
    out[(*n)++] = s;
  }
  return 0;
}

/* Reads RTCConfiguration's iceServers and csctp's additions (localAddresses, ...) into cfg;
 * strings go to ss->keep. -1 when a TypeError or RangeError was thrown. */
int pc_config(napi_env env, napi_value o, csctp_peer_config *cfg, pc_strings *ss) {
  napi_value v;
  double d;
  int r;
  if (pc_prop(env, o, "localAddresses", &v)) {
    if (pc_string_list(env, v, "localAddresses", ss->addrs, PC_MAX_ADDRS, &cfg->n_local_addresses,
                       ss->keep))
      return -1;
    cfg->local_addresses = ss->addrs;
  }
  if (pc_prop(env, o, "iceServers", &v)) {
    bool arr = false;
    uint32_t len = 0;
    if (napi_is_array(env, v, &arr) != napi_ok || !arr) {
      napi_throw_type_error(env, NULL, "iceServers: an array");
      return -1;
    }
    napi_get_array_length(env, v, &len);
    for (uint32_t i = 0; i < len && i < PC_MAX_SERVERS; i++) {
      napi_value e, u;
      csctp_peer_ice_server *s = &ss->servers[i];
      if (napi_get_element(env, v, i, &e) != napi_ok || !pc_prop(env, e, "urls", &u)) {
        napi_throw_type_error(env, NULL, "iceServers: each with urls");
        return -1;
      }
      if (pc_string_list(env, u, "iceServers urls", ss->urls[i], PC_MAX_URLS, &s->n_urls, ss->keep))
        return -1;
      s->urls = ss->urls[i];
      if (pc_prop(env, e, "username", &u)) {
        char *t = pc_dup_str(env, u, "iceServers username");
        if (!t) return -1;
        g_ptr_array_add(ss->keep, t);
        s->username = t;
      }
      if (pc_prop(env, e, "credential", &u)) {
        char *t = pc_dup_str(env, u, "iceServers credential");
        if (!t) return -1;
        g_ptr_array_add(ss->keep, t);
        s->credential = t;
      }
      cfg->n_ice_servers = i + 1;
    }
    cfg->ice_servers = ss->servers;
  }
#define NUM(name, field, lo, hi, type)                             \
  if ((r = node_opt_num(env, o, name, lo, hi, &d)) < 0) return -1; \
  if (r) cfg->field = (type)d;
  NUM("includeLoopback", include_loopback, 0, 1, int)
  NUM("offerer", offerer, 0, 1, int)
  NUM("portMin", port_min, 0, 65535, uint16_t)
  NUM("portMax", port_max, 0, 65535, uint16_t)
  NUM("maxMessageSize", max_message_size, 0, 1 << 30, uint32_t)
  NUM("iceConnectTimeout", ice_connect_timeout_ms, 1, 4294967295.0, uint32_t)
  NUM("snap", snap, 0, 1, int)
  NUM("interleaving", interleaving, 0, 1, int)
#undef NUM
  return 0;
}
