/* SPDX-License-Identifier: MIT */
/*
 * Argument checks of the csctp command. Each returns NULL, or a message (g_free it) that
 * starts with `label` (the argument as given, e.g. "--port 70000") and says why it is refused.
 */
#ifndef CSCTP_CLI_ARGS_H
#define CSCTP_CLI_ARGS_H

#include <arpa/inet.h>
#include <csctp/socket.h>
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/*
 * `v`: a whole number in [lo, hi], decimal or 0x-hexadecimal. Out of range, `noun` ("a port")
 * words the refusal as "not a port (1-65535)"; NULL: "must be at least/at most".
 */
static char *cli_uint(const char *label, const char *v, uint64_t lo, uint64_t hi, const char *noun,
                      uint64_t *out) {
  char *end = NULL;
  int hex = v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
  errno = 0;
  unsigned long long n = g_ascii_isdigit(v[0]) ? strtoull(v, &end, hex ? 16 : 10) : 0;
  if (!g_ascii_isdigit(v[0]) || *end != '\0')
    return g_strdup_printf("%s: not %s (%" PRIu64 "-%" PRIu64 ")", label, noun ? noun : "a number",
                           lo, hi);
  if (errno == ERANGE || n > hi || n < lo) {
    if (noun) return g_strdup_printf("%s: not %s (%" PRIu64 "-%" PRIu64 ")", label, noun, lo, hi);
    if (n < lo) return g_strdup_printf("%s: must be at least %" PRIu64, label, lo);
    return g_strdup_printf("%s: must be at most %" PRIu64, label, hi);
  }
  *out = n;
  return NULL;
}

/*
 * `s` as "host:port", "[ipv6]:port", "[ipv6]", "host" or a bare IPv6 address (more than one
 * colon: no port). *host is set (g_free it) on success; *port only when `s` has one, which
 * must be in [port_lo, 65535].
 */
static char *cli_host_port(const char *label, const char *s, unsigned port_lo, char **host,
                           unsigned *port) {
  const char *p = NULL; /* the port's text, if any */
  char *h;
  if (s[0] == '[') {
    const char *end = strchr(s, ']');
    if (!end) return g_strdup_printf("%s: no ']' after the IPv6 address", label);
    if (end[1] == ':')
      p = end + 2;
    else if (end[1] != '\0')
      return g_strdup_printf("%s: expected [IPV6]:PORT", label);
    h = g_strndup(s + 1, (gsize)(end - s - 1));
  } else {
    const char *colon = strchr(s, ':');
    if (colon && strchr(colon + 1, ':') == NULL) {
      p = colon + 1;
      h = g_strndup(s, (gsize)(colon - s));
    } else {
      h = g_strdup(s);
    }
  }
  if (!*h) {
    g_free(h);
    return g_strdup_printf("%s: no address", label);
  }
  if (p) {
    uint64_t n;
    char *err = cli_uint(label, p, port_lo, 65535, "a port", &n);
    if (err) {
      g_free(h);
      return err;
    }
    *port = (unsigned)n;
  }
  *host = h;
  return NULL;
}

static const char *cli_family_name(int family) { return family == AF_INET6 ? "IPv6" : "IPv4"; }

/*
 * Resolves `host` (an IP literal or a name, getaddrinfo) to a numeric address in `ip`. With
 * `family` AF_UNSPEC an IPv4 address is preferred; otherwise only that family is taken (the
 * local address's, named by `local` for the refusal). *got_family is set on success.
 */
static char *cli_resolve(const char *label, const char *host, int family, const char *local,
                         char ip[INET6_ADDRSTRLEN], int *got_family) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_DGRAM;
  int rv = getaddrinfo(host, NULL, &hints, &res);
  if (rv)
    return g_strdup_printf("%s: cannot resolve '%s': %s", label, host,
                           rv == EAI_SYSTEM ? g_strerror(errno) : gai_strerror(rv));
  const struct addrinfo *pick = NULL;
  for (const struct addrinfo *r = res; r && !pick; r = r->ai_next)
    if (r->ai_family == (family == AF_UNSPEC ? AF_INET : family)) pick = r;
  for (const struct addrinfo *r = res; r && !pick && family == AF_UNSPEC; r = r->ai_next)
    if (r->ai_family == AF_INET6) pick = r;
  if (!pick) {
    struct in6_addr tmp;
    int other = family == AF_INET ? AF_INET6 : AF_INET;
    char *err =
        inet_pton(other, host, &tmp) == 1
            ? g_strdup_printf(
                  "%s: %s is an %s address, but the local address %s is %s: use "
                  "addresses of the same IP version",
                  label, host, cli_family_name(other), local, cli_family_name(family))
            : g_strdup_printf("%s: %s has no %s address, and the local address %s is %s", label,
                              host, cli_family_name(family), local, cli_family_name(family));
    freeaddrinfo(res);
    return err;
  }
  const void *a = pick->ai_family == AF_INET
                      ? (const void *)&((const struct sockaddr_in *)pick->ai_addr)->sin_addr
                      : (const void *)&((const struct sockaddr_in6 *)pick->ai_addr)->sin6_addr;
  inet_ntop(pick->ai_family, a, ip, INET6_ADDRSTRLEN);
  *got_family = pick->ai_family;
  freeaddrinfo(res);
  return NULL;
}

/*
 * `env` as CSCTP_DEFAULTS takes it ("sack_freq=1,rto_min=200,...", net.sctp names, NULL or ""
 * for none) into the non-zero fields of *d; an unknown name is only warned about on stderr.
 */
static char *cli_env_defaults(const char *env, csctp_defaults_t *d) {
  if (!env || !*env) return NULL;
  char *err = NULL;
  char **kv = g_strsplit(env, ",", -1);
  for (char **p = kv; *p && !err; p++) {
    char **nv = g_strsplit(*p, "=", 2);
    uint64_t n = 0;
    if (!**p) { /* "a,,b" or a trailing comma */
    } else if (!nv[1]) {
      err = g_strdup_printf("CSCTP_DEFAULTS %s: expected NAME=VALUE", *p);
    } else {
      char *label = g_strdup_printf("CSCTP_DEFAULTS %s", *p);
      err = cli_uint(label, nv[1], 0, UINT32_MAX, NULL, &n);
      g_free(label);
    }
    uint32_t v = (uint32_t)n;
#define F(f) else if (strcmp(nv[0], #f) == 0) d->f = v
    if (err || !**p || !nv[1]) {}
    F(rto_initial);
    F(rto_min);
    F(rto_max);
    F(sack_timeout);
    F(sack_freq);
    F(hb_interval);
    F(max_burst);
    F(association_max_retrans);
    F(max_init_retransmits);
    F(valid_cookie_life);
    F(sndbuf);
    F(rcvbuf);
#undef F
    else fprintf(stderr, "csctp: CSCTP_DEFAULTS: unknown name '%s'\n", nv[0]);
    g_strfreev(nv);
  }
  g_strfreev(kv);
  return err;
}

#endif
