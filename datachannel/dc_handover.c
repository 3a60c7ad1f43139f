/* SPDX-License-Identifier: MIT */
/*
 * Handover of the data-channel layer with its association (datachannel.h,
 * csctp_dc_handover_*): at a quiescent moment every channel is OPEN, nothing
 * waits to be polled or joined, so the channel table is all that travels,
 * wrapped around the engine's own blob. The blob, big-endian:
 *
 *   magic "CSDC", version u16, flags u16 (bit 0: role SERVER, bit 1: ids
 *   assigned), created u64, layer max message size u32,
 *   association blob length u32 and the engine's blob (its own MAC inside),
 *   n channels u32, then per channel in stream order: stream u16, channel
 *   type u8, flags u8 (bit 0 negotiated, bit 1 by peer), priority u16,
 *   reliability parameter u32, max message size u32, low threshold u64,
 *   label length u16, protocol length u16, label, protocol;
 *   HMAC-SHA-256 of everything before it.
 */
#include <string.h>

#include "assoc.h"
#include "dc_priv.h"
#include "dcep.h"
#include "hmac.h"
#include "rd.h"
#include "wr.h"

#define DH_MAGIC 0x43534443u /* "CSDC" */
#define DH_VERSION 1
#define DH_FIXED 24      /* magic .. association blob length */
#define DH_CHAN_FIXED 26 /* stream .. protocol length */
#define DH_FUTURE_SLACK CSCTP_SECONDS
#define DH_F_SERVER 0x01u
#define DH_F_IDS 0x02u
#define DH_F_ALL 0x03u
#define DH_C_NEGOTIATED 0x01u
#define DH_C_BY_PEER 0x02u
#define DH_C_ALL 0x03u

int csctp_dc_handover_readiness(const csctp_dc *dc) {
  if (!dc) return CSCTP_HANDOVER_NOT_ESTABLISHED;
  int r = csctp_assoc_handover_readiness(dc->assoc);
  if (dc->handed_over || dc->dead || !dc->connected) r |= CSCTP_HANDOVER_NOT_ESTABLISHED;
  if (dc->pending) r |= CSCTP_DC_HANDOVER_CHANNEL;
  if (dc->q_len) r |= CSCTP_DC_HANDOVER_EVENTS;
  if (dc->pieces_len && !dc->pieces_release) r |= CSCTP_DC_HANDOVER_PARTIAL;
  for (uint32_t i = 0; i < dc->nslots; i++) {
    const dc_chan *c = &dc->slots[i];
    if (!c->in_use) continue;
    /* A CLOSED channel whose event was polled is released at the next call. */
    if (c->state == CSCTP_DC_STATE_CLOSED && i == dc->release_slot) continue;
    if (c->state != CSCTP_DC_STATE_OPEN || c->hidden || !c->acked || !c->has_stream ||
        c->open_pending || c->ack_pending || c->reset_pending || c->out_reset_requested ||
        c->out_reset_done || c->in_reset_done)
      r |= CSCTP_DC_HANDOVER_CHANNEL;
    if (c->above_low) r |= CSCTP_DC_HANDOVER_EVENTS; /* BUFFERED_AMOUNT_LOW owed */
    if (c->partial_len) r |= CSCTP_DC_HANDOVER_PARTIAL;
  }
  return r;
}

/* The channels in stream order (by_stream is indexed by stream id). */
static size_t dh_channels_size(const csctp_dc *dc, uint32_t *n) {
  size_t size = 4;
  *n = 0;
  for (uint32_t s = 0; s < dc->by_stream_cap; s++) {
    if (!dc->by_stream[s]) continue;
    const dc_chan *c = &dc->slots[dc->by_stream[s] - 1];
    size += DH_CHAN_FIXED + c->label_len + c->protocol_len;
    (*n)++;
  }
  return size;
}

