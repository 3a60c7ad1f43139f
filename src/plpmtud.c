/* SPDX-License-Identifier: MIT */
/* The PLPMTUD state machine of RFC 8899 §5.2 for one path (plpmtud.h says how it searches). */
#include "plpmtud.h"

#define PL_ALIGN(x) ((x) & ~3u)

void csctp_pl_init(csctp_pl *pl, uint32_t base, uint32_t max, uint32_t probe_timer_ms,
                   uint32_t raise_timer_ms) {
  *pl = (csctp_pl){0};
  pl->base = base;
  pl->plpmtu = base;
  pl->timer = CSCTP_TSTAMP_NONE;
  if (!max) return; /* DISABLED: the configured size, always */
  pl->base = pl->plpmtu = PL_ALIGN(base);
  pl->max = PL_ALIGN(max) < pl->base ? pl->base : PL_ALIGN(max);
  pl->high = pl->max + CSCTP_PL_RESOLUTION;
  pl->probe_timer = probe_timer_ms;
  pl->raise_timer = raise_timer_ms;
}

static void pl_probe(csctp_pl *pl, uint8_t state, uint32_t size) {
  pl->state = state;
  pl->probed = size;
  pl->probe_count = 0;
  pl->want_probe = 1;
  pl->timer = CSCTP_TSTAMP_NONE;
}

/* The next size to try above the PLPMTU, or SEARCH_COMPLETE when there is none. */
static void pl_next(csctp_pl *pl, csctp_tstamp now) {
  uint32_t cand = 0;
  if (pl->plpmtu < pl->max) {
    if (pl->high > pl->max) { /* nothing failed yet: steps up */
      cand = pl->plpmtu + CSCTP_PL_STEP;
      if (cand > pl->max) cand = pl->max;
    } else if (pl->high - pl->plpmtu > CSCTP_PL_RESOLUTION) { /* halve the gap */
      cand = pl->plpmtu + PL_ALIGN((pl->high - pl->plpmtu) / 2);
      if (cand >= pl->high) cand = 0;
    }
  }
  if (cand > pl->plpmtu) {
    pl_probe(pl, CSCTP_PL_SEARCHING, cand);
    return;
  }
  pl->state = CSCTP_PL_SEARCH_COMPLETE;
  pl->probed = 0;
  pl->want_probe = 0;
  pl->timer = now + (csctp_tstamp)pl->raise_timer * CSCTP_MILLISECONDS;
}

void csctp_pl_start(csctp_pl *pl, csctp_tstamp now) {
  (void)now;
  if (!pl->max || pl->state != CSCTP_PL_DISABLED) return;
  pl_probe(pl, CSCTP_PL_BASE, pl->base);
}

void csctp_pl_probe_sent(csctp_pl *pl, csctp_tstamp now) {
  pl->want_probe = 0;
  pl->probe_count++;
  pl->probes_sent++;
  pl->timer = now + (csctp_tstamp)pl->probe_timer * CSCTP_MILLISECONDS;
}

int csctp_pl_probe_acked(csctp_pl *pl, uint32_t size, csctp_tstamp now) {
  /* Only the size under test, once a probe of it went out: not an older probe's late answer. */
  if (!pl->probed || !pl->probe_count || size != pl->probed) return 0;
  uint32_t old = pl->plpmtu;
  pl->plpmtu = size; /* BASE (also out of ERROR) or a larger size confirmed */
  pl_next(pl, now);
  return pl->plpmtu != old;
}

int csctp_pl_on_timer(csctp_pl *pl, csctp_tstamp now) {
  if (pl->timer == CSCTP_TSTAMP_NONE || pl->timer > now) return 0;
  pl->timer = CSCTP_TSTAMP_NONE;
  if (pl->state == CSCTP_PL_SEARCH_COMPLETE) { /* PMTU_RAISE_TIMER: look for more */
    pl->high = pl->max + CSCTP_PL_RESOLUTION;
    pl_next(pl, now);
    return 0;
  }
  if (!pl->probed) return 0;
  pl->probes_lost++;
  if (pl->probe_count < CSCTP_PL_MAX_PROBES) {
    pl->want_probe = 1; /* the same size again */
    return 0;
  }
  uint32_t old = pl->plpmtu;
  switch (pl->state) {
  case CSCTP_PL_BASE:
  case CSCTP_PL_ERROR:
    /* BASE_PLPMTU does not pass (§5.2 ERROR): the minimum, and BASE_PLPMTU tried again. */
    if (pl->plpmtu > CSCTP_PL_MIN) pl->plpmtu = CSCTP_PL_MIN;
    pl_probe(pl, CSCTP_PL_ERROR, pl->base);
    break;
  default: /* SEARCHING: the size failed */
    pl->high = pl->probed;
    pl_next(pl, now);
    break;
  }
  return pl->plpmtu != old;
}

int csctp_pl_black_hole(csctp_pl *pl, csctp_tstamp now) {
  (void)now;
  if (!pl->max || (pl->state != CSCTP_PL_SEARCHING && pl->state != CSCTP_PL_SEARCH_COMPLETE))
    return 0; /* BASE and ERROR are probing the base size already */
  uint32_t old = pl->plpmtu;
  if (pl->plpmtu > pl->base) pl->plpmtu = pl->base;
  /* The path changed: the base size is confirmed again (§5.2: it may be gone too, then ERROR),
   * and the search starts over. */
  pl->high = pl->max + CSCTP_PL_RESOLUTION;
  pl_probe(pl, CSCTP_PL_BASE, pl->base);
  return pl->plpmtu != old;
}
