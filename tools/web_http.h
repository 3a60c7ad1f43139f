/* SPDX-License-Identifier: MIT */
/*
 * A small HTTP/1.1 server for csctp-web, on the default GMainContext, that
 * bounds everything a client can make it hold (whoever reaches the port may
 * be hostile). Header-only, like peer_tool.h; one server per program.
 *
 * - One request per connection ("Connection: close"), then a graceful close:
 *   shutdown, what the client still sends read and dropped for at most
 *   WEB_LINGER_MS (so that unread bytes do not turn our close into a reset
 *   that destroys the response), close. No connection outlives its response.
 * - Request line and headers up to WEB_HEAD_MAX (431); a body up to
 *   WEB_BODY_MAX declared by Content-Length, refused from the headers alone
 *   (413; 411 for a POST without a length, 501 for transfer codings).
 * - WEB_REQUEST_MS to send a whole request (408); WEB_RESPONSE_MS for the
 *   application to answer (then 503) and for the client to take the response.
 * - At most max_conns connections: past it nothing more is accepted (the
 *   kernel's backlog, listen(SOMAXCONN), holds the newcomers) and the oldest
 *   connection still sending its request after WEB_EVICT_MS is closed to make
 *   room, so slow or idle clients cannot hold every slot for long. Out of
 *   descriptors, accepting pauses 100 ms instead of spinning.
 */
#ifndef CSCTP_WEB_HTTP_H
#define CSCTP_WEB_HTTP_H

#include <arpa/inet.h>
#include <errno.h>
#include <glib-unix.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer_tool.h"

#define WEB_HEAD_MAX 8192     /* request line and headers */
#define WEB_BODY_MAX 65536    /* a browser's offer is 1-10 KiB, the demo page's report < 1 KiB */
#define WEB_PATH_MAX 256      /* the longest request target looked at (414 past it) */
#define WEB_REQUEST_MS 10000  /* to send the whole request */
#define WEB_RESPONSE_MS 10000 /* to answer a request; to take the response */
#define WEB_LINGER_MS 2000    /* reading what the client still sends after the response */
#define WEB_LINGER_BYTES (16u << 20)
#define WEB_EVICT_MS 1000 /* a request older than this may make room for a newcomer */

typedef struct web_http web_http;
typedef struct web_conn web_conn;

/* A complete request: answer it with web_conn_respond(), now or (after
 * web_conn_wait()) later. */
typedef void (*web_request_fn)(web_conn *c, void *user_data);
/* A request left waiting is going away unanswered (timeout or shutdown):
 * forget `c`. The server answers it 503 itself when it can. */
typedef void (*web_abandon_fn)(web_conn *c, void *user_data);

struct web_http {
  web_request_fn on_request;
  web_abandon_fn on_abandon;
  void *user_data;
  unsigned max_conns;
  int listen_fd;
  guint listen_watch, listen_retry;
  GQueue conns; /* open connections, oldest first */
};

typedef enum web_conn_state {
  WEB_CONN_READ,
  WEB_CONN_WAIT,
  WEB_CONN_WRITE,
  WEB_CONN_LINGER
} web_conn_state;

struct web_conn {
  /* The request, for on_request: */
  char method[8], path[WEB_PATH_MAX]; /* path without the query */
  const char *body;                   /* body_len bytes and a NUL, valid until answered */
  size_t body_len;
  void *user; /* the application's, while it waits */
  /* Private: */
  web_http *h;
  int fd;
  web_conn_state state;
  gint64 since; /* accepted, g_get_monotonic_time() */
  GList link;   /* in h->conns */
  guint watch, timer;
  GIOCondition watching;
  char *buf; /* the request (head, then body), NUL-terminated */
  size_t len, head_len;
  GString *out; /* the response */
  size_t out_off, drained;
};

static void web_conn_close(web_conn *c);
static void web_conn_timer(web_conn *c, guint ms);
static void web_http_resume(web_http *h);

/* Answers the request (status, Content-Type, body; `extra` header lines, each
 * ending in CRLF, or NULL) and closes the connection once sent. `c` may be
 * freed before this returns: do not use it afterwards. */
