// SPDX-License-Identifier: MIT
// Run by pc.test.js: three worker threads at once (or, given `sequential`, one after the
// other, each started once the one before has ended), each with its own addon instance (its
// own GLib context on its own loop), connect two peers and pass a message; each worker
// then ends by itself, and so does this process. Prints the workers' [exit code, message].
'use strict'
const { Worker, isMainThread, parentPort } = require('worker_threads')

if (isMainThread) {
  const run = () => new Promise((resolve, reject) => {
    const w = new Worker(__filename)
    let msg = null
    w.on('message', m => { msg = m })
    w.on('error', reject)
    w.on('exit', code => resolve([code, msg]))
  })
  const all = process.argv[2] === 'sequential'
    ? (async () => [await run(), await run(), await run()])()
    : Promise.all([run(), run(), run()])
  all.then(r => process.stdout.write(JSON.stringify(r) + '\n'))
} else {
  const { RTCPeerConnection } = require('../../lib')
  const cfg = { localAddresses: ['127.0.0.1'] }
  const a = new RTCPeerConnection(cfg)
  const b = new RTCPeerConnection(cfg)
  a.onicecandidate = e => b.addIceCandidate(e.candidate)
  b.onicecandidate = e => a.addIceCandidate(e.candidate)
  b.ondatachannel = ({ channel }) => {
    channel.onmessage = e => {
      parentPort.postMessage(e.data)
      a.close()
      b.close()
    }
  }
  const ch = a.createDataChannel('w')
  ch.onopen = () => ch.send('from a worker')
  ;(async () => {
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)
  })()
}
