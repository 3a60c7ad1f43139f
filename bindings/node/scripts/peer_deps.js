// SPDX-License-Identifier: MIT
// binding.gyp: 1 when the addon gets RTCPeerConnection (src/pc.c over the peer layer), else
// 0. With the bundled sources, that needs the peer's sources in csrc/ and pkg-config's nice
// (libnice, with GLib's gio), glib-2.0, libssl and libcrypto; with an installed csctp
// (scripts/use_pkgconfig.js), its csctp-peer.pc. With --missing: what was not found, the
// text lib/peerconnection.js puts in its error (addon.c's pcMissing).
'use strict'
const fs = require('fs')
const path = require('path')
const { have, system } = require('./use_pkgconfig')

// The pkg-config modules of the bundled peer layer and the Debian packages that have them.
const MODULES = { nice: 'libnice-dev', 'glib-2.0': 'libglib2.0-dev', libssl: 'libssl-dev', libcrypto: 'libssl-dev' }

function missing () {
  if (system()) return have('csctp-peer') ? '' : 'csctp-peer (pkg-config: the installed csctp has no peer layer)'
  if (!fs.existsSync(path.join(__dirname, '..', 'csrc', 'peer'))) return 'the peer sources (csrc/peer)'
  const absent = Object.keys(MODULES).filter(m => !have(m))
  if (!absent.length) return ''
  const debs = [...new Set(absent.map(m => MODULES[m]))]
  return absent.join(', ') + ' (pkg-config; Debian: ' + debs.join(' ') + ')'
}

const m = missing()
console.log(process.argv[2] === '--missing' ? m : m ? 0 : 1)
