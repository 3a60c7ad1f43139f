/* SPDX-License-Identifier: MIT */
/*
 * Receive back-pressure of the socket API (net.Socket's pause / resume). The endpoint
 * hands out every association's events in one stream, so a paused socket still takes its
 * messages from the engine; it keeps them in order and lowers the association's receive
 * window by what it keeps (csctp_assoc_set_rwnd), so the peer sees the window close
 * exactly as if the engine still held them (RFC 9260 §6.2) and stops: a paused socket
 * holds at most its window. The end of the stream (SHUTDOWN, a graceful close) waits
 * behind the kept messages.
 */
#include <string.h>

#include "host.h"

/* One kept event: a message (with its bytes) or the end / graceful close after them. */
typedef struct held {
  csctp_event_type type;
  csctp_close_reason reason;
  uint16_t cause;
  uint16_t stream;
  uint32_t ppid;
  int unordered;
  size_t len;
  uint8_t data[];
} held;

/* The association's window: what the application configured minus what the socket keeps. */
static void pause_apply_window(csctp_socket *s) {
  if (!s->a || csctp_assoc_get_state(s->a) == CSCTP_STATE_CLOSED) return;
  uint32_t w = s->held_bytes < s->base_rwnd ? s->base_rwnd - (uint32_t)s->held_bytes : 0;
  csctp_assoc_set_rwnd(s->a, w);
}

static void pause_queue_flush(host *h, csctp_socket *s) {
  if (s->in_flushq || s->paused || !s->held.length) return;
  s->in_flushq = 1;
  g_queue_push_tail(&h->flushq, s);
  csctp_host_defer(h);
}

int csctp_host_hold(host *h, csctp_socket *s, const csctp_event *ev) {
  if (s->flushing || (!s->paused && !s->held.length)) return 0;
  held *it;
  if (ev->type == CSCTP_EVENT_MESSAGE) {
    it = g_malloc(sizeof(*it) + ev->u.message.len);
    memset(it, 0, sizeof(*it));
    it->stream = ev->u.message.stream;
    it->ppid = ev->u.message.ppid;
    it->unordered = ev->u.message.unordered;
    it->len = ev->u.message.len;
    memcpy(it->data, ev->u.message.data, it->len);
    s->held_bytes += it->len;
  } else {
    /* An error close is reported at once (what was kept is lost, as net.Socket); the
     * end and a graceful close wait for the data before them. */
    if (ev->type == CSCTP_EVENT_CLOSED && ev->u.closed.reason != CSCTP_CLOSE_SHUTDOWN) return 0;
    if (!s->held.length) return 0;
    it = g_malloc0(sizeof(*it));
    if (ev->type == CSCTP_EVENT_CLOSED) {
      it->reason = ev->u.closed.reason;
      it->cause = ev->u.closed.cause;
    }
  }
  it->type = ev->type;
  g_queue_push_tail(&s->held, it);
  if (it->type == CSCTP_EVENT_MESSAGE) pause_apply_window(s);
  pause_queue_flush(h, s); /* not paused: it only waits for the items before it */
  return 1;
}

void csctp_host_flush_held(host *h) {
  csctp_socket *s;
  while (!h->doomed && (s = g_queue_pop_head(&h->flushq))) {
    s->in_flushq = 0;
    held *it;
    while (!s->paused && !s->zombie && (it = g_queue_pop_head(&s->held))) {
      s->flushing = 1;
      if (it->type == CSCTP_EVENT_MESSAGE) {
        s->held_bytes -= it->len;
        pause_apply_window(s); /* opens the window: a window update goes out */
        csctp_message m = {it->stream, it->ppid, it->unordered, it->data, it->len};
        csctp_host_deliver(s, &m);
      } else {
        csctp_event ev = {.type = it->type};
        if (it->type == CSCTP_EVENT_CLOSED) {
          ev.u.closed.reason = it->reason;
          ev.u.closed.cause = it->cause;
        }
        csctp_host_socket_event(h, s, s->a, &ev);
      }
      s->flushing = 0;
      g_free(it);
      if (h->doomed) return;
    }
  }
}

void csctp_host_drop_held(csctp_socket *s) {
  g_queue_clear_full(&s->held, g_free);
  s->held_bytes = 0;
  pause_apply_window(s);
}

void csctp_socket_pause(csctp_socket *s) {
  if (s) s->paused = 1;
}

void csctp_socket_resume(csctp_socket *s) {
  if (!s || !s->paused) return;
  s->paused = 0;
  if (!s->zombie) pause_queue_flush(s->h, s);
}

int csctp_socket_is_paused(const csctp_socket *s) { return s && s->paused; }
