#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest webrtc_libdatachannel: libdatachannel, through its Node.js binding node-datachannel
# (npm; its prebuilt libdatachannel comes as the npm package @node-datachannel/<platform>, no
# other download), plays the browser's role against csctp-peer over the peer contract of
# ../shared/interop: driver.mjs runs every scenario with libdatachannel offering and with
# csctp-peer offering (--offer).
#
# usage: tests/webrtc/libdatachannel/run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR [driver options]
#   driver options: --only a,b  --direction ldc|peer  --bulk-mib N  --verbose  --list
# The package is installed with `npm ci` (package-lock.json) in SCRATCH_DIR, a copy of this
# folder, and kept there while the lock file is unchanged. Everything runs in a private network
# namespace with only `lo` (unshare -rn) when the kernel allows it, otherwise on 127.0.0.1 (both
# sides gather loopback candidates only: libdatachannel bound to 127.0.0.1, csctp-peer's
# non-loopback candidates filtered out of its SDP, as the browser harness does).
# Exit 0 when every scenario passed, 77 (skipped) only when node >= 20 or npm is missing, 1 on
# any failure (npm ci failing included). CSCTP_DEBUG reaches csctp-peer; its stderr for each
# scenario is in SCRATCH_DIR/logs/<direction>-<scenario>.log.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
peer=${1:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR}
cli=${2:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR} # not needed by this stack
scratch=${3:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR}
shift 3
: "$cli"

say() { printf 'webrtc_libdatachannel: %s\n' "$*" >&2; }

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
cp "$here/package.json" "$here/package-lock.json" "$here/driver.mjs" "$here/peer_ldc.mjs" "$scratch/"
stamp=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$scratch/node_modules/node-datachannel" ] || [ "$(cat "$scratch/.lock-installed" 2>/dev/null)" != "$stamp" ]; then
  rm -f "$scratch/.lock-installed"
  say "npm ci (node-datachannel, pinned in package-lock.json) in $scratch"
  if ! (cd "$scratch" && timeout 300 npm ci --no-audit --no-fund --prefer-offline >npm.log 2>&1); then
    say "FAILED: npm ci did not install node-datachannel; $scratch/npm.log:"
    tail -20 "$scratch/npm.log" >&2
    exit 1
  fi
  echo "$stamp" >"$scratch/.lock-installed"
fi

rm -rf "$scratch/logs"
cmd=(node "$scratch/driver.mjs" --peer "$peer" --log-dir "$scratch/logs" --max-seconds 170 --repeat 3 "$@")
cd "$scratch"
# A private network namespace with only lo: nothing leaves loopback, and no other interface's
# candidates exist. unshare -r maps us to root inside (works as root and, where the kernel
# allows user namespaces, as a normal user).
if command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 &&
  unshare -rn ip link set lo up >/dev/null 2>&1; then
  say "running in a private network namespace (unshare -rn, only lo)"
  exec unshare -rn sh -c 'ip link set lo up && exec "$@"' sh "${cmd[@]}"
fi
say "running on 127.0.0.1 (no private network namespace: unshare -rn unavailable)"
exec "${cmd[@]}"
