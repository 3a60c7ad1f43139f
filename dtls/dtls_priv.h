/* SPDX-License-Identifier: MIT */
/* The endpoint's state, shared by dtls.c (set-up, OpenSSL callbacks) and dtls_io.c (I/O, events).
 */
#ifndef CSCTP_DTLS_PRIV_H
#define CSCTP_DTLS_PRIV_H

#include <csctp/dtls.h>
#include <openssl/ssl.h>

#include "bio.h"
#include "record.h"

#define DTLS_COOKIE_SECRET_LEN 32
#define DTLS_COOKIE_LEN 16
/* Outbound bytes not yet pulled above which send() pushes back. */
#define DTLS_SEND_LIMIT (256u << 10)

struct csctp_dtls {
  const csctp_mem *mem;
  csctp_dtls_config cfg; /* copy; cert, fingerprint and cipher pointers cleared */
  csctp_dtls_fingerprint *fps;
  size_t nfps;
  SSL_CTX *ctx;
  SSL *ssl;
  csctp_dtls_bio bio;
  csctp_dtls_state state;
  csctp_tstamp now;      /* time of the current call, for OpenSSL's callbacks */
  csctp_tstamp deadline; /* retransmission deadline on the caller's clock */
  uint32_t timer_us;     /* current retransmission timeout */
  int fp_checked, fp_failed;
  int alert_sent, alert_recv; /* last fatal alert descriptions, -1 if none */
  int close_by_peer;
  const char *cipher;
  uint16_t suite; /* the cipher suite's IANA number, once connected */
  csctp_srtp_profile srtp;
  uint8_t cookie_secret[DTLS_COOKIE_SECRET_LEN];
  /* Event queue: dtls_evhdr entries, DATA followed by its bytes (see dtls_io.c). */
  uint8_t *evq;
  size_t evq_head, evq_len, evq_cap;
  int nomem;
  csctp_dtls_stats stats;
  /* Largest datagram of several records, and OpenSSL's link MTU for the handshake:
   * cfg.mtu unless csctp_dtls_set_handshake_mtu() lowered it. */
  size_t join_mtu;
  /* Handover (dtls_handover.c). Under OpenSSL: what the export needs to know of the
   * records read (our own written ones are tracked by the BIO). */
  int rd_hdr_valid; /* the last record header OpenSSL read, for the record it returns */
  uint8_t rd_hdr[13];
  dtls_window rd_win; /* sequence numbers of application records OpenSSL authenticated */
  int handed_over;    /* exported: inert */
  dtls_rec *rec;      /* imported: our record layer instead of OpenSSL's (ssl is NULL) */
  uint8_t *secrets;   /* imported: master secret, client random, server random (112 bytes) */
};

/* dtls_io.c: queue an event without data; the endpoint moves to FAILED on error events. */
void csctp_dtls_push_event(csctp_dtls *d, csctp_dtls_event_type type, int a, int b, int c);
/* dtls.c: log one line in the DTLS category. */
void csctp_dtls_log(const csctp_dtls *d, csctp_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* dtls.c: the handshake finished: check the fingerprint, read the parameters, emit CONNECTED. */
void csctp_dtls_on_handshake_done(csctp_dtls *d);
/* dtls.c: OpenSSL failed: classify (fingerprint, peer alert, handshake) and emit ERROR. */
void csctp_dtls_fail(csctp_dtls *d);
/* The caller's csctp_dtls_config of layout `config_version` as a complete current one
 * (itself, or `buf` completed with defaults); NULL for NULL or an unknown version. */
const csctp_dtls_config *csctp_dtls_config_in(int config_version, const csctp_dtls_config *cfg,
                                              csctp_dtls_config *buf);

/* dtls_io.c: room for one DATA event of up to `cap` bytes: where its bytes go, or NULL
 * (no memory; nomem set). Commit with csctp_dtls_data_commit(). */
uint8_t *csctp_dtls_data_slot(csctp_dtls *d, size_t cap);
void csctp_dtls_data_commit(csctp_dtls *d, size_t len);
/* dtls_handover.c: the imported endpoint's input, send and close (rec set). */
void csctp_dtls_rec_read(csctp_dtls *d, const uint8_t *data, size_t len);
int csctp_dtls_rec_send(csctp_dtls *d, uint8_t type, const uint8_t *data, size_t len);
/* dtls_handover.c: OpenSSL's message callback, which sees each record header read. */
void csctp_dtls_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                       SSL *ssl, void *arg);
/* dtls_handover.c: OpenSSL returned the plaintext of one application record. */
void csctp_dtls_note_app_record(csctp_dtls *d, size_t len);

#endif
