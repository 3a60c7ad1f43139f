#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest example_peer_websocket: headless Chromium against examples/peer_websocket.
#   1. "c":     peer_websocket --test 1; one page offers a data channel to the C peer in the
#               program, sends a text and a 1000-byte binary message and reports over the
#               WebSocket whether both came back unchanged within 5 s; the program prints PASS.
#   2. "relay": peer_websocket --relay --test 1; two tabs of one Chromium in the same room,
#               the first offers, the second echoes; the first reports.
# The second tab is opened through Chromium's DevTools HTTP endpoint (headless Chromium takes
# one URL on its command line). The page asks for the (fake) microphone with ?test=1: Chromium
# gathers loopback candidates only for a page holding that permission.
#
# usage: test.sh PEER_WEBSOCKET SCRATCH_DIR
# Runs in a private network namespace with only lo (unshare -rn) when the kernel allows it.
# Exit 0 when both passed, 77 (skipped) only when Chromium is missing, 1 otherwise. Logs of
# each case (the program's output, Chromium's) are kept in SCRATCH_DIR/<case>/.
set -euo pipefail

prog=${1:?usage: test.sh PEER_WEBSOCKET SCRATCH_DIR}
scratch=${2:?usage: test.sh PEER_WEBSOCKET SCRATCH_DIR}
say() { printf 'example_peer_websocket: %s\n' "$*" >&2; }

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  say "skipped: Chromium is needed (apt-get install chromium)"
  exit 77
fi
[ -x "$prog" ] || { say "FAILED: $prog is not an executable"; exit 1; }
prog=$(cd "$(dirname "$prog")" && pwd)/$(basename "$prog")
mkdir -p "$scratch"
scratch=$(cd "$scratch" && pwd)

# A private network namespace with only lo: nothing leaves loopback. unshare -r maps us to
# root inside (as root, and as a normal user where the kernel allows user namespaces).
if [ -z "${PEER_WS_IN_NETNS:-}" ] && command -v unshare >/dev/null 2>&1 &&
  command -v ip >/dev/null 2>&1 && unshare -rn ip link set lo up >/dev/null 2>&1; then
  say "running in a private network namespace (unshare -rn, only lo)"
  export PEER_WS_IN_NETNS=1
  exec unshare -rn bash -c 'ip link set lo up && exec bash "$@"' bash "$0" "$prog" "$scratch"
fi
[ -n "${PEER_WS_IN_NETNS:-}" ] || say "running on 127.0.0.1 (unshare -rn unavailable)"

server="" browser=""
# running PID: the process exists and is not a zombie (kill -0 succeeds on a zombie).
running() {
  local st
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}
# stop PID [group]: TERM to it (or its process group), KILL after 5 s, reap it.
stop() {
  local pid=$1 target=$1
  [ "${2:-}" = group ] && target=-$1
  kill -TERM -- "$target" 2>/dev/null || true
  for _ in $(seq 50); do running "$pid" || break; sleep 0.1; done
  kill -KILL -- "$target" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ "$target" != "$pid" ]; then # the group's other processes (renderers): 5 s more
    for _ in $(seq 50); do kill -0 -- "$target" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "$target" 2>/dev/null || true
  fi
}
stop_all() { # only what this script started: the program and Chromium's process group
  if [ -n "$browser" ]; then stop "$browser" group; fi
  if [ -n "$server" ]; then stop "$server"; fi
  server="" browser=""
}
trap stop_all EXIT

# Opens URL in a new tab of the Chromium whose profile is $1, through its DevTools endpoint
# (PUT /json/new?URL, its & escaped), with bash's /dev/tcp: no other tool needed.
open_tab() {
  local profile=$1 url=$2 port=""
  for _ in $(seq 100); do # 10 s for Chromium to start
    port=$(head -n1 "$profile/DevToolsActivePort" 2>/dev/null || true)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { say "Chromium wrote no DevToolsActivePort in 10 s"; return 1; }
  timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" &&
    printf "PUT /json/new?%s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n" "$2" "$1" >&3 &&
    head -n1 <&3' bash "$port" "${url//&/%26}" | grep -q ' 200 ' ||
    { say "Chromium did not open a second tab"; return 1; }
}

# run_case NAME PAGES [PROGRAM OPTIONS...]
# What the server refuses: a WebSocket from another page's origin (403), a file outside its
# list (404). curl speaks the handshake; without curl these checks are skipped, said so.
refusals() {
  local base=$1 code
  if ! command -v curl >/dev/null 2>&1; then
    say "c: no curl: the 403/404 checks are skipped"
    return 0
  fi
  code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' -H 'Connection: Upgrade' \
    -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' -H 'Origin: http://evil.example' \
    "${base}ws" || true)
  [ "$code" = 403 ] || { say "c: FAILED: a WebSocket from another origin got $code, not 403"; return 1; }
  code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' --path-as-is "${base}../CMakeLists.txt" || true)
  [ "$code" = 404 ] || { say "c: FAILED: a file outside the list got $code, not 404"; return 1; }
  say "c: refused: another origin's WebSocket (403), a file outside the list (404)"
}

run_case() {
  local name=$1 pages=$2
  shift 2
  local dir="$scratch/$name" url="" rc=0
  rm -rf "$dir"
  mkdir -p "$dir/profile"
  # The program gives up by itself after 30 s; timeout(1) is a second guard.
  timeout 45 "$prog" --port 0 --test 1 --timeout 30 "$@" >"$dir/program.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do # 10 s for the URL line
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$dir/program.log" || true)
    [ -n "$url" ] && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$url" ]; then
    say "$name: FAILED: the program printed no URL"
    cat "$dir/program.log" >&2
    stop_all
    return 1
  fi
  if [ "$name" = c ] && ! refusals "$url"; then
    cat "$dir/program.log" >&2
    stop_all
    return 1
  fi
  url="${url}?test=1&room=$name"
  local devtools=() # the DevTools endpoint, on loopback, only to open the second tab
  [ "$pages" -eq 2 ] && devtools=(--remote-debugging-address=127.0.0.1 --remote-debugging-port=0)
  # Its own process group (setsid), so that stopping it also stops its renderers.
  setsid "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$dir/profile" --allow-loopback-in-peer-connection \
    --disable-features=WebRtcHideLocalIpsWithMdns \
    --use-fake-ui-for-media-stream --use-fake-device-for-media-stream \
    "${devtools[@]}" "$url" >"$dir/chromium.log" 2>&1 &
  browser=$!
  if [ "$pages" -eq 2 ] && ! open_tab "$dir/profile" "$url"; then rc=1; fi
  if [ "$rc" -eq 0 ]; then wait "$server" || rc=$?; fi
  server=""
  stop_all
  sed "s/^/  $name: /" "$dir/program.log" >&2
  if [ "$rc" -ne 0 ] || ! grep -q '^PASS$' "$dir/program.log"; then
    say "$name: FAILED (exit $rc); Chromium's log: $dir/chromium.log"
    return 1
  fi
  say "$name: ok"
}

status=0
run_case c 1 || status=1
run_case relay 2 --relay || status=1
[ "$status" -eq 0 ] && say "PASS: the C peer and the relay"
exit "$status"
