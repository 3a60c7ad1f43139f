/* SPDX-License-Identifier: MIT */
/*
 * GLib's main context on Node's libuv loop, on the JavaScript thread: no thread of our own
 * and no polling. Before libuv blocks (a uv_prepare_t, every loop iteration) the context is
 * prepared and queried: each file descriptor it wants watched gets a uv_poll_t, and its
 * next timeout the one uv_timer_t. When one of them fires (or at the next prepare) the
 * descriptors' state is read with a poll() that does not wait, and the context is checked
 * and dispatched, inside a Node callback scope so that the process.nextTick queue and
 * promise jobs run after the callbacks. The context is acquired by the JavaScript thread
 * once and for all.
 *
 * libuv watches a duplicate of each descriptor (dup), never GLib's own: GLib closes its
 * descriptors when it wants (a socket destroyed), and libuv, which keys its watchers by
 * descriptor number, would otherwise still hold that number when Node reuses it for a new
 * socket of its own (and removing our watcher would then remove Node's from epoll). The
 * duplicate keeps the file open until the next query, which comes right after every
 * dispatch and every call from JavaScript that closes something, before other JavaScript
 * runs. A descriptor number GLib closed and reused between two queries is recognised by its
 * device and inode.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addon.h"

typedef struct node_poll {
  uv_poll_t h;
  node_loop *l;
  int fd, dupfd, events, used; /* GLib's descriptor, and libuv's duplicate of it */
  dev_t dev;
  ino_t ino;
} node_poll;

struct node_loop {
  addon *ad;
  uv_loop_t *uv;
  GMainContext *ctx;
  uv_prepare_t prep;
  uv_timer_t timer;
  GPollFD *fds;
  gint nfds, cap, prio;
  int queried, in_run, closing, open_handles;
  GPtrArray *polls; /* node_poll* */
  napi_ref resource;
  napi_async_context actx;
  void (*done)(void *);
  void *done_arg;
};

static void loop_arm(node_loop *l);

static void loop_handle_closed(uv_handle_t *h) {
  node_loop *l = h->data;
  if (h->type == UV_POLL) { /* node_poll: its handle is its first member */
    close(((node_poll *)(void *)h)->dupfd);
    free(h);
  }
  if (--l->open_handles > 0) return;
  g_free(l->fds);
  g_ptr_array_free(l->polls, TRUE);
  void (*done)(void *) = l->done;
  void *arg = l->done_arg;
  free(l);
  if (done) done(arg);
}

/* Reads the descriptors' state, then checks and dispatches the context. */
static void loop_run(node_loop *l) {
  if (l->in_run || l->closing) return;
  l->in_run = 1;
  if (l->queried) {
    l->queried = 0;
    /* GPollFD has struct pollfd's layout on Unix (GLib's own g_poll is poll()). */
    if (l->nfds) poll((struct pollfd *)(void *)l->fds, (nfds_t)l->nfds, 0);
    if (g_main_context_check(l->ctx, l->prio, l->fds, l->nfds)) {
      napi_env env = l->ad->env;
      napi_handle_scope hs;
      napi_callback_scope cs;
      napi_value res;
      int scoped = napi_open_handle_scope(env, &hs) == napi_ok;
      int cbs = scoped && napi_get_reference_value(env, l->resource, &res) == napi_ok &&
                napi_open_callback_scope(env, res, l->actx, &cs) == napi_ok;
      g_main_context_dispatch(l->ctx);
      /* Armed before the nextTick callbacks and promises run (closing the scope): what the
       * dispatch closed is no longer watched when JavaScript opens its own sockets. */
      l->in_run = 0;
      if (!l->closing) loop_arm(l);
      if (cbs) napi_close_callback_scope(env, cs);
      if (scoped) napi_close_handle_scope(env, hs);
      return;
    }
  }
  l->in_run = 0;
  if (!l->closing) loop_arm(l);
}

static void loop_on_prepare(uv_prepare_t *h) { loop_run(h->data); }
static void loop_on_timer(uv_timer_t *h) { loop_run(h->data); }
static void loop_on_poll(uv_poll_t *h, int status, int events) {
  (void)status;
  (void)events;
  loop_run(((node_poll *)h->data)->l);
}

static void loop_ref_handle(node_loop *l, uv_handle_t *h) {
  if (l->ad->live > 0)
    uv_ref(h);
  else
    uv_unref(h);
}

static void loop_poll_close(node_poll *p) {
  uv_poll_stop(&p->h);
  p->h.data = p->l;
  uv_close((uv_handle_t *)&p->h, loop_handle_closed);
}

static int loop_events(gushort ge) {
  int e = 0;
  if (ge & (G_IO_IN | G_IO_HUP | G_IO_ERR)) e |= UV_READABLE;
  if (ge & G_IO_PRI) e |= UV_PRIORITIZED;
  if (ge & G_IO_OUT) e |= UV_WRITABLE;
  return e;
}

