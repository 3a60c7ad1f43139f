// SPDX-License-Identifier: MIT
// binding.gyp: the bundled C sources, one per line: `socket` (the default) the engine and
// the socket layer (csrc/src, csrc/transport); `peer` the layers below RTCPeerConnection
// (csrc/ice, csrc/dtls, csrc/datachannel, csrc/peer).
'use strict'
const fs = require('fs')
const path = require('path')
const base = path.resolve(__dirname, '..')
const DIRS = {
  socket: ['csrc/src', 'csrc/transport'],
  peer: ['csrc/ice', 'csrc/dtls', 'csrc/datachannel', 'csrc/peer']
}
for (const d of DIRS[process.argv[2] || 'socket']) {
  const dir = path.join(base, d)
  if (!fs.existsSync(dir)) continue
  for (const f of fs.readdirSync(dir).sort()) if (f.endsWith('.c')) console.log(d + '/' + f)
}
