/* SPDX-License-Identifier: MIT */
/*
 * SCTP over DTLS (RFC 8261) across the simulated link on a virtual clock:
 * handshake, association, verified messages both ways on several streams,
 * ordered and unordered, at 0 % and 5 % loss, then a graceful shutdown and
 * DTLS close_notify. Also: over associations made before the DTLS endpoint
 * (csctp_dtls_sctp_new_with_assoc, as the peer does), and a DTLS side closed
 * before its handshake completes, which then starts no association.
 */
#include <criterion/criterion.h>
#include <csctp/dtls.h>
#include <stdio.h>
#include <string.h>

#include "prng.h"
#include "simlink.h"
#include "traffic.h"

static csctp_ssize ops_write(void *ep, uint8_t *buf, size_t cap, csctp_tstamp now) {
  return csctp_dtls_sctp_write_datagram(ep, buf, cap, now);
}
static int ops_read(void *ep, const uint8_t *pkt, size_t len, csctp_tstamp now) {
  return csctp_dtls_sctp_read_datagram(ep, pkt, len, now);
}
static csctp_tstamp ops_expiry(const void *ep) { return csctp_dtls_sctp_expiry(ep); }
static int ops_handle_expiry(void *ep, csctp_tstamp now) {
  return csctp_dtls_sctp_handle_expiry(ep, now);
}
static int ops_poll(void *ep, csctp_event *ev) { return csctp_dtls_sctp_poll_event(ep, ev); }
static const csctp_simlink_ops dtls_sctp_ops = {
    ops_write, ops_read, ops_expiry, ops_handle_expiry, ops_poll, NULL, NULL, NULL, NULL};

typedef struct run {
  csctp_dtls_sctp *t[2];
  csctp_dtls_cert *cert[2];
  csctp_prng rng[2];
  csctp_traffic_tx tx[2];
  csctp_traffic_rx rx[2]; /* rx[i]: what side i receives (direction 1 - i) */
  int connected[2], closed[2], dtls_connected[2], dtls_failed[2], dtls_closed[2];
  int dtls_closed_by_peer[2];
  char cipher[2][96];
  int shutting_down;
} run;

static void on_event(csctp_simlink *link, int side, const csctp_event *ev, void *user) {
  run *r = user;
  (void)link;
  switch (ev->type) {
  case CSCTP_EVENT_CONNECTED: r->connected[side] = 1; break;
  case CSCTP_EVENT_MESSAGE: csctp_traffic_rx_on_message(&r->rx[side], ev); break;
  case CSCTP_EVENT_CLOSED: r->closed[side] = 1; break;
  default: break;
  }
}

static void poll_dtls(run *r) {
  for (int i = 0; i < 2; i++) {
    csctp_dtls_event ev;
    while (csctp_dtls_sctp_poll_dtls_event(r->t[i], &ev)) {
      if (ev.type == CSCTP_DTLS_EVENT_CONNECTED) {
        r->dtls_connected[i] = 1;
        snprintf(r->cipher[i], sizeof r->cipher[i], "%s", ev.u.connected.cipher);
      }
      if (ev.type == CSCTP_DTLS_EVENT_ERROR) r->dtls_failed[i] = 1;
      if (ev.type == CSCTP_DTLS_EVENT_CLOSED) {
        r->dtls_closed[i] = 1;
        r->dtls_closed_by_peer[i] = ev.u.closed.by_peer;
      }
    }
  }
}

static int data_done(csctp_simlink *link, void *user) {
  run *r = user;
  poll_dtls(r);
  for (int i = 0; i < 2; i++)
    csctp_traffic_tx_pump(&r->tx[i], csctp_dtls_sctp_assoc(r->t[i]), csctp_simlink_now(link));
  return r->dtls_failed[0] || r->dtls_failed[1] ||
         (csctp_traffic_rx_complete(&r->rx[0]) && csctp_traffic_rx_complete(&r->rx[1]));
}

