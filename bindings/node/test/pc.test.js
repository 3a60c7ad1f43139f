// SPDX-License-Identifier: MIT
// RTCPeerConnection / RTCDataChannel (lib/peerconnection.js over src/pc.c): two peers in
// this process, on 127.0.0.1, exchange offer, answer and trickled candidates; channels of
// every kind; text (UTF-8) and binary messages from 0 B to 256 KiB, every byte compared;
// bufferedAmount and its low-threshold event; closing channels and connections from
// either side; connectionState; the W3C errors; listener exceptions and process exit (in
// a child process). Every wait is bounded.
'use strict'
const test = require('node:test')
const assert = require('node:assert')
const path = require('path')
const { spawn } = require('child_process')
const { sctp, until } = require('./support/helpers')
const { RTCPeerConnection, RTCDataChannel, RTCIceCandidate } = sctp

const T = { timeout: 30000 }
const CFG = { localAddresses: ['127.0.0.1'] }

// Every connection a test made is closed after it, passed or not: none keeps Node alive.
const opened = new Set()
function newPc (cfg) {
  const pc = new RTCPeerConnection(Object.assign({}, CFG, cfg))
  opened.add(pc)
  return pc
}
test.afterEach(() => {
  for (const pc of opened) pc.close()
  opened.clear()
})

// Rejects after ms with what was awaited.
function within (p, ms, what) {
  let t
  return Promise.race([p, new Promise((resolve, reject) => {
    t = setTimeout(() => reject(new Error('timed out: ' + what)), ms)
  })]).finally(() => clearTimeout(t))
}

function event (target, type, ms = 10000) {
  return within(new Promise(resolve => target.addEventListener(type, resolve, { once: true })), ms, type)
}

// Two connected peers; setup(a, b) runs before the offer (channels to open with it).
async function pair (setup) {
  const a = newPc()
  const b = newPc()
  const states = { a: [], b: [] }
  a.onconnectionstatechange = () => states.a.push(a.connectionState)
  b.onconnectionstatechange = () => states.b.push(b.connectionState)
  const cands = { a: 0, b: 0 }
  a.onicecandidate = e => {
    if (e.candidate) cands.a++
    b.addIceCandidate(e.candidate).catch(err => { a.trickleError = err })
  }
  b.onicecandidate = e => {
    if (e.candidate) cands.b++
    a.addIceCandidate(e.candidate && e.candidate.toJSON()).catch(err => { b.trickleError = err })
  }
  const made = setup ? setup(a, b) : undefined
  const offer = await a.createOffer()
  assert.strictEqual(offer.type, 'offer')
  assert.match(offer.sdp, /m=application \d+ UDP\/DTLS\/SCTP webrtc-datachannel/)
  await a.setLocalDescription(offer)
  assert.strictEqual(a.signalingState, 'have-local-offer')
  await b.setRemoteDescription(offer)
  assert.strictEqual(b.signalingState, 'have-remote-offer')
  const answer = await b.createAnswer()
  await b.setLocalDescription(answer)
  await a.setRemoteDescription(answer)
  assert.strictEqual(a.signalingState, 'stable')
  await until(() => a.connectionState === 'connected' && b.connectionState === 'connected', 15000,
    'both connected (a ' + a.connectionState + ', b ' + b.connectionState + ')')
  return { a, b, states, cands, made }
}

// Messages of a channel, and a wait for the n-th.
function collect (ch) {
  const got = []
  ch.addEventListener('message', e => got.push(e.data))
  got.wait = (n, ms = 10000) => until(() => got.length >= n, ms, n + ' messages on ' + ch.label + ' (have ' + got.length + ')')
  return got
}

function remoteChannels (pc) {
  const list = []
  pc.ondatachannel = e => list.push(e.channel)
  return list
}

function pattern (n, seed) {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = (i * 131 + (i >> 13) + seed) & 0xff
  return b
}

async function closeBoth (a, b) {
  a.close()
  b.close()
  assert.strictEqual(a.connectionState, 'closed')
}

