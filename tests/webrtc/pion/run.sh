#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest webrtc_pion: pion/sctp (Go; Debian golang-go and golang-github-pion-sctp-dev, built
# offline in GOPATH mode) over plain SCTP-in-UDP (RFC 6951, csctp's --udp mode) against the
# csctp CLI, both directions, loopback only:
#   csctp -> pion   `csctp send --udp ... --verify` to pionsctp echo (pion echoes)
#   pion -> csctp   `pionsctp send -verify` to `csctp echo --udp` (csctp echoes)
# sizes 1 B to 64 KiB, one and several streams, ordered and unordered, each line with MB/s
# (payload bytes sent / time from association up to the last echo), then pion -> pion and
# csctp -> csctp at 64 KiB in the same run for the ratio.
#
# usage: tests/webrtc/pion/run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR
# Exit 0 when every case passed, 77 (skipped) only when go or pion/sctp is missing, 1 on any
# failure. Logs of each case: SCRATCH_DIR/logs/<case>.{echo,send}.log (CSCTP_DEBUG reaches csctp).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cli=${2:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR}
scratch=${3:?usage: run.sh CSCTP_PEER CSCTP_CLI SCRATCH_DIR}

say() { printf 'webrtc_pion: %s\n' "$*" >&2; }

gocode=/usr/share/gocode
if ! command -v go >/dev/null 2>&1; then
  say "skipped: go is needed (Debian golang-go: ./dev deps)"
  exit 77
fi
for p in sctp logging randutil; do
  if [ ! -d "$gocode/src/github.com/pion/$p" ]; then
    say "skipped: $gocode/src/github.com/pion/$p is missing (Debian golang-github-pion-$p-dev: ./dev deps)"
    exit 77
  fi
