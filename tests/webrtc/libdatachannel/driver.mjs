// SPDX-License-Identifier: MIT
// libdatachannel (through node-datachannel) plays the browser's role against a peer that
// follows the contract of ../shared/interop/README.md (csctp-peer): it makes the offer or
// answers the peer's (--offer), opens channels, sends, checks the echoes. Every scenario runs
// in both offer directions, each with a fresh peer process and a fresh PeerConnection.
//
//   node driver.mjs --peer /path/to/csctp-peer [--only a,b] [--direction ldc|peer]
//                   [--bulk-mib 32] [--repeat N] [--no-reference] [--max-seconds S]
//                   [--log-dir DIR] [--verbose] [--json FILE] [--list]
//
// --repeat N runs the bulk N times against csctp-peer and N times against peer_ldc.mjs
// (libdatachannel's own side, the reference), alternated; medians and their ratio are shown.
//
// One line per scenario (PASS / FAIL / XFAIL direction/name (time): figures), then the
// matrix, then "N passed, M failed". Exit status 0 only without FAIL.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import ndc from 'node-datachannel';

// ---- options ----------------------------------------------------------------

const args = process.argv.slice(2);
const opt = { maxSeconds: 600, repeat: 1, peer: process.env.PEER_CMD || '', only: null, direction: null, bulkMib: 32, logDir: null, verbose: false, json: null };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const val = () => { if (i + 1 >= args.length) usage(`${a} needs a value`); return args[++i]; };
  if (a === '--peer') opt.peer = val();
  else if (a === '--only') opt.only = val().split(',');
  else if (a === '--direction') opt.direction = val();
  else if (a === '--bulk-mib') opt.bulkMib = Number(val());
  else if (a === '--log-dir') opt.logDir = val();
  else if (a === '--json') opt.json = val();
  else if (a === '--verbose') opt.verbose = true;
  else if (a === '--list') opt.list = true;
  else if (a === '--no-reference') opt.noReference = true;
  else if (a === '--max-seconds') opt.maxSeconds = Number(val());
  else if (a === '--repeat') opt.repeat = Number(val());
  else usage(`unknown option ${a}`);
}
function usage(msg) {
  process.stderr.write(`driver.mjs: ${msg}\nusage: node driver.mjs --peer CMD [--only A,B] [--direction ldc|peer] [--bulk-mib N] [--repeat N] [--no-reference] [--max-seconds S] [--log-dir DIR] [--verbose] [--json FILE] [--list]\n`);
  process.exit(2);
}

// What libdatachannel advertises (a=max-message-size) and accepts: big enough that the peer's
// own limit decides the largest message (csctp-peer: 256 KiB, 1 MiB once issue 12 lands).
const LDC_MAX_MESSAGE = 16 << 20;
const T = { signal: 10000, open: 10000, msg: 10000, close: 10000, scenario: 30000 };

