/* SPDX-License-Identifier: MIT */
/*
 * The datagram BIO under an endpoint's SSL object: one borrowed inbound
 * datagram, a queue of outbound records packed into datagrams on demand, and
 * the retransmission timer notifications OpenSSL sends to its read BIO.
 */
#ifndef CSCTP_DTLS_BIO_H
#define CSCTP_DTLS_BIO_H

#include <csctp/common.h>
#include <openssl/bio.h>

typedef struct csctp_dtls_bio {
  const csctp_mem *mem;
  BIO_METHOD *method; /* one per endpoint: no process-wide state of ours */
  BIO *bio;           /* owned by the SSL object once attached */
  const uint8_t *in;  /* the datagram being read, borrowed for one call */
  size_t in_len;
  uint8_t *out; /* records, each a 2-byte length then its bytes */
  size_t out_head, out_len, out_cap;
  int nomem; /* an outbound record was lost for want of memory */
  void *
      next_timeout; /* OpenSSL's timer deadline, as last given to BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT */
  void (*on_timer)(void *ctx, int armed); /* called on every timer start and stop */
  uint16_t wr_epoch;                      /* the highest epoch a record was written in, */
  uint64_t wr_next;                       /* and the sequence number after its last record there */
  void *ctx;
} csctp_dtls_bio;

/* Creates the method and the BIO. Returns 0 or CSCTP_ERR_NOMEM. */
int csctp_dtls_bio_init(csctp_dtls_bio *b, const csctp_mem *mem);
/* Frees the queue and the method (call after the SSL object freed the BIO). */
void csctp_dtls_bio_free(csctp_dtls_bio *b);
/* Room for one outbound record of `len` bytes at the queue's end: where to write it, or
 * NULL (no memory: nomem set; over the runaway limit). */
uint8_t *csctp_dtls_bio_reserve(csctp_dtls_bio *b, size_t len);
/* Queues the record written where csctp_dtls_bio_reserve() said (`len` bytes, at most what
 * was reserved) and tracks its epoch and sequence number. */
void csctp_dtls_bio_commit(csctp_dtls_bio *b, size_t len);
/* Bytes of outbound records waiting. */
size_t csctp_dtls_bio_pending(const csctp_dtls_bio *b);
/*
 * Packs whole waiting records, in order, into one datagram in `buf`: one record of
 * at most `mtu` bytes, or several while together at most `join` bytes (<= `mtu`).
 * Returns its length or 0; records over the MTU are dropped and counted in *oversize.
 */
size_t csctp_dtls_bio_pull(csctp_dtls_bio *b, uint8_t *buf, size_t mtu, size_t join,
                           uint64_t *oversize);
/*
 * Makes OpenSSL's running retransmission timer look expired, so that
 * DTLSv1_handle_timeout acts on our clock's deadline. Returns 1 when done.
 */
int csctp_dtls_bio_expire_timer(csctp_dtls_bio *b);

#endif
