/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the DCEP codec (datachannel/dcep.c): any input is parsed; a
 * well-formed OPEN is written back and must parse to the same fields, and its
 * label and protocol must be valid UTF-8 inside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dcep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)       \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  csctp_dcep_msg m;
  csctp_dcep_status st = csctp_dcep_parse(data, size, &m);
  if (st != CSCTP_DCEP_OK || m.type != CSCTP_DCEP_OPEN) return 0;
  CHECK(csctp_dcep_channel_type_valid(m.channel_type));
  CHECK(m.label == NULL || (m.label >= data && m.label + m.label_len <= data + size));
  CHECK(m.protocol == NULL || (m.protocol >= data && m.protocol + m.protocol_len <= data + size));
  CHECK(csctp_dcep_utf8_valid(m.label, m.label_len));
  size_t n = csctp_dcep_open_size(&m);
  CHECK(n <= size);
  uint8_t *buf = malloc(n);
  CHECK(buf);
  csctp_dcep_write_open(buf, &m);
  csctp_dcep_msg m2;
  CHECK(csctp_dcep_parse(buf, n, &m2) == CSCTP_DCEP_OK);
  CHECK(m2.channel_type == m.channel_type && m2.priority == m.priority &&
        m2.reliability_param == m.reliability_param && m2.label_len == m.label_len &&
        m2.protocol_len == m.protocol_len);
  CHECK(memcmp(m2.label, m.label, m.label_len) == 0);
  CHECK(memcmp(m2.protocol, m.protocol, m.protocol_len) == 0);
  free(buf);
  return 0;
}