static int both_closed(csctp_simlink *link, void *user) {
  run *r = user;
  (void)link;
  return r->closed[0] && r->closed[1];
}

static int dtls_both_closed(csctp_simlink *link, void *user) {
  run *r = user;
  (void)link;
  poll_dtls(r);
  return r->dtls_closed[0] && r->dtls_closed[1];
}

static int dtls_both_connected(csctp_simlink *link, void *user) {
  run *r = user;
  (void)link;
  poll_dtls(r);
  return r->dtls_connected[0] && r->dtls_connected[1];
}

/* RFC 9653 EDMID of both sides' SCTP (0: zero checksum off), set by a test before exchange(). */
static uint32_t zc_edmid;
/* 1: each side's association is made first and handed to csctp_dtls_sctp_new_with_assoc,
 * with a message queued on it before the DTLS endpoint exists (set by a test). */
static int adopt_assoc;
/* 1: SNAP, each side's INIT handed to the other before the handshake (set by a test). */
static int snap;
/* What that early message is, per side. */
static const uint8_t early_msg[2][6] = {"early0", "early1"};
static int early_got[2];

static void on_event_early(csctp_simlink *link, int side, const csctp_event *ev, void *user) {
  if (ev->type == CSCTP_EVENT_MESSAGE && ev->u.message.stream == 0 &&
      ev->u.message.len == sizeof early_msg[0] &&
      memcmp(ev->u.message.data, early_msg[1 - side], sizeof early_msg[0]) == 0) {
    early_got[side]++;
    return;
  }
  on_event(link, side, ev, user);
}

