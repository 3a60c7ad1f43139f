// SPDX-License-Identifier: MIT
// Benchmark: data channels peer to peer from Node.js, csctp's RTCPeerConnection
// (lib/peerconnection.js over the C peer) next to node-datachannel (libdatachannel's Node
// binding, usrsctp inside) in the same run. Prints figures, never fails on them.
//
//   node bench/dc_bulk.js [--mib N] [--runs R] [--small N] [--ldc DIR]   the table
//   node bench/dc_bulk.js --case STACK SIZE COUNT [--ldc DIR]             one case; one JSON line
//
// Per case a child process (killed after max(60, 4 N) s) holds BOTH peers of one stack
// (STACK csctp or ndc): so each figure is the CPU of both ends, csctp's on Node's main thread
// (the addon runs its GLib context inside libuv's loop) and node-datachannel's on its own
// threads as well. Both connect over ICE on 127.0.0.1 only (trickled candidates, no STUN),
// DTLS, SCTP, one ordered reliable channel opened by DCEP. Then one way, on that channel:
//  - 64 KiB: N MiB (default 64) in 64 KiB binary messages: MB/s (10^6 bytes per second);
//  - 1 KiB and 16 B: COUNT messages (default 50,000, --small): messages/s;
// with the flow control of bench/ldc_bulk/bulk.mjs (send while bufferedAmount stays under
// 4 MiB, resume on bufferedamountlow at 1 MiB), timed from the first send to the last byte
// received. The receiver compares every message with what was sent (one of 251 patterns,
// chosen by its sequence number) and fails the case on a wrong length, byte or count. "open"
// is the time from creating the two connections (certificates included) to the offerer's
// channel "open"; "cpu" the process's user+system time over the transfer, per GiB.
// R runs (default 3) of every case, stacks alternated; the table shows the median and the
// range. Exits non-zero only when a case receives wrong data or does not finish in time.
// Seen on this machine: node-datachannel's "open" is about 1 s in most runs (50-80 ms in the
// others), as its log shows: one side's ICE is connected some 50 ms before the other's, the
// first DTLS ClientHello reaches a peer whose DTLS transport does not exist yet and is dropped,
// and OpenSSL resends it after its 1 s timer.
//
// node-datachannel: DIR/node_modules/node-datachannel, where bench/ldc_bulk/install.sh's
// ldc_install runs `npm ci` (the version pinned in bench/ldc_bulk/package-lock.json, 0.33.4)
// when it is missing or another version. DIR is by default bench/ldc_bulk/ when it holds
// node_modules (`npm ci` there), else $TMPDIR/csctp-ldc-bulk (bench/fullstack_peers.sh's
// scratch); `./dev bench node_dc_bulk` passes build-bench/ldc_bulk. Without it (no npm,
// offline), the csctp rows alone are printed. The csctp addon comes from CSCTP_NODE_ADDON
// (build/bindings/node/csctp.node by default).
'use strict'
const fs = require('fs')
const os = require('os')
const path = require('path')
const { spawnSync } = require('child_process')

const ROOT = path.resolve(__dirname, '..', '..', '..')
const HIGH = 4 << 20
const LOW = 1 << 20
const PATTERNS = 251

// Message seq is patterns[seq % 251] of the case's size: distinct contents, so a lost,
// duplicated, reordered or corrupted message does not compare equal.
function patterns (size) {
  const list = []
  for (let p = 0; p < PATTERNS; p++) {
    const b = Buffer.allocUnsafe(size)
    let x = (p + 1) * 2654435761 >>> 0
    for (let i = 0; i < size; i++) {
      x = (x * 1103515245 + 12345) >>> 0
      b[i] = x >>> 24
    }
    list.push(b)
  }
  return list
}

function loopbackCandidate (c) {
  const f = String(c || '').replace(/^a=/, '').split(' ')
  return f.length > 5 && f[2].toUpperCase() === 'UDP' && (f[4] === '127.0.0.1' || f[4] === '::1')
}

// ---- one case, in a child process

