/* SPDX-License-Identifier: MIT */
/* Attaches csctp associations to the simulated link (kept apart from simlink.c
 * so that the link can be linked and tested without the engine). */
#include "simlink.h"

static csctp_ssize simlink_assoc_write(void *ep, uint8_t *buf, size_t cap, csctp_tstamp now) {
  return csctp_assoc_write_packet(ep, buf, cap, now);
}

static int simlink_assoc_read(void *ep, const uint8_t *pkt, size_t len, csctp_tstamp now) {
  return csctp_assoc_read_packet(ep, pkt, len, now);
}

/* The link drains every side's output after each delivery and timer run (simlink.c), so it
 * waits for timers alone: the "due now" of csctp_assoc_expiry() would only add steps. */
static csctp_tstamp simlink_assoc_expiry(const void *ep) { return csctp_assoc_timer_expiry(ep); }

static int simlink_assoc_handle_expiry(void *ep, csctp_tstamp now) {
  return csctp_assoc_handle_expiry(ep, now);
}

static int simlink_assoc_ecn(const void *ep) { return csctp_assoc_packet_ecn(ep); }

static int simlink_assoc_read_ecn(void *ep, const uint8_t *pkt, size_t len, int ecn,
                                  csctp_tstamp now) {
  return csctp_assoc_read_packet_ecn(ep, pkt, len, ecn, now);
}

static int simlink_assoc_poll(void *ep, csctp_event *ev) { return csctp_assoc_poll_event(ep, ev); }

static const csctp_simlink_ops simlink_assoc_ops = {
    .write_packet = simlink_assoc_write,
    .read_packet = simlink_assoc_read,
    .expiry = simlink_assoc_expiry,
    .handle_expiry = simlink_assoc_handle_expiry,
    .poll_event = simlink_assoc_poll,
    .packet_ecn = simlink_assoc_ecn,
    .read_packet_ecn = simlink_assoc_read_ecn,
};

void csctp_simlink_attach_assocs(csctp_simlink *link, csctp_assoc *a, csctp_assoc *b) {
  csctp_simlink_attach(link, CSCTP_SIMLINK_A, &simlink_assoc_ops, a);
  csctp_simlink_attach(link, CSCTP_SIMLINK_B, &simlink_assoc_ops, b);
}

static csctp_ssize simlink_assoc_write_via(void *ep, uint8_t *buf, size_t cap, csctp_tstamp now,
                                           csctp_route *to) {
  return csctp_assoc_write_packet_via(ep, buf, cap, now, to);
}

static int simlink_assoc_read_via(void *ep, const csctp_route *from, const uint8_t *pkt, size_t len,
                                  csctp_tstamp now) {
  return csctp_assoc_read_packet_via(ep, from, pkt, len, now);
}

static const csctp_simlink_ops simlink_assoc_ops_mh = {
    .write_packet = simlink_assoc_write,
    .read_packet = simlink_assoc_read,
    .expiry = simlink_assoc_expiry,
    .handle_expiry = simlink_assoc_handle_expiry,
    .poll_event = simlink_assoc_poll,
    .write_packet_via = simlink_assoc_write_via,
    .read_packet_via = simlink_assoc_read_via,
};

void csctp_simlink_attach_assocs_mh(csctp_simlink *link, csctp_assoc *a, csctp_assoc *b) {
  csctp_simlink_attach(link, CSCTP_SIMLINK_A, &simlink_assoc_ops_mh, a);
  csctp_simlink_attach(link, CSCTP_SIMLINK_B, &simlink_assoc_ops_mh, b);
}
