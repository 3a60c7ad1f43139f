/* SPDX-License-Identifier: MIT */
/*
 * Host names of STUN / TURN servers, resolved before gathering. libnice's
 * "stun-server" property and nice_agent_set_relay_info() take numeric addresses
 * only. GResolver answers on the context it was asked from (pushed as the
 * thread-default one around the call), so no call blocks on DNS and the answer
 * arrives on the agent's thread; a timeout bounds the wait. Lookups happen once per
 * agent, at creation: never on the data path.
 */
#include <arpa/inet.h>
#include <gio/gio.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ice_agent.h"
#include "ice_resolve.h"

typedef struct ice_server_entry {
  csctp_ice_server_type type;
  char *host; /* as configured */
  guint port;
  char *username, *password;
  char ip[INET6_ADDRSTRLEN + 1]; /* numeric address once known, "" while not */
  int failed;                    /* did not resolve (or not in time) */
} ice_server_entry;

/* One lookup in flight; outlives the servers when they are freed first (r NULL then). */
typedef struct ice_lookup {
  ice_servers *r;
  size_t index;
} ice_lookup;

struct ice_servers {
  ice_server_entry *e;
  size_t n;
  size_t pending;
  ice_lookup **lookups; /* per entry, while its lookup runs */
  GCancellable *cancel;
  GSource *timeout;
  GMainContext *ctx;
  void (*done)(void *user);
  void (*log)(void *user, csctp_log_level level, const char *msg);
  void *user;
};

