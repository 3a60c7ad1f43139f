/* SPDX-License-Identifier: MIT */
/*
 * Issue 11, "keep them closed": under each attack a remote peer can mount, the
 * process's peak resident memory grows by less than a stated bound. Each test
 * runs in its own process (Criterion forks one per test); the peak is reset
 * (/proc/self/clear_refs) once the victim is set up, and the growth is the
 * high-water mark (VmHWM) at the end minus the resident size (VmRSS) then.
 *
 * The victim is a listening csctp_endpoint, as a server over raw IP or UDP
 * would run it; the attackers are engines of their own joined to it in
 * memory, each from its own address, whose packets are written by hand once
 * their association is up (they know the victim's tag, as any peer does).
 */
#include <criterion/criterion.h>
#include <csctp/sctp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"
#include "prng.h"
#include "wr.h"

#define MIB (1024.0 * 1024.0)

/* ---- the process's memory ---- */

static size_t status_kib(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  cr_assert_not_null(f);
  char line[256];
  size_t v = 0, klen = strlen(key);
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, key, klen) && line[klen] == ':') v = strtoull(line + klen + 1, NULL, 10);
  fclose(f);
  return v;
}

static size_t rss0;

/* The peak from here on is what the attack adds. */
static void mark(void) {
  FILE *f = fopen("/proc/self/clear_refs", "w");
  cr_assert_not_null(f, "/proc/self/clear_refs");
  fputs("5", f); /* resets VmHWM to VmRSS */
  fclose(f);
  rss0 = status_kib("VmRSS");
}

/*
 * Growth of the peak since mark(), in bytes; printed with the attack's name.
 * Under AddressSanitizer (its quarantine and shadow memory) the attack runs and
 * the figure is printed, but 0 is returned: the bounds are for real builds.
 */
#if defined(__SANITIZE_ADDRESS__)
#define CSCTP_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CSCTP_TEST_ASAN 1
#endif
#endif
static size_t growth(const char *attack, size_t bound) {
  size_t g = (status_kib("VmHWM") - rss0) * 1024;
  cr_log_info("%s: peak RSS grew by %.1f MiB (bound %.1f MiB)", attack, (double)g / MIB,
              (double)bound / MIB);
  fprintf(stderr, "memory bound: %s: peak RSS +%.1f MiB (bound %.1f MiB)\n", attack,
          (double)g / MIB, (double)bound / MIB);
#ifdef CSCTP_TEST_ASAN
  return 0;
#else
  return g;
#endif
}

/* ---- the victim endpoint and attackers in memory ---- */

#define MAX_ATT 64

typedef struct attacker {
  csctp_assoc *a;
  csctp_addr addr;
  csctp_prng rng;
  uint32_t tag, base; /* the victim's tag and next expected TSN */
} attacker;

static csctp_endpoint *ep;
static csctp_prng ep_rng;
static attacker att[MAX_ATT];
static int natt;
static csctp_tstamp now = 1000000;
static uint8_t buf[20000];

static void addr_of(csctp_addr *a, uint32_t host) {
  memset(a, 0, sizeof(*a));
  a->len = 4;
  a->data[0] = 10;
  a->data[1] = (uint8_t)(host >> 16);
  a->data[2] = (uint8_t)(host >> 8);
  a->data[3] = (uint8_t)host;
}

static void victim_new(void (*tweak)(csctp_config *)) {
  csctp_config cfg;
  csctp_config_default(&cfg);
  csctp_prng_seed(&ep_rng, 99);
  cfg.rand = csctp_prng_rand_fn;
  cfg.rand_user_data = &ep_rng;
  if (tweak) tweak(&cfg);
  cr_assert_eq(csctp_endpoint_new(&ep, &cfg), 0);
  csctp_endpoint_listen(ep, 1);
}

/* Moves packets both ways until neither side has any; the victim's events are taken. */
static void settle(void) {
  for (int round = 0; round < 8; round++) {
    int moved = 0;
    csctp_ssize n;
    csctp_addr to;
    while ((n = csctp_endpoint_write_packet(ep, buf, sizeof buf, now, &to, NULL)) > 0) {
      moved = 1;
      for (int i = 0; i < natt; i++)
        if (att[i].a && !memcmp(att[i].addr.data, to.data, 4))
          csctp_assoc_read_packet(att[i].a, buf, (size_t)n, now);
    }
    for (int i = 0; i < natt; i++)
      while (att[i].a && (n = csctp_assoc_write_packet(att[i].a, buf, sizeof buf, now)) > 0) {
        moved = 1;
        csctp_endpoint_read_packet(ep, &att[i].addr, buf, (size_t)n, now, NULL);
      }
    csctp_assoc *a;
    csctp_event ev;
    while (csctp_endpoint_poll_event(ep, &a, &ev)) {}
    if (!moved) break;
  }
}

