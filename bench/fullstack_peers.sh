#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole stack peer to peer, csctp against libdatachannel (issue 13, target 1): ROUNDS rounds,
# alternated, of tools/csctp-peer-bulk (two csctp peers in two processes) and of
# bench/ldc_bulk/bulk.mjs (two libdatachannel peers in two processes, node-datachannel from npm,
# usrsctp inside), the same workload: MIB MiB each way in 64 KiB messages over ICE + DTLS + SCTP
# on 127.0.0.1. Prints per stack min/median/max MB/s (both directions pooled), the median
# CPU-s/GiB (user+system of both processes over the whole run), the ratios csctp/libdatachannel,
# the DTLS cipher each stack negotiated (read from a capture of the ServerHello on lo when tshark
# can capture there) and the load average before and after. Figures only, never a verdict.
#
# usage: bench/fullstack_peers.sh CSCTP_PEER_BULK [MIB [ROUNDS [SCRATCH_DIR]]]
#   MIB 64 and ROUNDS 3 by default; SCRATCH_DIR (default $TMPDIR/csctp-ldc-bulk) receives a copy
#   of bench/ldc_bulk/ and node-datachannel, installed with `npm ci` from its package-lock.json
#   and kept while the lock file is unchanged (the approach of tests/webrtc/libdatachannel/run.sh).
# Exits 0 with "skipped: ..." when node >= 20 or npm is missing or npm ci fails (offline): a
# benchmark never fails a build. Each run's output is in SCRATCH_DIR/logs/.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage='usage: bench/fullstack_peers.sh CSCTP_PEER_BULK [MIB [ROUNDS [SCRATCH_DIR]]]'
bulk=${1:?$usage}
mib=${2:-64}
rounds=${3:-3}
scratch=${4:-${TMPDIR:-/tmp}/csctp-ldc-bulk}
[[ "$mib" =~ ^[1-9][0-9]*$ && "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }

say() { printf 'fullstack_peers: %s\n' "$*"; }
skip() { say "skipped: $*"; exit 0; }

[ -x "$bulk" ] || { say "csctp-peer-bulk not found at $bulk" >&2; exit 1; }
bulk=$(cd "$(dirname "$bulk")" && pwd)/$(basename "$bulk")
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  skip "node/npm missing (found node: $(command -v node || echo none), npm: $(command -v npm || echo none))"
fi
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || skip "node/npm missing: Node.js >= 20 is needed (found $(node --version))"

mkdir -p "$scratch"
scratch=$(cd "$scratch" && pwd)
cp "$here/ldc_bulk/package.json" "$here/ldc_bulk/package-lock.json" "$here/ldc_bulk/bulk.mjs" \
  "$here/ldc_bulk/common.mjs" "$scratch/"
stamp=$(sha256sum "$here/ldc_bulk/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$scratch/node_modules/node-datachannel" ] || [ "$(cat "$scratch/.lock-installed" 2>/dev/null)" != "$stamp" ]; then
  rm -f "$scratch/.lock-installed"
  say "npm ci (node-datachannel, pinned in bench/ldc_bulk/package-lock.json) in $scratch"
  if ! (cd "$scratch" && timeout 300 npm ci --no-audit --no-fund --prefer-offline >npm.log 2>&1); then
    tail -5 "$scratch/npm.log" | sed 's/^/  npm: /'
    skip "npm ci failed (offline?); log: $scratch/npm.log"
  fi
  echo "$stamp" >"$scratch/.lock-installed"
fi

load() { uptime | sed 's/.*load average: *//'; }
load_before=$(load)
logs=$scratch/logs
rm -rf "$logs"
mkdir -p "$logs"
limit=$((2 * (4 * mib < 60 ? 60 : 4 * mib) + 30))

# One run: its stdout (the figures) in logs/<stack>-<round>.out, stderr in .err. A failed run
# is reported and left out of the table.
failed=0
run() {
  local stack=$1 round=$2
  shift 2
  local out=$logs/$stack-$round.out
  if ! timeout "$limit" "$@" >"$out" 2>"$logs/$stack-$round.err"; then
    say "round $round: $stack FAILED (exit status; see $logs/$stack-$round.err)"
    rm -f "$out"
    failed=$((failed + 1))
    return 0
  fi
  local cpu
  cpu=$(sed -n 's/^cpu: .*: \(.*\)$/\1/p' "$out")
  say "round $round: $stack: $(sed -n 's/^\(a -> b\|b -> a\): .*: \([0-9.]* MB\/s\).*/\2/p' "$out" | paste -sd' ' -)," \
    "${cpu:-no cpu line}"
}

# Same cipher on both stacks: libdatachannel's build negotiates AES-256-GCM (its ClientHello
# offers it first; the capture below shows what each pair used), so csctp is asked for it too.
csctp_cipher=${CSCTP_BENCH_CIPHER:-ECDHE-ECDSA-AES256-GCM-SHA384}
say "$mib MiB each way, $rounds round(s) of each stack, alternated; load average before: $load_before"
for ((r = 1; r <= rounds; r++)); do
  run csctp "$r" "$bulk" --mib "$mib" --cipher "$csctp_cipher"
  run ldc "$r" node "$scratch/bulk.mjs" --mib "$mib"
done
load_after=$(load)

# The raw UDP ceiling of this machine now (issue 13's bar: the whole stack at >= 70 % of it), from
# bench_fullstack next to csctp-peer-bulk in the build tree, when it was built.
ceiling=-
fullstack=$(dirname "$bulk")/bench/bench_fullstack
if [ -x "$fullstack" ]; then
  ceiling=$(timeout 120 "$fullstack" 2>/dev/null | sed -n 's/^raw UDP ceiling[^|]*| *\([0-9.]*\) *|.*/\1/p' | head -n1)
  ceiling=${ceiling:--}
fi

# The DTLS cipher each stack negotiates: node-datachannel does not expose it, so both are read
# from a capture of one short run each on lo (the ServerHello's cipher suite), when tshark can.
cipher() {
  local stack=$1 cap=$logs/$1.pcapng tp i
  shift
  command -v tshark >/dev/null 2>&1 || { echo "not captured (tshark missing)"; return; }
  tshark -i lo -f udp -w "$cap" >"$logs/$stack-tshark.log" 2>&1 &
  tp=$!
  for ((i = 0; i < 50; i++)); do
    grep -q 'Capture started' "$logs/$stack-tshark.log" 2>/dev/null && break
    kill -0 "$tp" 2>/dev/null || break
    sleep 0.2
  done
  if ! grep -q 'Capture started' "$logs/$stack-tshark.log" 2>/dev/null; then
    kill "$tp" 2>/dev/null || true
    wait "$tp" 2>/dev/null || true
    echo "not captured (tshark cannot capture on lo: $logs/$stack-tshark.log)"
    return
  fi
  timeout 60 "$@" >/dev/null 2>&1 || true
  sleep 0.3
  kill -INT "$tp" 2>/dev/null || true
  wait "$tp" 2>/dev/null || true
  local names
  names=$(tshark -r "$cap" -Y 'dtls.handshake.type == 2' -V 2>/dev/null |
    sed -n 's/^ *Cipher Suite: //p' | sort -u | paste -sd'/' -)
  echo "${names:-no ServerHello captured}"
}
cipher_csctp=$(cipher csctp "$bulk" --mib 1 --cipher "$csctp_cipher")
cipher_ldc=$(cipher ldc node "$scratch/bulk.mjs" --mib 1)

# The table: MB/s of both directions pooled over the rounds, the median CPU-s/GiB of the rounds.
stats() { # stack -> "n min median max cpu_median"
  local stack=$1 f
  local -a outs=()
  for f in "$logs/$stack"-*.out; do [ -f "$f" ] && outs+=("$f"); done
  [ ${#outs[@]} -gt 0 ] || { echo "0 - - - -"; return; }
  local mbs cpu
  mbs=$(sed -n 's/^\(a -> b\|b -> a\): .*: \([0-9.]*\) MB\/s.*/\2/p' "${outs[@]}" | sort -g)
  cpu=$(sed -n 's/^cpu: .*: \([0-9.]*\) CPU-s\/GiB.*/\1/p' "${outs[@]}" | sort -g)
  awk -v m="$mbs" -v c="$cpu" 'function med(s,   a, n) {
      n = split(s, a, "\n"); if (n == 0 || s == "") return "-";
      return sprintf("%.2f", n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2) }
    BEGIN { n = split(m, a, "\n"); printf "%d %s %s %s %s\n", n, a[1], med(m), a[n], med(c) }'
}
read -r n_c min_c med_c max_c cpu_c <<<"$(stats csctp)"
read -r n_l min_l med_l max_l cpu_l <<<"$(stats ldc)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }

echo
echo "fullstack_peers: $mib MiB each way, 64 KiB messages, $rounds round(s) alternated, 127.0.0.1"
printf '%-16s %5s %9s %9s %9s %12s  %s\n' stack samples "min MB/s" "med MB/s" "max MB/s" "CPU-s/GiB" "DTLS cipher"
printf '%-16s %5s %9s %9s %9s %12s  %s\n' csctp "$n_c" "$min_c" "$med_c" "$max_c" "$cpu_c" "$cipher_csctp"
printf '%-16s %5s %9s %9s %9s %12s  %s\n' libdatachannel "$n_l" "$min_l" "$med_l" "$max_l" "$cpu_l" "$cipher_ldc"
echo "csctp/libdatachannel: MB/s (medians) $(ratio "$med_c" "$med_l"), CPU-s/GiB (medians) $(ratio "$cpu_c" "$cpu_l")"
if [ "$ceiling" != - ]; then
  echo "raw UDP ceiling in this run (bench_fullstack: 1200 B datagrams, sendmmsg/recvmmsg): $ceiling MB/s;" \
    "csctp's median $(awk -v a="$med_c" -v b="$ceiling" 'BEGIN { if (a == "-") print "-"; else printf "%.0f", 100 * a / b }') %" \
    "of it, libdatachannel's $(awk -v a="$med_l" -v b="$ceiling" 'BEGIN { if (a == "-") print "-"; else printf "%.0f", 100 * a / b }') %"
else
  echo "raw UDP ceiling: not measured ($fullstack not built)"
fi
[ "$cpu_c" != - ] || [ "$n_c" -eq 0 ] ||
  echo "note: this csctp-peer-bulk prints no cpu line (a build older than its CPU-s/GiB figure)"
if [[ "$cipher_csctp" == TLS_* && "$cipher_ldc" == TLS_* && "$cipher_csctp" != "$cipher_ldc" ]]; then
  echo "note: the two stacks negotiated different DTLS ciphers (csctp was asked for $csctp_cipher)"
fi
echo "stack: $(grep -h '^stack:' "$logs"/ldc-*.out 2>/dev/null | head -n1 | sed 's/^stack: //; s/; DTLS cipher.*//')"
echo "CPU: both processes over the whole run, set-up included (a node process with node-datachannel"
echo "  loaded has used ~0.2 s before the first byte); MB/s: 10^6 bytes/s, first send to the ack"
echo "load average: before $load_before; after $load_after"
[ "$failed" -eq 0 ] || echo "failed runs (left out): $failed; logs in $logs"
exit 0
