// SPDX-License-Identifier: MIT
// Headless Chromium (and Firefox ESR: --browser chromium,firefox) against
// `csctp-peer --stats PATH` (tools/csctp-peer.c): the statistics csctp reports, shaped like
// Object.fromEntries(await pc.getStats()) with W3C webrtc-stats names, must agree with what the
// browser itself reports about the same connection, and with what this driver counted it sent.
// Firefox's getStats() has no wire counters on its transport and no packet counts on its
// candidate pairs: those comparisons are SKIP lines for Firefox, never for Chromium.
//
//   node driver.mjs --peer /path/to/csctp-peer [--browser chromium,firefox] [--chromium PATH]
//                   [--firefox PATH] [--log-dir DIR] [--max-seconds S] [--verbose] [--tamper]
//
// Per browser: the page offers, csctp-peer (started with --stats) answers, and
// 1. two channels: "stats-a" ordered and reliable, "stats-b" unordered with maxRetransmits 0;
//    the page sends 40 messages on stats-a (as many at a time as fit in 64 KiB awaiting their
//    echoes; see CHANNELS for why) and 25 on stats-b (one at a time), text (with 1- to 4-byte
//    UTF-8 characters) and binary, 0 B to 64 KiB; every echo must come back intact, in order.
// 2. a snapshot once quiet: the page's getStats(), then SIGUSR1 to csctp-peer (which writes its
//    report to PATH atomically: PATH.tmp then rename), then the page's getStats() again; taken
//    again (up to 5 times) until the browser's wire and channel counters are the same in both
//    getStats(), so that no packet crossed the wire while the peer wrote its report.
// 3. named checks, one PASS/FAIL line each (checkOpen): per channel (by label) against the
//    browser and against what the driver sent; peer-connection; the peer's own references;
//    candidates of the selected pair (each side's remote is the other's local); DTLS and ICE
//    (cipher, version, roles, SRTP profile); bytes and packets on the wire, exactly equal each
//    way (wireEqualities says why they can be); sctp-transport (RTT, windows, MTU, nothing
//    unacknowledged, and its message and byte counts against the driver's plus DCEP's).
// 4. the page closes stats-b; once its close event fired and all is quiet, a second snapshot
//    (checkClosed): the peer's stats-b entry is gone (as csctp lists open channels only, and as
//    Chromium and Firefox drop theirs too) or "closed"; dataChannelsClosed is 1 on both sides;
//    stats-a is unchanged; the wire counters still agree (the stream reset crossed too).
// 5. "bye": the peer exits, having written its report once more; it must parse.
// --verbose prints the two reports' figures side by side (and the browser's and peer's logs);
// --tamper alters the first parsed report, to show that the checks fail when they should.
// Exit 0 when every check passed, 1 otherwise. Entries are found by type (data channels by
// label) and through the ids that other entries name, never by a hard-coded id. run.sh starts it
// in a private network namespace with only `lo`; only loopback candidates are used either way.
// Ends by itself within --max-seconds (default 100).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const opt = { peer: '', browsers: ['chromium'], chromium: process.env.CHROMIUM || '/usr/bin/chromium',
  firefox: process.env.FIREFOX || '/usr/bin/firefox-esr', logDir: '', maxSeconds: 100, verbose: false, tamper: false };
{
  const a = process.argv.slice(2);
  const usage = (m) => {
    process.stderr.write(`driver.mjs: ${m}\nusage: node driver.mjs --peer PATH [--browser chromium,firefox] [--chromium PATH] [--firefox PATH] [--log-dir DIR] [--max-seconds S] [--verbose]\n`);
    process.exit(2);
  };
  for (let i = 0; i < a.length; i++) {
    const val = () => (i + 1 < a.length ? a[++i] : usage(`${a[i]} needs a value`));
    switch (a[i]) {
      case '--peer': opt.peer = val(); break;
      case '--browser': opt.browsers = val().split(',').filter(Boolean); break;
      case '--chromium': opt.chromium = val(); break;
      case '--firefox': opt.firefox = val(); break;
      case '--log-dir': opt.logDir = val(); break;
      case '--max-seconds': opt.maxSeconds = Number(val()); break;
      case '--verbose': opt.verbose = true; break;
      // Self-test of the checks: add 1 to the peer's stats-a messagesReceived and transport
      // bytesReceived in the parsed copy of the first report; the checks that read them must
      // then fail, and the run with them.
      case '--tamper': opt.tamper = true; break;
      default: usage(`unknown option ${a[i]}`);
    }
  }
  if (!opt.peer) usage('--peer is required');
  if (opt.browsers.some((b) => !['chromium', 'firefox'].includes(b))) usage('--browser takes chromium and/or firefox');
}

