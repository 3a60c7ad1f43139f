/* SPDX-License-Identifier: MIT */
/* Bounds-checked spans and error messages for the SDP parser. */
#include "sdp_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int is_blank(char c) { return c == ' ' || c == '\t'; }

int sdp_span_token(sdp_span *s, sdp_span *tok) {
  size_t i = 0;
  while (i < s->len && is_blank(s->p[i])) i++;
  if (i == s->len) {
    s->p += i;
    s->len = 0;
    return 0;
  }
  size_t start = i;
  while (i < s->len && !is_blank(s->p[i])) i++;
  tok->p = s->p + start;
  tok->len = i - start;
  s->p += i;
  s->len -= i;
  return 1;
}

int sdp_span_eq(sdp_span s, const char *lit) {
  size_t n = strlen(lit);
  return s.len == n && memcmp(s.p, lit, n) == 0;
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

int sdp_span_ieq(sdp_span s, const char *lit) {
  size_t n = strlen(lit);
  if (s.len != n) return 0;
  for (size_t i = 0; i < n; i++) {
    if (lower(s.p[i]) != lower(lit[i])) return 0;
  }
  return 1;
}

int sdp_span_u64(sdp_span s, uint64_t *v) {
  if (s.len == 0 || s.len > 20) return 0;
  uint64_t x = 0;
  for (size_t i = 0; i < s.len; i++) {
    if (s.p[i] < '0' || s.p[i] > '9') return 0;
    uint64_t d = (uint64_t)(s.p[i] - '0');
    if (x > (UINT64_MAX - d) / 10) return 0;
    x = x * 10 + d;
  }
  *v = x;
  return 1;
}

int sdp_span_copy(sdp_span s, char *buf, size_t cap) {
  if (s.len >= cap) return 0;
  memcpy(buf, s.p, s.len);
  buf[s.len] = '\0';
  return 1;
}

int sdp_span_is_token(sdp_span s) {
  for (size_t i = 0; i < s.len; i++) {
    unsigned char c = (unsigned char)s.p[i];
    if (c <= 0x20 || c >= 0x7f) return 0;
  }
  return 1;
}

int sdp_span_is_ice_chars(sdp_span s) {
  for (size_t i = 0; i < s.len; i++) {
    char c = s.p[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '+' || c == '/';
    if (!ok) return 0;
  }
  return 1;
}

void sdp_span_quote(sdp_span s, char *buf, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < s.len && n + 4 < cap && i < 40; i++) {
    unsigned char c = (unsigned char)s.p[i];
    buf[n++] = (c >= 0x20 && c < 0x7f && c != '"') ? (char)c : '?';
  }
  if (s.len > 40 && n + 4 < cap) {
    memcpy(buf + n, "...", 3);
    n += 3;
  }
  buf[n] = '\0';
}

int sdp_fail(csctp_sdp_error *err, size_t line, const char *fmt, ...) {
  if (err) {
    err->line = line;
    int n = line ? snprintf(err->message, sizeof err->message, "line %zu: ", line) : 0;
    if (n < 0) n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message + n, sizeof err->message - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return CSCTP_ERR_MALFORMED;
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

long sdp_base64_decode(sdp_span s, uint8_t *out, size_t cap) {
  if (s.len == 0 || s.len % 4) return -1;
  size_t n = 0;
  for (size_t i = 0; i < s.len; i += 4) {
    int v[4], pad = 0;
    for (int k = 0; k < 4; k++) {
      char c = s.p[i + k];
      if (c == '=' && i + 4 == s.len && k >= 2) {
        v[k] = 0;
        pad++;
        continue;
      }
      if (pad) return -1; /* '=' only at the end */
      v[k] = b64_value(c);
      if (v[k] < 0) return -1;
    }
    if (pad == 1 && s.p[i + 2] == '=') return -1; /* "x=y=" */
    uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    size_t take = 3 - (size_t)pad;
    if (n + take > cap) return -1;
    out[n++] = (uint8_t)(w >> 16);
    if (take > 1) out[n++] = (uint8_t)(w >> 8);
    if (take > 2) out[n++] = (uint8_t)w;
  }
  return (long)n;
}

long sdp_base64_encode(const uint8_t *in, size_t len, char *out, size_t cap) {
  size_t need = (len + 2) / 3 * 4;
  if (need + 1 > cap) return -1;
  size_t o = 0;
  for (size_t i = 0; i < len; i += 3) {
    uint32_t w = (uint32_t)in[i] << 16;
    if (i + 1 < len) w |= (uint32_t)in[i + 1] << 8;
    if (i + 2 < len) w |= in[i + 2];
    out[o++] = b64_alphabet[w >> 18 & 63];
    out[o++] = b64_alphabet[w >> 12 & 63];
    out[o++] = i + 1 < len ? b64_alphabet[w >> 6 & 63] : '=';
    out[o++] = i + 2 < len ? b64_alphabet[w & 63] : '=';
  }
  out[o] = 0;
  return (long)o;
}
