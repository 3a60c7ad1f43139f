/* SPDX-License-Identifier: MIT */
/*
 * The size arithmetic of PLPMTUD over DTLS, on a virtual clock without a network: two
 * csctp_dtls_sctp endpoints configured as the peer configures them with
 * csctp_peer_config.plpmtud_max = D (DTLS MTU D, handshake MTU set lower, SCTP base 1163,
 * SCTP maximum csctp_peer_sctp_max(D)), joined by a link that carries datagrams of up to
 * D bytes. The probes must reach exactly the largest SCTP packet (a multiple of 4) whose
 * AES-GCM record fits D: D - 37 rounded down to 4, written as one datagram of that plus
 * 37; none refused by DTLS as too large. D = 1497 (D - 37 a multiple of 4) catches an
 * overhead counted one too high (1456, not 1460); D = 1496 (D - 36 a multiple of 4) one
 * counted too low (a 1460 probe DTLS must refuse). Also: the handshake keeps to its own
 * MTU, and OpenSSL's MTU setting does not cap application records.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <time.h>

#include <csctp/dtls.h>
#include <csctp/peer.h>

#include "../../peer/peer_priv.h"

#define HS_MTU 300 /* lower than the peer's 1200, to see OpenSSL fragment to it */

typedef struct pair {
  csctp_dtls_sctp *t[2];
  csctp_dtls_cert *cert[2];
  csctp_dtls_fingerprint fp[2];
  size_t largest_hs; /* largest datagram before both associations were up */
  size_t largest;
} pair;

static int rand_bytes(uint8_t *buf, size_t len, void *user) {
  static uint32_t x = 12345;
  (void)user;
  for (size_t i = 0; i < len; i++) {
    x = x * 1103515245u + 12345u;
    buf[i] = (uint8_t)(x >> 16);
  }
  return 0;
}

static void pair_new(pair *p, uint32_t dgram) {
  memset(p, 0, sizeof *p);
  for (int i = 0; i < 2; i++) {
    cr_assert_eq(csctp_dtls_cert_generate(&p->cert[i], "t", (int64_t)time(NULL), NULL), 0);
    cr_assert_eq(csctp_dtls_cert_fingerprint(p->cert[i], CSCTP_DTLS_HASH_SHA256, &p->fp[i]), 0);
  }
  for (int i = 0; i < 2; i++) {
    csctp_dtls_config dc;
    csctp_dtls_config_default(&dc);
    dc.role = i ? CSCTP_DTLS_SERVER : CSCTP_DTLS_CLIENT;
    dc.cert = p->cert[i];
    dc.remote_fingerprints = &p->fp[1 - i];
    dc.remote_fingerprint_count = 1;
    dc.mtu = dgram;
    csctp_config sc;
    csctp_config_default(&sc);
    sc.rand = rand_bytes;
    sc.mtu = PEER_DTLS_MTU - CSCTP_DTLS_MAX_RECORD_OVERHEAD;
    sc.plpmtud_max = csctp_peer_sctp_max(dgram);
    sc.plpmtud_probe_timer = 1000;
    csctp_assoc *a;
    cr_assert_eq(csctp_assoc_new(&a, &sc), 0);
    cr_assert_eq(csctp_dtls_sctp_new_with_assoc(&p->t[i], &dc, a, 0), 0);
    csctp_dtls *d = csctp_dtls_sctp_dtls(p->t[i]);
    cr_assert_eq(csctp_dtls_set_handshake_mtu(d, dgram + 1), CSCTP_ERR_INVALID_ARGUMENT);
    cr_assert_eq(csctp_dtls_set_handshake_mtu(d, HS_MTU), 0);
  }
}

static void pair_del(pair *p) {
  for (int i = 0; i < 2; i++) {
    csctp_dtls_sctp_del(p->t[i]);
    csctp_dtls_cert_del(p->cert[i]);
  }
}

static int up(pair *p) {
  return csctp_assoc_get_state(csctp_dtls_sctp_assoc(p->t[0])) == CSCTP_STATE_ESTABLISHED &&
         csctp_assoc_get_state(csctp_dtls_sctp_assoc(p->t[1])) == CSCTP_STATE_ESTABLISHED;
}