static void web_conn_respond(web_conn *c, int status, const char *type, const char *body,
                             size_t len, const char *extra);

/* The answer comes later: no more than WEB_RESPONSE_MS (then on_abandon, 503). */
static inline void web_conn_wait(web_conn *c) {
  c->state = WEB_CONN_WAIT;
  web_conn_timer(c, WEB_RESPONSE_MS);
}

static void web_conn_error(web_conn *c, int status, const char *text) {
  tool_log("csctp-web: request refused: %d %s", status, text);
  web_conn_respond(c, status, "text/plain", text, strlen(text), NULL);
}

static int web_header_is(const char *line, size_t name_len, const char *name) {
  return strlen(name) == name_len && !g_ascii_strncasecmp(line, name, name_len);
}

/* What web_parse_head takes from a request head. */
typedef struct web_head {
  char method[8], path[WEB_PATH_MAX]; /* path without the query */
  size_t body_len;                    /* Content-Length (0 when absent) */
  int expect_continue;                /* Expect: 100-continue with a body */
} web_head;

/*
 * Parses a complete request head, buf[0, head_len) (head_len > 0, buf[head_len]
 * readable; the request line is cut at its end with a NUL). Pure: no I/O, so
 * that fuzz/tool_input.c can drive it. Returns 0 with *h filled, or the HTTP
 * status to refuse the request with and *why its text.
 */
static int web_parse_head(char *buf, size_t head_len, web_head *h, const char **why) {
  char *p = buf, *end = buf + head_len;
  memset(h, 0, sizeof(*h));
  char *eol = memchr(p, '\n', (size_t)(end - p));
  if (!eol) {
    *why = "bad request line";
    return 400;
  }
  *eol = '\0';
  if (eol > p && eol[-1] == '\r') eol[-1] = '\0';
  /* METHOD SP request-target SP HTTP/1.x */
  char *sp1 = strchr(p, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
  if (!sp1 || !sp2 || sp1 - p > 7 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
    *why = "bad request line";
    return 400;
  }
  memcpy(h->method, p, (size_t)(sp1 - p));
  h->method[sp1 - p] = '\0';
  size_t plen = strcspn(sp1 + 1, "? ");
  if (plen >= WEB_PATH_MAX) {
    *why = "request target too long";
    return 414;
  }
  memcpy(h->path, sp1 + 1, plen);
  h->path[plen] = '\0';
  int have_length = 0;
  unsigned long long length = 0;
  for (p = eol + 1; p < end; p = eol + 1) {
    eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) break;
    size_t n = (size_t)(eol - p);
    if (n && p[n - 1] == '\r') n--;
    if (n == 0) break; /* the empty line ending the head */
    if (*p == ' ' || *p == '\t') {
      *why = "folded header line";
      return 400;
    }
    char *colon = memchr(p, ':', n);
    if (!colon) {
      *why = "header line without a colon";
      return 400;
    }
    size_t name_len = (size_t)(colon - p);
    char *v = colon + 1, *vend = p + n;
    while (v < vend && (*v == ' ' || *v == '\t')) v++;
    while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t')) vend--;
    if (web_header_is(p, name_len, "Content-Length")) {
      unsigned long long x = 0;
      if (v == vend || vend - v > 18) {
        *why = "bad or too large Content-Length";
        return v == vend ? 400 : 413;
      }
      for (char *d = v; d < vend; d++) {
        if (*d < '0' || *d > '9') {
          *why = "bad Content-Length";
          return 400;
        }
        x = x * 10 + (unsigned)(*d - '0');
      }
      if (have_length && x != length) {
        *why = "two different Content-Lengths";
        return 400;
      }
      have_length = 1;
      length = x;
    } else if (web_header_is(p, name_len, "Transfer-Encoding")) {
      *why = "transfer codings are not accepted: send a Content-Length";
      return 501;
    } else if (web_header_is(p, name_len, "Expect")) {
      h->expect_continue = (size_t)(vend - v) == 12 && !g_ascii_strncasecmp(v, "100-continue", 12);
    }
  }
  if (length > WEB_BODY_MAX) {
    *why = "request body over " G_STRINGIFY(WEB_BODY_MAX) " bytes";
    return 413;
  }
  if (!have_length && !strcmp(h->method, "POST")) {
    *why = "a POST needs a Content-Length";
    return 411;
  }
  h->body_len = (size_t)length;
  h->expect_continue = h->expect_continue && length > 0;
  return 0;
}