// ---- small helpers ----------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
function withTimeout(p, ms, what) {
  let t;
  return Promise.race([p, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timeout (${ms} ms) waiting for ${what}`)), ms); })])
    .finally(() => clearTimeout(t));
}
function fail(reason) { throw new Error(reason); }
class XFail extends Error {}

function prng(seed) {
  let x = (Math.imul(seed + 1, 0x9e3779b1) ^ 0x5bd1e995) >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}
function makeBytes(size, seed) {
  const b = Buffer.allocUnsafe(size); const r = prng(seed);
  for (let i = 0; i < size; i++) b[i] = r() & 0xff;
  return b;
}
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function makeString(size, seed) {
  const b = Buffer.allocUnsafe(size); const r = prng(seed);
  for (let i = 0; i < size; i++) b[i] = ALNUM.charCodeAt(r() % ALNUM.length);
  return b.toString('latin1');
}
const sha = (m) => createHash('sha256').update(typeof m === 'string' ? Buffer.from(m, 'utf8') : m).digest('hex');
function describe(m) {
  if (typeof m === 'string') return `string(${Buffer.byteLength(m)} B)`;
  if (Buffer.isBuffer(m) || m instanceof Uint8Array) return `binary(${m.length} B)`;
  if (m instanceof ArrayBuffer) return `binary(${m.byteLength} B)`;
  return String(m);
}
const mb = (n) => (n >= 1 << 20 ? `${n / (1 << 20)} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} B`);

// ---- the peer process -------------------------------------------------------

const livePeers = new Set();
class Peer {
  constructor(cmd, offer, logFile) {
    this.queue = []; this.waiters = []; this.stderrTail = []; this.exited = null;
    this.lineWaiters = []; this.closedCount = 0; this.badStdout = null;
    const argv = cmd.split(' ').filter(Boolean);
    if (offer) argv.push('--offer');
    this.proc = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.log = logFile ? fs.createWriteStream(logFile) : null;
    livePeers.add(this);
    this.exitP = new Promise((r) => this.proc.on('exit', (code, sig) => { this.exited = { code, sig, early: !this.stopping }; livePeers.delete(this); r(); }));
    this.proc.on('error', (e) => { this.exited = { error: e.message }; });
    this.proc.stdin.on('error', () => {});
    let out = '';
    this.proc.stdout.on('data', (d) => {
      out += d;
      let i;
      while ((i = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, i); out = out.slice(i + 1);
        if (!line.trim()) continue;
        let msg;
        try { msg = JSON.parse(line); } catch { this.badStdout = line.slice(0, 120); continue; }
        if (opt.verbose) process.stderr.write(`  peer> ${line.slice(0, 200)}\n`);
        this.deliver(msg);
      }
    });
    let err = '';
    this.proc.stderr.on('data', (d) => {
      if (this.log) this.log.write(d);
      if (opt.verbose) process.stderr.write(d);
      err += d;
      let i;
      while ((i = err.indexOf('\n')) >= 0) {
        const line = err.slice(0, i); err = err.slice(i + 1);
        this.stderrTail.push(line); if (this.stderrTail.length > 200) this.stderrTail.shift();
        if (/csctp-peer: channel closed/.test(line)) this.closedCount++;
        for (const w of this.lineWaiters.slice()) if (w.re.test(line)) { this.lineWaiters.splice(this.lineWaiters.indexOf(w), 1); w.resolve(line); }
      }
    });
  }
  deliver(msg) {
    const i = this.waiters.findIndex((w) => w.type === msg.type);
    if (i >= 0) this.waiters.splice(i, 1)[0].resolve(msg);
    else this.queue.push(msg);
  }
  send(msg) {
    if (opt.verbose) process.stderr.write(`  peer< ${JSON.stringify(msg).slice(0, 200)}\n`);
    this.proc.stdin.write(JSON.stringify(msg) + '\n');
  }
  wait(type, ms) {
    const i = this.queue.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]);
    return withTimeout(new Promise((resolve) => this.waiters.push({ type, resolve })), ms, `"${type}" from the peer`);
  }
  // Resolves when the peer's stderr has shown `count` "channel closed" lines.
  async waitClosedLines(count, ms) {
    const t0 = now();
    while (this.closedCount < count) {
      if (now() - t0 > ms) fail(`the peer did not log "channel closed" within ${ms} ms (its side of the stream reset did not complete)`);
      await sleep(10);
    }
  }
  // Contract: after bye / end of stdin the peer exits within 3 s; then SIGTERM, SIGKILL 2 s later,
  // to its own process group only (it was started detached, so the group is the child's pid).
  async stop() {
    this.stopping = true;
    try { this.send({ type: 'bye' }); this.proc.stdin.end(); } catch {}
    const kill = (sig) => { try { process.kill(-this.proc.pid, sig); } catch {} };
    let late = false;
    if (!this.exited) await Promise.race([this.exitP, sleep(3000)]);
    if (!this.exited) { late = true; kill('SIGTERM'); await Promise.race([this.exitP, sleep(2000)]); }
    if (!this.exited) { kill('SIGKILL'); await Promise.race([this.exitP, sleep(1000)]); }
    if (this.log) await new Promise((r) => this.log.end(r));
    return late;
  }
}

// ---- SDP: loopback candidates only (as the browser harness forwards them) ----

function loopbackOnly(sdp) {
  return sdp.split(/\r?\n/).filter((l) => {
    if (!l.startsWith('a=candidate:')) return true;
    const f = l.slice(2).split(' ');
    return f[2]?.toUpperCase() === 'UDP' && (f[4] === '127.0.0.1' || f[4] === '::1');
  }).join('\r\n');
}
const sdpValue = (sdp, attr) => { const m = new RegExp(`^a=${attr}:(.*)$`, 'm').exec(sdp); return m ? m[1].trim() : null; };

// ---- one connection: libdatachannel's PeerConnection and the peer process ----

class Inbox {
  constructor(dc) {
    this.q = []; this.waiter = null; this.closed = false; this.closedAt = null;
    this.openP = new Promise((resolve, reject) => {
      this.openResolve = resolve;
      dc.onOpen(() => { this.openedAt = now(); resolve(); });
      dc.onError((e) => reject(new Error(`channel "${dc.getLabel()}" error: ${e}`)));
    });
    this.closedP = new Promise((resolve) => dc.onClosed(() => { this.closed = true; this.closedAt = now(); resolve(); }));
    this.openP.catch(() => {});
    dc.onMessage((m) => {
      if (this.waiter) { const w = this.waiter; this.waiter = null; w(m); } else this.q.push(m);
    });
  }
  next(ms, what) {
    if (this.q.length) return Promise.resolve(this.q.shift());
    return withTimeout(new Promise((resolve) => { this.waiter = resolve; }), ms, what).catch((e) => { this.waiter = null; throw e; });
  }
}

class Conn {
  constructor(dir, name, peerCmd) {
    this.dir = dir; this.t0 = now(); this.firstOpen = null; this.channels = []; this.phase = {};
    const logFile = opt.logDir ? path.join(opt.logDir, `${dir}-${name}.log`) : null;
    this.peer = new Peer(peerCmd, dir === 'peer-offers', logFile);
    this.pc = new ndc.PeerConnection(`${dir}-${name}`, {
      iceServers: [], bindAddress: '127.0.0.1', maxMessageSize: LDC_MAX_MESSAGE,
    });
    this.incoming = [];
    this.incomingWaiters = [];
    this.pc.onDataChannel((dc) => {
      const ch = this.wrap(dc);
      this.incoming.push(ch);
      for (const w of this.incomingWaiters.splice(0)) w();
    });
    // Complete SDP by default (the harness default); with c.trickle the description goes out
    // without candidates and each candidate follows as a "candidate" message.
    this.cands = []; this.trickled = 0;
    this.pc.onLocalCandidate((cand, mid) => { this.cands.push([cand, mid]); if (this.trickleLive) this.flushCands(); });
    this.gatherDone = new Promise((resolve) => this.pc.onGatheringStateChange((st) => {
      if (st !== 'complete') return;
      resolve();
      if (this.trickleLive) { this.flushCands(); this.peer.send({ type: 'candidate', candidate: '', sdpMid: '0', sdpMLineIndex: 0 }); }
    }));
  }
  flushCands() {
    for (const [cand, mid] of this.cands.splice(0)) {
      const line = cand.replace(/^a=/, '');
      if (loopbackOnly(`a=${line}`) === '') continue; // not a loopback UDP candidate
      this.peer.send({ type: 'candidate', candidate: line, sdpMid: mid || '0', sdpMLineIndex: 0 });
      this.trickled++;
    }
  }
  async localDescription(ms) {
    const t0 = now();
    for (;;) {
      const d = this.pc.localDescription();
      if (d && d.sdp) return d;
      if (now() - t0 > ms) fail(`libdatachannel made no local description within ${ms} ms`);
      await sleep(2);
    }
  }
  // Trickle: the description without candidates now, then its candidates as messages.
  async sendTrickled(type) {
    const d = await this.localDescription(5000);
    this.localSdp = d.sdp;
    const bare = d.sdp.split(/\r?\n/).filter((l) => !l.startsWith('a=candidate:') && l !== 'a=end-of-candidates').join('\r\n');
    this.peer.send({ type, sdp: bare });
    this.trickleLive = true;
    this.flushCands();
    if (this.pc.gatheringState() === 'complete') this.peer.send({ type: 'candidate', candidate: '', sdpMid: '0', sdpMLineIndex: 0 });
  }
  wrap(dc) {
    const ch = { dc, inbox: new Inbox(dc) };
    ch.inbox.openP.then(() => { if (this.firstOpen === null) this.firstOpen = now() - this.t0; }, () => {});
    this.channels.push(ch);
    return ch;
  }
  channel(label, init) {
    return this.wrap(init ? this.pc.createDataChannel(label, init) : this.pc.createDataChannel(label));
  }
  gathered(ms) {
    return withTimeout(this.gatherDone, ms, 'libdatachannel to gather candidates');
  }
  // libdatachannel offers: call after creating at least one channel (auto-negotiation makes the
  // offer then); the peer answers.
  async connectAsOfferer() {
    if (this.trickle) {
      await this.sendTrickled('offer');
      const answer = await this.peer.wait('answer', T.signal);
      this.phase.signalled = now() - this.t0;
      this.remoteSdp = answer.sdp;
      this.pc.setRemoteDescription(loopbackOnly(answer.sdp), 'answer');
      return;
    }
    await this.gathered(5000);
    this.phase.gathered = now() - this.t0;
    const offer = this.pc.localDescription();
    this.localSdp = offer.sdp;
    this.peer.send({ type: 'offer', sdp: loopbackOnly(offer.sdp) });
    const answer = await this.peer.wait('answer', T.signal);
    this.phase.signalled = now() - this.t0;
    this.remoteSdp = answer.sdp;
    this.pc.setRemoteDescription(loopbackOnly(answer.sdp), 'answer');
  }
  // The peer offers (--offer); libdatachannel answers (auto-negotiation).
  async connectAsAnswerer() {
    const offer = await this.peer.wait('offer', T.signal);
    this.phase.offer = now() - this.t0;
    this.remoteSdp = offer.sdp;
    this.pc.setRemoteDescription(loopbackOnly(offer.sdp), 'offer');
    if (this.trickle) {
      await this.sendTrickled('answer');
      this.phase.signalled = now() - this.t0;
      return;
    }
    await this.gathered(5000);
    this.phase.signalled = now() - this.t0;
    this.localSdp = this.pc.localDescription().sdp;
    this.peer.send({ type: 'answer', sdp: loopbackOnly(this.localSdp) });
  }
  async connect(firstLabel = 'first', init) {
    let ch;
    if (this.dir === 'ldc-offers') {
      ch = this.channel(firstLabel, init);
      await this.connectAsOfferer();
    } else {
      await this.connectAsAnswerer();
      // Our first channel is created now, before SCTP is up, not once the peer's "offerer"
      // channel has opened. libdatachannel 0.24.5 bug: when SCTP connects it assigns ids and
      // queues openDataChannels() on its processor thread, which sends DATA_CHANNEL_OPEN for
      // every channel not yet open; a channel created after the state became connected but
      // before that task ran is opened at once by createDataChannel() too, so its
      // DATA_CHANNEL_OPEN goes out twice on the same stream, and the peer, as RFC 8832 §6
      // requires, closes the channel ("DATA_CHANNEL_OPEN on stream 0 rejected: the id is in use",
      // then "DataChannel is closed" here). Creating a channel on the first onDataChannel/onOpen
      // callback is exactly that window; seen about once in 40 connections under load.
      ch = this.channel(firstLabel, init);
      const off = await this.waitIncoming('offerer', T.open);
      await withTimeout(off.inbox.openP, T.open, 'the peer\'s "offerer" channel to open');
    }
    await withTimeout(ch.inbox.openP, T.open, `channel "${firstLabel}" to open`);
    return ch;
  }
  async waitIncoming(label, ms) {
    const t0 = now();
    for (;;) {
      const c = this.incoming.find((x) => x.dc.getLabel() === label);
      if (c) return c;
      if (now() - t0 > ms) fail(`timeout (${ms} ms) waiting for the peer's channel "${label}"`);
      await withTimeout(new Promise((r) => this.incomingWaiters.push(r)), ms, `the peer's channel "${label}"`).catch(() => {});
    }
  }
  remoteMaxMessage() {
    const v = this.remoteSdp && sdpValue(this.remoteSdp, 'max-message-size');
    return v === null ? 65536 : Number(v);
  }
  async close() {
    for (const c of this.channels) { try { c.dc.close(); } catch {} }
    try { this.pc.close(); } catch {}
    return this.peer.stop();
  }
}

