/* SPDX-License-Identifier: MIT */
/*
 * RFC 4895 AUTH against usrsctp (Debian's libusrsctp, in memory through AF_CONN, on the
 * harness of ext_harness.h: side 0 our engine, side 1 usrsctp). usrsctp has AUTH on by
 * default (its INIT carries RANDOM, CHUNKS, HMAC-ALGO; the harness turns it off for the other
 * tests and back on here); both sides list DATA as a chunk to authenticate (usrsctp:
 * SCTP_AUTH_CHUNK). The association is made both ways (we connect; usrsctp connects to our
 * stateless listener, whose AUTH state comes back in the cookie), messages of the 1 B .. 256 KiB
 * mix go both ways with loss, then each side changes its key (key 1: SCTP_AUTH_KEY and
 * SCTP_AUTH_ACTIVE_KEY there, csctp_assoc_auth_set_key and _activate_key here) and more go
 * both ways. Every DATA of either side must travel behind an AUTH naming the active key; none
 * may be dropped for a failed AUTH.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <usrsctp.h>

#include "chunk.h"
#include "ext_harness.h"
#include "packet.h"

/* What crossed the link, per sender (0: us, 1: usrsctp). */
static struct {
  uint64_t data_pkts[2], data_no_auth[2];
  uint64_t key_id[2][2]; /* DATA packets whose AUTH named key 0 / key 1 */
  uint16_t hmac_id[2];   /* of the last AUTH seen */
  int init_params[2];    /* an INIT / INIT ACK with RANDOM, CHUNKS and HMAC-ALGO */
} seen;

static int look(ext_harness *h, int from, const uint8_t *pkt, size_t len) {
  (void)h;
  csctp_chunk_iter it;
  csctp_chunk ch;
  csctp_chunk_iter_init(&it, pkt, len);
  int auth_key = -1, data = 0, auth_before = 0;
  while (csctp_chunk_next(&it, &ch) == 1) {
    if (ch.type == CSCTP_CHUNK_INIT || ch.type == CSCTP_CHUNK_INIT_ACK) {
      csctp_init_chunk in;
      if (csctp_init_decode(&ch, &in) == 0 && in.auth_random.type && in.auth_chunks.type &&
          in.auth_hmac_algo.type)
        seen.init_params[from] = 1;
    } else if (ch.type == CSCTP_CHUNK_AUTH) {
      csctp_auth_chunk a;
      if (csctp_auth_decode(&ch, &a) == 0) {
        auth_key = a.key_id;
        seen.hmac_id[from] = a.hmac_id;
      }
    } else if (ch.type == CSCTP_CHUNK_DATA && !data) {
      data = 1;
      auth_before = auth_key >= 0;
    }
  }
  if (data) {
    seen.data_pkts[from]++;
    if (!auth_before) seen.data_no_auth[from]++;
    if (auth_key == 0 || auth_key == 1) seen.key_id[from][auth_key]++;
  }
  return 0;
}

static csctp_config auth_config(ext_harness *h) {
  csctp_config c = ext_config(h, 0xa417);
  c.auth = 1;
  CSCTP_AUTH_CHUNK_SET(&c, CSCTP_CHUNK_DATA);
  return c;
}

static int both_up(ext_harness *h) { return h->connected > 0 && h->up.comm_up > 0; }

static uint32_t g_phase_target;

static int phase_done(ext_harness *h) {
  for (int i = 0; i < 2; i++) {
    if (h->rx[i].bad || h->tx_error[i]) return 1;
    if (h->rx[i].received < g_phase_target) return 0;
  }
  return 1;
}

/* usrsctp's socket: the accepted or connected one, else the listener (options before listen). */
static struct socket *up_sock(ext_harness *h) { return h->up.sock ? h->up.sock : h->up.listener; }

static void usrsctp_list_data(ext_harness *h) {
  struct sctp_authchunk ac = {.sauth_chunk = CSCTP_CHUNK_DATA};
  cr_assert_eq(usrsctp_setsockopt(up_sock(h), IPPROTO_SCTP, SCTP_AUTH_CHUNK, &ac, sizeof ac), 0,
               "SCTP_AUTH_CHUNK: %s", strerror(errno));
}

