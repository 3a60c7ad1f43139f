/* SPDX-License-Identifier: MIT */
/* The data-channel layer: channel table, handles, event queue and the public calls. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dc_priv.h"
#include "dcep.h"
#include "log.h"
#include "versioned.h"

static void dc_config_fill_default(void *p) {
  csctp_dc_config *cfg = p;
  memset(cfg, 0, sizeof(*cfg));
  cfg->role = CSCTP_DC_ROLE_CLIENT;
  cfg->max_message_size = 65536;
  cfg->max_partial_size = 262144;
}

static size_t dc_config_size(int version) {
  return version == CSCTP_DC_CONFIG_V1 ? sizeof(csctp_dc_config) : 0;
}

int csctp_dc_config_default_versioned(int config_version, csctp_dc_config *cfg) {
  csctp_dc_config full;
  dc_config_fill_default(&full);
  return csctp_versioned_out(cfg, dc_config_size(config_version), &full);
}

void csctp_dc_log(const csctp_dc *dc, csctp_log_level level, const char *fmt, ...) {
  if (!csctp_log_on(dc->cfg.log, dc->cfg.log_mask, dc->cfg.log_levels, CSCTP_LOG_DC, level)) return;
  va_list ap;
  va_start(ap, fmt);
  csctp_log_vemit(dc->cfg.log, dc->cfg.log_user_data, CSCTP_LOG_DC, level, fmt, ap);
  va_end(ap);
}

/* ---- slots and handles ---- */

uint32_t csctp_dc_chan_slot(const csctp_dc *dc, const dc_chan *c) {
  return (uint32_t)(c - dc->slots);
}

csctp_dc_channel csctp_dc_chan_handle(const csctp_dc *dc, const dc_chan *c) {
  return (uint32_t)c->gen << 16 | csctp_dc_chan_slot(dc, c);
}

dc_chan *csctp_dc_chan_get(const csctp_dc *dc, csctp_dc_channel h) {
  uint32_t slot = h & 0xffff;
  if (slot >= dc->nslots) return NULL;
  dc_chan *c = &dc->slots[slot];
  if (!c->in_use || c->gen != (uint16_t)(h >> 16)) return NULL;
  return c;
}

dc_chan *csctp_dc_chan_by_stream(const csctp_dc *dc, uint16_t stream) {
  if (stream >= dc->by_stream_cap || !dc->by_stream[stream]) return NULL;
  return &dc->slots[dc->by_stream[stream] - 1];
}

dc_chan *csctp_dc_chan_alloc(csctp_dc *dc) {
  uint32_t slot = dc->free_head;
  if (slot != DC_NO_SLOT) {
    dc->free_head = dc->slots[slot].next_free;
  } else {
    if (dc->nslots >= DC_MAX_SLOTS) return NULL;
    if (dc->nslots == dc->slots_cap) {
      uint32_t cap = dc->slots_cap ? dc->slots_cap * 2 : 16;
      if (cap > DC_MAX_SLOTS) cap = DC_MAX_SLOTS;
      dc_chan *s = dc->mem->realloc(dc->slots, cap * sizeof(*s), dc->mem->user_data);
      if (!s) return NULL;
      dc->slots = s;
      dc->slots_cap = cap;
    }
    slot = dc->nslots++;
    dc->slots[slot].gen = 0;
  }
  dc_chan *c = &dc->slots[slot];
  uint16_t gen = (uint16_t)(c->gen + 1);
  memset(c, 0, sizeof(*c));
  c->gen = gen ? gen : 1;
  c->in_use = 1;
  c->next_free = DC_NO_SLOT;
  return c;
}

void csctp_dc_partial_clear(csctp_dc *dc, dc_chan *c) {
  dc->mem->free(c->partial, dc->mem->user_data);
  c->partial = NULL;
  c->partial_len = c->partial_cap = 0;
  c->partial_ppid = 0;
}

void csctp_dc_chan_release(csctp_dc *dc, dc_chan *c) {
  csctp_dc_unbind_stream(dc, c);
  if (c->open_pending || c->ack_pending || c->reset_pending) dc->pending--;
  dc->mem->free(c->strings, dc->mem->user_data);
  csctp_dc_partial_clear(dc, c);
  uint16_t gen = c->gen;
  memset(c, 0, sizeof(*c));
  c->gen = gen;
  c->next_free = dc->free_head;
  dc->free_head = csctp_dc_chan_slot(dc, c);
}