/* The head (c->buf[0, head_len)) is complete: checks it, then either answers
 * at once (an error) or sets body_len and returns 1 to read the body. */
static int web_conn_parse_head(web_conn *c) {
  web_head h;
  const char *why = NULL;
  int status = web_parse_head(c->buf, c->head_len, &h, &why);
  if (status) {
    web_conn_error(c, status, why);
    return 0;
  }
  memcpy(c->method, h.method, sizeof(c->method));
  memcpy(c->path, h.path, sizeof(c->path));
  c->body_len = h.body_len;
  if (h.expect_continue) {
    /* Best effort: a client that gets no 100 sends the body after a pause anyway. */
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    (void)!send(c->fd, cont, sizeof cont - 1, MSG_NOSIGNAL);
  }
  return 1;
}

/* End of the head: the first empty line (CRLF CRLF, or bare LFs). */
static size_t web_head_end(const char *buf, size_t from, size_t len) {
  for (size_t i = from; i < len; i++) {
    if (buf[i] != '\n') continue;
    if (i + 1 < len && buf[i + 1] == '\n') return i + 2;
    if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n') return i + 3;
  }
  return 0;
}

/* ---------------------------------------------------------------- connections */

static gboolean web_conn_io(gint fd, GIOCondition cond, gpointer data);

/* Watches the socket for `cond` (0: not at all). May be called from web_conn_io
 * itself: removing the source being dispatched is allowed. */
static void web_conn_watch(web_conn *c, GIOCondition cond) {
  if (c->watch && c->watching == cond) return;
  if (c->watch) g_source_remove(c->watch);
  c->watching = cond;
  c->watch = cond ? g_unix_fd_add(c->fd, cond, web_conn_io, c) : 0;
}

static gboolean web_conn_expired(gpointer data) {
  web_conn *c = data;
  c->timer = 0;
  if (c->state == WEB_CONN_READ) {
    web_conn_error(c, 408, "request not received in time");
  } else if (c->state == WEB_CONN_WAIT) {
    c->h->on_abandon(c, c->h->user_data);
    c->user = NULL;
    web_conn_error(c, 503, "no answer in time");
  } else {
    web_conn_close(c); /* the client did not take the response, or kept sending */
  }
  return G_SOURCE_REMOVE;
}

static void web_conn_timer(web_conn *c, guint ms) {
  if (c->timer) g_source_remove(c->timer);
  c->timer = g_timeout_add(ms, web_conn_expired, c);
}

static void web_conn_close(web_conn *c) {
  web_http *h = c->h;
  if (c->state == WEB_CONN_WAIT) h->on_abandon(c, h->user_data);
  if (c->watch) g_source_remove(c->watch);
  if (c->timer) g_source_remove(c->timer);
  close(c->fd);
  g_queue_unlink(&h->conns, &c->link);
  g_free(c->buf);
  if (c->out) g_string_free(c->out, TRUE);
  g_free(c);
  web_http_resume(h);
}

static void web_conn_linger(web_conn *c) {
  for (;;) {
    char sink[16384];
    ssize_t n = recv(c->fd, sink, sizeof sink, 0);
    if (n > 0 && (c->drained += (size_t)n) < WEB_LINGER_BYTES) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    web_conn_close(c); /* the client's end of stream, an error, or enough */
    return;
  }
}

