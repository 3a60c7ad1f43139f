/* SPDX-License-Identifier: MIT */
/*
 * custom_dtls: csctp's SCTP engine under somebody else's DTLS (issue 17).
 *
 * A gateway such as Janus or GStreamer already runs its own DTLS; it wants
 * csctp's SCTP engine alone, packet in / packet out. This program plays both
 * sides of such a gateway. The "custom DTLS stack" is plain OpenSSL (DTLS 1.2
 * on two memory BIOs, no socket inside OpenSSL); csctp/dtls.h is not used.
 *
 *   UDP datagram -> BIO_write(rbio) -> SSL_read -> csctp_assoc_read_packet
 *   csctp_assoc_write_packet -> SSL_write -> BIO_read(wbio) -> UDP datagram
 *
 * Per RFC 8261 every SCTP packet is the payload of one DTLS record (DTLS
 * application data), SCTP ports are 5000 on both sides, and since DTLS already
 * protects each packet both sides announce RFC 9653 zero checksum.
 *
 * Two processes: the parent is the DTLS and SCTP client, a forked child the
 * server; they talk over real UDP sockets on 127.0.0.1. Each side generates
 * its self-signed certificate before the fork, so each knows the other's
 * SHA-256 fingerprint, as two WebRTC peers learn it from SDP. The client sends
 * "hello" and 100 KiB, the server echoes both, the client checks them and
 * shuts the association down; each side prints its statistics.
 */
#include <csctp/sctp.h> /* the engine only: no csctp/dtls.h */

#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SCTP_MTU 1200                  /* largest SCTP packet (csctp_config.mtu) */
#define DTLS_MTU 1280                  /* largest datagram OpenSSL may write */
#define BIG_LEN (100 * 1024)           /* the large message */
#define RUN_LIMIT (10 * CSCTP_SECONDS) /* give up after this: never hang */

typedef struct cert {
  X509 *x509;
  EVP_PKEY *pkey;
  unsigned char fp[32]; /* SHA-256 fingerprint, what SDP's a=fingerprint carries */
} cert;

typedef struct side {
  const char *name;
  int is_client, fd;
  SSL *ssl;
  BIO *rbio, *wbio; /* datagrams in, datagrams out */
  csctp_assoc *a;
  const unsigned char *peer_fp;
  int handshake_done, closed, echoes;
  csctp_tstamp limit;
} side;

static uint8_t big[BIG_LEN];
static const uint8_t hello[] = "hello";

/* Says what went wrong (ctest looks for "FAIL") and returns -1. */
__attribute__((format(printf, 2, 3))) static int fail(const side *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("[%s] FAIL: ", s->name);
  vprintf(fmt, ap);
  unsigned long e = ERR_get_error(); /* OpenSSL's reason, if it has one */
  printf("%s%s\n", e ? ": " : "", e ? ERR_error_string(e, NULL) : "");
  va_end(ap);
  return -1;
}

/* csctp never reads a clock: we pass it microseconds of a monotonic clock. */
static csctp_tstamp now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (csctp_tstamp)ts.tv_sec * CSCTP_SECONDS + (csctp_tstamp)ts.tv_nsec / 1000;
}

/* Verification tags, initial TSNs and the cookie secret come from here. */
static int rand_cb(uint8_t *buf, size_t len, void *user_data) {
  (void)user_data;
  return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

/* A self-signed ECDSA P-256 certificate made in memory, as WebRTC peers do. */
static int make_cert(cert *c) {
  unsigned int n = 0;
  c->pkey = EVP_EC_gen("P-256");
  c->x509 = X509_new();
  if (!c->pkey || !c->x509) return -1;
  X509_NAME *name = X509_get_subject_name(c->x509);
  X509_set_version(c->x509, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c->x509), 1);
  X509_gmtime_adj(X509_getm_notBefore(c->x509), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c->x509), 30L * 24 * 3600);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"csctp", -1, -1, 0);
  X509_set_issuer_name(c->x509, name);
  X509_set_pubkey(c->x509, c->pkey);
  if (!X509_sign(c->x509, c->pkey, EVP_sha256())) return -1;
  return X509_digest(c->x509, EVP_sha256(), c->fp, &n) && n == 32 ? 0 : -1;
}

/* No CA vouches for a self-signed certificate: the fingerprint check after the
 * handshake is what authenticates the peer (RFC 8827 §6.5). */
static int accept_any(int ok, X509_STORE_CTX *store) {
  (void)ok, (void)store;
  return 1;
}

/* A memory BIO is a byte stream: the datagram boundaries OpenSSL meant are lost.
 * DTLS records delimit themselves (13-byte header, length in its last two bytes),
 * so take them out one by one and send each as one UDP datagram. (Several records
 * may share a datagram up to the MTU, RFC 6347 §4.1.1; OpenSSL 3.2+ also has
 * BIO_s_dgram_mem, which keeps the boundaries.) A failed send is a lost datagram,
 * as with any UDP: DTLS and SCTP retransmit. */
