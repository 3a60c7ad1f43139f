/* SPDX-License-Identifier: MIT */
/*
 * udp_engine: the sans-IO SCTP engine (<csctp/sctp.h>) driven by hand over one UDP socket.
 *
 * The SCTP packet is the whole UDP payload, as in RFC 6951. This program owns the socket,
 * the clock and the loop; the engine only turns packets and time into packets, events and
 * deadlines. The loop is the one of README.md ("Using the engine"):
 *   1. handle every event (any engine call is allowed there: nothing calls back into us),
 *   2. write every packet that is due, one UDP datagram each,
 *   3. poll() the socket until the engine's next deadline, then read the packet or run the
 *      timers. The deadline is "now" while output is pending, so the loop never stalls.
 *
 *   udp_engine --listen PORT                  echo server on UDP port PORT: an endpoint
 *                                             (csctp_endpoint) that answers INITs from any
 *                                             peer and sends every message back
 *   udp_engine --connect IP:PORT MESSAGE...   client: one association (csctp_assoc) that
 *                                             sends each MESSAGE, prints each echo, then
 *                                             shuts down gracefully (exit 0)
 *
 * Both sides use SCTP port 5000 (csctp_config_default), like `csctp echo --udp`, so the
 * client also talks to the project's CLI. Try:
 *   udp_engine --listen 9899 &
 *   udp_engine --connect 127.0.0.1:9899 hello world
 */
#include <arpa/inet.h>
#include <csctp/sctp.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint8_t buf[65536]; /* one UDP datagram in or out */

/* The engine never reads a clock: we pass it monotonic microseconds. */
static csctp_tstamp now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (csctp_tstamp)ts.tv_sec * 1000000 + (csctp_tstamp)ts.tv_nsec / 1000;
}

/* Nor does it make up randomness: tags, initial TSNs and cookie secrets come from here. */
static int os_random(uint8_t *out, size_t len, void *user_data) {
  (void)user_data;
  return getrandom(out, len, 0) == (ssize_t)len ? 0 : -1;
}

/* Step 3: 1 when a datagram waits on `fd`, 0 when `deadline` passed first. */
static int wait_readable(int fd, csctp_tstamp deadline) {
  int ms = -1; /* CSCTP_TSTAMP_NONE: no timer running, wait for a packet */
  if (deadline != CSCTP_TSTAMP_NONE) {
    csctp_tstamp now = now_us();
    csctp_tstamp left = deadline > now ? (deadline - now + 999) / 1000 : 0; /* round up */
    ms = left > 60000 ? 60000 : (int)left;
  }
  struct pollfd p = {.fd = fd, .events = POLLIN};
  return poll(&p, 1, ms) > 0;
}

/* ---------------------------------------------------------------- client: one association */

