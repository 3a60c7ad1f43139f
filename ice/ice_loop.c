/* SPDX-License-Identifier: MIT */
/*
 * The hub that serves groups of agents from one caller's context (ice_loop.h).
 *
 * The hub is a GSource on the caller's context, found again by its funcs
 * (g_main_context_find_source_by_funcs_user_data), so no table of contexts is
 * kept anywhere. It holds:
 *   - an epoll descriptor, polled by the caller's context, with every descriptor
 *     of every group's context (its wake-up descriptor, libnice's sockets);
 *   - a min-heap of the groups by next deadline (the earliest timer of their
 *     context; now when a source is ready without polling).
 * Running a group is one GLib iteration of its context (acquire, prepare, query,
 * poll with no wait, check, dispatch), then a second prepare and query to learn
 * its next deadline and descriptors, which update the heap and the epoll set.
 */
#include "ice_loop.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define GROUP_FDS 8    /* descriptors a group registers without allocating */
#define HUB_EVENTS 256 /* epoll events taken per dispatch */
#define NO_DEADLINE G_MAXINT64

typedef struct ice_hub ice_hub;

struct ice_group {
  ice_hub *hub;
  GMainContext *ctx;
  gint64 deadline; /* monotonic us; NO_DEADLINE when nothing is timed */
  guint heap_i;    /* position in hub->heap */
  guint agents;
  guint pass;   /* the hub pass that last ran it */
  guint closes; /* hub->closes when its descriptors were last registered */
  int running, dead;
  ice_group *next_free, *prev_free; /* groups with room for an agent */
  int on_free;
  GPollFD *fds; /* registered in the epoll set, merged by descriptor */
  gint nfds, cap;
  GPollFD inline_fds[GROUP_FDS];
  GPollFD *q; /* the last query, for the next check */
  gint qn, qcap, qprio;
  GPollFD inline_q[GROUP_FDS * 2];
  int wake_fd; /* the context's own wake-up descriptor (eventfd) */
};

struct ice_hub {
  GSource src;
  int epfd;
  gpointer tag;
  ice_group **heap;
  guint n, cap;
  guint groups;
  guint pass;
  guint closes; /* agents gone (their sockets closed) so far */
  int dispatching;
  GPtrArray *dead;   /* groups left during a dispatch: freed at its end */
  ice_group **owner; /* by descriptor: the group that registered it */
  gint n_owner;
  ice_group *free_list;
};

/* ---- the deadline heap ---- */

static void heap_swap(ice_hub *h, guint a, guint b) {
  ice_group *t = h->heap[a];
  h->heap[a] = h->heap[b];
  h->heap[b] = t;
  h->heap[a]->heap_i = a;
  h->heap[b]->heap_i = b;
}