static int flush_dtls(side *s) {
  uint8_t rec[DTLS_MTU];
  while (BIO_ctrl_pending(s->wbio) >= 13) {
    BIO_read(s->wbio, rec, 13);
    int len = rec[11] << 8 | rec[12];
    if (len > (int)sizeof rec - 13 || BIO_read(s->wbio, rec + 13, len) != len)
      return fail(s, "DTLS record of %d bytes", len);
    (void)send(s->fd, rec, 13 + (size_t)len, MSG_DONTWAIT);
  }
  return 0;
}

/* Everything that arrived in the read BIO: first the handshake, then records of
 * application data, each one whole SCTP packet for the engine. */
static int dtls_input(side *s, csctp_tstamp now) {
  if (!s->handshake_done) {
    int r = SSL_do_handshake(s->ssl);
    if (r != 1)
      return SSL_get_error(s->ssl, r) == SSL_ERROR_WANT_READ ? 0 : fail(s, "DTLS handshake");
    unsigned char fp[32];
    unsigned int n = 0;
    X509 *peer = SSL_get0_peer_certificate(s->ssl);
    if (!peer || !X509_digest(peer, EVP_sha256(), fp, &n) || memcmp(fp, s->peer_fp, 32) != 0)
      return fail(s, "peer certificate does not match its fingerprint");
    /* RFC 8261 §5: an SCTP packet must fit in one record of one datagram. */
    if (DTLS_get_data_mtu(s->ssl) < SCTP_MTU)
      return fail(s, "DTLS leaves %zu bytes per record", DTLS_get_data_mtu(s->ssl));
    s->handshake_done = 1;
    printf("[%s] DTLS handshake done: %s %s, peer fingerprint ok, room for %zu-byte packets\n",
           s->name, SSL_get_version(s->ssl), SSL_get_cipher_name(s->ssl),
           DTLS_get_data_mtu(s->ssl));
    /* SCTP starts only over an established DTLS connection; the client sends INIT. */
    if (s->is_client && csctp_assoc_connect(s->a, now) != 0) return fail(s, "connect");
  }
  uint8_t pkt[16384];
  for (;;) {
    int n = SSL_read(s->ssl, pkt, sizeof pkt);
    if (n > 0) {
      if (csctp_assoc_read_packet(s->a, pkt, (size_t)n, now) < 0) return fail(s, "read_packet");
      continue;
    }
    int err = SSL_get_error(s->ssl, n);
    if (err == SSL_ERROR_WANT_READ) return 0;
    if (err != SSL_ERROR_ZERO_RETURN) return fail(s, "SSL_read");
    /* close_notify: the peer's DTLS is gone. Fine once SCTP is closed, or when only
     * the SHUTDOWN COMPLETE for our SHUTDOWN ACK is missing (lost on the way): no
     * one is left to answer a retransmission, so the association is over. */
    csctp_assoc_state st = csctp_assoc_get_state(s->a);
    if (st == CSCTP_STATE_SHUTDOWN_ACK_SENT && !s->closed) {
      printf("[%s] DTLS close_notify before SHUTDOWN COMPLETE: association over\n", s->name);
      s->closed = 1;
    } else if (st != CSCTP_STATE_CLOSED && st != CSCTP_STATE_SHUTDOWN_ACK_SENT) {
      return fail(s, "DTLS closed under a live association");
    }
    return 0;
  }
}