static attacker *attacker_connect(void) {
  cr_assert(natt < MAX_ATT);
  attacker *x = &att[natt];
  memset(x, 0, sizeof(*x));
  addr_of(&x->addr, 1000u + (uint32_t)natt);
  csctp_prng_seed(&x->rng, 500u + (uint64_t)natt);
  natt++;
  csctp_config cfg;
  csctp_config_default(&cfg);
  cfg.rand = csctp_prng_rand_fn;
  cfg.rand_user_data = &x->rng;
  cr_assert_eq(csctp_assoc_new(&x->a, &cfg), 0);
  cr_assert_eq(csctp_assoc_connect(x->a, now), 0);
  settle();
  cr_assert_eq(csctp_assoc_get_state(x->a), CSCTP_STATE_ESTABLISHED);
  cr_assert_eq(csctp_endpoint_count(ep), (size_t)natt);
  csctp_stats st;
  csctp_assoc_get_stats(x->a, &st);
  x->tag = 0;
  /* The victim's tag is what the attacker's own packets carry. */
  csctp_send_opts so = {.stream = 0, .ppid = 51};
  cr_assert_eq(csctp_assoc_send(x->a, &so, (const uint8_t *)"x", 1, now), 0);
  csctp_ssize n = csctp_assoc_write_packet(x->a, buf, sizeof buf, now);
  cr_assert_gt(n, 16);
  x->tag = csctp_get_u32(buf + 4);
  x->base = csctp_get_u32(buf + 12 + 4) + 1; /* that DATA's TSN + 1: never sent */
  return x;
}

/* One DATA chunk of `len` bytes from attacker x under the victim's tag, handed to the victim. */
static csctp_assoc *data_hit(attacker *x, uint32_t tsn, uint16_t stream, uint16_t ssn,
                             uint8_t flags, size_t len) {
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof(buf));
  csctp_packet_write_header(&w, 5000, 5000, x->tag);
  csctp_wr_u8(&w, CSCTP_CHUNK_DATA);
  csctp_wr_u8(&w, flags);
  csctp_wr_u16(&w, (uint16_t)(16 + len));
  csctp_wr_u32(&w, tsn);
  csctp_wr_u16(&w, stream);
  csctp_wr_u16(&w, ssn);
  csctp_wr_u32(&w, CSCTP_PPID_WEBRTC_BINARY);
  csctp_wr_zeros(&w, len);
  while (w.len % 4) csctp_wr_u8(&w, 0);
  cr_assert(!w.overflow);
  csctp_packet_set_crc(buf, w.len);
  csctp_assoc *va = NULL;
  cr_assert_eq(csctp_endpoint_read_packet(ep, &x->addr, buf, w.len, now, &va), 0);
  csctp_addr to;
  while (csctp_endpoint_write_packet(ep, buf, sizeof buf, now, &to, NULL) > 0) {}
  return va; /* the victim's association it reached, if any */
}

/* Holes above x->base (withheld) filled from the top down with `n` chunks of `len` bytes. */
static void hole_attack(attacker *x, uint32_t n, size_t len) {
  csctp_assoc *va = NULL;
  for (uint32_t i = n; i >= 1; i--)
    va = data_hit(x, x->base + i, (uint16_t)(i % 7), 0,
                  CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E | CSCTP_DATA_FLAG_U, len);
  cr_assert_not_null(va, "the packets reached the victim's association");
  csctp_stats st;
  csctp_assoc_get_stats(va, &st);
  cr_assert_geq(st.data_chunks_in, n, "%llu DATA chunks in", (unsigned long long)st.data_chunks_in);
}

static void victim_del(void) {
  for (int i = 0; i < natt; i++) csctp_assoc_del(att[i].a);
  natt = 0;
  csctp_endpoint_del(ep);
}

Test(memory_bound, receive_window_attack_on_one_association) {
  victim_new(NULL);
  attacker *x = attacker_connect();
  mark();
  hole_attack(x, 30000, 8192);   /* 245 MB of DATA under a withheld TSN */
  const size_t bound = 4u << 20; /* 1 MiB window + 256 KiB message + maps and malloc slack */
  cr_assert_leq(growth("30,000 x 8 KiB above a withheld TSN, one association", bound), bound);
  victim_del();
}

static csctp_rx_budget shared = {.limit = 8u << 20};
static void with_budget(csctp_config *c) { c->rx_budget = &shared; }

