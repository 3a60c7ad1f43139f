/* SPDX-License-Identifier: MIT */
/*
 * The ICE agent: a thin owner of one libnice NiceAgent with one stream of one
 * component, on the caller's GMainContext.
 *
 * libnice does the protocol (RFC 8445 checks, regular nomination, trickle,
 * keepalives, RFC 7675 consent); this file maps its signals to csctp events,
 * adds the bounded connect timeout and the terminal FAILED state, and filters
 * remote candidates that a UDP-only, one-component agent cannot use. On the
 * selected pair's socket, batches of data leave with segmentation offload
 * (ice_gso.c) and the data queued behind a datagram libnice hands us is read
 * in batches (ice_rx.c), where the pair and the kernel allow it.
 */
#include <arpa/inet.h>
#include <csctp/ice.h>
#include <errno.h>
#include <netinet/in.h>
#include <nice/agent.h>
#include <nice/interfaces.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ice_agent.h"
#include "ice_candidate.h"
#include "ice_gso.h"
#include "ice_loop.h"
#include "ice_resume.h"
#include "ice_rx.h"
#include "ice_url.h"
#include "versioned.h"

/* Agents without a libnice stream to drive: exported, or resumed from a handover. */
#define ICE_NO_NICE(a) ((a)->handed_over || (a)->resumed)

const char *csctp_ice_state_name(csctp_ice_state state) {
  switch (state) {
  case CSCTP_ICE_STATE_NEW: return "new";
  case CSCTP_ICE_STATE_CHECKING: return "checking";
  case CSCTP_ICE_STATE_CONNECTED: return "connected";
  case CSCTP_ICE_STATE_FAILED: return "failed";
  }
  return "unknown";
}

const char *csctp_ice_gathering_state_name(csctp_ice_gathering_state state) {
  switch (state) {
  case CSCTP_ICE_GATHERING_NEW: return "new";
  case CSCTP_ICE_GATHERING_GATHERING: return "gathering";
  case CSCTP_ICE_GATHERING_COMPLETE: return "complete";
  }
  return "unknown";
}

static void ice_config_fill_default(void *p) {
  csctp_ice_config *cfg = p;
  memset(cfg, 0, sizeof *cfg);
  cfg->connect_timeout_ms = 30000;
  cfg->consent_freshness = 1;
}

static size_t ice_config_size(int version) {
  return version == CSCTP_ICE_CONFIG_V1 ? sizeof(csctp_ice_config) : 0;
}

const csctp_ice_config *ice_config_in(int version, const csctp_ice_config *cfg,
                                      csctp_ice_config *buf) {
  return csctp_versioned_in(cfg, ice_config_size(version), buf, sizeof *buf,
                            ice_config_fill_default);
}

int csctp_ice_config_default_versioned(int config_version, csctp_ice_config *cfg) {
  csctp_ice_config full;
  ice_config_fill_default(&full);
  return csctp_versioned_out(cfg, ice_config_size(config_version), &full);
}

void ice_log(const csctp_ice_agent *a, csctp_log_level level, const char *fmt, ...) {
  if (!csctp_log_on(a->log, a->log_mask, a->log_levels, CSCTP_LOG_ICE, level)) return;
  va_list ap;
  va_start(ap, fmt);
  csctp_log_vemit(a->log, a->log_user_data, CSCTP_LOG_ICE, level, fmt, ap);
  va_end(ap);
}

void ice_emit(csctp_ice_agent *a, const csctp_ice_event *ev) {
  if (a->dead) return;
  a->depth++;
  a->on_event(a, ev, a->user_data);
  a->depth--;
}

static void ice_stop_timeout(csctp_ice_agent *a) {
  if (a->timeout) {
    g_source_destroy(a->timeout);
    g_source_unref(a->timeout);
    a->timeout = NULL;
  }
}

void ice_set_state(csctp_ice_agent *a, csctp_ice_state state) {
  if (a->state == state || a->state == CSCTP_ICE_STATE_FAILED) return;
  ice_log(a, state == CSCTP_ICE_STATE_FAILED ? CSCTP_LOG_ERROR : CSCTP_LOG_INFO, "ice: %s -> %s",
          csctp_ice_state_name(a->state), csctp_ice_state_name(state));
  a->state = state;
  if (state == CSCTP_ICE_STATE_CONNECTED || state == CSCTP_ICE_STATE_FAILED) {
    ice_stop_timeout(a);
  }
  csctp_ice_event ev = {.type = CSCTP_ICE_EVENT_STATE, .u.state = state};
  ice_emit(a, &ev);
}

/*
 * The checks are done (libnice's READY). libnice's check timer still ticks every Ta
 * until it has counted idle-timeout (5 s) of ticks without work, adding Ta per tick:
 * at a short Ta (csctp_peer's 5 ms) that is 1,000 wake-ups per agent for nothing,
 * which a gateway with thousands of agents cannot afford. With the largest Ta the
 * timer ends after 5 idle ticks. The configured Ta comes back (ice_restore_ta) before
 * anything that starts new checks: a remote candidate, new credentials.
 */
