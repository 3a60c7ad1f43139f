/* SPDX-License-Identifier: MIT */
/* Loading script files into steps, running each script, and the report. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_lang.h"

int cf_tokenize(cf_step *s, const char *line, int lineno);
void cf_step_free(cf_step *s);

#define CF_MAX_FILE (1u << 20)

/* Splits a line into tokens (comments already removed). 0, or -1 when too many tokens. */
int cf_tokenize(cf_step *s, const char *line, int lineno) {
  memset(s, 0, sizeof(*s));
  s->line = lineno;
  s->text = strdup(line);
  s->buf = strdup(line);
  if (!s->text || !s->buf) {
    cf_step_free(s);
    return -1;
  }
  char *p = s->buf;
  while (*p) {
    while (isspace((unsigned char)*p)) p++;
    if (!*p) break;
    if (s->ntok == CF_MAX_TOK) {
      cf_step_free(s);
      return -1;
    }
    char *start = p;
    while (*p && !isspace((unsigned char)*p)) p++;
    if (*p) *p++ = 0;
    cf_tok *t = &s->tok[s->ntok++];
    t->key = start;
    t->val = "";
    t->op[0] = 0;
    /* key OP value: the first operator character splits it */
    char *o = start + strcspn(start, "=!<>");
    if (*o && o != start) {
      size_t ol = (o[0] != '=' && o[1] == '=') ? 2 : 1;
      if (ol == 1 && o[0] != '=') continue; /* a bare '<' or '!' stays in the word */
      memcpy(t->op, o, ol);
      t->op[ol] = 0;
      *o = 0;
      t->val = o + ol;
    }
  }
  return 0;
}

void cf_step_free(cf_step *s) {
  free(s->text);
  free(s->buf);
  s->text = s->buf = NULL;
}

typedef struct script {
  char name[64];
  char source[32];
  char mark[192];
  int pending, known_bug;
  int line;
  char error[1024]; /* a load error: the script fails with it */
  cf_step *steps;
  int nsteps;
} script;

static void script_free(script *sc) {
  for (int i = 0; i < sc->nsteps; i++) cf_step_free(&sc->steps[i]);
  free(sc->steps);
  sc->steps = NULL;
  sc->nsteps = 0;
}

static cf_result *report_add(cf_report *rep) {
  if (rep->n == rep->cap) {
    size_t cap = rep->cap ? rep->cap * 2 : 64;
    cf_result *r = realloc(rep->r, cap * sizeof(*r));
    if (!r) return NULL;
    rep->r = r;
    rep->cap = cap;
  }
  cf_result *res = &rep->r[rep->n++];
  memset(res, 0, sizeof(*res));
  return res;
}

static uint64_t name_seed(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
  return h;
}

static void run_script(const char *file, script *sc, cf_report *rep) {
  cf_result *res = report_add(rep);
  if (!res) return;
  snprintf(res->name, sizeof(res->name), "%s", sc->name);
  snprintf(res->source, sizeof(res->source), "%s", sc->source);
  snprintf(res->file, sizeof(res->file), "%s", file);
  snprintf(res->mark, sizeof(res->mark), "%s", sc->mark);
  res->line = sc->line;
  int failed = 0;
  if (sc->error[0]) {
    /* a script that does not parse fails, pending or not */
    snprintf(res->msg, sizeof(res->msg), "%s", sc->error);
    res->outcome = CF_FAIL;
    rep->count[CF_FAIL]++;
    return;
  }
  static cf_run r; /* large (queues, variables): static, scripts run one at a time */
  memset(&r, 0, sizeof(r));
  r.file = file;
  r.script = sc->name;
  r.msg = res->msg;
  r.msgcap = sizeof(res->msg);
  csctp_config_default(&r.cfg);
  r.cfg.local_port = 5000;
  r.cfg.remote_port = 5001;
  r.cfg.hb_interval = 0; /* scripts about heartbeats turn it on */
  csctp_prng_seed(&r.rng, name_seed(sc->name));
  r.t0 = r.now = 1000 * CSCTP_SECONDS;
  for (int i = 0; i < sc->nsteps && !r.failed; i++) cf_run_step(&r, &sc->steps[i]);
  failed = r.failed;
  cf_run_free(&r);
  cf_outcome o;
  if (sc->pending)
    o = failed ? CF_PENDING : CF_PENDING_FIXED;
  else if (sc->known_bug)
    o = failed ? CF_KNOWN_BUG : CF_BUG_FIXED;
  else
    o = failed ? CF_FAIL : CF_PASS;
  if (o == CF_PENDING_FIXED)
    snprintf(res->msg, sizeof(res->msg), "%s:%d: passes now: remove the pending mark (%s)", file,
             sc->line, sc->mark);
  if (o == CF_BUG_FIXED)
    snprintf(res->msg, sizeof(res->msg), "%s:%d: passes now: remove the known-bug mark (%s)", file,
             sc->line, sc->mark);
  res->outcome = o;
  rep->count[o]++;
}