static int on_event(side *s, const csctp_event *ev, csctp_tstamp now) {
  csctp_send_opts opts = {.stream = 0};
  switch (ev->type) {
  case CSCTP_EVENT_CONNECTED:
    printf("[%s] SCTP association up, port 5000 <-> 5000, %u/%u streams\n", s->name,
           ev->u.connected.outbound_streams, ev->u.connected.inbound_streams);
    if (s->is_client) {
      opts.ppid = CSCTP_PPID_WEBRTC_STRING;
      if (csctp_assoc_send(s->a, &opts, hello, sizeof hello - 1, now) != 0) return fail(s, "send");
      opts.ppid = CSCTP_PPID_WEBRTC_BINARY;
      if (csctp_assoc_send(s->a, &opts, big, sizeof big, now) != 0) return fail(s, "send");
      printf("[%s] sent %zu + %zu bytes\n", s->name, sizeof hello - 1, sizeof big);
    }
    return 0;
  case CSCTP_EVENT_MESSAGE: { /* data is valid until the next call on s->a */
    const uint8_t *d = ev->u.message.data;
    size_t len = ev->u.message.len;
    printf("[%s] message: stream %u, PPID %u, %zu bytes\n", s->name, ev->u.message.stream,
           ev->u.message.ppid, len);
    if (!s->is_client) { /* the echo server: send it straight back (send copies it) */
      opts = (csctp_send_opts){.stream = ev->u.message.stream, .ppid = ev->u.message.ppid};
      return csctp_assoc_send(s->a, &opts, d, len, now) == 0 ? 0 : fail(s, "echo");
    }
    const uint8_t *want = s->echoes == 0 ? hello : big;
    size_t want_len = s->echoes == 0 ? sizeof hello - 1 : sizeof big;
    if (len != want_len || memcmp(d, want, len) != 0)
      return fail(s, "echo %d differs from what was sent", s->echoes);
    if (++s->echoes == 2) {
      printf("[%s] both echoes match; shutting down\n", s->name);
      return csctp_assoc_shutdown(s->a, now) == 0 ? 0 : fail(s, "shutdown");
    }
    return 0;
  }
  case CSCTP_EVENT_SHUTDOWN: printf("[%s] peer is shutting down\n", s->name); return 0;
  case CSCTP_EVENT_CLOSED:
    s->closed = 1;
    printf("[%s] SCTP association closed (%s)\n", s->name,
           ev->u.closed.reason == CSCTP_CLOSE_SHUTDOWN ? "graceful shutdown" : "abnormally");
    return ev->u.closed.reason == CSCTP_CLOSE_SHUTDOWN ? 0 : fail(s, "association failed");
  default: return 0;
  }
}

/* One side's whole life: DTLS handshake, SCTP association, messages, shutdown. */
static int run_side(side *s, const cert *mine) {
  int rv = -1;
  SSL_CTX *ctx = SSL_CTX_new(DTLS_method());
  if (!ctx || !SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
      SSL_CTX_use_certificate(ctx, mine->x509) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, mine->pkey) != 1) {
    fail(s, "SSL_CTX");
    goto out;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
  SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU); /* no socket to ask: we set the MTU */
  s->ssl = SSL_new(ctx);
  s->rbio = BIO_new(BIO_s_mem());
  s->wbio = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(s->rbio, -1); /* empty means "retry later", not end of file */
  SSL_set_bio(s->ssl, s->rbio, s->wbio);
  DTLS_set_link_mtu(s->ssl, DTLS_MTU);
  if (s->is_client)
    SSL_set_connect_state(s->ssl);
  else
    SSL_set_accept_state(s->ssl);

  csctp_config cfg;
  csctp_config_default(&cfg);
  cfg.rand = rand_cb;
  cfg.local_port = cfg.remote_port = 5000; /* as WebRTC's a=sctp-port (RFC 8841) */
  cfg.mtu = SCTP_MTU;
  cfg.zero_checksum_edmid = CSCTP_EDMID_DTLS; /* DTLS protects every packet: RFC 9653 */
  if (csctp_assoc_new(&s->a, &cfg) != 0) {
    fail(s, "csctp_assoc_new");
    goto out;
  }

  s->limit = now_us() + RUN_LIMIT;
  if (dtls_input(s, now_us()) < 0) goto out; /* the client's ClientHello */
  for (;;) {
    csctp_tstamp now = now_us();
    if (now >= s->limit) {
      fail(s, "not done after %llu s", (unsigned long long)(RUN_LIMIT / CSCTP_SECONDS));
      goto out;
    }
    /* 1. Timers: DTLS retransmits its flights, SCTP its packets, SACKs, ... */
    struct timeval tv;
    if (DTLSv1_get_timeout(s->ssl, &tv) && tv.tv_sec == 0 && tv.tv_usec == 0)
      DTLSv1_handle_timeout(s->ssl);
    if (s->handshake_done && now >= csctp_assoc_expiry(s->a)) csctp_assoc_handle_expiry(s->a, now);
    /* 2. Events; any engine call is allowed while handling them. */
    csctp_event ev;
    while (csctp_assoc_poll_event(s->a, &ev))
      if (on_event(s, &ev, now) < 0) goto out;
    /* 3. Output: every SCTP packet becomes one DTLS record (RFC 8261), then datagrams.
     *    Nothing before the handshake: an SCTP packet is DTLS application data. */
    uint8_t pkt[SCTP_MTU];
    csctp_ssize n;
    while (s->handshake_done && (n = csctp_assoc_write_packet(s->a, pkt, sizeof pkt, now)) > 0)
      if (SSL_write(s->ssl, pkt, (int)n) != (int)n) {
        fail(s, "SSL_write");
        goto out;
      }
    if (flush_dtls(s) < 0) goto out;
    if (s->closed) break;
    /* 4. Wait for a datagram or the next deadline: SCTP's (which is "now" while
     *    output is pending), DTLS's, or our own limit. */
    csctp_tstamp deadline = s->limit;
    if (s->handshake_done && csctp_assoc_expiry(s->a) < deadline)
      deadline = csctp_assoc_expiry(s->a);
    if (DTLSv1_get_timeout(s->ssl, &tv)) {
      csctp_tstamp t = now + (csctp_tstamp)tv.tv_sec * CSCTP_SECONDS + (csctp_tstamp)tv.tv_usec;
      if (t < deadline) deadline = t;
    }
    struct pollfd p = {.fd = s->fd, .events = POLLIN};
    (void)poll(&p, 1, deadline > now ? (int)((deadline - now + 999) / 1000) : 0);
    /* 5. Every datagram waiting, one at a time: one datagram into the BIO, read it
     *    all out, so OpenSSL never sees a record cut at a buffer's end. */
    uint8_t dgram[2048];
    ssize_t got;
    while ((got = recv(s->fd, dgram, sizeof dgram, MSG_DONTWAIT)) > 0) {
      BIO_write(s->rbio, dgram, (int)got);
      if (dtls_input(s, now_us()) < 0) goto out;
    }
    if (s->handshake_done) csctp_assoc_input_drained(s->a); /* a SACK may go out now */
  }

  /* Closed: say goodbye to DTLS too (close_notify), then show the counters. */
  SSL_shutdown(s->ssl);
  (void)flush_dtls(s);
  csctp_stats st;
  csctp_assoc_get_stats(s->a, &st);
  printf(
      "[%s] stats: packets in/out %llu/%llu, messages in/out %llu/%llu, bytes in/out "
      "%llu/%llu, retransmissions %llu, zero_checksum %u (in %llu, out %llu)\n",
      s->name, (unsigned long long)st.packets_in, (unsigned long long)st.packets_out,
      (unsigned long long)st.messages_in, (unsigned long long)st.messages_out,
      (unsigned long long)st.bytes_in, (unsigned long long)st.bytes_out,
      (unsigned long long)st.retransmissions, st.zero_checksum,
      (unsigned long long)st.zero_checksum_in, (unsigned long long)st.zero_checksum_out);
  if (!st.zero_checksum || !st.zero_checksum_in || !st.zero_checksum_out)
    fail(s, "zero checksum was not used");
  else if (st.messages_in != 2 || st.messages_out != 2)
    fail(s, "2 messages each way expected");
  else
    rv = 0;
