/* SPDX-License-Identifier: MIT */
/*
 * One error model (issue 17): the socket API reports csctp codes, never a negative
 * errno or -1 (the codes' texts and the fatal threshold: tests/sctp/test_common.c): a PPID name
 * that does not exist, a UDP port already bound, a local address of another host, raw IP without
 * CAP_NET_RAW. (Connection failures, ICMP unreachable and the connect timeout, are in
 * test_liveness.c.)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tputil.h"

Test(errors, ppid_lookup_reports_a_csctp_code) {
  uint32_t ppid = 7;
  cr_assert_eq(csctp_ppid_lookup("webrtc_string", &ppid), 0);
  cr_assert_eq(ppid, CSCTP_PPID_WEBRTC_STRING);
  ppid = 7;
  cr_assert_eq(csctp_ppid_lookup("NO_SUCH_PROTOCOL", &ppid), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(ppid, 7, "changed on error");
  cr_assert_eq(csctp_ppid_lookup(NULL, &ppid), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_ppid_lookup("DIAMETER", NULL), 0);
}

/* ---------------------------------------------------------------- opening the lower layer */

static GMainContext *ctx;
static void setup(void) { ctx = g_main_context_new(); }
static void teardown(void) {
  tp_run_for(ctx, 20);
  g_main_context_unref(ctx);
}

typedef struct srv_err {
  int calls, err;
} srv_err;

static void on_srv_error(csctp_server *srv, int err, const char *msg, void *ud) {
  (void)srv;
  (void)msg;
  srv_err *e = ud;
  e->calls++;
  e->err = err;
}

TestSuite(errors_open, .init = setup, .fini = teardown, .timeout = 30);

Test(errors_open, listen_on_a_bound_udp_port_is_address_in_use) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  socklen_t sl = sizeof(sa);
  getsockname(fd, (struct sockaddr *)&sa, &sl);

  srv_err e = {0};
  csctp_server_events ev = {.error = on_srv_error};
  csctp_server *srv;
  cr_assert_eq(csctp_server_new(ctx, &ev, &e, &srv), 0);
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.udp_transport = 1;
  o.local_address = "127.0.0.1";
  o.udp_local_port = ntohs(sa.sin_port);
  char *msg = NULL;
  int rv = csctp_server_listen(srv, &o, &msg);
  cr_assert_eq(rv, CSCTP_ERR_ADDRESS_IN_USE, "%d (%s): %s", rv, csctp_strerror(rv), msg ? msg : "");
  cr_assert_not_null(msg);
  cr_assert_not_null(strstr(msg, "bind"), "%s", msg);
  cr_assert_eq(e.calls, 1);
  cr_assert_eq(e.err, CSCTP_ERR_ADDRESS_IN_USE);
  cr_assert_eq(csctp_err_is_fatal(rv), 0);
  g_free(msg);
  /* Not fatal: the server may listen elsewhere. */
  o.udp_local_port = 0;
  cr_assert_eq(csctp_server_listen(srv, &o, NULL), 0);
  csctp_server_del(srv);
  close(fd);
}

Test(errors_open, a_local_address_of_another_host_is_invalid_argument) {
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.host = "127.0.0.1";
  o.udp_transport = 1;
  o.local_address = "192.0.2.1"; /* TEST-NET-1 (RFC 5737): not ours */
  o.udp_local_port = 0;
  csctp_socket *s = NULL;
  char *msg = NULL;
  int rv = csctp_socket_connect(ctx, &o, NULL, NULL, &s, &msg);
  cr_assert_eq(rv, CSCTP_ERR_INVALID_ARGUMENT, "%d (%s): %s", rv, csctp_strerror(rv),
               msg ? msg : "");
  cr_assert_null(s);
  g_free(msg);
  o.local_address = "not an address";
  cr_assert_eq(csctp_socket_connect(ctx, &o, NULL, NULL, &s, NULL), CSCTP_ERR_INVALID_ARGUMENT);
}

/* Exit status of a child that tries raw IP as user nobody: 0 when refused as PERMISSION. */
static int raw_ip_as_nobody(void) {
  pid_t pid = fork();
  if (pid == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(2);
    csctp_connect_opts o;
    csctp_connect_opts_init(&o);
    o.host = "127.0.0.1";
    o.local_address = "127.0.0.1";
    GMainContext *c = g_main_context_new();
    csctp_socket *s = NULL;
    int rv = csctp_socket_connect(c, &o, NULL, NULL, &s, NULL);
    _exit(rv == CSCTP_ERR_PERMISSION ? 0 : 1);
  }
  int st = 0;
  if (pid < 0 || waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

Test(errors_open, raw_ip_without_cap_net_raw_is_permission) {
  int fd = socket(AF_INET, SOCK_RAW, IPPROTO_SCTP);
  if (fd >= 0) {
    close(fd);
    if (geteuid() != 0) cr_skip_test("this process may open raw IP sockets");
    int rc = raw_ip_as_nobody(); /* root: try it without the privilege */
    cr_assert_eq(rc, 0, "as nobody: exit %d (1: not CSCTP_ERR_PERMISSION)", rc);
    return;
  }
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.host = "127.0.0.1";
  o.udp_transport = 0;
  o.local_address = "127.0.0.1";
  csctp_socket *s = NULL;
  char *msg = NULL;
  int rv = csctp_socket_connect(ctx, &o, NULL, NULL, &s, &msg);
  cr_assert_eq(rv, CSCTP_ERR_PERMISSION, "%d (%s): %s", rv, csctp_strerror(rv), msg ? msg : "");
  cr_assert_not_null(strstr(msg, "CAP_NET_RAW"), "%s", msg);
  g_free(msg);
}
