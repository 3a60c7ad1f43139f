/* SPDX-License-Identifier: MIT */
#include "dc_pair.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static dc_rec *dc_side_rec(dc_side *s) {
  if (s->nrec == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 64;
    s->recs = realloc(s->recs, s->cap * sizeof(*s->recs));
    cr_assert(s->recs);
  }
  dc_rec *r = &s->recs[s->nrec++];
  memset(r, 0, sizeof(*r));
  return r;
}

static void dc_copy(char *dst, size_t cap, const char *src, size_t len) {
  if (!src) len = 0;
  if (len >= cap) len = cap - 1;
  if (len) memcpy(dst, src, len);
  dst[len] = 0;
}

static csctp_ssize ops_write(void *ep, uint8_t *buf, size_t cap, csctp_tstamp now) {
  return csctp_assoc_write_packet(((dc_side *)ep)->a, buf, cap, now);
}
static int ops_read(void *ep, const uint8_t *pkt, size_t len, csctp_tstamp now) {
  return csctp_assoc_read_packet(((dc_side *)ep)->a, pkt, len, now);
}
static csctp_tstamp ops_expiry(const void *ep) {
  return csctp_assoc_timer_expiry(((const dc_side *)ep)->a); /* the link drains output itself */
}
static int ops_handle_expiry(void *ep, csctp_tstamp now) {
  return csctp_assoc_handle_expiry(((dc_side *)ep)->a, now);
}

/* Drains the layer's (or the bare association's) events; 1 when any was handled. */
static int ops_poll(void *ep, csctp_event *out) {
  dc_side *s = ep;
  dc_pair *p = s->pair;
  int any = 0;
  memset(out, 0, sizeof(*out));
  if (!s->dc) {
    csctp_event ev;
    while (csctp_assoc_poll_event(s->a, &ev) == 1) {
      any = 1;
      if (s->record) {
        dc_rec *r = dc_side_rec(s);
        r->raw = ev;
        if (ev.type == CSCTP_EVENT_MESSAGE) {
          size_t n = ev.u.message.len < sizeof(r->data) ? ev.u.message.len : sizeof(r->data);
          memcpy(r->data, ev.u.message.data, n);
          r->raw.u.message.data = NULL;
        }
        if (ev.type == CSCTP_EVENT_STREAMS_RESET) r->raw.u.streams_reset.streams = NULL;
      }
      if (p->raw_hook) p->raw_hook(p, &ev);
    }
    return any;
  }
  csctp_dc_event ev;
  int rv;
  while ((rv = csctp_dc_poll_event(s->dc, &ev, csctp_simlink_now(p->link))) == 1) {
    any = 1;
    if (s->record) {
      dc_rec *r = dc_side_rec(s);
      r->ev = ev;
      if (ev.type == CSCTP_DC_EVENT_OPEN) {
        dc_copy(r->label, sizeof(r->label), ev.u.open.label, ev.u.open.label_len);
        dc_copy(r->protocol, sizeof(r->protocol), ev.u.open.protocol, ev.u.open.protocol_len);
        r->ev.u.open.label = r->ev.u.open.protocol = NULL;
      } else if (ev.type == CSCTP_DC_EVENT_MESSAGE) {
        size_t n = ev.u.message.len < sizeof(r->data) ? ev.u.message.len : sizeof(r->data);
        if (n) memcpy(r->data, ev.u.message.data, n);
        r->ev.u.message.data = NULL;
      }
    }
    if (p->hook) p->hook(p, s->idx, &ev);
  }
  cr_assert_geq(rv, 0, "csctp_dc_poll_event: %s", csctp_strerror(rv));
  return any;
}

static const csctp_simlink_ops dc_ops = {
    ops_write, ops_read, ops_expiry, ops_handle_expiry, ops_poll, NULL, NULL, NULL, NULL};

