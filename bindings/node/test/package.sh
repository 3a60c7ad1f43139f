#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest node_package: `npm pack` of bindings/node (its prepack copies the C sources in), then
# `npm install --offline` of the tarball into an empty project, where node-gyp builds the
# addon against the system's Node headers (npm_config_nodedir, default /usr) without
# downloading anything; then the installed package runs an association over UDP, and two
# of its RTCPeerConnections connect over 127.0.0.1 and exchange a message each way
# (test/examples/package_pc.js) when pkg-config has what the peer layer needs (nice,
# glib-2.0, libssl, libcrypto); without those, the package must say so when asked for one.
# With BUILD_DIR (a CMake build of the tree), also the other way: the build installed into
# a scratch prefix, and the same package installed with CSCTP_USE_SYSTEM=1 links that
# libcsctp_socket through pkg-config (csctp-socket.pc) instead of its bundled sources, and
# libcsctp_peer (csctp-peer.pc) for RTCPeerConnection when the build has the peer layer.
# usage: package.sh SOURCE_DIR SCRATCH_DIR [BUILD_DIR]. Exit 77 (skipped) without node, npm,
# python3, make or pkg-config.
set -euo pipefail
src=$1
scratch=$2
build=${3:-}
for t in node npm python3 make pkg-config; do
  command -v "$t" >/dev/null || { echo "node_package: skipped: $t not found" >&2; exit 77; }
done
nodedir=${npm_config_nodedir:-/usr}
[ -f "$nodedir/include/node/node_api.h" ] ||
  { echo "node_package: skipped: no $nodedir/include/node/node_api.h" >&2; exit 77; }
rm -rf "$scratch"
mkdir -p "$scratch/pkg" "$scratch/app" "$scratch/home"
# A copy, so that packing writes nothing into the source tree; HOME and the npm cache in the
# scratch directory: nothing read from or written to the user's.
cp -R "$src/bindings/node/lib" "$src/bindings/node/src" "$src/bindings/node/scripts" \
  "$src/bindings/node/binding.gyp" "$src/bindings/node/package.json" "$scratch/pkg/"
[ -f "$src/bindings/node/README.md" ] && cp "$src/bindings/node/README.md" "$scratch/pkg/"
export HOME=$scratch/home npm_config_cache=$scratch/home/npm-cache npm_config_update_notifier=false
export npm_config_nodedir=$nodedir JOBS=${JOBS:-2}
cd "$scratch/pkg"
tgz=$(CSCTP_SOURCE_DIR=$src npm pack --silent 2>"$scratch/pack.log" | tail -n1) ||
  { cat "$scratch/pack.log" >&2; exit 1; }
tar -tzf "$tgz" >"$scratch/files.txt"
for f in src/assoc.c transport/socket.c peer/peer.c ice/ice_agent.c dtls/dtls.c datachannel/dc.c; do
  grep -q "^package/csrc/$f\$" "$scratch/files.txt" || { echo "node_package: no csrc/$f in $tgz" >&2; exit 1; }
done
echo "node_package: packed $tgz ($(wc -l <"$scratch/files.txt") files)"
cd "$scratch/app"
printf '{"name":"app","version":"1.0.0","private":true}\n' >package.json
if ! npm install --offline --no-audit --no-fund --foreground-scripts "../pkg/$tgz" >"$scratch/install.log" 2>&1; then
  tail -n 40 "$scratch/install.log" >&2
  echo "node_package: npm install --offline failed (log: $scratch/install.log)" >&2
  exit 1
fi
[ -f node_modules/csctp/build/Release/csctp.node ] || { echo "node_package: no csctp.node built" >&2; exit 1; }
# The installed package, not the build tree's addon.
unset CSCTP_NODE_ADDON
check() { # an association over UDP through the installed package, in $PWD
  timeout 30 node -e '
const sctp = require("csctp")
const server = sctp.createServer()
server.listen({ port: 5000, host: "127.0.0.1", udpPort: 0 }, () => {
  const c = sctp.connect({ port: 5000, udpPeer: { address: "127.0.0.1", port: server.address().udpPort }, udpLocalPort: 0 })
  c.on("data", d => { if (d.toString() !== "PING") process.exit(2); c.end() })
  c.on("close", () => { server.close(); console.log("node_package: installed package works (" + process.argv[1] + ")") })
  c.on("connect", () => c.write("ping"))
})
server.on("connection", s => s.on("data", d => s.write(d.toString().toUpperCase())))
' "$1"
}
pc_check() { # two RTCPeerConnections of the installed package, in $PWD
  timeout 60 node "$src/bindings/node/test/examples/package_pc.js" "$1"
}
no_pc_check() { # an addon without the peer layer says so, and why
  timeout 30 node -e '
try {
  new (require("csctp").RTCPeerConnection)()
} catch (e) {
  if (e.code !== "ERR_CSCTP_NO_PEER") throw e
  console.log("node_package: no RTCPeerConnection (" + process.argv[1] + "): " + e.message)
  process.exit(0)
}
process.exit(3)
' "$1"
}
check "bundled sources"
if pkg-config --exists nice glib-2.0 libssl libcrypto; then
  pc_check "bundled sources"
else
  echo "node_package: pkg-config lacks nice, glib-2.0, libssl or libcrypto: RTCPeerConnection not built"
  no_pc_check "bundled sources"
fi
[ -n "$build" ] || exit 0

# pkg-config: the build installed into a prefix, the package linking it.
cmake --install "$build" --prefix "$scratch/prefix" >"$scratch/cmake-install.log" 2>&1 ||
  { cat "$scratch/cmake-install.log" >&2; exit 1; }
pc=$(dirname "$(find "$scratch/prefix" -name csctp-socket.pc | head -n1)")
export PKG_CONFIG_PATH=$pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
mkdir -p "$scratch/app-system"
cd "$scratch/app-system"
printf '{"name":"app","version":"1.0.0","private":true}\n' >package.json
if ! CSCTP_USE_SYSTEM=1 npm install --offline --no-audit --no-fund --foreground-scripts \
  "../pkg/$tgz" >"$scratch/install-system.log" 2>&1; then
  tail -n 40 "$scratch/install-system.log" >&2
  echo "node_package: npm install with CSCTP_USE_SYSTEM=1 failed (log: $scratch/install-system.log)" >&2
  exit 1
fi
grep -q 'CC(target) Release/obj.target/csctp/csrc/' "$scratch/install-system.log" &&
  { echo "node_package: CSCTP_USE_SYSTEM=1 built the bundled sources" >&2; exit 1; }
export LD_LIBRARY_PATH=$(pkg-config --variable=libdir csctp-socket)
ldd node_modules/csctp/build/Release/csctp.node >"$scratch/ldd-system.txt"
grep -q "libcsctp_socket.so" "$scratch/ldd-system.txt" ||
  { echo "node_package: csctp.node does not link libcsctp_socket.so" >&2; exit 1; }
check "libcsctp_socket from pkg-config"
if pkg-config --exists csctp-peer; then
  grep -q "libcsctp_peer.so" "$scratch/ldd-system.txt" ||
    { echo "node_package: csctp.node does not link libcsctp_peer.so" >&2; exit 1; }
  pc_check "libcsctp_peer from pkg-config"
else
  echo "node_package: the build installed no csctp-peer.pc: RTCPeerConnection not built"
  no_pc_check "no csctp-peer from pkg-config"
fi
