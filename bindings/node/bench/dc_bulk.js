// SPDX-License-Identifier: MIT
// Benchmark: data channels peer to peer from Node.js, csctp's RTCPeerConnection
// (lib/peerconnection.js over the C peer) next to node-datachannel (libdatachannel's Node
// binding, usrsctp inside) in the same run. Prints figures, never fails on them.
//
//   node bench/dc_bulk.js [--mib N] [--runs R] [--small N] [--procs 1|2] [--ldc DIR]   the table
//   node bench/dc_bulk.js --case STACK SIZE COUNT PROCS [--ldc DIR]   one case; one JSON line
//
// Each case (STACK csctp or ndc) runs in a child process, killed after max(60, 4 N) s + 30 s.
// With --procs 1 (the default) that process holds BOTH peers: each figure is the CPU of both
// ends, csctp's on Node's main thread (the addon runs its GLib context inside libuv's loop),
// node-datachannel's on its own threads as well. With --procs 2 the receiving peer runs in a
// process of its own (forked, signalling over the IPC channel), as two applications would.
// Both stacks connect over ICE on 127.0.0.1 only (trickled host candidates, no STUN), DTLS,
// SCTP, one ordered reliable channel opened by DCEP. Then one way, on that channel:
//  - 64 KiB: N MiB (default 64) in 64 KiB binary messages: MB/s (10^6 bytes per second);
//  - 1 KiB and 16 B: COUNT messages (default 50,000, --small): messages/s;
// with the flow control of bench/ldc_bulk/bulk.mjs (send while bufferedAmount stays under
// 4 MiB, resume on bufferedamountlow at 1 MiB), timed from the first send to the last message
// received. The receiver compares every message with what was sent (one of 251 patterns,
// chosen by its sequence number) and fails the case on a wrong length, byte or order. "open"
// is the time from creating the two connections (certificates included) to the offerer's
// channel "open"; "CPU-s/GiB" the user+system time of the process(es) over the transfer;
// "run-queue" the seconds per second that their threads waited runnable for a CPU (Linux
// schedstat, summed over threads): on a loaded machine, a stack with one busy thread per
// process (csctp) is starved where one with several (node-datachannel) gets more CPU, and
// MB/s follows the scheduler's share more than the stack's cost; CPU-s/GiB does not.
// R runs (default 3) of every case, stacks alternated; the table shows the median and the
// range. Exits non-zero only when a case receives wrong data or does not finish in time.
// Seen on this machine: node-datachannel's "open" is about 1 s in most runs (15-80 ms in the
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
const { fork, spawnSync } = require('child_process')

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

// ---- one case, in a child process (and, with two processes, its own child for peer b)

// One peer of STACK: role "a" offers, creates the channel and sends; "b" answers and
// receives. signal(m) carries a description or a candidate to the other peer, which passes
// it to handle(m); ev.open() when a's channel is open, ev.listening() when b listens to its
// channel, ev.message(buf) for each of b's messages, ev.fail(why). stop() closes the peer.
// a sends once both have happened: node-datachannel 0.33.4 was seen to deliver message 1
// before message 0 (3 times in about 40 runs) when the first messages arrive before the
// receiving application sets onMessage (libdatachannel then flushes its queue from two
// threads at once, it seems); a browser application listens from its datachannel event too.
function csctpPeer (role, signal, ev) {
  const { RTCPeerConnection } = require(path.join(__dirname, '..', 'lib'))
  const pc = new RTCPeerConnection({ localAddresses: ['127.0.0.1'], maxMessageSize: 262144 })
  let early = [] // candidates before the remote description
  pc.onicecandidate = e => {
    if (!e.candidate || loopbackCandidate(e.candidate.candidate)) signal({ cand: e.candidate && e.candidate.toJSON() })
  }
  pc.onconnectionstatechange = () => { if (pc.connectionState === 'failed') ev.fail('connection failed') }
  const peer = {
    stop () { pc.close() },
    handle (m) {
      if (m.cand !== undefined) {
        if (early) early.push(m.cand)
        else pc.addIceCandidate(m.cand).catch(e => ev.fail('addIceCandidate: ' + e.message))
        return
      }
      ;(async () => {
        await pc.setRemoteDescription({ type: m.type, sdp: m.sdp })
        if (m.type === 'offer') {
          const answer = await pc.createAnswer()
          await pc.setLocalDescription(answer)
          signal({ type: 'answer', sdp: answer.sdp })
        }
        const q = early
        early = null
        for (const c of q) await pc.addIceCandidate(c)
      })().catch(e => ev.fail('signalling: ' + e.message))
    }
  }
  if (role === 'b') {
    pc.ondatachannel = e => {
      e.channel.binaryType = 'nodebuffer'
      e.channel.onmessage = m => ev.message(m.data)
      ev.listening()
    }
    return peer
  }
  const ch = pc.createDataChannel('bulk')
  ch.bufferedAmountLowThreshold = LOW
  peer.pump = (next) => {
    for (let m = next(); m; m = next()) {
      try {
        ch.send(m)
      } catch (e) {
        if (!/send queue is full/.test(e.message)) throw e
        return false // the send buffer is full: bufferedamountlow resumes
      }
    }
    return true
  }
  peer.buffered = () => ch.bufferedAmount
  ch.onbufferedamountlow = () => ev.low()
  ch.onopen = () => ev.open()
  ch.onerror = e => ev.fail('channel error ' + (e.error && e.error.message))
  ;(async () => {
    const offer = await pc.createOffer()
    await pc.setLocalDescription(offer)
    signal({ type: 'offer', sdp: offer.sdp })
  })().catch(e => ev.fail('signalling: ' + e.message))
  return peer
}

