/* SPDX-License-Identifier: MIT */
/*
 * UDP segmentation offload (Linux UDP_SEGMENT, 4.18+) for the selected pair:
 * a run of datagrams of one length leaves as one buffer that the kernel
 * cuts into datagrams at the end of its stack, instead of one trip through
 * it per datagram.
 */
#ifndef CSCTP_ICE_GSO_H
#define CSCTP_ICE_GSO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/** Most datagrams in one offloaded run (the kernel's UDP_MAX_SEGMENTS is 64 before Linux 6.x). */
#define ICE_GSO_MAX_SEGMENTS 64
/** Most bytes in one offloaded run: one UDP datagram's payload over IPv6, IPv4 a little more. */
#define ICE_GSO_MAX_BYTES 65000

/**
 * Splits the lengths `len[0..n)` into runs that one offloaded send can carry,
 * in order: a run is datagrams of one length, optionally ended by one shorter
 * datagram (the kernel's rule), at most ICE_GSO_MAX_SEGMENTS datagrams and
 * ICE_GSO_MAX_BYTES bytes. Writes each run's datagram count to `count`
 * (capacity `n`) and returns the number of runs.
 */
size_t ice_gso_plan(const size_t *len, size_t n, size_t *count);

/** Outcome of ice_gso_send(). */
typedef enum {
  ICE_GSO_SENT = 0, /**< *sent datagrams left; fewer than n when the socket was full */
  ICE_GSO_UNSUPPORTED =
      1, /**< the socket or device cannot offload: nothing sent, use another way */
} ice_gso_result;

/**
 * Sends the `n` datagrams (`data[i]`, `len[i]` bytes; n <= 64) to `to` on the
 * UDP socket `fd` in one sendmmsg(), each run of ice_gso_plan() as one message
 * with a UDP_SEGMENT control message (a run of one is a plain datagram).
 * Sets `*sent` to how many datagrams left, from the first (the runs the socket
 * took whole). Returns ICE_GSO_UNSUPPORTED, with `*sent` 0, when the first
 * message was refused for a reason the kernel gives when it cannot offload
 * (no UDP_SEGMENT, no checksum offload on the device, a run over the path's
 * MTU): the caller sends those datagrams another way. A single datagram the
 * kernel refuses as too long (EMSGSIZE: over the interface's MTU on a socket
 * that forbids fragmentation) counts as sent, lost as on the path, and the
 * runs after it are sent. Never blocks.
 */
ice_gso_result ice_gso_send(int fd, const struct sockaddr *to, socklen_t tolen,
                            const uint8_t *const *data, const size_t *len, size_t n, size_t *sent);

#endif
