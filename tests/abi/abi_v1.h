/* SPDX-License-Identifier: MIT */
/*
 * Version 1 of the versioned public structs (common.h), frozen: a copy of their layout
 * as csctp 0.1 published it, written out once and never edited. A later release may
 * only append fields under a new version; test_versioned.c checks that every V1 field
 * keeps its offset and that the library reads and writes no byte past V1 for a V1
 * caller. (Callback types are the public typedefs: their size is a pointer.)
 */
#ifndef CSCTP_TEST_ABI_V1_H
#define CSCTP_TEST_ABI_V1_H

#include <csctp/datachannel.h>
#include <csctp/dtls.h>
#include <csctp/ice.h>
#include <csctp/peer.h>
#include <csctp/sctp.h>
#include <csctp/socket.h>

struct config_v1 {
  uint16_t local_port;
  uint16_t remote_port;
  uint16_t outbound_streams;
  uint16_t max_inbound_streams;
  uint32_t rwnd;
  uint32_t sndbuf;
  uint32_t max_message_size;
  uint32_t partial_delivery_point;
  uint32_t mtu;
  uint32_t rto_initial;
  uint32_t rto_min;
  uint32_t rto_max;
  uint32_t sack_timeout;
  uint32_t sack_freq;
  uint32_t max_burst;
  uint32_t association_max_retrans;
  uint32_t max_init_retransmits;
  uint32_t valid_cookie_life;
  uint32_t hb_interval;
  int no_bundle;
  csctp_rand_fn rand;
  void *rand_user_data;
  const uint8_t *cookie_secret;
  const csctp_mem *mem;
  csctp_log_fn log;
  void *log_user_data;
  uint32_t log_mask;
  uint32_t zero_checksum_edmid;
  csctp_rx_budget *rx_budget;
  uint32_t log_levels[4]; /* CSCTP_LOG_LEVELS in V1 */
};

struct stats_v1 {
  uint64_t packets_in, packets_out;
  uint64_t chunks_in, chunks_out;
  uint64_t data_chunks_in, data_chunks_out;
  uint64_t messages_in, messages_out;
  uint64_t bytes_in, bytes_out;
  uint64_t retransmissions;
  uint64_t fast_retransmits;
  uint64_t t3_expiries;
  uint64_t duplicate_tsns;
  uint64_t sacks_in, sacks_out;
  uint64_t heartbeats_out;
  uint64_t drop_bad_crc;
  uint64_t drop_bad_vtag;
  uint64_t drop_malformed;
  uint64_t drop_bad_port;
  uint64_t drop_out_of_window;
  uint64_t drop_rx_budget;
  uint64_t partial_pieces;
  uint64_t partial_aborted;
  uint64_t drop_unexpected;
  uint64_t errors_sent, aborts_sent;
  uint64_t events_dropped;
  uint32_t srtt_ms, rttvar_ms, rto_ms;
  uint32_t cwnd, ssthresh, peer_rwnd, local_rwnd;
  uint32_t bytes_outstanding;
  size_t bytes_buffered;
  uint64_t zero_checksum_in;
  uint64_t zero_checksum_out;
  uint8_t zero_checksum;
  uint64_t icmp_in;
  uint64_t icmp_ignored;
};

struct endpoint_stats_v1 {
  uint64_t packets_in;
  uint64_t stateless_out;
  uint64_t assocs_created;
  uint64_t drop_malformed;
  uint64_t drop_bad_crc;
  uint64_t drop_bad_port;
  uint64_t drop_bad_cookie;
  uint64_t drop_refused;
  uint64_t drop_unknown_peer;
  uint64_t drop_port_zero;
  uint64_t other_port;
  uint64_t drop_assoc_limit;
  uint64_t rx_memory_used;
  uint64_t rx_memory_peak;
};

struct dc_config_v1 {
  csctp_dc_role role;
  uint32_t max_message_size;
  uint32_t max_partial_size;
  const csctp_mem *mem;
  csctp_log_fn log;
  void *log_user_data;
  uint32_t log_mask;
  uint32_t log_levels[4]; /* CSCTP_LOG_LEVELS in V1 */
};

