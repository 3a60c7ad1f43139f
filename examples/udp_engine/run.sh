#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest example_udp_engine: `udp_engine --connect` against `udp_engine --listen`, then against
# `csctp echo --udp` (interop with the socket layer), then against a closed port, plus a bad
# argument; each on 127.0.0.1 on a random high UDP port, each client under `timeout`.
#   run.sh UDP_ENGINE SCRATCH_DIR [CSCTP_CLI]
set -euo pipefail
prog=$1 scratch=$2 cli=${3:-}
mkdir -p "$scratch"
pids=()
cleanup() { # only the servers this script started
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
fail() { echo "example_udp_engine: $*" >&2; exit 1; }
# wait_for LOG REGEX: up to 5 s for a line of LOG to match (servers log after the client left).
wait_for() {
  for _ in $(seq 50); do grep -q "$2" "$1" && return 0; sleep 0.1; done
  return 1
}

# start_server LOG CMD...: starts CMD on a free random port (PORT in CMD is replaced), waits
# until it logs "listening", sets $port and $server_pid.
start_server() {
  local log=$1
  shift
  for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    "${@//PORT/$port}" >"$log" 2>&1 &
    server_pid=$!
    pids+=("$server_pid")
    for _ in $(seq 50); do
      grep -q listening "$log" && return 0
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  done
  cat "$log" >&2
  fail "could not start: $*"
}

# client NAME: runs the client against $port with three messages and checks its output.
client() {
  local out
  out=$(timeout 20 "$prog" --connect "127.0.0.1:$port" hello "two words" 'third!') ||
    fail "$1: client failed or hung (exit $?): $out"
  echo "$out" | sed "s/^/[$1 client] /"
  for m in "echo: hello" "echo: two words" "echo: third!" "closed (graceful shutdown)"; do
    grep -qxF "$m" <<<"$out" || fail "$1: missing '$m'"
  done
}

echo "== udp_engine --connect against udp_engine --listen"
start_server "$scratch/server.log" "$prog" --listen PORT
client udp_engine
wait_for "$scratch/server.log" '^association closed$' || fail "server association not closed"
sed 's/^/[udp_engine server] /' "$scratch/server.log"
[ "$(grep -c '^echoed ' "$scratch/server.log")" -eq 3 ] || fail "server did not echo 3 messages"
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true

echo "== udp_engine --connect against a port where nothing listens any more"
out=$(timeout 20 "$prog" --connect "127.0.0.1:$port" hello 2>&1) && fail "closed port: exit 0"
grep -q "connection refused" <<<"$out" || fail "closed port: no clear error: $out"
echo "$out"

echo "== bad arguments"
out=$("$prog" --connect 127.0.0.1 hello 2>&1) && fail "bad argument: exit 0"
grep -q "usage:" <<<"$out" || fail "bad argument: no usage: $out"
echo "$out" | head -n 1

if [ -z "$cli" ]; then
  echo "== csctp CLI not built: interop with csctp echo skipped"
  exit 0
fi
echo "== udp_engine --connect against csctp echo --udp"
start_server "$scratch/cli.log" "$cli" echo --udp 127.0.0.1:PORT
client csctp-echo
wait_for "$scratch/cli.log" 'closed after 3 messages' || fail "csctp echo did not see 3 messages"
sed 's/^/[csctp echo] /' "$scratch/cli.log"
echo "example_udp_engine: ok"
