// SPDX-License-Identifier: MIT
// Headless Firefox ESR against csctp-peer (the peer contract of ../shared/interop/README.md):
// single large data-channel messages, echoed, and single large messages sent by csctp-peer, with
// each of Firefox's SCTP stacks (dcsctp, its default, and usrsctp:
// media.peerconnection.sctp.use_dcsctp=false) and in both offer directions (Firefox offers;
// csctp-peer offers with --offer).
//
//   node driver.mjs --peer /path/to/csctp-peer [--stack dcsctp,usrsctp] [--direction ff,peer]
//                   [--sizes 1,8,16] [--peer-sends 1,16] [--max-message-size N] [--firefox PATH]
//                   [--log-dir DIR] [--max-seconds S] [--verbose]
//
// Per stack: one Firefox instance (fresh profile); first the reference, a second
// RTCPeerConnection in the page echoing the same messages (Firefox -> Firefox -> Firefox), then
// two cases per direction, each with a fresh page, RTCPeerConnection and csctp-peer process
// started with --max-message-size N, on one ordered reliable channel (Firefox's "big" when it
// offers, the peer's "offerer" when the peer offers):
// - echo (<stack>/<firefox|peer>-offers): the page sends each of --sizes once and gets its echo
//   back, in increasing size; every echo must be binary, of the same length and SHA-256.
// - peer-sends (<stack>/<firefox|peer>-offers/peer-sends): the page sends the text "send:N",
//   csctp-peer's own control string (tools/csctp-peer.c), for each of --peer-sends, and csctp-peer
//   sends one binary message of N bytes whose byte i is (i * 131 + (i >> 13)) mod 256; its length
//   and SHA-256 must match that pattern, computed in the page. First "send:0", "send:12x" and
//   "send:N+1" must each get a text "error: ..." back.
// Both check that the peer's SDP says a=max-message-size:N and that Firefox's
// RTCSctpTransport.maxMessageSize is N.
//
// 8 MiB is in the default sizes because it is the largest message Firefox's dcsctp sends:
// Firefox 153 configures dcsctp with max_message_size = 8 MiB (DataChannelDcSctp.cpp) while it
// advertises and allows send() up to 1073741823, so a larger message never leaves Firefox
// (bufferedAmount stays at its size) and Firefox logs "SendMessage: ... send failed
// (kErrorMessageTooLarge)". The driver reads that line from Firefox's log (MOZ_LOG=DataChannel:1)
// and reports such a message as XFAIL, not FAIL, when it sees it; the reference shows the same.
//
// Figures: per message, the time from send() in the page to the echo's message event (one
// round trip through csctp-peer, hashing excluded) and size / that time in MB/s (10^6 B/s); for
// peer-sends, from sending "send:N" to the message event (the peer fills N bytes first).
// Output: a line per reference (REF, not counted) and per case (PASS / XFAIL / FAIL), then
// "N passed, M failed". Exit 0 without FAIL. Run it inside a network namespace with only lo
// (run.sh does); candidates are limited to 127.0.0.1 / ::1 either way.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MIB = 1 << 20;

