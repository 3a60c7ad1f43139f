/* SPDX-License-Identifier: MIT */
/* The harness of the usrsctp extension tests (see ext_harness.h). */
#include "ext_harness.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <usrsctp.h>

ext_harness ext_h;

csctp_tstamp ext_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (csctp_tstamp)ts.tv_sec * 1000000u + (csctp_tstamp)ts.tv_nsec / 1000u;
}

static void log_fn(uint32_t cat, csctp_log_level level, const char *text, void *u) {
  (void)cat;
  fprintf(stderr, "[%s] %s: %s\n", (const char *)u, csctp_log_level_name(level), text);
}

/* Chunk counts, and the SSNs of the stream-reset tests' messages (DATA: RFC 9260 §3.3.1). */
static void inspect(ext_harness *h, int from, const uint8_t *pkt, size_t len) {
  for (size_t off = 12; off + 4 <= len;) {
    size_t clen = (size_t)pkt[off + 2] << 8 | pkt[off + 3];
    h->chunks[from][pkt[off]]++;
    if (pkt[off] == 0 && clen == 18 && off + 18 <= len && (pkt[off + 1] & 0x07) == 0x03) {
      uint8_t tag = pkt[off + 16], digit = pkt[off + 17];
      if ((tag == 'a' || tag == 'b') && digit >= '0' && digit <= '9')
        h->ssn_of[from][tag - 'a'][digit - '0'] = pkt[off + 10] << 8 | pkt[off + 11];
    }
    if (clen < 4) break;
    off += (clen + 3) & ~(size_t)3;
  }
}

static void trace_pkt(ext_harness *h, int from, const uint8_t *pkt, size_t len, int dropped) {
  if (!h->trace) return;
  char *s = usrsctp_dumppacket(pkt, len, from == 0 ? SCTP_DUMP_OUTBOUND : SCTP_DUMP_INBOUND);
  fprintf(stderr, "# %s%s\n%s", from == 0 ? "csctp -> usrsctp" : "usrsctp -> csctp",
          dropped ? " (dropped)" : "", s ? s : "");
  if (s) usrsctp_freedumpbuffer(s);
}

void ext_log_msg(ext_harness *h, int side, uint16_t sid, uint32_t ppid, int text, const uint8_t *d,
                 size_t len) {
  if (h->nlog[side] == MAX_LOG) return;
  ext_rx_msg *m = &h->log[side][h->nlog[side]++];
  m->sid = sid;
  m->ppid = ppid;
  m->text = text;
  m->len = len;
  memcpy(m->data, d, len < sizeof m->data ? len : sizeof m->data);
}

static void on_assoc_event(ext_harness *h, const csctp_event *ev) {
  switch (ev->type) {
  case CSCTP_EVENT_CONNECTED:
    h->connected++;
    csctp_assoc_get_peer_features(h->a, &h->feat);
    break;
  case CSCTP_EVENT_CLOSED: h->closed++; break;
  case CSCTP_EVENT_PEER_ERROR:
    h->peer_errors++;
    fprintf(stderr, "csctp: peer ERROR cause %u\n", ev->u.peer_error.cause);
    break;
  case CSCTP_EVENT_MESSAGE:
    if (h->raw) {
      ext_log_msg(h, 0, ev->u.message.stream, ev->u.message.ppid, 0, ev->u.message.data,
                  ev->u.message.len);
      break;
    }
    interop_rx_check(&h->rx[0], ev->u.message.stream, ev->u.message.ppid, ev->u.message.unordered,
                     ev->u.message.data, ev->u.message.len);
    break;
  case CSCTP_EVENT_STREAMS_RESET:
    if (ev->u.streams_reset.incoming) {
      h->rs_in++;
    } else {
      h->rs_out++;
      h->rs_result = ev->u.streams_reset.result;
    }
    h->rs_n = 0;
    for (size_t i = 0; i < ev->u.streams_reset.n_streams && i < 16; i++)
      h->rs_streams[h->rs_n++] = ev->u.streams_reset.streams[i];
    break;
  default: break;
  }
}

