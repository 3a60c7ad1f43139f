/* SPDX-License-Identifier: MIT */
/* The conformance language: symbols, values, variables, matching, load-time checks. */
#include "cf_lang.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const cf_sym cf_chunk_syms[] = {{"DATA", CF_DATA},
                                {"INIT", CF_INIT},
                                {"INIT_ACK", CF_INIT_ACK},
                                {"SACK", CF_SACK},
                                {"HEARTBEAT", CF_HEARTBEAT},
                                {"HEARTBEAT_ACK", CF_HEARTBEAT_ACK},
                                {"ABORT", CF_ABORT},
                                {"SHUTDOWN", CF_SHUTDOWN},
                                {"SHUTDOWN_ACK", CF_SHUTDOWN_ACK},
                                {"ERROR", CF_ERROR},
                                {"COOKIE_ECHO", CF_COOKIE_ECHO},
                                {"COOKIE_ACK", CF_COOKIE_ACK},
                                {"SHUTDOWN_COMPLETE", CF_SHUTDOWN_COMPLETE},
                                {"FORWARD_TSN", CF_FORWARD_TSN},
                                {"RECONFIG", CF_RECONFIG},
                                {"CHUNK", 0x100}, /* raw chunk: type= */
                                {NULL, 0}};

const cf_sym cf_value_syms[] = {
    /* error causes, RFC 9260 §3.3.10 */
    {"INVALID_STREAM", 1},
    {"MISSING_PARAM", 2},
    {"STALE_COOKIE", 3},
    {"OUT_OF_RESOURCE", 4},
    {"UNRESOLVABLE_ADDR", 5},
    {"UNRECOGNIZED_CHUNK", 6},
    {"INVALID_PARAM", 7},
    {"UNRECOGNIZED_PARAMS", 8},
    {"NO_USER_DATA", 9},
    {"COOKIE_IN_SHUTDOWN", 10},
    {"RESTART_NEW_ADDR", 11},
    {"USER_ABORT", 12},
    {"PROTOCOL_VIOLATION", 13},
    /* parameter types */
    {"P_HB_INFO", 1},
    {"P_IPV4", 5},
    {"P_IPV6", 6},
    {"P_COOKIE", 7},
    {"P_UNRECOGNIZED", 8},
    {"P_COOKIE_PRES", 9},
    {"P_HOSTNAME", 11},
    {"P_ADDR_TYPES", 12},
    {"P_ECN", 0x8000},
    {"P_ZERO_CSUM", 0x8001},
    {"P_SUPPORTED_EXT", 0x8008},
    {"P_FWD_TSN", 0xc000},
    {"P_ADAPTATION", 0xc006},
    /* close reasons (csctp_close_reason) */
    {"R_SHUTDOWN", CSCTP_CLOSE_SHUTDOWN},
    {"R_PEER_ABORT", CSCTP_CLOSE_PEER_ABORT},
    {"R_LOCAL_ABORT", CSCTP_CLOSE_LOCAL_ABORT},
    {"R_TIMEOUT", CSCTP_CLOSE_TIMEOUT},
    {"R_INIT_FAILED", CSCTP_CLOSE_INIT_FAILED},
    {"R_PROTOCOL_ERROR", CSCTP_CLOSE_PROTOCOL_ERROR},
    {NULL, 0}};

static const cf_sym state_syms[] = {{"CLOSED", CSCTP_STATE_CLOSED},
                                    {"COOKIE_WAIT", CSCTP_STATE_COOKIE_WAIT},
                                    {"COOKIE_ECHOED", CSCTP_STATE_COOKIE_ECHOED},
                                    {"ESTABLISHED", CSCTP_STATE_ESTABLISHED},
                                    {"SHUTDOWN_PENDING", CSCTP_STATE_SHUTDOWN_PENDING},
                                    {"SHUTDOWN_SENT", CSCTP_STATE_SHUTDOWN_SENT},
                                    {"SHUTDOWN_RECEIVED", CSCTP_STATE_SHUTDOWN_RECEIVED},
                                    {"SHUTDOWN_ACK_SENT", CSCTP_STATE_SHUTDOWN_ACK_SENT},
                                    {NULL, 0}};

static const cf_sym event_syms[] = {{"CONNECTED", CSCTP_EVENT_CONNECTED},
                                    {"RESTARTED", CSCTP_EVENT_RESTARTED},
                                    {"MESSAGE", CSCTP_EVENT_MESSAGE},
                                    {"SHUTDOWN", CSCTP_EVENT_SHUTDOWN},
                                    {"CLOSED", CSCTP_EVENT_CLOSED},
                                    {"SEND_BUFFER_LOW", CSCTP_EVENT_SEND_BUFFER_LOW},
                                    {"PEER_ERROR", CSCTP_EVENT_PEER_ERROR},
                                    {"STREAMS_RESET", CSCTP_EVENT_STREAMS_RESET},
                                    {NULL, 0}};