function ndcPeer (role, signal, ev, ndc) {
  const pc = new ndc.PeerConnection(role, { iceServers: [], bindAddress: '127.0.0.1', maxMessageSize: 262144 })
  // Held here: a DataChannel that JavaScript no longer references is collected, and its
  // callbacks with it.
  const channels = []
  let early = [] // candidates before the remote description
  pc.onLocalDescription((sdp, type) => signal({ type, sdp }))
  pc.onLocalCandidate((c, mid) => { if (loopbackCandidate(c)) signal({ cand: { candidate: c, sdpMid: mid } }) })
  pc.onStateChange(s => { if (s === 'failed') ev.fail('connection ' + s) })
  const peer = {
    stop () {
      try { for (const x of [...channels, pc]) x.close() } catch (e) {}
    },
    handle (m) {
      if (m.cand !== undefined) {
        if (early) early.push(m.cand)
        else pc.addRemoteCandidate(m.cand.candidate, m.cand.sdpMid)
        return
      }
      pc.setRemoteDescription(m.sdp, m.type)
      for (const c of early) pc.addRemoteCandidate(c.candidate, c.sdpMid)
      early = null
    }
  }
  if (role === 'b') {
    pc.onDataChannel(dc => {
      channels.push(dc)
      dc.onMessage(m => ev.message(m))
      ev.listening()
    })
    return peer
  }
  const ch = pc.createDataChannel('bulk')
  channels.push(ch)
  peer.pump = (next) => {
    for (let m = next(); m; m = next()) ch.sendMessageBinary(m) // false: queued, not an error
    return true
  }
  peer.buffered = () => ch.bufferedAmount()
  ch.onOpen(() => {
    if (ch.maxMessageSize() < 65536) ev.fail(`maxMessageSize ${ch.maxMessageSize()} < 65536`)
    ch.setBufferedAmountLowThreshold(LOW)
    ch.onBufferedAmountLow(() => ev.low())
    ev.open()
  })
  ch.onError(e => ev.fail('channel error ' + e))
  return peer
}

function loadStack (stack, ldcDir) {
  if (stack === 'csctp') {
    require(path.join(__dirname, '..', 'lib'))
    return { make: csctpPeer, done () {} }
  }
  const ndc = require(path.join(ldcDir, 'node_modules', 'node-datachannel'))
  return { make: (role, signal, ev) => ndcPeer(role, signal, ev, ndc), done () { ndc.cleanup() } }
}

// Seconds the threads of this process have waited runnable on a run queue (Linux schedstat),
// summed; 0 without /proc. On a busy machine this is where wall time goes that CPU time
// does not explain.
function runqWait () {
  let w = 0
  try {
    for (const t of fs.readdirSync('/proc/self/task')) {
      try { w += Number(fs.readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[1]) || 0 } catch (e) {}
    }
  } catch (e) {}
  return w / 1e9
}

