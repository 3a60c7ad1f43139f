/* SPDX-License-Identifier: MIT */
/*
 * Versioned public structs (common.h, the ngtcp2 scheme): V1 layouts stay as frozen in
 * abi_v1.h, the library touches no byte past a caller's version, unknown versions are
 * refused without writing anything, and the mechanism that completes an older caller's
 * struct with defaults (src/versioned.h) keeps the caller's fields and defaults the rest.
 */
#include <criterion/criterion.h>
#include <stddef.h>
#include <string.h>

#include "abi_stats_v1.h"
#include "abi_v1.h"
#include "versioned.h"

#define GUARD 0xa5
#define SLACK 64

static int rand_ok(uint8_t *buf, size_t len, void *user_data) {
  (void)user_data;
  for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)(i * 37 + 11);
  return 0;
}

/* Every byte from `from` to `to` is the guard. */
static int untouched(const unsigned char *b, size_t from, size_t to) {
  for (size_t i = from; i < to; i++)
    if (b[i] != GUARD) return 0;
  return 1;
}

#define CHECK_SIZE(T, V1) \
  cr_expect_geq(sizeof(T), sizeof(struct V1), #T " is smaller than its frozen V1 layout");
#define CHECK_FIELD(T, V1, F)                                                            \
  cr_expect_eq(offsetof(T, F), offsetof(struct V1, F), #T "." #F " moved (%zu, V1 %zu)", \
               offsetof(T, F), offsetof(struct V1, F));                                  \
  cr_expect_eq(sizeof(((T *)0)->F), sizeof(((struct V1 *)0)->F), #T "." #F " changed size");

/* clang-format off */
Test(abi, v1_fields_keep_their_offsets_and_sizes) { CSCTP_ABI_V1_CHECKS(CHECK_SIZE, CHECK_FIELD) }
Test(abi, stats_v1_fields_keep_their_offsets_and_sizes) {
  CSCTP_ABI_STATS_V1_CHECKS(CHECK_SIZE, CHECK_FIELD)
}
/* clang-format on */
/* A caller built against V1: the defaults fill exactly V1's bytes; FUTURE is the first version
 * this library does not know. */
#define DEFAULTS_V1(FN, V1, VER, FUTURE)                                               \
  do {                                                                                 \
    unsigned char b[sizeof(struct V1) + SLACK];                                        \
    memset(b, GUARD, sizeof b);                                                        \
    cr_assert_eq(FN(VER, (void *)b), 0, #FN);                                          \
    cr_assert(untouched(b, sizeof(struct V1), sizeof b), #FN " wrote past V1");        \
    cr_assert_not(untouched(b, 0, sizeof(struct V1)), #FN " wrote nothing");           \
    memset(b, GUARD, sizeof b);                                                        \
    cr_assert_eq(FN(0, (void *)b), CSCTP_ERR_INVALID_ARGUMENT, #FN " took version 0"); \
    cr_assert_eq(FN(FUTURE, (void *)b), CSCTP_ERR_INVALID_ARGUMENT,                    \
                 #FN " took a version from the future");                               \
    cr_assert_eq(FN(VER, NULL), CSCTP_ERR_INVALID_ARGUMENT, #FN " took NULL");         \
    cr_assert(untouched(b, 0, sizeof b), #FN " wrote for a refused version");          \
  } while (0)

Test(abi, defaults_write_exactly_the_callers_version) {
  DEFAULTS_V1(csctp_config_default_versioned, config_v1, CSCTP_CONFIG_V1, 6);
  DEFAULTS_V1(csctp_dc_config_default_versioned, dc_config_v1, CSCTP_DC_CONFIG_V1, 2);
  DEFAULTS_V1(csctp_dtls_config_default_versioned, dtls_config_v1, CSCTP_DTLS_CONFIG_V1, 2);
  DEFAULTS_V1(csctp_ice_config_default_versioned, ice_config_v1, CSCTP_ICE_CONFIG_V1, 2);
  DEFAULTS_V1(csctp_peer_config_default_versioned, peer_config_v1, CSCTP_PEER_CONFIG_V1, 6);
  DEFAULTS_V1(csctp_connect_opts_init_versioned, connect_opts_v1, CSCTP_CONNECT_OPTS_V1, 5);
  /* The macros pass the header's version, which is the newest. */
  cr_assert_eq(CSCTP_CONFIG_VERSION, CSCTP_CONFIG_V5);
  csctp_config c;
  cr_assert_eq(csctp_config_default(&c), 0);
  cr_assert_eq(c.mtu, 1200);
  /* Version 4 (ECN, then multi-homing) appends after V3's last field; a V3 caller gets none
   * of it. */
  {
    unsigned char b[sizeof(csctp_config) + SLACK];
    size_t v3_end = offsetof(csctp_config, ecn);
    cr_assert_gt(offsetof(csctp_config, max_paths), v3_end);
    cr_assert_geq(v3_end, offsetof(csctp_config, auth_hmac) + sizeof(int));
    memset(b, GUARD, sizeof b);
    cr_assert_eq(csctp_config_default_versioned(CSCTP_CONFIG_V3, (void *)b), 0);
    cr_assert(untouched(b, v3_end, sizeof b), "a V3 caller's defaults wrote past V3");
    cr_assert_eq(c.max_paths, 1, "single-homed by default");
  }
}

/* csctp_connect_opts V2 appended plpmtud_max and plpmtud_probe_timer after V1's last field. */
Test(abi, connect_opts_v2_appends_plpmtud) {
  cr_assert_eq(CSCTP_CONNECT_OPTS_VERSION, CSCTP_CONNECT_OPTS_V4);
  cr_assert_eq(offsetof(csctp_connect_opts, plpmtud_max),
               offsetof(struct connect_opts_v1, rcvbuf) + sizeof(uint32_t),
               "V2's first field must follow V1's last");
  csctp_connect_opts o;
  memset(&o, GUARD, sizeof o);
  cr_assert_eq(csctp_connect_opts_init(&o), 0);
  cr_assert_eq(o.plpmtud_max, 0, "off by default");
  cr_assert_eq(o.plpmtud_probe_timer, 0);
}

/* csctp_connect_opts V3 appended ecn after V2's last field; a V2 caller's defaults stop there. */
Test(abi, connect_opts_v3_appends_ecn) {
  cr_assert_eq(offsetof(csctp_connect_opts, ecn),
               offsetof(csctp_connect_opts, plpmtud_probe_timer) + sizeof(uint32_t));
  unsigned char b[sizeof(csctp_connect_opts) + SLACK];
  memset(b, GUARD, sizeof b);
  cr_assert_eq(csctp_connect_opts_init_versioned(CSCTP_CONNECT_OPTS_V2, (void *)b), 0);
  cr_assert(untouched(b, offsetof(csctp_connect_opts, ecn), sizeof b), "V2 defaults wrote V3's");
  csctp_connect_opts o;
  memset(&o, GUARD, sizeof o);
  cr_assert_eq(csctp_connect_opts_init(&o), 0);
  cr_assert_eq(o.ecn, 0, "off by default");
}

/* csctp_connect_opts V4 appended the multi-homing options after V3's ecn (and its padding); a
 * V3 caller's defaults stop there, and V4's defaults are the engine's. */
Test(abi, connect_opts_v4_appends_multihoming) {
  size_t v3_end = offsetof(csctp_connect_opts, local_addresses);
  cr_assert_geq(v3_end, offsetof(csctp_connect_opts, ecn) + sizeof(int));
  cr_assert_lt(v3_end, offsetof(csctp_connect_opts, ecn) + sizeof(int) + sizeof(void *));
  unsigned char b[sizeof(csctp_connect_opts) + SLACK];
  memset(b, GUARD, sizeof b);
  cr_assert_eq(csctp_connect_opts_init_versioned(CSCTP_CONNECT_OPTS_V3, (void *)b), 0);
  cr_assert(untouched(b, v3_end, sizeof b), "V3 defaults wrote V4's");
  csctp_connect_opts o;
  memset(&o, GUARD, sizeof o);
  cr_assert_eq(csctp_connect_opts_init(&o), 0);
  cr_assert_null(o.local_addresses);
  cr_assert_eq(o.n_local_addresses, 0, "single-homed by default");
  cr_assert_null(o.hosts);
  cr_assert_eq(o.n_hosts, 0);
  csctp_config c;
  cr_assert_eq(csctp_config_default(&c), 0);
  cr_assert_eq(o.path_max_retrans, c.path_max_retrans);
  cr_assert_eq(o.pf_max_retrans, c.pf_max_retrans);
  cr_assert_eq(o.ps_max_retrans, c.ps_max_retrans);
  cr_assert_eq(o.asconf, 0, "ASCONF off by default");
  size_t asconf_end = offsetof(csctp_connect_opts, asconf) + sizeof(int);
  cr_assert_lt(sizeof(csctp_connect_opts) - asconf_end, _Alignof(csctp_connect_opts),
               "asconf is V4's last field (then the padding only)");
}

/* csctp_config V3 appended the PLPMTUD fields: a V2 caller's struct ends where they begin, its
 * defaults stop there, and an association made from it has PLPMTUD off with the timers' defaults.
 */
Test(abi, config_v3_appends_plpmtud) {
  cr_assert_gt(offsetof(csctp_config, plpmtud_max), offsetof(csctp_config, scheduler));
  unsigned char b[sizeof(csctp_config) + SLACK];
  memset(b, GUARD, sizeof b);
  size_t v2_end = offsetof(csctp_config, plpmtud_max);
  cr_assert_eq(csctp_config_default_versioned(CSCTP_CONFIG_V2, (csctp_config *)(void *)b), 0);
  cr_assert(untouched(b, v2_end, sizeof b), "V2 defaults wrote V3's fields");
  csctp_config full;
  memcpy(&full, b, v2_end);
  full.rand = rand_ok;
  csctp_config buf;
  const csctp_config *in = csctp_config_in(CSCTP_CONFIG_V2, &full, &buf);
  cr_assert_not_null(in);
  cr_assert_eq(in->plpmtud_max, 0);
  cr_assert_eq(in->plpmtud_probe_timer, 15000);
  cr_assert_eq(in->plpmtud_raise_timer, 600000);
  cr_assert_eq(in->rand, rand_ok, "a V2 caller's field was lost");
  csctp_config v3;
  cr_assert_eq(csctp_config_default(&v3), 0);
  cr_assert_eq(v3.plpmtud_max, 0);
  cr_assert_eq(v3.plpmtud_probe_timer, 15000);
}

/* csctp_config V5 appended asconf after V4's last field: a V4 caller's struct ends where it
 * begins, its defaults stop there, and ASCONF is off for it (and by default). */
Test(abi, config_v5_appends_asconf) {
  cr_assert_eq(offsetof(csctp_config, asconf),
               offsetof(csctp_config, ps_max_retrans) + sizeof(uint32_t));
  unsigned char b[sizeof(csctp_config) + SLACK];
  memset(b, GUARD, sizeof b);
  size_t v4_end = offsetof(csctp_config, asconf);
  cr_assert_eq(csctp_config_default_versioned(CSCTP_CONFIG_V4, (csctp_config *)(void *)b), 0);
  cr_assert(untouched(b, v4_end, sizeof b), "V4 defaults wrote V5's fields");
  csctp_config full;
  memcpy(&full, b, v4_end);
  full.rand = rand_ok;
  csctp_config buf;
  const csctp_config *in = csctp_config_in(CSCTP_CONFIG_V4, &full, &buf);
  cr_assert_not_null(in);
  cr_assert_eq(in->asconf, 0);
  csctp_config d;
  cr_assert_eq(csctp_config_default(&d), 0);
  cr_assert_eq(d.asconf, 0);
}

/* csctp_config V4 appended ecn after V3's last field: a V3 caller's struct ends where it
 * begins, its defaults stop there, and ECN is off for it. */
Test(abi, config_v4_appends_ecn) {
  cr_assert_eq(offsetof(csctp_config, ecn), offsetof(csctp_config, auth_hmac) + sizeof(int));
  unsigned char b[sizeof(csctp_config) + SLACK];
  memset(b, GUARD, sizeof b);
  size_t v3_end = offsetof(csctp_config, ecn);
  cr_assert_eq(csctp_config_default_versioned(CSCTP_CONFIG_V3, (csctp_config *)(void *)b), 0);
  cr_assert(untouched(b, v3_end, sizeof b), "V3 defaults wrote V4's fields");
  csctp_config full;
  memcpy(&full, b, v3_end);
  full.rand = rand_ok;
  csctp_config buf;
  const csctp_config *in = csctp_config_in(CSCTP_CONFIG_V3, &full, &buf);
  cr_assert_not_null(in);
  cr_assert_eq(in->ecn, 0);
  cr_assert_eq(in->rand, rand_ok, "a V3 caller's field was lost");
  csctp_config v4;
  cr_assert_eq(csctp_config_default(&v4), 0);
  cr_assert_eq(v4.ecn, 0, "ECN off by default");
}

/* A getter called by a V1 caller writes V1's bytes; an unknown version (0, FUTURE) gets
 * nothing. */
#define STATS_V1(CALL_WITH, V1, VER, FUTURE)                                \
  do {                                                                      \
    unsigned char b[sizeof(struct V1) + SLACK];                             \
    memset(b, GUARD, sizeof b);                                             \
    cr_assert_eq(CALL_WITH(VER, (void *)b), 0);                             \
    cr_assert(untouched(b, sizeof(struct V1), sizeof b), "wrote past V1");  \
    memset(b, GUARD, sizeof b);                                             \
    cr_assert_eq(CALL_WITH(FUTURE, (void *)b), CSCTP_ERR_INVALID_ARGUMENT); \
    cr_assert_eq(CALL_WITH(0, (void *)b), CSCTP_ERR_INVALID_ARGUMENT);      \
    cr_assert(untouched(b, 0, sizeof b), "wrote for a refused version");    \
  } while (0)

static csctp_assoc *g_assoc;
static csctp_endpoint *g_ep;
static csctp_dc *g_dc;
static csctp_dtls *g_dtls;

#define ASSOC_STATS(V, P) csctp_assoc_get_stats_versioned(g_assoc, (V), (P))
#define EP_STATS(V, P) csctp_endpoint_get_stats_versioned(g_ep, (V), (P))
#define DC_STATS(V, P) csctp_dc_get_stats_versioned(g_dc, (V), (P))
#define DTLS_STATS(V, P) csctp_dtls_get_stats_versioned(g_dtls, (V), (P))

Test(abi, stats_write_exactly_the_callers_version) {
  csctp_config cfg;
  csctp_config_default(&cfg);
  cfg.rand = rand_ok;
  cr_assert_eq(csctp_assoc_new(&g_assoc, &cfg), 0);
  cr_assert_eq(csctp_endpoint_new(&g_ep, &cfg), 0);
  cr_assert_eq(csctp_dc_new(&g_dc, g_assoc, NULL), 0);
  csctp_dtls_cert *cert = NULL;
  cr_assert_eq(csctp_dtls_cert_generate(&cert, "abi", 1, NULL), 0);
  csctp_dtls_config dcfg;
  csctp_dtls_config_default(&dcfg);
  dcfg.cert = cert;
  cr_assert_eq(csctp_dtls_new(&g_dtls, &dcfg), 0);

  STATS_V1(ASSOC_STATS, stats_v1, CSCTP_STATS_V1, 6);
  STATS_V1(EP_STATS, endpoint_stats_v1, CSCTP_ENDPOINT_STATS_V1, 2);
  STATS_V1(DC_STATS, dc_stats_v1, CSCTP_DC_STATS_V1, 2);
  STATS_V1(DTLS_STATS, dtls_stats_v1, CSCTP_DTLS_STATS_V1, 3);
  /* csctp_dtls_stats version 2 (the handover counters): a V2 caller gets them all. */
  csctp_dtls_stats dst;
  memset(&dst, GUARD, sizeof dst);
  cr_assert_eq(csctp_dtls_get_stats_versioned(g_dtls, CSCTP_DTLS_STATS_V2, &dst), 0);
  cr_assert_eq(dst.dropped_replay + dst.dropped_auth + dst.dropped_other, 0);
  cr_assert_eq(CSCTP_DTLS_STATS_VERSION, CSCTP_DTLS_STATS_V2);
  /* csctp_stats version 2 appends after V1 (unacked_chunks, interleaving, scheduler). */
  cr_assert_eq(offsetof(csctp_stats, unacked_chunks), sizeof(struct stats_v1));
  csctp_stats sst;
  memset(&sst, GUARD, sizeof sst);
  cr_assert_eq(csctp_assoc_get_stats_versioned(g_assoc, CSCTP_STATS_V2, &sst), 0);
  cr_assert_eq(sst.unacked_chunks, 0);
  cr_assert_eq(sst.interleaving, 0);
  cr_assert_eq(sst.scheduler, CSCTP_SCHED_WFQ);
  /* csctp_stats version 3 appends the AUTH counters (RFC 4895): a V2 caller gets nothing of
   * them, a V3 caller gets them, zero. */
  {
    unsigned char b[sizeof(csctp_stats) + SLACK];
    size_t v2_end = offsetof(csctp_stats, auth);
    cr_assert_eq(v2_end, offsetof(csctp_stats, scheduler) + 1, "V3 must follow V2's last field");
    memset(b, GUARD, sizeof b);
    cr_assert_eq(csctp_assoc_get_stats_versioned(g_assoc, CSCTP_STATS_V2, (void *)b), 0);
    cr_assert(untouched(b, v2_end, sizeof b), "a V2 caller's stats written past V2");
    memset(&sst, GUARD, sizeof sst);
    cr_assert_eq(csctp_assoc_get_stats_versioned(g_assoc, CSCTP_STATS_V3, &sst), 0);
    cr_assert_eq(sst.auth + sst.auth_out + sst.auth_in + sst.auth_drop_missing, 0);
    cr_assert_eq(sst.auth_drop_bad_hmac + sst.auth_drop_key_id + sst.auth_drop_hmac_id, 0);
  }
  /* csctp_stats version 4 appends the ECN and multi-homing counters: a V3 caller gets
   * nothing of them, a V4 caller gets them (zero, one path). */
  {
    unsigned char b[sizeof(csctp_stats) + SLACK];
    size_t v3_end = offsetof(csctp_stats, ecn);
    cr_assert_eq(v3_end, offsetof(csctp_stats, auth_drop_hmac_id) + sizeof(uint64_t),
                 "V4 must follow V3's last field");
    memset(b, GUARD, sizeof b);
    cr_assert_eq(csctp_assoc_get_stats_versioned(g_assoc, CSCTP_STATS_V3, (void *)b), 0);
    cr_assert(untouched(b, v3_end, sizeof b), "a V3 caller's stats written past V3");
    memset(&sst, GUARD, sizeof sst);
    cr_assert_eq(csctp_assoc_get_stats_versioned(g_assoc, CSCTP_STATS_V4, &sst), 0);
    cr_assert_eq(sst.ecn + sst.ecn_ce_in + sst.ecn_ect_out + sst.ecne_out + sst.ecne_in, 0);
    cr_assert_eq(sst.cwr_out + sst.cwr_in + sst.ecn_cwnd_reductions + sst.ecne_ignored, 0);
    cr_assert_eq(sst.cwr_ignored + sst.ecn_unexpected, 0);
    cr_assert_eq(sst.n_paths, 1);
    cr_assert_eq(sst.path_failovers + sst.paths_confirmed + sst.drop_unknown_source, 0);
  }
  /* csctp_stats version 5 appends the ASCONF counters and more multi-homing counters: a V4
   * caller gets nothing of them, a V5 caller gets them (zero: ASCONF off, one path). */
  {
    unsigned char b[sizeof(csctp_stats) + SLACK];
    size_t v4_end = offsetof(csctp_stats, asconf);
    cr_assert_eq(v4_end, offsetof(csctp_stats, pf_transitions) + sizeof(uint64_t),
                 "V5 must follow V4's last field");
    memset(b, GUARD, sizeof b);
    cr_assert_eq(csctp_assoc_get_stats_versioned(g_assoc, CSCTP_STATS_V4, (void *)b), 0);
    cr_assert(untouched(b, v4_end, sizeof b), "a V4 caller's stats written past V4");
    memset(&sst, GUARD, sizeof sst);
    cr_assert_eq(csctp_assoc_get_stats_versioned(g_assoc, CSCTP_STATS_V5, &sst), 0);
    cr_assert_eq(sst.asconf + sst.asconf_in + sst.asconf_dup_in + sst.asconf_drop_unauth, 0);
    cr_assert_eq(sst.asconf_drop_serial + sst.asconf_addrs_added + sst.asconf_addrs_deleted, 0);
    cr_assert_eq(sst.asconf_primary_set + sst.asconf_refused, 0);
    cr_assert_eq(sst.restart_new_addr_aborts + sst.hb_dropped_ack_queued, 0);
    cr_assert_eq(sst.paths_unverified + sst.dormant_entered + sst.dormant, 0);
    cr_assert_eq(CSCTP_STATS_VERSION, CSCTP_STATS_V5);
  }
  cr_assert_eq(csctp_assoc_get_stats_versioned(NULL, CSCTP_STATS_V1, &(csctp_stats){0}),
               CSCTP_ERR_INVALID_ARGUMENT);
  /* Through the macro: the figures are there. */
  csctp_stats st;
  cr_assert_eq(csctp_assoc_get_stats(g_assoc, &st), 0);
  cr_assert_eq(st.cwnd, 0);
  csctp_dc_stats ds;
  memset(&ds, GUARD, sizeof ds);
  cr_assert_eq(csctp_dc_get_stats(g_dc, &ds), 0);
  cr_assert_eq(ds.channels_opened_local, 0);

  csctp_dtls_del(g_dtls);
  csctp_dtls_cert_del(cert);
  csctp_dc_del(g_dc);
  csctp_endpoint_del(g_ep);
  csctp_assoc_del(g_assoc);
}

/* An output function for csctp_socket_connect_transport that is never called. */
static void abi_no_output(const uint8_t *pkt, size_t len, void *user_data) {
  (void)pkt;
  (void)len;
  (void)user_data;
}

Test(abi, constructors_refuse_unknown_versions_and_create_nothing) {
  csctp_config cfg;
  csctp_config_default(&cfg);
  cfg.rand = rand_ok;
  csctp_assoc *a = (csctp_assoc *)&cfg; /* a sentinel that must stay */
  cr_assert_eq(csctp_assoc_new_versioned(&a, CSCTP_CONFIG_VERSION + 1, &cfg),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_assoc_new_versioned(&a, 0, &cfg), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(a, (csctp_assoc *)&cfg);
  csctp_endpoint *e = NULL;
  cr_assert_eq(csctp_endpoint_new_versioned(&e, CSCTP_CONFIG_VERSION + 1, &cfg),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_null(e);
  cr_assert_eq(csctp_assoc_new_versioned(&a, CSCTP_CONFIG_V1, &cfg), 0);
  csctp_dc *dc = NULL;
  csctp_dc_config dcc;
  csctp_dc_config_default(&dcc);
  cr_assert_eq(csctp_dc_new_versioned(&dc, a, CSCTP_DC_CONFIG_VERSION + 1, &dcc),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_null(dc);
  cr_assert_eq(csctp_dc_new_versioned(&dc, a, CSCTP_DC_CONFIG_V1, &dcc), 0);
  csctp_dc_del(dc);
  csctp_assoc_del(a);
  csctp_dtls_config dcfg;
  csctp_dtls_config_default(&dcfg);
  csctp_dtls *d = NULL;
  cr_assert_eq(csctp_dtls_new_versioned(&d, 7, &dcfg), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_null(d);
  csctp_dtls_sctp *t = NULL;
  cr_assert_eq(csctp_dtls_sctp_new_versioned(&t, CSCTP_DTLS_CONFIG_V1, &dcfg, 9, &cfg, 0),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_null(t);
  csctp_assoc *a2 = NULL;
  cr_assert_eq(csctp_assoc_new(&a2, &cfg), 0);
  cr_assert_eq(csctp_dtls_sctp_new_with_assoc_versioned(&t, 0, &dcfg, a2, 0),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_null(t);
  csctp_assoc_del(a2); /* refused: still ours */
  csctp_ice_config ic;
  csctp_ice_config_default(&ic);
  csctp_ice_agent *ia = NULL;
  cr_assert_eq(csctp_ice_agent_new_versioned(&ia, NULL, 3, &ic), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_null(ia);
  csctp_peer_config pc;
  csctp_peer_config_default(&pc);
  csctp_peer *p = NULL;
  cr_assert_eq(csctp_peer_new_versioned(&p, NULL, 4, &pc), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_null(p);
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.host = "127.0.0.1";
  csctp_socket *s = NULL;
  cr_assert_eq(csctp_socket_connect_versioned(NULL, 5, &o, NULL, NULL, &s, NULL),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_null(s);
  cr_assert_eq(csctp_socket_connect_transport_versioned(NULL, 5, &o, abi_no_output, NULL, NULL,
                                                        NULL, &s, NULL),
               CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_null(s);
}

/* csctp_config V3 also appended auth, auth_chunks and auth_hmac (RFC 4895): a V2 caller's
 * defaults write nothing past V2, a V2 caller's association has AUTH off, V3's defaults are
 * off, no chunk listed, SHA-256 then SHA-1. */
Test(abi, config_v3_auth_is_off_for_v2_callers) {
  size_t v2_end = offsetof(csctp_config, scheduler) + sizeof(int);
  cr_assert_gt(offsetof(csctp_config, auth), v2_end, "AUTH's fields are V3's");
  unsigned char b[sizeof(csctp_config) + SLACK];
  memset(b, GUARD, sizeof b);
  cr_assert_eq(csctp_config_default_versioned(CSCTP_CONFIG_V2, (csctp_config *)(void *)b), 0);
  cr_assert(untouched(b, v2_end, sizeof b), "a V2 caller's defaults wrote past V2");
  csctp_config c;
  memset(&c, GUARD, sizeof c);
  cr_assert_eq(csctp_config_default(&c), 0);
  cr_assert_eq(c.auth, 0);
  cr_assert_eq(c.auth_hmac, CSCTP_AUTH_HMAC_SHA256_SHA1);
  for (size_t i = 0; i < sizeof c.auth_chunks; i++) cr_assert_eq(c.auth_chunks[i], 0);
  /* A V2 caller's struct followed by bytes that would turn AUTH on: the library reads none. */
  memset(b, 0xff, sizeof b);
  cr_assert_eq(csctp_config_default_versioned(CSCTP_CONFIG_V2, (csctp_config *)(void *)b), 0);
  ((csctp_config *)(void *)b)->rand = rand_ok;
  csctp_assoc *a = NULL;
  cr_assert_eq(csctp_assoc_new_versioned(&a, CSCTP_CONFIG_V2, (csctp_config *)(void *)b), 0);
  cr_assert_eq(csctp_assoc_auth_set_key(a, 1, NULL, 0), CSCTP_ERR_INVALID_STATE);
  csctp_assoc_del(a);
}

/* csctp_peer_config V2 appended ice_pacing_ms and dtls_cipher_list: a V2 caller gets their
 * defaults; a V1 caller's struct ends where V2's fields begin, and the library reads no byte
 * past it (checked by the defaults test above and by the peer it creates). */
Test(abi, peer_config_v2_appends_after_v1) {
  cr_assert_geq(CSCTP_PEER_CONFIG_VERSION, CSCTP_PEER_CONFIG_V2);
  /* V2's first field follows V1's last (it may take V1's tail padding: the library's size of
   * a V1 struct is where V2 begins, so that padding is never read as a field). */
  cr_assert_eq(offsetof(csctp_peer_config, ice_pacing_ms),
               offsetof(struct peer_config_v1, log_levels) +
                   sizeof(((struct peer_config_v1 *)0)->log_levels),
               "V2's first field must follow V1's last");
  csctp_peer_config pc;
  memset(&pc, GUARD, sizeof pc);
  cr_assert_eq(csctp_peer_config_default(&pc), 0);
  cr_assert_eq(pc.ice_pacing_ms, CSCTP_PEER_DEFAULT_ICE_PACING_MS);
  cr_assert_null(pc.dtls_cipher_list);
  /* A V1 caller's peer: its struct is exactly V1 long, followed by guard bytes. */
  unsigned char b[sizeof(struct peer_config_v1) + SLACK];
  memset(b, GUARD, sizeof b);
  cr_assert_eq(csctp_peer_config_default_versioned(CSCTP_PEER_CONFIG_V1, (void *)b), 0);
  cr_assert(untouched(b, sizeof(struct peer_config_v1), sizeof b));
}

/* csctp_peer_config V3 appended ice_servers and n_ice_servers (RTCConfiguration.iceServers):
 * V2's struct ends where they begin (after snap and its padding), a V2 caller's defaults
 * write nothing past it, and a V3 caller's default is no URL. */
/* csctp_peer_config V4 appended interleaving and scheduler (RFC 8260): V3's struct ends where
 * they begin, a V3 caller's defaults write nothing past it, V4's defaults are on and WFQ. */
Test(abi, peer_config_v4_appends_after_v3) {
  cr_assert_geq(CSCTP_PEER_CONFIG_VERSION, CSCTP_PEER_CONFIG_V4);
  size_t v3_end = offsetof(csctp_peer_config, n_ice_servers) + sizeof(size_t);
  cr_assert_eq(offsetof(csctp_peer_config, interleaving), v3_end,
               "V4's first field must follow V3's last");
  csctp_peer_config pc;
  memset(&pc, GUARD, sizeof pc);
  cr_assert_eq(csctp_peer_config_default(&pc), 0);
  cr_assert_eq(pc.interleaving, 1);
  cr_assert_eq(pc.scheduler, CSCTP_SCHED_WFQ);
  unsigned char b[sizeof(csctp_peer_config) + SLACK];
  memset(b, GUARD, sizeof b);
  cr_assert_eq(csctp_peer_config_default_versioned(CSCTP_PEER_CONFIG_V3, (void *)b), 0);
  cr_assert(untouched(b, v3_end, sizeof b), "a V3 caller's defaults wrote past V3");
}

/* csctp_peer_config V5 appended plpmtud_max and plpmtud_probe_timer_ms (PLPMTUD over DTLS):
 * V4's struct ends where they begin, a V4 caller's defaults write nothing past it, and
 * V5's default is off (0, 0). */
Test(abi, peer_config_v5_appends_after_v4) {
  cr_assert_eq(CSCTP_PEER_CONFIG_VERSION, CSCTP_PEER_CONFIG_V5);
  size_t v4_end = offsetof(csctp_peer_config, scheduler) + sizeof(int);
  cr_assert_eq(offsetof(csctp_peer_config, plpmtud_max), v4_end,
               "V5's first field must follow V4's last");
  cr_assert_eq(offsetof(csctp_peer_config, plpmtud_probe_timer_ms), v4_end + sizeof(uint32_t));
  csctp_peer_config pc;
  memset(&pc, GUARD, sizeof pc);
  cr_assert_eq(csctp_peer_config_default(&pc), 0);
  cr_assert_eq(pc.plpmtud_max, 0, "PLPMTUD over DTLS is off by default");
  cr_assert_eq(pc.plpmtud_probe_timer_ms, 0);
  unsigned char b[sizeof(csctp_peer_config) + SLACK];
  memset(b, GUARD, sizeof b);
  cr_assert_eq(csctp_peer_config_default_versioned(CSCTP_PEER_CONFIG_V4, (void *)b), 0);
  cr_assert(untouched(b, v4_end, sizeof b), "a V4 caller's defaults wrote past V4");
}

Test(abi, peer_config_v3_appends_after_v2) {
  size_t v2_end = offsetof(csctp_peer_config, snap) + sizeof(int);
  size_t align = _Alignof(const csctp_peer_ice_server *);
  v2_end = (v2_end + align - 1) / align * align;
  cr_assert_eq(offsetof(csctp_peer_config, ice_servers), v2_end,
               "V3's first field must follow V2's last");
  cr_assert_eq(offsetof(csctp_peer_config, n_ice_servers),
               offsetof(csctp_peer_config, ice_servers) + sizeof(void *));
  csctp_peer_config pc;
  memset(&pc, GUARD, sizeof pc);
  cr_assert_eq(csctp_peer_config_default(&pc), 0);
  cr_assert_null(pc.ice_servers);
  cr_assert_eq(pc.n_ice_servers, 0);
  cr_assert_eq(pc.snap, 1);
  unsigned char b[sizeof(csctp_peer_config) + SLACK];
  memset(b, GUARD, sizeof b);
  cr_assert_eq(csctp_peer_config_default_versioned(CSCTP_PEER_CONFIG_V2, (void *)b), 0);
  cr_assert(untouched(b, v2_end, sizeof b), "a V2 caller's defaults wrote past V2");
  size_t snap = offsetof(csctp_peer_config, snap);
  cr_assert_not(untouched(b, snap, snap + sizeof(int)), "V2's last field was not written");
}

/* csctp_config V2 appended interleaving and scheduler (RFC 8260): V1's struct ends where they
 * begin, a V1 caller's defaults write nothing past it, and a V2 caller's defaults are off and
 * WFQ. An association made from a V1 struct gets those defaults. */
Test(abi, config_v2_appends_after_v1) {
  cr_assert_eq(offsetof(csctp_config, interleaving), sizeof(struct config_v1),
               "V2's first field must follow V1");
  csctp_config c;
  memset(&c, GUARD, sizeof c);
  cr_assert_eq(csctp_config_default(&c), 0);
  cr_assert_eq(c.interleaving, 0);
  cr_assert_eq(c.scheduler, CSCTP_SCHED_WFQ);
  unsigned char b[sizeof(csctp_config) + SLACK];
  memset(b, GUARD, sizeof b);
  cr_assert_eq(csctp_config_default_versioned(CSCTP_CONFIG_V1, (void *)b), 0);
  cr_assert(untouched(b, sizeof(struct config_v1), sizeof b),
            "a V1 caller's defaults wrote past V1");
  c.rand = rand_ok;
  c.scheduler = CSCTP_SCHED_COUNT;
  csctp_assoc *a = NULL;
  cr_assert_eq(csctp_assoc_new(&a, &c), CSCTP_ERR_INVALID_ARGUMENT, "an unknown scheduler");
  cr_assert_null(a);
}

/* csctp_config V3 appended the PLPMTUD fields and accept_assoc_reset (RFC 6525 §5.2.4): V2's
 * struct ends where they begin, a V2 caller's defaults write nothing past it, and the reset
 * default is off (Denied). */
Test(abi, config_v3_appends_after_v2) {
  size_t v2_end = offsetof(csctp_config, scheduler) + sizeof(int);
  cr_assert_eq(offsetof(csctp_config, plpmtud_max), v2_end,
               "V3's first field must follow V2's last");
  cr_assert_gt(offsetof(csctp_config, accept_assoc_reset), offsetof(csctp_config, plpmtud_max));
  csctp_config c;
  memset(&c, GUARD, sizeof c);
  cr_assert_eq(csctp_config_default(&c), 0);
  cr_assert_eq(c.accept_assoc_reset, 0);
  unsigned char b[sizeof(csctp_config) + SLACK];
  memset(b, GUARD, sizeof b);
  cr_assert_eq(csctp_config_default_versioned(CSCTP_CONFIG_V2, (void *)b), 0);
  cr_assert(untouched(b, v2_end, sizeof b), "a V2 caller's defaults wrote past V2");
  cr_assert_not(untouched(b, offsetof(csctp_config, scheduler), v2_end),
                "V2's last field was not written");
}

/* ---- the mechanism, on a struct with two versions ---- */

typedef struct toy {
  uint32_t a, b; /* V1 */
  uint64_t c;    /* V2 */
} toy;

static void toy_defaults(void *p) {
  toy *t = p;
  t->a = 1;
  t->b = 2;
  t->c = 3;
}

Test(abi, an_older_callers_struct_is_completed_with_defaults) {
  /* A V1 caller: its 8 bytes, and a guard where V2's field would be. */
  unsigned char user[sizeof(toy)];
  memset(user, GUARD, sizeof user);
  uint32_t mine[2] = {40, 41};
  memcpy(user, mine, sizeof mine);
  toy buf;
  const toy *t = csctp_versioned_in(user, offsetof(toy, c), &buf, sizeof buf, toy_defaults);
  cr_assert_eq(t, &buf);
  cr_assert_eq(t->a, 40);
  cr_assert_eq(t->b, 41);
  cr_assert_eq(t->c, 3, "V2's field takes its default, not the caller's bytes");
  /* A current caller: its own struct, not a copy. */
  toy cur = {7, 8, 9};
  cr_assert_eq(csctp_versioned_in(&cur, sizeof cur, &buf, sizeof buf, toy_defaults), &cur);
  /* Unknown version or NULL. */
  cr_assert_null(csctp_versioned_in(&cur, 0, &buf, sizeof buf, toy_defaults));
  cr_assert_null(csctp_versioned_in(NULL, sizeof cur, &buf, sizeof buf, toy_defaults));
}