// ---- checks -----------------------------------------------------------------

function send(dc, m) {
  const ok = typeof m === 'string' ? dc.sendMessage(m) : dc.sendMessageBinary(m);
  if (ok === false) { /* queued in libdatachannel's own buffer: still sent */ }
}

async function echoCheck(ch, msgs, ms = T.msg) {
  const { dc, inbox } = ch;
  for (const m of msgs) send(dc, m);
  const hashes = msgs.map(sha);
  for (let i = 0; i < msgs.length; i++) {
    const sent = msgs[i];
    const got = await inbox.next(ms, `echo #${i} (${describe(sent)}) on "${dc.getLabel()}"`);
    const wantString = typeof sent === 'string';
    const typeOk = wantString ? typeof got === 'string' : Buffer.isBuffer(got);
    const h = sha(typeof got === 'string' ? got : Buffer.from(got));
    if (typeOk && h === hashes[i]) continue;
    const k = hashes.indexOf(h);
    const what = k < 0 ? 'unknown content' : k === i ? 'the right content' : `the content of message #${k} (${describe(msgs[k])})`;
    fail(`echo #${i} on "${dc.getLabel()}": sent ${describe(sent)}, got ${describe(got)} carrying ${what}`);
  }
}

async function ask(ch, q, ms = T.msg) {
  send(ch.dc, q);
  for (;;) {
    const r = await ch.inbox.next(ms, `reply to "${q}" on "${ch.dc.getLabel()}"`);
    if (typeof r === 'string') return r;
  }
}
async function askInfo(ch) {
  const r = await ask(ch, 'info?');
  try { return JSON.parse(r); } catch { fail(`reply to "info?" is not JSON: ${r.slice(0, 80)}`); }
}
function checkInfo(info, expect) {
  for (const [k, v] of Object.entries(expect)) {
    const got = info[k] === undefined ? null : info[k];
    if (got !== v) fail(`peer reports ${k}=${JSON.stringify(got)}, expected ${JSON.stringify(v)}`);
  }
}