test('offer, answer, trickled candidates; connectionState new, connecting, connected; echo', T, async () => {
  let first
  const { a, b, states, cands, made } = await pair((a, b) => {
    assert.strictEqual(a.connectionState, 'new')
    assert.strictEqual(a.localDescription, null)
    first = remoteChannels(b)
    return a.createDataChannel('chat')
  })
  assert.deepStrictEqual(states.a, ['connecting', 'connected'])
  assert.deepStrictEqual(states.b, ['connecting', 'connected'])
  assert.ok(cands.a > 0 && cands.b > 0, 'candidates trickled both ways')
  assert.match(a.localDescription.sdp, /a=candidate:.* 127\.0\.0\.1 /, 'the local description has the candidates')
  assert.strictEqual(a.iceConnectionState, 'connected')
  await until(() => a.iceGatheringState === 'complete' && b.iceGatheringState === 'complete', 5000, 'gathering complete')
  const ch = made
  assert.ok(ch instanceof RTCDataChannel)
  if (ch.readyState !== 'open') await event(ch, 'open')
  await until(() => first.length === 1, 10000, 'datachannel event')
  const rc = first[0]
  assert.strictEqual(rc.label, 'chat')
  assert.strictEqual(rc.readyState, 'open')
  assert.strictEqual(rc.id, ch.id)
  rc.onmessage = e => rc.send(e.data) // echo
  const got = collect(ch)
  ch.send('hello')
  ch.send(Buffer.from([1, 2, 3]))
  await got.wait(2)
  assert.strictEqual(got[0], 'hello')
  assert.ok(got[1] instanceof ArrayBuffer, 'binaryType arraybuffer by default')
  assert.deepStrictEqual([...new Uint8Array(got[1])], [1, 2, 3])
  const stats = await a.getStats()
  assert.ok([...stats.values()].some(s => s.type === 'data-channel' && s.label === 'chat'))
  await closeBoth(a, b)
})

test('text (multi-byte UTF-8, empty) and binary from 0 B to 256 KiB, every byte, both binaryTypes', T, async () => {
  const { a, b, made } = await pair(a => a.createDataChannel('bytes'))
  const ch = made
  if (ch.readyState !== 'open') await event(ch, 'open')
  const rc = await until(() => b._channels.size === 1, 10000, 'remote channel').then(() => [...b._channels.values()][0])
  rc.binaryType = 'nodebuffer'
  const atB = collect(rc)
  const texts = ['', 'a', 'héllo wörld ✓ 日本語 🎉'.repeat(100), '🎉'.repeat(65536 / 4)]
  const sizes = [0, 1, 2, 1000, 1200, 16384, 65535, 65536, 65537, 100000, 262144]
  for (const t of texts) ch.send(t)
  sizes.forEach((n, i) => {
    const p = pattern(n, i)
    // Buffer, ArrayBuffer, and a view that does not start its buffer.
    if (i % 3 === 0) ch.send(p)
    else if (i % 3 === 1) ch.send(p.buffer.slice(p.byteOffset, p.byteOffset + n))
    else {
      const big = new Uint8Array(n + 7)
      big.set(p, 7)
      ch.send(new Uint8Array(big.buffer, 7, n))
    }
  })
  await atB.wait(texts.length + sizes.length, 20000)
  texts.forEach((t, i) => assert.strictEqual(atB[i], t, 'text ' + i))
  sizes.forEach((n, i) => {
    const d = atB[texts.length + i]
    assert.ok(Buffer.isBuffer(d), 'nodebuffer')
    assert.ok(d.equals(pattern(n, i)), n + ' bytes intact')
  })
  // And back: ArrayBuffer (default binaryType) on a.
  const atA = collect(ch)
  for (const n of [0, 262144]) rc.send(pattern(n, 9))
  rc.send('')
  await atA.wait(3)
  assert.ok(atA[0] instanceof ArrayBuffer && atA[0].byteLength === 0)
  assert.ok(Buffer.from(atA[1]).equals(pattern(262144, 9)))
  assert.strictEqual(atA[2], '')
  // binaryType "blob".
  ch.binaryType = 'blob'
  rc.send(pattern(3000, 4))
  await atA.wait(4)
  assert.ok(atA[3] instanceof Blob)
  assert.ok(Buffer.from(await atA[3].arrayBuffer()).equals(pattern(3000, 4)))
  await closeBoth(a, b)
})