const opt = {
  peer: '', stacks: ['dcsctp', 'usrsctp'], directions: ['ff', 'peer'], sizes: [1, 8, 16], peerSends: [1, 16],
  maxMessageSize: 16 * MIB, firefox: process.env.FIREFOX || '/usr/bin/firefox-esr',
  logDir: null, maxSeconds: 170, verbose: false,
};
{
  const a = process.argv.slice(2);
  const usage = (m) => {
    process.stderr.write(`driver.mjs: ${m}\nusage: node driver.mjs --peer PATH [--stack dcsctp,usrsctp] [--direction ff,peer] [--sizes 1,8,16] [--peer-sends 1,16] [--max-message-size N] [--firefox PATH] [--log-dir DIR] [--max-seconds S] [--verbose]\n`);
    process.exit(2);
  };
  for (let i = 0; i < a.length; i++) {
    const val = () => (i + 1 < a.length ? a[++i] : usage(`${a[i]} needs a value`));
    const list = () => val().split(',').filter(Boolean);
    switch (a[i]) {
      case '--peer': opt.peer = val(); break;
      case '--stack': opt.stacks = list(); break;
      case '--direction': opt.directions = list(); break;
      case '--sizes': opt.sizes = list().map(Number).sort((x, y) => x - y); break;
      case '--peer-sends': opt.peerSends = list().map(Number).sort((x, y) => x - y); break;
      case '--max-message-size': opt.maxMessageSize = Number(val()); break;
      case '--firefox': opt.firefox = val(); break;
      case '--log-dir': opt.logDir = val(); break;
      case '--max-seconds': opt.maxSeconds = Number(val()); break;
      case '--verbose': opt.verbose = true; break;
      default: usage(`unknown option ${a[i]}`);
    }
  }
  if (!opt.peer) usage('--peer is required');
  if (opt.stacks.some((s) => !['dcsctp', 'usrsctp'].includes(s))) usage('--stack takes dcsctp and/or usrsctp');
  if (opt.directions.some((d) => !['ff', 'peer'].includes(d))) usage('--direction takes ff and/or peer');
  if (opt.sizes.some((s) => !(s > 0) || s * MIB > opt.maxMessageSize)) usage('--sizes: MiB, each > 0 and within --max-message-size');
  if (opt.peerSends.some((s) => !(s > 0) || s * MIB > opt.maxMessageSize)) usage('--peer-sends: MiB, each > 0 and within --max-message-size');
}

// Timeouts (ms). A message gets 10 s plus 1.5 s per MiB for its echo (16 MiB: 34 s).
const T = { launch: 30000, signal: 10000, gather: 5000, open: 10000, page: 15000, msg: (size) => 10000 + 1.5 * (size / MIB) * 1000 };

