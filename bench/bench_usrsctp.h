/* SPDX-License-Identifier: MIT */
/*
 * usrsctp endpoints in AF_CONN mode for the comparison benchmarks (header
 * only; include it from the bench .c files named *usrsctp*, which link usrsctp).
 *
 * As in tests/interop/usrsctp_peer.c: each endpoint registers its own
 * address (the bench_us_ep itself), usrsctp hands it back to conn_output,
 * and every packet is copied into the endpoint's mutex-protected queue
 * (usrsctp's timer thread may call conn_output). bench_us_flush() hands the
 * queued packets to the peer with usrsctp_conninput on the caller's thread.
 * Queue nodes are recycled, so the harness does not malloc per packet.
 *
 * Settings are the ones WebRTC stacks use: 1 MiB send and receive buffers,
 * MTU 1200 with PMTU discovery off, Nagle off (SCTP_NODELAY), explicit EOR
 * off, ECN, ASCONF and AUTH off. CRC32c offload is NOT enabled, so usrsctp
 * computes the checksum on output and checks it on input, like csctp.
 */
#ifndef CSCTP_BENCH_USRSCTP_H
#define CSCTP_BENCH_USRSCTP_H

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <usrsctp.h>

#define BENCH_US_PKT_CAP 2048

typedef struct bench_us_pkt {
  struct bench_us_pkt *next;
  size_t len;
  uint64_t when; /* free for the harness (a delay line's delivery time) */
  uint8_t data[BENCH_US_PKT_CAP];
} bench_us_pkt;

typedef struct bench_us_ep {
  struct bench_us_ep *peer; /* receives what this endpoint sends */
  struct socket *sock, *listener;
  pthread_mutex_t mu;
  bench_us_pkt *head, *tail, *spare;
  uint64_t pkts_out, oversize;
  int comm_up, comm_lost;
  uint16_t in_streams, out_streams;
  /* current inbound message (partial reads are summed until MSG_EOR) */
  uint8_t *rx;
  size_t rx_cap, rx_len;
  int error; /* errno of the first unexpected failure */
} bench_us_ep;

/* ---------- which usrsctp the process runs ---------- */

/*
 * The usrsctp library actually mapped into this process (LD_LIBRARY_PATH or
 * LD_PRELOAD may pick another than the one the build found), and whether
 * its file is the one an installed Debian package shipped, unmodified.
 */
typedef struct bench_us_lib {
  char path[PATH_MAX]; /* real path of the object defining usrsctp_init; "" if not found */
  char soname[64];     /* its DT_SONAME, "" when none */
  char build_id[41];   /* its GNU build-id in hex, "" when none */
  char package[64];    /* the Debian package that ships `path` ("" when none) */
  char version[64];    /* that package's version */
  int modified;        /* 1: dpkg --verify says the file differs from the package's */
  int is_debian;       /* 1: `path` is an unmodified file of `package` */
} bench_us_lib;

typedef struct bench_us_lib_search {
  uintptr_t addr;
  bench_us_lib *lib;
  char name[PATH_MAX];
} bench_us_lib_search;

