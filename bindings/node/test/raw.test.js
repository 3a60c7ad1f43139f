// SPDX-License-Identifier: MIT
// Raw IP (protocol 132) on loopback, the original module's normal mode: a server and a
// client, a passive socket and an active one, in one process (each raw socket sees every
// SCTP packet of the host; the engine answers only its own). Needs root (CAP_NET_RAW) and
// no kernel SCTP module (it would answer protocol 132 itself); skipped otherwise.
'use strict'
const test = require('node:test')
const assert = require('node:assert')
const fs = require('fs')
const { sctp, sctpPort, waitFor, until } = require('./support/helpers')

function skip () {
  if (process.getuid && process.getuid() !== 0) return 'raw IP needs root (CAP_NET_RAW)'
  if (fs.existsSync('/sys/module/sctp')) return 'the kernel SCTP module is loaded: it answers protocol 132 itself'
  return false
}
const T = { timeout: 20000, skip: skip() }

test('raw IP: server and client, localAddress, data with PPID both ways, end', T, async () => {
  const server = sctp.createServer({ ppid: 9 })
  const port = sctpPort()
  server.listen(port, '127.0.0.1')
  await waitFor(server, 'listening')
  const conn = waitFor(server, 'connection')
  const client = sctp.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1', localPort: port + 1, MIS: 3, OS: 3 })
  await waitFor(client, 'connect')
  const [peer] = await conn
  assert.strictEqual(client.OS, 3)
  assert.strictEqual(peer.remotePort, port + 1)
  assert.strictEqual(client.localPort, port + 1)
  assert.strictEqual(client.remoteAddress, '127.0.0.1')
  const d = waitFor(peer, 'data')
  client.createStream(2, 77).write('raw')
  const [m] = await d
  assert.deepStrictEqual([m.toString(), m.ppid, m.stream_id], ['raw', 77, 2])
  const back = waitFor(client, 'data')
  peer.write('back')
  assert.strictEqual((await back)[0].ppid, 9, 'the server\'s ppid option')
  peer.resume()
  client.resume()
  client.end()
  await Promise.all([waitFor(client, 'close'), waitFor(peer, 'close')])
  server.close()
})

test('raw IP: passive connect accepts its peer', T, async () => {
  const p = sctpPort()
  const passive = sctp.connect({ passive: true, host: '127.0.0.1', port: p + 1, localPort: p })
  const active = sctp.connect({ host: '127.0.0.1', port: p, localPort: p + 1 })
  await Promise.all([waitFor(passive, 'connect'), waitFor(active, 'connect')])
  const got = []
  passive.on('data', x => got.push(x.toString()))
  active.write('hello passive')
  await until(() => got.length === 1)
  assert.deepStrictEqual(got, ['hello passive'])
  passive.on('error', () => {})
  active.destroy()
  await waitFor(passive, 'close')
})
