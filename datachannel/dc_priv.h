/* SPDX-License-Identifier: MIT */
/* Internals of the data-channel layer, shared by dc.c (objects, API) and dc_rx.c
 * (association events, DCEP, closing). */
#ifndef CSCTP_DC_PRIV_H
#define CSCTP_DC_PRIV_H

#include <csctp/datachannel.h>

#define DC_NO_SLOT UINT32_MAX
#define DC_MAX_SLOTS 65535u  /* a handle carries the slot in 16 bits */
#define DC_MAX_STREAM 65534u /* RFC 8831 §6.5: 65535 is not a usable stream id */

typedef struct dc_chan {
  uint16_t gen; /* handle generation of this slot; never 0 */
  uint8_t in_use;
  uint8_t state; /* csctp_dc_state */
  uint8_t has_stream, by_peer, negotiated, acked;
  uint8_t hidden;        /* a rejected OPEN being reset: no event reaches the application */
  uint8_t open_pending;  /* our DATA_CHANNEL_OPEN is not queued yet (send buffer full) */
  uint8_t ack_pending;   /* our DATA_CHANNEL_ACK is not queued yet */
  uint8_t reset_pending; /* csctp_assoc_reset_streams still to be called */
  uint8_t out_reset_requested, out_reset_done, in_reset_done;
  uint8_t above_low; /* buffered amount was above the low threshold */
  uint8_t channel_type;
  uint16_t priority;
  uint16_t stream;
  uint32_t reliability_param;
  uint32_t max_message_size; /* 0: the layer's */
  size_t low_threshold;
  char *strings; /* label NUL protocol NUL, one allocation */
  size_t label_len, protocol_len;
  uint8_t *partial; /* 52/54 reassembly */
  size_t partial_len, partial_cap;
  uint32_t partial_ppid;
  uint32_t next_free;
  /* csctp_dc_channel_stats's counters */
  uint64_t msgs_out, bytes_out, msgs_in, bytes_in;
} dc_chan;

struct csctp_dc {
  const csctp_mem *mem;
  csctp_assoc *assoc;
  csctp_dc_config cfg;
  dc_chan *slots;
  uint32_t nslots, slots_cap, free_head;
  uint32_t *by_stream; /* slot + 1 per stream id, 0 = unused */
  uint32_t by_stream_cap;
  csctp_dc_event *q; /* event ring */
  uint32_t q_head, q_len, q_cap;
  uint16_t *scratch; /* stream ids for a reset request */
  uint32_t scratch_cap;
  uint32_t release_slot; /* slot whose CLOSED event was polled: freed at the next call */
  uint32_t max_streams;  /* usable ids are below this */
  int connected, dead, ids_assigned, low_scanned;
  int handed_over;  /* csctp_dc_handover_export done: refuses open, send and close */
  uint32_t pending; /* channels with open_pending / ack_pending / reset_pending */
  /* A message the association hands out in pieces (partial delivery: one at a time),
   * joined here; the buffer is given back at the next poll after the message went out. */
  uint8_t *pieces;
  size_t pieces_len, pieces_cap;
  int pieces_release;
  csctp_dc_stats st;
};

/* dc.c */
/* Logs one line under CSCTP_LOG_DC when the hook and the category are on. */
void csctp_dc_log(const csctp_dc *dc, csctp_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
dc_chan *csctp_dc_chan_get(const csctp_dc *dc, csctp_dc_channel h);
dc_chan *csctp_dc_chan_by_stream(const csctp_dc *dc, uint16_t stream);
csctp_dc_channel csctp_dc_chan_handle(const csctp_dc *dc, const dc_chan *c);
uint32_t csctp_dc_chan_slot(const csctp_dc *dc, const dc_chan *c);
/* Allocates a slot (its pointer: valid until the next slot allocation). NULL: no memory. */
dc_chan *csctp_dc_chan_alloc(csctp_dc *dc);
void csctp_dc_chan_release(csctp_dc *dc, dc_chan *c);
int csctp_dc_chan_set_strings(csctp_dc *dc, dc_chan *c, const uint8_t *label, size_t label_len,
                              const uint8_t *protocol, size_t protocol_len);
int csctp_dc_bind_stream(csctp_dc *dc, dc_chan *c, uint16_t stream);
void csctp_dc_unbind_stream(csctp_dc *dc, dc_chan *c);
/* Lowest free stream id of our parity below max_streams, or -1. */
int csctp_dc_alloc_stream_id(const csctp_dc *dc);
/* Queues an event (copied); 0 or CSCTP_ERR_NOMEM. */
int csctp_dc_queue(csctp_dc *dc, const csctp_dc_event *ev);
/* Makes room for one more event, so that the next csctp_dc_queue cannot fail. */
int csctp_dc_queue_reserve(csctp_dc *dc);
void csctp_dc_fill_open_event(const csctp_dc *dc, const dc_chan *c, csctp_dc_event *ev);
void csctp_dc_partial_clear(csctp_dc *dc, dc_chan *c);

/* dc_rx.c */
/* Sends our DATA_CHANNEL_OPEN; 0, CSCTP_ERR_WOULD_BLOCK or another error. */
int csctp_dc_send_open(csctp_dc *dc, dc_chan *c, csctp_tstamp now);
/* A channel that has its stream and has sent (or needs not send) OPEN becomes OPEN. */
int csctp_dc_chan_opened(csctp_dc *dc, dc_chan *c);
/* Starts closing: queues our outgoing reset (or closes at once without a stream). */
int csctp_dc_close_begin(csctp_dc *dc, dc_chan *c, csctp_tstamp now);
/* Marks a channel closed, unbinds its stream and queues CLOSED (or releases a hidden one). */
int csctp_dc_finish_close(csctp_dc *dc, dc_chan *c);
/* Issues one reset request for every channel with reset_pending. */
int csctp_dc_flush_resets(csctp_dc *dc, csctp_tstamp now);
/* Handles one association event; 0 or a fatal error. */
int csctp_dc_on_assoc_event(csctp_dc *dc, const csctp_event *ev, csctp_tstamp now);
/* Retries pending OPEN / ACK sends and resets. */
int csctp_dc_retry_pending(csctp_dc *dc, csctp_tstamp now);
/* Queues BUFFERED_AMOUNT_LOW for channels that fell to their threshold. */
int csctp_dc_check_low(csctp_dc *dc);
/* Gives back the buffer of a message joined from pieces once it has gone out. */
void csctp_dc_pieces_release(csctp_dc *dc);
/* Queues an ERROR event for a visible channel. */
int csctp_dc_queue_error(csctp_dc *dc, dc_chan *c, csctp_dc_error_reason reason, int error);

#endif