int cf_sym_find(const cf_sym *t, const char *name, uint32_t *v) {
  for (; t->name; t++)
    if (!strcmp(t->name, name)) {
      *v = t->v;
      return 1;
    }
  return 0;
}

int cf_state_sym(const char *name, uint32_t *v);
int cf_state_sym(const char *name, uint32_t *v) { return cf_sym_find(state_syms, name, v); }
int cf_event_sym(const char *name, uint32_t *v);
int cf_event_sym(const char *name, uint32_t *v) { return cf_sym_find(event_syms, name, v); }

void cf_fail(cf_run *r, const char *fmt, ...) {
  if (r->failed) return; /* the first failure is the one that matters */
  r->failed = 1;
  int n = 0;
  if (r->cur)
    n = snprintf(r->msg, r->msgcap, "%s:%d: %s\n    ", r->file, r->cur->line, r->cur->text);
  if (n < 0 || (size_t)n >= r->msgcap) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->msg + n, r->msgcap - (size_t)n, fmt, ap);
  va_end(ap);
}

/* ---- variables ---- */

static int valid_name(const char *s, size_t n) {
  if (!n || n >= sizeof(((cf_var *)0)->name)) return 0;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)s[i]) && s[i] != '_') return 0;
  return 1;
}

cf_var *cf_var_get(cf_run *r, const char *name) {
  for (int i = 0; i < r->nvars; i++)
    if (!strcmp(r->vars[i].name, name)) return &r->vars[i];
  return NULL;
}

static cf_var *var_slot(cf_run *r, const char *name) {
  cf_var *v = cf_var_get(r, name);
  if (v) return v;
  if (r->nvars == CF_MAX_VARS || !valid_name(name, strlen(name))) {
    cf_fail(r, "cannot create variable '%s' (bad name or more than %d variables)", name,
            CF_MAX_VARS);
    return NULL;
  }
  v = &r->vars[r->nvars++];
  memset(v, 0, sizeof(*v));
  snprintf(v->name, sizeof(v->name), "%s", name);
  return v;
}

cf_var *cf_var_set_u32(cf_run *r, const char *name, uint32_t val) {
  cf_var *v = var_slot(r, name);
  if (!v) return NULL;
  v->is_bytes = 0;
  v->v = val;
  return v;
}

cf_var *cf_var_set_bytes(cf_run *r, const char *name, const uint8_t *p, size_t n) {
  cf_var *v = var_slot(r, name);
  if (!v) return NULL;
  if (n > CF_VAR_BYTES) {
    cf_fail(r, "variable %s: %zu bytes, more than the %d a variable holds", name, n, CF_VAR_BYTES);
    return NULL;
  }
  if (!v->b && !(v->b = malloc(CF_VAR_BYTES))) {
    cf_fail(r, "out of memory");
    return NULL;
  }
  v->is_bytes = 1;
  if (n) memcpy(v->b, p, n);
  v->blen = n;
  return v;
}

/* ---- values ---- */

static int parse_num(const char *s, uint32_t *out) {
  if (!isdigit((unsigned char)s[0])) return 0;
  char *end;
  unsigned long long v = strtoull(s, &end, 0);
  if (*end || v > 0xffffffffull) return 0;
  *out = (uint32_t)v;
  return 1;
}

