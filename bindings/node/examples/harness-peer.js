#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// The echo peer of the browser harness (../shared/interop/README.md, "Peer contract") on
// csctp's RTCPeerConnection: JSON signalling on stdin/stdout, logs on stderr; every message
// is echoed on its channel except "bytes?", "info?", "close!"; sink* channels only count.
//   node harness-peer.js [--offer]
'use strict'
const readline = require('readline')
const { RTCPeerConnection } = require('../lib')

const log = (...a) => process.stderr.write('[node-peer] ' + a.join(' ') + '\n')
const emit = obj => process.stdout.write(JSON.stringify(obj) + '\n')
const pc = new RTCPeerConnection({ includeLoopback: true })

function attach (ch) {
  let bytes = 0
  const sink = ch.label.startsWith('sink')
  const backlog = [] // echoes the send queue refused, in order
  const send = d => {
    if (!backlog.length) {
      try { return ch.send(d) } catch (e) { if (e.name !== 'OperationError') return log('send:', e.message) }
    }
    backlog.push(d)
  }
  ch.onbufferedamountlow = () => {
    while (backlog.length && ch.readyState === 'open') {
      try { ch.send(backlog[0]) } catch (e) { if (e.name === 'OperationError') return }
      backlog.shift()
    }
  }
  ch.binaryType = 'arraybuffer'
  ch.onmessage = ({ data }) => {
    if (typeof data !== 'string') {
      bytes += data.byteLength
      if (!sink) send(data)
    } else if (data === 'bytes?') {
      send(String(bytes))
    } else if (data === 'info?') {
      const { label, protocol, id, ordered, maxRetransmits, maxPacketLifeTime, negotiated } = ch
      send(JSON.stringify({ label, protocol, id, ordered, maxRetransmits, maxPacketLifeTime, negotiated }))
    } else if (data === 'close!') {
      ch.close()
    } else if (!sink) {
      send(data)
    }
  }
  ch.onclose = () => log('channel closed', JSON.stringify(ch.label))
  log('channel', JSON.stringify(ch.label), 'id', ch.id)
}

pc.ondatachannel = e => attach(e.channel)
pc.onconnectionstatechange = () => log('connection', pc.connectionState)

// Complete descriptions: the SDP is sent once gathering is done.
async function describe (type) {
  await pc.setLocalDescription(type === 'offer' ? await pc.createOffer() : await pc.createAnswer())
  if (pc.iceGatheringState !== 'complete') {
    await new Promise(resolve => pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') resolve()
    }))
  }
  emit({ type, sdp: pc.localDescription.sdp })
}

function quit () {
  pc.close() // SCTP SHUTDOWN; Node exits once the peer is gone (at most 1.5 s)
  setTimeout(() => process.exit(0), 2000).unref()
}

async function handle (m) {
  if (m.type === 'offer' || m.type === 'answer') {
    await pc.setRemoteDescription({ type: m.type, sdp: m.sdp })
    if (m.type === 'offer') await describe('answer')
  } else if (m.type === 'candidate') {
    await pc.addIceCandidate(m.candidate ? { candidate: m.candidate, sdpMid: m.sdpMid } : null)
  } else if (m.type === 'negotiated') {
    const { id, label = '', ordered = true, protocol = '', maxRetransmits, maxPacketLifeTime } = m
    attach(pc.createDataChannel(label, { negotiated: true, id, ordered, protocol, maxRetransmits, maxPacketLifeTime }))
  } else if (m.type === 'bye') {
    quit()
  }
}

let chain = Promise.resolve()
const rl = readline.createInterface({ input: process.stdin })
rl.on('line', line => {
  if (!line.trim()) return
  chain = chain.then(() => handle(JSON.parse(line))).catch(e => log('error:', (e && e.stack) || e))
})
rl.on('close', () => chain.then(quit))

if (process.argv.includes('--offer')) {
  attach(pc.createDataChannel('offerer'))
  chain = chain.then(() => describe('offer'))
}
