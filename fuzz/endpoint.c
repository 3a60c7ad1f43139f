/* SPDX-License-Identifier: MIT */
/*
 * Stateful fuzz target for the endpoint (src/endpoint.c, src/endpoint_map.c):
 * a listening server endpoint and four client endpoints on a simulated
 * network, driven by records from the input: hostile packets from any of
 * eight addresses (raw, or with ports, a live verification tag and the CRC
 * patched in), connects, packet exchange with losses, time steps with timer
 * expiry, event polls that remove closed associations, and the application's
 * direct calls into associations (send, shutdown, abort), which the endpoint
 * must notice by itself. Routing maps, the deadline heap and the output and
 * event lists must survive all of it without a crash, leak or sanitizer report.
 * Bit 1 of the first byte: multi-homed (max_paths 3, src/endpoint_route.c): the server has
 * two addresses, each client two (hosts c and c + 4), clients connectx to both of the
 * server's, and every packet goes through the _via calls with its addresses.
 */
#include <csctp/sctp.h>
#include <string.h>

#include "assoc.h"
#include "packet.h"
#include "prng.h"

#define NCLIENTS 4
#define NKEEP 16

typedef struct fz {
  int mh; /* multi-homed: the _via calls */
  csctp_endpoint *srv, *cli[NCLIENTS];
  csctp_assoc *keep[NKEEP]; /* server-side associations seen CONNECTED and not yet removed */
  csctp_tstamp now;
} fz;

static void addr_of(csctp_addr *a, uint8_t host) {
  memset(a, 0, sizeof(*a));
  a->len = 6; /* IPv4 address and UDP port, the port last */
  a->data[0] = 10;
  a->data[3] = (uint8_t)(1 + host);
  a->data[5] = (uint8_t)(host * 7);
}

static void forget(fz *f, csctp_assoc *a) {
  for (int i = 0; i < NKEEP; i++)
    if (f->keep[i] == a) f->keep[i] = NULL;
}

static void keep(fz *f, csctp_assoc *a) {
  for (int i = 0; i < NKEEP; i++)
    if (!f->keep[i]) {
      f->keep[i] = a;
      return;
    }
}

/* Events of every endpoint; closed associations are removed (the server forgets them). */
static void poll_all(fz *f) {
  csctp_endpoint *eps[1 + NCLIENTS] = {f->srv};
  for (int i = 0; i < NCLIENTS; i++) eps[1 + i] = f->cli[i];
  for (int k = 0; k < 1 + NCLIENTS; k++) {
    csctp_assoc *a;
    csctp_event ev;
    int guard = 0;
    while (csctp_endpoint_poll_event(eps[k], &a, &ev) == 1 && guard++ < 10000) {
      if (ev.type == CSCTP_EVENT_MESSAGE && ev.u.message.len) {
        volatile uint8_t sink = ev.u.message.data[0] ^ ev.u.message.data[ev.u.message.len - 1];
        (void)sink;
      }
      if (k == 0 && ev.type == CSCTP_EVENT_CONNECTED) keep(f, a);
      if (ev.type == CSCTP_EVENT_CLOSED) {
        if (k == 0) forget(f, a);
        csctp_endpoint_remove(eps[k], a);
      }
    }
  }
}

/* exchange() of a multi-homed run: the route's addresses choose the receiver and its local
 * address (server: hosts 100, 101; client c: hosts c, c + 4). */