function runCase (stack, size, count, ldcDir) {
  const pats = patterns(size)
  const total = size * count
  const seconds = Math.max(60, 4 * total / 1048576)
  let ndc = null
  const res = { stack, size, count, bytes: total }
  let tCreate = 0 // after loading the module: the addon's dlopen is not the connection's
  let tOpen = 0
  let t0 = 0
  let cpu0 = null
  let sent = 0
  let blocked = 0
  let received = 0
  let bytes = 0
  let finished = false
  let cleanup = () => {}

  const fail = (why) => {
    process.stderr.write(`dc_bulk: ${stack} ${size} B: ${why}\n`)
    process.exit(1)
  }
  const timer = setTimeout(() => fail(`timeout after ${seconds} s (${received} of ${count} messages, ${sent} sent)`), seconds * 1000)

  const receive = (m) => {
    if (finished) return
    if (!Buffer.isBuffer(m)) fail(`message ${received}: not binary (${typeof m})`)
    if (!m.equals(pats[received % PATTERNS])) {
      fail(m.length === size
        ? `message ${received}: its contents differ from those sent`
        : `message ${received}: ${m.length} bytes, not the ${size} bytes sent`)
    }
    received++
    bytes += m.length
    if (received === count) {
      const t1 = performance.now()
      const cpu = process.cpuUsage(cpu0)
      finished = true
      clearTimeout(timer)
      const s = (t1 - t0) / 1000
      Object.assign(res, {
        openMs: tOpen - tCreate,
        seconds: s,
        mbPerSec: bytes / 1e6 / s,
        msgsPerSec: count / s,
        cpuSecPerGiB: (cpu.user + cpu.system) / 1e6 / (bytes / 1073741824),
        cpuSec: (cpu.user + cpu.system) / 1e6,
        blocked
      })
      process.stdout.write(JSON.stringify(res) + '\n')
      cleanup()
      setTimeout(() => process.exit(0), 200)
    }
  }
  const opened = () => {
    tOpen = performance.now()
    cpu0 = process.cpuUsage()
    t0 = performance.now()
  }

  if (stack === 'csctp') {
    const { RTCPeerConnection } = require(path.join(__dirname, '..', 'lib'))
    const cfg = { localAddresses: ['127.0.0.1'], maxMessageSize: 262144 }
    tCreate = performance.now()
    const a = new RTCPeerConnection(cfg)
    const b = new RTCPeerConnection(cfg)
    cleanup = () => { a.close(); b.close() }
    a.onicecandidate = e => { if (!e.candidate || loopbackCandidate(e.candidate.candidate)) b.addIceCandidate(e.candidate).catch(fail) }
    b.onicecandidate = e => { if (!e.candidate || loopbackCandidate(e.candidate.candidate)) a.addIceCandidate(e.candidate).catch(fail) }
    a.onconnectionstatechange = () => { if (a.connectionState === 'failed' && !finished) fail('connection failed') }
    b.ondatachannel = e => {
      e.channel.binaryType = 'nodebuffer'
      e.channel.onmessage = ev => receive(ev.data)
    }
    const ch = a.createDataChannel('bulk')
    ch.bufferedAmountLowThreshold = LOW
    const pump = () => {
      while (sent < count && ch.bufferedAmount + size <= HIGH) {
        try {
          ch.send(pats[sent % PATTERNS])
        } catch (e) {
          if (!/send queue is full/.test(e.message)) throw e
          blocked++ // the send buffer is full: bufferedamountlow resumes
          return
        }
        sent++
      }
    }
    ch.onbufferedamountlow = pump
    ch.onopen = () => { opened(); pump() }
    ch.onerror = e => fail('channel error ' + (e.error && e.error.message))
    ;(async () => {
      const offer = await a.createOffer()
      await a.setLocalDescription(offer)
      await b.setRemoteDescription(offer)
      const answer = await b.createAnswer()
      await b.setLocalDescription(answer)
      await a.setRemoteDescription(answer)
    })().catch(e => fail('signalling: ' + e.message))
  } else {
    ndc = require(path.join(ldcDir, 'node_modules', 'node-datachannel'))
    const cfg = { iceServers: [], bindAddress: '127.0.0.1', maxMessageSize: 262144 }
    tCreate = performance.now()
    const a = new ndc.PeerConnection('a', cfg)
    const b = new ndc.PeerConnection('b', cfg)
    cleanup = () => {
      try { for (const x of [ch, ...remote, a, b]) x.close() } catch (e) {}
      ndc.cleanup()
    }
    a.onLocalDescription((sdp, type) => b.setRemoteDescription(sdp, type))
    b.onLocalDescription((sdp, type) => a.setRemoteDescription(sdp, type))
    a.onLocalCandidate((c, mid) => { if (loopbackCandidate(c)) b.addRemoteCandidate(c, mid) })
    b.onLocalCandidate((c, mid) => { if (loopbackCandidate(c)) a.addRemoteCandidate(c, mid) })
    a.onStateChange(s => { if ((s === 'failed' || s === 'closed') && !finished) fail('connection ' + s) })
    // Held here: a DataChannel that JavaScript no longer references is collected, and its
    // callbacks with it.
    const remote = []
    b.onDataChannel(dc => { remote.push(dc); dc.onMessage(m => receive(m)) })
    const ch = a.createDataChannel('bulk')
    const pump = () => {
      while (sent < count && ch.bufferedAmount() + size <= HIGH) {
        ch.sendMessageBinary(pats[sent % PATTERNS]) // false: queued, not an error
        sent++
      }
    }
    ch.onOpen(() => {
      if (ch.maxMessageSize() < size) fail(`maxMessageSize ${ch.maxMessageSize()} < ${size}`)
      ch.setBufferedAmountLowThreshold(LOW)
      ch.onBufferedAmountLow(pump)
      opened()
      pump()
    })
    ch.onError(e => fail('channel error ' + e))
  }
}