done
[ -x "$cli" ] || { say "csctp CLI not found at $cli"; exit 1; }
mkdir -p "$scratch/logs" "$scratch/gopath"
scratch=$(cd "$scratch" && pwd)
rm -f "$scratch"/logs/*

# Offline GOPATH build: Debian's sources only, no module proxy, no network.
if [ -z "${CSCTP_PION_NETNS:-}" ]; then
  say "building pionsctp ($(go version | cut -d' ' -f3), pion/sctp $(dpkg-query -W -f='${Version}' golang-github-pion-sctp-dev 2>/dev/null || echo '?'))"
  if ! (cd "$here" && env GO111MODULE=off GOPATH="$gocode:$scratch/gopath" GOCACHE="$scratch/gocache" \
    GOFLAGS= GOPROXY=off CGO_ENABLED=0 go build -o "$scratch/pionsctp" pionsctp.go) \
    >"$scratch/build.log" 2>&1; then
    say "FAILED: go build of pionsctp.go:"
    cat "$scratch/build.log" >&2
    exit 1
  fi
fi
pion=$scratch/pionsctp

if [ -z "${CSCTP_PION_NETNS:-}" ] && command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 &&
  unshare -rn ip link set lo up >/dev/null 2>&1; then
  say "running in a private network namespace (unshare -rn, only lo)"
  exec unshare -rn sh -c 'ip link set lo up && exec "$@"' sh env CSCTP_PION_NETNS=1 bash "$0" "$@"
fi

pass=0 fail=0 xfail=0
declare -A mbps
t_all=$(date +%s.%N)

# start_bg LOGFILE CMD...: run CMD in the background, its pid in $bg
start_bg() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  bg=$!
}

# wait_port LOGFILE REGEX: the port a server printed (5 s at most)
wait_port() {
  local i port
  for i in $(seq 1 100); do
    port=$(sed -n "$2" "$1" | head -n1)
    [ -n "$port" ] && { printf '%s' "$port"; return 0; }
    sleep 0.05
  done
  return 1
}

stop_bg() { # pid: TERM, then KILL after 2 s
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

report() { # status name seconds figures [log]
  printf '%s %s (%.1f s): %s\n' "$1" "$2" "$3" "$4"
  case $1 in PASS) pass=$((pass + 1)) ;; FAIL) fail=$((fail + 1)) ;; XFAIL) xfail=$((xfail + 1)) ;; esac
  if [ "$1" = FAIL ] && [ -n "${5:-}" ]; then
    tail -n 8 "$5" | sed 's/^/    | /'
  fi
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# csctp_to_pion NAME SIZE COUNT STREAMS ORDERED(1|0)
csctp_to_pion() {
  local name="csctp->pion/$1" size=$2 count=$3 streams=$4 ordered=$5 t
  local tag=${1//\//-} u=() pu=()
  [ "$ordered" = 1 ] || { u=(--unordered); pu=(-unordered); }
  local elog=$scratch/logs/c2p-$tag.echo.log slog=$scratch/logs/c2p-$tag.send.log
  t=$(now)
  start_bg "$elog" "$pion" echo -listen 127.0.0.1:0 -timeout 60 "${pu[@]}"
  local epid=$bg port
  if ! port=$(wait_port "$elog" 's/^listening \([0-9]*\)$/\1/p'); then
    stop_bg "$epid"
    report FAIL "$name" "$(elapsed "$t")" "pionsctp echo did not start" "$elog"
    return
  fi
  local out rc=0
  out=$(timeout -k 2 40 "$cli" send --udp 127.0.0.1:0 --peer "127.0.0.1:$port" --size "$size" \
    --count "$count" --streams "$streams" "${u[@]}" --verify --timeout 30 2>"$slog") || rc=$?
  # pion ends when csctp's SHUTDOWN completes; give it a moment, then stop it
  local i
  for i in $(seq 1 40); do kill -0 "$epid" 2>/dev/null || break; sleep 0.05; done
  stop_bg "$epid"
  if [ "$rc" -ne 0 ] || [[ $out != sent* ]]; then
    report FAIL "$name" "$(elapsed "$t")" "csctp send exit $rc: $(tail -n1 "$slog")" "$elog"
    return
  fi
  local shut="graceful shutdown"
  grep -q 'association ended' "$elog" || shut="pion did not see the association end"
  local mb=${out#*: }
  mb=${mb%% MB/s*}
  mbps["$name"]=$mb
  report PASS "$name" "$(elapsed "$t")" "$count x $size B, $streams stream(s), $([ "$ordered" = 1 ] && echo ordered || echo unordered), all echoes verified: $mb MB/s; $shut"
}

# pion_to_csctp NAME SIZE COUNT STREAMS ORDERED(1|0)
pion_to_csctp() {
  local name="pion->csctp/$1" size=$2 count=$3 streams=$4 ordered=$5 t
  local tag=${1//\//-} pu=()
  [ "$ordered" = 1 ] || pu=(-unordered)
  local elog=$scratch/logs/p2c-$tag.echo.log slog=$scratch/logs/p2c-$tag.send.log
  t=$(now)
  start_bg "$elog" "$cli" echo --udp 127.0.0.1:0 --timeout 60
  local epid=$bg port
  if ! port=$(wait_port "$elog" 's/.*listening on udp 127\.0\.0\.1:\([0-9]*\),.*/\1/p'); then
    stop_bg "$epid"
    report FAIL "$name" "$(elapsed "$t")" "csctp echo did not start" "$elog"
    return
  fi
  local out rc=0
  out=$(timeout -k 2 40 "$pion" send -peer "127.0.0.1:$port" -size "$size" -count "$count" \
    -streams "$streams" "${pu[@]}" -verify -timeout 30 2>"$slog") || rc=$?
  sleep 0.1
  stop_bg "$epid"
  if [ "$rc" -ne 0 ] || [[ $out != sent* ]]; then
    report FAIL "$name" "$(elapsed "$t")" "pionsctp send exit $rc: $(tail -n1 "$slog")" "$elog"
    return
  fi
  local mb=${out#*: }
  mb=${mb%% MB/s*}
  mbps["$name"]=$mb
  local shut="graceful shutdown" status=PASS
  if grep -q 'protocol error' "$elog"; then
    # pion/sctp 1.8.6 puts its own cumulative TSN ack point (its outbound TSNs:
    # association.go, chunkShutdown{cumulativeTSNAck: a.cumulativeTSNAckPoint}) in SHUTDOWN's
    # Cumulative TSN Ack, which must be the last TSN received from the peer (RFC 9260 §3.3.8).
    # Half the time that value lies ahead of every TSN csctp sent and csctp aborts with a
    # Protocol Violation ("SHUTDOWN acks a TSN never sent"); every echo had arrived by then.
    shut="pion bug: its SHUTDOWN carries its own TSN as Cumulative TSN Ack; csctp answered ABORT (protocol violation) after all echoes"
  elif ! grep -q 'peer shut down' "$elog"; then
    shut="csctp did not see a SHUTDOWN"
  fi
  report "$status" "$name" "$(elapsed "$t")" "$count x $size B, $streams stream(s), $([ "$ordered" = 1 ] && echo ordered || echo unordered), all echoes verified: $mb MB/s; $shut"
}

