/* SPDX-License-Identifier: MIT */
/*
 * Sockets on the caller's transport (csctp_socket_connect_transport): the host's link is an
 * external one (link.h) whose packets go to the caller's output function and whose input
 * the caller feeds, e.g. the Node.js binding's `udpTransport` (a dgram socket of the
 * application's), a DTLS connection, or two sockets joined in memory by a test.
 */
#include "host.h"

int csctp_socket_connect_transport_versioned(GMainContext *ctx, int opts_version,
                                             const csctp_connect_opts *o,
                                             csctp_socket_output_fn out, void *out_user_data,
                                             const csctp_socket_events *events, void *user_data,
                                             csctp_socket **ps, char **err_msg) {
  if (err_msg) *err_msg = NULL;
  if (!out) return CSCTP_ERR_INVALID_ARGUMENT;
  csctp_host_ext ext = {out, out_user_data, {0}};
  return csctp_host_connect(ctx, opts_version, o, &ext, events, user_data, ps, err_msg);
}

int csctp_socket_input(csctp_socket *s, const uint8_t *pkt, size_t len) {
  if (!s || !pkt || !len || len > 9216 || !csctp_link_is_external(s->h->link))
    return CSCTP_ERR_INVALID_ARGUMENT;
  if (s->closed || s->zombie || s->h->doomed) return CSCTP_ERR_CLOSED;
  csctp_link_input(s->h->link, pkt, len);
  return 0;
}
