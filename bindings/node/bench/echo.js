// SPDX-License-Identifier: MIT
// Benchmark of issue 19: the same echo workload through the original Node.js `sctp` module
// (1.0.0) and through csctp's binding, in the same run, over UDP on loopback. Prints figures,
// never fails on them.
//
//   node bench/echo.js [--seconds S] [--original DIR]    the table (each case in a child process)
//   node bench/echo.js --case IMPL MODE SIZE SECONDS     one case; prints one JSON line
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
// Seen on this machine: between two peers of the original, 16 KiB and 64 KiB messages stall
// (one echo in 3 s); the table says so instead of a ratio.
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
  const sctp = impl === 'original' ? require('sctp') : require(path.join(__dirname, '..', 'lib'))
  const a = dgram.createSocket('udp4')
  const b = dgram.createSocket('udp4')
  let ready = 0
  const payload = Buffer.alloc(size, 0x5a)
  // csctp-own: csctp's own UDP sockets on the ports a and b had (closed first): the packets
  // never enter JavaScript (`udpLocalPort` is csctp's addition to the original's options).
  const own = impl === 'csctp-own'
  const transport = (mine, peerPort) => own
    ? { udpLocalPort: mine.address().port, udpPeer: { address: '127.0.0.1', port: peerPort } }
    : { udpTransport: mine, udpPeer: { address: '127.0.0.1', port: peerPort } }
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
    const echo = sctp.connect(Object.assign({
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
        if (mode === 'serial') { q.push(buf); pump() } else out.write(buf)
      })
    })
    const cli = sctp.connect(Object.assign({ localPort: 5000, port: 5001, MIS: 2, OS: 2 }, ta))
    cli.on('data', () => {})
    let sent = 0; let got = 0; let bad = 0; let t0 = 0; let stop = false
    cli.on('connect', () => {
      const st = cli.createStream(1)
      t0 = process.hrtime.bigint()
      setTimeout(() => {
        stop = true
        if (got === sent) finish()
      }, seconds * 1000)
      const write = () => {
        if (stop) return
        sent++
        st.write(payload, mode === 'serial' ? write : undefined)
      }
      if (mode === 'serial') write()
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
  const cases = []
  for (const size of [16, 1024, 65536]) {
    for (const [impl, mode] of [['original', 'serial'], ['csctp', 'serial'], ['csctp', 'window'],
      ['csctp-own', 'serial']]) {
      const r = spawnSync(process.execPath, [__filename, '--case', impl, mode, String(size), String(seconds)],
        { env, encoding: 'utf8', timeout: (seconds + 30) * 1000 })
      let res = null
      try { res = JSON.parse(r.stdout.trim().split('\n').pop()) } catch (e) { res = null }
      cases.push({ impl, mode, size, res, err: res ? '' : (r.stderr || '').split('\n')[0] })
    }
  }
  console.log(`echo through sctp 1.0.0 (the original) and csctp's binding, UDP on loopback, ${seconds} s a case,`)
  console.log('client and echoing peer in one process (msg/s and MB/s of echoed messages)')
  console.log('size      mode     original msg/s    MB/s |    csctp msg/s     MB/s |  ratio')
  for (const size of [16, 1024, 65536]) {
    const orig = cases.find(c => c.size === size && c.impl === 'original')
    for (const c of cases.filter(x => x.size === size && x.impl !== 'original')) {
      const o = orig.res
      const f = (x, d) => (x === undefined || x === null ? '-' : x.toFixed(d))
      const ratio = o && c.res && o.msgs >= 10 ? (c.res.msgsPerSec / o.msgsPerSec).toFixed(1) + 'x' : '-'
      console.log(`${String(size).padEnd(9)} ${(c.impl === 'csctp-own' ? 'own-udp' : c.mode).padEnd(8)} ${f(o && o.msgsPerSec, 0).padStart(14)} ${f(o && o.mbPerSec, 2).padStart(7)} | ` +
        `${f(c.res && c.res.msgsPerSec, 0).padStart(14)} ${f(c.res && c.res.mbPerSec, 2).padStart(8)} | ${ratio.padStart(6)}` +
        (c.err ? `  (${c.err})` : '') + (o ? '' : `  (original: ${orig.err})`) +
        (o && o.msgs < 10 ? `  (the original stalled: ${o.msgs} echoes in ${o.seconds.toFixed(1)} s)` : ''))
    }
  }
}

main()
