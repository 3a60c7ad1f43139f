// SPDX-License-Identifier: MIT
// Screenshots of the demo page (tools/demo/index.html served by csctp-web) in its states, taken
// in headless Chromium:
//   transferring.png       a 48 MiB file mid-way (the page's ?pace=6 holds the sender to 6 MB/s)
//                          after a long chat line (it wraps)
//   done.png               the same round trip finished: summary, SHA-256 match
//   peer-gone.png          csctp-web killed (SIGKILL) mid-transfer: the red banner, progress kept
//   signalling-failed.png  the page opened while csctp-web is not running: POST /offer refused
//                          (the page itself is served to the browser by this script, through
//                          playwright's request routing, since nothing listens on the port)
//   signalling-busy.png    csctp-web --max-peers 1 already taken: POST /offer answered 503
//
//   node tools/demo/screenshots.mjs [--out DIR] [--web PATH] [--chromium PATH]
//
// Defaults: --out /tmp/demo-shots, --web build/csctp-web (or $CSCTP_BUILD_DIR/csctp-web),
// --chromium /usr/bin/chromium. playwright-core comes from node's usual resolution, then from
// $PLAYWRIGHT_CORE (a directory), then /tmp/interop/node_modules (`npm ci` in a copy of
// ../shared/interop, which pins playwright-core 1.65.1, puts it there). Chromium is started
// with the flags of the browser harness (../shared/interop/run.mjs launchChromium) and driven
// over CDP. Takes about a minute; exits 1 when a state was not reached (its screenshot is
// still written, for a look). VERBOSE=1 prints the page's console and csctp-web's log.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
};
const OUT = arg('--out', '/tmp/demo-shots');
const WEB = arg('--web', path.join(root, process.env.CSCTP_BUILD_DIR || 'build', 'csctp-web'));
const CHROMIUM = arg('--chromium', '/usr/bin/chromium');
const delay = (ms) => new Promise((r) => setTimeout(r, ms));

async function loadPlaywright() {
  const tries = [null, process.env.PLAYWRIGHT_CORE, '/tmp/interop/node_modules/playwright-core'];
  for (const t of tries) {
    try {
      if (t === null) return await import('playwright-core');
      if (t) return createRequire(path.join(t, 'package.json'))(t);
    } catch {}
  }
  throw new Error('playwright-core not found: npm ci in a copy of ../shared/interop, or set PLAYWRIGHT_CORE');
}
const { chromium } = await loadPlaywright();

// As ../shared/interop/run.mjs launchChromium.
const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-default-browser-check', '--disable-default-apps', '--disable-extensions',
  '--disable-dev-shm-usage', '--mute-audio',
  '--disable-features=WebRtcHideLocalIpsWithMdns', '--allow-loopback-in-peer-connection',
];

async function launchChromium() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'csctp-shots-profile-'));
  const child = spawn(CHROMIUM, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`,
    '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0', 'about:blank'],
  { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const b = { child, profile, exited: false };
  b.exitP = new Promise((res) => child.on('exit', () => { b.exited = true; res(); }));
  const ws = await new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error('Chromium printed no DevTools endpoint in 30 s')), 30000);
    child.stderr.on('data', (d) => {
      buf += d.toString('utf8');
      const m = buf.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(t); reject(new Error(`Chromium exited (${code}):\n${buf.slice(-2000)}`)); });
  });
  child.stderr.resume();
  b.browser = await chromium.connectOverCDP(ws, { isLocal: true }); // local: files go by path
  b.context = b.browser.contexts()[0];
  return b;
}

async function closeBrowser(b) {
  if (!b) return;
  try { await Promise.race([b.browser.close(), delay(5000)]); } catch {}
  for (const sig of ['SIGTERM', 'SIGKILL']) {
    if (b.exited) break;
    try { process.kill(-b.child.pid, sig); } catch {}
    await Promise.race([b.exitP, delay(3000)]);
  }
  fs.rmSync(b.profile, { recursive: true, force: true });
}

// csctp-web on a free port (--port 0: it prints the one it took).
async function startWeb(extra = []) {
  const child = spawn(WEB, ['--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const w = { child, exited: false, log: '' };
  w.exitP = new Promise((res) => child.on('exit', () => { w.exited = true; res(); }));
  child.stderr.on('data', (d) => { w.log += d; if (process.env.VERBOSE) process.stderr.write(`  [csctp-web] ${d}`); });
  w.port = await new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error('csctp-web printed no URL in 10 s')), 10000);
    child.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) { clearTimeout(t); resolve(Number(m[1])); }
    });
    child.on('exit', (code) => { clearTimeout(t); reject(new Error(`${WEB} exited (${code}): ${w.log}`)); });
  });
  child.stdout.resume();
  return w;
}
async function stopWeb(w, sig = 'SIGTERM') {
  if (!w || w.exited) return;
  w.child.kill(sig);
  await Promise.race([w.exitP, delay(3000)]);
}

let failures = 0;
async function shot(page, name, what, until, timeout = 30000) {
  let reached = true;
  try { await until(timeout); } catch (e) {
    reached = false; failures++;
    console.error(`screenshots: ${name}: ${what} not reached: ${e.message.split('\n')[0]}`);
  }
  const file = path.join(OUT, name);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshots: ${file}${reached ? '' : ' (state NOT reached)'}: ${what}`);
}