void dc_pair_new(dc_pair *p, const csctp_simlink_config *lcfg, void (*tweak)(csctp_config *),
                 int bare_b, const csctp_mem *mem) {
  memset(p, 0, sizeof(*p));
  csctp_simlink_config def;
  if (!lcfg) {
    csctp_simlink_config_default(&def);
    lcfg = &def;
  }
  p->link = csctp_simlink_new(lcfg);
  cr_assert(p->link);
  for (int i = 0; i < 2; i++) {
    dc_side *s = &p->s[i];
    s->pair = p;
    s->idx = i;
    s->record = 1;
    csctp_prng_seed(&s->rng, lcfg->seed * 2 + (uint64_t)i + 1);
    csctp_config cfg;
    csctp_config_default(&cfg);
    cfg.rand = csctp_prng_rand_fn;
    cfg.rand_user_data = &s->rng;
    cfg.rto_initial = 300;
    cfg.rto_min = 100;
    cfg.rto_max = 2000;
    cfg.mem = mem;
    if (tweak) tweak(&cfg);
    cr_assert_eq(csctp_assoc_new(&s->a, &cfg), 0);
    if (i == 1 && bare_b) continue;
    csctp_dc_config dcfg;
    csctp_dc_config_default(&dcfg);
    dcfg.role = i == 0 ? CSCTP_DC_ROLE_CLIENT : CSCTP_DC_ROLE_SERVER;
    dcfg.mem = mem;
    cr_assert_eq(csctp_dc_new(&s->dc, s->a, &dcfg), 0);
  }
  csctp_simlink_attach(p->link, CSCTP_SIMLINK_A, &dc_ops, &p->s[0]);
  csctp_simlink_attach(p->link, CSCTP_SIMLINK_B, &dc_ops, &p->s[1]);
}

void dc_pair_del(dc_pair *p) {
  for (int i = 0; i < 2; i++) {
    csctp_dc_del(p->s[i].dc);
    csctp_assoc_del(p->s[i].a);
    free(p->s[i].recs);
  }
  csctp_simlink_del(p->link);
}

static int both_up(csctp_simlink *l, void *u) {
  (void)l;
  dc_pair *p = u;
  return csctp_assoc_get_state(p->s[0].a) == CSCTP_STATE_ESTABLISHED &&
         csctp_assoc_get_state(p->s[1].a) == CSCTP_STATE_ESTABLISHED;
}

void dc_pair_connect(dc_pair *p) {
  cr_assert_eq(csctp_assoc_connect(p->s[0].a, dc_pair_now(p)), 0);
  cr_assert_eq(csctp_simlink_run_until(p->link, both_up, p, 30 * CSCTP_SECONDS),
               CSCTP_SIMLINK_DONE);
}

csctp_simlink_stop dc_pair_run(dc_pair *p, csctp_simlink_pred_fn pred, csctp_tstamp dur) {
  return csctp_simlink_run_until(p->link, pred, p, dur);
}

csctp_tstamp dc_pair_now(const dc_pair *p) { return csctp_simlink_now(p->link); }

void dc_pair_clear(dc_pair *p) { p->s[0].nrec = p->s[1].nrec = 0; }

const dc_rec *dc_pair_find(const dc_pair *p, int side, csctp_dc_event_type type, int n) {
  const dc_side *s = &p->s[side];
  for (size_t i = 0; i < s->nrec; i++)
    if (s->recs[i].ev.type == type && n-- == 0) return &s->recs[i];
  return NULL;
}

int dc_pair_count(const dc_pair *p, int side, csctp_dc_event_type type) {
  int n = 0;
  for (size_t i = 0; i < p->s[side].nrec; i++) n += p->s[side].recs[i].ev.type == type;
  return n;
}

const dc_rec *dc_pair_find_raw(const dc_pair *p, csctp_event_type type, int n) {
  const dc_side *s = &p->s[1];
  for (size_t i = 0; i < s->nrec; i++)
    if (s->recs[i].raw.type == type && n-- == 0) return &s->recs[i];
  return NULL;
}

/* The engine has stream reset and PR-SCTP now; kept so the tests read the same. */
int dc_engine_has_reset(void) { return 1; }
int dc_engine_has_pr(void) { return 1; }

void dc_raw_send(dc_pair *p, uint16_t stream, uint32_t ppid, int unordered, const void *data,
                 size_t len) {
  csctp_send_opts o;
  memset(&o, 0, sizeof(o));
  o.stream = stream;
  o.ppid = ppid;
  o.unordered = unordered;
  cr_assert_eq(csctp_assoc_send(p->s[1].a, &o, data, len, dc_pair_now(p)), 0);
}
