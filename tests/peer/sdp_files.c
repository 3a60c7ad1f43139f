/* SPDX-License-Identifier: MIT */
/* Loading the real descriptions of tests/peer/sdp/ (test helper). */
#include "sdp_files.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

char *sdp_file_read(const char *name, size_t *len) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", CSCTP_SDP_TEST_DIR, name);
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "cannot open %s", path);
  char *buf = malloc(65536);
  cr_assert_not_null(buf);
  size_t n = fread(buf, 1, 65535, f);
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;
}
