/* SPDX-License-Identifier: MIT */
/*
 * The tests' counting allocator, and allocation-failure replay nghttp2-style:
 * csctp_mem hooks that count calls, successful allocations, frees and live
 * blocks, and whose k-th allocation call fails (once; the calls after it succeed again),
 * counting the blocks still live. A scenario is run once with fail_at 0 to
 * count its allocation calls, then once for every k from 1 to that count:
 * each run must end without a crash (ASan), without a leak (live == 0 after
 * deletion) and with a clear error or a correct recovery.
 *
 * FAILING_MEM_K=k in the environment replays only that k, and
 * FAILING_MEM_TRACE=1 prints the stack of the failed call (debugging);
 * failing_mem.site is the return address of the call that failed. Setting
 * fail_all makes every allocation call fail until it is cleared.
 */
#ifndef CSCTP_TEST_FAILING_MEM_H
#define CSCTP_TEST_FAILING_MEM_H

#include <csctp/common.h>
#include <execinfo.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Symbolised under the sanitizers, raw addresses otherwise. */
extern void __sanitizer_print_stack_trace(void) __attribute__((weak));

typedef struct failing_mem failing_mem;
struct failing_mem {
  csctp_mem mem;
  failing_mem *count;     /* where calls are counted: itself, or a shared one */
  long calls;             /* allocation calls so far (malloc, calloc, realloc) */
  long fail_at;           /* the call that fails, 1-based; 0 = none */
  long failed;            /* 1 once it has failed */
  failing_mem *failed_in; /* the allocator whose call failed */
  void *site;             /* return address of the failed call */
  long live;              /* blocks allocated through this one and not yet freed */
  long allocs;            /* successful allocation calls (a realloc counts) */
  long frees;             /* blocks given back (free of non-NULL, realloc of non-NULL) */
  int fail_all;           /* set: every allocation call fails */
};

static inline int failing_mem_fail(failing_mem *self) {
  if (self->fail_all) return 1;
  failing_mem *f = self->count;
  if (++f->calls != f->fail_at) return 0;
  f->failed = 1;
  f->failed_in = self;
  const char *t = getenv("FAILING_MEM_TRACE");
  if (t && *t && *t != '0') {
    if (__sanitizer_print_stack_trace) {
      __sanitizer_print_stack_trace();
    } else {
      void *pcs[32];
      backtrace_symbols_fd(pcs, backtrace(pcs, 32), STDERR_FILENO);
    }
  }
  return 1;
}

__attribute__((noinline)) static void *failing_mem_malloc(size_t n, void *u) {
  failing_mem *f = u;
  if (failing_mem_fail(f)) {
    f->count->site = __builtin_return_address(0);
    return NULL;
  }
  void *p = malloc(n ? n : 1);
  if (p) f->live++, f->allocs++;
  return p;
}

__attribute__((noinline)) static void *failing_mem_calloc(size_t k, size_t n, void *u) {
  failing_mem *f = u;
  if (failing_mem_fail(f)) {
    f->count->site = __builtin_return_address(0);
    return NULL;
  }
  void *p = calloc(k ? k : 1, n ? n : 1);
  if (p) f->live++, f->allocs++;
  return p;
}

__attribute__((noinline)) static void *failing_mem_realloc(void *p, size_t n, void *u) {
  failing_mem *f = u;
  if (failing_mem_fail(f)) {
    f->count->site = __builtin_return_address(0);
    return NULL; /* p stays allocated */
  }
  void *q = realloc(p, n ? n : 1);
  if (q) {
    f->allocs++;
    if (p)
      f->frees++;
    else
      f->live++;
  }
  return q;
}

static inline void failing_mem_free(void *p, void *u) {
  failing_mem *f = u;
  if (p) f->live--, f->frees++;
  free(p);
}

/* Resets the counters; the k-th allocation call from now on fails (0: none). */
static inline void failing_mem_init(failing_mem *f, long fail_at) {
  memset(f, 0, sizeof(*f));
  f->count = f;
  f->fail_at = fail_at;
  f->mem =
      (csctp_mem){f, failing_mem_malloc, failing_mem_free, failing_mem_calloc, failing_mem_realloc};
}

/*
 * A second allocator whose calls count on `owner` (one k across both: the
 * failure lands in one of them, owner->failed_in says which); `live` stays
 * its own.
 */
static inline void failing_mem_init_shared(failing_mem *f, failing_mem *owner) {
  failing_mem_init(f, 0);
  f->count = owner;
}

/* The k to replay alone (FAILING_MEM_K), or 0 to replay every k. */
static inline long failing_mem_only_k(void) {
  const char *s = getenv("FAILING_MEM_K");
  return s && *s ? strtol(s, NULL, 10) : 0;
}

/*
 * Runs `run(k, user)` for k = 1..total (or only FAILING_MEM_K); `run` returns the
 * number of allocation calls it made. Returns how many runs had their k-th call
 * fail (a run that made fewer than k calls saw no failure).
 */
static inline long failing_mem_replay(long total, long (*run)(long k, void *user), void *user) {
  long only = failing_mem_only_k(), hit = 0;
  for (long k = only ? only : 1; k <= (only ? only : total); k++) hit += run(k, user) >= k;
  return hit;
}

#endif
