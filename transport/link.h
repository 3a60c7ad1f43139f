/* SPDX-License-Identifier: MIT */
/*
 * A lower-layer link: one OS socket carrying SCTP packets, either UDP
 * (RFC 6951: the SCTP packet is the whole UDP payload) or raw IP protocol 132
 * (IPv4 or IPv6), read and written in batches (recvmmsg / sendmmsg) from a
 * GSource on the caller's GMainContext. Addresses are csctp_addr values holding
 * the IP address (4 or 16 bytes) followed by the UDP port in network order
 * (0 over raw IP), so that the endpoint learns a peer's UDP port from the
 * packets that arrive (RFC 6951 §5.5).
 */
#ifndef CSCTP_TRANSPORT_LINK_H
#define CSCTP_TRANSPORT_LINK_H

#include <csctp/sctp.h>
#include <glib.h>
#include <sys/socket.h>

typedef struct csctp_link csctp_link;

/** Receives one packet: `pkt` is valid during the call only. */
typedef void (*csctp_link_recv_fn)(void *user_data, const csctp_addr *from, const uint8_t *pkt,
                                   size_t len);
/** Called after each batch of received packets (flush output, run events). */
typedef void (*csctp_link_batch_fn)(void *user_data);
/**
 * An ICMP Destination Unreachable error arrived about a packet we sent to `to`: `quoted` is
 * the SCTP packet as the ICMP message quotes it (from its common header; often truncated),
 * valid during the call only. Untrusted: the receiver checks it belongs to one of its
 * associations (csctp_assoc_on_unreachable).
 */
typedef void (*csctp_link_unreach_fn)(void *user_data, const csctp_addr *to,
                                      csctp_unreach_kind kind, const uint8_t *quoted, size_t len);

typedef struct csctp_link_stats {
  uint64_t packets_in, packets_out, batches_in, batches_out;
  uint64_t drop_short; /**< raw IP: truncated IP header or no SCTP header */
  uint64_t send_errors;
  uint64_t icmp_in;          /**< ICMP / ICMPv6 errors read from the socket's error queue */
  uint64_t fragmentable_out; /**< packets sent with IP fragmentation allowed (PLPMTUD) */
  uint64_t ect_out;          /**< packets sent with an ECT codepoint (csctp_link_set_ecn) */
  uint64_t ce_in;            /**< packets received marked CE (csctp_link_set_ecn) */
  uint64_t drop_not_local;   /**< csctp_link_set_local_addrs: to an address not in the list */
} csctp_link_stats;

/**
 * Opens a link. `udp`: non-zero for UDP bound to local_ip:udp_port (udp_port 0:
 * any free port), else raw IP protocol 132 bound to local_ip. local_ip may be
 * NULL or "" (IPv4 any) or a v4/v6 literal. Returns 0 and *pl, or with a
 * message in *err (g_free it) CSCTP_ERR_PERMISSION (raw IP without
 * CAP_NET_RAW), CSCTP_ERR_ADDRESS_IN_USE, CSCTP_ERR_INVALID_ARGUMENT (not an
 * address, or not one of this host), CSCTP_ERR_NOMEM, CSCTP_ERR_SOCKET (any
 * other errno of socket() or bind(), named in the message).
 */
int csctp_link_new(csctp_link **pl, GMainContext *ctx, int udp, const char *local_ip,
                   uint16_t udp_port, csctp_link_recv_fn recv, csctp_link_batch_fn batch,
                   void *user_data, char **err);
/** csctp_link_new() over UDP on one IPv6 socket bound to [::]:udp_port that carries IPv4 too
 *  (v4-mapped, IPV6_V6ONLY off): addresses of both versions in and out, for an association
 *  whose paths mix them. */
int csctp_link_new_dual(csctp_link **pl, GMainContext *ctx, uint16_t udp_port,
                        csctp_link_recv_fn recv, csctp_link_batch_fn batch, void *user_data,
                        char **err);
void csctp_link_del(csctp_link *l);

/** Sends one packet of an external link (`pkt` valid during the call only). */
typedef void (*csctp_link_output_fn)(const uint8_t *pkt, size_t len, void *user_data);
/**
 * Opens an external link: no OS socket; the packets it would send go to `out` (with
 * `out_user_data`) at csctp_link_flush, and the caller feeds what arrives with
 * csctp_link_input. It has one peer, whose address is `peer` (its IP and UDP port as
 * csctp_link_addr_parse builds them; it only names the peer). Returns 0.
 */
int csctp_link_new_external(csctp_link **pl, const csctp_addr *peer, csctp_link_output_fn out,
                            void *out_user_data, csctp_link_recv_fn recv, csctp_link_batch_fn batch,
                            void *user_data);
/** External links: one packet from the peer (recv, then batch, run now). */
void csctp_link_input(csctp_link *l, const uint8_t *pkt, size_t len);

