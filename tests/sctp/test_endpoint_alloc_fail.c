/* SPDX-License-Identifier: MIT */
/*
 * Allocation failure over the endpoint (src/endpoint.c), replayed as
 * tests/sctp/test_alloc_fail.c does for one association: a scripted exchange
 * between a listening server endpoint and client endpoints on a virtual clock
 * (stateless replies to an out-of-the-blue packet and to an INIT while a
 * client is refused, INIT -> INIT ACK without state, COOKIE ECHO creating
 * associations, echoed data of several sizes, a client restart, a graceful
 * shutdown and removal, removal without a word, deletion with associations
 * left) is run once to count one endpoint's allocation calls (its own and
 * its associations'), then again failing the k-th, for every k: the server's,
 * then a client's.
 *
 * Each run must end without a crash (ASan) or leak and either with a clear
 * error (a fatal error from a call: the script stops, everything is deleted)
 * or with the outcome of the run without failure; csctp_endpoint_connect and
 * csctp_assoc_send, which change nothing on CSCTP_ERR_NOMEM, are called again.
 *
 * Known engine failure, tolerated: src/assoc_event.c drops an event when the
 * association's event queue cannot grow, without a word (a lost CONNECTED,
 * RESTARTED or CLOSED: the application never removes that association). A run
 * whose failed call came from there may end differently; it still must not
 * crash or leak.
 */
#include <criterion/criterion.h>
#include <csctp/sctp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "assoc.h"
#include "failing_mem.h"
#include "packet.h"
#include "prng.h"

#define PKT_MAX 1500
#define NODES 5

typedef struct outcome {
  int connected, restarted, closed, messages;
  uint64_t bytes, hash;
  int aborts_seen; /* not compared: a lost stateless reply is a lost packet */
} outcome;

typedef struct node {
  csctp_endpoint *ep;
  csctp_addr addr;
  csctp_prng rng;
  int echo;
  failing_mem *mem;
  csctp_assoc *assocs[8]; /* the server's, from CONNECTED to CLOSED */
  int nassocs;
  outcome out;
} node;

typedef struct erun {
  node n[NODES];
  failing_mem fm[NODES]; /* one allocator per node; the failing node's fails at k */
  int fail_node;
  long k;
  csctp_tstamp now;
  int fatal;
  const char *at;
  int retried;
  int generation; /* of endpoints created: a restarted one draws other tags */
} erun;

static erun R;
static uint8_t payload[20000];

static uint64_t fnv(const void *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) h = (h ^ ((const uint8_t *)p)[i]) * 0x100000001b3ull;
  return h;
}

static int set_fatal(int rv, const char *at) {
  if (!R.fatal) {
    R.fatal = rv;
    R.at = at;
  }
  return rv;
}

/* The failed call was the engine's event queue growing (the known failure above): the
 * linker keeps assoc_event.c's functions in order, push_event(_owned) before pop_event. */
static int engine_event_lost(void) {
  const failing_mem *f = &R.fm[R.fail_node];
  if (!f->failed) return 0;
  uintptr_t lo = (uintptr_t)&csctp_assoc_push_event, hi = (uintptr_t)&csctp_assoc_pop_event;
  uintptr_t lo2 = (uintptr_t)&csctp_assoc_push_event_owned;
  if (lo2 < lo) lo = lo2;
  cr_assert_lt(lo, hi, "assoc_event.c's functions are not laid out in source order");
  return (uintptr_t)f->site >= lo && (uintptr_t)f->site < hi;
}

static void addr_of(csctp_addr *a, uint8_t host) {
  memset(a, 0, sizeof(*a));
  a->len = 4;
  a->data[0] = 10;
  a->data[3] = host;
}