static void heap_fix(ice_hub *h, guint i) {
  while (i > 0 && h->heap[(i - 1) / 2]->deadline > h->heap[i]->deadline) {
    heap_swap(h, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
  for (;;) {
    guint l = 2 * i + 1, r = l + 1, m = i;
    if (l < h->n && h->heap[l]->deadline < h->heap[m]->deadline) m = l;
    if (r < h->n && h->heap[r]->deadline < h->heap[m]->deadline) m = r;
    if (m == i) return;
    heap_swap(h, i, m);
    i = m;
  }
}

static int heap_push(ice_hub *h, ice_group *g) {
  if (h->n == h->cap) {
    guint cap = h->cap ? 2 * h->cap : 16;
    ice_group **heap = g_try_renew(ice_group *, h->heap, cap);
    if (!heap) return -1;
    h->heap = heap;
    h->cap = cap;
  }
  g->heap_i = h->n;
  h->heap[h->n++] = g;
  heap_fix(h, g->heap_i);
  return 0;
}

static void heap_remove(ice_hub *h, ice_group *g) {
  guint i = g->heap_i;
  if (i >= h->n || h->heap[i] != g) return;
  h->n--;
  if (i != h->n) {
    h->heap[i] = h->heap[h->n];
    h->heap[i]->heap_i = i;
    heap_fix(h, i);
  }
}

/* ---- the epoll set ---- */

static uint32_t to_epoll(gushort events) {
  uint32_t e = 0;
  if (events & G_IO_IN) e |= EPOLLIN;
  if (events & G_IO_OUT) e |= EPOLLOUT;
  if (events & G_IO_PRI) e |= EPOLLPRI;
  return e;
}

/* Records `g` as the owner of descriptor `fd`. */
static void owner_set(ice_hub *h, int fd, ice_group *g) {
  if (fd >= h->n_owner) {
    gint n = MAX(fd + 1, 2 * h->n_owner);
    h->owner = g_renew(ice_group *, h->owner, n);
    memset(h->owner + h->n_owner, 0, (size_t)(n - h->n_owner) * sizeof *h->owner);
    h->n_owner = n;
  }
  h->owner[fd] = g;
}

/*
 * Makes the epoll set hold exactly `fds` (already merged by descriptor) for `g`.
 * A descriptor that `g` no longer lists may have been closed and its number reused
 * by another group's socket since: it is removed only while `g` still owns it. An
 * unchanged entry is left alone unless an agent went away since the last time
 * (hub->closes): then its number may be a new socket, which the epoll set lost
 * with the old one, and it is registered again.
 */
static void group_register(ice_group *g, const GPollFD *fds, gint n) {
  ice_hub *h = g->hub;
  for (gint i = 0; i < g->nfds; i++) { /* gone */
    gint fd = g->fds[i].fd, j = 0;
    while (j < n && fds[j].fd != fd) j++;
    if (j < n || fd >= h->n_owner || h->owner[fd] != g) continue;
    epoll_ctl(h->epfd, EPOLL_CTL_DEL, fd, NULL);
    h->owner[fd] = NULL;
  }
  for (gint j = 0; j < n; j++) { /* new or changed */
    gint i = 0, fd = fds[j].fd;
    while (i < g->nfds && g->fds[i].fd != fd) i++;
    int mine = fd < h->n_owner && h->owner[fd] == g;
    if (i < g->nfds && mine && g->fds[i].events == fds[j].events && g->closes == h->closes)
      continue;
    struct epoll_event ev = {.events = to_epoll(fds[j].events), .data.ptr = g};
    if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev) != 0 && errno == EEXIST)
      epoll_ctl(h->epfd, EPOLL_CTL_MOD, fd, &ev);
    owner_set(h, fd, g);
  }
  if (n > g->cap) {
    GPollFD *grown = g->fds == g->inline_fds ? NULL : g->fds;
    grown = g_renew(GPollFD, grown, n);
    if (g->fds == g->inline_fds) memcpy(grown, g->inline_fds, sizeof g->inline_fds);
    g->fds = grown;
    g->cap = n;
  }
  if (n) memcpy(g->fds, fds, (size_t)n * sizeof *fds);
  g->nfds = n;
  g->closes = h->closes;
}

/* Prepares and queries the acquired context of `g` into g->q (grown as needed): its
 * descriptors as GLib wants them back in g_main_context_check(), its priority and, in
 * `*timeout`, how long it may wait (ms; -1 forever, 0 when a source is ready). */
static void group_query(ice_group *g, gint *timeout) {
  gboolean ready = g_main_context_prepare(g->ctx, &g->qprio);
  gint n = g_main_context_query(g->ctx, g->qprio, timeout, g->q, g->qcap);
  if (n > g->qcap) {
    g->q = g->q == g->inline_q ? g_new(GPollFD, n) : g_renew(GPollFD, g->q, n);
    g->qcap = n;
    n = g_main_context_query(g->ctx, g->qprio, timeout, g->q, g->qcap);
  }
  g->qn = n;
  if (ready) *timeout = 0;
}

/* Learns the group's next deadline and descriptors (the context acquired). The query
 * stays in g->q for the next run's check, as GLib's own loop keeps it across its poll. */