static void ice_end_check_timer(csctp_ice_agent *a) {
  if (a->ta_saved) return;
  guint ta = 0;
  g_object_get(a->nice, "stun-pacing-timer", &ta, NULL);
  if (ta >= ICE_TA_IDLE_MS) return;
  a->ta_saved = ta;
  g_object_set(a->nice, "stun-pacing-timer", (guint)ICE_TA_IDLE_MS, NULL);
}

static void ice_restore_ta(csctp_ice_agent *a) {
  if (!a->ta_saved) return;
  g_object_set(a->nice, "stun-pacing-timer", a->ta_saved, NULL);
  a->ta_saved = 0;
}

/* ---- libnice signals (all on a->ctx) ---- */

static void ice_on_candidate(NiceAgent *nice, NiceCandidate *cand, gpointer data) {
  csctp_ice_agent *a = data;
  if (cand->stream_id != a->stream || cand->component_id != ICE_COMPONENT) return;
  gchar *line = nice_agent_generate_local_candidate_sdp(nice, cand);
  if (!line) return;
  ice_log(a, CSCTP_LOG_DEBUG, "ice: local %s", line);
  csctp_ice_event ev = {.type = CSCTP_ICE_EVENT_CANDIDATE};
  ev.u.candidate.sdp_line = line;
  ev.u.candidate.candidate = strncmp(line, "a=", 2) == 0 ? line + 2 : line;
  ice_emit(a, &ev);
  g_free(line);
}

static void ice_on_gathering_done(NiceAgent *nice, guint stream, gpointer data) {
  csctp_ice_agent *a = data;
  (void)nice;
  if (stream != a->stream) return;
  ice_log(a, CSCTP_LOG_INFO, "ice: gathering done");
  a->gathering_done = 1;
  csctp_ice_event ev = {.type = CSCTP_ICE_EVENT_GATHERING_DONE};
  ice_emit(a, &ev);
}

static void ice_on_component_state(NiceAgent *nice, guint stream, guint component, guint state,
                                   gpointer data) {
  csctp_ice_agent *a = data;
  (void)nice;
  if (stream != a->stream || component != ICE_COMPONENT) return;
  ice_log(a, CSCTP_LOG_DEBUG, "ice: libnice component state %s",
          nice_component_state_to_string(state));
  switch (state) {
  case NICE_COMPONENT_STATE_CONNECTING:
    if (a->state == CSCTP_ICE_STATE_NEW) ice_set_state(a, CSCTP_ICE_STATE_CHECKING);
    break;
  case NICE_COMPONENT_STATE_CONNECTED: ice_set_state(a, CSCTP_ICE_STATE_CONNECTED); break;
  case NICE_COMPONENT_STATE_READY:
    ice_set_state(a, CSCTP_ICE_STATE_CONNECTED);
    if (!a->dead) ice_end_check_timer(a);
    break;
  case NICE_COMPONENT_STATE_FAILED: ice_set_state(a, CSCTP_ICE_STATE_FAILED); break;
  default: break;
  }
}

static void ice_tune_selected_socket(csctp_ice_agent *a) {
  GSocket *s = nice_agent_get_selected_socket(a->nice, a->stream, ICE_COMPONENT);
  if (!s) return; /* e.g. TURN over TCP */
  if (a->no_fragment) ice_socket_no_fragment(a, s, 1);
  int fd = g_socket_get_fd(s), size = ICE_SOCKET_BUFFER;
  /* The FORCE forms pass net.core.[rw]mem_max when we may (CAP_NET_ADMIN). */
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  a->rx_batch = ice_rx_enable(fd) == 0;
  g_object_unref(s);
}

/* Describes a libnice candidate for csctp_ice_pair_stats. */
static void ice_candidate_stats(csctp_ice_candidate_stats *out, const NiceCandidate *c) {
  static const char *const types[] = {"host", "srflx", "prflx", "relay"};
  char addr[NICE_ADDRESS_STRING_LEN];
  memset(out, 0, sizeof *out);
  nice_address_to_string(&c->addr, addr);
  g_strlcpy(out->address, addr, sizeof out->address);
  out->port = (uint16_t)nice_address_get_port(&c->addr);
  g_strlcpy(out->protocol, c->transport == NICE_CANDIDATE_TRANSPORT_UDP ? "udp" : "tcp",
            sizeof out->protocol);
  if ((unsigned)c->type < G_N_ELEMENTS(types)) {
    g_strlcpy(out->type, types[c->type], sizeof out->type);
  }
  out->priority = c->priority;
  g_strlcpy(out->foundation, c->foundation, sizeof out->foundation);
}

static void ice_on_selected_pair(NiceAgent *nice, guint stream, guint component,
                                 NiceCandidate *local, NiceCandidate *remote, gpointer data) {
  csctp_ice_agent *a = data;
  if (stream != a->stream || component != ICE_COMPONENT) return;
  a->pair.selected = 1;
  a->pair.selected_pair_changes++;
  ice_candidate_stats(&a->pair.local, local);
  ice_candidate_stats(&a->pair.remote, remote);
  ice_tune_selected_socket(a);
  gchar *l = nice_agent_generate_local_candidate_sdp(nice, local);
  gchar *r = nice_agent_generate_local_candidate_sdp(nice, remote);
  if (l && r) {
    ice_log(a, CSCTP_LOG_INFO, "ice: selected pair %s <-> %s", l, r);
    csctp_ice_event ev = {.type = CSCTP_ICE_EVENT_SELECTED_PAIR};
    ev.u.pair.local = strncmp(l, "a=", 2) == 0 ? l + 2 : l;
    ev.u.pair.remote = strncmp(r, "a=", 2) == 0 ? r + 2 : r;
    ice_emit(a, &ev);
  }
  g_free(l);
  g_free(r);
}

