/* SPDX-License-Identifier: MIT */
/* DATA and I-DATA intake and acknowledgement (RFC 9260 §6.2, §6.5, §6.7; RFC 8260 §2.2),
 * SACK intake. */
#include "assoc.h"

static void send_error_cause_invalid_stream(csctp_assoc *a, uint16_t stream) {
  uint8_t buf[16];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof(buf));
  size_t off = csctp_error_write_begin(&w);
  csctp_cause_write_invalid_stream(&w, stream);
  csctp_wr_tlv_end(&w, off);
  if (csctp_assoc_queue_ctrl(a, buf, w.len) == 0) a->stats.errors_sent++;
}

void csctp_assoc_rx_sync_budget(csctp_assoc *a) {
  csctp_rx_budget *b = a->cfg.rx_budget;
  size_t held = csctp_assoc_held(a);
  b->used = b->used - a->rx_charged + held;
  a->rx_charged = held;
  if (b->used > b->peak) b->peak = b->used;
}

/*
 * Whether the memory `dc` would take (`need`: held + its length) is within bounds (RFC 9260 §6.2:
 * DATA the receive window cannot hold is dropped, and the peer sends it again). Held memory is
 * counted with its overhead (csctp_reasm_held), so tiny chunks cost what they really cost. Past the
 * window, only the next TSN expected is still taken, when it fills the lowest hole (data is held
 * above it) or continues a message (a fragment other than the first, e.g. of a message as large as
 * the window, which with its overhead holds more than the window): without it nothing held could be
 * delivered and the association would stall. That exception is bounded too, by one message more
 * than the window, so a peer that withholds a TSN and fills the holes above it one by one cannot
 * grow memory past rwnd + max_message_size. A shared csctp_rx_budget, when set, is a hard limit on
 * top.
 */
static __attribute__((noinline)) int assoc_data_fits_any(csctp_assoc *a, uint32_t tsn,
                                                         uint8_t flags, size_t need) {
  if (need > a->cfg.rwnd) {
    /* The next TSN expected, when it fills the lowest hole or continues a message (not its
     * first fragment): without it nothing held could complete. */
    int next = tsn == a->rxt.cum + 1 &&
               (csctp_tsn_gt(a->rxt.highest, a->rxt.cum) || !(flags & CSCTP_DATA_FLAG_B));
    /* With partial delivery the message is handed out in pieces: a piece's worth suffices. */
    uint32_t extra =
        a->cfg.partial_delivery_point ? csctp_assoc_pd_point(&a->cfg) : a->cfg.max_message_size;
    if (!next || need > (size_t)a->cfg.rwnd + extra) {
      a->stats.drop_out_of_window++;
      a->sack_now = 1;
      return 0;
    }
  }
  const csctp_rx_budget *b = a->cfg.rx_budget;
  if (b && b->limit && b->used - a->rx_charged + need > b->limit) {
    a->stats.drop_rx_budget++;
    a->sack_now = 1;
    return 0;
  }
  return 1;
}

size_t csctp_assoc_held_both(const csctp_assoc *a) {
  return csctp_reasm_held(&a->reasm) + csctp_ireasm_held(&a->ireasm);
}

/* §6.2: DATA (or I-DATA) without user data: ABORT with the No User Data cause. */
static __attribute__((noinline)) void assoc_abort_no_user_data(csctp_assoc *a, uint32_t tsn) {
  uint8_t buf[16];
  csctp_wr w;
  csctp_wr_init(&w, buf, sizeof(buf));
  size_t off = csctp_abort_write_begin(&w, 0);
  csctp_cause_write_no_user_data(&w, tsn);
  csctp_wr_tlv_end(&w, off);
  csctp_assoc_queue_packet(a, a->peer_tag, buf, w.len);
  a->stats.aborts_sent++;
  csctp_assoc_enter_closed(a, CSCTP_CLOSE_PROTOCOL_ERROR, CSCTP_CAUSE_NO_USER_DATA);
}

/*
 * What DATA and I-DATA share before the payload is stored (`idata`: a constant, which
 * reassembly's memory counts against the window): state, empty chunk, TSN (duplicate, no room, a
 * deferred reset), window and budget, stream.
 * Returns -1 when the chunk is to be stored, else what the caller returns (0: dropped or
 * acknowledged without storing, 1: stop processing the packet).
 */
