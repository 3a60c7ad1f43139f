// SPDX-License-Identifier: MIT
// Interop with the original module itself (npm sctp 1.0.0, pinned by
// tests/transport/node/package-lock.json and installed with `npm ci` into a scratch
// directory; skipped when the registry cannot be reached) over UDP on loopback, both ways:
//  - its client (tests/transport/node/peer.js, a dgram udpTransport) against a csctp server
//    (csctp's own UDP socket) that echoes every message on its stream with its PPID;
//  - a csctp client (a dgram udpTransport) against its passive socket that echoes, with
//    every echo checked and a graceful shutdown that both sides must see.
'use strict'
const test = require('node:test')
const assert = require('node:assert')
const fs = require('fs')
const path = require('path')
const { execFile, spawn } = require('child_process')
const { sctp, freeUdpPort, boundUdp, sctpPort, scratchDir, waitFor, until } = require('./support/helpers')

const SRC = path.resolve(__dirname, '..', '..', '..', 'tests', 'transport', 'node')
let modules = null
let skipReason = null

test.before(async () => {
  const dir = scratchDir('interop')
  for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(SRC, f), path.join(dir, f))
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const rc = await new Promise(resolve => {
    execFile(npm, ['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--silent'],
      { cwd: dir, timeout: 120000 }, err => resolve(err))
  })
  if (rc || !fs.existsSync(path.join(dir, 'node_modules', 'sctp', 'lib', 'index.js'))) {
    skipReason = 'npm ci of sctp 1.0.0 failed (no registry?): ' + (rc && rc.message.split('\n')[0])
    return
  }
  modules = path.join(dir, 'node_modules')
})

// Runs tests/transport/node/peer.js with the original module; resolves with its exit code.
// A test that fails leaves no peer behind (test.afterEach).
const children = new Set()
test.afterEach(() => {
  for (const p of children) p.kill('SIGKILL')
  children.clear()
})
function peer (args) {
  return new Promise(resolve => {
    const p = spawn(process.execPath, [path.join(SRC, 'peer.js'), ...args.map(String)], {
      env: Object.assign({}, process.env, { NODE_PATH: modules, PEER_TIMEOUT_MS: '30000' }),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    p.stdout.on('data', d => { out += d })
    p.stderr.on('data', d => { out += d })
    children.add(p)
    p.on('exit', code => {
      children.delete(p)
      resolve({ code, out })
    })
  })
}

// Is a UDP port bound on this host (/proc/net/udp: local address as hex IP:PORT)? Read, not
// probed by binding it, which would race with the process that is about to bind it.
function udpInUse (port) {
  const suffix = ':' + port.toString(16).toUpperCase().padStart(4, '0')
  try {
    const lines = fs.readFileSync('/proc/net/udp', 'utf8').split('\n')
    return lines.some(l => (l.trim().split(/\s+/)[1] || '').endsWith(suffix))
  } catch (e) {
    return false
  }
}

function pattern (i, n) {
  const b = Buffer.alloc(n)
  for (let j = 0; j < n; j++) b[j] = (i * 131 + j * 7 + 1) & 0xff
  b.writeUInt32LE(i, 0)
  return b
}

for (const [size, count] of [[100, 101], [1000, 41], [8192, 20]]) {
  test(`the original module's client against a csctp server, ${size}-byte messages`, { timeout: 60000 }, async t => {
    if (skipReason) return t.skip(skipReason)
    const server = sctp.createServer()
    const sport = sctpPort()
    server.listen({ port: sport, host: '127.0.0.1', udpPort: 0, MIS: 16, OS: 16 })
    await waitFor(server, 'listening')
    let echoed = 0
    let ended = false
    let errored = null
    server.on('connection', s => {
      s.on('data', d => {
        const e = Buffer.from(d)
        e.ppid = d.ppid
        s.createStream(d.stream_id).write(e)
        echoed++
      })
      s.on('end', () => { ended = true })
      s.on('error', e => { errored = e })
    })
    const lport = await freeUdpPort()
    const r = await peer(['client', '127.0.0.1', lport, sport + 1, '127.0.0.1', server.address().udpPort, sport, size, count, 4])
    assert.strictEqual(r.code, 0, r.out)
    assert.strictEqual(echoed, count)
    await until(() => ended, 5000, 'the shutdown on csctp\'s side')
    assert.strictEqual(errored, null)
    server.close()
  })

  test(`a csctp client against the original module's passive socket, ${size}-byte messages`, { timeout: 60000 }, async t => {
    if (skipReason) return t.skip(skipReason)
    const udp = await boundUdp()
    const theirUdp = await freeUdpPort()
    const theirs = sctpPort()
    const ours = theirs + 1
    const done = peer(['server', '127.0.0.1', theirUdp, theirs, '127.0.0.1', udp.address().port, ours, count])
    await until(() => udpInUse(theirUdp), 15000, 'its UDP socket') // its passive socket is up
    const s = sctp.connect({ localPort: ours, port: theirs, udpTransport: udp, udpPeer: { address: '127.0.0.1', port: theirUdp }, MIS: 16, OS: 16 })
    await waitFor(s, 'connect', 10000)
    const streams = 4
    let good = 0
    const bad = []
    const seen = new Set()
    s.on('data', d => {
      const i = d.readUInt32LE(0)
      if (d.length !== size || d.ppid !== (i % streams) + 100 || d.stream_id !== i % streams || seen.has(i) || !d.equals(pattern(i, size))) bad.push(i)
      else good++
      seen.add(i)
    })
    for (let i = 0; i < count; i++) {
      const b = pattern(i, size)
      b.ppid = (i % streams) + 100
      s.createStream(i % streams).write(b)
    }
    await until(() => good + bad.length === count, 30000, 'every echo')
    assert.deepStrictEqual(bad, [])
    s.end()
    await waitFor(s, 'close', 10000)
    const r = await done
    assert.strictEqual(r.code, 0, r.out)
    udp.close()
  })
}
