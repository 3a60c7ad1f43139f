/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target of the DTLS handover: csctp_dtls_handover_import() on arbitrary
 * blobs, and the imported endpoint's record reader (dtls/dtls_handover.c,
 * dtls/record.c) on arbitrary, replayed and altered records.
 *
 * The target seals two blobs of one session itself (the documented format:
 * AES-256-GCM under HMAC-SHA-256(key, "csctp dtls handover")), one per role,
 * and imports them as A (client) and B (server). Input: byte 0 selects the
 * suite (bits 0-1) or, with bit 7, feeds the rest to import as a blob. Then
 * operations, each op u8, length u16 and bytes: op 0, the bytes as a datagram
 * to A; op 1, B sends them and A reads the datagram; op 2, as 1 with the byte
 * at (first byte) flipped; op 3, the last datagram to A again; op 4, A sends
 * them to B; op 5, B closes.
 */
#include <csctp/dtls.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t key[32] = "fuzz-key-fuzz-key-fuzz-key-fuzz";
static const uint16_t suites[4] = {0xc02b, 0xc02c, 0xcca9, 0xc030};

static void seal(uint8_t blob[CSCTP_DTLS_HANDOVER_SIZE], int role, uint16_t suite) {
  uint8_t k[32];
  unsigned int kl = 0;
  static const char label[] = "csctp dtls handover";
  if (!HMAC(EVP_sha256(), key, sizeof key, (const uint8_t *)label, sizeof label - 1, k, &kl))
    abort();
  memset(blob, 0, CSCTP_DTLS_HANDOVER_SIZE);
  memcpy(blob, "CSDT\0\1\0\0", 8);
  blob[15] = 1;             /* created: 1 µs */
  memset(blob + 16, 7, 12); /* nonce */
  uint8_t *b = blob + 28;
  b[0] = (uint8_t)role;
  b[2] = (uint8_t)(suite >> 8);
  b[3] = (uint8_t)suite;
  b[7] = 1;                                                /* epoch 1 */
  b[15] = 5;                                               /* next write sequence 5 */
  for (int i = 34; i < 146; i++) b[i] = (uint8_t)(i * 13); /* master secret, randoms */
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  int l = 0;
  if (!c || EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, k, blob + 16) != 1 ||
      EVP_EncryptUpdate(c, NULL, &l, blob, 28) != 1 || EVP_EncryptUpdate(c, b, &l, b, 146) != 1 ||
      EVP_EncryptFinal_ex(c, b + 146, &l) != 1 ||
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, b + 146) != 1)
    abort();
  EVP_CIPHER_CTX_free(c);
}

static csctp_dtls *import(const uint8_t *blob, size_t len) {
  csctp_dtls *d = NULL;
  int rv = csctp_dtls_handover_import(&d, NULL, key, sizeof key, blob, len, 2, CSCTP_SECONDS);
  return rv == 0 ? d : NULL;
}

static void drain(csctp_dtls *d) {
  csctp_dtls_event ev;
  while (csctp_dtls_poll_event(d, &ev))
    if (ev.type == CSCTP_DTLS_EVENT_DATA && ev.u.data.len > 16384) abort();
}

/* B's next datagram into `dg`; its length, 0 for none. */
static size_t take(csctp_dtls *b, uint8_t *dg) {
  csctp_ssize n = csctp_dtls_write_datagram(b, dg, 1500, 3);
  if (n < 0 || n > 1200) abort();
  return (size_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  if (data[0] & 0x80) {
    csctp_dtls *d = import(data + 1, size - 1);
    csctp_dtls_del(d);
    return 0;
  }
  uint8_t blob[CSCTP_DTLS_HANDOVER_SIZE];
  uint16_t suite = suites[data[0] & 3];
  seal(blob, CSCTP_DTLS_CLIENT, suite);
  csctp_dtls *a = import(blob, sizeof blob);
  seal(blob, CSCTP_DTLS_SERVER, suite);
  csctp_dtls *b = import(blob, sizeof blob);
  if (!a || !b) abort();
  uint8_t dg[1500], last[1500];
  size_t last_len = 0;
  size_t off = 1;
  while (size - off >= 3) {
    int op = data[off] % 6;
    size_t len = (size_t)(data[off + 1] << 8 | data[off + 2]);
    off += 3;
    if (len > size - off) len = size - off;
    const uint8_t *p = data + off;
    off += len;
    size_t n = 0;
    switch (op) {
    case 0: csctp_dtls_read_datagram(a, p, len, 3); break;
    case 1:
    case 2:
      if (len && csctp_dtls_send(b, p, len, 3) == 0 && (n = take(b, dg)) > 0) {
        if (op == 2) dg[p[0] % n] ^= 0x01;
        csctp_dtls_read_datagram(a, dg, n, 3);
        memcpy(last, dg, n);
        last_len = n;
      }
      break;
    case 3:
      if (last_len) csctp_dtls_read_datagram(a, last, last_len, 3);
      break;
    case 4:
      if (len && csctp_dtls_send(a, p, len, 3) == 0) {
        while ((n = take(a, dg)) > 0) csctp_dtls_read_datagram(b, dg, n, 3);
      }
      break;
    case 5:
      if (csctp_dtls_close(b, 3) == 0 && (n = take(b, dg)) > 0)
        csctp_dtls_read_datagram(a, dg, n, 3);
      break;
    }
    drain(a);
    drain(b);
    while (take(a, dg) > 0) {}
  }
  csctp_dtls_del(a);
  csctp_dtls_del(b);
  return 0;
}