static inline __attribute__((always_inline)) int assoc_data_admit(csctp_assoc *a,
                                                                  const csctp_data_chunk *dc,
                                                                  int idata) {
  /* The fields are read where they are used, as few live across the calls as possible. */
  a->stats.data_chunks_in++;
  if (!a->rx_started || a->state == CSCTP_STATE_COOKIE_WAIT) {
    a->stats.drop_unexpected++;
    return 0;
  }
  if (dc->len == 0) {
    assoc_abort_no_user_data(a, dc->tsn);
    return 1;
  }
  int cls = csctp_rx_tsn_check(&a->rxt, dc->tsn);
  if (cls == CSCTP_RX_TSN_DUP) {
    csctp_rx_tsn_add(&a->rxt, dc->tsn); /* remembered for the duplicate list */
    a->stats.duplicate_tsns++;
    a->sack_now = 1; /* §6.7: report duplicates at once */
    return 0;
  }
  if (cls == CSCTP_RX_TSN_NO_ROOM ||
      (a->rc.deferred && csctp_assoc_reconfig_holds(a, dc->stream, dc->tsn))) {
    /* No room, or new data on a stream whose reset waits (RFC 6525 §5.2.2 E2): the peer
     * sends it again. */
    a->stats.drop_out_of_window++;
    a->sack_now = 1;
    return 0;
  }
  /* The common case inline: within the window, no shared budget. */
  size_t need = (idata ? csctp_assoc_held(a) : csctp_reasm_held(&a->reasm)) + dc->len;
  if ((need > a->cfg.rwnd || a->cfg.rx_budget) && !assoc_data_fits_any(a, dc->tsn, dc->flags, need))
    return 0;
  if (dc->stream >= a->num_in) {
    /* §6.5: acknowledge and discard, report Invalid Stream Identifier. */
    csctp_rx_tsn_add(&a->rxt, dc->tsn);
    send_error_cause_invalid_stream(a, dc->stream);
    return 0;
  }
  return -1;
}

/* A reassembly's refusal: the association aborts (fatal errors go back to the caller). */
static __attribute__((noinline)) int assoc_data_refused(csctp_assoc *a, int rv, const char *what) {
  if (rv == CSCTP_ERR_NOMEM) return rv;
  if (rv == CSCTP_ERR_MSG_TOO_LARGE)
    csctp_assoc_abort_with(a, CSCTP_CAUSE_OUT_OF_RESOURCE, NULL, CSCTP_CLOSE_PROTOCOL_ERROR);
  else
    csctp_assoc_abort_with(a, CSCTP_CAUSE_PROTOCOL_VIOLATION, what, CSCTP_CLOSE_PROTOCOL_ERROR);
  return 1;
}

/* One DATA chunk (csctp_assoc_on_data), inlined in the loop over a packet's chunks too. */
static inline __attribute__((always_inline)) int assoc_on_data(csctp_assoc *a,
                                                               const csctp_data_chunk *dc) {
  int r = assoc_data_admit(a, dc, 0);
  if (r >= 0) return r;
  int rv = csctp_reasm_add(&a->reasm, dc);
  if (rv != 0) return assoc_data_refused(a, rv, "inconsistent DATA fragment");
  csctp_rx_tsn_add(&a->rxt, dc->tsn);
  csctp_assoc_rx_sync(a);
  return 0;
}

/* RFC 8260 §2.2.1: once I-DATA is negotiated, DATA must not be used (checked once per chunk
 * here and once per packet's run of DATA below, not in the inline core). */
static __attribute__((noinline)) int assoc_data_on_idata_assoc(csctp_assoc *a) {
  csctp_assoc_abort_with(a, CSCTP_CAUSE_PROTOCOL_VIOLATION, "DATA on an I-DATA association",
                         CSCTP_CLOSE_PROTOCOL_ERROR);
  return 1;
}

int csctp_assoc_on_data(csctp_assoc *a, const csctp_data_chunk *dc, csctp_tstamp now) {
  (void)now;
  if (__builtin_expect(a->peer_idata != 0, 0)) return assoc_data_on_idata_assoc(a);
  return assoc_on_data(a, dc);
}

int csctp_assoc_on_data_plain(csctp_assoc *a, const csctp_data_chunk *dc) {
  return assoc_on_data(a, dc);
}

int csctp_assoc_on_idata(csctp_assoc *a, const csctp_idata_chunk *dc, csctp_tstamp now) {
  (void)now;
  if (!a->peer_idata) {
    /* RFC 8260 §2.2.1: I-DATA on an association that did not negotiate it. */
    csctp_assoc_abort_with(a, CSCTP_CAUSE_PROTOCOL_VIOLATION, "I-DATA not negotiated",
                           CSCTP_CLOSE_PROTOCOL_ERROR);
    return 1;
  }
  /* The fields admission reads, in DATA's shape. */
  csctp_data_chunk d = {.flags = dc->flags, .tsn = dc->tsn, .stream = dc->stream, .len = dc->len};
  int r = assoc_data_admit(a, &d, 1);
  if (r >= 0) return r;
  int rv = csctp_ireasm_add(&a->ireasm, dc);
  if (rv != 0) return assoc_data_refused(a, rv, "inconsistent I-DATA fragment");
  csctp_rx_tsn_add(&a->rxt, dc->tsn);
  csctp_assoc_rx_sync(a);
  return 0;
}

