/* SPDX-License-Identifier: MIT */
/*
 * Stateful fuzz target of the DTLS layer: arbitrary datagrams fed to a
 * handshaking server, or to one side of an established pair.
 *
 * Input: byte 0 selects the mode (bit 0: established pair; bit 1: feed the
 * client rather than the server; bit 2: server uses cookie exchange); then
 * datagrams, each a 2-byte big-endian length and its bytes. Between
 * datagrams the target's output and events are drained and its timer runs,
 * on a virtual clock advancing 50 ms per datagram.
 */
#include <csctp/dtls.h>
#include <stdlib.h>
#include <string.h>

static csctp_dtls_cert *certs[2];
static csctp_dtls_fingerprint fps[2];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  for (int i = 0; i < 2; i++) {
    if (csctp_dtls_cert_generate(&certs[i], NULL, 1700000000, NULL) != 0) abort();
    if (csctp_dtls_cert_fingerprint(certs[i], CSCTP_DTLS_HASH_SHA256, &fps[i]) != 0) abort();
  }
  return 0;
}

static csctp_dtls *make(int role, int cookies) {
  csctp_dtls_config cfg;
  csctp_dtls_config_default(&cfg);
  cfg.role = role ? CSCTP_DTLS_SERVER : CSCTP_DTLS_CLIENT;
  cfg.cert = certs[role];
  cfg.remote_fingerprints = &fps[1 - role];
  cfg.remote_fingerprint_count = 1;
  cfg.cookie_exchange = cookies;
  csctp_dtls *d = NULL;
  if (csctp_dtls_new(&d, &cfg) != 0) abort();
  return d;
}

/* Drains events and output; with `to`, output is delivered to it. */
static void drain(csctp_dtls *d, csctp_dtls *to, csctp_tstamp now) {
  uint8_t buf[1500];
  csctp_dtls_event ev;
  while (csctp_dtls_poll_event(d, &ev)) {
    if (ev.type == CSCTP_DTLS_EVENT_DATA && ev.u.data.len > 16384) abort();
  }
  csctp_ssize n;
  while ((n = csctp_dtls_write_datagram(d, buf, sizeof buf, now)) > 0) {
    if (n > 1200) abort(); /* the MTU holds whatever the input */
    if (to) csctp_dtls_read_datagram(to, buf, (size_t)n, now);
  }
  if (n < 0) abort();
  if (csctp_dtls_expiry(d) <= now) csctp_dtls_handle_expiry(d, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int mode = data[0];
  data++;
  size--;
  csctp_tstamp now = 1000000;
  csctp_dtls *ep[2] = {make(0, 0), make(1, (mode & 4) != 0)};
  int target = (mode & 2) ? 0 : 1;
  if (mode & 1) {
    csctp_dtls_start(ep[0], now);
    csctp_dtls_start(ep[1], now);
    for (int i = 0; i < 20 && (csctp_dtls_get_state(ep[0]) != CSCTP_DTLS_STATE_CONNECTED ||
                               csctp_dtls_get_state(ep[1]) != CSCTP_DTLS_STATE_CONNECTED);
         i++) {
      drain(ep[0], ep[1], now);
      drain(ep[1], ep[0], now);
    }
    static const uint8_t hi[] = "hello";
    csctp_dtls_send(ep[1 - target], hi, sizeof hi, now);
    drain(ep[1 - target], ep[target], now);
  } else {
    target = 1; /* a handshaking server */
    csctp_dtls_start(ep[1], now);
  }
  while (size >= 2) {
    size_t len = (size_t)data[0] << 8 | data[1];
    data += 2;
    size -= 2;
    if (len > size) len = size;
    csctp_dtls_read_datagram(ep[target], data, len, now);
    data += len;
    size -= len;
    now += 50 * CSCTP_MILLISECONDS;
    drain(ep[target], NULL, now);
    if (csctp_dtls_get_state(ep[target]) == CSCTP_DTLS_STATE_CONNECTED) {
      static const uint8_t x[] = "x";
      csctp_dtls_send(ep[target], x, 1, now);
      drain(ep[target], NULL, now);
    }
  }
  csctp_dtls_del(ep[0]);
  csctp_dtls_del(ep[1]);
  return 0;
}