static void servers_log(ice_servers *r, csctp_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void servers_log(ice_servers *r, csctp_log_level level, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (r->log) r->log(r->user, level, msg);
}

static void servers_stop_timeout(ice_servers *r) {
  if (!r->timeout) return;
  g_source_destroy(r->timeout);
  g_source_unref(r->timeout);
  r->timeout = NULL;
}

static void servers_finish_one(ice_servers *r) {
  if (--r->pending > 0) return;
  servers_stop_timeout(r);
  r->done(r->user); /* may free r */
}

static void servers_on_resolved(GObject *src, GAsyncResult *res, gpointer data) {
  ice_lookup *l = data;
  GError *err = NULL;
  GList *addrs = g_resolver_lookup_by_name_finish(G_RESOLVER(src), res, &err);
  ice_servers *r = l->r;
  if (r) {
    ice_server_entry *e = &r->e[l->index];
    r->lookups[l->index] = NULL;
    GInetAddress *pick = NULL;
    for (GList *a = addrs; a; a = a->next) {
      if (!pick || (g_inet_address_get_family(a->data) == G_SOCKET_FAMILY_IPV4 &&
                    g_inet_address_get_family(pick) != G_SOCKET_FAMILY_IPV4)) {
        pick = a->data;
      }
    }
    if (pick) {
      gchar *ip = g_inet_address_to_string(pick);
      g_strlcpy(e->ip, ip, sizeof e->ip);
      g_free(ip);
      servers_log(r, CSCTP_LOG_INFO, "ice: server %s is %s", e->host, e->ip);
    } else {
      e->failed = 1;
      servers_log(r, CSCTP_LOG_WARN, "ice: server %s left out: %s", e->host,
                  err ? err->message : "no address");
    }
  }
  if (err) g_error_free(err);
  g_resolver_free_addresses(addrs);
  g_free(l);
  if (r) servers_finish_one(r);
}

/* The names not answered in time are left out; their answers are ignored. */
static gboolean servers_on_timeout(gpointer data) {
  ice_servers *r = data;
  g_source_unref(r->timeout);
  r->timeout = NULL;
  for (size_t i = 0; i < r->n; i++) {
    if (!r->lookups[i]) continue;
    r->lookups[i]->r = NULL;
    r->lookups[i] = NULL;
    r->e[i].failed = 1;
    servers_log(r, CSCTP_LOG_WARN, "ice: server %s left out: no answer in %d ms", r->e[i].host,
                CSCTP_ICE_RESOLVE_TIMEOUT_MS);
  }
  g_cancellable_cancel(r->cancel);
  r->pending = 0;
  r->done(r->user); /* may free r */
  return G_SOURCE_REMOVE;
}

static int servers_numeric(const char *host) {
  GInetAddress *a = g_inet_address_new_from_string(host);
  if (!a) return 0;
  g_object_unref(a);
  return 1;
}

ice_servers *ice_servers_new(const csctp_ice_server *servers, size_t n, GMainContext *ctx,
                             void (*done)(void *user), void *user,
                             void (*log)(void *user, csctp_log_level level, const char *msg)) {
  ice_servers *r = g_new0(ice_servers, 1);
  r->e = g_new0(ice_server_entry, n ? n : 1);
  r->lookups = g_new0(ice_lookup *, n ? n : 1);
  r->n = n;
  r->ctx = g_main_context_ref(ctx);
  r->done = done;
  r->log = log;
  r->user = user;
  r->cancel = g_cancellable_new();
  GResolver *resolver = NULL;
  for (size_t i = 0; i < n; i++) {
    const csctp_ice_server *s = &servers[i];
    ice_server_entry *e = &r->e[i];
    e->type = s->type;
    e->host = g_strdup(s->address);
    e->port = s->port ? s->port : (s->type == CSCTP_ICE_SERVER_TURN_TLS ? 5349 : 3478);
    e->username = g_strdup(s->username);
    e->password = g_strdup(s->password);
    if (servers_numeric(s->address)) {
      g_strlcpy(e->ip, s->address, sizeof e->ip);
      continue;
    }
    if (!resolver) resolver = g_resolver_get_default();
    ice_lookup *l = g_new0(ice_lookup, 1);
    l->r = r;
    l->index = i;
    r->lookups[i] = l;
    r->pending++;
    servers_log(r, CSCTP_LOG_DEBUG, "ice: resolving server %s", e->host);
    g_main_context_push_thread_default(ctx);
    g_resolver_lookup_by_name_async(resolver, e->host, r->cancel, servers_on_resolved, l);
    g_main_context_pop_thread_default(ctx);
  }
  if (resolver) g_object_unref(resolver);
  if (r->pending) {
    r->timeout = g_timeout_source_new(CSCTP_ICE_RESOLVE_TIMEOUT_MS);
    g_source_set_callback(r->timeout, servers_on_timeout, r, NULL);
    g_source_attach(r->timeout, ctx);
  }
  return r;
}

size_t ice_servers_pending(const ice_servers *r) { return r ? r->pending : 0; }

size_t ice_servers_apply(const ice_servers *r, NiceAgent *nice, guint stream) {
  size_t used = 0;
  int have_stun = 0;
  for (size_t i = 0; r && i < r->n; i++) {
    const ice_server_entry *e = &r->e[i];
    if (e->failed || !e->ip[0]) continue;
    if (e->type == CSCTP_ICE_SERVER_STUN) {
      /* libnice asks one STUN server per agent. */
      if (have_stun) continue;
      have_stun = 1;
      g_object_set(nice, "stun-server", e->ip, "stun-server-port", e->port, NULL);
      used++;
      continue;
    }
    NiceRelayType type = e->type == CSCTP_ICE_SERVER_TURN_UDP   ? NICE_RELAY_TYPE_TURN_UDP
                         : e->type == CSCTP_ICE_SERVER_TURN_TCP ? NICE_RELAY_TYPE_TURN_TCP
                                                                : NICE_RELAY_TYPE_TURN_TLS;
    if (nice_agent_set_relay_info(nice, stream, ICE_COMPONENT, e->ip, e->port, e->username,
                                  e->password, type)) {
      used++;
    }
  }
  return used;
}

void ice_servers_free(ice_servers *r) {
  if (!r) return;
  servers_stop_timeout(r);
  for (size_t i = 0; i < r->n; i++) {
    if (r->lookups[i]) r->lookups[i]->r = NULL; /* its callback frees it */
    g_free(r->e[i].host);
    g_free(r->e[i].username);
    if (r->e[i].password) {
      memset(r->e[i].password, 0, strlen(r->e[i].password));
      g_free(r->e[i].password);
    }
  }
  g_cancellable_cancel(r->cancel);
  g_object_unref(r->cancel);
  g_main_context_unref(r->ctx);
  g_free(r->lookups);
  g_free(r->e);
  g_free(r);
}
