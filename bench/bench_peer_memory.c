/* SPDX-License-Identifier: MIT */
/*
 * Memory of idle WebRTC peers (issue 14, part 2): N pairs of csctp peers in
 * this process on one GMainContext, ICE on 127.0.0.1, each pair with one
 * data channel open and one 16-byte message sent each way, then left idle
 * for 2 s (the peer gives its datagram batch back after 1 s idle). Prints,
 * per idle peer (the difference between N2 and N1 pairs, divided by the
 * peers added, so that what a process pays once is not counted):
 *
 *   - RSS (/proc/self/statm),
 *   - bytes the C allocator holds (mallinfo2: in use, arena and mmapped),
 *   - csctp's own bytes (SCTP association, data channels, peer, DTLS and ICE
 *     wrappers), counted by the csctp_mem hooks the peers are given,
 *   - OpenSSL's bytes (SSL objects, record buffers, keys), counted by
 *     CRYPTO_set_mem_functions() hooks installed before OpenSSL allocates,
 *   - the rest of the allocator's bytes: libnice, GLib and GIO (the ICE agent,
 *     its sockets and sources), with libc's own,
 *   - file descriptors.
 *
 *   bench_peer_memory [--pairs N1,N2] [--blocks]
 *     --pairs N1,N2   pairs before and after (default 10,110)
 *     --blocks        also csctp's live blocks per peer by size, largest first
 *     --shared-cert   one DTLS certificate for all peers (as a gateway would), instead of
 *                     one generated per peer (csctp_peer's default)
 *
 * Figures only; exits non-zero when pairs do not connect within 60 s.
 */
#include <csctp/peer.h>
#include <glib.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"

/* ---- counting allocators: a size header in front of each block ---- */

typedef struct {
  size_t live, peak;
  GHashTable *sizes; /* live blocks by size (size -> count), for --blocks */
} counter;

static void count_size(counter *c, size_t n, int delta) {
  if (!c->sizes) return;
  gpointer k = GSIZE_TO_POINTER(n);
  gssize v = GPOINTER_TO_SIZE(g_hash_table_lookup(c->sizes, k)) + delta;
  g_hash_table_insert(c->sizes, k, GSIZE_TO_POINTER((gsize)v));
}

static counter csctp_bytes, ssl_bytes;

#define HDR 16 /* keeps malloc's alignment */

static void *count_malloc(counter *c, size_t n) {
  uint8_t *p = malloc(n + HDR);
  if (!p) return NULL;
  memcpy(p, &n, sizeof n);
  c->live += n;
  if (c->live > c->peak) c->peak = c->live;
  count_size(c, n, 1);
  return p + HDR;
}

static void count_free(counter *c, void *q) {
  if (!q) return;
  uint8_t *p = (uint8_t *)q - HDR;
  size_t n;
  memcpy(&n, p, sizeof n);
  c->live -= n;
  count_size(c, n, -1);
  free(p);
}

static void *count_realloc(counter *c, void *q, size_t n) {
  if (!q) return count_malloc(c, n);
  uint8_t *p = (uint8_t *)q - HDR;
  size_t old;
  memcpy(&old, p, sizeof old);
  uint8_t *r = realloc(p, n + HDR);
  if (!r) return NULL;
  memcpy(r, &n, sizeof n);
  c->live = c->live - old + n;
  count_size(c, old, -1);
  count_size(c, n, 1);
  if (c->live > c->peak) c->peak = c->live;
  return r + HDR;
}

static void *cs_malloc(size_t n, void *u) { return count_malloc(u, n); }
static void *cs_calloc(size_t k, size_t n, void *u) {
  if (n && k > SIZE_MAX / n) return NULL;
  void *p = count_malloc(u, k * n);
  if (p) memset(p, 0, k * n);
  return p;
}
static void *cs_realloc(void *p, size_t n, void *u) { return count_realloc(u, p, n); }
static void cs_free(void *p, void *u) { count_free(u, p); }

static void *ssl_malloc(size_t n, const char *file, int line) {
  (void)file;
  (void)line;
  return count_malloc(&ssl_bytes, n);
}
static void *ssl_realloc(void *p, size_t n, const char *file, int line) {
  (void)file;
  (void)line;
  return count_realloc(&ssl_bytes, p, n);
}
static void ssl_free(void *p, const char *file, int line) {
  (void)file;
  (void)line;
  count_free(&ssl_bytes, p);
}

/* ---- the pairs ---- */

typedef struct side {
  struct pair *pair;
  csctp_peer *peer;
  int offerer;
  int gathered;
  int open, got;
  csctp_dc_channel ch;
} side;

typedef struct pair {
  side a, b; /* a offers */
  int offer_done, answer_done;
} pair;

static const csctp_mem counting_mem = {
    .user_data = &csctp_bytes,
    .malloc = cs_malloc,
    .free = cs_free,
    .calloc = cs_calloc,
    .realloc = cs_realloc,
};
static int pairs_ready; /* pairs whose both sides got the other's message */
static int failed;

static void pair_step(pair *p);

