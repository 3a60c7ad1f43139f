#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest webrtc_aiortc: aiortc 1.4 (Debian python3-aiortc) plays the browser's role against
# csctp-peer over the peer contract of ../shared/interop: driver.py runs every scenario with
# aiortc offering and with csctp-peer offering (--offer), then repeats the direction swap
# (csctp offers, aiortc answers, aiortc as it is, no workaround) five times.
#
# usage: tests/webrtc/aiortc/run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR [driver options]
#   driver options: --only a,b  --skip a,b  --direction answer|offer  --repeat N  --bulk-mib N
#                   --verbose
# Everything runs in a private network namespace with only `lo` (unshare -rn) when the kernel
# allows it, otherwise on 127.0.0.1 (aiortc gathers 127.0.0.1 only, csctp-peer's non-loopback
# candidates are filtered out of its SDP, as the browser harness does).
# Exit 0 when no scenario failed (XFAIL lines name the other stack's bug), 77 (skipped) only
# when python3 or aiortc is missing, 1 on any failure. CSCTP_DEBUG reaches csctp-peer; its
# stderr for each scenario is in SCRATCH_DIR/<scenario>-<direction>.log.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
peer=${1:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR}
cli=${2:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR} # not needed by this stack
scratch=${3:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR}
shift 3
: "$cli"

say() { printf 'webrtc_aiortc: %s\n' "$*" >&2; }

py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3 || true)
if [ -z "$py" ]; then
  say "skipped: python3 is needed (Debian python3-aiortc: ./dev deps)"
  exit 77
fi
if ! ver=$("$py" -c 'import aiortc; print(aiortc.__version__)' 2>/dev/null); then
  say "skipped: aiortc is not installed for $py (Debian python3-aiortc: ./dev deps)"
  exit 77
fi
[ -x "$peer" ] || { say "csctp-peer not found at $peer"; exit 1; }
peer=$(cd "$(dirname "$peer")" && pwd)/$(basename "$peer")
mkdir -p "$scratch"
scratch=$(cd "$scratch" && pwd)
rm -f "$scratch"/*.log
say "aiortc $ver ($py) against $peer"

cmd=("$py" "$here/driver.py" "$peer" "$scratch" --max-seconds 170 "$@")
if command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 &&
  unshare -rn ip link set lo up >/dev/null 2>&1; then
  say "running in a private network namespace (unshare -rn, only lo)"
  exec unshare -rn sh -c 'ip link set lo up && exec "$@"' sh "${cmd[@]}"
fi
say "running on 127.0.0.1 (no private network namespace: unshare -rn unavailable)"
exec "${cmd[@]}"