// 200 numbered 1000-byte binaries on a partially reliable or unordered channel.
async function partial(c, label, init, expectInfo, { count = 200, size = 1000, minDelivery, ordered }) {
  const ch = await c.connect(label, init);
  checkInfo(await askInfo(ch), expectInfo);
  for (let i = 0; i < count; i++) {
    const m = makeBytes(size, 1000 + i); m.writeUInt32BE(i, 0);
    send(ch.dc, m);
  }
  const seen = new Set(); let last = -1; let reordered = 0;
  while (seen.size < count) {
    let got;
    try { got = await ch.inbox.next(2000, 'echo'); } catch { break; }
    if (typeof got === 'string') continue;
    if (got.length !== size) fail(`echo of ${got.length} B, expected ${size}`);
    const seq = got.readUInt32BE(0);
    const want = makeBytes(size, 1000 + seq); want.writeUInt32BE(seq, 0);
    if (!want.equals(got)) fail(`echo of message ${seq} corrupted`);
    if (seen.has(seq)) fail(`message ${seq} echoed twice`);
    seen.add(seq);
    if (seq < last) reordered++;
    last = Math.max(last, seq);
  }
  if (ordered && reordered) fail(`${reordered} echoes out of order on an ordered channel`);
  if (seen.size < Math.ceil(count * minDelivery)) fail(`only ${seen.size}/${count} echoes arrived`);
  return `${seen.size}/${count} echoed, ${reordered} reordered`;
}

// ---- scenarios ----------------------------------------------------------------
// Each gets a connected-to-be Conn and returns a figures string (or throws).

