/* SPDX-License-Identifier: MIT */
/*
 * Issue 11, finding 1, over DTLS (RFC 8261): the peer of a WebRTC data channel
 * sends SCTP packets in DTLS records of up to 16 KB, so one record can carry a
 * 16,000-byte DATA chunk. A peer that withholds a TSN and fills the holes
 * above it must not make the victim (csctp_dtls_sctp) hold more than its
 * receive window. The attacker is a csctp_dtls_sctp of its own whose DTLS MTU
 * allows 16 KB records; its packets are written by hand under the victim's
 * tag and sent with csctp_dtls_send.
 */
#include <criterion/criterion.h>
#include <csctp/dtls.h>
#include <stdlib.h>
#include <string.h>

#include "assoc.h"
#include "meter_mem.h"
#include "packet.h"
#include "prng.h"
#include "wr.h"

/* The victim's allocations, live and peak (both its layers allocate through this). */
static meter_mem vm;

#define BIG 17000
static uint8_t dgram[BIG + 512];
static csctp_tstamp now = 1000000;

/* Moves every datagram `from` has to `to` (NULL: thrown away). */
static void pump(csctp_dtls_sctp *from, csctp_dtls_sctp *to) {
  csctp_ssize n;
  while ((n = csctp_dtls_sctp_write_datagram(from, dgram, sizeof dgram, now)) > 0)
    if (to) cr_assert_eq(csctp_dtls_sctp_read_datagram(to, dgram, (size_t)n, now), 0);
  cr_assert_geq(n, 0);
}

Test(rx_memory_dtls, holes_filled_with_16KB_records_stay_within_the_window) {
  csctp_dtls_cert *cert[2];
  csctp_dtls_sctp *t[2]; /* 0: the attacker (DTLS client), 1: the victim */
  meter_mem_init(&vm);
  csctp_prng rng[2];
  for (int i = 0; i < 2; i++) {
    cr_assert_eq(csctp_dtls_cert_generate(&cert[i], NULL, 1700000000, NULL), 0);
    csctp_prng_seed(&rng[i], 40 + (uint64_t)i);
  }
  for (int i = 0; i < 2; i++) {
    csctp_dtls_fingerprint fp;
    cr_assert_eq(csctp_dtls_cert_fingerprint(cert[1 - i], CSCTP_DTLS_HASH_SHA256, &fp), 0);
    csctp_dtls_config dc;
    csctp_dtls_config_default(&dc);
    dc.role = i ? CSCTP_DTLS_SERVER : CSCTP_DTLS_CLIENT;
    dc.cert = cert[i];
    dc.remote_fingerprints = &fp;
    dc.remote_fingerprint_count = 1;
    dc.mtu = i ? 1200 : BIG; /* the attacker's records are as large as DTLS allows */
    if (i) dc.mem = &vm.mem;
    csctp_config sc;
    csctp_config_default(&sc);
    sc.rand = csctp_prng_rand_fn;
    sc.rand_user_data = &rng[i];
    if (i) sc.mem = &vm.mem;
    cr_assert_eq(csctp_dtls_sctp_new(&t[i], &dc, &sc, 1), 0);
  }
  for (int i = 0; i < 2; i++) cr_assert_eq(csctp_dtls_sctp_start(t[i], now), 0);
  csctp_assoc *att = csctp_dtls_sctp_assoc(t[0]), *vic = csctp_dtls_sctp_assoc(t[1]);
  for (int k = 0; k < 50 && (csctp_assoc_get_state(att) != CSCTP_STATE_ESTABLISHED ||
                             csctp_assoc_get_state(vic) != CSCTP_STATE_ESTABLISHED);
       k++) {
    pump(t[0], t[1]);
    pump(t[1], t[0]);
    now += 10 * CSCTP_MILLISECONDS;
  }
  cr_assert_eq(csctp_assoc_get_state(vic), CSCTP_STATE_ESTABLISHED);
  size_t before = vm.live;
  vm.peak = vm.live;

  /* The attack: TSN base withheld, then 2,000 chunks of 16,000 bytes from the top down. */
  uint32_t tag = att->peer_tag, base = vic->rxt.cum + 1;
  csctp_dtls *d = csctp_dtls_sctp_dtls(t[0]);
  static uint8_t pkt[BIG];
  for (uint32_t i = 2000; i >= 1; i--) {
    csctp_wr w;
    csctp_wr_init(&w, pkt, sizeof pkt);
    csctp_packet_write_header(&w, 5000, 5000, tag);
    csctp_wr_u8(&w, CSCTP_CHUNK_DATA);
    csctp_wr_u8(&w, CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E | CSCTP_DATA_FLAG_U);
    csctp_wr_u16(&w, 16 + 16000);
    csctp_wr_u32(&w, base + i);
    csctp_wr_u16(&w, (uint16_t)(i % 5));
    csctp_wr_u16(&w, 0);
    csctp_wr_u32(&w, CSCTP_PPID_WEBRTC_BINARY);
    csctp_wr_zeros(&w, 16000);
    cr_assert(!w.overflow);
    csctp_packet_set_crc(pkt, w.len);
    cr_assert_eq(csctp_dtls_send(d, pkt, w.len, now), 0);
    pump(t[0], t[1]);
    pump(t[1], NULL); /* the victim's SACKs: the attacker does not care */
  }
  csctp_stats st;
  csctp_assoc_get_stats(vic, &st);
  size_t peak = vm.peak - before;
  size_t bound = (size_t)vic->cfg.rwnd + vic->cfg.max_message_size + 256 * 1024;
  cr_assert_gt(st.data_chunks_in, 1900, "the records reached the association (%llu chunks)",
               (unsigned long long)st.data_chunks_in);
  cr_assert_gt(st.drop_out_of_window, 1800, "dropped: %llu",
               (unsigned long long)st.drop_out_of_window);
  cr_assert_leq(peak, bound, "the victim held %zu bytes (bound %zu)", peak, bound);
  for (int i = 0; i < 2; i++) {
    csctp_dtls_sctp_del(t[i]);
    csctp_dtls_cert_del(cert[i]);
  }
  cr_assert_eq(vm.live, 0, "%zu bytes left", vm.live);
}
