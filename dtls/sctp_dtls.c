/* SPDX-License-Identifier: MIT */
/*
 * SCTP over DTLS (RFC 8261): one SCTP packet per DTLS record, no IP header,
 * the association started when the handshake completes (RFC 8261 §5 and
 * RFC 8841: WebRTC peers may both send INIT; the engine resolves the collision), or
 * established from the peer's INIT given out of band (SNAP, draft-hancke-tsvwg-snap).
 */
#include <csctp/dtls.h>

#include <string.h>

#include "dtls_priv.h"
#include "versioned.h"

#define DTLS_SCTP_MAX_DTLS_EVENTS 8

struct csctp_dtls_sctp {
  const csctp_mem *mem;
  csctp_dtls *dtls;
  csctp_assoc *assoc;
  int passive;
  int closing;  /* csctp_dtls_sctp_close: no INIT from a handshake that completes later */
  int fatal;    /* a fatal engine error, returned from then on */
  size_t mtu;   /* the association's */
  uint8_t *pkt; /* one SCTP packet on its way into a record */
  csctp_dtls_event dev[DTLS_SCTP_MAX_DTLS_EVENTS];
  size_t dev_head, dev_len;
  uint64_t packets_dropped; /* SCTP packets DTLS refused (SCTP retransmits them) */
  uint8_t *snap;            /* the peer's INIT chunk (csctp_dtls_sctp_set_snap), or NULL */
  size_t snap_len;
  int connected;          /* the handshake has completed */
  csctp_capture *capture; /* borrowed (csctp_dtls_sctp_set_capture), or NULL */
};

/* The DTLS endpoint and the packet buffer; the association is the caller's to set. */
static int dtls_sctp_make(csctp_dtls_sctp **pt, const csctp_dtls_config *dcfg, int passive) {
  const csctp_mem *mem = dcfg->mem ? dcfg->mem : csctp_mem_default();
  csctp_dtls_sctp *t = mem->calloc(1, sizeof *t, mem->user_data);
  if (!t) return CSCTP_ERR_NOMEM;
  t->mem = mem;
  t->passive = passive;
  int rv = csctp_dtls_new(&t->dtls, dcfg);
  if (!rv) {
    /* RFC 8261 §5: the SCTP packet must fit one record of one datagram. */
    t->mtu = dcfg->mtu - CSCTP_DTLS_MAX_RECORD_OVERHEAD;
    t->pkt = mem->malloc(t->mtu, mem->user_data);
    if (!t->pkt) rv = CSCTP_ERR_NOMEM;
  }
  if (rv) {
    csctp_dtls_sctp_del(t);
    return rv;
  }
  *pt = t;
  return 0;
}

int csctp_dtls_sctp_new_versioned(csctp_dtls_sctp **pt, int dtls_config_version,
                                  const csctp_dtls_config *udcfg, int config_version,
                                  const csctp_config *uscfg, int passive) {
  csctp_dtls_config dbuf;
  csctp_config sbuf;
  const csctp_dtls_config *dcfg = csctp_dtls_config_in(dtls_config_version, udcfg, &dbuf);
  const csctp_config *scfg = csctp_config_in(config_version, uscfg, &sbuf);
  if (!pt || !dcfg || !scfg) return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_dtls_sctp *t;
  int rv = dtls_sctp_make(&t, dcfg, passive);
  if (rv) return rv;
  csctp_config sc = *scfg;
  if (sc.mtu == 0 || sc.mtu > t->mtu) sc.mtu = (uint32_t)t->mtu;
  t->mtu = sc.mtu;
  rv = csctp_assoc_new(&t->assoc, &sc);
  if (rv) {
    csctp_dtls_sctp_del(t);
    return rv;
  }
  *pt = t;
  return 0;
}

int csctp_dtls_sctp_new_with_assoc_versioned(csctp_dtls_sctp **pt, int dtls_config_version,
                                             const csctp_dtls_config *udcfg, csctp_assoc *assoc,
                                             int passive) {
  csctp_dtls_config dbuf;
  const csctp_dtls_config *dcfg = csctp_dtls_config_in(dtls_config_version, udcfg, &dbuf);
  if (!pt || !dcfg || !assoc) return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_dtls_sctp *t;
  int rv = dtls_sctp_make(&t, dcfg, passive);
  if (rv) return rv;
  t->assoc = assoc;
  *pt = t;
  return 0;
}