static void exchange(uint64_t seed, double loss, int passive, uint32_t messages) {
  static run rs;
  run *r = &rs;
  memset(r, 0, sizeof *r);
  csctp_simlink_config lc;
  csctp_simlink_config_default(&lc);
  lc.seed = seed;
  lc.dir[0].loss = lc.dir[1].loss = loss;
  csctp_simlink *link = csctp_simlink_new(&lc);
  cr_assert_not_null(link);

  csctp_traffic_config tc = {
      .seed = seed, .messages = messages, .streams = 5, .unordered_permille = 300};
  static const csctp_traffic_band bands[] = {{70, 1, 200}, {25, 201, 4000}, {5, 4001, 40000}};
  tc.bands = bands;
  tc.nbands = 3;
  for (int i = 0; i < 2; i++) {
    cr_assert_eq(csctp_dtls_cert_generate(&r->cert[i], NULL, 1700000000, NULL), 0);
    csctp_prng_seed(&r->rng[i], seed * 2 + (uint64_t)i);
  }
  for (int i = 0; i < 2; i++) {
    csctp_dtls_fingerprint fp;
    cr_assert_eq(csctp_dtls_cert_fingerprint(r->cert[1 - i], CSCTP_DTLS_HASH_SHA256, &fp), 0);
    csctp_dtls_config dc;
    csctp_dtls_config_default(&dc);
    dc.role = i ? CSCTP_DTLS_SERVER : CSCTP_DTLS_CLIENT;
    dc.cert = r->cert[i];
    dc.remote_fingerprints = &fp;
    dc.remote_fingerprint_count = 1;
    dc.retransmit_initial_ms = 400;
    csctp_config sc;
    csctp_config_default(&sc);
    sc.rand = csctp_prng_rand_fn;
    sc.rand_user_data = &r->rng[i];
    sc.rto_initial = 400;
    sc.rto_min = 200;
    sc.zero_checksum_edmid = zc_edmid;
    int rv;
    if (adopt_assoc) {
      sc.mtu = 1200 - CSCTP_DTLS_MAX_RECORD_OVERHEAD; /* the DTLS MTU's room (default 1200) */
      csctp_assoc *a;
      cr_assert_eq(csctp_assoc_new(&a, &sc), 0);
      csctp_send_opts so = {.stream = 0, .ppid = CSCTP_PPID_WEBRTC_BINARY};
      cr_assert_eq(csctp_assoc_send(a, &so, early_msg[i], sizeof early_msg[i], 0), 0);
      rv = csctp_dtls_sctp_new_with_assoc(&r->t[i], &dc, a, passive);
      cr_assert_eq(rv, 0, "%s", csctp_strerror(rv));
      cr_assert_eq(csctp_dtls_sctp_assoc(r->t[i]), a);
    } else {
      rv = csctp_dtls_sctp_new(&r->t[i], &dc, &sc, passive);
      cr_assert_eq(rv, 0, "%s", csctp_strerror(rv));
    }
    cr_assert_eq(csctp_traffic_tx_init(&r->tx[i], &tc, i), 0);
    cr_assert_eq(csctp_traffic_rx_init(&r->rx[i], &tc, 1 - i), 0);
    csctp_simlink_attach(link, i, &dtls_sctp_ops, r->t[i]);
    csctp_simlink_set_event_handler(link, i, adopt_assoc ? on_event_early : on_event, r);
  }
  early_got[0] = early_got[1] = 0;
  for (int i = 0; snap && i < 2; i++) {
    uint8_t init[64];
    csctp_ssize n = csctp_assoc_snap_init(csctp_dtls_sctp_assoc(r->t[i]), init, sizeof init);
    cr_assert_gt(n, 0);
    cr_assert_eq(csctp_dtls_sctp_set_snap(r->t[1 - i], init, (size_t)n), 0);
  }
  for (int i = 0; i < 2; i++)
    cr_assert_eq(csctp_dtls_sctp_start(r->t[i], csctp_simlink_now(link)), 0);

  csctp_simlink_stop st = csctp_simlink_run_until(link, data_done, r, 3600 * CSCTP_SECONDS);
  for (int i = 0; i < 2; i++) {
    cr_assert(r->dtls_connected[i], "side %d DTLS not connected (stop %s)", i,
              csctp_simlink_stop_name(st));
    cr_assert_not(r->dtls_failed[i]);
    cr_assert(r->connected[i], "side %d SCTP not connected", i);
    cr_assert_str_eq(r->cipher[i], "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    csctp_traffic_rx *rx = &r->rx[i];
    cr_assert(csctp_traffic_rx_complete(rx), "side %d got %llu of %u (%s), stop %s", i,
              (unsigned long long)rx->received, messages, rx->failure, csctp_simlink_stop_name(st));
    cr_assert_eq(rx->corrupt + rx->duplicates + rx->misordered + rx->unknown, 0, "%s", rx->failure);
    const csctp_simlink_counters *c = csctp_simlink_counters_get(link, i);
    cr_assert_eq(c->dropped_mtu, 0, "a datagram exceeded 1200 bytes");
    if (loss > 0) cr_assert_gt(c->dropped_loss, 0);
    csctp_dtls_stats ds;
    csctp_dtls_get_stats(csctp_dtls_sctp_dtls(r->t[i]), &ds);
    cr_assert_leq(ds.largest_datagram_out, 1200);
    cr_assert_eq(ds.dropped_oversize, 0);
    cr_assert_eq(csctp_dtls_sctp_get_packets_dropped(r->t[i]), 0);
    if (adopt_assoc)
      cr_assert_eq(early_got[i], 1, "side %d: early message %d times", i, early_got[i]);
    cr_assert_eq(csctp_assoc_get_state(csctp_dtls_sctp_assoc(r->t[i])), CSCTP_STATE_ESTABLISHED);
    csctp_stats ss;
    csctp_assoc_get_stats(csctp_dtls_sctp_assoc(r->t[i]), &ss);
    cr_assert_eq(ss.drop_bad_crc, 0);
    cr_assert_eq(ss.zero_checksum, zc_edmid != 0, "side %d: zero checksum negotiation", i);
    if (zc_edmid && snap) { /* no handshake on the wire: every packet had a zero checksum */
      cr_assert_eq(ss.zero_checksum_in, ss.packets_in, "side %d: %llu of %llu", i,
                   (unsigned long long)ss.zero_checksum_in, (unsigned long long)ss.packets_in);
      cr_assert_eq(ss.zero_checksum_out, ss.packets_out);
    } else if (zc_edmid) { /* all but the handshake came with a zero checksum */
      cr_assert_gt(ss.zero_checksum_in, ss.packets_in / 2, "side %d: %llu of %llu", i,
                   (unsigned long long)ss.zero_checksum_in, (unsigned long long)ss.packets_in);
      cr_assert_gt(ss.zero_checksum_out, 0);
    } else {
      cr_assert_eq(ss.zero_checksum_in + ss.zero_checksum_out, 0);
    }
  }
  /* Graceful SCTP shutdown over DTLS. */
  cr_assert_eq(csctp_assoc_shutdown(csctp_dtls_sctp_assoc(r->t[0]), csctp_simlink_now(link)), 0);
  st = csctp_simlink_run_until(link, both_closed, r, 600 * CSCTP_SECONDS);
  cr_assert(r->closed[0] && r->closed[1], "shutdown: stop %s", csctp_simlink_stop_name(st));
  /* Then DTLS close_notify: our CLOSED event at once, the other side's when it arrives
   * (sent once: a lost one is not repeated). */
  cr_assert_eq(csctp_dtls_sctp_close(r->t[0], csctp_simlink_now(link)), 0);
  cr_assert_eq(csctp_dtls_sctp_close(r->t[0], csctp_simlink_now(link)), CSCTP_ERR_INVALID_STATE);
  st = csctp_simlink_run_until(link, dtls_both_closed, r, 600 * CSCTP_SECONDS);
  cr_assert(r->dtls_closed[0], "close_notify: stop %s", csctp_simlink_stop_name(st));
  cr_assert_not(r->dtls_closed_by_peer[0]);
  if (loss == 0) cr_assert(r->dtls_closed[1] && r->dtls_closed_by_peer[1]);

  for (int i = 0; i < 2; i++) {
    csctp_traffic_tx_free(&r->tx[i]);
    csctp_traffic_rx_free(&r->rx[i]);
    csctp_dtls_sctp_del(r->t[i]);
    csctp_dtls_cert_del(r->cert[i]);
  }
  csctp_simlink_del(link);
}

Test(sctp_dtls, no_loss_both_connect) { exchange(1, 0.0, 0, 2000); }
Test(sctp_dtls, no_loss_server_passive) { exchange(2, 0.0, 1, 500); }
Test(sctp_dtls, five_percent_loss) {
  for (uint64_t seed = 3; seed < 6; seed++) exchange(seed, 0.05, 0, 1000);
}
Test(sctp_dtls, zero_checksum_five_percent_loss) {
  zc_edmid = CSCTP_EDMID_DTLS;
  exchange(7, 0.05, 0, 1000);
  exchange(8, 0.05, 1, 500);
}

Test(sctp_dtls, adopted_association) {
  adopt_assoc = 1;
  exchange(9, 0.0, 0, 500);
  exchange(10, 0.05, 1, 500);
}

/* SNAP: the INITs exchanged out of band; with zero checksum on, every SCTP packet on the wire
 * has a zero checksum, so none was INIT, INIT ACK, COOKIE ECHO or COOKIE ACK (RFC 9653 §5.4
 * gives those a real one). At 5 % loss too, and with one side passive. */
Test(sctp_dtls, snap_without_a_handshake) {
  snap = 1;
  zc_edmid = CSCTP_EDMID_DTLS;
  exchange(11, 0.0, 0, 500);
  exchange(12, 0.05, 1, 500);
  snap = 0;
  exchange(13, 0.0, 0, 100); /* and the handshake still, without it */
}

Test(sctp_dtls, snap_refusals) {
  csctp_dtls_cert *cert = NULL;
  cr_assert_eq(csctp_dtls_cert_generate(&cert, NULL, 1700000000, NULL), 0);
  csctp_dtls_config dc;
  csctp_dtls_config_default(&dc);
  dc.cert = cert;
  csctp_config sc;
  csctp_config_default(&sc);
  csctp_prng rng;
  csctp_prng_seed(&rng, 14);
  sc.rand = csctp_prng_rand_fn;
  sc.rand_user_data = &rng;
  csctp_dtls_sctp *t = NULL;
  cr_assert_eq(csctp_dtls_sctp_new(&t, &dc, &sc, 0), 0);
  static const uint8_t not_init[] = {2,    0, 0, 20, 1, 2, 3, 4, 0, 0,
                                     0x10, 0, 0, 1,  0, 1, 0, 0, 0, 1};
  cr_assert_eq(csctp_dtls_sctp_set_snap(t, not_init, sizeof not_init), CSCTP_ERR_MALFORMED);
  cr_assert_eq(csctp_dtls_sctp_set_snap(t, NULL, 20), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_dtls_sctp_set_snap(NULL, not_init, 20), CSCTP_ERR_INVALID_ARGUMENT);
  csctp_dtls_sctp_del(t);
  csctp_dtls_cert_del(cert);
}

/* A side closed before its handshake completes sends no INIT; both closed: no association. */
Test(sctp_dtls, closed_before_handshake_no_association) {
  static run rs;
  run *r = &rs;
  memset(r, 0, sizeof *r);
  csctp_simlink_config lc;
  csctp_simlink_config_default(&lc);
  lc.seed = 11;
  csctp_simlink *link = csctp_simlink_new(&lc);
  cr_assert_not_null(link);
  for (int i = 0; i < 2; i++) {
    cr_assert_eq(csctp_dtls_cert_generate(&r->cert[i], NULL, 1700000000, NULL), 0);
    csctp_prng_seed(&r->rng[i], 22 + (uint64_t)i);
  }
  for (int i = 0; i < 2; i++) {
    csctp_dtls_fingerprint fp;
    cr_assert_eq(csctp_dtls_cert_fingerprint(r->cert[1 - i], CSCTP_DTLS_HASH_SHA256, &fp), 0);
    csctp_dtls_config dc;
    csctp_dtls_config_default(&dc);
    dc.role = i ? CSCTP_DTLS_SERVER : CSCTP_DTLS_CLIENT;
    dc.cert = r->cert[i];
    dc.remote_fingerprints = &fp;
    dc.remote_fingerprint_count = 1;
    csctp_config sc;
    csctp_config_default(&sc);
    sc.rand = csctp_prng_rand_fn;
    sc.rand_user_data = &r->rng[i];
    cr_assert_eq(csctp_dtls_sctp_new(&r->t[i], &dc, &sc, 0), 0);
    csctp_simlink_attach(link, i, &dtls_sctp_ops, r->t[i]);
    csctp_simlink_set_event_handler(link, i, on_event, r);
  }
  for (int i = 0; i < 2; i++) {
    /* Not connected: nothing to notify, but no INIT from now on. */
    cr_assert_eq(csctp_dtls_sctp_close(r->t[i], 0), CSCTP_ERR_INVALID_STATE);
    cr_assert_eq(csctp_dtls_sctp_start(r->t[i], 0), 0);
  }
  csctp_simlink_stop st = csctp_simlink_run_until(link, dtls_both_connected, r, 60 * CSCTP_SECONDS);
  cr_assert_eq(st, CSCTP_SIMLINK_DONE, "handshake: stop %s", csctp_simlink_stop_name(st));
  st = csctp_simlink_run_until(link, NULL, NULL, 60 * CSCTP_SECONDS);
  cr_assert_neq(st, CSCTP_SIMLINK_ERROR);
  for (int i = 0; i < 2; i++) {
    cr_assert_not(r->connected[i]);
    cr_assert_eq(csctp_assoc_get_state(csctp_dtls_sctp_assoc(r->t[i])), CSCTP_STATE_CLOSED);
    csctp_stats ss;
    csctp_assoc_get_stats(csctp_dtls_sctp_assoc(r->t[i]), &ss);
    cr_assert_eq(ss.packets_out + ss.packets_in, 0);
    /* The handshake completed: close_notify can go now. */
    cr_assert_eq(csctp_dtls_sctp_close(r->t[i], csctp_simlink_now(link)), 0);
  }
  for (int i = 0; i < 2; i++) {
    csctp_dtls_sctp_del(r->t[i]);
    csctp_dtls_cert_del(r->cert[i]);
  }
  csctp_simlink_del(link);
}

Test(sctp_dtls, new_with_assoc_errors) {
  csctp_prng g;
  csctp_prng_seed(&g, 1);
  csctp_config sc;
  csctp_config_default(&sc);
  sc.rand = csctp_prng_rand_fn;
  sc.rand_user_data = &g;
  csctp_assoc *a;
  cr_assert_eq(csctp_assoc_new(&a, &sc), 0);
  csctp_dtls_config dc;
  csctp_dtls_config_default(&dc);
  csctp_dtls_sctp *t = NULL;
  cr_assert_eq(csctp_dtls_sctp_new_with_assoc(&t, &dc, NULL, 0), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_dtls_sctp_new_with_assoc(NULL, &dc, a, 0), CSCTP_ERR_INVALID_ARGUMENT);
  /* No certificate: refused, and the association is still ours (no double free below). */
  cr_assert_eq(csctp_dtls_sctp_new_with_assoc(&t, &dc, a, 0), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_null(t);
  csctp_send_opts so = {.stream = 1, .ppid = CSCTP_PPID_WEBRTC_BINARY};
  uint8_t b[4] = {0};
  cr_assert_eq(csctp_assoc_send(a, &so, b, sizeof b, 0), 0);
  /* With a certificate: t owns a from now on. */
  csctp_dtls_cert *c;
  cr_assert_eq(csctp_dtls_cert_generate(&c, NULL, 1700000000, NULL), 0);
  dc.cert = c;
  dc.mtu = 1000;
  cr_assert_eq(csctp_dtls_sctp_new_with_assoc(&t, &dc, a, 0), 0);
  cr_assert_eq(csctp_dtls_sctp_get_packets_dropped(t), 0);
  csctp_dtls_sctp_del(t); /* and a */
  csctp_dtls_cert_del(c);
}

Test(sctp_dtls, mtu_follows_dtls) {
  csctp_dtls_cert *c;
  cr_assert_eq(csctp_dtls_cert_generate(&c, NULL, 1700000000, NULL), 0);
  csctp_dtls_config dc;
  csctp_dtls_config_default(&dc);
  dc.cert = c;
  dc.mtu = 1000;
  csctp_prng g;
  csctp_prng_seed(&g, 1);
  csctp_config sc;
  csctp_config_default(&sc);
  sc.rand = csctp_prng_rand_fn;
  sc.rand_user_data = &g;
  csctp_dtls_sctp *t;
  cr_assert_eq(csctp_dtls_sctp_new(&t, &dc, &sc, 0), 0);
  /* Nothing to write before the handshake starts; a short buffer is refused. */
  uint8_t buf[1000];
  cr_assert_eq(csctp_dtls_sctp_write_datagram(t, buf, sizeof buf, 0), 0);
  cr_assert_eq(csctp_dtls_sctp_write_datagram(t, buf, 999, 0), CSCTP_ERR_NOBUF);
  /* Messages may be queued before the association is up. */
  csctp_send_opts so = {.stream = 1, .ppid = CSCTP_PPID_WEBRTC_BINARY};
  cr_assert_eq(csctp_assoc_send(csctp_dtls_sctp_assoc(t), &so, buf, 10, 0), 0);
  csctp_dtls_sctp_del(t);
  csctp_dtls_cert_del(c);
}
