/* SPDX-License-Identifier: MIT */
/*
 * A strict reader of the capture files csctp writes (src/pcapng.c), for tests: it checks
 * every block (types, lengths a multiple of 4, trailing length equal to the leading one), the
 * interface (LINKTYPE_IPV4, snap length 65535) and every synthetic IPv4 header (version,
 * length, checksum, protocol 132, the 10.0.0.1 / 10.0.0.2 pair), and hands out the SCTP
 * packets. Not for hostile input beyond what a test feeds it (it is bounds-checked, though).
 */
#ifndef CSCTP_TEST_PCAPNG_READ_H
#define CSCTP_TEST_PCAPNG_READ_H

#include <stddef.h>
#include <stdint.h>

typedef struct pcapng_pkt {
  int inbound;         /* 10.0.0.2 -> 10.0.0.1 */
  uint64_t ts;         /* microseconds */
  const uint8_t *sctp; /* into the file's bytes */
  size_t len;          /* SCTP bytes stored */
  size_t orig_len;     /* IPv4 + SCTP bytes of the original packet */
} pcapng_pkt;

typedef struct pcapng_file {
  uint8_t *data;
  size_t size;
  pcapng_pkt *pkts;
  size_t n;
  char err[160]; /* why pcapng_read_* failed */
} pcapng_file;

/* Reads and checks `len` bytes (copied); 0, or -1 with f->err set. Free with pcapng_file_free. */
int pcapng_read_buf(pcapng_file *f, const uint8_t *buf, size_t len);
/* The same for a file; -1 also when it cannot be read. */
int pcapng_read_path(pcapng_file *f, const char *path);
void pcapng_file_free(pcapng_file *f);

/* The number of chunks of `type` in an SCTP packet. */
int pcapng_chunks(const pcapng_pkt *p, uint8_t type);
/* The number of user-data chunks, DATA or I-DATA (RFC 8260), carrying `ppid` (any PPID when
 * ppid is UINT32_MAX; an I-DATA chunk says its PPID only in a message's first fragment). */
int pcapng_data_chunks(const pcapng_pkt *p, uint32_t ppid);

#endif
