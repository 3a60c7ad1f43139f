// SPDX-License-Identifier: MIT
// binding.gyp: the bundled C sources (csrc/src/*.c, csrc/transport/*.c), one per line.
'use strict'
const fs = require('fs')
const path = require('path')
const base = path.resolve(__dirname, '..')
for (const d of ['csrc/src', 'csrc/transport']) {
  const dir = path.join(base, d)
  if (!fs.existsSync(dir)) continue
  for (const f of fs.readdirSync(dir).sort()) if (f.endsWith('.c')) console.log(d + '/' + f)
}