const scenarios = {
  text: async (c) => {
    const ch = await c.connect('text');
    await echoCheck(ch, ['hello', 'h\u00e9llo w\u00f6rld \u2713 \u{1F642} \u4e2d\u6587', makeString(1000, 1), 'x']);
  },
  binary: async (c) => {
    const ch = await c.connect('binary');
    await echoCheck(ch, [Buffer.from([0]), makeBytes(1000, 2), makeBytes(16384, 3), Buffer.from([0xff, 0])]);
  },
  empty: async (c) => {
    // PPID 56 / 57 (RFC 8831 §6.6): libdatachannel sends an empty message as one zero byte
    // with the "empty" PPID and delivers one as an empty message.
    const ch = await c.connect('empty');
    await echoCheck(ch, ['', Buffer.alloc(0), 'x', Buffer.alloc(0), '', Buffer.from([0])]);
  },
  'order-1000': async (c) => {
    const ch = await c.connect('order');
    const msgs = [];
    for (let i = 0; i < 1000; i++) {
      if (i % 2) { const b = Buffer.alloc(8); b.writeUInt32BE(i, 0); b.writeUInt32BE(~i >>> 0, 4); msgs.push(b); } else msgs.push(`m${i}`);
    }
    const t0 = now();
    await echoCheck(ch, msgs);
    return `${Math.round(now() - t0)} ms for 1000 round trips`;
  },
  'large-64k': async (c) => {
    const ch = await c.connect('large-64k');
    await echoCheck(ch, [makeString(65536, 4), makeBytes(65536, 5)]);
  },
  'large-max': async (c) => {
    const ch = await c.connect('large-max');
    const peerMax = c.remoteMaxMessage();
    const max = ch.dc.maxMessageSize();
    if (max !== Math.min(peerMax, LDC_MAX_MESSAGE)) fail(`libdatachannel allows ${max} B, expected min(peer's ${peerMax}, ours ${LDC_MAX_MESSAGE})`);
    const t0 = now();
    await echoCheck(ch, [makeBytes(max, 6), makeString(max, 7)], 30000);
    return `${mb(max)} (peer a=max-message-size:${peerMax}, libdatachannel ${LDC_MAX_MESSAGE}), ${Math.round(now() - t0)} ms`;
  },
  'large-16m': async (c) => {
    // csctp-peer --max-message-size 16777216 (issue 12: a 16 MiB message through libdatachannel):
    // one 16 MiB binary and one 16 MiB string each way.
    const ch = await c.connect('large-16m');
    const max = ch.dc.maxMessageSize();
    if (max < 16 << 20) fail(`libdatachannel allows only ${max} B towards the peer (peer a=max-message-size:${c.remoteMaxMessage()})`);
    const t0 = now();
    await echoCheck(ch, [makeBytes(16 << 20, 21), makeString(16 << 20, 22)], 30000);
    const secs = (now() - t0) / 1000;
    return `2 x 16 MiB echoed in ${secs.toFixed(2)} s (${((64 << 20) / secs / 1e6).toFixed(1)} MB/s both ways together)`;
  },
  unordered: (c) => partial(c, 'unordered', { unordered: true },
    { ordered: false, maxRetransmits: null, maxPacketLifeTime: null }, { minDelivery: 1 }),
  'unordered-rtx0': (c) => partial(c, 'unordered-rtx0', { unordered: true, maxRetransmits: 0 },
    { ordered: false, maxRetransmits: 0, maxPacketLifeTime: null }, { minDelivery: 0.9 }),
  'ordered-lifetime': (c) => partial(c, 'ordered-lifetime', { maxPacketLifeTime: 3000 },
    { ordered: true, maxRetransmits: null, maxPacketLifeTime: 3000 }, { minDelivery: 0.9, ordered: true }),
  negotiated: async (c) => {
    // Before the offer (the peer creates them at once; in --offer mode before its offer is out).
    c.peer.send({ type: 'negotiated', id: 7, label: 'neg-7', ordered: true });
    c.peer.send({ type: 'negotiated', id: 10, label: 'neg-10', ordered: false, maxRetransmits: 2, protocol: 'p10' });
    const n7 = c.channel('neg-7', { negotiated: true, id: 7 });
    const n10 = c.channel('neg-10', { negotiated: true, id: 10, unordered: true, maxRetransmits: 2, protocol: 'p10' });
    await c.connect('boot');
    for (const [ch, exp] of [[n7, { id: 7, negotiated: true, ordered: true, label: 'neg-7' }],
      [n10, { id: 10, negotiated: true, ordered: false, maxRetransmits: 2, protocol: 'p10', label: 'neg-10' }]]) {
      await withTimeout(ch.inbox.openP, T.open, `negotiated channel ${exp.id} to open`);
      await echoCheck(ch, [makeString(1000, 8), makeBytes(1000, 9)]);
      checkInfo(await askInfo(ch), exp);
    }
    return 'ids 7 and 10';
  },
  'many-32': async (c) => {
    await c.connect('boot');
    const chans = [];
    for (let i = 0; i < 32; i++) chans.push(c.channel(`multi-${i}`, { protocol: `proto-${i}` }));
    await Promise.all(chans.map(async (ch, i) => {
      await withTimeout(ch.inbox.openP, T.open, `channel multi-${i} to open`);
      await echoCheck(ch, [`hello from multi-${i}`, makeBytes(1000, 100 + i)]);
      checkInfo(await askInfo(ch), { label: `multi-${i}`, protocol: `proto-${i}`, id: ch.dc.getId() });
    }));
    const ids = new Set(chans.map((ch) => ch.dc.getId()));
    if (ids.size !== 32) fail('duplicate stream ids');
    return `32 channels, ids ${Math.min(...ids)}..${Math.max(...ids)}`;
  },
  'wrong-parity': async (c) => {
    // RFC 8832 §6: the DTLS client opens even stream ids, the server odd ones. libdatachannel
    // opens a channel (DCEP, not negotiated) on an id of the peer's parity, as aiortc does when
    // it picks ids by ICE role: the peer should accept it while that id is free (libwebrtc,
    // aiortc and GStreamer do), not reset it.
    const boot = await c.connect('boot');
    const mine = boot.dc.getId();
    const wrong = 100 + ((mine & 1) ^ 1);
    const ch = c.channel('wrong-parity', { id: wrong });
    await withTimeout(Promise.race([ch.inbox.openP, ch.inbox.closedP.then(() => fail(`the peer closed channel ${wrong} instead of accepting it`))]),
      T.open, `channel on stream ${wrong} (libdatachannel's own ids are ${mine & 1 ? 'odd' : 'even'}) to open`);
    await echoCheck(ch, [makeString(100, 18), makeBytes(100, 19)]);
    checkInfo(await askInfo(ch), { id: wrong, label: 'wrong-parity', negotiated: false });
    await echoCheck(boot, ['still here']);
    return `stream ${wrong} accepted (libdatachannel's ids are ${mine & 1 ? 'odd' : 'even'})`;
  },
  trickle: async (c) => {
    // libdatachannel's description without candidates, then each candidate as a "candidate"
    // message and end-of-candidates (the contract's trickle; the peer answers/offers complete).
    c.trickle = true;
    const ch = await c.connect('trickle');
    await echoCheck(ch, ['trickled', makeBytes(1000, 24)]);
    if (!c.trickled) fail('libdatachannel trickled no loopback candidate');
    return `${c.trickled} candidate(s) trickled`;
  },
  'no-srtp': async (c) => {
    // csctp-peer --no-srtp: no use_srtp in its DTLS handshake (RFC 8261 does not need it);
    // libdatachannel offers it but must go on without it.
    const ch = await c.connect('no-srtp');
    await echoCheck(ch, ['hello without SRTP', makeBytes(1000, 20)]);
  },
  'close-ldc': async (c) => {
    const ch = await c.connect('closer');
    const id = ch.dc.getId();
    await echoCheck(ch, ['before close', makeBytes(100, 10)]);
    const before = c.peer.closedCount;
    const t0 = now();
    ch.dc.close();
    await withTimeout(ch.inbox.closedP, T.close, 'libdatachannel\'s onClosed');
    const onClosedMs = Math.round(ch.inbox.closedAt - t0);
    // libdatachannel reports closed at once, on its own close(): the peer's log says when its
    // incoming reset arrived and its own outgoing reset completed (RFC 8831 §6.7).
    await c.peer.waitClosedLines(before + 1, T.close);
    const ms = Math.round(now() - t0);
    const again = c.channel('after-close');
    await withTimeout(again.inbox.openP, T.open, 'channel "after-close" to open');
    await echoCheck(again, [makeString(100, 11), makeBytes(100, 12)]);
    return `closed both ways in ${ms} ms (libdatachannel's onClosed after ${onClosedMs} ms: it fires on its own close(), before the reset completes), id ${id} reopened as ${again.dc.getId()}`;
  },
  'close-peer': async (c) => {
    const ch = await c.connect('closee');
    await echoCheck(ch, ['before close']);
    const before = c.peer.closedCount;
    const t0 = now();
    send(ch.dc, 'close!');
    await withTimeout(ch.inbox.closedP, T.close, 'libdatachannel\'s onClosed after the peer\'s "close!"');
    const ms = Math.round(now() - t0);
    await c.peer.waitClosedLines(before + 1, T.close);
    const again = c.channel('after-peer-close');
    await withTimeout(again.inbox.openP, T.open, 'channel "after-peer-close" to open');
    await echoCheck(again, [makeString(100, 13), makeBytes(100, 14)]);
    return `closed in ${ms} ms, reopened`;
  },
  'peer-channel': async (c) => {
    // The channel the peer opened itself: "offerer", in --offer mode only (the contract has the
    // peer open no channel of its own when it answers), so n/a when libdatachannel offers.
    if (c.dir !== 'peer-offers') return null;
    await c.connect('browser-made');
    const off = await c.waitIncoming('offerer', T.open);
    await echoCheck(off, [makeString(1000, 15), makeBytes(16384, 16), '', Buffer.alloc(0)]);
    checkInfo(await askInfo(off), { label: 'offerer', negotiated: false, ordered: true, id: off.dc.getId() });
    return `id ${off.dc.getId()}`;
  },
  'bulk-echo': async (c) => {
    // 16 MiB in 64 KiB binaries on an echo channel: libdatachannel -> csctp and back at once
    // (csctp's sending side, which the contract's bulk does not reach), same flow control.
    const total = 16 << 20;
    const ch = await c.connect('bulk-echo');
    const chunk = makeBytes(65536, 23);
    const want = sha(chunk);
    let got = 0; let bad = 0; let done;
    const all = new Promise((r) => { done = r; });
    ch.dc.onMessage((m) => {
      if (typeof m === 'string' || m.length !== 65536 || sha(m) !== want) bad++;
      got += m.length;
      if (got >= total) done();
    });
    const high = 4 << 20, low = 1 << 20;
    ch.dc.setBufferedAmountLowThreshold(low);
    let lowWaiter = null;
    ch.dc.onBufferedAmountLow(() => { if (lowWaiter) { const w = lowWaiter; lowWaiter = null; w(); } });
    const t0 = now();
    let sent = 0;
    while (sent < total) {
      while (sent < total && ch.dc.bufferedAmount() <= high) { ch.dc.sendMessageBinary(chunk); sent += chunk.length; }
      if (sent < total) {
        await withTimeout(new Promise((r) => { lowWaiter = r; if (ch.dc.bufferedAmount() <= low) { lowWaiter = null; r(); } }),
          10000, `onBufferedAmountLow (sent ${sent} of ${total}, echoed ${got}, bufferedAmount ${ch.dc.bufferedAmount()})`);
      }
    }
    await withTimeout(all, 60000, `the echoes (${got} of ${total} bytes back)`);
    if (bad) fail(`${bad} echoes of the wrong size, type or content`);
    const secs = (now() - t0) / 1000;
    c.mbps = total / secs / 1e6;
    c.reportRetransmissions = true;
    return `16 MiB there and back in ${secs.toFixed(2)} s = ${c.mbps.toFixed(1)} MB/s each way`;
  },
  [`bulk`]: async (c) => {
    const total = opt.bulkMib << 20;
    const ch = await c.connect('sink-bulk');
    const chunk = makeBytes(65536, 17);
    const high = 4 << 20, low = 1 << 20;
    ch.dc.setBufferedAmountLowThreshold(low);
    let lowWaiter = null;
    ch.dc.onBufferedAmountLow(() => { if (lowWaiter) { const w = lowWaiter; lowWaiter = null; w(); } });
    const t0 = now();
    let sent = 0;
    const deadline = Math.max(60000, opt.bulkMib * 4000);
    while (sent < total) {
      while (sent < total && ch.dc.bufferedAmount() <= high) {
        const n = Math.min(chunk.length, total - sent);
        ch.dc.sendMessageBinary(n === chunk.length ? chunk : chunk.subarray(0, n));
        sent += n;
      }
      if (sent < total) {
        if (now() - t0 > deadline) fail(`bulk took over ${deadline} ms (sent ${sent})`);
        await withTimeout(new Promise((r) => { lowWaiter = r; if (ch.dc.bufferedAmount() <= low) { lowWaiter = null; r(); } }),
          10000, `onBufferedAmountLow (sent ${sent} of ${total}, bufferedAmount ${ch.dc.bufferedAmount()})`);
      }
    }
    const r = await ask(ch, 'bytes?', deadline);
    const secs = (now() - t0) / 1000;
    if (Number(r) !== total) fail(`peer counted ${r} bytes, expected ${total}`);
    c.mbps = total / secs / 1e6;
    return `${opt.bulkMib} MiB in ${secs.toFixed(2)} s = ${c.mbps.toFixed(1)} MB/s`;
  },
};