int csctp_dc_chan_set_strings(csctp_dc *dc, dc_chan *c, const uint8_t *label, size_t label_len,
                              const uint8_t *protocol, size_t protocol_len) {
  char *s = dc->mem->malloc(label_len + protocol_len + 2, dc->mem->user_data);
  if (!s) return CSCTP_ERR_NOMEM;
  if (label_len) memcpy(s, label, label_len);
  s[label_len] = 0;
  if (protocol_len) memcpy(s + label_len + 1, protocol, protocol_len);
  s[label_len + 1 + protocol_len] = 0;
  c->strings = s;
  c->label_len = label_len;
  c->protocol_len = protocol_len;
  return 0;
}

int csctp_dc_bind_stream(csctp_dc *dc, dc_chan *c, uint16_t stream) {
  if (stream >= dc->by_stream_cap) {
    uint32_t cap = dc->by_stream_cap ? dc->by_stream_cap : 64;
    while (cap <= stream) cap *= 2;
    if (cap > 65536) cap = 65536;
    uint32_t *b = dc->mem->realloc(dc->by_stream, cap * sizeof(*b), dc->mem->user_data);
    if (!b) return CSCTP_ERR_NOMEM;
    memset(b + dc->by_stream_cap, 0, (cap - dc->by_stream_cap) * sizeof(*b));
    dc->by_stream = b;
    dc->by_stream_cap = cap;
  }
  dc->by_stream[stream] = csctp_dc_chan_slot(dc, c) + 1;
  c->stream = stream;
  c->has_stream = 1;
  /*
   * RFC 8831 §6.4: the channel's priority weighs its stream in the send
   * scheduler. A stream id the association refuses fails at send; only a
   * lack of memory matters here (the stream keeps its previous priority).
   */
  uint16_t prio = c->priority ? c->priority : CSCTP_DC_PRIORITY_NORMAL;
  int rv = csctp_assoc_set_stream_priority(dc->assoc, stream, prio);
  return rv == CSCTP_ERR_NOMEM ? rv : 0;
}

void csctp_dc_unbind_stream(csctp_dc *dc, dc_chan *c) {
  if (!c->has_stream) return;
  if (c->stream < dc->by_stream_cap && dc->by_stream[c->stream] == csctp_dc_chan_slot(dc, c) + 1)
    dc->by_stream[c->stream] = 0;
  c->has_stream = 0;
}

int csctp_dc_alloc_stream_id(const csctp_dc *dc) {
  uint32_t limit = dc->max_streams < DC_MAX_STREAM + 1 ? dc->max_streams : DC_MAX_STREAM + 1;
  for (uint32_t s = dc->cfg.role == CSCTP_DC_ROLE_SERVER ? 1 : 0; s < limit; s += 2)
    if (s >= dc->by_stream_cap || !dc->by_stream[s]) return (int)s;
  return -1;
}

/* ---- events ---- */

int csctp_dc_queue_reserve(csctp_dc *dc) {
  if (dc->q_len == dc->q_cap) {
    uint32_t cap = dc->q_cap ? dc->q_cap * 2 : 16;
    csctp_dc_event *q = dc->mem->malloc(cap * sizeof(*q), dc->mem->user_data);
    if (!q) return CSCTP_ERR_NOMEM;
    for (uint32_t i = 0; i < dc->q_len; i++) q[i] = dc->q[(dc->q_head + i) % dc->q_cap];
    dc->mem->free(dc->q, dc->mem->user_data);
    dc->q = q;
    dc->q_cap = cap;
    dc->q_head = 0;
  }
  return 0;
}

int csctp_dc_queue(csctp_dc *dc, const csctp_dc_event *ev) {
  if (csctp_dc_queue_reserve(dc)) return CSCTP_ERR_NOMEM;
  dc->q[(dc->q_head + dc->q_len) % dc->q_cap] = *ev;
  dc->q_len++;
  return 0;
}

