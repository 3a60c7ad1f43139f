/* SPDX-License-Identifier: MIT */
/*
 * Stateful fuzz target: a fresh association per input, driven by a sequence
 * of records from the input: inbound packets (optionally with the right
 * verification tag and CRC patched in, so the fuzzer gets past validation),
 * time steps with timer expiry, sends, shutdown, abort, output pulls and
 * event polls (with 0x80, followed by csctp_assoc_trim on both engines, so
 * buffers given back mid-transfer are exercised too). Half the inputs start from an association
 * established with a second engine in memory; the other half from a listening one.
 *
 * Bit 3 of the first byte switches RFC 8260 interleaving on (I-DATA, I-FORWARD-TSN on
 * both engines: the established half uses them), bits 4-6 choose the send scheduler, bit 7
 * lets both engines perform the other's SSN/TSN Reset Request (RFC 6525 §5.2.4), which a
 * reconfiguration record (op % 9 == 6) with 0x40 and 0x10 asks for (csctp_assoc_reset_assoc).
 * with scheduler values 4-7 also switches RFC 4895 AUTH on (DATA and SACK authenticated
 * both ways); scheduler values 6-7 switch PLPMTUD (RFC 8899) on. Odd scheduler values (1, 3, 5,
 * 7) switch ECN on both engines (RFC 9260 Appendix A): a packet record's op bits 5-6 are the
 * ECN codepoint it arrives with (3: CE, echoed), and output handed to the peer (op 4 with 0x20)
 * arrives there marked CE with 0x40, so that ECNE, the reduction and CWR come back.
 * With multi-homing and AUTH both on, ASCONF (RFC 5061) is on too: a record op % 9 == 7 with 0x20
 * makes the peer ask, by ASCONF, to add (arg[0] & 3 == 0), delete (1) or make primary (2) one of
 * its three addresses or a fourth, new one (arg[0] >> 2).
 * Bits 0 and 1 of the first byte together (established, zero checksum) switch multi-homing on
 * instead of zero checksum (and PLPMTUD, single-path features): three addresses each side, every
 * packet through the _via calls, a packet record's first argument byte its source address (one of
 * the peer's three or a stranger's) and the local address it arrives at, so that path verification,
 * per-path heartbeats, replies to the source, failover and addresses nobody listed are reached. Bit
 * 2 of the first byte switches partial delivery on (RFC 9260 §6.9) on both engines, with a window
 * (32 KiB) below the largest message (64 KiB), and lets the peer send large messages, partially
 * reliable ones and lose packets, and its timers run, so that pieces and their abandonment (FORWARD
 * TSN) are reached: in the peer's record (op % 9 == 8), 0x80 makes the message the argument
 * repeated up to 256 times (64 KiB at most), 0x40 makes it partially reliable (sent once, or a 100
 * ms lifetime when arg[0] & 0x10) and drops the peer's first packets of the pump where arg[1] (0x55
 * without it) has a bit, 0x20 makes it unordered. Every message event is checked against the rules
 * of CSCTP_MSG_* (sctp.h): pieces only with partial delivery; CONTINUED
 * exactly on the pieces after the first; between the first and the last no
 * other message of the stream and no piece of another message; ABORTED
 * (len 0) only for a message in pieces; a message joined from pieces no
 * larger than the largest; and the statistics agree with the events seen.
 */
#include <csctp/sctp.h>
#include <stdlib.h>
#include <string.h>

#include "assoc.h"
#include "packet.h"
#include "prng.h"

/* Build with -DFZ_TRACE to see the message events of an input (stderr). */
#ifdef FZ_TRACE
#include <stdio.h>
#define TRACE(...) fprintf(stderr, __VA_ARGS__)
#else
#define TRACE(...) ((void)0)
#endif

#define CHECK(c)       \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

#define FZ_MAX_MSG (64 * 1024)

