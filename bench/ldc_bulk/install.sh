# SPDX-License-Identifier: MIT
# Sourced by the bench scripts that run node-datachannel (bench/peer_memory.sh,
# bench/peer_gateway.sh): ldc_install SCRATCH FILE... copies package.json, package-lock.json,
# common.mjs and the FILEs of bench/ldc_bulk/ into SCRATCH and installs node-datachannel there
# with `npm ci`, kept while the lock file is unchanged. Returns 0 when ready; otherwise prints
# why ("libdatachannel skipped: ...", through the caller's `say`) and returns 1.
ldc_install() {
  local scratch=$1 dir major stamp f
  shift
  dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || {
    say "libdatachannel skipped: node/npm missing"; return 1; }
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || { say "libdatachannel skipped: Node.js >= 20 is needed"; return 1; }
  mkdir -p "$scratch"
  for f in package.json package-lock.json common.mjs "$@"; do cp "$dir/$f" "$scratch/"; done
  stamp=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ ! -d "$scratch/node_modules/node-datachannel" ] ||
    [ "$(cat "$scratch/.lock-installed" 2>/dev/null)" != "$stamp" ]; then
    rm -f "$scratch/.lock-installed"
    say "npm ci (node-datachannel, pinned in bench/ldc_bulk/package-lock.json) in $scratch"
    if ! (cd "$scratch" && timeout 300 npm ci --no-audit --no-fund --prefer-offline >npm.log 2>&1); then
      say "libdatachannel skipped: npm ci failed (offline?); log: $scratch/npm.log"
      return 1
    fi
    echo "$stamp" >"$scratch/.lock-installed"
  fi
}