void csctp_dc_fill_open_event(const csctp_dc *dc, const dc_chan *c, csctp_dc_event *ev) {
  memset(ev, 0, sizeof(*ev));
  ev->type = CSCTP_DC_EVENT_OPEN;
  ev->channel = csctp_dc_chan_handle(dc, c);
  ev->u.open.by_peer = c->by_peer;
  ev->u.open.label = c->strings;
  ev->u.open.label_len = c->label_len;
  ev->u.open.protocol = c->strings + c->label_len + 1;
  ev->u.open.protocol_len = c->protocol_len;
  ev->u.open.channel_type = c->channel_type;
  ev->u.open.priority = c->priority;
  ev->u.open.reliability_param = c->reliability_param;
}

/* Frees the channel whose CLOSED event the application has seen. */
static void dc_release_deferred(csctp_dc *dc) {
  if (dc->release_slot == DC_NO_SLOT) return;
  dc_chan *c = &dc->slots[dc->release_slot];
  dc->release_slot = DC_NO_SLOT;
  if (c->in_use && c->state == CSCTP_DC_STATE_CLOSED) csctp_dc_chan_release(dc, c);
}

/* ---- object ---- */

int csctp_dc_new_versioned(csctp_dc **pdc, csctp_assoc *assoc, int config_version,
                           const csctp_dc_config *ucfg) {
  if (!pdc || !assoc) return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_dc_config buf;
  const csctp_dc_config *cfg = &buf;
  if (ucfg) {
    cfg = csctp_versioned_in(ucfg, dc_config_size(config_version), &buf, sizeof buf,
                             dc_config_fill_default);
    if (!cfg) return CSCTP_ERR_INVALID_ARGUMENT;
  } else {
    dc_config_fill_default(&buf);
  }
  if (cfg->role != CSCTP_DC_ROLE_CLIENT && cfg->role != CSCTP_DC_ROLE_SERVER)
    return CSCTP_ERR_INVALID_ARGUMENT;
  const csctp_mem *mem = cfg->mem ? cfg->mem : csctp_mem_default();
  csctp_dc *dc = mem->calloc(1, sizeof(*dc), mem->user_data);
  if (!dc) return CSCTP_ERR_NOMEM;
  dc->mem = mem;
  dc->assoc = assoc;
  dc->cfg = *cfg;
  dc->cfg.mem = mem;
  if (!dc->cfg.max_message_size) dc->cfg.max_message_size = 65536;
  dc->free_head = DC_NO_SLOT;
  dc->release_slot = DC_NO_SLOT;
  csctp_assoc_state st = csctp_assoc_get_state(assoc);
  if (st != CSCTP_STATE_CLOSED && st != CSCTP_STATE_COOKIE_WAIT &&
      st != CSCTP_STATE_COOKIE_ECHOED) {
    dc->connected = 1; /* attached late: limits unknown, the engine refuses bad ids */
    dc->max_streams = 65535;
  }
  *pdc = dc;
  return 0;
}

void csctp_dc_del(csctp_dc *dc) {
  if (!dc) return;
  const csctp_mem *mem = dc->mem;
  for (uint32_t i = 0; i < dc->nslots; i++) {
    mem->free(dc->slots[i].strings, mem->user_data);
    mem->free(dc->slots[i].partial, mem->user_data);
  }
  mem->free(dc->slots, mem->user_data);
  mem->free(dc->by_stream, mem->user_data);
  mem->free(dc->q, mem->user_data);
  mem->free(dc->scratch, mem->user_data);
  mem->free(dc->pieces, mem->user_data);
  mem->free(dc, mem->user_data);
}

int csctp_dc_set_role(csctp_dc *dc, csctp_dc_role role) {
  if (role != CSCTP_DC_ROLE_CLIENT && role != CSCTP_DC_ROLE_SERVER)
    return CSCTP_ERR_INVALID_ARGUMENT;
  if (dc->ids_assigned && role != dc->cfg.role) return CSCTP_ERR_INVALID_STATE;
  dc->cfg.role = role;
  return 0;
}

void csctp_dc_set_max_message_size(csctp_dc *dc, uint32_t size) {
  dc->cfg.max_message_size = size ? size : 65536;
}