// Timeouts (ms): every wait has one, and the whole run has --max-seconds.
const T = { launch: 30000, signal: 10000, gather: 5000, open: 10000, echoes: 20000, report: 5000, page: 15000, close: 10000 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Process groups we started (browsers, csctp-peer), killed should the global cap strike.
const groups = new Set();
const killGroup = (pid) => { try { process.kill(-pid, 'SIGKILL'); } catch {} };
function withTimeout(p, ms, what) {
  let t;
  return Promise.race([p, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timeout (${ms} ms) waiting for ${what}`)), ms); })])
    .finally(() => clearTimeout(t));
}

// ---- the messages --------------------------------------------------------------------------

// Message i of a channel: text or binary, of SIZES[...] bytes (UTF-8 bytes for text). A pure
// function: the page runs the same source (injected below) to send and to check the echoes,
// and the driver to count what was sent, independently of both stacks' counters.
function makeMessage(seed, i) {
  const SIZES = [0, 1, 2, 3, 7, 100, 1000, 1023, 1024, 1199, 1200, 1201, 4096, 12345, 16383, 16384, 16385, 32768, 65535, 65536];
  const size = SIZES[(i * 7 + seed) % SIZES.length];
  if ((i + seed) % 3 === 0) {
    // 1-, 2-, 3- and 4-byte UTF-8 characters in turn, padded with ASCII to exactly `size` bytes.
    const chars = ['a', '\u00e9', '\u20ac', '\u{1F600}'];
    let s = '', n = 0, k = i;
    while (n < size) {
      const c = chars[k++ % 4], len = [1, 2, 3, 4][(k - 1) % 4];
      if (n + len <= size) { s += c; n += len; } else { s += 'z'; n += 1; }
    }
    return { text: s, size };
  }
  const b = new Uint8Array(size);
  for (let k = 0; k < size; k++) b[k] = (k * 31 + i * 7 + seed) & 255;
  return { bin: b, size };
}

// The channels: label, RTCDataChannelInit, how many messages, seed, and `window`: the page
// sends messages while their bytes not yet echoed stay within it, then waits for the echoes
// (0: one message at a time). Why a window at all: csctp-peer echoes a burst back as fast as
// its congestion window lets it, and Chromium's UDP socket on loopback drops what overflows its
// receive buffer (seen: 40 messages, 460 KiB at once lost 64 of 1160 datagrams, which csctp
// then retransmitted). Data-channel counters do not mind, but the wire counters of the two
// sides can agree exactly only on a lossless run (see wireEqualities); 64 KiB (about 56
// datagrams) in flight each way has never lost one. stats-b (maxRetransmits 0) could not even
// get its echoes back after a loss.
const CHANNELS = [
  { label: 'stats-a', init: { ordered: true }, count: 40, seed: 0, window: 65536 },
  { label: 'stats-b', init: { ordered: false, maxRetransmits: 0 }, count: 25, seed: 5, window: 0 },
];
const sent = Object.fromEntries(CHANNELS.map((c) => {
  let bytes = 0, empty = 0;
  for (let i = 0; i < c.count; i++) {
    const m = makeMessage(c.seed, i);
    const len = m.text !== undefined ? Buffer.byteLength(m.text, 'utf8') : m.bin.length;
    if (len !== m.size) throw new Error(`makeMessage(${c.seed}, ${i}) made ${len} bytes, not ${m.size}`);
    bytes += len;
    if (!len) empty++;
  }
  return [c.label, { messages: c.count, bytes, empty }];
}));

// ---- the page ------------------------------------------------------------------------------

const PAGE = `<!doctype html><meta charset="utf-8"><title>csctp stats</title><script>
${makeMessage.toString()}
const wait = (what, ms, cond) => new Promise((resolve, reject) => {
  const t0 = Date.now();
  const poll = () => { if (cond()) resolve(); else if (Date.now() - t0 > ms) reject(new Error('timeout (' + ms + ' ms) waiting for ' + what)); else setTimeout(poll, 5); };
  poll();
});
window.st = {
  async offer({ channels, gatherMs }) {
    const pc = new RTCPeerConnection();
    this.pc = pc; this.dcs = {}; this.echoes = {}; this.closed = {};
    for (const c of channels) {
      const dc = pc.createDataChannel(c.label, c.init);
      dc.binaryType = 'arraybuffer';
      this.dcs[c.label] = dc; this.echoes[c.label] = [];
      dc.onmessage = (e) => this.echoes[c.label].push(e.data);
      dc.onclose = () => { this.closed[c.label] = true; };
    }
    await pc.setLocalDescription(await pc.createOffer());
    await wait('ICE gathering', gatherMs, () => pc.iceGatheringState === 'complete');
    return pc.localDescription.sdp;
  },
  async answer({ sdp }) { await this.pc.setRemoteDescription({ type: 'answer', sdp }); },
  async open({ ms }) {
    await wait('the channels to open', ms, () => Object.values(this.dcs).every((dc) => dc.readyState === 'open'));
    return Object.values(this.dcs).map((dc) => ({ label: dc.label, id: dc.id, ordered: dc.ordered, maxRetransmits: dc.maxRetransmits }));
  },
  // Sends the channel's messages, at most \`win\` bytes of them awaiting their echoes, and
  // checks every echo: same type, same bytes, same order (one message at a time on the
  // unordered channel, so order holds there too).
  async send({ label, seed, count, win, ms }) {
    const dc = this.dcs[label], echoes = this.echoes[label], t0 = Date.now();
    echoes.length = 0;
    let inFlight = 0;
    for (let i = 0; i < count; i++) {
      const m = makeMessage(seed, i);
      if (i > 0 && inFlight + m.size > win) {
        await wait('the echoes of messages up to ' + (i - 1) + ' on ' + label, ms, () => echoes.length >= i);
        inFlight = 0;
      }
      dc.send(m.text !== undefined ? m.text : m.bin);
      inFlight += m.size;
    }
    await wait(count + ' echoes on ' + label + ' (' + echoes.length + ' so far)', ms, () => echoes.length >= count);
    await new Promise((r) => setTimeout(r, 50));
    if (echoes.length !== count) return label + ': ' + echoes.length + ' echoes for ' + count + ' messages';
    for (let i = 0; i < count; i++) {
      const m = makeMessage(seed, i), e = echoes[i];
      if (m.text !== undefined) {
        if (typeof e !== 'string') return label + ' echo ' + i + ': binary, expected text';
        if (e !== m.text) return label + ' echo ' + i + ': text differs (' + e.length + ' UTF-16 units, expected ' + m.text.length + ')';
      } else {
        if (typeof e === 'string') return label + ' echo ' + i + ': text, expected binary';
        const b = new Uint8Array(e);
        if (b.length !== m.bin.length) return label + ' echo ' + i + ': ' + b.length + ' bytes, expected ' + m.bin.length;
        for (let k = 0; k < b.length; k++) if (b[k] !== m.bin[k]) return label + ' echo ' + i + ' differs at byte ' + k;
      }
    }
    return 'ok ' + count + ' echoes in ' + (Date.now() - t0) + ' ms';
  },
  async stats() { return Object.fromEntries(await this.pc.getStats()); },
  async closeChannel({ label, ms }) {
    this.dcs[label].close();
    await wait('channel ' + label + ' to close', ms, () => this.closed[label]);
    return this.dcs[label].readyState;
  },
  state() { return { connection: this.pc && this.pc.connectionState, channels: Object.values(this.dcs || {}).map((d) => d.label + ' ' + d.readyState) }; },
  close() { if (this.pc) this.pc.close(); },
};
</script>`;

function serve() {
  const server = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end(PAGE); });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// Only loopback candidates, both ways (as ../../shared/interop does).
const isLoopback = (line) => ['127.0.0.1', '::1'].includes(line.replace(/^a=/, '').split(' ')[4]);
const loopbackOnly = (sdp) => sdp.split(/\r?\n/).filter((l) => !l.startsWith('a=candidate:') || isLoopback(l)).join('\r\n');

// ---- browsers ------------------------------------------------------------------------------

// Both return { name, version, page, close() }; page.evaluate(fn, arg) is the same call in
// playwright-core and puppeteer-core.
async function launchChromium(scratch) {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(scratch, 'chromium-'));
  const child = spawn(opt.chromium, ['--headless=new', '--no-sandbox', '--no-first-run', '--disable-gpu',
    '--disable-dev-shm-usage', '--mute-audio', '--disable-features=WebRtcHideLocalIpsWithMdns',
    '--allow-loopback-in-peer-connection', `--user-data-dir=${profile}`, '--remote-debugging-address=127.0.0.1',
    '--remote-debugging-port=0', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  groups.add(child.pid);
  const exitP = new Promise((r) => child.on('exit', () => { groups.delete(child.pid); r(); }));
  let browser = null;
  const close = async () => {
    try { await withTimeout(browser?.close(), 5000, 'Chromium to close'); } catch {}
    try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    await Promise.race([exitP, sleep(2000)]);
    fs.rmSync(profile, { recursive: true, force: true });
  };
  try {
    const ws = await new Promise((resolve, reject) => {
      let buf = '';
      const t = setTimeout(() => reject(new Error(`Chromium gave no DevTools endpoint in ${T.launch} ms`)), T.launch);
      child.stderr.on('data', (d) => {
        if (opt.verbose) process.stderr.write(d);
        buf += d; const m = buf.match(/DevTools listening on (ws:\/\/\S+)/); if (m) { clearTimeout(t); resolve(m[1]); }
      });
    });
    browser = await chromium.connectOverCDP(ws);
    const context = browser.contexts()[0];
    const page = context.pages()[0] || await context.newPage();
    // Chromium gathers host candidates (lo included) only for a page holding these permissions.
    return { name: 'chromium', version: `Chromium ${browser.version()}`, page, close,
      grant: (origin) => context.grantPermissions(['microphone', 'camera'], { origin }) };
  } catch (e) { await close(); throw e; }
}

async function launchFirefox(scratch) {
  const { default: puppeteer } = await import('puppeteer-core');
  const profile = fs.mkdtempSync(path.join(scratch, 'firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: opt.firefox, headless: true, userDataDir: profile,
    extraPrefsFirefox: {
      'media.peerconnection.ice.loopback': true, // gather 127.0.0.1 / ::1 host candidates
      'media.peerconnection.ice.obfuscate_host_addresses': false,
      'media.peerconnection.ice.default_address_only': false,
      // Firefox enumerates interfaces only for a page holding camera/microphone permission,
      // which BiDi cannot grant: "allow" is this throwaway profile's default (as ../firefox).
      'permissions.default.camera': 1, 'permissions.default.microphone': 1, 'media.navigator.permission.disabled': true,
    },
    dumpio: opt.verbose, timeout: T.launch, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
  }).catch((e) => { fs.rmSync(profile, { recursive: true, force: true }); throw e; });
  const proc = browser.process();
  groups.add(proc.pid);
  const exitP = proc.exitCode !== null ? Promise.resolve() : new Promise((r) => proc.on('exit', () => { groups.delete(proc.pid); r(); }));
  const close = async () => {
    try { await withTimeout(browser.close(), 5000, 'Firefox to close'); } catch {}
    try { process.kill(-proc.pid, 'SIGKILL'); } catch { try { proc.kill('SIGKILL'); } catch {} }
    await Promise.race([exitP, sleep(2000)]);
    fs.rmSync(profile, { recursive: true, force: true });
  };
  try {
    const page = (await browser.pages())[0] || await browser.newPage();
    return { name: 'firefox', version: await browser.version(), page, close, grant: async () => {} };
  } catch (e) { await close(); throw e; }
}

// ---- csctp-peer ------------------------------------------------------------------------------

// Started directly (no shell: SIGUSR1 goes to csctp-peer itself), in its own process group.
class Peer {
  constructor(statsPath, logFile) {
    this.statsPath = statsPath; this.msgs = []; this.waiters = []; this.tail = []; this.exited = null; this.bad = null;
    const env = { ...process.env, CSCTP_DEBUG: process.env.CSCTP_DEBUG ?? 'peer' };
    this.proc = spawn(opt.peer, ['--stats', statsPath], { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env });
    this.log = logFile ? fs.createWriteStream(logFile) : null;
    groups.add(this.proc.pid);
    this.exitP = new Promise((resolve) => this.proc.on('exit', (code, sig) => {
      this.exited = sig ? `signal ${sig}` : `code ${code}`; groups.delete(this.proc.pid); resolve();
    }));
    this.proc.on('error', (e) => { this.exited = `spawn error: ${e.message}`; });
    this.proc.stdin.on('error', () => {});
    let out = '';
    this.proc.stdout.on('data', (d) => {
      out += d;
      for (let i; (i = out.indexOf('\n')) >= 0;) {
        const line = out.slice(0, i).trim(); out = out.slice(i + 1);
        if (!line) continue;
        let m;
        try { m = JSON.parse(line); } catch { this.bad = this.bad || line.slice(0, 100); continue; }
        const w = this.waiters.findIndex((x) => x.type === m.type);
        if (w >= 0) this.waiters.splice(w, 1)[0].resolve(m); else this.msgs.push(m);
      }
    });
    let err = '';
    this.proc.stderr.on('data', (d) => {
      if (this.log) this.log.write(d);
      if (opt.verbose) process.stderr.write(d);
      err += d;
      const lines = err.split('\n'); err = lines.pop();
      this.tail.push(...lines); this.tail.splice(0, Math.max(0, this.tail.length - 20));
    });
  }
  send(m) { if (!this.exited) this.proc.stdin.write(JSON.stringify(m) + '\n'); }
  wait(type, ms) {
    const i = this.msgs.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.msgs.splice(i, 1)[0]);
    return withTimeout(new Promise((resolve) => this.waiters.push({ type, resolve })), ms, `"${type}" from csctp-peer`);
  }
  // Deletes PATH, sends SIGUSR1 and waits for PATH to appear (renamed into place: complete).
  async report() {
    fs.rmSync(this.statsPath, { force: true });
    if (this.exited) throw new Error(`csctp-peer exited (${this.exited})`);
    process.kill(this.proc.pid, 'SIGUSR1');
    const t0 = performance.now();
    while (!fs.existsSync(this.statsPath)) {
      if (this.exited) throw new Error(`csctp-peer exited (${this.exited}) instead of writing its report`);
      if (performance.now() - t0 > T.report) throw new Error(`no report at ${this.statsPath} ${T.report} ms after SIGUSR1`);
      await sleep(10);
    }
    return JSON.parse(fs.readFileSync(this.statsPath, 'utf8'));
  }
  // Contract: bye, end of stdin, exit within 3 s; else SIGTERM, then SIGKILL, to its group only.
  async stop() {
    if (!this.exited) {
      this.send({ type: 'bye' });
      this.proc.stdin.end();
      await Promise.race([this.exitP, sleep(3000)]);
    }
    const late = !this.exited;
    for (const [sig, ms] of [['SIGTERM', 2000], ['SIGKILL', 1000]]) {
      if (this.exited) break;
      try { process.kill(-this.proc.pid, sig); } catch {}
      await Promise.race([this.exitP, sleep(ms)]);
    }
    if (this.log) await new Promise((r) => this.log.end(r));
    return late;
  }
}

// ---- snapshots -------------------------------------------------------------------------------

const byType = (rep, type) => Object.values(rep).filter((s) => s && s.type === type);
const channelOf = (rep, label) => byType(rep, 'data-channel').filter((s) => s.label === label);

// The browser's wire counters (transport, candidate pairs) and channel counters, as one string.
const wireCounters = (rep) => JSON.stringify([...byType(rep, 'transport'), ...byType(rep, 'candidate-pair'), ...byType(rep, 'data-channel')]
  .map((s) => [s.id, s.bytesSent, s.bytesReceived, s.packetsSent, s.packetsReceived, s.messagesSent, s.messagesReceived]));

// The browser's getStats() and csctp-peer's report of one quiet moment: getStats(), SIGUSR1,
// getStats() again; when the browser's counters moved in between (an SCTP heartbeat and its
// answer, a late SACK), again, up to 5 times. Nothing that moves no counter (STUN consent
// checks) matters. The waits are 250 ms because Chromium caches getStats() results for a while.
async function snapshot(b, peer) {
  const stats = () => withTimeout(b.page.evaluate(() => window.st.stats()), T.page, 'getStats()');
  for (let attempt = 1; ; attempt++) {
    await sleep(250);
    const before = await stats();
    const p = await peer.report();
    await sleep(250);
    const after = await stats();
    if (wireCounters(before) === wireCounters(after)) return { b: after, p, attempts: attempt };
    if (attempt === 5) throw new Error('the browser\'s counters never held still across the peer\'s report (5 tries)');
  }
}

// ---- checks ----------------------------------------------------------------------------------

// `partial`: the browser leaves out some figures (Firefox: no wire counters on its transport, no
// packet counts on its candidate pairs); a comparison whose browser value is missing then
// compares the rest, or is skipped when nothing is left to compare. Chromium must have them all.
class Checks {
  constructor(prefix, partial) { this.prefix = prefix; this.partial = partial; this.passed = 0; this.failed = 0; this.skipped = 0; }
  ok(name, cond, detail = '') {
    if (cond) this.passed++; else this.failed++;
    console.log(`${cond ? 'PASS' : 'FAIL'} ${this.prefix}/${name}${detail ? `: ${detail}` : ''}`);
    return cond;
  }
  // Every value in `vals` (name -> value) must equal the first one.
  same(name, vals) {
    let e = Object.entries(vals);
    if (this.partial && e.some(([k, v]) => k.startsWith('browser') && v === undefined)) {
      e = e.filter(([k, v]) => !(k.startsWith('browser') && v === undefined));
      if (e.length < 2 || (e.length === 2 && e[0][0] === 'want' && !e[1][0].startsWith('peer'))) return this.skip(name, `not in ${this.prefix}'s getStats()`);
    }
    const want = e[0][1];
    return this.ok(name, want !== undefined && e.every(([, v]) => v === want), e.map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', '));
  }
  skip(name, why) { this.skipped++; console.log(`SKIP ${this.prefix}/${name}: ${why}`); return true; }
}

