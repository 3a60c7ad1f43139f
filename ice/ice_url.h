/* SPDX-License-Identifier: MIT */
/* Host names of STUN / TURN servers (ice_url.c), shared with the agent's checks. */
#ifndef CSCTP_ICE_URL_H
#define CSCTP_ICE_URL_H

#include <stddef.h>

/** Whether s[0..n) is a host name or IPv4 address as csctp_ice_server_parse() takes one:
 *  1..CSCTP_ICE_HOST_MAX of letters, digits, '-', '.', '_', no empty label. */
int ice_url_valid_name(const char *s, size_t n);

#endif
