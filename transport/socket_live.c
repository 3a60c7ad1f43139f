/* SPDX-License-Identifier: MIT */
/*
 * Liveness of the socket API's associations: the connect timeout of an active socket, and
 * ICMP errors from the link (RFC 6951 §5.5, RFC 9260 Appendix C), routed to the
 * association that sent the quoted packet, which checks the quote is really its own
 * (csctp_assoc_on_unreachable) before it closes.
 */
#include <stdio.h>
#include <string.h>

#include "host.h"

static gboolean live_connect_timeout(gpointer user_data) {
  csctp_socket *s = user_data;
  host *h = s->h;
  g_source_unref(s->connect_timer); /* the context drops its own reference on return */
  s->connect_timer = NULL;
  if (s->connected || s->closed || s->zombie) return G_SOURCE_REMOVE;
  char peer[80], why[200];
  csctp_link_addr_str(&s->peer, peer, sizeof(peer));
  snprintf(why, sizeof(why), "connect timed out after %u ms (no answer from %s, sctp port %u)",
           s->connect_timeout, peer, s->peer_port);
  h->depth++; /* callbacks below may destroy the socket or its host: freed when this unwinds */
  if (s->a && csctp_assoc_get_state(s->a) != CSCTP_STATE_CLOSED)
    csctp_assoc_abort(s->a, "connect timeout", csctp_host_now());
  csctp_host_socket_closed(s, 1, why, CSCTP_ERR_TIMEOUT);
  h->depth--;
  csctp_host_kick(h);
  return G_SOURCE_REMOVE;
}

void csctp_host_connect_timer_start(csctp_socket *s, uint32_t ms) {
  csctp_host_connect_timer_stop(s);
  s->connect_timeout = ms;
  s->connect_timer = g_timeout_source_new(ms);
  g_source_set_callback(s->connect_timer, live_connect_timeout, s, NULL);
  g_source_attach(s->connect_timer, s->h->ctx);
}

void csctp_host_connect_timer_stop(csctp_socket *s) {
  if (!s->connect_timer) return;
  g_source_destroy(s->connect_timer);
  g_source_unref(s->connect_timer);
  s->connect_timer = NULL;
}

/* Hands the error to `s`'s association when the ICMP message is about its peer address. */
static void live_unreach_socket(host *h, csctp_socket *s, const csctp_addr *to,
                                csctp_unreach_kind kind, const uint8_t *q, size_t len) {
  csctp_addr peer;
  if (!s->a || s->closed || csctp_endpoint_assoc_peer(h->ep, s->a, &peer, NULL) != 0) return;
  /* Several paths: an ICMP error about one of them says nothing of the others (RFC 9260
   * App. C); the path's own timeouts and heartbeats judge it. */
  if (csctp_assoc_path_count(s->a) > 1) return;
  if (peer.len != to->len || memcmp(peer.data, to->data, to->len) != 0) return;
  if (csctp_assoc_on_unreachable(s->a, kind, q, len, csctp_host_now()) == 1) {
    s->unreach = kind;
    h->dirty = 1; /* the CLOSED event goes out at the end of this batch */
  }
}

void csctp_host_unreach(void *user_data, const csctp_addr *to, csctp_unreach_kind kind,
                        const uint8_t *quoted, size_t len) {
  host *h = user_data;
  if (h->doomed) return;
  if (h->client) {
    live_unreach_socket(h, h->client, to, kind, quoted, len);
    return;
  }
  /* A server: the association whose peer the packet went to (the engine checks the tag).
   * A linear walk; ICMP errors are rare and the kernel rate-limits those it sends. */
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, h->socks);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    csctp_socket *s = v;
    if (s->a && csctp_assoc_get_state(s->a) != CSCTP_STATE_CLOSED)
      live_unreach_socket(h, s, to, kind, quoted, len);
  }
}

void csctp_host_unreach_text(const csctp_socket *s, char *buf, size_t cap) {
  char peer[80];
  csctp_link_addr_str(&s->peer, peer, sizeof(peer));
  if (s->unreach == CSCTP_UNREACH_PORT)
    snprintf(buf, cap, "peer unreachable: ICMP port unreachable from %s (nothing listens there)",
             peer);
  else
    snprintf(buf, cap, "peer unreachable: ICMP protocol unreachable from %s (no SCTP there)", peer);
}