const num = (x) => typeof x === 'number' && Number.isFinite(x);
const hostPort = (c) => (c ? `${c.address ?? c.ip}:${c.port}` : 'none');

// The peer report must hold exactly one entry of `type`; returns it or null (one FAIL line).
function one(ck, rep, type) {
  const all = byType(rep, type);
  ck.ok(`peer has one ${type}`, all.length === 1, all.length === 1 ? '' : `${all.length} entries`);
  return all.length === 1 ? all[0] : null;
}

// The checks of the first snapshot (both channels open, every echo back). `channels` is what
// the page says of its channels (label, id). Returns figures for --verbose.
function checkOpen(ck, B, P, channels, t0) {
  const rows = [];
  const isChromium = ck.prefix === 'chromium';
  // Every object has id, type and a timestamp (ms since the epoch) taken during this run.
  const now = Date.now();
  const badTs = Object.entries(P).filter(([k, s]) => s.id !== k || typeof s.type !== 'string' || !num(s.timestamp) || s.timestamp < t0 - 1000 || s.timestamp > now + 1000);
  ck.ok('peer entries have id, type, timestamp', badTs.length === 0, badTs.length ? `bad: ${badTs.map(([k]) => k).join(', ')}` : `${Object.keys(P).length} entries`);

  // --- data channels, by label: both stacks' counters and the driver's own count.
  for (const c of CHANNELS) {
    const dB = channelOf(B, c.label)[0], dPs = channelOf(P, c.label), dP = dPs[0], want = sent[c.label];
    const page = channels.find((x) => x.label === c.label);
    if (!ck.ok(`${c.label}: one data-channel on each side`, dB && dPs.length === 1, `browser ${dB ? 1 : 0}, peer ${dPs.length}`)) continue;
    // The peer echoes every message, so each way carries exactly what the driver sent.
    ck.same(`${c.label}: messages browser->peer`, { driver: want.messages, 'browser messagesSent': dB.messagesSent, 'peer messagesReceived': dP.messagesReceived });
    ck.same(`${c.label}: bytes browser->peer`, { driver: want.bytes, 'browser bytesSent': dB.bytesSent, 'peer bytesReceived': dP.bytesReceived });
    ck.same(`${c.label}: messages peer->browser`, { driver: want.messages, 'peer messagesSent': dP.messagesSent, 'browser messagesReceived': dB.messagesReceived });
    ck.same(`${c.label}: bytes peer->browser`, { driver: want.bytes, 'peer bytesSent': dP.bytesSent, 'browser bytesReceived': dB.bytesReceived });
    ck.same(`${c.label}: dataChannelIdentifier`, { 'page dc.id': page?.id, browser: dB.dataChannelIdentifier, peer: dP.dataChannelIdentifier });
    ck.same(`${c.label}: state`, { want: 'open', browser: dB.state, peer: dP.state });
    ck.same(`${c.label}: protocol`, { want: '', browser: dB.protocol, peer: dP.protocol });
    ck.same(`${c.label}: peer bufferedAmount when quiet`, { want: 0, peer: dP.bufferedAmount });
    for (const k of ['messagesSent', 'bytesSent', 'messagesReceived', 'bytesReceived', 'dataChannelIdentifier', 'state'])
      rows.push([`${c.label} ${k}`, dB[k], dP[k]]);
  }

  // --- peer-connection
  const pcB = byType(B, 'peer-connection')[0], pcP = one(ck, P, 'peer-connection');
  if (pcP) {
    ck.same('peer-connection: dataChannelsOpened', { want: CHANNELS.length, peer: pcP.dataChannelsOpened, browser: pcB?.dataChannelsOpened });
    ck.same('peer-connection: dataChannelsClosed', { want: 0, peer: pcP.dataChannelsClosed, browser: pcB?.dataChannelsClosed });
    ck.same('peer-connection: connectionState', { want: 'connected', peer: pcP.connectionState });
    rows.push(['dataChannelsOpened', pcB?.dataChannelsOpened, pcP.dataChannelsOpened]);
  }

  // --- the peer's references: transport -> its selected pair -> its two candidates.
  const tP = one(ck, P, 'transport'), cpP = one(ck, P, 'candidate-pair');
  const lP = one(ck, P, 'local-candidate'), rP = one(ck, P, 'remote-candidate'), sP = one(ck, P, 'sctp-transport');
  if (tP && cpP && lP && rP) {
    ck.ok('peer references', tP.selectedCandidatePairId === cpP.id && cpP.transportId === tP.id &&
      cpP.localCandidateId === lP.id && cpP.remoteCandidateId === rP.id,
    `transport.selectedCandidatePairId ${tP.selectedCandidatePairId}, pair ${cpP.id} (transportId ${cpP.transportId}, local ${cpP.localCandidateId}, remote ${cpP.remoteCandidateId})`);
  }

  // --- the browser's selected pair: Chromium names it in its transport; Firefox marks it.
  const tBs = byType(B, 'transport'), tB = tBs[0];
  const cpB = tB ? B[tB.selectedCandidatePairId] : byType(B, 'candidate-pair').find((p) => p.selected || (p.nominated && p.state === 'succeeded'));
  const lB = cpB && B[cpB.localCandidateId], rB = cpB && B[cpB.remoteCandidateId];
  ck.ok('browser has a selected candidate pair', !!(cpB && lB && rB), cpB ? `${hostPort(lB)} -> ${hostPort(rB)}` : 'none');

  // --- candidates: each side's remote is the other's local; both host/udp on loopback.
  if (lP && rP && lB && rB) {
    ck.same('candidates: browser local == peer remote', { browser: hostPort(lB), peer: hostPort(rP) });
    ck.same('candidates: browser remote == peer local', { browser: hostPort(rB), peer: hostPort(lP) });
    ck.same('candidates: protocol', { want: 'udp', 'peer local': lP.protocol, 'peer remote': rP.protocol, 'browser local': lB.protocol, 'browser remote': rB.protocol });
    ck.same('candidates: peer local candidateType', { want: 'host', peer: lP.candidateType, 'browser remote': rB.candidateType });
    // Remote: "host" from the SDP (complete, not trickled); "prflx" would mean the browser's
    // check came from an address its SDP did not give, which loopback-only SDP cannot cause.
    ck.same('candidates: peer remote candidateType', { want: 'host', peer: rP.candidateType, 'browser local': lB.candidateType });
    // What a side advertised in its SDP is what the other side read from it.
    ck.same('candidates: peer local priority == browser remote priority', { peer: lP.priority, browser: rB.priority });
    ck.same('candidates: peer remote priority == browser local priority', { peer: rP.priority, browser: lB.priority });
    ck.same('candidates: peer local foundation == browser remote foundation', { peer: String(lP.foundation), browser: String(rB.foundation) });
    ck.same('candidates: peer remote foundation == browser local foundation', { peer: String(rP.foundation), browser: String(lB.foundation) });
  }
  if (cpP) {
    // Not compared with Chromium's: its selected pair is "in-progress" while a consent check
    // (RFC 7675) awaits its answer, then "succeeded" again (seen under load).
    ck.same('candidate-pair: peer state', { want: 'succeeded', peer: cpP.state });
    ck.same('candidate-pair: peer nominated', { want: true, peer: cpP.nominated, browser: cpB?.nominated });
  }

  // --- transport (Chromium only: Firefox reports no RTCTransportStats).
  if (tP) {
    ck.same('transport: peer dtlsState', { want: 'connected', peer: tP.dtlsState, browser: tB?.dtlsState });
    ck.ok('transport: peer iceState', ['connected', 'completed'].includes(tP.iceState), `peer ${tP.iceState}, browser ${tB?.iceState}`);
    ck.same('transport: peer tlsVersion', { want: 'FEFD', peer: tP.tlsVersion });
    ck.ok('transport: peer selectedCandidatePairChanges', num(tP.selectedCandidatePairChanges) && tP.selectedCandidatePairChanges >= 1,
      `peer ${tP.selectedCandidatePairChanges}, browser ${tB?.selectedCandidatePairChanges}`);
  }
  if (tP && tB) {
    ck.ok('transport: dtlsCipher equal', typeof tP.dtlsCipher === 'string' && tP.dtlsCipher.startsWith('TLS_') && tP.dtlsCipher === tB.dtlsCipher, `browser ${tB.dtlsCipher}, peer ${tP.dtlsCipher}`);
    ck.same('transport: tlsVersion equal', { browser: tB.tlsVersion, peer: tP.tlsVersion });
    const opp = (a, b, x, y) => (a === x && b === y) || (a === y && b === x);
    ck.ok('transport: dtlsRole opposite', opp(tB.dtlsRole, tP.dtlsRole, 'client', 'server'), `browser ${tB.dtlsRole}, peer ${tP.dtlsRole}`);
    ck.ok('transport: iceRole opposite', opp(tB.iceRole, tP.iceRole, 'controlling', 'controlled'), `browser ${tB.iceRole}, peer ${tP.iceRole}`);
    // DTLS-SRTP is negotiated by default on both sides; the profile must be the same one.
    ck.same('transport: srtpCipher equal', { browser: tB.srtpCipher, peer: tP.srtpCipher });
  } else if (tP) ck.skip('transport: browser side', `no transport entry in ${ck.prefix}'s getStats()`);

  // --- bytes and packets on the wire. See the comment at wireEqualities.
  if (tP && cpP && tP.selectedCandidatePairChanges === 1) {
    // One pair selected once: every datagram of the transport went over it (as Chromium's
    // transport and pair figures are equal too). Firefox has no transport counters, so this is
    // what ties the peer's transport figures to Firefox's pair figures.
    for (const k of ['bytesSent', 'bytesReceived', 'packetsSent', 'packetsReceived'])
      ck.same(`peer transport ${k} == its candidate-pair's`, { transport: tP[k], 'candidate-pair': cpP[k] });
  }
  const retx = sP?.retransmissions;
  wireEqualities(ck, 'transport', tB, tP, rows, retx);
  wireEqualities(ck, 'candidate-pair', cpB, cpP, rows, retx);
  if (cpP && cpB) {
    // Last packet times: the peer's receive of the browser's last packet and the browser's
    // send of it are the same moment on loopback, give or take the two clocks' reading.
    for (const [a, b] of [['lastPacketReceivedTimestamp', 'lastPacketSentTimestamp'], ['lastPacketSentTimestamp', 'lastPacketReceivedTimestamp']]) {
      const d = cpP[a] - cpB[b];
      ck.ok(`candidate-pair: peer ${a} ~ browser ${b}`, num(cpP[a]) && num(cpB[b]) && Math.abs(d) < 1000, `peer ${cpP[a]}, browser ${cpB[b]} (${d} ms)`);
    }
  }

  // --- sctp-transport (csctp's; Chromium reports none, Firefox has no such entry either).
  if (sP) {
    ck.ok('sctp: smoothedRoundTripTime in [0, 1) s', num(sP.smoothedRoundTripTime) && sP.smoothedRoundTripTime >= 0 && sP.smoothedRoundTripTime < 1, `${sP.smoothedRoundTripTime}`);
    ck.ok('sctp: congestionWindow > 0', num(sP.congestionWindow) && sP.congestionWindow > 0, `${sP.congestionWindow}`);
    ck.ok('sctp: receiverWindow > 0', num(sP.receiverWindow) && sP.receiverWindow > 0, `${sP.receiverWindow}`);
    ck.ok('sctp: mtu in 1000..1500', num(sP.mtu) && sP.mtu >= 1000 && sP.mtu <= 1500, `${sP.mtu}`);
    // RTCSctpTransportStats.unackData (unacknowledged DATA chunks): none once quiet.
    ck.same('sctp: unackData when quiet', { want: 0, peer: sP.unackData });
    ck.same('sctp: bytesOutstanding when quiet', { want: 0, peer: sP.bytesOutstanding });
    const sB = byType(B, 'sctp-transport')[0];
    if (sB) for (const k of ['smoothedRoundTripTime', 'congestionWindow', 'receiverWindow', 'mtu', 'unackData']) rows.push([`sctp ${k}`, sB[k], sP[k]]);
    else for (const k of ['smoothedRoundTripTime', 'congestionWindow', 'receiverWindow', 'mtu', 'packetsSent', 'packetsReceived', 'messagesSent', 'messagesReceived', 'bytesSent', 'bytesReceived', 'retransmissions']) rows.push([`sctp ${k}`, '-', sP[k]]);
    // Across csctp's layers, from the driver's own counts: the association carried every
    // channel message plus DCEP's (RFC 8832: one DATA_CHANNEL_OPEN from the browser per channel,
    // 12 bytes + label + protocol, §5.1; one DATA_CHANNEL_ACK back, 1 byte, §5.2), and an empty
    // message travels as one byte (RFC 8831 §6.6).
    const total = (k) => CHANNELS.reduce((n, c) => n + sent[c.label][k], 0);
    const opens = CHANNELS.reduce((n, c) => n + 12 + Buffer.byteLength(c.label) + Buffer.byteLength(c.init.protocol ?? ''), 0);
    ck.same('sctp: messagesReceived == channel messages + DCEP OPENs', { driver: total('messages') + CHANNELS.length, peer: sP.messagesReceived });
    ck.same('sctp: messagesSent == channel messages + DCEP ACKs', { driver: total('messages') + CHANNELS.length, peer: sP.messagesSent });
    ck.same('sctp: bytesReceived == channel bytes + DCEP OPENs + 1 per empty message', { driver: total('bytes') + opens + total('empty'), peer: sP.bytesReceived });
    ck.same('sctp: bytesSent == channel bytes + DCEP ACKs + 1 per empty message', { driver: total('bytes') + CHANNELS.length + total('empty'), peer: sP.bytesSent });
    if (tP) {
      // Each SCTP packet travels alone in one DTLS record in one datagram (RFC 8261 §5: no
      // bundling of other protocols; both stacks send one record per datagram), so the DTLS
      // datagrams that carried no SCTP packet are the handshake's: a few, never none.
      const hsIn = tP.packetsReceived - sP.packetsReceived, hsOut = tP.packetsSent - sP.packetsSent;
      ck.ok('sctp vs transport: handshake datagrams in', num(hsIn) && hsIn >= 1 && hsIn <= 16, `transport ${tP.packetsReceived} - sctp ${sP.packetsReceived} = ${hsIn} (expected 1..16)`);
      ck.ok('sctp vs transport: handshake datagrams out', num(hsOut) && hsOut >= 1 && hsOut <= 16, `transport ${tP.packetsSent} - sctp ${sP.packetsSent} = ${hsOut} (expected 1..16)`);
    }
  }
  return rows;
}