int csctp_dtls_sctp_new_connected(csctp_dtls_sctp **pt, csctp_dtls *dtls, csctp_assoc *assoc) {
  if (!pt || !dtls || !assoc || csctp_dtls_get_state(dtls) != CSCTP_DTLS_STATE_CONNECTED)
    return CSCTP_ERR_INVALID_ARGUMENT;
  const csctp_mem *mem = dtls->mem;
  csctp_dtls_sctp *t = mem->calloc(1, sizeof *t, mem->user_data);
  if (!t) return CSCTP_ERR_NOMEM;
  t->mem = mem;
  t->mtu = csctp_dtls_data_mtu(dtls);
  t->pkt = mem->malloc(t->mtu, mem->user_data);
  if (!t->pkt) {
    mem->free(t, mem->user_data);
    return CSCTP_ERR_NOMEM;
  }
  t->dtls = dtls;
  t->assoc = assoc;
  t->connected = 1;
  *pt = t;
  return 0;
}

void csctp_dtls_sctp_del(csctp_dtls_sctp *t) {
  if (!t) return;
  csctp_assoc_del(t->assoc);
  csctp_dtls_del(t->dtls);
  if (t->pkt) t->mem->free(t->pkt, t->mem->user_data);
  if (t->snap) t->mem->free(t->snap, t->mem->user_data);
  t->mem->free(t, t->mem->user_data);
}

/* One decrypted SCTP packet into the capture file, if there is one. */
static void dtls_sctp_capture(csctp_dtls_sctp *t, int inbound, const uint8_t *pkt, size_t len,
                              csctp_tstamp now) {
  if (t->capture && csctp_capture_packet(t->capture, inbound, pkt, len, now) == 1)
    csctp_dtls_log(t->dtls, CSCTP_LOG_WARN, "capture %s: size limit reached, no more packets",
                   csctp_capture_path(t->capture));
}

/* Hands DTLS records to the association and keeps the other DTLS events for the caller. */
static void dtls_sctp_pump(csctp_dtls_sctp *t, csctp_tstamp now) {
  csctp_dtls_event ev;
  while (csctp_dtls_poll_event(t->dtls, &ev)) {
    if (ev.type == CSCTP_DTLS_EVENT_DATA) {
      dtls_sctp_capture(t, 1, ev.u.data.data, ev.u.data.len, now);
      int rv = csctp_assoc_read_packet(t->assoc, ev.u.data.data, ev.u.data.len, now);
      if (rv <= CSCTP_ERR_FATAL) t->fatal = rv;
      continue;
    }
    if (ev.type == CSCTP_DTLS_EVENT_CONNECTED) t->connected = 1;
    /* SNAP: both sides are ESTABLISHED now, before any SCTP packet (also when passive). */
    int snapped = ev.type == CSCTP_DTLS_EVENT_CONNECTED && !t->closing && t->snap &&
                  csctp_assoc_snap_establish(t->assoc, t->snap, t->snap_len, now) == 0;
    if (ev.type == CSCTP_DTLS_EVENT_CONNECTED && !t->closing && !snapped &&
        (!t->passive || csctp_dtls_get_role(t->dtls) == CSCTP_DTLS_CLIENT)) {
      /* INVALID_STATE: the peer's INIT already got the association going. */
      int rv = csctp_assoc_connect(t->assoc, now);
      if (rv <= CSCTP_ERR_FATAL) t->fatal = rv;
    }
    if (t->dev_len - t->dev_head < DTLS_SCTP_MAX_DTLS_EVENTS) {
      t->dev[t->dev_len % DTLS_SCTP_MAX_DTLS_EVENTS] = ev;
      t->dev_len++;
    }
  }
}

int csctp_dtls_sctp_set_snap(csctp_dtls_sctp *t, const uint8_t *init, size_t len) {
  if (!t || !init) return CSCTP_ERR_INVALID_ARGUMENT;
  if (t->connected) return CSCTP_ERR_INVALID_STATE;
  int rv = csctp_snap_init_check(init, len);
  if (rv) return rv;
  uint8_t *copy = t->mem->malloc(len, t->mem->user_data);
  if (!copy) return CSCTP_ERR_NOMEM;
  memcpy(copy, init, len);
  if (t->snap) t->mem->free(t->snap, t->mem->user_data);
  t->snap = copy;
  t->snap_len = len;
  return 0;
}