static void dh_write_channels(const csctp_dc *dc, uint32_t n, csctp_wr *w) {
  csctp_wr_u32(w, n);
  for (uint32_t s = 0; s < dc->by_stream_cap; s++) {
    if (!dc->by_stream[s]) continue;
    const dc_chan *c = &dc->slots[dc->by_stream[s] - 1];
    csctp_wr_u16(w, c->stream);
    csctp_wr_u8(w, c->channel_type);
    csctp_wr_u8(w,
                (uint8_t)((c->negotiated ? DH_C_NEGOTIATED : 0) | (c->by_peer ? DH_C_BY_PEER : 0)));
    csctp_wr_u16(w, c->priority);
    csctp_wr_u32(w, c->reliability_param);
    csctp_wr_u32(w, c->max_message_size);
    csctp_wr_u64(w, (uint64_t)c->low_threshold);
    csctp_wr_u16(w, (uint16_t)c->label_len);
    csctp_wr_u16(w, (uint16_t)c->protocol_len);
    csctp_wr_bytes(w, c->strings, c->label_len);
    csctp_wr_bytes(w, c->strings + c->label_len + 1, c->protocol_len);
  }
}

csctp_ssize csctp_dc_handover_export(csctp_dc *dc, const uint8_t *key, size_t key_len,
                                     csctp_tstamp now, uint8_t *buf, size_t cap) {
  if (!dc || !key || key_len < CSCTP_HANDOVER_KEY_MIN || (!buf && cap))
    return CSCTP_ERR_INVALID_ARGUMENT;
  /* What the application has seen already goes first, as the next call would do. */
  if (dc->release_slot != DC_NO_SLOT) {
    dc_chan *c = &dc->slots[dc->release_slot];
    dc->release_slot = DC_NO_SLOT;
    if (c->in_use && c->state == CSCTP_DC_STATE_CLOSED) csctp_dc_chan_release(dc, c);
  }
  if (dc->pieces_release && !dc->q_len) csctp_dc_pieces_release(dc);
  if (csctp_dc_handover_readiness(dc)) return CSCTP_ERR_INVALID_STATE;
  csctp_ssize alen = csctp_assoc_handover_export(dc->assoc, key, key_len, now, NULL, 0);
  if (alen < 0) return alen;
  uint32_t n;
  size_t size = DH_FIXED + (size_t)alen + dh_channels_size(dc, &n) + CSCTP_HMAC_LEN;
  if (!buf) return (csctp_ssize)size;
  if (cap < size) return CSCTP_ERR_NOBUF;
  csctp_wr w;
  csctp_wr_init(&w, buf, size - CSCTP_HMAC_LEN);
  csctp_wr_u32(&w, DH_MAGIC);
  csctp_wr_u16(&w, DH_VERSION);
  csctp_wr_u16(&w, (uint16_t)((dc->cfg.role == CSCTP_DC_ROLE_SERVER ? DH_F_SERVER : 0) |
                              (dc->ids_assigned ? DH_F_IDS : 0)));
  csctp_wr_u64(&w, now);
  csctp_wr_u32(&w, dc->cfg.max_message_size);
  csctp_wr_u32(&w, (uint32_t)alen);
  if (w.overflow) return CSCTP_ERR_NOBUF;
  size_t apos = w.len;
  w.len += (size_t)alen; /* the engine's blob goes here, written last (it hands over) */
  dh_write_channels(dc, n, &w);
  if (w.overflow || w.len != size - CSCTP_HMAC_LEN) return CSCTP_ERR_NOBUF;
  /* The association's export is the one step that hands over: nothing may fail after it
   * but the MAC, which then leaves both handed over and the blob unusable. */
  csctp_ssize rv =
      csctp_assoc_handover_export(dc->assoc, key, key_len, now, buf + apos, (size_t)alen);
  if (rv < 0) return rv;
  if (rv != alen) return CSCTP_ERR_NOBUF;
  dc->handed_over = 1;
  int hr = csctp_hmac_sha256(key, key_len, buf, w.len, buf + w.len);
  if (hr) return hr;
  csctp_dc_log(dc, CSCTP_LOG_INFO, "handed over (%zu bytes, %u channels)", size, n);
  return (csctp_ssize)size;
}