static int node_add(int i, uint8_t host, uint16_t port, int listen) {
  node *n = &R.n[i];
  memset(n, 0, sizeof(*n));
  addr_of(&n->addr, host);
  n->mem = &R.fm[i];
  n->echo = listen;
  csctp_prng_seed(&n->rng, 1000u + (uint64_t)i * 77u + host + 5000u * (uint64_t)R.generation++);
  csctp_config cfg;
  csctp_config_default(&cfg);
  cfg.rand = csctp_prng_rand_fn;
  cfg.rand_user_data = &n->rng;
  cfg.local_port = port;
  cfg.rto_initial = 300;
  cfg.rto_min = 100;
  cfg.rto_max = 1000;
  cfg.max_init_retransmits = 4;
  cfg.association_max_retrans = 4;
  cfg.hb_interval = 0; /* nothing but the engine's own timers may resume a stalled send */
  cfg.mem = &n->mem->mem;
  int rv = csctp_endpoint_new(&n->ep, &cfg);
  if (rv) {
    cr_assert_eq(rv, CSCTP_ERR_NOMEM, "csctp_endpoint_new: %s", csctp_strerror(rv));
    cr_assert_null(n->ep);
    return set_fatal(rv, "csctp_endpoint_new");
  }
  csctp_endpoint_listen(n->ep, listen);
  return 0;
}

static node *node_at(const csctp_addr *a) {
  for (int i = 0; i < NODES; i++)
    if (R.n[i].ep && R.n[i].addr.len == a->len && !memcmp(R.n[i].addr.data, a->data, a->len))
      return &R.n[i];
  return NULL;
}

static int send_msg(csctp_assoc *a, uint16_t stream, const uint8_t *data, size_t len) {
  csctp_send_opts o = {.stream = stream, .ppid = 99};
  int rv = csctp_assoc_send(a, &o, data, len, R.now);
  if (rv == CSCTP_ERR_NOMEM) {
    R.retried++;
    rv = csctp_assoc_send(a, &o, data, len, R.now);
  }
  if (rv <= CSCTP_ERR_FATAL) return set_fatal(rv, "csctp_assoc_send");
  cr_assert_eq(rv, 0, "csctp_assoc_send: %s", csctp_strerror(rv));
  return 0;
}

static int node_events(node *n) {
  csctp_assoc *a;
  csctp_event ev;
  while (csctp_endpoint_poll_event(n->ep, &a, &ev)) {
    switch (ev.type) {
    case CSCTP_EVENT_CONNECTED:
      n->out.connected++;
      cr_assert_lt(n->nassocs, 8);
      n->assocs[n->nassocs++] = a;
      break;
    case CSCTP_EVENT_RESTARTED: n->out.restarted++; break;
    case CSCTP_EVENT_MESSAGE:
      n->out.messages++;
      n->out.bytes += ev.u.message.len;
      n->out.hash += fnv(ev.u.message.data, ev.u.message.len) * (ev.u.message.len + 1);
      if (n->echo && send_msg(a, ev.u.message.stream, ev.u.message.data, ev.u.message.len))
        return -1;
      break;
    case CSCTP_EVENT_CLOSED:
      n->out.closed++;
      for (int j = 0; j < n->nassocs; j++)
        if (n->assocs[j] == a) n->assocs[j] = n->assocs[--n->nassocs];
      cr_assert_eq(csctp_endpoint_remove(n->ep, a), 0);
      break;
    default: break;
    }
  }
  return 0;
}

typedef int (*pred_fn)(void);

/* Moves packets between the nodes and runs their timers until pred holds (or, with no
 * pred, for `dur`); <0: a clear error. */
