/* SPDX-License-Identifier: MIT */
/* Certificates and fingerprints: generation, PEM round trip, SDP form and its parser. */
#include <criterion/criterion.h>
#include <csctp/dtls.h>
#include <string.h>

Test(cert, generate_fingerprint_roundtrip) {
  csctp_dtls_cert *c = NULL;
  cr_assert_eq(csctp_dtls_cert_generate(&c, "alice", 1700000000, NULL), 0);
  csctp_dtls_fingerprint fp, back;
  cr_assert_eq(csctp_dtls_cert_fingerprint(c, CSCTP_DTLS_HASH_SHA256, &fp), 0);
  cr_assert_eq(fp.len, 32);
  char text[CSCTP_DTLS_FINGERPRINT_TEXT_MAX];
  csctp_ssize n = csctp_dtls_fingerprint_format(&fp, text, sizeof text);
  cr_assert_eq(n, 7 + 1 + 32 * 3 - 1, "%s", text);
  cr_assert_eq(strncmp(text, "sha-256 ", 8), 0);
  cr_assert_eq(csctp_dtls_fingerprint_parse(&back, text), 0);
  cr_assert(csctp_dtls_fingerprint_equal(&fp, &back));
  /* Two certificates differ (random key and serial). */
  csctp_dtls_cert *c2 = NULL;
  cr_assert_eq(csctp_dtls_cert_generate(&c2, NULL, 1700000000, NULL), 0);
  csctp_dtls_fingerprint fp2;
  cr_assert_eq(csctp_dtls_cert_fingerprint(c2, CSCTP_DTLS_HASH_SHA256, &fp2), 0);
  cr_assert_not(csctp_dtls_fingerprint_equal(&fp, &fp2));
  csctp_dtls_cert_del(c);
  csctp_dtls_cert_del(c2);
}

Test(cert, pem_roundtrip_keeps_fingerprint) {
  csctp_dtls_cert *c = NULL, *l = NULL;
  cr_assert_eq(csctp_dtls_cert_generate(&c, "bob", 1700000000, NULL), 0);
  char cert[4096], key[4096];
  csctp_ssize cn = csctp_dtls_cert_to_pem(c, 0, cert, sizeof cert);
  csctp_ssize kn = csctp_dtls_cert_to_pem(c, 1, key, sizeof key);
  cr_assert_gt(cn, 0);
  cr_assert_gt(kn, 0);
  cr_assert(strstr(cert, "BEGIN CERTIFICATE"));
  cr_assert(strstr(key, "BEGIN PRIVATE KEY"));
  cr_assert_eq(csctp_dtls_cert_from_pem(&l, cert, (size_t)cn, key, (size_t)kn, NULL), 0);
  for (int h = CSCTP_DTLS_HASH_SHA1; h <= CSCTP_DTLS_HASH_SHA512; h++) {
    csctp_dtls_fingerprint a, b;
    cr_assert_eq(csctp_dtls_cert_fingerprint(c, (csctp_dtls_hash)h, &a), 0);
    cr_assert_eq(csctp_dtls_cert_fingerprint(l, (csctp_dtls_hash)h, &b), 0);
    cr_assert(csctp_dtls_fingerprint_equal(&a, &b), "hash %d", h);
  }
  csctp_dtls_cert_del(l);
  /* A key that is not the certificate's is refused. */
  csctp_dtls_cert *other = NULL;
  cr_assert_eq(csctp_dtls_cert_generate(&other, NULL, 1700000000, NULL), 0);
  char okey[4096];
  csctp_ssize on = csctp_dtls_cert_to_pem(other, 1, okey, sizeof okey);
  cr_assert_gt(on, 0);
  l = NULL;
  cr_assert_eq(csctp_dtls_cert_from_pem(&l, cert, (size_t)cn, okey, (size_t)on, NULL),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_null(l);
  cr_assert_eq(csctp_dtls_cert_from_pem(&l, "junk", 4, key, (size_t)kn, NULL),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_dtls_cert_to_pem(c, 0, cert, 16), CSCTP_ERR_NOBUF);
  csctp_dtls_cert_del(other);
  csctp_dtls_cert_del(c);
}

Test(cert, fingerprint_parser) {
  csctp_dtls_fingerprint fp;
  const char *ok =
      "sha-256 19:E2:1C:3B:4B:9F:81:E6:B8:5C:F4:A5:A8:D8:73:04:"
      "BB:05:2F:70:9F:04:A9:0E:05:E9:26:33:E8:70:88:A2";
  cr_assert_eq(csctp_dtls_fingerprint_parse(&fp, ok), 0);
  cr_assert_eq(fp.hash, CSCTP_DTLS_HASH_SHA256);
  cr_assert_eq(fp.value[0], 0x19);
  cr_assert_eq(fp.value[31], 0xa2);
  char text[CSCTP_DTLS_FINGERPRINT_TEXT_MAX];
  cr_assert_gt(csctp_dtls_fingerprint_format(&fp, text, sizeof text), 0);
  cr_assert_str_eq(text, ok);
  /* The a= line form, case-insensitive, surrounding space. */
  csctp_dtls_fingerprint fp2;
  cr_assert_eq(csctp_dtls_fingerprint_parse(
                   &fp2,
                   "  a=fingerprint:SHA-256  19:e2:1c:3b:4b:9f:81:e6:b8:5c:f4:a5:a8:d8:73:04:"
                   "bb:05:2f:70:9f:04:a9:0e:05:e9:26:33:e8:70:88:a2 \r\n"),
               0);
  cr_assert(csctp_dtls_fingerprint_equal(&fp, &fp2));
  cr_assert_eq(csctp_dtls_fingerprint_parse(&fp2,
                                            "sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:"
                                            "CC:DD:EE:FF:00:11:22:33"),
               0);
  cr_assert_eq(fp2.hash, CSCTP_DTLS_HASH_SHA1);
  cr_assert_eq(fp2.len, 20);
  /* Refused: unknown hash, wrong length, bad hex, missing separators, junk after. */
  const char *bad[] = {
      "",
      "sha-256",
      "md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
      "sha-256 19:E2",
      "sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44",
      "sha-1 0G:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33",
      "sha-1 0011:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33",
      "sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33 x",
      "sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:",
      "sha-25600:11",
  };
  fp2 = fp;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    cr_assert_eq(csctp_dtls_fingerprint_parse(&fp2, bad[i]), CSCTP_ERR_INVALID_ARGUMENT, "%s",
                 bad[i]);
    cr_assert(csctp_dtls_fingerprint_equal(&fp, &fp2), "changed by %s", bad[i]);
  }
  cr_assert_eq(csctp_dtls_fingerprint_format(&fp, text, 20), CSCTP_ERR_NOBUF);
}