static void on_dc_event(ext_harness *h, const csctp_dc_event *ev) {
  switch (ev->type) {
  case CSCTP_DC_EVENT_ASSOC: on_assoc_event(h, &ev->u.assoc); break;
  case CSCTP_DC_EVENT_OPEN:
    if (h->n_open < 4) h->ch_open[h->n_open++] = ev->channel;
    snprintf(h->open_label, sizeof h->open_label, "%s", ev->u.open.label);
    h->open_by_peer = ev->u.open.by_peer;
    break;
  case CSCTP_DC_EVENT_MESSAGE: {
    csctp_dc_info info;
    cr_assert_eq(csctp_dc_get_info(h->dc, ev->channel, &info), 0);
    ext_log_msg(h, 0, info.stream, 0, ev->u.message.is_text, ev->u.message.data, ev->u.message.len);
    break;
  }
  case CSCTP_DC_EVENT_CLOSING:
    if (h->n_closing < 4) h->ch_closing[h->n_closing++] = ev->channel;
    break;
  case CSCTP_DC_EVENT_CLOSED:
    if (h->n_closed < 4) h->ch_closed[h->n_closed++] = ev->channel;
    break;
  case CSCTP_DC_EVENT_ERROR:
    h->dc_errors++;
    fprintf(stderr, "dc ERROR reason %d error %d\n", ev->u.error.reason, ev->u.error.error);
    break;
  default: break;
  }
}

/* ---------- the usrsctp side's DCEP (RFC 8832 §5) ---------- */

size_t ext_dcep_open_msg(uint8_t *b, uint8_t type, uint32_t rel, const char *label) {
  size_t ll = strlen(label);
  b[0] = 0x03; /* DATA_CHANNEL_OPEN */
  b[1] = type;
  b[2] = 0x01, b[3] = 0x00; /* priority 256 */
  b[4] = (uint8_t)(rel >> 24), b[5] = (uint8_t)(rel >> 16), b[6] = (uint8_t)(rel >> 8);
  b[7] = (uint8_t)rel;
  b[8] = (uint8_t)(ll >> 8), b[9] = (uint8_t)ll;
  b[10] = b[11] = 0; /* no protocol */
  memcpy(b + 12, label, ll);
  return 12 + ll;
}

/* usrsctp receives: DCEP OPEN is answered with an ACK on the same stream. */
static void us_on_message(ext_harness *h, const usrsctp_peer_msg *m) {
  ext_log_msg(h, 1, m->sid, m->ppid, 0, m->data, m->len);
  if (m->ppid == PPID_DCEP && m->len >= 12 && m->data[0] == 0x03) {
    static const uint8_t ack = 0x02; /* DATA_CHANNEL_ACK */
    int r = usrsctp_peer_send(&h->up, m->sid, PPID_DCEP, 0, &ack, 1);
    cr_assert_eq(r, 0, "usrsctp: ACK not sent: %d", r);
  }
}

/* ---------- the loop ---------- */

static void service(ext_harness *h, csctp_tstamp now) {
  if (csctp_assoc_expiry(h->a) <= now) cr_assert_eq(csctp_assoc_handle_expiry(h->a, now), 0);
  if (h->dc) {
    csctp_dc_event ev;
    int r;
    while ((r = csctp_dc_poll_event(h->dc, &ev, now)) == 1) on_dc_event(h, &ev);
    cr_assert_geq(r, 0);
  } else {
    csctp_event ev;
    while (csctp_assoc_poll_event(h->a, &ev)) on_assoc_event(h, &ev);
  }
  if (!h->up_open) return;
  usrsctp_peer_msg m;
  int r;
  while ((r = usrsctp_peer_recv(&h->up, &m)) > 0) {
    if (h->dcep || h->raw)
      us_on_message(h, &m);
    else
      interop_rx_check(&h->rx[1], m.sid, m.ppid, m.unordered, m.data, m.len);
  }
  cr_assert_geq(r, 0, "%s", h->up.failure);
}

/* Sends what each side accepts now: ids below pr_count with the policy, then reliably. */
static void pump(ext_harness *h, csctp_tstamp now) {
  for (int i = 0; i < 2; i++) {
    while (h->tx_next[i] < h->tx_total[i] && !h->tx_error[i]) {
      uint32_t id = h->tx_next[i];
      interop_msg d;
      interop_msg_describe(i, id, &d);
      if (h->tx_ready[i] != id + 1) {
        interop_msg_fill(h->txbuf[i], d.len, i, id);
        h->tx_ready[i] = id + 1;
      }
      int pr = id < h->pr_count[i];
      int r;
      if (i == 0) {
        csctp_send_opts o = {.stream = d.sid,
                             .ppid = d.ppid,
                             .unordered = d.unordered,
                             .pr_policy = pr ? (csctp_pr_policy)h->policy[0] : CSCTP_PR_NONE,
                             .pr_value = pr ? h->value[0] : 0};
        r = csctp_assoc_send(h->a, &o, h->txbuf[0], d.len, now);
        if (r == CSCTP_ERR_WOULD_BLOCK) break;
      } else {
        r = usrsctp_peer_send_pr(&h->up, d.sid, d.ppid, d.unordered,
                                 pr ? h->policy[1] : SCTP_PR_SCTP_NONE, pr ? h->value[1] : 0,
                                 h->txbuf[1], d.len);
        if (r == -EWOULDBLOCK) break;
      }
      if (r != 0) {
        h->tx_error[i] = r;
        fprintf(stderr, "side %d: send of id %u failed: %d\n", i, id, r);
        break;
      }
      h->tx_next[i]++;
    }
  }
}

