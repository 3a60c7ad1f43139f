// SPDX-License-Identifier: MIT
// Headless Chromium against `csctp-peer --handover 1` (tools/csctp-peer.c): the peer moves its
// whole WebRTC session (ICE socket, DTLS keys, SCTP association, channels) to a second process
// during a transfer, and the browser must not notice.
//
//   node driver.mjs --peer /path/to/csctp-peer [--chromium PATH] [--idle-seconds 40]
//                   [--messages 300] [--log FILE] [--verbose]
//
// 1. transfer: the page sends --messages binary messages of 16 KiB (a sequence number and a
//    pattern) in batches of 25, each sent once the previous one's echoes are back, on one
//    ordered reliable channel; every echo must come back intact and in order. The peer hands
//    over once quiescent after the first message (holding its echoes until the export).
// 2. the peer's stderr must show the export, before the last message, and the import
//    ("handover: exported after N messages", "handover: imported").
// 3. idle: nothing is sent for --idle-seconds (default 40, more than the 30 s after which a
//    browser that gets no answer to its consent checks gives up, RFC 7675); then 20 more
//    messages must be echoed.
// Throughout, the RTCPeerConnection must stay "connected" and the channel "open"; every state
// change is recorded and reported. Exit 0 when all holds, 1 otherwise. run.sh starts it in a
// private network namespace with only `lo`. Ends by itself within idle + 90 s.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const delay = (ms) => new Promise((r) => setTimeout(r, ms));
const o = { peer: '', chromium: process.env.CHROMIUM || '/usr/bin/chromium', idle: 40, messages: 300,
  log: '', verbose: false };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i], v = process.argv[i + 1];
  if (a === '--peer') { o.peer = v; i++; } else if (a === '--chromium') { o.chromium = v; i++; }
  else if (a === '--idle-seconds') { o.idle = Number(v); i++; } else if (a === '--messages') { o.messages = Number(v); i++; }
  else if (a === '--log') { o.log = v; i++; } else if (a === '--verbose') o.verbose = true;
  else { console.error(`driver: unknown argument ${a}`); process.exit(2); }
}
if (!o.peer) { console.error('driver: --peer is required'); process.exit(2); }

// Only loopback candidates, both ways (as ../shared/interop does).
const loopbackOnly = (sdp) => sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate:') ||
  / (127\.0\.0\.1|::1) /.test(l)).join('\r\n');

const PAGE = `<!doctype html><meta charset="utf-8"><title>handover</title><script>
window.states = [];
window.start = async () => {
  const pc = new RTCPeerConnection();
  window.pc = pc;
  const note = (what) => window.states.push({ t: Date.now(), what });
  pc.onconnectionstatechange = () => note('connection ' + pc.connectionState);
  pc.oniceconnectionstatechange = () => note('ice ' + pc.iceConnectionState);
  const dc = pc.createDataChannel('handover');
  dc.binaryType = 'arraybuffer';
  window.dc = dc;
  dc.onclose = () => note('channel close');
  dc.onerror = (e) => note('channel error ' + (e.error ? e.error.message : ''));
  window.echoes = [];
  dc.onmessage = (e) => window.echoes.push(e.data);
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((r) => { if (pc.iceGatheringState === 'complete') r(); else pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') r(); }; });
  await window.toPeer(JSON.stringify({ type: 'offer', sdp: pc.localDescription.sdp }));
  await new Promise((r) => { dc.onopen = r; });
  note('channel open');
};
window.answer = (sdp) => window.pc.setRemoteDescription({ type: 'answer', sdp });
const msg = (i) => { const b = new Uint8Array(16384); new DataView(b.buffer).setUint32(0, i);
  for (let k = 4; k < b.length; k++) b[k] = (i * 7 + k * 13) & 255; return b; };
window.transfer = async (from, n, batch, timeoutMs) => {
  const dc = window.dc, t0 = Date.now();
  window.echoes = [];
  for (let i = from; i < from + n; i++) {
    dc.send(msg(i));
    if ((i - from + 1) % batch && i + 1 < from + n) continue;
    /* a batch sent: wait for its echoes, so that the peer goes quiet between batches */
    while (window.echoes.length < i - from + 1) { await new Promise((r) => setTimeout(r, 5)); if (Date.now() - t0 > timeoutMs) return 'echoes: ' + window.echoes.length + ' of ' + (i - from + 1); }
  }
  for (let j = 0; j < n; j++) {
    const got = new Uint8Array(window.echoes[j]), want = msg(from + j);
    if (got.length !== want.length) return 'echo ' + j + ': ' + got.length + ' bytes';
    for (let k = 0; k < want.length; k++) if (got[k] !== want[k]) return 'echo ' + j + ' differs at byte ' + k;
  }
  return 'ok ' + n + ' echoes in ' + (Date.now() - t0) + ' ms';
};
</script>`;