int csctp_dc_set_scheduler(csctp_dc *dc, csctp_sched s) {
  if (!dc) return CSCTP_ERR_INVALID_ARGUMENT;
  return csctp_assoc_set_scheduler(dc->assoc, s); /* RFC 8831 §6.4: priorities are stream weights */
}

csctp_assoc *csctp_dc_assoc(const csctp_dc *dc) { return dc->assoc; }

size_t csctp_dc_channel_count(const csctp_dc *dc) {
  size_t n = 0;
  for (uint32_t i = 0; i < dc->nslots; i++) n += dc->slots[i].in_use;
  return n;
}

int csctp_dc_get_stats_versioned(const csctp_dc *dc, int stats_version, csctp_dc_stats *st) {
  if (!dc) return CSCTP_ERR_INVALID_ARGUMENT;
  return csctp_versioned_out(st, stats_version == CSCTP_DC_STATS_V1 ? sizeof dc->st : 0, &dc->st);
}

/* ---- channels ---- */

static int dc_string_ok(const char *s, size_t *len) {
  *len = s ? strlen(s) : 0;
  return *len <= CSCTP_DC_MAX_STRING && csctp_dcep_utf8_valid((const uint8_t *)s, *len);
}

int csctp_dc_open(csctp_dc *dc, const csctp_dc_init *init, csctp_tstamp now,
                  csctp_dc_channel *out) {
  size_t llen, plen;
  if (!dc || !init || !out) return CSCTP_ERR_INVALID_ARGUMENT;
  if (dc->handed_over) return CSCTP_ERR_INVALID_STATE;
  dc_release_deferred(dc);
  if (!dc_string_ok(init->label, &llen) || !dc_string_ok(init->protocol, &plen))
    return CSCTP_ERR_INVALID_ARGUMENT;
  if (init->pr_policy != CSCTP_PR_NONE && init->pr_policy != CSCTP_PR_RTX &&
      init->pr_policy != CSCTP_PR_TTL)
    return CSCTP_ERR_INVALID_ARGUMENT;
  if (init->negotiated && init->id > DC_MAX_STREAM) return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_assoc_state st = csctp_assoc_get_state(dc->assoc);
  if (dc->dead || st >= CSCTP_STATE_SHUTDOWN_PENDING) return CSCTP_ERR_CLOSED;
  if (init->negotiated) {
    if (csctp_dc_chan_by_stream(dc, init->id)) return CSCTP_ERR_STREAM_ID;
    if (dc->connected && init->id >= dc->max_streams) return CSCTP_ERR_STREAM_ID;
  }
  int sid = -1;
  if (!init->negotiated && dc->connected) {
    sid = csctp_dc_alloc_stream_id(dc);
    if (sid < 0) return CSCTP_ERR_STREAM_ID;
  }
  /* Room for the OPEN event first: once DATA_CHANNEL_OPEN is queued, nothing may fail. */
  if (dc->connected && csctp_dc_queue_reserve(dc)) return CSCTP_ERR_NOMEM;

  dc_chan *c = csctp_dc_chan_alloc(dc);
  if (!c) return CSCTP_ERR_NOMEM;
  c->state = CSCTP_DC_STATE_CONNECTING;
  c->negotiated = init->negotiated ? 1 : 0;
  c->channel_type = (uint8_t)((init->unordered ? CSCTP_DC_TYPE_UNORDERED : 0) |
                              (init->pr_policy == CSCTP_PR_RTX   ? 0x01
                               : init->pr_policy == CSCTP_PR_TTL ? 0x02
                                                                 : 0x00));
  c->reliability_param = init->pr_policy == CSCTP_PR_NONE ? 0 : init->pr_value;
  c->priority = init->priority ? init->priority : CSCTP_DC_PRIORITY_NORMAL;
  c->acked = c->negotiated;
  int rv = csctp_dc_chan_set_strings(dc, c, (const uint8_t *)init->label, llen,
                                     (const uint8_t *)init->protocol, plen);
  if (rv == 0 && init->negotiated) rv = csctp_dc_bind_stream(dc, c, init->id);
  if (rv == 0 && sid >= 0) rv = csctp_dc_bind_stream(dc, c, (uint16_t)sid);
  if (rv == 0 && dc->connected) {
    if (!c->negotiated) {
      dc->ids_assigned = 1;
      rv = csctp_dc_send_open(dc, c, now);
    }
    if (rv == 0) rv = csctp_dc_chan_opened(dc, c);
  }
  if (rv != 0) {
    csctp_dc_chan_release(dc, c);
    return rv;
  }
  dc->st.channels_opened_local++;
  *out = csctp_dc_chan_handle(dc, c);
  return 0;
}

