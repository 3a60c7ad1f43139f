/* SPDX-License-Identifier: MIT */
/*
 * Batched receive on the selected pair's UDP socket, next to libnice.
 *
 * libnice reads its sockets one datagram per recvmsg() and has no way to be
 * handed a STUN message read by someone else, so whoever reads its socket
 * must leave every STUN message (and anything else that is libnice's) in the
 * queue. This file does that by peeking: one recvmmsg(MSG_PEEK) with the
 * socket's peek offset on (SO_PEEK_OFF) sees the queued datagrams, and one
 * recvmmsg() without a copy then removes the run at the head that is data
 * from the selected remote address. The first datagram that is not stays at
 * the head, where libnice's next read finds it.
 */
#ifndef CSCTP_ICE_RX_H
#define CSCTP_ICE_RX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/** Most datagrams taken by one ice_rx_take(). */
#define ICE_RX_BATCH 16
/** Largest datagram taken; a larger one is left to libnice (a peer's MTU over 1500). */
#define ICE_RX_DATAGRAM 1500

/** The datagrams of one ice_rx_take() (about 24 KB: meant for the stack). */
typedef struct {
  uint8_t data[ICE_RX_BATCH][ICE_RX_DATAGRAM];
  size_t len[ICE_RX_BATCH];
} ice_rx_batch;

/**
 * Turns the peek offset on for the UDP socket `fd` (SO_PEEK_OFF, Linux 4.11+
 * for UDP), which ice_rx_take() needs and which reads without MSG_PEEK
 * (libnice's) keep at 0. Returns 0, or -1 when the kernel cannot: then never
 * call ice_rx_take() on `fd`.
 */
int ice_rx_enable(int fd);

/**
 * Takes from the head of the receive queue of `fd` (ice_rx_enable() done)
 * the datagrams that come from `from`, are not STUN (first byte 0 to 3, RFC
 * 7983 §7) and fit ICE_RX_DATAGRAM, at most ICE_RX_BATCH, stopping at the
 * first one that is not: that one and those after it stay queued, in order.
 * Their bytes and lengths are written to `b`. Returns how many were taken:
 * 0 when the queue is empty, starts with another datagram, or on an error.
 * Never blocks; two system calls, three when it stopped before the last
 * datagram it peeked at.
 */
size_t ice_rx_take(int fd, const struct sockaddr *from, socklen_t fromlen, ice_rx_batch *b);

#endif