static void web_conn_flush(web_conn *c) {
  while (c->out_off < c->out->len) {
    ssize_t n = send(c->fd, c->out->str + c->out_off, c->out->len - c->out_off, MSG_NOSIGNAL);
    if (n > 0) {
      c->out_off += (size_t)n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      web_conn_watch(c, G_IO_OUT);
      return;
    } else {
      web_conn_close(c);
      return;
    }
  }
  /* Sent: close our side, then read until the client closes its own, so that
   * unread request bytes do not turn our close into a reset that could
   * destroy the response before the client has read it. */
  shutdown(c->fd, SHUT_WR);
  c->state = WEB_CONN_LINGER;
  web_conn_watch(c, G_IO_IN);
  web_conn_timer(c, WEB_LINGER_MS);
  web_conn_linger(c);
}

static const char *web_status_text(int status) {
  switch (status) {
  case 200: return "OK";
  case 400: return "Bad Request";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 408: return "Request Timeout";
  case 411: return "Length Required";
  case 413: return "Content Too Large";
  case 414: return "URI Too Long";
  case 431: return "Request Header Fields Too Large";
  case 501: return "Not Implemented";
  case 503: return "Service Unavailable";
  default: return "Internal Server Error";
  }
}

static void web_conn_respond(web_conn *c, int status, const char *type, const char *body,
                             size_t len, const char *extra) {
  c->out = g_string_sized_new(len + 256);
  g_string_append_printf(c->out,
                         "HTTP/1.1 %d %s\r\nServer: csctp-web\r\nContent-Type: %s\r\n"
                         "Content-Length: %zu\r\nCache-Control: no-store\r\n%s"
                         "Connection: close\r\n\r\n",
                         status, web_status_text(status), type, len, extra ? extra : "");
  g_string_append_len(c->out, body, (gssize)len);
  c->out_off = 0;
  c->state = WEB_CONN_WRITE;
  web_conn_watch(c, 0);
  web_conn_timer(c, WEB_RESPONSE_MS);
  web_conn_flush(c);
}

