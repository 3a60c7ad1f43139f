#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Set-up time benchmark (issue 13): how long from the offer to the first open data channel,
// headless browser <-> csctp-peer against browser <-> browser, in the same run.
//
//   node setup.mjs --peer /path/to/csctp-peer [--repeat 10] [--warmup 1] [--browsers chromium,firefox]
//                  [--timeout-ms 10000] [--netns] [--chromium PATH] [--firefox PATH]
//                  [--json FILE] [--max-seconds 900] [--verbose]
//
// Four pairs per browser, run --repeat times each, alternating (after --warmup uncounted rounds):
//   B* -> csctp-peer   the page offers, csctp-peer answers
//   B* -> B            the page offers, the same browser answers from a second page
//   csctp-peer -> B*   csctp-peer offers (--offer), the page answers
//   B -> B*            a second page offers, the page answers
// (* = the page that measures.) Every connection is fresh (new RTCPeerConnection, new peer
// process or peer page) and uses complete descriptions (non-trickle, sent once ICE gathering is
// done), loopback candidates only (csctp-peer --address 127.0.0.1; the browsers' SDP filtered
// as the interop harness does); the signalling of both kinds of peer goes through this process.
// Measured in the page with performance.now():
//   offer-to-open   the page offers: from just before createOffer() to the channel's "open";
//                   the peer offers: from its offer reaching the page (just before
//                   setRemoteDescription(offer)) to its channel's "open" in the page;
//   sent-to-open    from the complete offer leaving the offerer (after its ICE gathering) to
//                   that "open": the part the answering peer takes part in; the same as
//                   offer-to-open when the peer offers;
//   answer-to-open  from setRemoteDescription(answer) (the page offers) or from the answer
//                   leaving the page (the peer offers) to that "open".
// Prints min / median / max per pair, a breakdown of the medians, the ratios of the medians of
// sent-to-open, and last a line with the ratio of the median offer-to-open, csctp-peer /
// browser-browser, per browser and direction.
// Exit 0 whatever the figures; 1 when a connection did not open within --timeout-ms (10 s)
// or the run broke; 2 on bad usage.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

const HELP = `usage: node setup.mjs --peer PATH [options]
  --peer PATH         csctp-peer binary (started with --address 127.0.0.1 [--offer])
  --repeat N          measured connections per pair (default 10)
  --warmup N          uncounted rounds first (default 1)
  --browsers A,B      chromium and/or firefox (default: chromium, and firefox when installed)
  --timeout-ms MS     a connection must open within MS of its offer (default 10000)
  --settle-ms MS      pause after starting a peer, before measuring (default 150)
  --chromium PATH     default $CHROMIUM or /usr/bin/chromium
  --firefox PATH      default $FIREFOX or /usr/bin/firefox-esr
  --netns             re-run inside a private network namespace with only lo (unshare, ip)
  --json FILE         every run's figures as JSON
  --max-seconds N     hard cap for the whole run (default 900)
  --verbose           page console and peer stderr`;

function die(msg) { console.error(`setup.mjs: ${msg}`); process.exit(2); }

function parseArgs(argv) {
  const o = {
    peer: '', repeat: 10, warmup: 1, browsers: null, timeoutMs: 10000, settleMs: 150,
    chromium: process.env.CHROMIUM || '/usr/bin/chromium', firefox: process.env.FIREFOX || '/usr/bin/firefox-esr',
    netns: false, json: '', maxSeconds: 900, verbose: false,
  };
  const num = (i) => { const v = Number(argv[i + 1]); if (!Number.isFinite(v) || v < 0) die(`${argv[i]} needs a number`); return v; };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) die(`${a} needs a value`); return argv[++i]; };
    switch (a) {
      case '--peer': o.peer = val(); break;
      case '--repeat': o.repeat = Math.max(1, num(i) | 0); i++; break;
      case '--warmup': o.warmup = num(i) | 0; i++; break;
      case '--browsers': o.browsers = val().split(',').filter(Boolean); break;
      case '--timeout-ms': o.timeoutMs = num(i); i++; break;
      case '--settle-ms': o.settleMs = num(i); i++; break;
      case '--chromium': o.chromium = val(); break;
      case '--firefox': o.firefox = val(); break;
      case '--netns': o.netns = true; break;
      case '--json': o.json = val(); break;
      case '--max-seconds': o.maxSeconds = num(i); i++; break;
      case '--verbose': o.verbose = true; break;
      case '-h': case '--help': console.log(HELP); process.exit(0);
      default: die(`unknown argument ${a}\n${HELP}`);
    }
  }
  if (!o.peer) die(`--peer is required\n${HELP}`);
  if (!o.browsers) o.browsers = ['chromium', ...(fs.existsSync(o.firefox) ? ['firefox'] : [])];
  for (const b of o.browsers) if (!BROWSERS[b]) die(`unknown browser ${b} (chromium, firefox)`);
  return o;
}