/*
 * The selected pair's UDP socket (a reference: unref it) and its remote address, when the
 * pair is host or server-reflexive UDP; NULL for a relayed or TCP pair (libnice's framing).
 */
static GSocket *ice_selected_udp(csctp_ice_agent *a, struct sockaddr_storage *to,
                                 socklen_t *tolen) {
  GSocket *s = nice_agent_get_selected_socket(a->nice, a->stream, ICE_COMPONENT);
  NiceCandidate *local = NULL, *remote = NULL;
  if (s && !nice_agent_get_selected_pair(a->nice, a->stream, ICE_COMPONENT, &local, &remote)) {
    g_object_unref(s);
    s = NULL;
  }
  if (!s) return NULL;
  memset(to, 0, sizeof *to);
  nice_address_copy_to_sockaddr(&remote->addr, (struct sockaddr *)to);
  *tolen = to->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  return s;
}

/* Most batches read after one datagram from libnice, before libnice reads again. */
#define ICE_RX_ROUNDS 4

/*
 * After libnice handed us a datagram, reads the data queued behind it from the
 * selected remote in batches (ice_rx.c), up to the first datagram that is libnice's.
 */
static void ice_rx_drain(csctp_ice_agent *a) {
  struct sockaddr_storage from;
  socklen_t fromlen;
  GSocket *s = ice_selected_udp(a, &from, &fromlen);
  if (!s) return;
  ice_rx_batch b;
  int fd = g_socket_get_fd(s);
  for (int round = 0; round < ICE_RX_ROUNDS && !a->dead; round++) {
    size_t n = ice_rx_take(fd, (struct sockaddr *)&from, fromlen, &b);
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) bytes += b.len[i];
    if (n) ice_count_rx(a, n, bytes);
    for (size_t i = 0; i < n && !a->dead && a->state != CSCTP_ICE_STATE_FAILED; i++) {
      csctp_ice_event ev = {.type = CSCTP_ICE_EVENT_DATAGRAM};
      ev.u.datagram.data = b.data[i];
      ev.u.datagram.len = b.len[i];
      ice_emit(a, &ev);
    }
    if (n < ICE_RX_BATCH) break;
  }
  g_object_unref(s);
}

static void ice_on_recv(NiceAgent *nice, guint stream, guint component, guint len, gchar *buf,
                        gpointer data) {
  csctp_ice_agent *a = data;
  (void)nice;
  if (a->dead || a->handed_over || stream != a->stream || component != ICE_COMPONENT || len == 0)
    return;
  if (a->state == CSCTP_ICE_STATE_FAILED) return;
  ice_count_rx(a, 1, len);
  csctp_ice_event ev = {.type = CSCTP_ICE_EVENT_DATAGRAM};
  ev.u.datagram.data = (const uint8_t *)buf;
  ev.u.datagram.len = len;
  ice_emit(a, &ev);
  if (a->rx_batch && !a->dead && a->state == CSCTP_ICE_STATE_CONNECTED) ice_rx_drain(a);
}

static gboolean ice_on_timeout(gpointer data) {
  csctp_ice_agent *a = data;
  ice_log(a, CSCTP_LOG_ERROR, "ice: no working pair after %u ms", a->connect_timeout_ms);
  g_source_unref(a->timeout);
  a->timeout = NULL;
  ice_set_state(a, CSCTP_ICE_STATE_FAILED);
  return G_SOURCE_REMOVE;
}

/* ---- creation and deletion ---- */

static int ice_gather_now(csctp_ice_agent *a);

static void ice_servers_log(void *user, csctp_log_level level, const char *msg) {
  ice_log(user, level, "%s", msg);
}

/* The servers' names are resolved (or timed out): hand libnice the servers, then
 * gather if csctp_ice_agent_gather() was waiting for them. */
static void ice_on_servers_ready(void *user) {
  csctp_ice_agent *a = user;
  size_t used = ice_servers_apply(a->servers, a->nice, a->stream);
  ice_log(a, CSCTP_LOG_DEBUG, "ice: %zu server(s) in use", used);
  if (!a->gather_deferred) return;
  a->gather_deferred = 0;
  if (ice_gather_now(a) < 0) ice_set_state(a, CSCTP_ICE_STATE_FAILED);
}

int ice_valid_cred(const char *s, size_t min) {
  if (!s) return 0;
  size_t n = strlen(s);
  if (n < min || n > ICE_CRED_MAX) return 0;
  for (size_t i = 0; i < n; i++) {
    /* ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.4) */
    char c = s[i];
    if (!g_ascii_isalnum(c) && c != '+' && c != '/') return 0;
  }
  return 1;
}

static int ice_valid_ip(const char *s) {
  NiceAddress addr;
  nice_address_init(&addr);
  return s && nice_address_set_from_string(&addr, s);
}

