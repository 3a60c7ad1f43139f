/* SPDX-License-Identifier: MIT */
/*
 * Version 1 of the versioned structs added with the statistics of issue 18
 * (csctp_ice_pair_stats, csctp_dc_channel_stats), frozen as they were first
 * published: written out once and never edited, as abi_v1.h is for csctp 0.1.
 */
#ifndef CSCTP_TEST_ABI_STATS_V1_H
#define CSCTP_TEST_ABI_STATS_V1_H

#include <csctp/datachannel.h>
#include <csctp/ice.h>

struct ice_candidate_stats_v1 {
  char address[46];
  uint16_t port;
  char protocol[4];
  char type[8];
  uint32_t priority;
  char foundation[33];
};

struct ice_pair_stats_v1 {
  int selected;
  uint32_t selected_pair_changes;
  struct ice_candidate_stats_v1 local, remote;
  uint64_t packets_sent, bytes_sent, packets_received, bytes_received;
  uint64_t packets_discarded_on_send;
  int64_t last_packet_sent_us, last_packet_received_us;
};

struct dc_channel_stats_v1 {
  uint64_t messages_sent, bytes_sent, messages_received, bytes_received;
  size_t buffered_amount;
};

#define CSCTP_ABI_STATS_V1_CHECKS(CHECK_SIZE, CHECK_FIELD)                        \
  CHECK_SIZE(csctp_ice_candidate_stats, ice_candidate_stats_v1)                   \
  CHECK_FIELD(csctp_ice_candidate_stats, ice_candidate_stats_v1, address)         \
  CHECK_FIELD(csctp_ice_candidate_stats, ice_candidate_stats_v1, port)            \
  CHECK_FIELD(csctp_ice_candidate_stats, ice_candidate_stats_v1, protocol)        \
  CHECK_FIELD(csctp_ice_candidate_stats, ice_candidate_stats_v1, type)            \
  CHECK_FIELD(csctp_ice_candidate_stats, ice_candidate_stats_v1, priority)        \
  CHECK_FIELD(csctp_ice_candidate_stats, ice_candidate_stats_v1, foundation)      \
  CHECK_SIZE(csctp_ice_pair_stats, ice_pair_stats_v1)                             \
  CHECK_FIELD(csctp_ice_pair_stats, ice_pair_stats_v1, selected)                  \
  CHECK_FIELD(csctp_ice_pair_stats, ice_pair_stats_v1, selected_pair_changes)     \
  CHECK_FIELD(csctp_ice_pair_stats, ice_pair_stats_v1, local)                     \
  CHECK_FIELD(csctp_ice_pair_stats, ice_pair_stats_v1, remote)                    \
  CHECK_FIELD(csctp_ice_pair_stats, ice_pair_stats_v1, packets_sent)              \
  CHECK_FIELD(csctp_ice_pair_stats, ice_pair_stats_v1, bytes_sent)                \
  CHECK_FIELD(csctp_ice_pair_stats, ice_pair_stats_v1, packets_received)          \
  CHECK_FIELD(csctp_ice_pair_stats, ice_pair_stats_v1, bytes_received)            \
  CHECK_FIELD(csctp_ice_pair_stats, ice_pair_stats_v1, packets_discarded_on_send) \
  CHECK_FIELD(csctp_ice_pair_stats, ice_pair_stats_v1, last_packet_sent_us)       \
  CHECK_FIELD(csctp_ice_pair_stats, ice_pair_stats_v1, last_packet_received_us)   \
  CHECK_SIZE(csctp_dc_channel_stats, dc_channel_stats_v1)                         \
  CHECK_FIELD(csctp_dc_channel_stats, dc_channel_stats_v1, messages_sent)         \
  CHECK_FIELD(csctp_dc_channel_stats, dc_channel_stats_v1, bytes_sent)            \
  CHECK_FIELD(csctp_dc_channel_stats, dc_channel_stats_v1, messages_received)     \
  CHECK_FIELD(csctp_dc_channel_stats, dc_channel_stats_v1, bytes_received)        \
  CHECK_FIELD(csctp_dc_channel_stats, dc_channel_stats_v1, buffered_amount)

#endif
