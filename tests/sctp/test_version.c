/* SPDX-License-Identifier: MIT */
/* version.h and csctp_version() against the version CMake's project() was given
 * (CSCTP_TEST_VERSION*, compile definitions from PROJECT_VERSION, not from version.h). */
#include <criterion/criterion.h>
#include <csctp/common.h>
#include <stdio.h>
#include <string.h>

#define TEST_VERSION_NUM \
  ((CSCTP_TEST_VERSION_MAJOR << 16) | (CSCTP_TEST_VERSION_MINOR << 8) | CSCTP_TEST_VERSION_PATCH)

Test(version, macros_match_cmake_project_version) {
  cr_assert_eq(CSCTP_VERSION_MAJOR, CSCTP_TEST_VERSION_MAJOR);
  cr_assert_eq(CSCTP_VERSION_MINOR, CSCTP_TEST_VERSION_MINOR);
  cr_assert_eq(CSCTP_VERSION_PATCH, CSCTP_TEST_VERSION_PATCH);
  cr_assert_str_eq(CSCTP_VERSION, CSCTP_TEST_VERSION);
  cr_assert_eq(CSCTP_VERSION_NUM, TEST_VERSION_NUM, "CSCTP_VERSION_NUM 0x%06x, want 0x%06x",
               (unsigned)CSCTP_VERSION_NUM, (unsigned)TEST_VERSION_NUM);
  char s[32];
  snprintf(s, sizeof s, "%d.%d.%d", CSCTP_TEST_VERSION_MAJOR, CSCTP_TEST_VERSION_MINOR,
           CSCTP_TEST_VERSION_PATCH);
  cr_assert_str_eq(CSCTP_VERSION, s);
}

Test(version, runtime_info) {
  const csctp_info *info = csctp_version(0);
  cr_assert_not_null(info);
  cr_assert_eq(info->age, CSCTP_VERSION_AGE);
  cr_assert_geq(info->age, 1);
  cr_assert_eq(info->version_num, TEST_VERSION_NUM);
  cr_assert_not_null(info->version_str);
  cr_assert_str_eq(info->version_str, CSCTP_TEST_VERSION);
  cr_assert_eq(csctp_version(-1), info, "static storage, the same each call");
}

Test(version, least_version) {
  cr_assert_not_null(csctp_version(CSCTP_VERSION_NUM));
  cr_assert_not_null(csctp_version(CSCTP_VERSION_NUM - 1));
  cr_assert_null(csctp_version(CSCTP_VERSION_NUM + 1));
  cr_assert_null(csctp_version(0x7fffffff));
}