function ndcVersion (dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', 'node-datachannel', 'package.json'))).version
  } catch (e) {
    return '?'
  }
}

// ---- the table

// The directory whose node_modules holds node-datachannel, installed there if need be; null
// (and why) when it cannot be.
function findLdc (dir) {
  const has = d => fs.existsSync(path.join(d, 'node_modules', 'node-datachannel', 'package.json'))
  const local = path.join(ROOT, 'bench', 'ldc_bulk')
  if (!dir) {
    if (has(local)) return { dir: local }
    dir = path.join(process.env.TMPDIR || os.tmpdir(), 'csctp-ldc-bulk')
  }
  // ldc_install checks the lock file's stamp: a no-op when the pinned version is there.
  const sh = 'say() { printf "dc_bulk: %s\\n" "$*" >&2; }; . "$1"; ldc_install "$2"'
  const r = spawnSync('bash', ['-c', sh, 'bash', path.join(local, 'install.sh'), dir],
    { stdio: ['ignore', 'inherit', 'inherit'], timeout: 330000 })
  return r.status === 0 && has(dir) ? { dir } : { why: `ldc_install ${dir} failed (no npm? offline?)` }
}

function median (xs) {
  const s = xs.slice().sort((x, y) => x - y)
  const n = s.length
  return n ? (n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2) : NaN
}

