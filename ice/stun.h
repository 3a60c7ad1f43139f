/* SPDX-License-Identifier: MIT */
/*
 * A small STUN codec (RFC 8489, with the ICE attributes of RFC 8445 §7.1-7.3 and
 * RFC 7675), enough for a resumed agent (ice_resume.c) to answer connectivity and
 * consent checks and to send its own: Binding requests, success responses and
 * indications, short-term credentials (MESSAGE-INTEGRITY, HMAC-SHA1) and
 * FINGERPRINT. Every byte is read through the bounds-checked reader (src/rd.h).
 */
#ifndef CSCTP_ICE_STUN_H
#define CSCTP_ICE_STUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wr.h"

#define ICE_STUN_HEADER 20
#define ICE_STUN_COOKIE 0x2112A442u
#define ICE_STUN_TXID 12
#define ICE_STUN_MI_LEN 20 /* HMAC-SHA1 */

/* Message types (method Binding, RFC 8489 §18.2). */
#define ICE_STUN_BINDING_REQUEST 0x0001
#define ICE_STUN_BINDING_INDICATION 0x0011
#define ICE_STUN_BINDING_SUCCESS 0x0101
#define ICE_STUN_BINDING_ERROR 0x0111

/* Attributes. */
#define ICE_STUN_USERNAME 0x0006
#define ICE_STUN_MESSAGE_INTEGRITY 0x0008
#define ICE_STUN_ERROR_CODE 0x0009
#define ICE_STUN_XOR_MAPPED_ADDRESS 0x0020
#define ICE_STUN_PRIORITY 0x0024
#define ICE_STUN_USE_CANDIDATE 0x0025
#define ICE_STUN_FINGERPRINT 0x8028
#define ICE_STUN_ICE_CONTROLLED 0x8029
#define ICE_STUN_ICE_CONTROLLING 0x802A

/* Role attribute of a message. */
#define ICE_STUN_ROLE_NONE 0
#define ICE_STUN_ROLE_CONTROLLING 1
#define ICE_STUN_ROLE_CONTROLLED 2

/** A parsed message: pointers into the parsed buffer, valid as long as it is. */
typedef struct ice_stun_msg {
  uint16_t type;
  uint8_t txid[ICE_STUN_TXID];
  size_t len;              /* whole message, header included */
  const uint8_t *username; /* NULL when absent */
  size_t username_len;     /* bytes (no padding) */
  size_t mi_off;           /* offset of MESSAGE-INTEGRITY's attribute header, 0 if absent */
  size_t fp_off;           /* offset of FINGERPRINT's attribute header, 0 if absent */
  int has_xor_mapped;      /* XOR-MAPPED-ADDRESS, decoded into xor_mapped */
  struct sockaddr_storage xor_mapped;
  int has_priority;
  uint32_t priority;
  int use_candidate;
  int role; /* ICE_STUN_ROLE_* */
  uint64_t tie_breaker;
  int error_code; /* ERROR-CODE as class * 100 + number, or -1 */
} ice_stun_msg;

/**
 * Parses `len` bytes as one STUN message (RFC 8489 §5, §14): the top two bits 0,
 * the magic cookie, a length that is a multiple of 4 and matches `len`, attributes
 * that fit; only FINGERPRINT may follow MESSAGE-INTEGRITY, nothing FINGERPRINT; an
 * unknown comprehension-required attribute (< 0x8000) refuses the message; the
 * known ones must have their size. Returns 0 and fills `m`, or -1.
 */
int ice_stun_parse(const uint8_t *b, size_t len, ice_stun_msg *m);

/**
 * Whether the parsed message `b` has a MESSAGE-INTEGRITY that verifies with the
 * short-term key `key` (the password, RFC 8489 §9.1.3): HMAC-SHA1 over the message up
 * to the attribute, with the header's length covering it (§14.5). Constant-time
 * comparison. Returns 1 or 0 (also when absent).
 */
int ice_stun_check_integrity(const uint8_t *b, const ice_stun_msg *m, const char *key,
                             size_t key_len);

/** Whether the parsed message's FINGERPRINT (§14.7) is right: 1 when right or absent, else 0. */
int ice_stun_check_fingerprint(const uint8_t *b, const ice_stun_msg *m);

/** CRC-32 (ISO HDLC, the one of zlib and Ethernet) of `n` bytes. */
uint32_t ice_stun_crc32(const uint8_t *p, size_t n);

/*
 * Writing: ice_stun_wr_begin(), attributes, then optionally ice_stun_wr_integrity() and
 * ice_stun_wr_fingerprint() (in that order, last), then ice_stun_wr_end() for the
 * length (0 when `cap` was too small).
 */
void ice_stun_wr_begin(csctp_wr *w, uint8_t *buf, size_t cap, uint16_t type,
                       const uint8_t txid[ICE_STUN_TXID]);
/** One attribute with `n` bytes of value, padded to 4. */
void ice_stun_wr_attr(csctp_wr *w, uint16_t type, const void *value, size_t n);
void ice_stun_wr_attr_u32(csctp_wr *w, uint16_t type, uint32_t v);
void ice_stun_wr_attr_u64(csctp_wr *w, uint16_t type, uint64_t v);
/** XOR-MAPPED-ADDRESS of `addr` (AF_INET or AF_INET6). */
void ice_stun_wr_xor_address(csctp_wr *w, const struct sockaddr *addr);
void ice_stun_wr_integrity(csctp_wr *w, const char *key, size_t key_len);
void ice_stun_wr_fingerprint(csctp_wr *w);
size_t ice_stun_wr_end(csctp_wr *w);

#endif
