/* SPDX-License-Identifier: MIT */
/* The SSLKEYLOGFILE writer: opt-in file I/O, kept out of the endpoint itself. */
#include <csctp/dtls.h>

#include <stdio.h>

void csctp_dtls_keylog_file(const char *line, void *user_data) {
  const char *path = user_data;
  if (!path || !*path || !line) return;
  FILE *f = fopen(path, "a");
  if (!f) return;
  fprintf(f, "%s\n", line);
  fclose(f);
}