/* Descriptors an agent needs at once: the eventfd of the GMainContext libnice makes for
 * its component, its first UDP socket, and a margin for the caller. */
#define ICE_DESCRIPTORS_NEEDED \
  5 /* the group's epoll and wake-up, libnice's wake-up, a socket, one spare */

/*
 * Whether ICE_DESCRIPTORS_NEEDED descriptors can be opened now. libnice's component makes
 * a GMainContext, and GLib aborts the whole process when it cannot make that context's
 * eventfd: the agent is refused instead while the process is that close to its limit.
 */
static int ice_descriptors_spare(void) {
  int fd[ICE_DESCRIPTORS_NEEDED], n = 0;
  while (n < ICE_DESCRIPTORS_NEEDED && (fd[n] = eventfd(0, EFD_CLOEXEC)) >= 0) n++;
  int ok = n == ICE_DESCRIPTORS_NEEDED;
  while (n > 0) close(fd[--n]);
  return ok;
}

static int ice_check_config(const csctp_ice_config *cfg) {
  if (!cfg || !cfg->on_event) return CSCTP_ERR_INVALID_ARGUMENT;
  if (cfg->n_local_addresses && !cfg->local_addresses) return CSCTP_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < cfg->n_local_addresses; i++) {
    if (!ice_valid_ip(cfg->local_addresses[i])) return CSCTP_ERR_INVALID_ARGUMENT;
  }
  if (cfg->n_servers && !cfg->servers) return CSCTP_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < cfg->n_servers; i++) {
    const csctp_ice_server *s = &cfg->servers[i];
    if (!s->address || s->type > CSCTP_ICE_SERVER_TURN_TLS) return CSCTP_ERR_INVALID_ARGUMENT;
    if (!ice_valid_ip(s->address) && !ice_url_valid_name(s->address, strlen(s->address))) {
      return CSCTP_ERR_INVALID_ARGUMENT;
    }
    if (s->type != CSCTP_ICE_SERVER_STUN && (!s->username || !s->password)) {
      return CSCTP_ERR_INVALID_ARGUMENT;
    }
  }
  if ((cfg->local_ufrag != NULL) != (cfg->local_pwd != NULL)) return CSCTP_ERR_INVALID_ARGUMENT;
  if (cfg->local_ufrag &&
      (!ice_valid_cred(cfg->local_ufrag, 4) || !ice_valid_cred(cfg->local_pwd, 22))) {
    return CSCTP_ERR_INVALID_ARGUMENT;
  }
  if (cfg->port_min > cfg->port_max) return CSCTP_ERR_INVALID_ARGUMENT;
  return 0;
}

static void ice_add_address(NiceAgent *nice, const char *ip) {
  NiceAddress addr;
  nice_address_init(&addr);
  if (nice_address_set_from_string(&addr, ip)) nice_agent_add_local_address(nice, &addr);
}

static void ice_add_addresses(csctp_ice_agent *a, const csctp_ice_config *cfg) {
  if (cfg->n_local_addresses) {
    for (size_t i = 0; i < cfg->n_local_addresses; i++) {
      ice_add_address(a->nice, cfg->local_addresses[i]);
    }
  } else if (cfg->include_loopback) {
    /* Adding any address turns libnice's own enumeration off: enumerate here,
     * loopback included (127.0.0.1 and ::1). */
    GList *ips = nice_interfaces_get_local_ips(TRUE);
    for (GList *l = ips; l; l = l->next) ice_add_address(a->nice, l->data);
    g_list_free_full(ips, g_free);
  }
}

static void ice_free(csctp_ice_agent *a) {
  ice_servers_free(a->servers);
  if (a->resumed) ice_resume_free(a->resumed);
  if (a->pending) g_ptr_array_free(a->pending, TRUE);
  if (a->nice) g_object_unref(a->nice);
  if (a->ctx) g_main_context_unref(a->ctx);
  if (a->group) ice_group_leave(a->group); /* after the sockets closed */
  a->mem->free(a, a->mem->user_data);
}

static gboolean ice_free_idle(gpointer data) {
  ice_free(data);
  return G_SOURCE_REMOVE;
}

/* Stop every signal and source that could reach `a`, so no event follows. */
void ice_quiesce(csctp_ice_agent *a) {
  ice_stop_timeout(a);
  ice_servers_free(a->servers); /* no answer reaches a deleted agent */
  a->servers = NULL;
  if (a->resumed) ice_resume_stop(a->resumed);
  /* The receive callback stays attached (it drops datagrams once a->dead):
   * detached, libnice would stop reading the sockets, which would then stay
   * readable and keep the context busy until the deferred free. */
  if (a->nice) g_signal_handlers_disconnect_by_data(a->nice, a);
}

