/* SPDX-License-Identifier: MIT */
/* The socket API's csctp_connect_opts: its defaults and the size of each layout version. */
#include <stddef.h>
#include <string.h>

#include "host.h"
#include "versioned.h"

void csctp_host_opts_default(void *p) {
  csctp_connect_opts *o = p;
  memset(o, 0, sizeof(*o));
  o->port = 5000;
  o->udp_local_port = 9899;
  o->udp_peer_port = 9899;
  o->mtu = 1200;
  o->connect_timeout_ms = CSCTP_CONNECT_TIMEOUT_DEFAULT;
  o->path_max_retrans = 5;
  o->ps_max_retrans = CSCTP_PS_OFF;
}

size_t csctp_host_opts_size(int version) {
  switch (version) {
  case CSCTP_CONNECT_OPTS_V1: return offsetof(csctp_connect_opts, plpmtud_max);
  case CSCTP_CONNECT_OPTS_V2: return offsetof(csctp_connect_opts, ecn);
  case CSCTP_CONNECT_OPTS_V3: return offsetof(csctp_connect_opts, local_addresses);
  case CSCTP_CONNECT_OPTS_V4: return sizeof(csctp_connect_opts);
  default: return 0;
  }
}

int csctp_connect_opts_init_versioned(int opts_version, csctp_connect_opts *o) {
  csctp_connect_opts full;
  csctp_host_opts_default(&full);
  return csctp_versioned_out(o, csctp_host_opts_size(opts_version), &full);
}
