/* SPDX-License-Identifier: MIT */
/* csctp_dc_set_scheduler: the data channel layer's choice of the association's send scheduler. */
#include <criterion/criterion.h>
#include <csctp/datachannel.h>
#include <csctp/sctp.h>

#include "prng.h"

Test(dc_sched, set_scheduler_forwards_to_the_association) {
  csctp_config cfg;
  csctp_config_default(&cfg);
  csctp_prng rng;
  csctp_prng_seed(&rng, 1);
  cfg.rand = csctp_prng_rand_fn;
  cfg.rand_user_data = &rng;
  csctp_assoc *a;
  cr_assert_eq(csctp_assoc_new(&a, &cfg), 0);
  csctp_dc *dc;
  cr_assert_eq(csctp_dc_new(&dc, a, NULL), 0);
  cr_assert_eq(csctp_assoc_get_scheduler(a), CSCTP_SCHED_WFQ, "WFQ by default");
  cr_assert_eq(csctp_dc_set_scheduler(dc, CSCTP_SCHED_PRIORITY), 0);
  cr_assert_eq(csctp_assoc_get_scheduler(a), CSCTP_SCHED_PRIORITY);
  cr_assert_eq(csctp_dc_set_scheduler(dc, CSCTP_SCHED_COUNT), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_dc_set_scheduler(NULL, CSCTP_SCHED_RR), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_assoc_get_scheduler(a), CSCTP_SCHED_PRIORITY, "unchanged by the errors");
  cr_assert_eq(csctp_dc_set_scheduler(dc, CSCTP_SCHED_WFQ), 0);
  cr_assert_eq(csctp_assoc_get_scheduler(a), CSCTP_SCHED_WFQ);
  csctp_dc_del(dc);
  csctp_assoc_del(a);
}
