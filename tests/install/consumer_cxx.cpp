// SPDX-License-Identifier: MIT
// Consumer of every installed header from C++: all of them in one translation
// unit, and one function of each library called with C linkage.
#include <csctp/common.h>
#include <csctp/datachannel.h>
#include <csctp/dtls.h>
#include <csctp/ice.h>
#include <csctp/peer.h>
#include <csctp/sctp.h>
#include <csctp/socket.h>

#include <cstdio>
#include <cstring>

int main() {
  const char *names[] = {
      csctp_strerror(CSCTP_ERR_NOMEM),                    // libcsctp
      csctp_assoc_state_name(CSCTP_STATE_ESTABLISHED),    // libcsctp
      csctp_dtls_state_name(CSCTP_DTLS_STATE_CONNECTED),  // libcsctp_dtls
      csctp_ice_state_name(CSCTP_ICE_STATE_CONNECTED),    // libcsctp_ice
      csctp_peer_state_name(CSCTP_PEER_STATE_CONNECTED),  // libcsctp_peer
      csctp_ppid_name(CSCTP_PPID_WEBRTC_STRING),          // libcsctp_socket
  };
  csctp_dc_config cfg;
  csctp_dc_config_default(&cfg);  // libcsctp_datachannel
  for (const char *n : names) {
    if (!n || !*n) return 1;
    std::printf("%s ", n);
  }
  std::printf("\nc++: every header compiles and links (dc max message %u)\n",
              (unsigned)cfg.max_message_size);
  return 0;
}
