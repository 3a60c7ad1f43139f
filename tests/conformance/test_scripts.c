/* SPDX-License-Identifier: MIT */
/*
 * Runs every conformance script under tests/conformance/scripts/ (*.scr, in
 * name order) against the engine and the endpoint, prints one line per
 * script that did not simply pass (pending and known-bug scripts are listed,
 * not failed), the count by source, and fails on any failure or on a marked
 * script that passes now.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_script.h"

#ifndef CSCTP_CONFORMANCE_DIR
#error "CSCTP_CONFORMANCE_DIR: set by CMakeLists.txt for the conformance layer"
#endif

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Counts results by source into a small table printed at the end. */
static void print_sources(const cf_report *rep) {
  char names[32][32];
  size_t counts[32] = {0};
  int n = 0;
  for (size_t i = 0; i < rep->n; i++) {
    int k = 0;
    while (k < n && strcmp(names[k], rep->r[i].source)) k++;
    if (k == n && n < 32) snprintf(names[n++], sizeof(names[0]), "%s", rep->r[i].source);
    if (k < n) counts[k]++;
  }
  for (int k = 0; k < n; k++) fprintf(stderr, "  %-10s %zu\n", names[k], counts[k]);
}

Test(conformance, scripts, .timeout = 600) {
  DIR *d = opendir(CSCTP_CONFORMANCE_DIR);
  cr_assert(d, "cannot open %s", CSCTP_CONFORMANCE_DIR);
  char *files[256];
  size_t nf = 0;
  struct dirent *e;
  while ((e = readdir(d)) && nf < 256) {
    size_t l = strlen(e->d_name);
    if (l > 4 && !strcmp(e->d_name + l - 4, ".scr")) files[nf++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(files, nf, sizeof(files[0]), cmp_str);
  cf_report rep = {0};
  for (size_t i = 0; i < nf; i++) {
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", CSCTP_CONFORMANCE_DIR, files[i]);
    cf_run_file(path, &rep);
    free(files[i]);
  }
  cf_report_print(&rep, getenv("CSCTP_CONFORMANCE_VERBOSE") != NULL);
  print_sources(&rep);
  size_t failures = cf_report_failures(&rep), total = rep.n;
  cf_report_free(&rep);
  cr_expect(total >= 100, "only %zu scripts (the issue asks for at least 100)", total);
  cr_assert_eq(failures, 0, "%zu conformance scripts failed (see above)", failures);
}