const now = () => performance.timeOrigin + performance.now() // ms, comparable across processes

// The receiving side: compares every message; after the last, done(time, CPU seconds since
// the first).
function receiver (size, count, fail, done) {
  const pats = patterns(size)
  let received = 0
  let cpu0 = null
  let wait0 = 0
  return (m) => {
    if (received === count) return
    if (!cpu0) {
      cpu0 = process.cpuUsage()
      wait0 = runqWait()
    }
    if (!Buffer.isBuffer(m)) fail(`message ${received}: not binary (${typeof m})`)
    if (!m.equals(pats[received % PATTERNS])) {
      const k = pats.findIndex(x => x.equals(m))
      fail(m.length === size
        ? `message ${received}: its contents differ from those sent (${k < 0 ? 'no pattern' : 'pattern ' + k}; starts ${m.subarray(0, 8).toString('hex')})`
        : `message ${received}: ${m.length} bytes, not the ${size} bytes sent`)
    }
    if (++received === count) {
      const t1 = now()
      const cpu = process.cpuUsage(cpu0)
      done(t1, (cpu.user + cpu.system) / 1e6, runqWait() - wait0)
    }
  }
}

// Peer b in its own process (two processes): its end of the signalling is the IPC channel.
function runPeerB (stack, size, count, ldcDir) {
  const s = loadStack(stack, ldcDir)
  const fail = (why) => {
    process.stderr.write(`dc_bulk: ${stack} ${size} B (b): ${why}\n`)
    process.exit(1)
  }
  let b = null
  const receive = receiver(size, count, fail, (t1, cpuSec, waitSec) => process.send({ done: true, t1, cpuSec, waitSec }))
  process.on('message', (m) => {
    if (m.go) b = s.make('b', (x) => process.send(x), { fail, message: receive, listening () { process.send({ listening: true }) } })
    else if (m.stop) {
      b.stop()
      s.done()
      setTimeout(() => process.exit(0), 100)
    } else b.handle(m)
  })
  process.on('disconnect', () => process.exit(1))
  process.send({ ready: true })
}

