/* Internal helpers shared by the socket API files. */
#ifndef CSCTP_TRANSPORT_HOST_H
#define CSCTP_TRANSPORT_HOST_H

#include <csctp/sctp.h>

/* Copies the process-wide csctp_defaults() into an association config. */
void csctp_host_apply_defaults(csctp_config *cfg);

#endif
