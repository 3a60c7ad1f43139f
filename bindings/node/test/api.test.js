// SPDX-License-Identifier: MIT
// The original module's API on csctp, over csctp's own UDP sockets (RFC 6951): server,
// connect and its options, socket properties, data with its PPID and stream, createStream,
// the 'stream' event, unordered, end / close / destroy, errors, timeout, defaults, PPID.
'use strict'
const test = require('node:test')
const assert = require('node:assert')
const { Duplex, Writable, Readable } = require('stream')
const { sctp, sctpPort, waitFor, until, udpPair, freeUdpPort } = require('./support/helpers')

const T = { timeout: 20000 }

test('createServer, listen with callback and listening event, connection, close', T, async () => {
  let viaListener = 0
  const server = sctp.createServer({}, () => viaListener++)
  const port = sctpPort()
  let cb = 0
  server.listen({ port, host: '127.0.0.1', udpPort: 0 }, () => cb++)
  await waitFor(server, 'listening')
  assert.strictEqual(cb, 1, 'listen callback')
  assert.strictEqual(server.listening, true)
  assert.strictEqual(server.address().port, port)
  assert.ok(server.address().udpPort > 0)
  const conn = waitFor(server, 'connection')
  const client = sctp.connect({ port, udpPeer: { address: '127.0.0.1', port: server.address().udpPort }, udpLocalPort: 0 })
  await waitFor(client, 'connect')
  const [peer] = await conn
  assert.strictEqual(viaListener, 1, 'connectionListener')
  assert.ok(peer instanceof sctp.Socket)
  assert.strictEqual(peer.remotePort, client.localPort)
  assert.strictEqual(peer.remoteAddress, '127.0.0.1')
  assert.strictEqual(peer.localPort, port)
  client.end()
  await waitFor(peer, 'close')
  let closed = false
  server.close(() => { closed = true })
  await until(() => closed, 5000, 'server close')
  assert.strictEqual(server.listening, false)
})

test('socket is a Duplex; OS, MIS, addresses and ports after connect', T, async () => {
  const { server, client, peer, port } = await udpPair({ client: { MIS: 7, OS: 5 }, MIS: 3, OS: 10 })
  peer.on('error', () => {})
  assert.ok(client instanceof Duplex)
  assert.strictEqual(client.OS, 3, 'min(our OS 5, server MIS 3)')
  assert.strictEqual(client.MIS, 7, 'min(our MIS 7, server OS 10)')
  assert.strictEqual(peer.OS, 7)
  assert.strictEqual(peer.MIS, 3)
  assert.strictEqual(client.remotePort, port)
  assert.strictEqual(client.remoteAddress, '127.0.0.1')
  assert.strictEqual(client.localAddress, '127.0.0.1')
  assert.ok(client.localPort > 0)
  assert.deepStrictEqual(client.address(), { port: client.localPort, address: '127.0.0.1', family: 'IPv4' })
  client.destroy()
  await waitFor(peer, 'close')
  server.close()
})

test('data carries ppid and stream id; buffer.ppid per write; socket ppid option', T, async () => {
  const { server, client, peer } = await udpPair({ client: { ppid: 42 } })
  const got = []
  peer.on('data', d => got.push(d))
  client.write(Buffer.from('a'))
  const b = Buffer.from('b')
  b.ppid = sctp.PPID.WEBRTC_STRING
  client.write(b)
  await until(() => got.length === 2)
  assert.strictEqual(got[0].toString(), 'a')
  assert.strictEqual(got[0].ppid, 42)
  assert.strictEqual(got[0].stream_id, 0)
  assert.strictEqual(got[1].ppid, 51)
  client.destroy()
  server.close()
})