async function openPage(b, url) {
  const page = await b.context.newPage();
  await page.setViewportSize({ width: 1000, height: 900 });
  page.on('console', (m) => { if (process.env.VERBOSE) console.log(`  [page] ${m.text()}`); });
  await page.goto(url);
  return page;
}
const channelsOpen = (page) => (t) => page.waitForFunction(() =>
  document.getElementById('st-file').textContent === 'open', null, { timeout: t });
const echoedAtLeast = (page, frac) => (t) => page.waitForFunction((f) => {
  const p = document.getElementById('pecho');
  return p.max > 1 && p.value >= f * p.max;
}, frac, { timeout: t });

async function startTransfer(page, file) {
  await channelsOpen(page)(20000);
  await page.setInputFiles('#file', file);
  await page.click('#send');
}

fs.mkdirSync(OUT, { recursive: true });
const big = path.join(os.tmpdir(), `csctp-shots-${process.pid}.bin`);
fs.writeFileSync(big, crypto.randomBytes(48 << 20));
let b, web, web2;
try {
  b = await launchChromium();

  // 1, 2: a paced round trip, caught mid-way, then done.
  web = await startWeb();
  const origin = `http://127.0.0.1:${web.port}`;
  await b.context.grantPermissions(['microphone', 'camera'], { origin });
  let page = await openPage(b, `${origin}/?pace=6`);
  await channelsOpen(page)(20000);
  await page.fill('#text', 'a long line without spaces, to show that chat lines wrap: ' + 'x'.repeat(90) +
    ' and a long URL https://example.org/' + 'very/long/path/'.repeat(8));
  await page.click('#say');
  await page.waitForFunction(() => document.getElementById('log').textContent.includes('peer: echo:'));
  await startTransfer(page, big);
  await shot(page, 'transferring.png', 'a transfer in progress (35 % echoed)', echoedAtLeast(page, 0.35));
  await shot(page, 'done.png', 'the round trip done', (t) => page.waitForSelector('#result.ok', { timeout: t }));
  await page.close();

  // 3: csctp-web killed mid-transfer.
  page = await openPage(b, `${origin}/?pace=6`);
  await startTransfer(page, big);
  await echoedAtLeast(page, 0.4)(30000);
  await stopWeb(web, 'SIGKILL');
  await shot(page, 'peer-gone.png', 'the peer gone (csctp-web killed)',
    (t) => page.waitForSelector('#banner.error', { timeout: t }));
  await page.close();

  // 4: nothing listens on the port any more: the page comes from this script, the offer is refused.
  await b.context.route(`${origin}/**`, (route) => {
    const u = new URL(route.request().url());
    const files = { '/': ['index.html', 'text/html'], '/progress.js': ['progress.js', 'text/javascript'] };
    const f = files[u.pathname];
    if (f && u.searchParams.get('probe') === null && route.request().method() === 'GET') {
      return route.fulfill({ body: fs.readFileSync(path.join(here, f[0])), contentType: f[1] });
    }
    return route.continue();
  });
  page = await openPage(b, `${origin}/`);
  await shot(page, 'signalling-failed.png', 'signalling failed (csctp-web not running)',
    (t) => page.waitForSelector('#banner.error', { timeout: t }));
  await page.close();
  await b.context.unrouteAll();

  // 5: csctp-web busy: its one visitor slot is taken, the second offer gets 503.
  web2 = await startWeb(['--max-peers', '1']);
  const origin2 = `http://127.0.0.1:${web2.port}`;
  await b.context.grantPermissions(['microphone', 'camera'], { origin: origin2 });
  const first = await openPage(b, `${origin2}/`);
  await channelsOpen(first)(20000);
  page = await openPage(b, `${origin2}/`);
  await shot(page, 'signalling-busy.png', 'signalling refused (503, csctp-web busy)',
    (t) => page.waitForSelector('#banner.error', { timeout: t }));
} catch (e) {
  failures++;
  console.error(`screenshots: ${e.stack || e}`);
} finally {
  await closeBrowser(b);
  await stopWeb(web);
  await stopWeb(web2);
  fs.rmSync(big, { force: true });
}
process.exit(failures ? 1 : 0);