/* One uv_poll_t per descriptor of the last query, for the same open file. */
static void loop_sync_polls(node_loop *l) {
  for (guint i = 0; i < l->polls->len; i++) ((node_poll *)l->polls->pdata[i])->used = 0;
  for (gint i = 0; i < l->nfds; i++) {
    int fd = l->fds[i].fd, ev = loop_events(l->fds[i].events);
    struct stat st;
    if (fd < 0 || !ev || fstat(fd, &st) != 0) continue;
    node_poll *p = NULL;
    for (guint j = 0; j < l->polls->len && !p; j++) {
      node_poll *q = l->polls->pdata[j];
      if (q->fd == fd) p = q;
    }
    if (p && (p->dev != st.st_dev || p->ino != st.st_ino)) { /* closed and reused */
      g_ptr_array_remove_fast(l->polls, p);
      loop_poll_close(p);
      p = NULL;
    }
    if (p) {
      if (p->used) ev |= p->events; /* the same descriptor twice in the query */
      p->used = 1;
      if (ev != p->events) {
        p->events = ev;
        uv_poll_start(&p->h, ev, loop_on_poll);
      }
      continue;
    }
    p = calloc(1, sizeof(*p));
    if (!p) continue;
    p->l = l;
    p->fd = fd;
    p->dev = st.st_dev;
    p->ino = st.st_ino;
    p->dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (p->dupfd < 0 || uv_poll_init(l->uv, &p->h, p->dupfd) != 0) {
      if (p->dupfd >= 0) close(p->dupfd);
      free(p);
      continue;
    }
    l->open_handles++;
    p->h.data = p;
    p->used = 1;
    p->events = ev;
    uv_poll_start(&p->h, ev, loop_on_poll);
    loop_ref_handle(l, (uv_handle_t *)&p->h);
    g_ptr_array_add(l->polls, p);
  }
  for (guint i = 0; i < l->polls->len;) {
    node_poll *p = l->polls->pdata[i];
    if (p->used) {
      i++;
      continue;
    }
    g_ptr_array_remove_index_fast(l->polls, i);
    loop_poll_close(p);
  }
}

/* Prepares and queries the context: which descriptors to watch, and until when to wait. */
static void loop_arm(node_loop *l) {
  gint timeout = -1;
  g_main_context_prepare(l->ctx, &l->prio);
  for (;;) {
    gint n = g_main_context_query(l->ctx, l->prio, &timeout, l->fds, l->cap);
    if (n <= l->cap) {
      l->nfds = n;
      break;
    }
    l->cap = n + 8;
    l->fds = g_renew(GPollFD, l->fds, l->cap);
  }
  l->queried = 1;
  loop_sync_polls(l);
  if (timeout < 0)
    uv_timer_stop(&l->timer);
  else
    uv_timer_start(&l->timer, loop_on_timer, (uint64_t)timeout, 0);
}

node_loop *node_loop_new(addon *ad, uv_loop_t *uv, GMainContext *ctx) {
  node_loop *l = calloc(1, sizeof(*l));
  if (!l) return NULL;
  l->ad = ad;
  l->uv = uv;
  l->ctx = ctx;
  l->polls = g_ptr_array_new();
  napi_value res, name;
  if (napi_create_object(ad->env, &res) != napi_ok ||
      napi_create_reference(ad->env, res, 1, &l->resource) != napi_ok ||
      napi_create_string_utf8(ad->env, "csctp", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(ad->env, res, name, &l->actx) != napi_ok) {
    g_ptr_array_free(l->polls, TRUE);
    free(l);
    return NULL;
  }
  uv_prepare_init(uv, &l->prep);
  uv_timer_init(uv, &l->timer);
  l->prep.data = l->timer.data = l;
  l->open_handles = 2;
  uv_prepare_start(&l->prep, loop_on_prepare);
  uv_unref((uv_handle_t *)&l->prep); /* it never keeps Node alive by itself */
  uv_unref((uv_handle_t *)&l->timer);
  return l;
}

void node_loop_kick(node_loop *l) {
  if (l->in_run || l->closing) return; /* armed again when the dispatch returns */
  if (l->queried) {
    /* GLib wants a check after each prepare; what was ready stays ready (and the query below
     * then says so with a zero timeout), it is dispatched from the loop, never from here. */
    l->queried = 0;
    g_main_context_check(l->ctx, l->prio, l->fds, 0);
  }
  loop_arm(l);
}

void node_loop_update_ref(node_loop *l) {
  loop_ref_handle(l, (uv_handle_t *)&l->timer);
  for (guint i = 0; i < l->polls->len; i++)
    loop_ref_handle(l, (uv_handle_t *)&((node_poll *)l->polls->pdata[i])->h);
}

void node_loop_close(node_loop *l, void (*done)(void *), void *arg) {
  l->closing = 1;
  l->done = done;
  l->done_arg = arg;
  napi_async_destroy(l->ad->env, l->actx);
  napi_delete_reference(l->ad->env, l->resource);
  if (l->queried) { /* GLib wants every prepare to be followed by a check */
    l->queried = 0;
    g_main_context_check(l->ctx, l->prio, l->fds, 0);
  }
  uv_prepare_stop(&l->prep);
  uv_timer_stop(&l->timer);
  for (guint i = 0; i < l->polls->len; i++) loop_poll_close(l->polls->pdata[i]);
  g_ptr_array_set_size(l->polls, 0);
  uv_close((uv_handle_t *)&l->prep, loop_handle_closed);
  uv_close((uv_handle_t *)&l->timer, loop_handle_closed);
}