// Wire counters, browser vs peer, for `what` (transport or candidate-pair). Both count the
// datagrams of the connection other than STUN (ICE checks, consent freshness), DTLS handshake
// included: Chromium's Connection counts what DTLS hands it to send and what it reads that is
// not STUN, and csctp counts DTLS datagrams over ICE (its handshake: 2 datagrams each way as
// DTLS client). Once quiet (snapshot() made sure nothing moved) every datagram one side sent the
// other received, so bytes and packets agree exactly each way. Seen on every lossless run, for
// the transport and the selected pair alike (one pair on loopback).
// Loopback can still drop what overflows a socket's receive buffer. A lost datagram is counted
// sent but not received: then the exact equality cannot hold, and only "received <= sent" is
// asserted, and only when the sender shows it: csctp's sctp-transport counts retransmissions
// (`retx`), which a loss of its datagrams must cause. Chromium does not report its own, so
// browser -> peer is always asserted exactly (never seen to lose: the peer's socket buffer is
// larger).
function wireEqualities(ck, what, b, p, rows, retx) {
  if (!b || !p) { if (p) ck.skip(`${what}: wire counters`, `no ${what} in the browser's getStats()`); return; }
  ck.same(`${what}: browser bytesSent == peer bytesReceived`, { browser: b.bytesSent, peer: p.bytesReceived });
  ck.same(`${what}: browser packetsSent == peer packetsReceived`, { browser: b.packetsSent, peer: p.packetsReceived });
  if (retx > 0) {
    for (const [k, l] of [['bytesSent', 'bytesReceived'], ['packetsSent', 'packetsReceived']]) {
      if (ck.partial && b[l] === undefined) { ck.skip(`${what}: peer ${k} >= browser ${l}`, `not in ${ck.prefix}'s getStats()`); continue; }
      ck.ok(`${what}: peer ${k} >= browser ${l} (the peer retransmitted ${retx} DATA chunks: some of its datagrams may have been lost)`,
        num(p[k]) && num(b[l]) && p[k] >= b[l], `peer ${p[k]}, browser ${b[l]}, lost ${p[k] - b[l]}`);
    }
  } else {
    ck.same(`${what}: peer bytesSent == browser bytesReceived`, { peer: p.bytesSent, browser: b.bytesReceived });
    ck.same(`${what}: peer packetsSent == browser packetsReceived`, { peer: p.packetsSent, browser: b.packetsReceived });
  }
  for (const k of ['bytesSent', 'bytesReceived', 'packetsSent', 'packetsReceived']) rows.push([`${what} ${k}`, b[k], p[k]]);
}