static uint32_t dc_chan_max_msg(const csctp_dc *dc, const dc_chan *c) {
  return c->max_message_size ? c->max_message_size : dc->cfg.max_message_size;
}

int csctp_dc_send(csctp_dc *dc, csctp_dc_channel ch, int is_text, const void *data, size_t len,
                  csctp_tstamp now) {
  if (!dc) return CSCTP_ERR_INVALID_ARGUMENT;
  dc_chan *c = csctp_dc_chan_get(dc, ch);
  if (!c || (!data && len) || c->hidden) return CSCTP_ERR_INVALID_ARGUMENT;
  if (dc->handed_over) return CSCTP_ERR_INVALID_STATE;
  if (c->state == CSCTP_DC_STATE_CONNECTING) return CSCTP_ERR_INVALID_STATE;
  if (c->state != CSCTP_DC_STATE_OPEN) return CSCTP_ERR_CLOSED;
  if (len > dc_chan_max_msg(dc, c)) return CSCTP_ERR_MSG_TOO_LARGE;
  if (c->ack_pending) return CSCTP_ERR_WOULD_BLOCK; /* our ACK must go first */
  static const uint8_t zero = 0;
  csctp_send_opts o;
  memset(&o, 0, sizeof(o));
  o.stream = c->stream;
  /* RFC 8831 §6.6: an empty message is one zero byte with PPID 56 / 57. */
  if (len == 0) {
    o.ppid = is_text ? CSCTP_PPID_WEBRTC_STRING_EMPTY : CSCTP_PPID_WEBRTC_BINARY_EMPTY;
    data = &zero;
  } else {
    o.ppid = is_text ? CSCTP_PPID_WEBRTC_STRING : CSCTP_PPID_WEBRTC_BINARY;
  }
  /* RFC 8832 §6: ordered until the peer has spoken on the channel. */
  o.unordered = (c->channel_type & CSCTP_DC_TYPE_UNORDERED) && c->acked;
  switch (c->channel_type & 0x7f) {
  case 0x01: o.pr_policy = CSCTP_PR_RTX; break;
  case 0x02: o.pr_policy = CSCTP_PR_TTL; break;
  default: o.pr_policy = CSCTP_PR_NONE; break;
  }
  o.pr_value = o.pr_policy == CSCTP_PR_NONE ? 0 : c->reliability_param;
  int rv = csctp_assoc_send(dc->assoc, &o, data, len ? len : 1, now);
  if (rv != 0) return rv;
  dc->st.messages_out++;
  dc->st.bytes_out += len;
  c->msgs_out++;
  c->bytes_out += len;
  if (!c->above_low && csctp_assoc_stream_buffered_amount(dc->assoc, c->stream) > c->low_threshold)
    c->above_low = 1;
  return 0;
}

int csctp_dc_close(csctp_dc *dc, csctp_dc_channel ch, csctp_tstamp now) {
  if (!dc) return CSCTP_ERR_INVALID_ARGUMENT;
  dc_chan *c = csctp_dc_chan_get(dc, ch);
  if (!c || c->hidden) return CSCTP_ERR_INVALID_ARGUMENT;
  if (dc->handed_over) return CSCTP_ERR_INVALID_STATE;
  if (c->state == CSCTP_DC_STATE_CLOSING || c->state == CSCTP_DC_STATE_CLOSED)
    return CSCTP_ERR_CLOSED;
  /* Room for a CLOSED event first, so that closing at once cannot fail half-way. */
  if (csctp_dc_queue_reserve(dc)) return CSCTP_ERR_NOMEM;
  int rv = csctp_dc_close_begin(dc, c, now);
  /* No memory for the reset request: it stays pending, csctp_dc_poll_event asks again. */
  return rv == CSCTP_ERR_NOMEM && c->reset_pending ? 0 : rv;
}

