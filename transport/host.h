/* SPDX-License-Identifier: MIT */
/*
 * Internal to the socket API files (socket.c: sockets, servers and the host that runs
 * them; socket_pause.c: receive back-pressure; socket_live.c: connect timeout and ICMP).
 * A "host" is one link (UDP or raw IP) and one endpoint with its timer; a server owns a
 * host with many sockets, a client socket owns a host with one.
 */
#ifndef CSCTP_TRANSPORT_HOST_H
#define CSCTP_TRANSPORT_HOST_H

#include <csctp/socket.h>

#include "link.h"

typedef struct host host;

struct csctp_stream {
  csctp_socket *s;
  uint16_t id;
  uint32_t ppid;
};

struct csctp_socket {
  host *h;
  csctp_assoc *a; /* NULL while a passive socket waits, and after close */
  csctp_addr peer;
  uint16_t peer_port;
  csctp_socket_events ev;
  void *ud;
  uint32_t default_ppid;
  GHashTable *streams; /* id -> csctp_stream */
  uint8_t *seen;       /* bitmap of inbound streams seen */
  size_t high_mark;
  unsigned connected : 1, closed : 1, zombie : 1, want_drain : 1, announced : 1;
  csctp_stats last_stats;
  uint32_t last_pmtu; /* the association's PLPMTU when it was detached */
  /* Receive back-pressure (socket_pause.c): messages (and the end / graceful close that
   * follow them) kept while paused, counted against the receive window. */
  unsigned paused : 1, in_flushq : 1, flushing : 1;
  GQueue held;        /* kept events (socket_pause.c), oldest first */
  size_t held_bytes;  /* message bytes in `held` */
  uint32_t base_rwnd; /* the association's configured receive window */
  /* Liveness (socket_live.c). */
  GSource *connect_timer;       /* active connect: fires when not established in time */
  uint32_t connect_timeout;     /* ms */
  csctp_unreach_kind unreach;   /* the ICMP error that closed the association, 0: none */
  csctp_socket_path_fn path_cb; /* csctp_socket_on_path */
};

struct csctp_server {
  host *h;
  GMainContext *ctx;
  csctp_server_events ev;
  void *ud;
  csctp_socket_path_fn path_cb; /* csctp_server_on_path: given to each new socket */
};

struct host {
  GMainContext *ctx;
  csctp_link *link;
  csctp_endpoint *ep;
  GSource *pump;
  csctp_server *srv;    /* owner when a server */
  csctp_socket *client; /* owner when a client socket */
  GHashTable *socks;    /* csctp_assoc* -> csctp_socket* */
  GPtrArray *zombies;   /* sockets to free after the current dispatch */
  GByteArray *msgcopy;  /* a message copied out of the engine for the data callback */
  GQueue flushq;        /* resumed sockets with held items to hand out */
  int depth, doomed, dirty;
  uint32_t mtu;
  uint32_t sndbuf, rwnd;  /* the associations' (csctp_config), for back-pressure marks */
  csctp_capture *capture; /* CSCTP_CAPTURE's file of every association's packets, or NULL */
  /* Multi-homing (socket_paths.c): the associations take several paths, packets go through
   * the _via calls with their local address; our addresses (IP form, the link's UDP port). */
  int multi, dual;  /* dual: IPv4 and IPv6 paths, one IPv6 UDP socket (csctp_link_new_dual) */
  csctp_addr bound; /* the address the link is bound to (csctp_socket_get_local_address) */
  size_t n_laddrs;
  csctp_addr laddrs[CSCTP_PATHS_MAX];
};

/* A socket on the caller's transport (socket_external.c): where its packets go, and the
 * address that names its one peer (filled in by csctp_host_connect). */
typedef struct csctp_host_ext {
  csctp_link_output_fn out;
  void *out_user_data;
  csctp_addr peer;
} csctp_host_ext;

/* socket_opts.c: fills a csctp_connect_opts (the newest layout) with the defaults. */
void csctp_host_opts_default(void *p);
/* socket_opts.c: the bytes of csctp_connect_opts layout `version`, 0 for an unknown one. */
size_t csctp_host_opts_size(int version);