/* Reads the build-id and SONAME of the loaded object that contains s->addr. */
static int bench_us_lib_phdr(struct dl_phdr_info *info, size_t size, void *user) {
  bench_us_lib_search *s = user;
  (void)size;
  int inside = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
    if (ph->p_type == PT_LOAD && s->addr >= lo && s->addr < lo + ph->p_memsz) inside = 1;
  }
  if (!inside) return 0;
  snprintf(s->name, sizeof s->name, "%s", info->dlpi_name);
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
    if (ph->p_type == PT_NOTE) {
      const uint8_t *end = p + ph->p_memsz;
      while (p + sizeof(ElfW(Nhdr)) <= end) {
        const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)(const void *)p;
        const uint8_t *name = p + sizeof *n;
        const uint8_t *desc = name + ((n->n_namesz + 3u) & ~3u);
        if (desc + n->n_descsz > end) break;
        if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(name, "GNU", 4) == 0)
          for (size_t k = 0; k < n->n_descsz && k < 20; k++)
            snprintf(s->lib->build_id + 2 * k, 3, "%02x", desc[k]);
        p = desc + ((n->n_descsz + 3u) & ~3u);
      }
    } else if (ph->p_type == PT_DYNAMIC) {
      uintptr_t strtab = 0;
      size_t soname = (size_t)-1;
      for (const ElfW(Dyn) *d = (const ElfW(Dyn) *)(const void *)p; d->d_tag != DT_NULL; d++) {
        if (d->d_tag == DT_STRTAB) strtab = d->d_un.d_ptr;
        if (d->d_tag == DT_SONAME) soname = d->d_un.d_val;
      }
      /* ld.so relocates DT_STRTAB in place on most targets; not on all. */
      if (strtab && strtab < info->dlpi_addr) strtab += info->dlpi_addr;
      if (strtab && soname != (size_t)-1)
        snprintf(s->lib->soname, sizeof s->lib->soname, "%s", (const char *)strtab + soname);
    }
  }
  return 1;
}

/* Runs `cmd` and keeps the first line of its output (without the newline) in buf. */
static inline int bench_us_popen_line(const char *cmd, char *buf, size_t cap) {
  buf[0] = 0;
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  if (!fgets(buf, (int)cap, p)) buf[0] = 0;
  char rest[512];
  while (fgets(rest, sizeof rest, p)) {}
  int st = pclose(p);
  buf[strcspn(buf, "\n")] = 0;
  return st == 0 && buf[0] ? 0 : -1;
}

/* Finds the loaded usrsctp and asks dpkg whether a package ships that very file. */
static inline void bench_us_lib_find(bench_us_lib *lib) {
  memset(lib, 0, sizeof *lib);
  bench_us_lib_search s = {.lib = lib};
  void *sym = dlsym(RTLD_DEFAULT, "usrsctp_init");
  s.addr = sym ? (uintptr_t)sym : (uintptr_t)&usrsctp_init;
  if (!dl_iterate_phdr(bench_us_lib_phdr, &s)) return;
  if (!s.name[0] && readlink("/proc/self/exe", s.name, sizeof s.name - 1) < 0) return;
  if (!realpath(s.name, lib->path)) snprintf(lib->path, sizeof lib->path, "%s", s.name);
  if (strchr(lib->path, '\'')) return; /* not worth quoting for the shell */
  char cmd[PATH_MAX + 128], line[PATH_MAX + 128];
  snprintf(cmd, sizeof cmd, "dpkg-query -S '%s' 2>/dev/null", lib->path);
  if (bench_us_popen_line(cmd, line, sizeof line) != 0) return;
  /* "libusrsctp2:amd64: /usr/lib/x86_64-linux-gnu/libusrsctp.so.2.0.0" */
  size_t pl = strlen(lib->path), ll = strlen(line);
  if (ll < pl + 2 || strcmp(line + ll - pl, lib->path) != 0 || memcmp(line + ll - pl - 2, ": ", 2))
    return;
  line[ll - pl - 2] = 0;
  if (strchr(line, ',') || strchr(line, '\'')) return; /* diversions: several packages */
  snprintf(lib->package, sizeof lib->package, "%s", line);
  snprintf(cmd, sizeof cmd, "dpkg-query -W -f='${Version}' '%s' 2>/dev/null", lib->package);
  bench_us_popen_line(cmd, lib->version, sizeof lib->version);
  /* dpkg --verify prints a line per file whose checksum differs from the package's. */
  snprintf(cmd, sizeof cmd, "dpkg --verify '%s' 2>/dev/null | grep -F -- ' %s'", lib->package,
           lib->path);
  lib->modified = bench_us_popen_line(cmd, line, sizeof line) == 0;
  lib->is_debian = !lib->modified;
}

/*
 * One line naming the loaded library: "Debian libusrsctp2 0.9.5.0-2" for an
 * unmodified package file, else its path, SONAME and build-id.
 */
