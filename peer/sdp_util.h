/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the SDP files: a bounds-checked view of bytes (every read
 * of the description goes through it) and error reporting.
 */
#ifndef CSCTP_SDP_UTIL_H
#define CSCTP_SDP_UTIL_H

#include <csctp/peer.h>
#include <stddef.h>
#include <stdint.h>

/** A view of `len` bytes; never NUL-terminated, never read past `len`. */
typedef struct sdp_span {
  const char *p;
  size_t len;
} sdp_span;

/** Splits off the next token separated by spaces (or tabs); returns 0 at the end. */
int sdp_span_token(sdp_span *s, sdp_span *tok);
/** Whether `s` equals the C string `lit` (exactly, or ignoring ASCII case). */
int sdp_span_eq(sdp_span s, const char *lit);
int sdp_span_ieq(sdp_span s, const char *lit);
/** Parses decimal digits only into *v (no sign, no space); 0 on overflow or junk. */
int sdp_span_u64(sdp_span s, uint64_t *v);
/** Copies `s` into buf (cap bytes with the NUL); 0 when it does not fit. */
int sdp_span_copy(sdp_span s, char *buf, size_t cap);
/** Whether every byte is printable ASCII other than space (a token, loosely). */
int sdp_span_is_token(sdp_span s);
/** Whether every byte is an ice-char: ALPHA / DIGIT / "+" / "/" (RFC 8839). */
int sdp_span_is_ice_chars(sdp_span s);
/* Decodes base64 (RFC 4648 §4, with its padding, no line breaks or spaces) into out (cap
 * bytes): the length, or -1 when s is not that or does not fit. */
long sdp_base64_decode(sdp_span s, uint8_t *out, size_t cap);
/* Encodes len bytes as base64 with padding into out (cap chars, NUL included): the length,
 * or -1 when it does not fit. */
long sdp_base64_encode(const uint8_t *in, size_t len, char *out, size_t cap);

/** Formats "line N: ..." into err (if not NULL); returns CSCTP_ERR_MALFORMED. */
int sdp_fail(csctp_sdp_error *err, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Up to 40 bytes of `s`, printable, for error messages. */
void sdp_span_quote(sdp_span s, char *buf, size_t cap);

#endif