// Extra csctp-peer options per scenario.
const PEER_ARGS = { 'no-srtp': '--no-srtp', 'large-16m': '--max-message-size 16777216' };

// Known faults of libdatachannel / node-datachannel 0.33.4 (libdatachannel 0.24.5) that make a
// scenario fail for reasons outside csctp: name -> { dir?: 'ldc-offers'|'peer-offers', reason }.
const XFAILS = {};

// ---- runner -------------------------------------------------------------------

const DIRS = ['ldc-offers', 'peer-offers'].filter((d) => !opt.direction || d.startsWith(opt.direction));
const names = Object.keys(scenarios).filter((n) => !opt.only || opt.only.some((o) => (o.endsWith('*') ? n.startsWith(o.slice(0, -1)) : n === o)));
if (opt.list) { for (const n of Object.keys(scenarios)) console.log(n); process.exit(0); }
if (!opt.peer) usage('--peer is required');
if (opt.logDir) fs.mkdirSync(opt.logDir, { recursive: true });

const results = [];
const runStart = now();
// Hard cap for the whole run: say what was running, stop the peers we started, fail.
let current = null;
setTimeout(() => {
  console.log(`FAIL ${current ?? 'run'}: the whole run exceeded --max-seconds ${opt.maxSeconds}`);
  for (const p of livePeers) { try { process.kill(-p.proc.pid, 'SIGKILL'); } catch {} }
  console.log(`${results.filter((r) => r.status === 'PASS').length} passed, ${results.filter((r) => r.status === 'FAIL').length + 1} failed`);
  process.exit(1);
}, opt.maxSeconds * 1000).unref();
console.log(`libdatachannel ${ndc.getLibraryVersion()} (node-datachannel 0.33.4) against ${opt.peer}`);
// One scenario on a fresh connection to a fresh peer process (peerCmd: csctp-peer, or the
// libdatachannel reference peer for the bulk comparison).
async function runOnce(dir, name, peerCmd, tag = '') {
  const t0 = now();
  const c = new Conn(dir, name + tag, peerCmd);
  let status = 'PASS'; let figures = ''; let reason = '';
  try {
    const out = await withTimeout(scenarios[name](c), name === 'bulk' ? Math.max(90000, opt.bulkMib * 4000) : T.scenario, 'the scenario');
    if (out === null) status = 'N/A';
    else figures = out || '';
    if (c.peer.badStdout) fail(`non-JSON line on the peer's stdout: ${c.peer.badStdout}`);
  } catch (e) {
    status = 'FAIL'; reason = e.message;
  }
  const died = c.peer.exited && c.peer.exited.early ? c.peer.exited : null;
  if (died) {
    const how = died.sig ? `killed by ${died.sig}` : died.error ? `failed to start (${died.error})` : `exited with status ${died.code}`;
    if (status === 'PASS') status = 'FAIL';
    reason = `the peer ${how} before "bye"` + (reason ? `; ${reason}` : '');
  }
  const late = await c.close();
  if (late && status === 'PASS') { status = 'FAIL'; reason = 'the peer did not exit within 3 s of "bye"'; }
  const ex = c.peer.exited;
  if (ex && ex.sig && ex.sig !== 'SIGTERM' && ex.sig !== 'SIGKILL' && status === 'PASS') { status = 'FAIL'; reason = `the peer died of ${ex.sig}`; }
  if (ex && ex.error && status === 'PASS') { status = 'FAIL'; reason = `the peer did not start: ${ex.error}`; }
  if (c.reportRetransmissions) {
    const d = c.peer.stderrTail.map((l) => /done: .*?(\d+) retransmissions/.exec(l)).find(Boolean);
    if (d && status === 'PASS') figures += `; ${d[1]} retransmissions by csctp`;
  }
  const open = c.firstOpen === null ? null : Math.round(c.firstOpen);
  const connect = open !== null && c.phase.signalled !== undefined ? Math.round(c.firstOpen - c.phase.signalled) : null;
  return { dir, name, status, secs: Number(((now() - t0) / 1000).toFixed(2)), open, connect, figures, reason, mbps: c.mbps ?? null, tail: c.peer.stderrTail.slice(-15) };
}