static void usrsctp_use_key1(ext_harness *h, const uint8_t *key, size_t len) {
  uint8_t buf[sizeof(struct sctp_authkey) + 64];
  struct sctp_authkey *k = (struct sctp_authkey *)buf;
  memset(buf, 0, sizeof buf);
  k->sca_assoc_id = SCTP_FUTURE_ASSOC;
  k->sca_keynumber = 1;
  k->sca_keylength = (uint16_t)len;
  memcpy(k->sca_key, key, len);
  struct socket *s = h->up.sock;
  cr_assert_not_null(s);
  k->sca_assoc_id = 0;
  cr_assert_eq(usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_AUTH_KEY, k, (socklen_t)(sizeof *k + len)),
               0, "SCTP_AUTH_KEY: %s", strerror(errno));
  struct sctp_authkeyid id = {.scact_assoc_id = 0, .scact_keynumber = 1};
  cr_assert_eq(usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_AUTH_ACTIVE_KEY, &id, sizeof id), 0,
               "SCTP_AUTH_ACTIVE_KEY: %s", strerror(errno));
}

static void report(ext_harness *h, const char *what) {
  csctp_stats st;
  csctp_assoc_get_stats(h->a, &st);
  fprintf(stderr,
          "auth %s: DATA packets ours %llu (no AUTH %llu, key0 %llu, key1 %llu, HMAC id %u), "
          "usrsctp %llu (no AUTH %llu, key0 %llu, key1 %llu, HMAC id %u); stats: auth %u in %llu "
          "out %llu drops missing %llu bad %llu key %llu hmac-id %llu; received csctp %u usrsctp "
          "%u\n",
          what, (unsigned long long)seen.data_pkts[0], (unsigned long long)seen.data_no_auth[0],
          (unsigned long long)seen.key_id[0][0], (unsigned long long)seen.key_id[0][1],
          seen.hmac_id[0], (unsigned long long)seen.data_pkts[1],
          (unsigned long long)seen.data_no_auth[1], (unsigned long long)seen.key_id[1][0],
          (unsigned long long)seen.key_id[1][1], seen.hmac_id[1], st.auth,
          (unsigned long long)st.auth_in, (unsigned long long)st.auth_out,
          (unsigned long long)st.auth_drop_missing, (unsigned long long)st.auth_drop_bad_hmac,
          (unsigned long long)st.auth_drop_key_id, (unsigned long long)st.auth_drop_hmac_id,
          h->rx[0].received, h->rx[1].received);
}

