/*
 * Helpers shared by the peer tools (csctp-peer, csctp-peer-bulk, csctp-web):
 * stderr logging with CSCTP_DEBUG, JSON lines out, lines in from a file
 * descriptor on the default GMainContext. Header-only (each tools/ .c file is one
 * program each).
 */
#ifndef CSCTP_PEER_TOOL_H
#define CSCTP_PEER_TOOL_H

#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <csctp/common.h>

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

static inline void tool_log_hook(void *user_data, uint32_t category, const char *text) {
  (void)user_data;
  (void)category;
  tool_log("%s", text);
}

/* Logging of every layer to stderr, for the categories named in CSCTP_DEBUG. */
static inline void tool_log_setup(csctp_log_fn *fn, void **user_data, uint32_t *mask) {
  *mask = csctp_log_mask_parse(getenv("CSCTP_DEBUG"));
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

/* An integer member of `o`, or `def` when absent or not a number. */
static inline gint64 tool_json_int(JsonObject *o, const char *name, gint64 def) {
  JsonNode *n = o ? json_object_get_member(o, name) : NULL;
  if (!n || !JSON_NODE_HOLDS_VALUE(n)) return def;
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_INT64) return json_node_get_int(n);
  if (t == G_TYPE_DOUBLE) return (gint64)json_node_get_double(n);
  return def;
}

typedef void (*tool_line_fn)(const char *line, void *user_data);
typedef void (*tool_eof_fn)(void *user_data);

typedef struct tool_reader {
  tool_line_fn on_line;
  tool_eof_fn on_eof;
  void *user_data;
  int eof;
} tool_reader;

static inline gboolean tool_reader_cb(GIOChannel *ch, GIOCondition cond, gpointer data) {
  tool_reader *r = data;
  for (;;) {
    char *line = NULL;
    gsize len = 0;
    GIOStatus st = g_io_channel_read_line(ch, &line, &len, NULL, NULL);
    if (st == G_IO_STATUS_NORMAL) {
      g_strchomp(line);
      if (*line) r->on_line(line, r->user_data);
      g_free(line);
      continue;
    }
    g_free(line);
    if (st == G_IO_STATUS_AGAIN && !(cond & (G_IO_HUP | G_IO_ERR))) return G_SOURCE_CONTINUE;
    if (st == G_IO_STATUS_AGAIN) return G_SOURCE_CONTINUE; /* data still queued before HUP */
    if (!r->eof) {
      r->eof = 1;
      r->on_eof(r->user_data);
    }
    return G_SOURCE_REMOVE;
  }
}

/* Calls on_line for every non-empty line read from `fd` (made non-blocking),
 * then on_eof once, on the default context. */
static inline void tool_read_lines(int fd, tool_line_fn on_line, tool_eof_fn on_eof,
                                   void *user_data) {
  tool_reader *r = g_new0(tool_reader, 1); /* freed with the watch */
  r->on_line = on_line;
  r->on_eof = on_eof;
  r->user_data = user_data;
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
  GIOChannel *ch = g_io_channel_unix_new(fd);
  g_io_channel_set_encoding(ch, NULL, NULL);
  g_io_channel_set_buffered(ch, TRUE);
  g_io_add_watch_full(ch, G_PRIORITY_DEFAULT, G_IO_IN | G_IO_HUP | G_IO_ERR, tool_reader_cb, r,
                      g_free);
  g_io_channel_unref(ch);
}

#endif
