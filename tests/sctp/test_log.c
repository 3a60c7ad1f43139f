/* SPDX-License-Identifier: MIT */
/*
 * Logging (src/log.h, the CSCTP_DEBUG parser of src/common.c): the level and
 * category reaching the hook for known engine events, the threshold, the
 * parser of categories and levels, and user_data as the hook's last argument.
 */
#include <stdio.h>

#include "assoc_util.h"
#include "log.h"

#define T0 ((csctp_tstamp)1000000)
#define CAPTURE_MAGIC 0x6c6f6721u
#define CAPTURE_MAX 64

typedef struct capture {
  uint32_t magic; /* proves user_data arrived where the hook reads it */
  int n;
  struct {
    uint32_t category;
    csctp_log_level level;
    char text[CSCTP_LOG_LINE];
  } line[CAPTURE_MAX];
} capture;

static void capture_hook(uint32_t category, csctp_log_level level, const char *text,
                         void *user_data) {
  capture *c = user_data;
  cr_assert(c && c->magic == CAPTURE_MAGIC, "user_data is not the hook's last argument");
  cr_assert(text && strlen(text) < CSCTP_LOG_LINE);
  if (c->n == CAPTURE_MAX) return;
  c->line[c->n].category = category;
  c->line[c->n].level = level;
  snprintf(c->line[c->n].text, sizeof c->line[c->n].text, "%s", text);
  c->n++;
}

static void capture_init(capture *c) {
  memset(c, 0, sizeof *c);
  c->magic = CAPTURE_MAGIC;
}

/* The index of the first line containing `needle`, or -1. */
static int capture_find(const capture *c, const char *needle) {
  for (int i = 0; i < c->n; i++)
    if (strstr(c->line[i].text, needle)) return i;
  return -1;
}

static void capture_dump(const capture *c) {
  for (int i = 0; i < c->n; i++)
    fprintf(stderr, "  [%s] %s\n", csctp_log_level_name(c->line[i].level), c->line[i].text);
}

/* A side whose SCTP lines go to `c`, filtered by `spec` (CSCTP_DEBUG syntax). */
static void side_new_logged(side *s, uint64_t seed, capture *c, const char *spec) {
  memset(s, 0, sizeof(*s));
  csctp_config cfg = test_config(s, seed);
  cfg.log = capture_hook;
  cfg.log_user_data = c;
  cfg.log_mask = csctp_log_mask_parse(spec);
  csctp_log_levels_parse(spec, cfg.log_levels);
  cr_assert_eq(csctp_assoc_new(&s->a, &cfg), 0);
}

/* A DATA chunk (TSN 1, stream 0, PPID 0, one byte) under `vtag`. */
static void data_pkt(pkt *p, uint32_t vtag) {
  static const uint8_t data[] = {0, 0x03, 0, 17, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 'x', 0, 0, 0};
  build_pkt(p, vtag, data, sizeof data);
}

/* ------------------------------------------------------------ levels at the hook */

