// SPDX-License-Identifier: MIT
// Benchmark of issue 19: the same echo workload through the original Node.js `sctp` module
// (1.0.0) and through csctp's binding, in the same run, over UDP on loopback. Prints figures,
// never fails on them.
//
//   node bench/echo.js [--seconds S] [--original DIR]    the table (each case in a child process)
//   node bench/echo.js --case IMPL MODE SIZE SECONDS     one case; prints one JSON line
//     IMPL: original, csctp, csctp-own (csctp on its own UDP sockets), mixed (the original's
//     client, csctp's peer); MODE: serial, window (echo) or oneway (the peer only counts)
//
// The program is the same for both modules: it uses the original's API only (connect with
// passive, udpTransport and udpPeer; createStream; write callbacks; data events), so csctp runs
// it unchanged but for the require. A client and a passive echo peer share one process and
// two dgram sockets (so the figure is the CPU of both ends, as the C benchmarks count it):
//  - serial: one message in flight per association, the next written from the previous
//    write's callback. The original must be driven so (a write made while its flightsize >=
//    cwnd is dropped, tests/transport/node/peer.js says why), so this is the fair comparison;
//  - window: csctp only, up to 64 writes in flight, as a net.Socket program writes;
//  - own-udp: csctp only, serial, on csctp's own UDP sockets instead of dgram ones.
// csctp completes a write when the message is in its send buffer (as net.Socket), the original
// once its flightsize is below cwnd: "serial" is therefore pipelined for csctp.
//  - oneway: the client writes serially, the peer counts. The original cannot receive a 64 KiB
//    message (seen here: none delivered, from itself or from csctp) and between two of its
//    peers 16 KiB echoes stall (one in 3 s), so its one-way figure is its client's into
//    csctp's peer ("mixed"): the original's own sending cost, the most it can do.
// Both use the same packet size: the original's PMTU (1500 bytes of IP, DATA chunks of 1,448
// bytes; BENCH_PMTU changes it) and csctp's mtu (an SCTP packet) 20 bytes less.
// Both sides check every echo's length and first bytes. DIR holds node_modules/sctp; without
// it, `npm ci` installs the pinned sctp 1.0.0 (tests/transport/node/package-lock.json) into a
// scratch directory. The csctp addon comes from CSCTP_NODE_ADDON (build/bindings/node/csctp.node
// by default).
'use strict'
const dgram = require('dgram')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { execFileSync, spawnSync } = require('child_process')

const ROOT = path.resolve(__dirname, '..', '..', '..')

function runCase (impl, mode, size, seconds) {
  const csctp = () => require(path.join(__dirname, '..', 'lib'))
  // mixed: the original's client against csctp's echo peer (the original's sending and
  // receiving cost alone, and past the sizes where two originals stall).
  const sctp = impl === 'original' || impl === 'mixed' ? require('sctp') : csctp()
  const echoSctp = impl === 'mixed' ? csctp() : sctp
  // The same packet size on both: the original's PMTU (1500, an IP packet: DATA chunks of
  // 1,448 bytes) and csctp's mtu (an SCTP packet) 20 bytes less.
  const pmtu = Number(process.env.BENCH_PMTU || 1500)
  if (impl === 'original' || impl === 'mixed') require('sctp').defaults({ PMTU: pmtu })
  const a = dgram.createSocket('udp4')
  const b = dgram.createSocket('udp4')
  let ready = 0
  const payload = Buffer.alloc(size, 0x5a)
  // csctp-own: csctp's own UDP sockets on the ports a and b had (closed first): the packets
  // never enter JavaScript (`udpLocalPort` is csctp's addition to the original's options).
  const own = impl === 'csctp-own'
  const transport = (mine, peerPort) => own
    ? { udpLocalPort: mine.address().port, udpPeer: { address: '127.0.0.1', port: peerPort }, mtu: pmtu - 20 }
    : { udpTransport: mine, udpPeer: { address: '127.0.0.1', port: peerPort }, mtu: pmtu - 20 }
  let sent = 0; let got = 0; let bad = 0; let t0 = 0; let stop = false
  const start = () => {
    if (++ready < 2) return
    const pa = a.address().port
    const pb = b.address().port
    const ta = transport(a, pb)
    const tb = transport(b, pa)
    if (own) {
      a.close()
      b.close()
    }
    const echo = echoSctp.connect(Object.assign({
      passive: true, localPort: 5001, port: 5000, MIS: 2, OS: 2
    }, tb))
    echo.on('data', () => {})
    echo.on('stream', (st, id) => {
      const out = echo.createStream(id)
      const q = []
      let busy = false
      const pump = () => {
        if (busy || !q.length) return
        busy = true
        out.write(q.shift(), () => { busy = false; pump() })
      }
      st.on('data', buf => {
        if (mode === 'oneway') {
          if (buf.length !== size || buf[0] !== 0x5a) bad++
          got++
          if (stop && !doneOneway) {
            doneOneway = true
            finish()
          }
        } else if (mode === 'serial') {
          q.push(buf)
          pump()
        } else {
          out.write(buf)
        }
      })
    })
    const cli = sctp.connect(Object.assign({ localPort: 5000, port: 5001, MIS: 2, OS: 2 }, ta))
    cli.on('data', () => {})
    let doneOneway = false
    cli.on('connect', () => {
      const st = cli.createStream(1)
      t0 = process.hrtime.bigint()
      setTimeout(() => {
        stop = true
        if (mode === 'oneway' ? !got : got === sent) finish()
      }, seconds * 1000)
      const write = () => {
        if (stop) return
        sent++
        st.write(payload, mode === 'serial' || mode === 'oneway' ? write : undefined)
      }
      if (mode === 'serial' || mode === 'oneway') write()
      else {
        const fill = () => { while (!stop && sent - got < 64) write() }
        cli.on('stream', (rs) => rs.on('data', () => fill()))
        fill()
      }
    })
    cli.on('stream', (rs) => {
      rs.on('data', buf => {
        if (buf.length !== size || buf[0] !== 0x5a) bad++
        got++
        if (stop && got === sent) finish()
      })
    })
    let done = false
    const finish = () => {
      if (done) return
      done = true
      const s = Number(process.hrtime.bigint() - t0) / 1e9
      process.stdout.write(JSON.stringify({ impl, mode, size, msgs: got, bad, seconds: s,
        msgsPerSec: got / s, mbPerSec: got * size / s / 1e6 }) + '\n')
      process.exit(bad ? 1 : 0)
    }
    setTimeout(() => { if (stop) finish() }, seconds * 1000 + 5000).unref()
  }
  a.bind(0, '127.0.0.1', start)
  b.bind(0, '127.0.0.1', start)
}

