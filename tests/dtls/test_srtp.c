/* SPDX-License-Identifier: MIT */
/* DTLS-SRTP: equal keys on both sides, libsrtp sessions that interoperate, the key log. */
#include <criterion/criterion.h>
#include <csctp/dtls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dtls_pair.h"

static dtls_pair *connected_pair(const dtls_pair_opts *o) {
  dtls_pair *p = calloc(1, sizeof *p);
  cr_assert_not_null(p);
  cr_assert_eq(dtls_pair_init(p, o), 0);
  cr_assert(dtls_pair_run(p, dtls_pair_both_connected, 10 * CSCTP_SECONDS));
  return p;
}

static void pair_del(dtls_pair *p) {
  dtls_pair_free(p);
  free(p);
}

static size_t rtp_packet(uint8_t *buf, uint16_t seq) {
  /* V=2, PT=111, seq, timestamp, SSRC, 40 bytes of payload. */
  uint8_t h[12] = {0x80, 111, (uint8_t)(seq >> 8), (uint8_t)seq, 0, 0, 0x10, 0, 0x12, 0x34,
                   0x56, 0x78};
  memcpy(buf, h, sizeof h);
  for (int i = 0; i < 40; i++) buf[12 + i] = (uint8_t)(i * 7 + seq);
  return 52;
}

static size_t rtcp_packet(uint8_t *buf) {
  /* A receiver report with no blocks: V=2, PT=201, length 1 (8 bytes), SSRC. */
  static const uint8_t rr[8] = {0x80, 201, 0, 1, 0x12, 0x34, 0x56, 0x78};
  memcpy(buf, rr, sizeof rr);
  return sizeof rr;
}

static void check_srtp_across(dtls_pair *p, csctp_srtp_profile want) {
  csctp_srtp_keys k[2];
  for (int i = 0; i < 2; i++) {
    cr_assert_eq(p->side[i].srtp, want, "side %d negotiated %s", i,
                 csctp_srtp_profile_name(p->side[i].srtp));
    cr_assert_eq(csctp_dtls_export_srtp_keys(p->side[i].ep, &k[i]), 0);
  }
  /* Both ends derive the same four secrets (RFC 5764 §4.2). */
  cr_assert_eq(k[0].key_len, csctp_srtp_profile_key_len(want));
  cr_assert_eq(k[0].salt_len, csctp_srtp_profile_salt_len(want));
  cr_assert_eq(memcmp(k[0].client_key, k[1].client_key, k[0].key_len), 0);
  cr_assert_eq(memcmp(k[0].server_key, k[1].server_key, k[0].key_len), 0);
  cr_assert_eq(memcmp(k[0].client_salt, k[1].client_salt, k[0].salt_len), 0);
  cr_assert_eq(memcmp(k[0].server_salt, k[1].server_salt, k[0].salt_len), 0);
  cr_assert_neq(memcmp(k[0].client_key, k[0].server_key, k[0].key_len), 0);
  cr_assert_eq(k[0].role, CSCTP_DTLS_CLIENT);
  cr_assert_eq(k[1].role, CSCTP_DTLS_SERVER);

  csctp_srtp *s[2];
  for (int i = 0; i < 2; i++) cr_assert_eq(csctp_srtp_new(&s[i], &k[i], NULL), 0);
  for (int from = 0; from < 2; from++) {
    csctp_srtp *tx = s[from], *rx = s[1 - from];
    uint8_t pkt[64 + CSCTP_SRTP_MAX_TRAILER], plain[64];
    size_t len = rtp_packet(pkt, (uint16_t)(100 + from));
    memcpy(plain, pkt, len);
    csctp_ssize n = csctp_srtp_protect(tx, 0, pkt, len, sizeof pkt);
    cr_assert_gt(n, (csctp_ssize)len, "RTP protect: %ld", (long)n);
    cr_assert_neq(memcmp(pkt + 12, plain + 12, len - 12), 0, "payload not encrypted");
    uint8_t copy[sizeof pkt];
    memcpy(copy, pkt, (size_t)n);
    /* The sender's own inbound session has the other key: it must refuse. */
    cr_assert_lt(csctp_srtp_unprotect(tx, 0, copy, (size_t)n), 0);
    csctp_ssize m = csctp_srtp_unprotect(rx, 0, pkt, (size_t)n);
    cr_assert_eq(m, (csctp_ssize)len);
    cr_assert_eq(memcmp(pkt, plain, len), 0);
    /* A replay is refused. */
    memcpy(pkt, copy, (size_t)n);
    cr_assert_lt(csctp_srtp_unprotect(rx, 0, pkt, (size_t)n), 0);
    /* A flipped bit is refused. */
    len = rtp_packet(pkt, (uint16_t)(200 + from));
    n = csctp_srtp_protect(tx, 0, pkt, len, sizeof pkt);
    pkt[20] ^= 1;
    cr_assert_lt(csctp_srtp_unprotect(rx, 0, pkt, (size_t)n), 0);

    len = rtcp_packet(pkt);
    memcpy(plain, pkt, len);
    n = csctp_srtp_protect(tx, 1, pkt, len, sizeof pkt);
    cr_assert_gt(n, (csctp_ssize)len, "RTCP protect: %ld", (long)n);
    cr_assert_eq(csctp_packet_classify(pkt, (size_t)n), CSCTP_PACKET_RTP);
    m = csctp_srtp_unprotect(rx, 1, pkt, (size_t)n);
    cr_assert_eq(m, (csctp_ssize)len);
    cr_assert_eq(memcmp(pkt, plain, len), 0);
    cr_assert_eq(csctp_srtp_protect(tx, 0, pkt, len, len + 10), CSCTP_ERR_NOBUF);
  }
  cr_assert_not_null(csctp_srtp_session(s[0], 1));
  for (int i = 0; i < 2; i++) csctp_srtp_del(s[i]);
}

