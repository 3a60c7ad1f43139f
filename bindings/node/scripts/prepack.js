// SPDX-License-Identifier: MIT
// npm pack: copies the C sources the addon needs (the engine src/, the socket layer
// transport/; for RTCPeerConnection the peer layer peer/ and the layers below it, ice/,
// dtls/ and datachannel/; the public headers with version.h generated from version.h.in)
// from the csctp source tree into csrc/, so that the package builds where only Node's
// headers, GLib and OpenSSL are installed, and libnice for RTCPeerConnection (binding.gyp). The tree is the one this folder is in, or
// CSCTP_SOURCE_DIR (a copy of bindings/node packed elsewhere, as ctest node_package does).
'use strict'
const fs = require('fs')
const path = require('path')

const here = path.resolve(__dirname, '..')
const root = path.resolve(process.env.CSCTP_SOURCE_DIR || path.join(here, '..', '..'))
const out = path.join(here, 'csrc')

function copyDir (from, to, filter) {
  fs.mkdirSync(to, { recursive: true })
  for (const f of fs.readdirSync(from)) {
    if (filter(f)) fs.copyFileSync(path.join(from, f), path.join(to, f))
  }
}

if (!fs.existsSync(path.join(root, 'src', 'assoc.c'))) {
  console.error('prepack: no csctp source tree at ' + root + ' (set CSCTP_SOURCE_DIR)')
  process.exit(1)
}
fs.rmSync(out, { recursive: true, force: true })
const c = f => /\.[ch]$/.test(f)
copyDir(path.join(root, 'src'), path.join(out, 'src'), c)
copyDir(path.join(root, 'transport'), path.join(out, 'transport'), c)
// dtls/srtp.c (libsrtp sessions for media) is left out: the peer does not use it, and the
// package then needs no libsrtp2.
const PEER = { ice: c, dtls: f => c(f) && f !== 'srtp.c', datachannel: c, peer: c }
for (const [d, filter] of Object.entries(PEER)) copyDir(path.join(root, d), path.join(out, d), filter)
copyDir(path.join(root, 'include', 'csctp'), path.join(out, 'include', 'csctp'), f => /\.h$/.test(f))
fs.copyFileSync(path.join(root, 'LICENSE'), path.join(here, 'LICENSE'))

// version.h from version.h.in and project(VERSION) of CMakeLists.txt.
const cmake = fs.readFileSync(path.join(root, 'CMakeLists.txt'), 'utf8')
const m = /project\(csctp VERSION (\d+)\.(\d+)\.(\d+)/.exec(cmake)
if (!m) throw new Error('prepack: no project(csctp VERSION ...) in CMakeLists.txt')
const [major, minor, patch] = m.slice(1).map(Number)
const hex = '0x' + [major, minor, patch].map(n => n.toString(16).padStart(2, '0')).join('')
const vin = fs.readFileSync(path.join(root, 'include', 'csctp', 'version.h.in'), 'utf8')
fs.writeFileSync(path.join(out, 'include', 'csctp', 'version.h'), vin
  .replace(/@PROJECT_VERSION_MAJOR@/g, major)
  .replace(/@PROJECT_VERSION_MINOR@/g, minor)
  .replace(/@PROJECT_VERSION_PATCH@/g, patch)
  .replace(/@PROJECT_VERSION@/g, `${major}.${minor}.${patch}`)
  .replace(/@CSCTP_VERSION_NUM_HEX@/g, hex))
const left = /@[A-Z_]+@/.exec(fs.readFileSync(path.join(out, 'include', 'csctp', 'version.h'), 'utf8'))
if (left) throw new Error('prepack: version.h.in has ' + left[0] + ', which prepack.js does not fill')
console.error('prepack: C sources of ' + root + ' in csrc/')
