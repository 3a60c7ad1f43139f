/* SPDX-License-Identifier: MIT */
/* The csctp command's usage text (csctp --help, and after a refused argument). */
#ifndef CSCTP_CLI_USAGE_H
#define CSCTP_CLI_USAGE_H

static const char usage_echo[] =
    "  csctp echo --udp LOCAL_HOST:UDP_PORT [--port SCTP_PORT] [--timeout SECONDS] [--mtu BYTES]\n"
    "             [--plpmtud MAX_BYTES [--plpmtud-probe-timer MS]] [--ecn]\n"
    "             [--pf N] [--pmr N] [--ps N] [--asconf]\n"
    "  csctp echo --raw LOCAL_HOST [...same options...]\n";
static const char usage_send[] =
    "  csctp send --udp LOCAL_HOST:UDP_PORT --peer REMOTE_HOST:UDP_PORT [--port SCTP_PORT]\n"
    "             [--remote-port SCTP_PORT] --size BYTES --count N [--streams K]\n"
    "             [--unordered] [--ppid P] [--verify] [--timeout SECONDS] [--mtu BYTES]\n"
    "             [--connect-timeout SECONDS] [--plpmtud MAX_BYTES [--plpmtud-probe-timer MS]]\n"
    "             [--linger SECONDS] [--ecn] [--pf N] [--pmr N] [--ps N] [--asconf]\n"
    "  csctp send --raw LOCAL_HOST --peer REMOTE_HOST [...same options...]\n";
static const char usage_notes[] =
    "  csctp --help | --version      (and csctp echo --help, csctp send --help)\n"
    "Hosts are IP addresses ([v6]:port with a port) or names; both ends use one IP version.\n"
    "SCTP ports default to 5000 (send: a random local port); UDP ports to 9899.\n"
    "--mtu: 576-9216 (default 1200); --ppid: a number or a name such as WEBRTC_STRING.\n"
    "--plpmtud: search the path MTU from --mtu up to MAX_BYTES (RFC 8899, probes every\n"
    "--plpmtud-probe-timer ms, default 15000); send prints the size found (\"path MTU\"),\n"
    "echo when an association closes. --linger: send stays connected that long at the end.\n"
    "--ecn: Explicit Congestion Notification (RFC 9260 App. A): DATA leaves ECT(0) when the\n"
    "peer has it too, CE marks are echoed (ECNE/CWR); both print their ECN counters at the end.\n"
    "send gives up when the association is not up after --connect-timeout (default 10 s);\n"
    "--verify checks every echo and ends with \"verified\"; --size is at most the largest\n"
    "message (262144 bytes, or less with a smaller CSCTP_DEFAULTS rcvbuf).\n"
    "Multi-homing: several hosts, comma-separated (10.1.1.1,10.1.2.1:9899, the port after the\n"
    "last), in --udp / --raw (our addresses: the wildcard is bound, these are served and listed)\n"
    "or --peer (all the peer's, the first is the primary path); each path change prints\n"
    "\"csctp: path ADDRESS STATE (REASON)\"; send --verify ends with the longest gap between\n"
    "echoes and the paths. --pf: PotentiallyFailed.Max.Retrans (RFC 7829, default 0), --pmr:\n"
    "Path.Max.Retrans (default 5), --ps: Primary.Switchover.Max.Retrans (default off).\n"
    "--asconf: the peer may add and delete addresses while connected (RFC 5061 ASCONF, with\n"
    "AUTH, RFC 4895); a path added prints \"added\", a deleted one \"removed\".\n"
    "CSCTP_DEFAULTS=\"sack_freq=1,rto_min=200\" sets csctp_defaults() (net.sctp names);\n"
    "CSCTP_DEBUG=sctp logs the engine.\n";

#endif