int csctp_ice_agent_new_versioned(csctp_ice_agent **out, struct _GMainContext *ctx,
                                  int config_version, const csctp_ice_config *ucfg) {
  if (!out) return CSCTP_ERR_INVALID_ARGUMENT;
  *out = NULL;
  csctp_ice_config buf;
  const csctp_ice_config *cfg = csctp_versioned_in(ucfg, ice_config_size(config_version), &buf,
                                                   sizeof buf, ice_config_fill_default);
  if (!cfg) return CSCTP_ERR_INVALID_ARGUMENT;
  int rv = ice_check_config(cfg);
  if (rv) return rv;
  const csctp_mem *mem = cfg->mem ? cfg->mem : csctp_mem_default();
  csctp_ice_agent *a = mem->calloc(1, sizeof *a, mem->user_data);
  if (!a) return CSCTP_ERR_NOMEM;
  a->mem = mem;
  a->log = cfg->log;
  a->log_user_data = cfg->log_user_data;
  a->log_mask = cfg->log_mask;
  memcpy(a->log_levels, cfg->log_levels, sizeof a->log_levels);
  /* Before any context is made: GLib aborts the process when it cannot make one's
   * wake-up descriptor (ours for the group, libnice's for its component). */
  if (!ice_descriptors_spare()) {
    ice_log(a, CSCTP_LOG_ERROR, "ice: out of file descriptors: raise RLIMIT_NOFILE (ulimit -n)");
    ice_free(a);
    return CSCTP_ERR_NO_DESCRIPTORS;
  }
  a->group = ice_group_join(ctx ? ctx : g_main_context_default());
  if (!a->group) {
    ice_free(a);
    return CSCTP_ERR_NOMEM;
  }
  a->ctx = g_main_context_ref(ice_group_context(a->group));
  a->on_event = cfg->on_event;
  a->user_data = cfg->user_data;
  a->connect_timeout_ms = cfg->connect_timeout_ms;
  a->controlling = cfg->controlling != 0;
  a->pending = g_ptr_array_new_with_free_func((GDestroyNotify)nice_candidate_free);

  NiceAgentOption opts = NICE_AGENT_OPTION_ICE_TRICKLE | NICE_AGENT_OPTION_REGULAR_NOMINATION;
  if (cfg->consent_freshness) opts |= NICE_AGENT_OPTION_CONSENT_FRESHNESS;
  a->nice = nice_agent_new_full(a->ctx, NICE_COMPATIBILITY_RFC5245, opts);
  if (!a->nice) {
    ice_free(a);
    return CSCTP_ERR_NOMEM;
  }
  /* UDP only; no UPnP (it would multicast discovery requests to the LAN). */
  g_object_set(a->nice, "controlling-mode", (gboolean)(cfg->controlling != 0), "ice-tcp", FALSE,
               "ice-udp", TRUE, "upnp", FALSE, NULL);
  ice_add_addresses(a, cfg);
  a->stream = nice_agent_add_stream(a->nice, 1);
  if (a->stream == 0) {
    ice_free(a);
    return CSCTP_ERR_INVALID_STATE;
  }
  a->servers = ice_servers_new(cfg->servers, cfg->n_servers, a->ctx, ice_on_servers_ready, a,
                               ice_servers_log);
  if (!ice_servers_pending(a->servers)) ice_servers_apply(a->servers, a->nice, a->stream);
  a->port_min = cfg->port_min;
  a->port_max = cfg->port_max;
  if (cfg->n_local_addresses)
    g_strlcpy(a->first_addr, cfg->local_addresses[0], sizeof a->first_addr);
  if (cfg->port_min || cfg->port_max) {
    nice_agent_set_port_range(a->nice, a->stream, ICE_COMPONENT, cfg->port_min, cfg->port_max);
  }
  if (cfg->local_ufrag &&
      !nice_agent_set_local_credentials(a->nice, a->stream, cfg->local_ufrag, cfg->local_pwd)) {
    ice_free(a);
    return CSCTP_ERR_INVALID_ARGUMENT;
  }
  gchar *ufrag = NULL, *pwd = NULL;
  if (!nice_agent_get_local_credentials(a->nice, a->stream, &ufrag, &pwd)) {
    ice_free(a);
    return CSCTP_ERR_INVALID_STATE;
  }
  g_strlcpy(a->ufrag, ufrag, sizeof a->ufrag);
  g_strlcpy(a->pwd, pwd, sizeof a->pwd);
  g_free(ufrag);
  g_free(pwd);

  g_signal_connect(a->nice, "new-candidate-full", G_CALLBACK(ice_on_candidate), a);
  g_signal_connect(a->nice, "candidate-gathering-done", G_CALLBACK(ice_on_gathering_done), a);
  g_signal_connect(a->nice, "component-state-changed", G_CALLBACK(ice_on_component_state), a);
  g_signal_connect(a->nice, "new-selected-pair-full", G_CALLBACK(ice_on_selected_pair), a);
  nice_agent_attach_recv(a->nice, a->stream, ICE_COMPONENT, a->ctx, ice_on_recv, a);
  ice_log(a, CSCTP_LOG_INFO, "ice: agent created (%s, ufrag %s)",
          cfg->controlling ? "controlling" : "controlled", a->ufrag);
  *out = a;
  return 0;
}

void csctp_ice_agent_del(csctp_ice_agent *a) {
  if (!a || a->dead) return;
  ice_quiesce(a);
  if (a->depth > 0) {
    /* Inside one of our signal handlers, libnice still uses its agent after
     * we return: release everything from the context once it has unwound. */
    a->dead = 1;
    GSource *src = g_idle_source_new();
    g_source_set_priority(src, G_PRIORITY_HIGH);
    g_source_set_callback(src, ice_free_idle, a, NULL);
    g_source_attach(src, a->ctx);
    g_source_unref(src);
    return;
  }
  ice_free(a);
}

