/* SPDX-License-Identifier: MIT */
/* `send` builds a packet from a step; `expect` matches a written packet against one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_lang.h"

/* ---- the fields of each chunk ---- */

const char *const cf_send_pkt_keys[] = {"sport", "dport", "vtag",  "crc",
                                        "from",  "trunc", "trail", NULL};
const char *const cf_expect_pkt_keys[] = {"sport", "dport", "vtag", "to", "within", NULL};

static const char *const k_data_s[] = {"flags", "len", "tsn", "sid",  "ssn",  "ppid", "u",
                                       "b",     "e",   "i",   "size", "fill", NULL};
static const char *const k_data_e[] = {"flags", "len", "tsn", "sid",  "ssn", "ppid",
                                       "u",     "b",   "e",   "size", NULL};
static const char *const k_init_s[] = {"flags",    "len",  "tag",    "arwnd",     "os",
                                       "mis",      "tsn",  "cookie", "nocookie",  "param",
                                       "hostname", "ipv4", "ipv6",   "addrtypes", "cookie_pres",
                                       "fwdtsn",   "ecn",  NULL};
static const char *const k_init_e[] = {
    "flags",  "len",          "tag",   "arwnd",   "os",    "mis",         "tsn",
    "cookie", "cookie_lacks", "param", "noparam", "unrec", "unrec_param", NULL};
static const char *const k_sack_s[] = {"flags", "len", "cum", "arwnd", "gaps", "dups", NULL};
static const char *const k_sack_e[] = {"flags", "len",  "cum",  "arwnd", "ngaps",
                                       "ndups", "gaps", "dups", NULL};
static const char *const k_hb[] = {"flags", "len", "info", NULL};
static const char *const k_cause_s[] = {"flags", "len", "t", "cause", "cbody", "staleness", NULL};
static const char *const k_cause_e[] = {"flags",   "len",         "t",           "cause",
                                        "ncauses", "unrec_chunk", "unrec_param", NULL};
static const char *const k_cum[] = {"flags", "len", "cum", NULL};
static const char *const k_t[] = {"flags", "len", "t", NULL};
static const char *const k_plain[] = {"flags", "len", NULL};
static const char *const k_echo_s[] = {"flags", "len", "cookie", "flip", "trunc", NULL};
static const char *const k_echo_e[] = {"flags", "len", "cookie", NULL};
static const char *const k_fwd_s[] = {"flags", "len", "newcum", "skip", NULL};
static const char *const k_fwd_e[] = {"flags", "len", "newcum", NULL};
static const char *const k_raw_s[] = {"flags", "len", "type", "body", "size", NULL};
static const char *const k_raw_e[] = {"flags", "len", "type", NULL};

const char *const *cf_chunk_keys(uint32_t type, int expect) {
  switch (type) {
  case CF_DATA: return expect ? k_data_e : k_data_s;
  case CF_INIT:
  case CF_INIT_ACK: return expect ? k_init_e : k_init_s;
  case CF_SACK: return expect ? k_sack_e : k_sack_s;
  case CF_HEARTBEAT:
  case CF_HEARTBEAT_ACK: return k_hb;
  case CF_ABORT:
  case CF_ERROR: return expect ? k_cause_e : k_cause_s;
  case CF_SHUTDOWN: return k_cum;
  case CF_SHUTDOWN_COMPLETE: return k_t;
  case CF_COOKIE_ECHO: return expect ? k_echo_e : k_echo_s;
  case CF_FORWARD_TSN: return expect ? k_fwd_e : k_fwd_s;
  case 0x100:
  case CF_RECONFIG: return expect ? k_raw_e : k_raw_s;
  default: return k_plain;
  }
}

int cf_is_chunk_word(const char *w, uint32_t *type) { return cf_sym_find(cf_chunk_syms, w, type); }

/* Chunk ranges of a step: spec[i] = {type, first token, end token}. */
typedef struct spec {
  uint32_t type;
  int from, to;
} spec;

