/* SPDX-License-Identifier: MIT */
/* Allocation through the csctp_mem hooks. */
#ifndef CSCTP_MEM_H
#define CSCTP_MEM_H

#include <csctp/common.h>

static inline void *csctp_malloc(const csctp_mem *m, size_t n) {
  return m->malloc(n, m->user_data);
}
static inline void *csctp_calloc(const csctp_mem *m, size_t k, size_t n) {
  return m->calloc(k, n, m->user_data);
}
static inline void *csctp_realloc(const csctp_mem *m, void *p, size_t n) {
  return m->realloc(p, n, m->user_data);
}
static inline void csctp_free(const csctp_mem *m, void *p) {
  if (p) m->free(p, m->user_data);
}

#endif