const server = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end(PAGE); });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'csctp-handover-'));
const child = spawn(o.chromium, ['--headless=new', '--no-sandbox', '--no-first-run', '--disable-gpu',
  '--disable-dev-shm-usage', '--mute-audio', '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--allow-loopback-in-peer-connection', `--user-data-dir=${profile}`, '--remote-debugging-address=127.0.0.1',
  '--remote-debugging-port=0', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
let failures = [];
const fail = (why) => { failures.push(why); console.log(`FAIL ${why}`); };
let peer = null, peerErr = '', browser = null;
const hardStop = setTimeout(() => { fail('driver timeout'); finish(); }, (o.idle + 90) * 1000);

async function finish() {
  clearTimeout(hardStop);
  try { if (peer && peer.exitCode === null) peer.stdin.end(); } catch {}
  if (peer && peer.exitCode === null) await Promise.race([new Promise((r) => peer.on('exit', r)), delay(5000)]);
  if (peer && peer.exitCode === null) try { process.kill(-peer.pid, 'SIGKILL'); } catch {}
  try { await browser?.close(); } catch {}
  try { process.kill(-child.pid, 'SIGKILL'); } catch {}
  server.close();
  fs.rmSync(profile, { recursive: true, force: true });
  if (o.log) fs.writeFileSync(o.log, peerErr);
  console.log(failures.length ? `handover: ${failures.length} failed` : 'handover: passed');
  process.exit(failures.length ? 1 : 0);
}

try {
  const ws = await new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error('Chromium gave no DevTools endpoint in 30 s')), 30000);
    child.stderr.on('data', (d) => { buf += d; const m = buf.match(/DevTools listening on (ws:\/\/\S+)/); if (m) { clearTimeout(t); resolve(m[1]); } });
  });
  child.stderr.resume();
  browser = await chromium.connectOverCDP(ws);
  const context = browser.contexts()[0];
  await context.grantPermissions(['microphone', 'camera'], { origin });
  const page = context.pages()[0] || await context.newPage();
  console.log(`Chromium ${browser.version()}; peer: ${o.peer} --handover 1`);

  peer = spawn('/bin/sh', ['-c', `exec ${o.peer} --handover 1`], { stdio: ['pipe', 'pipe', 'pipe'], detached: true,
    env: { ...process.env, CSCTP_DEBUG: process.env.CSCTP_DEBUG || 'peer' } });
  peer.stderr.on('data', (d) => { peerErr += d; if (o.verbose) process.stderr.write(d); });
  let out = '';
  peer.stdout.on('data', (d) => {
    out += d;
    let nl;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl); out = out.slice(nl + 1);
      let m; try { m = JSON.parse(line); } catch { fail(`peer wrote a non-JSON line: ${line}`); continue; }
      if (m.type === 'answer') page.evaluate((s) => window.answer(s), loopbackOnly(m.sdp)).catch((e) => fail(`answer: ${e.message}`));
    }
  });
  await page.goto(origin);
  await page.exposeFunction('toPeer', (s) => { const m = JSON.parse(s); if (m.sdp) m.sdp = loopbackOnly(m.sdp); peer.stdin.write(JSON.stringify(m) + '\n'); });
  await Promise.race([page.evaluate(() => window.start()), delay(20000).then(() => { throw new Error('channel not open in 20 s'); })]);
  console.log('channel open');

  const r1 = await page.evaluate(([n]) => window.transfer(0, n, 25, 60000), [o.messages]);
  if (!r1.startsWith('ok')) fail(`transfer across the handover: ${r1}`); else console.log(`PASS transfer across the handover: ${r1}`);
  await delay(200);
  const exported = peerErr.match(/handover: exported after (\d+) messages[^\n]*/);
  if (!exported || !/handover: imported/.test(peerErr)) fail('the peer did not hand over (no export and import in its log)');
  else if (Number(exported[1]) >= o.messages) fail(`the handover came only after the transfer: ${exported[0]}`);
  else console.log(`PASS handed over mid-transfer: ${exported[0]}`);

  console.log(`idle ${o.idle} s (consent checks answered by the successor)`);
  await delay(o.idle * 1000);
  const r2 = await page.evaluate(() => window.transfer(100000, 20, 20, 20000));
  if (!r2.startsWith('ok')) fail(`after ${o.idle} s idle: ${r2}`); else console.log(`PASS after ${o.idle} s idle: ${r2}`);

  const states = await page.evaluate(() => window.states);
  const bad = states.filter((s) => !/^(connection (new|connecting|connected)|ice (checking|connected|completed)|channel open)$/.test(s.what));
  console.log(`states: ${states.map((s) => s.what).join(', ')}`);
  if (bad.length) fail(`the browser saw: ${bad.map((s) => s.what).join(', ')}`);
  const dcState = await page.evaluate(() => window.dc.readyState + ' ' + window.pc.connectionState);
  if (dcState !== 'open connected') fail(`at the end: channel/connection ${dcState}`);
  peer.stdin.write('{"type":"bye"}\n');
  const code = await Promise.race([new Promise((r) => peer.on('exit', (c) => r(c))), delay(5000).then(() => 'timeout')]);
  if (code !== 0) fail(`peer exit: ${code}`);
} catch (e) {
  fail(`driver error: ${e.message.split('\n')[0]}`);
}
if (failures.length) console.log(`peer stderr (last lines):\n${peerErr.split('\n').slice(-25).join('\n')}`);
await finish();