int csctp_dtls_sctp_start(csctp_dtls_sctp *t, csctp_tstamp now) {
  int rv = csctp_dtls_start(t->dtls, now);
  dtls_sctp_pump(t, now);
  return rv;
}

int csctp_dtls_sctp_read_datagram(csctp_dtls_sctp *t, const uint8_t *data, size_t len,
                                  csctp_tstamp now) {
  if (t->fatal) return t->fatal;
  int rv = csctp_dtls_read_datagram(t->dtls, data, len, now);
  dtls_sctp_pump(t, now);
  return rv ? rv : t->fatal;
}

csctp_ssize csctp_dtls_sctp_write_datagram(csctp_dtls_sctp *t, uint8_t *buf, size_t cap,
                                           csctp_tstamp now) {
  if (t->fatal) return t->fatal;
  for (;;) {
    csctp_ssize n = csctp_dtls_write_datagram(t->dtls, buf, cap, now);
    if (n != 0) return n;
    if (csctp_dtls_get_state(t->dtls) != CSCTP_DTLS_STATE_CONNECTED) return 0;
    csctp_ssize m = csctp_assoc_write_packet(t->assoc, t->pkt, t->mtu, now);
    if (m <= 0) return m;
    dtls_sctp_capture(t, 0, t->pkt, (size_t)m, now);
    if (csctp_dtls_send(t->dtls, t->pkt, (size_t)m, now) != 0) t->packets_dropped++;
  }
}

int csctp_dtls_sctp_poll_event(csctp_dtls_sctp *t, csctp_event *ev) {
  return csctp_assoc_poll_event(t->assoc, ev);
}

int csctp_dtls_sctp_poll_dtls_event(csctp_dtls_sctp *t, csctp_dtls_event *ev) {
  if (t->dev_head == t->dev_len) return 0;
  *ev = t->dev[t->dev_head % DTLS_SCTP_MAX_DTLS_EVENTS];
  t->dev_head++;
  return 1;
}

csctp_tstamp csctp_dtls_sctp_expiry(const csctp_dtls_sctp *t) {
  /* SCTP output waits for the handshake: until then only its timers count. */
  int up = csctp_dtls_get_state(t->dtls) == CSCTP_DTLS_STATE_CONNECTED;
  csctp_tstamp a = csctp_dtls_expiry(t->dtls);
  csctp_tstamp b = up ? csctp_assoc_expiry(t->assoc) : csctp_assoc_timer_expiry(t->assoc);
  return a < b ? a : b;
}

int csctp_dtls_sctp_handle_expiry(csctp_dtls_sctp *t, csctp_tstamp now) {
  if (t->fatal) return t->fatal;
  int rv = csctp_dtls_handle_expiry(t->dtls, now);
  dtls_sctp_pump(t, now);
  if (rv) return rv;
  if (csctp_assoc_timer_expiry(t->assoc) <= now) rv = csctp_assoc_handle_expiry(t->assoc, now);
  return rv ? rv : t->fatal;
}

int csctp_dtls_sctp_close(csctp_dtls_sctp *t, csctp_tstamp now) {
  t->closing = 1;
  if (csctp_dtls_get_state(t->dtls) != CSCTP_DTLS_STATE_CONNECTED) return CSCTP_ERR_INVALID_STATE;
  int rv = csctp_dtls_close(t->dtls, now);
  dtls_sctp_pump(t, now); /* its CLOSED event */
  return rv;
}

uint64_t csctp_dtls_sctp_get_packets_dropped(const csctp_dtls_sctp *t) {
  return t->packets_dropped;
}

csctp_assoc *csctp_dtls_sctp_assoc(csctp_dtls_sctp *t) { return t->assoc; }

csctp_dtls *csctp_dtls_sctp_dtls(csctp_dtls_sctp *t) { return t->dtls; }

void csctp_dtls_sctp_set_capture(csctp_dtls_sctp *t, csctp_capture *cap) {
  if (t) t->capture = cap;
}