// The checks after the page closed stats-b (`before`: the first snapshot's peer report).
function checkClosed(ck, B, P, before) {
  const rows = [];
  const [closed, open] = [CHANNELS[1].label, CHANNELS[0].label];
  const dPs = channelOf(P, closed);
  // csctp-peer keeps a closed channel's entry with state "closed" or drops it; either is what
  // the spec allows (RTCDataChannelStats of a closed channel may be gone), so both pass, and
  // the line says which.
  ck.ok(`${closed}: peer state after close`, dPs.length === 0 || (dPs.length === 1 && dPs[0].state === 'closed'),
    dPs.length ? `state ${dPs[0].state}` : 'entry gone');
  const dB = channelOf(B, closed)[0];
  if (dB) ck.same(`${closed}: browser state after close`, { want: 'closed', browser: dB.state });
  const pcP = byType(P, 'peer-connection')[0], pcB = byType(B, 'peer-connection')[0];
  ck.same('peer-connection: dataChannelsClosed after close', { want: 1, peer: pcP?.dataChannelsClosed, browser: pcB?.dataChannelsClosed });
  ck.same('peer-connection: dataChannelsOpened after close', { want: CHANNELS.length, peer: pcP?.dataChannelsOpened, browser: pcB?.dataChannelsOpened });
  // stats-a was idle: its counters and state are those of the first report.
  const a0 = channelOf(before, open)[0], a1 = channelOf(P, open)[0];
  ck.ok(`${open}: unchanged and open`, !!(a0 && a1) && a1.state === 'open' &&
    ['messagesSent', 'bytesSent', 'messagesReceived', 'bytesReceived', 'dataChannelIdentifier'].every((k) => a0[k] === a1[k]),
  a1 ? `state ${a1.state}, messagesReceived ${a1.messagesReceived}, bytesReceived ${a1.bytesReceived}` : 'gone');
  // The stream reset (RFC 8831 §6.7) crossed the wire too: the equalities hold again.
  const tB = byType(B, 'transport')[0], cpB = tB ? B[tB.selectedCandidatePairId] : null;
  const retx = byType(P, 'sctp-transport')[0]?.retransmissions;
  wireEqualities(ck, 'transport after close', tB, byType(P, 'transport')[0], rows, retx);
  wireEqualities(ck, 'candidate-pair after close', cpB, byType(P, 'candidate-pair')[0], rows, retx);
  if (pcP) rows.push(['dataChannelsClosed', pcB?.dataChannelsClosed, pcP.dataChannelsClosed]);
  rows.push([`${closed} state`, dB ? dB.state : '(gone)', dPs.length ? dPs[0].state : '(gone)']);
  return rows;
}