static int pump(pred_fn pred, csctp_tstamp dur) {
  csctp_tstamp end = R.now + dur;
  for (int iter = 0;; iter++) {
    cr_assert_lt(iter, 100000, "no quiescence");
    int moved = 0;
    for (int i = 0; i < NODES; i++) {
      node *n = &R.n[i];
      if (!n->ep) continue;
      if (node_events(n)) return -1;
      uint8_t buf[PKT_MAX];
      csctp_addr to;
      csctp_ssize len;
      while ((len = csctp_endpoint_write_packet(n->ep, buf, sizeof(buf), R.now, &to, NULL)) > 0) {
        moved = 1;
        if (len > 12 && buf[12] == 6) n->out.aborts_seen++; /* ABORT sent */
        node *dst = node_at(&to);
        if (!dst) continue;
        int rv = csctp_endpoint_read_packet(dst->ep, &n->addr, buf, (size_t)len, R.now, NULL);
        if (rv) {
          cr_assert_leq(rv, CSCTP_ERR_FATAL, "read_packet: %s", csctp_strerror(rv));
          return set_fatal(rv, "csctp_endpoint_read_packet");
        }
      }
      cr_assert_geq(len, 0);
      if (node_events(n)) return -1;
    }
    if (moved) continue;
    if (pred && pred()) return 0;
    csctp_tstamp next = CSCTP_TSTAMP_NONE;
    for (int i = 0; i < NODES; i++)
      if (R.n[i].ep) {
        csctp_tstamp t = csctp_endpoint_expiry(R.n[i].ep);
        if (t < next) next = t;
      }
    if (next == CSCTP_TSTAMP_NONE || next > end) {
      if (!pred) {
        R.now = end;
        return 0;
      }
      if (engine_event_lost()) return set_fatal(-1, "lost event (known engine failure)");
      cr_assert_fail(
          "k=%ld (site %p): the exchange stalled without an error (server connected "
          "%d restarted %d closed %d messages %d)",
          R.k, R.fm[R.fail_node].site, R.n[0].out.connected, R.n[0].out.restarted,
          R.n[0].out.closed, R.n[0].out.messages);
    }
    if (next > R.now) R.now = next;
    for (int i = 0; i < NODES; i++) {
      if (!R.n[i].ep || csctp_endpoint_expiry(R.n[i].ep) > R.now) continue;
      int rv = csctp_endpoint_handle_expiry(R.n[i].ep, R.now);
      if (rv) {
        cr_assert_leq(rv, CSCTP_ERR_FATAL);
        return set_fatal(rv, "csctp_endpoint_handle_expiry");
      }
    }
  }
}

static int do_connect(int i, csctp_assoc **pa) {
  node *c = &R.n[i];
  size_t before = csctp_endpoint_count(c->ep);
  int rv = csctp_endpoint_connect(c->ep, &R.n[0].addr, 5000, NULL, R.now, pa);
  if (rv == CSCTP_ERR_NOMEM) {
    cr_assert_eq(csctp_endpoint_count(c->ep), before, "a failed connect left an association");
    R.retried++;
    rv = csctp_endpoint_connect(c->ep, &R.n[0].addr, 5000, NULL, R.now, pa);
  }
  if (rv <= CSCTP_ERR_FATAL) return set_fatal(rv, "csctp_endpoint_connect");
  cr_assert_eq(rv, 0, "csctp_endpoint_connect: %s", csctp_strerror(rv));
  return 0;
}

static int want_connected, want_messages, want_restarted, want_closed;
static int server_wants(void) {
  return R.n[0].out.connected >= want_connected && R.n[0].out.messages >= want_messages &&
         R.n[0].out.restarted >= want_restarted && R.n[0].out.closed >= want_closed;
}
static int clients_echoed(void) {
  int m = 0;
  for (int i = 1; i < NODES; i++) m += R.n[i].out.messages;
  return server_wants() && m >= want_messages;
}

#define TRY(x)             \
  do {                     \
    if ((x) < 0) goto out; \
  } while (0)

