/* SPDX-License-Identifier: MIT */
/*
 * RFC 5061 dynamic address reconfiguration with RFC 5062's protections, in the association
 * (src/assoc_asconf.c): the negotiation, and the receiver of the peer's ASCONF (serial numbers,
 * Add IP, Delete IP, Set Primary, the cached ASCONF-ACK). Its state hangs off the multi-homed
 * part (csctp_assoc_mp.asc), allocated only with csctp_config.asconf: a single-path association
 * carries nothing of it.
 */
#ifndef CSCTP_ASSOC_ASCONF_H
#define CSCTP_ASSOC_ASCONF_H

#include <stdint.h>

#include <csctp/sctp.h>

#include "chunk.h"

struct csctp_assoc;

/* The cached ASCONF-ACK's room: every response of a chunk of CSCTP_ASCONF_MAX_PARAMS requests
 * fits without its cause body (20 bytes each), and an ASCONF-ACK with AUTH fits the smallest
 * MTU (576). Bodies that do not fit are left out. */
#define CSCTP_ASCONF_ACK_MAX 512

typedef struct csctp_asconf_counters {
  uint64_t in, dup_in, drop_unauth, drop_serial, added, deleted, primary_set, refused;
  uint64_t out, rtx, acks_in, failed;
} csctp_asconf_counters;

/* Room for our outstanding ASCONF: the header, the lookup address and CSCTP_ASCONF_QUEUE_MAX
 * requests of an IPv6 address (28 bytes each). */
#define CSCTP_ASCONF_OUT_MAX (8 + 20 + 28 * CSCTP_ASCONF_QUEUE_MAX)

/* One of our requests (assoc_asconf_tx.c). */
typedef struct csctp_asconf_req {
  uint16_t type; /* CSCTP_ASCONF_ADD_IP, _DEL_IP, _SET_PRIMARY */
  csctp_addr addr;
} csctp_asconf_req;

/* csctp_assoc_mp.src while a packet from an address that is no path is read (see
 * csctp_assoc_asconf_stranger_ok): its source is csctp_asconf.stranger. */
#define CSCTP_ASCONF_STRANGER 0xff

typedef struct csctp_asconf {
  uint8_t peer_on;      /* the peer listed ASCONF and ASCONF-ACK in Supported Extensions */
  uint8_t serial_set;   /* peer_serial initialised (from the peer's Initial TSN) */
  uint8_t gen;          /* bumped on every address added or deleted: the endpoint re-indexes */
  uint16_t ack_len;     /* the cached ASCONF-ACK for peer_serial, 0 when none */
  uint32_t peer_serial; /* §5.2: the last serial number taken */
  uint32_t ack_pkt;     /* the packet (csctp_assoc.rx_accepted) the cached ACK was queued for */
  uint8_t ack[CSCTP_ASCONF_ACK_MAX];
  csctp_addr stranger; /* the source of the packet read with src CSCTP_ASCONF_STRANGER */
  csctp_asconf_counters st;
  /* Our side (§5.1): one ASCONF outstanding at a time, carrying q[0 .. n_sent - 1]. */
  uint8_t out_init;    /* out_serial set (our Initial TSN) */
  uint8_t n_q, n_sent; /* requests queued; of them in the outstanding ASCONF (0: none) */
  uint16_t out_len;    /* the outstanding ASCONF's bytes */
  uint32_t out_serial; /* its serial number (the next one when none is outstanding) */
  csctp_tstamp timer;  /* its retransmission deadline, CSCTP_TSTAMP_NONE */
  csctp_asconf_req q[CSCTP_ASCONF_QUEUE_MAX];
  uint8_t out[CSCTP_ASCONF_OUT_MAX];
} csctp_asconf;

/* Allocates a->mp->asc when cfg.asconf (validated: auth on, max_paths > 1): 0 or
 * CSCTP_ERR_NOMEM. */
int csctp_assoc_asconf_init(struct csctp_assoc *a);
void csctp_assoc_asconf_free(struct csctp_assoc *a);
/* 1 when the peer's ASCONF is taken: configured, listed by the peer, AUTH negotiated. */
int csctp_assoc_asconf_on(const struct csctp_assoc *a);
/* 1 when an INIT / INIT ACK lists both ASCONF and ASCONF-ACK (RFC 5061 §4.2.7). */
int csctp_asconf_listed(const csctp_init_chunk *in);
/* Records what the peer's INIT / INIT ACK (or the cookie) said (`listed`). */
void csctp_assoc_asconf_set_peer(struct csctp_assoc *a, int listed);
/* The generation of the peer's address list (0 without ASCONF), for the endpoint's index. */
unsigned csctp_assoc_asconf_gen(const struct csctp_assoc *a);
/* Counts an ASCONF dropped because no valid AUTH went before it (RFC 4895 §6.3). */
void csctp_assoc_asconf_drop_unauth(struct csctp_assoc *a);
/*
 * The peer's ASCONF (authenticated: the input walk checked the AUTH before it): serial number
 * rules (§5.2), each request answered in one ASCONF-ACK queued as a control chunk and cached
 * for a retransmission. 0, or 1 when the chunk was not taken (ASCONF off: the caller treats it
 * as an unrecognized chunk).
 */
int csctp_assoc_on_asconf(struct csctp_assoc *a, const csctp_chunk *ch, csctp_tstamp now);
/* An ASCONF-ACK (assoc_asconf_tx.c): 1 when not negotiated (unrecognized), else 0. One for our
 * outstanding ASCONF settles its requests (RFC 5061 §5.3) and sends the next; any other is
 * dropped (drop_unexpected). */
int csctp_assoc_on_asconf_ack(struct csctp_assoc *a, const csctp_chunk *ch, csctp_tstamp now);
/* Our ASCONF's retransmission deadline (CSCTP_TSTAMP_NONE without one). */
static inline csctp_tstamp csctp_asconf_deadline(const csctp_asconf *s) {
  return s ? s->timer : CSCTP_TSTAMP_NONE;
}
/* Runs the retransmission timer when due: 1 when the association failed (§5.1: each expiry
 * counts as a T3-rtx would), else 0. */
int csctp_assoc_asconf_timer(struct csctp_assoc *a, csctp_tstamp now);
/* 1 when a packet from an address that is no path may be read all the same: ASCONF is on, the
 * association ESTABLISHED, and the packet holds an AUTH followed by ASCONF chunks and nothing
 * else (RFC 5061 §4.1.1: a new address announcing itself; the AUTH is checked as always, and
 * the address becomes a path only through an Add IP). */
int csctp_assoc_asconf_stranger_ok(const struct csctp_assoc *a, const uint8_t *pkt, size_t len);
/* Fills the Version 5 counters of `st`. */
void csctp_assoc_asconf_stats(const struct csctp_assoc *a, csctp_stats *st);

#endif
