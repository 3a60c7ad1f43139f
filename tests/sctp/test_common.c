/* SPDX-License-Identifier: MIT */
/*
 * src/common.c: the error names, the fatal threshold, the default allocator
 * and the CSCTP_DEBUG category parser, as include/csctp/common.h documents
 * them.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include <csctp/common.h>

static const int all_errors[] = {
    CSCTP_ERR_INVALID_ARGUMENT,
    CSCTP_ERR_INVALID_STATE,
    CSCTP_ERR_STREAM_ID,
    CSCTP_ERR_MSG_TOO_LARGE,
    CSCTP_ERR_WOULD_BLOCK,
    CSCTP_ERR_NOBUF,
    CSCTP_ERR_CLOSED,
    CSCTP_ERR_RANDOM,
    CSCTP_ERR_MALFORMED,
    CSCTP_ERR_ADDRESS_IN_USE,
    CSCTP_ERR_PERMISSION,
    CSCTP_ERR_SOCKET,
    CSCTP_ERR_NOMEM,
    CSCTP_ERR_CRYPTO,
    CSCTP_ERR_DTLS_HANDSHAKE,
    CSCTP_ERR_FINGERPRINT,
    CSCTP_ERR_DTLS_ALERT,
    CSCTP_ERR_ICE_FAILED,
    CSCTP_ERR_TIMEOUT,
    CSCTP_ERR_UNREACHABLE,
    CSCTP_ERR_PEER_ABORT,
    CSCTP_ERR_PROTOCOL,
};
#define N_ERRORS (sizeof(all_errors) / sizeof(all_errors[0]))

/* Every error has its own description; none is the fallback. */
Test(common, every_error_has_a_distinct_name) {
  const char *unknown = csctp_strerror(12345);
  cr_assert_str_eq(unknown, "unknown error");
  cr_assert_str_eq(csctp_strerror(-1), unknown);
  cr_assert_str_eq(csctp_strerror(-111), unknown);            /* an errno is not ours */
  cr_assert_str_eq(csctp_strerror(CSCTP_ERR_FATAL), unknown); /* a threshold, not an error */
  cr_assert_str_neq(csctp_strerror(CSCTP_OK), unknown);
  for (size_t i = 0; i < N_ERRORS; i++) {
    const char *s = csctp_strerror(all_errors[i]);
    cr_assert_not_null(s);
    cr_assert_str_neq(s, unknown, "error %d has no name", all_errors[i]);
    cr_assert_str_neq(s, csctp_strerror(CSCTP_OK));
    for (size_t j = 0; j < i; j++)
      cr_assert_str_neq(s, csctp_strerror(all_errors[j]), "errors %d and %d share a name",
                        all_errors[i], all_errors[j]);
  }
}

/* Fatal: at or below CSCTP_ERR_FATAL; 0, other errors and lengths are not. */
Test(common, fatal_threshold) {
  for (size_t i = 0; i < N_ERRORS; i++)
    cr_assert_eq(csctp_err_is_fatal(all_errors[i]), all_errors[i] <= CSCTP_ERR_FATAL);
  cr_assert(csctp_err_is_fatal(CSCTP_ERR_NOMEM));
  cr_assert(csctp_err_is_fatal(CSCTP_ERR_PEER_ABORT));
  cr_assert(!csctp_err_is_fatal(CSCTP_ERR_WOULD_BLOCK));
  cr_assert(!csctp_err_is_fatal(0));
  cr_assert(!csctp_err_is_fatal(1500));
  cr_assert(!csctp_err_is_fatal(INT32_MAX));
  cr_assert(csctp_err_is_fatal(CSCTP_ERR_FATAL));
  /* A refused call leaves the object usable; an ended connection or a broken object not. */
  static const int refused[] = {CSCTP_ERR_INVALID_ARGUMENT, CSCTP_ERR_WOULD_BLOCK,
                                CSCTP_ERR_CLOSED,           CSCTP_ERR_ADDRESS_IN_USE,
                                CSCTP_ERR_PERMISSION,       CSCTP_ERR_SOCKET};
  static const int fatal[] = {CSCTP_ERR_NOMEM,   CSCTP_ERR_DTLS_HANDSHAKE, CSCTP_ERR_ICE_FAILED,
                              CSCTP_ERR_TIMEOUT, CSCTP_ERR_UNREACHABLE,    CSCTP_ERR_PEER_ABORT,
                              CSCTP_ERR_PROTOCOL};
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
    cr_assert_eq(csctp_err_is_fatal(refused[i]), 0, "%s", csctp_strerror(refused[i]));
  for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++)
    cr_assert_eq(csctp_err_is_fatal(fatal[i]), 1, "%s", csctp_strerror(fatal[i]));
}

Test(common, default_allocator_works_through_its_hooks) {
  const csctp_mem *m = csctp_mem_default();
  cr_assert_not_null(m);
  cr_assert_eq(m, csctp_mem_default()); /* one static instance */
  uint8_t *p = m->malloc(16, m->user_data);
  cr_assert_not_null(p);
  memset(p, 0xab, 16);
  p = m->realloc(p, 4096, m->user_data);
  cr_assert_not_null(p);
  cr_assert_eq(p[15], 0xab); /* realloc keeps the contents */
  m->free(p, m->user_data);
  uint32_t *z = m->calloc(64, sizeof(*z), m->user_data);
  cr_assert_not_null(z);
  for (int i = 0; i < 64; i++) cr_assert_eq(z[i], 0);
  m->free(z, m->user_data);
  m->free(NULL, m->user_data);
}

Test(common, log_mask_parse) {
  static const struct {
    const char *spec;
    uint32_t mask;
  } cases[] = {
      {"", 0},
      {"sctp", CSCTP_LOG_SCTP},
      {"sctp,dtls", CSCTP_LOG_SCTP | CSCTP_LOG_DTLS},
      {"ice dc", CSCTP_LOG_ICE | CSCTP_LOG_DC},
      {" ,peer,, sctp ,", CSCTP_LOG_PEER | CSCTP_LOG_SCTP},
      {"*", CSCTP_LOG_ALL},
      {"nope,sctp", CSCTP_LOG_SCTP}, /* unknown names are ignored */
      {"sctpx,sct,dtl", 0},          /* whole names only */
      {"**,*x", 0},                  /* "*" alone */
      {"dtls,*", CSCTP_LOG_ALL},
  };
  cr_assert_eq(csctp_log_mask_parse(NULL), 0);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    cr_assert_eq(csctp_log_mask_parse(cases[i].spec), cases[i].mask, "\"%s\": %#x, expected %#x",
                 cases[i].spec, csctp_log_mask_parse(cases[i].spec), cases[i].mask);
}