function main () {
  const args = process.argv.slice(2)
  let ldcArg = null
  const i = args.indexOf('--ldc')
  if (i >= 0) ldcArg = path.resolve(args.splice(i, 2)[1])
  if (args[0] === '--case') {
    runCase(args[1], Number(args[2]), Number(args[3]), ldcArg)
    return
  }
  let mib = 64
  let runs = 3
  let small = 50000
  for (let k = 0; k < args.length; k++) {
    if (args[k] === '--mib') mib = Math.max(1, Math.floor(Number(args[++k])))
    else if (args[k] === '--runs') runs = Math.max(1, Math.floor(Number(args[++k])))
    else if (args[k] === '--small') small = Math.max(1, Math.floor(Number(args[++k])))
    else {
      process.stderr.write('usage: node bench/dc_bulk.js [--mib N] [--runs R] [--small N] [--ldc DIR]\n')
      process.exit(2)
    }
  }
  const ldc = findLdc(ldcArg)
  const stacks = ldc.dir ? ['csctp', 'ndc'] : ['csctp']
  const env = Object.assign({}, process.env, {
    CSCTP_NODE_ADDON: process.env.CSCTP_NODE_ADDON ||
      path.join(ROOT, 'build', 'bindings', 'node', 'csctp.node')
  })
  const cases = [[65536, mib * 16], [1024, small], [16, small]]
  const results = {} // `${stack} ${size}` -> [res...]
  let failed = 0
  const version = ldc.dir ? ndcVersion(ldc.dir) : '?'
  const load = () => os.loadavg().map(x => x.toFixed(2)).join(' ')
  const loadBefore = load()
  for (let r = 0; r < runs; r++) {
    for (const [size, count] of cases) {
      // Stacks alternated: which goes first changes from run to run.
      const order = r % 2 ? stacks.slice().reverse() : stacks
      for (const stack of order) {
        const limit = Math.ceil(Math.max(60, 4 * size * count / 1048576) + 30) * 1000
        const cmd = [__filename, '--case', stack, String(size), String(count)]
        if (ldc.dir) cmd.push('--ldc', ldc.dir)
        const p = spawnSync(process.execPath, cmd, { env, encoding: 'utf8', timeout: limit, killSignal: 'SIGKILL' })
        let res = null
        try { res = JSON.parse(p.stdout.trim().split('\n').pop()) } catch (e) { res = null }
        const key = `${stack} ${size}`
        if (!results[key]) results[key] = []
        if (res && p.status === 0) {
          results[key].push(res)
        } else {
          failed++
          const why = p.error && p.error.code === 'ETIMEDOUT'
            ? `killed after ${limit / 1000} s`
            : ((p.stderr || '').trim().split('\n').pop() || `exit ${p.status} ${p.signal || ''}`).replace(/^dc_bulk: /, '')
          console.log(`run ${r + 1}: ${stack} ${size} B: FAILED: ${why}`)
        }
      }
    }
  }

  const names = { csctp: 'csctp', ndc: 'node-datachannel' }
  console.log(`data channel bulk, one way, both peers in one Node ${process.version} process a case, ` +
    `ICE on 127.0.0.1, ${runs} run(s): median [min-max]`)
  console.log(`  64 KiB: ${mib} MiB; 1 KiB and 16 B: ${small} messages; flow control 4 MiB / 1 MiB; ` +
    `node-datachannel ${ldc.dir ? version + ' (libdatachannel, usrsctp)' : 'skipped: ' + ldc.why}`)
  const f = (xs, d) => xs.length ? `${median(xs).toFixed(d)} [${Math.min(...xs).toFixed(d)}-${Math.max(...xs).toFixed(d)}]` : '-'
  console.log('size    stack                            MB/s                   msg/s           open ms        CPU-s/GiB')
  for (const [size] of cases) {
    for (const stack of stacks) {
      const rs = results[`${stack} ${size}`] || []
      console.log(`${String(size).padEnd(7)} ${names[stack].padEnd(17)} ${f(rs.map(x => x.mbPerSec), 1).padStart(22)} ` +
        `${f(rs.map(x => x.msgsPerSec), 0).padStart(23)} ${f(rs.map(x => x.openMs), 0).padStart(17)} ` +
        `${f(rs.map(x => x.cpuSecPerGiB), 1).padStart(16)}`)
    }
  }
  if (stacks.length === 2) {
    const ratios = (field) => cases.map(([size]) => {
      const c = (results[`csctp ${size}`] || []).map(x => x[field])
      const n = (results[`ndc ${size}`] || []).map(x => x[field])
      return `${size} B ${c.length && n.length ? (median(c) / median(n)).toFixed(2) + 'x' : '-'}`
    }).join(', ')
    const oc = (results['csctp 65536'] || []).concat(results['csctp 1024'] || [], results['csctp 16'] || []).map(x => x.openMs)
    const on = (results['ndc 65536'] || []).concat(results['ndc 1024'] || [], results['ndc 16'] || []).map(x => x.openMs)
    console.log(`ratio csctp / node-datachannel (medians): throughput ${ratios('mbPerSec')}; ` +
      `CPU per GiB ${ratios('cpuSecPerGiB')}; ` +
      `time to open ${oc.length && on.length ? (median(oc) / median(on)).toFixed(2) + 'x' : '-'} (all cases)`)
  }
  console.log(`load average before: ${loadBefore}, after: ${load()}`)
  process.exit(failed ? 1 : 0)
}

main()