static void on_event(csctp_peer *peer, const csctp_peer_event *ev, void *user) {
  side *s = user;
  (void)peer;
  switch (ev->type) {
  case CSCTP_PEER_EVENT_CANDIDATE:
    if (ev->u.candidate[0] == '\0') {
      s->gathered = 1;
      pair_step(s->pair);
    }
    break;
  case CSCTP_PEER_EVENT_STATE:
    if (ev->u.state.state == CSCTP_PEER_STATE_FAILED) failed++;
    break;
  case CSCTP_PEER_EVENT_CHANNEL: {
    const csctp_dc_event *dc = ev->u.channel;
    if (dc->type == CSCTP_DC_EVENT_OPEN) {
      s->open = 1;
      s->ch = dc->channel;
      static const uint8_t msg[16] = "idle peer hello";
      csctp_peer_send(s->peer, s->ch, 0, msg, sizeof msg);
    } else if (dc->type == CSCTP_DC_EVENT_MESSAGE) {
      s->got = 1;
      side *o = s == &s->pair->a ? &s->pair->b : &s->pair->a;
      if (o->got) pairs_ready++;
    }
    break;
  }
  }
}

/* Hands `from`'s complete description (offer or answer) to `to`. 1 when done, 0 on failure. */
static int pair_describe(side *from, side *to, csctp_peer_sdp_type type) {
  static char sdp[CSCTP_SDP_TEXT_MAX];
  csctp_ssize n = type == CSCTP_PEER_SDP_OFFER
                      ? csctp_peer_create_offer(from->peer, sdp, sizeof sdp)
                      : csctp_peer_create_answer(from->peer, sdp, sizeof sdp);
  if (n >= 0 && csctp_peer_set_remote_description(to->peer, type, sdp, (size_t)n, NULL) == 0)
    return 1;
  failed++;
  return 0;
}

static void pair_step(pair *p) {
  if (!p->offer_done && p->a.gathered)
    p->offer_done = pair_describe(&p->a, &p->b, CSCTP_PEER_SDP_OFFER);
  if (p->offer_done && !p->answer_done && p->b.gathered)
    p->answer_done = pair_describe(&p->b, &p->a, CSCTP_PEER_SDP_ANSWER);
}

static const char *const loopback[] = {"127.0.0.1"};
static csctp_dtls_cert *shared_cert; /* --shared-cert: one certificate for every peer */

static int side_new(side *s, pair *p, GMainContext *ctx, int offerer) {
  csctp_peer_config cfg;
  csctp_peer_config_default(&cfg);
  cfg.on_event = on_event;
  cfg.user_data = s;
  cfg.local_addresses = loopback;
  cfg.n_local_addresses = 1;
  cfg.offerer = offerer;
  cfg.mem = &counting_mem;
  cfg.cert = shared_cert;
  s->pair = p;
  s->offerer = offerer;
  return csctp_peer_new(&s->peer, ctx, &cfg);
}

/* ---- process figures ---- */

typedef struct {
  double rss, heap, csctp, ssl;
  int fds;
} sample;

static sample take_sample(void) {
  sample s = {0};
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
  }
  s.rss = (double)resident * (double)sysconf(_SC_PAGESIZE);
  struct mallinfo2 mi = mallinfo2();
  s.heap = (double)mi.uordblks + (double)mi.hblkhd;
  s.csctp = (double)csctp_bytes.live;
  s.ssl = (double)ssl_bytes.live;
  s.fds = bench_count_fds();
  return s;
}

static void run_for(GMainContext *ctx, gint64 us) {
  gint64 end = g_get_monotonic_time() + us;
  while (g_get_monotonic_time() < end) {
    if (!g_main_context_iteration(ctx, FALSE)) g_usleep(1000);
  }
}

/* Creates pairs until there are `target`, connects them, exchanges the messages, idles 2 s. */
static int grow_to(GMainContext *ctx, pair ***pairs, int *n, int target) {
  pair **grown = realloc(*pairs, (size_t)target * sizeof *grown);
  if (!grown) return -1;
  *pairs = grown;
  for (int i = *n; i < target; i++) {
    pair *p = calloc(1, sizeof *p); /* never moves: its sides are the peers' user_data */
    if (!p) return -1;
    grown[i] = p;
    *n = i + 1;
    int rv = side_new(&p->a, p, ctx, 1);
    if (!rv) rv = side_new(&p->b, p, ctx, 0);
    if (rv) {
      fprintf(stderr, "bench_peer_memory: peer %d: %s\n", 2 * i + (p->a.peer != NULL),
              csctp_strerror(rv));
      return -1;
    }
    csctp_dc_init init;
    memset(&init, 0, sizeof init);
    init.label = "idle";
    if (csctp_peer_create_channel(p->a.peer, &init, &p->a.ch) != 0) return -1;
  }
  gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
  while (pairs_ready < target && !failed && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(ctx, TRUE);
  }
  if (pairs_ready < target || failed) {
    fprintf(stderr, "bench_peer_memory: %d of %d pairs connected, %d failed\n", pairs_ready, target,
            failed);
    return -1;
  }
  run_for(ctx, 2 * G_USEC_PER_SEC);
  malloc_trim(0);
  return 0;
}

