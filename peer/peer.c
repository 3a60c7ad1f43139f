/* SPDX-License-Identifier: MIT */
/*
 * The peer: wires ICE (datagrams) -> DTLS (RFC 8261 records) -> the SCTP
 * association -> the data-channel layer, on one GMainContext. The sans-IO
 * cores are driven with g_get_monotonic_time() (microseconds, the unit of
 * csctp_tstamp) and one GSource whose ready time is their earliest deadline.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "peer_priv.h"

static csctp_tstamp peer_now(void) { return (csctp_tstamp)g_get_monotonic_time(); }

void csctp_peer_log(const csctp_peer *p, csctp_log_level level, const char *fmt, ...) {
  if (!csctp_log_on(p->cfg.log, p->cfg.log_mask, p->cfg.log_levels, CSCTP_LOG_PEER, level)) return;
  va_list ap;
  va_start(ap, fmt);
  csctp_log_vemit(p->cfg.log, p->cfg.log_user_data, CSCTP_LOG_PEER, level, fmt, ap);
  va_end(ap);
}

csctp_ice_state csctp_peer_ice_connection_state(const csctp_peer *p) {
  return p->ice ? csctp_ice_agent_state(p->ice) : CSCTP_ICE_STATE_NEW;
}

csctp_ice_gathering_state csctp_peer_ice_gathering_state(const csctp_peer *p) {
  return p->ice ? csctp_ice_agent_gathering_state(p->ice) : CSCTP_ICE_GATHERING_NEW;
}

const char *csctp_peer_state_name(csctp_peer_state state) {
  switch (state) {
  case CSCTP_PEER_STATE_NEW: return "new";
  case CSCTP_PEER_STATE_CONNECTING: return "connecting";
  case CSCTP_PEER_STATE_CONNECTED: return "connected";
  case CSCTP_PEER_STATE_FAILED: return "failed";
  case CSCTP_PEER_STATE_CLOSED: return "closed";
  }
  return "unknown";
}

/* ---------------------------------------------------------------- events */

static void peer_emit(csctp_peer *p, const csctp_peer_event *ev) {
  if (p->dead) return;
  p->cfg.on_event(p, ev, p->cfg.user_data);
}

static void peer_set_state(csctp_peer *p, csctp_peer_state st, int error) {
  if (p->state == st) return;
  /* FAILED and CLOSED are terminal. */
  if (p->state == CSCTP_PEER_STATE_FAILED || p->state == CSCTP_PEER_STATE_CLOSED) return;
  csctp_peer_log(p, st == CSCTP_PEER_STATE_FAILED ? CSCTP_LOG_ERROR : CSCTP_LOG_INFO,
                 "peer: %s -> %s%s%s", csctp_peer_state_name(p->state), csctp_peer_state_name(st),
                 error ? ": " : "", error ? csctp_strerror(error) : "");
  p->state = st;
  csctp_peer_event ev = {.type = CSCTP_PEER_EVENT_STATE};
  ev.u.state.state = st;
  ev.u.state.error = error;
  peer_emit(p, &ev);
}

static void peer_enter(csctp_peer *p) { p->depth++; }

/* Returns 1 when the peer was freed. */
static int peer_leave(csctp_peer *p) {
  if (--p->depth == 0 && p->dead) {
    csctp_peer_free(p);
    return 1;
  }
  return 0;
}

/* ---------------------------------------------------------------- output and timers */

/* Hands the datagrams in the batch to ICE in one call; those it refuses are dropped
 * (counted: the protocols above recover). */
void csctp_peer_send_batch(csctp_peer *p) {
  if (p->batch_n == 0) return;
  const uint8_t *d[PEER_BATCH];
  for (size_t i = 0; i < p->batch_n; i++) d[i] = p->batch + i * p->dgram_max;
  csctp_ssize sent = p->ice ? csctp_ice_agent_send_batch(p->ice, d, p->batch_len, p->batch_n) : 0;
  if (sent < 0) sent = 0;
  p->dropped_out += p->batch_n - (size_t)sent;
  p->batch_n = 0;
}

/*
 * Pulls every due datagram (DTLS handshake, then SCTP packets in records) and sends
 * them in batches. In a datagram callback the last partial batch waits for the next
 * iteration of the context (the timer source is ready then), so that what a burst of
 * input causes leaves in one sendmmsg.
 */
