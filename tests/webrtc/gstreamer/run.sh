#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest webrtc_gstreamer: GStreamer webrtcbin (1.22, Debian) plays the browser's role against
# csctp-peer through the peer contract of ../shared/interop, both offer directions (driver.py).
#   run.sh <csctp-peer> <csctp CLI> <scratch dir>
# Exit 77 (skipped) only when a Debian package is missing, saying which on stderr.
# Runs in a private network namespace with only lo (unshare -n, a user namespace when not root).
# Optional: CSCTP_WRTC_ECHO="node /abs/wrtc_echo.mjs" (libwebrtc's echo peer, @roamhq/wrtc
# installed) adds the same bulk against libwebrtc in the same run, with the ratio.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
peer=${1:?usage: run.sh <csctp-peer> <csctp CLI> <scratch dir>}
scratch=${3:?usage: run.sh <csctp-peer> <csctp CLI> <scratch dir>}
py=/usr/bin/python3

skip() { printf 'webrtc_gstreamer: skipped: %s\n' "$*" >&2; exit 77; }
[ -x "$py" ] || skip "no $py (Debian python3)"
why=$("$py" - <<'EOF' 2>&1
import sys
try:
    import gi
except ImportError:
    sys.exit('python3-gi missing (apt-get install python3-gst-1.0)')
for ns, ver, pkg in (('Gst', '1.0', 'gir1.2-gstreamer-1.0'), ('GstSdp', '1.0', 'gir1.2-gst-plugins-base-1.0'),
                     ('GstWebRTC', '1.0', 'gir1.2-gst-plugins-bad-1.0'), ('Nice', '0.1', 'gir1.2-nice-0.1')):
    try:
        gi.require_version(ns, ver)
        __import__('gi.repository.' + ns)
    except (ValueError, ImportError):
        sys.exit(f'GObject introspection for {ns} {ver} missing (apt-get install {pkg})')
from gi.repository import Gst
Gst.init(None)
for el, pkg in (('webrtcbin', 'gstreamer1.0-plugins-bad'), ('nicesrc', 'gstreamer1.0-nice'),
                ('dtlssrtpenc', 'gstreamer1.0-plugins-bad'), ('sctpenc', 'gstreamer1.0-plugins-bad')):
    if Gst.ElementFactory.find(el) is None:
        sys.exit(f'GStreamer element {el} missing (apt-get install {pkg})')
EOF
) || skip "$why"
[ -x "$peer" ] || { echo "webrtc_gstreamer: $peer is not executable" >&2; exit 1; }

mkdir -p "$scratch"
rm -rf "$scratch/logs"
args=(--peer "$peer" --log-dir "$scratch/logs")
[ -n "${CSCTP_WRTC_ECHO:-}" ] && args+=(--compare-peer "$CSCTP_WRTC_ECHO")

cmd=("$py" "$here/driver.py" "${args[@]}" "${@:4}")
if [ "${CSCTP_WEBRTC_NETNS:-1}" = 1 ] && command -v unshare >/dev/null && command -v ip >/dev/null &&
  unshare $([ "$(id -u)" = 0 ] || echo --map-root-user) --net true 2>/dev/null; then
  exec unshare $([ "$(id -u)" = 0 ] || echo --map-root-user) --net \
    /bin/sh -c 'ip link set lo up && exec "$@"' sh "${cmd[@]}"
fi
# No private namespace: candidates are restricted to 127.0.0.1 on both sides anyway.
echo "webrtc_gstreamer: no private network namespace (unshare -n); loopback candidates only" >&2
exec "${cmd[@]}"