/* socket.c: csctp_socket_connect, over an OS socket (`ext` NULL) or the caller's transport. */
int csctp_host_connect(GMainContext *ctx, int opts_version, const csctp_connect_opts *uo,
                       csctp_host_ext *ext, const csctp_socket_events *events, void *user_data,
                       csctp_socket **ps, char **err_msg);

/* The monotonic clock of the socket API (g_get_monotonic_time, microseconds). */
csctp_tstamp csctp_host_now(void);

/* Copies the process-wide csctp_defaults() into an association config. */
void csctp_host_apply_defaults(csctp_config *cfg);

/* socket.c: hands one event of `a` to its socket (callbacks run here). */
void csctp_host_socket_event(host *h, csctp_socket *s, csctp_assoc *a, csctp_event *ev);
/* socket.c: the data callback for one message (and the stream callback before it). */
void csctp_host_deliver(csctp_socket *s, const csctp_message *m);
/* socket.c: output and events are due: run them now, or when the current dispatch unwinds. */
void csctp_host_kick(host *h);
/* socket.c: runs them from the pump soon, never from inside the caller's call. */
void csctp_host_defer(host *h);
/* socket.c: the association closed (or the connect timed out): callbacks, then retire. */
void csctp_host_socket_closed(csctp_socket *s, int had_error, const char *why, int err);

/* socket_pause.c: keeps a MESSAGE, SHUTDOWN or CLOSED (graceful) event of a paused socket,
 * or of one that still holds items; returns 1 when kept, 0 when it is to be handed out now. */
int csctp_host_hold(host *h, csctp_socket *s, const csctp_event *ev);
/* socket_pause.c: hands out what resumed sockets hold (callbacks run here). */
void csctp_host_flush_held(host *h);
/* socket_pause.c: forgets what a socket holds (it closed with an error or is freed). */
void csctp_host_drop_held(csctp_socket *s);

/* socket_paths.c: multi-homing (csctp_connect_opts V4). Before the endpoint exists: checks the
 * options and sets the association config (max_paths, ...); *local_ip gets the wildcard address
 * the link binds instead of local_address. Returns 0, or CSCTP_ERR_INVALID_ARGUMENT with
 * *err_msg. Not multi-homed: nothing changes. */
int csctp_host_multi_config(host *h, const csctp_connect_opts *o, csctp_config *cfg,
                            const char **local_ip, char **err_msg);
/* socket_paths.c: after the link is open: our addresses to the link and the endpoint. */
int csctp_host_multi_attach(host *h, const csctp_connect_opts *o, char **err_msg);
/* socket_paths.c: the peer's addresses of a multi-homed connect (hosts, else the one peer). */
int csctp_host_multi_peers(const csctp_connect_opts *o, const csctp_addr *peer, csctp_addr *out,
                           size_t *n, char **err_msg);
/* socket_paths.c: a CSCTP_EVENT_PATH_CHANGED of the socket's association (callback runs). */
void csctp_host_path_event(csctp_socket *s, const csctp_event *ev);
/* socket_paths.c: queues one written packet on the link (route from the _via call) with its
 * ECN codepoint. */
void csctp_host_send_via(host *h, const csctp_route *to, const uint8_t *pkt, size_t len, int ecn);

/* socket_live.c: the ICMP errors of the host's link (csctp_link_unreach_fn). */
void csctp_host_unreach(void *user_data, const csctp_addr *to, csctp_unreach_kind kind,
                        const uint8_t *quoted, size_t len);
/* socket_live.c: starts / stops the connect timeout of an active socket. */
void csctp_host_connect_timer_start(csctp_socket *s, uint32_t ms);
void csctp_host_connect_timer_stop(csctp_socket *s);
/* socket_live.c: the text of an ICMP-closed socket's error ("peer unreachable: ..."). */
void csctp_host_unreach_text(const csctp_socket *s, char *buf, size_t cap);

#endif
