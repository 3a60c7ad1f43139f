#!/bin/sh
# SPDX-License-Identifier: MIT
# ctest webrtc_snap: SNAP with Chromium (draft-hancke-tsvwg-snap). The browser harness
# (../shared/interop beside the checkout, or $CSCTP_INTEROP_HARNESS: its run-ci.sh) runs its
# scenarios against csctp-peer in Chromium with the SNAP field trial on (chromium-snap.sh), both
# offer directions; then every scenario's peer log must say that SCTP started from the INITs in
# the descriptions, without the SCTP handshake. A failed scenario, or a connection that fell
# back to the handshake, fails the test.
#
# usage: tests/webrtc/snap/run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR [harness options]
# Exit 77 (skipped) when the harness, Chromium, node or npm is missing; 1 on a failure.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
peer=${1:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR}
scratch=${3:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR}
shift 3
harness=${CSCTP_INTEROP_HARNESS:-$here/../../../../shared/interop/run-ci.sh}
skip() {
  echo "webrtc_snap: skipped: $*" >&2
  exit 77
}
[ -f "$harness" ] || skip "no browser harness at $harness (set CSCTP_INTEROP_HARNESS)"
[ -x "${CHROMIUM_REAL:-/usr/bin/chromium}" ] || skip "no Chromium (apt-get install chromium)"
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || skip "node and npm are needed"
mkdir -p "$scratch"
logs=$(cd "$scratch" && pwd)/logs
rm -rf "$logs"
mkdir -p "$logs"
# The bulk scenario is left out (its 64 MiB says nothing about set-up). One retry: the
# maxRetransmits:0 scenario needs 90 % of a burst through Chromium's UDP socket, which a loaded
# machine can miss (as the CI's harness steps allow).
run() {
  CSCTP_DEBUG=peer:info sh "$harness" "$peer" --chromium "$here/chromium-snap.sh" \
    --peer-log "$logs" --skip bulk-64m "$@"
}
if ! run "$@"; then
  echo "webrtc_snap: the harness failed once; running it again" >&2
  rm -rf "$logs"
  mkdir -p "$logs"
  run "$@"
fi
n=0
missing=""
for f in "$logs"/*.log; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  grep -q "SNAP: SCTP starts from the INITs" "$f" || missing="$missing $(basename "$f" .log)"
done
if [ "$n" -eq 0 ]; then
  echo "webrtc_snap: no peer logs in $logs" >&2
  exit 1
fi
if [ -n "$missing" ]; then
  echo "webrtc_snap: these scenarios did not use SNAP:$missing (logs: $logs)" >&2
  exit 1
fi
echo "webrtc_snap: all $n scenarios started SCTP from a=sctp-init (no SCTP handshake)"
