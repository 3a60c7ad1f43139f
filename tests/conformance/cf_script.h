/* SPDX-License-Identifier: MIT */
/*
 * Scripted-peer conformance harness: a small line language, one script per
 * test purpose, run against the real engine (csctp_assoc_*) or endpoint
 * (csctp_endpoint_*) on a virtual clock with a seeded random source. The
 * language is described in tests/conformance/README.md.
 *
 * A script file holds one or more scripts, each starting with `script NAME`.
 * Parsing is bounded (line length, tokens per line, steps per script,
 * variables, queued packets and events) and every error names the file, the
 * line, what was expected and what came.
 */
#ifndef CSCTP_CF_SCRIPT_H
#define CSCTP_CF_SCRIPT_H

#include <stddef.h>

typedef enum cf_outcome {
  CF_PASS = 0,
  CF_FAIL,          /* an expectation was not met, or the script does not parse */
  CF_PENDING,       /* marked `pending`: fails as expected until the fix lands (a skip) */
  CF_PENDING_FIXED, /* marked `pending` but passes: a failure ("remove the pending mark") */
  CF_KNOWN_BUG,     /* marked `known-bug`: fails as expected (a skip, listed) */
  CF_BUG_FIXED,     /* marked `known-bug` but passes: a failure ("remove the mark") */
} cf_outcome;

typedef struct cf_result {
  char name[64];
  char source[32];
  char file[64];
  int line; /* line of `script` */
  cf_outcome outcome;
  char mark[192]; /* the pending / known-bug text */
  char msg[3072]; /* why it failed (also for pending and known bugs) */
} cf_result;

typedef struct cf_report {
  cf_result *r;
  size_t n, cap;
  size_t count[6]; /* by cf_outcome */
} cf_report;

/* Runs every script of `text` (named `file` in messages). Returns the number of results added. */
size_t cf_run_text(const char *file, const char *text, cf_report *rep);

/* Reads and runs a script file (at most 1 MiB); a read error is one CF_FAIL result. */
size_t cf_run_file(const char *path, cf_report *rep);

/* Number of results that fail the test run (CF_FAIL, CF_PENDING_FIXED, CF_BUG_FIXED). */
size_t cf_report_failures(const cf_report *rep);

/* Prints one line per result (details for non-passes) to stderr. */
void cf_report_print(const cf_report *rep, int verbose);

void cf_report_free(cf_report *rep);

const char *cf_outcome_name(cf_outcome o);

#endif
