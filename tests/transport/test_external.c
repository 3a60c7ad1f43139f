/* SPDX-License-Identifier: MIT */
/*
 * Sockets on the caller's transport (csctp_socket_connect_transport, csctp_socket_input): two
 * sockets on one context joined by an in-memory pipe that delivers each packet from an idle
 * source (as a UDP socket would, later). Handshake (active against passive), messages both
 * ways with their stream and PPID, the negotiated stream counts, a packet dropped on the way,
 * garbage fed in, misuse (an OS socket, a closed socket), a graceful end.
 */
#include <string.h>

#include "tputil.h"

typedef struct side {
  csctp_socket *s;
  struct side *peer;
  GQueue inbox; /* GBytes from the peer, not yet fed */
  guint idle;
  int connected, ended, closed, had_error, msgs, drop_next;
  uint16_t last_stream;
  uint32_t last_ppid;
  char last[64];
} side;

static GMainContext *ctx;

static gboolean side_feed(gpointer ud) {
  side *p = ud;
  p->idle = 0;
  GBytes *b;
  while ((b = g_queue_pop_head(&p->inbox))) {
    gsize n;
    const uint8_t *d = g_bytes_get_data(b, &n);
    if (p->s) cr_assert_eq(csctp_socket_input(p->s, d, n), 0);
    g_bytes_unref(b);
  }
  return G_SOURCE_REMOVE;
}

/* The output function: the packet goes into the peer's inbox, fed from an idle source. */
static void side_out(const uint8_t *pkt, size_t len, void *ud) {
  side *p = ud;
  if (p->drop_next) {
    p->drop_next = 0;
    return;
  }
  g_queue_push_tail(&p->peer->inbox, g_bytes_new(pkt, len));
  if (!p->peer->idle) {
    GSource *src = g_idle_source_new();
    g_source_set_callback(src, side_feed, p->peer, NULL);
    p->peer->idle = g_source_attach(src, ctx);
    g_source_unref(src);
  }
}

static void sd_connect(csctp_socket *s, void *ud) {
  (void)s;
  ((side *)ud)->connected = 1;
}
static void sd_data(csctp_socket *s, const csctp_message *m, void *ud) {
  side *p = ud;
  p->msgs++;
  p->last_stream = m->stream;
  p->last_ppid = m->ppid;
  snprintf(p->last, sizeof(p->last), "%.*s", (int)m->len, (const char *)m->data);
  if (strcmp(p->last, "ping") == 0) {
    csctp_write_opts o = {m->stream, m->ppid + 1, 0};
    cr_assert_geq(csctp_socket_write(s, (const uint8_t *)"pong", 4, &o), 0);
  }
}
static void sd_end(csctp_socket *s, void *ud) {
  (void)s;
  ((side *)ud)->ended = 1;
}
static void sd_close(csctp_socket *s, int had_error, void *ud) {
  (void)s;
  side *p = ud;
  p->closed = 1;
  p->had_error = had_error;
  p->s = NULL;
}
static const csctp_socket_events events = {
    .connect = sd_connect, .data = sd_data, .end = sd_end, .close = sd_close};

static side a, b;

static void setup(void) {
  ctx = g_main_context_new();
  memset(&a, 0, sizeof(a));
  memset(&b, 0, sizeof(b));
  a.peer = &b;
  b.peer = &a;
}
static void teardown(void) {
  csctp_socket *sa = a.s, *sb = b.s;
  a.s = b.s = NULL; /* destroy calls no callback: the idle feeders must not use them */
  if (sa) csctp_socket_destroy(sa);
  if (sb) csctp_socket_destroy(sb);
  tp_run_for(ctx, 20);
  g_queue_clear_full(&a.inbox, (GDestroyNotify)g_bytes_unref);
  g_queue_clear_full(&b.inbox, (GDestroyNotify)g_bytes_unref);
  g_main_context_unref(ctx);
}

TestSuite(external, .init = setup, .fini = teardown, .timeout = 60);

