/* SPDX-License-Identifier: MIT */
/*
 * An agent resumed from a handover (csctp_ice_agent_handover_import): no libnice,
 * only the selected pair's UDP socket, the two sides' credentials and the remote
 * address. It behaves as a CONNECTED agent: it delivers the remote's datagrams,
 * sends to it, answers its connectivity and consent checks (RFC 8445 §7.3, with
 * stun.c) and, with consent freshness on, checks consent itself (RFC 7675).
 */
#ifndef CSCTP_ICE_RESUME_H
#define CSCTP_ICE_RESUME_H

#include <netinet/in.h>
#include <stdint.h>

#include "ice_agent.h"

/* RFC 7675 §5.1: a consent check every 5 s (randomised to 0.8-1.2 of it), consent
 * lost 30 s after the last valid response. */
#define ICE_CONSENT_INTERVAL_MS 5000
#define ICE_CONSENT_TIMEOUT_MS 30000
/* Datagrams read per dispatch of the socket's source, so one socket cannot starve
 * the context. */
#define ICE_RESUME_READS 64
/* Consent transactions remembered: a late response to one of them still counts. */
#define ICE_RESUME_PENDING 8

/** What a handover carries (the blob's content, ice_handover.c). */
typedef struct ice_ho_state {
  int controlling;
  uint64_t tie_breaker;
  char lufrag[ICE_CRED_MAX + 1], lpwd[ICE_CRED_MAX + 1];
  char rufrag[ICE_CRED_MAX + 1], rpwd[ICE_CRED_MAX + 1];
  struct sockaddr_storage local, remote; /* AF_INET or AF_INET6, same family */
} ice_ho_state;

/** Counters of a resumed agent (for tests and logs). */
typedef struct ice_resume_stats {
  uint64_t datagrams;     /* delivered as DATAGRAM events */
  uint64_t foreign;       /* dropped: not from the remote address, truncated, or after FAILED */
  uint64_t stun_dropped;  /* STUN that failed validation (parse, FINGERPRINT, USERNAME, MI) */
  uint64_t stun_ignored;  /* valid STUN needing no action (indications, unmatched responses) */
  uint64_t stun_answered; /* Binding requests answered */
  uint64_t consent_sent;  /* consent checks sent */
  uint64_t consent_ok;    /* valid responses to them */
} ice_resume_stats;

/**
 * Makes `a` (allocated, credentials, role and state set) a resumed agent on the
 * socket `fd` (owned from then on), reading it from a source on a->ctx, with consent
 * checks when `consent`. Returns 0, or CSCTP_ERR_NOMEM (fd not taken).
 */
int ice_resume_start(csctp_ice_agent *a, const ice_ho_state *s, int fd, int consent);

/** Removes the sources: nothing is read or sent any more. Idempotent. */
void ice_resume_stop(ice_resumed *r);

/** ice_resume_stop(), closes the socket and frees `r`. */
void ice_resume_free(ice_resumed *r);

/** Sends to the remote: `len`, or CSCTP_ERR_WOULD_BLOCK. */
csctp_ssize ice_resume_send(ice_resumed *r, const uint8_t *data, size_t len);

/** Sends `n` datagrams to the remote in one sendmmsg(): how many left (0..n). */
csctp_ssize ice_resume_send_batch(ice_resumed *r, const uint8_t *const *data, const size_t *len,
                                  size_t n);

/**
 * Handles one datagram of `n` (> 0) bytes from `from` as if read from the socket:
 * delivered when data from the remote, answered or taken as consent when STUN,
 * dropped otherwise. (The socket's source calls it; fuzz/stun.c too.)
 */
void ice_resume_input(ice_resumed *r, const uint8_t *b, size_t n,
                      const struct sockaddr_storage *from);

/** Sends a consent check to the remote now (the timer's work; fuzz/stun.c too). */
void ice_resume_send_check(ice_resumed *r);

/** The socket (still owned by `r`). */
int ice_resume_fd(const ice_resumed *r);

/** Fills the transport part of `s` (tie-breaker, remote credentials, addresses). */
void ice_resume_describe(const ice_resumed *r, ice_ho_state *s);

/** The counters of the resumed agent `a`; zeros for another agent. */
void ice_resume_get_stats(const csctp_ice_agent *a, ice_resume_stats *st);

/**
 * Tests only: consent interval and timeout in milliseconds for agents imported from
 * now on (0, 0 restores ICE_CONSENT_INTERVAL_MS / ICE_CONSENT_TIMEOUT_MS). Not
 * thread-safe; not part of the public API.
 */
void ice_resume_test_timing(uint32_t interval_ms, uint32_t timeout_ms);

#endif