Test(log, state_changes_are_info_with_user_data_last) {
  capture cx, cy;
  capture_init(&cx);
  capture_init(&cy);
  side x, y;
  side_new_logged(&x, 1, &cx, "sctp"); /* no level: every level, as before levels existed */
  side_new_logged(&y, 2, &cy, "sctp");
  establish(&x, &y, T0);
  int i = capture_find(&cx, "CLOSED -> COOKIE-WAIT");
  cr_assert_geq(i, 0, "no COOKIE-WAIT line");
  cr_assert_eq(cx.line[i].level, CSCTP_LOG_INFO);
  cr_assert_eq(cx.line[i].category, CSCTP_LOG_SCTP);
  i = capture_find(&cx, "COOKIE-WAIT -> COOKIE-ECHOED");
  cr_assert_geq(i, 0);
  cr_assert_eq(cx.line[i].level, CSCTP_LOG_INFO);
  i = capture_find(&cy, "ESTABLISHED");
  cr_assert_geq(i, 0, "no ESTABLISHED line");
  cr_assert_eq(cy.line[i].level, CSCTP_LOG_INFO);
  cr_assert_eq(cy.line[i].category, CSCTP_LOG_SCTP);
  /* Per-chunk detail (what the peer's INIT announced) is DEBUG, and passes without a level. */
  i = capture_find(&cy, "does not announce zero checksum");
  cr_assert_geq(i, 0);
  cr_assert_eq(cy.line[i].level, CSCTP_LOG_DEBUG);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(log, wrong_verification_tag_is_warn) {
  capture cx, cy;
  capture_init(&cx);
  capture_init(&cy);
  side x, y;
  side_new_logged(&x, 3, &cx, "*");
  side_new_logged(&y, 4, &cy, "*");
  establish(&x, &y, T0);
  pkt p;
  data_pkt(&p, y.a->local_tag ^ 0x5a5a5a5au);
  int before = cy.n;
  cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
  cr_assert_eq(cy.n, before + 1, "one line for the dropped packet");
  cr_assert_eq(cy.line[before].level, CSCTP_LOG_WARN);
  cr_assert_eq(cy.line[before].category, CSCTP_LOG_SCTP);
  cr_assert(strstr(cy.line[before].text, "wrong verification tag"), "%s", cy.line[before].text);
  /* The live tag itself is not written to the log. */
  char own[16];
  snprintf(own, sizeof own, "%08x", y.a->local_tag);
  cr_assert_null(strstr(cy.line[before].text, own));
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(log, abort_levels) {
  capture cx, cy;
  capture_init(&cx);
  capture_init(&cy);
  side x, y;
  side_new_logged(&x, 5, &cx, "sctp");
  side_new_logged(&y, 6, &cy, "sctp");
  establish(&x, &y, T0);
  cr_assert_eq(csctp_assoc_abort(x.a, "bye", T0), 0);
  exchange(&x, &y, T0);
  /* Our own abort is news (INFO); the peer's ABORT a warning on its side. */
  int i = capture_find(&cx, "-> CLOSED");
  cr_assert_geq(i, 0);
  cr_assert_eq(cx.line[i].level, CSCTP_LOG_INFO);
  i = capture_find(&cy, "ABORT received");
  cr_assert_geq(i, 0);
  cr_assert_eq(cy.line[i].level, CSCTP_LOG_WARN);
  i = capture_find(&cy, "-> CLOSED");
  cr_assert_geq(i, 0);
  cr_assert_eq(cy.line[i].level, CSCTP_LOG_WARN);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(log, unreachable_peer_is_error) {
  capture cx;
  capture_init(&cx);
  side x;
  side_new_logged(&x, 7, &cx, "sctp:error");
  cr_assert_eq(csctp_assoc_connect(x.a, T0), 0);
  /* Nobody answers: INIT is retransmitted until max_init_retransmits (4). */
  csctp_tstamp now = T0;
  for (int k = 0; k < 100 && csctp_assoc_get_state(x.a) != CSCTP_STATE_CLOSED; k++) {
    pkt p[8];
    side_pull(&x, p, 8, now);
    now = csctp_assoc_expiry(x.a);
    if (now == CSCTP_TSTAMP_NONE) break;
    csctp_assoc_handle_expiry(x.a, now);
  }
  cr_assert_eq(csctp_assoc_get_state(x.a), CSCTP_STATE_CLOSED);
  /* At the ERROR threshold, the failure is the only line. */
  cr_assert_eq(cx.n, 1, "lines: %d", cx.n);
  cr_assert_eq(cx.line[0].level, CSCTP_LOG_ERROR);
  cr_assert(strstr(cx.line[0].text, "-> CLOSED"), "%s", cx.line[0].text);
  csctp_assoc_del(x.a);
}

/* ------------------------------------------------------------ the threshold */

Test(log, warn_threshold_hides_info_and_debug) {
  capture cx, cy;
  capture_init(&cx);
  capture_init(&cy);
  side x, y;
  side_new_logged(&x, 8, &cx, "sctp:warn");
  side_new_logged(&y, 9, &cy, "sctp:warn");
  establish(&x, &y, T0);
  if (cx.n || cy.n) {
    capture_dump(&cx);
    capture_dump(&cy);
  }
  cr_assert_eq(cx.n, 0, "a clean handshake has nothing above INFO");
  cr_assert_eq(cy.n, 0);
  /* The hook is on: a WARN line gets through. */
  pkt p;
  data_pkt(&p, 0x01020304u ^ y.a->local_tag);
  cr_assert_eq(csctp_assoc_read_packet(y.a, p.b, p.len, T0), 0);
  cr_assert_eq(cy.n, 1);
  cr_assert_eq(cy.line[0].level, CSCTP_LOG_WARN);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(log, set_threshold_in_config) {
  capture cx, cy;
  capture_init(&cx);
  capture_init(&cy);
  side x, y;
  memset(&x, 0, sizeof x);
  csctp_config cfg = test_config(&x, 10);
  cfg.log = capture_hook;
  cfg.log_user_data = &cx;
  cfg.log_mask = CSCTP_LOG_ALL;
  csctp_log_levels_set(cfg.log_levels, CSCTP_LOG_ALL, CSCTP_LOG_INFO);
  cr_assert_eq(csctp_assoc_new(&x.a, &cfg), 0);
  side_new_logged(&y, 11, &cy, "dtls"); /* no SCTP category: nothing */
  establish(&x, &y, T0);
  cr_assert_gt(cx.n, 0);
  for (int i = 0; i < cx.n; i++) cr_assert_leq(cx.line[i].level, CSCTP_LOG_INFO);
  cr_assert_lt(capture_find(&cx, "announce"), 0, "the DEBUG lines are filtered");
  cr_assert_eq(cy.n, 0);
  csctp_assoc_del(x.a);
  csctp_assoc_del(y.a);
}

Test(log, filter_check) {
  uint32_t none[CSCTP_LOG_LEVELS] = {0};
  uint32_t lv[CSCTP_LOG_LEVELS] = {0};
  /* No hook, no category: off. All-zero levels: every level of the mask. */
  cr_assert_not(csctp_log_on(NULL, CSCTP_LOG_ALL, none, CSCTP_LOG_SCTP, CSCTP_LOG_ERROR));
  cr_assert_not(csctp_log_on(capture_hook, CSCTP_LOG_DTLS, none, CSCTP_LOG_SCTP, CSCTP_LOG_ERROR));
  cr_assert(csctp_log_on(capture_hook, CSCTP_LOG_SCTP, none, CSCTP_LOG_SCTP, CSCTP_LOG_DEBUG));
  /* With levels: the mask still selects the categories. */
  csctp_log_levels_set(lv, CSCTP_LOG_ALL, CSCTP_LOG_WARN);
  cr_assert(csctp_log_on(capture_hook, CSCTP_LOG_SCTP, lv, CSCTP_LOG_SCTP, CSCTP_LOG_WARN));
  cr_assert_not(csctp_log_on(capture_hook, CSCTP_LOG_SCTP, lv, CSCTP_LOG_SCTP, CSCTP_LOG_INFO));
  cr_assert_not(csctp_log_on(capture_hook, CSCTP_LOG_SCTP, lv, CSCTP_LOG_DC, CSCTP_LOG_ERROR));
  /* A level out of range is never logged (and never indexes past the array). */
  cr_assert_not(
      csctp_log_on(capture_hook, CSCTP_LOG_ALL, none, CSCTP_LOG_SCTP, (csctp_log_level)4));
  cr_assert_not(
      csctp_log_on(capture_hook, CSCTP_LOG_ALL, none, CSCTP_LOG_SCTP, (csctp_log_level)-1));
}

/* ------------------------------------------------------------ CSCTP_DEBUG */

Test(log, mask_parse_with_and_without_levels) {
  cr_assert_eq(csctp_log_mask_parse(NULL), 0);
  cr_assert_eq(csctp_log_mask_parse(""), 0);
  cr_assert_eq(csctp_log_mask_parse("sctp,dtls"), CSCTP_LOG_SCTP | CSCTP_LOG_DTLS);
  cr_assert_eq(csctp_log_mask_parse("ice dc peer"), CSCTP_LOG_ICE | CSCTP_LOG_DC | CSCTP_LOG_PEER);
  cr_assert_eq(csctp_log_mask_parse("*"), CSCTP_LOG_ALL);
  cr_assert_eq(csctp_log_mask_parse("sctp:info,dtls"), CSCTP_LOG_SCTP | CSCTP_LOG_DTLS);
  cr_assert_eq(csctp_log_mask_parse("*:warn"), CSCTP_LOG_ALL);
  cr_assert_eq(csctp_log_mask_parse("sctp:DEBUG"), CSCTP_LOG_SCTP);
  /* Garbage is ignored item by item. */
  cr_assert_eq(csctp_log_mask_parse("sctp:loud,dc"), CSCTP_LOG_DC);
  cr_assert_eq(csctp_log_mask_parse("sctp:,:info,:,,, ,x:y:z,sctpx,sct,peer:info:debug,ice"),
               CSCTP_LOG_ICE);
  cr_assert_eq(csctp_log_mask_parse("**,sctp*"), 0);
  cr_assert_eq(csctp_log_mask_parse("SCTP,Dc"), CSCTP_LOG_SCTP | CSCTP_LOG_DC, "any case");
}

Test(log, levels_parse) {
  uint32_t lv[CSCTP_LOG_LEVELS];
  csctp_log_levels_parse("sctp:info,dtls", lv);
  cr_assert_eq(lv[CSCTP_LOG_ERROR], CSCTP_LOG_SCTP | CSCTP_LOG_DTLS);
  cr_assert_eq(lv[CSCTP_LOG_WARN], CSCTP_LOG_SCTP | CSCTP_LOG_DTLS);
  cr_assert_eq(lv[CSCTP_LOG_INFO], CSCTP_LOG_SCTP | CSCTP_LOG_DTLS);
  cr_assert_eq(lv[CSCTP_LOG_DEBUG], CSCTP_LOG_DTLS);
  /* In order: the later item wins for its categories. */
  csctp_log_levels_parse("*:warn,sctp", lv);
  cr_assert_eq(lv[CSCTP_LOG_ERROR], CSCTP_LOG_ALL);
  cr_assert_eq(lv[CSCTP_LOG_WARN], CSCTP_LOG_ALL);
  cr_assert_eq(lv[CSCTP_LOG_INFO], CSCTP_LOG_SCTP);
  cr_assert_eq(lv[CSCTP_LOG_DEBUG], CSCTP_LOG_SCTP);
  csctp_log_levels_parse("ice:Error", lv);
  cr_assert_eq(lv[CSCTP_LOG_ERROR], CSCTP_LOG_ICE);
  cr_assert_eq(lv[CSCTP_LOG_WARN] | lv[CSCTP_LOG_INFO] | lv[CSCTP_LOG_DEBUG], 0);
  /* Overwritten, never merged with what was there; garbage leaves everything at zero. */
  csctp_log_levels_parse("sctp:verbose,peer:", lv);
  for (int l = 0; l < CSCTP_LOG_LEVELS; l++) cr_assert_eq(lv[l], 0);
  lv[0] = lv[3] = 0xffu;
  csctp_log_levels_parse(NULL, lv);
  for (int l = 0; l < CSCTP_LOG_LEVELS; l++) cr_assert_eq(lv[l], 0);
}

Test(log, levels_set_and_names) {
  uint32_t lv[CSCTP_LOG_LEVELS] = {0};
  csctp_log_levels_set(lv, CSCTP_LOG_SCTP | CSCTP_LOG_DC, CSCTP_LOG_DEBUG);
  csctp_log_levels_set(lv, CSCTP_LOG_DC, CSCTP_LOG_ERROR);
  cr_assert_eq(lv[CSCTP_LOG_ERROR], CSCTP_LOG_SCTP | CSCTP_LOG_DC);
  cr_assert_eq(lv[CSCTP_LOG_WARN], CSCTP_LOG_SCTP);
  cr_assert_eq(lv[CSCTP_LOG_DEBUG], CSCTP_LOG_SCTP);
  cr_assert_str_eq(csctp_log_level_name(CSCTP_LOG_ERROR), "error");
  cr_assert_str_eq(csctp_log_level_name(CSCTP_LOG_WARN), "warn");
  cr_assert_str_eq(csctp_log_level_name(CSCTP_LOG_INFO), "info");
  cr_assert_str_eq(csctp_log_level_name(CSCTP_LOG_DEBUG), "debug");
  cr_assert_str_eq(csctp_log_level_name((csctp_log_level)9), "?");
}
