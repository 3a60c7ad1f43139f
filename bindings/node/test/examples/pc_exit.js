// SPDX-License-Identifier: MIT
// Run by pc.test.js: an exception thrown by a message listener reaches
// 'uncaughtException' and the peer goes on; once both connections are closed, nothing
// keeps Node alive (no process.exit here: the test fails if this process does not end).
'use strict'
const { RTCPeerConnection } = require('../../lib')

const cfg = { localAddresses: ['127.0.0.1'] }
const a = new RTCPeerConnection(cfg)
const b = new RTCPeerConnection(cfg)
a.onicecandidate = e => b.addIceCandidate(e.candidate)
b.onicecandidate = e => a.addIceCandidate(e.candidate)
let thrown = 0
let after = 0
process.on('uncaughtException', e => {
  if (e.message !== 'listener bug') throw e
  thrown++
})
b.ondatachannel = ({ channel }) => {
  channel.onmessage = e => {
    if (e.data === 'first') throw new Error('listener bug')
    if (++after === 2) {
      a.close()
      b.close()
      // The exception reaches 'uncaughtException' on a later tick.
      setImmediate(() => process.stdout.write('thrown ' + thrown + ', then ' + after + ' messages, closed\n'))
    }
  }
}
const ch = a.createDataChannel('x')
ch.onopen = () => {
  ch.send('first')
  ch.send('second')
  ch.send('third')
}
;(async () => {
  await a.setLocalDescription(await a.createOffer())
  await b.setRemoteDescription(a.localDescription)
  await b.setLocalDescription(await b.createAnswer())
  await a.setRemoteDescription(b.localDescription)
})()