int ext_step(ext_harness *h) {
  int moved = 0;
  csctp_tstamp now = ext_now_us();
  for (int from = 0; from < 2; from++) {
    for (int n = 0; n < 256; n++) {
      size_t len = 0;
      uint8_t ecn = 0;
      if (from == 0) {
        csctp_ssize r = csctp_assoc_write_packet(h->a, h->pkt, sizeof h->pkt, now);
        cr_assert_geq(r, 0, "write_packet: %s", csctp_strerror((int)r));
        len = (size_t)r;
        ecn = (uint8_t)csctp_assoc_packet_ecn(h->a);
      } else {
        usrsctp_peer_pkt *k = usrsctp_peer_pop(&h->up);
        if (k) {
          cr_assert_leq(k->len, sizeof h->pkt);
          memcpy(h->pkt, k->data, k->len);
          len = k->len;
          ecn = k->tos & 3;
          free(k);
        }
      }
      if (!len) break;
      moved = 1;
      h->pkts[from]++;
      cr_expect_leq(len, MTU, "side %d: packet of %zu bytes", from, len);
      inspect(h, from, h->pkt, len);
      int drop = h->loss > 0 && csctp_prng_chance(&h->loss_rng[from], h->loss);
      if (h->drop_fn && h->drop_fn(h, from, h->pkt, len)) drop = 1;
      trace_pkt(h, from, h->pkt, len, drop);
      if (ecn == CSCTP_ECN_ECT0 || ecn == CSCTP_ECN_ECT1) {
        h->ect[from]++;
        if (h->ce_every[from] && h->ect[from] % h->ce_every[from] == 0) {
          ecn = CSCTP_ECN_CE;
          h->ce[from]++;
        }
      }
      if (drop) {
        h->dropped[from]++;
      } else if (from == 1) {
        cr_assert_eq(csctp_assoc_read_packet_ecn(h->a, h->pkt, len, ecn, now), 0);
      } else if (h->up_open) {
        usrsctp_peer_input_ecn(&h->up, h->pkt, len, ecn);
      }
    }
  }
  service(h, now);
  pump(h, now);
  return moved;
}

int ext_run_until(ext_harness *h, ext_pred_fn pred, int timeout_ms) {
  csctp_tstamp deadline = ext_now_us() + (csctp_tstamp)timeout_ms * 1000u;
  for (;;) {
    int moved = ext_step(h);
    if (pred(h)) return 1;
    csctp_tstamp now = ext_now_us();
    if (now >= deadline) return 0;
    if (!moved) {
      csctp_tstamp wake = now + 1000, e = csctp_assoc_expiry(h->a);
      if (e < wake) wake = e;
      if (wake > now) nanosleep(&(struct timespec){0, (long)(wake - now) * 1000}, NULL);
    }
  }
}

/* ---------- fixtures ---------- */

void ext_setup(void) {
  memset(&ext_h, 0, sizeof ext_h);
  ext_h.trace = getenv("CSCTP_INTEROP_TRACE") != NULL;
  const char *seed = getenv("CSCTP_INTEROP_SEED");
  uint64_t s = seed ? strtoull(seed, NULL, 0) : 0xe47;
  csctp_prng_seed(&ext_h.loss_rng[0], s << 4 | 0xa);
  csctp_prng_seed(&ext_h.loss_rng[1], s << 4 | 0xb);
  usrsctp_peer_tuning t = {.rto_min_ms = 100,
                           .rto_initial_ms = 300,
                           .rto_max_ms = 2000,
                           .init_rto_max_ms = 1000,
                           .delayed_sack_ms = 20};
  usrsctp_peer_global_init(&t);
  /* Announced in INIT by default; switched on explicitly so the test says what it needs. */
  usrsctp_sysctl_set_sctp_pr_enable(1);
  usrsctp_sysctl_set_sctp_reconfig_enable(1);
  memset(ext_h.ssn_of, 0xff, sizeof ext_h.ssn_of);
}