Test(memory_bound, receive_window_attack_on_many_associations_is_capped_by_the_budget) {
  victim_new(with_budget);
  for (int i = 0; i < 48; i++) attacker_connect();
  mark();
  for (int i = 0; i < natt; i++) hole_attack(&att[i], 2000, 8192);
  /* 48 windows of 1.25 MiB would be 60 MiB; the endpoint's budget holds 8 MiB. */
  const size_t bound = 16u << 20;
  cr_assert_leq(shared.peak, shared.limit + 64 * 1024, "budget peak %zu", shared.peak);
  cr_assert_leq(growth("48 associations x 2,000 x 8 KiB, an 8 MiB budget", bound), bound);
  victim_del();
  cr_assert_eq(shared.used, 0);
}

Test(memory_bound, tiny_chunks_attack) {
  victim_new(NULL);
  attacker *x = attacker_connect();
  mark();
  for (uint32_t i = 60000; i >= 1; i--)
    data_hit(x, x->base + i, (uint16_t)(i % 7), 0,
             CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E | CSCTP_DATA_FLAG_U, 1);
  const size_t bound = 4u << 20;
  cr_assert_leq(growth("60,000 one-byte chunks above a withheld TSN", bound), bound);
  victim_del();
}

Test(memory_bound, every_inbound_stream_used_once) {
  /* Stream state is created on first use: a peer can make the association keep one per
   * inbound stream it negotiated (65,535 by default; max_inbound_streams bounds it). */
  victim_new(NULL);
  attacker *x = attacker_connect();
  mark();
  uint32_t tsn = x->base - 1; /* in order: every message is complete and taken */
  for (uint32_t s = 0; s < 65535; s++) {
    data_hit(x, tsn++, (uint16_t)s, s == 0 ? 1 : 0, CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E, 1);
    if (s % 256 == 0) {
      csctp_assoc *a;
      csctp_event ev;
      while (csctp_endpoint_poll_event(ep, &a, &ev)) {}
    }
  }
  const size_t bound = 12u << 20;
  cr_assert_leq(growth("one message on each of 65,535 streams", bound), bound);
  victim_del();
}

Test(memory_bound, a_million_packets_with_wrong_tags_or_checksums) {
  victim_new(NULL);
  attacker *x = attacker_connect();
  csctp_prng rng;
  csctp_prng_seed(&rng, 4242);
  mark();
  for (uint32_t i = 0; i < 1000000; i++) {
    csctp_wr w;
    csctp_wr_init(&w, buf, sizeof(buf));
    uint32_t kind = (uint32_t)csctp_prng_below(&rng, 4);
    uint32_t tag = kind == 0 ? x->tag : (uint32_t)csctp_prng_next(&rng);
    csctp_packet_write_header(&w, 5000, 5000, tag);
    csctp_wr_u8(&w, (uint8_t)csctp_prng_below(&rng, 16)); /* any chunk type of RFC 9260 */
    csctp_wr_u8(&w, (uint8_t)csctp_prng_next(&rng));
    csctp_wr_u16(&w, 20);
    for (int k = 0; k < 16; k++) csctp_wr_u8(&w, (uint8_t)csctp_prng_next(&rng));
    if (kind != 1) csctp_packet_set_crc(buf, w.len); /* kind 1: a wrong checksum */
    csctp_addr from = x->addr;
    if (kind == 3) addr_of(&from, 2000000u + i); /* from everywhere */
    csctp_endpoint_read_packet(ep, &from, buf, w.len, now, NULL);
    csctp_addr to;
    while (csctp_endpoint_write_packet(ep, buf, sizeof buf, now, &to, NULL) > 0) {}
    csctp_assoc *a;
    csctp_event ev;
    while (csctp_endpoint_poll_event(ep, &a, &ev)) {}
  }
  const size_t bound = 2u << 20;
  cr_assert_leq(growth("1,000,000 packets: wrong tags, wrong checksums, other addresses", bound),
                bound);
  victim_del();
}

Test(memory_bound, a_peer_that_never_acknowledges) {
  /* The victim sends as fast as its association lets it; the peer acknowledges nothing. */
  victim_new(NULL);
  attacker *x = attacker_connect();
  csctp_assoc *va = data_hit(x, x->base - 1, 0, 0, CSCTP_DATA_FLAG_B | CSCTP_DATA_FLAG_E, 1);
  cr_assert_not_null(va);
  mark();
  static uint8_t msg[16384];
  csctp_send_opts so = {.stream = 1, .ppid = CSCTP_PPID_WEBRTC_BINARY};
  int accepted = 0, refused = 0;
  csctp_addr to;
  for (int i = 0; i < 20000; i++) {
    if (csctp_assoc_send(va, &so, msg, sizeof msg, now) == 0)
      accepted++;
    else
      refused++;
    while (csctp_endpoint_write_packet(ep, buf, sizeof buf, now, &to, NULL) > 0) {}
    now += CSCTP_MILLISECONDS;
    if (csctp_endpoint_expiry(ep) <= now) csctp_endpoint_handle_expiry(ep, now);
  }
  csctp_stats st;
  csctp_assoc_get_stats(va, &st);
  cr_assert_gt(refused, 0, "the send buffer filled (%d accepted)", accepted);
  cr_assert_leq(st.bytes_buffered, (size_t)1 << 20, "buffered %zu", st.bytes_buffered);
  const size_t bound = 4u << 20;
  cr_assert_leq(growth("sending to a peer that never acknowledges (1 MiB sndbuf)", bound), bound);
  victim_del();
}