static int split_chunks(const cf_step *s, spec *sp, int max, int *first_chunk, int *ellipsis) {
  int n = 0;
  *first_chunk = s->ntok;
  *ellipsis = 0;
  for (int i = 1; i < s->ntok; i++) {
    uint32_t t;
    if (s->tok[i].op[0]) continue;
    if (!strcmp(s->tok[i].key, "...")) {
      *ellipsis = 1;
      if (n) sp[n - 1].to = i;
      continue;
    }
    if (!cf_is_chunk_word(s->tok[i].key, &t) || n == max) continue;
    if (n)
      sp[n - 1].to = sp[n - 1].to > i ? i : sp[n - 1].to;
    else
      *first_chunk = i;
    sp[n].type = t;
    sp[n].from = i + 1;
    sp[n].to = s->ntok;
    n++;
  }
  return n;
}

/* Integer field of a chunk spec with a default. */
static uint32_t geti(cf_run *r, const cf_step *s, const spec *c, const char *k, uint32_t def) {
  const cf_tok *t = cf_find(s, c->from, c->to, k);
  uint32_t v = def;
  if (t && cf_eval_u32(r, k, t->val, &v) < 0) return def;
  return v;
}

static int has(const cf_step *s, const spec *c, const char *k) {
  return cf_find(s, c->from, c->to, k) != NULL;
}

static uint32_t var_or(cf_run *r, const char *name, uint32_t def) {
  cf_var *v = cf_var_get(r, name);
  return v && !v->is_bytes ? v->v : def;
}

static const uint8_t peer_cookie[16] = {'p', 'e', 'e', 'r', '-', 's', 't', 'a',
                                        't', 'e', '-', 'c', 'o', 'o', 'k', 'y'};

static void put_tlv_bytes(cf_buf *w, uint16_t type, const uint8_t *p, size_t n) {
  size_t off = cf_begin_param(w, type);
  cf_put_bytes(w, p, n);
  cf_end_tlv(w, off, -1);
}

static void build_init_params(cf_run *r, const cf_step *s, const spec *c, cf_buf *w) {
  uint8_t tmp[512];
  const uint8_t *p;
  size_t n;
  if (c->type == CF_INIT_ACK && !has(s, c, "nocookie")) {
    const cf_tok *t = cf_find(s, c->from, c->to, "cookie");
    p = peer_cookie;
    n = sizeof(peer_cookie);
    if (t && cf_eval_bytes(r, "cookie", t->val, &p, &n, tmp, sizeof(tmp)) < 0) return;
    put_tlv_bytes(w, 7, p, n);
  }
  for (int i = c->from; i < c->to; i++) {
    const cf_tok *t = &s->tok[i];
    if (!strcmp(t->key, "param")) { /* param=TYPE or TYPE:VALUELEN, value bytes 0xab */
      char buf[64];
      snprintf(buf, sizeof(buf), "%s", t->val);
      char *colon = strchr(buf, ':');
      uint32_t type, vlen = 4;
      if (colon) {
        *colon = 0;
        vlen = (uint32_t)strtoul(colon + 1, NULL, 10);
      }
      if (cf_eval_u32(r, "param", buf, &type) < 0) return;
      if (vlen > 2048) vlen = 2048;
      size_t off = cf_begin_param(w, (uint16_t)type);
      cf_put_fill(w, 0xab, vlen);
      cf_end_tlv(w, off, -1);
    } else if (!strcmp(t->key, "hostname")) {
      put_tlv_bytes(w, 11, (const uint8_t *)t->val, strlen(t->val) + 1);
    } else if (!strcmp(t->key, "ipv4")) {
      unsigned a, b, cc, d;
      if (sscanf(t->val, "%u.%u.%u.%u", &a, &b, &cc, &d) != 4) {
        cf_fail(r, "ipv4: '%s' is not a dotted address", t->val);
        return;
      }
      uint8_t ip[4] = {(uint8_t)a, (uint8_t)b, (uint8_t)cc, (uint8_t)d};
      put_tlv_bytes(w, 5, ip, 4);
    } else if (!strcmp(t->key, "ipv6")) {
      uint8_t ip[16] = {0};
      ip[15] = 1;
      put_tlv_bytes(w, 6, ip, 16);
    } else if (!strcmp(t->key, "addrtypes")) {
      size_t off = cf_begin_param(w, 12);
      char buf[64];
      snprintf(buf, sizeof(buf), "%s", t->val);
      for (char *save, *e = strtok_r(buf, ",", &save); e; e = strtok_r(NULL, ",", &save))
        cf_put_u16(w, (uint16_t)strtoul(e, NULL, 0));
      cf_end_tlv(w, off, -1);
    } else if (!strcmp(t->key, "cookie_pres")) {
      uint32_t v;
      if (cf_eval_u32(r, "cookie_pres", t->val, &v) < 0) return;
      size_t off = cf_begin_param(w, 9);
      cf_put_u32(w, v);
      cf_end_tlv(w, off, -1);
    } else if (!strcmp(t->key, "fwdtsn")) {
      put_tlv_bytes(w, 0xc000, NULL, 0);
    } else if (!strcmp(t->key, "ecn")) {
      put_tlv_bytes(w, 0x8000, NULL, 0);
    }
  }
}