function runCase (stack, size, count, procs, ldcDir) {
  const s = loadStack(stack, ldcDir)
  const pats = patterns(size)
  const total = size * count
  const seconds = Math.ceil(Math.max(60, 4 * total / 1048576))
  const res = { stack, size, count, procs, bytes: total }
  let tCreate = 0
  let tOpen = 0
  let t0 = 0
  let cpu0 = null
  let wait0 = 0
  let sent = 0
  let blocked = 0
  let a = null
  let b = null
  let child = null
  let finished = false

  const fail = (why) => {
    process.stderr.write(`dc_bulk: ${stack} ${size} B: ${why}\n`)
    if (child) child.kill('SIGKILL')
    process.exit(1)
  }
  const timer = setTimeout(() => fail(`timeout after ${seconds} s (${sent} of ${count} messages sent)`), seconds * 1000)
  const finish = (t1, cpuB, waitB) => {
    const cpuA = process.cpuUsage(cpu0)
    const waitSec = runqWait() - wait0 + waitB
    finished = true
    clearTimeout(timer)
    const sec = (t1 - t0) / 1000
    const cpuSec = (cpuA.user + cpuA.system) / 1e6 + cpuB
    Object.assign(res, {
      openMs: tOpen - tCreate,
      seconds: sec,
      mbPerSec: total / 1e6 / sec,
      msgsPerSec: count / sec,
      cpuSecPerGiB: cpuSec / (total / 1073741824),
      cpuSec,
      runqWaitPerSec: waitSec / sec,
      blocked
    })
    process.stdout.write(JSON.stringify(res) + '\n')
    a.stop()
    if (b) b.stop()
    if (child) child.send({ stop: true })
    s.done()
    setTimeout(() => process.exit(0), 300)
  }
  const next = () => {
    if (sent >= count || a.buffered() + size > HIGH) return null
    return pats[sent++ % PATTERNS]
  }
  const pump = () => {
    if (!a.pump(next)) { sent--; blocked++ } // the refused message goes again
  }
  let open = false
  let listening = false
  const go = () => {
    if (!open || !listening) return
    t0 = now()
    cpu0 = process.cpuUsage()
    wait0 = runqWait()
    pump()
  }
  const evA = {
    fail,
    open () {
      tOpen = now()
      open = true
      go()
    },
    low: pump
  }
  const onListening = () => {
    listening = true
    go()
  }
  if (procs === 1) { // b's CPU is a's: the process's time counts both
    const receive = receiver(size, count, fail, (t1) => finish(t1, 0, 0))
    tCreate = now()
    b = s.make('b', (m) => a.handle(m), { fail, message: receive, listening: onListening })
    a = s.make('a', (m) => b.handle(m), evA)
    return
  }
  child = fork(__filename, ['--peer-b', stack, String(size), String(count)].concat(ldcDir ? ['--ldc', ldcDir] : []),
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  child.on('exit', (code) => { if (!finished) fail(`peer b exited (${code})`) })
  child.on('message', (m) => {
    if (m.ready) { // b has loaded its module: both connections are made from now
      tCreate = now()
      child.send({ go: true })
      a = s.make('a', (x) => child.send(x), evA)
    } else if (m.listening) onListening()
    else if (m.done) finish(m.t1, m.cpuSec, m.waitSec)
    else a.handle(m)
  })
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
    runCase(args[1], Number(args[2]), Number(args[3]), Number(args[4]), ldcArg)
    return
  }
  if (args[0] === '--peer-b') {
    runPeerB(args[1], Number(args[2]), Number(args[3]), ldcArg)
    return
  }
  let mib = 64
  let runs = 3
  let small = 50000
  let procs = 1
  for (let k = 0; k < args.length; k++) {
    if (args[k] === '--mib') mib = Math.max(1, Math.floor(Number(args[++k])))
    else if (args[k] === '--runs') runs = Math.max(1, Math.floor(Number(args[++k])))
    else if (args[k] === '--small') small = Math.max(1, Math.floor(Number(args[++k])))
    else if (args[k] === '--procs' && (args[k + 1] === '1' || args[k + 1] === '2')) procs = Number(args[++k])
    else {
      process.stderr.write('usage: node bench/dc_bulk.js [--mib N] [--runs R] [--small N] [--procs 1|2] [--ldc DIR]\n')
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
        const cmd = [__filename, '--case', stack, String(size), String(count), String(procs)]
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
            : (p.stderr || '').split('\n').filter(l => l.startsWith('dc_bulk: ')).map(l => l.slice(9)).join('; ') ||
              `exit ${p.status} ${p.signal || ''}: ${(p.stderr || '').trim().split('\n').pop()}`
          console.log(`run ${r + 1}: ${stack} ${size} B: FAILED: ${why}`)
        }
      }
    }
  }

  const names = { csctp: 'csctp', ndc: 'node-datachannel' }
  console.log(`data channel bulk, one way, ${procs === 1 ? 'both peers in one Node process' : 'each peer in its own Node process'} ` +
    `(${process.version}) a case, ` +
    `ICE on 127.0.0.1, ${runs} run(s): median [min-max]`)
  console.log(`  64 KiB: ${mib} MiB; 1 KiB and 16 B: ${small} messages; flow control 4 MiB / 1 MiB; ` +
    `node-datachannel ${ldc.dir ? version + ' (libdatachannel, usrsctp)' : 'skipped: ' + ldc.why}`)
  const f = (xs, d) => xs.length ? `${median(xs).toFixed(d)} [${Math.min(...xs).toFixed(d)}-${Math.max(...xs).toFixed(d)}]` : '-'
  console.log('size    stack                            MB/s                   msg/s           open ms        CPU-s/GiB      run-queue s/s')
  for (const [size] of cases) {
    for (const stack of stacks) {
      const rs = results[`${stack} ${size}`] || []
      console.log(`${String(size).padEnd(7)} ${names[stack].padEnd(17)} ${f(rs.map(x => x.mbPerSec), 1).padStart(22)} ` +
        `${f(rs.map(x => x.msgsPerSec), 0).padStart(23)} ${f(rs.map(x => x.openMs), 0).padStart(17)} ` +
        `${f(rs.map(x => x.cpuSecPerGiB), 1).padStart(16)} ${f(rs.map(x => x.runqWaitPerSec), 2).padStart(18)}`)
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