static void web_conn_read(web_conn *c) {
  for (;;) {
    size_t want = c->head_len ? c->head_len + c->body_len - c->len : WEB_HEAD_MAX - c->len;
    ssize_t n = recv(c->fd, c->buf + c->len, want, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {
      web_conn_close(c); /* the client gave up before a whole request */
      return;
    }
    size_t from = c->len >= 2 ? c->len - 2 : 0;
    c->len += (size_t)n;
    c->buf[c->len] = '\0';
    if (!c->head_len) {
      c->head_len = web_head_end(c->buf, from, c->len);
      if (!c->head_len) {
        if (c->len < WEB_HEAD_MAX) continue;
        web_conn_error(c, 431, "request head over 8192 bytes");
        return;
      }
      if (!web_conn_parse_head(c)) return; /* answered */
      size_t total = c->head_len + c->body_len;
      if (total > WEB_HEAD_MAX) c->buf = g_realloc(c->buf, total + 1);
    }
    if (c->len >= c->head_len + c->body_len) {
      c->buf[c->head_len + c->body_len] = '\0';
      web_conn_watch(c, 0);
      c->body = c->buf + c->head_len;
      c->h->on_request(c, c->h->user_data);
      return;
    }
  }
}

static gboolean web_conn_io(gint fd, GIOCondition cond, gpointer data) {
  (void)fd;
  (void)cond;
  web_conn *c = data; /* may be freed by the handler: not touched after it */
  switch (c->state) {
  case WEB_CONN_READ: web_conn_read(c); break;
  case WEB_CONN_WRITE: web_conn_flush(c); break;
  case WEB_CONN_LINGER: web_conn_linger(c); break;
  case WEB_CONN_WAIT: break;
  }
  return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------- listening */

static gboolean web_http_accept(gint fd, GIOCondition cond, gpointer data);

/* Watches the listening socket again (a connection closed, or a pause ended). */
static void web_http_resume(web_http *h) {
  if (h->listen_watch || h->listen_fd < 0) return;
  if (h->listen_retry) g_source_remove(h->listen_retry);
  h->listen_retry = 0;
  h->listen_watch = g_unix_fd_add(h->listen_fd, G_IO_IN, web_http_accept, h);
}

static gboolean web_http_retry(gpointer data) {
  web_http *h = data;
  h->listen_retry = 0;
  web_http_resume(h);
  return G_SOURCE_REMOVE;
}

/* From web_http_accept, which then returns G_SOURCE_REMOVE: newcomers wait in the
 * kernel's backlog until a connection closes or `ms` have passed (then the
 * oldest slow request may be old enough to make room). */
static gboolean web_http_pause(web_http *h, guint ms) {
  h->listen_watch = 0;
  if (!h->listen_retry) h->listen_retry = g_timeout_add(ms, web_http_retry, h);
  return G_SOURCE_REMOVE;
}

/* At the connection limit: closes the oldest connection still sending its
 * request, if it has had WEB_EVICT_MS (a slow or idle client). */
static int web_http_evict(web_http *h) {
  gint64 now = g_get_monotonic_time();
  for (GList *l = h->conns.head; l; l = l->next) {
    web_conn *c = l->data;
    if (now - c->since < (gint64)WEB_EVICT_MS * 1000) break; /* the rest are younger */
    if (c->state != WEB_CONN_READ) continue;
    static const char busy[] =
        "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n"
        "Connection: close\r\n\r\n";
    (void)!send(c->fd, busy, sizeof busy - 1, MSG_NOSIGNAL);
    web_conn_close(c);
    return 1;
  }
  return 0;
}

static gboolean web_http_accept(gint fd, GIOCondition cond, gpointer data) {
  (void)cond;
  web_http *h = data;
  for (int i = 0; i < 64; i++) {
    if (g_queue_get_length(&h->conns) >= h->max_conns && !web_http_evict(h)) {
      return web_http_pause(h, 250);
    }
    int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return G_SOURCE_CONTINUE;
      /* Out of descriptors (or memory): the newcomers wait in the backlog. */
      tool_log("csctp-web: accept: %s: pausing 100 ms", g_strerror(errno));
      web_http_evict(h);
      return web_http_pause(h, 100);
    }
    web_conn *c = g_new0(web_conn, 1);
    c->h = h;
    c->fd = cfd;
    c->state = WEB_CONN_READ;
    c->since = g_get_monotonic_time();
    c->buf = g_malloc(WEB_HEAD_MAX + 1);
    c->link.data = c;
    g_queue_push_tail_link(&h->conns, &c->link);
    web_conn_watch(c, G_IO_IN);
    web_conn_timer(c, WEB_REQUEST_MS);
  }
  return G_SOURCE_CONTINUE;
}

/* Prepares `h` (the callbacks and max_conns are the caller's to set). */
static inline void web_http_init(web_http *h) {
  memset(h, 0, sizeof *h);
  h->listen_fd = -1;
  g_queue_init(&h->conns);
}

/* Listens on bind_ip:port (numeric IPv4 or IPv6; port 0: any free one, put
 * in *bound) and starts accepting. 0, or -1 with errno. */
static int web_http_listen(web_http *h, const char *bind_ip, unsigned port, unsigned *bound) {
  struct sockaddr_storage ss = {0};
  socklen_t sl;
  struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, bind_ip, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    sl = sizeof *a4;
  } else if (inet_pton(AF_INET6, bind_ip, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    sl = sizeof *a6;
  } else {
    errno = EINVAL;
    return -1;
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, SOMAXCONN) != 0 ||
      getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  *bound = ntohs(ss.ss_family == AF_INET ? a4->sin_port : a6->sin6_port);
  h->listen_fd = fd;
  web_http_resume(h);
  return 0;
}

/* Closes every connection (waiting ones are abandoned) and the listener. */
static inline void web_http_free(web_http *h) {
  while (h->conns.head) web_conn_close(h->conns.head->data);
  if (h->listen_watch) g_source_remove(h->listen_watch);
  if (h->listen_retry) g_source_remove(h->listen_retry);
  h->listen_watch = h->listen_retry = 0;
  if (h->listen_fd >= 0) close(h->listen_fd);
  h->listen_fd = -1;
}

#endif
