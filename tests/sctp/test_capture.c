/* SPDX-License-Identifier: MIT */
/*
 * src/pcapng.c and src/capture.c: the capture of an association's SCTP packets as pcapng.
 * Files written by the engine pair are read back with tests/support/pcapng_read.c, a strict
 * reader of its own (block types and lengths, IPv4 header and checksum, protocol 132, the
 * packets byte for byte); the size limit, the names of CSCTP_CAPTURE's files, and, where
 * tshark is installed, Wireshark's own dissection of the DATA chunks and their PPIDs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assoc_util.h"
#include "pcapng_read.h"

/* ------------------------------------------------------------ helpers */

static char dir[64];

static void mkdir_tmp(void) {
  snprintf(dir, sizeof dir, "/tmp/csctp-capture-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}

TestSuite(capture, .init = mkdir_tmp, .fini = rm_tmp);

/* What x sent and received, in order, as the capture should hold it. */
typedef struct seen {
  pkt p[256];
  int inbound[256];
  csctp_tstamp at[256];
  int n;
} seen;

static void note(seen *s, int inbound, const pkt *p, csctp_tstamp now) {
  cr_assert_lt(s->n, 256);
  s->p[s->n] = *p;
  s->inbound[s->n] = inbound;
  s->at[s->n] = now;
  s->n++;
}

/* exchange() of assoc_util.h, with x's packets captured to `cap` and noted in `s`. */
static void cap_exchange(side *x, side *y, csctp_capture *cap, seen *s, csctp_tstamp now) {
  for (int round = 0; round < 100; round++) {
    pkt p[64];
    int n1 = side_pull(x, p, 64, now);
    for (int i = 0; i < n1; i++) {
      cr_assert_eq(csctp_capture_packet(cap, 0, p[i].b, p[i].len, now), 0);
      note(s, 0, &p[i], now);
      cr_assert_eq(csctp_assoc_read_packet(y->a, p[i].b, p[i].len, now), 0);
    }
    int n2 = side_pull(y, p, 64, now);
    for (int i = 0; i < n2; i++) {
      cr_assert_eq(csctp_capture_packet(cap, 1, p[i].b, p[i].len, now), 0);
      note(s, 1, &p[i], now);
      cr_assert_eq(csctp_assoc_read_packet(x->a, p[i].b, p[i].len, now), 0);
    }
    side_drain_events(x);
    side_drain_events(y);
    if (n1 == 0 && n2 == 0) break;
    now += 1000;
  }
}

/* A handshake, three messages (PPIDs 51, 53, 50) from x and one (51) from y, with x captured
 * to `path`. */
static void capture_pair(const char *path, seen *s) {
  side x, y;
  side_new(&x, 1);
  side_new(&y, 2);
  csctp_capture *cap;
  cr_assert_eq(csctp_capture_open(&cap, path, NULL), 0);
  cr_assert_str_eq(csctp_capture_path(cap), path);
  memset(s, 0, sizeof *s);
  csctp_tstamp now = 5 * CSCTP_SECONDS;
  cr_assert_eq(csctp_assoc_connect(x.a, now), 0);
  cap_exchange(&x, &y, cap, s, now);
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_ESTABLISHED);
  static const uint32_t ppids[3] = {CSCTP_PPID_WEBRTC_STRING, CSCTP_PPID_WEBRTC_BINARY,
                                    CSCTP_PPID_WEBRTC_DCEP};
  for (int i = 0; i < 3; i++) {
    csctp_send_opts o = {.stream = (uint16_t)i, .ppid = ppids[i]};
    cr_assert_eq(csctp_assoc_send(x.a, &o, (const uint8_t *)"hello", 5, now), 0);
    now += 20 * CSCTP_MILLISECONDS;
    cap_exchange(&x, &y, cap, s, now);
  }
  csctp_send_opts o = {.stream = 1, .ppid = CSCTP_PPID_WEBRTC_STRING};
  cr_assert_eq(csctp_assoc_send(y.a, &o, (const uint8_t *)"back", 4, now), 0);
  cap_exchange(&x, &y, cap, s, now);
  now += CSCTP_SECONDS; /* the delayed SACKs */
  csctp_assoc_handle_expiry(x.a, now);
  csctp_assoc_handle_expiry(y.a, now);
  cap_exchange(&x, &y, cap, s, now);
  csctp_capture_counts c;
  csctp_capture_counters(cap, &c);
  cr_assert_eq(c.packets, (uint64_t)s->n);
  cr_assert_eq(c.dropped, 0);
  cr_assert_eq(c.write_errors, 0);
  cr_assert_eq(c.full, 0);
  csctp_capture_close(cap);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

/* ------------------------------------------------------------ the formatter */

Test(capture, header_is_an_shb_and_an_ipv4_idb) {
  uint8_t b[CSCTP_PCAPNG_HEADER_LEN];
  cr_assert_eq(csctp_pcapng_header(b, sizeof b - 1), CSCTP_ERR_NOBUF);
  cr_assert_eq(csctp_pcapng_header(NULL, 100), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_pcapng_header(b, sizeof b), CSCTP_PCAPNG_HEADER_LEN);
  pcapng_file f;
  cr_assert_eq(pcapng_read_buf(&f, b, sizeof b), 0, "%s", f.err);
  cr_assert_eq(f.n, 0);
  pcapng_file_free(&f);
  static const uint8_t shb[] = {0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a};
  cr_assert_arr_eq(b, shb, sizeof shb);
  static const uint8_t idb[] = {1, 0, 0, 0, 20, 0, 0, 0, 228, 0, 0, 0, 0xff, 0xff, 0, 0};
  cr_assert_arr_eq(b + 28, idb, sizeof idb);
}

/* Every length modulo 4 (padding), both directions, the timestamp's two halves. */
Test(capture, packet_block_lengths_padding_checksum_direction) {
  uint8_t pktb[64], b[CSCTP_PCAPNG_HEADER_LEN + 8 * CSCTP_PCAPNG_PACKET_MAX(64)];
  for (size_t i = 0; i < sizeof pktb; i++) pktb[i] = (uint8_t)(i * 7 + 1);
  size_t off = (size_t)csctp_pcapng_header(b, sizeof b);
  for (size_t len = 12; len < 20; len++) {
    csctp_tstamp ts = ((csctp_tstamp)len << 32) + 0x12345678u;
    csctp_ssize n = csctp_pcapng_packet(b + off, sizeof b - off, (int)(len & 1), pktb, len, ts);
    cr_assert_eq(n, (csctp_ssize)(52 + ((len + 3) & ~(size_t)3)));
    cr_assert_leq((size_t)n, CSCTP_PCAPNG_PACKET_MAX(len));
    off += (size_t)n;
  }
  pcapng_file f;
  cr_assert_eq(pcapng_read_buf(&f, b, off), 0, "%s", f.err);
  cr_assert_eq(f.n, 8);
  for (size_t i = 0; i < 8; i++) {
    size_t len = 12 + i;
    cr_assert_eq(f.pkts[i].len, len);
    cr_assert_eq(f.pkts[i].orig_len, len + 20);
    cr_assert_eq(f.pkts[i].inbound, (int)(len & 1));
    cr_assert_eq(f.pkts[i].ts, ((uint64_t)len << 32) + 0x12345678u);
    cr_assert_arr_eq(f.pkts[i].sctp, pktb, len);
  }
  pcapng_file_free(&f);
  /* Too small a buffer writes nothing; NULL arguments are refused. */
  uint8_t small[60];
  memset(small, 0xee, sizeof small);
  cr_assert_eq(csctp_pcapng_packet(small, sizeof small, 0, pktb, 12, 0), CSCTP_ERR_NOBUF);
  for (size_t i = 0; i < sizeof small; i++) cr_assert_eq(small[i], 0xee);
  cr_assert_eq(csctp_pcapng_packet(small, sizeof small, 0, NULL, 12, 0),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_pcapng_packet(NULL, 100, 0, pktb, 12, 0), CSCTP_ERR_INVALID_ARGUMENT);
}

/* A packet longer than an IPv4 total length holds is stored truncated, its length recorded. */
Test(capture, oversized_packet_is_truncated_to_the_ip_maximum) {
  size_t len = 70000;
  uint8_t *p = calloc(1, len);
  size_t cap = CSCTP_PCAPNG_HEADER_LEN + CSCTP_PCAPNG_PACKET_MAX(len);
  uint8_t *b = malloc(cap);
  csctp_ssize h = csctp_pcapng_header(b, cap);
  csctp_ssize n = csctp_pcapng_packet(b + h, cap - (size_t)h, 1, p, len, 1);
  cr_assert_gt(n, 0);
  pcapng_file f;
  cr_assert_eq(pcapng_read_buf(&f, b, (size_t)(h + n)), 0, "%s", f.err);
  cr_assert_eq(f.n, 1);
  cr_assert_eq(f.pkts[0].len, 65515);
  cr_assert_eq(f.pkts[0].orig_len, len + 20);
  pcapng_file_free(&f);
  free(b);
  free(p);
}

/* ------------------------------------------------------------ the file */

/* The file of an engine pair holds exactly the packets x read and wrote, in order. */
Test(capture, engine_pair_file_reads_back_packet_for_packet) {
  char path[128];
  snprintf(path, sizeof path, "%s/pair.pcapng", dir);
  static seen s;
  capture_pair(path, &s);
  struct stat st;
  cr_assert_eq(stat(path, &st), 0);
  cr_assert_eq(st.st_mode & 0777, 0600, "decrypted data: owner only");
  pcapng_file f;
  cr_assert_eq(pcapng_read_path(&f, path), 0, "%s", f.err);
  cr_assert_eq(f.n, (size_t)s.n);
  cr_assert_geq(s.n, 8, "handshake, DATA, SACKs");
  int data[2] = {0, 0}, init = 0, cookie_ack = 0;
  for (size_t i = 0; i < f.n; i++) {
    cr_assert_eq(f.pkts[i].inbound, s.inbound[i], "packet %zu", i);
    cr_assert_eq(f.pkts[i].ts, s.at[i]);
    cr_assert_eq(f.pkts[i].len, s.p[i].len);
    cr_assert_arr_eq(f.pkts[i].sctp, s.p[i].b, s.p[i].len, "packet %zu", i);
    data[f.pkts[i].inbound] += pcapng_data_chunks(&f.pkts[i], UINT32_MAX);
    init += pcapng_chunks(&f.pkts[i], 1);
    cookie_ack += pcapng_chunks(&f.pkts[i], 11);
  }
  cr_assert_eq(data[0], 3);
  cr_assert_eq(data[1], 1);
  cr_assert_eq(init, 1);
  cr_assert_eq(cookie_ack, 1);
  cr_assert_eq(pcapng_data_chunks(&f.pkts[0], UINT32_MAX), 0, "the INIT carries no DATA");
  pcapng_file_free(&f);
}

/* The limit: the packet that would pass it returns 1, once; the file stays within it. */
Test(capture, size_limit_stops_writing_and_says_so_once) {
  char path[128];
  snprintf(path, sizeof path, "%s/limit.pcapng", dir);
  csctp_capture *cap;
  cr_assert_eq(csctp_capture_open(&cap, path, NULL), 0);
  uint8_t p[100] = {0};
  size_t block = CSCTP_PCAPNG_PACKET_MAX(sizeof p);
  uint64_t limit = CSCTP_PCAPNG_HEADER_LEN + 2 * block + block / 2;
  csctp_capture_set_max_bytes(cap, limit);
  int ones = 0;
  for (int i = 0; i < 10; i++) {
    int rv = csctp_capture_packet(cap, i & 1, p, sizeof p, (csctp_tstamp)i);
    cr_assert(rv == 0 || rv == 1);
    ones += rv;
    if (i == 2) cr_assert_eq(rv, 1, "the third packet meets the limit");
  }
  cr_assert_eq(ones, 1);
  csctp_capture_counts c;
  csctp_capture_counters(cap, &c);
  cr_assert_eq(c.packets, 2);
  cr_assert_eq(c.dropped, 8);
  cr_assert_eq(c.full, 1);
  cr_assert_eq(c.bytes, CSCTP_PCAPNG_HEADER_LEN + 2 * block);
  cr_assert_eq(csctp_capture_packet(NULL, 0, p, 1, 0), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_capture_packet(cap, 0, NULL, 1, 0), CSCTP_ERR_INVALID_ARGUMENT);
  csctp_capture_close(cap);
  struct stat st;
  cr_assert_eq(stat(path, &st), 0);
  cr_assert_leq((uint64_t)st.st_size, limit);
  pcapng_file f;
  cr_assert_eq(pcapng_read_path(&f, path), 0, "%s", f.err);
  cr_assert_eq(f.n, 2);
  pcapng_file_free(&f);
  /* The default limit. */
  cr_assert_eq(csctp_capture_open(&cap, path, NULL), 0);
  csctp_capture_counters(cap, &c);
  cr_assert_eq(c.bytes, CSCTP_PCAPNG_HEADER_LEN, "truncated and started over");
  csctp_capture_close(cap);
  cr_assert_eq(CSCTP_CAPTURE_MAX_BYTES_DEFAULT, 64u << 20);
}

/* The clock offset moves every later timestamp, either way. */
Test(capture, clock_offset_shifts_timestamps) {
  char path[128];
  snprintf(path, sizeof path, "%s/offset.pcapng", dir);
  csctp_capture *cap;
  cr_assert_eq(csctp_capture_open(&cap, path, NULL), 0);
  uint8_t p[12] = {0};
  cr_assert_eq(csctp_capture_packet(cap, 0, p, sizeof p, 1000), 0);
  csctp_capture_set_clock_offset(cap, (int64_t)1700000000 * 1000000);
  cr_assert_eq(csctp_capture_packet(cap, 1, p, sizeof p, 1000), 0);
  csctp_capture_set_clock_offset(cap, -400);
  cr_assert_eq(csctp_capture_packet(cap, 0, p, sizeof p, 1000), 0);
  csctp_capture_set_clock_offset(NULL, 1);
  csctp_capture_close(cap);
  pcapng_file f;
  cr_assert_eq(pcapng_read_path(&f, path), 0, "%s", f.err);
  cr_assert_eq(f.n, 3);
  cr_assert_eq(f.pkts[0].ts, 1000);
  cr_assert_eq(f.pkts[1].ts, (uint64_t)1700000000 * 1000000 + 1000);
  cr_assert_eq(f.pkts[2].ts, 600);
  pcapng_file_free(&f);
}

/* A write the OS refuses is counted, not fatal (/dev/full: ENOSPC). */
Test(capture, write_errors_are_counted) {
  if (access("/dev/full", W_OK) != 0) cr_skip_test("no /dev/full");
  csctp_capture *cap;
  cr_assert_eq(csctp_capture_open(&cap, "/dev/full", NULL), 0);
  uint8_t p[40] = {0};
  cr_assert_eq(csctp_capture_packet(cap, 0, p, sizeof p, 0), 0);
  csctp_capture_counts c;
  csctp_capture_counters(cap, &c);
  cr_assert_eq(c.packets, 0);
  cr_assert_geq(c.write_errors, 1);
  csctp_capture_close(cap);
}

/* CSCTP_CAPTURE's names: <prefix>-<pid>-<n>.pcapng, the first n free, never shared. */
Test(capture, prefix_names_number_the_files) {
  char prefix[128], want[192];
  snprintf(prefix, sizeof prefix, "%s/run", dir);
  csctp_capture *a, *b, *c;
  cr_assert_eq(csctp_capture_open_prefix(&a, prefix, NULL), 0);
  cr_assert_eq(csctp_capture_open_prefix(&b, prefix, NULL), 0);
  snprintf(want, sizeof want, "%s-%ld-1.pcapng", prefix, (long)getpid());
  cr_assert_str_eq(csctp_capture_path(a), want);
  snprintf(want, sizeof want, "%s-%ld-2.pcapng", prefix, (long)getpid());
  cr_assert_str_eq(csctp_capture_path(b), want);
  csctp_capture_close(a);
  csctp_capture_close(b);
  cr_assert_eq(csctp_capture_open_prefix(&c, prefix, NULL), 0);
  snprintf(want, sizeof want, "%s-%ld-3.pcapng", prefix, (long)getpid());
  cr_assert_str_eq(csctp_capture_path(c), want, "an existing file is never overwritten");
  csctp_capture_close(c);
}

Test(capture, open_errors_create_nothing) {
  csctp_capture *c = NULL;
  char path[128];
  snprintf(path, sizeof path, "%s/missing/dir/x.pcapng", dir);
  cr_assert_eq(csctp_capture_open(&c, path, NULL), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_capture_open_prefix(&c, path, NULL), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_capture_open(&c, "", NULL), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_capture_open(NULL, path, NULL), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_capture_open_prefix(&c, NULL, NULL), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_null(c);
  cr_assert_null(csctp_capture_path(NULL));
  csctp_capture_close(NULL);
  csctp_capture_set_max_bytes(NULL, 1);
}

static void *no_malloc(size_t n, void *u) {
  (void)n;
  (void)u;
  return NULL;
}
static void *no_calloc(size_t m, size_t n, void *u) {
  (void)m;
  (void)n;
  (void)u;
  return NULL;
}
static void *no_realloc(void *p, size_t n, void *u) {
  (void)p;
  (void)n;
  (void)u;
  return NULL;
}
static void no_free(void *p, void *u) {
  (void)p;
  (void)u;
}

/* Out of memory: the error, and no file left behind (nor an existing one touched). */
Test(capture, out_of_memory_creates_no_file) {
  static const csctp_mem none = {NULL, no_malloc, no_free, no_calloc, no_realloc};
  char path[128], prefix[128];
  snprintf(path, sizeof path, "%s/nomem.pcapng", dir);
  snprintf(prefix, sizeof prefix, "%s/nomem", dir);
  csctp_capture *c = NULL;
  cr_assert_eq(csctp_capture_open(&c, path, &none), CSCTP_ERR_NOMEM);
  cr_assert_eq(csctp_capture_open_prefix(&c, prefix, &none), CSCTP_ERR_NOMEM);
  cr_assert_null(c);
  cr_assert_neq(access(path, F_OK), 0);
  char cmd[192];
  snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", dir);
  cr_assert_eq(system(cmd), 0, "the directory stays empty");
}

/* ------------------------------------------------------------ Wireshark */

/* tshark dissects the file: the handshake, and each DATA chunk with its PPID and direction. */
Test(capture, tshark_decodes_the_data_chunks_and_ppids) {
  if (system("command -v tshark >/dev/null 2>&1") != 0)
    cr_skip_test("tshark not installed (apt-get install tshark)");
  char path[128], cmd[512];
  snprintf(path, sizeof path, "%s/tshark.pcapng", dir);
  static seen s;
  capture_pair(path, &s);
  snprintf(cmd, sizeof cmd,
           "tshark -n -r '%s' -Y sctp.data_payload_proto_id -T fields -e ip.src -e ip.proto "
           "-e sctp.data_payload_proto_id 2>/dev/null",
           path);
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p);
  char out[1024] = "";
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = 0;
  cr_assert_eq(pclose(p), 0, "tshark failed");
  cr_assert_str_eq(out,
                   "10.0.0.1\t132\t51\n"
                   "10.0.0.1\t132\t53\n"
                   "10.0.0.1\t132\t50\n"
                   "10.0.0.2\t132\t51\n");
  snprintf(cmd, sizeof cmd,
           "tshark -n -r '%s' -Y 'sctp.chunk_type == 1 || sctp.chunk_type == 11' -T fields "
           "-e sctp.chunk_type 2>/dev/null",
           path);
  p = popen(cmd, "r");
  cr_assert_not_null(p);
  n = fread(out, 1, sizeof out - 1, p);
  out[n] = 0;
  cr_assert_eq(pclose(p), 0);
  cr_assert_str_eq(out, "1\n11\n", "INIT first, COOKIE ACK last of the handshake");
}
