// SPDX-License-Identifier: MIT
// The original module's UDP mode: `udpTransport` is a dgram socket the application created
// (or any object with its send() and 'message' events, like a DTLS socket), `udpPeer` names
// the peer ({address} or, as the original README wrote it, {host}); a connected dgram
// socket needs no udpPeer; several SCTP sockets may share one dgram socket.
'use strict'
const test = require('node:test')
const assert = require('node:assert')
const dgram = require('dgram')
const EventEmitter = require('events')
const { sctp, boundUdp, sctpPort, waitFor, until } = require('./support/helpers')

const T = { timeout: 20000 }

// A passive socket on one dgram socket and an active one on another, both on loopback.
async function pair (optsA = {}, optsB = {}) {
  const ua = await boundUdp()
  const ub = await boundUdp()
  const pa = sctpPort()
  const pb = pa + 1
  const passive = sctp.connect(Object.assign({
    passive: true, localPort: pa, port: pb, udpTransport: ua,
    udpPeer: { host: '127.0.0.1', port: ub.address().port }
  }, optsA))
  const active = sctp.connect(Object.assign({
    localPort: pb, port: pa, udpTransport: ub,
    udpPeer: { address: '127.0.0.1', port: ua.address().port }
  }, optsB))
  await Promise.all([waitFor(passive, 'connect'), waitFor(active, 'connect')])
  return { ua, ub, passive, active }
}

test('passive and active sockets over dgram sockets: data both ways, streams, PPIDs, end', T, async () => {
  const { ua, ub, passive, active } = await pair({ MIS: 10 }, { OS: 4 })
  assert.strictEqual(active.OS, 4)
  assert.strictEqual(passive.MIS, 4)
  assert.strictEqual(passive.remoteAddress, '127.0.0.1', 'udpPeer.host accepted')
  const got = []
  passive.on('stream', (s, id) => s.on('data', d => {
    got.push([id, d.ppid, d.toString()])
    const echo = Buffer.from(d.toString().toUpperCase())
    echo.ppid = d.ppid
    passive.createStream(id).write(echo)
  }))
  const back = []
  active.on('data', d => back.push([d.stream_id, d.ppid, d.toString()]))
  active.createStream(2, sctp.PPID.M3UA).write(Buffer.from('m3ua'))
  const b = Buffer.from('diameter')
  b.ppid = sctp.PPID.DIAMETER
  active.createStream(3).write(b)
  await until(() => back.length === 2)
  assert.deepStrictEqual(got, [[2, 3, 'm3ua'], [3, 46, 'diameter']])
  assert.deepStrictEqual(back, [[2, 3, 'M3UA'], [3, 46, 'DIAMETER']])
  passive.resume()
  active.end()
  await Promise.all([waitFor(active, 'close'), waitFor(passive, 'close')])
  ua.close()
  ub.close()
})

test('a connected dgram socket needs no udpPeer', T, async () => {
  const ua = await boundUdp()
  const ub = await boundUdp()
  ub.connect(ua.address().port, '127.0.0.1')
  await waitFor(ub, 'connect')
  const pa = sctpPort()
  const passive = sctp.connect({ passive: true, localPort: pa, port: pa + 1, udpTransport: ua, udpPeer: { address: '127.0.0.1', port: ub.address().port } })
  const active = sctp.connect({ localPort: pa + 1, port: pa, udpTransport: ub })
  await waitFor(active, 'connect')
  const d = waitFor(passive, 'data')
  active.write('over a connected socket')
  assert.strictEqual((await d)[0].toString(), 'over a connected socket')
  assert.throws(() => sctp.connect({ port: 1, udpTransport: ua }), /udpPeer/, 'an unconnected one does')
  active.destroy()
  passive.destroy()
  ua.close()
  ub.close()
})

test('two associations share one dgram socket, routed by SCTP port', T, async () => {
  const ua = await boundUdp()
  const ub = await boundUdp()
  const base = sctpPort()
  const peerA = { address: '127.0.0.1', port: ub.address().port }
  const peerB = { address: '127.0.0.1', port: ua.address().port }
  const p1 = sctp.connect({ passive: true, localPort: base, port: base + 10, udpTransport: ua, udpPeer: peerA })
  const p2 = sctp.connect({ passive: true, localPort: base + 1, port: base + 11, udpTransport: ua, udpPeer: peerA })
  const c1 = sctp.connect({ localPort: base + 10, port: base, udpTransport: ub, udpPeer: peerB })
  const c2 = sctp.connect({ localPort: base + 11, port: base + 1, udpTransport: ub, udpPeer: peerB })
  await Promise.all([waitFor(c1, 'connect'), waitFor(c2, 'connect')])
  const d1 = waitFor(p1, 'data')
  const d2 = waitFor(p2, 'data')
  c1.write('to one')
  c2.write('to two')
  assert.strictEqual((await d1)[0].toString(), 'to one')
  assert.strictEqual((await d2)[0].toString(), 'to two')
  assert.throws(() => sctp.connect({ localPort: base, port: 9, udpTransport: ua, udpPeer: peerA }), /in use/)
  for (const s of [c1, c2, p1, p2]) s.destroy()
  ua.close()
  ub.close()
})

test('a DTLS-like transport object (send + message events) carries the association', T, async () => {
  // Two objects that behave like connected datagram sockets, joined in memory.
  class Pipe extends EventEmitter {
    send (buf) { setImmediate(() => this.other.emit('message', Buffer.from(buf), {})) }
  }
  const x = new Pipe()
  const y = new Pipe()
  x.other = y
  y.other = x
  const p = sctpPort()
  const passive = sctp.connect({ passive: true, localPort: p, port: p + 1, udpTransport: x })
  const active = sctp.connect({ localPort: p + 1, port: p, udpTransport: y })
  await waitFor(active, 'connect')
  const d = waitFor(passive, 'data')
  active.write('through a pipe')
  assert.strictEqual((await d)[0].toString(), 'through a pipe')
  active.destroy()
  passive.destroy()
})

test('closing the dgram socket destroys its SCTP sockets', T, async () => {
  const { ua, ub, passive, active } = await pair()
  const closed = waitFor(passive, 'close')
  active.on('error', () => {})
  passive.on('error', () => {})
  ua.close()
  await closed
  active.destroy()
  ub.close()
})
