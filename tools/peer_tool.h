/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the peer tools (csctp-peer, csctp-peer-bulk, csctp-web):
 * stderr logging with CSCTP_DEBUG, JSON lines out, lines in from a file
 * descriptor on the default GMainContext. Header-only (each tools/ .c file is one
 * program each).
 */
#ifndef CSCTP_PEER_TOOL_H
#define CSCTP_PEER_TOOL_H

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <csctp/common.h>
#include <csctp/peer.h>

static inline void tool_log(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static inline void tool_log(const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  gint64 t = g_get_monotonic_time();
  fprintf(stderr, "[%lld.%03lld] %s\n", (long long)(t / 1000000), (long long)(t / 1000 % 1000),
          line);
}

static inline void tool_log_hook(uint32_t category, csctp_log_level level, const char *text,
                                 void *user_data) {
  (void)user_data;
  (void)category;
  tool_log("%s: %s", csctp_log_level_name(level), text);
}

/* Logging of every layer to stderr, for the categories (and levels) named in CSCTP_DEBUG. */
static inline void tool_log_setup(csctp_log_fn *fn, void **user_data, uint32_t *mask,
                                  uint32_t levels[CSCTP_LOG_LEVELS]) {
  const char *spec = getenv("CSCTP_DEBUG");
  *mask = csctp_log_mask_parse(spec);
  csctp_log_levels_parse(spec, levels);
  *fn = *mask ? tool_log_hook : NULL;
  *user_data = NULL;
}

/* Writes one JSON object of string members ("key", "value", ..., NULL) and a
 * newline to `out`, then flushes. */
static inline void tool_write_json(FILE *out, const char *key, ...) {
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  va_list ap;
  va_start(ap, key);
  for (const char *k = key; k; k = va_arg(ap, const char *)) {
    json_builder_set_member_name(b, k);
    json_builder_add_string_value(b, va_arg(ap, const char *));
  }
  va_end(ap);
  json_builder_end_object(b);
  JsonNode *root = json_builder_get_root(b);
  char *text = json_to_string(root, FALSE);
  fprintf(out, "%s\n", text);
  fflush(out);
  g_free(text);
  json_node_unref(root);
  g_object_unref(b);
}

#define tool_send_json(...) tool_write_json(stdout, __VA_ARGS__)

/* A string member of `o` (NULL allowed), or "" when absent or not a string. */
static inline const char *tool_json_str(JsonObject *o, const char *name) {
  JsonNode *n = o ? json_object_get_member(o, name) : NULL;
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) return "";
  const char *v = json_node_get_string(n);
  return v ? v : "";
}

/* An integer member of `o`, or `def` when absent, not a number, or a number no gint64 holds
 * (a fraction is cut off; NaN and values past +-2^63 are `def`: converting them is undefined). */
static inline gint64 tool_json_int(JsonObject *o, const char *name, gint64 def) {
  JsonNode *n = o ? json_object_get_member(o, name) : NULL;
  if (!n || !JSON_NODE_HOLDS_VALUE(n)) return def;
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_INT64) return json_node_get_int(n);
  if (t == G_TYPE_DOUBLE) {
    double d = json_node_get_double(n);
    if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0)) return def;
    return (gint64)d;
  }
  return def;
}

/* Signalling lines come from whoever drives the program (for csctp-peer, the
 * browser harness or anything else on its stdin): bounded before any parser
 * sees them. The largest line of the contract is a complete description, a few
 * KiB (tens with many candidates); its JSON nests two deep. */
#define TOOL_LINE_MAX (1u << 20)
#define TOOL_JSON_DEPTH_MAX 32
/* json-glib's parser recurses once per '[' or '{' (a line nested 100,000 deep
 * overflowed the stack; 50,000 did not on 8 MiB). Its scanner also takes
 * single-quoted strings and comments, so a depth scan that follows strict JSON
 * strings can be misled; a bound on the opening brackets anywhere in the line
 * cannot. */
#define TOOL_JSON_BRACKETS_MAX 1024

/* Parses one signalling line that must hold a JSON object. Returns the parser
 * (the caller unrefs it) and *obj, owned by the parser; NULL with *err set when
 * the line is over the limits above (checked before parsing), holds a NUL, is
 * not JSON or not an object. */
static inline JsonParser *tool_json_parse(const char *line, size_t len, JsonObject **obj,
                                          GError **err) {
  *obj = NULL;
  if (len > TOOL_LINE_MAX) {
    g_set_error(err, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE, "line of %zu bytes (limit %u)", len,
                TOOL_LINE_MAX);
    return NULL;
  }
  unsigned depth = 0, max_depth = 0, brackets = 0;
  int in_str = 0;
  for (size_t i = 0; i < len; i++) {
    char c = line[i];
    if (c == '\0') {
      g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "NUL byte at offset %zu", i);
      return NULL;
    }
    if (c == '[' || c == '{') brackets++;
    if (in_str) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_str = 0;
    } else if (c == '"') {
      in_str = 1;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) max_depth = depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
  }
  if (max_depth > TOOL_JSON_DEPTH_MAX || brackets > TOOL_JSON_BRACKETS_MAX) {
    g_set_error(err, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                "JSON nested %u deep with %u brackets (limits %u and %u)", max_depth, brackets,
                TOOL_JSON_DEPTH_MAX, TOOL_JSON_BRACKETS_MAX);
    return NULL;
  }
  JsonParser *parser = json_parser_new();
  if (!json_parser_load_from_data(parser, line, (gssize)len, err)) {
    g_object_unref(parser);
    return NULL;
  }
  JsonNode *root = json_parser_get_root(parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a JSON object");
    g_object_unref(parser);
    return NULL;
  }
  *obj = json_node_get_object(root);
  return parser;
}

