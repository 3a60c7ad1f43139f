# SPDX-License-Identifier: MIT
# The addon for npm install (node-gyp): the bundled C sources of the package (csrc/, put
# there by scripts/prepack.js at npm pack) with GLib and libcrypto from pkg-config, or an
# installed libcsctp_socket found by pkg-config (CSCTP_USE_SYSTEM=1, or no csrc/). Offline
# against the system's Node headers: npm_config_nodedir=/usr (Debian, NodeSource).
# RTCPeerConnection (src/pc.c, CSCTP_NODE_PC) when scripts/peer_deps.js finds what the peer
# layer needs: libnice, GLib and OpenSSL for the bundled sources, csctp-peer.pc for an
# installed csctp. Without them the addon has the socket API alone, and CSCTP_NODE_PC_MISSING
# says why (the error of lib/peerconnection.js). Linked -z nodelete (see CMakeLists.txt): a
# worker thread that ends must not unload libnice behind GLib's type system.
{
  "variables": {
    "csctp_system%": "<!(node scripts/use_pkgconfig.js)",
    "csctp_pc%": "<!(node scripts/peer_deps.js)"
  },
  "targets": [
    {
      "target_name": "csctp",
      "sources": ["src/addon.c", "src/loop.c", "src/sock.c"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE", "CSCTP_STATIC"],
      "cflags": ["-std=c11", "-fvisibility=hidden", "-Wall", "-Wno-unused-parameter"],
      "cflags_c": ["-std=c11"],
      "ldflags": ["-Wl,-z,nodelete"],
      "conditions": [
        ["csctp_system==1", {
          "cflags": ["<!@(pkg-config --cflags csctp-socket)"],
          "libraries": ["<!@(pkg-config --libs csctp-socket)"]
        }, {
          "sources": ["<!@(node scripts/sources.js socket)"],
          "include_dirs": ["csrc/include", "csrc/src", "csrc/transport"],
          "cflags": ["<!@(pkg-config --cflags glib-2.0)"],
          "libraries": ["<!@(pkg-config --libs glib-2.0 libcrypto)"]
        }],
        ["csctp_pc==1", {
          "sources": ["src/pc.c", "src/pc_opts.c"],
          "defines": ["CSCTP_NODE_PC=1"]
        }, {
          "defines": ["CSCTP_NODE_PC_MISSING=\"<!(node scripts/peer_deps.js --missing)\""]
        }],
        ["csctp_pc==1 and csctp_system==1", {
          "cflags": ["<!@(pkg-config --cflags csctp-peer)"],
          "libraries": ["<!@(pkg-config --libs csctp-peer)"]
        }],
        ["csctp_pc==1 and csctp_system==0", {
          "sources": ["<!@(node scripts/sources.js peer)"],
          "include_dirs": ["csrc/ice", "csrc/dtls", "csrc/datachannel", "csrc/peer"],
          "cflags": ["<!@(pkg-config --cflags nice libssl)"],
          "libraries": ["<!@(pkg-config --libs nice libssl libcrypto)"]
        }]
      ]
    }
  ]
}
