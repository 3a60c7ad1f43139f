/* SPDX-License-Identifier: MIT */
/*
 * CSCTP_CAPTURE on the socket API: a server and a client over UDP on loopback, in one
 * process, each created with the variable set, exchange messages and shut down; each writes
 * its own <prefix>-<pid>-<n>.pcapng, and the two files tell the same story from both ends:
 * the handshake, every DATA chunk with its PPID, and as many packets out of one as into the
 * other.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapng_read.h"
#include "tputil.h"

typedef struct end {
  csctp_socket *s;
  int connected, closed, had_error;
  int msgs;
  int echo;
} end;

static end srv_end;

static void e_connect(csctp_socket *s, void *ud) {
  (void)s;
  ((end *)ud)->connected++;
}
static void e_data(csctp_socket *s, const csctp_message *m, void *ud) {
  end *e = ud;
  e->msgs++;
  if (e->echo) {
    csctp_write_opts o = {m->stream, m->ppid, m->unordered};
    cr_assert_geq(csctp_socket_write(s, m->data, m->len, &o), 0);
  }
}
static void e_close(csctp_socket *s, int had_error, void *ud) {
  (void)s;
  end *e = ud;
  e->closed++;
  e->had_error = had_error;
  e->s = NULL;
}
static const csctp_socket_events e_events = {e_connect, e_data, NULL, NULL, NULL, NULL, e_close};

static void on_connection(csctp_server *sv, csctp_socket *s, void *ud) {
  (void)sv;
  (void)ud;
  srv_end.s = s;
  srv_end.connected++;
  csctp_socket_set_events(s, &e_events, &srv_end);
}

/* The packets of one direction and their DATA chunks of `ppid`. */
static void tally(const pcapng_file *f, int inbound, size_t *pkts, int *data, uint32_t ppid) {
  *pkts = 0;
  *data = 0;
  for (size_t i = 0; i < f->n; i++) {
    if (f->pkts[i].inbound != inbound) continue;
    (*pkts)++;
    *data += pcapng_data_chunks(&f->pkts[i], ppid);
  }
}

Test(capture, env_switch_writes_both_ends, .timeout = 60) {
  char dir[] = "/tmp/csctp-capture-env-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char srv_prefix[64], cli_prefix[64], srv_path[128], cli_path[128];
  snprintf(srv_prefix, sizeof srv_prefix, "%s/srv", dir);
  snprintf(cli_prefix, sizeof cli_prefix, "%s/cli", dir);
  snprintf(srv_path, sizeof srv_path, "%s-%ld-1.pcapng", srv_prefix, (long)getpid());
  snprintf(cli_path, sizeof cli_path, "%s-%ld-1.pcapng", cli_prefix, (long)getpid());

  GMainContext *ctx = g_main_context_new();
  memset(&srv_end, 0, sizeof srv_end);
  srv_end.echo = 1;
  setenv("CSCTP_CAPTURE", srv_prefix, 1);
  csctp_server *srv;
  csctp_server_events sev = {.connection = on_connection};
  cr_assert_eq(csctp_server_new(ctx, &sev, NULL, &srv), 0);
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.udp_transport = 1;
  o.local_address = "127.0.0.1";
  o.udp_local_port = 0;
  o.local_port = 5000;
  char *err = NULL;
  cr_assert_eq(csctp_server_listen(srv, &o, &err), 0, "listen: %s", err ? err : "");

  setenv("CSCTP_CAPTURE", cli_prefix, 1);
  end cli;
  memset(&cli, 0, sizeof cli);
  csctp_connect_opts_init(&o);
  o.host = "127.0.0.1";
  o.port = 5000;
  o.udp_transport = 1;
  o.local_address = "127.0.0.1";
  o.udp_local_port = 0;
  o.udp_peer_port = csctp_server_udp_port(srv);
  cr_assert_eq(csctp_socket_connect(ctx, &o, &e_events, &cli, &cli.s, &err), 0, "connect: %s",
               err ? err : "");
  unsetenv("CSCTP_CAPTURE");
  cr_assert(tp_run_until(ctx, &cli.connected, 5000), "no connect");
  for (int i = 0; i < 5; i++) {
    csctp_write_opts w = {(uint16_t)i, CSCTP_PPID_WEBRTC_STRING, 0};
    cr_assert_geq(csctp_socket_write(cli.s, (const uint8_t *)"ping", 4, &w), 0);
  }
  for (int i = 0; i < 300 && cli.msgs < 5; i++) tp_run_for(ctx, 10);
  cr_assert_eq(srv_end.msgs, 5);
  cr_assert_eq(cli.msgs, 5, "echoes");
  csctp_socket_end(cli.s);
  cr_assert(tp_run_until(ctx, &cli.closed, 5000), "no close");
  cr_assert(tp_run_until(ctx, &srv_end.closed, 5000));
  cr_assert_eq(cli.had_error, 0);
  tp_run_for(ctx, 50);
  csctp_server_del(srv);
  tp_run_for(ctx, 20);
  g_main_context_unref(ctx);

  pcapng_file c, s;
  cr_assert_eq(pcapng_read_path(&c, cli_path), 0, "%s: %s", cli_path, c.err);
  cr_assert_eq(pcapng_read_path(&s, srv_path), 0, "%s: %s", srv_path, s.err);
  cr_assert_geq(c.n, 8);
  /* Wall-clock timestamps (the monotonic clock plus its offset), within a minute of now. */
  int64_t skew = (int64_t)c.pkts[0].ts - g_get_real_time();
  cr_assert_lt(skew < 0 ? -skew : skew, 60 * G_USEC_PER_SEC, "timestamp %" PRIu64, c.pkts[0].ts);
  /* The client's first packet is its INIT; the server's first is that INIT, received. */
  cr_assert_eq(c.pkts[0].inbound, 0);
  cr_assert_eq(pcapng_chunks(&c.pkts[0], 1), 1);
  cr_assert_eq(s.pkts[0].inbound, 1);
  cr_assert_eq(s.pkts[0].len, c.pkts[0].len);
  cr_assert_arr_eq(s.pkts[0].sctp, c.pkts[0].sctp, c.pkts[0].len);
  size_t c_out, c_in, s_out, s_in;
  int c_dout, c_din, s_dout, s_din;
  tally(&c, 0, &c_out, &c_dout, CSCTP_PPID_WEBRTC_STRING);
  tally(&c, 1, &c_in, &c_din, CSCTP_PPID_WEBRTC_STRING);
  tally(&s, 0, &s_out, &s_dout, CSCTP_PPID_WEBRTC_STRING);
  tally(&s, 1, &s_in, &s_din, CSCTP_PPID_WEBRTC_STRING);
  cr_assert_eq(c_dout, 5, "the client's DATA");
  cr_assert_eq(s_din, 5);
  cr_assert_eq(s_dout, 5, "the echoes");
  cr_assert_eq(c_din, 5);
  cr_assert_eq(c_out, s_in, "loopback loses nothing: %zu out of the client, %zu into the server",
               c_out, s_in);
  cr_assert_eq(s_out, c_in, "%zu out of the server, %zu into the client", s_out, c_in);
  int shutdown_complete = 0;
  for (size_t i = 0; i < c.n; i++) shutdown_complete += pcapng_chunks(&c.pkts[i], 14);
  cr_assert_eq(shutdown_complete, 1);
  pcapng_file_free(&c);
  pcapng_file_free(&s);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}
