/* SPDX-License-Identifier: MIT */
/*
 * The harness itself: scripts that must fail do fail, with a message that
 * names the file, the line, what was expected and what came; pending and
 * known-bug marks turn a failure into a listed skip and a pass into a failure;
 * scripts that do not parse fail even when marked.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_script.h"

static cf_outcome run1(const char *text, char *msg, size_t cap) {
  cf_report rep = {0};
  size_t n = cf_run_text("unit.scr", text, &rep);
  cr_assert_eq(n, 1, "one result expected, got %zu", n);
  cf_outcome o = rep.r[0].outcome;
  if (msg) snprintf(msg, cap, "%s", rep.r[0].msg);
  cf_report_free(&rep);
  return o;
}

#define HANDSHAKE "script t\nsource unit\n"

Test(runner, passing_handshake) {
  char m[4096];
  cr_assert_eq(run1(HANDSHAKE "establish\nstate ESTABLISHED\n", m, sizeof(m)), CF_PASS, "%s", m);
}

Test(runner, wrong_chunk_fails_with_line_and_packet) {
  char m[4096];
  cf_outcome o = run1(HANDSHAKE "send INIT tag=7\n\nexpect ABORT\n", m, sizeof(m));
  cr_assert_eq(o, CF_FAIL);
  cr_assert(strstr(m, "unit.scr:5: expect ABORT"), "%s", m);
  cr_assert(strstr(m, "wanted ABORT, got INIT_ACK"), "%s", m);
  cr_assert(strstr(m, "[INIT_ACK tag="), "the packet that came is shown: %s", m);
}

Test(runner, wrong_field_fails) {
  char m[4096];
  cr_assert_eq(run1(HANDSHAKE "send INIT tag=7 os=5\nexpect vtag=7 INIT_ACK mis=6\n", m, sizeof(m)),
               CF_FAIL);
  cr_assert(strstr(m, "mis: wanted = 6"), "%s", m);
}

Test(runner, wrong_vtag_fails) {
  char m[4096];
  cr_assert_eq(run1(HANDSHAKE "send INIT tag=7\nexpect vtag=8 INIT_ACK\n", m, sizeof(m)), CF_FAIL);
  cr_assert(strstr(m, "vtag: wanted = 8"), "%s", m);
}

Test(runner, captured_value_compared) {
  char m[4096];
  cr_assert_eq(run1(HANDSHAKE "send INIT tag=7\nexpect INIT_ACK tag=?X\ncheck X=$X\ncheck X!=$X\n",
                    m, sizeof(m)),
               CF_FAIL);
  cr_assert(strstr(m, ":6: check X!=$X"), "%s", m);
}

Test(runner, silence_broken_by_a_packet) {
  char m[4096];
  cr_assert_eq(run1(HANDSHAKE "send INIT tag=7\nsilence 1s\n", m, sizeof(m)), CF_FAIL);
  cr_assert(strstr(m, "already written") && strstr(m, "INIT_ACK"), "%s", m);
  cr_assert_eq(run1(HANDSHAKE "app connect\nexpect INIT\nsilence 10s\n", m, sizeof(m)), CF_FAIL);
  cr_assert(
      strstr(m, "expected silence for 10000 ms, but after 3000 ms came") && strstr(m, "[INIT "),
      "%s", m);
}

Test(runner, expect_without_packet_fails) {
  char m[4096];
  cr_assert_eq(run1(HANDSHAKE "establish\nexpect SACK within=5s\n", m, sizeof(m)), CF_FAIL);
  cr_assert(strstr(m, "none came"), "%s", m);
  cr_assert_eq(run1(HANDSHAKE "send crc=bad INIT tag=7\nexpect INIT_ACK\n", m, sizeof(m)), CF_FAIL);
  cr_assert(strstr(m, "none was written"), "%s", m);
}

Test(runner, missing_event_fails) {
  char m[4096];
  cr_assert_eq(run1(HANDSHAKE "establish\nevent CLOSED\n", m, sizeof(m)), CF_FAIL);
  cr_assert(strstr(m, "expected event CLOSED"), "%s", m);
}

Test(runner, pending_and_known_bug_marks) {
  char m[4096];
  cr_assert_eq(
      run1(HANDSHAKE "pending issue 11 finding 99\nestablish\nexpect ABORT\n", m, sizeof(m)),
      CF_PENDING);
  cr_assert_eq(run1(HANDSHAKE "pending issue 11 finding 99\nestablish\n", m, sizeof(m)),
               CF_PENDING_FIXED);
  cr_assert(strstr(m, "remove the pending mark"), "%s", m);
  cr_assert_eq(run1(HANDSHAKE "known-bug: x\nestablish\nexpect ABORT\n", m, sizeof(m)),
               CF_KNOWN_BUG);
  cr_assert_eq(run1(HANDSHAKE "known-bug: x\nestablish\n", m, sizeof(m)), CF_BUG_FIXED);
}

Test(runner, parse_errors_fail_even_when_pending) {
  char m[4096];
  cr_assert_eq(run1(HANDSHAKE "pending: x\nsend INIT bogus=1\n", m, sizeof(m)), CF_FAIL);
  cr_assert(strstr(m, "unit.scr:4") && strstr(m, "'bogus' is not a field of INIT"), "%s", m);
  cr_assert_eq(run1(HANDSHAKE "expect FOO\n", m, sizeof(m)), CF_FAIL);
  cr_assert(strstr(m, "'FOO' is not a chunk name"), "%s", m);
  cr_assert_eq(run1(HANDSHAKE "silence soon\n", m, sizeof(m)), CF_FAIL);
  cr_assert_eq(run1(HANDSHAKE "frobnicate\n", m, sizeof(m)), CF_FAIL);
  cr_assert(strstr(m, "unknown command"), "%s", m);
  cr_assert_eq(run1("script t\nestablish\n", m, sizeof(m)), CF_FAIL);
  cr_assert(strstr(m, "no `source` line"), "%s", m);
  cr_assert_eq(run1(HANDSHAKE "send INIT tag=$UNSET\n", m, sizeof(m)), CF_FAIL);
  cr_assert(strstr(m, "$UNSET is not set"), "%s", m);
}

Test(runner, bounded_input) {
  char *big = malloc(5000);
  strcpy(big, HANDSHAKE "send INIT ");
  size_t n = strlen(big);
  memset(big + n, 'x', 3000);
  strcpy(big + n + 3000, "\n");
  char m[4096];
  cr_assert_eq(run1(big, m, sizeof(m)), CF_FAIL);
  cr_assert(strstr(m, "longer than 1024"), "%s", m);
  strcpy(big, HANDSHAKE "send INIT");
  for (int i = 0; i < 60; i++) strcat(big, " os=1");
  strcat(big, "\n");
  cr_assert_eq(run1(big, m, sizeof(m)), CF_FAIL);
  cr_assert(strstr(m, "more than 48 tokens"), "%s", m);
  free(big);
  cf_report rep = {0};
  cf_run_text("unit.scr", "", &rep);
  cr_assert_eq(rep.n, 1);
  cr_assert_eq(rep.r[0].outcome, CF_FAIL);
  cf_report_free(&rep);
}

Test(runner, endpoint_target) {
  char m[4096];
  cr_assert_eq(run1(HANDSHAKE "target endpoint\nlisten on\nestablish from=B\nassocs 1\n"
                              "send from=B DATA tsn=$PTSN\nexpect to=B SACK cum=$PTSN within=1s\n",
                    m, sizeof(m)),
               CF_PASS, "%s", m);
  cr_assert_eq(run1(HANDSHAKE "target endpoint\nlisten on\nestablish from=B\n"
                              "send from=B DATA tsn=$PTSN\nexpect to=C SACK within=1s\n",
                    m, sizeof(m)),
               CF_FAIL);
  cr_assert(strstr(m, "to: the packet went to another address"), "%s", m);
}
