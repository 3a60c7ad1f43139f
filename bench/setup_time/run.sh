#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Set-up time benchmark (issue 13; `./dev bench setup_time`): offer to first open data channel,
# headless Chromium (and Firefox ESR when installed) <-> csctp-peer against the same browser
# <-> itself, alternating, in one run; see setup.mjs for what is measured.
#
# usage: bench/setup_time/run.sh CSCTP_PEER [--scratch DIR] [setup.mjs options]
#   setup.mjs options: --repeat N (10)  --warmup N (1)  --browsers chromium,firefox
#                      --timeout-ms MS (10000)  --json FILE  --verbose
# playwright-core and puppeteer-core (pinned in package-lock.json, the versions of the interop
# harness) are installed with `npm ci` in the scratch directory (default: $CSCTP_SETUP_SCRATCH,
# else ${TMPDIR:-/tmp}/csctp-setup-bench-$UID), a copy of this folder, never in the source tree;
# kept there while the lock file is unchanged. Everything runs in a private network namespace
# with only `lo` (unshare) when the kernel allows it, otherwise on 127.0.0.1.
# Exit 0 with "skipped: ..." when node >= 20, npm or Chromium is missing; 0 whatever the
# figures (a benchmark); 1 when a connection did not open within 10 s, or npm ci failed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage="usage: run.sh CSCTP_PEER [--scratch DIR] [--repeat N] [setup.mjs options]"
peer=${1:?$usage}
shift
scratch=${CSCTP_SETUP_SCRATCH:-${TMPDIR:-/tmp}/csctp-setup-bench-$(id -u)}
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --scratch) scratch=${2:?--scratch needs a directory}; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

say() { printf 'setup_time: %s\n' "$*" >&2; }

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup_time: skipped: node and npm are needed (found node: $(command -v node || echo none), npm: $(command -v npm || echo none))"
  exit 0
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "setup_time: skipped: Node.js >= 20 is needed (found $(node --version))"
  exit 0
fi
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "setup_time: skipped: Chromium not found at $chromium (apt-get install chromium, or CHROMIUM=PATH)"
  exit 0
fi
[ -x "$peer" ] || { say "csctp-peer not found at $peer"; exit 1; }
peer=$(cd "$(dirname "$peer")" && pwd)/$(basename "$peer")

mkdir -p "$scratch"
scratch=$(cd "$scratch" && pwd)
case "$scratch/" in "$here"/*) say "the scratch directory must be outside the source tree"; exit 1 ;; esac
cp "$here/package.json" "$here/package-lock.json" "$here/setup.mjs" "$here/page.js" "$scratch/"
stamp=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$scratch/node_modules/playwright-core" ] || [ ! -d "$scratch/node_modules/puppeteer-core" ] ||
  [ "$(cat "$scratch/.lock-installed" 2>/dev/null)" != "$stamp" ]; then
  rm -f "$scratch/.lock-installed"
  say "npm ci (playwright-core, puppeteer-core, pinned in package-lock.json) in $scratch"
  if ! (cd "$scratch" && timeout 300 npm ci --no-audit --no-fund --prefer-offline >npm.log 2>&1); then
    say "FAILED: npm ci; $scratch/npm.log:"
    tail -20 "$scratch/npm.log" >&2
    exit 1
  fi
  echo "$stamp" >"$scratch/.lock-installed"
fi

cmd=(node "$scratch/setup.mjs" --peer "$peer" --chromium "$chromium" --max-seconds 900 "${args[@]}")
cd "$scratch"
# Only lo: nothing leaves loopback and no other interface's candidates exist. unshare -r maps
# us to root inside (as root, and as a normal user where the kernel allows user namespaces).
if command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 &&
  unshare -rn ip link set lo up >/dev/null 2>&1; then
  exec unshare -rn sh -c 'ip link set lo up && CSCTP_SETUP_NETNS=1 exec "$@"' sh "${cmd[@]}"
fi
say "no private network namespace (unshare -rn unavailable): running on 127.0.0.1"
exec "${cmd[@]}"
