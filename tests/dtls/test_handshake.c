/* SPDX-License-Identifier: MIT */
/* Two endpoints in memory on a virtual clock: handshake, fingerprints, loss, data, close. */
#include <criterion/criterion.h>
#include <csctp/dtls.h>
#include <stdlib.h>
#include <string.h>

#include "dtls_pair.h"

static dtls_pair *pair_new(const dtls_pair_opts *o) {
  dtls_pair *p = calloc(1, sizeof *p);
  cr_assert_not_null(p);
  int rv = dtls_pair_init(p, o);
  cr_assert_eq(rv, 0, "init: %s", csctp_strerror(rv));
  return p;
}

static void pair_del(dtls_pair *p) {
  dtls_pair_free(p);
  free(p);
}

static void assert_connected(dtls_pair *p) {
  for (int i = 0; i < 2; i++) {
    dtls_pair_side *s = &p->side[i];
    cr_assert(s->connected, "side %d not connected (failed %d, error %s, alert %s)", i, s->failed,
              csctp_strerror(s->error.u.error.error),
              csctp_dtls_alert_name(s->error.u.error.alert));
    cr_assert_eq(csctp_dtls_get_state(s->ep), CSCTP_DTLS_STATE_CONNECTED);
    cr_assert_leq(s->largest, 1200, "side %d wrote a %zu-byte datagram", i, s->largest);
    csctp_dtls_stats st;
    csctp_dtls_get_stats(s->ep, &st);
    cr_assert_eq(st.dropped_oversize, 0);
    cr_assert_leq(st.largest_datagram_out, 1200);
  }
  cr_assert_str_eq(p->side[0].cipher, p->side[1].cipher);
}