test('channel options: unordered, maxRetransmits, maxPacketLifeTime, protocol, priority; many at once', T, async () => {
  const { a, b, made } = await pair((a, b) => {
    const remote = remoteChannels(b)
    const chans = [
      a.createDataChannel('unordered', { ordered: false }),
      a.createDataChannel('rtx0', { ordered: false, maxRetransmits: 0 }),
      a.createDataChannel('ttl', { maxPacketLifeTime: 3000, protocol: 'p-ttl', priority: 'high' })
    ]
    for (let i = 0; i < 16; i++) chans.push(a.createDataChannel('many-' + i, { protocol: 'proto-' + i }))
    return { chans, remote }
  })
  const { chans, remote } = made
  await until(() => remote.length === chans.length, 10000, 'every datachannel event (' + remote.length + ')')
  const byLabel = new Map(remote.map(c => [c.label, c]))
  const check = (c, ordered, rtx, ttl) => {
    const r = byLabel.get(c.label)
    for (const x of [c, r]) {
      assert.strictEqual(x.ordered, ordered, x.label + ' ordered')
      assert.strictEqual(x.maxRetransmits, rtx, x.label + ' maxRetransmits')
      assert.strictEqual(x.maxPacketLifeTime, ttl, x.label + ' maxPacketLifeTime')
      assert.strictEqual(x.negotiated, false)
    }
    assert.strictEqual(r.id, c.id)
    assert.strictEqual(r.protocol, c.protocol)
  }
  check(chans[0], false, null, null)
  check(chans[1], false, 0, null)
  check(chans[2], true, null, 3000)
  assert.strictEqual(chans[2].protocol, 'p-ttl')
  assert.strictEqual(chans[2].priority, 'high')
  assert.strictEqual(byLabel.get('ttl').priority, 'high')
  for (let i = 0; i < 16; i++) check(chans[3 + i], true, null, null)
  assert.strictEqual(new Set(chans.map(c => c.id)).size, chans.length, 'distinct ids')
  // Each kind delivers (loopback loses nothing): 200 x 1000 B, each intact.
  for (const c of chans.slice(0, 3)) {
    const r = byLabel.get(c.label)
    r.binaryType = 'nodebuffer'
    const got = collect(r)
    if (c.readyState !== 'open') await event(c, 'open')
    for (let i = 0; i < 200; i++) c.send(pattern(1000, i))
    await got.wait(200)
    const seen = got.map(d => [...Array(200).keys()].findIndex(i => d.equals(pattern(1000, i))))
    assert.ok(!seen.includes(-1), c.label + ': every message intact')
    assert.strictEqual(new Set(seen).size, 200, c.label + ': every message once, intact')
    if (c.ordered) assert.deepStrictEqual(seen, [...Array(200).keys()], c.label + ' in order')
  }
  await closeBoth(a, b)
})

test('negotiated channels (id 7 and 8) on both sides: no DCEP, both open, messages both ways', T, async () => {
  const { a, b, made } = await pair((a, b) => {
    const announced = remoteChannels(b)
    return {
      announced,
      a7: a.createDataChannel('neg-7', { negotiated: true, id: 7 }),
      b7: b.createDataChannel('neg-7', { negotiated: true, id: 7 }),
      a8: a.createDataChannel('neg-8', { negotiated: true, id: 8, ordered: false, maxRetransmits: 2 }),
      b8: b.createDataChannel('neg-8', { negotiated: true, id: 8, ordered: false, maxRetransmits: 2 })
    }
  })
  for (const c of [made.a7, made.b7, made.a8, made.b8]) {
    if (c.readyState !== 'open') await event(c, 'open')
    assert.strictEqual(c.negotiated, true)
  }
  assert.strictEqual(made.a7.id, 7)
  assert.strictEqual(made.b8.id, 8)
  assert.strictEqual(made.b8.maxRetransmits, 2)
  const g7 = collect(made.b7)
  const g8 = collect(made.a8)
  made.a7.send('to b on 7')
  made.b8.send('to a on 8')
  await g7.wait(1)
  await g8.wait(1)
  assert.deepStrictEqual([g7[0], g8[0]], ['to b on 7', 'to a on 8'])
  assert.strictEqual(made.announced.length, 0, 'no datachannel event for negotiated channels')
  await closeBoth(a, b)
})