static void exchange_mh(fz *f, uint32_t loss) {
  uint8_t buf[1500];
  unsigned count = 0;
  for (int round = 0; round < 16; round++) {
    int moved = 0;
    csctp_ssize n;
    csctp_route r, in;
    while ((n = csctp_endpoint_write_packet_via(f->srv, buf, sizeof(buf), f->now, &r, NULL)) > 0) {
      moved++;
      int host = r.peer.data[3] - 1;
      if ((loss >> (count++ % 32)) & 1) continue;
      if (host < 0 || host >= 2 * NCLIENTS) continue;
      memset(&in, 0, sizeof(in));
      addr_of(&in.peer, (uint8_t)(r.local == 1 ? 101 : 100));
      in.local = (uint8_t)(host >= NCLIENTS);
      csctp_endpoint_read_packet_via(f->cli[host % NCLIENTS], &in, buf, (size_t)n, f->now, NULL);
    }
    for (int c = 0; c < NCLIENTS; c++) {
      while ((n = csctp_endpoint_write_packet_via(f->cli[c], buf, sizeof(buf), f->now, &r, NULL)) >
             0) {
        moved++;
        if ((loss >> (count++ % 32)) & 1) continue;
        int host = r.peer.data[3] - 1;
        memset(&in, 0, sizeof(in));
        addr_of(&in.peer, (uint8_t)(r.local == 1 ? c + NCLIENTS : c));
        in.local = host == 100 ? 0 : host == 101 ? 1 : CSCTP_LOCAL_ANY;
        csctp_endpoint_read_packet_via(f->srv, &in, buf, (size_t)n, f->now, NULL);
      }
    }
    if (!moved) break;
  }
}

