/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: csctp_dc_handover_import on hostile blobs (datachannel/dc_handover.c).
 *
 * The first byte chooses the mode. Bit 0 clear: the rest is a whole blob,
 * imported as it is (nearly always refused by the MAC). Bit 0 set: the rest
 * is a blob's content without its MAC, which is computed here with the fixed
 * key, so that the channel parser behind the MAC is fuzzed too; with bit 1
 * also set the creation times (the layer's and the embedded association
 * blob's, whose own MAC is then computed again) are patched to the import
 * time, so the age checks pass. A layer that imports must be ready for
 * another handover at once: it is exported again, the export imported, and
 * both driven a little (a new channel, a send on every channel, events,
 * output, timers).
 *
 * Seeds (fuzz/corpus/dc_handover/): made by tests/datachannel/test_dc_handover.c
 * with CSCTP_DC_HANDOVER_SEEDS=DIR, same key.
 */
#include <csctp/datachannel.h>
#include <stdlib.h>
#include <string.h>

#include "hmac.h"
#include "prng.h"

#define CHECK(c)       \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

#define FZ_NOW ((csctp_tstamp)1000 * CSCTP_SECONDS)
#define FZ_MAX 65536
static const uint8_t fz_key[32] = "dc handover test key, 32 bytes.";

static void fz_put_time(uint8_t *b) {
  for (int i = 0; i < 8; i++) b[i] = (uint8_t)(FZ_NOW >> (56 - 8 * i));
}

/* Patches both creation times; the association blob (at 24, its length at 20) is MACed again. */
static void fz_patch(uint8_t *blob, size_t len) {
  if (len < 24) return;
  fz_put_time(blob + 8);
  size_t alen = (size_t)blob[20] << 24 | (size_t)blob[21] << 16 | (size_t)blob[22] << 8 | blob[23];
  if (alen < 16 + CSCTP_HMAC_LEN || alen > len - 24) return;
  uint8_t *a = blob + 24;
  fz_put_time(a + 8);
  CHECK(csctp_hmac_sha256(fz_key, sizeof fz_key, a, alen - CSCTP_HMAC_LEN,
                          a + alen - CSCTP_HMAC_LEN) == 0);
}

static void fz_drive(csctp_dc *dc, csctp_assoc *a, csctp_tstamp now) {
  uint8_t buf[1500];
  csctp_dc_channel hs[64];
  size_t n = csctp_dc_channel_list(dc, hs, 64);
  for (size_t i = 0; i < n && i < 64; i++) (void)csctp_dc_send(dc, hs[i], 1, "fuzz", 4, now);
  csctp_dc_init in = {.label = "fz"};
  csctp_dc_channel ch;
  (void)csctp_dc_open(dc, &in, now, &ch);
  for (int i = 0; i < 3; i++) {
    csctp_dc_event ev;
    while (csctp_dc_poll_event(dc, &ev, now) == 1) {}
    while (csctp_assoc_write_packet(a, buf, sizeof buf, now) > 0) {}
    now += 1000 * CSCTP_MILLISECONDS;
    if (csctp_assoc_expiry(a) <= now) csctp_assoc_handle_expiry(a, now);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 1 + FZ_MAX) return 0;
  static uint8_t blob[1 + FZ_MAX + CSCTP_HMAC_LEN], again[1 << 20];
  size_t len = size - 1;
  memcpy(blob, data + 1, len);
  if (data[0] & 1) {
    if (data[0] & 2) fz_patch(blob, len);
    CHECK(csctp_hmac_sha256(fz_key, sizeof fz_key, blob, len, blob + len) == 0);
    len += CSCTP_HMAC_LEN;
  }
  csctp_prng rng;
  csctp_prng_seed(&rng, 0xdc);
  csctp_config cfg;
  csctp_config_default(&cfg);
  cfg.rand = csctp_prng_rand_fn;
  cfg.rand_user_data = &rng;
  csctp_dc *dc = NULL;
  csctp_assoc *a = NULL;
  int rv = csctp_dc_handover_import(&dc, &a, &cfg, NULL, fz_key, sizeof fz_key, blob, len, FZ_NOW,
                                    10 * CSCTP_SECONDS);
  if (rv) {
    CHECK(dc == NULL && a == NULL && rv < 0);
    CHECK(rv == CSCTP_ERR_HANDOVER_AUTH || rv == CSCTP_ERR_HANDOVER_STALE ||
          rv == CSCTP_ERR_HANDOVER_VERSION || rv == CSCTP_ERR_MALFORMED ||
          rv == CSCTP_ERR_INVALID_ARGUMENT);
    return 0;
  }
  CHECK(csctp_assoc_get_state(a) == CSCTP_STATE_ESTABLISHED);
  CHECK(csctp_dc_handover_readiness(dc) == 0);
  size_t nch = csctp_dc_channel_count(dc);
  CHECK(csctp_dc_channel_list(dc, NULL, 0) == nch);
  csctp_ssize n = csctp_dc_handover_export(dc, fz_key, sizeof fz_key, FZ_NOW, again, sizeof again);
  /* A channel on a stream the association's blob did not list adds that stream (its
   * priority): 6 bytes each. */
  CHECK(n > 0 && (size_t)n <= len + 6 * nch);
  csctp_dc *dc2 = NULL;
  csctp_assoc *a2 = NULL;
  CHECK(csctp_dc_handover_import(&dc2, &a2, &cfg, NULL, fz_key, sizeof fz_key, again, (size_t)n,
                                 FZ_NOW, CSCTP_SECONDS) == 0);
  CHECK(csctp_dc_channel_count(dc2) == nch);
  fz_drive(dc, a, FZ_NOW); /* handed over: must stay silent */
  uint8_t buf[1500];
  CHECK(csctp_assoc_write_packet(a, buf, sizeof buf, FZ_NOW) == 0);
  fz_drive(dc2, a2, FZ_NOW);
  csctp_dc_del(dc);
  csctp_assoc_del(a);
  csctp_dc_del(dc2);
  csctp_assoc_del(a2);
  return 0;
}