static void script(void) {
  want_connected = want_messages = want_restarted = want_closed = 0;
  TRY(node_add(0, 1, 5000, 1));
  /* Stateless replies: an out-of-the-blue packet for our port (T-bit ABORT, §8.4), and
   * an INIT from a peer the server refuses (ABORT). */
  uint8_t ootb[16] = {0x10, 0x00, 5000 >> 8, 5000 & 0xff, 1, 2, 3, 4, 0, 0, 0, 0, 9, 0, 0, 4};
  csctp_packet_set_crc(ootb, sizeof(ootb));
  csctp_addr stranger;
  addr_of(&stranger, 99);
  int rv = csctp_endpoint_read_packet(R.n[0].ep, &stranger, ootb, sizeof(ootb), R.now, NULL);
  if (rv) {
    cr_assert_leq(rv, CSCTP_ERR_FATAL);
    set_fatal(rv, "csctp_endpoint_read_packet");
    goto out;
  }
  TRY(pump(NULL, 10 * CSCTP_MILLISECONDS));
  csctp_assoc *ca[NODES] = {0};
  TRY(node_add(4, 40, 4000, 0));
  csctp_addr only;
  addr_of(&only, 10); /* node 1's, not added yet */
  csctp_endpoint_restrict(R.n[0].ep, &only, 0);
  TRY(do_connect(4, &ca[4]));
  TRY(pump(NULL, 3 * CSCTP_SECONDS)); /* INIT refused: ABORT, the client gives up */
  csctp_endpoint_restrict(R.n[0].ep, NULL, 0);

  /* Three clients connect (two on the same SCTP port from different addresses). */
  for (int i = 1; i <= 3; i++) {
    TRY(node_add(i, (uint8_t)(10 + i - 1), i == 3 ? 4001 : 4000, 0));
    TRY(do_connect(i, &ca[i]));
  }
  want_connected = 3;
  TRY(pump(server_wants, 90 * CSCTP_SECONDS));
  for (int i = 1; i <= 3; i++)
    for (uint16_t s = 0; s < 3; s++) {
      size_t len = (size_t)(s == 0 ? 17 : s == 1 ? 3000 : 19000) + (size_t)i;
      TRY(send_msg(ca[i], s, payload + i, len));
      want_messages++;
    }
  TRY(pump(clients_echoed, 90 * CSCTP_SECONDS));

  TRY(pump(NULL, CSCTP_SECONDS)); /* every SACK delivered */
  /* Client 1's process dies and comes back on the same address and port: restart. */
  csctp_endpoint_del(R.n[1].ep);
  R.n[1].ep = NULL;
  cr_assert_eq(R.fm[1].live, 0, "k=%ld: a deleted endpoint leaked %ld blocks", R.k, R.fm[1].live);
  outcome kept = R.n[1].out;
  TRY(node_add(1, 10, 4000, 0));
  R.n[1].out = kept;
  TRY(do_connect(1, &ca[1]));
  want_restarted = 1;
  TRY(pump(server_wants, 90 * CSCTP_SECONDS));
  TRY(send_msg(ca[1], 1, payload, 2500));
  want_messages++;
  TRY(pump(clients_echoed, 90 * CSCTP_SECONDS));

  /* Client 2 shuts down: the server removes its association on CLOSED. */
  cr_assert_eq(csctp_assoc_shutdown(ca[2], R.now), 0);
  want_closed = 1;
  TRY(pump(server_wants, 90 * CSCTP_SECONDS));
  /* The server drops client 3's association without a word. */
  node *srv = &R.n[0];
  for (int j = 0; j < srv->nassocs; j++) {
    csctp_addr peer;
    cr_assert_eq(csctp_endpoint_assoc_peer(srv->ep, srv->assocs[j], &peer, NULL), 0);
    if (!memcmp(&peer, &R.n[3].addr, sizeof(peer))) {
      cr_assert_eq(csctp_endpoint_remove(srv->ep, srv->assocs[j]), 0);
      srv->assocs[j] = srv->assocs[--srv->nassocs];
      break;
    }
  }
  TRY(pump(NULL, CSCTP_SECONDS));
out:;
}

typedef struct ecase {
  int fail_node;
  outcome ref[NODES];
  size_t ref_count;
  long runs_fatal, runs_retried, runs_silent, runs_known;
} ecase;