const delay = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };

// ---- loopback candidates only (as the interop harness forwards them) ----------

const isLoopback = (addr) => addr === '127.0.0.1' || addr === '::1';
function loopbackSdp(sdp) {
  return sdp.split(/\r?\n/).filter((l) => !l.startsWith('a=candidate:') || isLoopback(l.split(/\s+/)[4] || '')).join('\r\n');
}
function filterMessage(msg) {
  if ((msg.type === 'offer' || msg.type === 'answer') && typeof msg.sdp === 'string') return { ...msg, sdp: loopbackSdp(msg.sdp) };
  if (msg.type === 'candidate') return null; // complete descriptions only
  return msg;
}

// ---- the two kinds of peer: csctp-peer, or the browser in a second page --------

function startProcessPeer(o, offer) {
  const args = ['--address', '127.0.0.1', ...(offer ? ['--offer'] : [])];
  const child = spawn(o.peer, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const peer = { child, exited: null, stderr: [], violations: [], onMessage: () => {} };
  peer.exitP = new Promise((resolve) => child.on('exit', (code, sig) => { peer.exited = sig ? `signal ${sig}` : `code ${code}`; resolve(); }));
  child.on('error', (e) => { peer.exited = `not started: ${e.message}`; });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d.toString('utf8');
    let i;
    while ((i = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, i).trim(); out = out.slice(i + 1);
      if (!line) continue;
      try { peer.onMessage(JSON.parse(line)); } catch { peer.violations.push(`non-JSON line on stdout: ${line.slice(0, 80)}`); }
    }
  });
  let err = '';
  child.stderr.on('data', (d) => {
    if (o.verbose) process.stderr.write(`  [peer] ${d}`);
    err += d.toString('utf8');
    const lines = err.split('\n'); err = lines.pop();
    peer.stderr.push(...lines);
    if (peer.stderr.length > 50) peer.stderr.splice(0, peer.stderr.length - 50);
  });
  child.stdin.on('error', () => {});
  peer.send = (msg) => { if (!peer.exited && !child.stdin.destroyed) child.stdin.write(JSON.stringify(msg) + '\n'); };
  // Contract: after bye / end of stdin it exits within 3 s; then SIGTERM, SIGKILL 2 s later,
  // to its own process group (started detached).
  peer.stop = async () => {
    try { peer.send({ type: 'bye' }); child.stdin.end(); } catch {}
    if (!peer.exited) await Promise.race([peer.exitP, delay(3000)]);
    for (const sig of ['SIGTERM', 'SIGKILL']) {
      if (peer.exited) break;
      try { process.kill(-child.pid, sig); } catch {}
      await Promise.race([peer.exitP, delay(2000)]);
    }
  };
  return peer;
}

async function startPagePeer(ctx, offer) {
  const page = await ctx.b.newPage();
  const peer = { page, exited: null, stderr: [], violations: [], pending: [] };
  peer.onMessage = (m) => peer.pending.push(m); // until the relay is wired
  peer.exitP = new Promise(() => {});
  page.on('console', (m) => { peer.stderr.push(m.text()); if (ctx.o.verbose) process.stderr.write(`  [peer page] ${m.text()}\n`); });
  await page.exposeFunction('__peerOut', (msg) => { peer.onMessage(msg); });
  await page.goto(ctx.url, { timeout: 15000 });
  let chain = Promise.resolve();
  peer.send = (msg) => { chain = chain.then(() => page.evaluate((m) => window.__peerIn(m), msg)).catch(() => {}); };
  peer.stop = async () => {
    try { await Promise.race([page.evaluate(() => window.__cleanup()), delay(2000)]); } catch {}
    try { await Promise.race([page.close(), delay(3000)]); } catch {}
    peer.exited = 'closed';
  };
  await page.evaluate((a) => window.__peerStart(a), offer ? ['--offer'] : []);
  return peer;
}

