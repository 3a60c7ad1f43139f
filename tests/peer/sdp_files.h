/* SPDX-License-Identifier: MIT */
/* Loading the real descriptions of tests/peer/sdp/ (test helper). */
#ifndef CSCTP_TEST_SDP_FILES_H
#define CSCTP_TEST_SDP_FILES_H

#include <stddef.h>

/** Reads tests/peer/sdp/<name> into a malloc'd, NUL-terminated buffer (aborts the test
 *  when missing); *len gets its length. */
char *sdp_file_read(const char *name, size_t *len);

#endif
