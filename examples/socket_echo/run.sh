#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest example_socket_echo: `socket_echo client` against `socket_echo server` on 127.0.0.1 on
# a random high UDP port (the client under `timeout`), then two clients at once, a bad
# argument, and the server's clean exit on SIGTERM.
#   run.sh SOCKET_ECHO SCRATCH_DIR
set -euo pipefail
prog=$1 scratch=$2
mkdir -p "$scratch"
log=$scratch/server.log
server_pid=
cleanup() { # only the server this script started
  [ -n "$server_pid" ] || return 0
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
}
trap cleanup EXIT
fail() { echo "example_socket_echo: $*" >&2; exit 1; }

# A free random port: retry when the server cannot bind it.
for _ in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  "$prog" server "$port" >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 50); do
    grep -q listening "$log" && break 2
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  cleanup
  server_pid=
done
[ -n "$server_pid" ] || { cat "$log" >&2; fail "the server did not start"; }

# client NAME TEXT...: runs one client and checks that every TEXT came back.
client() {
  local name=$1 out m
  shift
  out=$(timeout 20 "$prog" client 127.0.0.1 "$port" "$@") ||
    fail "$name: client failed or hung (exit $?): $out"
  echo "$out" | sed "s/^/[$name] /"
  for m in "$@"; do grep -qxF "echo: $m" <<<"$out" || fail "$name: no echo of '$m'"; done
  grep -qx closed <<<"$out" || fail "$name: no graceful close"
}

echo "== one client"
client client1 hello "two words" 'third!'
echo "== two clients at once"
client client2 a b c d e &
c2=$!
client client3 "from three" &
c3=$!
wait "$c2" || fail "client2 failed"
wait "$c3" || fail "client3 failed"

echo "== bad arguments"
out=$("$prog" client 127.0.0.1 "$port" 2>&1) && fail "bad argument: exit 0"
grep -q "usage:" <<<"$out" || fail "bad argument: no usage: $out"
echo "$out" | head -n 1

echo "== server, stopped by SIGTERM"
# The server logs each close after the client's SHUTDOWN COMPLETE: wait up to 5 s for all 3.
for _ in $(seq 50); do
  [ "$(grep -c '^connection closed$' "$log")" -ge 3 ] && break
  sleep 0.1
done
kill -TERM "$server_pid"
wait "$server_pid" || fail "the server exited with $? on SIGTERM"
server_pid=
sed 's/^/[server] /' "$log"
[ "$(grep -c '^echoed ' "$log")" -eq 9 ] || fail "the server did not echo 9 messages"
[ "$(grep -c '^connection closed$' "$log")" -eq 3 ] || fail "the server did not close 3 connections"
echo "example_socket_echo: ok"
