/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: csctp_assoc_handover_import on hostile blobs (src/assoc_handover.c).
 *
 * The first byte chooses the mode. Bit 0 clear: the rest is a whole blob,
 * imported as it is (nearly always refused by the MAC). Bit 0 set: the rest
 * is a blob's content without its MAC, which is computed here with the fixed
 * key, so that the parser behind the MAC is fuzzed too; with bit 1 also set
 * the creation time is patched to the import time, so the age check passes.
 * An association that imports must be ready for another handover at once:
 * it is exported again, the export imported, and both driven a little (a
 * send, output, timers, events).
 *
 * Seeds (fuzz/corpus/handover/): blobs of associations after some traffic,
 * made by tests/sctp/test_assoc_handover.c's exchange with this key and time.
 */
#include <csctp/sctp.h>
#include <stdlib.h>
#include <string.h>

#include "hmac.h"
#include "prng.h"

#define CHECK(c)       \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

#define FZ_NOW ((csctp_tstamp)1000 * CSCTP_SECONDS)
static const uint8_t fz_key[32] = "handover test key, 32 bytes....";

static void fz_drive(csctp_assoc *a, csctp_tstamp now) {
  uint8_t buf[1500];
  csctp_send_opts o = {.stream = 0, .ppid = 51};
  (void)csctp_assoc_send(a, &o, (const uint8_t *)"fuzz", 4, now);
  for (int i = 0; i < 3; i++) {
    while (csctp_assoc_write_packet(a, buf, sizeof buf, now) > 0) {}
    csctp_event ev;
    while (csctp_assoc_poll_event(a, &ev) == 1) {}
    now += 1000 * CSCTP_MILLISECONDS;
    if (csctp_assoc_expiry(a) <= now) csctp_assoc_handle_expiry(a, now);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 1 + 65536) return 0;
  static uint8_t blob[1 + 65536 + CSCTP_HMAC_LEN], again[CSCTP_HANDOVER_MAX];
  size_t len = size - 1;
  memcpy(blob, data + 1, len);
  if (data[0] & 1) {
    if ((data[0] & 2) && len >= 16)
      for (int i = 0; i < 8; i++) blob[8 + i] = (uint8_t)(FZ_NOW >> (56 - 8 * i));
    CHECK(csctp_hmac_sha256(fz_key, sizeof fz_key, blob, len, blob + len) == 0);
    len += CSCTP_HMAC_LEN;
  }
  csctp_prng rng;
  csctp_prng_seed(&rng, 0xf022);
  csctp_config cfg;
  csctp_config_default(&cfg);
  cfg.rand = csctp_prng_rand_fn;
  cfg.rand_user_data = &rng;
  cfg.outbound_streams = cfg.max_inbound_streams = 16;
  cfg.zero_checksum_edmid = (data[0] & 4) ? CSCTP_EDMID_DTLS : CSCTP_EDMID_NONE;
  csctp_assoc *a = NULL;
  int rv = csctp_assoc_handover_import(&a, &cfg, fz_key, sizeof fz_key, blob, len, FZ_NOW,
                                       10 * CSCTP_SECONDS);
  if (rv) {
    CHECK(a == NULL && rv < 0);
    CHECK(rv == CSCTP_ERR_HANDOVER_AUTH || rv == CSCTP_ERR_HANDOVER_STALE ||
          rv == CSCTP_ERR_HANDOVER_VERSION || rv == CSCTP_ERR_MALFORMED ||
          rv == CSCTP_ERR_INVALID_ARGUMENT);
    return 0;
  }
  CHECK(csctp_assoc_get_state(a) == CSCTP_STATE_ESTABLISHED);
  CHECK(csctp_assoc_handover_readiness(a) == 0);
  csctp_ssize n =
      csctp_assoc_handover_export(a, fz_key, sizeof fz_key, FZ_NOW, again, sizeof again);
  CHECK(n > 0 && (size_t)n <= len);
  csctp_assoc *b = NULL;
  CHECK(csctp_assoc_handover_import(&b, &cfg, fz_key, sizeof fz_key, again, (size_t)n, FZ_NOW,
                                    CSCTP_SECONDS) == 0);
  fz_drive(a, FZ_NOW); /* handed over: must stay silent */
  uint8_t buf[1500];
  CHECK(csctp_assoc_write_packet(a, buf, sizeof buf, FZ_NOW) == 0);
  fz_drive(b, FZ_NOW);
  csctp_assoc_del(a);
  csctp_assoc_del(b);
  return 0;
}