struct dc_stats_v1 {
  uint64_t channels_opened_local, channels_opened_remote, channels_closed;
  uint64_t messages_out, bytes_out, messages_in, bytes_in;
  uint64_t dcep_malformed;
  uint64_t dcep_unknown_type;
  uint64_t open_rejected;
  uint64_t open_our_parity;
  uint64_t ack_unexpected;
  uint64_t msgs_no_channel;
  uint64_t msgs_bad_ppid;
  uint64_t partial_dropped;
  uint64_t pieces_joined;
  uint64_t pieces_aborted;
  uint64_t resets_no_channel;
};

struct dtls_config_v1 {
  csctp_dtls_role role;
  const csctp_dtls_cert *cert;
  const csctp_dtls_fingerprint *remote_fingerprints;
  size_t remote_fingerprint_count;
  uint32_t mtu;
  int cookie_exchange;
  int srtp;
  const char *srtp_profiles;
  uint32_t retransmit_initial_ms;
  uint32_t retransmit_max_ms;
  const char *cipher_list;
  csctp_rand_fn rand;
  void *rand_user_data;
  csctp_dtls_keylog_fn keylog;
  void *keylog_user_data;
  const csctp_mem *mem;
  csctp_log_fn log;
  void *log_user_data;
  uint32_t log_mask;
  uint32_t log_levels[4]; /* CSCTP_LOG_LEVELS in V1 */
};

struct dtls_stats_v1 {
  uint64_t datagrams_in, datagrams_out;
  uint64_t bytes_in, bytes_out;
  uint64_t records_in, records_out;
  uint64_t app_bytes_in, app_bytes_out;
  uint64_t retransmit_timeouts;
  uint64_t dropped_not_dtls;
  uint64_t dropped_oversize;
  uint32_t largest_datagram_out;
};

struct ice_config_v1 {
  int controlling;
  const char *const *local_addresses;
  size_t n_local_addresses;
  int include_loopback;
  uint16_t port_min, port_max;
  const csctp_ice_server *servers;
  size_t n_servers;
  const char *local_ufrag, *local_pwd;
  uint32_t connect_timeout_ms;
  int consent_freshness;
  csctp_ice_event_fn on_event;
  void *user_data;
  const csctp_mem *mem;
  csctp_log_fn log;
  void *log_user_data;
  uint32_t log_mask;
  uint32_t log_levels[4]; /* CSCTP_LOG_LEVELS in V1 */
};

struct peer_config_v1 {
  csctp_peer_event_fn on_event;
  void *user_data;
  const char *const *local_addresses;
  size_t n_local_addresses;
  int include_loopback;
  uint16_t port_min, port_max;
  const csctp_ice_server *servers;
  size_t n_servers;
  int offerer;
  const csctp_dtls_cert *cert;
  int dtls_srtp;
  uint32_t max_message_size;
  uint16_t sctp_port;
  uint32_t sctp_rwnd;
  uint32_t sctp_sndbuf;
  uint32_t ice_connect_timeout_ms;
  const csctp_mem *mem;
  csctp_log_fn log;
  void *log_user_data;
  uint32_t log_mask;
  uint32_t log_levels[4]; /* CSCTP_LOG_LEVELS in V1 */
};

struct connect_opts_v1 {
  const char *host;
  uint16_t port;
  const char *local_address;
  uint16_t local_port;
  uint16_t MIS, OS;
  int passive;
  uint32_t ppid;
  int udp_transport;
  uint16_t udp_local_port;
  const char *udp_peer_address;
  uint16_t udp_peer_port;
  uint32_t mtu;
  uint32_t connect_timeout_ms;
  uint32_t sndbuf;
  uint32_t rcvbuf;
};