int csctp_assoc_on_data_run(csctp_assoc *a, const csctp_data_chunk *dcs, size_t n, int *immediate,
                            csctp_tstamp now) {
  (void)now;
  if (__builtin_expect(a->peer_idata != 0, 0)) {
    assoc_data_on_idata_assoc(a);
    return 0;
  }
  for (size_t k = 0; k < n; k++) {
    if (dcs[k].flags & CSCTP_DATA_FLAG_I) *immediate = 1;
    int rv = assoc_on_data(a, &dcs[k]);
    if (rv <= CSCTP_ERR_FATAL) return rv;
    if (rv == 1 || a->state == CSCTP_STATE_CLOSED) break; /* stop processing the packet */
  }
  return 0;
}

void csctp_assoc_after_data_packet(csctp_assoc *a, int had_data, int immediate, csctp_tstamp now) {
  if (!had_data || a->state == CSCTP_STATE_CLOSED) return;
  if (a->state == CSCTP_STATE_SHUTDOWN_SENT) {
    /* §9.2: answer each DATA packet with a SHUTDOWN (and a SACK) and restart T2. */
    a->send_shutdown = 1;
    a->sack_now = 1;
    a->t2 = now + a->t2_rto;
    return;
  }
  /* §6.2: SACK at once on gaps (and duplicates, set by on_data), on the I bit,
   * after sack_freq packets; else within sack_timeout. */
  a->packets_since_sack++;
  if (immediate || csctp_rx_tsn_has_gaps(&a->rxt) || csctp_rx_tsn_has_dups(&a->rxt))
    a->sack_now = a->sack_urgent = 1;
  else if (a->packets_since_sack >= a->cfg.sack_freq || a->state >= CSCTP_STATE_SHUTDOWN_PENDING) {
    a->sack_now = 1;
  } else if (a->sack_timer == CSCTP_TSTAMP_NONE) {
    a->sack_timer = now + (csctp_tstamp)a->cfg.sack_timeout * CSCTP_MILLISECONDS;
  }
}

void csctp_assoc_check_window_update_any(csctp_assoc *a) {
  /* Receiver SWS avoidance: a window update only once the window opened by
   * at least min(rwnd/2, MTU) beyond what was advertised. */
  if (!a->rx_started || a->state == CSCTP_STATE_CLOSED) return;
  uint32_t now_rwnd = csctp_assoc_a_rwnd(a);
  uint32_t step = a->cfg.rwnd / 2 < a->cfg.mtu ? a->cfg.rwnd / 2 : a->cfg.mtu;
  if (now_rwnd > a->last_adv_rwnd && now_rwnd - a->last_adv_rwnd >= step) a->window_update = 1;
}

int csctp_assoc_on_sack(csctp_assoc *a, const csctp_chunk *ch, csctp_tstamp now) {
  csctp_sack_chunk s;
  if (csctp_sack_decode(ch, &s) != 0) return 1;
  return csctp_assoc_on_sack_decoded(a, &s, now);
}

int csctp_assoc_on_sack_decoded(csctp_assoc *a, const csctp_sack_chunk *sc, csctp_tstamp now) {
  a->stats.sacks_in++;
  if (a->state < CSCTP_STATE_ESTABLISHED) {
    a->stats.drop_unexpected++;
    return 0;
  }
  size_t before = a->tx.buffered;
  csctp_tx_sack_result res = {0};
  int rv = csctp_tx_on_sack(&a->tx, sc, now, &res);
  if (rv == CSCTP_ERR_MALFORMED) {
    if (csctp_assoc_tsn_reset_stale(a, sc->cum_tsn_ack)) { /* of before an SSN/TSN Reset */
      a->stats.drop_unexpected++;
      return 0;
    }
    /* It acknowledges a TSN we never sent. */
    csctp_assoc_abort_with(a, CSCTP_CAUSE_PROTOCOL_VIOLATION, "SACK for a TSN never sent",
                           CSCTP_CLOSE_PROTOCOL_ERROR);
    return 1;
  }
  if (rv <= CSCTP_ERR_FATAL) return rv;
  /* §8.1; and §6.1: while the peer keeps answering with a closed window, the probes it
   * drops are no errors (RFC 8540 §3.4): it may keep its window closed indefinitely. */
  if (res.new_data_acked || sc->a_rwnd == 0) a->error_count = 0;
  if (a->send_low_armed && a->tx.buffered <= a->send_low_threshold && a->tx.buffered < before) {
    a->send_low_armed = 0;
    csctp_event ev = {.type = CSCTP_EVENT_SEND_BUFFER_LOW};
    ev.u.send_buffer_low.buffered = a->tx.buffered;
    csctp_assoc_push_event(a, &ev, 0);
  }
  csctp_assoc_shutdown_progress(a, now);
  return 0;
}