/* One channel of the blob, read and checked; strings point into the blob. */
typedef struct dh_chan {
  uint16_t stream, priority;
  uint8_t type, flags;
  uint32_t rel, mms;
  uint64_t low;
  const uint8_t *label, *protocol;
  uint16_t label_len, protocol_len;
} dh_chan;

static int dh_read_chan(csctp_rd *r, dh_chan *c) {
  c->stream = csctp_rd_u16(r);
  c->type = csctp_rd_u8(r);
  c->flags = csctp_rd_u8(r);
  c->priority = csctp_rd_u16(r);
  c->rel = csctp_rd_u32(r);
  c->mms = csctp_rd_u32(r);
  c->low = csctp_rd_u64(r);
  c->label_len = csctp_rd_u16(r);
  c->protocol_len = csctp_rd_u16(r);
  c->label = csctp_rd_bytes(r, c->label_len);
  c->protocol = csctp_rd_bytes(r, c->protocol_len);
  if (r->bad || (c->flags & ~DH_C_ALL) || c->stream > DC_MAX_STREAM ||
      (uint64_t)(size_t)c->low != c->low)
    return CSCTP_ERR_MALFORMED;
  uint8_t pr = c->type & 0x7f;
  if ((c->type & ~(CSCTP_DC_TYPE_UNORDERED | 0x03)) || pr == 0x03 || (pr == 0 && c->rel))
    return CSCTP_ERR_MALFORMED;
  if (!csctp_dcep_utf8_valid(c->label, c->label_len) ||
      !csctp_dcep_utf8_valid(c->protocol, c->protocol_len))
    return CSCTP_ERR_MALFORMED;
  return 0;
}

static int dh_add_chan(csctp_dc *dc, const dh_chan *h) {
  if (h->stream >= dc->max_streams || csctp_dc_chan_by_stream(dc, h->stream))
    return CSCTP_ERR_MALFORMED;
  dc_chan *c = csctp_dc_chan_alloc(dc);
  if (!c) return CSCTP_ERR_NOMEM;
  c->state = CSCTP_DC_STATE_OPEN;
  c->negotiated = (h->flags & DH_C_NEGOTIATED) != 0;
  c->by_peer = (h->flags & DH_C_BY_PEER) != 0;
  c->acked = 1;
  c->channel_type = h->type;
  c->priority = h->priority;
  c->reliability_param = h->rel;
  c->max_message_size = h->mms;
  c->low_threshold = (size_t)h->low;
  int rv = csctp_dc_chan_set_strings(dc, c, h->label, h->label_len, h->protocol, h->protocol_len);
  if (rv == 0) rv = csctp_dc_bind_stream(dc, c, h->stream);
  if (rv) csctp_dc_chan_release(dc, c);
  return rv;
}

/* The layer over the imported association `a`, from the rest of the blob. */
static int dh_build(csctp_dc **out, csctp_assoc *a, const csctp_dc_config *dcfg, uint16_t flags,
                    uint32_t mms, csctp_rd *r) {
  csctp_dc *dc;
  int rv = csctp_dc_new(&dc, a, dcfg);
  if (rv) return rv;
  dc->cfg.role = (flags & DH_F_SERVER) ? CSCTP_DC_ROLE_SERVER : CSCTP_DC_ROLE_CLIENT;
  dc->ids_assigned = (flags & DH_F_IDS) != 0;
  dc->cfg.max_message_size = mms;
  dc->connected = 1;
  dc->max_streams = a->num_in < a->num_out ? a->num_in : a->num_out;
  uint32_t n = csctp_rd_u32(r);
  if (r->bad) rv = CSCTP_ERR_MALFORMED;
  int prev = -1;
  for (uint32_t i = 0; rv == 0 && i < n; i++) {
    dh_chan h;
    rv = dh_read_chan(r, &h);
    if (rv == 0 && (int)h.stream <= prev) rv = CSCTP_ERR_MALFORMED; /* stream order, no twins */
    if (rv == 0) rv = dh_add_chan(dc, &h);
    prev = h.stream;
  }
  if (rv == 0 && csctp_rd_left(r)) rv = CSCTP_ERR_MALFORMED;
  if (rv) {
    csctp_dc_del(dc);
    return rv;
  }
  *out = dc;
  return 0;
}