void ext_teardown(void) {
  if (ext_h.up_open) usrsctp_peer_close(&ext_h.up, 1);
  ext_h.loss = 0;
  if (ext_h.a)
    for (int i = 0; i < 20; i++) ext_step(&ext_h);
  int finished = usrsctp_peer_global_finish(3000) == 0;
  csctp_dc_del(ext_h.dc);
  csctp_assoc_del(ext_h.a);
  for (int i = 0; i < 2; i++) {
    interop_rx_free(&ext_h.rx[i]);
    free(ext_h.txbuf[i]);
  }
  if (ext_h.up_open && finished) usrsctp_peer_free(&ext_h.up);
  if (!finished) fprintf(stderr, "usrsctp_finish did not complete within 3 s\n");
}

static int both_up(ext_harness *h) { return h->connected > 0 && h->up.comm_up > 0; }

csctp_config ext_config(ext_harness *h, uint64_t seed) {
  csctp_prng_seed(&h->rng, seed);
  csctp_config c;
  csctp_config_default(&c);
  c.local_port = c.remote_port = PORT;
  c.mtu = MTU;
  c.rto_initial = 300;
  c.rto_min = 100;
  c.rto_max = 2000;
  c.rand = csctp_prng_rand_fn;
  c.rand_user_data = &h->rng;
  const char *dbg = getenv("CSCTP_DEBUG");
  if (dbg) {
    c.log = log_fn;
    c.log_user_data = "csctp";
    c.log_mask = csctp_log_mask_parse(dbg);
    csctp_log_levels_parse(dbg, c.log_levels);
  }
  return c;
}

/* Our engine connects to a listening usrsctp socket with stream reset accepted. */
void ext_establish(ext_harness *h, int with_dc) {
  csctp_config c = ext_config(h, 0xe7c5);
  cr_assert_eq(csctp_assoc_new(&h->a, &c), 0);
  if (with_dc) {
    csctp_dc_config dcc;
    csctp_dc_config_default(&dcc);
    dcc.role = CSCTP_DC_ROLE_CLIENT; /* even ids for us, odd ones for usrsctp */
    cr_assert_eq(csctp_dc_new(&h->dc, h->a, &dcc), 0);
    h->dcep = 1;
  }
  usrsctp_peer_opts o = {.port = PORT,
                         .remote_port = PORT,
                         .ostreams = 16,
                         .max_instreams = 16,
                         .mtu = MTU,
                         .passive = 1,
                         .stream_reset = 1};
  int rc = usrsctp_peer_open(&h->up, "usrsctp", &o);
  h->up_open = 1;
  cr_assert_eq(rc, 0, "%s", h->up.failure);
  cr_assert_eq(csctp_assoc_connect(h->a, ext_now_us()), 0);
  cr_assert(ext_run_until(h, both_up, 10000), "handshake did not complete in 10 s");
  cr_assert(h->feat.forward_tsn, "usrsctp did not announce FORWARD TSN");
  cr_assert(h->feat.reconfig, "usrsctp did not announce RE-CONFIG");
}

void ext_report(const ext_harness *h) {
  csctp_stats st;
  csctp_assoc_get_stats(h->a, &st);
  fprintf(stderr,
          "csctp: pkts %llu (dropped %llu), DATA %u FWD-TSN %u RECONF %u, received %u, bad %u %s\n"
          "  retrans %llu fast rtx %llu t3 %llu, cwnd %u, outstanding %u, buffered %zu, "
          "rwnd local %u peer %u\n",
          (unsigned long long)h->pkts[0], (unsigned long long)h->dropped[0], h->chunks[0][0],
          h->chunks[0][CHUNK_FORWARD_TSN], h->chunks[0][130], h->rx[0].received, h->rx[0].bad,
          h->rx[0].failure, (unsigned long long)st.retransmissions,
          (unsigned long long)st.fast_retransmits, (unsigned long long)st.t3_expiries, st.cwnd,
          st.bytes_outstanding, st.bytes_buffered, st.local_rwnd, st.peer_rwnd);
  int state;
  uint32_t rwnd;
  uint16_t unacked = 0, pending = 0;
  usrsctp_peer_status((usrsctp_peer *)&h->up, &state, &rwnd, &unacked, &pending);
  fprintf(stderr,
          "usrsctp: pkts %llu (dropped %llu), DATA %u FWD-TSN %u RECONF %u, received %u, bad %u "
          "%s\n  unacked %u pending %u, sent %u/%u, strreset events %d flags 0x%x partial reads "
          "%llu %s\n",
          (unsigned long long)h->pkts[1], (unsigned long long)h->dropped[1], h->chunks[1][0],
          h->chunks[1][CHUNK_FORWARD_TSN], h->chunks[1][130], h->rx[1].received, h->rx[1].bad,
          h->rx[1].failure, unacked, pending, h->tx_next[1], h->tx_total[1], h->up.strreset_events,
          h->up.strreset_flags, (unsigned long long)h->up.partial_reads, h->up.failure);
}