static int run_client(const struct sockaddr_in *server, char **msgs, int n_msgs) {
  /* A connected UDP socket: send() goes to the server, recv() only hears from it. */
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0 || connect(fd, (const struct sockaddr *)server, sizeof *server) != 0) {
    perror("udp_engine: udp socket");
    return 1;
  }
  csctp_config cfg;
  csctp_config_default(&cfg); /* SCTP ports 5000 -> 5000, Linux's net.sctp timers */
  cfg.rand = os_random;
  csctp_assoc *a = NULL;
  int rv = csctp_assoc_new(&a, &cfg);
  if (rv == 0) rv = csctp_assoc_connect(a, now_us()); /* queues the INIT */
  if (rv != 0) {
    fprintf(stderr, "udp_engine: %s\n", csctp_strerror(rv));
    return 1;
  }

  int echoed = 0, failed = 0, done = 0;
  while (!done) {
    /* 1. Events. */
    csctp_event ev;
    while (csctp_assoc_poll_event(a, &ev)) {
      switch (ev.type) {
      case CSCTP_EVENT_CONNECTED:
        printf("connected (%u outbound streams)\n", ev.u.connected.outbound_streams);
        for (int i = 0; i < n_msgs; i++) { /* each is copied into the send buffer */
          csctp_send_opts o = {.stream = 0, .ppid = CSCTP_PPID_WEBRTC_STRING};
          rv = csctp_assoc_send(a, &o, (const uint8_t *)msgs[i], strlen(msgs[i]), now_us());
          if (rv != 0) {
            fprintf(stderr, "udp_engine: send: %s\n", csctp_strerror(rv));
            csctp_assoc_abort(a, "send failed", now_us());
            break;
          }
        }
        break;
      case CSCTP_EVENT_MESSAGE: /* data points into the engine, valid until our next call */
        printf("echo: %.*s\n", (int)ev.u.message.len, (const char *)ev.u.message.data);
        if (++echoed == n_msgs) csctp_assoc_shutdown(a, now_us()); /* SHUTDOWN when acked */
        break;
      case CSCTP_EVENT_CLOSED: /* after SHUTDOWN COMPLETE, an ABORT or a timeout */
        failed = ev.u.closed.reason != CSCTP_CLOSE_SHUTDOWN || echoed != n_msgs;
        printf("closed (%s)\n", failed ? "failed" : "graceful shutdown");
        done = 1;
        break;
      default: break;
      }
    }

    /* 2. Packets, also after CLOSED (our SHUTDOWN COMPLETE, an ABORT). */
    csctp_ssize n;
    while ((n = csctp_assoc_write_packet(a, buf, sizeof buf, now_us())) > 0)
      send(fd, buf, (size_t)n, 0); /* a lost datagram is the engine's to retransmit */
    if (done) break;

    /* 3. Wait for a packet or the next deadline. */
    if (wait_readable(fd, csctp_assoc_expiry(a))) {
      ssize_t len = recv(fd, buf, sizeof buf, 0);
      if (len > 0) {
        csctp_assoc_read_packet(a, buf, (size_t)len, now_us());
      } else if (len < 0 && errno == ECONNREFUSED) { /* ICMP port unreachable */
        fprintf(stderr, "udp_engine: connection refused: nothing listens on that UDP port\n");
        failed = 1;
        break;
      }
    } else if (now_us() >= csctp_assoc_expiry(a)) {
      csctp_assoc_handle_expiry(a, now_us()); /* retransmissions, delayed SACK, ... */
    }
  }
  csctp_assoc_del(a);
  close(fd);
  return failed;
}

/* ---------------------------------------------------------------- server: an endpoint */

/*
 * The endpoint names a peer by opaque bytes: here the IPv4 address, then the UDP port.
 * csctp_endpoint_set_addr_port_len(e, 2) tells it that the last 2 bytes are the UDP port,
 * which may change under a NAT without making a new peer (RFC 6951 §5.4).
 */
static csctp_addr addr_of(const struct sockaddr_in *sin) {
  csctp_addr a = {.len = 6};
  memcpy(a.data, &sin->sin_addr, 4);
  memcpy(a.data + 4, &sin->sin_port, 2);
  return a;
}

/* Step 2 for the endpoint: every packet of every association, to where it says. */
static void write_all(csctp_endpoint *e, int fd) {
  csctp_addr to;
  csctp_ssize n;
  while ((n = csctp_endpoint_write_packet(e, buf, sizeof buf, now_us(), &to, NULL)) > 0) {
    struct sockaddr_in sin = {.sin_family = AF_INET};
    memcpy(&sin.sin_addr, to.data, 4);
    memcpy(&sin.sin_port, to.data + 4, 2);
    sendto(fd, buf, (size_t)n, 0, (const struct sockaddr *)&sin, sizeof sin);
  }
}

