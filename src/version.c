/* SPDX-License-Identifier: MIT */
/* csctp_version(): the version of the running library (the headers have CSCTP_VERSION). */
#include <csctp/common.h>

#include <stddef.h>

static const csctp_info version_info = {CSCTP_VERSION_AGE, CSCTP_VERSION_NUM, CSCTP_VERSION};

const csctp_info *csctp_version(int least_version) {
  if (least_version > CSCTP_VERSION_NUM) return NULL;
  return &version_info;
}