test('bufferedAmount rises at send, falls; bufferedamountlow at the threshold', T, async () => {
  const { a, b, made } = await pair(a => a.createDataChannel('flow'))
  const ch = made
  if (ch.readyState !== 'open') await event(ch, 'open')
  const remote = await until(() => b._channels.size === 1, 10000, 'remote').then(() => [...b._channels.values()][0])
  let got = 0
  remote.onmessage = e => { got += e.data.byteLength }
  await until(() => ch.bufferedAmount === 0, 5000, 'an idle channel')
  ch.bufferedAmountLowThreshold = 256 * 1024
  assert.strictEqual(ch.bufferedAmountLowThreshold, 256 * 1024)
  let lows = 0
  ch.onbufferedamountlow = () => lows++
  const chunk = pattern(64 * 1024, 1)
  for (let i = 0; i < 32; i++) ch.send(chunk) // 2 MiB
  assert.ok(ch.bufferedAmount >= 1024 * 1024, 'queued bytes counted at once (' + ch.bufferedAmount + ')')
  await event(ch, 'bufferedamountlow')
  assert.ok(ch.bufferedAmount <= 256 * 1024, 'at or under the threshold (' + ch.bufferedAmount + ')')
  await until(() => got === 32 * 64 * 1024, 10000, 'all 2 MiB delivered')
  await until(() => ch.bufferedAmount === 0, 5000, 'nothing buffered')
  assert.ok(lows >= 1)
  // Past the send buffer (4 MiB): OperationError, nothing lost; then low again (at 0).
  remote.onmessage = null
  ch.bufferedAmountLowThreshold = 0
  let sent = 0
  assert.throws(() => { for (;;) { ch.send(chunk); sent++ } }, { name: 'OperationError' })
  assert.ok(sent >= 32 && sent <= 128, sent + ' chunks accepted')
  assert.ok(ch.bufferedAmount >= 3 * 1024 * 1024, 'full (' + ch.bufferedAmount + ')')
  await event(ch, 'bufferedamountlow')
  assert.strictEqual(ch.bufferedAmount, 0)
  assert.strictEqual(ch.readyState, 'open')
  await closeBoth(a, b)
})

test('close a channel from either side; sends after close throw; the association stays', T, async () => {
  const { a, b, made } = await pair((a, b) => {
    const remote = remoteChannels(b)
    return { remote, x: a.createDataChannel('x'), y: a.createDataChannel('y') }
  })
  await until(() => made.remote.length === 2, 10000, 'datachannel events')
  const [rx, ry] = ['x', 'y'].map(l => made.remote.find(c => c.label === l))
  const order = []
  made.x.onclose = () => order.push('a:x')
  rx.onclose = () => order.push('b:x')
  rx.onclosing = () => order.push('b:x closing')
  made.x.close() // from the side that opened it
  assert.strictEqual(made.x.readyState, 'closing')
  await until(() => order.includes('a:x') && order.includes('b:x'), 10000, 'x closed on both sides')
  assert.ok(order.indexOf('b:x closing') < order.indexOf('b:x'), 'closing before close')
  assert.strictEqual(made.x.readyState, 'closed')
  assert.strictEqual(rx.readyState, 'closed')
  assert.throws(() => made.x.send('late'), { name: 'InvalidStateError' })
  const closedY = Promise.all([event(made.y, 'close'), event(ry, 'close')])
  ry.close() // from the side that received it
  await closedY
  assert.strictEqual(made.y.readyState, 'closed')
  // A new channel on the same association works.
  const more = remoteChannels(b)
  const z = a.createDataChannel('z')
  await event(z, 'open')
  await until(() => more.length === 1, 10000, 'z announced')
  const gz = collect(more[0])
  z.send('after closes')
  await gz.wait(1)
  assert.strictEqual(gz[0], 'after closes')
  assert.strictEqual(a.connectionState, 'connected')
  await closeBoth(a, b)
})