/* What drain() saw of one association's messages. */
typedef struct rx_track {
  const char *name;
  int pd_on;     /* partial delivery configured */
  int in_pieces; /* a message is being handed out in pieces */
  uint16_t stream;
  int unordered;
  uint32_t ppid;
  size_t joined; /* its bytes so far */
  uint64_t whole, pieces, aborted, bytes;
} rx_track;

/* Multi-homing (first byte bits 0 and 1): three addresses each side, and a stranger's. */
#define FZ_NA 3
static csctp_addr fz_addr[2][FZ_NA + 1]; /* [0]: the fuzzed engine's, [1]: the peer's */
static int fz_mh;

static void fz_addrs(void) {
  for (int s = 0; s < 2; s++)
    for (int j = 0; j <= FZ_NA; j++) {
      const uint8_t ip[4] = {10, (uint8_t)(j == FZ_NA ? 99 : j), 0, (uint8_t)(1 + s)};
      csctp_addr_ip4(&fz_addr[s][j], ip, 0, 0);
    }
}

/* A packet x (side sx) wrote for `to`, read by y (the other side) from x's address its route
 * names, at y's address it was sent to. */
static void fz_deliver(csctp_assoc *y, int sx, const csctp_route *to, const uint8_t *pkt,
                       size_t len, csctp_tstamp now) {
  csctp_route from = {.local = CSCTP_LOCAL_ANY};
  from.peer = fz_addr[sx][to->local < FZ_NA ? to->local : 0];
  for (int j = 0; j < FZ_NA; j++)
    if (to->peer.len == fz_addr[1 - sx][j].len &&
        !memcmp(to->peer.data, fz_addr[1 - sx][j].data, to->peer.len))
      from.local = (uint8_t)j;
  csctp_assoc_read_packet_via(y, &from, pkt, len, now);
}

/* One packet of x, for y (side sy): a plain write, or a _via one when multi-homed. */
static csctp_ssize fz_move(csctp_assoc *x, csctp_assoc *y, int sy, uint8_t *buf, size_t cap,
                           csctp_tstamp now, int deliver) {
  if (!fz_mh) {
    csctp_ssize n = csctp_assoc_write_packet(x, buf, cap, now);
    if (n > 0 && deliver) csctp_assoc_read_packet(y, buf, (size_t)n, now);
    return n;
  }
  csctp_route to;
  csctp_ssize n = csctp_assoc_write_packet_via(x, buf, cap, now, &to);
  if (n > 0 && deliver) fz_deliver(y, 1 - sy, &to, buf, (size_t)n, now);
  return n;
}

/* Moves packets both ways until quiet; x's first 8 packets are lost where `drop` has a bit. */
static void pump(csctp_assoc *x, csctp_assoc *y, csctp_tstamp now, uint8_t drop) {
  uint8_t buf[1500];
  unsigned sent = 0;
  for (int round = 0; round < 20; round++) {
    int moved = 0;
    /* x is the peer (side 1), y the fuzzed engine (side 0) */
    while (fz_move(x, y, 0, buf, sizeof(buf), now, sent >= 8 || !(drop >> sent & 1)) > 0) {
      sent++;
      moved++;
    }
    while (fz_move(y, x, 1, buf, sizeof(buf), now, 1) > 0) moved++;
    if (!moved) break;
  }
}