typedef struct {
  gsize size;
  double per_peer;
} block_row;

static int by_bytes(const void *x, const void *y) {
  const block_row *a = x, *b = y;
  double ba = a->per_peer * (double)a->size, bb = b->per_peer * (double)b->size;
  return ba < bb ? 1 : ba > bb ? -1 : 0;
}

/* The csctp blocks added per peer between two snapshots of the size table, largest bytes first. */
static void print_blocks(GHashTable *before, GHashTable *after, int peers) {
  GArray *rows = g_array_new(FALSE, FALSE, sizeof(block_row));
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, after);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    gssize d =
        (gssize)GPOINTER_TO_SIZE(v) - (gssize)GPOINTER_TO_SIZE(g_hash_table_lookup(before, k));
    if (d <= 0) continue;
    block_row r = {GPOINTER_TO_SIZE(k), (double)d / peers};
    g_array_append_val(rows, r);
  }
  g_array_sort(rows, by_bytes);
  printf("csctp's blocks per idle peer, largest first (size x count):\n");
  for (guint i = 0; i < rows->len && i < 16; i++) {
    block_row *r = &g_array_index(rows, block_row, i);
    printf("  %8zu B x %5.2f = %8.1f KiB\n", (size_t)r->size, r->per_peer,
           r->per_peer * (double)r->size / 1024.0);
  }
  g_array_free(rows, TRUE);
}

static GHashTable *copy_sizes(GHashTable *t) {
  GHashTable *c = g_hash_table_new(g_direct_hash, g_direct_equal);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, t);
  while (g_hash_table_iter_next(&it, &k, &v)) g_hash_table_insert(c, k, v);
  return c;
}

static void print_row(const char *what, double a, double b, int peers) {
  printf("  %-44s %10.1f KiB\n", what, (b - a) / peers / 1024.0);
}

int main(int argc, char **argv) {
  int n1 = 10, n2 = 110, blocks = 0, want_shared = 0;
  if (!CRYPTO_set_mem_functions(ssl_malloc, ssl_realloc, ssl_free)) {
    fprintf(stderr, "bench_peer_memory: OpenSSL allocated before main: no OpenSSL figure\n");
  }
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--blocks") == 0) {
      blocks = 1;
      continue;
    }
    if (strcmp(argv[i], "--shared-cert") == 0) {
      want_shared = 1;
      continue;
    }
    if (strcmp(argv[i], "--pairs") == 0 && i + 1 < argc &&
        sscanf(argv[++i], "%d,%d", &n1, &n2) == 2 && n1 >= 1 && n2 > n1) {
      continue;
    }
    fprintf(stderr, "usage: bench_peer_memory [--pairs N1,N2] [--blocks] [--shared-cert]\n");
    return 2;
  }

  if (want_shared && csctp_dtls_cert_generate(&shared_cert, "bench", 0, NULL) != 0) return 1;
  if (blocks) csctp_bytes.sizes = g_hash_table_new(g_direct_hash, g_direct_equal);
  GMainContext *ctx = g_main_context_new();
  pair **pairs = NULL;
  int n = 0;
  if (grow_to(ctx, &pairs, &n, n1)) return 1;
  sample s1 = take_sample();
  GHashTable *sizes1 = blocks ? copy_sizes(csctp_bytes.sizes) : NULL;
  if (grow_to(ctx, &pairs, &n, n2)) return 1;
  sample s2 = take_sample();
  int peers = 2 * (n2 - n1);
  printf(
      "memory per idle WebRTC peer (csctp: ICE + DTLS + SCTP + 1 data channel, after one\n"
      "16-byte message each way and 2 s idle; %d pairs -> %d pairs in one process, the\n"
      "difference per peer added; %s):\n",
      n1, n2, shared_cert ? "one certificate for all" : "a certificate generated per peer");
  print_row("RSS", s1.rss, s2.rss, peers);
  print_row("C allocator, bytes in use", s1.heap, s2.heap, peers);
  print_row("  csctp (SCTP, channels, peer, DTLS/ICE glue)", s1.csctp, s2.csctp, peers);
  print_row("  OpenSSL (DTLS)", s1.ssl, s2.ssl, peers);
  print_row("  the rest: libnice, GLib, GIO (ICE)", s1.heap - s1.csctp - s1.ssl,
            s2.heap - s2.csctp - s2.ssl, peers);
  printf("  %-44s %10.1f\n", "file descriptors", (double)(s2.fds - s1.fds) / peers);
  if (blocks) {
    print_blocks(sizes1, csctp_bytes.sizes, peers);
    g_hash_table_unref(sizes1);
  }
  for (int i = 0; i < n; i++) {
    csctp_peer_del(pairs[i]->a.peer);
    csctp_peer_del(pairs[i]->b.peer);
  }
  run_for(ctx, 100 * 1000);
  for (int i = 0; i < n; i++) free(pairs[i]);
  free(pairs);
  csctp_dtls_cert_del(shared_cert);
  g_main_context_unref(ctx);
  return 0;
}