GMainContext *csctp_ice_agent_context(const csctp_ice_agent *a) { return a->ctx; }

const char *csctp_ice_agent_local_ufrag(const csctp_ice_agent *a) { return a->ufrag; }

const char *csctp_ice_agent_local_pwd(const csctp_ice_agent *a) { return a->pwd; }

csctp_ice_state csctp_ice_agent_state(const csctp_ice_agent *a) { return a->state; }

csctp_ice_gathering_state csctp_ice_agent_gathering_state(const csctp_ice_agent *a) {
  if (a->gathering_done) return CSCTP_ICE_GATHERING_COMPLETE;
  return a->gathering ? CSCTP_ICE_GATHERING_GATHERING : CSCTP_ICE_GATHERING_NEW;
}

int csctp_ice_agent_set_controlling(csctp_ice_agent *a, int controlling) {
  if (!a || a->dead) return CSCTP_ERR_INVALID_ARGUMENT;
  if (a->remote_creds) return CSCTP_ERR_INVALID_STATE;
  if ((controlling != 0) == a->controlling) return 0;
  /* libnice takes a new role only while its component is "disconnected", i.e.
   * before gathering; later it logs "role switch requested but conncheck already
   * started" and keeps the old one, which ends in a role conflict. */
  if (a->gathering) {
    ice_log(a, CSCTP_LOG_WARN, "ice: cannot become %s: gathering has started (staying %s)",
            controlling ? "controlling" : "controlled",
            a->controlling ? "controlling" : "controlled");
    return CSCTP_ERR_INVALID_STATE;
  }
  g_object_set(a->nice, "controlling-mode", (gboolean)(controlling != 0), NULL);
  a->controlling = controlling != 0;
  ice_log(a, CSCTP_LOG_INFO, "ice: role %s", a->controlling ? "controlling" : "controlled");
  return 0;
}

int csctp_ice_agent_get_controlling(const csctp_ice_agent *a) { return a->controlling; }

/*
 * libnice could not gather: says why, for the caller (a gateway running out of ports
 * must hear it). Binds a UDP socket the way libnice would, on the first configured
 * address (or any), in the configured range (each port, on this failure path only) or
 * on an ephemeral port: CSCTP_ERR_ADDRESS_IN_USE when no port is free,
 * CSCTP_ERR_NO_DESCRIPTORS when no socket can be made, else CSCTP_ERR_INVALID_STATE.
 */
static int ice_why_no_socket(const csctp_ice_agent *a) {
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t len = sizeof(struct sockaddr_in);
  struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
  v4->sin_family = AF_INET;
  if (a->first_addr[0] && inet_pton(AF_INET, a->first_addr, &v4->sin_addr) != 1) {
    memset(&ss, 0, sizeof ss);
    v6->sin6_family = AF_INET6;
    len = sizeof *v6;
    if (inet_pton(AF_INET6, a->first_addr, &v6->sin6_addr) != 1) return CSCTP_ERR_INVALID_STATE;
  }
  unsigned lo = a->port_min || a->port_max ? a->port_min : 0;
  unsigned hi = a->port_min || a->port_max ? a->port_max : 0;
  int in_use = 0;
  for (unsigned port = lo; port <= hi; port++) {
    int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
      return errno == EMFILE || errno == ENFILE ? CSCTP_ERR_NO_DESCRIPTORS
                                                : CSCTP_ERR_INVALID_STATE;
    if (ss.ss_family == AF_INET) {
      v4->sin_port = htons((uint16_t)port);
    } else {
      v6->sin6_port = htons((uint16_t)port);
    }
    int rv = bind(fd, (struct sockaddr *)&ss, len);
    int err = errno;
    close(fd);
    if (rv == 0) return CSCTP_ERR_INVALID_STATE; /* a port was free: something else */
    if (err != EADDRINUSE) return CSCTP_ERR_INVALID_STATE;
    in_use = 1;
  }
  return in_use ? CSCTP_ERR_ADDRESS_IN_USE : CSCTP_ERR_INVALID_STATE;
}

/* Asks libnice to gather; on failure says why (ice_why_no_socket). */
static int ice_gather_now(csctp_ice_agent *a) {
  if (!nice_agent_gather_candidates(a->nice, a->stream)) {
    int rv = ice_why_no_socket(a);
    ice_log(a, CSCTP_LOG_ERROR, "ice: libnice could not gather candidates: %s",
            rv == CSCTP_ERR_ADDRESS_IN_USE   ? "no free UDP port"
            : rv == CSCTP_ERR_NO_DESCRIPTORS ? "out of file descriptors (ulimit -n)"
                                             : "no usable local address");
    return rv;
  }
  return 0;
}

