/* SPDX-License-Identifier: MIT */
/*
 * Internals of the conformance language: tokens, steps, symbols, values,
 * and the run state shared by cf_lang.c (parsing, checking, values),
 * cf_run.c (the system under test and the virtual clock) and cf_wire.c
 * (building injected packets, matching expected ones).
 */
#ifndef CSCTP_CF_LANG_H
#define CSCTP_CF_LANG_H

#include <csctp/sctp.h>
#include <stdint.h>

#include "cf_pkt.h"
#include "cf_script.h"
#include "prng.h"

#define CF_LINE_MAX 1024 /* longest line */
#define CF_MAX_TOK 48    /* tokens per line */
#define CF_MAX_STEPS 400 /* steps per script */
#define CF_MAX_VARS 64
#define CF_VAR_BYTES 2048 /* largest captured byte string (a state cookie) */
#define CF_MAX_QUEUE 256  /* packets written by the system under test, not yet expected */
#define CF_MAX_EVENTS 256

/* A token `key OP value` (OP one of = != >= <=), or a bare word (op[0] == 0). */
typedef struct cf_tok {
  const char *key;
  const char *val; /* "" for a bare word */
  char op[3];
} cf_tok;

typedef struct cf_step {
  int line;
  char *text; /* the line as written (for messages) */
  char *buf;  /* tokens point into it */
  cf_tok tok[CF_MAX_TOK];
  int ntok;
} cf_step;

typedef struct cf_var {
  char name[32];
  int is_bytes;
  uint32_t v;
  uint8_t *b; /* CF_VAR_BYTES, allocated when first used as bytes */
  size_t blen;
} cf_var;

typedef struct cf_qpkt {
  uint8_t *b;
  size_t len;
  csctp_addr to;
  csctp_tstamp at;
} cf_qpkt;

typedef struct cf_ev {
  csctp_event_type type;
  uint32_t a, b, c, d; /* type-specific: see cf_run.c ev_field */
} cf_ev;

typedef struct cf_run {
  const char *file;
  const char *script;
  /* outcome */
  int failed;
  char *msg;
  size_t msgcap;
  /* system under test */
  int use_endpoint;
  int started;
  int udp; /* endpoint addresses carry a 2-byte UDP port */
  int listen;
  csctp_config cfg;
  csctp_prng rng;
  csctp_assoc *a; /* engine target, or the endpoint's current association */
  csctp_endpoint *ep;
  csctp_tstamp t0, now;
  /* what it wrote, what it reported */
  cf_qpkt q[CF_MAX_QUEUE];
  int qhead, qn;
  cf_ev ev[CF_MAX_EVENTS];
  int nev;
  cf_var vars[CF_MAX_VARS];
  int nvars;
  const cf_step *cur; /* the step being run (messages) */
} cf_run;

/* ---- symbols ---- */
typedef struct cf_sym {
  const char *name;
  uint32_t v;
} cf_sym;

extern const cf_sym cf_chunk_syms[];
extern const cf_sym cf_value_syms[]; /* causes, parameter types, states, reasons, events */
int cf_sym_find(const cf_sym *t, const char *name, uint32_t *v);

/* ---- failing ---- */
void cf_fail(cf_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- values ---- */
/* Integer value: number, symbol, $VAR, $VAR+N, $VAR-N. Fails the run (returns -1) on error. */
int cf_eval_u32(cf_run *r, const char *key, const char *s, uint32_t *out);
/* Byte string: $VAR (bytes), hex:..., or "" (empty). Points into the run or a static buffer. */
int cf_eval_bytes(cf_run *r, const char *key, const char *s, const uint8_t **p, size_t *n,
                  uint8_t *tmp, size_t tmpcap);
cf_var *cf_var_get(cf_run *r, const char *name);
cf_var *cf_var_set_u32(cf_run *r, const char *name, uint32_t v);
cf_var *cf_var_set_bytes(cf_run *r, const char *name, const uint8_t *p, size_t n);
/* Compares (or captures, when val is ?NAME) an integer field. Returns 0 or -1 (why in `why`). */
int cf_match_u32(cf_run *r, const cf_tok *t, uint32_t got, char *why, size_t cap);
int cf_match_bytes(cf_run *r, const cf_tok *t, const uint8_t *p, size_t n, char *why, size_t cap);
/* Durations: 100, 100ms, 3s, 250us -> microseconds. */
int cf_parse_duration(const char *s, csctp_tstamp *out);
/* Addresses: A..Z (10.0.0.1..26), A:PORT with a UDP port. */
int cf_parse_addr(const cf_run *r, const char *s, csctp_addr *out);

/* Finds key in tokens [from, to); NULL when absent. */
const cf_tok *cf_find(const cf_step *s, int from, int to, const char *key);

/* ---- checking at load time: 0 or -1 with the reason in why ---- */
int cf_check_step(const cf_step *s, char *why, size_t cap);

/* ---- cf_wire.c ---- */
int cf_is_chunk_word(const char *w, uint32_t *type);
/* Builds and injects the packet of a `send` step. */
void cf_do_send(cf_run *r, const cf_step *s);
/* Matches the packet of an `expect` step against a queued packet. 0 or -1 (why). */
int cf_match_packet(cf_run *r, const cf_step *s, const uint8_t *b, size_t len, const csctp_addr *to,
                    char *why, size_t cap);
/* Allowed keys (NULL-terminated) of a chunk in send or expect; packet-level keys. */
const char *const *cf_chunk_keys(uint32_t type, int expect);
extern const char *const cf_send_pkt_keys[];
extern const char *const cf_expect_pkt_keys[];

/* ---- cf_run.c ---- */
int cf_start(cf_run *r);
void cf_pull(cf_run *r);
void cf_inject(cf_run *r, const csctp_addr *from, const uint8_t *p, size_t len);
void cf_run_step(cf_run *r, const cf_step *s);
void cf_run_free(cf_run *r);
int cf_config_key(const char *key);

#endif