/* Removes a comment: '#' at the start of a token. */
static void strip_comment(char *l) {
  for (char *p = l; *p; p++)
    if (*p == '#' && (p == l || isspace((unsigned char)p[-1]))) {
      *p = 0;
      break;
    }
  size_t n = strlen(l);
  while (n && isspace((unsigned char)l[n - 1])) l[--n] = 0;
}

static const char *rest_of(const char *l, size_t kw) {
  l += kw;
  while (isspace((unsigned char)*l)) l++;
  return l;
}

static int is_kw(const char *l, const char *kw) {
  size_t n = strlen(kw);
  return !strncmp(l, kw, n) && (!l[n] || isspace((unsigned char)l[n]) || l[n] == ':');
}

static void load_error(script *sc, const char *file, int line, const char *text, const char *why) {
  if (!sc->error[0])
    snprintf(sc->error, sizeof(sc->error), "%s:%d: %s\n    does not parse: %s", file, line, text,
             why);
}

size_t cf_run_text(const char *file, const char *text, cf_report *rep) {
  size_t before = rep->n;
  script sc;
  int have = 0, lineno = 0;
  char line[CF_LINE_MAX + 2];
  const char *p = text;
  char orphan[1024] = "";
  memset(&sc, 0, sizeof(sc));
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    lineno++;
    int too_long = n > CF_LINE_MAX;
    if (too_long) n = CF_LINE_MAX;
    memcpy(line, p, n);
    line[n] = 0;
    p = nl ? nl + 1 : p + strlen(p);
    if (n && line[n - 1] == '\r') line[n - 1] = 0;
    strip_comment(line);
    char *l = line;
    while (isspace((unsigned char)*l)) l++;
    if (!*l) continue;
    if (is_kw(l, "script")) {
      if (have) {
        if (!sc.source[0]) load_error(&sc, file, sc.line, "script", "no `source` line");
        run_script(file, &sc, rep);
        script_free(&sc);
      }
      memset(&sc, 0, sizeof(sc));
      have = 1;
      sc.line = lineno;
      const char *nm = rest_of(l, 6);
      size_t k = strcspn(nm, " \t");
      if (!k || k >= sizeof(sc.name)) load_error(&sc, file, lineno, l, "script NAME [title]");
      snprintf(sc.name, sizeof(sc.name), "%.*s", (int)(k < sizeof(sc.name) ? k : 0), nm);
      continue;
    }
    if (!have) {
      if (!orphan[0])
        snprintf(orphan, sizeof(orphan), "%s:%d: %s\n    comes before the first `script` line",
                 file, lineno, l);
      continue;
    }
    if (too_long) {
      load_error(&sc, file, lineno, "(line)", "longer than 1024 characters");
      continue;
    }
    if (is_kw(l, "source")) {
      const char *v = rest_of(l, 6);
      if (!*v || strlen(v) >= sizeof(sc.source) || strchr(v, ' '))
        load_error(&sc, file, lineno, l, "source ONE-WORD");
      snprintf(sc.source, sizeof(sc.source), "%.31s", v);
      continue;
    }
    if (is_kw(l, "pending") || is_kw(l, "known-bug")) {
      int pend = l[0] == 'p';
      const char *v = rest_of(l, pend ? 7 : 9);
      if (*v == ':') v = rest_of(v, 1);
      if (!*v) load_error(&sc, file, lineno, l, "say why (pending: issue 11 finding N ...)");
      sc.pending |= pend;
      sc.known_bug |= !pend;
      snprintf(sc.mark, sizeof(sc.mark), "%s", v);
      continue;
    }
    if (is_kw(l, "ref") || is_kw(l, "purpose") || is_kw(l, "differs") || is_kw(l, "note"))
      continue; /* documentation, kept in the file */
    if (sc.nsteps == CF_MAX_STEPS) {
      load_error(&sc, file, lineno, l, "more than 400 steps in one script");
      continue;
    }
    if (!sc.steps && !(sc.steps = calloc(CF_MAX_STEPS, sizeof(*sc.steps)))) {
      load_error(&sc, file, lineno, l, "out of memory");
      continue;
    }
    cf_step *st = &sc.steps[sc.nsteps];
    if (cf_tokenize(st, l, lineno) < 0) {
      load_error(&sc, file, lineno, l, "more than 48 tokens");
      continue;
    }
    char why[256];
    if (cf_check_step(st, why, sizeof(why)) < 0) {
      load_error(&sc, file, lineno, l, why);
      cf_step_free(st);
      continue;
    }
    sc.nsteps++;
  }
  if (have) {
    if (!sc.source[0]) load_error(&sc, file, sc.line, "script", "no `source` line");
    run_script(file, &sc, rep);
    script_free(&sc);
  }
  if (orphan[0] || !have) {
    cf_result *res = report_add(rep);
    if (res) {
      snprintf(res->name, sizeof(res->name), "(file)");
      snprintf(res->file, sizeof(res->file), "%s", file);
      snprintf(res->msg, sizeof(res->msg), "%s", orphan[0] ? orphan : "no `script` in the file");
      res->outcome = CF_FAIL;
      rep->count[CF_FAIL]++;
    }
  }
  return rep->n - before;
}

