/* SPDX-License-Identifier: MIT */
/*
 * Packetization Layer Path MTU Discovery (RFC 8899) for one path, as a state machine in
 * SCTP packet bytes (common header included; the headers below SCTP are the caller's to
 * subtract from an IP-layer MTU). plpmtud.c decides which size to probe and when; the
 * association (assoc_plpmtud.c) sends the probes (a HEARTBEAT padded to the size with a PAD
 * chunk, RFC 8899 §6.2.1.2, RFC 4820), reports their acknowledgements and losses, and applies
 * the PLPMTU this machine settles on.
 *
 * The search (§5.3 leaves it to the implementation): from the confirmed size up in steps of
 * 32 bytes until a size fails, then halving the gap between the largest size that passed
 * and the smallest that failed, down to 4 bytes (SCTP packets are multiples of 4). A probe
 * that passes is followed by the next at once; a size fails after MAX_PROBES probes of it
 * went unanswered, each given PROBE_TIMER. Black holes (§4.3): SCTP acknowledges its data,
 * so no confirmation timer runs; the association reports data that stops being
 * acknowledged (csctp_pl_black_hole) and the machine falls back to BASE_PLPMTU.
 */
#ifndef CSCTP_PLPMTUD_H
#define CSCTP_PLPMTUD_H

#include <csctp/common.h>
#include <stdint.h>

/* RFC 8899 §5.1.2 MAX_PROBES, and MIN_PLPMTU in SCTP packet bytes (an IPv4 576-byte packet
 * less its largest header and a UDP header). */
#define CSCTP_PL_MAX_PROBES 3u
#define CSCTP_PL_MIN 508u
/* Steps of the search (bytes) before the first failure, and the resolution after it. */
#define CSCTP_PL_STEP 32u
#define CSCTP_PL_RESOLUTION 4u

/* RFC 8899 §5.2 states. */
typedef enum csctp_pl_state {
  CSCTP_PL_DISABLED = 0,
  CSCTP_PL_BASE,            /* confirming BASE_PLPMTU */
  CSCTP_PL_SEARCHING,       /* probing larger sizes */
  CSCTP_PL_SEARCH_COMPLETE, /* done until the raise timer */
  CSCTP_PL_ERROR,           /* BASE_PLPMTU does not pass: MIN_PLPMTU in use */
} csctp_pl_state;

typedef struct csctp_pl {
  uint8_t state;
  uint8_t probe_count;  /* probes of `probed` sent without an answer (§5.1.3 PROBE_COUNT) */
  uint8_t want_probe;   /* a probe of `probed` is due: the association writes it */
  uint32_t base, max;   /* BASE_PLPMTU and MAX_PLPMTU */
  uint32_t plpmtu;      /* the size in use */
  uint32_t probed;      /* §5.1.3 PROBED_SIZE: the size under test, 0 when none */
  uint32_t high;        /* the smallest size that failed (max + 4 when none did) */
  uint32_t probe_timer; /* ms: the wait for a probe's answer (§5.1.1 PROBE_TIMER) */
  uint32_t raise_timer; /* ms: the wait in SEARCH_COMPLETE before a new search */
  csctp_tstamp timer;   /* PROBE_TIMER or PMTU_RAISE_TIMER deadline, NONE when stopped */
  uint64_t probes_sent, probes_lost;
} csctp_pl;

/* Disabled when max is 0; else BASE_PLPMTU `base` (also the size in use until the machine
 * starts), MAX_PLPMTU `max` (>= base), the two timers in ms. */
void csctp_pl_init(csctp_pl *pl, uint32_t base, uint32_t max, uint32_t probe_timer_ms,
                   uint32_t raise_timer_ms);
/* The association is established: probing BASE_PLPMTU starts (§5.2 DISABLED -> BASE). */
void csctp_pl_start(csctp_pl *pl, csctp_tstamp now);
/* The association wrote a probe of pl->probed: counts it and arms PROBE_TIMER. */
void csctp_pl_probe_sent(csctp_pl *pl, csctp_tstamp now);
/* A probe of `size` was acknowledged. Returns 1 when the PLPMTU changed. */
int csctp_pl_probe_acked(csctp_pl *pl, uint32_t size, csctp_tstamp now);
/* The deadline passed: a probe lost (the next one due, or the size failed), or the raise
 * timer ran out. Returns 1 when the PLPMTU changed. */
int csctp_pl_on_timer(csctp_pl *pl, csctp_tstamp now);
/* Data of the PLPMTU's size is being lost (§4.3): back to BASE_PLPMTU, confirmed again (a
 * probe is due). Returns 1 when the PLPMTU changed. */
int csctp_pl_black_hole(csctp_pl *pl, csctp_tstamp now);

#endif
