/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: what the tools read from untrusted peers. The first byte
 * picks the parser: even, csctp-web's HTTP request head (web_parse_head:
 * request line, headers, Content-Length, limits); odd, one signalling line of
 * csctp-peer / csctp-web (tool_json_parse: the length, NUL, nesting and bracket
 * checks made before json-glib sees the line, then json-glib and the field
 * readers the tools use).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "peer_tool.h"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function" /* its server half is not driven here */
#include "web_http.h"
#pragma GCC diagnostic pop

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  int json = data[0] & 1;
  data++;
  size--;
  if (json) {
    JsonObject *obj = NULL;
    GError *err = NULL;
    JsonParser *p = tool_json_parse((const char *)data, size, &obj, &err);
    if (p) {
      (void)tool_json_str(obj, "type");
      (void)tool_json_str(obj, "sdp");
      (void)tool_json_int(obj, "id", -1);
      g_object_unref(p);
    } else if (!err) {
      abort(); /* a refusal always says why */
    }
    g_clear_error(&err);
    return 0;
  }
  /* As csctp-web reads it: a head of at most WEB_HEAD_MAX bytes, NUL-terminated. */
  if (size > WEB_HEAD_MAX) size = WEB_HEAD_MAX;
  char *buf = malloc(size + 1);
  if (!buf) return 0;
  memcpy(buf, data, size);
  buf[size] = '\0';
  size_t head_len = web_head_end(buf, 0, size);
  if (head_len) {
    web_head h;
    const char *why = NULL;
    int status = web_parse_head(buf, head_len, &h, &why);
    if (status == 0) {
      if (h.body_len > WEB_BODY_MAX || strlen(h.method) >= sizeof(h.method) ||
          strlen(h.path) >= sizeof(h.path))
        abort(); /* the limits hold for whatever was accepted */
    } else if (!why || (status != 400 && status != 411 && status != 413 && status != 414 &&
                        status != 501)) {
      abort();
    }
  }
  free(buf);
  return 0;
}