int cf_eval_u32(cf_run *r, const char *key, const char *s, uint32_t *out) {
  if (s[0] == '$') {
    size_t n = strcspn(s + 1, "+-");
    char name[32];
    if (!valid_name(s + 1, n)) {
      cf_fail(r, "%s: bad variable reference '%s'", key, s);
      return -1;
    }
    memcpy(name, s + 1, n);
    name[n] = 0;
    cf_var *v = cf_var_get(r, name);
    if (!v) {
      cf_fail(r, "%s: variable $%s is not set (captured by an earlier expect with ?%s?)", key, name,
              name);
      return -1;
    }
    if (v->is_bytes) {
      cf_fail(r, "%s: variable $%s holds bytes, not a number", key, name);
      return -1;
    }
    uint32_t d = 0;
    if (s[1 + n] && !parse_num(s + 2 + n, &d)) {
      cf_fail(r, "%s: bad offset in '%s'", key, s);
      return -1;
    }
    *out = s[1 + n] == '-' ? v->v - d : v->v + d; /* serial arithmetic wraps, as TSNs do */
    return 0;
  }
  if (parse_num(s, out) || cf_sym_find(cf_value_syms, s, out) || cf_sym_find(cf_chunk_syms, s, out))
    return 0;
  cf_fail(r, "%s: '%s' is not a number, a known name or a $variable", key, s);
  return -1;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = (char)tolower((unsigned char)c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int cf_eval_bytes(cf_run *r, const char *key, const char *s, const uint8_t **p, size_t *n,
                  uint8_t *tmp, size_t tmpcap) {
  if (s[0] == '$') {
    cf_var *v = cf_var_get(r, s + 1);
    if (!v || !v->is_bytes) {
      cf_fail(r, "%s: '%s' is not a captured byte string", key, s);
      return -1;
    }
    *p = v->b;
    *n = v->blen;
    return 0;
  }
  if (!strncmp(s, "hex:", 4)) {
    size_t len = strlen(s + 4);
    if (len % 2 || len / 2 > tmpcap) {
      cf_fail(r, "%s: bad hex string", key);
      return -1;
    }
    for (size_t i = 0; i < len / 2; i++) {
      int hi = hexval(s[4 + 2 * i]), lo = hexval(s[5 + 2 * i]);
      if (hi < 0 || lo < 0) {
        cf_fail(r, "%s: bad hex digit in '%s'", key, s);
        return -1;
      }
      tmp[i] = (uint8_t)(hi << 4 | lo);
    }
    *p = tmp;
    *n = len / 2;
    return 0;
  }
  cf_fail(r, "%s: '%s' is not bytes ($VAR or hex:...)", key, s);
  return -1;
}

static int cmp_ok(const char *op, uint32_t got, uint32_t want) {
  if (!strcmp(op, "=")) return got == want;
  if (!strcmp(op, "!=")) return got != want;
  if (!strcmp(op, ">=")) return got >= want;
  return got <= want;
}

int cf_match_u32(cf_run *r, const cf_tok *t, uint32_t got, char *why, size_t cap) {
  if (!strcmp(t->val, "*")) return 0;
  if (t->val[0] == '?') {
    cf_var_set_u32(r, t->val + 1, got);
    return r->failed ? -1 : 0;
  }
  uint32_t want;
  if (cf_eval_u32(r, t->key, t->val, &want) < 0) return -1;
  if (cmp_ok(t->op, got, want)) return 0;
  snprintf(why, cap, "%s: wanted %s %u (0x%x), got %u (0x%x)", t->key, t->op, want, want, got, got);
  return -1;
}

int cf_match_bytes(cf_run *r, const cf_tok *t, const uint8_t *p, size_t n, char *why, size_t cap) {
  if (!strcmp(t->val, "*")) return 0;
  if (t->val[0] == '?') {
    cf_var_set_bytes(r, t->val + 1, p, n);
    return r->failed ? -1 : 0;
  }
  const uint8_t *w;
  size_t wn;
  uint8_t tmp[256];
  if (cf_eval_bytes(r, t->key, t->val, &w, &wn, tmp, sizeof(tmp)) < 0) return -1;
  int eq = wn == n && (!n || !memcmp(w, p, n));
  if (eq == !strcmp(t->op, "=")) return 0;
  snprintf(why, cap, "%s: wanted %s %s (%zu bytes), got %zu bytes %s", t->key, t->op, t->val, wn, n,
           eq ? "equal" : "different");
  return -1;
}

int cf_parse_duration(const char *s, csctp_tstamp *out) {
  char *end;
  if (!isdigit((unsigned char)s[0])) return -1;
  unsigned long long v = strtoull(s, &end, 10);
  csctp_tstamp unit;
  if (!*end || !strcmp(end, "ms"))
    unit = CSCTP_MILLISECONDS;
  else if (!strcmp(end, "s"))
    unit = CSCTP_SECONDS;
  else if (!strcmp(end, "us"))
    unit = 1;
  else
    return -1;
  if (v > 100000000ull) return -1; /* over a day: a typo */
  *out = (csctp_tstamp)v * unit;
  return 0;
}

int cf_parse_addr(const cf_run *r, const char *s, csctp_addr *out) {
  memset(out, 0, sizeof(*out));
  if (s[0] < 'A' || s[0] > 'Z' || (s[1] && s[1] != ':')) return -1;
  uint32_t port = 9899; /* RFC 6951 default encapsulation port */
  if (s[1] == ':' && (!parse_num(s + 2, &port) || port > 0xffff)) return -1;
  out->data[0] = 10;
  out->data[3] = (uint8_t)(s[0] - 'A' + 1);
  out->len = 4;
  if (r->udp || s[1] == ':') {
    cf_put16(out->data + 4, (uint16_t)port);
    out->len = 6;
  }
  return 0;
}

const cf_tok *cf_find(const cf_step *s, int from, int to, const char *key) {
  for (int i = from; i < to && i < s->ntok; i++)
    if (!strcmp(s->tok[i].key, key) && s->tok[i].op[0]) return &s->tok[i];
  return NULL;
}

/* ---- load-time checks ---- */

static int in_list(const char *const *l, const char *k) {
  for (; l && *l; l++)
    if (!strcmp(*l, k)) return 1;
  return 0;
}

static int value_syntax_ok(const char *v) {
  if (!v[0]) return 0;
  if (v[0] == '?' || v[0] == '$') return valid_name(v + 1, strcspn(v + 1, "+-"));
  return 1; /* numbers, names and hex are checked when evaluated */
}

/* send/expect: packet keys first, then chunk words each followed by their keys. */
static int check_packet(const cf_step *s, int expect, char *why, size_t cap) {
  uint32_t type = 0x200; /* none yet */
  int nchunks = 0;
  for (int i = 1; i < s->ntok; i++) {
    const cf_tok *t = &s->tok[i];
    uint32_t ct;
    if (!t->op[0]) {
      if (cf_is_chunk_word(t->key, &ct)) {
        type = ct;
        nchunks++;
        continue;
      }
      if (expect && !strcmp(t->key, "...")) continue;
      snprintf(why, cap, "'%s' is not a chunk name (DATA, INIT, ..., CHUNK type=N)", t->key);
      return -1;
    }
    if (!value_syntax_ok(t->val)) {
      snprintf(why, cap, "%s: bad value '%s'", t->key, t->val);
      return -1;
    }
    if (expect && !strcmp(t->key, "within")) continue; /* anywhere on the line */
    if (t->val[0] == '?' && (!expect || strcmp(t->op, "="))) {
      snprintf(why, cap, "%s: captures (?NAME) only in expect, with '='", t->key);
      return -1;
    }
    const char *const *keys = type == 0x200 ? (expect ? cf_expect_pkt_keys : cf_send_pkt_keys)
                                            : cf_chunk_keys(type, expect);
    if (!in_list(keys, t->key)) {
      snprintf(why, cap, "'%s' is not a field of %s in %s", t->key,
               type == 0x200 ? "the packet" : cf_chunk_name((uint8_t)type),
               expect ? "expect" : "send");
      return -1;
    }
    if (strcmp(t->op, "=") && (!expect || !strcmp(t->key, "within") || !strcmp(t->key, "to"))) {
      snprintf(why, cap, "%s: only '=' here", t->key);
      return -1;
    }
  }
  if (!nchunks && !expect) {
    snprintf(why, cap, "send needs at least one chunk");
    return -1;
  }
  if (!nchunks && expect) {
    snprintf(why, cap, "expect needs at least one chunk (or use silence)");
    return -1;
  }
  return 0;
}

static int check_keys(const cf_step *s, int from, const char *const *keys, char *why, size_t cap) {
  for (int i = from; i < s->ntok; i++) {
    const cf_tok *t = &s->tok[i];
    if (!t->op[0] || !in_list(keys, t->key) || !value_syntax_ok(t->val)) {
      snprintf(why, cap, "'%s%s%s' is not allowed here", t->key, t->op, t->val);
      return -1;
    }
  }
  return 0;
}

static const char *const app_send_keys[] = {"sid", "ppid", "size", "u", "count",
                                            "ttl", "rtx",  "rc",   NULL};
static const char *const app_connect_keys[] = {"to", "port", "rc", NULL};
static const char *const app_rc_keys[] = {"rc", NULL};
static const char *const event_keys[] = {"in",   "out",    "sid",   "ppid", "u",
                                         "size", "reason", "cause", NULL};
static const char *const establish_keys[] = {"tag", "tsn", "os", "mis", "arwnd", "from", NULL};

int cf_check_step(const cf_step *s, char *why, size_t cap) {
  const char *c = s->tok[0].key;
  csctp_tstamp d;
  uint32_t v;
  if (s->tok[0].op[0]) {
    snprintf(why, cap, "a line starts with a command, not '%s%s'", c, s->tok[0].op);
    return -1;
  }
  if (!strcmp(c, "send")) return check_packet(s, 0, why, cap);
  if (!strcmp(c, "expect")) return check_packet(s, 1, why, cap);
  if (!strcmp(c, "silence") || !strcmp(c, "wait")) {
    if (s->ntok != 2 || s->tok[1].op[0] || cf_parse_duration(s->tok[1].key, &d) < 0) {
      snprintf(why, cap, "%s takes one duration (e.g. 500ms, 3s)", c);
      return -1;
    }
    return 0;
  }
  if (!strcmp(c, "drain") || !strcmp(c, "udp")) {
    if (s->ntok != 1) {
      snprintf(why, cap, "%s takes no argument", c);
      return -1;
    }
    return 0;
  }
  if (!strcmp(c, "target")) {
    if (s->ntok != 2 || (strcmp(s->tok[1].key, "assoc") && strcmp(s->tok[1].key, "endpoint"))) {
      snprintf(why, cap, "target assoc|endpoint");
      return -1;
    }
    return 0;
  }
  if (!strcmp(c, "listen")) {
    if (s->ntok != 2 || (strcmp(s->tok[1].key, "on") && strcmp(s->tok[1].key, "off"))) {
      snprintf(why, cap, "listen on|off");
      return -1;
    }
    return 0;
  }
  if (!strcmp(c, "config")) {
    for (int i = 1; i < s->ntok; i++)
      if (strcmp(s->tok[i].op, "=") || cf_config_key(s->tok[i].key) < 0) {
        snprintf(why, cap, "config: unknown setting '%s'", s->tok[i].key);
        return -1;
      }
    return s->ntok > 1 ? 0 : (snprintf(why, cap, "config needs key=value"), -1);
  }
  if (!strcmp(c, "app")) {
    if (s->ntok < 2 || s->tok[1].op[0]) {
      snprintf(why, cap, "app connect|send|shutdown|abort|remove");
      return -1;
    }
    const char *verb = s->tok[1].key;
    if (!strcmp(verb, "send")) return check_keys(s, 2, app_send_keys, why, cap);
    if (!strcmp(verb, "connect")) return check_keys(s, 2, app_connect_keys, why, cap);
    if (!strcmp(verb, "shutdown") || !strcmp(verb, "abort") || !strcmp(verb, "remove"))
      return check_keys(s, 2, app_rc_keys, why, cap);
    snprintf(why, cap, "app: unknown verb '%s'", verb);
    return -1;
  }
  if (!strcmp(c, "event") || !strcmp(c, "no-event")) {
    if (s->ntok < 2 && !strcmp(c, "event")) {
      snprintf(why, cap, "event TYPE [fields]");
      return -1;
    }
    if (s->ntok >= 2 && (s->tok[1].op[0] || !cf_event_sym(s->tok[1].key, &v))) {
      snprintf(why, cap, "unknown event '%s'", s->tok[1].key);
      return -1;
    }
    return check_keys(s, 2, event_keys, why, cap);
  }
  if (!strcmp(c, "state")) {
    if (s->ntok != 2 || !cf_state_sym(s->tok[1].key, &v)) {
      snprintf(why, cap, "state NAME (CLOSED, COOKIE_WAIT, ..., SHUTDOWN_ACK_SENT)");
      return -1;
    }
    return 0;
  }
  if (!strcmp(c, "assocs")) {
    if (s->ntok != 2 || !parse_num(s->tok[1].key, &v)) {
      snprintf(why, cap, "assocs N");
      return -1;
    }
    return 0;
  }
  if (!strcmp(c, "stat") || !strcmp(c, "epstat") || !strcmp(c, "set") || !strcmp(c, "check")) {
    if (s->ntok < 2) {
      snprintf(why, cap, "%s needs NAME OP VALUE", c);
      return -1;
    }
    for (int i = 1; i < s->ntok; i++)
      if (!s->tok[i].op[0] || !value_syntax_ok(s->tok[i].val) ||
          (!strcmp(c, "set") && strcmp(s->tok[i].op, "="))) {
        snprintf(why, cap, "%s: '%s' is not NAME OP VALUE", c, s->tok[i].key);
        return -1;
      }
    return 0;
  }
  if (!strcmp(c, "establish")) {
    int from = 1;
    if (s->ntok > 1 && !s->tok[1].op[0]) {
      if (strcmp(s->tok[1].key, "active") && strcmp(s->tok[1].key, "passive")) {
        snprintf(why, cap, "establish [active|passive] [tag= tsn= os= mis= arwnd= from=]");
        return -1;
      }
      from = 2;
    }
    return check_keys(s, from, establish_keys, why, cap);
  }
  snprintf(why, cap, "unknown command '%s'", c);
  return -1;
}