void csctp_peer_flush(csctp_peer *p, csctp_tstamp now) {
  if (!p->ds || !p->ice_connected || p->dead) return;
  uint8_t first[CSCTP_PEER_PLPMTUD_LIMIT]; /* the first datagram while there is no batch */
  size_t max = p->dgram_max;
  for (;;) {
    if (p->batch_n == PEER_BATCH) csctp_peer_send_batch(p);
    uint8_t *slot = p->batch ? p->batch + p->batch_n * max : first;
    csctp_ssize n = csctp_dtls_sctp_write_datagram(p->ds, slot, max, now);
    if (n <= 0) break;
    if (max > PEER_DTLS_MTU && csctp_assoc_packet_fragmentable(p->assoc)) {
      /* PLPMTUD: a chunk cut for a larger PMTU than now, which cannot be cut again: after
       * what is queued, alone, with IP fragmentation allowed. */
      csctp_peer_send_batch(p);
      if (csctp_ice_agent_send_fragmentable(p->ice, slot, (size_t)n) < 0) p->dropped_out++;
      p->active_at = now;
      continue;
    }
    if (!p->batch) { /* the first output since the batch was given back */
      p->batch = p->mem->malloc(PEER_BATCH * max, p->mem->user_data);
      if (!p->batch) { /* no memory for a batch: this datagram alone */
        if (csctp_ice_agent_send(p->ice, first, (size_t)n) < 0) p->dropped_out++;
        continue;
      }
      memcpy(p->batch, first, (size_t)n);
    }
    p->batch_len[p->batch_n++] = (size_t)n;
    p->active_at = now;
    p->trim_due = 1;
  }
  if (!p->in_rx || p->closing || p->batch_n >= PEER_DEFER_MAX) csctp_peer_send_batch(p);
}

/*
 * Gives back what an idle peer does not need once it has had no datagram in or out for
 * PEER_IDLE_US: the output batch, the application's message copy, DTLS's event queue and
 * the association's buffers (csctp_assoc_trim); the next traffic allocates them again.
 */
static void peer_trim_idle(csctp_peer *p, csctp_tstamp now) {
  if (!p->trim_due || now - p->active_at <= PEER_IDLE_US) return;
  if (p->batch && p->batch_n == 0) {
    p->mem->free(p->batch, p->mem->user_data);
    p->batch = NULL;
  }
  if (p->rx_copy) {
    p->mem->free(p->rx_copy, p->mem->user_data);
    p->rx_copy = NULL;
    p->rx_copy_cap = 0;
  }
  if (p->ds) csctp_dtls_trim(csctp_dtls_sctp_dtls(p->ds));
  if (p->assoc) csctp_assoc_trim(p->assoc);
  p->trim_due = p->batch != NULL; /* a batch still to send is trimmed on a later wake */
}

/*
 * The peer's sources run on the agent's private context, which the hub on p->ctx
 * polls for its descriptors and deadlines (ice.h). A deadline or kick set from
 * outside that context's dispatch (an application call) changes nothing the hub
 * can see: wake the context so that the hub asks it again.
 */
static void peer_wake(csctp_peer *p) {
  GMainContext *own = p->ice ? csctp_ice_agent_context(p->ice) : NULL;
  if (own && !g_main_context_is_owner(own)) g_main_context_wakeup(own);
}

void csctp_peer_schedule(csctp_peer *p, csctp_tstamp now) {
  if (!p->timer) return;
  gint64 before = p->deadline;
  /* Before DTLS exists the association has not started: no timer of its own. */
  csctp_tstamp t = p->ds ? csctp_dtls_sctp_expiry(p->ds) : CSCTP_TSTAMP_NONE;
  /* A deadline already past after handling it: retry in a millisecond, never spin. */
  if (t != CSCTP_TSTAMP_NONE && t <= now) t = now + CSCTP_MILLISECONDS;
  /* A busy peer keeps its buffers; an idle one is woken once more to give them back. */
  if (p->trim_due) {
    csctp_tstamp trim = p->active_at + PEER_IDLE_US + 1;
    if (t == CSCTP_TSTAMP_NONE || trim < t) t = trim > now ? trim : now + CSCTP_MILLISECONDS;
  }
  p->deadline = t == CSCTP_TSTAMP_NONE ? -1 : (gint64)t;
  if (p->deadline != before) peer_wake(p);
}

