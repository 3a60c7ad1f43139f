# SPDX-License-Identifier: MIT
# The addon for npm install (node-gyp): the bundled C sources of the package (csrc/, put
# there by scripts/prepack.js at npm pack) with GLib and libcrypto from pkg-config, or an
# installed libcsctp_socket found by pkg-config (CSCTP_USE_SYSTEM=1, or no csrc/). Offline
# against the system's Node headers: npm_config_nodedir=/usr (Debian, NodeSource).
{
  "variables": {
    "csctp_system%": "<!(node scripts/use_pkgconfig.js)"
  },
  "targets": [
    {
      "target_name": "csctp",
      "sources": ["src/addon.c", "src/loop.c", "src/sock.c"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE", "CSCTP_STATIC"],
      "cflags": ["-std=c11", "-fvisibility=hidden", "-Wall", "-Wno-unused-parameter"],
      "cflags_c": ["-std=c11"],
      "conditions": [
        ["csctp_system==1", {
          "cflags": ["<!@(pkg-config --cflags csctp-socket)"],
          "libraries": ["<!@(pkg-config --libs csctp-socket)"]
        }, {
          "sources": ["<!@(node scripts/sources.js)"],
          "include_dirs": ["csrc/include", "csrc/src", "csrc/transport"],
          "cflags": ["<!@(pkg-config --cflags glib-2.0)"],
          "libraries": ["<!@(pkg-config --libs glib-2.0 libcrypto)"]
        }]
      ]
    }
  ]
}
