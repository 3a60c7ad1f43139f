/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the resumed ICE agent's STUN (ice/stun.c, ice/ice_resume.c).
 *
 * Every input goes through the codec first: ice_stun_parse(), and on success
 * the integrity and fingerprint checks with both passwords and a round trip of
 * XOR-MAPPED-ADDRESS through the writer. Then it is handed to a resumed agent as
 * a datagram from its remote (ice_resume_input()), by the first byte's choice:
 *   bit 0 clear: the rest as it is (nearly always dropped as unauthentic);
 *   bit 0 set:   the rest is a transaction id (12 bytes) and raw attributes,
 *                wrapped here into a Binding request (bit 1 clear) or success
 *                response (bit 1 set) with MESSAGE-INTEGRITY (the local password
 *                for a request, the remote one for a response; bit 2 swaps them)
 *                and FINGERPRINT, so the checks behind them are fuzzed too. With
 *                bit 3 a response takes the transaction id of a consent check the
 *                agent has just sent (read back from the remote's socket).
 * The agent's answers land on the remote's socket, which is drained.
 *
 * Seeds (fuzz/corpus/stun/): valid requests and responses for the credentials
 * below, raw (bit 0 clear) and wrapped (bit 0 set). With CSCTP_FUZZ_STUN_STATS set
 * in the environment each input prints the agent's counters (what it reached).
 */
#include <csctp/ice.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ice_resume.h"
#include "stun.h"

#define CHECK(c)       \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

#define LUFRAG "lufr"
#define LPWD "localpasswordof22chars"
#define RUFRAG "rufr"
#define RPWD "remotepasswordof22char"

static const uint8_t fz_key[32] = "ice handover fuzz key, 32 bytes";
static csctp_ice_agent *fz_agent;
static int fz_remote = -1;
static struct sockaddr_storage fz_remote_addr;

static void fz_on_event(csctp_ice_agent *a, const csctp_ice_event *ev, void *u) {
  (void)a;
  (void)ev;
  (void)u;
}

static void fz_put16(uint8_t *b, size_t *n, uint16_t v) {
  b[(*n)++] = (uint8_t)(v >> 8);
  b[(*n)++] = (uint8_t)v;
}

static void fz_put32(uint8_t *b, size_t *n, uint32_t v) {
  fz_put16(b, n, (uint16_t)(v >> 16));
  fz_put16(b, n, (uint16_t)v);
}

static void fz_put_cred(uint8_t *b, size_t *n, const char *c) {
  fz_put16(b, n, (uint16_t)strlen(c));
  memcpy(b + *n, c, strlen(c));
  *n += strlen(c);
}

static void fz_put_addr(uint8_t *b, size_t *n, const struct sockaddr_in *a) {
  b[(*n)++] = 4;
  b[(*n)++] = 0;
  fz_put16(b, n, ntohs(a->sin_port));
  fz_put32(b, n, 0);
  memset(b + *n, 0, 16);
  memcpy(b + *n, &a->sin_addr, 4);
  *n += 16;
}

static int fz_udp(struct sockaddr_in *addr) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  CHECK(fd >= 0);
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  CHECK(bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
  socklen_t len = sizeof *addr;
  CHECK(getsockname(fd, (struct sockaddr *)addr, &len) == 0);
  return fd;
}

/* One resumed agent for the whole run, from a blob made here (the format of
 * ice/ice_handover.c), on a loopback socket facing another one. */
static void fz_init(void) {
  struct sockaddr_in l, r;
  int fd = fz_udp(&l);
  fz_remote = fz_udp(&r);
  memcpy(&fz_remote_addr, &r, sizeof r);
  uint8_t blob[CSCTP_ICE_HANDOVER_MAX];
  size_t n = 0;
  fz_put32(blob, &n, 0x43534943u);
  fz_put16(blob, &n, 1);
  fz_put16(blob, &n, 0);
  uint64_t now = (uint64_t)g_get_monotonic_time();
  fz_put32(blob, &n, (uint32_t)(now >> 32));
  fz_put32(blob, &n, (uint32_t)now);
  fz_put32(blob, &n, 0x01000000u); /* controlling */
  fz_put32(blob, &n, 1);
  fz_put32(blob, &n, 2);
  fz_put_cred(blob, &n, LUFRAG);
  fz_put_cred(blob, &n, LPWD);
  fz_put_cred(blob, &n, RUFRAG);
  fz_put_cred(blob, &n, RPWD);
  fz_put_addr(blob, &n, &l);
  fz_put_addr(blob, &n, &r);
  GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, fz_key, sizeof fz_key);
  gsize mlen = 32;
  g_hmac_update(h, blob, n);
  g_hmac_get_digest(h, blob + n, &mlen);
  g_hmac_unref(h);
  n += 32;
  csctp_ice_config cfg;
  csctp_ice_config_default(&cfg);
  cfg.on_event = fz_on_event;
  cfg.consent_freshness = 0; /* no timer: checks are sent on demand (bit 3) */
  CHECK(csctp_ice_agent_handover_import(&fz_agent, g_main_context_new(), &cfg, fz_key,
                                        sizeof fz_key, blob, n, fd, 60000) == 0);
}

