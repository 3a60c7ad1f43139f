/* SPDX-License-Identifier: MIT */
/*
 * STUN and TURN server URIs (RFC 7064, RFC 7065), as RTCIceServer.urls gives them:
 *   stunURI = ("stun" / "stuns") ":" host [ ":" port ]
 *   turnURI = ("turn" / "turns") ":" host [ ":" port ] [ "?transport=" ("udp" / "tcp") ]
 * host is an IPv4 address, "[" IPv6 "]" or a DNS name (RFC 3986 §3.2.2, without
 * percent-encoding, which no resolver takes). Plain C: no GLib, no allocation.
 */
#include <arpa/inet.h>
#include <csctp/ice.h>
#include <string.h>

#include "ice_url.h"

static int url_lower(int c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

/* Whether s[0..n) equals the lower-case `lit`, ignoring case (RFC 3986 §3.1, §6.2.2.1). */
static int url_is(const char *s, size_t n, const char *lit) {
  if (strlen(lit) != n) return 0;
  for (size_t i = 0; i < n; i++) {
    if (url_lower((unsigned char)s[i]) != lit[i]) return 0;
  }
  return 1;
}

int ice_url_valid_name(const char *s, size_t n) {
  if (n == 0 || n > CSCTP_ICE_HOST_MAX) return 0;
  if (s[0] == '.' || s[0] == '-') return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '-' || c == '.' || c == '_';
    if (!ok) return 0;
    if (c == '.' && i + 1 < n && s[i + 1] == '.') return 0; /* an empty label */
  }
  return 1;
}

/* Parses "[v6]" or a name / IPv4 at s[0..), up to the first ':' or '?' after it; the host
 * goes, without brackets, NUL-terminated, into buf. Returns the characters read, or an
 * error. */
static int url_host(const char *s, char *buf, size_t cap) {
  const char *start = s, *end;
  size_t n;
  if (*s == '[') {
    end = strchr(s + 1, ']');
    if (!end) return CSCTP_ERR_MALFORMED; /* unterminated */
    start = s + 1;
    n = (size_t)(end - start);
    if (n == 0 || n >= INET6_ADDRSTRLEN) return CSCTP_ERR_MALFORMED;
    char tmp[INET6_ADDRSTRLEN];
    memcpy(tmp, start, n);
    tmp[n] = '\0';
    struct in6_addr a6;
    if (inet_pton(AF_INET6, tmp, &a6) != 1) return CSCTP_ERR_MALFORMED;
    end++; /* past ']' */
  } else {
    end = s + strcspn(s, ":?");
    n = (size_t)(end - s);
    if (!ice_url_valid_name(s, n)) return CSCTP_ERR_MALFORMED;
  }
  if (n + 1 > cap) return CSCTP_ERR_NOBUF;
  memcpy(buf, start, n);
  buf[n] = '\0';
  return (int)(end - s);
}

/* ":" port, 1..65535 in decimal digits (at most five). Returns the characters read. */
static int url_port(const char *s, uint16_t *port) {
  unsigned v = 0;
  int i = 0;
  while (s[i] >= '0' && s[i] <= '9') {
    if (i == 5) return CSCTP_ERR_MALFORMED;
    v = v * 10 + (unsigned)(s[i] - '0');
    i++;
  }
  if (i == 0 || v == 0 || v > 65535) return CSCTP_ERR_MALFORMED;
  *port = (uint16_t)v;
  return i;
}

int csctp_ice_server_parse(csctp_ice_server *out, const char *url, const char *username,
                           const char *credential, char *buf, size_t cap) {
  if (!out || !url || !buf || cap == 0) return CSCTP_ERR_INVALID_ARGUMENT;
  const char *colon = strchr(url, ':');
  if (!colon) return CSCTP_ERR_MALFORMED; /* no scheme */
  size_t slen = (size_t)(colon - url);
  int stun = url_is(url, slen, "stun"), stuns = url_is(url, slen, "stuns");
  int turn = url_is(url, slen, "turn"), turns = url_is(url, slen, "turns");
  if (!stun && !stuns && !turn && !turns) return CSCTP_ERR_MALFORMED;
  const char *p = colon + 1;
  int n = url_host(p, buf, cap);
  if (n < 0) return n;
  p += n;
  uint16_t port = stuns || turns ? 5349 : 3478;
  if (*p == ':') {
    n = url_port(p + 1, &port);
    if (n < 0) return n;
    p += 1 + n;
  }
  enum { URL_ANY, URL_UDP, URL_TCP } transport = URL_ANY;
  if (*p == '?') {
    /* RFC 7064 has no query for stun:; RFC 7065 one: transport. */
    if (stun || stuns) return CSCTP_ERR_MALFORMED;
    static const char key[] = "transport=";
    if (strncmp(p + 1, key, sizeof key - 1) != 0) return CSCTP_ERR_MALFORMED;
    const char *t = p + sizeof key;
    if (url_is(t, strlen(t), "udp")) {
      transport = URL_UDP;
    } else if (url_is(t, strlen(t), "tcp")) {
      transport = URL_TCP;
    } else {
      return CSCTP_ERR_MALFORMED;
    }
    p = t + strlen(t);
  }
  if (*p != '\0') return CSCTP_ERR_MALFORMED; /* trailing junk */
  /* Well-formed; what libnice cannot do is refused as an argument. */
  if (stuns) return CSCTP_ERR_INVALID_ARGUMENT; /* STUN over TLS: libnice asks over UDP only */
  if (turns && transport == URL_UDP) return CSCTP_ERR_INVALID_ARGUMENT; /* DTLS: not in libnice */
  if ((turn || turns) && (!username || !credential)) return CSCTP_ERR_INVALID_ARGUMENT;
  memset(out, 0, sizeof *out);
  out->address = buf;
  out->port = port;
  if (stun) {
    out->type = CSCTP_ICE_SERVER_STUN;
    return 0;
  }
  out->type = turns                  ? CSCTP_ICE_SERVER_TURN_TLS
              : transport == URL_TCP ? CSCTP_ICE_SERVER_TURN_TCP
                                     : CSCTP_ICE_SERVER_TURN_UDP;
  out->username = username;
  out->password = credential;
  return 0;
}