/**
 * Reports ICMP Destination Unreachable errors (read from the socket's error queue, which
 * IP_RECVERR / IPV6_RECVERR fill) to `fn` with the link's user_data; NULL: they are read
 * and dropped. Other ICMP errors (e.g. fragmentation needed) are dropped.
 */
void csctp_link_set_unreach(csctp_link *l, csctp_link_unreach_fn fn);

/** Queues a packet for `to` (copied); sent by csctp_link_flush or when the batch is full. */
void csctp_link_send(csctp_link *l, const csctp_addr *to, const uint8_t *pkt, size_t len);
/**
 * RFC 8899 PLPMTUD on the associations of this link: every packet leaves with IP
 * fragmentation forbidden and the kernel's cached path MTU ignored (IP_PMTUDISC_PROBE), so
 * that probes find the path's limit (one over the interface's MTU fails and counts as lost).
 * No effect on external links or with `on` 0.
 */
void csctp_link_set_plpmtud(csctp_link *l, int on);
/** csctp_link_send for a packet IP may fragment (csctp_assoc_packet_fragmentable): sent at
 *  once, after the queue, with fragmentation allowed for it alone. */
void csctp_link_send_fragmentable(csctp_link *l, const csctp_addr *to, const uint8_t *pkt,
                                  size_t len);
/** csctp_link_send_fragmentable() from local address `local` (as csctp_link_send_from()). */
void csctp_link_send_fragmentable_from(csctp_link *l, const csctp_addr *to, uint8_t local,
                                       const uint8_t *pkt, size_t len);
/**
 * ECN (csctp_config.ecn): on, each received packet's ECN codepoint is read (IP_RECVTOS /
 * IPV6_RECVTCLASS, or the IPv4 header of a raw socket) and told by csctp_link_rx_ecn() during
 * the recv callback, and csctp_link_send_ecn() sets it per packet (an IP_TOS / IPV6_TCLASS
 * control message). Returns 0, or -1 when the kernel refused (the link stays without ECN).
 * External links ignore it.
 */
int csctp_link_set_ecn(csctp_link *l, int on);
/** The ECN codepoint (CSCTP_ECN_*) of the packet being handed to the recv callback; 0 outside
 *  the callback or without csctp_link_set_ecn. */
int csctp_link_rx_ecn(const csctp_link *l);
/** csctp_link_send for a packet to leave with the ECN codepoint `ecn` (csctp_assoc_packet_ecn);
 *  without csctp_link_set_ecn it goes Not-ECT. */
void csctp_link_send_ecn(csctp_link *l, const csctp_addr *to, const uint8_t *pkt, size_t len,
                         int ecn);
/**
 * Multi-homing: the link's socket (bound to a wildcard address) serves the local addresses
 * `addrs` (n, at most CSCTP_PATHS_MAX, as csctp_link_addr_parse builds them; the port is
 * ignored). On, each received packet's destination is read (IP_PKTINFO / IPV6_RECVPKTINFO)
 * and told by csctp_link_rx_local() during the recv callback as an index in `addrs` (a
 * packet to another address is dropped, drop_not_local), and csctp_link_send_from() makes a
 * packet leave from one of them. Returns 0, CSCTP_ERR_INVALID_ARGUMENT (too many, not an IP
 * address, an external link) or CSCTP_ERR_SOCKET (the kernel refused).
 */
int csctp_link_set_local_addrs(csctp_link *l, const csctp_addr *addrs, size_t n);
/** The index in csctp_link_set_local_addrs()'s list of the address the packet being handed to
 *  the recv callback arrived at; CSCTP_LOCAL_ANY outside the callback or without a list. */
uint8_t csctp_link_rx_local(const csctp_link *l);
/** csctp_link_send_ecn() from local address `local` (an index in csctp_link_set_local_addrs()'s
 *  list of the socket's family). CSCTP_LOCAL_ANY: the one the kernel would choose for `to` when
 *  it is listed, else the first listed (without a list: the kernel's choice). */
void csctp_link_send_from(csctp_link *l, const csctp_addr *to, uint8_t local, const uint8_t *pkt,
                          size_t len, int ecn);
/** Sends every queued packet (sendmmsg). */
void csctp_link_flush(csctp_link *l);

/** Builds a csctp_addr from an IP literal and a UDP port. Returns 0 or CSCTP_ERR_INVALID_ARGUMENT.
 */
int csctp_link_addr_parse(const char *ip, uint16_t udp_port, csctp_addr *a);
/** Formats "ip" or "ip:port" (UDP) into buf. */
const char *csctp_link_addr_str(const csctp_addr *a, char *buf, size_t cap);
/** The bound UDP port (UDP links). */
uint16_t csctp_link_udp_port(const csctp_link *l);
int csctp_link_is_udp(const csctp_link *l);
/** 1 for a link of csctp_link_new_external. */
int csctp_link_is_external(const csctp_link *l);
int csctp_link_family(const csctp_link *l);
void csctp_link_get_stats(const csctp_link *l, csctp_link_stats *st);

#endif
