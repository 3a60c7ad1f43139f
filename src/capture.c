/* SPDX-License-Identifier: MIT */
/*
 * The capture file: the blocks of pcapng.c written to a file descriptor. Opt-in file I/O, kept
 * out of the association itself (as dtls/keylog.c is out of the DTLS endpoint): the layer that
 * moves an association's packets calls csctp_capture_packet() with each one. One writev() per
 * packet, from the caller's bytes: nothing is allocated after csctp_capture_open().
 */
#include <csctp/sctp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pcapng.h"

/* <prefix>-<pid>-<n>.pcapng: the n tried before giving up. */
#define CAPTURE_PREFIX_TRIES 100000

struct csctp_capture {
  const csctp_mem *mem;
  int fd;
  int full;   /* the limit refused a packet: nothing more is written */
  int broken; /* a short write left a partial block: writing more would misframe the file */
  uint64_t max_bytes;
  int64_t clock_offset; /* added to every timestamp (csctp_capture_set_clock_offset) */
  uint64_t bytes;
  uint64_t packets;
  uint64_t dropped;
  uint64_t write_errors;
  char path[];
};

static int capture_errno(int e) {
  switch (e) {
  case EACCES:
  case EPERM:
  case EROFS: return CSCTP_ERR_PERMISSION;
  case EMFILE:
  case ENFILE: return CSCTP_ERR_NO_DESCRIPTORS;
  case ENOMEM: return CSCTP_ERR_NOMEM;
  default: return CSCTP_ERR_INVALID_ARGUMENT;
  }
}

/* Writes all of iov or counts an error; a partial block breaks the file for good. */
static void capture_writev(csctp_capture *c, struct iovec *iov, int n, size_t total) {
  ssize_t w;
  do {
    w = writev(c->fd, iov, n);
  } while (w < 0 && errno == EINTR);
  if (w == (ssize_t)total) {
    c->bytes += total;
    return;
  }
  c->write_errors++;
  if (w > 0) c->broken = 1;
}

/* The object, with room for a path of `path_cap` bytes; the file comes after. */
static csctp_capture *capture_alloc(const csctp_mem *mem, size_t path_cap) {
  csctp_capture *c = mem->calloc(1, sizeof *c + path_cap, mem->user_data);
  if (!c) return NULL;
  c->mem = mem;
  c->fd = -1;
  c->max_bytes = CSCTP_CAPTURE_MAX_BYTES_DEFAULT;
  return c;
}

/* The file is open: its header, then the capture is the caller's. */
static int capture_start(csctp_capture **pc, csctp_capture *c) {
  uint8_t hdr[CSCTP_PCAPNG_HEADER_LEN];
  csctp_pcapng_header(hdr, sizeof hdr);
  struct iovec iov = {hdr, sizeof hdr};
  capture_writev(c, &iov, 1, sizeof hdr);
  if (c->bytes == 0) c->broken = 1; /* no header: no packet may follow */
  *pc = c;
  return 0;
}

int csctp_capture_open(csctp_capture **pc, const char *path, const csctp_mem *mem) {
  if (!pc || !path || !*path) return CSCTP_ERR_INVALID_ARGUMENT;
  if (!mem) mem = csctp_mem_default();
  size_t plen = strlen(path) + 1;
  csctp_capture *c = capture_alloc(mem, plen);
  if (!c) return CSCTP_ERR_NOMEM;
  memcpy(c->path, path, plen);
  c->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (c->fd < 0) {
    int rv = capture_errno(errno);
    mem->free(c, mem->user_data);
    return rv;
  }
  return capture_start(pc, c);
}

int csctp_capture_open_prefix(csctp_capture **pc, const char *prefix, const csctp_mem *mem) {
  if (!pc || !prefix || !*prefix) return CSCTP_ERR_INVALID_ARGUMENT;
  if (!mem) mem = csctp_mem_default();
  size_t cap = strlen(prefix) + 48; /* "-<pid>-<n>.pcapng" */
  csctp_capture *c = capture_alloc(mem, cap);
  if (!c) return CSCTP_ERR_NOMEM;
  int rv = CSCTP_ERR_INVALID_ARGUMENT;
  /* O_EXCL: the first free number, also against other processes and layers on this prefix. */
  for (unsigned n = 1; n <= CAPTURE_PREFIX_TRIES; n++) {
    snprintf(c->path, cap, "%s-%ld-%u.pcapng", prefix, (long)getpid(), n);
    c->fd = open(c->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (c->fd >= 0) return capture_start(pc, c);
    if (errno != EEXIST) {
      rv = capture_errno(errno);
      break;
    }
  }
  mem->free(c, mem->user_data);
  return rv;
}

void csctp_capture_close(csctp_capture *c) {
  if (!c) return;
  close(c->fd);
  c->mem->free(c, c->mem->user_data);
}

void csctp_capture_set_max_bytes(csctp_capture *c, uint64_t max_bytes) {
  if (c) c->max_bytes = max_bytes;
}

void csctp_capture_set_clock_offset(csctp_capture *c, int64_t offset) {
  if (c) c->clock_offset = offset;
}

int csctp_capture_packet(csctp_capture *c, int inbound, const uint8_t *pkt, size_t len,
                         csctp_tstamp now) {
  if (!c || (!pkt && len)) return CSCTP_ERR_INVALID_ARGUMENT;
  if (c->broken || c->full) {
    c->dropped++;
    return 0;
  }
  size_t stored;
  uint8_t head[CSCTP_PCAPNG_EPB_HEAD], tail[CSCTP_PCAPNG_EPB_TAIL_MAX];
  csctp_pcapng_epb_head(head, inbound, len, now + (uint64_t)c->clock_offset, &stored);
  size_t tail_len = csctp_pcapng_epb_tail(tail, stored);
  size_t total = sizeof head + stored + tail_len;
  if (c->max_bytes && c->bytes + total > c->max_bytes) {
    c->full = 1;
    c->dropped++;
    return 1;
  }
  struct iovec iov[3] = {{head, sizeof head}, {(void *)pkt, stored}, {tail, tail_len}};
  uint64_t before = c->bytes;
  capture_writev(c, iov, 3, total);
  if (c->bytes != before) c->packets++;
  return 0;
}

const char *csctp_capture_path(const csctp_capture *c) { return c ? c->path : NULL; }

void csctp_capture_counters(const csctp_capture *c, csctp_capture_counts *out) {
  if (!c || !out) return;
  out->packets = c->packets;
  out->bytes = c->bytes;
  out->dropped = c->dropped;
  out->write_errors = c->write_errors;
  out->full = c->full;
}