const median = (xs) => { const v = xs.slice().sort((a, b) => a - b); return v.length ? v[v.length >> 1] : null; };
const refPeer = `${process.execPath} ${path.join(path.dirname(new URL(import.meta.url).pathname), 'peer_ldc.mjs')}`;

for (const dir of DIRS) {
  for (const name of names) {
    current = `${dir}/${name}`;
    let r;
    if (name === 'bulk') {
      // Alternate runs against csctp-peer and against libdatachannel's own peer, so that both
      // medians see the same machine load.
      const runs = []; const refs = [];
      for (let i = 0; i < opt.repeat; i++) {
        runs.push(await runOnce(dir, name, opt.peer, opt.repeat > 1 ? `-${i + 1}` : ''));
        if (!opt.noReference) refs.push(await runOnce(dir, name, refPeer, `-ref${opt.repeat > 1 ? `-${i + 1}` : ''}`));
      }
      r = runs.find((x) => x.status !== 'PASS') || runs[0];
      r = { ...r, secs: [...runs, ...refs].reduce((a, x) => a + x.secs, 0) };
      const ok = runs.filter((x) => x.mbps); const refOk = refs.filter((x) => x.mbps);
      if (r.status === 'PASS') {
        r.mbps = median(ok.map((x) => x.mbps));
        r.figures = `${opt.bulkMib} MiB, median of ${ok.length}: ${r.mbps.toFixed(1)} MB/s (${ok.map((x) => x.mbps.toFixed(1)).join(', ')})`;
      }
      if (refOk.length) {
        r.refMbps = median(refOk.map((x) => x.mbps));
        r.figures += `; libdatachannel -> libdatachannel ${r.refMbps.toFixed(1)} MB/s (${refOk.map((x) => x.mbps.toFixed(1)).join(', ')})`;
        if (r.mbps) r.figures += `, ratio ${(r.mbps / r.refMbps).toFixed(2)}`;
      }
      for (const [i, x] of refs.entries()) if (x.status !== 'PASS') r.figures += `; reference run ${i + 1} failed: ${x.reason}`;
    } else {
      r = await runOnce(dir, name, PEER_ARGS[name] ? `${opt.peer} ${PEER_ARGS[name]}` : opt.peer);
    }
    const x = XFAILS[name];
    if (x && (!x.dir || x.dir === dir)) {
      if (r.status === 'FAIL') { r.status = 'XFAIL'; r.reason = `${x.reason} [${r.reason}]`; } else if (r.status === 'PASS') { r.status = 'XPASS'; r.reason = `expected to fail: ${x.reason}`; }
    }
    results.push(r);
    if (r.status === 'N/A') {
      console.log(`N/A  ${dir}/${name}: libdatachannel's offer makes the peer open no channel of its own (contract: only --offer mode)`);
      continue;
    }
    const sig = r.connect === null ? '' : ` (${r.connect} ms after offer/answer)`;
    const figs = [r.open !== null ? `first open ${r.open} ms${sig}` : null, r.figures || null, r.reason || null].filter(Boolean).join('; ');
    console.log(`${r.status} ${dir}/${name} (${r.secs.toFixed(2)} s)${figs ? ': ' + figs : ''}`);
    if (r.status === 'FAIL') for (const l of r.tail) console.log(`    | ${l}`);
  }
}
ndc.cleanup();

