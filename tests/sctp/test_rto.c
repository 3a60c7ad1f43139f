/* SPDX-License-Identifier: MIT */
/* RTO computation (src/rto.c) against values worked out by hand from RFC 9260 §6.3.1. */
#include <criterion/criterion.h>

#include "rto.h"

#define MS CSCTP_MILLISECONDS

Test(rto, initial_value_until_measured) {
  csctp_rto r;
  csctp_rto_init(&r, 3000, 1000, 60000);
  cr_assert_eq(r.rto, 3000 * MS);
  cr_assert_eq(r.measured, 0);
  cr_assert_eq(r.srtt, 0);
}

Test(rto, first_sample_clamped_to_min) {
  csctp_rto r;
  csctp_rto_init(&r, 3000, 1000, 60000);
  csctp_rto_update(&r, 100 * MS);
  /* C2: SRTT = 100, RTTVAR = 50, RTO = 100 + 4*50 = 300 ms, raised to RTO.Min 1 s. */
  cr_assert_eq(r.srtt, 100 * MS);
  cr_assert_eq(r.rttvar, 50 * MS);
  cr_assert_eq(r.rto, 1000 * MS);
}

Test(rto, second_sample_smoothing) {
  csctp_rto r;
  csctp_rto_init(&r, 3000, 100, 60000);
  csctp_rto_update(&r, 100 * MS);
  cr_assert_eq(r.rto, 300 * MS); /* 100 + 4*50, above the 100 ms minimum */
  csctp_rto_update(&r, 200 * MS);
  /* C3: RTTVAR = 3/4*50 + 1/4*|100-200| = 62.5; SRTT = 7/8*100 + 1/8*200 = 112.5;
   * RTO = 112.5 + 4*62.5 = 362.5 ms. */
  cr_assert_eq(r.rttvar, 62500);
  cr_assert_eq(r.srtt, 112500);
  cr_assert_eq(r.rto, 362500);
}

Test(rto, clamped_to_max) {
  csctp_rto r;
  csctp_rto_init(&r, 3000, 1000, 5000);
  csctp_rto_update(&r, 4000 * MS);
  /* 4000 + 4*2000 = 12000 ms, capped at RTO.Max 5 s. */
  cr_assert_eq(r.rto, 5000 * MS);
}

Test(rto, zero_variance_uses_granularity) {
  csctp_rto r;
  csctp_rto_init(&r, 3000, 0, 60000);
  csctp_rto_update(&r, 0);
  /* RTTVAR 0 is raised to G (1 ms): RTO = 0 + 4*1 ms. */
  cr_assert_eq(r.rttvar, 1 * MS);
  cr_assert_eq(r.rto, 4 * MS);
}

Test(rto, backoff_doubles_up_to_max) {
  csctp_rto r;
  csctp_rto_init(&r, 3000, 1000, 10000);
  csctp_rto_backoff(&r);
  cr_assert_eq(r.rto, 6000 * MS);
  csctp_rto_backoff(&r);
  cr_assert_eq(r.rto, 10000 * MS);
  csctp_rto_backoff(&r);
  cr_assert_eq(r.rto, 10000 * MS);
  /* A new measurement recomputes from SRTT/RTTVAR (§6.3.3: back-off ends). */
  csctp_rto_update(&r, 500 * MS);
  cr_assert_eq(r.rto, 1500 * MS); /* 500 + 4*250 */
}

Test(rto, restore_ends_backoff_with_computed_value) {
  csctp_rto r;
  csctp_rto_init(&r, 3000, 100, 60000);
  csctp_rto_update(&r, 100 * MS);
  cr_assert_eq(r.rto, 300 * MS);
  csctp_rto_backoff(&r);
  csctp_rto_backoff(&r);
  cr_assert_eq(r.rto, 1200 * MS);
  /* Back to SRTT + 4 * RTTVAR; the estimate itself is unchanged. */
  csctp_rto_restore(&r);
  cr_assert_eq(r.rto, 300 * MS);
  cr_assert_eq(r.srtt, 100 * MS);
  cr_assert_eq(r.rttvar, 50 * MS);
  /* Idempotent, and still clamped to RTO.Min. */
  csctp_rto_restore(&r);
  cr_assert_eq(r.rto, 300 * MS);
  csctp_rto_init(&r, 3000, 1000, 60000);
  csctp_rto_update(&r, 100 * MS);
  csctp_rto_backoff(&r);
  cr_assert_eq(r.rto, 2000 * MS);
  csctp_rto_restore(&r);
  cr_assert_eq(r.rto, 1000 * MS);
}

Test(rto, restore_before_measurement_gives_initial) {
  csctp_rto r;
  csctp_rto_init(&r, 3000, 1000, 60000);
  csctp_rto_backoff(&r);
  cr_assert_eq(r.rto, 6000 * MS);
  csctp_rto_restore(&r); /* C1: RTO.Initial until the first measurement */
  cr_assert_eq(r.rto, 3000 * MS);
  cr_assert_eq(r.measured, 0);
}