void csctp_peer_kick(csctp_peer *p) {
  if (p->timer && !p->in_run) {
    p->kicked = 1;
    peer_wake(p);
  }
}

/* ---------------------------------------------------------------- the pump */

/* RFC 9653: whether the remote SCTP announced zero checksum too, and how much it was used. */
static void peer_log_zero_checksum(const csctp_peer *p) {
  if (!p->assoc ||
      !csctp_log_on(p->cfg.log, p->cfg.log_mask, p->cfg.log_levels, CSCTP_LOG_PEER, CSCTP_LOG_INFO))
    return; /* filtered: not even the stats are read */
  csctp_stats st;
  csctp_assoc_get_stats(p->assoc, &st);
  csctp_peer_log(p, CSCTP_LOG_INFO,
                 "peer: SCTP zero checksum %s; packets in %llu (zero checksum %llu), out %llu "
                 "(zero checksum %llu)",
                 st.zero_checksum ? "negotiated" : "not negotiated",
                 (unsigned long long)st.packets_in, (unsigned long long)st.zero_checksum_in,
                 (unsigned long long)st.packets_out, (unsigned long long)st.zero_checksum_out);
}

/* The FAILED state's error for an association that closed with `r` (not by us or the peer). */
static int peer_close_error(csctp_close_reason r) {
  switch (r) {
  case CSCTP_CLOSE_TIMEOUT:
  case CSCTP_CLOSE_INIT_FAILED: return CSCTP_ERR_TIMEOUT;
  case CSCTP_CLOSE_PROTOCOL_ERROR: return CSCTP_ERR_PROTOCOL;
  case CSCTP_CLOSE_UNREACHABLE: return CSCTP_ERR_UNREACHABLE;
  case CSCTP_CLOSE_PEER_ABORT: return CSCTP_ERR_PEER_ABORT;
  case CSCTP_CLOSE_SHUTDOWN:
  case CSCTP_CLOSE_LOCAL_ABORT: break;
  }
  return CSCTP_ERR_CLOSED;
}

static void peer_on_assoc_event(csctp_peer *p, const csctp_event *ev, csctp_tstamp now) {
  switch (ev->type) {
  case CSCTP_EVENT_CONNECTED:
    p->sctp_up = 1;
    csctp_peer_log(p, CSCTP_LOG_INFO, "peer: SCTP up (%u in, %u out streams, %s)",
                   ev->u.connected.inbound_streams, ev->u.connected.outbound_streams,
                   ev->u.connected.interleaving ? "I-DATA" : "DATA");
    peer_log_zero_checksum(p);
    csctp_peer_drop_remote(p); /* the answer was written: the offer is no longer needed */
    peer_set_state(p, CSCTP_PEER_STATE_CONNECTED, 0);
    break;
  case CSCTP_EVENT_CLOSED:
    p->sctp_up = 0;
    csctp_peer_log(p, CSCTP_LOG_INFO, "peer: SCTP closed (reason %d, cause %u)",
                   (int)ev->u.closed.reason, ev->u.closed.cause);
    peer_log_zero_checksum(p);
    if (p->ds) csctp_dtls_sctp_close(p->ds, now); /* close_notify when connected */
    if (p->closing || ev->u.closed.reason == CSCTP_CLOSE_SHUTDOWN ||
        ev->u.closed.reason == CSCTP_CLOSE_PEER_ABORT) {
      peer_set_state(p, CSCTP_PEER_STATE_CLOSED, 0);
    } else {
      peer_set_state(p, CSCTP_PEER_STATE_FAILED, peer_close_error(ev->u.closed.reason));
    }
    break;
  default: break;
  }
}

/* The DTLS events other than records (those went to the association). */
static void peer_dtls_events(csctp_peer *p) {
  csctp_dtls_event ev;
  while (!p->dead && csctp_dtls_sctp_poll_dtls_event(p->ds, &ev)) {
    switch (ev.type) {
    case CSCTP_DTLS_EVENT_CONNECTED:
      csctp_peer_log(p, CSCTP_LOG_INFO, "peer: DTLS connected (%s, %s)", ev.u.connected.cipher,
                     p->role == CSCTP_DTLS_CLIENT ? "client" : "server");
      break;
    case CSCTP_DTLS_EVENT_CLOSED:
      csctp_peer_log(p, CSCTP_LOG_INFO, "peer: DTLS closed (%s)",
                     ev.u.closed.by_peer ? "by peer" : "by us");
      peer_set_state(p, CSCTP_PEER_STATE_CLOSED, 0);
      break;
    case CSCTP_DTLS_EVENT_ERROR:
      csctp_peer_log(p, CSCTP_LOG_ERROR, "peer: DTLS failed: %s (alert %d%s)",
                     csctp_strerror(ev.u.error.error), ev.u.error.alert,
                     ev.u.error.alert_by_peer ? " from peer" : "");
      peer_set_state(p, CSCTP_PEER_STATE_FAILED, ev.u.error.error);
      break;
    default: break;
    }
  }
}

