#!/bin/sh
# SPDX-License-Identifier: MIT
# Chromium with SNAP switched on (its field trial WebRTC-Sctp-Snap: a=sctp-init in its offers
# and answers, draft-hancke-tsvwg-snap), for the browser harness's --chromium option.
exec "${CHROMIUM_REAL:-/usr/bin/chromium}" --force-fieldtrials=WebRTC-Sctp-Snap/Enabled/ "$@"