test('close() of a connection: closed at once here, the other side goes to closed, its channels close', T, async () => {
  const { a, b, made, states } = await pair((a, b) => ({ remote: remoteChannels(b), ch: a.createDataChannel('c') }))
  await until(() => made.remote.length === 1, 10000, 'datachannel')
  const rch = made.remote[0]
  const rclosed = event(rch, 'close')
  let localCloseEvents = 0
  made.ch.onclose = () => localCloseEvents++
  a.close()
  assert.strictEqual(a.connectionState, 'closed')
  assert.strictEqual(a.signalingState, 'closed')
  assert.strictEqual(made.ch.readyState, 'closed')
  assert.throws(() => a.createDataChannel('no'), { name: 'InvalidStateError' })
  await assert.rejects(a.createOffer(), { name: 'InvalidStateError' })
  await rclosed
  await until(() => b.connectionState === 'closed', 10000, 'b closed (' + b.connectionState + ')')
  assert.deepStrictEqual(states.b, ['connecting', 'connected', 'closed'])
  assert.strictEqual(localCloseEvents, 0, 'close() fires no close event on its own channels')
  assert.deepStrictEqual(states.a, ['connecting', 'connected'], 'nor connectionstatechange')
  b.close()
})

test('W3C errors: bad SDP, answer without offer, option conflicts, send before open, too large', T, async () => {
  assert.throws(() => newPc({ iceServers: [{ urls: 'nonsense:x' }] }), { errno: -201 })
  assert.throws(() => newPc({ iceServers: [{ urls: 'turn:127.0.0.1' }] }), { errno: -201 }, 'TURN without credentials')
  newPc({ iceServers: [{ urls: ['stun:127.0.0.1:3478'] }] }).close()
  const a = newPc()
  await assert.rejects(a.createAnswer(), { name: 'InvalidStateError' })
  await assert.rejects(a.setRemoteDescription({ type: 'offer', sdp: 'v=0\r\nthis is not sdp\r\n' }), { name: 'OperationError' })
  await assert.rejects(a.setRemoteDescription({ type: 'answer', sdp: 'v=0\r\n' }), { name: 'InvalidStateError' })
  await assert.rejects(a.setRemoteDescription({ type: 'rollback' }), { name: 'OperationError' })
  assert.throws(() => a.createDataChannel('x', { maxRetransmits: 1, maxPacketLifeTime: 1 }), TypeError)
  assert.throws(() => a.createDataChannel('x', { negotiated: true }), TypeError)
  assert.throws(() => a.createDataChannel('x', { negotiated: true, id: 65535 }), TypeError)
  assert.throws(() => a.createDataChannel('x', { priority: 'urgent' }), TypeError)
  assert.throws(() => a.createDataChannel('x'.repeat(65536)), TypeError)
  await assert.rejects(a.addIceCandidate({ candidate: 'candidate:garbage' }), { name: 'OperationError' })
  const ch = a.createDataChannel('early')
  assert.strictEqual(ch.readyState, 'connecting')
  assert.strictEqual(ch.id, null, 'no id before the DTLS role is known')
  assert.throws(() => ch.send('x'), { name: 'InvalidStateError' })
  assert.throws(() => { ch.binaryType = 'text' }, { name: 'SyntaxError' })
  a.close()
  const { a: p, b: q, made } = await pair(p => p.createDataChannel('big'))
  if (made.readyState !== 'open') await event(made, 'open')
  assert.throws(() => made.send(Buffer.alloc((1 << 20) + 1)), TypeError, 'over a=max-message-size')
  assert.throws(() => made.send({}), TypeError)
  assert.strictEqual(p.sctp.maxMessageSize, 1 << 20)
  const c = new RTCIceCandidate({ candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' })
  assert.deepStrictEqual(JSON.parse(JSON.stringify(c)).sdpMid, '0')
  await closeBoth(p, q)
})

test('a throwing listener does not break the peer; node exits by itself once closed', T, async () => {
  const child = spawn(process.execPath, [path.join(__dirname, 'examples', 'pc_exit.js')], {
    env: process.env, stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  child.stdout.on('data', d => { out += d })
  child.stderr.on('data', d => { err += d })
  const t0 = Date.now()
  const code = await within(new Promise(resolve => child.on('exit', resolve)), 20000,
    'the child to exit by itself').catch(e => { child.kill('SIGKILL'); throw e })
  assert.strictEqual(code, 0, 'exit status (stderr: ' + err + ')')
  assert.match(out, /thrown 1, then 2 messages, closed/)
  assert.ok(Date.now() - t0 < 15000)
})

test('ICE that cannot connect: connectionState failed, channels closed, Node not held', T, async () => {
  const a = newPc({ iceConnectTimeout: 1500 })
  const b = newPc()
  const states = []
  a.onconnectionstatechange = () => states.push(a.connectionState)
  const ch = a.createDataChannel('never')
  const closed = event(ch, 'close', 15000)
  await a.setLocalDescription(await a.createOffer())
  await b.setRemoteDescription(a.localDescription)
  const answer = await b.createAnswer()
  b.close() // nobody answers a's checks
  await a.setRemoteDescription(answer)
  await until(() => a.connectionState === 'failed', 15000, 'failed (' + a.connectionState + ')')
  assert.deepStrictEqual(states, ['connecting', 'failed'])
  await closed
  assert.strictEqual(ch.readyState, 'closed')
  a.close()
})

// One run of examples/pc_workers.js (`args` its arguments): its exit code and output, or an
// error after `ms` with what it printed.
async function runWorkers (ms, args) {
  const child = spawn(process.execPath, [path.join(__dirname, 'examples', 'pc_workers.js'), ...args], {
    env: process.env, stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  child.stdout.on('data', d => { out += d })
  child.stderr.on('data', d => { err += d })
  try {
    const code = await within(new Promise(resolve => child.on('exit', (c, s) => resolve(s || c))), ms,
      'the child to exit by itself')
    return { code, out, err }
  } catch (e) {
    child.kill('SIGKILL')
    e.message += ' (stdout: ' + JSON.stringify(out) + ', stderr: ' + JSON.stringify(err.slice(-2000)) + ')'
    throw e
  }
}

const fromWorkers = [[0, 'from a worker'], [0, 'from a worker'], [0, 'from a worker']]

test('worker threads: peers in three workers at once; each worker and the process end', { timeout: 30000 }, async () => {
  const r = await runWorkers(20000, [])
  assert.strictEqual(r.code, 0, 'exit status (stderr: ' + r.err + ')')
  assert.deepStrictEqual(JSON.parse(r.out), fromWorkers)
})

// A worker that ends unloads the addon when it was the last to hold it. libnice went with it
// while GLib's type system (never unloaded) kept its types, so the next worker's first peer
// failed ("cannot register existing type 'NiceAgent'") and that worker never ended: the
// intermittent hang of the test above, whose workers sometimes did not overlap. The addon is
// now linked -z nodelete.
test('worker threads: a worker started after another ended makes peers too', { timeout: 30000 }, async () => {
  const r = await runWorkers(20000, ['sequential'])
  assert.strictEqual(r.code, 0, 'exit status (stderr: ' + r.err + ')')
  assert.deepStrictEqual(JSON.parse(r.out), fromWorkers)
})