static int run_server(uint16_t port) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (fd < 0 || bind(fd, (const struct sockaddr *)&any, sizeof any) != 0) {
    fprintf(stderr, "udp_engine: cannot listen on UDP port %u: %s\n", port, strerror(errno));
    return 1;
  }
  csctp_config cfg; /* the template of every association the endpoint creates */
  csctp_config_default(&cfg);
  cfg.rand = os_random;
  csctp_endpoint *e;
  int rv = csctp_endpoint_new(&e, &cfg);
  if (rv != 0) {
    fprintf(stderr, "udp_engine: %s\n", csctp_strerror(rv));
    return 1;
  }
  csctp_endpoint_set_addr_port_len(e, 2);
  csctp_endpoint_listen(e, 1); /* answer INITs (statelessly, with a signed cookie) */
  printf("listening on UDP port %u, SCTP port %u\n", port, csctp_endpoint_port(e));

  for (;;) {
    /* 1. Events, of any association, each with the association it belongs to. */
    csctp_assoc *a;
    csctp_event ev;
    while (csctp_endpoint_poll_event(e, &a, &ev)) {
      if (ev.type == CSCTP_EVENT_CONNECTED) {
        printf("association up\n");
      } else if (ev.type == CSCTP_EVENT_MESSAGE) { /* back on its stream, with its PPID */
        csctp_send_opts o = {.stream = ev.u.message.stream,
                             .ppid = ev.u.message.ppid,
                             .unordered = ev.u.message.unordered};
        size_t len = ev.u.message.len;
        rv = csctp_assoc_send(a, &o, ev.u.message.data, len, now_us());
        if (rv != 0)
          fprintf(stderr, "udp_engine: echo: %s\n", csctp_strerror(rv));
        else
          printf("echoed %zu bytes on stream %u\n", len, o.stream);
      } else if (ev.type == CSCTP_EVENT_CLOSED) {
        write_all(e, fd);            /* its last packet (SHUTDOWN COMPLETE) first, */
        csctp_endpoint_remove(e, a); /* then free it */
        printf("association closed\n");
      }
    }
    /* 2. Packets. */
    write_all(e, fd);
    /* 3. Wait; the sender's address tells the endpoint which association a packet is for. */
    if (wait_readable(fd, csctp_endpoint_expiry(e))) {
      struct sockaddr_in from;
      socklen_t from_len = sizeof from;
      ssize_t len = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &from_len);
      if (len <= 0) continue; /* e.g. an ICMP error about an earlier datagram */
      csctp_addr peer = addr_of(&from);
      if (csctp_endpoint_read_packet(e, &peer, buf, (size_t)len, now_us(), NULL) < 0) break;
    } else if (now_us() >= csctp_endpoint_expiry(e)) {
      csctp_endpoint_handle_expiry(e, now_us());
    }
  }
  fprintf(stderr, "udp_engine: out of memory\n");
  csctp_endpoint_del(e);
  return 1;
}

/* ---------------------------------------------------------------- arguments */

static void usage(const char *why) {
  fprintf(stderr,
          "udp_engine: %s\n"
          "usage: udp_engine --listen PORT\n"
          "       udp_engine --connect IP:PORT MESSAGE...\n",
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
  if (argc == 3 && strcmp(argv[1], "--listen") == 0) return run_server(parse_port(argv[2]));
  if (argc < 2 || strcmp(argv[1], "--connect") != 0) usage("--listen or --connect?");
  if (argc < 4) usage("--connect needs IP:PORT and at least one MESSAGE");
  char *colon = strrchr(argv[2], ':');
  if (!colon) usage("--connect needs IP:PORT, e.g. 127.0.0.1:9899");
  *colon = '\0';
  struct sockaddr_in server = {.sin_family = AF_INET, .sin_port = htons(parse_port(colon + 1))};
  if (inet_pton(AF_INET, argv[2], &server.sin_addr) != 1) usage("not an IPv4 address");
  for (int i = 3; i < argc; i++)
    if (argv[i][0] == '\0') usage("SCTP cannot carry an empty MESSAGE");
  return run_client(&server, argv + 3, argc - 3);
}