Test(handshake, client_and_server) {
  dtls_pair *p = pair_new(NULL);
  cr_assert(dtls_pair_run(p, dtls_pair_both_connected, 10 * CSCTP_SECONDS));
  assert_connected(p);
  cr_assert_str_eq(p->side[0].cipher, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
  cr_assert_eq(p->side[0].srtp, CSCTP_SRTP_AEAD_AES_128_GCM);
  cr_assert_eq(p->side[1].srtp, CSCTP_SRTP_AEAD_AES_128_GCM);
  cr_assert_eq(csctp_dtls_get_role(p->side[0].ep), CSCTP_DTLS_CLIENT);
  cr_assert_eq(csctp_dtls_get_role(p->side[1].ep), CSCTP_DTLS_SERVER);
  /* 2 round trips at 20 ms one way: done in well under a second of virtual time, no timeout. */
  cr_assert_lt(p->now, 2 * CSCTP_SECONDS);
  for (int i = 0; i < 2; i++) {
    csctp_dtls_stats st;
    csctp_dtls_get_stats(p->side[i].ep, &st);
    cr_assert_eq(st.retransmit_timeouts, 0);
  }
  cr_assert_eq(csctp_dtls_expiry(p->side[0].ep), CSCTP_TSTAMP_NONE);
  cr_assert_eq(csctp_dtls_data_mtu(p->side[0].ep), 1200 - 37);
  pair_del(p);
}

Test(handshake, cookie_exchange) {
  dtls_pair_opts o = {.seed = 2, .srtp = -1, .cookie_exchange = 1};
  dtls_pair *p = pair_new(&o);
  cr_assert(dtls_pair_run(p, dtls_pair_both_connected, 10 * CSCTP_SECONDS));
  assert_connected(p);
  /* HelloVerifyRequest adds a round trip: the client sent ClientHello twice. */
  cr_assert_geq(p->side[0].sent, 3);
  pair_del(p);
}

Test(handshake, chacha20_when_preferred) {
  dtls_pair_opts o = {.seed = 3, .srtp = -1};
  o.cipher_list[1] = "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256";
  dtls_pair *p = pair_new(&o);
  cr_assert(dtls_pair_run(p, dtls_pair_both_connected, 10 * CSCTP_SECONDS));
  assert_connected(p);
  cr_assert_str_eq(p->side[1].cipher, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
  /* ChaCha20-Poly1305 costs 13 + 16 bytes per record, 8 fewer than AES-GCM. */
  cr_assert_eq(csctp_dtls_data_mtu(p->side[0].ep), 1200 - 29);
  pair_del(p);
}

Test(handshake, srtp_off_means_no_profile) {
  dtls_pair_opts o = {.seed = 4, .srtp = 0};
  dtls_pair *p = pair_new(&o);
  cr_assert(dtls_pair_run(p, dtls_pair_both_connected, 10 * CSCTP_SECONDS));
  cr_assert_eq(p->side[0].srtp, CSCTP_SRTP_NONE);
  csctp_srtp_keys k;
  cr_assert_eq(csctp_dtls_export_srtp_keys(p->side[0].ep, &k), CSCTP_ERR_INVALID_STATE);
  pair_del(p);
}

static void assert_rejected(int wrong_client, int wrong_server) {
  dtls_pair_opts o = {.seed = 5, .srtp = -1};
  o.wrong_fingerprint[0] = wrong_client;
  o.wrong_fingerprint[1] = wrong_server;
  dtls_pair *p = pair_new(&o);
  dtls_pair_run(p, dtls_pair_both_done, 120 * CSCTP_SECONDS);
  for (int i = 0; i < 2; i++) {
    dtls_pair_side *s = &p->side[i];
    cr_assert_not(s->connected, "side %d connected despite a wrong fingerprint", i);
    cr_assert(s->failed, "side %d did not fail", i);
    cr_assert_eq(csctp_dtls_get_state(s->ep), CSCTP_DTLS_STATE_FAILED);
    int wrong = o.wrong_fingerprint[i];
    int e = s->error.u.error.error;
    if (wrong) {
      /* The side whose expectation is not met rejects with bad_certificate. */
      cr_assert_eq(e, CSCTP_ERR_FINGERPRINT, "side %d: %s", i, csctp_strerror(e));
      cr_assert_eq(s->error.u.error.alert, 42 /* bad_certificate */);
      cr_assert_eq(s->error.u.error.alert_by_peer, 0);
    } else {
      /* Its peer learns it from the alert. */
      cr_assert_eq(e, CSCTP_ERR_DTLS_ALERT, "side %d: %s", i, csctp_strerror(e));
      cr_assert_eq(s->error.u.error.alert, 42);
      cr_assert_eq(s->error.u.error.alert_by_peer, 1);
    }
    uint8_t x = 1;
    cr_assert_eq(csctp_dtls_send(s->ep, &x, 1, p->now), CSCTP_ERR_INVALID_STATE);
    cr_assert_eq(csctp_dtls_expiry(s->ep), CSCTP_TSTAMP_NONE);
  }
  pair_del(p);
}

Test(handshake, wrong_fingerprint_at_client) { assert_rejected(1, 0); }
Test(handshake, wrong_fingerprint_at_server) { assert_rejected(0, 1); }

Test(handshake, no_fingerprint_fails_closed) {
  dtls_pair *p = pair_new(NULL);
  /* Forget the server's expectation: the client's certificate cannot be accepted. */
  cr_assert_eq(csctp_dtls_set_remote_fingerprints(p->side[1].ep, NULL, 0), 0);
  dtls_pair_run(p, dtls_pair_both_done, 120 * CSCTP_SECONDS);
  cr_assert(p->side[1].failed);
  cr_assert_eq(p->side[1].error.u.error.error, CSCTP_ERR_FINGERPRINT);
  cr_assert(p->side[0].failed);
  cr_assert_eq(csctp_dtls_set_remote_fingerprints(p->side[1].ep, NULL, 0), CSCTP_ERR_INVALID_STATE);
  pair_del(p);
}

Test(handshake, fingerprint_given_late_and_second_of_two) {
  dtls_pair *p = pair_new(NULL);
  csctp_dtls_fingerprint fps[2];
  cr_assert_eq(csctp_dtls_cert_fingerprint(p->side[0].cert, CSCTP_DTLS_HASH_SHA1, &fps[1]), 0);
  fps[0] = fps[1];
  fps[0].value[0] ^= 0xff;
  cr_assert_eq(csctp_dtls_set_remote_fingerprints(p->side[1].ep, fps, 2), 0);
  cr_assert(dtls_pair_run(p, dtls_pair_both_connected, 10 * CSCTP_SECONDS));
  assert_connected(p);
  pair_del(p);
}

/* 30 % of datagrams lost both ways: the caller-clock retransmission timer carries it. */
Test(handshake, thirty_percent_loss) {
  int retransmitted = 0;
  for (uint64_t seed = 1; seed <= 20; seed++) {
    dtls_pair_opts o = {.seed = seed, .loss = 0.30, .srtp = -1, .cookie_exchange = (int)(seed & 1)};
    dtls_pair *p = pair_new(&o);
    int ok = dtls_pair_run(p, dtls_pair_both_connected, 600 * CSCTP_SECONDS);
    cr_assert(ok, "seed %llu: client %d/%d server %d/%d after %llu us", (unsigned long long)seed,
              p->side[0].connected, p->side[0].failed, p->side[1].connected, p->side[1].failed,
              (unsigned long long)p->now);
    assert_connected(p);
    csctp_dtls_stats st[2];
    csctp_dtls_get_stats(p->side[0].ep, &st[0]);
    csctp_dtls_get_stats(p->side[1].ep, &st[1]);
    if (st[0].retransmit_timeouts + st[1].retransmit_timeouts > 0) retransmitted++;
    /* Data still flows: send until one record gets through each way. */
    pair_del(p);
  }
  cr_assert_geq(retransmitted, 10, "loss should have forced retransmissions (%d seeds)",
                retransmitted);
}

static int pair_data_both(dtls_pair *p) { return p->side[0].ndata >= 1 && p->side[1].ndata >= 1; }

Test(handshake, data_both_ways_then_close_notify) {
  dtls_pair *p = pair_new(NULL);
  cr_assert(dtls_pair_run(p, dtls_pair_both_connected, 10 * CSCTP_SECONDS));
  static const char a[] = "from client", b[] = "from server";
  cr_assert_eq(csctp_dtls_send(p->side[0].ep, (const uint8_t *)a, sizeof a, p->now), 0);
  cr_assert_eq(csctp_dtls_send(p->side[1].ep, (const uint8_t *)b, sizeof b, p->now), 0);
  cr_assert(dtls_pair_run(p, pair_data_both, 10 * CSCTP_SECONDS));
  cr_assert_eq(p->side[1].data_len[0], sizeof a);
  cr_assert_str_eq((const char *)p->side[1].data[0], a);
  cr_assert_str_eq((const char *)p->side[0].data[0], b);
  /* A full-size record fits one datagram; one byte more is refused. */
  size_t mtu = csctp_dtls_data_mtu(p->side[0].ep);
  uint8_t big[1500];
  memset(big, 0xab, sizeof big);
  cr_assert_eq(csctp_dtls_send(p->side[0].ep, big, mtu + 1, p->now), CSCTP_ERR_MSG_TOO_LARGE);
  cr_assert_eq(csctp_dtls_send(p->side[0].ep, big, mtu, p->now), 0);
  cr_assert_eq(csctp_dtls_send(p->side[0].ep, big, 0, p->now), CSCTP_ERR_INVALID_ARGUMENT);
  dtls_pair_run(p, NULL, 1 * CSCTP_SECONDS);
  cr_assert_eq(p->side[1].ndata, 2);
  cr_assert_eq(p->side[1].data_len[1], mtu);
  cr_assert_leq(p->side[0].largest, 1200);
  cr_assert_eq(p->side[0].largest, 1200, "a full record should fill the datagram exactly");
  /* close_notify: both sides see CLOSED, only the receiver "by peer". */
  cr_assert_eq(csctp_dtls_close(p->side[0].ep, p->now), 0);
  dtls_pair_run(p, NULL, 1 * CSCTP_SECONDS);
  cr_assert(p->side[0].closed);
  cr_assert_not(p->side[0].closed_by_peer);
  cr_assert(p->side[1].closed);
  cr_assert(p->side[1].closed_by_peer);
  cr_assert_eq(csctp_dtls_get_state(p->side[1].ep), CSCTP_DTLS_STATE_CLOSED);
  cr_assert_eq(csctp_dtls_send(p->side[1].ep, big, 1, p->now), CSCTP_ERR_CLOSED);
  cr_assert_eq(csctp_dtls_close(p->side[0].ep, p->now), CSCTP_ERR_INVALID_STATE);
  pair_del(p);
}

Test(handshake, not_dtls_is_dropped_and_bad_args) {
  dtls_pair *p = pair_new(NULL);
  uint8_t stun[20] = {0x00, 0x01};
  cr_assert_eq(csctp_dtls_read_datagram(p->side[1].ep, stun, sizeof stun, p->now), 0);
  csctp_dtls_stats st;
  csctp_dtls_get_stats(p->side[1].ep, &st);
  cr_assert_eq(st.dropped_not_dtls, 1);
  uint8_t small[100];
  cr_assert_eq(csctp_dtls_write_datagram(p->side[0].ep, small, sizeof small, p->now),
               CSCTP_ERR_NOBUF);
  cr_assert_eq(csctp_dtls_start(p->side[0].ep, p->now), CSCTP_ERR_INVALID_STATE);
  csctp_dtls_config cfg;
  csctp_dtls_config_default(&cfg);
  csctp_dtls *d = NULL;
  cr_assert_eq(csctp_dtls_new(&d, &cfg), CSCTP_ERR_INVALID_ARGUMENT); /* no cert */
  cfg.cert = p->side[0].cert;
  cfg.mtu = 100;
  cr_assert_eq(csctp_dtls_new(&d, &cfg), CSCTP_ERR_INVALID_ARGUMENT);
  cfg.mtu = 1200;
  cfg.cipher_list = "NO-SUCH-CIPHER";
  cr_assert_eq(csctp_dtls_new(&d, &cfg), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_null(d);
  pair_del(p);
}

/* ---- log lines: level, category and user_data (the hook's last argument) ---- */

typedef struct log_seen {
  int lines, connected_info, fingerprint_error, retransmit_warn, at[CSCTP_LOG_LEVELS];
} log_seen;

static void log_count(uint32_t category, csctp_log_level level, const char *text, void *user_data) {
  log_seen *s = user_data;
  cr_assert_eq(category, CSCTP_LOG_DTLS);
  cr_assert_leq((unsigned)level, CSCTP_LOG_DEBUG);
  s->lines++;
  s->at[level]++;
  if (strstr(text, "connected as") && level == CSCTP_LOG_INFO) s->connected_info++;
  if (strstr(text, "matches none of") && level == CSCTP_LOG_ERROR) s->fingerprint_error++;
  if (strstr(text, "retransmitted") && level == CSCTP_LOG_WARN) s->retransmit_warn++;
}

Test(handshake, log_levels) {
  log_seen seen = {0};
  dtls_pair_opts o = {.seed = 3, .srtp = -1, .log = log_count, .log_user_data = &seen};
  o.log_spec = "dtls";
  dtls_pair *p = pair_new(&o);
  cr_assert(dtls_pair_run(p, dtls_pair_both_connected, 10 * CSCTP_SECONDS));
  cr_assert_eq(seen.connected_info, 2, "one INFO line per side (%d lines)", seen.lines);
  pair_del(p);
  /* A threshold of WARN hides the INFO lines; retransmissions under loss are WARN. */
  memset(&seen, 0, sizeof seen);
  o.log_spec = "dtls:warn";
  o.loss = 0.30;
  int retransmitted = 0;
  for (uint64_t seed = 1; seed <= 10; seed++) {
    o.seed = seed;
    p = pair_new(&o);
    cr_assert(dtls_pair_run(p, dtls_pair_both_connected, 600 * CSCTP_SECONDS));
    csctp_dtls_stats st[2];
    csctp_dtls_get_stats(p->side[0].ep, &st[0]);
    csctp_dtls_get_stats(p->side[1].ep, &st[1]);
    retransmitted += (int)(st[0].retransmit_timeouts + st[1].retransmit_timeouts > 0);
    pair_del(p);
  }
  cr_assert_gt(retransmitted, 0);
  cr_assert_eq(seen.connected_info, 0);
  cr_assert_eq(seen.at[CSCTP_LOG_INFO] + seen.at[CSCTP_LOG_DEBUG], 0);
  cr_assert_gt(seen.retransmit_warn, 0, "retransmissions logged at WARN");
}

Test(handshake, log_fingerprint_mismatch_is_error) {
  log_seen seen = {0};
  dtls_pair_opts o = {.seed = 5, .srtp = -1, .log = log_count, .log_user_data = &seen};
  o.log_spec = "dtls:error";
  o.wrong_fingerprint[0] = 1;
  dtls_pair *p = pair_new(&o);
  dtls_pair_run(p, dtls_pair_both_done, 120 * CSCTP_SECONDS);
  cr_assert_eq(seen.fingerprint_error, 1);
  cr_assert_eq(seen.lines, seen.at[CSCTP_LOG_ERROR], "only ERROR lines at the ERROR threshold");
  pair_del(p);
}

/* csctp_dtls_trim gives the event queue back only when every event was polled: a pending
 * message survives it, and the endpoint reads and writes after a trim as before. */
Test(handshake, trim_keeps_pending_events_and_traffic_goes_on) {
  dtls_pair *p = pair_new(NULL);
  cr_assert(dtls_pair_run(p, dtls_pair_both_connected, 10 * CSCTP_SECONDS));
  for (int round = 0; round < 2; round++) {
    static const char msg[] = "kept across a trim";
    cr_assert_eq(csctp_dtls_send(p->side[0].ep, (const uint8_t *)msg, sizeof msg, p->now), 0);
    uint8_t dgram[1500];
    csctp_ssize n;
    while ((n = csctp_dtls_write_datagram(p->side[0].ep, dgram, sizeof dgram, p->now)) > 0) {
      cr_assert_eq(csctp_dtls_read_datagram(p->side[1].ep, dgram, (size_t)n, p->now), 0);
    }
    cr_assert_eq(csctp_dtls_trim(p->side[1].ep), 0, "round %d: a queue with an event is kept",
                 round);
    csctp_dtls_event ev;
    cr_assert_eq(csctp_dtls_poll_event(p->side[1].ep, &ev), 1);
    cr_assert_eq(ev.type, CSCTP_DTLS_EVENT_DATA);
    cr_assert_eq(ev.u.data.len, sizeof msg);
    cr_assert(memcmp(ev.u.data.data, msg, sizeof msg) == 0);
    cr_assert_eq(csctp_dtls_poll_event(p->side[1].ep, &ev), 0);
    cr_assert_gt(csctp_dtls_trim(p->side[1].ep), 0, "round %d: the drained queue goes", round);
    cr_assert_eq(csctp_dtls_trim(p->side[1].ep), 0, "nothing left to give back");
  }
  pair_del(p);
}