static inline void bench_us_lib_label(const bench_us_lib *lib, char *buf, size_t cap) {
  char pkg[64];
  snprintf(pkg, sizeof pkg, "%s", lib->package);
  pkg[strcspn(pkg, ":")] = 0; /* drop the architecture */
  if (!lib->path[0])
    snprintf(buf, cap, "unknown library (usrsctp_init not found among the loaded objects)");
  else if (lib->is_debian)
    snprintf(buf, cap, "Debian %s %s, %s", pkg, lib->version, lib->path);
  else if (lib->modified)
    snprintf(buf, cap, "%s (MODIFIED file of Debian %s %s; SONAME %s, build-id %s)", lib->path, pkg,
             lib->version, lib->soname[0] ? lib->soname : "none",
             lib->build_id[0] ? lib->build_id : "none");
  else
    snprintf(buf, cap, "%s (not from a Debian package; SONAME %s, build-id %s)", lib->path,
             lib->soname[0] ? lib->soname : "none", lib->build_id[0] ? lib->build_id : "none");
}

/* Prints which usrsctp the figures below are for; every table with usrsctp figures calls it. */
static inline void bench_print_usrsctp_note(void) {
  bench_us_lib lib;
  bench_us_lib_find(&lib);
  char label[PATH_MAX + 256];
  bench_us_lib_label(&lib, label, sizeof label);
  printf("usrsctp: %s\n", label);
  if (lib.is_debian)
    printf(
        "         (as Debian builds it: WITHOUT optimisation, so the ratios below flatter csctp;\n"
        "         the bar is the optimised figures of issue 7, printed next to them)\n");
  else
    printf(
        "         (not Debian's package file: built as its builder chose; issue 7's figures for\n"
        "         usrsctp at -O2 are printed next to ours as the bar)\n");
}

/* Runs on usrsctp's timer thread or inside conninput/sendv/connect. */
static int bench_us_conn_output(void *addr, void *buf, size_t len, uint8_t tos, uint8_t set_df) {
  bench_us_ep *e = addr;
  (void)tos;
  (void)set_df;
  if (len > BENCH_US_PKT_CAP) {
    e->oversize++;
    return 0;
  }
  pthread_mutex_lock(&e->mu);
  bench_us_pkt *k = e->spare;
  if (k) e->spare = k->next;
  pthread_mutex_unlock(&e->mu);
  if (!k && !(k = malloc(sizeof *k))) return ENOMEM;
  k->next = NULL;
  k->len = len;
  memcpy(k->data, buf, len);
  pthread_mutex_lock(&e->mu);
  if (e->tail)
    e->tail->next = k;
  else
    e->head = k;
  e->tail = k;
  e->pkts_out++;
  pthread_mutex_unlock(&e->mu);
  return 0;
}

/* usrsctp_init without UDP encapsulation, then WebRTC's sysctls. Once per process. */
static inline void bench_us_global_init(void) {
  usrsctp_init(0, bench_us_conn_output, NULL);
  usrsctp_sysctl_set_sctp_ecn_enable(0);
  usrsctp_sysctl_set_sctp_asconf_enable(0);
  usrsctp_sysctl_set_sctp_auth_enable(0);
}

static inline int bench_us_set_int(struct socket *s, int level, int opt, int v) {
  return usrsctp_setsockopt(s, level, opt, &v, sizeof v);
}