/* One message event: a whole message, a piece, or the notice that a message in pieces ended. */
static void check_message(rx_track *t, const csctp_event *ev) {
  uint32_t f = ev->u.message.flags;
  size_t len = ev->u.message.len;
  uint16_t stream = ev->u.message.stream;
  TRACE("%s: message stream %u%s flags %#x len %zu\n", t->name, stream,
        ev->u.message.unordered ? " U" : "", f, len);
  t->bytes += len;
  if (!t->pd_on) CHECK(f == 0);
  if (f & CSCTP_MSG_ABORTED) {
    CHECK(f == CSCTP_MSG_ABORTED && len == 0 && !ev->u.message.data);
    CHECK(t->in_pieces && stream == t->stream && !!ev->u.message.unordered == t->unordered);
    t->in_pieces = 0;
    t->aborted++;
    return;
  }
  CHECK((f & ~(CSCTP_MSG_MORE | CSCTP_MSG_CONTINUED)) == 0);
  int more = (f & CSCTP_MSG_MORE) != 0, cont = (f & CSCTP_MSG_CONTINUED) != 0;
  if (t->in_pieces && stream == t->stream)
    CHECK(cont && ev->u.message.ppid == t->ppid && !!ev->u.message.unordered == t->unordered);
  else if (t->in_pieces)
    CHECK(f == 0); /* one message in pieces at a time; other streams' whole ones may come */
  else
    CHECK(!cont);
  CHECK(len > 0 && len <= FZ_MAX_MSG && ev->u.message.data);
  volatile uint8_t sink = ev->u.message.data[0] ^ ev->u.message.data[len - 1];
  (void)sink;
  if (!more && !cont) { /* whole: the message in pieces, if any, goes on */
    t->whole++;
    return;
  }
  if (!cont) {
    t->stream = stream;
    t->ppid = ev->u.message.ppid;
    t->unordered = !!ev->u.message.unordered;
    t->joined = 0;
  }
  t->joined += len;
  CHECK(t->joined <= FZ_MAX_MSG);
  t->in_pieces = more;
  if (more)
    t->pieces++;
  else
    t->whole++;
}

static void drain(csctp_assoc *a, rx_track *t) {
  csctp_event ev;
  int guard = 0;
  while (csctp_assoc_poll_event(a, &ev) == 1 && guard++ < 100000) {
    if (ev.type == CSCTP_EVENT_RESTARTED) t->in_pieces = 0; /* old data is gone */
    if (ev.type == CSCTP_EVENT_MESSAGE) check_message(t, &ev);
  }
}