/*
 * A channel event to the application. A message is handed out from the peer's own copy:
 * the engine releases the message it handed out at the start of the next call on the
 * association (sctp.h), and frees a large reassembly buffer then, so a callback that
 * echoes the message with csctp_peer_send() would have the engine copy freed memory; the
 * peer promises the data for the whole callback. Returns 0 or CSCTP_ERR_NOMEM.
 */
static int peer_emit_channel(csctp_peer *p, csctp_dc_event *ev) {
  csctp_peer_event pev = {.type = CSCTP_PEER_EVENT_CHANNEL};
  pev.u.channel = ev;
  size_t len = ev->type == CSCTP_DC_EVENT_MESSAGE ? ev->u.message.len : 0;
  if (len == 0) {
    peer_emit(p, &pev);
    return 0;
  }
  uint8_t *buf = p->rx_copy;
  if (len > p->rx_copy_cap) {
    if (len <= PEER_RX_COPY_KEEP) {
      size_t cap = 1024; /* grown to the messages seen, up to the kept size */
      while (cap < len) cap *= 2;
      buf = p->mem->realloc(p->rx_copy, cap, p->mem->user_data);
      if (!buf) return CSCTP_ERR_NOMEM;
      p->rx_copy = buf;
      p->rx_copy_cap = cap;
    } else {
      buf = p->mem->malloc(len, p->mem->user_data); /* freed after the callback */
      if (!buf) return CSCTP_ERR_NOMEM;
    }
  }
  memcpy(buf, ev->u.message.data, len);
  ev->u.message.data = buf;
  peer_emit(p, &pev);
  if (buf != p->rx_copy) p->mem->free(buf, p->mem->user_data);
  return 0;
}

/* Timers, DTLS events into SCTP, channel events to the application, output. */
static void peer_run(csctp_peer *p) {
  if (p->dead || p->in_run) return;
  p->in_run = 1;
  csctp_tstamp now = peer_now();
  if (p->ds) {
    int rv = csctp_dtls_sctp_handle_expiry(p->ds, now);
    if (csctp_err_is_fatal(rv)) peer_set_state(p, CSCTP_PEER_STATE_FAILED, rv);
    peer_dtls_events(p);
  }
  csctp_dc_event ev;
  int rv = 0;
  unsigned n = 0;
  while (!p->dead && (rv = csctp_dc_poll_event(p->dc, &ev, now)) == 1) {
    int erv = 0;
    if (ev.type == CSCTP_DC_EVENT_ASSOC) {
      peer_on_assoc_event(p, &ev.u.assoc, now);
    } else if ((erv = peer_emit_channel(p, &ev)) != 0) {
      peer_set_state(p, CSCTP_PEER_STATE_FAILED, erv);
    }
    /* Keep the wire busy while a long run of events (echoes) is handled. */
    if (++n % 16 == 0) csctp_peer_flush(p, now);
  }
  if (!p->dead && rv < 0) peer_set_state(p, CSCTP_PEER_STATE_FAILED, rv); /* fatal */
  if (!p->dead) {
    if (p->ds) peer_dtls_events(p); /* close_notify from an assoc CLOSED */
    csctp_peer_flush(p, now);
    csctp_peer_schedule(p, now);
  }
  p->in_run = 0;
}

/* Whether the timer source has work now; else how long poll() may wait for it (ms). */
static gboolean peer_timer_ready(GSource *src, gint *timeout) {
  const csctp_peer *p = ((peer_source *)src)->peer;
  if (p->kicked || p->batch_n) return TRUE;
  if (p->deadline < 0) return FALSE;
  gint64 left = p->deadline - g_source_get_time(src);
  if (left <= 0) return TRUE;
  if (timeout) *timeout = left / 1000 + 1 > G_MAXINT ? G_MAXINT : (gint)(left / 1000 + 1);
  return FALSE;
}

