#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest webrtc_stats: headless Chromium (Debian's chromium, driven by playwright-core over CDP),
# then headless Firefox ESR when installed (Debian's firefox-esr, puppeteer-core over BiDi),
# opens two data channels to `csctp-peer --stats PATH`, has 65 text and binary messages of 0 B to
# 64 KiB echoed, then compares csctp-peer's statistics report (written on SIGUSR1, shaped like
# getStats() with W3C webrtc-stats names) with the browser's getStats() and with what the driver
# sent: per channel, candidates, DTLS/ICE transport, wire bytes and packets, sctp-transport,
# peer-connection; then closes one channel and checks the report again. See driver.mjs.
#
# usage: tests/webrtc/stats/run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR [driver options]
#   driver options: --verbose (both reports side by side)  --tamper (self-test: must fail)
# playwright-core and puppeteer-core (the versions of ../handover and ../firefox) are installed
# with `npm ci` (package-lock.json) in SCRATCH_DIR, a copy of this folder, and kept there while
# the lock file is unchanged. $CHROMIUM overrides /usr/bin/chromium, $FIREFOX
# /usr/bin/firefox-esr; without Firefox only Chromium runs (said on stderr).
# Exit 0 when every check passed, 77 (skipped) only when chromium, node >= 20 or npm is missing,
# 1 on any failure. Ends by itself: npm ci at most 100 s (the first time), the driver at most
# 100 s (about 15 s when all goes well: Chromium 3-5 s, Firefox 6-9 s). The peer's stderr is in
# SCRATCH_DIR/logs/<browser>-peer.log.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
peer=${1:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR}
cli=${2:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR} # not needed here
scratch=${3:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR}
shift 3
: "$cli"

say() { printf 'webrtc_stats: %s\n' "$*" >&2; }

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
browsers=chromium
firefox=${FIREFOX:-/usr/bin/firefox-esr}
if [ -x "$firefox" ]; then browsers=chromium,firefox; else say "Firefox not found at $firefox: Chromium only"; fi
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
# The driver caps itself at 100 s; timeout(1) is the backstop should the driver itself hang.
cmd=(timeout -k 10 120 node "$scratch/driver.mjs" --peer "$peer" --browser "$browsers"
  --chromium "$chromium" --firefox "$firefox" --log-dir "$scratch/logs" --max-seconds 100 "$@")
cd "$scratch"
# A private network namespace with only lo (unshare -r maps us to root inside).
if command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 &&
  unshare -rn ip link set lo up >/dev/null 2>&1; then
  say "running in a private network namespace (unshare -rn, only lo)"
  exec unshare -rn sh -c 'ip link set lo up && exec "$@"' sh "${cmd[@]}"
fi
say "running on 127.0.0.1 (no private network namespace: unshare -rn unavailable)"
exec "${cmd[@]}"