out:
  csctp_assoc_del(s->a);
  SSL_free(s->ssl); /* frees both BIOs */
  SSL_CTX_free(ctx);
  return rv;
}

/* Two UDP sockets on 127.0.0.1, each connected to the other. */
static int udp_pair(int fd[2]) {
  struct sockaddr_in addr[2];
  socklen_t len = sizeof addr[0];
  for (int i = 0; i < 2; i++) {
    addr[i] = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
    fd[i] = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd[i] < 0 || bind(fd[i], (struct sockaddr *)&addr[i], len) != 0 ||
        getsockname(fd[i], (struct sockaddr *)&addr[i], &len) != 0)
      return -1;
  }
  if (connect(fd[0], (struct sockaddr *)&addr[1], len) != 0 ||
      connect(fd[1], (struct sockaddr *)&addr[0], len) != 0)
    return -1;
  printf("UDP 127.0.0.1:%u (client) <-> 127.0.0.1:%u (server)\n", ntohs(addr[0].sin_port),
         ntohs(addr[1].sin_port));
  return 0;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* two processes share stdout: whole lines */
  for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i * 131 + (i >> 13));
  cert cc = {0}, sc = {0};
  int fd[2];
  if (make_cert(&cc) != 0 || make_cert(&sc) != 0 || udp_pair(fd) != 0) {
    printf("FAIL: setup\n");
    return 1;
  }
  printf("client fingerprint sha-256 %02X:%02X:%02X:...; server sha-256 %02X:%02X:%02X:...\n",
         cc.fp[0], cc.fp[1], cc.fp[2], sc.fp[0], sc.fp[1], sc.fp[2]);
  side client = {.name = "client", .is_client = 1, .fd = fd[0], .peer_fp = sc.fp};
  side server = {.name = "server", .is_client = 0, .fd = fd[1], .peer_fp = cc.fp};

  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) { /* the child is the server */
    close(fd[0]);
    _exit(run_side(&server, &sc) == 0 ? 0 : 1);
  }
  close(fd[1]);
  int rv = run_side(&client, &cc);
  if (rv != 0) kill(pid, SIGTERM); /* our own child, by its id */
  int status = 0;
  waitpid(pid, &status, 0);
  int ok = rv == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  printf(ok ? "custom_dtls: OK\n" : "custom_dtls: FAIL\n");
  close(fd[0]);
  X509_free(cc.x509), X509_free(sc.x509);
  EVP_PKEY_free(cc.pkey), EVP_PKEY_free(sc.pkey);
  return ok ? 0 : 1;
}
