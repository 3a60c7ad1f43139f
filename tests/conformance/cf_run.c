/* SPDX-License-Identifier: MIT */
/*
 * The system under test (an association or an endpoint), the virtual clock,
 * the queue of packets it wrote and events it reported, and the steps that
 * are not `send` / `expect` matching.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_lang.h"

int cf_state_sym(const char *name, uint32_t *v);
int cf_event_sym(const char *name, uint32_t *v);
int cf_tokenize(cf_step *s, const char *line, int lineno);
void cf_step_free(cf_step *s);

/* ---- configuration ---- */

#define CFG(f) \
  { #f, offsetof(csctp_config, f), sizeof(((csctp_config *)0)->f) }
static const struct {
  const char *name;
  size_t off, size;
} cfg_keys[] = {
    CFG(local_port),
    CFG(remote_port),
    CFG(outbound_streams),
    CFG(max_inbound_streams),
    CFG(rwnd),
    CFG(sndbuf),
    CFG(max_message_size),
    CFG(mtu),
    CFG(rto_initial),
    CFG(rto_min),
    CFG(rto_max),
    CFG(sack_timeout),
    CFG(sack_freq),
    CFG(max_burst),
    CFG(association_max_retrans),
    CFG(max_init_retransmits),
    CFG(valid_cookie_life),
    CFG(hb_interval),
    CFG(no_bundle),
};
#define NCFG (sizeof(cfg_keys) / sizeof(cfg_keys[0]))

int cf_config_key(const char *key) {
  for (size_t i = 0; i < NCFG; i++)
    if (!strcmp(cfg_keys[i].name, key)) return (int)i;
  return -1;
}

static void config_set(cf_run *r, int k, uint32_t v) {
  uint8_t *p = (uint8_t *)&r->cfg + cfg_keys[k].off;
  if (cfg_keys[k].size == 2) {
    uint16_t x = (uint16_t)v;
    memcpy(p, &x, 2);
  } else if (cfg_keys[k].size == 4) {
    memcpy(p, &v, 4);
  } else {
    int x = (int)v;
    memcpy(p, &x, sizeof(x));
  }
}

/* ---- statistics ---- */

#define ST(f) \
  { #f, offsetof(csctp_stats, f), sizeof(((csctp_stats *)0)->f) }
static const struct {
  const char *name;
  size_t off, size;
} stat_keys[] = {
    ST(packets_in),
    ST(packets_out),
    ST(data_chunks_in),
    ST(data_chunks_out),
    ST(messages_in),
    ST(duplicate_tsns),
    ST(retransmissions),
    ST(fast_retransmits),
    ST(t3_expiries),
    ST(sacks_in),
    ST(sacks_out),
    ST(heartbeats_out),
    ST(drop_bad_crc),
    ST(drop_bad_vtag),
    ST(drop_malformed),
    ST(drop_bad_port),
    ST(drop_out_of_window),
    ST(drop_rx_budget),
    ST(drop_unexpected),
    ST(errors_sent),
    ST(aborts_sent),
    ST(rto_ms),
    ST(cwnd),
    ST(ssthresh),
    ST(peer_rwnd),
    ST(local_rwnd),
    ST(bytes_outstanding),
};
#define EST(f) \
  { #f, offsetof(csctp_endpoint_stats, f), 8 }
static const struct {
  const char *name;
  size_t off, size;
} epstat_keys[] = {
    EST(packets_in),   EST(stateless_out), EST(assocs_created),  EST(drop_malformed),
    EST(drop_bad_crc), EST(drop_bad_port), EST(drop_bad_cookie), EST(drop_refused),
};

static uint32_t field_u32(const void *base, size_t off, size_t size) {
  const uint8_t *p = (const uint8_t *)base + off;
  if (size == 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    return (uint32_t)v;
  }
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* ---- the system under test ---- */

int cf_start(cf_run *r) {
  if (r->started) return r->failed ? -1 : 0;
  r->started = 1;
  r->cfg.rand = csctp_prng_rand_fn;
  r->cfg.rand_user_data = &r->rng;
  int rc;
  if (r->use_endpoint) {
    rc = csctp_endpoint_new(&r->ep, &r->cfg);
    if (!rc && r->udp) rc = csctp_endpoint_set_addr_port_len(r->ep, 2);
    if (!rc) csctp_endpoint_listen(r->ep, r->listen);
  } else {
    rc = csctp_assoc_new(&r->a, &r->cfg);
  }
  if (rc)
    cf_fail(r, "creating the %s failed: %s", r->use_endpoint ? "endpoint" : "association",
            csctp_strerror(rc));
  return rc ? -1 : 0;
}

void cf_run_free(cf_run *r) {
  if (r->ep)
    csctp_endpoint_del(r->ep);
  else
    csctp_assoc_del(r->a);
  r->ep = NULL;
  r->a = NULL;
  for (int i = 0; i < r->qn; i++) free(r->q[(r->qhead + i) % CF_MAX_QUEUE].b);
  r->qn = 0;
  for (int i = 0; i < r->nvars; i++) free(r->vars[i].b);
  r->nvars = 0;
}

static void drain_events(cf_run *r) {
  csctp_event ev;
  csctp_assoc *pa = NULL;
  for (int guard = 0; guard < 10000; guard++) {
    int got = r->ep ? csctp_endpoint_poll_event(r->ep, &pa, &ev)
                    : (r->a ? csctp_assoc_poll_event(r->a, &ev) : 0);
    if (got != 1) return;
    if (r->nev == CF_MAX_EVENTS) {
      cf_fail(r, "more than %d events not taken by an `event` step", CF_MAX_EVENTS);
      return;
    }
    cf_ev *e = &r->ev[r->nev++];
    memset(e, 0, sizeof(*e));
    e->type = ev.type;
    switch (ev.type) {
    case CSCTP_EVENT_CONNECTED:
    case CSCTP_EVENT_RESTARTED:
      e->a = ev.u.connected.inbound_streams;
      e->b = ev.u.connected.outbound_streams;
      break;
    case CSCTP_EVENT_MESSAGE:
      e->a = ev.u.message.stream;
      e->b = ev.u.message.ppid;
      e->c = (uint32_t)ev.u.message.unordered;
      e->d = (uint32_t)ev.u.message.len;
      break;
    case CSCTP_EVENT_CLOSED:
      e->a = ev.u.closed.reason;
      e->b = ev.u.closed.cause;
      break;
    case CSCTP_EVENT_PEER_ERROR: e->b = ev.u.peer_error.cause; break;
    default: break;
    }
  }
}

void cf_pull(cf_run *r) {
  static uint8_t buf[CF_PKT_MAX];
  for (int guard = 0; guard < 10000 && !r->failed; guard++) {
    csctp_addr to;
    memset(&to, 0, sizeof(to));
    csctp_ssize n = r->ep ? csctp_endpoint_write_packet(r->ep, buf, sizeof(buf), r->now, &to, NULL)
                          : (r->a ? csctp_assoc_write_packet(r->a, buf, sizeof(buf), r->now) : 0);
    if (n < 0) {
      cf_fail(r, "write_packet failed: %s", csctp_strerror((int)n));
      return;
    }
    if (n == 0) break;
    if (r->qn == CF_MAX_QUEUE) {
      cf_fail(r, "more than %d packets written and not expected (a runaway?)", CF_MAX_QUEUE);
      return;
    }
    cf_qpkt *q = &r->q[(r->qhead + r->qn) % CF_MAX_QUEUE];
    q->b = malloc((size_t)n);
    if (!q->b) {
      cf_fail(r, "out of memory");
      return;
    }
    memcpy(q->b, buf, (size_t)n);
    q->len = (size_t)n;
    q->to = to;
    q->at = r->now;
    r->qn++;
  }
  drain_events(r);
}

void cf_inject(cf_run *r, const csctp_addr *from, const uint8_t *p, size_t len) {
  if (cf_start(r) < 0) return;
  int rc;
  if (r->ep) {
    csctp_assoc *pa = NULL;
    size_t before = csctp_endpoint_count(r->ep);
    rc = csctp_endpoint_read_packet(r->ep, from, p, len, r->now, &pa);
    if (pa && (!r->a || csctp_endpoint_count(r->ep) > before)) r->a = pa;
  } else {
    rc = csctp_assoc_read_packet(r->a, p, len, r->now);
  }
  if (rc) cf_fail(r, "read_packet returned %s", csctp_strerror(rc));
  cf_pull(r);
}

static void describe_q(const cf_qpkt *q, char *out, size_t cap) {
  static cf_pkt p;
  cf_decode(q->b, q->len, &p);
  cf_describe(&p, out, cap);
}

static void pop(cf_run *r) {
  free(r->q[r->qhead].b);
  r->q[r->qhead].b = NULL;
  r->qhead = (r->qhead + 1) % CF_MAX_QUEUE;
  r->qn--;
}

enum { ADV_WAIT, ADV_SILENCE, ADV_UNTIL_PACKET };

/* Advances the virtual clock by `dur`, firing every timer at its own deadline. */
static void advance(cf_run *r, csctp_tstamp dur, int mode) {
  csctp_tstamp start = r->now, target = r->now + dur;
  for (int guard = 0; !r->failed; guard++) {
    if (mode == ADV_UNTIL_PACKET && r->qn) return;
    if (guard > 200000) {
      cf_fail(r, "timers fire without the clock moving (at +%llu ms)",
              (unsigned long long)((r->now - r->t0) / CSCTP_MILLISECONDS));
      return;
    }
    csctp_tstamp e = r->ep ? csctp_endpoint_expiry(r->ep)
                           : (r->a ? csctp_assoc_expiry(r->a) : CSCTP_TSTAMP_NONE);
    if (e == CSCTP_TSTAMP_NONE || e > target) break;
    if (e > r->now) r->now = e;
    int rc = r->ep ? csctp_endpoint_handle_expiry(r->ep, r->now)
                   : csctp_assoc_handle_expiry(r->a, r->now);
    if (rc) cf_fail(r, "handle_expiry returned %s", csctp_strerror(rc));
    cf_pull(r);
    if (mode == ADV_SILENCE && r->qn) {
      char d[512];
      describe_q(&r->q[r->qhead], d, sizeof(d));
      cf_fail(r, "expected silence for %llu ms, but after %llu ms came: %s",
              (unsigned long long)(dur / CSCTP_MILLISECONDS),
              (unsigned long long)((r->now - start) / CSCTP_MILLISECONDS), d);
      return;
    }
  }
  if (!(mode == ADV_UNTIL_PACKET && r->qn)) r->now = target;
}

static void do_expect(cf_run *r, const cf_step *s) {
  const cf_tok *w = cf_find(s, 1, s->ntok, "within");
  csctp_tstamp within = 0;
  if (w && cf_parse_duration(w->val, &within) < 0) {
    cf_fail(r, "within: bad duration '%s'", w->val);
    return;
  }
  csctp_tstamp t = r->now;
  if (!r->qn && within) advance(r, within, ADV_UNTIL_PACKET);
  if (r->failed) return;
  if (!r->qn) {
    if (within)
      cf_fail(r, "expected a packet within %llu ms, none came",
              (unsigned long long)(within / CSCTP_MILLISECONDS));
    else
      cf_fail(r, "expected a packet, none was written (add within=DURATION for a timer)");
    return;
  }
  cf_qpkt *q = &r->q[r->qhead];
  char why[512] = "", d[1024];
  if (cf_match_packet(r, s, q->b, q->len, &q->to, why, sizeof(why)) < 0 && !r->failed) {
    describe_q(q, d, sizeof(d));
    cf_fail(r, "mismatch: %s\n    got (after %llu ms): %s", why,
            (unsigned long long)((r->now - t) / CSCTP_MILLISECONDS), d);
  }
  if (r->qn) pop(r);
}

/* ---- events ---- */

static int ev_field(const cf_ev *e, const char *k, uint32_t *v) {
  if (!strcmp(k, "in"))
    *v = e->a;
  else if (!strcmp(k, "out"))
    *v = e->b;
  else if (!strcmp(k, "sid"))
    *v = e->a;
  else if (!strcmp(k, "ppid"))
    *v = e->b;
  else if (!strcmp(k, "u"))
    *v = e->c;
  else if (!strcmp(k, "size"))
    *v = e->d;
  else if (!strcmp(k, "reason"))
    *v = e->a;
  else if (!strcmp(k, "cause"))
    *v = e->b;
  else
    return 0;
  return 1;
}

static const char *ev_name(csctp_event_type t) {
  static const char *n[] = {
      "NONE",           "CONNECTED",       "RESTARTED",  "MESSAGE",       "SHUTDOWN",
      "CLOSED",         "SEND_BUFFER_LOW", "PEER_ERROR", "STREAMS_RESET", "INCOMING_RESET_RESULT",
      "STREAMS_CHANGED"};
  return (unsigned)t < sizeof(n) / sizeof(n[0]) ? n[t] : "?";
}

static void list_events(const cf_run *r, char *out, size_t cap) {
  size_t n = 0;
  out[0] = 0;
  for (int i = 0; i < r->nev && n < cap; i++) {
    const cf_ev *e = &r->ev[i];
    int k = snprintf(out + n, cap - n, "%s%s(%u,%u,%u,%u)", i ? " " : "", ev_name(e->type), e->a,
                     e->b, e->c, e->d);
    if (k < 0) break;
    n += (size_t)k;
  }
  if (!r->nev) snprintf(out, cap, "none");
}

static void do_event(cf_run *r, const cf_step *s, int none) {
  uint32_t type = 0;
  if (s->ntok > 1) cf_event_sym(s->tok[1].key, &type);
  char why[256] = "";
  for (int i = 0; i < r->nev; i++) {
    cf_ev *e = &r->ev[i];
    if (s->ntok > 1 && e->type != type) continue;
    int ok = 1;
    for (int k = 2; k < s->ntok && ok; k++) {
      uint32_t v = 0;
      ev_field(e, s->tok[k].key, &v);
      ok = cf_match_u32(r, &s->tok[k], v, why, sizeof(why)) == 0;
    }
    if (r->failed) return;
    if (!ok) continue;
    if (none) {
      cf_fail(r, "expected no such event, got %s(%u,%u,%u,%u)", ev_name(e->type), e->a, e->b, e->c,
              e->d);
      return;
    }
    memmove(e, e + 1, (size_t)(r->nev - i - 1) * sizeof(*e));
    r->nev--;
    return;
  }
  if (none) return;
  char l[512];
  list_events(r, l, sizeof(l));
  if (why[0])
    cf_fail(r, "expected event %s (nearest: %s); pending events: %s", s->tok[1].key, why, l);
  else
    cf_fail(r, "expected event %s; pending events: %s", s->tok[1].key, l);
}

/* ---- the application's calls ---- */

static const cf_sym err_syms[] = {{"OK", 0},
                                  {"INVALID_ARGUMENT", (uint32_t)CSCTP_ERR_INVALID_ARGUMENT},
                                  {"INVALID_STATE", (uint32_t)CSCTP_ERR_INVALID_STATE},
                                  {"STREAM_ID", (uint32_t)CSCTP_ERR_STREAM_ID},
                                  {"MSG_TOO_LARGE", (uint32_t)CSCTP_ERR_MSG_TOO_LARGE},
                                  {"WOULD_BLOCK", (uint32_t)CSCTP_ERR_WOULD_BLOCK},
                                  {"CLOSED", (uint32_t)CSCTP_ERR_CLOSED},
                                  {NULL, 0}};

static uint32_t app_int(cf_run *r, const cf_step *s, const char *k, uint32_t def) {
  const cf_tok *t = cf_find(s, 2, s->ntok, k);
  uint32_t v = def;
  if (t) cf_eval_u32(r, k, t->val, &v);
  return v;
}

static void check_rc(cf_run *r, const cf_step *s, int rc) {
  const cf_tok *t = cf_find(s, 2, s->ntok, "rc");
  uint32_t want = 0;
  if (t && !cf_sym_find(err_syms, t->val, &want)) {
    cf_fail(r, "rc: unknown error name '%s'", t->val);
    return;
  }
  if ((uint32_t)rc != want)
    cf_fail(r, "the call returned %d (%s), wanted %s", rc, rc ? csctp_strerror(rc) : "OK",
            t ? t->val : "OK");
}

static void do_app(cf_run *r, const cf_step *s) {
  const char *verb = s->tok[1].key;
  int rc = 0;
  if (strcmp(verb, "connect") && !r->a) {
    cf_fail(r, "no association to call (none created yet, or removed)");
    return;
  }
  if (!strcmp(verb, "connect")) {
    if (r->ep) {
      csctp_addr to;
      const cf_tok *t = cf_find(s, 2, s->ntok, "to");
      if (cf_parse_addr(r, t ? t->val : "A", &to) < 0) {
        cf_fail(r, "to: not an address");
        return;
      }
      csctp_assoc *pa = NULL;
      rc = csctp_endpoint_connect(r->ep, &to, (uint16_t)app_int(r, s, "port", r->cfg.remote_port),
                                  NULL, r->now, &pa);
      if (!rc) r->a = pa;
    } else {
      rc = csctp_assoc_connect(r->a, r->now);
    }
  } else if (!strcmp(verb, "send")) {
    static uint8_t payload[1 << 18];
    csctp_send_opts o;
    memset(&o, 0, sizeof(o));
    o.stream = (uint16_t)app_int(r, s, "sid", 0);
    o.ppid = app_int(r, s, "ppid", 0);
    o.unordered = (int)app_int(r, s, "u", 0);
    if (cf_find(s, 2, s->ntok, "ttl")) {
      o.pr_policy = CSCTP_PR_TTL;
      o.pr_value = app_int(r, s, "ttl", 0);
    } else if (cf_find(s, 2, s->ntok, "rtx")) {
      o.pr_policy = CSCTP_PR_RTX;
      o.pr_value = app_int(r, s, "rtx", 0);
    }
    uint32_t size = app_int(r, s, "size", 4), count = app_int(r, s, "count", 1);
    if (size > sizeof(payload) || count > 10000) {
      cf_fail(r, "send: size at most %zu, count at most 10000", sizeof(payload));
      return;
    }
    memset(payload, 'm', size);
    for (uint32_t i = 0; i < count && !rc; i++)
      rc = csctp_assoc_send(r->a, &o, payload, size, r->now);
  } else if (!strcmp(verb, "shutdown")) {
    rc = csctp_assoc_shutdown(r->a, r->now);
  } else if (!strcmp(verb, "abort")) {
    rc = csctp_assoc_abort(r->a, "conformance", r->now);
  } else if (!strcmp(verb, "remove")) {
    if (!r->ep) {
      cf_fail(r, "app remove: only with target endpoint");
      return;
    }
    rc = csctp_endpoint_remove(r->ep, r->a);
    r->a = NULL;
  }
  if (r->failed) return;
  check_rc(r, s, rc);
  cf_pull(r);
}

/* ---- establish: a built-in handshake, run as ordinary steps ---- */

static const char *const est_passive[] = {
    "send vtag=0 from=$FROM INIT tag=$PTAG tsn=$PTSN os=$POS mis=$PMIS arwnd=$PRWND",
    "expect vtag=$PTAG INIT_ACK tag=?LTAG tsn=?LTSN os=?LOS mis=?LMIS cookie=?COOKIE",
    "send vtag=$LTAG from=$FROM COOKIE_ECHO cookie=$COOKIE",
    "expect vtag=$PTAG COOKIE_ACK",
    "event CONNECTED",
    NULL};
static const char *const est_active[] = {
    "app connect to=$FROM",
    "expect vtag=0 INIT tag=?LTAG tsn=?LTSN os=?LOS mis=?LMIS",
    "send vtag=$LTAG from=$FROM INIT_ACK tag=$PTAG tsn=$PTSN os=$POS mis=$PMIS arwnd=$PRWND",
    "expect vtag=$PTAG COOKIE_ECHO",
    "send vtag=$LTAG from=$FROM COOKIE_ACK",
    "event CONNECTED",
    NULL};

static void do_establish(cf_run *r, const cf_step *s) {
  static const struct {
    const char *key, *var;
    uint32_t def;
  } m[] = {{"tag", "PTAG", 0x5eed0001},
           {"tsn", "PTSN", 100},
           {"os", "POS", 10},
           {"mis", "PMIS", 10},
           {"arwnd", "PRWND", 65536}};
  int active = s->ntok > 1 && !strcmp(s->tok[1].key, "active");
  for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
    const cf_tok *t = cf_find(s, 1, s->ntok, m[i].key);
    uint32_t v = m[i].def;
    if (t && cf_eval_u32(r, m[i].key, t->val, &v) < 0) return;
    if (t || !cf_var_get(r, m[i].var)) cf_var_set_u32(r, m[i].var, v);
  }
  const cf_tok *f = cf_find(s, 1, s->ntok, "from");
  char from[16];
  snprintf(from, sizeof(from), "%s", f ? f->val : "A");
  const char *const *lines = active ? est_active : est_passive;
  for (int i = 0; lines[i] && !r->failed; i++) {
    char line[CF_LINE_MAX], *o = line;
    /* $FROM is textual (an address, not a number) */
    for (const char *p = lines[i]; *p && o < line + sizeof(line) - 16; p++) {
      if (!strncmp(p, "$FROM", 5)) {
        o += snprintf(o, 16, "%s", from);
        p += 4;
      } else {
        *o++ = *p;
      }
    }
    *o = 0;
    cf_step st;
    if (cf_tokenize(&st, line, s->line) < 0) {
      cf_fail(r, "establish: internal step does not parse: %s", line);
      return;
    }
    const cf_step *saved = r->cur;
    r->cur = &st;
    cf_run_step(r, &st);
    r->cur = saved;
    cf_step_free(&st);
  }
}

/* ---- dispatch ---- */

static void do_stat(cf_run *r, const cf_step *s, int ep) {
  csctp_stats st;
  csctp_endpoint_stats es;
  if (ep && !r->ep) {
    cf_fail(r, "epstat: only with target endpoint");
    return;
  }
  if (!ep && !r->a) {
    cf_fail(r, "stat: no association");
    return;
  }
  if (ep)
    csctp_endpoint_get_stats(r->ep, &es);
  else
    csctp_assoc_get_stats(r->a, &st);
  for (int i = 1; i < s->ntok && !r->failed; i++) {
    const cf_tok *t = &s->tok[i];
    int found = 0;
    uint32_t v = 0;
    if (ep) {
      for (size_t k = 0; k < sizeof(epstat_keys) / sizeof(epstat_keys[0]); k++)
        if (!strcmp(epstat_keys[k].name, t->key)) {
          v = field_u32(&es, epstat_keys[k].off, 8);
          found = 1;
        }
    } else {
      for (size_t k = 0; k < sizeof(stat_keys) / sizeof(stat_keys[0]); k++)
        if (!strcmp(stat_keys[k].name, t->key)) {
          v = field_u32(&st, stat_keys[k].off, stat_keys[k].size);
          found = 1;
        }
    }
    if (!found) {
      cf_fail(r, "unknown counter '%s'", t->key);
      return;
    }
    char why[256];
    if (cf_match_u32(r, t, v, why, sizeof(why)) < 0 && !r->failed) cf_fail(r, "%s", why);
  }
}

void cf_run_step(cf_run *r, const cf_step *s) {
  const char *c = s->tok[0].key;
  r->cur = s;
  if (!strcmp(c, "target") || !strcmp(c, "config") || !strcmp(c, "udp")) {
    if (r->started) {
      cf_fail(r, "%s must come before the first action", c);
      return;
    }
    if (!strcmp(c, "target"))
      r->use_endpoint = !strcmp(s->tok[1].key, "endpoint");
    else if (!strcmp(c, "udp"))
      r->udp = 1;
    else
      for (int i = 1; i < s->ntok; i++) {
        uint32_t v;
        if (cf_eval_u32(r, s->tok[i].key, s->tok[i].val, &v) < 0) return;
        config_set(r, cf_config_key(s->tok[i].key), v);
      }
    return;
  }
  if (!strcmp(c, "listen")) {
    r->listen = !strcmp(s->tok[1].key, "on");
    if (r->ep) csctp_endpoint_listen(r->ep, r->listen);
    return;
  }
  if (!strcmp(c, "set")) {
    for (int i = 1; i < s->ntok; i++) {
      const char *v = s->tok[i].val;
      if (!strncmp(v, "hex:", 4)) {
        uint8_t tmp[CF_VAR_BYTES];
        const uint8_t *p;
        size_t n;
        if (cf_eval_bytes(r, s->tok[i].key, v, &p, &n, tmp, sizeof(tmp)) == 0)
          cf_var_set_bytes(r, s->tok[i].key, p, n);
      } else {
        uint32_t x;
        if (cf_eval_u32(r, s->tok[i].key, v, &x) == 0) cf_var_set_u32(r, s->tok[i].key, x);
      }
    }
    return;
  }
  if (!strcmp(c, "check")) {
    for (int i = 1; i < s->ntok && !r->failed; i++) {
      uint32_t got;
      char ref[40], why[256];
      snprintf(ref, sizeof(ref), "$%s", s->tok[i].key);
      if (cf_eval_u32(r, s->tok[i].key, ref, &got) < 0) return;
      if (cf_match_u32(r, &s->tok[i], got, why, sizeof(why)) < 0 && !r->failed)
        cf_fail(r, "%s", why);
    }
    return;
  }
  if (cf_start(r) < 0) return;
  if (!strcmp(c, "send")) {
    cf_do_send(r, s);
  } else if (!strcmp(c, "expect")) {
    do_expect(r, s);
  } else if (!strcmp(c, "silence") || !strcmp(c, "wait")) {
    csctp_tstamp d = 0;
    cf_parse_duration(s->tok[1].key, &d);
    if (c[0] == 's' && r->qn) {
      char desc[512];
      describe_q(&r->q[r->qhead], desc, sizeof(desc));
      cf_fail(r, "expected silence, but a packet was already written: %s", desc);
      return;
    }
    advance(r, d, c[0] == 's' ? ADV_SILENCE : ADV_WAIT);
  } else if (!strcmp(c, "drain")) {
    while (r->qn) pop(r);
  } else if (!strcmp(c, "app")) {
    do_app(r, s);
  } else if (!strcmp(c, "event")) {
    do_event(r, s, 0);
  } else if (!strcmp(c, "no-event")) {
    do_event(r, s, 1);
  } else if (!strcmp(c, "state")) {
    uint32_t want = 0;
    cf_state_sym(s->tok[1].key, &want);
    csctp_assoc_state st = r->a ? csctp_assoc_get_state(r->a) : CSCTP_STATE_CLOSED;
    if ((uint32_t)st != want)
      cf_fail(r, "state: wanted %s, is %s", s->tok[1].key, csctp_assoc_state_name(st));
  } else if (!strcmp(c, "assocs")) {
    uint32_t want = (uint32_t)strtoul(s->tok[1].key, NULL, 0);
    if (!r->ep)
      cf_fail(r, "assocs: only with target endpoint");
    else if (csctp_endpoint_count(r->ep) != want)
      cf_fail(r, "assocs: wanted %u associations, the endpoint holds %zu", want,
              csctp_endpoint_count(r->ep));
  } else if (!strcmp(c, "stat") || !strcmp(c, "epstat")) {
    do_stat(r, s, c[0] == 'e');
  } else if (!strcmp(c, "establish")) {
    do_establish(r, s);
  } else {
    cf_fail(r, "unknown command '%s'", c);
  }
}