static inline int bench_us_configure(struct socket *s, uint16_t streams) {
  int rc = 0;
  rc |= usrsctp_set_non_blocking(s, 1);
  rc |= bench_us_set_int(s, IPPROTO_SCTP, SCTP_NODELAY, 1);
  rc |= bench_us_set_int(s, SOL_SOCKET, SO_SNDBUF, 1 << 20);
  rc |= bench_us_set_int(s, SOL_SOCKET, SO_RCVBUF, 1 << 20);
  rc |= bench_us_set_int(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1);
  rc |= bench_us_set_int(s, IPPROTO_SCTP, SCTP_EXPLICIT_EOR, 0);
  rc |= bench_us_set_int(s, IPPROTO_SCTP, SCTP_PARTIAL_DELIVERY_POINT, 1 << 20);
  struct sctp_initmsg im = {.sinit_num_ostreams = streams, .sinit_max_instreams = streams};
  rc |= usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof im);
  struct sctp_paddrparams pp;
  memset(&pp, 0, sizeof pp);
  pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
  pp.spp_flags = SPP_PMTUD_DISABLE;
  /* usrsctp's AF_CONN MTU leaves out the 12-byte common header (libwebrtc subtracts it too). */
  pp.spp_pathmtu = 1200 - 12;
  rc |= usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof pp);
  struct sctp_event ev = {
      .se_assoc_id = SCTP_FUTURE_ASSOC, .se_type = SCTP_ASSOC_CHANGE, .se_on = 1};
  rc |= usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof ev);
  return rc ? -1 : 0;
}

static inline struct sockaddr_conn bench_us_addr(bench_us_ep *e) {
  struct sockaddr_conn a;
  memset(&a, 0, sizeof a);
  a.sconn_family = AF_CONN;
  a.sconn_port = htons(5000);
  a.sconn_addr = e;
  return a;
}

/*
 * Opens `e` (active: a socket to connect; passive: a listener) announcing
 * `streams` streams each way. rx_cap: 0 for no receive buffer (idle
 * associations), else the largest message read. Returns 0 or -1.
 */
static inline int bench_us_open(bench_us_ep *e, int passive, uint16_t streams, size_t rx_cap) {
  memset(e, 0, sizeof *e);
  pthread_mutex_init(&e->mu, NULL);
  if (rx_cap) {
    e->rx_cap = rx_cap;
    if (!(e->rx = malloc(rx_cap))) return -1;
  }
  usrsctp_register_address(e);
  struct socket *s = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
  if (!s) return e->error = errno, -1;
  struct sockaddr_conn a = bench_us_addr(e);
  if (bench_us_configure(s, streams) < 0 || usrsctp_bind(s, (struct sockaddr *)&a, sizeof a) < 0 ||
      (passive && usrsctp_listen(s, 1) < 0)) {
    e->error = errno;
    usrsctp_close(s);
    return -1;
  }
  if (passive)
    e->listener = s;
  else
    e->sock = s;
  return 0;
}

