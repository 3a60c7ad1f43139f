/* SPDX-License-Identifier: MIT */
/* Consumer of the installed engine (csctp.pc, csctp::csctp): the version of the
 * library it runs with (csctp_version(), printed as "csctp X.Y.Z (headers X.Y.Z)"
 * for run.sh to compare with the .pc and CMake package), then two associations
 * in memory, handshake, one message, graceful shutdown. */
#include <csctp/sctp.h>
#include <string.h>

#include "pair.h"

int main(void) {
  /* The running library must be at least as new as the headers it was built with. */
  const csctp_info *info = csctp_version(CSCTP_VERSION_NUM);
  if (!info || info->age < 1 || info->version_num != CSCTP_VERSION_NUM ||
      strcmp(info->version_str, CSCTP_VERSION) != 0) {
    printf("csctp_version: %s, headers %s\n", info ? info->version_str : "older", CSCTP_VERSION);
    return 1;
  }
  printf("csctp %s (headers %s)\n", info->version_str, CSCTP_VERSION);
  uint64_t sa = 0x9e3779b97f4a7c15u, sb = 0xd1b54a32d192ed03u;
  csctp_assoc *a = pair_assoc_new(&sa), *b = pair_assoc_new(&sb);
  csctp_tstamp now = 1;
  int connected = 0, received = 0;
  if (csctp_assoc_connect(a, now) != 0) return 1;
  for (int i = 0; i < 100 && !received; i++, now += CSCTP_MILLISECONDS) {
    pair_flush(a, b, now);
    pair_flush(b, a, now);
    csctp_event ev;
    while (csctp_assoc_poll_event(a, &ev) > 0)
      if (ev.type == CSCTP_EVENT_CONNECTED && !connected) {
        connected = 1;
        csctp_send_opts o;
        memset(&o, 0, sizeof o);
        o.ppid = CSCTP_PPID_NONE;
        if (csctp_assoc_send(a, &o, (const uint8_t *)"hello", 5, now) != 0) return 1;
      }
    while (csctp_assoc_poll_event(b, &ev) > 0)
      if (ev.type == CSCTP_EVENT_MESSAGE && ev.u.message.len == 5 &&
          memcmp(ev.u.message.data, "hello", 5) == 0)
        received = 1;
  }
  int ok = received && csctp_assoc_get_state(b) == CSCTP_STATE_ESTABLISHED;
  csctp_assoc_shutdown(a, now);
  for (int i = 0; i < 100 && csctp_assoc_get_state(a) != CSCTP_STATE_CLOSED; i++) {
    now += 50 * CSCTP_MILLISECONDS; /* the delayed SACK, then SHUTDOWN */
    csctp_assoc_handle_expiry(a, now);
    csctp_assoc_handle_expiry(b, now);
    pair_flush(a, b, now);
    pair_flush(b, a, now);
  }
  printf("sctp: handshake and message %s; a is %s\n", ok ? "ok" : "FAILED",
         csctp_assoc_state_name(csctp_assoc_get_state(a)));
  ok = ok && csctp_assoc_get_state(a) == CSCTP_STATE_CLOSED;
  csctp_assoc_del(a);
  csctp_assoc_del(b);
  return ok ? 0 : 1;
}