static long run_once(long fail_at, void *user) {
  ecase *c = user;
  memset(&R, 0, sizeof(R));
  R.fail_node = c->fail_node;
  R.k = fail_at;
  R.now = 1000000;
  for (int i = 0; i < NODES; i++) failing_mem_init(&R.fm[i], i == c->fail_node ? fail_at : 0);
  script();
  const failing_mem *f = &R.fm[c->fail_node];
  size_t count = R.n[0].ep ? csctp_endpoint_count(R.n[0].ep) : 0;
  if (fail_at == 0) {
    cr_assert_eq(R.fatal, 0, "the run without failure failed at %s: %s", R.at,
                 csctp_strerror(R.fatal));
    for (int i = 0; i < NODES; i++) c->ref[i] = R.n[i].out;
    c->ref_count = count;
  } else if (f->failed) {
    int same = count == c->ref_count;
    for (int i = 0; i < NODES; i++)
      same = same && !memcmp(&R.n[i].out, &c->ref[i], offsetof(outcome, aborts_seen));
    if (R.fatal && R.fatal != -1) {
      c->runs_fatal++;
    } else if (R.fatal == -1 || (!same && engine_event_lost())) {
      c->runs_known++;
      cr_log_warn("k=%ld: an association lost an event (known engine failure)", fail_at);
    } else {
      c->runs_retried += R.retried != 0;
      c->runs_silent += R.retried == 0;
      for (int i = 0; i < NODES; i++) {
        const outcome *o = &R.n[i].out, *w = &c->ref[i];
        cr_assert(same,
                  "k=%ld (site %p): node %d ended differently without an error: connected %d/%d "
                  "restarted %d/%d closed %d/%d messages %d/%d bytes %llu/%llu aborts %d/%d, "
                  "server associations %zu/%zu",
                  fail_at, f->site, i, o->connected, w->connected, o->restarted, w->restarted,
                  o->closed, w->closed, o->messages, w->messages, (unsigned long long)o->bytes,
                  (unsigned long long)w->bytes, o->aborts_seen, w->aborts_seen, count,
                  c->ref_count);
      }
    }
  }
  for (int i = 0; i < NODES; i++) csctp_endpoint_del(R.n[i].ep);
  for (int i = 0; i < NODES; i++)
    cr_assert_eq(R.fm[i].live, 0, "k=%ld (site %p, error at %s): node %d leaked %ld blocks",
                 fail_at, f->site, R.at ? R.at : "none", i, R.fm[i].live);
  return f->calls;
}

static void replay(int fail_node) {
  static ecase c;
  memset(&c, 0, sizeof(c));
  c.fail_node = fail_node;
  for (size_t i = 0; i < sizeof(payload); i++) payload[i] = (uint8_t)(i * 7 + (i >> 8));
  long total = run_once(0, &c);
  cr_assert_gt(total, 20);
  cr_assert_eq(c.ref[0].connected, 3);
  cr_assert_eq(c.ref[0].restarted, 1);
  cr_assert_eq(c.ref[0].closed, 1);
  cr_assert_eq(c.ref[0].messages, 10);
  cr_assert_geq(c.ref[0].aborts_seen, 2);
  long hit = failing_mem_replay(total, run_once, &c);
  cr_log_info(
      "%s: %ld allocation calls replayed (%ld failed): %ld clear errors, %ld retried, "
      "%ld recovered silently, %ld events lost by the engine (known)",
      fail_node ? "client endpoint" : "server endpoint", total, hit, c.runs_fatal, c.runs_retried,
      c.runs_silent, c.runs_known);
  cr_assert_eq(c.runs_known, 0, "%ld runs lost an event or stalled without an error", c.runs_known);
}

Test(endpoint_alloc_fail, every_allocation_of_the_server) { replay(0); }
Test(endpoint_alloc_fail, every_allocation_of_a_client) { replay(2); }
