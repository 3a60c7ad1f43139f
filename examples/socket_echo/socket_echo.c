/* SPDX-License-Identifier: MIT */
/*
 * socket_echo: an echo server and client on the socket API (<csctp/socket.h>), the
 * net.Socket-like interface of the Node.js `sctp` module that csctp comes from, in C on a
 * GLib main loop (all callbacks arrive on the loop's thread; no hidden threads). SCTP runs
 * over UDP (RFC 6951), so no privileges are needed. What it shows, next to the original:
 *
 *   const server = sctp.createServer(socket => {       csctp_server_new(.connection)
 *     socket.on('data', data => socket.write(data))    csctp_socket_set_events(.data)
 *   })                                                 csctp_socket_write
 *   server.listen({port: 5000, udpTransport: ...})     csctp_server_listen
 *
 *   const socket = sctp.connect({host, port: 5000, udpTransport: ..., udpPeer: ...},
 *     () => texts.forEach(t => socket.write(t)))       csctp_socket_connect(.connect)
 *   socket.on('data', data => {                        .data
 *     console.log(data.toString())
 *     if (++echoed === texts.length) socket.end()      csctp_socket_end
 *   })
 *   socket.on('close', () => process.exit())           .close
 *
 *   socket_echo server PORT               echo every message back (UDP port PORT, SCTP port
 *                                         5000), any number of clients, until SIGINT/SIGTERM
 *   socket_echo client HOST PORT TEXT...  write each TEXT, print each echo, end; exit 0 when
 *                                         every TEXT came back and the close was graceful
 * Try:
 *   socket_echo server 9899 &
 *   socket_echo client 127.0.0.1 9899 hello world
 */
#include <csctp/socket.h>
#include <errno.h>
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static GMainLoop *loop;
static int exit_code;

/* ---------------------------------------------------------------- server */

static void server_data(csctp_socket *s, const csctp_message *m, void *user_data) {
  /* m->data is valid during this callback only; write() copies it. */
  csctp_write_opts o = {.stream = m->stream, .ppid = m->ppid, .unordered = m->unordered};
  csctp_ssize r = csctp_socket_write(s, m->data, m->len, &o);
  if (r < 0)
    fprintf(stderr, "socket_echo: write: %s\n", csctp_strerror((int)r));
  else
    printf("echoed %zu bytes on stream %u\n", m->len, m->stream);
}

static void server_end(csctp_socket *s, void *user_data) { printf("client ended\n"); }

static void server_close(csctp_socket *s, int had_error, void *user_data) {
  printf("connection closed%s\n", had_error ? " with an error" : "");
}

/* The 'connection' event: the socket arrives established; give it its own callbacks. */
static void server_connection(csctp_server *srv, csctp_socket *s, void *user_data) {
  char who[96];
  printf("connection from %s\n", csctp_socket_remote(s, who, sizeof who));
  csctp_socket_events ev = {.data = server_data, .end = server_end, .close = server_close};
  csctp_socket_set_events(s, &ev, NULL);
}

static gboolean on_signal(gpointer user_data) {
  g_main_loop_quit(loop);
  return G_SOURCE_CONTINUE;
}

static int run_server(uint16_t udp_port) {
  csctp_server_events sev = {.connection = server_connection}; /* listen's errors: below */
  csctp_server *srv;
  if (csctp_server_new(NULL, &sev, NULL, &srv) != 0) return 1;
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.local_port = 5000; /* SCTP port (the default), on every local address */
  o.udp_transport = 1;
  o.udp_local_port = udp_port;
  char *err = NULL;
  int rv = csctp_server_listen(srv, &o, &err);
  if (rv != 0) {
    fprintf(stderr, "socket_echo: listen: %s\n", err ? err : csctp_strerror(rv));
    g_free(err);
    csctp_server_del(srv);
    return 1;
  }
  printf("listening on UDP port %u, SCTP port %u\n", csctp_server_udp_port(srv), o.local_port);
  g_unix_signal_add(SIGINT, on_signal, NULL);
  g_unix_signal_add(SIGTERM, on_signal, NULL);
  g_main_loop_run(loop);
  printf("stopping (%zu connections open)\n", csctp_server_connections(srv));
  csctp_server_del(srv); /* aborts what is still open */
  return 0;
}

