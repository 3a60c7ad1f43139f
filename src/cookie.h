/*
 * The state cookie (RFC 9260 §5.1.3): everything needed to build the
 * association, signed with HMAC-SHA-256 under the endpoint's secret, so that
 * no state is kept before a valid COOKIE ECHO.
 */
#ifndef CSCTP_COOKIE_H
#define CSCTP_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#include <csctp/common.h>

#include "hmac.h"

typedef struct csctp_cookie {
  csctp_tstamp created; /* our clock when the INIT ACK was made */
  uint32_t lifetime_ms; /* valid_cookie_life (+ a granted preservative) */
  uint16_t local_port, remote_port;
  uint32_t local_tag;     /* our Initiate Tag in the INIT ACK */
  uint32_t peer_tag;      /* the peer's Initiate Tag from the INIT */
  uint32_t local_tie_tag; /* tie-tags (§5.2.2): tags of the existing association, or 0 */
  uint32_t peer_tie_tag;
  uint32_t local_initial_tsn;
  uint32_t peer_initial_tsn;
  uint32_t peer_a_rwnd;
  uint16_t num_outbound;      /* negotiated: streams we send on */
  uint16_t num_inbound;       /* negotiated: streams the peer sends on */
  uint8_t peer_forward_tsn;   /* peer announced Forward-TSN support */
  uint8_t peer_reconfig;      /* peer announced RE-CONFIG (RFC 6525) in Supported Extensions */
  uint8_t peer_zero_checksum; /* peer announced our EDMID in Zero Checksum Acceptable (RFC 9653) */
} csctp_cookie;

#define CSCTP_COOKIE_BODY_LEN 56
#define CSCTP_COOKIE_LEN (CSCTP_COOKIE_BODY_LEN + CSCTP_HMAC_LEN)

/* Serialises and signs *c into out[CSCTP_COOKIE_LEN]. Returns 0 or CSCTP_ERR_CRYPTO. */
int csctp_cookie_write(const csctp_cookie *c, const uint8_t *secret, size_t secret_len,
                       uint8_t out[CSCTP_COOKIE_LEN]);

enum {
  CSCTP_COOKIE_OK = 0,
  CSCTP_COOKIE_BAD = 1,   /* wrong length or signature: discard silently (§5.1.5) */
  CSCTP_COOKIE_STALE = 2, /* signature good, lifetime over: Stale Cookie error */
};

/*
 * Verifies and parses a received cookie. On STALE, *staleness_us tells by how
 * much it expired. Returns CSCTP_COOKIE_OK/BAD/STALE, or CSCTP_ERR_CRYPTO.
 */
int csctp_cookie_read(const uint8_t *p, size_t len, const uint8_t *secret, size_t secret_len,
                      csctp_tstamp now, csctp_cookie *c, uint64_t *staleness_us);

#endif
