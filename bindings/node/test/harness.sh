#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest node_pc_browser_<browser>: the browser harness (../shared/interop, its run-ci.sh, as
# CI runs it for tools/csctp-peer) against examples/harness-peer.js, the harness's peer
# contract on lib/peerconnection.js, with the addon CSCTP_NODE_ADDON. One retry, as CI does:
# the maxRetransmits:0 scenario needs 90 % of a burst through the browser's socket.
# usage: harness.sh INTEROP_DIR BROWSER [run.mjs options]. Exit 77 (skipped) without the
# harness, the browser, npm or CSCTP_NODE_ADDON.
set -euo pipefail
interop=$1
browser=$2
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
skip() { echo "node_pc_browser_$browser: skipped: $*" >&2; exit 77; }
[ -f "$interop/run-ci.sh" ] || skip "no $interop/run-ci.sh"
[ -n "${CSCTP_NODE_ADDON:-}" ] && [ -f "$CSCTP_NODE_ADDON" ] || skip "CSCTP_NODE_ADDON not built"
command -v npm >/dev/null || skip "npm not found"
case $browser in
chromium) bin=${CHROMIUM:-/usr/bin/chromium} ;;
firefox) bin=${FIREFOX:-/usr/bin/firefox-esr} ;;
*) echo "harness.sh: unknown browser $browser" >&2; exit 2 ;;
esac
[ -x "$bin" ] || skip "no $bin"
peer="$(command -v node) $here/examples/harness-peer.js"
sh "$interop/run-ci.sh" "$peer" --browser "$browser" "$@" && exit 0
echo "==== node_pc_browser_$browser: harness failed once; running it again"
sh "$interop/run-ci.sh" "$peer" --browser "$browser" "$@"
