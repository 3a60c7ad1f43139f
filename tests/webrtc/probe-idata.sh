#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Which SCTP extensions do the browsers offer to csctp-peer? For issue 16 (I-DATA, RFC 8260):
# runs one or two browser-harness scenarios per browser setting against csctp-peer with
# CSCTP_CAPTURE on, and reads the INIT and INIT ACK chunks of both sides from the capture
# (tshark): the Supported Extensions parameter (0x8008) lists chunk types, I-DATA is 64 (0x40),
# I-FORWARD-TSN 194 (0xc2), RE-CONFIG 130 (0x82), FORWARD-TSN 192 (0xc0); parameter 0xc000 is
# Forward-TSN-Supported and 0x8001 Zero Checksum Acceptable (RFC 9653, value 1 = DTLS).
# Not a ctest: an investigation tool, its output goes into the issue.
#
# usage: tests/webrtc/probe-idata.sh CSCTP_PEER OUT_DIR [SETTING...]
#   SETTING: chromium-default, chromium-interleaving (--force-fieldtrials=
#   WebRTC-DataChannelMessageInterleaving/Enabled/), chromium-interleaving-disabled (/Disabled/),
#   firefox-dcsctp (default), firefox-usrsctp (media.peerconnection.sctp.use_dcsctp=false);
#   default: all five. $SCENARIOS (default "reliable-1 reverse-offer": the browser offers, then
#   csctp-peer offers). The harness is $CSCTP_INTEROP_DIR (default /tmp/interop), a copy of
#   ../shared/interop with node_modules (made with npm ci when missing). One browser at a time;
#   each run ends by itself (harness --max-seconds 120). Prints one table row per setting and
#   scenario; every capture stays in OUT_DIR/<setting>/<scenario>/.
set -euo pipefail

peer=$(realpath "${1:?usage: probe-idata.sh CSCTP_PEER OUT_DIR [SETTING...]}")
out=$(mkdir -p "${2:?usage: probe-idata.sh CSCTP_PEER OUT_DIR [SETTING...]}" && cd "$2" && pwd)
shift 2
settings=("$@")
[ ${#settings[@]} -gt 0 ] || settings=(chromium-default chromium-interleaving chromium-interleaving-disabled firefox-dcsctp firefox-usrsctp)
scenarios=${SCENARIOS:-reliable-1 reverse-offer}
harness=${CSCTP_INTEROP_DIR:-/tmp/interop}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
shared=${CSCTP_INTEROP_SRC:-$here/../../../shared/interop}

command -v tshark >/dev/null || { echo "probe-idata: tshark is missing" >&2; exit 77; }
if [ ! -d "$harness/node_modules" ]; then
  mkdir -p "$harness" && cp -r "$shared"/. "$harness"/ && (cd "$harness" && npm ci --no-audit --no-fund >/dev/null)
fi

# Chromium takes its extra switches through a wrapper given to the harness's --chromium.
wrap() { # name switches...
  local w="$out/chromium-$1.sh"; shift
  printf '#!/bin/sh\nexec "${CHROMIUM_REAL:-/usr/bin/chromium}" %s "$@"\n' "$*" >"$w"
  chmod +x "$w"; echo "$w"
}

# Chunk types of the Supported Extensions parameter, named, or "-" when absent.
names() {
  local s=$1 r=() t
  [ -n "$s" ] || { echo "-"; return; }
  IFS=, read -ra ts <<<"$s"
  for t in "${ts[@]}"; do
    case $t in 64) r+=("I-DATA(0x40)");; 194) r+=("I-FORWARD-TSN(0xc2)");; 130) r+=("RE-CONFIG(0x82)");;
      192) r+=("FORWARD-TSN(0xc0)");; 193) r+=("ASCONF(0xc1)");; 128) r+=("ASCONF-ACK(0x80)");;
      15) r+=("AUTH(0x0f)");; 132) r+=("PKTDROP(0x84)");; *) r+=("$t");; esac
  done
  (IFS=' '; echo "${r[*]}")
}

printf '| setting | scenario | side | chunk | Supported Extensions | params | I-DATA |\n'
printf '|---|---|---|---|---|---|---|\n'
for s in "${settings[@]}"; do
  args=()
  case $s in
    chromium-default) ;;
    chromium-interleaving) args=(--chromium "$(wrap interleaving --force-fieldtrials=WebRTC-DataChannelMessageInterleaving/Enabled/)");;
    chromium-interleaving-disabled) args=(--chromium "$(wrap interleaving-disabled --force-fieldtrials=WebRTC-DataChannelMessageInterleaving/Disabled/)");;
    firefox-dcsctp) args=(--browser firefox --pref media.peerconnection.sctp.use_dcsctp=true);;
    firefox-usrsctp) args=(--browser firefox --pref media.peerconnection.sctp.use_dcsctp=false);;
    chromium-trials=*) args=(--chromium "$(wrap "trials-$(echo "${s#chromium-trials=}" | tr -c 'A-Za-z0-9\n' _)" "--force-fieldtrials=${s#chromium-trials=}")");;
    chromium-args=*) args=(--chromium "$(wrap "args-$(echo "${s#chromium-args=}" | tr -c 'A-Za-z0-9\n' _)" "${s#chromium-args=}")");;
    firefox-pref=*) args=(--browser firefox --pref "${s#firefox-pref=}");;
    *) echo "probe-idata: unknown setting $s" >&2; exit 2;;
  esac
  for sc in $scenarios; do
    d="$out/$s/$sc"; rm -rf "$d"; mkdir -p "$d"
    cmd=(node run.mjs --netns --max-seconds 120 "${args[@]}" --peer "env CSCTP_CAPTURE=$d/cap $peer" --only "$sc")
    printf '%q ' "${cmd[@]}" >"$d/command"; echo >>"$d/command"
    (cd "$harness" && nice -n 5 "${cmd[@]}") >"$d/harness.log" 2>&1 || true
    result=$(tail -1 "$d/harness.log")
    f=$(ls "$d"/cap-*.pcapng 2>/dev/null | head -1 || true)
    if [ -z "$f" ]; then printf '| %s | %s | - | - | no capture (%s) | - | ? |\n' "$s" "$sc" "$result"; continue; fi
    # frame | src | chunk type | parameter types | supported chunk types | parameter values
    tshark -r "$f" -Y 'sctp.chunk_type == 1 or sctp.chunk_type == 2' -T fields -E separator='|' \
      -e frame.number -e ip.src -e sctp.chunk_type -e sctp.parameter_type -e sctp.supported_chunk_type \
      -e sctp.parameter_value 2>/dev/null >"$d/init.txt"
    while IFS='|' read -r fr src ct pt sup pv; do
      side=browser; [ "$src" = 10.0.0.1 ] && side=csctp
      chunk=INIT; [ "$ct" = 2 ] && chunk="INIT ACK"
      idata=no; [[ ",$sup," == *,64,* ]] && idata=yes
      params=$(echo "$pt" | sed 's/0x0007,\{0,1\}//; s/,$//')
      [[ "$pt" == *0x8001* ]] && params="$params (0x8001=${pv##*,})"
      printf '| %s | %s | %s | %s (frame %s) | %s | %s | %s |\n' "$s" "$sc" "$side" "$chunk" "$fr" "$(names "$sup")" "${params:--}" "$idata"
    done <"$d/init.txt"
  done
done
