/* SPDX-License-Identifier: MIT */
/*
 * A datagram BIO over memory. OpenSSL writes one DTLS record per BIO_write;
 * we keep record boundaries so that write_datagram can pack several whole
 * records into one datagram up to the MTU (RFC 6347 §4.1.1 allows it), and
 * reads hand OpenSSL exactly one datagram.
 */
#include "bio.h"

#include <openssl/opensslv.h>
#include <string.h>
#include <sys/time.h>

#define BIO_OUT_LIMIT (4u << 20) /* runaway guard; send() pushes back far earlier */

uint8_t *csctp_dtls_bio_reserve(csctp_dtls_bio *b, size_t len) {
  if (len == 0 || len > 0xffff) return NULL;
  size_t need = b->out_len + 2 + len;
  if (need > b->out_cap && b->out_head > 0) {
    memmove(b->out, b->out + b->out_head, b->out_len - b->out_head);
    b->out_len -= b->out_head;
    b->out_head = 0;
    need = b->out_len + 2 + len;
  }
  if (need > BIO_OUT_LIMIT) return NULL;
  if (need > b->out_cap) {
    size_t cap = b->out_cap ? b->out_cap : 4096;
    while (cap < need) cap *= 2;
    uint8_t *p = b->mem->realloc(b->out, cap, b->mem->user_data);
    if (!p) {
      b->nomem = 1;
      return NULL;
    }
    b->out = p;
    b->out_cap = cap;
  }
  return b->out + b->out_len + 2;
}

void csctp_dtls_bio_commit(csctp_dtls_bio *b, size_t len) {
  uint8_t *rec = b->out + b->out_len + 2;
  b->out[b->out_len] = (uint8_t)(len >> 8);
  b->out[b->out_len + 1] = (uint8_t)len;
  b->out_len += 2 + len;
  /* Our own records (OpenSSL may write several in one go): epoch u16 and sequence number
   * u48 at offset 3, length u16 at 11. */
  for (size_t off = 0; len - off >= 13;) {
    const uint8_t *h = rec + off;
    uint16_t epoch = (uint16_t)(h[3] << 8 | h[4]);
    uint64_t seq = 0;
    for (int i = 5; i < 11; i++) seq = seq << 8 | h[i];
    if (epoch > b->wr_epoch) {
      b->wr_epoch = epoch;
      b->wr_next = seq + 1;
    } else if (epoch == b->wr_epoch && seq + 1 > b->wr_next) {
      b->wr_next = seq + 1;
    }
    off += 13 + (size_t)(h[11] << 8 | h[12]);
    if (off > len) break;
  }
}

static int bio_write(BIO *bio, const char *data, int len) {
  csctp_dtls_bio *b = BIO_get_data(bio);
  BIO_clear_retry_flags(bio);
  if (len <= 0) return 0;
  uint8_t *p = csctp_dtls_bio_reserve(b, (size_t)len);
  if (!p) return -1;
  memcpy(p, data, (size_t)len);
  csctp_dtls_bio_commit(b, (size_t)len);
  return len;
}

static int bio_read(BIO *bio, char *buf, int cap) {
  csctp_dtls_bio *b = BIO_get_data(bio);
  BIO_clear_retry_flags(bio);
  if (!b->in_len) {
    BIO_set_retry_read(bio);
    return -1;
  }
  /* Datagram semantics: what does not fit is lost (OpenSSL's buffer always fits). */
  size_t n = b->in_len < (size_t)cap ? b->in_len : (size_t)cap;
  memcpy(buf, b->in, n);
  b->in = NULL;
  b->in_len = 0;
  return (int)n;
}

static long bio_ctrl(BIO *bio, int cmd, long num, void *ptr) {
  csctp_dtls_bio *b = BIO_get_data(bio);
  (void)num;
  switch (cmd) {
  case BIO_CTRL_FLUSH: return 1;
  case BIO_CTRL_PENDING: return (long)b->in_len;
  case BIO_CTRL_WPENDING: return (long)csctp_dtls_bio_pending(b);
  case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT: {
    /* OpenSSL starts or stops its timer: a zero time means stopped. */
    const struct timeval *tv = ptr;
    int armed = tv && (tv->tv_sec != 0 || tv->tv_usec != 0);
    b->next_timeout = ptr;
    if (b->on_timer) b->on_timer(b->ctx, armed);
    return 1;
  }
  default: return 0; /* no MTU query, no peer address, no overhead: we are the datagram layer */
  }
}

static int bio_create(BIO *bio) {
  BIO_set_init(bio, 1);
  return 1;
}

static int bio_destroy(BIO *bio) {
  BIO_set_data(bio, NULL);
  return 1;
}

int csctp_dtls_bio_init(csctp_dtls_bio *b, const csctp_mem *mem) {
  memset(b, 0, sizeof *b);
  b->mem = mem;
  b->method = BIO_meth_new(BIO_TYPE_SOURCE_SINK, "csctp datagram");
  if (!b->method || !BIO_meth_set_write(b->method, bio_write) ||
      !BIO_meth_set_read(b->method, bio_read) || !BIO_meth_set_ctrl(b->method, bio_ctrl) ||
      !BIO_meth_set_create(b->method, bio_create) || !BIO_meth_set_destroy(b->method, bio_destroy))
    return CSCTP_ERR_NOMEM;
  b->bio = BIO_new(b->method);
  if (!b->bio) return CSCTP_ERR_NOMEM;
  BIO_set_data(b->bio, b);
  return 0;
}

void csctp_dtls_bio_free(csctp_dtls_bio *b) {
  if (b->out) b->mem->free(b->out, b->mem->user_data);
  b->out = NULL;
  BIO_meth_free(b->method);
  b->method = NULL;
}

size_t csctp_dtls_bio_pending(const csctp_dtls_bio *b) { return b->out_len - b->out_head; }

size_t csctp_dtls_bio_pull(csctp_dtls_bio *b, uint8_t *buf, size_t mtu, size_t join,
                           uint64_t *oversize) {
  size_t n = 0;
  while (b->out_head < b->out_len) {
    size_t rlen = (size_t)b->out[b->out_head] << 8 | b->out[b->out_head + 1];
    if (rlen > mtu) { /* never expected: OpenSSL sizes records to the link MTU */
      (*oversize)++;
      b->out_head += 2 + rlen;
      continue;
    }
    if (n && n + rlen > join) break;
    memcpy(buf + n, b->out + b->out_head + 2, rlen);
    n += rlen;
    b->out_head += 2 + rlen;
  }
  if (b->out_head == b->out_len) b->out_head = b->out_len = 0;
  return n;
}

int csctp_dtls_bio_expire_timer(csctp_dtls_bio *b) {
#if OPENSSL_VERSION_NUMBER < 0x30200000L
  /*
   * OpenSSL 3.0/3.1 decide expiry by comparing this deadline, which it hands
   * to the BIO by address, with gettimeofday(). DTLS_set_timer_cb only
   * chooses durations, so to run the timer on the caller's clock we move the
   * running deadline into the past (1970-01-01T00:00:01, never "stopped")
   * when our own deadline passes.
   */
  struct timeval *tv = b->next_timeout;
  if (!tv || (tv->tv_sec == 0 && tv->tv_usec == 0)) return 0;
  tv->tv_sec = 1;
  tv->tv_usec = 0;
  return 1;
#else
  (void)b;
  return 0; /* 3.2+: OpenSSL passes a copy; its own clock decides (see csctp_dtls_handle_expiry) */
#endif
}
