/* SPDX-License-Identifier: MIT */
/*
 * The association's own counters: the fields of csctp_stats versions 1 to 4, in the same order
 * (the public header documents them). Later versions' counters live with their feature (an
 * ASCONF association's in its csctp_asconf, assoc_asconf.h), so that csctp_assoc does not grow
 * with every csctp_stats version; assoc_fill_stats copies this prefix and then fills the rest.
 */
#ifndef CSCTP_ASSOC_STATS_H
#define CSCTP_ASSOC_STATS_H

#include <stddef.h>
#include <stdint.h>

#include <csctp/sctp.h>

typedef struct csctp_assoc_stats {
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
  uint32_t unacked_chunks;
  uint8_t interleaving;
  uint8_t scheduler;
  uint8_t auth;
  uint64_t auth_out, auth_in;
  uint64_t auth_drop_missing;
  uint64_t auth_drop_bad_hmac;
  uint64_t auth_drop_key_id;
  uint64_t auth_drop_hmac_id;
  uint8_t ecn;
  uint64_t ecn_ce_in;
  uint64_t ecn_ect_out;
  uint64_t ecne_out, ecne_in;
  uint64_t cwr_out, cwr_in;
  uint64_t ecn_cwnd_reductions;
  uint64_t ecne_ignored;
  uint64_t cwr_ignored;
  uint64_t ecn_unexpected;
  uint8_t n_paths;
  uint8_t primary_path;
  uint8_t data_path;
  uint64_t path_failovers;
  uint64_t path_inactive;
  uint64_t paths_confirmed;
  uint64_t peer_addrs_ignored;
  uint64_t drop_unknown_source;
  uint64_t hb_unconfirmed_out;
  uint64_t pf_transitions;
} csctp_assoc_stats;

/* The same layout as the public prefix: copied with one memcpy. */
_Static_assert(sizeof(csctp_assoc_stats) <= offsetof(csctp_stats, asconf), "stats prefix");
_Static_assert(offsetof(csctp_assoc_stats, pf_transitions) == offsetof(csctp_stats, pf_transitions),
               "stats prefix layout");
_Static_assert(offsetof(csctp_assoc_stats, auth) == offsetof(csctp_stats, auth),
               "stats prefix layout");
_Static_assert(offsetof(csctp_assoc_stats, ecn) == offsetof(csctp_stats, ecn),
               "stats prefix layout");
_Static_assert(offsetof(csctp_assoc_stats, n_paths) == offsetof(csctp_stats, n_paths),
               "stats prefix layout");

#endif