/* Moves packets between the endpoints; bit i of `loss` drops the i-th packet (mod 32). */
static void exchange(fz *f, uint32_t loss) {
  if (f->mh) {
    exchange_mh(f, loss);
    return;
  }
  uint8_t buf[1500];
  unsigned count = 0;
  for (int round = 0; round < 16; round++) {
    int moved = 0;
    csctp_ssize n;
    csctp_addr to, from;
    while ((n = csctp_endpoint_write_packet(f->srv, buf, sizeof(buf), f->now, &to, NULL)) > 0) {
      moved++;
      int host = to.data[3] - 1;
      if ((loss >> (count++ % 32)) & 1) continue;
      if (host >= 0 && host < NCLIENTS)
        csctp_endpoint_read_packet(f->cli[host], &to, buf, (size_t)n, f->now, NULL);
    }
    for (int c = 0; c < NCLIENTS; c++) {
      addr_of(&from, (uint8_t)c);
      while ((n = csctp_endpoint_write_packet(f->cli[c], buf, sizeof(buf), f->now, &to, NULL)) >
             0) {
        moved++;
        if ((loss >> (count++ % 32)) & 1) continue;
        csctp_endpoint_read_packet(f->srv, &from, buf, (size_t)n, f->now, NULL);
      }
    }
    if (!moved) break;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  fz f;
  memset(&f, 0, sizeof(f));
  f.now = 1000000;
  csctp_prng g;
  csctp_prng_seed(&g, 7);
  csctp_config cfg;
  csctp_config_default(&cfg);
  cfg.rand = csctp_prng_rand_fn;
  cfg.rand_user_data = &g;
  cfg.rto_initial = 100;
  cfg.rto_min = 50;
  cfg.rto_max = 400;
  cfg.max_init_retransmits = 3;
  cfg.association_max_retrans = 3;
  cfg.max_message_size = 16 * 1024;
  cfg.rwnd = 64 * 1024;
  cfg.sndbuf = 64 * 1024;
  cfg.local_port = 5000;
  f.mh = (data[0] & 2) != 0;
  if (f.mh) cfg.max_paths = 3;
  if (csctp_endpoint_new(&f.srv, &cfg)) return 0;
  /* Bit 0: the UDP port is not part of a peer's identity (RFC 6951), as the socket API sets. */
  if ((data[0] & 1) || f.mh) csctp_endpoint_set_addr_port_len(f.srv, 2);
  csctp_addr la[2];
  if (f.mh) {
    addr_of(&la[0], 100);
    addr_of(&la[1], 101);
    csctp_endpoint_set_local_addrs(f.srv, la, 2);
  }
  csctp_endpoint_listen(f.srv, 1);
  for (int c = 0; c < NCLIENTS; c++) {
    cfg.local_port = (uint16_t)(4000 + c);
    if (csctp_endpoint_new(&f.cli[c], &cfg)) goto out;
    if (f.mh) {
      csctp_endpoint_set_addr_port_len(f.cli[c], 2);
      addr_of(&la[0], (uint8_t)c);
      addr_of(&la[1], (uint8_t)(c + NCLIENTS));
      csctp_endpoint_set_local_addrs(f.cli[c], la, 2);
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
    uint8_t host = (uint8_t)((op >> 4) & 7);
    csctp_addr from;
    addr_of(&from, host);
    csctp_route rt = {.peer = from, .local = (uint8_t)(op & 0x08 ? 1 : 0)};
    switch (op & 7) {
    case 0: /* a raw packet from any of 8 addresses */
      if (f.mh)
        csctp_endpoint_read_packet_via(f.srv, &rt, arg, len, f.now, NULL);
      else
        csctp_endpoint_read_packet(f.srv, &from, arg, len, f.now, NULL);
      break;
    case 1: { /* ports, a live tag (of a kept association) and the CRC patched in */
      if (len < 12 || len > sizeof(buf)) break;
      memcpy(buf, arg, len);
      csctp_put_u16(buf, (uint16_t)(4000 + host % NCLIENTS));
      csctp_put_u16(buf + 2, 5000);
      csctp_assoc *a = f.keep[arg[0] % NKEEP];
      if (a && !(op & 0x80)) csctp_put_u32(buf + 4, a->local_tag);
      csctp_packet_set_crc(buf, len);
      if (f.mh)
        csctp_endpoint_read_packet_via(f.srv, &rt, buf, len, f.now, NULL);
      else
        csctp_endpoint_read_packet(f.srv, &from, buf, len, f.now, NULL);
      break;
    }
    case 2: /* time passes */
      f.now += (csctp_tstamp)(len ? arg[0] : 1) * 20 * CSCTP_MILLISECONDS;
      csctp_endpoint_handle_expiry(f.srv, f.now);
      for (int c = 0; c < NCLIENTS; c++) csctp_endpoint_handle_expiry(f.cli[c], f.now);
      break;
    case 3: { /* a client connects to the server */
      csctp_addr srv[2];
      addr_of(&srv[0], 100);
      addr_of(&srv[1], 101);
      csctp_assoc *a;
      if (f.mh)
        csctp_endpoint_connectx(f.cli[host % NCLIENTS], srv, 2, 5000, NULL, f.now, &a);
      else
        csctp_endpoint_connect(f.cli[host % NCLIENTS], &srv[0], 5000, NULL, f.now, &a);
      break;
    }
    case 4: /* the network carries packets, with losses */
      exchange(&f, len >= 4 ? ((uint32_t)arg[0] << 24 | (uint32_t)arg[1] << 16 |
                               (uint32_t)arg[2] << 8 | arg[3])
                            : 0);
      break;
    case 5: poll_all(&f); break;
    case 6: { /* the server application calls into one of its associations directly */
      csctp_assoc *a = f.keep[(len ? arg[0] : 0) % NKEEP];
      if (!a) break;
      if (op & 0x80) {
        csctp_assoc_abort(a, "fuzz", f.now);
      } else if (op & 0x08) {
        csctp_assoc_shutdown(a, f.now);
      } else {
        csctp_send_opts o = {.stream = len > 1 ? arg[1] % 4 : 0, .ppid = 53};
        csctp_assoc_send(a, &o, len ? arg : (const uint8_t *)"x", len ? len : 1, f.now);
      }
      break;
    }
    case 7: /* the server removes one without a word (the caller may) */
      if (op & 0x08) {
        csctp_assoc *a = f.keep[(len ? arg[0] : 0) % NKEEP];
        if (a) {
          forget(&f, a);
          csctp_endpoint_remove(f.srv, a);
        }
      } else {
        csctp_endpoint_expiry(f.srv);
      }
      break;
    }
  }
out:
  for (int c = 0; c < NCLIENTS; c++) csctp_endpoint_del(f.cli[c]);
  csctp_endpoint_del(f.srv);
  return 0;
}