static gboolean peer_timer_prepare(GSource *src, gint *timeout) {
  *timeout = -1;
  if (!peer_timer_ready(src, timeout)) return FALSE;
  *timeout = 0;
  return TRUE;
}

static gboolean peer_timer_check(GSource *src) { return peer_timer_ready(src, NULL); }

static gboolean peer_timer_dispatch(GSource *src, GSourceFunc cb, gpointer data) {
  (void)cb;
  (void)data;
  csctp_peer *p = ((peer_source *)src)->peer;
  csctp_tstamp now = peer_now();
  int due = p->kicked || (p->deadline >= 0 && (gint64)now >= p->deadline);
  p->kicked = 0;
  peer_enter(p);
  if (due) {
    p->deadline = -1; /* peer_run sets the next one */
    peer_trim_idle(p, now);
    peer_run(p);
  } else {
    csctp_peer_send_batch(p); /* what a burst of input left */
  }
  peer_leave(p);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs peer_timer_funcs = {
    peer_timer_prepare, peer_timer_check, peer_timer_dispatch, NULL, NULL, NULL};

/*
 * Every datagram that was waiting has been read (this source's priority is below
 * the sockets'): a SACK the delayed-SACK rule holds back goes now
 * (csctp_assoc_input_drained), so a sender waiting for the acknowledgement of
 * its last packet does not wait sack_timeout (GStreamer's sctpenc then sleeps
 * 100 ms each time).
 */
static gboolean peer_drained_prepare(GSource *src, gint *timeout) {
  *timeout = -1;
  return ((peer_source *)src)->peer->drain_due ? (*timeout = 0, TRUE) : FALSE;
}

static gboolean peer_drained_check(GSource *src) { return ((peer_source *)src)->peer->drain_due; }

static gboolean peer_drained_dispatch(GSource *src, GSourceFunc cb, gpointer data) {
  (void)cb;
  (void)data;
  csctp_peer *p = ((peer_source *)src)->peer;
  p->drain_due = 0;
  if (p->dead || !p->sctp_up) return G_SOURCE_CONTINUE;
  csctp_assoc_input_drained(p->assoc);
  peer_enter(p);
  peer_run(p);
  peer_leave(p);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs peer_drained_funcs = {
    peer_drained_prepare, peer_drained_check, peer_drained_dispatch, NULL, NULL, NULL};

/* ---------------------------------------------------------------- ICE */

static void peer_on_datagram(csctp_peer *p, const uint8_t *data, size_t len) {
  if (csctp_packet_classify(data, len) != CSCTP_PACKET_DTLS) return; /* RFC 7983: not ours */
  if (!p->ds) {
    if (p->early->len < PEER_EARLY_MAX) g_ptr_array_add(p->early, g_bytes_new(data, len));
    return;
  }
  csctp_tstamp now = peer_now();
  p->active_at = now;
  p->trim_due = 1;
  int rv = csctp_dtls_sctp_read_datagram(p->ds, data, len, now);
  if (csctp_err_is_fatal(rv)) {
    peer_set_state(p, CSCTP_PEER_STATE_FAILED, rv);
    return;
  }
  p->dtls_started = 1;
  p->in_rx = 1;
  peer_run(p);
  p->in_rx = 0;
  p->drain_due = 1;
}

static void peer_start_handshake(csctp_peer *p) {
  if (!p->ds || !p->ice_connected || p->dtls_started) return;
  p->dtls_started = 1;
  int rv = csctp_dtls_sctp_start(p->ds, peer_now());
  if (csctp_err_is_fatal(rv)) peer_set_state(p, CSCTP_PEER_STATE_FAILED, rv);
}

void csctp_peer_on_ice(csctp_ice_agent *agent, const csctp_ice_event *ev, void *user_data) {
  (void)agent;
  csctp_peer *p = user_data;
  if (p->dead) return;
  peer_enter(p);
  csctp_peer_event pev = {.type = CSCTP_PEER_EVENT_CANDIDATE};
  switch (ev->type) {
  case CSCTP_ICE_EVENT_CANDIDATE:
    g_ptr_array_add(p->local_candidates, g_strdup(ev->u.candidate.candidate));
    pev.u.candidate = ev->u.candidate.candidate;
    peer_emit(p, &pev);
    break;
  case CSCTP_ICE_EVENT_GATHERING_DONE:
    p->gathering_done = 1;
    pev.u.candidate = "";
    peer_emit(p, &pev);
    break;
  case CSCTP_ICE_EVENT_STATE:
    csctp_peer_log(p, CSCTP_LOG_INFO, "peer: ICE %s", csctp_ice_state_name(ev->u.state));
    if (ev->u.state == CSCTP_ICE_STATE_CHECKING) {
      peer_set_state(p, CSCTP_PEER_STATE_CONNECTING, 0);
    } else if (ev->u.state == CSCTP_ICE_STATE_CONNECTED) {
      p->ice_connected = 1;
      peer_set_state(p, CSCTP_PEER_STATE_CONNECTING, 0);
      peer_start_handshake(p);
      peer_run(p);
    } else if (ev->u.state == CSCTP_ICE_STATE_FAILED) {
      p->ice_connected = 0;
      peer_set_state(p, CSCTP_PEER_STATE_FAILED, CSCTP_ERR_ICE_FAILED);
    }
    break;
  case CSCTP_ICE_EVENT_SELECTED_PAIR:
    csctp_peer_log(p, CSCTP_LOG_INFO, "peer: ICE pair %s <-> %s", ev->u.pair.local,
                   ev->u.pair.remote);
    break;
  case CSCTP_ICE_EVENT_DATAGRAM:
    peer_on_datagram(p, ev->u.datagram.data, ev->u.datagram.len);
    break;
  }
  peer_leave(p);
}

static gboolean peer_gather_idle(gpointer data) {
  csctp_peer *p = data;
  g_source_unref(p->gather_idle); /* the context keeps its own reference while dispatching */
  p->gather_idle = NULL;
  peer_enter(p);
  int rv = csctp_ice_agent_gather(p->ice);
  /* INVALID_STATE: libnice could not gather (e.g. no usable local address); the
   * other errors say why (no free port, no descriptor) and stay as they are. */
  if (rv)
    peer_set_state(p, CSCTP_PEER_STATE_FAILED,
                   rv == CSCTP_ERR_INVALID_STATE ? CSCTP_ERR_ICE_FAILED : rv);
  peer_leave(p);
  return G_SOURCE_REMOVE;
}

/* ---------------------------------------------------------------- DTLS and SCTP set-up */

int csctp_peer_remake_assoc(csctp_peer *p, uint16_t remote_port) {
  if (p->ds) return CSCTP_ERR_INVALID_STATE; /* the association is the composition's now */
  csctp_config sc = p->scfg;
  sc.remote_port = remote_port;
  csctp_assoc *a = NULL;
  csctp_dc *dc = NULL;
  csctp_dc_config dcfg;
  csctp_dc_config_default(&dcfg);
  dcfg.mem = p->mem; /* the caller's allocator, as for every other object of the peer */
  dcfg.log = p->cfg.log;
  dcfg.log_user_data = p->cfg.log_user_data;
  dcfg.log_mask = p->cfg.log_mask;
  memcpy(dcfg.log_levels, p->cfg.log_levels, sizeof dcfg.log_levels);
  int rv = csctp_assoc_new(&a, &sc);
  if (!rv) rv = csctp_dc_new(&dc, a, &dcfg);
  if (rv) {
    csctp_assoc_del(a);
    return rv;
  }
  csctp_dc_del(p->dc);
  csctp_assoc_del(p->assoc);
  p->dc = dc;
  p->assoc = a;
  p->scfg = sc;
  return 0;
}

void csctp_peer_capture_start(csctp_peer *p) {
  const char *prefix = getenv("CSCTP_CAPTURE");
  if (!prefix || !*prefix || p->capture) return;
  int rv = csctp_capture_open_prefix(&p->capture, prefix, p->mem);
  if (rv) {
    csctp_peer_log(p, CSCTP_LOG_WARN, "peer: capture %s: %s", prefix, csctp_strerror(rv));
    return;
  }
  /* Wall-clock times in the file: the peer's clock is GLib's monotonic one. */
  csctp_capture_set_clock_offset(p->capture, g_get_real_time() - g_get_monotonic_time());
  csctp_dtls_sctp_set_capture(p->ds, p->capture);
  csctp_peer_log(p, CSCTP_LOG_INFO, "peer: capturing SCTP to %s", csctp_capture_path(p->capture));
}

int csctp_peer_start_dtls(csctp_peer *p, const csctp_dtls_fingerprint *fps, size_t n) {
  csctp_dtls_config dc;
  csctp_dtls_config_default(&dc);
  dc.role = p->role;
  dc.cert = p->cert;
  dc.remote_fingerprints = fps;
  dc.remote_fingerprint_count = n;
  dc.mtu = p->dgram_max;
  /* use_srtp as browsers negotiate it, although no SRTP flows: GStreamer's webrtcbin
   * fails the handshake without it. */
  dc.srtp = p->cfg.dtls_srtp ? 1 : 0;
  dc.srtp_profiles = CSCTP_PEER_SRTP_PROFILES;
  dc.cipher_list = p->cipher_list;
  dc.mem = p->mem;
  dc.log = p->cfg.log;
  dc.log_user_data = p->cfg.log_user_data;
  dc.log_mask = p->cfg.log_mask;
  memcpy(dc.log_levels, p->cfg.log_levels, sizeof dc.log_levels);
  const char *keylog = getenv("SSLKEYLOGFILE");
  if (keylog && *keylog) {
    dc.keylog = csctp_dtls_keylog_file;
    dc.keylog_user_data = (void *)keylog;
  }
  /* Both sides send INIT when the handshake completes, as browsers do (passive 0). */
  int rv = csctp_dtls_sctp_new_with_assoc(&p->ds, &dc, p->assoc, 0);
  if (rv) return rv;
  p->dtls = csctp_dtls_sctp_dtls(p->ds);
  /* PLPMTUD: the handshake keeps to the base size; only SCTP probes go beyond it. */
  if (p->dgram_max > PEER_DTLS_MTU) (void)csctp_dtls_set_handshake_mtu(p->dtls, PEER_DTLS_MTU);
  csctp_peer_capture_start(p);
  csctp_tstamp now = peer_now();
  if (p->closing) csctp_dtls_sctp_close(p->ds, now); /* closed before: no INIT */
  csctp_dc_set_role(p->dc,
                    p->role == CSCTP_DTLS_CLIENT ? CSCTP_DC_ROLE_CLIENT : CSCTP_DC_ROLE_SERVER);
  for (guint i = 0; i < p->early->len; i++) {
    gsize len = 0;
    const uint8_t *d = g_bytes_get_data(p->early->pdata[i], &len);
    csctp_dtls_sctp_read_datagram(p->ds, d, len, now);
    p->dtls_started = 1;
  }
  g_ptr_array_set_size(p->early, 0);
  peer_start_handshake(p);
  csctp_peer_kick(p);
  return 0;
}

/* ---------------------------------------------------------------- life cycle */

void csctp_peer_attach_sources(csctp_peer *p) {
  /* On the agent's private context: served at the agent's cost (ice.h), not at every
   * iteration of p->ctx, which may carry thousands of peers. */
  GMainContext *own = csctp_ice_agent_context(p->ice);
  p->timer = g_source_new(&peer_timer_funcs, sizeof(peer_source));
  ((peer_source *)p->timer)->peer = p;
  g_source_attach(p->timer, own);
  p->drained = g_source_new(&peer_drained_funcs, sizeof(peer_source));
  ((peer_source *)p->drained)->peer = p;
  g_source_set_priority(p->drained, G_PRIORITY_DEFAULT_IDLE);
  g_source_attach(p->drained, own);
}

int csctp_peer_new_versioned(csctp_peer **out, GMainContext *ctx, int config_version,
                             const csctp_peer_config *ucfg) {
  csctp_peer_config buf;
  const csctp_peer_config *cfg = csctp_peer_config_in(config_version, ucfg, &buf);
  if (!out || !cfg || !cfg->on_event) return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_peer *p = NULL;
  int rv = csctp_peer_alloc(&p, ctx, cfg, 1);
  if (rv) return rv;
  rv = csctp_peer_remake_assoc(p, CSCTP_SDP_DEFAULT_SCTP_PORT);
  if (!rv) {
    csctp_ice_config ic;
    csctp_peer_ice_config(p, cfg, &ic);
    csctp_ice_server *servers = NULL;
    size_t n_servers = 0;
    rv = csctp_peer_ice_servers(p, cfg, &servers, &n_servers);
    if (!rv && servers) {
      ic.servers = servers;
      ic.n_servers = n_servers;
    }
    if (!rv) rv = csctp_ice_agent_new(&p->ice, p->ctx, &ic);
    /* PLPMTUD: probes must find the path's limit, not be fragmented on the way. */
    if (!rv && cfg->plpmtud_max) rv = csctp_ice_agent_set_no_fragment(p->ice, 1);
    if (servers) p->mem->free(servers, p->mem->user_data);
    if (rv == CSCTP_ERR_INVALID_STATE) rv = CSCTP_ERR_ICE_FAILED; /* libnice refused the stream */
  }
  if (rv) {
    csctp_peer_free(p);
    return rv;
  }
  csctp_peer_attach_sources(p);
  /* Gathering from the context, so that no event comes before *out is set. */
  p->gather_idle = g_idle_source_new();
  g_source_set_priority(p->gather_idle, G_PRIORITY_HIGH);
  g_source_set_callback(p->gather_idle, peer_gather_idle, p, NULL);
  g_source_attach(p->gather_idle, csctp_ice_agent_context(p->ice));
  *out = p;
  return 0;
}

void csctp_peer_free(csctp_peer *p) {
  if (p->timer) {
    g_source_destroy(p->timer);
    g_source_unref(p->timer);
  }
  if (p->drained) {
    g_source_destroy(p->drained);
    g_source_unref(p->drained);
  }
  if (p->gather_idle) {
    g_source_destroy(p->gather_idle);
    g_source_unref(p->gather_idle);
  }
  csctp_ice_agent_del(p->ice);
  csctp_dc_del(p->dc);
  if (p->ds) {
    csctp_dtls_sctp_del(p->ds); /* and the association it took over */
  } else {
    csctp_assoc_del(p->assoc);
  }
  csctp_capture_close(p->capture);
  csctp_dtls_cert_del(p->own_cert);
  if (p->local_candidates) g_ptr_array_unref(p->local_candidates);
  if (p->early) g_ptr_array_unref(p->early);
  if (p->rx_copy) p->mem->free(p->rx_copy, p->mem->user_data);
  if (p->batch) p->mem->free(p->batch, p->mem->user_data);
  if (p->cipher_list) p->mem->free(p->cipher_list, p->mem->user_data);
  if (p->remote) p->mem->free(p->remote, p->mem->user_data);
  g_main_context_unref(p->ctx);
  p->mem->free(p, p->mem->user_data);
}

void csctp_peer_detach_sources(csctp_peer *p) {
  if (p->timer) {
    g_source_destroy(p->timer);
    g_source_unref(p->timer);
    p->timer = NULL;
  }
  if (p->drained) {
    g_source_destroy(p->drained);
    g_source_unref(p->drained);
    p->drained = NULL;
  }
  if (p->gather_idle) {
    g_source_destroy(p->gather_idle);
    g_source_unref(p->gather_idle);
    p->gather_idle = NULL;
  }
}

void csctp_peer_del(csctp_peer *p) {
  if (!p || p->dead) return;
  p->dead = 1;
  if (p->sctp_up && !p->handed_over) peer_log_zero_checksum(p);
  /* Stop every source now; the memory goes once no callback of ours is running. */
  csctp_peer_detach_sources(p);
  csctp_peer_send_batch(p); /* what a callback left for the next iteration goes before ICE does */
  csctp_ice_agent_del(p->ice);
  p->ice = NULL;
  if (p->depth == 0) csctp_peer_free(p);
}

csctp_peer_state csctp_peer_get_state(const csctp_peer *p) { return p->state; }

int csctp_peer_gathering_done(const csctp_peer *p) { return p->gathering_done; }

int csctp_peer_close(csctp_peer *p) {
  if (!p || p->dead) return CSCTP_ERR_INVALID_ARGUMENT;
  if (p->handed_over) return CSCTP_ERR_INVALID_STATE;
  if (p->state == CSCTP_PEER_STATE_CLOSED || p->state == CSCTP_PEER_STATE_FAILED) {
    return CSCTP_ERR_INVALID_STATE;
  }
  p->closing = 1;
  csctp_tstamp now = peer_now();
  if (p->sctp_up && csctp_assoc_shutdown(p->assoc, now) == 0) {
    csctp_peer_flush(p, now);
    csctp_peer_kick(p);
    return 0;
  }
  if (p->ds && csctp_dtls_sctp_close(p->ds, now) == 0) csctp_peer_flush(p, now);
  peer_enter(p);
  peer_set_state(p, CSCTP_PEER_STATE_CLOSED, 0);
  peer_leave(p);
  return 0;
}
