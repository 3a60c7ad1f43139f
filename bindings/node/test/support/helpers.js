// SPDX-License-Identifier: MIT
// Helpers of the binding's tests: the module under test, free ports, bounded waits.
'use strict'
const dgram = require('dgram')
const fs = require('fs')
const path = require('path')
const { once } = require('events')

const sctp = require('../../lib')

// A UDP port free on 127.0.0.1 now (bound to 0 and released).
async function freeUdpPort () {
  const s = dgram.createSocket('udp4')
  s.bind(0, '127.0.0.1')
  await once(s, 'listening')
  const p = s.address().port
  s.close()
  return p
}

// A dgram socket bound on 127.0.0.1 (any port).
async function boundUdp () {
  const s = dgram.createSocket('udp4')
  s.bind(0, '127.0.0.1')
  await once(s, 'listening')
  return s
}

function sctpPort () {
  return 10000 + Math.floor(Math.random() * 50000)
}

// Resolves with the event's arguments, or rejects after ms.
function waitFor (emitter, event, ms = 10000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      emitter.removeListener(event, on)
      reject(new Error('timed out waiting for ' + event))
    }, ms)
    function on (...args) {
      clearTimeout(t)
      resolve(args)
    }
    emitter.once(event, on)
  })
}

// Resolves when cond() holds (checked every 5 ms), or rejects after ms.
async function until (cond, ms = 10000, what = 'condition') {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

// A connected pair over csctp's own UDP sockets: a server (udpPort) and a client.
async function udpPair (opts = {}) {
  const server = sctp.createServer(opts.server || {})
  const port = sctpPort()
  server.listen({ port, host: '127.0.0.1', udpPort: 0, MIS: opts.MIS, OS: opts.OS })
  await waitFor(server, 'listening')
  const accepted = waitFor(server, 'connection')
  const client = sctp.connect(Object.assign({
    port,
    udpPeer: { address: '127.0.0.1', port: server.address().udpPort },
    udpLocalPort: 0,
    localAddress: '127.0.0.1'
  }, opts.client || {}))
  await waitFor(client, 'connect')
  const [peer] = await accepted
  // The tests end by destroying the client: the server's socket then sees an ABORT.
  peer.on('error', e => { peer.lastError = e })
  return { server, client, peer, port }
}

function scratchDir (name) {
  const base = process.env.CSCTP_NODE_SCRATCH || path.join(require('os').tmpdir(), 'csctp-node-test')
  const d = path.join(base, name + '-' + process.pid)
  fs.mkdirSync(d, { recursive: true })
  return d
}

module.exports = { sctp, freeUdpPort, boundUdp, sctpPort, waitFor, until, udpPair, scratchDir }