test('createStream(id, ppid) is a Writable on that stream; stream event with incoming streams', T, async () => {
  const { server, client, peer } = await udpPair()
  const streams = []
  const got = []
  peer.on('stream', (stream, id) => {
    assert.ok(stream instanceof Readable)
    streams.push(id)
    stream.on('data', d => got.push([id, d.ppid, d.stream_id, d.toString()]))
  })
  const w1 = client.createStream(1, 7)
  assert.ok(w1 instanceof Writable)
  assert.strictEqual(client.createStream(1), w1, 'the same stream again')
  w1.write(Buffer.from('one'))
  const w3 = client.createStream(3)
  const m = Buffer.from('three')
  m.ppid = 99
  w3.write(m)
  w3.write(Buffer.from('three again'))
  await until(() => got.length === 3)
  assert.deepStrictEqual(streams, [1, 3])
  assert.deepStrictEqual(got, [[1, 7, 1, 'one'], [3, 99, 3, 'three'], [3, 0, 3, 'three again']])
  assert.throws(() => client.createStream(client.OS), /wrong stream id/)
  client.destroy()
  server.close()
})

test('unordered option sends unordered messages', T, async () => {
  const { server, client, peer } = await udpPair({ client: { unordered: true } })
  // The Socket constructor's options: connect() passes them to new Socket().
  const got = []
  peer.on('data', d => got.push(d))
  client.write(Buffer.from('u'))
  await until(() => got.length === 1)
  assert.strictEqual(got[0].unordered, true)
  const plain = Buffer.from('o')
  plain.unordered = false
  client.write(plain)
  await until(() => got.length === 2)
  assert.strictEqual(got[1].unordered, undefined)
  client.destroy()
  server.close()
})

test('new Socket(options) + socket.connect(options, listener)', T, async () => {
  const server = sctp.createServer()
  const port = sctpPort()
  server.listen({ port, udpPort: 0 })
  await waitFor(server, 'listening')
  const s = new sctp.Socket({ ppid: 5, no_bundle: true })
  let connected = false
  s.connect({ port, udpPeer: { host: '127.0.0.1', port: server.address().udpPort }, udpLocalPort: 0 }, () => { connected = true })
  assert.strictEqual(s.connecting, true)
  const [peer] = await waitFor(server, 'connection')
  peer.on('error', () => {})
  await until(() => connected)
  const d = waitFor(peer, 'data')
  s.write('text is a Buffer too')
  const [buf] = await d
  assert.strictEqual(buf.toString(), 'text is a Buffer too')
  assert.strictEqual(buf.ppid, 5)
  s.destroy()
  server.close()
})

test('end() shuts down gracefully: end and close on both sides, no error', T, async () => {
  const { server, client, peer } = await udpPair()
  const events = []
  for (const [n, s] of [['c', client], ['p', peer]]) {
    s.on('end', () => events.push(n + ':end'))
    s.on('close', hadError => events.push(n + ':close:' + hadError))
    s.on('error', e => events.push(n + ':error:' + e.message))
    s.resume()
  }
  client.write('last words')
  client.end()
  await until(() => events.includes('c:close:false') && events.includes('p:close:false'))
  assert.ok(events.includes('p:end'), events.join())
  assert.ok(!events.some(e => e.includes('error')), events.join())
  server.close()
})

test('destroy() aborts: the peer gets ECONNRESET and close', T, async () => {
  const { server, client, peer } = await udpPair()
  const err = waitFor(peer, 'error')
  const close = waitFor(peer, 'close')
  client.destroy()
  const [e] = await err
  assert.strictEqual(e.code, 'ECONNRESET')
  const [hadError] = await close
  assert.strictEqual(hadError, true)
  assert.strictEqual(client.destroyed, true)
  server.close()
})

test('connect to a UDP port where nobody listens: error ECONNREFUSED, then close', T, async () => {
  const port = await freeUdpPort()
  const s = sctp.connect({ port: 5000, udpPeer: { address: '127.0.0.1', port }, udpLocalPort: 0 })
  const close = waitFor(s, 'close')
  const [e] = await waitFor(s, 'error')
  assert.strictEqual(e.code, 'ECONNREFUSED')
  await close
})