/* One line without its end-of-line characters (len bytes, NUL-terminated). */
typedef void (*tool_line_fn)(const char *line, size_t len, void *user_data);
typedef void (*tool_eof_fn)(void *user_data);

typedef struct tool_reader {
  tool_line_fn on_line;
  tool_eof_fn on_eof;
  void *user_data;
  int fd;
  char *buf; /* the line being read: at most TOOL_LINE_MAX bytes and a NUL */
  size_t len;
  int skipping; /* inside a line over the limit: dropped up to its newline */
  guint id;     /* the watch */
} tool_reader;

static inline void tool_reader_free(gpointer data) {
  tool_reader *r = data;
  g_free(r->buf);
  g_free(r);
}

static inline void tool_reader_line(tool_reader *r) {
  size_t n = r->len;
  while (n && (r->buf[n - 1] == '\r' || r->buf[n - 1] == ' ' || r->buf[n - 1] == '\t')) n--;
  r->buf[n] = '\0';
  r->len = 0;
  if (n) r->on_line(r->buf, n, r->user_data);
}

static inline gboolean tool_reader_cb(gint fd, GIOCondition cond, gpointer data) {
  (void)cond;
  tool_reader *r = data;
  char chunk[65536];
  /* At most 1 MiB per wake-up, so that a flood on the input cannot starve the
   * rest of the main context. */
  for (int round = 0; round < 16; round++) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return G_SOURCE_CONTINUE;
    if (n <= 0) { /* end of input (or an error: the same for a pipe) */
      if (!r->skipping && r->len) tool_reader_line(r);
      r->on_eof(r->user_data);
      return G_SOURCE_REMOVE;
    }
    const char *p = chunk, *end = chunk + n;
    while (p < end) {
      const char *nl = memchr(p, '\n', (size_t)(end - p));
      size_t take = (size_t)((nl ? nl : end) - p);
      if (!r->skipping && r->len + take > TOOL_LINE_MAX) {
        tool_log("%s: input line over %u bytes: ignored",
                 g_get_prgname() ? g_get_prgname() : "input", TOOL_LINE_MAX);
        r->skipping = 1;
        r->len = 0;
      }
      if (!r->skipping) {
        memcpy(r->buf + r->len, p, take);
        r->len += take;
      }
      p += take;
      if (nl) {
        if (!r->skipping) tool_reader_line(r);
        r->skipping = 0;
        p++;
      }
    }
  }
  return G_SOURCE_CONTINUE;
}

/* Calls on_line for every non-empty line read from `fd` (made non-blocking; a
 * line over TOOL_LINE_MAX is logged and dropped, never buffered whole), then
 * on_eof once, on the default context. `partial` (`len` bytes, may be NULL) is
 * the start of the first line, read before (tool_reader_stop). Returns the reader,
 * which the watch owns. */
static inline tool_reader *tool_read_lines_from(int fd, const char *partial, size_t len,
                                                tool_line_fn on_line, tool_eof_fn on_eof,
                                                void *user_data) {
  tool_reader *r = g_new0(tool_reader, 1); /* freed with the watch */
  r->on_line = on_line;
  r->on_eof = on_eof;
  r->user_data = user_data;
  r->fd = fd;
  r->buf = g_malloc(TOOL_LINE_MAX + 1);
  if (partial && len <= TOOL_LINE_MAX) {
    memcpy(r->buf, partial, len);
    r->len = len;
  }
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
  r->id = g_unix_fd_add_full(G_PRIORITY_DEFAULT, fd, G_IO_IN | G_IO_HUP | G_IO_ERR, tool_reader_cb,
                             r, tool_reader_free);
  return r;
}

static inline tool_reader *tool_read_lines(int fd, tool_line_fn on_line, tool_eof_fn on_eof,
                                           void *user_data) {
  return tool_read_lines_from(fd, NULL, 0, on_line, on_eof, user_data);
}

/* Stops reading (the reader is freed) and returns a copy of the line begun but not
 * ended (g_free it), its length in *len; NULL when none. Not from inside on_line. */
static inline char *tool_reader_stop(tool_reader *r, size_t *len) {
  char *rest = !r->skipping && r->len ? g_memdup2(r->buf, r->len) : NULL;
  *len = rest ? r->len : 0;
  g_source_remove(r->id);
  return rest;
}

/* Writes the peer's statistics report (csctp_peer_stats_report) to `path`, whole or
 * not at all: into path.tmp, then renamed over `path`. Returns 0, or -1 (logged). */
static inline int tool_write_stats(const csctp_peer *peer, const char *path) {
  csctp_ssize n = csctp_peer_stats_report(peer, NULL, 0);
  if (n < 0) {
    tool_log("stats: no report: %s", csctp_strerror((int)n));
    return -1;
  }
  size_t cap = (size_t)n + 4096; /* counters may widen before the second call */
  char *buf = g_malloc(cap);
  n = csctp_peer_stats_report(peer, buf, cap);
  char *tmp = g_strconcat(path, ".tmp", NULL);
  GError *err = NULL;
  int ok = n >= 0 && g_file_set_contents_full(tmp, buf, n, G_FILE_SET_CONTENTS_NONE, 0644, &err) &&
           rename(tmp, path) == 0;
  if (!ok) {
    tool_log("stats: cannot write %s: %s", path,
             n < 0 ? csctp_strerror((int)n)
             : err ? err->message
                   : g_strerror(errno));
  }
  g_clear_error(&err);
  g_free(tmp);
  g_free(buf);
  return ok ? 0 : -1;
}

#endif