#define CSCTP_ABI_V1_CHECKS(CHECK_SIZE, CHECK_FIELD)                       \
  CHECK_SIZE(csctp_config, config_v1)                                      \
  CHECK_FIELD(csctp_config, config_v1, local_port)                         \
  CHECK_FIELD(csctp_config, config_v1, remote_port)                        \
  CHECK_FIELD(csctp_config, config_v1, outbound_streams)                   \
  CHECK_FIELD(csctp_config, config_v1, max_inbound_streams)                \
  CHECK_FIELD(csctp_config, config_v1, rwnd)                               \
  CHECK_FIELD(csctp_config, config_v1, sndbuf)                             \
  CHECK_FIELD(csctp_config, config_v1, max_message_size)                   \
  CHECK_FIELD(csctp_config, config_v1, partial_delivery_point)             \
  CHECK_FIELD(csctp_config, config_v1, mtu)                                \
  CHECK_FIELD(csctp_config, config_v1, rto_initial)                        \
  CHECK_FIELD(csctp_config, config_v1, rto_min)                            \
  CHECK_FIELD(csctp_config, config_v1, rto_max)                            \
  CHECK_FIELD(csctp_config, config_v1, sack_timeout)                       \
  CHECK_FIELD(csctp_config, config_v1, sack_freq)                          \
  CHECK_FIELD(csctp_config, config_v1, max_burst)                          \
  CHECK_FIELD(csctp_config, config_v1, association_max_retrans)            \
  CHECK_FIELD(csctp_config, config_v1, max_init_retransmits)               \
  CHECK_FIELD(csctp_config, config_v1, valid_cookie_life)                  \
  CHECK_FIELD(csctp_config, config_v1, hb_interval)                        \
  CHECK_FIELD(csctp_config, config_v1, no_bundle)                          \
  CHECK_FIELD(csctp_config, config_v1, rand)                               \
  CHECK_FIELD(csctp_config, config_v1, rand_user_data)                     \
  CHECK_FIELD(csctp_config, config_v1, cookie_secret)                      \
  CHECK_FIELD(csctp_config, config_v1, mem)                                \
  CHECK_FIELD(csctp_config, config_v1, log)                                \
  CHECK_FIELD(csctp_config, config_v1, log_user_data)                      \
  CHECK_FIELD(csctp_config, config_v1, log_mask)                           \
  CHECK_FIELD(csctp_config, config_v1, zero_checksum_edmid)                \
  CHECK_FIELD(csctp_config, config_v1, rx_budget)                          \
  CHECK_FIELD(csctp_config, config_v1, log_levels)                         \
  CHECK_SIZE(csctp_stats, stats_v1)                                        \
  CHECK_FIELD(csctp_stats, stats_v1, packets_in)                           \
  CHECK_FIELD(csctp_stats, stats_v1, packets_out)                          \
  CHECK_FIELD(csctp_stats, stats_v1, chunks_in)                            \
  CHECK_FIELD(csctp_stats, stats_v1, chunks_out)                           \
  CHECK_FIELD(csctp_stats, stats_v1, data_chunks_in)                       \
  CHECK_FIELD(csctp_stats, stats_v1, data_chunks_out)                      \
  CHECK_FIELD(csctp_stats, stats_v1, messages_in)                          \
  CHECK_FIELD(csctp_stats, stats_v1, messages_out)                         \
  CHECK_FIELD(csctp_stats, stats_v1, bytes_in)                             \
  CHECK_FIELD(csctp_stats, stats_v1, bytes_out)                            \
  CHECK_FIELD(csctp_stats, stats_v1, retransmissions)                      \
  CHECK_FIELD(csctp_stats, stats_v1, fast_retransmits)                     \
  CHECK_FIELD(csctp_stats, stats_v1, t3_expiries)                          \
  CHECK_FIELD(csctp_stats, stats_v1, duplicate_tsns)                       \
  CHECK_FIELD(csctp_stats, stats_v1, sacks_in)                             \
  CHECK_FIELD(csctp_stats, stats_v1, sacks_out)                            \
  CHECK_FIELD(csctp_stats, stats_v1, heartbeats_out)                       \
  CHECK_FIELD(csctp_stats, stats_v1, drop_bad_crc)                         \
  CHECK_FIELD(csctp_stats, stats_v1, drop_bad_vtag)                        \
  CHECK_FIELD(csctp_stats, stats_v1, drop_malformed)                       \
  CHECK_FIELD(csctp_stats, stats_v1, drop_bad_port)                        \
  CHECK_FIELD(csctp_stats, stats_v1, drop_out_of_window)                   \
  CHECK_FIELD(csctp_stats, stats_v1, drop_rx_budget)                       \
  CHECK_FIELD(csctp_stats, stats_v1, partial_pieces)                       \
  CHECK_FIELD(csctp_stats, stats_v1, partial_aborted)                      \
  CHECK_FIELD(csctp_stats, stats_v1, drop_unexpected)                      \
  CHECK_FIELD(csctp_stats, stats_v1, errors_sent)                          \
  CHECK_FIELD(csctp_stats, stats_v1, aborts_sent)                          \
  CHECK_FIELD(csctp_stats, stats_v1, events_dropped)                       \
  CHECK_FIELD(csctp_stats, stats_v1, srtt_ms)                              \
  CHECK_FIELD(csctp_stats, stats_v1, rttvar_ms)                            \
  CHECK_FIELD(csctp_stats, stats_v1, rto_ms)                               \
  CHECK_FIELD(csctp_stats, stats_v1, cwnd)                                 \
  CHECK_FIELD(csctp_stats, stats_v1, ssthresh)                             \
  CHECK_FIELD(csctp_stats, stats_v1, peer_rwnd)                            \
  CHECK_FIELD(csctp_stats, stats_v1, local_rwnd)                           \
  CHECK_FIELD(csctp_stats, stats_v1, bytes_outstanding)                    \
  CHECK_FIELD(csctp_stats, stats_v1, bytes_buffered)                       \
  CHECK_FIELD(csctp_stats, stats_v1, zero_checksum_in)                     \
  CHECK_FIELD(csctp_stats, stats_v1, zero_checksum_out)                    \
  CHECK_FIELD(csctp_stats, stats_v1, zero_checksum)                        \
  CHECK_FIELD(csctp_stats, stats_v1, icmp_in)                              \
  CHECK_FIELD(csctp_stats, stats_v1, icmp_ignored)                         \
  CHECK_SIZE(csctp_endpoint_stats, endpoint_stats_v1)                      \
  CHECK_FIELD(csctp_endpoint_stats, endpoint_stats_v1, packets_in)         \
  CHECK_FIELD(csctp_endpoint_stats, endpoint_stats_v1, stateless_out)      \
  CHECK_FIELD(csctp_endpoint_stats, endpoint_stats_v1, assocs_created)     \
  CHECK_FIELD(csctp_endpoint_stats, endpoint_stats_v1, drop_malformed)     \
  CHECK_FIELD(csctp_endpoint_stats, endpoint_stats_v1, drop_bad_crc)       \
  CHECK_FIELD(csctp_endpoint_stats, endpoint_stats_v1, drop_bad_port)      \
  CHECK_FIELD(csctp_endpoint_stats, endpoint_stats_v1, drop_bad_cookie)    \
  CHECK_FIELD(csctp_endpoint_stats, endpoint_stats_v1, drop_refused)       \
  CHECK_FIELD(csctp_endpoint_stats, endpoint_stats_v1, drop_unknown_peer)  \
  CHECK_FIELD(csctp_endpoint_stats, endpoint_stats_v1, drop_port_zero)     \
  CHECK_FIELD(csctp_endpoint_stats, endpoint_stats_v1, other_port)         \
  CHECK_FIELD(csctp_endpoint_stats, endpoint_stats_v1, drop_assoc_limit)   \
  CHECK_FIELD(csctp_endpoint_stats, endpoint_stats_v1, rx_memory_used)     \
  CHECK_FIELD(csctp_endpoint_stats, endpoint_stats_v1, rx_memory_peak)     \
  CHECK_SIZE(csctp_dc_config, dc_config_v1)                                \
  CHECK_FIELD(csctp_dc_config, dc_config_v1, role)                         \
  CHECK_FIELD(csctp_dc_config, dc_config_v1, max_message_size)             \
  CHECK_FIELD(csctp_dc_config, dc_config_v1, max_partial_size)             \
  CHECK_FIELD(csctp_dc_config, dc_config_v1, mem)                          \
  CHECK_FIELD(csctp_dc_config, dc_config_v1, log)                          \
  CHECK_FIELD(csctp_dc_config, dc_config_v1, log_user_data)                \
  CHECK_FIELD(csctp_dc_config, dc_config_v1, log_mask)                     \
  CHECK_FIELD(csctp_dc_config, dc_config_v1, log_levels)                   \
  CHECK_SIZE(csctp_dc_stats, dc_stats_v1)                                  \
  CHECK_FIELD(csctp_dc_stats, dc_stats_v1, channels_opened_local)          \
  CHECK_FIELD(csctp_dc_stats, dc_stats_v1, channels_opened_remote)         \
  CHECK_FIELD(csctp_dc_stats, dc_stats_v1, channels_closed)                \
  CHECK_FIELD(csctp_dc_stats, dc_stats_v1, messages_out)                   \
  CHECK_FIELD(csctp_dc_stats, dc_stats_v1, bytes_out)                      \
  CHECK_FIELD(csctp_dc_stats, dc_stats_v1, messages_in)                    \
  CHECK_FIELD(csctp_dc_stats, dc_stats_v1, bytes_in)                       \
  CHECK_FIELD(csctp_dc_stats, dc_stats_v1, dcep_malformed)                 \
  CHECK_FIELD(csctp_dc_stats, dc_stats_v1, dcep_unknown_type)              \
  CHECK_FIELD(csctp_dc_stats, dc_stats_v1, open_rejected)                  \
  CHECK_FIELD(csctp_dc_stats, dc_stats_v1, open_our_parity)                \
  CHECK_FIELD(csctp_dc_stats, dc_stats_v1, ack_unexpected)                 \
  CHECK_FIELD(csctp_dc_stats, dc_stats_v1, msgs_no_channel)                \
  CHECK_FIELD(csctp_dc_stats, dc_stats_v1, msgs_bad_ppid)                  \
  CHECK_FIELD(csctp_dc_stats, dc_stats_v1, partial_dropped)                \
  CHECK_FIELD(csctp_dc_stats, dc_stats_v1, pieces_joined)                  \
  CHECK_FIELD(csctp_dc_stats, dc_stats_v1, pieces_aborted)                 \
  CHECK_FIELD(csctp_dc_stats, dc_stats_v1, resets_no_channel)              \
  CHECK_SIZE(csctp_dtls_config, dtls_config_v1)                            \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, role)                     \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, cert)                     \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, remote_fingerprints)      \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, remote_fingerprint_count) \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, mtu)                      \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, cookie_exchange)          \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, srtp)                     \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, srtp_profiles)            \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, retransmit_initial_ms)    \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, retransmit_max_ms)        \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, cipher_list)              \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, rand)                     \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, rand_user_data)           \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, keylog)                   \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, keylog_user_data)         \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, mem)                      \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, log)                      \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, log_user_data)            \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, log_mask)                 \
  CHECK_FIELD(csctp_dtls_config, dtls_config_v1, log_levels)               \
  CHECK_SIZE(csctp_dtls_stats, dtls_stats_v1)                              \
  CHECK_FIELD(csctp_dtls_stats, dtls_stats_v1, datagrams_in)               \
  CHECK_FIELD(csctp_dtls_stats, dtls_stats_v1, datagrams_out)              \
  CHECK_FIELD(csctp_dtls_stats, dtls_stats_v1, bytes_in)                   \
  CHECK_FIELD(csctp_dtls_stats, dtls_stats_v1, bytes_out)                  \
  CHECK_FIELD(csctp_dtls_stats, dtls_stats_v1, records_in)                 \
  CHECK_FIELD(csctp_dtls_stats, dtls_stats_v1, records_out)                \
  CHECK_FIELD(csctp_dtls_stats, dtls_stats_v1, app_bytes_in)               \
  CHECK_FIELD(csctp_dtls_stats, dtls_stats_v1, app_bytes_out)              \
  CHECK_FIELD(csctp_dtls_stats, dtls_stats_v1, retransmit_timeouts)        \
  CHECK_FIELD(csctp_dtls_stats, dtls_stats_v1, dropped_not_dtls)           \
  CHECK_FIELD(csctp_dtls_stats, dtls_stats_v1, dropped_oversize)           \
  CHECK_FIELD(csctp_dtls_stats, dtls_stats_v1, largest_datagram_out)       \
  CHECK_SIZE(csctp_ice_config, ice_config_v1)                              \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, controlling)                \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, local_addresses)            \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, n_local_addresses)          \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, include_loopback)           \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, port_min)                   \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, port_max)                   \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, servers)                    \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, n_servers)                  \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, local_ufrag)                \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, local_pwd)                  \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, connect_timeout_ms)         \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, consent_freshness)          \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, on_event)                   \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, user_data)                  \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, mem)                        \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, log)                        \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, log_user_data)              \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, log_mask)                   \
  CHECK_FIELD(csctp_ice_config, ice_config_v1, log_levels)                 \
  CHECK_SIZE(csctp_peer_config, peer_config_v1)                            \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, on_event)                 \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, user_data)                \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, local_addresses)          \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, n_local_addresses)        \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, include_loopback)         \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, port_min)                 \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, port_max)                 \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, servers)                  \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, n_servers)                \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, offerer)                  \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, cert)                     \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, dtls_srtp)                \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, max_message_size)         \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, sctp_port)                \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, sctp_rwnd)                \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, sctp_sndbuf)              \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, ice_connect_timeout_ms)   \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, mem)                      \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, log)                      \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, log_user_data)            \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, log_mask)                 \
  CHECK_FIELD(csctp_peer_config, peer_config_v1, log_levels)               \
  CHECK_SIZE(csctp_connect_opts, connect_opts_v1)                          \
  CHECK_FIELD(csctp_connect_opts, connect_opts_v1, host)                   \
  CHECK_FIELD(csctp_connect_opts, connect_opts_v1, port)                   \
  CHECK_FIELD(csctp_connect_opts, connect_opts_v1, local_address)          \
  CHECK_FIELD(csctp_connect_opts, connect_opts_v1, local_port)             \
  CHECK_FIELD(csctp_connect_opts, connect_opts_v1, MIS)                    \
  CHECK_FIELD(csctp_connect_opts, connect_opts_v1, OS)                     \
  CHECK_FIELD(csctp_connect_opts, connect_opts_v1, passive)                \
  CHECK_FIELD(csctp_connect_opts, connect_opts_v1, ppid)                   \
  CHECK_FIELD(csctp_connect_opts, connect_opts_v1, udp_transport)          \
  CHECK_FIELD(csctp_connect_opts, connect_opts_v1, udp_local_port)         \
  CHECK_FIELD(csctp_connect_opts, connect_opts_v1, udp_peer_address)       \
  CHECK_FIELD(csctp_connect_opts, connect_opts_v1, udp_peer_port)          \
  CHECK_FIELD(csctp_connect_opts, connect_opts_v1, mtu)                    \
  CHECK_FIELD(csctp_connect_opts, connect_opts_v1, connect_timeout_ms)     \
  CHECK_FIELD(csctp_connect_opts, connect_opts_v1, sndbuf)                 \
  CHECK_FIELD(csctp_connect_opts, connect_opts_v1, rcvbuf)

#endif
