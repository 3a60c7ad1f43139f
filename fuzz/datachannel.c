/* SPDX-License-Identifier: MIT */
/*
 * Stateful fuzz target for the channel layer: our engine with a csctp_dc (side A,
 * DTLS client) against a bare engine (side B) that sends whatever the input says,
 * on a clean in-memory link. Every inbound message goes through the engine into
 * the layer, so DCEP, PPIDs, partial messages and channel state are all reached;
 * the layer's own API calls are interleaved. Checks: no crash or sanitizer report,
 * events are well formed, handles in events are valid when reported.
 *
 * Input: ops. Op byte o:
 *   o % 8 < 4: B sends: 1 byte stream (s & 15), 1 byte PPID selector, 1 byte length n,
 *              then n bytes (ppid: 50-57 by selector % 8, or raw selector when >= 0xf0)
 *   o % 8 == 4: A opens a channel (1 byte: type bits, negotiated when & 0x40)
 *   o % 8 == 5: A sends on its k-th handle (1 byte: k, 1 byte: length)
 *   o % 8 == 6: A closes its k-th handle (1 byte)
 *   o % 8 == 7: run the link 100 ms
 */
#include <csctp/datachannel.h>
#include <stdlib.h>
#include <string.h>

#include "prng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)       \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

typedef struct fz {
  csctp_assoc *a, *b;
  csctp_dc *dc;
  csctp_tstamp now;
  csctp_dc_channel h[16];
  int nh;
} fz;

static void fz_drain_dc(fz *f) {
  csctp_dc_event ev;
  int rv;
  while ((rv = csctp_dc_poll_event(f->dc, &ev, f->now)) == 1) {
    CHECK(ev.type >= CSCTP_DC_EVENT_ASSOC && ev.type <= CSCTP_DC_EVENT_ERROR);
    if (ev.type == CSCTP_DC_EVENT_ASSOC) continue;
    csctp_dc_info info;
    CHECK(csctp_dc_get_info(f->dc, ev.channel, &info) == 0);
    if (ev.type == CSCTP_DC_EVENT_OPEN) {
      CHECK(ev.u.open.label[ev.u.open.label_len] == 0);
      CHECK(ev.u.open.protocol[ev.u.open.protocol_len] == 0);
      if (ev.u.open.by_peer && f->nh < 16) f->h[f->nh++] = ev.channel;
    } else if (ev.type == CSCTP_DC_EVENT_MESSAGE && ev.u.message.len) {
      volatile uint8_t x = ev.u.message.data[0] ^ ev.u.message.data[ev.u.message.len - 1];
      (void)x;
    }
  }
  CHECK(rv == 0);
  csctp_event e;
  while (csctp_assoc_poll_event(f->b, &e) == 1) {}
}

static void fz_pump(fz *f) {
  uint8_t pkt[1500];
  for (int round = 0; round < 50; round++) {
    int moved = 0;
    csctp_ssize n;
    fz_drain_dc(f);
    while ((n = csctp_assoc_write_packet(f->a, pkt, sizeof pkt, f->now)) > 0) {
      CHECK(csctp_assoc_read_packet(f->b, pkt, (size_t)n, f->now) == 0);
      moved = 1;
    }
    while ((n = csctp_assoc_write_packet(f->b, pkt, sizeof pkt, f->now)) > 0) {
      CHECK(csctp_assoc_read_packet(f->a, pkt, (size_t)n, f->now) == 0);
      moved = 1;
    }
    if (!moved) break;
  }
  fz_drain_dc(f);
}

static void fz_advance(fz *f, csctp_tstamp d) {
  f->now += d;
  if (csctp_assoc_expiry(f->a) <= f->now) csctp_assoc_handle_expiry(f->a, f->now);
  if (csctp_assoc_expiry(f->b) <= f->now) csctp_assoc_handle_expiry(f->b, f->now);
  fz_pump(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz f;
  memset(&f, 0, sizeof(f));
  f.now = CSCTP_SECONDS;
  csctp_prng ra, rb;
  csctp_prng_seed(&ra, 1);
  csctp_prng_seed(&rb, 2);
  csctp_config cfg;
  csctp_config_default(&cfg);
  cfg.rand = csctp_prng_rand_fn;
  cfg.rand_user_data = &ra;
  cfg.outbound_streams = cfg.max_inbound_streams = 16;
  CHECK(csctp_assoc_new(&f.a, &cfg) == 0);
  cfg.rand_user_data = &rb;
  CHECK(csctp_assoc_new(&f.b, &cfg) == 0);
  csctp_dc_config dcfg;
  csctp_dc_config_default(&dcfg);
  dcfg.max_partial_size = 4096;
  CHECK(csctp_dc_new(&f.dc, f.a, &dcfg) == 0);
  csctp_assoc_connect(f.a, f.now);
  fz_pump(&f);

  size_t i = 0;
  uint8_t buf[256];
  while (i < size) {
    uint8_t o = data[i++];
    switch (o % 8) {
    case 0:
    case 1:
    case 2:
    case 3: {
      if (size - i < 3) goto out;
      uint8_t s = data[i] & 15, sel = data[i + 1], n = data[i + 2];
      i += 3;
      if (size - i < n) n = (uint8_t)(size - i);
      csctp_send_opts so = {
          .stream = s, .ppid = sel >= 0xf0 ? sel : 50u + sel % 8u, .unordered = o & 0x80 ? 1 : 0};
      if (n) csctp_assoc_send(f.b, &so, data + i, n, f.now);
      i += n;
      fz_pump(&f);
      break;
    }
    case 4: {
      if (size - i < 1) goto out;
      uint8_t t = data[i++];
      csctp_dc_init in = {.label = "f",
                          .unordered = t & 1,
                          .pr_policy = (csctp_pr_policy)((t >> 1) % 3),
                          .pr_value = t >> 3,
                          .negotiated = (t & 0x40) != 0,
                          .id = (uint16_t)(t & 15)};
      csctp_dc_channel ch;
      if (csctp_dc_open(f.dc, &in, f.now, &ch) == 0 && f.nh < 16) f.h[f.nh++] = ch;
      fz_pump(&f);
      break;
    }
    case 5: {
      if (size - i < 2) goto out;
      uint8_t k = data[i], n = data[i + 1];
      i += 2;
      memset(buf, n, sizeof buf);
      if (f.nh) csctp_dc_send(f.dc, f.h[k % f.nh], n & 1, buf, n, f.now);
      fz_pump(&f);
      break;
    }
    case 6: {
      if (size - i < 1) goto out;
      uint8_t k = data[i++];
      if (f.nh) csctp_dc_close(f.dc, f.h[k % f.nh], f.now);
      fz_pump(&f);
      break;
    }
    default: fz_advance(&f, 100 * CSCTP_MILLISECONDS); break;
    }
  }
out:
  csctp_dc_del(f.dc);
  csctp_assoc_del(f.a);
  csctp_assoc_del(f.b);
  return 0;
}
