/* SPDX-License-Identifier: MIT */
/*
 * Remote candidate filtering (RFC 8839 §5.1):
 *   candidate:<foundation> <component-id> <transport> <priority>
 *             <connection-address> <port> typ <cand-type> [extensions]
 */
#include "ice_candidate.h"

#include <arpa/inet.h>
#include <csctp/common.h>
#include <string.h>
#include <strings.h>

#define TOKENS 8

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static int all_digits(const char *s, size_t n, size_t max) {
  if (n == 0 || n > max) return 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
  }
  return 1;
}

static int numeric_ip(const char *s, size_t n) {
  char buf[64];
  unsigned char addr[16];
  if (n == 0 || n >= sizeof buf) return 0;
  memcpy(buf, s, n);
  buf[n] = '\0';
  return inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1;
}

int ice_candidate_normalize(const char *in, char *out, size_t cap) {
  if (strncmp(in, "a=", 2) == 0) in += 2;
  if (strncasecmp(in, "candidate:", 10) != 0) return CSCTP_ERR_INVALID_ARGUMENT;
  size_t len = strlen(in);
  while (len > 0 && is_space(in[len - 1])) len--;
  if (len + 3 > cap) return CSCTP_ERR_INVALID_ARGUMENT;

  /* Split the first TOKENS fields (the foundation starts after "candidate:"). */
  const char *tok[TOKENS];
  size_t tlen[TOKENS];
  size_t n = 0, i = 10;
  while (n < TOKENS && i < len) {
    while (i < len && is_space(in[i])) i++;
    if (i >= len) break;
    tok[n] = in + i;
    while (i < len && !is_space(in[i])) i++;
    tlen[n] = (size_t)(in + i - tok[n]);
    n++;
  }
  if (n < TOKENS || tlen[6] != 3 || memcmp(tok[6], "typ", 3) != 0) {
    return CSCTP_ERR_INVALID_ARGUMENT;
  }
  if (!all_digits(tok[1], tlen[1], 3) || !all_digits(tok[3], tlen[3], 10) ||
      !all_digits(tok[5], tlen[5], 5)) {
    return CSCTP_ERR_INVALID_ARGUMENT;
  }
  if (tlen[1] != 1 || tok[1][0] != '1') return 0;                   /* RTCP: not muxed */
  if (tlen[2] != 3 || strncasecmp(tok[2], "udp", 3) != 0) return 0; /* ICE-TCP */
  if (!numeric_ip(tok[4], tlen[4])) return 0;                       /* mDNS, FQDN */
  memcpy(out, "a=", 2);
  memcpy(out + 2, in, len);
  out[len + 2] = '\0';
  return 1;
}