/* ---- a stateless attacker completing handshakes from many addresses ---- */

/* The value of the State Cookie parameter of the INIT ACK in buf[0..len), or NULL. */
static const uint8_t *find_cookie(const uint8_t *b, size_t len, size_t *clen) {
  if (len < 32 || b[12] != CSCTP_CHUNK_INIT_ACK) return NULL;
  size_t end = 12 + csctp_get_u16(b + 14);
  if (end > len) return NULL;
  for (size_t off = 32; off + 4 <= end;) {
    uint16_t type = csctp_get_u16(b + off), plen = csctp_get_u16(b + off + 2);
    if (plen < 4 || off + plen > end) return NULL;
    if (type == 7) {
      *clen = plen - 4u;
      return b + off + 4;
    }
    off += (plen + 3u) & ~3u;
  }
  return NULL;
}

Test(memory_bound, handshake_flood_is_capped_by_the_association_limit) {
  /* 20,000 complete handshakes from 20,000 addresses: each a valid COOKIE ECHO, the attacker
   * keeping no state; the endpoint holds at most max_assocs associations. */
  victim_new(NULL);
  csctp_endpoint_limits lim;
  csctp_endpoint_get_limits(ep, &lim);
  lim.max_assocs = 1000;
  cr_assert_eq(csctp_endpoint_set_limits(ep, &lim), 0);
  mark();
  uint8_t ack[1500];
  for (uint32_t i = 0; i < 20000; i++) {
    csctp_addr from;
    addr_of(&from, 100000u + i);
    csctp_wr w;
    csctp_wr_init(&w, buf, sizeof(buf));
    csctp_packet_write_header(&w, 5000, 5000, 0);
    csctp_wr_u8(&w, CSCTP_CHUNK_INIT);
    csctp_wr_u8(&w, 0);
    csctp_wr_u16(&w, 20);
    csctp_wr_u32(&w, 0x10000u + i); /* initiate tag */
    csctp_wr_u32(&w, 65536);        /* a_rwnd */
    csctp_wr_u16(&w, 4);
    csctp_wr_u16(&w, 4);
    csctp_wr_u32(&w, 1); /* initial TSN */
    csctp_packet_set_crc(buf, w.len);
    csctp_endpoint_read_packet(ep, &from, buf, w.len, now, NULL);
    csctp_addr to;
    csctp_ssize n = csctp_endpoint_write_packet(ep, ack, sizeof ack, now, &to, NULL);
    cr_assert_gt(n, 0, "INIT ACK %u", i);
    size_t clen = 0;
    const uint8_t *cookie = find_cookie(ack, (size_t)n, &clen);
    cr_assert_not_null(cookie);
    csctp_wr_init(&w, buf, sizeof(buf));
    csctp_packet_write_header(&w, 5000, 5000, csctp_get_u32(ack + 16));
    csctp_wr_u8(&w, CSCTP_CHUNK_COOKIE_ECHO);
    csctp_wr_u8(&w, 0);
    csctp_wr_u16(&w, (uint16_t)(4 + clen));
    csctp_wr_bytes(&w, cookie, clen);
    while (w.len % 4) csctp_wr_u8(&w, 0);
    csctp_packet_set_crc(buf, w.len);
    csctp_endpoint_read_packet(ep, &from, buf, w.len, now, NULL);
    while (csctp_endpoint_write_packet(ep, ack, sizeof ack, now, &to, NULL) > 0) {}
    csctp_assoc *a;
    csctp_event ev;
    while (csctp_endpoint_poll_event(ep, &a, &ev)) {}
  }
  cr_assert_eq(csctp_endpoint_count(ep), 1000);
  csctp_endpoint_stats es;
  csctp_endpoint_get_stats(ep, &es);
  cr_assert_eq(es.drop_assoc_limit, 19000, "refused %llu", (unsigned long long)es.drop_assoc_limit);
  const size_t bound = 12u << 20; /* 1,000 associations (some 4 KiB each) and the maps */
  cr_assert_leq(growth("20,000 handshakes, max_assocs 1,000", bound), bound);
  victim_del();
}
