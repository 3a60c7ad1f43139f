/* SPDX-License-Identifier: MIT */
/*
 * Multi-homing in the csctp command: comma lists of addresses ("10.1.1.1,10.1.2.1:9899",
 * "[fd00::1],[fd00::2]:9899"), the path lines printed on every path change, and the table of
 * paths at the end of a transfer.
 */
#ifndef CSCTP_CLI_PATHS_H
#define CSCTP_CLI_PATHS_H

#include <csctp/socket.h>
#include <stdio.h>

#include "cli_args.h"

/*
 * `s` as one or several comma-separated hosts, the port (in [port_lo, 65535]) only after the
 * last: *hosts gets a NULL-terminated array (g_strfreev it) and *n its length; *port is set
 * only when there is one. At most CSCTP_PATHS_MAX hosts.
 */
static char *cli_host_list(const char *label, const char *s, unsigned port_lo, char ***hosts,
                           size_t *n, unsigned *port) {
  char **parts = g_strsplit(s, ",", -1);
  size_t k = g_strv_length(parts);
  if (k > CSCTP_PATHS_MAX) {
    g_strfreev(parts);
    return g_strdup_printf("%s: %zu addresses, at most %d", label, k, CSCTP_PATHS_MAX);
  }
  char **out = g_new0(char *, k + 1);
  for (size_t i = 0; i < k; i++) {
    unsigned p = 0;
    char *err =
        cli_host_port(label, parts[i], i + 1 == k ? port_lo : 0, &out[i], i + 1 == k ? port : &p);
    if (!err && p) err = g_strdup_printf("%s: the port goes after the last address only", label);
    if (err) {
      g_strfreev(parts);
      g_strfreev(out);
      return err;
    }
  }
  g_strfreev(parts);
  *hosts = out;
  *n = k;
  return NULL;
}

static const char *cli_path_state(int state) {
  switch (state) {
  case CSCTP_PATH_UNCONFIRMED: return "unconfirmed";
  case CSCTP_PATH_ACTIVE: return "active";
  case CSCTP_PATH_PF: return "potentially-failed";
  case CSCTP_PATH_INACTIVE: return "inactive";
  case 0: return "gone"; /* CSCTP_PATH_REMOVED: no path any more */
  default: return "?";
  }
}

static const char *cli_path_reason(int reason) {
  switch (reason) {
  case CSCTP_PATH_ADDED: return "added";
  case CSCTP_PATH_CONFIRMED: return "confirmed";
  case CSCTP_PATH_FAILED: return "failed";
  case CSCTP_PATH_RECOVERED: return "recovered";
  case CSCTP_PATH_PRIMARY: return "primary";
  case CSCTP_PATH_POTENTIALLY_FAILED: return "potentially-failed";
  case CSCTP_PATH_SWITCHOVER: return "switchover";
  case CSCTP_PATH_REMOVED: return "removed";
  default: return "?";
  }
}

/* csctp_socket_path_fn: one line on stderr per path change. */
static void cli_on_path(csctp_socket *s, unsigned path, const char *address, int state, int reason,
                        void *user_data) {
  (void)s;
  (void)path;
  (void)user_data;
  fprintf(stderr, "csctp: path %s %s (%s)\n", address, cli_path_state(state),
          cli_path_reason(reason));
}

/* At the connection: each path of a multi-homed socket and its state, a line each on stderr
 * (the changes before it, e.g. the paths connectx gave, were not reported). */
static void cli_paths_at_connect(const csctp_socket *s) {
  size_t n = csctp_socket_path_count(s);
  for (unsigned i = 0; n > 1 && i < n; i++) {
    csctp_path_info pi;
    char addr[64];
    if (csctp_socket_get_path(s, i, &pi, addr, sizeof addr) == 0)
      fprintf(stderr, "csctp: path %s %s (connected%s)\n", addr, cli_path_state(pi.state),
              pi.primary ? ", primary" : "");
  }
}

/* The paths of a multi-homed socket, a line each, into a new string (g_free it); removed paths
 * are left out. */
static char *cli_paths_table(const csctp_socket *s) {
  GString *t = g_string_new(NULL);
  size_t n = csctp_socket_path_count(s);
  for (unsigned i = 0; n > 1 && i < n; i++) {
    csctp_path_info pi;
    char addr[64];
    if (csctp_socket_get_path(s, i, &pi, addr, sizeof addr) != 0 || pi.state == 0)
      continue; /* a path the peer deleted (ASCONF) leaves an empty slot */
    g_string_append_printf(t,
                           "path %s state %s primary %u packets out %" PRIu64 " in %" PRIu64
                           " t3 %" PRIu64 " srtt %u ms\n",
                           addr, cli_path_state(pi.state), pi.primary, pi.packets_out,
                           pi.packets_in, pi.t3_expiries, pi.srtt_ms);
  }
  return g_string_free(t, FALSE);
}

#endif