function table(title, rows) {
  if (!opt.verbose || !rows.length) return;
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log(`  ${title}\n  ${'figure'.padEnd(w)}  ${'browser'.padStart(16)}  ${'csctp-peer'.padStart(16)}`);
  for (const [k, b, p] of rows) console.log(`  ${k.padEnd(w)}  ${String(b).padStart(16)}  ${String(p).padStart(16)}`);
}

// ---- one browser -------------------------------------------------------------------------------

async function runBrowser(name, url, scratch, ck) {
  const t0 = Date.now();
  const b = await (name === 'chromium' ? launchChromium : launchFirefox)(scratch);
  const statsPath = path.join(scratch, `${name}-stats.json`);
  const peer = new Peer(statsPath, opt.logDir ? path.join(opt.logDir, `${name}-peer.log`) : null);
  try {
    console.log(`${b.version}; csctp-peer --stats ${statsPath}`);
    await b.grant(new URL(url).origin);
    await withTimeout(b.page.goto(url), T.page, 'the page to load');
    const evaluate = (what, fn, arg, ms = T.page) => withTimeout(b.page.evaluate(fn, arg), ms, what);
    const died = peer.exitP.then(() => sleep(300)).then(() => { throw new Error(`csctp-peer exited early (${peer.exited})`); });
    await Promise.race([died, (async () => {
      const offer = await evaluate('the offer', (a) => window.st.offer(a), { channels: CHANNELS.map(({ label, init }) => ({ label, init })), gatherMs: T.gather });
      peer.send({ type: 'offer', sdp: loopbackOnly(offer) });
      const answer = await peer.wait('answer', T.signal);
      await evaluate('the answer', (a) => window.st.answer(a), { sdp: loopbackOnly(answer.sdp) });
      const channels = await evaluate('the channels to open', (a) => window.st.open(a), { ms: T.open }, T.open + 2000);
      for (const c of CHANNELS) {
        const r = await evaluate(`the echoes on ${c.label}`, (a) => window.st.send(a), { label: c.label, seed: c.seed, count: c.count, win: c.window, ms: T.echoes }, T.echoes * 2);
        ck.ok(`${c.label}: ${c.count} messages echoed (${sent[c.label].bytes} bytes)`, r.startsWith('ok'), r);
      }

      const s1 = await snapshot(b, peer);
      if (opt.tamper) {
        const a = channelOf(s1.p, CHANNELS[0].label)[0], t = byType(s1.p, 'transport')[0];
        if (a) a.messagesReceived += 1;
        if (t) t.bytesReceived += 1;
        console.log('--tamper: the parsed report says 1 more stats-a messagesReceived and transport bytesReceived');
      }
      table(`open (snapshot taken in ${s1.attempts} tries)`, checkOpen(ck, s1.b, s1.p, channels, t0));

      const st = await evaluate(`${CHANNELS[1].label} to close`, (a) => window.st.closeChannel(a), { label: CHANNELS[1].label, ms: T.close }, T.close + 2000);
      ck.same(`${CHANNELS[1].label}: closed by the page`, { want: 'closed', page: st });
      const s2 = await snapshot(b, peer);
      table(`after closing ${CHANNELS[1].label} (snapshot taken in ${s2.attempts} tries)`, checkClosed(ck, s2.b, s2.p, s1.p));
      if (peer.bad) ck.ok('peer stdout', false, `a non-JSON line: ${peer.bad}`);
    })()]);
  } catch (e) {
    ck.ok('run', false, e.message.split('\n')[0]);
    const st = await withTimeout(b.page.evaluate(() => window.st?.state()), 3000, 'the page state').catch((x) => x.message);
    console.log(`  page: ${JSON.stringify(st)}`);
  }
  // bye: the peer writes its report once more as it ends.
  fs.rmSync(statsPath, { force: true });
  const late = await peer.stop();
  ck.ok('peer exits on bye', !late && peer.exited === 'code 0', peer.exited ?? 'still running');
  let last = null;
  try { last = JSON.parse(fs.readFileSync(statsPath, 'utf8')); } catch (e) { last = e.message.split('\n')[0]; }
  ck.ok('peer report at exit', typeof last === 'object' && byType(last, 'peer-connection')[0]?.dataChannelsOpened === CHANNELS.length,
    typeof last === 'object' ? `dataChannelsOpened ${byType(last, 'peer-connection')[0]?.dataChannelsOpened}` : last);
  try { await withTimeout(b.page.evaluate(() => window.st?.close()), 3000, 'the page to close'); } catch {}
  await b.close();
  if (ck.failed) console.log(`csctp-peer stderr (last lines):\n${peer.tail.map((l) => `    ${l}`).join('\n')}`);
  console.log(`${name}: ${ck.passed} passed, ${ck.failed} failed${ck.skipped ? `, ${ck.skipped} skipped` : ''} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

// ---- main --------------------------------------------------------------------------------------

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'csctp-stats-'));
if (opt.logDir) fs.mkdirSync(opt.logDir, { recursive: true });
const all = [];
let server = null;
const finish = (code) => {
  for (const pid of groups) killGroup(pid);
  if (server) server.close();
  fs.rmSync(scratch, { recursive: true, force: true });
  const failed = all.reduce((n, c) => n + c.failed, 0), passed = all.reduce((n, c) => n + c.passed, 0);
  console.log(`stats: ${passed} passed, ${failed} failed`);
  process.exit(code ?? (failed || !passed ? 1 : 0));
};
// The global cap: whatever hangs, the run ends, and the process groups we started with it.
setTimeout(() => { console.log(`FAIL global cap of ${opt.maxSeconds} s reached`); all.push({ passed: 0, failed: 1 }); finish(1); }, opt.maxSeconds * 1000).unref();
try {
  server = await serve();
  const url = `http://127.0.0.1:${server.address().port}/`;
  for (const name of opt.browsers) {
    const ck = new Checks(name, name === 'firefox');
    all.push(ck);
    try { await runBrowser(name, url, scratch, ck); } catch (e) { ck.ok('launch', false, e.message.split('\n')[0]); }
  }
} catch (e) {
  console.log(`FAIL driver: ${e.stack || e}`);
  finish(1);
}
finish();
