/* SPDX-License-Identifier: MIT */
/*
 * IP fragmentation on the selected pair's UDP socket, for path MTU discovery by probing
 * above it (RFC 8899 over DTLS, csctp_peer_config.plpmtud_max): DF on every datagram
 * (csctp_ice_agent_set_no_fragment) but those sent with csctp_ice_agent_send_fragmentable.
 */
#include <csctp/ice.h>
#include <errno.h>
#include <netinet/in.h>
#include <nice/agent.h>
#include <sys/socket.h>

#include "ice_agent.h"

/*
 * On a UDP socket `s`: PROBE (set_no_fragment) sets DF and ignores the kernel's PMTU
 * estimate; DONT allows fragments (IPv6: the source fragments, to 1280, which every IPv6
 * link carries: a black hole leaves the route's MTU too large); WANT is the system's
 * default. Returns 0 or -1 (logged).
 */
enum { ICE_DF_WANT, ICE_DF_PROBE, ICE_DF_DONT };
static int ice_socket_df(csctp_ice_agent *a, GSocket *s, int mode) {
  if (g_socket_get_socket_type(s) != G_SOCKET_TYPE_DATAGRAM) return 0;
  int fd = g_socket_get_fd(s), rv;
  if (g_socket_get_family(s) == G_SOCKET_FAMILY_IPV6) {
    int v = mode == ICE_DF_PROBE  ? IPV6_PMTUDISC_PROBE
            : mode == ICE_DF_DONT ? IPV6_PMTUDISC_DONT
                                  : IPV6_PMTUDISC_WANT;
    int mtu = mode == ICE_DF_DONT ? 1280 : 0;
    rv = setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof v) |
         setsockopt(fd, IPPROTO_IPV6, IPV6_MTU, &mtu, sizeof mtu);
  } else {
    int v = mode == ICE_DF_PROBE  ? IP_PMTUDISC_PROBE
            : mode == ICE_DF_DONT ? IP_PMTUDISC_DONT
                                  : IP_PMTUDISC_WANT;
    rv = setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof v);
  }
  if (rv != 0) ice_log(a, CSCTP_LOG_WARN, "ice: IP_MTU_DISCOVER: %s", g_strerror(errno));
  return rv ? -1 : 0;
}

void ice_socket_no_fragment(csctp_ice_agent *a, GSocket *s, int on) {
  (void)ice_socket_df(a, s, on ? ICE_DF_PROBE : ICE_DF_WANT);
}

csctp_ssize csctp_ice_agent_send_fragmentable(csctp_ice_agent *a, const uint8_t *data, size_t len) {
  GSocket *s = NULL;
  if (a && a->no_fragment && !a->dead && !a->handed_over && !a->resumed && a->nice)
    s = nice_agent_get_selected_socket(a->nice, a->stream, ICE_COMPONENT);
  if (!s) return csctp_ice_agent_send(a, data, len);
  (void)ice_socket_df(a, s, ICE_DF_DONT); /* failed: sent with DF, it may be lost */
  csctp_ssize rv = csctp_ice_agent_send(a, data, len);
  (void)ice_socket_df(a, s, ICE_DF_PROBE);
  g_object_unref(s);
  return rv;
}

int csctp_ice_agent_set_no_fragment(csctp_ice_agent *a, int on) {
  if (!a) return CSCTP_ERR_INVALID_ARGUMENT;
  a->no_fragment = on != 0;
  if (a->handed_over || a->resumed || !a->nice) return 0;
  GSocket *s = nice_agent_get_selected_socket(a->nice, a->stream, ICE_COMPONENT);
  if (s) {
    ice_socket_no_fragment(a, s, a->no_fragment);
    g_object_unref(s);
  }
  return 0;
}
