/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the SDP parser: any bytes must parse or fail cleanly
 * (an error naming a line), never read outside the input. A description that
 * parses is written back, parsed again, and answered when it has a data
 * m-section; the candidate parser gets the raw input too.
 */
#include <csctp/peer.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static csctp_sdp sdp, again, answer;
static char text[CSCTP_SDP_TEXT_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* An exact-size heap copy, so ASan catches any read past the end. */
  char *copy = malloc(size ? size : 1);
  if (!copy) return 0;
  if (size) memcpy(copy, data, size);
  csctp_sdp_error err;
  int rv = csctp_sdp_parse(&sdp, copy, size, &err);
  if (rv != 0) {
    if (rv != CSCTP_ERR_MALFORMED || !memchr(err.message, '\0', sizeof err.message)) abort();
  } else {
    csctp_ssize n = csctp_sdp_write(&sdp, text, sizeof text);
    if (n < 0) abort(); /* CSCTP_SDP_TEXT_MAX must always suffice */
    if (csctp_sdp_parse(&again, text, (size_t)n, &err) != 0) abort(); /* we write what we read */
    if (again.data_index != sdp.data_index || again.n_candidates != sdp.n_candidates) abort();
    if (again.sctp_init_len != sdp.sctp_init_len ||
        memcmp(again.sctp_init, sdp.sctp_init, sdp.sctp_init_len) != 0)
      abort(); /* a=sctp-init: base64 out and in again */
    csctp_sdp_fingerprint fp = {.algorithm = "sha-256", .len = 32};
    csctp_sdp_local local;
    csctp_sdp_local_default(&local);
    local.ice_ufrag = "fuzz";
    local.ice_pwd = "fuzzfuzzfuzzfuzzfuzzfuzz";
    local.fingerprints = &fp;
    local.n_fingerprints = 1;
    if (csctp_sdp_create_answer(&answer, &sdp, &local) == 0) {
      n = csctp_sdp_write(&answer, text, sizeof text);
      if (n < 0 || csctp_sdp_parse(&again, text, (size_t)n, &err) != 0) abort();
    }
  }
  csctp_sdp_candidate c;
  (void)csctp_sdp_candidate_parse(&c, copy, size, NULL);
  free(copy);
  return 0;
}
