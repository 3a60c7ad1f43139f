#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest webrtc_firefox: headless Firefox ESR (Debian's firefox-esr, driven by puppeteer-core over
# WebDriver BiDi) sends single data-channel messages of 1, 8 and 16 MiB to csctp-peer and checks
# their echoes (SHA-256), and asks csctp-peer ("send:N") for single messages of 1 and 16 MiB and
# checks them, with both of Firefox's SCTP stacks (dcsctp, the default, and usrsctp:
# media.peerconnection.sctp.use_dcsctp=false) and both offer directions (Firefox offers;
# csctp-peer offers with --offer). csctp-peer runs with --max-message-size 16777216. Firefox's
# dcsctp sends nothing above 8 MiB, to anyone: those messages are XFAIL (see driver.mjs).
#
# usage: tests/webrtc/firefox/run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR [driver options]
#   driver options: --stack dcsctp,usrsctp  --direction ff,peer  --sizes 1,8,16 (MiB)
#                   --peer-sends 1,16 (MiB)  --max-message-size N  --verbose
# puppeteer-core (24.43.1: the 24 line declares Node >= 18; 25 asks for 22.12) is installed with
# `npm ci` (package-lock.json) in SCRATCH_DIR, a copy of this folder, and kept there while the
# lock file is unchanged. Everything runs in a private network
# namespace with only `lo` (unshare -rn) when the kernel allows it, otherwise on 127.0.0.1 (only
# loopback candidates are passed either way). $FIREFOX overrides /usr/bin/firefox-esr.
# Exit 0 when nothing failed, 77 (skipped) only when firefox-esr, node >= 20 or npm is missing,
# 1 on any failure (npm ci failing included). The run ends by itself: npm ci at most 100 s (the
# first time only), the driver at most 170 s (about 55-70 s when all goes well). CSCTP_DEBUG reaches csctp-peer (default: peer); its stderr for each
# case is in SCRATCH_DIR/logs/<stack>-<firefox|peer>-offers[-peer-sends].log.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
peer=${1:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR}
cli=${2:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR} # not needed here
scratch=${3:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR}
shift 3
: "$cli"

say() { printf 'webrtc_firefox: %s\n' "$*" >&2; }

firefox=${FIREFOX:-/usr/bin/firefox-esr}
if [ ! -x "$firefox" ]; then
  say "skipped: Firefox ESR is needed at $firefox (apt-get install firefox-esr, or set FIREFOX)"
  exit 77
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  say "skipped: node and npm are needed (found node: $(command -v node || echo none), npm: $(command -v npm || echo none))"
  exit 77
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  say "skipped: Node.js >= 20 is needed (found $(node --version))"
  exit 77
fi
[ -x "$peer" ] || { say "csctp-peer not found at $peer"; exit 1; }
peer=$(cd "$(dirname "$peer")" && pwd)/$(basename "$peer")

mkdir -p "$scratch"
scratch=$(cd "$scratch" && pwd)
cp "$here/package.json" "$here/package-lock.json" "$here/driver.mjs" "$here/page.js" "$scratch/"
stamp=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$scratch/node_modules/puppeteer-core" ] || [ "$(cat "$scratch/.lock-installed" 2>/dev/null)" != "$stamp" ]; then
  rm -f "$scratch/.lock-installed"
  say "npm ci (puppeteer-core, pinned in package-lock.json) in $scratch"
  if ! (cd "$scratch" && timeout 100 npm ci --no-audit --no-fund --prefer-offline >npm.log 2>&1); then
    say "FAILED: npm ci did not install puppeteer-core; $scratch/npm.log:"
    tail -20 "$scratch/npm.log" >&2
    exit 1
  fi
  echo "$stamp" >"$scratch/.lock-installed"
fi

rm -rf "$scratch/logs"
# The driver caps itself at 170 s and then stops csctp-peer and Firefox; timeout(1) is the
# backstop should the driver itself hang (its SIGTERM reaches the driver, which cleans up).
cmd=(timeout -k 10 190 node "$scratch/driver.mjs" --peer "$peer" --firefox "$firefox"
  --log-dir "$scratch/logs" --max-seconds 170 "$@")
cd "$scratch"
# A private network namespace with only lo: nothing leaves loopback and no other interface's
# candidates exist. unshare -r maps us to root inside (as root, and where the kernel allows user
# namespaces, as a normal user).
if command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 &&
  unshare -rn ip link set lo up >/dev/null 2>&1; then
  say "running in a private network namespace (unshare -rn, only lo)"
  exec unshare -rn sh -c 'ip link set lo up && exec "$@"' sh "${cmd[@]}"
fi
say "running on 127.0.0.1 (no private network namespace: unshare -rn unavailable)"
exec "${cmd[@]}"