/* Phase 1 with key 0, the key change on both sides, phase 2 with key 1; the checks. */
static void traffic_and_key_change(ext_harness *h) {
  const char *l = getenv("CSCTP_INTEROP_LOSS");
  h->loss = l ? atof(l) : 0.02;
  uint32_t n = (uint32_t)INTEROP_NSIZES;
  for (int i = 0; i < 2; i++) {
    h->tx_total[i] = n;
    h->txbuf[i] = malloc(INTEROP_MAX_MSG);
    interop_rx_init(&h->rx[1 - i], i, 2 * n);
  }
  g_phase_target = n;
  int ok = ext_run_until(h, phase_done, 60000);
  report(h, "key 0");
  cr_assert(ok && !h->rx[0].bad && !h->rx[1].bad, "phase 1: csctp got %u, usrsctp %u (%s %s)",
            h->rx[0].received, h->rx[1].received, h->rx[0].failure, h->rx[1].failure);
  cr_assert_gt(seen.key_id[0][0], 0);
  cr_assert_gt(seen.key_id[1][0], 0);
  uint64_t k1_before[2] = {seen.key_id[0][1], seen.key_id[1][1]};
  cr_assert_eq(k1_before[0] + k1_before[1], 0);

  /* Key 1 on both sides; each activates it; the old key stays until deleted. */
  static const uint8_t key1[] = "csctp and usrsctp share this";
  cr_assert_eq(csctp_assoc_auth_set_key(h->a, 1, key1, sizeof key1), 0);
  usrsctp_use_key1(h, key1, sizeof key1);
  cr_assert_eq(csctp_assoc_auth_activate_key(h->a, 1), 0);
  uint64_t k0_at_change[2] = {seen.key_id[0][0], seen.key_id[1][0]};
  for (int i = 0; i < 2; i++) h->tx_total[i] = 2 * n;
  g_phase_target = 2 * n;
  ok = ext_run_until(h, phase_done, 60000);
  report(h, "key 1");
  cr_assert(ok && !h->rx[0].bad && !h->rx[1].bad, "phase 2: csctp got %u, usrsctp %u (%s %s)",
            h->rx[0].received, h->rx[1].received, h->rx[0].failure, h->rx[1].failure);
  cr_assert_gt(seen.key_id[0][1], 0, "our DATA never named key 1");
  cr_assert_gt(seen.key_id[1][1], 0, "usrsctp's DATA never named key 1");
  /* After the change, our DATA named key 0 only for retransmissions built before it: none. */
  cr_assert_eq(seen.key_id[0][0], k0_at_change[0], "our DATA named key 0 after the change");
  (void)k0_at_change;
  /* The old key can go now that neither side uses it. */
  cr_assert_eq(csctp_assoc_auth_delete_key(h->a, 1), CSCTP_ERR_INVALID_STATE);
  cr_assert_eq(csctp_assoc_auth_delete_key(h->a, 0), 0);

  csctp_stats st;
  csctp_assoc_get_stats(h->a, &st);
  cr_assert_eq(st.auth, 1);
  cr_assert(seen.init_params[0] && seen.init_params[1], "RANDOM/CHUNKS/HMAC-ALGO missing");
  cr_assert_eq(seen.data_no_auth[0], 0, "we sent DATA without AUTH");
  cr_assert_eq(seen.data_no_auth[1], 0, "usrsctp sent DATA without AUTH");
  cr_assert_eq(seen.hmac_id[0], CSCTP_HMAC_ID_SHA1, "usrsctp lists SHA-1 first");
  cr_assert_gt(st.auth_in, 0);
  cr_assert_gt(st.auth_out, 0);
  cr_assert_eq(
      st.auth_drop_missing + st.auth_drop_bad_hmac + st.auth_drop_key_id + st.auth_drop_hmac_id, 0);
  cr_expect_eq(h->up.remote_errors + h->peer_errors, 0);
}

static void auth_setup(void) {
  ext_setup();
  usrsctp_sysctl_set_sctp_auth_enable(1); /* usrsctp's default, which the harness turns off */
}

Test(usrsctp_auth, csctp_connects_data_authenticated_key_change, .init = auth_setup,
     .fini = ext_teardown, .timeout = 150) {
  ext_harness *h = &ext_h;
  memset(&seen, 0, sizeof seen);
  h->drop_fn = look;
  csctp_config c = auth_config(h);
  cr_assert_eq(csctp_assoc_new(&h->a, &c), 0);
  usrsctp_peer_opts o = {.port = PORT,
                         .remote_port = PORT,
                         .ostreams = 16,
                         .max_instreams = 16,
                         .mtu = MTU,
                         .passive = 1};
  int rc = usrsctp_peer_open(&h->up, "usrsctp", &o);
  h->up_open = 1;
  cr_assert_eq(rc, 0, "%s", h->up.failure);
  usrsctp_list_data(h);
  cr_assert_eq(csctp_assoc_connect(h->a, ext_now_us()), 0);
  cr_assert(ext_run_until(h, both_up, 10000), "handshake did not complete in 10 s");
  traffic_and_key_change(h);
}

Test(usrsctp_auth, usrsctp_connects_to_csctp_listener, .init = auth_setup, .fini = ext_teardown,
     .timeout = 150) {
  ext_harness *h = &ext_h;
  memset(&seen, 0, sizeof seen);
  h->drop_fn = look;
  csctp_config c = auth_config(h);
  cr_assert_eq(csctp_assoc_new(&h->a, &c), 0);
  usrsctp_peer_opts o = {.port = PORT,
                         .remote_port = PORT,
                         .ostreams = 16,
                         .max_instreams = 16,
                         .mtu = MTU,
                         .passive = 0};
  int rc = usrsctp_peer_open(&h->up, "usrsctp", &o);
  h->up_open = 1;
  cr_assert_eq(rc, 0, "%s", h->up.failure);
  usrsctp_list_data(h);
  cr_assert_eq(usrsctp_peer_connect(&h->up), 0, "%s", h->up.failure);
  cr_assert(ext_run_until(h, both_up, 10000), "handshake did not complete in 10 s");
  traffic_and_key_change(h);
}