static void group_schedule(ice_group *g) {
  gint timeout;
  group_query(g, &timeout);
  /* The epoll set wants each descriptor once: merge the entries of one descriptor. */
  GPollFD local[GROUP_FDS * 2];
  GPollFD *fds = g->qn <= (gint)G_N_ELEMENTS(local) ? local : g_new(GPollFD, g->qn);
  gint m = 0;
  for (gint i = 0; i < g->qn; i++) {
    gint j = 0;
    while (j < m && fds[j].fd != g->q[i].fd) j++;
    if (j < m) {
      fds[j].events |= g->q[i].events;
    } else {
      fds[m++] = g->q[i];
    }
  }
  group_register(g, fds, m);
  if (fds != local) g_free(fds);
  g->deadline = timeout < 0 ? NO_DEADLINE : g_get_monotonic_time() + (gint64)timeout * 1000;
  heap_fix(g->hub, g->heap_i);
}

static void group_free(ice_group *g);

/*
 * One GLib iteration of the group's context: poll (only when the epoll set said one of
 * its descriptors is ready: a run for a deadline has nothing to read), check with the
 * query its last schedule left, dispatch; then its next deadline and descriptors.
 * Wake-ups its own sources signalled while dispatching (a timeout re-armed) are taken
 * here: the schedule that follows has seen their effect.
 */
static void group_run(ice_group *g, int by_epoll) {
  if (g->dead || !g_main_context_acquire(g->ctx)) return;
  g->pass = g->hub->pass;
  g->running = 1;
  if (by_epoll) {
    while (poll((struct pollfd *)g->q, (nfds_t)g->qn, 0) < 0 && errno == EINTR) {}
  } else {
    for (gint i = 0; i < g->qn; i++) g->q[i].revents = 0;
  }
  if (g_main_context_check(g->ctx, g->qprio, g->q, g->qn)) g_main_context_dispatch(g->ctx);
  if (g->wake_fd >= 0) {
    uint64_t v;
    while (read(g->wake_fd, &v, sizeof v) < 0 && errno == EINTR) {}
  }
  g->running = 0;
  if (!g->dead) group_schedule(g);
  g_main_context_release(g->ctx);
}

/* ---- the hub source ---- */

static gint64 hub_next(const ice_hub *h) { return h->n ? h->heap[0]->deadline : NO_DEADLINE; }

static gboolean hub_prepare(GSource *src, gint *timeout) {
  ice_hub *h = (ice_hub *)src;
  gint64 next = hub_next(h);
  *timeout = -1;
  if (next == NO_DEADLINE) return FALSE;
  gint64 left = next - g_source_get_time(src);
  if (left <= 0) {
    *timeout = 0;
    return TRUE;
  }
  *timeout = left / 1000 + 1 > G_MAXINT ? G_MAXINT : (gint)(left / 1000 + 1);
  return FALSE;
}

static gboolean hub_check(GSource *src) {
  ice_hub *h = (ice_hub *)src;
  return (g_source_query_unix_fd(src, h->tag) & G_IO_IN) || hub_next(h) <= g_source_get_time(src);
}

static void hub_destroy(ice_hub *h);

static gboolean hub_dispatch(GSource *src, GSourceFunc cb, gpointer data) {
  (void)cb;
  (void)data;
  ice_hub *h = (ice_hub *)src;
  h->dispatching++;
  h->pass++;
  struct epoll_event ev[HUB_EVENTS];
  int n = epoll_wait(h->epfd, ev, HUB_EVENTS, 0);
  /* Groups are freed only at the end of the dispatch, so the pointers stay valid. */
  for (int i = 0; i < n; i++) {
    ice_group *g = ev[i].data.ptr;
    if (g->pass != h->pass) group_run(g, 1);
  }
  gint64 now = g_get_monotonic_time();
  while (h->n && h->heap[0]->deadline <= now && h->heap[0]->pass != h->pass)
    group_run(h->heap[0], 0);
  h->dispatching--;
  if (!h->dispatching) {
    for (guint i = 0; i < h->dead->len; i++) group_free(h->dead->pdata[i]);
    g_ptr_array_set_size(h->dead, 0);
    if (!h->groups) {
      hub_destroy(h);
      return G_SOURCE_REMOVE;
    }
  }
  return G_SOURCE_CONTINUE;
}

static void hub_finalize(GSource *src) {
  ice_hub *h = (ice_hub *)src;
  if (h->epfd >= 0) close(h->epfd);
  g_free(h->heap);
  g_free(h->owner);
  if (h->dead) g_ptr_array_free(h->dead, TRUE);
}