static void fz_drain(uint8_t *last_txid) {
  uint8_t buf[2048];
  ssize_t n;
  while ((n = recv(fz_remote, buf, sizeof buf, 0)) > 0) {
    ice_stun_msg m;
    /* What the agent sends is well formed, with integrity and fingerprint. */
    CHECK(ice_stun_parse(buf, (size_t)n, &m) == 0);
    CHECK(m.mi_off && m.fp_off && ice_stun_check_fingerprint(buf, &m));
    const char *pw = m.type == ICE_STUN_BINDING_REQUEST ? RPWD : LPWD;
    CHECK(ice_stun_check_integrity(buf, &m, pw, strlen(pw)));
    if (m.type == ICE_STUN_BINDING_REQUEST && last_txid) memcpy(last_txid, m.txid, ICE_STUN_TXID);
  }
}

static void fz_codec(const uint8_t *d, size_t n) {
  ice_stun_msg m;
  if (ice_stun_parse(d, n, &m) != 0) return;
  (void)ice_stun_check_integrity(d, &m, LPWD, strlen(LPWD));
  (void)ice_stun_check_integrity(d, &m, RPWD, strlen(RPWD));
  (void)ice_stun_check_fingerprint(d, &m);
  if (m.has_xor_mapped) {
    uint8_t out[128];
    csctp_wr w;
    ice_stun_wr_begin(&w, out, sizeof out, ICE_STUN_BINDING_SUCCESS, m.txid);
    ice_stun_wr_xor_address(&w, (const struct sockaddr *)&m.xor_mapped);
    ice_stun_wr_fingerprint(&w);
    size_t len = ice_stun_wr_end(&w);
    ice_stun_msg back;
    CHECK(len > 0 && ice_stun_parse(out, len, &back) == 0 && back.has_xor_mapped);
    CHECK(ice_stun_check_fingerprint(out, &back));
    CHECK(memcmp(&back.xor_mapped, &m.xor_mapped, sizeof back.xor_mapped) == 0);
  }
}

static void fz_stats(void) {
  if (!getenv("CSCTP_FUZZ_STUN_STATS")) return; /* to see what the seeds reach */
  ice_resume_stats st;
  ice_resume_get_stats(fz_agent, &st);
  fprintf(stderr, "stun: dropped %llu ignored %llu answered %llu consent ok %llu\n",
          (unsigned long long)st.stun_dropped, (unsigned long long)st.stun_ignored,
          (unsigned long long)st.stun_answered, (unsigned long long)st.consent_ok);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
  if (!fz_agent) fz_init();
  if (n < 1 || n > 1500) return 0;
  uint8_t mode = d[0];
  d++;
  n--;
  fz_codec(d, n);
  ice_resumed *r = fz_agent->resumed;
  if (!(mode & 1)) {
    if (n > 0) ice_resume_input(r, d, n, &fz_remote_addr);
    fz_drain(NULL);
    fz_stats();
    return 0;
  }
  if (n < ICE_STUN_TXID) return 0;
  int response = (mode & 2) != 0;
  uint8_t txid[ICE_STUN_TXID];
  memcpy(txid, d, ICE_STUN_TXID);
  if (response && (mode & 8)) {
    ice_resume_send_check(r);
    fz_drain(txid);
  }
  uint8_t msg[2048];
  csctp_wr w;
  ice_stun_wr_begin(&w, msg, sizeof msg,
                    response ? ICE_STUN_BINDING_SUCCESS : ICE_STUN_BINDING_REQUEST, txid);
  size_t attrs = (n - ICE_STUN_TXID) & ~(size_t)3;
  csctp_wr_bytes(&w, d + ICE_STUN_TXID, attrs);
  const char *pw = response != ((mode & 4) != 0) ? RPWD : LPWD;
  ice_stun_wr_integrity(&w, pw, strlen(pw));
  ice_stun_wr_fingerprint(&w);
  size_t len = ice_stun_wr_end(&w);
  if (len) ice_resume_input(r, msg, len, &fz_remote_addr);
  fz_drain(NULL);
  fz_stats();
  return 0;
}