static inline int bench_us_connect(bench_us_ep *e) {
  struct sockaddr_conn a = bench_us_addr(e);
  if (usrsctp_connect(e->sock, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS)
    return e->error = errno, -1;
  return 0;
}

/* Hands every packet `e` has queued to its peer. Returns the number of packets. */
static inline int bench_us_flush(bench_us_ep *e) {
  pthread_mutex_lock(&e->mu);
  bench_us_pkt *k = e->head;
  e->head = e->tail = NULL;
  pthread_mutex_unlock(&e->mu);
  int n = 0;
  bench_us_pkt *last = NULL;
  for (bench_us_pkt *p = k; p; p = p->next) {
    usrsctp_conninput(e->peer, p->data, p->len, 0);
    last = p;
    n++;
  }
  if (last) {
    pthread_mutex_lock(&e->mu);
    last->next = e->spare;
    e->spare = k;
    pthread_mutex_unlock(&e->mu);
  }
  return n;
}

/* Takes every packet `e` has queued, oldest first (a lossy link decides per packet). */
static inline bench_us_pkt *bench_us_take(bench_us_ep *e) {
  pthread_mutex_lock(&e->mu);
  bench_us_pkt *k = e->head;
  e->head = e->tail = NULL;
  pthread_mutex_unlock(&e->mu);
  return k;
}

/* Returns a list of nodes taken with bench_us_take to the spare list. */
static inline void bench_us_recycle(bench_us_ep *e, bench_us_pkt *k) {
  while (k) {
    bench_us_pkt *next = k->next;
    pthread_mutex_lock(&e->mu);
    k->next = e->spare;
    e->spare = k;
    pthread_mutex_unlock(&e->mu);
    k = next;
  }
}

static inline void bench_us_free_spares(bench_us_ep *e) {
  pthread_mutex_lock(&e->mu);
  bench_us_pkt *k = e->spare;
  e->spare = NULL;
  pthread_mutex_unlock(&e->mu);
  while (k) {
    bench_us_pkt *next = k->next;
    free(k);
    k = next;
  }
}

static inline void bench_us_on_notification(bench_us_ep *e, const uint8_t *buf, size_t len) {
  union sctp_notification n;
  memset(&n, 0, sizeof n);
  memcpy(&n, buf, len < sizeof n ? len : sizeof n);
  if (n.sn_header.sn_type != SCTP_ASSOC_CHANGE) return;
  if (n.sn_assoc_change.sac_state == SCTP_COMM_UP) {
    e->comm_up++;
    e->in_streams = n.sn_assoc_change.sac_inbound_streams;
    e->out_streams = n.sn_assoc_change.sac_outbound_streams;
  } else if (n.sn_assoc_change.sac_state == SCTP_COMM_LOST) {
    e->comm_lost++;
  }
}

/* Accepts a pending connection on a passive endpoint. Returns 1 when it has a socket. */
static inline int bench_us_accept(bench_us_ep *e) {
  if (e->sock) return 1;
  if (!e->listener) return 0;
  struct socket *s = usrsctp_accept(e->listener, NULL, NULL);
  if (!s) return 0;
  usrsctp_set_non_blocking(s, 1);
  e->sock = s;
  return 1;
}

/*
 * Reads what is ready. Notifications update the endpoint. Returns the number
 * of complete messages read whose length is `want` (any length when 0) and
 * adds their lengths to *bytes when non-NULL.
 */
static inline int bench_us_recv(bench_us_ep *e, size_t want, uint64_t *bytes) {
  if (!bench_us_accept(e)) return 0;
  int msgs = 0;
  for (;;) {
    struct sctp_rcvinfo rcv;
    struct sockaddr_conn from;
    socklen_t fromlen = sizeof from, infolen = sizeof rcv;
    unsigned int infotype = 0;
    int flags = MSG_DONTWAIT;
    uint8_t small[512];
    uint8_t *buf = small;
    size_t cap = sizeof small;
    if (e->rx) {
      /* Content is not checked: past rx_cap, later reads overwrite the start. */
      size_t off = e->rx_len + 4096 <= e->rx_cap ? e->rx_len : 0;
      buf = e->rx + off;
      cap = e->rx_cap - off;
    }
    ssize_t n = usrsctp_recvv(e->sock, buf, cap, (struct sockaddr *)&from, &fromlen, &rcv, &infolen,
                              &infotype, &flags);
    if (n <= 0) {
      if (n < 0 && errno != EWOULDBLOCK && errno != EAGAIN && errno != ENOTCONN && !e->error)
        e->error = errno;
      return msgs;
    }
    if (flags & MSG_NOTIFICATION) {
      if (flags & MSG_EOR) bench_us_on_notification(e, buf, (size_t)n);
      continue;
    }
    e->rx_len += (size_t)n;
    if (!(flags & MSG_EOR)) continue;
    if (!want || e->rx_len == want) {
      msgs++;
      if (bytes) *bytes += e->rx_len;
    }
    e->rx_len = 0;
  }
}

/* Sends one message on stream 0 (PPID 53). Returns 0, 1 when the buffer is full, -1 on error. */
static inline int bench_us_send(bench_us_ep *e, const void *data, size_t len) {
  struct sctp_sndinfo si;
  memset(&si, 0, sizeof si);
  si.snd_ppid = htonl(53);
  ssize_t n = usrsctp_sendv(e->sock, data, len, NULL, 0, &si, sizeof si, SCTP_SENDV_SNDINFO, 0);
  if (n < 0) {
    if (errno == EWOULDBLOCK || errno == EAGAIN) return 1;
    if (!e->error) e->error = errno;
    return -1;
  }
  return 0;
}

#endif
