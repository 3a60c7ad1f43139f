// SPDX-License-Identifier: MIT
// binding.gyp: 1 when the addon links an installed libcsctp_socket found by pkg-config
// (csctp-socket.pc) instead of the bundled sources: when CSCTP_USE_SYSTEM=1, or when the
// package carries no sources (csrc/) and pkg-config has it. scripts/peer_deps.js asks the
// same through system().
'use strict'
const fs = require('fs')
const path = require('path')
const { spawnSync } = require('child_process')

// pkg-config finds every module of `mods`.
function have (...mods) {
  return spawnSync('pkg-config', ['--exists', ...mods]).status === 0
}

function system () {
  const bundled = fs.existsSync(path.join(__dirname, '..', 'csrc', 'src'))
  const found = have('csctp-socket')
  if (process.env.CSCTP_USE_SYSTEM === '1' && !found) {
    console.error('CSCTP_USE_SYSTEM=1 but pkg-config does not find csctp-socket')
    process.exit(1)
  }
  return process.env.CSCTP_USE_SYSTEM === '1' || (!bundled && found) ? 1 : 0
}

module.exports = { have, system }
if (require.main === module) console.log(system())
