#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest webrtc_idata: issue 16's browser proof. A small-message channel next to a bulk channel,
# csctp-peer with RFC 8260 message interleaving (I-DATA) and with --no-interleaving (DATA), the
# same page and load, in four browser settings: Firefox ESR (dcsctp), Firefox with usrsctp
# (pref media.peerconnection.sctp.use_dcsctp=false), Chromium with the field trial
# WebRTC-DataChannelMessageInterleaving/Enabled/, and Chromium as installed (no I-DATA: the
# control, DATA both runs). Prints the small messages' p50/p99/max round-trip time and the bulk
# throughput of each run side by side; checks every echo, the chunk types in csctp-peer's
# capture (CSCTP_CAPTURE, parsed by the driver), and that with I-DATA the small messages' p99 is
# well below DATA's (p99 < 0.6 x, p50 < 0.5 x, p99 < 100 ms; measured once more before failing). See driver.mjs.
#
# usage: tests/webrtc/idata/run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR [driver options]
#   driver options: --settings LIST  --seconds S (load per run, default 3)  --verbose
#                   --self-test (csctp-peer --no-interleaving in both runs: must fail)
# playwright-core and puppeteer-core (the versions of ../stats) are installed with `npm ci`
# (package-lock.json) in SCRATCH_DIR, a copy of this folder, and kept there while the lock file
# is unchanged. $CHROMIUM overrides /usr/bin/chromium, $FIREFOX /usr/bin/firefox-esr; without
# Firefox only the two Chromium settings run (said on stderr).
# Exit 0 when every check passed, 77 (skipped) only when chromium, node >= 20 or npm is missing,
# 1 on any failure. Ends by itself: npm ci at most 100 s (the first time), the driver at most
# 150 s (about 60 s when all goes well). csctp-peer's stderr is in
# SCRATCH_DIR/logs/<setting>-<idata|data>-peer.log, a capture whose chunk types were wrong in
# SCRATCH_DIR/logs/capture/.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
peer=${1:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR}
cli=${2:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR} # not needed here
scratch=${3:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR}
shift 3
: "$cli"

say() { printf 'webrtc_idata: %s\n' "$*" >&2; }

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  say "skipped: Chromium is needed at $chromium (apt-get install chromium, or set CHROMIUM)"
  exit 77
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  say "skipped: node and npm are needed"
  exit 77
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  say "skipped: Node.js >= 20 is needed (found $(node --version))"
  exit 77
fi
settings=firefox-dcsctp,firefox-usrsctp,chromium-interleaving,chromium-plain
firefox=${FIREFOX:-/usr/bin/firefox-esr}
if [ ! -x "$firefox" ]; then
  settings=chromium-interleaving,chromium-plain
  say "Firefox not found at $firefox: the Chromium settings only"
fi
[ -x "$peer" ] || { say "csctp-peer not found at $peer"; exit 1; }
peer=$(cd "$(dirname "$peer")" && pwd)/$(basename "$peer")

mkdir -p "$scratch"
scratch=$(cd "$scratch" && pwd)
cp "$here/package.json" "$here/package-lock.json" "$here/driver.mjs" "$scratch/"
stamp=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$scratch/node_modules/playwright-core" ] || [ ! -d "$scratch/node_modules/puppeteer-core" ] || [ "$(cat "$scratch/.lock-installed" 2>/dev/null)" != "$stamp" ]; then
  rm -f "$scratch/.lock-installed"
  say "npm ci (playwright-core, puppeteer-core, pinned in package-lock.json) in $scratch"
  if ! (cd "$scratch" && timeout 100 npm ci --no-audit --no-fund --prefer-offline >npm.log 2>&1); then
    say "FAILED: npm ci did not install playwright-core and puppeteer-core; $scratch/npm.log:"
    tail -20 "$scratch/npm.log" >&2
    exit 1
  fi
  echo "$stamp" >"$scratch/.lock-installed"
fi

rm -rf "$scratch/logs"
# The driver caps itself at 150 s; timeout(1) is the backstop should the driver itself hang.
cmd=(timeout -k 10 170 node "$scratch/driver.mjs" --peer "$peer" --settings "$settings"
  --chromium "$chromium" --firefox "$firefox" --log-dir "$scratch/logs" --max-seconds 150 "$@")
cd "$scratch"
# A private network namespace with only lo (unshare -r maps us to root inside).
if command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 &&
  unshare -rn ip link set lo up >/dev/null 2>&1; then
  say "running in a private network namespace (unshare -rn, only lo)"
  exec unshare -rn sh -c 'ip link set lo up && exec "$@"' sh "${cmd[@]}"
fi
say "running on 127.0.0.1 (no private network namespace: unshare -rn unavailable)"
exec "${cmd[@]}"