/* ---------------------------------------------------------------- client */

typedef struct client {
  char **texts;
  int n_texts, echoed;
} client;

static void client_connect(csctp_socket *s, void *user_data) {
  client *c = user_data;
  printf("connected\n");
  for (int i = 0; i < c->n_texts; i++) { /* stream 0, the socket's default PPID */
    csctp_ssize r = csctp_socket_write(s, (const uint8_t *)c->texts[i], strlen(c->texts[i]), NULL);
    if (r < 0) {
      fprintf(stderr, "socket_echo: write: %s\n", csctp_strerror((int)r));
      csctp_socket_end(s);
      return;
    }
  }
}

static void client_data(csctp_socket *s, const csctp_message *m, void *user_data) {
  client *c = user_data;
  printf("echo: %.*s\n", (int)m->len, (const char *)m->data);
  if (++c->echoed == c->n_texts) csctp_socket_end(s); /* graceful: SHUTDOWN after our data */
}

static void client_error(csctp_socket *s, int err, const char *msg, void *user_data) {
  fprintf(stderr, "socket_echo: %s (%s)\n", msg, csctp_strerror(err)); /* a close event follows */
}

/* The socket is freed when this returns. */
static void client_close(csctp_socket *s, int had_error, void *user_data) {
  client *c = user_data;
  printf("closed%s\n", had_error ? " with an error" : "");
  if (had_error || c->echoed != c->n_texts) exit_code = 1;
  g_main_loop_quit(loop);
}

static int run_client(const char *host, uint16_t udp_port, char **texts, int n_texts) {
  client c = {.texts = texts, .n_texts = n_texts};
  csctp_connect_opts o;
  csctp_connect_opts_init(&o);
  o.host = host;                     /* SCTP port 5000 there */
  o.udp_transport = 1;               /* RFC 6951: SCTP packets as UDP payloads */
  o.udp_peer_port = udp_port;        /* the server's UDP port (udpPeer.port) */
  o.udp_local_port = 0;              /* any free one: the server may be on this host */
  o.ppid = CSCTP_PPID_WEBRTC_STRING; /* default PPID of write() */
  o.connect_timeout_ms = 10000;
  csctp_socket_events ev = {
      .connect = client_connect, .data = client_data, .error = client_error, .close = client_close};
  csctp_socket *s;
  char *err = NULL;
  int rv = csctp_socket_connect(NULL, &o, &ev, &c, &s, &err);
  if (rv != 0) {
    fprintf(stderr, "socket_echo: connect to %s: %s\n", host, err ? err : csctp_strerror(rv));
    g_free(err);
    return 1;
  }
  g_main_loop_run(loop); /* until client_close */
  return exit_code;
}

/* ---------------------------------------------------------------- arguments */

static void usage(const char *why) {
  fprintf(stderr,
          "socket_echo: %s\n"
          "usage: socket_echo server PORT\n"
          "       socket_echo client HOST PORT TEXT...\n",
          why);
  exit(2);
}

static uint16_t parse_port(const char *s) {
  char *end;
  errno = 0;
  unsigned long p = strtoul(s, &end, 10);
  if (errno || end == s || *end || p == 0 || p > 65535) usage("PORT must be 1 to 65535");
  return (uint16_t)p;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* one line at a time, also into a pipe */
  int is_server = argc == 3 && strcmp(argv[1], "server") == 0;
  if (!is_server && (argc < 2 || strcmp(argv[1], "client") != 0)) usage("server or client?");
  if (!is_server && argc < 5) usage("client needs HOST, PORT and at least one TEXT");
  for (int i = 4; !is_server && i < argc; i++)
    if (argv[i][0] == '\0') usage("SCTP cannot carry an empty TEXT");
  loop = g_main_loop_new(NULL, FALSE);
  int rc = is_server ? run_server(parse_port(argv[2]))
                     : run_client(argv[2], parse_port(argv[3]), argv + 4, argc - 4);
  g_main_loop_unref(loop);
  return rc;
}