static GSourceFuncs hub_funcs = {hub_prepare, hub_check, hub_dispatch, hub_finalize, NULL, NULL};

static gboolean hub_tag_cb(gpointer data) {
  (void)data;
  return G_SOURCE_CONTINUE;
}

/* The hub on `ctx`, created when there is none. */
static ice_hub *hub_get(GMainContext *ctx) {
  GSource *src = g_main_context_find_source_by_funcs_user_data(ctx, &hub_funcs, &hub_funcs);
  if (src) return (ice_hub *)src;
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return NULL;
  ice_hub *h = (ice_hub *)g_source_new(&hub_funcs, sizeof(ice_hub));
  h->epfd = epfd;
  h->dead = g_ptr_array_new();
  g_source_set_name(&h->src, "csctp ICE hub");
  /* A callback whose data is the funcs: how hub_get finds the hub again. */
  g_source_set_callback(&h->src, hub_tag_cb, &hub_funcs, NULL);
  h->tag = g_source_add_unix_fd(&h->src, epfd, G_IO_IN);
  g_source_attach(&h->src, ctx);
  return h;
}

static void hub_destroy(ice_hub *h) {
  g_source_destroy(&h->src);
  g_source_unref(&h->src);
}

/* ---- groups ---- */

static void free_list_remove(ice_hub *h, ice_group *g) {
  if (!g->on_free) return;
  if (g->prev_free) {
    g->prev_free->next_free = g->next_free;
  } else {
    h->free_list = g->next_free;
  }
  if (g->next_free) g->next_free->prev_free = g->prev_free;
  g->next_free = g->prev_free = NULL;
  g->on_free = 0;
}

static void free_list_push(ice_hub *h, ice_group *g) {
  if (g->on_free) return;
  g->prev_free = NULL;
  g->next_free = h->free_list;
  if (h->free_list) h->free_list->prev_free = g;
  h->free_list = g;
  g->on_free = 1;
}

static void group_free(ice_group *g) {
  if (g->fds != g->inline_fds) g_free(g->fds);
  if (g->q != g->inline_q) g_free(g->q);
  g_main_context_unref(g->ctx);
  g_free(g);
}

ice_group *ice_group_join(GMainContext *ctx) {
  ice_hub *h = hub_get(ctx);
  if (!h) return NULL;
  ice_group *g = h->free_list;
  if (!g) {
    g = g_new0(ice_group, 1);
    g->hub = h;
    g->fds = g->inline_fds;
    g->cap = GROUP_FDS;
    g->q = g->inline_q;
    g->qcap = GROUP_FDS * 2;
    g->wake_fd = -1;
    g->deadline = NO_DEADLINE;
    g->ctx = g_main_context_new_with_flags(G_MAIN_CONTEXT_FLAGS_OWNERLESS_POLLING);
    if (heap_push(h, g) != 0) {
      group_free(g);
      if (!h->groups && !h->dispatching) hub_destroy(h);
      return NULL;
    }
    h->groups++;
    free_list_push(h, g);
    /* Its wake-up descriptor goes into the epoll set now; alone in an empty context's
     * query, it is known from then on. */
    if (g_main_context_acquire(g->ctx)) {
      group_schedule(g);
      if (g->qn == 1) g->wake_fd = g->q[0].fd;
      g_main_context_release(g->ctx);
    }
  }
  if (++g->agents == ICE_GROUP_AGENTS) free_list_remove(h, g);
  return g;
}

GMainContext *ice_group_context(const ice_group *g) { return g->ctx; }

void ice_group_leave(ice_group *g) {
  ice_hub *h = g->hub;
  h->closes++;
  g->agents--;
  if (g->agents) {
    free_list_push(h, g);
    return;
  }
  free_list_remove(h, g);
  heap_remove(h, g);
  group_register(g, NULL, 0);
  g->dead = 1;
  h->groups--;
  if (h->dispatching || g->running) {
    g_ptr_array_add(h->dead, g);
    return;
  }
  group_free(g);
  if (!h->groups) hub_destroy(h);
}
