/* SPDX-License-Identifier: MIT */
/*
 * The usrsctp peers of the transport interop tests (test_usrsctp_udp, test_usrsctp_multihome):
 * an echo server and a sender that checks every echo, over UDP encapsulation (RFC 6951), each
 * run in a forked child (usrsctp keeps process-wide state and threads), optionally in a network
 * namespace, single- or multi-homed. Only with CSCTP_HAVE_USRSCTP.
 */
#ifndef CSCTP_TEST_USRSCTP_UDP_UTIL_H
#define CSCTP_TEST_USRSCTP_UDP_UTIL_H

#ifdef CSCTP_HAVE_USRSCTP
#include <stddef.h>
#include <stdint.h>

#define USR_SCTP_PORT 5000 /* the echo's SCTP port; the multi-homed sender binds 5001 */
#define USR_MAX_ADDRS 4

/* What a usrsctp child does. One address each side: plain bind/connect, as any single-homed
 * application. Several local addresses: usrsctp_bindx; several peer addresses: usrsctp_connectx.
 * `multihome` also sets, before any socket exists: ASCONF off unless `asconf` (sysctls
 * asconf_enable and auto_asconf: usrsctp would otherwise send ASCONF chunks unasked), RTO
 * 200 ms to 1 s, heartbeats every second (SCTP_PEER_ADDR_PARAMS too), Path.Max.Retrans
 * `pmr` and SCTP-PF after `pf` errors (sysctls path_rtx_max_default and path_pf_threshold:
 * this usrsctp.h has no SCTP_PEER_ADDR_THLDS); it subscribes to SCTP_PEER_ADDR_CHANGE (each
 * printed as "usrsctp: peer address ADDR STATE") and prints, once every peer address is
 * ACTIVE and confirmed (usrsctp_getpaddrs, SCTP_GET_PEER_ADDR_INFO), "usrsctp: N peer
 * addresses, all confirmed: A1 A2". */
typedef struct usr_cfg {
  const char *ns; /* network namespace to enter first, or NULL */
  const char *local[USR_MAX_ADDRS];
  size_t n_local;
  uint16_t udp_port;               /* usrsctp_init: the local UDP tunnelling port */
  const char *peer[USR_MAX_ADDRS]; /* sender only */
  size_t n_peer;
  uint16_t peer_udp; /* SCTP_REMOTE_UDP_ENCAPS_PORT (the echo: for addresses added by ASCONF) */
  size_t size;       /* sender: message size, count, streams, unordered */
  uint32_t count;
  uint16_t streams;
  int unordered;
  int multihome;
  unsigned pf, pmr;
  unsigned linger_s; /* sender: stays connected that long after the last echo */
  /* ASCONF (RFC 5061, test_usrsctp_asconf): `asconf` keeps usrsctp's ASCONF on (sysctl
   * asconf_enable; AUTH is on by default and authenticates ASCONF, as RFC 5061 §4.1.1 wants);
   * the echo then adds `add_addr` with usrsctp_bindx SCTP_BINDX_ADD_ADDR `add_after_ms` after
   * the first message, which sends an ASCONF Add IP on the association (a socket bound to
   * specific addresses gets SCTP_PCB_FLAGS_DO_ASCONF), printing "usrsctp echo: added ADDR". */
  int asconf;
  const char *add_addr;
  unsigned add_after_ms;
  unsigned del_after_ms; /* non-zero: add_addr deleted again that long after the add
                          * (SCTP_BINDX_REM_ADDR: an ASCONF Delete IP), "usrsctp echo: deleted" */
} usr_cfg;

/* Enters network namespace `ns` (NULL: stays): 0, or -1 with a message on stderr. */
int usr_enter_netns(const char *ns);

/* The echo: every message back on its association and stream, with its PPID and U flag, until
 * SIGTERM. Returns the child's exit code (0 fine, 1 an error, 2 set-up failed). */
int usr_echo_main(const usr_cfg *c);

/* The sender: c->count messages of c->size round-robin over c->streams streams (PPID 100 +
 * stream), every echo checked, then a graceful close; prints "usrsctp send: ..." with the rate
 * and, multi-homed, "usrsctp send: longest gap between echoes: N ms". Returns 0 when every
 * echo came back intact. */
int usr_send_main(const usr_cfg *c);

#endif
#endif
