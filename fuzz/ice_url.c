/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: STUN / TURN server URLs (csctp_ice_server_parse(), ice/ice_url.c).
 *
 * The input, cut at its first NUL, is a URL in a heap buffer of exactly its length
 * (AddressSanitizer sees any read past the terminator). A URL that parses must give
 * a host that fits the buffer, is NUL-terminated and non-empty, a port other than 0,
 * a known type; parsing it into a buffer one byte short must say CSCTP_ERR_NOBUF, and
 * the result must not depend on the credentials beyond TURN's need for them.
 *
 * Seeds (fuzz/corpus/ice_url/): every URL form, and a few refused ones.
 */
#include <csctp/ice.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)       \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t n = 0;
  while (n < size && data[n]) n++;
  char *url = malloc(n + 1);
  if (!url) return 0;
  memcpy(url, data, n);
  url[n] = '\0';
  char buf[CSCTP_ICE_HOST_MAX + 1];
  csctp_ice_server s;
  int rv = csctp_ice_server_parse(&s, url, "user", "secret", buf, sizeof buf);
  CHECK(rv == 0 || rv == CSCTP_ERR_MALFORMED || rv == CSCTP_ERR_INVALID_ARGUMENT);
  if (rv == 0) {
    size_t hl = strnlen(buf, sizeof buf);
    CHECK(s.address == buf && hl > 0 && hl < sizeof buf);
    CHECK(s.port != 0);
    CHECK(s.type <= CSCTP_ICE_SERVER_TURN_TLS);
    CHECK((s.type == CSCTP_ICE_SERVER_STUN) == (s.username == NULL));
    /* The same host in a buffer exactly too small. */
    char *tight = malloc(hl);
    if (tight) {
      csctp_ice_server t;
      CHECK(csctp_ice_server_parse(&t, url, "user", "secret", tight, hl) == CSCTP_ERR_NOBUF);
      free(tight);
    }
    /* Without credentials: STUN still parses, TURN is refused. */
    csctp_ice_server u;
    int rv2 = csctp_ice_server_parse(&u, url, NULL, NULL, buf, sizeof buf);
    CHECK(s.type == CSCTP_ICE_SERVER_STUN ? rv2 == 0 : rv2 == CSCTP_ERR_INVALID_ARGUMENT);
  }
  free(url);
  return 0;
}
