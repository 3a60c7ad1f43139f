#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Memory of an idle WebRTC peer, csctp against libdatachannel (issue 14, part 2), in one run:
# build/bench/bench_peer_memory (csctp peers, per component) and bench/ldc_bulk/idle.mjs (the
# same workload on node-datachannel, usrsctp inside: RSS only), both N1 then N2 pairs in one
# process, ICE on 127.0.0.1, one channel and one message each way per pair, 2 s idle, the
# difference per peer added. Prints both tables and the ratio of the RSS figures.
#
# usage: bench/peer_memory.sh BENCH_PEER_MEMORY [N1,N2 [SCRATCH_DIR]]
#   N1,N2 10,110 by default; SCRATCH_DIR (default $TMPDIR/csctp-ldc-bulk) receives a copy of
#   bench/ldc_bulk/ and node-datachannel, installed with `npm ci` from its package-lock.json and
#   kept while the lock file is unchanged (shared with bench/fullstack_peers.sh).
# The libdatachannel half is skipped with a message when node >= 20 or npm is missing or npm ci
# fails (offline): a benchmark never fails a build.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage='usage: bench/peer_memory.sh BENCH_PEER_MEMORY [N1,N2 [SCRATCH_DIR]]'
prog=${1:?$usage}
pairs=${2:-10,110}
scratch=${3:-${TMPDIR:-/tmp}/csctp-ldc-bulk}
[[ "$pairs" =~ ^[1-9][0-9]*,[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
say() { printf 'peer_memory: %s\n' "$*"; }

[ -x "$prog" ] || { say "bench_peer_memory not found at $prog" >&2; exit 1; }
say "load average before: $(uptime | sed 's/.*load average: *//')"
csctp_out=$("$prog" --pairs "$pairs" --blocks)
echo "$csctp_out"

# shellcheck source=ldc_bulk/install.sh
. "$here/ldc_bulk/install.sh"

ldc() {
  ldc_install "$scratch" idle.mjs || return 0
  local out
  if ! out=$(cd "$scratch" && timeout 120 node --expose-gc idle.mjs --pairs "$pairs"); then
    say "libdatachannel run FAILED"
    return 0
  fi
  echo "$out"
  local a b
  a=$(echo "$csctp_out" | sed -n 's/^  RSS  *\([0-9.]*\) KiB$/\1/p')
  b=$(echo "$out" | sed -n 's/^  RSS  *\([0-9.]*\) KiB$/\1/p')
  if [ -n "$a" ] && [ -n "$b" ]; then
    say "RSS per idle peer: csctp $a KiB, libdatachannel $b KiB: ratio $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')"
  fi
}
ldc
say "load average after: $(uptime | sed 's/.*load average: *//')"
