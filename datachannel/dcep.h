/* SPDX-License-Identifier: MIT */
/* DCEP message codec (RFC 8832 §5): DATA_CHANNEL_OPEN and DATA_CHANNEL_ACK. */
#ifndef CSCTP_DC_DCEP_H
#define CSCTP_DC_DCEP_H

#include <stddef.h>
#include <stdint.h>

enum {
  CSCTP_DCEP_ACK = 0x02, /* RFC 8832 §8.2.1 */
  CSCTP_DCEP_OPEN = 0x03,
  CSCTP_DCEP_OPEN_HEADER = 12, /* fixed part of DATA_CHANNEL_OPEN */
};

/* Result of csctp_dcep_parse(). */
typedef enum csctp_dcep_status {
  CSCTP_DCEP_OK = 0,
  CSCTP_DCEP_MALFORMED,        /* empty, too short, lengths past the end, not UTF-8 */
  CSCTP_DCEP_UNKNOWN_TYPE,     /* a message type other than OPEN and ACK */
  CSCTP_DCEP_BAD_CHANNEL_TYPE, /* well formed OPEN with a reserved or unassigned type */
} csctp_dcep_status;

/* A decoded message; label and protocol point into the parsed buffer (not NUL-terminated). */
typedef struct csctp_dcep_msg {
  uint8_t type;
  uint8_t channel_type;
  uint16_t priority;
  uint32_t reliability_param;
  const uint8_t *label;
  uint16_t label_len;
  const uint8_t *protocol;
  uint16_t protocol_len;
} csctp_dcep_msg;

/* Decodes one PPID-50 message. Bytes after the protocol are ignored. */
csctp_dcep_status csctp_dcep_parse(const uint8_t *buf, size_t len, csctp_dcep_msg *m);

/* 1 when `t` is one of the six channel types of RFC 8832 §8.2.2. */
int csctp_dcep_channel_type_valid(uint8_t t);

/* 1 when buf[0..len) is well-formed UTF-8 (RFC 3629: no overlongs, surrogates, > U+10FFFF). */
int csctp_dcep_utf8_valid(const uint8_t *buf, size_t len);

/* Size of the OPEN that csctp_dcep_write_open() writes. */
size_t csctp_dcep_open_size(const csctp_dcep_msg *m);

/* Writes an OPEN from m (type ignored) into buf (csctp_dcep_open_size(m) bytes). */
void csctp_dcep_write_open(uint8_t *buf, const csctp_dcep_msg *m);

#endif
