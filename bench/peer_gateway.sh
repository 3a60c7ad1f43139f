#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A gateway's scale, csctp against libdatachannel (issue 14, part 3), in one run:
# build/bench/bench_peer_gateway (N csctp peers in one process against N remote peers in a forked
# one, two GMainContext threads each) and bench/ldc_bulk/gateway.mjs (the same workload on
# node-datachannel), each: set-up rate, RSS per established idle peer, CPU while idle, CPU per
# message and latency with every remote peer sending one 16-byte message per second (echoed).
#
# usage: bench/peer_gateway.sh BENCH_PEER_GATEWAY [N_CSCTP [N_LDC [SCRATCH_DIR]]]
#   N_CSCTP 10000 by default (the process raises RLIMIT_NOFILE as far as it may and reports what
#   stopped it), N_LDC 2000 (libdatachannel's figure at a size it completes on 2 cores);
#   SCRATCH_DIR as in bench/peer_memory.sh (shared node-datachannel install).
# The libdatachannel half is skipped with a message when node >= 20 or npm is missing or npm ci
# fails (offline): a benchmark never fails a build.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage='usage: bench/peer_gateway.sh BENCH_PEER_GATEWAY [N_CSCTP [N_LDC [SCRATCH_DIR]]]'
prog=${1:?$usage}
n_csctp=${2:-10000}
n_ldc=${3:-2000}
scratch=${4:-${TMPDIR:-/tmp}/csctp-ldc-bulk}
[[ "$n_csctp" =~ ^[1-9][0-9]*$ && "$n_ldc" =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
say() { printf 'peer_gateway: %s\n' "$*"; }

[ -x "$prog" ] || { say "bench_peer_gateway not found at $prog" >&2; exit 1; }
say "load average before: $(uptime | sed 's/.*load average: *//')"
for n in "$n_csctp" "$n_ldc"; do
  "$prog" --peers "$n" --seconds 10 || say "csctp at $n peers: not every peer established (see above)"
done

# shellcheck source=ldc_bulk/install.sh
. "$here/ldc_bulk/install.sh"

ldc() {
  ldc_install "$scratch" gateway.mjs || return 0
  (cd "$scratch" && timeout 600 node --expose-gc gateway.mjs --peers "$n_ldc" --seconds 10) ||
    say "libdatachannel at $n_ldc peers: FAILED or incomplete"
}
ldc
say "load average after: $(uptime | sed 's/.*load average: *//')"