function installOriginal () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csctp-bench-sctp-'))
  for (const f of ['package.json', 'package-lock.json']) {
    fs.copyFileSync(path.join(ROOT, 'tests', 'transport', 'node', f), path.join(dir, f))
  }
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--silent'],
    { cwd: dir, timeout: 180000, stdio: 'inherit' })
  return dir
}

function main () {
  const args = process.argv.slice(2)
  if (args[0] === '--case') {
    runCase(args[1], args[2], Number(args[3]), Number(args[4]))
    return
  }
  let seconds = 3
  let dir = null
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--seconds') seconds = Number(args[++i])
    else if (args[i] === '--original') dir = args[++i]
  }
  if (!dir) dir = installOriginal()
  const env = Object.assign({}, process.env, {
    NODE_PATH: path.join(dir, 'node_modules'),
    CSCTP_NODE_ADDON: process.env.CSCTP_NODE_ADDON ||
      path.join(ROOT, 'build', 'bindings', 'node', 'csctp.node')
  })
  const run = (impl, mode, size) => {
    const r = spawnSync(process.execPath, [__filename, '--case', impl, mode, String(size), String(seconds)],
      { env, encoding: 'utf8', timeout: (seconds + 30) * 1000 })
    let res = null
    try { res = JSON.parse(r.stdout.trim().split('\n').pop()) } catch (e) { res = null }
    return { res, err: res ? '' : ((r.stderr || '').split('\n')[0] || `no result (${r.signal || r.status})`) }
  }
  // Rows: [label, the original's case, csctp's mode]; each row runs csctp on dgram sockets
  // and on its own UDP sockets.
  const rows = [
    ['echo, serial', ['original', 'serial'], 'serial'],
    ['echo, 64 in flight', ['original', 'serial'], 'window'],
    ['one way', ['mixed', 'oneway'], 'oneway']
  ]
  const sizes = [16, 1024, 65536]
  const pmtu = Number(process.env.BENCH_PMTU || 1500)
  console.log(`sctp 1.0.0 (the original) and csctp's binding, UDP on loopback, PMTU ${pmtu}, ${seconds} s a case,`)
  console.log('client and peer in one process; msg/s (16 B) or MB/s of messages delivered back (echo) or to the peer (one way)')
  console.log('size   workload             original |  csctp dgram   ratio |  csctp own-udp   ratio')
  for (const size of sizes) {
    const orig = {}
    for (const [label, [oi, om], mode] of rows) {
      const key = oi + om
      if (!orig[key]) orig[key] = run(oi, om, size)
      const o = orig[key]
      const d = run('csctp', mode, size)
      const u = run('csctp-own', mode, size)
      const fig = r => !r || !r.res ? '-' : size <= 16 ? r.res.msgsPerSec.toFixed(0) : r.res.mbPerSec.toFixed(2)
      const stalled = o.res && o.res.msgs < 10
      const ratio = r => !o.res || stalled || !r.res ? '-' : (r.res.msgsPerSec / o.res.msgsPerSec).toFixed(1) + 'x'
      const notes = []
      if (o.err) notes.push(`original: ${o.err}`)
      if (stalled) notes.push(`the original stalled: ${o.res.msgs} messages in ${o.res.seconds.toFixed(1)} s`)
      if (d.err) notes.push(`dgram: ${d.err}`)
      if (u.err) notes.push(`own-udp: ${u.err}`)
      console.log(`${String(size).padEnd(6)} ${label.padEnd(18)} ${fig(o).padStart(10)} | ${fig(d).padStart(12)} ${ratio(d).padStart(7)} |` +
        ` ${fig(u).padStart(14)} ${ratio(u).padStart(7)}` + (notes.length ? `  (${notes.join('; ')})` : ''))
    }
    const oo = run('original', 'oneway', size)
    const f = oo.res ? (size <= 16 ? `${oo.res.msgsPerSec.toFixed(0)} msg/s` : `${oo.res.mbPerSec.toFixed(2)} MB/s`) : oo.err
    console.log(`${''.padEnd(6)} (one way between two peers of the original: ${f}${oo.res && oo.res.msgs < 10 ? ', stalled' : ''})`)
  }
}

main()