test('listen on a UDP port in use: error EADDRINUSE', T, async () => {
  const a = sctp.createServer()
  a.listen({ port: sctpPort(), udpPort: 0 })
  await waitFor(a, 'listening')
  const b = sctp.createServer()
  b.listen({ port: sctpPort(), udpPort: a.address().udpPort })
  const [e] = await waitFor(b, 'error')
  assert.strictEqual(e.code, 'EADDRINUSE')
  a.close()
})

test('setTimeout emits timeout after inactivity', T, async () => {
  const { server, client } = await udpPair()
  const t0 = Date.now()
  let called = false
  client.setTimeout(100, () => { called = true })
  await waitFor(client, 'timeout', 3000)
  assert.ok(called)
  assert.ok(Date.now() - t0 >= 90)
  client.setTimeout(0)
  client.destroy()
  server.close()
})

test('a listener that throws goes to uncaughtException; the sockets still work', T, async () => {
  const { server, client, peer } = await udpPair()
  const seen = []
  const onUncaught = e => seen.push(e.message)
  const saved = process.listeners('uncaughtException')
  process.removeAllListeners('uncaughtException')
  process.on('uncaughtException', onUncaught)
  try {
    let n = 0
    peer.on('data', d => {
      n++
      if (d.toString() === 'boom') throw new Error('listener threw')
      peer.write(d)
    })
    const echoes = []
    client.on('data', d => echoes.push(d.toString()))
    client.write('boom')
    await until(() => seen.length === 1)
    client.write('after')
    await until(() => echoes.length === 1)
    assert.deepStrictEqual(seen, ['listener threw'])
    assert.deepStrictEqual(echoes, ['after'])
    assert.strictEqual(n, 2)
  } finally {
    process.removeListener('uncaughtException', onUncaught)
    for (const l of saved) process.on('uncaughtException', l)
  }
  client.destroy()
  server.close()
})

test('defaults() takes the net.sctp names and returns the defaults in force', () => {
  const before = sctp.defaults()
  assert.strictEqual(typeof before.rto_initial, 'number')
  const after = sctp.defaults({ rto_initial: 500, rto_min: 300, rto_max: 1000, sack_timeout: 900, sack_freq: 2, unknown: 1 })
  assert.strictEqual(after.rto_initial, 500)
  assert.strictEqual(after.rto_min, 300)
  assert.strictEqual(after.rto_max, 1000)
  assert.strictEqual(after.sack_timeout, 500, 'capped at 500 ms as the original')
  assert.strictEqual(after.unknown, undefined)
  assert.throws(() => sctp.defaults({ rto_min: -1 }), RangeError)
  sctp.defaults({ rto_initial: before.rto_initial, rto_min: before.rto_min, rto_max: before.rto_max, sack_timeout: before.sack_timeout })
})

test('PPID has the IANA table under the original names, both ways', () => {
  assert.strictEqual(sctp.PPID.SCTP, 0)
  assert.strictEqual(sctp.PPID.M3UA, 3)
  assert.strictEqual(sctp.PPID.DIAMETER, 46)
  assert.strictEqual(sctp.PPID.WEBRTC_DCEP, 50)
  assert.strictEqual(sctp.PPID.WEBRTC_STRING, 51)
  assert.strictEqual(sctp.PPID.WEBRTC_BINARY, 53)
  assert.strictEqual(sctp.PPID[51], 'WEBRTC_STRING')
  assert.strictEqual(sctp.PPID.WEBRTC_STRING_PARTIAL, 54, 'from csctp\'s table')
  assert.strictEqual(sctp.createConnection, sctp.connect)
})

test('bad options throw at once', () => {
  assert.throws(() => sctp.connect({ port: 70000 }), RangeError)
  assert.throws(() => sctp.connect({ port: 5000, udpPeer: { address: '127.0.0.1', port: 9 }, MIS: 0 }), RangeError)
})