/* Runs both sides for `secs` virtual seconds over a link of `link` bytes. */
static void pair_run(pair *p, uint32_t link, csctp_tstamp *now, unsigned secs) {
  static uint8_t buf[CSCTP_PEER_PLPMTUD_LIMIT];
  csctp_tstamp end = *now + (csctp_tstamp)secs * CSCTP_SECONDS;
  while (*now < end) {
    int moved = 1;
    while (moved) {
      moved = 0;
      for (int i = 0; i < 2; i++) {
        csctp_ssize n;
        while ((n = csctp_dtls_sctp_write_datagram(p->t[i], buf, sizeof buf, *now)) > 0) {
          moved = 1;
          if ((size_t)n > p->largest) p->largest = (size_t)n;
          if (!up(p) && (size_t)n > p->largest_hs) p->largest_hs = (size_t)n;
          if ((uint32_t)n > link) continue; /* dropped on the path */
          cr_assert_geq(csctp_dtls_sctp_read_datagram(p->t[1 - i], buf, (size_t)n, *now), 0);
        }
        cr_assert_geq(n, 0, "write_datagram: %s", csctp_strerror((int)n));
      }
    }
    csctp_tstamp e0 = csctp_dtls_sctp_expiry(p->t[0]), e1 = csctp_dtls_sctp_expiry(p->t[1]);
    csctp_tstamp next = e0 < e1 ? e0 : e1;
    if (next == CSCTP_TSTAMP_NONE || next > end) next = end;
    *now = next > *now ? next : *now + 1000;
    for (int i = 0; i < 2; i++)
      if (csctp_dtls_sctp_expiry(p->t[i]) <= *now)
        cr_assert_geq(csctp_dtls_sctp_handle_expiry(p->t[i], *now), 0);
  }
}

static void exact_size(uint32_t dgram) {
  pair p;
  pair_new(&p, dgram);
  csctp_tstamp now = CSCTP_SECONDS;
  cr_assert_eq(csctp_dtls_sctp_start(p.t[0], now), 0);
  cr_assert_eq(csctp_dtls_sctp_start(p.t[1], now), 0);
  pair_run(&p, dgram, &now, 120);
  cr_assert(up(&p), "no association");
  cr_assert_leq(p.largest_hs, HS_MTU, "a handshake datagram of %zu bytes", p.largest_hs);
  uint32_t want = (dgram - 37) & ~3u;
  for (int i = 0; i < 2; i++) {
    uint32_t got = csctp_assoc_get_pmtu(csctp_dtls_sctp_assoc(p.t[i]));
    cr_assert_eq(got, want, "side %d: PMTU %u, not %u (datagram %u)", i, got, want, dgram);
    cr_assert_eq(csctp_dtls_sctp_get_packets_dropped(p.t[i]), 0,
                 "side %d: DTLS refused a packet (a probe over the record's room)", i);
  }
  cr_assert_eq(p.largest, want + 37, "largest datagram %zu", p.largest);
  pair_del(&p);
}

Test(peer_plpmtud_size, sctp_max_is_the_datagram_less_37) {
  cr_assert_eq(csctp_peer_sctp_max(1200), 1163);
  cr_assert_eq(csctp_peer_sctp_max(1472), 1435);
}

Test(peer_plpmtud_size, overhead_not_counted_high) { exact_size(1497); }
Test(peer_plpmtud_size, overhead_not_counted_low) { exact_size(1496); }

static void no_event(csctp_peer *peer, const csctp_peer_event *ev, void *user_data) {
  (void)peer;
  (void)ev;
  (void)user_data;
}

/* plpmtud_max outside 1200..CSCTP_PEER_PLPMTUD_LIMIT, or a probe timer under 1 s, is refused. */
Test(peer_plpmtud_size, config_bounds) {
  static const struct {
    uint32_t max, timer;
    int ok;
  } cases[] = {{0, 0, 1},    {1199, 0, 0},  {1200, 0, 1}, {CSCTP_PEER_PLPMTUD_LIMIT, 1000, 1},
               {2049, 0, 0}, {1472, 999, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    csctp_peer_config cfg;
    csctp_peer_config_default(&cfg);
    cfg.on_event = no_event;
    cfg.plpmtud_max = cases[i].max;
    cfg.plpmtud_probe_timer_ms = cases[i].timer;
    csctp_peer *p = NULL;
    int rv = csctp_peer_new(&p, NULL, &cfg);
    cr_assert_eq(rv, cases[i].ok ? 0 : CSCTP_ERR_INVALID_ARGUMENT, "max %u timer %u: %s",
                 cases[i].max, cases[i].timer, csctp_strerror(rv));
    csctp_peer_del(p);
  }
  cr_assert_eq(CSCTP_PEER_PLPMTUD_LIMIT, 2048);
}