int csctp_ice_agent_gather(csctp_ice_agent *a) {
  if (!a || a->dead) return CSCTP_ERR_INVALID_ARGUMENT;
  if (a->gathering || ICE_NO_NICE(a)) return CSCTP_ERR_INVALID_STATE;
  a->gathering = 1;
  ice_log(a, CSCTP_LOG_INFO, "ice: gathering as the %s agent",
          a->controlling ? "controlling" : "controlled");
  size_t pending = ice_servers_pending(a->servers);
  if (pending) {
    ice_log(a, CSCTP_LOG_INFO, "ice: gathering once %zu server name(s) resolve", pending);
    a->gather_deferred = 1;
    return 0;
  }
  return ice_gather_now(a);
}

static void ice_set_remote(csctp_ice_agent *a, NiceCandidate *cand) {
  GSList one = {.data = cand, .next = NULL};
  ice_restore_ta(a); /* the new pairs are checked at the configured pace */
  int n = nice_agent_set_remote_candidates(a->nice, a->stream, ICE_COMPONENT, &one);
  if (n < 0) ice_log(a, CSCTP_LOG_WARN, "ice: libnice refused a remote candidate");
}

int csctp_ice_agent_set_remote_credentials(csctp_ice_agent *a, const char *ufrag, const char *pwd) {
  if (!a || a->dead) return CSCTP_ERR_INVALID_ARGUMENT;
  /* Lenient on length (browsers respect 4 / 22), strict on the characters
   * libnice puts into STUN USERNAME. */
  if (!ice_valid_cred(ufrag, 1) || !ice_valid_cred(pwd, 1)) return CSCTP_ERR_INVALID_ARGUMENT;
  if (a->remote_creds || ICE_NO_NICE(a)) return CSCTP_ERR_INVALID_STATE;
  if (!nice_agent_set_remote_credentials(a->nice, a->stream, ufrag, pwd)) {
    return CSCTP_ERR_INVALID_STATE;
  }
  a->remote_creds = 1;
  g_strlcpy(a->rufrag, ufrag, sizeof a->rufrag);
  g_strlcpy(a->rpwd, pwd, sizeof a->rpwd);
  ice_log(a, CSCTP_LOG_INFO, "ice: remote ufrag %s, %u candidates waiting", ufrag, a->pending->len);
  if (a->connect_timeout_ms && a->state != CSCTP_ICE_STATE_FAILED) {
    a->timeout = g_timeout_source_new(a->connect_timeout_ms);
    g_source_set_callback(a->timeout, ice_on_timeout, a, NULL);
    g_source_attach(a->timeout, a->ctx);
  }
  for (guint i = 0; i < a->pending->len; i++) ice_set_remote(a, a->pending->pdata[i]);
  g_ptr_array_set_size(a->pending, 0);
  if (a->remote_done) nice_agent_peer_candidate_gathering_done(a->nice, a->stream);
  if (a->state == CSCTP_ICE_STATE_NEW) ice_set_state(a, CSCTP_ICE_STATE_CHECKING);
  return 0;
}

int csctp_ice_agent_add_remote_candidate(csctp_ice_agent *a, const char *candidate) {
  if (!a || a->dead || !candidate) return CSCTP_ERR_INVALID_ARGUMENT;
  if (a->state == CSCTP_ICE_STATE_FAILED || ICE_NO_NICE(a)) return CSCTP_ERR_INVALID_STATE;
  char line[ICE_CANDIDATE_LINE_MAX];
  int rv = ice_candidate_normalize(candidate, line, sizeof line);
  if (rv <= 0) {
    if (rv == 0) ice_log(a, CSCTP_LOG_WARN, "ice: ignoring remote %s", candidate);
    return rv;
  }
  NiceCandidate *cand = nice_agent_parse_remote_candidate_sdp(a->nice, a->stream, line);
  if (!cand) return CSCTP_ERR_INVALID_ARGUMENT;
  ice_log(a, CSCTP_LOG_DEBUG, "ice: remote %s", line);
  if (!a->remote_creds) {
    g_ptr_array_add(a->pending, cand);
    return 1;
  }
  ice_set_remote(a, cand);
  nice_candidate_free(cand);
  return 1;
}

int csctp_ice_agent_end_of_remote_candidates(csctp_ice_agent *a) {
  if (!a || a->dead) return CSCTP_ERR_INVALID_ARGUMENT;
  if (ICE_NO_NICE(a)) return CSCTP_ERR_INVALID_STATE;
  if (a->remote_done) return 0;
  a->remote_done = 1;
  ice_log(a, CSCTP_LOG_DEBUG, "ice: remote end-of-candidates");
  if (a->remote_creds) nice_agent_peer_candidate_gathering_done(a->nice, a->stream);
  return 0;
}

/* Counts the first `sent` of `n` datagrams as sent, the others as refused. */
static void ice_count_tx(csctp_ice_agent *a, const size_t *len, size_t n, size_t sent) {
  for (size_t i = 0; i < sent; i++) a->pair.bytes_sent += len[i];
  a->pair.packets_sent += sent;
  a->pair.packets_discarded_on_send += n - sent;
  if (sent) a->pair.last_packet_sent_us = g_get_monotonic_time();
}

