// Interop peer for tests/transport/test_node.c: the original Node.js `sctp` module over UDP.
//   node peer.js client LOCAL_IP UDP_PORT SCTP_PORT PEER_IP PEER_UDP PEER_SCTP SIZE COUNT STREAMS
//     connects, sends COUNT messages of SIZE bytes round-robin over STREAMS streams (PPID =
//     stream + 100), waits for every echo and checks it; exit 0 when all came back intact.
//   node peer.js server LOCAL_IP UDP_PORT SCTP_PORT PEER_IP PEER_UDP PEER_SCTP COUNT
//     passive socket (the module's UDP "server"): echoes every message on its stream with its
//     PPID; after COUNT echoes are acknowledged it shuts down itself (the module keeps
//     retransmitting when the peer acknowledges only through a SHUTDOWN chunk); exit 0 then.
// The module reads udpPeer.address (its README says udpPeer.host).
'use strict'
const dgram = require('dgram')
const sctp = require('sctp')

const [mode, lip, ludp, lsctp, pip, pudp, psctp, size, count, streams] = process.argv.slice(2)
const udp = dgram.createSocket({ type: lip.includes(':') ? 'udp6' : 'udp4' })
const die = (code, msg) => { console.error(msg); process.exit(code) }
setTimeout(() => die(3, 'peer.js: timed out'), 60000).unref()

udp.bind(Number(ludp), lip, () => {
  const sock = sctp.connect({
    localPort: Number(lsctp),
    port: Number(psctp),
    passive: mode === 'server',
    udpTransport: udp,
    udpPeer: { address: pip, port: Number(pudp) },
    MIS: 16,
    OS: 16
  })
  sock.on('error', e => die(1, 'peer.js: error ' + e.message))
  sock.on('data', () => {}) // keep the socket's own readable flowing
  const pattern = (i, n) => {
    const b = Buffer.alloc(n)
    for (let j = 0; j < n; j++) b[j] = (i * 131 + j * 7 + 1) & 0xff
    b.writeUInt32LE(i, 0)
    return b
  }
  if (mode === 'server') {
    let n = 0, acked = 0
    sock.on('stream', (stream, id) => {
      stream.on('data', buf => {
        n++
        const out = Buffer.from(buf)
        out.ppid = buf.ppid
        sock.createStream(id).write(out, () => {
          if (++acked === Number(size)) sock.end()
        })
      })
    })
    sock.on('end', () => { console.log('peer.js server: echoed ' + n); setTimeout(() => process.exit(0), 200) })
    return
  }
  const N = Number(count), S = Number(streams), L = Number(size)
  let got = 0, bad = 0
  const seen = new Set()
  sock.on('stream', (stream, id) => {
    stream.on('data', buf => {
      const i = buf.readUInt32LE(0)
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
        sock.end()
        setTimeout(() => process.exit(bad ? 1 : 0), 300)
      }
    })
  })
  sock.on('connect', () => {
    for (let i = 0; i < N; i++) {
      const b = pattern(i, L)
      b.ppid = (i % S) + 100
      sock.createStream(i % S).write(b)
    }
  })
})