// ---- browsers (the interop harness's set-up: loopback candidates, no prompts) ----

const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-default-browser-check', '--disable-default-apps', '--disable-extensions',
  '--disable-dev-shm-usage', '--mute-audio',
  '--disable-features=WebRtcHideLocalIpsWithMdns', '--allow-loopback-in-peer-connection',
];

async function launchChromium(o, origin) {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'csctp-setup-profile-'));
  const child = spawn(o.chromium, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--remote-debugging-address=127.0.0.1',
    '--remote-debugging-port=0', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const b = { name: 'chromium', child, profile, exited: false };
  b.exitP = new Promise((resolve) => child.on('exit', () => { b.exited = true; resolve(); }));
  const ws = await new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error('Chromium did not print a DevTools endpoint within 30 s')), 30000);
    child.stderr.on('data', (d) => {
      buf += d.toString('utf8');
      const m = buf.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(t); reject(new Error(`Chromium exited (${code}) before DevTools was up: ${buf.slice(-500)}`)); });
  });
  child.stderr.resume();
  b.browser = await chromium.connectOverCDP(ws);
  const context = b.browser.contexts()[0];
  b.page = context.pages()[0] || await context.newPage();
  b.newPage = () => context.newPage();
  // Chromium enumerates interfaces (loopback included) only for a page holding a media
  // permission; no media is captured.
  await context.grantPermissions(['microphone', 'camera'], { origin });
  b.version = `Chromium ${b.browser.version()}`;
  return b;
}

const FIREFOX_PREFS = {
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.peerconnection.ice.default_address_only': false,
  'permissions.default.camera': 1, // see launchChromium: interfaces only with a media permission
  'permissions.default.microphone': 1,
  'media.navigator.permission.disabled': true,
  'privacy.reduceTimerPrecision': false, // performance.now() below 1 ms, as in Chromium
};

