// SPDX-License-Identifier: MIT
// Interop peer for tests/transport/test_node.c: the original Node.js `sctp` module over UDP.
//   node peer.js client LOCAL_IP UDP_PORT SCTP_PORT PEER_IP PEER_UDP PEER_SCTP SIZE COUNT STREAMS
//     connects, sends COUNT messages of SIZE bytes round-robin over STREAMS streams (PPID =
//     stream + 100), waits for every echo and checks it, then shuts down; exit 0 when all came
//     back intact and the shutdown completed.
//   node peer.js server LOCAL_IP UDP_PORT SCTP_PORT PEER_IP PEER_UDP PEER_SCTP COUNT
//     passive socket (the module's UDP "server"): echoes every message on its stream with its
//     PPID, then waits for the peer to shut down; exit 0 when COUNT were echoed and the
//     association ended gracefully.
//
// How the module must be driven (sctp 1.0.0, lib/association.js):
// - One write in flight per association. SEND keeps a single pending completion callback
//   (`this.drainCallback = callback`); a write on a second stream while the first waits for
//   its drain overwrites it, so the first stream's Writable never completes and that stream
//   stops sending for good (seen in traces: after the first round only the last stream's SSNs
//   advance). And a write issued while flightsize >= cwnd fails inside send() with an error
//   that SCTPStreamWritable swallows: the message is dropped. So every write below waits for the
//   previous write's callback, which the module gives only once flightsize < cwnd.
// - Messages smaller than the peer's window: a write completes only when
//   size + flightsize < peer_rwnd (csctp advertises 1 MiB by default).
// - udpPeer.address, not udpPeer.host as its README says.
'use strict'
const dgram = require('dgram')
const sctp = require('sctp')

const [mode, lip, ludp, lsctp, pip, pudp, psctp, size, count, streams] = process.argv.slice(2)
const die = (code, msg) => { console.error(msg); process.exit(code) }
setTimeout(() => die(3, 'peer.js: timed out'), Number(process.env.PEER_TIMEOUT_MS || 60000)).unref()

// UDP_PORT and PEER_UDP "raw": raw IPv4 (the module's raw-socket dependency, root) instead.
const raw = ludp === 'raw'
const start = udp => {
  const sock = sctp.connect(Object.assign({
    localPort: Number(lsctp),
    port: Number(psctp),
    passive: mode === 'server',
    MIS: 16,
    OS: 16
  }, raw
    ? { host: pip, localAddress: lip }
    : { udpTransport: udp, udpPeer: { address: pip, port: Number(pudp) } }))
  sock.on('error', e => die(1, 'peer.js: error ' + (e && e.message)))
  sock.on('data', () => {}) // keep the socket's own readable flowing
  // 'end' comes both after SHUTDOWN COMPLETE and after an ABORT: tell them apart.
  let aborted = false
  sock.on('connect', () => {
    sock.association.once('COMMUNICATION LOST', () => { aborted = true })
  })

  // One write at a time over the whole association (see above).
  const queue = []
  let busy = false
  let written = 0
  const pump = () => {
    if (busy || queue.length === 0) return
    const [id, buf] = queue.shift()
    busy = true
    sock.createStream(id).write(buf, () => {
      busy = false
      written++
      pump()
    })
  }
  const send = (id, buf) => { queue.push([id, buf]); pump() }

  const pattern = (i, n) => {
    const b = Buffer.alloc(n)
    for (let j = 0; j < n; j++) b[j] = (i * 131 + j * 7 + 1) & 0xff
    b.writeUInt32LE(i, 0)
    return b
  }
  if (mode === 'server') {
    const N = Number(size) // the server's 7th argument is COUNT
    let n = 0
    sock.on('stream', (stream, id) => {
      stream.on('data', buf => {
        n++
        const out = Buffer.from(buf)
        out.ppid = buf.ppid
        send(id, out)
      })
    })
    sock.on('end', () => setTimeout(() => { // after the COMMUNICATION LOST listeners
      console.log('peer.js server: received ' + n + ', echoed ' + written +
        (aborted ? ', association aborted' : ', shut down'))
      process.exit(n === N && written === N && !aborted ? 0 : 1)
    }, 100))
    return
  }
  const N = Number(count), S = Number(streams), L = Number(size)
  let got = 0, bad = 0
  const seen = new Set()
  sock.on('stream', (stream, id) => {
    stream.on('data', buf => {
      const i = buf.length >= 4 ? buf.readUInt32LE(0) : -1
      if (buf.length !== L || buf.ppid !== id + 100 || i % S !== id || seen.has(i) ||
          !buf.equals(pattern(i, L))) {
        bad++
        console.error('peer.js: bad echo on stream ' + id + ' ppid ' + buf.ppid + ' len ' + buf.length)
      } else {
        seen.add(i)
        got++
      }
      if (got + bad === N) {
        console.log('peer.js client: ' + got + ' echoes ok, ' + bad + ' bad')
        sock.on('end', () => setTimeout(() => {
          console.log('peer.js client: ' + (aborted ? 'association aborted' : 'shut down'))
          process.exit(bad || aborted ? 1 : 0)
        }, 100))
        sock.end()
        setTimeout(() => die(4, 'peer.js client: no SHUTDOWN COMPLETE'), 10000).unref()
      }
    })
  })
  sock.on('connect', () => {
    for (let i = 0; i < N; i++) {
      const b = pattern(i, L)
      b.ppid = (i % S) + 100
      send(i % S, b)
    }
  })
}

if (raw) {
  start(null)
} else {
  const udp = dgram.createSocket({ type: lip.includes(':') ? 'udp6' : 'udp4' })
  udp.bind(Number(ludp), lip, () => start(udp))
}