/* The statistics count what drain() saw. */
static void check_stats(const csctp_assoc *a, const rx_track *t) {
  csctp_stats st;
  csctp_assoc_get_stats(a, &st);
  CHECK(st.messages_in == t->whole && st.partial_pieces == t->pieces);
  CHECK(st.partial_aborted == t->aborted && st.bytes_in == t->bytes);
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
  /* Bit 2: partial delivery, the window below the largest message. */
  int pd = (data[0] & 4) != 0;
  if (pd) {
    cfg.partial_delivery_point = 8 * 1024;
    cfg.rwnd = 32 * 1024;
  }
  /* Bit 3: I-DATA (RFC 8260); bits 4-6: the scheduler. */
  cfg.interleaving = (data[0] & 8) != 0;
  cfg.scheduler = (data[0] >> 4 & 7) % CSCTP_SCHED_COUNT;
  /* Bit 7: the peer's SSN/TSN Reset Requests are performed (RFC 6525 §5.2.4), else denied. */
  cfg.accept_assoc_reset = (data[0] & 0x80) != 0;
  /* Scheduler values 6 and 7 (WFQ and FCFS again): PLPMTUD (RFC 8899) up to the output buffer's
   * size as well: padded probes and their answers. */
  if ((data[0] >> 4 & 7) >= 6) {
    cfg.plpmtud_max = 1500;
    cfg.plpmtud_probe_timer = 1000;
  }
  /* Bit 7 with scheduler values 4-7: RFC 4895 AUTH on both engines, DATA and SACK authenticated. */
  if ((data[0] & 0x80) && (data[0] >> 4 & 7) >= 4) {
    cfg.auth = 1;
    CSCTP_AUTH_CHUNK_SET(&cfg, CSCTP_CHUNK_DATA);
    CSCTP_AUTH_CHUNK_SET(&cfg, CSCTP_CHUNK_SACK);
  }
  /* Odd scheduler values: ECN (ECNE / CWR, ECT marking, the CE echo). */
  cfg.ecn = (data[0] >> 4 & 1) != 0;
  /* Bits 0 and 1 (established, zero checksum): multi-homing too (RFC 9260 §5.4, §6.4, §8.3),
   * three addresses each side listed in INIT / INIT ACK; a packet record's first argument byte
   * then chooses its source (bits 0-1: the peer's address 0-2 or a stranger's) and the local
   * address it arrives at (bits 2-3, 3: any), and 0x40 on a connect record sets the primary. */
  fz_mh = (data[0] & 3) == 3;
  if (fz_mh) { /* zero checksum goes with DTLS, single-path (assoc.c refuses it): off */
    cfg.zero_checksum_edmid = 0;
    fz_addrs();
    cfg.max_paths = FZ_NA;
    cfg.local_addrs = fz_addr[0];
    cfg.n_local_addrs = FZ_NA;
    cfg.hb_interval = 1000;
    cfg.asconf = cfg.auth; /* RFC 5061 with AUTH: the peer's ASCONF requests (op 7, 0x20) */
  }
  rx_track ta = {.name = "a", .pd_on = pd}, tp = {.name = "peer", .pd_on = pd};
  static uint8_t big[FZ_MAX_MSG];
  csctp_assoc *a = NULL, *peer = NULL;
  if (csctp_assoc_new(&a, &cfg)) return 0;
  csctp_tstamp now = 1000000;
  int established = data[0] & 1;
  if (established) {
    cfg.rand_user_data = &g2;
    if (fz_mh) cfg.local_addrs = fz_addr[1];
    if (csctp_assoc_new(&peer, &cfg) == 0) {
      if (fz_mh) csctp_assoc_add_peer_addr(peer, &fz_addr[0][0]);
      csctp_assoc_connect(peer, now);
      pump(peer, a, now, 0);
      drain(a, &ta);
      drain(peer, &tp);
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
    csctp_route from = {.local = CSCTP_LOCAL_ANY};
    if (fz_mh && op % 9 <= 1) { /* the packet's source and arrival address */
      if (!len) continue;
      from.peer = fz_addr[1][arg[0] & 3];
      from.local = (arg[0] >> 2 & 3) < FZ_NA ? (uint8_t)(arg[0] >> 2 & 3) : CSCTP_LOCAL_ANY;
      arg++;
      len--;
    }
    switch (op % 9) {
    case 0: /* raw packet, with the ECN codepoint of op bits 5-6 */
      if (fz_mh)
        csctp_assoc_read_packet_via(a, &from, arg, len, now);
      else
        csctp_assoc_read_packet_ecn(a, arg, len, op >> 5 & 3, now);
      break;
    case 1: { /* packet with ports, tag and CRC patched */
      if (len < 12 || len > sizeof(buf)) break;
      memcpy(buf, arg, len);
      csctp_put_u16(buf, 5000);
      csctp_put_u16(buf + 2, 5000);
      if (!(op & 0x10)) csctp_put_u32(buf + 4, a->local_tag);
      csctp_packet_set_crc(buf, len);
      if (fz_mh)
        csctp_assoc_read_packet_via(a, &from, buf, len, now);
      else
        csctp_assoc_read_packet_ecn(a, buf, len, op >> 5 & 3, now);
      break;
    }
    case 2: /* time passes */
      now += (csctp_tstamp)(len ? arg[0] : 1) * 10 * CSCTP_MILLISECONDS;
      if (csctp_assoc_expiry(a) <= now) csctp_assoc_handle_expiry(a, now);
      /* With partial delivery the peer's timers run too: it retransmits, or abandons. */
      if (pd && peer && csctp_assoc_expiry(peer) <= now) csctp_assoc_handle_expiry(peer, now);
      break;
    case 3: { /* send */
      csctp_send_opts o = {.stream = len ? arg[0] : 0, .ppid = 53, .unordered = op >> 7};
      csctp_assoc_send(a, &o, len ? arg : (const uint8_t *)"", len, now);
      break;
    }
    case 4: /* pull output (and give it to the peer) */
      for (int i = 0; i < 64; i++) {
        if (fz_mh) { /* to the peer, from the address the route names */
          if (fz_move(a, peer, 1, buf, sizeof(buf), now, peer && (op & 0x20)) <= 0) break;
          continue;
        }
        csctp_ssize n = csctp_assoc_write_packet(a, buf, sizeof(buf), now);
        if (n <= 0) break;
        if (peer && (op & 0x20))
          csctp_assoc_read_packet_ecn(
              peer, buf, (size_t)n,
              (op & 0x40) && csctp_assoc_packet_ecn(a) ? CSCTP_ECN_CE : CSCTP_ECN_ECT0, now);
      }
      break;
    case 5: /* take the events; with 0x80 then give back what idle buffers there are */
      drain(a, &ta);
      if (op & 0x80) {
        csctp_assoc_trim(a);
        if (peer) csctp_assoc_trim(peer);
      }
      break;
    case 6: /* shutdown, or a stream reconfiguration request of ours (RFC 6525) */
      if (!(op & 0x40)) {
        csctp_assoc_shutdown(a, now);
      } else if (op & 0x80) {
        csctp_assoc_add_streams(a, len ? arg[0] : 1, len > 1 ? arg[1] : 0, now);
      } else {
        uint16_t id = len ? arg[0] : 0;
        if (op & 0x10)
          csctp_assoc_reset_assoc(a, now); /* the whole association (§5.1.4) */
        else if (op & 0x20)
          csctp_assoc_reset_incoming_streams(a, &id, len ? 1 : 0, now);
        else
          csctp_assoc_reset_streams(a, &id, len ? 1 : 0, now);
      }
      break;
    case 7:
      if (op & 0x80)
        csctp_assoc_abort(a, "fuzz", now);
      else if (fz_mh && peer && (op & 0x20)) { /* the peer's ASCONF (RFC 5061) */
        unsigned k = len ? arg[0] : 0;
        const csctp_addr *x = &fz_addr[1][(k >> 2) % (FZ_NA + 1)]; /* 3: a new one */
        if ((k & 3) == 0) csctp_assoc_add_local_addr(peer, x, now);
        if ((k & 3) == 1) csctp_assoc_del_local_addr(peer, x, now);
        if ((k & 3) == 2) csctp_assoc_set_peer_primary(peer, x, now);
      } else if (fz_mh && (op & 0x40))
        csctp_assoc_set_primary(a, len ? arg[0] % FZ_NA : 0, now);
      else
        csctp_assoc_connect(a, now);
      break;
    case 8: /* let the real peer talk */
      if (peer) {
        /* With partial delivery and 0x40, the peer's first packets may be lost. */
        uint8_t drop = pd && (op & 0x40) ? (len > 1 ? arg[1] : 0x55) : 0;
        if (len) {
          csctp_send_opts o = {.stream = arg[0] % 4, .ppid = 51};
          const uint8_t *msg = arg;
          size_t mlen = len;
          if (pd && (op & 0x80)) { /* a large message: the argument repeated */
            mlen = len * 256 < sizeof(big) ? len * 256 : sizeof(big);
            for (size_t k = 0; k < mlen; k++) big[k] = arg[k % len];
            msg = big;
          }
          if (pd && (op & 0x40)) { /* partially reliable */
            o.pr_policy = arg[0] & 0x10 ? CSCTP_PR_TTL : CSCTP_PR_RTX;
            o.pr_value = arg[0] & 0x10 ? 100 : 0;
          }
          if (pd) o.unordered = (op & 0x20) != 0;
          csctp_assoc_send(peer, &o, msg, mlen, now);
        }
        pump(peer, a, now, drop);
        drain(peer, &tp);
      }
      break;
    }
  }
  drain(a, &ta);
  check_stats(a, &ta);
  if (peer) {
    drain(peer, &tp);
    check_stats(peer, &tp);
  }
  csctp_assoc_del(a);
  csctp_assoc_del(peer);
  return 0;
}
