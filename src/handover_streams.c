/* SPDX-License-Identifier: MIT */
/* Per-stream state for a handover (handover_streams.h). */
#include <stdlib.h>

#include "handover_streams.h"
#include "mem.h"
#include "reasm_priv.h"
#include "tx_priv.h"

static int ho_stream_cmp(const void *x, const void *y) {
  const csctp_ho_stream *a = x, *b = y;
  return (int)a->id - (int)b->id;
}

static csctp_ssize ho_sorted(csctp_ho_stream *v, size_t n, csctp_ho_stream **out) {
  if (n) qsort(v, n, sizeof(*v), ho_stream_cmp);
  *out = v;
  return (csctp_ssize)n;
}

csctp_ssize csctp_tx_streams_list(const csctp_tx *tx, const csctp_mem *mem, csctp_ho_stream **out) {
  const csctp_tx_queue *q = &csctp_tx_priv_of(tx)->q;
  *out = NULL;
  if (!q->n_streams) return 0;
  csctp_ho_stream *v = csctp_malloc(mem, q->n_streams * sizeof(*v));
  if (!v) return CSCTP_ERR_NOMEM;
  size_t n = 0;
  for (size_t i = 0; i < q->map_cap; i++) {
    const csctp_tx_stream *st = q->map[i];
    if (!st || (st->next_ssn == 0 && st->priority == CSCTP_TX_PRIORITY_DEFAULT)) continue;
    v[n++] = (csctp_ho_stream){st->id, st->next_ssn, st->priority};
  }
  if (!n) {
    csctp_free(mem, v);
    return 0;
  }
  return ho_sorted(v, n, out);
}

int csctp_tx_stream_restore(csctp_tx *tx, uint16_t id, uint16_t ssn, uint16_t priority) {
  csctp_tx_queue *q = &csctp_tx_priv_of(tx)->q;
  csctp_tx_stream *st;
  int rv = csctp_tx_queue_stream(q, id, &st);
  if (rv) return rv;
  st->next_ssn = ssn;
  csctp_tx_queue_set_priority(q, st, priority);
  return 0;
}

uint32_t csctp_tx_quantum(const csctp_tx *tx) { return csctp_tx_priv_of(tx)->q.quantum; }

int csctp_tx_has_queued(const csctp_tx *tx) {
  const csctp_tx_priv *p = csctp_tx_priv_of(tx);
  return p->q.n_msgs != 0 || p->cur != NULL || tx->retry != CSCTP_TSTAMP_NONE;
}

int csctp_tx_forward_pending(const csctp_tx *tx) {
  const csctp_tx_priv *p = csctp_tx_priv_of(tx);
  return csctp_tsn_gt(p->apap, tx->cum_tsn_ack);
}

csctp_ssize csctp_reasm_streams_list(const csctp_reasm *r, const csctp_mem *mem,
                                     csctp_ho_stream **out) {
  const reasm_state *s = r->priv;
  *out = NULL;
  if (!s->streams.count) return 0;
  csctp_ho_stream *v = csctp_malloc(mem, s->streams.count * sizeof(*v));
  if (!v) return CSCTP_ERR_NOMEM;
  size_t n = 0;
  for (uint32_t i = 0; i < s->streams.cap; i++) {
    const csctp_reasm_stream *st = s->streams.slots[i].val;
    if (!st || st->next_ssn == 0) continue;
    v[n++] = (csctp_ho_stream){st->id, st->next_ssn, 0};
  }
  if (!n) {
    csctp_free(mem, v);
    return 0;
  }
  return ho_sorted(v, n, out);
}

int csctp_reasm_stream_restore(csctp_reasm *r, uint16_t id, uint16_t ssn) {
  reasm_state *s = r->priv;
  csctp_reasm_stream *st = csctp_reasm_map_get(&s->streams, id);
  if (!st) {
    if (csctp_reasm_map_reserve(&s->streams, r->mem, 1) != 0) return CSCTP_ERR_NOMEM;
    st = csctp_calloc(r->mem, 1, sizeof(*st));
    if (!st) return CSCTP_ERR_NOMEM;
    st->id = id;
    csctp_reasm_map_put(&s->streams, id, st);
  }
  st->next_ssn = ssn;
  return 0;
}

int csctp_reasm_quiescent(const csctp_reasm *r) {
  const reasm_state *s = r->priv; /* the message handed out last is the application's */
  return r->bytes == s->popped_bytes && s->frags.count == 0 && s->n_direct == 0 && !s->as.open &&
         s->pd_st == NULL && !s->pd_aborted && s->ready_head == NULL && s->ordered.count == 0;
}
