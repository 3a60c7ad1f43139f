// SPDX-License-Identifier: MIT
// Run by test/package.sh in an app where the packed csctp is installed (its working
// directory): two RTCPeerConnections of the installed package in this process connect over
// 127.0.0.1 (offer, answer, trickled candidates), a channel opens, a message goes each
// way, both close. No process.exit on success: package.sh fails this run if the process
// does not end by itself. Usage: node package_pc.js LABEL
'use strict'
const assert = require('assert')
const csctp = require(require.resolve('csctp', { paths: [process.cwd()] }))
const { RTCPeerConnection } = csctp

const label = process.argv[2] || 'installed package'
assert.strictEqual(typeof RTCPeerConnection, 'function', 'csctp exports RTCPeerConnection')
const cfg = { localAddresses: ['127.0.0.1'] }
// Throws here when the addon was built without the peer layer (the error names what was missing).
const a = new RTCPeerConnection(cfg)
const b = new RTCPeerConnection(cfg)
a.onicecandidate = e => b.addIceCandidate(e.candidate)
b.onicecandidate = e => a.addIceCandidate(e.candidate)

const got = { a: null, b: null }
function done () {
  if (got.a === null || got.b === null) return
  assert.strictEqual(got.b, 'ping from a')
  assert.strictEqual(got.a, 'PING FROM A')
  a.close()
  b.close()
  console.log('node_package: RTCPeerConnection works (' + label + ')')
}
b.ondatachannel = ({ channel }) => {
  assert.strictEqual(channel.label, 'pkg')
  channel.onmessage = e => {
    got.b = e.data
    channel.send(String(e.data).toUpperCase())
    done()
  }
}
const ch = a.createDataChannel('pkg')
ch.onopen = () => ch.send('ping from a')
ch.onmessage = e => {
  got.a = e.data
  done()
}
;(async () => {
  await a.setLocalDescription(await a.createOffer())
  await b.setRemoteDescription(a.localDescription)
  await b.setLocalDescription(await b.createAnswer())
  await a.setRemoteDescription(b.localDescription)
})().catch(e => { console.error(e); process.exit(1) })