Test(srtp, aead_aes_128_gcm_by_default) {
  dtls_pair *p = connected_pair(NULL);
  check_srtp_across(p, CSCTP_SRTP_AEAD_AES_128_GCM);
  pair_del(p);
}

Test(srtp, aes128_cm_sha1_80_when_the_server_prefers_it) {
  dtls_pair_opts o = {.seed = 7, .srtp = -1};
  o.srtp_profiles[1] = "SRTP_AES128_CM_SHA1_80";
  dtls_pair *p = connected_pair(&o);
  check_srtp_across(p, CSCTP_SRTP_AES128_CM_SHA1_80);
  pair_del(p);
}

Test(srtp, bad_keys_refused) {
  csctp_srtp_keys k;
  memset(&k, 0, sizeof k);
  csctp_srtp *s = NULL;
  cr_assert_eq(csctp_srtp_new(&s, &k, NULL), CSCTP_ERR_INVALID_ARGUMENT);
  k.profile = CSCTP_SRTP_AES128_CM_SHA1_80;
  k.key_len = 16;
  k.salt_len = 12; /* should be 14 */
  cr_assert_eq(csctp_srtp_new(&s, &k, NULL), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_null(s);
}

typedef struct keylog_capture {
  int lines;
  int client_random;
} keylog_capture;

static void keylog_cb(const char *line, void *user) {
  keylog_capture *c = user;
  c->lines++;
  /* NSS format for TLS 1.2: CLIENT_RANDOM <64 hex> <96 hex> */
  if (strncmp(line, "CLIENT_RANDOM ", 14) == 0 && strlen(line) == 14 + 64 + 1 + 96)
    c->client_random++;
}

Test(srtp, key_log_lines) {
  keylog_capture cap = {0};
  dtls_pair_opts o = {.seed = 8, .srtp = -1, .keylog = keylog_cb, .keylog_user_data = &cap};
  dtls_pair *p = connected_pair(&o);
  /* One line per side for the one TLS 1.2 master secret. */
  cr_assert_eq(cap.client_random, 2, "lines %d, CLIENT_RANDOM %d", cap.lines, cap.client_random);
  pair_del(p);
  /* The file writer appends the same lines. */
  char path[] = "/tmp/csctp-keylog-XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  close(fd);
  csctp_dtls_keylog_file("CLIENT_RANDOM 00 11", path);
  csctp_dtls_keylog_file("CLIENT_RANDOM 22 33", path);
  FILE *f = fopen(path, "r");
  char buf[128] = {0};
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  unlink(path);
  cr_assert_eq(n, 40);
  cr_assert_str_eq(buf, "CLIENT_RANDOM 00 11\nCLIENT_RANDOM 22 33\n");
}
