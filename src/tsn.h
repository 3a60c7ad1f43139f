/* SPDX-License-Identifier: MIT */
/* Serial-number arithmetic (RFC 1982) for TSNs (32 bit) and SSNs (16 bit). */
#ifndef CSCTP_TSN_H
#define CSCTP_TSN_H

#include <stdint.h>

typedef uint32_t csctp_tsn;
typedef uint16_t csctp_ssn;

static inline int csctp_tsn_lt(csctp_tsn a, csctp_tsn b) { return (int32_t)(a - b) < 0; }
static inline int csctp_tsn_le(csctp_tsn a, csctp_tsn b) { return (int32_t)(a - b) <= 0; }
static inline int csctp_tsn_gt(csctp_tsn a, csctp_tsn b) { return (int32_t)(a - b) > 0; }
static inline int csctp_tsn_ge(csctp_tsn a, csctp_tsn b) { return (int32_t)(a - b) >= 0; }

static inline int csctp_ssn_lt(csctp_ssn a, csctp_ssn b) { return (int16_t)(uint16_t)(a - b) < 0; }
static inline int csctp_ssn_le(csctp_ssn a, csctp_ssn b) { return (int16_t)(uint16_t)(a - b) <= 0; }
static inline int csctp_ssn_gt(csctp_ssn a, csctp_ssn b) { return (int16_t)(uint16_t)(a - b) > 0; }

#endif