int csctp_dc_handover_import(csctp_dc **out, csctp_assoc **assoc_out, const csctp_config *scfg,
                             const csctp_dc_config *dcfg, const uint8_t *key, size_t key_len,
                             const uint8_t *blob, size_t len, csctp_tstamp now,
                             csctp_tstamp max_age) {
  if (!out || !assoc_out || !scfg || !key || key_len < CSCTP_HANDOVER_KEY_MIN || (!blob && len))
    return CSCTP_ERR_INVALID_ARGUMENT;
  /* The MAC first: nothing else of the blob is looked at before it is proven ours. */
  if (len < CSCTP_HMAC_LEN) return CSCTP_ERR_HANDOVER_AUTH;
  uint8_t mac[CSCTP_HMAC_LEN];
  size_t body = len - CSCTP_HMAC_LEN;
  int rv = csctp_hmac_sha256(key, key_len, blob, body, mac);
  if (rv) return rv;
  if (!csctp_hmac_equal(mac, blob + body, CSCTP_HMAC_LEN)) return CSCTP_ERR_HANDOVER_AUTH;
  csctp_rd r;
  csctp_rd_init(&r, blob, body);
  uint32_t magic = csctp_rd_u32(&r);
  uint16_t version = csctp_rd_u16(&r);
  if (r.bad || magic != DH_MAGIC) return CSCTP_ERR_MALFORMED;
  if (version != DH_VERSION) return CSCTP_ERR_HANDOVER_VERSION;
  uint16_t flags = csctp_rd_u16(&r);
  csctp_tstamp created = csctp_rd_u64(&r);
  uint32_t mms = csctp_rd_u32(&r);
  uint32_t alen = csctp_rd_u32(&r);
  const uint8_t *ablob = csctp_rd_bytes(&r, alen);
  if (r.bad || (flags & ~DH_F_ALL) || !mms) return CSCTP_ERR_MALFORMED;
  if (created > now ? created - now > DH_FUTURE_SLACK : now - created > max_age)
    return CSCTP_ERR_HANDOVER_STALE;
  csctp_assoc *a;
  rv = csctp_assoc_handover_import(&a, scfg, key, key_len, ablob, alen, now, max_age);
  if (rv) return rv;
  csctp_dc *dc;
  rv = dh_build(&dc, a, dcfg, flags, mms, &r);
  if (rv) {
    csctp_assoc_del(a);
    return rv;
  }
  *out = dc;
  *assoc_out = a;
  return 0;
}

int csctp_dc_channel_by_stream(const csctp_dc *dc, uint16_t stream, csctp_dc_channel *out) {
  if (!dc || !out) return CSCTP_ERR_INVALID_ARGUMENT;
  const dc_chan *c = csctp_dc_chan_by_stream(dc, stream);
  if (!c || c->hidden) return CSCTP_ERR_INVALID_ARGUMENT;
  *out = csctp_dc_chan_handle(dc, c);
  return 0;
}

size_t csctp_dc_channel_list(const csctp_dc *dc, csctp_dc_channel *out, size_t cap) {
  size_t n = 0;
  if (!dc) return 0;
  for (uint32_t s = 0; s < dc->by_stream_cap; s++) {
    if (!dc->by_stream[s]) continue;
    const dc_chan *c = &dc->slots[dc->by_stream[s] - 1];
    if (c->hidden) continue;
    if (n < cap) out[n] = csctp_dc_chan_handle(dc, c);
    n++;
  }
  return n;
}
