// SPDX-License-Identifier: MIT
// The original module's README examples run unchanged (but for the require) as their own
// processes: the "Example" section (raw IP: root, and no kernel SCTP module) and the UDP
// mode's connect() forms.
'use strict'
const test = require('node:test')
const assert = require('node:assert')
const fs = require('fs')
const path = require('path')
const { execFile } = require('child_process')
const { freeUdpPort } = require('./support/helpers')

function run (file, args, env) {
  return new Promise(resolve => {
    execFile(process.execPath, [path.join(__dirname, 'examples', file), ...args],
      { timeout: 15000, env: Object.assign({}, process.env, env || {}) },
      (err, stdout, stderr) => resolve({ code: err ? (err.code || err.signal) : 0, stdout, stderr }))
  })
}

function rawSkip () {
  if (process.getuid && process.getuid() !== 0) return 'raw IP needs root'
  if (fs.existsSync('/sys/module/sctp')) return 'the kernel SCTP module is loaded: it answers protocol 132 itself'
  return false
}

test('README "Example" section (raw IP on loopback)', { timeout: 20000, skip: rawSkip() }, async () => {
  const r = await run('readme_example.js', [])
  assert.strictEqual(r.code, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  assert.strictEqual(lines[0], 'server listening')
  assert.match(r.stdout, /remote socket connected from 127\.0\.0\.1 \d+/)
  assert.match(r.stdout, /socket connected/)
  assert.match(r.stdout, /server socket received data <Buffer 01 00 03 01 00 00 00 10 00 11 00 08 00 00 03 ea/)
  assert.match(r.stdout, /socket received data from server <Buffer 01 00 03 04 00 00 00 10 00 11 00 08 00 00 03 ea/)
})

test('README UDP mode: udpTransport with udpPeer {host, port}, and a DTLS-like socket alone', { timeout: 20000 }, async () => {
  const a = await freeUdpPort()
  let b = await freeUdpPort()
  while (b === a) b = await freeUdpPort()
  const r = await run('readme_udp.js', [String(a), String(b)])
  assert.strictEqual(r.code, 0, r.stderr)
  assert.deepStrictEqual(r.stdout.trim().split('\n'), [
    'passive socket received ping ppid 51',
    'active socket received pong',
    'passive socket end',
    'closed'
  ])
})

test('DEBUG=sctp:* turns on the C library\'s sctp log (CSCTP_DEBUG)', { timeout: 20000 }, async () => {
  const a = await freeUdpPort()
  let b = await freeUdpPort()
  while (b === a) b = await freeUdpPort()
  const env = { DEBUG: 'sctp:*', CSCTP_DEBUG: '' }
  const r = await run('readme_udp.js', [String(a), String(b)], env)
  assert.strictEqual(r.code, 0, r.stderr)
  assert.match(r.stderr, /^csctp: /m, 'log lines on stderr')
  const quiet = await run('readme_udp.js', [String(a), String(b)], { DEBUG: '', CSCTP_DEBUG: '' })
  assert.doesNotMatch(quiet.stderr, /^csctp: /m, 'and none without DEBUG')
})
