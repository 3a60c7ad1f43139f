/* SPDX-License-Identifier: MIT */
/* Consumer of the installed data-channel layer (csctp-datachannel.pc,
 * csctp::csctp_datachannel): DCEP over an engine pair in memory; a channel
 * opened by one side carries one message to the other. */
#include <csctp/datachannel.h>
#include <string.h>

#include "pair.h"

static csctp_dc *dc_new(csctp_assoc *a, csctp_dc_role role) {
  csctp_dc_config cfg;
  csctp_dc_config_default(&cfg);
  cfg.role = role;
  csctp_dc *dc = NULL;
  if (csctp_dc_new(&dc, a, &cfg) != 0) exit(1);
  return dc;
}

int main(void) {
  uint64_t sa = 0x9e3779b97f4a7c15u, sb = 0xd1b54a32d192ed03u;
  csctp_assoc *a = pair_assoc_new(&sa), *b = pair_assoc_new(&sb);
  csctp_dc *da = dc_new(a, CSCTP_DC_ROLE_CLIENT), *db = dc_new(b, CSCTP_DC_ROLE_SERVER);
  csctp_tstamp now = 1;
  csctp_dc_channel ch = 0;
  int received = 0;
  csctp_dc_init init;
  memset(&init, 0, sizeof init);
  init.label = "consumer";
  if (csctp_dc_open(da, &init, now, &ch) != 0) return 1; /* opens once connected */
  if (csctp_assoc_connect(a, now) != 0) return 1;
  for (int i = 0; i < 200 && !received; i++, now += CSCTP_MILLISECONDS) {
    csctp_dc_event ev;
    while (csctp_dc_poll_event(da, &ev, now) > 0)
      if (ev.type == CSCTP_DC_EVENT_OPEN && ev.channel == ch &&
          csctp_dc_send(da, ch, 1, "hello", 5, now) != 0)
        return 1;
    while (csctp_dc_poll_event(db, &ev, now) > 0)
      if (ev.type == CSCTP_DC_EVENT_MESSAGE && ev.u.message.is_text && ev.u.message.len == 5 &&
          memcmp(ev.u.message.data, "hello", 5) == 0)
        received = 1;
    pair_flush(a, b, now);
    pair_flush(b, a, now);
  }
  printf("datachannel: channel \"consumer\" open and message %s (%zu channel(s) on b)\n",
         received ? "ok" : "FAILED", csctp_dc_channel_count(db));
  csctp_dc_del(da);
  csctp_dc_del(db);
  csctp_assoc_del(a);
  csctp_assoc_del(b);
  return received ? 0 : 1;
}
