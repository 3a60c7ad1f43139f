/* SPDX-License-Identifier: MIT */
/*
 * Remote candidate lines: checked and normalised before libnice sees them.
 */
#ifndef CSCTP_ICE_CANDIDATE_H
#define CSCTP_ICE_CANDIDATE_H

#include <stddef.h>

/** Longest candidate line handed to libnice, with "a=" and the NUL. */
#define ICE_CANDIDATE_LINE_MAX 1024

/**
 * Checks one remote candidate ("candidate:..." or "a=candidate:...", trailing
 * whitespace allowed) and writes it as "a=candidate:..." into `out`.
 * Returns 1 when usable, 0 when a UDP-only agent of one component ignores it
 * (transport other than UDP, component other than 1, an address that is not
 * a numeric IP such as an mDNS name), CSCTP_ERR_INVALID_ARGUMENT when it
 * does not have the RFC 8839 §5.1 shape or does not fit.
 */
int ice_candidate_normalize(const char *in, char *out, size_t cap);

#endif
