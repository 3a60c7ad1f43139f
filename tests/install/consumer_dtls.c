/* SPDX-License-Identifier: MIT */
/* Consumer of the installed DTLS layer (csctp-dtls.pc, csctp::csctp_dtls):
 * two endpoints with generated certificates handshake in memory, each
 * checking the other's fingerprint, and one record goes across. */
#include <csctp/dtls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static csctp_dtls_cert *cert_new(csctp_dtls_fingerprint *fp) {
  csctp_dtls_cert *c = NULL;
  int rc = csctp_dtls_cert_generate(&c, "consumer", (int64_t)time(NULL), NULL);
  if (rc != 0 || csctp_dtls_cert_fingerprint(c, CSCTP_DTLS_HASH_SHA256, fp) != 0) {
    fprintf(stderr, "certificate: %s\n", csctp_strerror(rc));
    exit(1);
  }
  return c;
}

static csctp_dtls *endpoint_new(csctp_dtls_role role, const csctp_dtls_cert *cert,
                                const csctp_dtls_fingerprint *peer_fp) {
  csctp_dtls_config cfg;
  csctp_dtls_config_default(&cfg);
  cfg.role = role;
  cfg.cert = cert;
  cfg.remote_fingerprints = peer_fp;
  cfg.remote_fingerprint_count = 1;
  csctp_dtls *d = NULL;
  int rc = csctp_dtls_new(&d, &cfg);
  if (rc != 0) {
    fprintf(stderr, "csctp_dtls_new: %s\n", csctp_strerror(rc));
    exit(1);
  }
  return d;
}

static void flush(csctp_dtls *from, csctp_dtls *to, csctp_tstamp now) {
  uint8_t dg[1500];
  csctp_ssize len;
  while ((len = csctp_dtls_write_datagram(from, dg, sizeof dg, now)) > 0)
    if (csctp_dtls_read_datagram(to, dg, (size_t)len, now) != 0) exit(1);
  if (len < 0) exit(1);
}

int main(void) {
  csctp_dtls_fingerprint fpc, fps;
  csctp_dtls_cert *cc = cert_new(&fpc), *cs = cert_new(&fps);
  char text[CSCTP_DTLS_FINGERPRINT_TEXT_MAX];
  if (csctp_dtls_fingerprint_format(&fps, text, sizeof text) < 0) return 1;
  csctp_dtls *c = endpoint_new(CSCTP_DTLS_CLIENT, cc, &fps);
  csctp_dtls *s = endpoint_new(CSCTP_DTLS_SERVER, cs, &fpc);
  csctp_tstamp now = 1;
  int connected = 0, received = 0;
  if (csctp_dtls_start(s, now) != 0 || csctp_dtls_start(c, now) != 0) return 1;
  for (int i = 0; i < 50 && !received; i++, now += CSCTP_MILLISECONDS) {
    flush(c, s, now);
    flush(s, c, now);
    csctp_dtls_event ev;
    while (csctp_dtls_poll_event(c, &ev) > 0) {
      if (ev.type == CSCTP_DTLS_EVENT_ERROR) return 1;
      if (ev.type == CSCTP_DTLS_EVENT_CONNECTED && !connected) {
        connected = 1;
        if (csctp_dtls_send(c, (const uint8_t *)"hello", 5, now) != 0) return 1;
      }
    }
    while (csctp_dtls_poll_event(s, &ev) > 0) {
      if (ev.type == CSCTP_DTLS_EVENT_ERROR) return 1;
      if (ev.type == CSCTP_DTLS_EVENT_DATA && ev.u.data.len == 5 &&
          memcmp(ev.u.data.data, "hello", 5) == 0)
        received = 1;
    }
  }
  printf("dtls: server %s, handshake (%s) and record %s\n", text,
         connected ? csctp_dtls_get_cipher(c) : "-", received ? "ok" : "FAILED");
  csctp_dtls_del(c);
  csctp_dtls_del(s);
  csctp_dtls_cert_del(cc);
  csctp_dtls_cert_del(cs);
  return received ? 0 : 1;
}
