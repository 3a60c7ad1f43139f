#!/bin/sh
# SPDX-License-Identifier: MIT
# SNAP with Chromium (draft-hancke-tsvwg-snap): the browser harness's scenarios against
# csctp-peer in Chromium with its SNAP field trial on, both offer directions; then every
# scenario's peer log must say that SCTP started from the INITs in the descriptions, without
# the SCTP handshake. A failed scenario, or a connection that fell back to the handshake,
# fails the run.
#
# usage: tests/webrtc/snap/run.sh CSCTP_PEER HARNESS_RUN_CI [harness options]
#   HARNESS_RUN_CI: ../shared/interop/run-ci.sh (it copies the harness and runs npm ci)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
peer=${1:?usage: run.sh CSCTP_PEER HARNESS_RUN_CI}
harness=${2:?usage: run.sh CSCTP_PEER HARNESS_RUN_CI}
shift 2
logs=$(mktemp -d "${TMPDIR:-/tmp}/csctp-snap.XXXXXX")
trap 'rm -rf "$logs"' EXIT INT TERM
CSCTP_DEBUG=peer:info sh "$harness" "$peer" --chromium "$here/chromium-snap.sh" \
  --peer-log "$logs" "$@"
n=0
missing=""
for f in "$logs"/*.log; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  grep -q "SNAP: SCTP starts from the INITs" "$f" || missing="$missing $(basename "$f" .log)"
done
if [ "$n" -eq 0 ]; then
  echo "snap: no peer logs in $logs" >&2
  exit 1
fi
if [ -n "$missing" ]; then
  echo "snap: these scenarios did not use SNAP:$missing" >&2
  exit 1
fi
echo "snap: all $n scenarios started SCTP from a=sctp-init (no SCTP handshake)"
