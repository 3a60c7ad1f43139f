/* SPDX-License-Identifier: MIT */
/* Verifiable messages for the interop tests (see interop_traffic.h). */
#include "interop_traffic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prng.h"

/* 1 B to 256 KiB, with the edges of one, two and three DATA chunks at MTU 1200
 * (1172 B of payload for us; usrsctp splits elsewhere). */
const uint32_t interop_sizes[] = {
    1,    2,    3,    4,    7,     8,     16,    100,   255,    256,    1000,   1150,
    1151, 1152, 1164, 1168, 1171,  1172,  1173,  1176,  1188,   1200,   2343,   2344,
    2345, 3516, 3517, 4096, 16383, 16384, 65535, 65536, 100000, 200000, 262143, 262144,
};
const size_t interop_nsizes = sizeof interop_sizes / sizeof interop_sizes[0];

void interop_msg_describe(int dir, uint32_t id, interop_msg *d) {
  d->len = interop_sizes[(id + 7u * (uint32_t)dir) % INTEROP_NSIZES];
  d->sid = (uint16_t)((id * 5u + (uint32_t)dir) % INTEROP_NSTREAMS);
  d->unordered = id % 3 == 2;
  /* The id travels in the PPID (both byte-order halves non-zero, so a swap shows). */
  d->ppid = ((uint32_t)(dir + 1) << 24) | (0x5a << 16) | id;
}

void interop_msg_fill(uint8_t *buf, size_t len, int dir, uint32_t id) {
  csctp_prng g;
  csctp_prng_seed(&g, ((uint64_t)(dir + 1) << 32) | id);
  for (size_t i = 0; i < len; i += 8) {
    uint64_t v = csctp_prng_next(&g);
    for (size_t k = 0; k < 8 && i + k < len; k++) buf[i + k] = (uint8_t)(v >> (8 * k));
  }
}

void interop_rx_init(interop_rx *rc, int dir, uint32_t expected) {
  memset(rc, 0, sizeof *rc);
  rc->dir = dir;
  rc->expected = expected;
  rc->seen = calloc(expected ? expected : 1, 1);
  rc->scratch = malloc(INTEROP_MAX_MSG);
  for (int i = 0; i < INTEROP_NSTREAMS; i++) rc->last_ordered[i] = -1;
}

void interop_rx_free(interop_rx *rc) {
  free(rc->seen);
  free(rc->scratch);
  rc->seen = rc->scratch = NULL;
}

#define RX_FAIL(rc, ...)                                                              \
  do {                                                                                \
    (rc)->bad++;                                                                      \
    if (!(rc)->failure[0]) snprintf((rc)->failure, sizeof(rc)->failure, __VA_ARGS__); \
  } while (0)

void interop_rx_check(interop_rx *rc, uint16_t sid, uint32_t ppid, int unordered,
                      const uint8_t *data, size_t len) {
  uint32_t id = ppid & 0xffff;
  if (ppid >> 16 != (((uint32_t)(rc->dir + 1) << 8) | 0x5a) || id >= rc->expected) {
    RX_FAIL(rc, "dir %d: unknown ppid 0x%08x (sid %u, len %zu)", rc->dir, ppid, sid, len);
    return;
  }
  interop_msg d;
  interop_msg_describe(rc->dir, id, &d);
  if (rc->seen[id]) RX_FAIL(rc, "dir %d: id %u delivered twice", rc->dir, id);
  rc->seen[id] = 1;
  rc->received++;
  if (sid != d.sid || unordered != d.unordered || len != d.len) {
    RX_FAIL(rc, "dir %d id %u: sid %u/%u unordered %d/%d len %zu/%u (got/sent)", rc->dir, id, sid,
            d.sid, unordered, d.unordered, len, d.len);
    return;
  }
  interop_msg_fill(rc->scratch, len, rc->dir, id);
  if (memcmp(rc->scratch, data, len) != 0) {
    size_t at = 0;
    while (rc->scratch[at] == data[at]) at++;
    RX_FAIL(rc, "dir %d id %u (len %zu): content differs from byte %zu", rc->dir, id, len, at);
  }
  if (!unordered) {
    if ((int64_t)id <= rc->last_ordered[sid])
      RX_FAIL(rc, "dir %d: ordered id %u after id %lld on stream %u", rc->dir, id,
              (long long)rc->last_ordered[sid], sid);
    rc->last_ordered[sid] = id;
  }
}