/* b waits (passive) for a's INIT from SCTP port 5001 to 5002; a connects. */
static void join(void) {
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.local_port = 5002;
  o.port = 5001;
  o.passive = 1;
  o.MIS = 8;
  o.OS = 4;
  o.udp_peer_address = "192.0.2.1";
  o.udp_peer_port = 15001;
  char *err = NULL;
  cr_assert_eq(csctp_socket_connect_transport(ctx, &o, side_out, &b, &events, &b, &b.s, &err), 0,
               "%s", err ? err : "");
  csctp_connect_opts_init(&o);
  o.local_port = 5001;
  o.port = 5002;
  o.MIS = 16;
  o.OS = 16;
  o.connect_timeout_ms = 10000;
  cr_assert_eq(csctp_socket_connect_transport(ctx, &o, side_out, &a, &events, &a, &a.s, &err), 0,
               "%s", err ? err : "");
  cr_assert_eq(g_queue_get_length(&b.inbox), 1, "the INIT went out from inside connect");
  cr_assert(tp_run_until(ctx, &a.connected, 5000), "a connected");
  cr_assert(tp_run_until(ctx, &b.connected, 5000), "b connected");
}

Test(external, handshake_messages_and_streams) {
  join();
  cr_assert_eq(csctp_socket_outbound_streams(a.s), 8, "min(a's OS, b's MIS)");
  cr_assert_eq(csctp_socket_inbound_streams(a.s), 4, "min(a's MIS, b's OS)");
  cr_assert_eq(csctp_socket_inbound_streams(b.s), 8);
  char r[96];
  csctp_socket_remote(b.s, r, sizeof(r));
  cr_assert_str_eq(r, "192.0.2.1:15001 sctp 5001", "the peer as the options named it");
  csctp_write_opts o = {3, 77, 0};
  cr_assert_geq(csctp_socket_write(a.s, (const uint8_t *)"ping", 4, &o), 0);
  cr_assert(tp_run_until(ctx, &a.msgs, 5000), "the echo came back");
  cr_assert_str_eq(a.last, "pong");
  cr_assert_eq(a.last_stream, 3);
  cr_assert_eq(a.last_ppid, 78);
  cr_assert_eq(b.last_ppid, 77);
}

Test(external, lost_packet_is_retransmitted) {
  csctp_defaults_t d = {.rto_initial = 200, .rto_min = 100};
  csctp_defaults(&d, NULL);
  join();
  a.drop_next = 1;
  cr_assert_geq(csctp_socket_write(a.s, (const uint8_t *)"hello", 5, NULL), 0);
  cr_assert(tp_run_until(ctx, &b.msgs, 5000), "delivered after a retransmission");
  cr_assert_str_eq(b.last, "hello");
  csctp_stats st;
  cr_assert_eq(csctp_socket_get_stats(a.s, &st), 0);
  cr_assert_geq(st.retransmissions, 1);
}

Test(external, garbage_and_misuse) {
  join();
  uint8_t junk[64];
  memset(junk, 0xa5, sizeof(junk));
  cr_assert_eq(csctp_socket_input(b.s, junk, sizeof(junk)), 0, "dropped, not an error");
  cr_assert_eq(csctp_socket_input(b.s, junk, 0), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_socket_input(NULL, junk, 1), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_socket_input(b.s, junk, 9217), CSCTP_ERR_INVALID_ARGUMENT);
  cr_assert_eq(csctp_socket_connect_transport(ctx, NULL, side_out, &a, &events, &a, &a.s, NULL),
               CSCTP_ERR_INVALID_ARGUMENT);
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  csctp_socket *s = NULL;
  cr_assert_eq(csctp_socket_connect_transport(ctx, &o, NULL, NULL, &events, NULL, &s, NULL),
               CSCTP_ERR_INVALID_ARGUMENT, "no output function");
  /* An OS socket takes no input. */
  o.host = "127.0.0.1";
  o.udp_transport = 1;
  o.udp_local_port = 0;
  o.udp_peer_port = 9;
  cr_assert_eq(csctp_socket_connect(ctx, &o, NULL, NULL, &s, NULL), 0);
  cr_assert_eq(csctp_socket_input(s, junk, 16), CSCTP_ERR_INVALID_ARGUMENT);
  csctp_socket_destroy(s);
  cr_assert(a.connected && b.connected, "the association survived the garbage");
}

Test(external, graceful_end) {
  join();
  csctp_socket_end(a.s);
  cr_assert(tp_run_until(ctx, &a.closed, 5000), "a closed");
  cr_assert(tp_run_until(ctx, &b.closed, 5000), "b closed");
  cr_assert_eq(a.had_error, 0);
  cr_assert_eq(b.had_error, 0);
  cr_assert(b.ended, "b saw the end");
}
