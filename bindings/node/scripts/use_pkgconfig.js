// SPDX-License-Identifier: MIT
// binding.gyp: 1 when the addon links an installed libcsctp_socket found by pkg-config
// (csctp-socket.pc) instead of the bundled sources: when CSCTP_USE_SYSTEM=1, or when the
// package carries no sources (csrc/) and pkg-config has it.
'use strict'
const fs = require('fs')
const path = require('path')
const { spawnSync } = require('child_process')
const bundled = fs.existsSync(path.join(__dirname, '..', 'csrc', 'src'))
const have = spawnSync('pkg-config', ['--exists', 'csctp-socket']).status === 0
if (process.env.CSCTP_USE_SYSTEM === '1' && !have) {
  console.error('CSCTP_USE_SYSTEM=1 but pkg-config does not find csctp-socket')
  process.exit(1)
}
console.log(process.env.CSCTP_USE_SYSTEM === '1' || (!bundled && have) ? 1 : 0)