csctp_ssize csctp_ice_agent_send(csctp_ice_agent *a, const uint8_t *data, size_t len) {
  if (!a || a->dead || !data || len == 0 || len > ICE_MAX_DATAGRAM) {
    return CSCTP_ERR_INVALID_ARGUMENT;
  }
  if (a->state != CSCTP_ICE_STATE_CONNECTED || a->handed_over) return CSCTP_ERR_INVALID_STATE;
  csctp_ssize rv;
  if (a->resumed) {
    rv = ice_resume_send(a->resumed, data, len);
  } else {
    gint n = nice_agent_send(a->nice, a->stream, ICE_COMPONENT, (guint)len, (const gchar *)data);
    rv = n < 0 ? CSCTP_ERR_WOULD_BLOCK : (csctp_ssize)len;
  }
  ice_count_tx(a, &len, 1, rv < 0 ? 0 : 1);
  return rv;
}

int csctp_ice_agent_set_pacing(csctp_ice_agent *a, uint32_t ta_ms) {
  if (!a || a->dead || ta_ms < 5 || ta_ms > 1000) return CSCTP_ERR_INVALID_ARGUMENT;
  if (ICE_NO_NICE(a)) return CSCTP_ERR_INVALID_STATE;
  g_object_set(a->nice, "stun-pacing-timer", (guint)ta_ms, NULL);
  a->ta_saved = 0;
  ice_log(a, CSCTP_LOG_DEBUG, "ice: Ta %u ms", (unsigned)ta_ms);
  return 0;
}

uint32_t csctp_ice_agent_get_pacing(const csctp_ice_agent *a) {
  guint ta = 0;
  if (a && a->ta_saved) return a->ta_saved;
  if (a && a->nice && !a->handed_over) g_object_get(a->nice, "stun-pacing-timer", &ta, NULL);
  return (uint32_t)ta;
}

/*
 * Sends a batch straight on the selected pair's UDP socket with segmentation offload,
 * where libnice has one (a host or server-reflexive pair: a relayed pair needs TURN's
 * framing, which only libnice adds). Returns 1 when done (`*sent` datagrams left), 0
 * when the batch must go through libnice; the first refusal to offload switches the
 * offload off for the agent's life.
 */
static int ice_send_offloaded(csctp_ice_agent *a, const uint8_t *const *data, const size_t *len,
                              size_t n, size_t *sent) {
  struct sockaddr_storage to;
  socklen_t tolen;
  GSocket *s = ice_selected_udp(a, &to, &tolen);
  if (!s) return 0;
  int done = ice_gso_send(g_socket_get_fd(s), (struct sockaddr *)&to, tolen, data, len, n, sent) ==
             ICE_GSO_SENT;
  if (!done) {
    a->gso_off = 1;
    ice_log(a, CSCTP_LOG_INFO, "ice: no UDP segmentation offload on this socket (%s)",
            g_strerror(errno));
  }
  g_object_unref(s);
  return done;
}

csctp_ssize csctp_ice_agent_send_batch(csctp_ice_agent *a, const uint8_t *const *data,
                                       const size_t *len, size_t n) {
  if (!a || a->dead || !data || !len || n == 0 || n > ICE_MAX_BATCH) {
    return CSCTP_ERR_INVALID_ARGUMENT;
  }
  GOutputVector vec[ICE_MAX_BATCH];
  NiceOutputMessage msg[ICE_MAX_BATCH];
  for (size_t i = 0; i < n; i++) {
    if (!data[i] || len[i] == 0 || len[i] > ICE_MAX_DATAGRAM) return CSCTP_ERR_INVALID_ARGUMENT;
    vec[i].buffer = data[i];
    vec[i].size = len[i];
    msg[i].buffers = &vec[i];
    msg[i].n_buffers = 1;
  }
  if (a->state != CSCTP_ICE_STATE_CONNECTED || a->handed_over) return CSCTP_ERR_INVALID_STATE;
  csctp_ssize rv;
  size_t sent;
  if (a->resumed) {
    rv = ice_resume_send_batch(a->resumed, data, len, n);
  } else if (n > 1 && !a->gso_off && ice_send_offloaded(a, data, len, n, &sent)) {
    rv = (csctp_ssize)sent;
  } else {
    /* libnice hands a batch to g_socket_send_messages(): one sendmmsg() on Linux. */
    gint m = nice_agent_send_messages_nonblocking(a->nice, a->stream, ICE_COMPONENT, msg, (guint)n,
                                                  NULL, NULL);
    rv = m < 0 ? 0 : (csctp_ssize)m;
  }
  ice_count_tx(a, len, n, rv < 0 ? 0 : (size_t)rv);
  return rv;
}

int csctp_ice_agent_get_pair_stats_versioned(const csctp_ice_agent *a, int stats_version,
                                             csctp_ice_pair_stats *st) {
  if (!a || !st || stats_version != CSCTP_ICE_PAIR_STATS_V1) return CSCTP_ERR_INVALID_ARGUMENT;
  *st = a->pair;
  /* The monotonic times become realtime ones, as RTCStats timestamps are. */
  gint64 mono = g_get_monotonic_time(), real = g_get_real_time();
  if (st->last_packet_sent_us) st->last_packet_sent_us = real - (mono - st->last_packet_sent_us);
  if (st->last_packet_received_us) {
    st->last_packet_received_us = real - (mono - st->last_packet_received_us);
  }
  return 0;
}
