/* SPDX-License-Identifier: MIT */
/*
 * The state cookie (RFC 9260 §5.1.3): everything needed to build the
 * association, signed with HMAC-SHA-256 under the endpoint's secret, so that
 * no state is kept before a valid COOKIE ECHO.
 *
 * It reveals nothing the INIT ACK that carries it does not say already: our
 * new Initiate Tag and initial TSN (in the INIT ACK itself), the peer's own
 * values, and for an INIT to a live association (§5.2.1, §5.2.2) Tie-Tags
 * that are random nonces kept in the association, never its verification
 * tags (RFC 9260 §5.2.2 and RFC 8540 on what Tie-Tags disclose). The signature also
 * covers the peer's address (as the endpoint names it, without a UDP port),
 * so that a cookie echoed from another address does not verify.
 */
#ifndef CSCTP_COOKIE_H
#define CSCTP_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#include <csctp/sctp.h>

#include "auth.h"
#include "hmac.h"

/* One address in a cookie: its family (4 or 6), then 16 bytes of IP (IPv4 in the first 4). */
#define CSCTP_ADDR_REC 17

typedef struct csctp_cookie {
  csctp_tstamp created; /* our clock when the INIT ACK was made */
  uint32_t lifetime_ms; /* valid_cookie_life (+ a granted preservative) */
  uint16_t local_port, remote_port;
  uint32_t local_tag;     /* our Initiate Tag in the INIT ACK */
  uint32_t peer_tag;      /* the peer's Initiate Tag from the INIT */
  uint32_t local_tie_tag; /* Tie-Tags (§5.2.2): the live association's nonces, or 0 */
  uint32_t peer_tie_tag;
  uint32_t local_initial_tsn;
  uint32_t peer_initial_tsn;
  uint32_t peer_a_rwnd;
  uint16_t num_outbound;      /* negotiated: streams we send on */
  uint16_t num_inbound;       /* negotiated: streams the peer sends on */
  uint8_t peer_forward_tsn;   /* peer announced Forward-TSN support */
  uint8_t peer_reconfig;      /* peer announced RE-CONFIG (RFC 6525) in Supported Extensions */
  uint8_t peer_zero_checksum; /* peer announced our EDMID in Zero Checksum Acceptable (RFC 9653) */
  uint8_t peer_idata;         /* RFC 8260 negotiated: CSCTP_IDATA_* bits */
  uint8_t peer_ecn;           /* ECN negotiated: we and the peer listed ECN Capable */
  uint8_t peer_asconf;        /* the peer listed ASCONF and ASCONF-ACK (RFC 5061 §4.2.7) */
  /* RFC 4895: our INIT ACK carried RANDOM, CHUNKS and HMAC-ALGO (auth non-zero): our RANDOM in
   * it, and the peer's key vector from its INIT (auth_peer_len 0: the peer offered none). */
  uint8_t auth;
  uint8_t auth_random[CSCTP_AUTH_RANDOM_LEN];
  uint16_t auth_peer_len;
  uint8_t auth_peer[CSCTP_AUTH_VEC_MAX];
  /* Multi-homing (RFC 9260 §5.1.2, §5.4): the address the INIT ACK went to (record 0, the
   * path the COOKIE ECHO confirms) and the peer's addresses that passed the filter, as
   * records {family 4 or 6, 16 bytes of IP}; n_addrs 0 for a single-homed association. */
  uint8_t n_addrs;
  uint8_t addrs[CSCTP_PATHS_MAX][CSCTP_ADDR_REC];
} csctp_cookie;

/* RFC 8260 features both sides listed (csctp_cookie.peer_idata, the association's). */
#define CSCTP_IDATA_ON 1u   /* I-DATA: user messages go as I-DATA both ways */
#define CSCTP_IDATA_IFWD 2u /* and I-FORWARD-TSN (with Forward-TSN): PR-SCTP with I-DATA */

#define CSCTP_COOKIE_BODY_LEN 56
#define CSCTP_COOKIE_LEN (CSCTP_COOKIE_BODY_LEN + CSCTP_HMAC_LEN)
/* With AUTH, the body goes on with our RANDOM, a 16-bit length and the peer's key vector. */
#define CSCTP_COOKIE_AUTH_MIN (CSCTP_AUTH_RANDOM_LEN + 2)
/* With addresses (format csC3): a byte saying whether the AUTH part follows, then it, then the
 * count of address records and the records. */
#define CSCTP_COOKIE_ADDRS_MAX (2 + CSCTP_PATHS_MAX * CSCTP_ADDR_REC)
#define CSCTP_COOKIE_MAX \
  (CSCTP_COOKIE_LEN + CSCTP_COOKIE_AUTH_MIN + CSCTP_AUTH_VEC_MAX + CSCTP_COOKIE_ADDRS_MAX)

/*
 * The secrets that sign cookies: `cur` signs, `cur` and, until prev_until,
 * `prev` verify (an endpoint replaces `cur` every cookie lifetime and keeps the
 * one before for one more, endpoint.c).
 */
typedef struct csctp_cookie_keys {
  uint8_t cur[CSCTP_COOKIE_SECRET_LEN];
  uint8_t prev[CSCTP_COOKIE_SECRET_LEN];
  csctp_tstamp prev_until; /* 0: no previous secret */
} csctp_cookie_keys;

/* The peer a cookie is bound to: its address bytes (empty for a bare association). */
typedef struct csctp_cookie_peer {
  uint8_t len;
  uint8_t addr[28];
} csctp_cookie_peer;

/* Serialises *c and signs it with keys->cur for `peer` into out[CSCTP_COOKIE_MAX]. Returns
 * its length (CSCTP_COOKIE_LEN without AUTH), or CSCTP_ERR_CRYPTO. */
int csctp_cookie_write(const csctp_cookie *c, const csctp_cookie_keys *keys,
                       const csctp_cookie_peer *peer, uint8_t out[CSCTP_COOKIE_MAX]);

enum {
  CSCTP_COOKIE_OK = 0,
  CSCTP_COOKIE_BAD = 1,   /* wrong length, signature or peer, or made in the future:
                           * discard silently (§5.1.5) */
  CSCTP_COOKIE_STALE = 2, /* signature good, lifetime over: Stale Cookie error */
};

/*
 * Verifies a received cookie from `peer` with keys->cur, then keys->prev while
 * it is valid, and parses it. A creation time after `now` is BAD: we made no
 * such cookie. On STALE, *staleness_us tells by how much it expired. Returns
 * CSCTP_COOKIE_OK/BAD/STALE, or CSCTP_ERR_CRYPTO.
 */
int csctp_cookie_read(const uint8_t *p, size_t len, const csctp_cookie_keys *keys,
                      const csctp_cookie_peer *peer, csctp_tstamp now, csctp_cookie *c,
                      uint64_t *staleness_us);

#endif