size_t cf_run_file(const char *path, cf_report *rep) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t n = 0;
  if (f) {
    buf = malloc(CF_MAX_FILE + 1);
    if (buf) n = fread(buf, 1, CF_MAX_FILE + 1, f);
    fclose(f);
  }
  if (!buf || n > CF_MAX_FILE || memchr(buf, 0, n)) {
    free(buf);
    cf_result *res = report_add(rep);
    if (!res) return 0;
    snprintf(res->name, sizeof(res->name), "(file)");
    snprintf(res->file, sizeof(res->file), "%s", base);
    snprintf(res->msg, sizeof(res->msg), "%s: cannot read (missing, over 1 MiB, or binary)", path);
    res->outcome = CF_FAIL;
    rep->count[CF_FAIL]++;
    return 1;
  }
  buf[n] = 0;
  size_t k = cf_run_text(base, buf, rep);
  free(buf);
  return k;
}

size_t cf_report_failures(const cf_report *rep) {
  return rep->count[CF_FAIL] + rep->count[CF_PENDING_FIXED] + rep->count[CF_BUG_FIXED];
}

const char *cf_outcome_name(cf_outcome o) {
  static const char *n[] = {
      "pass", "FAIL", "pending", "FIXED (pending)", "known-bug", "FIXED (known-bug)"};
  return (unsigned)o < 6 ? n[o] : "?";
}

void cf_report_print(const cf_report *rep, int verbose) {
  for (size_t i = 0; i < rep->n; i++) {
    const cf_result *r = &rep->r[i];
    if (r->outcome == CF_PASS && !verbose) continue;
    fprintf(stderr, "[%-9s] %-10s %s:%d %s%s%s\n", cf_outcome_name(r->outcome), r->source, r->file,
            r->line, r->name, r->mark[0] ? " -- " : "", r->mark);
    if (r->outcome != CF_PASS && r->msg[0]) fprintf(stderr, "    %s\n", r->msg);
  }
  fprintf(stderr,
          "conformance: %zu scripts: %zu pass, %zu fail, %zu pending, %zu known-bug, "
          "%zu marked but now passing\n",
          rep->n, rep->count[CF_PASS], rep->count[CF_FAIL], rep->count[CF_PENDING],
          rep->count[CF_KNOWN_BUG], rep->count[CF_PENDING_FIXED] + rep->count[CF_BUG_FIXED]);
}

void cf_report_free(cf_report *rep) {
  free(rep->r);
  rep->r = NULL;
  rep->n = rep->cap = 0;
}