// ---- summary: the matrix ------------------------------------------------------

const cell = (r) => {
  if (!r) return '-';
  if (r.status === 'N/A') return 'n/a';
  let s = r.status;
  if (r.mbps) s += ` ${r.mbps.toFixed(1)} MB/s` + (r.refMbps ? ` (${(r.mbps / r.refMbps).toFixed(2)}x)` : '');
  else if (r.open !== null) s += ` (open ${r.open} ms)`;
  return s;
};
const width = Math.max(...names.map((n) => n.length));
const W = 34;
console.log('');
console.log(`${'scenario'.padEnd(width)}  ${DIRS.map((d) => d.padEnd(W)).join('')}`);
for (const name of names) {
  console.log(`${name.padEnd(width)}  ${DIRS.map((d) => cell(results.find((r) => r.dir === d && r.name === name)).padEnd(W)).join('')}`);
}
for (const d of DIRS) {
  const rs = results.filter((r) => r.dir === d && r.open !== null);
  const opens = rs.map((r) => r.open).sort((a, b) => a - b);
  const conns = rs.filter((r) => r.connect !== null).map((r) => r.connect);
  if (opens.length) console.log(`time to first open, ${d}: median ${median(opens)} ms from the peer's start (min ${opens[0]}, max ${opens[opens.length - 1]}, ${opens.length} connections), median ${median(conns)} ms after offer/answer`);
}
const count = (s) => results.filter((r) => r.status === s).length;
const failed = count('FAIL') + count('XPASS');
console.log(`total ${((now() - runStart) / 1000).toFixed(1)} s; ${count('XFAIL')} expected failures (XFAIL), ${count('N/A')} not applicable`);
console.log(`${count('PASS')} passed, ${failed} failed`);
if (opt.json) fs.writeFileSync(opt.json, JSON.stringify(results, null, 2));
process.exit(failed ? 1 : 0);