// Firefox prefs written to the fresh profile's user.js (besides puppeteer's automation prefs).
const PREFS = {
  'media.peerconnection.ice.loopback': true, // gather 127.0.0.1 / ::1 host candidates
  'media.peerconnection.ice.obfuscate_host_addresses': false, // addresses, not mDNS names
  'media.peerconnection.ice.default_address_only': false,
  // Firefox enumerates interfaces (lo included) only for a page holding a camera/microphone
  // permission; BiDi cannot grant those in Firefox, so "allow" is this throwaway profile's
  // default. Without it, inside a namespace with only lo, gathering finds nothing.
  'permissions.default.camera': 1,
  'permissions.default.microphone': 1,
  'media.navigator.permission.disabled': true,
};
const USE_DCSCTP = { dcsctp: true, usrsctp: false };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function withTimeout(p, ms, what) {
  let t;
  return Promise.race([p, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timeout (${ms} ms) waiting for ${what}`)), ms); })])
    .finally(() => clearTimeout(t));
}
const mib = (n) => `${n / MIB} MiB`;

// ---- loopback candidates only, in both directions ------------------------------------------

const isLoopback = (line) => ['127.0.0.1', '::1'].includes(line.replace(/^a=/, '').split(' ')[4]);
const loopbackOnly = (sdp) => sdp.split(/\r?\n/).filter((l) => !l.startsWith('a=candidate:') || isLoopback(l)).join('\r\n');
const sdpAttr = (sdp, name) => { const m = new RegExp(`^a=${name}:(.*)$`, 'm').exec(sdp); return m ? m[1].trim() : null; };

// ---- csctp-peer ------------------------------------------------------------------------------

// Started in its own process group (detached), so that stopping it reaches only what we started.
const livePeers = new Set();
class Peer {
  constructor(args, logFile) {
    this.msgs = []; this.waiters = []; this.tail = []; this.exited = null; this.bad = null; this.streams = null;
    // CSCTP_DEBUG passes through; without it the peer category, whose "SCTP up (N in, M out
    // streams)" line tells which Firefox stack answered (dcsctp 65535, usrsctp 2048).
    const env = { ...process.env, CSCTP_DEBUG: process.env.CSCTP_DEBUG ?? 'peer' };
    this.proc = spawn(opt.peer, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env });
    this.log = logFile ? fs.createWriteStream(logFile) : null;
    livePeers.add(this);
    this.exitP = new Promise((resolve) => this.proc.on('exit', (code, sig) => {
      this.exited = sig ? `signal ${sig}` : `code ${code}`; livePeers.delete(this); resolve();
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
      for (const l of lines) { const m = /SCTP up \((\d+) in, (\d+) out streams[,)]/.exec(l); if (m) this.streams = `${m[1]}/${m[2]}`; }
      this.tail.push(...lines); this.tail.splice(0, Math.max(0, this.tail.length - 20));
    });
  }
  send(m) { if (!this.exited) this.proc.stdin.write(JSON.stringify(m) + '\n'); }
  wait(type, ms) {
    const i = this.msgs.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.msgs.splice(i, 1)[0]);
    return withTimeout(new Promise((resolve) => this.waiters.push({ type, resolve })), ms, `"${type}" from csctp-peer`);
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

// ---- Firefox -----------------------------------------------------------------------------------

async function launchFirefox(stack, scratch) {
  const profile = fs.mkdtempSync(path.join(scratch, `profile-${stack}-`));
  const logs = fs.mkdtempSync(path.join(scratch, `mozlog-${stack}-`));
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: opt.firefox, headless: true, userDataDir: profile,
    extraPrefsFirefox: { ...PREFS, 'media.peerconnection.sctp.use_dcsctp': USE_DCSCTP[stack] },
    // DataChannel errors only, written at once: "send failed (kErrorMessageTooLarge)" is how
    // Firefox's dcsctp says no to a message over its 8 MiB (see the top of this file).
    env: { ...process.env, MOZ_LOG: 'sync,DataChannel:1', MOZ_LOG_FILE: path.join(logs, 'ff') },
    dumpio: opt.verbose, timeout: T.launch, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
  }).catch((e) => { fs.rmSync(profile, { recursive: true, force: true }); throw e; });
  const proc = browser.process();
  const ff = { browser, proc, profile, logs, exited: proc.exitCode !== null };
  ff.exitP = ff.exited ? Promise.resolve() : new Promise((r) => proc.on('exit', () => { ff.exited = true; r(); }));
  ff.page = (await browser.pages())[0] || await browser.newPage();
  ff.version = await browser.version();
  return ff;
}

// Firefox's "send failed (...)" lines so far (every process's MOZ_LOG file).
function sendFailures(ff) {
  const out = [];
  for (const f of fs.readdirSync(ff.logs)) {
    for (const m of fs.readFileSync(path.join(ff.logs, f), 'utf8').matchAll(/SendMessage: \S+ send failed \((\w+)\)/g)) out.push(m[1]);
  }
  return out;
}

async function closeFirefox(ff) {
  if (!ff) return;
  try { await withTimeout(ff.browser.close(), 5000, 'Firefox to close'); } catch {}
  for (const [sig, ms] of [['SIGTERM', 3000], ['SIGKILL', 2000]]) {
    if (ff.exited) break;
    try { process.kill(-ff.proc.pid, sig); } catch { try { ff.proc.kill(sig); } catch {} }
    await Promise.race([ff.exitP, sleep(ms)]);
  }
  fs.rmSync(ff.profile, { recursive: true, force: true });
}

function serve() {
  const page = fs.readFileSync(path.join(HERE, 'page.js'));
  const server = http.createServer((req, res) => {
    if (req.url === '/page.js') { res.writeHead(200, { 'content-type': 'text/javascript' }); res.end(page); return; }
    if (req.url === '/') { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><meta charset="utf-8"><title>csctp firefox</title><script src="/page.js"></script>'); return; }
    res.writeHead(404); res.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// page.evaluate with a deadline on our side too (the page's own waits have theirs).
const inPage = (page, ms, what, fn, ...args) => withTimeout(page.evaluate(fn, ...args), ms, what);

// The next message on `label` (window.ff.next), polled so that Firefox's log can be read between
// polls: returns it, or { refused } once Firefox has logged a "send failed" line past the first
// `refusedBefore`; throws after ms.
async function reply(ff, label, what, ms, refusedBefore = Infinity) {
  const deadline = performance.now() + ms;
  for (;;) {
    const r = await inPage(ff.page, T.page, what, (l) => window.ff.next(l, 500), label);
    if (r) return r;
    const refused = sendFailures(ff).slice(refusedBefore);
    if (refused.length) return { refused: refused[0] };
    if (performance.now() > deadline) {
      const st = await inPage(ff.page, 3000, 'the page state', () => window.ff.state()).catch((e) => e.message);
      throw new Error(`timeout (${ms} ms) waiting for ${what}; Firefox: ${JSON.stringify(st)}`);
    }
  }
}

// A binary message `what` of `size` bytes whose SHA-256 must be `want`: throws unless it is.
function check(r, what, size, want) {
  if (r.type !== 'binary') throw new Error(`${what} came as a ${r.type} of ${r.bytes} B${r.text ? `: "${r.text}"` : ''}`);
  if (r.bytes !== size) throw new Error(`${what} has ${r.bytes} B`);
  if (r.got !== want) throw new Error(`${what} differs: SHA-256 expected ${want}, received ${r.got}`);
  if (r.extra) throw new Error(`${r.extra} unexpected message(s) after ${what}`);
}

// One message and its echo. Returns { ms } when it came back intact, { refused } when Firefox
// logged that it would not send it; throws on anything else.
async function oneMessage(ff, label, size, seed) {
  const refusedBefore = sendFailures(ff).length;
  const sent = await inPage(ff.page, T.page, `Firefox to send ${mib(size)}`, (l, n, s) => window.ff.send(l, n, s), label, size, seed);
  const r = await reply(ff, label, `the echo of ${mib(size)}`, T.msg(size), refusedBefore);
  if (r.refused) return r;
  check(r, `the echo of ${mib(size)}`, size, sent);
  return { ms: r.ms };
}

// The messages of one case, in increasing size; after a refused one the channel is stuck
// (Firefox keeps it queued), so the larger ones are refused too and not sent.
async function messages(ff, label, res) {
  for (const [k, m] of opt.sizes.entries()) {
    const size = m * MIB;
    if (res.refused) { res.figures.push(`${mib(size)} not sent (after a refused message)`); res.xfail = true; continue; }
    const r = await oneMessage(ff, label, size, 100 + k);
    if (r.refused) {
      res.refused = true; res.xfail = true;
      res.figures.push(`${mib(size)} refused by Firefox itself (send failed: ${r.refused})`);
    } else {
      res.figures.push(`${mib(size)} ${r.ms.toFixed(0)} ms ${(size / 1e3 / r.ms).toFixed(1)} MB/s`);
    }
  }
}

// csctp-peer's "send:N" (see the top of this file): three requests it must refuse, then one
// message per size of --peer-sends.
async function peerSends(ff, label, res) {
  const ask = (text, size) => inPage(ff.page, T.page, `the page to send "${text}"`, (l, t, n) => window.ff.ask(l, t, n), label, text, size);
  for (const bad of ['send:0', 'send:12x', `send:${opt.maxMessageSize + 1}`]) {
    await ask(bad, 0);
    const r = await reply(ff, label, `csctp-peer's reply to "${bad}"`, T.signal);
    if (r.type !== 'string' || !r.text.startsWith('error: ') || r.extra) throw new Error(`"${bad}" got ${JSON.stringify(r)}, expected one text "error: ..."`);
  }
  res.figures.push('send:0, send:12x, send:N+1 answered "error: ..."');
  for (const m of opt.peerSends) {
    const size = m * MIB;
    const want = await ask(`send:${size}`, size);
    const r = await reply(ff, label, `the ${mib(size)} message from csctp-peer`, T.msg(size));
    check(r, `the ${mib(size)} message from csctp-peer`, size, want);
    res.figures.push(`${mib(size)} ${r.ms.toFixed(0)} ms ${(size / 1e3 / r.ms).toFixed(1)} MB/s`);
  }
}

// ---- the reference and the cases ---------------------------------------------------------------

async function runReference(ff, url, stack) {
  const res = { name: `${stack}/firefox-to-firefox`, figures: [] };
  const t0 = performance.now();
  try {
    await withTimeout(ff.page.goto(url), T.page, 'the page to load');
    await inPage(ff.page, T.page, 'the loopback connection', () => window.ff.loopback('ref'));
    await inPage(ff.page, T.open + 2000, 'channel "ref" to open', (ms) => window.ff.open('ref', ms), T.open);
    await messages(ff, 'ref', res);
  } catch (e) {
    res.reason = e.message.split('\n')[0];
  }
  try { await inPage(ff.page, 3000, 'the page to close', () => window.ff.close()); } catch {}
  res.seconds = (performance.now() - t0) / 1000;
  return res;
}

// mode: 'echo' (the page's messages echoed) or 'peer-sends' (csctp-peer's "send:N").
async function runCase(ff, url, stack, dir, mode) {
  const what = `${dir === 'ff' ? 'firefox-offers' : 'peer-offers'}${mode === 'echo' ? '' : `/${mode}`}`;
  const logFile = opt.logDir ? path.join(opt.logDir, `${stack}-${what.replace('/', '-')}.log`) : null;
  const peer = new Peer(['--max-message-size', String(opt.maxMessageSize), ...(dir === 'peer' ? ['--offer'] : [])], logFile);
  const t0 = performance.now();
  const res = { name: `${stack}/${what}`, ok: false, figures: [] };
  const { page } = ff;
  try {
    const died = peer.exitP.then(() => sleep(300)).then(() => { throw new Error(`csctp-peer exited early (${peer.exited})`); });
    const steps = (async () => {
      await withTimeout(page.goto(url), T.page, 'the page to load');
      let peerSdp, label;
      if (dir === 'ff') {
        label = 'big';
        const offer = await inPage(page, T.page, 'Firefox\'s offer', (l, g) => window.ff.offer(l, g), label, T.gather);
        peer.send({ type: 'offer', sdp: loopbackOnly(offer) });
        peerSdp = (await peer.wait('answer', T.signal)).sdp;
        await inPage(page, T.page, 'Firefox to take the answer', (s) => window.ff.accept(s), loopbackOnly(peerSdp));
      } else {
        label = 'offerer'; // the peer's ordered reliable channel (contract, --offer)
        peerSdp = (await peer.wait('offer', T.signal)).sdp;
        const answer = await inPage(page, T.page, 'Firefox\'s answer', (s, g) => window.ff.answer(s, g), loopbackOnly(peerSdp), T.gather);
        peer.send({ type: 'answer', sdp: loopbackOnly(answer) });
      }
      const info = await inPage(page, T.open + 2000, `channel "${label}" to open`, (l, ms) => window.ff.open(l, ms), label, T.open);
      const advertised = sdpAttr(peerSdp, 'max-message-size');
      if (Number(advertised) !== opt.maxMessageSize) throw new Error(`csctp-peer's SDP says a=max-message-size:${advertised}, expected ${opt.maxMessageSize}`);
      if (info.maxMessageSize !== opt.maxMessageSize) throw new Error(`Firefox's RTCSctpTransport.maxMessageSize is ${info.maxMessageSize}, expected the peer's ${opt.maxMessageSize}`);
      if (!info.ordered || info.maxRetransmits !== null || info.maxPacketLifeTime !== null) throw new Error(`channel "${label}" is not ordered and reliable: ${JSON.stringify(info)}`);
      res.figures.push(`open in ${info.openMs} ms, Firefox maxMessageSize ${info.maxMessageSize}${peer.streams ? `, SCTP streams ${peer.streams}` : ''}`);
      await (mode === 'echo' ? messages(ff, label, res) : peerSends(ff, label, res));
      if (peer.bad) throw new Error(`csctp-peer wrote a non-JSON line on stdout: ${peer.bad}`);
      res.ok = true;
    })();
    await Promise.race([steps, died]);
  } catch (e) {
    res.reason = e.message.split('\n')[0];
  }
  try { await inPage(page, 3000, 'the page to close its connection', () => window.ff.close()); } catch {}
  if (await peer.stop()) res.figures.push('csctp-peer needed a signal to exit');
  res.seconds = (performance.now() - t0) / 1000;
  if (!res.ok) res.peerTail = peer.tail.slice(-8);
  return res;
}

// ---- main --------------------------------------------------------------------------------------

async function main() {
  const runStart = performance.now();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'csctp-ff-'));
  if (opt.logDir) fs.mkdirSync(opt.logDir, { recursive: true });
  const results = [];
  let ff = null;
  let server = null;
  let done = false;
  let current = 'setting up';
  const count = (s) => results.filter((r) => r.status === s).length;
  const finish = async (code) => {
    if (done) return; done = true;
    await Promise.all([...livePeers].map((p) => p.stop()));
    await closeFirefox(ff);
    if (server) server.close();
    fs.rmSync(scratch, { recursive: true, force: true });
    console.log(`total ${((performance.now() - runStart) / 1000).toFixed(1)} s; ${count('XFAIL')} expected failure(s) (XFAIL: a message Firefox itself refused to send)`);
    console.log(`${count('PASS')} passed, ${count('FAIL')} failed`);
    process.exit(code ?? (count('FAIL') ? 1 : 0));
  };
  setTimeout(() => {
    console.log(`FAIL ${current}: global cap of ${opt.maxSeconds} s reached`);
    results.push({ status: 'FAIL' });
    finish(1);
  }, opt.maxSeconds * 1000).unref();
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => finish(1));

  try {
    server = await serve();
    const url = `http://127.0.0.1:${server.address().port}/`;
    for (const stack of opt.stacks) {
      current = `${stack} (launching Firefox)`;
      ff = await launchFirefox(stack, scratch);
      console.log(`${ff.version}, ${stack} (media.peerconnection.sctp.use_dcsctp=${USE_DCSCTP[stack]}); csctp-peer --max-message-size ${opt.maxMessageSize}`);
      current = `${stack}/firefox-to-firefox`;
      const ref = await runReference(ff, url, stack);
      console.log(`REF ${ref.name} (${ref.seconds.toFixed(1)} s, not counted)${ref.reason ? `: FAILED ${ref.reason}` : ''}${ref.figures.length ? `: ${ref.figures.join('; ')}` : ''}`);
      const modes = opt.peerSends.length ? ['echo', 'peer-sends'] : ['echo'];
      for (const dir of opt.directions) {
        for (const mode of modes) {
          current = `${stack}/${dir === 'ff' ? 'firefox' : 'peer'}-offers${mode === 'echo' ? '' : `/${mode}`}`;
          const r = await runCase(ff, url, stack, dir, mode);
          if (done) return;
          r.status = !r.ok ? 'FAIL' : r.xfail ? 'XFAIL' : 'PASS';
          results.push(r);
          const figs = r.figures.join('; ');
          console.log(r.ok ? `${r.status} ${r.name} (${r.seconds.toFixed(1)} s): ${figs}` : `FAIL ${r.name} (${r.seconds.toFixed(1)} s): ${r.reason}${figs ? ` [${figs}]` : ''}`);
          if (!r.ok) for (const l of r.peerTail) console.log(`    csctp-peer: ${l}`);
        }
      }
      await closeFirefox(ff);
      ff = null;
    }
  } catch (e) {
    console.log(`FAIL run: ${e.stack || e}`);
    results.push({ status: 'FAIL' });
  }
  await finish();
}

main();