static void build_causes(cf_run *r, const cf_step *s, const spec *c, cf_buf *w) {
  for (int i = c->from; i < c->to; i++) {
    if (strcmp(s->tok[i].key, "cause")) continue;
    uint32_t code;
    if (cf_eval_u32(r, "cause", s->tok[i].val, &code) < 0) return;
    size_t off = cf_begin_param(w, (uint16_t)code);
    const cf_tok *b = cf_find(s, c->from, c->to, "cbody");
    if (b) {
      uint8_t tmp[512];
      const uint8_t *p;
      size_t n;
      if (cf_eval_bytes(r, "cbody", b->val, &p, &n, tmp, sizeof(tmp)) < 0) return;
      cf_put_bytes(w, p, n);
    } else if (code == 3) {
      cf_put_u32(w, geti(r, s, c, "staleness", 1000)); /* measure of staleness, µs */
    }
    cf_end_tlv(w, off, -1);
  }
}

static void build_chunk(cf_run *r, const cf_step *s, const spec *c, cf_buf *w) {
  uint8_t tmp[CF_VAR_BYTES];
  const uint8_t *p;
  size_t n;
  uint8_t type = c->type == 0x100 ? (uint8_t)geti(r, s, c, "type", 0xff) : (uint8_t)c->type;
  uint8_t flags = 0;
  if (c->type == CF_DATA)
    flags = (uint8_t)((geti(r, s, c, "e", 1) ? 1 : 0) | (geti(r, s, c, "b", 1) ? 2 : 0) |
                      (geti(r, s, c, "u", 0) ? 4 : 0) | (geti(r, s, c, "i", 0) ? 8 : 0));
  else if (has(s, c, "t"))
    flags = geti(r, s, c, "t", 0) ? 1 : 0;
  flags = (uint8_t)geti(r, s, c, "flags", flags);
  size_t off = cf_begin_chunk(w, type, flags);
  switch (c->type) {
  case CF_DATA:
    cf_put_u32(w, geti(r, s, c, "tsn", var_or(r, "PTSN", 1)));
    cf_put_u16(w, (uint16_t)geti(r, s, c, "sid", 0));
    cf_put_u16(w, (uint16_t)geti(r, s, c, "ssn", 0));
    cf_put_u32(w, geti(r, s, c, "ppid", 0));
    cf_put_fill(w, (uint8_t)geti(r, s, c, "fill", 'x'), geti(r, s, c, "size", 4));
    break;
  case CF_INIT:
  case CF_INIT_ACK:
    cf_put_u32(w, geti(r, s, c, "tag", var_or(r, "PTAG", 0x50545447)));
    cf_put_u32(w, geti(r, s, c, "arwnd", 65536));
    cf_put_u16(w, (uint16_t)geti(r, s, c, "os", 10));
    cf_put_u16(w, (uint16_t)geti(r, s, c, "mis", 10));
    cf_put_u32(w, geti(r, s, c, "tsn", var_or(r, "PTSN", 1000)));
    build_init_params(r, s, c, w);
    break;
  case CF_SACK: {
    cf_put_u32(w, geti(r, s, c, "cum", var_or(r, "LTSN", 1) - 1));
    cf_put_u32(w, geti(r, s, c, "arwnd", 65536));
    const cf_tok *g = cf_find(s, c->from, c->to, "gaps");
    const cf_tok *d = cf_find(s, c->from, c->to, "dups");
    char gb[256] = "", db[256] = "";
    if (g) snprintf(gb, sizeof(gb), "%s", g->val);
    if (d) snprintf(db, sizeof(db), "%s", d->val);
    uint16_t ng = 0, nd = 0;
    for (char *q = gb; *q; q++) ng += *q == '-';
    for (char *q = db; *q; q++) nd += *q == ',';
    if (d && db[0]) nd++;
    cf_put_u16(w, ng);
    cf_put_u16(w, nd);
    for (char *save, *e = strtok_r(gb, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
      unsigned a = 0, b = 0;
      if (sscanf(e, "%u-%u", &a, &b) != 2) cf_fail(r, "gaps: '%s' is not START-END", e);
      cf_put_u16(w, (uint16_t)a);
      cf_put_u16(w, (uint16_t)b);
    }
    for (char *save, *e = strtok_r(db, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
      uint32_t v = 0;
      cf_eval_u32(r, "dups", e, &v);
      cf_put_u32(w, v);
    }
    break;
  }
  case CF_HEARTBEAT:
  case CF_HEARTBEAT_ACK: {
    const cf_tok *t = cf_find(s, c->from, c->to, "info");
    static const uint8_t def[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    p = def;
    n = sizeof(def);
    if (t && cf_eval_bytes(r, "info", t->val, &p, &n, tmp, sizeof(tmp)) < 0) return;
    put_tlv_bytes(w, 1, p, n);
    break;
  }
  case CF_ABORT:
  case CF_ERROR: build_causes(r, s, c, w); break;
  case CF_SHUTDOWN:
    cf_put_u32(w, geti(r, s, c, "cum", var_or(r, "LTSN", 1) - 1)); /* acks the SUT's DATA */
    break;
  case CF_COOKIE_ECHO: {
    const cf_tok *t = cf_find(s, c->from, c->to, "cookie");
    p = peer_cookie;
    n = sizeof(peer_cookie);
    if (t && cf_eval_bytes(r, "cookie", t->val, &p, &n, tmp, sizeof(tmp)) < 0) return;
    if (p != tmp) {
      memcpy(tmp, p, n);
      p = tmp;
    }
    if (has(s, c, "flip")) {
      uint32_t at = geti(r, s, c, "flip", 0);
      if (at < n) tmp[at] ^= 0xff;
    }
    if (has(s, c, "trunc")) {
      uint32_t k = geti(r, s, c, "trunc", (uint32_t)n);
      if (k < n) n = k;
    }
    cf_put_bytes(w, tmp, n);
    break;
  }
  case CF_FORWARD_TSN: {
    cf_put_u32(w, geti(r, s, c, "newcum", 0));
    const cf_tok *t = cf_find(s, c->from, c->to, "skip");
    unsigned sid, ssn;
    if (t && sscanf(t->val, "%u:%u", &sid, &ssn) == 2) {
      cf_put_u16(w, (uint16_t)sid);
      cf_put_u16(w, (uint16_t)ssn);
    }
    break;
  }
  case 0x100:
  case CF_RECONFIG: {
    const cf_tok *t = cf_find(s, c->from, c->to, "body");
    if (t) {
      if (cf_eval_bytes(r, "body", t->val, &p, &n, tmp, sizeof(tmp)) < 0) return;
      cf_put_bytes(w, p, n);
    }
    cf_put_fill(w, 0, geti(r, s, c, "size", 0));
    break;
  }
  default: break;
  }
  long len = has(s, c, "len") ? (long)geti(r, s, c, "len", 0) : -1;
  cf_end_tlv(w, off, len);
}

void cf_do_send(cf_run *r, const cf_step *s) {
  spec sp[CF_MAX_CHUNKS];
  int first, ell;
  int n = split_chunks(s, sp, CF_MAX_CHUNKS, &first, &ell);
  static cf_buf w; /* 16 KiB: not on the stack; scripts run one at a time */
  cf_buf_init(&w);
  spec pk = {0, 1, first};
  uint32_t vdef = n && sp[0].type == CF_INIT ? 0 : var_or(r, "LTAG", 0);
  cf_put_header(&w, (uint16_t)geti(r, s, &pk, "sport", r->cfg.remote_port),
                (uint16_t)geti(r, s, &pk, "dport", r->cfg.local_port),
                geti(r, s, &pk, "vtag", vdef));
  for (int i = 0; i < n && !r->failed; i++) build_chunk(r, s, &sp[i], &w);
  cf_put_fill(&w, 0, geti(r, s, &pk, "trail", 0));
  if (w.overflow) cf_fail(r, "the packet is larger than %d bytes", CF_PKT_MAX);
  if (r->failed) return;
  size_t len = w.len;
  if (has(s, &pk, "trunc")) {
    uint32_t k = geti(r, s, &pk, "trunc", (uint32_t)len);
    if (k < len) len = k;
  }
  const cf_tok *crc = cf_find(s, 1, first, "crc");
  if (!crc || strcmp(crc->val, "zero")) cf_set_crc(w.b, len);
  if (crc && !strcmp(crc->val, "bad"))
    w.b[8] ^= 0x5a;
  else if (crc && strcmp(crc->val, "ok") && strcmp(crc->val, "zero")) {
    cf_fail(r, "crc: ok, bad or zero, not '%s'", crc->val);
    return;
  }
  csctp_addr from;
  const cf_tok *f = cf_find(s, 1, first, "from");
  if (cf_parse_addr(r, f ? f->val : "A", &from) < 0) {
    cf_fail(r, "from: '%s' is not an address (A..Z or A:UDPPORT)", f->val);
    return;
  }
  cf_inject(r, &from, w.b, len);
}

/* ---- matching ---- */

static int check_int(cf_run *r, const cf_step *s, const spec *c, const char *k, uint32_t got,
                     char *why, size_t cap) {
  for (int i = c->from; i < c->to; i++)
    if (!strcmp(s->tok[i].key, k) && cf_match_u32(r, &s->tok[i], got, why, cap) < 0) return -1;
  return 0;
}

static const cf_tlv *find_tlv(const cf_chunk *ch, uint16_t type) {
  for (int i = 0; i < ch->ntlv; i++)
    if (ch->tlv[i].type == type) return &ch->tlv[i];
  return NULL;
}

/* Presence tests over the TLVs: key=TYPE means some TLV (or inner TLV) has it; != none. */
static int check_presence(cf_run *r, const cf_step *s, const spec *c, const char *k,
                          const cf_chunk *ch, int inner, int absent, char *why, size_t cap) {
  for (int i = c->from; i < c->to; i++) {
    const cf_tok *t = &s->tok[i];
    if (strcmp(t->key, k)) continue;
    uint32_t want;
    if (cf_eval_u32(r, k, t->val, &want) < 0) return -1;
    int found = 0;
    for (int j = 0; j < ch->ntlv; j++) {
      const cf_tlv *tl = &ch->tlv[j];
      if (!inner)
        found |= tl->type == want;
      else if (inner == 1 && tl->type == 8 && tl->len >= 6) /* Unrecognized Parameter(s) */
        found |= cf_get16(tl->value) == want;
      else if (inner == 2 && tl->type == 6 && tl->len >= 5) /* Unrecognized Chunk Type */
        found |= tl->value[0] == want;
    }
    int want_found = strcmp(t->op, "!=") != 0;
    if (absent) want_found = !want_found;
    if (found != want_found) {
      snprintf(why, cap, "%s%s%s: %s", k, t->op, t->val, found ? "present" : "absent");
      return -1;
    }
  }
  return 0;
}

static int match_chunk(cf_run *r, const cf_step *s, const spec *c, const cf_chunk *ch, char *why,
                       size_t cap) {
  const uint8_t *v = ch->value;
  if (check_int(r, s, c, "flags", ch->flags, why, cap) < 0 ||
      check_int(r, s, c, "len", ch->len, why, cap) < 0 ||
      check_int(r, s, c, "t", ch->flags & 1, why, cap) < 0)
    return -1;
  if (c->type == 0x100) return check_int(r, s, c, "type", ch->type, why, cap);
  size_t need = c->type == CF_DATA                                    ? 12
                : c->type == CF_SACK                                  ? 12
                : c->type == CF_INIT || c->type == CF_INIT_ACK        ? 16
                : c->type == CF_SHUTDOWN || c->type == CF_FORWARD_TSN ? 4
                                                                      : 0;
  if (ch->vlen < need) {
    snprintf(why, cap, "%s is %u bytes long, too short", cf_chunk_name(ch->type), ch->len);
    return -1;
  }
  if (ch->tlv_bad) {
    snprintf(why, cap, "%s: its parameters or causes do not parse", cf_chunk_name(ch->type));
    return -1;
  }
  switch (c->type) {
  case CF_DATA:
    if (check_int(r, s, c, "tsn", cf_get32(v), why, cap) < 0 ||
        check_int(r, s, c, "sid", cf_get16(v + 4), why, cap) < 0 ||
        check_int(r, s, c, "ssn", cf_get16(v + 6), why, cap) < 0 ||
        check_int(r, s, c, "ppid", cf_get32(v + 8), why, cap) < 0 ||
        check_int(r, s, c, "e", ch->flags & 1, why, cap) < 0 ||
        check_int(r, s, c, "b", (ch->flags >> 1) & 1, why, cap) < 0 ||
        check_int(r, s, c, "u", (ch->flags >> 2) & 1, why, cap) < 0 ||
        check_int(r, s, c, "size", (uint32_t)(ch->vlen - 12), why, cap) < 0)
      return -1;
    return 0;
  case CF_INIT:
  case CF_INIT_ACK: {
    if (check_int(r, s, c, "tag", cf_get32(v), why, cap) < 0 ||
        check_int(r, s, c, "arwnd", cf_get32(v + 4), why, cap) < 0 ||
        check_int(r, s, c, "os", cf_get16(v + 8), why, cap) < 0 ||
        check_int(r, s, c, "mis", cf_get16(v + 10), why, cap) < 0 ||
        check_int(r, s, c, "tsn", cf_get32(v + 12), why, cap) < 0 ||
        check_presence(r, s, c, "param", ch, 0, 0, why, cap) < 0 ||
        check_presence(r, s, c, "noparam", ch, 0, 1, why, cap) < 0 ||
        check_presence(r, s, c, "unrec_param", ch, 1, 0, why, cap) < 0)
      return -1;
    uint32_t nunrec = 0;
    for (int j = 0; j < ch->ntlv; j++) nunrec += ch->tlv[j].type == 8;
    if (check_int(r, s, c, "unrec", nunrec, why, cap) < 0) return -1;
    for (int i = c->from; i < c->to; i++) { /* cookie_lacks=V: V's 4 bytes appear nowhere in it */
      if (strcmp(s->tok[i].key, "cookie_lacks")) continue;
      const cf_tlv *ck = find_tlv(ch, 7);
      uint32_t x;
      if (cf_eval_u32(r, "cookie_lacks", s->tok[i].val, &x) < 0) return -1;
      uint8_t be[4],
          le[4] = {(uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24)};
      cf_put32(be, x);
      for (size_t k = 0; ck && k + 4 <= ck->len - 4u; k++)
        if (!memcmp(ck->value + k, be, 4) || !memcmp(ck->value + k, le, 4)) {
          snprintf(why, cap, "cookie_lacks=%s: the cookie holds 0x%x at offset %zu", s->tok[i].val,
                   x, k);
          return -1;
        }
    }
    const cf_tok *t = cf_find(s, c->from, c->to, "cookie");
    if (t) {
      const cf_tlv *ck = find_tlv(ch, 7);
      if (!ck) {
        snprintf(why, cap, "no State Cookie parameter");
        return -1;
      }
      if (cf_match_bytes(r, t, ck->value, ck->len - 4u, why, cap) < 0) return -1;
    }
    return 0;
  }
  case CF_SACK: {
    uint16_t ng = cf_get16(v + 8), nd = cf_get16(v + 10);
    if (check_int(r, s, c, "cum", cf_get32(v), why, cap) < 0 ||
        check_int(r, s, c, "arwnd", cf_get32(v + 4), why, cap) < 0 ||
        check_int(r, s, c, "ngaps", ng, why, cap) < 0 ||
        check_int(r, s, c, "ndups", nd, why, cap) < 0)
      return -1;
    if (ch->vlen < 12 + 4u * ng + 4u * nd) {
      snprintf(why, cap, "SACK: %u gaps and %u dups do not fit in %u bytes", ng, nd, ch->len);
      return -1;
    }
    char gb[256] = "", db[256] = "";
    size_t gn = 0, dn = 0;
    for (unsigned i = 0; i < ng && gn < 200; i++)
      gn += (size_t)snprintf(gb + gn, sizeof(gb) - gn, "%s%u-%u", i ? "," : "",
                             cf_get16(v + 12 + 4 * i), cf_get16(v + 14 + 4 * i));
    for (unsigned i = 0; i < nd && dn < 200; i++)
      dn += (size_t)snprintf(db + dn, sizeof(db) - dn, "%s%u", i ? "," : "",
                             cf_get32(v + 12 + 4u * ng + 4 * i));
    const cf_tok *g = cf_find(s, c->from, c->to, "gaps");
    if (g && strcmp(g->val, "*") && (strcmp(g->val, gb) != 0) == !strcmp(g->op, "=")) {
      snprintf(why, cap, "gaps: wanted %s%s, got '%s'", g->op, g->val, gb);
      return -1;
    }
    const cf_tok *d = cf_find(s, c->from, c->to, "dups");
    if (d && strcmp(d->val, "*")) {
      char want[256] = "", tmp[256];
      size_t wn = 0;
      snprintf(tmp, sizeof(tmp), "%s", d->val);
      for (char *save, *e = strtok_r(tmp, ",", &save); e && wn < 200;
           e = strtok_r(NULL, ",", &save)) {
        uint32_t x;
        if (cf_eval_u32(r, "dups", e, &x) < 0) return -1;
        wn += (size_t)snprintf(want + wn, sizeof(want) - wn, "%s%u", wn ? "," : "", x);
      }
      if (strcmp(want, db)) {
        snprintf(why, cap, "dups: wanted '%s', got '%s'", want, db);
        return -1;
      }
    }
    return 0;
  }
  case CF_HEARTBEAT:
  case CF_HEARTBEAT_ACK: {
    const cf_tok *t = cf_find(s, c->from, c->to, "info");
    if (!t) return 0;
    if (ch->vlen < 4 || cf_get16(v) != 1 || cf_get16(v + 2) < 4 || cf_get16(v + 2) > ch->vlen) {
      snprintf(why, cap, "no Heartbeat Info parameter");
      return -1;
    }
    return cf_match_bytes(r, t, v + 4, cf_get16(v + 2) - 4u, why, cap);
  }
  case CF_ABORT:
  case CF_ERROR:
    if (check_presence(r, s, c, "cause", ch, 0, 0, why, cap) < 0 ||
        check_presence(r, s, c, "unrec_param", ch, 1, 0, why, cap) < 0 ||
        check_presence(r, s, c, "unrec_chunk", ch, 2, 0, why, cap) < 0 ||
        check_int(r, s, c, "ncauses", (uint32_t)ch->ntlv, why, cap) < 0)
      return -1;
    return 0;
  case CF_SHUTDOWN: return check_int(r, s, c, "cum", cf_get32(v), why, cap);
  case CF_FORWARD_TSN: return check_int(r, s, c, "newcum", cf_get32(v), why, cap);
  case CF_COOKIE_ECHO: {
    const cf_tok *t = cf_find(s, c->from, c->to, "cookie");
    return t ? cf_match_bytes(r, t, v, ch->vlen, why, cap) : 0;
  }
  default: return 0;
  }
}

int cf_match_packet(cf_run *r, const cf_step *s, const uint8_t *b, size_t len, const csctp_addr *to,
                    char *why, size_t cap) {
  static cf_pkt p; /* large; scripts run one at a time */
  spec sp[CF_MAX_CHUNKS];
  int first, ell;
  int n = split_chunks(s, sp, CF_MAX_CHUNKS, &first, &ell);
  if (cf_decode(b, len, &p) < 0) {
    snprintf(why, cap, "the packet does not parse: %s", p.error);
    return -1;
  }
  if (!p.crc_ok) {
    snprintf(why, cap, "the packet's CRC32c is wrong");
    return -1;
  }
  spec pk = {0, 1, first};
  if (check_int(r, s, &pk, "sport", p.sport, why, cap) < 0 ||
      check_int(r, s, &pk, "dport", p.dport, why, cap) < 0)
    return -1;
  const cf_tok *vt = cf_find(s, 1, first, "vtag");
  if (vt) {
    if (cf_match_u32(r, vt, p.vtag, why, cap) < 0) return -1;
  } else if (n && sp[0].type == CF_INIT) {
    if (p.vtag) {
      snprintf(why, cap, "vtag: a packet with INIT must carry tag 0, got 0x%x", p.vtag);
      return -1;
    }
  } else if (!(n && (sp[0].type == CF_ABORT || sp[0].type == CF_SHUTDOWN_COMPLETE) &&
               has(s, &sp[0], "t")) &&
             cf_var_get(r, "PTAG")) {
    uint32_t want = var_or(r, "PTAG", 0);
    if (p.vtag != want) {
      snprintf(why, cap, "vtag: wanted $PTAG 0x%x, got 0x%x", want, p.vtag);
      return -1;
    }
  }
  const cf_tok *tt = cf_find(s, 1, first, "to");
  if (tt) {
    csctp_addr want;
    if (cf_parse_addr(r, tt->val, &want) < 0) {
      snprintf(why, cap, "to: '%s' is not an address", tt->val);
      return -1;
    }
    if (!r->use_endpoint || want.len != to->len || memcmp(want.data, to->data, want.len)) {
      snprintf(why, cap, "to: the packet went to another address (%u.%u.%u.%u, %u bytes)",
               to->data[0], to->data[1], to->data[2], to->data[3], to->len);
      return -1;
    }
  }
  if (!ell && n != p.nch) {
    snprintf(why, cap, "wanted %d chunk%s, got %d", n, n == 1 ? "" : "s", p.nch);
    return -1;
  }
  int j = 0;
  for (int i = 0; i < n; i++) {
    uint32_t want = sp[i].type;
    while (j < p.nch && want != 0x100 && p.ch[j].type != want) {
      if (!ell) break;
      j++;
    }
    if (j == p.nch || (want != 0x100 && p.ch[j].type != want)) {
      snprintf(why, cap, "chunk %d: wanted %s, got %s", i + 1, cf_chunk_name((uint8_t)want),
               j < p.nch ? cf_chunk_name(p.ch[j].type) : "nothing");
      return -1;
    }
    char sub[256];
    if (match_chunk(r, s, &sp[i], &p.ch[j], sub, sizeof(sub)) < 0) {
      snprintf(why, cap, "%s (chunk %d): %s", cf_chunk_name(p.ch[j].type), j + 1,
               r->failed ? "see above" : sub);
      return -1;
    }
    j++;
  }
  return 0;
}