# baseline NAME: pion -> pion and csctp -> csctp, 64 KiB, for the ratio
pion_to_pion() {
  local name="pion->pion/$1" size=$2 count=$3 t elog=$scratch/logs/p2p-$1.echo.log
  t=$(now)
  start_bg "$elog" "$pion" echo -listen 127.0.0.1:0 -timeout 60
  local epid=$bg port out rc=0
  port=$(wait_port "$elog" 's/^listening \([0-9]*\)$/\1/p') || true
  out=$(timeout -k 2 40 "$pion" send -peer "127.0.0.1:$port" -size "$size" -count "$count" -verify \
    -timeout 30 2>"$scratch/logs/p2p-$1.send.log") || rc=$?
  stop_bg "$epid"
  if [ "$rc" -ne 0 ] || [[ $out != sent* ]]; then
    report FAIL "$name" "$(elapsed "$t")" "pion -> pion baseline failed (exit $rc)" "$scratch/logs/p2p-$1.send.log"
    return
  fi
  local mb=${out#*: }
  mbps["$name"]=${mb%% MB/s*}
  report PASS "$name" "$(elapsed "$t")" "baseline, $count x $size B: ${mb%% MB/s*} MB/s"
}
csctp_to_csctp() {
  local name="csctp->csctp/$1" size=$2 count=$3 t elog=$scratch/logs/c2c-$1.echo.log
  t=$(now)
  start_bg "$elog" "$cli" echo --udp 127.0.0.1:0 --timeout 60
  local epid=$bg port out rc=0
  port=$(wait_port "$elog" 's/.*listening on udp 127\.0\.0\.1:\([0-9]*\),.*/\1/p') || true
  out=$(timeout -k 2 40 "$cli" send --udp 127.0.0.1:0 --peer "127.0.0.1:$port" --size "$size" \
    --count "$count" --verify --timeout 30 2>"$scratch/logs/c2c-$1.send.log") || rc=$?
  stop_bg "$epid"
  if [ "$rc" -ne 0 ] || [[ $out != sent* ]]; then
    report FAIL "$name" "$(elapsed "$t")" "csctp -> csctp baseline failed (exit $rc)" "$scratch/logs/c2c-$1.send.log"
    return
  fi
  local mb=${out#*: }
  mbps["$name"]=${mb%% MB/s*}
  report PASS "$name" "$(elapsed "$t")" "baseline, $count x $size B: ${mb%% MB/s*} MB/s"
}

# (unordered messages of fewer than 8 bytes on several streams: csctp send --verify cannot tell
# their indices apart, so the unordered small case uses 8 bytes, the index itself)
#      name                size  count streams ordered
CASES=("1B-ordered          1     2000  1       1"
  "8B-8streams-unordered    8     2000  8       0"
  "100B-4streams           100   2000  4       1"
  "1200B-unordered         1200  2000  1       0"
  "1201B-2streams          1201  1000  2       1"
  "16KiB-8streams          16384 512   8       1"
  "64KiB-ordered           65536 256   1       1"
  "64KiB-4streams-unordered 65536 256  4       0")
for c in "${CASES[@]}"; do
  # shellcheck disable=SC2086
  csctp_to_pion $c
done
for c in "${CASES[@]}"; do
  # shellcheck disable=SC2086
  pion_to_csctp $c
done
pion_to_pion 64KiB 65536 256
csctp_to_csctp 64KiB 65536 256

ratio() { awk -v a="${mbps[$1]:-0}" -v b="${mbps[$2]:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }
printf 'MB/s at 64 KiB (ordered, 1 stream, echoed): csctp->pion %s, pion->csctp %s, pion->pion %s, csctp->csctp %s; pion->csctp / pion->pion = %s\n' \
  "${mbps[csctp->pion/64KiB-ordered]:-n/a}" "${mbps[pion->csctp/64KiB-ordered]:-n/a}" \
  "${mbps[pion->pion/64KiB]:-n/a}" "${mbps[csctp->csctp/64KiB]:-n/a}" \
  "$(ratio pion-\>csctp/64KiB-ordered pion-\>pion/64KiB)"
printf '%d passed, %d failed, %d expected failures (%s s)\n' "$pass" "$fail" "$xfail" "$(elapsed "$t_all")"
[ "$fail" -eq 0 ]