async function launchFirefox(o) {
  const { default: puppeteer } = await import('puppeteer-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'csctp-setup-profile-'));
  let browser;
  try {
    browser = await puppeteer.launch({
      browser: 'firefox', executablePath: o.firefox, headless: true, userDataDir: profile,
      extraPrefsFirefox: FIREFOX_PREFS, dumpio: o.verbose, timeout: 30000,
      handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
    });
  } catch (e) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const child = browser.process();
  const b = { name: 'firefox', browser, child, profile, exited: child.exitCode !== null };
  b.exitP = b.exited ? Promise.resolve() : new Promise((resolve) => child.on('exit', () => { b.exited = true; resolve(); }));
  b.page = (await browser.pages())[0] || await browser.newPage();
  b.newPage = () => browser.newPage();
  b.version = `Firefox ${(await browser.version()).replace(/^firefox\//, '')}`;
  return b;
}

const BROWSERS = { chromium: launchChromium, firefox: launchFirefox };

async function closeBrowser(b) {
  if (!b) return;
  try { await Promise.race([b.browser.close(), delay(5000)]); } catch {}
  for (const sig of ['SIGTERM', 'SIGKILL']) {
    if (b.exited) break;
    try { process.kill(-b.child.pid, sig); } catch {}
    await Promise.race([b.exitP, delay(3000)]);
  }
  try { fs.rmSync(b.profile, { recursive: true, force: true }); } catch {}
}

function startServer() {
  const html = '<!doctype html><meta charset="utf-8"><title>csctp set-up time</title><script src="page.js"></script>\n';
  const server = http.createServer((req, res) => {
    const u = req.url.split('?')[0];
    if (u === '/' || u === '/index.html') { res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }); res.end(html); return; }
    if (u === '/page.js') { res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' }); res.end(fs.readFileSync(path.join(HERE, 'page.js'))); return; }
    res.writeHead(u === '/favicon.ico' ? 204 : 404); res.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---- one measured connection -----------------------------------------------------

// pair: { peer: 'csctp' | 'browser', dir: 'page-offers' | 'peer-offers' }
async function runOnce(ctx, pair) {
  const { o, b } = ctx;
  const page = b.page;
  await page.goto(ctx.url, { timeout: 15000 });
  const offer = pair.dir === 'peer-offers';
  const peer = pair.peer === 'csctp' ? startProcessPeer(o, offer) : await startPagePeer(ctx, offer);
  ctx.peer = peer;
  let chain = Promise.resolve();
  peer.onMessage = (msg) => {
    const m = filterMessage(msg);
    if (m) chain = chain.then(() => page.evaluate((x) => window.__fromPeer(x), m)).catch(() => {});
  };
  for (const m of peer.pending || []) peer.onMessage(m);
  ctx.toPeer = (msg) => { const m = filterMessage(msg); if (m) peer.send(m); };
  await delay(o.settleMs); // the peer is up (process started, or page loaded) before t0
  let r;
  try {
    const run = page.evaluate(([k, a]) => window.measure(k, a), [pair.dir, { timeout: o.timeoutMs }]);
    run.catch(() => {});
    const died = peer.exitP.then(() => delay(300)).then(() => ({ ok: false, reason: `peer exited early (${peer.exited})` }));
    const cap = delay(o.timeoutMs + 5000).then(() => ({ ok: false, reason: `no result from the page within ${(o.timeoutMs + 5000) / 1000} s` }));
    r = await Promise.race([run, died, cap]);
  } catch (e) {
    r = { ok: false, reason: `harness error: ${e.message.split('\n')[0]}` };
  }
  if (peer.violations.length) r = { ok: false, reason: `contract violation: ${peer.violations[0]}` };
  ctx.toPeer = null;
  await peer.stop();
  try { await Promise.race([page.evaluate(() => window.__cleanup()), delay(3000)]); } catch {}
  ctx.peer = null;
  r.stderr = peer.stderr.slice(-8);
  return r;
}

// ---- report ------------------------------------------------------------------------

const f1 = (x) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(1));
function pairName(bname, pair) {
  const other = pair.peer === 'csctp' ? 'csctp-peer' : bname;
  return pair.dir === 'page-offers' ? `${bname}* -> ${other}` : `${other} -> ${bname}*`;
}
function summary(runs) {
  const get = (k) => runs.map((r) => r[k]).filter((x) => x !== null && x !== undefined);
  const mm = (k) => { const v = get(k); return v.length ? { min: Math.min(...v), med: median(v), max: Math.max(...v) } : null; };
  return { n: runs.length, o2o: mm('offerToOpen'), s2o: mm('sentToOpen'), a2o: mm('answerToOpen'), gather: mm('gather'), signal: mm('signal'), connect: mm('connect'), sctp: mm('sctp') };
}
function formatPair(name, s, width) {
  if (!s.n) return `${name.padEnd(width)}  no connection opened`;
  const t = (x) => `${f1(x.min)} / ${f1(x.med)} / ${f1(x.max)}`;
  return `${name.padEnd(width)}  offer-to-open ${t(s.o2o).padEnd(20)}  sent-to-open ${t(s.s2o).padEnd(20)}  answer-to-open ${t(s.a2o).padEnd(20)}` +
    `  (medians: gather+answer ${f1(s.gather.med)}, wait ${f1(s.signal.med)}, ICE+DTLS ${f1(s.connect && s.connect.med)}, SCTP+DCEP ${f1(s.sctp && s.sctp.med)})`;
}

// ---- main --------------------------------------------------------------------------

function reexecInNetns() {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const args = [...(root ? [] : ['--map-root-user']), '--net', '/bin/sh', '-c',
    'ip link set lo up && exec "$0" "$@"', process.execPath, ...process.argv.slice(1)];
  const r = spawnSync('unshare', args, { stdio: 'inherit', env: { ...process.env, CSCTP_SETUP_NETNS: '1' } });
  if (r.error) die(`--netns: cannot run unshare: ${r.error.message}`);
  return r.status ?? 1;
}

const PAIRS = [
  { peer: 'csctp', dir: 'page-offers' }, { peer: 'browser', dir: 'page-offers' },
  { peer: 'csctp', dir: 'peer-offers' }, { peer: 'browser', dir: 'peer-offers' },
];

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.netns && process.env.CSCTP_SETUP_NETNS !== '1') process.exit(reexecInNetns());
  if (!fs.existsSync(o.peer)) die(`no peer program at ${o.peer}`);
  const ctx = { o };
  const failures = [];
  const results = [];
  let finished = false;
  const finish = async (code) => {
    if (finished) return; finished = true;
    if (ctx.peer) await ctx.peer.stop();
    await closeBrowser(ctx.b);
    if (ctx.server) ctx.server.close();
    if (o.json) fs.writeFileSync(o.json, JSON.stringify({ peer: o.peer, repeat: o.repeat, warmup: o.warmup, results }, null, 2));
    process.exit(code);
  };
  setTimeout(() => { console.log(`FAIL: the whole run exceeded --max-seconds ${o.maxSeconds}`); finish(1); }, o.maxSeconds * 1000).unref();
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => finish(130));

  ctx.server = await startServer();
  const origin = `http://127.0.0.1:${ctx.server.address().port}`;
  ctx.url = `${origin}/index.html`;
  console.log(`csctp-peer ${o.peer}; ${o.repeat} connections per pair after ${o.warmup} warm-up round(s), pairs alternating; ` +
    `complete SDP, loopback candidates only${process.env.CSCTP_SETUP_NETNS === '1' ? ', private network namespace (only lo)' : ''}`);
  console.log('times in ms, min / median / max; * = the page that measures; target: offer-to-open <= 50 ms, csctp-peer no slower than browser-browser');
  const ratios = [], sentRatios = [];
  for (const bname of o.browsers) {
    try {
      ctx.b = await BROWSERS[bname](o, origin);
    } catch (e) {
      console.log(`FAIL ${bname}: cannot start the browser: ${e.message.split('\n')[0]}`);
      failures.push(`${bname}: browser did not start`);
      continue;
    }
    await ctx.b.page.exposeFunction('__toPeer', (msg) => { if (ctx.toPeer) ctx.toPeer(msg); });
    if (o.verbose) ctx.b.page.on('console', (m) => process.stderr.write(`  [page] ${m.text()}\n`));
    console.log(`${ctx.b.version}:`);
    const runs = PAIRS.map(() => []);
    for (let round = 0; round < o.warmup + o.repeat; round++) {
      const warm = round < o.warmup;
      for (const [i, pair] of PAIRS.entries()) {
        const name = pairName(bname, pair);
        const r = await runOnce(ctx, pair);
        if (!r.ok) {
          const what = warm ? 'warm-up' : `run ${round - o.warmup + 1}`;
          console.log(`FAIL ${name} ${what}: ${r.reason}`);
          for (const l of r.stderr) console.log(`    | ${l}`);
          failures.push(`${name} ${what}`);
          results.push({ browser: bname, pair: name, warmup: warm, ok: false, reason: r.reason });
          continue;
        }
        results.push({ browser: bname, pair: name, warmup: warm, ok: true, ...r.m });
        if (!warm) runs[i].push(r.m);
        if (o.verbose) console.log(`  ${name}${warm ? ' (warm-up)' : ''}: offer-to-open ${f1(r.m.offerToOpen)} ms`);
      }
    }
    await closeBrowser(ctx.b);
    ctx.b = null;
    const names = PAIRS.map((p) => pairName(bname, p));
    const width = Math.max(...names.map((n) => n.length));
    const sums = runs.map(summary);
    for (const [i, s] of sums.entries()) console.log(`  ${formatPair(names[i], s, width)}`);
    for (const [c, bb, dir] of [[0, 1, `${bname} offers`], [2, 3, 'the peer offers']]) {
      const ratio = (k) => (sums[c][k] && sums[bb][k] ? (sums[c][k].med / sums[bb][k].med).toFixed(2) : '-');
      ratios.push(`${bname} ${ratio('o2o')} (${dir})`);
      sentRatios.push(`${bname} ${ratio('s2o')} (${dir})`);
    }
  }
  if (failures.length) console.log(`FAILED: ${failures.length} connection(s) did not open within ${o.timeoutMs / 1000} s: ${failures.join('; ')}`);
  console.log(`median sent-to-open ratio, csctp-peer / browser-browser: ${sentRatios.join(', ') || 'none'}`);
  console.log(`median offer-to-open ratio, csctp-peer / browser-browser: ${ratios.join(', ') || 'none'}`);
  await finish(failures.length ? 1 : 0);
}

main().catch((e) => { console.log(`harness error: ${e.stack || e}`); process.exit(1); });
