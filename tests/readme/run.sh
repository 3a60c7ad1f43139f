#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest readme_example: the engine example of README.md ("Using the engine"), extracted from
# README.md now (not a copy), compiled with glue.c (a UDP socket, poll, a monotonic clock)
# against the built engine, and run against `csctp echo --udp` on 127.0.0.1. It connects,
# sends "hello" while handling CONNECTED, prints the echo, shuts down: the whole run must
# take well under a second (it took 30 s when output made in an event handler waited for
# the next timer).
#   run.sh CC INCLUDE_DIR LIBCSCTP_A CSCTP_CLI SCRATCH_DIR [GENERATED_INCLUDE_DIR]
# (GENERATED_INCLUDE_DIR: the build's include/, which holds csctp/version.h.)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cc=$1 inc=$2 lib=$3 cli=$4 scratch=$5 geninc=${6:-$2}
readme=$here/../../README.md
mkdir -p "$scratch"

# The first ```c block after the "## Using the engine" heading.
awk '/^## Using the engine/ {sec = 1; next} sec && /^## / {exit}
     sec && /^```c$/ {code = 1; next} code && /^```$/ {exit} code {print}' \
  "$readme" >"$scratch/readme_example.c"
lines=$(wc -l <"$scratch/readme_example.c")
if [ "$lines" -lt 20 ] || ! grep -q 'int run(void)' "$scratch/readme_example.c"; then
  echo "readme_example: no engine example with run() found in README.md ($lines lines)" >&2
  exit 1
fi
"$cc" -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -I"$inc" -I"$geninc" \
  "$scratch/readme_example.c" "$here/glue.c" "$lib" -lcrypto -o "$scratch/readme_example"

port=$((20000 + RANDOM % 20000))
"$cli" echo --udp "127.0.0.1:$port" >"$scratch/echo.log" 2>&1 &
echo_pid=$!
trap 'kill "$echo_pid" 2>/dev/null || true; wait "$echo_pid" 2>/dev/null || true' EXIT
sleep 0.3

out=$(timeout 20 "$scratch/readme_example" "$port") || {
  echo "readme_example: the example failed or hung: $out" >&2
  cat "$scratch/echo.log" >&2
  exit 1
}
echo "$out"
grep -q '^stream 0: 5 bytes$' <<<"$out" || { echo "readme_example: no echo of hello" >&2; exit 1; }
ms=$(sed -n 's/^run() returned 0 after \([0-9.]*\) ms$/\1/p' <<<"$out")
[ -n "$ms" ] || { echo "readme_example: run() did not return 0" >&2; exit 1; }
# Connect, hello and its echo, shutdown: a few loopback round trips.
if awk -v ms="$ms" 'BEGIN {exit !(ms < 500)}'; then
  echo "readme_example: ok, ${ms} ms"
else
  echo "readme_example: took ${ms} ms (limit 500 ms)" >&2
  exit 1
fi