int csctp_dc_poll_event(csctp_dc *dc, csctp_dc_event *ev, csctp_tstamp now) {
  dc_release_deferred(dc);
  if (dc->pieces_release && !dc->q_len) csctp_dc_pieces_release(dc);
  for (;;) {
    if (dc->q_len) {
      *ev = dc->q[dc->q_head];
      dc->q_head = (dc->q_head + 1) % dc->q_cap;
      dc->q_len--;
      if (ev->type == CSCTP_DC_EVENT_CLOSED) dc->release_slot = ev->channel & 0xffff;
      return 1;
    }
    int rv = csctp_dc_retry_pending(dc, now);
    if (rv < 0) return rv;
    if (dc->q_len) continue;
    csctp_event aev;
    if (csctp_assoc_poll_event(dc->assoc, &aev) == 1) {
      rv = csctp_dc_on_assoc_event(dc, &aev, now);
      if (rv < 0) return rv;
      continue;
    }
    if (!dc->low_scanned) {
      dc->low_scanned = 1;
      rv = csctp_dc_check_low(dc);
      if (rv < 0) return rv;
      continue;
    }
    dc->low_scanned = 0; /* scan again in the next round of polls */
    return 0;
  }
}

size_t csctp_dc_buffered_amount(const csctp_dc *dc, csctp_dc_channel ch) {
  const dc_chan *c = csctp_dc_chan_get(dc, ch);
  if (!c || !c->has_stream) return 0;
  return csctp_assoc_stream_buffered_amount(dc->assoc, c->stream);
}

int csctp_dc_set_buffered_amount_low_threshold(csctp_dc *dc, csctp_dc_channel ch,
                                               size_t threshold) {
  dc_chan *c = csctp_dc_chan_get(dc, ch);
  if (!c) return CSCTP_ERR_INVALID_ARGUMENT;
  c->low_threshold = threshold;
  if (c->has_stream && csctp_assoc_stream_buffered_amount(dc->assoc, c->stream) > threshold)
    c->above_low = 1;
  return 0;
}

int csctp_dc_set_channel_max_message_size(csctp_dc *dc, csctp_dc_channel ch, uint32_t size) {
  dc_chan *c = csctp_dc_chan_get(dc, ch);
  if (!c) return CSCTP_ERR_INVALID_ARGUMENT;
  c->max_message_size = size;
  return 0;
}

int csctp_dc_get_channel_stats_versioned(const csctp_dc *dc, csctp_dc_channel ch, int stats_version,
                                         csctp_dc_channel_stats *st) {
  const dc_chan *c = csctp_dc_chan_get(dc, ch);
  if (!c || !st || stats_version != CSCTP_DC_CHANNEL_STATS_V1) return CSCTP_ERR_INVALID_ARGUMENT;
  memset(st, 0, sizeof *st);
  st->messages_sent = c->msgs_out;
  st->bytes_sent = c->bytes_out;
  st->messages_received = c->msgs_in;
  st->bytes_received = c->bytes_in;
  st->buffered_amount = csctp_dc_buffered_amount(dc, ch);
  return 0;
}

int csctp_dc_get_info(const csctp_dc *dc, csctp_dc_channel ch, csctp_dc_info *info) {
  const dc_chan *c = csctp_dc_chan_get(dc, ch);
  if (!c || !info) return CSCTP_ERR_INVALID_ARGUMENT;
  memset(info, 0, sizeof(*info));
  info->state = (csctp_dc_state)c->state;
  info->has_stream = c->has_stream || c->state == CSCTP_DC_STATE_CLOSED;
  info->stream = c->stream;
  info->channel_type = c->channel_type;
  info->priority = c->priority;
  info->reliability_param = c->reliability_param;
  info->negotiated = c->negotiated;
  info->by_peer = c->by_peer;
  info->acked = c->acked;
  info->max_message_size = dc_chan_max_msg(dc, c);
  info->label = c->strings;
  info->label_len = c->label_len;
  info->protocol = c->strings + c->label_len + 1;
  info->protocol_len = c->protocol_len;
  return 0;
}
