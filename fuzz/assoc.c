/*
 * Stateful fuzz target: a fresh association per input, driven by a sequence
 * of records from the input: inbound packets (optionally with the right
 * verification tag and CRC patched in, so the fuzzer gets past validation),
 * time steps with timer expiry, sends, shutdown, abort, output pulls and
 * event polls. Half the inputs start from an association established with a
 * second engine in memory; the other half from a listening one.
 */
#include <csctp/sctp.h>
#include <string.h>

#include "assoc.h"
#include "packet.h"
#include "prng.h"

static void pump(csctp_assoc *x, csctp_assoc *y, csctp_tstamp now) {
  uint8_t buf[1500];
  for (int round = 0; round < 20; round++) {
    int moved = 0;
    csctp_ssize n;
    while ((n = csctp_assoc_write_packet(x, buf, sizeof(buf), now)) > 0) {
      csctp_assoc_read_packet(y, buf, (size_t)n, now);
      moved++;
    }
    while ((n = csctp_assoc_write_packet(y, buf, sizeof(buf), now)) > 0) {
      csctp_assoc_read_packet(x, buf, (size_t)n, now);
      moved++;
    }
    if (!moved) break;
  }
}

static void drain(csctp_assoc *a) {
  csctp_event ev;
  int guard = 0;
  while (csctp_assoc_poll_event(a, &ev) == 1 && guard++ < 100000) {
    if (ev.type == CSCTP_EVENT_MESSAGE && ev.u.message.len) {
      volatile uint8_t sink = ev.u.message.data[0] ^ ev.u.message.data[ev.u.message.len - 1];
      (void)sink;
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  csctp_prng g1, g2;
  csctp_prng_seed(&g1, 1);
  csctp_prng_seed(&g2, 2);
  csctp_config cfg;
  csctp_config_default(&cfg);
  cfg.rand = csctp_prng_rand_fn;
  cfg.rand_user_data = &g1;
  cfg.rto_initial = 100;
  cfg.rto_min = 50;
  cfg.rto_max = 400;
  cfg.max_message_size = 64 * 1024;
  cfg.rwnd = 128 * 1024;
  cfg.sndbuf = 128 * 1024;
  /* Bit 1 of the first byte: both sides announce RFC 9653 zero checksum (as over DTLS). */
  if (data[0] & 2) cfg.zero_checksum_edmid = CSCTP_EDMID_DTLS;
  csctp_assoc *a = NULL, *peer = NULL;
  if (csctp_assoc_new(&a, &cfg)) return 0;
  csctp_tstamp now = 1000000;
  int established = data[0] & 1;
  if (established) {
    cfg.rand_user_data = &g2;
    if (csctp_assoc_new(&peer, &cfg) == 0) {
      csctp_assoc_connect(peer, now);
      pump(peer, a, now);
      drain(a);
      drain(peer);
    }
  }
  size_t pos = 1;
  uint8_t buf[1500];
  while (pos + 3 <= size) {
    uint8_t op = data[pos];
    size_t len = ((size_t)data[pos + 1] << 8) | data[pos + 2];
    pos += 3;
    if (len > size - pos) len = size - pos;
    const uint8_t *arg = data + pos;
    pos += len;
    switch (op % 9) {
    case 0: /* raw packet */ csctp_assoc_read_packet(a, arg, len, now); break;
    case 1: { /* packet with ports, tag and CRC patched */
      if (len < 12 || len > sizeof(buf)) break;
      memcpy(buf, arg, len);
      csctp_put_u16(buf, 5000);
      csctp_put_u16(buf + 2, 5000);
      if (!(op & 0x10)) csctp_put_u32(buf + 4, a->local_tag);
      csctp_packet_set_crc(buf, len);
      csctp_assoc_read_packet(a, buf, len, now);
      break;
    }
    case 2: /* time passes */
      now += (csctp_tstamp)(len ? arg[0] : 1) * 10 * CSCTP_MILLISECONDS;
      if (csctp_assoc_expiry(a) <= now) csctp_assoc_handle_expiry(a, now);
      break;
    case 3: { /* send */
      csctp_send_opts o = {.stream = len ? arg[0] : 0, .ppid = 53, .unordered = op >> 7};
      csctp_assoc_send(a, &o, len ? arg : (const uint8_t *)"", len, now);
      break;
    }
    case 4: /* pull output (and give it to the peer) */
      for (int i = 0; i < 64; i++) {
        csctp_ssize n = csctp_assoc_write_packet(a, buf, sizeof(buf), now);
        if (n <= 0) break;
        if (peer && (op & 0x20)) csctp_assoc_read_packet(peer, buf, (size_t)n, now);
      }
      break;
    case 5: drain(a); break;
    case 6: /* shutdown, or a stream reconfiguration request of ours (RFC 6525) */
      if (!(op & 0x40)) {
        csctp_assoc_shutdown(a, now);
      } else if (op & 0x80) {
        csctp_assoc_add_streams(a, len ? arg[0] : 1, len > 1 ? arg[1] : 0, now);
      } else {
        uint16_t id = len ? arg[0] : 0;
        if (op & 0x20)
          csctp_assoc_reset_incoming_streams(a, &id, len ? 1 : 0, now);
        else
          csctp_assoc_reset_streams(a, &id, len ? 1 : 0, now);
      }
      break;
    case 7:
      if (op & 0x80)
        csctp_assoc_abort(a, "fuzz", now);
      else
        csctp_assoc_connect(a, now);
      break;
    case 8: /* let the real peer talk */
      if (peer) {
        if (len) {
          csctp_send_opts o = {.stream = arg[0] % 4, .ppid = 51};
          csctp_assoc_send(peer, &o, arg, len, now);
        }
        pump(peer, a, now);
        drain(peer);
      }
      break;
    }
  }
  drain(a);
  csctp_assoc_del(a);
  csctp_assoc_del(peer);
  return 0;
}
